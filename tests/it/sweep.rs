//! `spc sweep`: the long table has one row per point and replication, points
//! follow the design file, and results do not depend on the thread count.

use std::path::Path;

use crate::util::spc;

fn sweep(args: &[&str], out: &Path) {
    spc()
        .arg("sweep")
        .arg("baseline")
        .args(args)
        .args(["--customers", "1000", "--months", "36", "-q"])
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_grid_sweep_writes_one_row_per_point_and_replication_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let (one, two) = (dir.path().join("one"), dir.path().join("two"));
    let grid = [
        "--grid",
        "levers.training=0,1500",
        "--grid",
        "employees.capacity=800,1000,1200",
        "-r",
        "2",
    ];
    sweep(&[&grid[..], &["-j", "1", "--no-plots"]].concat(), &one);
    sweep(&[&grid[..], &["-j", "2"]].concat(), &two);
    let a = std::fs::read_to_string(one.join("sweep.csv")).unwrap();
    assert_eq!(a, std::fs::read_to_string(two.join("sweep.csv")).unwrap());
    let lines: Vec<&str> = a.lines().collect();
    assert!(lines[0].starts_with("point,levers.training,employees.capacity,replication,npv,"));
    assert_eq!(lines.len(), 1 + 2 * 3 * 2);
    assert!(lines[3].starts_with("1,0,1000,0,"), "{}", lines[3]);
    let summary = std::fs::read_to_string(two.join("sweep_summary.csv")).unwrap();
    assert_eq!(summary.lines().count(), 1 + 6);
    assert!(two.join("plots/sweep_heatmap_npv.svg").exists());
    assert!(two.join("report.html").exists());
}

#[test]
fn design_files_place_lhs_and_sobol_points_inside_their_ranges() {
    let dir = tempfile::tempdir().unwrap();
    for method in ["lhs", "sobol"] {
        let file = dir.path().join(format!("{method}.toml"));
        std::fs::write(
            &file,
            format!("[design]\nmethod = \"{method}\"\npoints = 5\n[params]\n\"levers.training\" = {{ min = 0, max = 2000 }}\n\"levers.staff\" = {{ min = 30, max = 40, step = 1 }}\n"),
        )
        .unwrap();
        let out = dir.path().join(method);
        sweep(&["--design", file.to_str().unwrap(), "-r", "1", "--no-plots"], &out);
        let mut r = csv::Reader::from_path(out.join("sweep.csv")).unwrap();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 5, "{method}");
        for row in rows {
            let t: f64 = row[1].parse().unwrap();
            let s: f64 = row[2].parse().unwrap();
            assert!(
                (0.0..=2000.0).contains(&t) && (30.0..=40.0).contains(&s) && s.fract() == 0.0,
                "{row:?}"
            );
        }
    }
}

#[test]
fn bad_grids_are_refused_with_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = spc()
        .args(["sweep", "baseline", "--grid", "levers.nothing=1,2", "--out"])
        .arg(dir.path())
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&out).contains("`levers.nothing` is not a numeric key"));
}
