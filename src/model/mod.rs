//! The service profit chain for one replication, month by month.
//!
//! Each link of the chain is a module named after it; [`Firm::step`] wires
//! them in the order of MODEL.md section 2: employees, encounters and
//! delivered quality, the response against expectations, satisfaction,
//! voice and recovery, loyalty, churn, the survey, word of mouth and
//! acquisition, money. Customers are records updated in place; every customer-month
//! draws from the customer's own stream keyed by the month, fixed-count draws
//! first, so scenarios share their shocks.
//!
//! The customers' month runs in three passes over blocks of customers: open
//! (stream, fixed draws, encounter count; the encounters are queued), serve (one
//! loop over the block's encounters, `Serving::serve`) and close (satisfaction,
//! expectations, loyalty, the survey, money, churn). One loop of random length
//! per customer would end in a branch the processor cannot predict; the passes
//! give the same results bit for bit, because each customer's draws and the
//! order in which customers are closed stay as they would be in one pass.

pub mod acquisition;
pub mod churn;
pub mod complaints;
pub mod customers;
pub mod employees;
pub mod encounters;
pub mod finance;
pub mod loyalty;
pub mod satisfaction;

use rand::RngExt;
use rand_distr::{Distribution, Poisson, StandardNormal};

use crate::metrics::{MonthStats, PathTally};
use crate::rng::{self, Kind, Purpose, Salt, SimRng, StreamKey};
use crate::scenario::Complaints;
use crate::scenario::{Drawn, Levers, Params};
use complaints::{Path, Recovery};
use customers::{Customer, Customers};
use employees::{Server, StaffLevers, Workforce};
use encounters::{PoissonTable, Service};
use finance::{Ledger, saturating};

/// Segment-level quantities shared by all customers of a segment in one month.
#[derive(Debug, Clone, Copy, Default)]
struct SegmentMonth {
    encounters: PoissonTable,
    target: f64,
    pull: f64,
    propensity: f64,
    /// 1 / the balance cap (EUR^-1): the loop multiplies instead of dividing.
    inv_balance_cap: f64,
}

/// One customer's month between the passes of [`Firm::step`]: the stream,
/// positioned after the draws of fixed count, those draws, the zone of
/// tolerance, and what the encounters added up to.
#[derive(Debug, Clone)]
struct Open {
    rng: SimRng,
    /// Encounters this month.
    n: u32,
    u_churn: f64,
    u_followup: f64,
    u_cross: f64,
    u_survey: f64,
    z_survey: f64,
    /// Adequate level A before any narrowing (quality points).
    zone_adequate: f64,
    /// Desired level D (quality points).
    desired: f64,
    /// Adequate level A as narrowed by failures, this one's included (quality points).
    adequate: f64,
    /// Sum of the encounters' satisfaction responses (satisfaction points).
    response_sum: f64,
    /// Sum of the delivered qualities (quality points).
    quality_sum: f64,
    /// Satisfaction shocks of failures and their recovery (satisfaction points).
    sat_shock: f64,
}

impl Open {
    /// Queue slots written for every customer, whatever its encounter count.
    const QUEUED_AT_ONCE: usize = 8;

    /// Opens `c`'s month: the draws of fixed count come first, so that they stay
    /// aligned whatever happens later (common random numbers across scenarios);
    /// the survey's come only in survey months, which are the same in every scenario.
    #[inline(always)]
    fn new(c: &Customer, encounters: &PoissonTable, month: Salt, survey_month: bool) -> Self {
        let mut rng = c.key.rng_salted(month);
        let (u_encounters, u_churn) = rng::uniform_pair(&mut rng);
        let (u_followup, u_cross) = rng::uniform_pair(&mut rng);
        let (u_survey, z_survey): (f64, f64) = if survey_month {
            (rng.random(), StandardNormal.sample(&mut rng))
        } else {
            (1.0, 0.0)
        };
        let desired = c.adequate + c.width;
        Open {
            rng,
            n: encounters.count(u_encounters),
            u_churn,
            u_followup,
            u_cross,
            u_survey,
            z_survey,
            zone_adequate: c.adequate,
            desired,
            adequate: satisfaction::narrowed_adequate(c.adequate, desired, c.narrow),
            response_sum: 0.0,
            quality_sum: 0.0,
            sat_shock: 0.0,
        }
    }
}

/// Customers per block of the month's passes: their records and months, about
/// 125 kB, stay in the processor's second-level cache between the passes.
const BLOCK: usize = 512;

/// What opening a customer's month needs.
struct Opener<'m> {
    segs: &'m [SegmentMonth; 3],
    salt: Salt,
    survey_month: bool,
    month: u32,
}

impl Opener<'_> {
    /// Opens `c`'s month, after following its complaint path to the 12-month mark.
    #[inline(always)]
    fn open(&self, c: &mut Customer, paths: &mut PathTally) -> Open {
        self.follow_path(c, paths);
        Open::new(
            c,
            &self.segs[c.segment as usize].encounters,
            self.salt,
            self.survey_month,
        )
    }

    /// Ends `c`'s complaint path at the 12-month mark, counted as stayed.
    #[inline(always)]
    fn follow_path(&self, c: &mut Customer, paths: &mut PathTally) {
        // About 40% of customers are on a path at any time, a coin toss for the branch
        // predictor, so this is written without a branch: count (or add 0), and keep
        // the path (x1) or end it (x0).
        let path_ends = (c.path != 0) & (u32::from(c.path_month) + 12 == self.month);
        paths.stayed[c.path as usize] += u32::from(path_ends);
        c.path *= u8::from(!path_ends);
    }

    /// Opens and serves the month of customer `k` of a block (`customers`, `open`)
    /// alone, in place of a churner. Rare (one churner in 70 a month), and kept out of
    /// the loop that closes months, whose values then stay in registers.
    #[cold]
    #[inline(never)]
    #[allow(clippy::too_many_arguments)]
    fn open_and_serve_one(
        &self,
        serving: &Serving,
        k: usize,
        customers: &mut [Customer],
        open: &mut [Open],
        queue: &mut Vec<u32>,
        paths: &mut PathTally,
        st: &mut MonthStats,
        sample: Option<&mut Vec<[f32; 2]>>,
    ) {
        open[k] = self.open(&mut customers[k], paths);
        let queued = queue_encounters(queue, 0, k as u32, open[k].n as usize);
        serving.serve(&queue[..queued], open, customers, st, sample);
    }

    /// Opens the months of a block's customers into `open`, in order, and queues
    /// their encounters from the start of `queue`; returns how many were queued.
    fn open_block(
        &self,
        customers: &mut [Customer],
        paths: &mut PathTally,
        open: &mut Vec<Open>,
        queue: &mut Vec<u32>,
    ) -> usize {
        open.clear();
        let mut queued = 0;
        for c in customers {
            let o = self.open(c, paths);
            queued = queue_encounters(queue, queued, open.len() as u32, o.n as usize);
            open.push(o);
        }
        queued
    }
}
/// Queues `n` encounters of customer `k` at position `queued` of `queue` and returns
/// the new end: eight slots are written whatever the count (two vector stores, no
/// branch), the rare counts above eight one by one.
#[inline(always)]
fn queue_encounters(queue: &mut Vec<u32>, queued: usize, k: u32, n: usize) -> usize {
    let end = queued + n.max(Open::QUEUED_AT_ONCE);
    if end > queue.len() {
        queue.resize(end.max(2 * queue.len()), 0);
    }
    queue[queued..queued + Open::QUEUED_AT_ONCE].fill(k);
    if n > Open::QUEUED_AT_ONCE {
        queue[queued..queued + n].fill(k);
    }
    queued + n
}

/// What every encounter of one month shares.
struct Serving<'m> {
    service: Service,
    servers: &'m [Server],
    /// Quality lift inside the zone from ambience spending (quality points).
    ambience: f64,
    recovery: Recovery,
    respond: satisfaction::Response,
    segs: &'m [SegmentMonth; 3],
    /// Share of the zone a failure closes.
    failure_narrowing: f64,
    complaints: &'m Complaints<f64>,
    /// Whether complaint paths started this month are followed for F5.
    track_paths: bool,
    month: u32,
}

impl Serving<'_> {
    /// Runs queued encounters (`queue` holds their customers' indices in `customers`
    /// and `open`, in order) and adds them up in `open`; failures update the customers,
    /// and encounters are sampled into `sample` while it has room.
    ///
    /// Not inlined into [`Firm::step`]: on its own, the loop spills fewer values to
    /// the stack (1% fewer instructions for the baseline).
    #[inline(never)]
    fn serve(
        &self,
        queue: &[u32],
        open: &mut [Open],
        customers: &mut [Customer],
        st: &mut MonthStats,
        sample: Option<&mut Vec<[f32; 2]>>,
    ) {
        let sampling = sample.as_ref().is_some_and(|s| s.len() < s.capacity());
        // Without ambience spending the lift changes nothing.
        let lift = self.ambience > 0.0;
        match (sampling, lift) {
            (false, false) => self.serve_with::<false, false>(queue, open, customers, st, sample),
            (false, true) => self.serve_with::<false, true>(queue, open, customers, st, sample),
            (true, false) => self.serve_with::<true, false>(queue, open, customers, st, sample),
            (true, true) => self.serve_with::<true, true>(queue, open, customers, st, sample),
        }
    }

    /// [`Serving::serve`], with or without sampling and the inside-zone lift: one
    /// loop for each case, so that the usual one (neither) keeps no flags, counters
    /// or pointers for them in registers. With fewer values to keep, fewer go to the
    /// stack: 2% fewer instructions for the baseline.
    #[inline(always)]
    fn serve_with<const SAMPLING: bool, const LIFT: bool>(
        &self,
        queue: &[u32],
        open: &mut [Open],
        customers: &mut [Customer],
        st: &mut MonthStats,
        mut sample: Option<&mut Vec<[f32; 2]>>,
    ) {
        let cp = self.complaints;
        // Encounters still to sample this month, counted down in the loop.
        let mut sample_room = sample.as_ref().map_or(0, |s| s.capacity() - s.len());
        for &k in queue {
            let o = &mut open[k as usize];
            // The stream in registers for the encounter, written back once at its end.
            let mut rng = o.rng.clone();
            let (q, failed) = self.service.encounter(self.servers, &mut rng);
            let q = if LIFT {
                encounters::inside_zone_lift(q, o.zone_adequate, o.desired, self.ambience)
            } else {
                q
            };
            if failed {
                // Only a failure touches the customer's record here.
                let c = &mut customers[k as usize];
                c.failures = c.failures.saturating_add(1);
                c.narrow = self.failure_narrowing;
                st.failures += 1;
                let (u_voice, u_resolve, u_fast) = (rng.random::<f64>(), rng.random::<f64>(), rng.random::<f64>());
                let recovery = &self.recovery;
                let path = recovery.outcome(
                    recovery.p_complain(self.segs[c.segment as usize].propensity, c.loyalty, cp),
                    u_voice,
                    u_resolve,
                    u_fast,
                );
                if path != Path::Silent {
                    st.complaints += 1;
                }
                if path == Path::Unresolved {
                    st.unresolved += 1;
                }
                let (shock, grievance) = complaints::consequence(path, c.failures == 1, cp);
                o.sat_shock += shock;
                c.grievance = c.grievance.max(grievance);
                if self.track_paths {
                    c.path = path as u8;
                    c.path_month = self.month as u16;
                }
                o.adequate = satisfaction::narrowed_adequate(c.adequate, o.desired, c.narrow);
            }
            let (a, d) = (o.adequate, o.desired);
            let response = self.respond.at(q, a, d);
            o.response_sum += response;
            if SAMPLING
                && sample_room > 0
                && let Some(sample) = sample.as_mut()
            {
                sample_room -= 1;
                sample.push([((q - a) / (d - a).max(1e-9)) as f32, response as f32]);
            }
            o.quality_sum += q;
            o.rng = rng;
        }
    }
}

/// `1 / max(n, 1)` for the usual encounter counts `n`: the same values as the
/// division, looked up instead of divided for every customer-month.
const RECIPROCALS: [f64; 8] = [
    1.0,
    1.0,
    1.0 / 2.0,
    1.0 / 3.0,
    1.0 / 4.0,
    1.0 / 5.0,
    1.0 / 6.0,
    1.0 / 7.0,
];

/// The state of one replication: the firm, its staff and its customers.
#[derive(Debug, Clone)]
pub struct Firm<'a> {
    drawn: &'a Drawn,
    master: u64,
    replication: u64,
    months: u32,
    next_customer: u64,
    /// Active customers.
    pub customers: Customers,
    /// Front-line staff.
    pub staff: Workforce,
    demand: f64,
    /// Complaint-path tracking for F5.
    pub paths: PathTally,
    /// If set, encounters are sampled into it until it is full: (delivered quality relative to the
    /// customer's zone, 0 at A and 1 at D; the satisfaction response in points). Draws nothing.
    pub response_sample: Option<Vec<[f32; 2]>>,
    loyalty_curve: loyalty::Table,
    /// Each active customer's month between the passes of [`Firm::step`].
    open: Vec<Open>,
    /// The month's encounters in order, as indices of their customers.
    queue: Vec<u32>,
}

impl<'a> Firm<'a> {
    /// The firm at month 0 with `customers` customers, for a horizon of `months`.
    pub fn new(drawn: &'a Drawn, customers: u32, months: u32, master: u64, replication: u64) -> Self {
        let p = &drawn.params;
        let max_staff = drawn.levers.staff.max().round().max(1.0) as u32;
        let staff0 = drawn.levers.staff.at(0).round().max(1.0) as u32;
        let mut pop = Customers::with_capacity(customers as usize * 2 + 1024);
        for id in 0..u64::from(customers) {
            pop.push(Customer::draw(master, replication, id, true, p));
        }
        let demand = pop
            .iter()
            .map(|c| p.segments.each()[c.segment as usize].1.encounter_rate)
            .sum();
        Firm {
            drawn,
            master,
            replication,
            months,
            next_customer: u64::from(customers),
            customers: pop,
            staff: Workforce::new(master, replication, staff0, max_staff, &p.employees),
            demand,
            paths: PathTally::default(),
            response_sample: None,
            loyalty_curve: loyalty::Table::new(&p.loyalty),
            open: Vec::with_capacity(BLOCK),
            queue: Vec::new(),
        }
    }

    /// Simulates month `month` (0-based) and returns what was counted.
    pub fn step(&mut self, month: u32) -> MonthStats {
        let p: &Params<f64> = &self.drawn.params;
        let lv: Levers<f64> = self.drawn.levers.map(|_, s| s.at(month));
        let mut st = MonthStats {
            active_start: self.customers.len() as u32,
            ..MonthStats::default()
        };
        let n_active = self.customers.len() as f64;

        // Employees: workload from last month's demand, learning, satisfaction, quits.
        let process_effect = encounters::process_effect(lv.process, n_active, &p.quality);
        let staff = self.staff.step(
            month,
            self.demand,
            StaffLevers {
                staff: lv.staff.round().max(1.0) as u32,
                training_effect: employees::training_effect(lv.training, &p.employees),
                process_effect,
                pay_index: lv.pay_index,
            },
            &p.employees,
            &p.quality,
        );
        let service = Service::new(process_effect, staff.workload, &p.quality);
        let ambience =
            p.quality.ambience_gain * saturating(lv.ambience / n_active.max(1.0), p.quality.ambience_half_effect);
        let recovery = Recovery::new(
            saturating(lv.recovery / n_active.max(1.0), p.complaints.recovery_half_effect),
            &p.complaints,
        );
        let price_gap = lv.price_index - p.market.competitor_price_index;
        let extra_wait = service.wait_minutes - p.market.wait_benchmark;
        let segs: [SegmentMonth; 3] = std::array::from_fn(|i| {
            let s = p.segments.each()[i].1;
            let value =
                satisfaction::perceived_value(s, p.market.product_advantage, staff.capability, price_gap, extra_wait);
            SegmentMonth {
                encounters: PoissonTable::new(s.encounter_rate, (-s.encounter_rate).exp()),
                target: p.satisfaction.neutral + p.satisfaction.value_weight * value,
                pull: p.market.competitor_pull
                    * s.switching_sensitivity
                    * (p.market.price_pull * s.price_weight * price_gap).exp(),
                propensity: s.complaint_propensity,
                inv_balance_cap: 1.0 / (s.balance_median * p.finance.balance_cap),
            }
        });
        let benchmark = p.expectations.market_benchmark + p.expectations.benchmark_growth * f64::from(month) / 12.0;
        let survey_month = month.is_multiple_of(3);
        let track_paths = month + 12 <= self.months;
        let (sp, ep, cp, lp) = (&p.satisfaction, &p.expectations, &p.complaints, &p.loyalty);
        let mut revenue = 0.0;
        let mut cost_to_serve = 0.0;
        let (mut promoters, mut detractors) = (0u32, 0u32);
        // Monthly rates, worked out once rather than divided per customer.
        let fp = &p.finance;
        let (growth_per_month, margin_per_month) = (fp.balance_growth / 12.0, fp.margin / 12.0);
        let tenure_saving_per_month = fp.tenure_cost_saving / 60.0;
        let bond_growth_per_month = lp.bond_growth / 12.0;
        let month_salt = Salt::new(Purpose::Month, u64::from(month));
        let respond = satisfaction::Response::new(sp);
        let hazard = churn::Hazard::new(&p.churn);

        // The customers' month runs in three passes. Each customer has a random number of
        // encounters, and a loop of random length per customer ends in a branch the processor
        // cannot predict, which costs more than the encounters themselves. So: (1) customers'
        // months are opened (stream, draws of fixed count, encounter count) and their
        // encounters queued; (2) one loop runs all queued encounters, whose end is
        // predictable; (3) the months are closed. The passes run over blocks of customers
        // that stay in cache. Each customer's draws come in the same order as in one pass,
        // and customers are closed in the same order, so the results are the same bit for bit.
        let opener = Opener {
            segs: &segs,
            salt: month_salt,
            survey_month,
            month,
        };
        let serving = Serving {
            service,
            servers: self.staff.servers(),
            ambience,
            recovery,
            respond,
            segs: &segs,
            failure_narrowing: ep.failure_narrowing,
            complaints: cp,
            track_paths,
            month,
        };
        let mut first = 0;
        while first < self.customers.len() {
            let mut end = (first + BLOCK).min(self.customers.len());
            let queued = opener.open_block(
                self.customers.range_mut(first..end),
                &mut self.paths,
                &mut self.open,
                &mut self.queue,
            );
            serving.serve(
                &self.queue[..queued],
                &mut self.open,
                self.customers.range_mut(first..end),
                &mut st,
                self.response_sample.as_mut(),
            );

            let mut i = first;
            while i < end {
                let c = self.customers.at_mut(i);
                let seg = &segs[c.segment as usize];
                let Open {
                    n,
                    u_churn,
                    u_followup,
                    u_cross,
                    u_survey,
                    z_survey,
                    response_sum,
                    quality_sum,
                    mut sat_shock,
                    ..
                } = self.open[i - first];
                st.encounters += n;
                st.quality_sum += quality_sum;

                // Satisfaction moves toward the month's response combined with perceived value.
                // (Both cases share one expression: with no encounter the mean response is
                // 0.0, and adding it changes nothing; selecting the rate needs no branch.)
                let met = n > 0;
                let per_encounter = RECIPROCALS
                    .get(n as usize)
                    .copied()
                    .unwrap_or_else(|| 1.0 / f64::from(n));
                let mean_response = response_sum * per_encounter;
                let rate = if met { sp.adjust_rate } else { sp.idle_rate };
                c.satisfaction =
                    satisfaction::approach(c.satisfaction, seg.target + c.disposition + mean_response, rate);
                if u_followup < lv.followup {
                    st.followups += 1;
                    c.bond += lp.followup_bond * (1.0 - c.bond);
                    if c.satisfaction >= 3.5 {
                        sat_shock += lp.followup_satisfaction;
                    }
                }
                c.satisfaction = (c.satisfaction + sat_shock).clamp(1.0, 5.0);

                // Expectations drift toward experience and the market; narrowing fades.
                let centre = c.adequate + 0.5 * c.width;
                let shift = ep.adapt_experience * (quality_sum * per_encounter - centre)
                    + ep.adapt_market * (benchmark - centre);
                let drifted = (c.adequate + shift).clamp(0.0, 10.0 - c.width);
                c.adequate = if met { drifted } else { c.adequate };
                c.narrow *= ep.narrowing_persistence;

                // Loyalty: bond grows with tenure, commitment follows the nonlinear curve.
                c.bond += bond_growth_per_month * (1.0 - c.bond);
                c.loyalty += lp.adjust_rate
                    * (loyalty::target(self.loyalty_curve.at(c.satisfaction), c.bond, c.products, lp) - c.loyalty);
                if u_cross < lp.cross_sell * c.loyalty && f64::from(c.products) < lp.max_products {
                    c.products += 1;
                }

                // The quarterly survey. Whether a customer is asked is a coin toss for the
                // processor too, so the answer is worked out for everyone and kept or not.
                if survey_month {
                    let score = satisfaction::survey_score(c.satisfaction, p.survey.response_sd * z_survey);
                    let asked = u_survey < p.survey.sample_share;
                    // Kept (x1) or not (x0) by arithmetic on a weight the compiler cannot see
                    // through: as a select (even `select_unpredictable`), it becomes a branch
                    // that mispredicts for a third of the customers of a survey month.
                    let weight = std::hint::black_box(u8::from(asked));
                    c.last_score = weight * score + (1 - weight) * c.last_score;
                    st.survey_by_score[score as usize] += u32::from(asked);
                }

                // Money from this customer this month.
                let room = (1.0 - c.balance * seg.inv_balance_cap).max(0.0);
                c.balance += c.balance * growth_per_month * c.loyalty * room;
                revenue += lv.price_index * (c.balance * margin_per_month + f64::from(c.products) * fp.fee_per_product);
                // The saving's cap as a select: `f64::min` would add four instructions to
                // care for NaN, which cannot occur here.
                let saving = tenure_saving_per_month * f64::from(c.tenure);
                let saving = if saving > fp.tenure_cost_saving {
                    fp.tenure_cost_saving
                } else {
                    saving
                };
                cost_to_serve += f64::from(n) * fp.cost_per_encounter + fp.cost_per_customer * (1.0 - saving);

                // Churn.
                st.exposure_by_score[c.last_score as usize] += 1;
                let h = hazard.at(
                    c.satisfaction,
                    c.loyalty,
                    seg.pull,
                    cp.grievance_multiplier * c.grievance,
                );
                c.grievance *= cp.grievance_persistence;
                if u_churn < h {
                    st.churned += 1;
                    st.churn_by_score[c.last_score as usize] += 1;
                    if c.path != 0 {
                        self.paths.left[c.path as usize] += 1;
                    }
                    let last = self.customers.len() - 1;
                    self.customers.swap_remove(i);
                    if last < end {
                        // The customer moved into place i (if any) was opened in this block.
                        self.open.swap_remove(i - first);
                        end -= 1;
                    } else {
                        // A customer of a later block takes place i: its month is opened and
                        // served now, so that it is closed next, as in one pass.
                        opener.open_and_serve_one(
                            &serving,
                            i - first,
                            self.customers.range_mut(first..end),
                            &mut self.open,
                            &mut self.queue,
                            &mut self.paths,
                            &mut st,
                            self.response_sample.as_mut(),
                        );
                    }
                    continue;
                }
                c.tenure = c.tenure.saturating_add(1);
                st.satisfaction_sum += c.satisfaction;
                st.loyalty_sum += c.loyalty;
                promoters += u32::from(
                    (c.satisfaction >= p.acquisition.promoter_satisfaction)
                        & (c.loyalty >= p.acquisition.promoter_loyalty),
                );
                detractors += u32::from(c.satisfaction < p.acquisition.detractor_satisfaction);
                i += 1;
            }
            first = end;
        }

        // Word of mouth and acquisition.
        let lambda = acquisition::expected_new(
            &p.acquisition,
            lv.marketing,
            f64::from(promoters),
            f64::from(detractors),
            f64::from(st.unresolved),
            price_gap,
        );
        let mut rng =
            StreamKey::new(self.master, self.replication, Kind::Firm, 0).rng(Purpose::Acquisition, u64::from(month));
        let new = if lambda > 0.0 {
            Poisson::new(lambda).map_or(0.0, |d| d.sample(&mut rng)) as u32
        } else {
            0
        };
        for _ in 0..new {
            let c = Customer::draw(self.master, self.replication, self.next_customer, false, p);
            st.satisfaction_sum += c.satisfaction;
            st.loyalty_sum += c.loyalty;
            self.customers.push(c);
            self.next_customer += 1;
        }
        self.demand = f64::from(st.encounters);

        st.new_customers = new;
        st.active_end = self.customers.len() as u32;
        st.promoters = promoters;
        st.detractors = detractors;
        st.wait_minutes = service.wait_minutes;
        st.staff = staff.staff;
        st.quits = staff.quits;
        st.capability = staff.capability;
        st.employee_satisfaction = staff.satisfaction;
        let n_staff = f64::from(staff.staff);
        st.ledger = Ledger {
            revenue,
            cost_to_serve,
            complaint_handling: f64::from(st.complaints) * cp.handling_cost,
            acquisition: f64::from(new) * p.finance.onboarding_cost,
            marketing: lv.marketing / 12.0,
            salaries: n_staff * p.employees.salary * lv.pay_index / 12.0,
            hiring: f64::from(staff.hires) * p.employees.hiring_cost,
            investment: (lv.training * n_staff + lv.process + lv.recovery + lv.ambience) / 12.0
                + f64::from(st.followups) * lp.followup_cost,
            overhead: p.finance.overhead / 12.0,
        };
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use crate::scenario::Scenario;

    fn baseline(overrides: &[&str]) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let o: Vec<crate::Override> = overrides.iter().map(|s| s.parse().unwrap()).collect();
        Scenario::load(&path, &o).unwrap()
    }

    #[test]
    fn money_balances_and_customers_add_up_every_month() {
        let sc = baseline(&["simulation.customers=3000"]);
        let drawn = sc.draw(3, 0);
        let mut firm = Firm::new(&drawn, sc.customers, 36, 3, 0);
        let mut months = Vec::new();
        let mut active = sc.customers;
        for m in 0..36 {
            let st = firm.step(m);
            let l = st.ledger;
            let lines = [
                l.cost_to_serve,
                l.complaint_handling,
                l.acquisition,
                l.marketing,
                l.salaries,
                l.hiring,
                l.investment,
                l.overhead,
            ];
            assert!(
                l.revenue > 0.0 && lines.iter().all(|x| x.is_finite() && *x >= 0.0),
                "month {m}: {l:?}"
            );
            let profit = l.revenue - lines.iter().sum::<f64>();
            assert!(
                (profit - l.profit()).abs() <= 1e-9 * l.revenue,
                "month {m}: revenue - costs != profit"
            );
            assert_eq!(st.active_start, active);
            assert_eq!(
                st.active_end,
                st.active_start - st.churned + st.new_customers,
                "month {m}"
            );
            assert_eq!(st.churn_by_score.iter().sum::<u32>(), st.churned);
            assert_eq!(st.exposure_by_score.iter().sum::<u32>(), st.active_start);
            let staff_cost = f64::from(st.staff) * drawn.params.employees.salary / 12.0;
            assert!((l.salaries - staff_cost).abs() < 1e-6, "salaries are paid");
            active = st.active_end;
            months.push(st);
        }
        let m = Metrics::from_months(&months, &firm.paths, drawn.params.finance.discount_rate);
        let total: f64 = months.iter().map(|s| s.ledger.profit()).sum();
        assert!((m.cumulative_profit - total).abs() < 1e-6 * total.abs().max(1.0));
        let npv: f64 = months
            .iter()
            .enumerate()
            .map(|(t, s)| s.ledger.profit() * finance::discount(0.08, t as u32))
            .sum();
        assert!((m.npv - npv).abs() < 1e-6 * npv.abs().max(1.0));
    }

    #[test]
    fn more_staff_shortens_waits_and_fewer_lengthen_them() {
        let wait = |staff: &str| {
            let sc = baseline(&["simulation.customers=3000", staff]);
            let drawn = sc.draw(1, 0);
            let mut firm = Firm::new(&drawn, sc.customers, 6, 1, 0);
            (0..6).map(|m| firm.step(m).wait_minutes).sum::<f64>()
        };
        let (few, normal, many) = (
            wait("levers.staff=10"),
            wait("levers.staff=12"),
            wait("levers.staff=20"),
        );
        assert!(few > normal && normal > many, "{few} {normal} {many}");
    }
}
