//! A zip bundle of the fuzzer's bytes, read as `trailcheck audit 数据.zip` reads it:
//! its table members extracted to a temporary folder and read. Seed it with a zip of
//! `tests/fixtures/clean` (README.md, "Robustness"). Any panic, sanitizer report, timeout
//! or out-of-memory is a defect; an error is the expected end of most inputs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;
use trailcheck::ingest::{read_bundle, Inputs};

/// The file the fuzzer's bytes are written to, in a folder of its own.
fn zip_path() -> &'static PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| tempfile::tempdir().unwrap().keep().join("导出数据.zip"))
}

fuzz_target!(|data: &[u8]| {
    let path = zip_path();
    std::fs::write(path, data).unwrap();
    let inputs = Inputs {
        bundle: Some(path.clone()),
        ..Default::default()
    };
    let _ = read_bundle(&inputs);
});
