//! Review and decision (审查决定): D01–D05.

use super::*;

fn decided(cx: &CaseCx<'_>) -> bool {
    cx.case.decided_at.is_some()
}

/// D01 承办意见缺失.
///
/// **Checks** that a decided case (决定日期 filled) has a 案件处理审批表 or 调查终结报告
/// carrying the handler's opinion (承办人意见).
///
/// **Why**: the handler's proposal is the first step of the internal review
/// (000:第十六条, 001:第十一条, 002:第五条, 003:第九条, 004:第九条).
///
/// **Example**: 决定日期 2024-04-01, 案件处理审批表 with 承办人意见 blank, no 调查终结报告 → finding.
pub static D01: RuleDef = RuleDef {
    code: "D01",
    title: "承办意见缺失",
    stage: Stage::Decision,
    severity: Severity::Violation,
    needs: &[
        (Table::Cases, "decided_at"),
        (Table::Documents, "handler_opinion"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if !decided(cx) {
            return;
        }
        let forms: Vec<&Document> = cx
            .docs
            .iter()
            .filter(|d| [doc!("案件处理审批表"), doc!("调查终结报告")].contains(&d.doc_type))
            .collect();
        if forms
            .iter()
            .any(|d| d.flags.contains(DocFlags::HANDLER_OPINION))
        {
            return;
        }
        let detail = if forms.is_empty() {
            format!(
                "决定日期 {}，无案件处理审批表或调查终结报告",
                show(cx.case.decided_at)
            )
        } else {
            format!(
                "决定日期 {}，{}未载明承办人意见",
                show(cx.case.decided_at),
                forms[0].doc_type
            )
        };
        out.push("", detail);
    }),
    check_bundle: None,
};

/// Does a document count as the legal review of the decision?
fn is_legal_review(cx: &CaseCx<'_>, d: &Document) -> bool {
    if d.doc_type == doc!("法制审核意见表") {
        return true;
    }
    cx.profile.scope.legal_review_on_approval_form
        && d.doc_type == doc!("案件处理审批表")
        && d.flags.contains(DocFlags::REVIEWER_IS_LEGAL)
        && d.flags
            .intersects(DocFlags::LEGAL_REVIEW | DocFlags::NOTE_MENTIONS_LEGAL_REVIEW)
}

/// D02 法制审核缺失.
///
/// **Checks** that a major decision (重大执法决定 = 是), and in profiles with
/// `d02_all_general_penalties` every 一般程序 行政处罚 decision, has a 法制审核意见表 made no
/// later than the decision (the decision document's 制作时间, else 决定日期). Where the profile
/// allows it (jinpu-justice, 003:第九条), a 案件处理审批表 reviewed by the legal office with the
/// opinion in 法制审核意见 or 备注 counts.
///
/// **Why**: 重大行政执法决定法制审核 before the decision (000:第十七条, 001:第十一条, 002:第五条,
/// 003:第九条, 004:第九条). On a major decision this is a 一票否决 item.
///
/// **Example**: major case decided 2024-04-01 with 法制审核意见表 made 2024-04-03 → finding.
pub static D02: RuleDef = RuleDef {
    code: "D02",
    title: "法制审核缺失",
    stage: Stage::Decision,
    severity: Severity::Violation,
    needs: &[
        (Table::Cases, "major"),
        (Table::Cases, "decided_at"),
        (Table::Documents, "doc_type"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let c = cx.case;
        if !decided(cx) {
            return;
        }
        let penalty_scope = cx.profile.scope.d02_all_general_penalties
            && c.procedure == Procedure::General
            && c.category == Some(Category::Penalty);
        if !c.major && !penalty_scope {
            return;
        }
        let Some(when) = cx.decision_time() else {
            return;
        };
        let reviews: Vec<&Document> = cx.docs.iter().filter(|d| is_legal_review(cx, d)).collect();
        if reviews
            .iter()
            .any(|d| d.made_at.is_none_or(|m| m.not_after(&when)))
        {
            return;
        }
        let why = if c.major {
            "重大执法决定"
        } else {
            "一般程序行政处罚决定"
        };
        let detail = match reviews.iter().filter_map(|d| d.made_at).min() {
            None => format!("{why}，决定时间 {when}，无法制审核意见"),
            Some(m) => format!("{why}，决定时间 {when}，法制审核意见制作于 {m}，晚于决定"),
        };
        out.push("", detail);
        if c.major {
            out.veto_last();
        }
    }),
    check_bundle: None,
};

/// D03 负责人审批或集体讨论缺失.
///
/// **Checks** that a decided case's 案件处理审批表 names a 批准人, and that a major decision
/// has a 集体讨论记录.
///
/// **Why**: decisions need the head's approval and major ones collective discussion
/// (行政处罚法 第五十七条, national baseline; 000:第十九条, 001:第十一条, 002:第五条, 004:第九条).
///
/// **Example**: major case decided with no 集体讨论记录 → finding.
pub static D03: RuleDef = RuleDef {
    code: "D03",
    title: "负责人审批或集体讨论缺失",
    stage: Stage::Decision,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "decided_at"), (Table::Documents, "approver")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if !decided(cx) {
            return;
        }
        for f in cx
            .docs_named(doc!("案件处理审批表"))
            .filter(|d| !d.flags.contains(DocFlags::APPROVER))
        {
            out.push(
                cx.subject(f),
                format_args!("案件处理审批表（{}）未载明批准人", show(f.made_at)),
            );
        }
        if cx.case.major && !cx.has_doc(doc!("集体讨论记录")) {
            out.push(
                "",
                format_args!(
                    "重大执法决定，决定日期 {}，无集体讨论记录",
                    show(cx.case.decided_at)
                ),
            );
        }
    }),
    check_bundle: None,
};

/// D04 审批流程不完整.
///
/// **Checks** each approval form (立案审批表, 案件处理审批表, 结案审批表): handler's opinion,
/// reviewer, approver and their dates are present, and 制作时间 ≤ 审核时间 ≤ 批准时间.
///
/// **Why**: the approval chain must be complete and in order (000:第三十八条, 004:第十五条).
///
/// **Example**: 结案审批表 made 2024-05-02, 批准时间 2024-05-01 → finding (dates run backwards).
pub static D04: RuleDef = RuleDef {
    code: "D04",
    title: "审批流程不完整",
    stage: Stage::Decision,
    severity: Severity::Violation,
    needs: &[
        (Table::Documents, "handler_opinion"),
        (Table::Documents, "reviewer"),
        (Table::Documents, "reviewed_at"),
        (Table::Documents, "approver"),
        (Table::Documents, "approved_at"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx.docs.iter().filter(|d| {
            [
                doc!("立案审批表"),
                doc!("案件处理审批表"),
                doc!("结案审批表"),
            ]
            .contains(&d.doc_type)
        }) {
            let (reviewed_at, approved_at) = cx.review_times(d);
            let mut gaps = Vec::new();
            if !d.flags.contains(DocFlags::HANDLER_OPINION) {
                gaps.push("承办人意见".to_string());
            }
            if !d.flags.contains(DocFlags::REVIEWER) {
                gaps.push("审核人".to_string());
            }
            if reviewed_at.is_none() {
                gaps.push("审核时间".to_string());
            }
            if !d.flags.contains(DocFlags::APPROVER) {
                gaps.push("批准人".to_string());
            }
            if approved_at.is_none() {
                gaps.push("批准时间".to_string());
            }
            let mut order = Vec::new();
            if let (Some(m), Some(r)) = (d.made_at, reviewed_at) {
                if !m.not_after(&r) {
                    order.push(format!("审核时间 {r} 早于制作时间 {m}"));
                }
            }
            if let (Some(r), Some(a)) = (reviewed_at.or(d.made_at), approved_at) {
                if !r.not_after(&a) {
                    order.push(format!(
                        "批准时间 {a} 早于{} {r}",
                        if reviewed_at.is_some() {
                            "审核时间"
                        } else {
                            "制作时间"
                        }
                    ));
                }
            }
            if gaps.is_empty() && order.is_empty() {
                continue;
            }
            let mut parts = Vec::new();
            if !gaps.is_empty() {
                parts.push(format!("缺少{}", gaps.join("、")));
            }
            parts.extend(order);
            out.push(
                cx.subject(d),
                format_args!("{}（{}）{}", d.doc_type, show(d.made_at), parts.join("；")),
            );
        }
    }),
    check_bundle: None,
};

/// D05 决定文书缺失.
///
/// **Checks** that a case with a 决定日期 has a decision document (a name ending in 决定书).
///
/// **Why**: the decision must exist in writing (000:第二十一条, 001:第十一条). A 一票否决 item.
///
/// **Example**: 决定日期 2024-04-01 and no document ending in 决定书 → finding.
pub static D05: RuleDef = RuleDef {
    code: "D05",
    title: "决定文书缺失",
    stage: Stage::Decision,
    severity: Severity::Violation,
    needs: &[(Table::Cases, "decided_at"), (Table::Documents, "doc_type")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if decided(cx) && cx.decision_docs().next().is_none() {
            out.push(
                "",
                format_args!("决定日期 {}，文书记录中无决定书", show(cx.case.decided_at)),
            );
            out.veto_last();
        }
    }),
    check_bundle: None,
};
