//! Outputs, apart from model and engine: the files of MODEL.md section 5 and
//! the terminal table.
//!
//! Files are first written to a staging folder inside `--out` and moved into
//! place only when all of them are complete, so a failed or interrupted run
//! never leaves a half-written file behind.

pub mod compare;
pub mod csv;
pub mod format;
pub mod json;
pub mod table;

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::experiment::RunResult;

pub use table::terminal_table;

/// Creates `dir` and returns a fresh staging folder inside it.
pub fn staging(dir: &Path) -> Result<PathBuf> {
    let write_err = |source| Error::Write {
        path: dir.to_path_buf(),
        source,
    };
    fs::create_dir_all(dir).map_err(write_err)?;
    let stage = dir.join(format!(".spc-staging-{}", std::process::id()));
    if stage.exists() {
        fs::remove_dir_all(&stage).map_err(write_err)?;
    }
    fs::create_dir_all(&stage).map_err(|source| Error::Write {
        path: stage.clone(),
        source,
    })?;
    Ok(stage)
}

/// Moves every entry of `stage` into `dir` (replacing what was there) and removes `stage`.
pub fn commit(stage: &Path, dir: &Path) -> Result<()> {
    let entries = fs::read_dir(stage).map_err(|source| Error::Write {
        path: stage.to_path_buf(),
        source,
    })?;
    for e in entries {
        let e = e.map_err(|source| Error::Write {
            path: stage.to_path_buf(),
            source,
        })?;
        let target = dir.join(e.file_name());
        if target.is_dir() {
            fs::remove_dir_all(&target).map_err(|source| Error::Write {
                path: target.clone(),
                source,
            })?;
        }
        fs::rename(e.path(), &target).map_err(|source| Error::Write {
            path: target.clone(),
            source,
        })?;
    }
    fs::remove_dir(stage).map_err(|source| Error::Write {
        path: stage.to_path_buf(),
        source,
    })
}

/// Writes `summary.json`, `replications.csv`, `monthly.csv` and `manifest.json`
/// into `dir`, plus whatever `extra` writes into the staging folder it is
/// given, atomically. `command_line` is recorded in the manifest.
pub fn write_all(
    result: &RunResult,
    dir: &Path,
    command_line: &str,
    extra: &dyn Fn(&Path) -> Result<()>,
) -> Result<()> {
    let stage = staging(dir)?;
    let written = (|| {
        json::write_summary(result, &stage.join("summary.json"))?;
        csv::write_replications(result, &stage.join("replications.csv"))?;
        csv::write_monthly(result, &stage.join("monthly.csv"))?;
        json::write_manifest(result, command_line, &stage.join("manifest.json"))?;
        extra(&stage)
    })();
    match written {
        Ok(()) => commit(&stage, dir),
        Err(e) => {
            let _ = fs::remove_dir_all(&stage);
            Err(e)
        }
    }
}
