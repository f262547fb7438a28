//! Ingest: find the tables of an export bundle, read every file form INPUT.md allows, and
//! build the normalised [`Bundle`]. Bad cells become [`DataProblem`]s; a missing table or
//! required column is a fatal [`Error`].

pub mod cells;
pub mod columns;
pub mod csvfile;
mod digest;
pub mod guard;
mod html;
pub mod mapping;
pub mod reader;
pub mod tables;
mod zipped;

use crate::error::{Error, Result};
use crate::model::index::Index;
use crate::model::{Bundle, Case, DataProblem, OrphanRow, RowRef, Source, Table, TableCoverage};
use columns::spec;
use csvfile::CsvTable;
use mapping::Mapping;
use rayon::prelude::*;
use reader::{
    column_label, unknown_value_problems, Collected, Header, RawRow, Readers, Row, Sink, Workbook,
};
use std::path::{Path, PathBuf};
use tables::{CaseMap, Fields};

/// What the user named as input.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    /// A folder of tables or one workbook with a sheet per table.
    pub bundle: Option<PathBuf>,
    /// Files named table by table (`--cases F` …); they replace what the bundle holds.
    pub tables: Vec<(Table, PathBuf)>,
    /// Site column and value aliases.
    pub mapping: Mapping,
    /// Keep the footage file columns (存储位置, 文件大小, 哈希值) that only the fixity check
    /// (`--media-root`) reads; without it they are validated but not held in memory.
    pub fixity: bool,
}

/// One file or sheet that feeds a table.
#[derive(Clone)]
enum Part {
    Csv(PathBuf),
    /// A sheet of the bundle's workbook.
    Sheet {
        name: String,
        /// The workbook's readers, shared by all its sheets.
        readers: std::sync::Arc<Readers>,
        /// The cells the sheet says it spans.
        cells: u64,
    },
    /// A workbook named for one table: its first sheet that holds the table's header.
    Workbook(PathBuf),
}

impl Part {
    fn path(&self) -> &Path {
        match self {
            Part::Csv(p) | Part::Workbook(p) => p,
            Part::Sheet { readers, .. } => readers.path(),
        }
    }

    /// About how many bytes of text reading the part takes: a file's size, or a sheet's
    /// cells at the 60 bytes of XML a cell takes in a streamed export.
    fn work(&self) -> u64 {
        match self {
            Part::Sheet { cells, .. } => cells.saturating_mul(60),
            _ => std::fs::metadata(self.path()).map_or(0, |m| m.len()),
        }
    }
}

const TABLE_EXTENSIONS: &[&str] = &["csv", "txt", "xlsx", "xlsm", "xlsb", "xls", "et", "ods"];

/// Whether `p`'s extension is a text table's: `.csv`, `.txt` or none.
fn is_csv_by_name(p: &Path) -> bool {
    p.extension()
        .map(|e| matches!(e.to_ascii_lowercase().to_str(), Some("csv" | "txt")))
        .unwrap_or(true)
}

/// Whether `p` is read by the CSV reader: by its extension (`.csv`, `.txt`, none), or
/// under a workbook's extension by what it holds, when that is delimited text or a web
/// page's or XML spreadsheet's table (platforms save both as `.xls`; `html`).
fn is_csv(p: &Path) -> bool {
    is_csv_by_name(p) || {
        let mut head = Vec::new();
        let read = std::fs::File::open(p)
            .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, 4096), &mut head));
        read.is_ok() && html::sniff(&head) != html::Content::Workbook
    }
}

/// Which table a file stem or sheet name designates, and the part number for ordering:
/// the table's Chinese name or alias, optionally followed by `_1`, `-2`, `(3)`, `（4）`.
pub fn table_of_name(stem: &str) -> Option<(Table, u32)> {
    let stem = stem.trim();
    for t in Table::ALL {
        for name in [t.zh(), t.en()] {
            let rest = if stem.len() >= name.len()
                && stem.is_char_boundary(name.len())
                && stem[..name.len()].eq_ignore_ascii_case(name)
            {
                &stem[name.len()..]
            } else {
                continue;
            };
            if rest.is_empty() {
                return Some((t, 0));
            }
            let inner = rest
                .strip_prefix(['(', '（'])
                .and_then(|r| r.strip_suffix([')', '）']))
                .or_else(|| rest.strip_prefix(['_', '-', ' ']));
            if let Some(n) = inner.and_then(|d| d.trim().parse::<u32>().ok()) {
                return Some((t, n));
            }
        }
    }
    None
}

/// The table a file designates by its name, as a folder's (and a zip's) files are found:
/// a table's extension, and a stem [`table_of_name`] knows; with the part number and the
/// stem.
fn table_of_file(p: &Path) -> Option<(Table, u32, String)> {
    let ext = p.extension()?.to_string_lossy().to_ascii_lowercase();
    if !TABLE_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    }
    let stem = p.file_stem()?.to_string_lossy().into_owned();
    let (t, n) = table_of_name(&stem)?;
    Some((t, n, stem))
}

/// Parts found per table before ordering: (part number, name, part).
type Found = Vec<(Table, Vec<(u32, String, Part)>)>;

fn discover(inputs: &Inputs) -> Result<Vec<(Table, Vec<Part>)>> {
    let mut found: Found = Table::ALL.iter().map(|t| (*t, Vec::new())).collect();
    if let Some(b) = &inputs.bundle {
        if b.is_dir() {
            let entries = std::fs::read_dir(b).map_err(|e| {
                Error::Input(format!(
                    "无法读取文件夹 {}：{}",
                    b.display(),
                    crate::error::io_zh(&e)
                ))
            })?;
            for e in entries.flatten() {
                let p = e.path();
                let Some((t, n, stem)) = table_of_file(&p).filter(|_| p.is_file()) else {
                    continue;
                };
                let part = if is_csv(&p) {
                    Part::Csv(p.clone())
                } else {
                    Part::Workbook(p.clone())
                };
                found[t as usize].1.push((n, stem, part));
            }
        } else if b.is_file() && b.extension().is_some() && is_csv(b) {
            let what = if is_csv_by_name(b) {
                "是单个 CSV 文件"
            } else {
                "不是工作簿，而是单张文本或网页表格（平台常以 .xls 之名导出）"
            };
            return Err(Error::Input(format!(
                "{} {what}：数据包应为存放各表文件的文件夹或一个工作簿；单张表请用 --cases、--documents 等逐表指定",
                b.display()
            )));
        } else if b.is_file() {
            let readers = std::sync::Arc::new(Readers::open(b)?);
            // The sheets named for a table, with the cells each says it spans.
            let sheets = readers.with(|wb| {
                Ok(wb
                    .sheet_names()
                    .into_iter()
                    .filter_map(|name| {
                        let (t, n) = table_of_name(&name)?;
                        let cells = wb.declared_cells(&name);
                        Some((t, n, name, cells))
                    })
                    .collect::<Vec<_>>())
            })?;
            for (t, n, sheet, cells) in sheets {
                let part = Part::Sheet {
                    name: sheet.clone(),
                    readers: readers.clone(),
                    cells,
                };
                found[t as usize].1.push((n, sheet, part));
            }
        } else {
            return Err(Error::Input(format!(
                "找不到输入 {}（应为文件夹、工作簿或 zip 压缩包）",
                b.display()
            )));
        }
    }
    for (t, p) in &inputs.tables {
        if !p.is_file() {
            return Err(Error::Input(format!(
                "找不到文件 {}（表「{}」）",
                p.display(),
                t.zh()
            )));
        }
        let part = if is_csv(p) {
            Part::Csv(p.clone())
        } else {
            Part::Workbook(p.clone())
        };
        found[*t as usize].1 = vec![(0, String::new(), part)];
    }
    Ok(found
        .into_iter()
        .map(|(t, mut v)| {
            v.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            (t, v.into_iter().map(|x| x.2).collect())
        })
        .collect())
}

/// The result of reading one table from its parts.
struct TableOut<T> {
    rows: Vec<T>,
    /// The identifier texts the rows refer to.
    texts: String,
    /// 审核时间 and 批准时间 of the documents, in row order.
    review_times: Vec<crate::model::ReviewTimes>,
    /// The footage file columns, in row order.
    media_files: Vec<crate::model::MediaFile>,
    sources: Vec<Source>,
    problems: Vec<DataProblem>,
    coverage: TableCoverage,
    orphans: Vec<OrphanRow>,
}

fn key_column(t: Table) -> usize {
    match t {
        Table::Activities => columns::activities::activity_id,
        Table::Media => columns::media::media_id,
        _ => 0,
    }
}

fn read_part<T: Send + Row, F>(
    t: Table,
    part: &Part,
    mapping: &Mapping,
    build: &F,
) -> Result<(Header, Collected<T>, Source)>
where
    F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
{
    let key = key_column(t);
    let file = part.path().display().to_string();
    match part {
        Part::Csv(p) => {
            let csv = CsvTable::open(p)?;
            let encoding = csv.encoding.label().to_string();
            let (header, out) = csv.read(t, mapping, &file, key, build)?;
            let src = Source {
                table: t,
                file,
                sheet: None,
                encoding: Some(encoding),
                rows: out.rows.len(),
                summary_rows_dropped: out.summary_rows,
                // Hashed beside the reading, with the other inputs (`read_bundle`).
                sha256: String::new(),
            };
            Ok((header, out, src))
        }
        Part::Sheet {
            name: sheet,
            readers,
            ..
        } => {
            let (header, out) = readers.with(|wb| wb.read_sheet(sheet, t, mapping, key, build))?;
            let src = Source {
                table: t,
                file,
                sheet: Some(sheet.clone()),
                encoding: None,
                rows: out.rows.len(),
                summary_rows_dropped: out.summary_rows,
                sha256: String::new(),
            };
            Ok((header, out, src))
        }
        Part::Workbook(p) => {
            let mut wb = Workbook::open(p)?;
            let names = wb.sheet_names();
            if names.is_empty() {
                return Err(Error::Input(format!("工作簿 {file} 没有工作表")));
            }
            let mut first_err = None;
            for sheet in &names {
                match wb.read_sheet(sheet, t, mapping, key, build) {
                    Ok((header, out)) => {
                        let src = Source {
                            table: t,
                            file: file.clone(),
                            sheet: Some(sheet.clone()),
                            encoding: None,
                            rows: out.rows.len(),
                            summary_rows_dropped: out.summary_rows,
                            sha256: String::new(),
                        };
                        return Ok((header, out, src));
                    }
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            Err(first_err.expect("at least one sheet was tried"))
        }
    }
}

fn read_table<T: Send + Row, F>(
    t: Table,
    parts: &[Part],
    first_source: u16,
    mapping: &Mapping,
    fixity: bool,
    build: F,
) -> Result<TableOut<T>>
where
    F: Fn(&mut Fields<'_, '_>) -> Option<T> + Sync,
{
    let mut out = TableOut {
        rows: Vec::new(),
        texts: String::new(),
        review_times: Vec::new(),
        media_files: Vec::new(),
        sources: Vec::new(),
        problems: Vec::new(),
        coverage: TableCoverage {
            present: !parts.is_empty(),
            ..TableCoverage::default()
        },
        orphans: Vec::new(),
    };
    let cols = spec(t);
    for (i, part) in parts.iter().enumerate() {
        let source = first_source + i as u16;
        let b = |r: &RawRow<'_>, sink: &mut Sink| {
            let mut f = Fields::new(r, sink, mapping, t, source);
            f.fixity = fixity;
            build(&mut f)
        };
        let (header, collected, src) = read_part(t, part, mapping, &b)?;
        let sheet = src.sheet.clone();
        for (c, p) in cols.iter().zip(&header.positions) {
            if p.is_some() && !out.coverage.columns.contains(&c.en) {
                out.coverage.columns.push(c.en);
            }
        }
        for (c, (n, bad)) in cols.iter().zip(&collected.sink.stats) {
            let e = out.coverage.parse.entry(c.en).or_insert((0, 0));
            e.0 += n;
            e.1 += bad;
        }
        for d in &header.duplicates {
            out.problems.push(DataProblem {
                file: src.file.clone(),
                sheet: sheet.clone(),
                row: header.row_index as u32 + 1,
                column: d.clone(),
                raw: d.clone(),
                message: "重复的列，已使用第一列".into(),
                count: 1,
            });
        }
        if let Some(enc) = &src.encoding {
            if enc.starts_with("混合") {
                out.problems.push(DataProblem {
                    file: src.file.clone(),
                    sheet: None,
                    row: 0,
                    column: String::new(),
                    raw: String::new(),
                    message:
                        "文件编码混杂：部分行为 UTF-8，部分行为 GBK/GB18030，已逐行识别，请核对"
                            .into(),
                    count: 1,
                });
            }
        }
        let Collected { rows, mut sink, .. } = collected;
        let texts = std::mem::take(&mut sink.texts);
        // Parts come in source order, so the side table stays in row order.
        out.review_times.append(&mut sink.review_times);
        out.media_files.append(&mut sink.media_files);
        out.problems
            .extend(sink.problems.into_iter().map(|p| DataProblem {
                file: src.file.clone(),
                sheet: sheet.clone(),
                row: p.row,
                column: column_label(t, &header, p.col),
                raw: p.raw,
                message: p.message,
                count: 1,
            }));
        for (c, &(n, first)) in sink.omitted.iter().enumerate() {
            if n > 0 {
                out.problems.push(DataProblem {
                    file: src.file.clone(),
                    sheet: sheet.clone(),
                    row: first,
                    column: column_label(t, &header, c),
                    raw: String::new(),
                    message: format!(
                        "同列另有 {n} 个单元格无法解析，未逐一列出（每列只列出前 {} 个；这些单元格自第 {first} 行起）",
                        reader::LISTED_PER_COLUMN
                    ),
                    count: n,
                });
            }
        }
        out.problems.extend(unknown_value_problems(
            t,
            sink.unknown,
            &src.file,
            sheet.as_deref(),
            &header,
        ));
        out.orphans
            .extend(sink.orphans.into_iter().map(|(case_no, row)| OrphanRow {
                case_no,
                at: RowRef { source, row },
            }));
        // The rows of the first (usually the only) part are taken as they are: extending
        // an empty vector would copy a table of millions of rows into fresh memory.
        if out.rows.is_empty() && out.texts.is_empty() {
            out.rows = rows;
            out.texts = texts;
        } else {
            let by = out.texts.len();
            out.rows.extend(rows.into_iter().map(|mut r| {
                r.shift_texts(by);
                r
            }));
            out.texts.push_str(&texts);
        }
        out.sources.push(src);
    }
    Ok(out)
}

/// Read a bundle for an audit: 案件登记 is required, every other table's rows are linked
/// to their cases, and each input file's SHA-256 is taken beside the reading (运行参数,
/// summary.json and the PDF list them).
pub fn read_bundle(inputs: &Inputs) -> Result<Bundle> {
    read(inputs, false, true)
}

/// Read a bundle to check it (`trailcheck check`): as [`read_bundle`], but no file is
/// hashed, as nothing the check prints lists a hash (a fifth of its processor time at
/// province scale: benches/README.md, "Twenty-third session"); and with `standalone`
/// set, 案件登记 is not required, each given table is parsed and validated alone
/// (`trailcheck check --documents F`) and rows are not linked to cases.
pub fn check_bundle(inputs: &Inputs, standalone: bool) -> Result<Bundle> {
    read(inputs, standalone, false)
}

/// The names of the archives (.zip, .rar, .7z) directly in folder `dir`, in name order.
fn archives_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            let n = n.to_lowercase();
            [".zip", ".rar", ".7z"].iter().any(|ext| n.ends_with(ext))
        })
        .collect();
    names.sort();
    names
}

/// Read a bundle, hashing its files when `hash` is set; a zip bundle is extracted first
/// and its files are named inside the archive ([`zipped`]). The names are mended after
/// reading, in every text of the bundle that names a file (sources, data problems, input
/// errors): a field added to [`Bundle`] that names a file must be mended here too.
fn read(inputs: &Inputs, standalone: bool, hash: bool) -> Result<Bundle> {
    let unpacked = match &inputs.bundle {
        Some(b) => zipped::unpack(b)?,
        None => None,
    };
    let Some(unpacked) = unpacked else {
        return read_files(inputs, standalone, hash);
    };
    let extracted = Inputs {
        bundle: Some(unpacked.bundle().to_path_buf()),
        ..inputs.clone()
    };
    match read_files(&extracted, standalone, hash) {
        Ok(mut bundle) => {
            for src in &mut bundle.sources {
                src.file = unpacked.relabel(&src.file);
            }
            for p in &mut bundle.problems {
                p.file = unpacked.relabel(&p.file);
                p.message = unpacked.relabel(&p.message);
            }
            Ok(bundle)
        }
        Err(Error::Input(m)) => Err(Error::Input(unpacked.relabel(&m))),
        Err(Error::MissingColumn { file, detail }) => Err(Error::MissingColumn {
            file: unpacked.relabel(&file),
            detail,
        }),
        Err(e) => Err(e),
    }
}

/// Read the bundle's files, hashing them when `hash` is set.
fn read_files(inputs: &Inputs, standalone: bool, hash: bool) -> Result<Bundle> {
    let found = discover(inputs)?;
    if found[Table::Cases as usize].1.is_empty() && !standalone {
        let where_ = inputs
            .bundle
            .as_ref()
            .map(|b| format!("（在 {} 中）", b.display()))
            .unwrap_or_default();
        let archives = inputs
            .bundle
            .as_deref()
            .map(archives_in)
            .filter(|a| !a.is_empty())
            .map(|a| {
                let how = if a.iter().any(|n| n.to_lowercase().ends_with(".zip")) {
                    "可直接以 zip 作为数据包（如 trailcheck audit 数据.zip），或先解压"
                } else {
                    "请先解压"
                };
                format!(
                    "；文件夹中有压缩包 {}，导出数据如在其中，{how}",
                    a.join("、")
                )
            })
            .unwrap_or_default();
        return Err(Error::Input(format!(
            "缺少必需的表「案件登记」{where_}：应有名为 案件登记 或 cases 的文件或工作表（.csv/.xlsx/.xls/.et）{archives}"
        )));
    }
    if found.iter().all(|(_, p)| p.is_empty()) {
        return Err(Error::Input("没有找到任何可读取的表".into()));
    }
    if !hash {
        return read_found(&found, inputs, standalone);
    }
    // The input files (a workbook once, however many of its sheets are read) are hashed
    // two at a time beside the reading (`digest`), which stops hashing when the reading
    // fails; each source then takes its file's hash.
    let mut files: Vec<PathBuf> = Vec::new();
    for p in found.iter().flat_map(|(_, parts)| parts) {
        if !files.iter().any(|f| f == p.path()) {
            files.push(p.path().to_path_buf());
        }
    }
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (hashes, bundle) = rayon::join(
        || digest::sha256_files(&files, &stop),
        || {
            let read = read_found(&found, inputs, standalone);
            if read.is_err() {
                stop.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            read
        },
    );
    let mut bundle = bundle?;
    for src in &mut bundle.sources {
        if let Some(i) = files
            .iter()
            .position(|p| p.display().to_string() == src.file)
        {
            src.sha256 = hashes[i].clone().unwrap_or_default();
        }
    }
    Ok(bundle)
}

/// Put `cases` in report order (执法机关, 案号), so that findings come out ordered case by
/// case and 案卷评分 lists each agency's cases together. `agencies` names every agency
/// of `cases` (each once).
///
/// Compared as they lie, two cases' 案号 are two pointers away, and a million cases
/// spread their texts over tens of megabytes: the sort's comparisons waited on memory
/// (the register's sort was 3.5 % of a province `check`'s samples, benches/README.md,
/// "Twenty-fifth session"). So each case's key is made once, in parallel, and the keys
/// are sorted instead: the agency's rank among the agencies, then the 案号's first
/// [`KEY_BYTES`] as big-endian integers, zero-padded. Where two keys differ they differ as
/// the texts do (a text that ends first is a prefix of the other); where they are equal
/// (a longer 案号, or one holding a zero byte) the texts themselves decide. The cases are
/// then moved to their places in one pass.
fn sort_report_order<'a>(cases: &mut Vec<Case>, agencies: impl Iterator<Item = &'a str>) {
    let mut names: Vec<&str> = agencies.collect();
    names.sort_unstable();
    let rank: foldhash::HashMap<&str, u32> =
        names.iter().zip(0u32..).map(|(a, r)| (*a, r)).collect();
    let mut keys: Vec<(u32, [u128; KEY_BYTES / 16], usize)> = cases
        .par_iter()
        .enumerate()
        .map(|(i, c)| {
            let no = c.case_no.as_bytes();
            let mut head = [0u8; KEY_BYTES];
            let n = no.len().min(KEY_BYTES);
            head[..n].copy_from_slice(&no[..n]);
            let ints = std::array::from_fn(|k| {
                u128::from_be_bytes(head[k * 16..][..16].try_into().expect("16 bytes"))
            });
            (rank.get(&*c.agency).copied().unwrap_or(u32::MAX), ints, i)
        })
        .collect();
    keys.par_sort_unstable_by(|x, y| {
        (x.0, x.1)
            .cmp(&(y.0, y.1))
            .then_with(|| cases[x.2].case_no.cmp(&cases[y.2].case_no))
    });
    let mut slots: Vec<Option<Case>> = std::mem::take(cases).into_iter().map(Some).collect();
    cases.reserve_exact(slots.len());
    cases.extend(keys.iter().filter_map(|k| slots[k.2].take()));
}

/// Bytes of a 案号 in its sort key: enough for the 案号 seen in exports (a county's
/// prefix, year and number run to some 40 bytes of UTF-8), so that the texts behind the
/// keys are compared only for longer ones.
const KEY_BYTES: usize = 48;

/// Read the tables `discover` found.
fn read_found(found: &[(Table, Vec<Part>)], inputs: &Inputs, standalone: bool) -> Result<Bundle> {
    let mut first = [0u16; 6];
    let mut n = 0u16;
    for (t, parts) in found {
        first[*t as usize] = n;
        n += parts.len() as u16;
    }
    let parts = |t: Table| &found[t as usize].1[..];
    let m = &inputs.mapping;

    let cases = read_table(
        Table::Cases,
        parts(Table::Cases),
        first[0],
        m,
        false,
        tables::case,
    )?;
    let mut bundle = Bundle::default();
    let (mut map, repeated) = CaseMap::new(&cases.rows);
    // One shared string per agency: findings and scores hold it without copies.
    let mut agencies: foldhash::HashSet<std::sync::Arc<str>> = Default::default();
    // Duplicates leave the register's rows where they lie (no copy of a million cases).
    let mut rows = cases.rows;
    let mut repeated = repeated.into_iter();
    rows.retain_mut(|c| {
        if repeated.next() == Some(true) {
            bundle.duplicate_cases.push((Box::from(&*c.case_no), c.at));
            return false;
        }
        match agencies.get(&c.agency) {
            Some(a) => c.agency = a.clone(),
            None => {
                agencies.insert(c.agency.clone());
            }
        }
        true
    });
    bundle.cases = rows;
    sort_report_order(&mut bundle.cases, agencies.iter().map(|a| &**a));
    map.set_indices(&bundle.cases);
    let map = &map;
    let lenient = standalone && map.is_empty();
    let linking = if lenient { None } else { Some(map) };

    macro_rules! table {
        ($t:expr, $build:path) => {
            read_table($t, parts($t), first[$t as usize], m, inputs.fixity, |f| {
                $build(f, linking)
            })
        };
    }
    // The other tables read side by side, the largest first: a sheet is parsed on one
    // thread, so the largest sheet is the run's longest task and is started first (a
    // file's rows are built in parallel whichever order they come in).
    let (mut docs, mut services, mut acts, mut media, mut access) = (None, None, None, None, None);
    {
        let work = |t: Table| parts(t).iter().map(Part::work).sum::<u64>();
        type Job<'s> = (u64, Box<dyn FnOnce() + Send + 's>);
        // A table's reading into its slot, with the work that orders it.
        macro_rules! job {
            ($slot:ident, $t:expr, $build:path) => {{
                let job: Job<'_> = (work($t), Box::new(|| $slot = Some(table!($t, $build))));
                job
            }};
        }
        let mut jobs = vec![
            job!(docs, Table::Documents, tables::document),
            job!(services, Table::Services, tables::service),
            job!(acts, Table::Activities, tables::activity),
            job!(media, Table::Media, tables::media),
            job!(access, Table::Access, tables::access),
        ];
        jobs.sort_by_key(|(w, _)| std::cmp::Reverse(*w));
        rayon::scope_fifo(|s| {
            for (_, job) in jobs {
                s.spawn_fifo(move |_| job());
            }
        });
    }
    let done = "every table's job ran";
    let (mut docs, services, acts, mut media, access) = (
        docs.expect(done)?,
        services.expect(done)?,
        acts.expect(done)?,
        media.expect(done)?,
        access.expect(done)?,
    );

    let mut sources: Vec<Source> = cases.sources;
    let mut problems = cases.problems;
    bundle.coverage[0] = cases.coverage;
    macro_rules! absorb {
        ($out:expr, $t:expr, $field:ident) => {{
            let o = $out;
            sources.extend(o.sources);
            problems.extend(o.problems);
            bundle.coverage[$t as usize] = o.coverage;
            bundle.orphans.extend(o.orphans);
            bundle.texts.set($t, o.texts);
            bundle.$field = o.rows;
        }};
    }
    bundle.review_times = std::mem::take(&mut docs.review_times);
    bundle.media_files = std::mem::take(&mut media.media_files);
    absorb!(docs, Table::Documents, documents);
    absorb!(services, Table::Services, services);
    absorb!(acts, Table::Activities, activities);
    absorb!(media, Table::Media, media);
    absorb!(access, Table::Access, access);
    sources.sort_by_key(|s| s.table);
    bundle.sources = sources;
    bundle.problems = problems;
    if !lenient {
        bundle.index = Index::build(&mut bundle);
    }
    Ok(bundle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_sort_as_their_agencies_and_case_numbers_compare() {
        use rand::{Rng, SeedableRng};
        // 案号 that share long prefixes, run past 32 bytes, end where another goes on, and
        // hold zero bytes (which the key's padding must not confuse with an end).
        let stems = [
            "",
            "丰市监罚〔2023〕",
            "丰市监罚〔2023〕1",
            "丰综执罚〔2024〕第一二三四五六七八九十号",
            "abcdefghijklmnopqrstuvwxyz012345",
            "a\0",
            "a",
        ];
        let tails = [
            "",
            "\0",
            "1号",
            "12号",
            "2号",
            "号",
            "\0\0x",
            "甲乙丙丁戊己庚辛壬癸",
        ];
        let agencies: Vec<std::sync::Arc<str>> = ["综合行政执法局", "市场监督管理局", "应急管理局"]
            .iter()
            .map(|a| std::sync::Arc::from(*a))
            .collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut cases = Vec::new();
        for s in stems {
            for t in tails {
                for _ in 0..3 {
                    let mut c = Case::bare("", &format!("{s}{t}"));
                    c.agency = agencies[rng.random_range(0..agencies.len())].clone();
                    cases.push(c);
                }
            }
        }
        for _ in 0..500 {
            let len = rng.random_range(0..40);
            let no: String = (0..len)
                .map(|_| ['0', '1', '\0', '号', 'z'][rng.random_range(0..5)])
                .collect();
            let mut c = Case::bare("", &no);
            c.agency = agencies[rng.random_range(0..agencies.len())].clone();
            cases.push(c);
        }
        let key = |c: &Case| (c.agency.to_string(), c.case_no.to_string());
        let mut expected: Vec<(String, String)> = cases.iter().map(key).collect();
        expected.sort();
        sort_report_order(&mut cases, agencies.iter().map(|a| &**a));
        let got: Vec<(String, String)> = cases.iter().map(key).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn table_names_with_part_suffixes() {
        assert_eq!(table_of_name("案件登记"), Some((Table::Cases, 0)));
        assert_eq!(table_of_name("案件登记_1"), Some((Table::Cases, 1)));
        assert_eq!(table_of_name("音像记录索引(2)"), Some((Table::Media, 2)));
        assert_eq!(table_of_name("音像记录索引（3）"), Some((Table::Media, 3)));
        assert_eq!(table_of_name("Cases"), Some((Table::Cases, 0)));
        assert_eq!(table_of_name("媒体(2)"), None);
        assert_eq!(table_of_name("案件登记表"), None);
    }
}
