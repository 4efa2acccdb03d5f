//! Paired comparison of investments against a baseline (`spc compare`).
//!
//! A strategy team asks "how much better than today is plan B, how sure are
//! we, and when does it pay back?". Every scenario runs on the same
//! replication indices, and replication `r` of every scenario draws from the
//! same keyed streams (common random numbers), so the difference within a
//! replication is a difference of policy, not of luck. Statistics are
//! computed on those paired differences.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use crate::engine::{self, RunOptions, RunResult, ScenarioRun};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::scenario::Scenario;
use crate::stats::{Summary, five};

/// Mean and 95% confidence interval of a paired difference.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Delta {
    /// Mean paired difference (alternative minus baseline).
    pub mean: f64,
    /// 95% confidence interval of the mean difference (Student t).
    pub ci95: [f64; 2],
}

/// One alternative against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct AltComparison {
    /// The alternative's name.
    pub scenario: String,
    /// Paired difference of every metric, in metric order.
    pub delta: Vec<(&'static str, Delta)>,
    /// Share of replications in which the alternative's NPV beats the baseline's (0-1).
    pub p_better: f64,
    /// Incremental investment: mean paired difference of `spend_npv`, the present value of what
    /// management chose to spend (lever budgets, marketing, salaries) (EUR). Negative for savings.
    pub incremental_investment: f64,
    /// Incremental NPV per euro of incremental investment; `None` when the alternative invests
    /// nothing material (less than 1% of the baseline's spend; a saving or a price move is not an investment).
    pub roi: Option<f64>,
    /// First month (1-based) from which the median paired difference in cumulative profit
    /// stays above zero to the horizon; `None` if it never does.
    pub payback_month: Option<u32>,
    /// Variance of the unpaired difference over that of the paired one, per metric.
    pub variance_reduction: Vec<(&'static str, f64)>,
    /// Per month: p5, p25, p50, p75, p95 of the paired difference in cumulative profit (EUR).
    pub cumulative_profit_bands: Vec<[f64; 5]>,
    /// Per replication: the NPV difference (EUR).
    pub npv_differences: Vec<f64>,
}

/// All alternatives against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The baseline's name.
    pub baseline: String,
    /// Replications per scenario.
    pub replications: usize,
    /// One entry per alternative, in the order given.
    pub comparisons: Vec<AltComparison>,
}

fn variance(v: &[f64]) -> f64 {
    Summary::of(v.iter().copied()).sd.powi(2)
}

fn compare_one(base: &ScenarioRun, alt: &ScenarioRun) -> AltComparison {
    let pairs = || base.replications.iter().zip(&alt.replications);
    let mut delta = Vec::new();
    let mut variance_reduction = Vec::new();
    for (k, name) in Metrics::NAMES.iter().enumerate() {
        let a: Vec<f64> = alt.replications.iter().map(|r| r.metrics.values()[k]).collect();
        let b: Vec<f64> = base.replications.iter().map(|r| r.metrics.values()[k]).collect();
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let s = Summary::of(d.iter().copied());
        delta.push((
            *name,
            Delta {
                mean: s.mean,
                ci95: s.ci95,
            },
        ));
        variance_reduction.push((*name, (variance(&a) + variance(&b)) / variance(&d)));
    }
    let npv_differences: Vec<f64> = pairs().map(|(b, a)| a.metrics.npv - b.metrics.npv).collect();
    let p_better = npv_differences.iter().filter(|d| **d > 0.0).count() as f64 / npv_differences.len().max(1) as f64;
    let months = base.scenario.months.min(alt.scenario.months) as usize;
    let cumulative_profit_bands: Vec<[f64; 5]> = (0..months)
        .map(|t| five(pairs().map(|(b, a)| a.monthly[t][5] - b.monthly[t][5])).1)
        .collect();
    let payback_month = match cumulative_profit_bands.iter().rposition(|b| b[2] <= 0.0) {
        None => Some(1),
        Some(t) if t + 1 < months => Some(t as u32 + 2),
        Some(_) => None,
    };
    let get = |name: &str| delta.iter().find(|(n, _)| *n == name).map_or(f64::NAN, |(_, d)| d.mean);
    let incremental_investment = get("spend_npv");
    let base_spend = Summary::of(base.replications.iter().map(|r| r.metrics.spend_npv)).mean;
    let roi = (incremental_investment > 0.01 * base_spend).then(|| get("npv") / incremental_investment);
    AltComparison {
        scenario: alt.scenario.name.clone(),
        delta,
        p_better,
        incremental_investment,
        roi,
        payback_month,
        variance_reduction,
        cumulative_profit_bands,
        npv_differences,
    }
}

/// Compares every scenario after the first with the first (the baseline).
pub fn compare(result: &RunResult) -> Comparison {
    let base = &result.scenarios[0];
    Comparison {
        baseline: base.scenario.name.clone(),
        replications: base.replications.len(),
        comparisons: result.scenarios[1..].iter().map(|alt| compare_one(base, alt)).collect(),
    }
}

/// Half-width of the 95% interval of the NPV difference of every alternative.
pub fn npv_half_widths(c: &Comparison) -> Vec<f64> {
    c.comparisons
        .iter()
        .map(|a| {
            a.delta
                .iter()
                .find(|(n, _)| *n == "npv")
                .map_or(f64::INFINITY, |(_, d)| 0.5 * (d.ci95[1] - d.ci95[0]))
        })
        .collect()
}

/// When to stop adding replications.
#[derive(Debug, Clone, Copy)]
pub struct Precision {
    /// Target half-width of the 95% interval of every NPV difference (EUR).
    pub half_width: f64,
    /// Never run more replications than this.
    pub max_replications: u32,
}

/// Runs `scenarios` (the first is the baseline) for `options.replications`
/// replications and, with a `precision`, keeps adding replications in
/// batches until every NPV difference is known to within the target or the
/// maximum is reached. Batches are deterministic: the result equals a single
/// run of the final number of replications.
pub fn run(
    scenarios: &[Scenario],
    options: &RunOptions,
    precision: Option<Precision>,
    cancel: &AtomicBool,
    on_done: &(dyn Fn() + Sync),
) -> Result<(RunResult, Comparison)> {
    if scenarios.len() < 2 {
        return Err(Error::Options(
            "compare needs a baseline and at least one alternative".into(),
        ));
    }
    let mut options = options.clone();
    if let Some(p) = precision {
        if !(p.half_width > 0.0 && p.half_width.is_finite()) {
            return Err(Error::Options(format!(
                "--precision must be a positive number of euros, got {}",
                p.half_width
            )));
        }
        if p.max_replications < 2 {
            return Err(Error::Options("--max-replications must be at least 2".into()));
        }
        options.replications = options.replications.clamp(2, p.max_replications);
    }
    let mut result = engine::run(scenarios, &options, cancel, on_done)?;
    let mut comparison = compare(&result);
    if let Some(p) = precision {
        loop {
            let worst = npv_half_widths(&comparison).into_iter().fold(0.0, f64::max);
            let n = result.options.replications;
            if worst <= p.half_width || n >= p.max_replications {
                break;
            }
            // The half-width shrinks like 1/sqrt(n): aim for the target with 10% to spare.
            let wanted = (f64::from(n) * (worst / p.half_width).powi(2) * 1.1).ceil();
            let next = (wanted as u32).clamp(n + 1, p.max_replications);
            let more = engine::run_range(scenarios, &options, u64::from(n)..u64::from(next), cancel, on_done)?;
            result.extend(more);
            comparison = compare(&result);
        }
    }
    Ok((result, comparison))
}
