//! Pyramidal iterative Lucas–Kanade tracking of sparse points (Bouguet 2001).

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::shi_tomasi::reflect101;

/// Settings of the pyramidal Lucas–Kanade tracker (pysteps' `track_features` defaults, OpenCV's
/// `calcOpticalFlowPyrLK` semantics).
///
/// Each point is tracked from the coarsest pyramid level to the finest: at every level the displacement of a
/// `window × window` patch (the patch spans `window` pixels centred on the point, so its half-width is
/// `(window − 1)/2`) is refined by Newton–Raphson steps `δ = G⁻¹ b` with `G = Σ ∇I ∇Iᵀ` and
/// `b = Σ (I − J) ∇I` (Lucas and Kanade 1981, eq. 10; Bouguet 2001, section 2.3), until `max_iterations`, a step
/// shorter than `epsilon` pixels, or an oscillation (two successive steps cancelling to 0.01 px, then the point
/// is put halfway). The guess doubles from one level to the next. Gradients are Scharr derivatives; patches are
/// sampled bilinearly; the image is mirrored beyond its edges and the gradient is zero there.
///
/// A point is lost when its patch leaves the finest level by more than the window, or when the finest level's
/// `G` is too flat: its smaller eigenvalue per pixel of the window, in OpenCV's scaling (grey levels² per pixel²
/// divided by 1024), is below `min_eigenvalue`, or its determinant (same scaling) is below `f32::EPSILON`.
///
/// # References
/// Lucas, B. D. and T. Kanade, 1981: An iterative image registration technique with an application to stereo
/// vision. *Proc. 7th Int. Joint Conf. on Artificial Intelligence (IJCAI'81)*, 674–679 (the DARPA Image
/// Understanding Workshop version: pp. 121–130).
/// Bouguet, J.-Y., 2001: Pyramidal implementation of the affine Lucas Kanade feature tracker: description of
/// the algorithm. Intel Corporation, Microprocessor Research Labs, 9 pp. (section 2: pyramid, guesses, iterations).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PyramidalLk {
    /// Side of the square tracking window, pixels (OpenCV's `winSize`).
    pub window: usize,
    /// Coarsest pyramid level (0 = no pyramid); fewer levels are used while a level would not be larger than
    /// the window.
    pub levels: usize,
    /// Most Newton–Raphson steps per level.
    pub max_iterations: usize,
    /// Steps shorter than this stop the iterations, pixels (0: only `max_iterations` and oscillations stop).
    pub epsilon: f32,
    /// Smallest accepted eigenvalue of the gradient matrix, OpenCV's `minEigThreshold`.
    pub min_eigenvalue: f32,
}

impl Default for PyramidalLk {
    /// pysteps 1.21.5: 50 × 50 window, 3 levels above the image, 10 iterations, ε = 0, min eigenvalue 1e-4.
    fn default() -> Self {
        PyramidalLk {
            window: 50,
            levels: 3,
            max_iterations: 10,
            epsilon: 0.0,
            min_eigenvalue: 1e-4,
        }
    }
}

/// OpenCV's fixed-point scale of the gradient matrix: Scharr gradients are 32 × the grey-level slope and the
/// products are divided by 2²⁰, i.e. `G_opencv = G / 1024` for `G` in grey levels² per pixel².
const OPENCV_GRADIENT_SCALE: f64 = 1.0 / 1024.0;

impl PyramidalLk {
    /// Tracks `points` (`[x, y]` pixels) from `prev` to `next`; `None` for lost points.
    ///
    /// # Shape
    /// `prev (y, x)`, `next (y, x)` of the same shape (grey levels, no NaN) → one entry per point.
    pub fn track(
        &self,
        prev: ArrayView2<f32>,
        next: ArrayView2<f32>,
        points: &[[f32; 2]],
    ) -> Vec<Option<[f32; 2]>> {
        let window = self.window.max(1);
        let top = pyramid_depth(prev.dim(), window, self.levels);
        let prev = Pyramid::new(prev, top, window, true);
        let next = Pyramid::new(next, top, window, false);
        points
            .par_iter()
            .map_init(
                || Scratch::new(window),
                |scratch, &p| self.track_one(&prev, &next, p, scratch),
            )
            .collect()
    }

    fn track_one(
        &self,
        prev: &Pyramid,
        next: &Pyramid,
        point: [f32; 2],
        s: &mut Scratch,
    ) -> Option<[f32; 2]> {
        let w = s.window;
        let half = (w as f32 - 1.0) * 0.5;
        let area = (w * w) as f64;
        let top = prev.levels.len() - 1;
        let mut guess = [0.0f32; 2];
        let mut lost = false;
        for level in (0..=top).rev() {
            let (pl, nl) = (&prev.levels[level], &next.levels[level]);
            let scale = 1.0 / (1u32 << level) as f32;
            let p = [point[0] * scale, point[1] * scale];
            let mut q = if level == top {
                p
            } else {
                [guess[0] * 2.0, guess[1] * 2.0]
            };
            guess = q;
            let Some(origin) = patch_origin(pl, [p[0] - half, p[1] - half], w) else {
                lost |= level == 0;
                continue;
            };
            pl.sample(&pl.image, origin, w, &mut s.template);
            pl.sample(&pl.dx, origin, w, &mut s.gx);
            pl.sample(&pl.dy, origin, w, &mut s.gy);
            let (mut a11, mut a12, mut a22) = (0.0f64, 0.0f64, 0.0f64);
            for row in 0..w {
                let (gx, gy) = (&s.gx[row * w..][..w], &s.gy[row * w..][..w]);
                let (mut r11, mut r12, mut r22) = (0.0f32, 0.0f32, 0.0f32);
                for (&x, &y) in gx.iter().zip(gy) {
                    r11 += x * x;
                    r12 += x * y;
                    r22 += y * y;
                }
                (a11, a12, a22) = (
                    a11 + f64::from(r11),
                    a12 + f64::from(r12),
                    a22 + f64::from(r22),
                );
            }
            let det = a11 * a22 - a12 * a12;
            let min_eig =
                (a11 + a22 - ((a11 - a22).powi(2) + 4.0 * a12 * a12).sqrt()) / (2.0 * area);
            if min_eig * OPENCV_GRADIENT_SCALE < f64::from(self.min_eigenvalue)
                || det * OPENCV_GRADIENT_SCALE * OPENCV_GRADIENT_SCALE < f64::from(f32::EPSILON)
            {
                lost |= level == 0;
                continue;
            }
            let mut previous_step = [0.0f32; 2];
            for j in 0..self.max_iterations {
                let Some(origin) = patch_origin(nl, [q[0] - half, q[1] - half], w) else {
                    lost |= level == 0;
                    break;
                };
                nl.sample(&nl.image, origin, w, &mut s.moved);
                let (mut b1, mut b2) = (0.0f64, 0.0f64);
                for row in 0..w {
                    let range = row * w..(row + 1) * w;
                    let (r1, r2) = residual_products(
                        &s.moved[range.clone()],
                        &s.template[range.clone()],
                        &s.gx[range.clone()],
                        &s.gy[range],
                    );
                    b1 += f64::from(r1);
                    b2 += f64::from(r2);
                }
                let step = [
                    ((a12 * b2 - a22 * b1) / det) as f32,
                    ((a12 * b1 - a11 * b2) / det) as f32,
                ];
                q = [q[0] + step[0], q[1] + step[1]];
                guess = q;
                if step[0] * step[0] + step[1] * step[1] <= self.epsilon * self.epsilon {
                    break;
                }
                if j > 0
                    && (step[0] + previous_step[0]).abs() < 0.01
                    && (step[1] + previous_step[1]).abs() < 0.01
                {
                    guess = [q[0] - 0.5 * step[0], q[1] - 0.5 * step[1]];
                    break;
                }
                previous_step = step;
            }
        }
        (!lost && guess[0].is_finite() && guess[1].is_finite()).then_some(guess)
    }
}

/// `(Σ (j − i)·gx, Σ (j − i)·gy)` over one window row, with eight independent partial sums (vectorisable,
/// fixed order).
fn residual_products(moved: &[f32], template: &[f32], gx: &[f32], gy: &[f32]) -> (f32, f32) {
    let (mut l1, mut l2) = ([0.0f32; 8], [0.0f32; 8]);
    let chunks = moved
        .chunks_exact(8)
        .zip(template.chunks_exact(8))
        .zip(gx.chunks_exact(8).zip(gy.chunks_exact(8)));
    for ((j, i), (x, y)) in chunks {
        for k in 0..8 {
            let diff = j[k] - i[k];
            l1[k] += diff * x[k];
            l2[k] += diff * y[k];
        }
    }
    let (mut r1, mut r2) = (l1.iter().sum::<f32>(), l2.iter().sum::<f32>());
    let n8 = moved.len() / 8 * 8;
    for (((j, i), x), y) in moved[n8..]
        .iter()
        .zip(&template[n8..])
        .zip(&gx[n8..])
        .zip(&gy[n8..])
    {
        let diff = j - i;
        r1 += diff * x;
        r2 += diff * y;
    }
    (r1, r2)
}

/// Index of the coarsest level: at most `levels`, stopping before a level whose halved size would not exceed
/// the window.
fn pyramid_depth((ny, nx): (usize, usize), window: usize, levels: usize) -> usize {
    let (mut h, mut w) = (ny, nx);
    for level in 0..levels {
        (h, w) = (h.div_ceil(2), w.div_ceil(2));
        if h <= window || w <= window {
            return level;
        }
    }
    levels
}

/// Integer top-left corner of a patch whose (fractional) top-left is `corner`, with the bilinear fractions;
/// `None` if the patch leaves the level by more than the window (or the corner is not finite).
fn patch_origin(level: &Level, corner: [f32; 2], window: usize) -> Option<([isize; 2], [f32; 2])> {
    if !(corner[0].is_finite() && corner[1].is_finite()) {
        return None;
    }
    let (fx, fy) = (corner[0].floor(), corner[1].floor());
    let (ix, iy) = (fx as isize, fy as isize);
    let w = window as isize;
    if ix < -w || iy < -w || ix >= level.cols as isize || iy >= level.rows as isize {
        return None;
    }
    Some(([ix, iy], [corner[0] - fx, corner[1] - fy]))
}

/// Per-thread buffers of one tracking window.
struct Scratch {
    window: usize,
    template: Vec<f32>,
    gx: Vec<f32>,
    gy: Vec<f32>,
    moved: Vec<f32>,
}

impl Scratch {
    fn new(window: usize) -> Self {
        let n = window * window;
        Scratch {
            window,
            template: vec![0.0; n],
            gx: vec![0.0; n],
            gy: vec![0.0; n],
            moved: vec![0.0; n],
        }
    }
}

/// One pyramid level, padded by `window + 1` pixels: the image mirrored, the gradients zero.
struct Level {
    rows: usize,
    cols: usize,
    pad: usize,
    stride: usize,
    image: Vec<f32>,
    dx: Vec<f32>,
    dy: Vec<f32>,
}

impl Level {
    fn new(image: ArrayView2<f32>, window: usize, gradients: bool) -> Self {
        let (rows, cols) = image.dim();
        let pad = window + 1;
        let stride = cols + 2 * pad;
        let columns: Vec<usize> = (0..stride)
            .map(|c| reflect101(c as isize - pad as isize, cols))
            .collect();
        let mut padded = vec![0.0f32; (rows + 2 * pad) * stride];
        for (r, line) in padded.chunks_exact_mut(stride).enumerate() {
            let src = image.row(reflect101(r as isize - pad as isize, rows));
            for (v, &c) in line.iter_mut().zip(&columns) {
                *v = src[c];
            }
        }
        let mut level = Level {
            rows,
            cols,
            pad,
            stride,
            image: padded,
            dx: Vec::new(),
            dy: Vec::new(),
        };
        if gradients {
            level.scharr();
        }
        level
    }

    /// Scharr gradients in grey levels per pixel (kernel / 32), mirrored borders (read from the mirrored
    /// padding), zero outside the image.
    fn scharr(&mut self) {
        let (stride, pad) = (self.stride, self.pad);
        let mut dx = vec![0.0f32; self.image.len()];
        let mut dy = vec![0.0f32; self.image.len()];
        let img = &self.image;
        for r in pad..pad + self.rows {
            let (up, mid, down) = (
                &img[(r - 1) * stride..r * stride],
                &img[r * stride..(r + 1) * stride],
                &img[(r + 1) * stride..(r + 2) * stride],
            );
            let (gx, gy) = (
                &mut dx[r * stride..(r + 1) * stride],
                &mut dy[r * stride..(r + 1) * stride],
            );
            for c in pad..pad + self.cols {
                gx[c] = (3.0 * (up[c + 1] - up[c - 1])
                    + 10.0 * (mid[c + 1] - mid[c - 1])
                    + 3.0 * (down[c + 1] - down[c - 1]))
                    / 32.0;
                gy[c] = (3.0 * (down[c - 1] - up[c - 1])
                    + 10.0 * (down[c] - up[c])
                    + 3.0 * (down[c + 1] - up[c + 1]))
                    / 32.0;
            }
        }
        self.dx = dx;
        self.dy = dy;
    }

    /// Bilinear samples of a padded buffer over a `window × window` patch at `origin` (+ fractions).
    fn sample(
        &self,
        buffer: &[f32],
        (origin, frac): ([isize; 2], [f32; 2]),
        w: usize,
        out: &mut [f32],
    ) {
        let (ax, ay) = (frac[0], frac[1]);
        let (w00, w01, w10, w11) = (
            (1.0 - ax) * (1.0 - ay),
            ax * (1.0 - ay),
            (1.0 - ax) * ay,
            ax * ay,
        );
        let c0 = (origin[0] + self.pad as isize) as usize;
        let r0 = (origin[1] + self.pad as isize) as usize;
        for (row, dst) in out.chunks_exact_mut(w).enumerate() {
            let base = (r0 + row) * self.stride + c0;
            let top = &buffer[base..base + w + 1];
            let bottom = &buffer[base + self.stride..base + self.stride + w + 1];
            for (x, d) in dst.iter_mut().enumerate() {
                *d = w00 * top[x] + w01 * top[x + 1] + w10 * bottom[x] + w11 * bottom[x + 1];
            }
        }
    }
}

/// Levels 0 (the image) to `top`, each the previous one smoothed by the 5-tap binomial filter
/// [1 4 6 4 1]/16 (mirrored borders) and halved, size ⌈n/2⌉ (Burt and Adelson 1983).
struct Pyramid {
    levels: Vec<Level>,
}

impl Pyramid {
    fn new(image: ArrayView2<f32>, top: usize, window: usize, gradients: bool) -> Self {
        let mut levels = vec![Level::new(image, window, gradients)];
        let mut current = image.to_owned();
        for _ in 0..top {
            current = pyr_down(current.view());
            levels.push(Level::new(current.view(), window, gradients));
        }
        Pyramid { levels }
    }
}

/// Gaussian pyramid reduction: binomial smoothing then every other pixel.
///
/// # References
/// Burt, P. J. and E. H. Adelson, 1983: The Laplacian pyramid as a compact image code. *IEEE Trans. Commun.*,
/// 31, 532–540, doi:10.1109/TCOM.1983.1095851 (the REDUCE operation with a = 0.375).
fn pyr_down(image: ArrayView2<f32>) -> ndarray::Array2<f32> {
    const K: [f32; 5] = [1.0 / 16.0, 4.0 / 16.0, 6.0 / 16.0, 4.0 / 16.0, 1.0 / 16.0];
    let (ny, nx) = image.dim();
    let (oy, ox) = (ny.div_ceil(2), nx.div_ceil(2));
    let rows = ndarray::Array2::from_shape_fn((ny, ox), |(r, c)| {
        K.iter()
            .enumerate()
            .map(|(k, w)| w * image[[r, reflect101(2 * c as isize + k as isize - 2, nx)]])
            .sum::<f32>()
    });
    ndarray::Array2::from_shape_fn((oy, ox), |(r, c)| {
        K.iter()
            .enumerate()
            .map(|(k, w)| w * rows[[reflect101(2 * r as isize + k as isize - 2, ny), c]])
            .sum::<f32>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    fn texture(ny: usize, nx: usize, dx: f32, dy: f32) -> Array2<f32> {
        Array2::from_shape_fn((ny, nx), |(r, c)| {
            let (x, y) = (c as f32 - dx, r as f32 - dy);
            let blob = |cx: f32, cy: f32, s: f32| {
                (-((x - cx).powi(2) + (y - cy).powi(2)) / (2.0 * s * s)).exp()
            };
            200.0 * blob(60.0, 50.0, 6.0)
                + 150.0 * blob(90.0, 80.0, 9.0)
                + 120.0 * blob(40.0, 100.0, 5.0)
                + 100.0 * blob(110.0, 40.0, 7.0)
        })
    }

    #[test]
    fn translation_is_recovered_through_the_pyramid() {
        // 9.3 px right and 6.6 px down: beyond one level's reach, found through the pyramid.
        let prev = texture(160, 160, 0.0, 0.0);
        let next = texture(160, 160, 9.3, 6.6);
        let points = [[60.0, 50.0], [90.0, 80.0], [40.0, 100.0], [110.0, 40.0]];
        let lk = PyramidalLk::default();
        assert_eq!(pyramid_depth((160, 160), 50, 3), 1);
        for (p, q) in points
            .iter()
            .zip(lk.track(prev.view(), next.view(), &points))
        {
            let q = q.expect("tracked");
            assert!((q[0] - p[0] - 9.3).abs() < 0.05, "{p:?} → {q:?}");
            assert!((q[1] - p[1] - 6.6).abs() < 0.05, "{p:?} → {q:?}");
        }
    }

    #[test]
    fn flat_patches_and_far_points_are_lost() {
        let prev = texture(160, 160, 0.0, 0.0);
        let flat = Array2::<f32>::from_elem((160, 160), 7.0);
        let lk = PyramidalLk::default();
        let out = lk.track(flat.view(), flat.view(), &[[80.0, 80.0]]);
        assert_eq!(out, vec![None]);
        let out = lk.track(prev.view(), prev.view(), &[[-500.0, 10.0], [f32::NAN, 3.0]]);
        assert_eq!(out, vec![None, None]);
    }

    #[test]
    fn pyramid_depth_stops_before_the_window() {
        assert_eq!(pyramid_depth((512, 512), 50, 3), 3);
        assert_eq!(pyramid_depth((100, 512), 50, 3), 0);
        assert_eq!(pyramid_depth((1226, 760), 50, 3), 3);
        assert_eq!(pyramid_depth((2, 2), 1, 5), 0);
        let small = pyr_down(Array2::from_elem((5, 3), 2.0f32).view());
        assert_eq!(small.dim(), (3, 2));
        assert!(small.iter().all(|&v| (v - 2.0).abs() < 1e-6));
    }
}
