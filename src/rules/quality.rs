//! Data integrity (not a legal rule: a precondition for auditing): Q01–Q04. Severity 提示,
//! no deduction. Subjects are `file:row`.

use super::*;

/// Q01 关联案号不存在.
///
/// **Checks** rows of 文书记录, 送达记录, 执法活动, 音像记录索引 and 调阅复制记录 whose 案号 is
/// not in 案件登记. Such rows cannot be judged with their case.
///
/// **Example**: 送达记录 row 14 with 案号 `市监罚〔2024〕999号`, absent from 案件登记 → finding.
pub static Q01: RuleDef = RuleDef {
    code: "Q01",
    title: "关联案号不存在",
    stage: Stage::Archive,
    severity: Severity::Info,
    needs: &[],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: None,
    check_bundle: Some(|bx, out| {
        let b = bx.run.bundle;
        for o in &b.orphans {
            let src = &b.sources[o.at.source as usize];
            out.push_unlinked(
                &o.case_no,
                b.row_label(o.at),
                format_args!(
                    "表「{}」第 {} 行的案号「{}」在案件登记中不存在",
                    src.table.zh(),
                    { o.at.row },
                    o.case_no
                ),
            );
        }
    }),
};

/// Q02 编号重复.
///
/// **Checks** that 案号 is unique in 案件登记 and 文件编号 in 音像记录索引 (later rows repeating
/// an earlier number are reported; the first is used).
///
/// **Example**: two 案件登记 rows with 案号 `综执罚〔2024〕5号` → one finding on the second.
pub static Q02: RuleDef = RuleDef {
    code: "Q02",
    title: "编号重复",
    stage: Stage::Archive,
    severity: Severity::Info,
    needs: &[],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: None,
    check_bundle: Some(|bx, out| {
        let b = bx.run.bundle;
        for (no, at) in &b.duplicate_cases {
            out.push_unlinked(
                no,
                b.row_label(*at),
                format_args!(
                    "案号「{no}」在案件登记中重复（第 {} 行），已使用首次出现的记录",
                    { at.row }
                ),
            );
        }
        for group in same_media_id(&b.media, &b.texts) {
            let (first, later) = group.split_first().expect("groups are not empty");
            for m in later {
                let case_no = m
                    .case
                    .map(|c| b.cases[c as usize].case_no.to_string())
                    .unwrap_or_default();
                out.push_unlinked(
                    &case_no,
                    b.row_label(m.at),
                    format_args!(
                        "文件编号「{}」重复（首次见于第 {} 行）",
                        b.text(m.media_id),
                        { first.at.row }
                    ),
                );
            }
        }
    }),
};

/// Footage rows sharing a 文件编号, each group in file order (groups of one are left out).
/// Rows are sorted by a hash of the number in parallel, then grouped by the number itself.
fn same_media_id<'a>(media: &'a [Media], texts: &Texts) -> Vec<Vec<&'a Media>> {
    use rayon::prelude::*;
    use std::hash::BuildHasher;
    let h = foldhash::fast::FixedState::with_seed(0);
    let mut keys: Vec<(u64, u32)> = media
        .par_iter()
        .enumerate()
        .map(|(i, m)| (h.hash_one(texts.get(m.media_id)), i as u32))
        .collect();
    // Only equal hashes need to meet; each group is then ordered by number and row.
    keys.par_sort_unstable_by_key(|k| k.0);
    let mut groups = Vec::new();
    for same_hash in keys.chunk_by(|x, y| x.0 == y.0).filter(|g| g.len() > 1) {
        let mut rows: Vec<&Media> = same_hash.iter().map(|k| &media[k.1 as usize]).collect();
        let id = |m: &Media| texts.get(m.media_id);
        rows.sort_by(|x, y| (id(x), x.at).cmp(&(id(y), y.at)));
        groups.extend(
            rows.chunk_by(|x, y| id(x) == id(y))
                .filter(|g| g.len() > 1)
                .map(<[&Media]>::to_vec),
        );
    }
    groups
}

fn end_before_start(label: &str, s: Option<Stamp>, e: Option<Stamp>) -> Option<String> {
    match (s, e) {
        (Some(s), Some(e)) if !s.not_after(&e) => Some(format!("{label}结束 {e} 早于开始 {s}")),
        _ => None,
    }
}

/// Q03 结束早于开始.
///
/// **Checks** that no activity or footage ends before it starts and no case ends (终结日期)
/// before it was opened (启动日期).
///
/// **Example**: footage 开始时间 10:00, 结束时间 09:00 → finding.
pub static Q03: RuleDef = RuleDef {
    code: "Q03",
    title: "结束时间早于开始时间",
    stage: Stage::Archive,
    severity: Severity::Info,
    needs: &[],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let b = cx.run.bundle;
        if let Some(d) = end_before_start("案件", cx.case.opened_at, cx.case.closed_at) {
            out.push(b.row_label(cx.case.at), d);
        }
        for a in cx.activities {
            if let Some(d) = end_before_start("执法活动", a.started_at, a.ended_at) {
                out.push(b.row_label(a.at), d);
            }
        }
        for m in cx.media {
            if let Some(d) = end_before_start("音像记录", m.started_at, m.ended_at) {
                out.push(b.row_label(m.at), d);
            }
        }
    }),
    check_bundle: Some(|bx, out| {
        let b = bx.run.bundle;
        for m in b.unlinked_media() {
            if let Some(d) = end_before_start("音像记录", m.started_at, m.ended_at) {
                out.push(b.row_label(m.at), d);
            }
        }
    }),
};

/// Q04 日期晚于评查基准日.
///
/// **Checks** that no date of a case, its documents, services, activities, footage or
/// access rows lies after the audit date (`--as-of`).
///
/// **Example**: 归档日期 2031-01-01 with as-of 2024-12-31 → finding.
pub static Q04: RuleDef = RuleDef {
    code: "Q04",
    title: "日期晚于评查基准日",
    stage: Stage::Archive,
    severity: Severity::Info,
    needs: &[],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let b = cx.run.bundle;
        let as_of = cx.run.as_of;
        // The first instant after the audit date: a stamp is later than the date when it is
        // at or after this one. Stamps order as their instants (a date-only stamp of the
        // next day sorts just after this one), so each row is settled by a comparison of
        // packed numbers: a province-year's 24 million rows, of which a handful are late.
        let Some(next) = as_of.succ_opt() else {
            return;
        };
        let first_late = Stamp::time(next.and_time(chrono::NaiveTime::MIN));
        let late = |s: Option<Stamp>| s.filter(|s| *s >= first_late);
        let mut check = |at: RowRef, stamps: &[(&str, Option<Stamp>)]| {
            if stamps.iter().all(|(_, s)| late(*s).is_none()) {
                return;
            }
            let future: Vec<String> = stamps
                .iter()
                .filter_map(|(n, s)| late(*s).map(|s| format!("{n} {s}")))
                .collect();
            out.push(
                b.row_label(at),
                format_args!("{}，晚于评查基准日 {as_of}", future.join("，")),
            );
        };
        let c = cx.case;
        check(
            c.at,
            &[
                ("启动日期", c.opened_at),
                ("立案审批时间", c.approved_at),
                ("决定日期", c.decided_at),
                ("终结日期", c.closed_at),
                ("归档日期", c.archived_at),
            ],
        );
        for d in cx.docs {
            let (reviewed_at, approved_at) = cx.review_times(d);
            check(
                d.at,
                &[
                    ("制作时间", d.made_at),
                    ("审核时间", reviewed_at),
                    ("批准时间", approved_at),
                ],
            );
        }
        for s in cx.services {
            check(s.at, &[("送达时间", s.served_at)]);
        }
        for a in cx.activities {
            check(
                a.at,
                &[
                    ("开始时间", a.started_at),
                    ("结束时间", a.ended_at),
                    ("返回单位时间", a.returned_at),
                ],
            );
        }
        for m in cx.media {
            check(
                m.at,
                &[
                    ("开始时间", m.started_at),
                    ("结束时间", m.ended_at),
                    ("入库时间", m.stored_at),
                ],
            );
        }
        for a in cx.access {
            check(a.at, &[("时间", a.at_time), ("批准时间", a.approved_at)]);
        }
    }),
    check_bundle: None,
};
