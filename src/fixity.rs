//! Media fixity (rule V06): stream SHA-256 over the footage files under `--media-root`,
//! in parallel, never loading a file whole, and compare with the index.

use crate::model::Media;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The state of one footage file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fixity {
    /// No 存储位置, so nothing to check.
    NotChecked,
    /// Present, same size and hash as the index says (where it says).
    Intact,
    /// The file is not there.
    Missing(PathBuf),
    /// The size differs from 文件大小.
    SizeDiffers {
        /// Size in the index.
        expected: u64,
        /// Size on disk.
        actual: u64,
    },
    /// The SHA-256 differs from 哈希值.
    HashDiffers {
        /// Hash in the index.
        expected: String,
        /// Hash of the file.
        actual: String,
    },
}

/// Resolve a 存储位置 under the media root (absolute paths and `file://` URIs are kept
/// relative to the root, so an index made on another machine still resolves).
pub fn resolve(root: &Path, location: &str) -> PathBuf {
    let loc = location.strip_prefix("file://").unwrap_or(location);
    let loc = loc.trim_start_matches(['/', '\\']);
    root.join(loc.replace('\\', "/"))
}

/// SHA-256 of a file, streamed in 1 MiB blocks.
pub fn sha256_file(p: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(p)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

fn check_one(root: &Path, m: &Media) -> Fixity {
    let Some(loc) = m.location.as_deref() else {
        return Fixity::NotChecked;
    };
    let p = resolve(root, loc);
    let Ok(meta) = std::fs::metadata(&p) else {
        return Fixity::Missing(p);
    };
    if let Some(expected) = m.size_bytes {
        if meta.len() != expected {
            return Fixity::SizeDiffers {
                expected,
                actual: meta.len(),
            };
        }
    }
    if let Some(expected) = m.sha256.as_deref() {
        match sha256_file(&p) {
            Ok(actual) if actual != expected => {
                return Fixity::HashDiffers {
                    expected: expected.to_string(),
                    actual,
                }
            }
            Ok(_) => {}
            Err(_) => return Fixity::Missing(p),
        }
    }
    Fixity::Intact
}

/// Check every media row, in parallel; the result is indexed like `media`.
pub fn check_all(root: &Path, media: &[Media]) -> Vec<Fixity> {
    media.par_iter().map(|m| check_one(root, m)).collect()
}
