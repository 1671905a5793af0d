//! Decoding CINRAD standard base data into a [`PolarVolume`].

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use ndarray::ArrayViewMut1;
use rayon::prelude::*;

use super::header::{
    CutConfig, GENERIC_TYPE_BASE_DATA, GENERIC_TYPE_PHASED_ARRAY, GenericHeader, MomentHeader,
    RadialHeader, SiteConfig, TaskConfig,
};
use super::{FIRST_VALID_CODE, FORMAT_NAME, MAGIC, decode_resolution_m, moment_type_by_code};
use crate::error::{Error, Result};
use crate::io::bytes::{Cursor, check_gate_count};
use crate::io::compression;
use crate::volume::{GateStatus, Moment, PolarVolume, Site, Sweep, SweepMode};

/// More cuts than any scan strategy has; a larger count means a corrupt header.
const MAX_CUTS: i32 = 256;
/// More moments per radial than the standard defines.
const MAX_MOMENTS_PER_RADIAL: i32 = 64;

/// Reads a CINRAD standard base-data file (plain, gzip, bzip2 or zip; detected from magic bytes).
///
/// # Errors
/// [`Error::Io`] if the file cannot be read; [`Error::Decode`] naming the file and byte offset for corrupt or
/// truncated content; [`Error::Unsupported`] for LZO-compressed radials and the phased-array variant.
pub fn read(path: impl AsRef<Path>) -> Result<PolarVolume> {
    compression::read_decompressed(path.as_ref(), decode)
}

/// Decodes CINRAD standard base data held in memory (compressed or not). `source_name` appears in errors.
///
/// # Errors
/// As [`read`].
pub fn from_bytes(bytes: &[u8], source_name: &str) -> Result<PolarVolume> {
    compression::decode_decompressed(bytes, source_name, decode)
}

/// One moment block of one radial, borrowed from the stream.
struct MomentBlock<'a> {
    header: MomentHeader,
    data: &'a [u8],
}

/// One radial: its header and moment blocks.
struct Radial<'a> {
    header: RadialHeader,
    moments: Vec<MomentBlock<'a>>,
}

/// Decodes uncompressed CINRAD standard base data. `source_name` appears in errors.
///
/// # Errors
/// As [`read`].
pub fn decode(data: &[u8], source_name: &str) -> Result<PolarVolume> {
    let mut c = Cursor::new(data, FORMAT_NAME, source_name);
    let generic = GenericHeader::parse(&mut c)?;
    if generic.magic != MAGIC {
        return Err(c.error_at(
            0,
            format!(
                "magic number {:#010x} is not 0x4d545352 (\"RSTM\")",
                generic.magic
            ),
        ));
    }
    match generic.generic_type {
        GENERIC_TYPE_BASE_DATA => {}
        GENERIC_TYPE_PHASED_ARRAY => {
            return Err(Error::Unsupported(format!(
                "{source_name}: phased-array CINRAD base data (generic type 16)"
            )));
        }
        other => return Err(c.error_at(8, format!("generic type {other} is not base data (1)"))),
    }
    let site = SiteConfig::parse(&mut c)?;
    let task_offset = c.position();
    let task = TaskConfig::parse(&mut c)?;
    if !(1..=MAX_CUTS).contains(&task.cut_number) {
        return Err(c.error_at(
            task_offset + 176,
            format!("cut count {} outside 1..={MAX_CUTS}", task.cut_number),
        ));
    }
    let cuts = (0..task.cut_number)
        .map(|_| CutConfig::parse(&mut c))
        .collect::<Result<Vec<_>>>()?;
    let radials = parse_radials(&mut c, cuts.len(), source_name)?;
    if radials.is_empty() {
        return Err(c.error("no radials after the cut configurations"));
    }

    // Group radials by cut, sweeps in the order their first radial appears.
    let mut sweep_cuts: Vec<usize> = Vec::new();
    let mut groups: Vec<Vec<&Radial>> = Vec::new();
    for r in &radials {
        let cut = (r.header.elevation_number - 1) as usize;
        match sweep_cuts.iter().position(|&k| k == cut) {
            Some(i) => groups[i].push(r),
            None => {
                sweep_cuts.push(cut);
                groups.push(vec![r]);
            }
        }
    }

    let start_seconds = if task.scan_start_time > 0 {
        task.scan_start_time
    } else {
        radials[0].header.seconds
    };
    let start_time: DateTime<Utc> = Utc
        .timestamp_opt(i64::from(start_seconds), 0)
        .single()
        .ok_or_else(|| {
            c.error_at(
                task_offset + 172,
                format!("scan start time {start_seconds} is not a valid time"),
            )
        })?;

    let layouts: Vec<SweepLayout> = sweep_cuts
        .iter()
        .zip(&groups)
        .map(|(&k, g)| SweepLayout::new(&cuts[k], g))
        .collect();
    let requested = layouts
        .iter()
        .zip(&groups)
        .map(|(l, g)| l.gate_count(g.len()))
        .fold(0u64, u64::saturating_add);
    check_gate_count(requested, data.len(), source_name)?;

    let sweeps = sweep_cuts
        .par_iter()
        .zip(groups.par_iter())
        .zip(layouts.par_iter())
        .map(|((&k, group), layout)| {
            build_sweep(&cuts[k], task.scan_type, layout, group, start_seconds)
        })
        .collect();

    Ok(PolarVolume {
        site: Site {
            id: site.code,
            name: site.name,
            latitude_deg: f64::from(site.latitude_deg),
            longitude_deg: f64::from(site.longitude_deg),
            altitude_m: f64::from(site.antenna_height_m),
        },
        frequency_mhz: (site.frequency_mhz > 0.0).then_some(f64::from(site.frequency_mhz)),
        beam_width_deg: site.beam_width_h_deg,
        start_time,
        sweeps,
    })
}

/// Walks the radials, checking every count and length against the bytes present.
fn parse_radials<'a>(
    c: &mut Cursor<'a>,
    n_cuts: usize,
    source_name: &str,
) -> Result<Vec<Radial<'a>>> {
    let mut radials = Vec::new();
    while c.remaining() > 0 {
        let start = c.position();
        let header = RadialHeader::parse(c)?;
        if header.zip_type == 1 {
            return Err(Error::Unsupported(format!(
                "{source_name}: LZO-compressed radial data at byte offset {start}"
            )));
        }
        if header.elevation_number < 1 || header.elevation_number as usize > n_cuts {
            return Err(c.error_at(
                start + 16,
                format!(
                    "radial elevation number {} outside the {n_cuts} cuts",
                    header.elevation_number
                ),
            ));
        }
        if !(0..=MAX_MOMENTS_PER_RADIAL).contains(&header.moment_number) {
            return Err(c.error_at(
                start + 40,
                format!("moment count {} outside 0..=64", header.moment_number),
            ));
        }
        let mut moments = Vec::with_capacity(header.moment_number as usize);
        for _ in 0..header.moment_number {
            let at = c.position();
            let mh = MomentHeader::parse(c)?;
            if mh.bin_length != 1 && mh.bin_length != 2 {
                return Err(c.error_at(
                    at + 12,
                    format!("bin length {} is neither 1 nor 2", mh.bin_length),
                ));
            }
            if mh.block_length < 0 || mh.block_length % i32::from(mh.bin_length) != 0 {
                return Err(c.error_at(
                    at + 16,
                    format!(
                        "block length {} is not a multiple of bin length {}",
                        mh.block_length, mh.bin_length
                    ),
                ));
            }
            if mh.scale == 0 && mh.block_length > 0 {
                return Err(c.error_at(at + 4, format!("moment type {} has scale 0", mh.data_type)));
            }
            let data = c.take(mh.block_length as usize, "moment data")?;
            moments.push(MomentBlock { header: mh, data });
        }
        let end = matches!(header.state, 4 | 6);
        radials.push(Radial { header, moments });
        if end {
            break;
        }
    }
    Ok(radials)
}

/// Which moments a sweep has and how their gates map onto the sweep's range axis.
struct SweepLayout {
    /// Data-type codes in order of first appearance (moments with no gates at all are left out).
    codes: Vec<i32>,
    /// Gate spacing of each code, metres.
    spacings: Vec<f32>,
    /// Sweep gate spacing (the finest of its moments), metres.
    spacing_m: f32,
    n_gates: usize,
}

impl SweepLayout {
    fn new(cut: &CutConfig, radials: &[&Radial]) -> SweepLayout {
        let (log_m, doppler_m) = (
            decode_resolution_m(cut.log_resolution),
            decode_resolution_m(cut.doppler_resolution),
        );
        let mut codes: Vec<i32> = Vec::new();
        let mut gates: Vec<usize> = Vec::new();
        for m in radials.iter().flat_map(|r| &r.moments) {
            let n = m.data.len() / m.header.bin_length as usize;
            match codes.iter().position(|&c| c == m.header.data_type) {
                Some(i) => gates[i] = gates[i].max(n),
                None => {
                    codes.push(m.header.data_type);
                    gates.push(n);
                }
            }
        }
        let keep: Vec<bool> = gates.iter().map(|&n| n > 0).collect();
        let mut kept = keep.iter();
        codes.retain(|_| *kept.next().unwrap_or(&false));
        gates.retain(|&n| n > 0);
        let spacings: Vec<f32> = codes
            .iter()
            .map(|&code| {
                let s = if is_doppler(code) { doppler_m } else { log_m };
                if s > 0.0 {
                    s
                } else {
                    log_m.max(doppler_m).max(1.0)
                }
            })
            .collect();
        let spacing_m = spacings.iter().copied().fold(f32::INFINITY, f32::min);
        let spacing_m = if spacing_m.is_finite() {
            spacing_m
        } else {
            log_m.max(1.0)
        };
        let n_gates = gates
            .iter()
            .zip(&spacings)
            .map(|(&n, &s)| (n as f64 * f64::from(s) / f64::from(spacing_m)).round() as usize)
            .max()
            .unwrap_or(0);
        SweepLayout {
            codes,
            spacings,
            spacing_m,
            n_gates,
        }
    }

    /// Gates the sweep would allocate, saturating: coarse moments stretched over fine sweep gates can declare
    /// more than `u64::MAX`, which must not wrap below the limit.
    fn gate_count(&self, n_rays: usize) -> u64 {
        (n_rays as u64)
            .saturating_mul(self.n_gates as u64)
            .saturating_mul(self.codes.len() as u64)
    }
}

/// Doppler moments use the cut's Doppler resolution; all others its "log" (reflectivity) resolution.
fn is_doppler(code: i32) -> bool {
    matches!(code, 3 | 4 | 33 | 34)
}

fn build_sweep(
    cut: &CutConfig,
    scan_type: i32,
    layout: &SweepLayout,
    radials: &[&Radial],
    start: i32,
) -> Sweep {
    let n_rays = radials.len();
    let mode = match scan_type {
        2 | 5 => SweepMode::Rhi,
        3 | 4 => SweepMode::Sector,
        _ if cut.elevation_deg >= 89.5 => SweepMode::VerticalPointing,
        _ => SweepMode::Ppi,
    };
    let mut moments: Vec<Moment> = layout
        .codes
        .iter()
        .map(|&code| {
            let (name, units) = match moment_type_by_code(code) {
                Some(t) => (t.name.to_owned(), t.units),
                None => (format!("CINRAD_TYPE_{code}"), "unknown"),
            };
            Moment::no_data(&name, units, n_rays, layout.n_gates)
        })
        .collect();
    for (ray, radial) in radials.iter().enumerate() {
        for block in &radial.moments {
            let Some(slot) = layout
                .codes
                .iter()
                .position(|&c| c == block.header.data_type)
            else {
                continue;
            };
            let step = f64::from(layout.spacings[slot]) / f64::from(layout.spacing_m);
            let m = &mut moments[slot];
            decode_gates(block, step, m.values.row_mut(ray), m.status.row_mut(ray));
        }
    }
    let first_gate_m = if cut.start_range_m > 0 {
        cut.start_range_m as f32
    } else {
        layout.spacing_m
    };
    Sweep {
        mode,
        fixed_angle_deg: if mode == SweepMode::Rhi {
            cut.azimuth_deg
        } else {
            cut.elevation_deg
        },
        azimuth_deg: radials.iter().map(|r| r.header.azimuth_deg).collect(),
        elevation_deg: radials.iter().map(|r| r.header.elevation_deg).collect(),
        time_s: radials
            .iter()
            .map(|r| {
                f64::from(r.header.seconds) - f64::from(start)
                    + f64::from(r.header.microseconds) * 1e-6
            })
            .collect(),
        first_gate_m,
        gate_spacing_m: layout.spacing_m,
        nyquist_mps: (cut.nyquist_mps > 0.0).then_some(cut.nyquist_mps),
        moments,
    }
}

/// Status of a reserved gate code (< 5).
fn reserved_status(raw: u16) -> GateStatus {
    match raw {
        0 => GateStatus::NoEcho,
        1 => GateStatus::RangeFolded,
        _ => GateStatus::NoData,
    }
}

/// Decodes one moment block into a ray, stretching it by `step` sweep gates per source gate when the moment's
/// gates are coarser than the sweep's (nearest source gate).
fn decode_gates(
    block: &MomentBlock,
    step: f64,
    mut values: ArrayViewMut1<f32>,
    mut status: ArrayViewMut1<GateStatus>,
) {
    let (scale, offset) = (block.header.scale as f32, block.header.offset as f32);
    let raw_at = |i: usize| -> u16 {
        if block.header.bin_length == 1 {
            u16::from(block.data[i])
        } else {
            u16::from_le_bytes([block.data[2 * i], block.data[2 * i + 1]])
        }
    };
    let n_src = block.data.len() / block.header.bin_length as usize;
    let n_out = ((n_src as f64 * step).round() as usize).min(values.len());
    let same_spacing = (step - 1.0).abs() < 1e-9;
    for g in 0..n_out {
        let src = if same_spacing {
            g
        } else {
            ((g as f64 / step) as usize).min(n_src - 1)
        };
        let raw = raw_at(src);
        if raw >= FIRST_VALID_CODE {
            values[g] = (f32::from(raw) - offset) / scale;
            status[g] = GateStatus::Valid;
        } else {
            status[g] = reserved_status(raw);
        }
    }
}
