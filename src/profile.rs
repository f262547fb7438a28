//! Rule profiles: one TOML file per regulation (profiles/*.toml, compiled in), or a
//! bureau's own copy passed as `--profile path.toml`. A profile says which rules apply
//! with which article, the deadlines and their units, the filming duties and the labels.

use crate::error::{Error, Result};
use crate::model::{ActivityKind, Category, ServiceMethod};
use crate::rules::{registry, Severity};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The shipped profiles: (id, TOML text).
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "district-2018",
        include_str!("../profiles/district-2018.toml"),
    ),
    ("henan-2019", include_str!("../profiles/henan-2019.toml")),
    (
        "pingluo-veterans",
        include_str!("../profiles/pingluo-veterans.toml"),
    ),
    (
        "jinpu-justice",
        include_str!("../profiles/jinpu-justice.toml"),
    ),
    (
        "lingshou-approval",
        include_str!("../profiles/lingshou-approval.toml"),
    ),
];

/// How a deadline counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Exactly N hours after the event.
    Hours,
    /// The end of calendar day N (the event's day is day 0).
    Days,
    /// The end of the N-th working day after the event's day.
    WorkingDays,
    /// The end of the event's own day (henan-2019 "当天").
    EndOfDay,
}

/// A deadline: an amount and its unit.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// The amount (ignored for `end_of_day`).
    pub n: u32,
    /// The unit.
    pub unit: Unit,
}

impl Deadline {
    /// Chinese wording, e.g. `30 日`, `20 个工作日`, `24 小时`, `当日`.
    pub fn zh(&self) -> String {
        match self.unit {
            Unit::Hours => format!("{} 小时", self.n),
            Unit::Days => format!("{} 日", self.n),
            Unit::WorkingDays => format!("{} 个工作日", self.n),
            Unit::EndOfDay => "当日".to_string(),
        }
    }
}

/// The deadlines and tolerances of a profile.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// Archive deadline after 终结日期 (A01, A02).
    pub archive: Deadline,
    /// Footage storage deadline after the recording ends (V03).
    pub storage: Deadline,
    /// Remote / out-of-town exception: hours after 返回单位时间 (V03), where the text has one.
    #[serde(default)]
    pub remote_storage_hours: Option<u32>,
    /// Hours within which an urgent start must be approved (S02).
    #[serde(default)]
    pub urgent_approval_hours: Option<u32>,
    /// Days after service before a missing performance record is a finding (E01).
    #[serde(default = "default_grace")]
    pub e01_grace_days: u32,
    /// Longest gap in `full` footage that is not an interruption (V02).
    #[serde(default = "default_tolerance")]
    pub gap_tolerance_seconds: u32,
    /// A calendar-day deadline ending on a holiday moves to the next working day.
    #[serde(default)]
    pub extend_over_holiday: bool,
}

/// The longest deadline a profile may set: ten years, in days. No regulation sets one
/// near it, so a longer one is a slip of the keyboard (and one of hundreds of millions of
/// days would carry a date past the calendar's end).
const LONGEST_DEADLINE_DAYS: u32 = 3650;

impl Deadlines {
    /// Each deadline within [`LONGEST_DEADLINE_DAYS`], or the first that is not, in words.
    fn check(&self) -> std::result::Result<(), String> {
        let hours = |n| Deadline {
            n,
            unit: Unit::Hours,
        };
        let days = |n| Deadline {
            n,
            unit: Unit::Days,
        };
        let mut all = vec![
            ("archive", self.archive),
            ("storage", self.storage),
            ("e01_grace_days", days(self.e01_grace_days)),
        ];
        all.extend(
            self.remote_storage_hours
                .map(|h| ("remote_storage_hours", hours(h))),
        );
        all.extend(
            self.urgent_approval_hours
                .map(|h| ("urgent_approval_hours", hours(h))),
        );
        for (name, d) in all {
            // The limit in the deadline's own unit (hours: the days and their hours).
            let limit = match d.unit {
                Unit::Hours if d.n > LONGEST_DEADLINE_DAYS * 24 => format!(
                    "{LONGEST_DEADLINE_DAYS} 日（{}）",
                    hours(LONGEST_DEADLINE_DAYS * 24).zh()
                ),
                Unit::Days | Unit::WorkingDays if d.n > LONGEST_DEADLINE_DAYS => Deadline {
                    n: LONGEST_DEADLINE_DAYS,
                    unit: d.unit,
                }
                .zh(),
                _ => continue,
            };
            return Err(format!("期限 {name} 为 {}，超过 {limit}的上限", d.zh()));
        }
        Ok(())
    }
}

fn default_grace() -> u32 {
    30
}
fn default_tolerance() -> u32 {
    60
}

/// Scope differences between the texts (RULES.md "Scope differences the texts imply").
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// D02 covers every 一般程序 行政处罚 decision, not only major ones.
    #[serde(default)]
    pub d02_all_general_penalties: bool,
    /// X01 covers 调阅 as well as 复制 and 对外提供.
    #[serde(default)]
    pub x01_covers_consult: bool,
    /// A 案件处理审批表 reviewed by the legal office with the opinion in 备注 or 法制审核意见
    /// counts as legal review (D02).
    #[serde(default)]
    pub legal_review_on_approval_form: bool,
    /// T06 checks the postal receipt only (not the tracking number).
    #[serde(default)]
    pub t06_receipt_only: bool,
    /// T04 checks the notice medium only (not the prior attempts).
    #[serde(default)]
    pub t04_medium_only: bool,
    /// A written 未录像说明 excuses missing footage of a `yes` activity (V01, T03).
    #[serde(default)]
    pub no_film_reason_excuses: bool,
    /// Service methods T07 covers.
    #[serde(default)]
    pub t07_methods: Vec<String>,
}

/// A media label a profile requires, and the column that carries it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    /// The label's name in the regulation (取证人员, 证明对象 …).
    pub label: String,
    /// The media column: case_no, party, handler, device_id, officers, started_at, maker,
    /// maker_or_officers, proves, method, place.
    pub column: String,
}

/// Labels that footage must carry (V04) and that evidence footage must carry (V07).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// V04 labels.
    #[serde(default)]
    pub v04: Vec<Label>,
    /// V07 labels.
    #[serde(default)]
    pub v07: Vec<Label>,
}

/// The filming duty of an activity kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// Filmed from arrival to departure.
    Full,
    /// Must be filmed.
    Yes,
    /// Filmed where appropriate: missing footage is a warning.
    Should,
}

impl Duty {
    /// The severity of missing footage under this duty.
    pub fn severity(self) -> Severity {
        match self {
            Duty::Full | Duty::Yes => Severity::Violation,
            Duty::Should => Severity::Warning,
        }
    }
}

/// One row of the filming table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filming {
    /// The duty.
    pub duty: Duty,
    /// The article that sets it, qualified with the seed text's number when the profile is
    /// read (`第十五条` → `000:第十五条`): one shared string for every finding of the duty.
    pub article: Arc<str>,
    /// Only in cases of these 执法类别 (empty: all).
    #[serde(default)]
    pub categories: Vec<String>,
}

/// A rule as the profile switches it on.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    /// Article of this profile's text (`第八条`) or of a national law (`行政处罚法:第四十二条`).
    #[serde(default)]
    pub article: Option<String>,
    /// Overrides the rule's default severity.
    #[serde(default)]
    pub severity: Option<Severity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileFile {
    id: String,
    seed: String,
    regulation: String,
    issuer: String,
    deadlines: Deadlines,
    #[serde(default)]
    scope: Scope,
    #[serde(default)]
    labels: Labels,
    rules: BTreeMap<String, RuleSetting>,
    #[serde(default)]
    filming: BTreeMap<String, Filming>,
}

/// A validated profile, ready for the rules.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Profile id (`district-2018`).
    pub id: String,
    /// Seed number of the text (`000`).
    pub seed: String,
    /// Title of the regulation.
    pub regulation: String,
    /// Issuing level.
    pub issuer: String,
    /// Deadlines.
    pub deadlines: Deadlines,
    /// Scope switches.
    pub scope: Scope,
    /// Label requirements.
    pub labels: Labels,
    /// Rules in force, by code.
    pub rules: BTreeMap<String, RuleSetting>,
    /// Filming duties by activity kind.
    pub filming: BTreeMap<ActivityKind, Filming>,
    /// T07 methods, parsed.
    pub t07_methods: Vec<ServiceMethod>,
}

/// Media columns a label may name.
pub const LABEL_COLUMNS: &[&str] = &[
    "case_no",
    "party",
    "handler",
    "device_id",
    "officers",
    "started_at",
    "maker",
    "maker_or_officers",
    "proves",
    "method",
    "place",
];

/// Qualify `article` with the number `seed` of the profile's seed text: `第八条` →
/// `000:第八条`; `行政处罚法:第四十二条` stays; blank → ``.
fn qualify(seed: &str, article: &str) -> String {
    if article.is_empty() || article.contains(':') {
        article.to_string()
    } else {
        format!("{seed}:{article}")
    }
}

impl Profile {
    /// Parse and validate profile TOML; `origin` names it in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Profile> {
        let bad = |m: String| Error::Config(format!("规则配置 {origin} 无效：{m}"));
        let f: ProfileFile =
            toml::from_str(text).map_err(|e| bad(crate::error::toml_zh(&e, text)))?;
        f.deadlines.check().map_err(bad)?;
        for code in f.rules.keys() {
            if registry::find(code).is_none() {
                return Err(bad(format!("未知的规则代码「{code}」")));
            }
        }
        let mut filming = BTreeMap::new();
        for (kind, mut v) in f.filming {
            let k = ActivityKind::from_builtin(&kind)
                .ok_or_else(|| bad(format!("未知的活动类型「{kind}」")))?;
            for c in &v.categories {
                Category::from_builtin(c).ok_or_else(|| bad(format!("未知的执法类别「{c}」")))?;
            }
            v.article = qualify(&f.seed, &v.article).into();
            filming.insert(k, v);
        }
        for l in f.labels.v04.iter().chain(&f.labels.v07) {
            if !LABEL_COLUMNS.contains(&l.column.as_str()) {
                return Err(bad(format!("标注「{}」的列「{}」无效", l.label, l.column)));
            }
        }
        let t07_methods = f
            .scope
            .t07_methods
            .iter()
            .map(|m| {
                ServiceMethod::from_builtin(m).ok_or_else(|| bad(format!("未知的送达方式「{m}」")))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Profile {
            id: f.id,
            seed: f.seed,
            regulation: f.regulation,
            issuer: f.issuer,
            deadlines: f.deadlines,
            scope: f.scope,
            labels: f.labels,
            rules: f.rules,
            filming,
            t07_methods,
        })
    }

    /// A shipped profile by id, or a profile file by path.
    pub fn load(id_or_path: &str) -> Result<Profile> {
        if let Some((_, text)) = SHIPPED.iter().find(|(id, _)| *id == id_or_path) {
            return Profile::parse(text, id_or_path);
        }
        let p = std::path::Path::new(id_or_path);
        if p.is_file() {
            let text = crate::error::read_config(p, "规则配置")?;
            return Profile::parse(&text, id_or_path);
        }
        let ids: Vec<&str> = SHIPPED.iter().map(|(id, _)| *id).collect();
        Err(Error::Config(format!(
            "未知的规则配置「{id_or_path}」：可用的有 {}，或给出 .toml 文件路径",
            ids.join("、")
        )))
    }

    /// All shipped profiles.
    pub fn shipped() -> Vec<Profile> {
        SHIPPED
            .iter()
            .map(|(id, t)| Profile::parse(t, id).expect("shipped profiles are valid"))
            .collect()
    }

    /// Is the rule in force?
    pub fn has(&self, code: &str) -> bool {
        self.rules.contains_key(code)
    }

    /// The qualified article of a rule in this profile.
    pub fn article(&self, code: &str) -> String {
        self.rules
            .get(code)
            .and_then(|r| r.article.as_deref())
            .map(|a| qualify(&self.seed, a))
            .unwrap_or_default()
    }

    /// The filming duty of an activity kind in a case of the given category.
    pub fn duty(&self, kind: ActivityKind, category: Option<Category>) -> Option<&Filming> {
        self.filming.get(&kind).filter(|f| {
            f.categories.is_empty()
                || category.is_some_and(|c| {
                    f.categories
                        .iter()
                        .any(|x| Category::from_builtin(x) == Some(c))
                })
        })
    }

    /// The title of the regulation with an article, for human outputs:
    /// `000:第三十二条` → `《…》第三十二条`.
    pub fn article_title(&self, article: &str) -> String {
        match article.split_once(':') {
            Some((seed, a)) if seed == self.seed => format!("《{}》{}", self.regulation, a),
            Some((law, a)) => format!("《中华人民共和国{law}》{a}"),
            None => article.to_string(),
        }
    }
}
