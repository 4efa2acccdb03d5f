//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The `spc` binary, run from the crate root so that `scenarios/` resolves.
pub fn spc() -> Command {
    let mut c = Command::cargo_bin("spc").expect("the spc binary is built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A shipped scenario file.
pub fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"))
}

/// Runs `spc run ARGS --out DIR -q` and returns the output folder.
pub fn run(args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    spc()
        .arg("run")
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .arg("-q")
        .assert()
        .success();
    dir
}

/// The parsed `summary.json` of an output folder.
pub fn summary(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).expect("summary.json")).expect("valid JSON")
}

/// Mean of `metric` for `scenario` in a summary.
pub fn mean(summary: &Value, scenario: &str, metric: &str) -> f64 {
    scenario_metric(summary, scenario, metric)["mean"]
        .as_f64()
        .unwrap_or(f64::NAN)
}

/// The summary object of `metric` for `scenario`.
pub fn scenario_metric<'a>(summary: &'a Value, scenario: &str, metric: &str) -> &'a Value {
    let s = summary["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .find(|s| s["name"] == scenario);
    &s.unwrap_or_else(|| panic!("scenario {scenario} in summary"))["metrics"][metric]
}

/// Per-replication values of `metric` for `scenario`, from `replications.csv`.
pub fn column(dir: &Path, scenario: &str, metric: &str) -> Vec<f64> {
    let mut r = csv::Reader::from_path(dir.join("replications.csv")).expect("replications.csv");
    let headers = r.headers().expect("header").clone();
    let k = headers
        .iter()
        .position(|h| h == metric)
        .unwrap_or_else(|| panic!("column {metric}"));
    r.records()
        .map(|rec| rec.expect("row"))
        .filter(|rec| &rec[0] == scenario)
        .map(|rec| rec[k].parse().unwrap_or(f64::NAN))
        .collect()
}
