//! The params / design / levers file: which scenario keys an analysis varies
//! and over what, checked against the scenario before anything runs.
//!
//! ```toml
//! [design]                      # only for `spc sweep --design`
//! method = "lhs"                # "grid" | "lhs" | "sobol"
//! points = 32                   # lhs/sobol: points; grid: levels per key
//!
//! [params]                      # `[levers]` in an optimize file
//! "employees.capacity" = { min = 800, max = 1200 }           # a range
//! "levers.staff" = { min = 30, max = 60, step = 1 }          # a range on a lattice
//! "churn.competitive" = { dist = "pert", min = 0.002, mode = 0.004, max = 0.008 }
//! ```
//!
//! Every point of a design is a position `u` in the unit cube; [`Factor::value`]
//! maps a coordinate to the key's value (linearly over a range, through the
//! quantile function of a distribution), so every sampler works on any mix.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::scenario::param::{DistSpec, ParamSpec};
use crate::scenario::{Edit, Scenario};

/// What a key varies over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Spread {
    /// Evenly between `min` and `max`, on multiples of `step` from `min` if given.
    Range {
        /// Lower end.
        min: f64,
        /// Upper end.
        max: f64,
        /// Lattice step, if any.
        step: Option<f64>,
    },
    /// A distribution (the scenario syntax); quantiles place the points.
    Dist(DistSpec),
}

/// One varied key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// The dotted scenario key, e.g. `employees.capacity`.
    pub key: String,
    /// What it varies over.
    pub spread: Spread,
    /// The key's allowed range in the scenario schema (values are clamped to it), for
    /// `per` customers where that is given.
    pub allowed: (f64, f64),
    /// Customers the values are amounts for, where the key is an amount that grows with the
    /// bank written per so many customers (`{ per = 10000, dist = ... }`): each value is then
    /// set in that form, so it keeps growing with the bank.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<f64>,
}

impl Factor {
    /// The value at unit coordinate `u` (0-1).
    pub fn value(&self, u: f64) -> f64 {
        let v = match &self.spread {
            Spread::Range { min, max, step } => {
                let v = min + u.clamp(0.0, 1.0) * (max - min);
                match step {
                    Some(s) => (min + ((v - min) / s).round() * s).min(*max),
                    None => v,
                }
            }
            Spread::Dist(d) => d.quantile(u.clamp(1e-6, 1.0 - 1e-6)),
        };
        v.clamp(self.allowed.0, self.allowed.1)
    }

    /// The central value: the middle of a range, the median of a distribution.
    pub fn central(&self) -> f64 {
        self.value(0.5)
    }

    /// A tornado's low and high: the ends of a range, p10 and p90 of a distribution.
    pub fn low_high(&self) -> (f64, f64) {
        match self.spread {
            Spread::Range { .. } => (self.value(0.0), self.value(1.0)),
            Spread::Dist(_) => (self.value(0.1), self.value(0.9)),
        }
    }

    /// `n` grid levels: every lattice step of a range with a step; else `n` evenly
    /// spaced values of a range (ends included), or the quantiles (i + 0.5)/n of a distribution.
    pub fn levels(&self, n: usize) -> Vec<f64> {
        match &self.spread {
            Spread::Range {
                min,
                max,
                step: Some(s),
            } => {
                let k = ((max - min) / s + 1e-9).floor() as usize;
                (0..=k).map(|i| self.value((i as f64 * s) / (max - min))).collect()
            }
            Spread::Range { .. } if n == 1 => vec![self.central()],
            Spread::Range { .. } => (0..n).map(|i| self.value(i as f64 / (n - 1) as f64)).collect(),
            Spread::Dist(_) => (0..n).map(|i| self.value((i as f64 + 0.5) / n as f64)).collect(),
        }
    }

    /// The edit setting this key to `value`.
    pub fn edit(&self, value: f64) -> Edit {
        if let Some(per) = self.per {
            let form = toml::Table::from_iter([
                ("per".to_string(), toml::Value::Float(per)),
                ("value".to_string(), toml::Value::Float(value)),
            ]);
            Edit::set_value(&self.key, toml::Value::Table(form))
        } else if self.key.starts_with("simulation.") {
            Edit::set_value(&self.key, toml::Value::Integer(value.round() as i64))
        } else {
            Edit::set(&self.key, value)
        }
    }
}

/// How `spc sweep --design` places its points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Full factorial over every key's levels.
    Grid,
    /// Latin hypercube.
    Lhs,
    /// Sobol' low-discrepancy sequence.
    Sobol,
}

/// The `[design]` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignSpec {
    /// How points are placed.
    pub method: Method,
    /// lhs/sobol: the number of points; grid: levels per key (keys with a step use their lattice).
    #[serde(default = "default_points")]
    pub points: usize,
}

fn default_points() -> usize {
    10
}

/// A checked params / design / levers file.
#[derive(Debug, Clone)]
pub struct ParamsFile {
    /// The file.
    pub path: PathBuf,
    /// `[design]`, if given.
    pub design: Option<DesignSpec>,
    /// The varied keys, in the order of the file.
    pub factors: Vec<Factor>,
}

/// The allowed range of every numeric key of `scenario`, by dotted key.
pub fn allowed_ranges(scenario: &Scenario) -> Vec<(String, (f64, f64))> {
    let mut out = Vec::new();
    let _ = scenario.levers.try_map::<(), ()>(|k, r, _| {
        out.push((format!("levers.{k}"), r));
        Ok(())
    });
    let _ = scenario.params.try_map::<(), ()>(|k, r, _| {
        out.push((k.to_string(), r));
        Ok(())
    });
    out
}

/// Every key `scenario` declares uncertain (a distribution, or one per so many customers),
/// with that distribution.
pub fn uncertain_factors(scenario: &Scenario) -> Vec<Factor> {
    let customers = f64::from(scenario.bank_customers.max(1));
    allowed_ranges(scenario)
        .into_iter()
        .filter_map(|(key, allowed)| {
            let mut v = toml::Value::Table(scenario.resolved.clone());
            for part in key.split('.') {
                v = v.get(part)?.clone();
            }
            let (d, per) = match ParamSpec::deserialize(v).ok()? {
                ParamSpec::Dist(d) => (d, None),
                ParamSpec::Per { per, of } => match *of {
                    ParamSpec::Dist(d) => (d, Some(per)),
                    _ => return None,
                },
                ParamSpec::Value(_) => return None,
            };
            // The allowed range is of the amount for the whole bank; per `per` customers it
            // is that share of it.
            let share = per.map_or(1.0, |per| per / customers);
            (!matches!(d, DistSpec::Fixed { .. })).then_some(Factor {
                key,
                spread: Spread::Dist(d),
                allowed: (allowed.0 * share, allowed.1 * share),
                per,
            })
        })
        .collect()
}

/// The 1-based line where the key at `path` (table names, then the key) is written in
/// `text`, from toml's own spans (the scenario module's locator): inline tables, quoted
/// and dotted keys are all found where they are written.
pub(crate) fn line_of(text: &str, path: &[&str]) -> Option<usize> {
    use crate::scenario::source::{Step, parse, span_of};
    let doc = parse(text, 0).ok()?;
    let steps: Vec<Step> = path.iter().map(|p| Step::Key((*p).to_string())).collect();
    let span = span_of(&doc, &steps)?;
    Some(
        1 + text.as_bytes()[..span.start.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count(),
    )
}

impl ParamsFile {
    /// Reads `path`; `table` is `params` or `levers`. Every key must be a numeric
    /// key of `scenario`, its range inside the allowed one and the scenario valid
    /// at both ends. Errors name the file, the line and the key.
    pub fn load(path: &Path, table: &str, scenario: &Scenario) -> Result<ParamsFile> {
        let text = crate::scenario::read_text(path)?;
        ParamsFile::parse(&text, path, table, scenario)
    }

    /// [`ParamsFile::load`] from text already read.
    pub fn parse(text: &str, path: &Path, table: &str, scenario: &Scenario) -> Result<ParamsFile> {
        let parse_err = |line: Option<usize>, message: String| Error::Parse {
            path: path.to_path_buf(),
            line,
            message,
        };
        let doc: toml::Table = toml::from_str(text).map_err(|e| {
            let (line, message) = crate::scenario::source::syntax_error(&e, text);
            parse_err(line, message)
        })?;
        for k in doc.keys() {
            if k != "design" && k != table {
                return Err(parse_err(
                    line_of(text, &[k]),
                    format!("unknown table `{k}`; allowed: `[{table}]` and `[design]`"),
                ));
            }
        }
        let design = match doc.get("design") {
            None => None,
            Some(v) => Some(DesignSpec::deserialize(v.clone()).map_err(|e| {
                let line = text.lines().position(|l| l.trim() == "[design]").map(|i| i + 1);
                parse_err(line, format!("[design]: {}", e.to_string().trim()))
            })?),
        };
        if design.is_some_and(|d| d.points == 0) {
            return Err(parse_err(
                line_of(text, &["design", "points"]),
                "`design.points` must be at least 1".into(),
            ));
        }
        let ranges = allowed_ranges(scenario);
        let entries = match doc.get(table) {
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err(parse_err(None, format!("`{table}` must be a table"))),
            None => {
                return Err(parse_err(
                    None,
                    format!("no `[{table}]` table: list the keys to vary there"),
                ));
            }
        };
        if entries.is_empty() {
            return Err(parse_err(
                None,
                format!("`[{table}]` is empty: list the keys to vary there"),
            ));
        }
        let mut entries: Vec<(String, toml::Value)> = entries.into_iter().collect();
        entries.sort_by_key(|(name, _)| line_of(text, &[table, name]));
        let mut factors = Vec::new();
        for (name, value) in &entries {
            let key = if table == "levers" && !name.contains('.') {
                format!("levers.{name}")
            } else {
                name.clone()
            };
            let invalid = |message: String| Error::Invalid {
                path: path.to_path_buf(),
                line: line_of(text, &[table, name]),
                key: name.clone(),
                message,
            };
            factors.push(checked_factor(key, value, table, scenario, &ranges).map_err(invalid)?);
        }
        Ok(ParamsFile {
            path: path.to_path_buf(),
            design,
            factors,
        })
    }
}

/// One entry of a params table (`table`: `params`, `levers` or `free`), `key = value`: the key must be a numeric key of `scenario`
/// (`ranges` from [`allowed_ranges`]), its range inside the allowed one and the scenario valid
/// at both ends. The error says what is wrong; the caller adds the file, line and key.
pub fn checked_factor(
    key: String,
    value: &toml::Value,
    table: &str,
    scenario: &Scenario,
    ranges: &[(String, (f64, f64))],
) -> std::result::Result<Factor, String> {
    let Some(&(_, allowed)) = ranges.iter().find(|(k, _)| *k == key) else {
        let levers: Vec<&str> = ranges.iter().filter_map(|(k, _)| k.strip_prefix("levers.")).collect();
        return Err(if table == "levers" {
            format!(
                "is not a lever of scenario `{}`; levers: {}",
                scenario.name,
                levers.join(", ")
            )
        } else {
            format!(
                "is not a numeric key of scenario `{}` (e.g. `employees.capacity`, `levers.training`)",
                scenario.name
            )
        });
    };
    let spread = spread(value)?;
    if let Spread::Range { min, max, .. } = spread
        && (min < allowed.0 || max > allowed.1)
    {
        return Err(format!(
            "ranges from {min} to {max}; allowed: between {} and {}",
            allowed.0, allowed.1
        ));
    }
    let factor = Factor {
        key,
        spread,
        allowed,
        per: None,
    };
    for end in [0.0, 1.0] {
        let v = factor.value(end);
        scenario.edited(&[factor.edit(v)]).map_err(|e| format!("at {v}: {e}"))?;
    }
    Ok(factor)
}

/// Reads one entry: `{ min, max[, step] }` or a distribution table.
fn spread(value: &toml::Value) -> std::result::Result<Spread, String> {
    let t = value
        .as_table()
        .ok_or("must be a table: { min = .., max = .. } or a distribution such as { dist = \"pert\", min = .., mode = .., max = .. }")?;
    if t.contains_key("dist") {
        let d = DistSpec::deserialize(value.clone()).map_err(|e| e.to_string().trim().to_string())?;
        let (a, b) = (d.quantile(0.1), d.quantile(0.9));
        if !(a.is_finite() && b.is_finite()) {
            return Err(format!("the distribution {d:?} has no finite quantiles"));
        }
        return Ok(Spread::Dist(d));
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct R {
        min: f64,
        max: f64,
        step: Option<f64>,
    }
    let r = R::deserialize(value.clone()).map_err(|e| e.to_string().trim().to_string())?;
    if !(r.min.is_finite() && r.max.is_finite() && r.min < r.max) {
        return Err(format!("needs finite min < max, got min = {}, max = {}", r.min, r.max));
    }
    if let Some(s) = r.step
        && !(s > 0.0 && s <= r.max - r.min)
    {
        return Err(format!("step must be above 0 and at most max - min, got {s}"));
    }
    Ok(Spread::Range {
        min: r.min,
        max: r.max,
        step: r.step,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The shipped baseline, as the analyses' tests start from it.
    pub(crate) fn baseline() -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        Scenario::load(&path, &[]).unwrap()
    }

    #[test]
    fn ranges_steps_and_distributions_map_the_unit_interval() {
        let text = "[design]\nmethod = \"grid\"\npoints = 3\n[params]\n\"employees.capacity\" = { min = 800, max = 1200 }\n\"levers.staff\" = { min = 30, max = 40, step = 5 }\n\"churn.competitive\" = { dist = \"uniform\", min = 0.01, max = 0.03 }\n";
        let f = ParamsFile::parse(text, Path::new("p.toml"), "params", &baseline()).unwrap();
        assert_eq!(f.design.unwrap().method, Method::Grid);
        assert_eq!(f.factors[0].levels(3), vec![800.0, 1000.0, 1200.0]);
        assert_eq!(f.factors[1].levels(3), vec![30.0, 35.0, 40.0]);
        assert_eq!(f.factors[1].value(0.3), 35.0);
        let (lo, hi) = f.factors[2].low_high();
        assert!((lo - 0.012).abs() < 1e-12 && (hi - 0.028).abs() < 1e-12);
    }

    #[test]
    fn bad_keys_and_ranges_name_file_line_and_key() {
        let b = baseline();
        for (text, needle) in [
            (
                "[params]\n\"no.such\" = { min = 1, max = 2 }\n",
                "p.toml:2: `no.such` is not a numeric key",
            ),
            (
                "[params]\n\"employees.capacity\" = { min = 2, max = 1 }\n",
                "p.toml:2: `employees.capacity` needs finite min < max",
            ),
            (
                "[params]\n\n\"levers.followup\" = { min = 0, max = 2 }\n",
                "p.toml:3: `levers.followup` ranges from 0 to 2; allowed: between 0 and 1",
            ),
            ("[design]\nmethod = \"box\"\n[params]\n", "p.toml:1: [design]"),
        ] {
            let e = ParamsFile::parse(text, Path::new("p.toml"), "params", &b)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn the_scenario_declares_its_uncertain_keys() {
        let f = uncertain_factors(&baseline());
        assert!(f.iter().any(|f| f.key == "employees.training_capability"), "{f:?}");
        assert!(f.iter().all(|f| matches!(f.spread, Spread::Dist(_))));
    }

    #[test]
    fn an_uncertain_amount_per_customers_is_a_factor_and_stays_per_customers() {
        let o: Vec<crate::Override> = [
            "simulation.customers=20000",
            r#"acquisition.organic={ per = 10000, dist = "uniform", min = 40, max = 60 }"#,
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/baseline.toml");
        let s = Scenario::load(&path, &o).unwrap();
        let f = uncertain_factors(&s);
        let organic = f
            .iter()
            .find(|f| f.key == "acquisition.organic")
            .expect("organic is uncertain");
        assert_eq!(organic.per, Some(10000.0));
        assert_eq!(organic.low_high(), (42.0, 58.0));
        // Set at its median, the bank of 20,000 gets twice the amount per 10,000 customers.
        let at = s.edited(&[organic.edit(50.0)]).unwrap();
        assert_eq!(at.draw(1, 0).params.acquisition.organic, 100.0);
    }
}
