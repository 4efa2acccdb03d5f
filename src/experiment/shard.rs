//! Shards: one design split across processes or machines, merged bit for bit.
//!
//! A design is a list of independent work [`Unit`]s. `--shard K/N` runs every
//! N-th unit starting at K (so each shard gets a like mix of variants and
//! replications) and writes a shard folder instead of results:
//!
//! - `shard.json`: what the shard holds ([`Header`]): the command and its settings,
//!   seed, replications, every variant's resolved parameters and file hash, the
//!   spc version, `K/N`, the units, and where and how fast it ran;
//! - `units.bin`: every unit's [`Replication`] (metrics, monthly rows, the response
//!   sample of replication 0) in postcard, floats as their exact bits.
//!
//! [`merge`] reads shard folders, refuses any that belong to another experiment
//! (another command, settings, seed, replications, scenario or spc version) and
//! any missing or duplicated shard, and assembles the units with
//! [`Design::assemble`]: replication `r` always draws the same keyed streams, so
//! the merged result is the unsharded one, and every file written from it is
//! byte-identical to an unsharded run's except elapsed time, threads and the
//! command line. Per-replication monthly rows travel in the shards, so monthly
//! quantiles, charts and reports are computed at merge.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Design, Observe, Replication, RunOptions, RunResult, Unit};
use crate::error::{Error, Result, Usage};
use crate::scenario::Scenario;

/// The shard description file in a shard folder.
pub const HEADER_FILE: &str = "shard.json";
/// The shard's replications in a shard folder.
pub const DATA_FILE: &str = "units.bin";
/// Version of the shard folder layout; shards of another layout are refused.
pub const FORMAT: u32 = 1;

/// Shard `index` of `count` (0-based: `--shard 0/4` to `--shard 3/4`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard's index, 0 to `count - 1`.
    pub index: u32,
    /// Number of shards the design is split into (at least 1).
    pub count: u32,
}

impl FromStr for Shard {
    type Err = Error;

    /// Parses `K/N` with `0 <= K < N`.
    fn from_str(s: &str) -> Result<Shard> {
        let bad = |why: &'static str| {
            Error::Usage(Usage::Shard {
                spec: s.to_string(),
                why,
            })
        };
        let (k, n) = s.split_once('/').ok_or_else(|| bad("no `/`"))?;
        let index: u32 = k.trim().parse().map_err(|_| bad("K is not a whole number"))?;
        let count: u32 = n.trim().parse().map_err(|_| bad("N is not a whole number"))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index >= count {
            return Err(bad("K must be below N (shards count from 0)"));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// This shard's share of `units`: every `count`-th, starting at `index`.
    pub fn take(&self, units: &[Unit]) -> Vec<Unit> {
        units
            .iter()
            .skip(self.index as usize)
            .step_by(self.count as usize)
            .copied()
            .collect()
    }
}

/// The analysis a shard belongs to; merge writes that analysis's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// `spc run`: the run files.
    Run,
    /// `spc compare`: the run files and the comparison with the first variant.
    Compare,
    /// `spc sweep`: the sweep files; the settings hold the points.
    Sweep,
    /// `spc sensitivity`: the study's files; the settings hold its plan.
    Sensitivity,
}

impl Kind {
    /// Whether merge needs each replication's monthly rows (run and compare write
    /// monthly files and charts; the analyses only per-replication metrics).
    fn keeps_months(self) -> bool {
        matches!(self, Kind::Run | Kind::Compare)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Run => "run",
            Kind::Compare => "compare",
            Kind::Sweep => "sweep",
            Kind::Sensitivity => "sensitivity",
        })
    }
}

/// One variant as a shard records it: enough to rebuild the checked scenario exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantRecord {
    /// The variant's name.
    pub name: String,
    /// The scenario file it came from.
    pub file: PathBuf,
    /// SHA-256 of the scenario file and the files it extends.
    pub sha256: String,
    /// The resolved parameters (extends, overrides and edits applied), as TOML.
    pub resolved: String,
}

impl VariantRecord {
    /// The record of `scenario`.
    pub fn of(scenario: &Scenario) -> Result<VariantRecord> {
        Ok(VariantRecord {
            name: scenario.name.clone(),
            file: scenario.source.clone(),
            sha256: scenario.file_hash.clone(),
            resolved: toml::to_string(&scenario.resolved)
                .map_err(|e| Error::Options(format!("scenario `{}` cannot be recorded: {e}", scenario.name)))?,
        })
    }

    /// The resolved parameters as a table.
    pub fn parameters(&self) -> Result<toml::Table> {
        toml::from_str(&self.resolved).map_err(|e| Error::Options(format!("scenario `{}`: {e}", self.name)))
    }
}

/// What a shard folder holds (`shard.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Layout version ([`FORMAT`]).
    pub format: u32,
    /// The spc version that wrote the shard.
    pub version: String,
    /// The analysis.
    pub kind: Kind,
    /// The analysis's own settings (e.g. a sensitivity method); shards merge only when equal.
    pub settings: serde_json::Value,
    /// Master seed.
    pub seed: u64,
    /// Replications per variant of the whole design.
    pub replications: u32,
    /// The design's variants.
    pub variants: Vec<VariantRecord>,
    /// Which shard this is.
    pub shard: Shard,
    /// The units this shard holds, in the order of `units.bin`.
    pub units: Vec<Unit>,
    /// Wall-clock time of this shard's simulation (s).
    pub elapsed_seconds: f64,
    /// Worker threads this shard used.
    pub threads: usize,
    /// The machine it ran on.
    pub host: String,
    /// The command that wrote it.
    pub command_line: String,
}

impl Header {
    /// The first difference between the experiment of `self` and that of `other`, if any.
    fn differs_from(&self, other: &Header) -> Option<String> {
        let what = |name: &str, a: &dyn fmt::Display, b: &dyn fmt::Display| Some(format!("{name} {a} against {b}"));
        if self.format != other.format {
            return what("shard layout", &self.format, &other.format);
        }
        if self.version != other.version {
            return what("spc version", &self.version, &other.version);
        }
        if self.kind != other.kind {
            return what("command", &self.kind, &other.kind);
        }
        if self.settings != other.settings {
            return Some(format!(
                "the {} settings differ (keys, points, method or scenarios)",
                self.kind
            ));
        }
        if self.seed != other.seed {
            return what("seed", &self.seed, &other.seed);
        }
        if self.replications != other.replications {
            return what("replications", &self.replications, &other.replications);
        }
        if self.shard.count != other.shard.count {
            return what("shard count", &self.shard.count, &other.shard.count);
        }
        let names = |h: &Header| h.variants.iter().map(|v| v.name.clone()).collect::<Vec<_>>().join(", ");
        if self.variants.len() != other.variants.len()
            || self.variants.iter().zip(&other.variants).any(|(a, b)| a.name != b.name)
        {
            return what("scenarios", &names(self), &names(other));
        }
        for (a, b) in self.variants.iter().zip(&other.variants) {
            if a.sha256 != b.sha256 {
                return Some(format!(
                    "scenario `{}`: its files differ (sha256 {} against {})",
                    a.name, a.sha256, b.sha256
                ));
            }
            if a.resolved != b.resolved {
                return Some(format!(
                    "scenario `{}`: its parameters differ (overridden keys, customers or months)",
                    a.name
                ));
            }
        }
        None
    }
}

/// The name of this machine, for the record.
fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn shard_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Shard {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

/// A shard's results, ready to be written.
#[derive(Debug)]
pub struct Part {
    /// What the shard holds.
    pub header: Header,
    /// Its replications, in the order of `header.units`.
    replications: Vec<Replication>,
}

/// Runs shard `shard` of `design` for analysis `kind` (with its `settings`).
pub fn run(
    design: &Design,
    shard: Shard,
    kind: Kind,
    settings: serde_json::Value,
    command_line: &str,
    observer: &dyn Observe,
) -> Result<Part> {
    let units = shard.take(&design.units());
    // Only metrics are kept of an analysis's units, never every unit's months.
    let mut replications = Vec::with_capacity(units.len());
    let elapsed = design.run_batched(&units, observer, |_, mut r| {
        if !kind.keeps_months() {
            r.monthly = Vec::new();
            r.response_sample = Vec::new();
        }
        replications.push(r);
    })?;
    let variants = design
        .variants
        .iter()
        .map(VariantRecord::of)
        .collect::<Result<Vec<_>>>()?;
    let header = Header {
        format: FORMAT,
        version: env!("CARGO_PKG_VERSION").to_string(),
        kind,
        settings,
        seed: design.options.seed,
        replications: design.options.replications,
        variants,
        shard,
        units,
        elapsed_seconds: elapsed.as_secs_f64(),
        threads: design.options.threads,
        host: host(),
        command_line: command_line.to_string(),
    };
    Ok(Part { header, replications })
}

impl Part {
    /// Writes the shard folder `dir`, atomically; stops before the final move when `cancel` is set.
    pub fn write(&self, dir: &Path, cancel: &AtomicBool) -> Result<()> {
        let data = postcard::to_stdvec(&self.replications).map_err(|e| Error::Write {
            path: dir.join(DATA_FILE),
            source: std::io::Error::other(e),
        })?;
        crate::analysis::write_atomically(dir, cancel, &|stage| {
            crate::output::json::write_json(&self.header, &stage.join(HEADER_FILE))?;
            std::fs::write(stage.join(DATA_FILE), &data).map_err(|source| Error::Write {
                path: dir.join(DATA_FILE),
                source,
            })
        })
    }
}

/// Reads the header of the shard folder `dir`.
pub fn read_header(dir: &Path) -> Result<Header> {
    let path = dir.join(HEADER_FILE);
    let text = std::fs::read_to_string(&path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            shard_error(
                dir,
                format!("not a shard folder: it has no {HEADER_FILE} (a run split into shards writes one per shard)"),
            )
        } else {
            Error::Read {
                path: path.clone(),
                source,
            }
        }
    })?;
    let header: Header = serde_json::from_str(&text).map_err(|e| shard_error(&path, e.to_string()))?;
    if header.format != FORMAT {
        return Err(shard_error(
            &path,
            format!(
                "shard layout {} (spc {}); this spc reads layout {FORMAT}",
                header.format, header.version
            ),
        ));
    }
    Ok(header)
}

/// Shards merged: the analysis, its settings and the assembled result.
#[derive(Debug)]
pub struct Merged {
    /// The analysis the shards belong to.
    pub kind: Kind,
    /// Its settings.
    pub settings: serde_json::Value,
    /// The design, rebuilt from the shards' records.
    pub design: Design,
    /// Every unit, assembled: equal to the unsharded run's result. Its elapsed time
    /// is the sum of the shards' and its threads the most any shard used.
    pub result: RunResult,
    /// Each shard's header, in shard order.
    pub shards: Vec<Header>,
}

/// Merges the shard folders `dirs` (in any order) into the result of the whole design.
pub fn merge(dirs: &[PathBuf]) -> Result<Merged> {
    let Some(first_dir) = dirs.first() else {
        return Err(Error::Options("merge needs at least one shard folder".into()));
    };
    let headers = dirs.iter().map(|d| read_header(d)).collect::<Result<Vec<_>>>()?;
    let first = &headers[0];
    for (dir, h) in dirs.iter().zip(&headers).skip(1) {
        if let Some(why) = first.differs_from(h) {
            return Err(shard_error(
                dir,
                format!("belongs to another experiment than {}: {why}", first_dir.display()),
            ));
        }
    }
    // Each shard 0..N exactly once.
    let count = first.shard.count as usize;
    let mut by_index: Vec<Option<usize>> = vec![None; count];
    for (i, h) in headers.iter().enumerate() {
        let slot = &mut by_index[h.shard.index as usize];
        if let Some(j) = *slot {
            return Err(shard_error(
                &dirs[i],
                format!("shard {} is given twice: also {}", h.shard, dirs[j].display()),
            ));
        }
        *slot = Some(i);
    }
    let missing: Vec<String> = (0..count)
        .filter(|k| by_index[*k].is_none())
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Options(format!(
            "shard{} {} missing: {} of {count} shard folders given",
            if missing.len() > 1 { "s" } else { "" },
            missing.join(", "),
            headers.len()
        )));
    }

    let variants = first
        .variants
        .iter()
        .map(|v| {
            let resolved: toml::Table = toml::from_str(&v.resolved)
                .map_err(|e| shard_error(&first_dir.join(HEADER_FILE), format!("scenario `{}`: {e}", v.name)))?;
            Scenario::restore(&v.name, &v.file, &v.sha256, resolved)
        })
        .collect::<Result<Vec<_>>>()?;
    let threads = headers.iter().map(|h| h.threads).max().unwrap_or(1).max(1);
    let design = Design::new(
        variants,
        RunOptions {
            seed: first.seed,
            replications: first.replications,
            threads,
        },
    )?;
    let all = design.units();
    let mut outcomes = Vec::with_capacity(all.len());
    let mut elapsed = Duration::ZERO;
    for i in by_index.iter().map(|i| i.unwrap_or_default()) {
        let (dir, h) = (&dirs[i], &headers[i]);
        if h.units != h.shard.take(&all) {
            return Err(shard_error(
                dir,
                format!("shard {} does not hold the units its index names", h.shard),
            ));
        }
        let path = dir.join(DATA_FILE);
        let bytes = std::fs::read(&path).map_err(|source| Error::Read {
            path: path.clone(),
            source,
        })?;
        let reps: Vec<Replication> = postcard::from_bytes(&bytes)
            .map_err(|e| shard_error(&path, format!("unreadable ({e}); was the shard written completely?")))?;
        if reps.len() != h.units.len() {
            return Err(shard_error(
                &path,
                format!(
                    "holds {} replications, {HEADER_FILE} lists {}",
                    reps.len(),
                    h.units.len()
                ),
            ));
        }
        outcomes.extend(h.units.iter().copied().zip(reps));
        elapsed += Duration::from_secs_f64(h.elapsed_seconds.max(0.0));
    }
    let result = design.assemble(outcomes, elapsed)?;
    let shards = by_index
        .iter()
        .map(|i| headers[i.unwrap_or_default()].clone())
        .collect();
    Ok(Merged {
        kind: first.kind,
        settings: first.settings.clone(),
        design,
        result,
        shards,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_specs_parse_and_bad_ones_say_what_is_allowed() {
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard { index: 2, count: 4 });
        assert_eq!("0/1".parse::<Shard>().unwrap().to_string(), "0/1");
        for bad in ["4/4", "1/0", "a/2", "3", "-1/2"] {
            let e = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(e.contains("K/N"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_shards_of_a_split_take_every_unit_exactly_once() {
        let units: Vec<Unit> = (0..3)
            .flat_map(|variant| (0..7).map(move |replication| Unit { variant, replication }))
            .collect();
        for count in 1..=5 {
            let mut all: Vec<Unit> = (0..count)
                .flat_map(|index| Shard { index, count }.take(&units))
                .collect();
            all.sort();
            assert_eq!(all, units, "{count} shards");
        }
    }
}
