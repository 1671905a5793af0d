//! Motion estimation bindings: each takes frames `(t, y, x)` float32 (oldest first, NaN = no data) and returns
//! the motion `(2, y, x)` = (u, v) in pixels per step, computed with the GIL released.

use numpy::{IntoPyArray, PyArray3, PyReadonlyArray3};
use pyo3::prelude::*;
use squall::motion::MotionEstimator;
use squall::motion::constant::ConstantMotion;
use squall::motion::darts::Darts;
use squall::motion::lucas_kanade::LucasKanade;
use squall::motion::trec::Trec;
use squall::motion::vet::Vet;

use crate::errors::to_py;

/// Runs an estimator on the frames with the GIL released.
fn estimate<'py>(
    py: Python<'py>,
    estimator: &(impl MotionEstimator + Sync),
    frames: &PyReadonlyArray3<'py, f32>,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let view = frames.as_array();
    let motion = py
        .detach(|| estimator.estimate(view))
        .map_err(|e| to_py(py, e))?;
    Ok(motion.into_pyarray(py))
}

/// Lucas–Kanade (pysteps `dense_lucaskanade` defaults and parameters): the dense motion `(2, y, x)`, or with
/// `dense=False` the sparse vectors after outlier removal, positions `(n, 2)` as (x, y) and displacements
/// `(n, 2)` as (u, v), float32.
#[pyfunction]
#[pyo3(signature = (input_images, nr_std_outlier=3.0, k_outlier=30, size_opening=3, decl_scale=20, dense=true))]
fn motion_lucaskanade<'py>(
    py: Python<'py>,
    input_images: PyReadonlyArray3<'py, f32>,
    nr_std_outlier: f32,
    k_outlier: usize,
    size_opening: usize,
    decl_scale: usize,
    dense: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let lk = LucasKanade {
        nr_std_outlier,
        k_outlier,
        size_opening,
        decl_scale,
        ..LucasKanade::default()
    };
    if dense {
        return Ok(estimate(py, &lk, &input_images)?.into_any());
    }
    let view = input_images.as_array();
    let sparse = py
        .detach(|| lk.sparse_vectors(view))
        .map_err(|e| to_py(py, e))?;
    let to_array = |rows: Vec<[f32; 2]>| {
        let n = rows.len();
        ndarray::Array2::from_shape_vec((n, 2), rows.into_iter().flatten().collect())
            .map(|a| a.into_pyarray(py))
            .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
    };
    let pair = (to_array(sparse.points)?, to_array(sparse.vectors)?);
    Ok(pair.into_pyobject(py)?.into_any())
}

/// Variational echo tracking (pysteps `vet`); `sectors` are the sectors per axis of each scale.
#[pyfunction]
#[pyo3(signature = (input_images, sectors=vec![32, 16, 4, 2], smooth_gain=1e6, max_iterations=100, tolerance=1e-4))]
fn motion_vet<'py>(
    py: Python<'py>,
    input_images: PyReadonlyArray3<'py, f32>,
    sectors: Vec<usize>,
    smooth_gain: f64,
    max_iterations: usize,
    tolerance: f64,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let vet = Vet {
        sectors,
        smooth_gain,
        max_iterations,
        tolerance,
    };
    estimate(py, &vet, &input_images)
}

/// DARTS (pysteps `DARTS` parameters `N_x, N_y, N_t, M_x, M_y`).
#[pyfunction]
#[pyo3(signature = (input_images, n_x=50, n_y=50, n_t=4, m_x=2, m_y=2, rcond=0.01))]
#[allow(clippy::too_many_arguments)]
fn motion_darts<'py>(
    py: Python<'py>,
    input_images: PyReadonlyArray3<'py, f32>,
    n_x: usize,
    n_y: usize,
    n_t: usize,
    m_x: usize,
    m_y: usize,
    rcond: f64,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let darts = Darts {
        n_x,
        n_y,
        n_t,
        m_x,
        m_y,
        rcond,
    };
    estimate(py, &darts, &input_images)
}

/// TREC block correlation, with the COTREC correction by default.
#[pyfunction]
#[pyo3(signature = (input_images, box_size=24, spacing=12, max_speed=16.0, min_correlation=0.5, min_rain_fraction=0.1, median_threshold=2.0, cotrec=true))]
#[allow(clippy::too_many_arguments)]
fn motion_trec<'py>(
    py: Python<'py>,
    input_images: PyReadonlyArray3<'py, f32>,
    box_size: usize,
    spacing: usize,
    max_speed: f32,
    min_correlation: f32,
    min_rain_fraction: f32,
    median_threshold: f32,
    cotrec: bool,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let trec = Trec {
        box_size,
        spacing,
        max_speed,
        min_correlation,
        min_rain_fraction,
        median_threshold,
        cotrec,
    };
    estimate(py, &trec, &input_images)
}

/// One global shift between the frames.
#[pyfunction]
#[pyo3(signature = (input_images, max_speed=30.0, all_pairs=false))]
fn motion_constant<'py>(
    py: Python<'py>,
    input_images: PyReadonlyArray3<'py, f32>,
    max_speed: f32,
    all_pairs: bool,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let constant = ConstantMotion {
        max_speed,
        all_pairs,
    };
    estimate(py, &constant, &input_images)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(motion_lucaskanade, m)?)?;
    m.add_function(wrap_pyfunction!(motion_vet, m)?)?;
    m.add_function(wrap_pyfunction!(motion_darts, m)?)?;
    m.add_function(wrap_pyfunction!(motion_trec, m)?)?;
    m.add_function(wrap_pyfunction!(motion_constant, m)?)?;
    Ok(())
}
