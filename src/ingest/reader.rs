//! Raw rows: header discovery, the row a builder reads (from a CSV record or a workbook
//! sheet, calamine), and the loop that hands spec-aligned cells to the table builders.

use super::cells::{number_text, Cell};
use super::columns::{normalise_header, spec, Col};
use super::csvfile::Record;
use super::mapping::Mapping;
use crate::error::{Error, Result};
use crate::model::{DataProblem, Table};
use calamine::{Data, DataRef, Reader};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

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
    Sheet(&'a [SheetCell<'a>]),
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

    /// The bytes of CSV field `i` as they stand (not trimmed); `None` for an absent column,
    /// a missing field and a spreadsheet cell.
    #[inline(always)]
    pub fn csv_bytes(&self, i: usize) -> Option<&'a [u8]> {
        let p = self.positions[i]?;
        match self.source {
            RowSource::Csv(text, fields) => {
                let &(a, b) = fields.get(p)?;
                text.as_bytes().get(a as usize..b as usize)
            }
            RowSource::Sheet(_) => None,
        }
    }

    /// True when column `i` is absent or holds only white space. Inlined where a row
    /// builder asks (some ten times a row of 文书记录): an absent column, an empty CSV field
    /// or one whose first byte is visible ASCII or a CJK lead byte is settled here, the rest
    /// by `is_blank_slow`. The call and its frame cost more than the test: out of
    /// line, with `Fields::present` around it, it took 7% of a county check's instructions
    /// (benches/README.md, "Twenty-third session"). The field is looked up here, not through
    /// [`RawRow::csv_bytes`], so that an absent column (common: optional columns) is settled
    /// without the call (measured: 2.5% more instructions through `csv_bytes`).
    #[inline(always)]
    pub fn is_blank(&self, i: usize) -> bool {
        let Some(p) = self.positions[i] else {
            return true;
        };
        if let RowSource::Csv(text, fields) = self.source {
            let Some(&(a, b)) = fields.get(p) else {
                return true;
            };
            match text.as_bytes().get(a as usize..b as usize) {
                Some([]) => return true,
                Some([c, ..]) if c.is_ascii_graphic() || *c >= 0xE4 => return false,
                _ => {}
            }
        }
        self.is_blank_slow(i)
    }

    /// [`RawRow::is_blank`] of a cell its fast path left: a CSV field that starts with
    /// white space or a character below U+4000 is filled when it holds visible ASCII, blank
    /// when it is all ASCII, else decoded; a spreadsheet cell is decoded.
    #[cold]
    #[inline(never)]
    fn is_blank_slow(&self, i: usize) -> bool {
        if let Some(f) = self.csv_bytes(i) {
            if f.iter().any(u8::is_ascii_graphic) {
                return false;
            }
            if f.is_ascii() {
                return true;
            }
        }
        self.cell(i).is_empty()
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
fn data_text(d: &DataRef<'_>) -> String {
    match d {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => d.to_string(),
        DataRef::Error(e) => format!("{e:?}"),
        DataRef::Empty => String::new(),
    }
}

/// Cell `p` of a spreadsheet row (`Cell::Empty` past its end).
#[inline(never)]
fn sheet_cell<'a>(cells: &'a [SheetCell<'a>], p: usize) -> Cell<'a> {
    cells
        .get(p)
        .map_or(Cell::Empty, |c| data_cell(c.get_value()))
}

/// A spreadsheet cell as a [`Cell`].
fn data_cell<'a>(d: &'a DataRef<'a>) -> Cell<'a> {
    match d {
        DataRef::Empty => Cell::Empty,
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            Cell::text(Cow::Borrowed(s))
        }
        DataRef::SharedString(s) => Cell::text(Cow::Borrowed(s)),
        DataRef::Float(f) => Cell::Number(*f),
        DataRef::Int(i) => Cell::Number(*i as f64),
        DataRef::Bool(b) => Cell::Bool(*b),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(x) if dt.is_datetime() => Cell::DateTime(x),
            _ => Cell::Number(dt.as_f64()),
        },
        DataRef::Error(e) => Cell::Text(Cow::Owned(format!("#{e:?}"))),
    }
}

/// A loaded cell as the streamed readers give it (strings borrowed from the range).
fn data_ref(d: &Data) -> DataRef<'_> {
    match d {
        Data::String(s) => DataRef::SharedString(s),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Float(f) => DataRef::Float(*f),
        Data::Int(i) => DataRef::Int(*i),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

use super::guard::guarded;

/// The bytes of the workbook file `path` (an empty file is not a workbook), once its
/// container is known to be sound ([`check_compound_file`]): checked here, once a file,
/// not again for each reader opened over the same bytes.
fn workbook_bytes(path: &Path) -> Result<Arc<[u8]>> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Input(format!("无法打开文件 {label}：{}", crate::error::io_zh(&e))))?;
    if bytes.is_empty() {
        return Err(Error::Input(format!("文件 {label} 为空，不是表格")));
    }
    guarded(&label, bytes.len() as u64, || check_compound_file(&bytes))?;
    Ok(bytes.into())
}

/// The first bytes of a compound file: the container of xls and WPS et workbooks.
pub(super) const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Refuse a compound file (xls, et) whose structure is damaged, before calamine reads it.
///
/// calamine 0.38 gathers a stream by following its chain of sectors until it holds the
/// length the file's directory declares for the stream. A chain that loops back on itself,
/// with a declared length of gigabytes, makes it copy the same few sectors over and over:
/// a 5.6 KB `.xls` found by fuzzing (`tests/fixtures/damaged/cfb_chain_loop.xls`) took
/// 8 GB of memory and 24 s before [`super::guard`] stopped the run. The `cfb` crate opens
/// the container with its own checks (a sector claimed by two chains, a table longer than
/// the file), and no stream of an intact file can be longer than the file itself; with
/// both checked, what calamine gathers is bounded by the file's size. Other files pass
/// through untouched.
fn check_compound_file(bytes: &[u8]) -> std::result::Result<(), String> {
    if !bytes.starts_with(&COMPOUND_FILE) {
        return Ok(());
    }
    let file = cfb::CompoundFile::open(std::io::Cursor::new(bytes))
        .map_err(|e| format!("文件已损坏（复合文档结构错误，读取程序报告：{e}）"))?;
    match file
        .walk()
        .find(|e| e.is_stream() && e.len() > bytes.len() as u64)
    {
        Some(e) => Err(format!(
            "文件已损坏（数据流 {} 声明长度 {} 字节，超过文件本身的 {} 字节）",
            e.name(),
            e.len(),
            bytes.len()
        )),
        None => Ok(()),
    }
}

/// What kind of archive `bytes` is when it is not a workbook, with the first names a zip
/// holds (`zip，内有 案件登记.csv、文书记录.csv 等 6 个文件`); `None` for anything else,
/// a workbook's own zip package included ([`super::zipped::files_of`], which also reads
/// names in GB18030 where a zip does not mark them as UTF-8, as Chinese Windows writes them).
fn archive(bytes: &[u8]) -> Option<String> {
    for (magic, kind) in [
        (&b"Rar!\x1a\x07"[..], "RAR"),
        (b"7z\xbc\xaf\x27\x1c", "7z"),
        (b"\x1f\x8b", "gzip"),
    ] {
        if bytes.starts_with(magic) {
            return Some(kind.to_string());
        }
    }
    if !bytes.starts_with(b"PK") {
        return None;
    }
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    let names: Vec<String> = super::zipped::files_of(&zip)?
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
    Some(match names.len() {
        0 => "zip，空".to_string(),
        n if n <= 3 => format!("zip，内有 {}", shown.join("、")),
        n => format!("zip，内有 {} 等 {n} 个文件", shown.join("、")),
    })
}

/// An opened workbook.
pub struct Workbook {
    inner: calamine::Sheets<std::io::Cursor<Arc<[u8]>>>,
    label: String,
    /// The file's size in bytes (the allocation guard's measure).
    size: u64,
}

impl Workbook {
    /// Open any workbook calamine knows (xlsx, xlsm, xlsb, xls, ods); a WPS `.et` file
    /// or an unexpected extension is recognised from its content.
    pub fn open(path: &Path) -> Result<Workbook> {
        Workbook::from_bytes(path, workbook_bytes(path)?)
    }

    /// Open the workbook `path` whose bytes are already read.
    fn from_bytes(path: &Path, bytes: Arc<[u8]>) -> Result<Workbook> {
        let label = path.display().to_string();
        let size = bytes.len() as u64;
        let inner = guarded(&label, size, || {
            calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).map_err(|e| {
                match archive(&bytes) {
                    Some(what) if what.starts_with("zip") => format!(
                        "是压缩包（{what}），不是工作簿：整个数据包的 zip 可直接作为数据包评查（trailcheck audit 数据.zip），单张表请先解压"
                    ),
                    Some(what) => format!(
                        "是压缩包（{what}），不是工作簿：请先解压，再以解压出的文件夹作为数据包"
                    ),
                    None => format!("不是可识别的工作簿（xlsx/xls/et/ods）（读取程序报告：{e}）"),
                }
            })
        })?;
        Ok(Workbook { inner, label, size })
    }

    /// The sheet names, in workbook order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.inner.sheet_names()
    }

    /// How many cells sheet `name` says it spans (its `<dimension>`; 0 where the format
    /// or the sheet does not tell without reading it whole).
    pub fn declared_cells(&mut self, name: &str) -> u64 {
        let label = format!("{}[{name}]", self.label);
        let inner = &mut self.inner;
        guarded(&label, self.size, || {
            Ok(match inner {
                calamine::Sheets::Xlsx(x) => x
                    .worksheet_cells_reader(name)
                    .map_or(0, |r| r.dimensions().len()),
                calamine::Sheets::Xlsb(x) => x
                    .worksheet_cells_reader(name)
                    .map_or(0, |r| r.dimensions().len()),
                _ => 0,
            })
        })
        .unwrap_or(0)
    }

    /// Read sheet `name` as table `t`: find its header, then build every row with `build`
    /// in parallel.
    ///
    /// xlsx and xlsb sheets are streamed: their cells are parsed a batch of rows at a time
    /// while the batch before is built, and only the header's columns are kept, so a sheet
    /// costs the memory of one batch, not of every cell (calamine's `worksheet_range`
    /// took 1.6–1.7 GB for a 1.7-million-row workbook), and a sheet that is not the table
    /// asked for costs only its first rows. calamine cannot stream xls and ods, and a
    /// sheet whose rows are stored out of order cannot be built a batch at a time: those
    /// are loaded whole, as calamine lays them out.
    pub fn read_sheet<T: Send + Row, F>(
        &mut self,
        name: &str,
        t: Table,
        mapping: &Mapping,
        key: usize,
        build: F,
    ) -> Result<(Header, Collected<T>)>
    where
        F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
    {
        let label = format!("{}[{name}]", self.label);
        let size = self.size;
        let read = |next: NextCell<'_, '_>| {
            read_cells(
                SheetRows::new(next),
                t,
                mapping,
                (&label, size),
                key,
                &build,
            )
        };
        let streamed = match &mut self.inner {
            calamine::Sheets::Xlsx(x) => {
                match guarded(&label, size, || match x.worksheet_cells_reader(name) {
                    Ok(r) => Ok(Some(r)),
                    // A chart sheet holds no cells.
                    Err(calamine::XlsxError::NotAWorksheet(_)) => Ok(None),
                    Err(e) => Err(sheet_error(e)),
                })? {
                    Some(mut r) => read(Box::new(move || r.next_cell().map_err(sheet_error)))?,
                    None => read(Box::new(|| Ok(None)))?,
                }
            }
            calamine::Sheets::Xlsb(x) => {
                let mut r = guarded(&label, size, || {
                    x.worksheet_cells_reader(name).map_err(sheet_error)
                })?;
                read(Box::new(move || r.next_cell().map_err(sheet_error)))?
            }
            _ => None,
        };
        if let Some(done) = streamed {
            return Ok(done);
        }
        let inner = &mut self.inner;
        let range = guarded(&label, size, || {
            inner.worksheet_range(name).map_err(sheet_error)
        })?;
        let (h, w) = range.get_size();
        if (h as u64) * (w as u64) > MAX_SHEET_CELLS {
            return Err(Error::Input(format!(
                "工作表 {label} 过大（{h} 行 × {w} 列），请导出为 CSV"
            )));
        }
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut cells = range.used_cells();
        let next = move || {
            Ok(cells
                .next()
                .map(|(r, c, d)| calamine::Cell::new((r0 + r as u32, c0 + c as u32), data_ref(d))))
        };
        Ok(read(Box::new(next))?.expect("a loaded range gives its cells in order"))
    }
}

/// The readers of one workbook whose sheets are several tables, read side by side.
///
/// Opening a reader parses the workbook's shared strings, where Excel and LibreOffice keep
/// every text (94 MB of XML in a 10,000-case export saved by LibreOffice, 1.4 s to parse):
/// a reader is kept for the next sheet once its sheet is read, so a bundle workbook is
/// opened once per thread, not once per sheet.
pub struct Readers {
    path: std::path::PathBuf,
    bytes: Arc<[u8]>,
    idle: std::sync::Mutex<Vec<Workbook>>,
}

impl Readers {
    /// Read the workbook at `path` and open its first reader.
    pub fn open(path: &Path) -> Result<Readers> {
        let bytes = workbook_bytes(path)?;
        let first = Workbook::from_bytes(path, bytes.clone())?;
        Ok(Readers {
            path: path.to_path_buf(),
            bytes,
            idle: std::sync::Mutex::new(vec![first]),
        })
    }

    /// The workbook's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `f` with a reader of the workbook: an idle one, else a new one over the same
    /// bytes. The reader is kept for the next call when `f` succeeds.
    pub fn with<R>(&self, f: impl FnOnce(&mut Workbook) -> Result<R>) -> Result<R> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let mut wb = match idle {
            Some(wb) => wb,
            None => Workbook::from_bytes(&self.path, self.bytes.clone())?,
        };
        let r = f(&mut wb)?;
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push(wb);
        Ok(r)
    }
}

/// calamine's word on a sheet it could not read, framed in Chinese.
fn sheet_error(e: impl std::fmt::Display) -> String {
    format!("工作表已损坏或无法解析（读取程序报告：{e}）")
}

/// The next used cell of a sheet in file order, or `None` at its end; an error is
/// calamine's, framed by [`sheet_error`].
type NextCell<'a, 'w> = Box<dyn FnMut() -> std::result::Result<Option<SheetCell<'w>>, String> + 'a>;

/// A cell as calamine's streamed readers give it: its position and its value.
type SheetCell<'w> = calamine::Cell<DataRef<'w>>;

/// Rows of a sheet holding a value: (0-based row, cells by 0-based column; a gap is an
/// empty cell). The cells are calamine's own, moved in: a text cell is not copied.
type Batch<'w> = Vec<(u32, Vec<SheetCell<'w>>)>;

/// Why a sheet's cells stopped coming before its end.
enum Halt {
    /// calamine could not read on (its message, framed).
    Read(String),
    /// A cell of an earlier row came after a later row's.
    Unordered,
}

/// A sheet's rows, assembled from its used cells as they are read; only the rows of one
/// batch are held.
struct SheetRows<'a, 'w> {
    next: NextCell<'a, 'w>,
    /// A cell read past the end of the last batch.
    pending: Option<SheetCell<'w>>,
    /// The row of the last cell read.
    row: u32,
    /// The sheet's end was reached (its reader is not asked again).
    ended: bool,
}

impl<'a, 'w> SheetRows<'a, 'w> {
    fn new(next: NextCell<'a, 'w>) -> Self {
        SheetRows {
            next,
            pending: None,
            row: 0,
            ended: false,
        }
    }

    /// The next rows that hold a value: at most `max` of them and none from row `until`
    /// on, each with the columns `keep` marks (every column when `None`). Empty at the
    /// sheet's end.
    fn fill(
        &mut self,
        max: usize,
        until: u32,
        keep: Option<&[bool]>,
    ) -> std::result::Result<Batch<'w>, Halt> {
        let mut rows: Batch<'w> = Vec::new();
        loop {
            let cell = match self.pending.take() {
                Some(c) => c,
                None if self.ended => return Ok(rows),
                None => match (self.next)().map_err(Halt::Read)? {
                    Some(c) => c,
                    None => {
                        self.ended = true;
                        return Ok(rows);
                    }
                },
            };
            let (r, c) = cell.get_position();
            if r < self.row {
                return Err(Halt::Unordered);
            }
            self.row = r;
            if matches!(cell.get_value(), DataRef::Empty) {
                continue;
            }
            let c = c as usize;
            if keep.is_some_and(|k| !k.get(c).copied().unwrap_or(false)) {
                continue;
            }
            let new_row = rows.last().is_none_or(|(last, _)| *last != r);
            if new_row && (rows.len() == max || r >= until) {
                self.pending = Some(cell);
                return Ok(rows);
            }
            if new_row {
                // As wide as the row before: a table's rows mostly are.
                let width = rows.last().map_or(0, |(_, cells)| cells.len());
                rows.push((r, Vec::with_capacity(width)));
            }
            let cells = &mut rows.last_mut().expect("a row was pushed").1;
            if cells.len() <= c {
                cells.resize_with(c + 1, || SheetCell::new((r, 0), DataRef::Empty));
            }
            cells[c] = cell;
        }
    }
}

/// Read a sheet from its cells: the header among its first [`HEADER_SEARCH_ROWS`] rows
/// (counted from the first that holds a value), then the rows under it, each batch built
/// in parallel while the next is parsed. `None` when the sheet's rows are out of order.
fn read_cells<T: Send + Row, F>(
    mut rows: SheetRows<'_, '_>,
    t: Table,
    mapping: &Mapping,
    (label, size): (&str, u64),
    key: usize,
    build: &F,
) -> Result<Option<(Header, Collected<T>)>>
where
    F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
{
    let mut fill = |max: usize, until: u32, keep: Option<&[bool]>| {
        guarded(label, size, || match rows.fill(max, until, keep) {
            Ok(b) => Ok(Some(b)),
            Err(Halt::Unordered) => Ok(None),
            Err(Halt::Read(e)) => Err(e),
        })
    };
    let Some(mut head) = fill(1, u32::MAX, None)? else {
        return Ok(None);
    };
    let r0 = head.first().map_or(0, |(r, _)| *r);
    let until = r0.saturating_add(HEADER_SEARCH_ROWS as u32);
    let Some(more) = fill(HEADER_SEARCH_ROWS, until, None)? else {
        return Ok(None);
    };
    head.extend(more);
    let mut texts: Vec<Vec<String>> =
        vec![Vec::new(); head.last().map_or(0, |(r, _)| (r - r0) as usize + 1)];
    for (r, cells) in &head {
        texts[(r - r0) as usize] = cells.iter().map(|c| data_text(c.get_value())).collect();
    }
    let header = find_header(t, &texts, mapping, label)?;
    let header_row = r0 + header.row_index as u32;
    let mut keep = Vec::new();
    for p in header.positions.iter().flatten() {
        if keep.len() <= *p {
            keep.resize(p + 1, false);
        }
        keep[*p] = true;
    }
    let mut out = Collected::new(header.positions.len());
    let mut batch: Batch<'_> = head.into_iter().filter(|(r, _)| *r > header_row).collect();
    loop {
        let raw: Vec<RawRow<'_>> = batch
            .iter()
            .map(|(r, cells)| RawRow {
                source: RowSource::Sheet(cells),
                positions: &header.positions,
                row: r + 1,
            })
            .collect();
        let mut following = Ok(None);
        rayon::in_place_scope(|s| {
            s.spawn(|_| run_batches(&raw, key, build, &mut out));
            following = fill(BATCH_ROWS, u32::MAX, Some(&keep));
        });
        drop(raw);
        match following? {
            None => return Ok(None),
            Some(b) if b.is_empty() => return Ok(Some((header, out))),
            Some(b) => batch = b,
        }
    }
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

    /// A sheet's rows read from `cells` (row, column, text) as a streamed reader gives
    /// them.
    fn sheet(cells: Vec<(u32, u32, &'static str)>) -> SheetRows<'static, 'static> {
        let mut cells = cells.into_iter();
        SheetRows::new(Box::new(move || {
            Ok(cells.next().map(|(r, c, v)| {
                let v = if v.is_empty() {
                    DataRef::Empty
                } else {
                    DataRef::SharedString(v)
                };
                calamine::Cell::new((r, c), v)
            }))
        }))
    }

    /// A batch as (row, its cells' texts with "" for a gap).
    fn texts(b: Batch<'_>) -> Vec<(u32, Vec<String>)> {
        b.iter()
            .map(|(r, cells)| (*r, cells.iter().map(|c| data_text(c.get_value())).collect()))
            .collect()
    }

    fn row(r: u32, cells: &[&str]) -> (u32, Vec<String>) {
        (r, cells.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn a_streamed_sheet_comes_in_batches_of_the_rows_that_hold_a_value() {
        let cells = [
            (2, 1, "表头"),
            (2, 3, "案号"),
            (3, 0, ""),
            (5, 1, "a"),
            (5, 6, "far"),
            (6, 3, "b"),
            (9, 1, "c"),
        ];
        let mut rows = sheet(cells.to_vec());
        // The header search: rows up to a limit, every column kept; an empty cell makes
        // no row.
        let head = rows.fill(usize::MAX, 6, None).ok().unwrap();
        assert_eq!(
            texts(head),
            [
                row(2, &["", "表头", "", "案号"]),
                row(5, &["", "a", "", "", "", "", "far"])
            ]
        );
        // Then batches of at most two rows, with only the header's columns.
        let keep = [false, true, false, true];
        let b = rows.fill(2, u32::MAX, Some(&keep)).ok().unwrap();
        assert_eq!(texts(b), [row(6, &["", "", "", "b"]), row(9, &["", "c"])]);
        assert!(rows.fill(2, u32::MAX, Some(&keep)).ok().unwrap().is_empty());
        assert!(rows.fill(2, u32::MAX, Some(&keep)).ok().unwrap().is_empty());
    }

    #[test]
    fn a_cell_of_an_earlier_row_stops_the_stream() {
        let mut rows = sheet(vec![(1, 0, "x"), (4, 0, "y"), (3, 0, "z")]);
        assert!(matches!(rows.fill(9, u32::MAX, None), Err(Halt::Unordered)));
        // Columns out of order within a row are placed where they belong.
        let mut rows = sheet(vec![(1, 2, "c"), (1, 0, "a")]);
        let b = rows.fill(9, u32::MAX, None).ok().unwrap();
        assert_eq!(texts(b), [row(1, &["a", "", "c"])]);
    }

    #[test]
    fn a_workbook_reader_is_kept_for_the_next_sheet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("导出.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        for name in ["案件登记", "文书记录"] {
            book.add_worksheet()
                .set_name(name)
                .unwrap()
                .write_string(0, 0, "案号")
                .unwrap();
        }
        book.save(&path).unwrap();
        let readers = Readers::open(&path).unwrap();
        let idle = || readers.idle.lock().unwrap().len();
        let names = |wb: &mut Workbook| Ok(wb.sheet_names());
        // One sheet after another: the first reader serves both.
        assert_eq!(readers.with(names).unwrap(), ["案件登记", "文书记录"]);
        readers.with(names).unwrap();
        assert_eq!(idle(), 1);
        // Two at once: a second reader is opened, and both are kept.
        readers
            .with(|_| {
                assert_eq!(idle(), 0);
                readers.with(names)
            })
            .unwrap();
        assert_eq!(idle(), 2);
        // A reader whose sheet failed is not kept.
        let failed = readers.with(|_| -> Result<()> { Err(Error::Input("坏".into())) });
        assert!(failed.is_err());
        assert_eq!(idle(), 1);
    }

    #[test]
    fn a_compound_file_is_refused_when_a_stream_claims_more_than_the_file_holds() {
        // An intact compound file with one 3,000-byte stream, made by the cfb crate.
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        std::io::Write::write_all(&mut file.create_stream("/Workbook").unwrap(), &[7; 3000])
            .unwrap();
        let mut bytes = file.into_inner().into_inner();
        assert_eq!(check_compound_file(&bytes), Ok(()));
        // Its directory entry (the name in UTF-16, the stream size 120 bytes on) made to
        // claim 16 GB, as a damaged file's may.
        let name: Vec<u8> = "Workbook"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let entry = bytes.windows(name.len()).position(|w| w == name).unwrap();
        bytes[entry + 120..entry + 128].copy_from_slice(&(16u64 << 30).to_le_bytes());
        let err = check_compound_file(&bytes).unwrap_err();
        assert!(err.contains("Workbook 声明长度 17179869184 字节"), "{err}");
        // Other files are not looked at.
        assert_eq!(
            check_compound_file(b"PK\x03\x04 not a compound file"),
            Ok(())
        );
    }

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
