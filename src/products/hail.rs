//! Hail indices of Witt et al. (1998): SHI, MESH, POSH, and the probability of hail POH.

use ndarray::{Array2, ArrayView2, ArrayView3, Zip};
use serde::{Deserialize, Serialize};

use super::column::{check_column, per_column};
use crate::error::{Error, Result};

/// The environmental heights the hail indices need, m above mean sea level (the grid's height reference).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HailHeights {
    /// Height of the 0 °C level H₀.
    pub freezing_level_m: f64,
    /// Height of the −20 °C level H₋₂₀ (above H₀).
    pub minus20_level_m: f64,
}

impl HailHeights {
    /// The heights of 0 °C and −20 °C in the ICAO standard atmosphere (15 °C at sea level, −6.5 K km⁻¹):
    /// 2 308 m and 5 385 m. A stand-in when no sounding is given; warm-season levels are usually higher.
    pub fn standard_atmosphere() -> HailHeights {
        HailHeights {
            freezing_level_m: 15.0 / 6.5e-3,
            minus20_level_m: 35.0 / 6.5e-3,
        }
    }

    /// Checks that both heights are finite and H₋₂₀ > H₀.
    ///
    /// # Errors
    /// [`Error::Parameter`] otherwise.
    pub fn validate(&self) -> Result<()> {
        if self.freezing_level_m.is_finite()
            && self.minus20_level_m.is_finite()
            && self.minus20_level_m > self.freezing_level_m
        {
            Ok(())
        } else {
            Err(Error::parameter(
                "freezing_level_m / minus20_level_m",
                format!("{} / {}", self.freezing_level_m, self.minus20_level_m),
                "must be finite with the -20 °C level above the 0 °C level",
            ))
        }
    }
}

/// Hail kinetic energy flux Ė = 5·10⁻⁶ · 10^{0.084 Z} · W(Z), J m⁻² s⁻¹, with W(Z) rising linearly from 0 at
/// 40 dBZ to 1 at 50 dBZ (Witt et al. 1998, eqs. 2–3).
pub fn hail_kinetic_energy(dbz: f32) -> f64 {
    if !dbz.is_finite() {
        return 0.0;
    }
    let z = f64::from(dbz);
    let w = ((z - 40.0) / 10.0).clamp(0.0, 1.0);
    5e-6 * 10f64.powf(0.084 * z) * w
}

/// Severe hail index, J m⁻¹ s⁻¹: SHI = 0.1 ∫ W_T(H) Ė dH with the temperature weight W_T rising linearly from 0
/// at H₀ to 1 at H₋₂₀ (Witt et al. 1998, eqs. 4–5), integrated by the trapezoidal rule over the levels (levels
/// without a value count as Ė = 0). `NaN` where the column has no value.
///
/// # Shape
/// reflectivity `(nz, ny, nx)` dBZ on `heights_m (nz,)` → `(ny, nx)`.
///
/// # Errors
/// As [`echo_top`](super::echo_top()); [`Error::Parameter`] for invalid heights.
///
/// # References
/// Witt, A., Eilts, M. D., Stumpf, G. J., Johnson, J. T., Mitchell, E. D. and Thomas, K. W., 1998: An enhanced
/// hail detection algorithm for the WSR-88D. *Wea. Forecasting* 13, 286–303,
/// doi:10.1175/1520-0434(1998)013<0286:AEHDAF>2.0.CO;2.
pub fn severe_hail_index(
    reflectivity: ArrayView3<f32>,
    heights_m: &[f64],
    levels: HailHeights,
) -> Result<Array2<f32>> {
    check_column("reflectivity", &reflectivity, heights_m)?;
    levels.validate()?;
    let (h0, h20) = (levels.freezing_level_m, levels.minus20_level_m);
    let temperature_weight: Vec<f64> = heights_m
        .iter()
        .map(|&h| ((h - h0) / (h20 - h0)).clamp(0.0, 1.0))
        .collect();
    Ok(per_column(&reflectivity, |column, _| {
        let f: Vec<f64> = column
            .iter()
            .zip(&temperature_weight)
            .map(|(&z, &w)| w * hail_kinetic_energy(z))
            .collect();
        let integral: f64 = (0..f.len().saturating_sub(1))
            .map(|k| 0.5 * (f[k] + f[k + 1]) * (heights_m[k + 1] - heights_m[k]))
            .sum();
        (0.1 * integral) as f32
    }))
}

/// Maximum expected hail size, mm: MESH = 2.54 · SHI^0.5 (Witt et al. 1998, eq. 6).
pub fn mesh(shi: ArrayView2<f32>) -> Array2<f32> {
    shi.mapv(|s| 2.54 * s.max(0.0).sqrt())
}

/// Probability of severe hail (≥ 19 mm), %: POSH = 29 ln(SHI / WT) + 50 clipped to \[0, 100\], with the warning
/// threshold WT = 57.5 H₀ − 121 (H₀ in km, WT ≥ 20) (Witt et al. 1998, eqs. 7–8). 0 where SHI = 0.
pub fn posh(shi: ArrayView2<f32>, freezing_level_m: f64) -> Array2<f32> {
    let wt = (57.5 * freezing_level_m / 1000.0 - 121.0).max(20.0);
    shi.mapv(|s| {
        if s.is_nan() {
            f32::NAN
        } else if s <= 0.0 {
            0.0
        } else {
            (29.0 * (f64::from(s) / wt).ln() + 50.0).clamp(0.0, 100.0) as f32
        }
    })
}

/// Height of the 45-dBZ echo top above the freezing level (km) → probability of hail (Waldvogel et al. 1979, as
/// tabulated by Witt et al. 1998).
const POH_TABLE: [(f64, f64); 11] = [
    (1.65, 0.0),
    (1.80, 0.1),
    (1.97, 0.2),
    (2.17, 0.3),
    (2.40, 0.4),
    (2.70, 0.5),
    (3.07, 0.6),
    (3.55, 0.7),
    (4.20, 0.8),
    (5.00, 0.9),
    (5.80, 1.0),
];

/// Probability of hail, %: from the height of the 45-dBZ echo top above the freezing level, linear between the
/// points of Waldvogel's table (0 % at or below 1.65 km, 100 % at or above 5.8 km). 0 where there is no 45-dBZ
/// echo (top 0), `NaN` where the top is `NaN`.
///
/// # Errors
/// [`Error::Parameter`] for a non-finite freezing level.
///
/// # References
/// Waldvogel, A., Federer, B. and Grimm, P., 1979: Criteria for the detection of hail cells. *J. Appl. Meteor.*
/// 18, 1521–1525, doi:10.1175/1520-0450(1979)018<1521:CFTDOH>2.0.CO;2; Witt et al. (1998).
pub fn probability_of_hail(
    echo_top_45_m: ArrayView2<f32>,
    freezing_level_m: f64,
) -> Result<Array2<f32>> {
    if !freezing_level_m.is_finite() {
        return Err(Error::parameter(
            "freezing_level_m",
            freezing_level_m,
            "must be finite",
        ));
    }
    Ok(Zip::from(&echo_top_45_m).map_collect(|&top| {
        if top.is_nan() {
            return f32::NAN;
        }
        if top <= 0.0 {
            return 0.0;
        }
        let dh = (f64::from(top) - freezing_level_m) / 1000.0;
        let p = match POH_TABLE.iter().position(|&(h, _)| dh < h) {
            Some(0) => 0.0,
            None => 1.0,
            Some(i) => {
                let ((h0, p0), (h1, p1)) = (POH_TABLE[i - 1], POH_TABLE[i]);
                p0 + (dh - h0) / (h1 - h0) * (p1 - p0)
            }
        };
        (100.0 * p) as f32
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};

    #[test]
    fn kinetic_energy_weight_ramps_between_40_and_50_dbz() {
        assert_eq!(hail_kinetic_energy(40.0), 0.0);
        let e45 = 5e-6 * 10f64.powf(0.084 * 45.0) * 0.5;
        assert!((hail_kinetic_energy(45.0) - e45).abs() < 1e-12);
        assert!((hail_kinetic_energy(60.0) - 5e-6 * 10f64.powf(5.04)).abs() < 1e-9);
        assert_eq!(hail_kinetic_energy(f32::NAN), 0.0);
    }

    #[test]
    fn poh_follows_the_table() {
        let h0 = 4000.0;
        let tops = array![[0.0f32, 4000.0 + 2700.0, 4000.0 + 2550.0, 20_000.0, f32::NAN]];
        let p = probability_of_hail(tops.view(), h0).unwrap();
        assert_eq!(p[[0, 0]], 0.0);
        assert!((p[[0, 1]] - 50.0).abs() < 1e-3);
        assert!((p[[0, 2]] - 45.0).abs() < 1e-3);
        assert_eq!(p[[0, 3]], 100.0);
        assert!(p[[0, 4]].is_nan());
    }

    #[test]
    fn bad_heights_are_refused() {
        let z = Array3::from_elem((2, 1, 1), 50.0f32);
        let bad = HailHeights {
            freezing_level_m: 5000.0,
            minus20_level_m: 4000.0,
        };
        assert!(severe_hail_index(z.view(), &[0.0, 1000.0], bad).is_err());
    }
}
