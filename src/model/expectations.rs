//! Expectations: each customer's zone of tolerance, from the adequate level A
//! to the desired level D (quality points on the 0-10 scale), and how it moves.
//!
//! A failure narrows the zone (A rises toward D) and the narrowing fades month
//! by month. The zone drifts toward the quality the customer experienced and
//! toward the market's benchmark, which itself rises: yesterday's delight is
//! tomorrow's normal.

use super::MONTHS_PER_YEAR;
use super::customers::Customer;
use crate::scenario::Expectations;

/// Top of the quality scale (quality points): the desired level never passes it.
pub const QUALITY_MAX: f64 = 10.0;

/// Narrowest zone a customer is drawn with (quality points): a zone of width zero
/// would make the response a step at one quality level.
const MIN_WIDTH: f64 = 0.2;

/// A customer's zone of tolerance at creation, from two standard normal draws:
/// the adequate level A and the width D - A (quality points). The zone fits the
/// 0-10 scale even when mean plus spread would not.
pub fn initial_zone(p: &Expectations<f64>, z_adequate: f64, z_width: f64) -> (f64, f64) {
    let width = (p.zone_width_mean + p.zone_width_sd * z_width).clamp(MIN_WIDTH, QUALITY_MAX);
    let adequate = (p.adequate_mean + p.adequate_sd * z_adequate).clamp(0.0, QUALITY_MAX - width);
    (adequate, width)
}

/// The adequate level after a failure: `narrow` (0-1) closes part of the zone.
#[inline]
pub fn narrowed_adequate(a: f64, d: f64, narrow: f64) -> f64 {
    a + narrow * (d - a)
}

/// This month's movement of expectations, shared by every customer.
#[derive(Debug, Clone, Copy)]
pub struct Drift {
    /// The market's benchmark this month (quality points).
    benchmark: f64,
    adapt_experience: f64,
    adapt_market: f64,
    narrowing_persistence: f64,
    failure_narrowing: f64,
}

impl Drift {
    /// The drift of month `month` (0-based) under `p`: the benchmark has risen by
    /// `benchmark_growth` per year since month 0.
    pub fn new(p: &Expectations<f64>, month: u32) -> Self {
        Drift {
            benchmark: p.market_benchmark + p.benchmark_growth * f64::from(month) / MONTHS_PER_YEAR,
            adapt_experience: p.adapt_experience,
            adapt_market: p.adapt_market,
            narrowing_persistence: p.narrowing_persistence,
            failure_narrowing: p.failure_narrowing,
        }
    }

    /// A failure met by `c`, whose desired level is `desired`: the zone narrows;
    /// returns the adequate level it narrows to.
    #[inline(always)]
    pub fn fail(&self, c: &mut Customer, desired: f64) -> f64 {
        c.narrow = self.failure_narrowing;
        narrowed_adequate(c.adequate, desired, c.narrow)
    }

    /// The end of `c`'s month: if it `met` the firm, the zone drifts toward the
    /// month's `mean_quality` and toward the benchmark; the narrowing fades.
    #[inline(always)]
    pub fn close(&self, c: &mut Customer, mean_quality: f64, met: bool) {
        let centre = c.adequate + 0.5 * c.width;
        let shift = self.adapt_experience * (mean_quality - centre) + self.adapt_market * (self.benchmark - centre);
        let drifted = (c.adequate + shift).clamp(0.0, QUALITY_MAX - c.width);
        // A select, not a branch: whether a customer had an encounter is a coin toss.
        c.adequate = if met { drifted } else { c.adequate };
        c.narrow *= self.narrowing_persistence;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Expectations<f64> {
        Expectations {
            adequate_mean: 6.0,
            adequate_sd: 0.8,
            zone_width_mean: 1.8,
            zone_width_sd: 0.4,
            failure_narrowing: 0.6,
            narrowing_persistence: 0.5,
            adapt_experience: 0.05,
            adapt_market: 0.02,
            market_benchmark: 7.0,
            benchmark_growth: 0.1,
        }
    }

    #[test]
    fn zones_fit_the_scale_whatever_the_draws() {
        for z in [-40.0, -3.0, 0.0, 3.0, 40.0] {
            for w in [-40.0, -3.0, 0.0, 3.0, 40.0] {
                let (a, width) = initial_zone(&p(), z, w);
                assert!(
                    width >= MIN_WIDTH && a >= 0.0 && a + width <= QUALITY_MAX,
                    "{z} {w}: {a} {width}"
                );
            }
        }
    }

    #[test]
    fn a_failure_narrows_the_zone_and_the_narrowing_fades() {
        let mut c = crate::model::customers::tests::customer();
        let d = c.adequate + c.width;
        let drift = Drift::new(&p(), 0);
        let a = drift.fail(&mut c, d);
        assert!(a > c.adequate && a < d, "{a}");
        let centre = c.adequate + 0.5 * c.width;
        drift.close(&mut c, centre, true);
        assert_eq!(c.narrow, 0.3);
    }

    #[test]
    fn expectations_drift_toward_experience_and_the_rising_market() {
        let mut c = crate::model::customers::tests::customer();
        let a0 = c.adequate;
        Drift::new(&p(), 0).close(&mut c, 9.5, true);
        assert!(c.adequate > a0, "delight raises expectations");
        let mut idle = crate::model::customers::tests::customer();
        Drift::new(&p(), 0).close(&mut idle, 0.0, false);
        assert_eq!(idle.adequate, a0, "no encounter, no drift");
        let (mut early, mut late) = (
            crate::model::customers::tests::customer(),
            crate::model::customers::tests::customer(),
        );
        Drift::new(&p(), 0).close(&mut early, 7.0, true);
        Drift::new(&p(), 120).close(&mut late, 7.0, true);
        assert!(late.adequate > early.adequate, "the benchmark rises");
    }
}
