//! Dense Lucas–Kanade motion: Shi–Tomasi corners tracked by pyramidal Lucas–Kanade between consecutive
//! frames, outliers removed, vectors declustered and interpolated to the grid by inverse-distance weighting
//! (the method of pysteps' `dense_lucaskanade`, Pulkkinen et al. 2019).
//!
//! # Steps (per consecutive pair of frames, vectors pooled over all pairs)
//! 1. No data (`NaN`) takes the frame's smallest value; isolated "rain" pixels (above that value) that a
//!    binary opening with a `size_opening` ellipse removes are set to it (clutter filter).
//! 2. Each frame is scaled to 8-bit grey levels: `⌊255 (v − min)/(max − min)⌋` (a flat frame is all 0).
//! 3. [`ShiTomasi`](crate::motion::lucas_kanade::ShiTomasi) corners of the earlier frame (none within `buffer_mask` of no data) are tracked by
//!    [`PyramidalLk`](crate::motion::lucas_kanade::PyramidalLk); lost points are dropped. Vector = end − start, pixels per step.
//! 4. Outliers: a vector whose Mahalanobis distance to the mean of its `k_outlier` nearest vectors (by
//!    position, covariance of those neighbours) exceeds `nr_std_outlier` is removed.
//! 5. Declustering: vectors are grouped in `decl_scale × decl_scale` pixel cells and each group replaced by the
//!    median position and median vector.
//! 6. Inverse-distance weighting onto every pixel ([`InverseDistance`](crate::motion::lucas_kanade::InverseDistance)).
//!
//! No vector (no rain, flat or all-NaN frames) gives zero motion.
//!
//! # References
//! Lucas and Kanade (1981), Bouguet (2001): see [`PyramidalLk`](crate::motion::lucas_kanade::PyramidalLk); Shi and Tomasi (1994): see [`ShiTomasi`](crate::motion::lucas_kanade::ShiTomasi).
//! Pulkkinen, S., D. Nerini, A. A. Pérez Hortal, C. Velasco-Forero, A. Seed, U. Germann and L. Foresti, 2019:
//! Pysteps: an open-source Python library for probabilistic precipitation nowcasting (v1.0). *Geosci. Model
//! Dev.*, 12, 4185–4219, doi:10.5194/gmd-12-4185-2019 (section 3.1: the dense Lucas–Kanade chain).

mod pyramid;
mod shi_tomasi;

use std::collections::BTreeMap;

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use self::pyramid::PyramidalLk;
pub use self::shi_tomasi::ShiTomasi;
use super::MotionEstimator;
pub use super::common::InverseDistance;
use super::common::{check_frames, filled, finite_range, idw_to_grid, nearest_others};
use crate::error::{Error, Result};

/// Dense Lucas–Kanade motion estimation (defaults of pysteps 1.21.5 `dense_lucaskanade`).
///
/// # Shape
/// `frames (t ≥ 2, y, x)`, oldest first, any units where larger means more rain (e.g. dB) →
/// `(2, y, x)` = (u, v) pixels per step.
///
/// # Errors
/// [`Error::Shape`] for fewer than two frames or an empty grid; [`Error::Parameter`] for a zero window,
/// non-finite or negative thresholds.
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::motion::{MotionEstimator, lucas_kanade::LucasKanade};
/// // Gaussian blobs moving 3 px right and 2 px down per step.
/// let frames = Array3::from_shape_fn((3, 128, 128), |(t, r, c)| {
///     let (x, y) = (c as f32 - 3.0 * t as f32, r as f32 - 2.0 * t as f32);
///     [(40.0, 40.0), (80.0, 60.0), (50.0, 90.0), (95.0, 30.0)]
///         .iter()
///         .map(|&(cx, cy)| 30.0 * (-((x - cx).powi(2) + (y - cy).powi(2)) / 50.0).exp())
///         .sum::<f32>()
/// });
/// let motion = LucasKanade::default().estimate(frames.view())?;
/// assert!((motion[[0, 64, 64]] - 3.0).abs() < 0.2);
/// assert!((motion[[1, 64, 64]] - 2.0).abs() < 0.2);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LucasKanade {
    /// Corner detection.
    pub corners: ShiTomasi,
    /// Tracking.
    pub tracker: PyramidalLk,
    /// Outlier threshold, in standard deviations (Mahalanobis distance).
    pub nr_std_outlier: f32,
    /// Neighbours of each vector in the outlier test (0: all vectors).
    pub k_outlier: usize,
    /// Side of the opening that removes isolated rain pixels, pixels (0: none).
    pub size_opening: usize,
    /// Side of the declustering cells, pixels (< 2: no declustering).
    pub decl_scale: usize,
    /// Interpolation of the sparse vectors to the grid.
    pub interpolation: InverseDistance,
}

impl Default for LucasKanade {
    /// pysteps 1.21.5: outliers beyond 3 σ among 30 neighbours, 3 px opening, 20 px declustering, IDW with 20
    /// neighbours, power 0.5, offset 0.5 px.
    fn default() -> Self {
        LucasKanade {
            corners: ShiTomasi::default(),
            tracker: PyramidalLk::default(),
            nr_std_outlier: 3.0,
            k_outlier: 30,
            size_opening: 3,
            decl_scale: 20,
            interpolation: InverseDistance::default(),
        }
    }
}

/// Sparse motion vectors: where each was measured and its displacement per step.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVectors {
    /// Positions `[x, y]` = `[column, row]`, pixels.
    pub points: Vec<[f32; 2]>,
    /// Displacements `[u, v]`, pixels per step.
    pub vectors: Vec<[f32; 2]>,
}

impl MotionEstimator for LucasKanade {
    fn estimate(&self, frames: ArrayView3<f32>) -> Result<Array3<f32>> {
        let sparse = self.sparse_vectors(frames)?;
        let (points, vectors) = if self.decl_scale >= 2 {
            decluster(&sparse.points, &sparse.vectors, self.decl_scale as f32)
        } else {
            (sparse.points, sparse.vectors)
        };
        let (_, ny, nx) = frames.dim();
        Ok(idw_to_grid(&points, &vectors, (ny, nx), self.interpolation))
    }
}

impl LucasKanade {
    /// The tracked vectors of all consecutive frame pairs after outlier removal (pysteps' `dense=False`).
    ///
    /// # Shape
    /// `frames (t ≥ 2, y, x)` → vectors at `[x, y]` positions, pixels per step.
    ///
    /// # Errors
    /// As [`MotionEstimator::estimate`].
    pub fn sparse_vectors(&self, frames: ArrayView3<f32>) -> Result<SparseVectors> {
        check_frames("Lucas–Kanade", frames, 2)?;
        self.validate()?;
        let grey: Vec<Option<(Array2<f32>, Array2<bool>)>> = frames
            .axis_iter(Axis(0))
            .into_par_iter()
            .map(|f| self.grey_levels(f))
            .collect();
        let mut sparse = SparseVectors::default();
        for pair in grey.windows(2) {
            let (Some((prev, valid)), Some((next, _))) = (&pair[0], &pair[1]) else {
                continue;
            };
            let points = self.corners.detect(prev.view(), valid.view());
            let tracked = self.tracker.track(prev.view(), next.view(), &points);
            for (p, q) in points.iter().zip(tracked) {
                if let Some(q) = q {
                    sparse.points.push(*p);
                    sparse.vectors.push([q[0] - p[0], q[1] - p[1]]);
                }
            }
        }
        let outliers = detect_outliers(
            &sparse.points,
            &sparse.vectors,
            self.nr_std_outlier,
            self.k_outlier,
        );
        let keep = |(i, _): &(usize, &[f32; 2])| !outliers[*i];
        sparse.points = sparse
            .points
            .iter()
            .enumerate()
            .filter(keep)
            .map(|(_, p)| *p)
            .collect();
        sparse.vectors = sparse
            .vectors
            .iter()
            .enumerate()
            .filter(keep)
            .map(|(_, v)| *v)
            .collect();
        Ok(sparse)
    }

    fn validate(&self) -> Result<()> {
        if self.tracker.window == 0 {
            return Err(Error::parameter(
                "tracker.window",
                0,
                "the window needs at least one pixel",
            ));
        }
        let finite_non_negative = [
            ("nr_std_outlier", self.nr_std_outlier),
            ("corners.quality_level", self.corners.quality_level),
            ("corners.min_distance", self.corners.min_distance),
            ("tracker.epsilon", self.tracker.epsilon),
            ("tracker.min_eigenvalue", self.tracker.min_eigenvalue),
        ];
        for (name, value) in finite_non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err(Error::parameter(name, value, "must be finite and ≥ 0"));
            }
        }
        self.interpolation.validate()
    }

    /// The frame as 8-bit grey levels after the opening, with its data mask; `None` without finite values.
    fn grey_levels(&self, frame: ArrayView2<f32>) -> Option<(Array2<f32>, Array2<bool>)> {
        let (low, _) = finite_range(frame)?;
        let valid = frame.mapv(f32::is_finite);
        let mut image = filled(frame, low);
        if self.size_opening > 0 {
            remove_isolated(&mut image, low, self.size_opening);
        }
        let (low, high) = finite_range(image.view())?;
        let span = f64::from(high) - f64::from(low);
        image.mapv_inplace(|v| {
            if span > 1e-8 {
                ((f64::from(v) - f64::from(low)) / span * 255.0).floor() as f32
            } else {
                0.0
            }
        });
        Some((image, valid))
    }
}

/// Sets to `low` the pixels above `low` that a binary opening (erosion then dilation) with the `size × size`
/// ellipse removes.
///
/// # References
/// Serra, J., 1982: *Image Analysis and Mathematical Morphology*. Academic Press, 610 pp. (opening, ch. II).
fn remove_isolated(image: &mut Array2<f32>, low: f32, size: usize) {
    let (ny, nx) = image.dim();
    let element = ellipse(size);
    let binary: Vec<bool> = image.iter().map(|&v| v > low).collect();
    let inside = |r: isize, c: isize| r >= 0 && c >= 0 && r < ny as isize && c < nx as isize;
    // Erosion: outside the image counts as set (no erosion from the edge); dilation: outside counts as unset.
    let mut eroded = vec![false; ny * nx];
    for r in 0..ny {
        for c in 0..nx {
            eroded[r * nx + c] = binary[r * nx + c]
                && element.iter().all(|&(dr, dc)| {
                    let (rr, cc) = (r as isize + dr, c as isize + dc);
                    !inside(rr, cc) || binary[rr as usize * nx + cc as usize]
                });
        }
    }
    for ((r, c), v) in image.indexed_iter_mut() {
        if binary[r * nx + c] {
            let kept = element.iter().any(|&(dr, dc)| {
                let (rr, cc) = (r as isize - dr, c as isize - dc);
                inside(rr, cc) && eroded[rr as usize * nx + cc as usize]
            });
            if !kept {
                *v = low;
            }
        }
    }
}

/// Offsets `(row, col)` of the ellipse inscribed in a `size × size` square (the 3 × 3 cross for size 3):
/// row `dy` spans `|dx| ≤ round(c·sqrt(1 − dy²/r²))`, `r = c = size/2`.
fn ellipse(size: usize) -> Vec<(isize, isize)> {
    let r = (size / 2) as isize;
    if r == 0 {
        return vec![(0, 0)];
    }
    let mut out = Vec::new();
    for dy in -r..=(size as isize - 1 - r) {
        let half =
            (r as f64 * (1.0 - (dy * dy) as f64 / (r * r) as f64).max(0.0).sqrt()).round() as isize;
        for dx in -half..=half {
            out.push((dy, dx));
        }
    }
    out
}

/// Flags vectors whose Mahalanobis distance from the mean of their `k` nearest neighbours (by position, not
/// counting themselves) exceeds `threshold`; `k = 0` uses all vectors. Neighbourhoods with fewer than three
/// vectors or a singular covariance flag nothing.
///
/// # References
/// Mahalanobis, P. C., 1936: On the generalised distance in statistics. *Proc. Natl. Inst. Sci. India*, 2,
/// 49–55.
fn detect_outliers(
    points: &[[f32; 2]],
    vectors: &[[f32; 2]],
    threshold: f32,
    k: usize,
) -> Vec<bool> {
    let n = points.len();
    if n < 2 {
        return vec![false; n];
    }
    let k = if k == 0 { n - 1 } else { k.min(n - 1) };
    nearest_others(points, k)
        .iter()
        .enumerate()
        .map(|(i, neighbours)| {
            if neighbours.len() < 3 {
                return false;
            }
            let m = neighbours.len() as f64;
            let (mut mu, mut mv) = (0.0f64, 0.0f64);
            for &j in neighbours {
                mu += f64::from(vectors[j][0]);
                mv += f64::from(vectors[j][1]);
            }
            (mu, mv) = (mu / m, mv / m);
            let (mut cuu, mut cuv, mut cvv) = (0.0f64, 0.0f64, 0.0f64);
            for &j in neighbours {
                let (du, dv) = (f64::from(vectors[j][0]) - mu, f64::from(vectors[j][1]) - mv);
                cuu += du * du;
                cuv += du * dv;
                cvv += dv * dv;
            }
            (cuu, cuv, cvv) = (cuu / (m - 1.0), cuv / (m - 1.0), cvv / (m - 1.0));
            let det = cuu * cvv - cuv * cuv;
            if det.is_nan() || det <= 1e-12 * (cuu + cvv).powi(2) {
                return false;
            }
            let (du, dv) = (f64::from(vectors[i][0]) - mu, f64::from(vectors[i][1]) - mv);
            let d2 = (cvv * du * du - 2.0 * cuv * du * dv + cuu * dv * dv) / det;
            d2.sqrt() > f64::from(threshold)
        })
        .collect()
}

/// Replaces the vectors of each `scale × scale` cell (cells `⌊x/scale⌋, ⌊y/scale⌋`) by their median position
/// and median vector.
fn decluster(
    points: &[[f32; 2]],
    vectors: &[[f32; 2]],
    scale: f32,
) -> (Vec<[f32; 2]>, Vec<[f32; 2]>) {
    let mut cells: BTreeMap<(i64, i64), Vec<usize>> = BTreeMap::new();
    for (i, p) in points.iter().enumerate() {
        let key = ((p[0] / scale).floor() as i64, (p[1] / scale).floor() as i64);
        cells.entry(key).or_default().push(i);
    }
    let median = |mut v: Vec<f32>| {
        v.sort_unstable_by(f32::total_cmp);
        let n = v.len();
        if n % 2 == 1 {
            v[n / 2]
        } else {
            0.5 * (v[n / 2 - 1] + v[n / 2])
        }
    };
    cells
        .values()
        .map(|members| {
            let pick =
                |src: &[[f32; 2]], c: usize| median(members.iter().map(|&i| src[i][c]).collect());
            (
                [pick(points, 0), pick(points, 1)],
                [pick(vectors, 0), pick(vectors, 1)],
            )
        })
        .unzip()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs(
        t: usize,
        ny: usize,
        nx: usize,
        shift: impl Fn(f32, f32, f32) -> (f32, f32),
    ) -> Array3<f32> {
        let centres = [
            (40.0, 40.0),
            (80.0, 60.0),
            (50.0, 90.0),
            (95.0, 30.0),
            (100.0, 100.0),
        ];
        Array3::from_shape_fn((t, ny, nx), |(k, r, c)| {
            let (x, y) = shift(c as f32, r as f32, k as f32);
            let z: f32 = centres
                .iter()
                .map(|&(cx, cy)| 40.0 * (-((x - cx).powi(2) + (y - cy).powi(2)) / 60.0).exp())
                .sum();
            if z < 1.0 { -15.0 } else { z }
        })
    }

    #[test]
    fn uniform_translation_is_recovered() {
        let frames = blobs(3, 128, 128, |x, y, t| (x - 2.5 * t, y + 1.5 * t));
        let lk = LucasKanade::default();
        let sparse = lk.sparse_vectors(frames.view()).unwrap();
        assert!(sparse.vectors.len() >= 8, "{sparse:?}");
        for v in &sparse.vectors {
            assert!(
                (v[0] - 2.5).abs() < 0.15 && (v[1] + 1.5).abs() < 0.15,
                "{v:?}"
            );
        }
        let motion = lk.estimate(frames.view()).unwrap();
        assert_eq!(motion.dim(), (2, 128, 128));
        let mean_u = motion.index_axis(Axis(0), 0).mean().unwrap();
        let mean_v = motion.index_axis(Axis(0), 1).mean().unwrap();
        assert!(
            (mean_u - 2.5).abs() < 0.1 && (mean_v + 1.5).abs() < 0.1,
            "{mean_u} {mean_v}"
        );
    }

    #[test]
    fn no_rain_flat_and_missing_frames_give_zero_motion() {
        let lk = LucasKanade::default();
        for value in [0.0, -15.0, f32::NAN] {
            let frames = Array3::from_elem((3, 40, 50), value);
            let motion = lk.estimate(frames.view()).unwrap();
            assert!(motion.iter().all(|&v| v == 0.0));
        }
        let mut frames = blobs(3, 64, 64, |x, y, t| (x - t, y));
        frames.index_axis_mut(Axis(0), 1).fill(f32::NAN);
        let motion = lk.estimate(frames.view()).unwrap();
        assert!(motion.iter().all(|v| v.is_finite()));
        // Tiny grids neither panic nor invent motion.
        for (ny, nx) in [(1, 1), (2, 7), (5, 3)] {
            let frames = Array3::from_shape_fn((2, ny, nx), |(t, r, c)| (t + r * c) as f32);
            let motion = lk.estimate(frames.view()).unwrap();
            assert_eq!(motion.dim(), (2, ny, nx));
            assert!(motion.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let lk = LucasKanade::default();
        let one = Array3::<f32>::zeros((1, 16, 16));
        assert!(matches!(lk.estimate(one.view()), Err(Error::Shape { .. })));
        let frames = Array3::<f32>::zeros((2, 16, 16));
        let mut bad = lk.clone();
        bad.tracker.window = 0;
        assert!(matches!(
            bad.estimate(frames.view()),
            Err(Error::Parameter { .. })
        ));
        let mut bad = lk.clone();
        bad.nr_std_outlier = f32::NAN;
        assert!(matches!(
            bad.estimate(frames.view()),
            Err(Error::Parameter { .. })
        ));
    }

    #[test]
    fn outliers_are_flagged_and_clusters_reduced() {
        let points: Vec<[f32; 2]> = (0..40)
            .map(|i| [(i % 8) as f32 * 5.0, (i / 8) as f32 * 5.0])
            .collect();
        let mut vectors: Vec<[f32; 2]> = (0..40)
            .map(|i| {
                [
                    1.0 + 0.05 * ((i * 7) % 5) as f32,
                    -1.0 + 0.04 * ((i * 3) % 7) as f32,
                ]
            })
            .collect();
        vectors[17] = [6.0, 4.0];
        let flags = detect_outliers(&points, &vectors, 3.0, 30);
        assert_eq!(flags.iter().filter(|&&f| f).count(), 1);
        assert!(flags[17]);
        let (p, v) = decluster(&points, &vectors, 20.0);
        assert_eq!(p.len(), 4);
        assert_eq!(p.len(), v.len());
        // The cell [0, 20) × [0, 20): columns 0..=15 (4 values), rows 0..=15 (4 values) → medians 7.5.
        assert_eq!(p[0], [7.5, 7.5]);
    }

    #[test]
    fn opening_removes_isolated_pixels_only() {
        let mut image = Array2::from_elem((10, 10), -15.0f32);
        image[[2, 2]] = 10.0;
        for r in 5..9 {
            for c in 4..8 {
                image[[r, c]] = 20.0;
            }
        }
        remove_isolated(&mut image, -15.0, 3);
        assert_eq!(image[[2, 2]], -15.0);
        assert_eq!(image[[6, 5]], 20.0);
        // The corners of the square are not covered by any cross inside it.
        assert_eq!(image[[5, 4]], -15.0);
        assert_eq!(ellipse(3).len(), 5);
        assert_eq!(ellipse(1), vec![(0, 0)]);
    }
}
