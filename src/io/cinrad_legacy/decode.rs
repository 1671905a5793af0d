//! Decoding legacy CINRAD records into a [`PolarVolume`].

use std::ops::Range;
use std::path::Path;

use chrono::{TimeZone, Utc};
use rayon::prelude::*;

use super::geometry::{doppler_gates_covered, reflectivity_gate};
use super::layout::{
    GateScale, HEADER_LEN, RecordHeader, azimuth_deg, elevation_deg, offset, status,
};
use super::{FORMAT_NAME, LegacyVariant};
use crate::error::Result;
use crate::io::bytes::{Cursor, check_gate_count};
use crate::io::compression;
use crate::volume::{Moment, PolarVolume, Site, Sweep, SweepMode};

/// Nominal 3-dB beam width of CINRAD/SA and CB antennas, degrees (not in the files).
const NOMINAL_BEAM_WIDTH_DEG: f32 = 1.0;
const MS_PER_DAY: i64 = 86_400_000;

/// Reads a legacy CINRAD file (plain, gzip, bzip2 or zip; detected from magic bytes), with an unknown site.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Decode`] naming the file and byte offset for corrupt or
/// truncated content; [`Error::Limits`] for a geometry that would decode to far more gates than the file holds.
///
/// [`Error::Io`]: crate::Error::Io
/// [`Error::Decode`]: crate::Error::Decode
/// [`Error::Limits`]: crate::Error::Limits
pub fn read(path: impl AsRef<Path>) -> Result<PolarVolume> {
    compression::read_decompressed(path.as_ref(), decode)
}

/// Decodes legacy CINRAD base data held in memory (compressed or not), with an unknown site. `source_name`
/// appears in errors.
///
/// # Errors
/// As [`read`].
pub fn from_bytes(bytes: &[u8], source_name: &str) -> Result<PolarVolume> {
    compression::decode_decompressed(bytes, source_name, decode)
}

/// Decodes uncompressed legacy CINRAD base data. The format holds no site: the volume's site has an empty id and
/// name and `NaN` coordinates (see [`decode_with_site`]).
///
/// # Errors
/// As [`read`].
///
/// # Examples
/// ```
/// use squall::io::cinrad_legacy::{LegacyVariant, decode, to_bytes};
/// # use squall::{Moment, PolarVolume, Site, Sweep, SweepMode};
/// # let dbzh = Moment::from_values("DBZH", "dBZ", ndarray::Array2::from_elem((2, 3), 20.5));
/// # let sweep = Sweep { mode: SweepMode::Ppi, fixed_angle_deg: 0.5, azimuth_deg: vec![0.0, 1.0],
/// #     elevation_deg: vec![0.5; 2], time_s: vec![0.0, 0.1], first_gate_m: 500.0, gate_spacing_m: 1000.0,
/// #     nyquist_mps: Some(8.5), moments: vec![dbzh] };
/// # let site = Site { id: "Z9999".into(), name: "".into(), latitude_deg: 30.0, longitude_deg: 120.0,
/// #     altitude_m: 10.0 };
/// # let volume = PolarVolume { site, frequency_mhz: Some(2800.0), beam_width_deg: 1.0,
/// #     start_time: chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap(), sweeps: vec![sweep] };
/// let bytes = to_bytes(&volume, LegacyVariant::SaSb)?; // one reflectivity-only cut of 2 rays
/// assert_eq!(bytes.len(), 2 * 2432);
/// let back = decode(&bytes, "memory")?;
/// assert!(back.site.latitude_deg.is_nan());
/// assert_eq!(back.frequency_mhz, Some(2800.0));
/// assert_eq!(back.sweeps[0].gate_spacing_m, 1000.0);
/// assert_eq!(back.sweeps[0].moment("DBZH").unwrap().values[[1, 2]], 20.5);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn decode(data: &[u8], source_name: &str) -> Result<PolarVolume> {
    decode_with_site(data, source_name, unknown_site())
}

/// As [`decode`], with the radar site supplied by the caller (legacy files do not record it).
///
/// # Errors
/// As [`read`].
pub fn decode_with_site(data: &[u8], source_name: &str, site: Site) -> Result<PolarVolume> {
    let c = Cursor::new(data, FORMAT_NAME, source_name);
    let variant = variant_of(data, &c)?;
    let radials = parse_records(data, variant, &c)?;
    let bounds = sweep_bounds(&radials);
    let layouts = bounds
        .iter()
        .map(|b| SweepLayout::new(&radials[b.clone()], &c))
        .collect::<Result<Vec<_>>>()?;
    let requested = layouts
        .iter()
        .zip(&bounds)
        .map(|(l, b)| l.gate_count(b.len()))
        .fold(0u64, u64::saturating_add);
    check_gate_count(requested, data.len(), source_name)?;
    let start_ms = radials[0].time_ms();
    let start_time = Utc
        .timestamp_millis_opt(start_ms)
        .single()
        .ok_or_else(|| c.error_at(offset::DAY, format!("time {start_ms} ms is not valid")))?;
    let sweeps = bounds
        .par_iter()
        .zip(layouts.par_iter())
        .map(|(b, layout)| build_sweep(&radials[b.clone()], layout, start_ms))
        .collect();
    Ok(PolarVolume {
        site,
        frequency_mhz: Some(variant.nominal_frequency_mhz()),
        beam_width_deg: NOMINAL_BEAM_WIDTH_DEG,
        start_time,
        sweeps,
    })
}

/// The site of a volume whose file does not say where the radar stands.
fn unknown_site() -> Site {
    Site {
        id: String::new(),
        name: String::new(),
        latitude_deg: f64::NAN,
        longitude_deg: f64::NAN,
        altitude_m: f64::NAN,
    }
}

/// The record layout of `data`, with an error naming the truncated tail when the length fits neither.
fn variant_of(data: &[u8], c: &Cursor) -> Result<LegacyVariant> {
    let candidates: Vec<LegacyVariant> = LegacyVariant::ALL
        .into_iter()
        .filter(|v| !data.is_empty() && data.len() % v.record_len() == 0)
        .collect();
    match candidates.as_slice() {
        [] => {
            let whole = data.len() - data.len() % LegacyVariant::SaSb.record_len();
            Err(c.error_at(
                whole,
                format!(
                    "length {} is not a positive multiple of the 2432-byte (SA/SB) or 4132-byte (CA/CB) \
                     record: the last record is truncated",
                    data.len()
                ),
            ))
        }
        [v] => Ok(*v),
        _ => Ok(candidates
            .iter()
            .copied()
            .find(|v| v.fits(data))
            .unwrap_or(LegacyVariant::SaSb)),
    }
}

/// One record: where it starts, its header and gate blocks.
struct Radial<'a> {
    offset: usize,
    header: RecordHeader,
    velocity: GateScale,
    z: &'a [u8],
    v: &'a [u8],
    w: &'a [u8],
}

impl Radial<'_> {
    /// Collection time in ms since 1970-01-01 (day 1 is 1970-01-01).
    fn time_ms(&self) -> i64 {
        (i64::from(self.header.day) - 1) * MS_PER_DAY + i64::from(self.header.time_ms)
    }
}

/// Checks every record header and locates its gate blocks.
fn parse_records<'a>(
    data: &'a [u8],
    variant: LegacyVariant,
    c: &Cursor,
) -> Result<Vec<Radial<'a>>> {
    let n = variant.record_len();
    data.chunks_exact(n)
        .enumerate()
        .map(|(i, record)| {
            let offset = i * n;
            let mut rc = Cursor::new(record, FORMAT_NAME, "");
            let header = RecordHeader::parse(&rc.block::<HEADER_LEN>("radial header")?);
            let ranges = header.data_ranges(variant).map_err(|(at, reason)| {
                c.error_at(offset + at, format!("record {i} ({variant}): {reason}"))
            })?;
            Ok(Radial {
                offset,
                header,
                velocity: GateScale::velocity(header.velocity_resolution)
                    .unwrap_or(GateScale::HALF_MPS),
                z: &record[ranges.z],
                v: &record[ranges.v],
                w: &record[ranges.w],
            })
        })
        .collect()
}

/// Index ranges of the sweeps: a sweep starts at radial status 0 or 3, after status 2 or 4, and where the
/// elevation number changes.
fn sweep_bounds(radials: &[Radial]) -> Vec<Range<usize>> {
    let mut starts: Vec<usize> = Vec::new();
    for (i, r) in radials.iter().enumerate() {
        let h = &r.header;
        let new = match i.checked_sub(1).map(|p| &radials[p].header) {
            None => true,
            Some(prev) => {
                matches!(h.radial_status, status::CUT_START | status::VOLUME_START)
                    || matches!(prev.radial_status, status::CUT_END | status::VOLUME_END)
                    || h.elevation_number != prev.elevation_number
            }
        };
        if new {
            starts.push(i);
        }
    }
    starts
        .iter()
        .zip(starts.iter().skip(1).chain([&radials.len()]))
        .map(|(&a, &b)| a..b)
        .collect()
}

/// Range of the first gate and gate length, metres, as in a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Axis {
    first_m: i16,
    spacing_m: u16,
}

impl Axis {
    fn first(self) -> i64 {
        i64::from(self.first_m)
    }

    fn spacing(self) -> i64 {
        i64::from(self.spacing_m)
    }
}

/// The gates of a sweep: which moments it has, their axes, and the sweep's range axis.
struct SweepLayout {
    reflectivity: Option<Axis>,
    doppler: Option<Axis>,
    axis: Axis,
    n_gates: u64,
}

impl SweepLayout {
    /// Collects the axes of a sweep's records; the records holding a moment must agree on its axis.
    fn new(radials: &[Radial], c: &Cursor) -> Result<SweepLayout> {
        let mut reflectivity: Option<Axis> = None;
        let mut doppler: Option<Axis> = None;
        let (mut n_z, mut n_d) = (0usize, 0usize);
        for r in radials {
            let h = &r.header;
            let kinds = [
                (
                    &mut reflectivity,
                    r.z.len(),
                    Axis {
                        first_m: h.first_gate_z_m,
                        spacing_m: h.gate_size_z_m,
                    },
                    offset::FIRST_GATE_Z,
                    "reflectivity",
                ),
                (
                    &mut doppler,
                    r.v.len(),
                    Axis {
                        first_m: h.first_gate_d_m,
                        spacing_m: h.gate_size_d_m,
                    },
                    offset::FIRST_GATE_D,
                    "Doppler",
                ),
            ];
            for (slot, gates, axis, at, what) in kinds {
                if gates == 0 {
                    continue;
                }
                match *slot {
                    None => *slot = Some(axis),
                    Some(a) if a != axis => {
                        // Point at the field that differs: the first-gate range, or the gate length 4 bytes on.
                        let at = if a.first_m == axis.first_m {
                            at + 4
                        } else {
                            at
                        };
                        return Err(c.error_at(
                            r.offset + at,
                            format!(
                                "{what} gates from {} m every {} m differ from the sweep's ({} m every {} m)",
                                axis.first_m, axis.spacing_m, a.first_m, a.spacing_m
                            ),
                        ));
                    }
                    Some(_) => {}
                }
            }
            n_z = n_z.max(r.z.len());
            n_d = n_d.max(r.v.len());
        }
        let first = &radials[0].header;
        let (axis, n_gates) = match (reflectivity, doppler) {
            (_, Some(d)) => {
                let covered = reflectivity.map_or(0, |z| {
                    doppler_gates_covered(n_z, d.first(), d.spacing(), z.first(), z.spacing())
                });
                (d, covered.max(n_d as u64))
            }
            (Some(z), None) => (z, n_z as u64),
            (None, None) => (
                Axis {
                    first_m: first.first_gate_z_m,
                    spacing_m: first.gate_size_z_m,
                },
                0,
            ),
        };
        Ok(SweepLayout {
            reflectivity,
            doppler,
            axis,
            n_gates,
        })
    }

    /// Gates the sweep would allocate, all moments, saturating.
    fn gate_count(&self, n_rays: usize) -> u64 {
        let moments =
            u64::from(self.reflectivity.is_some()) + 2 * u64::from(self.doppler.is_some());
        (n_rays as u64)
            .saturating_mul(self.n_gates)
            .saturating_mul(moments)
    }
}

/// Decodes one sweep (its size checked against the limit beforehand).
fn build_sweep(radials: &[Radial], layout: &SweepLayout, start_ms: i64) -> Sweep {
    let n_rays = radials.len();
    let n = layout.n_gates as usize;
    let mut moments = Vec::with_capacity(3);
    if let Some(z) = layout.reflectivity {
        let mut m = Moment::no_data("DBZH", "dBZ", n_rays, n);
        for (ray, r) in radials.iter().enumerate() {
            match layout.doppler {
                None => {
                    for (k, &code) in r.z.iter().enumerate() {
                        let (s, v) = GateScale::REFLECTIVITY.decode(code);
                        m.status[[ray, k]] = s;
                        m.values[[ray, k]] = v;
                    }
                }
                Some(d) => {
                    let covered = doppler_gates_covered(
                        r.z.len(),
                        d.first(),
                        d.spacing(),
                        z.first(),
                        z.spacing(),
                    ) as usize;
                    for j in 0..covered {
                        if let Some(k) =
                            reflectivity_gate(j, d.first(), d.spacing(), z.first(), z.spacing())
                                .filter(|&k| k < r.z.len())
                        {
                            let (s, v) = GateScale::REFLECTIVITY.decode(r.z[k]);
                            m.status[[ray, j]] = s;
                            m.values[[ray, j]] = v;
                        }
                    }
                }
            }
        }
        moments.push(m);
    }
    if layout.doppler.is_some() {
        let mut v = Moment::no_data("VRADH", "m/s", n_rays, n);
        let mut w = Moment::no_data("WRADH", "m/s", n_rays, n);
        for (ray, r) in radials.iter().enumerate() {
            for (m, codes, scale) in [
                (&mut v, r.v, r.velocity),
                (&mut w, r.w, GateScale::HALF_MPS),
            ] {
                for (j, &code) in codes.iter().enumerate() {
                    let (s, x) = scale.decode(code);
                    m.status[[ray, j]] = s;
                    m.values[[ray, j]] = x;
                }
            }
        }
        moments.extend([v, w]);
    }
    let elevation: Vec<f32> = radials
        .iter()
        .map(|r| elevation_deg(r.header.elevation_code))
        .collect();
    let mut sorted = elevation.clone();
    sorted.sort_by(f32::total_cmp);
    let nyquist = radials[0].header.nyquist_cmps;
    Sweep {
        mode: SweepMode::Ppi,
        fixed_angle_deg: sorted[(sorted.len() - 1) / 2],
        azimuth_deg: radials
            .iter()
            .map(|r| azimuth_deg(r.header.azimuth_code))
            .collect(),
        elevation_deg: elevation,
        time_s: radials
            .iter()
            .map(|r| (r.time_ms() - start_ms) as f64 / 1000.0)
            .collect(),
        first_gate_m: f32::from(layout.axis.first_m),
        gate_spacing_m: f32::from(layout.axis.spacing_m),
        nyquist_mps: (nyquist > 0).then(|| f32::from(nyquist) / 100.0),
        moments,
    }
}
