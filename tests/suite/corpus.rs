//! Other projects' test spreadsheets and CSVs (../shared/corpus/foreign), hostile ones
//! included: fed as a table, each ends in a clean read (exit 0) or a clear message
//! (exit 2) within seconds. Never a panic (101), a hang or a kill.

use crate::support::bin;
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn no_foreign_file_panics_hangs_or_crashes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/foreign");
    assert!(
        root.is_dir(),
        "the robustness corpus is expected at {}",
        root.display()
    );
    let mut files = Vec::new();
    for sub in std::fs::read_dir(&root).unwrap() {
        let sub = sub.unwrap().path();
        if sub.is_dir() {
            for f in std::fs::read_dir(&sub).unwrap() {
                let f = f.unwrap().path();
                if !matches!(
                    f.file_name().and_then(|n| n.to_str()),
                    Some("LICENSE" | "README.md")
                ) {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    assert!(files.len() > 200, "corpus incomplete: {}", files.len());
    let mut bad = Vec::new();
    for f in &files {
        let mut child = bin()
            .args(["check", "--cases"])
            .arg(f)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if start.elapsed() > Duration::from_secs(20) {
                child.kill().unwrap();
                break None;
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let mut err = String::new();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
        match status.and_then(|s| s.code()) {
            Some(0) => {}
            Some(2) if err.starts_with("错误：") && !err.contains("panicked") => {}
            other => bad.push(format!("{}: {other:?} {err}", f.display())),
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// `trailcheck check --cases` on a file of `tests/fixtures/damaged`: its stderr, once the
/// run is known to have ended with exit 2 and one line naming the workbook it could not
/// read.
fn refused(name: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/damaged")
        .join(name);
    let out = bin()
        .args(["check", "--cases"])
        .arg(&file)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(
        err.starts_with("错误：无法读取工作簿") && err.contains(&format!("{name}：")),
        "{name}: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{name}: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{name}: {err}");
    err
}

#[test]
fn a_reader_panic_on_a_damaged_workbook_is_one_chinese_message() {
    let err = refused("issue_666_lost_sheets-mutated.xlsb");
    assert!(
        err.contains("文件已损坏或格式不受支持（读取程序报告："),
        "{err}"
    );
}

#[test]
fn a_damaged_workbook_asking_for_more_memory_than_the_machine_has_is_one_message() {
    let err = refused("xls_formula-mutated.xls");
    assert!(
        err.contains("文件已损坏（读取它需要一次分配约 127 GB 内存"),
        "{err}"
    );
}

#[test]
fn a_compound_file_with_a_damaged_structure_is_refused_before_it_is_read() {
    // cfb_chain_loop.xls: a sector chain that loops, under a stream said to be gigabytes
    // long; read as it is, it took 8 GB of memory before the allocation guard stopped it.
    // sst_continue-mutated.xls: a sector cut short (calamine panicked on it).
    for name in ["cfb_chain_loop.xls", "sst_continue-mutated.xls"] {
        let err = refused(name);
        assert!(
            err.contains("：文件已损坏（复合文档结构错误，读取程序报告："),
            "{err}"
        );
    }
}
