//! Outputs, apart from model and engine: the files of MODEL.md section 5, the
//! exports for spreadsheet users ([`export`]) and the terminal table.
//!
//! Files are first written to a staging folder inside `--out` and moved into
//! place only when all of them are complete, so a failed or interrupted run
//! never leaves a half-written file behind.

pub mod compare;
pub mod export;
pub mod format;
pub mod json;
pub mod table;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::compare::Comparison;
use crate::error::{Error, Result};
use crate::experiment::RunResult;
use crate::metrics::Metric;

pub use table::terminal_table;

/// Prefix of a staging folder inside `--out` (followed by the process id).
pub const STAGING: &str = ".spc-staging-";

/// The lock file inside `--out`: one run at a time writes a folder.
pub const LOCK: &str = ".spc-lock";

/// The key of `manifest.json` listing every file spc wrote (paths relative to `--out`): a later
/// run removes those of them it does not write again, and nothing else.
pub const WRITTEN: &str = "files";

fn write_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.to_path_buf(),
        source,
    }
}

/// Holds `--out` for this run: the lock is released when dropped.
#[derive(Debug)]
pub struct OutLock {
    _file: fs::File,
}

/// Creates `dir`, waits for any other spc run writing to it (checking `cancel`), and removes
/// staging folders left by runs that were killed (with the lock held, no live run owns one).
pub fn lock(dir: &Path, cancel: &AtomicBool) -> Result<OutLock> {
    fs::create_dir_all(dir).map_err(write_err(dir))?;
    let path = dir.join(LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(write_err(&path))?;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(fs::TryLockError::WouldBlock) => {
                if cancel.load(Ordering::SeqCst) {
                    return Err(Error::Interrupted);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(fs::TryLockError::Error(e)) => return Err(write_err(&path)(e)),
        }
    }
    for e in fs::read_dir(dir).map_err(write_err(dir))?.flatten() {
        if e.file_name().to_string_lossy().starts_with(STAGING) && e.path().is_dir() {
            fs::remove_dir_all(e.path()).map_err(write_err(&e.path()))?;
        }
    }
    Ok(OutLock { _file: file })
}

/// A fresh staging folder inside `dir` (which [`lock`] holds).
pub fn staging(dir: &Path, _lock: &OutLock) -> Result<PathBuf> {
    let stage = dir.join(format!("{STAGING}{}", std::process::id()));
    if stage.exists() {
        fs::remove_dir_all(&stage).map_err(write_err(&stage))?;
    }
    fs::create_dir_all(&stage).map_err(write_err(&stage))?;
    Ok(stage)
}

/// The files under `root` (relative paths with `/`), sorted.
fn files_under(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        for e in fs::read_dir(root.join(&rel)).map_err(write_err(&root.join(&rel)))? {
            let e = e.map_err(write_err(root))?;
            let r = rel.join(e.file_name());
            if e.path().is_dir() {
                todo.push(r);
            } else {
                out.push(r.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The files an earlier run recorded in `dir/manifest.json` (none if there is no record).
fn recorded(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("manifest.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|m| {
            m.get(WRITTEN)?
                .as_array()
                .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_string)).collect())
        })
        .unwrap_or_default()
}

/// A recorded name is a plain relative path inside `--out`, never `..` or absolute.
fn inside(name: &str) -> bool {
    Path::new(name)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Adds the list of staged files to the staged `manifest.json`, if there is one.
fn record(stage: &Path, files: &[String]) -> Result<()> {
    let path = stage.join("manifest.json");
    let Ok(text) = fs::read_to_string(&path) else {
        return Ok(());
    };
    let mut manifest: serde_json::Value = serde_json::from_str(&text).map_err(|e| Error::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    if let Some(m) = manifest.as_object_mut() {
        m.insert(WRITTEN.into(), serde_json::json!(files));
    }
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| Error::Write {
        path: path.clone(),
        source: std::io::Error::other(e),
    })?;
    fs::write(&path, text + "\n").map_err(write_err(&path))
}

/// Moves every staged file into `dir`, file by file (a user's own files in `dir` or in its
/// `plots/` stay), removes the files an earlier run of spc recorded that this run does not
/// write, and removes `stage`. `cancel` is honoured until the first file moves.
pub fn commit(stage: &Path, dir: &Path, _lock: &OutLock, cancel: &AtomicBool) -> Result<()> {
    let files = files_under(stage)?;
    record(stage, &files)?;
    let earlier = recorded(dir);
    if cancel.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    // manifest.json last: its record then lists only files already in place.
    let (manifest, rest): (Vec<&String>, Vec<&String>) = files.iter().partition(|f| *f == "manifest.json");
    for f in rest.into_iter().chain(manifest) {
        let (from, to) = (stage.join(f), dir.join(f));
        if let Some(parent) = to.parent() {
            fs::create_dir_all(parent).map_err(write_err(parent))?;
        }
        fs::rename(&from, &to).map_err(write_err(&to))?;
    }
    for f in earlier.iter().filter(|f| inside(f) && !files.contains(f)) {
        let old = dir.join(f);
        if old.is_file() {
            fs::remove_file(&old).map_err(write_err(&old))?;
        }
        // A folder spc made (plots/) goes when nothing else is left in it.
        if let Some(parent) = Path::new(f).parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = fs::remove_dir(dir.join(parent));
        }
    }
    fs::remove_dir_all(stage).map_err(write_err(stage))
}

/// Metrics that always have a value; the others may be undefined (a rate with no one at risk).
const ALWAYS_DEFINED: [Metric; 3] = [Metric::Npv, Metric::CumulativeProfit, Metric::FinalCustomers];

/// Refuses a result holding an infinite metric, or an undefined one that always has a value,
/// naming the scenario and replication: a summary would silently leave it out.
pub fn check_finite(result: &RunResult) -> Result<()> {
    for run in &result.scenarios {
        for (r, rep) in run.replications.iter().enumerate() {
            for &metric in Metric::ALL {
                let v = rep.metrics.get(metric);
                if v.is_infinite() || (v.is_nan() && ALWAYS_DEFINED.contains(&metric)) {
                    return Err(Error::NonFinite {
                        scenario: run.scenario.name.clone(),
                        replication: r,
                        metric: metric.name().to_string(),
                        value: v,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Writes `summary.json`, `manifest.json`, the run's exports ([`export::write`]: `replications.csv`,
/// `monthly.csv`, `yearly.csv`, `inputs.csv`, `results.xlsx`) into `dir`, plus whatever `extra`
/// writes into the staging folder it is given. Every metric is checked finite first (nothing is
/// written otherwise); then everything goes to a staging folder and moves into place only when
/// complete. `cancel` (Ctrl-C) is honoured until the move starts; `command_line` is recorded in
/// the manifest.
pub fn write_all(
    result: &RunResult,
    dir: &Path,
    command_line: &str,
    cancel: &AtomicBool,
    extra: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    write_files(result, None, dir, command_line, cancel, extra)
}

/// [`write_all`] for `spc compare`: also `comparison.json`, and the comparison's exports
/// (`comparison.csv`, `monthly_differences.csv` and their sheets in `results.xlsx`).
pub fn write_compared(
    result: &RunResult,
    comparison: &Comparison,
    dir: &Path,
    command_line: &str,
    cancel: &AtomicBool,
    extra: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    write_files(result, Some(comparison), dir, command_line, cancel, &|stage| {
        compare::write_comparison(comparison, &stage.join("comparison.json"))?;
        extra(stage)
    })
}

fn write_files(
    result: &RunResult,
    comparison: Option<&Comparison>,
    dir: &Path,
    command_line: &str,
    cancel: &AtomicBool,
    extra: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    check_finite(result)?;
    let lock = lock(dir, cancel)?;
    let stage = staging(dir, &lock)?;
    let stopped = || {
        if cancel.load(Ordering::SeqCst) {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    };
    let written = (|| {
        json::write_summary(result, &stage.join("summary.json"))?;
        export::write(result, comparison, &stage)?;
        json::write_manifest(result, command_line, &stage.join("manifest.json"))?;
        stopped()?;
        extra(&stage)?;
        stopped()
    })();
    let done = written.and_then(|()| commit(&stage, dir, &lock, cancel));
    if done.is_err() && stage.exists() {
        let _ = fs::remove_dir_all(&stage);
    }
    done
}
