//! One ODIM_H5 `/datasetN` group: its geometry, ray angles and times, and the layout of its moments.

use chrono::NaiveDateTime;

use super::dataset::{Gate, RawArray};
use super::hdf::{Attributes, Node};
use super::{MomentSource, quantity};
use crate::error::{Error, Result};
use crate::volume::{GateStatus, Moment, Sweep, SweepMode};

/// Rays and bins are read as whole numbers up to this; the data shape then has to agree with them.
const MAX_COUNT: usize = u32::MAX as usize;

/// Elevations from this angle up are taken as vertically pointing scans rather than PPIs, degrees.
const VERTICAL_POINTING_DEG: f64 = 89.5;

/// The metadata of one sweep and the groups holding its moments, before any gate is read.
pub(super) struct SweepLayout<'f> {
    /// `/datasetN/where/elangle`, degrees.
    pub elevation_deg: f64,
    /// Number of rays (`where/nrays`).
    pub n_rays: usize,
    /// Number of bins per ray (`where/nbins`).
    pub n_bins: usize,
    /// Range of the centre of the first bin, metres.
    pub first_gate_m: f64,
    /// Bin length (`where/rscale`), metres.
    pub gate_spacing_m: f64,
    /// Azimuth of each ray's centre, degrees.
    pub azimuth_deg: Vec<f32>,
    /// Elevation of each ray, degrees.
    pub ray_elevation_deg: Vec<f32>,
    /// Time of each ray, seconds since 1970-01-01 UTC.
    pub ray_time_s: Vec<f64>,
    /// Start of the sweep, seconds since 1970-01-01 UTC.
    pub start_s: f64,
    /// Nyquist velocity (`how/NI`), m/s.
    pub nyquist_mps: Option<f64>,
    /// The `dataM` groups, then the `qualityM` groups, each in numeric order.
    pub moments: Vec<MomentLayout<'f>>,
}

/// One `dataM` or `qualityM` group: its quantity and coding.
pub(super) struct MomentLayout<'f> {
    node: Node<'f>,
    /// FM 301 name.
    pub name: String,
    gain: f64,
    offset: f64,
    nodata: Option<f64>,
    undetect: Option<f64>,
}

/// How ranges are given: ODIM_H5 2.0–2.3 give `where/rstart` in km, 2.4 in metres.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RangeStartUnit {
    /// ODIM_H5 before 2.4.
    Kilometres,
    /// ODIM_H5 2.4 and later.
    Metres,
}

impl<'f> SweepLayout<'f> {
    /// Reads the metadata of `/datasetN` and checks every moment's data shape against `nrays × nbins`.
    ///
    /// `root_how` supplies `NI` where the dataset's own `how` lacks it.
    ///
    /// # Errors
    /// [`Error::Decode`] naming a missing or invalid attribute; [`Error::Shape`] where a data array or a per-ray
    /// attribute does not hold `nrays × nbins` (or `nrays`) elements.
    pub fn read(
        dataset: &Node<'f>,
        root_how: Option<&Node<'f>>,
        unit: RangeStartUnit,
    ) -> Result<SweepLayout<'f>> {
        let what = dataset.child("what")?;
        let where_ = dataset.child("where")?;
        let how = dataset.opt_child("how")?;
        if let Some(product) = what.opt_string("product")? {
            if product != "SCAN" {
                return Err(Error::Unsupported(format!(
                    "{}: {} is an ODIM_H5 {product} product, not polar SCAN data",
                    dataset.source().name,
                    dataset.path()
                )));
            }
        }
        let n_rays = where_.count("nrays", MAX_COUNT)?;
        let n_bins = where_.count("nbins", MAX_COUNT)?;
        let elevation_deg = where_.finite("elangle")?;
        let rscale = where_.finite("rscale")?;
        let rstart = where_.finite("rstart")?;
        if rscale <= 0.0 {
            return Err(dataset.source().error(
                &where_.member_path("rscale"),
                format!("{rscale} m is not positive"),
            ));
        }
        let a1gate = where_.opt_count("a1gate", MAX_COUNT)?.unwrap_or(0);
        if n_rays > 0 && a1gate >= n_rays {
            return Err(dataset.source().error(
                &where_.member_path("a1gate"),
                format!("first ray in time {a1gate} is not below nrays = {n_rays}"),
            ));
        }
        let rstart_m = match unit {
            RangeStartUnit::Kilometres => rstart * 1000.0,
            RangeStartUnit::Metres => rstart,
        };

        let mut moments = Vec::new();
        for prefix in ["data", "quality"] {
            for node in dataset.numbered_children(prefix)? {
                let m = MomentLayout::read(node)?;
                m.node.dataset("data")?.check_shape(n_rays, n_bins)?;
                moments.push(m);
            }
        }

        let azimuth_deg = azimuths(how.as_ref(), n_rays)?;
        let ray_elevation_deg = elevations(how.as_ref(), n_rays, elevation_deg)?;
        let (ray_time_s, start_s) = ray_times(&what, how.as_ref(), n_rays, a1gate)?;
        let nyquist_mps = match how.as_ref().map(|h| h.opt_f64("NI")).transpose()?.flatten() {
            Some(ni) => Some(ni),
            None => root_how.map(|h| h.opt_f64("NI")).transpose()?.flatten(),
        }
        .filter(|ni| ni.is_finite() && *ni > 0.0);

        Ok(SweepLayout {
            elevation_deg,
            n_rays,
            n_bins,
            first_gate_m: rstart_m + rscale / 2.0,
            gate_spacing_m: rscale,
            azimuth_deg,
            ray_elevation_deg,
            ray_time_s,
            start_s,
            nyquist_mps,
            moments,
        })
    }

    /// The sweep, with ray times relative to `start_s` (seconds since 1970) and the decoded moments.
    pub fn into_sweep(self, start_s: f64, moments: Vec<Moment>) -> Sweep {
        Sweep {
            mode: if self.elevation_deg >= VERTICAL_POINTING_DEG {
                SweepMode::VerticalPointing
            } else {
                SweepMode::Ppi
            },
            fixed_angle_deg: self.elevation_deg as f32,
            azimuth_deg: self.azimuth_deg,
            elevation_deg: self.ray_elevation_deg,
            time_s: self.ray_time_s.iter().map(|t| t - start_s).collect(),
            first_gate_m: self.first_gate_m as f32,
            gate_spacing_m: self.gate_spacing_m as f32,
            nyquist_mps: self.nyquist_mps.map(|v| v as f32),
            moments,
        }
    }
}

impl MomentSource for SweepLayout<'_> {
    fn rays_bins(&self) -> (usize, usize) {
        (self.n_rays, self.n_bins)
    }

    fn moment_count(&self) -> usize {
        self.moments.len()
    }

    fn read_data(&self) -> Result<Vec<RawArray>> {
        self.moments
            .iter()
            .map(|m| m.node.dataset("data")?.read_numeric())
            .collect()
    }

    fn decode_moment(&self, index: usize, raw: &RawArray) -> Moment {
        self.moments[index].decode(raw)
    }
}

impl<'f> MomentLayout<'f> {
    /// Reads `dataM/what` (or `qualityM/what`): `quantity`, `gain` and `offset` are required; a missing `nodata`
    /// or `undetect` means no gate carries that code (as both peers read it).
    fn read(node: Node<'f>) -> Result<MomentLayout<'f>> {
        let what = node.child("what")?;
        let quantity = what.string("quantity")?;
        let gain = what.finite("gain")?;
        let offset = what.finite("offset")?;
        let nodata = what.opt_f64("nodata")?;
        let undetect = what.opt_f64("undetect")?;
        Ok(MomentLayout {
            node,
            name: quantity::fm301_name(&quantity),
            gain,
            offset,
            nodata,
            undetect,
        })
    }

    /// Decodes the raw codes: `undetect` → [`GateStatus::NoEcho`], `nodata` → [`GateStatus::NoData`] (a code equal
    /// to both is taken as no echo), anything else `code · gain + offset`.
    pub fn decode(&self, raw: &RawArray) -> Moment {
        let (gain, offset) = (self.gain, self.offset);
        let (values, status) = raw.decode(None, |code| {
            if Some(code) == self.undetect {
                Gate::Status(GateStatus::NoEcho)
            } else if Some(code) == self.nodata {
                Gate::Status(GateStatus::NoData)
            } else {
                Gate::Value((code * gain + offset) as f32)
            }
        });
        Moment {
            units: quantity::units(&self.name).to_owned(),
            name: self.name.clone(),
            values,
            status,
        }
    }
}

/// A per-ray attribute of `how`, if present, checked to hold one value per ray.
fn per_ray(how: Option<&Node>, name: &str, n_rays: usize) -> Result<Option<Vec<f64>>> {
    let Some(how) = how else { return Ok(None) };
    match how.opt_f64s(name)? {
        Some(v) if v.len() != n_rays => Err(Error::Shape {
            what: format!("{}: {}", how.source().name, how.member_path(name)),
            expected: format!("({n_rays},) from where/nrays"),
            found: format!("({},)", v.len()),
        }),
        other => Ok(other),
    }
}

/// Ray azimuths: the centre of `how/startazA`–`how/stopazA` (a ray crossing north has its stop angle unwrapped
/// by 360°), else `astart + (i + ½)·360°/nrays` with `how/astart` (default 0), ray 0 starting at north as
/// ODIM_H5 §5.1 prescribes.
fn azimuths(how: Option<&Node>, n_rays: usize) -> Result<Vec<f32>> {
    if let (Some(start), Some(stop)) = (
        per_ray(how, "startazA", n_rays)?,
        per_ray(how, "stopazA", n_rays)?,
    ) {
        return Ok(start
            .iter()
            .zip(&stop)
            .map(|(&a, &b)| {
                let b = if b < a { b + 360.0 } else { b };
                ((a + b) / 2.0).rem_euclid(360.0) as f32
            })
            .collect());
    }
    let astart = how
        .map(|h| h.opt_f64("astart"))
        .transpose()?
        .flatten()
        .unwrap_or(0.0);
    let step = 360.0 / n_rays.max(1) as f64;
    Ok((0..n_rays)
        .map(|i| (astart + (i as f64 + 0.5) * step).rem_euclid(360.0) as f32)
        .collect())
}

/// Ray elevations: the centre of `how/startelA`–`how/stopelA`, else `how/elangles`, else `where/elangle`.
fn elevations(how: Option<&Node>, n_rays: usize, elangle: f64) -> Result<Vec<f32>> {
    if let (Some(start), Some(stop)) = (
        per_ray(how, "startelA", n_rays)?,
        per_ray(how, "stopelA", n_rays)?,
    ) {
        return Ok(start
            .iter()
            .zip(&stop)
            .map(|(a, b)| ((a + b) / 2.0) as f32)
            .collect());
    }
    if let Some(angles) = per_ray(how, "elangles", n_rays)? {
        return Ok(angles.iter().map(|&a| a as f32).collect());
    }
    Ok(vec![elangle as f32; n_rays])
}

/// Ray times in seconds since 1970, and the sweep's start: the centre of `how/startazT`–`how/stopazT` where
/// given (the start is the earliest `startazT`); otherwise the sweep's `what/startdate`+`starttime` to
/// `enddate`+`endtime` divided evenly among the rays in time order, ray `a1gate` first, each timed at the centre
/// of its share (as xradar; every ray at the start time when the end is not after it).
fn ray_times(
    what: &Node,
    how: Option<&Node>,
    n_rays: usize,
    a1gate: usize,
) -> Result<(Vec<f64>, f64)> {
    if let (Some(start), Some(stop)) = (
        per_ray(how, "startazT", n_rays)?,
        per_ray(how, "stopazT", n_rays)?,
    ) {
        if let Some(first) = start
            .iter()
            .copied()
            .filter(|t| t.is_finite())
            .reduce(f64::min)
        {
            let times = start
                .iter()
                .zip(&stop)
                .map(|(a, b)| (a + b) / 2.0)
                .collect();
            return Ok((times, first));
        }
    }
    let start = odim_time(what, "startdate", "starttime")?;
    let end = match (what.has_attribute("enddate"), what.has_attribute("endtime")) {
        (true, true) => odim_time(what, "enddate", "endtime")?,
        _ => start,
    };
    let times = if end > start {
        let step = (end - start) / n_rays as f64;
        (0..n_rays)
            .map(|i| start + step * (((i + n_rays - a1gate) % n_rays) as f64 + 0.5))
            .collect()
    } else {
        vec![start; n_rays]
    };
    Ok((times, start))
}

/// An ODIM date (`YYYYMMDD`) and time (`HHmmss`) pair as seconds since 1970 (UTC).
pub(super) fn odim_time(what: &Node, date: &str, time: &str) -> Result<f64> {
    let d = what.string(date)?;
    let t = what.string(time)?;
    NaiveDateTime::parse_from_str(&format!("{d}{t}"), "%Y%m%d%H%M%S")
        .map(|dt| dt.and_utc().timestamp() as f64)
        .map_err(|e| {
            what.source().error(
                &what.member_path(date),
                format!("date {d:?} and time {t:?} are not YYYYMMDD and HHmmss: {e}"),
            )
        })
}
