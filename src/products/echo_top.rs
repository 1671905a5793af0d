//! Echo tops: the highest height reached by a reflectivity threshold.

use ndarray::{Array2, ArrayView3};

use super::column::{check_column, per_column, top_crossing};
use crate::error::Result;

/// Conventional echo-top thresholds, dBZ.
pub const ECHO_TOP_THRESHOLDS_DBZ: [f32; 3] = [18.0, 30.0, 45.0];

/// Echo top: the highest height (m above mean sea level) where reflectivity is at least `threshold_dbz`,
/// interpolated linearly between the highest level at or above the threshold and the level above it (when that
/// level has a value). `0` where the column has values but none reaches the threshold; `NaN` where the column
/// has no value at all.
///
/// # Shape
/// reflectivity `(nz, ny, nx)` dBZ on `heights_m (nz,)` → `(ny, nx)` m.
///
/// # Errors
/// [`crate::Error::Shape`] if the levels do not match the heights; [`crate::Error::Parameter`] for unsorted
/// heights.
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::products::echo_top;
/// // 40 dBZ at 1 km, 20 dBZ at 2 km, 10 dBZ at 3 km: the 18-dBZ top is 2 km + (20 − 18)/(20 − 10) km.
/// let z = Array3::from_shape_vec((3, 1, 1), vec![40.0, 20.0, 10.0]).unwrap();
/// let top = echo_top(z.view(), &[1000.0, 2000.0, 3000.0], 18.0).unwrap();
/// assert!((top[[0, 0]] - 2200.0).abs() < 1e-3);
/// ```
///
/// # References
/// Lakshmanan, V., Hondl, K., Potvin, C. K. and Preignitz, D., 2013: An improved method for estimating radar
/// echo-top height. *Wea. Forecasting* 28, 481–488, doi:10.1175/WAF-D-12-00084.1 (interpolation between levels).
pub fn echo_top(
    reflectivity: ArrayView3<f32>,
    heights_m: &[f64],
    threshold_dbz: f32,
) -> Result<Array2<f32>> {
    check_column("reflectivity", &reflectivity, heights_m)?;
    Ok(per_column(&reflectivity, |column, _| {
        top_crossing(column, heights_m, threshold_dbz, 0, false).map_or(0.0, |h| h as f32)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn tops_interpolate_skip_nan_and_mark_no_echo() {
        let h = [0.0, 1000.0, 2000.0, 3000.0];
        let z = Array3::from_shape_vec(
            (4, 1, 4),
            vec![
                50.0,
                10.0,
                f32::NAN,
                50.0, //
                46.0,
                12.0,
                f32::NAN,
                30.0, //
                40.0,
                5.0,
                f32::NAN,
                f32::NAN, //
                30.0,
                0.0,
                f32::NAN,
                60.0,
            ],
        )
        .unwrap();
        let top = echo_top(z.view(), &h, 45.0).unwrap();
        // Column 0: 46 at 1 km, 40 at 2 km → 1 km + 1/6 km.
        assert!((top[[0, 0]] - (1000.0 + 1000.0 / 6.0)).abs() < 1e-2);
        assert_eq!(top[[0, 1]], 0.0);
        assert!(top[[0, 2]].is_nan());
        // Column 3: the highest level at or above 45 dBZ is the top level itself.
        assert_eq!(top[[0, 3]], 3000.0);
        assert!(echo_top(z.view(), &h[..3], 18.0).is_err());
    }
}
