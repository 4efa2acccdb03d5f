//! `spc sensitivity`: the tornado is a paired comparison, Sobol' indices find
//! the key that drives NPV, and bad input is refused with file, line and key.

use std::path::Path;

use serde_json::Value;

use crate::util::{scenario, spc};

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write test file");
    p
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("file exists")).expect("valid JSON")
}

const SMALL: [&str; 8] = [
    "--customers",
    "1000",
    "--months",
    "36",
    "--seed",
    "11",
    "-q",
    "--no-plots",
];

#[test]
fn tornado_delta_equals_a_paired_compare_of_the_two_set_runs_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let params = write(
        dir.path(),
        "p.toml",
        "[params]\n\"levers.training\" = { min = 0, max = 2000 }\n",
    );
    let out = dir.path().join("sens");
    spc()
        .args(["sensitivity", "baseline", "--method", "tornado", "-r", "6", "--params"])
        .arg(&params)
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let base = scenario("baseline");
    let ext = format!("extends = {:?}\n[levers]\n", base.display().to_string());
    let low = write(dir.path(), "low.toml", &format!("{ext}training = 0\n"));
    let high = write(dir.path(), "high.toml", &format!("{ext}training = 2000\n"));
    let cmp = dir.path().join("cmp");
    spc()
        .arg("compare")
        .arg(&low)
        .arg(&high)
        .args(["-r", "6"])
        .args(SMALL)
        .arg("--out")
        .arg(&cmp)
        .assert()
        .success();
    let s = json(&out.join("sensitivity.json"));
    let c = json(&cmp.join("comparison.json"));
    let bar = &s["keys"]["levers.training"];
    let paired = &c["comparisons"][0]["delta"]["npv"];
    assert_eq!(
        bar["delta"]["value"].as_f64(),
        paired["mean"].as_f64(),
        "{bar} vs {paired}"
    );
    assert_eq!(bar["delta"]["ci95"], paired["ci95"]);
    assert_eq!(s["method"], "tornado");
    assert_eq!(s["runs"], 3 * 6);
    let runs = std::fs::read_to_string(out.join("sensitivity_runs.csv")).unwrap();
    assert!(runs.starts_with("run,levers.training,replication,npv,"), "{runs:.80}");
    assert_eq!(runs.lines().count(), 1 + 3 * 6);
}

#[test]
fn sobol_indices_single_out_the_key_that_drives_npv() {
    let dir = tempfile::tempdir().unwrap();
    // Salary moves NPV by millions; training by far less; the ambience gain has
    // no effect at all while the baseline spends nothing on ambience.
    let params = write(
        dir.path(),
        "p.toml",
        "[params]\n\"employees.salary\" = { min = 30000, max = 60000 }\n\"levers.training\" = { min = 0, max = 1000 }\n\"quality.ambience_gain\" = { min = 0, max = 2 }\n",
    );
    let out = dir.path().join("sobol");
    spc()
        .args([
            "sensitivity",
            "baseline",
            "--method",
            "sobol",
            "-n",
            "64",
            "-r",
            "2",
            "--params",
        ])
        .arg(&params)
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let s = json(&out.join("sensitivity.json"));
    let k = |key: &str, what: &str| s["keys"][key][what].clone();
    let v = |e: Value| e["value"].as_f64().unwrap();
    let salary_first = v(k("employees.salary", "first_order"));
    assert!(salary_first > 0.8, "salary S1 {salary_first}");
    for other in ["levers.training", "quality.ambience_gain"] {
        assert!(
            v(k(other, "total")) < 0.2 * salary_first,
            "{other}: {}",
            k(other, "total")
        );
    }
    for what in ["first_order", "total"] {
        let ci = k("quality.ambience_gain", what)["ci95"].clone();
        let (lo, hi) = (ci[0].as_f64().unwrap(), ci[1].as_f64().unwrap());
        assert!(lo <= 0.0 && 0.0 <= hi, "ambience {what} interval {ci}");
    }
    assert_eq!(s["runs"], 64 * 5 * 2);
    let noise = s["noise_share"].as_f64().unwrap();
    assert!((0.0..0.5).contains(&noise), "noise share {noise}");
}

#[test]
fn morris_screens_and_bad_params_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let params = write(
        dir.path(),
        "p.toml",
        "[params]\n\"employees.salary\" = { min = 30000, max = 60000 }\n\"quality.ambience_gain\" = { min = 0, max = 2 }\n",
    );
    let out = dir.path().join("morris");
    spc()
        .args([
            "sensitivity",
            "baseline",
            "--method",
            "morris",
            "-n",
            "4",
            "-r",
            "1",
            "--params",
        ])
        .arg(&params)
        .args(SMALL)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let s = json(&out.join("sensitivity.json"));
    assert!(s["keys"]["employees.salary"]["mu_star"]["value"].as_f64().unwrap() > 1e5);
    assert_eq!(
        s["keys"]["quality.ambience_gain"]["mu_star"]["value"].as_f64(),
        Some(0.0)
    );
    assert_eq!(s["noise_share"], Value::Null);

    let bad = write(
        dir.path(),
        "bad.toml",
        "[params]\n\n\"levers.followup\" = { min = 0, max = 3 }\n",
    );
    let err = spc()
        .args(["sensitivity", "baseline", "--params"])
        .arg(&bad)
        .args(SMALL)
        .arg("--out")
        .arg(dir.path().join("x"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8_lossy(&err);
    assert!(err.contains("bad.toml:3: `levers.followup`"), "{err}");
    assert!(!dir.path().join("x").join("sensitivity.json").exists());
}
