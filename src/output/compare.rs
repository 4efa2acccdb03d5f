//! `comparison.json` and the terminal table of `spc compare`.

use std::fmt::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::compare::{AltComparison, Comparison, Decision};
use crate::error::Result;
use crate::metrics::Metric;
use crate::output::format::{self, Unit};
use crate::output::json::write_json;
use crate::output::table::Rows;

fn metric_map<T: Copy>(pairs: &[(Metric, T)], f: impl Fn(T) -> Value) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.name().to_string(), f(*v))).collect()
}

/// The comparison document: `{"baseline", "replications", "comparisons": [{"scenario", "delta",
/// "p_better", "incremental_investment", "roi", "payback_month", "variance_reduction", "chain":
/// [{"link", "metric", "delta"}]}]}`: the chain's links in order, with their differences.
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
                "chain": CHAIN.iter().map(|l| json!({ "link": l.header, "metric": l.metric, "delta": a.delta(l.metric) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "baseline": c.baseline, "replications": c.replications, "comparisons": comparisons })
}

/// Writes `comparison.json`.
pub fn write_comparison(c: &Comparison, path: &Path) -> Result<()> {
    write_json(&comparison_json(c), path)
}

/// Whether the alternative gave exactly the baseline's results in every replication.
pub fn identical(a: &AltComparison) -> bool {
    a.npv_differences.iter().all(|d| *d == 0.0) && a.delta.iter().all(|(_, d)| d.mean == 0.0 || d.mean.is_nan())
}

/// One sentence on what to do about an alternative, built from the numbers.
pub fn verdict(a: &AltComparison) -> String {
    let npv = a.delta(Metric::Npv);
    let money = |v: f64| format::delta(Unit::Eur, v);
    if identical(a) {
        return "identical to the baseline: every replication gives exactly the same results, so the two scenarios \
                differ in nothing the model uses (check the scenario files and any --set)."
            .into();
    }
    let payback = match a.payback_month {
        Some(1) => "ahead of the baseline from the first month".to_string(),
        Some(m) => format!("pays back in month {m}"),
        None => "never pays back within the horizon".to_string(),
    };
    let chance = format!("beats the baseline in {:.0}% of replications", 100.0 * a.p_better);
    let ci = format!("95% CI {} .. {}", money(npv.ci95[0]), money(npv.ci95[1]));
    let rule = "rule: adopt if the 95% CI is above zero and P(better) >= 80%";
    match a.decision() {
        Decision::Adopt => format!("adopt: NPV {} ({ci}); {payback}; {chance} ({rule}).", money(npv.mean)),
        Decision::Reject => format!("reject: NPV {} ({ci}); {chance}.", money(npv.mean)),
        Decision::Unclear if npv.ci95[0] > 0.0 || npv.ci95[1] < 0.0 => format!(
            "unclear: NPV {} on average ({ci}), but it {chance}: the outcome depends on the uncertain parameters \
             as much as on the policy ({rule}).",
            money(npv.mean)
        ),
        Decision::Unclear => format!(
            "unclear: NPV {} could go either way ({ci}); {chance}; more replications would tell (a precision target adds them until it does).",
            money(npv.mean)
        ),
    }
}

/// The decision table: per alternative, NPV difference with its 95% interval, chance of beating
/// the baseline, incremental investment, ROI, payback.
pub fn decision_rows(c: &Comparison) -> Rows {
    let headers = vec![
        "vs baseline",
        "dNPV MEUR",
        "95% CI MEUR",
        "P(better)",
        "invest MEUR",
        "ROI",
        "payback",
    ];
    let rows = c
        .comparisons
        .iter()
        .map(|a| {
            let npv = a.delta(Metric::Npv);
            vec![
                a.scenario.clone(),
                format::meur(npv.mean),
                format!("{} .. {}", format::meur(npv.ci95[0]), format::meur(npv.ci95[1])),
                format!("{:.0}%", 100.0 * a.p_better),
                format::meur(a.incremental_investment),
                a.roi.map_or("-".into(), |r| format!("{r:+.2}")),
                a.payback_month.map_or("never".into(), |m| format!("month {m}")),
            ]
        })
        .collect();
    (headers, rows)
}

/// One link of the chain as the comparison shows it.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// The metric measuring it.
    pub metric: Metric,
    /// Short name ("top box"), the `chain` column of `comparison.csv`.
    pub header: &'static str,
    /// Column header of the chain table, with the unit of its differences ("top box pt").
    pub column: &'static str,
    /// Longer title with its scale, for chart panels ("top-box share").
    pub title: &'static str,
    /// How its values and differences are written.
    pub unit: Unit,
}

const fn link(metric: Metric, (header, column): (&'static str, &'static str), title: &'static str, unit: Unit) -> Link {
    Link {
        metric,
        header,
        column,
        title,
        unit,
    }
}

/// The links of the chain in the comparison's tables, `comparison.json`, `comparison.csv` and the
/// chain chart, in the chain's order: from the quality delivered to the value created.
pub const CHAIN: [Link; 9] = [
    link(
        Metric::MeanDeliveredQuality,
        ("quality", "quality"),
        "delivered quality (0-10)",
        Unit::Plain,
    ),
    link(
        Metric::MeanSatisfaction,
        ("score", "score"),
        "reported score (1-5)",
        Unit::Plain,
    ),
    link(
        Metric::TopBoxShare,
        ("top box", "top box pt"),
        "top-box share",
        Unit::Share,
    ),
    link(
        Metric::MeanLoyalty,
        ("loyalty", "loyalty"),
        "loyalty (0-1)",
        Unit::Plain,
    ),
    link(
        Metric::AnnualRetention,
        ("retention", "retention pt"),
        "annual retention",
        Unit::Share,
    ),
    link(
        Metric::FinalCustomers,
        ("customers", "customers"),
        "customers at the horizon",
        Unit::Count,
    ),
    link(
        Metric::Revenue,
        ("revenue", "revenue MEUR"),
        "revenue over the horizon",
        Unit::Eur,
    ),
    link(
        Metric::TotalCost,
        ("cost", "cost MEUR"),
        "cost over the horizon",
        Unit::Eur,
    ),
    link(Metric::Npv, ("NPV", "NPV MEUR"), "NPV", Unit::Eur),
];

/// A difference without its unit, for a cell under a header that names it: "+1.9", "+0.69".
fn bare(unit: Unit, v: f64) -> String {
    let s = format::delta(unit, v);
    s.trim_end_matches(unit.delta_suffix()).trim_end().to_string()
}

/// The half-width of an interval, "±0.05", with one significant digit more where two decimals
/// would round it to zero (a score known to within ±0.004).
fn half_width(unit: Unit, h: f64) -> String {
    let scale = match unit {
        Unit::Share => 100.0,
        Unit::Plain => 1.0,
        Unit::Eur | Unit::Count => return bare(unit, h).replacen('+', "±", 1),
    };
    if !h.is_finite() {
        return "n/a".into();
    }
    let x = h * scale;
    let decimals = if x > 0.0 {
        (-x.log10().floor()).clamp(2.0, 6.0) as usize
    } else {
        2
    };
    format!("±{x:.decimals$}")
}

/// The chain table: per alternative, the mean paired difference of every link, so an effect can
/// be followed from delivered quality to NPV; with `intervals`, a second row under each with the
/// half-width of each 95% interval ("±0.05": the Student-t interval is symmetric).
pub fn chain_rows(c: &Comparison, intervals: bool) -> Rows {
    let mut headers = vec!["vs baseline"];
    headers.extend(CHAIN.iter().map(|l| l.column));
    let mut rows = Vec::new();
    for a in &c.comparisons {
        let mut row = vec![a.scenario.clone()];
        row.extend(CHAIN.iter().map(|l| bare(l.unit, a.delta(l.metric).mean)));
        rows.push(row);
        if intervals {
            let mut row = vec![CI_ROW.to_string()];
            row.extend(CHAIN.iter().map(|l| {
                let ci = a.delta(l.metric).ci95;
                half_width(l.unit, 0.5 * (ci[1] - ci[0]).abs())
            }));
            rows.push(row);
        }
    }
    (headers, rows)
}

/// The first cell of an interval row of [`chain_rows`].
pub const CI_ROW: &str = "95% CI ±";

/// What the columns of the comparison tables mean, sentence by sentence.
pub const LEGEND: [&str; 5] = [
    "dNPV: NPV of the alternative minus the baseline's in the same replication (paired), mean and 95% interval.",
    "invest: extra present value spent on levers, marketing and salaries (negative = savings).",
    "ROI: dNPV per euro invested ('-' when nothing extra is invested).",
    "payback: first month from which the median cumulative-profit difference stays above zero.",
    "Chain: mean paired differences of delivered quality (0-10), reported score (1-5), top-box share (percentage points), loyalty (0-1), annual retention (percentage points), customers at the horizon, revenue and cost over the horizon (undiscounted) and NPV; comparison.csv gives their 95% intervals, report.html their half-widths (±).",
];

/// The terminal output of `spc compare`: the decision table, the chain table and the verdicts.
pub fn comparison_table(c: &Comparison) -> String {
    let (h, r) = decision_rows(c);
    let mut out = crate::output::table::render(&h, &r);
    let (h, r) = chain_rows(c, false);
    out.push_str("\nThe chain, link by link (alternative minus baseline):\n");
    out.push_str(&crate::output::table::render(&h, &r));
    let _ = writeln!(
        out,
        "\nPaired over {} replications (common random numbers). Verdicts ({}):",
        c.replications,
        crate::compare::RULE
    );
    for a in &c.comparisons {
        let _ = writeln!(out, "  {}: {}", a.scenario, verdict(a));
    }
    out.push('\n');
    for line in LEGEND {
        let _ = writeln!(out, "{line}");
    }
    out
}
