//! Guards: a run that leaves the range the model is calibrated for says so.
//!
//! A scenario can be valid key by key and still describe a bank the model was never meant for:
//! 200,000 customers served by 350 staff at 450 encounters a month each is a front line at six
//! times its capacity, delivered quality collapses, customers leave in droves and the NPV that
//! comes out means nothing. The guards read the typed results (the monthly rows, median over
//! replications), never the model's loop, and each warning names the cause, the month, and the
//! levers or parameters to check. They go to the terminal, `summary.json` (`warnings`) and
//! `report.html`.

use serde::Serialize;

use crate::experiment::{RunResult, ScenarioRun};
use crate::metrics::MonthRow;
use crate::output::format::{Unit, value};
use crate::stats::five;

/// Front-line load above which a warning is given (1 = every FTE at capacity; the baseline runs
/// at about 0.76, and pressure builds from `employees.pressure_threshold`, 0.8).
pub const MAX_STAFF_LOAD: f64 = 1.2;
/// How far below customers' mean adequate level (quality points) delivered quality may fall.
pub const QUALITY_SHORTFALL: f64 = 1.5;
/// Largest monthly churn (share of customers) before a warning: 5% a month is 46% a year.
pub const MAX_MONTHLY_CHURN: f64 = 0.05;
/// Smallest share of its size a year earlier the customer base may keep.
pub const MIN_YEARLY_KEPT: f64 = 0.5;
/// Largest share by which a sample's front line, rounded to whole FTE, may differ from the bank's
/// staff scaled to the sample (a bank of 200,000 with 350 FTE on a sample of 2,000 keeps 3.5 FTE,
/// rounded to 4: 14% more capacity than the bank has).
pub const MAX_SAMPLE_ROUNDING: f64 = 0.02;
/// Months in a row a collapse of quality or a wave of churn must last to be warned about: a
/// deep cut of the front line (the shipped `cost_cutting`) shakes the bank for a month or two,
/// a bank the model is not made for stays there.
pub const SUSTAINED: usize = 3;

/// One warning about one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The scenario's name.
    pub scenario: String,
    /// Which guard: `staff_load`, `delivered_quality`, `churn`, `customer_base`, `sample`.
    pub guard: &'static str,
    /// What happened, with the figures and the month.
    pub cause: String,
    /// The levers or parameters to check.
    pub check: &'static str,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}; check {}", self.scenario, self.cause, self.check)
    }
}

/// Per month, the median over replications of `value`.
fn medians(run: &ScenarioRun, value: impl Fn(&MonthRow) -> f64) -> Vec<f64> {
    (0..run.scenario.months as usize)
        .map(|t| five(run.replications.iter().map(|r| value(&r.monthly[t]))).1[2])
        .collect()
}

/// The month (1-based) and value of the largest (`sign` 1) or smallest (-1) finite entry.
fn extreme(values: &[f64], sign: f64) -> Option<(usize, f64)> {
    values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .max_by(|a, b| (sign * a.1).total_cmp(&(sign * b.1)))
        .map(|(t, v)| (t + 1, *v))
}

/// The first run of at least [`SUSTAINED`] months in which `beyond` holds: its worst month
/// (1-based, largest for `sign` 1, smallest for -1) and value.
fn sustained(values: &[f64], sign: f64, beyond: impl Fn(f64) -> bool) -> Option<(usize, f64)> {
    let mut start = 0;
    for (t, v) in values.iter().enumerate() {
        if !beyond(*v) {
            start = t + 1;
        } else if t + 1 - start >= SUSTAINED {
            let end = values[start..]
                .iter()
                .position(|v| !beyond(*v))
                .map_or(values.len(), |n| start + n);
            return extreme(&values[start..end], sign).map(|(m, v)| (start + m, v));
        }
    }
    None
}

/// The warnings of one scenario's run.
pub fn scenario_warnings(run: &ScenarioRun, seed: u64) -> Vec<Warning> {
    let s = &run.scenario;
    let drawn = s.draw(seed, 0);
    let mut out = Vec::new();
    let mut warn = |guard, cause: String, check| {
        out.push(Warning {
            scenario: s.name.clone(),
            guard,
            cause,
            check,
        })
    };
    if let Some((month, load)) = extreme(&medians(run, |r| r.staff_load), 1.0).filter(|(_, l)| *l > MAX_STAFF_LOAD) {
        warn(
            "staff_load",
            format!(
                "the front line is overloaded: demand reached {load:.2}x what the staff can serve in month {month} \
                 (staff_load; above {MAX_STAFF_LOAD} waits and failures take over)"
            ),
            "levers.staff (FTE) against employees.capacity (encounters per FTE per month) and the bank's size \
             (simulation.customers); `staff = { per = 10000, value = 40 }` grows with the bank",
        );
    }
    let floor = drawn.params.expectations.adequate_mean - QUALITY_SHORTFALL;
    if let Some((month, q)) = sustained(&medians(run, |r| r.delivered_quality), -1.0, |q| q < floor) {
        warn(
            "delivered_quality",
            format!(
                "delivered quality collapsed to {q:.1} of 10 in month {month}, more than {QUALITY_SHORTFALL} points \
                 below customers' mean adequate level ({:.1}) for {SUSTAINED} months or more",
                drawn.params.expectations.adequate_mean
            ),
            "the staff load (levers.staff, employees.capacity), levers.process, levers.training and quality.*",
        );
    }
    if let Some((month, churn)) = sustained(&medians(run, |r| r.churn), 1.0, |c| c > MAX_MONTHLY_CHURN) {
        warn(
            "churn",
            format!(
                "monthly churn stayed above {:.0}% for {SUSTAINED} months or more, reaching {:.1}% in month {month} ({:.0}% a year)",
                100.0 * MAX_MONTHLY_CHURN,
                100.0 * churn,
                100.0 * (1.0 - (1.0 - churn).powi(12))
            ),
            "churn.*, levers.price_index against market.competitor_price_index, and the staff load",
        );
    }
    let active = medians(run, |r| r.active_customers);
    let start = f64::from(s.bank_customers);
    let year_before = |t: usize| if t < 12 { start } else { active[t - 12] };
    if let Some(t) = (0..active.len()).find(|&t| active[t] < MIN_YEARLY_KEPT * year_before(t)) {
        warn(
            "customer_base",
            format!(
                "the customer base fell from {} to {} within 12 months (by month {}): the bank is collapsing",
                value(Unit::Count, year_before(t)),
                value(Unit::Count, active[t]),
                t + 1
            ),
            "the staff load and delivered quality first, then churn.*, acquisition.* and levers.marketing",
        );
    }
    let staff = s.levers.staff.lower();
    let head_count = staff.round().max(1.0);
    let rounding = (head_count - staff).abs() / staff;
    if s.customers < s.bank_customers && rounding > MAX_SAMPLE_ROUNDING {
        warn(
            "sample",
            format!(
                "the sample of {} customers keeps {staff:.2} front-line FTE, which the model rounds to {head_count:.0} \
                 people: its capacity differs from the bank's by {:.0}%",
                value(Unit::Count, f64::from(s.customers)),
                100.0 * rounding
            ),
            "a larger sample (--sample, simulation.sample), one in which the staff comes out nearer a whole number",
        );
    }
    out
}

/// The warnings of every scenario of a run, in the order run.
pub fn warnings(result: &RunResult) -> Vec<Warning> {
    result
        .scenarios
        .iter()
        .flat_map(|run| scenario_warnings(run, result.options.seed))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collapse_counts_only_when_it_lasts() {
        let low = |q: f64| q < 4.0;
        assert_eq!(
            sustained(&[7.0, 3.2, 3.1, 6.0, 7.0], -1.0, low),
            None,
            "a two-month dip"
        );
        assert_eq!(sustained(&[7.0, 3.5, 2.9, 3.8, 6.0, 2.0], -1.0, low), Some((3, 2.9)));
        assert_eq!(
            sustained(&[3.0, 3.0, 3.0], -1.0, low),
            Some((3, 3.0)),
            "the last of equal months"
        );
        assert_eq!(sustained(&[0.06, 0.07, 0.08, 0.09], 1.0, |c| c > 0.05), Some((4, 0.09)));
    }
}
