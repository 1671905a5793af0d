//! Constant motion: the one translation that best maps the previous frame onto the next, over the whole grid.
//!
//! The objective is pysteps' (`pysteps.motion.constant`): the Pearson correlation between the newest frame
//! `B(x, y)` and the previous one displaced, `A(x − u, y − v)`, over the pixels where both are finite. pysteps
//! maximises it with Nelder–Mead on nearest-neighbour shifts from a start at (1, 1), which stops on the first
//! plateau it meets; here the search is global within `max_speed`: an exhaustive integer search on a coarse
//! level of a 2 × 2 mean pyramid, refined by ±2 px at each finer level, then a parabola through the
//! correlations of the best integer shift and its neighbours gives the sub-pixel part (Tian and Huhns 1986).
//!
//! # References
//! Leese, J. A., C. S. Novak and B. B. Clark, 1971: An automated technique for obtaining cloud motion from
//! geosynchronous satellite data using cross correlation. *J. Appl. Meteor.*, 10, 118–132,
//! doi:10.1175/1520-0450(1971)010<0118:AATFOC>2.0.CO;2 (maximum cross-correlation displacement).
//! Tian, Q. and M. N. Huhns, 1986: Algorithms for subpixel registration. *Comput. Vis. Graph. Image Process.*,
//! 35, 220–233, doi:10.1016/0734-189X(86)90028-9 (interpolation of the correlation surface).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::MotionEstimator;
use super::common::check_frames;
use crate::error::{Error, Result};
use crate::nowcast::extrapolate::uniform_motion;

/// A uniform motion field from the global correlation maximum.
///
/// # Shape
/// `frames (t ≥ 2, y, x)`, oldest first, `NaN` = no data → `(2, y, x)` pixels per step, the same (u, v)
/// everywhere.
///
/// # Errors
/// [`Error::Shape`] for fewer than two frames or an empty grid; [`Error::Parameter`] for a `max_speed` that is
/// not positive and finite. Constant, empty or all-`NaN` frames give zero motion.
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::motion::{MotionEstimator, constant::ConstantMotion};
/// let frames = Array3::from_shape_fn((2, 96, 96), |(t, r, c)| {
///     let (x, y) = (c as f32 - 4.0 * t as f32, r as f32 + 3.0 * t as f32);
///     (x * 0.21).sin() * (y * 0.17).cos() + (0.05 * x * y).sin() * 0.1
/// });
/// let motion = ConstantMotion::default().estimate(frames.view())?;
/// assert!((motion[[0, 10, 10]] - 4.0).abs() < 0.1 && (motion[[1, 50, 70]] + 3.0).abs() < 0.1);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConstantMotion {
    /// Largest |u| and |v| searched, pixels per step.
    pub max_speed: f32,
    /// Maximise the mean correlation over all consecutive pairs instead of using the last two frames only
    /// (pysteps' choice).
    pub all_pairs: bool,
}

impl Default for ConstantMotion {
    /// ±30 px per step, last two frames.
    fn default() -> Self {
        ConstantMotion {
            max_speed: 30.0,
            all_pairs: false,
        }
    }
}

/// Fewest pixels an overlap needs for its correlation to count.
const MIN_OVERLAP: usize = 16;

/// Coarsest levels stop at this many pixels along the shorter side.
const MIN_LEVEL_SIDE: usize = 32;

impl MotionEstimator for ConstantMotion {
    fn estimate(&self, frames: ArrayView3<f32>) -> Result<Array3<f32>> {
        check_frames("constant", frames, 2)?;
        if !(self.max_speed.is_finite() && self.max_speed > 0.0) {
            return Err(Error::parameter(
                "max_speed",
                self.max_speed,
                "must be positive and finite",
            ));
        }
        let (nt, ny, nx) = frames.dim();
        let first = if self.all_pairs { 0 } else { nt - 2 };
        let (u, v) = self.displacement(frames, first).unwrap_or((0.0, 0.0));
        Ok(uniform_motion((ny, nx), u, v))
    }
}

impl ConstantMotion {
    /// The best (u, v) for the pairs from frame `first` on; `None` if no shift has a defined correlation.
    fn displacement(&self, frames: ArrayView3<f32>, first: usize) -> Option<(f32, f32)> {
        let (_, ny, nx) = frames.dim();
        let radius = self.max_speed.ceil() as i64;
        let mut top = 0usize;
        while (radius >> top) > 4 && ny.min(nx) >> (top + 1) >= MIN_LEVEL_SIDE {
            top += 1;
        }
        let pyramids: Vec<Vec<Array2<f32>>> = frames
            .axis_iter(Axis(0))
            .skip(first)
            .map(|f| {
                let mut levels = vec![f.to_owned()];
                for _ in 0..top {
                    let next = halve(levels[levels.len() - 1].view());
                    levels.push(next);
                }
                levels
            })
            .collect();
        let score = |level: usize, (u, v): (i64, i64)| -> Option<f64> {
            let pairs = pyramids.windows(2);
            let n = pairs.len() as f64;
            let mut total = 0.0;
            for pair in pairs {
                total += correlation(pair[0][level].view(), pair[1][level].view(), u, v)?;
            }
            Some(total / n)
        };
        let top_radius = (radius + (1 << top) - 1) >> top;
        let mut best = best_shift(
            (-top_radius..=top_radius)
                .flat_map(|v| (-top_radius..=top_radius).map(move |u| (u, v))),
            |s| score(top, s),
        )?;
        for level in (0..top).rev() {
            let centre = (2 * best.0, 2 * best.1);
            let limit = radius >> level;
            let shifts =
                (-2..=2).flat_map(|dv| (-2..=2).map(move |du| (centre.0 + du, centre.1 + dv)));
            best = best_shift(
                shifts.filter(|s| s.0.abs() <= limit && s.1.abs() <= limit),
                |s| score(level, s),
            )
            .unwrap_or(centre);
        }
        let at = |s| score(0, s);
        let centre = at(best)?;
        let refine = |minus: Option<f64>, plus: Option<f64>| match (minus, plus) {
            (Some(m), Some(p)) => {
                let curvature = m - 2.0 * centre + p;
                if curvature < 0.0 {
                    (0.5 * (m - p) / curvature).clamp(-0.5, 0.5)
                } else {
                    0.0
                }
            }
            _ => 0.0,
        };
        let du = refine(at((best.0 - 1, best.1)), at((best.0 + 1, best.1)));
        let dv = refine(at((best.0, best.1 - 1)), at((best.0, best.1 + 1)));
        Some(((best.0 as f64 + du) as f32, (best.1 as f64 + dv) as f32))
    }
}

/// The shift with the highest score (the first in `shifts` order among equals), scored in parallel.
fn best_shift(
    shifts: impl Iterator<Item = (i64, i64)>,
    score: impl Fn((i64, i64)) -> Option<f64> + Sync,
) -> Option<(i64, i64)> {
    let shifts: Vec<(i64, i64)> = shifts.collect();
    let scores: Vec<Option<f64>> = shifts.par_iter().map(|&s| score(s)).collect();
    shifts
        .iter()
        .zip(scores)
        .filter_map(|(s, c)| c.map(|c| (*s, c)))
        .fold(None, |best: Option<((i64, i64), f64)>, (s, c)| match best {
            Some((_, b)) if b >= c => best,
            _ => Some((s, c)),
        })
        .map(|(s, _)| s)
}

/// Pearson correlation of `next(x, y)` with `prev(x − u, y − v)` over the pixels where both exist and are
/// finite; `None` for too small an overlap or a zero variance.
fn correlation(prev: ArrayView2<f32>, next: ArrayView2<f32>, u: i64, v: i64) -> Option<f64> {
    let (ny, nx) = next.dim();
    let (ny_i, nx_i) = (ny as i64, nx as i64);
    let (r0, r1) = (v.max(0), (ny_i + v).min(ny_i));
    let (c0, c1) = (u.max(0), (nx_i + u).min(nx_i));
    if r0 >= r1 || c0 >= c1 {
        return None;
    }
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) =
        (0usize, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    for r in r0..r1 {
        let b_row = next.row(r as usize);
        let a_row = prev.row((r - v) as usize);
        let (mut rs_a, mut rs_b, mut rs_aa, mut rs_bb, mut rs_ab, mut rn) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32, 0);
        for c in c0..c1 {
            let (a, b) = (a_row[(c - u) as usize], b_row[c as usize]);
            if a.is_finite() && b.is_finite() {
                rn += 1;
                rs_a += a;
                rs_b += b;
                rs_aa += a * a;
                rs_bb += b * b;
                rs_ab += a * b;
            }
        }
        n += rn;
        sa += f64::from(rs_a);
        sb += f64::from(rs_b);
        saa += f64::from(rs_aa);
        sbb += f64::from(rs_bb);
        sab += f64::from(rs_ab);
    }
    if n < MIN_OVERLAP {
        return None;
    }
    let m = n as f64;
    let cov = sab - sa * sb / m;
    let (va, vb) = (saa - sa * sa / m, sbb - sb * sb / m);
    let scale = (saa.abs() + sbb.abs()).max(f64::MIN_POSITIVE);
    if va <= 1e-9 * scale || vb <= 1e-9 * scale {
        return None;
    }
    Some(cov / (va * vb).sqrt())
}

/// 2 × 2 block means (ignoring `NaN`; `NaN` if the block has no finite value), size ⌈n/2⌉.
fn halve(field: ArrayView2<f32>) -> Array2<f32> {
    let (ny, nx) = field.dim();
    Array2::from_shape_fn((ny.div_ceil(2), nx.div_ceil(2)), |(r, c)| {
        let (mut sum, mut n) = (0.0f32, 0u8);
        for rr in 2 * r..(2 * r + 2).min(ny) {
            for cc in 2 * c..(2 * c + 2).min(nx) {
                let v = field[[rr, cc]];
                if v.is_finite() {
                    sum += v;
                    n += 1;
                }
            }
        }
        if n == 0 { f32::NAN } else { sum / f32::from(n) }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pattern(t: usize, ny: usize, nx: usize, u: f32, v: f32) -> Array3<f32> {
        Array3::from_shape_fn((t, ny, nx), |(k, r, c)| {
            let (x, y) = (c as f32 - u * k as f32, r as f32 - v * k as f32);
            let blob = |cx: f32, cy: f32, s: f32| {
                (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * s * s)).exp()
            };
            let z = 40.0 * blob(60.0, 70.0, 9.0)
                + 30.0 * blob(130.0, 90.0, 14.0)
                + 25.0 * blob(90.0, 150.0, 6.0);
            if z < 1.0 { -15.0 } else { 10.0 * z.log10() }
        })
    }

    #[test]
    fn large_fractional_shift_is_found() {
        let frames = pattern(3, 200, 220, -17.4, 11.7);
        let m = ConstantMotion::default().estimate(frames.view()).unwrap();
        assert!((m[[0, 0, 0]] + 17.4).abs() < 0.25, "{}", m[[0, 0, 0]]);
        assert!((m[[1, 0, 0]] - 11.7).abs() < 0.25, "{}", m[[1, 0, 0]]);
        let all = ConstantMotion {
            all_pairs: true,
            ..Default::default()
        };
        let m2 = all.estimate(frames.view()).unwrap();
        assert!((m2[[0, 5, 5]] + 17.4).abs() < 0.25 && (m2[[1, 5, 5]] - 11.7).abs() < 0.25);
        // Integer shifts are exact.
        let frames = pattern(2, 128, 128, 5.0, -3.0);
        let m = ConstantMotion::default().estimate(frames.view()).unwrap();
        assert!((m[[0, 0, 0]] - 5.0).abs() < 0.05 && (m[[1, 0, 0]] + 3.0).abs() < 0.05);
    }

    #[test]
    fn missing_data_is_ignored_and_degenerate_input_gives_zero() {
        let mut frames = pattern(2, 160, 160, 6.0, 2.0);
        for r in 0..160 {
            for c in 0..30 {
                frames[[0, r, c]] = f32::NAN;
                frames[[1, c, r]] = f32::NAN;
            }
        }
        let m = ConstantMotion::default().estimate(frames.view()).unwrap();
        assert!((m[[0, 0, 0]] - 6.0).abs() < 0.25 && (m[[1, 0, 0]] - 2.0).abs() < 0.25);
        for value in [0.0, f32::NAN] {
            let frames = Array3::from_elem((3, 20, 30), value);
            let m = ConstantMotion::default().estimate(frames.view()).unwrap();
            assert!(m.iter().all(|&x| x == 0.0));
        }
        let tiny = Array3::from_shape_fn((2, 1, 2), |(t, _, c)| (t + c) as f32);
        assert!(
            ConstantMotion::default()
                .estimate(tiny.view())
                .unwrap()
                .iter()
                .all(|x| x.is_finite())
        );
    }

    #[test]
    fn bad_input_is_refused() {
        let one = Array3::<f32>::zeros((1, 8, 8));
        assert!(matches!(
            ConstantMotion::default().estimate(one.view()),
            Err(Error::Shape { .. })
        ));
        let two = Array3::<f32>::zeros((2, 8, 8));
        let bad = ConstantMotion {
            max_speed: 0.0,
            ..Default::default()
        };
        assert!(matches!(
            bad.estimate(two.view()),
            Err(Error::Parameter { .. })
        ));
    }
}
