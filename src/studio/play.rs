//! One run month by month, for the page's play view: a sample of customers as dots (their
//! satisfaction, loyalty and last score each month, and who left) and the month's figures.
//!
//! The run is replication 0 of the alternative the page shows, so its figures are those of
//! the single run highlighted in the ensemble chart. It watches the customers through
//! [`crate::engine::replicate_watched`], which draws nothing: the run is the same as unwatched.

use std::collections::HashMap;

use serde::Serialize;

use super::api::{Library, Request};
use crate::engine;
use crate::error::{Error, Result};
use crate::experiment::Observe;
use crate::rng::{Kind, StreamKey};

/// Most customers shown as dots.
pub const DOTS: u32 = 600;

/// One month of the played run.
#[derive(Debug, Clone, Serialize)]
pub struct Frame {
    /// Dots of customers active at the month's end: (dot id, satisfaction x 10 (10-50),
    /// loyalty x 100 (0-100), last score (0 = never asked)).
    pub dots: Vec<[u32; 4]>,
    /// Dot ids of the customers who left this month.
    pub left: Vec<u32>,
    /// The month's figures: customers at the end, churned, new, mean satisfaction (1-5),
    /// delivered quality (0-10), wait (minutes), complaints, staff, quits, profit (EUR).
    pub figures: [f64; 10],
}

/// A played run.
#[derive(Debug, Clone, Serialize)]
pub struct Play {
    /// The scenario played.
    pub scenario: String,
    /// Customers at month 0, and one dot stands for this many.
    pub customers: u32,
    /// Customers per dot.
    pub per_dot: u32,
    /// Month by month.
    pub frames: Vec<Frame>,
    /// Names of [`Frame::figures`], in order.
    pub figures: [&'static str; 10],
}

/// Plays replication 0 of the alternative `request` asks for (the last scenario of its design).
pub fn play(library: &Library, request: &Request, observer: &dyn Observe) -> Result<Play> {
    let arms = library.arms(request, 1)?;
    let scenario = arms
        .scenarios
        .last()
        .ok_or_else(|| Error::Options("nothing to play".into()))?;
    let seed = arms.options.seed;
    let per_dot = scenario.customers.div_ceil(DOTS).max(1);
    let mut ids: HashMap<StreamKey, u32> = (0..scenario.customers)
        .map(|id| (StreamKey::new(seed, 0, Kind::Customer, u64::from(id)), id))
        .collect();
    let mut next = scenario.customers;
    let mut shown: Vec<u32> = Vec::new();
    let mut frames = Vec::with_capacity(scenario.months as usize);
    let cancelled = || observer.cancelled();
    engine::replicate_watched(scenario, seed, 0, 0, &cancelled, |_, st, customers| {
        let mut dots = Vec::with_capacity(DOTS as usize + 64);
        for c in customers.iter() {
            let id = *ids.entry(c.key).or_insert_with(|| {
                next += 1;
                next - 1
            });
            if id.is_multiple_of(per_dot) {
                dots.push([
                    id / per_dot,
                    (c.satisfaction * 10.0).round() as u32,
                    (c.loyalty * 100.0).round() as u32,
                    u32::from(c.last_score),
                ]);
            }
        }
        dots.sort_unstable_by_key(|d| d[0]);
        let now: Vec<u32> = dots.iter().map(|d| d[0]).collect();
        let left = shown
            .iter()
            .copied()
            .filter(|d| now.binary_search(d).is_err())
            .collect();
        shown = now;
        let active = f64::from(st.active_end);
        frames.push(Frame {
            dots,
            left,
            figures: [
                active,
                f64::from(st.churned),
                f64::from(st.new_customers),
                st.satisfaction_sum / active.max(1.0),
                st.quality_sum / f64::from(st.encounters.max(1)),
                st.wait_minutes,
                f64::from(st.complaints),
                f64::from(st.staff),
                f64::from(st.quits),
                st.ledger.profit(),
            ],
        });
    })
    .ok_or(Error::Interrupted)?;
    Ok(Play {
        scenario: scenario.label(),
        customers: scenario.customers,
        per_dot,
        frames,
        figures: [
            "customers",
            "left",
            "joined",
            "satisfaction",
            "quality",
            "wait_minutes",
            "complaints",
            "staff",
            "quits",
            "profit",
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::Silent;
    use crate::studio::api::Classroom;

    #[test]
    fn the_played_run_is_replication_0_and_its_dots_add_up() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let small = Classroom {
            customers: 1200,
            months: 12,
            replications: 2,
            lesson_replications: 2,
        };
        let lib = Library::open(&root.join("scenarios"), &root.join("scenarios/lessons"), small).unwrap();
        let request = Request {
            scenario: Some("baseline".into()),
            edits: [("levers.staff".to_string(), 30.0)].into(),
            ..Request::default()
        };
        let played = play(&lib, &request, &Silent).unwrap();
        let reply = super::super::api::run(&lib, &Default::default(), &request, 1, &Silent).unwrap();
        let single = &reply.arms[1].bands["active_customers"].single;
        assert_eq!(played.frames.len(), 12);
        assert_eq!(played.per_dot, 2);
        let mut before = played.frames[0].dots.len();
        for (t, f) in played.frames.iter().enumerate() {
            assert_eq!(
                f.figures[0], single[t],
                "month {t}: the played run is the highlighted one"
            );
            assert!(f.dots.iter().all(|d| (10..=50).contains(&d[1]) && d[2] <= 100));
            if t > 0 {
                let joined = f.dots.len() + f.left.len() - before;
                assert!(joined as f64 <= f.figures[2], "month {t}");
            }
            before = f.dots.len();
        }
        let left: usize = played.frames.iter().map(|f| f.left.len()).sum();
        let churned: f64 = played.frames.iter().map(|f| f.figures[1]).sum();
        assert!(
            left > 0 && (left as f64) < churned,
            "{left} dots left of {churned} churners"
        );
    }
}
