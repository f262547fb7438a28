//! Deadline arithmetic (RULES.md "Counting a deadline"): the event's own day is day 0;
//! calendar days end at the end of day N, working days at the end of the N-th working
//! day after the event's day, hours at exactly event + N hours.

use crate::calendar::{Calendar, MissingYear};
use crate::model::stamp::end_of_day;
use crate::model::Stamp;
use crate::profile::{Deadline, Unit};
use chrono::{Duration, NaiveDate};

/// The last instant that is still on time, in seconds since 1970-01-01 00:00 (the unit of
/// [`Stamp::seconds`]): footage deadlines in hours are computed for millions of rows, as
/// plain additions.
pub fn due(
    from: Stamp,
    d: &Deadline,
    cal: &Calendar,
    extend_over_holiday: bool,
) -> Result<i64, MissingYear> {
    let end = |day: NaiveDate| end_of_day(day).and_utc().timestamp();
    Ok(match d.unit {
        Unit::Hours => from.latest_seconds() + i64::from(d.n) * 3600,
        Unit::EndOfDay => end(from.date()),
        Unit::Days => {
            let last = from.date() + Duration::days(i64::from(d.n));
            if extend_over_holiday {
                end(cal.next_working_day(last)?)
            } else {
                end(last)
            }
        }
        Unit::WorkingDays => end(cal.add_working_days(from.date(), d.n)?),
    })
}

/// How late `done` is against `due` ([`due`]'s seconds), in seconds (positive when late).
/// A date-only completion means the end of that day.
pub fn lateness(done: Stamp, due: i64) -> i64 {
    done.latest_seconds() - due
}

/// The calendar day of a [`due`] instant.
pub fn due_day(due: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(due, 0).map_or(NaiveDate::MAX, |t| t.date_naive())
}

/// Chinese wording of a lateness: whole days when the deadline is a day count.
pub fn zh_late(secs: i64, d: &Deadline) -> String {
    match d.unit {
        Unit::Hours => super::zh_duration(secs),
        _ => format!("{} 日", (secs + 86_399) / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, NaiveDateTime};

    fn day(s: &str) -> Stamp {
        Stamp::day(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }
    fn at(s: &str) -> Stamp {
        Stamp::time(NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
    }

    #[test]
    fn calendar_days_end_at_end_of_day_n() {
        let cal = Calendar::shipped();
        let d = Deadline {
            n: 30,
            unit: Unit::Days,
        };
        let due = due(day("2024-03-01"), &d, &cal, false).unwrap();
        assert_eq!(lateness(day("2024-03-31"), due), 0);
        assert!(lateness(day("2024-04-01"), due) > 0);
    }

    #[test]
    fn hours_are_exact() {
        let cal = Calendar::shipped();
        let d = Deadline {
            n: 24,
            unit: Unit::Hours,
        };
        let due = due(at("2024-03-01 10:00"), &d, &cal, false).unwrap();
        assert_eq!(lateness(at("2024-03-02 10:00"), due), 0);
        assert_eq!(lateness(at("2024-03-02 10:01"), due), 60);
    }

    #[test]
    fn holiday_extension_is_opt_in() {
        let cal = Calendar::shipped();
        let d = Deadline {
            n: 4,
            unit: Unit::Days,
        };
        // 2024-09-27 + 4 days = 2024-10-01, a holiday.
        assert_eq!(
            due_day(due(day("2024-09-27"), &d, &cal, false).unwrap()).to_string(),
            "2024-10-01"
        );
        assert_eq!(
            due_day(due(day("2024-09-27"), &d, &cal, true).unwrap()).to_string(),
            "2024-10-08"
        );
    }
}
