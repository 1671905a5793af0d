//! Argument checks shared by the score families: shapes and parameters, reported as [`Error::Shape`] and
//! [`Error::Parameter`].

use ndarray::{ArrayView2, ArrayView3};

use crate::error::{Error, Result};

/// A field value the scores accept: `f32` (Squall's working precision) or `f64` (pysteps' and numpy's default),
/// read as `f64` without a converted copy of the field.
pub trait Sample: Copy + Send + Sync + Into<f64> {}

impl Sample for f32 {}
impl Sample for f64 {}

/// Checks that a forecast and an observation field have the same `(y, x)` shape.
pub(crate) fn same_shape<F, O>(
    what: &str,
    forecast: &ArrayView2<F>,
    observation: &ArrayView2<O>,
) -> Result<()> {
    if forecast.dim() == observation.dim() {
        Ok(())
    } else {
        Err(Error::Shape {
            what: what.to_owned(),
            expected: format!("observation shape {:?}", observation.dim()),
            found: format!("forecast shape {:?}", forecast.dim()),
        })
    }
}

/// Checks that an ensemble `(members, y, x)` has at least one member and the observation's `(y, x)` shape.
pub(crate) fn ensemble_shape<F, O>(
    what: &str,
    members: &ArrayView3<F>,
    observation: &ArrayView2<O>,
) -> Result<()> {
    let (m, ny, nx) = members.dim();
    if m == 0 || (ny, nx) != observation.dim() {
        return Err(Error::Shape {
            what: what.to_owned(),
            expected: format!(
                "(members ≥ 1, {}, {})",
                observation.nrows(),
                observation.ncols()
            ),
            found: format!("{:?}", members.dim()),
        });
    }
    Ok(())
}

/// Checks that a threshold is not NaN (±∞ are allowed: every value, or none, exceeds them).
pub(crate) fn threshold(name: &str, value: f64) -> Result<f64> {
    if value.is_nan() {
        Err(Error::parameter(
            name,
            value,
            "a threshold must be a number, not NaN",
        ))
    } else {
        Ok(value)
    }
}

/// Checks that a count parameter (bins, scales, members) is at least `min`.
pub(crate) fn at_least(name: &str, value: usize, min: usize) -> Result<usize> {
    if value < min {
        Err(Error::parameter(
            name,
            value,
            format!("must be at least {min}"),
        ))
    } else {
        Ok(value)
    }
}

/// `a / b`, NaN when `b` is zero (a score whose denominator vanishes is undefined).
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 { f64::NAN } else { a / b }
}
