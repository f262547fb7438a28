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
    #[error("无法写入输出文件 {path}：{source}")]
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
