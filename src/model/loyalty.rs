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

/// Target loyalty: the curve plus bond and switching costs of extra products.
#[inline]
pub fn target(sat: f64, bond: f64, products: u8, p: &Loyalty<f64>) -> f64 {
    (curve(sat, p) + p.bond_weight * bond + p.switching_per_product * f64::from(products.saturating_sub(1)))
        .clamp(0.0, 1.0)
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
        assert!(target(4.0, 1.0, 3, &p) > target(4.0, 0.0, 1, &p));
        assert!(target(5.0, 1.0, 50, &p) <= 1.0);
    }
}
