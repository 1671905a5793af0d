//! The figure of the earth for the conformal and equal-area projections, and the auxiliary latitudes they use.
//!
//! # References
//! Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395, ch. 3 (auxiliary
//! latitudes), eqs. 3-1, 3-4, 3-12, 3-16, 7-9, 14-15, 15-9. doi:10.3133/pp1395.

use std::f64::consts::FRAC_PI_2;

use serde::Serialize;

/// An ellipsoid of revolution (or a sphere, with zero flattening).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ellipsoid {
    /// Equatorial radius `a`, metres.
    pub semi_major_axis_m: f64,
    /// Inverse flattening `1/f = a/(a − b)`; 0 for a sphere (the CF and PROJ convention).
    pub inverse_flattening: f64,
}

/// Convergence of the latitude iterations, radians (≈ 0.6 µm on the ground).
const LATITUDE_TOLERANCE: f64 = 1e-13;
/// The iterations converge in fewer than 10 steps for every latitude; this bounds them on absurd input.
const MAX_ITERATIONS: usize = 30;

impl Ellipsoid {
    /// GRS 80 (a = 6 378 137 m, 1/f = 298.257222101).
    pub const GRS80: Ellipsoid = Ellipsoid {
        semi_major_axis_m: 6_378_137.0,
        inverse_flattening: 298.257_222_101,
    };
    /// WGS 84 (a = 6 378 137 m, 1/f = 298.257223563), PROJ's default ellipsoid.
    pub const WGS84: Ellipsoid = Ellipsoid {
        semi_major_axis_m: 6_378_137.0,
        inverse_flattening: 298.257_223_563,
    };

    /// A sphere of the given radius in metres.
    pub const fn sphere(radius_m: f64) -> Ellipsoid {
        Ellipsoid {
            semi_major_axis_m: radius_m,
            inverse_flattening: 0.0,
        }
    }

    /// An ellipsoid from its semi-major axis (m) and inverse flattening `1/f` (0 or infinite for a sphere, as in
    /// PROJ and CF).
    pub fn from_inverse_flattening(semi_major_axis_m: f64, inverse_flattening: f64) -> Ellipsoid {
        Ellipsoid {
            semi_major_axis_m,
            inverse_flattening: if inverse_flattening.is_finite() {
                inverse_flattening
            } else {
                0.0
            },
        }
    }

    /// Whether this is a sphere.
    pub fn is_sphere(&self) -> bool {
        self.inverse_flattening == 0.0
    }

    /// Flattening `f = (a − b)/a`.
    pub fn flattening(&self) -> f64 {
        if self.is_sphere() {
            0.0
        } else {
            1.0 / self.inverse_flattening
        }
    }

    /// First eccentricity `e = √(2f − f²)`.
    pub fn eccentricity(&self) -> f64 {
        let f = self.flattening();
        (f * (2.0 - f)).sqrt()
    }

    /// The PROJ parameters of this figure: `+R=` for a sphere, else `+a= +rf=`.
    pub fn proj_parameters(&self) -> String {
        if self.is_sphere() {
            format!("+R={}", self.semi_major_axis_m)
        } else {
            format!(
                "+a={} +rf={}",
                self.semi_major_axis_m, self.inverse_flattening
            )
        }
    }

    /// `m = cos φ / √(1 − e² sin² φ)` (Snyder eq. 14-15).
    pub(crate) fn m(&self, phi: f64) -> f64 {
        let es = self.eccentricity() * phi.sin();
        phi.cos() / (1.0 - es * es).sqrt()
    }

    /// `t = tan(π/4 − φ/2) / [(1 − e sin φ)/(1 + e sin φ)]^(e/2)` (Snyder eq. 15-9); `tan(π/2 − χ)/2` of the
    /// conformal latitude χ.
    pub(crate) fn t(&self, phi: f64) -> f64 {
        let e = self.eccentricity();
        let es = e * phi.sin();
        (std::f64::consts::FRAC_PI_4 - phi / 2.0).tan() / ((1.0 - es) / (1.0 + es)).powf(e / 2.0)
    }

    /// The latitude φ of a value of [`Ellipsoid::t`], by the iteration of Snyder eq. 7-9.
    pub(crate) fn phi_from_t(&self, t: f64) -> f64 {
        let e = self.eccentricity();
        let mut phi = FRAC_PI_2 - 2.0 * t.atan();
        for _ in 0..MAX_ITERATIONS {
            let es = e * phi.sin();
            let next = FRAC_PI_2 - 2.0 * (t * ((1.0 - es) / (1.0 + es)).powf(e / 2.0)).atan();
            let done = (next - phi).abs() < LATITUDE_TOLERANCE;
            phi = next;
            if done {
                break;
            }
        }
        phi
    }

    /// Conformal latitude `χ = π/2 − 2 atan t(φ)` (Snyder eq. 3-1).
    pub(crate) fn conformal_latitude(&self, phi: f64) -> f64 {
        FRAC_PI_2 - 2.0 * self.t(phi).atan()
    }

    /// The geodetic latitude of a conformal latitude χ (Snyder eq. 3-4, by [`Ellipsoid::phi_from_t`]).
    pub(crate) fn latitude_from_conformal(&self, chi: f64) -> f64 {
        self.phi_from_t((std::f64::consts::FRAC_PI_4 - chi / 2.0).tan())
    }

    /// `q = (1 − e²)[sin φ/(1 − e² sin² φ) − 1/(2e) ln((1 − e sin φ)/(1 + e sin φ))]` (Snyder eq. 3-12); `2 sin φ`
    /// on a sphere.
    pub(crate) fn q(&self, phi: f64) -> f64 {
        let e = self.eccentricity();
        let sin = phi.sin();
        if e == 0.0 {
            return 2.0 * sin;
        }
        let es = e * sin;
        (1.0 - e * e) * (sin / (1.0 - es * es) - ((1.0 - es) / (1.0 + es)).ln() / (2.0 * e))
    }

    /// The latitude φ of a value of [`Ellipsoid::q`], by the iteration of Snyder eq. 3-16 (`asin(q/2)` on a
    /// sphere). `q` is clamped to the range the poles give.
    pub(crate) fn phi_from_q(&self, q: f64) -> f64 {
        let e = self.eccentricity();
        let q_pole = self.q(FRAC_PI_2);
        let q = q.clamp(-q_pole, q_pole);
        let mut phi = (q / 2.0).clamp(-1.0, 1.0).asin();
        if e == 0.0 {
            return phi;
        }
        for _ in 0..MAX_ITERATIONS {
            let (sin, cos) = phi.sin_cos();
            if cos.abs() < 1e-12 {
                break;
            }
            let es = e * sin;
            let one = 1.0 - es * es;
            let step = one * one / (2.0 * cos)
                * (q / (1.0 - e * e) - sin / one + ((1.0 - es) / (1.0 + es)).ln() / (2.0 * e));
            phi += step;
            if step.abs() < LATITUDE_TOLERANCE {
                break;
            }
        }
        phi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn auxiliary_latitudes_invert() {
        for e in [Ellipsoid::GRS80, Ellipsoid::sphere(6_371_000.0)] {
            for deg in [-89.9, -60.0, -37.852, -1.0, 0.0, 12.5, 51.0, 69.0, 89.99] {
                let phi = f64::to_radians(deg);
                assert_relative_eq!(e.phi_from_t(e.t(phi)), phi, epsilon = 1e-12);
                assert_relative_eq!(e.phi_from_q(e.q(phi)), phi, epsilon = 1e-10);
                let chi = e.conformal_latitude(phi);
                assert_relative_eq!(e.latitude_from_conformal(chi), phi, epsilon = 1e-12);
            }
        }
    }

    #[test]
    fn conformal_latitude_matches_its_series() {
        // χ = φ − (e²/2 + 5e⁴/24 + 3e⁶/32) sin 2φ + (5e⁴/48 + 7e⁶/80) sin 4φ − (13e⁶/480) sin 6φ + O(e⁸);
        // at 45°: sin 2φ = 1, sin 4φ = 0, sin 6φ = −1.
        let clarke = Ellipsoid::from_inverse_flattening(6_378_206.4, 294.978_698_2);
        let e2 = clarke.eccentricity().powi(2);
        let series = 45f64.to_radians()
            - (e2 / 2.0 + 5.0 * e2 * e2 / 24.0 + 3.0 * e2.powi(3) / 32.0)
            + 13.0 * e2.powi(3) / 480.0;
        assert_relative_eq!(
            clarke.conformal_latitude(45f64.to_radians()),
            series,
            epsilon = 1e-10
        );
        assert_eq!(clarke.q(0.0), 0.0);
        assert!(Ellipsoid::from_inverse_flattening(6e6, 0.0).is_sphere());
    }
}
