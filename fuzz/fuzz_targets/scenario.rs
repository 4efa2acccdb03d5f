//! Fuzz target for the scenario parser: any bytes, as a scenario file on its own and as one that
//! extends the shipped baseline, must give a scenario or an error, never a panic.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("spc-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("temp dir");
        d
    })
}

fn baseline() -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios/baseline.toml");
    format!("extends = {:?}\n", p.canonicalize().expect("baseline.toml").to_string_lossy())
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let alone = dir().join("alone.toml");
    std::fs::write(&alone, text).expect("write");
    let _ = spc::Scenario::load(&alone, &[]);
    let child = dir().join("child.toml");
    std::fs::write(&child, format!("{}{text}", baseline())).expect("write");
    if let Ok(s) = spc::Scenario::load(&child, &[]) {
        // A scenario that validates must also draw without panicking.
        let _ = s.draw(1, 0);
    }
});
