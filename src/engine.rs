//! The engine: replications, parallelism and reproducibility, apart from the model.
//!
//! [`replicate`] runs one replication of one scenario on the model; [`execute`]
//! runs a list of independent jobs on a rayon pool of the requested size and
//! returns their outcomes in the order of the list, so results, and every
//! reduction over them, are identical for any thread count. What the jobs are
//! (variants x replications of a design) is the experiment layer's business
//! ([`crate::experiment`]).

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::experiment::{Observe, Replication};
use crate::metrics::{Metrics, month_rows};
use crate::model::Firm;
use crate::model::watch::{Paths, ResponseSample};
use crate::scenario::Scenario;

/// Encounters sampled for the quality response curve (replication 0 of each scenario).
pub const RESPONSE_SAMPLE: usize = 20_000;

/// Simulates replication `replication` of `scenario` under `seed`, sampling up
/// to `sample` encounters for the response curve (0 for none). Returns `None`
/// as soon as `cancelled()` says so (checked every simulated month).
pub fn replicate(
    scenario: &Scenario,
    seed: u64,
    replication: u64,
    sample: usize,
    cancelled: &dyn Fn() -> bool,
) -> Option<Replication> {
    let drawn = scenario.draw(seed, replication);
    let mut firm = Firm::new(&drawn, scenario.customers, scenario.months, seed, replication);
    let mut watch = (ResponseSample::new(sample), Paths::new(firm.months()));
    let mut months = Vec::with_capacity(scenario.months as usize);
    for m in 0..scenario.months {
        if cancelled() {
            return None;
        }
        months.push(firm.step_watched(m, &mut watch));
    }
    let (sample, paths) = watch;
    Some(Replication {
        metrics: Metrics::from_months(&months, &paths.tally, drawn.params.finance.discount_rate),
        monthly: month_rows(&months),
        customer_months: months.iter().map(|m| u64::from(m.active_start)).sum(),
        response_sample: sample.into_points(),
    })
}

/// One job for [`execute`]: replication `replication` of `scenario`.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The replication index (selects the streams).
    pub replication: u64,
}

/// Runs `jobs` under `seed` on a pool of `threads` threads and returns the
/// replications in the order of `jobs`, with the wall-clock time. `observer`
/// hears of each finished job (from worker threads) and is asked, every
/// simulated month, whether to stop; if it says so, [`Error::Interrupted`].
pub fn execute(
    jobs: &[Job<'_>],
    seed: u64,
    threads: usize,
    observer: &dyn Observe,
) -> Result<(Vec<Replication>, Duration)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| Error::Options(format!("cannot start {threads} threads: {e}")))?;
    let mut scenarios: Vec<&Scenario> = Vec::new();
    for j in jobs {
        if !scenarios.iter().any(|s| std::ptr::eq(*s, j.scenario)) {
            scenarios.push(j.scenario);
        }
    }
    let per_scenario = jobs.len().div_ceil(scenarios.len().max(1)) as u64;
    crate::limits::check_memory(&scenarios, per_scenario, threads, None)?;
    let cancelled = || observer.cancelled();
    let start = Instant::now();
    let outcomes: Vec<Option<Replication>> = pool.install(|| {
        jobs.par_iter()
            .map(|job| {
                if cancelled() {
                    return None;
                }
                let sample = if job.replication == 0 { RESPONSE_SAMPLE } else { 0 };
                let rep = replicate(job.scenario, seed, job.replication, sample, &cancelled)?;
                observer.done();
                Some(rep)
            })
            .collect()
    });
    let elapsed = start.elapsed();
    if cancelled() {
        return Err(Error::Interrupted);
    }
    let replications = outcomes
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or(Error::Interrupted)?;
    Ok((replications, elapsed))
}
