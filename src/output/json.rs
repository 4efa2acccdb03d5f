//! `summary.json` (distribution of every metric per scenario) and
//! `manifest.json` (what was run, with which parameters and versions).

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::experiment::{RunResult, ScenarioRun};
use crate::metrics::Metric;
use crate::stats::Summary;

/// The per-metric summaries of one scenario, in metric order.
pub fn metric_summaries(run: &ScenarioRun) -> Vec<(Metric, Summary)> {
    Metric::ALL.iter().map(|&m| (m, run.summary(m))).collect()
}

/// Writes `value` as pretty JSON to `path`.
pub fn write_json(value: &impl Serialize, path: &Path) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e.into(),
    })?;
    std::fs::write(path, text + "\n").map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The summary document (MODEL.md section 5).
pub fn summary(result: &RunResult) -> Value {
    let scenarios: Vec<Value> = result
        .scenarios
        .iter()
        .map(|run| {
            let metrics: Map<String, Value> = metric_summaries(run)
                .into_iter()
                .map(|(k, s)| (k.name().to_string(), json!(s)))
                .collect();
            json!({
                "name": run.scenario.name,
                "description": run.scenario.description,
                "replications": run.replications.len(),
                "metrics": metrics,
            })
        })
        .collect();
    json!({
        "scenarios": scenarios,
        "customer_months": result.customer_months,
        "elapsed_seconds": result.elapsed.as_secs_f64(),
        "customer_months_per_second": result.throughput(),
        "seed": result.options.seed,
        "threads": result.options.threads,
    })
}

/// Writes `summary.json`.
pub fn write_summary(result: &RunResult, path: &Path) -> Result<()> {
    write_json(&summary(result), path)
}

/// Writes `manifest.json`: tool and library versions, seed, replications,
/// threads, each scenario's resolved parameters and file hash, the command line.
pub fn write_manifest(result: &RunResult, command_line: &str, path: &Path) -> Result<()> {
    let scenarios: Vec<Value> = result
        .scenarios
        .iter()
        .map(|run| {
            let s = &run.scenario;
            json!({
                "name": s.name,
                "file": s.source.display().to_string(),
                "sha256": s.file_hash,
                "parameters": s.resolved,
            })
        })
        .collect();
    let manifest = json!({
        "tool": "spc",
        "version": env!("CARGO_PKG_VERSION"),
        "rng": "Xoshiro256++ streams keyed by (seed, replication, entity kind, entity id, purpose)",
        "libraries": { "rand": "0.10", "rand_distr": "0.6" },
        "seed": result.options.seed,
        "replications": result.options.replications,
        "threads": result.options.threads,
        "scenarios": scenarios,
        "command_line": command_line,
    });
    write_json(&manifest, path)
}
