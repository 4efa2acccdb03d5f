//! The customer population of one replication.
//!
//! Customers are records in one vector, updated in place by the monthly loop
//! without allocation. Churned customers are removed by swap-remove; each
//! customer carries its own stream key, so their order never affects draws.
//!
//! Why records and not a struct of arrays: the monthly step reads nearly every
//! attribute of one customer and writes most of them, with a random number of
//! encounters in between, so nothing vectorises across customers and parallel
//! arrays only add a base pointer and a bounds check per attribute. Measured on
//! the baseline (`spc run baseline -r 20 -j 1`): struct of arrays 1.11e7
//! customer-months/s, the same arrays updated in place through slices 1.09e7,
//! records 1.47e7, with bit-identical results.

use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

use super::{MONTHS_PER_YEAR, expectations, loyalty, survey};
use crate::rng::{Kind, Purpose, StreamKey};
use crate::scenario::Params;

/// Longest tenure of a customer at month 0 (months): fifty years, a lifetime at
/// one bank, and well inside the record's 16 bits.
const MAX_INITIAL_TENURE: f64 = 600.0;

/// Rate of past cross-sell of the customers at month 0, as a share of a fully
/// loyal customer's: their loyalty over the years is taken as one half.
const PAST_CROSS_SELL_SHARE: f64 = 0.5;

/// Loyalty of a new customer as a share of what its satisfaction supports: a
/// newcomer has no bond yet and is half-way to commitment.
const NEW_CUSTOMER_LOYALTY_SHARE: f64 = 0.5;

/// One customer's state, used to create and to inspect customers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Customer {
    /// Stream key (replication, customer id).
    pub key: StreamKey,
    /// Segment index: 0 price-sensitive, 1 service-led, 2 product-led.
    pub segment: u8,
    /// Months with the firm.
    pub tenure: u16,
    /// Adequate service level A (quality points).
    pub adequate: f64,
    /// Width of the zone of tolerance, D - A (quality points).
    pub width: f64,
    /// Share of the zone closed by a recent failure (0-1).
    pub narrow: f64,
    /// Lasting offset of this customer's satisfaction target (satisfaction points).
    pub disposition: f64,
    /// Latent satisfaction (1-5).
    pub satisfaction: f64,
    /// Loyalty, commitment (0-1).
    pub loyalty: f64,
    /// Relationship bond (0-1).
    pub bond: f64,
    /// Grievance from recent failures (0-1).
    pub grievance: f64,
    /// Balance held (EUR).
    pub balance: f64,
    /// Products held.
    pub products: u8,
    /// Service failures experienced.
    pub failures: u16,
    /// Last reported survey score (1-5; 0 = never surveyed).
    pub last_score: u8,
    /// Complaint path after the last failure still being followed (0 = none): the
    /// slot of the path watcher ([`super::watch::Paths`]), which keeps no table of its own.
    pub path: u8,
    /// Month of that failure (the path watcher's slot).
    pub path_month: u16,
}

impl Customer {
    /// A customer with id `id` drawn from its own initial stream. `initial`
    /// customers exist at month 0 with a tenure and the history it implies
    /// (bond, products, balance, a survey answer); others are new.
    pub fn draw(master: u64, replication: u64, id: u64, initial: bool, p: &Params<f64>) -> Customer {
        let key = StreamKey::new(master, replication, Kind::Customer, id);
        let mut rng = key.rng(Purpose::Init, 0);
        let shares: [f64; 3] = std::array::from_fn(|i| p.segments.each()[i].1.share);
        let total: f64 = shares.iter().sum();
        let u = rng.random::<f64>() * total;
        let segment = if u < shares[0] {
            0
        } else if u < shares[0] + shares[1] {
            1
        } else {
            2
        };
        let seg = p.segments.each()[segment as usize].1;
        let z: [f64; 6] = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
        let (u_tenure, u_survey) = (rng.random::<f64>(), rng.random::<f64>());
        let (adequate, width) = expectations::initial_zone(&p.expectations, z[0], z[1]);
        let disposition = p.satisfaction.disposition_sd * z[5];
        let satisfaction = (p.satisfaction.neutral + disposition + p.satisfaction.initial_sd * z[2]).clamp(1.0, 5.0);
        let tenure = if initial {
            (-(1.0 - u_tenure).ln() * p.finance.initial_tenure_mean).min(MAX_INITIAL_TENURE)
        } else {
            0.0
        };
        let years = tenure / MONTHS_PER_YEAR;
        let l = &p.loyalty;
        let bond = 1.0 - (-l.bond_growth * years).exp();
        let past_cross_sell = (l.cross_sell * MONTHS_PER_YEAR * years * PAST_CROSS_SELL_SHARE).floor();
        let products = (p.finance.initial_products + past_cross_sell).min(l.max_products) as u8;
        let loyalty = if initial {
            loyalty::target(loyalty::curve(satisfaction, l), bond, products, l)
        } else {
            NEW_CUSTOMER_LOYALTY_SHARE * loyalty::curve(satisfaction, l)
        };
        let growth = (1.0 + p.finance.balance_growth * loyalty)
            .powf(years)
            .min(p.finance.balance_cap);
        let balance = seg.balance_median * (p.finance.balance_sigma * z[3]).exp() * growth;
        let last_score = if initial && u_survey < p.survey.sample_share {
            survey::score(satisfaction, p.survey.response_sd * z[4])
        } else {
            0
        };
        Customer {
            key,
            segment,
            tenure: tenure as u16,
            adequate,
            width,
            narrow: 0.0,
            disposition,
            satisfaction,
            loyalty,
            bond,
            grievance: 0.0,
            balance,
            products: products.max(1),
            failures: 0,
            last_score,
            path: 0,
            path_month: 0,
        }
    }
}

/// The population: one record per customer, in a single vector.
///
/// The monthly loop reads nearly every attribute of a customer and writes
/// most of them, so one contiguous record per customer serves it best: it
/// updates the fields in place (no copy in and out of parallel arrays), a
/// customer is one or two cache lines, and removing a churner moves one record.
#[derive(Debug, Clone, Default)]
pub struct Customers(Vec<Customer>);

impl Customers {
    /// An empty population with room for `n` customers.
    pub fn with_capacity(n: usize) -> Self {
        Customers(Vec::with_capacity(n))
    }

    /// Adds a customer at the end.
    pub fn push(&mut self, c: Customer) {
        self.0.push(c);
    }

    /// Removes customer `i`, moving the last one into its place.
    pub fn swap_remove(&mut self, i: usize) {
        self.0.swap_remove(i);
    }

    /// Customer `i` as a value.
    pub fn get(&self, i: usize) -> Customer {
        self.0[i]
    }

    /// Customers `range`, to update in place.
    #[inline]
    pub fn range_mut(&mut self, range: std::ops::Range<usize>) -> &mut [Customer] {
        &mut self.0[range]
    }

    /// Customer `i`, to update in place.
    #[inline]
    pub fn at_mut(&mut self, i: usize) -> &mut Customer {
        &mut self.0[i]
    }

    /// Every active customer.
    pub fn iter(&self) -> std::slice::Iter<'_, Customer> {
        self.0.iter()
    }

    /// Customers the population holds without allocating.
    pub fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// Active customers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether every customer has left.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A customer for the links' tests: mid-zone, satisfied, uncommitted.
    pub(crate) fn customer() -> Customer {
        Customer {
            key: StreamKey::new(1, 0, Kind::Customer, 0),
            segment: 1,
            tenure: 24,
            adequate: 6.0,
            width: 2.0,
            narrow: 0.0,
            disposition: 0.0,
            satisfaction: 4.0,
            loyalty: 0.4,
            bond: 0.2,
            grievance: 0.0,
            balance: 5000.0,
            products: 2,
            failures: 0,
            last_score: 0,
            path: 0,
            path_month: 0,
        }
    }
}
