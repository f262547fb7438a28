//! The rule catalogue of RULES.md. Each rule is a [`RuleDef`] in [`registry::RULES`]:
//! its code, Chinese title, stage, default severity, the columns it needs, and the
//! function that checks one case (or the whole bundle, for rows with no case).

/// A catalogue 文书名称 as a [`crate::model::DocName`], resolved when the program is
/// compiled (a name outside the catalogue does not compile).
macro_rules! doc {
    ($name:literal) => {
        const { $crate::model::DocName::of($name) }
    };
}

pub mod archive;
pub mod deadline;
pub mod decision;
pub mod engine;
pub mod investigation;
pub mod media;
pub mod quality;
pub mod registry;
pub mod service;
pub mod start;

use crate::calendar::{Calendar, MissingYear};
use crate::model::*;
use crate::profile::Profile;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    /// 违规: a duty an article states is not met.
    #[serde(rename = "违规", alias = "violation")]
    Violation,
    /// 警告: a "should" is not met.
    #[serde(rename = "警告", alias = "warning")]
    Warning,
    /// 提示: data quality.
    #[serde(rename = "提示", alias = "info")]
    Info,
}

impl Severity {
    /// Chinese name.
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Violation => "违规",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }

    /// Parse `违规`/`violation`, `警告`/`warning`, `提示`/`info`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim() {
            "违规" | "violation" => Some(Severity::Violation),
            "警告" | "warning" => Some(Severity::Warning),
            "提示" | "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

/// One finding: a rule broken by a case (or a row), with the values that prove it.
///
/// A province-year has millions: the rule's code, title and stage come from its
/// definition through one reference, the case's 案号 and 执法机关 from the case (its
/// index), and the subject and detail share one exact-size allocation.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The rule (code, title, stage).
    pub def: &'static RuleDef,
    /// Severity.
    pub severity: Severity,
    /// The 案号 of a finding with no case (a row whose 案号 is not in 案件登记; blank for
    /// footage with none), the subject (the row the finding is about; blank when it is the
    /// case itself) and the detail (a Chinese sentence with the proving values), end to
    /// end: one allocation a finding.
    texts: Box<str>,
    /// Bytes of `texts` that are the 案号 (none when there is a case).
    case_no_len: u32,
    /// Bytes of `texts` up to the end of the subject.
    subject_end: u32,
    /// Article in force (`001:第二十一条`).
    pub article: Arc<str>,
    /// Points deducted after the cap (set by scoring).
    pub deduction: f64,
    /// Profile that judged it (index into the run's profiles).
    pub profile: u16,
    /// The case, when there is one (an index into [`Bundle::cases`]).
    pub case: Option<CaseIx>,
    /// True for findings that fail the case outright (一票否决 candidates, see scoring).
    pub veto_hint: bool,
    /// The time of the footage or access row the finding is about (review windows select
    /// those rows by their own time).
    pub at: Option<Stamp>,
    /// Change-tracking status against a baseline run, when one was given.
    pub status: Option<Recurrence>,
}

impl Finding {
    /// 案号: its case's (`cases` are the [`Bundle::cases`] the finding was made from), or
    /// the row's own when it has no case (blank for footage with none).
    pub fn case_no<'a>(&'a self, cases: &'a [Case]) -> &'a str {
        match self.case {
            Some(c) => &cases[c as usize].case_no,
            None => &self.texts[..self.case_no_len as usize],
        }
    }

    /// 执法机关: its case's (`cases` as for [`Finding::case_no`]), or [`NO_CASE_AGENCY`]
    /// when it has no case.
    pub fn agency<'a>(&self, cases: &'a [Case]) -> &'a str {
        match self.case {
            Some(c) => &cases[c as usize].agency,
            None => NO_CASE_AGENCY,
        }
    }

    /// The row the finding is about; blank when it is the case itself.
    pub fn subject(&self) -> &str {
        &self.texts[self.case_no_len as usize..self.subject_end as usize]
    }

    /// Chinese sentence with the proving values.
    pub fn detail(&self) -> &str {
        &self.texts[self.subject_end as usize..]
    }

    /// The 案号 (of a finding with no case), subject and detail laid end to end as a
    /// finding holds them, with where the 案号 and the subject end. All are written into
    /// a buffer the thread keeps, so a finding costs one allocation of its exact size
    /// however they are put together (`format_args!`, [`show`], [`Document::subject`]).
    fn texts(
        case_no: &str,
        subject: impl std::fmt::Display,
        detail: impl std::fmt::Display,
    ) -> (Box<str>, u32, u32) {
        use std::fmt::Write;
        thread_local! {
            static BUF: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        BUF.with_borrow_mut(|t| {
            t.clear();
            t.push_str(case_no);
            // Writing into a String cannot fail.
            let _ = write!(t, "{subject}");
            // A 案号 and a subject are cells (at most 16 MiB each) or short labels.
            let subject_end = t.len() as u32;
            let _ = write!(t, "{detail}");
            (Box::from(t.as_str()), case_no.len() as u32, subject_end)
        })
    }

    /// Rule code, e.g. `V03`.
    pub fn rule(&self) -> &'static str {
        self.def.code
    }

    /// Rule title.
    pub fn title(&self) -> &'static str {
        self.def.title
    }

    /// The stage the rule belongs to.
    pub fn stage(&self) -> Stage {
        self.def.stage
    }
}

/// Whether a finding was reported by the baseline run too (`--baseline`): one byte a
/// finding where a text reference would take sixteen (a province-year has millions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Recurrence {
    /// 新增: not in the baseline.
    #[serde(rename = "新增")]
    New,
    /// 持续: in the baseline and again now.
    #[serde(rename = "持续")]
    Persisting,
}

impl Recurrence {
    /// Chinese name, as the outputs write it.
    pub fn zh(self) -> &'static str {
        match self {
            Recurrence::New => "新增",
            Recurrence::Persisting => "持续",
        }
    }
}

/// A column a rule needs: without it (or with more than 5% bad cells) the rule is 未评查.
pub type Need = (Table, &'static str);

/// A rule of the catalogue.
#[derive(Debug)]
pub struct RuleDef {
    /// Code, e.g. `V03`.
    pub code: &'static str,
    /// Chinese title.
    pub title: &'static str,
    /// Stage (for scoring by stage).
    pub stage: Stage,
    /// Severity unless the profile or the filming duty says otherwise.
    pub severity: Severity,
    /// Columns needed in every profile.
    pub needs: &'static [Need],
    /// Extra columns a profile's settings make it need (labels).
    pub profile_needs: fn(&Profile) -> Vec<Vec<Need>>,
    /// A run-level condition: `Some(reason)` makes the rule 未评查 for the run.
    pub precondition: Option<fn(&RunCx<'_>) -> Option<&'static str>>,
    /// Check one case.
    pub check_case: Option<fn(&CaseCx<'_>, &mut Emit<'_>)>,
    /// Check rows that belong to no case (footage with no case, data integrity).
    pub check_bundle: Option<fn(&BundleCx<'_>, &mut Emit<'_>)>,
}

/// No extra needs.
pub fn no_profile_needs(_: &Profile) -> Vec<Vec<Need>> {
    Vec::new()
}

/// What a rule sees of a run.
pub struct RunCx<'a> {
    /// The bundle.
    pub bundle: &'a Bundle,
    /// The working-day calendar.
    pub calendar: &'a Calendar,
    /// The audit date.
    pub as_of: chrono::NaiveDate,
    /// V06 results by media index, when `--media-root` was given.
    pub fixity: Option<&'a [crate::fixity::Fixity]>,
}

/// What a rule sees of one case.
pub struct CaseCx<'a> {
    /// Run-wide context.
    pub run: &'a RunCx<'a>,
    /// The profile the case is judged by.
    pub profile: &'a Profile,
    /// The case index.
    pub ix: CaseIx,
    /// The case row.
    pub case: &'a Case,
    /// Its documents, by 制作时间.
    pub docs: &'a [Document],
    /// Its services, by 送达时间.
    pub services: &'a [Service],
    /// Its activities, by 开始时间.
    pub activities: &'a [Activity],
    /// Offset of `activities` in `Bundle::activities`.
    pub activity_offset: usize,
    /// Its footage (linked by 案号), by 开始时间.
    pub media: &'a [Media],
    /// Its access rows.
    pub access: &'a [Access],
}

impl<'a> CaseCx<'a> {
    /// The identifier texts of the bundle's rows.
    pub fn texts(&self) -> &'a Texts {
        &self.run.bundle.texts
    }

    /// 审核时间 and 批准时间 of a document.
    pub fn review_times(&self, d: &Document) -> (Option<Stamp>, Option<Stamp>) {
        self.run.bundle.review_times(d)
    }

    /// The string of an identifier text (文件编号, 活动编号).
    pub fn text(&self, t: Text) -> &'a str {
        self.run.bundle.texts.get(t)
    }

    /// The finding subject of one of the case's documents ([`Document::subject`]).
    pub fn subject(&self, d: &'a Document) -> crate::model::DocSubject<'a> {
        d.subject(self.texts(), &self.case.case_no)
    }

    /// Documents with this canonical name (`doc!("…")`).
    pub fn docs_named(&self, name: DocName) -> impl Iterator<Item = &'a Document> + 'a {
        self.docs.iter().filter(move |d| d.doc_type == name)
    }

    /// Does the case have a document of this name (`doc!("…")`)?
    pub fn has_doc(&self, name: DocName) -> bool {
        self.docs.iter().any(|d| d.doc_type == name)
    }

    /// Decision documents: names ending in 决定书 (RULES.md).
    pub fn decision_docs(&self) -> impl Iterator<Item = &'a Document> + 'a {
        self.docs.iter().filter(|d| d.doc_type.is_decision())
    }

    /// The time of the decision: the first decision document's 制作时间, else 决定日期.
    pub fn decision_time(&self) -> Option<Stamp> {
        self.decision_docs()
            .find_map(|d| d.made_at)
            .or(self.case.decided_at)
    }

    /// Footage of an activity (by index within `activities`), by the one linkage rule.
    pub fn footage(&self, activity: usize) -> impl Iterator<Item = &'a Media> + '_ {
        let b = self.run.bundle;
        b.index
            .footage_of(self.activity_offset + activity)
            .iter()
            .map(move |&m| &b.media[m as usize])
    }
}

/// What a bundle-level rule sees.
pub struct BundleCx<'a> {
    /// Run-wide context.
    pub run: &'a RunCx<'a>,
    /// The default profile.
    pub profile: &'a Profile,
}

/// Collects a rule's findings and fills in the fields common to all.
pub struct Emit<'a> {
    rule: &'a InForce,
    profile_ix: u16,
    case: Option<CaseIx>,
    findings: &'a mut Vec<Finding>,
    /// Where this rule's findings start in `findings`.
    start: usize,
    missing_years: &'a mut BTreeSet<i32>,
}

/// A rule in force under a profile: its severity and qualified article resolved once, so
/// each finding shares the article instead of formatting its own.
pub struct InForce {
    /// The rule.
    pub def: &'static RuleDef,
    /// Severity under the profile.
    pub severity: Severity,
    /// The profile's article for the rule, qualified (`000:第十五条`).
    pub article: Arc<str>,
}

impl InForce {
    /// Resolve `def` under `profile`.
    pub fn new(def: &'static RuleDef, profile: &Profile) -> InForce {
        InForce {
            def,
            severity: profile
                .rules
                .get(def.code)
                .and_then(|r| r.severity)
                .unwrap_or(def.severity),
            article: profile.article(def.code).into(),
        }
    }
}

/// Agency label of footage or rows with no case.
pub const NO_CASE_AGENCY: &str = "（未关联案件）";

impl<'a> Emit<'a> {
    /// Start collecting for a rule in force under profile `profile_ix`, for one case or
    /// none: findings are added to `findings`, years the calendar lacks to `missing_years`.
    pub fn new(
        rule: &'a InForce,
        profile_ix: usize,
        case: Option<CaseIx>,
        findings: &'a mut Vec<Finding>,
        missing_years: &'a mut BTreeSet<i32>,
    ) -> Emit<'a> {
        Emit {
            rule,
            profile_ix: u16::try_from(profile_ix).expect("a run has fewer than 65,536 profiles"),
            case,
            start: findings.len(),
            findings,
            missing_years,
        }
    }

    /// The last finding this rule reported, if any.
    fn last(&mut self) -> Option<&mut Finding> {
        if self.findings.len() > self.start {
            self.findings.last_mut()
        } else {
            None
        }
    }

    /// Report a finding with the rule's article and severity.
    pub fn push(&mut self, subject: impl std::fmt::Display, detail: impl std::fmt::Display) {
        let article = self.rule.article.clone();
        self.push_with(subject, detail, self.rule.severity, article);
    }

    /// Report a finding with an explicit severity and qualified article.
    pub fn push_with(
        &mut self,
        subject: impl std::fmt::Display,
        detail: impl std::fmt::Display,
        severity: Severity,
        article: impl Into<Arc<str>>,
    ) {
        self.push_as("", subject, detail, severity, article.into());
    }

    /// Report a finding about a row that has a 案号 but no case (Q01) or none at all (for
    /// the bundle-level checks, which have no case).
    pub fn push_unlinked(
        &mut self,
        case_no: &str,
        subject: impl std::fmt::Display,
        detail: impl std::fmt::Display,
    ) {
        debug_assert!(self.case.is_none(), "a case's findings take its 案号");
        let article = self.rule.article.clone();
        self.push_as(case_no, subject, detail, self.rule.severity, article);
    }

    /// Add a finding of this rule; `case_no` is held only by a finding with no case.
    fn push_as(
        &mut self,
        case_no: &str,
        subject: impl std::fmt::Display,
        detail: impl std::fmt::Display,
        severity: Severity,
        article: Arc<str>,
    ) {
        let (texts, case_no_len, subject_end) = Finding::texts(case_no, subject, detail);
        self.findings.push(Finding {
            def: self.rule.def,
            severity,
            texts,
            case_no_len,
            subject_end,
            article,
            deduction: 0.0,
            profile: self.profile_ix,
            case: self.case,
            veto_hint: false,
            at: None,
            status: None,
        });
    }

    /// Record the time of the footage or access row the last finding is about.
    pub fn dated(&mut self, s: Option<Stamp>) {
        if let Some(f) = self.last() {
            f.at = s;
        }
    }

    /// Mark the last finding as a veto candidate (一票否决).
    pub fn veto_last(&mut self) {
        if let Some(f) = self.last() {
            f.veto_hint = true;
        }
    }

    /// Note a year the calendar lacks.
    pub fn missing(&mut self, y: MissingYear) {
        self.missing_years.insert(y.0);
    }
}

/// Format a duration in Chinese: `3 小时 20 分钟`, `2 日`.
pub fn zh_duration(secs: i64) -> String {
    let secs = secs.max(0);
    if secs >= 86_400 && secs % 86_400 == 0 {
        return format!("{} 日", secs / 86_400);
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} 秒"),
        (0, _) if s > 0 => format!("{m} 分 {s} 秒"),
        (0, _) => format!("{m} 分钟"),
        _ if m == 0 => format!("{h} 小时"),
        _ => format!("{h} 小时 {m} 分钟"),
    }
}

/// `2024-03-05` or `2024-03-05 14:30`, or `（空）` when absent: written where it is
/// formatted, without a string of its own.
pub fn show(s: Option<Stamp>) -> Shown {
    Shown(s)
}

/// A time as [`show`] writes it.
#[derive(Debug, Clone, Copy)]
pub struct Shown(Option<Stamp>);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(s) => s.fmt(f),
            None => f.write_str("（空）"),
        }
    }
}
