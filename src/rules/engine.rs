//! Runs the catalogue over a bundle: decides per profile which rules are in force and
//! which are 未评查 (coverage), checks cases in parallel, and orders the findings.

use super::registry::RULES;
use super::*;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};

/// A rule that was in force but could not be evaluated, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotEvaluated {
    /// Profile id.
    pub profile: String,
    /// Rule code.
    pub rule: &'static str,
    /// Rule title.
    pub title: &'static str,
    /// Reason (Chinese).
    pub reason: String,
}

/// The profiles of a run and how cases pick theirs.
pub struct Judges {
    /// Profiles; the first is the default (`--profile`).
    pub profiles: Vec<Profile>,
    /// 执法机关 → index into `profiles` (`--profile-map`).
    pub by_agency: HashMap<String, usize>,
}

impl Judges {
    /// One profile for every case.
    pub fn single(p: Profile) -> Judges {
        Judges {
            profiles: vec![p],
            by_agency: HashMap::new(),
        }
    }

    /// The profile index a case is judged by.
    pub fn for_agency(&self, agency: &str) -> usize {
        self.by_agency.get(agency).copied().unwrap_or(0)
    }
}

/// What the engine produced.
#[derive(Debug)]
pub struct Outcome {
    /// Findings, ordered by agency, 案号, rule, subject.
    pub findings: Vec<Finding>,
    /// Rules in force that could not be evaluated.
    pub not_evaluated: Vec<NotEvaluated>,
    /// Years the calendar lacked for working-day deadlines.
    pub calendar_missing: BTreeSet<i32>,
}

/// Why a rule cannot be evaluated under a profile, or `None` when it can.
fn unusable(rule: &RuleDef, p: &Profile, run: &RunCx<'_>) -> Option<String> {
    if let Some(reason) = rule.precondition.and_then(|f| f(run)) {
        return Some(reason.to_string());
    }
    let b = run.bundle;
    for (t, col) in rule.needs {
        if let Some(r) = b.coverage(*t).unusable(*t, col) {
            return Some(r);
        }
    }
    for alternatives in (rule.profile_needs)(p) {
        let reasons: Vec<String> = alternatives
            .iter()
            .filter_map(|(t, col)| b.coverage(*t).unusable(*t, col))
            .collect();
        if reasons.len() == alternatives.len() && !reasons.is_empty() {
            return Some(reasons.join("；"));
        }
    }
    None
}

/// Which profiles judge something: the default always (it also judges the bundle-level
/// rules), another when a case's 执法机关 is mapped to it. A profile that `--profile-map`
/// gives only to agencies with no case (in the window) has no rule to leave 未评查.
fn judged_profiles(judges: &Judges, bundle: &Bundle) -> Vec<bool> {
    let mut judged = vec![false; judges.profiles.len()];
    judged[0] = true;
    if judges.profiles.len() > 1 {
        for run in bundle.agency_runs() {
            judged[judges.for_agency(&run[0].agency)] = true;
        }
    }
    judged
}

/// Run every rule in force over the bundle.
pub fn run(run: &RunCx<'_>, judges: &Judges) -> Outcome {
    let b = run.bundle;
    let mut not_evaluated = Vec::new();
    let judged = judged_profiles(judges, b);
    let active: Vec<Vec<InForce>> = judges
        .profiles
        .iter()
        .zip(&judged)
        .map(|(p, &judged)| {
            RULES
                .iter()
                .copied()
                .filter(|r| p.has(r.code))
                .filter(|r| match unusable(r, p, run) {
                    None => true,
                    Some(_) if !judged => false,
                    Some(reason) => {
                        not_evaluated.push(NotEvaluated {
                            profile: p.id.clone(),
                            rule: r.code,
                            title: r.title,
                            reason,
                        });
                        false
                    }
                })
                .map(|r| InForce::new(r, p))
                .collect()
        })
        .collect();

    // The bundle-level findings (few) first, so that each batch of case findings can be
    // merged with them as it comes.
    let mut calendar_missing = BTreeSet::new();
    let mut rest = Vec::new();
    let bx = BundleCx {
        run,
        profile: &judges.profiles[0],
    };
    for rule in &active[0] {
        if let Some(check) = rule.def.check_bundle {
            check(
                &bx,
                &mut Emit::new(rule, 0, None, &mut rest, &mut calendar_missing),
            );
        }
    }
    let cases = &b.cases[..];
    rest.sort_by(|x, y| order_key(x, cases).cmp(&order_key(y, cases)));

    // Cases are checked in chunks; a chunk's findings come out case by case, each case's
    // sorted on its own.
    let n = b.cases.len();
    let check_chunk = |k: usize| {
        let mut findings = Vec::new();
        let mut missing = BTreeSet::new();
        let end = n.min((k + 1) * CASES_PER_CHUNK);
        for c in k * CASES_PER_CHUNK..end {
            if c + 1 < end {
                prefetch_case(b, (c + 1) as CaseIx);
            }
            let case = &b.cases[c];
            let ix = c as CaseIx;
            let pi = judges.for_agency(&case.agency);
            let acts = b.index.activities(ix);
            let cx = CaseCx {
                run,
                profile: &judges.profiles[pi],
                ix,
                case,
                docs: &b.documents[b.index.docs(ix)],
                services: &b.services[b.index.services(ix)],
                activity_offset: acts.start,
                activities: &b.activities[acts],
                media: &b.media[b.index.media(ix)],
                access: &b.access[b.index.access(ix)],
            };
            let start = findings.len();
            for rule in &active[pi] {
                if let Some(check) = rule.def.check_case {
                    check(
                        &cx,
                        &mut Emit::new(rule, pi, Some(ix), &mut findings, &mut missing),
                    );
                }
            }
            // A case's findings share its agency and 案号 (they are its own), so they sort
            // by the rest of the key.
            debug_assert!(findings[start..].iter().all(|f| f.case == Some(ix)));
            findings[start..].sort_by(|a, b| case_key(a).cmp(&case_key(b)));
        }
        (findings, missing)
    };

    // Ingest holds cases in (执法机关, 案号) order, so the chunks follow report order and
    // are moved into the findings batch by batch, the bundle-level findings merged in: the
    // findings are never held twice. A bundle built otherwise is sorted at the end.
    let key = |c: usize| (&*b.cases[c].agency, &*b.cases[c].case_no);
    let in_order = (1..n).all(|c| key(c - 1) <= key(c));
    let chunks = n.div_ceil(CASES_PER_CHUNK);
    let mut findings: Vec<Finding> = Vec::new();
    let rest_len = rest.len();
    let mut rest = rest.into_iter().peekable();
    let mut absorb = |runs: Vec<(Vec<Finding>, BTreeSet<i32>)>, findings: &mut Vec<Finding>| {
        for (run, years) in runs {
            calendar_missing.extend(years);
            if in_order {
                merge_run(findings, run, &mut rest, cases);
            } else {
                findings.extend(run);
            }
        }
    };
    // Each batch's findings are moved into the list while the next batch is checked.
    let mut pending = Vec::new();
    let mut first = 0;
    while first < chunks {
        let last = chunks.min(first + CHUNKS_PER_BATCH);
        let (runs, ()) = rayon::join(
            || (first..last).into_par_iter().map(check_chunk).collect(),
            || absorb(std::mem::take(&mut pending), &mut findings),
        );
        pending = runs;
        if first == 0 {
            // Reserve for all cases at the first batch's findings per case, with a
            // margin: capacity never written is never touched, so costs no memory.
            let found: usize = pending.iter().map(|r| r.0.len()).sum();
            let checked = (last * CASES_PER_CHUNK).min(n).max(1);
            findings.reserve(found * n / checked * 5 / 4 + rest_len);
        }
        first = last;
    }
    absorb(pending, &mut findings);
    findings.extend(rest);
    if !in_order {
        // Stable: case findings stay before bundle-level ones with an equal key.
        findings.sort_by(|x, y| order_key(x, cases).cmp(&order_key(y, cases)));
    }
    Outcome {
        findings,
        not_evaluated,
        calendar_missing,
    }
}

/// Ask the processor to load the rows of case `ix` while the case before it is checked.
///
/// Cases are checked in report order (执法机关, 案号) but each table keeps its rows in the
/// export's order of cases, so every case's rows are a jump away from the last case's:
/// without a hint each table's first rows miss the caches.
fn prefetch_case(b: &Bundle, ix: CaseIx) {
    prefetch(&b.documents[b.index.docs(ix)]);
    prefetch(&b.services[b.index.services(ix)]);
    prefetch(&b.activities[b.index.activities(ix)]);
    prefetch(&b.media[b.index.media(ix)]);
    prefetch(&b.access[b.index.access(ix)]);
    if let Some(r) = b.index.reviews(ix) {
        prefetch(&b.review_times[r]);
    }
}

/// Bytes of a table's rows [`prefetch`] asks for at most.
const PREFETCH_BYTES: usize = 1024;

/// Ask for the cache lines of `rows` (their first [`PREFETCH_BYTES`]).
fn prefetch<T>(rows: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let bytes = std::mem::size_of_val(rows).min(PREFETCH_BYTES);
        let p = rows.as_ptr().cast::<i8>();
        for off in (0..bytes).step_by(64) {
            // SAFETY: a prefetch never faults and `p + off` lies within `rows`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(off)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = rows;
}

/// Cases checked by one parallel task.
const CASES_PER_CHUNK: usize = 256;

/// Findings are ordered by agency, 案号, rule, subject (RULES.md), then detail.
fn order_key<'a>(
    f: &'a Finding,
    cases: &'a [Case],
) -> (&'a str, &'a str, &'a str, &'a str, &'a str) {
    (
        f.agency(cases),
        f.case_no(cases),
        f.rule(),
        f.subject(),
        f.detail(),
    )
}

/// [`order_key`] less the agency and 案号, for the findings of one case.
fn case_key(f: &Finding) -> (&str, &str, &str) {
    (f.rule(), f.subject(), f.detail())
}

/// Chunks checked in parallel before their findings are moved into the run's list.
const CHUNKS_PER_BATCH: usize = 64;

/// Move a run of case findings, which follows the findings already in `out` in
/// [`order_key`] order, to the end of `out`, merging in the sorted bundle-level findings
/// that sort before the run's last (after case findings with an equal key). The
/// bundle-level findings are few, so the case findings between them move in whole
/// stretches.
fn merge_run(
    out: &mut Vec<Finding>,
    run: Vec<Finding>,
    rest: &mut std::iter::Peekable<std::vec::IntoIter<Finding>>,
    cases: &[Case],
) {
    let mut run = run.into_iter();
    while let Some(y) = rest.next_if(|y| {
        run.as_slice()
            .last()
            .is_some_and(|last| order_key(y, cases) < order_key(last, cases))
    }) {
        let before = run
            .as_slice()
            .partition_point(|x| order_key(x, cases) <= order_key(&y, cases));
        out.extend(run.by_ref().take(before));
        out.push(y);
    }
    out.extend(run);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(case: CaseIx, rule: &'static str, detail: &str) -> Finding {
        let (texts, case_no_len, subject_end) = Finding::texts("", "", detail);
        Finding {
            def: super::super::registry::find(rule).unwrap(),
            severity: Severity::Info,
            texts,
            case_no_len,
            subject_end,
            article: "".into(),
            deduction: 0.0,
            profile: 0,
            case: Some(case),
            veto_hint: false,
            at: None,
            status: None,
        }
    }

    #[test]
    fn bundle_findings_are_merged_among_the_cases_after_equal_ones() {
        let cases = [
            Case::bare("A局", "0号"),
            Case::bare("A局", "1号"),
            Case::bare("A局", "2号"),
            Case::bare("B局", "9号"),
            Case::bare("C局", "1号"),
            Case::bare("D局", "1号"),
        ];
        let runs = vec![
            finding(1, "D01", "a1"),
            finding(2, "Q01", "a2"),
            finding(4, "D01", "a3"),
        ];
        let mut rest = vec![
            finding(0, "Q01", "b1"),
            finding(2, "Q01", "a2"),
            finding(2, "A01", "b2"),
            finding(3, "Q02", "b3"),
            finding(5, "Q02", "b4"),
        ];
        rest[1].article = "from rest".into();
        rest.sort_by(|x, y| order_key(x, &cases).cmp(&order_key(y, &cases)));
        let mut later = runs;
        let earlier: Vec<Finding> = later.drain(..2).collect();
        let mut merged = Vec::new();
        let mut rest = rest.into_iter().peekable();
        for run in [earlier, Vec::new(), later] {
            merge_run(&mut merged, run, &mut rest, &cases);
        }
        merged.extend(rest);
        let tags: Vec<(&str, &str)> = merged.iter().map(|f| (f.detail(), &*f.article)).collect();
        assert_eq!(
            tags,
            vec![
                ("b1", ""),
                ("a1", ""),
                ("b2", ""),
                ("a2", ""),
                ("a2", "from rest"),
                ("b3", ""),
                ("a3", ""),
                ("b4", ""),
            ]
        );
    }

    #[test]
    fn a_finding_is_eighty_bytes() {
        // A province-year holds three million findings at once.
        assert_eq!(std::mem::size_of::<Finding>(), 80);
    }

    #[test]
    fn a_finding_without_a_case_keeps_its_own_case_no() {
        let cases = [Case::bare("A局", "1号")];
        let (texts, case_no_len, subject_end) = Finding::texts("9号", "表:3", "不存在");
        let f = Finding {
            case: None,
            texts,
            case_no_len,
            subject_end,
            ..finding(0, "Q01", "")
        };
        assert_eq!(
            (f.case_no(&cases), f.agency(&cases), f.subject(), f.detail()),
            ("9号", NO_CASE_AGENCY, "表:3", "不存在")
        );
        let g = finding(0, "Q01", "x");
        assert_eq!(
            (g.case_no(&cases), g.agency(&cases), g.subject()),
            ("1号", "A局", "")
        );
    }
}
