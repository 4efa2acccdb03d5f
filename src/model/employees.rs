//! Front-line employees: capability, satisfaction, workload and quitting.
//!
//! Training and tenure raise capability toward a ceiling; internal service
//! quality (pay, training, tools) minus workload pressure sets the level that
//! satisfaction moves to; dissatisfied staff quit and are replaced by novices.
//! Under pressure staff cut corners, so quality erodes (Oliva & Sterman 2001).
//! Together these give the cycle of failure and the cycle of success.

use rand::RngExt;

use super::finance::saturating;
use crate::rng::{Kind, Purpose, Salt, StreamKey};
use crate::scenario::{Employees, Quality};

/// Highest workload pressure (0 at the threshold, 1 at full load, 2 as far above full
/// load as the threshold is below it): failures rise with pressure up to here, while
/// corner cutting and dissatisfaction stop at 1.
const MAX_PRESSURE: f64 = 2.0;

/// Tenures of the front line at month 0 spread evenly over this many experience
/// times (`experience_months`): most of a settled front line is past learning.
const INITIAL_TENURE_SPREAD: f64 = 4.0;

/// The front line of one replication, as parallel arrays (one entry per FTE).
#[derive(Debug, Clone)]
pub struct Workforce {
    master: u64,
    replication: u64,
    next_id: u64,
    key: Vec<StreamKey>,
    capability: Vec<f64>,
    satisfaction: Vec<f64>,
    tenure: Vec<f64>,
    /// What each employee brings to an encounter this month.
    servers: Vec<Server>,
}

/// What one employee brings to each encounter this month: kept side by side,
/// because an encounter reads both for the employee drawn to serve it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Server {
    /// Quality added to the encounter (quality points).
    pub quality: f64,
    /// Probability that the encounter fails.
    pub failure: f64,
}

/// What the front line looked like in one month.
#[derive(Debug, Clone, Copy, Default)]
pub struct StaffMonth {
    /// Demand over capacity.
    pub workload: f64,
    /// Pressure (0 below the threshold, 1 at full load, up to 2).
    pub pressure: f64,
    /// Mean effective capability (after corner cutting).
    pub capability: f64,
    /// Mean employee satisfaction.
    pub satisfaction: f64,
    /// Employees who quit this month.
    pub quits: u32,
    /// Employees hired this month (replacements and growth).
    pub hires: u32,
    /// Head count after the month's changes.
    pub staff: u32,
}

/// Month-level inputs from the levers.
#[derive(Debug, Clone, Copy)]
pub struct StaffLevers {
    /// Head count wanted (FTE).
    pub staff: u32,
    /// Saturating training effect (0-1).
    pub training_effect: f64,
    /// Saturating process/tools effect (0-1).
    pub process_effect: f64,
    /// Pay relative to market.
    pub pay_index: f64,
}

impl Workforce {
    /// A front line of `staff` employees with tenures spread over the first
    /// years, room reserved for `max_staff`.
    pub fn new(master: u64, replication: u64, staff: u32, max_staff: u32, p: &Employees<f64>) -> Self {
        let cap = max_staff.max(staff) as usize;
        let mut w = Workforce {
            master,
            replication,
            next_id: 0,
            key: Vec::with_capacity(cap),
            capability: Vec::with_capacity(cap),
            satisfaction: Vec::with_capacity(cap),
            tenure: Vec::with_capacity(cap),
            servers: Vec::with_capacity(cap),
        };
        for _ in 0..staff {
            let key = w.hire(p);
            let months = key.rng(Purpose::Init, 0).random::<f64>() * INITIAL_TENURE_SPREAD * p.experience_months;
            let i = w.key.len() - 1;
            w.tenure[i] = months;
            w.capability[i] = p.veteran_capability
                + (p.novice_capability - p.veteran_capability) * (-months / p.experience_months).exp();
        }
        w
    }

    fn hire(&mut self, p: &Employees<f64>) -> StreamKey {
        let key = StreamKey::new(self.master, self.replication, Kind::Employee, self.next_id);
        self.next_id += 1;
        self.key.push(key);
        self.capability.push(p.novice_capability);
        self.satisfaction.push(p.satisfaction_base);
        self.tenure.push(0.0);
        self.servers.push(Server::default());
        key
    }

    /// What each employee brings to an encounter this month.
    pub fn servers(&self) -> &[Server] {
        &self.servers
    }

    /// Head count.
    pub fn len(&self) -> usize {
        self.key.len()
    }

    /// Whether there is nobody on the front line.
    pub fn is_empty(&self) -> bool {
        self.key.is_empty()
    }

    /// One month, whose streams `month` salts: adjust head count, learn, update
    /// satisfaction, quit and replace, then price each employee's contribution to encounters.
    pub fn step(
        &mut self,
        month: Salt,
        demand: f64,
        lv: StaffLevers,
        e: &Employees<f64>,
        q: &Quality<f64>,
    ) -> StaffMonth {
        let mut out = StaffMonth::default();
        self.key.truncate(lv.staff as usize);
        for v in [&mut self.capability, &mut self.satisfaction, &mut self.tenure] {
            v.truncate(lv.staff as usize);
        }
        self.servers.truncate(lv.staff as usize);
        while self.len() < lv.staff as usize {
            self.hire(e);
            out.hires += 1;
        }
        let n = self.len().max(1) as f64;
        out.workload = demand / (n * e.capacity);
        out.pressure =
            ((out.workload - e.pressure_threshold) / (1.0 - e.pressure_threshold).max(1e-9)).clamp(0.0, MAX_PRESSURE);
        let ceiling_trained = (e.veteran_capability + e.training_capability * lv.training_effect).min(1.0);
        let target_sat = (e.satisfaction_base
            + e.satisfaction_pay * (lv.pay_index - 1.0)
            + e.satisfaction_training * lv.training_effect
            + e.satisfaction_tools * lv.process_effect
            - e.satisfaction_pressure * out.pressure.min(1.0))
        .clamp(0.0, 1.0);
        let corner = 1.0 - e.corner_cutting * out.pressure.min(1.0);
        let fail_base = q.failure_base
            * (1.0 - q.failure_process_reduction * lv.process_effect)
            * (1.0 + q.failure_pressure * out.pressure);
        for i in 0..self.len() {
            let u_quit: f64 = self.key[i].rng_salted(month).random();
            let ceiling = ceiling_trained
                + (e.novice_capability - ceiling_trained) * (-self.tenure[i] / e.experience_months).exp();
            self.capability[i] += e.learning_rate * (ceiling - self.capability[i]);
            self.satisfaction[i] += e.satisfaction_rate * (target_sat - self.satisfaction[i]);
            self.tenure[i] += 1.0;
            let p_quit = e.quit_base + e.quit_sensitivity * (e.quit_reference - self.satisfaction[i]).max(0.0);
            if u_quit < p_quit {
                out.quits += 1;
                out.hires += 1;
                self.key[i] = StreamKey::new(self.master, self.replication, Kind::Employee, self.next_id);
                self.next_id += 1;
                self.capability[i] = e.novice_capability;
                self.satisfaction[i] = e.satisfaction_base;
                self.tenure[i] = 0.0;
            }
            let c = self.capability[i] * corner;
            self.servers[i] = Server {
                quality: q.capability_weight * c,
                failure: (fail_base * (1.0 + q.failure_novice * (1.0 - c))).min(1.0),
            };
            out.capability += c;
            out.satisfaction += self.satisfaction[i];
        }
        out.capability /= n;
        out.satisfaction /= n;
        out.staff = self.len() as u32;
        out
    }
}

/// Saturating training effect of `spend` (EUR/FTE/year).
pub fn training_effect(spend: f64, e: &Employees<f64>) -> f64 {
    saturating(spend, e.training_half_effect)
}
