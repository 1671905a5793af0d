//! Map projections on a spherical earth.

use serde::Serialize;

use super::EARTH_RADIUS_M;
use crate::error::{Error, Result};

/// A map projection. Coordinates `(x, y)` are metres east and north (or degrees for [`Projection::LonLat`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Projection {
    /// Azimuthal equidistant about a point (usually the radar): distances and bearings from the centre are true.
    AzimuthalEquidistant {
        /// Latitude of the centre, degrees north.
        latitude_deg: f64,
        /// Longitude of the centre, degrees east.
        longitude_deg: f64,
    },
    /// Plain longitude/latitude in degrees (`x` = longitude, `y` = latitude).
    LonLat,
    /// Any other projection, carried as a PROJ string; coordinates cannot be transformed by Squall itself.
    Proj(String),
}

impl Projection {
    /// Projects a longitude/latitude in degrees to `(x, y)`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for [`Projection::Proj`].
    ///
    /// ```
    /// use squall::geo::Projection;
    /// let p = Projection::AzimuthalEquidistant { latitude_deg: 23.0, longitude_deg: 113.0 };
    /// let (x, y) = p.forward(113.0, 24.0).unwrap();
    /// assert!(x.abs() < 1e-6 && (y - 111_195.1).abs() < 1.0);
    /// ```
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> Result<(f64, f64)> {
        match self {
            Projection::AzimuthalEquidistant {
                latitude_deg,
                longitude_deg,
            } => Ok(aeqd_forward(
                *latitude_deg,
                *longitude_deg,
                lon_deg,
                lat_deg,
            )),
            Projection::LonLat => Ok((lon_deg, lat_deg)),
            Projection::Proj(s) => Err(Error::Unsupported(format!(
                "transforming coordinates of PROJ '{s}'"
            ))),
        }
    }

    /// The longitude/latitude in degrees of projected coordinates `(x, y)`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for [`Projection::Proj`].
    pub fn inverse(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        match self {
            Projection::AzimuthalEquidistant {
                latitude_deg,
                longitude_deg,
            } => Ok(aeqd_inverse(*latitude_deg, *longitude_deg, x, y)),
            Projection::LonLat => Ok((x, y)),
            Projection::Proj(s) => Err(Error::Unsupported(format!(
                "transforming coordinates of PROJ '{s}'"
            ))),
        }
    }

    /// The PROJ string of this projection (spherical earth for the built-in ones).
    pub fn proj_string(&self) -> String {
        match self {
            Projection::AzimuthalEquidistant {
                latitude_deg,
                longitude_deg,
            } => format!(
                "+proj=aeqd +lat_0={latitude_deg} +lon_0={longitude_deg} +R={EARTH_RADIUS_M} +units=m +no_defs"
            ),
            Projection::LonLat => "+proj=longlat +R=6371008.8 +no_defs".to_owned(),
            Projection::Proj(s) => s.clone(),
        }
    }
}

/// Azimuthal equidistant forward projection on a sphere.
///
/// # References
/// Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395, eqs. 25-2, 25-3, 4-4.
fn aeqd_forward(lat0: f64, lon0: f64, lon: f64, lat: f64) -> (f64, f64) {
    let (phi0, phi, dlam) = (
        lat0.to_radians(),
        lat.to_radians(),
        (lon - lon0).to_radians(),
    );
    let cos_c = (phi0.sin() * phi.sin() + phi0.cos() * phi.cos() * dlam.cos()).clamp(-1.0, 1.0);
    let c = cos_c.acos();
    let k = if c.abs() < 1e-12 { 1.0 } else { c / c.sin() };
    let x = EARTH_RADIUS_M * k * phi.cos() * dlam.sin();
    let y = EARTH_RADIUS_M * k * (phi0.cos() * phi.sin() - phi0.sin() * phi.cos() * dlam.cos());
    (x, y)
}

/// Azimuthal equidistant inverse projection on a sphere (Snyder 1987, eqs. 20-14, 20-15, 25-15).
fn aeqd_inverse(lat0: f64, lon0: f64, x: f64, y: f64) -> (f64, f64) {
    let rho = x.hypot(y);
    if rho < 1e-9 {
        return (lon0, lat0);
    }
    let c = rho / EARTH_RADIUS_M;
    let phi0 = lat0.to_radians();
    let lat = (c.cos() * phi0.sin() + y * c.sin() * phi0.cos() / rho)
        .clamp(-1.0, 1.0)
        .asin();
    let lon = lon0.to_radians()
        + (x * c.sin()).atan2(rho * phi0.cos() * c.cos() - y * phi0.sin() * c.sin());
    let lon_deg = (lon.to_degrees() + 540.0).rem_euclid(360.0) - 180.0;
    (lon_deg, lat.to_degrees())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn aeqd_round_trip() {
        let p = Projection::AzimuthalEquidistant {
            latitude_deg: 23.1447,
            longitude_deg: 113.0106,
        };
        for &(x, y) in &[
            (0.0, 0.0),
            (150_000.0, -75_000.0),
            (-300_000.0, 200_000.0),
            (1.0, 1.0),
        ] {
            let (lon, lat) = p.inverse(x, y).unwrap();
            let (x2, y2) = p.forward(lon, lat).unwrap();
            assert_relative_eq!(x2, x, epsilon = 1e-5);
            assert_relative_eq!(y2, y, epsilon = 1e-5);
        }
    }

    #[test]
    fn aeqd_distance_is_great_circle_distance() {
        // 1° of longitude along the equator is R·π/180.
        let p = Projection::AzimuthalEquidistant {
            latitude_deg: 0.0,
            longitude_deg: 0.0,
        };
        let (x, y) = p.forward(1.0, 0.0).unwrap();
        assert_relative_eq!(
            x,
            EARTH_RADIUS_M * std::f64::consts::PI / 180.0,
            max_relative = 1e-12
        );
        assert_relative_eq!(y, 0.0, epsilon = 1e-6);
    }

    #[test]
    fn proj_strings_are_refused_for_transforms() {
        let p = Projection::Proj("+proj=stere +lat_0=90".into());
        assert!(matches!(p.forward(0.0, 0.0), Err(Error::Unsupported(_))));
    }
}
