//! Warning bindings (`squall.warn`): areas from GeoJSON, the streaming warning state machine driven by
//! probability nowcasts, and CAP 1.2 / GeoJSON output. Configurations and messages cross as JSON text.

use chrono::{DateTime, Utc};
use numpy::PyReadonlyArray3;
use pyo3::prelude::*;
use squall::geo::GridSpec;
use squall::warn::{
    ProbabilityForecast, WarningConfig, WarningInputs, WarningMessage, areas_from_geojson,
    map_areas, to_cap_xml, to_geojson,
};

use crate::errors::to_py;

fn json_error(what: &str, e: impl std::fmt::Display) -> squall::Error {
    squall::Error::parameter(what, "JSON", e.to_string())
}

/// The areas of a GeoJSON FeatureCollection mapped onto the `n × n` grid of `spacing_m` centred on
/// (`latitude`, `longitude`): `[(id, name, number of grid cells)]`.
#[pyfunction]
fn warn_areas(
    py: Python<'_>,
    geojson: &str,
    latitude: f64,
    longitude: f64,
    n: usize,
    spacing_m: f64,
) -> PyResult<Vec<(u32, String, usize)>> {
    py.detach(|| -> squall::Result<_> {
        let spec = GridSpec::centred_on(latitude, longitude, n, spacing_m)?;
        let mapped = map_areas(&areas_from_geojson(geojson)?, &spec)?;
        Ok(mapped
            .into_iter()
            .map(|m| (m.area.id.0, m.area.name, m.cells.len()))
            .collect())
    })
    .map_err(|e| to_py(py, e))
}

/// A probability forecast from `(lead times in s, probability (t, y, x))`.
fn forecast(input: Option<(Vec<f64>, PyReadonlyArray3<'_, f32>)>) -> Option<ProbabilityForecast> {
    input.map(|(lead_times_s, p)| ProbabilityForecast {
        lead_times_s,
        probability: p.as_array().to_owned(),
    })
}

/// One message as `(CAP 1.2 XML, GeoJSON FeatureCollection text)`.
fn encode(messages: &[WarningMessage]) -> Vec<(String, String)> {
    messages
        .iter()
        .map(|m| {
            (
                to_cap_xml(m),
                to_geojson(std::slice::from_ref(m)).to_string(),
            )
        })
        .collect()
}

/// The warning state between nowcasts (see `squall.warn.WarningState`).
#[pyclass(module = "squall._squall", name = "WarningStateCore")]
struct WarningStateCore {
    state: squall::warn::WarningState,
}

#[pymethods]
impl WarningStateCore {
    /// From a JSON configuration, GeoJSON areas and the grid centred on (`latitude`, `longitude`).
    #[new]
    fn new(
        py: Python<'_>,
        config_json: &str,
        geojson: &str,
        latitude: f64,
        longitude: f64,
        n: usize,
        spacing_m: f64,
    ) -> PyResult<Self> {
        py.detach(|| -> squall::Result<_> {
            let config: WarningConfig =
                serde_json::from_str(config_json).map_err(|e| json_error("config", e))?;
            let spec = GridSpec::centred_on(latitude, longitude, n, spacing_m)?;
            let areas = map_areas(&areas_from_geojson(geojson)?, &spec)?;
            let state = squall::warn::WarningState::new(config, areas, spec.shape())?;
            Ok(WarningStateCore { state })
        })
        .map_err(|e| to_py(py, e))
    }

    /// Processes the nowcast valid at `time` (ISO 8601 / RFC 3339): `[(CAP XML, GeoJSON)]` of the messages.
    #[pyo3(signature = (time, rain_rate=None, rain_accumulation=None))]
    fn update(
        &mut self,
        py: Python<'_>,
        time: &str,
        rain_rate: Option<(Vec<f64>, PyReadonlyArray3<'_, f32>)>,
        rain_accumulation: Option<(Vec<f64>, PyReadonlyArray3<'_, f32>)>,
    ) -> PyResult<Vec<(String, String)>> {
        let time: DateTime<Utc> = DateTime::parse_from_rfc3339(time)
            .map_err(|e| to_py(py, squall::Error::parameter("time", time, e.to_string())))?
            .with_timezone(&Utc);
        let inputs = WarningInputs {
            rain_rate: forecast(rain_rate),
            rain_accumulation: forecast(rain_accumulation),
            ..Default::default()
        };
        let state = &mut self.state;
        py.detach(|| state.update(time, &inputs).map(|m| encode(&m)))
            .map_err(|e| to_py(py, e))
    }

    /// Number of warnings in force.
    fn n_active(&self) -> usize {
        self.state.active().len()
    }

    /// The state as JSON text (to continue after a restart with `from_json`).
    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        serde_json::to_string(&self.state).map_err(|e| to_py(py, json_error("state", e)))
    }

    /// A state saved by `to_json`.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        serde_json::from_str(text)
            .map(|state| WarningStateCore { state })
            .map_err(|e| to_py(py, json_error("state", e)))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(warn_areas, m)?)?;
    m.add_class::<WarningStateCore>()?;
    Ok(())
}
