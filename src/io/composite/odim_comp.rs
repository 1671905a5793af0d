//! ODIM_H5 Cartesian composites (`/what/object` = `COMP` or `IMAGE`), e.g. the RMI radar QPE composite.
//!
//! Read: the first `/datasetN/dataM` whose `quantity` is `RATE` (rain rate, mm/h), else the first `ACRR`
//! (accumulated rain, mm, over `/datasetN/what` `startdate starttime` → `enddate endtime`, converted to mm/h by
//! dividing by that period). `gain`, `offset`, `nodata`, `undetect` and `quantity` are looked up in `dataM/what`,
//! then `datasetN/what`, then `/what` (ODIM's inheritance); absent ones default to gain 1, offset 0 and no
//! `nodata`/`undetect` code. Physical value = raw × gain + offset; raw == `nodata` (or NaN) → NaN (no data);
//! raw == `undetect` → 0 mm/h (no rain).
//!
//! Georeferencing: `/where/projdef` (a PROJ string, see [`Projection::from_proj_string`]); the grid size and
//! spacing `xsize`, `ysize`, `xscale`, `yscale` (metres) from `/where`, else `/datasetN/where`; the upper-left
//! corner `UL_lon`, `UL_lat` (the outer corner of the upper-left cell) projected with `projdef` places the grid:
//! `x0 = x(UL) + xscale/2`, `y0 = y(UL) − yscale/2`, `dx = xscale`, `dy = −yscale` (row 0 is the northern row).
//! Where `LR_lon`, `LR_lat` are given, the lower-right corner must land within half a cell of
//! `x(UL) + xsize·xscale`, `y(UL) − ysize·yscale`. The valid time is `/what` `date` + `time` (the nominal time).
//!
//! # References
//! Michelson, D. B., and co-authors, 2021: *EUMETNET OPERA weather radar information model for implementation
//! with the HDF5 file format*, version 2.4, OPERA Deliverable, sections 3 (`/what`, `/where` of Cartesian
//! images, corner coordinates), 4.2 (`quantity` RATE, ACRR) and 5 (`gain`, `offset`, `nodata`, `undetect`).

use chrono::{DateTime, NaiveDateTime, Utc};
use ndarray::Array2;

use super::attributes::{number, text};
use super::{MAX_CELLS, RAINFALL_RATE, decode_error};
use crate::error::{Error, Result};
use crate::geo::{Grid2, GridSpec, Projection};

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "ODIM_H5 composite";

/// Whether an open NetCDF/HDF5 file is an ODIM_H5 Cartesian composite or image.
pub fn is_odim_composite(file: &netcdf::File) -> bool {
    let Ok(Some(what)) = file.group("what") else {
        return false;
    };
    matches!(
        text(what.attribute_value("object")).as_deref(),
        Some("COMP" | "IMAGE")
    )
}

/// Decodes the rain-rate field of an ODIM_H5 composite.
///
/// # Errors
/// [`Error::Decode`] (offset 0: the file's structure is at fault) for missing or inconsistent groups and
/// attributes; [`Error::Unsupported`] without a RATE or ACRR dataset, or for a `projdef` Squall cannot
/// transform; [`Error::Limits`] for an absurd grid size; [`Error::Netcdf`] if the library fails.
pub fn decode(file: &netcdf::File, source_name: &str) -> Result<Grid2> {
    let err = |reason: String| decode_error(FORMAT_NAME, source_name, reason);
    let root_what = file
        .group("what")
        .map_err(|e| Error::netcdf(source_name, e))?
        .ok_or_else(|| err("no /what group".into()))?;
    let root_where = file
        .group("where")
        .map_err(|e| Error::netcdf(source_name, e))?
        .ok_or_else(|| err("no /where group".into()))?;
    let time = odim_time(&root_what, "date", "time")
        .ok_or_else(|| err("/what has no valid date and time (YYYYMMDD, HHMMSS)".into()))?;

    let found = find_rain_data(file, source_name)?;
    let missing = || err(format!("{} disappeared", found.path));
    let dataset = file
        .group(&found.dataset)
        .map_err(|e| Error::netcdf(source_name, e))?
        .ok_or_else(missing)?;
    let data = dataset.group(&found.data).ok_or_else(missing)?;
    let (data_what, dataset_what) = (data.group("what"), dataset.group("what"));
    let dataset_where = dataset.group("where");
    let what = |name: &str| {
        [&data_what, &dataset_what, &Some(root_what.clone())]
            .into_iter()
            .flatten()
            .find_map(|g| number(g.attribute_value(name)))
    };
    let (gain, offset) = (what("gain").unwrap_or(1.0), what("offset").unwrap_or(0.0));
    let (nodata, undetect) = (what("nodata"), what("undetect"));
    let per_hour = match found.quantity {
        Quantity::Rate => 1.0,
        Quantity::Accumulation => {
            let dataset_what = dataset_what.as_ref();
            let start = dataset_what.and_then(|g| odim_time(g, "startdate", "starttime"));
            let end = dataset_what.and_then(|g| odim_time(g, "enddate", "endtime"));
            let period_s = match (start, end) {
                (Some(s), Some(e)) => (e - s).num_seconds(),
                _ => 0,
            };
            if period_s <= 0 {
                return Err(err(format!(
                    "{}: ACRR needs an accumulation period (what startdate/starttime before enddate/endtime), \
                     found {period_s} s",
                    found.path
                )));
            }
            3600.0 / period_s as f64
        }
    };

    let where_number = |name: &str| {
        number(root_where.attribute_value(name))
            .or_else(|| {
                dataset_where
                    .as_ref()
                    .and_then(|g| number(g.attribute_value(name)))
            })
            .ok_or_else(|| err(format!("no where/{name} attribute")))
    };
    let (xsize, ysize) = (where_number("xsize")?, where_number("ysize")?);
    let (xscale, yscale) = (where_number("xscale")?, where_number("yscale")?);
    let var = data
        .variable("data")
        .ok_or_else(|| err(format!("{} has no data", found.path)))?;
    let shape = match var.dimensions() {
        [y, x] => (y.len(), x.len()),
        dims => {
            return Err(err(format!(
                "{}/data has {} dimensions, not 2",
                found.path,
                dims.len()
            )));
        }
    };
    if (shape.0 as f64, shape.1 as f64) != (ysize, xsize) {
        return Err(err(format!(
            "{}/data is {shape:?}, where says ysize {ysize}, xsize {xsize}",
            found.path
        )));
    }
    if shape.0.saturating_mul(shape.1) > MAX_CELLS {
        return Err(Error::Limits {
            what: format!("{source_name}: composite cells"),
            requested: shape.0.saturating_mul(shape.1) as u64,
            limit: MAX_CELLS as u64,
        });
    }
    if !(xscale > 0.0 && yscale > 0.0 && xscale.is_finite() && yscale.is_finite()) {
        return Err(err(format!(
            "where xscale {xscale}, yscale {yscale}: must be positive"
        )));
    }

    let projdef = text(root_where.attribute_value("projdef"))
        .ok_or_else(|| err("no /where/projdef".into()))?;
    let projection = Projection::from_proj_string(&projdef);
    if matches!(projection, Projection::Proj(_)) {
        return Err(Error::Unsupported(format!(
            "{source_name}: projdef '{}' is not a projection Squall implements, so the grid cannot be placed",
            projdef.trim()
        )));
    }
    let corner = |lon: &str, lat: &str| -> Result<Option<(f64, f64)>> {
        match (
            number(root_where.attribute_value(lon)),
            number(root_where.attribute_value(lat)),
        ) {
            (Some(lon), Some(lat)) => projection.forward(lon, lat).map(Some),
            _ => Ok(None),
        }
    };
    let (x_left, y_top) =
        corner("UL_lon", "UL_lat")?.ok_or_else(|| err("no /where UL_lon, UL_lat".into()))?;
    if let Some((x_right, y_bottom)) = corner("LR_lon", "LR_lat")? {
        let (ex, ey) = (x_left + xsize * xscale, y_top - ysize * yscale);
        if (x_right - ex).abs() > xscale / 2.0 || (y_bottom - ey).abs() > yscale / 2.0 {
            return Err(err(format!(
                "the LR corner projects to ({x_right:.1}, {y_bottom:.1}) m, the grid ends at ({ex:.1}, {ey:.1}) m"
            )));
        }
    }
    let spec = GridSpec {
        projection,
        ny: shape.0,
        nx: shape.1,
        x0: x_left + xscale / 2.0,
        y0: y_top - yscale / 2.0,
        dx: xscale,
        dy: -yscale,
    };

    let raw: Vec<f64> = var
        .get_values(..)
        .map_err(|e| Error::netcdf(source_name, e))?;
    let values: Vec<f32> = raw
        .iter()
        .map(|&r| {
            if r.is_nan() || Some(r) == nodata {
                f32::NAN
            } else if Some(r) == undetect {
                0.0
            } else {
                ((r * gain + offset) * per_hour) as f32
            }
        })
        .collect();
    let values = Array2::from_shape_vec(shape, values).map_err(|e| err(e.to_string()))?;
    Grid2::new(spec, RAINFALL_RATE.0, RAINFALL_RATE.1, Some(time), values)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quantity {
    /// `RATE`, mm/h.
    Rate,
    /// `ACRR`, mm over the dataset's period.
    Accumulation,
}

/// The chosen `/datasetN/dataM`.
struct Found {
    path: String,
    dataset: String,
    data: String,
    quantity: Quantity,
}

/// The first RATE data, else the first ACRR, over `datasetN/dataM` in numeric order.
fn find_rain_data(file: &netcdf::File, source_name: &str) -> Result<Found> {
    let mut datasets: Vec<(u32, netcdf::Group<'_>)> = file
        .groups()
        .map_err(|e| Error::netcdf(source_name, e))?
        .filter_map(|g| Some((numbered(&g.name(), "dataset")?, g)))
        .collect();
    datasets.sort_by_key(|(n, _)| *n);
    let mut seen = Vec::new();
    let mut best: Option<Found> = None;
    for (_, dataset) in &datasets {
        let mut datas: Vec<(u32, netcdf::Group<'_>)> = dataset
            .groups()
            .filter_map(|g| Some((numbered(&g.name(), "data")?, g)))
            .collect();
        datas.sort_by_key(|(n, _)| *n);
        for (_, data) in &datas {
            let quantity = [data.group("what"), dataset.group("what")]
                .into_iter()
                .flatten()
                .find_map(|g| text(g.attribute_value("quantity")))
                .unwrap_or_default();
            let path = format!("/{}/{}", dataset.name(), data.name());
            let kind = match quantity.as_str() {
                "RATE" => Quantity::Rate,
                "ACRR" => Quantity::Accumulation,
                _ => {
                    seen.push(format!("{path} {quantity:?}"));
                    continue;
                }
            };
            if best
                .as_ref()
                .is_some_and(|b| b.quantity == Quantity::Rate || kind == Quantity::Accumulation)
            {
                continue;
            }
            best = Some(Found {
                path,
                dataset: dataset.name(),
                data: data.name(),
                quantity: kind,
            });
        }
    }
    best.ok_or_else(|| {
        Error::Unsupported(format!(
            "{source_name}: no RATE or ACRR data in the ODIM_H5 composite (found: {})",
            if seen.is_empty() {
                "no datasetN/dataM groups".to_owned()
            } else {
                seen.join(", ")
            }
        ))
    })
}

/// `N` of a group named `{prefix}N`.
fn numbered(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?.parse().ok()
}

/// An ODIM date (`YYYYMMDD`) and time (`HHMMSS`) attribute pair of a group, as UTC.
fn odim_time(group: &netcdf::Group<'_>, date: &str, time: &str) -> Option<DateTime<Utc>> {
    let text = format!(
        "{}{}",
        text(group.attribute_value(date))?,
        text(group.attribute_value(time))?
    );
    NaiveDateTime::parse_from_str(&text, "%Y%m%d%H%M%S")
        .ok()
        .map(|t| t.and_utc())
}
