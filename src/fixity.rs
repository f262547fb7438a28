//! Media fixity (rule V06): stream SHA-256 over the footage files under `--media-root`,
//! in parallel, never loading a file whole, and compare with the index.

use crate::model::{Bundle, MediaFile};
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
    Ok(hex(&h.finalize()))
}

/// A digest as lower-case hex.
pub fn hex(digest: &[u8]) -> String {
    use std::fmt::Write;
    digest.iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// A hash remembered from an earlier scan, valid while size and modification time match.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CachedHash {
    /// File size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: u128,
    /// SHA-256 (lower-case hex).
    pub sha256: String,
}

/// The hash cache of `--cache-dir`: file path → hash, shared by monthly scans.
#[derive(Debug, Default)]
pub struct HashCache {
    entries: std::collections::BTreeMap<String, CachedHash>,
    /// Files hashed in this run.
    pub hashed: std::sync::atomic::AtomicU64,
    /// Files whose hash came from the cache.
    pub reused: std::sync::atomic::AtomicU64,
    fresh: std::sync::Mutex<Vec<(String, CachedHash)>>,
    /// Set when the cache file could not be read and was rebuilt.
    pub rebuilt: bool,
}

const CACHE_FILE: &str = "fixity-cache.json";

impl HashCache {
    /// Load the cache from `dir`; a missing file is an empty cache, a corrupt one is
    /// rebuilt (never trusted).
    pub fn load(dir: &Path) -> HashCache {
        match std::fs::read(dir.join(CACHE_FILE)) {
            Err(_) => HashCache::default(),
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(entries) => HashCache {
                    entries,
                    ..HashCache::default()
                },
                Err(_) => HashCache {
                    rebuilt: true,
                    ..HashCache::default()
                },
            },
        }
    }

    fn lookup(&self, key: &str, meta: &std::fs::Metadata) -> Option<String> {
        let e = self.entries.get(key)?;
        (e.size == meta.len() && e.mtime_ns == mtime_ns(meta)).then(|| e.sha256.clone())
    }

    /// Save the cache (old entries updated with this run's hashes) atomically into `dir`.
    pub fn save(mut self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let fresh = self.fresh.into_inner().unwrap_or_default();
        for (k, v) in fresh {
            self.entries.insert(k, v);
        }
        let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut tmp, &self.entries)?;
        tmp.as_file().sync_all()?;
        tmp.persist(dir.join(CACHE_FILE)).map_err(|e| e.error)?;
        Ok(())
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The default cache folder: `$XDG_CACHE_HOME/trailcheck`, else `~/.cache/trailcheck`.
pub fn default_cache_dir() -> PathBuf {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir)
        .join("trailcheck")
}

fn check_one(root: &Path, file: Option<&MediaFile>, cache: Option<&HashCache>) -> Fixity {
    let Some(file) = file else {
        return Fixity::NotChecked;
    };
    let Some(loc) = file.location.as_deref() else {
        return Fixity::NotChecked;
    };
    let p = resolve(root, loc);
    let Ok(meta) = std::fs::metadata(&p) else {
        return Fixity::Missing(p);
    };
    if let Some(expected) = file.size_bytes {
        if meta.len() != expected {
            return Fixity::SizeDiffers {
                expected,
                actual: meta.len(),
            };
        }
    }
    if let Some(expected) = file.sha256.as_deref() {
        let key = std::fs::canonicalize(&p)
            .unwrap_or_else(|_| p.clone())
            .display()
            .to_string();
        let cached = cache.and_then(|c| c.lookup(&key, &meta));
        let hashed = match cached {
            Some(h) => {
                if let Some(c) = cache {
                    c.reused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Ok(h)
            }
            None => {
                let h = sha256_file(&p);
                if let (Some(c), Ok(h)) = (cache, &h) {
                    c.hashed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Ok(mut fresh) = c.fresh.lock() {
                        fresh.push((
                            key,
                            CachedHash {
                                size: meta.len(),
                                mtime_ns: mtime_ns(&meta),
                                sha256: h.clone(),
                            },
                        ));
                    }
                }
                h
            }
        };
        match hashed {
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

/// Check every media row of the bundle, in parallel; the result is indexed like
/// `Bundle::media`. With a cache, files whose size and modification time are unchanged
/// are not hashed again.
pub fn check_all(root: &Path, bundle: &Bundle, cache: Option<&HashCache>) -> Vec<Fixity> {
    bundle
        .media
        .par_iter()
        .map(|m| check_one(root, bundle.media_file(m), cache))
        .collect()
}
