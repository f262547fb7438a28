//! SHA-256 of the input files (运行参数 lists each input with its hash), two files at a
//! time.
//!
//! One SHA-256 is a chain: each 64-byte block's rounds wait on the last block's, and the
//! processor's SHA instructions take longer to give a result than to accept the next
//! instruction. Two files hashed in lockstep fill those gaps: on the AMD EPYC this is
//! measured on, one stream hashes at 1.8 GB/s (the `sha2` crate and OpenSSL alike) and two
//! interleaved streams at 2.9 GB/s together (benches/README.md, "Seventeenth session").
//! No maintained crate hashes two streams at once, so the two-stream compression is here;
//! one stream, padding aside, is `sha2`'s own [`sha2::compress256`], and tests check every
//! digest against `sha2`.
//!
//! The files are hashed as they lie on disk, independently of how they are decoded, by
//! two lanes: each lane takes the next file (largest first) when its own ends. Files are
//! mapped and their pages released behind the hash, so resident memory stays flat.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// SHA-256 initial state.
#[cfg(unix)]
const H0: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// Bytes a lane hashes between checks for `stop` and releases of hashed pages.
#[cfg(unix)]
const STEP: usize = 4 << 20;

/// As on Unix, but each file read through a buffer and hashed alone (elsewhere hashed
/// pages could not be released).
#[cfg(not(unix))]
pub fn sha256_files(paths: &[PathBuf], stop: &AtomicBool) -> Vec<Option<String>> {
    paths
        .iter()
        .map(|p| {
            (!stop.load(Ordering::Relaxed))
                .then(|| crate::fixity::sha256_file(p).ok())
                .flatten()
        })
        .collect()
}

/// The SHA-256 of each file as lower-case hex, in the order given; `None` for a file that
/// could not be read, and for every file not hashed yet once `stop` is set (the run has
/// failed and waits for nothing).
#[cfg(unix)]
pub fn sha256_files(paths: &[PathBuf], stop: &AtomicBool) -> Vec<Option<String>> {
    let mut order: Vec<usize> = (0..paths.len()).collect();
    order.sort_by_cached_key(|&i| {
        std::cmp::Reverse(std::fs::metadata(&paths[i]).map_or(0, |m| m.len()))
    });
    let mut queue = order.into_iter();
    let mut out = vec![None; paths.len()];
    // A file that cannot be opened or mapped keeps no hash.
    let mut open = || queue.find_map(|i| Stream::open(&paths[i]).ok().map(|s| (i, s)));
    let mut lanes = [open(), open()];
    while !stop.load(Ordering::Relaxed) {
        match &mut lanes {
            [Some((_, a)), Some((_, b))] => {
                let n = a.blocks_left().min(b.blocks_left()).min(STEP / 64);
                let ((sa, x), (sb, y)) = (a.next(n), b.next(n));
                compress_two(sa, sb, x, y);
                a.release(n);
                b.release(n);
            }
            [Some((_, a)), None] | [None, Some((_, a))] => {
                let n = a.blocks_left().min(STEP / 64);
                let (sa, x) = a.next(n);
                compress_one(sa, x);
                a.release(n);
            }
            [None, None] => break,
        }
        for lane in &mut lanes {
            if lane.as_ref().is_some_and(|(_, s)| s.blocks_left() == 0) {
                if let Some((i, s)) = lane.take() {
                    out[i] = Some(s.finish());
                }
                *lane = open();
            }
        }
    }
    out
}

/// A file being hashed: its bytes, how many are hashed, and the state after them.
#[cfg(unix)]
struct Stream {
    /// The file mapped (`None` when it is empty).
    map: Option<memmap2::Mmap>,
    pos: usize,
    state: [u32; 8],
}

#[cfg(unix)]
impl Stream {
    /// Open and map `path`. Only a regular file is hashed: a pipe's bytes are the
    /// reading's alone (opening one here could wait on its writer, and its length says
    /// nothing), so it keeps no hash rather than the hash of nothing.
    fn open(path: &std::path::Path) -> std::io::Result<Stream> {
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Err(std::io::ErrorKind::InvalidInput.into());
        }
        let f = std::fs::File::open(path)?;
        let map = if meta.len() == 0 {
            None
        } else {
            // SAFETY: the map is only read. A file cut short by another program while it
            // is hashed raises SIGBUS on the missing pages; the binary stops then with the
            // input error's exit code and message, as for the mapped reading (main.rs).
            let map = unsafe { memmap2::Mmap::map(&f) }?;
            let _ = map.advise(memmap2::Advice::Sequential);
            Some(map)
        };
        Ok(Stream {
            map,
            pos: 0,
            state: H0,
        })
    }

    fn all(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }

    /// Whole blocks not hashed yet (the last partial block is hashed by [`Stream::finish`]).
    fn blocks_left(&self) -> usize {
        (self.all().len() - self.pos) / 64
    }

    /// The state to compress into, and the next `n` blocks' bytes.
    fn next(&mut self, n: usize) -> (&mut [u32; 8], &[u8]) {
        let bytes = self.map.as_deref().unwrap_or_default();
        (&mut self.state, &bytes[self.pos..self.pos + n * 64])
    }

    /// `n` blocks are hashed: move past them and release their pages.
    fn release(&mut self, n: usize) {
        let start = self.pos;
        self.pos += n * 64;
        if let Some(m) = &self.map {
            super::csvfile::release(m, &m[start..self.pos]);
        }
    }

    /// Hash the last partial block and the padding; the digest as lower-case hex.
    fn finish(self) -> String {
        let bytes = self.all();
        let rest = &bytes[self.pos..];
        let bits = (bytes.len() as u64).wrapping_mul(8);
        let mut tail = [0u8; 128];
        tail[..rest.len()].copy_from_slice(rest);
        tail[rest.len()] = 0x80;
        let end = if rest.len() < 56 { 64 } else { 128 };
        tail[end - 8..end].copy_from_slice(&bits.to_be_bytes());
        let mut state = self.state;
        compress_one(&mut state, &tail[..end]);
        let digest: Vec<u8> = state.iter().flat_map(|w| w.to_be_bytes()).collect();
        crate::fixity::hex(&digest)
    }
}

/// Compress whole 64-byte blocks into `state` (`sha2`'s compression).
#[cfg(unix)]
fn compress_one(state: &mut [u32; 8], blocks: &[u8]) {
    for block in blocks.chunks_exact(64) {
        let block = sha2::digest::generic_array::GenericArray::from_slice(block);
        sha2::compress256(state, std::slice::from_ref(block));
    }
}

/// Compress `x` into `a` and `y` into `b` (whole blocks, as many in each), in lockstep
/// where the processor has the SHA instructions.
#[cfg(unix)]
fn compress_two(a: &mut [u32; 8], b: &mut [u32; 8], x: &[u8], y: &[u8]) {
    debug_assert_eq!(x.len(), y.len());
    #[cfg(target_arch = "x86_64")]
    if shani::available() {
        // SAFETY: the processor has the instructions `shani::compress` is compiled for.
        unsafe { shani::compress(a, b, x, y) };
        return;
    }
    compress_one(a, x);
    compress_one(b, y);
}

/// The two-stream compression on the x86 SHA extensions.
#[cfg(all(unix, target_arch = "x86_64"))]
mod shani {
    use std::arch::x86_64::*;

    /// Round constants.
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];

    /// Whether the processor has the instructions [`compress`] uses.
    pub(super) fn available() -> bool {
        is_x86_feature_detected!("sha")
            && is_x86_feature_detected!("sse4.1")
            && is_x86_feature_detected!("ssse3")
    }

    /// A state as the instructions hold it: words A, B, E, F and C, D, G, H.
    struct Lane {
        abef: __m128i,
        cdgh: __m128i,
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn load(s: &[u32; 8]) -> Lane {
        // SAFETY: `s` holds 8 words, read as two unaligned 16-byte vectors.
        let (abcd, efgh) = unsafe {
            let p = s.as_ptr().cast::<__m128i>();
            (_mm_loadu_si128(p), _mm_loadu_si128(p.add(1)))
        };
        let badc = _mm_shuffle_epi32::<0xB1>(abcd);
        let hgfe = _mm_shuffle_epi32::<0x1B>(efgh);
        Lane {
            abef: _mm_alignr_epi8::<8>(badc, hgfe),
            cdgh: _mm_blend_epi16::<0xF0>(hgfe, badc),
        }
    }

    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    fn store(l: &Lane, s: &mut [u32; 8]) {
        let feba = _mm_shuffle_epi32::<0x1B>(l.abef);
        let dchg = _mm_shuffle_epi32::<0xB1>(l.cdgh);
        let abcd = _mm_blend_epi16::<0xF0>(feba, dchg);
        let efgh = _mm_alignr_epi8::<8>(dchg, feba);
        // SAFETY: `s` holds 8 words, written as two unaligned 16-byte vectors.
        unsafe {
            let p = s.as_mut_ptr().cast::<__m128i>();
            _mm_storeu_si128(p, abcd);
            _mm_storeu_si128(p.add(1), efgh);
        }
    }

    /// Compress `x` into `a` and `y` into `b`, block by block, the two streams' rounds
    /// interleaved. `x` and `y` are whole 64-byte blocks, as many in each.
    ///
    /// # Safety
    /// The processor must have the SHA, SSSE3 and SSE4.1 instructions ([`available`]).
    #[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
    pub(super) unsafe fn compress(a: &mut [u32; 8], b: &mut [u32; 8], x: &[u8], y: &[u8]) {
        let swap = _mm_set_epi64x(0x0c0d0e0f08090a0b, 0x0405060700010203);
        let mut s = [load(a), load(b)];
        for (bx, by) in x.chunks_exact(64).zip(y.chunks_exact(64)) {
            let saved = [(s[0].abef, s[0].cdgh), (s[1].abef, s[1].cdgh)];
            let word = |block: &[u8], i: usize| {
                // SAFETY: a block holds 64 bytes; `i` < 4 picks one of its 16-byte quarters.
                let v = unsafe { _mm_loadu_si128(block.as_ptr().add(16 * i).cast()) };
                _mm_shuffle_epi8(v, swap)
            };
            // The message schedule of each stream, four words a vector, kept in a ring of
            // four: quarter q of the rounds consumes vector q % 4 and makes the next
            // quarter's (from the vector msg1 began two quarters before and the last two,
            // before msg1 begins on the older of those).
            let mut m = [
                [word(bx, 0), word(bx, 1), word(bx, 2), word(bx, 3)],
                [word(by, 0), word(by, 1), word(by, 2), word(by, 3)],
            ];
            macro_rules! quarter {
                ($q:literal) => {
                    // SAFETY: `K` holds 64 words; `$q` < 16 picks four of them.
                    let k = unsafe { _mm_loadu_si128(K.as_ptr().add(4 * $q).cast()) };
                    for (l, m) in s.iter_mut().zip(m.iter_mut()) {
                        let w = _mm_add_epi32(m[$q % 4], k);
                        l.cdgh = _mm_sha256rnds2_epu32(l.cdgh, l.abef, w);
                        if $q >= 3 && $q <= 14 {
                            let t = _mm_alignr_epi8::<4>(m[$q % 4], m[($q + 3) % 4]);
                            m[($q + 1) % 4] =
                                _mm_sha256msg2_epu32(_mm_add_epi32(m[($q + 1) % 4], t), m[$q % 4]);
                        }
                        let w = _mm_shuffle_epi32::<0x0E>(w);
                        l.abef = _mm_sha256rnds2_epu32(l.abef, l.cdgh, w);
                        if $q >= 1 && $q <= 12 {
                            m[($q + 3) % 4] = _mm_sha256msg1_epu32(m[($q + 3) % 4], m[$q % 4]);
                        }
                    }
                };
            }
            quarter!(0);
            quarter!(1);
            quarter!(2);
            quarter!(3);
            quarter!(4);
            quarter!(5);
            quarter!(6);
            quarter!(7);
            quarter!(8);
            quarter!(9);
            quarter!(10);
            quarter!(11);
            quarter!(12);
            quarter!(13);
            quarter!(14);
            quarter!(15);
            for (l, (abef, cdgh)) in s.iter_mut().zip(saved) {
                l.abef = _mm_add_epi32(l.abef, abef);
                l.cdgh = _mm_add_epi32(l.cdgh, cdgh);
            }
        }
        store(&s[0], a);
        store(&s[1], b);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    fn reference(bytes: &[u8]) -> String {
        crate::fixity::hex(&Sha256::digest(bytes))
    }

    /// Bytes of a given length, different for each seed.
    fn bytes(len: usize, seed: u64) -> Vec<u8> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn two_streams_compress_as_one_does() {
        for blocks in [1, 2, 7, 64] {
            let (x, y) = (bytes(blocks * 64, 1), bytes(blocks * 64, 2));
            let (mut a, mut b) = (H0, H0);
            compress_two(&mut a, &mut b, &x, &y);
            let (mut a1, mut b1) = (H0, H0);
            compress_one(&mut a1, &x);
            compress_one(&mut b1, &y);
            assert_eq!((a, b), (a1, b1), "{blocks} blocks");
        }
    }

    #[test]
    fn files_of_every_padding_case_hash_as_sha2_does() {
        let dir = tempfile::tempdir().unwrap();
        // Lengths around the padding's edges (55/56/63/64 bytes into a block), empty, and
        // files longer than a lane's step, so lanes end apart and take the next file.
        let lens = [
            0,
            1,
            55,
            56,
            63,
            64,
            65,
            119,
            120,
            128,
            1000,
            STEP + 17,
            2 * STEP + 64,
            3 * STEP - 9,
        ];
        let mut paths = Vec::new();
        let mut want = Vec::new();
        for (i, len) in lens.into_iter().enumerate() {
            let b = bytes(len, i as u64 + 10);
            let p = dir.path().join(format!("{i}.csv"));
            std::fs::write(&p, &b).unwrap();
            want.push(Some(reference(&b)));
            paths.push(p);
        }
        paths.push(dir.path().join("missing.csv"));
        want.push(None);
        assert_eq!(sha256_files(&paths, &AtomicBool::new(false)), want);
    }

    #[test]
    fn a_pipe_keeps_no_hash_and_is_not_opened() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("cases.csv");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo reads the NUL-terminated path and touches no other memory.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let file = dir.path().join("media.csv");
        std::fs::write(&file, bytes(100, 4)).unwrap();
        let got = sha256_files(&[fifo, file], &AtomicBool::new(false));
        assert_eq!(got, vec![None, Some(reference(&bytes(100, 4)))]);
    }

    #[test]
    fn a_stopped_run_hashes_nothing_more() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.csv");
        std::fs::write(&p, bytes(1000, 3)).unwrap();
        assert_eq!(sha256_files(&[p], &AtomicBool::new(true)), vec![None]);
    }
}
