//! Watching a replication from inside its months: the seam through which the
//! response-chart sample and the complaint-path tracking (fact F5) see
//! encounters, failures and churners, without the month knowing what they keep.
//!
//! Progress and cancellation observe whole replications
//! ([`crate::experiment::Observe`]); a [`Watch`] observes one replication's
//! customers. Its hooks are called from the month's loops and compiled in
//! (static dispatch): the default hooks do nothing and cost nothing. A watcher
//! keeps no per-customer table: what it follows about one customer lives in
//! that customer's record ([`Customer::path`]), so memory stays flat however
//! many customers come and go.

use super::complaints::Path;
use super::customers::Customer;
use crate::metrics::PathTally;

/// What sees the inside of a month. Every hook has a default that does nothing.
pub trait Watch {
    /// Encounters this watcher still wants to see this month, at most. 0 (the
    /// default) runs the month's encounter loop without [`Watch::encounter`].
    fn encounter_room(&self) -> usize {
        0
    }

    /// One encounter: delivered quality `quality` against the zone
    /// `[adequate, desired]` (quality points) gave the satisfaction response `response`.
    #[inline(always)]
    fn encounter(&mut self, quality: f64, adequate: f64, desired: f64, response: f64) {
        let _ = (quality, adequate, desired, response);
    }

    /// Customer `c`'s month `month` (0-based) is about to open.
    #[inline(always)]
    fn open(&mut self, c: &mut Customer, month: u32) {
        let _ = (c, month);
    }

    /// Customer `c` met a service failure in month `month` and took `path`.
    #[inline(always)]
    fn failure(&mut self, c: &mut Customer, path: Path, month: u32) {
        let _ = (c, path, month);
    }

    /// Customer `c` leaves at the end of this month.
    #[inline(always)]
    fn churn(&mut self, c: &Customer) {
        let _ = c;
    }
}

/// Watches nothing.
impl Watch for () {}

/// Two watchers, each told everything.
impl<A: Watch, B: Watch> Watch for (A, B) {
    fn encounter_room(&self) -> usize {
        self.0.encounter_room().max(self.1.encounter_room())
    }
    #[inline(always)]
    fn encounter(&mut self, quality: f64, adequate: f64, desired: f64, response: f64) {
        self.0.encounter(quality, adequate, desired, response);
        self.1.encounter(quality, adequate, desired, response);
    }
    #[inline(always)]
    fn open(&mut self, c: &mut Customer, month: u32) {
        self.0.open(c, month);
        self.1.open(c, month);
    }
    #[inline(always)]
    fn failure(&mut self, c: &mut Customer, path: Path, month: u32) {
        self.0.failure(c, path, month);
        self.1.failure(c, path, month);
    }
    #[inline(always)]
    fn churn(&mut self, c: &Customer) {
        self.0.churn(c);
        self.1.churn(c);
    }
}

/// The response chart's sample: the first encounters of a run, as (delivered
/// quality relative to the customer's zone, 0 at A and 1 at D; the satisfaction
/// response in points). Draws nothing.
#[derive(Debug, Clone, Default)]
pub struct ResponseSample {
    points: Vec<[f32; 2]>,
    size: usize,
}

impl ResponseSample {
    /// A sample of the first `size` encounters (0: none).
    pub fn new(size: usize) -> Self {
        ResponseSample {
            points: Vec::with_capacity(size),
            size,
        }
    }

    /// The encounters sampled.
    pub fn into_points(self) -> Vec<[f32; 2]> {
        self.points
    }
}

impl Watch for ResponseSample {
    fn encounter_room(&self) -> usize {
        self.size - self.points.len()
    }

    #[inline(always)]
    fn encounter(&mut self, q: f64, a: f64, d: f64, response: f64) {
        if self.points.len() < self.size {
            self.points
                .push([((q - a) / (d - a).max(1e-9)) as f32, response as f32]);
        }
    }
}

/// Months a complaint path is followed after the failure that started it (F5:
/// did the customer stay a year?).
pub const PATH_MONTHS: u32 = 12;

/// Follows each failure's complaint path for [`PATH_MONTHS`] months: stayed or
/// left, by path (fact F5). A failure starts a path only if the horizon leaves
/// room to follow it to the end; a later failure restarts it. The path being
/// followed is kept in the customer's record ([`Customer::path`], [`Customer::path_month`]).
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// Months simulated.
    months: u32,
    /// Stayed and left, by path.
    pub tally: PathTally,
}

impl Paths {
    /// Follows paths in a run of `months` months.
    pub fn new(months: u32) -> Self {
        Paths {
            months,
            tally: PathTally::default(),
        }
    }
}

impl Watch for Paths {
    /// Ends `c`'s path at the [`PATH_MONTHS`] mark, counted as stayed.
    #[inline(always)]
    fn open(&mut self, c: &mut Customer, month: u32) {
        // About 40% of customers are on a path at any time, a coin toss for the branch
        // predictor, so this is written without a branch: count (or add 0), and keep
        // the path (x1) or end it (x0).
        let path_ends = (c.path != 0) & (u32::from(c.path_month) + PATH_MONTHS == month);
        self.tally.stayed[c.path as usize] += u32::from(path_ends);
        c.path *= u8::from(!path_ends);
    }

    #[inline(always)]
    fn failure(&mut self, c: &mut Customer, path: Path, month: u32) {
        if month + PATH_MONTHS <= self.months {
            c.path = path as u8;
            c.path_month = month as u16;
        }
    }

    #[inline(always)]
    fn churn(&mut self, c: &Customer) {
        if c.path != 0 {
            self.tally.left[c.path as usize] += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_stops_at_its_size() {
        let mut s = ResponseSample::new(2);
        assert_eq!(s.encounter_room(), 2);
        for q in [6.0, 7.0, 8.0] {
            s.encounter(q, 6.0, 8.0, 0.1);
        }
        assert_eq!(s.encounter_room(), 0);
        assert_eq!(s.into_points(), vec![[0.0, 0.1], [0.5, 0.1]]);
    }

    #[test]
    fn a_path_ends_after_a_year_as_stayed_or_earlier_as_left() {
        let mut paths = Paths::new(36);
        let (mut stays, mut leaves) = (
            crate::model::customers::tests::customer(),
            crate::model::customers::tests::customer(),
        );
        paths.failure(&mut stays, Path::Fast, 2);
        paths.failure(&mut leaves, Path::Silent, 2);
        for month in 3..=14 {
            paths.open(&mut stays, month);
            paths.open(&mut leaves, month);
        }
        assert_eq!((stays.path, paths.tally.stayed[Path::Fast as usize]), (0, 1));
        assert_eq!(paths.tally.stayed[Path::Silent as usize], 1, "both reached the mark");
        paths.failure(&mut leaves, Path::Unresolved, 20);
        paths.churn(&leaves);
        assert_eq!(paths.tally.left[Path::Unresolved as usize], 1);
        let mut late = crate::model::customers::tests::customer();
        paths.failure(&mut late, Path::Fast, 30);
        assert_eq!(late.path, 0, "too late in the horizon to follow for a year");
    }
}
