//! trailcheck command line: parse, run, map the outcome to an exit code (README.md).

use std::process::ExitCode;
use trailcheck::audit::{self, AuditPlan};
use trailcheck::cli::Command;
use trailcheck::error::Error;
use trailcheck::model::Table;
use trailcheck::profile::Profile;
use trailcheck::rules::registry::RULES;

/// mimalloc reuses the memory of freed row buffers within a thread, where the system
/// allocator returns large blocks to the kernel and takes them back as fresh, zeroed pages.
/// Wrapped so that a damaged workbook asking for more memory than the machine has stops
/// the run with a message (`ingest::guard`).
#[global_allocator]
static ALLOC: trailcheck::ingest::guard::WorkbookAlloc<mimalloc::MiMalloc> =
    trailcheck::ingest::guard::WorkbookAlloc(mimalloc::MiMalloc);

/// Write to standard output. A reader that stops early (`trailcheck rules | head`) ends
/// the listing quietly with exit 0, where `println!` would panic on the broken pipe; any
/// other failure to write is an output error (exit 3).
fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("错误：无法写出到标准输出：{}", trailcheck::error::io_zh(&e));
        std::process::exit(3);
    }
}

/// `print!` through [`write_stdout`].
macro_rules! out {
    ($($t:tt)*) => { write_stdout(format_args!($($t)*)) };
}

/// `println!` through [`write_stdout`].
macro_rules! outln {
    ($($t:tt)*) => { write_stdout(format_args!("{}\n", format_args!($($t)*))) };
}

/// A CSV file is read mapped (`ingest::csvfile`): when another program cuts the file
/// short while it is read, the missing pages raise SIGBUS, whose default is a crash with
/// no word. Stop instead with the input error's exit code and a sentence saying why.
#[cfg(unix)]
fn stop_on_truncated_input() {
    extern "C" fn on_sigbus(_: libc::c_int) {
        const MSG: &str =
            "错误：读取输入文件时文件被截断（可能另一程序正在改写），评查中止；请待导出完成后重新运行\n";
        // SAFETY: write(2) and _exit(2) are async-signal-safe; MSG is a static string.
        unsafe {
            libc::write(2, MSG.as_ptr().cast(), MSG.len());
            libc::_exit(2);
        }
    }
    let handler: extern "C" fn(libc::c_int) = on_sigbus;
    // SAFETY: the handler calls only async-signal-safe functions and never returns.
    unsafe {
        libc::signal(libc::SIGBUS, handler as libc::sighandler_t);
    }
}

/// The run does without transparent huge pages, but for memory that asks for them. On
/// the 2-core VMs trailcheck is measured on (a guest whose freed memory goes back to the
/// host) a huge page faulted in cold cost 2.1–2.5 s of system time per GB against 0.4 s
/// for ordinary 4 KiB pages, and a province-year's model is 1.7 GB (findings ready ~1 s
/// sooner without them, benches/README.md "Fourteenth session"). mimalloc is built not to
/// ask for them (its `no_thp` feature); the findings files' write buffers do ask
/// (`report::direct`), since a direct write pins its buffer's pages. Kernels before 6.18
/// know no exception for memory that asks: there the process has no huge pages at all.
/// The setting is the process's own and ends with it.
#[cfg(target_os = "linux")]
fn small_pages_only() {
    /// `PR_THP_DISABLE_EXCEPT_ADVISED` (Linux 6.18 `prctl.h`), not yet in `libc`.
    const EXCEPT_ADVISED: libc::c_ulong = 1 << 1;
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours.
    unsafe {
        if libc::prctl(libc::PR_SET_THP_DISABLE, 1, EXCEPT_ADVISED, 0, 0) != 0 {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
}

/// Progress on an interactive terminal (a spinner per stage), stage timings with
/// `--verbose`, nothing with `--quiet` or when stderr is not a terminal (cron).
struct Stages {
    bar: Option<indicatif::ProgressBar>,
    verbose: bool,
    last: std::sync::Mutex<Option<(String, std::time::Instant)>>,
}

impl Stages {
    fn new(quiet: bool, verbose: bool) -> Stages {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new_spinner();
            b.enable_steady_tick(std::time::Duration::from_millis(120));
            b
        });
        Stages {
            bar,
            verbose: verbose && !quiet,
            last: std::sync::Mutex::new(None),
        }
    }

    fn say(&self, line: String) {
        match &self.bar {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn end_stage(&self) {
        if let Ok(mut last) = self.last.lock() {
            if let Some((name, t)) = last.take() {
                if self.verbose {
                    self.say(format!("{name}：{:.2} 秒", t.elapsed().as_secs_f64()));
                }
            }
        }
    }

    fn finish(&self) {
        self.end_stage();
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

impl audit::Progress for Stages {
    fn written(&self, file: &str, seconds: f64) {
        if self.verbose {
            self.say(format!("  写出 {file}：{seconds:.2} 秒"));
        }
    }

    fn stage(&self, name: &str) {
        self.end_stage();
        if let Ok(mut last) = self.last.lock() {
            *last = Some((name.to_string(), std::time::Instant::now()));
        }
        if let Some(b) = &self.bar {
            b.set_message(format!("{name}……"));
        }
    }
}

fn fail(e: &Error) -> ExitCode {
    eprintln!("错误：{e}");
    ExitCode::from(e.exit_code() as u8)
}

/// Characters of a raw value `check` shows on its one line per problem.
const SHOWN_CHARS: usize = 200;

/// A raw value for the terminal: line breaks shown as ⏎, and past [`SHOWN_CHARS`] its
/// head with its length (a stray quote can run a cell on to the end of its file). The
/// workbook's 数据问题 sheet holds the value itself.
fn one_line_head(raw: &str) -> String {
    let n = raw.chars().count();
    let mut s: String = raw
        .chars()
        .take(SHOWN_CHARS)
        .map(|c| if c == '\n' || c == '\r' { '⏎' } else { c })
        .collect();
    if n > SHOWN_CHARS {
        s.push_str(&format!("…（共 {n} 字）"));
    }
    s
}

fn main() -> ExitCode {
    #[cfg(unix)]
    stop_on_truncated_input();
    #[cfg(target_os = "linux")]
    small_pages_only();
    let cli = match trailcheck::cli::parse() {
        Ok(c) => c,
        Err((text, 0)) => {
            out!("{text}");
            return ExitCode::SUCCESS;
        }
        Err((text, code)) => {
            eprintln!("{text}");
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Audit(a) => {
            let plan = match AuditPlan::from_args(&a) {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            let progress = Stages::new(a.quiet, a.verbose);
            let result = audit::audit_with(&plan, &progress);
            progress.finish();
            match result {
                Ok(r) => {
                    if !a.quiet {
                        for (p, rule, reason) in &r.not_evaluated {
                            eprintln!("未评查：{rule}（{p}）：{reason}");
                        }
                        eprintln!("{}", r.one_line(&plan.out));
                        for note in r.waiver_note().iter().chain(&r.profile_map_note) {
                            eprintln!("{note}");
                        }
                    }
                    if r.failed_threshold {
                        ExitCode::from(1)
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => fail(&e),
            }
        }
        Command::Check(a) => match audit::check(&a) {
            Ok(b) => {
                outln!("读取完成：");
                for t in Table::ALL {
                    let srcs: Vec<_> = b.sources.iter().filter(|s| s.table == t).collect();
                    if srcs.is_empty() {
                        outln!("  {}：未提供", t.zh());
                        continue;
                    }
                    let rows: usize = srcs.iter().map(|s| s.rows).sum();
                    let dropped: usize = srcs.iter().map(|s| s.summary_rows_dropped).sum();
                    let files: Vec<String> = srcs
                        .iter()
                        .map(|s| match &s.encoding {
                            Some(enc) => format!("{}（{enc}）", s.label()),
                            None => s.label(),
                        })
                        .collect();
                    let extra = if dropped > 0 {
                        format!("，去除合计/备注行 {dropped} 行")
                    } else {
                        String::new()
                    };
                    outln!("  {}：{rows} 行{extra}，来自 {}", t.zh(), files.join("、"));
                }
                if !b.orphans.is_empty() {
                    outln!("  另有 {} 行的案号在案件登记中不存在", b.orphans.len());
                }
                if b.problems.is_empty() {
                    outln!("未发现数据问题。");
                } else {
                    outln!("发现 {} 个数据问题：", b.problems.len());
                    for p in &b.problems {
                        let sheet = p
                            .sheet
                            .as_ref()
                            .map(|s| format!("[{s}]"))
                            .unwrap_or_default();
                        let row = if p.row > 0 {
                            format!(" 第 {} 行", p.row)
                        } else {
                            String::new()
                        };
                        let col = if p.column.is_empty() {
                            String::new()
                        } else {
                            format!(" 列「{}」", p.column)
                        };
                        let raw = if p.raw.is_empty() {
                            String::new()
                        } else {
                            format!(" 值「{}」", one_line_head(&p.raw))
                        };
                        outln!("  {}{sheet}{row}{col}{raw}：{}", p.file, p.message);
                    }
                }
                // The process ends here: leave the rows to the OS instead of freeing them
                // one by one (seconds for a province-year).
                std::mem::forget(b);
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Rules(r) => {
            let profile = match r.profile.as_deref().map(Profile::load).transpose() {
                Ok(p) => p,
                Err(e) => return fail(&e),
            };
            if let Some(p) = &profile {
                outln!("规则配置 {}：《{}》", p.id, p.regulation);
            }
            for rule in RULES {
                match &profile {
                    Some(p) if !p.has(rule.code) => continue,
                    Some(p) => {
                        let art = p.article(rule.code);
                        let art = if art.is_empty() {
                            "数据质量".to_string()
                        } else {
                            p.article_title(&art)
                        };
                        outln!(
                            "{}  {}  [{}]  {}",
                            rule.code,
                            rule.title,
                            rule.severity.zh(),
                            art
                        );
                    }
                    None => outln!("{}  {}  [{}]", rule.code, rule.title, rule.severity.zh()),
                }
            }
            ExitCode::SUCCESS
        }
        Command::Sample(a) => {
            let o = trailcheck::sample::SampleOptions {
                cases: a.cases,
                seed: a.seed,
                format: a.format,
                encoding: a.encoding,
                rate: a.rate,
                year: a.year,
            };
            match trailcheck::sample::generate(&o, &a.out) {
                Ok(s) => {
                    eprintln!(
                        "已生成示例数据：{} 件案卷（{} 件预置问题），共 {} 行；评查基准日 {}；应有结果见 {}",
                        a.cases,
                        s.planted,
                        s.rows.iter().sum::<usize>(),
                        trailcheck::sample::as_of(a.year),
                        a.out.join("ground-truth.csv").display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e),
            }
        }
        Command::Trend(t) => match trailcheck::report::trend::load(&t.dirs) {
            Ok(trend) => {
                out!("{}", trend.table());
                if let Some(out) = &t.out {
                    if let Err(e) = trend.write_xlsx(out) {
                        return fail(&e);
                    }
                    eprintln!("趋势工作簿已写入 {}", out.display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Command::Profiles => {
            for p in Profile::shipped() {
                outln!(
                    "{:<18} {}《{}》（{}），{} 条规则",
                    p.id,
                    p.seed,
                    p.regulation,
                    p.issuer,
                    p.rules.len()
                );
            }
            ExitCode::SUCCESS
        }
    }
}
