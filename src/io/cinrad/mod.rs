//! The CINRAD standard base-data format (CMA 2016+, S/C/X dual-polarisation radars): reader and writer.
//!
//! Layout: a 32-byte generic header, a 128-byte site configuration, a 256-byte task configuration, one 256-byte
//! cut configuration per elevation cut, then radials (a 64-byte header and, per moment, a 32-byte moment header
//! and `block_length` bytes of 1- or 2-byte gate codes), all little-endian. A gate code `raw ≥ 5` decodes to
//! `(raw − offset) / scale` with the scale and offset of that moment header; codes below 5 are reserved:
//! 0 = below detection ([`GateStatus::NoEcho`](crate::volume::GateStatus::NoEcho)), 1 = range folded, 2–4 = no data.
//! Byte offsets of every field are in `shared/docs/formats.md`.
//!
//! # References
//! China Meteorological Administration, 2016: *Standard format of weather radar base data* (雷达基数据标准格式),
//! version 1.0/2.0, CMA Meteorological Observation Centre.

mod decode;
mod encode;
mod header;

pub use decode::{decode, from_bytes, read};
pub use encode::{to_bytes, write};

/// Name used for this format in messages and in `squall info`.
pub const FORMAT_NAME: &str = "CINRAD standard base data";

/// The magic number at offset 0 (the bytes `"RSTM"` read as a little-endian `i32`).
pub const MAGIC: i32 = 0x4D54_5352;

/// Whether decompressed content starts with the CINRAD standard-format magic number.
pub fn is_cinrad_standard(data: &[u8]) -> bool {
    data.len() >= 4 && i32::from_le_bytes([data[0], data[1], data[2], data[3]]) == MAGIC
}

/// Raw gate codes below this are reserved (no echo, range folded, no data).
pub const FIRST_VALID_CODE: u16 = 5;

/// How one CINRAD data type maps to an FM 301 moment, and how the writer encodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MomentType {
    /// CINRAD data-type code.
    pub code: i32,
    /// FM 301 / CfRadial 2 name.
    pub name: &'static str,
    /// Physical units.
    pub units: &'static str,
    /// Scale the writer uses (2-byte codes): `raw = value · scale + offset`.
    pub scale: i32,
    /// Offset the writer uses.
    pub offset: i32,
}

const fn mt(
    code: i32,
    name: &'static str,
    units: &'static str,
    scale: i32,
    offset: i32,
) -> MomentType {
    MomentType {
        code,
        name,
        units,
        scale,
        offset,
    }
}

/// Every data type of the standard that maps to a radar moment (codes from the CMA specification).
pub const MOMENT_TYPES: &[MomentType] = &[
    mt(1, "DBTH", "dBZ", 100, 20_000),
    mt(2, "DBZH", "dBZ", 100, 20_000),
    mt(3, "VRADH", "m/s", 100, 20_000),
    mt(4, "WRADH", "m/s", 100, 20_000),
    mt(5, "SQIH", "unitless", 10_000, 5),
    mt(6, "CPAH", "unitless", 10_000, 5),
    mt(7, "ZDR", "dB", 100, 20_000),
    mt(8, "LDR", "dB", 100, 20_000),
    mt(9, "RHOHV", "unitless", 10_000, 5),
    mt(10, "PHIDP", "degrees", 100, 20_000),
    mt(11, "KDP", "degrees/km", 100, 20_000),
    mt(12, "CPR", "unitless", 100, 20_000),
    mt(14, "HCLASS", "unitless", 1, 5),
    mt(15, "CF", "unitless", 1, 5),
    mt(16, "SNRH", "dB", 100, 20_000),
    mt(17, "SNRV", "dB", 100, 20_000),
    mt(32, "DBZH_CORR", "dBZ", 100, 20_000),
    mt(33, "VRADH_CORR", "m/s", 100, 20_000),
    mt(34, "WRADH_CORR", "m/s", 100, 20_000),
    mt(35, "ZDR_CORR", "dB", 100, 20_000),
];

/// The moment type of a CINRAD data-type code.
pub fn moment_type_by_code(code: i32) -> Option<&'static MomentType> {
    MOMENT_TYPES.iter().find(|t| t.code == code)
}

/// The moment type of an FM 301 name.
pub fn moment_type_by_name(name: &str) -> Option<&'static MomentType> {
    MOMENT_TYPES.iter().find(|t| t.name == name)
}

/// Decodes a gate-spacing field: values above 32768 encode centimetres as `(v − 32768) / 100` metres.
pub fn decode_resolution_m(field: i32) -> f32 {
    if field > 32_768 {
        (field - 32_768) as f32 / 100.0
    } else {
        field as f32
    }
}

/// Encodes a gate spacing in metres (the inverse of [`decode_resolution_m`]); whole metres stay plain, other
/// spacings are stored in centimetres. `None` for a spacing the field cannot hold (not positive, not finite, or
/// beyond 21 km in centimetres).
pub fn encode_resolution_m(spacing_m: f32) -> Option<i32> {
    if !(spacing_m.is_finite() && spacing_m > 0.0) {
        return None;
    }
    if spacing_m.fract() == 0.0 && spacing_m <= 32_768.0 {
        return Some(spacing_m as i32);
    }
    let centimetres = (f64::from(spacing_m) * 100.0).round();
    (centimetres <= f64::from(i32::MAX - 32_768)).then(|| 32_768 + centimetres as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_codes() {
        assert_eq!(decode_resolution_m(75), 75.0);
        assert_eq!(decode_resolution_m(32_768 + 6_250), 62.5);
        for m in [62.5f32, 75.0, 250.0, 30.0, 37.5] {
            assert_eq!(decode_resolution_m(encode_resolution_m(m).unwrap()), m);
        }
        for bad in [0.0f32, -75.0, f32::NAN, f32::INFINITY, 3.0e7] {
            assert_eq!(encode_resolution_m(bad), None, "{bad}");
        }
    }

    #[test]
    fn moment_table_is_consistent() {
        for t in MOMENT_TYPES {
            assert_eq!(moment_type_by_code(t.code), Some(t));
            assert_eq!(moment_type_by_name(t.name), Some(t));
            assert!(t.scale > 0 && t.offset >= i32::from(FIRST_VALID_CODE));
        }
    }
}
