//! Cell values as the readers hand them over, and the text forms of dates and times
//! that INPUT.md lists.

use crate::model::Stamp;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use std::borrow::Cow;

/// One cell of a raw row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Blank (or only white space).
    Empty,
    /// Text, trimmed.
    Text(Cow<'a, str>),
    /// A numeric cell of a spreadsheet.
    Number(f64),
    /// A date cell of a spreadsheet.
    DateTime(NaiveDateTime),
    /// A boolean cell of a spreadsheet.
    Bool(bool),
}

impl<'a> Cell<'a> {
    /// A text cell of borrowed text (a CSV field), blank when only white space. Most
    /// fields have `visible_ends` and are taken as they are, here, in the caller: handing
    /// [`Cell::text`] a `Cow` through memory cost a store-forwarding stall a cell (4% of a
    /// province ingest's samples).
    #[inline(always)]
    pub fn borrowed(s: &'a str) -> Cell<'a> {
        if visible_ends(s.as_bytes()) {
            Cell::Text(Cow::Borrowed(s))
        } else if s.is_empty() {
            // Most fields of an export's optional columns: settled without a call.
            Cell::Empty
        } else {
            Cell::trimmed(Cow::Borrowed(s))
        }
    }

    /// Make a text cell, blank when only white space.
    #[inline]
    pub fn text(s: Cow<'a, str>) -> Cell<'a> {
        if visible_ends(s.as_bytes()) {
            Cell::Text(s)
        } else {
            Cell::trimmed(s)
        }
    }

    /// A text cell of `s` less its white space at either end (whose ends
    /// [`visible_ends`] could not settle), blank when nothing is left.
    fn trimmed(s: Cow<'a, str>) -> Cell<'a> {
        let t = s.trim();
        if t.is_empty() {
            Cell::Empty
        } else if t.len() == s.len() {
            Cell::Text(s)
        } else {
            Cell::Text(Cow::Owned(t.to_string()))
        }
    }

    /// The value as a person reads it in the cell.
    pub fn raw(&self) -> Cow<'_, str> {
        match self {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(s) => Cow::Borrowed(s.as_ref()),
            Cell::Number(n) => Cow::Owned(number_text(*n)),
            Cell::DateTime(d) => Cow::Owned(d.format("%Y-%m-%d %H:%M:%S").to_string()),
            Cell::Bool(b) => Cow::Borrowed(if *b { "TRUE" } else { "FALSE" }),
        }
    }

    /// True for a blank cell.
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }
}

/// True when `b` (UTF-8) starts and ends with a character that is no white space, told
/// from its bytes without decoding: visible ASCII, or a character from U+4000 up (CJK:
/// no white space there). `false` says nothing: the text may still need no trimming.
#[inline(always)]
fn visible_ends(b: &[u8]) -> bool {
    match (b.first(), b.last()) {
        (Some(&first), Some(&last)) => {
            (first.is_ascii_graphic() || first >= 0xE4)
                && (last.is_ascii_graphic() || ends_with_cjk(b))
        }
        _ => false,
    }
}

/// True when the last character of `b` (UTF-8) is from U+4000 up, where there is no
/// white space: its lead byte, at most three bytes from the end, is 0xE4 or more.
#[inline]
fn ends_with_cjk(b: &[u8]) -> bool {
    b.iter()
        .rev()
        .take(4)
        .find(|&&x| !(0x80..0xC0).contains(&x))
        .is_some_and(|&lead| lead >= 0xE4)
}

/// A number as text: integers without a decimal point (certificate numbers, 案号 parts).
pub fn number_text(n: f64) -> String {
    let mut s = String::new();
    push_number_text(&mut s, n);
    s
}

/// [`number_text`] appended to `out` (no allocation of its own: findings.csv writes one
/// for every finding).
pub fn push_number_text(out: &mut String, n: f64) {
    use std::fmt::Write;
    // Writing into a String cannot fail.
    let _ = if n.fract() == 0.0 && n.abs() < 1e15 {
        write!(out, "{}", n as i64)
    } else {
        write!(out, "{n}")
    };
}

/// An Excel serial date (1900 system) to a datetime; `None` outside 1950–2199.
pub fn excel_serial(n: f64) -> Option<NaiveDateTime> {
    if !(18264.0..=109574.0).contains(&n) {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(NaiveTime::MIN);
    let secs = (n * 86400.0).round() as i64;
    Some(base + Duration::seconds(secs))
}

fn stamp_of(dt: NaiveDateTime) -> Stamp {
    if dt.time() == NaiveTime::MIN {
        Stamp::day(dt.date())
    } else {
        Stamp::time(dt)
    }
}

/// Parse a date/time cell of any form INPUT.md allows. A text cell of a canonical form
/// is parsed inline, where a row builder asks for it (tens of millions a province-year).
#[inline]
pub fn parse_stamp(cell: &Cell<'_>) -> Option<Stamp> {
    match cell {
        Cell::Empty | Cell::Bool(_) => None,
        // Text cells are trimmed already.
        Cell::Text(s) => parse_trimmed_stamp(s),
        Cell::DateTime(dt) => Some(stamp_of(*dt)),
        Cell::Number(n) => number_stamp(*n),
    }
}

/// [`parse_stamp`] of a spreadsheet's number cell: `20240305` as a compact date, else an
/// Excel serial date. Out of line.
#[inline(never)]
fn number_stamp(n: f64) -> Option<Stamp> {
    if n.fract() == 0.0 && (19_000_101.0..=21_991_231.0).contains(&n) {
        parse_stamp_text(&format!("{}", n as i64))
    } else {
        excel_serial(n).map(stamp_of)
    }
}

/// The canonical `YYYY-MM-DD`, `YYYY-MM-DD HH:MM` and `YYYY-MM-DD HH:MM:SS` forms (space or
/// `T`), parsed without chrono's format machinery because they are by far the most common
/// (tens of millions of cells a province-year). Eight bytes are tested and turned into
/// numbers at once: `YYYY-MM-`, then `DD HH:MM` (for a date alone, its `DD` and a time of
/// `00:00`), then the seconds.
#[inline(always)]
fn fast_path(s: &str) -> Option<Stamp> {
    /// The digit bytes of `YYYY-MM-` and of `DD HH:MM` (little-endian lanes).
    const DATE_DIGITS: u64 = 0x00FF_FF00_FFFF_FFFF;
    const DAY_TIME_DIGITS: u64 = 0xFFFF_00FF_FF00_FFFF;
    /// Their other bytes: `-` `-`, and ` ` (or `T`) `:`.
    const DATE_MARKS: u64 = 0x2D00_002D_0000_0000;
    const DAY_TIME_MARKS: u64 = 0x0000_3A00_0020_0000;
    const T_FOR_SPACE: u64 = (b'T' ^ b' ') as u64 * 0x1_0000;
    /// ` 00:00` after a date's `DD`.
    const MIDNIGHT: u64 = 0x3030_3A30_3020_0000;
    // The digits' values, each in its lane, when the lanes hold ASCII digits: a digit's
    // lane is below 16 and stays below 16 when 6 is added.
    let digits = |w: u64, lanes: u64| {
        let x = (w ^ 0x3030_3030_3030_3030) & lanes;
        let over = (x | x.wrapping_add(0x0606_0606_0606_0606 & lanes)) & 0xF0F0_F0F0_F0F0_F0F0;
        (over & lanes == 0).then_some(x)
    };
    // Each lane's digit times ten plus the next lane's: a pair's number in its first lane.
    let pairs = |x: u64| x * 10 + (x >> 8);
    let lane = |x: u64, k: u32| ((x >> (8 * k)) & 0xFF) as u32;
    let b = s.as_bytes();
    let (head, rest) = b.split_first_chunk::<8>()?;
    let date = u64::from_le_bytes(*head);
    let (day_time, secs) = match *rest {
        [d1, d0] => (u64::from(u16::from_le_bytes([d1, d0])) | MIDNIGHT, None),
        _ => {
            let (day_time, seconds) = rest.split_first_chunk::<8>()?;
            let secs = match *seconds {
                [] => 0,
                [b':', s1, s0] if s1.is_ascii_digit() && s0.is_ascii_digit() => {
                    u32::from(s1 - b'0') * 10 + u32::from(s0 - b'0')
                }
                _ => return None,
            };
            (u64::from_le_bytes(*day_time), Some(secs))
        }
    };
    let marks = day_time & !DAY_TIME_DIGITS;
    if date & !DATE_DIGITS != DATE_MARKS
        || (marks != DAY_TIME_MARKS && marks != DAY_TIME_MARKS ^ T_FOR_SPACE)
    {
        return None;
    }
    let (d, t) = (
        pairs(digits(date, DATE_DIGITS)?),
        pairs(digits(day_time, DAY_TIME_DIGITS)?),
    );
    let time = secs.map(|s| (lane(t, 3), lane(t, 6), s));
    Stamp::from_civil(lane(d, 0) * 100 + lane(d, 2), lane(d, 5), lane(t, 0), time)
}

/// Parse a text date or datetime: `2024-03-05`, `2024/3/5`, `2024年3月5日`,
/// `2024-03-05 14:30`, `2024-03-05T14:30:00`, `20240305`, `2024.3.5 14:30:00`, a time
/// with a fraction of a second (`2024-03-05 14:30:00.000`) and an Excel serial written as
/// text.
pub fn parse_stamp_text(s: &str) -> Option<Stamp> {
    parse_trimmed_stamp(s.trim())
}

/// [`parse_stamp_text`] of a text without leading or trailing white space.
///
/// The canonical forms are parsed inline, where a row builder asks for a date; the
/// others out of line.
#[inline]
fn parse_trimmed_stamp(s: &str) -> Option<Stamp> {
    fast_path(s).or_else(|| parse_other_stamp(s))
}

/// [`parse_trimmed_stamp`] of the forms [`fast_path`] leaves: Chinese, slashed, dotted,
/// compact and Excel-serial dates.
#[inline(never)]
fn parse_other_stamp(s: &str) -> Option<Stamp> {
    // A time's fraction of a second (`10:00:00.000` of a database export, Java's
    // `10:00:00.0`): there the dot separates no date parts, and the fraction is kept aside.
    let (s, fraction) = match s.rfind('.') {
        Some(i)
            if s[..i].contains(':')
                && (2..=10).contains(&s[i..].len())
                && s[i + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (&s[..i], &s[i..])
        }
        _ => (s, ""),
    };
    let mut norm = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '年' | '月' | '/' | '.' | '－' => norm.push('-'),
            '日' | '秒' => {}
            'T' | 't' => norm.push(' '),
            '时' | '点' | '：' => norm.push(':'),
            '分' => norm.push(':'),
            c if c.is_whitespace() => norm.push(' '),
            c => norm.push(c),
        }
    }
    let norm = norm.trim().trim_end_matches(':').trim();
    let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ") + fraction;
    if let Ok(d) = NaiveDate::parse_from_str(&norm, "%Y-%m-%d") {
        return Some(Stamp::day(d));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&norm, f) {
            return Some(Stamp::time(dt));
        }
    }
    if norm.len() == 8 && norm.bytes().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&norm, "%Y%m%d")
            .ok()
            .map(Stamp::day);
    }
    if norm.len() == 14 && norm.bytes().all(|c| c.is_ascii_digit()) {
        return NaiveDateTime::parse_from_str(&norm, "%Y%m%d%H%M%S")
            .ok()
            .map(Stamp::time);
    }
    if let Ok(n) = norm.parse::<f64>() {
        return excel_serial(n).map(stamp_of);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical forms read by [`fast_path`] agree with the general parser on every
    /// day of 1900–2099 at several times, and a cell changed at any place in any way is
    /// either refused by it or read as the general parser reads it.
    #[test]
    fn canonical_stamps_agree_with_the_general_parser() {
        let mut date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        while date.format("%Y").to_string() != "2100" {
            let day = date.format("%Y-%m-%d").to_string();
            for s in [
                day.clone(),
                format!("{day} 00:00"),
                format!("{day}T23:59"),
                format!("{day} 09:05:59"),
                format!("{day}T12:30:00"),
            ] {
                let fast = fast_path(&s);
                assert!(fast.is_some(), "{s}");
                assert_eq!(fast, parse_other_stamp(&s), "{s}");
            }
            date = date.succ_opt().unwrap();
        }
        let bytes = b"0123456789-: T/a\x7f";
        for base in ["2024-02-29", "2023-12-31 23:59", "2000-01-01 00:00:00"] {
            for k in 0..base.len() {
                for &c in bytes {
                    let mut s = base.as_bytes().to_vec();
                    s[k] = c;
                    let s = String::from_utf8(s).unwrap();
                    if let Some(x) = fast_path(&s) {
                        assert_eq!(Some(x), parse_other_stamp(&s), "{s}");
                    }
                }
            }
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "2024-03-05 24:00",
            "2024-03-05 12:60",
            "2024-03-05 12:00:60",
            "2024-03-05 12:00:",
            "2024-03-05  12:00",
        ] {
            assert_eq!(fast_path(bad), None, "{bad}");
        }
    }

    fn t(s: &str) -> String {
        parse_stamp_text(s)
            .map(|x| x.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn text_cells_are_trimmed_of_ascii_and_ideographic_space() {
        let cell = |s: &'static str| Cell::text(Cow::Borrowed(s));
        assert_eq!(cell("案号"), Cell::Text(Cow::Borrowed("案号")));
        assert_eq!(
            cell("\u{3000}案号\u{3000}"),
            Cell::Text(Cow::Borrowed("案号"))
        );
        assert_eq!(cell(" A1 "), Cell::Text(Cow::Borrowed("A1")));
        assert_eq!(cell("A1\u{a0}"), Cell::Text(Cow::Borrowed("A1")));
        assert_eq!(cell("\u{3000} \t"), Cell::Empty);
        assert_eq!(cell(""), Cell::Empty);
        // The CJK shortcut at either end must not hide white space of three-byte or
        // four-byte characters next to it.
        assert_eq!(cell("案号\u{3000}"), Cell::Text(Cow::Borrowed("案号")));
        assert_eq!(cell("\u{2003}案号"), Cell::Text(Cow::Borrowed("案号")));
        assert_eq!(cell("𠀀\u{3000}"), Cell::Text(Cow::Borrowed("𠀀")));
        assert_eq!(cell("号𠀀"), Cell::Text(Cow::Borrowed("号𠀀")));
        assert!(ends_with_cjk("a号".as_bytes()) && ends_with_cjk("𠀀".as_bytes()));
        assert!(!ends_with_cjk("号\u{3000}".as_bytes()) && !ends_with_cjk("号 ".as_bytes()));
    }

    #[test]
    fn every_listed_form_parses() {
        assert_eq!(t("2024-03-05"), "2024-03-05");
        assert_eq!(t("2024/3/5"), "2024-03-05");
        assert_eq!(t("2024年3月5日"), "2024-03-05");
        assert_eq!(t("2024-03-05 14:30"), "2024-03-05 14:30");
        assert_eq!(t("2024-03-05T14:30:00"), "2024-03-05 14:30");
        assert_eq!(t("20240305"), "2024-03-05");
        assert_eq!(t("2024-03-05 14:30:59"), "2024-03-05 14:30");
        assert_eq!(t("2024年3月5日 14时30分"), "2024-03-05 14:30");
        assert_eq!(t("45356"), "2024-03-05");
        // Fractions of a second, as databases and Java write them.
        for s in [
            "2024-03-05 14:30:00.000",
            "2024-03-05T14:30:00.0",
            "2024/3/5 14:30:59.123456",
            "2024.3.5 14:30:00.5",
        ] {
            assert_eq!(t(s), "2024-03-05 14:30", "{s}");
        }
        assert_eq!(t("2024.03.05"), "2024-03-05");
        assert_eq!(t("2024-03-05 14:30:00.1234567890"), "");
        assert_eq!(t("2024-02-30"), "");
        assert_eq!(t("明天"), "");
    }

    #[test]
    fn numbers_are_serials_or_compact_dates() {
        assert_eq!(
            parse_stamp(&Cell::Number(45356.5)).unwrap().to_string(),
            "2024-03-05 12:00"
        );
        assert_eq!(
            parse_stamp(&Cell::Number(20240305.0)).unwrap().to_string(),
            "2024-03-05"
        );
        assert!(parse_stamp(&Cell::Number(3.0)).is_none());
    }
}
