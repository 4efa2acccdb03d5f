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
pub mod optimize;
pub mod sample;
pub mod sensitivity;
pub mod sweep;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::experiment::shard::VariantRecord;
use crate::experiment::{Design, Observe, RunOptions, RunResult, Unit};
use crate::metrics::{METRICS, Metric};
use crate::scenario::Scenario;
use design::Factor;

/// Every metric of one replication, in the order of [`Metric::ALL`].
pub type Row = [f64; METRICS];

/// Points of a design: the value of every factor at every point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Points {
    /// The varied keys.
    pub factors: Vec<Factor>,
    /// One row of values per point, in factor order.
    pub values: Vec<Vec<f64>>,
}

/// What an analysis's shard records, and its `manifest.json` shows: the scenarios
/// its points edit, and the analysis's own settings (`S`: its points or plan).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded<S> {
    /// The scenario (and the alternative) as given.
    pub scenarios: Vec<VariantRecord>,
    /// The analysis's settings.
    pub design: S,
}

impl<S: Serialize> Recorded<S> {
    /// The record of `design` on `arms`.
    pub fn new(arms: Arms<'_>, design: S) -> Result<Recorded<S>> {
        let scenarios = std::iter::once(arms.scenario)
            .chain(arms.alternative)
            .map(VariantRecord::of)
            .collect::<Result<_>>()?;
        Ok(Recorded { scenarios, design })
    }

    /// Writes `manifest.json` into `dir`.
    pub fn write_manifest(&self, options: &RunOptions, command_line: &str, dir: &Path) -> Result<()> {
        let design = serde_json::to_value(&self.design).map_err(|e| Error::Write {
            path: dir.join("manifest.json"),
            source: std::io::Error::other(e),
        })?;
        crate::output::json::write_analysis_manifest(
            &self.scenarios,
            options,
            &design,
            command_line,
            &dir.join("manifest.json"),
        )
    }
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
    /// 1, or 2 with an alternative.
    pub fn count(&self) -> usize {
        1 + usize::from(self.alternative.is_some())
    }
}

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
        let mut rows = Rows::new(self.values.len(), options.replications as usize, arms.count());
        design.run_batched(&design.units(), observer, |u, rep| rows.add(u, rep.metrics.values()))?;
        Ok(rows.finish())
    }

    /// The rows [`Points::evaluate`] returns, from the assembled result of
    /// [`Points::design`] (e.g. merged from shards); `arms` as in the design.
    pub fn rows_of(&self, arms: usize, result: &RunResult) -> Vec<Vec<Row>> {
        let mut rows = Rows::new(self.values.len(), result.options.replications as usize, arms);
        for (variant, run) in result.scenarios.iter().enumerate() {
            for (r, rep) in run.replications.iter().enumerate() {
                let unit = Unit {
                    variant,
                    replication: r as u64,
                };
                rows.add(unit, rep.metrics.values());
            }
        }
        rows.finish()
    }
}

/// Per point and replication, the metrics of a design's units as they arrive;
/// with two arms, the alternative's minus the scenario's.
struct Rows {
    arms: usize,
    rows: Vec<Vec<Row>>,
    base: Vec<Vec<Row>>,
}

impl Rows {
    fn new(points: usize, replications: usize, arms: usize) -> Rows {
        let rows = vec![vec![[f64::NAN; METRICS]; replications]; points];
        let base = if arms == 2 { rows.clone() } else { Vec::new() };
        Rows { arms, rows, base }
    }

    fn add(&mut self, u: Unit, metrics: Row) {
        let (p, a, r) = (u.variant / self.arms, u.variant % self.arms, u.replication as usize);
        if self.arms == 2 && a == 0 {
            self.base[p][r] = metrics;
        } else {
            self.rows[p][r] = metrics;
        }
    }

    fn finish(mut self) -> Vec<Vec<Row>> {
        if self.arms == 2 {
            for (pr, pb) in self.rows.iter_mut().zip(&self.base) {
                for (r, b) in pr.iter_mut().zip(pb) {
                    for (x, y) in r.iter_mut().zip(b) {
                        *x -= y;
                    }
                }
            }
        }
        self.rows
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

/// Writes an analysis's files into `dir` through a staging folder: all of them or
/// none; a set `cancel` stops it up to the final move.
pub fn write_atomically(dir: &Path, cancel: &AtomicBool, write: &dyn Fn(&Path) -> Result<()>) -> Result<()> {
    let lock = crate::output::lock(dir, cancel)?;
    let stage = crate::output::staging(dir, &lock)?;
    match write(&stage) {
        Ok(()) => crate::output::commit(&stage, dir, &lock, cancel),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&stage);
            Err(e)
        }
    }
}
