//! `spc optimize`: finds the optimum of a brute-force sweep, never breaks the budget,
//! repeats for a seed and any thread count, and refuses bad levers files with exit 2.

use std::path::Path;

use serde_json::Value;

use crate::util::spc;

/// A small bank: 1,500 customers, 48 months, staff scaled with the customers.
const SMALL: [&str; 6] = ["--customers", "1500", "--months", "48", "--set", "levers.staff=6"];

fn levers(dir: &Path, text: &str) -> String {
    let file = dir.join("levers.toml");
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

fn optimize(args: &[&str], out: &Path) -> Value {
    spc()
        .arg("optimize")
        .arg("baseline")
        .args(args)
        .args(["-q", "--out"])
        .arg(out)
        .assert()
        .success();
    serde_json::from_str(&std::fs::read_to_string(out.join("optimization.json")).unwrap()).unwrap()
}

/// Training with a clear interior optimum: half its effect at 400 EUR/FTE/year.
const TRAINING: [&str; 8] = [
    "--customers",
    "2000",
    "--months",
    "60",
    "--set",
    "levers.staff=8",
    "--set",
    "employees.training_half_effect=400",
];

#[test]
fn with_one_lever_it_finds_the_optimum_of_a_sweep_within_one_grid_step() {
    let dir = tempfile::tempdir().unwrap();
    let grid: Vec<String> = (0..=10).map(|i| (i * 300).to_string()).collect();
    let file = levers(dir.path(), "[levers]\ntraining = { min = 0, max = 3000, step = 75 }\n");
    for seed in ["42", "7"] {
        let sweep = dir.path().join(format!("sweep{seed}"));
        spc()
            .args(["sweep", "baseline", "--grid"])
            .arg(format!("levers.training={}", grid.join(",")))
            .args(TRAINING)
            .args(["-r", "6", "--seed", seed, "-q", "--no-plots", "--out"])
            .arg(&sweep)
            .assert()
            .success();
        let mut r = csv::Reader::from_path(sweep.join("sweep_summary.csv")).unwrap();
        let rows: Vec<(f64, f64)> = r
            .records()
            .map(|row| {
                let row = row.unwrap();
                (row[1].parse().unwrap(), row[3].parse().unwrap())
            })
            .collect();
        let (best_training, best_npv) = rows
            .iter()
            .copied()
            .fold((f64::NAN, f64::NEG_INFINITY), |b, p| if p.1 > b.1 { p } else { b });
        assert!(best_training > 0.0 && best_training < 3000.0, "{rows:?}");
        let out = dir.path().join(format!("opt{seed}"));
        let o = optimize(
            &[
                &["--levers", file.as_str(), "-r", "6", "--seed", seed][..],
                &["--fresh", "4", "--finalists", "3"],
                &TRAINING[..],
            ]
            .concat(),
            &out,
        );
        // The search runs on the sweep's replications (0..6, same seed): same objective.
        let best = &o["search"]["best"];
        let found = best["levers"]["training"].as_f64().unwrap();
        // Near the sweep's best, or off the grid and better than every grid point: on a
        // flat top (here 1200-1800 within 0.2%) the finer search may rightly land a
        // little further away.
        let objective = best["objective"].as_f64().unwrap();
        assert!(
            (found - best_training).abs() <= 300.0 || objective >= best_npv,
            "seed {seed}: optimize found {found} ({objective}), the sweep's best is {best_training} ({best_npv}): {rows:?}"
        );
        // A candidate on the sweep's grid gets exactly the sweep's value (same replications).
        if let Some(&(_, at_found)) = rows.iter().find(|(t, _)| (*t - found).abs() < 1e-9) {
            assert!(
                (objective - at_found).abs() <= 1e-6 * at_found.abs(),
                "seed {seed}: objective {objective} at {found}, the sweep gives {at_found} (best {best_npv})"
            );
        }
        for f in ["optimize_search", "optimize_slices", "optimize_finalists"] {
            assert!(out.join(format!("plots/{f}.svg")).exists(), "{f}");
        }
        assert!(out.join("report.html").exists());
    }
}

#[test]
fn a_budget_is_never_exceeded_by_any_candidate() {
    let dir = tempfile::tempdir().unwrap();
    let file = levers(
        dir.path(),
        "[levers]\ntraining = { min = 0, max = 8000 }\nstaff = { min = 4, max = 12, step = 1 }\nrecovery = { min = 0, max = 100000 }\n",
    );
    let budget = 250_000.0;
    let o = optimize(
        &[
            &["--levers", file.as_str(), "--budget", "250000", "-r", "2"][..],
            &[
                "--fresh",
                "3",
                "--finalists",
                "3",
                "--max-evaluations",
                "30",
                "--no-plots",
            ],
            &SMALL[..],
        ]
        .concat(),
        &dir.path().join("out"),
    );
    let spend = |l: &Value| {
        let (t, s, r) = (
            l["training"].as_f64().unwrap(),
            l["staff"].as_f64().unwrap(),
            l["recovery"].as_f64().unwrap(),
        );
        // training EUR/FTE x staff + staff x salary 40,000 x pay index 1 + recovery EUR/year.
        t * s + s * 40_000.0 + r
    };
    let evaluations = o["evaluations"].as_array().unwrap();
    assert!(evaluations.len() > 10);
    let mut near = 0;
    for e in evaluations {
        let s = spend(&e["levers"]);
        assert!(s <= budget, "{e}");
        assert!((s - e["annual_spend"].as_f64().unwrap()).abs() < 1e-6, "{e}");
        near += usize::from(s > 0.97 * budget);
    }
    // The budget binds: the search works along it, so the bound is really tested.
    assert!(near >= 3, "only {near} candidates near the budget");
    for f in o["finalists"].as_array().unwrap() {
        assert!(spend(&f["levers"]) <= budget);
    }
    assert!(spend(&o["best"]["levers"]) <= budget);
}

#[test]
fn results_repeat_for_a_seed_and_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let file = levers(
        dir.path(),
        "[levers]\ntraining = { min = 0, max = 6000 }\nrecovery = { min = 0, max = 50000, step = 5000 }\n",
    );
    let args = [
        &["--levers", file.as_str(), "--objective", "p10_npv", "-r", "2"][..],
        &[
            "--fresh",
            "3",
            "--finalists",
            "2",
            "--max-evaluations",
            "16",
            "--no-plots",
        ],
        &["--customers", "1000", "--months", "36", "--seed", "9"],
    ]
    .concat();
    let text = |j: &str| {
        let out = dir.path().join(format!("j{j}"));
        let mut doc = optimize(&[&args[..], &["-j", j]].concat(), &out);
        doc.as_object_mut().unwrap().remove("elapsed_seconds");
        serde_json::to_string_pretty(&doc).unwrap()
    };
    let one = text("1");
    assert_eq!(one, text("2"));
    assert!(one.contains("\"objective\": \"p10_npv\""));
}

#[test]
fn bad_levers_files_and_budgets_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (text, extra, needle) in [
        (
            "[levers]\n\ntrainig = { min = 0, max = 1 }\n",
            None,
            "levers.toml:3: `trainig` is not a lever of scenario `baseline`; levers: training, staff",
        ),
        (
            "[levers]\nstaff = { min = 60, max = 30 }\n",
            None,
            "levers.toml:2: `staff` needs finite min < max",
        ),
        (
            "[levers]\nfollowup = { min = 0, max = 2 }\n",
            None,
            "levers.toml:2: `followup` ranges from 0 to 2; allowed: between 0 and 1",
        ),
        (
            "[levers]\ntraining = { dist = \"uniform\", min = 0, max = 10 }\n",
            None,
            "levers.toml:2: `training` is a distribution",
        ),
        (
            "[levers]\n\"employees.capacity\" = { min = 400, max = 500 }\n",
            None,
            "levers.toml:2: `employees.capacity` is not a lever",
        ),
        (
            "[levers]\nstaff = { min = 30, max = 60, step = 1 }\n",
            Some("1000"),
            "--budget 1000: the levers at their minimums already spend 1200000 EUR per year",
        ),
    ] {
        let file = levers(dir.path(), text);
        let mut cmd = spc();
        cmd.args(["optimize", "baseline", "--levers", file.as_str(), "--out"])
            .arg(dir.path().join("out"));
        if let Some(b) = extra {
            cmd.args(["--budget", b]);
        }
        let out = cmd.assert().code(2).get_output().stderr.clone();
        let err = String::from_utf8_lossy(&out);
        assert!(err.contains(needle), "{text}: {err}");
    }
    let file = levers(dir.path(), "[levers]\ntraining = { min = 0, max = 1000 }\n");
    let out = spc()
        .args([
            "optimize",
            "baseline",
            "--levers",
            file.as_str(),
            "--shard",
            "0/2",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("--shard cannot be used with optimize"));
    assert!(!dir.path().join("out").exists());
}
