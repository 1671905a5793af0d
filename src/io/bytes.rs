//! Bounds-checked field access for binary radar formats: little-endian (CINRAD) and, through the `be_` accessors,
//! big-endian (NEXRAD).
//!
//! Every read checks the bytes available first and reports a [`Error::Decode`] naming the source and offset, so
//! that no reader can panic or trust a length it has not checked.

use crate::error::{Error, Result};

/// Cap on the gates a binary reader decodes (all sweeps and moments) per byte of its decompressed input, plus a
/// fixed allowance: a file cannot make the reader allocate far more than its own size by declaring long or finely
/// spaced rays or odd gate lengths. Real files need about one gate per byte (a full CINRAD/SA record under 3).
const MAX_GATES_PER_BYTE: u64 = 8;
const GATE_ALLOWANCE: u64 = 1 << 24;

/// Checks the gates a header asks for against the cap for `input_bytes` of input.
///
/// # Errors
/// [`Error::Limits`] naming `source_name` when `requested` exceeds it.
pub fn check_gate_count(requested: u64, input_bytes: usize, source_name: &str) -> Result<()> {
    let limit = MAX_GATES_PER_BYTE * input_bytes as u64 + GATE_ALLOWANCE;
    if requested > limit {
        return Err(Error::Limits {
            what: format!("{source_name}: decoded gates"),
            requested,
            limit,
        });
    }
    Ok(())
}

/// A position in a byte stream, with the format and source name used in errors.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    format: &'static str,
    source_name: &'a str,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8], format: &'static str, source_name: &'a str) -> Self {
        Cursor {
            data,
            pos: 0,
            format,
            source_name,
        }
    }

    /// Current byte offset.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes left after the current position.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// A decode error at the current position.
    pub fn error(&self, reason: impl Into<String>) -> Error {
        self.error_at(self.pos, reason)
    }

    /// A decode error at a given offset.
    pub fn error_at(&self, offset: usize, reason: impl Into<String>) -> Error {
        Error::Decode {
            format: self.format,
            source_name: self.source_name.to_owned(),
            offset: offset as u64,
            reason: reason.into(),
        }
    }

    /// Takes the next `n` bytes, or fails naming `what` was being read.
    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(format!(
                "{what} needs {n} bytes but only {} remain",
                self.remaining()
            )));
        }
        let slice = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    /// Moves to byte offset `pos` (at most the length of the data), e.g. to follow a pointer.
    pub fn seek(&mut self, pos: usize, what: &str) -> Result<()> {
        if pos > self.data.len() {
            return Err(self.error(format!(
                "{what} at byte offset {pos} lies past the end of the data ({} bytes)",
                self.data.len()
            )));
        }
        self.pos = pos;
        Ok(())
    }

    /// Takes a fixed-size block of `N` bytes as a [`Block`].
    pub fn block<const N: usize>(&mut self, what: &str) -> Result<Block<'a, N>> {
        let offset = self.pos;
        let bytes = self.take(N, what)?;
        let bytes: &'a [u8; N] = bytes
            .try_into()
            .map_err(|_| self.error_at(offset, "internal block size"))?;
        Ok(Block { bytes, offset })
    }
}

/// A fixed-size header block whose length has been checked: fields at constant offsets cannot run past its end
/// (a field read beyond `N` is a compile-time-sized slice error caught by the tests of each format).
#[derive(Debug, Clone, Copy)]
pub struct Block<'a, const N: usize> {
    bytes: &'a [u8; N],
    /// Offset of the block in the stream.
    pub offset: usize,
}

impl<const N: usize> Block<'_, N> {
    fn array<const K: usize>(&self, at: usize) -> [u8; K] {
        let mut out = [0u8; K];
        out.copy_from_slice(&self.bytes[at..at + K]);
        out
    }

    /// `u8` at `at`.
    pub fn u8(&self, at: usize) -> u8 {
        self.bytes[at]
    }

    /// Little-endian `i16` at `at`.
    pub fn i16(&self, at: usize) -> i16 {
        i16::from_le_bytes(self.array(at))
    }

    /// Little-endian `u16` at `at`.
    pub fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes(self.array(at))
    }

    /// Little-endian `i32` at `at`.
    pub fn i32(&self, at: usize) -> i32 {
        i32::from_le_bytes(self.array(at))
    }

    /// Little-endian `u32` at `at`.
    pub fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.array(at))
    }

    /// Little-endian `i64` at `at`.
    pub fn i64(&self, at: usize) -> i64 {
        i64::from_le_bytes(self.array(at))
    }

    /// Little-endian `f32` at `at`.
    pub fn f32(&self, at: usize) -> f32 {
        f32::from_le_bytes(self.array(at))
    }

    /// Big-endian `i16` at `at`.
    pub fn be_i16(&self, at: usize) -> i16 {
        i16::from_be_bytes(self.array(at))
    }

    /// Big-endian `u16` at `at`.
    pub fn be_u16(&self, at: usize) -> u16 {
        u16::from_be_bytes(self.array(at))
    }

    /// Big-endian `i32` at `at`.
    pub fn be_i32(&self, at: usize) -> i32 {
        i32::from_be_bytes(self.array(at))
    }

    /// Big-endian `u32` at `at`.
    pub fn be_u32(&self, at: usize) -> u32 {
        u32::from_be_bytes(self.array(at))
    }

    /// Big-endian `f32` at `at`.
    pub fn be_f32(&self, at: usize) -> f32 {
        f32::from_be_bytes(self.array(at))
    }

    /// A NUL-padded text field of `len` bytes at `at` (invalid UTF-8 replaced, trailing NULs and spaces removed).
    pub fn text(&self, at: usize, len: usize) -> String {
        let raw = &self.bytes[at..at + len];
        let end = raw.iter().position(|&b| b == 0).unwrap_or(len);
        String::from_utf8_lossy(&raw[..end]).trim().to_owned()
    }
}

/// A fixed-size block being written, fields placed at constant offsets (little-endian), zero elsewhere.
#[derive(Debug, Clone)]
pub struct BlockWriter<const N: usize> {
    bytes: [u8; N],
}

impl<const N: usize> Default for BlockWriter<N> {
    fn default() -> Self {
        BlockWriter { bytes: [0; N] }
    }
}

impl<const N: usize> BlockWriter<N> {
    fn put(&mut self, at: usize, value: &[u8]) -> &mut Self {
        self.bytes[at..at + value.len()].copy_from_slice(value);
        self
    }

    /// Puts a `u8` at `at`.
    pub fn u8(&mut self, at: usize, v: u8) -> &mut Self {
        self.put(at, &[v])
    }

    /// Puts a little-endian `i16` at `at`.
    pub fn i16(&mut self, at: usize, v: i16) -> &mut Self {
        self.put(at, &v.to_le_bytes())
    }

    /// Puts a little-endian `u16` at `at`.
    pub fn u16(&mut self, at: usize, v: u16) -> &mut Self {
        self.put(at, &v.to_le_bytes())
    }

    /// Puts a little-endian `i32` at `at`.
    pub fn i32(&mut self, at: usize, v: i32) -> &mut Self {
        self.put(at, &v.to_le_bytes())
    }

    /// Puts a little-endian `u32` at `at`.
    pub fn u32(&mut self, at: usize, v: u32) -> &mut Self {
        self.put(at, &v.to_le_bytes())
    }

    /// Puts a little-endian `i64` at `at`.
    pub fn i64(&mut self, at: usize, v: i64) -> &mut Self {
        self.put(at, &v.to_le_bytes())
    }

    /// Puts a little-endian `f32` at `at`.
    pub fn f32(&mut self, at: usize, v: f32) -> &mut Self {
        self.put(at, &v.to_le_bytes())
    }

    /// Puts text at `at`, truncated to `len` bytes (at a character boundary) and NUL-padded.
    pub fn text(&mut self, at: usize, len: usize, text: &str) -> &mut Self {
        let mut end = text.len().min(len);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.put(at, &text.as_bytes()[..end])
    }

    /// The finished block.
    pub fn bytes(&self) -> &[u8; N] {
        &self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_the_end_are_errors_with_offsets() {
        let data = [1u8, 0, 0, 0, 2];
        let mut c = Cursor::new(&data, "test", "mem");
        let b = c.block::<4>("header").unwrap();
        assert_eq!(b.i32(0), 1);
        let err = c.block::<4>("next").unwrap_err().to_string();
        assert!(
            err.contains("offset 4") && err.contains("needs 4 bytes but only 1 remain"),
            "{err}"
        );
    }

    #[test]
    fn big_endian_fields_and_seek() {
        let data = [0xff, 0xfe, 0x00, 0x00, 0x09, 0x80, 0x3f, 0xc0, 0x00, 0x00];
        let mut c = Cursor::new(&data, "test", "mem");
        c.seek(4, "field").unwrap();
        let b = c.block::<6>("block").unwrap();
        assert_eq!(b.offset, 4);
        assert_eq!((b.be_u16(0), b.be_i16(0), b.be_f32(2)), (2432, 2432, 1.5));
        c.seek(0, "start").unwrap();
        let b = c.block::<4>("block").unwrap();
        assert_eq!(
            (b.be_i16(0), b.be_u32(0), b.be_i32(0)),
            (-2, 0xfffe_0000, -131_072)
        );
        let err = c.seek(11, "pointer").unwrap_err().to_string();
        assert!(err.contains("pointer at byte offset 11"), "{err}");
    }

    #[test]
    fn text_fields_stop_at_nul() {
        let data = *b"ZG170\0\0\0";
        let mut c = Cursor::new(&data, "test", "mem");
        assert_eq!(c.block::<8>("id").unwrap().text(0, 8), "ZG170");
    }

    #[test]
    fn writer_and_reader_agree() {
        let mut w = BlockWriter::<16>::default();
        w.i32(0, -7)
            .f32(4, 1.5)
            .u16(8, 65_000)
            .text(10, 6, "站点ABC");
        let mut c = Cursor::new(w.bytes(), "test", "mem");
        let b = c.block::<16>("block").unwrap();
        assert_eq!((b.i32(0), b.f32(4), b.u16(8)), (-7, 1.5, 65_000));
        assert_eq!(b.text(10, 6), "站点");
    }
}
