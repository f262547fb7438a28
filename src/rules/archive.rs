//! Archiving and use (归档管理): A01–A03, X01.

use super::deadline::{due, due_day, lateness, zh_late};
use super::*;

/// The archive deadline of a closed case, or `None` when the calendar lacks a year.
fn archive_due(cx: &CaseCx<'_>, out: &mut Emit<'_>) -> Option<i64> {
    let closed = cx.case.closed_at?;
    let d = &cx.profile.deadlines;
    match due(closed, &d.archive, cx.run.calendar, d.extend_over_holiday) {
        Ok(x) => Some(x),
        Err(y) => {
            out.missing(y);
            None
        }
    }
}

/// A01 逾期未归档.
///
/// **Checks** a closed case (终结日期 filled) with no 归档日期: it fires only when the audit
/// date (`--as-of`) is after the archive deadline (30 days, 20 working days or 20 days
/// after 终结日期, by profile).
///
/// **Why**: 000:第三十二条, 001:第二十一条, 002:第十条, 003:第二十三条, 004:第二十八条.
///
/// **Example**: 终结日期 2024-03-01, not archived, as-of 2024-04-15, 30-day profile → finding
/// (15 日 overdue); as-of 2024-03-31 → none.
pub static A01: RuleDef = RuleDef {
    code: "A01",
    title: "逾期未归档",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "closed_at"), (Table::Cases, "archived_at")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if cx.case.archived_at.is_some() {
            return;
        }
        let Some(limit) = archive_due(cx, out) else {
            return;
        };
        let as_of = cx.run.as_of;
        let limit = due_day(limit);
        if as_of > limit {
            let days = (as_of - limit).num_days();
            out.push(
                "",
                format_args!(
                    "终结日期 {}，截至 {as_of} 未归档，超过 {}期限 {days} 日",
                    show(cx.case.closed_at),
                    cx.profile.deadlines.archive.zh()
                ),
            );
        }
    }),
    check_bundle: None,
};

/// A02 归档逾期.
///
/// **Checks** that a closed case's 归档日期 is no later than the archive deadline; archived
/// on day N is on time.
///
/// **Why**: same articles as A01.
///
/// **Example**: 终结日期 2024-03-01, 归档日期 2024-04-15, 30-day profile → finding (超过 15 日);
/// under pingluo-veterans (20 days) 2024-03-26 is late, under district-2018 it is not.
pub static A02: RuleDef = RuleDef {
    code: "A02",
    title: "归档逾期",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "closed_at"), (Table::Cases, "archived_at")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let Some(arch) = cx.case.archived_at else {
            return;
        };
        let Some(limit) = archive_due(cx, out) else {
            return;
        };
        let late = lateness(arch, limit);
        if late > 0 {
            let d = &cx.profile.deadlines.archive;
            out.push(
                "",
                format_args!(
                    "终结日期 {}，归档日期 {arch}，超过 {}期限 {}",
                    show(cx.case.closed_at),
                    d.zh(),
                    zh_late(late, d)
                ),
            );
        }
    }),
    check_bundle: None,
};

/// A03 归档信息不全.
///
/// **Checks** that an archived case has an 归档编号 and a 保管期限.
///
/// **Why**: 002:第五条 requires archive number and retention period.
///
/// **Example**: 归档日期 2024-03-20 with 保管期限 blank → finding.
pub static A03: RuleDef = RuleDef {
    code: "A03",
    title: "归档信息不全",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "archive_no"), (Table::Cases, "retention")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let c = cx.case;
        let Some(arch) = c.archived_at else { return };
        let mut missing = Vec::new();
        if !c.has_archive_no {
            missing.push("归档编号");
        }
        if !c.has_retention {
            missing.push("保管期限");
        }
        if !missing.is_empty() {
            out.push(
                "",
                format_args!("归档日期 {arch}，缺少{}", missing.join("、")),
            );
        }
    }),
    check_bundle: None,
};

/// X01 调阅复制未经批准.
///
/// **Checks** each access row of kind 复制 or 对外提供 (and 调阅 where the profile covers it:
/// henan-2019, jinpu-justice) has a 批准人 and a 批准时间 no later than the access time.
///
/// **Why**: 000:第三十四条, 001:第二十四条, 002:第十二条, 003:第二十五条; off in lingshou-approval.
///
/// **Example**: 复制 on 2024-05-01 10:00 approved 2024-05-02 → finding (approved after the act).
pub static X01: RuleDef = RuleDef {
    code: "X01",
    title: "调阅复制未经批准",
    stage: Stage::Archive,
    severity: Severity::Violation,
    needs: &[(Table::Access, "kind"), (Table::Access, "approver")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for a in cx.access {
            let Some(kind) = a.kind else { continue };
            if kind == AccessKind::Consult && !cx.profile.scope.x01_covers_consult {
                continue;
            }
            let problem = if !a.has_approver {
                Some("无批准人".to_string())
            } else {
                match (a.approved_at, a.at_time) {
                    (Some(ap), Some(at)) if !ap.not_after(&at) => {
                        Some(format!("批准时间 {ap} 晚于{}时间 {at}", kind.zh()))
                    }
                    (None, _) => Some("未记录批准时间".to_string()),
                    _ => None,
                }
            };
            if let Some(p) = problem {
                out.push(
                    a.subject(),
                    format_args!(
                        "{}案卷（申请人 {}，{}）{p}",
                        kind.zh(),
                        a.requester,
                        show(a.at_time)
                    ),
                );
                out.dated(a.at_time);
            }
        }
    }),
    check_bundle: None,
};
