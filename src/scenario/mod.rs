//! Scenario files: reading, `extends`, `--set` overrides and validation.
//!
//! Two layers, as in ripgrep's low/high arguments: [`ScenarioFile`] mirrors
//! the TOML exactly (unknown keys are errors), and [`Scenario`] is the checked
//! result holding ready-built distributions. Every error names the file, the
//! key and what is allowed.

pub mod edit;
pub mod param;
pub mod posterior;
pub mod scope;
pub mod sections;
pub mod size;
pub mod source;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use edit::{Change, Edit};
pub use param::{DistSpec, Lever, LeverSpec, Param, ParamSpec, Schedule};
pub use scope::{Setting, load_all};
pub use sections::*;
pub use source::{Origin, read_text};

use crate::error::{Error, Result};

/// Population and horizon.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Simulation {
    /// Customers at month 0 (customers).
    pub customers: u32,
    /// Horizon (months).
    pub months: u32,
    /// Customers simulated for the bank, a representative sample of `customers` (customers;
    /// default: the whole bank). Amounts that grow with the bank are scaled to the sample, and
    /// money and counts in the results back up to the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<u32>,
    /// Months the bank is run under its status quo (`[status_quo]`) before month 0 (months,
    /// 0-1200; default 0: month 0 starts from freshly drawn customers and staff). Its customers,
    /// front line, grievances and expectations then start as years of running left them, so an
    /// unchanged bank starts near its steady state. Nothing of those months is reported; the
    /// bank keeps its size through them (each leaver is replaced by a new customer).
    #[serde(default)]
    pub history: u32,
}

/// Longest history before month 0 (months): a century.
pub const MAX_HISTORY_MONTHS: u32 = 1200;

/// Keys a scenario may leave out, which `--set` and edits may still set.
const OPTIONAL: [&str; 5] = [
    "name",
    "label",
    "description",
    "simulation.sample",
    "simulation.history",
];

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
    /// Management levers, from month 0 on.
    pub levers: Levers<LeverSpec>,
    /// The levers the bank ran on before month 0 (the keys of `[levers]`, one value each:
    /// a number, an amount per customers or a distribution, not a schedule). The history
    /// (`simulation.history`) runs under them. Inherited through `extends` like any section,
    /// so an alternative that changes `[levers]` changes the bank from month 0 on, not its
    /// past; `--set levers.…` and the analyses' changes leave it too. Default: `[levers]`
    /// at month 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_quo: Option<Levers<LeverSpec>>,
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
    /// Joint calibrated points (written by `spc calibrate`); see [`posterior`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub posterior: Option<posterior::PosteriorSpec>,
}

/// An override `key.path=value` (the binary's `--set`), or a flag that sets one key (`--customers 300`). The
/// value is read as TOML (a number, a string, a distribution table, a schedule); anything that
/// is not valid TOML is taken as a string.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// How the user gave it (`key=value`, or as [`Override::labelled`] says): errors name it.
    label: String,
    /// The value as typed.
    raw: String,
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
        Ok(Override::new(s.to_string(), path, value.trim()))
    }
}

impl Override {
    fn new(label: String, path: Vec<String>, raw: &str) -> Override {
        let value = toml::de::DeValue::parse(raw)
            .ok()
            .and_then(|v| toml::Value::deserialize(toml::de::ValueDeserializer::from(v)).ok())
            .unwrap_or_else(|| toml::Value::String(raw.to_string()));
        Override {
            label,
            raw: raw.to_string(),
            path,
            value,
        }
    }

    /// The override, named `label` in errors (e.g. with the flag that carried it).
    pub fn labelled(self, label: impl Into<String>) -> Override {
        Override {
            label: label.into(),
            ..self
        }
    }

    /// A command-line flag that sets one key, e.g. `Override::flag("--customers", "simulation.customers", 300)`:
    /// errors about the key name the flag as typed, never a `--set` the user did not write.
    pub fn flag(flag: &str, key: &str, value: impl std::fmt::Display) -> Override {
        let raw = value.to_string();
        Override::new(
            format!("{flag} {raw}"),
            key.split('.').map(str::to_string).collect(),
            &raw,
        )
    }

    /// The key path, dotted.
    pub fn key(&self) -> String {
        self.path.join(".")
    }

    /// Refuses overrides that set the same key twice (or a key and a key inside it), e.g.
    /// `--customers 300 --set simulation.customers=400`: which one should win is a guess.
    pub fn check_distinct(overrides: &[Override]) -> Result<()> {
        for (i, a) in overrides.iter().enumerate() {
            for b in &overrides[..i] {
                let n = a.path.len().min(b.path.len());
                if a.path[..n] == b.path[..n] {
                    return Err(Error::Options(format!(
                        "`{}` and `{}` both set `{}`: give it once",
                        b.label,
                        a.label,
                        a.path[..n].join(".")
                    )));
                }
            }
        }
        Ok(())
    }

    /// Applies the override to the merged document; its value's spans start at `by`.
    fn apply<'a>(&'a self, doc: &mut toml::de::DeTable<'a>, by: usize) -> Result<()> {
        use toml::de::DeValue;
        let err = |m: String| Error::Override {
            assignment: self.label.clone(),
            message: m,
        };
        let (last, parents) = self.path.split_last().ok_or_else(|| err("the key is empty".into()))?;
        if self.path.len() == 1 && last == "extends" {
            return Err(err(
                "`extends` cannot be set from the command line; write it in the file".into(),
            ));
        }
        let mut t = doc;
        for (i, p) in parents.iter().enumerate() {
            t = match t.get_mut(p.as_str()).map(|v| v.get_mut()) {
                Some(DeValue::Table(inner)) => inner,
                Some(other) => {
                    return Err(err(format!(
                        "unknown key `{}`: `{}` is a value ({}), not a table of keys",
                        self.key(),
                        self.path[..=i].join("."),
                        other.type_str()
                    )));
                }
                None => return Err(err(format!("unknown key `{}`", self.path[..=i].join(".")))),
            };
        }
        if !t.contains_key(last.as_str()) && !OPTIONAL.contains(&self.key().as_str()) {
            return Err(err(format!("unknown key `{}`", self.key())));
        }
        let value = match toml::de::DeValue::parse(&self.raw) {
            Ok(v) => source::shift(v, by),
            Err(_) => toml::Spanned::new(
                by..by + self.raw.len(),
                DeValue::String(std::borrow::Cow::Borrowed(self.raw.as_str())),
            ),
        };
        t.remove(last.as_str());
        t.insert(
            toml::Spanned::new(by..by + self.raw.len(), std::borrow::Cow::Borrowed(last.as_str())),
            value,
        );
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
    /// Customers simulated at month 0: the bank's, or a sample's (`simulation.sample`).
    pub customers: u32,
    /// Customers of the bank at month 0 (`simulation.customers`); results in money and counts
    /// are scaled from [`Scenario::customers`] to these.
    pub bank_customers: u32,
    /// Horizon in months.
    pub months: u32,
    /// Checked levers.
    pub levers: Levers<Lever>,
    /// The levers before month 0, one value each ([`ScenarioFile::status_quo`]).
    pub status_quo: Levers<Lever>,
    /// Months run under the status quo before month 0 ([`Simulation::history`]).
    pub history: u32,
    /// Checked parameters.
    pub params: Params<Param>,
    /// Joint calibrated points, if any: replication `r` takes point `r mod n`.
    pub posterior: Option<posterior::Posterior>,
}

/// One replication's draw of a scenario: every parameter a number, every lever a schedule.
#[derive(Debug, Clone)]
pub struct Drawn {
    /// Lever schedules.
    pub levers: Levers<Schedule>,
    /// The status quo's levers, run before month 0 for [`Drawn::history`] months.
    pub status_quo: Levers<f64>,
    /// Months of history before month 0.
    pub history: u32,
    /// Parameter values.
    pub params: Params<f64>,
}

impl Scenario {
    /// Reads `path` (following `extends`), applies `overrides` and validates. Every error
    /// names the file and line, or the command-line flag, that set the offending key.
    pub fn load(path: &Path, overrides: &[Override]) -> Result<Scenario> {
        Override::check_distinct(overrides)?;
        let chain = read_chain(path)?;
        let mut hasher = Sha256::new();
        for (_, text) in chain.iter().rev() {
            hasher.update(text.as_bytes());
        }
        let mut sources = source::Sources::default();
        let mut texts: Vec<&str> = Vec::new();
        let mut doc = toml::de::DeTable::new();
        for (i, (file, text)) in chain.iter().enumerate().rev() {
            let by = sources.add(Origin::File(file.clone()), text.len());
            texts.push(text);
            let mut table = source::parse(text, by).map_err(|e| syntax(file, text, &e))?;
            table.remove("extends");
            if i > 0 {
                // A parent's name and description describe the parent, not this scenario.
                table.remove("name");
                table.remove("label");
                table.remove("description");
            }
            source::merge(&mut doc, table);
        }
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let blame = |f: Fault, doc: &toml::de::DeTable<'_>, sources: &source::Sources, texts: &[&str]| {
            blame(f, path, doc, sources, texts)
        };
        sections_are_tables(&doc).map_err(|e| blame(Fault::Checked(e), &doc, &sources, &texts))?;
        // The files alone must make a scenario: a `--set` replaces keys, it never completes a file,
        // so a file's own mistake is never blamed on a flag.
        let file = deserialize(&doc).map_err(|e| blame(Fault::Schema(e), &doc, &sources, &texts))?;
        let file = if overrides.is_empty() {
            file
        } else {
            for o in overrides {
                let by = sources.add(Origin::Flag(o.label.clone()), o.raw.len());
                texts.push(&o.raw);
                o.apply(&mut doc, by)?;
            }
            deserialize(&doc).map_err(|e| blame(Fault::Schema(e), &doc, &sources, &texts))?
        };
        let mut resolved =
            toml::Table::deserialize(toml::de::Deserializer::from(toml::Spanned::new(0..0, doc.clone())))
                .map_err(|e| blame(Fault::Schema(e), &doc, &sources, &texts))?;
        let mut file = file;
        if overrides
            .iter()
            .fold(false, |c, o| posterior::follow_edit(&mut resolved, &o.key(), None) | c)
        {
            file.posterior = resolved
                .get("posterior")
                .map(|v| posterior::PosteriorSpec::deserialize(v.clone()))
                .transpose()
                .map_err(|e| blame(Fault::Schema(e), &doc, &sources, &texts))?;
        }
        Scenario::check(file, path, resolved, format!("{:x}", hasher.finalize()), stem)
            .map_err(|e| blame(Fault::Checked(e), &doc, &sources, &texts))
    }

    /// A scenario rebuilt from its record (a shard's): its name, source file, file hash
    /// and resolved parameters, checked again as a file would be.
    pub fn restore(name: &str, source: &Path, file_hash: &str, resolved: toml::Table) -> Result<Scenario> {
        let file = ScenarioFile::deserialize(toml::Value::Table(resolved.clone())).map_err(|e| Error::Parse {
            line: None,
            path: source.to_path_buf(),
            message: e.to_string().trim().to_string(),
        })?;
        Scenario::check(file, source, resolved, file_hash.to_string(), name.to_string()).map(|s| s.renamed(name))
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
        let simulated = f.simulation.sample.unwrap_or(f.simulation.customers);
        if simulated == 0 || simulated > f.simulation.customers {
            return Err(invalid(
                "simulation.sample",
                format!(
                    "is {simulated}; a sample has at least 1 and at most the bank's {} customers (simulation.customers)",
                    f.simulation.customers
                ),
            ));
        }
        let size = size::Size {
            bank: f64::from(f.simulation.customers),
            simulated: f64::from(simulated),
        };
        let written = Params {
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
        let sized = written.try_map(|k, allowed, v| v.for_size(k, allowed, size).map_err(|m| invalid(k, m)))?;
        let spec = sized
            .try_map::<_, std::convert::Infallible>(|_, _, (v, _)| Ok(v.clone()))
            .unwrap_or_else(|e| match e {});
        let posterior = match &f.posterior {
            None => None,
            Some(table) => {
                let mut allowed = Vec::new();
                let _ = f.levers.try_map::<(), ()>(|k, r, _| {
                    allowed.push((format!("levers.{k}"), r));
                    Ok(())
                });
                let _ = spec.try_map::<(), ()>(|k, r, _| {
                    allowed.push((k.to_string(), r));
                    Ok(())
                });
                Some(table.check(&allowed).map_err(|(k, m)| invalid(&k, m))?)
            }
        };
        // A calibrated key draws its replication's posterior point instead of its written value.
        let span = |key: &str| posterior.as_ref().and_then(|p| p.span(key));
        let levers = f.levers.try_map(|k, allowed, v| {
            let key = format!("levers.{k}");
            let v = posterior
                .as_ref()
                .and_then(|p| p.lever_span(&key))
                .unwrap_or_else(|| v.clone());
            v.for_size(&key, allowed, size)
                .and_then(|(v, (lo, hi))| v.check(&key, lo, hi))
                .map_err(|(step, m)| match step {
                    Some(i) => invalid(&format!("{key}[{i}]"), m),
                    None => invalid(&key, m),
                })
        })?;
        if f.simulation.history > MAX_HISTORY_MONTHS {
            return Err(invalid(
                "simulation.history",
                format!(
                    "is {} months; at most {MAX_HISTORY_MONTHS} (a century) of history is run before month 0",
                    f.simulation.history
                ),
            ));
        }
        let status_quo = match &f.status_quo {
            None => levers.map(|_, l| l.at_start()),
            Some(sq) => sq.try_map(|k, allowed, v| {
                let key = format!("status_quo.{k}");
                if matches!(v, LeverSpec::Schedule(_)) {
                    return Err(invalid(
                        &key,
                        "the status quo is one value per lever (a number, an amount per customers or a distribution), not a schedule".into(),
                    ));
                }
                v.for_size(&key, allowed, size)
                    .and_then(|(v, (lo, hi))| v.check(&key, lo, hi))
                    .map_err(|(_, m)| invalid(&key, m))
            })?,
        };
        let params = sized.try_map(|k, allowed, (v, (lo, hi))| match span(k) {
            Some(p) => p.check(k, allowed.0, allowed.1).map_err(|m| invalid(k, m)),
            None => v.check(k, *lo, *hi).map_err(|m| invalid(k, m)),
        })?;
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
            customers: simulated,
            bank_customers: f.simulation.customers,
            months: f.simulation.months,
            levers,
            status_quo,
            history: f.simulation.history,
            params,
            posterior,
        })
    }

    /// Bank customers per customer simulated: above 1 for a sample (`simulation.sample`), by which
    /// money and customer counts in the results are scaled up.
    pub fn scale_up(&self) -> f64 {
        f64::from(self.bank_customers) / f64::from(self.customers)
    }

    /// How charts and tables call the scenario: its `label`, or its name with underscores as spaces.
    pub fn label(&self) -> String {
        self.label.clone().unwrap_or_else(|| self.name.replace('_', " "))
    }

    /// The draw of replication `replication` under `master` seed.
    pub fn draw(&self, master: u64, replication: u64) -> Drawn {
        let mut drawn = Drawn {
            levers: self.levers.map(|_, l| l.draw(master, replication)),
            status_quo: self.status_quo.map(|_, l| l.draw(master, replication).at(0)),
            history: self.history,
            params: self
                .params
                .try_map::<_, std::convert::Infallible>(|_, _, p| Ok(p.draw(master, replication)))
                .unwrap_or_else(|e| match e {}),
        };
        if let Some(p) = &self.posterior {
            p.apply(&mut drawn, replication);
        }
        drawn
    }
}

fn fixed_or_zero(p: &ParamSpec) -> f64 {
    match p {
        ParamSpec::Value(v) => *v,
        ParamSpec::Dist(_) | ParamSpec::Per { .. } => 1.0,
    }
}

/// `[[levers]]` (an array of tables) where a section `[levers]` is meant: serde would read the
/// array as the section's fields in order and report a confusing error.
fn sections_are_tables(doc: &toml::de::DeTable<'_>) -> Result<()> {
    let segments = doc.get("segments").and_then(|s| s.get_ref().as_table());
    let nested = segments
        .into_iter()
        .flat_map(|t| t.iter().map(|(k, v)| (format!("segments.{}", k.get_ref()), v)));
    for (key, v) in doc.iter().map(|(k, v)| (k.get_ref().to_string(), v)).chain(nested) {
        if v.get_ref().is_array() {
            return Err(Error::Invalid {
                path: PathBuf::new(),
                line: None,
                message: format!("is a section: write `[{key}]` once, not `[[{key}]]` or an array"),
                key,
            });
        }
    }
    Ok(())
}

fn deserialize(doc: &toml::de::DeTable<'_>) -> std::result::Result<ScenarioFile, toml::de::Error> {
    ScenarioFile::deserialize(toml::de::Deserializer::from(toml::Spanned::new(0..0, doc.clone())))
}

fn syntax(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let (line, message) = source::syntax_error(e, text);
    Error::Parse {
        path: path.to_path_buf(),
        line,
        message,
    }
}

/// The key path (`levers.staff[1].value`) of the deepest key whose key or value holds `span`.
fn key_at(value: &toml::de::DeValue<'_>, span: &std::ops::Range<usize>) -> Option<String> {
    let inside = |s: &std::ops::Range<usize>| s.start <= span.start && span.end <= s.end && s.start < s.end;
    let children: Vec<(String, std::ops::Range<usize>, &toml::de::DeValue<'_>)> = match value {
        toml::de::DeValue::Table(t) => t
            .iter()
            .map(|(k, v)| {
                let (ks, vs) = (k.span(), v.span());
                (
                    k.get_ref().to_string(),
                    ks.start.min(vs.start)..ks.end.max(vs.end),
                    v.get_ref(),
                )
            })
            .collect(),
        toml::de::DeValue::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v.span(), v.get_ref()))
            .collect(),
        _ => return None,
    };
    let join = |name: &str, rest: Option<String>| match rest {
        Some(r) if r.starts_with('[') => format!("{name}{r}"),
        Some(r) => format!("{name}.{r}"),
        None => name.to_string(),
    };
    // A key whose own text or value holds the span, else one with a descendant that does
    // (a `--set` or a later file puts a value far from its table's header).
    for (name, whole, v) in &children {
        if inside(whole) {
            return Some(join(name, key_at(v, span)));
        }
    }
    children
        .iter()
        .find_map(|(name, _, v)| key_at(v, span).map(|rest| join(name, Some(rest))))
}

/// What went wrong with the merged document: a schema error located by toml's span, or a
/// checked value's error located by its key.
enum Fault {
    Schema(toml::de::Error),
    Checked(Error),
}

/// Points an error at the file and line, or the flag, that set the key it is about.
fn blame(fault: Fault, path: &Path, doc: &toml::de::DeTable<'_>, sources: &source::Sources, texts: &[&str]) -> Error {
    let (key, span, message) = match fault {
        Fault::Schema(e) => {
            let key = e
                .span()
                .and_then(|s| key_at(&toml::de::DeValue::Table(doc.clone()), &s))
                .unwrap_or_default();
            (key, e.span(), e.message().trim().to_string())
        }
        Fault::Checked(Error::Invalid { key, message, .. }) => {
            let span = source::span_of(doc, &source::steps(&key));
            (key, span, message)
        }
        Fault::Checked(other) => return other,
    };
    let described = if key.is_empty() {
        message.clone()
    } else {
        format!("`{key}` {message}")
    };
    match span.and_then(|s| sources.place(s.start, texts)) {
        Some(source::Place {
            origin: Origin::Flag(label),
            ..
        }) => Error::Override {
            assignment: label.clone(),
            message: described,
        },
        Some(source::Place {
            origin: Origin::File(file),
            line,
        }) if !key.is_empty() => Error::Invalid {
            path: file.clone(),
            line: Some(line),
            key,
            message,
        },
        _ => Error::Parse {
            path: path.to_path_buf(),
            line: None,
            message: described,
        },
    }
}

/// Reads `path` and the files it extends, without recursion: `(file, text)` from the
/// scenario up to the file that extends nothing.
fn read_chain(path: &Path) -> Result<Vec<(PathBuf, String)>> {
    let mut chain: Vec<(PathBuf, String)> = Vec::new();
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut next = Some(path.to_path_buf());
    while let Some(file) = next.take() {
        let text = match chain.last() {
            None => source::read_text(&file)?,
            Some((child, _)) => source::read_text(&file).map_err(|e| Error::Extends {
                path: child.clone(),
                message: format!("`extends = {:?}`: {}", file.display().to_string(), reason(&e)),
            })?,
        };
        let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
        if seen.contains(&canonical) {
            let names: Vec<String> = seen
                .iter()
                .chain([&canonical])
                .map(|p| p.display().to_string())
                .collect();
            return Err(Error::Extends {
                path: file,
                message: format!("`extends` forms a cycle: {}", names.join(" -> ")),
            });
        }
        if chain.len() == source::MAX_EXTENDS {
            return Err(Error::Extends {
                path: file,
                message: format!(
                    "`extends` goes more than {} files deep; a scenario extends a few files at most",
                    source::MAX_EXTENDS
                ),
            });
        }
        seen.push(canonical);
        let table = toml::de::DeTable::parse(&text).map_err(|e| syntax(&file, &text, &e))?;
        next = match table.get_ref().get("extends").map(|v| v.get_ref()) {
            None => None,
            Some(toml::de::DeValue::String(parent)) => {
                let parent_path = file.parent().unwrap_or(Path::new(".")).join(parent.as_ref());
                if !parent_path.exists() {
                    return Err(Error::Extends {
                        path: file,
                        message: format!("`extends = \"{parent}\"`: no such file {}", parent_path.display()),
                    });
                }
                Some(parent_path)
            }
            Some(other) => {
                return Err(Error::Extends {
                    path: file,
                    message: format!("`extends` must be a file name in quotes, got a {}", other.type_str()),
                });
            }
        };
        drop(table);
        chain.push((file, text));
    }
    Ok(chain)
}

/// An error's message with its cause, on one line.
fn reason(e: &Error) -> String {
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// Refuses scenarios whose rows could not be told apart: the same file twice, or two files
/// with the same name.
pub fn distinct(scenarios: &[Scenario]) -> Result<()> {
    for (i, a) in scenarios.iter().enumerate() {
        if let Some(b) = scenarios[..i].iter().find(|b| b.name == a.name) {
            let same = |x: &Scenario| x.source.canonicalize().unwrap_or_else(|_| x.source.clone());
            return Err(Error::Options(if same(a) == same(b) {
                format!("scenario `{}` ({}) is given twice", a.name, a.source.display())
            } else {
                format!(
                    "{} and {} are both named `{}`: their rows could not be told apart; give one of them another `name = \"...\"`",
                    b.source.display(),
                    a.source.display(),
                    a.name
                )
            }));
        }
    }
    Ok(())
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
