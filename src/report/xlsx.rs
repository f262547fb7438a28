//! The evaluation workbook (report.xlsx): 汇总, 问题清单, 案卷评分, 规则统计, 数据问题,
//! 运行参数, 已豁免 and 整改跟踪. The list sheets stream in constant-memory mode and
//! continue on `name(2)` … past Excel's row limit, which 汇总 notes; the file is written
//! beside its target and renamed when complete.

use super::{ReportView, Staged};
use crate::error::Result;
use crate::model::{Stage, Stamp};
use foldhash::HashMap;
use rayon::prelude::*;
use rust_xlsxwriter::{
    Chart, ChartType, ConditionalFormatCell, ConditionalFormatCellRule, ConditionalFormatText,
    ConditionalFormatTextRule, Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet,
    XlsxError,
};
use std::io::Write;
use std::ops::Range;
use std::path::Path;

/// Data rows one sheet holds below its header (Excel's 1,048,576 rows less the header).
pub const MAX_DATA_ROWS: usize = 1_048_575;

/// Sheet names.
pub const SUMMARY: &str = "汇总";
/// Findings sheet (continued as 问题清单(2) …).
pub const FINDINGS: &str = "问题清单";
/// Case scores.
pub const CASES: &str = "案卷评分";
/// Rule statistics.
pub const RULES: &str = "规则统计";
/// Data problems.
pub const PROBLEMS: &str = "数据问题";
/// Run parameters.
pub const PARAMS: &str = "运行参数";
/// Waived findings.
pub const WAIVED: &str = "已豁免";
/// Change tracking against a baseline.
pub const TRACKING: &str = "整改跟踪";

/// Excel's limit on the text of one cell, in UTF-16 code units: rust_xlsxwriter refuses a
/// longer string, which would fail the whole workbook.
const MAX_CELL_UNITS: usize = 32_767;

/// `s` as one cell can hold it: a longer text (a raw value that a stray quote ran on to the
/// end of its file, say) keeps its head and says how long it was, instead of failing the
/// workbook. findings.csv, findings.jsonl and the terminal keep the whole text.
pub(super) fn fit(s: &str) -> std::borrow::Cow<'_, str> {
    // A UTF-8 text has at least as many bytes as UTF-16 code units.
    if s.len() <= MAX_CELL_UNITS || s.encode_utf16().count() <= MAX_CELL_UNITS {
        return s.into();
    }
    let note = format!(
        "…（全文 {} 字，超过 Excel 单元格上限，其余从略）",
        s.chars().count()
    );
    let room = MAX_CELL_UNITS - note.encode_utf16().count();
    let mut units = 0;
    let end = s
        .char_indices()
        .find(|(_, ch)| {
            units += ch.len_utf16();
            units > room
        })
        .map_or(s.len(), |(i, _)| i);
    format!("{}{note}", &s[..end]).into()
}

/// Text cells written through [`fit`]: every string of the workbooks goes this way.
pub(super) trait WriteText {
    /// `write_string` of a text that may be too long for a cell.
    fn text(
        &mut self,
        row: u32,
        col: u16,
        s: impl AsRef<str>,
    ) -> std::result::Result<&mut Self, XlsxError>;
    /// `write_string_with_format` of a text that may be too long for a cell.
    fn text_with_format(
        &mut self,
        row: u32,
        col: u16,
        s: impl AsRef<str>,
        format: &Format,
    ) -> std::result::Result<&mut Self, XlsxError>;
}

impl WriteText for Worksheet {
    fn text(
        &mut self,
        row: u32,
        col: u16,
        s: impl AsRef<str>,
    ) -> std::result::Result<&mut Self, XlsxError> {
        self.write_string(row, col, fit(s.as_ref()))
    }

    fn text_with_format(
        &mut self,
        row: u32,
        col: u16,
        s: impl AsRef<str>,
        format: &Format,
    ) -> std::result::Result<&mut Self, XlsxError> {
        self.write_string_with_format(row, col, fit(s.as_ref()), format)
    }
}

/// The workbook's default cell format: every cell written without a format of its own
/// (most text and counts) is set in it, so rows stream without a format lookup per cell.
fn base_format() -> Format {
    Format::new().set_font_name("宋体").set_font_size(10.5)
}

struct Formats {
    plain: Format,
    title: Format,
    header: Format,
    wrap: Format,
    score: Format,
    percent: Format,
    date: Format,
    datetime: Format,
    link: Format,
    bad: Format,
    good: Format,
    total: Format,
}

impl Formats {
    fn new() -> Formats {
        let base = base_format();
        Formats {
            plain: base.clone(),
            title: base.clone().set_bold().set_font_size(16),
            header: base
                .clone()
                .set_bold()
                .set_background_color("D9E1F2")
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap(),
            wrap: base.clone().set_text_wrap(),
            score: base.clone().set_num_format("0.00"),
            percent: base.clone().set_num_format("0.00%"),
            date: base.clone().set_num_format("yyyy-mm-dd"),
            datetime: base.clone().set_num_format("yyyy-mm-dd hh:mm"),
            link: base
                .clone()
                .set_font_color("0563C1")
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            bad: Format::new()
                .set_font_color("9C0006")
                .set_background_color("FFC7CE"),
            good: Format::new()
                .set_font_color("006100")
                .set_background_color("C6EFCE"),
            total: base.set_bold().set_border_top(FormatBorder::Thin),
        }
    }
}

fn header(
    ws: &mut Worksheet,
    row: u32,
    cols: &[(&str, f64)],
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    for (c, (name, _)) in cols.iter().enumerate() {
        ws.text_with_format(row, c as u16, *name, &f.header)?;
    }
    ws.set_freeze_panes(row + 1, 0)?;
    Ok(())
}

/// Set the column widths. Large sheets call it after their rows: rust_xlsxwriter looks up
/// the column options of every unformatted cell while any are set (a cost worth paying
/// only for [`column_formats`]), and the widths are written when the sheet is saved.
fn widths(ws: &mut Worksheet, cols: &[(&str, f64)]) -> std::result::Result<(), XlsxError> {
    for (c, (_, width)) in cols.iter().enumerate() {
        ws.set_column_width(c as u16, *width)?;
    }
    Ok(())
}

/// Write one row of text cells, in `format` or the workbook's default.
fn text_row(
    ws: &mut Worksheet,
    row: u32,
    vals: &[&str],
    format: Option<&Format>,
) -> std::result::Result<(), XlsxError> {
    for (c, val) in vals.iter().enumerate() {
        match format {
            Some(f) => ws.text_with_format(row, c as u16, *val, f)?,
            None => ws.text(row, c as u16, *val)?,
        };
    }
    Ok(())
}

/// Points a line of the workbook's default font (宋体 10.5) takes in a row.
const LINE_HEIGHT: f64 = 15.0;

/// Lines `s` wraps to in a column `width` characters wide, as 宋体 sets it: a Chinese
/// character is two widths of `0`, a Latin letter or digit one; a line break starts a line.
fn wrapped_lines(s: &str, width: f64) -> u32 {
    let per_line = (width - 1.0).max(1.0);
    s.split('\n')
        .map(|line| {
            let w = unicode_width::UnicodeWidthStr::width(line) as f64;
            ((w / per_line).ceil() as u32).max(1)
        })
        .sum()
}

/// Make row `row` tall enough for its wrapped texts (each with its column's width) when
/// one takes more than a line. Excel and WPS fit such a row themselves when the file
/// opens; LibreOffice keeps it one line high and lets the lines run over the rows below,
/// so the height is written.
fn fit_row<'s>(
    ws: &mut Worksheet,
    row: u32,
    wrapped: impl IntoIterator<Item = (&'s str, f64)>,
) -> std::result::Result<(), XlsxError> {
    let lines = wrapped
        .into_iter()
        .map(|(s, width)| wrapped_lines(s, width))
        .max()
        .unwrap_or(1);
    if lines > 1 {
        // Excel's tallest row is 409 points.
        ws.set_row_height(row, f64::from(lines.min(27)) * LINE_HEIGHT)?;
    }
    Ok(())
}

/// Give the columns of a large sheet the formats most of their cells take, before its rows
/// (which stream out as they are written): a cell written without a format of its own then
/// takes its column's at the cost of a small map lookup, where a cell's own `Format` is
/// hashed whole to find its index (some 4,000 instructions a cell under callgrind).
fn column_formats(
    ws: &mut Worksheet,
    cols: &[(u16, &Format)],
) -> std::result::Result<(), XlsxError> {
    for (c, fmt) in cols {
        ws.set_column_format(*c, fmt)?;
    }
    Ok(())
}

/// Write a date or datetime cell in a column formatted as dates ([`column_formats`]): a
/// date-only value takes the column's format, a value with a time of day its own.
fn stamp(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    s: Option<Stamp>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    match s {
        Some(s) if s.date_only() => ws.write_datetime(row, col, s.date()).map(|_| ()),
        Some(s) => ws
            .write_datetime_with_format(row, col, s.at(), &f.datetime)
            .map(|_| ()),
        None => Ok(()),
    }
}

/// Highlight the cells of one column whose text matches `rule`.
fn mark_text(
    ws: &mut Worksheet,
    first_row: u32,
    col: u16,
    last_row: u32,
    rule: ConditionalFormatTextRule,
    fmt: &Format,
) -> std::result::Result<(), XlsxError> {
    ws.add_conditional_format(
        first_row,
        col,
        last_row,
        col,
        &ConditionalFormatText::new().set_rule(rule).set_format(fmt),
    )?;
    Ok(())
}

/// Number of sheets `rows` rows fill at `limit` rows a sheet (one when empty).
fn sheets_for(rows: usize, limit: usize) -> usize {
    rows.div_ceil(limit).max(1)
}

/// The row ranges of the sheets `rows` rows fill at `limit` rows a sheet: one empty range
/// when there are none, so the sheet is still there with its header.
fn parts(rows: usize, limit: usize) -> Vec<Range<usize>> {
    (0..sheets_for(rows, limit))
        .map(|k| k * limit..((k + 1) * limit).min(rows))
        .collect()
}

/// Name of part `k` (from 0) of a sheet continued past Excel's row limit: `name`,
/// `name(2)`, `name(3)` …
fn part_name(name: &str, k: usize) -> String {
    if k == 0 {
        name.to_string()
    } else {
        format!("{name}({})", k + 1)
    }
}

/// Number of 问题清单 sheets report.xlsx holds: its findings not waived, at Excel's row
/// limit a sheet.
pub fn findings_sheets(v: &ReportView<'_>) -> usize {
    sheets_for(v.waived.iter().filter(|w| !**w).count(), MAX_DATA_ROWS)
}

/// Write report.xlsx beside `path`, to be committed in its place with the run's other
/// outputs.
pub fn write(v: &ReportView<'_>, path: &Path) -> Result<Staged> {
    write_with_sheet_limit(v, path, MAX_DATA_ROWS)
}

/// Write report.xlsx with at most `rows` data rows per sheet (Excel's limit in
/// production; smaller to exercise the split in tests). Every list sheet (问题清单,
/// 案卷评分, 数据问题, 已豁免, 整改跟踪) continues on `name(2)` … past the limit, and 汇总
/// says so.
pub fn write_with_sheet_limit(v: &ReportView<'_>, path: &Path, rows: usize) -> Result<Staged> {
    super::stage(path, |w| {
        build(v, w, rows.clamp(1, MAX_DATA_ROWS)).map_err(crate::error::xlsx_io)
    })
}

/// A link from a finding to its case's row on 案卷评分 (or the part of it that holds the
/// case), as a `HYPERLINK` formula with the case number as its cached value: unlike
/// hyperlink records, formulas have no per-sheet limit (Excel stops at 65,530 hyperlinks a
/// sheet) and cost nothing to hold.
fn case_link(case: u32, case_no: &str, limit: usize) -> Formula {
    let text = case_no.replace('"', "\"\"");
    let (part, row) = (case as usize / limit, case as usize % limit);
    Formula::new(format!(
        "=HYPERLINK(\"#'{}'!A{}\",\"{text}\")",
        part_name(CASES, part),
        row + 2
    ))
    .set_result(case_no)
}

/// What a large sheet lists: filled on its own thread in constant-memory mode and added to
/// the workbook in sheet order afterwards, one job per part of the sheet.
#[derive(Clone, Copy, PartialEq)]
enum List {
    /// 问题清单: findings not waived.
    Findings,
    /// 案卷评分: one row a case.
    Cases,
    /// 数据问题: input problems.
    Problems,
    /// 已豁免: findings set aside by waivers.
    Waived,
    /// 整改跟踪: findings not waived, then baseline findings no longer reported.
    Tracking,
}

impl List {
    fn name(self) -> &'static str {
        match self {
            List::Findings => FINDINGS,
            List::Cases => CASES,
            List::Problems => PROBLEMS,
            List::Waived => WAIVED,
            List::Tracking => TRACKING,
        }
    }

    /// What one row of the list is, for 汇总's note on a split sheet.
    fn unit(self) -> &'static str {
        match self {
            List::Cases => "件案卷",
            List::Problems => "项数据问题",
            _ => "项",
        }
    }
}

/// A list sheet's rows and the parts they fill.
struct Split {
    list: List,
    rows: usize,
    parts: Vec<Range<usize>>,
}

/// The rows of the list sheets, worked out once.
struct Lists<'a> {
    /// Indices of the findings not waived.
    live: Vec<usize>,
    /// Indices of the waived findings.
    waived: Vec<usize>,
    /// Each waived finding's waiver, by (rule, 案号, subject).
    waivers: HashMap<(&'a str, &'a str, &'a str), &'a crate::scoring::Waiver>,
    limit: usize,
}

fn build(
    v: &ReportView<'_>,
    out: &mut (dyn Write + Send),
    limit: usize,
) -> std::result::Result<(), XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    wb.set_default_format(&base_format(), 20, 64)?;
    wb.set_zip_compression_level(1);
    let (waived, live): (Vec<usize>, Vec<usize>) =
        (0..v.findings.len()).partition(|i| v.waived[*i]);
    let lists = Lists {
        live,
        waived,
        waivers: v
            .waivers
            .iter()
            .rev() // the first of two waivers of one finding gives its reason
            .map(|w| ((w.rule.as_str(), w.case_no.as_str(), w.subject.as_str()), w))
            .collect(),
        limit,
    };
    let splits: Vec<Split> = vec![
        (List::Findings, lists.live.len()),
        (List::Cases, v.scores.cases.len()),
        (List::Problems, v.bundle.problems.len()),
    ]
    .into_iter()
    .chain(
        (!lists.waived.is_empty() || !v.waivers.is_empty())
            .then_some((List::Waived, lists.waived.len())),
    )
    .chain(
        v.tracking
            .map(|t| (List::Tracking, lists.live.len() + t.gone.len())),
    )
    .map(|(list, rows)| Split {
        list,
        rows,
        parts: parts(rows, limit),
    })
    .collect();
    let jobs: Vec<(List, usize, Range<usize>)> = splits
        .iter()
        .flat_map(|s| {
            s.parts
                .iter()
                .cloned()
                .enumerate()
                .map(move |(k, rows)| (s.list, k, rows))
        })
        .collect();
    let sheets = jobs
        .iter()
        .map(|_| wb.new_worksheet_with_constant_memory())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let mut sheets = jobs
        .into_par_iter()
        .zip(sheets)
        .map(|((list, k, rows), mut ws)| {
            ws.set_name(part_name(list.name(), k))?;
            match list {
                List::Findings => findings_sheet(&mut ws, v, &lists, rows, &f)?,
                List::Cases => cases_sheet(&mut ws, v, rows, &f)?,
                List::Problems => problems_sheet(&mut ws, v, rows, &f)?,
                List::Waived => waived_sheet(&mut ws, v, &lists, rows, &f)?,
                List::Tracking => tracking_sheet(&mut ws, v, &lists, rows, &f)?,
            }
            Ok(ws)
        })
        .collect::<std::result::Result<Vec<Worksheet>, XlsxError>>()?
        .into_iter();
    summary_sheet(wb.add_worksheet(), v, &f, &splits)?;
    for s in &splits {
        for ws in sheets.by_ref().take(s.parts.len()) {
            wb.push_worksheet(ws);
        }
        match s.list {
            List::Cases => rules_sheet(wb.add_worksheet(), v, &f)?,
            List::Problems => params_sheet(wb.add_worksheet(), v, &f)?,
            _ => {}
        }
    }
    wb.save_to_writer(out)
}

fn summary_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    f: &Formats,
    splits: &[Split],
) -> std::result::Result<(), XlsxError> {
    ws.set_name(SUMMARY)?;
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    let s = v.scores;
    let p = &v.profiles[0];
    ws.text_with_format(
        0,
        0,
        format!("{} 行政执法案卷评查结果汇总", v.meta.bureau),
        &f.title,
    )?;
    let mut sub = format!("依据：《{}》（{}）", p.regulation, p.id);
    for (other, agencies) in v.others() {
        sub.push_str(&format!(
            "；{}依据：《{}》（{}）",
            agencies.join("、"),
            other.regulation,
            other.id
        ));
    }
    sub.push_str(&format!("　评查基准日：{}", v.meta.as_of));
    if let Some(period) = &v.meta.period {
        sub.push_str(&format!("　评查期间：{period}"));
    }
    ws.text(1, 0, sub)?;
    let grades: Vec<String> = v.rubric.grades.iter().map(|g| g.name.clone()).collect();
    let mut cols: Vec<(String, f64)> = vec![
        ("执法机关".into(), 26.0),
        ("评查案卷数".into(), 11.0),
        ("有违规案卷数".into(), 12.0),
        ("违规".into(), 8.0),
        ("警告".into(), 8.0),
        ("提示".into(), 8.0),
        ("平均分".into(), 9.0),
    ];
    cols.extend(grades.iter().map(|g| (g.clone(), 8.0)));
    cols.push(("合格率".into(), 10.0));
    cols.push(("排名".into(), 7.0));
    let cols_ref: Vec<(&str, f64)> = cols.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let hr = 3u32;
    header(ws, hr, &cols_ref, f)?;
    widths(ws, &cols_ref)?;
    let g0 = 7u16;
    let rate_col = g0 + grades.len() as u16;
    for (i, a) in s.agencies.iter().enumerate() {
        let r = hr + 1 + i as u32;
        ws.text(r, 0, &a.agency)?;
        ws.write_number(r, 1, a.cases)?;
        ws.write_number(r, 2, a.cases_with_violations)?;
        for k in 0..3 {
            ws.write_number(r, 3 + k as u16, a.by_severity[k])?;
        }
        ws.write_number_with_format(r, 6, a.mean_score, &f.score)?;
        for (k, (_, n)) in a.grades.iter().enumerate() {
            ws.write_number(r, g0 + k as u16, *n)?;
        }
        ws.write_number_with_format(r, rate_col, a.pass_rate, &f.percent)?;
        ws.write_number(r, rate_col + 1, a.rank)?;
    }
    let n = s.agencies.len() as u32;
    let tr = hr + 1 + n;
    ws.text_with_format(tr, 0, "合计", &f.total)?;
    ws.write_number_with_format(tr, 1, v.bundle.cases.len() as f64, &f.total)?;
    ws.write_number_with_format(
        tr,
        2,
        s.cases.iter().filter(|c| c.violations > 0).count() as f64,
        &f.total,
    )?;
    for k in 0..3 {
        ws.write_number_with_format(tr, 3 + k as u16, s.by_severity[k], &f.total)?;
    }
    ws.write_number_with_format(tr, 6, s.mean_score, &f.total.clone().set_num_format("0.00"))?;
    for (k, (_, cnt)) in s.grades.iter().enumerate() {
        ws.write_number_with_format(tr, g0 + k as u16, *cnt, &f.total)?;
    }
    ws.write_number_with_format(
        tr,
        rate_col,
        s.pass_rate,
        &f.total.clone().set_num_format("0.00%"),
    )?;
    if n > 0 {
        ws.autofilter(hr, 0, hr + n, rate_col + 1)?;
        ws.add_conditional_format(
            hr + 1,
            6,
            hr + n,
            6,
            &ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::LessThan(60))
                .set_format(&f.bad),
        )?;
    }
    let mut notes = tr + 2;
    let no_case = v
        .findings
        .iter()
        .zip(v.waived)
        .filter(|(x, w)| !**w && x.case.is_none())
        .count();
    if no_case > 0 {
        ws.text(notes, 0, format!("另有 {no_case} 项问题不属于任何案卷（未关联案件的音像记录、数据质量问题），见问题清单。"))?;
        notes += 1;
    }
    for sp in splits.iter().filter(|sp| sp.parts.len() > 1) {
        let (name, unit, k) = (sp.list.name(), sp.list.unit(), sp.parts.len());
        ws.text(
            notes,
            0,
            format!(
                "{name}共 {} {unit}，超过单个工作表的容量，分为 {k} 个工作表：{name}、{name}(2) …",
                sp.rows
            ),
        )?;
        notes += 1;
    }
    if !v.not_evaluated.is_empty() {
        ws.text(
            notes,
            0,
            format!(
                "有 {} 项规则未评查（缺少数据或数据无法解析），见“运行参数”。",
                v.not_evaluated.len()
            ),
        )?;
        notes += 1;
    }
    if n > 0 {
        let mut chart = Chart::new(ChartType::Bar);
        chart.title().set_name("各单位平均分");
        chart
            .add_series()
            .set_name("平均分")
            .set_categories((SUMMARY, hr + 1, 0, hr + n, 0))
            .set_values((SUMMARY, hr + 1, 6, hr + n, 6));
        chart.x_axis().set_name("平均分").set_min(0).set_max(100);
        chart.legend().set_hidden();
        chart.set_width(560).set_height(120 + 24 * n.min(30));
        ws.insert_chart(notes + 1, 0, &chart)?;
    }
    let nr = v.scores.rules.len() as u32;
    if nr > 0 {
        let mut chart = Chart::new(ChartType::Column);
        chart.title().set_name("各规则问题数");
        chart
            .add_series()
            .set_name("问题数")
            .set_categories((RULES, 1, 0, nr, 0))
            .set_values((RULES, 1, 4, nr, 4));
        chart.legend().set_hidden();
        chart.set_width(720).set_height(320);
        ws.insert_chart(notes + 1, 7, &chart)?;
    }
    Ok(())
}

fn findings_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    lists: &Lists<'_>,
    rows: Range<usize>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    let first = rows.start;
    let chunk = &lists.live[rows];
    let cols = [
        ("序号", 8.0),
        ("规则", 7.0),
        ("问题", 22.0),
        ("严重程度", 9.0),
        ("执法机关", 22.0),
        ("案号", 24.0),
        ("对象", 22.0),
        ("问题说明", 60.0),
        ("依据条款", 40.0),
        ("扣分", 7.0),
        ("环节", 10.0),
    ];
    header(ws, 0, &cols, f)?;
    ws.set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(0, 0)?;
    column_formats(ws, &[(5, &f.link), (7, &f.wrap)])?;
    let mut titles: foldhash::HashMap<(u16, &str), String> = foldhash::HashMap::default();
    // Findings come case by case: a case's link is made once and written again for its
    // next findings (making a formula walks its text: a tenth of this sheet's
    // instructions under callgrind).
    let mut link: Option<(u32, Formula)> = None;
    for (k, &i) in chunk.iter().enumerate() {
        let x = &v.findings[i];
        let r = k as u32 + 1;
        ws.write_number(r, 0, (first + k + 1) as f64)?;
        ws.text(r, 1, x.rule())?;
        ws.text(r, 2, x.title())?;
        ws.text(r, 3, x.severity.zh())?;
        let case_no = x.case_no(&v.bundle.cases);
        ws.text(r, 4, x.agency(&v.bundle.cases))?;
        match x.case {
            Some(c) if !case_no.is_empty() => {
                let made = match link.take() {
                    Some((last, f)) if last == c => f,
                    _ => case_link(c, case_no, lists.limit),
                };
                ws.write_formula(r, 5, &made)?;
                link = Some((c, made));
            }
            _ => {
                ws.text_with_format(r, 5, case_no, &f.plain)?;
            }
        }
        ws.text(r, 6, x.subject())?;
        ws.text(r, 7, x.detail())?;
        fit_row(ws, r, [(x.detail(), cols[7].1)])?;
        let art = titles.entry((x.profile, &*x.article)).or_insert_with(|| {
            if x.article.is_empty() {
                "（数据质量）".to_string()
            } else {
                v.article_title(x)
            }
        });
        ws.text(r, 8, art.as_str())?;
        ws.write_number(r, 9, x.deduction)?;
        ws.text(r, 10, if x.case.is_some() { x.stage().zh() } else { "" })?;
    }
    let last = chunk.len() as u32;
    ws.autofilter(0, 0, last, cols.len() as u16 - 1)?;
    if last > 0 {
        mark_text(
            ws,
            1,
            3,
            last,
            ConditionalFormatTextRule::Contains("违规".into()),
            &f.bad,
        )?;
    }
    widths(ws, &cols)?;
    Ok(())
}

fn cases_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    rows: Range<usize>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    let mut cols: Vec<(&str, f64)> = vec![
        ("案号", 24.0),
        ("执法机关", 22.0),
        ("启动日期", 12.0),
        ("终结日期", 12.0),
        ("得分", 8.0),
        ("等次", 8.0),
        ("一票否决", 9.0),
        ("否决事项", 12.0),
        ("问题数", 8.0),
    ];
    cols.extend(Stage::ALL.iter().map(|s| (s.zh(), 10.0)));
    header(ws, 0, &cols, f)?;
    column_formats(ws, &[(2, &f.date), (3, &f.date), (4, &f.score)])?;
    let n = rows.len() as u32;
    for (r, i) in (1..).zip(rows) {
        let (c, case) = (&v.scores.cases[i], &v.bundle.cases[i]);
        ws.text(r, 0, &*case.case_no)?;
        ws.text(r, 1, &*case.agency)?;
        stamp(ws, r, 2, case.opened_at, f)?;
        stamp(ws, r, 3, case.closed_at, f)?;
        ws.write_number(r, 4, c.score)?;
        ws.text(r, 5, &*c.grade)?;
        ws.text(r, 6, if c.veto { "是" } else { "否" })?;
        ws.text(r, 7, c.veto_rules.join("、"))?;
        ws.write_number(r, 8, c.findings)?;
        for (k, n) in c.by_stage.iter().enumerate() {
            ws.write_number(r, 9 + k as u16, *n)?;
        }
    }
    ws.autofilter(0, 0, n, cols.len() as u16 - 1)?;
    if n > 0 {
        let fail = v
            .rubric
            .grades
            .last()
            .map(|g| g.name.clone())
            .unwrap_or_default();
        let top = v
            .rubric
            .grades
            .first()
            .map(|g| g.name.clone())
            .unwrap_or_default();
        mark_text(
            ws,
            1,
            5,
            n,
            ConditionalFormatTextRule::Contains(fail),
            &f.bad,
        )?;
        mark_text(
            ws,
            1,
            5,
            n,
            ConditionalFormatTextRule::BeginsWith(top),
            &f.good,
        )?;
        ws.add_conditional_format(
            1,
            4,
            n,
            4,
            &ConditionalFormatCell::new()
                .set_rule(ConditionalFormatCellRule::LessThan(60))
                .set_format(&f.bad),
        )?;
        mark_text(
            ws,
            1,
            6,
            n,
            ConditionalFormatTextRule::Contains("是".into()),
            &f.bad,
        )?;
    }
    widths(ws, &cols)?;
    Ok(())
}

fn rules_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(RULES)?;
    let cols = [
        ("规则", 7.0),
        ("名称", 24.0),
        ("严重程度", 9.0),
        ("依据条款", 48.0),
        ("问题数", 9.0),
        ("涉及案卷数", 11.0),
        ("占评查案卷比例", 14.0),
    ];
    header(ws, 0, &cols, f)?;
    widths(ws, &cols)?;
    for (i, s) in v.scores.rules.iter().enumerate() {
        let r = i as u32 + 1;
        ws.text(r, 0, &s.rule)?;
        ws.text(r, 1, &s.title)?;
        ws.text(r, 2, s.severity.zh())?;
        let arts: Vec<String> = s.articles.iter().map(|a| v.cited(a)).collect();
        let arts = if arts.is_empty() {
            "（数据质量）".into()
        } else {
            arts.join("；")
        };
        ws.text_with_format(r, 3, &arts, &f.wrap)?;
        fit_row(ws, r, [(arts.as_str(), cols[3].1)])?;
        ws.write_number(r, 4, s.count)?;
        ws.write_number(r, 5, s.cases_affected)?;
        ws.write_number_with_format(r, 6, s.share_of_cases, &f.percent)?;
    }
    ws.autofilter(0, 0, v.scores.rules.len() as u32, cols.len() as u16 - 1)?;
    Ok(())
}

fn problems_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    rows: Range<usize>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    let cols = [
        ("文件", 36.0),
        ("工作表", 12.0),
        ("行号", 8.0),
        ("列", 14.0),
        ("原始值", 24.0),
        ("问题说明", 60.0),
        ("次数", 7.0),
    ];
    header(ws, 0, &cols, f)?;
    let n = rows.len();
    for (r, p) in (1..).zip(&v.bundle.problems[rows]) {
        ws.text(r, 0, &p.file)?;
        ws.text(r, 1, p.sheet.as_deref().unwrap_or(""))?;
        if p.row > 0 {
            ws.write_number(r, 2, p.row)?;
        }
        ws.text(r, 3, &p.column)?;
        ws.text(r, 4, &p.raw)?;
        ws.text_with_format(r, 5, &p.message, &f.wrap)?;
        fit_row(ws, r, [(p.message.as_str(), cols[5].1)])?;
        ws.write_number(r, 6, p.count)?;
    }
    ws.autofilter(0, 0, n as u32, cols.len() as u16 - 1)?;
    widths(ws, &cols)?;
    Ok(())
}

fn params_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    ws.set_name(PARAMS)?;
    ws.set_column_width(0, 16)?;
    ws.set_column_width(1, 40)?;
    for c in 2..7 {
        ws.set_column_width(c, 14)?;
    }
    ws.set_column_width(6, 66)?;
    let m = v.meta;
    let mut r = 0u32;
    let mut kv = |ws: &mut Worksheet, k: &str, val: String| -> std::result::Result<(), XlsxError> {
        ws.text_with_format(r, 0, k, &f.header)?;
        ws.text(r, 1, val)?;
        r += 1;
        Ok(())
    };
    for p in v.profiles {
        kv(
            ws,
            "规则配置",
            format!("{}：《{}》（{}）", p.id, p.regulation, p.issuer),
        )?;
    }
    kv(
        ws,
        "评查期间",
        m.period.clone().unwrap_or_else(|| "全部案卷".into()),
    )?;
    kv(ws, "输入", m.input.clone())?;
    kv(
        ws,
        "音像文件根目录",
        m.media_root
            .clone()
            .unwrap_or_else(|| "未提供（V06 未评查）".into()),
    )?;
    if !v.waivers.is_empty() {
        let note = crate::scoring::unmatched_waivers_note(&v.scores.unmatched_waivers);
        kv(
            ws,
            "豁免清单",
            format!(
                "{} 条，豁免问题 {} 项{}",
                v.waivers.len(),
                v.scores.waived,
                note.map(|n| format!("；{n}")).unwrap_or_default()
            ),
        )?;
    }
    kv(ws, "版本", format!("trailcheck {}", m.version))?;
    kv(ws, "用时（秒）", format!("{:.2}", m.seconds))?;
    ws.text_with_format(r, 0, "评查基准日", &f.header)?;
    ws.write_datetime_with_format(r, 1, m.as_of, &f.date)?;
    r += 1;
    ws.text_with_format(r, 0, "生成时间（北京时间）", &f.header)?;
    match chrono::NaiveDateTime::parse_from_str(&m.generated_at, "%Y-%m-%d %H:%M:%S") {
        Ok(t) => ws.write_datetime_with_format(r, 1, t, &f.datetime)?,
        Err(_) => ws.text(r, 1, &m.generated_at)?,
    };
    r += 2;
    let cols = [
        ("表", 16.0),
        ("文件", 40.0),
        ("工作表", 14.0),
        ("编码", 14.0),
        ("行数", 14.0),
        ("去除合计行", 14.0),
        ("SHA-256", 66.0),
    ];
    for (c, (name, _)) in cols.iter().enumerate() {
        ws.text_with_format(r, c as u16, *name, &f.header)?;
    }
    r += 1;
    for s in &v.bundle.sources {
        ws.text(r, 0, s.table.zh())?;
        ws.text(r, 1, &s.file)?;
        ws.text(r, 2, s.sheet.as_deref().unwrap_or(""))?;
        ws.text(r, 3, s.encoding.as_deref().unwrap_or(""))?;
        ws.write_number(r, 4, s.rows as f64)?;
        ws.write_number(r, 5, s.summary_rows_dropped as f64)?;
        ws.text(r, 6, &s.sha256)?;
        r += 1;
    }
    r += 1;
    ws.text_with_format(r, 0, "未评查", &f.header)?;
    ws.text_with_format(r, 1, "规则", &f.header)?;
    ws.text_with_format(r, 2, "规则配置", &f.header)?;
    ws.text_with_format(r, 3, "原因", &f.header)?;
    r += 1;
    if v.not_evaluated.is_empty() {
        ws.text(r, 1, "无：全部规则均已评查")?;
        r += 1;
    }
    for n in v.not_evaluated {
        ws.text(r, 0, n.rule)?;
        ws.text(r, 1, n.title)?;
        ws.text(r, 2, &n.profile)?;
        ws.text(r, 3, &n.reason)?;
        r += 1;
    }
    if !v.calendar_missing.is_empty() {
        r += 1;
        let years: Vec<String> = v.calendar_missing.iter().map(|y| y.to_string()).collect();
        ws.text_with_format(r, 0, "日历缺失年份", &f.header)?;
        ws.text(r, 1, years.join("、"))?;
    }
    Ok(())
}

fn waived_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    lists: &Lists<'_>,
    rows: Range<usize>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    let cols = [
        ("规则", 7.0),
        ("问题", 22.0),
        ("执法机关", 22.0),
        ("案号", 24.0),
        ("对象", 22.0),
        ("问题说明", 60.0),
        ("豁免理由", 40.0),
        ("批准人", 12.0),
    ];
    header(ws, 0, &cols, f)?;
    widths(ws, &cols)?;
    let mut r = 1;
    for &i in &lists.waived[rows] {
        let x = &v.findings[i];
        let case_no = x.case_no(&v.bundle.cases);
        let w = lists.waivers.get(&(x.rule(), case_no, x.subject()));
        let vals = [
            x.rule(),
            x.title(),
            x.agency(&v.bundle.cases),
            case_no,
            x.subject(),
            x.detail(),
            w.map(|w| w.reason.as_str()).unwrap_or(""),
            w.map(|w| w.approved_by.as_str()).unwrap_or(""),
        ];
        text_row(ws, r, &vals, Some(&f.wrap))?;
        fit_row(ws, r, vals.iter().zip(&cols).map(|(v, c)| (*v, c.1)))?;
        r += 1;
    }
    ws.autofilter(0, 0, r - 1, cols.len() as u16 - 1)?;
    Ok(())
}

fn tracking_sheet(
    ws: &mut Worksheet,
    v: &ReportView<'_>,
    lists: &Lists<'_>,
    rows: Range<usize>,
    f: &Formats,
) -> std::result::Result<(), XlsxError> {
    let gone = v.tracking.map_or(&[][..], |t| &t.gone);
    let live = lists.live.len();
    let cols = [
        ("状态", 9.0),
        ("规则", 7.0),
        ("问题", 22.0),
        ("执法机关", 22.0),
        ("案号", 24.0),
        ("对象", 22.0),
        ("问题说明", 60.0),
    ];
    header(ws, 0, &cols, f)?;
    let mut r = 1u32;
    for &i in &lists.live[rows.start.min(live)..rows.end.min(live)] {
        let x = &v.findings[i];
        let vals = [
            x.status.map_or("", crate::rules::Recurrence::zh),
            x.rule(),
            x.title(),
            x.agency(&v.bundle.cases),
            x.case_no(&v.bundle.cases),
            x.subject(),
            x.detail(),
        ];
        text_row(ws, r, &vals, None)?;
        r += 1;
    }
    for g in &gone[rows.start.saturating_sub(live)..rows.end.saturating_sub(live)] {
        let p = &g.finding;
        let vals = [
            g.status, &p.rule, &p.title, &p.agency, &p.case_no, &p.subject, &p.detail,
        ];
        text_row(ws, r, &vals, None)?;
        r += 1;
    }
    ws.autofilter(0, 0, r - 1, cols.len() as u16 - 1)?;
    if r > 1 {
        mark_text(
            ws,
            1,
            0,
            r - 1,
            ConditionalFormatTextRule::Contains("已整改".into()),
            &f.good,
        )?;
        mark_text(
            ws,
            1,
            0,
            r - 1,
            ConditionalFormatTextRule::Contains("新增".into()),
            &f.bad,
        )?;
    }
    widths(ws, &cols)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_too_long_for_a_cell_keeps_its_head_and_says_how_long_it_was() {
        assert_eq!(fit("短文本"), "短文本");
        let at_limit = "a".repeat(MAX_CELL_UNITS);
        assert_eq!(fit(&at_limit), at_limit.as_str());
        // 40,000 CJK characters: 120,000 bytes, 40,000 UTF-16 units.
        let long = "录".repeat(40_000);
        let cut = fit(&long);
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_UNITS);
        assert!(cut.starts_with("录录录"));
        assert!(cut.ends_with("…（全文 40000 字，超过 Excel 单元格上限，其余从略）"));
        // Characters outside the BMP count two units each and are never split.
        let emoji = "😀".repeat(20_000);
        let cut = fit(&emoji);
        assert!(cut.encode_utf16().count() <= MAX_CELL_UNITS);
        assert!(cut.starts_with("😀😀"));
        assert!(cut.contains("全文 20000 字"));
    }

    #[test]
    fn a_wrapped_text_takes_a_line_per_column_width() {
        // 宋体: a Chinese character is two widths, a digit or letter one.
        assert_eq!(wrapped_lines("", 60.0), 1);
        assert_eq!(wrapped_lines(&"录".repeat(29), 60.0), 1);
        assert_eq!(wrapped_lines(&"录".repeat(30), 60.0), 2);
        assert_eq!(wrapped_lines(&"1".repeat(59), 60.0), 1);
        assert_eq!(wrapped_lines(&"1".repeat(60), 60.0), 2);
        assert_eq!(wrapped_lines("甲\n乙\n丙", 60.0), 3);
    }

    #[test]
    fn lists_continue_on_a_new_sheet_past_the_row_limit() {
        assert_eq!(
            sheets_for(0, MAX_DATA_ROWS),
            1,
            "an empty list still has its sheet"
        );
        assert_eq!(sheets_for(MAX_DATA_ROWS, MAX_DATA_ROWS), 1);
        assert_eq!(sheets_for(MAX_DATA_ROWS + 1, MAX_DATA_ROWS), 2);
        assert_eq!(sheets_for(3_240_000, MAX_DATA_ROWS), 4);
        assert_eq!(parts(0, 2), vec![Range { start: 0, end: 0 }]);
        assert_eq!(parts(5, 2), [0..2, 2..4, 4..5]);
        assert_eq!(part_name(CASES, 0), "案卷评分");
        assert_eq!(part_name(CASES, 2), "案卷评分(3)");
    }
}
