//! The command line as the user typed it (clap). [`crate::audit`] turns it into a plan.

use clap::{Args, Parser, Subcommand};
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
    #[arg(long, default_value_t = 300)]
    pub cases: usize,
    /// 随机种子：相同种子生成相同的文件
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 输出文件夹
    #[arg(long, value_name = "文件夹")]
    pub out: std::path::PathBuf,
    /// 格式：csv（每表一个文件）或 xlsx（一个工作簿）
    #[arg(long, value_enum, default_value = "csv")]
    pub format: crate::sample::SampleFormat,
    /// CSV 编码：gbk 或 utf-8
    #[arg(long, value_enum, default_value = "gbk")]
    pub encoding: crate::sample::SampleEncoding,
    /// 预置问题的案件比例（0–1）
    #[arg(long, default_value_t = 0.85)]
    pub rate: f64,
    /// 案件启动年份
    #[arg(long, default_value_t = 2024)]
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
    /// 导出数据：文件夹（每表一个文件）或工作簿（每表一个工作表）
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
    /// 执法机关与规则配置的对应表（TOML，[agencies] "机关名" = "配置"）
    #[arg(long, value_name = "文件")]
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
    /// 导出数据：文件夹或工作簿（也可只用 --cases 等逐表指定）
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
