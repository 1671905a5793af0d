//! Verification bindings: every score is computed by `squall::verify` with the GIL released. Fields arrive as
//! float32 arrays (the Python wrappers flatten shapes the scores do not depend on), or as float32 or float64
//! arrays borrowed as they are for the contingency table, FSS and CRPS; NaN = missing.

use std::collections::HashMap;

use numpy::{IntoPyArray, PyArray1, PyReadonlyArray2};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use squall::verify::{
    Conditioning, ContingencyTable, ContinuousAccumulator, Crps, FssAccumulator,
    ReliabilityDiagram, RocCurve, scatter, spearman_correlation,
};

use crate::args::{Field2, Field3, choice, with_views};
use crate::errors::to_py;

/// Every categorical score of `table` with pysteps' names (`POD`, `FAR`, `FA`, `ACC`, `CSI`, `BIAS`, `HSS`,
/// `HK`, `GSS`, `SEDI`, `MCC`, `F1`, in this order), then, if `counts`, the counts `hits`, `misses`,
/// `false_alarms`, `correct_negatives`. The names are interned Python strings (made once per process).
pub fn scores_dict<'py>(
    py: Python<'py>,
    table: &ContingencyTable,
    counts: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let s = table.scores();
    let dict = PyDict::new(py);
    for (name, value) in [
        (intern!(py, "POD"), s.pod),
        (intern!(py, "FAR"), s.far),
        (intern!(py, "FA"), s.pofd),
        (intern!(py, "ACC"), s.acc),
        (intern!(py, "CSI"), s.csi),
        (intern!(py, "BIAS"), s.bias),
        (intern!(py, "HSS"), s.hss),
        (intern!(py, "HK"), s.hk),
        (intern!(py, "GSS"), s.gss),
        (intern!(py, "SEDI"), s.sedi),
        (intern!(py, "MCC"), s.mcc),
        (intern!(py, "F1"), s.f1),
    ] {
        dict.set_item(name, value)?;
    }
    if counts {
        for (name, value) in [
            (intern!(py, "hits"), table.hits),
            (intern!(py, "misses"), table.misses),
            (intern!(py, "false_alarms"), table.false_alarms),
            (intern!(py, "correct_negatives"), table.correct_negatives),
        ] {
            dict.set_item(name, value as f64)?;
        }
    }
    Ok(dict)
}

/// The contingency table (event = value > `thr`) of a field pair as [`scores_dict`]: every categorical score
/// and, if `counts`, the four counts.
#[pyfunction]
#[pyo3(signature = (pred, obs, thr, counts=true))]
fn verification_det_cat<'py>(
    py: Python<'py>,
    pred: &Bound<'py, PyAny>,
    obs: &Bound<'py, PyAny>,
    thr: f64,
    counts: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let (pred, obs) = (Field2::extract("pred", pred)?, Field2::extract("obs", obs)?);
    let table = with_views!(Field2: &pred, Field2: &obs, |pred, obs| py
        .detach(|| ContingencyTable::from_fields(pred, obs, thr)))
    .map_err(|e| to_py(py, e))?;
    scores_dict(py, &table, counts)
}

/// Continuous scores with pysteps' names (`ME`, `MAE`, `MSE`, `NMSE`, `RMSE`, `corr_p`, `beta1`, `beta2`,
/// `DRMSE`, `RV`), plus `corr_s` and `scatter` when `offline` (they need every pair at once).
#[pyfunction]
#[pyo3(signature = (pred, obs, conditioning=None, thr=0.0, offline=false))]
fn verification_det_cont<'py>(
    py: Python<'py>,
    pred: PyReadonlyArray2<'py, f32>,
    obs: PyReadonlyArray2<'py, f32>,
    conditioning: Option<&str>,
    thr: f64,
    offline: bool,
) -> PyResult<HashMap<&'static str, f64>> {
    let (pred, obs) = (pred.as_array(), obs.as_array());
    let selection = choice(
        py,
        "conditioning",
        conditioning,
        &[
            (None, Conditioning::None),
            (Some("single"), Conditioning::Single { threshold: thr }),
            (Some("double"), Conditioning::Double { threshold: thr }),
        ],
    )?;
    let result = py.detach(|| -> squall::Result<HashMap<&'static str, f64>> {
        let mut accumulator = ContinuousAccumulator::new(selection)?;
        accumulator.accumulate(pred, obs)?;
        let mut scores = HashMap::from(accumulator.scores().by_pysteps_name());
        if offline {
            scores.insert("corr_s", spearman_correlation(pred, obs, selection)?);
            scores.insert("scatter", scatter(pred, obs, selection)?);
        }
        Ok(scores)
    });
    result.map_err(|e| to_py(py, e))
}

/// Fractions skill score of one field pair at one threshold (event ≥ `thr`) for each window size in `scales`.
#[pyfunction]
fn verification_fss<'py>(
    py: Python<'py>,
    x_f: &Bound<'py, PyAny>,
    x_o: &Bound<'py, PyAny>,
    thr: f64,
    scales: Vec<usize>,
) -> PyResult<Vec<f64>> {
    let (x_f, x_o) = (Field2::extract("x_f", x_f)?, Field2::extract("x_o", x_o)?);
    with_views!(Field2: &x_f, Field2: &x_o, |forecast, observation| py.detach(
        || -> squall::Result<Vec<f64>> {
            let mut accumulator = FssAccumulator::new(thr, &scales)?;
            accumulator.accumulate(forecast, observation)?;
            Ok(accumulator.compute())
        }
    ))
    .map_err(|e| to_py(py, e))
}

/// Mean CRPS of an ensemble `(members, y, x)` against `(y, x)` observations.
#[pyfunction]
fn verification_crps<'py>(
    py: Python<'py>,
    x_f: &Bound<'py, PyAny>,
    x_o: &Bound<'py, PyAny>,
) -> PyResult<f64> {
    let (x_f, x_o) = (Field3::extract("x_f", x_f)?, Field2::extract("x_o", x_o)?);
    with_views!(Field3: &x_f, Field2: &x_o, |members, observation| py
    .detach(|| -> squall::Result<f64> {
        let mut crps = Crps::new();
        crps.accumulate(members, observation)?;
        Ok(crps.compute())
    }))
    .map_err(|e| to_py(py, e))
}

/// Reliability diagram of probabilities `p_f` for the event observation ≥ `x_min`: (mean forecast probability,
/// observed frequency, sample size, Brier score) per bin; NaN for bins under `min_count`.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn verification_reldiag<'py>(
    py: Python<'py>,
    p_f: PyReadonlyArray2<'py, f32>,
    x_o: PyReadonlyArray2<'py, f32>,
    x_min: f64,
    n_bins: usize,
    min_count: u64,
) -> PyResult<(
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<u64>>,
    f64,
)> {
    let (probability, observation) = (p_f.as_array(), x_o.as_array());
    let diagram = py
        .detach(|| -> squall::Result<ReliabilityDiagram> {
            let mut diagram = ReliabilityDiagram::new(x_min, n_bins, min_count)?;
            diagram.accumulate(probability, observation)?;
            Ok(diagram)
        })
        .map_err(|e| to_py(py, e))?;
    let curve = diagram.curve();
    Ok((
        curve.forecast_probability.into_pyarray(py),
        curve.observed_frequency.into_pyarray(py),
        curve.sample_size.into_pyarray(py),
        diagram.brier().brier_score,
    ))
}

/// ROC curve of probabilities `p_f` for the event observation ≥ `x_min` at `n_prob_thrs` probability
/// thresholds: (POD, POFD, area).
#[pyfunction]
fn verification_roc<'py>(
    py: Python<'py>,
    p_f: PyReadonlyArray2<'py, f32>,
    x_o: PyReadonlyArray2<'py, f32>,
    x_min: f64,
    n_prob_thrs: usize,
) -> PyResult<(Vec<f64>, Vec<f64>, f64)> {
    let (probability, observation) = (p_f.as_array(), x_o.as_array());
    let roc = py
        .detach(|| -> squall::Result<RocCurve> {
            let mut roc = RocCurve::new(x_min, n_prob_thrs)?;
            roc.accumulate(probability, observation)?;
            Ok(roc)
        })
        .map_err(|e| to_py(py, e))?;
    let points = roc.points();
    Ok((points.pod, points.pofd, roc.area()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(verification_det_cat, m)?)?;
    m.add_function(wrap_pyfunction!(verification_det_cont, m)?)?;
    m.add_function(wrap_pyfunction!(verification_fss, m)?)?;
    m.add_function(wrap_pyfunction!(verification_crps, m)?)?;
    m.add_function(wrap_pyfunction!(verification_reldiag, m)?)?;
    m.add_function(wrap_pyfunction!(verification_roc, m)?)?;
    Ok(())
}
