//! The run: command-line arguments → a validated plan (profiles, rubric, calendar, inputs)
//! → ingest → rules → scoring → outputs. `main` only maps the result to an exit code.

use crate::calendar::Calendar;
use crate::cli::{AuditArgs, CheckArgs, TableArgs};
use crate::error::{Error, Result};
use crate::ingest::{check_bundle, mapping::Mapping, read_bundle, Inputs};
use crate::model::{Bundle, DataProblem, Table};
use crate::profile::Profile;
use crate::report::{self, ReportView, RunMeta, Staged};
use crate::rules::engine::{self, Judges};
use crate::rules::{RunCx, Severity};
use crate::scoring::{self, Rubric, Waiver};
use std::collections::HashMap;
use std::path::PathBuf;

/// Today in Asia/Shanghai (UTC+8, no daylight saving).
pub fn today_shanghai() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

fn inputs(bundle: Option<PathBuf>, t: &TableArgs) -> Result<Inputs> {
    let mapping = match &t.mapping {
        Some(p) => Mapping::load(p)?,
        None => Mapping::default(),
    };
    let mut tables = Vec::new();
    for (table, p) in [
        (Table::Cases, &t.cases),
        (Table::Documents, &t.documents),
        (Table::Services, &t.services),
        (Table::Activities, &t.activities),
        (Table::Media, &t.media),
        (Table::Access, &t.access),
    ] {
        if let Some(p) = p {
            tables.push((table, p.clone()));
        }
    }
    if bundle.is_none() && tables.is_empty() {
        return Err(Error::Input(
            "未指定输入：请给出数据包（文件夹、工作簿或 zip 压缩包），或用 --cases 等逐表指定文件"
                .into(),
        ));
    }
    Ok(Inputs {
        bundle,
        tables,
        mapping,
        fixity: false,
    })
}

/// Everything an audit needs, validated before any input is read.
pub struct AuditPlan {
    /// Inputs.
    pub inputs: Inputs,
    /// Profiles and the agency map.
    pub judges: Judges,
    /// Rubric.
    pub rubric: Rubric,
    /// Waivers.
    pub waivers: Vec<Waiver>,
    /// Calendar.
    pub calendar: Calendar,
    /// Audit date.
    pub as_of: chrono::NaiveDate,
    /// Output folder.
    pub out: PathBuf,
    /// Media root for V06.
    pub media_root: Option<PathBuf>,
    /// `--fail-on`.
    pub fail_on: Option<Severity>,
    /// Bureau name.
    pub bureau: String,
    /// CJK font for the PDF report, parsed while the bundle is read.
    pub font: crate::report::pdf::FontChoice,
    /// Report wording.
    pub templates: crate::report::pdf::Templates,
    /// The review window.
    pub window: Option<crate::window::Window>,
    /// A previous run's output folder.
    pub baseline: Option<PathBuf>,
    /// Where the fixity hash cache lives.
    pub cache_dir: PathBuf,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ProfileMapFile {
    agencies: std::collections::BTreeMap<String, String>,
}

impl AuditPlan {
    /// Validate the arguments: configuration errors are exit code 4, input errors 2.
    pub fn from_args(a: &AuditArgs) -> Result<AuditPlan> {
        let default = Profile::load(&a.profile)?;
        let mut judges = Judges::single(default);
        if let Some(p) = &a.profile_map {
            let text = crate::error::read_config(p, "配置对应表")?;
            let m: ProfileMapFile = toml::from_str(&text).map_err(|e| {
                Error::Config(format!(
                    "配置对应表 {} 无效：{}",
                    p.display(),
                    crate::error::toml_zh(&e, &text)
                ))
            })?;
            let mut loaded: HashMap<String, usize> = HashMap::new();
            loaded.insert(a.profile.clone(), 0);
            for (agency, prof) in m.agencies {
                let ix = match loaded.get(&prof) {
                    Some(ix) => *ix,
                    None => {
                        judges.profiles.push(Profile::load(&prof)?);
                        loaded.insert(prof.clone(), judges.profiles.len() - 1);
                        judges.profiles.len() - 1
                    }
                };
                judges.by_agency.insert(agency.trim().to_string(), ix);
            }
        }
        let rubric = match &a.rubric {
            Some(p) => Rubric::load(p)?,
            None => Rubric::default_rubric(),
        };
        let waivers = match &a.waivers {
            Some(p) => scoring::load_waivers(p)?,
            None => Vec::new(),
        };
        let mut calendar = Calendar::shipped();
        for c in &a.calendar {
            calendar.add_file(c)?;
        }
        let as_of = match &a.as_of {
            Some(s) => crate::ingest::cells::parse_stamp_text(s)
                .map(|s| s.date())
                .ok_or_else(|| Error::Config(format!("评查基准日「{s}」无效，应为 YYYY-MM-DD")))?,
            None => today_shanghai(),
        };
        let fail_on = match &a.fail_on {
            Some(s) => Some(Severity::parse(s).ok_or_else(|| {
                Error::Config(format!(
                    "--fail-on 的取值「{s}」无效：应为 违规/violation、警告/warning 或 提示/info"
                ))
            })?),
            None => None,
        };
        if let Some(r) = &a.media_root {
            if !r.is_dir() {
                return Err(Error::Config(format!(
                    "音像文件根目录 {} 不存在",
                    r.display()
                )));
            }
        }
        let window =
            crate::window::Window::parse(a.period.as_deref(), a.from.as_deref(), a.to.as_deref())?;
        if let Some(b) = &a.baseline {
            if !b.join("findings.jsonl").is_file() {
                return Err(Error::Config(format!(
                    "上期评查结果文件夹 {} 中没有 findings.jsonl",
                    b.display()
                )));
            }
        }
        let font = crate::report::pdf::FontChoice::locate(a.font.as_deref())?;
        let templates = crate::report::pdf::Templates::load(a.templates.as_deref())?;
        let mut inputs = inputs(a.bundle.clone(), &a.tables)?;
        inputs.fixity = a.media_root.is_some();
        Ok(AuditPlan {
            window,
            baseline: a.baseline.clone(),
            cache_dir: a
                .cache_dir
                .clone()
                .unwrap_or_else(crate::fixity::default_cache_dir),
            font,
            templates,
            inputs,
            judges,
            rubric,
            waivers,
            calendar,
            as_of,
            out: a.out.clone(),
            media_root: a.media_root.clone(),
            fail_on,
            bureau: a.bureau.clone(),
        })
    }
}

/// What an audit reports back to the command line.
pub struct AuditResult {
    /// Findings (not waived) by severity.
    pub by_severity: [u32; 3],
    /// Cases audited.
    pub cases: usize,
    /// Data problems.
    pub problems: usize,
    /// Rules not evaluated: (profile, rule, reason).
    pub not_evaluated: Vec<(String, String, String)>,
    /// Whether `--fail-on` was reached.
    pub failed_threshold: bool,
    /// Change-tracking counts by status, when a baseline was given.
    pub tracking: Vec<(String, usize)>,
    /// Lines of the waivers file whose waiver matched no finding.
    pub unmatched_waivers: Vec<u32>,
    /// 执法机关 of `--profile-map` with no case in the export, with the note to show.
    pub profile_map_note: Option<String>,
    /// Wall time.
    pub seconds: f64,
}

fn input_label(i: &Inputs) -> String {
    let mut parts: Vec<String> = i.bundle.iter().map(|b| b.display().to_string()).collect();
    parts.extend(
        i.tables
            .iter()
            .map(|(t, p)| format!("{}={}", t.en(), p.display())),
    );
    parts.join(" ")
}

/// What a long run tells the person (or the log) while it works.
pub trait Progress: Sync {
    /// A stage begins (读取数据, 评查, 评分, 写出结果).
    fn stage(&self, name: &str);
    /// An output file is written, in `seconds` of its own (outputs are written in
    /// parallel, so these overlap within the 写出结果 stage).
    fn written(&self, _file: &str, _seconds: f64) {}
}

/// No progress output (tests, `--quiet`).
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _: &str) {}
}

/// Hold the output folder for this run: a second scan into the same folder stops with exit
/// code 5. The OS releases the lock when the process ends, however it ends.
fn lock_output(dir: &std::path::Path) -> Result<std::fs::File> {
    let p = dir.join(".trailcheck.lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&p)
        .map_err(|source| Error::Output {
            path: p.clone(),
            source,
        })?;
    match f.try_lock() {
        Ok(()) => Ok(f),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Locked(format!(
            "另一个评查任务正在使用输出文件夹 {}，本次评查未执行",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(source)) => Err(Error::Output { path: p, source }),
    }
}

/// What to say of the 执法机关 `--profile-map` names that have no case in the export
/// (before any review window), or nothing when every one has cases: most likely a name
/// spelt differently from the register, whose cases the default profile then judges.
fn profile_map_note(judges: &Judges, bundle: &Bundle) -> Option<String> {
    if judges.by_agency.is_empty() {
        return None;
    }
    let present: std::collections::HashSet<&str> =
        bundle.agency_runs().map(|run| &*run[0].agency).collect();
    let mut missing: Vec<String> = judges
        .by_agency
        .keys()
        .filter(|a| !present.contains(a.as_str()))
        .map(|a| format!("「{a}」"))
        .collect();
    if missing.is_empty() {
        return None;
    }
    missing.sort();
    Some(format!(
        "配置对应表中有 {} 个执法机关在案件登记中没有案件：{}；请核对名称是否与案件登记一致（未列入对应表的机关按默认配置 {} 评查）",
        missing.len(),
        missing.join("、"),
        judges.profiles[0].id
    ))
}

/// Run an audit end to end.
pub fn audit(plan: &AuditPlan) -> Result<AuditResult> {
    audit_with(plan, &Silent)
}

/// Run an audit end to end, reporting stages to `progress`.
pub fn audit_with(plan: &AuditPlan, progress: &dyn Progress) -> Result<AuditResult> {
    let started = std::time::Instant::now();
    let generated_at = (chrono::Utc::now() + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    std::fs::create_dir_all(&plan.out).map_err(|source| Error::Output {
        path: plan.out.clone(),
        source,
    })?;
    let _lock = lock_output(&plan.out)?;
    let mut log = vec![
        format!("开始：{generated_at}"),
        format!("输入：{}", input_label(&plan.inputs)),
    ];

    progress.stage("读取数据");
    let (font, bundle) = rayon::join(|| plan.font.load(), || read_bundle(&plan.inputs));
    let font = font?;
    let mut bundle = bundle?;
    let map_note = profile_map_note(&plan.judges, &bundle);
    log.extend(map_note.clone());
    let total_cases = bundle.cases.len();
    if let Some(w) = &plan.window {
        bundle.retain_cases(|c| w.has_case(c), |m| w.has_stamp(m.started_at));
        log.push(format!(
            "评查期间：{}，纳入案卷 {} 件（共 {total_cases} 件）",
            w.label,
            bundle.cases.len()
        ));
    }
    let mut cache_note = None;
    let fixity = match &plan.media_root {
        Some(r) => {
            progress.stage("核验音像文件");
            let cache = crate::fixity::HashCache::load(&plan.cache_dir);
            let fx = crate::fixity::check_all(r, &bundle, Some(&cache));
            let (hashed, reused) = (
                cache.hashed.load(std::sync::atomic::Ordering::Relaxed),
                cache.reused.load(std::sync::atomic::Ordering::Relaxed),
            );
            let rebuilt = if cache.rebuilt {
                "（缓存文件已损坏，已重建）"
            } else {
                ""
            };
            cache_note = Some(format!(
                "音像文件核验：计算哈希 {hashed} 个，沿用缓存 {reused} 个{rebuilt}"
            ));
            if let Err(e) = cache.save(&plan.cache_dir) {
                log.push(format!(
                    "哈希缓存无法保存到 {}：{}",
                    plan.cache_dir.display(),
                    crate::error::io_zh(&e)
                ));
            }
            Some(fx)
        }
        None => None,
    };
    log.extend(cache_note);

    progress.stage("评查");
    let outcome = {
        let run = RunCx {
            bundle: &bundle,
            calendar: &plan.calendar,
            as_of: plan.as_of,
            fixity: fixity.as_deref(),
        };
        engine::run(&run, &plan.judges)
    };
    for y in &outcome.calendar_missing {
        bundle.problems.push(DataProblem {
            file: "（节假日日历）".into(),
            sheet: None,
            row: 0,
            column: String::new(),
            raw: y.to_string(),
            message: format!("日历中没有 {y} 年的节假日数据，按工作日计算且期限落在该年的项目未评查；可用 --calendar 补充"),
            count: 1,
        });
    }
    let mut findings = outcome.findings;
    if let Some(w) = &plan.window {
        findings.retain(|f| w.has_stamp(f.at));
    }
    let tracking = match &plan.baseline {
        Some(dir) => Some(crate::tracking::track(&mut findings, dir, &bundle)?),
        None => None,
    };
    // The run's peak of memory is here, the rows and the findings held together; scoring
    // and the outputs read only the cases of the bundle, so the other rows go first.
    bundle.release_rows();
    progress.stage("评分");
    let (scores, waived) = scoring::score(&bundle, &mut findings, &plan.waivers, &plan.rubric);
    let meta = RunMeta {
        version: env!("CARGO_PKG_VERSION").to_string(),
        as_of: plan.as_of,
        generated_at,
        bureau: plan.bureau.clone(),
        period: plan.window.as_ref().map(|w| w.label.clone()),
        input: input_label(&plan.inputs),
        media_root: plan.media_root.as_ref().map(|p| p.display().to_string()),
        seconds: started.elapsed().as_secs_f64(),
    };
    let calendar_missing: Vec<i32> = outcome.calendar_missing.iter().copied().collect();
    let mapped: Vec<(String, usize)> = bundle
        .agency_runs()
        .map(|run| &run[0].agency)
        .filter_map(|a| {
            let ix = plan.judges.for_agency(a);
            (ix != 0).then(|| (a.to_string(), ix))
        })
        .collect();
    let view = ReportView {
        meta: &meta,
        bundle: &bundle,
        profiles: &plan.judges.profiles,
        mapped: &mapped,
        findings: &findings,
        waived: &waived,
        waivers: &plan.waivers,
        scores: &scores,
        rubric: &plan.rubric,
        not_evaluated: &outcome.not_evaluated,
        calendar_missing: &calendar_missing,
        tracking: tracking.as_ref(),
    };

    progress.stage("写出结果");
    let timings = std::sync::Mutex::new(Vec::new());
    let timed = |name: &str, write: &dyn Fn(&std::path::Path) -> Result<Staged>| {
        let t = std::time::Instant::now();
        let staged = write(&plan.out.join(name))?;
        let seconds = t.elapsed().as_secs_f64();
        progress.written(name, seconds);
        if let Ok(mut v) = timings.lock() {
            v.push(format!("写出 {name}：{seconds:.2} 秒"));
        }
        Ok(staged)
    };
    // The machine-readable results: the two findings files side by side (each serialised
    // in parallel parts while the parts before are written), then summary.json.
    let findings_files = || -> Result<Vec<Staged>> {
        let (csv, jsonl) = rayon::join(
            || {
                timed("findings.csv", &|p| {
                    report::stage(p, |w| report::findings::write_csv(&view, w))
                })
            },
            || {
                timed("findings.jsonl", &|p| {
                    report::stage(p, |w| report::findings::write_jsonl(&view, w))
                })
            },
        );
        let summary = timed("summary.json", &|p| {
            report::stage(p, |w| report::summary::write(&view, w))
        });
        Ok(vec![csv?, jsonl?, summary?])
    };
    let workbook = || timed("report.xlsx", &|p| report::xlsx::write(&view, p));
    let pdf = || {
        timed("report.pdf", &|p| {
            report::pdf::write(&view, &font, &plan.templates, p)
        })
    };
    // The workbook is the largest output; its large sheets are filled in parallel, one
    // core each. When the findings span several 问题清单 sheets, those sheets keep both
    // cores busy: the findings files go first, on both cores, and are ready sooner at no
    // cost to the workbook. With one 问题清单 sheet, that sheet keeps one core busy and the
    // findings files are written beside it on the other (written first they would leave
    // that core idle: 0.9 s longer at 100,000 cases).
    let (book, rest) = if report::xlsx::findings_sheets(&view) > 1 {
        let mut files = findings_files()?;
        let (book, pdf) = rayon::join(workbook, pdf);
        files.push(pdf?);
        (book, Ok(files))
    } else {
        rayon::join(workbook, || {
            let mut files = findings_files()?;
            files.push(pdf()?);
            Ok(files)
        })
    };
    // Every output is complete before any takes its place: a failure above leaves the
    // folder's earlier outputs as they were, and removes the temporary files.
    let (book, mut outputs) = (book?, rest?);
    outputs.push(book);
    for staged in outputs {
        staged.commit()?;
    }
    log.extend(timings.into_inner().unwrap_or_default());

    let failed_threshold = plan.fail_on.is_some_and(|t| {
        findings
            .iter()
            .zip(&waived)
            .any(|(f, w)| !w && f.severity <= t)
    });
    let result = AuditResult {
        by_severity: scores.by_severity,
        cases: bundle.cases.len(),
        problems: bundle.problems.len(),
        not_evaluated: outcome
            .not_evaluated
            .iter()
            .map(|n| {
                (
                    n.profile.clone(),
                    format!("{} {}", n.rule, n.title),
                    n.reason.clone(),
                )
            })
            .collect(),
        failed_threshold,
        tracking: tracking
            .map(|t| {
                t.counts
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect()
            })
            .unwrap_or_default(),
        unmatched_waivers: scores.unmatched_waivers.clone(),
        profile_map_note: map_note,
        seconds: started.elapsed().as_secs_f64(),
    };
    log.push(result.one_line(&plan.out));
    log.extend(result.waiver_note());
    for (p, rule, reason) in &result.not_evaluated {
        log.push(format!("未评查：{rule}（{p}）：{reason}"));
    }
    log.push(format!(
        "用时 {:.2} 秒；退出码 {}",
        result.seconds,
        if failed_threshold { 1 } else { 0 }
    ));
    report::write_atomic(&plan.out.join("run.log"), |w| {
        w.write_all((log.join("\n") + "\n").as_bytes())
    })?;
    // Freeing tens of millions of rows takes seconds: it is done off the caller's path
    // (a CLI run exits without waiting for it).
    std::thread::spawn(move || drop((bundle, findings, scores, waived)));
    Ok(result)
}

impl AuditResult {
    /// The note a scan writes to stderr and run.log when waivers matched no finding.
    pub fn waiver_note(&self) -> Option<String> {
        scoring::unmatched_waivers_note(&self.unmatched_waivers)
    }

    /// The one-line result a scan writes to stderr and to run.log.
    pub fn one_line(&self, out: &std::path::Path) -> String {
        let tracking = if self.tracking.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = self
                .tracking
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            format!("（{}）", parts.join("，"))
        };
        format!(
            "评查完成：{} 件案卷，违规 {} 项，警告 {} 项，提示 {} 项{tracking}，数据问题 {} 个；结果已写入 {}",
            self.cases,
            self.by_severity[0],
            self.by_severity[1],
            self.by_severity[2],
            self.problems,
            out.display()
        )
    }
}

/// `trailcheck check`: read and validate, return the bundle for the summary.
pub fn check(a: &CheckArgs) -> Result<Bundle> {
    let i = inputs(a.bundle.clone(), &a.tables)?;
    let standalone = a.tables.cases.is_none() && a.bundle.is_none();
    check_bundle(&i, standalone)
}
