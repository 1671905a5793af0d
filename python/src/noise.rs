//! Noise bindings (`squall.noise`): Fourier-filtered correlated noise and STEPS motion perturbations. Filters use
//! pysteps' half-spectrum layout `(y, x/2+1)`; the Rust plan's transposed layout is internal.

use ndarray::{Array2, Array3, Axis};
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::prelude::*;
use squall::nowcast::cascade::{BandpassFilter, CascadePlan};
use squall::nowcast::noise::{
    BpsParameters, FlowFrame, MotionPerturbation, NoiseFilter, fit_power_law_exponent,
};
use squall::nowcast::steps::member_rng;

use crate::errors::to_py;

/// An FFT plan of an `(ny, nx)` grid (one all-pass level: only the transforms are used).
fn fft_plan(ny: usize, nx: usize) -> squall::Result<CascadePlan> {
    let filter = BandpassFilter {
        weights: Array3::ones((1, nx / 2 + 1, ny)),
        central_wavenumbers: vec![0.0],
    };
    CascadePlan::with_filter(ny, nx, filter)
}

/// Half-spectrum amplitude in the plan's transposed layout → `(ny, nx/2+1)`.
fn to_rows(amplitude: &[f32], ny: usize, nx: usize) -> Array2<f32> {
    let nh = nx / 2 + 1;
    Array2::from_shape_fn((ny, nh), |(r, c)| amplitude[c * ny + r])
}

/// The observed amplitude spectrum of `fields (t, ny, nx)` (pysteps' nonparametric filter, defaults) →
/// `(ny, nx/2+1)` float32.
#[pyfunction]
fn noise_nonparam_filter<'py>(
    py: Python<'py>,
    fields: PyReadonlyArray3<'py, f32>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let fields = fields.as_array();
    let (_, ny, nx) = fields.dim();
    let out = py
        .detach(|| -> squall::Result<_> {
            let plan = fft_plan(ny, nx)?;
            let filter = NoiseFilter::nonparametric(&plan, fields)?;
            Ok(to_rows(filter.amplitude(), ny, nx))
        })
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

/// Power-law filter `|κ|^(−β/2)` of an `(ny, nx)` grid, β the mean of the exponents fitted to each of
/// `fields (t, ny, nx)` between wavenumbers `k_min` and `k_max` (cycles per domain): `(filter (ny, nx/2+1)
/// float32, β)`.
#[pyfunction]
fn noise_param_filter<'py>(
    py: Python<'py>,
    fields: PyReadonlyArray3<'py, f32>,
    k_min: f64,
    k_max: f64,
) -> PyResult<(Bound<'py, PyArray2<f32>>, f64)> {
    let fields = fields.as_array();
    let (t, ny, nx) = fields.dim();
    let (out, beta) = py
        .detach(|| -> squall::Result<_> {
            if t == 0 {
                return Err(squall::Error::parameter(
                    "field",
                    0,
                    "at least one field is needed",
                ));
            }
            let plan = fft_plan(ny, nx)?;
            let betas = fields
                .outer_iter()
                .map(|f| fit_power_law_exponent(&plan, f, k_min, k_max))
                .collect::<squall::Result<Vec<f64>>>()?;
            let beta = betas.iter().sum::<f64>() / t as f64;
            let filter = NoiseFilter::power_law(&plan, beta)?;
            Ok((to_rows(filter.amplitude(), ny, nx), beta))
        })
        .map_err(|e| to_py(py, e))?;
    Ok((out.into_pyarray(py), beta))
}

/// Correlated noise `(ny, nx)` float32 (zero mean, unit variance): white noise of stream `seed` filtered by the
/// amplitude `filter (ny, nx/2+1)` of an `(ny, nx)` grid.
#[pyfunction]
fn noise_generate<'py>(
    py: Python<'py>,
    filter: PyReadonlyArray2<'py, f32>,
    nx: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let filter = filter.as_array();
    let (ny, nh) = filter.dim();
    let out = py
        .detach(|| -> squall::Result<_> {
            if nh != nx / 2 + 1 {
                return Err(squall::Error::Shape {
                    what: "noise filter".into(),
                    expected: format!("(ny, {}) for a grid {nx} wide", nx / 2 + 1),
                    found: format!("{:?}", filter.dim()),
                });
            }
            let plan = fft_plan(ny, nx)?;
            let transposed: Vec<f32> = filter.t().iter().copied().collect();
            let noise = NoiseFilter::from_amplitude(&plan, transposed)?;
            Ok(noise.generate(&plan, &mut member_rng(seed, 0)))
        })
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

/// Motion perturbations (Bowler et al. 2006) of one member for `velocity (2, ny, nx)` (pixels per step): the
/// perturbation `(len(lead_times_min), 2, ny, nx)` float32 at each lead time (minutes), from the member's two
/// Laplace deviates drawn from stream `seed`; `(perturbations, (ε_∥, ε_⊥))`.
#[pyfunction]
#[pyo3(signature = (velocity, km_per_pixel, timestep, p_par, p_perp, seed, lead_times_min))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn noise_motion_perturbation<'py>(
    py: Python<'py>,
    velocity: PyReadonlyArray3<'py, f32>,
    km_per_pixel: f64,
    timestep: f64,
    p_par: [f64; 3],
    p_perp: [f64; 3],
    seed: u64,
    lead_times_min: Vec<f64>,
) -> PyResult<(Bound<'py, numpy::PyArray4<f32>>, (f64, f64))> {
    let velocity = velocity.as_array();
    let (two, ny, nx) = velocity.dim();
    let out = py
        .detach(|| -> squall::Result<_> {
            if two != 2 {
                return Err(squall::Error::Shape {
                    what: "velocity".into(),
                    expected: "(2, ny, nx)".into(),
                    found: format!("{:?}", velocity.dim()),
                });
            }
            if let Some(t) = lead_times_min
                .iter()
                .find(|t| !(t.is_finite() && **t >= 0.0))
            {
                return Err(squall::Error::parameter(
                    "t",
                    t,
                    "lead times must be finite and >= 0 minutes",
                ));
            }
            let parameters = BpsParameters {
                parallel: p_par,
                perpendicular: p_perp,
            };
            let member = MotionPerturbation::new(
                &mut member_rng(seed, 0),
                km_per_pixel,
                timestep,
                parameters,
            )?;
            let frame = FlowFrame::new(velocity);
            let mut out = ndarray::Array4::<f32>::zeros((lead_times_min.len(), 2, ny, nx));
            let mut buffer = Array3::<f32>::zeros((2, ny, nx));
            for (t, mut slot) in lead_times_min.iter().zip(out.axis_iter_mut(Axis(0))) {
                member.perturbed_velocity_into(&frame, velocity, t / timestep, &mut buffer);
                slot.assign(&(&buffer - &velocity));
            }
            Ok((out, member.deviates()))
        })
        .map_err(|e| to_py(py, e))?;
    Ok((out.0.into_pyarray(py), out.1))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(noise_nonparam_filter, m)?)?;
    m.add_function(wrap_pyfunction!(noise_param_filter, m)?)?;
    m.add_function(wrap_pyfunction!(noise_generate, m)?)?;
    m.add_function(wrap_pyfunction!(noise_motion_perturbation, m)?)?;
    Ok(())
}
