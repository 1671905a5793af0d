//! NEXRAD Level II (Archive II) base data of the WSR-88D network: reader.
//!
//! # Layout
//! A 24-byte volume header (`"AR2V00xx."` or `"ARCHIVE2."`, a 3-byte extension, the volume date in days (day 1 is
//! 1970-01-01) and the time in ms after midnight, both big-endian `u32`, and the 4-character ICAO site identifier)
//! is followed either by LDM records (a big-endian `i32` byte count, negative for the last record, then a bzip2
//! stream; the records are independent and decompressed and parsed in parallel) or, in legacy files, directly by
//! the messages. Each message comes after a 12-byte CTM header and starts with a 16-byte message header (size in
//! halfwords, type, date, time, segments). Every message occupies a fixed 2432-byte frame except message 31, whose
//! length is the size in its header; all fields are big-endian.
//!
//! - Message 31 (digital radar data, generic format) is one radial: ICAO, collection time, azimuth, elevation
//!   number and angle, and pointers to data blocks `VOL` (site latitude, longitude, height and feedhorn height),
//!   `ELV`, `RAD` (Nyquist velocity) and moment blocks, each with gate count, first-gate range, gate spacing, word
//!   size (8 or 16 bits), scale and offset. A gate code decodes to `(raw − offset) / scale`; raw 0 is below
//!   threshold ([`GateStatus::NoEcho`](crate::volume::GateStatus::NoEcho)) and raw 1 range folded
//!   ([`GateStatus::RangeFolded`](crate::volume::GateStatus::RangeFolded)), for every moment.
//! - Message 1 (legacy digital radar data, before RDA build 10) is one radial with reflectivity on 1 km gates
//!   (`(raw − 66) / 2` dBZ) and velocity and spectrum width on 250 m gates (`(raw − 129) / 2` m/s, or
//!   `raw − 129` at 1 m/s velocity resolution). Files with message 31 radials ignore any message 1.
//! - Message 5 (volume coverage pattern) gives the target elevation of each cut.
//! - Other messages (2 status, 3 performance, 13 and 15 clutter maps, 18 adaptation data, …) are skipped.
//!
//! # Conventions
//! - **Sweeps**: one per elevation number, in the order of their first radial; the split cuts of the lowest
//!   elevations (a surveillance cut and a Doppler cut at the same angle) stay separate sweeps, as in Py-ART and
//!   xradar. Rays keep their file order.
//! - **Fixed angle**: the message 5 elevation of the cut (`code · 360 / 65536`, above 180° taken as negative),
//!   as Py-ART's `fixed_angle`; the median ray elevation for cuts message 5 does not cover (or without message 5).
//! - **Range axis**: the moments of a sweep share one axis: the smallest first-gate range and the smallest gate
//!   spacing of its moments, and as many gates as needed to reach the far edge of the longest ray of any moment
//!   (the "union" of the moments' ranges). Each sweep gate takes the nearest gate of a moment whose spacing or
//!   first gate differs (message 1 reflectivity: each 1 km gate fills the four 250 m gates nearest its centre),
//!   and [`GateStatus::NoData`](crate::volume::GateStatus::NoData) beyond the moment's own ray. Unlike Py-ART,
//!   sweeps are not padded to the volume-wide maximum gate count, and message 1 reflectivity is not
//!   interpolated linearly.
//! - **Names**: REF → `DBZH`, VEL → `VRADH`, SW → `WRADH`, ZDR → `ZDR`, PHI → `PHIDP`, RHO → `RHOHV` (FM 301);
//!   CFP (clutter filter power removed, dB) → `CCORH`, the ODIM quantity for the clutter correction applied to
//!   horizontal reflectivity, as xradar names it.
//! - **Site and instrument**: the identifier is the volume header's ICAO (the radial's when the header has none),
//!   latitude, longitude and altitude (ground height plus feedhorn height) come from the first `VOL` block; files
//!   of message 1 radials carry no location and get (0, 0, 0), as in Py-ART without a station table. NEXRAD files
//!   do not state the transmit frequency (each WSR-88D uses its own between 2700 and 3000 MHz): the volume gets the
//!   nominal S-band 2800 MHz and the WSR-88D beam width of 0.95°.
//! - **Time**: `start_time` is the collection time of the first radial (to the millisecond; the volume header's
//!   time, 0.77 s later in the KLBB sample, is not used); ray times are relative to it.
//!
//! # Errors
//! Byte offsets in [`Error::Decode`] count from the start of the file for the volume header, the LDM records and
//! the messages of uncompressed files; for the messages of compressed files they count from the start of the
//! decompressed LDM record the reason names. Every LDM record must hold whole messages, and a compressed file must
//! end with its last record (negative size).
//!
//! [`Error::Decode`]: crate::Error::Decode
//!
//! # References
//! - NOAA Radar Operations Center, 2008: *Interface Control Document for the Archive II/User*, document
//!   2620010E (RPG Build 12.0): volume header, LDM records (section 7).
//! - NOAA Radar Operations Center, 2011: *Interface Control Document for the RDA/RPG*, document 2620002M (Open
//!   Build 13.0): message header (Table II), message 1 (Table III), message 5 (Table XI), message 31 and its data
//!   blocks (Tables XVII-A to XVII-I).
//! - Helmus, J. J. and S. M. Collis, 2016: The Python ARM Radar Toolkit (Py-ART), a library for working with
//!   weather radar data in the Python programming language. *J. Open Res. Softw.*, 4(1), e25,
//!   doi:10.5334/jors.119 (`pyart/io/nexrad_level2.py`, the peer of the tests).

mod messages;
mod radial;
mod records;
mod sweep;

use std::path::Path;

use rayon::prelude::*;

use crate::error::Result;
use crate::io::compression;
use crate::volume::PolarVolume;

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "NEXRAD Level II";

/// Nominal WSR-88D transmit frequency in MHz (the files do not state it; the network uses 2700–3000 MHz).
pub const NOMINAL_FREQUENCY_MHZ: f64 = 2800.0;

/// WSR-88D horizontal 3-dB beam width, degrees.
pub const BEAM_WIDTH_DEG: f32 = 0.95;

/// How one NEXRAD data moment maps to an FM 301 moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MomentType {
    /// Data block name in message 31 (`"REF"`, `"SW"`, …; trailing blanks removed).
    pub block_name: &'static str,
    /// FM 301 / ODIM name.
    pub name: &'static str,
    /// Physical units.
    pub units: &'static str,
}

const fn mt(block_name: &'static str, name: &'static str, units: &'static str) -> MomentType {
    MomentType {
        block_name,
        name,
        units,
    }
}

/// The data moments of message 31 (RDA/RPG ICD Table XVII-I).
pub const MOMENT_TYPES: &[MomentType] = &[
    mt("REF", "DBZH", "dBZ"),
    mt("VEL", "VRADH", "m/s"),
    mt("SW", "WRADH", "m/s"),
    mt("ZDR", "ZDR", "dB"),
    mt("PHI", "PHIDP", "degrees"),
    mt("RHO", "RHOHV", "unitless"),
    mt("CFP", "CCORH", "dB"),
];

/// Index in [`MOMENT_TYPES`] of a data block name as it appears in the file (3 bytes, blank- or NUL-padded).
fn moment_index(block_name: &[u8]) -> Option<usize> {
    let end = block_name
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |i| i + 1);
    let name = &block_name[..end];
    MOMENT_TYPES
        .iter()
        .position(|t| t.block_name.as_bytes() == name)
}

/// Whether decompressed content starts with a NEXRAD Level II volume header (`"AR2V"` or `"ARCHIVE2"`).
///
/// ```
/// use squall::io::nexrad::is_nexrad_level2;
/// assert!(is_nexrad_level2(b"AR2V0006.736"));
/// assert!(is_nexrad_level2(b"ARCHIVE2.001"));
/// assert!(!is_nexrad_level2(b"RSTM"));
/// ```
pub fn is_nexrad_level2(data: &[u8]) -> bool {
    data.starts_with(b"AR2V") || data.starts_with(b"ARCHIVE2")
}

/// Reads a NEXRAD Level II file (as distributed, or wrapped in gzip, bzip2 or zip; detected from magic bytes).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Decode`] naming the file and byte offset for corrupt or
/// truncated content; [`Error::Limits`] when decompressed data or decoded gates would exceed their caps;
/// [`Error::Unsupported`] for compressed message 31 radials.
///
/// [`Error::Io`]: crate::Error::Io
/// [`Error::Decode`]: crate::Error::Decode
/// [`Error::Limits`]: crate::Error::Limits
/// [`Error::Unsupported`]: crate::Error::Unsupported
pub fn read(path: impl AsRef<Path>) -> Result<PolarVolume> {
    compression::read_decompressed(path.as_ref(), decode)
}

/// Decodes a NEXRAD Level II file held in memory (possibly wrapped in gzip, bzip2 or zip). `source_name` appears
/// in errors.
///
/// # Errors
/// As [`read`].
pub fn from_bytes(bytes: &[u8], source_name: &str) -> Result<PolarVolume> {
    compression::decode_decompressed(bytes, source_name, decode)
}

/// Decodes a NEXRAD Level II file whose outer compression (if any) is already removed: the volume header and the
/// LDM records or messages that follow it. `source_name` appears in errors.
///
/// # Units
/// Reflectivity dBZ, velocities m/s, ZDR and CCORH dB, ΦDP degrees, ρhv unitless; ranges m, angles degrees.
///
/// # Errors
/// As [`read`].
pub fn decode(data: &[u8], source_name: &str) -> Result<PolarVolume> {
    let stream = records::message_stream(data, source_name)?;
    let parts = stream
        .segments
        .par_iter()
        .map(|segment| {
            messages::parse(&segment.bytes, segment.first_message, source_name)
                .map_err(|e| segment.locate(e))
        })
        .collect::<Result<Vec<_>>>()?;
    let stream_len = stream.segments.iter().map(|s| s.bytes.len()).sum();
    sweep::assemble(
        &stream.icao,
        messages::Messages::concat(parts),
        stream_len,
        source_name,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_names_map_to_moments() {
        assert_eq!(moment_index(b"REF"), Some(0));
        assert_eq!(moment_index(b"SW "), Some(2));
        assert_eq!(moment_index(b"SW\0"), Some(2));
        assert_eq!(moment_index(b"CFP"), Some(6));
        assert_eq!(moment_index(b"VOL"), None);
        assert_eq!(moment_index(b"   "), None);
        for (i, t) in MOMENT_TYPES.iter().enumerate() {
            assert_eq!(moment_index(t.block_name.as_bytes()), Some(i));
        }
    }
}
