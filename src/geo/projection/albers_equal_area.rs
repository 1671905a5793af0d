//! Albers equal-area conic projection with one or two standard parallels, on a sphere or an ellipsoid (PROJ
//! `+proj=aea`, CF `albers_conical_equal_area`).
//!
//! # References
//! Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395, ch. 14, eqs. 14-3
//! to 14-4 and 14-12 to 14-15 (forward), 14-19, 14-11 and 3-16 (inverse), 3-12. doi:10.3133/pp1395.

use serde::Serialize;

use super::Ellipsoid;

/// Parameters of an Albers equal-area conic projection.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlbersEqualArea {
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

impl AlbersEqualArea {
    /// Projects longitude/latitude in degrees to `(x, y)` metres.
    pub fn forward(&self, lon_deg: f64, lat_deg: f64) -> (f64, f64) {
        let c = self.constants();
        let n = c.cone.n;
        let q = self.ellipsoid.q(lat_deg.to_radians());
        let rho = self.ellipsoid.semi_major_axis_m * (c.c - n * q).max(0.0).sqrt() / n;
        c.cone.forward(rho, lon_deg)
    }

    /// The longitude/latitude in degrees of `(x, y)` metres.
    pub fn inverse(&self, x: f64, y: f64) -> (f64, f64) {
        let c = self.constants();
        let (n, a) = (c.cone.n, self.ellipsoid.semi_major_axis_m);
        let (rho, lon_deg) = c.cone.inverse(x, y);
        let q = (c.c - (rho * n / a).powi(2)) / n;
        (lon_deg, self.ellipsoid.phi_from_q(q).to_degrees())
    }

    /// The cone constant `n` (eq. 14-14, or sin φ₁ for one parallel), `C` (eq. 14-13) and ρ₀ (eq. 14-12).
    fn constants(&self) -> Constants {
        let ell = &self.ellipsoid;
        let (phi1, _, n) = super::cone_constant(self.standard_parallels_deg, |phi1, phi2| {
            let (m1, m2) = (ell.m(phi1), ell.m(phi2));
            (m1 * m1 - m2 * m2) / (ell.q(phi2) - ell.q(phi1))
        });
        let (m1, q1) = (ell.m(phi1), ell.q(phi1));
        let c = m1 * m1 + n * q1;
        let q0 = ell.q(self.latitude_origin_deg.to_radians());
        let rho0 = ell.semi_major_axis_m * (c - n * q0).max(0.0).sqrt() / n;
        let origin = (
            self.longitude_origin_deg,
            self.false_easting_m,
            self.false_northing_m,
        );
        Constants {
            cone: super::Cone { n, rho0, origin },
            c,
        }
    }
}

struct Constants {
    cone: super::Cone,
    c: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// `(lon, lat, x, y)` from pyproj 3.7.2 (PROJ 9.5.1); forward to 1 mm, inverse to 1e-9°.
    fn check(p: &AlbersEqualArea, cases: &[(f64, f64, f64, f64)]) {
        crate::geo::projection::assert_matches_proj(
            &crate::geo::Projection::AlbersEqualArea(p.clone()),
            cases,
        );
    }

    #[test]
    fn southern_cone_of_the_bom_grid_matches_proj() {
        // Both standard parallels south of the equator: n < 0.
        let p = AlbersEqualArea {
            standard_parallels_deg: (-18.0, -36.0),
            latitude_origin_deg: -37.852,
            longitude_origin_deg: 144.752,
            false_easting_m: 0.0,
            false_northing_m: 0.0,
            ellipsoid: Ellipsoid::GRS80,
        };
        check(
            &p,
            &[
                (144.752, -37.852, 0.0, 0.0),
                (143.32, -36.69, -128254.40678013871, 127708.61319439732),
                (146.2, -39.0, 126799.67581211914, -127074.10903376306),
            ],
        );
    }

    #[test]
    fn northern_cone_matches_proj() {
        let p = AlbersEqualArea {
            standard_parallels_deg: (29.5, 45.5),
            latitude_origin_deg: 23.0,
            longitude_origin_deg: -96.0,
            false_easting_m: 0.0,
            false_northing_m: 0.0,
            ellipsoid: Ellipsoid::WGS84,
        };
        check(
            &p,
            &[
                (-96.0, 23.0, 0.0, 0.0),
                (-120.0, 47.0, -1814348.8165625741, 2898017.013534159),
                (-75.0, 30.0, 2007605.8255198004, 992097.5201771477),
            ],
        );
        // On a sphere the projection is equal-area: the whole earth maps onto 4πR².
        let sphere = AlbersEqualArea {
            ellipsoid: Ellipsoid::sphere(1.0),
            ..p
        };
        let (_, y_north) = sphere.forward(-96.0, 90.0);
        let (_, y_south) = sphere.forward(-96.0, -90.0);
        let n = (29.5f64.to_radians().sin() + 45.5f64.to_radians().sin()) / 2.0;
        let (rho_n, rho_s) = (
            sphere.constants().cone.rho0 - y_north,
            sphere.constants().cone.rho0 - y_south,
        );
        // Area of the annulus between the pole circles, on a cone of opening 2πn: πn(ρ_s² − ρ_n²).
        assert_relative_eq!(
            std::f64::consts::PI * n * (rho_s * rho_s - rho_n * rho_n),
            4.0 * std::f64::consts::PI,
            max_relative = 1e-12
        );
    }
}
