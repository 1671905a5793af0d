//! Motion of the recent frames, optionally on a coarser grid (large grids: the motion field is smooth, so
//! Lucas–Kanade on block means costs a fraction of the time for nearly the same vectors).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis, Zip};

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
    let (_, ny, nx) = frames.dim();
    let mut motion = if factor <= 1 {
        estimator.estimate(frames)?
    } else {
        let small = estimator.estimate(block_mean(frames, factor).view())?;
        let mut fine = Array3::<f32>::zeros((2, ny, nx));
        for k in 0..2 {
            fine.index_axis_mut(Axis(0), k).assign(&upsample(
                small.index_axis(Axis(0), k),
                factor,
                ny,
                nx,
            ));
        }
        fine.mapv_inplace(|v| v * factor as f32);
        fine
    };
    motion.mapv_inplace(|v| if v.is_finite() { v } else { 0.0 });
    Ok(motion)
}

/// Means of `factor × factor` blocks of every slice of `fields (t, ny, nx)`, NaN-aware (a block without data is
/// NaN), `(t, ⌈ny/factor⌉, ⌈nx/factor⌉)`.
pub(crate) fn block_mean(fields: ArrayView3<f32>, factor: usize) -> Array3<f32> {
    let (nt, ny, nx) = fields.dim();
    let (cy, cx) = (ny.div_ceil(factor), nx.div_ceil(factor));
    let mut coarse = Array3::<f32>::from_elem((nt, cy, cx), f32::NAN);
    Zip::indexed(&mut coarse).par_for_each(|(t, r, c), out| {
        let (mut sum, mut n) = (0.0f32, 0u32);
        for rr in r * factor..((r + 1) * factor).min(ny) {
            for cc in c * factor..((c + 1) * factor).min(nx) {
                let v = fields[[t, rr, cc]];
                if v.is_finite() {
                    sum += v;
                    n += 1;
                }
            }
        }
        if n > 0 {
            *out = sum / n as f32;
        }
    });
    coarse
}

/// Bilinear interpolation of a coarse field `(cy, cx)` (block means of `factor × factor` cells) back to
/// `(ny, nx)`; coarse cell `(r, c)` is centred at fine `((r + ½)·factor − ½, (c + ½)·factor − ½)`. NaN
/// propagates.
pub(crate) fn upsample(small: ArrayView2<f32>, factor: usize, ny: usize, nx: usize) -> Array2<f32> {
    let (cy, cx) = small.dim();
    let f = factor as f32;
    let coordinate = |fine: usize, n: usize| {
        let x = ((fine as f32 + 0.5) / f - 0.5).clamp(0.0, (n - 1) as f32);
        let i0 = x.floor() as usize;
        let i1 = (i0 + 1).min(n - 1);
        (i0, i1, x - i0 as f32)
    };
    let mut out = Array2::<f32>::zeros((ny, nx));
    Zip::indexed(&mut out).par_for_each(|(r, c), o| {
        let (r0, r1, wr) = coordinate(r, cy);
        let (c0, c1, wc) = coordinate(c, cx);
        let top = small[[r0, c0]] * (1.0 - wc) + small[[r0, c1]] * wc;
        let bottom = small[[r1, c0]] * (1.0 - wc) + small[[r1, c1]] * wc;
        *o = top * (1.0 - wr) + bottom * wr;
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_means_upsample_back_to_a_smooth_field() {
        let fine = Array3::from_shape_fn((1, 16, 20), |(_, r, c)| 0.5 * r as f32 + 0.25 * c as f32);
        let coarse = block_mean(fine.view(), 4);
        assert_eq!(coarse.dim(), (1, 4, 5));
        // A linear field is reproduced exactly away from the edges.
        let back = upsample(coarse.index_axis(Axis(0), 0), 4, 16, 20);
        for r in 2..14 {
            for c in 2..18 {
                assert!((back[[r, c]] - fine[[0, r, c]]).abs() < 1e-4, "{r} {c}");
            }
        }
    }
}
