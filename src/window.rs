//! Review windows (`--period 2024-03`, `--period 2024`, `--from/--to`): which cases,
//! footage and access rows a review covers (OUTPUT.md "Review windows"). Deadlines still
//! count against `--as-of`.

use crate::error::{Error, Result};
use crate::model::{Case, Stamp};
use chrono::{Duration, NaiveDate, NaiveDateTime};

/// A closed range of days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// How the report names it (`2024年3月`, `2024年`, `2024-03-01 至 2024-03-31`).
    pub label: String,
}

fn date(s: &str, what: &str) -> Result<NaiveDate> {
    crate::ingest::cells::parse_stamp_text(s)
        .map(|s| s.date())
        .ok_or_else(|| Error::Config(format!("{what}「{s}」无效，应为 YYYY-MM-DD")))
}

impl Window {
    /// Parse `--period` (`YYYY-MM` or `YYYY`) or `--from`/`--to` (either may be open).
    pub fn parse(
        period: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Option<Window>> {
        if let Some(p) = period {
            if from.is_some() || to.is_some() {
                return Err(Error::Config("--period 不能与 --from/--to 同时使用".into()));
            }
            let p = p.trim();
            let bad = || {
                Error::Config(format!(
                    "评查期间「{p}」无效，应为 YYYY-MM（某月）或 YYYY（某年）"
                ))
            };
            // A year of four digits, a month of one or two (`0`, `99999` or `+2024` would
            // parse as numbers: a slip, not a period anyone reviews).
            let digits = |t: &str, n: std::ops::RangeInclusive<usize>| {
                n.contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
            };
            let year = |t: &str| -> Result<i32> {
                digits(t, 4..=4)
                    .then(|| t.parse().ok())
                    .flatten()
                    .ok_or_else(bad)
            };
            if let Some((y, m)) = p.split_once(['-', '/']) {
                let y = year(y)?;
                let m: u32 = digits(m, 1..=2)
                    .then(|| m.parse().ok())
                    .flatten()
                    .ok_or_else(bad)?;
                let from = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
                let next = if m == 12 {
                    NaiveDate::from_ymd_opt(y + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(y, m + 1, 1)
                }
                .ok_or_else(bad)?;
                return Ok(Some(Window {
                    from,
                    to: next - Duration::days(1),
                    label: format!("{y}年{m}月"),
                }));
            }
            let y = year(p)?;
            let from = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(bad)?;
            return Ok(Some(Window {
                from,
                to: NaiveDate::from_ymd_opt(y, 12, 31).ok_or_else(bad)?,
                label: format!("{y}年"),
            }));
        }
        if from.is_none() && to.is_none() {
            return Ok(None);
        }
        let f = from
            .map(|s| date(s, "--from"))
            .transpose()?
            .unwrap_or(NaiveDate::MIN);
        let t = to
            .map(|s| date(s, "--to"))
            .transpose()?
            .unwrap_or(NaiveDate::MAX);
        if t < f {
            return Err(Error::Config("--to 早于 --from".into()));
        }
        let show = |d: NaiveDate, open: &str| {
            if d == NaiveDate::MIN || d == NaiveDate::MAX {
                open.to_string()
            } else {
                d.to_string()
            }
        };
        Ok(Some(Window {
            from: f,
            to: t,
            label: format!("{} 至 {}", show(f, "最早"), show(t, "最晚")),
        }))
    }

    /// A case is in the window when it was active in it: opened on or before the window's
    /// end and not closed before its start. A case without 启动日期 counts as in.
    pub fn has_case(&self, c: &Case) -> bool {
        let opened_ok = c.opened_at.is_none_or(|o| o.date() <= self.to);
        let not_closed_before = c.closed_at.is_none_or(|e| e.date() >= self.from);
        opened_ok && not_closed_before
    }

    /// Footage and access rows are in the window by their own time.
    pub fn has_time(&self, t: NaiveDateTime) -> bool {
        (self.from..=self.to).contains(&t.date())
    }

    /// Like [`Window::has_time`] for an optional stamp (no time: in).
    pub fn has_stamp(&self, s: Option<Stamp>) -> bool {
        s.is_none_or(|s| self.has_time(s.at()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_years_and_ranges() {
        let w = Window::parse(Some("2024-02"), None, None).unwrap().unwrap();
        assert_eq!(
            (w.from.to_string(), w.to.to_string()),
            ("2024-02-01".into(), "2024-02-29".into())
        );
        assert_eq!(w.label, "2024年2月");
        let w = Window::parse(Some("2024-12"), None, None).unwrap().unwrap();
        assert_eq!(w.to.to_string(), "2024-12-31");
        let w = Window::parse(Some("2023"), None, None).unwrap().unwrap();
        assert_eq!(
            (w.from.to_string(), w.to.to_string()),
            ("2023-01-01".into(), "2023-12-31".into())
        );
        let w = Window::parse(None, Some("2024-03-05"), None)
            .unwrap()
            .unwrap();
        assert!(w.has_time(
            NaiveDate::from_ymd_opt(2030, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
        ));
        assert!(Window::parse(None, None, None).unwrap().is_none());
        assert_eq!(
            Window::parse(Some("2024-13"), None, None)
                .unwrap_err()
                .exit_code(),
            4
        );
        assert!(Window::parse(None, Some("2024-03-05"), Some("2024-03-01")).is_err());
        for slip in [
            "0", "99999", "+2024", "24-03", "2024-003", "2024-+3", "2024-",
        ] {
            assert!(
                Window::parse(Some(slip), None, None).is_err(),
                "{slip} is not a period"
            );
        }
        let w = Window::parse(Some("2024/3"), None, None).unwrap().unwrap();
        assert_eq!(w.label, "2024年3月");
    }
}
