//! Money: one month's profit and loss, and discounting.
//!
//! Revenue comes from balance margin and fees (both scale with the price
//! lever); costs are the cost to serve, complaint handling, acquisition,
//! staff (salaries, hiring, training) and the lever budgets. Profit is
//! revenue minus the sum of the cost lines, by construction.

use serde::Serialize;

/// One month's profit and loss (EUR).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Ledger {
    /// Interest margin and fees.
    pub revenue: f64,
    /// Encounters and the fixed cost per customer.
    pub cost_to_serve: f64,
    /// Complaint handling.
    pub complaint_handling: f64,
    /// Onboarding of new customers.
    pub acquisition: f64,
    /// The marketing budget.
    pub marketing: f64,
    /// Front-line salaries (head count x salary x pay index).
    pub salaries: f64,
    /// Replacing leavers and hiring for growth.
    pub hiring: f64,
    /// Training, process, recovery and follow-up budgets.
    pub investment: f64,
    /// Fixed overhead.
    pub overhead: f64,
}

impl Ledger {
    /// Sum of the cost lines.
    pub fn costs(&self) -> f64 {
        self.cost_to_serve
            + self.complaint_handling
            + self.acquisition
            + self.marketing
            + self.salaries
            + self.hiring
            + self.investment
            + self.overhead
    }

    /// What management chose to spend: the lever budgets, marketing and salaries.
    pub fn lever_spend(&self) -> f64 {
        self.investment + self.marketing + self.salaries
    }

    /// What customers contribute: revenue minus the cost to serve them and to handle their complaints.
    pub fn contribution(&self) -> f64 {
        self.revenue - self.cost_to_serve - self.complaint_handling
    }

    /// Revenue minus costs.
    pub fn profit(&self) -> f64 {
        self.revenue - self.costs()
    }
}

/// Monthly discount factor for month `month` (0-based, cash at month end) at an annual `rate`.
pub fn discount(rate: f64, month: u32) -> f64 {
    (1.0 + rate).powf(-(f64::from(month) + 1.0) / 12.0)
}

/// The saturating effect (0-1) of `spend` against its half-effect level.
#[inline]
pub fn saturating(spend: f64, half: f64) -> f64 {
    if spend <= 0.0 { 0.0 } else { spend / (spend + half) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profit_is_revenue_minus_the_cost_lines() {
        let l = Ledger {
            revenue: 100.0,
            cost_to_serve: 10.0,
            complaint_handling: 1.0,
            acquisition: 2.0,
            marketing: 4.0,
            salaries: 25.0,
            hiring: 5.0,
            investment: 5.0,
            overhead: 7.0,
        };
        assert_eq!(l.costs(), 59.0);
        assert_eq!(l.profit(), 41.0);
    }

    #[test]
    fn discounting_and_saturation() {
        assert!((discount(0.08, 11) - 1.0 / 1.08).abs() < 1e-12);
        assert_eq!(saturating(0.0, 5.0), 0.0);
        assert_eq!(saturating(5.0, 5.0), 0.5);
        assert!(saturating(1e9, 5.0) < 1.0);
    }
}
