//! A bundle sent as a zip file: platforms offer their exports as one download, and a
//! bureau receives an agency's data by mail or on a stick as `导出数据.zip`.
//!
//! INPUT.md names a folder or one workbook as the bundle and is silent on archives. An
//! auditor who was handed a zip expects to name it, so `trailcheck audit 导出数据.zip`
//! reads it as the folder it was made from: the members whose names designate a table
//! (as in a folder: `案件登记.csv`, `文书记录_2.xls` …) are extracted into a temporary
//! folder (removed when the reading ends) and read from there. They must lie in one
//! folder of the archive, as an export puts them; tables in several folders (two months
//! in one zip, say) stop the run with the folders named, as the auditor has to choose.
//! A zip that holds no table but one workbook is that workbook's bundle. Other members
//! (footage, scans, notes) are not extracted.
//!
//! What the run writes names each file as a path inside the archive
//! (`导出数据.zip/2024年/案件登记.csv`), never the temporary folder; 运行参数 hashes the
//! member as extracted, so `sha256sum` of the extracted file confirms it. Member names a
//! zip does not mark as UTF-8 are read as GB18030, as Chinese Windows writes them. A
//! member whose path climbs out of the archive (`../`) or is absolute stops the run; an
//! encrypted one too (its password is not ours to ask for). RAR and 7z archives are not
//! read (no well-kept pure Rust reader of both): the run asks for them to be extracted.

use super::table_of_file;
use crate::error::{io_zh, Error, Result};
use rayon::prelude::*;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

/// The bytes a zip file starts with (a local file header), or an empty archive's.
const ZIP_MAGIC: [&[u8]; 2] = [b"PK\x03\x04", b"PK\x05\x06"];

/// The workbook extensions a zip's single workbook may have.
const WORKBOOKS: &[&str] = &["xlsx", "xlsm", "xlsb", "xls", "et", "ods"];

/// A zip member's name as text: UTF-8 when it is, GB18030 otherwise.
fn member_name(raw: &[u8]) -> String {
    match std::str::from_utf8(raw) {
        Ok(name) => name.to_string(),
        Err(_) => encoding_rs::GB18030.decode(raw).0.into_owned(),
    }
}

/// The file members of `zip` (their indexes and decoded names, in the central directory's
/// order), or `None` when the zip is a workbook's own package: it holds
/// `[Content_Types].xml` (xlsx, xlsb), `mimetype` (ods) or, however damaged, `xl/`.
pub(super) fn files_of<R: Read + Seek>(zip: &zip::ZipArchive<R>) -> Option<Vec<(usize, String)>> {
    let files: Vec<(usize, String)> = zip
        .file_names_raw()
        .map(member_name)
        .enumerate()
        .filter(|(_, name)| !name.ends_with('/'))
        .collect();
    let workbook = files.iter().any(|(_, name)| {
        name == "[Content_Types].xml" || name == "mimetype" || name.starts_with("xl/")
    });
    (!workbook).then_some(files)
}

/// The file members of the zip `path` ([`files_of`]) when it is a zip archive of files;
/// `None` for anything else.
fn archive_files(path: &Path) -> Option<Vec<(usize, String)>> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).ok()?;
    if !ZIP_MAGIC.contains(&&magic[..]) {
        return None;
    }
    files_of(&zip::ZipArchive::new(file).ok()?)
}

/// The folders and file name of a member's path, or `None` when the path is absolute or
/// climbs out of the archive.
fn components(name: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = name.split(['/', '\\']).collect();
    let safe = parts
        .iter()
        .all(|p| !p.is_empty() && *p != "." && *p != ".." && !p.contains(':'));
    safe.then_some(parts)
}

/// Whether the member `name` (a path inside the archive) is a table's file, by its file
/// name as in a folder bundle.
fn names_a_table(name: &str) -> bool {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    table_of_file(Path::new(file)).is_some()
}

/// A zip bundle extracted for reading.
pub(super) struct Unpacked {
    /// Removed when the reading is done.
    _dir: tempfile::TempDir,
    /// The extracted folder of tables, or the extracted workbook: what is read.
    bundle: PathBuf,
    /// How `bundle` is named in messages and outputs: the archive's path and the
    /// member's within it.
    shown: String,
}

impl Unpacked {
    /// The folder or workbook to read in the archive's place.
    pub(super) fn bundle(&self) -> &Path {
        &self.bundle
    }

    /// `text` with the temporary folder's path replaced by the archive's.
    pub(super) fn relabel(&self, text: &str) -> String {
        text.replace(&*self.bundle.to_string_lossy(), &self.shown)
    }
}

/// Extract the zip bundle `path` (module docs), or `None` when `path` is not a zip archive
/// of files (a folder, a workbook, anything else).
pub(super) fn unpack(path: &Path) -> Result<Option<Unpacked>> {
    if !path.is_file() {
        return Ok(None);
    }
    let Some(members) = archive_files(path) else {
        return Ok(None);
    };
    let label = path.display().to_string();
    let skipped = |name: &str| name.starts_with("__MACOSX/") || name.contains("/._");
    let tables: Vec<&(usize, String)> = members
        .iter()
        .filter(|(_, n)| !skipped(n) && names_a_table(n))
        .collect();
    // No table file: the archive's one workbook, if it holds exactly one.
    let workbook = tables.is_empty();
    let chosen: Vec<&(usize, String)> = if workbook {
        let books: Vec<_> = members
            .iter()
            .filter(|(_, n)| {
                let ext = Path::new(n)
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase());
                !skipped(n) && ext.is_some_and(|e| WORKBOOKS.contains(&e.as_str()))
            })
            .collect();
        if books.len() != 1 {
            let listed: Vec<&str> = members.iter().take(5).map(|(_, n)| n.as_str()).collect();
            let more = if members.len() > 5 {
                format!(" 等 {} 个文件", members.len())
            } else {
                String::new()
            };
            let held = if members.is_empty() {
                "压缩包是空的".to_string()
            } else {
                format!("内有 {}{more}", listed.join("、"))
            };
            return Err(Error::Input(format!(
                "压缩包 {label} 中没有数据表：应有名为 案件登记、文书记录 等的文件（.csv/.xlsx/.xls/.et），或一个各表为工作表的工作簿；{held}"
            )));
        }
        books
    } else {
        tables
    };
    let mut folders: Vec<String> = Vec::new();
    let mut planned: Vec<(usize, Vec<&str>)> = Vec::new();
    for (i, name) in &chosen {
        let Some(parts) = components(name) else {
            return Err(Error::Input(format!(
                "压缩包 {label} 已损坏或不安全：成员「{name}」的路径指向压缩包以外"
            )));
        };
        let folder = parts[..parts.len() - 1].join("/");
        if !folders.contains(&folder) {
            folders.push(folder);
        }
        planned.push((*i, parts));
    }
    if folders.len() > 1 {
        folders.sort();
        let shown: Vec<String> = folders
            .iter()
            .map(|f| {
                if f.is_empty() {
                    "（根目录）".to_string()
                } else {
                    format!("{f}/")
                }
            })
            .collect();
        return Err(Error::Input(format!(
            "压缩包 {label} 中的数据表分在多个文件夹：{}；请解压后以其中一个文件夹作为数据包",
            shown.join("、")
        )));
    }
    let dir = tempfile::Builder::new()
        .prefix("trailcheck-zip-")
        .tempdir()
        .map_err(|e| Error::Input(format!("无法为解压 {label} 建立临时文件夹：{}", io_zh(&e))))?;
    // Members are inflated side by side, each from its own reader of the archive: one
    // core inflates some 330 MB a second.
    planned.par_iter().try_for_each(|(i, parts)| {
        let member = parts.join("/");
        extract(path, *i, &dir.path().join(&member)).map_err(|(side, e)| match side {
            Side::Archive => Error::Input(format!(
                "无法读取压缩包 {label} 的「{member}」：文件已损坏或不完整（{}）",
                match e.get_ref().and_then(|r| r.downcast_ref::<zip::result::ZipError>()) {
                    Some(z) => zip_zh(z),
                    // The inflater's and the checksum's complaints.
                    None if e.kind() == std::io::ErrorKind::InvalidData => {
                        "内容与校验值不符或压缩数据已损坏".into()
                    }
                    None => io_zh(&e),
                }
            )),
            Side::Folder => Error::Input(format!(
                "无法将压缩包 {label} 的「{member}」解压到临时文件夹 {}：{}（可用环境变量 TMPDIR 指定空间足够的文件夹）",
                dir.path().display(),
                io_zh(&e)
            )),
        })
    })?;
    let folder = &folders[0];
    let (bundle, shown) = if workbook {
        let member = planned[0].1.join("/");
        (dir.path().join(&member), format!("{label}/{member}"))
    } else if folder.is_empty() {
        (dir.path().to_path_buf(), label.clone())
    } else {
        (dir.path().join(folder), format!("{label}/{folder}"))
    };
    Ok(Some(Unpacked {
        _dir: dir,
        bundle,
        shown,
    }))
}

/// Which side of an extraction failed.
enum Side {
    /// Reading the member: the archive is damaged.
    Archive,
    /// Writing it out: the temporary folder.
    Folder,
}

/// Inflate member `index` of the zip `path` into the new file `to`.
fn extract(
    path: &Path,
    index: usize,
    to: &Path,
) -> std::result::Result<(), (Side, std::io::Error)> {
    let archive = |e| (Side::Archive, e);
    let folder = |e| (Side::Folder, e);
    let file = std::fs::File::open(path).map_err(archive)?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| archive(std::io::Error::other(e)))?;
    let mut member = zip
        .by_index(index)
        .map_err(|e| archive(std::io::Error::other(e)))?;
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(folder)?;
    }
    let mut out =
        std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(to).map_err(folder)?);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = match member.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(archive(e)),
        };
        std::io::Write::write_all(&mut out, &buf[..n]).map_err(folder)?;
    }
    std::io::Write::flush(&mut out).map_err(folder)
}

/// A zip reader's error in Chinese.
fn zip_zh(e: &zip::result::ZipError) -> String {
    use zip::result::ZipError as Z;
    match e {
        Z::Io(io) => io_zh(io),
        Z::UnsupportedArchive(Z::PASSWORD_REQUIRED) | Z::InvalidPassword => {
            "压缩包已加密，请先用密码解压".to_string()
        }
        Z::UnsupportedArchive(what) => format!("格式不受支持（{what}）"),
        Z::CompressionMethodNotSupported(m) => format!("压缩方式不受支持（方法 {m}），请先解压"),
        other => format!("文件已损坏（{other}）"),
    }
}
