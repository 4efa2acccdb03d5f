//! The real `spc` binary on a real Slurm cluster: the single-node cluster that
//! `scripts/test` starts (`scripts/slurm-local`). Without it these tests fail
//! and say so; they never skip.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The cluster named by `SLURM_CONF`, checked to be usable.
pub struct Slurm {
    conf: PathBuf,
}

impl Slurm {
    /// The cluster of this test run; fails the test when there is none.
    pub fn require() -> Slurm {
        let hint = "run the tests with scripts/test, which installs Slurm and starts a local cluster";
        let conf = std::env::var_os("SLURM_CONF")
            .map(PathBuf::from)
            .unwrap_or_else(|| panic!("SLURM_CONF is not set: {hint}"));
        assert!(conf.is_file(), "SLURM_CONF={} is not a file: {hint}", conf.display());
        let found = Command::new("sbatch").arg("--version").output();
        assert!(
            found.as_ref().is_ok_and(|o| o.status.success()),
            "sbatch cannot be run ({found:?}): {hint}"
        );
        Slurm { conf }
    }

    /// Runs the shell command line `wrap` as array tasks `0..tasks` (each sees its index in
    /// `$SLURM_ARRAY_TASK_ID`), from the crate root, and waits for all of them. Task logs go
    /// to `logs/slurm-JOB_TASK.out`; if any task fails the test fails and shows them.
    pub fn array_wait(&self, tasks: u32, wrap: &str, logs: &Path) {
        std::fs::create_dir_all(logs).expect("log folder");
        let out = Command::new("sbatch")
            .env("SLURM_CONF", &self.conf)
            .arg(format!("--array=0-{}", tasks - 1))
            .args(["--wait", "--time=10", "--job-name=spc-test"])
            .arg(format!("--chdir={}", env!("CARGO_MANIFEST_DIR")))
            .arg(format!("--output={}/slurm-%A_%a.out", logs.display()))
            .arg(format!("--wrap={wrap}"))
            .output()
            .expect("sbatch runs");
        assert!(
            out.status.success(),
            "sbatch --wait failed ({}): {}{}\ntask logs:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            task_logs(logs)
        );
    }
}

impl Slurm {
    /// Runs `sbatch --parsable ARGS` (add `--wait` to wait for the job) and returns the job id;
    /// fails the test with sbatch's message and the logs in `logs` if it fails.
    pub fn sbatch(&self, args: &[&std::ffi::OsStr], logs: &Path) -> String {
        let out = Command::new("sbatch")
            .env("SLURM_CONF", &self.conf)
            .arg("--parsable")
            .args(args)
            .output()
            .expect("sbatch runs");
        assert!(
            out.status.success(),
            "sbatch {args:?} failed ({}): {}\nlogs:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr),
            task_logs(logs)
        );
        let id = String::from_utf8_lossy(&out.stdout);
        id.trim().split(';').next().unwrap_or_default().to_string()
    }
}

/// Every task log in `logs`, with its name.
fn task_logs(logs: &Path) -> String {
    let mut names: Vec<_> = std::fs::read_dir(logs)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    names.sort();
    names
        .iter()
        .map(|p| format!("== {}\n{}", p.display(), std::fs::read_to_string(p).unwrap_or_default()))
        .collect()
}

/// `s` quoted for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The `spc` binary under test, quoted for the shell of a batch job.
pub fn spc_in_job() -> String {
    sh_quote(env!("CARGO_BIN_EXE_spc"))
}

#[test]
fn an_array_job_runs_spc_on_every_task_with_the_same_results() {
    let slurm = Slurm::require();
    let dir = tempfile::tempdir().expect("temp dir");
    let base = dir.path().to_str().expect("UTF-8 temp dir");
    let wrap = format!(
        "{} run baseline --customers 500 --months 12 -r 3 -q --no-plots --out {}/task_$SLURM_ARRAY_TASK_ID",
        spc_in_job(),
        sh_quote(base)
    );
    slurm.array_wait(3, &wrap, &dir.path().join("logs"));
    let replications: Vec<Vec<u8>> = (0..3)
        .map(|k| {
            let task = dir.path().join(format!("task_{k}"));
            assert!(task.join("summary.json").is_file(), "task {k} wrote no summary.json");
            std::fs::read(task.join("replications.csv")).expect("replications.csv")
        })
        .collect();
    assert!(!replications[0].is_empty());
    assert!(replications[1] == replications[0], "task 1 differs from task 0");
    assert!(replications[2] == replications[0], "task 2 differs from task 0");
}

#[test]
fn spc_slurm_runs_three_shards_as_an_array_and_the_merge_job_writes_the_unsharded_files() {
    let slurm = Slurm::require();
    let tmp = tempfile::tempdir().expect("temp dir");
    let args = [
        "run",
        "baseline",
        "--customers",
        "500",
        "--months",
        "12",
        "-r",
        "7",
        "--seed",
        "3",
    ];
    let whole = tmp.path().join("whole");
    crate::util::spc()
        .args(args)
        .arg("--out")
        .arg(&whole)
        .arg("-q")
        .assert()
        .success();
    let plan = tmp.path().join("slurm");
    crate::util::spc()
        .args(["slurm", "--shards", "3", "--time", "10", "--out"])
        .arg(&plan)
        .arg("--")
        .args(args)
        .assert()
        .success();
    let logs = plan.join("logs");
    let array = slurm.sbatch(&[plan.join("spc-shards.sbatch").as_os_str()], &logs);
    let after = format!("--dependency=afterok:{array}");
    slurm.sbatch(
        &[
            "--wait".as_ref(),
            after.as_ref(),
            plan.join("spc-merge.sbatch").as_os_str(),
        ],
        &logs,
    );
    for k in 0..3 {
        assert!(
            plan.join(format!("shards/shard-{k}/shard.json")).is_file(),
            "shard {k} written"
        );
    }
    crate::shards::assert_same_files(&whole, &plan.join("result"));
}
