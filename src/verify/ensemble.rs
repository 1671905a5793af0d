//! Ensemble verification: the continuous ranked probability score (CRPS) of an ensemble, the rank histogram, and
//! the mean skill and spread of the members under any deterministic score.
//!
//! # References
//! - Hersbach, H. (2000). Decomposition of the continuous ranked probability score for ensemble prediction
//!   systems. *Weather and Forecasting* 15, 559–570. doi:10.1175/1520-0434(2000)015<0559:DOTCRP>2.0.CO;2
//! - Gneiting, T. & Raftery, A. E. (2007). Strictly proper scoring rules, prediction, and estimation. *Journal of
//!   the American Statistical Association* 102, 359–378. doi:10.1198/016214506000001437 (eq. 20)
//! - Hamill, T. M. (2001). Interpretation of rank histograms for verifying ensemble forecasts. *Monthly Weather
//!   Review* 129, 550–560. doi:10.1175/1520-0493(2001)129<0550:IORHFV>2.0.CO;2
//! - Zacharov, P. & Rezacova, D. (2009). Using the fractions skill score to assess the relationship between an
//!   ensemble QPF spread and skill. *Atmospheric Research* 94, 684–693. doi:10.1016/j.atmosres.2009.03.004

use ndarray::{Array2, ArrayView2, ArrayView3, Axis, Zip};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::verify::input::{Sample, at_least, ensemble_shape, ratio, threshold as check_threshold};

/// Mean CRPS of ensemble forecasts over pixels, accumulated over fields (pysteps `CRPS_init` / `_accum` /
/// `_compute`).
///
/// At each pixel the forecast distribution is the empirical CDF of the m members (each a step of 1/m), and
///
/// CRPS = ∫ (F(x) − H(x − y))² dx = (1/m) Σ|x_i − y| − (1/(2m²)) Σ_i Σ_j |x_i − x_j|
///
/// (Hersbach 2000, eqs. 5 and 26–29; Gneiting & Raftery 2007, eq. 20), evaluated with the sorted members as
/// (1/m) Σ|x_i − y| − (1/m²) Σ_i (2i − m − 1) x_(i). This is the estimator pysteps uses (not the "fair" one with
/// m(m − 1)). Pixels where the observation or any member is not finite are skipped.
///
/// pysteps' `CRPS_accum` drops the interval above a member that equals the observation (its case tests are all
/// strict), so wherever a member ties with the observation — every dry pixel with a dry member — its CRPS is too
/// small (members {0, 1}, observation 0: pysteps 0, the integral 0.25). The two agree on pixels without ties.
///
/// # Units
/// The unit of the fields (mm h⁻¹ for rain rates).
///
/// # Examples
/// ```
/// use ndarray::{Array2, Array3};
/// use squall::verify::Crps;
/// let members = Array3::from_shape_vec((2, 1, 1), vec![0.0_f32, 1.0]).unwrap();
/// let observation = Array2::<f32>::zeros((1, 1));
/// let mut crps = Crps::new();
/// crps.accumulate(members.view(), observation.view())?;
/// assert_eq!(crps.compute(), 0.25);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Crps {
    sum: f64,
    pixels: u64,
}

impl Crps {
    /// An empty accumulator.
    pub fn new() -> Crps {
        Crps::default()
    }

    /// Adds the pixels of one ensemble `(members, y, x)` and its observation `(y, x)`.
    ///
    /// Rows are scored in parallel and summed in row order, so the result does not depend on the thread count.
    ///
    /// # Errors
    /// [`Error::Shape`] if the ensemble has no member or its `(y, x)` differs from the observation's.
    pub fn accumulate<F: Sample, O: Sample>(
        &mut self,
        members: ArrayView3<F>,
        observation: ArrayView2<O>,
    ) -> Result<()> {
        ensemble_shape("CRPS ensemble", &members, &observation)?;
        let m = members.len_of(Axis(0));
        let rows: Vec<(f64, u64)> = (0..observation.nrows())
            .into_par_iter()
            .map_init(Vec::new, |scratch: &mut Vec<f64>, i| {
                let member_row = members.index_axis(Axis(1), i);
                let mut sum = 0.0;
                let mut pixels = 0;
                for (j, &y) in observation.row(i).iter().enumerate() {
                    scratch.clear();
                    scratch.extend(member_row.column(j).iter().map(|&x| x.into()));
                    let y: f64 = y.into();
                    if !y.is_finite() || scratch.iter().any(|x| !x.is_finite()) {
                        continue;
                    }
                    sum += crps_sorted(scratch, y, m);
                    pixels += 1;
                }
                (sum, pixels)
            })
            .collect();
        for (sum, pixels) in rows {
            self.sum += sum;
            self.pixels += pixels;
        }
        Ok(())
    }

    /// Adds another accumulator's pixels.
    pub fn merge(&mut self, other: &Crps) {
        self.sum += other.sum;
        self.pixels += other.pixels;
    }

    /// Sum of the pixels' CRPS (the accumulator state with [`Self::pixels`]).
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// Number of pixels scored.
    pub fn pixels(&self) -> u64 {
        self.pixels
    }

    /// The mean CRPS over all scored pixels; NaN if none.
    pub fn compute(&self) -> f64 {
        ratio(self.sum, self.pixels as f64)
    }
}

/// CRPS of one pixel: sorts `members` (finite) in place and applies the kernel form with sorted members.
fn crps_sorted(members: &mut [f64], y: f64, m: usize) -> f64 {
    members.sort_unstable_by(f64::total_cmp);
    let mut absolute = 0.0;
    let mut spread = 0.0;
    for (i, &x) in members.iter().enumerate() {
        absolute += (x - y).abs();
        // Weight 2i − m − 1 with 1-based i.
        spread += (2.0 * i as f64 + 1.0 - m as f64) * x;
    }
    let m = m as f64;
    absolute / m - spread / (m * m)
}

/// How a rank histogram places an observation that ties with members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TieBreaking {
    /// Uniformly at random among the ranks it could take (Hamill 2001; pysteps, which uses numpy's global
    /// random state), from a ChaCha8 stream seeded with `seed`, drawn in pixel order.
    Random {
        /// Seed of the random stream.
        seed: u64,
    },
    /// Spread evenly over those ranks (fractional counts: the expectation of `Random`, reproducible and
    /// independent of the order of accumulation).
    Spread,
}

/// Rank histogram (Talagrand diagram) of an ensemble: how often the observation falls below all m members,
/// between members k and k + 1, or above all, accumulated over fields (pysteps `rankhist_init` / `_accum` /
/// `_compute`).
///
/// The rank of an observation is the number of members strictly below it; an observation equal to t members can
/// take any rank from there to t more, resolved by [`TieBreaking`]. With `x_min`, pixels where the observation and
/// all members are below `x_min` are skipped and the values below `x_min` are treated as equal (so a dry
/// observation ties with the dry members). Pixels with a non-finite value are skipped.
///
/// # Examples
/// ```
/// use ndarray::{Array2, Array3};
/// use squall::verify::{RankHistogram, TieBreaking};
/// let members = Array3::from_shape_vec((3, 1, 2), vec![1.0_f32, 0.0, 2.0, 0.0, 3.0, 5.0]).unwrap();
/// let observation = Array2::from_shape_vec((1, 2), vec![2.5_f32, 0.0]).unwrap();
/// let mut histogram = RankHistogram::new(3, None, TieBreaking::Spread)?;
/// histogram.accumulate(members.view(), observation.view())?;
/// // 2.5 lies above two members (rank 2); 0 ties with two members (ranks 0, 1 or 2).
/// let third = 1.0 / 3.0;
/// assert_eq!(histogram.counts(), &[third, third, 1.0 + third, 0.0]);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct RankHistogram {
    x_min: Option<f64>,
    ties: TieBreaking,
    rng: ChaCha8Rng,
    counts: Vec<f64>,
}

impl RankHistogram {
    /// An empty histogram for ensembles of `members` members (m + 1 bins).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `members` is 0 or `x_min` is NaN.
    pub fn new(members: usize, x_min: Option<f64>, ties: TieBreaking) -> Result<Self> {
        at_least("number of members", members, 1)?;
        if x_min.is_some_and(f64::is_nan) {
            return Err(Error::parameter(
                "x_min",
                f64::NAN,
                "must be a number, not NaN",
            ));
        }
        let seed = match ties {
            TieBreaking::Random { seed } => seed,
            TieBreaking::Spread => 0,
        };
        Ok(RankHistogram {
            x_min,
            ties,
            rng: ChaCha8Rng::seed_from_u64(seed),
            counts: vec![0.0; members + 1],
        })
    }

    /// Adds one ensemble `(members, y, x)` and its observation `(y, x)`; pixels are visited in row-major order.
    ///
    /// # Errors
    /// [`Error::Shape`] if the number of members differs from the histogram's or `(y, x)` from the observation's.
    pub fn accumulate(
        &mut self,
        members: ArrayView3<f32>,
        observation: ArrayView2<f32>,
    ) -> Result<()> {
        ensemble_shape("rank-histogram ensemble", &members, &observation)?;
        let m = self.counts.len() - 1;
        if members.len_of(Axis(0)) != m {
            return Err(Error::Shape {
                what: "rank-histogram ensemble".into(),
                expected: format!("{m} members"),
                found: format!("{} members", members.len_of(Axis(0))),
            });
        }
        // Values below x_min all map to −∞, so that they tie with each other.
        let x_min = self.x_min;
        let level = |v: f32| match x_min {
            Some(x) if f64::from(v) < x => f64::NEG_INFINITY,
            _ => f64::from(v),
        };
        for ((i, j), &y) in observation.indexed_iter() {
            let column = members.slice(ndarray::s![.., i, j]);
            if !y.is_finite() || column.iter().any(|x| !x.is_finite()) {
                continue;
            }
            let y = level(y);
            if x_min.is_some()
                && y == f64::NEG_INFINITY
                && column.iter().all(|&x| level(x) == f64::NEG_INFINITY)
            {
                continue;
            }
            let below = column.iter().filter(|&&x| level(x) < y).count();
            let ties = column.iter().filter(|&&x| level(x) == y).count();
            match self.ties {
                TieBreaking::Random { .. } => {
                    let rank = if ties == 0 {
                        below
                    } else {
                        below + self.rng.random_range(0..=ties)
                    };
                    self.counts[rank] += 1.0;
                }
                TieBreaking::Spread => {
                    let share = 1.0 / (ties + 1) as f64;
                    for count in &mut self.counts[below..=below + ties] {
                        *count += share;
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds another histogram's counts (the random stream of `self` continues unchanged).
    ///
    /// # Errors
    /// [`Error::Parameter`] if the member counts, `x_min` or tie rules differ.
    pub fn merge(&mut self, other: &RankHistogram) -> Result<()> {
        let same_ties = matches!(
            (self.ties, other.ties),
            (TieBreaking::Spread, TieBreaking::Spread)
                | (TieBreaking::Random { .. }, TieBreaking::Random { .. })
        );
        if self.counts.len() != other.counts.len() || self.x_min != other.x_min || !same_ties {
            return Err(Error::parameter(
                "rank histogram",
                format!(
                    "{} bins, x_min {:?}, {:?}",
                    other.counts.len(),
                    other.x_min,
                    other.ties
                ),
                format!(
                    "cannot merge with {} bins, x_min {:?}, {:?}",
                    self.counts.len(),
                    self.x_min,
                    self.ties
                ),
            ));
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        Ok(())
    }

    /// Counts per rank 0..=m (whole numbers with [`TieBreaking::Random`]).
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// Counts divided by their total (pysteps `normalize=True`); NaN if nothing was counted.
    pub fn normalized(&self) -> Vec<f64> {
        let total: f64 = self.counts.iter().sum();
        self.counts.iter().map(|&c| ratio(c, total)).collect()
    }
}

/// Probability that the value is ≥ `threshold` at each pixel: the fraction of members at or above it (pysteps
/// `ensemblestats.excprob` with `ignore_nan=False`): NaN where any member is not finite.
///
/// # Shape
/// `members (m ≥ 1, y, x)` → `(y, x)`, probabilities in [0, 1].
///
/// # Errors
/// [`Error::Shape`] for an ensemble without members; [`Error::Parameter`] if `threshold` is NaN.
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::verify::exceedance_probability;
/// let members = Array3::from_shape_vec((4, 1, 2), vec![0.0_f32, 1.0, 2.0, 1.0, 5.0, f32::NAN, 1.0, 3.0]).unwrap();
/// let p = exceedance_probability(members.view(), 1.0)?;
/// assert_eq!(p[[0, 0]], 0.75);
/// assert!(p[[0, 1]].is_nan());
/// # Ok::<(), squall::Error>(())
/// ```
pub fn exceedance_probability(members: ArrayView3<f32>, threshold: f64) -> Result<Array2<f32>> {
    let threshold = check_threshold("threshold", threshold)?;
    let (m, ny, nx) = members.dim();
    if m == 0 {
        return Err(Error::Shape {
            what: "exceedance probability ensemble".into(),
            expected: "(members ≥ 1, y, x)".into(),
            found: format!("{:?}", members.dim()),
        });
    }
    let mut probability = Array2::<f32>::zeros((ny, nx));
    Zip::from(&mut probability)
        .and(members.lanes(Axis(0)))
        .par_for_each(|p, lane| {
            let mut count = 0_usize;
            for &x in lane {
                if !x.is_finite() {
                    *p = f32::NAN;
                    return;
                }
                count += usize::from(f64::from(x) >= threshold);
            }
            *p = count as f32 / m as f32;
        });
    Ok(probability)
}

/// Mean of a deterministic score of each member against the observation (pysteps `ensemble_skill`; Zacharov &
/// Rezacova 2009 with the FSS). NaN if a member's score is NaN.
///
/// # Errors
/// [`Error::Shape`] if the ensemble has no member or differs in `(y, x)`; any error of `score`.
///
/// # Examples
/// ```
/// use ndarray::{Array2, Array3};
/// use squall::verify::{ensemble_skill, fss};
/// let observation = Array2::from_shape_fn((16, 16), |(i, _)| if i < 8 { 2.0_f32 } else { 0.0 });
/// let members = Array3::from_shape_fn((2, 16, 16), |(k, i, _)| if i < 8 + k { 2.0_f32 } else { 0.0 });
/// let skill = ensemble_skill(members.view(), observation.view(), |f, o| fss(f, o, 1.0, 1))?;
/// assert!((skill - (1.0 + 1.0 - 16.0 / 272.0) / 2.0).abs() < 1e-12);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn ensemble_skill<F>(
    members: ArrayView3<f32>,
    observation: ArrayView2<f32>,
    mut score: F,
) -> Result<f64>
where
    F: FnMut(ArrayView2<f32>, ArrayView2<f32>) -> Result<f64>,
{
    ensemble_shape("ensemble skill", &members, &observation)?;
    let mut sum = 0.0;
    for member in members.outer_iter() {
        sum += score(member, observation)?;
    }
    Ok(sum / members.len_of(Axis(0)) as f64)
}

/// Mean of a deterministic score over all pairs of distinct members, `score(member_i, member_j)` for i < j
/// (pysteps `ensemble_spread`).
///
/// # Errors
/// [`Error::Shape`] with fewer than 2 members; any error of `score`.
pub fn ensemble_spread<F>(members: ArrayView3<f32>, mut score: F) -> Result<f64>
where
    F: FnMut(ArrayView2<f32>, ArrayView2<f32>) -> Result<f64>,
{
    let m = members.len_of(Axis(0));
    if m < 2 {
        return Err(Error::Shape {
            what: "ensemble spread".into(),
            expected: "at least 2 members".into(),
            found: format!("{:?}", members.dim()),
        });
    }
    let mut sum = 0.0;
    for i in 0..m {
        for j in i + 1..m {
            sum += score(
                members.index_axis(Axis(0), i),
                members.index_axis(Axis(0), j),
            )?;
        }
    }
    Ok(sum / (m * (m - 1) / 2) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, Array3, s};

    fn ensemble(m: usize, shape: (usize, usize)) -> (Array3<f32>, Array2<f32>) {
        let members = Array3::from_shape_fn((m, shape.0, shape.1), |(k, i, j)| {
            let v = ((k * 31 + i * 7 + j * 3) as f32 * 0.77).sin() * 4.0;
            if v < 0.0 { 0.0 } else { v }
        });
        let observation = Array2::from_shape_fn(shape, |(i, j)| {
            (((i * 5 + j * 11) as f32 * 0.3).cos() * 3.0).max(0.0)
        });
        (members, observation)
    }

    /// CRPS by numerical integration of (F − H)² over a fine grid.
    fn integrated(members: &[f64], y: f64) -> f64 {
        let lo = members.iter().cloned().fold(y, f64::min) - 1.0;
        let hi = members.iter().cloned().fold(y, f64::max) + 1.0;
        let n = 200_000;
        let dx = (hi - lo) / n as f64;
        (0..n)
            .map(|k| {
                let x = lo + (k as f64 + 0.5) * dx;
                let f = members.iter().filter(|&&m| m <= x).count() as f64 / members.len() as f64;
                let h = if x >= y { 1.0 } else { 0.0 };
                (f - h) * (f - h) * dx
            })
            .sum()
    }

    #[test]
    fn crps_equals_the_integral_including_ties() {
        for (members, y) in [
            (vec![0.0, 1.0], 0.0),
            (vec![0.0, 1.0], 1.0),
            (vec![0.0, 0.0, 2.0, 5.0], 0.0),
            (vec![3.0, 1.0, 2.0], 2.5),
            (vec![1.0], 4.0),
        ] {
            let expected = integrated(&members, y);
            let got = crps_sorted(&mut members.clone(), y, members.len());
            assert!(
                (got - expected).abs() < 1e-4,
                "{members:?} {y}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn crps_skips_missing_and_merges() {
        let (mut members, observation) = ensemble(5, (6, 7));
        members[[2, 1, 1]] = f32::NAN;
        let mut whole = Crps::new();
        whole
            .accumulate(members.view(), observation.view())
            .unwrap();
        assert_eq!(whole.pixels(), 41);
        let mut top = Crps::new();
        top.accumulate(
            members.slice(s![.., ..3, ..]),
            observation.slice(s![..3, ..]),
        )
        .unwrap();
        let mut bottom = Crps::new();
        bottom
            .accumulate(
                members.slice(s![.., 3.., ..]),
                observation.slice(s![3.., ..]),
            )
            .unwrap();
        top.merge(&bottom);
        assert!((top.compute() - whole.compute()).abs() < 1e-14);
        assert!(Crps::new().compute().is_nan());
    }

    #[test]
    fn crps_rejects_bad_shapes() {
        let (members, observation) = ensemble(3, (4, 4));
        let mut crps = Crps::new();
        assert!(
            crps.accumulate(members.view(), observation.slice(s![1.., ..]))
                .is_err()
        );
        assert!(
            crps.accumulate(members.slice(s![..0, .., ..]), observation.view())
                .is_err()
        );
    }

    #[test]
    fn rank_histogram_ties_random_and_spread() {
        let (members, observation) = ensemble(4, (9, 9));
        let mut spread = RankHistogram::new(4, Some(0.1), TieBreaking::Spread).unwrap();
        spread
            .accumulate(members.view(), observation.view())
            .unwrap();
        let mut random = RankHistogram::new(4, Some(0.1), TieBreaking::Random { seed: 7 }).unwrap();
        random
            .accumulate(members.view(), observation.view())
            .unwrap();
        let total: f64 = spread.counts().iter().sum();
        assert!((random.counts().iter().sum::<f64>() - total).abs() < 1e-12);
        assert!(random.counts().iter().all(|c| c.fract() == 0.0));
        let mut again = RankHistogram::new(4, Some(0.1), TieBreaking::Random { seed: 7 }).unwrap();
        again
            .accumulate(members.view(), observation.view())
            .unwrap();
        assert_eq!(again.counts(), random.counts(), "same seed, same counts");
        assert!((spread.normalized().iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn rank_histogram_x_min_skips_dry_pixels() {
        let members = Array3::<f32>::zeros((3, 2, 2));
        let observation =
            Array2::from_shape_vec((2, 2), vec![0.0_f32, 0.0, 5.0, f32::NAN]).unwrap();
        let mut h = RankHistogram::new(3, Some(0.1), TieBreaking::Spread).unwrap();
        h.accumulate(members.view(), observation.view()).unwrap();
        assert_eq!(h.counts(), &[0.0, 0.0, 0.0, 1.0]);
        let mut no_min = RankHistogram::new(3, None, TieBreaking::Spread).unwrap();
        no_min
            .accumulate(members.view(), observation.view())
            .unwrap();
        assert_eq!(no_min.counts(), &[0.5, 0.5, 0.5, 1.5]);
    }

    #[test]
    fn rank_histogram_errors() {
        assert!(RankHistogram::new(0, None, TieBreaking::Spread).is_err());
        assert!(RankHistogram::new(3, Some(f64::NAN), TieBreaking::Spread).is_err());
        let (members, observation) = ensemble(3, (2, 2));
        let mut h = RankHistogram::new(4, None, TieBreaking::Spread).unwrap();
        assert!(h.accumulate(members.view(), observation.view()).is_err());
        let other = RankHistogram::new(4, Some(0.1), TieBreaking::Spread).unwrap();
        assert!(h.merge(&other).is_err());
        assert!(
            RankHistogram::new(4, None, TieBreaking::Spread)
                .unwrap()
                .normalized()[0]
                .is_nan()
        );
    }

    #[test]
    fn skill_and_spread_average_the_scores() {
        let (members, observation) = ensemble(3, (4, 4));
        let mean_of_member = |f: ArrayView2<f32>, _: ArrayView2<f32>| Ok(f64::from(f.sum()));
        let skill = ensemble_skill(members.view(), observation.view(), mean_of_member).unwrap();
        assert!((skill - f64::from(members.sum()) / 3.0).abs() < 1e-4);
        let pairs = ensemble_spread(members.view(), |_, _| Ok(1.0)).unwrap();
        assert_eq!(pairs, 1.0);
        assert!(ensemble_spread(members.slice(s![..1, .., ..]), |_, _| Ok(1.0)).is_err());
    }
}
