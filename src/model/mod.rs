//! The service profit chain for one replication, month by month: the scaffolding.
//!
//! Each link of the chain is a module named after it and owns its monthly
//! update: [`employees`], [`encounters`] (delivered quality), [`expectations`],
//! [`satisfaction`] (the response against expectations), [`complaints`] (voice
//! and recovery), [`loyalty`] (with follow-up), [`churn`], [`survey`],
//! [`acquisition`] (word of mouth), [`finance`] (accounts and money). [`chain`]
//! holds a month's links and the order in which they close a customer's month.
//! This module only runs them: customers are records updated in place, in blocks,
//! in three passes, with a queue of encounters; every customer-month draws from
//! the customer's own stream keyed by the month, fixed-count draws first, so
//! scenarios share their shocks. A [`Watch`] sees inside the month (the response
//! sample, complaint paths) without being threaded through it.
//!
//! The passes over a block: open (stream, fixed draws, encounter count; the
//! encounters are queued), serve (one loop over the block's encounters,
//! `Serving::serve`) and close ([`chain::Chain::close`]). One loop of random length
//! per customer would end in a branch the processor cannot predict; the passes
//! give the same results bit for bit, because each customer's draws and the
//! order in which customers are closed stay as they would be in one pass.

pub mod acquisition;
mod chain;
pub mod churn;
pub mod complaints;
pub mod customers;
pub mod employees;
pub mod encounters;
pub mod expectations;
pub mod finance;
mod history;
pub mod loyalty;
pub mod satisfaction;
pub mod survey;
pub mod watch;

use crate::metrics::MonthStats;
use crate::rng::{self, Kind, MonthRng, Purpose, Salt, StreamKey};
use crate::scenario::{Complaints, Drawn, Levers, Params};
use chain::{Chain, SegmentMonth, Sums};
use complaints::{Path, Recovery};
use customers::{Customer, Customers};
use employees::{Server, StaffLevers, StaffMonth, Workforce};
use encounters::{PoissonTable, Service};
use finance::{Ledger, MonthCounts};
pub use watch::Watch;

/// Months in a year: yearly rates and budgets are spread over them.
pub const MONTHS_PER_YEAR: f64 = 12.0;

/// One customer's month between the passes of [`Firm::step`]: the stream,
/// positioned after the draws of fixed count, those draws, the zone of
/// tolerance, and what the encounters added up to.
#[derive(Debug, Clone)]
struct Open {
    rng: MonthRng,
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
        let mut rng = c.key.month_rng(month);
        let (u_encounters, u_churn) = rng::uniform_pair(&mut rng);
        let (u_followup, u_cross) = rng::uniform_pair(&mut rng);
        let (u_survey, z_survey): (f64, f64) = if survey_month {
            // One draw: whether asked (high half) and the answer's noise (low half).
            let bits = rand::Rng::next_u64(&mut rng);
            (
                rng::unit32((bits >> 32) as u32),
                crate::normal::from_bits(bits as u32, &mut rng),
            )
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
            adequate: expectations::narrowed_adequate(c.adequate, desired, c.narrow),
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
    /// Opens `c`'s month, after `watch` has seen it.
    #[inline(always)]
    fn open<W: Watch>(&self, c: &mut Customer, watch: &mut W) -> Open {
        watch.open(c, self.month);
        Open::new(
            c,
            &self.segs[c.segment as usize].encounters,
            self.salt,
            self.survey_month,
        )
    }

    /// Opens and serves the month of customer `k` of a block (`customers`, `open`)
    /// alone, in place of a churner. Rare (one churner in 70 a month), and kept out of
    /// the loop that closes months, whose values then stay in registers.
    #[cold]
    #[inline(never)]
    fn open_and_serve_one<W: Watch>(
        &self,
        serving: &Serving,
        k: usize,
        block: Block<'_>,
        st: &mut MonthStats,
        watch: &mut W,
    ) {
        block.open[k] = self.open(&mut block.customers[k], watch);
        let queued = queue_encounters(block.queue, 0, k as u32, block.open[k].n as usize);
        serving.serve(&block.queue[..queued], block.open, block.customers, st, watch);
    }

    /// Opens the months of a block's customers into `open`, in order, and queues
    /// their encounters from the start of `queue`; returns how many were queued.
    fn open_block<W: Watch>(
        &self,
        customers: &mut [Customer],
        open: &mut Vec<Open>,
        queue: &mut Vec<u32>,
        watch: &mut W,
    ) -> usize {
        open.clear();
        let mut queued = 0;
        for c in customers {
            let o = self.open(c, watch);
            queued = queue_encounters(queue, queued, open.len() as u32, o.n as usize);
            open.push(o);
        }
        queued
    }
}

/// One block's customers, their months and the encounter queue, during a pass.
struct Block<'b> {
    customers: &'b mut [Customer],
    open: &'b mut [Open],
    queue: &'b mut Vec<u32>,
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
    // One bounds check for the customer's slots; both fills are then known to fit.
    let slots = &mut queue[queued..end];
    slots[..Open::QUEUED_AT_ONCE].fill(k);
    if n > Open::QUEUED_AT_ONCE {
        slots.fill(k);
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
    expectations: expectations::Drift,
    complaints: &'m Complaints<f64>,
    month: u32,
}

impl Serving<'_> {
    /// Runs queued encounters (`queue` holds their customers' indices in `customers`
    /// and `open`, in order) and adds them up in `open`; failures update the customers,
    /// and `watch` sees the encounters while it wants them.
    ///
    /// Not inlined into [`Firm::step`]: on its own, the loop spills fewer values to
    /// the stack (1% fewer instructions for the baseline).
    #[inline(never)]
    fn serve<W: Watch>(
        &self,
        queue: &[u32],
        open: &mut [Open],
        customers: &mut [Customer],
        st: &mut MonthStats,
        watch: &mut W,
    ) {
        let sampling = watch.encounter_room() > 0;
        // Without ambience spending the lift changes nothing.
        let lift = self.ambience > 0.0;
        match (sampling, lift) {
            (false, false) => self.serve_with::<false, false, W>(queue, open, customers, st, watch),
            (false, true) => self.serve_with::<false, true, W>(queue, open, customers, st, watch),
            (true, false) => self.serve_with::<true, false, W>(queue, open, customers, st, watch),
            (true, true) => self.serve_with::<true, true, W>(queue, open, customers, st, watch),
        }
    }

    /// [`Serving::serve`], with or without watched encounters and the inside-zone
    /// lift: one loop for each case, so that the usual one (neither) keeps no flags,
    /// counters or pointers for them in registers. With fewer values to keep, fewer
    /// go to the stack: 2% fewer instructions for the baseline.
    #[inline(always)]
    fn serve_with<const SAMPLING: bool, const LIFT: bool, W: Watch>(
        &self,
        queue: &[u32],
        open: &mut [Open],
        customers: &mut [Customer],
        st: &mut MonthStats,
        watch: &mut W,
    ) {
        // Encounters still to show the watcher this month, counted down in the loop.
        let mut room = if SAMPLING { watch.encounter_room() } else { 0 };
        for &k in queue {
            let o = &mut open[k as usize];
            // The stream in registers for the encounter, written back once at its end.
            let mut rng = o.rng;
            let (q, failed) = self.service.encounter(self.servers, &mut rng);
            let q = if LIFT {
                encounters::inside_zone_lift(q, o.zone_adequate, o.desired, self.ambience)
            } else {
                q
            };
            if failed {
                // Only a failure touches the customer's record here.
                let c = &mut customers[k as usize];
                st.failures += 1;
                let propensity = self.segs[c.segment as usize].propensity;
                let (path, shock) = self.recovery.after_failure(c, propensity, self.complaints, &mut rng);
                if path != Path::Silent {
                    st.complaints += 1;
                }
                if path == Path::Unresolved {
                    st.unresolved += 1;
                }
                o.sat_shock += shock;
                o.adequate = self.expectations.fail(c, o.desired);
                watch.failure(c, path, self.month);
            }
            let (a, d) = (o.adequate, o.desired);
            let response = self.respond.at(q, a, d);
            o.response_sum += response;
            if SAMPLING && room > 0 {
                room -= 1;
                watch.encounter(q, a, d, response);
            }
            o.quality_sum += q;
            o.rng = rng;
        }
    }
}

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
        let head_count = |staff: f64| staff.round().max(1.0) as u32;
        let staff0 = head_count(if drawn.history > 0 {
            drawn.status_quo.staff
        } else {
            drawn.levers.staff.at(0)
        });
        let max_staff = head_count(drawn.levers.staff.max()).max(staff0);
        let mut pop = Customers::with_capacity(customers as usize * 2 + 1024);
        for id in 0..u64::from(customers) {
            pop.push(Customer::draw(master, replication, id, true, p));
        }
        let demand = pop
            .iter()
            .map(|c| p.segments.each()[c.segment as usize].1.encounter_rate)
            .sum();
        let mut firm = Firm {
            drawn,
            master,
            replication,
            months,
            next_customer: u64::from(customers),
            customers: pop,
            staff: Workforce::new(master, replication, staff0, max_staff, &p.employees),
            demand,
            loyalty_curve: loyalty::Table::new(&p.loyalty),
            open: Vec::with_capacity(BLOCK),
            queue: Vec::new(),
        };
        if drawn.history > 0 {
            let arrivals = history::Arrivals::of(&firm.customers);
            let settle_after = drawn.history.div_ceil(2);
            for month in 0..drawn.history {
                firm.history_month(month);
                if month + 1 == settle_after {
                    firm.settle(&arrivals);
                }
            }
        }
        firm
    }

    /// The customers drawn again as a bank after a long past would hold them
    /// ([`history::settle`]), under the status quo's price.
    fn settle(&mut self, arrivals: &history::Arrivals) {
        let p = &self.drawn.params;
        let gap = self.drawn.status_quo.price_index - p.market.competitor_price_index;
        let pull = std::array::from_fn(|s| churn::pull(&p.market, p.segments.each()[s].1, gap));
        let hazard = churn::Hazard::new(&p.churn, &p.complaints);
        history::settle(&mut self.customers, arrivals, &hazard, pull);
    }

    /// Month `month` (0-based) of the history before month 0, under the status quo's
    /// levers: the bank keeps its size, each leaver replaced by a new customer, and
    /// nothing of the month is reported. Its streams are the history's own, so the
    /// horizon's months draw as they would without a history.
    fn history_month(&mut self, month: u32) {
        let before = self.drawn.history - month;
        let when = When {
            salt: Salt::new(Purpose::History, u64::from(month)),
            month: 0,
            survey: survey::is_survey_month(before),
        };
        let (st, _, _) = self.simulate(when, self.drawn.status_quo.clone(), &mut ());
        let p = &self.drawn.params;
        for _ in 0..st.churned {
            let c = Customer::draw(self.master, self.replication, self.next_customer, false, p);
            self.customers.push(c);
            self.next_customer += 1;
        }
        self.demand = f64::from(st.encounters);
    }

    /// The horizon the firm was created for (months).
    pub fn months(&self) -> u32 {
        self.months
    }

    /// Simulates month `month` (0-based) unwatched and returns what was counted.
    pub fn step(&mut self, month: u32) -> MonthStats {
        self.step_watched(month, &mut ())
    }

    /// Simulates month `month` (0-based), seen by `watch`, and returns what was counted.
    ///
    /// Never inlined, as the month was before it took a watcher: inlined into the
    /// replication's loop (its only caller), the open and close passes lose registers.
    #[inline(never)]
    pub fn step_watched<W: Watch>(&mut self, month: u32, watch: &mut W) -> MonthStats {
        let lv: Levers<f64> = self.drawn.levers.map(|_, s| s.at(month));
        let when = When {
            salt: Salt::new(Purpose::Month, u64::from(month)),
            month,
            survey: survey::is_survey_month(month),
        };
        let (mut st, sums, staff) = self.simulate(when, lv.clone(), watch);
        let p: &Params<f64> = &self.drawn.params;

        // Word of mouth and acquisition.
        let lambda = acquisition::expected_new(
            &p.acquisition,
            lv.marketing,
            f64::from(sums.word_of_mouth.promoters),
            f64::from(sums.word_of_mouth.detractors),
            f64::from(st.unresolved),
            lv.price_index - p.market.competitor_price_index,
        );
        let mut rng =
            StreamKey::new(self.master, self.replication, Kind::Firm, 0).rng(Purpose::Acquisition, u64::from(month));
        let new = acquisition::new_customers(lambda, &mut rng);
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
        let counts = MonthCounts {
            complaints: st.complaints,
            new_customers: new,
            followups: st.followups,
            staff: staff.staff,
            hires: staff.hires,
        };
        st.ledger = Ledger::month(sums.revenue, sums.cost_to_serve, counts, &lv, p);
        st
    }

    /// The month `when` under levers `lv`, seen by `watch`, up to word of mouth: the
    /// front line's month, the encounters and every customer's month closed, leavers
    /// removed. Returns the month's counts, its sums and the front line's month.
    fn simulate<W: Watch>(&mut self, when: When, lv: Levers<f64>, watch: &mut W) -> (MonthStats, Sums, StaffMonth) {
        let p: &Params<f64> = &self.drawn.params;
        let month = when.month;
        let mut st = MonthStats {
            active_start: self.customers.len() as u32,
            ..MonthStats::default()
        };
        let n_active = self.customers.len() as f64;

        // Employees: workload from last month's demand, learning, satisfaction, quits.
        let process_effect = encounters::process_effect(lv.process, n_active, &p.quality);
        let staff = self.staff.step(
            when.salt,
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
        let mut chain = Chain::new(p, &lv, month, &staff, &service, &self.loyalty_curve);
        chain.survey.held = when.survey;
        let opener = Opener {
            segs: &chain.segs,
            salt: when.salt,
            survey_month: chain.survey.held,
            month,
        };
        let serving = Serving {
            service,
            servers: self.staff.servers(),
            ambience: encounters::ambience_lift(lv.ambience, n_active, &p.quality),
            recovery: Recovery::from_budget(lv.recovery, n_active, &p.complaints),
            respond: satisfaction::Response::new(&p.satisfaction),
            segs: &chain.segs,
            expectations: chain.expectations,
            complaints: &p.complaints,
            month,
        };
        let mut sums = Chain::sums(p);
        let mut first = 0;
        while first < self.customers.len() {
            let end = (first + BLOCK).min(self.customers.len());
            let queued = opener.open_block(
                self.customers.range_mut(first..end),
                &mut self.open,
                &mut self.queue,
                watch,
            );
            serving.serve(
                &self.queue[..queued],
                &mut self.open,
                self.customers.range_mut(first..end),
                &mut st,
                watch,
            );
            first = close_block(
                Months {
                    customers: &mut self.customers,
                    open: &mut self.open,
                    queue: &mut self.queue,
                    first,
                    end,
                },
                (&chain, &opener, &serving),
                &mut st,
                &mut sums,
                watch,
            );
        }

        st.promoters = sums.word_of_mouth.promoters;
        st.detractors = sums.word_of_mouth.detractors;
        st.wait_minutes = service.wait_minutes;
        st.staff = staff.staff;
        st.staff_load = staff.workload;
        st.quits = staff.quits;
        st.capability = staff.capability;
        st.employee_satisfaction = staff.satisfaction;
        (st, sums, staff)
    }
}

/// Which month [`Firm::simulate`] runs: one of the horizon's or of the history before it.
#[derive(Debug, Clone, Copy)]
struct When {
    /// Salts the month's streams: the horizon's months and the history's draw apart.
    salt: Salt,
    /// The horizon's month (0 in the history): what the watcher sees, and the market
    /// benchmark's growth.
    month: u32,
    /// Whether the quarterly survey is held.
    survey: bool,
}

/// The customers and their months during the close pass over customers `first..end`.
struct Months<'b> {
    customers: &'b mut Customers,
    open: &'b mut Vec<Open>,
    queue: &'b mut Vec<u32>,
    first: usize,
    end: usize,
}

/// Closes the months of the block `m.first..m.end` in order, removing churners;
/// returns where the next block starts.
///
/// A churner's place is taken by the last customer (swap-remove). If that one
/// belongs to this block, its month is already open and moves with it; if it
/// belongs to a later block, its month is opened and served now, so that it is
/// closed next, as in one pass.
#[inline(always)]
fn close_block<W: Watch>(
    m: Months<'_>,
    (chain, opener, serving): (&Chain<'_>, &Opener<'_>, &Serving<'_>),
    st: &mut MonthStats,
    sums: &mut Sums,
    watch: &mut W,
) -> usize {
    let Months {
        customers,
        open,
        queue,
        first,
        mut end,
    } = m;
    let mut i = first;
    while i < end {
        let c = customers.at_mut(i);
        if chain.close(c, &open[i - first], st, sums) {
            watch.churn(c);
            let last = customers.len() - 1;
            customers.swap_remove(i);
            if last < end {
                // The customer moved into place i (if any) was opened in this block.
                open.swap_remove(i - first);
                end -= 1;
            } else {
                let block = Block {
                    customers: customers.range_mut(first..end),
                    open: open.as_mut_slice(),
                    queue: &mut *queue,
                };
                opener.open_and_serve_one(serving, i - first, block, st, watch);
            }
            continue;
        }
        chain.stay(c, st, sums);
        i += 1;
    }
    end
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
        let mut paths = watch::Paths::new(36);
        let mut months = Vec::new();
        let mut active = sc.customers;
        for m in 0..36 {
            let st = firm.step_watched(m, &mut paths);
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
        let m = Metrics::from_months(&months, &paths.tally, drawn.params.finance.discount_rate);
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
    fn watching_a_run_changes_none_of_its_results() {
        let sc = baseline(&["simulation.customers=1500"]);
        let drawn = sc.draw(5, 0);
        let (mut plain, mut watched) = (
            Firm::new(&drawn, sc.customers, 24, 5, 0),
            Firm::new(&drawn, sc.customers, 24, 5, 0),
        );
        let mut watch = (watch::ResponseSample::new(3000), watch::Paths::new(24));
        for m in 0..24 {
            let (a, b) = (plain.step(m), watched.step_watched(m, &mut watch));
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "month {m}");
        }
        let (sample, paths) = watch;
        assert_eq!(sample.into_points().len(), 3000, "the sample fills up");
        let followed: u32 = paths.tally.stayed.iter().chain(&paths.tally.left).sum();
        assert!(followed > 100, "paths were followed: {followed}");
        for i in 0..plain.customers.len() {
            let (a, b) = (plain.customers.get(i), watched.customers.get(i));
            assert_eq!(
                (a.satisfaction, a.loyalty, a.balance),
                (b.satisfaction, b.loyalty, b.balance)
            );
        }
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
