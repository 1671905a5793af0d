//! Intensity-scale skill score of Casati et al. (2004): the binary error of a thresholded forecast, split into
//! spatial scales by a 2-D Haar wavelet decomposition, scored per threshold and scale.
//!
//! For each threshold t the binary error E = I(f ≥ t) − I(o ≥ t) is decomposed into L + 1 orthogonal components
//! for a 2^a × 2^b field with L = min(a, b): the father component (the mean of E over blocks of 2^L pixels) and,
//! for each level l = 1..L, the mother component (block means at 2^(l−1) minus block means at 2^l). The component
//! mean squares add up to the MSE of E, and the skill at each scale is
//!
//! SS_l = 1 − MSE_l / [2 ε (1 − ε) / (L + 1)]                 (Casati et al. 2004, eq. 9)
//!
//! where ε is the observed base rate (share of pixels ≥ t) and 2 ε (1 − ε) the MSE of a random binary forecast
//! with the same base rate, split evenly over the L + 1 components.
//!
//! Conventions (pysteps `intensity_scale(..., "BMSE")`, full-depth Haar `wavedec2`): an event is a value ≥ t; a
//! non-finite value is no event; ε counts every pixel, missing ones included; scales are labelled in pixels from
//! 2^L (father) down to 1 (finest mother); ε and each MSE_l are averaged over the accumulated fields, each field
//! weighing the same. The Haar components are computed directly as differences of block means (with exact
//! integer block sums), which is what the inverse transform of one level's coefficients gives.
//!
//! # References
//! - Casati, B., Ross, G. & Stephenson, D. B. (2004). A new intensity-scale approach for the verification of
//!   spatial precipitation forecasts. *Meteorological Applications* 11, 141–154. doi:10.1017/S1350482704001239

use ndarray::{Array2, ArrayView2};

use crate::error::{Error, Result};
use crate::verify::input::{at_least, same_shape, threshold as check_threshold};

/// Skill per scale and threshold from an [`IntensityScale`] accumulator.
#[derive(Debug, Clone, PartialEq)]
pub struct IntensityScaleSkill {
    /// Spatial scales in pixels, coarsest (the father component, 2^L) first, down to 1.
    pub scales: Vec<usize>,
    /// Intensity thresholds, in the order given to [`IntensityScale::new`].
    pub thresholds: Vec<f64>,
    /// Skill, shape `(scales, thresholds)` (pysteps' layout); NaN where the observed base rate is 0 or 1.
    pub skill: Array2<f64>,
}

/// Accumulated Haar decomposition of the binary error for several thresholds (pysteps `intensity_scale_init` /
/// `_accum` / `_merge` / `_compute` with `"BMSE"`).
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::verify::IntensityScale;
/// let observation = Array2::from_shape_fn((8, 8), |(i, j)| if i < 4 && j < 4 { 5.0_f32 } else { 0.0 });
/// let forecast = Array2::from_shape_fn((8, 8), |(i, j)| if i < 4 && j >= 4 { 5.0_f32 } else { 0.0 });
/// let mut score = IntensityScale::new(&[1.0])?;
/// score.accumulate(forecast.view(), observation.view())?;
/// let result = score.compute();
/// assert_eq!(result.scales, vec![8, 4, 2, 1]);
/// // Right amount of rain in the wrong place: perfect at the domain scale, wrong at 4 pixels.
/// assert!((result.skill[[0, 0]] - 1.0).abs() < 1e-12);
/// assert!(result.skill[[1, 0]] < 0.0);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IntensityScale {
    thresholds: Vec<f64>,
    /// Decomposition depth L, fixed by the first field.
    levels: Option<usize>,
    fields: u64,
    /// Σ over fields of the observed base rate, per threshold.
    base_rate_sum: Vec<f64>,
    /// Σ over fields of MSE per component, shape (thresholds, L + 1), father first.
    mse_sum: Array2<f64>,
}

impl IntensityScale {
    /// An empty accumulator for events ≥ each of `thresholds` (unit of the fields).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `thresholds` is empty or holds a NaN.
    pub fn new(thresholds: &[f64]) -> Result<Self> {
        at_least("number of thresholds", thresholds.len(), 1)?;
        for &t in thresholds {
            check_threshold("threshold", t)?;
        }
        Ok(IntensityScale {
            thresholds: thresholds.to_vec(),
            levels: None,
            fields: 0,
            base_rate_sum: vec![0.0; thresholds.len()],
            mse_sum: Array2::zeros((thresholds.len(), 0)),
        })
    }

    /// Adds one forecast/observation pair.
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields differ in shape, a side is not a power of two (the Haar decomposition of
    /// Casati et al. needs 2^a × 2^b pixels: pad or crop the domain), or the depth min(a, b) differs from the
    /// first field's.
    pub fn accumulate(
        &mut self,
        forecast: ArrayView2<f32>,
        observation: ArrayView2<f32>,
    ) -> Result<()> {
        same_shape("intensity-scale score", &forecast, &observation)?;
        let (ny, nx) = forecast.dim();
        if !(ny.is_power_of_two() && nx.is_power_of_two()) {
            return Err(Error::Shape {
                what: "intensity-scale field".into(),
                expected: "2^a × 2^b pixels (Haar decomposition)".into(),
                found: format!("({ny}, {nx})"),
            });
        }
        let levels = ny.min(nx).trailing_zeros() as usize;
        match self.levels {
            Some(l) if l != levels => {
                return Err(Error::Shape {
                    what: "intensity-scale field".into(),
                    expected: format!("{} decomposition levels, as the first field", l),
                    found: format!("({ny}, {nx}), {levels} levels"),
                });
            }
            Some(_) => {}
            None => {
                self.levels = Some(levels);
                self.mse_sum = Array2::zeros((self.thresholds.len(), levels + 1));
            }
        }
        let pixels = (ny * nx) as f64;
        for (k, &threshold) in self.thresholds.iter().enumerate() {
            let event = |v: f32| i64::from(v.is_finite() && f64::from(v) >= threshold);
            let error =
                Array2::from_shape_fn((ny, nx), |ij| event(forecast[ij]) - event(observation[ij]));
            let observed = observation.iter().filter(|&&v| event(v) == 1).count();
            self.base_rate_sum[k] += observed as f64 / pixels;
            for (c, mse) in component_mse(error, levels).into_iter().enumerate() {
                self.mse_sum[[k, c]] += mse;
            }
        }
        self.fields += 1;
        Ok(())
    }

    /// Adds another accumulator's fields.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the thresholds differ; [`Error::Shape`] if both hold fields of different depths.
    pub fn merge(&mut self, other: &IntensityScale) -> Result<()> {
        if self.thresholds != other.thresholds {
            return Err(Error::parameter(
                "thresholds",
                format!("{:?}", other.thresholds),
                format!("cannot merge with thresholds {:?}", self.thresholds),
            ));
        }
        match (self.levels, other.levels) {
            (_, None) => return Ok(()),
            (None, Some(_)) => {
                *self = other.clone();
                return Ok(());
            }
            (Some(a), Some(b)) if a != b => {
                return Err(Error::Shape {
                    what: "intensity-scale accumulators".into(),
                    expected: format!("{a} decomposition levels"),
                    found: format!("{b} levels"),
                });
            }
            _ => {}
        }
        self.fields += other.fields;
        for (a, b) in self.base_rate_sum.iter_mut().zip(&other.base_rate_sum) {
            *a += b;
        }
        self.mse_sum += &other.mse_sum;
        Ok(())
    }

    /// The skill per scale and threshold; empty `scales` before the first field.
    pub fn compute(&self) -> IntensityScaleSkill {
        let levels = self.levels.map_or(0, |l| l + 1);
        let scales = (0..levels).rev().map(|l| 1_usize << l).collect();
        let n = self.fields as f64;
        let skill = Array2::from_shape_fn((levels, self.thresholds.len()), |(c, k)| {
            let base_rate = self.base_rate_sum[k] / n;
            let random_mse = 2.0 * base_rate * (1.0 - base_rate) / levels as f64;
            let value = 1.0 - (self.mse_sum[[k, c]] / n) / random_mse;
            if value.is_finite() { value } else { f64::NAN }
        });
        IntensityScaleSkill {
            scales,
            thresholds: self.thresholds.clone(),
            skill,
        }
    }
}

/// Mean squares (over all pixels) of the L + 1 Haar components of a binary error field, father first, then the
/// mothers from level L down to 1.
///
/// With S_l the block sums over 2^l × 2^l blocks, the mother component of level l equals
/// (4 S_{l−1} − S_l) / 4^l on each sub-block of 2^(l−1) pixels, so its pixel sum of squares is
/// Σ (4 S_{l−1} − S_l)² / 4^(l+1) over sub-blocks; the father's is Σ S_L² / 4^L.
fn component_mse(error: Array2<i64>, levels: usize) -> Vec<f64> {
    let pixels = error.len() as f64;
    let mut mothers = Vec::with_capacity(levels);
    let mut sums = error;
    for level in 1..=levels {
        let (ny, nx) = (sums.nrows() / 2, sums.ncols() / 2);
        let coarse = Array2::from_shape_fn((ny, nx), |(i, j)| {
            sums[[2 * i, 2 * j]]
                + sums[[2 * i + 1, 2 * j]]
                + sums[[2 * i, 2 * j + 1]]
                + sums[[2 * i + 1, 2 * j + 1]]
        });
        let squares: i128 = sums
            .indexed_iter()
            .map(|((i, j), &fine)| {
                let d = i128::from(4 * fine - coarse[[i / 2, j / 2]]);
                d * d
            })
            .sum();
        mothers.push(squares as f64 / 4_f64.powi(level as i32 + 1) / pixels);
        sums = coarse;
    }
    let father: i128 = sums.iter().map(|&s| i128::from(s) * i128::from(s)).sum();
    let mut out = vec![father as f64 / 4_f64.powi(levels as i32) / pixels];
    out.extend(mothers.into_iter().rev());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(seed: usize, shape: (usize, usize)) -> Array2<f32> {
        Array2::from_shape_fn(shape, |(i, j)| {
            (((i * 7 + j * 13 + seed * 29) % 11) as f32) - 3.0
        })
    }

    #[test]
    fn components_add_up_to_the_binary_mse() {
        let (f, o) = (pattern(1, (16, 32)), pattern(2, (16, 32)));
        let error = Array2::from_shape_fn(f.dim(), |ij| {
            i64::from(f[ij] >= 2.0) - i64::from(o[ij] >= 2.0)
        });
        let mse = error.iter().map(|&e| (e * e) as f64).sum::<f64>() / error.len() as f64;
        let parts = component_mse(error, 4);
        assert_eq!(parts.len(), 5);
        assert!((parts.iter().sum::<f64>() - mse).abs() < 1e-14);
    }

    #[test]
    fn single_pixel_error_spreads_over_the_scales() {
        // One wrong pixel in 4 × 4: father 1/16 everywhere; level-2 mother 1/4 − 1/16 on the pixel's 2 × 2 block
        // and −1/16 on the other 12 pixels; level-1 mother 1 − 1/4 on the pixel, −1/4 on its 3 neighbours.
        let mut error = Array2::<i64>::zeros((4, 4));
        error[[0, 0]] = 1;
        let parts = component_mse(error, 2);
        assert!((parts[0] - 1.0 / 256.0).abs() < 1e-15);
        assert!((parts[1] - (4.0 * 9.0 / 256.0 + 12.0 / 256.0) / 16.0).abs() < 1e-15);
        assert!((parts[2] - (0.5625 + 3.0 * 0.0625) / 16.0).abs() < 1e-15);
        assert!((parts.iter().sum::<f64>() - 1.0 / 16.0).abs() < 1e-15);
    }

    #[test]
    fn accumulate_and_merge_agree() {
        let mut all = IntensityScale::new(&[0.0, 4.0]).unwrap();
        let (mut first, mut second) = (all.clone(), all.clone());
        for k in 0..3 {
            let (f, o) = (pattern(k, (8, 8)), pattern(k + 5, (8, 8)));
            all.accumulate(f.view(), o.view()).unwrap();
            let part = if k == 0 { &mut first } else { &mut second };
            part.accumulate(f.view(), o.view()).unwrap();
        }
        first.merge(&second).unwrap();
        let (a, b) = (all.compute(), first.compute());
        assert_eq!(a.scales, b.scales);
        for (x, y) in a.skill.iter().zip(b.skill.iter()) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn perfect_forecast_has_skill_one() {
        let o = pattern(3, (4, 8));
        let mut score = IntensityScale::new(&[1.0]).unwrap();
        score.accumulate(o.view(), o.view()).unwrap();
        let result = score.compute();
        assert_eq!(result.scales, vec![4, 2, 1]);
        assert!(result.skill.iter().all(|&s| s == 1.0));
    }

    #[test]
    fn degenerate_inputs() {
        let dry = Array2::<f32>::zeros((4, 4));
        let mut score = IntensityScale::new(&[0.1]).unwrap();
        assert!(score.compute().scales.is_empty());
        score.accumulate(dry.view(), dry.view()).unwrap();
        assert!(
            score.compute().skill.iter().all(|s| s.is_nan()),
            "no observed event: base rate 0"
        );
        let odd = Array2::<f32>::zeros((6, 8));
        assert!(matches!(
            score.accumulate(odd.view(), odd.view()),
            Err(Error::Shape { .. })
        ));
        let deeper = Array2::<f32>::zeros((8, 8));
        assert!(matches!(
            score.accumulate(deeper.view(), deeper.view()),
            Err(Error::Shape { .. })
        ));
        let empty = Array2::<f32>::zeros((0, 0));
        assert!(score.accumulate(empty.view(), empty.view()).is_err());
        assert!(IntensityScale::new(&[]).is_err());
        assert!(IntensityScale::new(&[f64::NAN]).is_err());
        let mut other = IntensityScale::new(&[0.2]).unwrap();
        assert!(other.merge(&score).is_err());
    }
}
