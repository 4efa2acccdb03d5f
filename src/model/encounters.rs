//! Service encounters: how many a customer has, and the quality delivered in each.
//!
//! Every contact is a moment of truth. Quality on the 0-10 scale is process
//! ("hardware") quality plus the serving employee's contribution, minus a wait
//! penalty that grows with load, plus contact-to-contact noise whose spread
//! falls with process investment. A failure removes a large chunk of quality.

use super::employees::Server;
use super::expectations::QUALITY_MAX;
use super::finance::saturating;
use crate::normal;
use crate::rng::{self, MonthRng};
use crate::scenario::Quality;

/// Load at which waits are worked out when demand reaches or passes capacity: the
/// queueing formula's wait grows without bound at 1, and a month's wait is long, not infinite.
const MAX_LOAD: f64 = 0.999;

/// Most encounters one customer has in a month: far above any rate the scenario
/// ranges allow, and a bound on the counting loop.
const MAX_COUNT: u32 = 200;

/// The service environment of one month, shared by every encounter.
#[derive(Debug, Clone, Copy)]
pub struct Service {
    /// Process quality minus the wait penalty (quality points).
    pub base: f64,
    /// Contact-to-contact spread (quality points, sd).
    pub noise_sd: f64,
    /// Quality lost on a failure (quality points).
    pub failure_drop: f64,
    /// Average wait this month (minutes).
    pub wait_minutes: f64,
}

impl Service {
    /// The month's environment from the process effect (0-1) and the front line's workload.
    pub fn new(process_effect: f64, workload: f64, q: &Quality<f64>) -> Self {
        let load = workload.clamp(0.0, MAX_LOAD);
        let wait_minutes = (q.wait_scale * load / (1.0 - load)).min(q.wait_max);
        Service {
            base: q.process_base + q.process_gain * process_effect - q.wait_penalty * wait_minutes,
            noise_sd: q.noise_sd * (1.0 - q.noise_process_reduction * process_effect),
            failure_drop: q.failure_drop,
            wait_minutes,
        }
    }

    /// One encounter: the employee who serves (one of `servers`), the quality
    /// delivered and whether it failed.
    ///
    /// Always inlined: it is the body of the month's encounter loop, and as a call
    /// (which the compiler chose in some builds) the stream goes through memory.
    #[inline(always)]
    pub fn encounter(&self, servers: &[Server], rng: &mut MonthRng) -> (f64, bool) {
        // One 64-bit draw for all: the employee (top 16 bits), failure (the next 16)
        // and the noise (the low 32, a normal of its own on all but its slow path).
        let bits = rand::Rng::next_u64(rng);
        let z = normal::from_bits(bits as u32, rng);
        // Read after the normal draw, whose rare slow path is a call:
        // fewer values live across it, so fewer are kept on the stack.
        let server = servers[rng::index16((bits >> 48) as u16, servers.len())];
        let failed = rng::unit16((bits >> 32) as u16) < server.failure;
        let q = self.base + server.quality + self.noise_sd * z - if failed { self.failure_drop } else { 0.0 };
        (q.clamp(0.0, QUALITY_MAX), failed)
    }
}

/// Quality `q` lifted by `lift` if it lies inside the zone `[a, d]`, never past `d`.
#[inline]
pub fn inside_zone_lift(q: f64, a: f64, d: f64, lift: f64) -> f64 {
    let lifted = (q + lift).min(d);
    if (q >= a) & (q <= d) { lifted } else { q }
}

/// Quality lift inside the zone (quality points) from ambience `spend` (EUR/year)
/// spread over `customers`.
pub fn ambience_lift(spend: f64, customers: f64, q: &Quality<f64>) -> f64 {
    q.ambience_gain * saturating(spend / customers.max(1.0), q.ambience_half_effect)
}

/// Process effect (0-1) of `spend` EUR/year spread over `customers`.
pub fn process_effect(spend: f64, customers: f64, q: &Quality<f64>) -> f64 {
    saturating(spend / customers.max(1.0), q.process_half_effect)
}

/// A Poisson count by inversion from one uniform `u`, with `p0 = exp(-lambda)`
/// precomputed. One draw per customer-month keeps every later draw in the
/// customer's stream aligned across scenarios (common random numbers).
#[inline]
pub fn poisson_count(lambda: f64, p0: f64, u: f64) -> u32 {
    let (mut k, mut p, mut cdf) = (0u32, p0, p0);
    while u > cdf && k < MAX_COUNT {
        k += 1;
        p *= lambda / f64::from(k);
        cdf += p;
        if p < 1e-300 {
            break;
        }
    }
    k
}

/// [`poisson_count`] for one rate, with the first [`PoissonTable::LEN`] terms
/// of the cumulative distribution computed once by the same recurrence, so a
/// count costs a few comparisons instead of a division per step, with the
/// same result bit for bit.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoissonTable {
    lambda: f64,
    p0: f64,
    /// `cdf[k]`: the running sum after term `k`, or infinity once
    /// [`poisson_count`] would have stopped before reaching term `k`.
    cdf: [f64; PoissonTable::LEN],
}

impl PoissonTable {
    /// Terms kept; larger counts fall back to [`poisson_count`]. Eight, for
    /// the three steps of the binary search in [`PoissonTable::count`].
    pub const LEN: usize = 8;

    /// The table for `lambda`, with `p0 = exp(-lambda)`.
    pub fn new(lambda: f64, p0: f64) -> Self {
        let mut cdf = [f64::INFINITY; Self::LEN];
        let (mut p, mut sum) = (p0, p0);
        cdf[0] = sum;
        for (k, slot) in cdf.iter_mut().enumerate().skip(1) {
            p *= lambda / k as f64;
            sum += p;
            if p < 1e-300 {
                break;
            }
            *slot = sum;
        }
        PoissonTable { lambda, p0, cdf }
    }

    /// The count for uniform `u`, equal to `poisson_count(lambda, p0, u)`:
    /// the running sums never decrease, so the count is the number of them
    /// below `u`, found by a branch-free binary search (three comparisons).
    #[inline]
    pub fn count(&self, u: f64) -> u32 {
        const { assert!(Self::LEN == 8) };
        let c = &self.cdf;
        if u > c[Self::LEN - 1] {
            return poisson_count(self.lambda, self.p0, u);
        }
        let mut k = if u > c[3] { 4 } else { 0 };
        k += if u > c[k + 1] { 2 } else { 0 };
        k += usize::from(u > c[k]);
        k as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Kind, Purpose, StreamKey};
    use rand::RngExt;

    #[test]
    fn poisson_inversion_has_the_right_mean_and_variance() {
        let mut rng = StreamKey::new(1, 0, Kind::Firm, 0).rng(Purpose::Month, 0);
        for lambda in [0.3, 1.5, 6.0] {
            let n = 200_000;
            let xs: Vec<f64> = (0..n)
                .map(|_| f64::from(poisson_count(lambda, (-lambda).exp(), rng.random())))
                .collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            assert!(
                (mean - lambda).abs() < 0.02 * lambda.max(1.0),
                "mean {mean} for {lambda}"
            );
            assert!((var - lambda).abs() < 0.05 * lambda.max(1.0), "var {var} for {lambda}");
        }
    }

    #[test]
    fn the_table_gives_the_counts_of_the_inversion_bit_for_bit() {
        let mut rng = StreamKey::new(2, 0, Kind::Firm, 0).rng(Purpose::Month, 0);
        for lambda in [0.0, 1e-320, 0.3, 1.0, 1.8, 6.0, 40.0] {
            let table = PoissonTable::new(lambda, (-lambda).exp());
            let edges = table.cdf.iter().flat_map(|&c| [c, c.next_down(), c.next_up()]);
            let uniforms: Vec<f64> = (0..20_000).map(|_| rng.random()).chain(edges).collect();
            for u in uniforms.into_iter().chain([0.0, 1.0 - f64::EPSILON / 2.0]) {
                assert_eq!(
                    table.count(u),
                    poisson_count(lambda, (-lambda).exp(), u),
                    "lambda {lambda} u {u}"
                );
            }
        }
    }

    #[test]
    fn the_inside_zone_lift_stays_inside_the_zone() {
        assert_eq!(inside_zone_lift(6.5, 6.0, 8.0, 0.5), 7.0);
        assert_eq!(inside_zone_lift(7.9, 6.0, 8.0, 0.5), 8.0);
        assert_eq!(inside_zone_lift(5.5, 6.0, 8.0, 0.5), 5.5);
        assert_eq!(inside_zone_lift(8.5, 6.0, 8.0, 0.5), 8.5);
    }

    #[test]
    fn waits_grow_with_load_and_process_cuts_noise() {
        let q = Quality {
            process_base: 4.0,
            process_gain: 1.0,
            process_half_effect: 30.0,
            capability_weight: 3.5,
            noise_sd: 1.2,
            noise_process_reduction: 0.5,
            wait_scale: 1.0,
            wait_max: 60.0,
            wait_penalty: 0.05,
            failure_base: 0.05,
            failure_process_reduction: 0.5,
            failure_novice: 1.0,
            failure_pressure: 2.0,
            failure_drop: 3.0,
            ambience_gain: 1.0,
            ambience_half_effect: 20.0,
        };
        let calm = Service::new(0.5, 0.6, &q);
        let busy = Service::new(0.5, 0.95, &q);
        assert!(busy.wait_minutes > 5.0 * calm.wait_minutes && busy.base < calm.base);
        assert_eq!(Service::new(0.5, 5.0, &q).wait_minutes, 60.0);
        assert!(Service::new(1.0, 0.6, &q).noise_sd < calm.noise_sd);
    }
}
