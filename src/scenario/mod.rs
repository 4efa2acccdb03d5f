//! Scenario files: reading, `extends`, `--set` overrides and validation.
//!
//! Two layers, as in ripgrep's low/high arguments: [`ScenarioFile`] mirrors
//! the TOML exactly (unknown keys are errors), and [`Scenario`] is the checked
//! result holding ready-built distributions. Every error names the file, the
//! key and what is allowed.

pub mod edit;
pub mod param;
pub mod sections;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use edit::{Change, Edit};
pub use param::{DistSpec, Lever, LeverSpec, Param, ParamSpec, Schedule};
pub use sections::*;

use crate::error::{Error, Result};

/// Population and horizon.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// Customers at month 0 (customers).
    pub customers: u32,
    /// Horizon (months).
    pub months: u32,
}

/// A scenario file as written (after `extends` and `--set` are applied).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name used in file rows and by scripts (defaults to the file stem).
    pub name: Option<String>,
    /// How charts, tables and the report call the scenario, in words (text, e.g. "Triple
    /// training"). Defaults to the name with underscores as spaces. Not inherited through `extends`.
    pub label: Option<String>,
    /// What the scenario tests, in words a strategy team understands.
    pub description: Option<String>,
    /// Another scenario file this one starts from, relative to this file.
    pub extends: Option<String>,
    /// Population and horizon.
    pub simulation: Simulation,
    /// Management levers.
    pub levers: Levers<LeverSpec>,
    /// See [`Employees`].
    pub employees: Employees<ParamSpec>,
    /// See [`Quality`].
    pub quality: Quality<ParamSpec>,
    /// See [`Expectations`].
    pub expectations: Expectations<ParamSpec>,
    /// See [`Satisfaction`].
    pub satisfaction: Satisfaction<ParamSpec>,
    /// See [`Segments`].
    pub segments: Segments<ParamSpec>,
    /// See [`Market`].
    pub market: Market<ParamSpec>,
    /// See [`Complaints`].
    pub complaints: Complaints<ParamSpec>,
    /// See [`Loyalty`].
    pub loyalty: Loyalty<ParamSpec>,
    /// See [`Churn`].
    pub churn: Churn<ParamSpec>,
    /// See [`Survey`].
    pub survey: Survey<ParamSpec>,
    /// See [`Acquisition`].
    pub acquisition: Acquisition<ParamSpec>,
    /// See [`Finance`].
    pub finance: Finance<ParamSpec>,
}

/// A `--set key.path=value` override. The value is read as TOML (a number, a
/// string, a distribution table, a schedule); anything that is not valid TOML
/// is taken as a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    text: String,
    path: Vec<String>,
    value: toml::Value,
}

impl FromStr for Override {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let err = |m: &str| Error::Override {
            assignment: s.to_string(),
            message: m.to_string(),
        };
        let (key, value) = s.split_once('=').ok_or_else(|| err("expected key.path=value"))?;
        let path: Vec<String> = key.trim().split('.').map(|p| p.trim().to_string()).collect();
        if path.iter().any(String::is_empty) {
            return Err(err("the key path has an empty part"));
        }
        let value = value.trim();
        let value = toml::from_str::<toml::Table>(&format!("v = {value}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| toml::Value::String(value.to_string()));
        Ok(Override {
            text: s.to_string(),
            path,
            value,
        })
    }
}

impl Override {
    fn apply(&self, table: &mut toml::Table) -> Result<()> {
        let err = |m: String| Error::Override {
            assignment: self.text.clone(),
            message: m,
        };
        let (last, parents) = self.path.split_last().expect("path is never empty");
        let mut t = table;
        for (i, p) in parents.iter().enumerate() {
            t = match t.get_mut(p) {
                Some(toml::Value::Table(inner)) => inner,
                _ => return Err(err(format!("unknown key `{}`", self.path[..=i].join(".")))),
            };
        }
        if !t.contains_key(last) && !matches!(last.as_str(), "name" | "label" | "description") {
            return Err(err(format!("unknown key `{}`", self.path.join("."))));
        }
        t.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

/// A checked scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// The label given in the file, if any; see [`Scenario::label`].
    pub label: Option<String>,
    /// What the scenario tests.
    pub description: String,
    /// The file it was read from.
    pub source: PathBuf,
    /// SHA-256 of the file and of every file it extends, in order (hex).
    pub file_hash: String,
    /// The resolved parameters (after `extends` and `--set`), as TOML.
    pub resolved: toml::Table,
    /// Customers at month 0.
    pub customers: u32,
    /// Horizon in months.
    pub months: u32,
    /// Checked levers.
    pub levers: Levers<Lever>,
    /// Checked parameters.
    pub params: Params<Param>,
}

/// One replication's draw of a scenario: every parameter a number, every lever a schedule.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// Lever schedules.
    pub levers: Levers<Schedule>,
    /// Parameter values.
    pub params: Params<f64>,
}

impl Scenario {
    /// Reads `path` (following `extends`), applies `overrides` and validates.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario> {
        let mut hasher = Sha256::new();
        let mut sources = Vec::new();
        let mut table = read_merged(path, &mut Vec::new(), &mut hasher, &mut sources)?;
        for o in overrides {
            o.apply(&mut table)?;
        }
        table.remove("extends");
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        ScenarioFile::deserialize(toml::Value::Table(table.clone()))
            .map_err(|e| Error::Parse {
                line: None,
                path: path.to_path_buf(),
                message: e.to_string().trim().to_string(),
            })
            .and_then(|file| Scenario::check(file, path, table, format!("{:x}", hasher.finalize()), stem))
            .map_err(|e| attribute(e, &sources, overrides))
    }

    fn check(f: ScenarioFile, path: &Path, resolved: toml::Table, file_hash: String, stem: String) -> Result<Scenario> {
        let invalid = |key: &str, message: String| Error::Invalid {
            line: None,
            path: path.to_path_buf(),
            key: key.to_string(),
            message,
        };
        if f.simulation.customers == 0 {
            return Err(invalid("simulation.customers", "must be at least 1".into()));
        }
        if f.simulation.months == 0 {
            return Err(invalid("simulation.months", "must be at least 1".into()));
        }
        let levers = f.levers.try_map(|k, (lo, hi), v| {
            v.check(&format!("levers.{k}"), lo, hi)
                .map_err(|m| invalid(&format!("levers.{k}"), m))
        })?;
        let spec = Params {
            employees: f.employees,
            quality: f.quality,
            expectations: f.expectations,
            satisfaction: f.satisfaction,
            segments: f.segments,
            market: f.market,
            complaints: f.complaints,
            loyalty: f.loyalty,
            churn: f.churn,
            survey: f.survey,
            acquisition: f.acquisition,
            finance: f.finance,
        };
        let params = spec.try_map(|k, (lo, hi), v| v.check(k, lo, hi).map_err(|m| invalid(k, m)))?;
        let shares: f64 = spec.segments.each().iter().map(|(_, s)| fixed_or_zero(&s.share)).sum();
        if shares <= 0.0
            && spec
                .segments
                .each()
                .iter()
                .all(|(_, s)| matches!(s.share, ParamSpec::Value(_)))
        {
            return Err(invalid(
                "segments.*.share",
                "at least one segment needs a share above 0".into(),
            ));
        }
        let l = &spec.loyalty;
        if let (ParamSpec::Value(d), ParamSpec::Value(a)) = (&l.defection_point, &l.affection_point)
            && d >= a
        {
            return Err(invalid(
                "loyalty.defection_point",
                format!("({d}) must be below loyalty.affection_point ({a})"),
            ));
        }
        Ok(Scenario {
            name: f.name.unwrap_or(stem),
            label: f.label,
            description: f.description.unwrap_or_default(),
            source: path.to_path_buf(),
            file_hash,
            resolved,
            customers: f.simulation.customers,
            months: f.simulation.months,
            levers,
            params,
        })
    }

    /// How charts and tables call the scenario: its `label`, or its name with underscores as spaces.
    pub fn label(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.name.replace('_', " "))
    }

    /// The draw of replication `replication` under `master` seed.
    pub fn draw(&self, master: u64, replication: u64) -> Drawn {
        Drawn {
            levers: self.levers.map(|_, l| l.draw(master, replication)),
            params: self
                .params
                .try_map::<_, std::convert::Infallible>(|_, _, p| Ok(p.draw(master, replication)))
                .unwrap_or_else(|e| match e {}),
        }
    }
}

fn fixed_or_zero(p: &ParamSpec) -> f64 {
    match p {
        ParamSpec::Value(v) => *v,
        ParamSpec::Dist(_) => 1.0,
    }
}

/// Reads a scenario file and the chain of files it extends, merged (the child wins).
/// The key path an error is about, from a checked-value error or a serde message
/// ("unknown field `x` ... in `levers`", "invalid type ... in `levers.staff`").
fn error_key(e: &Error) -> Option<String> {
    match e {
        Error::Invalid { key, .. } => Some(key.clone()),
        Error::Parse { message, .. } => {
            let table = message
                .rsplit_once("in `")
                .map(|(_, k)| k.trim_end().trim_end_matches('`').to_string());
            let field = message
                .strip_prefix("unknown field `")
                .and_then(|m| m.split_once('`'))
                .map(|(f, _)| f.to_string());
            match (table, field) {
                (Some(t), Some(f)) => Some(format!("{t}.{f}")),
                (Some(t), None) => Some(t),
                (None, Some(f)) => Some(f),
                (None, None) => None,
            }
        }
        _ => None,
    }
}

/// The 1-based line of `key` (dotted path, `[i]` suffixes ignored) in a TOML text:
/// the leaf under its `[table]` header, or a dotted key at the top level.
pub fn locate(text: &str, key: &str) -> Option<usize> {
    let key: String = key.split('[').next().unwrap_or(key).to_string();
    let parts: Vec<&str> = key.split('.').collect();
    let (leaf, parents) = parts.split_last()?;
    let header = format!("[{}]", parents.join("."));
    let mut table = String::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            table = t.split('#').next().unwrap_or("").trim().to_string();
            continue;
        }
        let Some((name, _)) = t.split_once('=') else { continue };
        let name = name.trim();
        let here = if table.is_empty() {
            name == key
        } else {
            table == header && name == *leaf
        };
        if here {
            return Some(i + 1);
        }
    }
    None
}

/// Points an error at the `--set` that caused it, or at the file and line that set the key.
fn attribute(e: Error, sources: &[(PathBuf, String)], overrides: &[Override]) -> Error {
    let Some(key) = error_key(&e) else { return e };
    let bare = key.split('[').next().unwrap_or(&key).to_string();
    let message = match &e {
        Error::Invalid { message, .. } => message.clone(),
        Error::Parse { message, .. } => message.split("\nin `").next().unwrap_or(message).trim().to_string(),
        _ => return e,
    };
    if let Some(o) = overrides.iter().rev().find(|o| o.path.join(".") == bare) {
        return Error::Override {
            assignment: o.text.clone(),
            message: format!("`{key}`: {message}"),
        };
    }
    for (path, text) in sources {
        if let Some(line) = locate(text, &key) {
            return match e {
                Error::Invalid { key, message, .. } => Error::Invalid {
                    path: path.clone(),
                    line: Some(line),
                    key,
                    message,
                },
                _ => Error::Parse {
                    path: path.clone(),
                    line: Some(line),
                    message: format!("`{key}`: {message}"),
                },
            };
        }
    }
    e
}

fn read_merged(
    path: &Path,
    chain: &mut Vec<PathBuf>,
    hasher: &mut Sha256,
    sources: &mut Vec<(PathBuf, String)>,
) -> Result<toml::Table> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    if chain.contains(&canonical) {
        let names: Vec<String> = chain
            .iter()
            .chain([&canonical])
            .map(|p| p.display().to_string())
            .collect();
        return Err(Error::Extends {
            path: path.to_path_buf(),
            message: format!("`extends` forms a cycle: {}", names.join(" -> ")),
        });
    }
    chain.push(canonical);
    sources.push((path.to_path_buf(), text.clone()));
    let table: toml::Table = toml::from_str(&text).map_err(|e| Error::Parse {
        line: None,
        path: path.to_path_buf(),
        message: e.to_string().trim().to_string(),
    })?;
    let merged = match table.get("extends") {
        None => table,
        Some(toml::Value::String(parent)) => {
            let parent_path = path.parent().unwrap_or(Path::new(".")).join(parent);
            if !parent_path.is_file() {
                return Err(Error::Extends {
                    path: path.to_path_buf(),
                    message: format!("`extends = \"{parent}\"`: no such file {}", parent_path.display()),
                });
            }
            let mut base = read_merged(&parent_path, chain, hasher, sources)?;
            for key in ["name", "label", "description"] {
                base.remove(key);
            }
            merge(&mut base, table);
            base
        }
        Some(other) => {
            return Err(Error::Extends {
                path: path.to_path_buf(),
                message: format!("`extends` must be a file name in quotes, got {other}"),
            });
        }
    };
    hasher.update(text.as_bytes());
    Ok(merged)
}

/// Deep merge: tables merge key by key, anything else is replaced.
fn merge(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// The scenario files in `dir` (not recursive), `baseline.toml` first, then by name.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|source| Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: BTreeSet<PathBuf> = BTreeSet::new();
    for e in entries {
        let p = e
            .map_err(|source| Error::Read {
                path: dir.to_path_buf(),
                source,
            })?
            .path();
        if p.is_file() && p.extension().is_some_and(|x| x == "toml") {
            files.insert(p);
        }
    }
    let (mut first, rest): (Vec<_>, Vec<_>) = files
        .into_iter()
        .partition(|p| p.file_name().is_some_and(|n| n == "baseline.toml"));
    first.extend(rest);
    if first.is_empty() {
        return Err(Error::Options(format!(
            "no scenario files (*.toml) in {}",
            dir.display()
        )));
    }
    Ok(first)
}
