//! Statistics over replications: mean, spread, quantiles and confidence intervals.
//!
//! Values that are not finite (a rate with no one at risk) are left out of a
//! summary, never turned into zeros. Sums run in a fixed order, so summaries
//! are bit-identical however the replications were scheduled.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The distribution of one metric over replications.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// 5th percentile.
    pub p5: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 95% confidence interval of the mean (Student t).
    pub ci95: [f64; 2],
    /// Replications with a finite value.
    #[serde(skip)]
    pub n: usize,
}

/// Quantile `q` (0-1) of sorted values, by linear interpolation (type 7).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = q.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// The finite values, sorted.
pub fn sorted_finite(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The 95% Wilson score interval of a proportion: `events` out of `trials` (NaN when there
/// are no trials). Unlike the spread over replications, it stays within 0-1 and honest for
/// rates that rest on few people.
pub fn wilson95(events: f64, trials: f64) -> [f64; 2] {
    if trials <= 0.0 {
        return [f64::NAN; 2];
    }
    let z = 1.959_963_984_540_054_f64;
    let p = events / trials;
    let d = 1.0 + z * z / trials;
    let centre = (p + z * z / (2.0 * trials)) / d;
    let half = z * (p * (1.0 - p) / trials + z * z / (4.0 * trials * trials)).sqrt() / d;
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// The quantiles of [`five`]: p5, p25, p50, p75, p95.
pub const FIVE: [f64; 5] = [0.05, 0.25, 0.5, 0.75, 0.95];

/// Mean and the [`FIVE`] quantiles of the finite `values` (NaN when there are none).
pub fn five(values: impl IntoIterator<Item = f64>) -> (f64, [f64; 5]) {
    let v = sorted_finite(values);
    let mean = if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    };
    (mean, FIVE.map(|q| quantile_sorted(&v, q)))
}

/// Half-width multiplier of a 95% interval for `n` observations.
pub fn t95(n: usize) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, (n - 1) as f64).map_or(1.96, |t| t.inverse_cdf(0.975))
}

impl Summary {
    /// The 95% interval of the mean, where there is one (two or more finite values).
    pub fn interval(&self) -> Option<[f64; 2]> {
        self.ci95.iter().all(|x| x.is_finite()).then_some(self.ci95)
    }

    /// Whether the 95% interval lies inside `[lo, hi]`; with fewer than two values (no
    /// interval), whether the mean does, so a one-replication run is judged on what it has.
    pub fn within(&self, lo: f64, hi: f64) -> bool {
        let [a, b] = self.interval().unwrap_or([self.mean, self.mean]);
        a >= lo && b <= hi
    }

    /// Summarises `values` (in replication order).
    pub fn of(values: impl IntoIterator<Item = f64>) -> Summary {
        let finite: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        let n = finite.len();
        let mean = if n == 0 {
            f64::NAN
        } else {
            finite.iter().sum::<f64>() / n as f64
        };
        let sd = if n < 2 {
            f64::NAN
        } else {
            (finite.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        };
        let half = t95(n) * sd / (n as f64).sqrt();
        let sorted = sorted_finite(finite);
        Summary {
            mean,
            sd,
            p5: quantile_sorted(&sorted, 0.05),
            p50: quantile_sorted(&sorted, 0.5),
            p95: quantile_sorted(&sorted, 0.95),
            ci95: [mean - half, mean + half],
            n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_known_values() {
        let s = Summary::of((1..=101).map(f64::from));
        assert_eq!(s.mean, 51.0);
        assert_eq!((s.p5, s.p50, s.p95), (6.0, 51.0, 96.0));
        assert!((s.sd - 29.3002).abs() < 1e-3);
        let half = s.ci95[1] - s.mean;
        assert!((half - 1.984 * s.sd / 101f64.sqrt()).abs() < 0.01);
    }

    #[test]
    fn non_finite_values_are_left_out_and_small_samples_are_honest() {
        let s = Summary::of([1.0, f64::NAN, 3.0]);
        assert_eq!((s.n, s.mean), (2, 2.0));
        assert!((t95(2) - 12.706).abs() < 1e-3);
        let one = Summary::of([5.0]);
        assert_eq!(one.p50, 5.0);
        assert!(one.sd.is_nan() && one.ci95[0].is_nan());
        assert!(Summary::of([]).mean.is_nan());
        assert_eq!(one.interval(), None);
        assert!(one.within(4.0, 6.0) && !one.within(6.0, 7.0));
        let two = Summary::of([1.0, 3.0]);
        assert!(two.interval().is_some() && two.within(-20.0, 20.0) && !two.within(0.0, 4.0));
    }
}
