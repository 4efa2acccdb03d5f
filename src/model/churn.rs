//! Churn: the monthly probability that a customer leaves.
//!
//! Three non-negative parts: an exogenous floor (moves, life events; blind to
//! satisfaction), a competitive part scaled by missing loyalty, by the
//! competitor's pull and by the grievance left by recent failures (loyal
//! customers forgive a failure, uncommitted ones start listening to
//! competitors), and a dissatisfaction part below a threshold. Satisfied but
//! uncommitted customers sit in the competitive part, which is why most
//! churners called themselves satisfied.

use super::customers::Customer;
use crate::scenario::{Churn, Complaints, Market, Segment};

/// The competitor's pull on segment `s`'s customers (a multiplier on the
/// competitive part): stronger for switchers, and growing with the price gap
/// (the firm's price index minus the competitor's) as the segment weighs price.
pub fn pull(m: &Market<f64>, s: &Segment<f64>, price_gap: f64) -> f64 {
    m.competitor_pull * s.switching_sensitivity * (m.price_pull * s.price_weight * price_gap).exp()
}

/// The churn hazard of one month, with its constant parts worked out once.
#[derive(Debug, Clone, Copy)]
pub struct Hazard {
    exogenous: f64,
    competitive: f64,
    threshold: f64,
    /// Dissatisfaction part per satisfaction point below the threshold (1/month).
    per_point_below: f64,
    /// Relative increase of the competitive part per unit of grievance.
    grievance_multiplier: f64,
    /// Share of grievance remaining one month later.
    grievance_persistence: f64,
}

impl Hazard {
    /// The hazard under `p`, with the grievance of `complaints`.
    pub fn new(p: &Churn<f64>, complaints: &Complaints<f64>) -> Self {
        Hazard {
            exogenous: p.exogenous,
            competitive: p.competitive,
            threshold: p.dissatisfaction_threshold,
            per_point_below: p.dissatisfaction / (p.dissatisfaction_threshold - 1.0).max(1e-9),
            grievance_multiplier: complaints.grievance_multiplier,
            grievance_persistence: complaints.grievance_persistence,
        }
    }

    /// Whether `c`, under the competitor's `pull`, leaves this month (`u` uniform);
    /// the grievance that raised its hazard fades either way.
    #[inline(always)]
    pub fn leaves(&self, c: &mut Customer, pull: f64, u: f64) -> bool {
        let h = self.at(c.satisfaction, c.loyalty, pull, self.grievance_multiplier * c.grievance);
        c.grievance *= self.grievance_persistence;
        u < h
    }

    /// Monthly churn hazard (0-1), never below the exogenous floor.
    /// `grievance` is the relative increase of the competitive part (0 = none).
    #[inline]
    pub fn at(&self, sat: f64, loyalty: f64, pull: f64, grievance: f64) -> f64 {
        // Zero at or above the threshold, written without a branch.
        let shortfall = (self.threshold - sat).max(0.0);
        let dissatisfaction = self.per_point_below * shortfall;
        (self.exogenous + self.competitive * (1.0 - loyalty) * pull * (1.0 + grievance) + dissatisfaction).min(1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> Churn<f64> {
        Churn {
            exogenous: 0.002,
            competitive: 0.02,
            dissatisfaction: 0.05,
            dissatisfaction_threshold: 3.0,
        }
    }

    fn hazard(sat: f64, loyalty: f64, pull: f64, grievance: f64, p: &Churn<f64>) -> f64 {
        Hazard::new(p, &crate::model::complaints::tests::params()).at(sat, loyalty, pull, grievance)
    }

    #[test]
    fn churn_never_falls_below_its_exogenous_floor() {
        for sat in [1.0, 2.0, 3.0, 4.0, 5.0] {
            for loyalty in [0.0, 0.5, 1.0] {
                for pull in [0.0, 1.0, 3.0] {
                    let h = hazard(sat, loyalty, pull, 0.0, &p());
                    assert!(h >= p().exogenous && h <= 1.0, "{sat} {loyalty} {pull}: {h}");
                }
            }
        }
        assert_eq!(hazard(5.0, 1.0, 1.0, 0.0, &p()), p().exogenous);
    }

    #[test]
    fn loyalty_pull_dissatisfaction_and_grievance_each_raise_churn() {
        let base = hazard(4.0, 0.5, 1.0, 0.0, &p());
        assert!(hazard(4.0, 0.2, 1.0, 0.0, &p()) > base);
        assert!(hazard(4.0, 0.5, 2.0, 0.0, &p()) > base);
        assert!(hazard(2.0, 0.5, 1.0, 0.0, &p()) > base);
        assert!(hazard(4.0, 0.5, 1.0, 1.0, &p()) > base);
        let forgiven = hazard(4.0, 0.95, 1.0, 1.0, &p()) - hazard(4.0, 0.95, 1.0, 0.0, &p());
        assert!(
            forgiven < 0.2 * (hazard(4.0, 0.3, 1.0, 1.0, &p()) - hazard(4.0, 0.3, 1.0, 0.0, &p())),
            "loyal customers forgive"
        );
    }
}
