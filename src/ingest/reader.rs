//! Raw rows: header discovery, the row a builder reads (from a CSV record or a workbook
//! sheet, calamine), and the loop that hands spec-aligned cells to the table builders.

use super::cells::{number_text, Cell};
use super::columns::{normalise_header, spec, Col};
use super::csvfile::Record;
use super::mapping::Mapping;
use crate::error::{Error, Result};
use crate::model::{DataProblem, Table};
use calamine::{Data, Range, Reader};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

/// Header rows are searched among the first rows of a file (INPUT.md: 20).
pub(super) const HEADER_SEARCH_ROWS: usize = 20;
/// Rows parsed per parallel batch.
const BATCH_ROWS: usize = 32_768;
/// Workbook sheets larger than this many cells are refused rather than loaded.
const MAX_SHEET_CELLS: u64 = 200_000_000;

/// Similarity (normalised Levenshtein) from which a header is offered as "closest".
const CLOSE_ENOUGH: f64 = 0.34;

/// Words that mark a summary or note row under the data.
const SUMMARY_MARKERS: &[&str] = &["合计", "总计", "小计", "备注", "说明"];

/// Where each catalogue column sits in the file, and the file's own header names.
#[derive(Debug, Clone)]
pub struct Header {
    /// 0-based index of the header row among the file's rows.
    pub row_index: usize,
    /// For each catalogue column (spec order), its position in the file.
    pub positions: Vec<Option<usize>>,
    /// The header texts of the file, by position.
    pub names: Vec<String>,
    /// Headers that appeared twice for one column (the first is used).
    pub duplicates: Vec<String>,
}

fn map_header_row(t: Table, row: &[String], mapping: &Mapping) -> Header {
    let cols = spec(t);
    let mut positions = vec![None; cols.len()];
    let mut duplicates = Vec::new();
    for (pos, raw) in row.iter().enumerate() {
        let n = normalise_header(raw);
        if n.is_empty() {
            continue;
        }
        let en = mapping.column(t, &n).or_else(|| {
            cols.iter()
                .find(|c| normalise_header(c.zh) == n || c.en == n)
                .map(|c| c.en)
        });
        if let Some(en) = en {
            let i = cols.iter().position(|c| c.en == en).unwrap_or(0);
            if positions[i].is_none() {
                positions[i] = Some(pos);
            } else {
                duplicates.push(raw.clone());
            }
        }
    }
    Header {
        row_index: 0,
        positions,
        names: row.to_vec(),
        duplicates,
    }
}

fn missing_required(t: Table, h: &Header) -> Vec<&'static Col> {
    spec(t)
        .iter()
        .zip(&h.positions)
        .filter(|(c, p)| c.required && p.is_none())
        .map(|(c, _)| c)
        .collect()
}

/// Find the header among the first rows: the first row holding every required column.
/// Otherwise fail naming each missing column and the closest header of the best row.
pub fn find_header(
    t: Table,
    rows: &[Vec<String>],
    mapping: &Mapping,
    label: &str,
) -> Result<Header> {
    if rows.iter().all(|r| r.iter().all(|c| c.trim().is_empty())) {
        return Err(Error::Input(format!(
            "文件 {label} 为空或不是表格：前 {HEADER_SEARCH_ROWS} 行中没有任何内容（应为表「{}」）",
            t.zh()
        )));
    }
    let mut best: Option<(usize, Header)> = None;
    for (i, row) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let mut h = map_header_row(t, row, mapping);
        h.row_index = i;
        let missing = missing_required(t, &h).len();
        if missing == 0 {
            return Ok(h);
        }
        if best.as_ref().is_none_or(|(m, _)| missing < *m) {
            best = Some((missing, h));
        }
    }
    let (_, h) = best.expect("at least one row was examined");
    let unmatched: Vec<&String> = h
        .names
        .iter()
        .enumerate()
        .filter(|(i, n)| !n.trim().is_empty() && !h.positions.contains(&Some(*i)))
        .map(|(_, n)| n)
        .collect();
    let detail = missing_required(t, &h)
        .iter()
        .map(|c| {
            let closest = unmatched
                .iter()
                .map(|n| {
                    let nn = normalise_header(n);
                    let s = strsim::normalized_levenshtein(&nn, &normalise_header(c.zh))
                        .max(strsim::normalized_levenshtein(&nn, c.en));
                    (s, *n)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            match closest {
                Some((s, n)) if s >= CLOSE_ENOUGH => {
                    format!("「{}」（最接近的表头：「{}」）", c.zh, n.trim())
                }
                _ => format!("「{}」（表头中没有相近的列）", c.zh),
            }
        })
        .collect::<Vec<_>>()
        .join("、");
    let required = spec(t).iter().filter(|c| c.required).count();
    let detail = if missing_required(t, &h).len() == required {
        format!("{detail}；该文件看来不是「{}」表", t.zh())
    } else {
        detail
    };
    Err(Error::MissingColumn {
        file: format!(
            "{label}（表「{}」，在前 {HEADER_SEARCH_ROWS} 行中查找表头）",
            t.zh()
        ),
        detail,
    })
}

/// Where a raw row's cells come from.
#[derive(Clone, Copy)]
enum RowSource<'a> {
    /// A CSV record: its decoded text and the byte range of each field.
    Csv(&'a str, &'a [(u32, u32)]),
    Sheet(&'a [Data]),
}

/// One data row and its Excel row number. Cells are decoded when a builder asks for them,
/// in catalogue order, so columns no rule reads cost nothing.
#[derive(Clone, Copy)]
pub struct RawRow<'a> {
    source: RowSource<'a>,
    /// For each catalogue column, its position in the file.
    positions: &'a [Option<usize>],
    /// 1-based row number as Excel shows it.
    pub row: u32,
}

impl<'a> RawRow<'a> {
    /// A CSV record as row `row`.
    pub(super) fn csv(rec: Record<'a>, positions: &'a [Option<usize>], row: u32) -> Self {
        RawRow {
            source: RowSource::Csv(rec.text, rec.fields),
            positions,
            row,
        }
    }

    /// The cell of catalogue column `i` (`Cell::Empty` for an absent column). Inlined
    /// where a row builder asks for a cell (a dozen times a row): a CSV field is a slice
    /// and two byte tests, and the cell is matched on where it is made instead of being
    /// handed back through memory; a spreadsheet cell is made out of line.
    #[inline(always)]
    pub fn cell(&self, i: usize) -> Cell<'a> {
        let Some(p) = self.positions[i] else {
            return Cell::Empty;
        };
        match self.source {
            // Field ranges lie between ASCII delimiters, so on character boundaries.
            RowSource::Csv(text, fields) => match fields.get(p) {
                Some(&(a, b)) => Cell::borrowed(&text[a as usize..b as usize]),
                None => Cell::Empty,
            },
            RowSource::Sheet(cells) => sheet_cell(cells, p),
        }
    }

    /// True when column `i` is absent or holds only white space. A CSV field with a visible
    /// ASCII character is decided from its bytes.
    pub fn is_blank(&self, i: usize) -> bool {
        let Some(p) = self.positions[i] else {
            return true;
        };
        match self.source {
            RowSource::Csv(text, fields) => match fields.get(p) {
                None => true,
                Some(&(a, b)) => {
                    let f = &text.as_bytes()[a as usize..b as usize];
                    match f.first() {
                        None => true,
                        // Visible ASCII, or the lead byte of a character from U+4000 up
                        // (CJK: no white space there), settles it without a scan.
                        Some(&c) if c.is_ascii_graphic() || c >= 0xE4 => false,
                        _ if f.iter().any(|b| b.is_ascii_graphic()) => false,
                        _ => f.is_ascii() || self.cell(i).is_empty(),
                    }
                }
            },
            RowSource::Sheet(_) => self.cell(i).is_empty(),
        }
    }

    fn cells(&self) -> impl Iterator<Item = Cell<'a>> + '_ {
        (0..self.positions.len()).map(|i| self.cell(i))
    }
}

/// Count `n` more bad cells of a column past its listed ones, the first of them at `row`.
fn omit(o: &mut (u32, u32), n: u32, row: u32) {
    o.1 = if o.0 == 0 { row } else { o.1.min(row) };
    o.0 += n;
}

/// A bad cell found while building rows, before file names are attached.
#[derive(Debug, Clone)]
pub struct CellProblem {
    /// Excel row.
    pub row: u32,
    /// Catalogue column index.
    pub col: usize,
    /// Raw value.
    pub raw: String,
    /// What was expected.
    pub message: String,
}

/// Bad cells listed one by one per column of a file; past them a column's bad cells are
/// counted and listed as one problem with the first row they start at
/// ([`Sink::omitted`]). An export with a column gone wrong (a province-year's 12 million
/// 制作时间 in a text the reader does not know) would otherwise hold a string pair per
/// cell and list more problems than a worksheet has rows. Frictionless stops at 1,000
/// errors by default; here the rest are counted, not dropped.
pub const LISTED_PER_COLUMN: u32 = 1_000;

/// What row building reports besides the rows: problems, parse statistics per column,
/// unknown vocabulary values and references to unknown cases.
#[derive(Debug, Default)]
pub struct Sink {
    /// Bad cells, at most [`LISTED_PER_COLUMN`] of a column, in row order.
    pub problems: Vec<CellProblem>,
    /// Per catalogue column: bad cells listed in `problems`.
    listed: Vec<u32>,
    /// Per catalogue column: bad cells past the listed ones (count, first row).
    pub omitted: Vec<(u32, u32)>,
    /// Per catalogue column: (non-blank cells, failed cells).
    pub stats: Vec<(u64, u64)>,
    /// (column, normalised value) → (count, first row).
    pub unknown: HashMap<(usize, String), (u32, u32)>,
    /// Rows whose 案号 matches no case: (案号, row).
    pub orphans: Vec<(Box<str>, u32)>,
    /// The case the previous row of this piece linked to: exports list a case's rows
    /// together, so most rows are linked by comparing one 案号.
    pub last_case: Option<super::tables::LastCase>,
    /// The identifier texts of the rows built ([`crate::model::Text`] refers into it).
    pub texts: String,
    /// 审核时间 and 批准时间 of the documents built, in row order.
    pub review_times: Vec<crate::model::ReviewTimes>,
    /// The file columns of the footage built, in row order (`--media-root`).
    pub media_files: Vec<crate::model::MediaFile>,
}

impl Sink {
    /// An empty sink for a table of `cols` catalogue columns.
    fn new(cols: usize) -> Sink {
        Sink {
            stats: vec![(0, 0); cols],
            listed: vec![0; cols],
            omitted: vec![(0, 0); cols],
            ..Sink::default()
        }
    }

    /// Count a non-blank cell of column `col`.
    pub fn seen(&mut self, col: usize) {
        self.stats[col].0 += 1;
    }

    /// Record a cell of column `col` that failed to parse: listed, or past
    /// [`LISTED_PER_COLUMN`] of its column counted.
    pub fn bad(&mut self, row: u32, col: usize, raw: &str, message: impl Into<String>) {
        self.stats[col].1 += 1;
        if self.listed[col] < LISTED_PER_COLUMN {
            self.listed[col] += 1;
            self.problems.push(CellProblem {
                row,
                col,
                raw: raw.to_string(),
                message: message.into(),
            });
        } else {
            omit(&mut self.omitted[col], 1, row);
        }
    }

    /// Record an unknown vocabulary value (reported once per distinct value).
    pub fn unknown(&mut self, row: u32, col: usize, value: &str) {
        self.stats[col].1 += 1;
        let e = self
            .unknown
            .entry((col, value.to_string()))
            .or_insert((0, row));
        e.0 += 1;
        e.1 = e.1.min(row);
    }

    /// Add another piece's problems and counts, its row numbers `rows_by` further on.
    fn merge(&mut self, mut other: Sink, rows_by: u32) {
        if rows_by > 0 {
            other.problems.iter_mut().for_each(|p| p.row += rows_by);
            other.unknown.values_mut().for_each(|(_, r)| *r += rows_by);
            other.orphans.iter_mut().for_each(|(_, r)| *r += rows_by);
            other
                .review_times
                .iter_mut()
                .for_each(|t| t.at.row += rows_by);
            other
                .media_files
                .iter_mut()
                .for_each(|f| f.at.row += rows_by);
        }
        // The other piece's rows come after this one's: its problems fill what is left of
        // each column's list, and the rest are counted.
        for p in other.problems {
            if self.listed[p.col] < LISTED_PER_COLUMN {
                self.listed[p.col] += 1;
                self.problems.push(p);
            } else {
                omit(&mut self.omitted[p.col], 1, p.row);
            }
        }
        for (a, &(n, row)) in self.omitted.iter_mut().zip(&other.omitted) {
            if n > 0 {
                omit(a, n, row + rows_by);
            }
        }
        for (a, b) in self.stats.iter_mut().zip(other.stats) {
            a.0 += b.0;
            a.1 += b.1;
        }
        for (k, (n, r)) in other.unknown {
            let e = self.unknown.entry(k).or_insert((0, r));
            e.0 += n;
            e.1 = e.1.min(r);
        }
        self.orphans.extend(other.orphans);
        self.review_times.extend(other.review_times);
        self.media_files.extend(other.media_files);
    }
}

/// A built row: its identifier texts refer to the arena of the piece that built it, and
/// move with it when pieces are appended.
pub trait Row {
    /// Refer `by` bytes further into the arena (the texts of earlier pieces now precede).
    fn shift_texts(&mut self, by: usize);
    /// Where the row lies in its file.
    fn at_mut(&mut self) -> &mut crate::model::RowRef;
}

/// What the row loop collects.
pub struct Collected<T> {
    /// Built rows, in file order.
    pub rows: Vec<T>,
    /// Summary rows dropped.
    pub summary_rows: usize,
    /// Problems and statistics.
    pub sink: Sink,
}

impl<T: Row> Collected<T> {
    /// Nothing collected yet, for a table of `cols` catalogue columns.
    pub(super) fn new(cols: usize) -> Collected<T> {
        Collected {
            rows: Vec::new(),
            summary_rows: 0,
            sink: Sink::new(cols),
        }
    }

    /// Add what later pieces of the same table collected, in order, each with how many
    /// rows further on in the file its row numbers are than it counted them (a CSV piece
    /// counts from 0). The rows are moved into place in parallel: a province table's rows
    /// go to memory touched for the first time, which costs more than the move itself on
    /// the machines measured (benches/README.md).
    pub(super) fn append_all(&mut self, parts: Vec<(Collected<T>, u32)>)
    where
        T: Send,
    {
        let n: usize = parts.iter().map(|(p, _)| p.rows.len()).sum();
        self.rows.reserve(n);
        // Each piece's place: its rows' slots, and how far its texts move.
        let mut slots = &mut self.rows.spare_capacity_mut()[..n];
        let mut texts_by = self.sink.texts.len();
        let mut jobs = Vec::with_capacity(parts.len());
        let mut sinks = Vec::with_capacity(parts.len());
        for (part, rows_by) in parts {
            let (here, rest) = slots.split_at_mut(part.rows.len());
            slots = rest;
            let by = if part.sink.texts.is_empty() {
                0
            } else {
                texts_by
            };
            texts_by += part.sink.texts.len();
            jobs.push((part.rows, here, by, rows_by));
            sinks.push((part.sink, part.summary_rows, rows_by));
        }
        jobs.into_par_iter().for_each(|(rows, here, by, rows_by)| {
            for (slot, mut r) in here.iter_mut().zip(rows) {
                if by > 0 {
                    r.shift_texts(by);
                }
                r.at_mut().row += rows_by;
                slot.write(r);
            }
        });
        // SAFETY: the first `n` spare slots were each written above: they were split into
        // one stretch per piece, as long as its rows, and every row was written to its slot.
        unsafe { self.rows.set_len(self.rows.len() + n) };
        for (sink, summary_rows, rows_by) in sinks {
            self.sink.texts.push_str(&sink.texts);
            self.summary_rows += summary_rows;
            self.sink.merge(sink, rows_by);
        }
    }
}

/// True for a row of a blank key that is a 合计/备注 line under the data: a marker word.
fn has_summary_marker(r: &RawRow<'_>) -> bool {
    r.cells().any(|c| match c {
        Cell::Text(s) => SUMMARY_MARKERS.iter().any(|m| s.contains(m)),
        _ => false,
    })
}

/// Take one row: skip it when blank, count it when it is a summary row (blank key, a
/// marker word), else build it. The key cell is looked at once: it is filled on almost
/// every row.
pub(super) fn take_row<T: Row, F>(r: &RawRow<'_>, key: usize, build: &F, out: &mut Collected<T>)
where
    F: Fn(&RawRow<'_>, &mut Sink) -> Option<T>,
{
    if r.cell(key).is_empty() {
        if r.cells().all(|c| c.is_empty()) {
            return;
        }
        if has_summary_marker(r) {
            out.summary_rows += 1;
            return;
        }
    }
    if let Some(t) = build(r, &mut out.sink) {
        out.rows.push(t);
    }
}

/// Run `build` over sheet rows in parallel chunks, keeping file order.
fn run_batches<T: Send + Row, F>(
    batch: &[RawRow<'_>],
    key: usize,
    build: &F,
    out: &mut Collected<T>,
) where
    F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
{
    let cols = out.sink.stats.len();
    let parts = batch
        .par_chunks(2048)
        .map(|chunk| {
            let mut part = Collected::new(cols);
            for r in chunk {
                take_row(r, key, build, &mut part);
            }
            (part, 0)
        })
        .collect();
    out.append_all(parts);
}

/// Text of a spreadsheet cell for header matching.
fn data_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) => number_text(*f),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(e) => format!("{e:?}"),
        Data::Empty => String::new(),
    }
}

/// Cell `p` of a spreadsheet row (`Cell::Empty` past its end).
#[inline(never)]
fn sheet_cell(cells: &[Data], p: usize) -> Cell<'_> {
    cells.get(p).map(data_cell).unwrap_or(Cell::Empty)
}

/// A spreadsheet cell as a [`Cell`].
fn data_cell(d: &Data) -> Cell<'_> {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            Cell::text(Cow::Borrowed(s))
        }
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(x) if dt.is_datetime() => Cell::DateTime(x),
            _ => Cell::Number(dt.as_f64()),
        },
        Data::Error(e) => Cell::Text(Cow::Owned(format!("#{e:?}"))),
    }
}

use super::guard::guarded;

/// An opened workbook.
pub struct Workbook {
    inner: calamine::Sheets<std::io::Cursor<Vec<u8>>>,
    label: String,
}

impl Workbook {
    /// Open any workbook calamine knows (xlsx, xlsm, xlsb, xls, ods); a WPS `.et` file
    /// or an unexpected extension is recognised from its content.
    pub fn open(path: &Path) -> Result<Workbook> {
        let label = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| {
            Error::Input(format!("无法打开文件 {label}：{}", crate::error::io_zh(&e)))
        })?;
        if bytes.is_empty() {
            return Err(Error::Input(format!("文件 {label} 为空，不是表格")));
        }
        let inner = guarded(&label, || {
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| format!("不是可识别的工作簿（xlsx/xls/et/ods）（读取程序报告：{e}）"))
        })?;
        Ok(Workbook { inner, label })
    }

    /// The sheet names, in workbook order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.inner.sheet_names()
    }

    /// Load one sheet as a range of cells.
    pub fn sheet(&mut self, name: &str) -> Result<Range<Data>> {
        let label = format!("{}[{name}]", self.label);
        let inner = &mut self.inner;
        let range = guarded(&label, || {
            inner
                .worksheet_range(name)
                .map_err(|e| format!("工作表已损坏或无法解析（读取程序报告：{e}）"))
        })?;
        let (h, w) = range.get_size();
        if (h as u64) * (w as u64) > MAX_SHEET_CELLS {
            return Err(Error::Input(format!(
                "工作表 {label} 过大（{h} 行 × {w} 列），请导出为 CSV"
            )));
        }
        Ok(range)
    }
}

/// Read the header and every row of a sheet, building rows with `build` in parallel.
pub fn read_sheet<T: Send + Row, F>(
    range: &Range<Data>,
    t: Table,
    mapping: &Mapping,
    label: &str,
    key: usize,
    build: F,
) -> Result<(Header, Collected<T>)>
where
    F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
{
    let first_row = range.start().map(|(r, _)| r).unwrap_or(0);
    let texts: Vec<Vec<String>> = range
        .rows()
        .take(HEADER_SEARCH_ROWS)
        .map(|r| r.iter().map(data_text).collect())
        .collect();
    let header = find_header(t, &texts, mapping, label)?;
    let mut out = Collected::new(header.positions.len());
    let rows: Vec<&[Data]> = range.rows().skip(header.row_index + 1).collect();
    for (b, chunk) in rows.chunks(BATCH_ROWS).enumerate() {
        let batch: Vec<RawRow<'_>> = chunk
            .iter()
            .enumerate()
            .map(|(i, r)| RawRow {
                source: RowSource::Sheet(r),
                positions: &header.positions,
                row: first_row + (header.row_index + 1 + b * BATCH_ROWS + i) as u32 + 1,
            })
            .collect();
        run_batches(&batch, key, &build, &mut out);
    }
    Ok((header, out))
}

/// Turn counted unknown values into data problems.
pub fn unknown_value_problems(
    t: Table,
    unknown: HashMap<(usize, String), (u32, u32)>,
    file: &str,
    sheet: Option<&str>,
    header: &Header,
) -> Vec<DataProblem> {
    let mut v: Vec<_> = unknown.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v.into_iter()
        .map(|((col, value), (count, row))| DataProblem {
            file: file.to_string(),
            sheet: sheet.map(str::to_string),
            row,
            column: column_label(t, header, col),
            raw: value,
            message: format!(
                "未识别的取值（共 {count} 处，首次出现于第 {row} 行），该字段按空值处理"
            ),
            count,
        })
        .collect()
}

/// The header text of catalogue column `col` as the file spells it.
pub fn column_label(t: Table, header: &Header, col: usize) -> String {
    header.positions[col]
        .and_then(|p| header.names.get(p))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| spec(t)[col].zh.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RowRef;

    #[test]
    fn past_a_thousand_bad_cells_a_column_counts_them_across_pieces() {
        // Two pieces of 800 bad cells in column 1 (rows 2–801 and, shifted, 802–1601) and
        // three in column 0: the first 1,000 of column 1 are listed in row order, the 600
        // after them counted from row 1002.
        let piece = |col: usize, n: u32| {
            let mut s = Sink::new(2);
            for row in 2..2 + n {
                s.bad(row, col, "待补录", "应为日期");
            }
            s
        };
        let mut a = piece(1, 800);
        let mut second = piece(1, 800);
        for row in [5, 9, 700] {
            second.bad(row, 0, "x", "应为日期");
        }
        a.merge(second, 800);
        let rows: Vec<u32> = a
            .problems
            .iter()
            .filter(|p| p.col == 1)
            .map(|p| p.row)
            .collect();
        assert_eq!(rows, (2..1002).collect::<Vec<u32>>());
        assert_eq!(a.omitted[1], (600, 1002));
        assert_eq!(a.problems.iter().filter(|p| p.col == 0).count(), 3);
        assert_eq!(a.omitted[0], (0, 0));
        assert_eq!(a.stats[1].1, 1600);
        // One piece alone past the limit.
        let b = piece(0, 1_005);
        assert_eq!(b.problems.len(), 1_000);
        assert_eq!(b.omitted[0], (5, 1_002));
    }

    /// A row naming one byte of its piece's texts.
    struct Probe {
        text_at: usize,
        at: RowRef,
    }

    impl Row for Probe {
        fn shift_texts(&mut self, by: usize) {
            self.text_at += by;
        }
        fn at_mut(&mut self) -> &mut RowRef {
            &mut self.at
        }
    }

    /// A piece holding `texts`, a row for each of its bytes numbered from `row`.
    fn piece(texts: &str, row: u32, summary_rows: usize) -> Collected<Probe> {
        let mut c = Collected::new(1);
        c.sink.texts = texts.to_string();
        c.summary_rows = summary_rows;
        c.rows = (0..texts.len())
            .map(|i| Probe {
                text_at: i,
                at: RowRef {
                    source: 0,
                    row: row + i as u32,
                },
            })
            .collect();
        c
    }

    #[test]
    fn appended_pieces_keep_their_texts_and_rows() {
        let mut out = piece("ab", 2, 1);
        let parts = vec![
            (piece("cde", 0, 0), 4),
            (piece("", 0, 2), 7),
            (piece("fg", 0, 0), 7),
        ];
        out.append_all(parts);
        assert_eq!(out.sink.texts, "abcdefg");
        assert_eq!(out.summary_rows, 3);
        let seen: Vec<(char, u32)> = out
            .rows
            .iter()
            .map(|r| (char::from(out.sink.texts.as_bytes()[r.text_at]), r.at.row))
            .collect();
        let want = [
            ('a', 2),
            ('b', 3),
            ('c', 4),
            ('d', 5),
            ('e', 6),
            ('f', 7),
            ('g', 8),
        ];
        assert_eq!(seen, want);
    }
}
