//! Change tracking against a previous run (`--baseline DIR`): every finding is 新增 or 持续,
//! and every baseline finding no longer reported is 已整改, or 不在本期 when its case (or its
//! footage) is outside this run's window. Findings are identified by (rule, 案号, subject).

use crate::error::{Error, Result};
use crate::model::{Bundle, Case};
use crate::rules::{Finding, Recurrence};
use foldhash::HashSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Reported in the baseline, gone now, its case still under review.
pub const RESOLVED: &str = "已整改";
/// Reported in the baseline; its case is outside this run's window.
pub const OUT_OF_WINDOW: &str = "不在本期";

/// A finding of the baseline run, as findings.jsonl kept it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PastFinding {
    /// Rule code.
    pub rule: String,
    /// Rule title.
    #[serde(default)]
    pub title: String,
    /// Severity.
    #[serde(default)]
    pub severity: String,
    /// 案号.
    #[serde(default)]
    pub case_no: String,
    /// 执法机关.
    #[serde(default)]
    pub agency: String,
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Detail as reported then.
    #[serde(default)]
    pub detail: String,
    /// Set aside by a waiver then.
    #[serde(default)]
    pub waived: bool,
}

/// A baseline finding that this run no longer reports.
#[derive(Debug, Clone, Serialize)]
pub struct Gone {
    /// What it was.
    pub finding: PastFinding,
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

/// Read a previous run's findings.jsonl.
pub fn load(dir: &Path) -> Result<Vec<PastFinding>> {
    let p = dir.join("findings.jsonl");
    let text = std::fs::read_to_string(&p)
        .map_err(|e| Error::Config(format!("无法读取上期评查结果 {}：{e}", p.display())))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::Config(format!(
                    "上期评查结果 {} 第 {} 行无效：{e}",
                    p.display(),
                    i + 1
                ))
            })
        })
        .collect()
}

/// Mark each current finding 新增/持续 and list the baseline findings that are gone.
/// `in_scope` is the bundle this run judged (after its window), `full` the whole export.
pub fn compare(
    findings: &mut [Finding],
    past: Vec<PastFinding>,
    in_scope: &Bundle,
    baseline: &Path,
) -> Tracking {
    // Findings are told by (rule, 案号, subject), compared as borrowed text: a baseline run
    // at province scale compares millions of findings each way.
    fn now_key<'a>(f: &'a Finding, cases: &'a [Case]) -> (&'a str, &'a str, &'a str) {
        (f.rule(), f.case_no(cases), f.subject())
    }
    fn past_key(p: &PastFinding) -> (&str, &str, &str) {
        (&p.rule, &p.case_no, &p.subject)
    }
    let cases = &in_scope.cases[..];
    let persisting: Vec<bool> = {
        let before: HashSet<(&str, &str, &str)> =
            past.iter().filter(|p| !p.waived).map(past_key).collect();
        findings
            .iter()
            .map(|f| before.contains(&now_key(f, cases)))
            .collect()
    };
    let gone: Vec<bool> = {
        let now: HashSet<(&str, &str, &str)> = findings.iter().map(|f| now_key(f, cases)).collect();
        past.iter()
            .map(|p| !p.waived && !now.contains(&past_key(p)))
            .collect()
    };
    let mut t = Tracking {
        baseline: baseline.display().to_string(),
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
    let cases: HashSet<&str> = in_scope.cases.iter().map(|c| &*c.case_no).collect();
    let media: HashSet<&str> = in_scope
        .media
        .iter()
        .map(|m| in_scope.text(m.media_id))
        .collect();
    for p in past
        .into_iter()
        .zip(gone)
        .filter(|(_, g)| *g)
        .map(|(p, _)| p)
    {
        let judged = if p.case_no.is_empty() {
            media.contains(p.subject.as_str())
        } else {
            cases.contains(p.case_no.as_str())
        };
        let status = if judged { RESOLVED } else { OUT_OF_WINDOW };
        *t.counts.entry(status).or_insert(0) += 1;
        t.gone.push(Gone { finding: p, status });
    }
    t
}
