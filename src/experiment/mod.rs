//! The typed experiment layer: every analysis is a design run on the engine.
//!
//! A [`Design`] is a list of variants (checked scenarios; analyses build them
//! as typed [`Edit`](crate::scenario::Edit)s of one scenario) crossed with
//! replications. Replication `r` of every variant draws from the same keyed
//! streams (common random numbers), so differences between variants are
//! differences of policy, not of luck. A design splits into independent work
//! [`Unit`]s (variant, replication): any subset can run on any number of
//! threads, or machines, and [`Design::assemble`] puts the outcomes back in
//! one order, so the result is the same however the work was split.
//!
//! Progress and cancellation reach a run through an [`Observe`]r, never
//! through arguments threaded into the model.

pub mod shard;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::{self, Job};
use crate::error::{Error, Result};
use crate::metrics::{Metric, Metrics, MonthRow, Series};
use crate::scenario::Scenario;
use crate::stats::{Summary, five};

/// How to run a design: seed, replications, threads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOptions {
    /// Master seed of every stream.
    pub seed: u64,
    /// Replications per variant.
    pub replications: u32,
    /// Worker threads (at least 1); results do not depend on it.
    pub threads: usize,
}

impl RunOptions {
    /// Threads to use when the user gives none: every core the process may use.
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    }
}

/// Hears how a run goes and may stop it. Every method has a no-op default.
pub trait Observe: Sync {
    /// `units` more work units are planned (called before they run).
    fn planned(&self, _units: u64) {}
    /// One work unit finished (called from worker threads).
    fn done(&self) {}
    /// Whether the run should stop; asked every simulated month.
    fn cancelled(&self) -> bool {
        false
    }
}

/// An observer that hears nothing and never stops.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observe for Silent {}

/// An observer that stops the run when its flag is set (e.g. by Ctrl-C).
#[derive(Debug, Clone, Copy)]
pub struct Cancel<'a>(pub &'a AtomicBool);

impl Observe for Cancel<'_> {
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Units [`Design::run_batched`] runs at a time: enough to keep every thread busy.
pub const BATCH_UNITS: usize = 256;

/// Passes progress and cancellation on, but not the per-batch plans of work
/// that planned all its units once.
struct Unplanned<'a>(&'a dyn Observe);

impl Observe for Unplanned<'_> {
    fn done(&self) {
        self.0.done();
    }
    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// One independent piece of work: replication `replication` of variant `variant`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Unit {
    /// Index of the variant in the design.
    pub variant: usize,
    /// Replication index (selects the random streams).
    pub replication: u64,
}

/// The outcome of one replication.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replication {
    /// Per-replication metrics.
    pub metrics: Metrics,
    /// One row per month.
    pub monthly: Vec<MonthRow>,
    /// Customer-months simulated.
    pub customer_months: u64,
    /// Sampled encounters (position in the zone, satisfaction response); replication 0 only.
    pub response_sample: Vec<[f32; 2]>,
}

/// Variants x replications on common random numbers.
#[derive(Debug, Clone)]
pub struct Design {
    /// The variants, in the order results are reported.
    pub variants: Vec<Scenario>,
    /// Seed, replications per variant and threads.
    pub options: RunOptions,
}

impl Design {
    /// A design of `variants`, each run for `options.replications` replications.
    pub fn new(variants: Vec<Scenario>, options: RunOptions) -> Result<Design> {
        if variants.is_empty() {
            return Err(Error::Options("an experiment needs at least one scenario".into()));
        }
        if options.replications == 0 {
            return Err(Error::Options("the number of replications must be at least 1".into()));
        }
        if options.threads == 0 {
            return Err(Error::Options("the number of threads must be at least 1".into()));
        }
        Ok(Design { variants, options })
    }

    /// Every unit of replications `from..to` of every variant, variant by variant.
    pub fn units_between(&self, from: u64, to: u64) -> Vec<Unit> {
        (0..self.variants.len())
            .flat_map(|variant| (from..to).map(move |replication| Unit { variant, replication }))
            .collect()
    }

    /// Every unit of the design.
    pub fn units(&self) -> Vec<Unit> {
        self.units_between(0, u64::from(self.options.replications))
    }

    /// Runs `units` and returns them with their outcomes, in the order given.
    pub fn run_units(&self, units: &[Unit], observer: &dyn Observe) -> Result<(Vec<(Unit, Replication)>, Duration)> {
        let jobs: Vec<Job<'_>> = units
            .iter()
            .map(|u| {
                self.variants.get(u.variant).map(|scenario| Job {
                    scenario,
                    replication: u.replication,
                })
            })
            .collect::<Option<_>>()
            .ok_or_else(|| Error::Options("a work unit names a variant the design does not have".into()))?;
        observer.planned(jobs.len() as u64);
        let (reps, elapsed) = engine::execute(&jobs, self.options.seed, self.options.threads, observer)?;
        Ok((units.iter().copied().zip(reps).collect(), elapsed))
    }

    /// Runs `units` in batches of [`BATCH_UNITS`], handing each outcome to `keep`
    /// in the order given, so that only what `keep` keeps piles up (not every
    /// unit's monthly rows). Plans all units with `observer` once.
    pub fn run_batched(
        &self,
        units: &[Unit],
        observer: &dyn Observe,
        mut keep: impl FnMut(Unit, Replication),
    ) -> Result<Duration> {
        observer.planned(units.len() as u64);
        let mut elapsed = Duration::ZERO;
        for batch in units.chunks(BATCH_UNITS) {
            let (outcomes, took) = self.run_units(batch, &Unplanned(observer))?;
            elapsed += took;
            for (u, r) in outcomes {
                keep(u, r);
            }
        }
        Ok(elapsed)
    }

    /// Runs every unit of the design.
    pub fn run(&self, observer: &dyn Observe) -> Result<RunResult> {
        let (outcomes, elapsed) = self.run_units(&self.units(), observer)?;
        self.assemble(outcomes, elapsed)
    }

    /// Puts outcomes of units of this design, in any order, back into one result:
    /// per variant, replications in index order. Every variant must have the
    /// same replications, each exactly once, starting at 0.
    pub fn assemble(&self, outcomes: Vec<(Unit, Replication)>, elapsed: Duration) -> Result<RunResult> {
        self.assemble_batch(0, outcomes, elapsed)
    }

    /// [`Design::assemble`] for a batch of replications starting at `first`
    /// (to [`RunResult::extend`] an earlier batch).
    pub fn assemble_batch(
        &self,
        first: u64,
        mut outcomes: Vec<(Unit, Replication)>,
        elapsed: Duration,
    ) -> Result<RunResult> {
        outcomes.sort_by_key(|(u, _)| *u);
        let per_variant = outcomes.len() / self.variants.len();
        let mut scenarios: Vec<ScenarioRun> = self
            .variants
            .iter()
            .map(|s| ScenarioRun {
                scenario: s.clone(),
                replications: Vec::with_capacity(per_variant),
            })
            .collect();
        for (unit, rep) in outcomes {
            let run = scenarios
                .get_mut(unit.variant)
                .ok_or_else(|| Error::Options(format!("replication of unknown variant {}", unit.variant)))?;
            let expected = first + run.replications.len() as u64;
            if unit.replication != expected {
                return Err(Error::Options(format!(
                    "scenario `{}`: replication {} is {} (each replication 0..n exactly once is needed)",
                    run.scenario.name,
                    expected,
                    if unit.replication > expected {
                        "missing"
                    } else {
                        "given twice"
                    }
                )));
            }
            run.replications.push(rep);
        }
        if scenarios.iter().any(|s| s.replications.len() != per_variant) || per_variant == 0 {
            return Err(Error::Options(
                "every scenario needs the same replications, and at least one".into(),
            ));
        }
        let customer_months = scenarios
            .iter()
            .flat_map(|r| &r.replications)
            .map(|r| r.customer_months)
            .sum();
        Ok(RunResult {
            scenarios,
            options: RunOptions {
                replications: per_variant as u32,
                ..self.options.clone()
            },
            elapsed,
            customer_months,
        })
    }
}

/// All replications of one variant, in replication order.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// The variant's scenario.
    pub scenario: Scenario,
    /// Its replications.
    pub replications: Vec<Replication>,
}

impl ScenarioRun {
    /// The values of `metric`, one per replication.
    pub fn metric(&self, metric: Metric) -> impl Iterator<Item = f64> + '_ {
        self.replications.iter().map(move |r| r.metrics.get(metric))
    }

    /// The distribution of `metric` over replications.
    pub fn summary(&self, metric: Metric) -> Summary {
        Summary::of(self.metric(metric))
    }

    /// Per month: the p5, p25, p50, p75 and p95 of `series` over replications.
    pub fn bands(&self, series: Series) -> Vec<[f64; 5]> {
        (0..self.scenario.months as usize)
            .map(|t| five(self.replications.iter().map(|r| series.of(&r.monthly[t]))).1)
            .collect()
    }
}

/// A finished design.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Per variant, in the order of the design.
    pub scenarios: Vec<ScenarioRun>,
    /// The options used (replications: per variant).
    pub options: RunOptions,
    /// Wall-clock time of the simulation.
    pub elapsed: Duration,
    /// Customer-months simulated, all variants and replications.
    pub customer_months: u64,
}

impl RunResult {
    /// Appends a later batch of replications of the same variants.
    pub fn extend(&mut self, later: RunResult) {
        for (run, more) in self.scenarios.iter_mut().zip(later.scenarios) {
            run.replications.extend(more.replications);
        }
        self.options.replications += later.options.replications;
        self.elapsed += later.elapsed;
        self.customer_months += later.customer_months;
    }

    /// Customer-months per second.
    pub fn throughput(&self) -> f64 {
        self.customer_months as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let o: Vec<crate::scenario::Override> = vec![
            "simulation.customers=300".parse().unwrap(),
            "simulation.months=12".parse().unwrap(),
        ];
        Scenario::load(&path, &o).unwrap()
    }

    fn options(threads: usize) -> RunOptions {
        RunOptions {
            seed: 5,
            replications: 4,
            threads,
        }
    }

    #[test]
    fn units_run_in_any_order_and_split_assemble_to_the_whole() {
        let b = small();
        let alt = b
            .edited(&[crate::scenario::Edit::set("levers.training", 2000.0)])
            .unwrap();
        let design = Design::new(vec![b, alt], options(2)).unwrap();
        let whole = design.run(&Silent).unwrap();
        let mut units = design.units();
        units.reverse();
        let (second, t2) = design.run_units(&units[..3], &Silent).unwrap();
        let (first, t1) = design.run_units(&units[3..], &Silent).unwrap();
        let parts = design.assemble([second, first].concat(), t1 + t2).unwrap();
        for (a, b) in whole.scenarios.iter().zip(&parts.scenarios) {
            let ma: Vec<Metrics> = a.replications.iter().map(|r| r.metrics).collect();
            let mb: Vec<Metrics> = b.replications.iter().map(|r| r.metrics).collect();
            assert_eq!(format!("{ma:?}"), format!("{mb:?}"));
        }
        assert_eq!(whole.customer_months, parts.customer_months);
    }

    #[test]
    fn missing_or_repeated_units_are_refused() {
        let design = Design::new(vec![small()], options(1)).unwrap();
        let units = design.units();
        let (outcomes, t) = design.run_units(&units[..2], &Silent).unwrap();
        let twice = [outcomes.clone(), outcomes.clone()].concat();
        assert!(design.assemble(twice, t).is_err());
        let gap: Vec<_> = outcomes.into_iter().skip(1).collect();
        assert!(design.assemble(gap, t).is_err());
    }

    #[test]
    fn a_set_flag_stops_the_run() {
        let flag = AtomicBool::new(true);
        let design = Design::new(vec![small()], options(1)).unwrap();
        assert!(matches!(design.run(&Cancel(&flag)), Err(Error::Interrupted)));
    }
}
