//! The ten stylized facts (MODEL.md section 6), one function each.
//!
//! Each fact returns what it measured, in words with the figures, and whether
//! its target holds. Variants are edits relative to the calibration under
//! test, so the facts mean the same for any `--scenario`.

use super::{Lab, Variant};
use crate::compare::{Comparison, Delta};
use crate::error::Result;
use crate::experiment::{Replication, RunResult};
use crate::metrics::Metric;
use crate::scenario::Edit;
use crate::stats::Summary;

/// A stylized fact and the experiment that checks it.
pub struct Fact {
    /// Fact id (F1-F10).
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// The target, in words.
    pub target: &'static str,
    /// Where the fact comes from.
    pub source: &'static str,
    /// Runs the experiment: what was measured, and whether the target holds.
    pub check: fn(&Lab) -> Result<(String, bool)>,
}

/// Every fact, in the order `spc validate` reports them.
pub const FACTS: [Fact; 10] = [
    Fact {
        id: "F1",
        name: "indifference zone",
        target: "the step inside moves satisfaction and retention at most 1/3 as much as the steps below A and across D",
        source: "Zeithaml, Berry & Parasuraman 1993; Woodruff, Cadotte & Jenkins 1983; Anderson & Sullivan 1993",
        check: indifference_zone,
    },
    Fact {
        id: "F2",
        name: "satisfied yet churning",
        target: "60-90% of churners last reported 4 or 5",
        source: "Jones & Sasser, HBR 1995; Heskett et al., HBR 1994",
        check: satisfied_yet_churning,
    },
    Fact {
        id: "F3",
        name: "top box is what holds",
        target: "churn of 4-rated at least 3x that of 5-rated",
        source: "Xerox in Heskett et al., HBR 1994; Jones & Sasser, HBR 1995",
        check: top_box,
    },
    Fact {
        id: "F4",
        name: "retention leverage",
        target: "5 points less defection raise customer-base NPV by 25-85%",
        source: "Reichheld & Sasser, HBR 1990",
        check: retention_leverage,
    },
    Fact {
        id: "F5",
        name: "complaints and recovery",
        target: "silent < unresolved < resolved < resolved fast",
        source: "TARP (1979-1986) in Hart, Heskett & Sasser, HBR 1990",
        check: complaints_and_recovery,
    },
    Fact {
        id: "F6",
        name: "return on quality",
        target: "NPV against one lever rises then falls: an interior optimum",
        source: "Rust, Zahorik & Keiningham, Return on Quality, 1995",
        check: return_on_quality,
    },
    Fact {
        id: "F7",
        name: "delays",
        target: "an investment's J-curve (dip, then overtakes); cost cutting gains early and loses later",
        source: "Oliva & Sterman, Management Science 2001; Schlesinger & Heskett 1991",
        check: delays,
    },
    Fact {
        id: "F8",
        name: "employees to customers",
        target: "more staff turnover goes with lower delivered quality and satisfaction",
        source: "Schlesinger & Heskett 1991; Heskett et al., HBR 1994",
        check: employees_to_customers,
    },
    Fact {
        id: "F9",
        name: "waiting",
        target: "fewer staff lengthen waits and raise churn",
        source: "MODEL.md section 1 (queues at peak hours); Oliva & Sterman 2001",
        check: waiting,
    },
    Fact {
        id: "F10",
        name: "baseline realism",
        target: "attrition 8-20% a year; mean satisfaction 3.3-4.3 of 5",
        source: "retail banking surveys (MODEL.md section 6)",
        check: baseline_realism,
    },
];

fn delta(c: &Comparison, alt: usize, metric: Metric) -> Delta {
    c.comparisons[alt].delta(metric)
}

fn mean(r: &RunResult, scenario: usize, metric: Metric) -> Summary {
    r.scenarios[scenario].summary(metric)
}

fn variant(name: &str, edits: Vec<Edit>) -> Variant {
    (name.to_string(), edits)
}

/// A lever schedule: `first` from month 0, `then` from `month` on.
fn step(first: f64, month: u32, then: f64) -> toml::Value {
    let at = |m: u32, v: f64| {
        let mut t = toml::Table::new();
        t.insert("from_month".into(), toml::Value::Integer(m.into()));
        t.insert("value".into(), toml::Value::Float(v));
        toml::Value::Table(t)
    };
    toml::Value::Array(vec![at(0, first), at(month, then)])
}

/// F1: equal steps of delivered quality placed below, inside and across the zone of tolerance
/// (relative to the mean zone and to the calibration's measured quality), over three years, before
/// expectations have adapted to the new level, so on customers drawn at month 0 without a history.
/// Satisfaction is latent (no 5-point ceiling).
fn indifference_zone(lab: &Lab) -> Result<(String, bool)> {
    let e = lab.drawn().params;
    let (a, d) = (
        e.expectations.adequate_mean,
        e.expectations.adequate_mean + e.expectations.zone_width_mean,
    );
    // The step comes at month 0, to customers whose expectations were formed before it: a
    // history before month 0 would run at the stepped quality and let the zones adapt to it.
    let fresh = || Edit::set_value("simulation.history", toml::Value::Integer(0));
    let (r0, _) = lab.run(36, &[variant("reference", vec![fresh()])])?;
    let q0 = mean(&r0, 0, Metric::MeanDeliveredQuality).mean;
    // The same +0.5 step: climbing toward A from below, in the middle of the zone, and across D.
    let starts = [
        ("below", a - 0.75),
        ("inside", 0.5 * (a + d) - 0.25),
        ("across", d - 0.25),
    ];
    let mut variants = vec![variant("reference", vec![fresh()])];
    for (name, from) in starts {
        for (end, q) in [("lo", from), ("hi", from + 0.5)] {
            let process = e.quality.process_base + q - q0;
            variants.push(variant(
                &format!("{name}-{end}"),
                vec![fresh(), Edit::set("quality.process_base", process)],
            ));
        }
    }
    let (r1, _) = lab.run(36, &variants)?;
    let step = |i: usize, value: &dyn Fn(&Replication) -> f64| {
        let (lo, hi) = (&r1.scenarios[1 + 2 * i], &r1.scenarios[2 + 2 * i]);
        Summary::of(
            lo.replications
                .iter()
                .zip(&hi.replications)
                .map(|(x, y)| value(y) - value(x)),
        )
        .mean
    };
    let latent = |r: &Replication| r.monthly.iter().map(|m| m.satisfaction).sum::<f64>() / r.monthly.len() as f64;
    let q: Vec<f64> = (0..3).map(|i| step(i, &|r| r.metrics.mean_delivered_quality)).collect();
    let sat: Vec<f64> = (0..3).map(|i| step(i, &latent)).collect();
    let ret: Vec<f64> = (0..3).map(|i| step(i, &|r| r.metrics.annual_retention)).collect();
    let flat = |v: &[f64]| v[1] <= v[0] / 3.0 && v[1] <= v[2] / 3.0;
    Ok((
        format!(
            "equal quality steps (delivered {:+.2}/{:+.2}/{:+.2}) below A / inside / across D move latent satisfaction {:+.3}/{:+.3}/{:+.3} and retention {:+.2}/{:+.2}/{:+.2} pt",
            q[0],
            q[1],
            q[2],
            sat[0],
            sat[1],
            sat[2],
            100.0 * ret[0],
            100.0 * ret[1],
            100.0 * ret[2]
        ),
        flat(&sat) && flat(&ret),
    ))
}

fn satisfied_yet_churning(lab: &Lab) -> Result<(String, bool)> {
    let f2 = mean(lab.baseline()?, 0, Metric::SatisfiedChurnerShare);
    Ok((
        format!(
            "{:.1}% of churners last reported 4 or 5 (95% CI {})",
            100.0 * f2.mean,
            interval(f2.ci95, 100.0, "%")
        ),
        f2.within(0.60, 0.90),
    ))
}

/// A 95% interval as text, or "n/a" where one replication cannot give one.
fn interval(ci: [f64; 2], scale: f64, unit: &str) -> String {
    if ci.iter().all(|x| x.is_finite()) {
        format!("{:.1}-{:.1}{unit}", scale * ci[0], scale * ci[1])
    } else {
        "n/a with one replication".into()
    }
}

fn top_box(lab: &Lab) -> Result<(String, bool)> {
    let base = lab.baseline()?;
    let (c4, c5) = (
        mean(base, 0, Metric::ChurnRateScore4).mean,
        mean(base, 0, Metric::ChurnRateScore5).mean,
    );
    Ok((
        format!(
            "annual churn {:.1}% of 4-rated vs {:.1}% of 5-rated: {:.1}x",
            100.0 * c4,
            100.0 * c5,
            c4 / c5
        ),
        c4 >= 3.0 * c5,
    ))
}

/// F4: retention leverage on a closed customer base over a customer lifetime. All churn hazards
/// are scaled by one factor, found (one secant step) so that the cohort's own annual defection
/// falls by 5 points.
fn retention_leverage(lab: &Lab) -> Result<(String, bool)> {
    let attrition = 1.0 - mean(lab.baseline()?, 0, Metric::AnnualRetention).mean;
    let closed = || {
        vec![
            Edit::set("acquisition.organic", 0.0),
            Edit::set("acquisition.marketing_max", 0.0),
            Edit::set("acquisition.referral_rate", 0.0),
        ]
    };
    let cohort = |factor: f64| -> Result<(RunResult, Comparison)> {
        let mut cut = closed();
        cut.extend(
            ["churn.exogenous", "churn.competitive", "churn.dissatisfaction"]
                .iter()
                .map(|k| Edit::scale(k, factor)),
        );
        lab.run(360, &[variant("closed", closed()), variant("closed-less-churn", cut)])
    };
    let defection = |r: &RunResult, s: usize| 1.0 - mean(r, s, Metric::AnnualRetention).mean;
    let hazard_ratio = |from: f64, to: f64| (1.0 - to).ln() / (1.0 - from).ln();
    let (first, _) = cohort(hazard_ratio(attrition, attrition - 0.05))?;
    let a0 = defection(&first, 0);
    let mut factor = hazard_ratio(a0, a0 - 0.05) * hazard_ratio(defection(&first, 1), a0)
        / hazard_ratio(attrition, attrition - 0.05);
    factor = factor.clamp(0.05, 1.0);
    let (mut r4, mut c4x) = cohort(factor)?;
    let miss = |r: &RunResult| defection(r, 0) - defection(r, 1) - 0.05;
    if miss(&r4).abs() > 0.003 {
        factor = (factor * hazard_ratio(defection(&r4, 1), a0 - 0.05)).clamp(0.05, 1.0);
        (r4, c4x) = cohort(factor)?;
    }
    let base_npv = mean(&r4, 0, Metric::CustomerNpv).mean;
    let lift = delta(&c4x, 0, Metric::CustomerNpv).mean / base_npv;
    Ok((
        format!(
            "a closed customer base (no acquisition, 30 years): annual defection {:.1}% -> {:.1}% (churn hazards x{factor:.2}) raises its NPV by {:.0}%",
            100.0 * defection(&r4, 0),
            100.0 * defection(&r4, 1),
            100.0 * lift
        ),
        (0.25..=0.85).contains(&lift) && miss(&r4).abs() < 0.01,
    ))
}

fn complaints_and_recovery(lab: &Lab) -> Result<(String, bool)> {
    let base = lab.baseline()?;
    let r: Vec<Summary> = [
        Metric::RetentionSilent,
        Metric::RetentionUnresolved,
        Metric::RetentionResolved,
        Metric::RetentionFast,
    ]
    .iter()
    .map(|&p| mean(base, 0, p))
    .collect();
    // With one replication there is no interval: the means must be ordered.
    let below = |a: &Summary, b: &Summary| {
        if a.n > 1 && b.n > 1 {
            a.ci95[1] < b.ci95[0]
        } else {
            a.mean < b.mean
        }
    };
    Ok((
        format!(
            "12-month retention after a failure: silent {:.1}%, unresolved {:.1}%, resolved {:.1}%, resolved fast {:.1}%",
            100.0 * r[0].mean,
            100.0 * r[1].mean,
            100.0 * r[2].mean,
            100.0 * r[3].mean
        ),
        r.windows(2).all(|w| below(&w[0], &w[1])),
    ))
}

/// F6: NPV against training spend: concave with an interior optimum.
fn return_on_quality(lab: &Lab) -> Result<(String, bool)> {
    let spends = [0.0, 500.0, 1000.0, 2000.0, 3500.0, 6000.0, 10000.0, 16000.0];
    let variants: Vec<Variant> = spends
        .iter()
        .map(|s| variant(&format!("training-{s}"), vec![Edit::set("levers.training", *s)]))
        .collect();
    let (_, c6) = lab.run(120, &variants)?;
    let npv = |i: usize| {
        if i == 0 {
            0.0
        } else {
            delta(&c6, i - 1, Metric::Npv).mean
        }
    };
    let half = |i: usize| {
        if i == 0 {
            0.0
        } else {
            let ci = delta(&c6, i - 1, Metric::Npv).ci95;
            let h = 0.5 * (ci[1] - ci[0]);
            if h.is_finite() { h } else { 0.0 }
        }
    };
    let values: Vec<f64> = (0..spends.len()).map(npv).collect();
    let best = values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i);
    let last = spends.len() - 1;
    let interior = best > 0 && best < last;
    let clear = values[best] - half(best) > values[0] && values[best] - half(best) > values[last] + half(last);
    Ok((
        format!(
            "NPV vs training spend {} EUR/FTE: {} MEUR (relative to none); best at {}",
            spends.iter().map(|s| format!("{s:.0}")).collect::<Vec<_>>().join("/"),
            values
                .iter()
                .map(|v| format!("{:+.2}", v / 1e6))
                .collect::<Vec<_>>()
                .join("/"),
            spends[best]
        ),
        interior && clear,
    ))
}

/// F7: delays. A quality investment dips first and overtakes later; cost cutting (training
/// stopped and a quarter of the staff let go after two years) gains then loses.
fn delays(lab: &Lab) -> Result<(String, bool)> {
    let levers = lab.drawn().levers;
    let (training, staff) = (levers.training.at(0), levers.staff.at(0));
    let (_, c7) = lab.run(
        120,
        &[
            variant("baseline", vec![]),
            variant("training", vec![Edit::set("levers.training", 3000.0)]),
            variant(
                "cost_cutting",
                vec![
                    Edit::set_value("levers.training", step(training, 24, 0.0)),
                    Edit::set_value("levers.staff", step(staff, 24, (0.75 * staff).round().max(1.0))),
                ],
            ),
        ],
    )?;
    let median = |alt: usize| -> Vec<f64> {
        c7.comparisons[alt]
            .cumulative_profit_bands
            .iter()
            .map(|b| b[2])
            .collect()
    };
    let (train, cutting) = (median(0), median(1));
    let dip = train.iter().copied().fold(f64::INFINITY, f64::min);
    let early_gain = cutting.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let last = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
    let payback = c7.comparisons[0].payback_month;
    Ok((
        format!(
            "training: cumulative profit vs baseline dips to {:+.2} MEUR, pays back in month {}, ends {:+.2} MEUR; cost cutting peaks at {:+.2} MEUR, ends {:+.2} MEUR",
            dip / 1e6,
            payback.map_or("never".into(), |m| m.to_string()),
            last(&train) / 1e6,
            early_gain / 1e6,
            last(&cutting) / 1e6
        ),
        dip < 0.0 && payback.is_some() && last(&train) > 0.0 && early_gain > 0.0 && last(&cutting) < 0.0,
    ))
}

/// Whether a paired difference is above (`sign` 1) or below (-1) zero: by its interval, or
/// by its mean where one replication gives no interval.
fn signed(d: Delta, sign: f64) -> bool {
    let bound = if sign > 0.0 { d.ci95[0] } else { d.ci95[1] };
    if bound.is_finite() {
        sign * bound > 0.0
    } else {
        sign * d.mean > 0.0
    }
}

fn employees_to_customers(lab: &Lab) -> Result<(String, bool)> {
    let (_, c8) = lab.run(
        120,
        &[
            variant("baseline", vec![]),
            variant("low-pay", vec![Edit::scale("levers.pay_index", 0.85)]),
            variant("no-training", vec![Edit::set("levers.training", 0.0)]),
        ],
    )?;
    let mut ok = true;
    let mut parts = Vec::new();
    for (i, name) in ["pay 15% lower", "no training"].iter().enumerate() {
        let (t, q, s) = (
            delta(&c8, i, Metric::EmployeeTurnover),
            delta(&c8, i, Metric::MeanDeliveredQuality),
            delta(&c8, i, Metric::MeanSatisfaction),
        );
        ok &= signed(t, 1.0) && signed(q, -1.0) && signed(s, -1.0);
        parts.push(format!(
            "{name}: turnover {:+.3}/yr, quality {:+.3}, satisfaction {:+.3}",
            t.mean, q.mean, s.mean
        ));
    }
    Ok((parts.join("; "), ok))
}

/// F9: waiting, with 15% fewer front-line staff at the same demand.
fn waiting(lab: &Lab) -> Result<(String, bool)> {
    let staff = lab.drawn().levers.staff.at(0);
    let (_, c9) = lab.run(
        120,
        &[
            variant("baseline", vec![]),
            variant("fewer-staff", vec![Edit::scale("levers.staff", 0.85)]),
        ],
    )?;
    let (w, ch) = (
        delta(&c9, 0, Metric::MeanWaitMinutes),
        delta(&c9, 0, Metric::AnnualRetention),
    );
    Ok((
        format!(
            "15% fewer staff ({staff:.0} -> {:.0} FTE) at the same demand: wait {:+.1} min, annual churn {:+.2} pt",
            0.85 * staff,
            w.mean,
            -100.0 * ch.mean
        ),
        signed(w, 1.0) && signed(ch, -1.0),
    ))
}

fn baseline_realism(lab: &Lab) -> Result<(String, bool)> {
    let base = lab.baseline()?;
    let attr = 1.0 - mean(base, 0, Metric::AnnualRetention).mean;
    let sat = mean(base, 0, Metric::MeanSatisfaction).mean;
    Ok((
        format!(
            "annual attrition {:.1}%, mean reported satisfaction {sat:.2}",
            100.0 * attr
        ),
        (0.08..=0.20).contains(&attr) && (3.3..=4.3).contains(&sat),
    ))
}
