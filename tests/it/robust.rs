//! Bad input, interruptions and big runs: every bad input is refused before the run with a
//! message naming the file, line and key, and exit code 2; an interrupted run leaves the
//! previous output intact.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{scenario, spc};

/// Writes `name` in `dir` extending the shipped baseline with `body`.
fn child(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!("extends = {:?}\n{body}", scenario("baseline").to_str().unwrap()),
    )
    .unwrap();
    p
}

fn refused(args: &[&str], needles: &[&str]) {
    let out = spc()
        .arg("run")
        .args(args)
        .args(["-q", "--no-plots", "--out", "/nonexistent/never-written"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected {n:?} in {err:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_scenario_files_are_refused_with_file_line_key_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "unknown.toml",
            "[levers]\ntraining = 1000\nstafff = 3\n",
            vec!["unknown.toml:4", "levers.stafff", "expected one of"],
        ),
        (
            "type.toml",
            "[levers]\nstaff = \"many\"\n",
            vec!["type.toml:3", "levers.staff", "expected a number"],
        ),
        (
            "probability.toml",
            "[churn]\nexogenous = 1.5\n",
            vec!["probability.toml:3", "churn.exogenous", "between 0 and 1"],
        ),
        (
            "staff.toml",
            "[levers]\nstaff = -3\n",
            vec!["staff.toml:3", "levers.staff", "at least 1"],
        ),
        (
            "budget.toml",
            "[levers]\nmarketing = -3\n",
            vec!["budget.toml:3", "levers.marketing", "at least 0"],
        ),
        (
            "months.toml",
            "[simulation]\nmonths = 0\n",
            vec!["months.toml:3", "simulation.months", "at least 1"],
        ),
        (
            "customers.toml",
            "[simulation]\ncustomers = -5\n",
            vec!["customers.toml:3", "simulation.customers"],
        ),
        (
            "nan.toml",
            "[quality]\nnoise_sd = nan\n",
            vec!["nan.toml:3", "quality.noise_sd", "finite"],
        ),
        (
            "inf.toml",
            "[quality]\nnoise_sd = inf\n",
            vec!["inf.toml:3", "quality.noise_sd", "finite"],
        ),
        (
            "zone.toml",
            "[expectations]\nzone_width_mean = -1\n",
            vec!["zone.toml:3", "zone_width_mean", "between 0 and 10"],
        ),
        (
            "minmax.toml",
            "[churn]\nexogenous = { dist = \"uniform\", min = 0.003, max = 0.001 }\n",
            vec!["minmax.toml:3", "above max"],
        ),
        (
            "sd.toml",
            "[churn]\nexogenous = { dist = \"normal\", mean = 0.002, sd = -1 }\n",
            vec!["sd.toml:3", "sd must be >= 0"],
        ),
        (
            "dist.toml",
            "[churn]\nexogenous = { dist = \"weibull\", k = 1 }\n",
            vec!["dist.toml", "churn.exogenous", "weibull"],
        ),
        (
            "schedule.toml",
            "[levers]\nstaff = [{ from_month = 5, value = 30 }]\n",
            vec!["schedule.toml:3", "from_month = 0"],
        ),
        ("syntax.toml", "[levers\n", vec!["syntax.toml", "line 2"]),
    ];
    for (name, body, needles) in &cases {
        let p = child(d, name, body);
        refused(&[p.to_str().unwrap()], needles);
    }
    std::fs::write(d.join("missing.toml"), "extends = \"nowhere.toml\"\n").unwrap();
    refused(
        &[d.join("missing.toml").to_str().unwrap()],
        &["missing.toml", "nowhere.toml", "no such file"],
    );
    std::fs::write(d.join("a.toml"), "extends = \"b.toml\"\n").unwrap();
    std::fs::write(d.join("b.toml"), "extends = \"a.toml\"\n").unwrap();
    refused(&[d.join("a.toml").to_str().unwrap()], &["cycle", "a.toml", "b.toml"]);
    refused(
        &[d.join("no-such-file.toml").to_str().unwrap()],
        &["cannot read", "no-such-file.toml"],
    );
}

#[test]
fn bad_overrides_and_flags_are_refused() {
    refused(
        &["baseline", "--set", "levers.stafff=3"],
        &["--set levers.stafff=3", "unknown key"],
    );
    refused(
        &["baseline", "--set", "levers.staff=abc"],
        &["--set levers.staff=abc", "expected a number"],
    );
    refused(
        &["baseline", "--set", "churn.exogenous=2"],
        &["--set churn.exogenous=2", "between 0 and 1"],
    );
    refused(&["baseline", "--set", "nokey"], &["key.path=value"]);
    refused(&["baseline", "--threads", "0"], &["--threads"]);
    refused(&["baseline", "--replications", "0"], &["--replications"]);
    refused(&["baseline", "--replications=-3"], &["invalid value", "--replications"]);
}

#[test]
fn a_run_too_big_for_memory_is_refused_with_an_estimate_and_a_hint() {
    refused(&["baseline", "--customers", "400000000"], &["GiB", "fewer --customers"]);
}

fn interrupt(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("summary.json"), "previous").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("spc");
    let mut child = std::process::Command::new(bin)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "baseline", "-r", "2000", "-q", "--out"])
        .arg(dir.path())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    assert!(
        std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = child.wait().unwrap();
    assert!(sent.elapsed() < Duration::from_secs(10), "stops promptly");
    assert_eq!(status.code(), Some(130), "{signal}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.json")).unwrap(),
        "previous"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("summary.json")],
        "no half-written files"
    );
}

#[test]
fn an_interrupted_run_leaves_the_previous_output_intact() {
    interrupt("-INT");
    interrupt("-TERM");
}
