//! The golden run: a small fixed-seed run of every shipped scenario whose
//! `replications.csv` and `monthly.csv` are checked in under `tests/golden/`.
//!
//! Any change of results, however small, fails here. A change that is meant to
//! move results updates the files in a commit of its own that says why:
//! `SPC_BLESS_GOLDEN=1 cargo test --release --test it golden` rewrites them.

use std::path::Path;

use crate::util::run;

/// The run the golden files hold: every file in scenarios/, small and short.
const ARGS: [&str; 9] = [
    "--customers",
    "600",
    "--months",
    "36",
    "-r",
    "3",
    "--seed",
    "2026",
    "--no-plots",
];

const FILES: [&str; 2] = ["replications.csv", "monthly.csv"];

fn golden_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("golden")
}

/// The first line where `got` and `want` differ, for a readable failure.
fn first_difference(got: &str, want: &str) -> String {
    for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
        if g != w {
            return format!("line {}:\n  got:  {g}\n  want: {w}", i + 1);
        }
    }
    format!("{} lines against {}", got.lines().count(), want.lines().count())
}

#[test]
fn every_shipped_scenario_gives_the_checked_in_results() {
    let out = run(&ARGS);
    let bless = std::env::var_os("SPC_BLESS_GOLDEN").is_some();
    for name in FILES {
        let got = std::fs::read_to_string(out.path().join(name)).expect("the run wrote the file");
        let path = golden_dir().join(name);
        if bless {
            std::fs::write(&path, &got).expect("golden file written");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{} cannot be read ({e}); bless it with SPC_BLESS_GOLDEN=1",
                path.display()
            )
        });
        assert!(
            got == want,
            "{name} differs from tests/golden/{name} at {}\nIf the change of results is intended, rerun with \
             SPC_BLESS_GOLDEN=1 and commit the files on their own, saying why.",
            first_difference(&got, &want)
        );
    }
}
