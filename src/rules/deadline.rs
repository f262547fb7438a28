//! Deadline arithmetic (RULES.md "Counting a deadline"): the event's own day is day 0;
//! calendar days end at the end of day N, working days at the end of the N-th working
//! day after the event's day, hours at exactly event + N hours.

use crate::calendar::{Calendar, MissingYear};
use crate::model::stamp::end_of_day;
use crate::model::Stamp;
use crate::profile::{Deadline, Unit};
use chrono::{Duration, NaiveDateTime};

/// The last instant that is still on time.
pub fn due(
    from: Stamp,
    d: &Deadline,
    cal: &Calendar,
    extend_over_holiday: bool,
) -> Result<NaiveDateTime, MissingYear> {
    // The day is built only for the day-based units: footage deadlines in hours are
    // computed for millions of rows.
    let day = || from.date();
    Ok(match d.unit {
        Unit::Hours => from.latest() + Duration::hours(i64::from(d.n)),
        Unit::EndOfDay => end_of_day(day()),
        Unit::Days => {
            let last = day() + Duration::days(i64::from(d.n));
            if extend_over_holiday {
                end_of_day(cal.next_working_day(last)?)
            } else {
                end_of_day(last)
            }
        }
        Unit::WorkingDays => end_of_day(cal.add_working_days(day(), d.n)?),
    })
}

/// How late `done` is against `due`, in seconds (positive when late). A date-only
/// completion means the end of that day.
pub fn lateness(done: Stamp, due: NaiveDateTime) -> i64 {
    done.latest_seconds() - due.and_utc().timestamp()
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
    use chrono::NaiveDate;

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
            due(day("2024-09-27"), &d, &cal, false)
                .unwrap()
                .date()
                .to_string(),
            "2024-10-01"
        );
        assert_eq!(
            due(day("2024-09-27"), &d, &cal, true)
                .unwrap()
                .date()
                .to_string(),
            "2024-10-08"
        );
    }
}
