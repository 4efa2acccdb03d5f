//! The baseline calibration reproduces stylized facts F2, F3 and F10 of
//! MODEL.md section 6, as statistical statements over 40 replications of the
//! full 10,000-customer, 120-month bank (no seed tuning: the default seed).

use crate::util::{mean, run, scenario_metric, summary};

#[test]
fn baseline_holds_f2_f3_and_f10() {
    let dir = run(&["baseline", "-r", "40"]);
    let s = summary(dir.path());
    // F2: satisfied yet churning, 60-90% of churners last reported 4 or 5; the whole 95% CI inside.
    let f2 = scenario_metric(&s, "baseline", "satisfied_churner_share");
    let (lo, hi) = (f2["ci95"][0].as_f64().unwrap(), f2["ci95"][1].as_f64().unwrap());
    assert!(lo > 0.60 && hi < 0.90, "F2: satisfied churner share CI [{lo}, {hi}]");
    // F3: annual churn of 4-rated customers at least 3x that of 5-rated ones.
    let (c4, c5) = (
        mean(&s, "baseline", "churn_rate_score4"),
        mean(&s, "baseline", "churn_rate_score5"),
    );
    assert!(c4 >= 3.0 * c5, "F3: churn score4 {c4} vs score5 {c5}");
    // F10: annual attrition 8-20%, mean reported satisfaction 3.3-4.3.
    let attrition = 1.0 - mean(&s, "baseline", "annual_retention");
    assert!((0.08..=0.20).contains(&attrition), "F10: attrition {attrition}");
    let sat = mean(&s, "baseline", "mean_satisfaction");
    assert!((3.3..=4.3).contains(&sat), "F10: mean satisfaction {sat}");
}
