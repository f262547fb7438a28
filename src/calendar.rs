//! The Chinese working-day calendar: statutory holidays (法定节假日) and 调休 make-up working
//! days, shipped as the holiday-cn JSON files (2016–2027) and extensible with `--calendar`.

use crate::error::{Error, Result};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use foldhash::HashMap;
use std::collections::BTreeSet;

/// The shipped year files (holiday-cn format, MIT licence: data/holiday-cn/LICENSE).
const SHIPPED: &[&str] = &[
    include_str!("../data/holiday-cn/2016.json"),
    include_str!("../data/holiday-cn/2017.json"),
    include_str!("../data/holiday-cn/2018.json"),
    include_str!("../data/holiday-cn/2019.json"),
    include_str!("../data/holiday-cn/2020.json"),
    include_str!("../data/holiday-cn/2021.json"),
    include_str!("../data/holiday-cn/2022.json"),
    include_str!("../data/holiday-cn/2023.json"),
    include_str!("../data/holiday-cn/2024.json"),
    include_str!("../data/holiday-cn/2025.json"),
    include_str!("../data/holiday-cn/2026.json"),
    include_str!("../data/holiday-cn/2027.json"),
];

#[derive(serde::Deserialize)]
struct YearFile {
    year: i32,
    days: Vec<DayEntry>,
}

#[derive(serde::Deserialize)]
struct DayEntry {
    date: NaiveDate,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// A year the calendar has no data for: working-day deadlines reaching it are not evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MissingYear(pub i32);

/// Holidays and make-up working days for the covered years.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    exceptions: HashMap<NaiveDate, bool>,
    years: BTreeSet<i32>,
    days: DayTable,
}

/// Every day from 1 January of the first covered year to 31 December of the last, with the
/// number of working days before it, so a deadline of N working days is a binary search
/// instead of a walk of N days. Days of uncovered years count as not working; callers
/// check coverage separately.
#[derive(Debug, Clone, Default)]
struct DayTable {
    first: Option<NaiveDate>,
    /// `before[i]`: working days among the first `i` days of the table (`len` = days + 1).
    before: Vec<u32>,
}

impl DayTable {
    fn build(years: &BTreeSet<i32>, exceptions: &HashMap<NaiveDate, bool>) -> DayTable {
        let (Some(&lo), Some(&hi)) = (years.first(), years.last()) else {
            return DayTable::default();
        };
        let first = NaiveDate::from_ymd_opt(lo, 1, 1);
        let mut before = vec![0u32];
        let mut day = first;
        while let Some(d) = day.filter(|d| d.year() <= hi) {
            let working = years.contains(&d.year())
                && match exceptions.get(&d) {
                    Some(off) => !off,
                    None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
                };
            before.push(before[before.len() - 1] + u32::from(working));
            day = d.succ_opt();
        }
        DayTable { first, before }
    }

    /// Index of `d` in the table, if it is there.
    fn index(&self, d: NaiveDate) -> Option<usize> {
        let i = usize::try_from((d - self.first?).num_days()).ok()?;
        (i + 1 < self.before.len()).then_some(i)
    }

    fn day(&self, i: usize) -> Option<NaiveDate> {
        self.first?.checked_add_signed(Duration::days(i as i64))
    }

    /// The first day at or after index `from` by which `n` more working days (counted from
    /// `from`) have passed; `None` past the table.
    fn nth_working_from(&self, from: usize, n: u32) -> Option<usize> {
        let target = self.before[from] + n;
        let k = from + 1 + self.before[from + 1..].partition_point(|&b| b < target);
        (k < self.before.len()).then(|| k - 1)
    }
}

impl Calendar {
    /// The calendar shipped with the tool.
    pub fn shipped() -> Calendar {
        let mut c = Calendar::default();
        for text in SHIPPED {
            c.add_json(text, "内置日历")
                .expect("shipped calendar files are valid");
        }
        c
    }

    /// Add a year file in the holiday-cn JSON format (`{"year": 2027, "days": [{"date":
    /// "2027-01-01", "isOffDay": true}, …]}`). A year counts as covered once its file lists
    /// at least one date of that year.
    pub fn add_json(&mut self, text: &str, origin: &str) -> Result<()> {
        let f: YearFile = serde_json::from_str(text).map_err(|e| {
            Error::Config(format!(
                "日历文件 {origin} 无效：{}",
                crate::error::json_zh(&e, 1)
            ))
        })?;
        for d in &f.days {
            self.exceptions.insert(d.date, d.is_off_day);
            if d.date.year() == f.year {
                self.years.insert(f.year);
            }
        }
        self.days = DayTable::build(&self.years, &self.exceptions);
        Ok(())
    }

    /// Add a calendar file given with `--calendar`.
    pub fn add_file(&mut self, path: &std::path::Path) -> Result<()> {
        let text = crate::error::read_config(path, "日历文件")?;
        self.add_json(&text, &path.display().to_string())
    }

    /// Years with data.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// The first uncovered year of `from ..= to`.
    fn first_gap(&self, from: i32, to: i32) -> std::result::Result<(), MissingYear> {
        match (from..=to).find(|y| !self.years.contains(y)) {
            Some(y) => Err(MissingYear(y)),
            None => Ok(()),
        }
    }

    /// The first day at or after `from` by which `n` working days (counted from `from`
    /// itself) have passed, every day on the way in a covered year.
    fn reach(&self, from: NaiveDate, n: u32) -> std::result::Result<NaiveDate, MissingYear> {
        let i = self.days.index(from).ok_or(MissingYear(from.year()))?;
        match self
            .days
            .nth_working_from(i, n)
            .and_then(|k| self.days.day(k))
        {
            Some(end) => self.first_gap(from.year(), end.year()).map(|()| end),
            // Past the table: the year after the last covered one is a gap at the latest.
            None => {
                let after = self.years.last().map_or(from.year(), |y| y + 1);
                self.first_gap(from.year(), after)
                    .and(Err(MissingYear(after)))
            }
        }
    }

    /// Is `d` a working day? `Err` when its year is not covered.
    pub fn is_working_day(&self, d: NaiveDate) -> std::result::Result<bool, MissingYear> {
        if !self.years.contains(&d.year()) {
            return Err(MissingYear(d.year()));
        }
        let i = self.days.index(d).ok_or(MissingYear(d.year()))?;
        Ok(self.days.before[i + 1] > self.days.before[i])
    }

    /// The N-th working day after `d` (day 0 is `d` itself).
    pub fn add_working_days(
        &self,
        d: NaiveDate,
        n: u32,
    ) -> std::result::Result<NaiveDate, MissingYear> {
        if n == 0 {
            return Ok(d);
        }
        let next = d.succ_opt().ok_or(MissingYear(d.year()))?;
        self.reach(next, n)
    }

    /// The first working day on or after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> std::result::Result<NaiveDate, MissingYear> {
        self.reach(d, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn national_day_2024_and_its_make_up_days() {
        let c = Calendar::shipped();
        // Friday 27 Sept; Sunday 29 Sept is a make-up working day; 1–7 Oct are off.
        assert_eq!(c.add_working_days(d("2024-09-27"), 1), Ok(d("2024-09-29")));
        assert_eq!(c.add_working_days(d("2024-09-27"), 2), Ok(d("2024-09-30")));
        assert_eq!(c.add_working_days(d("2024-09-27"), 3), Ok(d("2024-10-08")));
        // Saturday 12 Oct is a make-up working day too.
        assert_eq!(c.is_working_day(d("2024-10-12")), Ok(true));
        assert_eq!(c.is_working_day(d("2024-10-13")), Ok(false));
        // 9-29, 9-30, 10-8 … 10-12 (Saturday), 10-14 … counting 20 lands on Wednesday 10-30.
        assert_eq!(c.add_working_days(d("2024-09-27"), 20), Ok(d("2024-10-30")));
    }

    #[test]
    fn spring_festival_2019() {
        let c = Calendar::shipped();
        assert_eq!(c.is_working_day(d("2019-02-05")), Ok(false));
        assert_eq!(c.is_working_day(d("2019-02-02")), Ok(true));
    }

    #[test]
    fn uncovered_year_is_reported_not_guessed() {
        let c = Calendar::shipped();
        assert!(c.years().any(|y| y == 2018));
        assert!(c.years().any(|y| y == 2026));
        assert_eq!(
            c.add_working_days(d("2027-03-01"), 2),
            Err(MissingYear(2027))
        );
        let mut c2 = c.clone();
        c2.add_json(
            r#"{"year":2027,"days":[{"date":"2027-01-01","isOffDay":true}]}"#,
            "t",
        )
        .unwrap();
        assert_eq!(c2.add_working_days(d("2027-03-01"), 2), Ok(d("2027-03-03")));
    }

    /// The definition the day table must agree with: walk day by day.
    fn walk(c: &Calendar, d: NaiveDate, n: u32) -> std::result::Result<NaiveDate, MissingYear> {
        let mut day = d;
        let mut k = 0;
        while k < n {
            day += Duration::days(1);
            if c.is_working_day(day)? {
                k += 1;
            }
        }
        Ok(day)
    }

    #[test]
    fn day_table_agrees_with_walking_day_by_day_across_a_missing_year() {
        let mut c = Calendar::default();
        for text in [SHIPPED[2], SHIPPED[4], SHIPPED[5]] {
            c.add_json(text, "t").unwrap();
        }
        assert_eq!(c.years().collect::<Vec<_>>(), vec![2018, 2020, 2021]);
        let mut day = d("2017-12-20");
        while day < d("2022-01-10") {
            for n in [0, 1, 2, 5, 15, 20, 60, 300] {
                assert_eq!(c.add_working_days(day, n), walk(&c, day, n), "{day} + {n}");
            }
            let mut next = day;
            let naive = loop {
                match c.is_working_day(next) {
                    Ok(true) => break Ok(next),
                    Ok(false) => next += Duration::days(1),
                    Err(e) => break Err(e),
                }
            };
            assert_eq!(c.next_working_day(day), naive, "{day}");
            day += Duration::days(3);
        }
    }
}
