//! Plots and the HTML report: written, valid, self-contained, robust to tiny runs.

use std::path::Path;

use crate::util::{run, spc};

const CHARTS: [&str; 8] = [
    "fan_active_customers",
    "fan_satisfaction",
    "fan_cumulative_profit",
    "npv_distribution",
    "churn_by_score",
    "quality_response",
    "churners_by_score",
    "chain_vs_baseline",
];

fn assert_chart(dir: &Path, stem: &str) {
    let png = std::fs::read(dir.join("plots").join(format!("{stem}.png"))).unwrap_or_else(|_| panic!("{stem}.png"));
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is a PNG");
    assert!(png.len() > 5_000, "{stem}.png has content");
    let svg = std::fs::read_to_string(dir.join("plots").join(format!("{stem}.svg"))).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{stem}.svg is an SVG document"
    );
    assert!(svg.contains("<text"), "{stem}.svg has labels");
}

fn assert_report(dir: &Path, charts: &[&str]) {
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(
        !html.contains("<script") && !html.contains("src=\"http") && !html.contains("href=\"http"),
        "self-contained"
    );
    for stem in charts {
        assert!(html.contains(&format!("id=\"{stem}\"")), "report shows {stem}");
    }
    assert_eq!(html.matches("<svg").count(), charts.len(), "every chart inlined once");
}

#[test]
fn a_run_writes_every_chart_as_png_and_svg_and_a_self_contained_report() {
    let dir = run(&[
        "baseline",
        "training",
        "cost_cutting",
        "-r",
        "3",
        "--customers",
        "800",
        "--months",
        "24",
    ]);
    for stem in CHARTS {
        assert_chart(dir.path(), stem);
    }
    assert_report(dir.path(), &CHARTS);
}

#[test]
fn tiny_runs_still_plot() {
    for args in [
        &[
            "baseline",
            "training",
            "-r",
            "1",
            "--customers",
            "200",
            "--months",
            "12",
        ][..],
        &["baseline", "training", "-r", "2", "--customers", "200", "--months", "1"][..],
    ] {
        let dir = run(args);
        for stem in CHARTS {
            assert_chart(dir.path(), stem);
        }
    }
    let single = run(&["baseline", "-r", "2", "--customers", "200", "--months", "6"]);
    let charts: Vec<&str> = CHARTS.iter().copied().filter(|c| *c != "chain_vs_baseline").collect();
    for stem in &charts {
        assert_chart(single.path(), stem);
    }
    assert_report(single.path(), &charts);
}

#[test]
fn no_plots_writes_only_data_and_compare_adds_its_charts() {
    let dir = run(&[
        "baseline",
        "-r",
        "1",
        "--customers",
        "200",
        "--months",
        "6",
        "--no-plots",
    ]);
    assert!(dir.path().join("summary.json").exists());
    assert!(!dir.path().join("plots").exists() && !dir.path().join("report.html").exists());

    let cmp = tempfile::tempdir().unwrap();
    spc()
        .args([
            "compare",
            "baseline",
            "training",
            "-r",
            "3",
            "--customers",
            "500",
            "--months",
            "24",
            "-q",
            "--out",
        ])
        .arg(cmp.path())
        .assert()
        .success();
    for stem in ["compare_cumulative_profit", "compare_npv_difference"] {
        assert_chart(cmp.path(), stem);
    }
    let html = std::fs::read_to_string(cmp.path().join("report.html")).unwrap();
    assert!(html.contains("Comparison with baseline"));
}
