//! `spc slurm`: a sharded run as a Slurm array job and a merge job after it.
//!
//! The array runs one shard per task (`--shard $SLURM_ARRAY_TASK_ID/N`), each
//! writing `shards/shard-K`; the merge job, which depends on the whole array
//! (`afterok`), writes the unsharded files to `result/`. The same `--shard K/N`
//! contract serves any scheduler that hands each task its index, such as a
//! Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The array job's script, in the plan's folder.
pub const ARRAY: &str = "spc-shards.sbatch";
/// The merge job's script.
pub const MERGE: &str = "spc-merge.sbatch";
/// A script that submits both, the merge after the array.
pub const SUBMIT: &str = "submit.sh";

/// A sharded command as Slurm jobs.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The spc binary the jobs run (it must be reachable from the compute nodes).
    pub spc: PathBuf,
    /// The folder the jobs run in (scenario names resolve against it).
    pub workdir: PathBuf,
    /// Folder of the scripts, `shards/`, `logs/` and `result/` (absolute).
    pub out: PathBuf,
    /// Number of shards, one array task each.
    pub shards: u32,
    /// CPUs (worker threads) per task.
    pub cpus_per_task: u16,
    /// Time limit per task, in Slurm's format.
    pub time: String,
    /// Partition, or the cluster's default.
    pub partition: Option<String>,
    /// The spc command to split (`run`, `compare`, `sweep` or `sensitivity` with its arguments),
    /// without `--shard` and `--out`.
    pub command: Vec<String>,
}

/// `s` quoted for a POSIX shell.
pub fn sh_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

impl Plan {
    /// Checks the command and the paths that go into `#SBATCH` lines.
    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Options(m));
        match self.command.first().map(String::as_str) {
            Some("run" | "compare" | "sweep" | "sensitivity") => {}
            Some(other) => {
                return bad(format!(
                    "spc slurm splits `run`, `compare`, `sweep` or `sensitivity`, not `{other}`"
                ));
            }
            None => return bad("spc slurm needs a command after `--`, e.g. -- run baseline -r 200".into()),
        }
        if let Some(flag) = self.command.iter().find(|a| {
            ["--shard", "--out", "-o"]
                .iter()
                .any(|f| a.as_str() == *f || a.starts_with(&format!("{f}=")))
        }) {
            return bad(format!(
                "leave `{flag}` out of the command: spc slurm sets --shard for each task and --out under its own folder"
            ));
        }
        if self.command.iter().any(|a| a == "--precision") {
            return bad("--precision cannot be split into shards: each round depends on the ones before".into());
        }
        for (what, p) in [("--out", &self.out), ("the working folder", &self.workdir)] {
            let s = p.to_string_lossy();
            if s.chars().any(|c| c.is_whitespace() || c == '\'' || c == '"') {
                return bad(format!(
                    "{what} `{s}` holds spaces or quotes, which #SBATCH lines cannot carry"
                ));
            }
        }
        Ok(())
    }

    fn header(&self, name: &str, log: &str) -> String {
        let mut h = format!(
            "#!/bin/bash\n#SBATCH --job-name={name}\n#SBATCH --time={}\n#SBATCH --output={}/logs/{log}\n#SBATCH --chdir={}\n",
            self.time,
            self.out.display(),
            self.workdir.display()
        );
        if let Some(p) = &self.partition {
            h += &format!("#SBATCH --partition={p}\n");
        }
        h
    }

    fn shard_dir(&self, k: &str) -> String {
        format!("{}/shards/shard-{k}", sh_quote(&self.out.to_string_lossy()))
    }

    /// The array job: task K runs shard K of N.
    pub fn array_script(&self) -> String {
        let command: Vec<String> = self.command.iter().map(|a| sh_quote(a)).collect();
        format!(
            "{}#SBATCH --array=0-{}\n#SBATCH --cpus-per-task={}\n\
             # Written by `spc slurm`: task K runs shard K of {} of `spc {}`.\n\
             set -euo pipefail\n\
             exec {} {} --shard \"$SLURM_ARRAY_TASK_ID/{}\" --out {}\"$SLURM_ARRAY_TASK_ID\" -j {} -q\n",
            self.header("spc-shards", "shard-%a.out"),
            self.shards - 1,
            self.cpus_per_task,
            self.shards,
            self.command.join(" "),
            sh_quote(&self.spc.to_string_lossy()),
            command.join(" "),
            self.shards,
            self.shard_dir(""),
            self.cpus_per_task,
        )
    }

    /// The merge job: every shard folder into `result/`, charts and report drawn there.
    pub fn merge_script(&self) -> String {
        let dirs: Vec<String> = (0..self.shards).map(|k| self.shard_dir(&k.to_string())).collect();
        let no_plots = if self.command.iter().any(|a| a == "--no-plots") {
            " --no-plots"
        } else {
            ""
        };
        format!(
            "{}#SBATCH --kill-on-invalid-dep=yes\n\
             # Written by `spc slurm`: merges the {} shards once every array task has succeeded.\n\
             set -euo pipefail\n\
             exec {} merge {} --out {}/result -q{no_plots}\n",
            self.header("spc-merge", "merge.out"),
            self.shards,
            sh_quote(&self.spc.to_string_lossy()),
            dirs.join(" "),
            sh_quote(&self.out.to_string_lossy()),
        )
    }

    /// Submits the array, then the merge job depending on it.
    pub fn submit_script(&self) -> String {
        let dir = sh_quote(&self.out.to_string_lossy());
        format!(
            "#!/bin/bash\n# Written by `spc slurm`: submits the array job, then the merge job after it.\n\
             set -euo pipefail\n\
             array=$(sbatch --parsable {dir}/{ARRAY})\n\
             array=${{array%%;*}}\n\
             merge=$(sbatch --parsable --dependency=afterok:\"$array\" {dir}/{MERGE})\n\
             echo \"array job $array, merge job ${{merge%%;*}}; results in \"{dir}/result\n"
        )
    }

    /// Writes the three scripts and creates `logs/`; returns the scripts' paths.
    pub fn write(&self) -> Result<Vec<PathBuf>> {
        self.check()?;
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        let logs = self.out.join("logs");
        std::fs::create_dir_all(&logs).map_err(write_err(&logs))?;
        let mut written = Vec::new();
        for (name, text) in [
            (ARRAY, self.array_script()),
            (MERGE, self.merge_script()),
            (SUBMIT, self.submit_script()),
        ] {
            let path = self.out.join(name);
            std::fs::write(&path, text).map_err(write_err(&path))?;
            written.push(path);
        }
        Ok(written)
    }

    /// Submits the written scripts with `sbatch`; returns the array's and the merge's job ids.
    pub fn submit(&self) -> Result<(String, String)> {
        let array = sbatch(&[self.out.join(ARRAY).into_os_string()])?;
        let merge = sbatch(&[
            format!("--dependency=afterok:{array}").into(),
            self.out.join(MERGE).into_os_string(),
        ])?;
        Ok((array, merge))
    }
}

/// Runs `sbatch --parsable ARGS` and returns the job id.
fn sbatch(args: &[std::ffi::OsString]) -> Result<String> {
    let out = Command::new("sbatch")
        .arg("--parsable")
        .args(args)
        .output()
        .map_err(|e| {
            Error::Options(format!(
                "cannot run sbatch (is Slurm installed and SLURM_CONF set?): {e}"
            ))
        })?;
    if !out.status.success() {
        return Err(Error::Options(format!(
            "sbatch failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let id = String::from_utf8_lossy(&out.stdout);
    Ok(id.trim().split(';').next().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(command: &[&str]) -> Plan {
        Plan {
            spc: "/opt/spc bin/spc".into(),
            workdir: "/home/a/study".into(),
            out: "/home/a/study/slurm".into(),
            shards: 4,
            cpus_per_task: 2,
            time: "30".into(),
            partition: None,
            command: command.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn the_array_runs_one_shard_per_task_and_the_merge_lists_every_shard() {
        let p = plan(&["run", "baseline", "-r", "200", "--set", "levers.training=2 000"]);
        let a = p.array_script();
        assert!(a.contains("#SBATCH --array=0-3\n"), "{a}");
        assert!(a.contains("exec '/opt/spc bin/spc' run baseline -r 200 --set 'levers.training=2 000' --shard \"$SLURM_ARRAY_TASK_ID/4\" --out /home/a/study/slurm/shards/shard-\"$SLURM_ARRAY_TASK_ID\" -j 2 -q"), "{a}");
        let m = p.merge_script();
        assert!(m.contains("merge /home/a/study/slurm/shards/shard-0 /home/a/study/slurm/shards/shard-1 /home/a/study/slurm/shards/shard-2 /home/a/study/slurm/shards/shard-3 --out /home/a/study/slurm/result -q\n"), "{m}");
        assert!(p.submit_script().contains("--dependency=afterok:"));
    }

    #[test]
    fn commands_that_cannot_be_split_are_refused() {
        for bad in [
            &["validate"][..],
            &["run", "--out", "x"],
            &["run", "--shard=1/2"],
            &["compare", "a", "b", "--precision", "1000"],
        ] {
            assert!(plan(bad).check().is_err(), "{bad:?}");
        }
        assert!(plan(&["compare", "baseline", "training"]).check().is_ok());
    }
}
