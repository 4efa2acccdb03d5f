//! Voice or silence after a service failure, and the firm's recovery.
//!
//! Most customers who meet a failure never complain (the silent iceberg);
//! loyal customers voice more, and complaint channels (the recovery budget)
//! raise the share who do. A complaint is resolved, and resolved fast, with
//! probabilities set by the recovery lever. Each outcome leaves a different
//! satisfaction change and *grievance* (extra churn risk that fades), ordered
//! as TARP measured it: silent worst, then unresolved, resolved, resolved fast.

use rand::RngExt;

use super::customers::Customer;
use super::finance::saturating;
use crate::rng::MonthRng;
use crate::scenario::Complaints;

/// The path a customer took after a failure (also the F5 tracking category).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Path {
    /// Did not complain.
    Silent = 1,
    /// Complained; not resolved.
    Unresolved = 2,
    /// Complained; resolved slowly.
    Resolved = 3,
    /// Complained; resolved fast.
    Fast = 4,
}

impl Path {
    /// All paths, in the order of the F5 ranking.
    pub const ALL: [Path; 4] = [Path::Silent, Path::Unresolved, Path::Resolved, Path::Fast];
}

/// This month's firm-wide recovery settings, derived from the recovery lever.
#[derive(Debug, Clone, Copy)]
pub struct Recovery {
    /// Extra complaint probability from complaint channels.
    pub channel_boost: f64,
    /// Probability that a complaint is resolved.
    pub p_resolve: f64,
    /// Probability that a resolution is fast.
    pub p_fast: f64,
}

impl Recovery {
    /// Settings for `effect` (0-1, the saturating effect of recovery spend per customer).
    pub fn new(effect: f64, p: &Complaints<f64>) -> Self {
        Recovery {
            channel_boost: p.channel_boost * effect,
            p_resolve: (p.resolve_base + p.resolve_gain * effect).min(1.0),
            p_fast: (p.fast_base + p.fast_gain * effect).min(1.0),
        }
    }

    /// Settings for a recovery budget of `spend` (EUR/year) spread over `customers`.
    pub fn from_budget(spend: f64, customers: f64, p: &Complaints<f64>) -> Self {
        Recovery::new(saturating(spend / customers.max(1.0), p.recovery_half_effect), p)
    }

    /// Probability that a customer of `propensity` and `loyalty` complains.
    #[inline]
    pub fn p_complain(&self, propensity: f64, loyalty: f64, p: &Complaints<f64>) -> f64 {
        (propensity * (1.0 + p.voice_loyalty * (loyalty - 0.5)) + self.channel_boost).clamp(0.0, 1.0)
    }

    /// A service failure met by `c`, a customer of complaint `propensity`: draws
    /// its voice, resolution and speed from its stream `rng`, and leaves the
    /// path's grievance; returns the path and the satisfaction change it brings
    /// (satisfaction points).
    #[inline(always)]
    pub fn after_failure(
        &self,
        c: &mut Customer,
        propensity: f64,
        p: &Complaints<f64>,
        rng: &mut MonthRng,
    ) -> (Path, f64) {
        c.failures = c.failures.saturating_add(1);
        let (u_voice, u_resolve, u_fast) = (rng.random::<f64>(), rng.random::<f64>(), rng.random::<f64>());
        let path = self.outcome(self.p_complain(propensity, c.loyalty, p), u_voice, u_resolve, u_fast);
        let (shock, grievance) = consequence(path, c.failures == 1, p);
        c.grievance = c.grievance.max(grievance);
        (path, shock)
    }

    /// The path taken, from three uniform draws.
    #[inline]
    pub fn outcome(&self, p_complain: f64, u_voice: f64, u_resolve: f64, u_fast: f64) -> Path {
        if u_voice >= p_complain {
            Path::Silent
        } else if u_resolve >= self.p_resolve {
            Path::Unresolved
        } else if u_fast < self.p_fast {
            Path::Fast
        } else {
            Path::Resolved
        }
    }
}

/// Satisfaction change and grievance left by a path. The recovery paradox (a
/// fast resolution leaving a customer more satisfied than before) applies only
/// after a first failure.
#[inline]
pub fn consequence(path: Path, first_failure: bool, p: &Complaints<f64>) -> (f64, f64) {
    match path {
        Path::Silent => (0.0, p.grievance_silent),
        Path::Unresolved => (-p.unresolved_drop, p.grievance_unresolved),
        Path::Resolved => (p.resolved_lift, p.grievance_resolved),
        Path::Fast if first_failure => (p.fast_lift, p.grievance_fast),
        Path::Fast => (p.resolved_lift, p.grievance_fast),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn params() -> Complaints<f64> {
        Complaints {
            channel_boost: 0.2,
            recovery_half_effect: 6.0,
            voice_loyalty: 1.0,
            resolve_base: 0.4,
            resolve_gain: 0.5,
            fast_base: 0.2,
            fast_gain: 0.5,
            unresolved_drop: 0.8,
            resolved_lift: 0.3,
            fast_lift: 0.8,
            grievance_multiplier: 4.0,
            grievance_persistence: 0.7,
            grievance_silent: 1.0,
            grievance_unresolved: 0.7,
            grievance_resolved: 0.3,
            grievance_fast: 0.0,
            handling_cost: 40.0,
        }
    }

    #[test]
    fn more_recovery_resolves_more_and_faster() {
        let lo = Recovery::new(0.0, &params());
        let hi = Recovery::new(1.0, &params());
        assert!(hi.p_resolve > lo.p_resolve && hi.p_fast > lo.p_fast && hi.channel_boost > lo.channel_boost);
        assert!(hi.p_complain(0.3, 0.5, &params()) > lo.p_complain(0.3, 0.5, &params()));
        assert!(
            lo.p_complain(0.3, 0.9, &params()) > lo.p_complain(0.3, 0.1, &params()),
            "loyal customers voice"
        );
    }

    #[test]
    fn paths_follow_the_draws() {
        let r = Recovery {
            channel_boost: 0.0,
            p_resolve: 0.5,
            p_fast: 0.5,
        };
        assert_eq!(r.outcome(0.3, 0.9, 0.0, 0.0), Path::Silent);
        assert_eq!(r.outcome(0.3, 0.1, 0.9, 0.0), Path::Unresolved);
        assert_eq!(r.outcome(0.3, 0.1, 0.1, 0.1), Path::Fast);
        assert_eq!(r.outcome(0.3, 0.1, 0.1, 0.9), Path::Resolved);
    }

    #[test]
    fn grievance_orders_the_paths_and_the_paradox_needs_a_first_failure() {
        let p = params();
        let g: Vec<f64> = Path::ALL.iter().map(|&path| consequence(path, true, &p).1).collect();
        assert!(g.windows(2).all(|w| w[0] > w[1]), "{g:?}");
        assert!(consequence(Path::Fast, true, &p).0 > consequence(Path::Fast, false, &p).0);
        assert!(consequence(Path::Unresolved, true, &p).0 < 0.0);
    }
}
