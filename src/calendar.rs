//! The Chinese working-day calendar: statutory holidays (法定节假日) and 调休 make-up working
//! days, shipped as the holiday-cn JSON files (2016–2027) and extensible with `--calendar`.

use crate::error::{Error, Result};
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::{BTreeSet, HashMap};

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
        let f: YearFile = serde_json::from_str(text)
            .map_err(|e| Error::Config(format!("日历文件 {origin} 无效：{e}")))?;
        for d in &f.days {
            self.exceptions.insert(d.date, d.is_off_day);
            if d.date.year() == f.year {
                self.years.insert(f.year);
            }
        }
        Ok(())
    }

    /// Add a calendar file given with `--calendar`.
    pub fn add_file(&mut self, path: &std::path::Path) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("无法读取日历文件 {}：{e}", path.display())))?;
        self.add_json(&text, &path.display().to_string())
    }

    /// Years with data.
    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    /// Is `d` a working day? `Err` when its year is not covered.
    pub fn is_working_day(&self, d: NaiveDate) -> std::result::Result<bool, MissingYear> {
        if !self.years.contains(&d.year()) {
            return Err(MissingYear(d.year()));
        }
        Ok(match self.exceptions.get(&d) {
            Some(off) => !off,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    /// The N-th working day after `d` (day 0 is `d` itself).
    pub fn add_working_days(
        &self,
        d: NaiveDate,
        n: u32,
    ) -> std::result::Result<NaiveDate, MissingYear> {
        let mut day = d;
        let mut k = 0;
        while k < n {
            day += Duration::days(1);
            if self.is_working_day(day)? {
                k += 1;
            }
        }
        Ok(day)
    }

    /// The first working day on or after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> std::result::Result<NaiveDate, MissingYear> {
        let mut day = d;
        while !self.is_working_day(day)? {
            day += Duration::days(1);
        }
        Ok(day)
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
}
