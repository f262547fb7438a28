//! Investigation (调查取证): I01–I06.

use super::*;

/// The 调查笔录 of RULES.md ("Investigation records").
pub const INVESTIGATION_RECORDS: &[DocName] = &[
    DocName::of("询问笔录"),
    DocName::of("现场检查笔录"),
    DocName::of("勘验笔录"),
    DocName::of("陈述申辩笔录"),
    DocName::of("听证笔录"),
];

/// The evidence lists, which like the 调查笔录 must carry the party's signature (I04).
pub const EVIDENCE_LISTS: &[DocName] = &[
    DocName::of("证据登记保存清单"),
    DocName::of("抽样取证通知书"),
];

fn is_record(d: &Document) -> bool {
    INVESTIGATION_RECORDS.contains(&d.doc_type)
}

/// I01 执法人员及证件未记录.
///
/// **Checks** each investigation record (询问笔录, 现场检查笔录, 勘验笔录, 陈述申辩笔录, 听证笔录):
/// it names at least one officer, gives a certificate number for each officer named, and
/// records that the IDs were shown (出示证件 = 是).
///
/// **Why**: officers must show their enforcement certificates and the record must say so
/// (000:第十条, 001:第十条, 002:第五条, 003:第七条, 004:第八条).
///
/// **Example**: 询问笔录 with 执法人员 `张三；李四`, 执法证号 `A001` only → finding (one number
/// for two officers). With `A001；A002` and 出示证件 = 是 → none.
pub static I01: RuleDef = RuleDef {
    code: "I01",
    title: "执法人员及证件未记录",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[
        (Table::Documents, "officers"),
        (Table::Documents, "cert_nos"),
        (Table::Documents, "id_shown"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx.docs.iter().filter(|d| is_record(d)) {
            let mut gaps = Vec::new();
            if d.officers == 0 {
                gaps.push("未记录执法人员".to_string());
            } else if d.cert_nos < d.officers {
                gaps.push(format!(
                    "执法人员 {} 名，执法证号仅 {} 个",
                    d.officers, d.cert_nos
                ));
            }
            if !d.flags.contains(DocFlags::ID_SHOWN) {
                gaps.push("未记录出示执法证件".to_string());
            }
            if !gaps.is_empty() {
                out.push(
                    cx.subject(d),
                    format_args!("{}（{}）：{}", d.doc_type, show(d.made_at), gaps.join("，")),
                );
            }
        }
    }),
    check_bundle: None,
};

/// I02 执法人员不足两人.
///
/// **Checks** that each investigation record and each field activity names at least two
/// officers. A record that names none is I01's; here it is a record naming exactly one,
/// and any activity naming fewer than two.
///
/// **Why**: 行政处罚法 第四十二条 requires at least two enforcement officers (national
/// baseline; 004:第十四条).
///
/// **Example**: 现场检查 activity with 执法人员 `张三` → finding; `张三、李四` → none.
pub static I02: RuleDef = RuleDef {
    code: "I02",
    title: "执法人员不足两人",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[(Table::Documents, "officers")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx.docs.iter().filter(|d| is_record(d) && d.officers == 1) {
            out.push(
                cx.subject(d),
                format_args!("{}（{}）仅记录执法人员 1 名", d.doc_type, show(d.made_at)),
            );
        }
        let acts_known = cx.run.bundle.coverage(Table::Activities).usable("officers");
        if acts_known {
            for a in cx.activities.iter().filter(|a| a.officers < 2) {
                out.push(
                    cx.text(a.activity_id),
                    format_args!(
                        "{}活动（{}）记录执法人员 {} 名",
                        a.kind.map(|k| k.zh()).unwrap_or(""),
                        show(a.started_at),
                        a.officers
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};

/// I03 权利告知缺失.
///
/// **Checks** that each 行政处罚决定书 is preceded (by 制作时间; same day counts when either
/// side is date-only) by a 权利告知书 or 行政处罚事先告知书, and that a hearing (听证笔录 or a
/// 听证 activity) has a 听证告知书.
///
/// **Why**: the party must be told of the facts, grounds and rights before a penalty
/// (000:第十一条, 001:第十条, 002:第五条, 003:第七条, 004:第八条; 行政处罚法 第四十四条).
///
/// **Example**: 行政处罚事先告知书 made 2024-03-10, decision 2024-03-08 → finding.
pub static I03: RuleDef = RuleDef {
    code: "I03",
    title: "权利告知缺失",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[
        (Table::Documents, "doc_type"),
        (Table::Documents, "made_at"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        let notices: Vec<&Document> = cx
            .docs
            .iter()
            .filter(|d| [doc!("权利告知书"), doc!("行政处罚事先告知书")].contains(&d.doc_type))
            .collect();
        for dec in cx.docs_named(doc!("行政处罚决定书")) {
            let before = notices.iter().any(|n| match (n.made_at, dec.made_at) {
                (Some(a), Some(b)) => a.not_after(&b),
                _ => true,
            });
            if !before {
                let detail = if notices.is_empty() {
                    format!(
                        "行政处罚决定书（{}）作出前无权利告知书或行政处罚事先告知书",
                        show(dec.made_at)
                    )
                } else {
                    format!(
                        "行政处罚决定书制作于 {}，权利告知最早制作于 {}，告知晚于决定",
                        show(dec.made_at),
                        show(notices.iter().filter_map(|n| n.made_at).min())
                    )
                };
                out.push(cx.subject(dec), detail);
            }
        }
        let hearing_notice = cx.has_doc(doc!("听证告知书"));
        if !hearing_notice {
            if let Some(h) = cx.docs_named(doc!("听证笔录")).next() {
                out.push(
                    cx.subject(h),
                    format_args!("已举行听证（听证笔录 {}），无听证告知书", show(h.made_at)),
                );
            } else if let Some(a) = cx
                .activities
                .iter()
                .find(|a| a.kind == Some(ActivityKind::Hearing))
            {
                out.push(
                    cx.text(a.activity_id),
                    format_args!("已举行听证（{}），无听证告知书", show(a.started_at)),
                );
            }
        }
    }),
    check_bundle: None,
};

/// I04 当事人签字缺失.
///
/// **Checks** that each investigation record, 证据登记保存清单 and 抽样取证通知书 is signed by the
/// party (当事人签字 = 是) or marked as refused (拒签). Blank counts as not signed.
///
/// **Why**: the party's signature (or the recorded refusal) proves the record was read to
/// them (000:第十二条, 003:第七条, 004:第十四条).
///
/// **Example**: 现场检查笔录 with 当事人签字 blank → finding; `拒签` → none (I05 looks at witnesses).
pub static I04: RuleDef = RuleDef {
    code: "I04",
    title: "当事人签字缺失",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[(Table::Documents, "party_signed")],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx
            .docs
            .iter()
            .filter(|d| is_record(d) || EVIDENCE_LISTS.contains(&d.doc_type))
        {
            if d.signature == Signature::Missing {
                out.push(
                    cx.subject(d),
                    format_args!(
                        "{}（{}）既无当事人签字，也未注明拒签",
                        d.doc_type,
                        show(d.made_at)
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};

/// I05 拒签未经两名执法人员见证.
///
/// **Checks** that a record the party refused to sign names at least two officers in
/// 拒签见证人员.
///
/// **Why**: 004:第十四条 requires two officers to sign and attest a refusal.
///
/// **Example**: 询问笔录 with 当事人签字 `拒签`, 拒签见证人员 `张三` → finding.
pub static I05: RuleDef = RuleDef {
    code: "I05",
    title: "拒签未经两名执法人员见证",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[
        (Table::Documents, "party_signed"),
        (Table::Documents, "refusal_witnesses"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx
            .docs
            .iter()
            .filter(|d| d.signature == Signature::Refused && d.refusal_witnesses < 2)
        {
            out.push(
                cx.subject(d),
                format_args!(
                    "{}（{}）当事人拒签，见证执法人员 {} 名，少于 2 名",
                    d.doc_type,
                    show(d.made_at),
                    d.refusal_witnesses
                ),
            );
        }
    }),
    check_bundle: None,
};

/// I06 证据保全要素不全.
///
/// **Checks** that each 证据登记保存清单 gives its 保全理由, 保全标的 and 保全形式.
///
/// **Why**: evidence preservation must record why, what and how (000:第十四条, 003:第八条).
///
/// **Example**: 证据登记保存清单 with 保全形式 blank → finding naming 保全形式.
pub static I06: RuleDef = RuleDef {
    code: "I06",
    title: "证据保全要素不全",
    stage: Stage::Investigation,
    severity: Severity::Violation,
    needs: &[
        (Table::Documents, "preservation_reason"),
        (Table::Documents, "preservation_object"),
        (Table::Documents, "preservation_form"),
    ],
    profile_needs: no_profile_needs,
    precondition: None,
    check_case: Some(|cx, out| {
        for d in cx.docs_named(doc!("证据登记保存清单")) {
            let mut missing = Vec::new();
            if !d.flags.contains(DocFlags::PRESERVATION_REASON) {
                missing.push("保全理由");
            }
            if !d.flags.contains(DocFlags::PRESERVATION_OBJECT) {
                missing.push("保全标的");
            }
            if !d.flags.contains(DocFlags::PRESERVATION_FORM) {
                missing.push("保全形式");
            }
            if !missing.is_empty() {
                out.push(
                    cx.subject(d),
                    format_args!(
                        "证据登记保存清单（{}）缺少{}",
                        show(d.made_at),
                        missing.join("、")
                    ),
                );
            }
        }
    }),
    check_bundle: None,
};
