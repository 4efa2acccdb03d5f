//! The shipped scenarios rank the way a banker would expect. Differences are
//! paired by replication (common random numbers), so 30 replications suffice.

use crate::util::{column, run};

fn paired_mean_and_half_width(a: &[f64], b: &[f64]) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = d.len() as f64;
    let m = d.iter().sum::<f64>() / n;
    let sd = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    (m, 2.05 * sd / n.sqrt())
}

#[test]
fn cost_cutting_loses_npv_and_inside_zone_spending_buys_little_retention() {
    let dir = run(&[
        "baseline",
        "cost_cutting",
        "inside_zone",
        "recovery",
        "followup",
        "-r",
        "30",
    ]);
    let p = dir.path();
    let (d_npv, half) = paired_mean_and_half_width(&column(p, "cost_cutting", "npv"), &column(p, "baseline", "npv"));
    assert!(d_npv + half < 0.0, "cost cutting changes NPV by {d_npv} +- {half}");
    let gain = |s: &str| {
        paired_mean_and_half_width(
            &column(p, s, "annual_retention"),
            &column(p, "baseline", "annual_retention"),
        )
    };
    let (inside, _) = gain("inside_zone");
    for other in ["recovery", "followup"] {
        let (g, h) = gain(other);
        assert!(g - h > 0.0, "{other} raises retention: {g} +- {h}");
        assert!(inside < g / 3.0, "inside-zone gain {inside} vs {other} {g}");
    }
}
