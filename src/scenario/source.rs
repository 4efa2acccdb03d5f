//! Where a scenario's text comes from: files read safely, the `extends` chain followed
//! without recursion, `--set` values, and every key traced back to its file and line.
//!
//! Each file and each `--set` value is parsed by toml with spans. The spans of every piece
//! are moved into one address space (file after file, then override after override), so
//! the merged document still tells, for any key, which piece set it and on which line:
//! toml's own spans, never a search through messages or text.

use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeArray, DeTable, DeValue};

use crate::error::{Error, Result};

/// Largest scenario or lesson file read (bytes): far above any real scenario, far below
/// anything that would take long to read.
pub const MAX_FILE_BYTES: u64 = 1 << 20;

/// Longest chain of `extends` followed (files).
pub const MAX_EXTENDS: usize = 32;

/// Reads a scenario or lesson file: a regular file (not a folder, device or pipe) of at
/// most [`MAX_FILE_BYTES`], in UTF-8.
pub fn read_text(path: &Path) -> Result<String> {
    let refuse = |message: String| Error::Read {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, message),
    };
    let meta = std::fs::metadata(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(refuse(
            "not a regular file (a folder, device or pipe); give a TOML file".into(),
        ));
    }
    let too_big = || {
        refuse(format!(
            "larger than {} KiB; a scenario file is a short TOML text",
            MAX_FILE_BYTES >> 10
        ))
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|e| {
        refuse(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Who wrote a piece of the merged document.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A scenario file.
    File(PathBuf),
    /// A command-line assignment, as typed (`--set key=value`, `--customers 300`).
    Flag(String),
}

/// The pieces of one scenario's text, laid end to end in one address space.
#[derive(Debug, Default)]
pub(crate) struct Sources {
    pieces: Vec<(Origin, usize, usize)>,
    end: usize,
}

/// A place in the sources: who wrote it and, for a file, the 1-based line.
pub(crate) struct Place<'a> {
    pub origin: &'a Origin,
    pub line: usize,
}

impl Sources {
    /// Adds a piece of `len` bytes and returns where it starts.
    pub fn add(&mut self, origin: Origin, len: usize) -> usize {
        let start = self.end;
        self.pieces.push((origin, start, len));
        self.end = start + len + 1;
        start
    }

    /// The piece holding `offset` and the line within it.
    pub fn place<'a>(&'a self, offset: usize, texts: &[&str]) -> Option<Place<'a>> {
        let i = self.pieces.iter().rposition(|(_, start, _)| *start <= offset)?;
        let (origin, start, len) = &self.pieces[i];
        let text = texts.get(i)?;
        let at = (offset - start).min(*len).min(text.len());
        let line = 1 + text.as_bytes()[..at].iter().filter(|b| **b == b'\n').count();
        Some(Place { origin, line })
    }
}

/// A parsed piece with its spans moved by `by`.
pub(crate) fn parse<'a>(text: &'a str, by: usize) -> std::result::Result<DeTable<'a>, toml::de::Error> {
    DeTable::parse(text).map(|t| shift_table(t.into_inner(), by))
}

fn shift_table(t: DeTable<'_>, by: usize) -> DeTable<'_> {
    let mut out = DeTable::new();
    for (k, v) in t {
        let span = k.span().start + by..k.span().end + by;
        let mut v = shift(v, by);
        if v.span().is_empty() {
            // A table opened by a `[header]` or a dotted key has no span of its own: use its key's.
            v = Spanned::new(span.clone(), v.into_inner());
        }
        out.insert(Spanned::new(span, k.into_inner()), v);
    }
    out
}

/// A value with its spans, and those of everything inside it, moved by `by`.
pub(crate) fn shift(v: Spanned<DeValue<'_>>, by: usize) -> Spanned<DeValue<'_>> {
    let span = v.span();
    let inner = match v.into_inner() {
        DeValue::Table(t) => DeValue::Table(shift_table(t, by)),
        DeValue::Array(a) => {
            let mut out = DeArray::new();
            for x in a {
                out.push(shift(x, by));
            }
            DeValue::Array(out)
        }
        other => other,
    };
    Spanned::new(span.start + by..span.end + by, inner)
}

/// Whether `v` is one value written as a table (a distribution, or an amount per customers),
/// which a later file replaces whole rather than key by key.
fn is_value_table(v: &DeValue<'_>) -> bool {
    v.as_table()
        .is_some_and(|t| t.contains_key("dist") || t.contains_key("per"))
}

/// Deep merge: sections merge key by key, anything else is replaced (key and value, so the
/// spans point at the file that won), a value written as a table included: a child's
/// `staff = { per = 10000, value = 46 }` or distribution replaces the parent's whole.
pub(crate) fn merge<'a>(base: &mut DeTable<'a>, over: DeTable<'a>) {
    for (k, v) in over {
        let both_tables = v.get_ref().is_table()
            && !is_value_table(v.get_ref())
            && base
                .get(k.get_ref().as_ref())
                .is_some_and(|b| b.get_ref().is_table() && !is_value_table(b.get_ref()));
        if both_tables {
            let (Some(b), DeValue::Table(o)) = (base.get_mut(k.get_ref().as_ref()), v.into_inner()) else {
                continue;
            };
            if let DeValue::Table(bt) = b.get_mut() {
                merge(bt, o);
            }
        } else {
            base.remove(k.get_ref().as_ref());
            base.insert(k, v);
        }
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `name` in a table.
    Key(String),
    /// `[i]` in an array.
    Index(usize),
}

/// Splits `levers.staff[1]` into steps.
pub(crate) fn steps(key: &str) -> Vec<Step> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let mut pieces = part.split('[');
        out.push(Step::Key(pieces.next().unwrap_or_default().to_string()));
        out.extend(
            pieces
                .filter_map(|p| p.trim_end_matches(']').parse().ok())
                .map(Step::Index),
        );
    }
    out
}

/// The span of the deepest part of `path` present in `doc`: the key's own span where it
/// is a table key (the line it is written on), the element's where it is an index.
pub(crate) fn span_of(doc: &DeTable<'_>, path: &[Step]) -> Option<Range<usize>> {
    let mut table = doc;
    let mut found = None;
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    for step in path {
        let next = match (step, value.map(|v| v.get_ref())) {
            (Step::Key(k), None) => table.get_key_value(k.as_str()).map(|(key, v)| (key.span(), v)),
            (Step::Key(k), Some(DeValue::Table(t))) => {
                table = t;
                table.get_key_value(k.as_str()).map(|(key, v)| (key.span(), v))
            }
            (Step::Index(i), Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span(), v)),
            _ => None,
        };
        let Some((span, v)) = next else { break };
        found = Some(span);
        value = Some(v);
    }
    found
}

/// Takes the owned parts of a parse error: its message and the line it points at.
pub(crate) fn syntax_error(e: &toml::de::Error, text: &str) -> (Option<usize>, String) {
    let line = e.span().map(|s| {
        1 + text.as_bytes()[..s.start.min(text.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
    });
    let mut e = e.clone();
    e.set_input(Some(text));
    (line, e.to_string().trim().to_string())
}
