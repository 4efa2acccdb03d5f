//! Standard normal draws for the month's hot loops: the ziggurat of Marsaglia &
//! Tsang (2000) with rand_distr's 256 layers and tables, fed 32 random bits
//! instead of 64.
//!
//! `rand_distr::StandardNormal` takes a whole 64-bit draw for each normal (8 bits
//! pick the layer, 52 make the uniform). An encounter needs fewer: 8 bits for
//! the layer and 24 for a uniform with a resolution of 1.2e-7 give a normal far
//! finer than any quality or survey noise, and leave the other half of the
//! draw for the employee and the failure. About 1% of draws miss the layer's
//! inner box and take the exact slow path (the wedge test and the tail, from
//! further 64-bit draws); what they return is then exactly the ziggurat's.
//! Pure `f64` arithmetic on the fast path; the slow path's `exp` and `ln` are
//! the ones rand_distr's ziggurat calls.

#![allow(clippy::excessive_precision)] // rand_distr's digits, kept as published

use rand::RngExt;
use rand::distr::Open01;
use rand_distr::{Distribution, StandardNormal};

use crate::rng::MonthRng;

/// Where the last layer's box ends and the tail begins.
const R: f64 = 3.654152885361008796;

/// A standard normal from the 32 random bits `bits` (low 8: the layer, high 24:
/// the uniform) and, on the slow path only, from further draws of `rng`.
#[inline(always)]
pub fn from_bits(bits: u32, rng: &mut MonthRng) -> f64 {
    let i = (bits & 0xff) as usize;
    // The high 24 bits as a uniform on [-1, 1): exact in f64.
    let u = f64::from(bits >> 8) * (2.0 / 16_777_216.0) - 1.0;
    let x = u * X[i];
    if x.abs() < X[i + 1] {
        return x;
    }
    // Out of line, with the generator by value: passed by reference, the stream
    // would live in memory for the whole encounter loop.
    let (z, after) = slow(i, u, x, *rng);
    *rng = after;
    z
}

/// The ziggurat's slow path after the box test failed for layer `i`, uniform `u`
/// and candidate `x`: the tail (layer 0) or the wedge test, and if that rejects,
/// a fresh normal. Returns the normal and the generator after its draws.
#[cold]
#[inline(never)]
fn slow(i: usize, u: f64, x: f64, mut rng: MonthRng) -> (f64, MonthRng) {
    if i == 0 {
        // Marsaglia's tail beyond R, on the side of u's sign.
        let tail = loop {
            let a: f64 = rng.sample(Open01);
            let b: f64 = rng.sample(Open01);
            let (t, y) = (a.ln() / R, b.ln());
            if -2.0 * y >= t * t {
                break t;
            }
        };
        return (if u < 0.0 { tail - R } else { R - tail }, rng);
    }
    if F[i + 1] + (F[i] - F[i + 1]) * rng.random::<f64>() < (-x * x / 2.0).exp() {
        return (x, rng);
    }
    // Rejected: an independent fresh draw from the whole ziggurat.
    let z = StandardNormal.sample(&mut rng);
    (z, rng)
}

// The layers' right edges `X` and the density at them `F`: rand_distr's
// `ZIG_NORM_X` and `ZIG_NORM_F`, copied digit for digit (data, in their own file).
include!("normal_tables.in");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::MonthRng;
    use rand::Rng;

    #[test]
    fn draws_have_the_moments_and_tails_of_a_standard_normal() {
        let mut rng = MonthRng::from_state(42);
        let n = 2_000_000;
        let (mut s1, mut s2, mut s4, mut beyond2, mut beyond3, mut neg) = (0.0, 0.0, 0.0, 0, 0, 0);
        for _ in 0..n {
            let bits = rng.next_u64() as u32;
            let z = from_bits(bits, &mut rng);
            (s1, s2, s4) = (s1 + z, s2 + z * z, s4 + z * z * z * z);
            beyond2 += u32::from(z.abs() > 2.0);
            beyond3 += u32::from(z.abs() > 3.0);
            neg += u32::from(z < 0.0);
        }
        let n = f64::from(n);
        assert!((s1 / n).abs() < 0.003, "mean {}", s1 / n);
        assert!((s2 / n - 1.0).abs() < 0.005, "variance {}", s2 / n);
        assert!((s4 / n - 3.0).abs() < 0.03, "fourth moment {}", s4 / n);
        // P(|z| > 2) = 0.0455 (sd of the share 1.5e-4), P(|z| > 3) = 0.0027 (3.6e-5).
        assert!((f64::from(beyond2) / n - 0.0455).abs() < 8e-4, "{beyond2}");
        assert!((f64::from(beyond3) / n - 0.0027).abs() < 2e-4, "{beyond3}");
        assert!((f64::from(neg) / n - 0.5).abs() < 0.002, "{neg}");
    }

    #[test]
    fn the_tables_are_the_ziggurats() {
        assert_eq!(X[1], R);
        assert_eq!(X[256], 0.0);
        assert_eq!(F[256], 1.0);
        assert!(X.windows(2).all(|w| w[0] > w[1]) && F.windows(2).all(|w| w[0] < w[1]));
    }
}
