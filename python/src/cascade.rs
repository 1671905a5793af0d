//! Cascade bindings (`squall.cascade`): Gaussian band-pass filters and the FFT decomposition into spatial scales.
//! Arrays use pysteps' layout: weights `(levels, y, x/2+1)`; the Rust plan's transposed layout is internal.

use ndarray::{Array3, Axis};
use numpy::{IntoPyArray, PyArray2, PyArray3, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::prelude::*;
use squall::nowcast::cascade::{BandpassFilter, CascadePlan, recompose_into};

use crate::errors::to_py;

/// Gaussian band-pass weights of an `(ny, nx)` grid: `(weights (levels, ny, nx/2+1) float32, central wavenumbers)`.
#[pyfunction]
#[pyo3(signature = (ny, nx, n, gauss_scale))]
fn cascade_filter_gaussian<'py>(
    py: Python<'py>,
    ny: usize,
    nx: usize,
    n: usize,
    gauss_scale: f64,
) -> PyResult<(Bound<'py, PyArray3<f32>>, Vec<f64>)> {
    let filter = py
        .detach(|| BandpassFilter::gaussian(ny, nx, n, gauss_scale))
        .map_err(|e| to_py(py, e))?;
    let weights = filter
        .weights
        .permuted_axes([0, 2, 1])
        .as_standard_layout()
        .into_owned();
    Ok((weights.into_pyarray(py), filter.central_wavenumbers))
}

/// Decomposes `field (ny, nx)` with band-pass `weights (levels, ny, nx/2+1)`: `(levels (levels, ny, nx),
/// means, stds)`. Statistics are over the pixels where `mask` is true (all pixels without a mask); the levels are
/// normalised by them when `normalize` is true.
#[pyfunction]
#[pyo3(signature = (field, weights, mask=None, normalize=false))]
#[allow(clippy::type_complexity)]
fn cascade_decompose<'py>(
    py: Python<'py>,
    field: PyReadonlyArray2<'py, f32>,
    weights: PyReadonlyArray3<'py, f32>,
    mask: Option<PyReadonlyArray2<'py, bool>>,
    normalize: bool,
) -> PyResult<(Bound<'py, PyArray3<f32>>, Vec<f64>, Vec<f64>)> {
    let (field, weights) = (field.as_array(), weights.as_array());
    let mask = mask.as_ref().map(|m| m.as_array());
    let (ny, nx) = field.dim();
    let result = py.detach(|| -> squall::Result<_> {
        if let Some(m) = &mask
            && m.dim() != (ny, nx)
        {
            return Err(squall::Error::Shape {
                what: "mask".into(),
                expected: format!("({ny}, {nx}) as the field"),
                found: format!("{:?}", m.dim()),
            });
        }
        let filter = BandpassFilter {
            weights: weights
                .permuted_axes([0, 2, 1])
                .as_standard_layout()
                .into_owned(),
            central_wavenumbers: Vec::new(),
        };
        let plan = CascadePlan::with_filter(ny, nx, filter)?;
        // Mask values in the levels' (logical, row-major) order.
        let keep: Option<Vec<bool>> = mask.as_ref().map(|m| m.iter().copied().collect());
        let cascade = plan.decompose(field)?;
        let mut levels = cascade.levels;
        let (mut means, mut stds) = (Vec::new(), Vec::new());
        for (k, mut level) in levels.axis_iter_mut(Axis(0)).enumerate() {
            // Back to the level's own values, then the statistics of the pixels asked for.
            let (m0, s0) = (cascade.means[k], cascade.stds[k]);
            level.mapv_inplace(|v| v * s0 + m0);
            let (mut n, mut sum, mut sum2) = (0.0f64, 0.0f64, 0.0f64);
            for (i, &v) in level.iter().enumerate() {
                if keep.as_ref().is_none_or(|k| k[i]) {
                    let v = f64::from(v);
                    n += 1.0;
                    sum += v;
                    sum2 += v * v;
                }
            }
            let mean = if n > 0.0 { sum / n } else { f64::NAN };
            let std = if n > 0.0 {
                (sum2 / n - mean * mean).max(0.0).sqrt()
            } else {
                f64::NAN
            };
            if normalize {
                let (m, s) = (mean as f32, std as f32);
                level.mapv_inplace(|v| (v - m) / s);
            }
            means.push(mean);
            stds.push(std);
        }
        Ok((levels, means, stds))
    });
    let (levels, means, stds) = result.map_err(|e| to_py(py, e))?;
    Ok((levels.into_pyarray(py), means, stds))
}

/// `Σ_k levels_k σ_k + μ_k` of `levels (levels, ny, nx)` → `(ny, nx)` float32.
#[pyfunction]
fn cascade_recompose<'py>(
    py: Python<'py>,
    levels: PyReadonlyArray3<'py, f32>,
    means: Vec<f32>,
    stds: Vec<f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let levels = levels.as_array();
    let (n, ny, nx) = levels.dim();
    if means.len() != n || stds.len() != n {
        return Err(to_py(
            py,
            squall::Error::Shape {
                what: "means and stds".into(),
                expected: format!("{n} values each (one per level)"),
                found: format!("{} and {}", means.len(), stds.len()),
            },
        ));
    }
    let out = py.detach(|| {
        let mut out = ndarray::Array2::<f32>::zeros((ny, nx));
        let levels: Array3<f32> = levels.as_standard_layout().into_owned();
        if let Some(slice) = out.as_slice_mut() {
            recompose_into(levels.view(), &means, &stds, slice);
        }
        out
    });
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cascade_filter_gaussian, m)?)?;
    m.add_function(wrap_pyfunction!(cascade_decompose, m)?)?;
    m.add_function(wrap_pyfunction!(cascade_recompose, m)?)?;
    Ok(())
}
