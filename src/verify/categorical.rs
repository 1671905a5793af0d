//! Categorical (yes/no) verification: the 2 × 2 contingency table of a thresholded forecast against a thresholded
//! observation, and the scores computed from it.
//!
//! With hits a, false alarms b, misses c and correct negatives d (n = a + b + c + d), the scores follow Jolliffe &
//! Stephenson (2012, chapter 3) and carry pysteps' names (`det_cat_fct`): POD, FAR, POFD (pysteps `FA`), ACC, CSI,
//! BIAS, HSS, HK, GSS (= ETS), SEDI, MCC, F1. A score whose denominator is zero is undefined and returned as NaN.
//!
//! # References
//! - Jolliffe, I. T. & Stephenson, D. B. (eds.) (2012). *Forecast Verification: A Practitioner's Guide in
//!   Atmospheric Science*, 2nd ed., Wiley. doi:10.1002/9781119960003, chapter 3.
//! - Ferro, C. A. T. & Stephenson, D. B. (2011). Extremal dependence indices. *Weather and Forecasting* 26,
//!   699–713. doi:10.1175/WAF-D-10-05030.1 (SEDI, eq. 2).
//! - Hogan, R. J., Ferro, C. A. T., Jolliffe, I. T. & Stephenson, D. B. (2010). Equitability revisited. *Weather and
//!   Forecasting* 25, 710–726. doi:10.1175/2009WAF2222350.1 (ETS = GSS, eq. 4).

use ndarray::{ArrayView2, Zip};
use serde::Serialize;

use crate::error::Result;
use crate::verify::input::{Sample, ratio, same_shape, threshold as check_threshold};

/// Counts of the four outcomes of a yes/no forecast, accumulated over any number of fields.
///
/// An event is a value **strictly above** the threshold (pysteps `det_cat_fct` convention; the spatial and
/// probabilistic scores use ≥). A pair in which the forecast or the observation is not finite (NaN, ±∞) is missing
/// and skipped. pysteps documents the same but, comparing NaN > threshold, counts such pairs as "no" — a
/// correct negative or a miss; call it on the valid pixels to compare.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::verify::ContingencyTable;
/// let forecast = array![[0.0_f32, 2.0], [3.0, f32::NAN]];
/// let observation = array![[0.0_f32, 5.0], [0.5, 4.0]];
/// let table = ContingencyTable::from_fields(forecast.view(), observation.view(), 1.0)?;
/// assert_eq!((table.hits, table.false_alarms, table.misses, table.correct_negatives), (1, 1, 0, 1));
/// assert_eq!(table.pod(), 1.0);
/// assert_eq!(table.far(), 0.5);
/// assert_eq!(table.csi(), 0.5);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ContingencyTable {
    /// Event forecast and observed (a).
    pub hits: u64,
    /// Event observed but not forecast (c).
    pub misses: u64,
    /// Event forecast but not observed (b).
    pub false_alarms: u64,
    /// Event neither forecast nor observed (d).
    pub correct_negatives: u64,
}

/// Every categorical score of a [`ContingencyTable`], with pysteps' names; NaN where undefined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CategoricalScores {
    /// Probability of detection (hit rate) a / (a + c).
    pub pod: f64,
    /// False alarm ratio b / (a + b).
    pub far: f64,
    /// Probability of false detection (false alarm rate, pysteps `FA`) b / (b + d).
    pub pofd: f64,
    /// Accuracy (proportion correct) (a + d) / n.
    pub acc: f64,
    /// Critical success index (threat score) a / (a + b + c).
    pub csi: f64,
    /// Frequency bias (a + b) / (a + c).
    pub bias: f64,
    /// Heidke skill score 2 (ad − bc) / [(a + c)(c + d) + (a + b)(b + d)].
    pub hss: f64,
    /// Hanssen–Kuipers discriminant (Peirce skill score) POD − POFD.
    pub hk: f64,
    /// Gilbert skill score, also called equitable threat score (ETS).
    pub gss: f64,
    /// Symmetric extremal dependence index.
    pub sedi: f64,
    /// Matthews correlation coefficient.
    pub mcc: f64,
    /// F1 score (harmonic mean of POD and 1 − FAR) 2a / (2a + b + c).
    pub f1: f64,
}

impl ContingencyTable {
    /// An empty table.
    pub fn new() -> ContingencyTable {
        ContingencyTable::default()
    }

    /// The table of one forecast/observation pair of fields (see [`ContingencyTable::accumulate`]).
    pub fn from_fields<F: Sample, O: Sample>(
        forecast: ArrayView2<F>,
        observation: ArrayView2<O>,
        threshold: f64,
    ) -> Result<Self> {
        let mut table = ContingencyTable::new();
        table.accumulate(forecast, observation, threshold)?;
        Ok(table)
    }

    /// Adds the pixels of one forecast/observation pair; an event is a value > `threshold` (same unit as the
    /// fields); pairs with a non-finite value are skipped. The fields may be `f32` or `f64` (compared as `f64`).
    ///
    /// # Errors
    /// [`Error::Shape`](crate::Error::Shape) if the fields differ in shape, [`Error::Parameter`](crate::Error::Parameter)
    /// if `threshold` is NaN.
    pub fn accumulate<F: Sample, O: Sample>(
        &mut self,
        forecast: ArrayView2<F>,
        observation: ArrayView2<O>,
        threshold: f64,
    ) -> Result<()> {
        same_shape("contingency table", &forecast, &observation)?;
        let threshold = check_threshold("threshold", threshold)?;
        let mut counts = [0_u64; 4];
        Zip::from(&forecast).and(&observation).for_each(|&f, &o| {
            let (f, o): (f64, f64) = (f.into(), o.into());
            if f.is_finite() && o.is_finite() {
                let forecast_yes = f > threshold;
                let observed_yes = o > threshold;
                counts[usize::from(forecast_yes) * 2 + usize::from(observed_yes)] += 1;
            }
        });
        let [correct_negatives, misses, false_alarms, hits] = counts;
        self.merge(&ContingencyTable {
            hits,
            misses,
            false_alarms,
            correct_negatives,
        });
        Ok(())
    }

    /// Adds the counts of another table (made with the same threshold).
    pub fn merge(&mut self, other: &ContingencyTable) {
        self.hits += other.hits;
        self.misses += other.misses;
        self.false_alarms += other.false_alarms;
        self.correct_negatives += other.correct_negatives;
    }

    /// Number of pairs n = a + b + c + d.
    pub fn total(&self) -> u64 {
        self.hits + self.misses + self.false_alarms + self.correct_negatives
    }

    /// Probability of detection a / (a + c); NaN without observed events.
    pub fn pod(&self) -> f64 {
        let (a, _, c, _) = self.as_f64();
        ratio(a, a + c)
    }

    /// False alarm ratio b / (a + b); NaN without forecast events.
    pub fn far(&self) -> f64 {
        let (a, b, _, _) = self.as_f64();
        ratio(b, a + b)
    }

    /// Probability of false detection (false alarm rate, pysteps `FA`) b / (b + d); NaN without observed
    /// non-events.
    pub fn pofd(&self) -> f64 {
        let (_, b, _, d) = self.as_f64();
        ratio(b, b + d)
    }

    /// Accuracy (proportion correct) (a + d) / n; NaN for an empty table.
    pub fn acc(&self) -> f64 {
        let (a, b, c, d) = self.as_f64();
        ratio(a + d, a + b + c + d)
    }

    /// Critical success index a / (a + b + c); NaN when neither forecast nor observation has an event.
    pub fn csi(&self) -> f64 {
        let (a, b, c, _) = self.as_f64();
        ratio(a, a + b + c)
    }

    /// Frequency bias (a + b) / (a + c); NaN without observed events.
    pub fn bias(&self) -> f64 {
        let (a, b, c, _) = self.as_f64();
        ratio(a + b, a + c)
    }

    /// Heidke skill score 2 (ad − bc) / [(a + c)(c + d) + (a + b)(b + d)]; NaN when the denominator is zero
    /// (forecast or observation constant).
    pub fn hss(&self) -> f64 {
        let (a, b, c, d) = self.as_f64();
        ratio(2.0 * (a * d - b * c), (a + c) * (c + d) + (a + b) * (b + d))
    }

    /// Hanssen–Kuipers discriminant (Peirce skill score, true skill statistic) POD − POFD.
    pub fn hk(&self) -> f64 {
        self.pod() - self.pofd()
    }

    /// Gilbert skill score (equitable threat score) (a − a_r) / (a + b + c − a_r) with the random-chance hits
    /// a_r = (a + b)(a + c) / n; NaN when the denominator is zero.
    ///
    /// pysteps computes the algebraically equal (POD − POFD) / [(1 − s POD)/(1 − s) + POFD (1 − s)/s] with the
    /// base rate s, which is NaN also when there are no observed events (Squall: 0 when only false alarms).
    pub fn gss(&self) -> f64 {
        let (a, b, c, d) = self.as_f64();
        let random_hits = ratio((a + b) * (a + c), a + b + c + d);
        ratio(a - random_hits, a + b + c - random_hits)
    }

    /// Symmetric extremal dependence index (Ferro & Stephenson 2011, eq. 2) with H = POD, F = POFD:
    /// [ln F − ln H − ln(1 − F) + ln(1 − H)] / [ln F + ln H + ln(1 − F) + ln(1 − H)]; NaN when H or F is 0 or 1.
    pub fn sedi(&self) -> f64 {
        let (h, f) = (self.pod(), self.pofd());
        if !(h > 0.0 && h < 1.0 && f > 0.0 && f < 1.0) {
            return f64::NAN;
        }
        let (lf, lh, lnf, lnh) = (f.ln(), h.ln(), (1.0 - f).ln(), (1.0 - h).ln());
        (lf - lh - lnf + lnh) / (lf + lh + lnf + lnh)
    }

    /// Matthews correlation coefficient (ad − bc) / √[(a + b)(a + c)(d + b)(d + c)]; NaN when a margin is zero.
    pub fn mcc(&self) -> f64 {
        let (a, b, c, d) = self.as_f64();
        ratio(
            a * d - b * c,
            ((a + b) * (a + c) * (d + b) * (d + c)).sqrt(),
        )
    }

    /// F1 score 2a / (2a + b + c); NaN when neither forecast nor observation has an event.
    pub fn f1(&self) -> f64 {
        let (a, b, c, _) = self.as_f64();
        ratio(2.0 * a, 2.0 * a + b + c)
    }

    /// All scores at once.
    pub fn scores(&self) -> CategoricalScores {
        CategoricalScores {
            pod: self.pod(),
            far: self.far(),
            pofd: self.pofd(),
            acc: self.acc(),
            csi: self.csi(),
            bias: self.bias(),
            hss: self.hss(),
            hk: self.hk(),
            gss: self.gss(),
            sedi: self.sedi(),
            mcc: self.mcc(),
            f1: self.f1(),
        }
    }

    /// (a, b, c, d) as f64: hits, false alarms, misses, correct negatives.
    fn as_f64(&self) -> (f64, f64, f64, f64) {
        (
            self.hits as f64,
            self.false_alarms as f64,
            self.misses as f64,
            self.correct_negatives as f64,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    /// The example table of Jolliffe & Stephenson (2012, table 3.1: Finley's tornado forecasts).
    fn finley() -> ContingencyTable {
        ContingencyTable {
            hits: 28,
            false_alarms: 72,
            misses: 23,
            correct_negatives: 2680,
        }
    }

    #[test]
    fn finley_tornado_scores() {
        let s = finley().scores();
        assert!((s.pod - 28.0 / 51.0).abs() < 1e-15);
        assert!((s.far - 0.72).abs() < 1e-15);
        assert!((s.acc - 2708.0 / 2803.0).abs() < 1e-15);
        assert!((s.csi - 28.0 / 123.0).abs() < 1e-15);
        // Jolliffe & Stephenson (2012) quote PSS 0.523, HSS 0.355, GSS 0.216 for Finley.
        assert!((s.hk - 0.523).abs() < 5e-4, "{}", s.hk);
        assert!((s.hss - 0.355).abs() < 5e-4, "{}", s.hss);
        assert!((s.gss - 0.216).abs() < 5e-4, "{}", s.gss);
        // HSS = 2 GSS / (1 + GSS) (Schaefer 1990).
        assert!((s.hss - 2.0 * s.gss / (1.0 + s.gss)).abs() < 1e-14);
    }

    #[test]
    fn gss_equals_the_pysteps_form() {
        let t = finley();
        let (pod, pofd) = (t.pod(), t.pofd());
        let s = (t.hits + t.misses) as f64 / t.total() as f64;
        let pysteps_form = (pod - pofd) / ((1.0 - s * pod) / (1.0 - s) + pofd * (1.0 - s) / s);
        assert!((t.gss() - pysteps_form).abs() < 1e-14);
    }

    #[test]
    fn perfect_forecast() {
        let field = array![[0.0_f32, 2.0], [3.0, 0.5]];
        let s = ContingencyTable::from_fields(field.view(), field.view(), 1.0)
            .unwrap()
            .scores();
        assert_eq!(
            (
                s.pod, s.far, s.pofd, s.csi, s.bias, s.hss, s.hk, s.gss, s.mcc, s.f1
            ),
            (1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
        );
        assert!(s.sedi.is_nan(), "SEDI is undefined for H = 1, F = 0");
    }

    #[test]
    fn threshold_is_strict() {
        let forecast = array![[1.0_f32]];
        let t = ContingencyTable::from_fields(forecast.view(), forecast.view(), 1.0).unwrap();
        assert_eq!(t.correct_negatives, 1);
    }

    #[test]
    fn non_finite_pairs_are_skipped() {
        let forecast = array![[f32::NAN, 2.0, f32::INFINITY], [3.0, 0.0, 2.0]];
        let observation = array![[2.0_f32, f32::NAN, 2.0], [3.0, 0.0, 0.0]];
        let t = ContingencyTable::from_fields(forecast.view(), observation.view(), 1.0).unwrap();
        assert_eq!(
            (t.hits, t.false_alarms, t.misses, t.correct_negatives),
            (1, 1, 0, 1)
        );
    }

    #[test]
    fn empty_and_all_missing_give_nan() {
        let missing = Array2::from_elem((3, 4), f32::NAN);
        let t = ContingencyTable::from_fields(missing.view(), missing.view(), 0.1).unwrap();
        assert_eq!(t.total(), 0);
        let s = t.scores();
        for v in [
            s.pod, s.far, s.pofd, s.acc, s.csi, s.bias, s.hss, s.hk, s.gss, s.sedi, s.mcc, s.f1,
        ] {
            assert!(v.is_nan());
        }
    }

    #[test]
    fn no_rain_anywhere() {
        let dry = Array2::<f32>::zeros((4, 4));
        let s = ContingencyTable::from_fields(dry.view(), dry.view(), 0.1)
            .unwrap()
            .scores();
        assert_eq!((s.acc, s.pofd), (1.0, 0.0));
        assert!(
            s.pod.is_nan() && s.csi.is_nan() && s.gss.is_nan() && s.hss.is_nan() && s.bias.is_nan()
        );
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = finley();
        a.merge(&finley());
        assert_eq!(a.total(), 2 * finley().total());
        assert_eq!(a.pod(), finley().pod());
    }

    #[test]
    fn bad_arguments() {
        let a = Array2::<f32>::zeros((2, 3));
        let b = Array2::<f32>::zeros((3, 2));
        let mut t = ContingencyTable::new();
        assert!(matches!(
            t.accumulate(a.view(), b.view(), 1.0),
            Err(crate::Error::Shape { .. })
        ));
        assert!(matches!(
            t.accumulate(a.view(), a.view(), f64::NAN),
            Err(crate::Error::Parameter { .. })
        ));
        assert_eq!(t.total(), 0);
    }
}
