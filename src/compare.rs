//! Paired comparison of investments against a baseline (`spc compare`).
//!
//! A strategy team asks "how much better than today is plan B, how sure are
//! we, and when does it pay back?". Every scenario runs on the same
//! replication indices, and replication `r` of every scenario draws from the
//! same keyed streams (common random numbers), so the difference within a
//! replication is a difference of policy, not of luck. Statistics are
//! computed on those paired differences.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::experiment::{Design, Observe, RunResult, ScenarioRun};
use crate::metrics::{Metric, Series};
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
    /// Paired difference of every metric, in the order of [`Metric::ALL`].
    pub delta: Vec<(Metric, Delta)>,
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
    pub variance_reduction: Vec<(Metric, f64)>,
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

impl AltComparison {
    /// The paired difference of `metric`.
    pub fn delta(&self, metric: Metric) -> Delta {
        self.delta[metric as usize].1
    }

    /// Half-width of the 95% interval of the NPV difference (EUR).
    pub fn npv_half_width(&self) -> f64 {
        let ci = self.delta(Metric::Npv).ci95;
        let half = 0.5 * (ci[1] - ci[0]);
        if half.is_nan() { f64::INFINITY } else { half }
    }
}

/// Smallest share of replications in which the alternative must beat the baseline to be adopted.
pub const ADOPT_P_BETTER: f64 = 0.8;

/// The rule behind a verdict, in words.
pub const RULE: &str = "adopt only if the 95% interval of dNPV lies above zero and the alternative beats the baseline \
                        in at least 80% of replications; reject if the interval lies below zero and it beats the \
                        baseline in at most 20%";

/// What the numbers say to do about an alternative ([`RULE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Better with high confidence: its mean NPV gain is sure, and it wins in most replications.
    Adopt,
    /// Worse with high confidence.
    Reject,
    /// Neither: the gain is uncertain, or sure on average but not replication by replication.
    Unclear,
}

impl AltComparison {
    /// The decision under [`RULE`].
    pub fn decision(&self) -> Decision {
        let ci = self.delta(Metric::Npv).ci95;
        if ci[0] > 0.0 && self.p_better >= ADOPT_P_BETTER {
            Decision::Adopt
        } else if ci[1] < 0.0 && self.p_better <= 1.0 - ADOPT_P_BETTER {
            Decision::Reject
        } else {
            Decision::Unclear
        }
    }
}

fn compare_one(base: &ScenarioRun, alt: &ScenarioRun) -> AltComparison {
    let pairs = || base.replications.iter().zip(&alt.replications);
    let mut delta = Vec::new();
    let mut variance_reduction = Vec::new();
    for &metric in Metric::ALL {
        let a: Vec<f64> = alt.metric(metric).collect();
        let b: Vec<f64> = base.metric(metric).collect();
        let d: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let s = Summary::of(d.iter().copied());
        delta.push((
            metric,
            Delta {
                mean: s.mean,
                ci95: s.ci95,
            },
        ));
        variance_reduction.push((metric, (variance(&a) + variance(&b)) / variance(&d)));
    }
    let npv_differences: Vec<f64> = pairs().map(|(b, a)| a.metrics.npv - b.metrics.npv).collect();
    let p_better = npv_differences.iter().filter(|d| **d > 0.0).count() as f64 / npv_differences.len().max(1) as f64;
    let months = base.scenario.months.min(alt.scenario.months) as usize;
    let cumulative = |r: &crate::experiment::Replication, t: usize| Series::CumulativeProfit.of(&r.monthly[t]);
    let cumulative_profit_bands: Vec<[f64; 5]> = (0..months)
        .map(|t| five(pairs().map(|(b, a)| cumulative(a, t) - cumulative(b, t))).1)
        .collect();
    let payback_month = match cumulative_profit_bands.iter().rposition(|b| b[2] <= 0.0) {
        None => Some(1),
        Some(t) if t + 1 < months => Some(t as u32 + 2),
        Some(_) => None,
    };
    let incremental_investment = delta[Metric::SpendNpv as usize].1.mean;
    let base_spend = base.summary(Metric::SpendNpv).mean;
    let roi = (incremental_investment > 0.01 * base_spend)
        .then(|| delta[Metric::Npv as usize].1.mean / incremental_investment);
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
    c.comparisons.iter().map(AltComparison::npv_half_width).collect()
}

/// When to stop adding replications.
#[derive(Debug, Clone, Copy)]
pub struct Precision {
    /// Target half-width of the 95% interval of every NPV difference (EUR).
    pub half_width: f64,
    /// Never run more replications than this.
    pub max_replications: u32,
}

impl Precision {
    /// Checks the target: a positive number of euros, and room for at least two replications.
    pub fn check(&self) -> Result<()> {
        if !(self.half_width > 0.0 && self.half_width.is_finite()) {
            return Err(Error::Options(format!(
                "the precision target must be a positive number of euros, got {}",
                self.half_width
            )));
        }
        if self.max_replications < 2 {
            return Err(Error::Options(
                "the maximum number of replications must be at least 2".into(),
            ));
        }
        Ok(())
    }

    /// Whether `c` meets the target, and a sentence saying so.
    pub fn verdict(&self, c: &Comparison) -> (bool, String) {
        let widest = npv_half_widths(c).into_iter().fold(0.0, f64::max);
        let reached = widest <= self.half_width;
        let how = if reached {
            "reached"
        } else {
            "NOT reached (the maximum number of replications was hit)"
        };
        (
            reached,
            format!(
                "precision +-{:.0} EUR {how}: {} replications, widest NPV interval +-{widest:.0} EUR",
                self.half_width, c.replications
            ),
        )
    }
}

/// Runs `design` (its first variant is the baseline) and, with a `precision`,
/// keeps adding replications in batches until every NPV difference is known
/// to within the target or the maximum is reached. Batches are deterministic:
/// the result equals a single run of the final number of replications.
pub fn run(design: &Design, precision: Option<Precision>, observer: &dyn Observe) -> Result<(RunResult, Comparison)> {
    if design.variants.len() < 2 {
        return Err(Error::Options(
            "compare needs a baseline and at least one alternative".into(),
        ));
    }
    let mut design = design.clone();
    if let Some(p) = precision {
        p.check()?;
        design.options.replications = design.options.replications.clamp(2, p.max_replications);
    }
    let mut result = design.run(observer)?;
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
            let (outcomes, elapsed) =
                design.run_units(&design.units_between(u64::from(n), u64::from(next)), observer)?;
            result.extend(design.assemble_batch(u64::from(n), outcomes, elapsed)?);
            comparison = compare(&result);
        }
    }
    Ok((result, comparison))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An alternative whose dNPV has the 95% interval `ci` and which wins in `p_better` of replications.
    fn alternative(ci: [f64; 2], p_better: f64) -> AltComparison {
        let delta = Delta {
            mean: 0.5 * (ci[0] + ci[1]),
            ci95: ci,
        };
        AltComparison {
            scenario: "alt".into(),
            delta: Metric::ALL.iter().map(|&m| (m, delta)).collect(),
            p_better,
            incremental_investment: 0.0,
            roi: None,
            payback_month: Some(1),
            variance_reduction: Vec::new(),
            cumulative_profit_bands: Vec::new(),
            npv_differences: vec![1.0, -1.0],
        }
    }

    #[test]
    fn adopt_needs_an_interval_above_zero_and_a_win_in_four_replications_of_five() {
        // The case: better on average, but a win in only 55% of replications.
        assert_eq!(alternative([1e4, 9e4], 0.55).decision(), Decision::Unclear);
        assert_eq!(alternative([1e4, 9e4], 0.8).decision(), Decision::Adopt);
        assert_eq!(alternative([-1e4, 9e4], 0.95).decision(), Decision::Unclear);
        assert_eq!(alternative([-9e4, -1e4], 0.1).decision(), Decision::Reject);
        assert_eq!(alternative([-9e4, -1e4], 0.3).decision(), Decision::Unclear);
        let text = crate::output::compare::verdict(&alternative([1e4, 9e4], 0.55));
        assert!(
            text.starts_with("unclear") && text.contains("P(better) >= 80%"),
            "{text}"
        );
        assert!(crate::output::compare::verdict(&alternative([1e4, 9e4], 0.9)).starts_with("adopt"));
    }
}
