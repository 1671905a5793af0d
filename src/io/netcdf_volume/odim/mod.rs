//! ODIM_H5 polar volumes (`PVOL`) and scans (`SCAN`), versions 2.0–2.4, read through netcdf-c.
//!
//! Layout: root `/what` (`object`, `version`, `date`, `time`, `source`), `/where` (`lat`, `lon`, `height`),
//! `/how` (`wavelength` in cm, `beamwH` or `beamwidth` in degrees, `NI`, …), then one `/datasetN` per sweep with
//! `what` (`product` `SCAN`, `startdate`/`starttime`, `enddate`/`endtime`), `where` (`elangle`°, `nrays`,
//! `nbins`, `rstart`, `rscale` m, `a1gate`), an optional `how` (`startazA`/`stopazA`, `startelA`/`stopelA`,
//! `elangles`, `startazT`/`stopazT`, `astart`, `NI`), and `dataM` / `qualityM` groups holding `what` (`quantity`,
//! `gain`, `offset`, `nodata`, `undetect`) and a `data` array of `nrays × nbins` codes (u8, u16, i8, f32, …).
//!
//! Conventions of this reader (and of its peers, xradar 0.12 and Py-ART 2.3, where they differ):
//! - **values**: `code · gain + offset`; `code == undetect` → [`NoEcho`](crate::volume::GateStatus::NoEcho),
//!   `code == nodata` → [`NoData`](crate::volume::GateStatus::NoData). Where a file gives both the same code
//!   (the Bureau of Meteorology's files use 0 for both), the gate is taken as no echo: every ray of a complete
//!   scan was measured, and "below detection" is what a 0 means inside one. Py-ART masks both codes; xradar
//!   masks `nodata` only and returns `undetect` gates as `offset + undetect · gain` values.
//! - **names**: ODIM quantities are FM 301 names already and are kept, except `TH`/`TV` → `DBTH`/`DBTV`
//!   ([`quantity::fm301_name`]). Dataset-level `qualityM` groups (e.g. `CLASS`) follow the `dataM` groups as
//!   further moments, as xradar reads them; quality groups nested inside a `dataM` group are not read.
//! - **rays** stay in file order, which ODIM_H5 §5.1 fixes as azimuth order with ray 0 at north (xradar sorts
//!   by azimuth and Py-ART keeps file order: both give this order). `where/a1gate`, the index of the first ray
//!   in time, sets the ray times when `how/startazT`/`stopazT` are absent (as xradar; Py-ART ignores it).
//! - **azimuths**: centre of `startazA`–`stopazA` (both peers), else `astart + (i + ½)·360°/nrays` — the
//!   spec's `how/astart` offset, as Py-ART; xradar ignores `astart`.
//! - **ranges**: `rstart` is the range of the *start* of the first bin (km before 2.4, m from 2.4 on, as xradar
//!   reads `Conventions = ODIM_H5/V2_4`), so the first gate centre is `rstart + rscale/2`. xradar and Py-ART
//!   both put their range coordinate there; Py-ART's `meters_to_center_of_first_gate` attribute says
//!   `rstart · 1000` instead, inconsistently with its own range array.
//! - **times**: the volume start is the earliest sweep start (`startazT` or `startdate`+`starttime`); the root
//!   `/what/date`+`time` is the nominal time of the product (06:06:00 for a scan that started at 06:06:30) and
//!   is not used.
//! - **site**: `id` from the `source` identifiers `NOD`, else `RAD`, else `WMO`, else `CMT`; `name` from `PLC`.
//!   Frequency from `/how/wavelength` (cm). Beam width `/how/beamwH`, else `beamwidth` (ODIM 2.0), else 1°.
//!
//! # References
//! Michelson, D. B., et al., 2021: *EUMETNET OPERA weather radar information model for implementation with the
//! HDF5 file format* (ODIM_H5), version 2.4, EUMETNET OPERA. (Versions 2.1–2.3 of 2011–2019 read the same way,
//! except that `where/rstart` is in km.)

pub(crate) mod dataset;
pub(crate) mod hdf;
pub mod quantity;
mod sweep;

use chrono::{DateTime, Utc};
use rayon::prelude::*;

use self::dataset::RawArray;
use self::hdf::{Attributes, Node, Source};
use self::sweep::{RangeStartUnit, SweepLayout};
use crate::error::{Error, Result};
use crate::volume::{Moment, PolarVolume, Site};

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "ODIM_H5";

/// A volume may not decode to more gates than this (all sweeps and moments): about 2 GB of values and statuses,
/// eight times the largest operational volume (20 sweeps × 360 rays × 1000 bins × 12 quantities ≈ 86 M).
pub const MAX_GATES: u64 = 1 << 28;

/// Speed of light in vacuum, m/s, to turn a wavelength into a frequency.
const SPEED_OF_LIGHT_MPS: f64 = 299_792_458.0;

/// Whether an open NetCDF/HDF5 file follows the ODIM_H5 conventions: a root `Conventions` attribute starting
/// with `ODIM_H5`, or (older files without it) a root `/what` group with an `object` attribute beside at least
/// one `/datasetN` group.
pub fn is_odim(file: &netcdf::File) -> bool {
    hdf::detect(file, FORMAT_NAME, |root| {
        if root
            .opt_string("Conventions")
            .ok()
            .flatten()
            .is_some_and(|c| c.starts_with("ODIM_H5"))
        {
            return Ok(true);
        }
        let has_object = root
            .opt_child("what")?
            .is_some_and(|what| what.has_attribute("object"));
        Ok(has_object && !root.numbered_children("dataset")?.is_empty())
    })
}

/// Decodes an ODIM_H5 polar volume (`PVOL`) or scan (`SCAN`) from an open file, one [`crate::volume::Sweep`] per
/// `/datasetN` in numeric order.
///
/// The arrays are read whole, one after another (the NetCDF library serialises every call), then decoded in
/// parallel, one moment per task.
///
/// # Errors
/// [`Error::Decode`] naming the HDF5 path of a missing or invalid group, attribute or dataset (offset 0: netcdf-c
/// exposes no byte offsets); [`Error::Shape`] where a data array does not hold `nrays × nbins` codes or a per-ray
/// attribute not `nrays` values; [`Error::Limits`] beyond [`MAX_GATES`]; [`Error::Unsupported`] for other ODIM
/// objects (`COMP`, `IMAGE`, `ELEV`, …) and non-`SCAN` dataset products.
pub fn decode(file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    hdf::guard(FORMAT_NAME, source_name, |source| {
        decode_volume(file, source)
    })
}

fn decode_volume(file: &netcdf::File, source: Source<'_>) -> Result<PolarVolume> {
    let root = Node::root(file, source)?;
    let what = root.child("what")?;
    let object = what.string("object")?;
    if object != "PVOL" && object != "SCAN" {
        return Err(Error::Unsupported(format!(
            "{}: ODIM_H5 object {object:?} (only polar volumes PVOL and scans SCAN are read)",
            source.name
        )));
    }
    let unit = range_start_unit(
        root.opt_string("Conventions")?.as_deref(),
        what.opt_string("version")?.as_deref(),
    );
    let where_ = root.child("where")?;
    let how = root.opt_child("how")?;
    let (id, name) = site_identifiers(&what.opt_string("source")?.unwrap_or_default());
    let site = site(&where_, id, name)?;

    let datasets = root.numbered_children("dataset")?;
    if datasets.is_empty() {
        return Err(source.error("/dataset1", "no /datasetN group: the file holds no sweep"));
    }
    let layouts = datasets
        .iter()
        .map(|node| SweepLayout::read(node, how.as_ref(), unit))
        .collect::<Result<Vec<_>>>()?;
    let moments = decode_moments(source, &layouts)?;
    let start_s = layouts
        .iter()
        .map(|l| l.start_s)
        .fold(f64::INFINITY, f64::min);
    let start_time = utc_from_seconds(start_s).ok_or_else(|| {
        source.error(
            "/dataset1/what/starttime",
            format!("start time {start_s} s since 1970 is out of range"),
        )
    })?;
    let sweeps = layouts
        .into_iter()
        .zip(moments)
        .map(|(l, moments)| l.into_sweep(start_s, moments))
        .collect();

    let (frequency_mhz, beam_width_deg) = instrument(how.as_ref(), datasets.first())?;
    Ok(PolarVolume {
        site,
        frequency_mhz,
        beam_width_deg,
        start_time,
        sweeps,
    })
}

/// The radar site at the root `/where` (`lat`, `lon` in degrees, `height` in m), with its identifier and name.
pub(crate) fn site(where_: &Node, id: String, name: String) -> Result<Site> {
    Ok(Site {
        id,
        name,
        latitude_deg: where_.finite("lat")?,
        longitude_deg: where_.finite("lon")?,
        altitude_m: where_.finite("height")?,
    })
}

/// One sweep's group of an ODIM_H5 or GAMIC file as read before any moment is decoded.
pub(crate) trait MomentSource: Sync {
    /// Number of rays and of bins per ray.
    fn rays_bins(&self) -> (usize, usize);
    /// Number of moments.
    fn moment_count(&self) -> usize;
    /// Reads every moment's data whole (serial: the NetCDF library is not thread-safe).
    fn read_data(&self) -> Result<Vec<RawArray>>;
    /// Decodes moment `index` from its data `raw`.
    fn decode_moment(&self, index: usize, raw: &RawArray) -> Moment;

    /// Number of gates over all moments.
    fn gate_count(&self) -> u64 {
        let (rays, bins) = self.rays_bins();
        (rays as u64)
            .saturating_mul(bins as u64)
            .saturating_mul(self.moment_count() as u64)
    }
}

/// The decoded moments of every sweep (outer index: sweep, inner: moment): the arrays are read whole, one after
/// another, then decoded in parallel, one task per moment over the whole volume (14 sweeps × 8 moments keep every
/// core busy).
///
/// # Errors
/// [`Error::Limits`] if the sweeps hold more than [`MAX_GATES`] gates; the errors of reading the data.
pub(crate) fn decode_moments<L: MomentSource>(
    source: Source<'_>,
    layouts: &[L],
) -> Result<Vec<Vec<Moment>>> {
    let requested = layouts
        .iter()
        .map(L::gate_count)
        .fold(0u64, u64::saturating_add);
    if requested > MAX_GATES {
        return Err(Error::Limits {
            what: format!("{}: decoded gates", source.name),
            requested,
            limit: MAX_GATES,
        });
    }
    let raw = layouts
        .iter()
        .map(L::read_data)
        .collect::<Result<Vec<_>>>()?;
    let jobs: Vec<_> = layouts
        .iter()
        .zip(&raw)
        .flat_map(|(l, r)| r.iter().enumerate().map(move |(i, r)| (l, i, r)))
        .collect();
    let mut decoded = jobs
        .par_iter()
        .map(|(l, i, r)| l.decode_moment(*i, r))
        .collect::<Vec<_>>()
        .into_iter();
    Ok(layouts
        .iter()
        .map(|l| decoded.by_ref().take(l.moment_count()).collect())
        .collect())
}

/// ODIM_H5 2.4 changed `where/rstart` from km to m; the version is in the root `Conventions` (`ODIM_H5/V2_4`)
/// and in `/what/version` (`H5rad 2.4`).
fn range_start_unit(conventions: Option<&str>, version: Option<&str>) -> RangeStartUnit {
    let minor = |s: &str, prefix: &str, sep: char| -> Option<(u32, u32)> {
        let (major, minor) = s.strip_prefix(prefix)?.trim().split_once(sep)?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    };
    let parsed = conventions
        .and_then(|c| minor(c, "ODIM_H5/V", '_'))
        .or_else(|| version.and_then(|v| minor(v, "H5rad", '.')));
    match parsed {
        Some(v) if v >= (2, 4) => RangeStartUnit::Metres,
        _ => RangeStartUnit::Kilometres,
    }
}

/// Station identifier and name from an ODIM `source` string (`"WMO:07083,NOD:frave,PLC:Avesnes"`): the id is
/// `NOD` (OPERA node), else `RAD`, else `WMO`, else `CMT`; the name is `PLC` (place), else the id.
pub fn site_identifiers(source: &str) -> (String, String) {
    let field = |key: &str| {
        source.split(',').find_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            (k.trim() == key && !v.trim().is_empty()).then(|| v.trim().to_owned())
        })
    };
    let id = ["NOD", "RAD", "WMO", "CMT"]
        .iter()
        .find_map(|k| field(k))
        .unwrap_or_default();
    let name = field("PLC").unwrap_or_else(|| id.clone());
    (id, name)
}

/// Frequency (MHz, from `how/wavelength` in cm) and horizontal beam width (degrees) from the root `/how`, else
/// from the first dataset's `how`.
fn instrument(root_how: Option<&Node>, first_dataset: Option<&Node>) -> Result<(Option<f64>, f32)> {
    let dataset_how = first_dataset
        .map(|d| d.opt_child("how"))
        .transpose()?
        .flatten();
    let lookup = |name: &str| -> Result<Option<f64>> {
        for how in [root_how, dataset_how.as_ref()].into_iter().flatten() {
            if let Some(x) = how.opt_f64(name)?.filter(|x| x.is_finite() && *x > 0.0) {
                return Ok(Some(x));
            }
        }
        Ok(None)
    };
    let frequency_mhz = lookup("wavelength")?.map(|cm| SPEED_OF_LIGHT_MPS / (cm / 100.0) / 1e6);
    let beam_width = match lookup("beamwH")? {
        Some(b) => Some(b),
        None => lookup("beamwidth")?,
    };
    Ok((frequency_mhz, beam_width.unwrap_or(1.0) as f32))
}

/// A UTC time from seconds since 1970 (fractions kept to the nanosecond).
pub(crate) fn utc_from_seconds(seconds: f64) -> Option<DateTime<Utc>> {
    if !seconds.is_finite() || seconds.abs() > 1e12 {
        return None;
    }
    let whole = seconds.floor();
    DateTime::from_timestamp(whole as i64, ((seconds - whole) * 1e9) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_identifiers() {
        assert_eq!(
            site_identifiers("NOD:frave,PLC:Avesnes,WMO:07083"),
            ("frave".into(), "Avesnes".into())
        );
        assert_eq!(
            site_identifiers("RAD:AU40,PLC:CapFlat,CTY:500,STN:70341"),
            ("AU40".into(), "CapFlat".into())
        );
        assert_eq!(
            site_identifiers("WMO:10410"),
            ("10410".into(), "10410".into())
        );
        assert_eq!(site_identifiers(""), (String::new(), String::new()));
    }

    #[test]
    fn version_decides_the_range_start_unit() {
        use RangeStartUnit::*;
        assert_eq!(range_start_unit(Some("ODIM_H5/V2_4"), None), Metres);
        assert_eq!(
            range_start_unit(Some("ODIM_H5/V2_3"), Some("H5rad 2.4")),
            Kilometres
        );
        assert_eq!(range_start_unit(None, Some("H5rad 2.4")), Metres);
        assert_eq!(range_start_unit(None, Some("H5rad 2.2")), Kilometres);
        assert_eq!(range_start_unit(None, None), Kilometres);
    }

    #[test]
    fn seconds_to_utc() {
        let t = utc_from_seconds(1_681_973_400.25).unwrap();
        assert_eq!(t.to_rfc3339(), "2023-04-20T06:50:00.250+00:00");
        assert!(utc_from_seconds(f64::NAN).is_none());
    }
}
