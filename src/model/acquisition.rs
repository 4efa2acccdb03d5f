//! Word of mouth and acquisition: where new customers come from.
//!
//! New customers per month = walk-ins + a saturating marketing response +
//! referrals by promoters (loyal and delighted customers) - prospects deterred
//! by detractors and by unresolved complaints, all damped by a price above the
//! competitor's. Negative word of mouth weighs more than positive.

use rand_distr::{Distribution, Poisson};

use super::customers::Customer;
use super::finance::saturating;
use crate::rng::SimRng;
use crate::scenario::Acquisition;

/// Who talks about the firm this month: promoters (satisfied and loyal) and
/// detractors (dissatisfied), counted over the customers who stay.
#[derive(Debug, Clone, Copy)]
pub struct WordOfMouth {
    promoter_satisfaction: f64,
    promoter_loyalty: f64,
    detractor_satisfaction: f64,
    /// Promoters counted so far.
    pub promoters: u32,
    /// Detractors counted so far.
    pub detractors: u32,
}

impl WordOfMouth {
    /// No one counted yet, under `p`.
    pub fn new(p: &Acquisition<f64>) -> Self {
        WordOfMouth {
            promoter_satisfaction: p.promoter_satisfaction,
            promoter_loyalty: p.promoter_loyalty,
            detractor_satisfaction: p.detractor_satisfaction,
            promoters: 0,
            detractors: 0,
        }
    }

    /// Counts `c`, who stays, as a promoter, a detractor or neither.
    #[inline(always)]
    pub fn count(&mut self, c: &Customer) {
        self.promoters +=
            u32::from((c.satisfaction >= self.promoter_satisfaction) & (c.loyalty >= self.promoter_loyalty));
        self.detractors += u32::from(c.satisfaction < self.detractor_satisfaction);
    }
}

/// New customers this month: a Poisson count of mean `lambda` from the firm's
/// acquisition stream `rng` (none if the mean is not positive).
pub fn new_customers(lambda: f64, rng: &mut SimRng) -> u32 {
    if lambda > 0.0 {
        Poisson::new(lambda).map_or(0.0, |d| d.sample(rng)) as u32
    } else {
        0
    }
}

/// Expected new customers this month (never negative).
pub fn expected_new(
    p: &Acquisition<f64>,
    marketing: f64,
    promoters: f64,
    detractors: f64,
    unresolved: f64,
    price_gap: f64,
) -> f64 {
    let gross =
        p.organic + p.marketing_max * saturating(marketing, p.marketing_half_effect) + p.referral_rate * promoters
            - p.deterrence_rate * detractors
            - p.unresolved_deterrence * unresolved;
    (gross * (-p.price_elasticity * price_gap).exp()).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_of_mouth_and_price_move_acquisition() {
        let p = Acquisition {
            organic: 50.0,
            marketing_max: 100.0,
            marketing_half_effect: 300_000.0,
            referral_rate: 0.01,
            deterrence_rate: 0.03,
            unresolved_deterrence: 0.5,
            price_elasticity: 2.0,
            promoter_satisfaction: 4.5,
            promoter_loyalty: 0.7,
            detractor_satisfaction: 2.5,
        };
        let base = expected_new(&p, 200_000.0, 1000.0, 100.0, 10.0, 0.0);
        assert!(expected_new(&p, 200_000.0, 2000.0, 100.0, 10.0, 0.0) > base);
        assert!(expected_new(&p, 200_000.0, 1000.0, 200.0, 10.0, 0.0) < base);
        assert!(expected_new(&p, 200_000.0, 1000.0, 100.0, 10.0, 0.1) < base);
        assert!(expected_new(&p, 400_000.0, 1000.0, 100.0, 10.0, 0.0) > base);
        assert_eq!(expected_new(&p, 0.0, 0.0, 1e6, 0.0, 0.0), 0.0);
    }
}
