//! Motion of the recent frames, optionally on a coarser grid (large grids: the motion field is smooth, so
//! Lucas–Kanade on block means costs a fraction of the time for nearly the same vectors).

use ndarray::{Array3, ArrayView3};

use crate::error::Result;
use crate::motion::MotionEstimator;
use crate::motion::lucas_kanade::LucasKanade;

/// Dense Lucas–Kanade motion `(2, ny, nx)` in pixels per frame step of `frames (t, ny, nx)` (dB, oldest first),
/// estimated on `factor × factor` block means (NaN-aware) and interpolated back bilinearly; `factor` 1 is the full
/// grid. Every value is finite.
///
/// # Errors
/// As [`LucasKanade::estimate`].
pub(crate) fn coarse_motion(frames: ArrayView3<f32>, factor: usize) -> Result<Array3<f32>> {
    let estimator = LucasKanade::default();
    let (nt, ny, nx) = frames.dim();
    let mut motion = if factor <= 1 {
        estimator.estimate(frames)?
    } else {
        let (cy, cx) = (ny.div_ceil(factor), nx.div_ceil(factor));
        let mut coarse = Array3::<f32>::from_elem((nt, cy, cx), f32::NAN);
        for t in 0..nt {
            for r in 0..cy {
                for c in 0..cx {
                    let (mut sum, mut n) = (0.0f32, 0u32);
                    for rr in r * factor..((r + 1) * factor).min(ny) {
                        for cc in c * factor..((c + 1) * factor).min(nx) {
                            let v = frames[[t, rr, cc]];
                            if v.is_finite() {
                                sum += v;
                                n += 1;
                            }
                        }
                    }
                    if n > 0 {
                        coarse[[t, r, c]] = sum / n as f32;
                    }
                }
            }
        }
        let small = estimator.estimate(coarse.view())?;
        upsample(&small, factor, ny, nx)
    };
    motion.mapv_inplace(|v| if v.is_finite() { v } else { 0.0 });
    Ok(motion)
}

/// Bilinear interpolation of a coarse motion `(2, cy, cx)` to `(2, ny, nx)`, vectors scaled by `factor`; coarse
/// cell `(r, c)` is centred at fine `((r + ½)·factor − ½, (c + ½)·factor − ½)`.
fn upsample(small: &Array3<f32>, factor: usize, ny: usize, nx: usize) -> Array3<f32> {
    let (_, cy, cx) = small.dim();
    let f = factor as f32;
    let coordinate = |fine: usize, n: usize| {
        let x = ((fine as f32 + 0.5) / f - 0.5).clamp(0.0, (n - 1) as f32);
        let i0 = x.floor() as usize;
        let i1 = (i0 + 1).min(n - 1);
        (i0, i1, x - i0 as f32)
    };
    Array3::from_shape_fn((2, ny, nx), |(k, r, c)| {
        let (r0, r1, wr) = coordinate(r, cy);
        let (c0, c1, wc) = coordinate(c, cx);
        let top = small[[k, r0, c0]] * (1.0 - wc) + small[[k, r0, c1]] * wc;
        let bottom = small[[k, r1, c0]] * (1.0 - wc) + small[[k, r1, c1]] * wc;
        (top * (1.0 - wr) + bottom * wr) * f
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_coarse_motion_is_scaled_back_to_the_fine_grid() {
        let small = Array3::from_shape_fn((2, 4, 5), |(k, _, _)| if k == 0 { 0.5 } else { -0.25 });
        let fine = upsample(&small, 4, 16, 20);
        assert_eq!(fine.dim(), (2, 16, 20));
        assert!(
            fine.index_axis(ndarray::Axis(0), 0)
                .iter()
                .all(|&u| (u - 2.0).abs() < 1e-6)
        );
        assert!(
            fine.index_axis(ndarray::Axis(0), 1)
                .iter()
                .all(|&v| (v + 1.0).abs() < 1e-6)
        );
    }
}
