//! The library's error types: every message names what a user can fix (the
//! file, the key, the allowed range), never an internal detail, and never a
//! command-line flag: the binary knows which flag carried a value and says so
//! (it maps [`Usage`] and [`Error::Override`] to its flags).

use std::path::PathBuf;

/// Everything that can go wrong between reading a scenario and writing results.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: std::io::Error,
    },
    /// A scenario file is not valid TOML or does not match the scenario schema.
    #[error("{}: {message}", location(path, *line))]
    Parse {
        /// The file.
        path: PathBuf,
        /// The line of the offending key, where it is known.
        line: Option<usize>,
        /// What the parser said, with the key and line where it knows them.
        message: String,
    },
    /// A value is outside its allowed range or otherwise inconsistent.
    #[error("{}: `{key}` {message}", location(path, *line))]
    Invalid {
        /// The scenario file.
        path: PathBuf,
        /// The line of the key, where it is known.
        line: Option<usize>,
        /// The key path, e.g. `levers.staff`.
        key: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// `extends` points to a missing file or forms a cycle.
    #[error("{}: {message}", path.display())]
    Extends {
        /// The file holding the `extends` key.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An override of a scenario key (`key.path=value`) cannot be applied.
    #[error("{assignment}: {message}")]
    Override {
        /// The override as given (`key=value`, or as the caller labelled it).
        assignment: String,
        /// What is wrong.
        message: String,
    },
    /// A typed edit of a scenario (a variant of an experiment) cannot be applied.
    #[error("scenario `{scenario}`, edit {edit}: {message}")]
    Edit {
        /// The scenario edited.
        scenario: String,
        /// The edit(s), as `key=value` or `key xFACTOR`.
        edit: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The run would need more memory than the machine has available.
    #[error(
        "this run needs about {need_gib:.1} GiB of memory but only {have_gib:.1} GiB are available ({detail}): \
         memory grows with customers (at month 0 and acquired), staff and months, times threads"
    )]
    Memory {
        /// What drives the estimate: the largest scenario's customers, months and staff.
        detail: String,
        /// Estimated need (GiB).
        need_gib: f64,
        /// Available (GiB).
        have_gib: f64,
    },
    /// A shard folder cannot be merged: unreadable, of another experiment, missing or given twice.
    #[error("{}: {message}", path.display())]
    Shard {
        /// The shard folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Run options that cannot work together or are out of range.
    #[error("{0}")]
    Options(String),
    /// An argument of an analysis that is malformed or out of range.
    #[error(transparent)]
    Usage(#[from] Usage),
    /// The run was stopped (Ctrl-C) before it finished; nothing was written.
    #[error("interrupted: the run was stopped before it finished; no output was written")]
    Interrupted,
    /// A simulated result is not a finite number (the amounts overflowed): nothing is written.
    #[error(
        "scenario `{scenario}`, replication {replication}: `{metric}` is {value}, not a finite number; \
         nothing was written. Lower the amounts that feed it (money, counts, rates) and run again"
    )]
    NonFinite {
        /// The scenario.
        scenario: String,
        /// The replication (0-based).
        replication: usize,
        /// The metric.
        metric: String,
        /// Its value.
        value: f64,
    },
    /// The studio's web server failed while serving.
    #[error("studio: {0}")]
    Server(String),
    /// Writing results failed.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The reason.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The exit code of the `spc` binary for this error: 1 a failure while running or writing,
    /// 2 bad input, 130 interrupted.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Interrupted => 130,
            Error::Write { .. } | Error::NonFinite { .. } | Error::Server(_) => 1,
            _ => 2,
        }
    }
}

/// An analysis argument that is malformed or out of range, typed so that the
/// binary can name the flag that carried it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Usage {
    /// A shard `K/N` that does not parse or has `K >= N`.
    #[error("`{spec}`: {why}; expected K/N with 0 <= K < N, e.g. 0/4")]
    Shard {
        /// The shard as given.
        spec: String,
        /// What is wrong.
        why: &'static str,
    },
    /// A grid `key=v1,v2,...` that does not parse or names no scenario key.
    #[error("`{arg}`: {message}")]
    Grid {
        /// The grid as given.
        arg: String,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// A sample size too small for its sensitivity method.
    #[error("{method} needs {what} of at least {min}, got {n}")]
    SampleSize {
        /// The method (`morris`, `sobol`).
        method: &'static str,
        /// What the size counts.
        what: &'static str,
        /// The smallest size allowed.
        min: usize,
        /// The size given.
        n: usize,
    },
    /// An optimisation budget that is not an amount or cannot be met.
    #[error("{budget}: {message}")]
    Budget {
        /// The budget as given (EUR per year).
        budget: f64,
        /// What is wrong and what to do.
        message: String,
    },
    /// A selection margin that is not a positive amount.
    #[error("{margin}: must be a positive amount in the objective's unit")]
    Margin {
        /// The margin as given.
        margin: f64,
    },
    /// A sensitivity study with no key to vary.
    #[error("no keys to study: give a parameters file, or declare parameters of the scenario uncertain")]
    NoFactors,
}

/// `file` or `file:line`.
fn location(path: &std::path::Path, line: Option<usize>) -> String {
    match line {
        Some(l) => format!("{}:{l}", path.display()),
        None => path.display().to_string(),
    }
}

/// Shorthand used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
