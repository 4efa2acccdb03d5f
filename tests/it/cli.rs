//! The command line as a user meets it: help, the default run, overrides, bad input.

use predicates::str::contains;

use crate::util::{column, mean, run, scenario, spc, summary};

#[test]
fn help_explains_the_commands_and_flags() {
    spc().arg("--help").assert().success().stdout(contains("run"));
    let out = spc().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--replications",
        "--customers",
        "--months",
        "--seed",
        "--threads",
        "--out",
        "--set",
        "--quiet",
    ] {
        assert!(help.contains(flag), "run --help mentions {flag}");
    }
}

#[test]
fn each_command_states_its_own_default_number_of_replications() {
    for (command, default) in [
        ("run", "[default: 60]"),
        ("compare", "[default: 60]"),
        ("sweep", "[default: 10]"),
        ("sensitivity", "[default: 20 for tornado"),
        ("calibrate", "[default: 4]"),
        ("optimize", "[default: 10]"),
    ] {
        let out = spc().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(out.stdout).unwrap();
        let at = help
            .find("--replications")
            .unwrap_or_else(|| panic!("{command}: no -r"));
        let text: String = help[at..].split_whitespace().take(14).collect::<Vec<_>>().join(" ");
        assert!(
            text.contains(default),
            "spc {command} --help: `{text}` should say {default}"
        );
    }
}

#[test]
fn run_without_arguments_covers_every_shipped_scenario_in_all_four_files() {
    let dir = run(&["-r", "2", "--customers", "300", "--months", "6"]);
    let shipped = std::fs::read_dir(scenario("baseline").parent().unwrap())
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "toml"))
        .count();
    assert!(shipped >= 9, "baseline and at least eight scenarios are shipped");
    let s = summary(dir.path());
    assert_eq!(s["scenarios"].as_array().unwrap().len(), shipped);
    assert_eq!(s["scenarios"][0]["name"], "baseline");
    for key in ["customer_months", "elapsed_seconds", "seed", "threads"] {
        assert!(!s[key].is_null(), "summary.json has {key}");
    }
    for metric in [
        "npv",
        "cumulative_profit",
        "final_customers",
        "annual_retention",
        "mean_satisfaction",
        "top_box_share",
        "satisfied_churner_share",
        "churn_rate_score4",
        "churn_rate_score5",
        "complaint_rate",
        "employee_turnover",
        "mean_delivered_quality",
    ] {
        let m = &s["scenarios"][0]["metrics"][metric];
        for field in ["mean", "sd", "p5", "p50", "p95"] {
            assert!(m[field].is_number(), "{metric}.{field} is a number: {m}");
        }
        assert_eq!(m["ci95"].as_array().map(Vec::len), Some(2), "{metric}.ci95");
    }
    let monthly = std::fs::read_to_string(dir.path().join("monthly.csv")).unwrap();
    assert_eq!(monthly.lines().count(), 1 + 6 * shipped);
    let header = monthly.lines().next().unwrap();
    for col in [
        "active_customers_p5",
        "satisfaction_p50",
        "delivered_quality_mean",
        "churn_p95",
        "profit_p25",
        "cumulative_profit_p75",
    ] {
        assert!(header.contains(col), "monthly.csv has {col}");
    }
    assert_eq!(column(dir.path(), "training", "npv").len(), 2);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenarios"].as_array().unwrap().len(), shipped);
    assert_eq!(manifest["scenarios"][0]["sha256"].as_str().map(str::len), Some(64));
    // Staff as written: 40 FTE per 10,000 customers.
    assert_eq!(
        manifest["scenarios"][0]["parameters"]["levers"]["staff"]["value"].as_f64(),
        Some(40.0)
    );
    assert!(
        manifest["scenarios"][1]["parameters"]["levers"]["staff"].is_array(),
        "cost cutting's staff schedule"
    );
}

#[test]
fn set_overrides_change_the_run_and_names_resolve_to_shipped_files() {
    let base = run(&["baseline", "-r", "2", "--customers", "500", "--months", "12"]);
    let cut = run(&[
        "baseline",
        "-r",
        "2",
        "--customers",
        "500",
        "--months",
        "12",
        "--set",
        "levers.staff=1",
    ]);
    let (b, c) = (summary(base.path()), summary(cut.path()));
    assert!(mean(&c, "baseline", "mean_wait_minutes") > 10.0 * mean(&b, "baseline", "mean_wait_minutes"));
}

#[test]
fn a_missing_scenario_is_a_clear_error_with_exit_code_two() {
    spc()
        .args(["run", "no_such_scenario.toml", "-q"])
        .assert()
        .code(2)
        .stderr(contains("no_such_scenario.toml"));
    spc()
        .args(["run", "baseline", "--set", "levers.nonsense=1", "-q"])
        .assert()
        .code(2)
        .stderr(contains("levers.nonsense"));
}
