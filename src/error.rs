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
}
