//! Verification of probability forecasts of an event "observation ≥ threshold": the reliability diagram with the
//! Brier score and its decomposition, and the ROC curve with its area.
//!
//! # References
//! - Brier, G. W. (1950). Verification of forecasts expressed in terms of probability. *Monthly Weather Review*
//!   78, 1–3. doi:10.1175/1520-0493(1950)078<0001:VOFEIT>2.0.CO;2
//! - Murphy, A. H. (1973). A new vector partition of the probability score. *Journal of Applied Meteorology* 12,
//!   595–600. doi:10.1175/1520-0450(1973)012<0595:ANVPOT>2.0.CO;2
//! - Stephenson, D. B., Coelho, C. A. S. & Jolliffe, I. T. (2008). Two extra components in the Brier score
//!   decomposition. *Weather and Forecasting* 23, 752–757. doi:10.1175/2007WAF2006116.1 (eq. 6)
//! - Bröcker, J. & Smith, L. A. (2007). Increasing the reliability of reliability diagrams. *Weather and
//!   Forecasting* 22, 651–661. doi:10.1175/WAF993.1
//! - Mason, I. (1982). A model for assessment of weather forecasts. *Australian Meteorological Magazine* 30,
//!   291–303 (ROC, area by trapezoids).

use ndarray::{ArrayView2, Zip};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::verify::categorical::ContingencyTable;
use crate::verify::input::{at_least, ratio, same_shape, threshold as check_threshold};

/// Per-bin sums of (probability p, event o ∈ {0, 1}) pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct BinSums {
    count: u64,
    events: u64,
    sum_p: f64,
    sum_p_sq: f64,
    sum_p_event: f64,
}

/// Reliability diagram and Brier score of probability forecasts, accumulated over fields and mergeable
/// (pysteps `reldiag_init` / `_accum` / `_compute`, plus the Brier score, which pysteps lacks).
///
/// Bins (pysteps convention): `n_bins` equal bins between −10⁻⁶ and 1 + 10⁻⁶ (edges as numpy
/// `linspace(-1e-6, 1 + 1e-6, n_bins + 1)`), closed on the right: bin k holds edge_k < p ≤ edge_{k+1}.
/// Probabilities outside the bins, and pairs with a non-finite value, are skipped. An event is an observation
/// ≥ `threshold`.
///
/// A bin with fewer than `min_count` pairs has no point in the diagram (NaN), as in pysteps — except that
/// Squall applies `min_count` to the accumulated total, whereas pysteps applies it to each accumulate call
/// (the same for a single call). The Brier score and its decomposition use every binned pair.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::verify::ReliabilityDiagram;
/// let probability = array![[0.1_f32, 0.1, 0.9, 0.9]];
/// let observation = array![[0.0_f32, 0.0, 3.0, 0.0]];
/// let mut diagram = ReliabilityDiagram::new(1.0, 10, 1)?;
/// diagram.accumulate(probability.view(), observation.view())?;
/// let brier = diagram.brier();
/// assert!((brier.brier_score - (0.01 + 0.01 + 0.01 + 0.81) / 4.0).abs() < 1e-7);
/// let curve = diagram.curve();
/// // Bins are closed on the right: 0.9 falls in the ninth bin, (0.8, 0.9].
/// assert_eq!(curve.observed_frequency[8], 0.5);
/// assert_eq!(curve.sample_size[8], 2);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityDiagram {
    threshold: f64,
    min_count: u64,
    edges: Vec<f64>,
    bins: Vec<BinSums>,
}

/// The points of a reliability diagram, one per bin; NaN for bins under the minimum count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityCurve {
    /// Mean forecast probability in each bin (x axis).
    pub forecast_probability: Vec<f64>,
    /// Observed relative frequency of the event in each bin (y axis).
    pub observed_frequency: Vec<f64>,
    /// Number of pairs in each bin, whatever the minimum count (the sharpness histogram; pysteps reports 0 for
    /// bins under its minimum count).
    pub sample_size: Vec<u64>,
}

/// Brier score with Murphy's (1973) decomposition over the reliability bins and the two within-bin terms of
/// Stephenson et al. (2008): BS = REL − RES + UNC + WBV − 2 WBC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BrierScore {
    /// Number of pairs N.
    pub n: u64,
    /// BS = (1/N) Σ (p − o)².
    pub brier_score: f64,
    /// REL = (1/N) Σ_k n_k (p̄_k − ō_k)², with p̄_k the mean probability and ō_k the event frequency of bin k.
    pub reliability: f64,
    /// RES = (1/N) Σ_k n_k (ō_k − ō)².
    pub resolution: f64,
    /// UNC = ō (1 − ō), ō the overall event frequency.
    pub uncertainty: f64,
    /// WBV = (1/N) Σ_k Σ_{i∈k} (p_i − p̄_k)²: spread of the probabilities within the bins.
    pub within_bin_variance: f64,
    /// WBC = (1/N) Σ_k Σ_{i∈k} (p_i − p̄_k)(o_i − ō_k).
    pub within_bin_covariance: f64,
    /// Brier skill score against the sample climatology, 1 − BS / UNC.
    pub brier_skill_score: f64,
}

impl ReliabilityDiagram {
    /// An empty diagram for the event "observation ≥ `threshold`" with `n_bins` probability bins and points
    /// shown from `min_count` pairs per bin (pysteps defaults: 10 and 10).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `threshold` is NaN or `n_bins` is 0.
    pub fn new(threshold: f64, n_bins: usize, min_count: u64) -> Result<Self> {
        check_threshold("threshold", threshold)?;
        at_least("number of bins", n_bins, 1)?;
        Ok(ReliabilityDiagram {
            threshold,
            min_count,
            edges: linspace(-1e-6, 1.0 + 1e-6, n_bins + 1),
            bins: vec![BinSums::default(); n_bins],
        })
    }

    /// Adds one probability field (0–1) and its observation field.
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields differ in shape.
    pub fn accumulate(
        &mut self,
        probability: ArrayView2<f32>,
        observation: ArrayView2<f32>,
    ) -> Result<()> {
        same_shape("reliability diagram", &probability, &observation)?;
        let n_bins = self.bins.len();
        Zip::from(&probability)
            .and(&observation)
            .for_each(|&p, &o| {
                if !(p.is_finite() && o.is_finite()) {
                    return;
                }
                let p = f64::from(p);
                // numpy digitize(right=True): index of the first edge ≥ p.
                let index = self.edges.partition_point(|&e| e < p);
                if index == 0 || index > n_bins {
                    return;
                }
                let event = f64::from(o) >= self.threshold;
                let bin = &mut self.bins[index - 1];
                bin.count += 1;
                bin.sum_p += p;
                bin.sum_p_sq += p * p;
                if event {
                    bin.events += 1;
                    bin.sum_p_event += p;
                }
            });
        Ok(())
    }

    /// Adds another diagram's pairs.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the thresholds or bin counts differ.
    pub fn merge(&mut self, other: &ReliabilityDiagram) -> Result<()> {
        if self.threshold != other.threshold || self.bins.len() != other.bins.len() {
            return Err(Error::parameter(
                "reliability diagram",
                format!("threshold {}, {} bins", other.threshold, other.bins.len()),
                format!(
                    "cannot merge with threshold {}, {} bins",
                    self.threshold,
                    self.bins.len()
                ),
            ));
        }
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            a.count += b.count;
            a.events += b.events;
            a.sum_p += b.sum_p;
            a.sum_p_sq += b.sum_p_sq;
            a.sum_p_event += b.sum_p_event;
        }
        Ok(())
    }

    /// Bin edges (n_bins + 1 values).
    pub fn edges(&self) -> &[f64] {
        &self.edges
    }

    /// The reliability-diagram points.
    pub fn curve(&self) -> ReliabilityCurve {
        let shown = |b: &BinSums| b.count > 0 && b.count >= self.min_count;
        ReliabilityCurve {
            forecast_probability: self
                .bins
                .iter()
                .map(|b| {
                    if shown(b) {
                        b.sum_p / b.count as f64
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
            observed_frequency: self
                .bins
                .iter()
                .map(|b| {
                    if shown(b) {
                        b.events as f64 / b.count as f64
                    } else {
                        f64::NAN
                    }
                })
                .collect(),
            sample_size: self.bins.iter().map(|b| b.count).collect(),
        }
    }

    /// The Brier score and its decomposition; all NaN without pairs.
    pub fn brier(&self) -> BrierScore {
        let n: u64 = self.bins.iter().map(|b| b.count).sum();
        let total = n as f64;
        let base_rate = ratio(self.bins.iter().map(|b| b.events as f64).sum(), total);
        let (mut squared_error, mut rel, mut res, mut wbv, mut wbc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for b in self.bins.iter().filter(|b| b.count > 0) {
            let count = b.count as f64;
            let (mean_p, frequency) = (b.sum_p / count, b.events as f64 / count);
            // Σ (p − o)² = Σ p² − 2 Σ p o + Σ o, since o² = o.
            squared_error += b.sum_p_sq - 2.0 * b.sum_p_event + b.events as f64;
            rel += count * (mean_p - frequency).powi(2);
            res += count * (frequency - base_rate).powi(2);
            wbv += b.sum_p_sq - count * mean_p * mean_p;
            wbc += b.sum_p_event - count * mean_p * frequency;
        }
        let brier_score = ratio(squared_error, total);
        let uncertainty = base_rate * (1.0 - base_rate);
        BrierScore {
            n,
            brier_score,
            reliability: ratio(rel, total),
            resolution: ratio(res, total),
            uncertainty,
            within_bin_variance: ratio(wbv, total),
            within_bin_covariance: ratio(wbc, total),
            brier_skill_score: 1.0 - ratio(brier_score, uncertainty),
        }
    }
}

/// ROC curve of probability forecasts: POD against POFD when the forecast says "yes" from each of a set of
/// probability thresholds, accumulated over fields and mergeable (pysteps `ROC_curve_init` / `_accum` /
/// `_compute`).
///
/// Conventions (pysteps): `n` probability thresholds evenly spaced over [0, 1] (numpy `linspace(0, 1, n)`),
/// "yes" when p ≥ the probability threshold, event when the observation ≥ `threshold`; pairs with a non-finite
/// value are skipped. The area is the trapezoid-rule area under the polyline from (1, 1) through the points to
/// (0, 0) (Mason 1982).
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::verify::RocCurve;
/// let probability = array![[0.9_f32, 0.8, 0.2, 0.1]];
/// let observation = array![[5.0_f32, 2.0, 0.0, 0.0]];
/// let mut roc = RocCurve::new(1.0, 11)?;
/// roc.accumulate(probability.view(), observation.view())?;
/// assert_eq!(roc.area(), 1.0); // perfect discrimination
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RocCurve {
    threshold: f64,
    probability_thresholds: Vec<f64>,
    /// One table per probability threshold.
    tables: Vec<ContingencyTable>,
}

/// The points of a ROC curve, one per probability threshold (ascending).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RocPoints {
    /// Probability thresholds.
    pub probability_thresholds: Vec<f64>,
    /// Probability of false detection b / (b + d) at each threshold (x axis).
    pub pofd: Vec<f64>,
    /// Probability of detection a / (a + c) at each threshold (y axis).
    pub pod: Vec<f64>,
}

impl RocCurve {
    /// An empty curve for the event "observation ≥ `threshold`" with `n_probability_thresholds` thresholds
    /// (pysteps default 10).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `threshold` is NaN or `n_probability_thresholds` is 0.
    pub fn new(threshold: f64, n_probability_thresholds: usize) -> Result<Self> {
        check_threshold("threshold", threshold)?;
        at_least(
            "number of probability thresholds",
            n_probability_thresholds,
            1,
        )?;
        Ok(RocCurve {
            threshold,
            probability_thresholds: linspace(0.0, 1.0, n_probability_thresholds),
            tables: vec![ContingencyTable::new(); n_probability_thresholds],
        })
    }

    /// Adds one probability field (0–1) and its observation field.
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields differ in shape.
    pub fn accumulate(
        &mut self,
        probability: ArrayView2<f32>,
        observation: ArrayView2<f32>,
    ) -> Result<()> {
        same_shape("ROC curve", &probability, &observation)?;
        // How many thresholds each pair exceeds (p ≥ t), by observed outcome.
        let n = self.probability_thresholds.len();
        let mut exceeded = [vec![0_u64; n + 1], vec![0_u64; n + 1]];
        Zip::from(&probability)
            .and(&observation)
            .for_each(|&p, &o| {
                if p.is_finite() && o.is_finite() {
                    let k = self
                        .probability_thresholds
                        .partition_point(|&t| t <= f64::from(p));
                    exceeded[usize::from(f64::from(o) >= self.threshold)][k] += 1;
                }
            });
        let [non_events, events] = exceeded;
        for (i, table) in self.tables.iter_mut().enumerate() {
            // "Yes" at threshold i for the pairs exceeding more than i thresholds.
            let yes_events: u64 = events[i + 1..].iter().sum();
            let yes_non_events: u64 = non_events[i + 1..].iter().sum();
            table.merge(&ContingencyTable {
                hits: yes_events,
                misses: events.iter().sum::<u64>() - yes_events,
                false_alarms: yes_non_events,
                correct_negatives: non_events.iter().sum::<u64>() - yes_non_events,
            });
        }
        Ok(())
    }

    /// Adds another curve's pairs.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the thresholds differ.
    pub fn merge(&mut self, other: &RocCurve) -> Result<()> {
        if self.threshold != other.threshold
            || self.probability_thresholds != other.probability_thresholds
        {
            return Err(Error::parameter(
                "ROC curve",
                format!(
                    "threshold {}, {} probability thresholds",
                    other.threshold,
                    other.tables.len()
                ),
                format!(
                    "cannot merge with threshold {}, {} probability thresholds",
                    self.threshold,
                    self.tables.len()
                ),
            ));
        }
        for (a, b) in self.tables.iter_mut().zip(&other.tables) {
            a.merge(b);
        }
        Ok(())
    }

    /// The contingency table at each probability threshold.
    pub fn tables(&self) -> &[ContingencyTable] {
        &self.tables
    }

    /// POFD and POD at each probability threshold; NaN without events (POD) or non-events (POFD).
    pub fn points(&self) -> RocPoints {
        RocPoints {
            probability_thresholds: self.probability_thresholds.clone(),
            pofd: self.tables.iter().map(ContingencyTable::pofd).collect(),
            pod: self.tables.iter().map(ContingencyTable::pod).collect(),
        }
    }

    /// Area under the ROC curve by trapezoids from (1, 1) through the points to (0, 0); 0.5 for no
    /// discrimination, 1 for perfect; NaN without events or non-events.
    pub fn area(&self) -> f64 {
        let RocPoints { pofd, pod, .. } = self.points();
        let last = pofd.len() - 1;
        let mut area = (1.0 - pofd[0]) * (1.0 + pod[0]) / 2.0;
        for i in 0..last {
            area += (pofd[i] - pofd[i + 1]) * (pod[i + 1] + pod[i]) / 2.0;
        }
        area + pofd[last] * pod[last] / 2.0
    }
}

/// `n` evenly spaced values from `start` to `stop` inclusive, computed as numpy `linspace` does (k · step +
/// start, the last one exactly `stop`), so that bin edges and thresholds agree with pysteps to the bit.
fn linspace(start: f64, stop: f64, n: usize) -> Vec<f64> {
    if n == 1 {
        return vec![start];
    }
    let step = (stop - start) / (n - 1) as f64;
    let mut values: Vec<f64> = (0..n).map(|k| k as f64 * step + start).collect();
    values[n - 1] = stop;
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, s};

    fn fields(shape: (usize, usize)) -> (Array2<f32>, Array2<f32>) {
        let p = Array2::from_shape_fn(shape, |(i, j)| (((i * 13 + j * 7) % 21) as f32) / 20.0);
        let o = Array2::from_shape_fn(shape, |(i, j)| {
            if (i * 5 + j * 3) % 21 < 10 + (i % 7) {
                2.0
            } else {
                0.0
            }
        });
        (p, o)
    }

    #[test]
    fn linspace_matches_numpy_bits() {
        // numpy: np.linspace(-1e-6, 1 + 1e-6, 11)[5] == 0.49999999999999994, so p = 0.5 falls in the 6th bin.
        let edges = linspace(-1e-6, 1.0 + 1e-6, 11);
        assert_eq!(edges[5], 0.49999999999999994);
        assert_eq!(edges[0], -1e-6);
        assert_eq!(edges[10], 1.0 + 1e-6);
        assert_eq!(linspace(0.0, 1.0, 10)[3], 3.0 * (1.0 / 9.0));
        assert_eq!(linspace(0.0, 1.0, 1), vec![0.0]);
    }

    #[test]
    fn brier_decomposition_identity() {
        let (p, o) = fields((17, 23));
        let mut d = ReliabilityDiagram::new(1.0, 10, 10).unwrap();
        d.accumulate(p.view(), o.view()).unwrap();
        let b = d.brier();
        let direct = p.iter().zip(o.iter()).map(|(&p, &o)| {
            let e = if o >= 1.0 { 1.0 } else { 0.0 };
            (f64::from(p) - e).powi(2)
        });
        let direct = direct.sum::<f64>() / p.len() as f64;
        assert_eq!(b.n, p.len() as u64);
        assert!((b.brier_score - direct).abs() < 1e-14);
        let sum = b.reliability - b.resolution + b.uncertainty + b.within_bin_variance
            - 2.0 * b.within_bin_covariance;
        assert!(
            (sum - b.brier_score).abs() < 1e-14,
            "{sum} vs {}",
            b.brier_score
        );
    }

    #[test]
    fn perfect_and_climatological_forecasts() {
        let o = Array2::from_shape_fn((4, 4), |(i, _)| if i < 1 { 5.0_f32 } else { 0.0 });
        let perfect = o.mapv(|v| if v >= 1.0 { 1.0 } else { 0.0 });
        let mut d = ReliabilityDiagram::new(1.0, 10, 1).unwrap();
        d.accumulate(perfect.view(), o.view()).unwrap();
        let b = d.brier();
        assert_eq!(
            (b.brier_score, b.reliability, b.brier_skill_score),
            (0.0, 0.0, 1.0)
        );
        assert!((b.resolution - b.uncertainty).abs() < 1e-15);
        let climate = Array2::from_elem((4, 4), 0.25_f32);
        let mut c = ReliabilityDiagram::new(1.0, 10, 1).unwrap();
        c.accumulate(climate.view(), o.view()).unwrap();
        let b = c.brier();
        assert_eq!((b.resolution, b.reliability), (0.0, 0.0));
        assert!((b.brier_score - 0.1875).abs() < 1e-15);
    }

    #[test]
    fn merge_equals_one_accumulator() {
        let (p, o) = fields((20, 20));
        let mut whole = ReliabilityDiagram::new(1.0, 10, 30).unwrap();
        whole.accumulate(p.view(), o.view()).unwrap();
        let mut top = ReliabilityDiagram::new(1.0, 10, 30).unwrap();
        top.accumulate(p.slice(s![..10, ..]), o.slice(s![..10, ..]))
            .unwrap();
        let mut bottom = ReliabilityDiagram::new(1.0, 10, 30).unwrap();
        bottom
            .accumulate(p.slice(s![10.., ..]), o.slice(s![10.., ..]))
            .unwrap();
        top.merge(&bottom).unwrap();
        let (a, b) = (whole.curve(), top.curve());
        assert_eq!(a.sample_size, b.sample_size);
        for (x, y) in a.observed_frequency.iter().zip(&b.observed_frequency) {
            assert!(x == y || (x.is_nan() && y.is_nan()));
        }
        assert!((whole.brier().brier_score - top.brier().brier_score).abs() < 1e-15);
        assert!(
            whole
                .merge(&ReliabilityDiagram::new(1.0, 5, 30).unwrap())
                .is_err()
        );
    }

    #[test]
    fn min_count_applies_to_the_accumulated_total() {
        let p = Array2::from_elem((2, 2), 0.05_f32);
        let o = Array2::<f32>::zeros((2, 2));
        let mut d = ReliabilityDiagram::new(1.0, 10, 6).unwrap();
        d.accumulate(p.view(), o.view()).unwrap();
        assert!(d.curve().observed_frequency[0].is_nan(), "4 pairs < 6");
        d.accumulate(p.view(), o.view()).unwrap();
        assert_eq!(d.curve().observed_frequency[0], 0.0);
        assert_eq!(d.curve().sample_size[0], 8);
    }

    #[test]
    fn out_of_range_and_missing_probabilities_are_skipped() {
        let p = ndarray::array![[-0.5_f32, 1.5, f32::NAN, 1.0]];
        let o = ndarray::array![[1.0_f32, 1.0, 1.0, 1.0]];
        let mut d = ReliabilityDiagram::new(1.0, 10, 1).unwrap();
        d.accumulate(p.view(), o.view()).unwrap();
        assert_eq!(d.brier().n, 1);
        let empty = ReliabilityDiagram::new(1.0, 10, 1).unwrap();
        assert!(empty.brier().brier_score.is_nan());
        assert!(
            empty
                .curve()
                .forecast_probability
                .iter()
                .all(|v| v.is_nan())
        );
    }

    #[test]
    fn roc_tables_follow_the_definition() {
        let (p, o) = fields((9, 11));
        let mut roc = RocCurve::new(1.0, 6).unwrap();
        roc.accumulate(p.view(), o.view()).unwrap();
        for (table, &t) in roc
            .tables()
            .iter()
            .zip(&roc.points().probability_thresholds)
        {
            let mut expected = ContingencyTable::new();
            for (&pv, &ov) in p.iter().zip(o.iter()) {
                let (yes, event) = (f64::from(pv) >= t, ov >= 1.0);
                match (yes, event) {
                    (true, true) => expected.hits += 1,
                    (true, false) => expected.false_alarms += 1,
                    (false, true) => expected.misses += 1,
                    (false, false) => expected.correct_negatives += 1,
                }
            }
            assert_eq!(*table, expected, "threshold {t}");
        }
        let area = roc.area();
        assert!(area > 0.0 && area <= 1.0);
    }

    #[test]
    fn roc_of_a_constant_forecast_is_the_diagonal() {
        let (_, o) = fields((8, 8));
        let p = Array2::from_elem((8, 8), 0.5_f32);
        let mut roc = RocCurve::new(1.0, 10).unwrap();
        roc.accumulate(p.view(), o.view()).unwrap();
        assert!((roc.area() - 0.5).abs() < 1e-15);
        let dry = Array2::<f32>::zeros((8, 8));
        let mut none = RocCurve::new(1.0, 10).unwrap();
        none.accumulate(p.view(), dry.view()).unwrap();
        assert!(none.area().is_nan());
        assert!(RocCurve::new(1.0, 0).is_err());
        assert!(RocCurve::new(f64::NAN, 10).is_err());
        assert!(none.merge(&RocCurve::new(1.0, 11).unwrap()).is_err());
    }
}
