//! Unattended monthly scans: review windows, change tracking over three months, media
//! fixity with the hash cache, the output-folder lock, trend over several runs.

use crate::support::{assert_ok, audit_run, bin, pdf_flat, template_folder, Fx};
use std::path::{Path, PathBuf};

fn audit(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let base = [
        "--profile",
        "district-2018",
        "--as-of",
        "2024-12-31",
        "--quiet",
    ];
    audit_run(&[&base[..], extra].concat(), data, out)
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap()
}

/// Three cases: opened 2024-01-10 closed 2024-02-10; opened 2024-02-20 closed 2024-03-31;
/// opened 2024-04-01, still open.
fn three_cases() -> Fx {
    let mut fx = Fx::clean();
    fx.clone_case("测罚〔2024〕2号", "市场监督管理局", "2")
        .clone_case("测罚〔2024〕3号", "市场监督管理局", "3");
    for (no, open, close, arch) in [
        ("测罚〔2024〕1号", "2024-01-10", "2024-02-10", "2024-02-20"),
        ("测罚〔2024〕2号", "2024-02-20", "2024-03-31", "2024-04-05"),
        ("测罚〔2024〕3号", "2024-04-01", "", ""),
    ] {
        fx.set_where("案件登记", &[("案号", no)], "启动日期", open);
        fx.set_where("案件登记", &[("案号", no)], "终结日期", close);
        fx.set_where("案件登记", &[("案号", no)], "归档日期", arch);
    }
    fx.set_where(
        "案件登记",
        &[("案号", "测罚〔2024〕3号")],
        "办理状态",
        "办理中",
    );
    fx
}

#[test]
fn month_and_year_windows_select_cases_active_in_them() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    three_cases().write(&data);
    for (period, cases) in [
        ("2024-01", 1),
        ("2024-02", 2),
        ("2024-03", 1),
        ("2024-04", 1),
        ("2024-05", 1),
        ("2024", 3),
        ("2023", 0),
    ] {
        let out = dir.path().join(format!("out-{period}"));
        let o = audit(&data, &out, &["--period", period]);
        assert_ok(&o);
        let s = summary(&out);
        assert_eq!(s["cases"], cases, "{period}");
        assert!(s["meta"]["period"]
            .as_str()
            .unwrap()
            .starts_with(&period[..4]));
    }
    // Footage is in a window by its own time: MV-1 of every case was recorded 2024-03-02.
    let mut fx = three_cases();
    fx.set_all("音像记录索引", "入库时间", "2024-03-09 10:00:00");
    fx.write(&data);
    let out = dir.path().join("late-storage-feb");
    audit(&data, &out, &["--period", "2024-02"]);
    assert_eq!(
        summary(&out)["by_rule"]["V03"],
        serde_json::Value::Null,
        "the footage is from March"
    );
    let out = dir.path().join("late-storage-mar");
    audit(&data, &out, &["--from", "2024-03-01", "--to", "2024-03-31"]);
    assert_eq!(
        summary(&out)["by_rule"]["V03"],
        2,
        "footage of the case active in March"
    );
    let book = out.join("report.xlsx");
    assert!(book.exists());
}

#[test]
fn three_months_of_change_tracking() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let jan = dir.path().join("2024-01");
    let feb = dir.path().join("2024-02");
    let mar = dir.path().join("2024-03");
    // January: the first case's 询问笔录 lacks a certificate number.
    let mut fx = three_cases();
    fx.set_where(
        "文书记录",
        &[("案号", "测罚〔2024〕1号"), ("文书编号", "XW-1")],
        "执法证号",
        "A001",
    );
    fx.write(&data);
    assert_eq!(audit(&data, &jan, &[]).status.code(), Some(0));
    // February: still there; a new one appears (the second case's 出示证件).
    fx.set_where(
        "文书记录",
        &[("案号", "测罚〔2024〕2号"), ("文书编号", "JC-1")],
        "出示证件",
        "否",
    );
    fx.write(&data);
    let o = audit(&data, &feb, &["--baseline", jan.to_str().unwrap()]);
    assert_ok(&o);
    let s = summary(&feb);
    assert_eq!(s["tracking"]["持续"], 1);
    assert_eq!(s["tracking"]["新增"], 1);
    let csv = std::fs::read_to_string(feb.join("findings.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains("XW-1") && l.ends_with(",持续")),
        "{csv}"
    );
    // March: the first is corrected; the window leaves the second case's... no: both in.
    fx.set_where(
        "文书记录",
        &[("案号", "测罚〔2024〕1号"), ("文书编号", "XW-1")],
        "执法证号",
        "A001；A002",
    );
    fx.write(&data);
    let o = audit(&data, &mar, &["--baseline", feb.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let s = summary(&mar);
    assert_eq!(s["tracking"]["已整改"], 1);
    assert_eq!(s["tracking"]["持续"], 1);
    // With a window that excludes the second case, its finding is 不在本期, not 已整改.
    let apr = dir.path().join("2024-05");
    audit(
        &data,
        &apr,
        &["--baseline", feb.to_str().unwrap(), "--period", "2024-05"],
    );
    let s = summary(&apr);
    assert_eq!(s["tracking"]["不在本期"], 2, "{}", s["tracking"]);
    let wb = apr.join("report.xlsx");
    let mut book = calamine::open_workbook_auto(&wb).unwrap();
    use calamine::Reader;
    assert!(book.sheet_names().contains(&"整改跟踪".to_string()));
    let r = book.worksheet_range("整改跟踪").unwrap();
    assert!(r.rows().any(|row| row[0] == "不在本期"));
    let text = pdf_flat(&mar.join("report.pdf"));
    assert!(
        text.contains("五、整改跟踪") && text.contains("已整改1项"),
        "{text}"
    );
    // The annual view over the monthly outputs.
    let o = bin()
        .arg("trend")
        .args([&jan, &feb, &mar])
        .arg("--out")
        .arg(dir.path().join("trend.xlsx"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table.contains("I01 执法人员及证件未记录\t1\t2\t1"),
        "{table}"
    );
    let mut trend = calamine::open_workbook_auto(dir.path().join("trend.xlsx")).unwrap();
    let rules = trend.worksheet_range("按规则").unwrap();
    assert!(
        rules
            .rows()
            .any(|r| r[0] == "I01 执法人员及证件未记录" && r[1] == 1.0 && r[2] == 2.0),
        "{rules:?}"
    );
}

#[test]
fn a_baseline_is_read_a_line_at_a_time_whatever_its_line_endings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let jan = dir.path().join("2024-01");
    let mut fx = three_cases();
    let case_one = ("案号", "测罚〔2024〕1号");
    fx.set_where(
        "文书记录",
        &[case_one, ("文书编号", "XW-1")],
        "执法证号",
        "A001",
    );
    // A subject that findings.jsonl has to escape.
    let odd = r#"XW-"1"\甲"#;
    fx.set_where(
        "文书记录",
        &[case_one, ("文书编号", "XW-1")],
        "文书编号",
        odd,
    );
    fx.write(&data);
    assert_ok(&audit(&data, &jan, &[]));
    let path = jan.join("findings.jsonl");
    let jsonl = std::fs::read_to_string(&path).unwrap();
    assert!(jsonl.contains(r#""subject":"XW-\"1\"\\甲""#), "{jsonl}");
    let total = summary(&jan)["findings"].as_u64().unwrap();
    assert!(total > 0);
    // Windows line endings, blank lines, and a finding that was waived and is gone now.
    let mut edited: String = jsonl.lines().map(|l| format!("{l}\r\n\r\n")).collect();
    edited.push_str(
        "{\"rule\":\"I04\",\"case_no\":\"测罚〔2024〕9号\",\"subject\":\"旧\",\"waived\":true}\r\n",
    );
    std::fs::write(&path, &edited).unwrap();
    let feb = dir.path().join("2024-02");
    assert_ok(&audit(&data, &feb, &["--baseline", jan.to_str().unwrap()]));
    let s = summary(&feb);
    assert_eq!(s["tracking"]["持续"], total, "{}", s["tracking"]);
    assert_eq!(s["tracking"]["新增"], serde_json::Value::Null);
    assert_eq!(
        s["tracking"]["已整改"],
        serde_json::Value::Null,
        "a finding waived then is not 已整改 now"
    );
    // A line that is not a finding stops the run (configuration, exit 4), naming the line.
    edited.push_str("{\"rule\":\n");
    std::fs::write(&path, &edited).unwrap();
    let o = audit(
        &data,
        &dir.path().join("2024-03"),
        &["--baseline", jan.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    let bad_line = 2 * total + 2;
    assert!(
        err.contains(&format!("无效：第 {bad_line} 行第 8 列：内容不完整")),
        "{err}"
    );
}

fn media_root(dir: &Path) -> (PathBuf, Fx) {
    let root = dir.join("root");
    std::fs::create_dir_all(root.join("media")).unwrap();
    std::fs::write(root.join("media/MV-1.mp4"), b"hello world").unwrap();
    std::fs::write(root.join("media/MV-2.mp4"), b"HELLO WORLD").unwrap();
    let mut fx = Fx::clean();
    fx.media(
        "MV-1",
        "哈希值",
        &trailcheck::fixity::sha256_file(&root.join("media/MV-1.mp4")).unwrap(),
    );
    fx.media(
        "MV-2",
        "哈希值",
        &trailcheck::fixity::sha256_file(&root.join("media/MV-2.mp4")).unwrap(),
    );
    (root, fx)
}

#[test]
fn fixity_with_the_hash_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (root, fx) = media_root(dir.path());
    let data = dir.path().join("data");
    fx.write(&data);
    let cache = dir.path().join("cache");
    let args = |o: &str| {
        vec![
            "--media-root".to_string(),
            root.display().to_string(),
            "--cache-dir".into(),
            cache.display().to_string(),
            "--out".into(),
            o.to_string(),
        ]
    };
    let run = |o: &str| {
        let out = dir.path().join(o);
        let st = bin()
            .args([
                "audit",
                "--profile",
                "district-2018",
                "--as-of",
                "2024-12-31",
                "--quiet",
            ])
            .args(args(out.to_str().unwrap()))
            .arg(&data)
            .status()
            .unwrap();
        assert_eq!(st.code(), Some(0));
        (
            summary(&out),
            std::fs::read_to_string(out.join("run.log")).unwrap(),
        )
    };
    let (s, log) = run("m1");
    assert_eq!(s["by_rule"]["V06"], serde_json::Value::Null);
    assert!(log.contains("计算哈希 2 个，沿用缓存 0 个"), "{log}");
    let (_, log) = run("m2");
    assert!(
        log.contains("计算哈希 0 个，沿用缓存 2 个"),
        "unchanged files are skipped: {log}"
    );
    // A flipped byte (same size, new mtime) is hashed again and caught.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(root.join("media/MV-2.mp4"), b"HELLO WORLd").unwrap();
    let (s, log) = run("m3");
    assert_eq!(s["by_rule"]["V06"], 1);
    assert!(log.contains("计算哈希 1 个，沿用缓存 1 个"), "{log}");
    // A corrupt cache is rebuilt, not trusted.
    std::fs::write(cache.join("fixity-cache.json"), b"{not json").unwrap();
    let (_, log) = run("m4");
    assert!(
        log.contains("已重建") && log.contains("计算哈希 2 个"),
        "{log}"
    );
    // Truncated and deleted files.
    std::fs::write(root.join("media/MV-1.mp4"), b"hello").unwrap();
    std::fs::remove_file(root.join("media/MV-2.mp4")).unwrap();
    let (s, _) = run("m5");
    assert_eq!(s["by_rule"]["V06"], 2);
}

#[test]
fn a_second_scan_into_the_same_folder_stops_with_exit_five() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Fx::clean().write(&data);
    let out = dir.path().join("out");
    assert_eq!(audit(&data, &out, &[]).status.code(), Some(0));
    let before = std::fs::read(out.join("findings.csv")).unwrap();
    let held = std::fs::OpenOptions::new()
        .write(true)
        .open(out.join(".trailcheck.lock"))
        .unwrap();
    held.try_lock().unwrap();
    let o = audit(&data, &out, &[]);
    assert_eq!(o.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&o.stderr).contains("另一个评查任务"));
    assert_eq!(
        std::fs::read(out.join("findings.csv")).unwrap(),
        before,
        "the running scan's outputs are untouched"
    );
    held.unlock().unwrap();
    assert_eq!(audit(&data, &out, &[]).status.code(), Some(0));
    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    assert!(log.contains("评查完成：1 件案卷"));
    for file in [
        "findings.csv",
        "findings.jsonl",
        "summary.json",
        "report.pdf",
        "report.xlsx",
    ] {
        assert!(
            log.contains(&format!("写出 {file}：")),
            "{file} timed in {log}"
        );
    }
}

/// The files of a folder but the lock, with their bytes.
fn folder(dir: &Path) -> Vec<(std::ffi::OsString, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != ".trailcheck.lock")
        .map(|e| (e.file_name(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

/// A scan that fails once its findings files are written leaves last month's outputs as
/// they were: no new findings beside an old report, no temporary file. Here the report's
/// template names its chart by the bureau's name, which names no chart; the template
/// passes the check of its start (the name is not there yet) and fails as it is laid out.
#[test]
fn a_scan_that_fails_while_writing_leaves_the_last_outputs_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Fx::clean().write(&data);
    let out = dir.path().join("out");
    assert_ok(&audit(&data, &out, &[]));
    let before = folder(&out);
    assert_eq!(before.len(), 6, "five outputs and run.log");
    let tpl = template_folder(dir.path(), "@title 报告\n@chart {{ bureau }}\n");
    let mut next = Fx::clean();
    next.case("归档日期", "");
    next.write(&data);
    let o = audit(
        &data,
        &out,
        &[
            "--templates",
            tpl.to_str().unwrap(),
            "--bureau",
            "不存在的图表",
        ],
    );
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("未知的图表「不存在的图表」"));
    assert!(
        folder(&out) == before,
        "the outputs of the run before, untouched"
    );
}
