//! The volume header and the LDM records that carry the message stream (Archive II/User ICD, section 7).

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;

use super::{FORMAT_NAME, is_nexrad_level2};
use crate::error::{Error, Result};
use crate::io::bytes::Cursor;
use crate::io::compression::{self, Compression, MAX_DECOMPRESSED_BYTES};

/// Length of the volume header, bytes.
pub const VOLUME_HEADER_LEN: usize = 24;

/// The messages of a file, ready to be walked.
#[derive(Debug)]
pub struct MessageStream<'a> {
    /// ICAO identifier from the volume header (empty if blank).
    pub icao: String,
    /// The pieces holding whole messages, in file order.
    pub segments: Vec<Segment<'a>>,
}

/// A piece of the file holding whole messages: the file itself (uncompressed files) or one decompressed LDM
/// record.
#[derive(Debug)]
pub struct Segment<'a> {
    /// The bytes.
    pub bytes: Cow<'a, [u8]>,
    /// Offset of the first message's CTM header in `bytes`.
    pub first_message: usize,
    /// Index of the LDM record these bytes were decompressed from (`None`: the file itself).
    pub record: Option<usize>,
}

impl Segment<'_> {
    /// An error found in this segment, its reason naming the LDM record the offset refers to.
    pub fn locate(&self, error: Error) -> Error {
        match (self.record, error) {
            (
                Some(index),
                Error::Decode {
                    format,
                    source_name,
                    offset,
                    reason,
                },
            ) => Error::Decode {
                format,
                source_name,
                offset,
                reason: format!("in decompressed LDM record {index}: {reason}"),
            },
            (_, other) => other,
        }
    }
}

/// Reads the volume header and returns the message segments: the file itself for uncompressed (legacy) files,
/// whose messages follow the header, or the LDM records decompressed in parallel, each holding whole messages
/// (134 metadata messages in the first record, up to 120 radials in each following one).
///
/// # Errors
/// [`Error::Decode`] for a missing signature, a truncated header or record, a record that is not a bzip2 stream,
/// a missing last record, bytes after it, or corrupt bzip2 data; [`Error::Limits`] if the records decompress to
/// more than [`MAX_DECOMPRESSED_BYTES`] in total.
pub fn message_stream<'a>(data: &'a [u8], source_name: &str) -> Result<MessageStream<'a>> {
    let mut c = Cursor::new(data, FORMAT_NAME, source_name);
    if !is_nexrad_level2(data) {
        return Err(c.error(format!(
            "no \"AR2V\" or \"ARCHIVE2\" volume header signature (first bytes {:02x?})",
            &data[..data.len().min(8)]
        )));
    }
    let header = c.block::<VOLUME_HEADER_LEN>("volume header")?;
    let icao = header.text(20, 4);
    // A compressed file continues with a record size and the "BZh" signature of its first bzip2 stream.
    if data.get(VOLUME_HEADER_LEN + 4..VOLUME_HEADER_LEN + 7) != Some(b"BZh") {
        return Ok(MessageStream {
            icao,
            segments: vec![Segment {
                bytes: Cow::Borrowed(data),
                first_message: VOLUME_HEADER_LEN,
                record: None,
            }],
        });
    }
    let records = split_records(&mut c)?;
    let total = AtomicU64::new(0);
    // One task per record, the largest first, so that no long record is left to run alone at the end.
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(records[i].1.len()));
    let mut segments = order
        .into_par_iter()
        .with_max_len(1)
        .map(|index| {
            let (start, record) = records[index];
            let bytes = compression::decompress(record, source_name)
                .map_err(|e| in_record(e, index, start))?;
            let reached =
                total.fetch_add(bytes.len() as u64, Ordering::Relaxed) + bytes.len() as u64;
            if reached > MAX_DECOMPRESSED_BYTES {
                return Err(Error::Limits {
                    what: format!("{source_name}: decompressed LDM records (bytes, lower bound)"),
                    requested: reached,
                    limit: MAX_DECOMPRESSED_BYTES,
                });
            }
            Ok(Segment {
                bytes: Cow::Owned(bytes.into_owned()),
                first_message: 0,
                record: Some(index),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    segments.sort_by_key(|segment| segment.record);
    Ok(MessageStream { icao, segments })
}

/// Splits the LDM records after the volume header: `(offset of the bzip2 data, bzip2 data)` each.
fn split_records<'a>(c: &mut Cursor<'a>) -> Result<Vec<(usize, &'a [u8])>> {
    let mut records = Vec::new();
    loop {
        if c.remaining() == 0 {
            return Err(c.error(format!(
                "file ends after {} LDM records without the last one (negative size): truncated",
                records.len()
            )));
        }
        let size = c.block::<4>("LDM record size")?.be_i32(0);
        if size == 0 {
            return Err(c.error_at(c.position() - 4, "LDM record of size 0"));
        }
        let len = size.unsigned_abs() as usize;
        let start = c.position();
        let record = c.take(len, "LDM record")?;
        if compression::detect(record) != Compression::Bzip2 {
            return Err(c.error_at(start, "LDM record does not start with a bzip2 signature"));
        }
        records.push((start, record));
        if size < 0 {
            break;
        }
    }
    if c.remaining() > 0 {
        return Err(c.error(format!(
            "{} bytes follow the last LDM record",
            c.remaining()
        )));
    }
    Ok(records)
}

/// A decompression error of record `index` (bzip2 data at byte `start` of the file), with file offsets.
fn in_record(error: Error, index: usize, start: usize) -> Error {
    match error {
        Error::Decode {
            format,
            source_name,
            offset,
            reason,
        } => Error::Decode {
            format,
            source_name,
            offset: offset + start as u64,
            reason: format!("LDM record {index}: {reason}"),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn bz2(data: &[u8]) -> Vec<u8> {
        let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn header() -> Vec<u8> {
        let mut h = b"AR2V0006.001".to_vec();
        h.extend_from_slice(&[0, 0, 0x42, 0x3a, 0x03, 0x38, 0x5f, 0x10]);
        h.extend_from_slice(b"KLBB");
        h
    }

    fn file(records: &[(&[u8], bool)]) -> Vec<u8> {
        let mut out = header();
        for &(data, last) in records {
            let compressed = bz2(data);
            let size = compressed.len() as i32;
            out.extend_from_slice(&(if last { -size } else { size }).to_be_bytes());
            out.extend_from_slice(&compressed);
        }
        out
    }

    #[test]
    fn records_are_decompressed_in_order() {
        let data = file(&[(b"first", false), (b"", false), (b"second", true)]);
        let stream = message_stream(&data, "mem").unwrap();
        assert_eq!(stream.icao, "KLBB");
        let pieces: Vec<(&[u8], usize, Option<usize>)> = stream
            .segments
            .iter()
            .map(|s| (&*s.bytes, s.first_message, s.record))
            .collect();
        assert_eq!(
            pieces,
            [
                (&b"first"[..], 0, Some(0)),
                (b"", 0, Some(1)),
                (b"second", 0, Some(2))
            ]
        );
        let located = stream.segments[2].locate(stream_error());
        assert!(
            located
                .to_string()
                .contains("in decompressed LDM record 2: bad"),
            "{located}"
        );
    }

    fn stream_error() -> Error {
        Cursor::new(b"", FORMAT_NAME, "mem").error("bad")
    }

    #[test]
    fn uncompressed_files_are_borrowed() {
        let mut data = header();
        data.extend_from_slice(&[0; 40]);
        let stream = message_stream(&data, "mem").unwrap();
        let [segment] = &stream.segments[..] else {
            panic!("{} segments", stream.segments.len());
        };
        assert!(matches!(segment.bytes, Cow::Borrowed(_)));
        assert_eq!(
            (segment.first_message, segment.record),
            (VOLUME_HEADER_LEN, None)
        );
        assert_eq!(
            segment.locate(stream_error()).to_string(),
            stream_error().to_string()
        );
    }

    #[test]
    fn broken_record_framing_is_an_error() {
        let good = file(&[(b"abc", false), (b"def", true)]);
        let error = |data: &[u8]| message_stream(data, "mem").unwrap_err().to_string();
        // Truncated inside the last record, or missing the last record.
        let first_len = 4 + i32::from_be_bytes(good[24..28].try_into().unwrap()) as usize;
        assert!(error(&good[..good.len() - 3]).contains("LDM record needs"));
        assert!(error(&good[..24 + first_len]).contains("without the last one"));
        let mut trailing = good.clone();
        trailing.push(7);
        assert!(error(&trailing).contains("1 bytes follow the last LDM record"));
        // A size pointing far past the end, and a record that is not bzip2.
        let mut huge = good.clone();
        huge[24..28].copy_from_slice(&0x7fff_fff0_i32.to_be_bytes());
        assert!(error(&huge).contains("needs 2147483632 bytes"));
        let mut zero = good.clone();
        zero[24..28].copy_from_slice(&0i32.to_be_bytes());
        assert!(error(&zero).contains("size 0"));
        let mut not_bzip2 = good.clone();
        not_bzip2[24 + first_len + 4 + 2] = b'x';
        assert!(error(&not_bzip2).contains("does not start with a bzip2 signature"));
        // Corrupt bzip2 data: the offset is in the file, the reason names the record.
        let mut corrupt = good.clone();
        corrupt[24 + first_len + 4 + 20] ^= 0x55;
        let message = error(&corrupt);
        assert!(message.contains("LDM record 1"), "{message}");
        assert!(error(b"AR2V0006").contains("volume header needs 24 bytes"));
        assert!(error(b"XXXX").contains("signature"));
        assert!(error(&i32::MIN.to_be_bytes()).contains("signature"));
    }
}
