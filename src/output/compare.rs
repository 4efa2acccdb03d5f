//! `comparison.json` and the terminal table of `spc compare`.

use std::fmt::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::compare::{AltComparison, Comparison};
use crate::error::Result;
use crate::metrics::Metric;
use crate::output::json::write_json;

fn metric_map<T: Copy>(pairs: &[(Metric, T)], f: impl Fn(T) -> Value) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.name().to_string(), f(*v))).collect()
}

/// The comparison document: `{"baseline", "replications", "comparisons": [{"scenario", "delta",
/// "p_better", "incremental_investment", "roi", "payback_month", "variance_reduction"}]}`.
pub fn comparison_json(c: &Comparison) -> Value {
    let comparisons: Vec<Value> = c
        .comparisons
        .iter()
        .map(|a| {
            json!({
                "scenario": a.scenario,
                "delta": metric_map(&a.delta, |d| json!(d)),
                "p_better": a.p_better,
                "incremental_investment": a.incremental_investment,
                "roi": a.roi,
                "payback_month": a.payback_month,
                "variance_reduction": metric_map(&a.variance_reduction, |v| json!(v)),
            })
        })
        .collect();
    json!({ "baseline": c.baseline, "replications": c.replications, "comparisons": comparisons })
}

/// Writes `comparison.json`.
pub fn write_comparison(c: &Comparison, path: &Path) -> Result<()> {
    write_json(&comparison_json(c), path)
}

fn meur(v: f64) -> String {
    format!("{:+.2}", v / 1e6)
}

/// One sentence on what to do about an alternative, built from the numbers.
pub fn verdict(a: &AltComparison) -> String {
    let npv = a.delta(Metric::Npv);
    let payback = match a.payback_month {
        Some(1) => "ahead of the baseline from the first month".to_string(),
        Some(m) => format!("pays back in month {m}"),
        None => "never pays back within the horizon".to_string(),
    };
    let chance = format!("beats the baseline in {:.0}% of replications", 100.0 * a.p_better);
    if npv.ci95[0] > 0.0 {
        format!(
            "adopt: NPV {} MEUR (95% CI {} .. {}); {payback}; {chance}.",
            meur(npv.mean),
            meur(npv.ci95[0]),
            meur(npv.ci95[1])
        )
    } else if npv.ci95[1] < 0.0 {
        format!(
            "reject: NPV {} MEUR (95% CI {} .. {}); {chance}.",
            meur(npv.mean),
            meur(npv.ci95[0]),
            meur(npv.ci95[1])
        )
    } else {
        format!(
            "unclear: NPV {} MEUR could go either way (95% CI {} .. {}); {chance}; more replications (--precision) would tell.",
            meur(npv.mean),
            meur(npv.ci95[0]),
            meur(npv.ci95[1])
        )
    }
}

/// The decision table: per alternative, NPV difference, chance of beating the
/// baseline, retention change, incremental investment, ROI, payback, verdict.
pub fn comparison_table(c: &Comparison) -> String {
    let headers = [
        "vs baseline",
        "dNPV MEUR",
        "95% CI",
        "P(better)",
        "dRetention",
        "invest MEUR",
        "ROI",
        "payback",
    ];
    let rows: Vec<Vec<String>> = c
        .comparisons
        .iter()
        .map(|a| {
            let npv = a.delta(Metric::Npv);
            vec![
                a.scenario.clone(),
                meur(npv.mean),
                format!("{} .. {}", meur(npv.ci95[0]), meur(npv.ci95[1])),
                format!("{:.0}%", 100.0 * a.p_better),
                format!("{:+.2} pt", 100.0 * a.delta(Metric::AnnualRetention).mean),
                meur(a.incremental_investment),
                a.roi.map_or("-".into(), |r| format!("{r:+.2}")),
                a.payback_month.map_or("never".into(), |m| format!("month {m}")),
            ]
        })
        .collect();
    let mut out = crate::output::table::render(&headers, &rows);
    let _ = writeln!(
        out,
        "\nPaired over {} replications (common random numbers). Verdicts:",
        c.replications
    );
    for a in &c.comparisons {
        let _ = writeln!(out, "  {}: {}", a.scenario, verdict(a));
    }
    out.push_str(
        "\ndNPV: NPV of the alternative minus the baseline's, per replication. invest: extra present value spent on\n\
         levers, marketing and salaries (negative = savings). ROI: dNPV per euro invested ('-' when nothing extra is\n\
         invested). payback: first month from which the median cumulative-profit difference stays above zero.\n",
    );
    out
}
