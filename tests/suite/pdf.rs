//! The PDF report: text extracted with pdftotext, page count and size in range, fonts,
//! templates a bureau can edit.

use crate::support::{assert_ok, audit_run, bin, pdf_flat, pdf_text, template_folder, Fx};
use std::path::Path;

fn pages(p: &Path) -> usize {
    let o = std::process::Command::new("pdfinfo")
        .arg(p)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn report_pdf_has_the_headings_agencies_counts_and_articles() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/district");
    let out = dir.path().join("out");
    let o = bin()
        .args([
            "audit",
            "--profile",
            "district-2018",
            "--as-of",
            "2025-03-31",
            "--bureau",
            "示例区司法局",
            "--out",
        ])
        .arg(&out)
        .arg(&data)
        .output()
        .unwrap();
    assert_ok(&o);
    let pdf = out.join("report.pdf");
    let text = pdf_text(&pdf);
    let flat: String = text.split_whitespace().collect();
    for h in [
        "行政执法案卷评查报告",
        "一、总体情况",
        "二、主要问题",
        "三、各单位情况",
        "四、整改建议",
        "附件一：评查规则及依据条款",
        "附件三：运行参数",
    ] {
        assert!(flat.contains(h), "missing {h}");
    }
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let cases = s["cases"].as_u64().unwrap();
    let findings = s["findings"].as_u64().unwrap();
    assert!(
        flat.contains(&format!("{}个执法单位的{cases}件", s["agencies"])),
        "counts in 总体情况"
    );
    assert!(flat.contains(&format!("共发现问题{findings}项")));
    let generated = s["meta"]["generated_at"].as_str().unwrap().replace(' ', "");
    assert!(
        flat.contains(&format!("生成时间{generated}（北京时间）")),
        "the run's time, said to be Beijing time"
    );
    for a in s["agency_scores"].as_array().unwrap() {
        assert!(flat.contains(a["agency"].as_str().unwrap()));
    }
    assert!(flat.contains("《行政执法全过程记录实施办法（试行）》第三十二条"));
    assert!(
        flat.contains("第1页共") || flat.contains("第2页共"),
        "page numbers"
    );
    let n = pages(&pdf);
    assert!((4..=30).contains(&n), "{n} pages");
    let size = std::fs::metadata(&pdf).unwrap().len();
    assert!(
        size < 400_000,
        "the font is embedded as a subset: {size} bytes"
    );
}

#[test]
fn a_custom_template_folder_changes_the_wording() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("report-templates");
    let report = std::fs::read_to_string(root.join("report.tera"))
        .unwrap()
        .replace("# 一、总体情况", "# 一、评查总体情况（本局自定义）");
    let t = template_folder(dir.path(), &report);
    Fx::clean().write(&dir.path().join("data"));
    let out = dir.path().join("out");
    let run = || {
        audit_run(
            &[
                "--profile",
                "henan-2019",
                "--templates",
                t.to_str().unwrap(),
            ],
            &dir.path().join("data"),
            &out,
        )
    };
    assert_ok(&run());
    let flat = pdf_flat(&out.join("report.pdf"));
    assert!(flat.contains("一、评查总体情况（本局自定义）"));
    // A syntax error is placed by line and column, an unknown name is named; in Chinese.
    std::fs::write(t.join("report.tera"), "@title 报告\n{% if %}").unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("报告模板") && err.contains("无效：第 2 行第 7 列：模板语法错误（原文："),
        "{err}"
    );
    assert!(
        !err.contains('\n') || err.trim_end().lines().count() == 1,
        "{err}"
    );
    std::fs::write(t.join("report.tera"), "@title {{ bureau_name }}").unwrap();
    let o = run();
    assert_eq!(o.status.code(), Some(4));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("模板引用了不存在的变量「bureau_name」"),
        "{err}"
    );
}

/// Audit the clean bundle with `--font` naming a file of `bytes`, which must stop the run
/// with exit code 4 and a message about the font; returns the output folder.
fn audit_with_font_file(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    Fx::clean().write(&dir.join("data"));
    let font = dir.join(name);
    std::fs::write(&font, bytes).unwrap();
    let out = dir.join("out");
    let o = bin()
        .args(["audit", "--profile", "henan-2019", "--font"])
        .arg(&font)
        .arg("--out")
        .arg(&out)
        .arg(dir.join("data"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("字体"));
    out
}

/// A file with a font's signature is only parsed beside the reading of the bundle: one
/// that does not parse still stops the run with exit code 4, before any output is written.
#[test]
fn a_font_that_does_not_parse_is_exit_code_four_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"ttcf".to_vec();
    bytes.extend_from_slice(&[7u8; 60]);
    let out = audit_with_font_file(dir.path(), "font.ttc", &bytes);
    // The scan's lock file aside (the folder is locked before the bundle is read).
    let written: Vec<_> = std::fs::read_dir(&out)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name())
                .filter(|n| n != ".trailcheck.lock")
                .collect()
        })
        .unwrap_or_default();
    assert!(written.is_empty(), "nothing written: {written:?}");
}

#[test]
fn no_usable_font_is_exit_code_four() {
    let dir = tempfile::tempdir().unwrap();
    let out = audit_with_font_file(dir.path(), "font.ttf", b"not a font");
    assert!(
        !out.exists(),
        "nothing written before the configuration is valid"
    );
}

#[test]
fn a_table_cell_of_thousands_of_characters_stays_within_its_page() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut fx = Fx::clean();
    // An 执法机关 that a stray quote ran on for 30,000 characters.
    fx.case("执法机关", &"长".repeat(30_000));
    fx.write(&data);
    let out = dir.path().join("out");
    assert_ok(&audit_run(
        &["--profile", "district-2018", "--as-of", "2024-12-31"],
        &data,
        &out,
    ));
    let pdf = out.join("report.pdf");
    // Per page, the lines of the name: a cell wraps to at most eight, the last cut with …
    for p in 1..=pages(&pdf) {
        let o = std::process::Command::new("pdftotext")
            .args(["-f", &p.to_string(), "-l", &p.to_string()])
            .arg(&pdf)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8(o.stdout).unwrap();
        // Consecutive lines of the name are one cell (the chart's label is a line alone).
        let mut run: Vec<&str> = Vec::new();
        for line in text.lines().chain([""]) {
            if line.contains("长长长") {
                run.push(line);
                continue;
            }
            assert!(run.len() <= 8, "page {p}: a cell of {} lines", run.len());
            if run.len() == 8 {
                assert!(run[7].trim_end().ends_with('…'), "page {p}: {}", run[7]);
            }
            run.clear();
        }
    }
    assert!(pages(&pdf) < 12, "{} pages", pages(&pdf));
}

#[test]
fn a_long_waiver_list_is_counted_and_its_head_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-data/district");
    let args = ["--profile", "district-2018", "--as-of", "2025-03-31"];
    let first = dir.path().join("first");
    assert_ok(&audit_run(&args, &data, &first));
    let csv = std::fs::read_to_string(first.join("findings.csv")).unwrap();
    let f: Vec<&str> = csv.lines().nth(1).unwrap().split(',').collect();
    // One waiver that matches a finding, then 44 for cases that do not exist.
    let mut waivers = format!(
        "rule,case_no,subject,reason,approved_by\n{},{},{},已补正,评查组\n",
        f[0], f[3], f[5]
    );
    for i in 1..=44 {
        waivers.push_str(&format!("I01,不存在〔2024〕{i}号,,已补正,评查组\n"));
    }
    let w = dir.path().join("waivers.csv");
    std::fs::write(&w, waivers).unwrap();
    let out = dir.path().join("out");
    let o = audit_run(
        &[&args[..], &["--waivers", w.to_str().unwrap()]].concat(),
        &data,
        &out,
    );
    assert_ok(&o);
    let flat = pdf_flat(&out.join("report.pdf"));
    assert!(
        flat.contains(
            "豁免清单共45条，据此豁免1项问题（不计入扣分），其中44条未对应任何问题；以下列出前40条"
        ),
        "{flat}"
    );
    assert!(flat.contains("不存在〔2024〕39号"), "{flat}");
    assert!(!flat.contains("不存在〔2024〕40号"), "{flat}");
}

/// An agency's name with line breaks in it (a quoted CSV cell can hold them) stays in its
/// paragraph: the rendered template is read line by line, and the text after a break
/// once started a line of its own, there obeyed as `@chart 注入` (the run stopped).
#[test]
fn line_breaks_in_a_cell_stay_inside_its_paragraph() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut fx = Fx::clean();
    fx.case("执法机关", "市场监督\n@chart 注入\r\n# 注入的标题")
        .remove("文书记录", "文书名称", "案件处理审批表");
    fx.write(&data);
    let out = dir.path().join("out");
    assert_ok(&audit_run(
        &[
            "--profile",
            "district-2018",
            "--as-of",
            "2024-12-31",
            "--bureau",
            "示例区\n@pagebreak",
        ],
        &data,
        &out,
    ));
    let text = pdf_text(&out.join("report.pdf"));
    let flat: String = text.split_whitespace().collect();
    assert!(
        flat.contains("例：市场监督@chart注入#注入的标题测罚〔2024〕1号："),
        "{flat}"
    );
    assert!(flat.contains("示例区@pagebreak"), "{flat}");
    assert!(
        !text.lines().any(|l| l.trim() == "注入的标题"),
        "no heading of its own: {text}"
    );
}

/// A template that names a table or chart the layout does not draw, or a field its data
/// lacks (inside a loop too), is refused before the bundle is read: nothing is written.
#[test]
fn a_template_is_tried_before_the_bundle_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let t = template_folder(dir.path(), "");
    Fx::clean().write(&dir.path().join("data"));
    for (template, said) in [
        (
            "@title {{ bureau }}\n@table agencys\n",
            "未知的表格「agencys」（可用：agencies、catalogue、problems、not_evaluated、waivers、tracking、inputs）",
        ),
        ("@chart 不存在\n", "未知的图表「不存在」"),
        (
            "{% for r in top_rules %}{% for e in r.examples %}- {{ e.case }}\n{% endfor %}{% endfor %}",
            "e.case",
        ),
    ] {
        std::fs::write(t.join("report.tera"), template).unwrap();
        let out = dir.path().join("out");
        let o = audit_run(
            &["--profile", "henan-2019", "--templates", t.to_str().unwrap()],
            &dir.path().join("data"),
            &out,
        );
        assert_eq!(o.status.code(), Some(4), "{template}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!("报告模板 {} 无效：", t.display())) && err.contains(said),
            "{err}"
        );
        assert!(!out.exists(), "nothing written for {template}");
    }
    // Every table and chart the trial knows is one the layout draws.
    let every: String = [
        "agencies",
        "catalogue",
        "problems",
        "not_evaluated",
        "waivers",
        "tracking",
        "inputs",
    ]
    .iter()
    .map(|t| format!("@table {t}\n"))
    .chain(
        ["rules", "agencies", "stages"]
            .iter()
            .map(|c| format!("@chart {c}\n")),
    )
    .collect();
    std::fs::write(t.join("report.tera"), every).unwrap();
    assert_ok(&audit_run(
        &[
            "--profile",
            "henan-2019",
            "--templates",
            t.to_str().unwrap(),
        ],
        &dir.path().join("data"),
        &dir.path().join("every"),
    ));
}
