//! Change tracking against a previous run (`--baseline DIR`): every finding is 新增 or 持续,
//! and every baseline finding no longer reported is 已整改, or 不在本期 when its case (or its
//! footage) is outside this run's window. Findings are identified by (rule, 案号, subject).

use crate::error::{Error, Result};
use crate::model::Bundle;
use crate::rules::{Finding, Recurrence};
use foldhash::{HashMap, HashSet};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Reported in the baseline, gone now, its case still under review.
pub const RESOLVED: &str = "已整改";
/// Reported in the baseline; its case is outside this run's window.
pub const OUT_OF_WINDOW: &str = "不在本期";

/// A finding of the baseline run, as findings.jsonl kept it. Read, its texts borrow the
/// line they come from (`'a`); a finding kept after its line is gone is `'static`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PastFinding<'a> {
    /// Rule code.
    #[serde(borrow)]
    pub rule: Cow<'a, str>,
    /// Rule title.
    #[serde(default, borrow)]
    pub title: Cow<'a, str>,
    /// Severity.
    #[serde(default, borrow)]
    pub severity: Cow<'a, str>,
    /// 案号.
    #[serde(default, borrow)]
    pub case_no: Cow<'a, str>,
    /// 执法机关.
    #[serde(default, borrow)]
    pub agency: Cow<'a, str>,
    /// Subject.
    #[serde(default, borrow)]
    pub subject: Cow<'a, str>,
    /// Detail as reported then.
    #[serde(default, borrow)]
    pub detail: Cow<'a, str>,
    /// Set aside by a waiver then.
    #[serde(default)]
    pub waived: bool,
}

impl PastFinding<'_> {
    fn into_owned(self) -> PastFinding<'static> {
        let own = |c: Cow<'_, str>| Cow::Owned(c.into_owned());
        PastFinding {
            rule: own(self.rule),
            title: own(self.title),
            severity: own(self.severity),
            case_no: own(self.case_no),
            agency: own(self.agency),
            subject: own(self.subject),
            detail: own(self.detail),
            waived: self.waived,
        }
    }
}

/// A baseline finding that this run no longer reports.
#[derive(Debug, Clone, Serialize)]
pub struct Gone {
    /// What it was.
    pub finding: PastFinding<'static>,
    /// 已整改 or 不在本期.
    pub status: &'static str,
}

/// The comparison with a baseline.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tracking {
    /// The baseline folder.
    pub baseline: String,
    /// Counts by status.
    pub counts: BTreeMap<&'static str, usize>,
    /// Baseline findings no longer reported.
    pub gone: Vec<Gone>,
}

/// Mark each current finding 新增/持续 against the baseline run in `dir` and list the
/// baseline findings that are gone. `in_scope` is the bundle this run judged (after its
/// window).
///
/// The baseline's findings.jsonl is read a line at a time, and a line is kept only when its
/// finding is gone: at province scale the file is a gigabyte and its findings number in
/// the millions, most of them still reported, and this runs while the run's rows and
/// findings are all held.
pub fn track(findings: &mut [Finding], dir: &Path, in_scope: &Bundle) -> Result<Tracking> {
    let p = dir.join("findings.jsonl");
    let unreadable = |e: std::io::Error| {
        Error::Config(format!(
            "无法读取上期评查结果 {}：{}",
            p.display(),
            crate::error::io_zh(&e)
        ))
    };
    let mut file = BufReader::with_capacity(1 << 20, File::open(&p).map_err(unreadable)?);
    let cases = &in_scope.cases[..];
    // Each current finding's key, and for each finding the first one that has its key:
    // findings are told by (rule, 案号, subject), compared as borrowed text.
    let (persisting, past_gone) = {
        let mut now: HashMap<(&str, &str, &str), u32> = HashMap::default();
        now.reserve(findings.len());
        let first: Vec<u32> = (0u32..)
            .zip(findings.iter())
            .map(|(i, f)| {
                *now.entry((f.rule(), f.case_no(cases), f.subject()))
                    .or_insert(i)
            })
            .collect();
        let mut seen = vec![false; findings.len()];
        let mut past_gone = Vec::new();
        let mut line = String::new();
        for n in 1.. {
            line.clear();
            if file.read_line(&mut line).map_err(unreadable)? == 0 {
                break;
            }
            if line.trim().is_empty() {
                continue;
            }
            let past: PastFinding<'_> = serde_json::from_str(line.trim_end()).map_err(|e| {
                Error::Config(format!(
                    "上期评查结果 {} 无效：{}",
                    p.display(),
                    crate::error::json_zh(&e, n)
                ))
            })?;
            if past.waived {
                continue;
            }
            match now.get(&(&*past.rule, &*past.case_no, &*past.subject)) {
                Some(&i) => seen[i as usize] = true,
                None => past_gone.push(past.into_owned()),
            }
        }
        let persisting: Vec<bool> = first.iter().map(|&i| seen[i as usize]).collect();
        (persisting, past_gone)
    };
    let mut t = Tracking {
        baseline: dir.display().to_string(),
        ..Tracking::default()
    };
    for (f, persisting) in findings.iter_mut().zip(persisting) {
        let s = if persisting {
            Recurrence::Persisting
        } else {
            Recurrence::New
        };
        f.status = Some(s);
        *t.counts.entry(s.zh()).or_insert(0) += 1;
    }
    if past_gone.is_empty() {
        return Ok(t);
    }
    let cases: HashSet<&str> = cases.iter().map(|c| &*c.case_no).collect();
    let media: HashSet<&str> = in_scope
        .media
        .iter()
        .map(|m| in_scope.text(m.media_id))
        .collect();
    for p in past_gone {
        let judged = if p.case_no.is_empty() {
            media.contains(&*p.subject)
        } else {
            cases.contains(&*p.case_no)
        };
        let status = if judged { RESOLVED } else { OUT_OF_WINDOW };
        *t.counts.entry(status).or_insert(0) += 1;
        t.gone.push(Gone { finding: p, status });
    }
    Ok(t)
}
