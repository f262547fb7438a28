//! The normalised case model: every table of the export bundle as typed rows, linked
//! to their case. Ingest builds it; the rules read only this.

pub mod index;
pub mod stamp;
pub mod text;
pub mod vocab;

pub use stamp::Stamp;
pub use text::{Text, Texts};
pub use vocab::{
    AccessKind, ActivityKind, Category, DocName, Origin, Procedure, ServiceMethod, Signature,
    Stage, Status,
};

use std::collections::HashMap;
use std::sync::Arc;

/// Index of a case in [`Bundle::cases`].
pub type CaseIx = u32;

/// The six tables of INPUT.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Table {
    /// 案件登记
    Cases,
    /// 文书记录
    Documents,
    /// 送达记录
    Services,
    /// 执法活动
    Activities,
    /// 音像记录索引
    Media,
    /// 调阅复制记录
    Access,
}

impl Table {
    /// All tables, in the order they are read and reported.
    pub const ALL: [Table; 6] = [
        Table::Cases,
        Table::Documents,
        Table::Services,
        Table::Activities,
        Table::Media,
        Table::Access,
    ];

    /// Chinese table name (file stem or sheet name).
    pub fn zh(self) -> &'static str {
        match self {
            Table::Cases => "案件登记",
            Table::Documents => "文书记录",
            Table::Services => "送达记录",
            Table::Activities => "执法活动",
            Table::Media => "音像记录索引",
            Table::Access => "调阅复制记录",
        }
    }

    /// English alias of the table name.
    pub fn en(self) -> &'static str {
        match self {
            Table::Cases => "cases",
            Table::Documents => "documents",
            Table::Services => "services",
            Table::Activities => "activities",
            Table::Media => "media",
            Table::Access => "access",
        }
    }
}

/// Where a row came from: the file (and sheet) and the row number a person sees in Excel.
///
/// Six bytes, aligned to two, so that the rows holding it pack tighter (the fields are
/// read by value, never by reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(C, packed(2))]
pub struct RowRef {
    /// Index into [`Bundle::sources`].
    pub source: u16,
    /// 1-based row number as shown by Excel (header rows included).
    pub row: u32,
}

/// One input file (or one sheet of a workbook) that fed a table.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    /// The table it fed.
    pub table: Table,
    /// File path as given.
    pub file: String,
    /// Sheet name for workbooks.
    pub sheet: Option<String>,
    /// Detected encoding for CSV files (`UTF-8`, `GBK/GB18030`, `混合`).
    pub encoding: Option<String>,
    /// Data rows read.
    pub rows: usize,
    /// Summary rows (合计, 备注 …) dropped below the data.
    pub summary_rows_dropped: usize,
    /// SHA-256 of the file bytes.
    pub sha256: String,
}

impl Source {
    /// `file` or `file[sheet]`, as problems and messages name it.
    pub fn label(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}[{}]", self.file, s),
            None => self.file.clone(),
        }
    }
}

/// A bad cell or other input problem that did not stop the run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DataProblem {
    /// File path.
    pub file: String,
    /// Sheet for workbooks.
    pub sheet: Option<String>,
    /// Excel-style 1-based row number (0 when the problem concerns the whole file or a value).
    pub row: u32,
    /// Column header as it appears in the file.
    pub column: String,
    /// The raw cell value.
    pub raw: String,
    /// What was expected (Chinese).
    pub message: String,
    /// How many cells share this problem (distinct unknown values are reported once).
    pub count: u32,
}

/// A row of 案件登记.
#[derive(Debug, Clone)]
pub struct Case {
    /// 案号 (shared with the map that links rows to cases while they are read; findings
    /// read it through the case's index)
    pub case_no: Arc<str>,
    /// 执法机关 (one shared string for all the agency's cases, told by its address)
    pub agency: Arc<str>,
    /// 执法类别
    pub category: Option<Category>,
    /// 程序类型 (一般程序 when blank)
    pub procedure: Procedure,
    /// 启动方式
    pub origin: Option<Origin>,
    /// 重大执法决定
    pub major: bool,
    /// 紧急启动
    pub urgent: bool,
    /// 启动日期
    pub opened_at: Option<Stamp>,
    /// 立案审批时间
    pub approved_at: Option<Stamp>,
    /// 决定日期
    pub decided_at: Option<Stamp>,
    /// 终结日期
    pub closed_at: Option<Stamp>,
    /// 归档日期
    pub archived_at: Option<Stamp>,
    /// 归档编号 present
    pub has_archive_no: bool,
    /// 保管期限 present
    pub has_retention: bool,
    /// 办理状态
    pub status: Option<Status>,
    /// Origin row.
    pub at: RowRef,
}

#[cfg(test)]
impl Case {
    /// A register row with only its 案号 and 执法机关 filled (unit tests).
    pub(crate) fn bare(agency: &str, case_no: &str) -> Case {
        Case {
            case_no: case_no.into(),
            agency: agency.into(),
            category: None,
            procedure: Procedure::General,
            origin: None,
            major: false,
            urgent: false,
            opened_at: None,
            approved_at: None,
            decided_at: None,
            closed_at: None,
            archived_at: None,
            has_archive_no: false,
            has_retention: false,
            status: None,
            at: RowRef { source: 0, row: 2 },
        }
    }
}

/// A row of 文书记录.
#[derive(Debug, Clone)]
pub struct Document {
    /// Linked case.
    pub case: CaseIx,
    /// 文书名称 (the catalogue's when it matched).
    pub doc_type: DocName,
    /// 环节 (derived from the name when blank).
    pub stage: Option<Stage>,
    /// 文书编号, less its first [`Document::doc_no_shared`] bytes (in the table's arena,
    /// [`Bundle::text`]); [`Document::subject`] puts it together.
    pub doc_no: Option<Text>,
    /// Leading bytes the 文书编号 shares with the case's 案号, which the arena does not
    /// hold again: numbers are mostly made from the 案号 (`丰市监罚〔2023〕1号-01`), and a
    /// province-year's twelve million of them would otherwise repeat it (some 260 MB).
    pub doc_no_shared: u8,
    /// 制作时间
    pub made_at: Option<Stamp>,
    /// Number of officers named.
    pub officers: u8,
    /// Number of certificate numbers.
    pub cert_nos: u8,
    /// 当事人签字
    pub signature: Signature,
    /// Number of officers attesting a refusal.
    pub refusal_witnesses: u8,
    /// The row's yes/no facts (出示证件, which columns are filled). 审核时间 and 批准时间
    /// are held beside the rows ([`Bundle::review_times`]).
    pub flags: DocFlags,
    /// k of the subject `文书名称#k` (k-th of that name by 制作时间), set by the index.
    pub name_rank: u16,
    /// Origin row.
    pub at: RowRef,
}

impl Document {
    /// The finding subject, unique within the case: 文书编号, or `文书名称#k` (OUTPUT.md).
    /// `case_no` is the 案号 of the document's case. Written where it is used, without a
    /// string of its own.
    pub fn subject<'a>(&'a self, texts: &'a Texts, case_no: &'a str) -> DocSubject<'a> {
        DocSubject {
            doc: self,
            texts,
            case_no,
        }
    }
}

/// A document's finding subject ([`Document::subject`]).
#[derive(Clone, Copy)]
pub struct DocSubject<'a> {
    doc: &'a Document,
    texts: &'a Texts,
    case_no: &'a str,
}

impl std::fmt::Display for DocSubject<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.doc;
        match d.doc_no {
            Some(no) => {
                let shared = usize::from(d.doc_no_shared);
                f.write_str(self.case_no.get(..shared).unwrap_or(""))?;
                f.write_str(self.texts.get(no))
            }
            None => write!(f, "{}#{}", d.doc_type, d.name_rank),
        }
    }
}

bitflags::bitflags! {
    /// The yes/no facts of a 文书记录 row, a bit each (twelve million rows in a
    /// province-year: ten `bool`s would take eight bytes more a row).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct DocFlags: u16 {
        /// 出示证件
        const ID_SHOWN = 1;
        /// 承办人意见 present
        const HANDLER_OPINION = 1 << 1;
        /// 审核人 present
        const REVIEWER = 1 << 2;
        /// 审核人 names the legal office (法制…)
        const REVIEWER_IS_LEGAL = 1 << 3;
        /// 批准人 present
        const APPROVER = 1 << 4;
        /// 法制审核意见 present
        const LEGAL_REVIEW = 1 << 5;
        /// 备注 mentions 法制审核 (legal review noted on an approval form)
        const NOTE_MENTIONS_LEGAL_REVIEW = 1 << 6;
        /// 保全理由 present
        const PRESERVATION_REASON = 1 << 7;
        /// 保全标的 present
        const PRESERVATION_OBJECT = 1 << 8;
        /// 保全形式 present
        const PRESERVATION_FORM = 1 << 9;
        /// 审核时间 or 批准时间 is filled: the row has [`ReviewTimes`].
        const REVIEW_TIMES = 1 << 10;
    }
}

/// 审核时间 and 批准时间 of a 文书记录 row that has either. Approval forms have them, most
/// documents have neither (a sixth in a generated province-year), so they are held in a
/// side table ordered by row instead of 16 bytes on every document row.
#[derive(Debug, Clone, Copy)]
pub struct ReviewTimes {
    /// The document's row.
    pub at: RowRef,
    /// 审核时间
    pub reviewed_at: Option<Stamp>,
    /// 批准时间
    pub approved_at: Option<Stamp>,
}

bitflags::bitflags! {
    /// The yes/no facts of a 音像记录索引 row, a bit each.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct MediaFlags: u16 {
        /// A 案号 is written but matches no case (Q01 reports it from the orphan rows).
        const UNKNOWN_CASE = 1;
        /// 设备编号 present
        const DEVICE = 1 << 1;
        /// 执法人员 present
        const OFFICERS = 1 << 2;
        /// 当事人 present
        const PARTY = 1 << 3;
        /// 承办人 present
        const HANDLER = 1 << 4;
        /// 开场语音说明
        const OPENING_STATEMENT = 1 << 5;
        /// 中断原因说明 present
        const RESUME_REASON = 1 << 6;
        /// 证据用途
        const EVIDENCE = 1 << 7;
        /// 制作人 present
        const MAKER = 1 << 8;
        /// 证明对象 present
        const PROVES = 1 << 9;
        /// 制作方法 present
        const METHOD = 1 << 10;
        /// 地点 present
        const PLACE = 1 << 11;
        /// The row has [`MediaFile`] columns held (`--media-root`).
        const FILE = 1 << 12;
    }
}

/// A row of 送达记录.
#[derive(Debug, Clone)]
pub struct Service {
    /// Linked case.
    pub case: CaseIx,
    /// 送达文书 (the catalogue's name when it matched).
    pub doc_type: DocName,
    /// 送达方式
    pub method: Option<ServiceMethod>,
    /// 送达时间
    pub served_at: Option<Stamp>,
    /// 见证人 present
    pub has_witness: bool,
    /// 拒收事由 present
    pub has_refusal_reason: bool,
    /// 邮寄单号 present
    pub has_tracking_no: bool,
    /// 回执 kept
    pub receipt: bool,
    /// 委托转交原因 present
    pub has_delegation_reason: bool,
    /// 公告载体 present
    pub has_notice_medium: bool,
    /// 前序送达情况 present
    pub has_prior_attempts: bool,
    /// Origin row.
    pub at: RowRef,
}

impl Service {
    /// The finding subject `送达文书:送达方式:送达时间` (OUTPUT.md).
    pub fn subject(&self) -> String {
        format!(
            "{}:{}:{}",
            self.doc_type,
            self.method.map(|m| m.zh()).unwrap_or(""),
            self.served_at.map(|s| s.to_string()).unwrap_or_default()
        )
    }
}

/// A row of 执法活动.
#[derive(Debug, Clone)]
pub struct Activity {
    /// 活动编号 (in the table's arena)
    pub activity_id: Text,
    /// Linked case.
    pub case: CaseIx,
    /// 活动类型
    pub kind: Option<ActivityKind>,
    /// 开始时间
    pub started_at: Option<Stamp>,
    /// 结束时间
    pub ended_at: Option<Stamp>,
    /// 地点 present
    pub has_place: bool,
    /// Number of officers.
    pub officers: u8,
    /// 偏远或异地
    pub remote: bool,
    /// 返回单位时间
    pub returned_at: Option<Stamp>,
    /// 未录像说明 present
    pub has_no_av_reason: bool,
    /// Origin row.
    pub at: RowRef,
}

/// A row of 音像记录索引.
#[derive(Debug, Clone)]
pub struct Media {
    /// 文件编号 (in the table's arena)
    pub media_id: Text,
    /// Linked case; `None` when 案号 is blank or unknown.
    pub case: Option<CaseIx>,
    /// 活动编号 (in the table's arena)
    pub activity_id: Option<Text>,
    /// 开始时间
    pub started_at: Option<Stamp>,
    /// 结束时间
    pub ended_at: Option<Stamp>,
    /// 入库时间
    pub stored_at: Option<Stamp>,
    /// The row's yes/no facts (开场语音说明, 证据用途, which columns are filled).
    pub flags: MediaFlags,
    /// Origin row.
    pub at: RowRef,
}

/// Where a footage file is stored and what it should be, as 音像记录索引 records it.
/// Held only for the fixity check (`--media-root`), beside the rows in row order
/// ([`Bundle::media_file`]).
#[derive(Debug, Clone)]
pub struct MediaFile {
    /// The footage row.
    pub at: RowRef,
    /// 存储位置
    pub location: Option<Box<str>>,
    /// 文件大小
    pub size_bytes: Option<u64>,
    /// 哈希值 (lower-case hex)
    pub sha256: Option<Box<str>>,
}

/// A row of 调阅复制记录.
#[derive(Debug, Clone)]
pub struct Access {
    /// Linked case.
    pub case: CaseIx,
    /// 类型
    pub kind: Option<AccessKind>,
    /// 申请人
    pub requester: Box<str>,
    /// 时间
    pub at_time: Option<Stamp>,
    /// 批准人 present
    pub has_approver: bool,
    /// 批准时间
    pub approved_at: Option<Stamp>,
    /// Origin row.
    pub at: RowRef,
}

impl Access {
    /// The finding subject `类型:申请人:时间` (OUTPUT.md).
    pub fn subject(&self) -> String {
        format!(
            "{}:{}:{}",
            self.kind.map(|k| k.zh()).unwrap_or(""),
            self.requester,
            self.at_time
                .map(|s| s.at().format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_default()
        )
    }
}

/// A row of any table that references a 案号 absent from 案件登记 (rule Q01).
#[derive(Debug, Clone)]
pub struct OrphanRow {
    /// The 案号 as written.
    pub case_no: Box<str>,
    /// Where it is.
    pub at: RowRef,
}

/// Per table: whether it was given, which columns it had, and how well each parsed.
#[derive(Debug, Clone, Default)]
pub struct TableCoverage {
    /// The table was present in the bundle.
    pub present: bool,
    /// Canonical (English) names of the columns found.
    pub columns: Vec<&'static str>,
    /// Per column: (non-blank cells, cells that failed to parse).
    pub parse: HashMap<&'static str, (u64, u64)>,
}

impl TableCoverage {
    /// The failed-cell count that makes a column unusable, if any: (non-blank, failed).
    fn too_many_bad(&self, column: &str) -> Option<(u64, u64)> {
        self.parse
            .get(column)
            .copied()
            .filter(|&(n, bad)| n > 0 && bad * 20 > n)
    }

    /// True when a column can be relied on (the cheap form of [`TableCoverage::unusable`],
    /// for checks made once per case).
    pub fn usable(&self, column: &str) -> bool {
        self.present && self.columns.contains(&column) && self.too_many_bad(column).is_none()
    }

    /// Why a column cannot be relied on, or `None` when it can: the table or column is
    /// absent, or more than 5% of its non-blank cells failed to parse (INPUT.md "Coverage").
    pub fn unusable(&self, table: Table, column: &str) -> Option<String> {
        let zh = || crate::ingest::columns::zh_name(table, column);
        if !self.present {
            Some(format!("缺少表「{}」", table.zh()))
        } else if !self.columns.contains(&column) {
            Some(format!("表「{}」缺少列「{}」", table.zh(), zh()))
        } else {
            self.too_many_bad(column).map(|(n, bad)| {
                format!(
                    "表「{}」列「{}」有 {bad}/{n} 个单元格无法解析（超过 5%）",
                    table.zh(),
                    zh()
                )
            })
        }
    }
}

/// The entry of a side table (held in row order, beside the rows) for the row `at`.
fn beside<T>(table: &[T], at: RowRef, row: impl Fn(&T) -> RowRef) -> Option<&T> {
    let i = table.binary_search_by_key(&at, row).ok()?;
    Some(&table[i])
}

/// Everything read from one export bundle.
#[derive(Debug, Default)]
pub struct Bundle {
    /// 案件登记 rows (duplicates of a 案号 after the first are in `duplicate_cases`).
    pub cases: Vec<Case>,
    /// 文书记录 rows linked to a case.
    pub documents: Vec<Document>,
    /// 送达记录 rows linked to a case.
    pub services: Vec<Service>,
    /// 执法活动 rows linked to a case.
    pub activities: Vec<Activity>,
    /// Every 音像记录索引 row, linked or not.
    pub media: Vec<Media>,
    /// 调阅复制记录 rows linked to a case.
    pub access: Vec<Access>,
    /// Rows of 案件登记 whose 案号 repeats an earlier one (rule Q02).
    pub duplicate_cases: Vec<(Box<str>, RowRef)>,
    /// Rows of other tables whose 案号 is not in 案件登记 (rule Q01).
    pub orphans: Vec<OrphanRow>,
    /// Input files and sheets.
    pub sources: Vec<Source>,
    /// Coverage per table, in [`Table::ALL`] order.
    pub coverage: [TableCoverage; 6],
    /// Bad cells and other non-fatal input problems.
    pub problems: Vec<DataProblem>,
    /// Per-case slices and footage links (built after ingest).
    pub index: index::Index,
    /// The identifier texts the rows refer to ([`Text`]).
    pub texts: Texts,
    /// 审核时间 and 批准时间 of the documents that have them, in row order.
    pub review_times: Vec<ReviewTimes>,
    /// The footage file columns, in row order, when they are held (`--media-root`).
    pub media_files: Vec<MediaFile>,
    /// Rows each table held when [`Bundle::release_rows`] freed them.
    released: Option<[usize; 6]>,
}

impl Bundle {
    /// The cases agency by agency: each run holds one 执法机关's cases, in the order the
    /// cases are held (by agency, then 案号, once ingest has sorted them). Cases of one
    /// agency share one string, so a run is told by pointer, its text compared only where
    /// two strings differ.
    pub fn agency_runs(&self) -> std::slice::ChunkBy<'_, Case, impl FnMut(&Case, &Case) -> bool> {
        self.cases
            .chunk_by(|a, b| std::sync::Arc::ptr_eq(&a.agency, &b.agency) || a.agency == b.agency)
    }

    /// The string of a row's identifier text.
    pub fn text(&self, t: Text) -> &str {
        self.texts.get(t)
    }

    /// 审核时间 and 批准时间 of a document.
    pub fn review_times(&self, d: &Document) -> (Option<Stamp>, Option<Stamp>) {
        if !d.flags.contains(DocFlags::REVIEW_TIMES) {
            return (None, None);
        }
        let stretch = match self.index.reviews(d.case) {
            Some(r) => &self.review_times[r],
            None => &self.review_times[..],
        };
        beside(stretch, d.at, |r| r.at).map_or((None, None), |r| (r.reviewed_at, r.approved_at))
    }

    /// The file columns of a footage row, when they are held (`--media-root`).
    pub fn media_file(&self, m: &Media) -> Option<&MediaFile> {
        if !m.flags.contains(MediaFlags::FILE) {
            return None;
        }
        beside(&self.media_files, m.at, |f| f.at)
    }

    /// Rows a table holds (linked to a case; every 音像记录索引 row), also after
    /// [`Bundle::release_rows`].
    pub fn rows(&self, t: Table) -> usize {
        if let Some(n) = self.released {
            return n[t as usize];
        }
        match t {
            Table::Cases => self.cases.len(),
            Table::Documents => self.documents.len(),
            Table::Services => self.services.len(),
            Table::Activities => self.activities.len(),
            Table::Media => self.media.len(),
            Table::Access => self.access.len(),
        }
    }

    /// Free the rows of every table but 案件登记, their identifier texts and the per-case
    /// index, keeping the row counts. After the rules (and the comparison with a baseline)
    /// only the cases, sources, coverage and problems are read: a province-year's other
    /// rows are some 1.7 GB, freed before scoring and the outputs add their own memory.
    pub fn release_rows(&mut self) {
        self.released = Some(Table::ALL.map(|t| self.rows(t)));
        self.documents = Vec::new();
        self.services = Vec::new();
        self.activities = Vec::new();
        self.media = Vec::new();
        self.access = Vec::new();
        self.texts = Texts::default();
        self.review_times = Vec::new();
        self.media_files = Vec::new();
        self.index = index::Index::default();
    }

    /// Coverage of one table.
    pub fn coverage(&self, t: Table) -> &TableCoverage {
        &self.coverage[t as usize]
    }

    /// Keep only the cases `keep` accepts (with all their rows) and the unlinked footage
    /// `keep_unlinked` accepts; case indices are renumbered and the index rebuilt. Rows of
    /// unknown cases and duplicates stay (they are data-quality findings of the export).
    pub fn retain_cases(
        &mut self,
        keep: impl Fn(&Case) -> bool,
        keep_unlinked: impl Fn(&Media) -> bool,
    ) {
        let mut map: Vec<Option<CaseIx>> = Vec::with_capacity(self.cases.len());
        let mut next = 0;
        for c in &self.cases {
            if keep(c) {
                map.push(Some(next));
                next += 1;
            } else {
                map.push(None);
            }
        }
        self.cases.retain(|c| keep(c));
        macro_rules! remap {
            ($v:expr) => {{
                $v.retain(|r| map[r.case as usize].is_some());
                for r in $v.iter_mut() {
                    r.case = map[r.case as usize].expect("retained");
                }
            }};
        }
        remap!(self.documents);
        remap!(self.services);
        remap!(self.activities);
        remap!(self.access);
        self.media.retain(|m| match m.case {
            Some(c) => map[c as usize].is_some(),
            None => keep_unlinked(m),
        });
        for m in &mut self.media {
            m.case = m.case.and_then(|c| map[c as usize]);
        }
        self.index = index::Index::build(self);
    }

    /// The footage rows with no case, by start time and row.
    pub fn unlinked_media(&self) -> impl Iterator<Item = &Media> + '_ {
        self.index
            .unlinked_media()
            .iter()
            .map(|&i| &self.media[i as usize])
    }

    /// `file:row` label of a row, as Q-rule subjects use it. The file is named without its
    /// folder (and with its sheet) so that a finding keeps its identity when next month's
    /// export sits in another folder.
    pub fn row_label(&self, r: RowRef) -> String {
        let s = &self.sources[r.source as usize];
        let name = std::path::Path::new(&s.file)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| s.file.clone());
        match &s.sheet {
            Some(sheet) => format!("{name}[{sheet}]:{}", { r.row }),
            None => format!("{name}:{}", { r.row }),
        }
    }
}
