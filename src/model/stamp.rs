//! Points in time as the exports give them: a datetime, or a date without a time.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt;
use std::num::NonZeroU64;

/// Seconds added before packing, so that every instant chrono can hold (about ±262,000
/// years, under 2^43 seconds) packs to a positive number below 2^63.
const BIAS: i64 = 1 << 61;

/// A date or datetime cell. A date-only cell keeps its date-only flag so that the boundary
/// conventions of RULES.md can treat it as "that whole day".
///
/// Held in 8 bytes (and `Option<Stamp>` too): seconds since 1970 and the flag in one
/// non-zero integer. A province-year holds some 60 million of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(NonZeroU64);

impl Stamp {
    /// Pack seconds since 1970-01-01 00:00 (any instant chrono can hold) and the
    /// date-only flag.
    #[inline]
    fn from_seconds(secs: i64, date_only: bool) -> Stamp {
        let v = (((secs + BIAS) as u64) << 1) | u64::from(date_only);
        Stamp(NonZeroU64::new(v).expect("biased seconds are positive"))
    }

    fn pack(at: NaiveDateTime, date_only: bool) -> Stamp {
        Stamp::from_seconds(at.and_utc().timestamp(), date_only)
    }

    /// A date-only stamp.
    pub fn day(date: NaiveDate) -> Stamp {
        Stamp::pack(date.and_time(NaiveTime::MIN), true)
    }

    /// A stamp with a time of day.
    pub fn time(at: NaiveDateTime) -> Stamp {
        Stamp::pack(at, false)
    }

    /// The stamp of a calendar date given by its numbers, with `time` (hour, minute,
    /// second) or date-only; `None` for a day, month or time that does not exist. For the
    /// years 0–9999 that cells are read as: tens of millions of cells a province-year,
    /// where building chrono's date and then its timestamp cost twice the instructions.
    #[inline(always)]
    pub fn from_civil(
        year: u32,
        month: u32,
        day: u32,
        time: Option<(u32, u32, u32)>,
    ) -> Option<Stamp> {
        if year > 9999 || month == 0 || month > 12 || day == 0 {
            return None;
        }
        let first = YEAR_STARTS[year as usize];
        let leap = usize::from(YEAR_STARTS[year as usize + 1] - first == 366);
        let before = MONTH_STARTS[leap][month as usize - 1];
        if day > u32::from(MONTH_STARTS[leap][month as usize] - before) {
            return None;
        }
        let (of_day, date_only) = match time {
            None => (0, true),
            Some((h, m, s)) if h < 24 && m < 60 && s < 60 => (h * 3600 + m * 60 + s, false),
            Some(_) => return None,
        };
        let days = i64::from(first) + i64::from(before) + i64::from(day) - 1;
        Some(Stamp::from_seconds(
            days * 86_400 + i64::from(of_day),
            date_only,
        ))
    }

    /// Seconds since 1970-01-01 00:00 of [`Stamp::at`]: the cheap key for sorting by time.
    pub fn seconds(&self) -> i64 {
        (self.0.get() >> 1) as i64 - BIAS
    }

    /// The instant; midnight for a date-only cell.
    pub fn at(&self) -> NaiveDateTime {
        DateTime::from_timestamp(self.seconds(), 0)
            .expect("packed from a valid datetime")
            .naive_utc()
    }

    /// True when the cell held a date without a time of day.
    pub fn date_only(&self) -> bool {
        self.0.get() & 1 == 1
    }

    /// Days since 1970-01-01 of the calendar day: compares days without building a date.
    pub fn day_number(&self) -> i64 {
        self.seconds().div_euclid(86_400)
    }

    /// The calendar day.
    pub fn date(&self) -> NaiveDate {
        self.at().date()
    }

    /// The latest instant the stamp may stand for: the end of the day for a date-only
    /// cell ("a completion time given as a date only means the end of that day").
    pub fn latest(&self) -> NaiveDateTime {
        if self.date_only() {
            end_of_day(self.date())
        } else {
            self.at()
        }
    }

    /// [`Stamp::latest`] in seconds since 1970-01-01 00:00.
    pub fn latest_seconds(&self) -> i64 {
        if self.date_only() {
            (self.day_number() + 1) * 86_400 - 1
        } else {
            self.seconds()
        }
    }

    /// True when `self` is not after `other`; when either side is date-only the
    /// same day counts as before (RULES.md, "Date-only cells").
    pub fn not_after(&self, other: &Stamp) -> bool {
        if self.date_only() || other.date_only() {
            self.day_number() <= other.day_number()
        } else {
            self.seconds() <= other.seconds()
        }
    }

    /// True when the moment `self` lies within `from`..=`to`, compared as
    /// [`Stamp::not_after`] does at each end.
    pub fn within(&self, from: &Stamp, to: &Stamp) -> bool {
        from.not_after(self) && self.not_after(to)
    }
}

/// True for a leap year of the proleptic Gregorian calendar.
const fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

/// Days from 1970-01-01 to 1 January of each year 0–10000, laid out when the program
/// is compiled (40 KB, of which a run reads a few cache lines): a date's day is two
/// lookups and a sum, where the arithmetic of eras took a dozen dependent steps.
static YEAR_STARTS: [i32; 10_001] = {
    // 1 January of year 0 is 719,528 days before 1970-01-01.
    let mut t = [0i32; 10_001];
    let mut day = -719_528;
    let mut y = 0;
    while y < t.len() {
        t[y] = day;
        day += if is_leap(y as u32) { 366 } else { 365 };
        y += 1;
    }
    t
};

/// Days of a year before each month (1–12) and before the next year, for common
/// and leap years.
const MONTH_STARTS: [[u16; 13]; 2] = [
    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
    [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
];

/// The date (year, month, day) of a day counted from 1970-01-01 (H. Hinnant's
/// `civil_from_days`), for any day chrono can hold.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The last representable second of a day, used as "the end of day N".
pub fn end_of_day(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN) + Duration::days(1) - Duration::seconds(1)
}

/// `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM` with a time of day. Findings carry millions of
/// these: the digits are put into a buffer and written at once (`write!` with padded
/// fields cost ~1,700 instructions a stamp); only a year outside 0–9999 goes through
/// `write!`.
impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.seconds();
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        let of_day = secs.rem_euclid(86_400) as u32;
        let mut buf = *b"0000-00-00 00:00";
        let mut two = |i: usize, v: u32| {
            buf[i] = b'0' + (v / 10 % 10) as u8;
            buf[i + 1] = b'0' + (v % 10) as u8;
        };
        two(5, month);
        two(8, day);
        two(11, of_day / 3600);
        two(14, of_day / 60 % 60);
        let from = match u32::try_from(year) {
            Ok(y @ 0..=9999) => {
                two(0, y / 100);
                two(2, y % 100);
                0
            }
            _ => {
                write!(f, "{year:04}")?;
                4
            }
        };
        let to = if self.date_only() { 10 } else { 16 };
        f.write_str(std::str::from_utf8(&buf[from..to]).expect("ASCII digits"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn date_only_same_day_counts_as_before() {
        let a = Stamp::day(d("2024-03-05"));
        let b = Stamp::time(d("2024-03-05").and_hms_opt(8, 0, 0).unwrap());
        assert!(b.not_after(&a));
        assert!(a.not_after(&b));
        let c = Stamp::time(d("2024-03-04").and_hms_opt(8, 0, 0).unwrap());
        assert!(!b.not_after(&c));
    }

    #[test]
    fn packed_stamps_keep_instant_flag_and_order() {
        let t = d("2024-03-05").and_hms_opt(14, 30, 59).unwrap();
        let s = Stamp::time(t);
        assert_eq!((s.at(), s.date_only()), (t, false));
        let day = Stamp::day(d("2024-03-05"));
        assert!(day.date_only());
        assert!(day < s && Stamp::day(d("1950-01-01")) < day);
        assert_eq!(std::mem::size_of::<Option<Stamp>>(), 8);
        let old = Stamp::day(d("1900-01-01"));
        assert_eq!(old.date(), d("1900-01-01"));
    }

    #[test]
    fn display_forms() {
        let t = d("2024-03-05").and_hms_opt(9, 5, 59).unwrap();
        assert_eq!(Stamp::time(t).to_string(), "2024-03-05 09:05");
        assert_eq!(Stamp::day(d("0999-01-02")).to_string(), "0999-01-02");
        let late = d("2031-12-31").and_hms_opt(23, 59, 0).unwrap();
        assert_eq!(Stamp::time(late).to_string(), "2031-12-31 23:59");
        assert_eq!(Stamp::day(d("1900-01-01")).to_string(), "1900-01-01");
        let far = NaiveDate::from_ymd_opt(12345, 6, 7).unwrap();
        assert_eq!(Stamp::day(far).to_string(), "12345-06-07");
        let before = NaiveDate::from_ymd_opt(-44, 3, 15).unwrap();
        assert_eq!(Stamp::day(before).to_string(), "-044-03-15");
    }

    /// The civil-date arithmetic agrees with chrono on every day of the years 0–9999,
    /// both ways, and refuses the days and times that do not exist.
    #[test]
    fn civil_dates_agree_with_chrono() {
        let mut date = NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
        use chrono::Datelike;
        loop {
            let (y, m, dd) = (date.year() as u32, date.month(), date.day());
            assert_eq!(Stamp::from_civil(y, m, dd, None), Some(Stamp::day(date)));
            let back = civil_from_days(Stamp::day(date).day_number());
            assert_eq!(back, (i64::from(date.year()), m, dd));
            if date == last {
                break;
            }
            date = date.succ_opt().unwrap();
        }
        let t = d("2024-02-29").and_hms_opt(23, 59, 59).unwrap();
        assert_eq!(
            Stamp::from_civil(2024, 2, 29, Some((23, 59, 59))),
            Some(Stamp::time(t))
        );
        for (y, m, dd) in [
            (2023, 2, 29),
            (1900, 2, 29),
            (2024, 4, 31),
            (2024, 13, 1),
            (2024, 0, 1),
            (2024, 1, 0),
            (10000, 1, 1),
        ] {
            assert_eq!(Stamp::from_civil(y, m, dd, None), None, "{y}-{m}-{dd}");
        }
        assert!(Stamp::from_civil(2000, 2, 29, None).is_some());
        for time in [(24, 0, 0), (0, 60, 0), (0, 0, 60)] {
            assert_eq!(Stamp::from_civil(2024, 3, 5, Some(time)), None);
        }
    }

    #[test]
    fn latest_of_a_date_is_end_of_day() {
        let a = Stamp::day(d("2024-03-05"));
        assert_eq!(a.latest().to_string(), "2024-03-05 23:59:59");
    }

    /// The comparisons on seconds and day numbers agree with the ones on chrono's dates
    /// and times, before 1970 too (negative seconds).
    #[test]
    fn second_arithmetic_agrees_with_dates() {
        let days = ["1969-12-31", "1970-01-01", "2024-03-05", "2024-03-06"];
        let mut stamps = Vec::new();
        for s in days {
            stamps.push(Stamp::day(d(s)));
            for (h, m) in [(0, 0), (9, 30), (23, 59)] {
                stamps.push(Stamp::time(d(s).and_hms_opt(h, m, 0).unwrap()));
            }
        }
        for a in &stamps {
            assert_eq!(a.latest_seconds(), a.latest().and_utc().timestamp(), "{a}");
            for b in &stamps {
                let by_date = if a.date_only() || b.date_only() {
                    a.date() <= b.date()
                } else {
                    a.at() <= b.at()
                };
                assert_eq!(a.not_after(b), by_date, "{a} / {b}");
                assert_eq!(
                    a.day_number() > b.day_number(),
                    a.date() > b.date(),
                    "{a} / {b}"
                );
                // `within` as "footage from a to c covers the moment b": any footage that
                // day for a date-only moment, else from a's start to c's last instant.
                for c in &stamps {
                    let covered = if b.date_only() {
                        a.date() <= b.date() && b.date() <= c.date()
                    } else {
                        a.at() <= b.at() && b.at() <= c.latest()
                    };
                    assert_eq!(b.within(a, c), covered, "{a} {b} {c}");
                }
            }
        }
    }
}
