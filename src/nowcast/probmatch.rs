//! Probability matching and rain masks: keep the forecast's distribution equal to the observed one.
//!
//! - [`CdfMatcher`](crate::nowcast::probmatch::CdfMatcher): empirical-CDF matching — each forecast value is replaced by the target value of the same
//!   rank. The target is sorted once and reused for every member and lead time; a forecast is ranked by one
//!   sort of its wet pixels only (pixels at the forecast's minimum take the target's minimum). When the target
//!   has more wet pixels than the forecast, its smallest wet values are set to its minimum so that the wet
//!   fraction follows the forecast (pysteps' `nonparam_match_empirical_cdf`).
//! - [`mean_shift`](crate::nowcast::probmatch::mean_shift): shift the forecast's wet pixels so that their mean equals the observed wet mean.
//! - [`IncrementalMask`](crate::nowcast::probmatch::IncrementalMask): the wet area of the previous step dilated by a structuring element that grows with the
//!   time step, with a 10-pixel grey rim (pysteps' `incremental` mask), evaluated exactly from a city-block
//!   distance transform instead of repeated dilations.
//! - [`percentile_mask`](crate::nowcast::probmatch::percentile_mask): pixels above the forecast's (1 − wet area ratio) quantile (S-PROG).
//!
//! # References
//! Ebert, E. E., 2001: Ability of a poor man's ensemble to predict the probability and distribution of
//! precipitation. *Mon. Wea. Rev.*, 129, 2461–2480, doi:10.1175/1520-0493(2001)129<2461:AOAPMS>2.0.CO;2
//! (probability matching).
//! Seed, A. W., 2003, *J. Appl. Meteor.*, 42, 381–388 (S-PROG mask).
//! Pulkkinen, S., et al., 2019, *Geosci. Model Dev.*, 12, 4185–4219, doi:10.5194/gmd-12-4185-2019
//! (section 2.4, masking and probability matching).

use crate::error::{Error, Result};

/// Empirical-CDF matcher built from a target field (the last observation).
#[derive(Debug, Clone, PartialEq)]
pub struct CdfMatcher {
    /// Target values sorted ascending (no-data pixels count as the target's minimum).
    sorted: Vec<f32>,
    /// Number of target values above the minimum.
    wet: usize,
}

impl CdfMatcher {
    /// Sorts the target once. Non-finite values count as the target's minimum (pysteps' convention).
    ///
    /// # Errors
    /// [`Error::Parameter`] if the target is empty or holds no finite value.
    pub fn new(target: &[f32]) -> Result<Self> {
        let min = target
            .iter()
            .copied()
            .filter(|v| v.is_finite())
            .fold(f32::INFINITY, f32::min);
        if !min.is_finite() {
            return Err(Error::parameter(
                "target",
                format!("{} values", target.len()),
                "probability matching needs a target with finite values",
            ));
        }
        let mut sorted: Vec<f32> = target
            .iter()
            .map(|&v| if v.is_finite() { v } else { min })
            .collect();
        sorted.sort_unstable_by(f32::total_cmp);
        let wet = sorted.iter().filter(|&&v| v > min).count();
        Ok(CdfMatcher { sorted, wet })
    }

    /// The target's minimum (its "zero" value).
    pub fn zero_value(&self) -> f32 {
        self.sorted[0]
    }

    /// Replaces every value of `field` by the target value of equal rank, in place.
    ///
    /// `keys` is working memory (two `u64` per pixel, reused across calls). Pixels at the field's minimum take
    /// the target's minimum.
    ///
    /// # Errors
    /// [`Error::Shape`] if the field and the target differ in length; [`Error::Parameter`] if the field holds a
    /// non-finite value.
    pub fn match_in_place(&self, field: &mut [f32], keys: &mut Vec<u64>) -> Result<()> {
        let n = self.sorted.len();
        if field.len() != n {
            return Err(Error::Shape {
                what: "field to probability-match".into(),
                expected: format!("{n} pixels"),
                found: format!("{} pixels", field.len()),
            });
        }
        if let Some(v) = field.iter().find(|v| !v.is_finite()) {
            return Err(Error::parameter(
                "field",
                v,
                "probability matching needs finite values",
            ));
        }
        let zero = field.iter().copied().fold(f32::INFINITY, f32::min);
        let target_zero = self.zero_value();
        keys.clear();
        keys.extend(
            field
                .iter()
                .enumerate()
                .filter(|&(_, &v)| v > zero)
                .map(|(i, &v)| (u64::from(ordered_bits(v)) << 32) | i as u64),
        );
        let wet = keys.len();
        // Target values below the (1 − war) percentile become the target's minimum.
        let cut = if self.wet > wet {
            percentile(&self.sorted, 100.0 * (1.0 - wet as f64 / n as f64))
        } else {
            f32::NEG_INFINITY
        };
        // The keys are in increasing pixel order, so a stable sort by value equals sorting the whole keys.
        keys.resize(2 * wet, 0);
        let (keys, spare) = keys.split_at_mut(wet);
        radix_sort_by_value(keys, spare);
        for v in field.iter_mut() {
            *v = target_zero;
        }
        for (rank, key) in keys.iter().enumerate() {
            let value = self.sorted[n - wet + rank];
            field[(key & 0xffff_ffff) as usize] = if value < cut { target_zero } else { value };
        }
        Ok(())
    }
}

/// Shifts the pixels `≥ threshold` so that their mean is `target_mean` (probability matching by mean).
pub fn mean_shift(field: &mut [f32], threshold: f32, target_mean: f32) {
    let (sum, count) = field
        .iter()
        .filter(|&&v| v >= threshold)
        .fold((0.0f64, 0usize), |(s, c), &v| (s + f64::from(v), c + 1));
    if count == 0 {
        return;
    }
    let shift = target_mean - (sum / count as f64) as f32;
    for v in field.iter_mut().filter(|v| **v >= threshold) {
        *v += shift;
    }
}

/// Mean of the values `≥ threshold` (finite), or `None` if there is none.
pub fn wet_mean(field: &[f32], threshold: f32) -> Option<f32> {
    let (sum, count) = field
        .iter()
        .filter(|&&v| v >= threshold)
        .fold((0.0f64, 0usize), |(s, c), &v| (s + f64::from(v), c + 1));
    (count > 0).then(|| (sum / count as f64) as f32)
}

/// Mask of the pixels at or above the `(1 − war)` quantile of `field` (finite values): a wet area of the same
/// ratio `war` ∈ [0, 1] as observed. Returns the threshold value.
pub fn percentile_mask(field: &[f32], war: f64, mask: &mut [bool], scratch: &mut Vec<f32>) -> f32 {
    scratch.clear();
    scratch.extend_from_slice(field);
    scratch.sort_unstable_by(f32::total_cmp);
    let threshold = percentile(scratch, 100.0 * (1.0 - war.clamp(0.0, 1.0)));
    for (m, &v) in mask.iter_mut().zip(field) {
        *m = v >= threshold;
    }
    threshold
}

/// The incremental rain mask of STEPS: weight 1 within city-block distance `radius` of a wet pixel, decreasing
/// by `1/(rim + 1)` per pixel over a rim of `rim` pixels, 0 beyond (pysteps' `compute_dilated_mask` with a
/// diamond structuring element of radius `radius` and `rim` grey dilations, normalised by its maximum).
#[derive(Debug, Clone, PartialEq)]
pub struct IncrementalMask {
    ny: usize,
    nx: usize,
    radius: u32,
    rim: u32,
    distance: Vec<u32>,
}

impl IncrementalMask {
    /// For an `(ny, nx)` grid. pysteps derives `radius = max(1, ⌊(mask_f · timestep / km_per_pixel − 1)/2⌋)`
    /// (see [`IncrementalMask::radius_for`]) and `rim = 10`.
    pub fn new(ny: usize, nx: usize, radius: u32, rim: u32) -> Self {
        IncrementalMask {
            ny,
            nx,
            radius,
            rim,
            distance: vec![0; ny * nx],
        }
    }

    /// Structuring-element radius of pysteps: `int((mask_f · timestep / km_per_pixel − 1) / 2)`, at least 1
    /// (scipy's `iterate_structure` returns the 3 × 3 cross for fewer than 2 iterations).
    pub fn radius_for(mask_f: f64, timestep_minutes: f64, km_per_pixel: f64) -> u32 {
        let n = mask_f * timestep_minutes / km_per_pixel;
        (((n - 1.0) / 2.0).trunc() as i64).max(1) as u32
    }

    /// Computes the mask weights `[0, 1]` of the wet pixels `wet` into `weights`. All zero without wet pixels.
    pub fn weights_into(&mut self, wet: impl Fn(usize) -> bool, weights: &mut [f32]) {
        let (ny, nx) = (self.ny, self.nx);
        let cap = self.radius + self.rim + 1;
        let d = &mut self.distance;
        for (i, v) in d.iter_mut().enumerate() {
            *v = if wet(i) { 0 } else { cap };
        }
        for r in 0..ny {
            for c in 0..nx {
                let i = r * nx + c;
                let mut v = d[i];
                if r > 0 {
                    v = v.min(d[i - nx] + 1);
                }
                if c > 0 {
                    v = v.min(d[i - 1] + 1);
                }
                d[i] = v;
            }
        }
        for r in (0..ny).rev() {
            for c in (0..nx).rev() {
                let i = r * nx + c;
                let mut v = d[i];
                if r + 1 < ny {
                    v = v.min(d[i + nx] + 1);
                }
                if c + 1 < nx {
                    v = v.min(d[i + 1] + 1);
                }
                d[i] = v;
            }
        }
        let levels = (self.rim + 1) as f32;
        for (w, &dist) in weights.iter_mut().zip(d.iter()) {
            *w = if dist <= self.radius {
                1.0
            } else {
                (self.radius + self.rim + 1).saturating_sub(dist) as f32 / levels
            };
        }
    }
}

/// Applies mask weights as STEPS does: `v ← min + (v − min) · weight`, with `min` the field's minimum.
pub fn apply_mask_weights(field: &mut [f32], weights: &[f32]) {
    let min = field.iter().copied().fold(f32::INFINITY, f32::min);
    for (v, &w) in field.iter_mut().zip(weights) {
        *v = min + (*v - min) * w;
    }
}

/// Linear-interpolation percentile (numpy's default) of ascending `sorted`, `q` in percent.
fn percentile(sorted: &[f32], q: f64) -> f32 {
    if sorted.is_empty() {
        return f32::NAN;
    }
    let pos = (q / 100.0).clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let frac = (pos - lo as f64) as f32;
    sorted[lo] + frac * (sorted[hi] - sorted[lo])
}

/// Sorts `keys` by their high 32 bits, keeping the order of keys with equal high bits (LSD radix sort, three
/// passes of 11, 11 and 10 bits; a pass whose digit is the same for every key is skipped). `spare` is working
/// memory of the same length.
fn radix_sort_by_value(keys: &mut [u64], spare: &mut [u64]) {
    const PASSES: [(u32, u32); 3] = [(32, 11), (43, 11), (54, 10)];
    let n = keys.len();
    let mut counts = vec![0usize; 3 << 11];
    for &k in keys.iter() {
        for (p, &(shift, bits)) in PASSES.iter().enumerate() {
            counts[(p << 11) + ((k >> shift) & ((1 << bits) - 1)) as usize] += 1;
        }
    }
    let (mut from, mut to) = (keys, spare);
    let mut in_spare = false;
    for (p, &(shift, bits)) in PASSES.iter().enumerate() {
        let counts = &mut counts[p << 11..(p + 1) << 11];
        if counts.contains(&n) {
            continue;
        }
        let mut start = 0;
        for c in counts.iter_mut() {
            (*c, start) = (start, start + *c);
        }
        for &k in from.iter() {
            let digit = ((k >> shift) & ((1 << bits) - 1)) as usize;
            to[counts[digit]] = k;
            counts[digit] += 1;
        }
        std::mem::swap(&mut from, &mut to);
        in_spare = !in_spare;
    }
    if in_spare {
        // `from` is the spare buffer holding the result, `to` the caller's keys.
        to.copy_from_slice(from);
    }
}

/// A `u32` whose unsigned order is the numeric order of finite `f32` values.
#[inline]
fn ordered_bits(v: f32) -> u32 {
    let b = v.to_bits();
    if b & 0x8000_0000 != 0 {
        !b
    } else {
        b | 0x8000_0000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn cdf_matching_reproduces_the_target_distribution() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let n = 10_000;
        // Target: 30 % wet, exponential-like values; forecast: 30 % wet, a different distribution.
        let target: Vec<f32> = (0..n)
            .map(|_| {
                if rng.random::<f32>() < 0.3 {
                    1.0 + 5.0 * rng.random::<f32>().powi(3)
                } else {
                    -15.0
                }
            })
            .collect();
        let mut field: Vec<f32> = (0..n)
            .map(|i| {
                if i % 10 < 3 {
                    rng.random::<f32>() * 100.0
                } else {
                    -3.0
                }
            })
            .collect();
        let original = field.clone();
        let matcher = CdfMatcher::new(&target).unwrap();
        let mut keys = Vec::new();
        matcher.match_in_place(&mut field, &mut keys).unwrap();
        let mut a = field.clone();
        let mut b = target.clone();
        a.sort_by(f32::total_cmp);
        b.sort_by(f32::total_cmp);
        // Equal wet counts (3000 vs ≈ 3000): the sorted values agree except where wet counts differ.
        let wet_f = original.iter().filter(|&&v| v > -3.0).count();
        let wet_t = target.iter().filter(|&&v| v > -15.0).count();
        let common = wet_f.min(wet_t);
        assert_eq!(&a[n - common..], &b[n - common..]);
        // Ranks are preserved.
        for i in 0..n {
            for j in [i / 2, (i * 7) % n] {
                if original[i] > original[j] {
                    assert!(field[i] >= field[j]);
                }
            }
        }
        // Dry forecast pixels get the target's zero.
        assert!(
            original
                .iter()
                .zip(&field)
                .all(|(&o, &f)| o > -3.0 || f == -15.0)
        );
    }

    #[test]
    fn cdf_matching_reduces_target_wet_fraction_to_the_forecast() {
        let target: Vec<f32> = (0..100).map(|i| i as f32).collect(); // 99 wet
        let mut field: Vec<f32> = (0..100)
            .map(|i| if i >= 90 { i as f32 } else { 0.0 })
            .collect();
        let mut keys = Vec::new();
        CdfMatcher::new(&target)
            .unwrap()
            .match_in_place(&mut field, &mut keys)
            .unwrap();
        assert_eq!(
            &field[90..],
            &(90..100).map(|i| i as f32).collect::<Vec<_>>()[..]
        );
        assert!(field[..90].iter().all(|&v| v == 0.0));
        assert!(CdfMatcher::new(&[f32::NAN]).is_err());
        let mut short = vec![0.0; 3];
        assert!(
            CdfMatcher::new(&target)
                .unwrap()
                .match_in_place(&mut short, &mut keys)
                .is_err()
        );
    }

    #[test]
    fn radix_sort_equals_sorting_the_keys() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        // Many ties (few distinct values), negative and positive values, and a constant set (all passes skipped).
        for distinct in [7u32, 5000, 1] {
            let mut keys: Vec<u64> = (0..20_000u64)
                .map(|i| {
                    let v = (rng.random::<u32>() % distinct) as f32 * 0.37 - 500.0;
                    (u64::from(ordered_bits(v)) << 32) | i
                })
                .collect();
            let mut expected = keys.clone();
            expected.sort_unstable();
            let mut spare = vec![0; keys.len()];
            radix_sort_by_value(&mut keys, &mut spare);
            assert_eq!(keys, expected, "{distinct} distinct values");
        }
    }

    #[test]
    fn mean_shift_and_percentile_mask() {
        let mut field = vec![-15.0, 0.0, 2.0, 4.0];
        mean_shift(&mut field, 0.0, 10.0);
        assert_eq!(field, vec![-15.0, 8.0, 10.0, 12.0]);
        let field: Vec<f32> = (0..100).map(|i| i as f32).collect();
        let mut mask = vec![false; 100];
        let mut scratch = Vec::new();
        percentile_mask(&field, 0.25, &mut mask, &mut scratch);
        assert_eq!(mask.iter().filter(|&&m| m).count(), 25);
        assert!(mask[99] && !mask[74]);
    }

    #[test]
    fn incremental_mask_equals_repeated_dilations() {
        let (ny, nx) = (20, 23);
        let wet = |i: usize| i == 5 * nx + 6 || i == 14 * nx + 17;
        let mut mask = IncrementalMask::new(ny, nx, 2, 3);
        let mut w = vec![0.0; ny * nx];
        mask.weights_into(wet, &mut w);
        // Brute force: count of k in 0..=3 with city-block distance ≤ 2 + k, over 4.
        for r in 0..ny {
            for c in 0..nx {
                let d = [(5i64, 6i64), (14, 17)]
                    .iter()
                    .map(|&(a, b)| (r as i64 - a).abs() + (c as i64 - b).abs())
                    .min()
                    .unwrap();
                let count = (0..=3).filter(|k| d <= 2 + k).count() as f32;
                assert_eq!(w[r * nx + c], count / 4.0, "({r}, {c})");
            }
        }
        assert_eq!(IncrementalMask::radius_for(1.0, 6.0, 0.5), 5);
        assert_eq!(IncrementalMask::radius_for(1.0, 5.0, 1.0), 2);
        assert_eq!(IncrementalMask::radius_for(1.0, 2.0, 1.0), 1);
        let mut none = vec![1.0; ny * nx];
        mask.weights_into(|_| false, &mut none);
        assert!(none.iter().all(|&v| v == 0.0));
    }
}
