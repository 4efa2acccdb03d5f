//! `spc validate`: the shipped calibration passes every stylized fact, and a
//! broken calibration fails the facts it breaks.

use serde_json::Value;

use crate::util::spc;

fn validate(args: &[&str]) -> (i32, Vec<Value>) {
    let out = spc().arg("validate").arg("--json").args(args).output().unwrap();
    let checks: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("JSON on stdout ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), checks.as_array().unwrap().clone())
}

fn verdicts(checks: &[Value]) -> Vec<(String, bool)> {
    checks
        .iter()
        .map(|c| (c["id"].as_str().unwrap().to_string(), c["pass"].as_bool().unwrap()))
        .collect()
}

#[test]
fn the_shipped_calibration_passes_all_ten_facts_for_two_seeds() {
    for seed in ["42", "7"] {
        let (code, checks) = validate(&["--seed", seed]);
        let v = verdicts(&checks);
        assert_eq!(v.len(), 10, "F1-F10");
        assert!(v.iter().all(|(_, pass)| *pass), "seed {seed}: {v:?}\n{checks:#?}");
        assert_eq!(code, 0);
        for c in &checks {
            for key in ["name", "measured", "target", "source"] {
                assert!(!c[key].as_str().unwrap_or("").is_empty(), "{key} of {}", c["id"]);
            }
        }
    }
}

#[test]
fn a_broken_calibration_fails_the_right_checks() {
    // No zone of tolerance: the same slope everywhere, so nothing is flat inside the zone.
    let (code, checks) = validate(&[
        "-r",
        "8",
        "--set",
        "satisfaction.slope_zone=0.7",
        "--set",
        "satisfaction.slope_above=0.7",
    ]);
    let v = verdicts(&checks);
    assert_eq!(code, 3, "{v:?}");
    assert!(v.contains(&("F1".to_string(), false)), "{v:?}");

    // A flat loyalty curve: top-box customers are no more loyal than the rest.
    let (code, checks) = validate(&["-r", "8", "--set", "loyalty.top=0.3"]);
    let v = verdicts(&checks);
    assert_eq!(code, 3);
    assert!(v.contains(&("F3".to_string(), false)), "{v:?}");
}
