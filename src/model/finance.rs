//! Money: each customer's account (products, balance, revenue, cost to serve),
//! one month's profit and loss, and discounting.
//!
//! Profit per customer grows with tenure (Reichheld & Sasser 1990): loyal
//! customers take more products (cross-sell) and grow their balances, and
//! long-standing ones cost less to serve. Revenue comes from balance margin and
//! fees (both scale with the price lever); costs are the cost to serve,
//! complaint handling, acquisition, staff (salaries, hiring, training) and the
//! lever budgets. Profit is revenue minus the sum of the cost lines, by construction.

use serde::Serialize;

use super::MONTHS_PER_YEAR;
use super::customers::Customer;
use crate::scenario::{Levers, Params, Segment};

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

/// This month's terms of every customer's account, worked out once rather than
/// divided per customer.
#[derive(Debug, Clone, Copy)]
pub struct Accounts {
    /// Probability per month that a fully loyal customer takes one more product (1/month).
    cross_sell: f64,
    max_products: f64,
    growth_per_month: f64,
    margin_per_month: f64,
    price_index: f64,
    fee_per_product: f64,
    cost_per_encounter: f64,
    cost_per_customer: f64,
    tenure_cost_saving: f64,
    tenure_saving_per_month: f64,
}

impl Accounts {
    /// The terms under `p` at price index `price_index`. Cross-sell's parameters
    /// are keys of `[loyalty]` in scenario files: loyalty drives it.
    pub fn new(p: &Params<f64>, price_index: f64) -> Self {
        let f = &p.finance;
        Accounts {
            cross_sell: p.loyalty.cross_sell,
            max_products: p.loyalty.max_products,
            growth_per_month: f.balance_growth / MONTHS_PER_YEAR,
            margin_per_month: f.margin / MONTHS_PER_YEAR,
            price_index,
            fee_per_product: f.fee_per_product,
            cost_per_encounter: f.cost_per_encounter,
            cost_per_customer: f.cost_per_customer,
            tenure_cost_saving: f.tenure_cost_saving,
            tenure_saving_per_month: f.tenure_cost_saving / f.tenure_saving_months,
        }
    }

    /// `c`'s month on its account, with `u_cross` (uniform) for cross-sell, `n`
    /// encounters and `inv_balance_cap` = 1 / its segment's balance cap (EUR^-1):
    /// a loyal customer may take one more product, the balance grows with loyalty
    /// toward the cap; returns (revenue, cost to serve) (EUR).
    #[inline(always)]
    pub fn close(&self, c: &mut Customer, u_cross: f64, n: u32, inv_balance_cap: f64) -> (f64, f64) {
        if u_cross < self.cross_sell * c.loyalty && f64::from(c.products) < self.max_products {
            c.products += 1;
        }
        let room = (1.0 - c.balance * inv_balance_cap).max(0.0);
        c.balance += c.balance * self.growth_per_month * c.loyalty * room;
        let revenue =
            self.price_index * (c.balance * self.margin_per_month + f64::from(c.products) * self.fee_per_product);
        // The saving's cap as a select: `f64::min` would add four instructions to
        // care for NaN, which cannot occur here.
        let saving = self.tenure_saving_per_month * f64::from(c.tenure);
        let saving = if saving > self.tenure_cost_saving {
            self.tenure_cost_saving
        } else {
            saving
        };
        let cost = f64::from(n) * self.cost_per_encounter + self.cost_per_customer * (1.0 - saving);
        (revenue, cost)
    }
}

/// 1 / the balance cap of segment `s`'s customers (EUR^-1): the monthly loop
/// multiplies instead of dividing.
pub fn inv_balance_cap(s: &Segment<f64>, p: &Params<f64>) -> f64 {
    1.0 / (s.balance_median * p.finance.balance_cap)
}

/// What one month's ledger is made of besides the customers' accounts.
#[derive(Debug, Clone, Copy)]
pub struct MonthCounts {
    /// Complaints handled.
    pub complaints: u32,
    /// New customers onboarded.
    pub new_customers: u32,
    /// Follow-up contacts made.
    pub followups: u32,
    /// Front-line head count.
    pub staff: u32,
    /// Employees hired.
    pub hires: u32,
}

impl Ledger {
    /// The month's ledger: `revenue` and `cost_to_serve` summed over the customers'
    /// accounts, the other lines from `counts`, the levers `lv` and the prices of `p`.
    pub fn month(revenue: f64, cost_to_serve: f64, counts: MonthCounts, lv: &Levers<f64>, p: &Params<f64>) -> Self {
        let n_staff = f64::from(counts.staff);
        Ledger {
            revenue,
            cost_to_serve,
            complaint_handling: f64::from(counts.complaints) * p.complaints.handling_cost,
            acquisition: f64::from(counts.new_customers) * p.finance.onboarding_cost,
            marketing: lv.marketing / MONTHS_PER_YEAR,
            salaries: n_staff * p.employees.salary * lv.pay_index / MONTHS_PER_YEAR,
            hiring: f64::from(counts.hires) * p.employees.hiring_cost,
            investment: (lv.training * n_staff + lv.process + lv.recovery + lv.ambience) / MONTHS_PER_YEAR
                + f64::from(counts.followups) * p.loyalty.followup_cost,
            overhead: p.finance.overhead / MONTHS_PER_YEAR,
        }
    }
}

/// Monthly discount factor for month `month` (0-based, cash at month end) at an annual `rate`.
pub fn discount(rate: f64, month: u32) -> f64 {
    (1.0 + rate).powf(-(f64::from(month) + 1.0) / MONTHS_PER_YEAR)
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
    fn the_tenure_saving_grows_until_its_months_and_loyalty_cross_sells() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let p = crate::scenario::Scenario::load(&path, &[]).unwrap().draw(1, 0).params;
        let accounts = Accounts::new(&p, 1.0);
        let cost_at = |tenure: u16| {
            let mut c = crate::model::customers::tests::customer();
            c.tenure = tenure;
            accounts.close(&mut c, 1.0, 0, 0.0).1
        };
        let months = p.finance.tenure_saving_months as u16;
        assert!(cost_at(0) > cost_at(months / 2) && cost_at(months / 2) > cost_at(months));
        assert!(
            (cost_at(months) - cost_at(3 * months)).abs() < 1e-12,
            "complete at tenure_saving_months"
        );
        assert_eq!(cost_at(months + 1), cost_at(3 * months));
        let mut loyal = crate::model::customers::tests::customer();
        loyal.loyalty = 1.0;
        let products = loyal.products;
        accounts.close(&mut loyal, p.loyalty.cross_sell / 2.0, 0, 0.0);
        assert_eq!(loyal.products, products + 1);
    }

    #[test]
    fn discounting_and_saturation() {
        assert!((discount(0.08, 11) - 1.0 / 1.08).abs() < 1e-12);
        assert_eq!(saturating(0.0, 5.0), 0.0);
        assert_eq!(saturating(5.0, 5.0), 0.5);
        assert!(saturating(1e9, 5.0) < 1.0);
    }
}
