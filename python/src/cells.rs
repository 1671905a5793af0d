//! Convective cells (`squall.cells`): identification with properties, and a scan-by-scan tracker.

use chrono::{DateTime, Utc};
use numpy::{IntoPyArray, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::conversion::FromPyObjectOwned;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use squall::cells::{
    Cell, CellFields, Ellipse, IdentifyConfig, TrackEnd, TrackEventKind, Tracker, TrackerConfig,
    identify_2d, measure,
};
use squall::geo::{GridSpec, Projection};

use crate::errors::to_py;

/// The grid of a field `(ny, nx)` with `spacing_m` pixels: azimuthal equidistant about `centre` (latitude,
/// longitude; the grid's middle), or about (0, 0) without longitudes and latitudes when no centre is given.
fn grid(
    ny: usize,
    nx: usize,
    spacing_m: f64,
    centre: Option<(f64, f64)>,
) -> squall::Result<GridSpec> {
    if !(spacing_m.is_finite() && spacing_m > 0.0) || ny == 0 || nx == 0 {
        return Err(squall::Error::parameter(
            "spacing_m / shape",
            format!("{spacing_m} / ({ny}, {nx})"),
            "need a positive spacing and a non-empty field",
        ));
    }
    let (latitude_deg, longitude_deg) = centre.unwrap_or((0.0, 0.0));
    Ok(GridSpec {
        projection: Projection::AzimuthalEquidistant {
            latitude_deg,
            longitude_deg,
        },
        ny,
        nx,
        x0: -0.5 * (nx - 1) as f64 * spacing_m,
        y0: -0.5 * (ny - 1) as f64 * spacing_m,
        dx: spacing_m,
        dy: spacing_m,
    })
}

fn time_of(seconds: f64) -> squall::Result<DateTime<Utc>> {
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u32;
    (seconds.is_finite())
        .then(|| DateTime::from_timestamp(whole as i64, nanos))
        .flatten()
        .ok_or_else(|| squall::Error::parameter("time", seconds, "not a valid POSIX time"))
}

fn ellipse_dict<'py>(py: Python<'py>, e: &Ellipse) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("major_km", e.major_km)?;
    d.set_item("minor_km", e.minor_km)?;
    d.set_item("orientation_deg", e.orientation_deg)?;
    Ok(d)
}

/// A cell as a dict; `footprint` (flat pixel indices, uint32) lets the tracker overlap it with the next scan.
fn cell_dict<'py>(py: Python<'py>, c: &Cell) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("id", c.id)?;
    d.set_item("track", c.track)?;
    d.set_item("time", c.time.map(|t| t.timestamp_millis() as f64 / 1000.0))?;
    d.set_item("lon", c.lon)?;
    d.set_item("lat", c.lat)?;
    for (key, value) in [
        ("row", c.row),
        ("col", c.col),
        ("x_m", c.x_m),
        ("y_m", c.y_m),
        ("area_km2", c.area_km2),
        ("max_dbz", c.max_dbz),
        ("mean_dbz", c.mean_dbz),
        ("core_threshold_dbz", c.core_threshold_dbz),
        ("max_rain_rate_mm_h", c.max_rain_rate_mm_h),
        ("heavy_rain_area_km2", c.heavy_rain_area_km2),
    ] {
        d.set_item(key, value)?;
    }
    d.set_item("ellipse", ellipse_dict(py, &c.ellipse)?)?;
    d.set_item("outline", c.outline.clone())?;
    d.set_item("footprint", c.footprint.clone().into_pyarray(py))?;
    Ok(d)
}

fn required<'py, T: FromPyObjectOwned<'py>>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<T> {
    d.get_item(key)?
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "cell dict without '{key}' (give the dicts of identify)"
            ))
        })?
        .extract::<T>()
        .map_err(|e| {
            let e: PyErr = e.into();
            PyTypeError::new_err(format!("cell '{key}': {e}"))
        })
}

/// The Rust cell of a dict made by `identify` (the fields the tracker and the forecasts use).
fn cell_from(d: &Bound<'_, PyDict>) -> PyResult<Cell> {
    let footprint: PyReadonlyArray1<'_, u32> = required(d, "footprint")?;
    let footprint = footprint.as_array().to_vec();
    Ok(Cell {
        id: required(d, "id")?,
        x_m: required(d, "x_m")?,
        y_m: required(d, "y_m")?,
        row: required(d, "row")?,
        col: required(d, "col")?,
        area_km2: required(d, "area_km2")?,
        max_dbz: required(d, "max_dbz")?,
        mean_dbz: required(d, "mean_dbz")?,
        core_threshold_dbz: required(d, "core_threshold_dbz")?,
        max_rain_rate_mm_h: required(d, "max_rain_rate_mm_h")?,
        heavy_rain_area_km2: required(d, "heavy_rain_area_km2")?,
        footprint,
        ..Cell::default()
    })
}

/// Cells of a composite reflectivity field `(ny, nx)` dBZ (NaN = no data) with their properties, largest first.
#[pyfunction]
#[pyo3(signature = (field, spacing_m, centre=None, thresholds_dbz=None, min_area_km2=10.0, min_core_area_km2=4.0, split_step_db=Some(1.0), min_prominence_db=1.5))]
#[allow(clippy::too_many_arguments)]
fn cells_identify<'py>(
    py: Python<'py>,
    field: PyReadonlyArray2<'py, f32>,
    spacing_m: f64,
    centre: Option<(f64, f64)>,
    thresholds_dbz: Option<Vec<f32>>,
    min_area_km2: f64,
    min_core_area_km2: f64,
    split_step_db: Option<f32>,
    min_prominence_db: f32,
) -> PyResult<Bound<'py, PyList>> {
    let values = field.as_array();
    let defaults = IdentifyConfig::default();
    let config = IdentifyConfig {
        thresholds_dbz: thresholds_dbz.unwrap_or(defaults.thresholds_dbz),
        min_area_km2,
        min_core_area_km2,
        split_step_db,
        min_prominence_db,
        ..defaults
    };
    let (ny, nx) = values.dim();
    let cells = py
        .detach(|| {
            let spec = grid(ny, nx, spacing_m, centre)?;
            let identified = identify_2d(values, &spec, &config)?;
            let mut cells = measure(&identified, values, &CellFields::default(), None)?;
            if centre.is_none() {
                for c in &mut cells {
                    (c.lon, c.lat) = (None, None);
                }
            }
            Ok(cells)
        })
        .map_err(|e| to_py(py, e))?;
    let list = PyList::empty(py);
    for c in &cells {
        list.append(cell_dict(py, c)?)?;
    }
    Ok(list)
}

/// Streaming tracker: `update(cells, time)` once per scan.
#[pyclass(module = "squall", name = "Tracker")]
struct PyTracker {
    inner: Tracker,
}

#[pymethods]
impl PyTracker {
    #[new]
    #[pyo3(signature = (shape, spacing_m, max_speed_mps=100.0 / 3.6, max_gap_scans=2, event_overlap=0.2))]
    fn new(
        py: Python<'_>,
        shape: (usize, usize),
        spacing_m: f64,
        max_speed_mps: f64,
        max_gap_scans: usize,
        event_overlap: f64,
    ) -> PyResult<Self> {
        let config = TrackerConfig {
            max_speed_mps,
            max_gap_scans,
            event_overlap,
            ..TrackerConfig::default()
        };
        grid(shape.0, shape.1, spacing_m, None)
            .and_then(|spec| Tracker::new(spec, config))
            .map(|inner| PyTracker { inner })
            .map_err(|e| to_py(py, e))
    }

    /// Links the cells of a scan (dicts of `identify` on the same grid) at `time` (POSIX seconds): a dict with
    /// `tracks` (the track id of each cell), `merges` and `splits` (lists of `{"parents": [...], "children":
    /// [...]}` seen in this scan).
    fn update<'py>(
        &mut self,
        py: Python<'py>,
        cells: Vec<Bound<'py, PyDict>>,
        time: f64,
    ) -> PyResult<Bound<'py, PyDict>> {
        let mut cells = cells
            .iter()
            .map(cell_from)
            .collect::<PyResult<Vec<Cell>>>()?;
        let time = time_of(time).map_err(|e| to_py(py, e))?;
        for c in &mut cells {
            c.time = Some(time);
        }
        let n_events = self.inner.events().len();
        let tracker = &mut self.inner;
        let ids = py
            .detach(|| tracker.update(&mut cells, time))
            .map_err(|e| to_py(py, e))?;
        let (merges, splits) = (PyList::empty(py), PyList::empty(py));
        for event in &self.inner.events()[n_events..] {
            let d = PyDict::new(py);
            d.set_item("parents", event.parents.clone())?;
            d.set_item("children", event.children.clone())?;
            match event.kind {
                TrackEventKind::Merge => merges.append(d)?,
                TrackEventKind::Split => splits.append(d)?,
            }
        }
        let out = PyDict::new(py);
        out.set_item("tracks", ids)?;
        out.set_item("merges", merges)?;
        out.set_item("splits", splits)?;
        Ok(out)
    }

    /// Every track so far: dicts with `id`, `parents`, `children`, `length` (scans seen), `velocity_mps` (u, v),
    /// `active`, `ended` (None, "lost" or "merged"), `x_m`, `y_m` (last centroid).
    fn tracks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for t in self.inner.tracks() {
            let d = PyDict::new(py);
            d.set_item("id", t.id)?;
            d.set_item("parents", t.parents.clone())?;
            d.set_item("children", t.children.clone())?;
            d.set_item("length", t.history.len())?;
            d.set_item("velocity_mps", t.velocity_mps)?;
            d.set_item("active", t.is_active())?;
            d.set_item(
                "ended",
                t.ended.map(|e| match e {
                    TrackEnd::Lost => "lost",
                    TrackEnd::Merged(_) => "merged",
                }),
            )?;
            d.set_item("x_m", t.last().x_m)?;
            d.set_item("y_m", t.last().y_m)?;
            list.append(d)?;
        }
        Ok(list)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cells_identify, m)?)?;
    m.add_class::<PyTracker>()?;
    Ok(())
}
