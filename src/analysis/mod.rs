//! Analyses over many variants of one scenario: sweeps, sensitivity, optimisation.
//!
//! The split is EMA Workbench's: the *model* is a checked [`Scenario`], the
//! *factors* (uncertainties or levers, [`design::Factor`]) are scenario keys
//! with ranges or distributions, the *outcomes* are the metrics, and the
//! *evaluator* is the experiment layer. An analysis is SALib's pipeline of
//! plain functions: sample points in the unit cube ([`sample`]), turn each
//! point into typed edits of the scenario, evaluate them all as one
//! [`Design`] on common random numbers ([`Points::evaluate`]), and analyse the
//! per-point, per-replication outcomes.
//!
//! A design's variants and work units follow deterministically from the
//! file, the options and the seed, so any subset of units can run anywhere
//! and the outcomes assemble to the same result.

pub mod calibrate;
pub mod design;
pub mod sample;
pub mod sensitivity;
pub mod sweep;

use std::path::Path;

use crate::error::{Error, Result};
use crate::experiment::{Design, Observe, RunOptions};
use crate::metrics::{METRICS, Metric};
use crate::scenario::Scenario;
use design::Factor;

/// Every metric of one replication, in the order of [`Metric::ALL`].
pub type Row = [f64; METRICS];

/// Points of a design: the value of every factor at every point.
#[derive(Debug, Clone)]
pub struct Points {
    /// The varied keys.
    pub factors: Vec<Factor>,
    /// One row of values per point, in factor order.
    pub values: Vec<Vec<f64>>,
}

/// What each point is measured as: a scenario's metrics, or the paired
/// difference of an alternative's metrics minus the scenario's.
#[derive(Debug, Clone, Copy)]
pub struct Arms<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The alternative, edited identically at each point.
    pub alternative: Option<&'a Scenario>,
}

impl Arms<'_> {
    fn count(&self) -> usize {
        1 + usize::from(self.alternative.is_some())
    }
}

/// Hides the layer's per-batch `planned` calls: an analysis plans all its units once.
struct Batches<'a>(&'a dyn Observe);

impl Observe for Batches<'_> {
    fn done(&self) {
        self.0.done();
    }
    fn cancelled(&self) -> bool {
        self.0.cancelled()
    }
}

/// Units run per batch: bounded so that only metrics, not monthly records, pile up.
const BATCH_UNITS: usize = 256;

impl Points {
    /// Points from unit-cube coordinates.
    pub fn from_unit(factors: &[Factor], unit: &[Vec<f64>]) -> Points {
        Points {
            factors: factors.to_vec(),
            values: unit
                .iter()
                .map(|u| factors.iter().zip(u).map(|(f, &x)| f.value(x)).collect())
                .collect(),
        }
    }

    /// The design: for each point, the scenario (and the alternative) with the
    /// point's edits; variant `p * arms + a`.
    pub fn design(&self, arms: Arms<'_>, options: &RunOptions) -> Result<Design> {
        let mut variants = Vec::with_capacity(self.values.len() * arms.count());
        for (p, values) in self.values.iter().enumerate() {
            let edits: Vec<_> = self.factors.iter().zip(values).map(|(f, &v)| f.edit(v)).collect();
            for s in std::iter::once(arms.scenario).chain(arms.alternative) {
                variants.push(s.edited(&edits)?.renamed(&format!("{}@{p}", s.name)));
            }
        }
        Design::new(variants, options.clone())
    }

    /// Runs every point for `options.replications` replications on common random
    /// numbers and returns, per point and replication, every metric (or, with an
    /// alternative, every paired difference).
    pub fn evaluate(&self, arms: Arms<'_>, options: &RunOptions, observer: &dyn Observe) -> Result<Vec<Vec<Row>>> {
        let design = self.design(arms, options)?;
        let units = design.units();
        observer.planned(units.len() as u64);
        let per = options.replications as usize;
        let k = arms.count();
        let mut rows: Vec<Vec<Row>> = vec![vec![[f64::NAN; METRICS]; per]; self.values.len()];
        let mut base: Vec<Vec<Row>> = if k == 2 { rows.clone() } else { Vec::new() };
        let batch = BATCH_UNITS.max(per * k);
        for chunk in units.chunks(batch) {
            let (outcomes, _) = design.run_units(chunk, &Batches(observer))?;
            for (u, rep) in outcomes {
                let (p, a, r) = (u.variant / k, u.variant % k, u.replication as usize);
                if k == 2 && a == 0 {
                    base[p][r] = rep.metrics.values();
                } else {
                    rows[p][r] = rep.metrics.values();
                }
            }
        }
        if k == 2 {
            for (pr, pb) in rows.iter_mut().zip(&base) {
                for (r, b) in pr.iter_mut().zip(pb) {
                    for (x, y) in r.iter_mut().zip(b) {
                        *x -= y;
                    }
                }
            }
        }
        Ok(rows)
    }
}

/// The metric called `name`, or an error listing the valid names.
pub fn metric(name: &str) -> Result<Metric> {
    Metric::from_name(name).ok_or_else(|| {
        Error::Options(format!(
            "unknown metric `{name}`; valid: {}",
            Metric::ALL.iter().map(|m| m.name()).collect::<Vec<_>>().join(", ")
        ))
    })
}

/// Writes rows of strings as CSV.
pub(crate) fn write_csv(path: &Path, header: &[String], rows: impl Iterator<Item = Vec<String>>) -> Result<()> {
    let err = |e: csv::Error| Error::Write {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    };
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(header).map_err(err)?;
    for r in rows {
        w.write_record(&r).map_err(err)?;
    }
    w.flush().map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// A CSV number: shortest round-trip form, empty when not finite.
pub(crate) fn num(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { String::new() }
}

/// The long table of a design: `run`/`point` column, every key, `replication`,
/// every metric; one row per point and replication.
pub(crate) fn write_runs(path: &Path, first: &str, points: &Points, rows: &[Vec<Row>]) -> Result<()> {
    let mut header = vec![first.to_string()];
    header.extend(points.factors.iter().map(|f| f.key.clone()));
    header.push("replication".into());
    header.extend(Metric::ALL.iter().map(|m| m.name().to_string()));
    let lines = points
        .values
        .iter()
        .zip(rows)
        .enumerate()
        .flat_map(|(p, (values, reps))| {
            reps.iter().enumerate().map(move |(r, row)| {
                let mut line = vec![p.to_string()];
                line.extend(values.iter().map(|&v| num(v)));
                line.push(r.to_string());
                line.extend(row.iter().map(|&v| num(v)));
                line
            })
        });
    write_csv(path, &header, lines)
}

/// Writes an analysis's files into `dir` through a staging folder: all of them or none.
pub fn write_atomically(dir: &Path, write: &dyn Fn(&Path) -> Result<()>) -> Result<()> {
    let lock = crate::output::lock(dir, &std::sync::atomic::AtomicBool::new(false))?;
    let stage = crate::output::staging(dir, &lock)?;
    match write(&stage) {
        Ok(()) => crate::output::commit(&stage, dir, &lock, &std::sync::atomic::AtomicBool::new(false)),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&stage);
            Err(e)
        }
    }
}
