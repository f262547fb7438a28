//! Output files written around the page cache (Linux `O_DIRECT`).
//!
//! A province-year's findings files are 1.8 GB. Written the usual way, every byte first
//! lands in a fresh page of the page cache, and on the virtual machines measured a fresh
//! page is memory the host hands the guest anew: 1.6 GB took 4.4 s of system time with
//! `dd` and 0.2 s with `oflag=direct` (benches/README.md, "Thirteenth session"). With
//! `O_DIRECT` the disk takes the bytes from the process's own buffers.
//!
//! Such writes must start at an aligned address and file offset and have an aligned
//! size, so the bytes are gathered in aligned buffers, and the last one is padded with
//! zeros and the file cut back to its length. The buffers are written by a thread of
//! their own: the next one is filled while the last one goes to the disk. A file system
//! that refuses an aligned direct write (some want larger blocks) gets the rest of the
//! file through an ordinary handle.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::mpsc;

/// Alignment of the buffers' addresses, of the file offsets and of the write sizes: the
/// largest logical block size of disks in use.
const ALIGN: usize = 4096;

/// Open a new file at `path` for direct writes.
pub(super) fn create(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
}

/// Write what `body` writes to `file` (opened by [`create`] at `path`, empty) in buffers
/// of `size` bytes (a multiple of 4096), and cut the file to the length written.
pub(super) fn write(
    file: &File,
    path: &Path,
    size: usize,
    body: impl FnOnce(&mut (dyn Write + Send)) -> io::Result<()>,
) -> io::Result<()> {
    let size = size.next_multiple_of(ALIGN);
    std::thread::scope(|s| {
        // One buffer being filled, one waiting, one being written.
        let (full_tx, full_rx) = mpsc::sync_channel::<Aligned>(1);
        let (empty_tx, empty_rx) = mpsc::channel::<Aligned>();
        let disk = s.spawn(move || {
            let mut out = Disk::new(file, path);
            for mut buf in full_rx {
                out.write(buf.bytes())?;
                buf.len = 0;
                // The writer may have finished: a buffer it no longer takes is dropped.
                let _ = empty_tx.send(buf);
            }
            Ok(())
        });
        let mut w = Buffers {
            buf: Aligned::new(size)?,
            size,
            new: 2,
            full: full_tx,
            empty: empty_rx,
            total: 0,
        };
        let made = body(&mut w).and_then(|()| w.finish());
        let total = w.total;
        drop(w);
        let written: io::Result<()> = disk
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("写出线程异常退出")));
        // A failed disk write also fails the body's next hand-over: its error is the cause.
        written?;
        made?;
        file.set_len(total)
    })
}

/// A buffer of its own pages (so at an [`ALIGN`]ed address), backed by transparent huge
/// pages where the system has them: a direct write pins the buffer's pages for the disk,
/// and 4 MiB are two huge pages against 1,024 small ones (the process otherwise runs
/// without huge pages, `main.rs`).
struct Aligned {
    map: memmap2::MmapMut,
    len: usize,
}

impl Aligned {
    /// An empty buffer of `size` bytes.
    fn new(size: usize) -> io::Result<Aligned> {
        let map = memmap2::MmapMut::map_anon(size)?;
        if size > 0 {
            // Only a hint: without huge pages the buffer works the same.
            let _ = map.advise(memmap2::Advice::HugePage);
        }
        Ok(Aligned { map, len: 0 })
    }

    fn bytes(&self) -> &[u8] {
        &self.map[..self.len]
    }

    /// Bytes it holds when full.
    fn size(&self) -> usize {
        self.map.len()
    }

    /// Append as much of `b` as fits; returns how much.
    fn push(&mut self, b: &[u8]) -> usize {
        let n = b.len().min(self.size() - self.len);
        self.map[self.len..self.len + n].copy_from_slice(&b[..n]);
        self.len += n;
        n
    }

    /// Zeros up to the next multiple of [`ALIGN`] (within the buffer's last page).
    fn pad(&mut self) {
        let to = self.len.next_multiple_of(ALIGN);
        self.map[self.len..to].fill(0);
        self.len = to;
    }
}

/// The writer `body` sees: fills a buffer and hands it to the disk thread when full.
struct Buffers {
    buf: Aligned,
    size: usize,
    /// Buffers still to be made before one comes back from the disk thread.
    new: u8,
    full: mpsc::SyncSender<Aligned>,
    empty: mpsc::Receiver<Aligned>,
    /// Bytes written.
    total: u64,
}

/// The disk thread has stopped (its own error says why).
fn stopped() -> io::Error {
    io::Error::other("写出线程已停止")
}

impl Buffers {
    fn hand_on(&mut self) -> io::Result<()> {
        let next = if self.new > 0 {
            self.new -= 1;
            Aligned::new(self.size)?
        } else {
            self.empty.recv().map_err(|_| stopped())?
        };
        let full = std::mem::replace(&mut self.buf, next);
        self.full.send(full).map_err(|_| stopped())
    }

    /// Hand on the last bytes, padded.
    fn finish(&mut self) -> io::Result<()> {
        if self.buf.len > 0 {
            self.buf.pad();
            let last = std::mem::replace(&mut self.buf, Aligned::new(0)?);
            self.full.send(last).map_err(|_| stopped())?;
        }
        Ok(())
    }
}

impl Write for Buffers {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        if self.buf.len == self.buf.size() {
            self.hand_on()?;
        }
        let n = self.buf.push(b);
        self.total += n as u64;
        Ok(n)
    }

    /// The bytes reach the file when the buffer is full or the body has ended: a direct
    /// write cannot take part of a block, and the file is not in its place before then.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The disk thread's file: direct until the file system refuses, then an ordinary handle.
struct Disk<'f> {
    direct: &'f File,
    path: &'f Path,
    plain: Option<File>,
    /// Bytes written so far.
    offset: u64,
}

impl<'f> Disk<'f> {
    fn new(direct: &'f File, path: &'f Path) -> Disk<'f> {
        Disk {
            direct,
            path,
            plain: None,
            offset: 0,
        }
    }

    fn write(&mut self, mut b: &[u8]) -> io::Result<()> {
        while self.plain.is_none() && !b.is_empty() {
            let mut direct = self.direct;
            match direct.write(b) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                // After a part, the rest is unaligned: refused, it goes the ordinary way.
                Ok(n) => {
                    self.offset += n as u64;
                    b = &b[n..];
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                    let mut f = OpenOptions::new().write(true).open(self.path)?;
                    f.seek(SeekFrom::Start(self.offset))?;
                    self.plain = Some(f);
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(f) = &mut self.plain {
            f.write_all(b)?;
            self.offset += b.len() as u64;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file opened for direct writes in a new temporary folder (kept while the folder
    /// lives), or `None` where the file system has no direct writes.
    fn direct_file(dir: &tempfile::TempDir) -> Option<(File, std::path::PathBuf)> {
        let path = dir.path().join("out");
        match create(&path) {
            Ok(f) => Some((f, path)),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => None,
            Err(e) => panic!("{e}"),
        }
    }

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn files_hold_exactly_what_was_written() {
        // Empty, under a block, a block, across buffers in odd pieces.
        for n in [0, 1, 4095, 4096, 4097, 3 * 8192 + 5, 50_000] {
            let dir = tempfile::tempdir().unwrap();
            let Some((f, path)) = direct_file(&dir) else {
                eprintln!("no direct writes in {}", dir.path().display());
                return;
            };
            let want = bytes(n);
            write(&f, &path, 8192, |w| {
                want.chunks(1000).try_for_each(|c| w.write_all(c))?;
                w.flush()
            })
            .unwrap();
            assert_eq!(std::fs::read(&path).unwrap(), want, "{n} bytes");
        }
    }

    #[test]
    fn the_body_error_is_returned() {
        let dir = tempfile::tempdir().unwrap();
        let Some((f, path)) = direct_file(&dir) else {
            return;
        };
        let e = write(&f, &path, 4096, |w| {
            w.write_all(&bytes(10_000))?;
            Err(io::Error::other("made up"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "made up");
    }

    #[test]
    fn a_refused_direct_write_goes_the_ordinary_way() {
        let dir = tempfile::tempdir().unwrap();
        let Some((f, path)) = direct_file(&dir) else {
            return;
        };
        let mut disk = Disk::new(&f, &path);
        let mut a = Aligned::new(8192).unwrap();
        a.push(&bytes(8192));
        disk.write(a.bytes()).unwrap();
        assert!(disk.plain.is_none(), "an aligned write goes direct");
        // Odd length: refused direct, written through an ordinary handle at the offset.
        disk.write(&bytes(100)).unwrap();
        assert!(disk.plain.is_some());
        let mut want = bytes(8192);
        want.extend(bytes(100));
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }
}
