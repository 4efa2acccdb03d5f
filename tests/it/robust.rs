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

/// Family 11: every error names the right file and line, from toml's spans: inline tables,
/// quoted and dotted keys, unknown sections, keys inside distributions and schedule steps,
/// unknown `dist` names, `[[levers]]`, a `from_month` that is not a month.
#[test]
fn errors_point_at_the_file_and_line_that_wrote_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "inline.toml",
            "levers = { staff = 0 }\n",
            vec!["inline.toml:2", "levers.staff", "at least 1"],
        ),
        (
            "quoted.toml",
            "[levers]\n\"staff\" = 0\n",
            vec!["quoted.toml:3", "levers.staff"],
        ),
        (
            "dotted.toml",
            "[levers]\ntraining = 5\nstaff.value = 1\n",
            vec!["dotted.toml:4", "levers.staff"],
        ),
        (
            "section.toml",
            "\n[levers2]\nx = 1\n",
            vec!["section.toml:3", "levers2", "unknown field"],
        ),
        (
            "inside.toml",
            "[churn]\nexogenous = { dist = \"normal\", mean = 0.1, sdd = 1 }\n",
            vec!["inside.toml:3", "churn.exogenous", "sdd"],
        ),
        (
            "subtable.toml",
            "\n[churn.exogenous]\ndist = \"normal\"\nmean = 0.1\nsdd = 1\n",
            vec!["subtable.toml:3", "churn.exogenous", "sdd"],
        ),
        (
            "dist.toml",
            "[churn]\n\nexogenous = { dist = \"weibull\" }\n",
            vec!["dist.toml:4", "churn.exogenous", "weibull"],
        ),
        (
            "aot.toml",
            "[[levers]]\nstaff = 3\n",
            vec!["aot.toml:2", "[levers]", "[[levers]]"],
        ),
        (
            "step.toml",
            "[levers]\nstaff = [\n  { from_month = 0, value = 3 },\n  { from_month = 2, value = 3, x = 1 },\n]\n",
            vec!["step.toml:5", "levers.staff[1]", "unknown field `x`"],
        ),
        (
            "fraction.toml",
            "[levers]\nstaff = [\n  { from_month = 0, value = 3 },\n  { from_month = 1.5, value = 3 },\n]\n",
            vec!["fraction.toml:5", "from_month", "1.5"],
        ),
        (
            "negative.toml",
            "[levers]\nstaff = [\n  { from_month = 0, value = 3 },\n  { from_month = -2, value = 3 },\n]\n",
            vec!["negative.toml:5", "from_month", "-2"],
        ),
        (
            "stepvalue.toml",
            "[levers]\nstaff = [\n  { from_month = 0, value = 3 },\n  { from_month = 2, value = -3 },\n]\n",
            vec!["stepvalue.toml:5", "levers.staff", "at least 1"],
        ),
    ];
    for (name, body, needles) in &cases {
        let p = child(d, name, body);
        refused(&[p.to_str().unwrap()], needles);
    }
    // A key set in a parent is blamed on the parent, with its line.
    std::fs::write(
        d.join("parent.toml"),
        "extends = \"grand.toml\"\n[churn]\nexogenous = 3\n",
    )
    .unwrap();
    std::fs::write(
        d.join("grand.toml"),
        format!("extends = {:?}\n", scenario("baseline").to_str().unwrap()),
    )
    .unwrap();
    std::fs::write(d.join("leaf.toml"), "extends = \"parent.toml\"\n").unwrap();
    refused(
        &[d.join("leaf.toml").to_str().unwrap()],
        &["parent.toml:3", "churn.exogenous"],
    );
}

/// Families 11 and 12: a flag is named as typed, never as a `--set` the user did not write;
/// a key set twice is refused; `--set a.b.c` under a number says so.
#[test]
fn flags_are_named_as_typed_and_conflicts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    for (args, needles, absent) in [
        (
            vec!["baseline", "--customers", "0"],
            vec!["--customers 0", "at least 1"],
            "--set",
        ),
        (
            vec!["baseline", "--months", "0"],
            vec!["--months 0", "at least 1"],
            "--set",
        ),
        (
            vec![empty.to_str().unwrap(), "--customers", "5"],
            vec!["empty.toml", "simulation"],
            "--set",
        ),
        (
            vec!["baseline", "--set", "levers.staff.x=5"],
            vec!["--set levers.staff.x=5", "levers.staff.x", "not a table"],
            "unknown key `levers.staff`:",
        ),
        (
            vec!["baseline", "--customers", "300", "--set", "simulation.customers=400"],
            vec!["--customers 300", "simulation.customers=400", "give it once"],
            "panicked",
        ),
        (
            vec![
                "baseline",
                "--set",
                "churn.exogenous=0.01",
                "--set",
                "churn.exogenous=0.02",
            ],
            vec!["churn.exogenous", "give it once"],
            "panicked",
        ),
        (
            vec!["baseline", "--set", "extends=x.toml"],
            vec!["extends", "command line"],
            "panicked",
        ),
    ] {
        let out = spc()
            .arg("run")
            .args(&args)
            .args(["-q", "--no-plots", "--out", "/nonexistent/never-written"])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: expected {n:?} in {err:?}");
        }
        assert!(!err.contains(absent), "{args:?}: {absent:?} in {err:?}");
    }
}

/// Family 12: the same scenario twice, or two files with one name, would give rows no one can
/// tell apart; a scenario file is not a lesson.
#[test]
fn indistinguishable_scenarios_and_a_scenario_as_a_lesson_are_refused() {
    refused(&["baseline", "baseline"], &["baseline", "twice"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("other")).unwrap();
    let a = child(dir.path(), "training.toml", "");
    let b = child(&dir.path().join("other"), "training.toml", "");
    refused(&[a.to_str().unwrap(), b.to_str().unwrap()], &["training", "name"]);
    let lessons = tempfile::tempdir().unwrap();
    std::fs::copy(scenario("baseline"), lessons.path().join("baseline.toml")).unwrap();
    let out = spc()
        .args(["lesson", "baseline", "--lessons"])
        .arg(lessons.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("scenario file, not a lesson"), "{err}");
}

/// Families 5 and 6: `extends` is followed without recursion up to a depth limit; only regular
/// files of bounded size are read, as a scenario or as a parent.
#[test]
fn deep_extends_special_files_and_huge_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..5000 {
        std::fs::write(d.join(format!("s{i}.toml")), format!("extends = \"s{}.toml\"\n", i + 1)).unwrap();
    }
    std::fs::write(
        d.join("s5000.toml"),
        format!("extends = {:?}\n", scenario("baseline").to_str().unwrap()),
    )
    .unwrap();
    refused(&[d.join("s0.toml").to_str().unwrap()], &["extends", "deep"]);
    refused(&["/dev/zero"], &["/dev/zero", "not a regular file"]);
    refused(&[d.to_str().unwrap()], &["not a regular file"]);
    std::fs::write(d.join("zero.toml"), "extends = \"/dev/zero\"\n").unwrap();
    refused(
        &[d.join("zero.toml").to_str().unwrap()],
        &["zero.toml", "/dev/zero", "not a regular file"],
    );
    let big = d.join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    refused(&[big.to_str().unwrap()], &["big.toml", "larger than"]);
}

/// Families 1 and 3: every amount has a finite documented range, and values at the top of
/// those ranges (zone width, money, lognormal spreads) run without a panic or a missing number.
#[test]
fn values_at_the_top_of_their_ranges_run_to_finite_results() {
    refused(
        &["baseline", "--set", "finance.overhead=1e308"],
        &["finance.overhead", "at most 1e12"],
    );
    refused(
        &["baseline", "--set", "levers.marketing=1e300"],
        &["levers.marketing", "at most"],
    );
    for set in [
        "expectations.zone_width_mean=10",
        "expectations.zone_width_sd=10",
        "finance.overhead=1e12",
        "segments.service_led.balance_median={ dist = \"lognormal\", mu = 10, sigma = 1e300 }",
        "levers.process={ dist = \"normal\", mean = 1e6, sd = 1e300 }",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = spc()
            .args([
                "run",
                "baseline",
                "-r",
                "2",
                "--customers",
                "200",
                "--months",
                "12",
                "-q",
                "--no-plots",
                "--set",
            ])
            .arg(set)
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{set}: {err}");
        let s = crate::util::summary(dir.path());
        for metric in ["npv", "cumulative_profit", "final_customers", "mean_satisfaction"] {
            let v = crate::util::mean(&s, "baseline", metric);
            assert!(v.is_finite(), "{set}: {metric} = {v}");
        }
    }
}
