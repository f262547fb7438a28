//! End to end: the binary on a bundle, reading back what it wrote.

use crate::support::{assert_ok, audit_run, bin, Fx};

fn audit(fx: &Fx, extra: &[&str]) -> (tempfile::TempDir, std::process::Output) {
    let dir = tempfile::tempdir().unwrap();
    fx.write(&dir.path().join("data"));
    let base = [
        "--profile",
        "district-2018",
        "--as-of",
        "2024-12-31",
        "--bureau",
        "测试区司法局",
    ];
    let out = audit_run(
        &[&base[..], extra].concat(),
        &dir.path().join("data"),
        &dir.path().join("out"),
    );
    (dir, out)
}

fn broken() -> Fx {
    let mut fx = Fx::clean();
    fx.case("归档日期", "")
        .media("MV-1", "入库时间", "2024-03-04 09:00")
        .remove("音像记录索引", "文件编号", "MV-2");
    fx
}

#[test]
fn findings_csv_jsonl_and_summary_agree() {
    let (dir, out) = audit(&broken(), &[]);
    assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("评查完成：1 件案卷，违规 3 项"), "{stderr}");
    assert!(stderr.contains("未评查：V06"), "{stderr}");
    let o = dir.path().join("out");
    let csv = std::fs::read(o.join("findings.csv")).unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "BOM for Excel");
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0].trim_start_matches('\u{feff}'),
        "rule,title,severity,case_no,agency,subject,detail,article,deduction,waived,status"
    );
    assert_eq!(lines.len(), 4);
    assert!(lines[1].starts_with("A01,逾期未归档,违规,测罚〔2024〕1号,市场监督管理局,,终结日期 2024-04-01，截至 2024-12-31 未归档，超过 30 日期限 244 日,000:第三十二条,5,否"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("V01,应录未录,违规,测罚〔2024〕1号,市场监督管理局,HD-2,"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("V03,音像记录逾期入库,违规,测罚〔2024〕1号,市场监督管理局,MV-1,"),
        "{}",
        lines[3]
    );
    let jsonl = std::fs::read_to_string(o.join("findings.jsonl")).unwrap();
    let line = jsonl.lines().next().unwrap();
    // The fields in OUTPUT.md's order, as serde_json would write the object.
    assert!(
        line.starts_with(r#"{"rule":"A01","title":"逾期未归档","severity":"违规","case_no":"测罚〔2024〕1号","agency":"市场监督管理局","subject":"","detail":"终结日期 2024-04-01，"#)
            && line.ends_with(r#"","article":"000:第三十二条","deduction":5.0,"waived":false}"#),
        "{line}"
    );
    let first: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(first["rule"], "A01");
    assert_eq!(first["severity"], "违规");
    assert_eq!(first["article"], "000:第三十二条");
    assert_eq!(first["deduction"], 5.0);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(o.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["findings"], 3);
    assert_eq!(s["by_severity"]["违规"], 3);
    assert_eq!(s["by_rule"]["V01"], 1);
    assert_eq!(s["cases"], 1);
    assert_eq!(s["agency_scores"][0]["mean_score"], 85.0);
    assert_eq!(
        s["grades"][3][0], "不合格",
        "V01 on a full activity is a veto"
    );
    assert_eq!(s["grades"][3][1], 1);
    assert!(s["not_evaluated"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["rule"] == "V06"));
    assert_eq!(s["meta"]["as_of"], "2024-12-31");
    assert_eq!(s["inputs"].as_array().unwrap().len(), 6);
    // Each input's hash is the SHA-256 of its bytes on disk (hashed two files at a time).
    for input in s["inputs"].as_array().unwrap() {
        use sha2::Digest;
        let bytes = std::fs::read(input["file"].as_str().unwrap()).unwrap();
        let want: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(input["sha256"], want, "{}", input["file"]);
    }
}

#[test]
fn findings_files_quote_what_needs_it_among_plain_findings() {
    // Plain findings, then a case whose 案号 and agency need quoting and escaping, then one
    // whose footage numbers (the findings' subjects) do: every field reads back as it is.
    let mut fx = broken();
    fx.clone_case("测罚〔2024〕2号,\"补\"", "市场,监管局", "x")
        .clone_case("测罚〔2024〕3号", "市场监督管理局", "y,\"z\"");
    let (dir, out) = audit(&fx, &[]);
    assert_ok(&out);
    let o = dir.path().join("out");
    let csv = std::fs::read_to_string(o.join("findings.csv")).unwrap();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes())
            .records()
            .map(Result::unwrap)
            .collect();
    let json: Vec<serde_json::Value> = std::fs::read_to_string(o.join("findings.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(rows.len() >= 9, "{csv}");
    assert_eq!(rows.len(), json.len());
    let fields = [
        "rule", "title", "severity", "case_no", "agency", "subject", "detail", "article",
    ];
    for (row, j) in rows.iter().zip(&json) {
        assert_eq!(row.len(), 11, "{row:?}");
        for (k, field) in fields.iter().enumerate() {
            assert_eq!(&row[k], j[field].as_str().unwrap(), "{field} of {row:?}");
        }
    }
    assert!(rows
        .iter()
        .any(|r| &r[3] == "测罚〔2024〕2号,\"补\"" && &r[4] == "市场,监管局"));
    assert!(rows.iter().any(|r| &r[5] == "MV-1-y,\"z\""), "{csv}");
    assert!(rows.iter().any(|r| &r[5] == "MV-1"), "{csv}");
}

#[test]
fn fail_on_sets_exit_code_one() {
    let (_d, out) = audit(&broken(), &["--fail-on", "violation"]);
    assert_eq!(out.status.code(), Some(1));
    let (_d, out) = audit(&Fx::clean(), &["--fail-on", "提示"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn media_fixity_with_a_media_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root/media");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("MV-1.mp4"), b"hello world").unwrap();
    std::fs::write(root.join("MV-2.mp4"), b"hello").unwrap();
    let mut fx = Fx::clean();
    fx.media(
        "MV-1",
        "哈希值",
        "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
    );
    let (_d, out) = audit(
        &fx,
        &["--media-root", dir.path().join("root").to_str().unwrap()],
    );
    assert_ok(&out);
    let csv = std::fs::read_to_string(_d.path().join("out/findings.csv")).unwrap();
    let v06: Vec<&str> = csv.lines().filter(|l| l.starts_with("V06")).collect();
    assert_eq!(v06.len(), 1, "{csv}");
    assert!(
        v06[0].contains("MV-2") && v06[0].contains("索引 11 字节，实际 5 字节"),
        "{csv}"
    );
    // A flipped byte changes the hash.
    std::fs::write(root.join("MV-1.mp4"), b"hello World").unwrap();
    std::fs::write(root.join("MV-2.mp4"), b"hello world").unwrap();
    let (_d, _) = audit(
        &fx,
        &["--media-root", dir.path().join("root").to_str().unwrap()],
    );
    let csv = std::fs::read_to_string(_d.path().join("out/findings.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("V06") && l.contains("MV-1") && l.contains("SHA-256")),
        "{csv}"
    );
    std::fs::remove_file(root.join("MV-2.mp4")).unwrap();
    let (_d, _) = audit(
        &fx,
        &["--media-root", dir.path().join("root").to_str().unwrap()],
    );
    let csv = std::fs::read_to_string(_d.path().join("out/findings.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("V06") && l.contains("MV-2") && l.contains("缺失")),
        "{csv}"
    );
}

#[test]
fn an_unwritable_output_exits_three_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    Fx::clean().write(&dir.path().join("data"));
    let out = bin()
        .args(["audit", "--profile", "henan-2019", "--out"])
        .arg(blocker.join("sub"))
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    // The system's reason in Chinese, with its number for whoever looks into it.
    assert!(
        err.contains("路径中有一部分是文件，不是文件夹（os error 20）"),
        "{err}"
    );
    assert!(!err.contains("Not a directory"), "{err}");
}

#[test]
fn a_stray_quote_running_to_the_end_of_a_file_is_cut_in_the_workbook_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    Fx::clean().write(&data);
    // A 审核时间 cell opens a quote that is never closed: the field runs on over the lines
    // after it to the end of the file, 40,000 characters and more.
    let docs = data.join("文书记录.csv");
    let mut text = std::fs::read_to_string(&docs).unwrap();
    let tail = "审核意见，".repeat(8_000);
    text.push_str(&format!(
        "测罚〔2024〕1号,询问笔录,,XW-9,2024-03-03 09:00,张三,A001,是,是,,,王五,\"{tail}\n{tail}\n"
    ));
    std::fs::write(&docs, text).unwrap();
    let out = audit_run(
        &["--profile", "district-2018", "--as-of", "2024-12-31"],
        &data,
        &dir.path().join("out"),
    );
    assert_ok(&out);
    let mut wb = calamine::open_workbook_auto(dir.path().join("out/report.xlsx")).unwrap();
    use calamine::{DataType, Reader};
    let problems = wb.worksheet_range("数据问题").unwrap();
    let raw = problems
        .rows()
        .flat_map(|r| r.iter())
        .filter_map(|c| c.get_string())
        .find(|s| s.starts_with("审核意见，"))
        .expect("the long raw value is listed");
    assert_eq!(raw.encode_utf16().count(), 32_767);
    assert!(
        raw.ends_with("…（全文 80001 字，超过 Excel 单元格上限，其余从略）"),
        "{}",
        &raw[raw.len() - 200..]
    );
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    assert!(summary.contains("\"data_problems\": 1"), "{summary}");
    // `check` lists it on one line: its head and its length.
    let check = bin().arg("check").arg(&data).output().unwrap();
    let listed = String::from_utf8(check.stdout).unwrap();
    let line = listed
        .lines()
        .find(|l| l.contains("列「审核时间」"))
        .expect("the problem is listed");
    assert!(line.contains("值「审核意见，审核意见，"), "{line}");
    assert!(line.contains("…（共 80001 字）"), "{line}");
    assert!(line.chars().count() < 400, "{line}");
}
