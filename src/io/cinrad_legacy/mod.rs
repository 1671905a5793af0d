//! Legacy CINRAD base data — SA/SB (S band, 2432-byte records) and CA/CB (C band, 4132-byte records): reader
//! and writer.
//!
//! # Layout
//! A file is a sequence of fixed-length records, one radial each, little-endian. A record is a 128-byte header,
//! then the one-byte gate codes of reflectivity, velocity and spectrum width, then 4 reserved bytes:
//!
//! | variant | record | reflectivity gates | Doppler gates (velocity, width) |
//! |---|---|---|---|
//! | SA/SB | 2432 B | ≤ 460 (bytes 128–587) | ≤ 920 each (588–1507, 1508–2427) |
//! | CA/CB | 4132 B | ≤ 800 | ≤ 1600 each |
//!
//! Header fields (0-based offsets; `layout.rs` has the full table with the spec's byte and word numbers): bytes 14–15 = 1 (radar data);
//! 28 collection time in ms since 00:00 UTC (u32); 32 days since 1970-01-01 with day 1 = 1970-01-01; 34
//! unambiguous range (0.1 km); 36 azimuth and 42 elevation codes, degrees = code / 8 · 180 / 4096; 38 radial
//! number; 40 radial status (0 start of cut, 1 middle, 2 end of cut, 3 start of volume, 4 end of volume); 44
//! elevation number; 46/48 range of the first reflectivity/Doppler gate (m); 50/52 gate lengths (m); 54/56 gate
//! counts; 64/66/68 data pointers; 70 velocity resolution (2 = 0.5 m/s, 4 = 1 m/s); 88 Nyquist velocity
//! (0.01 m/s).
//!
//! Gate codes: 0 = no echo ([`GateStatus::NoEcho`](crate::GateStatus::NoEcho)), 1 = range folded; codes ≥ 2 hold
//! dBZ = (v − 2)/2 − 32, velocity (v − 2)/2 − 63.5 at 0.5 m/s or (v − 2) − 127 at 1 m/s resolution, and spectrum
//! width (v − 2)/2 − 63.5 whatever the velocity resolution.
//!
//! # Where the sources disagree
//! Every offset of `shared/docs/formats.md` ("Legacy CINRAD/SA/SB base data") agrees with the spec table
//! (`SA_basedata_format_spec_from_PyRadar.pdf`). Differences, and how Squall resolves them:
//! - The PDF's velocity and width rows read "129-1508 … 460 字节" and "129-2428 … 460 字节": the start byte and
//!   size are copy errors of the reflectivity row; the end bytes, the word numbers (65–754, 65–1214), the "0–920
//!   gates" note and the 2300-byte data total give velocity at 589–1508 and width at 1509–2428 (1-based), 920
//!   bytes each, as formats.md says. The PDF also labels two reserved areas by their word count ("4 字节" for
//!   bytes 75–82, "19 字节" for 91–128) and the trailer "14 字节" for bytes 2429–2432 (4 bytes).
//! - formats.md lists "pointers to reflectivity/velocity/width" without their origin; the PDF counts them from
//!   the radar data header ("偏离雷达数据头的字节数"), which starts after the 28-byte radar information header,
//!   so a block at pointer `p` begins at record byte `28 + p` (full SA record: 100, 560, 1480). pycwr, Py-ART
//!   (message 1) and netcdf-java read them the same way; PyCINRAD ignores the pointers and assumes the blocks are
//!   packed (velocity right after the reflectivity gates present).
//! - formats.md types the calibration constant (byte 60) as u32; the PDF gives only its size and the NEXRAD
//!   message-1 readers take a 32-bit float. Squall does not read it and writes 0.
//! - The PDF and formats.md do not say whether the first-gate ranges are signed; NEXRAD readers (Py-ART,
//!   netcdf-java) treat them as signed and so does Squall.
//! - formats.md gives no formula for spectrum width. The PDF's is (v − 2)/2 − 63.5 with no resolution variant
//!   (as in the NEXRAD ICD and pycwr); PyCINRAD also applies the 1 m/s formula to width. Squall follows the PDF.
//! - The PDF covers SA only. The CA/CB record (800/1600/1600 gates, same header) is from PyCINRAD's `CAB_dtype`
//!   and pycwr's 4132-byte layout; no CA/CB specification or file was available, so their gate lengths are
//!   whatever the headers say.
//!
//! # Conventions of the reader
//! - Sweeps: a new sweep starts at radial status 0 or 3, after status 2 or 4, or when the elevation number
//!   changes. The low tilts of a volume come twice, a surveillance cut (reflectivity only) and a Doppler cut
//!   (velocity and width); they stay separate sweeps, as PyCINRAD's `CinradReader` keeps them (pycwr instead
//!   copies the surveillance reflectivity onto the Doppler cut and drops the surveillance cut).
//! - Range axis: a reflectivity-only sweep keeps the reflectivity gates. A sweep with Doppler data uses the
//!   Doppler gates (250 m on an SA) for every moment; each coarser reflectivity gate (1000 m) is repeated on every
//!   Doppler-axis gate whose centre lies within it (nearest gate, ties to the gate nearer the radar), see
//!   [`reflectivity_gate`]. Gates beyond a ray's counts are [`GateStatus::NoData`](crate::GateStatus::NoData);
//!   the format has no code for "no data" inside a ray.
//! - Fixed angle: the median (lower middle) of the sweep's ray elevations; the format has no nominal angle.
//! - Site: the format holds no site block. [`decode`] returns an empty id and name and `NaN` latitude,
//!   longitude and altitude; callers who know the site pass it to [`decode_with_site`].
//! - Frequency: nominal, 2800 MHz for SA/SB and 5400 MHz for CA/CB; beam width nominal 1°.
//! - Nyquist velocity: the first radial's of each sweep (0 = unknown).
//!
//! # Conventions of the writer
//! See [`to_bytes`]: PPI sweeps of `DBZH` and/or `VRADH` + `WRADH` in the legacy geometry (reflectivity gates 4×
//! the Doppler gate length, both starting at the sweep's first gate), blocks packed behind the header so that
//! PyCINRAD, pycwr and pointer-following readers all find them. [`to_legacy_geometry`] prepares any volume (e.g.
//! from [`synth`](crate::synth)) for it. Bytes written by [`to_bytes`] decode and re-encode to the same bytes.
//!
//! # References
//! - China Meteorological Administration: *新一代多普勒天气雷达基数据格式说明* (CINRAD/SA base data format),
//!   table as distributed with PyRadar (`shared/data/radar/SA_basedata_format_spec_from_PyRadar.pdf`).
//! - NOAA Radar Operations Center: *Interface Control Document for the RDA/RPG*, 2620002, message type 1
//!   (the WSR-88D legacy digital radar data message the SA record follows).

mod decode;
mod encode;
mod geometry;
mod layout;
mod synthetic;

use std::fmt;

pub use decode::{decode, decode_with_site, from_bytes, read};
pub use encode::{to_bytes, write};
pub use geometry::{
    DOPPLER_SPACING_M, REFLECTIVITY_SPACING_RATIO, reflectivity_gate, to_legacy_geometry,
};
pub use synthetic::reference_volume;

use crate::io::bytes::Cursor;
use layout::{HEADER_LEN, RecordHeader};

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "legacy CINRAD SA/SB/CA/CB base data";

/// The two record layouts of the legacy format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyVariant {
    /// CINRAD/SA and SB (S band): 2432-byte records, 460 reflectivity and 920 Doppler gates at most.
    SaSb,
    /// CINRAD/CA and CB (C band): 4132-byte records, 800 reflectivity and 1600 Doppler gates at most.
    CaCb,
}

impl LegacyVariant {
    /// Both variants, in the order detection tries them.
    pub const ALL: [LegacyVariant; 2] = [LegacyVariant::SaSb, LegacyVariant::CaCb];

    /// Length of one record (one radial), bytes.
    pub const fn record_len(self) -> usize {
        match self {
            LegacyVariant::SaSb => 2432,
            LegacyVariant::CaCb => 4132,
        }
    }

    /// Most reflectivity gates a record holds.
    pub const fn max_reflectivity_gates(self) -> usize {
        match self {
            LegacyVariant::SaSb => 460,
            LegacyVariant::CaCb => 800,
        }
    }

    /// Most Doppler (velocity and width) gates a record holds.
    pub const fn max_doppler_gates(self) -> usize {
        match self {
            LegacyVariant::SaSb => 920,
            LegacyVariant::CaCb => 1600,
        }
    }

    /// Nominal transmit frequency, MHz (the files do not give it): 2800 (S band) or 5400 (C band).
    pub const fn nominal_frequency_mhz(self) -> f64 {
        match self {
            LegacyVariant::SaSb => 2_800.0,
            LegacyVariant::CaCb => 5_400.0,
        }
    }

    /// The variant of decompressed content, or `None` if it is not legacy CINRAD base data.
    ///
    /// Content qualifies when its length is a positive multiple of the record length and the first, second and
    /// last records have valid headers (message type 1 at bytes 14–15, radial status ≤ 4, gate counts within the
    /// record, gate blocks inside the data area, velocity resolution 2 or 4 when there are Doppler gates). Content
    /// starting with the NEXRAD (`"AR2V"`) or CINRAD standard (`"RSTM"`) signatures never qualifies. A length that
    /// is a multiple of both record lengths (2 512 256 bytes) is SA/SB unless only the CA/CB reading is valid.
    ///
    /// ```
    /// use squall::io::cinrad_legacy::LegacyVariant;
    /// assert_eq!(LegacyVariant::detect(&[0u8; 2432]), None); // message type 0
    /// assert_eq!(LegacyVariant::detect(b"AR2V0006."), None);
    /// ```
    pub fn detect(data: &[u8]) -> Option<LegacyVariant> {
        if data.starts_with(b"AR2V") || data.starts_with(b"RSTM") {
            return None;
        }
        LegacyVariant::ALL.into_iter().find(|v| v.fits(data))
    }

    fn fits(self, data: &[u8]) -> bool {
        let n = self.record_len();
        if data.is_empty() || data.len() % n != 0 {
            return false;
        }
        let last = data.len() / n - 1;
        [0, last.min(1), last].into_iter().all(|i| {
            let mut c = Cursor::new(&data[i * n..], FORMAT_NAME, "");
            c.block::<HEADER_LEN>("header")
                .is_ok_and(|b| RecordHeader::parse(&b).data_ranges(self).is_ok())
        })
    }
}

impl fmt::Display for LegacyVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LegacyVariant::SaSb => "SA/SB",
            LegacyVariant::CaCb => "CA/CB",
        })
    }
}

/// Whether decompressed content is legacy CINRAD SA/SB or CA/CB base data (see [`LegacyVariant::detect`]).
pub fn is_cinrad_legacy(data: &[u8]) -> bool {
    LegacyVariant::detect(data).is_some()
}
