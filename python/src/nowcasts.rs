//! S-PROG and STEPS bindings (`squall.nowcasts.sprog.forecast`, `squall.nowcasts.steps.forecast`).

use numpy::{IntoPyArray, PyArray3, PyArray4, PyReadonlyArray3};
use pyo3::prelude::*;
use squall::nowcast::noise::BpsParameters;
use squall::nowcast::sprog::Sprog;
use squall::nowcast::steps::{
    MaskMethod, NoiseMethod, NowcastInput, ProbMatching, Steps, StepsConfig,
};

use crate::args::choice;
use crate::errors::to_py;

/// STEPS ensemble of transformed (dB) fields `(t, y, x)` → `(members, timesteps, y, x)` float32.
#[pyfunction]
#[pyo3(signature = (precip, velocity, timesteps, n_ens_members, n_cascade_levels, precip_thr, kmperpixel,
    timestep, noise_method, vel_pert, mask_method, probmatching_method, seed, ar_order))]
#[allow(clippy::too_many_arguments)]
fn steps_forecast<'py>(
    py: Python<'py>,
    precip: PyReadonlyArray3<'py, f32>,
    velocity: PyReadonlyArray3<'py, f32>,
    timesteps: usize,
    n_ens_members: usize,
    n_cascade_levels: usize,
    precip_thr: f32,
    kmperpixel: f64,
    timestep: f64,
    noise_method: Option<String>,
    vel_pert: bool,
    mask_method: Option<String>,
    probmatching_method: Option<String>,
    seed: u64,
    ar_order: usize,
) -> PyResult<Bound<'py, PyArray4<f32>>> {
    let noise = choice(
        py,
        "noise_method",
        noise_method.as_deref(),
        &[
            (Some("nonparametric"), NoiseMethod::Nonparametric),
            (None, NoiseMethod::None),
        ],
    )?;
    let mask = choice(
        py,
        "mask_method",
        mask_method.as_deref(),
        &[
            (Some("incremental"), MaskMethod::default()),
            (None, MaskMethod::None),
        ],
    )?;
    let prob_matching = choice(
        py,
        "probmatching_method",
        probmatching_method.as_deref(),
        &[
            (Some("cdf"), ProbMatching::Cdf),
            (Some("mean"), ProbMatching::Mean),
            (None, ProbMatching::None),
        ],
    )?;
    let steps = Steps::new(StepsConfig {
        members: n_ens_members,
        n_cascade_levels,
        ar_order,
        rain_threshold: precip_thr,
        noise,
        motion_perturbation: vel_pert.then_some(BpsParameters::BOWLER_2006),
        prob_matching,
        mask,
        seed,
        ..StepsConfig::default()
    });
    let (fields, motion) = (precip.as_array(), velocity.as_array());
    let input = NowcastInput {
        fields,
        velocity: motion,
        km_per_pixel: kmperpixel,
        timestep_minutes: timestep,
    };
    let out = py
        .detach(|| steps.forecast_db(&input, timesteps, &|_, _| ()))
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

/// S-PROG of transformed (dB) fields `(t, y, x)` → `(timesteps, y, x)` float32.
#[pyfunction]
#[pyo3(signature = (precip, velocity, timesteps, precip_thr, n_cascade_levels, ar_order))]
fn sprog_forecast<'py>(
    py: Python<'py>,
    precip: PyReadonlyArray3<'py, f32>,
    velocity: PyReadonlyArray3<'py, f32>,
    timesteps: usize,
    precip_thr: f32,
    n_cascade_levels: usize,
    ar_order: usize,
) -> PyResult<Bound<'py, PyArray3<f32>>> {
    let sprog = Sprog {
        n_cascade_levels,
        ar_order,
        rain_threshold: precip_thr,
        ..Sprog::default()
    };
    let (fields, motion) = (precip.as_array(), velocity.as_array());
    let input = NowcastInput {
        fields,
        velocity: motion,
        // Not used by S-PROG.
        km_per_pixel: 1.0,
        timestep_minutes: 1.0,
    };
    let out = py
        .detach(|| sprog.forecast_db(&input, timesteps))
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(steps_forecast, m)?)?;
    m.add_function(wrap_pyfunction!(sprog_forecast, m)?)?;
    Ok(())
}
