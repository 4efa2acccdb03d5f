//! Exports for spreadsheet users: the columns of every CSV export, `results.xlsx` read back
//! with calamine (same sheets, same cells as the CSV files), the numbers agreeing with the
//! other outputs, and the scope of `--set` in `spc compare`.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::Value;

use crate::util::{run, spc, summary};

/// A CSV file as its header and rows of text cells.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn num(cell: &str) -> f64 {
    if cell.is_empty() {
        f64::NAN
    } else {
        cell.parse().unwrap_or_else(|_| panic!("`{cell}` is a number"))
    }
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name} in {header:?}"))
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The header of a per-month file: `key` columns, `month`, mean and quantiles of every series.
fn monthly_header(key: &[&str]) -> Vec<String> {
    let mut h = strings(key);
    h.push("month".into());
    for s in spc::metrics::Series::ALL {
        for stat in ["mean", "p5", "p25", "p50", "p75", "p95"] {
            h.push(format!("{}_{stat}", s.name()));
        }
    }
    h
}

/// Every sheet of `results.xlsx` equals the CSV file of its name, cell by cell; returns the names.
fn assert_workbook_matches_csv(dir: &Path) -> Vec<String> {
    let mut book: Xlsx<_> = open_workbook(dir.join("results.xlsx")).expect("results.xlsx opens");
    let names = book.sheet_names().to_vec();
    for name in &names {
        let range = book.worksheet_range(name).expect("sheet reads");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Float(f) => format!("{f}"),
                        Data::Int(i) => i.to_string(),
                        other => panic!("unexpected cell {other:?} in sheet {name}"),
                    })
                    .collect()
            })
            .collect();
        let csv_path = dir.join(format!("{name}.csv"));
        if !csv_path.exists() {
            assert_eq!(name, "summary", "only the summary sheet has no CSV file");
            assert_eq!(
                rows[0],
                strings(&[
                    "scenario",
                    "metric",
                    "mean",
                    "sd",
                    "p5",
                    "p50",
                    "p95",
                    "ci95_low",
                    "ci95_high"
                ])
            );
            continue;
        }
        let (header, csv_rows) = read_csv(&csv_path);
        assert_eq!(rows[0], header, "sheet {name}: header");
        assert_eq!(rows.len() - 1, csv_rows.len(), "sheet {name}: rows");
        for (i, (a, b)) in rows[1..].iter().zip(&csv_rows).enumerate() {
            for (x, y) in a.iter().zip(b) {
                let same = x == y || num(x).to_bits() == num(y).to_bits();
                assert!(same, "sheet {name} row {i}: `{x}` in the workbook, `{y}` in the CSV");
            }
        }
    }
    names
}

#[test]
fn compare_writes_every_export_with_its_columns_and_the_workbook_holds_them() {
    let dir = tempfile::tempdir().unwrap();
    spc()
        .args([
            "compare",
            "baseline",
            "training",
            "followup",
            "--customers",
            "400",
            "--months",
            "30",
            "-r",
            "4",
            "--no-plots",
            "-q",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let d = dir.path();
    let json: Value = serde_json::from_str(&std::fs::read_to_string(d.join("comparison.json")).unwrap()).unwrap();
    let sum = summary(d);
    let metrics: Vec<&str> = spc::metrics::Metric::ALL.iter().map(|m| m.name()).collect();

    // comparison.csv: tidy, one row per alternative and metric, the chain first.
    let (h, rows) = read_csv(&d.join("comparison.csv"));
    assert_eq!(h, strings(&spc::output::export::COMPARISON_COLUMNS));
    assert_eq!(rows.len(), 2 * (metrics.len() + 4));
    let chain: Vec<&str> = rows[..9].iter().map(|r| r[col(&h, "metric")].as_str()).collect();
    assert_eq!(
        chain,
        [
            "mean_delivered_quality",
            "mean_satisfaction",
            "top_box_share",
            "mean_loyalty",
            "annual_retention",
            "final_customers",
            "revenue",
            "total_cost",
            "npv"
        ]
    );
    for (a, alt) in ["training", "followup"].iter().enumerate() {
        let mine: Vec<&Vec<String>> = rows.iter().filter(|r| r[1] == *alt).collect();
        assert!(mine.iter().all(|r| r[0] == "baseline"));
        let row = |m: &str| *mine.iter().find(|r| r[2] == m).unwrap_or_else(|| panic!("{alt} {m}"));
        let names: Vec<&str> = mine.iter().map(|r| r[2].as_str()).collect();
        for m in metrics.iter().chain(&spc::output::export::DECISION_ROWS) {
            assert_eq!(names.iter().filter(|n| *n == m).count(), 1, "{alt}: one row of {m}");
        }
        let c = &json["comparisons"][a];
        let npv = row("npv");
        let close = |x: f64, y: f64| (x - y).abs() <= 1e-9 * y.abs().max(1.0);
        assert!(close(
            num(&npv[col(&h, "difference")]),
            c["delta"]["npv"]["mean"].as_f64().unwrap()
        ));
        assert!(close(
            num(&npv[col(&h, "ci95_low")]),
            c["delta"]["npv"]["ci95"][0].as_f64().unwrap()
        ));
        assert!(close(
            num(&npv[col(&h, "share_positive")]),
            c["p_better"].as_f64().unwrap()
        ));
        assert!(close(
            num(&row("p_better")[col(&h, "difference")]),
            c["p_better"].as_f64().unwrap()
        ));
        let base_mean = |m: &str| sum["scenarios"][0]["metrics"][m]["mean"].as_f64().unwrap();
        assert!(close(
            num(&row("revenue")[col(&h, "baseline_mean")]),
            base_mean("revenue")
        ));
        // The chain's links in comparison.json, in the same order.
        let links: Vec<&str> = c["chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["metric"].as_str().unwrap())
            .collect();
        assert_eq!(links, chain);
        // Cost is revenue minus profit, per replication and so on average.
        let cost = num(&row("total_cost")[col(&h, "alternative_mean")]);
        let (rev, profit) = (
            num(&row("revenue")[col(&h, "alternative_mean")]),
            num(&row("cumulative_profit")[col(&h, "alternative_mean")]),
        );
        assert!(close(cost, rev - profit), "{cost} against {rev} - {profit}");
        let loyalty = num(&row("mean_loyalty")[col(&h, "alternative_mean")]);
        assert!((0.0..=1.0).contains(&loyalty), "loyalty {loyalty}");
    }

    // monthly_differences.csv: per alternative and month; the last month's customer difference
    // is the difference in final customers.
    let (h, rows) = read_csv(&d.join("monthly_differences.csv"));
    assert_eq!(h, monthly_header(&["baseline", "alternative"]));
    assert_eq!(rows.len(), 2 * 30);
    let last = rows.iter().find(|r| r[1] == "training" && r[2] == "30").unwrap();
    let (ch, crows) = read_csv(&d.join("comparison.csv"));
    let final_diff = crows
        .iter()
        .find(|r| r[1] == "training" && r[2] == "final_customers")
        .map(|r| num(&r[col(&ch, "difference")]))
        .unwrap();
    assert!((num(&last[col(&h, "active_customers_mean")]) - final_diff).abs() < 1e-9);

    // yearly.csv: per scenario, year and item; the years' profits add up to the horizon's.
    let (h, rows) = read_csv(&d.join("yearly.csv"));
    assert_eq!(
        h,
        strings(&[
            "scenario", "year", "months", "item", "mean", "p5", "p25", "p50", "p75", "p95"
        ])
    );
    let items = [
        "customers",
        "revenue",
        "cost_to_serve",
        "complaint_handling",
        "acquisition",
        "marketing",
        "salaries",
        "hiring",
        "investment",
        "overhead",
        "total_cost",
        "profit",
    ];
    assert_eq!(
        rows.len(),
        3 * 3 * items.len(),
        "3 scenarios x 3 years (12, 12, 6 months)"
    );
    let base: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "baseline").collect();
    assert_eq!(
        base.iter().take(items.len()).map(|r| r[3].as_str()).collect::<Vec<_>>(),
        items
    );
    assert_eq!(base.last().unwrap()[2], "6", "the last year is 6 months long");
    let profit: f64 = base.iter().filter(|r| r[3] == "profit").map(|r| num(&r[4])).sum();
    let want = sum["scenarios"][0]["metrics"]["cumulative_profit"]["mean"]
        .as_f64()
        .unwrap();
    assert!((profit - want).abs() <= 1e-6 * want.abs(), "{profit} against {want}");

    // inputs.csv: the uncertain key of the scenarios, drawn per replication, common to all.
    let (h, rows) = read_csv(&d.join("inputs.csv"));
    assert_eq!(
        h,
        strings(&["scenario", "replication", "employees.training_capability"])
    );
    assert_eq!(rows.len(), 3 * 4);
    let drawn = |s: &str| -> Vec<f64> { rows.iter().filter(|r| r[0] == s).map(|r| num(&r[2])).collect() };
    let b = drawn("baseline");
    assert!(
        b.iter().all(|v| (0.15..=0.35).contains(v)),
        "{b:?} within the pert's range"
    );
    assert!(b.windows(2).any(|w| w[0] != w[1]), "draws differ across replications");
    assert_eq!(
        b,
        drawn("training"),
        "common random numbers: the same draw in the same replication"
    );

    let sheets = assert_workbook_matches_csv(d);
    assert_eq!(
        sheets,
        strings(&[
            "comparison",
            "monthly_differences",
            "summary",
            "yearly",
            "inputs",
            "replications",
            "monthly"
        ])
    );
}

#[test]
fn run_writes_the_run_exports_and_no_comparison() {
    let dir = run(&[
        "baseline",
        "cost_cutting",
        "--customers",
        "300",
        "--months",
        "12",
        "-r",
        "2",
        "--no-plots",
    ]);
    let d = dir.path();
    assert!(!d.join("comparison.csv").exists() && !d.join("monthly_differences.csv").exists());
    let (h, rows) = read_csv(&d.join("monthly.csv"));
    assert_eq!(h, monthly_header(&["scenario"]));
    assert_eq!(rows.len(), 2 * 12);
    let sheets = assert_workbook_matches_csv(d);
    assert_eq!(
        sheets,
        strings(&["summary", "yearly", "inputs", "replications", "monthly"])
    );
    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(d.join("manifest.json")).unwrap()).unwrap();
    for f in ["yearly.csv", "inputs.csv", "results.xlsx"] {
        assert!(
            manifest["files"].as_array().unwrap().iter().any(|x| x == f),
            "{f} recorded"
        );
    }
}

fn verdict_of(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = spc()
        .arg("compare")
        .args(args)
        .args(["--customers", "300", "--months", "12", "-r", "3", "--no-plots", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn set_applies_to_every_scenario_or_to_the_one_it_names() {
    // Training's lever set back to the baseline's value: the two are the same bank.
    let same = verdict_of(&["baseline", "training", "--set", "training:levers.training=1000"]);
    assert!(same.contains("training: identical to the baseline"), "{same}");
    assert!(!same.contains("unclear"), "{same}");
    // Set for every scenario, the lever makes them the same bank too.
    let all = verdict_of(&["baseline", "training", "--set", "levers.training=1000"]);
    assert!(all.contains("training: identical to the baseline"), "{all}");
    // Set for the baseline only, training differs again.
    let base = verdict_of(&["baseline", "training", "--set", "baseline:levers.training=3000"]);
    assert!(base.contains("training: identical to the baseline"), "{base}");
    let apart = verdict_of(&["baseline", "training", "--set", "baseline:levers.training=0"]);
    assert!(!apart.contains("identical"), "{apart}");
    // A scope that names no scenario of the run.
    let out = spc()
        .args([
            "compare",
            "baseline",
            "training",
            "--set",
            "trainig:levers.training=1",
            "--out",
        ])
        .arg(tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("no scenario named `trainig`") && err.contains("baseline, training"),
        "{err}"
    );
}
