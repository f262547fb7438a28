//! findings.csv (UTF-8 with BOM, so Excel opens it) and findings.jsonl: one finding a row,
//! with the fields of OUTPUT.md plus `waived`.

use super::ReportView;
use std::io::Write;

/// The CSV header: OUTPUT.md's finding fields, then `waived` and the change-tracking
/// `status` (新增/持续, blank without `--baseline`).
pub const FIELDS: [&str; 11] = [
    "rule",
    "title",
    "severity",
    "case_no",
    "agency",
    "subject",
    "detail",
    "article",
    "deduction",
    "waived",
    "status",
];

fn deduction_text(d: f64) -> String {
    crate::ingest::cells::number_text(d)
}

/// Write findings.csv.
pub fn write_csv(v: &ReportView<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut c = csv::Writer::from_writer(w);
    c.write_record(FIELDS)?;
    for (f, waived) in v.findings.iter().zip(v.waived) {
        c.write_record([
            f.rule,
            f.title,
            f.severity.zh(),
            &f.case_no,
            &f.agency,
            &f.subject,
            &f.detail,
            &f.article,
            &deduction_text(f.deduction),
            if *waived { "是" } else { "否" },
            f.status.unwrap_or(""),
        ])?;
    }
    c.flush()?;
    Ok(())
}

/// One line of findings.jsonl: the finding's fields (no `flatten`, which serialises
/// through a map and is several times slower), then `waived` and `status`.
#[derive(serde::Serialize)]
struct Line<'a> {
    rule: &'a str,
    title: &'a str,
    severity: crate::rules::Severity,
    case_no: &'a str,
    agency: &'a str,
    subject: &'a str,
    detail: &'a str,
    article: &'a str,
    deduction: f64,
    waived: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'a str>,
}

/// Write findings.jsonl.
pub fn write_jsonl(v: &ReportView<'_>, w: &mut dyn Write) -> std::io::Result<()> {
    for (f, waived) in v.findings.iter().zip(v.waived) {
        let line = Line {
            rule: f.rule,
            title: f.title,
            severity: f.severity,
            case_no: &f.case_no,
            agency: &f.agency,
            subject: &f.subject,
            detail: &f.detail,
            article: &f.article,
            deduction: f.deduction,
            waived: *waived,
            status: f.status,
        };
        serde_json::to_writer(&mut *w, &line)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}
