//! The terminal table printed at the end of `spc run`.

use std::fmt::Write;

use crate::experiment::RunResult;
use crate::metrics::Metric;
use crate::output::format::{Unit, meur, value};
use crate::output::json::metric_summaries;

/// Renders a table: the first column left-aligned, the others right-aligned,
/// with a rule under the headers.
pub fn render(headers: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..headers.len())
        .map(|k| {
            rows.iter()
                .map(|r| r[k].chars().count())
                .chain([headers[k].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        for (k, c) in cells.enumerate() {
            if k == 0 {
                let _ = write!(out, "{c:<w$}", w = widths[k]);
            } else {
                let _ = write!(out, "  {c:>w$}", w = widths[k]);
            }
        }
        out.push('\n');
    };
    line(&mut headers.iter().copied());
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    line(&mut rules.iter().map(String::as_str));
    for r in rows {
        line(&mut r.iter().map(String::as_str));
    }
    out
}

/// A table: headers and rows of cells, the first cell of a row naming a scenario.
pub type Rows = (Vec<&'static str>, Vec<Vec<String>>);

/// One row per scenario: NPV (mean and 5-95% range), annual retention, mean reported score,
/// top-box share, satisfied-churner share, final customers (means over replications).
pub fn summary_rows(result: &RunResult) -> Rows {
    let headers = vec![
        "scenario",
        "NPV MEUR",
        "NPV 5-95% MEUR",
        "retention",
        "score (1-5)",
        "top box",
        "satisfied churners",
        "final customers",
    ];
    let rows = result
        .scenarios
        .iter()
        .map(|run| {
            let m: std::collections::HashMap<_, _> = metric_summaries(run).into_iter().collect();
            vec![
                run.scenario.name.clone(),
                meur(m[&Metric::Npv].mean),
                format!("{} .. {}", meur(m[&Metric::Npv].p5), meur(m[&Metric::Npv].p95)),
                value(Unit::Share, m[&Metric::AnnualRetention].mean),
                value(Unit::Plain, m[&Metric::MeanSatisfaction].mean),
                value(Unit::Share, m[&Metric::TopBoxShare].mean),
                value(Unit::Share, m[&Metric::SatisfiedChurnerShare].mean),
                value(Unit::Count, m[&Metric::FinalCustomers].mean),
            ]
        })
        .collect();
    (headers, rows)
}

/// Sentences on how a run was made that change how to read it: a bank simulated on a sample.
pub fn sample_notes(result: &RunResult) -> Vec<String> {
    result
        .scenarios
        .iter()
        .filter(|run| run.scenario.customers < run.scenario.bank_customers)
        .map(|run| {
            let s = &run.scenario;
            format!(
                "{}: a bank of {} customers simulated on a representative sample of {} (per-customer quantities \
                 unchanged); money and customer counts scaled up x{:.2}",
                s.name,
                value(Unit::Count, f64::from(s.bank_customers)),
                value(Unit::Count, f64::from(s.customers)),
                s.scale_up()
            )
        })
        .collect()
}

/// The summary table of [`summary_rows`], then the throughput.
pub fn terminal_table(result: &RunResult) -> String {
    let (headers, rows) = summary_rows(result);
    let mut out = render(&headers, &rows);
    for note in sample_notes(result) {
        let _ = writeln!(out, "{note}");
    }
    let reps = result.scenarios.first().map_or(0, |s| s.replications.len());
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let _ = writeln!(
        out,
        "\n{} x {}, {:.2e} customer-months in {:.1} s on {}: {:.2e} customer-months/s ({:.2e} per thread)",
        plural(result.scenarios.len(), "scenario", "scenarios"),
        plural(reps, "replication", "replications"),
        result.customer_months as f64,
        result.elapsed.as_secs_f64(),
        plural(result.options.threads, "thread", "threads"),
        result.throughput(),
        result.throughput() / result.options.threads as f64,
    );
    out
}
