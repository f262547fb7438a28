//! Outputs. Every writer sees the same typed [`ReportView`] (never the parser), and every
//! file is written atomically: to a temporary file in the output folder, then renamed. An
//! audit renames its files only once all of them are written ([`Staged`]), so that a run
//! that fails leaves the folder's earlier outputs as they were, never a mix of two runs.

#[cfg(target_os = "linux")]
mod direct;
pub mod findings;
pub mod pdf;
pub mod summary;
pub mod trend;
pub mod xlsx;

use crate::error::{Error, Result};
use crate::model::Bundle;
use crate::profile::Profile;
use crate::rules::engine::NotEvaluated;
use crate::rules::Finding;
use crate::scoring::{Rubric, Scores, Waiver};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Run parameters shown on 运行参数 and in summary.json.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RunMeta {
    /// trailcheck version.
    pub version: String,
    /// The audit date.
    pub as_of: chrono::NaiveDate,
    /// When the run started (Asia/Shanghai).
    pub generated_at: String,
    /// Bureau name for the report cover.
    pub bureau: String,
    /// The review window, when one was given.
    pub period: Option<String>,
    /// Input description (bundle path or table files).
    pub input: String,
    /// `--media-root`, when given.
    pub media_root: Option<String>,
    /// Seconds taken by ingest and rules.
    pub seconds: f64,
}

/// Everything the writers need.
pub struct ReportView<'a> {
    /// Run parameters.
    pub meta: &'a RunMeta,
    /// The bundle (sources, problems, cases).
    pub bundle: &'a Bundle,
    /// Profiles; the first is the default.
    pub profiles: &'a [Profile],
    /// The agencies with cases that `--profile-map` gives to a profile other than the
    /// default, in name order, each with its profile (an index into `profiles`).
    pub mapped: &'a [(String, usize)],
    /// Findings, in order.
    pub findings: &'a [Finding],
    /// Per finding: set aside by a waiver.
    pub waived: &'a [bool],
    /// The waivers given.
    pub waivers: &'a [Waiver],
    /// Scores.
    pub scores: &'a Scores,
    /// The rubric.
    pub rubric: &'a Rubric,
    /// Rules not evaluated.
    pub not_evaluated: &'a [NotEvaluated],
    /// Calendar years missing.
    pub calendar_missing: &'a [i32],
    /// Comparison with a baseline run, when one was given.
    pub tracking: Option<&'a crate::tracking::Tracking>,
}

impl ReportView<'_> {
    /// The profiles other than the default that `--profile-map` gives agencies to, in
    /// profile order, each with its agencies (in name order); a mapped profile that no
    /// agency of the bundle falls under is left out.
    pub fn others(&self) -> Vec<(&Profile, Vec<&str>)> {
        (1..self.profiles.len())
            .filter_map(|ix| {
                let agencies: Vec<&str> = self
                    .mapped
                    .iter()
                    .filter(|(_, p)| *p == ix)
                    .map(|(a, _)| a.as_str())
                    .collect();
                (!agencies.is_empty()).then(|| (&self.profiles[ix], agencies))
            })
            .collect()
    }

    /// An article with its regulation's title, for human outputs.
    pub fn article_title(&self, f: &Finding) -> String {
        self.profiles[usize::from(f.profile)].article_title(&f.article)
    }

    /// An article (`002:第十条`, `行政处罚法:第四十二条`) with its regulation's title, by
    /// the profile whose text it cites; a law's article by the default profile.
    pub fn cited(&self, article: &str) -> String {
        let seed = article.split_once(':').map(|(seed, _)| seed);
        self.profiles
            .iter()
            .find(|p| seed == Some(p.seed.as_str()))
            .unwrap_or(&self.profiles[0])
            .article_title(article)
    }
}

/// Bytes an output file is written in. Many small writes into a new file cost more than
/// their size on the machines measured (ext4): 1 GiB took 0.8–3.7 s of system time in
/// 8 KiB writes and 0.4–2.0 s in 4 MiB ones (benches/README.md); on Linux the buffers go
/// around the page cache altogether where the file system allows it (`direct`).
pub const WRITE_BUFFER: usize = 4 << 20;

/// An output written in full to a temporary file beside its place and flushed to disk,
/// not yet in its place: [`Staged::commit`] moves it there. Dropped uncommitted, the
/// temporary file is removed.
#[must_use = "an output takes its place only when committed"]
pub struct Staged {
    tmp: tempfile::NamedTempFile,
    path: PathBuf,
}

impl Staged {
    /// Move the output into its place (a rename within its folder).
    pub fn commit(self) -> Result<()> {
        let Staged { tmp, path } = self;
        tmp.persist(&path).map_err(|e| Error::Output {
            path,
            source: e.error,
        })?;
        Ok(())
    }
}

/// Write `path` atomically: the content goes to a temporary file beside it, which replaces
/// `path` only when complete. Every output goes through here, the workbooks too
/// (`Workbook::save(path)` would hand the zip writer an unbuffered file: ~1.2 KB a write).
pub fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<()> {
    stage(path, body)?.commit()
}

/// Write the content of `path` to a temporary file beside it, to be committed with the
/// other outputs of the run ([`write_atomic`] without the rename).
pub fn stage(
    path: &Path,
    body: impl FnOnce(&mut (dyn Write + Send)) -> std::io::Result<()>,
) -> Result<Staged> {
    let err = |source: std::io::Error| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let named = || {
        let mut b = tempfile::Builder::new();
        b.prefix(".trailcheck-").suffix(".tmp");
        b
    };
    // Around the page cache where the file system allows it (`direct`).
    #[cfg(target_os = "linux")]
    if let Ok(tmp) = named().make_in(dir, direct::create) {
        direct::write(tmp.as_file(), tmp.path(), WRITE_BUFFER, body).map_err(err)?;
        return finish(tmp, path);
    }
    let mut tmp = named().tempfile_in(dir).map_err(err)?;
    {
        let mut w = BufWriter::with_capacity(WRITE_BUFFER, tmp.as_file_mut());
        body(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    finish(tmp, path)
}

/// Give a completed temporary file ordinary permissions and flush it to disk, ready to be
/// moved over `path`.
fn finish(tmp: tempfile::NamedTempFile, path: &Path) -> Result<Staged> {
    let err = |source: std::io::Error| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(err)?;
    }
    tmp.as_file().sync_all().map_err(err)?;
    Ok(Staged {
        tmp,
        path: path.to_path_buf(),
    })
}
