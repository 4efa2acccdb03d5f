//! `spc lesson`: every lesson runs as a trainer would, tells its story and draws its charts.

use predicates::str::contains;

use crate::util::spc;

const LESSONS: [&str; 5] = [
    "indifference-zone",
    "satisfied-churn",
    "top-box",
    "service-recovery",
    "cycle-of-failure",
];

#[test]
fn lesson_lists_every_lesson_with_one_line() {
    let out = spc().arg("lesson").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for name in LESSONS {
        assert!(
            text.lines().any(|l| l.starts_with(name) && l.len() > name.len() + 10),
            "{name} listed: {text}"
        );
    }
}

#[test]
fn every_lesson_runs_tells_its_story_and_draws_its_charts() {
    for name in LESSONS {
        let dir = tempfile::tempdir().unwrap();
        let out = spc().args(["lesson", name, "--out"]).arg(dir.path()).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(
            text.contains("Source: ") && text.contains("For discussion: "),
            "{name}: {text}"
        );
        assert!(
            !text.contains("Caution:"),
            "{name}: a claim failed with the lesson's own defaults:\n{text}"
        );
        assert!(
            !text.contains('{') && !text.contains("n/a"),
            "{name}: every placeholder filled:\n{text}"
        );
        let plots: Vec<_> = std::fs::read_dir(dir.path().join("plots")).unwrap().collect();
        assert!(plots.len() >= 2, "{name}: charts written");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("lesson.txt")).unwrap().trim(),
            text.lines()
                .take_while(|l| !l.starts_with("Charts and data"))
                .collect::<Vec<_>>()
                .join("\n")
                .trim()
        );
    }
}

#[test]
fn lessons_are_deterministic_by_default_and_accept_a_seed() {
    let run = |extra: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let out = spc()
            .args(["lesson", "top-box", "--no-plots", "--out"])
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with("Charts and data"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (a, b) = (run(&[]), run(&["-j", "1"]));
    assert_eq!(a, b);
    assert_ne!(a, run(&["--seed", "5", "-r", "3", "--customers", "3000"]));
}

#[test]
fn an_unknown_lesson_is_a_clear_error() {
    spc()
        .args(["lesson", "no-such-lesson"])
        .assert()
        .code(2)
        .stderr(contains("available: cycle-of-failure"));
}

#[test]
fn lesson_set_changes_every_scenario_or_the_one_named_and_the_story_follows() {
    let dir = tempfile::tempdir().unwrap();
    // At the baseline's size: its staff is written per customers (40 FTE per 10,000), so the
    // story's "from" is 40 only for a bank of 10,000.
    let cut = "cuts:levers.staff=[{ from_month = 0, value = 40 }, { from_month = 24, value = 36 }]";
    let out = spc()
        .args([
            "lesson",
            "cycle-of-failure",
            "--no-plots",
            "-r",
            "2",
            "--customers",
            "10000",
        ])
        .args(["--set", cut, "--set", "levers.pay_index=1.1", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        text.contains("from 40 to 36 people"),
        "the story tells the cut as set:\n{text}"
    );
    let manifest = std::fs::read_to_string(dir.path().join("manifest.json")).unwrap();
    assert_eq!(
        manifest.matches("\"pay_index\": 1.1").count(),
        2,
        "a --set without a scenario edits both"
    );
    spc()
        .args(["lesson", "cycle-of-failure", "--set", "nobody:levers.staff=3"])
        .assert()
        .code(2)
        .stderr(contains("has no scenario `nobody`; its scenarios: today, cuts"));
}
