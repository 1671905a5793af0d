//! Encoding a [`PolarVolume`] as CINRAD standard base data.

use std::path::Path;

use super::header::{
    CutConfig, GENERIC_TYPE_BASE_DATA, GenericHeader, MomentHeader, RadialHeader, SiteConfig,
    TaskConfig,
};
use super::{FIRST_VALID_CODE, MAGIC, encode_resolution_m, moment_type_by_name};
use crate::error::{Error, Result};
use crate::io::compression::Compression;
use crate::volume::{GateStatus, PolarVolume, SweepMode};

/// Gate code written for [`GateStatus::NoData`].
const NO_DATA_CODE: u16 = 2;

/// Encodes a volume as (uncompressed) CINRAD standard base data, version 2.0.
///
/// Every moment is written with 2-byte codes and the scale/offset of [`super::MOMENT_TYPES`], so values round
/// trip to within `0.5 / scale` (0.005 dB for reflectivity); gate statuses round trip exactly. The site altitude
/// is written as the antenna height, in whole metres, and so is the range of the first gate unless it equals the
/// gate spacing.
///
/// # Errors
/// [`Error::Unsupported`] for a moment name the format has no data type for; [`Error::Parameter`] for a value
/// that its encoding cannot represent, or a volume the format cannot hold (no sweeps, more than 256 cuts, a
/// scan time outside the 32-bit range); [`Error::Shape`] if a sweep is inconsistent.
pub fn to_bytes(volume: &PolarVolume) -> Result<Vec<u8>> {
    volume.validate()?;
    if volume.sweeps.is_empty() || volume.sweeps.len() > 256 {
        return Err(Error::parameter(
            "sweeps",
            volume.sweeps.len(),
            "a CINRAD file holds 1 to 256 cuts",
        ));
    }
    let start = i32::try_from(volume.start_time.timestamp()).map_err(|_| {
        Error::parameter(
            "start_time",
            volume.start_time,
            "outside the format's 32-bit seconds",
        )
    })?;
    let mut out = Vec::new();
    GenericHeader {
        magic: MAGIC,
        major_version: 2,
        minor_version: 0,
        generic_type: GENERIC_TYPE_BASE_DATA,
    }
    .write(&mut out);
    SiteConfig {
        code: volume.site.id.clone(),
        name: volume.site.name.clone(),
        latitude_deg: volume.site.latitude_deg as f32,
        longitude_deg: volume.site.longitude_deg as f32,
        antenna_height_m: volume.site.altitude_m.round() as i32,
        ground_height_m: volume.site.altitude_m.round() as i32,
        frequency_mhz: volume.frequency_mhz.unwrap_or(0.0) as f32,
        beam_width_h_deg: volume.beam_width_deg,
        beam_width_v_deg: volume.beam_width_deg,
    }
    .write(&mut out);
    let rhi = volume.sweeps.iter().any(|s| s.mode == SweepMode::Rhi);
    TaskConfig {
        name: "SQUALL".into(),
        description: "written by squall".into(),
        polar_type: 3,
        scan_type: if rhi { 2 } else { 0 },
        pulse_width_ns: 0,
        scan_start_time: start,
        cut_number: volume.sweeps.len() as i32,
    }
    .write(&mut out);
    for sweep in &volume.sweeps {
        let resolution = encode_resolution_m(sweep.gate_spacing_m).ok_or_else(|| {
            Error::parameter(
                "gate_spacing_m",
                sweep.gate_spacing_m,
                "must be positive and at most 21 km",
            )
        })?;
        let (azimuth_deg, elevation_deg) = if sweep.mode == SweepMode::Rhi {
            (sweep.fixed_angle_deg, 0.0)
        } else {
            (0.0, sweep.fixed_angle_deg)
        };
        CutConfig {
            prf1_hz: 0.0,
            prf2_hz: 0.0,
            azimuth_deg,
            elevation_deg,
            log_resolution: resolution,
            doppler_resolution: resolution,
            max_range1_m: (sweep.first_gate_m + sweep.n_gates() as f32 * sweep.gate_spacing_m)
                .round() as i32,
            // 0 means "first gate one spacing out", which keeps fractional spacings exact.
            start_range_m: if sweep.first_gate_m == sweep.gate_spacing_m {
                0
            } else {
                sweep.first_gate_m.round() as i32
            },
            nyquist_mps: sweep.nyquist_mps.unwrap_or(0.0),
        }
        .write(&mut out);
    }

    let n_sweeps = volume.sweeps.len();
    let mut seq = 0;
    for (s, sweep) in volume.sweeps.iter().enumerate() {
        let types = sweep
            .moments
            .iter()
            .map(|m| {
                moment_type_by_name(&m.name).ok_or_else(|| {
                    Error::Unsupported(format!(
                        "moment {} has no CINRAD data type (known: DBZH, ZDR, …)",
                        m.name
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let n_gates = sweep.n_gates();
        let n_rays = sweep.n_rays();
        for ray in 0..n_rays {
            seq += 1;
            let state = match (ray == 0, ray + 1 == n_rays) {
                (true, _) if s == 0 => 3,
                (_, true) if s + 1 == n_sweeps => 4,
                (true, _) => 0,
                (_, true) => 2,
                _ => 1,
            };
            let t = f64::from(start) + sweep.time_s[ray];
            RadialHeader {
                state,
                seq_number: seq,
                radial_number: ray as i32 + 1,
                elevation_number: s as i32 + 1,
                azimuth_deg: sweep.azimuth_deg[ray],
                elevation_deg: sweep.elevation_deg[ray],
                seconds: t.floor() as i32,
                microseconds: ((t - t.floor()) * 1e6).round().min(999_999.0) as i32,
                data_length: (sweep.moments.len() * (32 + 2 * n_gates)) as i32,
                moment_number: sweep.moments.len() as i32,
                zip_type: 0,
            }
            .write(&mut out);
            for (m, t) in sweep.moments.iter().zip(&types) {
                MomentHeader {
                    data_type: t.code,
                    scale: t.scale,
                    offset: t.offset,
                    bin_length: 2,
                    flags: 0,
                    block_length: (2 * n_gates) as i32,
                }
                .write(&mut out);
                for g in 0..n_gates {
                    let raw = match m.status[[ray, g]] {
                        GateStatus::Valid => {
                            let v = m.values[[ray, g]];
                            let raw =
                                (f64::from(v) * f64::from(t.scale) + f64::from(t.offset)).round();
                            if !(f64::from(FIRST_VALID_CODE)..=f64::from(u16::MAX)).contains(&raw) {
                                return Err(Error::parameter(
                                    &m.name,
                                    v,
                                    format!(
                                        "sweep {s} ray {ray} gate {g}: outside the encodable range"
                                    ),
                                ));
                            }
                            raw as u16
                        }
                        GateStatus::NoEcho => 0,
                        GateStatus::RangeFolded => 1,
                        GateStatus::NoData => NO_DATA_CODE,
                    };
                    out.extend_from_slice(&raw.to_le_bytes());
                }
            }
        }
    }
    Ok(out)
}

/// Writes a volume as a CINRAD standard base-data file, optionally compressed (bzip2 as radars deliver them, or
/// gzip).
///
/// # Errors
/// As [`to_bytes`], [`Error::Io`] if the file cannot be written, [`Error::Unsupported`] for zip output.
pub fn write(volume: &PolarVolume, path: impl AsRef<Path>, compression: Compression) -> Result<()> {
    let path = path.as_ref();
    let bytes = to_bytes(volume)?;
    crate::io::compression::write_compressed(path, &bytes, compression)
}
