//! `report.html`: one self-contained page (inline SVG and CSS, no script, no
//! network access) with the summary table and every chart, so it opens
//! correctly from an e-mail attachment.

use std::fmt::Write;

use super::Figure;
use crate::compare::Comparison;
use crate::experiment::RunResult;
use crate::metrics::Metric;
use crate::output::json::metric_summaries;

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0;font-size:14px}td,th{border-bottom:1px solid #ddd;padding:4px 10px;text-align:right}\
td:first-child,th:first-child{text-align:left}th{background:#f4f4f4}figure{margin:2em 0}figure svg{max-width:100%;height:auto}\
figcaption{color:#444;max-width:900px;margin:.5em 0}.note{color:#666;font-size:13px}";

fn summary_table(result: &RunResult) -> String {
    let mut t = String::from(
        "<table><tr><th>scenario</th><th>NPV mean (MEUR)</th><th>NPV 5-95% (MEUR)</th><th>annual retention</th><th>mean score</th><th>top box</th><th>satisfied churners</th><th>final customers</th><th>description</th></tr>",
    );
    for run in &result.scenarios {
        let m: std::collections::HashMap<_, _> = metric_summaries(run).into_iter().collect();
        let _ = write!(
            t,
            "<tr><td>{}</td><td>{:.2}</td><td>{:.2} .. {:.2}</td><td>{:.1}%</td><td>{:.2}</td><td>{:.0}%</td><td>{:.0}%</td><td>{:.0}</td><td style=\"text-align:left\">{}</td></tr>",
            escape(&run.scenario.name),
            m[&Metric::Npv].mean / 1e6,
            m[&Metric::Npv].p5 / 1e6,
            m[&Metric::Npv].p95 / 1e6,
            100.0 * m[&Metric::AnnualRetention].mean,
            m[&Metric::MeanSatisfaction].mean,
            100.0 * m[&Metric::TopBoxShare].mean,
            100.0 * m[&Metric::SatisfiedChurnerShare].mean,
            m[&Metric::FinalCustomers].mean,
            escape(&run.scenario.description),
        );
    }
    t.push_str("</table>");
    t
}

/// The whole page.
pub fn page(result: &RunResult, comparison: Option<&Comparison>, figures: &[(Figure, String)]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>spc report</title><style>{STYLE}</style></head><body>\
         <h1>Service profit chain: simulation report</h1>\
         <p class=\"note\">{} scenarios, {} replications each, seed {}, {:.2e} customer-months simulated in {:.1} s on {} threads (spc {}).</p>\
         <h2>Summary</h2>{}",
        result.scenarios.len(),
        result.options.replications,
        result.options.seed,
        result.customer_months as f64,
        result.elapsed.as_secs_f64(),
        result.options.threads,
        env!("CARGO_PKG_VERSION"),
        summary_table(result),
    );
    if let Some(c) = comparison {
        let _ = write!(
            h,
            "<h2>Comparison with {}</h2><pre>{}</pre>",
            escape(&c.baseline),
            escape(&crate::output::compare::comparison_table(c))
        );
    }
    for (fig, svg) in figures {
        let _ = write!(
            h,
            "<figure id=\"{}\"><h2>{}</h2>{}<figcaption>{}</figcaption></figure>",
            fig.stem,
            escape(fig.chart.title()),
            svg,
            escape(&fig.caption)
        );
    }
    h.push_str("</body></html>\n");
    h
}
