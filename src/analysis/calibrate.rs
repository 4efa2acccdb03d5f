//! `spc calibrate`: a scenario's unknown keys fitted to a bank's observed KPIs, as a posterior.
//!
//! The targets file says what was observed and what is free:
//!
//! ```toml
//! [targets]                                   # any metric of summary.json
//! annual_retention = { value = 0.89, sd = 0.01 }
//! mean_satisfaction = { value = 3.8, sd = 0.05 }
//! [free]                                      # a range or any distribution: the prior
//! "churn.competitive" = { min = 0.01, max = 0.03 }
//! "satisfaction.neutral" = { dist = "normal", mean = 3.9, sd = 0.2 }
//! ```
//!
//! **Method.** ABC-SMC in the adaptive population Monte Carlo form of Lenormand, Jabot &
//! Deffuant (2013, "Adaptive approximate Bayesian computation for complex models", Comput
//! Stat 28: 2777-2796), which needs no tolerance schedule: generation 1 draws `N` particles
//! from the prior (a Latin hypercube in the prior's quantiles) and keeps the `alpha N`
//! nearest the targets; each later generation moves `(1 - alpha) N` new particles from the
//! kept ones with a Gaussian kernel of twice their weighted covariance (Beaumont, Cornuet,
//! Marin & Robert 2009), and keeps the `alpha N` nearest of
//! old and new; it stops when fewer than `min_acceptance` of the new particles beat the
//! previous tolerance. Particles live in the unit cube of the priors' quantiles, where every
//! prior is uniform, so ranges and any distribution of the scenario syntax work alike.
//!
//! **Distance and posterior.** A particle runs replications `0..R` of the scenario (the
//! same streams for every particle: common random numbers, so particles differ by their
//! parameters, not by luck); its distance is `sqrt(sum_k ((mean_k - observed_k) / sd_k)^2)`
//! over the targets, with `mean_k` the metric's mean over the `R` replications. The posterior
//! is the one under Gaussian observation error with the targets' sd (Wilkinson 2013,
//! "Approximate Bayesian computation (ABC) gives exact results under the assumption of model
//! error", SAGMB 12: 129-141): the final particles are weighted by `exp(-distance^2 / 2)`.
//! So that the tolerance never cuts that kernel, it never falls below
//! `sqrt(d_min^2 + chi2_{p, 0.99})` (p free keys): the 99% region of the kernel around the
//! best particle stays in. Every particle ever simulated inside the final tolerance counts,
//! weighted by prior / (mixture of every generation's proposal, each by its draws): the
//! deterministic-mixture weights of multiple importance sampling (Veach & Guibas 1995, as in
//! the AMIS of Cornuet, Marin, Mira & Robert 2012), which keep particles of early, wide
//! generations and late, narrow ones on one scale.
//!
//! **Outputs.** `calibration.json` (posterior and prior per key, each target observed and as
//! the calibrated model simulates it), `calibrated.toml` (extends the input scenario and adds
//! a `[posterior]` of joint points, see [`crate::scenario::posterior`]: each replication takes
//! one whole point, so correlations between keys survive), charts and a report page.

use std::path::{Component, Path, PathBuf};

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::design::{Factor, allowed_ranges, checked_factor};
use super::{Arms, Points, Row, sample};
use crate::error::{Error, Result};
use crate::experiment::{Design, Observe, RunOptions, ScenarioRun};
use crate::guards::{self, Warning};
use crate::metrics::Metric;
use crate::output::format::{Unit, ticks};
use crate::scenario::{Edit, Scenario};
use crate::stats::{Summary, five};

/// The method, as `calibration.json` names it.
pub const METHOD: &str = "ABC-SMC: adaptive population Monte Carlo (Lenormand, Jabot & Deffuant 2013), \
     Gaussian error kernel with the targets' sd (Wilkinson 2013), common random numbers";

/// One observed KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The metric.
    pub metric: Metric,
    /// The observed value (in the metric's unit).
    pub value: f64,
    /// Its uncertainty as one standard deviation (same unit): measurement and year-to-year noise.
    pub sd: f64,
    /// The line of the target in its file.
    pub line: usize,
}

/// A checked targets file.
#[derive(Debug, Clone)]
pub struct TargetsFile {
    /// The file.
    pub path: PathBuf,
    /// The observed KPIs, in file order.
    pub targets: Vec<Target>,
    /// The free keys with their priors, in file order.
    pub free: Vec<Factor>,
    /// Each free key's prior as written.
    pub priors: Vec<toml::Value>,
}

impl TargetsFile {
    /// Reads `path` against `scenario` (see [`TargetsFile::parse`]).
    pub fn load(path: &Path, scenario: &Scenario) -> Result<TargetsFile> {
        let text = crate::scenario::read_text(path)?;
        TargetsFile::parse(&text, path, scenario)
    }

    /// Checks the text of a targets file: `[targets]` of metrics with a value and a positive
    /// sd, `[free]` of numeric keys of `scenario` with a range or a distribution. Errors name
    /// the file, the line (from toml's spans) and the key.
    pub fn parse(text: &str, path: &Path, scenario: &Scenario) -> Result<TargetsFile> {
        let line = |offset: usize| {
            1 + text.as_bytes()[..offset.min(text.len())]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
        };
        let parse_err = |line: Option<usize>, message: String| Error::Parse {
            path: path.to_path_buf(),
            line,
            message,
        };
        let doc = toml::de::DeTable::parse(text).map_err(|e| {
            let (line, message) = crate::scenario::source::syntax_error(&e, text);
            parse_err(line, message)
        })?;
        let doc = doc.get_ref();
        for (k, _) in doc.iter() {
            if !matches!(k.get_ref().as_ref(), "targets" | "free") {
                return Err(parse_err(
                    Some(line(k.span().start)),
                    format!("unknown table `{}`; allowed: `[targets]` and `[free]`", k.get_ref()),
                ));
            }
        }
        let entries = |name: &str, what: &str| -> Result<Vec<(String, usize, toml::Value)>> {
            let Some((key, table)) = doc.get_key_value(name) else {
                return Err(parse_err(None, format!("no `[{name}]` table: list {what} there")));
            };
            let toml::de::DeValue::Table(t) = table.get_ref() else {
                return Err(parse_err(
                    Some(line(key.span().start)),
                    format!("`{name}` must be a table"),
                ));
            };
            let mut out: Vec<(String, usize, toml::Value)> = t
                .iter()
                .map(|(k, v)| {
                    let value = toml::Value::deserialize(toml::de::ValueDeserializer::from(v.clone()))
                        .map_err(|e| parse_err(Some(line(k.span().start)), e.to_string().trim().to_string()))?;
                    Ok((k.get_ref().to_string(), line(k.span().start), value))
                })
                .collect::<Result<_>>()?;
            if out.is_empty() {
                return Err(parse_err(
                    Some(line(key.span().start)),
                    format!("`[{name}]` is empty: list {what} there"),
                ));
            }
            out.sort_by_key(|(_, l, _)| *l);
            Ok(out)
        };
        let invalid = |key: &str, line: usize, message: String| Error::Invalid {
            path: path.to_path_buf(),
            line: Some(line),
            key: key.to_string(),
            message,
        };
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Observed {
            value: f64,
            sd: f64,
        }
        let mut targets = Vec::new();
        for (name, at, value) in entries(
            "targets",
            "the observed metrics, e.g. annual_retention = { value = 0.89, sd = 0.01 }",
        )? {
            let metric = Metric::from_name(&name).ok_or_else(|| {
                invalid(
                    &name,
                    at,
                    format!(
                        "is not a metric of summary.json; valid: {}",
                        Metric::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            let o = Observed::deserialize(value).map_err(|e| {
                invalid(
                    &name,
                    at,
                    format!("must be {{ value = V, sd = S }}: {}", e.to_string().trim()),
                )
            })?;
            if !o.value.is_finite() {
                return Err(invalid(
                    &name,
                    at,
                    format!("value must be a finite number, got {}", o.value),
                ));
            }
            if !(o.sd.is_finite() && o.sd > 0.0) {
                return Err(invalid(
                    &name,
                    at,
                    format!(
                        "sd must be a finite number above 0 (the observation's uncertainty), got {}",
                        o.sd
                    ),
                ));
            }
            targets.push(Target {
                metric,
                value: o.value,
                sd: o.sd,
                line: at,
            });
        }
        let ranges = allowed_ranges(scenario);
        let (mut free, mut priors) = (Vec::new(), Vec::new());
        for (name, at, value) in entries(
            "free",
            "the keys to calibrate, e.g. \"churn.competitive\" = { min = 0.01, max = 0.03 }",
        )? {
            free.push(
                checked_factor(name.clone(), &value, "free", scenario, &ranges).map_err(|m| invalid(&name, at, m))?,
            );
            priors.push(value);
        }
        Ok(TargetsFile {
            path: path.to_path_buf(),
            targets,
            free,
            priors,
        })
    }

    /// Refuses targets that grow with the bank when `calibrating` (the scenario as simulated
    /// while calibrating) is smaller or shorter than `scenario`; and a `[posterior]` of
    /// `scenario` with keys that are not free (a new posterior replaces the old one whole).
    pub fn check_against(&self, scenario: &Scenario, calibrating: &Scenario) -> Result<()> {
        let resized = calibrating.bank_customers != scenario.bank_customers || calibrating.months != scenario.months;
        if let Some(t) = self.targets.iter().find(|t| resized && t.metric.grows_with_bank()) {
            return Err(Error::Invalid {
                path: self.path.clone(),
                line: Some(t.line),
                key: t.metric.name().to_string(),
                message: format!(
                    "grows with the bank's size and horizon, but the calibration simulates a bank of {} customers over {} months \
                     (the scenario: {} over {}): target a per-customer metric (annual_retention, mean_satisfaction, \
                     complaint_rate, ...) or calibrate at the scenario's size and horizon ({} customers, {} months)",
                    calibrating.bank_customers,
                    calibrating.months,
                    scenario.bank_customers,
                    scenario.months,
                    scenario.bank_customers,
                    scenario.months
                ),
            });
        }
        if let Some(p) = &scenario.posterior
            && let Some(k) = p.keys().iter().find(|k| !self.free.iter().any(|f| &f.key == *k))
        {
            return Err(Error::Options(format!(
                "scenario `{}` already carries a [posterior] with `{k}`, which {} does not free: \
                 calibrate the scenario it extends, or free every key of its posterior",
                scenario.name,
                self.path.display()
            )));
        }
        Ok(())
    }
}

/// How hard to search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Particles per generation (N).
    pub particles: usize,
    /// Share of the particles kept each generation (alpha, 0-1).
    pub alpha: f64,
    /// Stop when fewer than this share of new particles beat the previous tolerance (0-1).
    pub min_acceptance: f64,
    /// Most generations.
    pub max_generations: usize,
    /// Joint posterior points written to `calibrated.toml`.
    pub points: usize,
    /// Replications of the calibrated scenario that check it against the targets.
    pub check_replications: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            particles: 300,
            alpha: 0.5,
            min_acceptance: 0.1,
            max_generations: 16,
            points: 200,
            check_replications: 100,
        }
    }
}

/// One generation of the search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generation {
    /// The tolerance after it (distance in target sds).
    pub epsilon: f64,
    /// Share of its new particles inside the previous tolerance (1 for generation 1).
    pub acceptance: f64,
    /// Particles simulated.
    pub simulated: usize,
}

/// One particle: position in the unit cube of the priors' quantiles, importance weight, distance.
#[derive(Debug, Clone)]
struct Particle {
    u: Vec<f64>,
    weight: f64,
    rho: f64,
}

/// A weighted posterior summary of one key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Posterior {
    /// Weighted mean.
    pub mean: f64,
    /// Weighted standard deviation.
    pub sd: f64,
    /// 5th, 50th and 95th weighted percentiles.
    pub p: [f64; 3],
}

/// A finished calibration.
#[derive(Debug, Clone)]
pub struct Calibration {
    /// The targets.
    pub targets: Vec<Target>,
    /// The free keys.
    pub free: Vec<Factor>,
    /// Their priors as written.
    pub priors: Vec<toml::Value>,
    /// Per generation: tolerance, acceptance, particles simulated.
    pub generations: Vec<Generation>,
    /// The posterior particles' values with their normalised weights.
    pub posterior: Vec<(Vec<f64>, f64)>,
    /// The values of generation 1 (a sample of the prior).
    pub prior_draws: Vec<Vec<f64>>,
    /// Every replication of generation 1: the prior's predictive distribution.
    pub prior_rows: Vec<Row>,
    /// The joint points of `calibrated.toml`, in the order replications take them.
    pub points: Vec<Vec<f64>>,
    /// The calibrated scenario at the calibration's size (the scenario with the points).
    pub calibrated: Scenario,
    /// Every replication of the calibrated scenario: the posterior's predictive distribution.
    pub predictive: Vec<Row>,
    /// The guards' warnings about the calibrated scenario's check run: a calibrated bank that
    /// leaves the model's range (an overloaded front line, say) cannot meet its targets.
    pub guards: Vec<Warning>,
    /// Replications simulated in all.
    pub simulations: u64,
    /// Effective sample size of the weighted posterior particles.
    pub ess: f64,
    /// Distance of the best particle from the targets (target sds).
    pub best_distance: f64,
    /// Seed, replications per particle, threads.
    pub run: RunOptions,
    /// Wall-clock time (seconds).
    pub elapsed_seconds: f64,
}

/// Weighted mean, sd and 5/50/95 percentiles of `values` with `weights` (summing to 1).
fn weighted(values: &[f64], weights: &[f64]) -> Posterior {
    let mean: f64 = values.iter().zip(weights).map(|(v, w)| v * w).sum();
    let var: f64 = values.iter().zip(weights).map(|(v, w)| w * (v - mean).powi(2)).sum();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let quantile = |q: f64| {
        let mut c = 0.0;
        for &i in &order {
            c += weights[i];
            if c >= q {
                return values[i];
            }
        }
        order.last().map_or(f64::NAN, |&i| values[i])
    };
    Posterior {
        mean,
        sd: var.max(0.0).sqrt(),
        p: [quantile(0.05), quantile(0.5), quantile(0.95)],
    }
}

/// The lower-triangular Cholesky factor of the symmetric `m` (row-major, k x k), if positive definite.
fn cholesky(m: &[f64], k: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..=i {
            let s: f64 = (0..j).map(|c| l[i * k + c] * l[j * k + c]).sum();
            if i == j {
                let d = m[i * k + i] - s;
                if d.is_nan() || d <= 0.0 {
                    return None;
                }
                l[i * k + i] = d.sqrt();
            } else {
                l[i * k + j] = (m[i * k + j] - s) / l[j * k + j];
            }
        }
    }
    Some(l)
}

/// The proposal kernel: a Gaussian with covariance `2 x` the particles' weighted covariance.
struct Kernel {
    k: usize,
    chol: Vec<f64>,
    log_norm: f64,
}

impl Kernel {
    /// The kernel of particles `pop` weighted by `mix` (summing to 1).
    fn of(pop: &[Particle], mix: &[f64]) -> Kernel {
        let k = pop[0].u.len();
        let mean: Vec<f64> = (0..k)
            .map(|d| pop.iter().zip(mix).map(|(p, m)| m * p.u[d]).sum::<f64>())
            .collect();
        let mut cov = vec![0.0; k * k];
        for i in 0..k {
            for j in 0..k {
                cov[i * k + j] = 2.0
                    * pop
                        .iter()
                        .zip(mix)
                        .map(|(p, m)| m * (p.u[i] - mean[i]) * (p.u[j] - mean[j]))
                        .sum::<f64>();
            }
            // A floor keeps a key that every particle agrees on movable.
            cov[i * k + i] = cov[i * k + i].max(1e-8);
        }
        let chol = cholesky(&cov, k).unwrap_or_else(|| {
            // Degenerate (collinear particles): the diagonal alone.
            (0..k * k)
                .map(|x| if x / k == x % k { cov[x].sqrt() } else { 0.0 })
                .collect()
        });
        let log_det: f64 = (0..k).map(|i| 2.0 * chol[i * k + i].ln()).sum();
        Kernel {
            k,
            chol,
            log_norm: -0.5 * (k as f64 * (2.0 * std::f64::consts::PI).ln() + log_det),
        }
    }

    /// `centre + L z`.
    fn step(&self, centre: &[f64], z: &[f64]) -> Vec<f64> {
        (0..self.k)
            .map(|i| centre[i] + (0..=i).map(|j| self.chol[i * self.k + j] * z[j]).sum::<f64>())
            .collect()
    }

    /// The density at `x` of the kernel centred on `centre`.
    fn density(&self, x: &[f64], centre: &[f64]) -> f64 {
        let mut y = vec![0.0; self.k];
        for i in 0..self.k {
            let s: f64 = (0..i).map(|j| self.chol[i * self.k + j] * y[j]).sum();
            y[i] = (x[i] - centre[i] - s) / self.chol[i * self.k + i];
        }
        (self.log_norm - 0.5 * y.iter().map(|v| v * v).sum::<f64>()).exp()
    }
}

/// One generation's proposal: a mixture of kernels around `centres` with weights `mix`,
/// drawn `draws` times (draws that fell outside the cube included).
struct Proposal {
    draws: f64,
    centres: Vec<Vec<f64>>,
    mix: Vec<f64>,
    kernel: Kernel,
}

impl Proposal {
    /// The mixture's density at `u`.
    fn density(&self, u: &[f64]) -> f64 {
        self.centres
            .iter()
            .zip(&self.mix)
            .map(|(c, m)| m * self.kernel.density(u, c))
            .sum()
    }
}

/// The `[posterior]` table of `keys` and `points`.
pub fn posterior_table(keys: &[String], points: &[Vec<f64>]) -> toml::Value {
    let mut t = toml::Table::new();
    t.insert(
        "keys".into(),
        toml::Value::Array(keys.iter().map(|k| toml::Value::String(k.clone())).collect()),
    );
    t.insert(
        "points".into(),
        toml::Value::Array(
            points
                .iter()
                .map(|p| toml::Value::Array(p.iter().map(|&v| toml::Value::Float(v)).collect()))
                .collect(),
        ),
    );
    toml::Value::Table(t)
}

/// The search: simulates particles on `scenario` and measures their distance to the targets.
struct Search<'a> {
    scenario: &'a Scenario,
    file: &'a TargetsFile,
    run: &'a RunOptions,
    observer: &'a dyn Observe,
    simulations: u64,
}

impl Search<'_> {
    /// Distance of every particle (infinite where its values are refused by the scenario
    /// or a target has no finite value), and every replication's metrics.
    fn simulate(&mut self, thetas: &[Vec<f64>]) -> Result<(Vec<f64>, Vec<Vec<Row>>)> {
        let factors = &self.file.free;
        let valid: Vec<bool> = thetas
            .iter()
            .map(|t| {
                let edits: Vec<Edit> = factors.iter().zip(t).map(|(f, &v)| f.edit(v)).collect();
                self.scenario.edited(&edits).is_ok()
            })
            .collect();
        let points = Points {
            factors: factors.clone(),
            values: thetas
                .iter()
                .zip(&valid)
                .filter(|(_, ok)| **ok)
                .map(|(t, _)| t.clone())
                .collect(),
        };
        let mut rows = if points.values.is_empty() {
            Vec::new()
        } else {
            let arms = Arms {
                scenario: self.scenario,
                alternative: None,
            };
            points.evaluate(arms, self.run, self.observer)?
        };
        self.simulations += (rows.len() * self.run.replications as usize) as u64;
        let mut all = Vec::with_capacity(thetas.len());
        let mut rhos = Vec::with_capacity(thetas.len());
        let mut sims = rows.drain(..);
        for ok in valid {
            let reps = if ok {
                sims.next().unwrap_or_default()
            } else {
                Vec::new()
            };
            rhos.push(self.distance(&reps));
            all.push(reps);
        }
        Ok((rhos, all))
    }

    fn distance(&self, reps: &[Row]) -> f64 {
        if reps.is_empty() {
            return f64::INFINITY;
        }
        let mut d2 = 0.0;
        for t in &self.file.targets {
            let s = Summary::of(reps.iter().map(|r| r[t.metric as usize]));
            if !s.mean.is_finite() {
                return f64::INFINITY;
            }
            d2 += ((s.mean - t.value) / t.sd).powi(2);
        }
        d2.sqrt()
    }
}

/// The `q`-quantile of the finite values (infinite if there are none).
fn quantile(values: impl Iterator<Item = f64>, q: f64) -> f64 {
    let v = crate::stats::sorted_finite(values);
    if v.is_empty() {
        f64::INFINITY
    } else {
        crate::stats::quantile_sorted(&v, q)
    }
}

/// Simulates particles (unit-cube positions) and returns their distances to the targets.
type Distances<'a> = dyn FnMut(&[Vec<f64>]) -> Result<Vec<f64>> + 'a;

/// The search in the unit cube of the `k` priors' quantiles (every prior uniform there):
/// `distances` simulates particles and returns their distances to the targets (infinite
/// where a particle cannot be simulated). Returns the generations and the final particles.
/// An empty [`Error::Options`] means no particle of generation 1 had a finite distance.
fn abc(
    k: usize,
    options: &Options,
    seed: u64,
    distances: &mut Distances<'_>,
) -> Result<(Vec<Generation>, Vec<Particle>)> {
    let keep = ((options.alpha * options.particles as f64).round() as usize).clamp(2, options.particles - 1);
    let fresh = options.particles - keep;
    let spread2 = ChiSquared::new(k as f64).map_or(2.0 * k as f64 + 9.0, |c| c.inverse_cdf(0.99));
    let units = sample::latin_hypercube(options.particles, k, seed);
    let rhos = distances(&units)?;
    let prior_draws = options.particles as f64;
    let mut pop: Vec<Particle> = units
        .into_iter()
        .zip(rhos)
        .map(|(u, rho)| Particle {
            u,
            weight: 1.0 / prior_draws,
            rho,
        })
        .collect();
    // Every proposal so far; generation 1 drew from the prior (density 1 in the cube).
    let mut proposals: Vec<Proposal> = Vec::new();
    // Deterministic-mixture weights (the balance heuristic of multiple importance sampling):
    // prior / (the mixture of every generation's proposal, each by its number of draws), so
    // particles of all generations share one scale however narrow the later proposals are.
    let mixture = |u: &[f64], proposals: &[Proposal]| -> f64 {
        prior_draws + proposals.iter().map(|q| q.draws * q.density(u)).sum::<f64>()
    };
    // The tolerance keeps the `keep` nearest, never less than the kernel's 99% region.
    let cut = |pop: &[Particle], keep_share: f64| -> f64 {
        let best = pop.iter().map(|p| p.rho).fold(f64::INFINITY, f64::min);
        let floor = (best * best + spread2).sqrt();
        quantile(pop.iter().map(|p| p.rho), keep_share).max(floor)
    };
    let mut eps = cut(&pop, keep as f64 / options.particles as f64);
    if !eps.is_finite() {
        return Err(Error::Options(String::new()));
    }
    pop.retain(|p| p.rho <= eps);
    let mut generations = vec![Generation {
        epsilon: eps,
        acceptance: 1.0,
        simulated: options.particles,
    }];
    let mut at_floor = false;
    while generations.len() < options.max_generations {
        let g = generations.len() as u64;
        // Proposals centre on the particles as the tolerance weights them; once the tolerance
        // rests on the kernel's floor, as the posterior weights them (any proposal is sound:
        // the weights divide by the mixture of every proposal the particles were drawn from).
        let mix: Vec<f64> = if at_floor {
            posterior_weights(&pop).0
        } else {
            let total: f64 = pop.iter().map(|p| p.weight).sum();
            pop.iter().map(|p| p.weight / total).collect()
        };
        let kernel = Kernel::of(&pop, &mix);
        let mut cumulative = Vec::with_capacity(pop.len());
        let mut c = 0.0;
        for m in &mix {
            c += m;
            cumulative.push(c);
        }
        let mut rng = sample::analysis_rng(seed ^ g.wrapping_mul(0x9E37_79B9_7F4A_7C15), "calibrate.move");
        let mut moved = Vec::with_capacity(fresh);
        for _ in 0..fresh {
            let r = rng.random::<f64>();
            let j = cumulative.partition_point(|&x| x < r).min(pop.len() - 1);
            let z: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
            let u = kernel.step(&pop[j].u, &z);
            // Outside the cube the prior is zero: the particle's weight would be zero.
            if u.iter().all(|x| (0.0..=1.0).contains(x)) {
                moved.push(u);
            }
        }
        let simulated = moved.len();
        let proposal = Proposal {
            draws: fresh as f64,
            centres: pop.iter().map(|p| p.u.clone()).collect(),
            mix,
            kernel,
        };
        for p in &mut pop {
            p.weight = 1.0 / (1.0 / p.weight + proposal.draws * proposal.density(&p.u));
        }
        proposals.push(proposal);
        let rhos = if moved.is_empty() {
            Vec::new()
        } else {
            distances(&moved)?
        };
        let accepted = rhos.iter().filter(|&&r| r < eps).count();
        let acceptance = accepted as f64 / fresh as f64;
        for (u, rho) in moved.into_iter().zip(rhos) {
            if !rho.is_finite() {
                continue;
            }
            let weight = 1.0 / mixture(&u, &proposals);
            pop.push(Particle { u, weight, rho });
        }
        let next = cut(&pop, keep as f64 / pop.len() as f64);
        at_floor = next <= cut(&pop, 0.0);
        eps = next.min(eps);
        pop.retain(|p| p.rho <= eps);
        generations.push(Generation {
            epsilon: eps,
            acceptance,
            simulated,
        });
        let ess = 1.0 / posterior_weights(&pop).0.iter().map(|w| w * w).sum::<f64>();
        if acceptance < options.min_acceptance || (at_floor && ess >= options.points as f64) {
            break;
        }
    }
    Ok((generations, pop))
}

/// The particles' posterior weights (importance weight x Gaussian kernel of the distance,
/// normalised) and the best distance.
fn posterior_weights(pop: &[Particle]) -> (Vec<f64>, f64) {
    let best = pop.iter().map(|p| p.rho).fold(f64::INFINITY, f64::min);
    let w: Vec<f64> = pop
        .iter()
        .map(|p| p.weight * (-(p.rho * p.rho - best * best) / 2.0).exp())
        .collect();
    let total: f64 = w.iter().sum();
    (w.iter().map(|x| x / total).collect(), best)
}

/// Calibrates `file`'s free keys of `scenario` (as simulated while calibrating: its size and
/// horizon) to its targets, then runs the calibrated scenario to check it.
pub fn run(
    scenario: &Scenario,
    file: &TargetsFile,
    options: &Options,
    run: &RunOptions,
    observer: &dyn Observe,
) -> Result<Calibration> {
    let start = std::time::Instant::now();
    if options.particles < 4 {
        return Err(Error::Options(
            "a calibration needs at least 4 particles per generation".into(),
        ));
    }
    if !(options.alpha > 0.0 && options.alpha < 1.0 && (0.0..1.0).contains(&options.min_acceptance)) {
        return Err(Error::Options(
            "alpha must lie strictly between 0 and 1, and the minimum acceptance in 0..1".into(),
        ));
    }
    if options.points == 0 || options.check_replications == 0 {
        return Err(Error::Options(
            "the posterior points and the check's replications must be at least 1".into(),
        ));
    }
    let k = file.free.len();
    let mut search = Search {
        scenario,
        file,
        run,
        observer,
        simulations: 0,
    };
    let value = |u: &[f64]| -> Vec<f64> { file.free.iter().zip(u).map(|(f, &x)| f.value(x)).collect() };
    let mut prior: Option<(Vec<Vec<f64>>, Vec<Row>)> = None;
    let (generations, pop) = abc(k, options, run.seed, &mut |units: &[Vec<f64>]| {
        let thetas: Vec<Vec<f64>> = units.iter().map(|u| value(u)).collect();
        let (rhos, rows) = search.simulate(&thetas)?;
        if prior.is_none() {
            prior = Some((thetas, rows.into_iter().flatten().collect()));
        }
        Ok(rhos)
    })
    .map_err(|e| match e {
        Error::Options(m) if m.is_empty() => Error::Options(format!(
            "no particle of the prior gave a finite value of every target in {}; widen [free] or check the targets",
            file.path.display()
        )),
        other => other,
    })?;
    let (prior_draws, prior_rows) = prior.unwrap_or_default();
    let (weights, best) = posterior_weights(&pop);
    let ess = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
    let posterior: Vec<(Vec<f64>, f64)> = pop.iter().map(|p| value(&p.u)).zip(weights.iter().copied()).collect();

    // Systematic resampling, then a shuffle: replication r takes point r mod n.
    let mut rng = sample::analysis_rng(run.seed, "calibrate.points");
    let n = options.points;
    let offset = rng.random::<f64>();
    let mut points = Vec::with_capacity(n);
    let (mut c, mut i) = (weights[0], 0);
    for s in 0..n {
        let target = (s as f64 + offset) / n as f64;
        while c < target && i + 1 < weights.len() {
            i += 1;
            c += weights[i];
        }
        points.push(posterior[i].0.clone());
    }
    for s in (1..n).rev() {
        points.swap(s, sample::index(&mut rng, s + 1));
    }
    let keys: Vec<String> = file.free.iter().map(|f| f.key.clone()).collect();
    let calibrated = scenario
        .edited(&[Edit::set_value("posterior", posterior_table(&keys, &points))])?
        .renamed(&format!("{}_calibrated", scenario.name));
    let check = Design::new(
        vec![calibrated.clone()],
        RunOptions {
            replications: options.check_replications,
            ..run.clone()
        },
    )?;
    let (outcomes, _) = check.run_units(&check.units(), observer)?;
    search.simulations += outcomes.len() as u64;
    let predictive = outcomes.iter().map(|(_, r)| r.metrics.values()).collect();
    let guards = guards::scenario_warnings(
        &ScenarioRun {
            scenario: calibrated.clone(),
            replications: outcomes.into_iter().map(|(_, r)| r).collect(),
        },
        run.seed,
    );
    Ok(Calibration {
        targets: file.targets.clone(),
        free: file.free.clone(),
        priors: file.priors.clone(),
        generations,
        posterior,
        prior_draws,
        prior_rows,
        points,
        calibrated,
        predictive,
        guards,
        simulations: search.simulations,
        ess,
        best_distance: best,
        run: run.clone(),
        elapsed_seconds: start.elapsed().as_secs_f64(),
    })
}

/// The path of `to` relative to the folder `from` (both made absolute), with `/`.
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (from, to) = (abs(from), abs(to));
    let a: Vec<Component<'_>> = from.components().collect();
    let b: Vec<Component<'_>> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return to.to_string_lossy().replace('\\', "/");
    }
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c.as_os_str());
    }
    out.to_string_lossy().replace('\\', "/")
}

impl Calibration {
    /// Posterior summary of free key `i`.
    pub fn posterior_of(&self, i: usize) -> Posterior {
        let values: Vec<f64> = self.posterior.iter().map(|(t, _)| t[i]).collect();
        let weights: Vec<f64> = self.posterior.iter().map(|(_, w)| *w).collect();
        weighted(&values, &weights)
    }

    /// The prior's 5th, 50th and 95th percentiles of free key `i`.
    pub fn prior_of(&self, i: usize) -> [f64; 3] {
        let f = &self.free[i];
        [f.value(0.05), f.value(0.5), f.value(0.95)]
    }

    /// The calibrated model's mean, p5 and p95 of target `i`'s metric.
    pub fn simulated(&self, i: usize) -> (f64, f64, f64) {
        let (mean, q) = five(self.predictive.iter().map(|r| r[self.targets[i].metric as usize]));
        (mean, q[0], q[4])
    }

    /// The `calibration.json` document.
    pub fn document(&self) -> Value {
        let parameters: Map<String, Value> = self
            .free
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let p = self.posterior_of(i);
                (
                    f.key.clone(),
                    json!({
                        "prior": self.priors[i],
                        "posterior": {"mean": p.mean, "sd": p.sd, "p5": p.p[0], "p50": p.p[1], "p95": p.p[2]},
                    }),
                )
            })
            .collect();
        let targets: Map<String, Value> = self
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let (mean, p5, p95) = self.simulated(i);
                (
                    t.metric.name().to_string(),
                    json!({"observed": t.value, "sd": t.sd, "simulated": {"mean": mean, "p5": p5, "p95": p95}}),
                )
            })
            .collect();
        json!({
            "method": METHOD,
            "simulations": self.simulations,
            "parameters": parameters,
            "targets": targets,
        })
    }

    /// The text of `calibrated.toml`: extends `extends` (the input scenario, relative to the
    /// calibrated file's folder) and adds the joint points.
    pub fn calibrated_toml(&self, input: &Scenario, extends: &str) -> String {
        let mut t = String::new();
        t.push_str(&format!(
            "# Written by `spc calibrate` ({} simulations, seed {}): the posterior of {} given the targets.\n\
             # Each replication r takes joint point r mod {} of [posterior] whole, so the correlations\n\
             # between the keys survive. Extend this file for alternatives that share them.\n\n",
            self.simulations,
            self.run.seed,
            self.free
                .iter()
                .map(|f| format!("`{}`", f.key))
                .collect::<Vec<_>>()
                .join(", "),
            self.points.len()
        ));
        let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
        t.push_str(&format!("extends = {}\n", quoted(extends)));
        t.push_str(&format!("name = {}\n", quoted(&format!("{}_calibrated", input.name))));
        t.push_str(&format!(
            "description = {}\n\n[posterior]\nkeys = [{}]\npoints = [\n",
            quoted(&format!(
                "{} calibrated to {} observed KPIs ({}).",
                input.label(),
                self.targets.len(),
                self.targets
                    .iter()
                    .map(|x| x.metric.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            self.free.iter().map(|f| quoted(&f.key)).collect::<Vec<_>>().join(", ")
        ));
        for p in &self.points {
            t.push_str(&format!(
                "  [{}],\n",
                p.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>().join(", ")
            ));
        }
        t.push_str("]\n");
        t
    }

    /// Writes `calibration.json` and `calibrated.toml` into `stage` (a staging folder inside
    /// the output folder, whose parent is where the files end up).
    pub fn write(&self, input: &Scenario, stage: &Path) -> Result<()> {
        crate::output::json::write_json(&self.document(), &stage.join("calibration.json"))?;
        let out = stage.parent().unwrap_or(Path::new("."));
        let path = stage.join("calibrated.toml");
        std::fs::write(&path, self.calibrated_toml(input, &relative(out, &input.source)))
            .map_err(|source| Error::Write { path, source })
    }

    /// Free key `i`'s values written with the decimals a hundredth of its prior's range needs.
    pub fn key_format(&self, i: usize) -> impl Fn(f64) -> String {
        let f = &self.free[i];
        let (lo, hi) = (f.value(0.0), f.value(1.0));
        let fmt = ticks(Unit::Plain, lo, hi, 100);
        move |v| fmt(&v)
    }

    /// Target `i`'s values written with the decimals a tenth of its sd needs.
    pub fn target_format(&self, i: usize) -> impl Fn(f64) -> String {
        let fmt = ticks(Unit::Plain, 0.0, self.targets[i].sd, 10);
        move |v| fmt(&v)
    }

    /// The terminal table: per key prior and posterior, per target observed and simulated.
    pub fn table(&self) -> String {
        let mut t = format!(
            "{:<36} {:>22} {:>12} {:>24}\n",
            "key", "prior 90%", "posterior", "posterior 90%"
        );
        for (i, f) in self.free.iter().enumerate() {
            let fmt = self.key_format(i);
            let (pr, po) = (self.prior_of(i), self.posterior_of(i));
            t.push_str(&format!(
                "{:<36} {:>22} {:>12} {:>24}\n",
                f.key,
                format!("{} .. {}", fmt(pr[0]), fmt(pr[2])),
                fmt(po.mean),
                format!("{} .. {}", fmt(po.p[0]), fmt(po.p[2]))
            ));
        }
        t.push_str(&format!(
            "\n{:<36} {:>22} {:>12} {:>24}\n",
            "target", "observed +- sd", "calibrated", "calibrated 90%"
        ));
        for (i, x) in self.targets.iter().enumerate() {
            let fmt = self.target_format(i);
            let (mean, p5, p95) = self.simulated(i);
            t.push_str(&format!(
                "{:<36} {:>22} {:>12} {:>24}\n",
                x.metric.name(),
                format!("{} +- {}", fmt(x.value), fmt(x.sd)),
                fmt(mean),
                format!("{} .. {}", fmt(p5), fmt(p95))
            ));
        }
        let last = self.generations.last().copied();
        t.push_str(&format!(
            "\n{} generations, {} simulations in {:.0} s; tolerance {:.2} sd, best particle {:.2} sd from the targets, \
             effective sample size {:.0}\n",
            self.generations.len(),
            self.simulations,
            self.elapsed_seconds,
            last.map_or(f64::NAN, |g| g.epsilon),
            self.best_distance,
            self.ess
        ));
        t
    }

    /// Every warning: the fit's, then the guards' about the calibrated bank (whose cause, an
    /// overloaded front line say, is often why the targets cannot be met).
    pub fn warnings(&self) -> Vec<String> {
        self.warning()
            .into_iter()
            .chain(self.guards.iter().map(Warning::to_string))
            .collect()
    }

    /// A warning when the targets cannot be met together or the posterior rests on few particles.
    fn warning(&self) -> Option<String> {
        let m = self.targets.len() as f64;
        let reachable = ChiSquared::new(m).map_or(f64::INFINITY, |c| c.inverse_cdf(0.99)).sqrt();
        if self.best_distance > reachable {
            return Some(format!(
                "the best particle is {:.1} target sds from the targets (99% of exact fits lie within {:.1}): \
                 the model cannot reproduce them together with these free keys; free other keys or check the targets",
                self.best_distance, reachable
            ));
        }
        (self.ess < 50.0).then(|| {
            format!(
                "the posterior rests on an effective {:.0} particles: use more particles per generation for smoother intervals",
                self.ess
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::design::tests::baseline;

    #[test]
    fn bad_targets_files_name_file_line_and_key() {
        let b = baseline();
        for (text, needle) in [
            (
                "[targets]\nretention = { value = 0.9, sd = 0.01 }\n[free]\n\"churn.competitive\" = { min = 0.01, max = 0.03 }\n",
                "t.toml:2: `retention` is not a metric of summary.json",
            ),
            (
                "[targets]\nannual_retention = { value = 0.9, sd = 0 }\n[free]\n\"churn.competitive\" = { min = 0.01, max = 0.03 }\n",
                "t.toml:2: `annual_retention` sd must be a finite number above 0",
            ),
            (
                "[targets]\nannual_retention = { value = 0.9 }\n[free]\n\"churn.competitive\" = { min = 0.01, max = 0.03 }\n",
                "t.toml:2: `annual_retention` must be { value = V, sd = S }",
            ),
            (
                "[targets]\nannual_retention = { value = 0.9, sd = 0.01 }\n[free]\n\n\"churn.nope\" = { min = 0.01, max = 0.03 }\n",
                "t.toml:5: `churn.nope` is not a numeric key",
            ),
            (
                "[targets]\nannual_retention = { value = 0.9, sd = 0.01 }\n[free]\n\"churn.competitive\" = { min = 0.03, max = 0.01 }\n",
                "t.toml:4: `churn.competitive` needs finite min < max",
            ),
            (
                "[targets]\nannual_retention = { value = 0.9, sd = 0.01 }\n[abc]\nx = 1\n",
                "t.toml:3: unknown table `abc`",
            ),
            (
                "[targets]\nannual_retention = { value = 0.9, sd = 0.01 }\n",
                "no `[free]` table",
            ),
            ("[targets\n", "t.toml:1"),
        ] {
            let e = TargetsFile::parse(text, Path::new("t.toml"), &b)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{text}\n{e}");
        }
    }

    #[test]
    fn size_dependent_targets_are_refused_on_a_smaller_bank() {
        let b = baseline();
        let text = "[targets]\nannual_retention = { value = 0.9, sd = 0.01 }\nnpv = { value = 8e6, sd = 1e6 }\n[free]\n\"churn.competitive\" = { min = 0.01, max = 0.03 }\n";
        let f = TargetsFile::parse(text, Path::new("t.toml"), &b).unwrap();
        assert!(f.check_against(&b, &b).is_ok());
        let small = b
            .edited(&[Edit::set_value("simulation.customers", toml::Value::Integer(500))])
            .unwrap();
        let e = f.check_against(&b, &small).unwrap_err().to_string();
        assert!(e.contains("t.toml:3: `npv` grows with the bank's size"), "{e}");
    }

    #[test]
    fn weighted_summaries_and_kernel_densities_are_right() {
        let p = weighted(&[1.0, 2.0, 3.0, 4.0], &[0.25; 4]);
        assert!((p.mean - 2.5).abs() < 1e-12 && (p.sd - 1.25f64.sqrt()).abs() < 1e-12);
        assert_eq!(p.p, [1.0, 2.0, 4.0]);
        // A two-particle population: the kernel's covariance is twice theirs.
        let pop: Vec<Particle> = [[0.4, 0.5], [0.6, 0.5]]
            .iter()
            .map(|u| Particle {
                u: u.to_vec(),
                weight: 1.0,
                rho: 0.0,
            })
            .collect();
        let k = Kernel::of(&pop, &[0.5, 0.5]);
        let s0 = (2.0f64 * 0.01).sqrt();
        let s1 = (1e-8f64).sqrt();
        let expect = 1.0 / (2.0 * std::f64::consts::PI * s0 * s1);
        assert!((k.density(&[0.4, 0.5], &[0.4, 0.5]) / expect - 1.0).abs() < 1e-9);
        let moved = k.step(&[0.4, 0.5], &[1.0, 0.0]);
        assert!((moved[0] - 0.4 - s0).abs() < 1e-12 && moved[1] == 0.5, "{moved:?}");
    }

    #[test]
    fn the_search_recovers_an_analytic_posterior_of_a_noisy_model() {
        // Statistics s1 = u0 + noise (sd 0.02) and s2 = u0 + u1, observed 0.3 +- 0.05 and
        // 0.9 +- 0.08, uniform priors. The posterior is Gaussian: u0 ~ N(0.3, 0.05^2 + 0.02^2),
        // u1 = s2 - u0 with s2 ~ N(0.9, 0.08^2), so corr(u0, u1) is negative.
        let mut noise = sample::analysis_rng(11, "test.noise");
        let mut simulate = |units: &[Vec<f64>]| -> Result<Vec<f64>> {
            Ok(units
                .iter()
                .map(|u| {
                    let e: f64 = StandardNormal.sample(&mut noise);
                    let s1 = u[0] + 0.02 * e;
                    (((s1 - 0.3) / 0.05).powi(2) + ((u[0] + u[1] - 0.9) / 0.08).powi(2)).sqrt()
                })
                .collect())
        };
        let options = Options {
            particles: 2000,
            max_generations: 30,
            points: 1000,
            ..Options::default()
        };
        let (_, pop) = abc(2, &options, 3, &mut simulate).unwrap();
        let (w, _) = posterior_weights(&pop);
        let col = |d: usize| pop.iter().map(|p| p.u[d]).collect::<Vec<_>>();
        let (a, b) = (weighted(&col(0), &w), weighted(&col(1), &w));
        let sd0 = (0.05f64.powi(2) + 0.02f64.powi(2)).sqrt();
        let sd1 = (sd0 * sd0 + 0.08f64.powi(2)).sqrt();
        let corr = pop
            .iter()
            .zip(&w)
            .map(|(p, w)| w * (p.u[0] - a.mean) * (p.u[1] - b.mean))
            .sum::<f64>()
            / (a.sd * b.sd);
        let expect_corr = -sd0 * sd0 / (sd0 * sd1);
        // With an effective sample of several hundred, means are within ~0.01, sds within ~15%.
        assert!((a.mean - 0.3).abs() < 0.012, "mean u0 {}", a.mean);
        assert!((b.mean - 0.6).abs() < 0.02, "mean u1 {}", b.mean);
        assert!((a.sd / sd0 - 1.0).abs() < 0.2, "sd u0 {} vs {sd0}", a.sd);
        assert!((b.sd / sd1 - 1.0).abs() < 0.2, "sd u1 {} vs {sd1}", b.sd);
        assert!((corr - expect_corr).abs() < 0.15, "corr {corr} vs {expect_corr}");
    }

    #[test]
    fn relative_paths_climb_to_the_common_folder() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("out/cal")).unwrap();
        std::fs::create_dir_all(d.path().join("scenarios")).unwrap();
        std::fs::write(d.path().join("scenarios/bank.toml"), "").unwrap();
        assert_eq!(
            relative(&d.path().join("out/cal"), &d.path().join("scenarios/bank.toml")),
            "../../scenarios/bank.toml"
        );
    }
}
