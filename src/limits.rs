//! Limits decided before a run starts: the memory it will need (refused with an estimate
//! when it would not fit) and the number of threads worth starting.
//!
//! The estimate covers every allocation that grows with the input: the customers of each
//! replication in flight (at month 0 and every customer acquisition could add: walk-ins,
//! the marketing ceiling and referrals, over the whole horizon), the front-line staff (room
//! for the largest head count of the schedule), the months simulated and the monthly rows
//! kept for every replication.

use crate::error::{Error, Result};
use crate::scenario::Scenario;

/// Memory one customer holds while a replication runs (bytes): its record, room for the
/// population to double, and the month's working data.
pub const BYTES_PER_CUSTOMER: f64 = 400.0;

/// Memory one front-line employee holds (bytes): stream key, capability, satisfaction,
/// tenure and place in the serving order.
pub const BYTES_PER_EMPLOYEE: f64 = 128.0;

/// Memory one simulated month holds while its replication runs (bytes): the month's counts.
pub const BYTES_PER_MONTH: f64 = 512.0;

/// Memory one month of one replication keeps until the run is written (bytes): its row of
/// monthly series.
pub const BYTES_PER_KEPT_MONTH: f64 = 128.0;

/// Fixed memory per replication in flight (bytes): streams, tables, the response sample.
pub const BYTES_PER_REPLICATION: f64 = 2e6;

/// Share of the available memory a run may plan to use.
pub const MEMORY_SHARE: f64 = 0.8;

/// Threads per core beyond which more threads only cost start-up time and memory.
pub const THREADS_PER_CORE: usize = 4;

/// The most customers a replication of `s` can hold: those at month 0 plus, every month,
/// walk-ins, the marketing ceiling and referrals by every customer (churn ignored), all raised
/// by the largest price advantage's pull.
pub fn population_bound(s: &Scenario) -> f64 {
    let a = &s.params.acquisition;
    let m = &s.params.market;
    let cheapest = s.levers.price_index.lower();
    let gap = (m.competitor_price_index.upper() - cheapest).max(0.0);
    let boost = (a.price_elasticity.upper() * gap).exp();
    let walk_in = (a.organic.upper() + a.marketing_max.upper()) * boost;
    let r = a.referral_rate.upper() * boost;
    let (n0, months) = (f64::from(s.customers), f64::from(s.months));
    let bound = if r > 0.0 {
        // n' = n (1 + r) + walk_in, solved over the horizon.
        let steady = walk_in / r;
        (n0 + steady) * (months * r.ln_1p()).exp() - steady
    } else {
        n0 + walk_in * months
    };
    // Beyond any machine: kept finite so that the estimate can still be printed.
    bound.min(1e30)
}

/// Peak memory of one replication of `s` while it runs (bytes).
pub fn replication_bytes(s: &Scenario) -> f64 {
    population_bound(s) * BYTES_PER_CUSTOMER
        + s.levers.staff.upper().max(s.status_quo.staff.upper()).max(1.0) * BYTES_PER_EMPLOYEE
        + f64::from(s.months) * BYTES_PER_MONTH
        + BYTES_PER_REPLICATION
}

/// Estimated peak memory of running `replications` of every scenario on `threads` threads
/// (bytes): the largest replications in flight on every thread, plus the monthly rows kept.
pub fn memory_estimate(scenarios: &[&Scenario], replications: u64, threads: usize) -> f64 {
    let jobs = scenarios.len() as f64 * replications as f64;
    let in_flight = jobs.min(threads.max(1) as f64);
    let largest = scenarios.iter().map(|s| replication_bytes(s)).fold(0.0, f64::max);
    let kept: f64 = scenarios
        .iter()
        .map(|s| replications as f64 * (f64::from(s.months) * BYTES_PER_KEPT_MONTH + 1024.0))
        .sum();
    in_flight * largest + kept
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

/// Refuses a run whose estimate exceeds [`MEMORY_SHARE`] of `available` bytes (or of the
/// memory available now), with the estimate, what drives it and what to change.
pub fn check_memory(scenarios: &[&Scenario], replications: u64, threads: usize, available: Option<u64>) -> Result<()> {
    let need = memory_estimate(scenarios, replications, threads);
    let Some(have) = available.or_else(available_memory) else {
        return Ok(());
    };
    if need <= have as f64 * MEMORY_SHARE {
        return Ok(());
    }
    let gib = |b: f64| b / f64::from(1u32 << 30);
    let worst = scenarios
        .iter()
        .max_by(|a, b| replication_bytes(a).total_cmp(&replication_bytes(b)));
    Err(Error::Memory {
        need_gib: gib(need),
        have_gib: gib(have as f64),
        detail: worst.map_or(String::new(), |s| {
            format!(
                "scenario `{}` holds up to {:.3e} customers over {} months and {:.3e} staff per replication",
                s.name,
                population_bound(s),
                s.months,
                s.levers.staff.upper()
            )
        }),
    })
}

/// The threads to start for `requested` on a machine with `cores` cores: at most
/// [`THREADS_PER_CORE`] per core, with a note for the user when capped (results do not
/// depend on the thread count).
pub fn threads(requested: usize, cores: usize) -> (usize, Option<String>) {
    let cap = cores.max(1) * THREADS_PER_CORE;
    if requested > cap {
        (
            cap,
            Some(format!(
                "note: {requested} threads capped at {cap} ({THREADS_PER_CORE} per core on {} cores); results do not depend on it",
                cores.max(1)
            )),
        )
    } else {
        (requested.max(1), None)
    }
}

/// The cores of this machine.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline(sets: &[&str]) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let o: Vec<crate::Override> = sets.iter().map(|s| s.parse().expect("valid --set")).collect();
        Scenario::load(&path, &o).expect("baseline loads")
    }

    #[test]
    fn the_estimate_grows_with_every_input_that_allocates() {
        let base = baseline(&[]);
        let b = memory_estimate(&[&base], 10, 2);
        assert!(b > 0.0 && b < 1e9, "baseline {b}");
        for set in [
            "levers.staff=1e9",
            "simulation.months=4000000000",
            "acquisition.organic=1e9",
            "acquisition.marketing_max=1e9",
            "simulation.customers=4000000000",
        ] {
            let s = baseline(&[set]);
            let e = memory_estimate(&[&s], 10, 2);
            assert!(e > 1e11, "{set}: {e}");
            let err = check_memory(&[&s], 10, 2, Some(16 << 30)).unwrap_err();
            assert!(err.to_string().contains("GiB"), "{set}: {err}");
        }
        check_memory(&[&base], 60, 2, Some(16 << 30)).unwrap();
        assert!(memory_estimate(&[&base], 10, 4) > b, "more threads, more memory");
    }

    #[test]
    fn threads_are_capped_at_a_multiple_of_the_cores_with_a_note() {
        assert_eq!(threads(3, 2), (3, None));
        let (n, note) = threads(10_000, 2);
        assert_eq!(n, 2 * THREADS_PER_CORE);
        assert!(note.unwrap().contains("10000"));
    }
}
