//! The columns of each table (INPUT.md): Chinese header, English alias, required flag,
//! and header matching with the aliases of a site mapping file.

use crate::model::Table;
use unicode_normalization::UnicodeNormalization;

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    /// English snake_case alias, used as the canonical name in code and mapping files.
    pub en: &'static str,
    /// Chinese header.
    pub zh: &'static str,
    /// Marked (R) in INPUT.md.
    pub required: bool,
}

macro_rules! table_columns {
    ($(#[$doc:meta])* $m:ident; $($id:ident = $zh:literal $req:literal),+ $(,)?) => {
        $(#[$doc])*
        #[allow(non_upper_case_globals)]
        pub mod $m {
            use super::Col;
            /// The columns in catalogue order; the constants below index into it.
            pub const SPEC: &[Col] = &[$(Col { en: stringify!($id), zh: $zh, required: $req }),+];
            table_columns!(@idx 0usize; $($id)+);
        }
    };
    (@idx $n:expr; $head:ident $($rest:ident)*) => {
        #[doc = concat!("Index of column `", stringify!($head), "`.")]
        pub const $head: usize = $n;
        table_columns!(@idx $n + 1usize; $($rest)*);
    };
    (@idx $n:expr;) => {};
}

table_columns!(
    /// 案件登记
    cases;
    case_no = "案号" true, agency = "执法机关" true, unit = "承办机构" false,
    category = "执法类别" true, procedure = "程序类型" false, origin = "启动方式" true,
    party = "当事人" true, handler = "承办人" false, major = "重大执法决定" false,
    urgent = "紧急启动" false, opened_at = "启动日期" true, approved_at = "立案审批时间" false,
    decided_at = "决定日期" false, closed_at = "终结日期" false, archived_at = "归档日期" false,
    archive_no = "归档编号" false, retention = "保管期限" false, status = "办理状态" false,
);

table_columns!(
    /// 文书记录
    documents;
    case_no = "案号" true, doc_type = "文书名称" true, stage = "环节" false,
    doc_no = "文书编号" false, made_at = "制作时间" true, officers = "执法人员" false,
    cert_nos = "执法证号" false, id_shown = "出示证件" false, party_signed = "当事人签字" false,
    refusal_witnesses = "拒签见证人员" false, handler_opinion = "承办人意见" false,
    reviewer = "审核人" false, reviewed_at = "审核时间" false, approver = "批准人" false,
    approved_at = "批准时间" false, legal_review = "法制审核意见" false,
    preservation_reason = "保全理由" false, preservation_object = "保全标的" false,
    preservation_form = "保全形式" false, note = "备注" false,
);

table_columns!(
    /// 送达记录
    services;
    case_no = "案号" true, doc_type = "送达文书" true, method = "送达方式" true,
    served_at = "送达时间" true, recipient = "受送达人" false, signed_by = "签收人" false,
    witness = "见证人" false, refusal_reason = "拒收事由" false, tracking_no = "邮寄单号" false,
    receipt = "回执" false, delegation_reason = "委托转交原因" false,
    notice_medium = "公告载体" false, prior_attempts = "前序送达情况" false,
);

table_columns!(
    /// 执法活动
    activities;
    activity_id = "活动编号" true, case_no = "案号" true, kind = "活动类型" true,
    started_at = "开始时间" true, ended_at = "结束时间" true, place = "地点" false,
    officers = "执法人员" false, cert_nos = "执法证号" false, remote = "偏远或异地" false,
    returned_at = "返回单位时间" false, no_av_reason = "未录像说明" false,
);

table_columns!(
    /// 音像记录索引
    media;
    media_id = "文件编号" true, case_no = "案号" false, activity_id = "活动编号" false,
    device_id = "设备编号" false, officers = "执法人员" false, party = "当事人" false,
    handler = "承办人" false, started_at = "开始时间" true, ended_at = "结束时间" true,
    stored_at = "入库时间" true, location = "存储位置" false, size_bytes = "文件大小" false,
    sha256 = "哈希值" false, opening_statement = "开场语音说明" false,
    resume_reason = "中断原因说明" false, evidence = "证据用途" false, maker = "制作人" false,
    proves = "证明对象" false, method = "制作方法" false, place = "地点" false,
);

table_columns!(
    /// 调阅复制记录
    access;
    case_no = "案号" true, kind = "类型" true, requester = "申请人" true, at = "时间" true,
    approver = "批准人" false, approved_at = "批准时间" false,
);

/// The column catalogue of a table.
pub fn spec(t: Table) -> &'static [Col] {
    match t {
        Table::Cases => cases::SPEC,
        Table::Documents => documents::SPEC,
        Table::Services => services::SPEC,
        Table::Activities => activities::SPEC,
        Table::Media => media::SPEC,
        Table::Access => access::SPEC,
    }
}

/// The Chinese header of a column given by its English alias (the alias itself when unknown).
pub fn zh_name(t: Table, en: &str) -> &str {
    spec(t)
        .iter()
        .find(|c| c.en == en)
        .map(|c| c.zh)
        .unwrap_or(en)
}

/// Normalise a header cell for matching: NFKC, no white space, no `*`/(R) marks,
/// lower case for Latin letters.
pub fn normalise_header(raw: &str) -> String {
    let s: String = raw
        .nfkc()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
        .collect::<String>()
        .to_lowercase();
    s.strip_suffix("(r)").map(str::to_string).unwrap_or(s)
}
