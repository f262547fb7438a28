//! Profiles as data: the same bundle judged under all five texts, bureau copies of a
//! profile, bad profile files, and a county with agencies bound by different texts.

use crate::support::{bin, pdf_flat, Fx, PROFILES};
use std::collections::BTreeMap;

/// One bundle with several boundary cases; the differences between the profiles are the
/// ones the regulations imply.
#[test]
fn the_same_bundle_under_all_five_profiles() {
    let mut fx = Fx::clean();
    fx.case("终结日期", "2024-03-01")
        .case("归档日期", "2024-03-26"); // 25 calendar days
    fx.media("MV-1", "入库时间", "2024-03-02 23:30:00"); // same day, 14.5 h after the end
    fx.media("MV-2", "入库时间", "2024-03-03 12:00:00"); // 25 h after the end, next day
    fx.doc("BC-1", "当事人签字", ""); // unsigned evidence list
    let mut got: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in PROFILES {
        let mut codes: Vec<&str> = fx.codes(p);
        codes.dedup();
        got.insert(p, codes);
    }
    assert_eq!(
        got["district-2018"],
        vec!["I04", "V03"],
        "30 days archive; 24 h storage; 第十二条 signature"
    );
    assert_eq!(
        got["henan-2019"],
        vec!["V03"],
        "20 working days end 03-29; storage the same day (MV-2 late)"
    );
    assert_eq!(
        got["pingluo-veterans"],
        vec!["A02"],
        "20 calendar days; 2 working days storage; no signature article"
    );
    assert_eq!(got["jinpu-justice"], vec!["I04", "V03"]);
    assert_eq!(got["lingshou-approval"], vec!["I04", "V03"]);
    let henan = fx.findings("henan-2019");
    assert_eq!(
        henan.iter().filter(|f| f.rule() == "V03").count(),
        1,
        "MV-1 was stored the same day"
    );
}

#[test]
fn shipped_profiles_list_and_rules_catalogue() {
    let out = bin().arg("profiles").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for p in PROFILES {
        assert!(text.contains(p), "{text}");
    }
    assert!(text.contains("河南省行政执法全过程记录办法"));
    let out = bin()
        .args(["rules", "--profile", "henan-2019"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("A01  逾期未归档  [违规]  《河南省行政执法全过程记录办法》第二十一条"),
        "{text}"
    );
    assert!(!text.contains("T02"), "henan-2019 has no T02");
    let out = bin().arg("rules").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 39);
}

#[test]
fn a_bureau_copy_of_a_profile_and_bad_profiles() {
    let dir = tempfile::tempdir().unwrap();
    let text = trailcheck::profile::SHIPPED[0].1.replace(
        "archive = { n = 30, unit = \"days\" }",
        "archive = { n = 20, unit = \"days\" }",
    );
    let p = dir.path().join("my.toml");
    std::fs::write(&p, text).unwrap();
    let mut fx = Fx::clean();
    fx.case("终结日期", "2024-03-01")
        .case("归档日期", "2024-03-26");
    let data = dir.path().join("data");
    fx.write(&data);
    let out = dir.path().join("out");
    let st = bin()
        .args(["audit", "--as-of", "2024-12-31", "--profile"])
        .arg(&p)
        .arg("--out")
        .arg(&out)
        .arg(&data)
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    assert!(std::fs::read_to_string(out.join("findings.csv"))
        .unwrap()
        .contains("A02"));

    // A profile file that is refused: exit 4, and what stderr said.
    let refused = |text: &str| {
        std::fs::write(&p, text).unwrap();
        let o = bin()
            .args(["audit", "--profile"])
            .arg(&p)
            .arg("--out")
            .arg(&out)
            .arg(&data)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(4));
        String::from_utf8_lossy(&o.stderr).into_owned()
    };
    assert!(refused("id = \"x\"\n[rules]\nZ99 = {}\n").contains("规则配置"));
    // A misspelt key is named in Chinese, with its line and column.
    let misspelt = trailcheck::profile::SHIPPED[0]
        .1
        .replacen("\nseed = ", "\nsede = ", 1);
    let line = 1 + misspelt
        .lines()
        .position(|l| l.starts_with("sede"))
        .unwrap();
    let err = refused(&misspelt);
    assert!(
        err.contains(&format!(
            "无效：第 {line} 行第 1 列：未知字段「sede」（原文："
        )),
        "{err}"
    );
    // A deadline past ten years is refused as a slip, before any rule adds it to a date (a
    // hundred million days carried dates past the calendar's end: a panic).
    for (from, to, said) in [
        (
            "archive = { n = 30, unit = \"days\" }",
            "archive = { n = 99999999, unit = \"days\" }",
            "期限 archive 为 99999999 日，超过 3650 日的上限",
        ),
        (
            "archive = { n = 30, unit = \"days\" }",
            "archive = { n = 3651, unit = \"working_days\" }",
            "期限 archive 为 3651 个工作日，超过 3650 个工作日的上限",
        ),
        (
            "e01_grace_days = 30",
            "e01_grace_days = 3651",
            "期限 e01_grace_days 为 3651 日",
        ),
        (
            "storage = { n = 24, unit = \"hours\" }",
            "storage = { n = 87601, unit = \"hours\" }",
            "期限 storage 为 87601 小时，超过 3650 日（87600 小时）的上限",
        ),
    ] {
        let text = trailcheck::profile::SHIPPED[0].1.replace(from, to);
        assert_ne!(text, trailcheck::profile::SHIPPED[0].1, "{from}");
        let err = refused(&text);
        assert!(err.contains(said), "{err}");
    }
    // Ten years exactly is a deadline like any other.
    let text = trailcheck::profile::SHIPPED[0].1.replace(
        "archive = { n = 30, unit = \"days\" }",
        "archive = { n = 3650, unit = \"days\" }",
    );
    assert!(trailcheck::profile::Profile::parse(&text, "ten-years.toml").is_ok());
    let o = bin()
        .args(["audit", "--profile", "no-such-profile", "--out"])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("henan-2019"));
}

#[test]
fn profile_map_judges_each_agency_by_its_own_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut fx = Fx::clean();
    fx.case("终结日期", "2024-03-01")
        .case("归档日期", "2024-03-26");
    let mut second = fx.tables["案件登记"].1[0].clone();
    second[0] = "测罚〔2024〕2号".into();
    second[1] = "退役军人事务局".into();
    fx.tables.get_mut("案件登记").unwrap().1.push(second);
    let data = dir.path().join("data");
    fx.write(&data);
    let map = dir.path().join("map.toml");
    std::fs::write(
        &map,
        "[agencies]\n\"退役军人事务局\" = \"pingluo-veterans\"\n\" 退役军人事物局\" = \"jinpu-justice\"\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = bin()
        .args([
            "audit",
            "--as-of",
            "2024-12-31",
            "--profile",
            "district-2018",
            "--profile-map",
        ])
        .arg(&map)
        .arg("--out")
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    // The misspelt agency has no case: the run says so, on stderr and in run.log.
    let note = "配置对应表中有 1 个执法机关在案件登记中没有案件：「退役军人事物局」";
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(note), "{err}");
    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    assert!(
        log.contains(note) && log.contains("按默认配置 district-2018 评查"),
        "{log}"
    );
    // jinpu-justice judges no case here: none of its rules is listed as 未评查 (its V06
    // would be, as the default profile's is).
    assert!(!err.contains("（jinpu-justice）"), "{err}");
    assert!(
        err.contains("未评查：V06 音像文件缺失或被改动（district-2018）"),
        "{err}"
    );
    let csv = std::fs::read_to_string(out.join("findings.csv")).unwrap();
    let a02: Vec<&str> = csv.lines().filter(|l| l.starts_with("A02")).collect();
    assert_eq!(a02.len(), 1, "{csv}");
    assert!(
        a02[0].contains("退役军人事务局") && a02[0].contains("002:第十条"),
        "{csv}"
    );
    // The report and the workbook name the regulation each agency was judged by, not
    // only the default's.
    // (pdftotext joins a word cut at its hyphen: the profile id is left out.)
    let text = pdf_flat(&out.join("report.pdf"));
    assert!(
        text.contains("退役军人事务局：《平罗县退役军人事务局行政执法全过程记录制度》（pingluo")
            && text.contains("本次评查依据《行政执法全过程记录实施办法（试行）》（退役军人事务局依据《平罗县退役军人事务局行政执法全过程记录制度》）"),
        "{text}"
    );
    // Its findings cite its own text, titled as such.
    assert!(
        text.contains("归档逾期（A02，违规）共1项，涉及1件案卷，占评查案卷的50.00%。依据：《平罗县退役军人事务局行政执法全过程记录制度》第十条。"),
        "{text}"
    );
    assert!(!text.contains("中华人民共和国002"), "{text}");
    // The catalogue of rules lists its text's articles after the default's.
    assert!(
        text.contains("退役军人事务局适用《平罗县退役军人事务局行政执法全过程记录制度》（pingluo")
            && text.contains("A02归档逾期《平罗县退役军人事务局行政执法全过程记录制度》第十条"),
        "{text}"
    );
    let mut book = calamine::open_workbook_auto(out.join("report.xlsx")).unwrap();
    let summary = calamine::Reader::worksheet_range(&mut book, "汇总").unwrap();
    let subtitle = summary.get_value((1, 0)).unwrap().to_string();
    assert!(
        subtitle.starts_with("依据：《行政执法全过程记录实施办法（试行）》（district-2018）；退役军人事务局依据：《平罗县退役军人事务局行政执法全过程记录制度》（pingluo-veterans）"),
        "{subtitle}"
    );
    let rules = calamine::Reader::worksheet_range(&mut book, "规则统计").unwrap();
    let a02 = rules.rows().find(|r| r[0] == "A02").unwrap();
    assert_eq!(
        a02[3].to_string(),
        "《平罗县退役军人事务局行政执法全过程记录制度》第十条"
    );
}

#[test]
fn command_line_errors_exit_64() {
    // (exit code, standard output, standard error) of a run with `args`.
    let run = |args: &[&str]| {
        let o = bin().args(args).output().unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (o.status.code(), text(&o.stdout), text(&o.stderr))
    };
    let (code, _, err) = run(&["audit", "--no-such-flag"]);
    assert_eq!(code, Some(64));
    assert!(
        err.starts_with("错误：无法识别的参数「--no-such-flag」")
            && err.contains("用法：trailcheck audit [选项] --profile <配置>"),
        "{err}"
    );
    let (code, _, err) = run(&["sample", "--cases", "三百", "--out", "/tmp/x"]);
    assert_eq!(code, Some(64));
    assert!(
        err.starts_with("错误：参数 --cases <数量> 的值「三百」无效：应为整数"),
        "{err}"
    );
    let (code, _, err) = run(&["sample", "--format", "pdf", "--out", "/tmp/x"]);
    assert_eq!(code, Some(64));
    assert!(
        err.starts_with("错误：参数 --format <格式> 的值「pdf」无效；可用的值：csv、xlsx"),
        "{err}"
    );
    // Without a subcommand: the help page, which lists them, and exit 64.
    let (code, _, err) = run(&[]);
    assert_eq!(code, Some(64));
    assert!(err.contains("\n命令：\n") && err.contains("audit"), "{err}");
    // Help is a page, not an error.
    let (code, help, _) = run(&["sample", "--help"]);
    assert_eq!(code, Some(0));
    assert!(help.contains("［可选：csv、xlsx；默认：csv］"), "{help}");
    let (code, _, _) = run(&[
        "audit",
        "x",
        "--profile",
        "henan-2019",
        "--out",
        "/tmp/x",
        "--fail-on",
        "severe",
    ]);
    assert_eq!(code, Some(4));
}

#[test]
fn a_listing_read_by_a_pipe_closed_early_ends_quietly() {
    // `trailcheck rules | head -1`: the reader goes away before the listing is written.
    let mut child = bin()
        .arg("rules")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.is_empty(), "{err}");
}
