//! Service and execution (送达执行): T01–T07, E01, E02.

use super::*;

fn services_by<'a>(cx: &'a CaseCx<'a>, m: ServiceMethod) -> impl Iterator<Item = &'a Service> + 'a {
    cx.services.iter().filter(move |s| s.method == Some(m))
}

/// T01 决定未送达.
///
/// **Checks** that each decision document (name ending in 决定书) has a service record whose
/// 送达文书 is that document.
///
/// **Why**: a decision takes effect only when served (000:第二十三条, 001:第十二条, 002:第五条,
/// 003:第十一条, 004:第十条).
///
/// **Example**: 行政处罚决定书 made 2024-04-01, no 送达记录 of 行政处罚决定书 → finding.
pub static T01: RuleDef = RuleDef {
    code: "T01",
    title: "决定未送达",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[
        (Table::Documents, "doc_type"),
        (Table::Services, "doc_type"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx.decision_docs() {
            if !cx.services.iter().any(|s| s.doc_type == d.doc_type) {
                out.push(
                    cx.subject(d),
                    format_args!("{}（{}）无送达记录", d.doc_type, show(d.made_at)),
                );
            }
        }
    }),
    check_bundle: None,
};

/// T02 留置送达要素不全.
///
/// **Checks** that a 留置送达 records the refusal reason (拒收事由), a witness (见证人) and the
/// date (送达时间).
///
/// **Why**: 留置送达 is valid only with the refusal and witnesses recorded (000:第二十五条,
/// 003:第十二条, 004:第十七条; 民事诉讼法 第八十六条 by reference).
///
/// **Example**: 留置送达 with 见证人 blank → finding naming 见证人.
pub static T02: RuleDef = RuleDef {
    code: "T02",
    title: "留置送达要素不全",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[
        (Table::Services, "method"),
        (Table::Services, "witness"),
        (Table::Services, "refusal_reason"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for s in services_by(cx, ServiceMethod::LeftAtPremises) {
            let mut missing = Vec::new();
            if !s.has_refusal_reason {
                missing.push("拒收事由");
            }
            if !s.has_witness {
                missing.push("见证人");
            }
            if s.served_at.is_none() {
                missing.push("送达时间");
            }
            if !missing.is_empty() {
                out.push(
                    s.subject(),
                    format_args!("{}留置送达未记录{}", s.doc_type, missing.join("、")),
                );
            }
        }
    }),
    check_bundle: None,
};

/// Footage of the case that covers a moment (any footage that day for a date-only time).
fn footage_covering(cx: &CaseCx<'_>, at: Stamp) -> bool {
    cx.media.iter().any(|m| match (m.started_at, m.ended_at) {
        (Some(s), Some(e)) => at.within(&s, &e),
        _ => false,
    })
}

/// T03 and T05: a 留置送达 / 公告送达 with no footage. Activities of the kind are checked by
/// the footage linkage; services of the method in a case with no such activity are checked
/// against the case's footage covering the 送达时间.
fn service_footage(cx: &CaseCx<'_>, out: &mut Emit<'_>, kind: ActivityKind, method: ServiceMethod) {
    let Some(duty) = cx.profile.duty(kind, cx.case.category) else {
        return;
    };
    let severity = duty.duty.severity();
    let excusable =
        cx.profile.scope.no_film_reason_excuses && duty.duty != crate::profile::Duty::Full;
    let mut has_activity = false;
    for (i, a) in cx.activities.iter().enumerate() {
        if a.kind != Some(kind) {
            continue;
        }
        has_activity = true;
        if cx.footage(i).next().is_some() || (excusable && a.has_no_av_reason) {
            continue;
        }
        out.push_with(
            cx.text(a.activity_id),
            format_args!(
                "{}活动（{} 至 {}）无音像记录",
                kind.zh(),
                show(a.started_at),
                show(a.ended_at)
            ),
            severity,
            duty.article.clone(),
        );
    }
    if has_activity {
        return;
    }
    for s in services_by(cx, method) {
        let covered = s.served_at.is_some_and(|t| footage_covering(cx, t));
        if !covered {
            out.push_with(
                s.subject(),
                format_args!(
                    "{}{}（送达时间 {}）无覆盖送达过程的音像记录",
                    s.doc_type,
                    method.zh(),
                    show(s.served_at)
                ),
                severity,
                duty.article.clone(),
            );
        }
    }
}

/// T03 留置送达无音像记录.
///
/// **Checks** that each 留置送达 activity has footage (by the one footage linkage), or, for a
/// 留置送达 service with no activity row, that footage of the case covers its 送达时间.
/// Severity follows the filming table: 违规 where it is `yes`, 警告 where `should`.
///
/// **Why**: 000:第二十五条, 003:第十二条 (违规); 001:第十五条, 004:第十九条 (警告).
///
/// **Example**: 留置送达 served 2024-04-02 10:00 and no footage of the case that day → finding.
pub static T03: RuleDef = RuleDef {
    code: "T03",
    title: "留置送达无音像记录",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[(Table::Media, "started_at"), (Table::Services, "method")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        service_footage(
            cx,
            out,
            ActivityKind::ServiceAtPremises,
            ServiceMethod::LeftAtPremises,
        )
    }),
    check_bundle: None,
};

/// T04 公告送达未记录前序送达.
///
/// **Checks** that a 公告送达 records why other methods failed (前序送达情况) and where the
/// notice was posted (公告载体). In lingshou-approval only the notice medium is required.
///
/// **Why**: public notice is the last resort (000:第二十七条, 003:第十二条, 004:第十七条).
///
/// **Example**: 公告送达 with 前序送达情况 blank → finding.
pub static T04: RuleDef = RuleDef {
    code: "T04",
    title: "公告送达未记录前序送达",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[
        (Table::Services, "method"),
        (Table::Services, "notice_medium"),
    ],
    profile_needs: |p| {
        if p.scope.t04_medium_only {
            Vec::new()
        } else {
            vec![vec![(Table::Services, "prior_attempts")]]
        }
    },
    precondition: None,
    check_case: Some(|cx, out| {
        let medium_only = cx.profile.scope.t04_medium_only;
        for s in services_by(cx, ServiceMethod::PublicNotice) {
            let mut missing = Vec::new();
            if !medium_only && !s.has_prior_attempts {
                missing.push("前序送达情况（其他方式无法送达的记录）");
            }
            if !s.has_notice_medium {
                missing.push("公告载体");
            }
            if !missing.is_empty() {
                out.push(
                    s.subject(),
                    format_args!(
                        "{}公告送达（{}）未记录{}",
                        s.doc_type,
                        show(s.served_at),
                        missing.join("、")
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};

/// T05 公告送达无音像记录.
///
/// **Checks** like T03, for 公告送达 (a warning wherever the filming table says `should`).
///
/// **Why**: 000:第二十七条, 001:第十五条, 003:第十二条, 004:第十九条; off in pingluo-veterans.
///
/// **Example**: 公告送达 activity with no footage → 警告.
pub static T05: RuleDef = RuleDef {
    code: "T05",
    title: "公告送达无音像记录",
    stage: Stage::Service,
    severity: Severity::Warning,
    needs: &[(Table::Media, "started_at"), (Table::Services, "method")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        service_footage(
            cx,
            out,
            ActivityKind::ServiceByNotice,
            ServiceMethod::PublicNotice,
        )
    }),
    check_bundle: None,
};

/// T06 邮寄送达凭证缺失.
///
/// **Checks** that a 邮寄送达 has a tracking number (邮寄单号) and a kept receipt (回执 = 是;
/// blank counts as missing). lingshou-approval checks the receipt alone (004:第十七条).
///
/// **Why**: proof of postal service (000:第二十四条, 003:第十二条, 004:第十七条).
///
/// **Example**: 邮寄送达 with 邮寄单号 blank → finding.
pub static T06: RuleDef = RuleDef {
    code: "T06",
    title: "邮寄送达凭证缺失",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[(Table::Services, "method"), (Table::Services, "receipt")],
    profile_needs: |p| {
        if p.scope.t06_receipt_only {
            Vec::new()
        } else {
            vec![vec![(Table::Services, "tracking_no")]]
        }
    },
    precondition: None,
    check_case: Some(|cx, out| {
        let receipt_only = cx.profile.scope.t06_receipt_only;
        for s in services_by(cx, ServiceMethod::Mail) {
            let mut missing = Vec::new();
            if !receipt_only && !s.has_tracking_no {
                missing.push("邮寄单号");
            }
            if !s.receipt {
                missing.push("邮寄回执");
            }
            if !missing.is_empty() {
                out.push(
                    s.subject(),
                    format_args!(
                        "{}邮寄送达（{}）缺少{}",
                        s.doc_type,
                        show(s.served_at),
                        missing.join("、")
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};

/// T07 委托转交原因缺失.
///
/// **Checks** that a 委托送达 or 转交送达 (lingshou-approval: 委托送达 only) records why.
///
/// **Why**: 000:第二十六条, 003:第十二条, 004:第十七条.
///
/// **Example**: 委托送达 with 委托转交原因 blank → finding.
pub static T07: RuleDef = RuleDef {
    code: "T07",
    title: "委托转交原因缺失",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[
        (Table::Services, "method"),
        (Table::Services, "delegation_reason"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for s in cx.services.iter() {
            let Some(m) = s.method else { continue };
            if cx.profile.t07_methods.contains(&m) && !s.has_delegation_reason {
                out.push(
                    s.subject(),
                    format_args!(
                        "{}{}（{}）未记录委托或转交原因",
                        s.doc_type,
                        m.zh(),
                        show(s.served_at)
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};

/// Decisions whose performance must be recorded (E01): 行政处罚决定书 and 责令改正 decisions.
fn needs_performance_record(name: &str) -> bool {
    name == "行政处罚决定书" || name.contains("责令改正") || name.contains("责令整改")
}

/// E01 履行情况未记录.
///
/// **Checks** that a served 行政处罚决定书 or 责令改正 decision whose first service is more than
/// the grace period (profile `e01_grace_days`, default 30) before the audit date has a
/// 履行情况记录 or 整改核查记录. An unserved decision is T01's.
///
/// **Why**: execution must be recorded (000:第二十八条, 001:第十二条, 002:第五条, 003:第十三条).
///
/// **Example**: decision served 2024-01-05, as-of 2024-03-01, no 履行情况记录 → finding.
pub static E01: RuleDef = RuleDef {
    code: "E01",
    title: "履行情况未记录",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[
        (Table::Services, "served_at"),
        (Table::Documents, "doc_type"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        if cx.has_doc(doc!("履行情况记录")) || cx.has_doc(doc!("整改核查记录")) {
            return;
        }
        let grace = i64::from(cx.profile.deadlines.e01_grace_days);
        for d in cx
            .decision_docs()
            .filter(|d| needs_performance_record(&d.doc_type))
        {
            let served = cx
                .services
                .iter()
                .filter(|s| s.doc_type == d.doc_type)
                .filter_map(|s| s.served_at)
                .min();
            let Some(served) = served else { continue };
            let due = served.date() + chrono::Duration::days(grace);
            if cx.run.as_of > due {
                out.push(
                    cx.subject(d),
                    format_args!(
                        "{}于 {} 送达，至 {} 已超过 {} 日，无履行情况记录或整改核查记录",
                        d.doc_type, served, cx.run.as_of, grace
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};

/// E02 强制执行前未催告.
///
/// **Checks** that each 强制执行决定书 is preceded by a 催告书 served no later than the
/// decision's 制作时间.
///
/// **Why**: 行政强制法 第三十五条 requires a 催告 before enforcement (000:第二十九条, 003:第十四条).
///
/// **Example**: 强制执行决定书 made 2024-05-01, 催告书 served 2024-05-03 → finding.
pub static E02: RuleDef = RuleDef {
    code: "E02",
    title: "强制执行前未催告",
    stage: Stage::Service,
    severity: Severity::Violation,
    needs: &[
        (Table::Services, "served_at"),
        (Table::Documents, "doc_type"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let mut decisions = cx.docs_named(doc!("强制执行决定书")).peekable();
        if decisions.peek().is_none() {
            return;
        }
        // Served once for the case, whatever the number of decisions.
        let notices: Vec<Stamp> = cx
            .services
            .iter()
            .filter(|s| s.doc_type == doc!("催告书"))
            .filter_map(|s| s.served_at)
            .collect();
        for d in decisions {
            let ok = notices
                .iter()
                .any(|n| d.made_at.is_none_or(|m| n.not_after(&m)));
            if !ok {
                let detail = match notices.iter().min() {
                    None => format!(
                        "强制执行决定书（{}）作出前无已送达的催告书",
                        show(d.made_at)
                    ),
                    Some(n) => format!(
                        "强制执行决定书制作于 {}，催告书送达于 {n}，晚于决定",
                        show(d.made_at)
                    ),
                };
                out.push(cx.subject(d), detail);
            }
        }
    }),
    check_bundle: None,
};
