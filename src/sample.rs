//! Sample bundles with planted violations and their ground truth (`trailcheck sample`).
//!
//! Each case starts as a compliant case file under all five profiles; with probability
//! `rate` one defect from [`Defect::ALL`] is planted in it, and the generator records the
//! findings each profile must report for that defect (its own record of what it planted:
//! this module never calls the rules). Bundle-level defects (footage with no case, rows
//! with an unknown 案号) are added at about 1% of cases. Margins are chosen so that each
//! planted value is unambiguous under every profile (e.g. an archive 22 days late is late
//! under a 20-calendar-day deadline and on time under 20 working days).

use crate::error::{Error, Result};
use crate::ingest::columns::spec;
use crate::model::Table;
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::Path;

/// Output format of a sample bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SampleFormat {
    /// One CSV file per table.
    Csv,
    /// One workbook, one sheet per table.
    Xlsx,
}

/// CSV encoding of a sample bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SampleEncoding {
    /// GBK, as government exports often are.
    Gbk,
    /// UTF-8.
    #[value(name = "utf-8")]
    Utf8,
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct SampleOptions {
    /// Number of cases.
    pub cases: usize,
    /// Random seed: the same seed gives the same bytes.
    pub seed: u64,
    /// CSV or xlsx.
    pub format: SampleFormat,
    /// CSV encoding.
    pub encoding: SampleEncoding,
    /// Share of cases with a planted defect.
    pub rate: f64,
    /// Year the cases are opened in.
    pub year: i32,
}

/// The profiles in ground-truth order.
pub const PROFILES: [&str; 5] = [
    "district-2018",
    "henan-2019",
    "pingluo-veterans",
    "jinpu-justice",
    "lingshou-approval",
];
const ALL: u8 = 0b11111;
const P0: u8 = 1;
const P1: u8 = 2;
const P2: u8 = 4;
const P3: u8 = 8;
const P4: u8 = 16;

/// The audit date the ground truth assumes: 31 March of the following year.
pub fn as_of(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year + 1, 3, 31).expect("valid date")
}

const AGENCIES: &[(&str, &str)] = &[
    ("市场监督管理局", "市监"),
    ("综合行政执法局", "综执"),
    ("生态环境局", "环"),
    ("交通运输局", "交"),
    ("卫生健康委员会", "卫健"),
    ("应急管理局", "应急"),
];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
    "秀英", "建华", "志强", "海燕",
];
const PLACES: &[&str] = &[
    "东城",
    "西湖",
    "南山",
    "北辰",
    "滨江",
    "高新",
    "城关",
    "开发区",
];
const TRADES: &[&str] = &[
    "商贸", "食品", "建材", "物流", "餐饮", "化工", "科技", "医药",
];
const STREETS: &[&str] = &["人民路", "解放路", "建设路", "中山路", "和平街", "工业园区"];

/// The defects the generator plants, one per case at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// Archived 22 days after closing: late under a 20-day deadline only (A02, 002).
    ArchiveLate22,
    /// Archived 45 days after closing: late everywhere (A02).
    ArchiveLate45,
    /// Closed and never archived (A01).
    NeverArchived,
    /// Footage stored at 01:30 the next day: late only for henan-2019's "当天" (V03).
    StoredNextNight,
    /// Footage stored 14 days later (V03 everywhere).
    StoredTwoWeeksLate,
    /// A seizure never filmed (V01 where it is `full`).
    SeizureNotFilmed,
    /// An inspection never filmed, no written reason (V01 where it is filmed).
    InspectionNotFilmed,
    /// A 5-minute unexplained gap in seizure footage (V02 where seizures are `full`).
    SeizureGap,
    /// A 5-minute unexplained gap in inspection footage (V02 in lingshou-approval).
    InspectionGap,
    /// 留置送达 without a witness (T02).
    LeftWithoutWitness,
    /// 邮寄送达 without a tracking number (T06 where the number is required).
    MailWithoutTracking,
    /// 邮寄送达 without a kept receipt (T06).
    MailWithoutReceipt,
    /// A 询问笔录 that does not record the ID was shown (I01).
    IdNotShown,
    /// A 现场检查笔录 neither signed nor marked refused (I04).
    RecordUnsigned,
    /// A major decision without 法制审核意见表 (D02).
    MajorWithoutLegalReview,
    /// A decided case without its decision document (D05).
    NoDecisionDocument,
    /// A decision never served (T01).
    DecisionNotServed,
    /// A copy approved after it was made (X01).
    CopyApprovedLate,
    /// No opening approval at all (S01).
    NoOpeningApproval,
    /// First footage without the opening statement (V05).
    NoOpeningStatement,
    /// Archived without 保管期限 (A03).
    NoRetention,
    /// A served penalty with no performance record (E01).
    NoPerformanceRecord,
    /// A field activity with one officer (I02).
    OneOfficer,
}

impl Defect {
    /// Every defect kind.
    pub const ALL: [Defect; 23] = [
        Defect::ArchiveLate22,
        Defect::ArchiveLate45,
        Defect::NeverArchived,
        Defect::StoredNextNight,
        Defect::StoredTwoWeeksLate,
        Defect::SeizureNotFilmed,
        Defect::InspectionNotFilmed,
        Defect::SeizureGap,
        Defect::InspectionGap,
        Defect::LeftWithoutWitness,
        Defect::MailWithoutTracking,
        Defect::MailWithoutReceipt,
        Defect::IdNotShown,
        Defect::RecordUnsigned,
        Defect::MajorWithoutLegalReview,
        Defect::NoDecisionDocument,
        Defect::DecisionNotServed,
        Defect::CopyApprovedLate,
        Defect::NoOpeningApproval,
        Defect::NoOpeningStatement,
        Defect::NoRetention,
        Defect::NoPerformanceRecord,
        Defect::OneOfficer,
    ];
}

/// One expected finding: the profiles that must report it.
#[derive(Debug, Clone)]
struct Expect {
    profiles: u8,
    rule: &'static str,
    case_no: String,
    subject: String,
}

/// A table being filled: header and rows of text.
struct Sheet {
    table: Table,
    rows: Vec<Vec<String>>,
}

impl Sheet {
    fn new(table: Table) -> Sheet {
        Sheet {
            table,
            rows: Vec::new(),
        }
    }

    fn col(&self, name: &str) -> usize {
        spec(self.table)
            .iter()
            .position(|c| c.zh == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    }

    fn push(&mut self, cells: &[(&str, String)]) -> usize {
        let mut row = vec![String::new(); spec(self.table).len()];
        for (k, v) in cells {
            row[self.col(k)] = v.clone();
        }
        self.rows.push(row);
        self.rows.len() - 1
    }

    fn get(&self, row: usize, name: &str) -> &str {
        &self.rows[row][self.col(name)]
    }

    fn set(&mut self, row: usize, name: &str, v: impl Into<String>) {
        let c = self.col(name);
        self.rows[row][c] = v.into();
    }
}

fn dt(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
    d.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("valid time"))
}
fn fmt_dt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}
fn fmt_min(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
fn fmt_d(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The case's kind of file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    PenaltyGeneral,
    PenaltySimple,
    License,
    Inspection,
    Coercion,
}

/// Everything one case wrote, by table.
struct CaseOut {
    sheets: [Sheet; 6],
    expect: Vec<Expect>,
    planted: bool,
}

struct Gen {
    rng: ChaCha8Rng,
    year: i32,
}

impl Gen {
    fn person(&mut self) -> String {
        format!(
            "{}{}",
            SURNAMES.choose(&mut self.rng).unwrap(),
            GIVEN.choose(&mut self.rng).unwrap()
        )
    }

    fn company(&mut self) -> String {
        format!(
            "{}{}{}有限公司",
            PLACES.choose(&mut self.rng).unwrap(),
            self.person(),
            TRADES.choose(&mut self.rng).unwrap()
        )
    }

    /// Footage of [s, e] from one or two devices, in rollover segments with gaps of at most
    /// 20 s; returns the media rows written.
    #[allow(clippy::too_many_arguments)]
    fn film(
        &mut self,
        media: &mut Sheet,
        case_no: &str,
        act_id: &str,
        s: NaiveDateTime,
        e: NaiveDateTime,
        officers: &str,
        party: &str,
        handler: &str,
        place: &str,
        tag: &mut u32,
        link_by_time: bool,
    ) -> Vec<usize> {
        let mut rows = Vec::new();
        let devices = if self.rng.random_bool(0.5) { 2 } else { 1 };
        for d in 0..devices {
            let dev = format!("JLY-{:03}", self.rng.random_range(1..300));
            let (mut t, end) = if d == 0 {
                (s, e)
            } else {
                (
                    s + Duration::minutes(self.rng.random_range(2..10)),
                    e - Duration::minutes(self.rng.random_range(2..10)),
                )
            };
            let mut first = true;
            while t < end {
                let len = Duration::minutes(self.rng.random_range(10..26));
                let seg_end = (t + len).min(end);
                *tag += 1;
                let id = format!("MV{}-{:02}", &act_id[2..], tag);
                let stored = end + Duration::minutes(self.rng.random_range(20..120));
                let r = media.push(&[
                    ("文件编号", id),
                    ("案号", case_no.to_string()),
                    (
                        "活动编号",
                        if link_by_time {
                            String::new()
                        } else {
                            act_id.to_string()
                        },
                    ),
                    ("设备编号", dev.clone()),
                    ("执法人员", officers.to_string()),
                    ("当事人", party.to_string()),
                    ("承办人", handler.to_string()),
                    ("开始时间", fmt_dt(t)),
                    ("结束时间", fmt_dt(seg_end)),
                    ("入库时间", fmt_dt(stored)),
                    ("存储位置", format!("media/{}/{}.mp4", case_no.len(), tag)),
                    (
                        "文件大小",
                        format!("{}", self.rng.random_range(10_000_000u64..900_000_000)),
                    ),
                    ("哈希值", format!("{:064x}", self.rng.random::<u128>())),
                    (
                        "开场语音说明",
                        if first { "是".into() } else { String::new() },
                    ),
                    (
                        "证据用途",
                        if self.rng.random_bool(0.3) {
                            "是".into()
                        } else {
                            "否".into()
                        },
                    ),
                    ("制作人", handler.to_string()),
                    ("证明对象", "现场执法过程".into()),
                    ("制作方法", "执法记录仪拍摄".into()),
                    ("地点", place.to_string()),
                ]);
                rows.push(r);
                first = false;
                t = seg_end + Duration::seconds(self.rng.random_range(0..=20));
            }
        }
        rows
    }
}

#[allow(clippy::too_many_lines)]
fn make_case(g: &mut Gen, ix: usize, defect: Option<Defect>) -> CaseOut {
    let mut cases = Sheet::new(Table::Cases);
    let mut docs = Sheet::new(Table::Documents);
    let mut svc = Sheet::new(Table::Services);
    let mut acts = Sheet::new(Table::Activities);
    let mut media = Sheet::new(Table::Media);
    let mut access = Sheet::new(Table::Access);
    let mut expect = Vec::new();

    let (agency, abbr) = *AGENCIES.choose(&mut g.rng).unwrap();
    let kind = *[
        Kind::PenaltyGeneral,
        Kind::PenaltyGeneral,
        Kind::PenaltyGeneral,
        Kind::PenaltySimple,
        Kind::License,
        Kind::Inspection,
        Kind::Coercion,
    ]
    .choose(&mut g.rng)
    .unwrap();
    let letter = match kind {
        Kind::PenaltyGeneral | Kind::PenaltySimple => "罚",
        Kind::License => "许",
        Kind::Inspection => "检",
        Kind::Coercion => "强",
    };
    let case_no = format!("{abbr}{letter}〔{}〕{}号", g.year, ix + 1);
    let party = if g.rng.random_bool(0.7) {
        g.company()
    } else {
        g.person()
    };
    let handler = g.person();
    let (o1, o2) = (g.person(), g.person());
    let officers = format!("{o1}；{o2}");
    let certs = format!(
        "{:08}；{:08}",
        g.rng.random_range(10_000_000..99_999_999u32),
        g.rng.random_range(10_000_000..99_999_999u32)
    );
    let place = format!(
        "{}{}{}号",
        PLACES.choose(&mut g.rng).unwrap(),
        STREETS.choose(&mut g.rng).unwrap(),
        g.rng.random_range(1..300)
    );
    let wants_major =
        matches!(kind, Kind::PenaltyGeneral | Kind::Coercion) && g.rng.random_bool(0.15);
    let major = wants_major
        || (defect == Some(Defect::MajorWithoutLegalReview)
            && matches!(kind, Kind::PenaltyGeneral | Kind::Coercion));
    let major = major && !matches!(defect, Some(Defect::NoOpeningApproval));
    let origin = match kind {
        Kind::License => "依申请",
        Kind::Inspection => *["依职权", "上级交办"].choose(&mut g.rng).unwrap(),
        _ => *["依职权", "投诉举报", "移送", "上级交办"]
            .choose(&mut g.rng)
            .unwrap(),
    };
    let category = match kind {
        Kind::PenaltyGeneral | Kind::PenaltySimple => "行政处罚",
        Kind::License => "行政许可",
        Kind::Inspection => "行政检查",
        Kind::Coercion => "行政强制",
    };
    let general = kind != Kind::PenaltySimple;
    let decided = kind != Kind::Inspection;
    let year = g.year;
    let d0 =
        NaiveDate::from_ymd_opt(year, 1, 4).unwrap() + Duration::days(g.rng.random_range(0..300));
    let mut doc_n = 0;
    let mut doc =
        |docs: &mut Sheet, name: &str, at: NaiveDateTime, extra: &[(&str, String)]| -> usize {
            doc_n += 1;
            let mut cells = vec![
                ("案号", case_no.clone()),
                ("文书名称", name.to_string()),
                (
                    "文书编号",
                    format!("{abbr}{letter}〔{year}〕{}-{doc_n:02}", ix + 1),
                ),
                ("制作时间", fmt_min(at)),
            ];
            cells.extend(extra.iter().cloned());
            docs.push(&cells)
        };
    let record = |o: &str, c: &str| {
        vec![
            ("执法人员", o.to_string()),
            ("执法证号", c.to_string()),
            ("出示证件", "是".to_string()),
            ("当事人签字", "是".to_string()),
        ]
    };
    let approval = |at: NaiveDateTime, opinion: &str, reviewer: &str, approver: &str| {
        vec![
            ("承办人意见", opinion.to_string()),
            ("审核人", reviewer.to_string()),
            ("审核时间", fmt_min(at + Duration::minutes(30))),
            ("批准人", approver.to_string()),
            ("批准时间", fmt_min(at + Duration::minutes(60))),
        ]
    };
    let head = g.person();
    let chief = g.person();

    // ---- start
    let mut opening_row = None;
    let approved_at = dt(d0, 10, 0);
    if general && origin != "依申请" {
        if kind == Kind::Inspection {
            doc(&mut docs, "检查通知书", dt(d0, 9, 0), &[]);
        } else {
            let mut cells = approval(dt(d0, 9, 0), "建议立案调查", &chief, &head);
            cells.push(("法制审核意见", "同意立案".into()));
            opening_row = Some(doc(&mut docs, "立案审批表", dt(d0, 9, 0), &cells));
        }
    }
    if origin == "依申请" {
        doc(&mut docs, "受理通知书", dt(d0, 9, 0), &[]);
    }

    // ---- field activities
    let mut act_n = 0;
    let mut tag = 0u32;
    let mut activity = |acts: &mut Sheet,
                        media: &mut Sheet,
                        g: &mut Gen,
                        kind_zh: &str,
                        s: NaiveDateTime,
                        e: NaiveDateTime,
                        remote: bool|
     -> (String, usize, Vec<usize>) {
        act_n += 1;
        let id = format!("HD{:07}{}", ix + 1, act_n);
        let mut cells = vec![
            ("活动编号", id.clone()),
            ("案号", case_no.clone()),
            ("活动类型", kind_zh.to_string()),
            ("开始时间", fmt_min(s)),
            ("结束时间", fmt_min(e)),
            ("地点", place.clone()),
            ("执法人员", officers.clone()),
            ("执法证号", certs.clone()),
            ("偏远或异地", if remote { "是".into() } else { "否".into() }),
        ];
        if remote {
            cells.push(("返回单位时间", fmt_min(e + Duration::minutes(90))));
        }
        let row = acts.push(&cells);
        let by_time = g.rng.random_bool(0.05);
        let m = g.film(
            media, &case_no, &id, s, e, &officers, &party, &handler, &place, &mut tag, by_time,
        );
        (id, row, m)
    };
    let d1 = d0 + Duration::days(1);
    let remote_ok = !matches!(
        defect,
        Some(Defect::StoredNextNight | Defect::StoredTwoWeeksLate)
    );
    let inspect_remote = remote_ok && g.rng.random_bool(0.05);
    let inspect_kind = if kind == Kind::License && g.rng.random_bool(0.3) {
        "勘验"
    } else {
        "现场检查"
    };
    let inspection = activity(
        &mut acts,
        &mut media,
        g,
        inspect_kind,
        dt(d1, 9, 0),
        dt(d1, 9, 50),
        inspect_remote,
    );
    doc(
        &mut docs,
        if acts.get(inspection.1, "活动类型") == "勘验" {
            "勘验笔录"
        } else {
            "现场检查笔录"
        },
        dt(d1, 10, 0),
        &record(&officers, &certs),
    );
    let seizure = if kind == Kind::Coercion
        || (kind == Kind::PenaltyGeneral && g.rng.random_bool(0.3))
        || matches!(defect, Some(Defect::SeizureGap | Defect::SeizureNotFilmed)) && general
    {
        let kz = if g.rng.random_bool(0.5) {
            "扣押"
        } else {
            "查封"
        };
        let a = activity(
            &mut acts,
            &mut media,
            g,
            kz,
            dt(d1, 10, 30),
            dt(d1, 11, 40),
            false,
        );
        let mut cells = record(&officers, &certs);
        cells.extend([
            ("保全理由", "证据可能灭失".to_string()),
            ("保全标的", "涉案物品一批".to_string()),
            ("保全形式", "先行登记保存".to_string()),
        ]);
        doc(&mut docs, "证据登记保存清单", dt(d1, 11, 50), &cells);
        Some(a)
    } else {
        None
    };
    let questioning = if matches!(kind, Kind::PenaltyGeneral | Kind::PenaltySimple) {
        let d2 = d0 + Duration::days(2);
        let a = activity(
            &mut acts,
            &mut media,
            g,
            "询问",
            dt(d2, 14, 0),
            dt(d2, 14, 45),
            false,
        );
        let r = doc(
            &mut docs,
            "询问笔录",
            dt(d2, 14, 50),
            &record(&officers, &certs),
        );
        Some((a, r))
    } else {
        None
    };

    // ---- decision
    let decision_doc = match kind {
        Kind::PenaltyGeneral | Kind::PenaltySimple => "行政处罚决定书",
        Kind::License => "行政许可决定书",
        Kind::Coercion => "查封扣押决定书",
        Kind::Inspection => "",
    };
    let d_dec = d0 + Duration::days(19);
    let mut decision_row = None;
    let mut legal_row = None;
    if decided {
        if decision_doc == "行政处罚决定书" {
            doc(
                &mut docs,
                "行政处罚事先告知书",
                dt(d0 + Duration::days(9), 9, 0),
                &[],
            );
            svc.push(&[
                ("案号", case_no.clone()),
                ("送达文书", "行政处罚事先告知书".into()),
                ("送达方式", "直接送达".into()),
                ("送达时间", fmt_min(dt(d0 + Duration::days(9), 15, 0))),
                ("受送达人", party.clone()),
                ("签收人", party.clone()),
            ]);
        }
        legal_row = Some(doc(
            &mut docs,
            "法制审核意见表",
            dt(d0 + Duration::days(13), 9, 0),
            &[("法制审核意见", "同意".into())],
        ));
        doc(
            &mut docs,
            "案件处理审批表",
            dt(d0 + Duration::days(14), 9, 0),
            &approval(
                dt(d0 + Duration::days(14), 9, 0),
                "建议作出决定",
                &chief,
                &head,
            ),
        );
        if major {
            doc(
                &mut docs,
                "集体讨论记录",
                dt(d0 + Duration::days(17), 9, 0),
                &[],
            );
        }
        decision_row = Some(doc(&mut docs, decision_doc, dt(d_dec, 9, 0), &[]));
    }

    // ---- service of the decision
    let method = match defect {
        Some(Defect::LeftWithoutWitness) => "留置送达",
        Some(Defect::MailWithoutTracking | Defect::MailWithoutReceipt) => "邮寄送达",
        Some(Defect::DecisionNotServed | Defect::NoDecisionDocument) => "直接送达",
        _ => *[
            "直接送达",
            "直接送达",
            "邮寄送达",
            "留置送达",
            "委托送达",
            "转交送达",
            "公告送达",
            "电子送达",
        ]
        .choose(&mut g.rng)
        .unwrap(),
    };
    let d_srv = d_dec + Duration::days(1);
    let served_at = if method == "公告送达" {
        dt(d_srv, 9, 30)
    } else {
        dt(d_srv, 10, 0)
    };
    let mut service_row = None;
    if decided {
        let mut cells = vec![
            ("案号", case_no.clone()),
            ("送达文书", decision_doc.to_string()),
            ("送达方式", method.to_string()),
            ("送达时间", fmt_min(served_at)),
            ("受送达人", party.clone()),
        ];
        match method {
            "直接送达" | "电子送达" => cells.push(("签收人", party.clone())),
            "邮寄送达" => cells.extend([
                (
                    "邮寄单号",
                    format!("EMS{:010}", g.rng.random_range(0..9_999_999_999u64)),
                ),
                ("回执", "是".to_string()),
            ]),
            "留置送达" => cells.extend([
                ("见证人", g.person()),
                ("拒收事由", "当事人拒绝签收".to_string()),
            ]),
            "委托送达" | "转交送达" => {
                cells.push(("委托转交原因", "受送达人不在本辖区".into()))
            }
            _ => cells.extend([
                ("公告载体", "政府门户网站及公告栏".to_string()),
                ("前序送达情况", "直接送达、邮寄送达均未能送达".to_string()),
            ]),
        }
        service_row = Some(svc.push(&cells));
        if method == "留置送达" || method == "公告送达" {
            activity(
                &mut acts,
                &mut media,
                g,
                method,
                served_at - Duration::minutes(10),
                served_at + Duration::minutes(20),
                false,
            );
        }
    }
    let mut perf_row = None;
    if decision_doc == "行政处罚决定书" {
        perf_row = Some(doc(
            &mut docs,
            "履行情况记录",
            dt(d_dec + Duration::days(10), 9, 0),
            &[],
        ));
    }

    // ---- closing and archiving
    let open_case = kind != Kind::Inspection && g.rng.random_bool(0.05) && defect.is_none();
    let closed = d0 + Duration::days(31);
    let archived = closed + Duration::days(g.rng.random_range(1..15));
    if !open_case {
        doc(
            &mut docs,
            "结案审批表",
            dt(closed, 9, 0),
            &approval(dt(closed, 9, 0), "建议结案", &chief, &head),
        );
    }
    let case_row = cases.push(&[
        ("案号", case_no.clone()),
        ("执法机关", agency.to_string()),
        ("承办机构", "执法一科".into()),
        ("执法类别", category.into()),
        (
            "程序类型",
            if general {
                "一般程序".into()
            } else {
                "简易程序".into()
            },
        ),
        ("启动方式", origin.into()),
        ("当事人", party.clone()),
        ("承办人", handler.clone()),
        (
            "重大执法决定",
            if major { "是".into() } else { "否".into() },
        ),
        ("紧急启动", "否".into()),
        ("启动日期", fmt_d(d0)),
        (
            "立案审批时间",
            if general && origin != "依申请" {
                fmt_min(approved_at)
            } else {
                String::new()
            },
        ),
        (
            "决定日期",
            if decided { fmt_d(d_dec) } else { String::new() },
        ),
        (
            "终结日期",
            if open_case {
                String::new()
            } else {
                fmt_d(closed)
            },
        ),
        (
            "归档日期",
            if open_case {
                String::new()
            } else {
                fmt_d(archived)
            },
        ),
        (
            "归档编号",
            if open_case {
                String::new()
            } else {
                format!("{abbr}档〔{}〕{}", g.year, ix + 1)
            },
        ),
        (
            "保管期限",
            if open_case {
                String::new()
            } else {
                "30年".into()
            },
        ),
        (
            "办理状态",
            if open_case {
                "办理中".into()
            } else {
                "已结案".into()
            },
        ),
    ]);
    if !open_case && g.rng.random_bool(0.1) {
        let at = dt(archived + Duration::days(5), 10, 0);
        access.push(&[
            ("案号", case_no.clone()),
            ("类型", "复制".into()),
            ("申请人", format!("{}律师", g.person())),
            ("时间", fmt_min(at)),
            ("批准人", head.clone()),
            ("批准时间", fmt_min(at - Duration::hours(1))),
        ]);
    }

    // ---- the planted defect
    let mut ex = |profiles: u8, rule: &'static str, subject: String| {
        expect.push(Expect {
            profiles,
            rule,
            case_no: case_no.clone(),
            subject,
        })
    };
    let doc_no = |docs: &Sheet, r: usize| docs.get(r, "文书编号").to_string();
    let svc_subject = |svc: &Sheet, r: usize| {
        format!(
            "{}:{}:{}",
            svc.get(r, "送达文书"),
            svc.get(r, "送达方式"),
            svc.get(r, "送达时间")
        )
    };
    let first_media = |m: &[usize], media: &Sheet| {
        m.iter()
            .copied()
            .min_by_key(|r| (media.get(*r, "开始时间").to_string(), *r))
    };
    let applied = match defect {
        None => false,
        Some(Defect::ArchiveLate22) if !open_case => {
            cases.set(case_row, "归档日期", fmt_d(closed + Duration::days(22)));
            ex(P2, "A02", String::new());
            true
        }
        Some(Defect::ArchiveLate45) if !open_case => {
            cases.set(case_row, "归档日期", fmt_d(closed + Duration::days(45)));
            ex(ALL, "A02", String::new());
            true
        }
        Some(Defect::NeverArchived) if !open_case => {
            cases.set(case_row, "归档日期", "");
            ex(ALL, "A01", String::new());
            true
        }
        Some(Defect::StoredNextNight) if !inspect_remote => {
            let r = inspection.2[0];
            let end = NaiveDateTime::parse_from_str(media.get(r, "结束时间"), "%Y-%m-%d %H:%M:%S")
                .unwrap();
            media.set(
                r,
                "入库时间",
                fmt_dt(dt(end.date() + Duration::days(1), 1, 30)),
            );
            ex(P1, "V03", media.get(r, "文件编号").to_string());
            true
        }
        Some(Defect::StoredTwoWeeksLate) if !inspect_remote => {
            let r = inspection.2[0];
            let end = NaiveDateTime::parse_from_str(media.get(r, "结束时间"), "%Y-%m-%d %H:%M:%S")
                .unwrap();
            media.set(r, "入库时间", fmt_dt(end + Duration::days(14)));
            ex(ALL, "V03", media.get(r, "文件编号").to_string());
            true
        }
        Some(Defect::SeizureNotFilmed) if seizure.is_some() => {
            let (id, _, rows) = seizure.clone().unwrap();
            for r in rows.iter().rev() {
                media.rows.remove(*r);
            }
            ex(P0 | P1, "V01", id);
            true
        }
        Some(Defect::InspectionNotFilmed) => {
            let rows = inspection.2.clone();
            for r in rows.iter().rev() {
                media.rows.remove(*r);
            }
            ex(P0 | P1 | P4, "V01", inspection.0.clone());
            true
        }
        Some(Defect::SeizureGap) if seizure.is_some() => {
            let (id, _, rows) = seizure.clone().unwrap();
            plant_gap(&mut media, &rows);
            ex(P0 | P1, "V02", id);
            true
        }
        Some(Defect::InspectionGap) => {
            let rows = inspection.2.clone();
            plant_gap(&mut media, &rows);
            ex(P4, "V02", inspection.0.clone());
            true
        }
        Some(Defect::LeftWithoutWitness) if service_row.is_some() => {
            let r = service_row.unwrap();
            svc.set(r, "见证人", "");
            ex(P0 | P3 | P4, "T02", svc_subject(&svc, r));
            true
        }
        Some(Defect::MailWithoutTracking) if service_row.is_some() => {
            let r = service_row.unwrap();
            svc.set(r, "邮寄单号", "");
            ex(P0 | P3, "T06", svc_subject(&svc, r));
            true
        }
        Some(Defect::MailWithoutReceipt) if service_row.is_some() => {
            let r = service_row.unwrap();
            svc.set(r, "回执", "");
            ex(P0 | P3 | P4, "T06", svc_subject(&svc, r));
            true
        }
        Some(Defect::IdNotShown) if questioning.is_some() => {
            let r = questioning.as_ref().unwrap().1;
            docs.set(r, "出示证件", "否");
            ex(ALL, "I01", doc_no(&docs, r));
            true
        }
        Some(Defect::RecordUnsigned) => {
            let r = docs
                .rows
                .iter()
                .position(|x| x[docs.col("文书名称")].ends_with("笔录"))
                .unwrap();
            docs.set(r, "当事人签字", "");
            ex(P0 | P3 | P4, "I04", doc_no(&docs, r));
            true
        }
        Some(Defect::MajorWithoutLegalReview) if major && legal_row.is_some() => {
            docs.rows.remove(legal_row.unwrap());
            ex(ALL, "D02", String::new());
            true
        }
        Some(Defect::NoDecisionDocument) if decision_row.is_some() => {
            let r = decision_row.unwrap();
            docs.rows.remove(r);
            if let Some(p) = perf_row {
                docs.rows.remove(if p > r { p - 1 } else { p });
            }
            ex(P0 | P1, "D05", String::new());
            true
        }
        Some(Defect::DecisionNotServed) if service_row.is_some() => {
            svc.rows.remove(service_row.unwrap());
            ex(ALL, "T01", doc_no(&docs, decision_row.unwrap()));
            true
        }
        Some(Defect::CopyApprovedLate) if !open_case => {
            access.rows.clear();
            let at = dt(archived + Duration::days(3), 10, 0);
            let requester = format!("{}律师", g.person());
            access.push(&[
                ("案号", case_no.clone()),
                ("类型", "复制".into()),
                ("申请人", requester.clone()),
                ("时间", fmt_min(at)),
                ("批准人", head.clone()),
                ("批准时间", fmt_min(at + Duration::hours(2))),
            ]);
            ex(
                P0 | P1 | P2 | P3,
                "X01",
                format!("复制:{requester}:{}", fmt_min(at)),
            );
            true
        }
        Some(Defect::NoOpeningApproval) if opening_row.is_some() && !major => {
            docs.rows.remove(opening_row.unwrap());
            cases.set(case_row, "立案审批时间", "");
            ex(ALL, "S01", String::new());
            true
        }
        Some(Defect::NoOpeningStatement) => {
            let r = first_media(&inspection.2, &media).unwrap();
            media.set(r, "开场语音说明", "否");
            ex(P1 | P2 | P4, "V05", media.get(r, "文件编号").to_string());
            true
        }
        Some(Defect::NoRetention) if !open_case => {
            cases.set(case_row, "保管期限", "");
            ex(P2, "A03", String::new());
            true
        }
        Some(Defect::NoPerformanceRecord) if perf_row.is_some() && service_row.is_some() => {
            docs.rows.remove(perf_row.unwrap());
            ex(
                P0 | P1 | P2 | P3,
                "E01",
                doc_no(&docs, decision_row.unwrap()),
            );
            true
        }
        Some(Defect::OneOfficer) => {
            acts.set(inspection.1, "执法人员", o1.clone());
            ex(ALL, "I02", inspection.0.clone());
            true
        }
        Some(_) => false,
    };
    CaseOut {
        sheets: [cases, docs, svc, acts, media, access],
        expect,
        planted: applied,
    }
}

/// Cut a 5-minute hole, unexplained, into footage: the second device (if any) is removed
/// and the first device's second segment starts 5 minutes after the first ends.
fn plant_gap(media: &mut Sheet, rows: &[usize]) {
    let dev = media.get(rows[0], "设备编号").to_string();
    let other: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|r| media.get(*r, "设备编号") != dev)
        .collect();
    let keep: Vec<usize> = rows
        .iter()
        .copied()
        .filter(|r| media.get(*r, "设备编号") == dev)
        .collect();
    let first_end =
        NaiveDateTime::parse_from_str(media.get(keep[0], "结束时间"), "%Y-%m-%d %H:%M:%S").unwrap();
    if let Some(&second) = keep.get(1) {
        media.set(second, "开始时间", fmt_dt(first_end + Duration::minutes(5)));
    } else {
        let end =
            NaiveDateTime::parse_from_str(media.get(keep[0], "结束时间"), "%Y-%m-%d %H:%M:%S")
                .unwrap();
        media.set(keep[0], "结束时间", fmt_dt(end - Duration::minutes(5)));
    }
    for r in other.iter().rev() {
        media.rows.remove(*r);
    }
}

/// Sink for the tables: a CSV file each, or a worksheet each of one workbook. Either way
/// rows go out as they are made: the worksheets are in constant-memory mode (their rows
/// wait in temporary files until the workbook is saved), so a large bundle is not held.
enum Out {
    Csv(Vec<csv::Writer<Box<dyn Write>>>),
    Xlsx {
        book: Box<rust_xlsxwriter::Workbook>,
        sheets: Vec<rust_xlsxwriter::Worksheet>,
        /// The next row of each sheet.
        next: [u32; 6],
    },
}

impl Out {
    /// Append `rows` to table `t`.
    fn rows(&mut self, t: usize, rows: &[Vec<String>], out: &Path) -> Result<()> {
        match self {
            Out::Csv(ws) => {
                for r in rows {
                    ws[t].write_record(r).map_err(|e| Error::Output {
                        path: out.to_path_buf(),
                        source: e.into(),
                    })?;
                }
            }
            Out::Xlsx { sheets, next, .. } => {
                let path = out.join(SAMPLE_XLSX);
                let err = crate::error::xlsx_output(&path);
                for r in rows {
                    let row = next[t];
                    if row as usize > MAX_SHEET_ROW {
                        return Err(Error::Config(format!(
                            "xlsx 工作表最多容纳 {} 行：「{}」已超出，请减少 --cases 或使用 --format csv",
                            MAX_SHEET_ROW + 1,
                            Table::ALL[t].zh()
                        )));
                    }
                    for (c, v) in (0u16..).zip(r) {
                        if !v.is_empty() {
                            sheets[t].write_string(row, c, v).map_err(err)?;
                        }
                    }
                    next[t] += 1;
                }
            }
        }
        Ok(())
    }

    /// Flush the CSV files, or save the workbook.
    fn finish(self, out: &Path) -> Result<()> {
        match self {
            Out::Csv(ws) => {
                for mut w in ws {
                    w.flush().map_err(io_err(out))?;
                }
            }
            Out::Xlsx {
                mut book, sheets, ..
            } => {
                let path = out.join(SAMPLE_XLSX);
                for ws in sheets {
                    book.push_worksheet(ws);
                }
                book.save(&path).map_err(crate::error::xlsx_output(&path))?;
            }
        }
        Ok(())
    }
}

/// The workbook `--format xlsx` writes.
const SAMPLE_XLSX: &str = "sample.xlsx";
/// The last row (0-based) of an Excel sheet.
const MAX_SHEET_ROW: usize = 1_048_575;

/// A workbook of one constant-memory sheet a table, each with its header; its creation
/// date is fixed (1 January after `year`), so that one seed gives the same bytes.
fn workbook_sink(out: &Path, year: i32) -> Result<Out> {
    use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};
    let err = crate::error::xlsx_output(out);
    let mut book = Workbook::new();
    let created = ExcelDateTime::from_ymd(year as u16 + 1, 1, 1).map_err(&err)?;
    book.set_properties(
        &DocProperties::new()
            .set_creation_datetime(&created)
            .set_author("trailcheck sample"),
    );
    let mut sheets = Vec::new();
    for t in Table::ALL {
        let mut ws = book.new_worksheet_with_constant_memory().map_err(&err)?;
        ws.set_name(t.zh()).map_err(&err)?;
        ws.write_row(0, 0, spec(t).iter().map(|c| c.zh))
            .map_err(&err)?;
        sheets.push(ws);
    }
    Ok(Out::Xlsx {
        book: Box::new(book),
        sheets,
        next: [1; 6],
    })
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Output {
        path: path.to_path_buf(),
        source,
    }
}

/// Re-encodes the UTF-8 the CSV writer produces as GBK; a character split across two
/// writes waits in `pending`.
struct GbkWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> Write for GbkWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        let text = std::str::from_utf8(&self.pending[..valid]).expect("checked above");
        let (bytes, _, _) = encoding_rs::GBK.encode(text);
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Counts of a generated bundle.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SampleStats {
    /// Rows per table, in [`Table::ALL`] order.
    pub rows: [usize; 6],
    /// Expected findings per profile, in [`PROFILES`] order.
    pub expected: [usize; 5],
    /// Cases with a planted defect.
    pub planted: usize,
}

/// Generate a bundle into `out`: the tables, `ground-truth.csv` (profile, rule, case_no,
/// subject) and `sample.json` (seed, cases, as-of date).
pub fn generate(o: &SampleOptions, out: &Path) -> Result<SampleStats> {
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let mut g = Gen {
        rng: ChaCha8Rng::seed_from_u64(o.seed),
        year: o.year,
    };
    let mut sink = match o.format {
        SampleFormat::Csv => {
            let mut ws = Vec::new();
            for t in Table::ALL {
                let p = out.join(format!("{}.csv", t.zh()));
                let f = std::io::BufWriter::with_capacity(
                    1 << 20,
                    std::fs::File::create(&p).map_err(io_err(&p))?,
                );
                let w: Box<dyn Write> = match o.encoding {
                    SampleEncoding::Gbk => Box::new(GbkWriter {
                        inner: f,
                        pending: Vec::new(),
                    }),
                    SampleEncoding::Utf8 => Box::new(f),
                };
                let mut c = csv::WriterBuilder::new().flexible(true).from_writer(w);
                c.write_record(spec(t).iter().map(|c| c.zh))
                    .map_err(|e| Error::Output {
                        path: p.clone(),
                        source: e.into(),
                    })?;
                ws.push(c);
            }
            Out::Csv(ws)
        }
        SampleFormat::Xlsx => workbook_sink(out, o.year)?,
    };
    let mut stats = SampleStats::default();
    let mut expect: Vec<Expect> = Vec::new();
    for ix in 0..o.cases {
        let defect = if g.rng.random_bool(o.rate.clamp(0.0, 1.0)) {
            Some(*Defect::ALL.choose(&mut g.rng).unwrap())
        } else {
            None
        };
        let c = make_case(&mut g, ix, defect);
        stats.planted += usize::from(c.planted);
        expect.extend(c.expect);
        for (t, sheet) in c.sheets.into_iter().enumerate() {
            stats.rows[t] += sheet.rows.len();
            sink.rows(t, &sheet.rows, out)?;
        }
        // Bundle-level defects: footage with no case; a service row with an unknown 案号.
        if g.rng.random_bool(0.01 * o.rate.clamp(0.0, 1.0) / 0.85) {
            let mut media = Sheet::new(Table::Media);
            let s = dt(
                NaiveDate::from_ymd_opt(o.year, 6, 1).unwrap()
                    + Duration::days(g.rng.random_range(0..150)),
                9,
                0,
            );
            let id = format!("MV-ORPHAN-{:07}", ix + 1);
            media.push(&[
                ("文件编号", id.clone()),
                ("设备编号", "JLY-999".into()),
                ("执法人员", g.person()),
                ("当事人", g.company()),
                ("承办人", g.person()),
                ("开始时间", fmt_dt(s)),
                ("结束时间", fmt_dt(s + Duration::minutes(12))),
                ("入库时间", fmt_dt(s + Duration::minutes(60))),
                ("开场语音说明", "是".into()),
                ("证据用途", "否".into()),
            ]);
            expect.push(Expect {
                profiles: P2 | P3 | P4,
                rule: "V04",
                case_no: String::new(),
                subject: id,
            });
            let t = Table::Media as usize;
            stats.rows[t] += 1;
            sink.rows(t, &media.rows, out)?;
        }
        if g.rng.random_bool(0.005 * o.rate.clamp(0.0, 1.0) / 0.85) {
            let mut svc = Sheet::new(Table::Services);
            let ghost = format!("未登记〔{}〕{}号", o.year, ix + 1);
            svc.push(&[
                ("案号", ghost.clone()),
                ("送达文书", "行政处罚决定书".into()),
                ("送达方式", "直接送达".into()),
                (
                    "送达时间",
                    fmt_min(dt(NaiveDate::from_ymd_opt(o.year, 7, 1).unwrap(), 10, 0)),
                ),
            ]);
            let t = Table::Services as usize;
            stats.rows[t] += 1;
            let row = stats.rows[t] + 1;
            let subject = match o.format {
                SampleFormat::Csv => format!("{}.csv:{row}", Table::Services.zh()),
                SampleFormat::Xlsx => format!("sample.xlsx[{}]:{row}", Table::Services.zh()),
            };
            expect.push(Expect {
                profiles: ALL,
                rule: "Q01",
                case_no: ghost,
                subject,
            });
            sink.rows(t, &svc.rows, out)?;
        }
    }
    sink.finish(out)?;
    let gt = out.join("ground-truth.csv");
    let mut w = csv::Writer::from_path(&gt).map_err(|e| Error::Output {
        path: gt.clone(),
        source: e.into(),
    })?;
    w.write_record(["profile", "rule", "case_no", "subject"])
        .map_err(|e| Error::Output {
            path: gt.clone(),
            source: e.into(),
        })?;
    for (pi, p) in PROFILES.iter().enumerate() {
        for e in expect.iter().filter(|e| e.profiles & (1 << pi) != 0) {
            stats.expected[pi] += 1;
            w.write_record([*p, e.rule, &e.case_no, &e.subject])
                .map_err(|e| Error::Output {
                    path: gt.clone(),
                    source: e.into(),
                })?;
        }
    }
    w.flush().map_err(io_err(&gt))?;
    let info = serde_json::json!({
        "seed": o.seed,
        "cases": o.cases,
        "rate": o.rate,
        "year": o.year,
        "as_of": as_of(o.year).to_string(),
        "rows": stats.rows,
        "cases_with_planted_defect": stats.planted,
        "expected_findings": PROFILES.iter().zip(stats.expected).map(|(p, n)| (p.to_string(), n)).collect::<std::collections::BTreeMap<_, _>>(),
    });
    let ip = out.join("sample.json");
    std::fs::write(
        &ip,
        serde_json::to_string_pretty(&info).unwrap_or_default() + "\n",
    )
    .map_err(io_err(&ip))?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_too_long_for_an_xlsx_sheet_is_refused_in_chinese() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = workbook_sink(dir.path(), 2024).unwrap();
        let row = vec![vec!["测罚〔2024〕1号".to_string()]];
        let t = Table::Documents as usize;
        sink.rows(t, &row, dir.path()).unwrap();
        if let Out::Xlsx { next, .. } = &mut sink {
            next[t] = MAX_SHEET_ROW as u32;
        }
        sink.rows(t, &row, dir.path())
            .expect("the sheet's last row is still free");
        let Err(Error::Config(message)) = sink.rows(t, &row, dir.path()) else {
            panic!("a row past the sheet's end is refused");
        };
        assert!(message.contains("「文书记录」已超出"), "{message}");
        assert!(message.contains("--format csv"), "{message}");
        assert!(
            !dir.path().join(SAMPLE_XLSX).exists(),
            "nothing is saved before the end"
        );
    }
}
