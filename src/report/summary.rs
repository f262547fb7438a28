//! summary.json: run metadata, counts by rule, severity and agency, scores, coverage.
//! Scripts, dashboards and the PDF report read these numbers from one source.

use super::ReportView;
use crate::model::Table;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Serialize)]
struct Input<'a> {
    table: &'static str,
    file: &'a str,
    sheet: Option<&'a str>,
    encoding: Option<&'a str>,
    rows: usize,
    summary_rows_dropped: usize,
    sha256: &'a str,
}

#[derive(Serialize)]
struct ProfileInfo<'a> {
    id: &'a str,
    regulation: &'a str,
}

#[derive(Serialize)]
struct Summary<'a> {
    tool: &'static str,
    meta: &'a super::RunMeta,
    profiles: Vec<ProfileInfo<'a>>,
    inputs: Vec<Input<'a>>,
    cases: usize,
    agencies: usize,
    findings: usize,
    by_severity: BTreeMap<&'static str, u32>,
    by_rule: BTreeMap<&'a str, u32>,
    by_agency: &'a BTreeMap<String, u32>,
    waived: u32,
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    unmatched_waivers: &'a [u32],
    mean_score: f64,
    pass_rate: f64,
    grades: &'a [(String, u32)],
    agency_scores: &'a [crate::scoring::AgencyScore],
    rule_stats: &'a [crate::scoring::RuleStat],
    not_evaluated: &'a [crate::rules::engine::NotEvaluated],
    calendar_missing: &'a [i32],
    data_problems: usize,
    rows: BTreeMap<&'static str, usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tracking: Option<BTreeMap<&'static str, usize>>,
}

/// Write summary.json.
pub fn write(v: &ReportView<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    let b = v.bundle;
    let s = v.scores;
    // Findings not waived, by rule and by agency: scoring has counted them.
    let by_rule: BTreeMap<&str, u32> = s.rules.iter().map(|r| (&*r.rule, r.count)).collect();
    let mut rows = BTreeMap::new();
    for t in Table::ALL {
        rows.insert(t.en(), b.rows(t));
    }
    let summary = Summary {
        tool: "trailcheck",
        meta: v.meta,
        profiles: v
            .profiles
            .iter()
            .map(|p| ProfileInfo {
                id: &p.id,
                regulation: &p.regulation,
            })
            .collect(),
        inputs: b
            .sources
            .iter()
            .map(|x| Input {
                table: x.table.en(),
                file: &x.file,
                sheet: x.sheet.as_deref(),
                encoding: x.encoding.as_deref(),
                rows: x.rows,
                summary_rows_dropped: x.summary_rows_dropped,
                sha256: &x.sha256,
            })
            .collect(),
        cases: b.cases.len(),
        agencies: s.agencies.len(),
        findings: v.findings.len() - s.waived as usize,
        by_severity: [
            ("违规", s.by_severity[0]),
            ("警告", s.by_severity[1]),
            ("提示", s.by_severity[2]),
        ]
        .into_iter()
        .collect(),
        by_rule,
        by_agency: &s.findings_by_agency,
        waived: s.waived,
        unmatched_waivers: &s.unmatched_waivers,
        mean_score: s.mean_score,
        pass_rate: s.pass_rate,
        grades: &s.grades,
        agency_scores: &s.agencies,
        rule_stats: &s.rules,
        not_evaluated: v.not_evaluated,
        calendar_missing: v.calendar_missing,
        data_problems: b.problems.len(),
        rows,
        tracking: v.tracking.map(|t| t.counts.clone()),
    };
    serde_json::to_writer_pretty(&mut *w, &summary)?;
    w.write_all(b"\n")
}
