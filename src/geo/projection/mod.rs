//! Map projections: the azimuthal equidistant radar grid, the stereographic, Lambert conformal conic and Albers
//! equal-area projections of national radar composites (spherical or ellipsoidal), and PROJ strings.
//!
//! Each projection is a file named after it; this module holds the [`Projection`] enum that dispatches to them
//! and the PROJ-string reading and writing ([`Projection::from_proj_string`], [`Projection::proj_string`]).
//!
//! # References
//! Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395. doi:10.3133/pp1395.

mod albers_equal_area;
mod azimuthal_equidistant;
mod ellipsoid;
mod lambert_conformal_conic;
mod proj_string;
mod stereographic;

pub use albers_equal_area::AlbersEqualArea;
pub use ellipsoid::Ellipsoid;
pub use lambert_conformal_conic::LambertConformalConic;
pub use stereographic::{Stereographic, StereographicScale};

use serde::Serialize;

use super::EARTH_RADIUS_M;
use crate::error::{Error, Result};

/// A map projection. Coordinates `(x, y)` are metres east and north (or degrees for [`Projection::LonLat`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Projection {
    /// Azimuthal equidistant about a point (usually the radar) on a sphere of radius [`EARTH_RADIUS_M`]:
    /// distances and bearings from the centre are true.
    AzimuthalEquidistant {
        /// Latitude of the centre, degrees north.
        latitude_deg: f64,
        /// Longitude of the centre, degrees east.
        longitude_deg: f64,
    },
    /// Polar or oblique stereographic (conformal), e.g. the FMI composite.
    Stereographic(Stereographic),
    /// Lambert conformal conic, e.g. the RMI (Belgian Lambert) composite.
    LambertConformalConic(LambertConformalConic),
    /// Albers equal-area conic, e.g. the BoM Rainfields grids.
    AlbersEqualArea(AlbersEqualArea),
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
            } => Ok(azimuthal_equidistant::forward(
                *latitude_deg,
                *longitude_deg,
                lon_deg,
                lat_deg,
            )),
            Projection::Stereographic(p) => Ok(p.forward(lon_deg, lat_deg)),
            Projection::LambertConformalConic(p) => Ok(p.forward(lon_deg, lat_deg)),
            Projection::AlbersEqualArea(p) => Ok(p.forward(lon_deg, lat_deg)),
            Projection::LonLat => Ok((lon_deg, lat_deg)),
            Projection::Proj(s) => Err(Error::Unsupported(format!(
                "transforming coordinates of PROJ '{s}'"
            ))),
        }
    }

    /// The longitude/latitude in degrees of projected coordinates `(x, y)`; longitudes in [−180°, 180°].
    ///
    /// # Errors
    /// [`Error::Unsupported`] for [`Projection::Proj`].
    pub fn inverse(&self, x: f64, y: f64) -> Result<(f64, f64)> {
        match self {
            Projection::AzimuthalEquidistant {
                latitude_deg,
                longitude_deg,
            } => Ok(azimuthal_equidistant::inverse(
                *latitude_deg,
                *longitude_deg,
                x,
                y,
            )),
            Projection::Stereographic(p) => Ok(p.inverse(x, y)),
            Projection::LambertConformalConic(p) => Ok(p.inverse(x, y)),
            Projection::AlbersEqualArea(p) => Ok(p.inverse(x, y)),
            Projection::LonLat => Ok((x, y)),
            Projection::Proj(s) => Err(Error::Unsupported(format!(
                "transforming coordinates of PROJ '{s}'"
            ))),
        }
    }

    /// The PROJ string of this projection; [`Projection::from_proj_string`] reads it back to an equal value.
    ///
    /// ```
    /// use squall::geo::Projection;
    /// let p = Projection::from_proj_string("+proj=stere +lat_0=90 +lon_0=25 +lat_ts=60 +R=6371288");
    /// assert_eq!(
    ///     p.proj_string(),
    ///     "+proj=stere +lat_0=90 +lon_0=25 +lat_ts=60 +x_0=0 +y_0=0 +R=6371288 +units=m +no_defs"
    /// );
    /// ```
    pub fn proj_string(&self) -> String {
        proj_string::write(self)
    }

    /// Reads a PROJ string (`+key=value` tokens, as in ODIM's `projdef`). `aeqd` on a sphere of radius
    /// [`EARTH_RADIUS_M`] without false origin, `stere`, `lcc`, `aea` and `longlat` become the matching variant;
    /// anything else (another projection, a unit other than metres, a parameter Squall does not interpret) is kept
    /// as [`Projection::Proj`]. The earth is `+R`, `+a` with `+rf`, `+f` or `+b` (`+a` alone: a sphere),
    /// `+ellps=GRS80|WGS84|sphere`, `+datum=WGS84`, or PROJ's default WGS 84. `+towgs84` (a datum shift) does not
    /// change projected coordinates and is ignored.
    pub fn from_proj_string(text: &str) -> Projection {
        proj_string::parse(text).unwrap_or_else(|| Projection::Proj(text.trim().to_owned()))
    }
}

/// Longitude in degrees brought into [−180°, 180°] (unchanged when already there).
fn wrap_degrees(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        lon
    } else {
        (lon + 540.0).rem_euclid(360.0) - 180.0
    }
}

/// Angle in radians brought into [−π, π].
fn wrap_radians(angle: f64) -> f64 {
    wrap_degrees(angle.to_degrees()).to_radians()
}

/// The plane of a conic projection (Albers, Lambert): cone constant `n`, radius ρ₀ (m) of the latitude of origin,
/// central meridian λ₀ and false origin.
struct Cone {
    n: f64,
    rho0: f64,
    /// Central meridian λ₀ (degrees east), false easting and false northing (m).
    origin: (f64, f64, f64),
}

impl Cone {
    /// Plane coordinates (m) of the point at radius `rho` (m) and longitude `lon_deg` (degrees east), from the
    /// polar angle θ = n(λ − λ₀) (Snyder eqs. 14-1, 14-2 and 15-1, 15-2), with the false origin added.
    fn forward(&self, rho: f64, lon_deg: f64) -> (f64, f64) {
        let (lon0_deg, false_easting, false_northing) = self.origin;
        let dlam = wrap_radians((lon_deg - lon0_deg).to_radians());
        let (sin, cos) = (self.n * dlam).sin_cos();
        (
            rho * sin + false_easting,
            self.rho0 - rho * cos + false_northing,
        )
    }

    /// The signed radius ρ (m) and the longitude (degrees east) of `(x, y)` (m) (false origin removed; Snyder
    /// eqs. 14-10, 14-11 and 15-10, 15-11 — for a negative cone constant `n` the signs of ρ, x and ρ₀ − y are
    /// reversed).
    fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let (lon0_deg, false_easting, false_northing) = self.origin;
        let (x, y) = (x - false_easting, y - false_northing);
        let s = self.n.signum();
        let dy = self.rho0 - y;
        let (rho, theta) = (s * x.hypot(dy), (s * x).atan2(s * dy));
        (rho, wrap_degrees(lon0_deg + (theta / self.n).to_degrees()))
    }
}

/// The standard parallels `(φ₁, φ₂)` in radians from degrees, and the cone constant: sin φ₁ for one parallel
/// (φ₁ = φ₂; Snyder eqs. 14-15 and 15-8), else `secant(φ₁, φ₂)`.
fn cone_constant(
    parallels_deg: (f64, f64),
    secant: impl FnOnce(f64, f64) -> f64,
) -> (f64, f64, f64) {
    let (phi1, phi2) = (parallels_deg.0.to_radians(), parallels_deg.1.to_radians());
    let n = if (phi1 - phi2).abs() < 1e-10 {
        phi1.sin()
    } else {
        secant(phi1, phi2)
    };
    (phi1, phi2, n)
}

/// Checks a projection against points projected by pyproj 3.7.2 (PROJ 9.5.1): `cases` are `(lon, lat, x, y)`;
/// forward to 1 mm, inverse to 1e-9°.
#[cfg(test)]
fn assert_matches_proj(p: &Projection, cases: &[(f64, f64, f64, f64)]) {
    for &(lon, lat, x, y) in cases {
        let (fx, fy) = p.forward(lon, lat).expect("a projection Squall transforms");
        assert!(
            (fx - x).abs() < 1e-3 && (fy - y).abs() < 1e-3,
            "{p:?} ({lon}, {lat}): ({fx}, {fy}) vs ({x}, {y})"
        );
        let (ilon, ilat) = p.inverse(x, y).expect("a projection Squall transforms");
        approx::assert_relative_eq!(ilon, lon, epsilon = 1e-9);
        approx::assert_relative_eq!(ilat, lat, epsilon = 1e-9);
    }
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
