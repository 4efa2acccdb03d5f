//! The engine: replications, parallelism and reproducibility, apart from the model.
//!
//! Every (scenario, replication) pair is an independent job. Jobs run on a
//! rayon pool of the requested size and are collected in index order, so the
//! results, and every reduction over them, are identical for any thread count.
//! Replication `r` of every scenario uses the same keyed streams (common
//! random numbers): scenarios differ by policy, not by luck.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::metrics::{Metrics, MonthRow, month_rows};
use crate::model::Firm;
use crate::scenario::Scenario;

/// How to run: seed, replications, threads.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Master seed of every stream.
    pub seed: u64,
    /// Replications per scenario.
    pub replications: u32,
    /// Worker threads (at least 1).
    pub threads: usize,
}

/// The outcome of one replication.
#[derive(Debug, Clone)]
pub struct Replication {
    /// Per-replication metrics.
    pub metrics: Metrics,
    /// One row per month of [`crate::metrics::SERIES`].
    pub monthly: Vec<MonthRow>,
    /// Customer-months simulated.
    pub customer_months: u64,
    /// Sampled encounters (position in the zone, satisfaction response); replication 0 only.
    pub response_sample: Vec<[f32; 2]>,
}

/// All replications of one scenario, in replication order.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// The scenario.
    pub scenario: Scenario,
    /// Its replications.
    pub replications: Vec<Replication>,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunResult {
    /// Per scenario, in the order given.
    pub scenarios: Vec<ScenarioRun>,
    /// The options used.
    pub options: RunOptions,
    /// Wall-clock time of the simulation.
    pub elapsed: Duration,
    /// Customer-months simulated, all scenarios and replications.
    pub customer_months: u64,
}

impl RunResult {
    /// Appends a later batch of replications of the same scenarios.
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

/// Encounters sampled for the quality response curve (replication 0 of each scenario).
pub const RESPONSE_SAMPLE: usize = 20_000;

/// Simulates replication `replication` of `scenario` under `seed`, sampling up
/// to `sample` encounters for the response curve (0 for none). Returns `None`
/// as soon as `cancel` is set (checked every simulated month).
pub fn replicate(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    sample: usize,
    cancel: &AtomicBool,
) -> Option<Replication> {
    let drawn = scenario.draw(seed, replication);
    let mut firm = Firm::new(&drawn, scenario.customers, scenario.months, seed, replication);
    if sample > 0 {
        firm.response_sample = Some(Vec::with_capacity(sample));
    }
    let mut months = Vec::with_capacity(scenario.months as usize);
    for m in 0..scenario.months {
        if cancel.load(Ordering::Relaxed) {
            return None;
        }
        months.push(firm.step(m));
    }
    Some(Replication {
        metrics: Metrics::from_months(&months, &firm.paths, drawn.params.finance.discount_rate),
        monthly: month_rows(&months),
        customer_months: months.iter().map(|m| u64::from(m.active_start)).sum(),
        response_sample: firm.response_sample.unwrap_or_default(),
    })
}

/// Memory one replication of `customers` customers holds while it runs (bytes): a 120-byte
/// record per customer, room reserved for twice the population, and headroom for growth beyond it.
pub const BYTES_PER_CUSTOMER: u64 = 400;

/// Estimated peak memory of a run (bytes): the populations in flight on every thread plus the
/// per-replication rows that are kept.
pub fn memory_estimate(scenarios: &[Scenario], replications: u64, threads: usize) -> u64 {
    let largest = scenarios.iter().map(|s| u64::from(s.customers)).max().unwrap_or(0);
    let jobs = scenarios.len() as u64 * replications;
    let in_flight = jobs.min(threads.max(1) as u64) * (largest * BYTES_PER_CUSTOMER + 1_000_000);
    let rows: u64 = scenarios
        .iter()
        .map(|s| replications * (u64::from(s.months) * 48 + 512) + (RESPONSE_SAMPLE as u64) * 8)
        .sum();
    in_flight + rows
}

/// Memory available to this process (bytes), where the platform tells (Linux: MemAvailable).
pub fn available_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    line.split_whitespace()
        .nth(1)?
        .parse::<u64>()
        .ok()
        .map(|kib| kib * 1024)
}

/// Runs every scenario for `options.replications` replications on a pool of
/// `options.threads` threads. `on_done` is called after each replication (from
/// worker threads; for progress bars). If `cancel` becomes true, remaining
/// replications are skipped and an error is returned.
pub fn run(
    scenarios: &[Scenario],
    options: &RunOptions,
    cancel: &AtomicBool,
    on_done: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    if options.replications == 0 {
        return Err(Error::Options("--replications must be at least 1".into()));
    }
    run_range(scenarios, options, 0..u64::from(options.replications), cancel, on_done)
}

/// Runs replications `range` of every scenario. Replication `r` always uses
/// the same streams, so running `0..n` at once or in batches gives the same
/// replications; [`RunResult::extend`] joins batches.
pub fn run_range(
    scenarios: &[Scenario],
    options: &RunOptions,
    range: std::ops::Range<u64>,
    cancel: &AtomicBool,
    on_done: &(dyn Fn() + Sync),
) -> Result<RunResult> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| Error::Options(format!("cannot start {} threads: {e}", options.threads)))?;
    let per_scenario = (range.end - range.start) as usize;
    let need = memory_estimate(scenarios, per_scenario as u64, options.threads);
    if let Some(have) = available_memory()
        && need > have / 10 * 8
    {
        let gib = |b: u64| b as f64 / (1u64 << 30) as f64;
        return Err(Error::Options(format!(
            "this run needs about {:.1} GiB of memory but only {:.1} GiB are available: use fewer --customers or --threads \
             (memory grows with customers x threads), or split the replications into several runs",
            gib(need),
            gib(have)
        )));
    }
    let jobs: Vec<(usize, u64)> = (0..scenarios.len())
        .flat_map(|s| range.clone().map(move |r| (s, r)))
        .collect();
    let start = Instant::now();
    let outcomes: Vec<Option<Replication>> = pool.install(|| {
        jobs.par_iter()
            .map(|&(s, r)| {
                if cancel.load(Ordering::Relaxed) {
                    return None;
                }
                let rep = replicate(
                    &scenarios[s],
                    options.seed,
                    r,
                    if r == 0 { RESPONSE_SAMPLE } else { 0 },
                    cancel,
                )?;
                on_done();
                Some(rep)
            })
            .collect()
    });
    let elapsed = start.elapsed();
    if cancel.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    let mut outcomes = outcomes.into_iter().flatten();
    let runs: Vec<ScenarioRun> = scenarios
        .iter()
        .map(|s| ScenarioRun {
            scenario: s.clone(),
            replications: outcomes.by_ref().take(per_scenario).collect(),
        })
        .collect();
    let customer_months = runs
        .iter()
        .flat_map(|r| &r.replications)
        .map(|r| r.customer_months)
        .sum();
    Ok(RunResult {
        scenarios: runs,
        options: RunOptions {
            replications: per_scenario as u32,
            ..options.clone()
        },
        elapsed,
        customer_months,
    })
}
