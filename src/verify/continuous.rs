//! Continuous verification of a deterministic forecast: mean error, mean absolute and squared errors, correlation,
//! regression slopes and reduction of variance (pysteps `det_cont_fct`), accumulated over fields and mergeable;
//! plus the two scores that need all pairs at once, the Spearman rank correlation and the multiplicative scatter of
//! Germann et al. (2006).
//!
//! # References
//! - Potts, J. M. (2012). Basic concepts. In Jolliffe & Stephenson (eds.), *Forecast Verification*, 2nd ed.,
//!   Wiley, 11–29. doi:10.1002/9781119960003.ch2
//! - Chan, T. F., Golub, G. H. & LeVeque, R. J. (1979). Updating formulae and a pairwise algorithm for computing
//!   sample variances. Stanford report STAN-CS-79-773 (merging of means and co-moments).
//! - Germann, U., Galli, G., Boscacci, M. & Bolliger, M. (2006). Radar precipitation measurement in a mountainous
//!   region. *Q. J. R. Meteorol. Soc.* 132, 1669–1692. doi:10.1256/qj.05.190 (scatter, section 4).

use ndarray::{ArrayView2, Zip};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::verify::input::{ratio, same_shape, threshold as check_threshold};

/// Which pairs enter the continuous scores (pysteps `conditioning`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conditioning {
    /// Every pair with finite forecast and observation.
    #[default]
    None,
    /// Pairs where the forecast or the observation is > `threshold`.
    Single {
        /// Threshold, unit of the fields.
        threshold: f64,
    },
    /// Pairs where both the forecast and the observation are > `threshold`.
    Double {
        /// Threshold, unit of the fields.
        threshold: f64,
    },
}

impl Conditioning {
    /// The finite pair `(forecast, observation)` as f64, or `None` if it is missing or conditioned out.
    fn select(self, forecast: f32, observation: f32) -> Option<(f64, f64)> {
        if !(forecast.is_finite() && observation.is_finite()) {
            return None;
        }
        let (f, o) = (f64::from(forecast), f64::from(observation));
        let keep = match self {
            Conditioning::None => true,
            Conditioning::Single { threshold } => f > threshold || o > threshold,
            Conditioning::Double { threshold } => f > threshold && o > threshold,
        };
        keep.then_some((f, o))
    }

    fn validated(self) -> Result<Self> {
        match self {
            Conditioning::None => {}
            Conditioning::Single { threshold } | Conditioning::Double { threshold } => {
                check_threshold("conditioning threshold", threshold)?;
            }
        }
        Ok(self)
    }
}

/// Running moments of forecast/observation pairs: enough for every score of [`ContinuousScores`].
///
/// Each [`accumulate`](ContinuousAccumulator::accumulate) computes the field's means and centred sums in two
/// passes in f64 and merges them into the running state with the pairwise update of Chan et al. (1979), so
/// accumulating fields one by one, merging partial accumulators, or scoring one big field agree to rounding.
/// Pairs with a non-finite forecast or observation are skipped (pysteps skips each field's NaNs separately in
/// its means; the two agree when the NaNs are at the same pixels).
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::verify::{Conditioning, ContinuousAccumulator};
/// let observation = array![[1.0_f32, 2.0], [3.0, 4.0]];
/// let forecast = array![[2.0_f32, 3.0], [4.0, f32::NAN]];
/// let mut accumulator = ContinuousAccumulator::new(Conditioning::None)?;
/// accumulator.accumulate(forecast.view(), observation.view())?;
/// let scores = accumulator.scores();
/// assert_eq!(scores.n, 3);
/// assert_eq!((scores.me, scores.mae, scores.rmse), (1.0, 1.0, 1.0));
/// assert!((scores.corr_p - 1.0).abs() < 1e-12);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ContinuousAccumulator {
    conditioning: Conditioning,
    moments: Moments,
}

/// Count, means and centred (co-)moments of a set of pairs, plus plain sums of the error terms.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Moments {
    n: u64,
    mean_forecast: f64,
    mean_observation: f64,
    /// Σ (f − f̄)².
    m2_forecast: f64,
    /// Σ (o − ō)².
    m2_observation: f64,
    /// Σ (f − f̄)(o − ō).
    comoment: f64,
    /// Σ (f − o).
    sum_error: f64,
    /// Σ |f − o|.
    sum_abs_error: f64,
    /// Σ (f − o)².
    sum_sq_error: f64,
    /// Σ (f + o)².
    sum_sq_sum: f64,
}

/// The online continuous scores (pysteps names, population moments); NaN where undefined (no pairs, or a
/// constant field where a variance divides).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ContinuousScores {
    /// Number of pairs scored.
    pub n: u64,
    /// Mean error (additive bias) E[f − o].
    pub me: f64,
    /// Mean absolute error E|f − o|.
    pub mae: f64,
    /// Mean squared error E[(f − o)²].
    pub mse: f64,
    /// Root mean squared error √MSE.
    pub rmse: f64,
    /// Normalised mean squared error E[(f − o)²] / E[(f + o)²].
    pub nmse: f64,
    /// Debiased RMSE √(MSE − ME²), computed as the standard deviation of f − o.
    pub drmse: f64,
    /// Pearson correlation cov(f, o) / (σ_f σ_o).
    pub corr_p: f64,
    /// Regression slope of o on f, cov(f, o) / var(f) (type-1 conditional bias).
    pub beta1: f64,
    /// Regression slope of f on o, cov(f, o) / var(o) (type-2 conditional bias).
    pub beta2: f64,
    /// Reduction of variance (Nash–Sutcliffe efficiency) 1 − MSE / var(o).
    pub rv: f64,
}

impl ContinuousScores {
    /// The scores under the names pysteps' `det_cont_fct` gives them, in this order: `ME`, `MAE`, `MSE`, `NMSE`,
    /// `RMSE`, `corr_p`, `beta1`, `beta2`, `DRMSE`, `RV` (the pair count `n` is not among them).
    pub fn by_pysteps_name(&self) -> [(&'static str, f64); 10] {
        [
            ("ME", self.me),
            ("MAE", self.mae),
            ("MSE", self.mse),
            ("NMSE", self.nmse),
            ("RMSE", self.rmse),
            ("corr_p", self.corr_p),
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("DRMSE", self.drmse),
            ("RV", self.rv),
        ]
    }
}

impl ContinuousAccumulator {
    /// An empty accumulator for the given pair selection.
    ///
    /// # Errors
    /// [`Error::Parameter`] if a conditioning threshold is NaN.
    pub fn new(conditioning: Conditioning) -> Result<Self> {
        Ok(ContinuousAccumulator {
            conditioning: conditioning.validated()?,
            moments: Moments::default(),
        })
    }

    /// The pair selection of this accumulator.
    pub fn conditioning(&self) -> Conditioning {
        self.conditioning
    }

    /// Adds the pairs of one forecast/observation field (same unit).
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields differ in shape.
    pub fn accumulate(
        &mut self,
        forecast: ArrayView2<f32>,
        observation: ArrayView2<f32>,
    ) -> Result<()> {
        same_shape("continuous scores", &forecast, &observation)?;
        let field = Moments::of_field(&forecast, &observation, self.conditioning);
        self.moments.merge(&field);
        Ok(())
    }

    /// Adds another accumulator's pairs.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the two were made with different conditionings.
    pub fn merge(&mut self, other: &ContinuousAccumulator) -> Result<()> {
        if self.conditioning != other.conditioning {
            return Err(Error::parameter(
                "conditioning",
                format!("{:?}", other.conditioning),
                format!(
                    "cannot merge with an accumulator conditioned by {:?}",
                    self.conditioning
                ),
            ));
        }
        self.moments.merge(&other.moments);
        Ok(())
    }

    /// The scores of all pairs accumulated so far.
    pub fn scores(&self) -> ContinuousScores {
        let m = &self.moments;
        let n = m.n as f64;
        let var_f = ratio(m.m2_forecast, n);
        let var_o = ratio(m.m2_observation, n);
        let cov = ratio(m.comoment, n);
        let mse = ratio(m.sum_sq_error, n);
        ContinuousScores {
            n: m.n,
            me: ratio(m.sum_error, n),
            mae: ratio(m.sum_abs_error, n),
            mse,
            rmse: mse.sqrt(),
            nmse: ratio(m.sum_sq_error, m.sum_sq_sum),
            drmse: (var_f + var_o - 2.0 * cov).max(0.0).sqrt(),
            corr_p: ratio(cov, (var_f * var_o).sqrt()),
            beta1: ratio(cov, var_f),
            beta2: ratio(cov, var_o),
            rv: 1.0 - ratio(mse, var_o),
        }
    }
}

impl Moments {
    /// Moments of one field pair, in two passes (means, then centred sums).
    fn of_field(
        forecast: &ArrayView2<f32>,
        observation: &ArrayView2<f32>,
        conditioning: Conditioning,
    ) -> Moments {
        let mut s = Moments::default();
        let (mut sum_f, mut sum_o) = (0.0, 0.0);
        Zip::from(forecast).and(observation).for_each(|&f, &o| {
            if let Some((f, o)) = conditioning.select(f, o) {
                s.n += 1;
                sum_f += f;
                sum_o += o;
                s.sum_error += f - o;
                s.sum_abs_error += (f - o).abs();
                s.sum_sq_error += (f - o) * (f - o);
                s.sum_sq_sum += (f + o) * (f + o);
            }
        });
        if s.n == 0 {
            return s;
        }
        s.mean_forecast = sum_f / s.n as f64;
        s.mean_observation = sum_o / s.n as f64;
        Zip::from(forecast).and(observation).for_each(|&f, &o| {
            if let Some((f, o)) = conditioning.select(f, o) {
                let (df, d_o) = (f - s.mean_forecast, o - s.mean_observation);
                s.m2_forecast += df * df;
                s.m2_observation += d_o * d_o;
                s.comoment += df * d_o;
            }
        });
        s
    }

    /// Pairwise update (Chan et al. 1979): the moments of the union of both sets of pairs.
    fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta_f = other.mean_forecast - self.mean_forecast;
        let delta_o = other.mean_observation - self.mean_observation;
        self.m2_forecast += other.m2_forecast + delta_f * delta_f * na * nb / n;
        self.m2_observation += other.m2_observation + delta_o * delta_o * na * nb / n;
        self.comoment += other.comoment + delta_f * delta_o * na * nb / n;
        self.mean_forecast += delta_f * nb / n;
        self.mean_observation += delta_o * nb / n;
        self.n += other.n;
        self.sum_error += other.sum_error;
        self.sum_abs_error += other.sum_abs_error;
        self.sum_sq_error += other.sum_sq_error;
        self.sum_sq_sum += other.sum_sq_sum;
    }
}

/// The selected finite pairs of a field as f64.
fn pairs(
    forecast: &ArrayView2<f32>,
    observation: &ArrayView2<f32>,
    conditioning: Conditioning,
) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    Zip::from(forecast).and(observation).for_each(|&f, &o| {
        out.extend(conditioning.select(f, o));
    });
    out
}

/// Spearman rank correlation of forecast and observation (pysteps `corr_s`): the Pearson correlation of the
/// ranks, tied values sharing their mean rank.
///
/// Needs all pairs at once (no accumulator). NaN with fewer than 3 pairs (pysteps' rule) or a constant field.
///
/// # Errors
/// [`Error::Shape`] if the fields differ in shape, [`Error::Parameter`] if a conditioning threshold is NaN.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::verify::{spearman_correlation, Conditioning};
/// let observation = array![[1.0_f32, 2.0, 3.0, 4.0]];
/// let forecast = array![[10.0_f32, 20.0, 300.0, 4000.0]];
/// let rho = spearman_correlation(forecast.view(), observation.view(), Conditioning::None)?;
/// assert!((rho - 1.0).abs() < 1e-12);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn spearman_correlation(
    forecast: ArrayView2<f32>,
    observation: ArrayView2<f32>,
    conditioning: Conditioning,
) -> Result<f64> {
    same_shape("spearman correlation", &forecast, &observation)?;
    let pairs = pairs(&forecast, &observation, conditioning.validated()?);
    if pairs.len() < 3 {
        return Ok(f64::NAN);
    }
    let rank_f = average_ranks(pairs.iter().map(|p| p.0).collect());
    let rank_o = average_ranks(pairs.iter().map(|p| p.1).collect());
    let n = pairs.len() as f64;
    // Both rank vectors have mean (n + 1) / 2.
    let mean = (n + 1.0) / 2.0;
    let (mut cov, mut var_f, mut var_o) = (0.0, 0.0, 0.0);
    for (rf, ro) in rank_f.iter().zip(&rank_o) {
        cov += (rf - mean) * (ro - mean);
        var_f += (rf - mean) * (rf - mean);
        var_o += (ro - mean) * (ro - mean);
    }
    Ok(ratio(cov, (var_f * var_o).sqrt()))
}

/// Ranks 1..=n of `values` in their original order; ties get the mean of the ranks they span.
fn average_ranks(values: Vec<f64>) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) hold ranks start+1..=end; their mean is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Multiplicative scatter of Germann et al. (2006, section 4), dB: half the distance between the 16 % and 84 %
/// points of the distribution of the errors q = 10 log₁₀(f / o), each pair weighted by the observation o.
///
/// Only pairs with f > 0 and o > 0 have an error and a weight (pysteps would also weigh pairs with both values
/// negative, by a negative weight). The weighted distribution is the cumulative
/// weight of the errors sorted ascending, starting from 0 at the smallest error and interpolated linearly between
/// errors (numpy `interp`, as pysteps). pysteps parks the pairs without a finite error at (smallest error − 1 dB)
/// with zero weight, which moves the 16 % point only when the smallest error alone carries more than 16 % of the
/// weight. Needs all pairs at once (no accumulator). NaN without a positive pair (pysteps raises).
///
/// # Errors
/// [`Error::Shape`] if the fields differ in shape, [`Error::Parameter`] if a conditioning threshold is NaN.
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::verify::{scatter, Conditioning};
/// // A forecast twice the observation everywhere: every error is +3.01 dB, no scatter.
/// let observation = Array2::from_shape_fn((8, 8), |(i, j)| 1.0 + (i * 8 + j) as f32);
/// let forecast = observation.mapv(|o| 2.0 * o);
/// let s = scatter(forecast.view(), observation.view(), Conditioning::None)?;
/// assert!(s.abs() < 1e-6);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn scatter(
    forecast: ArrayView2<f32>,
    observation: ArrayView2<f32>,
    conditioning: Conditioning,
) -> Result<f64> {
    same_shape("scatter", &forecast, &observation)?;
    let mut errors: Vec<(f64, f64)> = pairs(&forecast, &observation, conditioning.validated()?)
        .into_iter()
        .filter(|&(f, o)| f > 0.0 && o > 0.0)
        .map(|(f, o)| (10.0 * (f / o).log10(), o))
        .collect();
    if errors.is_empty() {
        return Ok(f64::NAN);
    }
    errors.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Knots: (cumulative weight, error), starting at (0, smallest error).
    let total: f64 = errors.iter().map(|e| e.1).sum();
    let mut knots = Vec::with_capacity(errors.len() + 1);
    knots.push((0.0, errors[0].0));
    let mut cumulative = 0.0;
    for &(q, w) in &errors {
        cumulative += w;
        knots.push((cumulative / total, q));
    }
    Ok((interpolate(&knots, 0.84) - interpolate(&knots, 0.16)) / 2.0)
}

/// Piecewise-linear interpolation of `knots` (x non-decreasing) at `x`, as numpy `interp`: the segment starting
/// at the last knot with x_k ≤ x; clamped to the end values.
fn interpolate(knots: &[(f64, f64)], x: f64) -> f64 {
    let j = knots.partition_point(|k| k.0 <= x);
    if j == 0 {
        return knots[0].1;
    }
    if j == knots.len() {
        return knots[j - 1].1;
    }
    let (x0, y0) = knots[j - 1];
    let (x1, y1) = knots[j];
    let slope = (y1 - y0) / (x1 - x0);
    slope * (x - x0) + y0
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array, s};

    fn field(seed: u32, shape: (usize, usize)) -> Array2<f32> {
        Array2::from_shape_fn(shape, |(i, j)| {
            let k = (i * 131 + j * 17 + seed as usize * 7919) as f32;
            ((k * 0.618).sin() * 5.0 + 5.0).max(0.0)
        })
    }

    #[test]
    fn hand_computed_scores() {
        let observation = array![[1.0_f32, 2.0, 3.0]];
        let forecast = array![[2.0_f32, 2.0, 5.0]];
        let mut acc = ContinuousAccumulator::new(Conditioning::None).unwrap();
        acc.accumulate(forecast.view(), observation.view()).unwrap();
        let s = acc.scores();
        // errors 1, 0, 2
        assert!((s.me - 1.0).abs() < 1e-15);
        assert!((s.mae - 1.0).abs() < 1e-15);
        assert!((s.mse - 5.0 / 3.0).abs() < 1e-15);
        assert!((s.nmse - 5.0 / (9.0 + 16.0 + 64.0)).abs() < 1e-15);
        // var(o) = 2/3, var(f) = 2, cov = 1 (population)
        assert!((s.beta1 - 0.5).abs() < 1e-14);
        assert!((s.beta2 - 1.5).abs() < 1e-14);
        assert!((s.corr_p - 1.0 / (4.0_f64 / 3.0).sqrt()).abs() < 1e-14);
        assert!((s.drmse - (5.0_f64 / 3.0 - 1.0).sqrt()).abs() < 1e-14);
        assert!((s.rv - (1.0 - 2.5)).abs() < 1e-14);
    }

    #[test]
    fn accumulate_merge_and_single_call_agree() {
        let (f, o) = (field(1, (30, 20)), field(2, (30, 20)));
        let mut whole = ContinuousAccumulator::new(Conditioning::None).unwrap();
        whole.accumulate(f.view(), o.view()).unwrap();
        let mut first = ContinuousAccumulator::new(Conditioning::None).unwrap();
        first
            .accumulate(f.slice(s![..7, ..]), o.slice(s![..7, ..]))
            .unwrap();
        let mut second = ContinuousAccumulator::new(Conditioning::None).unwrap();
        second
            .accumulate(f.slice(s![7.., ..]), o.slice(s![7.., ..]))
            .unwrap();
        first.merge(&second).unwrap();
        let (a, b) = (whole.scores(), first.scores());
        assert_eq!(a.n, b.n);
        for (x, y) in [
            (a.me, b.me),
            (a.mse, b.mse),
            (a.corr_p, b.corr_p),
            (a.beta1, b.beta1),
            (a.rv, b.rv),
        ] {
            assert!((x - y).abs() < 1e-12 * x.abs().max(1.0), "{x} vs {y}");
        }
    }

    #[test]
    fn conditioning_selects_pairs() {
        let observation = array![[0.0_f32, 2.0, 0.0, 3.0]];
        let forecast = array![[0.0_f32, 0.0, 2.0, 3.0]];
        let count = |c| {
            let mut acc = ContinuousAccumulator::new(c).unwrap();
            acc.accumulate(forecast.view(), observation.view()).unwrap();
            acc.scores().n
        };
        assert_eq!(count(Conditioning::None), 4);
        assert_eq!(count(Conditioning::Single { threshold: 1.0 }), 3);
        assert_eq!(count(Conditioning::Double { threshold: 1.0 }), 1);
        let a = ContinuousAccumulator::new(Conditioning::None).unwrap();
        let mut b = ContinuousAccumulator::new(Conditioning::Single { threshold: 1.0 }).unwrap();
        assert!(b.merge(&a).is_err());
        assert!(
            ContinuousAccumulator::new(Conditioning::Double {
                threshold: f64::NAN
            })
            .is_err()
        );
    }

    #[test]
    fn one_sided_nan_skips_the_pair() {
        let observation = array![[1.0_f32, f32::NAN, 3.0]];
        let forecast = array![[1.0_f32, 100.0, 3.0]];
        let mut acc = ContinuousAccumulator::new(Conditioning::None).unwrap();
        acc.accumulate(forecast.view(), observation.view()).unwrap();
        let s = acc.scores();
        assert_eq!((s.n, s.me, s.mse), (2, 0.0, 0.0));
        assert!((s.corr_p - 1.0).abs() < 1e-15);
    }

    #[test]
    fn empty_and_constant_fields() {
        let missing = Array2::from_elem((2, 2), f32::NAN);
        let mut acc = ContinuousAccumulator::new(Conditioning::None).unwrap();
        acc.accumulate(missing.view(), missing.view()).unwrap();
        let s = acc.scores();
        assert_eq!(s.n, 0);
        assert!(s.me.is_nan() && s.rmse.is_nan() && s.corr_p.is_nan() && s.rv.is_nan());
        let dry = Array2::<f32>::zeros((2, 2));
        acc.accumulate(dry.view(), dry.view()).unwrap();
        let s = acc.scores();
        assert_eq!((s.n, s.me, s.mse), (4, 0.0, 0.0));
        assert!(s.corr_p.is_nan() && s.beta1.is_nan() && s.nmse.is_nan() && s.rv.is_nan());
        assert!(
            spearman_correlation(dry.view(), dry.view(), Conditioning::None)
                .unwrap()
                .is_nan()
        );
        assert!(
            scatter(dry.view(), dry.view(), Conditioning::None)
                .unwrap()
                .is_nan()
        );
    }

    #[test]
    fn average_ranks_share_ties() {
        assert_eq!(
            average_ranks(vec![3.0, 1.0, 3.0, 2.0]),
            vec![3.5, 1.0, 3.5, 2.0]
        );
    }

    #[test]
    fn spearman_of_reversed_order_is_minus_one() {
        let o = array![[1.0_f32, 2.0, 3.0, 4.0, 5.0]];
        let f = array![[9.0_f32, 7.0, 5.0, 3.0, 1.0]];
        let rho = spearman_correlation(f.view(), o.view(), Conditioning::None).unwrap();
        assert!((rho + 1.0).abs() < 1e-15);
        let two = array![[1.0_f32, 2.0]];
        assert!(
            spearman_correlation(two.view(), two.view(), Conditioning::None)
                .unwrap()
                .is_nan()
        );
    }

    #[test]
    fn scatter_of_two_error_classes() {
        // Half of the weight at −10 dB, half at +10 dB: the 16 % point lies on the first segment, the 84 % point
        // on the last one.
        let o = array![[1.0_f32, 1.0]];
        let f = array![[0.1_f32, 10.0]];
        let s = scatter(f.view(), o.view(), Conditioning::None).unwrap();
        // knots (0, −10), (0.5, −10), (1, 10): q16 = −10, q84 = −10 + 0.34/0.5 · 20 = 3.6
        assert!((s - 6.8).abs() < 1e-6, "{s}");
    }

    #[test]
    fn interpolation_clamps_and_follows_numpy() {
        let knots = [(0.0, 1.0), (0.5, 3.0), (0.5, 7.0), (1.0, 9.0)];
        assert_eq!(interpolate(&knots, -1.0), 1.0);
        assert_eq!(interpolate(&knots, 0.25), 2.0);
        assert_eq!(interpolate(&knots, 0.5), 7.0);
        assert_eq!(interpolate(&knots, 2.0), 9.0);
    }
}
