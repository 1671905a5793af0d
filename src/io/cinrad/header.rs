//! The fixed-size blocks of the CINRAD standard format: parse and write, with the byte offsets of
//! `shared/docs/formats.md`.

use crate::error::Result;
use crate::io::bytes::{BlockWriter, Cursor};

use super::MAGIC;

pub const GENERIC_LEN: usize = 32;
pub const SITE_LEN: usize = 128;
pub const TASK_LEN: usize = 256;
pub const CUT_LEN: usize = 256;
pub const RADIAL_LEN: usize = 64;
pub const MOMENT_LEN: usize = 32;

/// `generic_type` of base data.
pub const GENERIC_TYPE_BASE_DATA: i32 = 1;
/// `generic_type` of phased-array base data (a different layout).
pub const GENERIC_TYPE_PHASED_ARRAY: i32 = 16;

/// Generic header (32 B).
#[derive(Debug, Clone, PartialEq)]
pub struct GenericHeader {
    pub magic: i32,
    pub major_version: i16,
    pub minor_version: i16,
    pub generic_type: i32,
}

impl GenericHeader {
    pub fn parse(c: &mut Cursor) -> Result<Self> {
        let b = c.block::<GENERIC_LEN>("generic header")?;
        Ok(GenericHeader {
            magic: b.i32(0),
            major_version: b.i16(4),
            minor_version: b.i16(6),
            generic_type: b.i32(8),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = BlockWriter::<GENERIC_LEN>::default();
        w.i32(0, MAGIC)
            .i16(4, self.major_version)
            .i16(6, self.minor_version)
            .i32(8, self.generic_type);
        out.extend_from_slice(w.bytes());
    }
}

/// Site configuration (128 B).
#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub code: String,
    pub name: String,
    pub latitude_deg: f32,
    pub longitude_deg: f32,
    /// Antenna height above mean sea level, m.
    pub antenna_height_m: i32,
    /// Ground height above mean sea level, m.
    pub ground_height_m: i32,
    pub frequency_mhz: f32,
    pub beam_width_h_deg: f32,
    pub beam_width_v_deg: f32,
}

impl SiteConfig {
    pub fn parse(c: &mut Cursor) -> Result<Self> {
        let b = c.block::<SITE_LEN>("site configuration")?;
        Ok(SiteConfig {
            code: b.text(0, 8),
            name: b.text(8, 32),
            latitude_deg: b.f32(40),
            longitude_deg: b.f32(44),
            antenna_height_m: b.i32(48),
            ground_height_m: b.i32(52),
            frequency_mhz: b.f32(56),
            beam_width_h_deg: b.f32(60),
            beam_width_v_deg: b.f32(64),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = BlockWriter::<SITE_LEN>::default();
        w.text(0, 8, &self.code)
            .text(8, 32, &self.name)
            .f32(40, self.latitude_deg)
            .f32(44, self.longitude_deg)
            .i32(48, self.antenna_height_m)
            .i32(52, self.ground_height_m)
            .f32(56, self.frequency_mhz)
            .f32(60, self.beam_width_h_deg)
            .f32(64, self.beam_width_v_deg);
        out.extend_from_slice(w.bytes());
    }
}

/// Task configuration (256 B).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskConfig {
    pub name: String,
    pub description: String,
    /// 1 H, 2 V, 3 simultaneous H/V, 4 alternating.
    pub polar_type: i32,
    /// 0 volume, 1 PPI, 2 RHI, 3 sector, 4 sector volume, 5 multi-RHI, 6 manual.
    pub scan_type: i32,
    pub pulse_width_ns: i32,
    /// UTC seconds since 1970.
    pub scan_start_time: i32,
    pub cut_number: i32,
}

impl TaskConfig {
    pub fn parse(c: &mut Cursor) -> Result<Self> {
        let b = c.block::<TASK_LEN>("task configuration")?;
        Ok(TaskConfig {
            name: b.text(0, 32),
            description: b.text(32, 128),
            polar_type: b.i32(160),
            scan_type: b.i32(164),
            pulse_width_ns: b.i32(168),
            scan_start_time: b.i32(172),
            cut_number: b.i32(176),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = BlockWriter::<TASK_LEN>::default();
        w.text(0, 32, &self.name)
            .text(32, 128, &self.description)
            .i32(160, self.polar_type)
            .i32(164, self.scan_type)
            .i32(168, self.pulse_width_ns)
            .i32(172, self.scan_start_time)
            .i32(176, self.cut_number);
        out.extend_from_slice(w.bytes());
    }
}

/// Cut configuration (256 B), the fields Squall uses.
#[derive(Debug, Clone, PartialEq)]
pub struct CutConfig {
    pub prf1_hz: f32,
    pub prf2_hz: f32,
    /// Azimuth of an RHI cut, degrees.
    pub azimuth_deg: f32,
    /// Elevation of a PPI cut, degrees.
    pub elevation_deg: f32,
    /// Gate spacing of the reflectivity-type moments (encoded, see `decode_resolution_m`).
    pub log_resolution: i32,
    /// Gate spacing of the Doppler moments (encoded).
    pub doppler_resolution: i32,
    pub max_range1_m: i32,
    pub start_range_m: i32,
    pub nyquist_mps: f32,
}

impl CutConfig {
    pub fn parse(c: &mut Cursor) -> Result<Self> {
        let b = c.block::<CUT_LEN>("cut configuration")?;
        Ok(CutConfig {
            prf1_hz: b.f32(8),
            prf2_hz: b.f32(12),
            azimuth_deg: b.f32(20),
            elevation_deg: b.f32(24),
            log_resolution: b.i32(44),
            doppler_resolution: b.i32(48),
            max_range1_m: b.i32(52),
            start_range_m: b.i32(60),
            nyquist_mps: b.f32(80),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = BlockWriter::<CUT_LEN>::default();
        w.i32(0, 1) // process mode: PPP
            .i32(4, 0)
            .f32(8, self.prf1_hz)
            .f32(12, self.prf2_hz)
            .f32(20, self.azimuth_deg)
            .f32(24, self.elevation_deg)
            .i32(44, self.log_resolution)
            .i32(48, self.doppler_resolution)
            .i32(52, self.max_range1_m)
            .i32(56, self.max_range1_m)
            .i32(60, self.start_range_m)
            .f32(80, self.nyquist_mps);
        out.extend_from_slice(w.bytes());
    }
}

/// Radial header (64 B).
#[derive(Debug, Clone, PartialEq)]
pub struct RadialHeader {
    /// 0 start of tilt, 1 middle, 2 end of tilt, 3 start of volume, 4 end of volume (6 also ends).
    pub state: i32,
    pub seq_number: i32,
    pub radial_number: i32,
    /// 1-based cut index.
    pub elevation_number: i32,
    pub azimuth_deg: f32,
    pub elevation_deg: f32,
    pub seconds: i32,
    pub microseconds: i32,
    pub data_length: i32,
    pub moment_number: i32,
    /// 1 = LZO-compressed moment data.
    pub zip_type: u8,
}

impl RadialHeader {
    pub fn parse(c: &mut Cursor) -> Result<Self> {
        let b = c.block::<RADIAL_LEN>("radial header")?;
        Ok(RadialHeader {
            state: b.i32(0),
            seq_number: b.i32(8),
            radial_number: b.i32(12),
            elevation_number: b.i32(16),
            azimuth_deg: b.f32(20),
            elevation_deg: b.f32(24),
            seconds: b.i32(28),
            microseconds: b.i32(32),
            data_length: b.i32(36),
            moment_number: b.i32(40),
            zip_type: b.u8(50),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = BlockWriter::<RADIAL_LEN>::default();
        w.i32(0, self.state)
            .i32(8, self.seq_number)
            .i32(12, self.radial_number)
            .i32(16, self.elevation_number)
            .f32(20, self.azimuth_deg)
            .f32(24, self.elevation_deg)
            .i32(28, self.seconds)
            .i32(32, self.microseconds)
            .i32(36, self.data_length)
            .i32(40, self.moment_number)
            .u8(50, self.zip_type);
        out.extend_from_slice(w.bytes());
    }
}

/// Moment header (32 B).
#[derive(Debug, Clone, PartialEq)]
pub struct MomentHeader {
    pub data_type: i32,
    pub scale: i32,
    pub offset: i32,
    /// Bytes per gate: 1 or 2.
    pub bin_length: i16,
    pub flags: i16,
    /// Bytes of gate data that follow.
    pub block_length: i32,
}

impl MomentHeader {
    pub fn parse(c: &mut Cursor) -> Result<Self> {
        let b = c.block::<MOMENT_LEN>("moment header")?;
        Ok(MomentHeader {
            data_type: b.i32(0),
            scale: b.i32(4),
            offset: b.i32(8),
            bin_length: b.i16(12),
            flags: b.i16(14),
            block_length: b.i32(16),
        })
    }

    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = BlockWriter::<MOMENT_LEN>::default();
        w.i32(0, self.data_type)
            .i32(4, self.scale)
            .i32(8, self.offset)
            .i16(12, self.bin_length)
            .i16(14, self.flags)
            .i32(16, self.block_length);
        out.extend_from_slice(w.bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_round_trip_at_their_sizes() {
        let site = SiteConfig {
            code: "Z9200".into(),
            name: "广州".into(),
            latitude_deg: 23.0,
            longitude_deg: 113.3,
            antenna_height_m: 180,
            ground_height_m: 160,
            frequency_mhz: 2860.0,
            beam_width_h_deg: 0.95,
            beam_width_v_deg: 0.95,
        };
        let cut = CutConfig {
            prf1_hz: 1000.0,
            prf2_hz: 750.0,
            azimuth_deg: 0.0,
            elevation_deg: 0.5,
            log_resolution: 250,
            doppler_resolution: 32_768 + 6_250,
            max_range1_m: 460_000,
            start_range_m: 0,
            nyquist_mps: 27.4,
        };
        let mut out = Vec::new();
        site.write(&mut out);
        cut.write(&mut out);
        assert_eq!(out.len(), SITE_LEN + CUT_LEN);
        let mut c = Cursor::new(&out, "test", "mem");
        assert_eq!(SiteConfig::parse(&mut c).unwrap(), site);
        assert_eq!(CutConfig::parse(&mut c).unwrap(), cut);
    }
}
