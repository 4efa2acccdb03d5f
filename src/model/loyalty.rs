//! Loyalty: commitment as a nonlinear function of satisfaction, plus
//! relationship bonds and switching costs.
//!
//! The curve has three zones (Jones & Sasser 1995): a *defection* zone at low
//! satisfaction, a long flat *indifference* middle where satisfied customers
//! are still uncommitted, and a steep *affection* zone at the very top. This
//! is what makes satisfied customers the majority of defectors.

use super::MONTHS_PER_YEAR;
use super::customers::Customer;
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

/// This month's relationship care and loyalty update, shared by every customer.
#[derive(Debug, Clone, Copy)]
pub struct Update<'m> {
    p: &'m Loyalty<f64>,
    curve: &'m Table,
    /// Share of customers contacted this month (the follow-up lever, 0-1).
    followup: f64,
    /// Bond growth per month of tenure (share of the remaining gap).
    bond_growth_per_month: f64,
}

impl<'m> Update<'m> {
    /// The update under `p`, with `curve` tabulated from it and the follow-up lever `followup`.
    pub fn new(p: &'m Loyalty<f64>, curve: &'m Table, followup: f64) -> Self {
        Update {
            p,
            curve,
            followup,
            bond_growth_per_month: p.bond_growth / MONTHS_PER_YEAR,
        }
    }

    /// Follow-up: if `u` (uniform) falls in this month's contacted share, `c` is
    /// contacted (counted in `contacts`): its bond grows, and if it is satisfied
    /// its satisfaction `shock` rises.
    #[inline(always)]
    pub fn follow_up(&self, c: &mut Customer, u: f64, contacts: &mut u32, shock: &mut f64) {
        if u < self.followup {
            *contacts += 1;
            c.bond += self.p.followup_bond * (1.0 - c.bond);
            if c.satisfaction >= self.p.followup_threshold {
                *shock += self.p.followup_satisfaction;
            }
        }
    }

    /// The end of `c`'s month: the bond grows with tenure, and loyalty moves
    /// toward the curve's value at its satisfaction plus bond and switching costs.
    #[inline(always)]
    pub fn close(&self, c: &mut Customer) {
        let p = self.p;
        c.bond += self.bond_growth_per_month * (1.0 - c.bond);
        c.loyalty += p.adjust_rate * (target(self.curve.at(c.satisfaction), c.bond, c.products, p) - c.loyalty);
    }
}

/// [`curve`] tabulated over satisfaction 1-5 and read by linear interpolation,
/// so the monthly loop needs no `exp`. The step is chosen from the curve's
/// steepest bend so the error stays below [`Table::MAX_ERROR`], and no finer:
/// a small table stays in the first-level cache while customers stream past it
/// (about 800 intervals for the baseline's curve, 13 kB).
#[derive(Debug, Clone)]
pub struct Table {
    /// Per interval: the curve at its start and the rise to its end.
    intervals: Vec<[f64; 2]>,
    steps_per_point: f64,
}

impl Table {
    /// Largest difference from [`curve`] (loyalty points).
    pub const MAX_ERROR: f64 = 1e-5;

    /// Tabulates the curve of `p`.
    pub fn new(p: &Loyalty<f64>) -> Self {
        // Linear interpolation errs by at most h^2/8 max|f''|, and a logistic's second
        // derivative is at most 0.0963 / width^2 times its height.
        let bend = 0.0963
            * ((p.middle - p.floor).abs() / p.defection_width.powi(2)
                + (p.top - p.middle).abs() / p.affection_width.powi(2));
        let step = (8.0 * Self::MAX_ERROR / bend.max(1e-12)).sqrt().clamp(1e-4, 0.01);
        let intervals = (4.0 / step).ceil() as u32;
        let steps_per_point = f64::from(intervals) / 4.0;
        let values: Vec<f64> = (0..=intervals)
            .map(|i| curve(1.0 + f64::from(i) / steps_per_point, p))
            .collect();
        Table {
            intervals: values.windows(2).map(|w| [w[0], w[1] - w[0]]).collect(),
            steps_per_point,
        }
    }

    /// The curve at `sat` (clamped to 1-5).
    #[inline]
    pub fn at(&self, sat: f64) -> f64 {
        let x = (sat.clamp(1.0, 5.0) - 1.0) * self.steps_per_point;
        // Through u32: x is at most a few thousand, and the conversion is cheaper than to usize.
        let i = (x as u32 as usize).min(self.intervals.len() - 1);
        let [start, rise] = self.intervals[i];
        start + (x - i as f64) * rise
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
            followup_threshold: 3.5,
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
    fn follow_up_builds_the_bond_and_lifts_only_the_satisfied() {
        let p = params();
        let table = Table::new(&p);
        let update = Update::new(&p, &table, 0.5);
        let (mut contacts, mut shock) = (0, 0.0);
        let mut c = crate::model::customers::tests::customer();
        let bond = c.bond;
        update.follow_up(&mut c, 0.9, &mut contacts, &mut shock);
        assert_eq!((contacts, shock, c.bond), (0, 0.0, bond), "not contacted");
        update.follow_up(&mut c, 0.1, &mut contacts, &mut shock);
        assert!(contacts == 1 && c.bond > bond && shock == p.followup_satisfaction);
        c.satisfaction = p.followup_threshold - 0.01;
        update.follow_up(&mut c, 0.1, &mut contacts, &mut shock);
        assert_eq!(
            (contacts, shock),
            (2, p.followup_satisfaction),
            "below the threshold: bond only"
        );
    }

    #[test]
    fn the_table_matches_the_curve() {
        let p = params();
        let t = Table::new(&p);
        for i in 0..=40_000 {
            let s = 1.0 + f64::from(i) / 10_000.0;
            assert!((t.at(s) - curve(s, &p)).abs() <= Table::MAX_ERROR, "{s}");
        }
        // A much steeper top needs a finer table, and gets one.
        let steep = Loyalty {
            affection_width: 0.02,
            ..p
        };
        let t = Table::new(&steep);
        for i in 0..=40_000 {
            let s = 1.0 + f64::from(i) / 10_000.0;
            assert!((t.at(s) - curve(s, &steep)).abs() <= Table::MAX_ERROR, "{s}");
        }
        assert_eq!(t.at(0.0), curve(1.0, &steep));
        assert!((t.at(7.0) - curve(5.0, &steep)).abs() < 1e-12);
    }
}
