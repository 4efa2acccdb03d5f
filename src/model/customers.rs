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

use super::{MONTHS_PER_YEAR, churn, expectations, loyalty, satisfaction, survey};
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

/// Satisfaction points between the rows of [`Steady`]'s table (1-5 scale).
const STEP: f64 = 0.1;
/// Longest tenure followed when working out how long a customer stays (months): 30 years.
const HORIZON: u32 = 360;
/// How far a customer's satisfaction moves around its settled level, as a share of
/// `satisfaction.initial_sd`: a calibration, chosen so that the baseline's customer base stays
/// level (0 made it grow 6% in four years, 1 made it dip 5%).
const MOVEMENT: f64 = 0.5;
/// Three-point Gauss-Hermite rule (offsets in standard deviations, weights): the mean hazard
/// of a satisfaction that moves around its settled level.
const AROUND: [(f64, f64); 3] = [
    (-1.732_050_807_568_877_2, 1.0 / 6.0),
    (0.0, 2.0 / 3.0),
    (1.732_050_807_568_877_2, 1.0 / 6.0),
];

/// What the bank's customers look like once it has run a long time under its parameters: the
/// steady state its month 0 is drawn from, so that a bank with no policy change neither drifts
/// nor dips.
///
/// New customers arrive with the segment shares and the spread of dispositions the scenario
/// states; those who stay long are over-represented among the customers present at any time.
/// In a steady state (renewal theory) the customers present of a kind are proportional to the
/// kind's share of arrivals times its expected lifetime. [`Steady`] works out that lifetime per
/// segment and settled satisfaction with the model's own churn hazard and loyalty curve (bond and
/// products growing with tenure, the grievance of failures at its long-run mean, the mean
/// response to failed encounters, satisfaction moving around its settled level by half of
/// `satisfaction.initial_sd`), at market price, veteran staff and the market's waits; initial customers are then drawn from arrivals,
/// each kept with a probability proportional to its lifetime (rejection sampling). Only the
/// parameters enter, never the levers: every scenario of the same bank starts from the same
/// customers, so a policy change starts from today's bank.
#[derive(Debug, Clone)]
pub struct Steady {
    /// Per segment: expected lifetime (months) at satisfaction 1, 1 + STEP, ..., 5, over the longest.
    keep: [Vec<f64>; 3],
    /// Per segment: the settled satisfaction target of a customer with no disposition (1-5).
    target: [f64; 3],
    /// Per segment: the monthly probability of a service failure.
    failure: [f64; 3],
}

impl Steady {
    /// The steady state under `p`.
    pub fn new(p: &Params<f64>) -> Self {
        let l = &p.loyalty;
        let hazard = churn::Hazard::new(&p.churn, &p.complaints);
        let cp = &p.complaints;
        let q = &p.quality;
        let rows = (4.0 / STEP).round() as usize + 1;
        let tenure: Vec<(f64, u8)> = (0..HORIZON)
            .map(|t| {
                let years = f64::from(t) / 12.0;
                let products = (p.finance.initial_products + (l.cross_sell * 12.0 * years * 0.5).floor())
                    .min(l.max_products) as u8;
                (1.0 - (-l.bond_growth * years).exp(), products.max(1))
            })
            .collect();
        let mut failure = [0.0; 3];
        let mut target = [0.0; 3];
        let mut lifetimes: [Vec<f64>; 3] = Default::default();
        // A failed encounter's response, mid-zone quality less the failure's drop: failures keep
        // settled satisfaction below the target of a flawless service.
        let e = &p.expectations;
        let mid = e.adequate_mean + 0.5 * e.zone_width_mean;
        let failed = satisfaction::Response::new(&p.satisfaction).at(
            mid - q.failure_drop,
            e.adequate_mean,
            e.adequate_mean + e.zone_width_mean,
        );
        let per_encounter =
            (q.failure_base * (1.0 + q.failure_novice * (1.0 - p.employees.veteran_capability))).min(1.0);
        for (g, (_, s)) in p.segments.each().iter().enumerate() {
            failure[g] = 1.0 - (-s.encounter_rate * per_encounter).exp();
            let grievance = (failure[g] * cp.grievance_silent / (1.0 - cp.grievance_persistence).max(0.05)).min(1.0);
            let value =
                satisfaction::perceived_value(s, p.market.product_advantage, p.employees.veteran_capability, 0.0, 0.0);
            target[g] = p.satisfaction.neutral + p.satisfaction.value_weight * value + per_encounter * failed;
            let pull = churn::pull(&p.market, s, 0.0);
            lifetimes[g] = (0..rows)
                .map(|row| {
                    let settled = 1.0 + STEP * row as f64;
                    let around: Vec<(f64, f64, f64)> = AROUND
                        .iter()
                        .map(|(z, w)| {
                            let sat = (settled + z * MOVEMENT * p.satisfaction.initial_sd).clamp(1.0, 5.0);
                            (sat, loyalty::curve(sat, l), *w)
                        })
                        .collect();
                    let mut alive = 1.0;
                    let mut months = 0.0;
                    for &(bond, products) in &tenure {
                        months += alive;
                        let h: f64 = around
                            .iter()
                            .map(|&(sat, curve, w)| {
                                let loyal = loyalty::target(curve, bond, products, l);
                                w * hazard.at(sat, loyal, pull, cp.grievance_multiplier * grievance)
                            })
                            .sum();
                        alive *= 1.0 - h;
                    }
                    months
                })
                .collect();
        }
        let longest = lifetimes.iter().flatten().copied().fold(f64::MIN_POSITIVE, f64::max);
        Steady {
            keep: lifetimes.map(|v| v.into_iter().map(|m| m / longest).collect()),
            target,
            failure,
        }
    }

    /// The chance of keeping an arrival of segment `g` who settles at satisfaction `sat`.
    fn keep(&self, g: usize, sat: f64) -> f64 {
        let x = (sat.clamp(1.0, 5.0) - 1.0) / STEP;
        let rows = &self.keep[g];
        let i = (x as usize).min(rows.len() - 2);
        rows[i] + (x - i as f64) * (rows[i + 1] - rows[i])
    }
}

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

/// Segment index of a uniform draw `u` (0-1) under the segments' shares.
fn segment_of(u: f64, p: &Params<f64>) -> u8 {
    let shares: [f64; 3] = std::array::from_fn(|i| p.segments.each()[i].1.share);
    let u = u * shares.iter().sum::<f64>();
    if u < shares[0] {
        0
    } else if u < shares[0] + shares[1] {
        1
    } else {
        2
    }
}

/// Most arrivals tried for one initial customer: past it the last one is kept (a bank whose
/// lifetimes differ by more than this factor is far from any steady state anyway).
const MAX_TRIES: u32 = 64;

impl Customer {
    /// A customer present at month 0, drawn from the bank's steady state ([`Steady`]) from its own
    /// initial stream: an arrival kept with the chance of its lifetime, then its tenure, the
    /// history that implies (bond, products, balance, a survey answer) and a recent grievance.
    pub fn initial(master: u64, replication: u64, id: u64, p: &Params<f64>, steady: &Steady) -> Customer {
        let key = StreamKey::new(master, replication, Kind::Customer, id);
        let mut rng = key.rng(Purpose::Init, 0);
        let (mut segment, mut disposition) = (0, 0.0);
        for _ in 0..MAX_TRIES {
            segment = segment_of(rng.random::<f64>(), p);
            let z: f64 = StandardNormal.sample(&mut rng);
            disposition = p.satisfaction.disposition_sd * z;
            let settled = steady.target[segment as usize] + disposition;
            if rng.random::<f64>() < steady.keep(segment as usize, settled) {
                break;
            }
        }
        let centre = steady.target[segment as usize];
        let mut c = Customer::draw_rest(key, &mut rng, (segment, disposition, centre), true, p);
        // Months since the last failure: geometric with the segment's failure chance a month.
        let u: f64 = rng.random();
        let f = steady.failure[segment as usize].clamp(1e-9, 1.0 - 1e-9);
        let since = ((1.0 - u).ln() / (1.0 - f).ln()).floor().min(1e3);
        let cp = &p.complaints;
        c.grievance = cp.grievance_silent * cp.grievance_persistence.powf(since + 1.0);
        c
    }

    /// A customer with id `id` drawn from its own initial stream. `initial`
    /// customers exist at month 0 with a tenure and the history it implies
    /// (bond, products, balance, a survey answer); others are new.
    pub fn draw(master: u64, replication: u64, id: u64, initial: bool, p: &Params<f64>) -> Customer {
        let key = StreamKey::new(master, replication, Kind::Customer, id);
        let mut rng = key.rng(Purpose::Init, 0);
        let segment = segment_of(rng.random::<f64>(), p);
        let z: f64 = StandardNormal.sample(&mut rng);
        let kind = (segment, p.satisfaction.disposition_sd * z, p.satisfaction.neutral);
        Customer::draw_rest(key, &mut rng, kind, initial, p)
    }

    /// The rest of a customer from its initial stream `rng`, given its kind: segment, disposition
    /// and the centre its satisfaction starts around before the disposition (1-5).
    fn draw_rest(
        key: StreamKey,
        rng: &mut crate::rng::SimRng,
        (segment, disposition, centre): (u8, f64, f64),
        initial: bool,
        p: &Params<f64>,
    ) -> Customer {
        let seg = p.segments.each()[segment as usize].1;
        let z: [f64; 5] = std::array::from_fn(|_| StandardNormal.sample(&mut *rng));
        let (u_tenure, u_survey) = (rng.random::<f64>(), rng.random::<f64>());
        let (adequate, width) = expectations::initial_zone(&p.expectations, z[0], z[1]);
        let satisfaction = (centre + disposition + p.satisfaction.initial_sd * z[2]).clamp(1.0, 5.0);
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
