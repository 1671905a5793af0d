//! Scores from merged accumulator state, for runs split over many processes (`squall.dask`).

use numpy::{IntoPyArray, PyArray1, PyArray2, PyArray3, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use squall::verify::{
    ContingencyTable, Crps, RankHistogram, ReliabilityDiagram, RocCurve, TieBreaking,
    exceedance_probability,
};

use crate::errors::to_py;
use crate::verification::scores_dict;

/// Every categorical score (pysteps' names, as `verification_det_cat`) of a contingency table given by its
/// counts, e.g. the sum of the counts of many forecasts.
#[pyfunction]
fn contingency_scores(
    py: Python<'_>,
    hits: u64,
    misses: u64,
    false_alarms: u64,
    correct_negatives: u64,
) -> PyResult<Bound<'_, PyDict>> {
    let table = ContingencyTable {
        hits,
        misses,
        false_alarms,
        correct_negatives,
    };
    scores_dict(py, &table, false)
}

/// Accumulator state of an ensemble `members (m, y, x)` against `observation (y, x)`, as plain arrays that add up
/// over forecasts: `crps_sum`, `crps_pixels`; `rank_counts (m+1,)` (ties spread evenly over the ranks they could
/// take); per threshold of `thresholds` (event: value ≥ threshold, probability = fraction of members), the
/// reliability bins `rel_count`, `rel_events`, `rel_sum_p` `(thresholds, n_bins)` and the ROC tables
/// `roc_counts (thresholds, n_prob_thrs, 4)` = hits, misses, false alarms, correct negatives.
#[pyfunction]
fn ensemble_accumulate<'py>(
    py: Python<'py>,
    members: PyReadonlyArray3<'py, f32>,
    observation: PyReadonlyArray2<'py, f32>,
    thresholds: Vec<f64>,
    n_bins: usize,
    n_prob_thrs: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let (members, observation) = (members.as_array(), observation.as_array());
    let n_thr = thresholds.len();
    let state = py
        .detach(|| -> squall::Result<_> {
            let mut crps = Crps::new();
            crps.accumulate(members, observation)?;
            let mut rank = RankHistogram::new(members.dim().0, None, TieBreaking::Spread)?;
            rank.accumulate(members, observation)?;
            let mut rel = ndarray::Array3::<f64>::zeros((3, n_thr, n_bins));
            let mut roc = ndarray::Array3::<u64>::zeros((n_thr, n_prob_thrs, 4));
            for (j, &threshold) in thresholds.iter().enumerate() {
                let probability = exceedance_probability(members, threshold)?;
                let mut diagram = ReliabilityDiagram::new(threshold, n_bins, 0)?;
                diagram.accumulate(probability.view(), observation)?;
                let curve = diagram.curve();
                for b in 0..n_bins {
                    let count = curve.sample_size[b] as f64;
                    if count > 0.0 {
                        rel[[0, j, b]] = count;
                        // Events and probability sums of the bin, back from its means.
                        rel[[1, j, b]] = (curve.observed_frequency[b] * count).round();
                        rel[[2, j, b]] = curve.forecast_probability[b] * count;
                    }
                }
                let mut curve = RocCurve::new(threshold, n_prob_thrs)?;
                curve.accumulate(probability.view(), observation)?;
                for (i, t) in curve.tables().iter().enumerate() {
                    for (k, v) in [t.hits, t.misses, t.false_alarms, t.correct_negatives]
                        .into_iter()
                        .enumerate()
                    {
                        roc[[j, i, k]] = v;
                    }
                }
            }
            Ok((crps, rank.counts().to_vec(), rel, roc))
        })
        .map_err(|e| to_py(py, e))?;
    let (crps, rank, rel, roc) = state;
    let out = PyDict::new(py);
    out.set_item("crps_sum", crps.sum())?;
    out.set_item("crps_pixels", crps.pixels())?;
    out.set_item("rank_counts", PyArray1::from_vec(py, rank))?;
    let rel_arrays: Vec<Bound<'py, PyArray2<f64>>> = rel
        .outer_iter()
        .map(|a| a.to_owned().into_pyarray(py))
        .collect();
    out.set_item("rel_count", &rel_arrays[0])?;
    out.set_item("rel_events", &rel_arrays[1])?;
    out.set_item("rel_sum_p", &rel_arrays[2])?;
    let roc: Bound<'py, PyArray3<u64>> = roc.into_pyarray(py);
    out.set_item("roc_counts", roc)?;
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(contingency_scores, m)?)?;
    m.add_function(wrap_pyfunction!(ensemble_accumulate, m)?)?;
    Ok(())
}
