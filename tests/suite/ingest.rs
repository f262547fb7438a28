//! Ingest: every file form of INPUT.md, header and table discovery, bad input.

use crate::support::{bin, Fx};
use std::path::Path;
use trailcheck::ingest::mapping::Mapping;
use trailcheck::ingest::{check_bundle, read_bundle, Inputs};
use trailcheck::model::{Bundle, ServiceMethod, Table};

fn read(dir: &Path) -> Bundle {
    read_bundle(&Inputs {
        bundle: Some(dir.to_path_buf()),
        ..Inputs::default()
    })
    .unwrap()
}

fn read_err(dir: &Path) -> trailcheck::error::Error {
    read_bundle(&Inputs {
        bundle: Some(dir.to_path_buf()),
        ..Inputs::default()
    })
    .unwrap_err()
}

fn reencode(dir: &Path, enc: &'static encoding_rs::Encoding) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let text = std::fs::read_to_string(&p).unwrap();
        let (bytes, _, bad) = enc.encode(&text);
        assert!(!bad);
        std::fs::write(&p, bytes).unwrap();
    }
}

#[test]
fn gbk_and_gb18030_csv_with_chinese_headers() {
    for enc in [encoding_rs::GBK, encoding_rs::GB18030] {
        let dir = tempfile::tempdir().unwrap();
        Fx::clean().write(dir.path());
        reencode(dir.path(), enc);
        let b = read(dir.path());
        assert_eq!(b.cases.len(), 1);
        assert_eq!(&*b.cases[0].case_no, "测罚〔2024〕1号");
        assert_eq!(&*b.cases[0].agency, "市场监督管理局");
        assert_eq!(b.documents.len(), 11);
        assert_eq!(b.services[1].method, Some(ServiceMethod::Mail));
        assert!(b.problems.is_empty(), "{:#?}", b.problems);
        assert!(b
            .sources
            .iter()
            .all(|s| s.encoding.as_deref() == Some("GBK/GB18030")));
    }
}

#[test]
fn utf8_with_bom_and_english_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    let (h, _) = fx.tables.get_mut("案件登记").unwrap();
    for (zh, en) in [
        ("案号", "case_no"),
        ("执法机关", "agency"),
        ("启动日期", "opened_at"),
    ] {
        let i = h.iter().position(|c| c == zh).unwrap();
        h[i] = en.to_string();
    }
    let t = fx.tables.remove("案件登记").unwrap();
    fx.tables.insert("cases".into(), t);
    fx.write(dir.path());
    let p = dir.path().join("cases.csv");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(std::fs::read(&p).unwrap());
    std::fs::write(&p, bytes).unwrap();
    let b = read(dir.path());
    assert_eq!(&*b.cases[0].case_no, "测罚〔2024〕1号");
    assert_eq!(b.cases[0].opened_at.unwrap().to_string(), "2024-03-01");
}

/// Platforms write identifiers and dates as Excel text formulas (`="0012"`, in CSV
/// `"=""0012"""`) so that Excel keeps them as text; Excel shows the text, and so does
/// trailcheck: the case number links the other tables' rows, the date is a date.
#[test]
fn excel_text_formulas_in_csv_are_their_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.case("案号", "=\"测罚〔2024〕1号\"")
        .case("归档日期", "=\"2024-04-10\"");
    fx.write(dir.path());
    let b = read(dir.path());
    assert_eq!(&*b.cases[0].case_no, "测罚〔2024〕1号");
    assert_eq!(b.cases[0].archived_at.unwrap().to_string(), "2024-04-10");
    assert!(b.orphans.is_empty(), "every row finds its case");
    assert!(b.problems.is_empty(), "{:?}", b.problems);
}

#[test]
fn title_rows_summary_rows_and_split_parts() {
    let dir = tempfile::tempdir().unwrap();
    let fx = Fx::clean();
    fx.write(dir.path());
    let cases = dir.path().join("案件登记.csv");
    let body = std::fs::read_to_string(&cases).unwrap();
    let mut lines: Vec<&str> = body.lines().collect();
    let header = lines.remove(0).to_string();
    let first = lines.remove(0).to_string();
    std::fs::write(&cases, format!("某某区行政执法案件登记表\n导出日期：2024年12月31日\n{header}\n{first}\n,合计：2 件,,,\n")).unwrap();
    let second = first.replace("1号", "2号");
    std::fs::write(
        dir.path().join("案件登记_2.csv"),
        format!("{header}\n{second}\n,,备注：本表由系统导出\n"),
    )
    .unwrap();
    let b = read(dir.path());
    assert_eq!(b.cases.len(), 2);
    assert_eq!(&*b.cases[1].case_no, "测罚〔2024〕2号");
    assert_eq!(
        { b.cases[0].at.row },
        4,
        "Excel row of the first data row under two title rows"
    );
    assert_eq!(
        b.sources
            .iter()
            .filter(|s| s.table == trailcheck::model::Table::Cases)
            .map(|s| s.summary_rows_dropped)
            .sum::<usize>(),
        2
    );
    assert!(b.problems.is_empty(), "{:#?}", b.problems);
}

/// The clean bundle written to a new folder, with the path and text of one of its files.
fn clean_with_file(file: &str) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    let p = dir.path().join(file);
    let text = std::fs::read_to_string(&p).unwrap();
    (dir, p, text)
}

/// The clean bundle written to a new folder, with the header and first data row of one of
/// its files, split at commas.
fn clean_with_first_row(file: &str) -> (tempfile::TempDir, Vec<String>, Vec<String>) {
    let (dir, _, body) = clean_with_file(file);
    let mut lines = body
        .lines()
        .map(|l| l.split(',').map(String::from).collect());
    let header = lines.next().unwrap();
    let row = lines.next().unwrap();
    (dir, header, row)
}

/// Yes/no cells and cells read only for being filled are settled from a CSV field's bytes
/// when they can be (是, 否, empty; a first byte that is visible ASCII or CJK) and decoded
/// otherwise: every spelling reads as the decoded cell does.
#[test]
fn yes_no_and_filled_cells_read_alike_on_every_path() {
    use trailcheck::model::DocFlags;
    let (dir, header, row) = clean_with_first_row("文书记录.csv");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (shown, opinion, no) = (col("出示证件"), col("承办人意见"), col("文书编号"));
    // (出示证件, 承办人意见, read as shown, read as an opinion given)
    let cases = [
        ("是", "同意", true, true),
        ("否", "", false, false),
        ("", "   ", false, false),
        (" 是 ", "\u{3000}", true, false),
        ("Y", "《意见》", true, true),
        ("√", " a", true, true),
        ("0", "\t", false, false),
        ("可能", "（见附件）", false, true),
    ];
    let mut text = header.join(",") + "\n";
    for (k, (y, o, _, _)) in cases.iter().enumerate() {
        let mut r = row.clone();
        r[shown] = y.to_string();
        r[opinion] = o.to_string();
        r[no] = format!("测试文书-{k}");
        text += &r.join(",");
        text += "\n";
    }
    std::fs::write(dir.path().join("文书记录.csv"), text).unwrap();
    let b = read(dir.path());
    for (k, (y, o, want_shown, want_opinion)) in cases.iter().enumerate() {
        let d = b
            .documents
            .iter()
            .find(|d| d.at.row == k as u32 + 2)
            .unwrap_or_else(|| panic!("row {}", k + 2));
        assert_eq!(d.flags.contains(DocFlags::ID_SHOWN), *want_shown, "{y:?}");
        assert_eq!(
            d.flags.contains(DocFlags::HANDLER_OPINION),
            *want_opinion,
            "{o:?}"
        );
    }
    let bad: Vec<(&str, u32)> = b
        .problems
        .iter()
        .filter(|p| p.column == "出示证件")
        .map(|p| (p.raw.as_str(), p.row))
        .collect();
    assert_eq!(bad, [("可能", 9)]);
}

/// Identifiers are held in one arena per table: rows built in parallel pieces of a file
/// and rows of a second part of the table must still name their own 文件编号 and 活动编号.
#[test]
fn identifiers_of_many_pieces_and_parts() {
    let (dir, header, row) = clean_with_first_row("音像记录索引.csv");
    let id_col = header.iter().position(|h| *h == "文件编号").unwrap();
    let act_col = header.iter().position(|h| *h == "活动编号").unwrap();
    // Two parts of some 2.5 MB each: several 512 KiB pieces apiece.
    for (part, name) in ["音像记录索引.csv", "音像记录索引_2.csv"]
        .iter()
        .enumerate()
    {
        let mut text = header.join(",") + "\n";
        for n in 0..20_000 {
            let mut r = row.clone();
            r[id_col] = format!("媒体{part}-{n:06}");
            r[act_col] = if n % 3 == 0 {
                String::new()
            } else {
                format!("活动{part}-{n}")
            };
            text += &r.join(",");
            text += "\n";
        }
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let b = read(dir.path());
    assert_eq!(b.media.len(), 40_000);
    let first_source = b.media.iter().map(|m| m.at.source).min().unwrap();
    for m in &b.media {
        let part = m.at.source - first_source;
        let n = m.at.row - 2;
        assert_eq!(b.text(m.media_id), format!("媒体{part}-{n:06}"));
        let act = m.activity_id.map(|t| b.text(t).to_string());
        let want = (n % 3 != 0).then(|| format!("活动{part}-{n}"));
        assert_eq!(act, want, "row {} of part {part}", { m.at.row });
    }
}

/// A 案号 registered again is one case, its first row (in export order); every later row
/// is reported once, in row order, whatever its other columns say. Cases of one agency
/// share one agency string.
#[test]
fn repeated_case_numbers_keep_the_first_row() {
    let (dir, header, row) = clean_with_first_row("案件登记.csv");
    let cases = dir.path().join("案件登记.csv");
    let no_col = header.iter().position(|h| *h == "案号").unwrap();
    let agency_col = header.iter().position(|h| *h == "执法机关").unwrap();
    let mut text = header.join(",") + "\n";
    for n in 0..2_000 {
        let mut r = row.clone();
        r[no_col] = format!("测罚〔2024〕{}号", n % 700 + 1);
        if n >= 700 {
            r[agency_col] = "重复登记局".into();
        }
        text += &r.join(",");
        text += "\n";
    }
    std::fs::write(&cases, text).unwrap();
    let b = read(dir.path());
    assert_eq!(b.cases.len(), 700);
    assert!(b.cases.iter().all(|c| *c.agency == row[agency_col]));
    assert!(b
        .cases
        .windows(2)
        .all(|w| std::sync::Arc::ptr_eq(&w[0].agency, &w[1].agency)));
    assert_eq!(b.duplicate_cases.len(), 1_300);
    for (k, (no, at)) in b.duplicate_cases.iter().enumerate() {
        let n = 700 + k;
        assert_eq!({ at.row } as usize, n + 2, "duplicates in row order");
        assert_eq!(&**no, format!("测罚〔2024〕{}号", n % 700 + 1));
    }
}

/// 审核时间 and 批准时间 live in a side table ordered by row: every document of every part
/// of the table finds its own.
#[test]
fn review_times_of_every_part() {
    let (dir, _, text) = clean_with_file("文书记录.csv");
    // A second part whose review times differ from the first's by the day.
    std::fs::write(
        dir.path().join("文书记录_2.csv"),
        text.replace("2024-03-01 09:30", "2024-03-09 09:30")
            .replace("-1,", "-9,"),
    )
    .unwrap();
    let b = read(dir.path());
    let mut with_times = [0; 2];
    for d in &b.documents {
        let source = &b.sources[d.at.source as usize];
        let body = std::fs::read_to_string(&source.file).unwrap();
        let mut lines = body.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let line: Vec<&str> = lines
            .nth(d.at.row as usize - 2)
            .unwrap()
            .split(',')
            .collect();
        let cell = |name: &str| {
            let raw = line[header.iter().position(|h| *h == name).unwrap()];
            trailcheck::ingest::cells::parse_stamp_text(raw)
        };
        let expected = (cell("审核时间"), cell("批准时间"));
        assert_eq!(b.review_times(d), expected, "{}:{}", source.file, {
            d.at.row
        });
        if expected.0.is_some() {
            with_times[usize::from(source.file.ends_with("_2.csv"))] += 1;
        }
    }
    assert!(with_times.iter().all(|n| *n > 0), "{with_times:?}");
}

/// An identifier cell longer than an arena reference can hold (16 MiB) is cut at a
/// character boundary and reported, not lost or panicked on.
#[test]
fn overlong_identifier_is_cut_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    let long = "号".repeat(6 << 20);
    fx.doc("LA-1", "文书编号", &long);
    fx.write(dir.path());
    let b = read(dir.path());
    let cut = b
        .documents
        .iter()
        .filter_map(|d| d.doc_no.map(|t| b.text(t)))
        .find(|t| t.starts_with("号号"))
        .unwrap();
    assert_eq!(cut.len(), trailcheck::model::text::MAX_TEXT_BYTES / 3 * 3);
    assert!(long.starts_with(cut));
    let p = b
        .problems
        .iter()
        .find(|p| p.message.contains("已截断"))
        .unwrap();
    assert_eq!((p.column.as_str(), p.row), ("文书编号", 2));
    assert!(p.raw.starts_with("号号号"), "{}", p.raw);
}

/// After the rules the audit frees every table but 案件登记; the summary's row counts
/// stay those read.
#[test]
fn released_rows_keep_their_counts() {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    let mut b = read(dir.path());
    let before = Table::ALL.map(|t| b.rows(t));
    assert_eq!(before[Table::Documents as usize], b.documents.len());
    assert!(before.iter().all(|n| *n > 0), "{before:?}");
    b.release_rows();
    assert_eq!(Table::ALL.map(|t| b.rows(t)), before);
    assert!(b.documents.is_empty() && b.media.is_empty() && b.services.is_empty());
    assert_eq!(b.cases.len(), before[0]);
}

#[test]
fn every_date_form_parses() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.doc("LA-1", "制作时间", "2024/3/1")
        .doc("JC-1", "制作时间", "2024年3月2日")
        .doc("BC-1", "制作时间", "2024-03-02T10:00:00")
        .doc("XW-1", "制作时间", "20240303")
        .doc("GZ-1", "制作时间", "45361");
    fx.write(dir.path());
    let b = read(dir.path());
    assert!(b.problems.is_empty(), "{:#?}", b.problems);
    let made = |no: &str| {
        b.documents
            .iter()
            .find(|d| d.doc_no.map(|t| b.text(t)) == Some(no))
            .unwrap()
            .made_at
            .unwrap()
            .to_string()
    };
    assert_eq!(made("LA-1"), "2024-03-01");
    assert_eq!(made("JC-1"), "2024-03-02");
    assert_eq!(made("BC-1"), "2024-03-02 10:00");
    assert_eq!(made("XW-1"), "2024-03-03");
    assert_eq!(made("GZ-1"), "2024-03-10");
}

#[test]
fn bad_cells_are_listed_with_position_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.doc("JC-1", "制作时间", "三月二日")
        .doc("XW-1", "出示证件", "也许")
        .media("MV-1", "文件大小", "大约一兆");
    fx.write(dir.path());
    let out = bin().arg("check").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("发现 3 个数据问题"), "{text}");
    assert!(
        text.contains("文书记录.csv 第 3 行 列「制作时间」 值「三月二日」"),
        "{text}"
    );
    assert!(text.contains("第 5 行 列「出示证件」 值「也许」"), "{text}");
    assert!(
        text.contains("音像记录索引.csv 第 2 行 列「文件大小」 值「大约一兆」"),
        "{text}"
    );
    assert!(text.contains("文书记录：11 行"), "{text}");
}

#[test]
fn unknown_values_are_one_problem_per_distinct_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    for t in ["2024-03-22", "2024-03-23", "2024-03-24"] {
        fx.add(
            "送达记录",
            &[
                ("送达文书", "行政处罚决定书"),
                ("送达方式", "飞鸽传书"),
                ("送达时间", t),
            ],
        );
    }
    fx.write(dir.path());
    let b = read(dir.path());
    let p: Vec<_> = b.problems.iter().filter(|p| p.raw == "飞鸽传书").collect();
    assert_eq!(p.len(), 1, "{:#?}", b.problems);
    assert_eq!(p[0].count, 3);
    assert_eq!(p[0].row, 4);
}

#[test]
fn a_column_that_fails_often_makes_its_rules_not_evaluated() {
    let mut fx = Fx::clean();
    fx.set_all("音像记录索引", "入库时间", "当天");
    let o = fx.outcome_at("district-2018", "2024-12-31");
    let n = o
        .not_evaluated
        .iter()
        .find(|n| n.rule == "V03")
        .expect("V03 not evaluated");
    assert!(n.reason.contains("入库时间"), "{}", n.reason);
    assert!(o.findings.iter().all(|f| f.rule() != "V03"));
}

#[test]
fn missing_optional_table_turns_its_rules_off_and_says_so() {
    let mut fx = Fx::clean();
    fx.drop_table("调阅复制记录");
    let o = fx.outcome_at("district-2018", "2024-12-31");
    let n = o.not_evaluated.iter().find(|n| n.rule == "X01").unwrap();
    assert!(n.reason.contains("调阅复制记录"));
}

#[test]
fn mapping_file_renames_columns_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    let h = &mut fx.tables.get_mut("案件登记").unwrap().0;
    let i = h.iter().position(|c| c == "启动日期").unwrap();
    h[i] = "立案日期".into();
    fx.set("送达记录", "送达方式", "邮寄送达", "送达方式", "快递");
    fx.write(dir.path());
    let mapping = Mapping::parse(
        "[columns.cases]\n\"立案日期\" = \"启动日期\"\n[values.method]\n\"快递\" = \"邮寄送达\"\n",
        "m",
    )
    .unwrap();
    let b = read_bundle(&Inputs {
        bundle: Some(dir.path().into()),
        mapping,
        ..Inputs::default()
    })
    .unwrap();
    assert_eq!(b.cases[0].opened_at.unwrap().to_string(), "2024-03-01");
    assert!(b
        .services
        .iter()
        .any(|s| s.method == Some(ServiceMethod::Mail)));
    assert!(b.problems.is_empty(), "{:#?}", b.problems);
}

#[test]
fn a_csv_file_given_as_the_bundle_is_told_to_use_a_folder_or_the_table_options() {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    let e = read_err(&dir.path().join("案件登记.csv"));
    assert_eq!(e.exit_code(), 2);
    let msg = e.to_string();
    assert!(
        msg.contains("案件登记.csv 是单个 CSV 文件") && msg.contains("--cases"),
        "{msg}"
    );
}

#[test]
fn missing_required_column_names_file_column_and_closest_header() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    let h = &mut fx.tables.get_mut("案件登记").unwrap().0;
    let i = h.iter().position(|c| c == "启动日期").unwrap();
    h[i] = "启动时间".into();
    fx.write(dir.path());
    let e = read_err(dir.path());
    assert_eq!(e.exit_code(), 2);
    let msg = e.to_string();
    assert!(
        msg.contains("案件登记.csv")
            && msg.contains("「启动日期」")
            && msg.contains("最接近的表头：「启动时间」"),
        "{msg}"
    );
    let out = bin()
        .args(["audit", "--profile", "district-2018", "--out"])
        .arg(dir.path().join("out"))
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("最接近的表头"));
    assert!(!dir.path().join("out/findings.csv").exists());
}

#[test]
fn missing_cases_table_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.drop_table("案件登记");
    fx.write(dir.path());
    let e = read_err(dir.path());
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("案件登记"));
}

#[test]
fn media_with_blank_or_unknown_case_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.add(
        "音像记录索引",
        &[
            ("文件编号", "MV-7"),
            ("开始时间", "2024-03-05 09:00"),
            ("结束时间", "2024-03-05 09:10"),
            ("入库时间", "2024-03-05 10:00"),
        ],
    );
    fx.set("音像记录索引", "文件编号", "MV-7", "案号", "");
    fx.add(
        "音像记录索引",
        &[
            ("文件编号", "MV-8"),
            ("案号", "不存在〔2024〕1号"),
            ("开始时间", "2024-03-05 09:00"),
            ("结束时间", "2024-03-05 09:10"),
            ("入库时间", "2024-03-05 10:00"),
        ],
    );
    fx.write(dir.path());
    let b = read(dir.path());
    assert_eq!(b.media.len(), 4);
    assert_eq!(b.orphans.len(), 1);
    assert!(b
        .media
        .iter()
        .any(|m| b.text(m.media_id) == "MV-7" && m.case.is_none()));
}

#[test]
fn one_table_alone_with_check() {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    let out = bin()
        .args(["check", "--documents"])
        .arg(dir.path().join("文书记录.csv"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("文书记录：11 行"), "{text}");
    assert!(text.contains("案件登记：未提供"), "{text}");
}

#[test]
fn mixed_encodings_are_read_line_by_line_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    let p = dir.path().join("送达记录.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let last = lines.pop().unwrap();
    let mut bytes = lines.join("\n").into_bytes();
    bytes.push(b'\n');
    bytes.extend(encoding_rs::GBK.encode(&last).0.iter());
    bytes.push(b'\n');
    std::fs::write(&p, bytes).unwrap();
    let b = read(dir.path());
    assert_eq!(b.services.len(), 2);
    assert!(b.services.iter().all(|s| !s.doc_type.is_empty()));
    assert!(b
        .services
        .iter()
        .any(|s| s.method == Some(ServiceMethod::Mail)));
    assert!(
        b.problems.iter().any(|p| p.message.contains("编码混杂")),
        "{:#?}",
        b.problems
    );
}

#[test]
fn empty_and_non_table_files_get_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("案件登记.csv"), b"").unwrap();
    let e = read_err(dir.path());
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("为空"), "{e}");
    std::fs::write(
        dir.path().join("案件登记.csv"),
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0",
    )
    .unwrap();
    let e = read_err(dir.path());
    assert_eq!(e.exit_code(), 2);
    std::fs::remove_file(dir.path().join("案件登记.csv")).unwrap();
    std::fs::write(dir.path().join("案件登记.xlsx"), b"PK\x03\x04 truncated").unwrap();
    let e = read_err(dir.path());
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("案件登记.xlsx"), "{e}");
}

#[test]
fn one_workbook_with_date_cells_or_serials() {
    for mode in [
        crate::support::DateCells::Dates,
        crate::support::DateCells::Serials,
        crate::support::DateCells::Text,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let wb = dir.path().join("导出.xlsx");
        Fx::clean().write_workbook(&wb, mode);
        let b = read_bundle(&Inputs {
            bundle: Some(wb.clone()),
            ..Inputs::default()
        })
        .unwrap();
        assert!(b.problems.is_empty(), "{:#?}", b.problems);
        assert_eq!(b.documents.len(), 11);
        assert_eq!(b.cases[0].opened_at.unwrap().to_string(), "2024-03-01");
        assert!(b.cases[0].opened_at.unwrap().date_only());
        assert_eq!(
            b.media[0].stored_at.unwrap().to_string(),
            "2024-03-02 12:00"
        );
        assert_eq!({ b.cases[0].at.row }, 3, "title row, header row, then data");
        let dropped: usize = b.sources.iter().map(|s| s.summary_rows_dropped).sum();
        assert_eq!(dropped, 6, "one 合计 row per sheet");
        // Every sheet's source carries the workbook's own SHA-256 (hashed once).
        let want: String = {
            use sha2::Digest;
            let d = sha2::Sha256::digest(std::fs::read(&wb).unwrap());
            d.iter().map(|b| format!("{b:02x}")).collect()
        };
        assert!(
            b.sources.iter().all(|s| s.sha256 == want),
            "{:?}",
            b.sources
        );
        let out = dir.path().join("out");
        let st = bin()
            .args([
                "audit",
                "--profile",
                "district-2018",
                "--as-of",
                "2024-12-31",
                "--out",
            ])
            .arg(&out)
            .arg(&wb)
            .status()
            .unwrap();
        assert_eq!(st.code(), Some(0));
        let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
        assert_eq!(
            csv.lines().count(),
            1,
            "the clean bundle has no finding: {csv}"
        );
    }
}

/// Rewrite the workbook `wb` with each sheet's last row stored first among its data rows
/// (after its title and header rows), the row keeping its own number.
fn store_last_rows_first(wb: &Path) {
    use std::io::{Read, Write};
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wb).unwrap()).unwrap();
    let mut entries = Vec::new();
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        entries.push((f.name().unwrap().to_string(), bytes));
    }
    let mut out = zip::ZipWriter::new(std::fs::File::create(wb).unwrap());
    for (name, bytes) in entries {
        let bytes = if name.starts_with("xl/worksheets/sheet") {
            let xml = String::from_utf8(bytes).unwrap();
            let first = xml.find(r#"<row r="3""#).expect("a first data row");
            let last = xml.rfind("<row ").unwrap();
            let end = xml[last..].find("</row>").unwrap() + last + "</row>".len();
            let moved = format!(
                "{}{}{}{}",
                &xml[..first],
                &xml[last..end],
                &xml[first..last],
                &xml[end..]
            );
            assert_ne!(moved, xml);
            moved.into_bytes()
        } else {
            bytes
        };
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn a_workbook_whose_rows_are_stored_out_of_order_reads_as_its_ordered_copy() {
    // Sheets are streamed a batch of rows at a time; a sheet whose rows are not stored in
    // order is read whole instead, and reads as the same sheet stored in order.
    let dir = tempfile::tempdir().unwrap();
    let ordered = dir.path().join("导出.xlsx");
    Fx::clean().write_workbook(&ordered, crate::support::DateCells::Dates);
    let unordered = dir.path().join("乱序.xlsx");
    std::fs::copy(&ordered, &unordered).unwrap();
    store_last_rows_first(&unordered);
    let (a, b) = (read(&ordered), read(&unordered));
    let cases = |b: &Bundle| -> Vec<(String, u32, Option<String>)> {
        b.cases
            .iter()
            .map(|c| {
                (
                    c.case_no.to_string(),
                    c.at.row,
                    c.closed_at.map(|d| d.to_string()),
                )
            })
            .collect()
    };
    assert_eq!(cases(&a), cases(&b));
    let docs = |b: &Bundle| -> Vec<u32> { b.documents.iter().map(|d| d.at.row).collect() };
    assert_eq!(docs(&a), docs(&b));
    assert_eq!(a.media.len(), b.media.len());
    assert!(b.problems.is_empty(), "{:#?}", b.problems);
    let rows = |b: &Bundle| -> Vec<(usize, usize)> {
        b.sources
            .iter()
            .map(|s| (s.rows, s.summary_rows_dropped))
            .collect()
    };
    assert_eq!(rows(&a), rows(&b));
}

#[test]
fn a_sheet_whose_table_starts_off_its_corner_keeps_excel_row_numbers() {
    // A title in C2, the header in C4:H4, data from row 5; a wide stray cell far right in a
    // data row is no column of the table.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("导出.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet().set_name("案件登记").unwrap();
    ws.write_string(1, 2, "某局案件导出").unwrap();
    let header = [
        "案号",
        "执法机关",
        "执法类别",
        "启动方式",
        "当事人",
        "启动日期",
    ];
    let rows = [
        [
            "测罚〔2024〕1号",
            "某局",
            "行政处罚",
            "依职权",
            "张三",
            "2024-03-01",
        ],
        [
            "测罚〔2024〕2号",
            "某局",
            "行政处罚",
            "依职权",
            "李四",
            "待补录",
        ],
    ];
    for (r, row) in std::iter::once(&header).chain(&rows).enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(3 + r as u32, 2 + c as u16, *v).unwrap();
        }
    }
    ws.write_string(5, 16_000, "备用").unwrap();
    book.save(&path).unwrap();
    let b = read(&path);
    let cases: Vec<(&str, u32)> = b.cases.iter().map(|c| (&*c.case_no, c.at.row)).collect();
    assert_eq!(cases, [("测罚〔2024〕1号", 5), ("测罚〔2024〕2号", 6)]);
    assert_eq!(b.problems.len(), 1, "{:#?}", b.problems);
    let p = &b.problems[0];
    assert_eq!(
        (p.sheet.as_deref(), p.row, p.column.as_str(), p.raw.as_str()),
        (Some("案件登记"), 6, "启动日期", "待补录")
    );
}

#[test]
fn xls_and_wps_et_files() {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    std::fs::remove_file(dir.path().join("案件登记.csv")).unwrap();
    let xls = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/xls/案件登记.xls");
    std::fs::copy(&xls, dir.path().join("案件登记.xls")).unwrap();
    let b = read(dir.path());
    assert_eq!(&*b.cases[0].case_no, "测罚〔2024〕1号");
    assert_eq!(b.cases[0].closed_at.unwrap().to_string(), "2024-04-01");
    assert_eq!(
        b.cases[0].approved_at.unwrap().to_string(),
        "2024-03-01 10:00"
    );
    std::fs::rename(
        dir.path().join("案件登记.xls"),
        dir.path().join("案件登记.et"),
    )
    .unwrap();
    let b = read(dir.path());
    assert_eq!(&*b.cases[0].case_no, "测罚〔2024〕1号");
}

#[test]
fn large_gbk_file_keeps_excel_row_numbers_across_quotes_and_blank_lines() {
    // Enough rows for the reader's parallel pieces (about 1 MiB each), with quoted line
    // breaks and doubled quotes, a blank line and title rows above the header: every
    // bad cell must still be reported at the row Excel shows.
    let (dir, p, text) = clean_with_file("文书记录.csv");
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let first = lines.next().unwrap();
    let mut body = format!("文书记录导出\n\n{header}\n");
    let mut row = 3u32;
    let mut bad_rows = Vec::new();
    let mut orphan_row = 0;
    for i in 0..45_000u32 {
        row += 1;
        let line = first.replace("LA-1", &format!("LA-{i}"));
        if i % 7 == 0 {
            // A 备注 over two lines: one record, one Excel row.
            body.push_str(&format!("{line}\"第{i}号\n\"\"说明\"\"\"\n"));
        } else if i % 9_999 == 0 {
            body.push_str(&line.replace("2024-03-01 09:00", "三月一日"));
            body.push('\n');
            bad_rows.push(row);
        } else if i == 30_000 {
            // A row of no case: reported at its row too (pieces count their rows from
            // 0 and are moved to their place in the file).
            body.push_str(&line.replacen("测罚〔2024〕1号", "无此案号", 1));
            body.push('\n');
            orphan_row = row;
        } else {
            body.push_str(&line);
            body.push('\n');
        }
        if i == 100 {
            body.push('\n');
            row += 1;
        }
    }
    std::fs::write(&p, encoding_rs::GBK.encode(&body).0).unwrap();
    // Past the first 4 MiB (read for detection and kept) and over more than one block.
    assert!(std::fs::metadata(&p).unwrap().len() > 5 << 20);
    let b = read(dir.path());
    assert_eq!(b.documents.len(), 44_999);
    let orphans: Vec<(&str, u32)> = b.orphans.iter().map(|o| (&*o.case_no, o.at.row)).collect();
    assert_eq!(orphans, [("无此案号", orphan_row)]);
    let source = b.sources.iter().find(|s| s.file.ends_with("文书记录.csv"));
    assert_eq!(
        source.unwrap().sha256,
        trailcheck::fixity::sha256_file(&p).unwrap()
    );
    let noted = b
        .documents
        .iter()
        .filter(|d| d.doc_no.map(|t| b.text(t)) == Some("LA-7"))
        .count();
    assert_eq!(noted, 1);
    let rows: Vec<u32> = b
        .problems
        .iter()
        .filter(|p| p.raw == "三月一日")
        .map(|p| p.row)
        .collect();
    assert_eq!(
        rows,
        bad_rows,
        "{:#?}",
        &b.problems[..b.problems.len().min(5)]
    );
    assert_eq!(bad_rows.len(), 4);
    let last = b.documents.iter().map(|d| d.at.row).max().unwrap();
    assert_eq!(last, row, "Excel row of the last record");
}

#[test]
fn mapped_utf16_and_bare_cr_files_are_read_and_hashed() {
    // A plain file is read mapped; the other two are read into buffers.
    for form in ["UTF-8", "UTF-16LE", "CR"] {
        let (dir, p, text) = clean_with_file("文书记录.csv");
        let bytes = if form == "UTF-8" {
            text.into_bytes()
        } else if form == "CR" {
            text.replace("\r\n", "\r").replace('\n', "\r").into_bytes()
        } else {
            let mut b = vec![0xFF, 0xFE];
            text.encode_utf16().for_each(|u| b.extend(u.to_le_bytes()));
            b
        };
        std::fs::write(&p, &bytes).unwrap();
        let b = read(dir.path());
        assert_eq!(b.documents.len(), 11, "{form}");
        assert!(b.problems.is_empty(), "{form}: {:#?}", b.problems);
        let last = b.documents.iter().map(|d| d.at.row).max().unwrap();
        assert_eq!(last, 12, "{form}: header row, then 11 documents");
        let source = b.sources.iter().find(|s| s.file.ends_with("文书记录.csv"));
        let label = if form == "UTF-16LE" {
            "UTF-16"
        } else {
            "UTF-8"
        };
        assert_eq!(source.unwrap().encoding.as_deref(), Some(label), "{form}");
        assert_eq!(
            source.unwrap().sha256,
            trailcheck::fixity::sha256_file(&p).unwrap(),
            "{form}"
        );
    }
}

/// `check` lists no hash, so it takes none; it reads the same rows as an audit.
#[test]
fn a_check_reads_what_an_audit_reads_without_hashing_the_files() {
    let (dir, _, _) = clean_with_file("文书记录.csv");
    let inputs = Inputs {
        bundle: Some(dir.path().to_path_buf()),
        ..Inputs::default()
    };
    let (audit, check) = (
        read_bundle(&inputs).unwrap(),
        check_bundle(&inputs, false).unwrap(),
    );
    assert!(audit.sources.iter().all(|s| s.sha256.len() == 64));
    assert!(check.sources.iter().all(|s| s.sha256.is_empty()));
    assert_eq!(check.sources.len(), audit.sources.len());
    for t in Table::ALL {
        assert_eq!(check.rows(t), audit.rows(t), "{t:?}");
    }
    assert_eq!(check.problems.len(), audit.problems.len());
}

/// A CSV file is read mapped: when another program cuts it short while it is read, the
/// run stops with the input error's exit code and says why, instead of crashing.
#[cfg(target_os = "linux")]
#[test]
fn a_file_cut_short_while_it_is_read_stops_the_run_with_a_message() {
    let (_dir, p, text) = clean_with_file("文书记录.csv");
    let (header, body) = text.split_once('\n').unwrap();
    // Some 60 MB: longer to read than the few milliseconds the cut takes.
    let mut big = String::with_capacity(64 << 20);
    big.push_str(header);
    big.push('\n');
    while big.len() < 60 << 20 {
        big.push_str(body);
    }
    std::fs::write(&p, &big).unwrap();
    let mut child = bin()
        .args(["check", "--documents"])
        .arg(&p)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let maps = format!("/proc/{}/maps", child.id());
    let name = p.file_name().unwrap().to_string_lossy().to_string();
    while !std::fs::read_to_string(&maps).is_ok_and(|m| m.contains(&name)) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before the file was mapped"
        );
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open(&p)
        .unwrap()
        .set_len(4096)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("读取输入文件时文件被截断"), "{err}");
}

#[test]
fn file_sizes_with_thousands_separators_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.media("MV-1", "文件大小", "2,097,152");
    fx.write(dir.path());
    let b = read(dir.path());
    assert!(b.problems.is_empty(), "{:#?}", b.problems);
}

#[test]
fn a_table_of_only_its_header_without_a_line_break_has_no_rows() {
    let fx = Fx::clean();
    for (name, (header, _)) in &fx.tables {
        for enc in [encoding_rs::UTF_8, encoding_rs::GBK] {
            let dir = tempfile::tempdir().unwrap();
            fx.write(dir.path());
            let line = header.join(",");
            let (bytes, _, _) = enc.encode(&line);
            std::fs::write(dir.path().join(format!("{name}.csv")), bytes).unwrap();
            let b = read(dir.path());
            let t = Table::ALL.into_iter().find(|t| t.zh() == name).unwrap();
            assert_eq!(b.rows(t), 0, "{name}");
            assert!(b.problems.is_empty(), "{name}: {:#?}", b.problems);
        }
    }
}

#[test]
fn a_column_gone_wrong_lists_a_thousand_cells_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(dir.path());
    let docs = dir.path().join("文书记录.csv");
    let mut text = std::fs::read_to_string(&docs).unwrap();
    let clean_rows = text.lines().count() - 1;
    for k in 0..1_200 {
        text.push_str(&format!(
            "测罚〔2024〕1号,询问笔录,,XW-{k},待补录,张三,A001,是,是\n"
        ));
    }
    std::fs::write(&docs, text).unwrap();
    let b = read(dir.path());
    let made: Vec<_> = b
        .problems
        .iter()
        .filter(|p| p.column == "制作时间")
        .collect();
    assert_eq!(made.len(), 1_001);
    let first = clean_rows as u32 + 2;
    assert!(made[..1_000]
        .iter()
        .zip(first..)
        .all(|(p, row)| p.row == row && p.raw == "待补录" && p.count == 1));
    let rest = made[1_000];
    assert_eq!((rest.row, rest.count), (first + 1_000, 200));
    assert!(rest.raw.is_empty());
    assert!(
        rest.message
            .starts_with("同列另有 200 个单元格无法解析，未逐一列出"),
        "{}",
        rest.message
    );
    // Their rows are kept, the field empty.
    assert_eq!(b.documents.len(), clean_rows + 1_200);
}

/// Platforms that "export to Excel" often write a web page, or tab-separated text, under
/// an `.xls` name. Both are read as what they are: the same rows as the CSV bundle, a bad
/// cell placed on the row Excel shows it on.
#[test]
fn a_web_page_or_text_saved_as_xls_is_read_as_what_it_is() {
    let mut fx = Fx::clean();
    fx.doc("JC-1", "制作时间", "2024年13月1日");
    let dir = tempfile::tempdir().unwrap();
    fx.write(dir.path());
    let expected = read(dir.path());
    // 案件登记 as a GBK web page with a title row above the header; 文书记录 as text.
    let (header, rows) = &fx.tables["案件登记"];
    let row = |cells: &[String], tag: &str| {
        let cells: String = cells
            .iter()
            .map(|c| format!("<{tag}>{}</{tag}>", c.replace('&', "&amp;")))
            .collect();
        format!("<tr>{cells}</tr>\n")
    };
    let mut page = String::from(
        "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\"></head>\n<body><table>\n<tr><td colspan=\"18\">某市场监督管理局 案件登记</td></tr>\n",
    );
    page.push_str(&row(header, "th"));
    for r in rows {
        page.push_str(&row(r, "td"));
    }
    page.push_str("</table></body></html>\n");
    std::fs::remove_file(dir.path().join("案件登记.csv")).unwrap();
    std::fs::write(
        dir.path().join("案件登记.xls"),
        encoding_rs::GBK.encode(&page).0,
    )
    .unwrap();
    let csv = std::fs::read_to_string(dir.path().join("文书记录.csv")).unwrap();
    std::fs::remove_file(dir.path().join("文书记录.csv")).unwrap();
    std::fs::write(dir.path().join("文书记录.xls"), csv.replace(',', "\t")).unwrap();
    let b = read(dir.path());
    assert_eq!(b.cases.len(), expected.cases.len());
    assert_eq!(b.cases[0].case_no, expected.cases[0].case_no);
    assert_eq!(b.documents.len(), expected.documents.len());
    let label = |t: Table| {
        let s = b.sources.iter().find(|s| s.table == t).unwrap();
        s.encoding.clone().unwrap()
    };
    assert_eq!(label(Table::Cases), "网页或 XML 表格，已转换");
    assert_eq!(label(Table::Documents), "UTF-8");
    let p = b
        .problems
        .iter()
        .find(|p| p.raw == "2024年13月1日")
        .unwrap();
    let q = expected
        .problems
        .iter()
        .find(|p| p.raw == "2024年13月1日")
        .unwrap();
    assert!(p.file.ends_with("文书记录.xls"), "{p:?}");
    assert_eq!((p.row, &p.column), (q.row, &q.column));
    assert_eq!(
        b.problems.len(),
        expected.problems.len(),
        "{:#?}",
        b.problems
    );
}

/// A zip of `entries` (name, bytes) whose names are stored in GBK and not flagged as
/// UTF-8, as Chinese Windows writes them: each is written under an ASCII stand-in of the
/// same length, replaced in place.
fn gbk_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut names = Vec::new();
    for (i, (name, data)) in entries.iter().enumerate() {
        let gbk = encoding_rs::GBK.encode(name).0.into_owned();
        let stand_in = format!("{i:~>width$}", width = gbk.len()).replace(' ', "~");
        assert_eq!(stand_in.len(), gbk.len());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        out.start_file(&stand_in, options).unwrap();
        std::io::Write::write_all(&mut out, data).unwrap();
        names.push((stand_in.into_bytes(), gbk));
    }
    let mut bytes = out.finish().unwrap().into_inner();
    for (stand_in, gbk) in names {
        let mut at = 0;
        while let Some(i) = bytes[at..]
            .windows(stand_in.len())
            .position(|w| w == stand_in)
        {
            bytes[at + i..at + i + gbk.len()].copy_from_slice(&gbk);
            at += i + gbk.len();
        }
    }
    bytes
}

/// The files of folder `dir` as zip entries under `folder/`, in name order.
fn entries_of(dir: &Path, folder: &str) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (format!("{folder}{name}"), std::fs::read(&p).unwrap())
        })
        .collect();
    v.sort();
    v
}

fn write_zip(path: &Path, entries: &[(String, Vec<u8>)]) {
    let refs: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    std::fs::write(path, gbk_zip(&refs)).unwrap();
}

/// Exports often arrive zipped. A zip given as the bundle is read as the folder it holds
/// (GBK names included; other members such as photos are left alone), with the same
/// findings as the extracted folder, and every file it names is a path inside the archive:
/// sources, data problems, the workbook's 运行参数 and the findings; the temporary folder
/// appears nowhere.
#[test]
fn a_zip_bundle_is_read_as_the_folder_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain");
    let mut fx = Fx::clean();
    fx.case("归档日期", "2024年13月1日");
    fx.write(&plain);
    let mut entries = entries_of(&plain, "2024年导出/");
    entries.push(("现场照片/1.jpg".to_string(), b"\xff\xd8".to_vec()));
    let zip = dir.path().join("导出数据.zip");
    write_zip(&zip, &entries);

    let unzipped = read(&zip);
    let folder = read(&plain);
    assert_eq!(unzipped.cases.len(), folder.cases.len());
    assert_eq!(unzipped.documents.len(), folder.documents.len());
    let shown = format!("{}/2024年导出/", zip.display());
    assert_eq!(unzipped.sources.len(), 6);
    for (z, f) in unzipped.sources.iter().zip(&folder.sources) {
        assert!(z.file.starts_with(&shown), "{}", z.file);
        assert_eq!(z.sha256, f.sha256, "the member's hash is the file's");
        assert_eq!(z.rows, f.rows);
    }
    let bad = unzipped
        .problems
        .iter()
        .find(|p| p.raw == "2024年13月1日")
        .expect("the bad date is reported");
    assert_eq!(bad.file, format!("{shown}案件登记.csv"));

    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for (data, out) in [(&zip, &a), (&plain, &b)] {
        let o = crate::support::audit_run(&["--profile", "district-2018"], data, out);
        crate::support::assert_ok(&o);
    }
    assert_eq!(
        std::fs::read(a.join("findings.jsonl")).unwrap(),
        std::fs::read(b.join("findings.jsonl")).unwrap()
    );
    let summary = std::fs::read_to_string(a.join("summary.json")).unwrap();
    assert!(summary.contains("2024年导出/案件登记.csv"), "{summary}");
    assert!(!summary.contains("trailcheck-zip"), "{summary}");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(a.join("report.xlsx")).unwrap();
    for sheet in ["运行参数", "数据问题"] {
        let range = calamine::Reader::worksheet_range(&mut wb, sheet).unwrap();
        let cells: Vec<String> = range.cells().map(|(_, _, c)| c.to_string()).collect();
        assert!(
            cells
                .iter()
                .any(|c| c.contains("导出数据.zip/2024年导出/案件登记.csv")),
            "{sheet}: {cells:?}"
        );
        assert!(
            !cells.iter().any(|c| c.contains("trailcheck-zip")),
            "{sheet}"
        );
    }
}

/// A zip that holds one workbook and no table file is that workbook's bundle; a missing
/// column names the file inside the archive.
#[test]
fn a_zip_of_one_workbook_is_its_bundle_and_messages_name_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let book = dir.path().join("全部.xlsx");
    Fx::clean().write_workbook(&book, crate::support::DateCells::Text);
    let zip = dir.path().join("导出.zip");
    write_zip(
        &zip,
        &[("月报/全部.xlsx".to_string(), std::fs::read(&book).unwrap())],
    );
    let b = read(&zip);
    assert_eq!(b.cases.len(), 1);
    assert_eq!(
        b.sources[0].file,
        format!("{}/月报/全部.xlsx", zip.display())
    );

    let plain = dir.path().join("plain");
    let mut fx = Fx::clean();
    fx.drop_column("案件登记", "执法类别");
    fx.write(&plain);
    write_zip(&zip, &entries_of(&plain, ""));
    let e = read_err(&zip).to_string();
    assert!(
        e.contains(&format!("{}/案件登记.csv", zip.display())) && e.contains("执法类别"),
        "{e}"
    );
    assert!(!e.contains("trailcheck-zip"), "{e}");
}

/// A zip whose tables lie in several folders, whose member climbs out of the archive, or
/// that holds no table stops with one message saying so; an archive in the bundle's
/// folder in place of the tables is pointed to; RAR is named and asked to be extracted;
/// a workbook is never taken for an archive, however damaged.
#[test]
fn a_zip_that_is_not_one_bundle_is_refused_with_what_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let clean: Vec<(String, Vec<u8>)> = entries_of(&crate::support::clean_dir(), "1月/");
    let cases = clean
        .iter()
        .find(|(n, _)| n.ends_with("案件登记.csv"))
        .unwrap()
        .1
        .clone();
    let zip = dir.path().join("导出数据.zip");
    let check = |path: &Path| {
        let o = bin().arg("check").arg(path).output().unwrap();
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    let mut two = clean.clone();
    two.push(("2月/案件登记.csv".to_string(), cases.clone()));
    write_zip(&zip, &two);
    let err = check(&zip);
    assert!(err.contains("数据表分在多个文件夹：1月/、2月/"), "{err}");

    // A member whose bytes were changed after it was packed.
    let mut bytes = gbk_zip(&[("案件登记.csv", &cases)]);
    let at = bytes
        .windows(6)
        .position(|w| w == "测罚".as_bytes())
        .unwrap();
    bytes[at + 5] ^= 1;
    std::fs::write(&zip, bytes).unwrap();
    let err = check(&zip);
    assert!(
        err.contains("的「案件登记.csv」：文件已损坏或不完整（内容与校验值不符或压缩数据已损坏）"),
        "{err}"
    );

    write_zip(&zip, &[("../案件登记.csv".to_string(), cases)]);
    let err = check(&zip);
    assert!(
        err.contains("成员「../案件登记.csv」的路径指向压缩包以外"),
        "{err}"
    );

    write_zip(
        &zip,
        &[
            ("说明.txt".to_string(), b"x".to_vec()),
            ("照片.jpg".to_string(), b"y".to_vec()),
        ],
    );
    let err = check(&zip);
    assert!(
        err.contains("中没有数据表") && err.contains("内有 说明.txt、照片.jpg"),
        "{err}"
    );

    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&zip, folder.join("导出数据.zip")).unwrap();
    let err = check(&folder);
    assert!(
        err.contains("缺少必需的表「案件登记」")
            && err.contains(
                "文件夹中有压缩包 导出数据.zip，导出数据如在其中，可直接以 zip 作为数据包"
            ),
        "{err}"
    );
    let rar = dir.path().join("导出数据.rar");
    std::fs::write(&rar, b"Rar!\x1a\x07\x01\x00rest").unwrap();
    let err = check(&rar);
    assert!(
        err.contains("是压缩包（RAR），不是工作簿：请先解压"),
        "{err}"
    );
    std::fs::remove_file(folder.join("导出数据.zip")).unwrap();
    std::fs::copy(&rar, folder.join("导出数据.rar")).unwrap();
    let err = check(&folder);
    assert!(
        err.contains("文件夹中有压缩包 导出数据.rar，导出数据如在其中，请先解压"),
        "{err}"
    );

    // An xlsx with nothing but its content types, and one that lost them.
    for part in ["[Content_Types].xml", "xl/workbook.xml"] {
        let wb = dir.path().join("坏.xlsx");
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        out.start_file(part, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::fs::write(&wb, out.finish().unwrap().into_inner()).unwrap();
        assert!(!check(&wb).contains("压缩包"), "{part}");
    }
}
