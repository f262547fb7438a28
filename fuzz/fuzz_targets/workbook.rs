//! The case register as a workbook of the fuzzer's bytes, beside the other tables of
//! `tests/fixtures/clean`: the first byte picks the extension (xlsx, xls or ods; the
//! content decides the reader), the rest is the file. The binary's allocation guard is the
//! global allocator here too, so a damaged file that asks for more than half the machine's
//! memory at once ends in the run's error, as it does in trailcheck. Any panic, sanitizer
//! report, timeout or out-of-memory is a defect.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use trailcheck::ingest::{read_bundle, Inputs};

#[global_allocator]
static ALLOC: trailcheck::ingest::guard::WorkbookAlloc<std::alloc::System> =
    trailcheck::ingest::guard::WorkbookAlloc(std::alloc::System);

const EXTENSIONS: [&str; 3] = ["xlsx", "xls", "ods"];

/// A folder with the clean bundle's tables but its case register.
fn bundle() -> &'static PathBuf {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let clean = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/clean");
        for e in std::fs::read_dir(&clean).unwrap() {
            let p = e.unwrap().path();
            if !p.ends_with("案件登记.csv") {
                std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
            }
        }
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let dir = bundle();
    for ext in EXTENSIONS {
        let _ = std::fs::remove_file(dir.join(format!("案件登记.{ext}")));
    }
    let ext = EXTENSIONS[usize::from(sel % 3)];
    std::fs::write(dir.join(format!("案件登记.{ext}")), body).unwrap();
    let inputs = Inputs {
        bundle: Some(dir.clone()),
        ..Default::default()
    };
    let _ = read_bundle(&inputs);
});
