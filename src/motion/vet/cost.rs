//! The VET cost function and its exact gradient with respect to the sector motion.
//!
//! `J(S) = Σ_pairs Σ_x [I_{k+1}(x) − I_k(x − d(x))]² + γ·Σ_sectors A·Σ_{u,v} [f_xx² + 2 f_xy² + f_yy²]`
//!
//! where `d(x)` is the sector motion `S` interpolated bilinearly to the pixels ([`super::sectors`]), `I_k(x − d)`
//! is the earlier frame sampled bilinearly at the departure point (backward advection, as
//! [`crate::nowcast::warp`] does with displacement `−d`), and the second derivatives are centred differences on
//! the sector grid in pixel units (interior sectors only), each weighted by the sector area `A` in pixels²: the
//! discrete form of the smoothness integral of Laroche and Zawadzki (1995). A pixel enters the residual only
//! when its target value is finite and its departure point lies inside the grid with four finite neighbours.
//!
//! The gradient follows by the chain rule: `∂r²/∂d = 2 r ∇I_k(x − d)` with the exact derivative of the bilinear
//! interpolant in the cell of the departure point, then spread back to the four sector centres with the same
//! bilinear weights that made `d`.

use rayon::prelude::*;

use super::sectors::SectorField;

/// Rows per parallel work item. Fixed, so that the summation order — hence every bit of the result — does not
/// depend on the number of threads.
const ROWS_PER_CHUNK: usize = 8;

/// The frames and settings of one minimisation.
pub(super) struct Problem<'a> {
    /// Frames `(t, y, x)` flattened row-major, oldest first; non-finite = no data.
    frames: &'a [f32],
    /// Number of frames (≥ 2).
    n_frames: usize,
    /// Grid rows.
    ny: usize,
    /// Grid columns.
    nx: usize,
    /// Smoothness gain γ.
    smooth_gain: f64,
    /// The background ("no rain") value: the smallest finite value of the frames.
    background: f32,
    /// Per frame but the last, per pixel `(r, c)` with `r < ny − 1`, `c < nx − 1`: whether the four pixels
    /// `(r..=r + 1, c..=c + 1)` are all background or no data.
    inert_cells: Vec<Vec<bool>>,
}

/// Buffers of one pixel row.
struct RowScratch {
    /// Top-left pixel of the departure cell, `usize::MAX` outside the grid.
    cell: Vec<usize>,
    /// u, then the position of the departure point inside its cell along x.
    fx: Vec<f32>,
    /// v, then the position inside the cell along y.
    fy: Vec<f32>,
    /// ∂J/∂u per pixel.
    gx: Vec<f32>,
    /// ∂J/∂v per pixel.
    gy: Vec<f32>,
}

impl RowScratch {
    fn new(nx: usize) -> RowScratch {
        RowScratch {
            cell: vec![0; nx],
            fx: vec![0.0; nx],
            fy: vec![0.0; nx],
            gx: vec![0.0; nx],
            gy: vec![0.0; nx],
        }
    }
}

impl<'a> Problem<'a> {
    /// The problem of `frames (n_frames, ny, nx)` flattened row-major (`n_frames, ny, nx ≥ 2`).
    pub fn new(frames: &'a [f32], n_frames: usize, ny: usize, nx: usize, smooth_gain: f64) -> Self {
        let background = frames
            .iter()
            .filter(|v| v.is_finite())
            .fold(f32::INFINITY, |m, &v| m.min(v));
        let inert_cells = frames
            .par_chunks_exact(ny * nx)
            .take(n_frames - 1)
            .map(|frame| inert_cells(frame, ny, nx, background))
            .collect();
        Problem {
            frames,
            n_frames,
            ny,
            nx,
            smooth_gain,
            background,
            inert_cells,
        }
    }

    /// The cost at the sector motion `field.values`, writing `∂J/∂S` into `gradient` (same layout).
    ///
    /// With `stride > 1` the residual is summed over every `stride`-th row and column only (the pixels
    /// `stride/2 + k·stride`) and weighted by `stride²`: an estimate of the full sum at a fraction of the cost, for
    /// the coarse scales whose sectors span many pixels. Its gradient is exact for that estimate.
    pub fn cost_gradient(&self, field: &SectorField, stride: usize, gradient: &mut [f64]) -> f64 {
        let n_values = field.values.len();
        let rows: Vec<usize> = (stride / 2..self.ny).step_by(stride).collect();
        let chunks: Vec<(f64, Vec<f64>)> = rows
            .par_chunks(ROWS_PER_CHUNK)
            .map(|chunk| {
                let mut grad = vec![0.0; n_values];
                let mut scratch = RowScratch::new(self.nx);
                let cost = chunk
                    .iter()
                    .map(|&row| self.residual_row(field, row, stride, &mut scratch, &mut grad))
                    .sum::<f64>();
                (cost, grad)
            })
            .collect();
        gradient.iter_mut().for_each(|g| *g = 0.0);
        let mut cost = 0.0;
        for (c, g) in chunks {
            cost += c;
            gradient.iter_mut().zip(&g).for_each(|(a, b)| *a += b);
        }
        cost + self.smoothness(field, gradient)
    }

    /// Squared residuals of pixel row `row` (every `stride`-th pixel, weighted by `stride²`) over every pair of
    /// consecutive frames; adds their gradient.
    fn residual_row(
        &self,
        field: &SectorField,
        row: usize,
        stride: usize,
        scratch: &mut RowScratch,
        grad: &mut [f64],
    ) -> f64 {
        let (ny, nx) = (self.ny, self.nx);
        let plane = ny * nx;
        let weight = (stride * stride) as f64;
        let columns = (stride / 2..nx).step_by(stride);
        let RowScratch {
            cell,
            fx,
            fy,
            gx,
            gy,
        } = scratch;
        // Departure points: the cell (index of its top-left pixel) and the position inside it.
        field.pixel_row(0, row, fx);
        field.pixel_row(1, row, fy);
        let (x_max, y_max) = ((nx - 1) as f32, (ny - 1) as f32);
        for col in columns.clone() {
            let (x, y) = (col as f32 - fx[col], row as f32 - fy[col]);
            if x >= 0.0 && y >= 0.0 && x <= x_max && y <= y_max {
                // x, y ≥ 0 here, so truncation is the floor.
                let c0 = (x as usize).min(nx - 2);
                let r0 = (y as usize).min(ny - 2);
                cell[col] = r0 * nx + c0;
                fx[col] = x - c0 as f32;
                fy[col] = y - r0 as f32;
            } else {
                cell[col] = usize::MAX;
            }
        }
        gx.fill(0.0);
        gy.fill(0.0);
        let mut cost = 0.0f64;
        for pair in 0..self.n_frames - 1 {
            let earlier = &self.frames[pair * plane..(pair + 1) * plane];
            let targets = &self.frames[(pair + 1) * plane + row * nx..][..nx];
            let inert = &self.inert_cells[pair];
            for col in columns.clone() {
                let top = cell[col];
                if top == usize::MAX {
                    continue;
                }
                let target = targets[col];
                if inert[top] && !(target.is_finite() && target != self.background) {
                    // Background (or no data) everywhere involved: no residual, no gradient.
                    continue;
                }
                let (f00, f01) = (earlier[top], earlier[top + 1]);
                let (f10, f11) = (earlier[top + nx], earlier[top + nx + 1]);
                if !(target + f00 + f01 + f10 + f11).is_finite() {
                    continue;
                }
                let (wx, wy) = (fx[col], fy[col]);
                let cross = f00 - f01 - f10 + f11;
                let value = f00 + wx * (f01 - f00) + wy * (f10 - f00) + wx * wy * cross;
                let residual = target - value;
                cost += f64::from(residual * residual);
                gx[col] += 2.0 * residual * (f01 - f00 + wy * cross);
                gy[col] += 2.0 * residual * (f10 - f00 + wx * cross);
            }
        }
        // Back to the sector centres: along the row (pixels sharing a sector pair at a time), then to the two
        // sector rows.
        let sx = field.cols.sectors;
        let (mut grad_u, mut grad_v) = (vec![0.0f64; sx], vec![0.0f64; sx]);
        for span in &field.cols.spans {
            let (mut u0, mut u1, mut v0, mut v1) = (0.0f64, 0.0f64, 0.0f64, 0.0f64);
            for col in span.pixels.clone() {
                let t = f64::from(field.cols.t[col]);
                let (gu, gv) = (f64::from(gx[col]), f64::from(gy[col]));
                u0 += (1.0 - t) * gu;
                u1 += t * gu;
                v0 += (1.0 - t) * gv;
                v1 += t * gv;
            }
            grad_u[span.k0] += weight * u0;
            grad_u[span.k1] += weight * u1;
            grad_v[span.k0] += weight * v0;
            grad_v[span.k1] += weight * v1;
        }
        let (k0, k1, ty) = (
            field.rows.k0[row],
            field.rows.k1[row],
            f64::from(field.rows.t[row]),
        );
        let n = field.len_component();
        for l in 0..sx {
            grad[k0 * sx + l] += (1.0 - ty) * grad_u[l];
            grad[k1 * sx + l] += ty * grad_u[l];
            grad[n + k0 * sx + l] += (1.0 - ty) * grad_v[l];
            grad[n + k1 * sx + l] += ty * grad_v[l];
        }
        weight * cost
    }

    /// The smoothness penalty; adds its gradient.
    fn smoothness(&self, field: &SectorField, gradient: &mut [f64]) -> f64 {
        let (sy, sx) = (field.rows.sectors, field.cols.sectors);
        if self.smooth_gain == 0.0 || sy < 3 || sx < 3 {
            return 0.0;
        }
        // γ times the sector area (pixels²): the sum approximates γ ∫∫ (…) dx dy.
        let gain = self.smooth_gain * field.cols.pitch * field.rows.pitch;
        let (px2, py2) = (field.cols.pitch.powi(2), field.rows.pitch.powi(2));
        let pxy = 4.0 * field.cols.pitch * field.rows.pitch;
        let n = field.len_component();
        let mut penalty = 0.0;
        for c in 0..2 {
            let base = c * n;
            let idx = |r: usize, k: usize| base + r * sx + k;
            let s = |r: usize, k: usize| field.values[idx(r, k)];
            for r in 1..sy - 1 {
                for k in 1..sx - 1 {
                    let fxx = (s(r, k + 1) - 2.0 * s(r, k) + s(r, k - 1)) / px2;
                    let fyy = (s(r + 1, k) - 2.0 * s(r, k) + s(r - 1, k)) / py2;
                    let fxy = (s(r + 1, k + 1) - s(r + 1, k - 1) - s(r - 1, k + 1)
                        + s(r - 1, k - 1))
                        / pxy;
                    penalty += fxx * fxx + 2.0 * fxy * fxy + fyy * fyy;
                    let (gxx, gyy, gxy) = (
                        2.0 * gain * fxx / px2,
                        2.0 * gain * fyy / py2,
                        4.0 * gain * fxy / pxy,
                    );
                    gradient[idx(r, k + 1)] += gxx;
                    gradient[idx(r, k - 1)] += gxx;
                    gradient[idx(r, k)] -= 2.0 * (gxx + gyy);
                    gradient[idx(r + 1, k)] += gyy;
                    gradient[idx(r - 1, k)] += gyy;
                    gradient[idx(r + 1, k + 1)] += gxy;
                    gradient[idx(r - 1, k - 1)] += gxy;
                    gradient[idx(r + 1, k - 1)] -= gxy;
                    gradient[idx(r - 1, k + 1)] -= gxy;
                }
            }
        }
        gain * penalty
    }
}

/// For every pixel `(r, c)`: whether the 2 × 2 cell starting there holds only background or no data (false on
/// the last row and column, which start no cell).
fn inert_cells(frame: &[f32], ny: usize, nx: usize, background: f32) -> Vec<bool> {
    let inert = |i: usize| !(frame[i].is_finite() && frame[i] != background);
    (0..ny * nx)
        .map(|i| {
            let (r, c) = (i / nx, i % nx);
            r + 1 < ny
                && c + 1 < nx
                && inert(i)
                && inert(i + 1)
                && inert(i + nx)
                && inert(i + nx + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, Array3};

    use super::super::sectors::AxisWeights;
    use super::*;
    use crate::nowcast::{Interpolation, warp};

    fn blobs(ny: usize, nx: usize, shift: (f32, f32)) -> Array2<f32> {
        Array2::from_shape_fn((ny, nx), |(r, c)| {
            let (x, y) = (c as f32 - shift.0, r as f32 - shift.1);
            let a = (-((x - 14.0).powi(2) + (y - 12.0).powi(2)) / 30.0).exp();
            let b = (-((x - 30.0).powi(2) + (y - 25.0).powi(2)) / 50.0).exp();
            30.0 * a + 20.0 * b + 0.3 * (0.4 * x).sin()
        })
    }

    fn field(ny: usize, nx: usize, s: usize, values: impl Fn(usize) -> f64) -> SectorField {
        SectorField {
            rows: AxisWeights::new(ny, s),
            cols: AxisWeights::new(nx, s),
            values: (0..2 * s * s).map(values).collect(),
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let (ny, nx) = (36, 44);
        let mut frames = Vec::new();
        for k in 0..3 {
            frames.extend(blobs(ny, nx, (1.3 * k as f32, -0.7 * k as f32)).iter());
        }
        let problem = Problem::new(&frames, 3, ny, nx, 2e4);
        let f = field(ny, nx, 4, |i| 0.3 + 0.17 * (i as f64 * 1.7).sin());
        for stride in [1, 3] {
            let mut grad = vec![0.0; f.values.len()];
            problem.cost_gradient(&f, stride, &mut grad);
            let mut scratch = grad.clone();
            let h = 1e-3;
            for i in 0..f.values.len() {
                let (mut plus, mut minus) = (f.clone(), f.clone());
                plus.values[i] += h;
                minus.values[i] -= h;
                let numeric = (problem.cost_gradient(&plus, stride, &mut scratch)
                    - problem.cost_gradient(&minus, stride, &mut scratch))
                    / (2.0 * h);
                let scale = grad.iter().map(|g| g.abs()).fold(1.0, f64::max);
                assert!(
                    (numeric - grad[i]).abs() < 2e-3 * scale,
                    "stride {stride}, {i}: analytic {} numeric {numeric}",
                    grad[i]
                );
            }
        }
        // The sampled residual estimates the full one.
        let mut grad = vec![0.0; f.values.len()];
        let flat = Problem::new(&frames, 3, ny, nx, 0.0);
        let (full, sampled) = (
            flat.cost_gradient(&f, 1, &mut grad),
            flat.cost_gradient(&f, 2, &mut grad),
        );
        assert!((sampled / full - 1.0).abs() < 0.15, "{sampled} {full}");
    }

    #[test]
    fn residual_is_the_backward_warp_of_the_earlier_frame() {
        // The fused sampler of the cost agrees with `nowcast::warp` (displacement −d) wherever both are defined.
        let (ny, nx) = (30, 40);
        let first = blobs(ny, nx, (0.0, 0.0));
        let second = Array2::<f32>::zeros((ny, nx));
        let frames: Vec<f32> = first.iter().chain(second.iter()).copied().collect();
        let problem = Problem::new(&frames, 2, ny, nx, 0.0);
        let f = field(
            ny,
            nx,
            3,
            |i| if i < 9 { 1.4 + 0.1 * i as f64 } else { -0.6 },
        );
        let mut displacement = Array3::<f32>::zeros((2, ny, nx));
        for c in 0..2 {
            for r in 0..ny {
                let mut row = vec![0.0; nx];
                f.pixel_row(c, r, &mut row);
                for (col, d) in row.into_iter().enumerate() {
                    displacement[[c, r, col]] = -d;
                }
            }
        }
        let warped = warp(
            first.view(),
            displacement.view(),
            Interpolation::Bilinear,
            f32::NAN,
        )
        .unwrap();
        let expected: f64 = warped
            .iter()
            .filter(|v| v.is_finite())
            .map(|&v| f64::from(v * v))
            .sum();
        let mut grad = vec![0.0; f.values.len()];
        let cost = problem.cost_gradient(&f, 1, &mut grad);
        assert!(expected > 100.0);
        assert!(
            (cost - expected).abs() < 1e-4 * expected,
            "{cost} {expected}"
        );
    }

    #[test]
    fn skipping_background_changes_nothing() {
        // Blobs on a −15 background with a no-data hole: the background skip gives the same cost and gradient
        // (to the last bit) as visiting every pixel.
        let (ny, nx) = (48, 56);
        let mut frames = Vec::new();
        for k in 0..3 {
            let f = blobs(ny, nx, (2.0 * k as f32, 0.5 * k as f32));
            frames.extend(f.iter().map(|&v| if v > 3.0 { v } else { -15.0 }));
        }
        frames[100] = f32::NAN;
        let skipping = Problem::new(&frames, 3, ny, nx, 1e5);
        assert!(skipping.inert_cells[0].iter().filter(|&&i| i).count() > 500);
        let mut visiting = Problem::new(&frames, 3, ny, nx, 1e5);
        visiting.inert_cells.iter_mut().for_each(|r| r.fill(false));
        let f = field(ny, nx, 4, |i| 1.5 * (i as f64 * 0.9).cos());
        let (mut g1, mut g2) = (vec![0.0; 32], vec![0.0; 32]);
        let c1 = skipping.cost_gradient(&f, 1, &mut g1);
        let c2 = visiting.cost_gradient(&f, 1, &mut g2);
        assert!(c1 > 0.0);
        assert_eq!((c1, &g1), (c2, &g2));
    }

    #[test]
    fn missing_data_is_left_out() {
        let (ny, nx) = (20, 20);
        let mut frames: Vec<f32> = blobs(ny, nx, (0.0, 0.0)).iter().copied().collect();
        frames.extend(std::iter::repeat_n(f32::NAN, ny * nx));
        let problem = Problem::new(&frames, 2, ny, nx, 1e6);
        let f = field(ny, nx, 2, |_| 0.5);
        let mut grad = vec![1.0; 8];
        assert_eq!(problem.cost_gradient(&f, 1, &mut grad), 0.0);
        assert!(grad.iter().all(|&g| g == 0.0));
    }
}
