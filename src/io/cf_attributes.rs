//! CF attributes that every Squall NetCDF output carries: the grid-mapping variable of each projection
//! (CF 1.8 section 5.6 and appendix F) and descriptive `long_name`s of the variables (section 3.2).
//!
//! # References
//! Eaton, B. et al., 2020: *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.8, appendix F
//! (grid mappings: `azimuthal_equidistant`, `polar_stereographic`, `stereographic`, `lambert_conformal_conic`,
//! `albers_conical_equal_area`, `latitude_longitude`).

use crate::geo::{
    EARTH_RADIUS_M, Projection, projection::Ellipsoid, projection::StereographicScale,
};

/// Writes the CF grid-mapping attributes of `projection` on the `crs` variable; returns false for a projection
/// known only as a PROJ string (it has no CF mapping: only `proj4_params` describes it).
///
/// # Errors
/// The NetCDF library's.
pub(crate) fn put_grid_mapping(
    crs: &mut netcdf::VariableMut<'_>,
    projection: &Projection,
) -> netcdf::Result<bool> {
    let mut ellipsoid = None;
    let (name, numbers): (&str, Vec<(&str, f64)>) = match projection {
        Projection::AzimuthalEquidistant {
            latitude_deg,
            longitude_deg,
        } => (
            "azimuthal_equidistant",
            vec![
                ("latitude_of_projection_origin", *latitude_deg),
                ("longitude_of_projection_origin", *longitude_deg),
                ("false_easting", 0.0),
                ("false_northing", 0.0),
            ],
        ),
        Projection::LonLat => ("latitude_longitude", vec![]),
        Projection::Stereographic(p) => {
            ellipsoid = Some(p.ellipsoid);
            let polar = (p.latitude_origin_deg.abs() - 90.0).abs() < 1e-9;
            let mut numbers = vec![
                ("latitude_of_projection_origin", p.latitude_origin_deg),
                ("false_easting", p.false_easting_m),
                ("false_northing", p.false_northing_m),
            ];
            match (polar, p.scale) {
                (true, StereographicScale::TrueScaleLatitude(lat)) => {
                    numbers.push(("standard_parallel", lat));
                }
                (_, StereographicScale::ScaleFactor(k)) => {
                    numbers.push(("scale_factor_at_projection_origin", k));
                }
                // An oblique projection ignores lat_ts and uses k0 = 1 (as PROJ does).
                (false, StereographicScale::TrueScaleLatitude(_)) => {
                    numbers.push(("scale_factor_at_projection_origin", 1.0));
                }
            }
            if polar {
                numbers.push((
                    "straight_vertical_longitude_from_pole",
                    p.longitude_origin_deg,
                ));
                ("polar_stereographic", numbers)
            } else {
                numbers.push(("longitude_of_projection_origin", p.longitude_origin_deg));
                ("stereographic", numbers)
            }
        }
        Projection::LambertConformalConic(p) => {
            ellipsoid = Some(p.ellipsoid);
            put_parallels(crs, p.standard_parallels_deg)?;
            (
                "lambert_conformal_conic",
                conic(
                    p.longitude_origin_deg,
                    p.latitude_origin_deg,
                    p.false_easting_m,
                    p.false_northing_m,
                ),
            )
        }
        Projection::AlbersEqualArea(p) => {
            ellipsoid = Some(p.ellipsoid);
            put_parallels(crs, p.standard_parallels_deg)?;
            (
                "albers_conical_equal_area",
                conic(
                    p.longitude_origin_deg,
                    p.latitude_origin_deg,
                    p.false_easting_m,
                    p.false_northing_m,
                ),
            )
        }
        _ => return Ok(false),
    };
    let mut put = |name: &str, value: f64| crs.put_attribute(name, value).map(|_| ());
    for (k, v) in numbers {
        put(k, v)?;
    }
    match ellipsoid.unwrap_or(Ellipsoid::sphere(EARTH_RADIUS_M)) {
        e if e.is_sphere() => put("earth_radius", e.semi_major_axis_m)?,
        e => {
            put("semi_major_axis", e.semi_major_axis_m)?;
            put("inverse_flattening", e.inverse_flattening)?;
        }
    }
    crs.put_attribute("grid_mapping_name", name)?;
    Ok(true)
}

fn conic(
    lon0: f64,
    lat0: f64,
    false_easting: f64,
    false_northing: f64,
) -> Vec<(&'static str, f64)> {
    vec![
        ("longitude_of_central_meridian", lon0),
        ("latitude_of_projection_origin", lat0),
        ("false_easting", false_easting),
        ("false_northing", false_northing),
    ]
}

/// One value when the two standard parallels are equal (the one-parallel case), else both.
fn put_parallels(crs: &mut netcdf::VariableMut<'_>, (a, b): (f64, f64)) -> netcdf::Result<()> {
    if a == b {
        crs.put_attribute("standard_parallel", a)?;
    } else {
        crs.put_attribute("standard_parallel", vec![a, b])?;
    }
    Ok(())
}

/// A `long_name` for a variable Squall writes: a description of the radar moments and storm products, else the
/// name with underscores as spaces.
pub(crate) fn long_name(name: &str) -> String {
    let known = match name {
        "DBZH" | "DBTH" => "equivalent reflectivity factor (horizontal polarisation)",
        "ZDR" => "log differential reflectivity",
        "KDP" => "specific differential phase",
        "RHOHV" => "co-polar correlation coefficient",
        "VRADH" => "radial velocity of scatterers away from the radar",
        "rainfall_rate" => "rain rate",
        "rainfall_rate_mean" => "ensemble mean rain rate",
        "composite_reflectivity" => "column maximum reflectivity",
        "cappi_reflectivity" => "constant-altitude plan position indicator reflectivity",
        "vil" => "vertically integrated liquid",
        "vil_density" => {
            "vertically integrated liquid density (VIL divided by the 18 dBZ echo top)"
        }
        "mesh" => "maximum expected size of hail",
        "shi" => "severe hail index",
        "posh" => "probability of severe hail",
        "poh" => "probability of hail",
        "hdr_max" => "column maximum hail differential reflectivity",
        "zdr_column_depth" => "depth of the ZDR column above the freezing level",
        "heavy_rain" => "heavy rain mask",
        _ => "",
    };
    if !known.is_empty() {
        return known.to_owned();
    }
    match name.strip_prefix("echo_top_") {
        Some(threshold) => format!("echo top height of {threshold}"),
        None => name.replace('_', " "),
    }
}
