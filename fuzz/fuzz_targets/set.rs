//! Fuzz target for `--set`: any text as one or two overrides of the shipped baseline must give
//! a scenario or an error, never a panic; a scenario that validates must draw, and its size
//! must be estimated, without panicking.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn baseline() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/baseline.toml"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let overrides: Vec<spc::Override> = text.split('\n').take(2).filter_map(|s| s.parse().ok()).collect();
    if let Ok(s) = spc::Scenario::load(baseline(), &overrides) {
        let _ = s.draw(1, 0);
        let _ = spc::limits::memory_estimate(&[&s], 2, 2);
    }
});
