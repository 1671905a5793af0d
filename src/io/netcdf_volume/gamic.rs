//! GAMIC HDF5 volumes (`.mvol`, `.hdf`; ENIGMA/MURAN software, e.g. the BoXPol and JuXPol X-band radars), read
//! through netcdf-c.
//!
//! Layout: root `/what` (`date`, `object`, `sets`, `version`), `/where` (`lat`, `lon`, `height`), `/how`
//! (`azimuth_beam`, `elevation_beam`, `site_name`, …), then one `/scanN` per sweep (N from 0) with `what`
//! (`scan_type` PPI or RHI), `how` (`elevation` or `azimuth`°, `bin_count`, `ray_count`, `range_start` m,
//! `range_step` m, `range_samples`, `PRF` Hz, `unfolding`, `radar_wave_length` m, `timestamp`), a compound
//! `ray_header` dataset (`azimuth_start`/`stop`, `elevation_start`/`stop` °, `timestamp` µs since 1970, …) — which
//! netcdf-c reads as a compound type with its field offsets — and `moment_K` datasets of `ray_count × bin_count`
//! codes carrying the attributes `moment` (name), `format` (`UV8`, `UV16`) and `dyn_range_min`/`dyn_range_max`.
//!
//! Conventions of this reader (and of its peers, xradar 0.12, wradlib 2.9 and Py-ART 2.3, where they differ):
//! - **values**: a code `c ≥ 1` of an n-bit format is `dyn_range_min + (c − 1)·(dyn_range_max −
//!   dyn_range_min)/(2ⁿ − 2)`, so that codes 1 and 2ⁿ − 1 are the two ends of the dynamic range (xradar and
//!   wradlib). Py-ART uses `dyn_range_min + c·(max − min)/(2ⁿ − 1)` instead: its values are higher by up to one
//!   code step. Float datasets hold values directly (NaN: no data).
//! - **code 0** is the one reserved code: the signal processor writes it where a gate failed its thresholds
//!   (LOG, SQI, CCOR …) — no detectable echo — and the format has no separate not-scanned code, so it is read as
//!   [`GateStatus::NoEcho`]. All three peers mask it.
//! - **names**: GAMIC moment names, case-insensitively, as FM 301 (the table xradar uses): `Zh` → `DBZH`, `Zv` →
//!   `DBZV`, `UZh`/`Uh` → `DBTH`, `UZv`/`Uv` → `DBTV`, `Vh` → `VRADH`, `Vv` → `VRADV`, `Wh` → `WRADH`, `Wv` →
//!   `WRADV`, `ZDR`, `RHOHV`, `PHIDP`, `KDP`, `LDR`, and their unfiltered `U…` forms; other names upper-cased.
//! - **rays** of a PPI are sorted by azimuth, north first (xradar sorts so and wradlib rotates so; Py-ART keeps
//!   time order); RHI rays stay in file order. Ray times come from `ray_header/timestamp`.
//! - **ranges**: bins are `range_step · range_samples` long and the first bin *starts* at `range_start`, so the
//!   first gate centre is `range_start + range_step · range_samples / 2` (xradar; Py-ART puts it at
//!   `range_start`).
//! - **fixed angle**: `how/elevation` as written (1.4996° for a nominal 1.5° scan; xradar rounds it to 0.1°).
//! - **Nyquist velocity**: `how/nyquist_velocity` (or `how/extended/nyquist_velocity`) where given, else the
//!   unambiguous velocity `λ·PRF/4`, multiplied for staggered PRF by 2, 3 or 4 for `unfolding` 1, 2, 3 (PRF
//!   ratios 2:3, 3:4, 4:5): the BoXPol file's 30.52 m/s equals its velocity moment's dynamic range.
//! - **site**: `id` and `name` from `/how/site_name` (GAMIC files carry no station code); frequency from
//!   `radar_wave_length` of the root or first scan `how`; beam width `/how/azimuth_beam`, else 1°.
//!
//! # References
//! GAMIC GmbH, 2011: *GAMIC HDF5 file format*, version 2.1, Aachen (the ENIGMA/MURAN volume layout), as
//! implemented by wradlib's `read_gamic_hdf5` and xradar's GAMIC backend.

use super::odim::dataset::{Gate, RawArray, RawKind};
use super::odim::hdf::{self, Attributes, Node, Source};
use super::odim::{self, MomentSource, quantity, utc_from_seconds};
use crate::error::{Error, Result};
use crate::volume::{GateStatus, Moment, PolarVolume, Sweep, SweepMode};

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "GAMIC HDF5";

/// A volume may not decode to more gates than this (as [`super::odim::MAX_GATES`]).
pub const MAX_GATES: u64 = super::odim::MAX_GATES;

/// Rays and bins are read as whole numbers up to this; the data shapes then have to agree with them.
const MAX_COUNT: usize = u32::MAX as usize;

/// Speed of light in vacuum, m/s.
const SPEED_OF_LIGHT_MPS: f64 = 299_792_458.0;

/// GAMIC moment names (lower case) and their FM 301 names (xradar's table).
const MOMENT_NAMES: &[(&str, &str)] = &[
    ("zh", "DBZH"),
    ("zv", "DBZV"),
    ("uh", "DBTH"),
    ("uzh", "DBTH"),
    ("uv", "DBTV"),
    ("uzv", "DBTV"),
    ("vh", "VRADH"),
    ("vv", "VRADV"),
    ("wh", "WRADH"),
    ("uwh", "UWRADH"),
    ("wv", "WRADV"),
    ("uwv", "UWRADV"),
    ("zdr", "ZDR"),
    ("uzdr", "UZDR"),
    ("ldr", "LDR"),
    ("phidp", "PHIDP"),
    ("uphidp", "UPHIDP"),
    ("kdp", "KDP"),
    ("rhohv", "RHOHV"),
    ("urhohv", "URHOHV"),
    ("cmap", "CMAP"),
];

/// The FM 301 name of a GAMIC moment name (case-insensitive); unknown names upper-cased.
pub fn fm301_name(moment: &str) -> String {
    let lower = moment.to_ascii_lowercase();
    MOMENT_NAMES
        .iter()
        .find(|(g, _)| *g == lower)
        .map_or_else(|| moment.to_ascii_uppercase(), |(_, f)| (*f).to_owned())
}

/// Whether an open NetCDF/HDF5 file follows the GAMIC HDF5 conventions: a root `/what` group beside at least one
/// `/scanN` group.
pub fn is_gamic(file: &netcdf::File) -> bool {
    hdf::detect(file, FORMAT_NAME, |root| {
        Ok(root.opt_child("what")?.is_some() && !root.numbered_children("scan")?.is_empty())
    })
}

/// Decodes a GAMIC HDF5 volume from an open file, one [`Sweep`] per `/scanN` in numeric order.
///
/// # Errors
/// [`Error::Decode`] naming the HDF5 path of a missing or invalid group, attribute or dataset (offset 0: netcdf-c
/// exposes no byte offsets); [`Error::Shape`] where a moment does not hold `ray_count × bin_count` codes or the
/// ray header not `ray_count` records; [`Error::Limits`] beyond [`MAX_GATES`]; [`Error::Unsupported`] for a
/// moment format other than `UV8`, `UV16` or floating point.
pub fn decode(file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    hdf::guard(FORMAT_NAME, source_name, |source| {
        decode_volume(file, source)
    })
}

fn decode_volume(file: &netcdf::File, source: Source<'_>) -> Result<PolarVolume> {
    let root = Node::root(file, source)?;
    root.child("what")?;
    let where_ = root.child("where")?;
    let how = root.opt_child("how")?;
    let site_name = match &how {
        Some(h) => h.opt_string("site_name")?.unwrap_or_default(),
        None => String::new(),
    };
    let site = odim::site(&where_, site_name.clone(), site_name)?;
    let scans = root.numbered_children("scan")?;
    if scans.is_empty() {
        return Err(source.error("/scan0", "no /scanN group: the file holds no sweep"));
    }
    let layouts = scans
        .iter()
        .map(ScanLayout::read)
        .collect::<Result<Vec<_>>>()?;
    let moments = odim::decode_moments(source, &layouts)?;
    let start_s = layouts
        .iter()
        .flat_map(|l| l.time_s.iter().copied())
        .filter(|t| t.is_finite())
        .fold(f64::INFINITY, f64::min);
    let start_time = utc_from_seconds(start_s).ok_or_else(|| {
        source.error(
            "/scan0/ray_header",
            format!("start time {start_s} s since 1970 is out of range"),
        )
    })?;
    let frequency_mhz =
        wavelength_m(how.as_ref(), &scans[0])?.map(|m| SPEED_OF_LIGHT_MPS / m / 1e6);
    let beam_width_deg = match &how {
        Some(h) => h
            .opt_f64("azimuth_beam")?
            .filter(|b| b.is_finite() && *b > 0.0),
        None => None,
    }
    .unwrap_or(1.0) as f32;
    let sweeps = layouts
        .into_iter()
        .zip(moments)
        .map(|(l, moments)| l.into_sweep(start_s, moments))
        .collect();
    Ok(PolarVolume {
        site,
        frequency_mhz,
        beam_width_deg,
        start_time,
        sweeps,
    })
}

/// The wavelength in metres: `radar_wave_length` of the root `/how`, else of the first scan's `how`.
fn wavelength_m(root_how: Option<&Node>, first_scan: &Node) -> Result<Option<f64>> {
    let scan_how = first_scan.opt_child("how")?;
    for how in [root_how, scan_how.as_ref()].into_iter().flatten() {
        if let Some(m) = how
            .opt_f64("radar_wave_length")?
            .filter(|m| m.is_finite() && *m > 0.0)
        {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// One `/scanN` group: geometry, rays and moments, before any moment is read.
struct ScanLayout<'f> {
    mode: SweepMode,
    fixed_angle_deg: f64,
    n_rays: usize,
    n_bins: usize,
    first_gate_m: f64,
    gate_spacing_m: f64,
    nyquist_mps: Option<f64>,
    /// Rays in output order (file order where `None`).
    ray_order: Option<Vec<usize>>,
    /// Per ray, in output order.
    azimuth_deg: Vec<f32>,
    elevation_deg: Vec<f32>,
    time_s: Vec<f64>,
    moments: Vec<MomentLayout<'f>>,
}

impl<'f> ScanLayout<'f> {
    fn read(scan: &Node<'f>) -> Result<ScanLayout<'f>> {
        let what = scan.child("what")?;
        let how = scan.child("how")?;
        let mode = match what.opt_string("scan_type")?.as_deref() {
            Some("RHI") => SweepMode::Rhi,
            Some("PPI") | None => SweepMode::Ppi,
            Some(other) => {
                return Err(Error::Unsupported(format!(
                    "{}: {} scan type {other:?} (PPI and RHI are read)",
                    scan.source().name,
                    what.member_path("scan_type")
                )));
            }
        };
        let fixed_angle_deg = match mode {
            SweepMode::Rhi => how.finite("azimuth")?,
            _ => how.finite("elevation")?,
        };
        let n_rays = how.count("ray_count", MAX_COUNT)?;
        let n_bins = how.count("bin_count", MAX_COUNT)?;
        let range_step = how.finite("range_step")?;
        let range_samples = how.opt_f64("range_samples")?.unwrap_or(1.0);
        let range_start = how.opt_f64("range_start")?.unwrap_or(0.0);
        let gate_spacing_m = range_step * range_samples;
        if !(gate_spacing_m.is_finite() && gate_spacing_m > 0.0) {
            return Err(scan.source().error(
                &how.member_path("range_step"),
                format!("range_step {range_step} m × range_samples {range_samples} is not a positive gate length"),
            ));
        }

        let mut moments = Vec::new();
        for name in scan.numbered_datasets("moment_") {
            let dataset = scan.dataset(&name)?;
            dataset.check_shape(n_rays, n_bins)?;
            moments.push(MomentLayout::layout(scan, name)?);
        }

        let header = scan.dataset("ray_header")?.read_records(n_rays)?;
        let field = |name: &str| {
            header.field(name).ok_or_else(|| {
                scan.source().error(
                    &scan.member_path("ray_header"),
                    format!("the ray header has no numeric field {name:?}"),
                )
            })
        };
        let (az_start, az_stop) = (field("azimuth_start")?, field("azimuth_stop")?);
        let (el_start, el_stop) = (field("elevation_start")?, field("elevation_stop")?);
        let azimuth: Vec<f64> = az_start
            .iter()
            .zip(&az_stop)
            .map(|(&a, &b)| {
                let b = if a - b > 180.0 { b + 360.0 } else { b };
                ((a + b) / 2.0).rem_euclid(360.0)
            })
            .collect();
        let elevation: Vec<f64> = el_start
            .iter()
            .zip(&el_stop)
            .map(|(a, b)| (a + b) / 2.0)
            .collect();
        let time: Vec<f64> = match header.field("timestamp") {
            Some(us) => us.iter().map(|t| t / 1e6).collect(),
            None => vec![scan_timestamp(&how)?; n_rays],
        };
        let ray_order = (mode == SweepMode::Ppi).then(|| {
            let mut order: Vec<usize> = (0..n_rays).collect();
            order.sort_by(|&i, &j| azimuth[i].total_cmp(&azimuth[j]));
            order
        });
        let pick = |v: &[f64]| -> Vec<f64> {
            match &ray_order {
                Some(order) => order.iter().map(|&i| v[i]).collect(),
                None => v.to_vec(),
            }
        };
        Ok(ScanLayout {
            mode,
            fixed_angle_deg,
            n_rays,
            n_bins,
            first_gate_m: range_start + gate_spacing_m / 2.0,
            gate_spacing_m,
            nyquist_mps: nyquist_mps(&how)?,
            azimuth_deg: pick(&azimuth).into_iter().map(|a| a as f32).collect(),
            elevation_deg: pick(&elevation).into_iter().map(|e| e as f32).collect(),
            time_s: pick(&time),
            ray_order,
            moments,
        })
    }

    fn into_sweep(self, start_s: f64, moments: Vec<Moment>) -> Sweep {
        Sweep {
            mode: self.mode,
            fixed_angle_deg: self.fixed_angle_deg as f32,
            azimuth_deg: self.azimuth_deg,
            elevation_deg: self.elevation_deg,
            time_s: self.time_s.iter().map(|t| t - start_s).collect(),
            first_gate_m: self.first_gate_m as f32,
            gate_spacing_m: self.gate_spacing_m as f32,
            nyquist_mps: self.nyquist_mps.map(|v| v as f32),
            moments,
        }
    }
}

impl MomentSource for ScanLayout<'_> {
    fn rays_bins(&self) -> (usize, usize) {
        (self.n_rays, self.n_bins)
    }

    fn moment_count(&self) -> usize {
        self.moments.len()
    }

    fn read_data(&self) -> Result<Vec<RawArray>> {
        self.moments.iter().map(MomentLayout::read_codes).collect()
    }

    fn decode_moment(&self, index: usize, raw: &RawArray) -> Moment {
        self.moments[index].decode(raw, self.ray_order.as_deref())
    }
}

/// The scan's `how/timestamp` (ISO 8601) in seconds since 1970.
fn scan_timestamp(how: &Node) -> Result<f64> {
    let text = how.string("timestamp")?;
    chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| t.timestamp_micros() as f64 / 1e6)
        .map_err(|e| {
            how.source().error(
                &how.member_path("timestamp"),
                format!("{text:?} is not ISO 8601: {e}"),
            )
        })
}

/// The Nyquist velocity: given, else `λ·PRF/4` times the staggered-PRF extension factor.
fn nyquist_mps(how: &Node) -> Result<Option<f64>> {
    let positive = |v: Option<f64>| v.filter(|x| x.is_finite() && *x > 0.0);
    if let Some(v) = positive(how.opt_f64("nyquist_velocity")?) {
        return Ok(Some(v));
    }
    if let Some(extended) = how.opt_child("extended")? {
        let text = extended.opt_string("nyquist_velocity").ok().flatten();
        if let Some(v) = positive(text.and_then(|t| t.parse().ok())) {
            return Ok(Some(v));
        }
    }
    let (Some(wavelength), Some(prf)) = (
        positive(how.opt_f64("radar_wave_length")?),
        positive(how.opt_f64("PRF")?),
    ) else {
        return Ok(None);
    };
    // unfolding 1, 2, 3: PRF ratios 2:3, 3:4, 4:5 extend the interval 2, 3, 4 times.
    let factor = match how.opt_count("unfolding", 3) {
        Ok(Some(u)) => (u + 1) as f64,
        _ => 1.0,
    };
    Ok(Some(wavelength * prf / 4.0 * factor))
}

/// How the codes of one `moment_K` dataset become values.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Coding {
    /// Unsigned n-bit codes over `[min, max]`, code 0 reserved.
    Unsigned { min: f64, step: f64 },
    /// Floating-point values.
    Float,
}

/// One `moment_K` dataset of a scan.
struct MomentLayout<'f> {
    scan: Node<'f>,
    dataset: String,
    name: String,
    coding: Coding,
}

impl<'f> MomentLayout<'f> {
    /// Reads the name and coding attributes of `/scanN/moment_K`.
    fn layout(scan: &Node<'f>, dataset: String) -> Result<MomentLayout<'f>> {
        let data = scan.dataset(&dataset)?;
        let name = fm301_name(&data.string("moment")?);
        let kind = data.kind()?;
        let coding = match kind {
            RawKind::F32 | RawKind::F64 => Coding::Float,
            RawKind::U8 | RawKind::U16 => {
                let format = data.string("format")?;
                let bits = if kind == RawKind::U8 { 8 } else { 16 };
                if format != format!("UV{bits}") {
                    return Err(Error::Unsupported(format!(
                        "{}: {} format {format:?} on {bits}-bit codes (UV8 and UV16 are read)",
                        scan.source().name,
                        data.path
                    )));
                }
                let min = data.finite("dyn_range_min")?;
                let max = data.finite("dyn_range_max")?;
                Coding::Unsigned {
                    min,
                    step: (max - min) / (f64::from(1u32 << bits) - 2.0),
                }
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "{}: {} holds {other:?} codes (GAMIC moments are UV8, UV16 or float)",
                    scan.source().name,
                    data.path
                )));
            }
        };
        Ok(MomentLayout {
            scan: scan.clone(),
            dataset,
            name,
            coding,
        })
    }

    /// Reads the codes whole.
    fn read_codes(&self) -> Result<RawArray> {
        self.scan.dataset(&self.dataset)?.read_numeric()
    }

    /// Decodes the codes into values and statuses, rays in `ray_order`.
    fn decode(&self, raw: &RawArray, ray_order: Option<&[usize]>) -> Moment {
        let (values, status) = raw.decode(ray_order, |code| self.coding.gate(code));
        Moment {
            units: quantity::units(&self.name).to_owned(),
            name: self.name.clone(),
            values,
            status,
        }
    }
}

impl Coding {
    /// What a code decodes to: code 0 of an unsigned format is no echo.
    fn gate(self, code: f64) -> Gate {
        match self {
            Coding::Unsigned { .. } if code == 0.0 => Gate::Status(GateStatus::NoEcho),
            Coding::Unsigned { min, step } => Gate::Value((min + (code - 1.0) * step) as f32),
            Coding::Float => Gate::Value(code as f32),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moment_names() {
        assert_eq!(fm301_name("Zh"), "DBZH");
        assert_eq!(fm301_name("ZH"), "DBZH");
        assert_eq!(fm301_name("UH"), "DBTH");
        assert_eq!(fm301_name("uzh"), "DBTH");
        assert_eq!(fm301_name("VH"), "VRADH");
        assert_eq!(fm301_name("WV"), "WRADV");
        assert_eq!(fm301_name("RHOHV"), "RHOHV");
        assert_eq!(fm301_name("snr"), "SNR");
    }

    #[test]
    fn unsigned_codes_span_the_dynamic_range() {
        let coding = Coding::Unsigned {
            min: -32.0,
            step: (95.5 + 32.0) / 254.0,
        };
        assert_eq!(coding.gate(0.0), Gate::Status(GateStatus::NoEcho));
        assert_eq!(coding.gate(1.0), Gate::Value(-32.0));
        assert_eq!(coding.gate(255.0), Gate::Value(95.5));
        assert_eq!(Coding::Float.gate(2.5), Gate::Value(2.5));
    }
}
