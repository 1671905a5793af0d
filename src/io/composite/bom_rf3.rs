//! Bureau of Meteorology (Australia) Rainfields 3 ("rf3") precipitation grids in CF NetCDF, e.g.
//! `prcp-cscn` accumulations.
//!
//! Layout: `precipitation(y, x)` (int16 with `scale_factor`, `add_offset`, `_FillValue`; `units` `kg m-2` or
//! `mm`: the rain **depth** accumulated from `start_time` to `valid_time`, scalar int64 variables in "seconds
//! since …"), coordinate variables `x(x)`, `y(y)` (km or m) and the CF grid-mapping variable named by the
//! `grid_mapping` attribute (`albers_conical_equal_area` for the radar-2 Melbourne grid, with the ellipsoid as
//! `semi_major_axis` and `inverse_flattening`).
//!
//! Squall returns the rain **rate**: depth × 3600 / (valid_time − start_time in s), mm/h — for the 6-minute
//! accumulations, depth × 10. `_FillValue` or `missing_value` → NaN (no data); 0 mm/h = no rain. The valid time is
//! `valid_time` (the end of the accumulation). Following CF, the coordinate values are the cell **centres**:
//! `x0 = x[0]`, `y0 = y[0]`, `dx = x[1] − x[0]`, `dy = y[1] − y[0]` (negative: row 0 is the northern row). (pysteps'
//! `import_bom_rf3` takes the extreme coordinate values as its outer extent `x1, x2, y1, y2`, half a cell inside
//! Squall's [`GridSpec::extent`].) The grid mapping is turned into a PROJ string (CF attribute → PROJ parameter)
//! and read by [`Projection::from_proj_string`].
//!
//! # References
//! - Eaton, B., and co-authors, 2023: *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.11,
//!   sections 4 (coordinate types), 5.6 and appendix F (grid mappings), 8.1 (packed data).
//! - Bureau of Meteorology, 2018: *Rainfields 3* radar rainfall products (`source` = "rainfields 3.0.28").

use chrono::{DateTime, NaiveDateTime, Utc};
use ndarray::Array2;

use super::attributes::{number, numbers, text};
use super::{MAX_CELLS, RAINFALL_RATE, decode_error};
use crate::error::{Error, Result};
use crate::geo::{Grid2, GridSpec, Projection};

/// Name used for this format in messages.
pub const FORMAT_NAME: &str = "BoM Rainfields 3 NetCDF";

/// CF grid-mapping attributes and the PROJ parameters they become. `standard_parallel` is handled apart.
const CF_TO_PROJ: &[(&str, &str)] = &[
    ("longitude_of_central_meridian", "lon_0"),
    ("longitude_of_projection_origin", "lon_0"),
    ("straight_vertical_longitude_from_pole", "lon_0"),
    ("latitude_of_projection_origin", "lat_0"),
    ("scale_factor_at_projection_origin", "k_0"),
    ("scale_factor_at_central_meridian", "k_0"),
    ("false_easting", "x_0"),
    ("false_northing", "y_0"),
    ("semi_major_axis", "a"),
    ("semi_minor_axis", "b"),
    ("inverse_flattening", "rf"),
    ("earth_radius", "R"),
];

/// CF `grid_mapping_name` → PROJ `+proj`.
const CF_GRID_MAPPINGS: &[(&str, &str)] = &[
    ("albers_conical_equal_area", "aea"),
    ("lambert_conformal_conic", "lcc"),
    ("polar_stereographic", "stere"),
    ("stereographic", "stere"),
    ("azimuthal_equidistant", "aeqd"),
    ("transverse_mercator", "tmerc"),
    ("lambert_azimuthal_equal_area", "laea"),
    ("latitude_longitude", "longlat"),
];

/// Whether an open NetCDF file is a Rainfields precipitation grid.
pub fn is_bom_rf3(file: &netcdf::File) -> bool {
    ["precipitation", "valid_time", "start_time"]
        .iter()
        .all(|name| file.variable(name).is_some())
}

/// Decodes a Rainfields 3 precipitation grid as rain rate (mm/h).
///
/// # Errors
/// [`Error::Decode`] (offset 0: the file's structure is at fault) for missing variables or attributes, irregular
/// coordinates or a non-positive accumulation period; [`Error::Unsupported`] for units or grid mappings Squall
/// does not read; [`Error::Limits`] for an absurd grid size; [`Error::Netcdf`] if the library fails.
pub fn decode(file: &netcdf::File, source_name: &str) -> Result<Grid2> {
    let err = |reason: String| decode_error(FORMAT_NAME, source_name, reason);
    let nc = |e| Error::netcdf(source_name, e);
    let var = file
        .variable("precipitation")
        .ok_or_else(|| err("no precipitation variable".into()))?;
    let (y_name, x_name, shape) = match var.dimensions() {
        [y, x] => (y.name(), x.name(), (y.len(), x.len())),
        dims => {
            return Err(err(format!(
                "precipitation has {} dimensions, not 2",
                dims.len()
            )));
        }
    };
    if shape.0.saturating_mul(shape.1) > MAX_CELLS {
        return Err(Error::Limits {
            what: format!("{source_name}: composite cells"),
            requested: shape.0.saturating_mul(shape.1) as u64,
            limit: MAX_CELLS as u64,
        });
    }
    let (x0, dx) = axis(file, &x_name, shape.1, source_name)?;
    let (y0, dy) = axis(file, &y_name, shape.0, source_name)?;
    if dx <= 0.0 {
        return Err(Error::Unsupported(format!(
            "{source_name}: x coordinates decreasing (step {dx} m)"
        )));
    }

    let mapping = text(var.attribute_value("grid_mapping"))
        .ok_or_else(|| err("precipitation has no grid_mapping attribute".into()))?;
    let mapping = file
        .variable(&mapping)
        .ok_or_else(|| err(format!("no grid-mapping variable {mapping:?}")))?;
    let projection = Projection::from_proj_string(&cf_to_proj(&mapping, source_name)?);

    let units = text(var.attribute_value("units")).unwrap_or_default();
    if !matches!(units.as_str(), "kg m-2" | "mm") {
        return Err(Error::Unsupported(format!(
            "{source_name}: precipitation in {units:?} (a rain depth in \"kg m-2\" or \"mm\" is read)"
        )));
    }
    let valid = time_variable(file, "valid_time", source_name)?;
    let start = time_variable(file, "start_time", source_name)?;
    let period_s = (valid - start).num_seconds();
    if period_s <= 0 {
        return Err(err(format!(
            "accumulation period valid_time − start_time = {period_s} s, must be positive"
        )));
    }
    let per_hour = 3600.0 / period_s as f64;
    let scale = number(var.attribute_value("scale_factor")).unwrap_or(1.0);
    let offset = number(var.attribute_value("add_offset")).unwrap_or(0.0);
    let fill = number(var.attribute_value("_FillValue"));
    let missing = number(var.attribute_value("missing_value"));

    let raw: Vec<f64> = var.get_values(..).map_err(nc)?;
    let values: Vec<f32> = raw
        .iter()
        .map(|&r| {
            if r.is_nan() || Some(r) == fill || Some(r) == missing {
                f32::NAN
            } else {
                ((r * scale + offset) * per_hour) as f32
            }
        })
        .collect();
    let values = Array2::from_shape_vec(shape, values).map_err(|e| err(e.to_string()))?;
    let spec = GridSpec {
        projection,
        ny: shape.0,
        nx: shape.1,
        x0,
        y0,
        dx,
        dy,
    };
    Grid2::new(spec, RAINFALL_RATE.0, RAINFALL_RATE.1, Some(valid), values)
}

/// First value (m) and constant step (m) of a coordinate variable of length `n`.
fn axis(file: &netcdf::File, name: &str, n: usize, source_name: &str) -> Result<(f64, f64)> {
    let err = |reason: String| decode_error(FORMAT_NAME, source_name, reason);
    let var = file
        .variable(name)
        .ok_or_else(|| err(format!("no coordinate variable {name}")))?;
    let to_m = match text(var.attribute_value("units")).as_deref() {
        Some("km") => 1000.0,
        Some("m") => 1.0,
        other => {
            return Err(Error::Unsupported(format!(
                "{source_name}: coordinate {name} in {other:?} (km or m are read)"
            )));
        }
    };
    if var.len() != n || n < 2 {
        return Err(err(format!(
            "coordinate {name} has {} values for {n} cells (at least 2 needed)",
            var.len()
        )));
    }
    let values: Vec<f64> = var
        .get_values(..)
        .map_err(|e| Error::netcdf(source_name, e))?;
    let step = values[1] - values[0];
    if let Some(k) =
        (1..n).find(|&k| ((values[k] - values[k - 1]) - step).abs() > 1e-3 * step.abs())
    {
        return Err(err(format!(
            "coordinate {name} is irregular: step {} at index {k}, {step} at 0",
            values[k] - values[k - 1]
        )));
    }
    if step == 0.0 || !step.is_finite() {
        return Err(err(format!("coordinate {name} has step {step}")));
    }
    Ok((values[0] * to_m, step * to_m))
}

/// The PROJ string of a CF grid-mapping variable.
fn cf_to_proj(mapping: &netcdf::Variable<'_>, source_name: &str) -> Result<String> {
    let name = text(mapping.attribute_value("grid_mapping_name")).unwrap_or_default();
    let proj = CF_GRID_MAPPINGS
        .iter()
        .find(|(cf, _)| *cf == name)
        .map(|(_, proj)| *proj)
        .ok_or_else(|| Error::Unsupported(format!("{source_name}: CF grid mapping {name:?}")))?;
    let mut out = format!("+proj={proj}");
    if let Some(parallels) = numbers(mapping.attribute_value("standard_parallel")) {
        let keys: &[&str] = if proj == "stere" {
            &["lat_ts"]
        } else {
            &["lat_1", "lat_2"]
        };
        for (key, value) in keys.iter().zip(&parallels) {
            out.push_str(&format!(" +{key}={value}"));
        }
    }
    for (cf, key) in CF_TO_PROJ {
        if let Some(value) = number(mapping.attribute_value(cf)) {
            out.push_str(&format!(" +{key}={value}"));
        }
    }
    out.push_str(" +units=m +no_defs");
    Ok(out)
}

/// A scalar time variable in "seconds since <UTC date time>".
fn time_variable(file: &netcdf::File, name: &str, source_name: &str) -> Result<DateTime<Utc>> {
    let err = |reason: String| decode_error(FORMAT_NAME, source_name, reason);
    let var = file
        .variable(name)
        .ok_or_else(|| err(format!("no {name} variable")))?;
    let units = text(var.attribute_value("units")).unwrap_or_default();
    let epoch = units
        .strip_prefix("seconds since ")
        .map(|s| s.trim_end_matches(" UTC").trim_end_matches('Z'))
        .and_then(|s| {
            ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]
                .iter()
                .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        })
        .ok_or_else(|| {
            err(format!(
                "{name} units {units:?}: \"seconds since YYYY-MM-DD HH:MM:SS\" expected"
            ))
        })?;
    let values: Vec<i64> = var
        .get_values(..)
        .map_err(|e| Error::netcdf(source_name, e))?;
    let [seconds] = values[..] else {
        return Err(err(format!(
            "{name} holds {} values, not one",
            values.len()
        )));
    };
    chrono::TimeDelta::try_seconds(seconds)
        .and_then(|d| epoch.and_utc().checked_add_signed(d))
        .ok_or_else(|| err(format!("{name} = {seconds} s is out of range")))
}
