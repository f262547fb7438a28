//! Typed errors of the library and the exit codes they map to (OUTPUT.md).

use std::path::PathBuf;

/// Every fatal error of a run. The message is the Chinese sentence shown to the bureau.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or table could not be read, or holds no usable table (exit code 2).
    #[error("{0}")]
    Input(String),
    /// A required column is missing from a table (exit code 2).
    #[error("文件 {file} 缺少必需列{detail}")]
    MissingColumn {
        /// The file (and sheet) that lacks the column.
        file: String,
        /// Each missing column with the closest header present, e.g.
        /// `「启动日期」（最接近的表头：「立案日期」）`.
        detail: String,
    },
    /// An output file could not be written (exit code 3).
    #[error("无法写入输出文件 {path}：{}", io_zh(.source))]
    Output {
        /// The file being written.
        path: PathBuf,
        /// The underlying cause.
        source: std::io::Error,
    },
    /// A profile, rubric, mapping, calendar or other configuration is invalid (exit code 4).
    #[error("{0}")]
    Config(String),
    /// Another scan holds the output folder (exit code 5).
    #[error("{0}")]
    Locked(String),
}

impl Error {
    /// The process exit code documented in README.md and OUTPUT.md.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input(_) | Error::MissingColumn { .. } => 2,
            Error::Output { .. } => 3,
            Error::Config(_) => 4,
            Error::Locked(_) => 5,
        }
    }
}

/// Result alias used throughout the library.
pub type Result<T> = std::result::Result<T, Error>;

/// Read a configuration file (a profile, rubric, mapping, calendar, template …) as text:
/// failing, a configuration error naming `what`, the file and the cause in Chinese.
pub fn read_config(path: &std::path::Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("无法读取{what} {}：{}", path.display(), io_zh(&e))))
}

/// An I/O error as the bureau reads it: the cause in Chinese, with the system's error
/// number for whoever looks into it (`磁盘空间不足（os error 28）`). An error that carries
/// its own message (a workbook writer's, say) keeps that message.
pub fn io_zh(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let zh = match e.kind() {
        K::NotFound => "文件或文件夹不存在",
        K::PermissionDenied => "没有访问权限",
        K::AlreadyExists => "同名文件已存在",
        K::StorageFull => "磁盘空间不足",
        K::QuotaExceeded => "超出磁盘配额",
        K::ReadOnlyFilesystem => "文件系统为只读",
        K::IsADirectory => "这是一个文件夹，不是文件",
        K::NotADirectory => "路径中有一部分是文件，不是文件夹",
        K::FileTooLarge => "文件过大",
        K::ResourceBusy => "文件或设备正被占用",
        K::CrossesDevices => "不能跨磁盘移动文件",
        K::InvalidFilename => "文件名无效或过长",
        K::TimedOut => "操作超时",
        K::UnexpectedEof => "文件意外结束，可能不完整",
        K::OutOfMemory => "内存不足",
        K::InvalidData if e.get_ref().is_none() => "内容无效（例如不是 UTF-8 文本）",
        _ => return e.to_string(),
    };
    match e.raw_os_error() {
        Some(n) => format!("{zh}（os error {n}）"),
        None => zh.to_string(),
    }
}

/// A workbook writer's error as an I/O error: the file system's own error where one lies
/// underneath (a full disk, say, so that [`io_zh`] names it in Chinese), the
/// writer's message under a Chinese heading otherwise.
pub fn xlsx_io(e: rust_xlsxwriter::XlsxError) -> std::io::Error {
    if let rust_xlsxwriter::XlsxError::IoError(io) = e {
        return io;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return match io.raw_os_error() {
                Some(n) => std::io::Error::from_raw_os_error(n),
                None => std::io::Error::new(io.kind(), io.to_string()),
            };
        }
        cause = c.source();
    }
    std::io::Error::other(format!("工作簿生成失败（{e}）"))
}

/// A workbook writer's error while writing `path`, as the run's output error (exit 3).
pub fn xlsx_output(
    path: &std::path::Path,
) -> impl Fn(rust_xlsxwriter::XlsxError) -> Error + Copy + '_ {
    move |e| Error::Output {
        path: path.to_path_buf(),
        source: xlsx_io(e),
    }
}

/// Where a configuration file's text fails to parse, and why, as the bureau reads it:
/// `第 3 行第 9 列：缺少字段「seed」（原文：missing field `seed`）`. The parsers' own
/// sentence stays in brackets for whoever maintains the file.
fn parse_zh(line_col: Option<(usize, usize)>, message: &str) -> String {
    let at = match line_col {
        Some((line, col)) => format!("第 {line} 行第 {col} 列："),
        None => String::new(),
    };
    // A parser's message may run over lines; the bureau's message is one line.
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{at}{}（原文：{message}）", serde_zh(&message))
}

/// A serde or parser message in Chinese, by its opening words.
fn serde_zh(m: &str) -> String {
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_string).unwrap_or_default();
    if m.starts_with("missing field") {
        format!("缺少字段「{}」", quoted(m))
    } else if m.starts_with("unknown field") {
        format!("未知字段「{}」", quoted(m))
    } else if m.starts_with("duplicate field") || m.starts_with("duplicate key") {
        format!("「{}」重复出现", quoted(m))
    } else if m.starts_with("unknown variant") {
        format!("未知取值「{}」", quoted(m))
    } else if m.starts_with("invalid type") {
        "值的类型不对".to_string()
    } else if m.starts_with("invalid value") || m.starts_with("input contains invalid") {
        "取值无效".to_string()
    } else if m.starts_with("invalid length") {
        "元素个数不对".to_string()
    } else if m.contains("EOF") || m.contains("end of input") {
        "内容不完整，意外结束".to_string()
    } else {
        "格式错误".to_string()
    }
}

/// A TOML parse error of `text` in Chinese, with its line and column (none when the
/// error concerns the whole file, a top-level field missing, say).
pub fn toml_zh(e: &toml::de::Error, text: &str) -> String {
    let place = e
        .span()
        .filter(|s| !(s.start == 0 && s.end >= text.trim_end().len()));
    let line_col = place.map(|s| {
        let before = &text[..s.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, col)
    });
    parse_zh(line_col, e.message())
}

/// A JSON parse error in Chinese, with its line and column; `first_line` is the file's
/// line the parsed text starts on (1 for a whole file, N for line N of a JSON Lines file).
pub fn json_zh(e: &serde_json::Error, first_line: usize) -> String {
    let full = e.to_string();
    let message = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => &full[..i],
        _ => &full,
    };
    let line_col = (e.line() > 0).then(|| (first_line + e.line() - 1, e.column()));
    parse_zh(line_col, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_read_in_chinese_and_keep_their_number() {
        let full = std::io::Error::from_raw_os_error(28);
        assert_eq!(io_zh(&full), "磁盘空间不足（os error 28）");
        let missing = std::fs::read("/nonexistent/trailcheck").unwrap_err();
        assert_eq!(io_zh(&missing), "文件或文件夹不存在（os error 2）");
        let own = std::io::Error::other("工作表名称重复");
        assert_eq!(io_zh(&own), "工作表名称重复");
        let e = Error::Output {
            path: "out/report.xlsx".into(),
            source: full,
        };
        assert_eq!(
            e.to_string(),
            "无法写入输出文件 out/report.xlsx：磁盘空间不足（os error 28）"
        );
    }

    #[test]
    fn workbook_writer_errors_keep_the_file_systems_cause() {
        use rust_xlsxwriter::XlsxError;
        let full = XlsxError::IoError(std::io::Error::from_raw_os_error(28));
        assert_eq!(io_zh(&xlsx_io(full)), "磁盘空间不足（os error 28）");
        let own = xlsx_io(XlsxError::RowColumnLimitError);
        assert!(io_zh(&own).starts_with("工作簿生成失败（"), "{own}");
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Shape {
        seed: String,
        hours: u32,
    }

    #[test]
    fn parse_errors_read_in_chinese_with_their_place() {
        let toml_err = |text: &str| toml_zh(&toml::from_str::<Shape>(text).unwrap_err(), text);
        let json_err = |text: &str, first: usize| {
            json_zh(&serde_json::from_str::<Shape>(text).unwrap_err(), first)
        };
        assert_eq!(
            toml_err("seed = \"001\"\n"),
            "缺少字段「hours」（原文：missing field `hours`）"
        );
        let e = toml_err("seed = \"001\"\nhours = 24\nhour = 1\n");
        assert!(
            e.starts_with("第 3 行第 1 列：未知字段「hour」（原文：unknown field `hour`"),
            "{e}"
        );
        let e = toml_err("seed = \"001\"\nhours = \"二十四\"\n");
        assert!(
            e.starts_with("第 2 行第 9 列：值的类型不对（原文：invalid type"),
            "{e}"
        );
        let e = toml_err("seed = \"001\"\nhours 24\n");
        assert!(e.starts_with("第 2 行第 7 列：格式错误（原文："), "{e}");
        assert!(!e.contains('\n'), "{e}");
        let e = toml_err("seed = \"001\"\nseed = \"003\"\nhours = 1\n");
        assert!(e.starts_with("第 2 行第 1 列：「seed」重复出现"), "{e}");
        let e = json_err("{\"seed\": \"001\",\n \"hours\": -1}", 1);
        assert!(e.starts_with("第 2 行第 "), "{e}");
        assert!(
            e.contains("：取值无效（原文：invalid value: integer `-1`"),
            "{e}"
        );
        let e = json_err("{\"seed\": \"001\"", 7);
        assert!(
            e.starts_with("第 7 行第 14 列：内容不完整，意外结束（原文：EOF"),
            "{e}"
        );
        assert!(!e.contains(" at line "), "{e}");
    }
}
