//! Vertically integrated liquid and VIL density.

use ndarray::{Array2, ArrayView2, ArrayView3, Zip};

use super::column::{check_column, per_column};
use crate::error::{Error, Result};

/// Reflectivity cap of the VIL integral, dBZ (hail contamination above it).
pub const VIL_CAP_DBZ: f32 = 56.0;

/// Vertically integrated liquid, kg m⁻²: VIL = Σ 3.44·10⁻⁶ [(Zᵢ + Zᵢ₊₁)/2]^{4/7} Δh over consecutive levels, with Z
/// in mm⁶ m⁻³ capped at [`VIL_CAP_DBZ`] and Δh in m. Levels without a value count as Z = 0. `NaN` where the column
/// has no value at all.
///
/// # Shape
/// reflectivity `(nz, ny, nx)` dBZ on `heights_m (nz,)` → `(ny, nx)` kg m⁻².
///
/// # Errors
/// As [`echo_top`](super::echo_top()).
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::products::vil;
/// // 40 dBZ through 10 km: 3.44e-6 · (10⁴)^(4/7) · 10 000 m = 6.64 kg m⁻².
/// let z = Array3::from_elem((11, 1, 1), 40.0f32);
/// let heights: Vec<f64> = (0..11).map(|k| 1000.0 * k as f64).collect();
/// assert!((vil(z.view(), &heights).unwrap()[[0, 0]] - 6.6416).abs() < 1e-3);
/// ```
///
/// # References
/// Greene, D. R. and Clark, R. A., 1972: Vertically integrated liquid water — a new analysis tool. *Mon. Wea.
/// Rev.* 100, 548–552, doi:10.1175/1520-0493(1972)100<0548:VILWNA>2.3.CO;2.
pub fn vil(reflectivity: ArrayView3<f32>, heights_m: &[f64]) -> Result<Array2<f32>> {
    check_column("reflectivity", &reflectivity, heights_m)?;
    let linear = |dbz: f32| {
        if dbz.is_finite() {
            10f64.powf(f64::from(dbz.min(VIL_CAP_DBZ)) / 10.0)
        } else {
            0.0
        }
    };
    Ok(per_column(&reflectivity, |column, _| {
        let mut total = 0.0f64;
        for k in 0..column.len().saturating_sub(1) {
            let mean = 0.5 * (linear(column[k]) + linear(column[k + 1]));
            total += 3.44e-6 * mean.powf(4.0 / 7.0) * (heights_m[k + 1] - heights_m[k]);
        }
        total as f32
    }))
}

/// VIL density, g m⁻³: 1000 · VIL / echo-top height (the 18-dBZ top, m). 0 where the echo top is 0 (no echo);
/// `NaN` where either input is `NaN`.
///
/// # Errors
/// [`Error::Shape`] if the two fields differ in shape.
///
/// # References
/// Amburn, S. A. and Wolf, P. L., 1997: VIL density as a hail indicator. *Wea. Forecasting* 12, 473–478,
/// doi:10.1175/1520-0434(1997)012<0473:VDAAHI>2.0.CO;2.
pub fn vil_density(vil: ArrayView2<f32>, echo_top_m: ArrayView2<f32>) -> Result<Array2<f32>> {
    if vil.dim() != echo_top_m.dim() {
        return Err(Error::Shape {
            what: "echo_top_m".to_owned(),
            expected: format!("{:?}", vil.dim()),
            found: format!("{:?}", echo_top_m.dim()),
        });
    }
    Ok(Zip::from(&vil).and(&echo_top_m).map_collect(|&v, &top| {
        if v.is_nan() || top.is_nan() {
            f32::NAN
        } else if top <= 0.0 {
            0.0
        } else {
            1000.0 * v / top
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array3, array};

    #[test]
    fn vil_caps_at_56_dbz_and_ignores_missing_levels() {
        let heights = [0.0, 1000.0, 2000.0];
        let capped = Array3::from_elem((3, 1, 1), 65.0f32);
        let at_cap = Array3::from_elem((3, 1, 1), 56.0f32);
        assert_eq!(
            vil(capped.view(), &heights).unwrap(),
            vil(at_cap.view(), &heights).unwrap()
        );
        // One layer of 50 dBZ between two levels, the third missing: the upper layer averages Z with 0.
        let z = Array3::from_shape_vec((3, 1, 1), vec![50.0, 50.0, f32::NAN]).unwrap();
        let expected = 3.44e-6 * 1e5f64.powf(4.0 / 7.0) * 1000.0
            + 3.44e-6 * (0.5e5f64).powf(4.0 / 7.0) * 1000.0;
        assert!((f64::from(vil(z.view(), &heights).unwrap()[[0, 0]]) - expected).abs() < 1e-4);
        let all_nan = Array3::from_elem((3, 1, 1), f32::NAN);
        assert!(vil(all_nan.view(), &heights).unwrap()[[0, 0]].is_nan());
    }

    #[test]
    fn density_divides_by_the_top() {
        let d = vil_density(
            array![[40.0f32, 1.0, f32::NAN]].view(),
            array![[10_000.0f32, 0.0, 5.0]].view(),
        )
        .unwrap();
        assert_eq!(d[[0, 0]], 4.0);
        assert_eq!(d[[0, 1]], 0.0);
        assert!(d[[0, 2]].is_nan());
        assert!(vil_density(array![[1.0f32]].view(), array![[1.0f32, 2.0]].view()).is_err());
    }
}
