//! `--shard K/N` and `spc merge`: shards merged give the unsharded files byte
//! for byte (but for elapsed time, threads and command line), and shards that do
//! not belong together are refused.

use std::path::{Path, PathBuf};

use crate::util::spc;

/// Lines of JSON files that may differ between a merged and an unsharded run.
const EXEMPT: [&str; 4] = [
    "\"elapsed_seconds\":",
    "\"customer_months_per_second\":",
    "\"threads\":",
    "\"command_line\":",
];

/// Every file under `dir`, relative to it, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("readable folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).expect("under base").to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Asserts that `merged` holds the same files as `whole`, byte-identical except the
/// exempt lines of JSON files and the run note of report.html.
pub fn assert_same_files(whole: &Path, merged: &Path) {
    let names = files(whole);
    assert_eq!(names, files(merged), "the merged folder holds other files");
    assert!(
        names.iter().any(|n| n.extension().is_some_and(|e| e == "csv")),
        "no data file in {}",
        whole.display()
    );
    for name in names {
        let (a, b) = (
            std::fs::read(whole.join(&name)).unwrap(),
            std::fs::read(merged.join(&name)).unwrap(),
        );
        let kept = |bytes: &[u8]| -> Vec<u8> {
            match name.extension().and_then(|e| e.to_str()) {
                Some("json") | Some("html") => String::from_utf8_lossy(bytes)
                    .lines()
                    .filter(|l| {
                        let t = l.trim_start();
                        !EXEMPT.iter().any(|e| t.starts_with(e)) && !t.contains("customer-months simulated in")
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes(),
                _ => bytes.to_vec(),
            }
        };
        assert!(
            kept(&a) == kept(&b),
            "{} differs between the unsharded and the merged run",
            name.display()
        );
    }
}

/// Runs `spc ARGS --out DIR -q` and returns DIR.
fn spc_out(args: &[&str], dir: &Path) -> PathBuf {
    spc().args(args).arg("--out").arg(dir).arg("-q").assert().success();
    dir.to_path_buf()
}

/// Runs `args` unsharded and as `n` shards merged; asserts the files agree.
fn merged_equals_unsharded(args: &[&str], n: u32) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = spc_out(args, &tmp.path().join("whole"));
    let shards: Vec<PathBuf> = (0..n)
        .map(|k| {
            let shard = format!("{k}/{n}");
            spc_out(
                &[args, &["--shard", &shard]].concat(),
                &tmp.path().join(format!("shard-{k}")),
            )
        })
        .collect();
    let merged = tmp.path().join("merged");
    // Any order of the shard folders.
    let mut given = shards.clone();
    given.reverse();
    let mut merge = spc();
    merge.arg("merge").args(&given).arg("--out").arg(&merged).arg("-q");
    if args.contains(&"--no-plots") {
        merge.arg("--no-plots");
    }
    merge.assert().success();
    assert_same_files(&whole, &merged);
}

#[test]
fn a_run_in_three_shards_merges_into_the_unsharded_files_charts_included() {
    merged_equals_unsharded(
        &[
            "run",
            "baseline",
            "training",
            "--customers",
            "400",
            "--months",
            "18",
            "-r",
            "5",
            "--seed",
            "9",
        ],
        3,
    );
}

#[test]
fn a_comparison_in_four_shards_merges_into_the_unsharded_files() {
    merged_equals_unsharded(
        &[
            "compare",
            "baseline",
            "training",
            "followup",
            "--customers",
            "400",
            "--months",
            "24",
            "-r",
            "6",
            "--no-plots",
        ],
        4,
    );
}

#[test]
fn shards_that_do_not_belong_together_are_refused_with_a_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let base = [
        "run",
        "baseline",
        "--customers",
        "200",
        "--months",
        "6",
        "-r",
        "4",
        "--no-plots",
    ];
    let shard = |extra: &[&str], k: &str, name: &str| {
        spc_out(&[&base[..], extra, &["--shard", k]].concat(), &tmp.path().join(name))
    };
    let s0 = shard(&[], "0/2", "s0");
    let s1 = shard(&[], "1/2", "s1");
    let seed = shard(&["--seed", "7"], "1/2", "seed");
    let set = shard(&["--set", "levers.training=2000"], "1/2", "set");
    let three = shard(&[], "1/3", "three");
    let refused = |dirs: &[&PathBuf], says: &str| {
        let out = spc()
            .arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(tmp.path().join("merged"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{says}: {err}");
        assert!(err.contains(says), "expected `{says}` in: {err}");
    };
    refused(&[&s0, &seed], "seed 42 against 7");
    refused(&[&s0, &set], "parameters differ");
    refused(&[&s0, &three], "shard count 2 against 3");
    refused(&[&s0], "shard 1/2 missing");
    refused(&[&s0, &s1, &s1], "given twice");
    refused(&[&s0, &tmp.path().to_path_buf()], "not a shard folder");
    assert!(!tmp.path().join("merged").exists(), "a refused merge wrote nothing");
    // A bad spec and --precision with --shard are refused before anything runs.
    spc().args(base).args(["--shard", "2/2"]).assert().code(2);
    spc()
        .args([
            "compare",
            "baseline",
            "training",
            "--precision",
            "1000",
            "--shard",
            "0/2",
        ])
        .assert()
        .code(2);
}

#[test]
fn a_sweep_in_three_shards_merges_into_the_unsharded_files_charts_included() {
    merged_equals_unsharded(
        &[
            "sweep",
            "baseline",
            "--grid",
            "levers.training=0,1500,3000",
            "--grid",
            "levers.staff=36,44",
            "--customers",
            "300",
            "--months",
            "12",
            "-r",
            "3",
        ],
        3,
    );
}

#[test]
fn a_paired_sobol_study_in_two_shards_merges_into_the_unsharded_files() {
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("params.toml");
    std::fs::write(
        &params,
        "[params]\n\"levers.training\" = { min = 0, max = 3000 }\n\
         \"churn.competitive\" = { dist = \"pert\", min = 0.002, mode = 0.004, max = 0.008 }\n",
    )
    .unwrap();
    let params = params.to_string_lossy();
    merged_equals_unsharded(
        &[
            "sensitivity",
            "baseline",
            "followup",
            "--method",
            "sobol",
            "-n",
            "4",
            "--params",
            &params,
            "--customers",
            "300",
            "--months",
            "12",
            "-r",
            "2",
        ],
        2,
    );
}
