//! Satisfaction: quality perceived against each customer's zone of tolerance,
//! combined with perceived value; expectations that adapt; the quarterly survey.
//!
//! The response function is the heart of the *quality indifference zone*:
//! below the adequate level A satisfaction falls steeply, between A and the
//! desired level D it barely moves, above D customers are delighted, and losses
//! weigh more than gains (`slope_below > slope_above >> slope_zone`).

use crate::scenario::{Satisfaction, Segment};

/// The satisfaction response (satisfaction points, relative to `neutral`) to
/// one encounter of quality `q` by a customer whose zone runs from `a` to `d`.
/// Continuous and increasing; zero at the middle of the zone.
#[inline]
pub fn response(q: f64, a: f64, d: f64, p: &Satisfaction<f64>) -> f64 {
    let half = 0.5 * (d - a);
    // All three pieces are computed and one is chosen: where a random quality
    // falls is unpredictable, and a select is cheaper than a mispredicted branch.
    let below = -p.slope_zone * half - p.slope_below * (a - q);
    let inside = p.slope_zone * (q - a - half);
    let above = p.slope_zone * half + p.slope_above * (q - d);
    if q < a {
        below
    } else if q <= d {
        inside
    } else {
        above
    }
}

/// The adequate level after a failure: `narrow` (0-1) closes part of the zone.
#[inline]
pub fn narrowed_adequate(a: f64, d: f64, narrow: f64) -> f64 {
    a + narrow * (d - a)
}

/// What one segment's customers get for what they pay this month, in value
/// units (0 = the market's offer): benefits of product and personnel minus
/// the money and time costs.
pub fn perceived_value(
    s: &Segment<f64>,
    product_advantage: f64,
    capability: f64,
    price_gap: f64,
    extra_wait_minutes: f64,
) -> f64 {
    s.product_weight * product_advantage + s.personnel_weight * (capability - 0.7)
        - s.price_weight * price_gap
        - s.time_weight * extra_wait_minutes / 10.0
}

/// Moves satisfaction `sat` toward `target` by `rate` and keeps it on the 1-5 scale.
#[inline]
pub fn approach(sat: f64, target: f64, rate: f64) -> f64 {
    (sat + rate * (target - sat)).clamp(1.0, 5.0)
}

/// A survey answer: latent satisfaction plus response noise `z` (already
/// scaled), rounded to the nearest point of the 1-5 scale (halves up).
///
/// Written as `x + 0.5` clamped to 1..5.5 and truncated, which equals
/// `x.round().clamp(1.0, 5.0)` for every `x` (from 1 up, `x + 0.5` is exact
/// at every rounding boundary; below 1 the clamp decides) but needs no call
/// to the C library on processors without a rounding instruction.
#[inline]
pub fn survey_score(sat: f64, noise: f64) -> u8 {
    ((sat + noise) + 0.5).clamp(1.0, 5.5) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Satisfaction<f64> {
        Satisfaction {
            neutral: 4.0,
            slope_below: 0.7,
            slope_zone: 0.05,
            slope_above: 0.3,
            adjust_rate: 0.3,
            idle_rate: 0.03,
            value_weight: 1.0,
            initial_sd: 0.4,
            disposition_sd: 0.3,
        }
    }

    #[test]
    fn nearly_flat_inside_the_zone_and_steep_outside() {
        let (a, d) = (6.0, 8.0);
        let inside = response(7.5, a, d, &p()) - response(6.5, a, d, &p());
        let below = response(5.5, a, d, &p()) - response(4.5, a, d, &p());
        let above = response(9.5, a, d, &p()) - response(8.5, a, d, &p());
        assert!(inside > 0.0 && inside * 5.0 < above, "inside {inside} above {above}");
        assert!(
            below > above,
            "losses weigh more than gains: below {below} above {above}"
        );
        assert!((response(7.0, a, d, &p())).abs() < 1e-12, "zero mid-zone");
    }

    #[test]
    fn response_is_continuous_and_increasing() {
        let (a, d) = (5.5, 7.25);
        let mut last = f64::NEG_INFINITY;
        for i in 0..=1000 {
            let q = i as f64 / 100.0;
            let r = response(q, a, d, &p());
            assert!(r >= last, "increasing at {q}");
            assert!(last == f64::NEG_INFINITY || r - last < 0.01, "continuous at {q}");
            last = r;
        }
    }

    #[test]
    fn a_failure_narrows_the_zone_and_the_same_quality_then_disappoints() {
        let (a, d) = (6.0, 8.0);
        let a2 = narrowed_adequate(a, d, 0.6);
        assert!(a2 > a && a2 < d);
        assert!(response(6.5, a2, d, &p()) < response(6.5, a, d, &p()) - 0.2);
    }

    #[test]
    fn survey_scores_stay_on_the_scale() {
        assert_eq!(survey_score(4.9, 0.7), 5);
        assert_eq!(survey_score(1.2, -2.0), 1);
        assert_eq!(survey_score(3.6, 0.0), 4);
    }

    #[test]
    fn survey_scores_round_exactly_like_round() {
        let reference = |x: f64| x.round().clamp(1.0, 5.0) as u8;
        let mut xs: Vec<f64> = (-2_000..=8_000).map(|i| f64::from(i) / 1_000.0).collect();
        for k in -1..=7 {
            let half = f64::from(k) + 0.5;
            xs.extend([half, half.next_down(), half.next_up(), f64::from(k).next_down()]);
        }
        xs.extend([0.49999999999999994, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        for x in xs {
            assert_eq!(survey_score(x, 0.0), reference(x), "{x}");
        }
    }
}
