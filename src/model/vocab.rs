//! The closed vocabularies of INPUT.md (categories, methods, activity kinds …) with the
//! built-in value aliases. Values are compared after [`normalise_value`].

use unicode_normalization::UnicodeNormalization;

/// NFKC-normalise a cell value and remove 《》, spaces and surrounding punctuation, as
/// INPUT.md prescribes before values are matched against a vocabulary.
pub fn normalise_value(raw: &str) -> String {
    raw.nfkc()
        .filter(|c| !c.is_whitespace() && !matches!(c, '《' | '》' | '<' | '>'))
        .collect()
}

macro_rules! vocab {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $var:ident = $zh:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $var),+ }

        impl $name {
            /// Every value, in catalogue order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// The Chinese name of the value as the regulations write it.
            pub fn zh(self) -> &'static str {
                match self { $($name::$var => $zh),+ }
            }

            /// Match a normalised cell value against the name and its built-in aliases.
            pub fn from_builtin(v: &str) -> Option<$name> {
                match v {
                    $($zh $(| $alias)* => Some($name::$var),)+
                    _ => None,
                }
            }
        }
    };
}

vocab!(
    /// 执法类别: the kind of enforcement act.
    Category {
        /// 行政处罚
        Penalty = "行政处罚" | "处罚",
        /// 行政许可
        License = "行政许可" | "许可",
        /// 行政检查
        Inspection = "行政检查" | "检查" | "监督检查",
        /// 行政强制
        Coercion = "行政强制" | "强制",
        /// 行政征收
        Levy = "行政征收" | "征收",
        /// 行政征用
        Requisition = "行政征用" | "征用",
        /// 行政收费
        Fee = "行政收费" | "收费",
        /// 其他
        Other = "其他" | "其它",
    }
);

vocab!(
    /// 程序类型: simple or general procedure.
    Procedure {
        /// 简易程序
        Simple = "简易程序" | "简易" | "当场处罚程序",
        /// 一般程序 (the default when blank)
        General = "一般程序" | "一般" | "普通程序",
    }
);

vocab!(
    /// 启动方式: how the procedure started.
    Origin {
        /// 依职权
        ExOfficio = "依职权" | "职权" | "主动发现" | "日常检查",
        /// 依申请
        Application = "依申请" | "申请",
        /// 投诉举报
        Complaint = "投诉举报" | "投诉" | "举报",
        /// 上级交办
        Assigned = "上级交办" | "交办",
        /// 移送
        Referred = "移送" | "移交" | "其他部门移送",
    }
);

vocab!(
    /// 办理状态: where the case stands.
    Status {
        /// 办理中
        Open = "办理中" | "在办" | "未结案",
        /// 已结案
        Closed = "已结案" | "结案" | "已办结" | "办结",
        /// 不予立案
        NotFiled = "不予立案",
        /// 不予受理
        NotAccepted = "不予受理",
        /// 移送
        Transferred = "移送" | "已移送",
    }
);

vocab!(
    /// 送达方式: the method of service.
    ServiceMethod {
        /// 直接送达
        Direct = "直接送达" | "直接" | "当场送达",
        /// 邮寄送达
        Mail = "邮寄送达" | "邮寄" | "挂号信" | "特快专递" | "EMS",
        /// 留置送达
        LeftAtPremises = "留置送达" | "留置",
        /// 委托送达
        Entrusted = "委托送达" | "委托",
        /// 转交送达
        Forwarded = "转交送达" | "转交",
        /// 公告送达
        PublicNotice = "公告送达" | "公告",
        /// 电子送达
        Electronic = "电子送达" | "电子" | "短信送达" | "电子邮件送达",
    }
);

vocab!(
    /// 活动类型: the kind of field enforcement activity.
    ActivityKind {
        /// 现场检查
        Inspection = "现场检查" | "现场核查" | "检查",
        /// 勘验
        Survey = "勘验" | "现场勘验",
        /// 抽样取证
        Sampling = "抽样取证" | "抽样",
        /// 询问
        Questioning = "询问" | "调查询问",
        /// 调取证据
        EvidenceRequest = "调取证据" | "调取",
        /// 听证
        Hearing = "听证" | "听证会",
        /// 证据保全
        Preservation = "证据保全" | "先行登记保存",
        /// 查封
        Sealing = "查封",
        /// 扣押
        Seizure = "扣押",
        /// 冻结
        Freezing = "冻结",
        /// 限制人身自由
        Restraint = "限制人身自由",
        /// 强制拆除
        Demolition = "强制拆除",
        /// 排除妨碍
        RemovingObstruction = "排除妨碍",
        /// 恢复原状
        Restoration = "恢复原状",
        /// 代履行
        SubstitutePerformance = "代履行",
        /// 留置送达
        ServiceAtPremises = "留置送达",
        /// 公告送达
        ServiceByNotice = "公告送达",
        /// 申请受理
        ApplicationIntake = "申请受理" | "受理",
        /// 当场处罚
        OnTheSpotPenalty = "当场处罚",
    }
);

vocab!(
    /// 类型 of an access row.
    AccessKind {
        /// 调阅 (consultation)
        Consult = "调阅" | "查阅",
        /// 复制 (copy)
        Copy = "复制",
        /// 对外提供 (handed outside)
        Provide = "对外提供" | "提供",
    }
);

vocab!(
    /// 环节: the five stages of a case file.
    Stage {
        /// 程序启动
        Start = "程序启动" | "启动",
        /// 调查取证
        Investigation = "调查取证" | "调查",
        /// 审查决定
        Decision = "审查决定" | "决定",
        /// 送达执行
        Service = "送达执行" | "送达" | "执行",
        /// 归档管理
        Archive = "归档管理" | "归档",
    }
);

/// 当事人签字 of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signature {
    /// Signed by the party.
    Signed,
    /// The party refused to sign (拒签).
    Refused,
    /// Not signed and no refusal recorded (blank counts as this).
    Missing,
}

/// The canonical 文书名称 of the catalogue (INPUT.md); other names are kept as written.
pub const DOC_TYPES: &[&str] = &[
    "立案审批表",
    "受理通知书",
    "不予受理通知书",
    "补正材料通知书",
    "询问笔录",
    "现场检查笔录",
    "勘验笔录",
    "调取证据通知书",
    "证据登记保存清单",
    "抽样取证通知书",
    "鉴定意见书",
    "权利告知书",
    "陈述申辩笔录",
    "听证告知书",
    "听证笔录",
    "听证报告",
    "调查终结报告",
    "行政处罚事先告知书",
    "案件处理审批表",
    "法制审核意见表",
    "集体讨论记录",
    "行政处罚决定书",
    "不予处罚决定书",
    "行政许可决定书",
    "不予行政许可决定书",
    "送达回证",
    "催告书",
    "强制执行决定书",
    "查封扣押决定书",
    "责令改正通知书",
    "责令改正决定书",
    "履行情况记录",
    "整改核查记录",
    "结案审批表",
    "专家论证意见",
    "检查通报",
    "检查通知书",
];

/// A 文书名称 in 4 bytes (a province-year holds some 15 million of them): an index into
/// [`DOC_TYPES`], or past it into the process-wide list of the other names met so far.
/// Each other name is stored once and lives as long as the process: their number is
/// bounded by the distinct names of the exports read. Reads as the name (`Deref<str>`);
/// two `DocName`s are equal exactly when the names are.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocName(u32);

/// The names that are not in [`DOC_TYPES`], in the order they were met.
#[derive(Default)]
struct OtherNames {
    names: Vec<&'static str>,
    index: foldhash::HashMap<&'static str, u32>,
}

static OTHER_NAMES: std::sync::LazyLock<std::sync::RwLock<OtherNames>> =
    std::sync::LazyLock::new(Default::default);

/// Catalogue names and built-in aliases, by their catalogue index.
static CATALOGUE: std::sync::LazyLock<foldhash::HashMap<&'static str, u32>> =
    std::sync::LazyLock::new(|| {
        let mut m: foldhash::HashMap<&'static str, u32> =
            DOC_TYPES.iter().zip(0..).map(|(n, i)| (*n, i)).collect();
        for (to, aliases) in DOC_TYPE_ALIASES {
            let i = m[to];
            m.extend(aliases.iter().map(|a| (*a, i)));
        }
        m
    });

/// Byte equality, usable in constants.
const fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Does a name end in 决定书, decided in constants?
const fn names_decision(name: &str) -> bool {
    let (n, tail) = (name.as_bytes(), "决定书".as_bytes());
    n.len() >= tail.len() && same_bytes(n.split_at(n.len() - tail.len()).1, tail)
}

/// For each catalogue name, whether it ends in 决定书 (a decision document, RULES.md).
const CATALOGUE_DECISIONS: [bool; DOC_TYPES.len()] = {
    let mut d = [false; DOC_TYPES.len()];
    let mut i = 0;
    while i < DOC_TYPES.len() {
        d[i] = names_decision(DOC_TYPES[i]);
        i += 1;
    }
    d
};

impl DocName {
    /// The catalogue name `name`, found when the program is compiled: rules name the
    /// documents they look for with it (`const { DocName::of("立案审批表") }`) and compare
    /// 4-byte names instead of strings. A name outside [`DOC_TYPES`] does not compile.
    pub const fn of(name: &str) -> DocName {
        let mut i = 0;
        while i < DOC_TYPES.len() {
            if same_bytes(DOC_TYPES[i].as_bytes(), name.as_bytes()) {
                return DocName(i as u32);
            }
            i += 1;
        }
        panic!("not a catalogue 文书名称 (DOC_TYPES)")
    }

    /// True for a decision document: a name ending in 决定书 (RULES.md).
    #[inline]
    pub fn is_decision(self) -> bool {
        match CATALOGUE_DECISIONS.get(self.0 as usize) {
            Some(&d) => d,
            None => names_decision(self.other_name()),
        }
    }

    /// The catalogue name `name` is, directly or as a built-in alias.
    pub fn known(name: &str) -> Option<DocName> {
        CATALOGUE.get(name).map(|&i| DocName(i))
    }

    /// The name as written: the catalogue's when it is one, otherwise stored once.
    pub fn new(name: &str) -> DocName {
        if let Some(d) = DocName::known(name) {
            return d;
        }
        let base = DOC_TYPES.len() as u32;
        let found = OTHER_NAMES
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .index
            .get(name)
            .copied();
        if let Some(i) = found {
            return DocName(base + i);
        }
        let mut o = OTHER_NAMES.write().unwrap_or_else(|e| e.into_inner());
        if let Some(&i) = o.index.get(name) {
            return DocName(base + i);
        }
        let i = o.names.len() as u32;
        let leaked: &'static str = Box::leak(name.into());
        o.names.push(leaked);
        o.index.insert(leaked, i);
        DocName(base + i)
    }

    /// The name. Rules compare names millions of times: the catalogue's are read inline,
    /// the others (rare) through the shared list's lock.
    #[inline]
    pub fn as_str(self) -> &'static str {
        match DOC_TYPES.get(self.0 as usize) {
            Some(n) => n,
            None => self.other_name(),
        }
    }

    #[cold]
    fn other_name(self) -> &'static str {
        OTHER_NAMES.read().unwrap_or_else(|e| e.into_inner()).names
            [self.0 as usize - DOC_TYPES.len()]
    }
}

impl std::ops::Deref for DocName {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Display for DocName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for DocName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// Built-in 文书名称 aliases (INPUT.md "Values, not just columns, have aliases"):
/// catalogue name, then the names that mean it.
const DOC_TYPE_ALIASES: &[(&str, &[&str])] = &[
    (
        "立案审批表",
        &[
            "行政处罚立案审批表",
            "程序启动审批表",
            "督查立案审批表",
            "立案登记表",
        ],
    ),
    (
        "案件处理审批表",
        &["行政处罚决定审批表", "案件审批表", "处理决定审批表"],
    ),
    (
        "法制审核意见表",
        &["重大行政执法决定法制审核意见表", "法制审核意见书"],
    ),
    ("检查通知书", &["监督检查通知书", "检查通知"]),
];

/// The stage a document belongs to when its 环节 cell is blank.
pub fn stage_of_doc(doc_type: &str) -> Option<Stage> {
    Some(match doc_type {
        "立案审批表" | "受理通知书" | "不予受理通知书" | "补正材料通知书" | "检查通知书" => {
            Stage::Start
        }
        "询问笔录"
        | "现场检查笔录"
        | "勘验笔录"
        | "调取证据通知书"
        | "证据登记保存清单"
        | "抽样取证通知书"
        | "鉴定意见书"
        | "权利告知书"
        | "陈述申辩笔录"
        | "听证告知书"
        | "听证笔录"
        | "听证报告"
        | "调查终结报告"
        | "行政处罚事先告知书" => Stage::Investigation,
        "案件处理审批表" | "法制审核意见表" | "集体讨论记录" | "专家论证意见" => {
            Stage::Decision
        }
        "送达回证" | "催告书" | "履行情况记录" | "整改核查记录" => {
            Stage::Service
        }
        "结案审批表" | "检查通报" => Stage::Archive,
        n if n.ends_with("决定书") => Stage::Decision,
        _ => return None,
    })
}

/// Spellings of "yes" in yes/no cells (INPUT.md); anything else non-blank is "no"
/// when it is a known "no" spelling, otherwise a bad cell.
pub fn parse_yes_no(v: &str) -> Option<bool> {
    // The exports' own words first: tens of millions of cells a province-year.
    match v {
        "是" => return Some(true),
        "否" => return Some(false),
        _ => {}
    }
    const YES: &[&str] = &["是", "y", "yes", "1", "true", "√", "✓", "有", "t"];
    const NO: &[&str] = &["否", "n", "no", "0", "false", "×", "无", "f", ""];
    let v = v.trim();
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(v));
    if is(YES) {
        Some(true)
    } else if is(NO) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_names_are_the_catalogue_or_stored_once() {
        let other = DocName::new("现场照片说明");
        assert_eq!(other, DocName::new("现场照片说明"));
        assert_eq!(&*other, "现场照片说明");
        assert_ne!(other, DocName::new("现场照片说明二"));
        assert_eq!(DocName::new("立案登记表"), DocName::new("立案审批表"));
        assert_eq!(DocName::new("立案登记表").to_string(), "立案审批表");
        assert!(DocName::known("现场照片说明").is_none());
        for name in DOC_TYPES {
            assert_eq!(DocName::new(name).as_str(), *name);
        }
    }

    #[test]
    fn values_match_after_normalisation() {
        assert_eq!(
            ServiceMethod::from_builtin(&normalise_value(" 留置 送达 ")),
            Some(ServiceMethod::LeftAtPremises)
        );
        assert_eq!(
            DocName::known(&normalise_value("《行政处罚立案审批表》")).map(DocName::as_str),
            Some("立案审批表")
        );
        assert_eq!(
            ActivityKind::from_builtin("现场核查"),
            Some(ActivityKind::Inspection)
        );
        assert_eq!(parse_yes_no("√"), Some(true));
        assert_eq!(parse_yes_no("TRUE"), Some(true));
        assert_eq!(parse_yes_no("否"), Some(false));
        assert_eq!(parse_yes_no("maybe"), None);
    }
}
