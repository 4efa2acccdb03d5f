//! The terminal table printed at the end of `spc run`.

use std::fmt::Write;

use crate::engine::RunResult;
use crate::output::json::metric_summaries;

/// Money in millions of euros with one decimal, e.g. `12.3`.
fn meur(v: f64) -> String {
    format!("{:.1}", v / 1e6)
}

/// One row per scenario: NPV (mean and 5-95% range), annual retention, mean
/// satisfaction, satisfied-churner share, final customers; then the throughput.
pub fn terminal_table(result: &RunResult) -> String {
    let headers = [
        "scenario",
        "NPV MEUR",
        "NPV 5-95%",
        "retention",
        "satisfaction",
        "satisfied churners",
        "final customers",
    ];
    let mut rows: Vec<[String; 7]> = Vec::new();
    for run in &result.scenarios {
        let m: std::collections::HashMap<_, _> = metric_summaries(run).into_iter().collect();
        rows.push([
            run.scenario.name.clone(),
            meur(m["npv"].mean),
            format!("{} .. {}", meur(m["npv"].p5), meur(m["npv"].p95)),
            format!("{:.1}%", 100.0 * m["annual_retention"].mean),
            format!("{:.2} / 5", m["mean_satisfaction"].mean),
            format!("{:.0}%", 100.0 * m["satisfied_churner_share"].mean),
            format!("{:.0}", m["final_customers"].mean),
        ]);
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|k| {
            rows.iter()
                .map(|r| r[k].chars().count())
                .chain([headers[k].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let line = |cells: &[&str], out: &mut String| {
        for (k, c) in cells.iter().enumerate() {
            if k == 0 {
                let _ = write!(out, "{c:<w$}", w = widths[k]);
            } else {
                let _ = write!(out, "  {c:>w$}", w = widths[k]);
            }
        }
        out.push('\n');
    };
    line(&headers, &mut out);
    line(
        &widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &mut out,
    );
    for r in &rows {
        line(&r.iter().map(String::as_str).collect::<Vec<_>>(), &mut out);
    }
    let reps = result.scenarios.first().map_or(0, |s| s.replications.len());
    let _ = writeln!(
        out,
        "\n{} scenarios x {} replications, {:.2e} customer-months in {:.1} s on {} threads: {:.2e} customer-months/s ({:.2e} per thread)",
        result.scenarios.len(),
        reps,
        result.customer_months as f64,
        result.elapsed.as_secs_f64(),
        result.options.threads,
        result.throughput(),
        result.throughput() / result.options.threads as f64,
    );
    out
}
