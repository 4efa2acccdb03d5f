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
    assert!(
        svg.contains("@font-face{font-family:'DejaVu Sans'") && svg.contains("font-family=\"DejaVu Sans\""),
        "{stem}.svg embeds and uses its font"
    );
    assert!(!svg.contains("sans-serif\""), "{stem}.svg names no generic font");
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
    assert_eq!(html.matches("@font-face").count(), 1, "the font embedded once");
    assert_headings_unique(&html);
}

/// The texts of every `<tag>` element of a page.
fn elements<'a>(html: &'a str, tag: &str) -> Vec<&'a str> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    html.split(open.as_str())
        .skip(1)
        .filter_map(|s| s.split_once(close.as_str()).map(|(t, _)| t))
        .collect()
}

/// No heading appears twice, and no heading repeats a chart's title (the title is in the chart).
fn assert_headings_unique(html: &str) {
    let headings: Vec<&str> = ["h1", "h2", "h3"].iter().flat_map(|t| elements(html, t)).collect();
    let mut seen = std::collections::HashSet::new();
    for h in &headings {
        assert!(seen.insert(*h), "heading `{h}` appears twice");
    }
    let titles: Vec<&str> = html
        .split("aria-label=\"")
        .skip(1)
        .filter_map(|s| s.split_once('"').map(|(t, _)| t))
        .collect();
    assert!(!titles.is_empty(), "figures carry their titles");
    for t in titles {
        assert!(!headings.contains(&t), "the chart title `{t}` is repeated as a heading");
    }
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
    assert!(html.contains("<h2>Decision against baseline</h2>"));
    assert_headings_unique(&html);
    let tables = elements(&html, "table");
    assert_eq!(tables.len(), 3, "summary, decision and chain as HTML tables");
    for link in [
        "quality",
        "score",
        "top box pt",
        "loyalty",
        "retention pt",
        "customers",
        "revenue MEUR",
        "cost MEUR",
        "NPV MEUR",
    ] {
        assert!(
            tables[2].contains(&format!("<th>{link}</th>")),
            "the chain table shows {link}"
        );
    }
    assert_eq!(
        tables[2].matches("<tr class=\"ci\"><td>95% CI ±</td><td>±").count(),
        1,
        "an interval row"
    );
    assert!(!html.contains("<pre>"), "no text dumps");
    assert!(html.contains("<ul class=\"verdicts\"><li>"), "verdicts as a list");
}

/// The report of the default run (every shipped scenario over 120 months; the size does not grow
/// with customers or replications) stays under 1 MB, with every comparison chart included.
#[test]
fn the_report_of_every_shipped_scenario_stays_under_one_megabyte() {
    let dir = tempfile::tempdir().unwrap();
    let files = spc::scenario::discover(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")).unwrap();
    assert_eq!(files.len(), 10, "the default run has ten scenarios");
    spc()
        .arg("compare")
        .args(&files)
        .args(["-r", "3", "--customers", "300", "-q", "--out"])
        .arg(dir.path())
        .assert()
        .success();
    let size = std::fs::metadata(dir.path().join("report.html")).unwrap().len();
    assert!(size < 1_000_000, "report.html is {size} bytes");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_headings_unique(&html);
}

/// Charts and tables call a scenario by its `label`; without one, by its name with spaces.
#[test]
fn labels_default_to_the_name_with_spaces_and_are_not_inherited() {
    let dir = tempfile::tempdir().unwrap();
    let base = crate::util::scenario("baseline");
    let parent = dir.path().join("parent.toml");
    std::fs::write(
        &parent,
        format!(
            "extends = {:?}\nname = \"more_training\"\nlabel = \"Triple training\"\n",
            base.display().to_string()
        ),
    )
    .unwrap();
    let child = dir.path().join("child.toml");
    std::fs::write(&child, "extends = \"parent.toml\"\nname = \"cost_cutting_plus\"\n").unwrap();
    let load = |p: &Path| spc::scenario::Scenario::load(p, &[]).unwrap();
    assert_eq!(load(&parent).label(), "Triple training");
    assert_eq!(load(&child).label(), "cost cutting plus");
    let set: spc::Override = "label=Plan B".parse().unwrap();
    assert_eq!(spc::scenario::Scenario::load(&child, &[set]).unwrap().label(), "Plan B");
}
