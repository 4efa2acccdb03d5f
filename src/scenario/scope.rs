//! The scope of a key override (`--set` on the command line) given to a command that loads several scenarios: `KEY=VALUE` sets
//! the key in every scenario, `SCENARIO:KEY=VALUE` only in the scenario named SCENARIO (its
//! `name`, by default the file name without `.toml`). A scope naming no scenario of the run is
//! an error that lists the names there are.

use std::path::PathBuf;
use std::str::FromStr;

use super::{Override, Scenario, distinct};
use crate::error::{Error, Result};

/// A `--set`, for every scenario or for one.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The scenario it is for; `None` for every scenario.
    pub scenario: Option<String>,
    /// The override itself.
    pub set: Override,
}

impl FromStr for Setting {
    type Err = Error;

    /// Parses `KEY=VALUE` or `SCENARIO:KEY=VALUE` (the `:` counts only before the first `=`).
    fn from_str(s: &str) -> Result<Setting> {
        let key = s.split_once('=').map_or(s, |(k, _)| k);
        let Some((name, _)) = key.split_once(':') else {
            return Ok(Setting {
                scenario: None,
                set: s.parse()?,
            });
        };
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Override {
                assignment: s.to_string(),
                message: "no scenario name before `:`; write SCENARIO:KEY=VALUE, or KEY=VALUE for every scenario"
                    .into(),
            });
        }
        let set: Override = s[s.find(':').map_or(0, |i| i + 1)..].parse()?;
        Ok(Setting {
            scenario: Some(name.to_string()),
            set: set.labelled(s),
        })
    }
}

/// Loads `files` in order, each with `flags` (e.g. `--customers`), every unscoped setting and
/// the settings scoped to its name; refuses a scope that names none of them, and scenarios
/// that could not be told apart ([`distinct`]).
pub fn load_all(files: &[PathBuf], flags: &[Override], settings: &[Setting]) -> Result<Vec<Scenario>> {
    let every: Vec<Override> = flags
        .iter()
        .cloned()
        .chain(settings.iter().filter(|s| s.scenario.is_none()).map(|s| s.set.clone()))
        .collect();
    let mut scenarios = files
        .iter()
        .map(|f| Scenario::load(f, &every))
        .collect::<Result<Vec<_>>>()?;
    for s in settings {
        if let Some(name) = &s.scenario
            && !scenarios.iter().any(|sc| &sc.name == name)
        {
            return Err(Error::Override {
                assignment: s.set.label.clone(),
                message: format!(
                    "no scenario named `{name}` in this run; the scenarios are: {}",
                    scenarios
                        .iter()
                        .map(|sc| sc.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    for (file, scenario) in files.iter().zip(scenarios.iter_mut()) {
        let own: Vec<Override> = settings
            .iter()
            .filter(|s| s.scenario.as_ref() == Some(&scenario.name))
            .map(|s| s.set.clone())
            .collect();
        if !own.is_empty() {
            *scenario = Scenario::load(file, &[every.clone(), own].concat())?;
        }
    }
    distinct(&scenarios)?;
    Ok(scenarios)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str) -> PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(format!("{name}.toml"))
    }

    #[test]
    fn a_scope_before_the_key_names_the_scenario_and_a_colon_in_the_value_does_not() {
        let s: Setting = "training:levers.training=100".parse().unwrap();
        assert_eq!(s.scenario.as_deref(), Some("training"));
        assert_eq!(s.set.key(), "levers.training");
        let s: Setting = "label=Plan: B".parse().unwrap();
        assert_eq!((s.scenario, s.set.key()), (None, "label".to_string()));
        let e = ":levers.training=1".parse::<Setting>().unwrap_err().to_string();
        assert!(e.contains("no scenario name"), "{e}");
    }

    #[test]
    fn a_scoped_setting_changes_only_its_scenario_and_an_unknown_scope_is_refused() {
        let files = [file("baseline"), file("training")];
        let customers = Override::flag("--customers", "simulation.customers", 300);
        let settings: Vec<Setting> = ["training:levers.training=123", "simulation.months=7"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let [base, training] = <[Scenario; 2]>::try_from(load_all(&files, &[customers], &settings).unwrap()).unwrap();
        assert_eq!(training.draw(1, 0).levers.training.at(0), 123.0);
        assert_ne!(base.draw(1, 0).levers.training.at(0), 123.0);
        assert_eq!((base.months, training.months, base.customers), (7, 7, 300));
        let wrong: Vec<Setting> = vec!["trainig:levers.training=1".parse().unwrap()];
        let e = load_all(&files, &[], &wrong).unwrap_err().to_string();
        assert!(
            e.contains("no scenario named `trainig`") && e.contains("baseline, training"),
            "{e}"
        );
    }
}
