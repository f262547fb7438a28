//! The command line as the user typed it (clap). [`crate::audit`] turns it into a plan.
//!
//! clap writes its help and its errors in English; the bureau reads Chinese. [`parse`]
//! builds the command with Chinese headings, usage lines and help flags ([`command`]),
//! and turns a parse error into a Chinese message ([`error_zh`]).

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::path::PathBuf;

/// trailcheck：行政执法全过程记录评查工具
#[derive(Debug, Parser)]
#[command(
    name = "trailcheck",
    version,
    about = "行政执法全过程记录评查工具：读取执法平台导出数据，按所适用的规定逐案评查，输出评查工作簿、PDF 报告和问题清单。",
    disable_help_subcommand = true
)]
pub struct Cli {
    /// 子命令
    #[command(subcommand)]
    pub command: Command,
}

/// 子命令
#[derive(Debug, Subcommand)]
pub enum Command {
    /// 评查：读取导出数据，执行全部规则，写出评查结果
    Audit(Box<AuditArgs>),
    /// 只读取并校验输入数据，列出数据问题
    Check(CheckArgs),
    /// 列出规则目录（可指定规则配置，显示所依据的条款）
    Rules(RulesArgs),
    /// 列出内置的规则配置（每部规定一个）
    Profiles,
    /// 生成示例数据包（含预置问题及其应有的评查结果 ground-truth.csv）
    Sample(SampleArgs),
    /// 汇总多期评查结果（如十二个月的输出文件夹），按单位和规则显示问题数变化
    Trend(TrendArgs),
}

/// `trailcheck trend` 的参数
#[derive(Debug, Args, Clone)]
pub struct TrendArgs {
    /// 各期评查结果文件夹（按时间顺序）
    #[arg(value_name = "文件夹", required = true)]
    pub dirs: Vec<PathBuf>,
    /// 写出趋势工作簿（xlsx）
    #[arg(long, value_name = "文件")]
    pub out: Option<PathBuf>,
}

/// `trailcheck sample` 的参数
#[derive(Debug, Args, Clone)]
pub struct SampleArgs {
    /// 案件数
    #[arg(long, value_name = "数量", default_value_t = 300)]
    pub cases: usize,
    /// 随机种子：相同种子生成相同的文件
    #[arg(long, value_name = "种子", default_value_t = 1)]
    pub seed: u64,
    /// 输出文件夹
    #[arg(long, value_name = "文件夹")]
    pub out: std::path::PathBuf,
    /// 格式：csv（每表一个文件）或 xlsx（一个工作簿）
    #[arg(long, value_name = "格式", value_enum, default_value = "csv")]
    pub format: crate::sample::SampleFormat,
    /// CSV 编码：gbk 或 utf-8
    #[arg(long, value_name = "编码", value_enum, default_value = "gbk")]
    pub encoding: crate::sample::SampleEncoding,
    /// 预置问题的案件比例（0–1）
    #[arg(long, value_name = "比例", default_value_t = 0.85)]
    pub rate: f64,
    /// 案件启动年份
    #[arg(long, value_name = "年份", default_value_t = 2024)]
    pub year: i32,
}

/// 输入表：文件夹、工作簿，或逐表指定文件
#[derive(Debug, Args, Clone, Default)]
pub struct TableArgs {
    /// 案件登记表文件
    #[arg(long, value_name = "文件")]
    pub cases: Option<PathBuf>,
    /// 文书记录表文件
    #[arg(long, value_name = "文件")]
    pub documents: Option<PathBuf>,
    /// 送达记录表文件
    #[arg(long, value_name = "文件")]
    pub services: Option<PathBuf>,
    /// 执法活动表文件
    #[arg(long, value_name = "文件")]
    pub activities: Option<PathBuf>,
    /// 音像记录索引表文件
    #[arg(long, value_name = "文件")]
    pub media: Option<PathBuf>,
    /// 调阅复制记录表文件
    #[arg(long, value_name = "文件")]
    pub access: Option<PathBuf>,
    /// 列名与取值映射文件（TOML）
    #[arg(long, value_name = "文件")]
    pub mapping: Option<PathBuf>,
}

/// `trailcheck audit` 的参数
#[derive(Debug, Args, Clone)]
pub struct AuditArgs {
    /// 导出数据：文件夹（每表一个文件）、工作簿（每表一个工作表）或装有它们的 zip 压缩包
    #[arg(value_name = "数据包")]
    pub bundle: Option<PathBuf>,
    /// 规则配置：内置配置的编号（见 trailcheck profiles）或 .toml 文件
    #[arg(long, value_name = "配置")]
    pub profile: String,
    /// 输出文件夹（不存在时自动创建）
    #[arg(long, value_name = "文件夹")]
    pub out: PathBuf,
    /// 评查基准日（YYYY-MM-DD），默认为北京时间今天
    #[arg(long, value_name = "日期")]
    pub as_of: Option<String>,
    /// 音像文件根目录：给出时核验文件是否缺失或被改动（V06）
    #[arg(long, value_name = "文件夹")]
    pub media_root: Option<PathBuf>,
    /// 发现该级别及以上问题时以退出码 1 结束：违规/violation、警告/warning、提示/info
    #[arg(long, value_name = "级别")]
    pub fail_on: Option<String>,
    /// The agency-to-profile table: a TOML file whose `[agencies]` table maps an agency to
    /// its profile (the help text below is what the user reads).
    #[arg(
        long,
        value_name = "文件",
        help = "执法机关与规则配置的对应表（TOML，[agencies] \"机关名\" = \"配置\"）"
    )]
    pub profile_map: Option<PathBuf>,
    /// 评分标准（TOML），默认使用内置标准
    #[arg(long, value_name = "文件")]
    pub rubric: Option<PathBuf>,
    /// 豁免清单（CSV，表头 rule,case_no,subject,reason,approved_by 或 规则,案号,对象,豁免理由,批准人）
    #[arg(long, value_name = "文件")]
    pub waivers: Option<PathBuf>,
    /// 补充节假日日历（holiday-cn JSON 格式，可多次给出）
    #[arg(long, value_name = "文件")]
    pub calendar: Vec<PathBuf>,
    /// PDF 报告使用的中文字体文件（默认在常见位置查找）
    #[arg(long, value_name = "文件")]
    pub font: Option<PathBuf>,
    /// 报告模板文件夹（含 report.tera 和 remedies.toml），默认使用内置模板
    #[arg(long, value_name = "文件夹")]
    pub templates: Option<PathBuf>,
    /// 报告封面上的单位名称
    #[arg(long, value_name = "名称", default_value = "司法局")]
    pub bureau: String,
    /// 评查期间：YYYY-MM（某月）或 YYYY（某年）
    #[arg(long, value_name = "期间")]
    pub period: Option<String>,
    /// 评查期间起始日（YYYY-MM-DD）
    #[arg(long, value_name = "日期")]
    pub from: Option<String>,
    /// 评查期间截止日（YYYY-MM-DD）
    #[arg(long, value_name = "日期")]
    pub to: Option<String>,
    /// 上期评查结果文件夹：标注问题为 新增/持续/已整改/不在本期
    #[arg(long, value_name = "文件夹")]
    pub baseline: Option<PathBuf>,
    /// 音像文件哈希缓存文件夹（默认为用户缓存目录下的 trailcheck）
    #[arg(long, value_name = "文件夹")]
    pub cache_dir: Option<PathBuf>,
    /// 只输出错误信息（适合定时任务）
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// 输出各阶段用时等详细信息
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// 输入表
    #[command(flatten)]
    pub tables: TableArgs,
}

/// `trailcheck check` 的参数
#[derive(Debug, Args, Clone)]
pub struct CheckArgs {
    /// 导出数据：文件夹、工作簿或 zip 压缩包（也可只用 --cases 等逐表指定）
    #[arg(value_name = "数据包")]
    pub bundle: Option<PathBuf>,
    /// 输入表
    #[command(flatten)]
    pub tables: TableArgs,
}

/// `trailcheck rules` 的参数
#[derive(Debug, Args, Clone)]
pub struct RulesArgs {
    /// 只列出该配置中生效的规则及其条款
    #[arg(long, value_name = "配置")]
    pub profile: Option<String>,
}

/// The help page of every command: clap's own layout under Chinese headings.
const HELP_TEMPLATE: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command line with Chinese help: headings, usage, the help and version flags, and
/// default and possible values written into each option's text.
pub fn command() -> clap::Command {
    let mut cmd = localise(Cli::command(), true);
    cmd.build();
    cmd.mut_subcommands(|mut s| {
        let usage = plain_usage(&s.render_usage()).replace("[OPTIONS]", "[选项]");
        s.override_usage(usage)
    })
}

/// A usage line as clap renders it, less its English `Usage:` heading.
fn plain_usage(u: &clap::builder::StyledStr) -> String {
    let u = u.to_string();
    let u = u.trim();
    u.strip_prefix("Usage:").unwrap_or(u).trim().to_string()
}

fn localise(cmd: clap::Command, root: bool) -> clap::Command {
    let mut cmd = cmd
        .help_template(HELP_TEMPLATE)
        .subcommand_help_heading("命令")
        .subcommand_value_name("命令")
        .disable_help_flag(true)
        .mut_args(|a| {
            let heading = if a.is_positional() {
                "参数"
            } else {
                "选项"
            };
            // A flag's implied values (true/false) are not the user's to give.
            if !a.get_action().takes_values() {
                return a.help_heading(heading);
            }
            let mut extra = Vec::new();
            let values = a.get_possible_values();
            if !values.is_empty() && !a.is_hide_possible_values_set() {
                let names: Vec<&str> = values.iter().map(|v| v.get_name()).collect();
                extra.push(format!("可选：{}", names.join("、")));
            }
            let defaults = a.get_default_values();
            if !defaults.is_empty() && !a.is_hide_default_value_set() {
                let d: Vec<String> = defaults
                    .iter()
                    .map(|d| d.to_string_lossy().into_owned())
                    .collect();
                extra.push(format!("默认：{}", d.join("、")));
            }
            let help = match (a.get_help(), extra.is_empty()) {
                (Some(h), true) => h.to_string(),
                (Some(h), false) => format!("{h}［{}］", extra.join("；")),
                (None, _) => extra.join("；"),
            };
            // The values are in the text now (clap allows hiding only where there are some).
            let (has_values, has_defaults) = (!values.is_empty(), !defaults.is_empty());
            a.help_heading(heading)
                .help(help)
                .hide_possible_values(has_values)
                .hide_default_value(has_defaults)
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .help("显示帮助")
                .help_heading("选项")
                .action(ArgAction::Help),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .help("显示版本")
                .help_heading("选项")
                .action(ArgAction::Version),
        );
    }
    cmd.mut_subcommands(|s| localise(s, false))
}

/// Parse the process's arguments. `Err` carries what to print and the exit code: the
/// help or version page with 0 (on stdout), a Chinese error message with 64 (on stderr).
pub fn parse() -> Result<Cli, (String, u8)> {
    let mut cmd = command();
    cmd.try_get_matches_from_mut(std::env::args_os())
        .and_then(|m| Cli::from_arg_matches(&m))
        .map_err(|e| match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                (headings_zh(&e.render().to_string()), 0)
            }
            // No subcommand: the help page, which lists them.
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                (headings_zh(&e.render().to_string()), 64)
            }
            _ => (error_zh(&e), 64),
        })
}

/// A help page with clap's headings (命令, 参数, 选项) ended by a full-width colon, as the
/// rest of the page's punctuation is: clap writes an ASCII one after each.
fn headings_zh(page: &str) -> String {
    let mut out = String::with_capacity(page.len());
    for line in page.split_inclusive('\n') {
        let text = line.trim_end_matches('\n');
        match text.strip_suffix(':') {
            Some(h) if !h.is_empty() && !h.contains(char::is_whitespace) => {
                out.push_str(h);
                out.push('：');
                out.push_str(&line[text.len()..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// A parse error as the bureau reads it: what is wrong, then the command's usage line.
pub fn error_zh(e: &clap::Error) -> String {
    let text = |k: ContextKind| match e.get(k) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let arg = text(ContextKind::InvalidArg);
    let value = text(ContextKind::InvalidValue);
    let suggestion = |k: ContextKind| {
        let s = text(k);
        if s.is_empty() {
            String::new()
        } else {
            format!("；是否要用「{s}」？")
        }
    };
    let what = match e.kind() {
        ErrorKind::UnknownArgument => {
            format!(
                "无法识别的参数「{arg}」{}",
                suggestion(ContextKind::SuggestedArg)
            )
        }
        ErrorKind::InvalidSubcommand => format!(
            "没有子命令「{}」{}",
            text(ContextKind::InvalidSubcommand),
            suggestion(ContextKind::SuggestedSubcommand)
        ),
        ErrorKind::InvalidValue if value.is_empty() => format!("参数 {arg} 缺少取值"),
        ErrorKind::InvalidValue => {
            let valid = text(ContextKind::ValidValue);
            let valid = if valid.is_empty() {
                String::new()
            } else {
                format!("；可用的值：{valid}")
            };
            format!("参数 {arg} 的值「{value}」无效{valid}")
        }
        ErrorKind::ValueValidation => {
            let why = std::error::Error::source(e)
                .map(|s| number_zh(&s.to_string()))
                .unwrap_or_default();
            format!("参数 {arg} 的值「{value}」无效{why}")
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数：{arg}"),
        ErrorKind::ArgumentConflict => {
            format!("参数 {arg} 不能与 {} 同时使用", text(ContextKind::PriorArg))
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {arg} 的取值个数不对")
        }
        ErrorKind::NoEquals => format!("参数 {arg} 的取值须用等号给出（{arg}=值）"),
        ErrorKind::MissingSubcommand => "缺少子命令".to_string(),
        ErrorKind::InvalidUtf8 => "参数不是有效的文本（UTF-8）".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    let usage = match e.get(ContextKind::Usage) {
        Some(ContextValue::StyledStr(u)) => format!("\n\n用法：{}", plain_usage(u)),
        _ => String::new(),
    };
    format!("错误：{what}{usage}\n\n详细说明请加 --help 查看。")
}

/// A number parser's complaint in Chinese, as the reason after a bad value.
fn number_zh(m: &str) -> String {
    let zh = match m {
        "invalid digit found in string" => "应为整数",
        "cannot parse integer from empty string" | "cannot parse float from empty string" => {
            "不能为空"
        }
        "number too large to fit in target type" => "数值过大",
        "number too small to fit in target type" => "数值过小",
        "invalid float literal" => "应为数字",
        _ => return format!("：{m}"),
    };
    format!("：{zh}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every help page, the root's and each subcommand's, reads without clap's English.
    #[test]
    fn help_pages_carry_no_english_boilerplate() {
        let mut root = command();
        let mut pages = vec![headings_zh(&root.render_help().to_string())];
        for s in root.get_subcommands_mut() {
            pages.push(headings_zh(&s.render_help().to_string()));
        }
        assert_eq!(pages.len(), 7);
        for page in &pages {
            for english in [
                "Usage",
                "Options",
                "Arguments",
                "Commands",
                "Print",
                "[default",
                "possible values",
                "OPTIONS",
            ] {
                assert!(!page.contains(english), "{english} in:\n{page}");
            }
            assert!(
                page.contains("用法：trailcheck") && page.contains("显示帮助"),
                "{page}"
            );
            assert!(page.contains("\n选项：\n"), "{page}");
            assert!(
                !page.lines().any(|l| l.ends_with(':')),
                "an ASCII colon ends a line of:\n{page}"
            );
        }
    }

    #[test]
    fn parse_errors_read_in_chinese() {
        let err = |args: &[&str]| {
            let e = command()
                .try_get_matches_from(std::iter::once("trailcheck").chain(args.iter().copied()))
                .unwrap_err();
            error_zh(&e)
        };
        let e = err(&["audit", "x", "--out", "o"]);
        assert!(
            e.starts_with("错误：缺少必需的参数：--profile <配置>"),
            "{e}"
        );
        let e = err(&["audit", "x", "--profile", "p", "--out", "o", "-q", "-v"]);
        assert!(
            e.starts_with("错误：参数 --quiet 不能与 --verbose 同时使用"),
            "{e}"
        );
        let e = err(&["audti"]);
        assert!(
            e.starts_with("错误：没有子命令「audti」；是否要用「audit」？"),
            "{e}"
        );
        let e = err(&["sample", "--out", "o", "--rate", "很高"]);
        assert!(
            e.starts_with("错误：参数 --rate <比例> 的值「很高」无效：应为数字"),
            "{e}"
        );
    }
}
