//! Loyalty: commitment as a nonlinear function of satisfaction, plus
//! relationship bonds and switching costs.
//!
//! The curve has three zones (Jones & Sasser 1995): a *defection* zone at low
//! satisfaction, a long flat *indifference* middle where satisfied customers
//! are still uncommitted, and a steep *affection* zone at the very top. This
//! is what makes satisfied customers the majority of defectors.

use crate::scenario::Loyalty;

#[inline]
fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Loyalty that satisfaction alone supports (0-1).
#[inline]
pub fn curve(sat: f64, p: &Loyalty<f64>) -> f64 {
    p.floor
        + (p.middle - p.floor) * logistic((sat - p.defection_point) / p.defection_width)
        + (p.top - p.middle) * logistic((sat - p.affection_point) / p.affection_width)
}

/// Target loyalty: the curve's value plus bond and switching costs of extra products.
#[inline]
pub fn target(curve: f64, bond: f64, products: u8, p: &Loyalty<f64>) -> f64 {
    (curve + p.bond_weight * bond + p.switching_per_product * f64::from(products.saturating_sub(1))).clamp(0.0, 1.0)
}

/// [`curve`] tabulated over satisfaction 1-5 in steps of 0.001 and read by linear
/// interpolation: the monthly loop then needs no `exp` (error below 2e-5 loyalty points).
#[derive(Debug, Clone)]
pub struct Table(Vec<f64>);

const STEPS_PER_POINT: f64 = 1000.0;

impl Table {
    /// Tabulates the curve of `p`.
    pub fn new(p: &Loyalty<f64>) -> Self {
        Table(
            (0..=4000)
                .map(|i| curve(1.0 + f64::from(i) / STEPS_PER_POINT, p))
                .collect(),
        )
    }

    /// The curve at `sat` (clamped to 1-5).
    #[inline]
    pub fn at(&self, sat: f64) -> f64 {
        let x = (sat.clamp(1.0, 5.0) - 1.0) * STEPS_PER_POINT;
        let i = (x as usize).min(self.0.len() - 2);
        let f = x - i as f64;
        self.0[i] + f * (self.0[i + 1] - self.0[i])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn params() -> Loyalty<f64> {
        Loyalty {
            floor: 0.05,
            middle: 0.35,
            top: 0.95,
            defection_point: 2.5,
            defection_width: 0.25,
            affection_point: 4.5,
            affection_width: 0.12,
            adjust_rate: 0.15,
            bond_weight: 0.2,
            switching_per_product: 0.02,
            bond_growth: 0.08,
            followup_bond: 0.15,
            followup_satisfaction: 0.1,
            followup_cost: 15.0,
            cross_sell: 0.01,
            max_products: 6.0,
        }
    }

    #[test]
    fn loyalty_rises_steeply_only_at_the_top() {
        let p = params();
        let middle_step = curve(4.0, &p) - curve(3.2, &p);
        let top_step = curve(4.8, &p) - curve(4.0, &p);
        assert!(middle_step < 0.05, "flat middle: {middle_step}");
        assert!(top_step > 10.0 * middle_step, "steep top: {top_step} vs {middle_step}");
        assert!(curve(1.5, &p) < 0.1 && curve(5.0, &p) > 0.9);
    }

    #[test]
    fn bonds_and_products_add_loyalty_within_bounds() {
        let p = params();
        assert!(target(curve(4.0, &p), 1.0, 3, &p) > target(curve(4.0, &p), 0.0, 1, &p));
        assert!(target(curve(5.0, &p), 1.0, 50, &p) <= 1.0);
    }

    #[test]
    fn the_table_matches_the_curve() {
        let p = params();
        let t = Table::new(&p);
        for i in 0..=40_000 {
            let s = 1.0 + f64::from(i) / 10_000.0;
            assert!((t.at(s) - curve(s, &p)).abs() < 2e-5, "{s}");
        }
        assert_eq!(t.at(0.0), curve(1.0, &p));
        assert!((t.at(7.0) - curve(5.0, &p)).abs() < 1e-12);
    }
}
