//! Start of procedure (程序启动): S01–S04.

use super::*;

fn opened_general(cx: &CaseCx<'_>) -> bool {
    cx.case.procedure == Procedure::General
        && !matches!(cx.case.status, Some(Status::NotFiled | Status::NotAccepted))
}

/// S01 立案审批缺失.
///
/// **Checks** that an ex-officio, complaint, referred or assigned 一般程序 case that was
/// opened has approval evidence: a 立案审批表 (督查立案审批表 and the other aliases count),
/// or for 行政检查 a 检查通知书, or a filled 立案审批时间 in the case row.
///
/// **Why**: every text requires the head of the agency to approve opening a case before
/// the procedure starts (000:第八条, 001:第九条, 002:第五条, 003:第六条, 004:第六条).
///
/// **Example**: 依职权 case 市监罚〔2024〕12号, 一般程序, no 立案审批表, 立案审批时间 blank → finding.
/// The same case with 立案审批时间 `2024-03-01` → no finding.
pub static S01: RuleDef = RuleDef {
    code: "S01",
    title: "立案审批缺失",
    stage: Stage::Start,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "origin"), (Table::Documents, "doc_type")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let c = cx.case;
        let ex_officio = matches!(
            c.origin,
            Some(Origin::ExOfficio | Origin::Complaint | Origin::Referred | Origin::Assigned)
        );
        if !ex_officio || !opened_general(cx) || c.approved_at.is_some() {
            return;
        }
        if cx.has_doc(doc!("立案审批表")) {
            return;
        }
        let inspection = c.category == Some(Category::Inspection);
        if inspection && cx.has_doc(doc!("检查通知书")) {
            return;
        }
        let wanted = if inspection {
            "立案审批表或检查通知书"
        } else {
            "立案审批表"
        };
        out.push(
            "",
            format_args!(
                "{}案件（{}），启动日期 {}，无{}，案件登记中立案审批时间为空",
                c.origin.map(|o| o.zh()).unwrap_or(""),
                c.procedure.zh(),
                show(c.opened_at),
                wanted
            ),
        );
    }),
    check_bundle: None,
};

/// The approval time of the opening: the case row's 立案审批时间, else the 立案审批表's
/// 批准时间 or 制作时间.
fn approval_time(cx: &CaseCx<'_>) -> Option<Stamp> {
    cx.case.approved_at.or_else(|| {
        cx.docs_named(doc!("立案审批表"))
            .find_map(|d| cx.review_times(d).1.or(d.made_at))
    })
}

/// S02 紧急启动补报超时.
///
/// **Checks** that an urgent case (紧急启动 = 是) was approved within the profile's
/// `urgent_approval_hours` after 启动日期. A date-only 启动日期 counts from the end of that day.
///
/// **Why**: 003:第六条 allows starting first in an emergency but requires the approval to
/// be obtained within 24 hours.
///
/// **Example**: 启动日期 `2024-03-01 09:00`, 立案审批时间 `2024-03-02 09:01` → finding (24 h 1 min);
/// `2024-03-02 09:00` → no finding.
pub static S02: RuleDef = RuleDef {
    code: "S02",
    title: "紧急启动补报超时",
    stage: Stage::Start,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "urgent"), (Table::Cases, "approved_at")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let c = cx.case;
        let Some(hours) = cx.profile.deadlines.urgent_approval_hours else {
            return;
        };
        if !c.urgent {
            return;
        }
        let (Some(open), Some(appr)) = (c.opened_at, approval_time(cx)) else {
            return;
        };
        let due = open.latest() + chrono::Duration::hours(i64::from(hours));
        let late = (appr.at() - due).num_seconds();
        if late > 0 {
            out.push(
                "",
                format_args!(
                    "紧急启动，启动日期 {open}，立案审批时间 {appr}，超过 {hours} 小时补报期限 {}",
                    zh_duration(late)
                ),
            );
        }
    }),
    check_bundle: None,
};

/// S03 申请受理记录缺失.
///
/// **Checks** that a case started on application (依申请) has a 受理通知书 or a
/// 不予受理通知书.
///
/// **Why**: the texts require the acceptance decision on an application to be recorded in
/// writing (000:第七条, 001:第九条, 002:第五条, 004:第七条).
///
/// **Example**: 依申请 license case with only a 行政许可决定书 → finding; with a 受理通知书 → none.
pub static S03: RuleDef = RuleDef {
    code: "S03",
    title: "申请受理记录缺失",
    stage: Stage::Start,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "origin"), (Table::Documents, "doc_type")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if cx.case.origin != Some(Origin::Application) {
            return;
        }
        if cx.has_doc(doc!("受理通知书")) || cx.has_doc(doc!("不予受理通知书")) {
            return;
        }
        out.push(
            "",
            format_args!(
                "依申请启动，启动日期 {}，无受理通知书或不予受理通知书",
                show(cx.case.opened_at)
            ),
        );
    }),
    check_bundle: None,
};

/// S04 重大案件立案缺法制审核.
///
/// **Checks** that a major case (重大执法决定 = 是) that was opened under 一般程序 has a
/// 立案审批表 carrying a 法制审核意见.
///
/// **Why**: 000:第八条 requires the legal office's opinion on the opening of major cases.
///
/// **Example**: major case whose 立案审批表 has a blank 法制审核意见 → finding.
pub static S04: RuleDef = RuleDef {
    code: "S04",
    title: "重大案件立案缺法制审核",
    stage: Stage::Start,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "major"), (Table::Documents, "legal_review")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if !cx.case.major || !opened_general(cx) {
            return;
        }
        let forms: Vec<&Document> = cx.docs_named(doc!("立案审批表")).collect();
        if forms
            .iter()
            .any(|d| d.flags.contains(DocFlags::LEGAL_REVIEW))
        {
            return;
        }
        let detail = if forms.is_empty() {
            "重大执法决定案件，无立案审批表，立案未见法制审核意见".to_string()
        } else {
            format!(
                "重大执法决定案件，立案审批表（{}）未载明法制审核意见",
                cx.subject(forms[0])
            )
        };
        out.push("", detail);
    }),
    check_bundle: None,
};
