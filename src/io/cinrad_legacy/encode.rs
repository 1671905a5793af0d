//! Encoding a [`PolarVolume`] as legacy CINRAD records.

use std::path::Path;

use super::LegacyVariant;
use super::geometry::REFLECTIVITY_SPACING_RATIO;
use super::layout::{
    CODE_NO_ECHO, CODE_RANGE_FOLDED, GateScale, HEADER_LEN, POINTER_BASE, RADAR_DATA_FLAG,
    RecordHeader, VELOCITY_HALF_MPS, VELOCITY_ONE_MPS, angle_code, status,
};
use crate::error::{Error, Result};
use crate::io::compression::Compression;
use crate::volume::{GateStatus, Moment, PolarVolume, Sweep, SweepMode};

const MS_PER_DAY: i64 = 86_400_000;
/// Speed of light, m/s, for the unambiguous range.
const SPEED_OF_LIGHT_MPS: f64 = 299_792_458.0;

/// Encodes a volume as legacy CINRAD records of `variant` (uncompressed), one record per ray, sweeps in order.
///
/// What a volume must look like (as [`to_legacy_geometry`](super::to_legacy_geometry) prepares it):
/// - PPI (or sector) sweeps holding `DBZH`, or `VRADH` and `WRADH`, or all three; no other moment.
/// - A sweep with only `DBZH` is a surveillance cut: its gates are the reflectivity gates. A sweep with `VRADH`
///   and `WRADH` has Doppler gates; its `DBZH`, if any, is written as reflectivity gates
///   [`REFLECTIVITY_SPACING_RATIO`](super::REFLECTIVITY_SPACING_RATIO) (4) Doppler gates long, each taken from the sweep gate at its centre — the
///   inverse of the reader's repetition, so a volume read from a file writes back byte for byte. Both axes start at
///   the sweep's first gate.
/// - First gate and gate lengths in whole metres within the header's 16 bits; per ray at most the variant's gate
///   counts (460/920 or 800/1600) with data; no [`GateStatus::NoData`] gate before a ray's last gate with data
///   (the format has no code for it), velocity and width sharing their gate count.
///
/// Gate codes: reflectivity at 0.5 dB from −32 dBZ, spectrum width at 0.5 m/s, velocity at 0.5 m/s when every
/// valid velocity of the sweep fits −63.5..63 m/s, else at 1 m/s (−127..126 m/s); values round to the nearest
/// code. Each record packs its blocks behind the header (pointers 100, 100 + reflectivity gates, …; 0 for an
/// absent moment), which is the spec's fixed layout for full records and what PyCINRAD assumes for the others.
/// Radial status marks cut and volume starts and ends; the elevation number is the sweep's index + 1; times are
/// whole milliseconds from the volume start. The Nyquist velocity is written in 0.01 m/s and the unambiguous range
/// derived from it at the variant's nominal wavelength (c²/(8·f·V_N)). Site, frequency, beam width and fixed angles
/// are not part of the format; sector number, calibration constant and VCP are written as 0.
///
/// # Errors
/// [`Error::Unsupported`] for a moment the format has no block for; [`Error::Parameter`] for a volume or value
/// the format cannot represent (no sweeps, an empty or RHI sweep, a geometry outside the 16-bit fields, too many
/// gates, NoData inside a ray, a value outside the codes, a time before 1970-01-01 or after 2149); [`Error::Shape`]
/// if a sweep is inconsistent.
pub fn to_bytes(volume: &PolarVolume, variant: LegacyVariant) -> Result<Vec<u8>> {
    volume.validate()?;
    let n_sweeps = volume.sweeps.len();
    if n_sweeps == 0 || n_sweeps > usize::from(u16::MAX) {
        return Err(Error::parameter(
            "sweeps",
            n_sweeps,
            "a legacy CINRAD volume holds 1 to 65535 cuts",
        ));
    }
    let start_ms = volume.start_time.timestamp_millis();
    let n_records: usize = volume.sweeps.iter().map(Sweep::n_rays).sum();
    let mut out = Vec::with_capacity(n_records.saturating_mul(variant.record_len()));
    for (s, sweep) in volume.sweeps.iter().enumerate() {
        let plan = SweepPlan::new(sweep, s, variant)?;
        let n_rays = sweep.n_rays();
        for ray in 0..n_rays {
            let state = match (ray == 0, ray + 1 == n_rays) {
                (true, _) if s == 0 => status::VOLUME_START,
                (_, true) if s + 1 == n_sweeps => status::VOLUME_END,
                (true, _) => status::CUT_START,
                (_, true) => status::CUT_END,
                _ => status::MIDDLE,
            };
            let time_s = sweep.time_s[ray];
            let t = start_ms as f64 + (time_s * 1000.0).round();
            let day = (t / MS_PER_DAY as f64).floor() + 1.0;
            if !(1.0..=f64::from(u16::MAX)).contains(&day) {
                return Err(Error::parameter(
                    "time_s",
                    time_s,
                    format!(
                        "sweep {s} ray {ray}: the format counts days from 1970-01-01 in 16 bits (to 2149)"
                    ),
                ));
            }
            let (az, el) = (sweep.azimuth_deg[ray], sweep.elevation_deg[ray]);
            if !(az.is_finite() && el.is_finite()) {
                return Err(Error::parameter(
                    "azimuth_deg / elevation_deg",
                    format!("{az} / {el}"),
                    format!("sweep {s} ray {ray}: angles must be finite"),
                ));
            }
            let z = plan.reflectivity_codes(sweep, s, ray)?;
            let (v, w) = plan.doppler_codes(sweep, s, ray)?;
            let pointer = |skip: usize, gates: usize| {
                if gates == 0 {
                    0
                } else {
                    (HEADER_LEN - POINTER_BASE + skip) as u16
                }
            };
            let header = RecordHeader {
                flag: RADAR_DATA_FLAG,
                time_ms: t.rem_euclid(MS_PER_DAY as f64) as u32,
                day: day as u16,
                unambiguous_range_100m: plan.unambiguous_range_100m,
                azimuth_code: angle_code(f64::from(az)),
                radial_number: (ray + 1) as u16,
                radial_status: state,
                elevation_code: angle_code(f64::from(el)),
                elevation_number: (s + 1) as u16,
                first_gate_z_m: plan.first_m,
                first_gate_d_m: plan.first_m,
                gate_size_z_m: plan.z_spacing_m,
                gate_size_d_m: plan.d_spacing_m,
                gates_z: z.len() as u16,
                gates_d: v.len() as u16,
                pointer_z: pointer(0, z.len()),
                pointer_v: pointer(z.len(), v.len()),
                pointer_w: pointer(z.len() + v.len(), w.len()),
                velocity_resolution: plan.velocity_resolution,
                nyquist_cmps: plan.nyquist_cmps,
            };
            let start = out.len();
            out.extend_from_slice(header.to_block().bytes());
            out.extend_from_slice(&z);
            out.extend_from_slice(&v);
            out.extend_from_slice(&w);
            out.resize(start + variant.record_len(), 0);
        }
    }
    Ok(out)
}

/// Writes a volume as a legacy CINRAD file of `variant`, optionally compressed (bzip2 or gzip).
///
/// # Errors
/// As [`to_bytes`], [`Error::Io`] if the file cannot be written, [`Error::Unsupported`] for zip output.
pub fn write(
    volume: &PolarVolume,
    path: impl AsRef<Path>,
    variant: LegacyVariant,
    compression: Compression,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = to_bytes(volume, variant)?;
    crate::io::compression::write_compressed(path, &bytes, compression)
}

/// The per-sweep part of the records: which moments, the geometry fields and the velocity coding.
struct SweepPlan<'a> {
    variant: LegacyVariant,
    reflectivity: Option<&'a Moment>,
    doppler: Option<(&'a Moment, &'a Moment)>,
    /// Sweep gates per reflectivity gate: 4 in a sweep with Doppler gates, 1 in a surveillance cut.
    stride: usize,
    first_m: i16,
    z_spacing_m: u16,
    d_spacing_m: u16,
    velocity: GateScale,
    velocity_resolution: u16,
    nyquist_cmps: u16,
    unambiguous_range_100m: u16,
}

impl<'a> SweepPlan<'a> {
    fn new(sweep: &'a Sweep, s: usize, variant: LegacyVariant) -> Result<SweepPlan<'a>> {
        let bad = |name: &str, value: String, reason: &str| {
            Err(Error::parameter(
                name,
                value,
                format!("sweep {s}: {reason}"),
            ))
        };
        if sweep.mode == SweepMode::Rhi {
            return bad(
                "mode",
                "RHI".into(),
                "the legacy format holds PPI cuts only",
            );
        }
        if sweep.n_rays() == 0 || sweep.n_rays() > usize::from(u16::MAX) {
            return bad(
                "n_rays",
                sweep.n_rays().to_string(),
                "a cut holds 1 to 65535 radials",
            );
        }
        if let Some(m) = sweep
            .moments
            .iter()
            .find(|m| !matches!(m.name.as_str(), "DBZH" | "VRADH" | "WRADH"))
        {
            return Err(Error::Unsupported(format!(
                "sweep {s}: moment {} has no block in legacy CINRAD records (DBZH, VRADH, WRADH only)",
                m.name
            )));
        }
        let reflectivity = sweep.moment("DBZH");
        let doppler = match (sweep.moment("VRADH"), sweep.moment("WRADH")) {
            (Some(v), Some(w)) => Some((v, w)),
            (None, None) => None,
            _ => {
                return bad(
                    "moments",
                    "VRADH without WRADH or the reverse".into(),
                    "velocity and width share their gates: give both or neither",
                );
            }
        };
        let first = sweep.first_gate_m;
        if first.fract() != 0.0 || !(f32::from(i16::MIN)..=f32::from(i16::MAX)).contains(&first) {
            return bad(
                "first_gate_m",
                first.to_string(),
                "the header holds the first gate in whole metres, 16-bit signed",
            );
        }
        let spacing = sweep.gate_spacing_m;
        let ratio = if doppler.is_some() {
            f32::from(REFLECTIVITY_SPACING_RATIO)
        } else {
            1.0
        };
        if spacing.fract() != 0.0 || !(1.0..=f32::from(u16::MAX) / ratio).contains(&spacing) {
            return bad(
                "gate_spacing_m",
                spacing.to_string(),
                &format!(
                    "gate lengths are whole metres, 16-bit (reflectivity gates {ratio} × the sweep's)"
                ),
            );
        }
        let (z_spacing_m, d_spacing_m) = if doppler.is_some() {
            (spacing as u16 * REFLECTIVITY_SPACING_RATIO, spacing as u16)
        } else {
            (spacing as u16, spacing as u16 / REFLECTIVITY_SPACING_RATIO)
        };
        let (velocity, velocity_resolution) = match doppler {
            Some((v, _)) => velocity_coding(v, s)?,
            None => (GateScale::HALF_MPS, VELOCITY_HALF_MPS),
        };
        let nyquist = sweep.nyquist_mps.unwrap_or(0.0);
        let cmps = (f64::from(nyquist) * 100.0).round();
        if !(0.0..=f64::from(u16::MAX)).contains(&cmps) {
            return bad(
                "nyquist_mps",
                nyquist.to_string(),
                "the header holds 0 to 655.35 m/s",
            );
        }
        let unambiguous_range_100m = if cmps > 0.0 {
            let wavelength_m = SPEED_OF_LIGHT_MPS / (variant.nominal_frequency_mhz() * 1e6);
            let range_m = SPEED_OF_LIGHT_MPS * wavelength_m / (8.0 * cmps / 100.0);
            (range_m / 100.0).round().min(f64::from(u16::MAX)) as u16
        } else {
            0
        };
        Ok(SweepPlan {
            variant,
            reflectivity,
            doppler,
            stride: ratio as usize,
            first_m: first as i16,
            z_spacing_m,
            d_spacing_m,
            velocity,
            velocity_resolution,
            nyquist_cmps: cmps as u16,
            unambiguous_range_100m,
        })
    }

    /// The reflectivity codes of a ray: the sweep gates at each reflectivity gate's centre, up to the last one
    /// with data.
    fn reflectivity_codes(&self, sweep: &Sweep, s: usize, ray: usize) -> Result<Vec<u8>> {
        let Some(m) = self.reflectivity else {
            return Ok(Vec::new());
        };
        let gates: Vec<usize> = (0..sweep.n_gates()).step_by(self.stride).collect();
        let n = gates
            .iter()
            .rposition(|&g| m.status[[ray, g]] != GateStatus::NoData)
            .map_or(0, |last| last + 1);
        let max = self.variant.max_reflectivity_gates();
        if n > max {
            return Err(Error::parameter(
                "DBZH",
                format!("{n} gates"),
                format!(
                    "sweep {s} ray {ray}: a {} record holds {max} reflectivity gates",
                    self.variant
                ),
            ));
        }
        gates[..n]
            .iter()
            .map(|&g| code(m, GateScale::REFLECTIVITY, s, ray, g))
            .collect()
    }

    /// The velocity and width codes of a ray, up to the last gate with data in either.
    fn doppler_codes(&self, sweep: &Sweep, s: usize, ray: usize) -> Result<(Vec<u8>, Vec<u8>)> {
        let Some((v, w)) = self.doppler else {
            return Ok((Vec::new(), Vec::new()));
        };
        let n = (0..sweep.n_gates())
            .rposition(|g| {
                v.status[[ray, g]] != GateStatus::NoData || w.status[[ray, g]] != GateStatus::NoData
            })
            .map_or(0, |last| last + 1);
        let max = self.variant.max_doppler_gates();
        if n > max {
            return Err(Error::parameter(
                "VRADH/WRADH",
                format!("{n} gates"),
                format!(
                    "sweep {s} ray {ray}: a {} record holds {max} Doppler gates",
                    self.variant
                ),
            ));
        }
        let codes = |m: &Moment, scale: GateScale| {
            (0..n)
                .map(|g| code(m, scale, s, ray, g))
                .collect::<Result<Vec<u8>>>()
        };
        Ok((codes(v, self.velocity)?, codes(w, GateScale::HALF_MPS)?))
    }
}

/// The code of one gate.
fn code(m: &Moment, scale: GateScale, s: usize, ray: usize, g: usize) -> Result<u8> {
    match m.status[[ray, g]] {
        GateStatus::NoEcho => Ok(CODE_NO_ECHO),
        GateStatus::RangeFolded => Ok(CODE_RANGE_FOLDED),
        GateStatus::Valid => {
            let value = m.values[[ray, g]];
            scale.encode(value).ok_or_else(|| {
                let (lo, hi) = scale.range();
                Error::parameter(
                    &m.name,
                    value,
                    format!("sweep {s} ray {ray} gate {g}: outside the codes' {lo}..={hi}"),
                )
            })
        }
        GateStatus::NoData => Err(Error::parameter(
            &m.name,
            "no data",
            format!(
                "sweep {s} ray {ray} gate {g}: the format has no code for a gate without data before the \
                 ray's last gate with data (use no echo)"
            ),
        )),
    }
}

/// Velocity at 0.5 m/s if every valid value of the sweep fits its codes, else at 1 m/s.
fn velocity_coding(v: &Moment, s: usize) -> Result<(GateScale, u16)> {
    let valid = || {
        v.values
            .iter()
            .zip(v.status.iter())
            .filter(|(_, st)| **st == GateStatus::Valid)
            .map(|(x, _)| *x)
    };
    if valid().all(|x| GateScale::HALF_MPS.encode(x).is_some()) {
        return Ok((GateScale::HALF_MPS, VELOCITY_HALF_MPS));
    }
    match valid().find(|&x| GateScale::ONE_MPS.encode(x).is_none()) {
        None => Ok((GateScale::ONE_MPS, VELOCITY_ONE_MPS)),
        Some(x) => Err(Error::parameter(
            "VRADH",
            x,
            format!("sweep {s}: outside −127..126 m/s, the range of the 1 m/s velocity codes"),
        )),
    }
}
