//! Lambert conformal conic projection with one or two standard parallels, on a sphere or an ellipsoid (PROJ
//! `+proj=lcc`).
//!
//! # References
//! Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395, ch. 15, eqs. 15-7
//! to 15-11 (forward), 15-9 and 7-9 (inverse), 14-15. doi:10.3133/pp1395.

use serde::Serialize;

use super::Ellipsoid;

/// Parameters of a Lambert conformal conic projection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LambertConformalConic {
    /// The two standard parallels `lat_1`, `lat_2`, degrees north (equal for the one-parallel case).
    pub standard_parallels_deg: (f64, f64),
    /// Latitude of the origin of `y`, `lat_0`, degrees north.
    pub latitude_origin_deg: f64,
    /// Central meridian `lon_0`, degrees east.
    pub longitude_origin_deg: f64,
    /// Added to `x`, metres (`x_0`).
    pub false_easting_m: f64,
    /// Added to `y`, metres (`y_0`).
    pub false_northing_m: f64,
    /// Figure of the earth.
    pub ellipsoid: Ellipsoid,
}

impl LambertConformalConic {
    /// Projects longitude/latitude in degrees to `(x, y)` metres.
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        let c = self.constants();
        let rho = c.a_f * self.ellipsoid.t(lat_deg.to_radians()).powf(c.cone.n);
        c.cone.forward(rho, lon_deg)
    }

    /// The longitude/latitude in degrees of `(x, y)` metres.
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let c = self.constants();
        let n = c.cone.n;
        let (rho, lon_deg) = c.cone.inverse(x, y);
        let phi = if rho == 0.0 {
            std::f64::consts::FRAC_PI_2.copysign(n)
        } else {
            self.ellipsoid.phi_from_t((rho / c.a_f).powf(1.0 / n))
        };
        (lon_deg, phi.to_degrees())
    }

    /// The cone constant `n` (eq. 15-8, or sin φ₁ for one parallel), `a·F` (eq. 15-10) and ρ₀ (eq. 15-7).
    fn constants(&self) -> Constants {
        let ell = &self.ellipsoid;
        let (phi1, _, n) = super::cone_constant(self.standard_parallels_deg, |phi1, phi2| {
            (ell.m(phi1).ln() - ell.m(phi2).ln()) / (ell.t(phi1).ln() - ell.t(phi2).ln())
        });
        let (m1, t1) = (ell.m(phi1), ell.t(phi1));
        let a_f = ell.semi_major_axis_m * m1 / (n * t1.powf(n));
        let rho0 = a_f * ell.t(self.latitude_origin_deg.to_radians()).powf(n);
        let origin = (
            self.longitude_origin_deg,
            self.false_easting_m,
            self.false_northing_m,
        );
        Constants {
            cone: super::Cone { n, rho0, origin },
            a_f,
        }
    }
}

struct Constants {
    cone: super::Cone,
    a_f: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(lon, lat, x, y)` from pyproj 3.7.2 (PROJ 9.5.1); forward to 1 mm, inverse to 1e-9°.
    fn check(p: &LambertConformalConic, cases: &[(f64, f64, f64, f64)]) {
        crate::geo::projection::assert_matches_proj(
            &crate::geo::Projection::LambertConformalConic(p.clone()),
            cases,
        );
    }

    #[test]
    fn belgian_lambert_matches_proj() {
        // The RMI composite grid's projdef (GRS80).
        let p = LambertConformalConic {
            standard_parallels_deg: (49.83333333333334, 51.16666666666666),
            latitude_origin_deg: 50.797815,
            longitude_origin_deg: 4.359215833333333,
            false_easting_m: 649328.0,
            false_northing_m: 665262.0,
            ellipsoid: Ellipsoid::GRS80,
        };
        check(
            &p,
            &[
                (4.359215833333333, 50.797815, 649328.0000000002, 665262.0),
                (
                    -0.9254649843189054,
                    53.692855918413244,
                    299999.99999995524,
                    999999.999999369,
                ),
                (
                    9.002880462737082,
                    47.416038111979354,
                    1000000.0000001197,
                    299999.9999980905,
                ),
            ],
        );
    }

    #[test]
    fn one_parallel_sphere_matches_proj() {
        let p = LambertConformalConic {
            standard_parallels_deg: (45.0, 45.0),
            latitude_origin_deg: 45.0,
            longitude_origin_deg: 10.0,
            false_easting_m: 0.0,
            false_northing_m: 0.0,
            ellipsoid: Ellipsoid::sphere(6_371_000.0),
        };
        check(
            &p,
            &[
                (10.0, 45.0, 0.0, 0.0),
                (20.0, 60.0, 576371.1852342477, 1724487.3159148903),
                (-5.0, 30.0, -1483041.600244624, -1548515.9277172836),
            ],
        );
    }
}
