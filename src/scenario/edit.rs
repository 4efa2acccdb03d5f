//! Typed edits of a checked scenario: what a variant of an experiment changes.
//!
//! Analyses (validate, sweeps, sensitivity, calibration, optimisation, the
//! studio) build variants of a scenario they already hold. An [`Edit`] names
//! a key of the scenario schema and either sets it or scales it; applying
//! edits re-checks the scenario from its resolved parameters, so a variant
//! passes exactly the validation a file would, without touching the disk.

use std::fmt;

use serde::Deserialize;

use super::{Override, Scenario, ScenarioFile};
use crate::error::{Error, Result};

/// What an edit does to its key.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Replace the value: a number, a distribution table or a lever schedule.
    Set(toml::Value),
    /// Multiply a fixed number, or every step of a lever schedule, by a factor.
    Scale(f64),
}

/// One change of one key, e.g. `levers.staff` scaled by 0.85.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    /// The key path, e.g. `["levers", "staff"]`.
    path: Vec<String>,
    /// The change.
    change: Change,
}

impl Edit {
    /// Sets `key` (a dotted path such as `employees.capacity`) to a number.
    pub fn set(key: &str, value: f64) -> Edit {
        Edit::set_value(key, toml::Value::Float(value))
    }

    /// Sets `key` to any TOML value (a number, a distribution table, a schedule).
    pub fn set_value(key: &str, value: toml::Value) -> Edit {
        Edit {
            path: split(key),
            change: Change::Set(value),
        }
    }

    /// Multiplies `key` by `factor`.
    pub fn scale(key: &str, factor: f64) -> Edit {
        Edit {
            path: split(key),
            change: Change::Scale(factor),
        }
    }

    /// The dotted key.
    pub fn key(&self) -> String {
        self.path.join(".")
    }

    /// The change.
    pub fn change(&self) -> &Change {
        &self.change
    }

    /// Applies the edit to a resolved scenario table.
    pub(super) fn apply(&self, table: &mut toml::Table) -> std::result::Result<(), String> {
        let Some((last, parents)) = self.path.split_last() else {
            return Err("the key is empty".into());
        };
        let mut t = &mut *table;
        for (i, p) in parents.iter().enumerate() {
            t = match t.get_mut(p) {
                Some(toml::Value::Table(inner)) => inner,
                Some(_) => return Err(format!("`{}` is a value, not a section", self.path[..=i].join("."))),
                None => return Err(format!("unknown key `{}`", self.path[..=i].join("."))),
            };
        }
        let creatable = super::OPTIONAL.contains(&self.key().as_str()) || (parents.is_empty() && last == "posterior");
        if !t.contains_key(last) && !creatable {
            return Err(format!("unknown key `{}`", self.key()));
        }
        let value = match &self.change {
            Change::Set(v) => v.clone(),
            Change::Scale(f) => scaled(t.get(last), *f).ok_or_else(|| {
                format!(
                    "`{}` can be scaled only where it is a number or a schedule of numbers",
                    self.key()
                )
            })?,
        };
        t.insert(last.clone(), value);
        let scale = match self.change {
            Change::Scale(f) => Some(f),
            Change::Set(_) => None,
        };
        super::posterior::follow_edit(table, &self.key(), scale);
        Ok(())
    }
}

impl From<&Override> for Edit {
    /// A `--set key=value` as a typed edit.
    fn from(o: &Override) -> Edit {
        Edit {
            path: o.path.clone(),
            change: Change::Set(o.value.clone()),
        }
    }
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.change {
            Change::Set(v) => write!(f, "{}={v}", self.key()),
            Change::Scale(k) => write!(f, "{} x{k}", self.key()),
        }
    }
}

fn split(key: &str) -> Vec<String> {
    key.split('.').map(|p| p.trim().to_string()).collect()
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Float(x) => Some(*x),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// `value` times `factor`: a number, an amount per customers (`{ per, value }`), or every
/// `value` of a schedule's steps.
fn scaled(value: Option<&toml::Value>, factor: f64) -> Option<toml::Value> {
    let value_scaled = |t: &toml::Table| {
        let mut t = t.clone();
        let v = scaled(t.get("value"), factor)?;
        t.insert("value".into(), v);
        Some(toml::Value::Table(t))
    };
    match value? {
        toml::Value::Array(steps) => steps
            .iter()
            .map(|step| value_scaled(step.as_table()?))
            .collect::<Option<Vec<_>>>()
            .map(toml::Value::Array),
        toml::Value::Table(t) if t.contains_key("per") && !t.contains_key("dist") => value_scaled(t),
        v => number(v).map(|x| toml::Value::Float(x * factor)),
    }
}

impl Scenario {
    /// This scenario with `edits` applied in order, checked as a file would be.
    pub fn edited(&self, edits: &[Edit]) -> Result<Scenario> {
        let mut table = self.resolved.clone();
        for e in edits {
            e.apply(&mut table).map_err(|message| Error::Edit {
                scenario: self.name.clone(),
                edit: e.to_string(),
                message,
            })?;
        }
        let file = ScenarioFile::deserialize(toml::Value::Table(table.clone())).map_err(|e| Error::Edit {
            scenario: self.name.clone(),
            edit: edits.iter().map(Edit::to_string).collect::<Vec<_>>().join(", "),
            message: e.to_string().trim().to_string(),
        })?;
        Scenario::check(file, &self.source, table, self.file_hash.clone(), self.name.clone()).map_err(|e| match e {
            Error::Invalid { key, message, .. } => Error::Edit {
                scenario: self.name.clone(),
                edit: edits.iter().map(Edit::to_string).collect::<Vec<_>>().join(", "),
                message: format!("`{key}` {message}"),
            },
            other => other,
        })
    }

    /// This scenario under another name (same parameters).
    pub fn renamed(mut self, name: &str) -> Scenario {
        self.name = name.to_string();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baseline() -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        Scenario::load(&path, &[]).expect("baseline loads")
    }

    #[test]
    fn an_edit_equals_the_same_set_override() {
        let b = baseline();
        let edited = b.edited(&[Edit::set("employees.capacity", 900.0)]).unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let loaded = Scenario::load(&path, &["employees.capacity=900.0".parse().unwrap()]).unwrap();
        assert_eq!(edited.resolved, loaded.resolved);
        assert_eq!(edited.draw(1, 0).params.employees.capacity, 900.0);
    }

    #[test]
    fn scaling_a_lever_scales_every_step_and_bad_edits_are_refused() {
        let b = baseline();
        let staff = b.draw(1, 0).levers.staff.at(0);
        let cut = b.edited(&[Edit::scale("levers.staff", 0.85)]).unwrap();
        assert!((cut.draw(1, 0).levers.staff.at(0) - 0.85 * staff).abs() < 1e-9);
        assert!(b.edited(&[Edit::set("levers.no_such_lever", 1.0)]).is_err());
        assert!(b.edited(&[Edit::set("levers.staff", -5.0)]).is_err());
        assert!(b.edited(&[Edit::scale("name", 2.0)]).is_err());
    }
}
