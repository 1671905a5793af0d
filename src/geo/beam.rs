//! Beam propagation with the effective earth radius model.

use super::EARTH_RADIUS_M;

/// Beam geometry for standard atmospheric refraction: the earth radius scaled by `k` (4/3 by default).
///
/// # References
/// Doviak, R. J. and Zrnić, D. S., 1993: *Doppler Radar and Weather Observations*, 2nd ed., eqs. 2.28b and 2.28c.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FourThirdsEarth {
    /// Effective radius `k·a` in metres.
    pub effective_radius_m: f64,
}

impl Default for FourThirdsEarth {
    fn default() -> Self {
        FourThirdsEarth {
            effective_radius_m: 4.0 / 3.0 * EARTH_RADIUS_M,
        }
    }
}

impl FourThirdsEarth {
    /// Height of the beam centre above the antenna in metres, at slant range `range_m` and elevation
    /// `elevation_deg`: h = sqrt(r² + (ka)² + 2 r ka sin θ) − ka.
    ///
    /// ```
    /// use squall::geo::FourThirdsEarth;
    /// let earth = FourThirdsEarth::default();
    /// // At 0° elevation the beam rises with the earth's curvature: ≈ r²/(2ka), 588.6 m at 100 km.
    /// let h = earth.beam_height_m(100_000.0, 0.0);
    /// assert!((h - 588.6).abs() < 0.5, "{h}");
    /// ```
    pub fn beam_height_m(&self, range_m: f64, elevation_deg: f64) -> f64 {
        let ka = self.effective_radius_m;
        let sin_el = elevation_deg.to_radians().sin();
        (range_m * range_m + ka * ka + 2.0 * range_m * ka * sin_el).sqrt() - ka
    }

    /// Distance along the earth's surface from the radar to the point under the beam, metres:
    /// s = ka · asin(r cos θ / (ka + h)).
    pub fn ground_range_m(&self, range_m: f64, elevation_deg: f64) -> f64 {
        let ka = self.effective_radius_m;
        let h = self.beam_height_m(range_m, elevation_deg);
        ka * (range_m * elevation_deg.to_radians().cos() / (ka + h)).asin()
    }

    /// The slant range at which a beam of elevation `elevation_deg` reaches height `height_m` above the antenna
    /// (the inverse of [`beam_height_m`](Self::beam_height_m) in range), or `None` if it never does.
    pub fn range_at_height_m(&self, height_m: f64, elevation_deg: f64) -> Option<f64> {
        let ka = self.effective_radius_m;
        let sin_el = elevation_deg.to_radians().sin();
        // r² + 2 r ka sinθ − ((ka + h)² − ka²) = 0
        let c = (ka + height_m).powi(2) - ka * ka;
        let disc = (ka * sin_el).powi(2) + c;
        (disc >= 0.0)
            .then(|| -ka * sin_el + disc.sqrt())
            .filter(|r| *r >= 0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn zenith_beam_rises_with_range() {
        let earth = FourThirdsEarth::default();
        assert_relative_eq!(
            earth.beam_height_m(10_000.0, 90.0),
            10_000.0,
            epsilon = 1e-6
        );
        assert_relative_eq!(earth.ground_range_m(10_000.0, 90.0), 0.0, epsilon = 1e-6);
    }

    #[test]
    fn ground_range_close_to_slant_range_at_low_elevation() {
        let earth = FourThirdsEarth::default();
        let s = earth.ground_range_m(150_000.0, 0.5);
        // The arc under the beam is slightly shorter than the slant range.
        assert!(s < 150_000.0 && s > 149_900.0, "{s}");
    }

    #[test]
    fn range_at_height_inverts_beam_height() {
        let earth = FourThirdsEarth::default();
        for &el in &[0.0, 0.5, 2.4, 10.0, 19.5] {
            for &r in &[1_000.0, 50_000.0, 230_000.0] {
                let h = earth.beam_height_m(r, el);
                let back = earth.range_at_height_m(h, el).unwrap();
                assert_relative_eq!(back, r, max_relative = 1e-9);
            }
        }
    }
}
