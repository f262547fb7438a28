//! Points in time as the exports give them: a datetime, or a date without a time.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt;

/// A date or datetime cell. A date-only cell keeps `date_only = true` so that the
/// boundary conventions of RULES.md can treat it as "that whole day".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    /// The instant; midnight for a date-only cell.
    pub at: NaiveDateTime,
    /// True when the cell held a date without a time of day.
    pub date_only: bool,
}

impl Stamp {
    /// A date-only stamp.
    pub fn day(date: NaiveDate) -> Stamp {
        Stamp {
            at: date.and_time(NaiveTime::MIN),
            date_only: true,
        }
    }

    /// A stamp with a time of day.
    pub fn time(at: NaiveDateTime) -> Stamp {
        Stamp {
            at,
            date_only: false,
        }
    }

    /// The calendar day.
    pub fn date(&self) -> NaiveDate {
        self.at.date()
    }

    /// The latest instant the stamp may stand for: the end of the day for a date-only
    /// cell ("a completion time given as a date only means the end of that day").
    pub fn latest(&self) -> NaiveDateTime {
        if self.date_only {
            end_of_day(self.date())
        } else {
            self.at
        }
    }

    /// True when `self` is not after `other`; when either side is date-only the
    /// same day counts as before (RULES.md, "Date-only cells").
    pub fn not_after(&self, other: &Stamp) -> bool {
        if self.date_only || other.date_only {
            self.date() <= other.date()
        } else {
            self.at <= other.at
        }
    }
}

/// The last representable second of a day, used as "the end of day N".
pub fn end_of_day(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN) + Duration::days(1) - Duration::seconds(1)
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.date_only {
            write!(f, "{}", self.at.format("%Y-%m-%d"))
        } else {
            write!(f, "{}", self.at.format("%Y-%m-%d %H:%M"))
        }
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
    fn latest_of_a_date_is_end_of_day() {
        let a = Stamp::day(d("2024-03-05"));
        assert_eq!(a.latest().to_string(), "2024-03-05 23:59:59");
    }
}
