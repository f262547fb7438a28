//! Row builders: one function per table turns spec-aligned cells into a typed model row,
//! recording every bad cell in the sink and leaving that field empty.

use super::cells::{number_text, parse_stamp, push_number_text, Cell};
use super::columns::{
    access as ac, activities as at, cases as cc, documents as dc, media as mc, services as sc,
};
use super::mapping::Mapping;
use super::reader::{RawRow, Row, Sink};
use crate::model::text::MAX_TEXT_BYTES;
use crate::model::vocab::{normalise_value, parse_yes_no, stage_of_doc, DocName};
use crate::model::*;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

/// The case register's 案号, for linking the other tables' rows to their cases: by text,
/// and in the order of the register itself. Exports list a table's rows case by case,
/// mostly in the register's order, so the case after the last one linked is tried first;
/// a lookup among a million cases misses the processor's caches, while the next case in
/// file order is usually in cache already.
///
/// The 案号 are found by their hashes, sorted: built in parallel from the register at
/// once (a province-year's million hash-map insertions took half a second on one core),
/// and looked up where a hash's place among evenly spread hashes should be.
#[derive(Debug, Default)]
pub struct CaseMap {
    /// (hash of the 案号, position in `order`), by hash then position.
    by_hash: Vec<(u64, u32)>,
    /// The cases as the register lists them (first of each 案号), with their index.
    order: Vec<(Arc<str>, CaseIx)>,
}

/// The case a piece's previous row linked to.
#[derive(Debug)]
pub struct LastCase {
    /// Its 案号.
    pub no: Arc<str>,
    /// Its index.
    pub ix: CaseIx,
    /// Its position in the register's order.
    pos: u32,
}

/// The hash a 案号 is found by.
fn case_hash(no: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x0074_7261_696c_636b).hash_one(no)
}

impl CaseMap {
    /// The map of the register's cases (`register`, in file order), with index 0 until
    /// [`CaseMap::set_indices`]; and for each row of `register`, whether an earlier row
    /// has its 案号 (the first row of a 案号 is the case).
    pub fn new(register: &[Case]) -> (CaseMap, Vec<bool>) {
        let mut keys: Vec<(u64, u32)> = register
            .par_iter()
            .enumerate()
            .map(|(i, c)| (case_hash(&c.case_no), i as u32))
            .collect();
        // Equal 案号 meet among equal hashes, their first row first.
        keys.par_sort_unstable();
        let mut repeated = vec![false; register.len()];
        let mut firsts: Vec<&str> = Vec::new();
        for same in keys.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
            // The distinct 案号 of a hash (one, but for a collision).
            firsts.clear();
            for &(_, row) in same {
                let no = &*register[row as usize].case_no;
                if firsts.contains(&no) {
                    repeated[row as usize] = true;
                } else {
                    firsts.push(no);
                }
            }
        }
        // Positions in the register's order, counting only first rows.
        let mut pos_of_row = Vec::with_capacity(register.len());
        let mut order = Vec::with_capacity(register.len());
        for (c, &rep) in register.iter().zip(&repeated) {
            pos_of_row.push(order.len() as u32);
            if !rep {
                order.push((c.case_no.clone(), 0));
            }
        }
        keys.retain_mut(|k| {
            let first = !repeated[k.1 as usize];
            k.1 = pos_of_row[k.1 as usize];
            first
        });
        (
            CaseMap {
                by_hash: keys,
                order,
            },
            repeated,
        )
    }

    /// Give each case its index: its place in `cases` (every case of the map, each once).
    /// The register's own rows, reordered, are matched without a lookup: sorted by their
    /// place in the file they are in the map's order again. Other cases are looked up.
    pub fn set_indices(&mut self, cases: &[Case]) {
        if cases.len() == self.order.len() {
            let mut by_row: Vec<(RowRef, CaseIx)> = cases
                .par_iter()
                .enumerate()
                .map(|(ix, c)| (c.at, ix as CaseIx))
                .collect();
            by_row.par_sort_unstable();
            let same = self.order.par_iter().zip(&by_row).all(|(o, &(_, ix))| {
                let no = &cases[ix as usize].case_no;
                Arc::ptr_eq(&o.0, no) || o.0 == *no
            });
            if same {
                for (o, (_, ix)) in self.order.iter_mut().zip(by_row) {
                    o.1 = ix;
                }
                return;
            }
        }
        let places: Vec<(u32, CaseIx)> = cases
            .par_iter()
            .enumerate()
            .filter_map(|(ix, c)| self.position(&c.case_no).map(|pos| (pos, ix as CaseIx)))
            .collect();
        for (pos, ix) in places {
            self.order[pos as usize].1 = ix;
        }
    }

    /// No case at all.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// Position of case `no` in the register's order. The hashes are spread evenly, so
    /// the search starts where `no`'s hash should lie and widens from there.
    fn position(&self, no: &str) -> Option<u32> {
        let h = case_hash(no);
        let keys = &self.by_hash;
        let n = keys.len();
        if n == 0 {
            return None;
        }
        let guess = ((u128::from(h) * n as u128) >> 64) as usize;
        // Widen around the guess until the hash's run lies within [lo, hi).
        let (mut lo, mut hi) = (guess, guess + 1);
        let mut step = 1;
        while lo > 0 && keys[lo].0 >= h {
            lo = lo.saturating_sub(step);
            step *= 2;
        }
        step = 1;
        while hi < n && keys[hi - 1].0 <= h {
            hi = (hi + step).min(n);
            step *= 2;
        }
        let start = lo + keys[lo..hi].partition_point(|k| k.0 < h);
        keys[start..]
            .iter()
            .take_while(|k| k.0 == h)
            .map(|k| k.1)
            .find(|&pos| *self.order[pos as usize].0 == *no)
    }

    /// The index of case `no`.
    pub fn get(&self, no: &str) -> Option<CaseIx> {
        self.position(no).map(|pos| self.order[pos as usize].1)
    }

    /// Case `no`, trying the few after `last` in the register's order first: a table
    /// skips the cases that have none of its rows (footage: one case in ten), and a
    /// lookup among a million cases costs about a microsecond in cache misses.
    fn find(&self, no: &str, last: Option<&LastCase>) -> Option<LastCase> {
        const AHEAD: usize = 4;
        let next = last.map_or(self.order.len(), |l| l.pos as usize + 1);
        let ahead = self.order.get(next..).unwrap_or_default();
        let pos = match ahead.iter().take(AHEAD).position(|(n, _)| **n == *no) {
            Some(k) => (next + k) as u32,
            None => self.position(no)?,
        };
        let (no, ix) = &self.order[pos as usize];
        Some(LastCase {
            no: no.clone(),
            ix: *ix,
            pos,
        })
    }
}

/// Field accessors over one raw row.
pub struct Fields<'r, 's> {
    row: &'r RawRow<'r>,
    sink: &'s mut Sink,
    mapping: &'r Mapping,
    table: Table,
    source: u16,
    /// Keep 存储位置, 文件大小 and 哈希值 (only V06 reads them, and only with `--media-root`).
    pub fixity: bool,
}

/// How many values a multi-valued cell names: its parts between separators (INPUT.md:
/// `;` `；` `,` `，` `、` `/` and line breaks) that hold more than white space. Counted in
/// one pass, without splitting.
///
/// Names and numbers are mostly ASCII letters and digits or CJK characters (UTF-8 lead
/// bytes E4–E9, U+4000–U+9FFF), which are neither separators nor white space: those are
/// stepped over by their bytes (two officer columns of every one of a province-year's
/// twenty million rows), the other characters decoded and tested.
fn count_multi(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut n, mut filled, mut i) = (0, false, 0);
    while i < b.len() {
        let lead = b[i];
        if lead.is_ascii_alphanumeric() {
            filled = true;
            i += 1;
            continue;
        }
        if (0xE4..=0xE9).contains(&lead) {
            filled = true;
            i += 3;
            continue;
        }
        let c = s[i..]
            .chars()
            .next()
            .expect("i is at a character's first byte");
        i += c.len_utf8();
        if matches!(c, ';' | '；' | ',' | '，' | '、' | '\n' | '\r' | '/') {
            n += usize::from(filled);
            filled = false;
        } else if !filled && !c.is_whitespace() {
            filled = true;
        }
    }
    n + usize::from(filled)
}

impl<'r, 's> Fields<'r, 's> {
    /// Wrap a row of table `table`, read from source `source`.
    pub fn new(
        row: &'r RawRow<'r>,
        sink: &'s mut Sink,
        mapping: &'r Mapping,
        table: Table,
        source: u16,
    ) -> Self {
        Fields {
            row,
            sink,
            mapping,
            table,
            source,
            fixity: false,
        }
    }

    #[inline(always)]
    fn cell(&self, i: usize) -> Cell<'r> {
        self.row.cell(i)
    }

    /// Where the row is.
    pub fn at(&self) -> RowRef {
        RowRef {
            source: self.source,
            row: self.row.row,
        }
    }

    /// Text of a cell (numbers rendered without a decimal point).
    pub fn text(&mut self, i: usize) -> Option<Box<str>> {
        let c = &self.cell(i);
        if c.is_empty() {
            return None;
        }
        self.sink.seen(i);
        Some(match c {
            Cell::Number(n) => number_text(*n).into(),
            other => other.raw().into(),
        })
    }

    /// Text of an identifier cell, put in the sink's arena (numbers rendered without a
    /// decimal point). A cell longer than [`MAX_TEXT_BYTES`] is cut and reported.
    pub fn id_text(&mut self, i: usize) -> Option<Text> {
        let c = self.cell(i);
        self.push_id_text(i, &c, 0)
    }

    /// [`Fields::id_text`] of a cell that mostly begins with the 案号 of the row's case
    /// (`case`, as linked): the leading bytes it shares with that 案号 (at most 255, on a
    /// character boundary) are left out of the arena and returned beside the text.
    pub fn id_text_after_case(&mut self, i: usize, case: CaseIx) -> (Option<Text>, u8) {
        let c = self.cell(i);
        let shared = match (&self.sink.last_case, &c) {
            // The 案号 last linked through a text cell is this row's when its case is.
            (Some(last), Cell::Text(t)) if last.ix == case => shared_prefix(&last.no, t),
            _ => 0,
        };
        (self.push_id_text(i, &c, usize::from(shared)), shared)
    }

    /// Put cell `c` of column `i`, less its first `skip` bytes (a character boundary of
    /// a text cell), in the arena; cut and report what is longer than [`MAX_TEXT_BYTES`].
    fn push_id_text(&mut self, i: usize, c: &Cell<'_>, skip: usize) -> Option<Text> {
        if c.is_empty() {
            return None;
        }
        self.sink.seen(i);
        let texts = &mut self.sink.texts;
        let start = texts.len();
        match c {
            Cell::Number(n) => push_number_text(texts, *n),
            other => texts.push_str(&other.raw()[skip..]),
        }
        let mut len = texts.len() - start;
        if len > MAX_TEXT_BYTES {
            let mut cut = start + MAX_TEXT_BYTES;
            while !texts.is_char_boundary(cut) {
                cut -= 1;
            }
            texts.truncate(cut);
            len = cut - start;
            let raw: String = c.raw().chars().take(20).collect();
            let row = self.row.row;
            self.sink
                .bad(row, i, &raw, "内容过长（超过 16 MB），已截断");
        }
        Some(Text::new(self.table, start, len))
    }

    /// Report a blank required cell of column `i` (`value` is what was read of it).
    fn required<T>(&mut self, i: usize, what: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            let row = self.row.row;
            self.sink
                .bad(row, i, "", format!("必填项为空（应为{what}）"));
        }
        value
    }

    /// A required identifier cell: blank is reported.
    pub fn required_id_text(&mut self, i: usize, what: &str) -> Option<Text> {
        let t = self.id_text(i);
        self.required(i, what, t)
    }

    /// A required text cell: blank is reported.
    pub fn required_text(&mut self, i: usize, what: &str) -> Option<Box<str>> {
        let t = self.text(i);
        self.required(i, what, t)
    }

    /// True when the cell holds anything (no copy is made). Inlined: a row builder asks
    /// it of up to nine columns in a row, and the row's slices are then loaded once.
    #[inline]
    pub fn present(&mut self, i: usize) -> bool {
        let filled = !self.row.is_blank(i);
        if filled {
            self.sink.seen(i);
        }
        filled
    }

    /// A date or datetime; a bad cell is reported and left empty.
    pub fn stamp(&mut self, i: usize) -> Option<Stamp> {
        let c = self.cell(i);
        self.stamp_of(i, &c)
    }

    /// A required date: blank is reported too.
    pub fn required_stamp(&mut self, i: usize) -> Option<Stamp> {
        let c = self.cell(i);
        if c.is_empty() {
            let row = self.row.row;
            self.sink
                .bad(row, i, "", "必填项为空（应为日期或日期时间）");
            return None;
        }
        self.stamp_of(i, &c)
    }

    /// [`Fields::stamp`] of cell `c` of column `i`, read once by the caller.
    fn stamp_of(&mut self, i: usize, c: &Cell<'_>) -> Option<Stamp> {
        if c.is_empty() {
            return None;
        }
        self.sink.seen(i);
        let s = parse_stamp(c);
        if s.is_none() {
            let raw = c.raw().into_owned();
            let row = self.row.row;
            self.sink.bad(
                row,
                i,
                &raw,
                "应为日期或日期时间（如 2024-03-05 或 2024-03-05 14:30）",
            );
        }
        s
    }

    /// A yes/no cell; blank is "no" (RULES.md); an unreadable value is reported and "no".
    /// The exports' own words, 是 and 否, and an empty CSV field are settled from the
    /// field's bytes (tens of millions of cells a province-year); any other cell is
    /// decoded and read by [`parse_yes_no`].
    pub fn yes(&mut self, i: usize) -> bool {
        match self.row.csv_bytes(i) {
            Some([]) => return false,
            Some(b) if b == "是".as_bytes() || b == "否".as_bytes() => {
                self.sink.seen(i);
                return b == "是".as_bytes();
            }
            _ => {}
        }
        let c = &self.cell(i);
        if c.is_empty() {
            return false;
        }
        self.sink.seen(i);
        let v = match c {
            Cell::Bool(b) => Some(*b),
            Cell::Number(n) if *n == 1.0 => Some(true),
            Cell::Number(n) if *n == 0.0 => Some(false),
            other => parse_yes_no(&other.raw()),
        };
        v.unwrap_or_else(|| {
            let raw = c.raw().into_owned();
            let row = self.row.row;
            self.sink
                .bad(row, i, &raw, "应为 是/否（Y/N、1/0、true/false、√/空白）");
            false
        })
    }

    /// How many people or numbers a multi-valued cell names (saturating at 255).
    pub fn count(&mut self, i: usize) -> u8 {
        match self.cell(i) {
            Cell::Empty => 0,
            Cell::Text(t) => {
                self.sink.seen(i);
                count_multi(&t).min(255) as u8
            }
            _ => {
                self.sink.seen(i);
                1
            }
        }
    }

    /// A non-negative integer.
    pub fn integer(&mut self, i: usize) -> Option<u64> {
        let c = &self.cell(i);
        let v = match c {
            Cell::Empty => return None,
            Cell::Number(n) if *n >= 0.0 && n.fract() == 0.0 => Some(*n as u64),
            Cell::Text(s) if s.contains([',', '，']) => {
                s.replace([',', '，'], "").trim().parse::<u64>().ok()
            }
            Cell::Text(s) => s.parse::<u64>().ok(),
            _ => None,
        };
        self.sink.seen(i);
        if v.is_none() {
            let raw = c.raw().into_owned();
            let row = self.row.row;
            self.sink.bad(row, i, &raw, "应为非负整数（字节数）");
        }
        v
    }

    /// A value of a closed vocabulary: built-in aliases, then the mapping file's.
    /// Unknown values are counted once per distinct value.
    pub fn vocab<E: Copy>(
        &mut self,
        i: usize,
        field: &'static str,
        builtin: fn(&str) -> Option<E>,
    ) -> Option<E> {
        let c = &self.cell(i);
        if c.is_empty() {
            return None;
        }
        self.sink.seen(i);
        if let Cell::Text(t) = c {
            if let Some(v) = builtin(t) {
                return Some(v);
            }
        }
        let n = normalise_value(&c.raw());
        let v = builtin(&n).or_else(|| self.mapping.value(field, &n).and_then(builtin));
        if v.is_none() {
            let row = self.row.row;
            self.sink.unknown(row, i, &n);
        }
        v
    }

    /// A 文书名称: the catalogue's when it or an alias is in the catalogue; other names are
    /// kept as written (normalised) and counted once per distinct value.
    pub fn doc_type(&mut self, i: usize) -> Option<DocName> {
        let c = &self.cell(i);
        if c.is_empty() {
            let row = self.row.row;
            self.sink.bad(row, i, "", "必填项为空（应为文书名称）");
            return None;
        }
        self.sink.seen(i);
        if let Cell::Text(t) = c {
            if let Some(hit) = DocName::known(t) {
                return Some(hit);
            }
        }
        let n = normalise_value(&c.raw());
        if let Some(hit) = DocName::known(&n) {
            return Some(hit);
        }
        if let Some(m) = self.mapping.value("doc_type", &n) {
            return Some(DocName::new(m));
        }
        if !(n.ends_with("决定书") || n.ends_with("通知书") || n.ends_with("笔录")) {
            let row = self.row.row;
            self.sink.unknown(row, i, &n);
            self.sink.stats[i].1 -= 1;
        }
        Some(DocName::new(&n))
    }

    /// The case a text 案号 cell names, found without copying the cell (the common case on
    /// every row of five tables).
    fn known_case(&mut self, i: usize, map: &CaseMap) -> Option<CaseIx> {
        let Cell::Text(no) = self.cell(i) else {
            return None;
        };
        let ix = match &self.sink.last_case {
            Some(last) if same_text(&last.no, &no) => last.ix,
            last => {
                let found = map.find(&no, last.as_ref())?;
                let ix = found.ix;
                self.sink.last_case = Some(found);
                ix
            }
        };
        self.sink.seen(i);
        Some(ix)
    }

    /// Link a 案号 to a case; an unknown one is recorded as an orphan row (Q01).
    /// Without a case map (a table validated alone) every row links to case 0.
    pub fn link(&mut self, i: usize, cases: Option<&CaseMap>) -> Option<CaseIx> {
        if let Some(ix) = cases.and_then(|m| self.known_case(i, m)) {
            return Some(ix);
        }
        let no = self.required_text(i, "案号")?;
        let Some(map) = cases else { return Some(0) };
        match map.get(&no) {
            Some(ix) => Some(ix),
            None => {
                let row = self.row.row;
                self.sink.orphans.push((no, row));
                None
            }
        }
    }
}

/// Build a 案件登记 row. Rows without a 案号 cannot be identified and are reported.
pub fn case(f: &mut Fields<'_, '_>) -> Option<Case> {
    let case_no = f.required_text(cc::case_no, "案号")?;
    f.required_text(cc::party, "当事人");
    Some(Case {
        agency: f
            .required_text(cc::agency, "执法机关")
            .map(Arc::from)
            .unwrap_or_else(|| "（未填执法机关）".into()),
        category: f.vocab(cc::category, "category", Category::from_builtin),
        procedure: f
            .vocab(cc::procedure, "procedure", Procedure::from_builtin)
            .unwrap_or(Procedure::General),
        origin: f.vocab(cc::origin, "origin", Origin::from_builtin),
        major: f.yes(cc::major),
        urgent: f.yes(cc::urgent),
        opened_at: f.required_stamp(cc::opened_at),
        approved_at: f.stamp(cc::approved_at),
        decided_at: f.stamp(cc::decided_at),
        closed_at: f.stamp(cc::closed_at),
        archived_at: f.stamp(cc::archived_at),
        has_archive_no: f.present(cc::archive_no),
        has_retention: f.present(cc::retention),
        status: f.vocab(cc::status, "status", Status::from_builtin),
        at: f.at(),
        case_no: case_no.into(),
    })
}

/// `a == b`, for texts of a 案号's length (16–32 bytes) without a call into the C
/// library: asked on every row of five tables, nearly always of equal texts. The lengths
/// are compared, then a 16-byte block from each end.
#[inline(always)]
fn same_text(a: &str, b: &str) -> bool {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let n = x.len();
    if n != y.len() {
        return false;
    }
    if !(16..=32).contains(&n) {
        return x == y;
    }
    let block =
        |s: &[u8], at: usize| u128::from_le_bytes(s[at..at + 16].try_into().expect("16 bytes"));
    block(x, 0) == block(y, 0) && block(x, n - 16) == block(y, n - 16)
}

/// Bytes (at most 255) at the start of `a` and `b` that are the same, ending on a
/// character boundary of both.
///
/// Compared eight bytes at a time (a 文书编号 shares some 25 bytes with its 案号, on
/// every one of a province-year's 12 million documents).
fn shared_prefix(a: &str, b: &str) -> u8 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let max = x.len().min(y.len()).min(usize::from(u8::MAX));
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let mut n = 0;
    let n = loop {
        if n + 8 > max {
            break n + x[n..max]
                .iter()
                .zip(&y[n..max])
                .take_while(|(p, q)| p == q)
                .count();
        }
        let diff = word(x, n) ^ word(y, n);
        if diff != 0 {
            break n + (diff.trailing_zeros() / 8) as usize;
        }
        n += 8;
    };
    // Equal bytes up to `n`: a boundary of one is a boundary of the other.
    let n = (0..=n).rev().find(|&k| a.is_char_boundary(k)).unwrap_or(0);
    n as u8
}

/// Build a 文书记录 row linked to its case.
pub fn document(f: &mut Fields<'_, '_>, cases: Option<&CaseMap>) -> Option<Document> {
    let case = f.link(dc::case_no, cases)?;
    let doc_type = f.doc_type(dc::doc_type)?;
    let stage = f
        .vocab(dc::stage, "stage", Stage::from_builtin)
        .or_else(|| stage_of_doc(&doc_type));
    let signature = match f.cell(dc::party_signed) {
        Cell::Empty => Signature::Missing,
        c => {
            f.sink.seen(dc::party_signed);
            let raw = c.raw();
            let s = match parse_yes_no(&raw) {
                Some(_) => raw,
                None => Cow::Owned(normalise_value(&raw)),
            };
            if s.contains("拒") {
                Signature::Refused
            } else {
                match parse_yes_no(&s) {
                    Some(true) => Signature::Signed,
                    Some(false) => Signature::Missing,
                    None => {
                        let row = f.at().row;
                        f.sink.bad(row, dc::party_signed, &s, "应为 是/否/拒签");
                        Signature::Missing
                    }
                }
            }
        }
    };
    let note_mentions_legal_review =
        f.present(dc::note) && matches!(f.cell(dc::note), Cell::Text(t) if t.contains("法制审核"));
    let (doc_no, doc_no_shared) = f.id_text_after_case(dc::doc_no, case);
    let made_at = f.required_stamp(dc::made_at);
    let officers = f.count(dc::officers);
    let cert_nos = f.count(dc::cert_nos);
    let mut flags = DocFlags::empty();
    flags.set(DocFlags::ID_SHOWN, f.yes(dc::id_shown));
    let refusal_witnesses = f.count(dc::refusal_witnesses);
    flags.set(DocFlags::HANDLER_OPINION, f.present(dc::handler_opinion));
    flags.set(DocFlags::REVIEWER, f.present(dc::reviewer));
    flags.set(
        DocFlags::REVIEWER_IS_LEGAL,
        matches!(f.cell(dc::reviewer), Cell::Text(t) if t.contains("法制")),
    );
    let reviewed_at = f.stamp(dc::reviewed_at);
    flags.set(DocFlags::APPROVER, f.present(dc::approver));
    let approved_at = f.stamp(dc::approved_at);
    flags.set(DocFlags::LEGAL_REVIEW, f.present(dc::legal_review));
    flags.set(
        DocFlags::NOTE_MENTIONS_LEGAL_REVIEW,
        note_mentions_legal_review,
    );
    flags.set(
        DocFlags::PRESERVATION_REASON,
        f.present(dc::preservation_reason),
    );
    flags.set(
        DocFlags::PRESERVATION_OBJECT,
        f.present(dc::preservation_object),
    );
    flags.set(
        DocFlags::PRESERVATION_FORM,
        f.present(dc::preservation_form),
    );
    if reviewed_at.is_some() || approved_at.is_some() {
        flags.insert(DocFlags::REVIEW_TIMES);
        let at = f.at();
        f.sink.review_times.push(ReviewTimes {
            at,
            reviewed_at,
            approved_at,
        });
    }
    Some(Document {
        case,
        stage,
        doc_no,
        doc_no_shared,
        made_at,
        officers,
        cert_nos,
        signature,
        refusal_witnesses,
        flags,
        name_rank: 0,
        at: f.at(),
        doc_type,
    })
}

/// Build a 送达记录 row linked to its case.
pub fn service(f: &mut Fields<'_, '_>, cases: Option<&CaseMap>) -> Option<Service> {
    let case = f.link(sc::case_no, cases)?;
    let doc_type = f.doc_type(sc::doc_type)?;
    let method = f.vocab(sc::method, "method", ServiceMethod::from_builtin);
    if method.is_none() && f.cell(sc::method).is_empty() {
        let row = f.at().row;
        f.sink
            .bad(row, sc::method, "", "必填项为空（应为送达方式）");
    }
    f.present(sc::recipient);
    f.present(sc::signed_by);
    Some(Service {
        case,
        doc_type,
        method,
        served_at: f.required_stamp(sc::served_at),
        has_witness: f.present(sc::witness),
        has_refusal_reason: f.present(sc::refusal_reason),
        has_tracking_no: f.present(sc::tracking_no),
        receipt: f.yes(sc::receipt),
        has_delegation_reason: f.present(sc::delegation_reason),
        has_notice_medium: f.present(sc::notice_medium),
        has_prior_attempts: f.present(sc::prior_attempts),
        at: f.at(),
    })
}

/// Build a 执法活动 row linked to its case.
pub fn activity(f: &mut Fields<'_, '_>, cases: Option<&CaseMap>) -> Option<Activity> {
    let activity_id = f.required_id_text(at::activity_id, "活动编号")?;
    let case = f.link(at::case_no, cases)?;
    let kind = f.vocab(at::kind, "activity_kind", ActivityKind::from_builtin);
    f.present(at::cert_nos);
    Some(Activity {
        activity_id,
        case,
        kind,
        started_at: f.required_stamp(at::started_at),
        ended_at: f.required_stamp(at::ended_at),
        has_place: f.present(at::place),
        officers: f.count(at::officers),
        remote: f.yes(at::remote),
        returned_at: f.stamp(at::returned_at),
        has_no_av_reason: f.present(at::no_av_reason),
        at: f.at(),
    })
}

/// Build a 音像记录索引 row; a blank or unknown 案号 keeps the row, unlinked.
pub fn media(f: &mut Fields<'_, '_>, cases: Option<&CaseMap>) -> Option<Media> {
    let media_id = f.required_id_text(mc::media_id, "文件编号")?;
    let (case, unknown_case) = match cases.and_then(|m| f.known_case(mc::case_no, m)) {
        Some(ix) => (Some(ix), false),
        // Not a text cell that names a case: a number-typed 案号, an unknown or blank one.
        None => match (cases, f.text(mc::case_no)) {
            (Some(map), Some(no)) => match map.get(&no) {
                Some(ix) => (Some(ix), false),
                None => {
                    let row = f.at().row;
                    f.sink.orphans.push((no, row));
                    (None, true)
                }
            },
            _ => (None, false),
        },
    };
    // The file columns are validated either way; they are held only for `--media-root`.
    let mut flags = MediaFlags::empty();
    if f.fixity {
        let file = MediaFile {
            at: f.at(),
            location: f.text(mc::location),
            size_bytes: f.integer(mc::size_bytes),
            sha256: f
                .text(mc::sha256)
                .map(|s| s.to_ascii_lowercase().into_boxed_str()),
        };
        flags.insert(MediaFlags::FILE);
        f.sink.media_files.push(file);
    } else {
        f.present(mc::location);
        f.integer(mc::size_bytes);
        f.present(mc::sha256);
    }
    let activity_id = f.id_text(mc::activity_id);
    flags.set(MediaFlags::UNKNOWN_CASE, unknown_case);
    flags.set(MediaFlags::DEVICE, f.present(mc::device_id));
    flags.set(MediaFlags::OFFICERS, f.present(mc::officers));
    flags.set(MediaFlags::PARTY, f.present(mc::party));
    flags.set(MediaFlags::HANDLER, f.present(mc::handler));
    let started_at = f.required_stamp(mc::started_at);
    let ended_at = f.required_stamp(mc::ended_at);
    let stored_at = f.required_stamp(mc::stored_at);
    flags.set(MediaFlags::OPENING_STATEMENT, f.yes(mc::opening_statement));
    flags.set(MediaFlags::RESUME_REASON, f.present(mc::resume_reason));
    flags.set(MediaFlags::EVIDENCE, f.yes(mc::evidence));
    flags.set(MediaFlags::MAKER, f.present(mc::maker));
    flags.set(MediaFlags::PROVES, f.present(mc::proves));
    flags.set(MediaFlags::METHOD, f.present(mc::method));
    flags.set(MediaFlags::PLACE, f.present(mc::place));
    Some(Media {
        media_id,
        case,
        activity_id,
        started_at,
        ended_at,
        stored_at,
        flags,
        at: f.at(),
    })
}

/// Build a 调阅复制记录 row linked to its case.
pub fn access(f: &mut Fields<'_, '_>, cases: Option<&CaseMap>) -> Option<Access> {
    let case = f.link(ac::case_no, cases)?;
    let kind = f.vocab(ac::kind, "access_kind", AccessKind::from_builtin);
    Some(Access {
        case,
        kind,
        requester: f.required_text(ac::requester, "申请人").unwrap_or_default(),
        at_time: f.required_stamp(ac::at),
        has_approver: f.present(ac::approver),
        approved_at: f.stamp(ac::approved_at),
        at: f.at(),
    })
}

/// [`Row`] for a table row: `at` is where it lies in its file; the identifier texts
/// named (a `Text`, or after `;` an `Option<Text>`) move with the arena.
macro_rules! row {
    ($t:ty: $($text:ident),* $(; $($opt:ident),*)?) => {
        impl Row for $t {
            fn shift_texts(&mut self, _by: usize) {
                $(self.$text = self.$text.shifted(_by);)*
                $($(self.$opt = self.$opt.map(|t| t.shifted(_by));)*)?
            }
            fn at_mut(&mut self) -> &mut RowRef {
                &mut self.at
            }
        }
    };
}
row!(Case:);
row!(Service:);
row!(Access:);
row!(Document:; doc_no);
row!(Activity: activity_id);
row!(Media: media_id; activity_id);

#[cfg(test)]
mod tests {
    use super::{count_multi, same_text, shared_prefix, CaseMap, LastCase};
    use crate::model::Case;

    /// A case of the register with 案号 `no` and nothing else filled.
    fn registered(no: &str) -> Case {
        Case::bare("测试局", no)
    }

    #[test]
    fn cases_are_found_after_the_last_one_or_by_their_number() {
        let register: Vec<Case> = ["甲1", "甲2", "甲3", "甲2", "甲1", "甲2"]
            .map(registered)
            .into();
        let (mut map, repeated) = CaseMap::new(&register);
        let dups: Vec<usize> = (0..register.len()).filter(|&i| repeated[i]).collect();
        assert_eq!(
            dups,
            [3, 4, 5],
            "a 案号 is registered once, at its first row"
        );
        assert!(!map.is_empty());
        // Report order differs from the register's: 甲3 first, then 甲1 and 甲2 (cases not
        // from the register's rows: looked up).
        let cases: Vec<Case> = ["甲3", "甲1", "甲2"].map(registered).into();
        map.set_indices(&cases);
        let found = |no: &str, last: Option<&LastCase>| {
            let l = map.find(no, last).expect("a case of the register");
            assert_eq!(Some(l.ix), map.get(no));
            assert_eq!(&*l.no, no);
            l
        };
        // In the register's order, backwards, skipping and repeating: the same cases.
        let mut last = None;
        for (no, ix) in [
            ("甲1", 1),
            ("甲2", 2),
            ("甲3", 0),
            ("甲1", 1),
            ("甲3", 0),
            ("甲3", 0),
        ] {
            let l = found(no, last.as_ref());
            assert_eq!(l.ix, ix, "{no}");
            last = Some(l);
        }
        assert!(map.find("乙1", last.as_ref()).is_none());
        assert!(map.find("甲", None).is_none());
        assert_eq!(map.get("甲4"), None);
    }

    #[test]
    fn every_case_of_a_large_register_is_found() {
        // Enough cases for the search to start away from each hash's place and widen.
        let nos: Vec<String> = (0..20_000).map(|i| format!("测罚〔2024〕{i}号")).collect();
        let mut register: Vec<Case> = nos.iter().map(|n| registered(n)).collect();
        register.push(registered(&nos[7]));
        for (row, c) in register.iter_mut().enumerate() {
            c.at.row = row as u32 + 2;
        }
        let (mut map, repeated) = CaseMap::new(&register);
        let dups: Vec<usize> = (0..register.len()).filter(|&i| repeated[i]).collect();
        assert_eq!(dups, [20_000]);
        // The register's own rows, reordered: matched by their rows.
        register.pop();
        register.reverse();
        map.set_indices(&register);
        for (i, no) in nos.iter().enumerate() {
            assert_eq!(map.get(no), Some((nos.len() - 1 - i) as u32), "{no}");
        }
        assert_eq!(map.get("测罚〔2024〕20000号"), None);
        assert_eq!(map.get(""), None);
    }

    #[test]
    fn texts_are_the_same_at_every_length() {
        // Every length to 48 bytes, differing at every place (ASCII, so any byte may
        // change), and of differing lengths.
        let long = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL";
        for n in 0..=long.len() {
            let a = &long[..n];
            assert!(same_text(a, a));
            assert!(!same_text(a, &long[..n.saturating_sub(1)]) || n == 0);
            for k in 0..n {
                let mut b = a.as_bytes().to_vec();
                b[k] ^= 1;
                assert!(!same_text(a, std::str::from_utf8(&b).unwrap()), "{n} {k}");
            }
        }
        assert!(!same_text("测罚〔2024〕1号", "测罚〔2024〕1号 "));
    }

    #[test]
    fn shared_prefixes_end_on_character_boundaries() {
        assert_eq!(shared_prefix("测罚〔2024〕1号", "测罚〔2024〕1号-07"), 20);
        assert_eq!(shared_prefix("测罚〔2024〕1号", "测罚〔2024〕1号"), 20);
        assert_eq!(shared_prefix("测罚〔2024〕1号", "测罚〔2024〕12号"), 17);
        // 罚 (E7 BD 9A) and 立 (E7 AB 8B) share a byte, not a character.
        assert_eq!(shared_prefix("测罚〔2024〕1号", "测立〔2024〕1号"), 3);
        assert_eq!(shared_prefix("测罚〔2024〕1号", "BC-1"), 0);
        assert_eq!(shared_prefix("", "BC-1"), 0);
        let long = "号".repeat(200);
        let n = shared_prefix(&long, &long);
        assert_eq!(n, 255, "at most 255 bytes, and 255 is a boundary of 号×85");
        assert_eq!(shared_prefix(&format!("a{long}"), &format!("a{long}")), 253);
    }

    #[test]
    fn multi_valued_cells_count_their_filled_parts() {
        assert_eq!(count_multi("许刚"), 1);
        assert_eq!(count_multi("许刚;万红"), 2);
        assert_eq!(count_multi("许刚；万红、李明，王芳/赵六\n钱七"), 6);
        assert_eq!(count_multi(" 许刚 ; ;\u{3000};万红,"), 2);
        assert_eq!(count_multi(";;"), 0);
        assert_eq!(count_multi("11010823469;11010823543"), 2);
        // Every character class, against a count over the split parts.
        let parts = [
            "许刚", "A001", " ", "\u{3000}", "\u{a0}", "é", "😀", "\u{2028}", "-", "", "執",
        ];
        let seps = [";", "；", ",", "，", "、", "/", "\n", "\r", " "];
        for k in 0..parts.len() * seps.len() * 3 {
            let s: String = (0..k % 7 + 1)
                .map(|j| {
                    let p = parts[(k + j * 5) % parts.len()];
                    let sep = seps[(k * 3 + j) % seps.len()];
                    format!("{p}{sep}")
                })
                .collect();
            let expected = s
                .split([';', '；', ',', '，', '、', '/', '\n', '\r'])
                .filter(|p| !p.trim().is_empty())
                .count();
            assert_eq!(count_multi(&s), expected, "{s:?}");
        }
    }
}
