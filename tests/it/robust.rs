//! Bad input, interruptions and big runs: every bad input is refused before the run with a
//! message naming the file, line and key, and exit code 2; an interrupted run leaves the
//! previous output intact.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::util::{scenario, spc};

/// Writes `name` in `dir` extending the shipped baseline with `body`.
pub fn child(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(
        &p,
        format!("extends = {:?}\n{body}", scenario("baseline").to_str().unwrap()),
    )
    .unwrap();
    p
}

pub fn refused(args: &[&str], needles: &[&str]) {
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
            vec!["baseline", "--set", "levers.training.x=5"],
            vec!["--set levers.training.x=5", "levers.training.x", "not a table"],
            "unknown key `levers.training`:",
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

/// A tiny run through the library, for the output tests.
fn tiny_result() -> spc::RunResult {
    struct Quiet;
    impl spc::Observe for Quiet {}
    let s = spc::Scenario::load(
        &scenario("baseline"),
        &[
            "simulation.customers=100".parse().unwrap(),
            "simulation.months=6".parse().unwrap(),
        ],
    )
    .unwrap();
    let options = spc::RunOptions {
        seed: 1,
        replications: 2,
        threads: 1,
    };
    spc::Design::new(vec![s], options).unwrap().run(&Quiet).unwrap()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Family 1: a result that is not finite is refused before anything is written, naming the
/// scenario and replication, with exit code 1.
#[test]
fn a_result_that_is_not_finite_is_never_written() {
    let mut result = tiny_result();
    result.scenarios[0].replications[1].metrics.npv = f64::NAN;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("summary.json"), "previous").unwrap();
    let no = std::sync::atomic::AtomicBool::new(false);
    let e = spc::output::write_all(&result, dir.path(), "", &no, &|_| Ok(())).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("baseline") && text.contains("replication 1") && text.contains("npv"),
        "{text}"
    );
    assert_eq!(e.exit_code(), 1);
    assert_eq!(names(dir.path()), vec!["summary.json"]);
    result.scenarios[0].replications[1].metrics.npv = 1.0;
    result.scenarios[0].replications[0].metrics.complaint_rate = f64::INFINITY;
    assert!(spc::output::write_all(&result, dir.path(), "", &no, &|_| Ok(())).is_err());
}

/// Family 10: cancellation is honoured up to the move into place; a stale staging folder is
/// removed; files of an earlier kind of run go, a user's files stay; two runs to one folder
/// both finish.
#[test]
fn the_output_commit_is_cancellable_locked_and_removes_only_what_spc_wrote() {
    let result = tiny_result();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("summary.json"), "previous").unwrap();
    std::fs::create_dir(d.join(".spc-staging-4000000")).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    // Ctrl-C while the plots are written: nothing moves.
    let e = spc::output::write_all(&result, d, "", &cancel, &|stage| {
        std::fs::write(stage.join("report.html"), "x").unwrap();
        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    })
    .unwrap_err();
    assert!(matches!(e, spc::Error::Interrupted), "{e}");
    assert_eq!(std::fs::read_to_string(d.join("summary.json")).unwrap(), "previous");
    assert_eq!(
        names(d),
        vec![".spc-lock", "summary.json"],
        "stale and own staging removed"
    );
    // A run with plots, then the user's own file in plots/, then a run without plots.
    cancel.store(false, std::sync::atomic::Ordering::SeqCst);
    spc::output::write_all(&result, d, "", &cancel, &|stage| {
        std::fs::create_dir(stage.join("plots")).unwrap();
        std::fs::write(stage.join("plots/npv.svg"), "svg").unwrap();
        std::fs::write(stage.join("report.html"), "html").unwrap();
        std::fs::write(stage.join("comparison.json"), "{}").unwrap();
        Ok(())
    })
    .unwrap();
    std::fs::write(d.join("plots/mine.txt"), "the user's").unwrap();
    std::fs::write(d.join("notes.txt"), "the user's").unwrap();
    spc::output::write_all(&result, d, "", &cancel, &|_| Ok(())).unwrap();
    assert_eq!(
        names(d),
        vec![
            ".spc-lock",
            "inputs.csv",
            "manifest.json",
            "monthly.csv",
            "notes.txt",
            "plots",
            "replications.csv",
            "results.xlsx",
            "summary.json",
            "yearly.csv"
        ]
    );
    assert_eq!(names(&d.join("plots")), vec!["mine.txt"]);
    // Two runs at once into one folder.
    let out = tempfile::tempdir().unwrap();
    let start = || {
        std::process::Command::new(assert_cmd::cargo::cargo_bin("spc"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "run",
                "baseline",
                "-r",
                "2",
                "--customers",
                "300",
                "--months",
                "12",
                "-q",
                "--out",
            ])
            .arg(out.path())
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (start(), start());
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    assert!(!names(out.path()).iter().any(|n| n.starts_with(".spc-staging")));
}

/// Family 2: charts of extreme but finite values draw promptly.
#[test]
fn charts_of_extreme_values_draw_promptly() {
    use spc::output::format::Unit;
    use spc::report::charts::{BoxRow, Chart, Key, Panel};
    let dir = tempfile::tempdir().unwrap();
    let huge = [-1e308, -1e300, 0.0, 1e300, f64::MAX];
    let key = |i: usize| Key {
        label: format!("s{i}"),
        index: i,
    };
    let charts = [
        Chart::Fan {
            title: "t".into(),
            y_label: "y".into(),
            unit: Unit::Eur,
            panels: vec![
                Panel {
                    key: key(0),
                    bands: vec![huge; 12],
                    mark: None,
                },
                Panel {
                    key: key(1),
                    bands: vec![[5e-324; 5]; 3],
                    mark: Some(2),
                },
            ],
            reference: Some(("r".into(), vec![f64::MAX; 12])),
            zero_line: true,
        },
        Chart::Boxes {
            title: "t".into(),
            x_label: "x".into(),
            unit: Unit::Eur,
            rows: vec![
                BoxRow {
                    key: key(0),
                    bands: huge,
                    mean: 1e308,
                    note: None,
                },
                BoxRow {
                    key: key(1),
                    bands: [1e300; 5],
                    mean: -1e308,
                    note: None,
                },
            ],
            zero_line: true,
        },
        Chart::ChurnByScore {
            title: "t".into(),
            rates: [spc::metrics::ScoreRate {
                rate: 1e308,
                interval: [0.0, f64::MAX],
                churners: u64::MAX,
                customer_years: f64::MAX,
            }; 5],
        },
        Chart::Panels {
            title: "t".into(),
            measures: vec![("m".into(), Unit::Eur)],
            rows: vec![(key(0), vec![[1e308, -1e308, f64::MAX]]), (key(1), vec![[-1e308; 3]])],
        },
    ];
    let start = Instant::now();
    for (i, chart) in charts.into_iter().enumerate() {
        let fig = spc::report::Figure {
            stem: format!("c{i}"),
            section: spc::report::Section::Money,
            chart,
            caption: String::new(),
        };
        let _ = spc::report::render(&fig, dir.path());
    }
    assert!(start.elapsed() < Duration::from_secs(60), "{:?}", start.elapsed());
}

/// Families 7, 8 and 9: memory refused with an estimate for every input that allocates; a huge
/// thread count capped with a note; one replication says n/a, never NaN.
#[test]
fn memory_threads_and_one_replication() {
    for set in [
        "levers.staff=1e9",
        "acquisition.organic=1e9",
        "acquisition.marketing_max=1e9",
    ] {
        refused(&["baseline", "--set", set], &["GiB", "memory"]);
    }
    refused(
        &["baseline", "--customers", "1", "--months", "4000000000"],
        &["GiB", "months"],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = spc()
        .args([
            "run",
            "baseline",
            "-j",
            "10000",
            "-r",
            "1",
            "--customers",
            "200",
            "--months",
            "12",
            "--no-plots",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("capped"), "{stderr}");
    assert!(!stdout.contains("NaN") && !stderr.contains("NaN"), "{stdout}");
    let out = spc()
        .args([
            "compare",
            "baseline",
            "training",
            "-r",
            "1",
            "--customers",
            "200",
            "--months",
            "12",
            "--no-plots",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && !stdout.contains("NaN"), "{stdout}");
}
