//! The PDF evaluation report (评查报告). The wording comes from tera templates
//! (report-templates/, compiled in, overridable with `--templates DIR`); numbers and tables
//! come from the audit. Layout is done here on printpdf's `Op` API: A4 portrait, a CJK font
//! embedded as a subset, lines broken by the Unicode line-breaking algorithm (between
//! Chinese characters, never inside a date or number, never before closing punctuation),
//! tables that repeat their header on every page, vector bar charts on round scales,
//! 第 X 页 共 Y 页.

use super::ReportView;
use crate::error::{Error, Result};
use printpdf::{
    Color, CurTransMat, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const REPORT_TEMPLATE: &str = include_str!("../../report-templates/report.tera");
const REMEDIES: &str = include_str!("../../report-templates/remedies.toml");

/// Where CJK fonts usually live (Debian/Ubuntu/Kylin, Windows), with the face index.
const FONT_CANDIDATES: &[(&str, usize)] = &[
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    (
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        0,
    ),
    ("/usr/share/fonts/fonts-kylin/simsun.ttc", 0),
    ("/usr/share/fonts/truetype/kylin-font/simsun.ttc", 0),
    ("C:\\Windows\\Fonts\\simsun.ttc", 0),
    ("C:\\Windows\\Fonts\\msyh.ttc", 0),
];

/// A CJK font ready for embedding.
pub struct CjkFont {
    font: ParsedFont,
}

impl CjkFont {
    fn parse(path: &Path, index: usize) -> Option<CjkFont> {
        let bytes = std::fs::read(path).ok()?;
        let font = ParsedFont::from_bytes(&bytes, index, &mut Vec::new())?;
        font.lookup_glyph_index('评' as u32)?;
        Some(CjkFont { font })
    }

    /// `--font FILE`, or the first usable font of the usual places. Exit code 4 when none.
    pub fn find(explicit: Option<&Path>) -> Result<CjkFont> {
        if let Some(p) = explicit {
            return CjkFont::parse(p, 0).ok_or_else(|| unusable(p));
        }
        FONT_CANDIDATES
            .iter()
            .find_map(|(p, i)| CjkFont::parse(Path::new(p), *i))
            .ok_or_else(not_found)
    }
}

fn unusable(p: &Path) -> Error {
    Error::Config(format!(
        "字体文件 {} 无法使用（不存在、无法解析或不含中文字形）",
        p.display()
    ))
}

fn not_found() -> Error {
    Error::Config(
        "未找到中文字体，无法生成 PDF 报告：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei），或用 --font 指定字体文件".into(),
    )
}

/// True when the file opens with a font's signature (TrueType, OpenType or a collection).
fn looks_like_font(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .is_ok()
        && matches!(&magic, b"\x00\x01\x00\x00" | b"OTTO" | b"ttcf" | b"true")
}

/// The CJK font a run will use: checked when the run is planned (no font file, or a file
/// that is not a font, stops the run before anything is read or written), parsed by
/// [`FontChoice::load`] beside the reading of the bundle (parsing a CJK font takes tens
/// of milliseconds, which a county-year run would otherwise spend on one core first).
#[derive(Debug, Clone)]
pub struct FontChoice {
    explicit: Option<PathBuf>,
}

impl FontChoice {
    /// `--font FILE`, or the usual places (exit code 4 when none holds a font file).
    pub fn locate(explicit: Option<&Path>) -> Result<FontChoice> {
        match explicit {
            Some(p) if looks_like_font(p) => Ok(FontChoice {
                explicit: Some(p.to_path_buf()),
            }),
            Some(p) => Err(unusable(p)),
            None if FONT_CANDIDATES
                .iter()
                .any(|(p, _)| looks_like_font(Path::new(p))) =>
            {
                Ok(FontChoice { explicit: None })
            }
            None => Err(not_found()),
        }
    }

    /// Parse the font ([`CjkFont::find`]).
    pub fn load(&self) -> Result<CjkFont> {
        CjkFont::find(self.explicit.as_deref())
    }
}

/// The report wording: the tera template and the corrective actions.
pub struct Templates {
    tera: tera::Tera,
    remedies: BTreeMap<String, String>,
}

impl Templates {
    /// The compiled-in templates, or `report.tera` and `remedies.toml` from `dir`.
    pub fn load(dir: Option<&Path>) -> Result<Templates> {
        let (report, remedies, origin) = match dir {
            None => (
                REPORT_TEMPLATE.to_string(),
                REMEDIES.to_string(),
                "内置模板".to_string(),
            ),
            Some(d) => {
                let read = |n: &str| crate::error::read_config(&d.join(n), "报告模板");
                (
                    read("report.tera")?,
                    read("remedies.toml")?,
                    d.display().to_string(),
                )
            }
        };
        let mut tera = tera::Tera::default();
        tera.add_raw_template("report", &report)
            .map_err(|e| Error::Config(format!("报告模板 {origin} 无效：{}", tera_msg(&e))))?;
        let remedies: BTreeMap<String, String> = toml::from_str(&remedies).map_err(|e| {
            Error::Config(format!(
                "整改建议 {origin}/remedies.toml 无效：{}",
                crate::error::toml_zh(&e, &remedies)
            ))
        })?;
        let templates = Templates { tera, remedies };
        templates
            .trial()
            .map_err(|e| Error::Config(format!("报告模板 {origin} 无效：{e}")))?;
        Ok(templates)
    }

    /// Render the template once on stand-in data, before any input is read: a name the
    /// template's data lacks, or a table or chart the layout does not draw, stops the run
    /// at its start rather than after the rules (a province-year's minutes). Every list of
    /// the stand-in holds one item, so that loops are rendered; each number is 1.
    fn trial(&self) -> std::result::Result<(), String> {
        let one = || vec![String::new()];
        let totals = Totals {
            cases: 1,
            findings: 1,
            violations: 1,
            warnings: 1,
            infos: 1,
            cases_with_violations: 1,
            waived: 1,
            ..Totals::default()
        };
        let cx = PdfContext {
            totals,
            also: vec![MappedCx {
                agencies: one(),
                ..MappedCx::default()
            }],
            grades: vec![(String::new(), 1)],
            rules: one(),
            top_rules: vec![TopRule {
                examples: vec![Example::default()],
                ..TopRule::default()
            }],
            agencies: one(),
            remedies: vec![Remedy::default()],
            not_evaluated: one(),
            calendar_missing: vec![1],
            problems_total: 1,
            waivers: one(),
            waivers_unmatched: 1,
            tracking: Some(vec![(String::new(), 1)]),
            ..PdfContext::default()
        };
        for line in self.text(&cx)?.lines() {
            let line = line.trim();
            let (name, known, what) = if let Some(t) = line.strip_prefix("@table ") {
                (t.trim(), TABLES, "表格")
            } else if let Some(c) = line.strip_prefix("@chart ") {
                (c.trim(), CHARTS, "图表")
            } else {
                continue;
            };
            if !known.contains(&name) {
                return Err(unknown(what, name, known));
            }
        }
        Ok(())
    }

    /// The template rendered on `cx`, one block a line (see [`one_line`]); the error as
    /// the bureau reads it ([`tera_msg`]).
    fn text(&self, cx: &PdfContext) -> std::result::Result<String, String> {
        let mut data = serde_json::to_value(cx).map_err(|e| e.to_string())?;
        one_line(&mut data);
        let tcx = tera::Context::from_value(data).map_err(|e| tera_msg(&e))?;
        self.tera.render("report", &tcx).map_err(|e| tera_msg(&e))
    }
}

/// The tables `@table` places ([`table_for`]).
const TABLES: &[&str] = &[
    "agencies",
    "catalogue",
    "problems",
    "not_evaluated",
    "waivers",
    "tracking",
    "inputs",
];

/// The charts `@chart` places ([`chart_for`]).
const CHARTS: &[&str] = &["rules", "agencies", "stages"];

/// A `@table` or `@chart` line naming none of `known`, in words: the same whether the
/// trial of the template or the layout finds it.
fn unknown(what: &str, name: &str, known: &[&str]) -> String {
    format!("未知的{what}「{name}」（可用：{}）", known.join("、"))
}

/// A template error as the bureau reads it: where a syntax error lies (`第 53 行第 39
/// 列`), which variable, filter or function is unknown; tera's own words in brackets.
fn tera_msg(e: &tera::Error) -> String {
    let mut chain = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        chain.push(x.to_string());
        src = x.source();
    }
    // tera quotes a name in backticks or in single quotes.
    let named = |m: &str, head: &str| {
        let rest = &m[m.find(head)? + head.len()..];
        let open = rest.find(['`', '\''])?;
        let q = rest[open..].chars().next()?;
        rest[open + 1..].split(q).next().map(str::to_string)
    };
    for m in chain.iter().rev() {
        // A syntax error: pest's picture of the line, "  --> 53:39", then "= expected …".
        if let Some((line, col)) = m
            .split_once("--> ")
            .and_then(|(_, r)| r.split_whitespace().next())
            .and_then(|p| p.split_once(':'))
        {
            let why = m
                .lines()
                .find_map(|l| l.trim().strip_prefix("= "))
                .unwrap_or("");
            return format!("第 {line} 行第 {col} 列：模板语法错误（原文：{why}）");
        }
        if let Some(v) = named(m, "Variable") {
            return format!("模板引用了不存在的变量「{v}」（原文：{m}）");
        }
        if let Some(f) = named(m, "Filter") {
            return format!("模板使用了不存在的过滤器「{f}」（原文：{m}）");
        }
        if let Some(f) = named(m, "Function") {
            return format!("模板使用了不存在的函数「{f}」（原文：{m}）");
        }
    }
    format!("模板错误（原文：{}）", chain.join("："))
}

#[derive(Serialize, Default)]
struct ProfileCx {
    id: String,
    regulation: String,
    issuer: String,
}

#[derive(Serialize, Default)]
struct MappedCx {
    id: String,
    regulation: String,
    issuer: String,
    agencies: Vec<String>,
}

#[derive(Serialize, Default)]
struct Totals {
    cases: usize,
    findings: u32,
    violations: u32,
    warnings: u32,
    infos: u32,
    cases_with_violations: usize,
    waived: u32,
    mean_score: String,
    pass_rate: String,
}

#[derive(Serialize, Default)]
struct Example {
    agency: String,
    case_no: String,
    subject: String,
    detail: String,
}

#[derive(Serialize, Default)]
struct TopRule {
    code: String,
    title: String,
    severity: String,
    article: String,
    count: u32,
    cases: u32,
    share: String,
    examples: Vec<Example>,
}

#[derive(Serialize, Default)]
struct Remedy {
    code: String,
    title: String,
    text: String,
}

/// What the template sees.
#[derive(Serialize, Default)]
struct PdfContext {
    bureau: String,
    period: String,
    as_of: String,
    generated_at: String,
    generated_date: String,
    version: String,
    /// The default profile.
    profile: ProfileCx,
    /// The other profiles `--profile-map` gives agencies to, each with its agencies.
    also: Vec<MappedCx>,
    totals: Totals,
    grades: Vec<(String, u32)>,
    rules: Vec<String>,
    top_rules: Vec<TopRule>,
    agencies: Vec<String>,
    remedies: Vec<Remedy>,
    not_evaluated: Vec<String>,
    calendar_missing: Vec<i32>,
    problems_total: usize,
    /// The rule code of each waiver, in the file's order.
    waivers: Vec<String>,
    /// How many waivers the table lists: the first [`WAIVERS_LISTED`] at most.
    waivers_listed: usize,
    /// Waivers that matched no finding.
    waivers_unmatched: usize,
    tracking: Option<Vec<(String, usize)>>,
    baseline: String,
}

/// Waivers the report lists: a panel's list can run to tens of thousands (a province's
/// standing exemptions), which would be thousands of pages; the workbook's 已豁免 sheet
/// holds every waived finding with its reason.
const WAIVERS_LISTED: usize = 40;

fn pct(x: f64) -> String {
    format!("{:.2}%", x * 100.0)
}

fn context(v: &ReportView<'_>, t: &Templates) -> PdfContext {
    let s = v.scores;
    let p = &v.profiles[0];
    let top_rules: Vec<TopRule> = s
        .rules
        .iter()
        .take(8)
        .map(|r| {
            let examples = v
                .findings
                .iter()
                .zip(v.waived)
                .filter(|(f, w)| !**w && f.rule() == r.rule)
                .take(3)
                .map(|(f, _)| Example {
                    agency: f.agency(&v.bundle.cases).to_string(),
                    case_no: f.case_no(&v.bundle.cases).to_string(),
                    subject: f.subject().to_string(),
                    detail: f.detail().to_string(),
                })
                .collect();
            TopRule {
                code: r.rule.clone(),
                title: r.title.clone(),
                severity: r.severity.zh().to_string(),
                article: r
                    .articles
                    .iter()
                    .map(|a| v.cited(a))
                    .collect::<Vec<_>>()
                    .join("；"),
                count: r.count,
                cases: r.cases_affected,
                share: pct(r.share_of_cases),
                examples,
            }
        })
        .collect();
    PdfContext {
        bureau: v.meta.bureau.clone(),
        period: v.meta.period.clone().unwrap_or_else(|| "全部案卷".into()),
        as_of: v.meta.as_of.to_string(),
        generated_at: v.meta.generated_at.clone(),
        generated_date: v.meta.generated_at.get(..10).unwrap_or("").to_string(),
        version: v.meta.version.clone(),
        profile: ProfileCx {
            id: p.id.clone(),
            regulation: p.regulation.clone(),
            issuer: p.issuer.clone(),
        },
        also: v
            .others()
            .into_iter()
            .map(|(p, agencies)| MappedCx {
                id: p.id.clone(),
                regulation: p.regulation.clone(),
                issuer: p.issuer.clone(),
                agencies: agencies.into_iter().map(String::from).collect(),
            })
            .collect(),
        totals: Totals {
            cases: v.bundle.cases.len(),
            findings: s.by_severity.iter().sum(),
            violations: s.by_severity[0],
            warnings: s.by_severity[1],
            infos: s.by_severity[2],
            cases_with_violations: s.cases.iter().filter(|c| c.violations > 0).count(),
            waived: s.waived,
            mean_score: format!("{:.2}", s.mean_score),
            pass_rate: pct(s.pass_rate),
        },
        grades: s.grades.clone(),
        rules: s.rules.iter().map(|r| r.rule.clone()).collect(),
        top_rules,
        agencies: s.agencies.iter().map(|a| a.agency.clone()).collect(),
        remedies: s
            .rules
            .iter()
            .filter(|r| !r.rule.starts_with('Q'))
            .take(10)
            .filter_map(|r| {
                t.remedies.get(&r.rule).map(|text| Remedy {
                    code: r.rule.clone(),
                    title: r.title.clone(),
                    text: text.clone(),
                })
            })
            .collect(),
        not_evaluated: v.not_evaluated.iter().map(|n| n.rule.to_string()).collect(),
        calendar_missing: v.calendar_missing.to_vec(),
        problems_total: v.bundle.problems.iter().map(|p| p.count as usize).sum(),
        waivers: v.waivers.iter().map(|w| w.rule.clone()).collect(),
        waivers_listed: v.waivers.len().min(WAIVERS_LISTED),
        waivers_unmatched: s.unmatched_waivers.len(),
        tracking: v
            .tracking
            .map(|t| t.counts.iter().map(|(k, n)| (k.to_string(), *n)).collect()),
        baseline: v.tracking.map(|t| t.baseline.clone()).unwrap_or_default(),
    }
}

// ---- layout ---------------------------------------------------------------------------

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 62.0;
const TOP: f32 = PAGE_H - 60.0;
const BOTTOM: f32 = 64.0;
const BODY: f32 = 11.0;

/// Points of headings and paragraphs at most that a chart or table takes along to a new
/// page (a heading and an introductory sentence or two).
const KEEP_MAX: f32 = 150.0;

/// Lines a table cell wraps to at most: an agency name or 案号 that a stray quote ran on
/// for thousands of characters would otherwise make a row taller than the page.
const MAX_CELL_LINES: usize = 8;

/// Break `text` into lines no wider than `w`, `advance` giving each character's width.
///
/// Lines break where the Unicode line-breaking algorithm (UAX #14) allows: between Chinese
/// characters and after spaces, never inside a number, a date, a time or a Latin word, never
/// before closing punctuation (，。、）》〕) or after opening punctuation (（《〔). So
/// `2024-08-03 09:50` or `district-2018` is never cut in two; a line ends at a line break.
/// A piece wider than a whole line (a hash, a long path) is cut between characters. Spaces
/// that end a line are dropped.
fn wrap_lines(text: &str, w: f32, advance: impl Fn(char) -> f32) -> Vec<String> {
    let width = |s: &str| -> f32 { s.chars().map(&advance).sum() };
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut lw = 0.0;
    let mut start = 0;
    for (end, opportunity) in unicode_linebreak::linebreaks(text) {
        let piece = &text[start..end];
        start = end;
        let mandatory = opportunity == unicode_linebreak::BreakOpportunity::Mandatory;
        let piece = if mandatory {
            piece.trim_end_matches(breaks_line)
        } else {
            piece
        };
        let visible = width(piece.trim_end());
        if lw + visible > w && !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line.clear();
            lw = 0.0;
        }
        if visible > w {
            for c in piece.chars() {
                let cw = advance(c);
                if lw + cw > w && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                    lw = 0.0;
                }
                line.push(c);
                lw += cw;
            }
        } else {
            line.push_str(piece);
            lw += width(piece);
        }
        if mandatory {
            lines.push(line.trim_end().to_string());
            line.clear();
            lw = 0.0;
        }
    }
    if lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn black() -> Color {
    Color::Rgb(Rgb {
        r: 0.0,
        g: 0.0,
        b: 0.0,
        icc_profile: None,
    })
}
fn grey(v: f32) -> Color {
    Color::Rgb(Rgb {
        r: v,
        g: v,
        b: v,
        icc_profile: None,
    })
}

struct Layout<'f> {
    font: &'f ParsedFont,
    font_id: FontId,
    upem: f32,
    pages: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    /// The last heading or lead-in on this page while only paragraphs have followed it: the chart
    /// or table that comes next takes it along to a new page rather than leave it alone
    /// at a page's foot.
    keep: Option<Keep>,
}

/// Where a heading or lead-in (or several one after the other) began: its first
/// operation and `y` above it; and the end of its operations.
#[derive(Clone, Copy)]
struct Keep {
    start: usize,
    top: f32,
    end: usize,
}

impl<'f> Layout<'f> {
    fn new(font: &'f ParsedFont, font_id: FontId) -> Layout<'f> {
        Layout {
            font,
            font_id,
            upem: f32::from(font.font_metrics.units_per_em.max(1)),
            pages: Vec::new(),
            ops: Vec::new(),
            y: TOP,
            keep: None,
        }
    }

    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars()
            .map(|c| {
                let gid = self.font.lookup_glyph_index(c as u32).unwrap_or(0);
                f32::from(self.font.get_horizontal_advance(gid)) / self.upem * size
            })
            .sum()
    }

    fn new_page(&mut self) {
        let ops = std::mem::take(&mut self.ops);
        self.pages.push(ops);
        self.y = TOP;
        self.keep = None;
    }

    /// Start a new page unless `h` points fit above the bottom margin.
    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.new_page();
        }
    }

    /// Make room for a block that needs `h` points to start (a chart, a table). When it
    /// goes to a new page, the heading before it and the paragraphs between (at most
    /// [`KEEP_MAX`] points, not already at the page's top) go with it.
    fn start_block(&mut self, h: f32) {
        let carried = self.keep.take().filter(|k| {
            k.start > 0 && k.top - self.y <= KEEP_MAX && k.top - self.y + h <= TOP - BOTTOM
        });
        match carried {
            Some(Keep { start, top, .. }) if self.y - h < BOTTOM => {
                let moved = self.ops.split_off(start);
                let y = self.y;
                self.new_page();
                let dy = TOP - top;
                self.ops.push(Op::SaveGraphicsState);
                self.ops.push(Op::SetTransformationMatrix {
                    matrix: CurTransMat::Translate(Pt(0.0), Pt(dy)),
                });
                self.ops.extend(moved);
                self.ops.push(Op::RestoreGraphicsState);
                self.y = y + dy;
            }
            _ => self.ensure(h),
        }
    }

    /// The operations that draw `s` in black with its baseline starting at (x, y).
    fn text_ops(&self, x: f32, y: f32, s: &str, size: f32) -> [Op; 6] {
        [
            Op::StartTextSection,
            Op::SetFillColor { col: black() },
            Op::SetFont {
                font: PdfFontHandle::External(self.font_id.clone()),
                size: Pt(size),
            },
            Op::SetTextCursor {
                pos: Point { x: Pt(x), y: Pt(y) },
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_string())],
            },
            Op::EndTextSection,
        ]
    }

    fn text_at(&mut self, x: f32, y: f32, s: &str, size: f32) {
        let ops = self.text_ops(x, y, s, size);
        self.ops.extend(ops);
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Color) {
        self.ops.push(Op::SetFillColor { col: fill });
        self.ops.push(Op::DrawRectangle {
            rectangle: Rect {
                x: Pt(x),
                y: Pt(y),
                width: Pt(w),
                height: Pt(h),
                mode: Some(PaintMode::Fill),
                winding_order: None,
            },
        });
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, thick: f32) {
        self.ops.push(Op::SetOutlineColor { col: black() });
        self.ops.push(Op::SetOutlineThickness { pt: Pt(thick) });
        self.ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    LinePoint {
                        p: Point {
                            x: Pt(x1),
                            y: Pt(y1),
                        },
                        bezier: false,
                    },
                    LinePoint {
                        p: Point {
                            x: Pt(x2),
                            y: Pt(y2),
                        },
                        bezier: false,
                    },
                ],
                is_closed: false,
            },
        });
    }

    /// Break text into lines no wider than `w` at size `size` (see [`wrap_lines`]).
    fn wrap(&self, text: &str, size: f32, w: f32) -> Vec<String> {
        wrap_lines(text, w, |c| self.width(c.encode_utf8(&mut [0; 4]), size))
    }

    fn paragraph(&mut self, text: &str, size: f32, indent: f32) {
        let lh = size * 1.7;
        let first_indent = if indent > 0.0 { size * 2.0 } else { 0.0 };
        let w = PAGE_W - 2.0 * MARGIN_X - indent;
        let text = format!(
            "{}{}",
            "\u{3000}".repeat((first_indent / size) as usize),
            text
        );
        for l in self.wrap(&text, size, w) {
            self.ensure(lh);
            self.y -= lh;
            let y = self.y + size * 0.45;
            self.text_at(MARGIN_X + indent, y, &l, size);
        }
        self.y -= size * 0.4;
    }

    /// A paragraph that introduces the chart or table after it and goes to a new page
    /// with it, as a heading does.
    fn lead_in(&mut self, text: &str) {
        let (from, page) = (self.keep_start(), self.pages.len());
        self.paragraph(text, BODY, 0.0);
        // Unless the paragraph itself ran onto a new page, where it is at the top.
        if self.pages.len() == page {
            self.keep_since(from);
        }
    }

    fn heading(&mut self, text: &str, size: f32) {
        self.ensure(size * 4.0);
        let from = self.keep_start();
        self.y -= size * 1.2;
        self.y -= size * 1.3;
        self.text_at(MARGIN_X, self.y, text, size);
        self.y -= size * 0.6;
        self.keep_since(from);
    }

    /// Where a block that goes with what follows it starts (its first operation and `y`
    /// above it): where the kept blocks right before it start, else here.
    fn keep_start(&self) -> (usize, f32) {
        match self.keep {
            Some(k) if k.end == self.ops.len() => (k.start, k.top),
            _ => (self.ops.len(), self.y),
        }
    }

    /// Keep what was laid out since `from` ([`Layout::keep_start`]) with what follows.
    fn keep_since(&mut self, (start, top): (usize, f32)) {
        self.keep = Some(Keep {
            start,
            top,
            end: self.ops.len(),
        });
    }

    fn centered(&mut self, text: &str, size: f32) {
        for l in self.wrap(text, size, PAGE_W - 2.0 * MARGIN_X) {
            self.y -= size * 1.8;
            let x = (PAGE_W - self.width(&l, size)) / 2.0;
            self.text_at(x, self.y, &l, size);
        }
    }

    /// A table with wrapped cells, each of at most [`MAX_CELL_LINES`] lines (a longer
    /// text ends in …), so that a row always fits a page; the header row repeats on every
    /// page it runs onto.
    fn table(&mut self, header: &[&str], widths: &[f32], rows: &[Vec<String>]) {
        let size = 9.0;
        let lh = size * 1.45;
        let pad = 3.0;
        let total: f32 = widths.iter().sum();
        let scale = (PAGE_W - 2.0 * MARGIN_X) / total;
        let ws: Vec<f32> = widths.iter().map(|w| w * scale).collect();
        let wrap_row = |l: &Layout<'_>, cells: &[String]| -> Vec<Vec<String>> {
            cells
                .iter()
                .zip(&ws)
                .map(|(c, w)| {
                    let mut lines = l.wrap(c, size, w - 2.0 * pad);
                    if lines.len() > MAX_CELL_LINES {
                        lines.truncate(MAX_CELL_LINES);
                        let last = &mut lines[MAX_CELL_LINES - 1];
                        last.pop();
                        last.push('…');
                    }
                    lines
                })
                .collect()
        };
        let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
        let head_lines = wrap_row(self, &head);
        let head_h = head_lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
        let draw_row = |l: &mut Layout<'_>, lines: &[Vec<String>], h: f32, shade: bool| {
            let top = l.y;
            if shade {
                l.rect(MARGIN_X, top - h, ws.iter().sum(), h, grey(0.88));
            }
            let mut x = MARGIN_X;
            for (cell, w) in lines.iter().zip(&ws) {
                for (k, t) in cell.iter().enumerate() {
                    l.text_at(
                        x + pad,
                        top - pad - (k as f32 + 1.0) * lh + size * 0.3,
                        t,
                        size,
                    );
                }
                x += w;
            }
            l.line(
                MARGIN_X,
                top - h,
                MARGIN_X + ws.iter().sum::<f32>(),
                top - h,
                0.4,
            );
            l.y -= h;
        };
        let total_w: f32 = ws.iter().sum();
        let draw_header = |l: &mut Layout<'_>| {
            l.line(MARGIN_X, l.y, MARGIN_X + total_w, l.y, 0.8);
            draw_row(l, &head_lines, head_h, true);
        };
        self.start_block(head_h + lh * 2.0 + 2.0 * pad);
        self.y -= 4.0;
        draw_header(self);
        for r in rows {
            let lines = wrap_row(self, r);
            let h = lines.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * pad;
            if self.y - h < BOTTOM {
                self.new_page();
                draw_header(self);
            }
            draw_row(self, &lines, h, false);
        }
        self.y -= 8.0;
    }

    /// A horizontal bar chart with value labels and a scale, in greys for print.
    fn bar_chart(&mut self, title: &str, bars: &[(String, f64)], max: Option<f64>, unit: &str) {
        if bars.is_empty() {
            return;
        }
        let size = 9.0;
        let bar_h = 11.0;
        let gap = 5.0;
        let label_w = bars
            .iter()
            .map(|(l, _)| self.width(l, size))
            .fold(0.0, f32::max)
            .min(150.0)
            + 8.0;
        let h = 30.0 + bars.len() as f32 * (bar_h + gap) + 20.0;
        self.start_block(h);
        self.y -= 18.0;
        let tw = self.width(title, 10.5);
        self.text_at((PAGE_W - tw) / 2.0, self.y, title, 10.5);
        self.y -= 10.0;
        let x0 = MARGIN_X + label_w;
        let plot_w = PAGE_W - 2.0 * MARGIN_X - label_w - 40.0;
        let counts = bars.iter().all(|b| b.1.fract() == 0.0);
        let (step, vmax) = scale(
            max.unwrap_or_else(|| bars.iter().map(|b| b.1).fold(0.0, f64::max)),
            counts,
        );
        let top = self.y;
        for (i, (label, val)) in bars.iter().enumerate() {
            let yb = top - (i as f32 + 1.0) * (bar_h + gap);
            let lw = self.width(label, size);
            let shown = if lw > label_w - 8.0 {
                format!("{}…", label.chars().take(12).collect::<String>())
            } else {
                label.clone()
            };
            let sw = self.width(&shown, size);
            self.text_at(x0 - 6.0 - sw, yb + 2.5, &shown, size);
            let w = (*val / vmax) as f32 * plot_w;
            self.rect(
                x0,
                yb,
                w.max(0.5),
                bar_h,
                grey(if i % 2 == 0 { 0.35 } else { 0.6 }),
            );
            let txt = if counts {
                format!("{val:.0}{unit}")
            } else {
                format!("{val:.2}{unit}")
            };
            self.text_at(x0 + w + 4.0, yb + 2.5, &txt, size);
        }
        let bottom = top - bars.len() as f32 * (bar_h + gap) - gap;
        self.line(x0, top, x0, bottom, 0.6);
        self.line(x0, bottom, x0 + plot_w, bottom, 0.6);
        let ticks = (vmax / step).round() as u32;
        let decimals = (-step.log10()).ceil().max(0.0) as usize;
        for k in 0..=ticks {
            let v = step * f64::from(k);
            let x = x0 + plot_w * (v / vmax) as f32;
            self.line(x, bottom, x, bottom - 3.0, 0.6);
            let t = format!("{v:.decimals$}");
            let tw = self.width(&t, 8.0);
            self.text_at(x - tw / 2.0, bottom - 12.0, &t, 8.0);
        }
        self.y = bottom - 24.0;
    }
}

/// A chart's scale for values up to `max`: a step of 1, 2 or 5 times a power of ten that
/// gives at most five intervals (at least 1 for `counts`, which are whole numbers), and the
/// scale's end, the first multiple of the step at or above `max`. Up to 19 findings is
/// 0, 5, 10, 15, 20; up to 50 is 0, 10 … 50; a score out of 100 is 0, 20 … 100.
fn scale(max: f64, counts: bool) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 {
        max
    } else {
        1.0
    };
    let rough = max / 5.0;
    let power = 10f64.powf(rough.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= rough * (1.0 - 1e-9))
        .unwrap_or(10.0 * power);
    if counts {
        step = step.max(1.0);
    }
    (step, (max / step * (1.0 - 1e-9)).ceil().max(1.0) * step)
}

fn table_for(
    l: &mut Layout<'_>,
    name: &str,
    v: &ReportView<'_>,
) -> std::result::Result<(), String> {
    let s = v.scores;
    match name {
        "agencies" => {
            let grades: Vec<&str> = v.rubric.grades.iter().map(|g| g.name.as_str()).collect();
            let mut header = vec!["排名", "执法单位", "案卷数", "平均分"];
            header.extend(grades.iter().copied());
            header.push("主要问题");
            let mut widths = vec![5.5, 21.0, 7.0, 8.0];
            // A grade's column is wide enough for its name on one line (不合格).
            widths.extend(
                grades
                    .iter()
                    .map(|g| (2.2 * g.chars().count() as f32 + 1.0).max(6.5)),
            );
            widths.push(30.0);
            let rows: Vec<Vec<String>> = s
                .agencies
                .iter()
                .map(|a| {
                    let mut r = vec![
                        a.rank.to_string(),
                        a.agency.clone(),
                        a.cases.to_string(),
                        format!("{:.2}", a.mean_score),
                    ];
                    r.extend(a.grades.iter().map(|(_, n)| n.to_string()));
                    let top: Vec<String> = a
                        .top_rules
                        .iter()
                        .map(|(code, n)| {
                            format!(
                                "{}{} {n}项",
                                code,
                                crate::rules::registry::find(code)
                                    .map(|r| r.title)
                                    .unwrap_or("")
                            )
                        })
                        .collect();
                    r.push(if top.is_empty() {
                        "无".into()
                    } else {
                        top.join("；")
                    });
                    r
                })
                .collect();
            l.table(&header, &widths, &rows);
        }
        "catalogue" => {
            // The default profile's rules; with `--profile-map`, then each other profile's
            // that judged an agency, under a line naming it and its agencies.
            let default = (&v.profiles[0], None);
            let others = v.others().into_iter().map(|(p, a)| (p, Some(a)));
            for (p, agencies) in std::iter::once(default).chain(others) {
                if let Some(agencies) = agencies {
                    l.lead_in(&format!(
                        "{}适用《{}》（{}）：",
                        agencies.join("、"),
                        p.regulation,
                        p.id
                    ));
                }
                let rows: Vec<Vec<String>> = crate::rules::registry::RULES
                    .iter()
                    .filter(|r| p.has(r.code))
                    .map(|r| {
                        let a = p.article(r.code);
                        vec![
                            r.code.to_string(),
                            r.title.to_string(),
                            if a.is_empty() {
                                "数据质量".into()
                            } else {
                                p.article_title(&a)
                            },
                        ]
                    })
                    .collect();
                l.table(&["代码", "规则", "依据条款"], &[8.0, 30.0, 62.0], &rows);
            }
        }
        "problems" => {
            let mut groups: BTreeMap<(String, String), (u32, String)> = BTreeMap::new();
            for p in &v.bundle.problems {
                let key = (
                    p.file
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or(&p.file)
                        .to_string(),
                    p.message.clone(),
                );
                let e = groups.entry(key).or_insert((0, p.column.clone()));
                e.0 += p.count;
            }
            let mut rows: Vec<(u32, Vec<String>)> = groups
                .into_iter()
                .map(|((f, m), (n, c))| (n, vec![f, c, m, n.to_string()]))
                .collect();
            rows.sort_by_key(|r| std::cmp::Reverse(r.0));
            let rows: Vec<Vec<String>> = rows.into_iter().take(30).map(|r| r.1).collect();
            if !rows.is_empty() {
                l.table(
                    &["文件", "列", "问题", "处数"],
                    &[24.0, 14.0, 52.0, 10.0],
                    &rows,
                );
            }
        }
        "not_evaluated" => {
            let rows: Vec<Vec<String>> = v
                .not_evaluated
                .iter()
                .map(|n| vec![n.rule.to_string(), n.title.to_string(), n.reason.clone()])
                .collect();
            l.table(&["代码", "规则", "原因"], &[8.0, 26.0, 66.0], &rows);
        }
        "waivers" => {
            let rows: Vec<Vec<String>> = v
                .waivers
                .iter()
                .take(WAIVERS_LISTED)
                .map(|w| {
                    vec![
                        w.rule.clone(),
                        w.case_no.clone(),
                        w.subject.clone(),
                        w.reason.clone(),
                        w.approved_by.clone(),
                    ]
                })
                .collect();
            l.table(
                &["规则", "案号", "对象", "豁免理由", "批准人"],
                &[8.0, 20.0, 18.0, 38.0, 16.0],
                &rows,
            );
        }
        "tracking" => {
            let Some(t) = v.tracking else { return Ok(()) };
            let rows: Vec<Vec<String>> = t
                .gone
                .iter()
                .filter(|g| g.status == crate::tracking::RESOLVED)
                .take(40)
                .map(|g| {
                    vec![
                        g.finding.rule.to_string(),
                        g.finding.agency.to_string(),
                        g.finding.case_no.to_string(),
                        g.finding.subject.to_string(),
                        g.finding.title.to_string(),
                    ]
                })
                .collect();
            if !rows.is_empty() {
                l.table(
                    &["规则", "执法单位", "案号", "对象", "已整改的问题"],
                    &[8.0, 20.0, 22.0, 20.0, 30.0],
                    &rows,
                );
            }
        }
        "inputs" => {
            let rows: Vec<Vec<String>> = v
                .bundle
                .sources
                .iter()
                .map(|s| {
                    vec![
                        s.table.zh().to_string(),
                        s.label(),
                        s.rows.to_string(),
                        s.sha256.get(..16).unwrap_or("").to_string(),
                    ]
                })
                .collect();
            l.table(
                &["表", "文件", "行数", "SHA-256（前16位）"],
                &[14.0, 50.0, 10.0, 26.0],
                &rows,
            );
        }
        other => return Err(unknown("表格", other, TABLES)),
    }
    Ok(())
}

/// Agencies the chart of mean scores shows at most (the best ranked; the table lists all).
const AGENCY_BARS: usize = 30;

fn chart_for(
    l: &mut Layout<'_>,
    name: &str,
    v: &ReportView<'_>,
) -> std::result::Result<(), String> {
    let s = v.scores;
    match name {
        "rules" => {
            let bars: Vec<(String, f64)> = s
                .rules
                .iter()
                .take(15)
                .map(|r| (format!("{} {}", r.rule, r.title), f64::from(r.count)))
                .collect();
            l.bar_chart("各规则问题数（前 15 项）", &bars, None, "");
        }
        "agencies" => {
            let bars: Vec<(String, f64)> = s
                .agencies
                .iter()
                .take(AGENCY_BARS)
                .map(|a| (a.agency.clone(), a.mean_score))
                .collect();
            let title = if s.agencies.len() > AGENCY_BARS {
                format!(
                    "各单位案卷平均分（前 {AGENCY_BARS} 名，共 {} 个单位）",
                    s.agencies.len()
                )
            } else {
                "各单位案卷平均分".to_string()
            };
            l.bar_chart(&title, &bars, Some(100.0), "");
        }
        "stages" => {
            let mut counts = [0u32; 5];
            for c in &s.cases {
                for (k, n) in c.by_stage.iter().enumerate() {
                    counts[k] += n;
                }
            }
            let bars: Vec<(String, f64)> = crate::model::Stage::ALL
                .iter()
                .zip(counts)
                .map(|(st, n)| (st.zh().to_string(), f64::from(n)))
                .collect();
            l.bar_chart("各环节问题数", &bars, None, "");
        }
        other => return Err(unknown("图表", other, CHARTS)),
    }
    Ok(())
}

/// Every text of the template's data on one line: the rendered template is read line by
/// line, a line's head saying what it is (`@pagebreak`, `@table …`, `# `), and a case
/// number, party or agency name from an export may hold a line break (a quoted CSV cell
/// can). Left in, such a text would split its paragraph and could start a line the layout
/// obeys (`@chart x` stopped the run). Line breaks and other control characters become
/// spaces.
fn one_line(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if s.chars().any(breaks_line) => {
            *s = s
                .chars()
                .map(|c| if breaks_line(c) { ' ' } else { c })
                .collect();
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(one_line),
        serde_json::Value::Object(o) => o.values_mut().for_each(one_line),
        _ => {}
    }
}

/// A control character, or one of Unicode's line and paragraph separators.
fn breaks_line(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Render the report and write it beside `path`, to be committed in its place with the
/// run's other outputs.
pub fn write(
    v: &ReportView<'_>,
    font: &CjkFont,
    templates: &Templates,
    path: &Path,
) -> Result<super::Staged> {
    let text = templates
        .text(&context(v, templates))
        .map_err(|e| Error::Config(format!("报告模板无法生成：{e}")))?;
    let mut doc = PdfDocument::new(&format!("{} 行政执法案卷评查报告", v.meta.bureau));
    let font_id = doc.add_font(&font.font);
    let mut l = Layout::new(&font.font, font_id);
    for raw in text.lines() {
        let line = raw.trim();
        let bad = |e: String| Error::Config(format!("报告模板无效：{e}"));
        if line.is_empty() {
            continue;
        } else if let Some(t) = line.strip_prefix("## ") {
            l.heading(t, 12.5);
        } else if let Some(t) = line.strip_prefix("# ") {
            l.heading(t, 15.0);
        } else if let Some(t) = line.strip_prefix("- ") {
            l.paragraph(&format!("· {t}"), BODY, 0.0);
        } else if let Some(t) = line.strip_prefix("@title ") {
            l.centered(t, 24.0);
        } else if let Some(t) = line.strip_prefix("@center ") {
            l.centered(t, 13.0);
        } else if let Some(t) = line.strip_prefix("@skip ") {
            l.y -= t.trim().parse::<f32>().unwrap_or(12.0) * Mm(1.0).into_pt().0;
        } else if line == "@pagebreak" {
            l.new_page();
        } else if let Some(t) = line.strip_prefix("@table ") {
            table_for(&mut l, t.trim(), v).map_err(bad)?;
        } else if let Some(t) = line.strip_prefix("@chart ") {
            chart_for(&mut l, t.trim(), v).map_err(bad)?;
        } else {
            l.paragraph(line, BODY, 1.0);
        }
    }
    l.new_page();
    let n = l.pages.len();
    let pages: Vec<PdfPage> = std::mem::take(&mut l.pages)
        .into_iter()
        .enumerate()
        .map(|(i, mut ops)| {
            if i > 0 {
                let footer = format!("第 {} 页 共 {} 页", i + 1, n);
                let w = l.width(&footer, 9.0);
                ops.extend(l.text_ops((PAGE_W - w) / 2.0, 36.0, &footer, 9.0));
            }
            PdfPage::new(Mm(210.0), Mm(297.0), ops)
        })
        .collect();
    let bytes = doc.with_pages(pages).save(
        &PdfSaveOptions {
            subset_fonts: true,
            ..PdfSaveOptions::default()
        },
        &mut Vec::new(),
    );
    super::stage(path, |w| w.write_all(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of `text` at one unit a character and `w` units a line.
    fn wrap(text: &str, w: f32) -> Vec<String> {
        wrap_lines(text, w, |_| 1.0)
    }

    #[test]
    fn numbers_dates_and_words_are_never_cut() {
        let text = "现场检查活动（2024-08-03 09:00 至 2024-08-03 09:50）应音像记录";
        let lines = wrap(text, 12.0);
        assert!(lines.iter().all(|l| l.chars().count() <= 12), "{lines:?}");
        for whole in ["2024-08-03", "09:00", "09:50"] {
            assert_eq!(
                lines.iter().filter(|l| l.contains(whole)).count(),
                if whole == "2024-08-03" { 2 } else { 1 },
                "{whole} cut in {lines:?}"
            );
        }
        assert_eq!(lines.concat().replace(' ', ""), text.replace(' ', ""));
        assert_eq!(
            wrap("规则配置：district-2018", 14.0),
            ["规则配置：", "district-2018"]
        );
    }

    #[test]
    fn punctuation_stays_with_its_text() {
        // A comma never starts a line and an opening bracket never ends one.
        assert_eq!(wrap("一二三四五，六七", 5.0), ["一二三四", "五，六七"]);
        assert_eq!(wrap("一二三四（五六）", 5.0), ["一二三四", "（五六）"]);
    }

    #[test]
    fn a_piece_wider_than_a_line_is_cut_between_characters() {
        let hash = "e54dc47dc183d29743959dbf9d46cc3a";
        let lines = wrap(&format!("哈希值 {hash}"), 10.0);
        assert_eq!(lines[0], "哈希值");
        assert!(
            lines[1..].iter().all(|l| l.chars().count() <= 10),
            "{lines:?}"
        );
        assert_eq!(lines[1..].concat(), hash);
    }

    #[test]
    fn line_breaks_end_lines_and_empty_text_is_one_empty_line() {
        assert_eq!(wrap("甲\n乙", 10.0), ["甲", "乙"]);
        assert_eq!(wrap("", 10.0), [""]);
        assert_eq!(wrap("短", 10.0), ["短"]);
    }

    /// The texts shown on each page of `l` (finished with a last page break).
    fn page_texts(mut l: Layout<'_>) -> Vec<Vec<String>> {
        l.new_page();
        l.pages
            .iter()
            .map(|ops| {
                ops.iter()
                    .filter_map(|op| match op {
                        Op::ShowText { items } => match &items[..] {
                            [TextItem::Text(t)] => {
                                Some(t.trim_start_matches('\u{3000}').to_string())
                            }
                            _ => None,
                        },
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    /// A heading and its sentence `room` points above the bottom margin, then a chart
    /// of 30 bars, laid out in the system's CJK font: the texts of each page.
    fn heading_then_chart(room: f32, sentence: &str) -> Vec<Vec<String>> {
        let font = CjkFont::find(None).expect("a CJK font: scripts/test installs one");
        let mut doc = PdfDocument::new("t");
        let id = doc.add_font(&font.font);
        let mut l = Layout::new(&font.font, id);
        l.y = BOTTOM + room;
        // A section that ends in paragraphs: its heading stays where it is.
        l.heading("二、主要问题", 15.0);
        l.paragraph("上一节的最后一段。", BODY, 1.0);
        l.heading("三、各单位情况", 15.0);
        l.paragraph(sentence, BODY, 1.0);
        let bars: Vec<(String, f64)> = (0..30).map(|i| (format!("单位{i}"), 90.0)).collect();
        l.bar_chart("各单位案卷平均分", &bars, Some(100.0), "");
        // The chart (30 bars of 16 points) lies within the page it was drawn on.
        assert!(
            (BOTTOM..=TOP - 30.0 * 16.0).contains(&l.y),
            "the chart ends at {}",
            l.y
        );
        page_texts(l)
    }

    #[test]
    fn a_heading_goes_with_the_chart_that_follows_it_to_a_new_page() {
        let pages = heading_then_chart(200.0, "各执法单位的得分如下。");
        assert_eq!(pages[0], ["二、主要问题", "上一节的最后一段。"]);
        assert_eq!(
            pages[1][..3],
            [
                "三、各单位情况",
                "各执法单位的得分如下。",
                "各单位案卷平均分"
            ]
        );
        // Where the chart fits, nothing moves.
        let pages = heading_then_chart(700.0, "各执法单位的得分如下。");
        assert_eq!(pages.iter().filter(|p| !p.is_empty()).count(), 1);
        // A heading followed by a long text stays where it is: moving it would leave
        // most of a page empty.
        let long = "各执法单位的得分、等次和排名如下。".repeat(20);
        let pages = heading_then_chart(400.0, &long);
        assert_eq!(pages[0][1..3], ["上一节的最后一段。", "三、各单位情况"]);
        assert_eq!(pages[1][0], "各单位案卷平均分");
    }

    #[test]
    fn a_lead_in_goes_with_the_table_after_it() {
        let font = CjkFont::find(None).expect("a CJK font: scripts/test installs one");
        let mut doc = PdfDocument::new("t");
        let id = doc.add_font(&font.font);
        let mut l = Layout::new(&font.font, id);
        l.paragraph("上一段。", BODY, 1.0);
        l.y = BOTTOM + 40.0;
        l.lead_in("交通运输局适用《河南省行政执法全过程记录办法》（henan-2019）：");
        let rows = vec![vec!["A01".to_string(), "逾期未归档".to_string()]; 3];
        l.table(&["代码", "规则"], &[10.0, 30.0], &rows);
        let pages = page_texts(l);
        assert_eq!(pages[0], ["上一段。"]);
        assert_eq!(
            pages[1][..2],
            [
                "交通运输局适用《河南省行政执法全过程记录办法》（henan-2019）：",
                "代码"
            ]
        );
    }

    #[test]
    fn a_chart_scale_steps_by_one_two_or_five() {
        assert_eq!(scale(50.0, true), (10.0, 50.0));
        assert_eq!(scale(19.0, true), (5.0, 20.0));
        assert_eq!(scale(100.0, false), (20.0, 100.0));
        assert_eq!(scale(7.0, true), (2.0, 8.0));
        assert_eq!(scale(3.0, true), (1.0, 3.0));
        // One finding is a scale of one, not of tenths.
        assert_eq!(scale(1.0, true), (1.0, 1.0));
        assert_eq!(scale(0.9, false), (0.2, 1.0));
        assert_eq!(scale(0.0, true), (1.0, 1.0));
        assert_eq!(scale(1234.0, true), (500.0, 1500.0));
    }
}
