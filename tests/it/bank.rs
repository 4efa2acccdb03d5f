//! Issue 17: a bank of any size. Per-customer results do not depend on the bank's size when its
//! amounts are written per customers; a sample of a large bank agrees with the bank simulated in
//! full; guards warn about a bank the model is not calibrated for; the `per` form's errors.

use std::path::Path;

use crate::robust::{child, refused};
use crate::util::{column, run, spc, summary};

/// Per-replication values of `metric` for the baseline in `dir`, divided by `per`.
fn per(dir: &Path, metric: &str, per: f64) -> Vec<f64> {
    column(dir, "baseline", metric).iter().map(|v| v / per).collect()
}

/// Whether the paired differences `a - b` have a mean within 4 standard errors of zero (plus
/// `slack`, in the metric's units, for what rounding to whole employees may move). Replication
/// `r` of both runs draws the same uncertain parameters, so the pairs share them.
fn agree(a: &[f64], b: &[f64], slack: f64) -> Result<(), String> {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = d.len() as f64;
    let mean = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let bound = 4.0 * sd / n.sqrt() + slack;
    if mean.abs() <= bound {
        Ok(())
    } else {
        Err(format!(
            "mean difference {mean:.5} beyond {bound:.5} (a {a:?}, b {b:?})"
        ))
    }
}

/// The per-customer results of two runs of the baseline for banks of `small` and `large`
/// customers: retention, reported score, staff load, delivered quality, NPV per initial customer.
fn per_customer_results_agree(small: &Path, large: &Path, sizes: (f64, f64)) -> Result<(), String> {
    for metric in [
        "annual_retention",
        "mean_satisfaction",
        "staff_load",
        "mean_delivered_quality",
    ] {
        agree(&per(small, metric, 1.0), &per(large, metric, 1.0), 0.0).map_err(|e| format!("{metric}: {e}"))?;
    }
    agree(&per(small, "npv", sizes.0), &per(large, "npv", sizes.1), 0.0).map_err(|e| format!("npv per customer: {e}"))
}

const SHORT: [&str; 8] = ["baseline", "-r", "8", "--months", "24", "--no-plots", "--seed", "17"];

/// The baseline run with `--customers n` and `extra` arguments.
fn bank(n: u32, extra: &[&str]) -> tempfile::TempDir {
    let customers = n.to_string();
    let mut args: Vec<&str> = SHORT.to_vec();
    args.extend(["--customers", &customers]);
    args.extend(extra);
    run(&args)
}

#[test]
fn a_bank_of_5000_and_one_of_40000_give_the_same_per_customer_results() {
    let (small, large) = (bank(5_000, &[]), bank(40_000, &[]));
    per_customer_results_agree(small.path(), large.path(), (5_000.0, 40_000.0)).unwrap();
    // The test can fail: with staff as an absolute number the larger bank is overloaded.
    let absolute = bank(40_000, &["--set", "levers.staff=20"]);
    let err = per_customer_results_agree(small.path(), absolute.path(), (5_000.0, 40_000.0)).unwrap_err();
    assert!(
        err.starts_with("annual_retention") || err.starts_with("staff_load"),
        "{err}"
    );
}

#[test]
fn a_sample_of_a_bank_agrees_with_the_bank_simulated_in_full() {
    let full = bank(20_000, &[]);
    let sample = bank(20_000, &["--sample", "2500"]);
    for metric in [
        "annual_retention",
        "mean_satisfaction",
        "staff_load",
        "npv",
        "final_customers",
        "revenue",
    ] {
        agree(&per(full.path(), metric, 1.0), &per(sample.path(), metric, 1.0), 0.0)
            .unwrap_or_else(|e| panic!("{metric}: {e}"));
    }
    let s = summary(sample.path());
    let b = &s["scenarios"][0];
    assert_eq!(
        (b["customers"].as_u64(), b["simulated_customers"].as_u64()),
        (Some(20_000), Some(2_500))
    );
    let final_customers = b["metrics"]["final_customers"]["mean"].as_f64().unwrap();
    assert!(
        final_customers > 15_000.0,
        "counts scaled up to the bank: {final_customers}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["scenarios"][0]["simulated_customers"].as_u64(), Some(2_500));
    let out = spc()
        .args([
            "run",
            "baseline",
            "-r",
            "1",
            "--months",
            "2",
            "--customers",
            "20000",
            "--sample",
            "1000",
            "--no-plots",
        ])
        .arg("--out")
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("a bank of 20,000 customers simulated on a representative sample of 1,000"),
        "{text}"
    );
}

#[test]
fn guards_warn_about_an_overloaded_bank_and_stay_silent_on_the_shipped_scenarios() {
    let dir = tempfile::tempdir().unwrap();
    // The issue's bank: 200,000 customers and 350 staff, run on a sample of 10,000.
    let out = spc()
        .args([
            "run",
            "baseline",
            "-r",
            "2",
            "--months",
            "12",
            "--customers",
            "200000",
            "--sample",
            "10000",
        ])
        .args(["--set", "levers.staff=350", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for needle in [
        "warning: baseline: the front line is overloaded",
        "levers.staff",
        "delivered quality collapsed",
    ] {
        assert!(err.contains(needle), "{needle:?} in {err}");
    }
    let s = summary(dir.path());
    let guards: Vec<&str> = s["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["guard"].as_str().unwrap())
        .collect();
    for g in ["staff_load", "delivered_quality", "customer_base"] {
        assert!(guards.contains(&g), "{g} in {guards:?}");
    }
    let report = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(report.contains("<h2>Warnings</h2>") && report.contains("overloaded"));
    // Every shipped scenario, at a small size: no warning.
    let shipped = run(&["-r", "3", "--months", "36", "--customers", "2000", "--no-plots"]);
    assert_eq!(summary(shipped.path())["warnings"], serde_json::json!([]));
}

#[test]
fn the_per_form_and_the_sample_are_refused_with_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "typo.toml",
            "[levers]\nstaff = { per = 10000, valu = 40 }\n",
            vec!["typo.toml:3", "levers.staff", "unknown field `valu`"],
        ),
        (
            "share.toml",
            "[levers]\nfollowup = { per = 10000, value = 0.1 }\n",
            vec!["share.toml:3", "levers.followup", "does not grow with the bank"],
        ),
        (
            "zero.toml",
            "[finance]\noverhead = { per = 0, value = 1000 }\n",
            vec!["zero.toml:3", "finance.overhead", "at least 1"],
        ),
        (
            "empty.toml",
            "[acquisition]\norganic = { per = 10000 }\n",
            vec!["empty.toml:3", "acquisition.organic", "needs the amount"],
        ),
        (
            "twice.toml",
            "[levers]\nstaff = [\n  { from_month = 0, value = 3 },\n  { from_month = 2, per = 10, value = { per = 10, value = 1 } },\n]\n",
            vec!["twice.toml:5", "levers.staff[1]", "give it once"],
        ),
        (
            "negative.toml",
            "[levers]\nprocess = { per = 10000, value = -5 }\n",
            vec!["negative.toml:3", "levers.process", "allowed: at least 0"],
        ),
    ];
    for (name, body, needles) in &cases {
        let p = child(d, name, body);
        refused(&[p.to_str().unwrap()], needles);
    }
    refused(&["baseline", "--sample", "0"], &["--sample 0", "simulation.sample"]);
    refused(
        &["baseline", "--sample", "20000"],
        &["--sample 20000", "at most the bank's 10000"],
    );
}
