//! The bank's past before month 0: who is still a customer after years of running.
//!
//! A bank that has been winning and losing customers for years holds the survivors of its
//! arrivals, not a fresh draw of them. In a steady state a kind of customer is held in
//! proportion to how often it arrives times how long it stays (renewal theory): the arrivals'
//! share over the churn hazard. Customers of a lasting disposition to stay (a high
//! `disposition`, a loyal segment) stay for decades, so the history before month 0 cannot wait
//! for them to pile up. Half-way through it, each present customer is held as many times as a
//! bank after a very long past would hold it: its kind's share among arrivals over its share
//! now, divided by its own churn hazard, rounded by a uniform of its own ([`settle`]). The second half of the
//! history then lets the copies' months part ways and the front line serve them.
//!
//! Kinds are a segment and a band of disposition (equal-count bands of the arrivals); the
//! hazard is the customer's own at its satisfaction and loyalty, without the grievance of
//! recent failures, which passes.

use super::churn::Hazard;
use super::customers::{Customer, Customers};
use crate::rng::{Purpose, unit32};

/// Customers per band of disposition, per segment, at most: bands hold enough arrivals for
/// their shares to be measured.
const CUSTOMERS_PER_BAND: usize = 100;

/// Most bands per segment.
const MAX_BANDS: usize = 20;

/// Lowest churn hazard a weight is worked out with (1/month): a lifetime of a century, the
/// longest history, so that a customer the model would keep forever does not take all weight.
const MIN_HAZARD: f64 = 1.0 / 1200.0;

/// The arrivals' bands of disposition and each band's share of them.
#[derive(Debug, Clone)]
pub(super) struct Arrivals {
    /// Per segment, the dispositions that separate its bands, increasing.
    bounds: [Vec<f64>; 3],
    /// Per segment, each band's share of all arrivals.
    shares: [Vec<f64>; 3],
}

impl Arrivals {
    /// The bands of `customers`, a fresh draw of arrivals.
    pub fn of(customers: &Customers) -> Self {
        let mut by_segment: [Vec<f64>; 3] = Default::default();
        for c in customers.iter() {
            by_segment[c.segment as usize].push(c.disposition);
        }
        let bounds = by_segment.map(|mut d| {
            d.sort_by(f64::total_cmp);
            let bands = (d.len() / CUSTOMERS_PER_BAND).clamp(1, MAX_BANDS);
            (1..bands).map(|k| d[k * d.len() / bands]).collect::<Vec<f64>>()
        });
        let mut arrivals = Arrivals {
            shares: std::array::from_fn(|s| vec![0.0; bounds[s].len() + 1]),
            bounds,
        };
        let each = 1.0 / customers.len().max(1) as f64;
        for c in customers.iter() {
            let (s, b) = arrivals.band(c);
            arrivals.shares[s][b] += each;
        }
        arrivals
    }

    /// The segment and band of `c`.
    fn band(&self, c: &Customer) -> (usize, usize) {
        let s = c.segment as usize;
        (s, self.bounds[s].partition_point(|b| *b <= c.disposition))
    }
}

/// Draws `customers.len()` customers again from `customers`, each with the weight of a bank
/// after a long past (module header). Each customer is held `floor(e + u)` times, `e` its
/// expected number of copies and `u` a uniform of its own stream, and the few customers nearest
/// to rounding the other way make up the exact count: a small change of the parameters changes
/// the copies of a few customers, not the draw of all (common random numbers across parameter
/// values, for calibrate and sensitivity). The first copy keeps the customer's streams, later
/// ones have their own ([`StreamKey::copy`]). `pull` is the competitor's pull on each segment.
pub(super) fn settle(customers: &mut Customers, arrivals: &Arrivals, hazard: &Hazard, pull: [f64; 3]) {
    let mut now: [Vec<f64>; 3] = std::array::from_fn(|s| vec![0.0; arrivals.shares[s].len()]);
    for c in customers.iter() {
        let (s, b) = arrivals.band(c);
        now[s][b] += 1.0;
    }
    let weights: Vec<f64> = customers
        .iter()
        .map(|c| {
            let (s, b) = arrivals.band(c);
            let h = hazard.at(c.satisfaction, c.loyalty, pull[c.segment as usize], 0.0);
            arrivals.shares[s][b] / now[s][b] / h.max(MIN_HAZARD)
        })
        .collect();
    let total: f64 = weights.iter().sum();
    let n = customers.len();
    if n == 0 || !(total > 0.0 && total.is_finite()) {
        return;
    }
    // Copies and what is left of each customer's expected count after rounding.
    let (mut copies, left): (Vec<u64>, Vec<f64>) = customers
        .iter()
        .zip(&weights)
        .map(|(c, w)| {
            let mut rng = c.key.rng(Purpose::History, SETTLE);
            let m = w * n as f64 / total + unit32(rand::Rng::next_u32(&mut rng));
            (m.floor() as u64, m - m.floor())
        })
        .unzip();
    let held: u64 = copies.iter().sum();
    let mut order: Vec<usize> = (0..n).collect();
    if held > n as u64 {
        // Too many: one copy fewer for those that rounded up by the least.
        order.retain(|&i| copies[i] > 0);
        order.sort_by(|&a, &b| left[a].total_cmp(&left[b]).then(a.cmp(&b)));
        for &i in order.iter().take((held - n as u64) as usize) {
            copies[i] -= 1;
        }
    } else {
        // Too few: one copy more for those nearest to rounding up.
        order.sort_by(|&a, &b| left[b].total_cmp(&left[a]).then(a.cmp(&b)));
        for &i in order.iter().cycle().take((n as u64 - held) as usize) {
            copies[i] += 1;
        }
    }
    let mut settled = Customers::with_capacity(customers.capacity());
    for (c, &k) in customers.iter().zip(&copies) {
        for copy in 0..k {
            let key = if copy == 0 { c.key } else { c.key.copy(copy) };
            settled.push(Customer {
                key,
                path: 0,
                path_month: 0,
                ..*c
            });
        }
    }
    *customers = settled;
}

/// Sub-key of the customers' history streams for the draw of their copies: apart from the
/// history's months, which count from 0.
const SETTLE: u64 = u64::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::customers::tests::customer;

    fn hazard() -> Hazard {
        Hazard::new(
            &crate::scenario::Churn {
                exogenous: 0.001,
                competitive: 0.02,
                dissatisfaction: 0.05,
                dissatisfaction_threshold: 3.0,
            },
            &crate::model::complaints::tests::params(),
        )
    }

    /// Customers in segment 1: about half of disposition -1 and loyalty `low`, half of +1 and
    /// `high`, in no regular order (systematic resampling of a periodic order would follow it).
    fn two_kinds(n: usize, low: f64, high: f64) -> Customers {
        let mut pop = Customers::with_capacity(n);
        for i in 0..n {
            let up = crate::rng::splitmix64(i as u64) >> 63 == 1;
            pop.push(Customer {
                key: crate::rng::StreamKey::new(1, 0, crate::rng::Kind::Customer, i as u64),
                disposition: if up { 1.0 } else { -1.0 },
                loyalty: if up { high } else { low },
                ..customer()
            });
        }
        pop
    }

    #[test]
    fn the_kind_that_stays_longer_is_held_in_proportion_to_its_lifetime() {
        let mut pop = two_kinds(4000, 0.0, 0.9);
        let arrivals = Arrivals::of(&pop);
        let h = hazard();
        let (h_low, h_high) = (h.at(4.0, 0.0, 1.0, 0.0), h.at(4.0, 0.9, 1.0, 0.0));
        settle(&mut pop, &arrivals, &h, [1.0; 3]);
        assert_eq!(pop.len(), 4000, "the bank keeps its size");
        let loyal = pop.iter().filter(|c| c.loyalty > 0.5).count() as f64 / 4000.0;
        let expected = (1.0 / h_high) / (1.0 / h_low + 1.0 / h_high);
        assert!((loyal - expected).abs() < 0.02, "{loyal} vs {expected}");
        let keys: std::collections::HashSet<crate::rng::StreamKey> = pop.iter().map(|c| c.key).collect();
        assert_eq!(keys.len(), 4000, "every copy is a customer of its own");
    }

    #[test]
    fn a_kind_already_thinned_is_not_thinned_twice() {
        // Arrivals half and half; now the impatient kind is a quarter of the bank. The weight
        // corrects for what is already there: the result is the same as from the arrivals.
        let arrivals = Arrivals::of(&two_kinds(4000, 0.0, 0.9));
        let mut now = Customers::with_capacity(4000);
        for (i, c) in two_kinds(8000, 0.0, 0.9).iter().enumerate() {
            if c.loyalty > 0.5 || crate::rng::splitmix64(i as u64 + 1).is_multiple_of(4) {
                now.push(*c);
            }
        }
        let h = hazard();
        settle(&mut now, &arrivals, &h, [1.0; 3]);
        let loyal = now.iter().filter(|c| c.loyalty > 0.5).count() as f64 / now.len() as f64;
        let (h_low, h_high) = (h.at(4.0, 0.0, 1.0, 0.0), h.at(4.0, 0.9, 1.0, 0.0));
        let expected = (1.0 / h_high) / (1.0 / h_low + 1.0 / h_high);
        assert!((loyal - expected).abs() < 0.02, "{loyal} vs {expected}");
    }
}
