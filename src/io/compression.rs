//! Transparent decompression of radar files: gzip, zip and bzip2, the last decoded block-parallel.
//!
//! [`detect`] looks at magic bytes only (never the file name); [`decompress`] returns the bytes unchanged when they
//! are not compressed. Every decoder checks lengths against the bytes present, verifies the format's CRCs and caps
//! its output at [`MAX_DECOMPRESSED_BYTES`], so corrupt or hostile input gives an [`Error`], never a panic or an
//! unbounded allocation.
//!
//! # Parallel bzip2
//! A bzip2 stream is a 4-byte header (`"BZh"` and the block-size digit `1`–`9`, in units of 100 000 bytes), a
//! sequence of independently compressed blocks, each starting with the 48-bit magic `0x314159265359` and its 32-bit
//! CRC, and an end-of-stream record (48-bit magic `0x177245385090`, 32-bit combined CRC, zero padding to a byte).
//! Blocks are bit-aligned, not byte-aligned, so the decoder finds every occurrence of both magics at every bit offset,
//! cuts the stream there, re-aligns each block into a standalone one-block stream (for one block the combined CRC
//! equals the block CRC) and decodes these with rayon, concatenating the outputs in order. The result is used only
//! if every block decodes to the exact end of its piece and the combined CRC of each stream matches; otherwise (a
//! magic number occurring by chance inside compressed data, once in about 1.4 × 10¹⁴ bits, or damaged input) the
//! whole input is decoded again sequentially, which either succeeds identically or reports the error.
//!
//! # References
//! - Seward, J., 1996–2019: *bzip2 and libbzip2* (manual and reference source, `decompress.c`, `bzlib.c`),
//!   <https://sourceware.org/bzip2/>; the block layout as documented in Tsai, J., 2016: *BZip2 format
//!   specification*, <https://github.com/dsnet/compress/blob/master/doc/bzip2-format.pdf>.
//! - Deutsch, P., 1996: *GZIP file format specification version 4.3*, RFC 1952, doi:10.17487/RFC1952.
//! - PKWARE Inc., 2022: *APPNOTE.TXT — .ZIP File Format Specification*, version 6.3.10, sections 4.3.7 (local file
//!   header), 4.3.12 (central directory) and 4.3.16 (end of central directory record).

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Largest decompressed output accepted, in bytes (2 GiB); more gives [`Error::Limits`].
pub const MAX_DECOMPRESSED_BYTES: u64 = 2 << 30;

/// Compression detected from magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No known compression signature: the bytes are used as they are.
    None,
    /// gzip (RFC 1952): starts with `1f 8b`.
    Gzip,
    /// bzip2: starts with `"BZh"` and a block-size digit `1`–`9`.
    Bzip2,
    /// zip archive: starts with a local file header, `"PK\x03\x04"`.
    Zip,
}

/// Detects the compression of `bytes` from their first bytes.
///
/// # Examples
/// ```
/// use squall::io::compression::{Compression, detect};
/// assert_eq!(detect(b"BZh91AY&SY"), Compression::Bzip2);
/// assert_eq!(detect(&[0x1f, 0x8b, 8, 0]), Compression::Gzip);
/// assert_eq!(detect(b"PK\x03\x04"), Compression::Zip);
/// assert_eq!(detect(b"BZh0"), Compression::None);
/// assert_eq!(detect(b"RSTM"), Compression::None);
/// ```
pub fn detect(bytes: &[u8]) -> Compression {
    match bytes {
        [0x1f, 0x8b, ..] => Compression::Gzip,
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => Compression::Bzip2,
        [b'P', b'K', 3, 4, ..] => Compression::Zip,
        _ => Compression::None,
    }
}

/// Decompresses `bytes` (whatever [`detect`] says; [`Compression::None`] → borrowed as is). `source_name` is used in
/// errors.
///
/// Concatenated bzip2 streams and multi-member gzip files are decoded in full; of a zip archive, the first entry that
/// is not a directory is returned (stored or deflate). bzip2 blocks are decoded in parallel on the rayon thread pool;
/// the output does not depend on the number of threads.
///
/// # Units
/// Bytes in, bytes out.
///
/// # Errors
/// - [`Error::Decode`] (format `"bzip2"`, `"gzip"` or `"zip"`) for truncated or corrupt data, a CRC or size
///   mismatch, or bytes after the last stream; `offset` is the byte offset in the compressed input where decoding
///   stopped (approximate for bzip2 and gzip, where the decoder reads ahead).
/// - [`Error::Limits`] if the output would exceed [`MAX_DECOMPRESSED_BYTES`].
/// - [`Error::Unsupported`] for encrypted, zip64 or multi-disk zip archives and compression methods other than
///   stored and deflate.
///
/// # Examples
/// ```
/// use std::io::Write;
/// use squall::io::compression::decompress;
///
/// let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
/// encoder.write_all(b"reflectivity").unwrap();
/// let gzip = encoder.finish().unwrap();
/// assert_eq!(&*decompress(&gzip, "<memory>").unwrap(), b"reflectivity");
/// assert!(matches!(decompress(b"RSTM", "<memory>").unwrap(), std::borrow::Cow::Borrowed(_)));
/// ```
///
/// # References
/// Seward's bzip2 format; RFC 1952; PKWARE APPNOTE.TXT (see the [module documentation](self)).
pub fn decompress<'a>(bytes: &'a [u8], source_name: &str) -> Result<Cow<'a, [u8]>> {
    decompress_with_limit(bytes, source_name, MAX_DECOMPRESSED_BYTES)
}

/// Reads a file and decodes it as [`decode_decompressed`] does; errors name the file. The `read` of the binary
/// radar formats.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; otherwise as [`decode_decompressed`].
pub(crate) fn read_decompressed<T>(
    path: &Path,
    decode: impl FnOnce(&[u8], &str) -> Result<T>,
) -> Result<T> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_decompressed(&bytes, &path.display().to_string(), decode)
}

/// Removes any outer compression ([`decompress`]) and decodes the bytes with `decode(bytes, source_name)`.
///
/// # Errors
/// The decompressor's and the decoder's errors.
pub(crate) fn decode_decompressed<T>(
    bytes: &[u8],
    source_name: &str,
    decode: impl FnOnce(&[u8], &str) -> Result<T>,
) -> Result<T> {
    decode(&decompress(bytes, source_name)?, source_name)
}

/// [`decompress`] with the output cap `limit` (bytes) as a parameter.
/// Writes `bytes` to a new file at `path`, compressed as asked (bzip2 at the best level, as radars deliver
/// files, or gzip at the default level).
///
/// # Errors
/// [`Error::Io`] if the file cannot be written; [`Error::Unsupported`] for zip output.
pub fn write_compressed(
    path: &std::path::Path,
    bytes: &[u8],
    compression: Compression,
) -> Result<()> {
    use std::io::Write;
    if compression == Compression::Zip {
        return Err(Error::Unsupported("writing zip archives".into()));
    }
    let io = |e| Error::io(path, e);
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(io)?);
    match compression {
        Compression::Bzip2 => {
            let mut enc = bzip2::write::BzEncoder::new(&mut file, bzip2::Compression::best());
            enc.write_all(bytes).map_err(io)?;
            enc.finish().map_err(io)?;
        }
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(&mut file, flate2::Compression::default());
            enc.write_all(bytes).map_err(io)?;
            enc.finish().map_err(io)?;
        }
        Compression::None | Compression::Zip => file.write_all(bytes).map_err(io)?,
    }
    file.flush().map_err(io)
}

fn decompress_with_limit<'a>(
    bytes: &'a [u8],
    source_name: &str,
    limit: u64,
) -> Result<Cow<'a, [u8]>> {
    let out = match detect(bytes) {
        Compression::None => return Ok(Cow::Borrowed(bytes)),
        Compression::Gzip => gzip(bytes, source_name, limit)?,
        Compression::Bzip2 => bzip2(bytes, source_name, limit)?,
        Compression::Zip => zip(bytes, source_name, limit)?,
    };
    Ok(Cow::Owned(out))
}

/// Output is read in pieces of this many bytes between checks of the cap.
const READ_CHUNK: u64 = 1 << 20;

/// Why reading a decoder's output stopped.
#[derive(Debug)]
enum Failure {
    /// The output, counted over all threads, passed `limit` (bytes); `reached` is how far it got.
    Limit { reached: u64, limit: u64 },
    /// The decoder rejected the data.
    Data(std::io::Error),
}

impl Failure {
    /// The crate error for this failure while decoding `format` at byte `offset` of `source_name`.
    fn into_error(self, format: &'static str, source_name: &str, offset: usize) -> Error {
        match self {
            Failure::Limit { reached, limit } => Error::Limits {
                what: format!("decompressed {format} data of {source_name} (bytes, lower bound)"),
                requested: reached,
                limit,
            },
            Failure::Data(error) => {
                decode_error(format, source_name, offset as u64, error.to_string())
            }
        }
    }
}

fn decode_error(
    format: &'static str,
    source_name: &str,
    offset: u64,
    reason: impl Into<String>,
) -> Error {
    Error::Decode {
        format,
        source_name: source_name.to_owned(),
        offset,
        reason: reason.into(),
    }
}

/// Appends everything `reader` yields to `out`, adding the count to `total` (shared between threads) and stopping
/// with [`Failure::Limit`] once `total` exceeds `limit`.
fn read_capped(
    reader: &mut impl Read,
    out: &mut Vec<u8>,
    total: &AtomicU64,
    limit: u64,
) -> std::result::Result<(), Failure> {
    loop {
        let n = reader
            .by_ref()
            .take(READ_CHUNK)
            .read_to_end(out)
            .map_err(Failure::Data)? as u64;
        if n == 0 {
            return Ok(());
        }
        let reached = total.fetch_add(n, Ordering::Relaxed) + n;
        if reached > limit {
            return Err(Failure::Limit { reached, limit });
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// gzip

/// Decodes all members of a gzip file.
fn gzip(bytes: &[u8], source_name: &str, limit: u64) -> Result<Vec<u8>> {
    // The trailer's ISIZE (size mod 2³², exact for one member) as a capacity hint, bounded by deflate's largest
    // ratio (1032:1) so that a forged trailer cannot force a large allocation.
    let isize_hint = bytes
        .last_chunk::<4>()
        .map_or(0, |tail| u64::from(u32::from_le_bytes(*tail)));
    let hint = isize_hint
        .min(1032_u64.saturating_mul(bytes.len() as u64))
        .min(limit);
    let mut out = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    let mut input = bytes;
    let result = read_capped(
        &mut flate2::bufread::MultiGzDecoder::new(&mut input),
        &mut out,
        &AtomicU64::new(0),
        limit,
    );
    let offset = bytes.len() - input.len();
    result.map_err(|failure| failure.into_error("gzip", source_name, offset))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------------------
// zip

/// Sizes and position of one zip entry, from the central directory.
struct ZipEntry {
    flags: u16,
    method: u16,
    crc: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    local_header_offset: usize,
}

/// Field values meaning "see the zip64 extra field".
const ZIP64_U16: u16 = u16::MAX;
const ZIP64_U32: u32 = u32::MAX;

fn le16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(*bytes.get(at..)?.first_chunk::<2>()?))
}

fn le32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(*bytes.get(at..)?.first_chunk::<4>()?))
}

/// Decodes the first file (not directory) of a zip archive.
fn zip(bytes: &[u8], source_name: &str, limit: u64) -> Result<Vec<u8>> {
    let bad = |offset: usize, reason: &str| decode_error("zip", source_name, offset as u64, reason);
    let entry = first_zip_entry(bytes, source_name)?;
    if entry.flags & 1 != 0 {
        return Err(Error::Unsupported(format!(
            "{source_name}: encrypted zip entry"
        )));
    }
    if entry.method != 0 && entry.method != 8 {
        return Err(Error::Unsupported(format!(
            "{source_name}: zip compression method {} (only 0 stored and 8 deflate are read)",
            entry.method
        )));
    }
    if entry.uncompressed_size > limit {
        return Err(Error::Limits {
            what: format!("decompressed zip entry of {source_name} (bytes)"),
            requested: entry.uncompressed_size,
            limit,
        });
    }
    let header = entry.local_header_offset;
    if le32(bytes, header) != Some(0x0403_4b50) {
        return Err(bad(
            header,
            "no local file header where the central directory points",
        ));
    }
    let (Some(name_len), Some(extra_len)) = (le16(bytes, header + 26), le16(bytes, header + 28))
    else {
        return Err(bad(header, "truncated local file header"));
    };
    let data_start = header + 30 + usize::from(name_len) + usize::from(extra_len);
    let data = usize::try_from(entry.compressed_size)
        .ok()
        .and_then(|size| bytes.get(data_start..data_start.checked_add(size)?))
        .ok_or_else(|| {
            bad(
                data_start,
                &format!(
                    "entry data of {} bytes runs past the end of the file",
                    entry.compressed_size
                ),
            )
        })?;
    let out = if entry.method == 0 {
        data.to_vec()
    } else {
        let hint = entry
            .uncompressed_size
            .min(1032 * entry.compressed_size + 1024);
        let mut out = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
        let mut input = data;
        let result = read_capped(
            &mut flate2::bufread::DeflateDecoder::new(&mut input),
            &mut out,
            &AtomicU64::new(0),
            limit,
        );
        let offset = data_start + data.len() - input.len();
        result.map_err(|failure| failure.into_error("zip", source_name, offset))?;
        out
    };
    if out.len() as u64 != entry.uncompressed_size {
        return Err(bad(
            data_start,
            &format!(
                "entry decodes to {} bytes, the directory says {}",
                out.len(),
                entry.uncompressed_size
            ),
        ));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    if crc.sum() != entry.crc {
        return Err(bad(
            data_start,
            &format!(
                "CRC-32 of the entry is {:08x}, the directory says {:08x}",
                crc.sum(),
                entry.crc
            ),
        ));
    }
    Ok(out)
}

/// Finds the first non-directory entry through the end of central directory record (APPNOTE 4.3.16, 4.3.12).
fn first_zip_entry(bytes: &[u8], source_name: &str) -> Result<ZipEntry> {
    let bad = |offset: usize, reason: &str| decode_error("zip", source_name, offset as u64, reason);
    let unsupported = |what: &str| Error::Unsupported(format!("{source_name}: {what} zip archive"));
    // The record is 22 bytes plus a comment of at most 65 535 bytes, at the end of the file.
    let lowest = bytes.len().saturating_sub(22 + usize::from(u16::MAX));
    let eocd = (lowest..bytes.len().saturating_sub(21))
        .rev()
        .find(|&at| le32(bytes, at) == Some(0x0605_4b50))
        .ok_or_else(|| {
            bad(
                bytes.len(),
                "end of central directory record not found (truncated archive?)",
            )
        })?;
    let field16 = |at: usize| le16(bytes, eocd + at).unwrap_or(0);
    if field16(4) != 0 || field16(6) != 0 {
        return Err(unsupported("multi-disk"));
    }
    let entries = field16(10);
    let directory = le32(bytes, eocd + 16).unwrap_or(0);
    if entries == ZIP64_U16 || directory == ZIP64_U32 {
        return Err(unsupported("zip64"));
    }
    let mut at = directory as usize;
    for _ in 0..entries {
        if le32(bytes, at) != Some(0x0201_4b50) {
            return Err(bad(at, "central directory file header expected"));
        }
        let header = bytes
            .get(at..at + 46)
            .ok_or_else(|| bad(at, "truncated central directory"))?;
        let field32 = |offset: usize| le32(header, offset).unwrap_or(0);
        let field16 = |offset: usize| le16(header, offset).unwrap_or(0);
        let name_len = usize::from(field16(28));
        let name = bytes
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| bad(at, "truncated central directory"))?;
        if !name.ends_with(b"/") {
            let (compressed_size, uncompressed_size, offset) =
                (field32(20), field32(24), field32(42));
            if [compressed_size, uncompressed_size, offset].contains(&ZIP64_U32) {
                return Err(unsupported("zip64"));
            }
            return Ok(ZipEntry {
                flags: field16(8),
                method: field16(10),
                crc: field32(16),
                compressed_size: u64::from(compressed_size),
                uncompressed_size: u64::from(uncompressed_size),
                local_header_offset: offset as usize,
            });
        }
        at += 46 + name_len + usize::from(field16(30)) + usize::from(field16(32));
    }
    Err(bad(directory as usize, "the archive contains no file"))
}

// ---------------------------------------------------------------------------------------------------------------
// bzip2

/// Start of every compressed block (the BCD digits of π).
const BLOCK_MAGIC: u64 = 0x3141_5926_5359;
/// Start of the end-of-stream record (the BCD digits of √π).
const END_MAGIC: u64 = 0x1772_4538_5090;
/// Length of both magic numbers, in bits.
const MAGIC_BITS: u32 = 48;
/// Length of a magic number and the CRC that follows it, in bits.
const MAGIC_AND_CRC_BITS: u64 = 80;

/// Decodes all concatenated bzip2 streams of `bytes`, block-parallel when there are several blocks and threads.
fn bzip2(bytes: &[u8], source_name: &str, limit: u64) -> Result<Vec<u8>> {
    if rayon::current_num_threads() < 2 {
        return bzip2_sequential(bytes, source_name, limit);
    }
    match bzip2_parallel(bytes, &find_magics(bytes), limit) {
        Some(Ok(out)) => Ok(out),
        Some(Err(failure)) => Err(failure.into_error("bzip2", source_name, 0)),
        None => bzip2_sequential(bytes, source_name, limit),
    }
}

/// The reference decoder: libbzip2's own stream loop over all concatenated streams.
fn bzip2_sequential(bytes: &[u8], source_name: &str, limit: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut input = bytes;
    let result = read_capped(
        &mut bzip2::bufread::MultiBzDecoder::new(&mut input),
        &mut out,
        &AtomicU64::new(0),
        limit,
    );
    let offset = bytes.len() - input.len();
    result.map_err(|failure| failure.into_error("bzip2", source_name, offset))?;
    Ok(out)
}

/// Which magic number was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MagicKind {
    Block,
    End,
}

/// A magic number at a bit offset of the input (bit 0 = most significant bit of byte 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Magic {
    bit: u64,
    kind: MagicKind,
}

/// One compressed block: bits `start..end` of the input (magic, CRC, Huffman-coded data).
#[derive(Debug, Clone, Copy)]
struct Block {
    start: u64,
    end: u64,
    /// Block-size digit of its stream, 1–9.
    level: u8,
    crc: u32,
}

/// Decodes the blocks of [`plan_blocks`] in parallel. `None` when that is not possible or not worth it (fewer than
/// two blocks, an unexpected layout, a block that does not decode): the caller then decodes sequentially.
fn bzip2_parallel(
    bytes: &[u8],
    magics: &[Magic],
    limit: u64,
) -> Option<std::result::Result<Vec<u8>, Failure>> {
    let blocks = plan_blocks(bytes, magics)?;
    if blocks.len() < 2 {
        return None;
    }
    let total = AtomicU64::new(0);
    let parts: std::result::Result<Vec<Vec<u8>>, Failure> = blocks
        .par_iter()
        .map(|block| decode_block(&standalone_stream(bytes, block), block.level, &total, limit))
        .collect();
    match parts {
        Ok(parts) => Some(Ok(concat_parallel(&parts))),
        Err(Failure::Data(_)) => None,
        Err(limit) => Some(Err(limit)),
    }
}

/// `parts` one after the other, copied in parallel (a 16 MB copy into fresh pages takes ≈ 10 ms on one core).
fn concat_parallel(parts: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![0; parts.iter().map(Vec::len).sum()];
    let mut pieces = Vec::with_capacity(parts.len());
    let mut rest = &mut out[..];
    for part in parts {
        let (piece, tail) = rest.split_at_mut(part.len());
        pieces.push(piece);
        rest = tail;
    }
    pieces
        .into_par_iter()
        .zip(parts)
        .for_each(|(piece, part)| piece.copy_from_slice(part));
    out
}

/// `count` (1–57) bits of `bytes` from bit offset `bit`, most significant first; `None` past the end.
fn read_bits(bytes: &[u8], bit: u64, count: u32) -> Option<u64> {
    if bit + u64::from(count) > 8 * bytes.len() as u64 {
        return None;
    }
    let first = (bit / 8) as usize;
    let available = &bytes[first..bytes.len().min(first + 8)];
    let mut word = [0; 8];
    word[..available.len()].copy_from_slice(available);
    Some((u64::from_be_bytes(word) << (bit % 8)) >> (64 - count))
}

/// Bitmap of the 16-bit values that bytes `i, i + 1` take when a magic number starts in byte `i − 1`.
static MAGIC_FILTER: [u64; 1024] = magic_filter();

const fn magic_filter() -> [u64; 1024] {
    let mut table = [0; 1024];
    let magics = [BLOCK_MAGIC, END_MAGIC];
    let mut m = 0;
    while m < magics.len() {
        let mut shift = 0;
        while shift < 8 {
            // A magic starting at bit `shift` of byte i − 1 has its bits 8 − shift .. 24 − shift in bytes i, i + 1.
            let value = ((magics[m] >> (24 + shift)) & 0xFFFF) as usize;
            table[value / 64] |= 1 << (value % 64);
            shift += 1;
        }
        m += 1;
    }
    table
}

/// Every bit offset where a block or end-of-stream magic number occurs, in increasing order.
fn find_magics(bytes: &[u8]) -> Vec<Magic> {
    let mut found = Vec::new();
    for (i, pair) in bytes.windows(2).enumerate().skip(1) {
        let value = usize::from(pair[0]) << 8 | usize::from(pair[1]);
        if MAGIC_FILTER[value / 64] >> (value % 64) & 1 == 0 {
            continue;
        }
        for shift in 0..8 {
            let bit = 8 * (i as u64 - 1) + shift;
            let Some(word) = read_bits(bytes, bit, MAGIC_BITS) else {
                break;
            };
            let kind = match word {
                BLOCK_MAGIC => MagicKind::Block,
                END_MAGIC => MagicKind::End,
                _ => continue,
            };
            found.push(Magic { bit, kind });
        }
    }
    found
}

/// Splits the input into blocks, assuming every magic number found is a real one: each block runs to the next
/// magic. Checks the stream headers, that the blocks of each stream follow each other without gaps and that their
/// CRCs combine into the stream CRC. `None` if anything does not fit.
fn plan_blocks(bytes: &[u8], magics: &[Magic]) -> Option<Vec<Block>> {
    let mut blocks = Vec::new();
    let mut next = 0;
    let mut stream_start = 0;
    while stream_start < bytes.len() {
        let level = match bytes.get(stream_start..stream_start + 4)? {
            [b'B', b'Z', b'h', digit @ b'1'..=b'9'] => digit - b'0',
            _ => return None,
        };
        let mut bit = 8 * (stream_start as u64 + 4);
        while magics.get(next).is_some_and(|magic| magic.bit < bit) {
            next += 1;
        }
        // Combined CRC: rotate left by one, xor the block CRC (bzlib.c, BZ2_bzCompress).
        let mut combined_crc = 0u32;
        loop {
            let magic = magics.get(next)?;
            if magic.bit != bit {
                return None;
            }
            let crc = read_bits(bytes, bit + u64::from(MAGIC_BITS), 32)? as u32;
            next += 1;
            match magic.kind {
                MagicKind::Block => {
                    let end = magics.get(next)?.bit;
                    blocks.push(Block {
                        start: bit,
                        end,
                        level,
                        crc,
                    });
                    combined_crc = combined_crc.rotate_left(1) ^ crc;
                    bit = end;
                }
                MagicKind::End => {
                    if crc != combined_crc {
                        return None;
                    }
                    stream_start = (bit + MAGIC_AND_CRC_BITS).div_ceil(8) as usize;
                    break;
                }
            }
        }
    }
    Some(blocks)
}

/// A one-block bzip2 stream holding `block`, re-aligned to a byte boundary: header, the block's bits, the
/// end-of-stream magic and the block CRC as the stream CRC, zero padding.
fn standalone_stream(bytes: &[u8], block: &Block) -> Vec<u8> {
    let bits = block.end - block.start;
    let whole_bytes = (bits / 8) as usize;
    let mut out = Vec::with_capacity(4 + whole_bytes + 12);
    out.extend_from_slice(&[b'B', b'Z', b'h', b'0' + block.level]);
    let first = (block.start / 8) as usize;
    let shift = (block.start % 8) as u32;
    if shift == 0 {
        out.extend_from_slice(&bytes[first..first + whole_bytes]);
    } else {
        // Byte `first + whole_bytes` holds the last whole byte's low bits, as `block.end` lies past it.
        let source = &bytes[first..=first + whole_bytes];
        out.extend(
            source
                .windows(2)
                .map(|pair| pair[0] << shift | pair[1] >> (8 - shift)),
        );
    }
    let rest_bits = (bits % 8) as u32;
    let rest = if rest_bits == 0 {
        0
    } else {
        read_bits(bytes, block.start + 8 * whole_bytes as u64, rest_bits).unwrap_or(0)
    };
    let tail_bits = rest_bits + MAGIC_AND_CRC_BITS as u32;
    let tail_bytes = tail_bits.div_ceil(8) as usize;
    let tail = (u128::from(rest) << MAGIC_AND_CRC_BITS
        | u128::from(END_MAGIC) << 32
        | u128::from(block.crc))
        << (8 * tail_bytes as u32 - tail_bits);
    out.extend_from_slice(&tail.to_be_bytes()[16 - tail_bytes..]);
    out
}

/// Decodes a one-block stream made by [`standalone_stream`]; it must decode to its very end.
fn decode_block(
    stream: &[u8],
    level: u8,
    total: &AtomicU64,
    limit: u64,
) -> std::result::Result<Vec<u8>, Failure> {
    let mut out = Vec::with_capacity(usize::from(level) * 100_000);
    let mut input = stream;
    read_capped(
        &mut bzip2::bufread::BzDecoder::new(&mut input),
        &mut out,
        total,
        limit,
    )?;
    if !input.is_empty() {
        return Err(Failure::Data(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "block ends before the next magic number",
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// `len` bytes of compressible text-like data: words from a small vocabulary, runs and numbers.
    fn synthetic(len: usize, seed: u64) -> Vec<u8> {
        const WORDS: [&[u8]; 8] = [
            b"reflectivity ",
            b"velocity ",
            b"ZDR ",
            b"\n",
            b"rain ",
            b"hail ",
            b"0000000000",
            b"\x00\x01\x02",
        ];
        let mut state = seed | 1;
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            if state % 5 == 0 {
                out.extend_from_slice(format!("{} ", state % 100_000).as_bytes());
            } else {
                out.extend_from_slice(WORDS[(state >> 8) as usize % WORDS.len()]);
            }
        }
        out.truncate(len);
        out
    }

    fn bz2(data: &[u8], level: u32) -> Vec<u8> {
        let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn sequential_reference(compressed: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        bzip2::read::MultiBzDecoder::new(compressed)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    /// Asserts equal byte strings, printing only the lengths and the first difference.
    #[track_caller]
    fn assert_same(found: &[u8], expected: &[u8]) {
        let first_difference = found.iter().zip(expected).position(|(a, b)| a != b);
        assert!(
            found == expected,
            "{} bytes, expected {}; first difference at {first_difference:?}",
            found.len(),
            expected.len()
        );
    }

    /// Decodes through the parallel path, failing the test if it falls back.
    fn parallel(compressed: &[u8]) -> Vec<u8> {
        bzip2_parallel(compressed, &find_magics(compressed), MAX_DECOMPRESSED_BYTES)
            .expect("parallel path taken")
            .unwrap()
    }

    /// A zip archive holding a directory entry, then `data` as `name` (stored or deflated), then a second file.
    fn zip_archive(name: &str, data: &[u8], deflate: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        let entries: [(&str, &[u8], bool); 3] = [
            ("dir/", b"", false),
            (name, data, deflate),
            ("b.txt", b"other", false),
        ];
        for (name, data, deflate) in entries {
            let payload = if deflate {
                let mut encoder =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
                encoder.write_all(data).unwrap();
                encoder.finish().unwrap()
            } else {
                data.to_vec()
            };
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let method: u16 = if deflate { 8 } else { 0 };
            let mut common = Vec::new();
            for value in [20u16, 0, method, 0, 0] {
                common.extend_from_slice(&value.to_le_bytes());
            }
            for value in [crc.sum(), payload.len() as u32, data.len() as u32] {
                common.extend_from_slice(&value.to_le_bytes());
            }
            common.extend_from_slice(&(name.len() as u16).to_le_bytes());
            common.extend_from_slice(&0u16.to_le_bytes());
            directory.extend_from_slice(b"PK\x01\x02\x14\x00");
            directory.extend_from_slice(&common);
            directory.extend_from_slice(&[0; 10]);
            directory.extend_from_slice(&(out.len() as u32).to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&common);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&payload);
        }
        let directory_offset = out.len() as u32;
        out.extend_from_slice(&directory);
        out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00\x03\x00\x03\x00");
        out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        out.extend_from_slice(&directory_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn detects_magic_bytes() {
        assert_eq!(detect(&bz2(b"x", 9)), Compression::Bzip2);
        assert_eq!(detect(&gz(b"x")), Compression::Gzip);
        assert_eq!(detect(&zip_archive("a", b"x", true)), Compression::Zip);
        for bytes in [
            &b""[..],
            b"B",
            b"BZh",
            b"BZhA",
            b"\x1f",
            b"PK\x05\x06",
            b"RSTM",
        ] {
            assert_eq!(detect(bytes), Compression::None, "{bytes:?}");
        }
    }

    #[test]
    fn uncompressed_input_is_borrowed() {
        let bytes = b"RSTM\x01\x00";
        assert!(matches!(decompress(bytes, "<memory>").unwrap(), Cow::Borrowed(b) if b == bytes));
    }

    #[test]
    fn parallel_bzip2_matches_sequential_on_many_blocks() {
        let data = synthetic(3_000_000, 7);
        let compressed = bz2(&data, 1);
        let blocks = plan_blocks(&compressed, &find_magics(&compressed)).unwrap();
        assert!(blocks.len() >= 25, "{} blocks", blocks.len());
        // Blocks start at assorted bit alignments, so the re-alignment is exercised.
        assert!(blocks.iter().any(|block| block.start % 8 != 0));
        let out = parallel(&compressed);
        assert_same(&out, &sequential_reference(&compressed));
        assert_same(&out, &data);
        assert_same(&decompress(&compressed, "synthetic.bz2").unwrap(), &data);
    }

    #[test]
    fn tiny_and_empty_bzip2_streams() {
        for data in [&b""[..], b"a", b"hello, radar"] {
            let compressed = bz2(data, 9);
            assert_eq!(&*decompress(&compressed, "tiny.bz2").unwrap(), data);
            assert_eq!(sequential_reference(&compressed), data);
        }
    }

    #[test]
    fn concatenated_bzip2_streams_decode_fully() {
        let (a, b) = (synthetic(450_000, 1), synthetic(1_200_000, 2));
        let compressed = [bz2(&a, 1), bz2(b"", 5), bz2(&b, 9), bz2(b"tail", 3)].concat();
        let expected = [&a[..], &b[..], b"tail"].concat();
        assert_eq!(
            plan_blocks(&compressed, &find_magics(&compressed))
                .unwrap()
                .len(),
            5 + 2 + 1
        );
        assert_same(&parallel(&compressed), &expected);
        assert_same(&sequential_reference(&compressed), &expected);
        assert_same(&decompress(&compressed, "multi.bz2").unwrap(), &expected);
    }

    #[test]
    fn spurious_magic_falls_back_to_sequential() {
        let data = synthetic(500_000, 3);
        let compressed = bz2(&data, 1);
        let mut magics = find_magics(&compressed);
        // Pretend a block magic occurs by chance in the middle of the second block.
        let fake = (magics[1].bit + magics[2].bit) / 2;
        magics.insert(
            2,
            Magic {
                bit: fake,
                kind: MagicKind::Block,
            },
        );
        assert!(bzip2_parallel(&compressed, &magics, MAX_DECOMPRESSED_BYTES).is_none());
        let mut magics = find_magics(&compressed);
        magics.insert(
            2,
            Magic {
                bit: fake,
                kind: MagicKind::End,
            },
        );
        assert!(bzip2_parallel(&compressed, &magics, MAX_DECOMPRESSED_BYTES).is_none());
    }

    #[test]
    fn standalone_stream_realigns_bits() {
        let compressed = bz2(&synthetic(300_000, 4), 1);
        let magics = find_magics(&compressed);
        for block in plan_blocks(&compressed, &magics).unwrap() {
            let stream = standalone_stream(&compressed, &block);
            assert_eq!(read_bits(&stream, 32, MAGIC_BITS), Some(BLOCK_MAGIC));
            let end = 32 + block.end - block.start;
            assert_eq!(read_bits(&stream, end, MAGIC_BITS), Some(END_MAGIC));
            assert_eq!(read_bits(&stream, end + 48, 32), Some(u64::from(block.crc)));
            assert_eq!(stream.len() as u64, (end + MAGIC_AND_CRC_BITS).div_ceil(8));
        }
    }

    #[test]
    fn corrupt_and_truncated_bzip2_is_an_error() {
        let compressed = [bz2(&synthetic(400_000, 5), 1), bz2(b"second", 1)].concat();
        let len = compressed.len();
        for cut in [5, 10, 14, 100, len / 3, len / 2, len - 60, len - 1] {
            let error = decompress(&compressed[..cut], "cut.bz2").unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Decode {
                        format: "bzip2",
                        ..
                    }
                ),
                "cut at {cut}: {error}"
            );
        }
        for at in [4, 20, len / 4, len / 2, len - 50, len - 3] {
            let mut damaged = compressed.clone();
            damaged[at] ^= 0x24;
            let error = decompress(&damaged, "damaged.bz2").unwrap_err();
            assert!(
                matches!(
                    error,
                    Error::Decode {
                        format: "bzip2",
                        ..
                    }
                ),
                "byte {at}: {error}"
            );
        }
        let trailing = [&compressed[..], b"garbage"].concat();
        assert!(decompress(&trailing, "trailing.bz2").is_err());
    }

    #[test]
    fn output_is_capped() {
        let data = synthetic(1_000_000, 6);
        let inputs = [
            bz2(&data, 1),
            bz2(&data, 9),
            gz(&data),
            zip_archive("a", &data, true),
        ];
        for input in &inputs {
            let error = decompress_with_limit(input, "big", 400_000).unwrap_err();
            assert!(
                matches!(error, Error::Limits { limit: 400_000, .. }),
                "{error}"
            );
            assert_same(
                &decompress_with_limit(input, "big", 1_000_000).unwrap(),
                &data,
            );
        }
    }

    #[test]
    fn multi_member_gzip_decodes_fully() {
        let (a, b) = (synthetic(200_000, 8), synthetic(1000, 9));
        let compressed = [gz(&a), gz(&b), gz(b"")].concat();
        assert_same(
            &decompress(&compressed, "multi.gz").unwrap(),
            &[a, b].concat(),
        );
    }

    #[test]
    fn corrupt_and_truncated_gzip_is_an_error() {
        let compressed = gz(&synthetic(100_000, 10));
        let len = compressed.len();
        for cut in [2, 5, 10, 11, len / 2, len - 8, len - 1] {
            let error = decompress(&compressed[..cut], "cut.gz").unwrap_err();
            assert!(
                matches!(error, Error::Decode { format: "gzip", .. }),
                "cut at {cut}: {error}"
            );
        }
        for at in [3, len / 2, len - 6, len - 2] {
            let mut damaged = compressed.clone();
            damaged[at] ^= 0x55;
            let error = decompress(&damaged, "damaged.gz").unwrap_err();
            assert!(
                matches!(error, Error::Decode { format: "gzip", .. }),
                "byte {at}: {error}"
            );
        }
    }

    #[test]
    fn zip_first_file_stored_or_deflated() {
        let data = synthetic(50_000, 11);
        for deflate in [false, true] {
            let archive = zip_archive("volume.bin", &data, deflate);
            assert_same(&decompress(&archive, "a.zip").unwrap(), &data);
        }
    }

    #[test]
    fn corrupt_and_truncated_zip_is_an_error() {
        let data = synthetic(20_000, 12);
        for deflate in [false, true] {
            let archive = zip_archive("volume.bin", &data, deflate);
            let len = archive.len();
            for cut in [4, 30, len / 2, len - 22, len - 1] {
                let error = decompress(&archive[..cut], "cut.zip").unwrap_err();
                assert!(
                    matches!(error, Error::Decode { format: "zip", .. }),
                    "cut at {cut}: {error}"
                );
            }
            let mut damaged = archive.clone();
            damaged[len / 3] ^= 0x10;
            assert!(decompress(&damaged, "damaged.zip").is_err());
            // Point the directory entry past the end of the file.
            let mut damaged = archive.clone();
            let directory =
                u32::from_le_bytes(damaged[len - 6..len - 2].try_into().unwrap()) as usize;
            let second = directory + 46 + 4;
            damaged[second + 20..second + 24].copy_from_slice(&0x7fff_ffff_u32.to_le_bytes());
            let error = decompress(&damaged, "damaged.zip").unwrap_err();
            assert!(
                matches!(error, Error::Decode { format: "zip", .. }),
                "{error}"
            );
        }
    }

    #[test]
    fn real_xband_file_parallel_matches_sequential() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/radar/Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2"
        );
        let Ok(compressed) = std::fs::read(path) else {
            eprintln!("skipping real_xband_file_parallel_matches_sequential: {path} is absent");
            return;
        };
        let out = parallel(&compressed);
        assert_eq!(out.len(), 16_476_451);
        assert_eq!(&out[..4], b"RSTM");
        assert_same(&out, &sequential_reference(&compressed));
        assert_same(&decompress(&compressed, path).unwrap(), &out);
    }
}
