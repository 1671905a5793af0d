//! Gridding and column products (`squall.grid`, `squall.products`).

use std::collections::HashMap;
use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray2, PyArray3, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use squall::geo::GridSpec;
use squall::grid::{GridConfig, GridMapping, Weighting};
use squall::products::{self, HailHeights};

use crate::errors::to_py;

fn weighting(name: &str) -> squall::Result<Weighting> {
    match name {
        "nearest" => Ok(Weighting::Nearest),
        "cressman" => Ok(Weighting::Cressman),
        "barnes" => Ok(Weighting::Barnes),
        "barnes2" => Ok(Weighting::Barnes2),
        other => Err(squall::Error::parameter(
            "weighting",
            other,
            "valid values: 'nearest', 'cressman', 'barnes', 'barnes2'",
        )),
    }
}

/// Grids moments of the volume in `path` onto an `n × n` grid of `spacing_m` centred on the radar (azimuthal
/// equidistant) at `heights_m` above mean sea level: `({moment: (nz, ny, nx) float32}, metadata)`, NaN = no data.
#[pyfunction]
#[pyo3(signature = (path, moments, n, spacing_m, heights_m, weighting="barnes2", bin_fraction=0.7, no_echo_value=None))]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn grid_volume<'py>(
    py: Python<'py>,
    path: PathBuf,
    moments: Vec<String>,
    n: usize,
    spacing_m: f64,
    heights_m: Vec<f64>,
    weighting: &str,
    bin_fraction: f64,
    no_echo_value: Option<f32>,
) -> PyResult<(
    HashMap<String, Bound<'py, PyArray3<f32>>>,
    Bound<'py, PyDict>,
)> {
    let weighting = self::weighting(weighting).map_err(|e| to_py(py, e))?;
    let (spec, grids) = py
        .detach(|| -> squall::Result<_> {
            let volume = squall::io::open_volume(&path)?;
            let spec = GridSpec::centred_on(
                volume.site.latitude_deg,
                volume.site.longitude_deg,
                n,
                spacing_m,
            )?;
            let config = GridConfig {
                weighting,
                bin_fraction,
                ..GridConfig::default()
            };
            let mapping = GridMapping::new(&volume, &spec, &heights_m, config)?;
            let grids = moments
                .iter()
                .map(|m| mapping.grid(&volume, m, no_echo_value))
                .collect::<squall::Result<Vec<_>>>()?;
            Ok((spec, grids))
        })
        .map_err(|e| to_py(py, e))?;
    let meta = PyDict::new(py);
    meta.set_item("projection", spec.projection.proj_string())?;
    meta.set_item("x0", spec.x0)?;
    meta.set_item("y0", spec.y0)?;
    meta.set_item("dx", spec.dx)?;
    meta.set_item("dy", spec.dy)?;
    meta.set_item("heights_m", heights_m)?;
    let units = PyDict::new(py);
    let mut out = HashMap::new();
    for grid in grids {
        units.set_item(&grid.name, &grid.units)?;
        out.insert(grid.name, grid.values.into_pyarray(py));
    }
    meta.set_item("units", units)?;
    Ok((out, meta))
}

/// Vertically integrated liquid (kg m⁻²) of reflectivity `(nz, ny, nx)` dBZ on `heights_m (nz,)` → `(ny, nx)`.
#[pyfunction]
fn products_vil<'py>(
    py: Python<'py>,
    reflectivity: PyReadonlyArray3<'py, f32>,
    heights_m: Vec<f64>,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let z = reflectivity.as_array();
    let out = py
        .detach(|| products::vil(z, &heights_m))
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

/// Echo-top height (m) of `threshold_dbz` in reflectivity `(nz, ny, nx)` on `heights_m` → `(ny, nx)`.
#[pyfunction]
fn products_echo_top<'py>(
    py: Python<'py>,
    reflectivity: PyReadonlyArray3<'py, f32>,
    heights_m: Vec<f64>,
    threshold_dbz: f32,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let z = reflectivity.as_array();
    let out = py
        .detach(|| products::echo_top(z, &heights_m, threshold_dbz))
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

/// Severe hail index (J m⁻¹ s⁻¹) of reflectivity `(nz, ny, nx)` on `heights_m`, 0 °C and −20 °C heights in m.
#[pyfunction]
fn products_shi<'py>(
    py: Python<'py>,
    reflectivity: PyReadonlyArray3<'py, f32>,
    heights_m: Vec<f64>,
    freezing_level_m: f64,
    minus20_level_m: f64,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let z = reflectivity.as_array();
    let levels = HailHeights {
        freezing_level_m,
        minus20_level_m,
    };
    let out = py
        .detach(|| products::severe_hail_index(z, &heights_m, levels))
        .map_err(|e| to_py(py, e))?;
    Ok(out.into_pyarray(py))
}

/// Maximum expected size of hail (mm) from the severe hail index `(ny, nx)`.
#[pyfunction]
fn products_mesh<'py>(
    py: Python<'py>,
    shi: PyReadonlyArray2<'py, f32>,
) -> Bound<'py, PyArray2<f32>> {
    let shi = shi.as_array();
    py.detach(|| products::mesh(shi)).into_pyarray(py)
}

/// Probability of severe hail (%) from the severe hail index `(ny, nx)` and the 0 °C height (m).
#[pyfunction]
fn products_posh<'py>(
    py: Python<'py>,
    shi: PyReadonlyArray2<'py, f32>,
    freezing_level_m: f64,
) -> Bound<'py, PyArray2<f32>> {
    let shi = shi.as_array();
    py.detach(|| products::posh(shi, freezing_level_m))
        .into_pyarray(py)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(grid_volume, m)?)?;
    m.add_function(wrap_pyfunction!(products_vil, m)?)?;
    m.add_function(wrap_pyfunction!(products_echo_top, m)?)?;
    m.add_function(wrap_pyfunction!(products_shi, m)?)?;
    m.add_function(wrap_pyfunction!(products_mesh, m)?)?;
    m.add_function(wrap_pyfunction!(products_posh, m)?)?;
    Ok(())
}
