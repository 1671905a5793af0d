//! `squall.read_volume`: a radar volume as numpy arrays.

use std::path::PathBuf;

use numpy::{IntoPyArray, PyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::to_py;

/// One sweep: geometry vectors and moments as numpy arrays.
#[pyclass(module = "squall", frozen, name = "Sweep")]
pub struct PySweep {
    /// Scan mode: "ppi", "sector", "rhi" or "vertical_pointing".
    #[pyo3(get)]
    mode: &'static str,
    /// Fixed angle in degrees (elevation of a PPI, azimuth of an RHI).
    #[pyo3(get)]
    fixed_angle: f32,
    /// Gate spacing in metres.
    #[pyo3(get)]
    gate_spacing: f32,
    /// Nyquist velocity in m/s, or None.
    #[pyo3(get)]
    nyquist_velocity: Option<f32>,
    azimuth: Py<PyArray1<f32>>,
    elevation: Py<PyArray1<f32>>,
    time: Py<PyArray1<f64>>,
    range: Py<PyArray1<f32>>,
    moments: Py<PyDict>,
    status: Py<PyDict>,
    units: Py<PyDict>,
}

#[pymethods]
impl PySweep {
    /// Ray azimuths, degrees clockwise from north, shape (n_rays,).
    #[getter]
    fn azimuth(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.azimuth.clone_ref(py)
    }
    /// Ray elevations, degrees, shape (n_rays,).
    #[getter]
    fn elevation(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.elevation.clone_ref(py)
    }
    /// Ray times in seconds after the volume start, shape (n_rays,).
    #[getter]
    fn time(&self, py: Python<'_>) -> Py<PyArray1<f64>> {
        self.time.clone_ref(py)
    }
    /// Range of each gate centre in metres, shape (n_gates,).
    #[getter]
    fn range(&self, py: Python<'_>) -> Py<PyArray1<f32>> {
        self.range.clone_ref(py)
    }
    /// FM 301 name → float32 array (n_rays, n_gates) in physical units, NaN where no valid value.
    #[getter]
    fn moments(&self, py: Python<'_>) -> Py<PyDict> {
        self.moments.clone_ref(py)
    }
    /// FM 301 name → uint8 array (n_rays, n_gates): 0 valid, 1 no echo, 2 range folded, 3 no data.
    #[getter]
    fn status(&self, py: Python<'_>) -> Py<PyDict> {
        self.status.clone_ref(py)
    }
    /// FM 301 name → units string.
    #[getter]
    fn units(&self, py: Python<'_>) -> Py<PyDict> {
        self.units.clone_ref(py)
    }
    fn __repr__(&self, py: Python<'_>) -> String {
        let names: Vec<String> = self
            .moments
            .bind(py)
            .keys()
            .iter()
            .map(|k| k.to_string())
            .collect();
        format!(
            "<squall.Sweep {} {:.2}° moments={names:?}>",
            self.mode, self.fixed_angle
        )
    }
}

/// A polar radar volume read from a file.
#[pyclass(module = "squall", frozen, name = "Volume")]
pub struct PyVolume {
    /// Detected file format identifier, e.g. "cinrad_standard".
    #[pyo3(get)]
    format: &'static str,
    /// Station identifier.
    #[pyo3(get)]
    site_id: String,
    /// Station name.
    #[pyo3(get)]
    site_name: String,
    /// Latitude, degrees north.
    #[pyo3(get)]
    latitude: f64,
    /// Longitude, degrees east.
    #[pyo3(get)]
    longitude: f64,
    /// Antenna altitude above mean sea level, metres.
    #[pyo3(get)]
    altitude: f64,
    /// Transmit frequency in MHz, or None.
    #[pyo3(get)]
    frequency_mhz: Option<f64>,
    /// "S", "C", "X", "other", or None when the frequency is unknown.
    #[pyo3(get)]
    band: Option<String>,
    /// Scan start time, ISO 8601 UTC.
    #[pyo3(get)]
    time: String,
    /// Horizontal beam width, degrees.
    #[pyo3(get)]
    beam_width: f32,
    sweeps: Vec<Py<PySweep>>,
}

#[pymethods]
impl PyVolume {
    /// The sweeps in scan order.
    #[getter]
    fn sweeps(&self, py: Python<'_>) -> Vec<Py<PySweep>> {
        self.sweeps.iter().map(|s| s.clone_ref(py)).collect()
    }
    fn __len__(&self) -> usize {
        self.sweeps.len()
    }
    fn __repr__(&self) -> String {
        format!(
            "<squall.Volume {} {} {} sweeps={}>",
            self.format,
            self.site_id,
            self.time,
            self.sweeps.len()
        )
    }
}

fn sweep_to_py(py: Python<'_>, sweep: squall::Sweep) -> PyResult<PySweep> {
    let mode = match sweep.mode {
        squall::SweepMode::Ppi => "ppi",
        squall::SweepMode::Sector => "sector",
        squall::SweepMode::Rhi => "rhi",
        squall::SweepMode::VerticalPointing => "vertical_pointing",
    };
    let range = sweep.ranges_m();
    let (moments, status, units) = (PyDict::new(py), PyDict::new(py), PyDict::new(py));
    for m in sweep.moments {
        let codes = m.status.mapv(|s| s as u8);
        units.set_item(&m.name, &m.units)?;
        status.set_item(&m.name, codes.into_pyarray(py))?;
        moments.set_item(m.name, m.values.into_pyarray(py))?;
    }
    Ok(PySweep {
        mode,
        fixed_angle: sweep.fixed_angle_deg,
        gate_spacing: sweep.gate_spacing_m,
        nyquist_velocity: sweep.nyquist_mps,
        azimuth: sweep.azimuth_deg.into_pyarray(py).unbind(),
        elevation: sweep.elevation_deg.into_pyarray(py).unbind(),
        time: sweep.time_s.into_pyarray(py).unbind(),
        range: range.into_pyarray(py).unbind(),
        moments: moments.unbind(),
        status: status.unbind(),
        units: units.unbind(),
    })
}

/// Reads a radar volume (format and compression detected from the content).
///
/// Raises FileNotFoundError for a missing file, squall.DecodeError for corrupt or unrecognised content.
#[pyfunction]
fn read_volume(py: Python<'_>, path: PathBuf) -> PyResult<PyVolume> {
    let (format, volume) = py
        .detach(|| squall::io::open_volume_with_format(&path))
        .map_err(|e| to_py(py, e))?;
    let band = volume.band().map(|b| b.to_string());
    let sweeps = volume
        .sweeps
        .into_iter()
        .map(|s| Py::new(py, sweep_to_py(py, s)?))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyVolume {
        format: format.id(),
        site_id: volume.site.id,
        site_name: volume.site.name,
        latitude: volume.site.latitude_deg,
        longitude: volume.site.longitude_deg,
        altitude: volume.site.altitude_m,
        frequency_mhz: volume.frequency_mhz,
        band,
        time: volume.start_time.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        beam_width: volume.beam_width_deg,
        sweeps,
    })
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyVolume>()?;
    m.add_class::<PySweep>()?;
    m.add_function(wrap_pyfunction!(read_volume, m)?)?;
    Ok(())
}
