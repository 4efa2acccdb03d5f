//! `spc sensitivity`: which assumptions decide, for a noisy simulator.
//!
//! Three methods on one design pipeline (sample -> evaluate -> analyse):
//!
//! - **tornado**: each key at its low and high (range ends, or p10/p90 of its
//!   distribution), the others central, on common random numbers; the effect is
//!   the paired difference high minus low per replication, so it equals a paired
//!   `spc compare` of the two runs exactly. With `switch`, five levels per key and
//!   the value at which the mean output changes sign (the switching value).
//! - **morris**: elementary effects on `r` trajectories (Morris 1991, with
//!   Campolongo's mu*), per full range of each key, with bootstrap intervals.
//! - **sobol**: first-order (Saltelli 2010) and total (Jansen 1999) indices from
//!   Saltelli's A/B/AB design on Sobol' points, with bootstrap intervals.
//!
//! The output studied is one metric, or with an alternative the paired
//! difference alternative minus scenario (both edited identically at every
//! point, same replications): the sensitivity of the decision. With two or more
//! replications per point, `noise_share` is the share of the output's variance
//! that is simulation noise (within-point variance over total variance).

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::design::Factor;
use super::{Arms, Points, Row, sample, write_runs};
use crate::error::{Error, Result, Usage};
use crate::experiment::shard::VariantRecord;
use crate::experiment::{Observe, RunOptions};
use crate::metrics::Metric;
use crate::stats::{Summary, quantile_sorted};

/// A sensitivity method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One key at a time, low and high.
    Tornado,
    /// Elementary effects.
    Morris,
    /// Variance-based indices.
    Sobol,
}

impl Method {
    /// The method's name in files.
    pub fn name(self) -> &'static str {
        match self {
            Method::Tornado => "tornado",
            Method::Morris => "morris",
            Method::Sobol => "sobol",
        }
    }
}

/// What to study and how hard.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The method.
    pub method: Method,
    /// morris: trajectories; sobol: base sample size N (runs N(k+2) points); tornado: unused.
    pub n: usize,
    /// The metric studied (or its paired difference with an alternative).
    pub output: Metric,
    /// tornado: also find each key's switching value.
    pub switch: bool,
}

/// Bootstrap resamples behind every interval.
pub const RESAMPLES: usize = 1000;

/// Levels per key of a tornado with switching values.
const SWITCH_LEVELS: usize = 5;

/// An estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// 95% interval.
    pub ci95: [f64; 2],
}

fn percentile_ci(mut v: Vec<f64>) -> [f64; 2] {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    [quantile_sorted(&v, 0.025), quantile_sorted(&v, 0.975)]
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n as f64
}

/// Picks the first-order or the total indices from a bootstrap estimate.
type Pick = fn(&(Vec<f64>, Vec<f64>)) -> &Vec<f64>;

/// First-order and total Sobol' indices of every factor.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SobolIndices {
    /// First-order indices S_i (Saltelli 2010).
    pub first: Vec<Estimate>,
    /// Total indices ST_i (Jansen 1999).
    pub total: Vec<Estimate>,
}

/// The indices from the outputs `f` of Saltelli's design ([`sample::saltelli`]:
/// A, then B, then AB_1..AB_k, each `n` rows), with percentile intervals from
/// `resamples` bootstrap resamples of the rows.
pub fn sobol_indices(f: &[f64], n: usize, k: usize, seed: u64, resamples: usize) -> SobolIndices {
    let a = &f[..n];
    let b = &f[n..2 * n];
    let ab = |i: usize| &f[(2 + i) * n..(3 + i) * n];
    let estimate = |rows: &[usize]| -> (Vec<f64>, Vec<f64>) {
        let all = rows.iter().flat_map(|&j| [a[j], b[j]]);
        let m = mean(all.clone());
        let v = mean(all.map(|x| (x - m) * (x - m)));
        let first = (0..k)
            .map(|i| mean(rows.iter().map(|&j| b[j] * (ab(i)[j] - a[j]))) / v)
            .collect();
        let total = (0..k)
            .map(|i| mean(rows.iter().map(|&j| (a[j] - ab(i)[j]).powi(2))) / (2.0 * v))
            .collect();
        (first, total)
    };
    let all: Vec<usize> = (0..n).collect();
    let (s1, st) = estimate(&all);
    let mut rng = sample::analysis_rng(seed, "analysis.sobol.bootstrap");
    let boot: Vec<(Vec<f64>, Vec<f64>)> = (0..resamples)
        .map(|_| {
            let rows: Vec<usize> = (0..n).map(|_| sample::index(&mut rng, n)).collect();
            estimate(&rows)
        })
        .collect();
    let with_ci = |point: &[f64], pick: Pick| -> Vec<Estimate> {
        point
            .iter()
            .enumerate()
            .map(|(i, &value)| Estimate {
                value,
                ci95: percentile_ci(boot.iter().map(|b| pick(b)[i]).collect()),
            })
            .collect()
    };
    SobolIndices {
        first: with_ci(&s1, |b| &b.0),
        total: with_ci(&st, |b| &b.1),
    }
}

/// Elementary-effect statistics of one factor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MorrisEffects {
    /// Mean absolute elementary effect (importance).
    pub mu_star: Estimate,
    /// Mean elementary effect (direction).
    pub mu: Estimate,
    /// Standard deviation of the effects (interaction or nonlinearity).
    pub sigma: Estimate,
}

/// Morris statistics from the outputs `y` of [`sample::morris`] trajectories
/// (`moves` as it returned them); effects are per full range of each factor.
pub fn morris_effects(y: &[f64], moves: &[sample::Moves], k: usize, seed: u64, resamples: usize) -> Vec<MorrisEffects> {
    // effects[i][t]: trajectory t's elementary effect of factor i.
    let mut effects = vec![vec![0.0; moves.len()]; k];
    for (t, steps) in moves.iter().enumerate() {
        let start = t * (k + 1);
        for (s, &(i, d)) in steps.iter().enumerate() {
            effects[i][t] = (y[start + s + 1] - y[start + s]) / d;
        }
    }
    let stats = |e: &[f64]| -> [f64; 3] {
        let m = mean(e.iter().copied());
        let sd = Summary::of(e.iter().copied()).sd;
        [mean(e.iter().map(|x| x.abs())), m, sd]
    };
    let mut rng = sample::analysis_rng(seed, "analysis.morris.bootstrap");
    let r = moves.len();
    effects
        .iter()
        .map(|e| {
            let point = stats(e);
            let boot: Vec<[f64; 3]> = (0..resamples)
                .map(|_| {
                    let pick: Vec<f64> = (0..r).map(|_| e[sample::index(&mut rng, r)]).collect();
                    stats(&pick)
                })
                .collect();
            let est = |j: usize| Estimate {
                value: point[j],
                ci95: percentile_ci(boot.iter().map(|b| b[j]).collect()),
            };
            MorrisEffects {
                mu_star: est(0),
                mu: est(1),
                sigma: est(2),
            }
        })
        .collect()
}

/// The share of the variance of `y` (per point, per replication) that is
/// within-point (replication) noise; `None` with fewer than two replications.
pub fn noise_share(y: &[Vec<f64>]) -> Option<f64> {
    if y.first().is_none_or(|r| r.len() < 2) {
        return None;
    }
    let within = mean(y.iter().map(|r| Summary::of(r.iter().copied()).sd.powi(2)));
    let total = Summary::of(y.iter().flatten().copied()).sd.powi(2);
    (total > 0.0).then(|| (within / total).clamp(0.0, 1.0))
}

/// One key of a tornado.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TornadoBar {
    /// The key's low value.
    pub low: f64,
    /// The key's high value.
    pub high: f64,
    /// The output at the low value (mean and 95% interval).
    pub output_low: Estimate,
    /// The output at the high value.
    pub output_high: Estimate,
    /// Paired difference high minus low (mean and 95% interval, Student t over replications).
    pub delta: Estimate,
    /// Where the mean output changes sign between low and high (linear between
    /// levels); `None` if it keeps its sign or switching values were not asked for.
    pub switch: Option<f64>,
}

fn summary_estimate(s: Summary) -> Estimate {
    Estimate {
        value: s.mean,
        ci95: s.ci95,
    }
}

/// A finished study.
#[derive(Debug, Clone)]
pub struct Study {
    /// What was asked.
    pub options: Options,
    /// Whether the output is a paired difference alternative minus scenario.
    pub paired: Option<(String, String)>,
    /// The points simulated.
    pub points: Points,
    /// Per point, per replication: every metric (or paired difference).
    pub rows: Vec<Vec<Row>>,
    /// Per key, the method's results as JSON.
    pub keys: Vec<(String, Value)>,
    /// Tornado bars, in key order (tornado only).
    pub bars: Vec<TornadoBar>,
    /// Noise share of the output's variance.
    pub noise_share: Option<f64>,
    /// Seed and replications.
    pub run: RunOptions,
}

/// The tornado's points: the centre, then per key its levels (others central).
fn tornado_points(factors: &[Factor], levels: usize) -> Points {
    let centre: Vec<f64> = factors.iter().map(Factor::central).collect();
    let mut values = vec![centre.clone()];
    for (i, f) in factors.iter().enumerate() {
        let (lo, hi) = f.low_high();
        for j in 0..levels {
            let mut p = centre.clone();
            p[i] = lo + (hi - lo) * j as f64 / (levels - 1) as f64;
            values.push(p);
        }
    }
    Points {
        factors: factors.to_vec(),
        values,
    }
}

/// Where piecewise-linear `(x, y)` first crosses zero.
fn crossing(xy: &[(f64, f64)]) -> Option<f64> {
    xy.windows(2).find_map(|w| {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if y0 == 0.0 {
            Some(x0)
        } else if (y0 < 0.0) != (y1 < 0.0) || y1 == 0.0 {
            Some(x0 + (x1 - x0) * y0 / (y0 - y1))
        } else {
            None
        }
    })
}

/// A sample of `n` too small for `method`, which needs at least 2.
fn sample_size(method: &'static str, what: &'static str, n: usize) -> Error {
    Usage::SampleSize {
        method,
        what,
        min: 2,
        n,
    }
    .into()
}

/// The points a study simulates, and how they were drawn (what its analysis needs).
#[derive(Debug, Clone)]
pub struct Plan {
    /// What was asked.
    pub options: Options,
    /// The points to simulate.
    pub points: Points,
    /// morris: each trajectory's moves.
    moves: Vec<sample::Moves>,
    /// tornado: levels per key.
    levels: usize,
}

/// Plans a study of `factors`: its points follow from the method, `n` and `seed` alone.
pub fn plan(factors: &[Factor], options: Options, seed: u64) -> Result<Plan> {
    let k = factors.len();
    if k == 0 {
        return Err(Usage::NoFactors.into());
    }
    let levels = if options.switch { SWITCH_LEVELS } else { 2 };
    let mut moves = Vec::new();
    let points = match options.method {
        Method::Tornado => tornado_points(factors, levels),
        Method::Morris => {
            if options.n < 2 {
                return Err(sample_size("morris", "trajectories", options.n));
            }
            let (unit, m) = sample::morris(options.n, k, seed);
            moves = m;
            Points::from_unit(factors, &unit)
        }
        Method::Sobol => {
            if 2 * k > sample::sobol_max_dims() {
                return Err(Error::Options(format!(
                    "sobol supports at most {} keys, got {k}",
                    sample::sobol_max_dims() / 2
                )));
            }
            if options.n < 2 {
                return Err(sample_size("sobol", "a base sample", options.n));
            }
            Points::from_unit(factors, &sample::saltelli(options.n, k))
        }
    };
    Ok(Plan {
        options,
        points,
        moves,
        levels,
    })
}

/// Runs a study of `factors` on `arms`.
pub fn run(
    arms: Arms<'_>,
    factors: &[Factor],
    options: Options,
    run: &RunOptions,
    observer: &dyn Observe,
) -> Result<Study> {
    let plan = plan(factors, options, run.seed)?;
    let rows = plan.points.evaluate(arms, run, observer)?;
    let paired = arms
        .alternative
        .map(|alt| (alt.name.clone(), arms.scenario.name.clone()));
    Ok(analyse(plan, rows, paired, run))
}

/// The study of `plan` from its simulated `rows` (per point, per replication);
/// `paired` names the alternative and the scenario when rows are differences.
pub fn analyse(plan: Plan, rows: Vec<Vec<Row>>, paired: Option<(String, String)>, run: &RunOptions) -> Study {
    let Plan {
        options,
        points,
        moves,
        levels,
    } = plan;
    let factors = &points.factors;
    let k = factors.len();
    let out = options.output as usize;
    let y: Vec<Vec<f64>> = rows.iter().map(|reps| reps.iter().map(|r| r[out]).collect()).collect();
    let point_means: Vec<f64> = y.iter().map(|r| mean(r.iter().copied())).collect();
    let mut bars = Vec::new();
    let keys: Vec<(String, Value)> = match options.method {
        Method::Tornado => factors
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let at = |j: usize| 1 + i * levels + j;
                let (lo, hi) = (at(0), at(levels - 1));
                let xy: Vec<(f64, f64)> = (0..levels)
                    .map(|j| (points.values[at(j)][i], point_means[at(j)]))
                    .collect();
                let bar = TornadoBar {
                    low: points.values[lo][i],
                    high: points.values[hi][i],
                    output_low: summary_estimate(Summary::of(y[lo].iter().copied())),
                    output_high: summary_estimate(Summary::of(y[hi].iter().copied())),
                    delta: summary_estimate(Summary::of(y[hi].iter().zip(&y[lo]).map(|(h, l)| h - l))),
                    switch: if options.switch { crossing(&xy) } else { None },
                };
                bars.push(bar.clone());
                (f.key.clone(), json!(bar))
            })
            .collect(),
        Method::Morris => morris_effects(&point_means, &moves, k, run.seed, RESAMPLES)
            .into_iter()
            .zip(factors)
            .map(|(e, f)| (f.key.clone(), json!(e)))
            .collect(),
        Method::Sobol => {
            let s = sobol_indices(&point_means, options.n, k, run.seed, RESAMPLES);
            factors
                .iter()
                .enumerate()
                .map(|(i, f)| (f.key.clone(), json!({"first_order": s.first[i], "total": s.total[i]})))
                .collect()
        }
    };
    Study {
        options,
        paired,
        noise_share: noise_share(&y),
        points,
        rows,
        keys,
        bars,
        run: run.clone(),
    }
}

/// What a shard of a study records, so that `spc merge` can plan and analyse it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The method's name (`tornado`, `morris`, `sobol`).
    pub method: String,
    /// Trajectories or base sample.
    pub n: usize,
    /// The metric studied.
    pub output: String,
    /// Tornado switching values asked for.
    pub switch: bool,
    /// The keys varied.
    pub factors: Vec<Factor>,
    /// Whether the output is the paired difference alternative minus scenario.
    pub paired: bool,
}

impl Settings {
    /// The record of a study of `factors` with `options` on `arms`.
    pub fn new(arms: Arms<'_>, factors: &[Factor], options: Options) -> Settings {
        Settings {
            method: options.method.name().into(),
            n: options.n,
            output: options.output.name().into(),
            switch: options.switch,
            factors: factors.to_vec(),
            paired: arms.alternative.is_some(),
        }
    }

    /// The study of the merged `result` of a design planned from these settings,
    /// on the recorded `scenarios` (scenario, then the alternative if paired).
    pub fn analyse(&self, scenarios: &[VariantRecord], result: &crate::experiment::RunResult) -> Result<Study> {
        let method = [Method::Tornado, Method::Morris, Method::Sobol]
            .into_iter()
            .find(|m| m.name() == self.method)
            .ok_or_else(|| Error::Options(format!("unknown sensitivity method `{}`", self.method)))?;
        let options = Options {
            method,
            n: self.n,
            output: super::metric(&self.output)?,
            switch: self.switch,
        };
        let plan = plan(&self.factors, options, result.options.seed)?;
        let arms = 1 + usize::from(self.paired);
        if result.scenarios.len() != plan.points.values.len() * arms {
            return Err(Error::Options(format!(
                "the shards hold {} variants; this study plans {}",
                result.scenarios.len(),
                plan.points.values.len() * arms
            )));
        }
        let rows = plan.points.rows_of(arms, result);
        let paired = match scenarios {
            [base, alt] if self.paired => Some((alt.name.clone(), base.name.clone())),
            [_] if !self.paired => None,
            _ => {
                return Err(Error::Options(
                    "the shards' record of the scenarios does not match the study".into(),
                ));
            }
        };
        Ok(analyse(plan, rows, paired, &result.options))
    }
}

impl Study {
    /// The `sensitivity.json` document.
    pub fn document(&self) -> Value {
        let keys: Map<String, Value> = self.keys.iter().cloned().collect();
        let output = match &self.paired {
            Some((alt, base)) => format!("{} ({alt} minus {base})", self.options.output.name()),
            None => self.options.output.name().to_string(),
        };
        json!({
            "method": self.options.method.name(),
            "output": output,
            "metric": self.options.output.name(),
            "paired": self.paired.is_some(),
            "keys": keys,
            "noise_share": self.noise_share,
            "runs": self.rows.iter().map(Vec::len).sum::<usize>(),
            "points": self.points.values.len(),
            "replications": self.run.replications,
            "n": self.options.n,
            "seed": self.run.seed,
        })
    }

    /// The terminal table: per key, the method's main figures with 95% intervals.
    pub fn table(&self) -> String {
        let fmt = |e: &Value| {
            format!(
                "{:.4} [{:.4}, {:.4}]",
                e["value"].as_f64().unwrap_or(f64::NAN),
                e["ci95"][0].as_f64().unwrap_or(f64::NAN),
                e["ci95"][1].as_f64().unwrap_or(f64::NAN)
            )
        };
        let doc = self.document();
        let mut t = format!(
            "{} of {}\n",
            self.options.method.name(),
            doc["output"].as_str().unwrap_or_default()
        );
        for (key, v) in &self.keys {
            let line = match self.options.method {
                Method::Tornado => format!(
                    "low {:.4} high {:.4}  high - low {}{}",
                    v["low"].as_f64().unwrap_or(f64::NAN),
                    v["high"].as_f64().unwrap_or(f64::NAN),
                    fmt(&v["delta"]),
                    v["switch"]
                        .as_f64()
                        .map_or(String::new(), |s| format!("  switches at {s:.4}"))
                ),
                Method::Morris => format!("mu* {}  sigma {}", fmt(&v["mu_star"]), fmt(&v["sigma"])),
                Method::Sobol => format!("S1 {}  ST {}", fmt(&v["first_order"]), fmt(&v["total"])),
            };
            t.push_str(&format!("{key:<40} {line}\n"));
        }
        t.push_str(&match self.noise_share {
            Some(s) => format!("simulation noise: {:.1}% of the output's variance\n", 100.0 * s),
            None => "simulation noise: not estimated (one replication per point)\n".to_string(),
        });
        t
    }

    /// Writes `sensitivity.json` and `sensitivity_runs.csv` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        crate::output::json::write_json(&self.document(), &dir.join("sensitivity.json"))?;
        write_runs(&dir.join("sensitivity_runs.csv"), "run", &self.points, &self.rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// The Ishigami function (a = 7, b = 0.1) on [-pi, pi]^3.
    fn ishigami(x: &[f64]) -> f64 {
        let x: Vec<f64> = x.iter().map(|u| -PI + 2.0 * PI * u).collect();
        x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
    }

    #[test]
    fn sobol_estimators_recover_the_analytic_ishigami_indices() {
        let (a, b) = (7.0, 0.1);
        let pi4 = PI.powi(4);
        let v1 = 0.5 * (1.0 + b * pi4 / 5.0).powi(2);
        let v2 = a * a / 8.0;
        let v13 = b * b * PI.powi(8) * (1.0 / 18.0 - 1.0 / 50.0);
        let v = v1 + v2 + v13;
        let first = [v1 / v, v2 / v, 0.0];
        let total = [(v1 + v13) / v, v2 / v, v13 / v];
        let n = 4096;
        let f: Vec<f64> = sample::saltelli(n, 3).iter().map(|x| ishigami(x)).collect();
        let s = sobol_indices(&f, n, 3, 1, 300);
        for i in 0..3 {
            for (est, truth, what) in [(s.first[i], first[i], "S"), (s.total[i], total[i], "ST")] {
                assert!(
                    (est.value - truth).abs() < 0.03,
                    "{what}{} = {} vs analytic {truth}",
                    i + 1,
                    est.value
                );
                // The bootstrap interval is honest: it covers the analytic value
                // (to the QMC error it cannot see) and is not absurdly wide.
                assert!(
                    est.ci95[0] - 0.01 <= truth && truth <= est.ci95[1] + 0.01,
                    "{what}{}: {truth} outside {:?}",
                    i + 1,
                    est.ci95
                );
                assert!(est.ci95[1] - est.ci95[0] < 0.15, "{what}{} ci {:?}", i + 1, est.ci95);
            }
        }
    }

    #[test]
    fn morris_ranks_a_linear_and_a_dead_factor() {
        let k = 3;
        let (pts, moves) = sample::morris(20, k, 4);
        let y: Vec<f64> = pts.iter().map(|x| 10.0 * x[0] + x[1] * x[1]).collect();
        let e = morris_effects(&y, &moves, k, 4, 200);
        assert!((e[0].mu_star.value - 10.0).abs() < 1e-9 && e[0].sigma.value < 1e-9);
        assert!(e[1].mu_star.value > 0.0 && e[1].mu_star.value < 2.0);
        assert_eq!(e[2].mu_star.value, 0.0);
    }

    #[test]
    fn noise_share_splits_within_from_between_point_variance() {
        let y = vec![vec![0.0, 2.0], vec![10.0, 12.0]];
        // within: 2 per point; total: var(0, 2, 10, 12) = 104/3.
        assert!((noise_share(&y).unwrap() - 2.0 / (104.0 / 3.0)).abs() < 1e-12);
        assert_eq!(noise_share(&[vec![1.0], vec![2.0]]), None);
    }

    #[test]
    fn switching_values_interpolate_the_first_sign_change() {
        assert_eq!(crossing(&[(0.0, -1.0), (1.0, 1.0)]), Some(0.5));
        assert_eq!(crossing(&[(0.0, 2.0), (1.0, 1.0), (2.0, -1.0)]), Some(1.5));
        assert_eq!(crossing(&[(0.0, 1.0), (1.0, 2.0)]), None);
    }
}
