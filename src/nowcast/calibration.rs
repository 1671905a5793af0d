//! Decision rules and reliability recalibration of ensemble exceedance probabilities, learned on training cases.
//!
//! An `m`-member ensemble forecasts P(R ≥ thr) ∈ {0, 1/m, …, 1}. [`ExceedanceCounts`](crate::nowcast::calibration::ExceedanceCounts) holds, for each of these
//! `m + 1` values, how many pixels observed the event and how many did not: the whole verification of the
//! probability forecast for that threshold (the contingency table of every rule "P ≥ k/m", the Brier score and
//! the reliability diagram), mergeable over cases and lead times.
//!
//! - [`ExceedanceCounts::best_level`](crate::nowcast::calibration::ExceedanceCounts::best_level): the level `k*` of the largest CSI, the decision rule "forecast the event
//!   where P ≥ k*/m" learned on training cases (a heavy-rain event of a few per cent of the pixels is rarely
//!   forecast with P ≥ 0.5 by a spread ensemble, so the CSI-optimal level is usually lower).
//! - [`Recalibration`](crate::nowcast::calibration::Recalibration): the probability each level should have issued, the observed frequency of the event
//!   among the training pixels forecast at that level, made non-decreasing by isotonic regression (the
//!   pool-adjacent-violators algorithm, Ayer et al. 1955), as in the CORP reliability diagram of Dimitriadis et
//!   al. (2021). Applied to new forecasts it removes the over- or under-confidence seen on the training cases
//!   (Hamill and Colucci 1998 recalibrate ensemble probabilities from the training-period rank histograms in
//!   the same spirit); being monotone it keeps the order of the probabilities, so it changes the Brier score and
//!   the reliability but not the contingency table of a rule "P ≥ p*".
//!
//! # References
//! Ayer, M., H. D. Brunk, G. M. Ewing, W. T. Reid and E. Silverman, 1955: An empirical distribution function for
//! sampling with incomplete information. *Ann. Math. Statist.*, 26, 641–647, doi:10.1214/aoms/1177728423.
//! Dimitriadis, T., T. Gneiting and A. I. Jordan, 2021: Stable reliability diagrams for probabilistic
//! classifiers. *Proc. Natl. Acad. Sci.*, 118, e2016191118, doi:10.1073/pnas.2016191118.
//! Hamill, T. M. and S. J. Colucci, 1998: Evaluation of Eta–RSM ensemble probabilistic precipitation forecasts.
//! *Mon. Wea. Rev.*, 126, 711–724.

use ndarray::{Array2, ArrayView2, Zip};

use crate::error::{Error, Result};
use crate::verify::ContingencyTable;

/// Observed events and non-events by forecast probability level `k / members`, `k = 0..=members`, for one
/// threshold.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::nowcast::calibration::ExceedanceCounts;
/// let mut counts = ExceedanceCounts::new(4);
/// let p = array![[0.0f32, 0.25], [0.75, 1.0]];
/// let rain = array![[0.0f32, 6.0], [1.0, 12.0]];
/// counts.accumulate(p.view(), rain.view(), 5.0)?;
/// // "P ≥ 0.25": two hits, one false alarm, no miss.
/// let table = counts.contingency(1);
/// assert_eq!((table.hits, table.false_alarms, table.misses), (2, 1, 0));
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceedanceCounts {
    events: Vec<u64>,
    non_events: Vec<u64>,
}

impl ExceedanceCounts {
    /// Empty counts for an ensemble of `members` (≥ 1; a one-member forecast has the levels 0 and 1).
    pub fn new(members: usize) -> Self {
        let levels = members.max(1) + 1;
        ExceedanceCounts {
            events: vec![0; levels],
            non_events: vec![0; levels],
        }
    }

    /// Number of members `m`.
    pub fn members(&self) -> usize {
        self.events.len() - 1
    }

    /// Observed events at each level `k = 0..=m`.
    pub fn events(&self) -> &[u64] {
        &self.events
    }

    /// Observed non-events at each level.
    pub fn non_events(&self) -> &[u64] {
        &self.non_events
    }

    /// Adds the probability field `p` (0–1, multiples of `1/m`; rounded to the nearest level) against the
    /// observation `obs` for the event `obs ≥ threshold`; pairs with a non-finite value are skipped.
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields differ in shape; [`Error::Parameter`] if `threshold` is NaN or a
    /// probability is outside [0, 1].
    pub fn accumulate(
        &mut self,
        p: ArrayView2<f32>,
        obs: ArrayView2<f32>,
        threshold: f64,
    ) -> Result<()> {
        if p.dim() != obs.dim() {
            return Err(Error::Shape {
                what: "exceedance counts".to_owned(),
                expected: format!("observation shape {:?}", obs.dim()),
                found: format!("probability shape {:?}", p.dim()),
            });
        }
        if threshold.is_nan() {
            return Err(Error::parameter("threshold", threshold, "must not be NaN"));
        }
        let m = self.members() as f32;
        let mut bad = None;
        Zip::from(&p).and(&obs).for_each(|&p, &o| {
            if !(p.is_finite() && o.is_finite()) {
                return;
            }
            if !(0.0..=1.0).contains(&p) {
                bad = Some(p);
                return;
            }
            let k = (p * m).round() as usize;
            if f64::from(o) >= threshold {
                self.events[k] += 1;
            } else {
                self.non_events[k] += 1;
            }
        });
        match bad {
            Some(p) => Err(Error::parameter("probability", p, "must be in [0, 1]")),
            None => Ok(()),
        }
    }

    /// Adds another set of counts.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the member counts differ.
    pub fn merge(&mut self, other: &ExceedanceCounts) -> Result<()> {
        if other.members() != self.members() {
            return Err(Error::parameter(
                "members",
                other.members(),
                format!("cannot merge with counts of {} members", self.members()),
            ));
        }
        for (a, b) in self.events.iter_mut().zip(&other.events) {
            *a += b;
        }
        for (a, b) in self.non_events.iter_mut().zip(&other.non_events) {
            *a += b;
        }
        Ok(())
    }

    /// The contingency table of the rule "event where P ≥ `level / m`" (`level` clamped to `0..=m`).
    pub fn contingency(&self, level: usize) -> ContingencyTable {
        let k = level.min(self.members());
        let total = |v: &[u64]| v.iter().sum::<u64>();
        ContingencyTable {
            hits: total(&self.events[k..]),
            false_alarms: total(&self.non_events[k..]),
            misses: total(&self.events[..k]),
            correct_negatives: total(&self.non_events[..k]),
        }
    }

    /// The level `k ∈ 1..=m` of the largest CSI (the lowest such level on ties); 1 without any event.
    pub fn best_level(&self) -> usize {
        let mut best = (1, f64::NEG_INFINITY);
        for k in 1..=self.members() {
            let csi = self.contingency(k).csi();
            if csi > best.1 {
                best = (k, csi);
            }
        }
        best.0
    }

    /// The forecast probabilities of the levels as issued, `k / m`.
    pub fn raw_probabilities(&self) -> Vec<f64> {
        let m = self.members() as f64;
        (0..=self.members()).map(|k| k as f64 / m).collect()
    }

    /// Brier-score sums `(Σ (q_k − o)², N, Σ o)` when level `k` issues the probability `probability[k]` (levels
    /// beyond `probability.len()` issue 0).
    pub fn brier_sums(&self, probability: &[f64]) -> (f64, f64, f64) {
        let (mut squared_error, mut n, mut events) = (0.0, 0.0, 0.0);
        for (k, (&e, &ne)) in self.events.iter().zip(&self.non_events).enumerate() {
            let q = probability.get(k).copied().unwrap_or(0.0);
            let (e, ne) = (e as f64, ne as f64);
            squared_error += e * (1.0 - q).powi(2) + ne * q * q;
            n += e + ne;
            events += e;
        }
        (squared_error, n, events)
    }

    /// Brier skill score against the sample climatology of the counted pixels, `1 − BS / (ō (1 − ō))`, with the
    /// probabilities as issued; NaN without events or without non-events.
    pub fn brier_skill_score(&self) -> f64 {
        let (squared_error, n, events) = self.brier_sums(&self.raw_probabilities());
        let base = events / n;
        1.0 - squared_error / n / (base * (1.0 - base))
    }
}

/// A monotone map from the `m + 1` probability levels of an ensemble to recalibrated probabilities, learned
/// from [`ExceedanceCounts`] of training cases.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::nowcast::calibration::{ExceedanceCounts, Recalibration};
/// // A two-member ensemble whose P = 1 verifies only half of the time.
/// let mut counts = ExceedanceCounts::new(2);
/// let p = array![[0.0f32, 0.0, 0.5, 0.5, 1.0, 1.0]];
/// let rain = array![[0.0f32, 0.0, 7.0, 0.0, 7.0, 0.0]];
/// counts.accumulate(p.view(), rain.view(), 5.0)?;
/// let recalibration = Recalibration::fit(&counts)?;
/// assert_eq!(recalibration.probabilities(), &[0.0, 0.5, 0.5]);
/// let calibrated = recalibration.apply(p.view())?;
/// assert_eq!(calibrated[[0, 4]], 0.5);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Recalibration {
    probability: Vec<f64>,
}

impl Recalibration {
    /// Isotonic (non-decreasing) regression of the observed event frequency on the level, weighted by the
    /// number of pixels at each level (pool-adjacent-violators); levels without training pixels take the value
    /// interpolated linearly between their nearest neighbours with pixels (or the nearest one's value at the
    /// ends).
    ///
    /// # Errors
    /// [`Error::Parameter`] if the counts hold no pixel.
    pub fn fit(counts: &ExceedanceCounts) -> Result<Self> {
        // Blocks of pooled levels: (first level, last level, events, pixels).
        let mut blocks: Vec<(usize, usize, f64, f64)> = Vec::new();
        for (k, (&e, &ne)) in counts.events.iter().zip(&counts.non_events).enumerate() {
            let n = (e + ne) as f64;
            if n == 0.0 {
                continue;
            }
            blocks.push((k, k, e as f64, n));
            while blocks.len() > 1 {
                let (b, a) = (blocks[blocks.len() - 1], blocks[blocks.len() - 2]);
                if a.2 / a.3 <= b.2 / b.3 {
                    break;
                }
                blocks.pop();
                let last = blocks.len() - 1;
                blocks[last] = (a.0, b.1, a.2 + b.2, a.3 + b.3);
            }
        }
        if blocks.is_empty() {
            return Err(Error::parameter(
                "training counts",
                0,
                "need at least one pixel to learn a recalibration",
            ));
        }
        let levels = counts.events.len();
        // Value of every level with pixels; empty levels interpolated.
        let mut known: Vec<Option<f64>> = vec![None; levels];
        for &(first, last, e, n) in &blocks {
            for (k, v) in known.iter_mut().enumerate().take(last + 1).skip(first) {
                if counts.events[k] + counts.non_events[k] > 0 {
                    *v = Some(e / n);
                }
            }
        }
        let anchors: Vec<(usize, f64)> = known
            .iter()
            .enumerate()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
        let probability = (0..levels)
            .map(|k| {
                let after = anchors.partition_point(|&(a, _)| a < k);
                match (after.checked_sub(1).map(|i| anchors[i]), anchors.get(after)) {
                    (_, Some(&(a, v))) if a == k => v,
                    (Some((a0, v0)), Some(&(a1, v1))) => {
                        v0 + (v1 - v0) * (k - a0) as f64 / (a1 - a0) as f64
                    }
                    (Some((_, v)), None) | (None, Some(&(_, v))) => v,
                    (None, None) => 0.0,
                }
            })
            .collect();
        Ok(Recalibration { probability })
    }

    /// The recalibrated probability of each level `k = 0..=m`.
    pub fn probabilities(&self) -> &[f64] {
        &self.probability
    }

    /// Number of members `m` of the ensemble it was learned for.
    pub fn members(&self) -> usize {
        self.probability.len() - 1
    }

    /// The recalibrated probability field of a raw probability field `p` of the same ensemble size (each value
    /// rounded to the nearest level `k / m`); NaN kept.
    ///
    /// # Errors
    /// [`Error::Parameter`] if a probability is outside [0, 1].
    pub fn apply(&self, p: ArrayView2<f32>) -> Result<Array2<f32>> {
        let m = self.members() as f32;
        let mut bad = None;
        let out = p.mapv(|v| {
            if !v.is_finite() {
                v
            } else if (0.0..=1.0).contains(&v) {
                self.probability[(v * m).round() as usize] as f32
            } else {
                bad = Some(v);
                f32::NAN
            }
        });
        match bad {
            Some(v) => Err(Error::parameter("probability", v, "must be in [0, 1]")),
            None => Ok(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    fn counts(events: &[u64], non_events: &[u64]) -> ExceedanceCounts {
        ExceedanceCounts {
            events: events.to_vec(),
            non_events: non_events.to_vec(),
        }
    }

    #[test]
    fn isotonic_fit_pools_violators_and_interpolates_empty_levels() {
        // Frequencies 0.1, 0.5, 0.3, (empty), 0.9: levels 1 and 2 pool to 0.4, level 3 interpolates.
        let c = counts(&[1, 5, 3, 0, 9], &[9, 5, 7, 0, 1]);
        let r = Recalibration::fit(&c).unwrap();
        let expected = [0.1, 0.4, 0.4, 0.65, 0.9];
        for (a, b) in r.probabilities().iter().zip(expected) {
            assert!((a - b).abs() < 1e-12, "{:?}", r.probabilities());
        }
        // Already reliable counts are kept as they are.
        let c = counts(&[0, 1, 2], &[4, 1, 0]);
        assert_eq!(
            Recalibration::fit(&c).unwrap().probabilities(),
            &[0.0, 0.5, 1.0]
        );
        assert!(Recalibration::fit(&ExceedanceCounts::new(3)).is_err());
    }

    #[test]
    fn recalibration_never_raises_the_training_brier_score() {
        let c = counts(&[2, 10, 4, 6, 3], &[200, 40, 30, 10, 9]);
        let r = Recalibration::fit(&c).unwrap();
        let (raw, n, _) = c.brier_sums(&c.raw_probabilities());
        let (fitted, _, _) = c.brier_sums(r.probabilities());
        assert!(fitted < raw);
        assert!(n == 314.0);
    }

    #[test]
    fn best_level_and_bad_input() {
        let c = counts(&[0, 1, 8, 1], &[50, 10, 2, 0]);
        // P ≥ 2/3: 9 hits, 2 false alarms, 1 miss → CSI 0.75, the largest.
        assert_eq!(c.best_level(), 2);
        let mut e = ExceedanceCounts::new(3);
        assert!(e.merge(&ExceedanceCounts::new(4)).is_err());
        assert!(
            e.accumulate(array![[1.5f32]].view(), array![[1.0f32]].view(), 1.0)
                .is_err()
        );
        assert!(
            e.accumulate(array![[0.5f32]].view(), array![[1.0f32, 2.0]].view(), 1.0)
                .is_err()
        );
        let r = Recalibration::fit(&c).unwrap();
        assert!(r.apply(array![[-0.1f32]].view()).is_err());
        assert!(r.apply(array![[f32::NAN]].view()).unwrap()[[0, 0]].is_nan());
    }
}
