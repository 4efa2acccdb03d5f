//! `spc validate`: the stylized facts of MODEL.md section 6 as experiments on the model.
//!
//! A strategy team only trusts the tool if it reproduces what the service
//! literature has measured, and a trainer's lessons must be true. Each fact
//! is a named check: a set of variants of the calibration (built with the
//! same `--set` machinery users have), run on paired replications (common
//! random numbers), and a statistical statement about the paired
//! differences. Every check reports what it measured, the target and its source.

use std::path::Path;

use serde::Serialize;

use crate::compare::{Comparison, compare};
use crate::error::Result;
use crate::experiment::{Design, Observe, RunOptions, RunResult};
use crate::metrics::Metric;
use crate::scenario::{Override, Scenario};
use crate::stats::Summary;

/// One fact's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Fact id (F1-F10).
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// What was measured, with the figures.
    pub measured: String,
    /// The target.
    pub target: &'static str,
    /// Whether the target holds.
    pub pass: bool,
    /// Where the fact comes from.
    pub source: &'static str,
}

/// Sizes of the experiments.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Seed, replications per variant, threads.
    pub run: RunOptions,
    /// Customers per replication.
    pub customers: u32,
}

/// Loads `file` with the user's overrides plus a variant's.
struct Lab<'a> {
    file: &'a Path,
    user: &'a [Override],
    options: &'a ValidateOptions,
    observer: &'a dyn Observe,
}

impl Lab<'_> {
    fn scenario(&self, name: &str, months: u32, sets: &[String]) -> Result<Scenario> {
        let mut o = self.user.to_vec();
        o.push(format!("simulation.customers={}", self.options.customers).parse()?);
        o.push(format!("simulation.months={months}").parse()?);
        for s in sets {
            o.push(s.parse()?);
        }
        let mut s = Scenario::load(self.file, &o)?;
        s.name = name.to_string();
        Ok(s)
    }

    /// Runs variants (the first is the reference) and compares them with it.
    fn run(&self, months: u32, variants: &[(&str, Vec<String>)]) -> Result<(RunResult, Comparison)> {
        let scenarios: Vec<Scenario> = variants
            .iter()
            .map(|(n, sets)| self.scenario(n, months, sets))
            .collect::<Result<_>>()?;
        let result = Design::new(scenarios, self.options.run.clone())?.run(self.observer)?;
        let c = compare(&result);
        Ok((result, c))
    }
}

fn sets(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn delta(c: &Comparison, alt: usize, metric: Metric) -> crate::compare::Delta {
    c.comparisons[alt].delta(metric)
}

fn mean(r: &RunResult, scenario: usize, metric: Metric) -> Summary {
    r.scenarios[scenario].summary(metric)
}

/// Runs every check on the calibration in `file` (with `overrides`).
pub fn validate(
    file: &Path,
    overrides: &[Override],
    options: &ValidateOptions,
    observer: &dyn Observe,
) -> Result<Vec<Check>> {
    let lab = Lab {
        file,
        user: overrides,
        options,
        observer,
    };
    let mut checks = Vec::new();

    // Baseline facts: F2, F3, F5, F10.
    let (base, _) = lab.run(120, &[("baseline", vec![]), ("baseline-copy", vec![])])?;
    let attrition = 1.0 - mean(&base, 0, Metric::AnnualRetention).mean;
    let f2 = mean(&base, 0, Metric::SatisfiedChurnerShare);
    checks.push(Check {
        id: "F2",
        name: "satisfied yet churning",
        measured: format!(
            "{:.1}% of churners last reported 4 or 5 (95% CI {:.1}-{:.1}%)",
            100.0 * f2.mean,
            100.0 * f2.ci95[0],
            100.0 * f2.ci95[1]
        ),
        target: "60-90% of churners last reported 4 or 5",
        pass: f2.ci95[0] >= 0.60 && f2.ci95[1] <= 0.90,
        source: "Jones & Sasser, HBR 1995; Heskett et al., HBR 1994",
    });
    let (c4, c5) = (
        mean(&base, 0, Metric::ChurnRateScore4).mean,
        mean(&base, 0, Metric::ChurnRateScore5).mean,
    );
    checks.push(Check {
        id: "F3",
        name: "top box is what holds",
        measured: format!(
            "annual churn {:.1}% of 4-rated vs {:.1}% of 5-rated: {:.1}x",
            100.0 * c4,
            100.0 * c5,
            c4 / c5
        ),
        target: "churn of 4-rated at least 3x that of 5-rated",
        pass: c4 >= 3.0 * c5,
        source: "Xerox in Heskett et al., HBR 1994; Jones & Sasser, HBR 1995",
    });

    // F4: retention leverage on a closed customer base over a customer lifetime. All churn hazards
    // are scaled by one factor, found (one secant step) so that the cohort's own annual defection
    // falls by 5 points.
    let closed = [
        "acquisition.organic=0",
        "acquisition.marketing_max=0",
        "acquisition.referral_rate=0",
    ];
    let churn_keys = ["churn.exogenous", "churn.competitive", "churn.dissatisfaction"];
    let probe = lab.scenario("probe", 12, &[])?.draw(options.run.seed, 0).params.churn;
    let hazards = [probe.exogenous, probe.competitive, probe.dissatisfaction];
    let cohort = |factor: f64| -> Result<(RunResult, Comparison)> {
        let mut cut = sets(&closed);
        cut.extend(
            churn_keys
                .iter()
                .zip(hazards)
                .map(|(k, h)| format!("{k}={}", h * factor)),
        );
        lab.run(360, &[("closed", sets(&closed)), ("closed-less-churn", cut)])
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
    checks.push(Check {
        id: "F4",
        name: "retention leverage",
        measured: format!(
            "a closed customer base (no acquisition, 30 years): annual defection {:.1}% -> {:.1}% (churn hazards x{factor:.2}) raises its NPV by {:.0}%",
            100.0 * defection(&r4, 0),
            100.0 * defection(&r4, 1),
            100.0 * lift
        ),
        target: "5 points less defection raise customer-base NPV by 25-85%",
        pass: (0.25..=0.85).contains(&lift) && miss(&r4).abs() < 0.01,
        source: "Reichheld & Sasser, HBR 1990",
    });

    let paths = [
        Metric::RetentionSilent,
        Metric::RetentionUnresolved,
        Metric::RetentionResolved,
        Metric::RetentionFast,
    ];
    let r: Vec<Summary> = paths.iter().map(|&p| mean(&base, 0, p)).collect();
    checks.push(Check {
        id: "F5",
        name: "complaints and recovery",
        measured: format!(
            "12-month retention after a failure: silent {:.1}%, unresolved {:.1}%, resolved {:.1}%, resolved fast {:.1}%",
            100.0 * r[0].mean,
            100.0 * r[1].mean,
            100.0 * r[2].mean,
            100.0 * r[3].mean
        ),
        target: "silent < unresolved < resolved < resolved fast",
        pass: r.windows(2).all(|w| w[0].ci95[1] < w[1].ci95[0]),
        source: "TARP (1979-1986) in Hart, Heskett & Sasser, HBR 1990",
    });

    // F1: equal steps of delivered quality placed below, inside and across the zone of tolerance
    // (relative to the mean zone and to the baseline's measured quality), over three years, before
    // expectations have adapted to the new level. Satisfaction is latent (no 5-point ceiling).
    let e = lab.scenario("probe", 12, &[])?.draw(options.run.seed, 0).params;
    let (a, d) = (
        e.expectations.adequate_mean,
        e.expectations.adequate_mean + e.expectations.zone_width_mean,
    );
    let q0 = mean(&base, 0, Metric::MeanDeliveredQuality).mean;
    // The same +0.5 step: climbing toward A from below, in the middle of the zone, and across D.
    let starts = [
        ("below", a - 0.75),
        ("inside", 0.5 * (a + d) - 0.25),
        ("across", d - 0.25),
    ];
    let mut variants: Vec<(String, Vec<String>)> = vec![("reference".into(), vec![])];
    for (name, from) in starts {
        for (end, q) in [("lo", from), ("hi", from + 0.5)] {
            variants.push((
                format!("{name}-{end}"),
                vec![format!("quality.process_base={}", e.quality.process_base + q - q0)],
            ));
        }
    }
    let refs: Vec<(&str, Vec<String>)> = variants.iter().map(|(n, s)| (n.as_str(), s.clone())).collect();
    let (r1, _) = lab.run(36, &refs)?;
    let step = |i: usize, value: &dyn Fn(&crate::experiment::Replication) -> f64| {
        let (lo, hi) = (&r1.scenarios[1 + 2 * i], &r1.scenarios[2 + 2 * i]);
        Summary::of(
            lo.replications
                .iter()
                .zip(&hi.replications)
                .map(|(x, y)| value(y) - value(x)),
        )
        .mean
    };
    let latent = |r: &crate::experiment::Replication| {
        r.monthly.iter().map(|m| m.satisfaction).sum::<f64>() / r.monthly.len() as f64
    };
    let q: Vec<f64> = (0..3).map(|i| step(i, &|r| r.metrics.mean_delivered_quality)).collect();
    let sat: Vec<f64> = (0..3).map(|i| step(i, &latent)).collect();
    let ret: Vec<f64> = (0..3).map(|i| step(i, &|r| r.metrics.annual_retention)).collect();
    let flat = |v: &[f64]| v[1] <= v[0] / 3.0 && v[1] <= v[2] / 3.0;
    checks.push(Check {
        id: "F1",
        name: "indifference zone",
        measured: format!(
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
        target: "the step inside moves satisfaction and retention at most 1/3 as much as the steps below A and across D",
        pass: flat(&sat) && flat(&ret),
        source: "Zeithaml, Berry & Parasuraman 1993; Woodruff, Cadotte & Jenkins 1983; Anderson & Sullivan 1993",
    });

    // F6: NPV against training spend: concave with an interior optimum.
    let spends = [0.0, 500.0, 1000.0, 2000.0, 3500.0, 6000.0, 10000.0, 16000.0];
    let variants: Vec<(String, Vec<String>)> = spends
        .iter()
        .map(|s| (format!("training-{s}"), vec![format!("levers.training={s}")]))
        .collect();
    let refs: Vec<(&str, Vec<String>)> = variants.iter().map(|(n, s)| (n.as_str(), s.clone())).collect();
    let (_, c6) = lab.run(120, &refs)?;
    let npv: Vec<f64> = (0..spends.len())
        .map(|i| {
            if i == 0 {
                0.0
            } else {
                delta(&c6, i - 1, Metric::Npv).mean
            }
        })
        .collect();
    let best = npv
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i);
    let half = |i: usize| {
        if i == 0 {
            0.0
        } else {
            0.5 * (delta(&c6, i - 1, Metric::Npv).ci95[1] - delta(&c6, i - 1, Metric::Npv).ci95[0])
        }
    };
    let interior = best > 0 && best + 1 < spends.len();
    let clear =
        npv[best] - half(best) > npv[0] && npv[best] - half(best) > npv[spends.len() - 1] + half(spends.len() - 1);
    checks.push(Check {
        id: "F6",
        name: "return on quality",
        measured: format!(
            "NPV vs training spend {} EUR/FTE: {} MEUR (relative to none); best at {}",
            spends.iter().map(|s| format!("{s:.0}")).collect::<Vec<_>>().join("/"),
            npv.iter()
                .map(|v| format!("{:+.2}", v / 1e6))
                .collect::<Vec<_>>()
                .join("/"),
            spends[best]
        ),
        target: "NPV against one lever rises then falls: an interior optimum",
        pass: interior && clear,
        source: "Rust, Zahorik & Keiningham, Return on Quality, 1995",
    });

    // F7: delays. A quality investment dips first and overtakes later; cost cutting gains then loses.
    let (_, c7) = lab.run(
        120,
        &[
            ("baseline", vec![]),
            ("training", sets(&["levers.training=3000"])),
            (
                "cost_cutting",
                sets(&[
                    "levers.training=[{ from_month = 0, value = 1000 }, { from_month = 24, value = 0 }]",
                    "levers.staff=[{ from_month = 0, value = 40 }, { from_month = 24, value = 30 }]",
                ]),
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
    checks.push(Check {
        id: "F7",
        name: "delays",
        measured: format!(
            "training: cumulative profit vs baseline dips to {:+.2} MEUR, pays back in month {}, ends {:+.2} MEUR; cost cutting peaks at {:+.2} MEUR, ends {:+.2} MEUR",
            dip / 1e6,
            c7.comparisons[0].payback_month.map_or("never".into(), |m| m.to_string()),
            last(&train) / 1e6,
            early_gain / 1e6,
            last(&cutting) / 1e6
        ),
        target: "an investment's J-curve (dip, then overtakes); cost cutting gains early and loses later",
        pass: dip < 0.0 && c7.comparisons[0].payback_month.is_some() && last(&train) > 0.0 && early_gain > 0.0 && last(&cutting) < 0.0,
        source: "Oliva & Sterman, Management Science 2001; Schlesinger & Heskett 1991",
    });

    // F8: employees to customers.
    let (_, c8) = lab.run(
        120,
        &[
            ("baseline", vec![]),
            ("low-pay", sets(&["levers.pay_index=0.85"])),
            ("no-training", sets(&["levers.training=0"])),
        ],
    )?;
    let mut ok8 = true;
    let mut parts = Vec::new();
    for (i, name) in ["pay 15% below market", "no training"].iter().enumerate() {
        let (t, q, s) = (
            delta(&c8, i, Metric::EmployeeTurnover),
            delta(&c8, i, Metric::MeanDeliveredQuality),
            delta(&c8, i, Metric::MeanSatisfaction),
        );
        ok8 &= t.ci95[0] > 0.0 && q.ci95[1] < 0.0 && s.ci95[1] < 0.0;
        parts.push(format!(
            "{name}: turnover {:+.3}/yr, quality {:+.3}, satisfaction {:+.3}",
            t.mean, q.mean, s.mean
        ));
    }
    checks.push(Check {
        id: "F8",
        name: "employees to customers",
        measured: parts.join("; "),
        target: "more staff turnover goes with lower delivered quality and satisfaction",
        pass: ok8,
        source: "Schlesinger & Heskett 1991; Heskett et al., HBR 1994",
    });

    // F9: waiting.
    let (_, c9) = lab.run(
        120,
        &[("baseline", vec![]), ("fewer-staff", sets(&["levers.staff=34"]))],
    )?;
    let (w, ch) = (
        delta(&c9, 0, Metric::MeanWaitMinutes),
        delta(&c9, 0, Metric::AnnualRetention),
    );
    checks.push(Check {
        id: "F9",
        name: "waiting",
        measured: format!(
            "40 -> 34 FTE at the same demand: wait {:+.1} min, annual churn {:+.2} pt",
            w.mean,
            -100.0 * ch.mean
        ),
        target: "fewer staff lengthen waits and raise churn",
        pass: w.ci95[0] > 0.0 && ch.ci95[1] < 0.0,
        source: "MODEL.md section 1 (queues at peak hours); Oliva & Sterman 2001",
    });

    let attr = 1.0 - mean(&base, 0, Metric::AnnualRetention).mean;
    let sat = mean(&base, 0, Metric::MeanSatisfaction).mean;
    checks.push(Check {
        id: "F10",
        name: "baseline realism",
        measured: format!(
            "annual attrition {:.1}%, mean reported satisfaction {sat:.2}",
            100.0 * attr
        ),
        target: "attrition 8-20% a year; mean satisfaction 3.3-4.3 of 5",
        pass: (0.08..=0.20).contains(&attr) && (3.3..=4.3).contains(&sat),
        source: "retail banking surveys (MODEL.md section 6)",
    });
    checks.sort_by_key(|c| c.id[1..].parse::<u32>().unwrap_or(0));
    Ok(checks)
}

/// The table printed by `spc validate`.
pub fn table(checks: &[Check]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                format!("{} {}", c.id, c.name),
                if c.pass { "pass".into() } else { "FAIL".into() },
                c.target.into(),
            ]
        })
        .collect();
    let mut out = crate::output::table::render(&["fact", "result", "target"], &rows);
    out.push('\n');
    for c in checks {
        out.push_str(&format!(
            "{} {}: {}\n    source: {}\n",
            c.id,
            if c.pass { "pass" } else { "FAIL" },
            c.measured,
            c.source
        ));
    }
    let passed = checks.iter().filter(|c| c.pass).count();
    out.push_str(&format!("\n{passed} of {} checks pass.\n", checks.len()));
    out
}
