//! Stereographic projection, polar and oblique aspects, on a sphere or an ellipsoid (PROJ `+proj=stere`).
//!
//! The polar aspect (`lat_0 = ±90°`) takes its scale either from a latitude of true scale `lat_ts`
//! (Snyder eq. 21-34) or from a scale factor `k_0` at the pole (eq. 21-33); the oblique and equatorial aspects
//! use `k_0` at the origin and the conformal latitude χ (eqs. 21-24 to 21-27, inverse 21-36 to 21-38). On a
//! sphere χ = φ and the formulas reduce to eqs. 21-2 to 21-4 and 21-5 to 21-7. This is the "stere" projection of
//! PROJ, not the double stereographic ("sterea", EPSG method 9809).
//!
//! # References
//! Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395, ch. 21
//! (Stereographic projection), pp. 154–163. doi:10.3133/pp1395.

use std::f64::consts::FRAC_PI_2;

use serde::Serialize;

use super::Ellipsoid;

/// Parameters of a stereographic projection (PROJ `+proj=stere`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stereographic {
    /// Latitude of the projection origin `lat_0`, degrees north (±90 for the polar aspect).
    pub latitude_origin_deg: f64,
    /// Longitude of the origin (the meridian pointing straight down from the north pole), `lon_0`, degrees east.
    pub longitude_origin_deg: f64,
    /// Where the scale is set.
    pub scale: StereographicScale,
    /// Added to `x`, metres (`x_0`).
    pub false_easting_m: f64,
    /// Added to `y`, metres (`y_0`).
    pub false_northing_m: f64,
    /// Figure of the earth.
    pub ellipsoid: Ellipsoid,
}

/// How the scale of a [`Stereographic`] projection is fixed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub enum StereographicScale {
    /// Scale factor `k_0` at the origin.
    ScaleFactor(f64),
    /// Latitude (degrees) along which the scale is true, `lat_ts`; polar aspect only (an oblique projection
    /// ignores it and uses `k_0 = 1`, as PROJ does).
    TrueScaleLatitude(f64),
}

/// An origin closer to a pole than this (radians) is the polar aspect.
const POLE_TOLERANCE: f64 = 1e-10;

impl Stereographic {
    /// Projects longitude/latitude in degrees to `(x, y)` metres. The antipode of the origin maps to infinity.
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        let a = self.ellipsoid.semi_major_axis_m;
        let phi = lat_deg.to_radians();
        let dlam = super::wrap_radians((lon_deg - self.longitude_origin_deg).to_radians());
        let (x, y) = if let Some(s) = self.pole_sign() {
            // Snyder p. 161: the south-polar case is the north-polar one with φ, λ − λ₀, x and y negated.
            let rho = self.polar_rho_per_t() * self.ellipsoid.t(s * phi);
            let (sin, cos) = (s * dlam).sin_cos();
            (s * rho * sin, -s * rho * cos)
        } else {
            let (chi1, m1) = self.oblique_constants();
            let chi = self.ellipsoid.conformal_latitude(phi);
            let (sin, cos) = dlam.sin_cos();
            let big_a = 2.0 * a * self.oblique_k0() * m1
                / (chi1.cos() * (1.0 + chi1.sin() * chi.sin() + chi1.cos() * chi.cos() * cos));
            (
                big_a * chi.cos() * sin,
                big_a * (chi1.cos() * chi.sin() - chi1.sin() * chi.cos() * cos),
            )
        };
        (x + self.false_easting_m, y + self.false_northing_m)
    }

    /// The longitude/latitude in degrees of `(x, y)` metres.
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let a = self.ellipsoid.semi_major_axis_m;
        let (x, y) = (x - self.false_easting_m, y - self.false_northing_m);
        let rho = x.hypot(y);
        let (lat, dlam) = if let Some(s) = self.pole_sign() {
            let phi = self.ellipsoid.phi_from_t(rho / self.polar_rho_per_t());
            let dlam = if rho == 0.0 {
                0.0
            } else {
                (s * x).atan2(-s * y)
            };
            (s * phi, s * dlam)
        } else {
            let (chi1, m1) = self.oblique_constants();
            if rho == 0.0 {
                return (self.longitude_origin_deg, self.latitude_origin_deg);
            }
            let ce = 2.0 * (rho * chi1.cos()).atan2(2.0 * a * self.oblique_k0() * m1);
            let (sin_ce, cos_ce) = ce.sin_cos();
            let chi = (cos_ce * chi1.sin() + y * sin_ce * chi1.cos() / rho)
                .clamp(-1.0, 1.0)
                .asin();
            let dlam = (x * sin_ce).atan2(rho * chi1.cos() * cos_ce - y * chi1.sin() * sin_ce);
            (self.ellipsoid.latitude_from_conformal(chi), dlam)
        };
        (
            super::wrap_degrees(self.longitude_origin_deg + dlam.to_degrees()),
            lat.to_degrees(),
        )
    }

    /// `Some(1.0)` for the north-polar aspect, `Some(-1.0)` for the south-polar one, `None` otherwise.
    fn pole_sign(&self) -> Option<f64> {
        let phi0 = self.latitude_origin_deg.to_radians();
        ((phi0.abs() - FRAC_PI_2).abs() < POLE_TOLERANCE).then(|| phi0.signum())
    }

    /// Polar aspect: `ρ/t`, from the latitude of true scale (Snyder eq. 21-34, `a·m_c/t_c`) or from `k_0`
    /// (eq. 21-33, `2a·k_0/√((1+e)^(1+e)(1−e)^(1−e))`).
    fn polar_rho_per_t(&self) -> f64 {
        let ell = &self.ellipsoid;
        let a = ell.semi_major_axis_m;
        let k0 = match self.scale {
            StereographicScale::TrueScaleLatitude(lat_ts) => {
                let phi_c = lat_ts.to_radians().abs();
                if (phi_c - FRAC_PI_2).abs() >= POLE_TOLERANCE {
                    return a * ell.m(phi_c) / ell.t(phi_c);
                }
                1.0
            }
            StereographicScale::ScaleFactor(k0) => k0,
        };
        let e = ell.eccentricity();
        2.0 * a * k0 / ((1.0 + e).powf(1.0 + e) * (1.0 - e).powf(1.0 - e)).sqrt()
    }

    /// Oblique aspect: conformal latitude of the origin χ₁ and `m₁ = m(φ₁)`.
    fn oblique_constants(&self) -> (f64, f64) {
        let phi1 = self.latitude_origin_deg.to_radians();
        (
            self.ellipsoid.conformal_latitude(phi1),
            self.ellipsoid.m(phi1),
        )
    }

    fn oblique_k0(&self) -> f64 {
        match self.scale {
            StereographicScale::ScaleFactor(k0) => k0,
            StereographicScale::TrueScaleLatitude(_) => 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stere(
        lat0: f64,
        lon0: f64,
        scale: StereographicScale,
        ellipsoid: Ellipsoid,
    ) -> Stereographic {
        Stereographic {
            latitude_origin_deg: lat0,
            longitude_origin_deg: lon0,
            scale,
            false_easting_m: 0.0,
            false_northing_m: 0.0,
            ellipsoid,
        }
    }

    /// `(lon, lat, x, y)` from pyproj 3.7.2 (PROJ 9.5.1); forward to 1 mm, inverse to 1e-9°.
    fn check(p: &Stereographic, cases: &[(f64, f64, f64, f64)]) {
        crate::geo::projection::assert_matches_proj(
            &crate::geo::Projection::Stereographic(p.clone()),
            cases,
        );
    }

    #[test]
    fn polar_sphere_with_true_scale_latitude_matches_proj() {
        // FMI's SUOMI1 grid: +proj=stere +lat_0=90 +lon_0=25 +lat_ts=60 +R=6371288.
        let p = stere(
            90.0,
            25.0,
            StereographicScale::TrueScaleLatitude(60.0),
            Ellipsoid::sphere(6_371_288.0),
        );
        check(
            &p,
            &[
                (25.0, 60.0, 0.0, -3185644.000000001),
                (18.6, 57.93, -380886.3050176741, -3395677.9102680148),
                (34.903, 69.005, 378865.9752757065, -2170133.2611086504),
            ],
        );
    }

    #[test]
    fn polar_ellipsoid_matches_proj() {
        let north = stere(
            90.0,
            -45.0,
            StereographicScale::TrueScaleLatitude(70.0),
            Ellipsoid::WGS84,
        );
        check(
            &north,
            &[
                (-45.0, 70.0, 0.0, -2187927.649279021),
                (10.0, 80.0, 889533.831544467, -622858.294340002),
                (-170.0, 55.0, -3202202.035344829, 2242206.0040189256),
            ],
        );
        let south = stere(
            -90.0,
            0.0,
            StereographicScale::TrueScaleLatitude(-71.0),
            Ellipsoid::WGS84,
        );
        check(
            &south,
            &[
                (0.0, -71.0, 0.0, 2082760.1085429136),
                (120.0, -80.0, 943257.0778523809, -544589.7278130916),
                (-60.0, -65.0, -2388932.766882399, 1379250.976035471),
            ],
        );
        // Universal polar stereographic (north): k_0 = 0.994 at the pole, false origin 2000 km.
        let ups = Stereographic {
            false_easting_m: 2e6,
            false_northing_m: 2e6,
            ..stere(
                90.0,
                0.0,
                StereographicScale::ScaleFactor(0.994),
                Ellipsoid::WGS84,
            )
        };
        check(
            &ups,
            &[
                (0.0, 85.0, 2000000.0, 1444542.6086173223),
                (45.0, 88.0, 2157026.685952707, 1842973.3140472928),
                (-135.0, 84.0, 1528552.319520124, 2471447.6804798758),
            ],
        );
    }

    #[test]
    fn oblique_matches_proj() {
        let ellipsoidal = Stereographic {
            false_easting_m: 100.0,
            false_northing_m: -50.0,
            ..stere(
                52.0,
                10.0,
                StereographicScale::ScaleFactor(0.9999),
                Ellipsoid::GRS80,
            )
        };
        check(
            &ellipsoidal,
            &[
                (10.0, 52.0, 100.0, -50.0),
                (14.0, 48.0, 298776.09308394726, -437079.021784833),
                (3.0, 57.0, -425673.28373514226, 578070.5099659762),
            ],
        );
        let spherical = stere(
            45.0,
            -100.0,
            StereographicScale::ScaleFactor(1.0),
            Ellipsoid::sphere(6_371_000.0),
        );
        check(
            &spherical,
            &[
                (-100.0, 45.0, 0.0, 0.0),
                (-90.0, 30.0, 979335.3165754934, -1624906.9166970155),
                (-120.0, 60.0, -1120541.9671661318, 1835620.8991185508),
            ],
        );
    }

    #[test]
    fn pole_projects_to_the_origin() {
        let p = stere(
            90.0,
            25.0,
            StereographicScale::TrueScaleLatitude(60.0),
            Ellipsoid::GRS80,
        );
        let (x, y) = p.forward(123.0, 90.0);
        assert!(x.abs() < 1e-6 && y.abs() < 1e-6);
        let (lon, lat) = p.inverse(0.0, 0.0);
        assert_eq!((lon, lat), (25.0, 90.0));
    }
}
