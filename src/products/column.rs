//! Shared checks and helpers for column products.

use ndarray::{Array2, ArrayView1, ArrayView3, Axis};

use crate::error::{Error, Result};
use crate::grid::mapping::check_heights;

/// Checks that `values` is `(heights.len(), ny, nx)` and the heights are finite and increasing.
pub(crate) fn check_column(what: &str, values: &ArrayView3<f32>, heights_m: &[f64]) -> Result<()> {
    check_heights(heights_m)?;
    if values.len_of(Axis(0)) != heights_m.len() {
        return Err(Error::Shape {
            what: what.to_owned(),
            expected: format!("({}, ny, nx)", heights_m.len()),
            found: format!("{:?}", values.dim()),
        });
    }
    Ok(())
}

/// Applies `f` to every column `(nz,)` of `(nz, ny, nx)`; columns without any finite value give `NaN`.
pub(crate) fn per_column(
    values: &ArrayView3<f32>,
    mut f: impl FnMut(ArrayView1<f32>, (usize, usize)) -> f32,
) -> Array2<f32> {
    let (_, ny, nx) = values.dim();
    Array2::from_shape_fn((ny, nx), |(r, c)| {
        let column = values.slice(ndarray::s![.., r, c]);
        if column.iter().any(|v| v.is_finite()) {
            f(column, (r, c))
        } else {
            f32::NAN
        }
    })
}

/// The height where `values` last falls below `threshold` going up from level `start`, interpolated linearly
/// between the last level at or above the threshold and the next level (if that one has a value); `None` if level
/// `start` is not at or above the threshold. With `contiguous = false` the highest level at or above the
/// threshold anywhere in the column is used.
pub(crate) fn top_crossing(
    values: ArrayView1<f32>,
    heights_m: &[f64],
    threshold: f32,
    start: usize,
    contiguous: bool,
) -> Option<f64> {
    let above = |v: f32| v >= threshold;
    let last = if contiguous {
        let run = (start..values.len())
            .take_while(|&k| above(values[k]))
            .last()?;
        Some(run)
    } else {
        (start..values.len()).rev().find(|&k| above(values[k]))
    }?;
    let (h, v) = (heights_m[last], f64::from(values[last]));
    match values.get(last + 1).map(|&n| f64::from(n)) {
        Some(next) if next.is_finite() && v > next => {
            Some(h + (v - f64::from(threshold)) / (v - next) * (heights_m[last + 1] - h))
        }
        _ => Some(h),
    }
}
