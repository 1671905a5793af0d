//! The decibel transform of rain rate used by S-PROG and STEPS (pysteps' `dB_transform` conventions).
//! Also the Box–Cox power transforms ([`PowerTransform`](crate::nowcast::transform::PowerTransform)) and the normal
//! quantile transform ([`NormalQuantileTransform`](crate::nowcast::transform::NormalQuantileTransform)) of
//! `squall.utils.transformation`.
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

/// Power transforms of rain rate with a no-rain threshold (pysteps' `dB_transform` and `boxcox_transform`
/// conventions), in f64 on slices of any shape.
///
/// Forward: `x ≥ threshold` → `T(x)`, `x < threshold` → `zero_value`, NaN stays NaN. Inverse: `T⁻¹(y)`, and
/// results below `T⁻¹(threshold_transformed)` → `zero_value` (usually 0).
///
/// # References
/// Box, G. E. P. and D. R. Cox, 1964: An analysis of transformations. *J. R. Stat. Soc. B*, 26, 211–243,
/// doi:10.1111/j.2517-6161.1964.tb00553.x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PowerTransform {
    /// `T(x) = 10 log10 x` (dB).
    Decibel,
    /// One-parameter Box–Cox, `T(x) = (x^λ − 1)/λ`, and `ln x` for λ = 0.
    BoxCox(f64),
}

impl PowerTransform {
    /// `T(x)`.
    pub fn apply(&self, x: f64) -> f64 {
        match *self {
            PowerTransform::Decibel => 10.0 * x.log10(),
            PowerTransform::BoxCox(0.0) => x.ln(),
            PowerTransform::BoxCox(l) => (x.powf(l) - 1.0) / l,
        }
    }

    /// `T⁻¹(y)`.
    pub fn invert(&self, y: f64) -> f64 {
        match *self {
            PowerTransform::Decibel => 10f64.powf(y / 10.0),
            PowerTransform::BoxCox(0.0) => y.exp(),
            PowerTransform::BoxCox(l) => ((l * y + 1.0).ln() / l).exp(),
        }
    }

    /// Forward transform in place: values below `threshold` (original units) become `zero_value`.
    pub fn forward_in_place(&self, values: &mut [f64], threshold: f64, zero_value: f64) {
        for v in values.iter_mut() {
            *v = if *v < threshold {
                zero_value
            } else {
                self.apply(*v)
            };
        }
    }

    /// Inverse transform in place: results below `T⁻¹(threshold_transformed)` become `zero_value`.
    pub fn inverse_in_place(
        &self,
        values: &mut [f64],
        threshold_transformed: f64,
        zero_value: f64,
    ) {
        let threshold = self.invert(threshold_transformed);
        for v in values.iter_mut() {
            let x = self.invert(*v);
            *v = if x < threshold { zero_value } else { x };
        }
    }
}

/// The normal quantile transform (Bogner et al. 2012): each value is replaced by the standard-normal quantile of
/// its plotting position `(i + 1 − a)/(n + 1 − 2a)` in the sorted sample (ties take the position of the last of
/// the tied values, as linear interpolation on the sorted sample gives), and the sample minimum (no rain) maps to
/// 0. The inverse interpolates linearly back from quantiles to the sorted sample, clamped to its range.
///
/// # References
/// Bogner, K., F. Pappenberger and H. L. Cloke, 2012: Technical Note: The normal quantile transformation and its
/// application in a flood forecasting system. *Hydrol. Earth Syst. Sci.*, 16, 1085–1094,
/// doi:10.5194/hess-16-1085-2012.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalQuantileTransform {
    sorted: Vec<f64>,
    quantiles: Vec<f64>,
}

impl NormalQuantileTransform {
    /// Fits the transform to the finite values of `values` and transforms them in place (NaN stays NaN).
    ///
    /// # Errors
    /// [`Error::Parameter`](crate::Error::Parameter) if `a` is not in `[0, 1)`, a value is infinite, or there are
    /// fewer than 2 finite values.
    pub fn fit_transform(values: &mut [f64], a: f64) -> crate::Result<Self> {
        if !(0.0..1.0).contains(&a) {
            return Err(crate::Error::parameter("a", a, "must be in [0, 1)"));
        }
        if let Some(v) = values.iter().find(|v| v.is_infinite()) {
            return Err(crate::Error::parameter(
                "R",
                v,
                "the normal quantile transform needs finite values (NaN = no data)",
            ));
        }
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        if sorted.len() < 2 {
            return Err(crate::Error::parameter(
                "R",
                sorted.len(),
                "at least 2 finite values are needed",
            ));
        }
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len() as f64;
        let quantiles: Vec<f64> = (0..sorted.len())
            .map(|i| normal_quantile((i as f64 + 1.0 - a) / (n + 1.0 - 2.0 * a)))
            .collect();
        let minimum = sorted[0];
        for v in values.iter_mut().filter(|v| !v.is_nan()) {
            *v = if *v == minimum {
                0.0
            } else {
                // Last index with sorted[j] <= v.
                let j = sorted.partition_point(|&s| s <= *v) - 1;
                quantiles[j]
            };
        }
        Ok(NormalQuantileTransform { sorted, quantiles })
    }

    /// Inverse transform of one value (normal space → original units); NaN stays NaN.
    pub fn inverse(&self, y: f64) -> f64 {
        if y.is_nan() {
            return f64::NAN;
        }
        let (q, s) = (&self.quantiles, &self.sorted);
        let last = q.len() - 1;
        if y <= q[0] {
            return s[0];
        }
        if y >= q[last] {
            return s[last];
        }
        let j = q.partition_point(|&v| v <= y) - 1;
        s[j] + (s[j + 1] - s[j]) * (y - q[j]) / (q[j + 1] - q[j])
    }
}

/// Quantile function of the standard normal distribution, `Φ⁻¹(p)` for `0 < p < 1` (±∞ at 0 and 1, NaN outside),
/// by Wichura's algorithm AS 241 (PPND16), relative accuracy about 1e-16.
///
/// # References
/// Wichura, M. J., 1988: Algorithm AS 241: The percentage points of the normal distribution. *Appl. Statist.*,
/// 37, 477–484, doi:10.2307/2347330.
///
/// # Examples
/// ```
/// use squall::nowcast::transform::normal_quantile;
/// assert_eq!(normal_quantile(0.5), 0.0);
/// assert!((normal_quantile(0.975) - 1.959963984540054).abs() < 1e-14);
/// assert!((normal_quantile(1e-10) + 6.361340902404056).abs() < 1e-12);
/// ```
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let poly = |c: &[f64], x: f64| c.iter().rev().fold(0.0, |acc, &k| acc * x + k);
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        const A: [f64; 8] = [
            3.387_132_872_796_366_5,
            133.141_667_891_784_38,
            1_971.590_950_306_551_3,
            13_731.693_765_509_46,
            45_921.953_931_549_87,
            67_265.770_927_008_7,
            33_430.575_583_588_13,
            2_509.080_928_730_122_7,
        ];
        const B: [f64; 8] = [
            1.0,
            42.313_330_701_600_91,
            687.187_007_492_057_9,
            5_394.196_021_424_751,
            21_213.794_301_586_597,
            39_307.895_800_092_71,
            28_729.085_735_721_943,
            5_226.495_278_852_545,
        ];
        return q * poly(&A, r) / poly(&B, r);
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let r = (-tail.ln()).sqrt();
    let value = if r <= 5.0 {
        let r = r - 1.6;
        const C: [f64; 8] = [
            1.423_437_110_749_683_5,
            4.630_337_846_156_546,
            5.769_497_221_460_691,
            3.647_848_324_763_204_5,
            1.270_458_252_452_368_4,
            0.241_780_725_177_450_6,
            0.022_723_844_989_269_184,
            7.745_450_142_783_414e-4,
        ];
        const D: [f64; 8] = [
            1.0,
            2.053_191_626_637_759,
            1.676_384_830_183_803_8,
            0.689_767_334_985_1,
            0.148_103_976_427_480_08,
            0.015_198_666_563_616_457,
            5.475_938_084_995_345e-4,
            1.050_750_071_644_416_9e-9,
        ];
        poly(&C, r) / poly(&D, r)
    } else {
        let r = r - 5.0;
        const E: [f64; 8] = [
            6.657_904_643_501_103,
            5.463_784_911_164_114,
            1.784_826_539_917_291_3,
            0.296_560_571_828_504_9,
            0.026_532_189_526_576_124,
            0.001_242_660_947_388_078_4,
            2.711_555_568_743_487_6e-5,
            2.010_334_399_292_288e-7,
        ];
        const F: [f64; 8] = [
            1.0,
            0.599_832_206_555_888,
            0.136_929_880_922_735_8,
            0.014_875_361_290_850_615,
            7.868_691_311_456_133e-4,
            1.846_318_317_510_054_8e-5,
            1.421_511_758_316_446e-7,
            2.044_263_103_389_939_8e-15,
        ];
        poly(&E, r) / poly(&F, r)
    };
    if q < 0.0 { -value } else { value }
}
