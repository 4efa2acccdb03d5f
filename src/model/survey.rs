//! The quarterly survey: a sample of customers reports a 1-5 score, latent
//! satisfaction plus response noise, rounded. A customer keeps its last
//! reported score, so a churner's last word is known (facts F2 and F3).

use super::customers::Customer;
use crate::scenario::Survey;

/// Months between surveys: one each quarter, in months 0, 3, 6, ...
const EVERY_MONTHS: u32 = 3;

/// Whether month `month` (0-based) is a survey month; the same months in every scenario.
#[inline]
pub fn is_survey_month(month: u32) -> bool {
    month.is_multiple_of(EVERY_MONTHS)
}

/// A survey answer: latent satisfaction plus response noise `noise` (already
/// scaled), rounded to the nearest point of the 1-5 scale (halves up).
///
/// Written as `x + 0.5` clamped to 1..5.5 and truncated, which equals
/// `x.round().clamp(1.0, 5.0)` for every `x` (from 1 up, `x + 0.5` is exact
/// at every rounding boundary; below 1 the clamp decides) but needs no call
/// to the C library on processors without a rounding instruction.
#[inline]
pub fn score(sat: f64, noise: f64) -> u8 {
    ((sat + noise) + 0.5).clamp(1.0, 5.5) as u8
}

/// This month's survey, shared by every customer.
#[derive(Debug, Clone, Copy)]
pub struct Round {
    /// Whether this is a survey month.
    pub held: bool,
    sample_share: f64,
    response_sd: f64,
}

impl Round {
    /// The survey of month `month` under `p`.
    pub fn new(p: &Survey<f64>, month: u32) -> Self {
        Round {
            held: is_survey_month(month),
            sample_share: p.sample_share,
            response_sd: p.response_sd,
        }
    }

    /// Asks `c` if `u` (uniform) falls in the sample, with standard normal noise `z`;
    /// an answer updates its last score and is counted in `by_score`.
    #[inline(always)]
    pub fn ask(&self, c: &mut Customer, u: f64, z: f64, by_score: &mut [u32; 6]) {
        if self.held {
            // Whether a customer is asked is a coin toss for the processor too, so the
            // answer is worked out for everyone and kept or not.
            let answer = score(c.satisfaction, self.response_sd * z);
            let asked = u < self.sample_share;
            // Kept (x1) or not (x0) by arithmetic on a weight the compiler cannot see
            // through: as a select (even `select_unpredictable`), it becomes a branch
            // that mispredicts for a third of the customers of a survey month.
            let weight = std::hint::black_box(u8::from(asked));
            c.last_score = weight * answer + (1 - weight) * c.last_score;
            by_score[answer as usize] += u32::from(asked);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_stay_on_the_scale() {
        assert_eq!(score(4.9, 0.7), 5);
        assert_eq!(score(1.2, -2.0), 1);
        assert_eq!(score(3.6, 0.0), 4);
    }

    #[test]
    fn scores_round_exactly_like_round() {
        let reference = |x: f64| x.round().clamp(1.0, 5.0) as u8;
        let mut xs: Vec<f64> = (-2_000..=8_000).map(|i| f64::from(i) / 1_000.0).collect();
        for k in -1..=7 {
            let half = f64::from(k) + 0.5;
            xs.extend([half, half.next_down(), half.next_up(), f64::from(k).next_down()]);
        }
        xs.extend([0.49999999999999994, f64::NAN, f64::INFINITY, f64::NEG_INFINITY]);
        for x in xs {
            assert_eq!(score(x, 0.0), reference(x), "{x}");
        }
    }

    #[test]
    fn only_the_sample_answers_and_only_in_survey_months() {
        let p = Survey {
            sample_share: 0.3,
            response_sd: 0.0,
        };
        let mut c = crate::model::customers::tests::customer();
        c.satisfaction = 4.2;
        c.last_score = 2;
        let mut counts = [0; 6];
        Round::new(&p, 1).ask(&mut c, 0.0, 0.0, &mut counts);
        assert_eq!((c.last_score, counts), (2, [0; 6]), "no survey in month 1");
        Round::new(&p, 3).ask(&mut c, 0.9, 0.0, &mut counts);
        assert_eq!((c.last_score, counts), (2, [0; 6]), "not sampled");
        Round::new(&p, 3).ask(&mut c, 0.1, 0.0, &mut counts);
        assert_eq!((c.last_score, counts[4]), (4, 1));
    }
}
