//! Transformation bindings (`squall.utils.transformation`): dB, Box–Cox and normal-quantile transforms of float64
//! arrays of any shape (the Python layer keeps pysteps' metadata dictionaries).

use numpy::{IntoPyArray, PyArray1, PyArrayDyn, PyReadonlyArray1, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use squall::nowcast::transform::{NormalQuantileTransform, PowerTransform};

use crate::errors::to_py;

fn power(py: Python<'_>, kind: &str, lambda: f64) -> PyResult<PowerTransform> {
    match kind {
        "dB" => Ok(PowerTransform::Decibel),
        "BoxCox" if lambda.is_finite() => Ok(PowerTransform::BoxCox(lambda)),
        "BoxCox" => Err(to_py(
            py,
            squall::Error::parameter("Lambda", lambda, "must be finite"),
        )),
        other => Err(to_py(
            py,
            squall::Error::parameter("transform", other, "valid values: 'dB', 'BoxCox'"),
        )),
    }
}

/// Forward (`inverse=False`: values below `threshold` → `zerovalue`) or inverse (`inverse=True`: results below
/// `T⁻¹(threshold)` → `zerovalue`) power transform `kind` ("dB" or "BoxCox" with `lambda_`) of `values`.
#[pyfunction]
#[pyo3(signature = (values, kind, lambda_, threshold, zerovalue, inverse))]
fn transform_power<'py>(
    py: Python<'py>,
    values: PyReadonlyArrayDyn<'py, f64>,
    kind: &str,
    lambda_: f64,
    threshold: f64,
    zerovalue: f64,
    inverse: bool,
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    let transform = power(py, kind, lambda_)?;
    let mut out = values.as_array().to_owned();
    py.detach(|| {
        let mut standard = out.as_standard_layout().into_owned();
        if let Some(slice) = standard.as_slice_mut() {
            if inverse {
                transform.inverse_in_place(slice, threshold, zerovalue);
            } else {
                transform.forward_in_place(slice, threshold, zerovalue);
            }
        }
        out = standard;
    });
    Ok(out.into_pyarray(py))
}

/// The inverse of a fitted normal quantile transform (callable on an array of normal-space values).
#[pyclass(frozen, module = "squall._squall")]
struct NormalQuantileInverse {
    transform: NormalQuantileTransform,
}

#[pymethods]
impl NormalQuantileInverse {
    /// Values `(n,)` in normal space → original units (linear interpolation, clamped to the fitted range).
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        values: PyReadonlyArray1<'py, f64>,
    ) -> Bound<'py, PyArray1<f64>> {
        let values = values.as_array();
        let out = py.detach(|| values.mapv(|y| self.transform.inverse(y)));
        out.into_pyarray(py)
    }
}

/// Normal quantile transform of `values (n,)` (NaN kept) with plotting-position offset `a`:
/// `(transformed (n,), inverse)`.
#[pyfunction]
fn transform_nq<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    a: f64,
) -> PyResult<(Bound<'py, PyArray1<f64>>, NormalQuantileInverse)> {
    let mut out = values.as_array().to_vec();
    let transform = py
        .detach(|| NormalQuantileTransform::fit_transform(&mut out, a))
        .map_err(|e| to_py(py, e))?;
    Ok((
        PyArray1::from_vec(py, out),
        NormalQuantileInverse { transform },
    ))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(transform_power, m)?)?;
    m.add_function(wrap_pyfunction!(transform_nq, m)?)?;
    m.add_class::<NormalQuantileInverse>()?;
    Ok(())
}
