//! The 128-byte radial header of legacy CINRAD base data, its byte offsets, and the angle and gate codes.
//!
//! Offsets are 0-based; the spec table (`SA_basedata_format_spec_from_PyRadar.pdf`) numbers bytes from 1 and also
//! gives 16-bit word numbers. Every offset below was checked against both columns of that table and against
//! `shared/docs/formats.md`; where they disagree, see the module documentation of
//! [`cinrad_legacy`](super).

use std::ops::Range;

use super::LegacyVariant;
use crate::io::bytes::{Block, BlockWriter};
use crate::volume::GateStatus;

/// Length of the radial header, bytes (spec bytes 1–128).
pub const HEADER_LEN: usize = 128;
/// Data pointers count bytes from the start of the radar data header, which follows the 28-byte radar
/// information header ("偏离雷达数据头的字节数"): a block at pointer `p` starts `28 + p` bytes into the record.
pub const POINTER_BASE: usize = 28;
/// Bytes reserved at the end of every record (spec bytes 2429–2432 of an SA record).
pub const TRAILER_LEN: usize = 4;
/// Value of the message-type field (bytes 14–15) in a radar data record.
pub const RADAR_DATA_FLAG: u16 = 1;

/// Byte offsets of the header fields used by Squall (spec byte number − 1).
pub mod offset {
    /// u16, 1 = radar data (spec bytes 15–16, word 8).
    pub const FLAG: usize = 14;
    /// u32, collection time in ms since 00:00 UTC (spec 29–32, words 15–16).
    pub const TIME_MS: usize = 28;
    /// u16, days since 1970-01-01 with day 1 = 1970-01-01 (spec 33–34, word 17).
    pub const DAY: usize = 32;
    /// u16, unambiguous range in units of 0.1 km (spec 35–36, word 18).
    pub const UNAMBIGUOUS_RANGE: usize = 34;
    /// u16, azimuth code (spec 37–38, word 19).
    pub const AZIMUTH: usize = 36;
    /// u16, radial number within the cut, from 1 (spec 39–40, word 20).
    pub const RADIAL_NUMBER: usize = 38;
    /// u16, radial status 0–4 (spec 41–42, word 21).
    pub const RADIAL_STATUS: usize = 40;
    /// u16, elevation code (spec 43–44, word 22).
    pub const ELEVATION: usize = 42;
    /// u16, elevation (cut) number within the volume (spec 45–46, word 23).
    pub const ELEVATION_NUMBER: usize = 44;
    /// i16, range of the first reflectivity gate, m (spec 47–48, word 24).
    pub const FIRST_GATE_Z: usize = 46;
    /// i16, range of the first Doppler gate, m (spec 49–50, word 25).
    pub const FIRST_GATE_D: usize = 48;
    /// u16, reflectivity gate length, m (spec 51–52, word 26).
    pub const GATE_SIZE_Z: usize = 50;
    /// u16, Doppler gate length, m (spec 53–54, word 27).
    pub const GATE_SIZE_D: usize = 52;
    /// u16, reflectivity gate count (spec 55–56, word 28).
    pub const GATES_Z: usize = 54;
    /// u16, Doppler gate count, shared by velocity and width (spec 57–58, word 29).
    pub const GATES_D: usize = 56;
    /// u16, reflectivity data pointer (spec 65–66, word 33).
    pub const POINTER_Z: usize = 64;
    /// u16, velocity data pointer (spec 67–68, word 34).
    pub const POINTER_V: usize = 66;
    /// u16, spectrum-width data pointer (spec 69–70, word 35).
    pub const POINTER_W: usize = 68;
    /// u16, velocity resolution: 2 = 0.5 m/s, 4 = 1 m/s (spec 71–72, word 36).
    pub const VELOCITY_RESOLUTION: usize = 70;
    /// u16, playback copies of the three pointers, "同 33/34/35" (spec 83–88, words 42–44).
    pub const PLAYBACK_POINTERS: usize = 82;
    /// u16, Nyquist velocity in units of 0.01 m/s (spec 89–90, word 45).
    pub const NYQUIST: usize = 88;
}

/// Radial status codes (spec word 21).
pub mod status {
    /// First radial of a cut.
    pub const CUT_START: u16 = 0;
    /// A radial inside a cut.
    pub const MIDDLE: u16 = 1;
    /// Last radial of a cut.
    pub const CUT_END: u16 = 2;
    /// First radial of the volume.
    pub const VOLUME_START: u16 = 3;
    /// Last radial of the volume.
    pub const VOLUME_END: u16 = 4;
}

/// Velocity resolution code for 0.5 m/s.
pub const VELOCITY_HALF_MPS: u16 = 2;
/// Velocity resolution code for 1 m/s.
pub const VELOCITY_ONE_MPS: u16 = 4;

/// The header fields Squall reads and writes. Fields it does not model (sector number, calibration constant,
/// VCP, the reserved words) are ignored on reading and written as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecordHeader {
    pub flag: u16,
    pub time_ms: u32,
    pub day: u16,
    pub unambiguous_range_100m: u16,
    pub azimuth_code: u16,
    pub radial_number: u16,
    pub radial_status: u16,
    pub elevation_code: u16,
    pub elevation_number: u16,
    pub first_gate_z_m: i16,
    pub first_gate_d_m: i16,
    pub gate_size_z_m: u16,
    pub gate_size_d_m: u16,
    pub gates_z: u16,
    pub gates_d: u16,
    pub pointer_z: u16,
    pub pointer_v: u16,
    pub pointer_w: u16,
    pub velocity_resolution: u16,
    pub nyquist_cmps: u16,
}

impl RecordHeader {
    /// Reads the fields from a checked 128-byte block.
    pub fn parse(b: &Block<'_, HEADER_LEN>) -> RecordHeader {
        use offset::*;
        RecordHeader {
            flag: b.u16(FLAG),
            time_ms: b.u32(TIME_MS),
            day: b.u16(DAY),
            unambiguous_range_100m: b.u16(UNAMBIGUOUS_RANGE),
            azimuth_code: b.u16(AZIMUTH),
            radial_number: b.u16(RADIAL_NUMBER),
            radial_status: b.u16(RADIAL_STATUS),
            elevation_code: b.u16(ELEVATION),
            elevation_number: b.u16(ELEVATION_NUMBER),
            first_gate_z_m: b.i16(FIRST_GATE_Z),
            first_gate_d_m: b.i16(FIRST_GATE_D),
            gate_size_z_m: b.u16(GATE_SIZE_Z),
            gate_size_d_m: b.u16(GATE_SIZE_D),
            gates_z: b.u16(GATES_Z),
            gates_d: b.u16(GATES_D),
            pointer_z: b.u16(POINTER_Z),
            pointer_v: b.u16(POINTER_V),
            pointer_w: b.u16(POINTER_W),
            velocity_resolution: b.u16(VELOCITY_RESOLUTION),
            nyquist_cmps: b.u16(NYQUIST),
        }
    }

    /// The 128 header bytes; the playback pointers repeat the data pointers, as the spec prescribes.
    pub fn to_block(self) -> BlockWriter<HEADER_LEN> {
        use offset::*;
        let mut w = BlockWriter::<HEADER_LEN>::default();
        w.u16(FLAG, self.flag)
            .u32(TIME_MS, self.time_ms)
            .u16(DAY, self.day)
            .u16(UNAMBIGUOUS_RANGE, self.unambiguous_range_100m)
            .u16(AZIMUTH, self.azimuth_code)
            .u16(RADIAL_NUMBER, self.radial_number)
            .u16(RADIAL_STATUS, self.radial_status)
            .u16(ELEVATION, self.elevation_code)
            .u16(ELEVATION_NUMBER, self.elevation_number)
            .i16(FIRST_GATE_Z, self.first_gate_z_m)
            .i16(FIRST_GATE_D, self.first_gate_d_m)
            .u16(GATE_SIZE_Z, self.gate_size_z_m)
            .u16(GATE_SIZE_D, self.gate_size_d_m)
            .u16(GATES_Z, self.gates_z)
            .u16(GATES_D, self.gates_d)
            .u16(POINTER_Z, self.pointer_z)
            .u16(POINTER_V, self.pointer_v)
            .u16(POINTER_W, self.pointer_w)
            .u16(VELOCITY_RESOLUTION, self.velocity_resolution)
            .u16(PLAYBACK_POINTERS, self.pointer_z)
            .u16(PLAYBACK_POINTERS + 2, self.pointer_v)
            .u16(PLAYBACK_POINTERS + 4, self.pointer_w)
            .u16(NYQUIST, self.nyquist_cmps);
        w
    }
}

/// Where a record's three gate blocks lie, as byte ranges of the record (empty when a moment has no gates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRanges {
    pub z: Range<usize>,
    pub v: Range<usize>,
    pub w: Range<usize>,
}

/// Why a record header is not valid: the offset of the field (within the record) and what is wrong.
pub type Invalid = (usize, String);

impl RecordHeader {
    /// Checks the header of a record of `variant` and locates its gate blocks.
    ///
    /// # Errors
    /// The field offset and reason for: a message type other than 1, a radial status above 4, more gates than the
    /// record holds, a gate length of 0 for a moment with gates, a velocity resolution other than 2 or 4 when
    /// there are Doppler gates, and a data pointer whose block leaves the data area (bytes 128 to the 4-byte
    /// trailer).
    pub fn data_ranges(&self, variant: LegacyVariant) -> Result<DataRanges, Invalid> {
        use offset::*;
        if self.flag != RADAR_DATA_FLAG {
            return Err((
                FLAG,
                format!("message type {} is not 1 (radar data)", self.flag),
            ));
        }
        if self.radial_status > status::VOLUME_END {
            return Err((
                RADIAL_STATUS,
                format!("radial status {} outside 0..=4", self.radial_status),
            ));
        }
        let checks = [
            (
                GATES_Z,
                self.gates_z,
                variant.max_reflectivity_gates(),
                "reflectivity",
            ),
            (
                GATES_D,
                self.gates_d,
                variant.max_doppler_gates(),
                "Doppler",
            ),
        ];
        for (at, gates, max, what) in checks {
            if usize::from(gates) > max {
                return Err((
                    at,
                    format!("{gates} {what} gates, a {variant} record holds at most {max}"),
                ));
            }
        }
        if self.gates_z > 0 && self.gate_size_z_m == 0 {
            return Err((GATE_SIZE_Z, "reflectivity gate length 0 m".to_owned()));
        }
        if self.gates_d > 0 && self.gate_size_d_m == 0 {
            return Err((GATE_SIZE_D, "Doppler gate length 0 m".to_owned()));
        }
        if self.gates_d > 0 && GateScale::velocity(self.velocity_resolution).is_none() {
            return Err((
                VELOCITY_RESOLUTION,
                format!(
                    "velocity resolution code {} is neither 2 (0.5 m/s) nor 4 (1 m/s)",
                    self.velocity_resolution
                ),
            ));
        }
        let end = variant.record_len() - TRAILER_LEN;
        let block = |at: usize, pointer: u16, gates: u16, what: &str| {
            let gates = usize::from(gates);
            if gates == 0 {
                return Ok(0..0);
            }
            let start = POINTER_BASE + usize::from(pointer);
            if start < HEADER_LEN || start + gates > end {
                return Err((
                    at,
                    format!(
                        "{what} pointer {pointer} puts {gates} gates at record bytes {start}..{}, outside the data \
                         area {HEADER_LEN}..{end}",
                        start + gates
                    ),
                ));
            }
            Ok(start..start + gates)
        };
        Ok(DataRanges {
            z: block(POINTER_Z, self.pointer_z, self.gates_z, "reflectivity")?,
            v: block(POINTER_V, self.pointer_v, self.gates_d, "velocity")?,
            w: block(POINTER_W, self.pointer_w, self.gates_d, "spectrum-width")?,
        })
    }
}

/// Degrees of one angle-code step: `(code / 8) · (180 / 4096)` = `code · 45 / 8192`, exact in `f32`.
const DEG_PER_CODE: f64 = 45.0 / 8192.0;

/// An azimuth code in degrees, `[0, 360)`.
pub fn azimuth_deg(code: u16) -> f32 {
    (f64::from(code) * DEG_PER_CODE) as f32
}

/// An elevation code in degrees; codes above 180° are negative elevations (`e − 360`).
pub fn elevation_deg(code: u16) -> f32 {
    let e = f64::from(code) * DEG_PER_CODE;
    (if e > 180.0 { e - 360.0 } else { e }) as f32
}

/// The code of an angle in degrees (any finite value; taken modulo 360°). The inverse of [`azimuth_deg`] and
/// [`elevation_deg`] for every code.
pub fn angle_code(deg: f64) -> u16 {
    ((deg.rem_euclid(360.0) / DEG_PER_CODE).round() as u32 % 65_536) as u16
}

/// Gate code 0: no echo (below the signal-to-noise threshold).
pub const CODE_NO_ECHO: u8 = 0;
/// Gate code 1: range folded.
pub const CODE_RANGE_FOLDED: u8 = 1;
/// Smallest code holding a value.
pub const FIRST_VALUE_CODE: u8 = 2;

/// How a moment's one-byte codes map to physical values: `value = code · step − offset` for codes ≥ 2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GateScale {
    step: f32,
    offset: f32,
}

impl GateScale {
    /// Reflectivity, dBZ = (code − 2)/2 − 32.
    pub const REFLECTIVITY: GateScale = GateScale {
        step: 0.5,
        offset: 33.0,
    };
    /// Velocity at 0.5 m/s resolution, (code − 2)/2 − 63.5; also spectrum width at every velocity resolution.
    pub const HALF_MPS: GateScale = GateScale {
        step: 0.5,
        offset: 64.5,
    };
    /// Velocity at 1 m/s resolution, (code − 2) − 127.
    pub const ONE_MPS: GateScale = GateScale {
        step: 1.0,
        offset: 129.0,
    };

    /// The scale of the velocity for a resolution code (2 or 4).
    pub fn velocity(resolution_code: u16) -> Option<GateScale> {
        match resolution_code {
            VELOCITY_HALF_MPS => Some(GateScale::HALF_MPS),
            VELOCITY_ONE_MPS => Some(GateScale::ONE_MPS),
            _ => None,
        }
    }

    /// Status and value of a code (`NaN` unless valid).
    pub fn decode(self, code: u8) -> (GateStatus, f32) {
        match code {
            CODE_NO_ECHO => (GateStatus::NoEcho, f32::NAN),
            CODE_RANGE_FOLDED => (GateStatus::RangeFolded, f32::NAN),
            c => (GateStatus::Valid, f32::from(c) * self.step - self.offset),
        }
    }

    /// The code of a valid value, or `None` if it rounds outside codes 2–255.
    pub fn encode(self, value: f32) -> Option<u8> {
        let code = ((f64::from(value) + f64::from(self.offset)) / f64::from(self.step)).round();
        (f64::from(FIRST_VALUE_CODE)..=255.0)
            .contains(&code)
            .then_some(code as u8)
    }

    /// Smallest and largest representable values.
    pub fn range(self) -> (f32, f32) {
        (
            f32::from(FIRST_VALUE_CODE) * self.step - self.offset,
            255.0 * self.step - self.offset,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::bytes::Cursor;

    #[test]
    fn angle_codes_round_trip_exactly() {
        for code in [0u16, 1, 91, 8192, 16_383, 32_768, 65_000, 65_535] {
            assert_eq!(angle_code(f64::from(azimuth_deg(code))), code);
            assert_eq!(angle_code(f64::from(elevation_deg(code))), code);
        }
        // 90° = 16384 codes; 0.5° is not on the 0.0055° grid and rounds to code 91.
        assert_eq!(angle_code(90.0), 16_384);
        assert_eq!(angle_code(0.5), 91);
        assert_eq!(angle_code(360.0), 0);
        assert_eq!(elevation_deg(angle_code(-0.5)), -4095.0 / 8192.0);
        assert!((azimuth_deg(65_535) - 359.9945).abs() < 1e-4);
    }

    #[test]
    fn gate_codes_follow_the_spec_formulas() {
        let z = GateScale::REFLECTIVITY;
        assert_eq!(z.decode(0).0, GateStatus::NoEcho);
        assert_eq!(z.decode(1).0, GateStatus::RangeFolded);
        assert_eq!(z.decode(2), (GateStatus::Valid, -32.0));
        assert_eq!(z.decode(100).1, (100.0 - 2.0) / 2.0 - 32.0);
        assert_eq!(z.range(), (-32.0, 94.5));
        let v = GateScale::velocity(VELOCITY_HALF_MPS).unwrap();
        assert_eq!(v.decode(129).1, 0.0);
        assert_eq!(v.decode(2).1, -63.5);
        let v1 = GateScale::velocity(VELOCITY_ONE_MPS).unwrap();
        assert_eq!(v1.decode(129).1, 0.0);
        assert_eq!(v1.decode(255).1, 126.0);
        assert_eq!(GateScale::velocity(3), None);
        for scale in [z, v, v1] {
            for code in 2..=255u8 {
                assert_eq!(scale.encode(scale.decode(code).1), Some(code));
            }
            let (lo, hi) = scale.range();
            assert_eq!(scale.encode(lo - scale.step), None);
            assert_eq!(scale.encode(hi + scale.step), None);
        }
    }

    #[test]
    fn header_fields_sit_at_the_spec_offsets() {
        let h = RecordHeader {
            flag: 1,
            time_ms: 0x0403_0201,
            day: 0x0605,
            gates_z: 460,
            gates_d: 920,
            pointer_z: 100,
            pointer_v: 560,
            pointer_w: 1480,
            nyquist_cmps: 2_700,
            first_gate_d_m: -125,
            ..RecordHeader::default()
        };
        let w = h.to_block();
        let bytes = w.bytes();
        assert_eq!(&bytes[14..16], &[1, 0]);
        assert_eq!(&bytes[28..34], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(&bytes[54..58], &[0xCC, 0x01, 0x98, 0x03]);
        assert_eq!(&bytes[48..50], &(-125i16).to_le_bytes());
        assert_eq!(&bytes[82..88], &bytes[64..70]);
        assert_eq!(&bytes[88..90], &2_700u16.to_le_bytes());
        let mut c = Cursor::new(bytes, "test", "mem");
        assert_eq!(RecordHeader::parse(&c.block("header").unwrap()), h);
    }
}
