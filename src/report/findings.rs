//! findings.csv (UTF-8 with BOM, so Excel opens it) and findings.jsonl: one finding a row,
//! with the fields of OUTPUT.md plus `waived`.

use super::ReportView;
use crate::ingest::cells::push_number_text;
use crate::rules::Recurrence;
use rayon::prelude::*;
use std::io::Write;

/// The CSV header: OUTPUT.md's finding fields, then `waived` and the change-tracking
/// `status` (新增/持续, blank without `--baseline`).
pub const FIELDS: [&str; 11] = [
    "rule",
    "title",
    "severity",
    "case_no",
    "agency",
    "subject",
    "detail",
    "article",
    "deduction",
    "waived",
    "status",
];

/// Findings taken per batch: the batch is cut into parts serialised in parallel, then
/// written in order, so the text held at once is two batches' (one being written, the
/// next being made): some 8 MB a file, held beside all the findings.
const BATCH: usize = 1 << 14;
/// Findings per part of a batch.
const PART: usize = 2048;

/// Serialise `items` part by part with `part` (its text appended to the buffer) and write
/// them in order: the parts of each batch of `sizes.0` items (`sizes.1` items a part) are
/// serialised on all cores while the batch before is written (writing a file's text into
/// the page cache takes as long as making it).
fn write_parts<T: Sync, F>(
    items: &[T],
    waived: &[bool],
    sizes: (usize, usize),
    w: &mut (dyn Write + Send),
    part: F,
) -> std::io::Result<()>
where
    F: Fn(&[T], &[bool], &mut Vec<u8>) -> std::io::Result<()> + Sync,
{
    let (batch, per_part) = sizes;
    let serialise = |items: &[T], waived: &[bool]| {
        items
            .par_chunks(per_part)
            .zip(waived.par_chunks(per_part))
            .map(|(items, waived)| {
                let mut buf = Vec::with_capacity(items.len() * 400);
                part(items, waived, &mut buf)?;
                Ok(buf)
            })
            .collect::<std::io::Result<Vec<Vec<u8>>>>()
    };
    let write = |w: &mut (dyn Write + Send), texts: Vec<Vec<u8>>| {
        texts.iter().try_for_each(|t| w.write_all(t))
    };
    let mut ready: Vec<Vec<u8>> = Vec::new();
    for (items, waived) in items.chunks(batch).zip(waived.chunks(batch)) {
        let (written, next) = rayon::join(
            || write(&mut *w, std::mem::take(&mut ready)),
            || serialise(items, waived),
        );
        written?;
        ready = next?;
    }
    write(w, ready)
}

/// Write findings.csv.
pub fn write_csv(v: &ReportView<'_>, w: &mut (dyn Write + Send)) -> std::io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut header = csv::Writer::from_writer(&mut *w);
    header.write_record(FIELDS)?;
    header.flush()?;
    drop(header);
    write_parts(
        v.findings,
        v.waived,
        (BATCH, PART),
        w,
        |findings, waived, buf| {
            let cases = &v.bundle.cases[..];
            let mut deduction = String::new();
            for (f, waived) in findings.iter().zip(waived) {
                deduction.clear();
                push_number_text(&mut deduction, f.deduction);
                let fields: [&str; 11] = [
                    f.rule(),
                    f.title(),
                    f.severity.zh(),
                    f.case_no(cases),
                    f.agency(cases),
                    f.subject(),
                    f.detail(),
                    &f.article,
                    &deduction,
                    if *waived { "是" } else { "否" },
                    f.status.map_or("", Recurrence::zh),
                ];
                for (k, field) in fields.into_iter().enumerate() {
                    if k > 0 {
                        buf.push(b',');
                    }
                    csv_field(buf, field);
                }
                buf.push(b'\n');
            }
            Ok(())
        },
    )
}

/// True when a byte of `s` is `special`, tested in blocks of 16, 8 or 4 bytes without a
/// branch, so that the compiler turns each test into a few vector instructions. The last
/// bytes are tested as the last block of `s`, overlapping the one before. (Copying them
/// into a padded block instead stalled the vector load that read them back: over a
/// quarter of the time of making findings.csv from findings in the caches.)
fn any_byte(s: &str, special: impl Fn(u8) -> bool + Copy) -> bool {
    let b = s.as_bytes();
    let n = b.len();
    match n {
        16.. => {
            b.chunks_exact(16).any(|c| block::<16>(c, special))
                || (!n.is_multiple_of(16) && block::<16>(&b[n - 16..], special))
        }
        8..16 => block::<8>(&b[..8], special) | block::<8>(&b[n - 8..], special),
        4..8 => block::<4>(&b[..4], special) | block::<4>(&b[n - 4..], special),
        _ => b.iter().any(|&c| special(c)),
    }
}

/// True when a byte of `c` (`N` bytes) is `special`.
#[inline(always)]
fn block<const N: usize>(c: &[u8], special: impl Fn(u8) -> bool) -> bool {
    let c: &[u8; N] = c.try_into().expect("a block of N bytes");
    c.iter().fold(false, |any, &b| any | special(b))
}

/// A CSV field: the text as it stands when it holds no delimiter, quote or line break,
/// else quoted by `csv_core` as the csv crate's writer quotes it. The writer's own check
/// goes a byte at a time through a table.
fn csv_field(buf: &mut Vec<u8>, s: &str) {
    if !any_byte(s, |b| {
        (b == b',') | (b == b'"') | (b == b'\n') | (b == b'\r')
    }) {
        buf.extend_from_slice(s.as_bytes());
        return;
    }
    // Quoted, every quote doubled: at most twice the text and two quotes.
    let old = buf.len();
    buf.resize(old + 2 * s.len() + 2, 0);
    let mut w = csv_core::Writer::new();
    let (_, _, n) = w.field(s.as_bytes(), &mut buf[old..]);
    let (_, m) = w.finish(&mut buf[old + n..]);
    buf.truncate(old + n + m);
}

/// A JSON string: the text as it stands between quotes when no byte of it needs escaping,
/// else serde_json's escaped form. serde_json looks a byte at a time in a table, which
/// was the larger part of making findings.jsonl.
fn json_str(buf: &mut Vec<u8>, s: &str) -> std::io::Result<()> {
    if !any_byte(s, |b| (b < 0x20) | (b == b'"') | (b == b'\\')) {
        buf.push(b'"');
        buf.extend_from_slice(s.as_bytes());
        buf.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(&mut *buf, s).map_err(std::io::Error::from)
    }
}

/// serde_json's text of the numbers met so far (deductions: a rubric's few amounts), so
/// that each is formatted once a part.
#[derive(Default)]
struct JsonNumbers(Vec<(u64, Vec<u8>)>);

impl JsonNumbers {
    /// Numbers remembered at most.
    const KEPT: usize = 16;

    /// Append `x` as serde_json writes it.
    fn write(&mut self, buf: &mut Vec<u8>, x: f64) -> std::io::Result<()> {
        let bits = x.to_bits();
        if let Some((_, text)) = self.0.iter().find(|(b, _)| *b == bits) {
            buf.extend_from_slice(text);
            return Ok(());
        }
        let at = buf.len();
        serde_json::to_writer(&mut *buf, &x)?;
        if self.0.len() < Self::KEPT {
            self.0.push((bits, buf[at..].to_vec()));
        }
        Ok(())
    }
}

/// Write findings.jsonl: per line the finding's fields in OUTPUT.md's order, then `waived`
/// and, with `--baseline`, `status`. The strings and numbers are serde_json's; the object
/// around them is written here, key by key.
pub fn write_jsonl(v: &ReportView<'_>, w: &mut (dyn Write + Send)) -> std::io::Result<()> {
    write_parts(
        v.findings,
        v.waived,
        (BATCH, PART),
        w,
        |findings, waived, buf| {
            let cases = &v.bundle.cases[..];
            let mut numbers = JsonNumbers::default();
            for (f, waived) in findings.iter().zip(waived) {
                let texts: [(&str, &str); 8] = [
                    ("{\"rule\":", f.rule()),
                    (",\"title\":", f.title()),
                    (",\"severity\":", f.severity.zh()),
                    (",\"case_no\":", f.case_no(cases)),
                    (",\"agency\":", f.agency(cases)),
                    (",\"subject\":", f.subject()),
                    (",\"detail\":", f.detail()),
                    (",\"article\":", &f.article),
                ];
                for (key, value) in texts {
                    buf.extend_from_slice(key.as_bytes());
                    json_str(buf, value)?;
                }
                buf.extend_from_slice(b",\"deduction\":");
                numbers.write(buf, f.deduction)?;
                buf.extend_from_slice(if *waived {
                    b",\"waived\":true"
                } else {
                    b",\"waived\":false"
                });
                if let Some(status) = f.status {
                    buf.extend_from_slice(b",\"status\":");
                    json_str(buf, status.zh())?;
                }
                buf.extend_from_slice(b"}\n");
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_special_byte_is_found_wherever_it_lies() {
        let special = |b: u8| b == b'"';
        for n in 0..50 {
            let plain = "a".repeat(n);
            assert!(!any_byte(&plain, special), "{n} plain bytes");
            for at in 0..n {
                let mut s = plain.clone().into_bytes();
                s[at] = b'"';
                let s = String::from_utf8(s).unwrap();
                assert!(any_byte(&s, special), "{n} bytes, special at {at}");
            }
        }
    }

    #[test]
    fn fields_are_written_as_the_csv_writer_writes_them() {
        let fields = [
            "",
            "丰市监罚〔2023〕1号",
            "a,b",
            "say \"hi\"",
            "\"",
            "two\nlines",
            "cr\r",
            "结束时间早于开始时间（2024-03-05 14:30:00）",
            // Special bytes in a whole 16-byte step, and in the last bytes.
            "丰市监罚〔2023〕1号,丰台区市场监督管理局",
            "0123456789abcdef0123456789abcdef\"",
        ];
        let mut ours = Vec::new();
        for (k, f) in fields.iter().enumerate() {
            if k > 0 {
                ours.push(b',');
            }
            csv_field(&mut ours, f);
        }
        ours.push(b'\n');
        let mut theirs = csv::Writer::from_writer(Vec::new());
        theirs.write_record(fields).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs.into_inner().unwrap()).unwrap()
        );
    }

    #[test]
    fn strings_are_written_as_serde_json_writes_them() {
        for s in [
            "",
            "丰市监罚〔2023〕1号",
            "say \"hi\"",
            "back\\slash",
            "tab\tand\nline",
            "\u{1}\u{1f}",
            "\u{7f}\u{2028}",
            "结束时间早于开始时间（2024-03-05 14:30:00）",
            "0123456789abcdef\t",
            "0123456789abcdef0123456789abcdef\\",
        ] {
            let mut buf = Vec::new();
            json_str(&mut buf, s).unwrap();
            assert_eq!(
                String::from_utf8(buf).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let mut numbers = JsonNumbers::default();
        let xs = [0.0, 2.0, 0.5, -0.0, 1e-7, 12.25, 2.0, 0.5, 1e21, 0.1 + 0.2];
        for round in 0..2 {
            for x in xs {
                let mut buf = Vec::new();
                numbers.write(&mut buf, x).unwrap();
                assert_eq!(buf, serde_json::to_vec(&x).unwrap(), "{x} (round {round})");
            }
        }
        // Past the numbers it keeps, still right.
        for k in 0..40 {
            let x = f64::from(k) / 8.0;
            let mut buf = Vec::new();
            numbers.write(&mut buf, x).unwrap();
            assert_eq!(buf, serde_json::to_vec(&x).unwrap());
        }
    }

    #[test]
    fn parts_are_written_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        let waived: Vec<bool> = items.iter().map(|i| i % 3 == 0).collect();
        let mut out = Vec::new();
        write_parts(&items, &waived, (64, 7), &mut out, |items, waived, buf| {
            for (i, w) in items.iter().zip(waived) {
                writeln!(buf, "{i},{w}")?;
            }
            Ok(())
        })
        .unwrap();
        let expected: String = items
            .iter()
            .map(|i| format!("{i},{}\n", i % 3 == 0))
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
