//! `squall.io.open_sequence`: a composite time sequence as a numpy array and its metadata.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;

/// Reads composite files (a list of paths, or one folder) into `(values (t, y, x) float32, metadata dict)`.
///
/// Frames are ordered by the time each file states; NaN = no data. The metadata holds `name`, `units`,
/// `timestep` (seconds), `times` (ISO 8601 UTC strings), `projection` (PROJ string), and the grid `nx`, `ny`,
/// `x0`, `y0` (centre of cell (0, 0), metres), `dx`, `dy` (metres; `dy < 0` for north-up images).
#[pyfunction]
#[pyo3(signature = (paths=None, directory=None))]
fn open_sequence<'py>(
    py: Python<'py>,
    paths: Option<Vec<PathBuf>>,
    directory: Option<PathBuf>,
) -> PyResult<(Bound<'py, PyArray3<f32>>, Bound<'py, PyDict>)> {
    let sequence = match (paths, directory) {
        (Some(paths), None) => py.detach(|| squall::io::composite::open_sequence(&paths)),
        (None, Some(dir)) => py.detach(|| squall::io::composite::open_sequence_dir(&dir)),
        _ => Err(squall::Error::parameter(
            "paths/directory",
            "both or neither",
            "give either a list of files or one folder",
        )),
    }
    .map_err(|e| to_py(py, e))?;
    let meta = PyDict::new(py);
    let spec = &sequence.spec;
    meta.set_item("name", &sequence.name)?;
    meta.set_item("units", &sequence.units)?;
    meta.set_item("timestep", sequence.timestep_s)?;
    let times: Vec<String> = sequence
        .times
        .iter()
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .collect();
    meta.set_item("times", times)?;
    meta.set_item("projection", spec.projection.proj_string())?;
    meta.set_item("nx", spec.nx)?;
    meta.set_item("ny", spec.ny)?;
    meta.set_item("x0", spec.x0)?;
    meta.set_item("y0", spec.y0)?;
    meta.set_item("dx", spec.dx)?;
    meta.set_item("dy", spec.dy)?;
    Ok((sequence.values.into_pyarray(py), meta))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(open_sequence, m)?)?;
    Ok(())
}
