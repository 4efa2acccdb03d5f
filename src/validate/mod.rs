//! `spc validate`: the stylized facts of MODEL.md section 6 as experiments on the model.
//!
//! A strategy team only trusts the tool if it reproduces what the service
//! literature has measured, and a trainer's lessons must be true. Each fact
//! ([`facts::FACTS`]) is one function: it builds variants of the calibration
//! as typed edits *relative to it* (a 15% staff cut, not a fixed head count),
//! runs them as designs on paired replications (common random numbers) and
//! makes a statistical statement about the paired differences. Every check
//! reports what it measured, the target and its source.

pub mod facts;

use std::path::Path;
use std::sync::OnceLock;

use serde::Serialize;

use crate::compare::{Comparison, compare};
use crate::error::Result;
use crate::experiment::{Design, Observe, RunOptions, RunResult};
use crate::scenario::{Edit, Override, Scenario};

/// One fact's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Fact id (F1-F10).
    pub id: &'static str,
    /// Short name.
    pub name: &'static str,
    /// What was measured, with the figures.
    pub measured: String,
    /// The target.
    pub target: &'static str,
    /// Whether the target holds.
    pub pass: bool,
    /// Where the fact comes from.
    pub source: &'static str,
}

/// Sizes of the experiments.
#[derive(Debug, Clone)]
pub struct ValidateOptions {
    /// Seed, replications per variant, threads.
    pub run: RunOptions,
    /// Customers per replication.
    pub customers: u32,
}

/// A named variant of the calibration: its edits relative to the calibration.
pub type Variant = (String, Vec<Edit>);

/// The calibration under test and the means to run experiments on it.
pub struct Lab<'a> {
    /// The calibration, with the user's overrides and the experiment's population.
    pub calibration: Scenario,
    options: &'a ValidateOptions,
    observer: &'a dyn Observe,
    baseline: OnceLock<RunResult>,
}

impl Lab<'_> {
    /// The calibration's first replication's draw (to build edits relative to its values).
    pub fn drawn(&self) -> crate::scenario::Drawn {
        self.calibration.draw(self.options.run.seed, 0)
    }

    /// Runs `variants` over `months` months (the first is the reference) and compares them with it.
    pub fn run(&self, months: u32, variants: &[Variant]) -> Result<(RunResult, Comparison)> {
        let horizon = Edit::set_value("simulation.months", toml::Value::Integer(months.into()));
        let scenarios = variants
            .iter()
            .map(|(name, edits)| {
                let all: Vec<Edit> = std::iter::once(horizon.clone()).chain(edits.iter().cloned()).collect();
                Ok(self.calibration.edited(&all)?.renamed(name))
            })
            .collect::<Result<Vec<_>>>()?;
        let result = Design::new(scenarios, self.options.run.clone())?.run(self.observer)?;
        let c = compare(&result);
        Ok((result, c))
    }

    /// The calibration itself over 120 months, run once and shared by the facts that read it.
    pub fn baseline(&self) -> Result<&RunResult> {
        if let Some(r) = self.baseline.get() {
            return Ok(r);
        }
        let (r, _) = self.run(120, &[("baseline".into(), vec![])])?;
        Ok(self.baseline.get_or_init(|| r))
    }
}

/// Runs every fact of [`facts::FACTS`] on the calibration in `file` (with `overrides`).
pub fn validate(
    file: &Path,
    overrides: &[Override],
    options: &ValidateOptions,
    observer: &dyn Observe,
) -> Result<Vec<Check>> {
    let population = Edit::set_value("simulation.customers", toml::Value::Integer(options.customers.into()));
    let lab = Lab {
        calibration: Scenario::load(file, overrides)?.edited(&[population])?,
        options,
        observer,
        baseline: OnceLock::new(),
    };
    facts::FACTS
        .iter()
        .map(|fact| {
            let (measured, pass) = (fact.check)(&lab)?;
            Ok(Check {
                id: fact.id,
                name: fact.name,
                measured,
                target: fact.target,
                pass,
                source: fact.source,
            })
        })
        .collect()
}

/// The table printed by `spc validate`.
pub fn table(checks: &[Check]) -> String {
    let rows: Vec<Vec<String>> = checks
        .iter()
        .map(|c| {
            vec![
                format!("{} {}", c.id, c.name),
                if c.pass { "pass".into() } else { "FAIL".into() },
                c.target.into(),
            ]
        })
        .collect();
    let mut out = crate::output::table::render(&["fact", "result", "target"], &rows);
    out.push('\n');
    for c in checks {
        out.push_str(&format!(
            "{} {}: {}\n    source: {}\n",
            c.id,
            if c.pass { "pass" } else { "FAIL" },
            c.measured,
            c.source
        ));
    }
    let passed = checks.iter().filter(|c| c.pass).count();
    out.push_str(&format!("\n{passed} of {} checks pass.\n", checks.len()));
    out
}
