//! The AR(p) update of cascade levels and their recomposition, done on the levels' spectra.
//!
//! A cascade level is the inverse FFT of the field's spectrum times a band-pass weight `w_k(κ)`
//! ([`crate::nowcast::cascade`]), normalised by its mean and standard deviation. The AR step of STEPS
//! `x_k(t) = φ1 x_k(t−1) + φ2 x_k(t−2) + φ0 ε_k(t)`, the noise level `ε_k = (IFFT(w_k Ŝ) − m_k) / s_k` of a
//! noise spectrum `Ŝ`, and the recomposition `Σ_k σ_k x_k + μ_k` are all linear, so they can be applied to the
//! levels' spectra `x̂_k` and the field recovered with **one** inverse FFT per step instead of one per level and
//! per noise level (the "spectral domain" of STEPS, Pulkkinen et al. 2019b). The noise level's normalisation
//! follows from its spectrum:
//!
//! - its mean is the κ = 0 term, `m_k = w_k(0) Ŝ(0) / N`, which the normalisation removes, so the noise term
//!   has no κ = 0 component;
//! - its variance is, by Parseval's theorem, `s_k² = Σ_{κ≠0} |w_k(κ) Ŝ(κ)|² / N²` over the full spectrum (the
//!   half spectrum counts every column twice except `kx = 0` and, for even `nx`, `kx = nx/2`).
//!
//! The results equal the spatial computation up to rounding (tested against it below). Only the wavenumbers
//! where a level's weight exceeds 1e-12 (the cascade's own cut-off for skipping inactive columns) are stored and
//! updated: the low levels cover a small disc of the spectrum, which makes the update cheaper than its spatial
//! form. Spectra are in the half-spectrum transposed layout `(nx/2+1, ny)` of
//! [`CascadePlan`](crate::nowcast::cascade::CascadePlan), unnormalised.
//!
//! # References
//! Pulkkinen, S., V. Chandrasekar and A.-M. Harri, 2019b: Fully spectral method for radar-based precipitation
//! nowcasting. *IEEE J. Sel. Top. Appl. Earth Obs. Remote Sens.*, 12, 1369–1382,
//! doi:10.1109/JSTARS.2018.2890465.
//! Bowler, N. E., C. E. Pierce and A. W. Seed, 2006, *Q. J. R. Meteorol. Soc.*, 132, 2127–2155,
//! doi:10.1256/qj.04.100 (the AR model of the levels).

use ndarray::{ArrayView4, Axis};
use rustfft::num_complex::Complex32;

use crate::error::{Error, Result};
use crate::nowcast::autoregression::ArModel;
use crate::nowcast::cascade::CascadePlan;

/// Weights at or below this are treated as zero (as [`CascadePlan`] does for whole columns).
const WEIGHT_CUTOFF: f32 = 1e-12;

/// Spectral AR models of a cascade and the initial spectra of its levels, shared (read-only) by the members.
#[derive(Debug, Clone)]
pub struct SpectralAr {
    ny: usize,
    nh: usize,
    n_levels: usize,
    /// Per level, the number `h` of y wavenumbers `|ky| < h` holding the level's support in each column `kx`
    /// `(levels × nh)` (0 = column inactive).
    heights: Vec<u32>,
    ar: Vec<ArModel>,
    /// `σ_k` of the levels the forecast recomposes with.
    stds: Vec<f32>,
    /// `N Σ μ_k`, the κ = 0 term of the recomposed spectrum.
    mean_term: f32,
    /// Spectra of the initial levels `(ar_order, levels, spectrum)`, oldest first, zero outside the support.
    initial: Vec<Complex32>,
    ar_order: usize,
}

/// One member's AR state: the spectra of its levels at the last two times `(levels, spectrum)`.
#[derive(Debug, Clone)]
pub struct SpectralState {
    current: Vec<Complex32>,
    older: Vec<Complex32>,
}

impl SpectralAr {
    /// From the normalised levels `state (ar_order, levels, y, x)` (oldest first), one AR model per level and the
    /// mean and standard deviation of each level of the field to recompose.
    ///
    /// # Errors
    /// [`Error::Shape`] if the state is not `(1 or 2, levels, ny, nx)` of the plan or the models, means or
    /// standard deviations are not one per level.
    pub fn new(
        plan: &CascadePlan,
        state: ArrayView4<f32>,
        ar: &[ArModel],
        means: &[f32],
        stds: &[f32],
    ) -> Result<Self> {
        let (ny, nx) = plan.shape();
        let n_levels = plan.n_levels();
        let (ar_order, levels, sy, sx) = state.dim();
        if !(1..=2).contains(&ar_order)
            || (levels, sy, sx) != (n_levels, ny, nx)
            || ar.len() != n_levels
            || means.len() != n_levels
            || stds.len() != n_levels
        {
            return Err(Error::Shape {
                what: "spectral AR state".into(),
                expected: format!(
                    "(1 or 2, {n_levels}, {ny}, {nx}) and {n_levels} models, means and deviations"
                ),
                found: format!(
                    "{:?}, {} models, {} means, {} deviations",
                    state.dim(),
                    ar.len(),
                    means.len(),
                    stds.len()
                ),
            });
        }
        let nh = nx / 2 + 1;
        let weights = &plan.filter().weights;
        let mut heights = vec![0u32; n_levels * nh];
        for (k, w) in weights.outer_iter().enumerate() {
            for (kx, column) in w.outer_iter().enumerate() {
                // Weights depend on |ky| only; the support is the rows with |ky| < h.
                let h = (0..=ny / 2)
                    .rev()
                    .find(|&ky| column[ky] > WEIGHT_CUTOFF)
                    .map_or(0, |ky| ky + 1);
                heights[k * nh + kx] = h as u32;
            }
        }
        let len = plan.spectrum_len();
        let mut initial = vec![Complex32::default(); ar_order * n_levels * len];
        let mut scratch = plan.scratch();
        let state = state.as_standard_layout();
        for (i, lag) in state.axis_iter(Axis(0)).enumerate() {
            for (k, level) in lag.outer_iter().enumerate() {
                plan.forward(level.as_slice().unwrap_or_default(), &mut scratch);
                let out = &mut initial[(i * n_levels + k) * len..][..len];
                for (kx, (o, s)) in out
                    .chunks_exact_mut(ny)
                    .zip(scratch.spectrum().chunks_exact(ny))
                    .enumerate()
                {
                    for (lo, hi) in row_ranges(heights[k * nh + kx], ny) {
                        o[lo..hi].copy_from_slice(&s[lo..hi]);
                    }
                }
            }
        }
        let n = (ny * nx) as f32;
        Ok(SpectralAr {
            ny,
            nh,
            n_levels,
            heights,
            ar: ar.to_vec(),
            stds: stds.to_vec(),
            mean_term: n * means.iter().sum::<f32>(),
            initial,
            ar_order,
        })
    }

    /// A member's state at the analysis time (a copy of the initial spectra).
    pub fn member_state(&self) -> SpectralState {
        let len = self.nh * self.ny * self.n_levels;
        let last = &self.initial[(self.ar_order - 1) * len..][..len];
        SpectralState {
            current: last.to_vec(),
            older: self.initial[..len].to_vec(),
        }
    }

    /// Gains `1 / s_k` that normalise the noise levels of the noise spectrum `noise` (0 for a level with no
    /// variance), from Parseval's theorem.
    pub fn noise_gains(&self, noise: &[Complex32], gains: &mut [f32], plan: &CascadePlan) {
        let (ny, nh) = (self.ny, self.nh);
        let nx = plan.shape().1;
        let weights = &plan.filter().weights;
        let mut sums = vec![0.0f64; self.n_levels];
        let mut power = vec![0.0f32; ny];
        for (kx, column) in noise.chunks_exact(ny).enumerate() {
            for (p, s) in power.iter_mut().zip(column) {
                *p = s.norm_sqr();
            }
            if kx == 0 {
                power[0] = 0.0;
            }
            let multiplicity = if kx == 0 || (nx % 2 == 0 && kx == nh - 1) {
                1.0
            } else {
                2.0
            };
            for (k, sum) in sums.iter_mut().enumerate() {
                let w = weights.index_axis(Axis(0), k);
                let w = w.index_axis(Axis(0), kx);
                let w = w.as_slice().unwrap_or_default();
                let mut column_sum = 0.0f64;
                for (lo, hi) in row_ranges(self.heights[k * nh + kx], ny) {
                    column_sum += w[lo..hi]
                        .iter()
                        .zip(&power[lo..hi])
                        .map(|(&w, &p)| f64::from(w * w * p))
                        .sum::<f64>();
                }
                *sum += multiplicity * column_sum;
            }
        }
        let n = (ny * nx) as f64;
        for (g, sum) in gains.iter_mut().zip(sums) {
            let s = sum.sqrt() / n;
            *g = if s > 0.0 && s.is_finite() {
                (1.0 / s) as f32
            } else {
                0.0
            };
        }
    }

    /// One AR step of every level in place, with the noise spectrum `noise` normalised by `gains` (see
    /// [`Self::noise_gains`]; `None` = no noise), and the spectrum of the recomposed field
    /// `Σ_k σ_k x_k + μ_k` written to `recomposed` (length [`CascadePlan::spectrum_len`]).
    pub fn step(
        &self,
        state: &mut SpectralState,
        noise: Option<(&[Complex32], &[f32])>,
        plan: &CascadePlan,
        recomposed: &mut [Complex32],
    ) {
        let (ny, nh) = (self.ny, self.nh);
        let len = nh * ny;
        let filter = plan.filter().weights.as_slice().unwrap_or_default();
        // Per level: φ1, φ2, σ_k and the gain of the noise term (0 = no noise).
        let levels: Vec<(f32, f32, f32, f32)> = (0..self.n_levels)
            .map(|k| {
                let [p1, p2] = self.ar[k].phi;
                let gain = noise.map_or(0.0, |(_, g)| self.ar[k].noise_weight * g[k]);
                (p1, p2, self.stds[k], gain)
            })
            .collect();
        // Column by column, every level: the column of the recomposed spectrum and of the noise stay in L1.
        for (kx, out) in recomposed.chunks_exact_mut(ny).enumerate() {
            out.fill(Complex32::default());
            let at = kx * ny;
            for (k, &(p1, p2, sigma, gain)) in levels.iter().enumerate() {
                let base = k * len + at;
                let current = &state.current[base..base + ny];
                let older = &mut state.older[base..base + ny];
                let w = &filter[base..base + ny];
                let s = noise.map(|(s, _)| &s[at..at + ny]).filter(|_| gain != 0.0);
                for (lo, hi) in row_ranges(self.heights[k * nh + kx], ny) {
                    // The normalised noise level has no κ = 0 term.
                    let lo = if kx == 0 && lo == 0 && hi > 0 {
                        let x = current[0] * p1 + older[0] * p2;
                        older[0] = x;
                        out[0] += x * sigma;
                        1
                    } else {
                        lo
                    };
                    let (x1, x2, o) = (&current[lo..hi], &mut older[lo..hi], &mut out[lo..hi]);
                    match s {
                        Some(s) => {
                            for ((((o, x2), &x1), &w), &s) in
                                o.iter_mut().zip(x2).zip(x1).zip(&w[lo..hi]).zip(&s[lo..hi])
                            {
                                let x = x1 * p1 + *x2 * p2 + s * (gain * w);
                                *x2 = x;
                                *o += x * sigma;
                            }
                        }
                        None => {
                            for ((o, x2), &x1) in o.iter_mut().zip(x2).zip(x1) {
                                let x = x1 * p1 + *x2 * p2;
                                *x2 = x;
                                *o += x * sigma;
                            }
                        }
                    }
                }
            }
        }
        recomposed[0] += self.mean_term;
        std::mem::swap(&mut state.current, &mut state.older);
    }
}

/// The row ranges `[lo, hi)` of a column holding the wavenumbers `|ky| < h` (rows `0..h` and the mirrored
/// negative wavenumbers at the end), without overlap.
#[inline]
fn row_ranges(h: u32, ny: usize) -> [(usize, usize); 2] {
    let h = (h as usize).min(ny);
    let first = (0, h);
    let start = (ny + 1).saturating_sub(h).max(h).min(ny);
    [first, (start, ny)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nowcast::cascade::recompose_into;
    use crate::nowcast::noise::NoiseFilter;
    use ndarray::{Array2, Array4};
    use rand::SeedableRng;

    fn field(ny: usize, nx: usize, phase: f32) -> Array2<f32> {
        Array2::from_shape_fn((ny, nx), |(r, c)| {
            let (r, c) = (r as f32, c as f32);
            (0.3 * r + phase).sin() * 4.0
                + (0.11 * c + 0.05 * r).cos() * 2.0
                + ((r * 7.0 + c * 13.0 + 3.0 * phase) % 5.0)
        })
    }

    /// Three AR(2) steps with noise on the spectra equal the spatial levels (noise levels from their own
    /// inverse FFTs, normalised by their spatial statistics) to f32 rounding, on an odd and an even grid.
    #[test]
    fn spectral_steps_equal_the_spatial_computation() {
        for (ny, nx, n_levels) in [(64, 64, 6), (45, 70, 5)] {
            let plan = CascadePlan::new(ny, nx, n_levels, 0.5).unwrap();
            let cascades: Vec<_> = (0..2)
                .map(|i| {
                    plan.decompose(field(ny, nx, i as f32 * 0.4).view())
                        .unwrap()
                })
                .collect();
            let mut state = Array4::zeros((2, n_levels, ny, nx));
            for (i, c) in cascades.iter().enumerate() {
                state.index_axis_mut(Axis(0), i).assign(&c.levels);
            }
            let ar: Vec<ArModel> = (0..n_levels)
                .map(|k| {
                    ArModel::from_correlations(&[0.95 - 0.1 * k as f64, 0.85 - 0.15 * k as f64])
                })
                .collect::<Result<_>>()
                .unwrap();
            let (means, stds) = (&cascades[1].means, &cascades[1].stds);
            let spectral = SpectralAr::new(&plan, state.view(), &ar, means, stds).unwrap();
            let noise = NoiseFilter::power_law(&plan, 2.5).unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            let mut scratch = plan.scratch();
            let n = ny * nx;
            let (mut white, mut eps, mut expected, mut got) =
                (vec![0.0; n], vec![0.0; n], vec![0.0; n], vec![0.0; n]);
            let mut current = state.index_axis(Axis(0), 1).to_owned();
            let mut older = state.index_axis(Axis(0), 0).to_owned();
            let mut member = spectral.member_state();
            let mut recomposed = vec![Complex32::default(); plan.spectrum_len()];
            let mut gains = vec![0.0; n_levels];
            for _ in 0..3 {
                noise.generate_spectrum(&plan, &mut rng, &mut white, &mut scratch);
                spectral.noise_gains(scratch.spectrum(), &mut gains, &plan);
                for k in 0..n_levels {
                    let (_, s) = plan.level_from_spectrum(k, &mut scratch, &mut eps);
                    assert!(
                        (gains[k] * s - 1.0).abs() < 1e-4,
                        "level {k}: {} {s}",
                        gains[k]
                    );
                    let mut old = older.index_axis_mut(Axis(0), k);
                    ar[k].step_into(
                        current.index_axis(Axis(0), k).as_slice().unwrap(),
                        old.as_slice_mut().unwrap(),
                        Some(&eps),
                    );
                }
                std::mem::swap(&mut current, &mut older);
                recompose_into(current.view(), means, stds, &mut expected);
                spectral.step(
                    &mut member,
                    Some((scratch.spectrum(), &gains)),
                    &plan,
                    &mut recomposed,
                );
                plan.inverse_spectrum(&recomposed, &mut got, &mut scratch);
                let worst = expected
                    .iter()
                    .zip(&got)
                    .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
                let spread = crate::nowcast::cascade::mean_std(&expected).1;
                assert!(spread > 1.0, "{spread}");
                assert!(
                    worst < 1e-3 * spread,
                    "{ny}x{nx}: {worst} (spread {spread})"
                );
            }
            // Without noise, the deterministic path also agrees.
            spectral.step(&mut member, None, &plan, &mut recomposed);
            for (k, model) in ar.iter().enumerate() {
                let mut old = older.index_axis_mut(Axis(0), k);
                model.step_into(
                    current.index_axis(Axis(0), k).as_slice().unwrap(),
                    old.as_slice_mut().unwrap(),
                    None,
                );
            }
            std::mem::swap(&mut current, &mut older);
            recompose_into(current.view(), means, stds, &mut expected);
            plan.inverse_spectrum(&recomposed, &mut got, &mut scratch);
            let worst = expected
                .iter()
                .zip(&got)
                .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
            assert!(worst < 1e-3, "{ny}x{nx} without noise: {worst}");
        }
    }

    #[test]
    fn row_ranges_cover_the_wavenumbers_below_h_once() {
        for ny in [7usize, 8] {
            for h in 0..=(ny / 2 + 2) as u32 {
                let mut rows: Vec<usize> =
                    row_ranges(h, ny).iter().flat_map(|&(a, b)| a..b).collect();
                rows.sort_unstable();
                let expected: Vec<usize> =
                    (0..ny).filter(|&r| r.min(ny - r) < h as usize).collect();
                assert_eq!(rows, expected, "ny {ny} h {h}");
            }
        }
    }
}
