//! The chain in one customer's month: the links' monthly terms, worked out once
//! per month, and the order in which the links close each customer's month
//! (MODEL.md section 2, steps 4 to 9): satisfaction, follow-up, expectations,
//! loyalty, the survey, money, churn. The encounters (steps 1 to 3 and 5) ran
//! before, in the serving pass of [`super::Firm::step`].

use super::customers::Customer;
use super::employees::StaffMonth;
use super::encounters::{PoissonTable, Service};
use super::{Open, acquisition, churn, expectations, finance, loyalty, satisfaction, survey};
use crate::metrics::MonthStats;
use crate::scenario::{Levers, Params};

/// Segment-level quantities shared by all customers of a segment in one month.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SegmentMonth {
    /// Encounter counts (encounters).
    pub encounters: PoissonTable,
    /// Satisfaction target before disposition and encounters (satisfaction).
    target: f64,
    /// The competitor's pull (churn).
    pull: f64,
    /// Complaint propensity (complaints).
    pub propensity: f64,
    /// 1 / the balance cap (EUR^-1, money).
    inv_balance_cap: f64,
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

/// What closing the customers' months sums besides [`MonthStats`], kept apart so
/// that it stays in registers.
#[derive(Debug, Clone, Copy)]
pub(super) struct Sums {
    /// Revenue of the customers' accounts (EUR).
    pub revenue: f64,
    /// Their cost to serve (EUR).
    pub cost_to_serve: f64,
    /// Promoters and detractors among those who stay.
    pub word_of_mouth: acquisition::WordOfMouth,
}

/// One month's links, as the customers' months are closed.
#[derive(Debug, Clone)]
pub(super) struct Chain<'m> {
    /// Per segment.
    pub segs: [SegmentMonth; 3],
    /// Expectations (also narrowed by failures while serving).
    pub expectations: expectations::Drift,
    /// The survey.
    pub survey: survey::Round,
    satisfaction: satisfaction::Update,
    loyalty: loyalty::Update<'m>,
    accounts: finance::Accounts,
    hazard: churn::Hazard,
}

impl<'m> Chain<'m> {
    /// The links of month `month` under `p` and the month's levers `lv`, given the
    /// front line's month `staff`, the service environment and the loyalty curve.
    pub fn new(
        p: &'m Params<f64>,
        lv: &Levers<f64>,
        month: u32,
        staff: &StaffMonth,
        service: &Service,
        curve: &'m loyalty::Table,
    ) -> Self {
        let price_gap = lv.price_index - p.market.competitor_price_index;
        let extra_wait = service.wait_minutes - p.market.wait_benchmark;
        let segs = std::array::from_fn(|i| {
            let s = p.segments.each()[i].1;
            SegmentMonth {
                encounters: PoissonTable::new(s.encounter_rate, (-s.encounter_rate).exp()),
                target: satisfaction::segment_target(
                    &p.satisfaction,
                    s,
                    &p.market,
                    staff.capability,
                    price_gap,
                    extra_wait,
                ),
                pull: churn::pull(&p.market, s, price_gap),
                propensity: s.complaint_propensity,
                inv_balance_cap: finance::inv_balance_cap(s, p),
            }
        });
        Chain {
            segs,
            expectations: expectations::Drift::new(&p.expectations, month),
            survey: survey::Round::new(&p.survey, month),
            satisfaction: satisfaction::Update::new(&p.satisfaction),
            loyalty: loyalty::Update::new(&p.loyalty, curve, lv.followup),
            accounts: finance::Accounts::new(p, lv.price_index),
            hazard: churn::Hazard::new(&p.churn, &p.complaints),
        }
    }

    /// Nothing summed yet.
    pub fn sums(p: &Params<f64>) -> Sums {
        Sums {
            revenue: 0.0,
            cost_to_serve: 0.0,
            word_of_mouth: acquisition::WordOfMouth::new(&p.acquisition),
        }
    }

    /// Closes `c`'s month from what its opening and its encounters left in `o`;
    /// returns whether `c` leaves (counted in `st`).
    #[inline(always)]
    pub fn close(&self, c: &mut Customer, o: &Open, st: &mut MonthStats, sums: &mut Sums) -> bool {
        let seg = &self.segs[c.segment as usize];
        let n = o.n;
        st.encounters += n;
        st.quality_sum += o.quality_sum;
        let met = n > 0;
        let per_encounter = RECIPROCALS
            .get(n as usize)
            .copied()
            .unwrap_or_else(|| 1.0 / f64::from(n));

        // Satisfaction moves toward the month's response combined with perceived value,
        // then takes the month's shocks: failures, recovery and follow-up.
        self.satisfaction
            .close(c, seg.target, o.response_sum * per_encounter, met);
        let mut shock = o.sat_shock;
        self.loyalty.follow_up(c, o.u_followup, &mut st.followups, &mut shock);
        self.satisfaction.shock(c, shock);

        // Expectations drift toward experience and the market; narrowing fades.
        self.expectations.close(c, o.quality_sum * per_encounter, met);
        self.loyalty.close(c);
        self.survey.ask(c, o.u_survey, o.z_survey, &mut st.survey_by_score);

        let (revenue, cost) = self.accounts.close(c, o.u_cross, n, seg.inv_balance_cap);
        sums.revenue += revenue;
        sums.cost_to_serve += cost;

        st.exposure_by_score[c.last_score as usize] += 1;
        let leaves = self.hazard.leaves(c, seg.pull, o.u_churn);
        if leaves {
            st.churned += 1;
            st.churn_by_score[c.last_score as usize] += 1;
        }
        leaves
    }

    /// `c` stays: one month older, counted in the month's satisfaction and word of mouth.
    #[inline(always)]
    pub fn stay(&self, c: &mut Customer, st: &mut MonthStats, sums: &mut Sums) {
        c.tenure = c.tenure.saturating_add(1);
        st.satisfaction_sum += c.satisfaction;
        sums.word_of_mouth.count(c);
    }
}
