//! CF-NetCDF output of gridded fields: `(time, y, x)` variables (a [`Grid2`] sequence, or several fields such as
//! the two motion components) and `(time, realization, y, x)` ensembles, with projection coordinates, a CF
//! grid-mapping variable and 2-D latitude/longitude; and [`read_fields`], which reads such files back (e.g. a
//! forecast to verify).
//!
//! # References
//! Eaton, B. et al., 2020: *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.8, sections 4
//! (coordinate types), 5.6 (grid mappings) and appendix F (`azimuthal_equidistant`, `latitude_longitude`).

use std::path::Path;

use chrono::{DateTime, Utc};
use ndarray::{Array1, Array2, Array3, Array4, ArrayView3, ArrayView4, Axis};

use crate::error::{Error, Result};
use crate::geo::{Grid2, GridSpec, Projection};
use crate::io::cf_attributes::{long_name, put_grid_mapping};
use crate::io::netcdf_volume::cfradial::time_units::TimeUnits;

/// CF standard name for a moment or field name, where one exists.
fn standard_name(name: &str) -> Option<&'static str> {
    match name {
        "DBZH" | "DBTH" => Some("equivalent_reflectivity_factor"),
        "rainfall_rate" => Some("rainfall_rate"),
        "VRADH" => Some("radial_velocity_of_scatterers_away_from_instrument"),
        _ => None,
    }
}

/// Writes frames that share one grid, name and units to a new CF-1.8 NetCDF-4 file (deflate level 4).
///
/// Frames without a time are written at the Unix epoch with a `comment` saying so. `NaN` (no data) is the fill
/// value.
///
/// # Errors
/// [`Error::Parameter`] for no frames; [`Error::Shape`] if frames differ in grid, name or units;
/// [`Error::Netcdf`] if the file cannot be created or written.
pub fn write_grid_sequence(path: impl AsRef<Path>, frames: &[Grid2]) -> Result<()> {
    let path = path.as_ref();
    let first = frames
        .first()
        .ok_or_else(|| Error::parameter("frames", 0, "need at least one frame"))?;
    for (i, f) in frames.iter().enumerate() {
        if f.spec != first.spec || f.name != first.name || f.units != first.units {
            return Err(Error::Shape {
                what: format!("frame {i}"),
                expected: format!("{} [{}] on the grid of frame 0", first.name, first.units),
                found: format!("{} [{}] on {:?}", f.name, f.units, f.spec.shape()),
            });
        }
    }
    let mut data = Array3::<f32>::zeros((frames.len(), first.spec.ny, first.spec.nx));
    for (mut slot, f) in data.axis_iter_mut(Axis(0)).zip(frames) {
        slot.assign(&f.values);
    }
    let times: Vec<Option<DateTime<Utc>>> = frames.iter().map(|f| f.time).collect();
    let field = Field {
        name: &first.name,
        units: &first.units,
        values: data.view(),
    };
    write_fields(path, &first.spec, &times, &[field])
}

/// One `(time, y, x)` variable for [`write_fields`].
#[derive(Debug, Clone)]
pub struct Field<'a> {
    /// Variable name.
    pub name: &'a str,
    /// Units (UDUNITS where possible, e.g. `"mm h-1"`, or `"dBZ"`).
    pub units: &'a str,
    /// Values `(time, y, x)`; `NaN` = no data.
    pub values: ArrayView3<'a, f32>,
}

/// One `(time, realization, y, x)` ensemble variable for [`write_forecast`].
#[derive(Debug, Clone)]
pub struct EnsembleField<'a> {
    /// Variable name.
    pub name: &'a str,
    /// Units (UDUNITS where possible).
    pub units: &'a str,
    /// Values `(time, realization, y, x)`; `NaN` = no data.
    pub values: ArrayView4<'a, f32>,
}

/// Writes several `(time, y, x)` variables on one grid and time axis to a new CF-1.8 NetCDF-4 file.
///
/// # Errors
/// [`Error::Parameter`] for no fields or no times; [`Error::Shape`] if a field is not `(times, ny, nx)`;
/// [`Error::Netcdf`] if the file cannot be created or written.
pub fn write_fields(
    path: impl AsRef<Path>,
    spec: &GridSpec,
    times: &[Option<DateTime<Utc>>],
    fields: &[Field<'_>],
) -> Result<()> {
    write_forecast(path, spec, times, fields, &[])
}

/// Writes `(time, y, x)` fields and `(time, realization, y, x)` ensembles on one grid and time axis to a new
/// CF-1.8 NetCDF-4 file (the realization axis is the CF `realization` coordinate, members numbered from 0).
///
/// # Errors
/// [`Error::Parameter`] for neither fields nor ensembles, or no times; [`Error::Shape`] if a field is not
/// `(times, ny, nx)` or the ensembles are not `(times, members, ny, nx)` with one member count;
/// [`Error::Netcdf`] if the file cannot be created or written.
pub fn write_forecast(
    path: impl AsRef<Path>,
    spec: &GridSpec,
    times: &[Option<DateTime<Utc>>],
    fields: &[Field<'_>],
    ensembles: &[EnsembleField<'_>],
) -> Result<()> {
    let path = path.as_ref();
    let first_name = match (fields.first(), ensembles.first()) {
        (Some(f), _) => f.name,
        (None, Some(e)) => e.name,
        (None, None) => {
            return Err(Error::parameter(
                "fields",
                0,
                "need at least one field or ensemble",
            ));
        }
    };
    if times.is_empty() {
        return Err(Error::parameter("times", 0, "need at least one time"));
    }
    for f in fields {
        if f.values.dim() != (times.len(), spec.ny, spec.nx) {
            return Err(Error::Shape {
                what: format!("field {}", f.name),
                expected: format!("({}, {}, {})", times.len(), spec.ny, spec.nx),
                found: format!("{:?}", f.values.dim()),
            });
        }
    }
    let members = ensembles.first().map_or(0, |e| e.values.dim().1);
    for e in ensembles {
        if e.values.dim() != (times.len(), members, spec.ny, spec.nx) || members == 0 {
            return Err(Error::Shape {
                what: format!("ensemble {}", e.name),
                expected: format!(
                    "({}, members ≥ 1 and equal across ensembles, {}, {})",
                    times.len(),
                    spec.ny,
                    spec.nx
                ),
                found: format!("{:?}", e.values.dim()),
            });
        }
    }
    let title = format!("{first_name} sequence");
    let (mut file, has_lonlat) = create_grid_file(path, spec, times, &title)?;
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    if members > 0 {
        file.add_dimension(REALIZATION, members).map_err(nc)?;
        let mut v = file
            .add_variable::<i32>(REALIZATION, &[REALIZATION])
            .map_err(nc)?;
        v.put_attribute("standard_name", "realization")
            .map_err(nc)?;
        v.put_attribute("long_name", "ensemble member")
            .map_err(nc)?;
        v.put_attribute("units", "1").map_err(nc)?;
        let numbers: Array1<i32> = (0..members as i32).collect();
        v.put(numbers.view(), ..).map_err(nc)?;
    }

    add_fields(&mut file, path, fields, has_lonlat)?;
    for e in ensembles {
        add_data(
            &mut file,
            path,
            e.name,
            e.units,
            &["time", REALIZATION, "y", "x"],
            has_lonlat,
        )?
        .put(e.values.as_standard_layout().view(), ..)
        .map_err(nc)?;
    }
    Ok(())
}

/// Creates a CF-1.8 file with the time axis, the projection coordinates, the `crs` grid-mapping variable and (for
/// invertible projections) 2-D `lat`/`lon`; returns it and whether `lat`/`lon` were written.
fn create_grid_file(
    path: &Path,
    spec: &GridSpec,
    times: &[Option<DateTime<Utc>>],
    title: &str,
) -> Result<(netcdf::FileMut, bool)> {
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let (ny, nx) = spec.shape();
    let mut file = netcdf::create(path).map_err(nc)?;
    file.add_attribute("Conventions", "CF-1.8").map_err(nc)?;
    file.add_attribute("title", title).map_err(nc)?;
    file.add_attribute("source", format!("squall {}", env!("CARGO_PKG_VERSION")))
        .map_err(nc)?;
    file.add_attribute(
        "history",
        format!(
            "{} created by squall {}",
            Utc::now().format("%Y-%m-%dT%H:%M:%SZ"),
            env!("CARGO_PKG_VERSION")
        ),
    )
    .map_err(nc)?;
    file.add_dimension("time", times.len()).map_err(nc)?;
    file.add_dimension("y", ny).map_err(nc)?;
    file.add_dimension("x", nx).map_err(nc)?;
    let seconds: Array1<f64> = times
        .iter()
        .map(|t| t.map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0))
        .collect();
    let mut time = file.add_variable::<f64>("time", &["time"]).map_err(nc)?;
    time.put_attribute("standard_name", "time").map_err(nc)?;
    time.put_attribute("long_name", "valid time").map_err(nc)?;
    time.put_attribute("axis", "T").map_err(nc)?;
    time.put_attribute("calendar", "standard").map_err(nc)?;
    time.put_attribute("units", "seconds since 1970-01-01 00:00:00 UTC")
        .map_err(nc)?;
    if times.iter().any(Option::is_none) {
        time.put_attribute(
            "comment",
            "frames without a valid time are stamped 1970-01-01",
        )
        .map_err(nc)?;
    }
    time.put(seconds.view(), ..).map_err(nc)?;

    let (x_name, y_name, xy_units) = match spec.projection {
        Projection::LonLat => ("longitude", "latitude", ("degrees_east", "degrees_north")),
        _ => (
            "projection_x_coordinate",
            "projection_y_coordinate",
            ("m", "m"),
        ),
    };
    let xs: Array1<f64> = (0..nx).map(|c| spec.xy(0, c).0).collect();
    let ys: Array1<f64> = (0..ny).map(|r| spec.xy(r, 0).1).collect();
    for (var, dim, std, units, values) in [
        ("x", "x", x_name, xy_units.0, &xs),
        ("y", "y", y_name, xy_units.1, &ys),
    ] {
        let mut v = file.add_variable::<f64>(var, &[dim]).map_err(nc)?;
        v.put_attribute("standard_name", std).map_err(nc)?;
        v.put_attribute("long_name", std.replace('_', " "))
            .map_err(nc)?;
        v.put_attribute("axis", var.to_uppercase()).map_err(nc)?;
        v.put_attribute("units", units).map_err(nc)?;
        v.put(values.view(), ..).map_err(nc)?;
    }

    let mut crs = file.add_variable::<i32>("crs", &[]).map_err(nc)?;
    // Projections known only as PROJ strings have no CF mapping: `proj4_params` and the 2-D lon/lat describe them.
    put_grid_mapping(&mut crs, &spec.projection).map_err(nc)?;
    crs.put_attribute("proj4_params", spec.projection.proj_string())
        .map_err(nc)?;

    let mut has_lonlat = false;
    if !matches!(spec.projection, Projection::LonLat | Projection::Proj(_)) {
        let mut lon = Array2::<f64>::zeros((ny, nx));
        let mut lat = Array2::<f64>::zeros((ny, nx));
        for r in 0..ny {
            for c in 0..nx {
                let (lo, la) = spec.lonlat(r, c)?;
                lon[[r, c]] = lo;
                lat[[r, c]] = la;
            }
        }
        for (name, std, units, values) in [
            ("lon", "longitude", "degrees_east", &lon),
            ("lat", "latitude", "degrees_north", &lat),
        ] {
            let mut v = file.add_variable::<f64>(name, &["y", "x"]).map_err(nc)?;
            v.put_attribute("standard_name", std).map_err(nc)?;
            v.put_attribute("long_name", std).map_err(nc)?;
            v.put_attribute("units", units).map_err(nc)?;
            v.put(values.view(), ..).map_err(nc)?;
        }
        has_lonlat = true;
    }

    Ok((file, has_lonlat))
}

/// Adds a compressed `f32` data variable with its units, standard name and grid-mapping attributes.
fn add_data<'f>(
    file: &'f mut netcdf::FileMut,
    path: &Path,
    name: &str,
    units: &str,
    dims: &[&str],
    has_lonlat: bool,
) -> Result<netcdf::VariableMut<'f>> {
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let mut var = file.add_variable::<f32>(name, dims).map_err(nc)?;
    var.set_compression(4, true).map_err(nc)?;
    var.set_fill_value(f32::NAN).map_err(nc)?;
    var.put_attribute("units", units).map_err(nc)?;
    if let Some(std) = standard_name(name) {
        var.put_attribute("standard_name", std).map_err(nc)?;
    }
    var.put_attribute("long_name", long_name(name))
        .map_err(nc)?;
    var.put_attribute("grid_mapping", "crs").map_err(nc)?;
    if has_lonlat {
        var.put_attribute("coordinates", "lat lon").map_err(nc)?;
    }
    Ok(var)
}

/// Adds and writes 2-D fields as `(time, y, x)` data variables ([`add_data`]).
fn add_fields(
    file: &mut netcdf::FileMut,
    path: &Path,
    fields: &[Field<'_>],
    has_lonlat: bool,
) -> Result<()> {
    for f in fields {
        add_data(file, path, f.name, f.units, &["time", "y", "x"], has_lonlat)?
            .put(f.values.as_standard_layout().view(), ..)
            .map_err(|e| Error::netcdf(path, e))?;
    }
    Ok(())
}

/// Name of the ensemble-member dimension and coordinate (CF standard name `realization`).
const REALIZATION: &str = "realization";
/// Other names of the member dimension that [`read_fields`] accepts (pysteps' NetCDF exporter).
const MEMBER_DIMENSIONS: [&str; 2] = [REALIZATION, "ens_number"];
/// Most values [`read_fields`] reads from one variable (2³¹, 8 GiB of `f32`); more gives [`Error::Limits`].
pub const MAX_VALUES_PER_VARIABLE: usize = 1 << 31;

/// The gridded variables of a CF-NetCDF file, as [`read_fields`] returns them.
#[derive(Debug, Clone, PartialEq)]
pub struct CfFields {
    /// The grid of every variable.
    pub spec: GridSpec,
    /// Valid time of each step of the time axis (`None` for steps stamped "no valid time" by the writer).
    pub times: Vec<Option<DateTime<Utc>>>,
    /// The `forecast_reference_time` (issue time) if the file has one.
    pub reference_time: Option<DateTime<Utc>>,
    /// `(time, y, x)` variables, in file order.
    pub fields: Vec<ReadField>,
    /// `(time, realization, y, x)` variables, in file order.
    pub ensembles: Vec<ReadEnsemble>,
}

/// A `(time, y, x)` variable read by [`read_fields`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReadField {
    /// Variable name.
    pub name: String,
    /// Its `units` attribute (empty if absent).
    pub units: String,
    /// Values `(time, y, x)`; `NaN` = no data (fill values and `missing_value` included).
    pub values: Array3<f32>,
}

/// A `(time, realization, y, x)` variable read by [`read_fields`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReadEnsemble {
    /// Variable name.
    pub name: String,
    /// Its `units` attribute (empty if absent).
    pub units: String,
    /// Values `(time, realization, y, x)` (reordered if the file stores the members first); `NaN` = no data.
    pub values: Array4<f32>,
}

/// Reads the gridded variables of a CF-NetCDF file such as [`write_forecast`] and [`write_fields`] write: every
/// floating-point variable on dimensions `(time, y, x)`, and every one on `(time, realization, y, x)` or
/// `(realization, time, y, x)` (the member dimension may also be pysteps' `ens_number`).
///
/// The grid comes from the 1-D `x` and `y` coordinate variables (regularly spaced) and the projection from the
/// `proj4_params` of the grid mapping named by the first variable's `grid_mapping` attribute (CF
/// `azimuthal_equidistant` and `latitude_longitude` mappings without it are understood too). Times follow the
/// `units` of the `time` variable (any CF `<unit> since <date>`).
///
/// # Errors
/// [`Error::Netcdf`] if the file cannot be opened or read; [`Error::Decode`] if it has no such variable, no
/// usable time, `x` or `y` coordinate, or irregular coordinates; [`Error::Limits`] for a variable of more than
/// [`MAX_VALUES_PER_VARIABLE`] values.
pub fn read_fields(path: impl AsRef<Path>) -> Result<CfFields> {
    let path = path.as_ref();
    let source = path.display().to_string();
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let bad = |reason: String| Error::Decode {
        format: FORMAT_NAME,
        source_name: source.clone(),
        offset: 0,
        reason,
    };
    let file = netcdf::open(path).map_err(nc)?;

    let mut fields = Vec::new();
    let mut ensembles = Vec::new();
    let mut grid_mapping = None;
    for var in file.variables() {
        if !matches!(var.vartype(), netcdf::types::NcVariableType::Float(_)) {
            continue;
        }
        let dims: Vec<String> = var.dimensions().iter().map(|d| d.name()).collect();
        let dims: Vec<&str> = dims.iter().map(String::as_str).collect();
        let is_member = |d: &str| MEMBER_DIMENSIONS.contains(&d);
        let members_first = match dims.as_slice() {
            ["time", "y", "x"] => None,
            ["time", m, "y", "x"] if is_member(m) => Some(false),
            [m, "time", "y", "x"] if is_member(m) => Some(true),
            _ => continue,
        };
        let len: usize = var.dimensions().iter().map(|d| d.len()).product();
        if len > MAX_VALUES_PER_VARIABLE {
            return Err(Error::Limits {
                what: format!("{source}: values of variable {}", var.name()),
                requested: len as u64,
                limit: MAX_VALUES_PER_VARIABLE as u64,
            });
        }
        let mut values = var.get::<f32, _>(..).map_err(nc)?;
        for key in ["_FillValue", "missing_value"] {
            if let Some(fill) = number_attribute(&var, key) {
                let fill = fill as f32;
                values.mapv_inplace(|v| if v == fill { f32::NAN } else { v });
            }
        }
        let units = text_attribute(&var, "units").unwrap_or_default();
        if grid_mapping.is_none() {
            grid_mapping = text_attribute(&var, "grid_mapping");
        }
        let shape = values.shape().to_vec();
        let reshape_error = |e: ndarray::ShapeError| bad(format!("variable {}: {e}", var.name()));
        match members_first {
            None => fields.push(ReadField {
                name: var.name(),
                units,
                values: values
                    .into_shape_with_order((shape[0], shape[1], shape[2]))
                    .map_err(reshape_error)?,
            }),
            Some(first) => {
                let values = values
                    .into_shape_with_order((shape[0], shape[1], shape[2], shape[3]))
                    .map_err(reshape_error)?;
                let values = if first {
                    values
                        .permuted_axes([1, 0, 2, 3])
                        .as_standard_layout()
                        .into_owned()
                } else {
                    values
                };
                ensembles.push(ReadEnsemble {
                    name: var.name(),
                    units,
                    values,
                });
            }
        }
    }
    if fields.is_empty() && ensembles.is_empty() {
        return Err(bad(
            "no floating-point variable on (time, y, x) or (time, realization, y, x)".into(),
        ));
    }

    let (x0, dx) = regular_axis(&file, "x", &bad)?;
    let (y0, dy) = regular_axis(&file, "y", &bad)?;
    let dimension_len = |name: &str| file.dimension(name).map_or(0, |d| d.len());
    let projection = grid_mapping
        .as_deref()
        .and_then(|name| file.variable(name))
        .map(|crs| projection_of(&crs))
        .unwrap_or_else(|| Projection::from_proj_string("+proj=longlat +R=6371000"));
    let spec = GridSpec {
        projection,
        ny: dimension_len("y"),
        nx: dimension_len("x"),
        x0,
        y0,
        dx,
        dy,
    };

    let time = file
        .variable("time")
        .ok_or_else(|| bad("no time variable".into()))?;
    let time_units = text_attribute(&time, "units")
        .and_then(|u| TimeUnits::parse(&u))
        .ok_or_else(|| bad("the time variable has no CF time units".into()))?;
    let undated =
        text_attribute(&time, "comment").is_some_and(|c| c.contains("without a valid time"));
    let times = time
        .get_values::<f64, _>(..)
        .map_err(nc)?
        .into_iter()
        .map(|t| {
            if undated && t == 0.0 {
                Ok(None)
            } else {
                time_units
                    .instant(t)
                    .map(Some)
                    .ok_or_else(|| bad(format!("time value {t} is out of range")))
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let reference_time = match file.variable("forecast_reference_time") {
        Some(var) => {
            let units = text_attribute(&var, "units")
                .and_then(|u| TimeUnits::parse(&u))
                .ok_or_else(|| bad("forecast_reference_time has no CF time units".into()))?;
            let value = var.get_value::<f64, _>(..).map_err(nc)?;
            units.instant(value)
        }
        None => None,
    };
    Ok(CfFields {
        spec,
        times,
        reference_time,
        fields,
        ensembles,
    })
}

/// Format name in decoding errors.
const FORMAT_NAME: &str = "CF-NetCDF grid";

/// A text attribute of a variable.
fn text_attribute(var: &netcdf::Variable<'_>, key: &str) -> Option<String> {
    match var.attribute_value(key)?.ok()? {
        netcdf::AttributeValue::Str(s) => Some(s.trim_end_matches('\0').trim().to_owned()),
        _ => None,
    }
}

/// A numeric attribute holding one value, as f64.
fn number_attribute(var: &netcdf::Variable<'_>, key: &str) -> Option<f64> {
    use netcdf::AttributeValue as A;
    Some(match var.attribute_value(key)?.ok()? {
        A::Float(x) => x.into(),
        A::Double(x) => x,
        A::Short(x) => x.into(),
        A::Int(x) => x.into(),
        A::Schar(x) => x.into(),
        A::Uchar(x) => x.into(),
        A::Ushort(x) => x.into(),
        A::Uint(x) => x.into(),
        _ => return None,
    })
}

/// First value and step of a regularly spaced 1-D coordinate variable (step 1 for a single value).
fn regular_axis(
    file: &netcdf::File,
    name: &str,
    bad: &dyn Fn(String) -> Error,
) -> Result<(f64, f64)> {
    let values = file
        .variable(name)
        .ok_or_else(|| bad(format!("no {name} coordinate variable")))?
        .get_values::<f64, _>(..)
        .map_err(|e| bad(format!("{name}: {e}")))?;
    let (first, step) = match values.as_slice() {
        [] => return Err(bad(format!("the {name} coordinate is empty"))),
        [only] => (*only, 1.0),
        [a, b, ..] => (*a, b - a),
    };
    let n = values.len() as f64;
    let irregular = values
        .iter()
        .enumerate()
        .any(|(i, &v)| (v - (first + i as f64 * step)).abs() > 1e-6 * step.abs() * n.max(1.0));
    if !first.is_finite() || !step.is_finite() || step == 0.0 || irregular {
        return Err(bad(format!(
            "the {name} coordinate is not regularly spaced"
        )));
    }
    Ok((first, step))
}

/// The projection described by a CF grid-mapping variable: its `proj4_params`, else the CF mapping.
fn projection_of(crs: &netcdf::Variable<'_>) -> Projection {
    if let Some(proj) = text_attribute(crs, "proj4_params") {
        return Projection::from_proj_string(&proj);
    }
    match text_attribute(crs, "grid_mapping_name").as_deref() {
        Some("azimuthal_equidistant") => Projection::AzimuthalEquidistant {
            latitude_deg: number_attribute(crs, "latitude_of_projection_origin").unwrap_or(0.0),
            longitude_deg: number_attribute(crs, "longitude_of_projection_origin").unwrap_or(0.0),
        },
        _ => Projection::LonLat,
    }
}

/// One `(z, y, x)` variable for [`write_volume_fields`].
#[derive(Debug, Clone)]
pub struct Field3<'a> {
    /// Variable name.
    pub name: &'a str,
    /// Units.
    pub units: &'a str,
    /// Values `(z, y, x)`; `NaN` = no data.
    pub values: ndarray::ArrayView3<'a, f32>,
}

/// Writes a gridded volume at one time to a new CF-1.8 NetCDF-4 file: `(time, z, y, x)` variables on `heights_m`
/// (a `z` coordinate, m above mean sea level) and `(time, y, x)` variables (products), with the projection, the
/// `crs` grid mapping and 2-D latitude/longitude. `attributes` are added as global text attributes.
///
/// # Errors
/// [`Error::Parameter`] for no variables; [`Error::Shape`] if a field does not match the grid or the heights;
/// [`Error::Netcdf`] if the file cannot be created or written.
pub fn write_volume_fields(
    path: impl AsRef<Path>,
    spec: &GridSpec,
    heights_m: &[f64],
    time: Option<DateTime<Utc>>,
    volumes: &[Field3<'_>],
    fields: &[Field<'_>],
    attributes: &[(&str, String)],
) -> Result<()> {
    let path = path.as_ref();
    if volumes.is_empty() && fields.is_empty() {
        return Err(Error::parameter("fields", 0, "need at least one field"));
    }
    for f in volumes {
        if f.values.dim() != (heights_m.len(), spec.ny, spec.nx) {
            return Err(Error::Shape {
                what: format!("field {}", f.name),
                expected: format!("({}, {}, {})", heights_m.len(), spec.ny, spec.nx),
                found: format!("{:?}", f.values.dim()),
            });
        }
    }
    for f in fields {
        if f.values.dim() != (1, spec.ny, spec.nx) {
            return Err(Error::Shape {
                what: format!("field {}", f.name),
                expected: format!("(1, {}, {})", spec.ny, spec.nx),
                found: format!("{:?}", f.values.dim()),
            });
        }
    }
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let (mut file, has_lonlat) =
        create_grid_file(path, spec, &[time], "gridded radar volume and products")?;
    for (name, value) in attributes {
        file.add_attribute(name, value.as_str()).map_err(nc)?;
    }
    file.add_dimension("z", heights_m.len()).map_err(nc)?;
    let mut z = file.add_variable::<f64>("z", &["z"]).map_err(nc)?;
    z.put_attribute("standard_name", "altitude").map_err(nc)?;
    z.put_attribute("long_name", "height above mean sea level")
        .map_err(nc)?;
    z.put_attribute("axis", "Z").map_err(nc)?;
    z.put_attribute("units", "m").map_err(nc)?;
    z.put_attribute("positive", "up").map_err(nc)?;
    z.put(ndarray::ArrayView1::from(heights_m), ..)
        .map_err(nc)?;
    for f in volumes {
        let values = f.values.insert_axis(Axis(0)).into_dyn();
        add_data(
            &mut file,
            path,
            f.name,
            f.units,
            &["time", "z", "y", "x"],
            has_lonlat,
        )?
        .put(values.as_standard_layout().view(), ..)
        .map_err(nc)?;
    }
    add_fields(&mut file, path, fields, has_lonlat)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GridSpec;
    use chrono::{TimeZone, Utc};

    #[test]
    fn sequence_round_trips_through_netcdf() {
        let spec = GridSpec::centred_on(23.0, 113.0, 5, 1000.0).unwrap();
        let t0 = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
        let frames: Vec<Grid2> = (0..3)
            .map(|k| {
                let mut v = Array2::from_shape_fn((5, 5), |(r, c)| (k * 100 + r * 5 + c) as f32);
                v[[0, 0]] = f32::NAN;
                Grid2::new(
                    spec.clone(),
                    "DBZH",
                    "dBZ",
                    Some(t0 + chrono::Duration::minutes(6 * k as i64)),
                    v,
                )
                .unwrap()
            })
            .collect();
        let path = std::env::temp_dir().join(format!("squall-cf-{}.nc", std::process::id()));
        write_grid_sequence(&path, &frames).unwrap();
        let file = netcdf::open(&path).unwrap();
        let data = file.variable("DBZH").unwrap().get::<f32, _>(..).unwrap();
        assert_eq!(data.shape(), &[3, 5, 5]);
        assert_eq!(data[[2, 4, 3]], 223.0);
        assert!(data[[1, 0, 0]].is_nan());
        let times = file.variable("time").unwrap().get::<f64, _>(..).unwrap();
        assert_eq!(times[1] - times[0], 360.0);
        let lat = file.variable("lat").unwrap().get::<f64, _>(..).unwrap();
        assert!((lat[[2, 2]] - 23.0).abs() < 1e-9 && lat[[4, 2]] > lat[[0, 2]]);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn forecast_with_ensemble_round_trips() {
        // A north-up grid (dy < 0) as composites have.
        let spec = GridSpec {
            dy: -1000.0,
            y0: 1500.0,
            ..GridSpec::centred_on(50.0, 5.0, 4, 1000.0).unwrap()
        };
        let t0 = Utc.with_ymd_and_hms(2021, 7, 4, 16, 0, 0).unwrap();
        let times: Vec<_> = (1..=3)
            .map(|k| Some(t0 + chrono::Duration::minutes(5 * k)))
            .collect();
        let field = Array3::from_shape_fn((3, 4, 4), |(t, r, c)| (t * 16 + r * 4 + c) as f32);
        let mut members = Array4::from_shape_fn((3, 2, 4, 4), |(t, m, r, c)| {
            (1000 * m + t * 16 + r * 4 + c) as f32
        });
        members[[2, 1, 3, 3]] = f32::NAN;
        let path = std::env::temp_dir().join(format!("squall-cf-ens-{}.nc", std::process::id()));
        write_forecast(
            &path,
            &spec,
            &times,
            &[Field {
                name: "rainfall_rate",
                units: "mm/h",
                values: field.view(),
            }],
            &[EnsembleField {
                name: "rainfall_rate_ensemble",
                units: "mm/h",
                values: members.view(),
            }],
        )
        .unwrap();
        let read = read_fields(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(read.spec, spec);
        assert_eq!(read.times, times);
        assert_eq!(read.reference_time, None);
        assert_eq!(read.fields.len(), 1);
        assert_eq!(read.fields[0].name, "rainfall_rate");
        assert_eq!(read.fields[0].units, "mm/h");
        assert_eq!(read.fields[0].values, field);
        assert_eq!(read.ensembles.len(), 1);
        let e = &read.ensembles[0].values;
        assert_eq!(e.dim(), (3, 2, 4, 4));
        assert!(e[[2, 1, 3, 3]].is_nan());
        assert_eq!(e[[2, 1, 3, 2]], 1000.0 + 32.0 + 14.0);
    }

    #[test]
    fn members_first_files_are_reordered() {
        // pysteps' exporter layout: (ens_number, time, y, x), time in minutes.
        let path =
            std::env::temp_dir().join(format!("squall-cf-pysteps-{}.nc", std::process::id()));
        {
            let mut file = netcdf::create(&path).unwrap();
            for (d, n) in [("ens_number", 2), ("time", 3), ("y", 2), ("x", 2)] {
                file.add_dimension(d, n).unwrap();
            }
            let mut x = file.add_variable::<f64>("x", &["x"]).unwrap();
            x.put_values(&[0.5, 1.5], ..).unwrap();
            let mut y = file.add_variable::<f64>("y", &["y"]).unwrap();
            y.put_values(&[10.0, 8.0], ..).unwrap();
            let mut t = file.add_variable::<f64>("time", &["time"]).unwrap();
            t.put_attribute("units", "minutes since 2021-07-04 16:00:00")
                .unwrap();
            t.put_values(&[5.0, 10.0, 15.0], ..).unwrap();
            let mut p = file
                .add_variable::<f32>("precip_intensity", &["ens_number", "time", "y", "x"])
                .unwrap();
            let values = Array4::from_shape_fn((2, 3, 2, 2), |(m, t, r, c)| {
                (m * 100 + t * 10 + r * 2 + c) as f32
            });
            p.put(values.view(), ..).unwrap();
        }
        let read = read_fields(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert!(read.fields.is_empty());
        let e = &read.ensembles[0].values;
        assert_eq!(e.dim(), (3, 2, 2, 2));
        assert_eq!(e[[2, 1, 1, 0]], 100.0 + 20.0 + 2.0);
        assert_eq!(
            (read.spec.x0, read.spec.dx, read.spec.y0, read.spec.dy),
            (0.5, 1.0, 10.0, -2.0)
        );
        let t0 = Utc.with_ymd_and_hms(2021, 7, 4, 16, 5, 0).unwrap();
        assert_eq!(read.times[0], Some(t0));
    }

    #[test]
    fn files_without_grids_are_refused() {
        let path = std::env::temp_dir().join(format!("squall-cf-empty-{}.nc", std::process::id()));
        {
            let mut file = netcdf::create(&path).unwrap();
            file.add_dimension("n", 2).unwrap();
            file.add_variable::<f32>("z", &["n"]).unwrap();
        }
        let result = read_fields(&path);
        std::fs::remove_file(&path).unwrap();
        let message = result.unwrap_err().to_string();
        assert!(
            message.contains("no floating-point variable on (time, y, x)"),
            "{message}"
        );
    }

    #[test]
    fn mismatched_frames_are_refused() {
        let spec = GridSpec::centred_on(0.0, 0.0, 3, 1000.0).unwrap();
        let a = Grid2::new(spec.clone(), "DBZH", "dBZ", None, Array2::zeros((3, 3))).unwrap();
        let b = Grid2::new(spec, "rainfall_rate", "mm h-1", None, Array2::zeros((3, 3))).unwrap();
        let path = std::env::temp_dir().join("squall-never-written.nc");
        assert!(matches!(
            write_grid_sequence(&path, &[a, b]),
            Err(Error::Shape { .. })
        ));
        assert!(matches!(
            write_grid_sequence(&path, &[]),
            Err(Error::Parameter { .. })
        ));
        assert!(!path.exists());
    }
}
