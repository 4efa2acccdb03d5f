//! `summary.json` (distribution of every metric per scenario) and
//! `manifest.json` (what was run, with which parameters and versions).

use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::error::{Error, Result};
use crate::experiment::shard::VariantRecord;
use crate::experiment::{RunOptions, RunResult, ScenarioRun};
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

/// One scenario in `summary.json`.
#[derive(Debug, Serialize)]
pub struct ScenarioSummary<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// What it tests.
    pub description: &'a str,
    /// Replications run.
    pub replications: usize,
    /// Every metric's distribution over replications, by name, in metric order.
    pub metrics: Map<String, Value>,
}

/// `summary.json` (MODEL.md section 5).
#[derive(Debug, Serialize)]
pub struct SummaryDoc<'a> {
    /// Per scenario, in the order run.
    pub scenarios: Vec<ScenarioSummary<'a>>,
    /// Customer-months simulated.
    pub customer_months: u64,
    /// Wall-clock time of the simulation (s).
    pub elapsed_seconds: f64,
    /// Simulation speed (customer-months per second).
    pub customer_months_per_second: f64,
    /// Master seed.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
}

/// The summary document of `result`.
pub fn summary(result: &RunResult) -> SummaryDoc<'_> {
    SummaryDoc {
        scenarios: result
            .scenarios
            .iter()
            .map(|run| ScenarioSummary {
                name: &run.scenario.name,
                description: &run.scenario.description,
                replications: run.replications.len(),
                metrics: metric_summaries(run)
                    .into_iter()
                    .map(|(k, s)| (k.name().to_string(), json!(s)))
                    .collect(),
            })
            .collect(),
        customer_months: result.customer_months,
        elapsed_seconds: result.elapsed.as_secs_f64(),
        customer_months_per_second: result.throughput(),
        seed: result.options.seed,
        threads: result.options.threads,
    }
}

/// Writes `summary.json`.
pub fn write_summary(result: &RunResult, path: &Path) -> Result<()> {
    write_json(&summary(result), path)
}

/// One scenario in `manifest.json`.
#[derive(Debug, Serialize)]
pub struct ScenarioRecord<'a> {
    /// The scenario's name.
    pub name: &'a str,
    /// The file it was read from.
    pub file: String,
    /// SHA-256 of the file and every file it extends.
    pub sha256: &'a str,
    /// The resolved parameters (after `extends`, `--set` and edits).
    pub parameters: &'a toml::Table,
}

/// `manifest.json`: what was run, with which parameters and versions.
#[derive(Debug, Serialize)]
pub struct Manifest<'a> {
    /// Always "spc".
    pub tool: &'static str,
    /// spc's version.
    pub version: &'static str,
    /// The random number generator and how streams are keyed.
    pub rng: &'static str,
    /// Versions of the libraries whose values results depend on.
    pub libraries: Map<String, Value>,
    /// Master seed.
    pub seed: u64,
    /// Replications per scenario.
    pub replications: u32,
    /// Worker threads.
    pub threads: usize,
    /// Every scenario run (of an analysis: the scenarios its points edit).
    pub scenarios: Vec<ScenarioRecord<'a>>,
    /// An analysis's design: the keys varied, their points and the method's settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub design: Option<&'a Value>,
    /// The command line.
    pub command_line: &'a str,
}

impl<'a> Manifest<'a> {
    fn new(options: &RunOptions, scenarios: Vec<ScenarioRecord<'a>>, command_line: &'a str) -> Manifest<'a> {
        Manifest {
            tool: "spc",
            version: env!("CARGO_PKG_VERSION"),
            rng: "Xoshiro256++ streams keyed by (seed, replication, entity kind, entity id, purpose)",
            libraries: [("rand", "0.10"), ("rand_distr", "0.6")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect(),
            seed: options.seed,
            replications: options.replications,
            threads: options.threads,
            scenarios,
            design: None,
            command_line,
        }
    }
}

/// Writes `manifest.json`: tool and library versions, seed, replications,
/// threads, each scenario's resolved parameters and file hash, the command line.
pub fn write_manifest(result: &RunResult, command_line: &str, path: &Path) -> Result<()> {
    let scenarios = result
        .scenarios
        .iter()
        .map(|run| ScenarioRecord {
            name: &run.scenario.name,
            file: run.scenario.source.display().to_string(),
            sha256: &run.scenario.file_hash,
            parameters: &run.scenario.resolved,
        })
        .collect();
    let manifest = Manifest::new(&result.options, scenarios, command_line);
    write_json(&manifest, path)
}

/// Writes the `manifest.json` of an analysis (sweep, sensitivity): its scenarios
/// as recorded, `options`, the `design` and the command line.
pub fn write_analysis_manifest(
    records: &[VariantRecord],
    options: &RunOptions,
    design: &Value,
    command_line: &str,
    path: &Path,
) -> Result<()> {
    let tables = records
        .iter()
        .map(VariantRecord::parameters)
        .collect::<Result<Vec<_>>>()?;
    let scenarios = records
        .iter()
        .zip(&tables)
        .map(|(r, parameters)| ScenarioRecord {
            name: &r.name,
            file: r.file.display().to_string(),
            sha256: &r.sha256,
            parameters,
        })
        .collect();
    let mut manifest = Manifest::new(options, scenarios, command_line);
    manifest.design = Some(design);
    write_json(&manifest, path)
}
