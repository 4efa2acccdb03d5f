//! Satisfaction: quality perceived against each customer's zone of tolerance,
//! combined with perceived value. (The zone itself is [`super::expectations`];
//! the reported score is [`super::survey`].)
//!
//! The response function is the heart of the *quality indifference zone*:
//! below the adequate level A satisfaction falls steeply, between A and the
//! desired level D it barely moves, above D customers are delighted, and losses
//! weigh more than gains (`slope_below > slope_above >> slope_zone`).

use super::customers::Customer;
use crate::scenario::{Market, Satisfaction, Segment};

/// Capability of the market's usual front line (0-1): personnel value is
/// measured from it, so a front line as capable as the market's adds none.
const MARKET_CAPABILITY: f64 = 0.7;

/// Minutes of extra wait per unit of the segments' `time_weight`: the weights
/// are given per ten minutes, the size of a wait customers notice.
const WAIT_UNIT_MINUTES: f64 = 10.0;

/// The satisfaction response (satisfaction points, relative to `neutral`) to
/// one encounter by a customer whose zone of tolerance runs from A to D.
/// Continuous and increasing; zero at the middle of the zone.
#[derive(Debug, Clone, Copy)]
pub struct Response {
    /// Slope inside the zone (satisfaction points per quality point).
    zone: f64,
    /// Extra slope below A (`slope_below - slope_zone`).
    below_extra: f64,
    /// Extra slope above D (`slope_above - slope_zone`).
    above_extra: f64,
}

impl Response {
    /// The response under `p`.
    pub fn new(p: &Satisfaction<f64>) -> Self {
        Response {
            zone: p.slope_zone,
            below_extra: p.slope_below - p.slope_zone,
            above_extra: p.slope_above - p.slope_zone,
        }
    }

    /// The response to quality `q` with the zone `[a, d]`.
    ///
    /// The zone's slope everywhere, plus the extra slope of the piece below A
    /// and of the piece above D: one expression for all three pieces, so
    /// where a random quality falls costs no branch and no select.
    #[inline]
    pub fn at(&self, q: f64, a: f64, d: f64) -> f64 {
        self.zone * (q - 0.5 * (a + d)) + self.below_extra * (q - a).min(0.0) + self.above_extra * (q - d).max(0.0)
    }
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
    s.product_weight * product_advantage + s.personnel_weight * (capability - MARKET_CAPABILITY)
        - s.price_weight * price_gap
        - s.time_weight * extra_wait_minutes / WAIT_UNIT_MINUTES
}

/// The satisfaction a segment's customers move toward this month before their own
/// disposition and the month's encounters (1-5 scale): neutral plus perceived value.
pub fn segment_target(
    p: &Satisfaction<f64>,
    s: &Segment<f64>,
    m: &Market<f64>,
    capability: f64,
    price_gap: f64,
    extra_wait_minutes: f64,
) -> f64 {
    let value = perceived_value(s, m.product_advantage, capability, price_gap, extra_wait_minutes);
    p.neutral + p.value_weight * value
}

/// Moves satisfaction `sat` toward `target` by `rate` and keeps it on the 1-5 scale.
#[inline]
pub fn approach(sat: f64, target: f64, rate: f64) -> f64 {
    (sat + rate * (target - sat)).clamp(1.0, 5.0)
}

/// This month's satisfaction update, shared by every customer.
#[derive(Debug, Clone, Copy)]
pub struct Update {
    adjust_rate: f64,
    idle_rate: f64,
}

impl Update {
    /// The update under `p`.
    pub fn new(p: &Satisfaction<f64>) -> Self {
        Update {
            adjust_rate: p.adjust_rate,
            idle_rate: p.idle_rate,
        }
    }

    /// Moves `c`'s satisfaction toward its segment's `target`, its disposition and
    /// the month's `mean_response` to its encounters, fast if it `met` the firm.
    #[inline(always)]
    pub fn close(&self, c: &mut Customer, target: f64, mean_response: f64, met: bool) {
        // Both cases share one expression: with no encounter the mean response is 0.0,
        // and adding it changes nothing; selecting the rate needs no branch.
        let rate = if met { self.adjust_rate } else { self.idle_rate };
        c.satisfaction = approach(c.satisfaction, target + c.disposition + mean_response, rate);
    }

    /// Adds `shock` (satisfaction points: failures, recovery, follow-up) to `c`'s
    /// satisfaction, kept on the 1-5 scale.
    #[inline(always)]
    pub fn shock(&self, c: &mut Customer, shock: f64) {
        c.satisfaction = (c.satisfaction + shock).clamp(1.0, 5.0);
    }
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

    fn response(q: f64, a: f64, d: f64, p: &Satisfaction<f64>) -> f64 {
        Response::new(p).at(q, a, d)
    }

    #[test]
    fn the_pieces_have_their_slopes_and_meet_at_the_zone_edges() {
        let (a, d, p) = (6.0, 8.0, p());
        let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
        assert!(close(response(a, a, d, &p), -p.slope_zone * 1.0));
        assert!(close(response(d, a, d, &p), p.slope_zone * 1.0));
        assert!(close(response(4.0, a, d, &p), -p.slope_zone - 2.0 * p.slope_below));
        assert!(close(response(9.5, a, d, &p), p.slope_zone + 1.5 * p.slope_above));
        assert!(close(response(7.5, a, d, &p), 0.5 * p.slope_zone));
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
        let a2 = crate::model::expectations::narrowed_adequate(a, d, 0.6);
        assert!(a2 > a && a2 < d);
        assert!(response(6.5, a2, d, &p()) < response(6.5, a, d, &p()) - 0.2);
    }
}
