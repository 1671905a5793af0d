//! Extrapolation bindings.

use numpy::{IntoPyArray, PyArray3, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::prelude::*;
use squall::nowcast::{Extrapolator, Interpolation};

use crate::errors::to_py;

/// Backward semi-Lagrangian extrapolation: returns (fields (t, y, x), displacement (2, y, x)), float32.
///
/// `lead_times` are in time steps of the velocity, strictly increasing; `interp_order` 1 (bilinear) or 3
/// (bicubic convolution).
#[pyfunction]
#[pyo3(signature = (precip, velocity, lead_times, outval=f32::NAN, n_iter=1, interp_order=1, displacement_prev=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn semilagrangian_extrapolate<'py>(
    py: Python<'py>,
    precip: PyReadonlyArray2<'py, f32>,
    velocity: PyReadonlyArray3<'py, f32>,
    lead_times: Vec<f64>,
    outval: f32,
    n_iter: usize,
    interp_order: u8,
    displacement_prev: Option<PyReadonlyArray3<'py, f32>>,
) -> PyResult<(Bound<'py, PyArray3<f32>>, Bound<'py, PyArray3<f32>>)> {
    let interpolation = match interp_order {
        1 => Interpolation::Bilinear,
        3 => Interpolation::Bicubic,
        other => {
            return Err(to_py(
                py,
                squall::Error::parameter(
                    "interp_order",
                    other,
                    "must be 1 (bilinear) or 3 (bicubic)",
                ),
            ));
        }
    };
    let extrapolator = Extrapolator {
        interpolation,
        outval,
        n_iter,
    };
    let (field, motion) = (precip.as_array(), velocity.as_array());
    let previous = displacement_prev.as_ref().map(|d| d.as_array());
    let result = py
        .detach(|| extrapolator.extrapolate(field, motion, &lead_times, previous))
        .map_err(|e| to_py(py, e))?;
    Ok((
        result.fields.into_pyarray(py),
        result.displacement.into_pyarray(py),
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(semilagrangian_extrapolate, m)?)?;
    Ok(())
}
