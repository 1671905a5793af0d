//! The decibel transform of rain rate used by S-PROG and STEPS (pysteps' `dB_transform` conventions).
//!
//! Forward: `R ≥ threshold` (mm h⁻¹) → `10 log10 R` dB; `R < threshold` → `zero_value` dB; NaN stays NaN.
//! Inverse: `10^(dB/10)`, values below the threshold → 0 mm h⁻¹; NaN stays NaN. The defaults are pysteps'
//! usual settings: threshold 0.1 mm h⁻¹ (−10 dB) and zero value −15 dB.

/// Rain rate ↔ dB transform.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbTransform {
    /// Smallest rain rate kept as rain, mm h⁻¹.
    pub threshold_mmh: f32,
    /// dB value given to rain rates below the threshold.
    pub zero_value_db: f32,
}

impl Default for DbTransform {
    fn default() -> Self {
        DbTransform {
            threshold_mmh: 0.1,
            zero_value_db: -15.0,
        }
    }
}

impl DbTransform {
    /// The threshold in dB, `10 log10 threshold` (−10 dB for 0.1 mm h⁻¹).
    pub fn threshold_db(&self) -> f32 {
        10.0 * self.threshold_mmh.log10()
    }

    /// Rain rate (mm h⁻¹) → dB.
    ///
    /// # Examples
    /// ```
    /// use squall::nowcast::transform::DbTransform;
    /// let t = DbTransform::default();
    /// assert_eq!(t.forward(10.0), 10.0);
    /// assert_eq!(t.forward(0.05), -15.0);
    /// assert!(t.forward(f32::NAN).is_nan());
    /// assert!((t.inverse(10.0) - 10.0).abs() < 1e-5);
    /// assert_eq!(t.inverse(-15.0), 0.0);
    /// ```
    #[inline]
    pub fn forward(&self, rain_mmh: f32) -> f32 {
        if rain_mmh.is_nan() {
            f32::NAN
        } else if rain_mmh >= self.threshold_mmh {
            10.0 * rain_mmh.log10()
        } else {
            self.zero_value_db
        }
    }

    /// dB → rain rate (mm h⁻¹); below the threshold → 0.
    #[inline]
    pub fn inverse(&self, db: f32) -> f32 {
        if db.is_nan() {
            return f32::NAN;
        }
        let r = 10f32.powf(db / 10.0);
        if r < self.threshold_mmh { 0.0 } else { r }
    }

    /// [`Self::forward`] over a slice, in place.
    pub fn forward_in_place(&self, values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = self.forward(*v));
    }

    /// [`Self::inverse`] over a slice, in place.
    pub fn inverse_in_place(&self, values: &mut [f32]) {
        values.iter_mut().for_each(|v| *v = self.inverse(*v));
    }
}
