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

/// Each damaged workbook of `tests/fixtures/damaged` ends `trailcheck check --cases` with
/// exit 2 and one Chinese line naming it and why, without a panic report or an abort.
#[test]
fn a_damaged_workbook_is_refused_with_one_chinese_message() {
    for (name, why) in [
        // calamine panics on it: the panic is caught and quoted.
        (
            "issue_666_lost_sheets-mutated.xlsb",
            "文件已损坏或格式不受支持（读取程序报告：",
        ),
        // One cell's column far off the sheet: calamine would ask for 127 GB at once.
        (
            "xls_formula-mutated.xls",
            "文件已损坏（读取它需要一次分配约 127 GB 内存",
        ),
        // A sector chain that loops under a stream said to be gigabytes long: read as it
        // is, it took 8 GB of memory before the allocation guard stopped it. Refused, with
        // the next, before calamine reads it.
        (
            "cfb_chain_loop.xls",
            "文件已损坏（复合文档结构错误，读取程序报告：",
        ),
        // A 6.6 KB sheet whose cells, laid out whole, took two blocks of 3.2 GB (6.8 GB
        // and 13 s for one row): within half this machine's memory, far beyond what a
        // file of its size needs.
        (
            "dense_range_fuzzed.xls",
            "文件已损坏（读取这个 7 KB 的文件需要一次分配约 3 GB 内存，远超工作簿所需）",
        ),
        // A 6.6 KB sheet of 12,801 rows × 2,561 columns (ten times the columns an xls
        // holds): laid out whole it took two blocks of 1.05 GB, under the 1 GiB the guard
        // first let any file have.
        (
            "wide_range_fuzzed.xls",
            "文件已损坏（读取这个 7 KB 的文件需要一次分配约 1 GB 内存，远超工作簿所需）",
        ),
        // A sector cut short (calamine panicked on it).
        (
            "sst_continue-mutated.xls",
            "文件已损坏（复合文档结构错误，读取程序报告：",
        ),
    ] {
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/damaged")
            .join(name);
        let out = bin()
            .args(["check", "--cases"])
            .arg(&file)
            .env("RUST_BACKTRACE", "1")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.starts_with("错误：无法读取工作簿") && err.contains(&format!("{name}：{why}")),
            "{name}: {err}"
        );
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{name}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
    }
}
