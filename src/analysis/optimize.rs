//! `spc optimize`: the best setting of a few levers, optionally under an annual
//! budget, for a noisy simulator, with a statement of how sure the choice is.
//!
//! Three stages, all designs of the experiment layer:
//!
//! 1. **Sample average approximation** (SAA; Kleywegt, Shapiro & Homem-de-Mello
//!    2002) on common random numbers: every candidate is simulated on the same
//!    replications `0..R` (the same keyed streams), so the objective is one
//!    deterministic function of the levers, and two candidates differ by policy,
//!    not by luck.
//! 2. **Search** on each lever's lattice (its `step`, or 1/64 of its range): the
//!    scenario as it stands and Sobol' points as a space-filling start, then a
//!    generalised pattern search from the best of them (Torczon 1997): a complete
//!    compass poll of +/- one mesh step per lever, a move to the best poll point that
//!    improves, the mesh halved after a poll that does not, down to one lattice step.
//!    With a budget, a candidate above it is moved back along the line towards the
//!    levers' minimums until it fits, and down onto its lattice (a projection), so
//!    no candidate evaluated or reported ever exceeds the budget; at the budget the
//!    projected polls trade one lever against the others, and together they span the
//!    directions along it, as pattern search under a linear constraint needs (Lewis &
//!    Torczon 2000).
//! 3. **Ranking and selection** on fresh replications (indices `R..R+N`, never seen
//!    by the search, so the winner's luck in the search does not carry over): the
//!    best `K` candidates of the search are simulated again with the scenario as it
//!    stands; the finalist with the best objective is chosen, and one-sided Bonferroni
//!    paired comparisons against it (multiple comparisons with the best, Hsu 1984;
//!    with common random numbers, Nelson & Matejcik 1995) state with 95% confidence
//!    how far below the best finalist it can be at most. With a `margin`, a second
//!    stage adds replications until that statement reaches the margin (the two-stage
//!    sample size of Clark & Yang 1986, from the first stage's paired variances).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::{Map, Value, json};
use statrs::distribution::{ContinuousCDF, StudentsT};

use super::design::{ParamsFile, Spread, line_of};
use super::sample;
use crate::error::{Error, Result, Usage};
use crate::experiment::{Design, Observe, RunOptions};
use crate::metrics::Metric;
use crate::scenario::{Edit, Scenario, read_text};
use crate::stats::{Summary, quantile_sorted, sorted_finite};

/// What the search maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// Mean NPV over replications (EUR).
    Npv,
    /// 10th percentile of NPV over replications (EUR): the bad-luck outcome.
    P10Npv,
    /// Share of replications whose NPV beats the scenario as it stands (paired, 0-1).
    PBetter,
}

impl Objective {
    /// The objective's name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Npv => "npv",
            Objective::P10Npv => "p10_npv",
            Objective::PBetter => "p_better",
        }
    }

    /// The objective in words, with its unit.
    pub fn label(self) -> &'static str {
        match self {
            Objective::Npv => "mean NPV (EUR)",
            Objective::P10Npv => "10th percentile of NPV (EUR)",
            Objective::PBetter => "share of replications beating the scenario (0-1)",
        }
    }

    /// Per replication, the values the objective is the mean of (NPV, or whether NPV
    /// beats the scenario's); `None` for a quantile.
    fn per_replication(self, npv: &[f64], base: &[f64]) -> Option<Vec<f64>> {
        match self {
            Objective::Npv => Some(npv.to_vec()),
            Objective::PBetter => Some(npv.iter().zip(base).map(|(a, b)| f64::from(u8::from(a > b))).collect()),
            Objective::P10Npv => None,
        }
    }

    /// The objective of NPVs `npv` (per replication) against the scenario's `base`.
    pub fn value(self, npv: &[f64], base: &[f64]) -> f64 {
        match self.per_replication(npv, base) {
            Some(v) => mean(&v),
            None => quantile_sorted(&sorted_finite(npv.iter().copied()), 0.1),
        }
    }

    /// The objective with its 95% interval: Student t for a mean, a paired
    /// bootstrap percentile interval for the 10th percentile.
    pub fn estimate(self, npv: &[f64], base: &[f64], seed: u64) -> Stat {
        match self.per_replication(npv, base) {
            Some(v) => Stat::of(&Summary::of(v)),
            None => {
                let mut rng = sample::analysis_rng(seed, "analysis.optimize.bootstrap");
                let n = npv.len();
                let mut boot: Vec<f64> = (0..RESAMPLES)
                    .map(|_| {
                        let pick: Vec<f64> = (0..n).map(|_| npv[sample::index(&mut rng, n)]).collect();
                        self.value(&pick, base)
                    })
                    .collect();
                boot.sort_by(f64::total_cmp);
                Stat {
                    mean: self.value(npv, base),
                    ci95: [quantile_sorted(&boot, 0.025), quantile_sorted(&boot, 0.975)],
                }
            }
        }
    }
}

/// Bootstrap resamples behind a quantile's interval and standard error.
const RESAMPLES: usize = 1000;

/// Lattice points of a lever given without a step.
pub const RESOLUTION: u32 = 64;

/// Confidence of the selection statement.
pub const CONFIDENCE: f64 = 0.95;

/// An estimate with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stat {
    /// The estimate (for a percentile, the percentile itself).
    pub mean: f64,
    /// 95% interval.
    pub ci95: [f64; 2],
}

impl Stat {
    fn of(s: &Summary) -> Stat {
        Stat {
            mean: s.mean,
            ci95: s.ci95,
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// One lever the search varies, on the lattice `min + i * step`, `i` in `0..=steps`.
#[derive(Debug, Clone, PartialEq)]
pub struct Knob {
    /// The lever's name in `[levers]`, e.g. `training`.
    pub name: String,
    /// Lowest value.
    pub min: f64,
    /// Highest value.
    pub max: f64,
    /// Lattice step (the file's `step`, or the range over [`RESOLUTION`]; whole FTE for `staff`).
    pub step: f64,
    /// Lattice steps from `min` to the highest point at or below `max`.
    pub steps: u32,
}

impl Knob {
    fn new(name: &str, min: f64, max: f64, step: Option<f64>) -> Knob {
        let step = step.unwrap_or_else(|| {
            let fine = (max - min) / f64::from(RESOLUTION);
            if name == "staff" { fine.ceil().max(1.0) } else { fine }
        });
        Knob {
            name: name.to_string(),
            min,
            max,
            step,
            steps: ((max - min) / step + 1e-9).floor() as u32,
        }
    }

    /// The value at lattice point `i`.
    pub fn value(&self, i: u32) -> f64 {
        (self.min + f64::from(i) * self.step).min(self.max)
    }

    /// The lattice point nearest `v`.
    pub fn nearest(&self, v: f64) -> u32 {
        ((v - self.min) / self.step).round().clamp(0.0, f64::from(self.steps)) as u32
    }

    fn key(&self) -> String {
        format!("levers.{}", self.name)
    }
}

/// Reads a levers file: `[levers]` with `LEVER = { min, max[, step] }` for levers of
/// `scenario`. Errors name the file, the line (from toml's spans) and the key.
pub fn load_levers(path: &Path, scenario: &Scenario) -> Result<Vec<Knob>> {
    let text = read_text(path)?;
    let file = ParamsFile::parse(&text, path, "levers", scenario)?;
    if file.design.is_some() {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            line: line_of(&text, &["design"]),
            message: "`[design]` belongs to a sweep's design file; a levers file holds only `[levers]`".into(),
        });
    }
    let mut knobs: Vec<Knob> = Vec::new();
    for f in &file.factors {
        let name = f.key.strip_prefix("levers.").unwrap_or(&f.key);
        let written = if line_of(&text, &["levers", name]).is_some() {
            name
        } else {
            f.key.as_str()
        };
        let invalid = |message: String| Error::Invalid {
            path: path.to_path_buf(),
            line: line_of(&text, &["levers", written]),
            key: written.to_string(),
            message,
        };
        if !f.key.starts_with("levers.") || name.contains('.') {
            return Err(invalid(format!(
                "is not a lever; optimize varies levers of `[levers]`: {}",
                lever_names(scenario).join(", ")
            )));
        }
        let Spread::Range { min, max, step } = f.spread else {
            return Err(invalid(
                "is a distribution; a lever to optimize takes a range { min, max[, step] }".into(),
            ));
        };
        if knobs.iter().any(|k| k.name == name) {
            return Err(invalid("is given twice".into()));
        }
        knobs.push(Knob::new(name, min, max, step));
    }
    Ok(knobs)
}

/// The lever names of a scenario, in schema order.
fn lever_names(scenario: &Scenario) -> Vec<&'static str> {
    let mut out = Vec::new();
    let _ = scenario.levers.try_map::<(), ()>(|k, _, _| {
        out.push(k);
        Ok(())
    });
    out
}

/// The lowest and highest value lever `name` of `scenario` takes (over its schedule
/// and distribution).
fn lever_span(scenario: &Scenario, name: &str) -> (f64, f64) {
    let mut out = (f64::NAN, f64::NAN);
    let _ = scenario.levers.try_map::<(), ()>(|k, _, l| {
        if k == name {
            out = (l.lower(), l.upper());
        }
        Ok(())
    });
    out
}

/// How a lever costs money each year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cost {
    /// EUR per FTE per year: times staff.
    PerFte,
    /// Head count or pay: staff x salary x pay index (counted once for both).
    Salaries,
    /// EUR per year as it stands.
    Budget,
    /// Share of customers contacted per month: x customers x 12 x follow-up cost.
    Contacts,
    /// Not spending (the price).
    Nothing,
}

fn cost(name: &str) -> Option<Cost> {
    Some(match name {
        "training" => Cost::PerFte,
        "staff" | "pay_index" => Cost::Salaries,
        "process" | "recovery" | "marketing" | "ambience" => Cost::Budget,
        "followup" => Cost::Contacts,
        "price_index" => Cost::Nothing,
        _ => return None,
    })
}

/// The annual spend (EUR/year) of the levers `knobs` at `values`, the quantity
/// `--budget` bounds: training x staff; staff x salary x pay index (once, if either
/// is varied); process, recovery, marketing and ambience as they are; follow-up
/// share x customers at month 0 x 12 x cost per contact; the price spends nothing.
/// Staff is rounded to whole FTE as the model employs them. A lever that is not
/// varied enters at the largest value its schedule (or distribution) takes, as do
/// salary and the cost per contact, so the bound holds in every month and draw.
pub fn annual_spend(scenario: &Scenario, knobs: &[Knob], values: &[f64]) -> f64 {
    let get = |name: &str| {
        knobs
            .iter()
            .position(|k| k.name == name)
            .map_or_else(|| lever_span(scenario, name).1, |i| values[i])
    };
    let staff = get("staff").round().max(1.0);
    let salaries = staff * scenario.params.employees.salary.upper() * get("pay_index");
    let mut paid = false;
    knobs
        .iter()
        .zip(values)
        .map(|(k, &v)| match cost(&k.name) {
            Some(Cost::PerFte) => v * staff,
            Some(Cost::Salaries) if !paid => {
                paid = true;
                salaries
            }
            Some(Cost::Budget) => v,
            Some(Cost::Contacts) => {
                v * f64::from(scenario.customers) * 12.0 * scenario.params.loyalty.followup_cost.upper()
            }
            Some(Cost::Salaries | Cost::Nothing) | None => 0.0,
        })
        .sum()
}

/// What to optimise and how hard.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The objective.
    pub objective: Objective,
    /// Largest annual spend of the varied levers (EUR/year), see [`annual_spend`].
    pub budget: Option<f64>,
    /// Candidates taken to the selection stage.
    pub finalists: usize,
    /// Fresh replications of the selection's first stage (at least 2).
    pub fresh: u32,
    /// Most fresh replications with a margin.
    pub max_fresh: u32,
    /// The margin the selection statement should reach (objective units), if any.
    pub margin: Option<f64>,
    /// Most candidates the search evaluates.
    pub max_evaluations: usize,
    /// Also evaluate slices of the response through the chosen point (for the charts).
    pub slices: bool,
}

/// The levers' ranges and lattice steps, as files record them.
fn knobs_json(knobs: &[Knob]) -> Value {
    knobs
        .iter()
        .map(|k| json!({"name": k.name, "min": k.min, "max": k.max, "step": k.step}))
        .collect()
}

impl Settings {
    /// What `manifest.json` records of an optimisation: the levers and these settings.
    pub fn record(&self, knobs: &[Knob]) -> Value {
        json!({
            "levers": knobs_json(knobs),
            "objective": self.objective.name(),
            "budget": self.budget,
            "finalists": self.finalists,
            "fresh": self.fresh,
            "max_fresh": self.max_fresh,
            "margin": self.margin,
            "max_evaluations": self.max_evaluations,
            "slices": self.slices,
        })
    }
}

/// Why a candidate was evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// The space-filling start (the scenario as it stands and Sobol' points).
    Start,
    /// A poll of the pattern search.
    Poll,
    /// A slice through the chosen point (charts only; never a candidate).
    Slice,
}

/// One candidate simulated on the search replications.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    /// Why it was evaluated.
    pub stage: Stage,
    /// Lever values, in the order of the levers file.
    pub levers: Vec<f64>,
    /// Annual spend of the varied levers (EUR/year).
    pub annual_spend: f64,
    /// The objective on the search replications.
    pub objective: f64,
    /// Mean NPV on the search replications (EUR; breaks ties).
    pub npv: f64,
    #[serde(skip)]
    point: Vec<u32>,
    #[serde(skip)]
    npvs: Vec<f64>,
}

impl Evaluation {
    /// Whether this candidate beats `other`: higher objective, then higher mean NPV.
    fn beats(&self, other: &Evaluation) -> bool {
        (self.objective, self.npv)
            .partial_cmp(&(other.objective, other.npv))
            .is_some_and(|o| o.is_gt())
    }
}

/// One finalist of the selection, on the fresh replications.
#[derive(Debug, Clone, Serialize)]
pub struct Finalist {
    /// Lever values.
    pub levers: Vec<f64>,
    /// Annual spend (EUR/year).
    pub annual_spend: f64,
    /// The objective on the search replications.
    pub search_objective: f64,
    /// The objective on the fresh replications.
    pub objective: Stat,
    /// NPV on the fresh replications (EUR).
    pub npv: Stat,
    /// 10th percentile of NPV on the fresh replications (EUR).
    pub p10_npv: f64,
    /// Paired NPV difference against the scenario as it stands (EUR).
    pub delta_npv: Stat,
    /// Objective of the chosen finalist minus this one's (fresh replications).
    pub behind_chosen: f64,
    /// Lower 95% Bonferroni bound of `behind_chosen` (the chosen finalist's objective
    /// minus this one's is at least this).
    pub behind_chosen_lower: f64,
}

/// A finished optimisation.
#[derive(Debug, Clone)]
pub struct Optimization {
    /// The levers, in file order.
    pub knobs: Vec<Knob>,
    /// What was asked.
    pub settings: Settings,
    /// Seed, search replications, threads.
    pub run: RunOptions,
    /// Every candidate simulated on the search replications, in order.
    pub evaluations: Vec<Evaluation>,
    /// The finalists, in the order of their search objective; `chosen` indexes them.
    pub finalists: Vec<Finalist>,
    /// The chosen finalist.
    pub chosen: usize,
    /// The best candidate of the search (index into `evaluations`).
    pub search_best: usize,
    /// Fresh replications per finalist.
    pub fresh: u32,
    /// With [`CONFIDENCE`], the chosen finalist's objective is at most this below the best finalist's.
    pub margin: f64,
    /// The scenario as it stands: its name, lever values and objective on the fresh replications.
    pub scenario: (String, Vec<f64>, Stat),
    /// Per lever: (value, objective with 95% interval) through the chosen point.
    pub slices: Vec<Vec<(f64, Stat)>>,
    /// Replications simulated in all.
    pub simulated: u64,
    /// Wall-clock time (s).
    pub elapsed: f64,
}

/// Units run per batch: bounded so that only metrics, not monthly records, pile up.
const BATCH_UNITS: usize = 256;

/// The search: its candidates so far and how to simulate more.
struct Search<'a> {
    scenario: &'a Scenario,
    knobs: &'a [Knob],
    settings: Settings,
    run: &'a RunOptions,
    observer: &'a dyn Observe,
    /// The scenario's NPV on each search replication.
    base: Vec<f64>,
    evaluations: Vec<Evaluation>,
    seen: BTreeMap<Vec<u32>, usize>,
    simulated: u64,
}

impl Search<'_> {
    fn values(&self, point: &[u32]) -> Vec<f64> {
        self.knobs.iter().zip(point).map(|(k, &i)| k.value(i)).collect()
    }

    fn spend(&self, point: &[u32]) -> f64 {
        annual_spend(self.scenario, self.knobs, &self.values(point))
    }

    fn fits(&self, point: &[u32]) -> bool {
        self.settings.budget.is_none_or(|b| self.spend(point) <= b)
    }

    /// `point`, or with a budget the point moved towards the minimums until it fits and
    /// down onto the lattice; `None` if nothing on that line fits.
    fn project(&self, point: Vec<u32>) -> Option<Vec<u32>> {
        let Some(budget) = self.settings.budget else {
            return Some(point);
        };
        if self.fits(&point) {
            return Some(point);
        }
        let along = |t: f64| -> Vec<f64> {
            self.knobs
                .iter()
                .zip(&point)
                .map(|(k, &i)| k.min + t * (k.value(i) - k.min))
                .collect()
        };
        let (mut lo, mut hi) = (0.0, 1.0);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if annual_spend(self.scenario, self.knobs, &along(mid)) <= budget {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let moved: Vec<u32> = point.iter().map(|&i| (lo * f64::from(i)).floor() as u32).collect();
        self.fits(&moved).then_some(moved)
    }

    /// NPV per replication `reps` of each of `points` (and of the scenario as it
    /// stands, last, with `base`).
    fn simulate(&mut self, points: &[Vec<u32>], base: bool, reps: std::ops::Range<u64>) -> Result<Vec<Vec<f64>>> {
        let mut variants = Vec::with_capacity(points.len() + 1);
        for (n, p) in points.iter().enumerate() {
            let edits: Vec<Edit> = self
                .knobs
                .iter()
                .zip(p)
                .map(|(k, &i)| Edit::set(&k.key(), k.value(i)))
                .collect();
            let name = format!("{}@{}", self.scenario.name, self.evaluations.len() + n);
            variants.push(self.scenario.edited(&edits)?.renamed(&name));
        }
        if base {
            variants.push(self.scenario.clone());
        }
        let design = Design::new(variants, self.run.clone())?;
        let units = design.units_between(reps.start, reps.end);
        let per = (reps.end - reps.start) as usize;
        let mut out = vec![vec![f64::NAN; per]; design.variants.len()];
        for chunk in units.chunks(BATCH_UNITS) {
            let (outcomes, _) = design.run_units(chunk, self.observer)?;
            for (u, rep) in outcomes {
                let npv = rep.metrics.get(Metric::Npv);
                if !npv.is_finite() {
                    return Err(Error::NonFinite {
                        scenario: design.variants[u.variant].name.clone(),
                        replication: u.replication as usize,
                        metric: "npv".into(),
                        value: npv,
                    });
                }
                out[u.variant][(u.replication - reps.start) as usize] = npv;
            }
        }
        self.simulated += units.len() as u64;
        Ok(out)
    }

    /// Evaluates `points` on the search replications (each once; a point seen before
    /// is not simulated again) and returns their evaluation indices.
    fn evaluate(&mut self, stage: Stage, points: Vec<Vec<u32>>) -> Result<Vec<usize>> {
        let mut fresh: Vec<Vec<u32>> = Vec::new();
        for p in &points {
            if !self.seen.contains_key(p) && !fresh.contains(p) {
                fresh.push(p.clone());
            }
        }
        let room = self.settings.max_evaluations.saturating_sub(self.evaluations.len());
        if stage != Stage::Slice {
            fresh.truncate(room);
        }
        if !fresh.is_empty() {
            let npvs = self.simulate(&fresh, false, 0..u64::from(self.run.replications))?;
            for (point, npvs) in fresh.into_iter().zip(npvs) {
                self.seen.insert(point.clone(), self.evaluations.len());
                let levers = self.values(&point);
                self.evaluations.push(Evaluation {
                    stage,
                    annual_spend: annual_spend(self.scenario, self.knobs, &levers),
                    levers,
                    objective: self.settings.objective.value(&npvs, &self.base),
                    npv: mean(&npvs),
                    point,
                    npvs,
                });
            }
        }
        Ok(points.iter().filter_map(|p| self.seen.get(p).copied()).collect())
    }

    fn best(&self, among: &[usize]) -> Option<usize> {
        among.iter().copied().fold(None, |best, i| match best {
            Some(b) if !self.evaluations[i].beats(&self.evaluations[b]) => Some(b),
            _ => Some(i),
        })
    }

    /// The start and the pattern search; returns the best evaluation.
    fn search(&mut self) -> Result<usize> {
        let k = self.knobs.len();
        let here: Vec<u32> = self
            .knobs
            .iter()
            .map(|kn| {
                let (lo, hi) = lever_span(self.scenario, &kn.name);
                kn.nearest(0.5 * (lo + hi))
            })
            .collect();
        let lattice = |u: &[f64]| -> Vec<u32> {
            self.knobs
                .iter()
                .zip(u)
                .map(|(kn, &x)| kn.nearest(kn.min + x * (kn.max - kn.min)))
                .collect()
        };
        let start: Vec<Vec<u32>> = std::iter::once(here)
            .chain(sample::sobol(4 + 4 * k, k).iter().map(|u| lattice(u)))
            .filter_map(|p| self.project(p))
            .collect();
        let first = self.evaluate(Stage::Start, start)?;
        let mut current = self.best(&first).ok_or_else(|| {
            Error::Options("no candidate fits the budget: raise the budget or lower the levers' minimums".into())
        })?;
        let mut level = 0u32;
        while self.evaluations.len() < self.settings.max_evaluations {
            let mesh: Vec<u32> = self
                .knobs
                .iter()
                .map(|kn| (kn.steps >> (level + 2).min(31)).max(1))
                .collect();
            let at = self.evaluations[current].point.clone();
            let mut polls = Vec::with_capacity(2 * k);
            for (i, kn) in self.knobs.iter().enumerate() {
                for up in [true, false] {
                    let mut p = at.clone();
                    p[i] = if up {
                        (at[i] + mesh[i]).min(kn.steps)
                    } else {
                        at[i].saturating_sub(mesh[i])
                    };
                    if let Some(p) = self.project(p)
                        && p != at
                    {
                        polls.push(p);
                    }
                }
            }
            let polled = self.evaluate(Stage::Poll, polls)?;
            match self.best(&polled) {
                Some(b) if self.evaluations[b].beats(&self.evaluations[current]) => current = b,
                _ if mesh.iter().all(|&m| m == 1) => break,
                _ => level += 1,
            }
        }
        Ok(current)
    }
}

/// Student t quantile `p` with `df` degrees of freedom.
fn t_quantile(p: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(p))
}

/// The selection's paired statistics on fresh replications.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// The chosen finalist (best objective, then best mean NPV).
    pub chosen: usize,
    /// Per finalist: the chosen objective minus this one's.
    pub behind: Vec<f64>,
    /// Per finalist: the lower Bonferroni bound of `behind`.
    pub lower: Vec<f64>,
    /// The chosen finalist is at most this below the best finalist (with [`CONFIDENCE`]).
    pub margin: f64,
}

/// The Bonferroni critical value of `k` finalists with `n0` first-stage replications.
pub fn critical(k: usize, n0: usize) -> f64 {
    let comparisons = k.saturating_sub(1).max(1) as f64;
    t_quantile(1.0 - (1.0 - CONFIDENCE) / comparisons, (n0 as f64 - 1.0).max(1.0))
}

/// Per pair of finalists, the standard deviation of one replication's paired
/// difference of the objective (for a quantile: its paired bootstrap standard
/// error times the square root of the replications).
pub fn paired_sd(objective: Objective, npv: &[Vec<f64>], base: &[f64], seed: u64) -> Vec<Vec<f64>> {
    let k = npv.len();
    let n = base.len();
    let mut sd = vec![vec![0.0; k]; k];
    let mut rng = sample::analysis_rng(seed, "analysis.optimize.paired");
    for i in 0..k {
        for j in 0..i {
            let s = match (
                objective.per_replication(&npv[i], base),
                objective.per_replication(&npv[j], base),
            ) {
                (Some(a), Some(b)) => Summary::of(a.iter().zip(&b).map(|(x, y)| x - y)).sd,
                _ => {
                    let d: Vec<f64> = (0..RESAMPLES)
                        .map(|_| {
                            let rows: Vec<usize> = (0..n).map(|_| sample::index(&mut rng, n)).collect();
                            let pick = |v: &[f64]| rows.iter().map(|&r| v[r]).collect::<Vec<f64>>();
                            objective.value(&pick(&npv[i]), base) - objective.value(&pick(&npv[j]), base)
                        })
                        .collect();
                    Summary::of(d).sd * (n as f64).sqrt()
                }
            };
            let s = if s.is_finite() { s } else { 0.0 };
            sd[i][j] = s;
            sd[j][i] = s;
        }
    }
    sd
}

/// Fresh replications needed so that `h * sd / sqrt(n)` is at most `margin` for every pair.
pub fn sample_size(sd: &[Vec<f64>], h: f64, margin: f64, n0: u32, max: u32) -> u32 {
    let worst = sd.iter().flatten().copied().fold(0.0, f64::max);
    let need = (h * worst / margin).powi(2).ceil();
    if need.is_finite() {
        (need as u32).clamp(n0, max.max(n0))
    } else {
        max.max(n0)
    }
}

/// Chooses the best finalist on `npv` (per finalist, per fresh replication) and
/// states how far below the best it can be: with `sd` from the first stage and `h`
/// its critical value, the chosen objective minus finalist `j`'s is at least
/// `behind_j - h * sd_cj / sqrt(n)` for all `j` at once with [`CONFIDENCE`]
/// (Bonferroni), so the chosen is at most the largest shortfall below the best.
pub fn select(objective: Objective, npv: &[Vec<f64>], base: &[f64], sd: &[Vec<f64>], h: f64) -> Selection {
    let score: Vec<(f64, f64)> = npv.iter().map(|v| (objective.value(v, base), mean(v))).collect();
    let chosen = (0..npv.len()).fold(0, |best, i| {
        if score[i].partial_cmp(&score[best]).is_some_and(|o| o.is_gt()) {
            i
        } else {
            best
        }
    });
    let n = base.len() as f64;
    let behind: Vec<f64> = score.iter().map(|s| score[chosen].0 - s.0).collect();
    let lower: Vec<f64> = behind
        .iter()
        .enumerate()
        .map(|(j, &d)| {
            if j == chosen {
                0.0
            } else {
                d - h * sd[chosen][j] / n.sqrt()
            }
        })
        .collect();
    let margin = lower.iter().fold(0.0, |m: f64, &l| m.max(-l));
    Selection {
        chosen,
        behind,
        lower,
        margin,
    }
}

/// Runs the search, the selection and the slices on `scenario`; `run.replications`
/// are the search replications.
pub fn run(
    scenario: &Scenario,
    knobs: &[Knob],
    settings: Settings,
    run: &RunOptions,
    observer: &dyn Observe,
) -> Result<Optimization> {
    let clock = std::time::Instant::now();
    check(scenario, knobs, &settings)?;
    let mut s = Search {
        scenario,
        knobs,
        settings,
        run,
        observer,
        base: Vec::new(),
        evaluations: Vec::new(),
        seen: BTreeMap::new(),
        simulated: 0,
    };
    let r = u64::from(run.replications);
    s.base = s.simulate(&[], true, 0..r)?.remove(0);
    let search_best = s.search()?;

    // Finalists: the best distinct candidates of the search.
    let mut order: Vec<usize> = (0..s.evaluations.len()).collect();
    order.sort_by(|&a, &b| {
        let (ea, eb) = (&s.evaluations[a], &s.evaluations[b]);
        (eb.objective, eb.npv)
            .partial_cmp(&(ea.objective, ea.npv))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    order.truncate(settings.finalists.max(1));
    let points: Vec<Vec<u32>> = order.iter().map(|&i| s.evaluations[i].point.clone()).collect();

    // Selection on fresh replications r.., first stage then (with a margin) second.
    let n0 = settings.fresh.max(2);
    let mut fresh = s.simulate(&points, true, r..r + u64::from(n0))?;
    let mut base = fresh.pop().unwrap_or_default();
    let sd = paired_sd(settings.objective, &fresh, &base, run.seed);
    let h = critical(points.len(), n0 as usize);
    let n = match settings.margin {
        Some(m) => sample_size(&sd, h, m, n0, settings.max_fresh),
        None => n0,
    };
    if n > n0 {
        let mut more = s.simulate(&points, true, r + u64::from(n0)..r + u64::from(n))?;
        base.extend(more.pop().unwrap_or_default());
        for (f, m) in fresh.iter_mut().zip(more) {
            f.extend(m);
        }
    }
    let pick = select(settings.objective, &fresh, &base, &sd, h);
    let finalists: Vec<Finalist> = order
        .iter()
        .zip(&fresh)
        .enumerate()
        .map(|(j, (&e, npv))| {
            let ev = &s.evaluations[e];
            Finalist {
                levers: ev.levers.clone(),
                annual_spend: ev.annual_spend,
                search_objective: ev.objective,
                objective: settings.objective.estimate(npv, &base, run.seed),
                npv: Stat::of(&Summary::of(npv.iter().copied())),
                p10_npv: Objective::P10Npv.value(npv, &base),
                delta_npv: Stat::of(&Summary::of(npv.iter().zip(&base).map(|(a, b)| a - b))),
                behind_chosen: pick.behind[j],
                behind_chosen_lower: pick.lower[j],
            }
        })
        .collect();
    let current: Vec<f64> = knobs
        .iter()
        .map(|k| {
            let (lo, hi) = lever_span(scenario, &k.name);
            0.5 * (lo + hi)
        })
        .collect();
    let scenario_stat = settings.objective.estimate(&base, &base, run.seed);

    // Slices through the chosen point, on the search replications, inside the budget.
    let mut slices = Vec::new();
    if settings.slices {
        let at = points[pick.chosen].clone();
        for (i, kn) in knobs.iter().enumerate() {
            let stride = (kn.steps / 8).max(1);
            let line: Vec<Vec<u32>> = (-3i64..=3)
                .filter_map(|j| {
                    let v = i64::from(at[i]) + j * i64::from(stride);
                    let mut p = at.clone();
                    p[i] = u32::try_from(v).ok().filter(|&v| v <= kn.steps)?;
                    s.fits(&p).then_some(p)
                })
                .collect();
            let idx = s.evaluate(Stage::Slice, line)?;
            slices.push(
                idx.iter()
                    .map(|&e| {
                        let ev = &s.evaluations[e];
                        (ev.levers[i], settings.objective.estimate(&ev.npvs, &s.base, run.seed))
                    })
                    .collect(),
            );
        }
    }
    Ok(Optimization {
        knobs: knobs.to_vec(),
        settings,
        run: run.clone(),
        search_best,
        chosen: pick.chosen,
        margin: pick.margin,
        fresh: n,
        finalists,
        scenario: (scenario.name.clone(), current, scenario_stat),
        slices,
        simulated: s.simulated,
        evaluations: s.evaluations,
        elapsed: clock.elapsed().as_secs_f64(),
    })
}

/// Refuses settings that cannot work: an empty levers list, a budget that is not a
/// finite amount or that even the levers' minimums exceed, or that bounds a lever
/// with no defined spend.
fn check(scenario: &Scenario, knobs: &[Knob], settings: &Settings) -> Result<()> {
    if knobs.is_empty() {
        return Err(Error::Options("no levers to optimize".into()));
    }
    if let Some(m) = settings.margin
        && !(m.is_finite() && m > 0.0)
    {
        return Err(Usage::Margin { margin: m }.into());
    }
    let Some(budget) = settings.budget else {
        return Ok(());
    };
    if !(budget.is_finite() && budget >= 0.0) {
        return Err(Usage::Budget {
            budget,
            message: "must be a finite amount of EUR per year, at least 0".into(),
        }
        .into());
    }
    if let Some(k) = knobs.iter().find(|k| cost(&k.name).is_none()) {
        return Err(Usage::Budget {
            budget,
            message: format!(
                "lever `{}` has no defined annual spend; drop it from the levers file or the budget",
                k.name
            ),
        }
        .into());
    }
    let least = annual_spend(scenario, knobs, &knobs.iter().map(|k| k.min).collect::<Vec<_>>());
    if least > budget {
        return Err(Usage::Budget {
            budget,
            message: format!(
                "the levers at their minimums already spend {least:.0} EUR per year; raise the budget or lower the minimums"
            ),
        }
        .into());
    }
    Ok(())
}

impl Optimization {
    fn levers_map(&self, values: &[f64]) -> Value {
        Value::Object(
            self.knobs
                .iter()
                .zip(values)
                .map(|(k, &v)| (k.name.clone(), json!(v)))
                .collect::<Map<String, Value>>(),
        )
    }

    /// The chosen finalist.
    pub fn best(&self) -> &Finalist {
        &self.finalists[self.chosen]
    }

    /// The `optimization.json` document.
    pub fn document(&self) -> Value {
        let best = self.best();
        let finalists: Vec<Value> = self
            .finalists
            .iter()
            .enumerate()
            .map(|(j, f)| {
                json!({
                    "levers": self.levers_map(&f.levers),
                    "chosen": j == self.chosen,
                    "annual_spend": f.annual_spend,
                    "search_objective": f.search_objective,
                    "objective": f.objective,
                    "npv": f.npv,
                    "p10_npv": f.p10_npv,
                    "delta_npv": f.delta_npv,
                    "behind_chosen": {"mean": f.behind_chosen, "lower": f.behind_chosen_lower},
                })
            })
            .collect();
        let evaluations: Vec<Value> = self
            .evaluations
            .iter()
            .enumerate()
            .map(|(i, e)| {
                json!({
                    "evaluation": i,
                    "stage": e.stage,
                    "levers": self.levers_map(&e.levers),
                    "annual_spend": e.annual_spend,
                    "objective": e.objective,
                    "npv": e.npv,
                })
            })
            .collect();
        let sb = &self.evaluations[self.search_best];
        let r = u64::from(self.run.replications);
        json!({
            "objective": self.settings.objective.name(),
            "best": {
                "levers": self.levers_map(&best.levers),
                "objective": best.objective,
                "delta_npv": best.delta_npv,
                "annual_spend": best.annual_spend,
            },
            "selection": {
                "statement": self.statement(),
                "confidence": CONFIDENCE,
                "margin": self.margin,
                "margin_asked": self.settings.margin,
                "finalists": self.finalists.len(),
                "replications": self.fresh,
                "first_stage": self.settings.fresh.max(2),
                "replication_indices": [r, r + u64::from(self.fresh)],
            },
            "scenario": {
                "name": self.scenario.0,
                "levers": self.levers_map(&self.scenario.1),
                "objective": self.scenario.2,
            },
            "budget": self.settings.budget,
            "levers": knobs_json(&self.knobs),
            "search": {
                "replications": self.run.replications,
                "replication_indices": [0, r],
                "best": {"levers": self.levers_map(&sb.levers), "objective": sb.objective, "npv": sb.npv},
            },
            "finalists": finalists,
            "evaluations": evaluations,
            "simulated_replications": self.simulated,
            "seed": self.run.seed,
            "elapsed_seconds": self.elapsed,
        })
    }

    /// The selection's conclusion in one sentence.
    pub fn statement(&self) -> String {
        let unit = match self.settings.objective {
            Objective::PBetter => format!("{:.3}", self.margin),
            _ => format!("{:.0} EUR", self.margin),
        };
        format!(
            "with {:.0}% confidence the chosen levers' {} is at most {unit} below the best of the {} finalists \
             (Bonferroni paired comparisons on {} fresh replications)",
            100.0 * CONFIDENCE,
            self.settings.objective.label(),
            self.finalists.len(),
            self.fresh
        )
    }

    /// Writes `optimization.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        let path = dir.join("optimization.json");
        let text = serde_json::to_string_pretty(&self.document()).map_err(|e| Error::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        std::fs::write(&path, text + "\n").map_err(|source| Error::Write { path, source })
    }

    /// The terminal table: the finalists, the chosen one marked, and the statement.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let names: Vec<&str> = self.knobs.iter().map(|k| k.name.as_str()).collect();
        t.push_str(&format!(
            "  {}  {:>14}  {:>29}  {:>14}\n",
            names.iter().map(|n| format!("{n:>12}")).collect::<Vec<_>>().join(" "),
            self.settings.objective.name(),
            "95% interval",
            "dNPV mean"
        ));
        for (j, f) in self.finalists.iter().enumerate() {
            t.push_str(&format!(
                "{} {}  {:>14.3}  {:>13.3} .. {:>13.3}  {:>14.0}\n",
                if j == self.chosen { '*' } else { ' ' },
                f.levers
                    .iter()
                    .map(|v| format!("{v:>12.4}"))
                    .collect::<Vec<_>>()
                    .join(" "),
                f.objective.mean,
                f.objective.ci95[0],
                f.objective.ci95[1],
                f.delta_npv.mean
            ));
        }
        t.push_str(&format!(
            "{} candidates on {} search replications; {}.\n",
            self.evaluations.len(),
            self.run.replications,
            self.statement()
        ));
        if let Some(asked) = self.settings.margin
            && self.margin > asked
        {
            t.push_str(&format!(
                "The margin asked ({asked}) was not reached within {} fresh replications: raise the cap on fresh replications.\n",
                self.fresh
            ));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sample::analysis_rng;
    use rand::RngExt;

    fn baseline() -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        Scenario::load(&path, &[]).unwrap()
    }

    #[test]
    fn spend_counts_each_lever_once_with_the_others_as_they_stand() {
        let b = baseline();
        let knobs = [
            Knob::new("training", 0.0, 4000.0, None),
            Knob::new("staff", 30.0, 50.0, None),
        ];
        assert_eq!(knobs[1].step, 1.0);
        // 2000 EUR/FTE x 40 FTE + 40 FTE x 40,000 EUR x pay index 1.
        assert_eq!(annual_spend(&b, &knobs, &[2000.0, 40.0]), 80_000.0 + 1_600_000.0);
        let pay = [
            Knob::new("staff", 30.0, 50.0, None),
            Knob::new("pay_index", 0.5, 2.0, None),
        ];
        assert_eq!(annual_spend(&b, &pay, &[40.0, 1.5]), 40.0 * 40_000.0 * 1.5);
        let follow = [
            Knob::new("followup", 0.0, 0.1, None),
            Knob::new("price_index", 0.8, 1.2, None),
        ];
        assert_eq!(annual_spend(&b, &follow, &[0.02, 1.1]), 0.02 * 10_000.0 * 12.0 * 15.0);
    }

    #[test]
    fn projection_lands_inside_the_budget_on_the_lattice() {
        let b = baseline();
        let knobs = vec![
            Knob::new("training", 0.0, 8000.0, Some(250.0)),
            Knob::new("staff", 30.0, 60.0, Some(1.0)),
            Knob::new("recovery", 0.0, 400_000.0, None),
        ];
        let settings = Settings {
            objective: Objective::Npv,
            budget: Some(1_700_000.0),
            finalists: 3,
            fresh: 4,
            max_fresh: 10,
            margin: None,
            max_evaluations: 10,
            slices: false,
        };
        let run = RunOptions {
            seed: 1,
            replications: 1,
            threads: 1,
        };
        let s = Search {
            scenario: &b,
            knobs: &knobs,
            settings,
            run: &run,
            observer: &crate::experiment::Silent,
            base: Vec::new(),
            evaluations: Vec::new(),
            seen: BTreeMap::new(),
            simulated: 0,
        };
        let mut rng = analysis_rng(3, "test");
        for _ in 0..500 {
            let p: Vec<u32> = knobs.iter().map(|k| rng.random_range(0..=k.steps)).collect();
            let q = s.project(p.clone()).unwrap();
            assert!(s.spend(&q) <= 1_700_000.0, "{p:?} -> {q:?}");
            assert!(q.iter().zip(&p).all(|(a, b)| a <= b));
            if s.fits(&p) {
                assert_eq!(p, q);
            }
        }
    }

    /// Synthetic finalists with known means: the statement "the chosen is at most
    /// `margin` below the best" must hold in at least 95% of trials.
    #[test]
    fn the_selection_statement_holds_with_its_stated_confidence() {
        let means = [0.0, -0.15, -0.3, -1.0];
        let (trials, n) = (1000, 20);
        let mut rng = analysis_rng(11, "test.selection");
        let mut held = 0;
        let normal = |rng: &mut crate::rng::SimRng| {
            let (u, v): (f64, f64) = (rng.random(), rng.random());
            (-2.0 * (1.0 - u).ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        for _ in 0..trials {
            let mut npv = vec![Vec::with_capacity(n); means.len()];
            for _ in 0..n {
                let common = normal(&mut rng);
                for (v, m) in npv.iter_mut().zip(means) {
                    v.push(m + common + 0.8 * normal(&mut rng));
                }
            }
            let base = vec![0.0; n];
            let sd = paired_sd(Objective::Npv, &npv, &base, 1);
            let pick = select(Objective::Npv, &npv, &base, &sd, critical(means.len(), n));
            if means[pick.chosen] >= means[0] - pick.margin {
                held += 1;
            }
        }
        // 95% of 1000 trials is 950; three binomial standard deviations below it is 929.
        assert!(held >= 929, "held in {held} of {trials}");
    }

    #[test]
    fn a_margin_sets_the_second_stage_size() {
        let sd = vec![vec![0.0, 2.0], vec![2.0, 0.0]];
        // h = 2, sd = 2, margin 0.5: (2 * 2 / 0.5)^2 = 64.
        assert_eq!(sample_size(&sd, 2.0, 0.5, 10, 1000), 64);
        assert_eq!(sample_size(&sd, 2.0, 0.5, 10, 40), 40);
        assert_eq!(sample_size(&sd, 2.0, 100.0, 10, 1000), 10);
    }
}
