//! CF-NetCDF output of gridded fields: `(time, y, x)` variables (a [`Grid2`] sequence, or several fields such as
//! the two motion components) with projection coordinates, a CF grid-mapping variable and 2-D latitude/longitude.
//!
//! # References
//! Eaton, B. et al., 2020: *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.8, sections 4
//! (coordinate types), 5.6 (grid mappings) and appendix F (`azimuthal_equidistant`, `latitude_longitude`).

use std::path::Path;

use chrono::{DateTime, Utc};
use ndarray::{Array1, Array2, Array3, ArrayView3, Axis};

use crate::error::{Error, Result};
use crate::geo::{EARTH_RADIUS_M, Grid2, GridSpec, Projection};

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
    let path = path.as_ref();
    if fields.is_empty() || times.is_empty() {
        return Err(Error::parameter(
            "fields",
            fields.len(),
            "need at least one field and one time",
        ));
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
    let title = format!("{} sequence", fields[0].name);
    let (mut file, has_lonlat) = create_grid_file(path, spec, times, &title)?;
    for f in fields {
        put_field(
            &mut file,
            path,
            f.name,
            f.units,
            &["time", "y", "x"],
            f.values.into_dyn(),
            has_lonlat,
        )?;
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
    file.add_dimension("time", times.len()).map_err(nc)?;
    file.add_dimension("y", ny).map_err(nc)?;
    file.add_dimension("x", nx).map_err(nc)?;

    let seconds: Array1<f64> = times
        .iter()
        .map(|t| t.map_or(0.0, |t| t.timestamp_millis() as f64 / 1000.0))
        .collect();
    let mut time = file.add_variable::<f64>("time", &["time"]).map_err(nc)?;
    time.put_attribute("standard_name", "time").map_err(nc)?;
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
        v.put_attribute("units", units).map_err(nc)?;
        v.put(values.view(), ..).map_err(nc)?;
    }

    let mut crs = file.add_variable::<i32>("crs", &[]).map_err(nc)?;
    match &spec.projection {
        Projection::AzimuthalEquidistant {
            latitude_deg,
            longitude_deg,
        } => {
            crs.put_attribute("grid_mapping_name", "azimuthal_equidistant")
                .map_err(nc)?;
            crs.put_attribute("latitude_of_projection_origin", *latitude_deg)
                .map_err(nc)?;
            crs.put_attribute("longitude_of_projection_origin", *longitude_deg)
                .map_err(nc)?;
            crs.put_attribute("false_easting", 0.0).map_err(nc)?;
            crs.put_attribute("false_northing", 0.0).map_err(nc)?;
            crs.put_attribute("earth_radius", EARTH_RADIUS_M)
                .map_err(nc)?;
        }
        Projection::LonLat => {
            crs.put_attribute("grid_mapping_name", "latitude_longitude")
                .map_err(nc)?;
            crs.put_attribute("earth_radius", EARTH_RADIUS_M)
                .map_err(nc)?;
        }
        // Other projections are described by proj4_params and the 2-D longitude/latitude written below.
        _ => {}
    }
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
            v.put_attribute("units", units).map_err(nc)?;
            v.put(values.view(), ..).map_err(nc)?;
        }
        has_lonlat = true;
    }

    Ok((file, has_lonlat))
}

/// Adds one compressed `f32` variable (`NaN` fill) on `dims` with its units, standard name and grid mapping.
fn put_field(
    file: &mut netcdf::FileMut,
    path: &Path,
    name: &str,
    units: &str,
    dims: &[&str],
    values: ndarray::ArrayViewD<'_, f32>,
    has_lonlat: bool,
) -> Result<()> {
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let mut var = file.add_variable::<f32>(name, dims).map_err(nc)?;
    var.set_compression(4, true).map_err(nc)?;
    var.set_fill_value(f32::NAN).map_err(nc)?;
    var.put_attribute("units", units).map_err(nc)?;
    if let Some(std) = standard_name(name) {
        var.put_attribute("standard_name", std).map_err(nc)?;
    }
    var.put_attribute("grid_mapping", "crs").map_err(nc)?;
    if has_lonlat {
        var.put_attribute("coordinates", "lat lon").map_err(nc)?;
    }
    var.put(values.as_standard_layout().view(), ..)
        .map_err(nc)?;
    Ok(())
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
    z.put_attribute("units", "m").map_err(nc)?;
    z.put_attribute("positive", "up").map_err(nc)?;
    z.put(ndarray::ArrayView1::from(heights_m), ..)
        .map_err(nc)?;
    for f in volumes {
        let values = f.values.insert_axis(Axis(0)).into_dyn();
        put_field(
            &mut file,
            path,
            f.name,
            f.units,
            &["time", "z", "y", "x"],
            values,
            has_lonlat,
        )?;
    }
    for f in fields {
        put_field(
            &mut file,
            path,
            f.name,
            f.units,
            &["time", "y", "x"],
            f.values.into_dyn(),
            has_lonlat,
        )?;
    }
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
