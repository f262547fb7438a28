//! Case-file scoring (案卷评查): a 100-point rubric with per-rule caps, a floor of 0,
//! 一票否决 rules and grade bands; per-case, per-agency and per-rule statistics. Pure
//! functions of the findings.

use crate::error::{Error, Result};
use crate::model::{Bundle, Stage};
use crate::rules::{Finding, RuleDef, Severity};
use foldhash::{HashMap, HashSet};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The shipped default rubric.
pub const DEFAULT_RUBRIC: &str = include_str!("../rubrics/default.toml");

/// Points and cap for one severity or rule.
#[derive(Debug, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Deduction {
    /// Points per finding.
    pub points: f64,
    /// Most points one rule may deduct from one case.
    pub cap: f64,
}

/// A grade band.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// Grade name (优秀, 良好, 合格, 不合格).
    pub name: String,
    /// Lowest score of the band.
    pub min: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Veto {
    rules: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RubricFile {
    severity: BTreeMap<String, Deduction>,
    #[serde(default)]
    rule: BTreeMap<String, Deduction>,
    veto: Veto,
    grade: Vec<Grade>,
}

/// A validated rubric.
#[derive(Debug, Clone)]
pub struct Rubric {
    by_severity: [Deduction; 3],
    by_rule: BTreeMap<String, Deduction>,
    /// 一票否决 rules.
    pub veto: Vec<String>,
    /// Grade bands, highest first; the last is the failing grade.
    pub grades: Vec<Grade>,
}

impl Rubric {
    /// Parse rubric TOML.
    pub fn parse(text: &str, origin: &str) -> Result<Rubric> {
        let bad = |m: String| Error::Config(format!("评分标准 {origin} 无效：{m}"));
        let f: RubricFile =
            toml::from_str(text).map_err(|e| bad(crate::error::toml_zh(&e, text)))?;
        let sev = |s: Severity| {
            f.severity
                .get(s.zh())
                .copied()
                .ok_or_else(|| bad(format!("缺少 [severity.\"{}\"]", s.zh())))
        };
        let by_severity = [
            sev(Severity::Violation)?,
            sev(Severity::Warning)?,
            sev(Severity::Info)?,
        ];
        for code in f.rule.keys().chain(&f.veto.rules) {
            if crate::rules::registry::find(code).is_none() {
                return Err(bad(format!("未知的规则代码「{code}」")));
            }
        }
        // Points, caps and band minimums are scores: a number of points, none negative (a
        // negative deduction would raise a score past 100), none NaN or infinite (a NaN
        // would pass every comparison below and grade no case).
        let named = f
            .severity
            .iter()
            .map(|(k, d)| (format!("severity.\"{k}\""), d));
        let by_code = f.rule.iter().map(|(k, d)| (format!("rule.{k}"), d));
        for (name, d) in named.chain(by_code) {
            for (key, v) in [("points", d.points), ("cap", d.cap)] {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(bad(format!("[{name}] 的 {key} 为 {v}，应为不小于 0 的数")));
                }
            }
        }
        if let Some(g) = f
            .grade
            .iter()
            .find(|g| !(g.min.is_finite() && g.min >= 0.0))
        {
            return Err(bad(format!(
                "等次「{}」的最低分为 {}，应为不小于 0 的数",
                g.name, g.min
            )));
        }
        if f.grade.len() < 2 {
            return Err(bad("至少需要两个等次".into()));
        }
        if f.grade.windows(2).any(|w| w[0].min <= w[1].min) {
            return Err(bad("等次应按最低分从高到低排列".into()));
        }
        if f.grade.last().is_some_and(|g| g.min > 0.0) {
            return Err(bad("最后一个等次的最低分应为 0".into()));
        }
        if let Some(g) = f
            .grade
            .iter()
            .enumerate()
            .find(|(i, g)| f.grade[..*i].iter().any(|h| h.name == g.name))
        {
            return Err(bad(format!("等次名称「{}」重复", g.1.name)));
        }
        Ok(Rubric {
            by_severity,
            by_rule: f.rule,
            veto: f.veto.rules,
            grades: f.grade,
        })
    }

    /// The shipped default.
    pub fn default_rubric() -> Rubric {
        Rubric::parse(DEFAULT_RUBRIC, "内置评分标准").expect("shipped rubric is valid")
    }

    /// Load from a file.
    pub fn load(path: &std::path::Path) -> Result<Rubric> {
        let text = crate::error::read_config(path, "评分标准")?;
        Rubric::parse(&text, &path.display().to_string())
    }

    /// Index in `grades` of the grade of a score; the failing (last) grade for a vetoed
    /// case.
    pub fn grade_index(&self, score: f64, vetoed: bool) -> usize {
        let failing = self.grades.len() - 1;
        if vetoed {
            return failing;
        }
        self.grades
            .iter()
            .position(|g| score >= g.min)
            .unwrap_or(failing)
    }
}

/// A finding a panel has reviewed and set aside.
#[derive(Debug, Clone, Serialize)]
pub struct Waiver {
    /// Rule code.
    pub rule: String,
    /// 案号.
    pub case_no: String,
    /// Subject.
    pub subject: String,
    /// Why it was set aside.
    pub reason: String,
    /// Who approved it.
    pub approved_by: String,
    /// Its line in the waivers file (the header is line 1).
    pub row: u32,
}

/// The columns of a waivers file: each one's English and Chinese headers.
const WAIVER_COLUMNS: [(&str, &str); 5] = [
    ("rule", "规则"),
    ("case_no", "案号"),
    ("subject", "对象"),
    ("reason", "豁免理由"),
    ("approved_by", "批准人"),
];

/// Read a waivers CSV (UTF-8 or GBK): a header row naming the columns `rule`, `case_no`,
/// `subject`, `reason` and `approved_by` (or 规则, 案号, 对象, 豁免理由, 批准人) in any order,
/// then one waiver a row. Columns are found by their headers, never by position: a panel
/// that reorders them in Excel must not waive the wrong findings. A waiver without a rule,
/// a reason or an approver is refused (exit code 4), since a finding set aside has to say
/// why and on whose authority; blank rows are skipped. 案号 and 对象 may be blank: the
/// finding of footage with no case has no 案号, a case-level finding no subject.
pub fn load_waivers(path: &std::path::Path) -> Result<Vec<Waiver>> {
    let raw = std::fs::read(path).map_err(|e| {
        Error::Config(format!(
            "无法读取豁免清单 {}：{}",
            path.display(),
            crate::error::io_zh(&e)
        ))
    })?;
    let text = match std::str::from_utf8(&raw) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => encoding_rs::GB18030.decode(&raw).0.into_owned(),
    };
    let bad = |row: usize, what: String| {
        Error::Config(format!("豁免清单 {} 第 {row} 行{what}", path.display()))
    };
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = rdr.records();
    let header = match records.next() {
        Some(h) => h.map_err(|e| bad(1, format!("无法解析（原文：{e}）")))?,
        None => return Ok(Vec::new()),
    };
    let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
    let mut at = [0usize; 5];
    for (slot, (en, zh)) in at.iter_mut().zip(WAIVER_COLUMNS) {
        *slot = names
            .iter()
            .position(|n| n == en || n == zh)
            .ok_or_else(|| {
                Error::Config(format!(
                    "豁免清单 {} 缺少列「{en}」（或「{zh}」）；表头为：{}",
                    path.display(),
                    header.iter().collect::<Vec<_>>().join("、")
                ))
            })?;
    }
    let mut out = Vec::new();
    for (i, rec) in records.enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| bad(row, format!("无法解析（原文：{e}）")))?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let [rule, case_no, subject, reason, approved_by] =
            at.map(|k| rec.get(k).unwrap_or("").trim().to_string());
        for (value, (en, zh)) in [
            (&rule, WAIVER_COLUMNS[0]),
            (&reason, WAIVER_COLUMNS[3]),
            (&approved_by, WAIVER_COLUMNS[4]),
        ] {
            if value.is_empty() {
                return Err(bad(row, format!("缺少{zh}（{en}）")));
            }
        }
        out.push(Waiver {
            rule,
            case_no,
            subject,
            reason,
            approved_by,
            row: row as u32,
        });
    }
    Ok(out)
}

/// What to say of waivers that matched no finding (their lines in the waivers file), or
/// nothing when every waiver matched.
pub fn unmatched_waivers_note(rows: &[u32]) -> Option<String> {
    const LISTED: usize = 20;
    let (first, more) = rows.split_at_checked(LISTED).unwrap_or((rows, &[]));
    if first.is_empty() {
        return None;
    }
    let lines: Vec<String> = first.iter().map(u32::to_string).collect();
    let more = if more.is_empty() { "" } else { " 等" };
    Some(format!(
        "豁免清单中有 {} 条未对应本次评查的任何问题（第 {}{more} 行）：请核对其规则、案号和对象是否与 findings.csv 一致；评查期间之外的案卷的豁免不会对应",
        rows.len(),
        lines.join("、")
    ))
}

/// The score of one case file: [`Scores::cases`] holds them in the order of
/// [`Bundle::cases`], which tells each one's 案号 and 执法机关.
#[derive(Debug, Clone, Serialize)]
pub struct CaseScore {
    /// Score after deductions, floor 0.
    pub score: f64,
    /// Grade.
    pub grade: Arc<str>,
    /// 一票否决.
    pub veto: bool,
    /// Rules that vetoed it.
    pub veto_rules: Vec<&'static str>,
    /// Findings (not waived) by stage, in [`Stage::ALL`] order.
    pub by_stage: [u32; 5],
    /// Findings (not waived).
    pub findings: u32,
    /// 违规 findings.
    pub violations: u32,
}

/// Per-agency statistics.
#[derive(Debug, Clone, Serialize)]
pub struct AgencyScore {
    /// 执法机关.
    pub agency: String,
    /// Cases audited.
    pub cases: u32,
    /// Cases with at least one 违规.
    pub cases_with_violations: u32,
    /// Findings by severity (违规, 警告, 提示).
    pub by_severity: [u32; 3],
    /// Mean case score, rounded to 0.01.
    pub mean_score: f64,
    /// Cases per grade, in rubric order.
    pub grades: Vec<(String, u32)>,
    /// Share of cases graded 合格 or better.
    pub pass_rate: f64,
    /// Rank by mean score (ties share a rank: 1, 1, 3).
    pub rank: u32,
    /// The agency's most frequent rules: (code, count).
    pub top_rules: Vec<(String, u32)>,
}

/// Per-rule statistics.
#[derive(Debug, Clone, Serialize)]
pub struct RuleStat {
    /// Code.
    pub rule: String,
    /// Title.
    pub title: String,
    /// Severity of its findings (the most serious one seen).
    pub severity: Severity,
    /// Articles cited (one per profile that produced findings).
    pub articles: Vec<String>,
    /// Findings (not waived).
    pub count: u32,
    /// Distinct cases affected.
    pub cases_affected: u32,
    /// Cases affected / cases audited.
    pub share_of_cases: f64,
}

/// A rule as a map key, told by its definition's address: each rule is one static
/// definition, so findings are counted by rule without hashing or comparing its code.
#[derive(Clone, Copy)]
struct RuleKey(&'static RuleDef);

impl PartialEq for RuleKey {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

impl Eq for RuleKey {}

impl std::hash::Hash for RuleKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        std::ptr::hash(self.0, h);
    }
}

/// A rule's statistics while the findings are counted.
struct RuleTally {
    stat: RuleStat,
    /// The case last counted among the cases affected.
    case: Option<u32>,
    /// The rubric's deduction for the rule, when it names the rule (else its severity's).
    deduction: Option<Deduction>,
    /// Address of the article last seen (the findings of a rule under a profile share one).
    article: usize,
}

impl RuleTally {
    /// The tally of the rule of `f`, nothing counted yet.
    fn new(f: &Finding, rubric: &Rubric) -> RuleTally {
        RuleTally {
            stat: RuleStat {
                rule: f.rule().to_string(),
                title: f.title().to_string(),
                severity: f.severity,
                articles: Vec::new(),
                count: 0,
                cases_affected: 0,
                share_of_cases: 0.0,
            },
            case: None,
            deduction: rubric.by_rule.get(f.rule()).copied(),
            article: 0,
        }
    }
}

/// Everything scoring computes.
#[derive(Debug, Clone, Serialize)]
pub struct Scores {
    /// Per case, in the order of [`Bundle::cases`].
    pub cases: Vec<CaseScore>,
    /// Per agency, ordered by rank then name.
    pub agencies: Vec<AgencyScore>,
    /// Per rule with findings, by count descending then code.
    pub rules: Vec<RuleStat>,
    /// Findings by severity (not waived).
    pub by_severity: [u32; 3],
    /// Findings not waived by 执法机关, agencies with none left out (findings of rows
    /// with no case count under their own, possibly blank, agency).
    pub findings_by_agency: BTreeMap<String, u32>,
    /// Cases per grade.
    pub grades: Vec<(String, u32)>,
    /// Share of cases passing.
    pub pass_rate: f64,
    /// Mean case score.
    pub mean_score: f64,
    /// Findings set aside by waivers.
    pub waived: u32,
    /// Lines of the waivers file whose waiver matched no finding of this run: a typo in
    /// its rule, 案号 or subject, or a case outside the review window.
    pub unmatched_waivers: Vec<u32>,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Mark waived findings (returns a flag per finding) and score everything. Sets each
/// finding's `deduction`. `findings` are in report order, as [`crate::rules::engine::run`]
/// returns them (a case's findings together).
pub fn score(
    bundle: &Bundle,
    findings: &mut [Finding],
    waivers: &[Waiver],
    rubric: &Rubric,
) -> (Scores, Vec<bool>) {
    let keys: HashSet<(&str, &str, &str)> = waivers
        .iter()
        .map(|w| (w.rule.as_str(), w.case_no.as_str(), w.subject.as_str()))
        .collect();
    let mut matched: HashSet<(&str, &str, &str)> = HashSet::default();
    let waived: Vec<bool> = if keys.is_empty() {
        vec![false; findings.len()]
    } else {
        findings
            .iter()
            .map(|f| {
                let key = (f.rule(), f.case_no(&bundle.cases), f.subject());
                let hit = keys.contains(&key);
                if hit {
                    matched.insert(key);
                }
                hit
            })
            .collect()
    };
    let unmatched_waivers = waivers
        .iter()
        .filter(|w| !matched.contains(&(w.rule.as_str(), w.case_no.as_str(), w.subject.as_str())))
        .map(|w| w.row)
        .collect();

    // The case rows and the counts by agency (which read the findings only) side by side.
    let read: &[Finding] = findings;
    let (mut cases, agency_findings) = rayon::join(
        || -> Vec<CaseScore> {
            bundle
                .cases
                .par_iter()
                .map(|_| CaseScore {
                    score: 100.0,
                    grade: "".into(),
                    veto: false,
                    veto_rules: Vec::new(),
                    by_stage: [0; 5],
                    findings: 0,
                    violations: 0,
                })
                .collect()
        },
        || {
            // Findings come in agency order: an agency is looked up once a run of them. Its
            // rules are counted by their definitions (no code hashed per finding).
            let mut by: HashMap<&str, ([u32; 3], HashMap<RuleKey, u32>)> = HashMap::default();
            let mut start = 0;
            let agency = |f: &Finding| f.agency(&bundle.cases);
            for run in read.chunk_by(|a, b| {
                let (a, b) = (agency(a), agency(b));
                std::ptr::eq(a, b) || a == b
            }) {
                let waived = &waived[start..start + run.len()];
                // An agency whose findings are all waived has no entry.
                if waived.iter().any(|w| !*w) {
                    let e = by.entry(agency(&run[0])).or_default();
                    for (f, _) in run.iter().zip(waived).filter(|(_, w)| !**w) {
                        e.0[f.severity as usize] += 1;
                        *e.1.entry(RuleKey(f.def)).or_insert(0) += 1;
                    }
                }
                start += run.len();
            }
            // Owned names (a few dozen), so the findings can take their deductions below.
            by.into_iter()
                .map(|(a, e)| (Box::<str>::from(a), e))
                .collect::<HashMap<_, _>>()
        },
    );
    // Findings come in report order (执法机关, 案号, …) and a 案号 names one case, so the
    // findings of a case are contiguous: the deduction caps and "cases affected" are kept
    // for the current case only. A rule's tally is found by its definition's address and
    // holds its rubric deduction: no string is hashed or compared per finding.
    let mut current: Option<u32> = None;
    let mut used: Vec<(&'static RuleDef, f64)> = Vec::new();
    let mut by_severity = [0u32; 3];
    let mut tallies: Vec<RuleTally> = Vec::new();
    let mut tally_of: HashMap<RuleKey, usize> = HashMap::default();
    for (f, w) in findings.iter_mut().zip(&waived) {
        f.deduction = 0.0;
        if *w {
            continue;
        }
        by_severity[f.severity as usize] += 1;
        let t = *tally_of.entry(RuleKey(f.def)).or_insert_with(|| {
            tallies.push(RuleTally::new(f, rubric));
            tallies.len() - 1
        });
        let t = &mut tallies[t];
        t.stat.count += 1;
        t.stat.severity = t.stat.severity.min(f.severity);
        let article = Arc::as_ptr(&f.article).cast::<u8>() as usize;
        if t.article != article {
            t.article = article;
            if !f.article.is_empty() && !t.stat.articles.iter().any(|a| **a == *f.article) {
                t.stat.articles.push(f.article.to_string());
            }
        }
        let Some(c) = f.case else { continue };
        if t.case != Some(c) {
            t.case = Some(c);
            t.stat.cases_affected += 1;
        }
        if current != Some(c) {
            current = Some(c);
            used.clear();
        }
        let d = t
            .deduction
            .unwrap_or(rubric.by_severity[f.severity as usize]);
        let k = used
            .iter()
            .position(|(r, _)| std::ptr::eq(*r, f.def))
            .unwrap_or_else(|| {
                used.push((f.def, 0.0));
                used.len() - 1
            });
        let u = &mut used[k].1;
        let take = d.points.min((d.cap - *u).max(0.0));
        *u += take;
        f.deduction = take;
        let cs = &mut cases[c as usize];
        let st = Stage::ALL.iter().position(|s| *s == f.stage()).unwrap_or(4);
        cs.by_stage[st] += 1;
        cs.findings += 1;
        if f.severity == Severity::Violation {
            cs.violations += 1;
        }
        cs.score -= take;
        if f.veto_hint && rubric.veto.iter().any(|r| r == f.rule()) {
            cs.veto = true;
            if !cs.veto_rules.contains(&f.rule()) {
                cs.veto_rules.push(f.rule());
            }
        }
    }
    // Each case's grade is found in parallel as an index into the rubric's grades (names
    // are unique), then given its name: one shared string per grade, its count bumped on
    // one core. Counts and pass rates add up indices.
    let grade_names: Vec<Arc<str>> = rubric
        .grades
        .iter()
        .map(|g| g.name.as_str().into())
        .collect();
    let grade_of: Vec<usize> = cases
        .par_iter_mut()
        .map(|c| {
            c.score = round2(c.score.max(0.0));
            rubric.grade_index(c.score, c.veto)
        })
        .collect();
    for (c, g) in cases.iter_mut().zip(&grade_of) {
        c.grade = grade_names[*g].clone();
    }
    let failing = grade_names.len() - 1;
    let count_grades = |ix: &mut dyn Iterator<Item = usize>| -> Vec<(String, u32)> {
        let mut n = vec![0u32; grade_names.len()];
        for i in ix {
            n[grade_of[i]] += 1;
        }
        grade_names
            .iter()
            .zip(n)
            .map(|(g, k)| (g.to_string(), k))
            .collect()
    };

    // Cases come in agency order (ingest sorts them), so an agency's cases are a run:
    // its name is looked up once a run.
    let n_cases = cases.len().max(1) as f64;
    let mut by_agency: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut start = 0;
    for run in bundle.agency_runs() {
        by_agency
            .entry(&*run[0].agency)
            .or_default()
            .extend(start..start + run.len());
        start += run.len();
    }
    let mut agencies: Vec<AgencyScore> = by_agency
        .iter()
        .map(|(agency, ix)| {
            let n = ix.len() as u32;
            let mean =
                round2(ix.iter().map(|i| cases[*i].score).sum::<f64>() / f64::from(n.max(1)));
            let grades = count_grades(&mut ix.iter().copied());
            let pass =
                ix.iter().filter(|i| grade_of[**i] != failing).count() as f64 / f64::from(n.max(1));
            let (sev, rules) = agency_findings.get(*agency).cloned().unwrap_or_default();
            let mut top: Vec<(String, u32)> = rules
                .into_iter()
                .map(|(r, k)| (r.0.code.to_string(), k))
                .collect();
            top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(3);
            AgencyScore {
                agency: agency.to_string(),
                cases: n,
                cases_with_violations: ix.iter().filter(|i| cases[**i].violations > 0).count()
                    as u32,
                by_severity: sev,
                mean_score: mean,
                grades,
                pass_rate: round2(pass * 100.0) / 100.0,
                rank: 0,
                top_rules: top,
            }
        })
        .collect();
    agencies.sort_by(|a, b| {
        b.mean_score
            .total_cmp(&a.mean_score)
            .then(a.agency.cmp(&b.agency))
    });
    for i in 0..agencies.len() {
        agencies[i].rank = if i > 0 && agencies[i].mean_score == agencies[i - 1].mean_score {
            agencies[i - 1].rank
        } else {
            i as u32 + 1
        };
    }
    let mut rules: Vec<RuleStat> = tallies
        .into_iter()
        .map(|RuleTally { stat: mut s, .. }| {
            s.share_of_cases = round2(f64::from(s.cases_affected) / n_cases * 10000.0) / 10000.0;
            s
        })
        .collect();
    rules.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(&b.rule)));
    let grades = count_grades(&mut (0..cases.len()));
    let pass_rate = grade_of.iter().filter(|g| **g != failing).count() as f64 / n_cases;
    let mean_score = round2(cases.iter().map(|c| c.score).sum::<f64>() / n_cases);
    let findings_by_agency = agency_findings
        .iter()
        .map(|(a, (sev, _))| (a.to_string(), sev.iter().sum()))
        .collect();
    let scores = Scores {
        cases,
        agencies,
        rules,
        by_severity,
        findings_by_agency,
        grades,
        pass_rate: round2(pass_rate * 10000.0) / 10000.0,
        mean_score,
        waived: waived.iter().filter(|w| **w).count() as u32,
        unmatched_waivers,
    };
    (scores, waived)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &[u8]) -> Result<Vec<Waiver>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("waivers.csv");
        std::fs::write(&p, text).unwrap();
        load_waivers(&p)
    }

    fn config_message(r: Result<Vec<Waiver>>) -> String {
        match r {
            Err(Error::Config(m)) => m,
            other => panic!("expected a configuration error, got {other:?}"),
        }
    }

    #[test]
    fn waiver_columns_are_found_by_their_headers_in_either_language() {
        let csv = "批准人,豁免理由,对象,案号,规则\n评查组 王某,设备损毁,HD-2-4,测罚〔2024〕4号,V01\n,,,,\n";
        let (gbk, _, _) = encoding_rs::GBK.encode(csv);
        for bytes in [csv.as_bytes(), &gbk] {
            let w = load(bytes).unwrap();
            assert_eq!(w.len(), 1, "the blank row is skipped");
            assert_eq!(
                (&*w[0].rule, &*w[0].case_no, &*w[0].subject, w[0].row),
                ("V01", "测罚〔2024〕4号", "HD-2-4", 2)
            );
            assert_eq!(
                (&*w[0].reason, &*w[0].approved_by),
                ("设备损毁", "评查组 王某")
            );
        }
        // 案号 and 对象 may be blank (footage with no case; a case-level finding).
        let w = load(b"rule,case_no,subject,reason,approved_by\nV04,,MV-ORPHAN-1,r,a\n").unwrap();
        assert_eq!((&*w[0].case_no, &*w[0].subject), ("", "MV-ORPHAN-1"));
    }

    #[test]
    fn a_waiver_without_its_columns_reason_or_approver_is_refused() {
        let m = config_message(load(b"rule,case_no,subject,approved_by\nV01,a,b,c\n"));
        assert!(m.contains("缺少列「reason」（或「豁免理由」）"), "{m}");
        assert!(
            m.contains("表头为：rule、case_no、subject、approved_by"),
            "{m}"
        );
        let m = config_message(load(
            b"rule,case_no,subject,reason,approved_by\nV01,a,b,r,p\nV02,a,b,,p\n",
        ));
        assert!(m.contains("第 3 行缺少豁免理由（reason）"), "{m}");
        let m = config_message(load(
            b"rule,case_no,subject,reason,approved_by\nV01,a,b,r\n",
        ));
        assert!(m.contains("第 2 行缺少批准人（approved_by）"), "{m}");
        let m = config_message(load(b"rule,case_no,subject,reason,approved_by\n,a,b,r,p\n"));
        assert!(m.contains("第 2 行缺少规则（rule）"), "{m}");
    }

    #[test]
    fn unmatched_waivers_are_named_by_their_lines() {
        assert_eq!(unmatched_waivers_note(&[]), None);
        let note = unmatched_waivers_note(&[3, 7]).unwrap();
        assert!(
            note.starts_with("豁免清单中有 2 条未对应本次评查的任何问题（第 3、7 行）"),
            "{note}"
        );
        let many: Vec<u32> = (2..40).collect();
        let note = unmatched_waivers_note(&many).unwrap();
        assert!(
            note.contains("有 38 条") && note.contains("、21 等 行"),
            "{note}"
        );
    }
}
