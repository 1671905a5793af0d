//! Scores from merged accumulator state, for runs split over many processes (`squall.dask`).

use std::collections::HashMap;

use pyo3::prelude::*;
use squall::verify::ContingencyTable;

/// Every categorical score (pysteps' names, as `verification_det_cat`) of a contingency table given by its
/// counts, e.g. the sum of the counts of many forecasts.
#[pyfunction]
fn contingency_scores(
    hits: u64,
    misses: u64,
    false_alarms: u64,
    correct_negatives: u64,
) -> HashMap<&'static str, f64> {
    let table = ContingencyTable {
        hits,
        misses,
        false_alarms,
        correct_negatives,
    };
    let s = table.scores();
    HashMap::from([
        ("POD", s.pod),
        ("FAR", s.far),
        ("FA", s.pofd),
        ("ACC", s.acc),
        ("CSI", s.csi),
        ("BIAS", s.bias),
        ("HSS", s.hss),
        ("HK", s.hk),
        ("GSS", s.gss),
        ("SEDI", s.sedi),
        ("MCC", s.mcc),
        ("F1", s.f1),
    ])
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(contingency_scores, m)?)?;
    Ok(())
}
