//! `spc compare`: pairing, variance reduction, thread independence, `--precision`.

use std::path::Path;

use serde_json::Value;
use spc::model::Firm;
use spc::scenario::Scenario;

use crate::util::{scenario, spc};

fn compare(args: &[&str]) -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    spc()
        .arg("compare")
        .args(args)
        .arg("--out")
        .arg(dir.path())
        .arg("-q")
        .assert()
        .success();
    let c = serde_json::from_str(&std::fs::read_to_string(dir.path().join("comparison.json")).unwrap()).unwrap();
    (dir, c)
}

#[test]
fn pairing_really_pairs_at_the_stream_level() {
    let base = Scenario::load(&scenario("baseline"), &[]).unwrap();
    let staffing = Scenario::load(&scenario("staffing"), &[]).unwrap();
    let (db, ds) = (base.draw(42, 3), staffing.draw(42, 3));
    assert_ne!(
        db.levers.staff.at(0),
        ds.levers.staff.at(0),
        "the alternative changes staffing"
    );
    let (fb, fs) = (Firm::new(&db, 2000, 12, 42, 3), Firm::new(&ds, 2000, 12, 42, 3));
    for i in 0..2000 {
        assert_eq!(
            fb.customers.get(i),
            fs.customers.get(i),
            "customer {i} starts identical"
        );
    }
    // Each customer-month stream depends on the customer and the month only.
    let key = fb.customers.get(17).key;
    assert_eq!(key, fs.customers.get(17).key);
    let mut a = key.rng(spc::rng::Purpose::Month, 5);
    let mut b = fs.customers.get(17).key.rng(spc::rng::Purpose::Month, 5);
    use rand::Rng;
    assert_eq!((a.next_u64(), a.next_u64()), (b.next_u64(), b.next_u64()));
}

#[test]
fn pairing_cuts_the_variance_of_the_training_npv_difference_at_least_fivefold() {
    let (_dir, c) = compare(&["baseline", "training", "-r", "20"]);
    let vr = c["comparisons"][0]["variance_reduction"]["npv"].as_f64().unwrap();
    assert!(vr >= 5.0, "variance reduction {vr}");
    let npv = &c["comparisons"][0]["delta"]["npv"];
    assert!(npv["ci95"][0].as_f64().unwrap() <= npv["mean"].as_f64().unwrap());
    for key in ["p_better", "roi", "payback_month", "incremental_investment"] {
        assert!(!c["comparisons"][0][key].is_null(), "{key} is reported for training");
    }
}

#[test]
fn the_comparison_does_not_depend_on_the_thread_count() {
    let args = [
        "baseline",
        "cost_cutting",
        "--customers",
        "1500",
        "--months",
        "36",
        "-r",
        "5",
    ];
    let (_a, one) = compare(&[&args[..], &["-j", "1"]].concat());
    let (_b, two) = compare(&[&args[..], &["-j", "2"]].concat());
    assert_eq!(one, two);
}

fn reps(dir: &Path) -> u64 {
    let c: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("comparison.json")).unwrap()).unwrap();
    c["replications"].as_u64().unwrap()
}

#[test]
fn precision_adds_replications_until_reached_or_the_maximum() {
    let small = [
        "baseline",
        "training",
        "--customers",
        "1000",
        "--months",
        "24",
        "-r",
        "4",
    ];
    // A loose target is met by the first batch.
    let (loose, _) = compare(&[&small[..], &["--precision", "1e9"]].concat());
    assert_eq!(reps(loose.path()), 4);
    // An impossible target stops at the maximum.
    let (capped, _) = compare(&[&small[..], &["--precision", "1", "--max-replications", "9"]].concat());
    assert_eq!(reps(capped.path()), 9);
    // A reachable target stops once every NPV interval is narrow enough.
    let (reached, c) = compare(&[&small[..], &["--precision", "1000", "--max-replications", "200"]].concat());
    let n = reps(reached.path());
    let npv = &c["comparisons"][0]["delta"]["npv"];
    let half = (npv["ci95"][1].as_f64().unwrap() - npv["ci95"][0].as_f64().unwrap()) / 2.0;
    assert!(n > 4 && n < 200 && half <= 1000.0, "{n} replications, +-{half}");
    // Batches equal one run of the final size.
    let (once, direct) = compare(&[
        "baseline",
        "training",
        "--customers",
        "1000",
        "--months",
        "24",
        "-r",
        &n.to_string(),
    ]);
    assert_eq!(reps(once.path()), n);
    assert_eq!(c, direct);
}
