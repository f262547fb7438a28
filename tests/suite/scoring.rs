//! Scoring and the evaluation workbook: hand-computed scores, caps, vetoes, ties, waivers,
//! read back from report.xlsx with calamine and opened by LibreOffice.

use crate::support::{assert_ok, audit_run, bin, Fx};
use calamine::{open_workbook_auto, Data, Reader};
use std::path::{Path, PathBuf};

/// Four agencies, five cases, scores computed by hand:
/// - 市场监督管理局 测罚〔2024〕1号: clean, 100.
/// - 综合行政执法局 测罚〔2024〕2号: I01 on four records → 4 × 5 capped at 15 → 85.
/// - 综合行政执法局 测罚〔2024〕3号: clean, 100 → agency mean 92.5.
/// - 生态环境局 测罚〔2024〕4号: V01 on the 扣押 activity (full) → 95 but 不合格 (veto).
/// - 应急管理局 测罚〔2024〕5号: I04 once → 95: ties with 生态环境局 for rank 2.
fn county() -> Fx {
    let mut fx = Fx::clean();
    fx.clone_case("测罚〔2024〕2号", "综合行政执法局", "2")
        .clone_case("测罚〔2024〕3号", "综合行政执法局", "3")
        .clone_case("测罚〔2024〕4号", "生态环境局", "4")
        .clone_case("测罚〔2024〕5号", "应急管理局", "5");
    for no in ["JC-1", "XW-1"] {
        fx.set_where(
            "文书记录",
            &[("案号", "测罚〔2024〕2号"), ("文书编号", no)],
            "出示证件",
            "否",
        );
    }
    for (no, at) in [("XW-2", "2024-03-04 09:00"), ("XW-3", "2024-03-05 09:00")] {
        fx.add(
            "文书记录",
            &[
                ("案号", "测罚〔2024〕2号"),
                ("文书名称", "询问笔录"),
                ("文书编号", no),
                ("制作时间", at),
                ("执法人员", "张三；李四"),
                ("执法证号", "A001；A002"),
                ("出示证件", "否"),
                ("当事人签字", "是"),
            ],
        );
    }
    fx.remove("音像记录索引", "文件编号", "MV-2-4");
    fx.set_where(
        "文书记录",
        &[("案号", "测罚〔2024〕5号"), ("文书编号", "BC-1")],
        "当事人签字",
        "",
    );
    fx
}

fn run(fx: &Fx, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    fx.write(&dir.path().join("data"));
    let out = dir.path().join("out");
    let base = ["--profile", "district-2018", "--as-of", "2024-12-31"];
    let o = audit_run(&[&base[..], extra].concat(), &dir.path().join("data"), &out);
    assert_ok(&o);
    (dir, out)
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb = open_workbook_auto(path).unwrap();
    let r = wb.worksheet_range(name).unwrap();
    r.rows().map(|r| r.to_vec()).collect()
}

fn s(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn workbook_sheets_headers_scores_caps_vetoes_and_ties() {
    let (_d, out) = run(&county(), &[]);
    let x = out.join("report.xlsx");
    let wb = open_workbook_auto(&x).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec![
            "汇总",
            "问题清单",
            "案卷评分",
            "规则统计",
            "数据问题",
            "运行参数"
        ]
    );

    let findings = sheet(&x, "问题清单");
    assert_eq!(s(&findings[0][0]), "序号");
    assert_eq!(
        findings[0].iter().map(s).collect::<Vec<_>>(),
        [
            "序号",
            "规则",
            "问题",
            "严重程度",
            "执法机关",
            "案号",
            "对象",
            "问题说明",
            "依据条款",
            "扣分",
            "环节"
        ]
    );
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    assert_eq!(
        findings.len() - 1,
        csv.lines().count() - 1,
        "one row per finding"
    );
    let i01: Vec<&Vec<Data>> = findings.iter().filter(|r| s(&r[1]) == "I01").collect();
    assert_eq!(i01.len(), 4);
    let deductions: Vec<f64> = i01.iter().map(|r| num(&r[9])).collect();
    assert_eq!(
        deductions,
        vec![5.0, 5.0, 5.0, 0.0],
        "the fourth is past the 15-point cap"
    );
    assert!(
        s(&i01[0][8]).starts_with("《行政执法全过程记录实施办法（试行）》第十条"),
        "{}",
        s(&i01[0][8])
    );

    // Column widths of the streamed sheets are set after their rows and still written; the
    // wrapped 问题说明 column carries its format, and its cells are set in it.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&x).unwrap()).unwrap();
    let mut xml = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
        &mut xml,
    )
    .unwrap();
    let col8 = r#"<col min="8" max="8" width="60.7109375" style=""#;
    let style = xml
        .find(col8)
        .map(|i| &xml[i + col8.len()..])
        .and_then(|rest| rest.split('"').next())
        .expect("问题说明 is 60 characters wide and formatted");
    assert!(
        xml.contains(&format!(r#"<c r="H2" s="{style}" t="inlineStr">"#)),
        "问题说明 cells take the column's wrapped format"
    );
    // A 问题说明 longer than its column makes its row as tall as its lines (LibreOffice
    // does not fit a row to wrapped text itself); a short one leaves the row alone.
    let mut tall = 0;
    for (k, r) in findings.iter().enumerate().skip(1) {
        let open = format!("<row r=\"{}\"", k + 1);
        let tag = xml[xml.find(&open).unwrap()..].split('>').next().unwrap();
        let width: usize = s(&r[7])
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum();
        let lines = width.div_ceil(59);
        if lines > 1 {
            tall += 1;
            assert!(
                tag.contains(&format!(r#"ht="{}""#, lines * 15)),
                "{tag} for {}",
                s(&r[7])
            );
        } else {
            assert!(!tag.contains("ht="), "{tag} for {}", s(&r[7]));
        }
    }
    assert!(tall > 0, "some 问题说明 wraps");

    let cases = sheet(&x, "案卷评分");
    assert_eq!(cases.len(), 6);
    // 案号 on 问题清单 links to the case's row on 案卷评分 and shows the case number.
    let mut book = open_workbook_auto(&x).unwrap();
    let formulas = book.worksheet_formula("问题清单").unwrap();
    for (k, r) in findings.iter().enumerate().skip(1) {
        let no = s(&r[5]);
        let case_row = cases.iter().position(|c| s(&c[0]) == no).unwrap() + 1;
        let link = formulas
            .get_value((k as u32, 5))
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            link,
            format!("HYPERLINK(\"#'案卷评分'!A{case_row}\",\"{no}\")"),
            "row {k}"
        );
    }
    let row = |no: &str| cases.iter().find(|r| s(&r[0]) == no).unwrap().clone();
    assert_eq!(num(&row("测罚〔2024〕1号")[4]), 100.0);
    assert_eq!(s(&row("测罚〔2024〕1号")[5]), "优秀");
    assert_eq!(num(&row("测罚〔2024〕2号")[4]), 85.0);
    assert_eq!(s(&row("测罚〔2024〕2号")[5]), "良好");
    let vetoed = row("测罚〔2024〕4号");
    assert_eq!(num(&vetoed[4]), 95.0);
    assert_eq!(s(&vetoed[5]), "不合格");
    assert_eq!(s(&vetoed[6]), "是");
    assert_eq!(s(&vetoed[7]), "V01");
    assert!(
        matches!(row("测罚〔2024〕1号")[2], Data::DateTime(_)),
        "启动日期 is an Excel date: {:?}",
        row("测罚〔2024〕1号")[2]
    );

    let summary = sheet(&x, "汇总");
    let hdr = summary
        .iter()
        .position(|r| r.first().map(s).as_deref() == Some("执法机关"))
        .unwrap();
    let agencies: Vec<(String, f64, f64)> = summary[hdr + 1..]
        .iter()
        .take_while(|r| s(&r[0]) != "合计")
        .map(|r| (s(&r[0]), num(&r[6]), num(r.last().unwrap())))
        .collect();
    let expected = [
        ("市场监督管理局", 100.0, 1.0),
        ("应急管理局", 95.0, 2.0),
        ("生态环境局", 95.0, 2.0),
        ("综合行政执法局", 92.5, 4.0),
    ];
    assert_eq!(
        agencies,
        expected.map(|(a, m, r)| (a.to_string(), m, r)).to_vec(),
        "ties share a rank: 1, 2, 2, 4"
    );
    let total = summary
        .iter()
        .find(|r| r.first().map(s).as_deref() == Some("合计"))
        .unwrap();
    assert_eq!(num(&total[1]), 5.0);

    let rules = sheet(&x, "规则统计");
    let i01 = rules.iter().find(|r| s(&r[0]) == "I01").unwrap();
    assert_eq!((num(&i01[4]), num(&i01[5]), num(&i01[6])), (4.0, 1.0, 0.2));

    let params = sheet(&x, "运行参数");
    let as_of = params.iter().find(|r| s(&r[0]) == "评查基准日").unwrap();
    assert!(matches!(as_of[1], Data::DateTime(_)), "{:?}", as_of[1]);
    assert!(
        params.iter().any(|r| s(&r[0]) == "V06"),
        "V06 listed as 未评查"
    );

    let summary_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary_json["agency_scores"][1]["agency"], "应急管理局");
    assert_eq!(summary_json["agency_scores"][2]["rank"], 2);
    assert_eq!(summary_json["mean_score"], 95.0);
}

#[test]
fn waived_findings_leave_the_scores_but_stay_visible() {
    let dir = tempfile::tempdir().unwrap();
    let w = dir.path().join("waivers.csv");
    // The second waiver's 案号 has a typo: it matches nothing, and the run says so.
    std::fs::write(&w, "rule,case_no,subject,reason,approved_by\nV01,测罚〔2024〕4号,HD-2-4,设备被当事人损毁，有公安出警记录,评查组 王某\nI01,测罚〔2024〕22号,JC-1,复核无误,评查组 王某\n").unwrap();
    let (_d, out) = run(&county(), &["--waivers", w.to_str().unwrap()]);
    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    assert!(
        log.contains("豁免清单中有 1 条未对应本次评查的任何问题（第 3 行）"),
        "{log}"
    );
    let params = sheet(&out.join("report.xlsx"), "运行参数");
    assert!(
        params
            .iter()
            .any(|r| s(&r[0]) == "豁免清单" && s(&r[1]).starts_with("2 条，豁免问题 1 项；")),
        "{params:?}"
    );
    let x = out.join("report.xlsx");
    let cases = sheet(&x, "案卷评分");
    let vetoed = cases
        .iter()
        .find(|r| s(&r[0]) == "测罚〔2024〕4号")
        .unwrap();
    assert_eq!(num(&vetoed[4]), 100.0);
    assert_eq!(s(&vetoed[5]), "优秀");
    let waived = sheet(&x, "已豁免");
    assert_eq!(waived.len(), 2);
    assert_eq!(s(&waived[1][0]), "V01");
    assert_eq!(s(&waived[1][6]), "设备被当事人损毁，有公安出警记录");
    let findings = sheet(&x, "问题清单");
    assert!(findings.iter().all(|r| s(&r[1]) != "V01"));
    let jsonl = std::fs::read_to_string(out.join("findings.jsonl")).unwrap();
    assert!(jsonl
        .lines()
        .any(|l| l.contains("\"V01\"") && l.contains("\"waived\":true")));
    // summary.json counts only the findings not waived, by rule and by agency.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["by_rule"]["V01"], serde_json::Value::Null);
    assert_eq!(summary["unmatched_waivers"], serde_json::json!([3]));
    let by_agency: u64 = summary["by_agency"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert_eq!(by_agency, summary["findings"].as_u64().unwrap());
    assert!(by_agency > 0);
}

#[test]
fn libreoffice_opens_the_workbook() {
    let Some(soffice) = ["soffice", "libreoffice"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok()
    }) else {
        panic!("LibreOffice is required for this test: run scripts/test, which installs it");
    };
    let (d, out) = run(&county(), &[]);
    let conv = d.path().join("conv");
    let profile = d.path().join("lo-profile");
    let st = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
        ])
        .arg(&conv)
        .arg(out.join("report.xlsx"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let cases = std::fs::read_to_string(conv.join("report-案卷评分.csv")).unwrap();
    assert!(
        cases.contains("测罚〔2024〕4号,生态环境局,2024-03-01,2024-04-01,95,不合格,是,V01"),
        "{cases}"
    );
    let findings = std::fs::read_to_string(conv.join("report-问题清单.csv")).unwrap();
    assert!(
        findings.contains(",测罚〔2024〕4号,"),
        "the linked case number is shown: {findings}"
    );
    let summary = std::fs::read_to_string(conv.join("report-汇总.csv")).unwrap();
    assert!(
        summary.contains("综合行政执法局,2,1,4,0,0,92.5"),
        "{summary}"
    );
}

/// What [`split_workbook`] adds to the county bundle's audit before writing report.xlsx.
struct Split {
    /// Data rows a sheet holds.
    limit: usize,
    /// Findings waived (the first ones).
    waive: usize,
    /// Baseline findings no longer reported (整改跟踪 is written when not zero).
    gone: usize,
    /// Input problems.
    problems: usize,
}

/// report.xlsx of the county bundle (six findings, five cases) written with a small sheet
/// limit, so that its list sheets continue on further sheets.
fn split_workbook(dir: &Path, split: &Split) -> PathBuf {
    use trailcheck::report::{xlsx, ReportView, RunMeta};
    county().write(&dir.join("data"));
    let inputs = trailcheck::ingest::Inputs {
        bundle: Some(dir.join("data")),
        ..Default::default()
    };
    let mut bundle = trailcheck::ingest::read_bundle(&inputs).unwrap();
    let cal = trailcheck::calendar::Calendar::shipped();
    let as_of = chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    let judges = trailcheck::rules::engine::Judges::single(
        trailcheck::profile::Profile::load("district-2018").unwrap(),
    );
    let run = trailcheck::rules::RunCx {
        bundle: &bundle,
        calendar: &cal,
        as_of,
        fixity: None,
    };
    let outcome = trailcheck::rules::engine::run(&run, &judges);
    let mut findings = outcome.findings;
    assert_eq!(findings.len(), 6);
    let waivers: Vec<trailcheck::scoring::Waiver> = findings[..split.waive]
        .iter()
        .enumerate()
        .map(|(k, f)| trailcheck::scoring::Waiver {
            rule: f.rule().into(),
            case_no: f.case_no(&bundle.cases).into(),
            subject: f.subject().into(),
            reason: format!("理由{}", k + 1),
            approved_by: "评查组".into(),
            row: k as u32 + 2,
        })
        .collect();
    bundle
        .problems
        .extend((0..split.problems).map(|k| trailcheck::model::DataProblem {
            file: "文书记录.csv".into(),
            sheet: None,
            row: k as u32 + 2,
            column: "制作时间".into(),
            raw: format!("坏值{}", k + 1),
            message: "无法识别的日期".into(),
            count: 1,
        }));
    let tracking = trailcheck::tracking::Tracking {
        baseline: "上期".into(),
        gone: (0..split.gone)
            .map(|k| trailcheck::tracking::Gone {
                finding: trailcheck::tracking::PastFinding {
                    rule: "I04".into(),
                    title: "询问笔录缺少要素".into(),
                    severity: "警告".into(),
                    case_no: format!("测罚〔2023〕{}号", k + 1).into(),
                    agency: "市场监督管理局".into(),
                    subject: format!("旧{}", k + 1).into(),
                    detail: String::new().into(),
                    waived: false,
                },
                status: trailcheck::tracking::RESOLVED,
            })
            .collect(),
        ..Default::default()
    };
    let rubric = trailcheck::scoring::Rubric::default_rubric();
    let (scores, waived) = trailcheck::scoring::score(&bundle, &mut findings, &waivers, &rubric);
    let meta = RunMeta {
        version: "test".into(),
        as_of,
        generated_at: "2024-12-31 12:00:00".into(),
        bureau: "测试".into(),
        period: None,
        input: "test".into(),
        media_root: None,
        seconds: 0.0,
    };
    let view = ReportView {
        meta: &meta,
        bundle: &bundle,
        profiles: &judges.profiles,
        mapped: &[],
        findings: &findings,
        waived: &waived,
        waivers: &waivers,
        scores: &scores,
        rubric: &rubric,
        not_evaluated: &outcome.not_evaluated,
        calendar_missing: &[],
        tracking: (split.gone > 0).then_some(&tracking),
    };
    let x = dir.join("r.xlsx");
    xlsx::write_with_sheet_limit(&view, &x, split.limit)
        .unwrap()
        .commit()
        .unwrap();
    x
}

/// Whether 汇总 has a cell containing `text`.
fn summary_says(x: &Path, text: &str) -> bool {
    sheet(x, "汇总")
        .iter()
        .any(|r| r.iter().any(|c| s(c).contains(text)))
}

#[test]
fn findings_continue_on_further_sheets_past_the_row_limit() {
    let dir = tempfile::tempdir().unwrap();
    let x = split_workbook(
        dir.path(),
        &Split {
            limit: 4,
            waive: 0,
            gone: 0,
            problems: 0,
        },
    );
    let wb = open_workbook_auto(&x).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "汇总",
            "问题清单",
            "问题清单(2)",
            "案卷评分",
            "案卷评分(2)",
            "规则统计",
            "数据问题",
            "运行参数"
        ]
    );
    assert_eq!(sheet(&x, "问题清单").len(), 5);
    let second = sheet(&x, "问题清单(2)");
    assert_eq!(second.len(), 3);
    assert_eq!(num(&second[1][0]), 5.0, "numbering continues");
    assert!(summary_says(
        &x,
        "问题清单共 6 项，超过单个工作表的容量，分为 2 个工作表"
    ));
    assert_eq!(sheet(&x, "案卷评分(2)").len(), 2, "the fifth case");
    assert!(
        !summary_says(&x, "数据问题共"),
        "no note on a sheet not split"
    );
}

#[test]
fn every_list_sheet_continues_past_the_row_limit() {
    let dir = tempfile::tempdir().unwrap();
    let x = split_workbook(
        dir.path(),
        &Split {
            limit: 2,
            waive: 3,
            gone: 2,
            problems: 3,
        },
    );
    let mut wb = open_workbook_auto(&x).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "汇总",
            "问题清单",
            "问题清单(2)",
            "案卷评分",
            "案卷评分(2)",
            "案卷评分(3)",
            "规则统计",
            "数据问题",
            "数据问题(2)",
            "运行参数",
            "已豁免",
            "已豁免(2)",
            "整改跟踪",
            "整改跟踪(2)",
            "整改跟踪(3)",
        ]
    );
    // Five cases, two a sheet; each part has its header.
    let parts: Vec<Vec<Vec<Data>>> = ["案卷评分", "案卷评分(2)", "案卷评分(3)"]
        .iter()
        .map(|n| sheet(&x, n))
        .collect();
    assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 2]);
    assert!(parts.iter().all(|p| s(&p[0][0]) == "案号"));
    // A finding's case link points at the part of 案卷评分 and the row that hold its case.
    let names = ["案卷评分", "案卷评分(2)", "案卷评分(3)"];
    let at = |case_no: &str| {
        names.iter().zip(&parts).find_map(|(name, part)| {
            let r = part.iter().position(|row| s(&row[0]) == case_no)?;
            Some(format!("#'{name}'!A{}", r + 1))
        })
    };
    let mut links = 0;
    for name in ["问题清单", "问题清单(2)"] {
        let values = sheet(&x, name);
        let formulas = wb.worksheet_formula(name).unwrap();
        for (r, row) in values.iter().enumerate().skip(1) {
            let case_no = s(&row[5]);
            let target = at(&case_no).unwrap();
            let f = formulas.get_value((r as u32, 5)).unwrap();
            assert!(f.contains(&target), "{case_no}: {f} is not {target}");
            links += 1;
        }
    }
    assert_eq!(links, 3);
    let problems = sheet(&x, "数据问题(2)");
    assert_eq!(problems.len(), 2);
    assert_eq!(s(&problems[1][4]), "坏值3");
    // The waived findings keep their reasons across the split.
    let waived = sheet(&x, "已豁免(2)");
    assert_eq!(waived.len(), 2);
    assert_eq!(s(&waived[1][6]), "理由3");
    // 整改跟踪: three current findings, then the two gone, across three sheets.
    let tracking = sheet(&x, "整改跟踪(2)");
    assert_eq!(tracking.len(), 3);
    assert_eq!(tracking[1][0], Data::Empty, "the third current finding");
    assert_eq!(s(&tracking[2][0]), "已整改");
    assert_eq!(s(&tracking[2][5]), "旧1");
    assert_eq!(s(&sheet(&x, "整改跟踪(3)")[1][5]), "旧2");
    for note in [
        "问题清单共 3 项，超过单个工作表的容量，分为 2 个工作表：问题清单、问题清单(2) …",
        "案卷评分共 5 件案卷，超过单个工作表的容量，分为 3 个工作表",
        "数据问题共 3 项数据问题，超过单个工作表的容量，分为 2 个工作表",
        "已豁免共 3 项，超过单个工作表的容量，分为 2 个工作表",
        "整改跟踪共 5 项，超过单个工作表的容量，分为 3 个工作表",
    ] {
        assert!(summary_says(&x, note), "{note}");
    }
}

#[test]
fn a_rubric_with_three_bands_and_bad_rubrics() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("rubric.toml");
    let three =
        trailcheck::scoring::DEFAULT_RUBRIC.replace("[[grade]]\nname = \"良好\"\nmin = 80\n", "");
    std::fs::write(&r, &three).unwrap();
    let (_d, out) = run(&county(), &["--rubric", r.to_str().unwrap()]);
    let cases = sheet(&out.join("report.xlsx"), "案卷评分");
    let two = cases
        .iter()
        .find(|x| s(&x[0]) == "测罚〔2024〕2号")
        .unwrap();
    assert_eq!(s(&two[5]), "合格", "85 is 合格 with three bands");
    std::fs::write(&r, three.replace("min = 0", "min = 10")).unwrap();
    fx_fail(&r);
    std::fs::write(&r, "[veto]\nrules = [\"Z01\"]\n").unwrap();
    fx_fail(&r);
    // Two grades of one name: which one a case is given could not be told apart.
    std::fs::write(&r, three.replace("name = \"合格\"", "name = \"优秀\"")).unwrap();
    fx_fail(&r);
    // Points, caps and band minimums that are not scores: negative, NaN or infinite (TOML
    // has nan and inf). Each is named with its value; a fraction of a point is a score.
    use trailcheck::scoring::{Rubric, DEFAULT_RUBRIC};
    for (from, to, said) in [
        (
            "points = 5",
            "points = -5",
            "[severity.\"违规\"] 的 points 为 -5",
        ),
        ("cap = 6", "cap = inf", "[severity.\"警告\"] 的 cap 为 inf"),
        (
            "# [rule.V03]\n# points = 3\n# cap = 9",
            "[rule.V03]\npoints = nan\ncap = 9",
            "[rule.V03] 的 points 为 NaN",
        ),
        ("min = 90", "min = nan", "等次「优秀」的最低分为 NaN"),
    ] {
        let text = DEFAULT_RUBRIC.replacen(from, to, 1);
        assert_ne!(text, DEFAULT_RUBRIC, "{from}");
        let err = Rubric::parse(&text, "r.toml").unwrap_err().to_string();
        assert!(err.contains(said), "{err}");
    }
    assert!(Rubric::parse(
        &DEFAULT_RUBRIC.replacen("points = 5", "points = 2.5", 1),
        "r.toml"
    )
    .is_ok());
    std::fs::write(&r, DEFAULT_RUBRIC.replacen("points = 5", "points = nan", 1)).unwrap();
    fx_fail(&r);
}

fn fx_fail(rubric: &Path) {
    let dir = tempfile::tempdir().unwrap();
    Fx::clean().write(&dir.path().join("data"));
    let o = bin()
        .args(["audit", "--profile", "district-2018", "--rubric"])
        .arg(rubric)
        .arg("--out")
        .arg(dir.path().join("o"))
        .arg(dir.path().join("data"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("评分标准"));
}
