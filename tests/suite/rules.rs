//! Every rule: fixtures that trigger it and fixtures that must not, per profile where the
//! profiles differ. Each test starts from the compliant case file and breaks one duty.

use crate::support::{only, Fx, PROFILES};
use trailcheck::rules::Severity;

#[test]
fn the_clean_case_file_passes_under_every_profile() {
    for p in PROFILES {
        let f = Fx::clean().findings(p);
        assert!(f.is_empty(), "{p}: {f:#?}");
    }
}

// ---- Start of procedure -------------------------------------------------------------

#[test]
fn s01_no_approval_evidence() {
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "立案审批表")
        .case("立案审批时间", "");
    let f = fx.findings("henan-2019");
    only(&f, "S01");
    assert_eq!(&*f[0].article, "001:第九条");
    assert!(f[0].subject().is_empty());
    // S04 also fires for the major case under district-2018 (no opening legal review).
    let codes = fx.codes("district-2018");
    assert!(
        codes.contains(&"S01") && codes.contains(&"S04"),
        "{codes:?}"
    );
}

#[test]
fn s01_approval_time_in_the_case_row_is_enough() {
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "立案审批表");
    assert!(!fx.codes("henan-2019").contains(&"S01"));
}

#[test]
fn s01_alias_and_inspection_notice_count() {
    let mut fx = Fx::clean();
    fx.doc("LA-1", "文书名称", "督查立案审批表")
        .case("立案审批时间", "");
    assert!(!fx.codes("henan-2019").contains(&"S01"));
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "立案审批表")
        .case("立案审批时间", "")
        .case("执法类别", "行政检查")
        .add(
            "文书记录",
            &[("文书名称", "监督检查通知书"), ("制作时间", "2024-03-01")],
        );
    assert!(!fx.codes("henan-2019").contains(&"S01"));
}

#[test]
fn s01_not_for_simple_procedure_or_refused_cases() {
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "立案审批表")
        .case("立案审批时间", "")
        .case("程序类型", "简易程序");
    assert!(!fx.codes("henan-2019").contains(&"S01"));
    fx.case("程序类型", "一般程序").case("办理状态", "不予立案");
    assert!(!fx.codes("henan-2019").contains(&"S01"));
}

#[test]
fn s02_urgent_approval_boundary_only_in_jinpu() {
    let mut fx = Fx::clean();
    fx.case("紧急启动", "是")
        .case("启动日期", "2024-03-01 09:00")
        .case("立案审批时间", "2024-03-02 09:00");
    assert!(
        !fx.codes("jinpu-justice").contains(&"S02"),
        "exactly 24 h is on time"
    );
    fx.case("立案审批时间", "2024-03-02 09:01");
    let f = fx.findings("jinpu-justice");
    only(&f, "S02");
    assert!(f[0].detail().contains("1 分钟"), "{}", f[0].detail());
    assert_eq!(&*f[0].article, "003:第六条");
    assert!(Fx::clean()
        .case("紧急启动", "是")
        .case("启动日期", "2024-03-01 09:00")
        .case("立案审批时间", "2024-03-05")
        .codes("district-2018")
        .is_empty());
}

#[test]
fn s03_application_without_acceptance_notice() {
    let mut fx = Fx::clean();
    fx.case("启动方式", "依申请");
    let f = fx.findings("lingshou-approval");
    only(&f, "S03");
    assert_eq!(&*f[0].article, "004:第七条");
    fx.add(
        "文书记录",
        &[("文书名称", "受理通知书"), ("制作时间", "2024-03-01")],
    );
    assert!(fx.findings("lingshou-approval").is_empty());
    // jinpu-justice has no article for S03.
    assert!(Fx::clean()
        .case("启动方式", "依申请")
        .findings("jinpu-justice")
        .is_empty());
}

#[test]
fn s04_major_opening_without_legal_review_only_district() {
    let mut fx = Fx::clean();
    fx.doc("LA-1", "法制审核意见", "");
    only(&fx.findings("district-2018"), "S04");
    assert!(fx.findings("henan-2019").is_empty());
    fx.case("重大执法决定", "否");
    // not major: D02/D03 fall away too under district-2018
    assert!(fx.findings("district-2018").is_empty());
}

// ---- Investigation --------------------------------------------------------------------

#[test]
fn i01_officers_certificates_and_id() {
    let mut fx = Fx::clean();
    fx.doc("XW-1", "执法证号", "A001");
    let f = fx.findings("pingluo-veterans");
    only(&f, "I01");
    assert_eq!(f[0].subject(), "XW-1");
    assert!(f[0].detail().contains("执法证号仅 1 个"));
    let mut fx = Fx::clean();
    fx.doc("JC-1", "出示证件", "否");
    only(&fx.findings("jinpu-justice"), "I01");
    let mut fx = Fx::clean();
    fx.doc("JC-1", "执法人员", "").doc("JC-1", "执法证号", "");
    only(&fx.findings("lingshou-approval"), "I01");
}

#[test]
fn i02_fewer_than_two_officers() {
    let mut fx = Fx::clean();
    fx.doc("XW-1", "执法人员", "张三")
        .doc("XW-1", "执法证号", "A001");
    let f = fx.findings("henan-2019");
    only(&f, "I02");
    assert_eq!(&*f[0].article, "行政处罚法:第四十二条");
    assert_eq!(
        Fx::clean()
            .doc("XW-1", "执法人员", "张三")
            .doc("XW-1", "执法证号", "A001")
            .findings("lingshou-approval")[0]
            .article[..],
        *"004:第十四条"
    );
    let mut fx = Fx::clean();
    fx.act("HD-1", "执法人员", "张三");
    let f = fx.findings("district-2018");
    only(&f, "I02");
    assert_eq!(f[0].subject(), "HD-1");
}

#[test]
fn i03_notice_after_the_decision_or_hearing_without_notice() {
    let mut fx = Fx::clean();
    fx.doc("GZ-1", "制作时间", "2024-03-21 09:00");
    let f = fx.findings("pingluo-veterans");
    only(&f, "I03");
    assert!(f[0].detail().contains("晚于决定"));
    // Same day, date-only: counts as before.
    let mut fx = Fx::clean();
    fx.doc("GZ-1", "制作时间", "2024-03-20");
    assert!(fx.findings("pingluo-veterans").is_empty());
    let mut fx = Fx::clean();
    fx.add(
        "文书记录",
        &[
            ("文书名称", "听证笔录"),
            ("文书编号", "TZ-1"),
            ("制作时间", "2024-03-12"),
            ("执法人员", "张三；李四"),
            ("执法证号", "A001；A002"),
            ("出示证件", "是"),
            ("当事人签字", "是"),
        ],
    );
    let f = fx.findings("pingluo-veterans");
    only(&f, "I03");
    assert_eq!(f[0].subject(), "TZ-1");
    fx.add(
        "文书记录",
        &[("文书名称", "听证告知书"), ("制作时间", "2024-03-11")],
    );
    assert!(fx.findings("pingluo-veterans").is_empty());
}

#[test]
fn i04_unsigned_record_by_profile() {
    let mut fx = Fx::clean();
    fx.doc("BC-1", "当事人签字", "");
    only(&fx.findings("district-2018"), "I04");
    only(&fx.findings("jinpu-justice"), "I04");
    assert!(
        fx.findings("henan-2019").is_empty(),
        "henan-2019 has no article for I04"
    );
    fx.doc("BC-1", "当事人签字", "拒签")
        .doc("BC-1", "拒签见证人员", "张三；李四");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn document_subjects_are_whole_numbers_whatever_they_share_with_the_case_number() {
    // Ingest keeps only what a 文书编号 adds to its case's 案号 (测罚〔2024〕1号); the
    // subject must be the number as written: equal to the 案号, extending it, sharing a
    // part that ends inside a character (罚 and 立 share their first byte), or nothing.
    for no in [
        "测罚〔2024〕1号",
        "测罚〔2024〕1号-07",
        "测罚〔2024〕12号",
        "测立〔2024〕9号",
        "BC-9",
    ] {
        let mut fx = Fx::clean();
        fx.doc("BC-1", "文书编号", no).doc(no, "当事人签字", "");
        let f = fx.findings("district-2018");
        only(&f, "I04");
        assert_eq!(f[0].subject(), no);
    }
}

#[test]
fn i05_refusal_needs_two_witnesses_in_lingshou() {
    let mut fx = Fx::clean();
    fx.doc("XW-1", "当事人签字", "拒签")
        .doc("XW-1", "拒签见证人员", "张三");
    only(&fx.findings("lingshou-approval"), "I05");
    assert!(fx.findings("district-2018").is_empty());
    fx.doc("XW-1", "拒签见证人员", "张三，李四");
    assert!(fx.findings("lingshou-approval").is_empty());
}

#[test]
fn i06_preservation_elements() {
    let mut fx = Fx::clean();
    fx.doc("BC-1", "保全形式", "");
    let f = fx.findings("jinpu-justice");
    only(&f, "I06");
    assert!(f[0].detail().contains("保全形式"));
    assert!(fx.findings("lingshou-approval").is_empty());
}

// ---- Review and decision ------------------------------------------------------------------

#[test]
fn d01_handler_opinion() {
    let mut fx = Fx::clean();
    fx.doc("SP-1", "承办人意见", "");
    only(&fx.findings("pingluo-veterans"), "D01");
    fx.add(
        "文书记录",
        &[
            ("文书名称", "调查终结报告"),
            ("制作时间", "2024-03-12"),
            ("承办人意见", "建议处罚"),
        ],
    );
    assert!(fx.findings("pingluo-veterans").is_empty());
}

#[test]
fn d02_review_after_the_decision_is_a_veto_on_major_cases() {
    let mut fx = Fx::clean();
    fx.doc("FZ-1", "制作时间", "2024-03-22 09:00");
    let f = fx.findings("pingluo-veterans");
    only(&f, "D02");
    assert!(f[0].veto_hint);
    // Same day as the decision (date-only) counts as before.
    let mut fx = Fx::clean();
    fx.doc("FZ-1", "制作时间", "2024-03-20");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn d02_scope_differs_for_general_penalties() {
    let mut fx = Fx::clean();
    fx.case("重大执法决定", "否")
        .remove("文书记录", "文书名称", "法制审核意见表");
    assert!(
        fx.findings("district-2018").is_empty(),
        "not major: no duty under 000"
    );
    let f = fx.findings("henan-2019");
    only(&f, "D02");
    assert!(!f[0].veto_hint, "not a major decision: no veto");
    // jinpu: the legal office's opinion on the approval form counts (003:第九条).
    assert!(fx.findings("jinpu-justice").is_empty());
    fx.doc("SP-1", "法制审核意见", "");
    only(&fx.findings("jinpu-justice"), "D02");
    fx.doc("SP-1", "备注", "法制审核意见：同意");
    assert!(fx.findings("jinpu-justice").is_empty());
    assert!(!fx.findings("henan-2019").is_empty());
}

#[test]
fn d03_approver_and_collective_discussion() {
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "集体讨论记录");
    let f = fx.findings("jinpu-justice");
    only(&f, "D03");
    assert_eq!(&*f[0].article, "行政处罚法:第五十七条");
    let mut fx = Fx::clean();
    fx.doc("SP-1", "批准人", "");
    let codes = fx.codes("district-2018");
    assert!(
        codes.contains(&"D03") && codes.contains(&"D04"),
        "{codes:?}"
    );
    only(&fx.findings("henan-2019"), "D03");
}

#[test]
fn d04_approval_chain_and_order() {
    let mut fx = Fx::clean();
    fx.doc("JA-1", "批准时间", "2024-04-01 09:30");
    let f = fx.findings("lingshou-approval");
    only(&f, "D04");
    assert!(f[0].detail().contains("早于审核时间"), "{}", f[0].detail());
    assert!(fx.findings("henan-2019").is_empty());
    let mut fx = Fx::clean();
    fx.doc("LA-1", "审核时间", "");
    only(&fx.findings("district-2018"), "D04");
}

#[test]
fn d05_no_decision_document_is_a_veto() {
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "行政处罚决定书");
    let f = fx.findings("henan-2019");
    assert!(f.iter().any(|x| x.rule() == "D05" && x.veto_hint), "{f:#?}");
    assert!(!fx.codes("pingluo-veterans").contains(&"D05"));
}

// ---- Service and execution ------------------------------------------------------------------

#[test]
fn t01_decision_not_served() {
    let mut fx = Fx::clean();
    fx.remove("送达记录", "送达文书", "行政处罚决定书");
    let f = fx.findings("pingluo-veterans");
    only(&f, "T01");
    assert_eq!(f[0].subject(), "JD-1");
}

fn leave_at_premises(fx: &mut Fx, witness: &str) {
    fx.add(
        "送达记录",
        &[
            ("送达文书", "行政处罚决定书"),
            ("送达方式", "留置送达"),
            ("送达时间", "2024-03-21 15:00"),
            ("见证人", witness),
            ("拒收事由", "当事人拒绝签收"),
        ],
    );
}

#[test]
fn t02_leave_at_premises_needs_witness() {
    let mut fx = Fx::clean();
    leave_at_premises(&mut fx, "");
    add_service_footage(&mut fx, "2024-03-21 14:55:00", "2024-03-21 15:10:00");
    let f = fx.findings("jinpu-justice");
    only(&f, "T02");
    assert_eq!(f[0].subject(), "行政处罚决定书:留置送达:2024-03-21 15:00");
    assert!(fx.findings("henan-2019").is_empty());
}

fn add_service_footage(fx: &mut Fx, from: &str, to: &str) {
    fx.add(
        "音像记录索引",
        &[
            ("文件编号", "MV-9"),
            ("设备编号", "JLY-02"),
            ("执法人员", "张三"),
            ("当事人", "某某商贸有限公司"),
            ("承办人", "张三"),
            ("开始时间", from),
            ("结束时间", to),
            ("入库时间", to),
            ("开场语音说明", "是"),
        ],
    );
}

#[test]
fn t03_leave_at_premises_without_footage_severity_by_profile() {
    let mut fx = Fx::clean();
    leave_at_premises(&mut fx, "居委会王某");
    let f = fx.findings("district-2018");
    only(&f, "T03");
    assert_eq!(f[0].severity, Severity::Violation);
    assert_eq!(&*f[0].article, "000:第二十五条");
    let f = fx.findings("henan-2019");
    only(&f, "T03");
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(fx.findings("pingluo-veterans").is_empty());
    add_service_footage(&mut fx, "2024-03-21 14:55:00", "2024-03-21 15:10:00");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn t03_activity_row_uses_the_footage_linkage() {
    let mut fx = Fx::clean();
    leave_at_premises(&mut fx, "居委会王某");
    fx.add(
        "执法活动",
        &[
            ("活动编号", "HD-3"),
            ("活动类型", "留置送达"),
            ("开始时间", "2024-03-21 14:50"),
            ("结束时间", "2024-03-21 15:20"),
            ("执法人员", "张三；李四"),
        ],
    );
    let f = fx.findings("jinpu-justice");
    only(&f, "T03");
    assert_eq!(f[0].subject(), "HD-3");
    // Footage with a blank 活动编号 but the same case and an overlapping time is linked.
    add_service_footage(&mut fx, "2024-03-21 15:00:00", "2024-03-21 15:05:00");
    assert!(fx.findings("jinpu-justice").is_empty());
}

#[test]
fn t04_public_notice_prior_attempts_and_medium() {
    let mut fx = Fx::clean();
    fx.add(
        "送达记录",
        &[
            ("送达文书", "行政处罚决定书"),
            ("送达方式", "公告送达"),
            ("送达时间", "2024-03-25"),
            ("公告载体", "政府网站"),
        ],
    );
    add_service_footage(&mut fx, "2024-03-25 09:00:00", "2024-03-25 09:10:00");
    let f = fx.findings("district-2018");
    only(&f, "T04");
    assert!(f[0].detail().contains("前序送达情况"));
    assert!(
        fx.findings("lingshou-approval").is_empty(),
        "004 checks the medium alone"
    );
    fx.set("送达记录", "送达方式", "公告送达", "公告载体", "");
    only(&fx.findings("lingshou-approval"), "T04");
}

#[test]
fn t05_public_notice_without_footage_is_a_warning() {
    let mut fx = Fx::clean();
    fx.add(
        "送达记录",
        &[
            ("送达文书", "行政处罚决定书"),
            ("送达方式", "公告送达"),
            ("送达时间", "2024-03-25"),
            ("公告载体", "政府网站"),
            ("前序送达情况", "直接、邮寄均未能送达"),
        ],
    );
    for p in [
        "district-2018",
        "henan-2019",
        "jinpu-justice",
        "lingshou-approval",
    ] {
        let f = fx.findings(p);
        only(&f, "T05");
        assert_eq!(f[0].severity, Severity::Warning, "{p}");
    }
    assert!(fx.findings("pingluo-veterans").is_empty());
}

#[test]
fn t06_mail_receipt_and_tracking() {
    let mut fx = Fx::clean();
    fx.set("送达记录", "送达方式", "邮寄送达", "邮寄单号", "");
    only(&fx.findings("district-2018"), "T06");
    assert!(
        fx.findings("lingshou-approval").is_empty(),
        "004 checks the receipt alone"
    );
    fx.set("送达记录", "送达方式", "邮寄送达", "回执", "");
    only(&fx.findings("lingshou-approval"), "T06");
    assert!(fx.findings("henan-2019").is_empty());
}

#[test]
fn t07_delegation_reason() {
    let mut fx = Fx::clean();
    fx.add(
        "送达记录",
        &[
            ("送达文书", "行政处罚事先告知书"),
            ("送达方式", "转交送达"),
            ("送达时间", "2024-03-11"),
        ],
    );
    only(&fx.findings("district-2018"), "T07");
    assert!(
        fx.findings("lingshou-approval").is_empty(),
        "004 covers 委托送达 only"
    );
    fx.set("送达记录", "送达方式", "转交送达", "送达方式", "委托送达");
    only(&fx.findings("lingshou-approval"), "T07");
}

#[test]
fn e01_performance_record_after_the_grace_period() {
    let mut fx = Fx::clean();
    fx.remove("文书记录", "文书名称", "履行情况记录")
        .drop_table("调阅复制记录");
    let o = fx.outcome_at("district-2018", "2024-04-20");
    assert!(
        o.findings.is_empty(),
        "served 2024-03-21: day 30 is 2024-04-20, still in grace"
    );
    let o = fx.outcome_at("district-2018", "2024-04-21");
    only(&o.findings, "E01");
    assert!(fx.findings("lingshou-approval").is_empty());
}

#[test]
fn e02_demand_notice_before_enforcement() {
    let mut fx = Fx::clean();
    fx.add(
        "文书记录",
        &[
            ("文书名称", "强制执行决定书"),
            ("文书编号", "QZ-1"),
            ("制作时间", "2024-05-01"),
        ],
    );
    fx.add(
        "送达记录",
        &[
            ("送达文书", "强制执行决定书"),
            ("送达方式", "直接送达"),
            ("送达时间", "2024-05-02"),
        ],
    );
    let f = fx.findings("jinpu-justice");
    only(&f, "E02");
    fx.add(
        "送达记录",
        &[
            ("送达文书", "催告书"),
            ("送达方式", "直接送达"),
            ("送达时间", "2024-04-20"),
        ],
    );
    assert!(fx.findings("jinpu-justice").is_empty());
    assert!(fx.findings("henan-2019").is_empty());
}

// ---- Audio-video ------------------------------------------------------------------------

#[test]
fn v01_full_activity_never_filmed_is_a_veto() {
    let mut fx = Fx::clean();
    fx.remove("音像记录索引", "文件编号", "MV-2");
    let f = fx.findings("district-2018");
    only(&f, "V01");
    assert!(f[0].veto_hint);
    assert_eq!(&*f[0].article, "000:第十五条");
    assert!(
        fx.findings("pingluo-veterans").is_empty(),
        "002 sets no filming duty"
    );
    // A written reason never excuses a `full` activity.
    fx.act("HD-2", "未录像说明", "设备故障");
    only(&fx.findings("district-2018"), "V01");
}

#[test]
fn v01_footage_is_linked_by_its_activity_number_even_without_its_case() {
    let mut fx = Fx::clean();
    fx.media("MV-1", "案号", "");
    let f = fx.findings("district-2018");
    assert!(f.iter().all(|x| x.rule() != "V01"), "{f:#?}");
    fx.media("MV-1", "活动编号", "HD-9");
    let f = fx.findings("district-2018");
    let v01: Vec<_> = f.iter().filter(|x| x.rule() == "V01").collect();
    assert_eq!(v01.len(), 1, "{f:#?}");
    assert_eq!(v01[0].subject(), "HD-1");
}

#[test]
fn v01_yes_should_and_the_no_film_reason() {
    let mut fx = Fx::clean();
    fx.remove("音像记录索引", "文件编号", "MV-1");
    let f = fx.findings("district-2018");
    only(&f, "V01");
    assert_eq!(f[0].severity, Severity::Violation);
    assert!(!f[0].veto_hint);
    let f = fx.findings("henan-2019");
    only(&f, "V01");
    assert_eq!(f[0].severity, Severity::Warning);
    fx.act("HD-1", "未录像说明", "现场涉及商业秘密，不宜音像记录");
    assert!(
        fx.findings("district-2018").is_empty(),
        "000:第十三条 allows the written reason"
    );
    assert!(fx.findings("henan-2019").is_empty());
    // 004 films 现场检查 `full`: the reason does not help.
    only(&fx.findings("lingshou-approval"), "V01");
}

#[test]
fn v01_jinpu_questioning_only_in_penalty_cases() {
    let mut fx = Fx::clean();
    fx.add(
        "执法活动",
        &[
            ("活动编号", "HD-4"),
            ("活动类型", "询问"),
            ("开始时间", "2024-03-03 09:00"),
            ("结束时间", "2024-03-03 10:00"),
            ("执法人员", "张三；李四"),
        ],
    );
    only(&fx.findings("jinpu-justice"), "V01");
    fx.case("执法类别", "行政检查");
    assert!(fx.findings("jinpu-justice").is_empty());
}

#[test]
fn v02_gap_longer_than_the_tolerance() {
    let mut fx = Fx::clean();
    fx.media("MV-2", "结束时间", "2024-03-02 10:20:00");
    fx.add(
        "音像记录索引",
        &[
            ("文件编号", "MV-3"),
            ("活动编号", "HD-2"),
            ("设备编号", "JLY-02"),
            ("执法人员", "张三"),
            ("当事人", "某某商贸有限公司"),
            ("承办人", "张三"),
            ("开始时间", "2024-03-02 10:21:00"),
            ("结束时间", "2024-03-02 11:00:00"),
            ("入库时间", "2024-03-02 15:00:00"),
            ("开场语音说明", "是"),
        ],
    );
    assert!(
        fx.findings("district-2018").is_empty(),
        "a gap of exactly 60 s is not a gap"
    );
    fx.media("MV-3", "开始时间", "2024-03-02 10:21:01");
    let f = fx.findings("district-2018");
    only(&f, "V02");
    assert_eq!(f[0].subject(), "HD-2");
    assert!(
        f[0].detail().contains("10:20:00–10:21:01"),
        "{}",
        f[0].detail()
    );
    fx.media("MV-3", "中断原因说明", "更换电池");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn v02_late_start_and_early_end() {
    let mut fx = Fx::clean();
    fx.media("MV-2", "开始时间", "2024-03-02 10:05:00");
    only(&fx.findings("henan-2019"), "V02");
    let mut fx = Fx::clean();
    fx.media("MV-2", "结束时间", "2024-03-02 10:50:00");
    let f = fx.findings("district-2018");
    only(&f, "V02");
    assert!(f[0].detail().contains("结束早于离场"));
    // 004 films 现场检查 full, 000 does not.
    let mut fx = Fx::clean();
    fx.media("MV-1", "结束时间", "2024-03-02 09:50:00");
    only(&fx.findings("lingshou-approval"), "V02");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn v03_storage_deadline_by_profile() {
    let mut fx = Fx::clean();
    fx.media("MV-1", "入库时间", "2024-03-03 10:00:00");
    assert!(
        fx.findings("district-2018").is_empty(),
        "exactly 24 h is on time"
    );
    let f = fx.findings("henan-2019");
    only(&f, "V03");
    assert_eq!(f[0].subject(), "MV-1");
    fx.media("MV-1", "入库时间", "2024-03-03 10:01:00");
    let f = fx.findings("district-2018");
    only(&f, "V03");
    assert!(f[0].detail().contains("1 分钟"), "{}", f[0].detail());
    // 2 working days (002): recorded Saturday 2024-03-02, due end of Tuesday 03-05.
    let mut fx = Fx::clean();
    fx.media("MV-1", "入库时间", "2024-03-05");
    assert!(fx.findings("pingluo-veterans").is_empty());
    fx.media("MV-1", "入库时间", "2024-03-06 08:00");
    only(&fx.findings("pingluo-veterans"), "V03");
}

#[test]
fn v03_remote_exception() {
    let mut fx = Fx::clean();
    fx.media("MV-1", "入库时间", "2024-03-04 09:00:00");
    fx.act("HD-1", "偏远或异地", "是")
        .act("HD-1", "返回单位时间", "2024-03-03 12:00");
    assert!(
        fx.findings("lingshou-approval").is_empty(),
        "24 h after return"
    );
    // Without the exception the deadline runs from the end of the recording, and the
    // detail says so (not the return time).
    let f = fx.findings("district-2018");
    only(&f, "V03");
    assert!(
        f[0].detail().starts_with("录像结束于 "),
        "{}",
        f[0].detail()
    );
    assert!(
        f[0].detail().contains("超过24 小时入库期限"),
        "{}",
        f[0].detail()
    );
    fx.act("HD-1", "返回单位时间", "2024-03-03 08:00");
    let f = fx.findings("lingshou-approval");
    only(&f, "V03");
    assert!(
        f[0].detail().starts_with("返回单位时间 2024-03-03 08:00，")
            && f[0].detail().contains("超过返回单位后 24 小时入库期限"),
        "{}",
        f[0].detail()
    );
}

#[test]
fn v04_unlinked_footage_and_labels() {
    let mut fx = Fx::clean();
    fx.add(
        "音像记录索引",
        &[
            ("文件编号", "MV-8"),
            ("开始时间", "2024-03-05 09:00"),
            ("结束时间", "2024-03-05 09:10"),
            ("入库时间", "2024-03-05 10:00"),
        ],
    );
    fx.set("音像记录索引", "文件编号", "MV-8", "案号", "");
    let f = fx.findings("jinpu-justice");
    only(&f, "V04");
    assert_eq!(f[0].agency(&[]), "（未关联案件）");
    assert!(fx.findings("district-2018").is_empty());
    let mut fx = Fx::clean();
    fx.media("MV-1", "承办人", "");
    only(&fx.findings("jinpu-justice"), "V04");
    assert!(fx.findings("lingshou-approval").is_empty());
    fx.media("MV-1", "设备编号", "");
    only(&fx.findings("lingshou-approval"), "V04");
}

#[test]
fn v05_opening_statement_on_the_first_footage() {
    let mut fx = Fx::clean();
    fx.media("MV-1", "开场语音说明", "");
    let f = fx.findings("henan-2019");
    only(&f, "V05");
    assert_eq!(f[0].subject(), "MV-1");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn v07_evidence_labels_by_profile() {
    let mut fx = Fx::clean();
    fx.media("MV-1", "证明对象", "");
    only(&fx.findings("pingluo-veterans"), "V07");
    only(&fx.findings("lingshou-approval"), "V07");
    assert!(fx.findings("henan-2019").is_empty());
    // 取证地点 may come from the activity.
    let mut fx = Fx::clean();
    fx.media("MV-1", "地点", "");
    assert!(fx.findings("henan-2019").is_empty());
    fx.act("HD-1", "地点", "");
    only(&fx.findings("henan-2019"), "V07");
    fx.media("MV-1", "证据用途", "否");
    assert!(fx.findings("henan-2019").is_empty());
}

#[test]
fn v07_label_column_absent_means_not_evaluated() {
    let mut fx = Fx::clean();
    fx.drop_column("音像记录索引", "证明对象");
    let o = fx.outcome_at("pingluo-veterans", "2024-12-31");
    assert!(o.findings.is_empty());
    assert!(o
        .not_evaluated
        .iter()
        .any(|n| n.rule == "V07" && n.reason.contains("证明对象")));
}

// ---- Archiving and use ------------------------------------------------------------------

#[test]
fn a01_overdue_only_after_the_deadline() {
    let mut fx = Fx::clean();
    fx.case("归档日期", "").drop_table("调阅复制记录");
    assert!(
        fx.outcome_at("district-2018", "2024-05-01")
            .findings
            .is_empty(),
        "closed 04-01 + 30 = 05-01"
    );
    let f = fx.outcome_at("district-2018", "2024-05-02").findings;
    only(&f, "A01");
    assert!(
        f[0].detail().contains("超过 30 日期限 1 日"),
        "{}",
        f[0].detail()
    );
}

#[test]
fn a02_archive_deadlines_differ_by_profile() {
    let mut fx = Fx::clean();
    fx.case("终结日期", "2024-03-01")
        .case("归档日期", "2024-03-26");
    // 25 calendar days: late under pingluo-veterans (20 days), not under district-2018 (30).
    only(&fx.findings("pingluo-veterans"), "A02");
    assert!(fx.findings("district-2018").is_empty());
    fx.case("归档日期", "2024-03-31");
    assert!(
        fx.findings("district-2018").is_empty(),
        "archived on day 30"
    );
    fx.case("归档日期", "2024-04-01");
    let f = fx.findings("district-2018");
    only(&f, "A02");
    assert!(
        f[0].detail().contains("超过 30 日期限 1 日"),
        "{}",
        f[0].detail()
    );
}

#[test]
fn a02_working_days_over_national_day() {
    let mut fx = Fx::clean();
    // henan-2019: 20 working days after Friday 2024-09-27 (make-up days 09-29 and 10-12
    // count, 10-01..10-07 do not) end on 2024-10-30; 25 calendar days would end on 10-22.
    fx.case("终结日期", "2024-09-27")
        .case("归档日期", "2024-10-30");
    assert!(fx.findings("henan-2019").is_empty());
    fx.case("归档日期", "2024-10-31");
    only(&fx.findings("henan-2019"), "A02");
}

#[test]
fn a02_calendar_gap_is_reported_not_guessed() {
    let mut fx = Fx::clean();
    fx.case("终结日期", "2026-12-20")
        .case("归档日期", "2027-02-01");
    let o = fx.outcome_at("henan-2019", "2027-03-01");
    assert!(o.findings.iter().all(|f| f.rule() != "A02"));
    assert!(o.calendar_missing.contains(&2027));
}

#[test]
fn a03_archive_number_and_retention_in_pingluo() {
    let mut fx = Fx::clean();
    fx.case("保管期限", "");
    only(&fx.findings("pingluo-veterans"), "A03");
    assert!(fx.findings("district-2018").is_empty());
}

#[test]
fn x01_copy_and_consult_approval() {
    let mut fx = Fx::clean();
    fx.set(
        "调阅复制记录",
        "类型",
        "复制",
        "批准时间",
        "2024-05-06 11:00",
    );
    let f = fx.findings("district-2018");
    only(&f, "X01");
    assert_eq!(f[0].subject(), "复制:孙律师:2024-05-06 10:00");
    assert!(fx.findings("lingshou-approval").is_empty(), "off in 004");
    let mut fx = Fx::clean();
    fx.set("调阅复制记录", "类型", "调阅", "批准人", "");
    assert!(
        fx.findings("district-2018").is_empty(),
        "调阅 is not covered by 000"
    );
    only(&fx.findings("henan-2019"), "X01");
    only(&fx.findings("jinpu-justice"), "X01");
}

// ---- Data integrity ---------------------------------------------------------------------

#[test]
fn q01_unknown_case_number() {
    let mut fx = Fx::clean();
    fx.add(
        "送达记录",
        &[
            ("案号", "测罚〔2024〕99号"),
            ("送达文书", "行政处罚决定书"),
            ("送达方式", "直接送达"),
            ("送达时间", "2024-03-21"),
        ],
    );
    let f = fx.findings("henan-2019");
    only(&f, "Q01");
    assert_eq!(f[0].severity, Severity::Info);
    assert_eq!(f[0].case_no(&[]), "测罚〔2024〕99号");
    assert!(
        f[0].subject().ends_with("送达记录.csv:4"),
        "{}",
        f[0].subject()
    );
}

#[test]
fn q02_duplicate_numbers() {
    let mut fx = Fx::clean();
    let row = fx.tables["案件登记"].1[0].clone();
    fx.tables.get_mut("案件登记").unwrap().1.push(row);
    only(&fx.findings("henan-2019"), "Q02");
}

#[test]
fn q03_and_q04_dates() {
    let mut fx = Fx::clean();
    fx.act("HD-1", "结束时间", "2024-03-02 08:00");
    assert!(fx.codes("henan-2019").contains(&"Q03"));
    let mut fx = Fx::clean();
    fx.set("调阅复制记录", "类型", "复制", "时间", "2025-05-06 10:00");
    let f = fx.findings("henan-2019");
    only(&f, "Q04");
}

#[test]
fn q04_the_audit_date_is_the_last_day_not_late() {
    // as-of 2024-12-31: its last second is on time, the next day's first (with a time or
    // as a date alone) is late, and only the late columns are named.
    let mut fx = Fx::clean();
    fx.set(
        "调阅复制记录",
        "类型",
        "复制",
        "时间",
        "2024-12-31 23:59:59",
    );
    assert!(!fx.codes("henan-2019").contains(&"Q04"));
    for late in ["2025-01-01 00:00", "2025-01-01"] {
        let mut fx = Fx::clean();
        fx.act("HD-1", "结束时间", late);
        let f = fx.findings("henan-2019");
        let q: Vec<_> = f.iter().filter(|f| f.rule() == "Q04").collect();
        assert_eq!(q.len(), 1, "{late}");
        assert!(
            q[0].detail().starts_with("结束时间 2025-01-01"),
            "{}",
            q[0].detail()
        );
        assert!(!q[0].detail().contains("开始时间"), "{}", q[0].detail());
        assert!(
            q[0].detail().ends_with("晚于评查基准日 2024-12-31"),
            "{}",
            q[0].detail()
        );
    }
}

#[test]
fn findings_are_ordered_and_identical_whatever_the_thread_count() {
    let mut fx = Fx::clean();
    fx.case("归档日期", "")
        .doc("XW-1", "执法证号", "A001")
        .media("MV-1", "开场语音说明", "");
    let a = fx.findings("henan-2019");
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = pool.install(|| fx.findings("henan-2019"));
    let key = |f: &trailcheck::rules::Finding| {
        (f.rule(), f.subject().to_string(), f.detail().to_string())
    };
    assert_eq!(
        a.iter().map(key).collect::<Vec<_>>(),
        b.iter().map(key).collect::<Vec<_>>()
    );
    let rules: Vec<&str> = a.iter().map(|f| f.rule()).collect();
    let mut sorted = rules.clone();
    sorted.sort();
    assert_eq!(rules, sorted);
}
