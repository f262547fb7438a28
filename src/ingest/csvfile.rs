//! CSV files. The encoding is detected on the first megabytes; then the file is mapped and
//! taken in blocks cut at record boundaries, each block split into pieces that are
//! decoded, tokenised and built into rows in parallel, while the next block is cut.
//! (Files that must be rewritten as they are read, UTF-16, web-page tables and bare `\r`
//! line breaks, and every file on systems other than Unix, are read into buffers instead.)
//!
//! Tokenising: a line without a quote character is split on the delimiter in one pass
//! that finds delimiters, line break and quotes together; a line with a quote is handed
//! to `csv_core`, which also takes quoted line breaks and
//! doubled quotes. Every record is one row as Excel numbers them: blank lines count.

use super::mapping::Mapping;
use super::reader::{
    find_header, take_row, Collected, Header, RawRow, Row, Sink, HEADER_SEARCH_ROWS,
};
use crate::error::{Error, Result};
use crate::model::Table;
use memchr::{memchr, memchr_iter, memrchr};
use memmap2::Mmap;
use rayon::prelude::*;
use std::borrow::Cow;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// How a CSV file's bytes are decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvEncoding {
    /// UTF-8, with or without BOM.
    Utf8,
    /// GBK / GB18030.
    Gb18030,
    /// Lines in UTF-8 and lines in GBK in one file: each line is decoded on its own.
    Mixed,
    /// UTF-16 with its BOM (Excel's "Unicode text"), re-encoded to UTF-8 as it is read.
    Utf16,
    /// A web page or XML spreadsheet's table, converted to UTF-8 CSV as it is read
    /// (`super::html`).
    Markup,
}

impl CsvEncoding {
    /// Chinese label for the run parameters.
    pub fn label(self) -> &'static str {
        match self {
            CsvEncoding::Utf8 => "UTF-8",
            CsvEncoding::Gb18030 => "GBK/GB18030",
            CsvEncoding::Mixed => "混合（UTF-8 与 GBK）",
            CsvEncoding::Utf16 => "UTF-16",
            CsvEncoding::Markup => "网页或 XML 表格，已转换",
        }
    }

    /// Decode a run of whole lines. UTF-8 that does not validate (a `Mixed` file, or a
    /// GBK line past the sampled start of a UTF-8 file) is decoded line by line.
    fn decode(self, raw: &[u8]) -> Cow<'_, str> {
        match self {
            CsvEncoding::Gb18030 => encoding_rs::GB18030.decode_without_bom_handling(raw).0,
            // UTF-8 as read, or re-encoded to it (UTF-16, markup).
            _ => match simdutf8::basic::from_utf8(raw) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => {
                    let mut out = String::with_capacity(raw.len() + raw.len() / 2);
                    for line in raw.split_inclusive(|b| *b == b'\n') {
                        match std::str::from_utf8(line) {
                            Ok(s) => out.push_str(s),
                            Err(_) => out.push_str(
                                &encoding_rs::GB18030.decode_without_bom_handling(line).0,
                            ),
                        }
                    }
                    Cow::Owned(out)
                }
            },
        }
    }
}

/// The text of `bytes`, a whole file's without a byte-order mark, decoded as a CSV file's
/// would be: the encoding detected as [`detect_encoding`] does, a mixed file line by line.
pub(super) fn decode_detected(bytes: &[u8]) -> Cow<'_, str> {
    detect_encoding(bytes, true).decode(bytes)
}

/// Detect the encoding of a sample: BOM first, then "is it valid UTF-8", then GB18030
/// (CRATES.md: trying GB18030 first garbles UTF-8 silently). A sample whose lines are
/// partly valid UTF-8 and partly not is `Mixed`. `complete` says the sample is the whole
/// file, so a character cut at its end is an error rather than the sample's edge.
fn detect_encoding(sample: &[u8], complete: bool) -> CsvEncoding {
    // The whole sample (4 MiB) is validated with SIMD: std's scalar check of the six
    // samples was some 3% of a county-year audit's instructions.
    match simdutf8::compat::from_utf8(sample) {
        Ok(_) => return CsvEncoding::Utf8,
        Err(e) if e.error_len().is_none() && !complete => return CsvEncoding::Utf8,
        Err(_) => {}
    }
    let mut utf8_lines = 0usize;
    let mut other_lines = 0usize;
    for line in sample.split(|b| *b == b'\n') {
        if line.is_ascii() {
            continue;
        }
        if std::str::from_utf8(line).is_ok() {
            utf8_lines += 1;
        } else {
            other_lines += 1;
        }
        if utf8_lines > 0 && other_lines > 0 {
            return CsvEncoding::Mixed;
        }
    }
    if utf8_lines > 0 && other_lines == 0 {
        // Only the sample's last, cut line failed.
        return CsvEncoding::Utf8;
    }
    CsvEncoding::Gb18030
}

/// Guess the delimiter from the first lines: the most frequent of `,` `\t` `;` `|`.
fn sniff_delimiter(bytes: &[u8]) -> u8 {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let mut best = (b',', 0usize);
    for d in [b',', b'\t', b';', b'|'] {
        let n = memchr_iter(d, head).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// Bytes examined to detect the encoding and the delimiter.
const SAMPLE_BYTES: usize = 4 << 20;
/// Bytes read per block.
const BLOCK_BYTES: usize = 4 << 20;
/// Bytes per parallel piece of a block.
const PIECE_BYTES: usize = 512 << 10;
/// Bytes of a short line of an export, for reserving a piece's rows.
const MIN_LINE_BYTES: usize = 64;

/// A block grows up to this size looking for a record boundary (a quoted field may hold
/// line breaks); past it the block is cut at its last line break.
const MAX_BLOCK_BYTES: usize = 64 << 20;

/// Number of quote characters in `b`.
fn quotes(b: &[u8]) -> usize {
    memchr_iter(b'"', b).count()
}

/// End of the last whole record of `buf` (which starts a record and holds `before` quote
/// characters): just past the last line break with an even number of quotes before it.
fn last_record_end(buf: &[u8], mut before: usize) -> Option<usize> {
    let mut end = buf.len();
    while let Some(p) = memrchr(b'\n', &buf[..end]) {
        before -= quotes(&buf[p..end]);
        if before.is_multiple_of(2) {
            return Some(p + 1);
        }
        end = p;
    }
    None
}

/// Cut `buf` (which starts a record) into pieces of about `size` bytes, each starting a
/// record (quotes are counted to find the cuts, unless `buf` is known to hold none).
fn pieces(buf: &[u8], size: usize, quote_free: bool) -> Vec<Range<usize>> {
    let quotes = |b: &[u8]| if quote_free { 0 } else { quotes(b) };
    let mut out = Vec::with_capacity(buf.len() / size + 1);
    let mut start = 0;
    while buf.len() - start > size {
        let mut p = start + size;
        let mut odd = !quotes(&buf[start..p]).is_multiple_of(2);
        let cut = loop {
            let Some(i) = memchr(b'\n', &buf[p..]) else {
                break None;
            };
            let nl = p + i;
            odd ^= !quotes(&buf[p..nl]).is_multiple_of(2);
            if !odd {
                break Some(nl + 1);
            }
            p = nl + 1;
        };
        match cut {
            Some(c) => {
                out.push(start..c);
                start = c;
            }
            None => break,
        }
    }
    if start < buf.len() {
        out.push(start..buf.len());
    }
    out
}

/// One record: its fields as byte ranges of `text`.
pub struct Record<'t> {
    /// The line, or the unquoted fields of a quoted record laid end to end.
    pub text: &'t str,
    /// Field ranges in `text`.
    pub fields: &'t [(u32, u32)],
}

/// Where a line stops: at its line break (or the end of the text), or at a quote.
enum Stop {
    Line(usize),
    Quote,
}

/// The delimiters, line breaks and quotes among 16 bytes, one bit each (SSE2, part of
/// every x86-64 processor).
#[cfg(target_arch = "x86_64")]
#[inline]
fn marks(chunk: &[u8; 16], delimiter: u8) -> u64 {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: the unaligned load reads exactly the 16 bytes of `chunk`; SSE2 is in the
    // x86-64 baseline, so the instructions exist on every processor this runs on.
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr().cast());
        let eq = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
        _mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(eq(delimiter), eq(b'\n')),
            eq(b'"'),
        )) as u16 as u64
    }
}

/// [`marks`] among 32 bytes (AVX2).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn marks_wide(chunk: &[u8; 32], delimiter: u8) -> u64 {
    use std::arch::x86_64::{
        _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
        _mm256_set1_epi8,
    };
    // SAFETY: the unaligned load reads exactly the 32 bytes of `chunk`.
    let v = unsafe { _mm256_loadu_si256(chunk.as_ptr().cast()) };
    let eq = |b: u8| _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8));
    _mm256_movemask_epi8(_mm256_or_si256(
        _mm256_or_si256(eq(delimiter), eq(b'\n')),
        eq(b'"'),
    )) as u32 as u64
}

/// The delimiters, line breaks and quotes among 16 bytes, one bit each.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn marks(chunk: &[u8; 16], delimiter: u8) -> u64 {
    chunk.iter().enumerate().fold(0, |m, (k, &b)| {
        m | (u64::from(b == delimiter || b == b'\n' || b == b'"') << k)
    })
}

/// Splits decoded text into records.
struct Tokens<'t> {
    text: &'t str,
    pos: usize,
    delimiter: u8,
    /// The processor has AVX2: lines are split 32 bytes at a time.
    #[cfg(target_arch = "x86_64")]
    wide: bool,
    /// Built at the first quoted record (building its automaton costs more than
    /// splitting a piece of plain lines); its buffers below grow at need from empty.
    core: Option<csv_core::Reader>,
    fields: Vec<(u32, u32)>,
    unquoted: Vec<u8>,
    ends: Vec<usize>,
}

impl<'t> Tokens<'t> {
    fn new(text: &'t str, delimiter: u8) -> Tokens<'t> {
        Tokens {
            text,
            pos: 0,
            delimiter,
            #[cfg(target_arch = "x86_64")]
            wide: is_x86_feature_detected!("avx2"),
            core: None,
            fields: Vec::with_capacity(32),
            unquoted: Vec::new(),
            ends: Vec::new(),
        }
    }

    /// Byte offset of the next record (the text's length after its last record, also
    /// when that record ends without a line break).
    fn offset(&self) -> usize {
        self.pos.min(self.text.len())
    }

    /// The next record, or `None` at the end of the text.
    ///
    /// A line is split in one pass, 16 bytes at a time, or 32 where the processor has
    /// AVX2 (delimiters, line break and quotes found together: ASCII bytes never occur
    /// inside a UTF-8 character); a quote hands the record to [`Tokens::quoted`].
    fn next(&mut self) -> Option<Record<'_>> {
        #[cfg(target_arch = "x86_64")]
        if self.wide {
            // SAFETY: `wide` is set only where the processor has AVX2.
            return unsafe { self.next_wide() };
        }
        self.split(marks)
    }

    /// [`Tokens::next`] 32 bytes at a time.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn next_wide(&mut self) -> Option<Record<'_>> {
        self.split(|c: &[u8; 32], d| marks_wide(c, d))
    }

    /// [`Tokens::next`] with `marks` finding the marks among `W` bytes.
    #[inline(always)]
    fn split<const W: usize>(&mut self, marks: impl Fn(&[u8; W], u8) -> u64) -> Option<Record<'_>> {
        let bytes = self.text.as_bytes();
        if self.pos >= bytes.len() {
            return None;
        }
        let start = self.pos;
        let delimiter = self.delimiter;
        self.fields.clear();
        let mut s = start;
        let mut at = |p: usize, fields: &mut Vec<(u32, u32)>| -> Option<Stop> {
            match bytes[p] {
                b'\n' => Some(Stop::Line(p)),
                b'"' => Some(Stop::Quote),
                _ => {
                    fields.push((s as u32, p as u32));
                    s = p + 1;
                    None
                }
            }
        };
        let stop = 'scan: {
            let mut i = start;
            while i < bytes.len() {
                let mut m = match bytes.get(i..i + W) {
                    Some(chunk) => marks(chunk.try_into().expect("W bytes"), delimiter),
                    // The last bytes of the text, padded with bytes that mark nothing.
                    None => {
                        let mut tail = [0u8; W];
                        tail[..bytes.len() - i].copy_from_slice(&bytes[i..]);
                        marks(&tail, delimiter) & ((1 << (bytes.len() - i)) - 1)
                    }
                };
                while m != 0 {
                    if let Some(stop) = at(i + m.trailing_zeros() as usize, &mut self.fields) {
                        break 'scan stop;
                    }
                    m &= m - 1;
                }
                i += W;
            }
            Stop::Line(bytes.len())
        };
        let end = match stop {
            Stop::Line(end) => end,
            Stop::Quote => return self.quoted_or_plain(start),
        };
        self.pos = end + 1;
        let last = if end > s && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        self.fields.push((s as u32, last as u32));
        Some(Record {
            text: self.text,
            fields: &self.fields,
        })
    }

    /// A record with a quote: `csv_core`'s reading of it, or, when its unquoted bytes are
    /// not UTF-8, the line as it stands.
    fn quoted_or_plain(&mut self, start: usize) -> Option<Record<'_>> {
        match self.quoted(start) {
            Some(n) => {
                // `quoted` checked these bytes.
                let text = std::str::from_utf8(&self.unquoted[..n]).unwrap_or_default();
                Some(Record {
                    text,
                    fields: &self.fields,
                })
            }
            None => {
                let bytes = self.text.as_bytes();
                let nl = memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
                self.pos = nl + 1;
                Some(self.plain(start, nl))
            }
        }
    }

    /// A line read as it stands, split on the delimiter.
    fn plain(&mut self, start: usize, nl: usize) -> Record<'_> {
        let bytes = self.text.as_bytes();
        let end = if nl > start && bytes[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        self.fields.clear();
        let mut s = start;
        for d in memchr_iter(self.delimiter, &bytes[start..end]) {
            self.fields.push((s as u32, (start + d) as u32));
            s = start + d + 1;
        }
        self.fields.push((s as u32, end as u32));
        Record {
            text: self.text,
            fields: &self.fields,
        }
    }

    /// A record with quotes, read by `csv_core` into `unquoted`; returns its length, or
    /// `None` when the unquoted bytes are not UTF-8 (then the line is read as it stands).
    fn quoted(&mut self, start: usize) -> Option<usize> {
        use csv_core::ReadRecordResult as R;
        let input = &self.text.as_bytes()[start..];
        let delimiter = self.delimiter;
        let core = self
            .core
            .get_or_insert_with(|| csv_core::ReaderBuilder::new().delimiter(delimiter).build());
        let (mut nin, mut nout, mut nend) = (0, 0, 0);
        loop {
            let (res, i, o, e) = core.read_record(
                &input[nin..],
                &mut self.unquoted[nout..],
                &mut self.ends[nend..],
            );
            nin += i;
            nout += o;
            nend += e;
            match res {
                R::InputEmpty => {}
                R::OutputFull => self.unquoted.resize((self.unquoted.len() * 2).max(4096), 0),
                R::OutputEndsFull => self.ends.resize((self.ends.len() * 2).max(64), 0),
                R::Record | R::End => break,
            }
        }
        // csv_core may stop after a `\r` and leave the `\n` of the line break.
        let mut next = start + nin;
        let bytes = self.text.as_bytes();
        if nin > 0 && bytes[next - 1] != b'\n' {
            if bytes.get(next) == Some(&b'\r') {
                next += 1;
            }
            if bytes.get(next) == Some(&b'\n') {
                next += 1;
            }
        }
        core.reset();
        std::str::from_utf8(&self.unquoted[..nout]).ok()?;
        self.pos = next.max(start + 1);
        self.fields.clear();
        let mut s = 0;
        for &e in &self.ends[..nend] {
            self.fields.push(excel_text(&self.unquoted, s, e));
            s = e;
        }
        Some(nout)
    }
}

/// The field `text[s..e]` without the wrapping of Excel's text formula: platforms write
/// `="0012"` (in CSV `"=""0012"""`) so that Excel shows a 案号 or 文书编号 as the text it
/// is, without dropping leading zeros or turning it into a number or date, and Excel shows
/// `0012`; so does trailcheck. Such a field always holds a quote, so only records read by
/// `csv_core` are looked at, and the plain path pays nothing.
fn excel_text(text: &[u8], s: usize, e: usize) -> (u32, u32) {
    match text.get(s..e) {
        Some([b'=', b'"', .., b'"']) if e - s >= 3 => ((s + 2) as u32, (e - 1) as u32),
        _ => (s as u32, e as u32),
    }
}

/// Bare `\r` line breaks (old Mac exports) as `\n`.
fn cr_to_lf(bytes: &mut [u8]) {
    bytes
        .iter_mut()
        .filter(|b| **b == b'\r')
        .for_each(|b| *b = b'\n');
}

/// Where a block ends in `buf` (which starts a record and is not the file's end): after
/// its last whole record, or, when `buf` has grown to [`MAX_BLOCK_BYTES`] without one,
/// after its last line break; and whether the block holds no quote character (then its
/// pieces are cut without counting quotes again). `None`: read on.
fn block_end(buf: &[u8]) -> Option<(usize, bool)> {
    let n = quotes(buf);
    match last_record_end(buf, n) {
        Some(end) => Some((end, n == 0)),
        None => (buf.len() >= MAX_BLOCK_BYTES)
            .then(|| (memrchr(b'\n', buf).map_or(buf.len(), |p| p + 1), false)),
    }
}

/// A block of a file: its bytes, and whether they are known to hold no quote character.
type Block<'m> = (Cow<'m, [u8]>, bool);

/// The file handed out block by block, each block ending on a record boundary.
enum Blocks<'m> {
    /// The mapped file, handed out up to `pos`.
    Mapped { map: &'m Mmap, pos: usize },
    /// Read through `src`; `carry` holds the bytes read past the last block's end.
    Read {
        src: Box<dyn Read + Send>,
        carry: Vec<u8>,
        eof: bool,
        /// Line breaks are bare `\r` (old Mac exports): read as `\n`.
        cr_only: bool,
    },
}

impl<'m> Blocks<'m> {
    /// The next block: a slice of the mapped file, or read into `buf` (reused); `None`
    /// at the end of the file.
    fn next(&mut self, buf: Vec<u8>) -> std::io::Result<Option<Block<'m>>> {
        let block = match self {
            Blocks::Mapped { map, pos } => {
                let map: &'m Mmap = map;
                let rest = &map[*pos..];
                let mut want = BLOCK_BYTES;
                let (end, quote_free) = loop {
                    if rest.len() <= want {
                        break (rest.len(), false);
                    }
                    if let Some(cut) = block_end(&rest[..want]) {
                        break cut;
                    }
                    want += BLOCK_BYTES;
                };
                *pos += end;
                (end > 0).then_some((Cow::Borrowed(&rest[..end]), quote_free))
            }
            Blocks::Read {
                src,
                carry,
                eof,
                cr_only,
            } => read_block(src, carry, eof, *cr_only, buf)?
                .map(|(b, quote_free)| (Cow::Owned(b), quote_free)),
        };
        Ok(block)
    }

    /// A block is built: its pages of the mapped file leave the process's memory (they
    /// stay in the page cache), so a mapped file never counts more than a few blocks
    /// towards the process's resident memory. Returns the block's buffer for reuse.
    fn done(&self, block: Cow<'m, [u8]>) -> Vec<u8> {
        match (block, self) {
            (Cow::Owned(buf), _) => buf,
            (Cow::Borrowed(b), Blocks::Mapped { map, .. }) => {
                release(map, b);
                Vec::new()
            }
            (Cow::Borrowed(_), Blocks::Read { .. }) => Vec::new(),
        }
    }
}

/// The next block read from `src` into `buf` (after the bytes `carry` kept from the last
/// read), and whether it is known to hold no quote; `None` at the end of the file.
fn read_block(
    src: &mut Box<dyn Read + Send>,
    carry: &mut Vec<u8>,
    eof: &mut bool,
    cr_only: bool,
    mut buf: Vec<u8>,
) -> std::io::Result<Option<(Vec<u8>, bool)>> {
    buf.clear();
    if buf.capacity() < carry.len() {
        std::mem::swap(&mut buf, carry);
    } else {
        buf.append(carry);
    }
    let mut want = BLOCK_BYTES;
    loop {
        if !*eof && buf.len() < want {
            let old = buf.len();
            buf.reserve(want - old);
            src.take((want - old) as u64).read_to_end(&mut buf)?;
            if cr_only {
                cr_to_lf(&mut buf[old..]);
            }
            *eof = buf.len() < want;
        }
        if buf.is_empty() {
            return Ok(None);
        }
        if *eof {
            return Ok(Some((buf, false)));
        }
        if let Some((cut, quote_free)) = block_end(&buf) {
            carry.extend_from_slice(&buf[cut..]);
            buf.truncate(cut);
            return Ok(Some((buf, quote_free)));
        }
        want = buf.len() + BLOCK_BYTES;
    }
}

/// Drop the pages of `b`, a slice of `map`, from the process (they stay in the page
/// cache).
#[cfg(unix)]
pub(super) fn release(map: &Mmap, b: &[u8]) {
    let offset = b.as_ptr() as usize - map.as_ptr() as usize;
    // SAFETY: the range lies in the map. Dropping the pages of a read-only shared file
    // mapping changes no byte the process sees: a later read faults them in again.
    let _ =
        unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, b.len()) };
}

/// Files are mapped on Unix only ([`CsvTable::map`]).
#[cfg(not(unix))]
pub(super) fn release(_: &Mmap, _: &[u8]) {}

/// A CSV file opened for reading: encoding and delimiter detected on its first megabytes,
/// then handed out block by block: mapped, each block's pages released once it is built, or
/// read into reused buffers; never loaded whole, so memory stays flat for any file size.
pub struct CsvTable {
    path: PathBuf,
    /// Detected encoding.
    pub encoding: CsvEncoding,
    delimiter: u8,
    /// Leading bytes to skip (a UTF-8 BOM).
    skip: usize,
    /// Line breaks are bare `\r`.
    cr_only: bool,
    /// Where the rest of the bytes come from.
    input: Input,
}

/// The bytes of a CSV file not yet handed to [`Blocks`].
enum Input {
    /// The file's first bytes, read for detection and kept to be the start of the first
    /// block (the file is not read twice), and the file positioned after them.
    File(Vec<u8>, std::fs::File),
    /// A UTF-16 file re-encoded, or a markup table converted, to UTF-8 CSV in memory.
    Converted(Vec<u8>),
    /// Handed to [`Blocks`] (by [`CsvTable::read`], which consumes the table).
    Taken,
}

impl CsvTable {
    /// Open a CSV file and detect its encoding: BOM first, then "is the sample valid
    /// UTF-8", then GB18030; a sample mixing both is `Mixed` (CRATES.md).
    pub fn open(path: &Path) -> Result<CsvTable> {
        let label = path.display();
        let read_err = |e: std::io::Error| {
            Error::Input(format!("无法读取文件 {label}：{}", crate::error::io_zh(&e)))
        };
        let mut f = std::fs::File::open(path).map_err(|e| {
            Error::Input(format!("无法打开文件 {label}：{}", crate::error::io_zh(&e)))
        })?;
        let mut sample = Vec::with_capacity(SAMPLE_BYTES);
        (&mut f)
            .take(SAMPLE_BYTES as u64)
            .read_to_end(&mut sample)
            .map_err(read_err)?;
        let complete = sample.len() < SAMPLE_BYTES;
        let mut table = CsvTable {
            path: path.to_path_buf(),
            encoding: CsvEncoding::Utf8,
            delimiter: b',',
            skip: 0,
            cr_only: false,
            input: Input::Taken,
        };
        if super::html::sniff(&sample) == super::html::Content::Markup {
            f.read_to_end(&mut sample).map_err(read_err)?;
            table.encoding = CsvEncoding::Markup;
            table.input = Input::Converted(super::html::to_csv(&sample));
            return Ok(table);
        }
        if let Some((enc, _)) = encoding_rs::Encoding::for_bom(&sample)
            .filter(|(e, _)| *e == encoding_rs::UTF_16LE || *e == encoding_rs::UTF_16BE)
        {
            f.read_to_end(&mut sample).map_err(read_err)?;
            let bytes = enc.decode(&sample).0.into_owned().into_bytes();
            table.encoding = CsvEncoding::Utf16;
            table.delimiter = sniff_delimiter(&bytes);
            table.cr_only = memchr(b'\n', &bytes).is_none();
            table.input = Input::Converted(bytes);
            return Ok(table);
        }
        table.skip = if sample.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let body = &sample[table.skip..];
        table.encoding = detect_encoding(body, complete);
        table.delimiter = sniff_delimiter(body);
        table.cr_only = memchr(b'\n', body).is_none() && memchr(b'\r', body).is_some();
        table.input = Input::File(sample, f);
        Ok(table)
    }

    /// Map the file, when it is an ordinary file read as it stands (bare `\r` line
    /// breaks are rewritten, so such a file is read into buffers). Reading mapped pages
    /// spares the copy of every byte into a buffer: at 4.6 GiB of exports that copy was a
    /// third of ingest's processor time (benches/README.md, "Tenth session").
    ///
    /// On Unix only: elsewhere the pages of a built block could not be released, and a
    /// file cut short while mapped would end the run without a word.
    fn map(&self) -> Option<Mmap> {
        match &self.input {
            // SAFETY: the map is only read, and dropped before `read` returns. A file cut
            // short by another program while it is read raises SIGBUS on the missing
            // pages; the binary stops then with the input error's exit code and message
            // (main.rs), as ripgrep accepts the same risk for the same gain.
            Input::File(_, f) if cfg!(unix) && !self.cr_only => unsafe { Mmap::map(f) }.ok(),
            _ => None,
        }
    }

    /// The blocks of the file: slices of `map` when it is mapped, else read.
    fn blocks<'m>(&mut self, map: Option<&'m Mmap>) -> Blocks<'m> {
        if let Some(map) = map {
            self.input = Input::Taken;
            return Blocks::Mapped { map, pos: 0 };
        }
        let (src, carry): (Box<dyn Read + Send>, _) =
            match std::mem::replace(&mut self.input, Input::Taken) {
                Input::File(mut head, f) => {
                    if self.cr_only {
                        cr_to_lf(&mut head);
                    }
                    (Box::new(f), head)
                }
                Input::Converted(bytes) => (Box::new(std::io::Cursor::new(bytes)), Vec::new()),
                Input::Taken => (Box::new(std::io::empty()), Vec::new()),
            };
        Blocks::Read {
            src,
            carry,
            eof: false,
            cr_only: self.cr_only,
        }
    }

    /// Read the header and every row. While one block is built, in parallel pieces, the
    /// next one is read. The table is read once: its first bytes, kept from detection, are
    /// handed to the first block. (The file is hashed beside the reading, with the other
    /// inputs: `ingest::digest`.)
    pub fn read<T: Send + Row, F>(
        mut self,
        t: Table,
        mapping: &Mapping,
        label: &str,
        key: usize,
        build: F,
    ) -> Result<(Header, Collected<T>)>
    where
        F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
    {
        let read_err = |e: std::io::Error| {
            Error::Input(format!(
                "读取文件 {label} 出错：{}",
                crate::error::io_zh(&e)
            ))
        };
        let map = self.map();
        let mut blocks = self.blocks(map.as_ref());
        let mut cur = blocks.next(Vec::new()).map_err(read_err)?;
        let first_bytes = cur.as_ref().map_or(&[][..], |(b, _)| b);
        let (header, data_start) = self.header(t, mapping, label, first_bytes)?;
        let mut out = Collected::new(header.positions.len());
        let mut row = header.row_index as u32 + 2;
        let mut skip = data_start;
        let mut spare = Vec::new();
        let mut first = true;
        while let Some((block, quote_free)) = cur {
            let (next, (block, rows)) = rayon::join(
                || blocks.next(spare),
                || {
                    let bytes = (&block[skip..], quote_free);
                    let rows = self.build_block(bytes, row, &header, key, &build, &mut out);
                    (block, rows)
                },
            );
            if std::mem::take(&mut first) {
                // Reserve for the whole file at the first block's bytes per row: growing a
                // table of millions of rows by doubling copies it and faults in twice the
                // pages. Capacity never written is never touched, so costs no memory.
                let file_len = std::fs::metadata(&self.path).map_or(0, |m| m.len()) as usize;
                let per_row = (block.len() / out.rows.len().max(1)).max(1);
                out.rows.reserve(file_len / per_row * 11 / 10);
                // The identifier texts likewise, at the first block's share of the bytes.
                let held = out.sink.texts.len();
                let blocks = file_len.div_ceil(block.len().max(1));
                out.sink
                    .texts
                    .reserve((held * blocks * 11 / 10).saturating_sub(held));
            }
            row += rows;
            skip = 0;
            spare = blocks.done(block);
            cur = next.map_err(read_err)?;
        }
        Ok((header, out))
    }

    /// Find the header among the first records of the first block; returns it and the
    /// byte offset in the block where the data starts.
    fn header(
        &self,
        t: Table,
        mapping: &Mapping,
        label: &str,
        block: &[u8],
    ) -> Result<(Header, usize)> {
        let skip = self.skip.min(block.len());
        let first = &block[skip..];
        // Enough lines for the header search, cut at a line break.
        let mut end = first.len();
        let mut it = memchr_iter(b'\n', first);
        if let Some(p) = it.nth(HEADER_SEARCH_ROWS * 4) {
            end = p + 1;
        }
        let head = &first[..end];
        let text = self.encoding.decode(head);
        let mut tokens = Tokens::new(&text, self.delimiter);
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut offsets = Vec::new();
        while rows.len() < HEADER_SEARCH_ROWS {
            let Some(r) = tokens.next() else { break };
            let cells = r
                .fields
                .iter()
                .map(|&(a, b)| r.text[a as usize..b as usize].to_string())
                .collect();
            rows.push(cells);
            offsets.push(tokens.offset());
        }
        let header = find_header(t, &rows, mapping, label)?;
        // Decoding keeps line breaks one for one, so the data starts after as many raw
        // line breaks as the decoded text has before it.
        let after = &text[..offsets[header.row_index]];
        let lines = memchr_iter(b'\n', after.as_bytes()).count();
        let raw = match lines.checked_sub(1) {
            Some(k) if after.ends_with('\n') => memchr_iter(b'\n', head)
                .nth(k)
                .map_or(head.len(), |p| p + 1),
            _ => head.len(),
        };
        Ok((header, skip + raw))
    }

    /// Build the rows of one block (its bytes, starting a record, and whether they are
    /// known to hold no quote) in parallel pieces; returns the number of records it held.
    fn build_block<T: Send + Row, F>(
        &self,
        (block, quote_free): (&[u8], bool),
        first_row: u32,
        header: &Header,
        key: usize,
        build: &F,
        out: &mut Collected<T>,
    ) -> u32
    where
        F: Fn(&RawRow<'_>, &mut Sink) -> Option<T> + Sync,
    {
        let cols = header.positions.len();
        let delimiter = self.delimiter;
        // Each piece numbers its records from 0 and learns how many it held; its rows are
        // moved to their place in the file as the pieces are appended in order, so the
        // records are not counted in a pass of their own before they are built.
        let parts: Vec<(Collected<T>, u32)> = pieces(block, PIECE_BYTES, quote_free)
            .into_par_iter()
            .map(|range| {
                let mut part = Collected::new(cols);
                // Room for as many rows as a piece of short lines holds, so the rows are
                // not moved as they grow (capacity never written is never touched).
                part.rows.reserve(range.len() / MIN_LINE_BYTES);
                let text = self.encoding.decode(&block[range]);
                let mut tokens = Tokens::new(&text, delimiter);
                let mut row = 0;
                while let Some(rec) = tokens.next() {
                    take_row(
                        &RawRow::csv(rec, &header.positions, row),
                        key,
                        build,
                        &mut part,
                    );
                    row += 1;
                }
                (part, row)
            })
            .collect();
        // Each piece's first row in the file.
        let mut row = first_row;
        let parts = parts
            .into_iter()
            .map(|(part, n)| {
                let first = row;
                row += n;
                (part, first)
            })
            .collect();
        out.append_all(parts);
        row - first_row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str) -> Vec<Vec<String>> {
        records_split_on(text, b',')
    }

    /// The records as `Tokens` splits them, 16 bytes at a time and, where the processor
    /// has AVX2, 32 bytes at a time, which must agree.
    fn records_split_on(text: &str, delimiter: u8) -> Vec<Vec<String>> {
        let split = |wide: bool| {
            let mut t = Tokens::new(text, delimiter);
            #[cfg(target_arch = "x86_64")]
            {
                t.wide &= wide;
            }
            #[cfg(not(target_arch = "x86_64"))]
            let _ = wide;
            let mut out: Vec<Vec<String>> = Vec::new();
            while let Some(r) = t.next() {
                out.push(
                    r.fields
                        .iter()
                        .map(|&(a, b)| r.text[a as usize..b as usize].to_string())
                        .collect(),
                );
            }
            out
        };
        let narrow = split(false);
        assert_eq!(split(true), narrow, "32-byte steps split otherwise");
        narrow
    }

    #[test]
    fn plain_quoted_and_blank_lines_are_records() {
        let r = records("a,b\r\n\n\"x,1\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",c\nend");
        assert_eq!(
            r,
            vec![
                vec!["a", "b"],
                vec![""],
                vec!["x,1", "say \"hi\""],
                vec!["two\nlines", "c"],
                vec!["end"],
            ]
        );
    }

    #[test]
    fn excel_text_formulas_are_read_as_their_text() {
        let r = records("=\"0012\",\"=\"\"测罚〔2024〕1号\"\"\",\"=\"\"\",\"=\"\"\"\"\",=x\n");
        assert_eq!(r, vec![vec!["0012", "测罚〔2024〕1号", "=\"", "", "=x"]]);
    }

    #[test]
    fn lines_of_any_length_split_like_a_plain_split() {
        // Fields of 0 to 40 bytes (ASCII and CJK) so that delimiters, `\r\n` and quotes
        // fall on every position of the 16- and 32-byte steps, with two delimiters.
        let words = [
            "",
            "a",
            "丰市监罚〔2023〕1号",
            "2024-03-05 14:30:00",
            "x;y",
            "许刚",
        ];
        for delimiter in [b',', b'\t'] {
            let d = char::from(delimiter);
            let mut text = String::new();
            let mut expected: Vec<Vec<String>> = Vec::new();
            for n in 0..200usize {
                let fields: Vec<String> = (0..1 + n % 7)
                    .map(|k| words[(n * 7 + k * 3) % words.len()].repeat(1 + (n + k) % 3))
                    .collect();
                text.push_str(&fields.join(&d.to_string()));
                text.push_str(if n % 3 == 0 { "\r\n" } else { "\n" });
                expected.push(fields);
            }
            text.push_str(&format!("\"q{d}1\"{d}{}", "b".repeat(17)));
            expected.push(vec![format!("q{d}1"), "b".repeat(17)]);
            assert_eq!(records_split_on(&text, delimiter), expected);
        }
        // A last line without a line break, its delimiters at every offset of the last
        // (padded) step of either width.
        for pad in 0..40 {
            let text = format!("{},,y,z", "x".repeat(pad));
            let r = records(&text);
            assert_eq!(
                r,
                vec![vec!["x".repeat(pad), "".into(), "y".into(), "z".into()]]
            );
        }
    }

    #[test]
    fn encoding_of_a_sample() {
        let utf8 = "案号,执法机关\n丰市监罚〔2023〕1号,丰台区市场监督管理局\n".as_bytes();
        assert_eq!(detect_encoding(utf8, true), CsvEncoding::Utf8);
        // A sample that ends inside a character: the file goes on, so still UTF-8 ...
        let cut = &utf8[..utf8.len() - 2];
        assert_eq!(detect_encoding(cut, false), CsvEncoding::Utf8);
        // ... unless the sample is the whole file: then its other lines decide.
        assert_eq!(detect_encoding(cut, true), CsvEncoding::Mixed);
        let gbk = encoding_rs::GBK
            .encode("案号,执法机关\n丰市监罚〔2023〕1号,丰台\n")
            .0;
        assert_eq!(detect_encoding(&gbk, false), CsvEncoding::Gb18030);
        let mut mixed = utf8.to_vec();
        mixed.extend_from_slice(&gbk);
        assert_eq!(detect_encoding(&mixed, false), CsvEncoding::Mixed);
    }

    #[test]
    fn pieces_and_blocks_end_on_record_boundaries() {
        let text = "a,\"1\n2\"\nb,c\nd,\"e\nf\"\n";
        for size in 1..text.len() {
            let cuts = pieces(text.as_bytes(), size, false);
            let mut total = 0;
            for c in &cuts {
                total += records(&text[c.clone()]).len();
            }
            assert_eq!(total, 3, "size {size}");
        }
        let end = |b: &[u8]| last_record_end(b, quotes(b));
        assert_eq!(end(b"a,\"1\n2\"\nb,\"c\nd"), Some(8));
        assert_eq!(end(b"a,\"1\n2"), None);
        // A block without quotes says so, and its pieces are cut alike without counting.
        assert_eq!(block_end(b"a,b\nc,d\ne"), Some((8, true)));
        assert_eq!(block_end(b"a,\"b\"\nc,d\ne"), Some((10, false)));
        assert_eq!(block_end(b"a,\"b\nc,d\ne"), None);
        let plain = "a,b\nc,d\ne,f\n\ng,h\n";
        for size in 1..plain.len() {
            assert_eq!(
                pieces(plain.as_bytes(), size, true),
                pieces(plain.as_bytes(), size, false)
            );
        }
    }
}
