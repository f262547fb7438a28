//! Calls into the spreadsheet reader, guarded against the ways a damaged workbook makes
//! calamine fail without returning an error.
//!
//! - A panic (an assertion on a record it did not expect) is caught and becomes the run's
//!   input error: exit 2, one Chinese message that quotes the reader's words. The
//!   process's panic hook stays silent for it, so no English panic report or backtrace is
//!   printed before that message.
//! - A sheet's cells are laid out in one block from its first to its last cell, so a
//!   damaged cell position far off the sheet makes calamine ask for more memory than the
//!   machine has (137 GB for a 25 KB `.xls` with one bad column number): the allocation
//!   fails and Rust aborts, or the kernel kills the process, with no word of why.
//!   [`WorkbookAlloc`], the binary's global allocator, stops the run instead with exit 2
//!   and a message naming the workbook when a guarded call asks at once for more than
//!   half the machine's memory, or for more than [`PER_FILE_BYTE`] bytes for each byte of
//!   the file (at least [`UNCHECKED`], the largest sheet an `.xls` can hold, laid out
//!   whole): a damaged 6.6 KB `.xls` asked for two blocks of 3.2 GB and took 6.8 GB and
//!   13 s to yield one row, another for two of 1.05 GB (a sheet of 2,561 columns, ten
//!   times what the format allows), where a real workbook's sheet, laid out cell by cell,
//!   needs tens of bytes for each of its own. (calamine 0.38 has no
//!   limit of its own: tafia/calamine#463, ToucanToco/fastexcel#487.)

use crate::error::{Error, Result};
use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

thread_local! {
    /// The workbook a [`guarded`] call on this thread reads (its label's address and
    /// length, and the file's size in bytes), or null.
    static READING: Cell<(*const u8, usize, u64)> = const { Cell::new((std::ptr::null(), 0, 0)) };
}

/// Run a calamine call on the workbook `label`, a file of `file_size` bytes, turning a
/// panic inside the reader into a clear error and stopping the run on an allocation no
/// workbook of that size needs (module docs).
pub(crate) fn guarded<T>(
    label: &str,
    file_size: u64,
    f: impl FnOnce() -> std::result::Result<T, String>,
) -> Result<T> {
    static QUIET_HOOK: std::sync::Once = std::sync::Once::new();
    QUIET_HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if READING.with(Cell::get).0.is_null() {
                previous(info);
            }
        }));
    });
    let outer = READING.with(|r| r.replace((label.as_ptr(), label.len(), file_size)));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    READING.with(|r| r.set(outer));
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(Error::Input(format!("无法读取工作簿 {label}：{e}"))),
        Err(payload) => {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .map(|s| format!("（读取程序报告：{}）", s.replace('\n', " ")))
                .unwrap_or_default();
            Err(Error::Input(format!(
                "无法读取工作簿 {label}：文件已损坏或格式不受支持{why}"
            )))
        }
    }
}

/// A global allocator that stops the run with exit 2 and a message when a guarded
/// workbook read asks for more than half the machine's memory in one block (module
/// docs); every other request goes to `A` unchanged.
pub struct WorkbookAlloc<A>(pub A);

/// Requests at most this large are passed on without a further look: the hot path is one
/// comparison. 512 MiB is the largest sheet an `.xls` can hold (65,536 rows × 256
/// columns of 32-byte cells in calamine 0.38) laid out whole, so no file is too small for that.
const UNCHECKED: usize = 65_536 * 256 * std::mem::size_of::<calamine::Data>();

/// Bytes one block of a guarded read may take for each byte of the workbook's file,
/// above [`UNCHECKED`]: 4,096 to one lets a 1 MB file lay out 4 GB.
const PER_FILE_BYTE: u64 = 4096;

impl<A> WorkbookAlloc<A> {
    /// Stop the run when `size` bytes are asked for inside a guarded read and exceed
    /// half the machine's memory.
    #[inline]
    fn check(size: usize) {
        if size > UNCHECKED {
            refuse_if_reading(size);
        }
    }
}

#[cold]
fn refuse_if_reading(size: usize) {
    let (ptr, len, file_size) = READING.with(Cell::get);
    if ptr.is_null() {
        return;
    }
    let half = half_of_memory();
    let for_file = usize::try_from(file_size.saturating_mul(PER_FILE_BYTE))
        .unwrap_or(usize::MAX)
        .max(UNCHECKED);
    if size <= half.min(for_file) {
        return;
    }
    // SAFETY: `guarded` holds its label for as long as the pointer is set.
    let label = unsafe { std::slice::from_raw_parts(ptr, len) };
    // No allocation from here on: the numbers are formatted into stack buffers and the
    // message written piece by piece.
    let mut gb = [0u8; 20];
    let gb = decimal(&mut gb, (size >> 30).max(1) as u64);
    let mut kb = [0u8; 20];
    let kb = decimal(&mut kb, file_size.div_ceil(1024));
    let why: [&[u8]; 5] = if size > half {
        [
            "：文件已损坏（读取它需要一次分配约 ".as_bytes(),
            gb,
            " GB 内存，超过本机内存的一半".as_bytes(),
            b"",
            b"",
        ]
    } else {
        [
            "：文件已损坏（读取这个 ".as_bytes(),
            kb,
            " KB 的文件需要一次分配约 ".as_bytes(),
            gb,
            " GB 内存，远超工作簿所需".as_bytes(),
        ]
    };
    let [a, b, c, d, e] = why;
    stop(&[
        "错误：无法读取工作簿 ".as_bytes(),
        label,
        a,
        b,
        c,
        d,
        e,
        "）；如确为超大工作簿，请另存为 CSV 后评查\n".as_bytes(),
    ]);
}

/// `n` in decimal digits, written into `buf`.
fn decimal(buf: &mut [u8; 20], n: u64) -> &[u8] {
    let left = {
        let mut rest = &mut buf[..];
        let _ = std::io::Write::write_fmt(&mut rest, format_args!("{n}"));
        rest.len()
    };
    let written = buf.len() - left;
    &buf[..written]
}

/// Write `parts` to stderr and end the process with the input error's exit code.
#[cfg(unix)]
fn stop(parts: &[&[u8]]) -> ! {
    for p in parts {
        // SAFETY: write(2) reads `p.len()` bytes of a live slice.
        unsafe { libc::write(2, p.as_ptr().cast(), p.len()) };
    }
    // SAFETY: _exit(2) ends the process at once; the output lock is released with it
    // and no output has been started while workbooks are read.
    unsafe { libc::_exit(2) }
}

/// Write `parts` to stderr and end the process with the input error's exit code.
#[cfg(not(unix))]
fn stop(parts: &[&[u8]]) -> ! {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    for p in parts {
        let _ = err.write_all(p);
    }
    std::process::exit(2)
}

/// Half the machine's physical memory (unbounded where it cannot be told).
fn half_of_memory() -> usize {
    #[cfg(unix)]
    {
        // SAFETY: sysconf takes a constant and touches no memory of ours.
        let (pages, size) = unsafe {
            (
                libc::sysconf(libc::_SC_PHYS_PAGES),
                libc::sysconf(libc::_SC_PAGESIZE),
            )
        };
        if pages > 0 && size > 0 {
            return (pages as usize).saturating_mul(size as usize) / 2;
        }
    }
    usize::MAX
}

// SAFETY: every request is passed to `A` unchanged, or the process ends before it is.
unsafe impl<A: GlobalAlloc> GlobalAlloc for WorkbookAlloc<A> {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.alloc(layout) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::check(layout.size());
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::check(new_size);
        // SAFETY: the caller's contract, passed on.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}
