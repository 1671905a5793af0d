//! FFT cascade decomposition: Gaussian band-pass filters in log-wavenumber and the 2-D real FFT behind them.
//!
//! A field `(y, x)` is split into `n` spatial-scale levels whose sum is the field. Level `k` is the inverse FFT
//! of the field's spectrum times a weight `w_k(|κ|)`; the weights are Gaussians in log-wavenumber, normalised to
//! sum to one at every wavenumber, and the mean (κ = 0) belongs to level 0 only (Seed 2003; Pulkkinen et al.
//! 2019, section 2.2, pysteps' `filter_gaussian` conventions):
//!
//! - `L = max(ny, nx)`, `q = (L/2)^(1/n)`, band `k` (1-based) spans wavenumbers `q^(k−1)…q^k`, its centre is
//!   `r_k = (q^(k−1) + q^k)/2`;
//! - `w_k(r) = exp(−(log_q r − log_q r_k)² / (2 s²))`, `s = 0.5` by default, with `log_q 0 = 0`;
//! - `r = sqrt(kx² + ky²)` in wavenumber units (cycles per domain) of the unshifted FFT frequencies.
//!
//! [`CascadePlan`](crate::nowcast::cascade::CascadePlan) plans the FFTs and computes the weights once for a grid; it is `Send + Sync` and shared by
//! every member. Each level is normalised by its own mean and standard deviation ([`Cascade`](crate::nowcast::cascade::Cascade)).
//!
//! # References
//! Seed, A. W., 2003: A dynamic and spatial scaling approach to advection forecasting. *J. Appl. Meteor.*, 42,
//! 381–388, doi:10.1175/1520-0450(2003)042<0381:ADASSA>2.0.CO;2.
//! Pulkkinen, S., et al., 2019: Pysteps: an open-source Python library for probabilistic precipitation
//! nowcasting (v1.0). *Geosci. Model Dev.*, 12, 4185–4219, doi:10.5194/gmd-12-4185-2019 (section 2.2).

use std::sync::Arc;

use ndarray::{Array2, Array3, ArrayView2, Axis};
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};

use crate::error::{Error, Result};

/// Gaussian band-pass weights of the cascade, `(levels, x wavenumbers nx/2+1, y wavenumbers ny)` (transposed
/// half-spectrum layout used by [`CascadePlan`]).
#[derive(Debug, Clone, PartialEq)]
pub struct BandpassFilter {
    /// Weights `(levels, nx/2+1, ny)`, summing to one over the levels at every wavenumber.
    pub weights: Array3<f32>,
    /// Central wavenumber of each level (cycles per domain length `max(ny, nx)`).
    pub central_wavenumbers: Vec<f64>,
}

impl BandpassFilter {
    /// Gaussian band-pass filters for an `(ny, nx)` grid with `n_levels` levels and width `gauss_scale`
    /// (pysteps' default 0.5).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `n_levels < 3`, the grid is smaller than 4 × 4, or `gauss_scale` is not positive.
    pub fn gaussian(ny: usize, nx: usize, n_levels: usize, gauss_scale: f64) -> Result<Self> {
        if n_levels < 3 {
            return Err(Error::parameter(
                "n_cascade_levels",
                n_levels,
                "at least 3 levels are needed",
            ));
        }
        if ny < 4 || nx < 4 {
            return Err(Error::parameter(
                "grid",
                format!("{ny} x {nx}"),
                "the cascade needs at least 4 x 4 pixels",
            ));
        }
        if !(gauss_scale.is_finite() && gauss_scale > 0.0) {
            return Err(Error::parameter(
                "gauss_scale",
                gauss_scale,
                "must be positive",
            ));
        }
        let length = ny.max(nx) as f64;
        let q = (0.5 * length).powf(1.0 / n_levels as f64);
        let log_q = |r: f64| if r == 0.0 { 0.0 } else { r.ln() / q.ln() };
        let central_wavenumbers: Vec<f64> = (1..=n_levels)
            .map(|k| 0.5 * (q.powi(k as i32 - 1) + q.powi(k as i32)))
            .collect();
        let centres: Vec<f64> = central_wavenumbers.iter().map(|&r| log_q(r)).collect();
        let nh = nx / 2 + 1;
        let mut weights = Array3::<f32>::zeros((n_levels, nh, ny));
        let mut column = vec![0.0f64; n_levels];
        for kx in 0..nh {
            for row in 0..ny {
                let ky = row.min(ny - row) as f64;
                let r = (kx as f64).hypot(ky);
                let lr = log_q(r);
                let mut sum = 0.0;
                for (w, &c) in column.iter_mut().zip(&centres) {
                    *w = (-(lr - c).powi(2) / (2.0 * gauss_scale * gauss_scale)).exp();
                    sum += *w;
                }
                for (k, w) in column.iter().enumerate() {
                    weights[[k, kx, row]] = (w / sum) as f32;
                }
            }
        }
        for k in 0..n_levels {
            weights[[k, 0, 0]] = if k == 0 { 1.0 } else { 0.0 };
        }
        Ok(BandpassFilter {
            weights,
            central_wavenumbers,
        })
    }

    /// Number of levels.
    pub fn n_levels(&self) -> usize {
        self.weights.len_of(Axis(0))
    }
}

/// A cascade: normalised levels `(levels, y, x)` and the mean and standard deviation of each level.
#[derive(Debug, Clone, PartialEq)]
pub struct Cascade {
    /// Levels `(levels, y, x)`, each with zero mean and unit standard deviation (a constant level stays 0).
    pub levels: Array3<f32>,
    /// Mean of each level before normalisation, in the units of the field.
    pub means: Vec<f32>,
    /// Standard deviation of each level before normalisation (population), in the units of the field.
    pub stds: Vec<f32>,
}

impl Cascade {
    /// Sum of the de-normalised levels: `Σ_k levels_k σ_k + μ_k` → `(y, x)`.
    pub fn recompose(&self) -> Array2<f32> {
        let (_, ny, nx) = self.levels.dim();
        let mut out = Array2::zeros((ny, nx));
        recompose_into(
            self.levels.view(),
            &self.means,
            &self.stds,
            out.as_slice_mut().unwrap_or_default(),
        );
        out
    }
}

/// Writes `Σ_k levels_k σ_k + μ_k` into `out` (row-major `(y, x)`).
pub fn recompose_into(
    levels: ndarray::ArrayView3<f32>,
    means: &[f32],
    stds: &[f32],
    out: &mut [f32],
) {
    out.fill(means.iter().sum());
    for (k, level) in levels.outer_iter().enumerate() {
        let s = stds[k];
        for (o, &v) in out.iter_mut().zip(level.iter()) {
            *o += v * s;
        }
    }
}

/// FFT plans and band-pass weights for one grid, built once and shared (`Send + Sync`).
pub struct CascadePlan {
    ny: usize,
    nx: usize,
    filter: BandpassFilter,
    row_forward: Arc<dyn RealToComplex<f32>>,
    row_inverse: Arc<dyn ComplexToReal<f32>>,
    column_forward: Arc<dyn Fft<f32>>,
    column_inverse: Arc<dyn Fft<f32>>,
    /// Per level, the x-wavenumber columns whose weights are not all (nearly) zero.
    active_columns: Vec<Vec<bool>>,
}

impl std::fmt::Debug for CascadePlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CascadePlan")
            .field("ny", &self.ny)
            .field("nx", &self.nx)
            .field("n_levels", &self.filter.n_levels())
            .finish()
    }
}

/// Working memory of one thread for [`CascadePlan`] transforms.
#[derive(Debug, Clone)]
pub struct CascadeScratch {
    row_real: Vec<f32>,
    row_complex: Vec<Complex32>,
    /// Half spectrum in row layout `(ny, nx/2+1)`.
    rows: Vec<Complex32>,
    /// Half spectrum in transposed layout `(nx/2+1, ny)`.
    spectrum: Vec<Complex32>,
    /// One level's spectrum, transposed layout.
    level: Vec<Complex32>,
    fft: Vec<Complex32>,
    real_fft: Vec<Complex32>,
}

impl CascadeScratch {
    /// The half spectrum of the last transform, transposed layout `(nx/2+1, ny)`, unnormalised.
    pub fn spectrum(&self) -> &[Complex32] {
        &self.spectrum
    }

    /// The half spectrum, writable (e.g. to set a spectrum before [`CascadePlan::levels_from_spectrum`]).
    pub fn spectrum_mut(&mut self) -> &mut [Complex32] {
        &mut self.spectrum
    }
}

impl CascadePlan {
    /// Plans the FFTs of an `(ny, nx)` grid and computes `n_levels` Gaussian band-pass weights
    /// (see [`BandpassFilter::gaussian`]).
    ///
    /// # Errors
    /// As [`BandpassFilter::gaussian`].
    pub fn new(ny: usize, nx: usize, n_levels: usize, gauss_scale: f64) -> Result<Self> {
        let filter = BandpassFilter::gaussian(ny, nx, n_levels, gauss_scale)?;
        Self::with_filter(ny, nx, filter)
    }

    /// Plans the FFTs of an `(ny, nx)` grid for given band-pass weights `(levels, nx/2+1, ny)` (e.g. a filter made
    /// elsewhere and passed in from Python).
    ///
    /// # Errors
    /// [`Error::Shape`] if the weights are not `(levels ≥ 1, nx/2+1, ny)`; [`Error::Parameter`] if a weight is not
    /// finite.
    pub fn with_filter(ny: usize, nx: usize, filter: BandpassFilter) -> Result<Self> {
        let (levels, nh, rows) = filter.weights.dim();
        if levels == 0 || nh != nx / 2 + 1 || rows != ny || ny == 0 || nx == 0 {
            return Err(Error::Shape {
                what: "band-pass weights".into(),
                expected: format!(
                    "(levels >= 1, {}, {ny}) (transposed half spectrum)",
                    nx / 2 + 1
                ),
                found: format!("{:?}", filter.weights.dim()),
            });
        }
        if let Some(w) = filter.weights.iter().find(|w| !w.is_finite()) {
            return Err(Error::parameter(
                "bp_filter",
                w,
                "band-pass weights must be finite",
            ));
        }
        let mut real = RealFftPlanner::<f32>::new();
        let mut complex = FftPlanner::<f32>::new();
        let active_columns = filter
            .weights
            .outer_iter()
            .map(|w| {
                w.outer_iter()
                    .map(|col| col.iter().any(|&v| v.abs() > 1e-12))
                    .collect()
            })
            .collect();
        Ok(CascadePlan {
            ny,
            nx,
            row_forward: real.plan_fft_forward(nx),
            row_inverse: real.plan_fft_inverse(nx),
            column_forward: complex.plan_fft_forward(ny),
            column_inverse: complex.plan_fft_inverse(ny),
            filter,
            active_columns,
        })
    }

    /// The grid shape `(ny, nx)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.ny, self.nx)
    }

    /// Number of cascade levels.
    pub fn n_levels(&self) -> usize {
        self.filter.n_levels()
    }

    /// The band-pass weights.
    pub fn filter(&self) -> &BandpassFilter {
        &self.filter
    }

    /// Length of the half spectrum, `(nx/2+1) · ny`.
    pub fn spectrum_len(&self) -> usize {
        (self.nx / 2 + 1) * self.ny
    }

    /// Working memory for this plan (one per thread).
    pub fn scratch(&self) -> CascadeScratch {
        let nh = self.nx / 2 + 1;
        let fft_len = self
            .column_forward
            .get_inplace_scratch_len()
            .max(self.column_inverse.get_inplace_scratch_len());
        let real_len = self
            .row_forward
            .get_scratch_len()
            .max(self.row_inverse.get_scratch_len());
        CascadeScratch {
            row_real: vec![0.0; self.nx],
            row_complex: vec![Complex32::default(); nh],
            rows: vec![Complex32::default(); nh * self.ny],
            spectrum: vec![Complex32::default(); nh * self.ny],
            level: vec![Complex32::default(); nh * self.ny],
            fft: vec![Complex32::default(); fft_len],
            real_fft: vec![Complex32::default(); real_len],
        }
    }

    /// Decomposes `field (y, x)` (finite values) into a normalised cascade.
    ///
    /// # Errors
    /// [`Error::Shape`] if the field is not `(ny, nx)`; [`Error::Parameter`] if it holds a non-finite value.
    pub fn decompose(&self, field: ArrayView2<f32>) -> Result<Cascade> {
        self.check_field(field)?;
        let field = field.as_standard_layout();
        let mut scratch = self.scratch();
        let mut levels = Array3::zeros((self.n_levels(), self.ny, self.nx));
        let mut means = vec![0.0; self.n_levels()];
        let mut stds = vec![0.0; self.n_levels()];
        self.forward(field.as_slice().unwrap_or_default(), &mut scratch);
        self.levels_from_spectrum(
            &mut scratch,
            levels.as_slice_mut().unwrap_or_default(),
            &mut means,
            &mut stds,
        );
        Ok(Cascade {
            levels,
            means,
            stds,
        })
    }

    /// Real FFT of `field` (row-major `(ny, nx)`) into the scratch spectrum (transposed layout, unnormalised).
    pub fn forward(&self, field: &[f32], scratch: &mut CascadeScratch) {
        let nh = self.nx / 2 + 1;
        for (row, out) in field
            .chunks_exact(self.nx)
            .zip(scratch.rows.chunks_exact_mut(nh))
        {
            scratch.row_real.copy_from_slice(row);
            // Lengths come from the plan, so the transform cannot fail.
            let _ = self.row_forward.process_with_scratch(
                &mut scratch.row_real,
                out,
                &mut scratch.real_fft,
            );
        }
        transpose(&scratch.rows, &mut scratch.spectrum, self.ny, nh);
        self.column_forward
            .process_with_scratch(&mut scratch.spectrum, &mut scratch.fft);
    }

    /// Multiplies the scratch spectrum by a real filter in transposed layout `(nx/2+1, ny)`, in place.
    pub fn apply_spectral_filter(&self, filter: &[f32], scratch: &mut CascadeScratch) {
        for (s, &f) in scratch.spectrum.iter_mut().zip(filter) {
            *s *= f;
        }
    }

    /// Inverse FFT of the scratch spectrum into `field (ny, nx)`, normalised (the forward/inverse pair is the
    /// identity). The spectrum is left unchanged.
    pub fn inverse(&self, field: &mut [f32], scratch: &mut CascadeScratch) {
        scratch.level.copy_from_slice(&scratch.spectrum);
        let scale = 1.0 / (self.ny * self.nx) as f32;
        self.inverse_level(field, scratch, None, scale);
    }

    /// Inverse FFT of `spectrum` (transposed layout `(nx/2+1, ny)`, unnormalised) into `field (ny, nx)`,
    /// normalised as [`Self::inverse`].
    pub fn inverse_spectrum(
        &self,
        spectrum: &[Complex32],
        field: &mut [f32],
        scratch: &mut CascadeScratch,
    ) {
        scratch.level.copy_from_slice(spectrum);
        let scale = 1.0 / (self.ny * self.nx) as f32;
        self.inverse_level(field, scratch, None, scale);
    }

    /// Splits the scratch spectrum into normalised levels `(levels, ny, nx)` (row-major slice), with the mean and
    /// standard deviation of each level before normalisation.
    pub fn levels_from_spectrum(
        &self,
        scratch: &mut CascadeScratch,
        levels: &mut [f32],
        means: &mut [f32],
        stds: &mut [f32],
    ) {
        let n = self.ny * self.nx;
        for (k, level) in levels.chunks_exact_mut(n).enumerate() {
            (means[k], stds[k]) = self.level_from_spectrum(k, scratch, level);
        }
    }

    /// Level `k` of the scratch spectrum, normalised, into `level (ny, nx)`; returns its mean and standard
    /// deviation before normalisation. The spectrum is left unchanged, so levels can be taken one at a time.
    pub fn level_from_spectrum(
        &self,
        k: usize,
        scratch: &mut CascadeScratch,
        level: &mut [f32],
    ) -> (f32, f32) {
        let scale = 1.0 / (self.ny * self.nx) as f32;
        let weights = self.filter.weights.index_axis(Axis(0), k);
        let weights = weights.as_slice().unwrap_or_default();
        for ((l, &s), &w) in scratch.level.iter_mut().zip(&scratch.spectrum).zip(weights) {
            *l = s * (w * scale);
        }
        self.inverse_level(level, scratch, Some(k), 1.0);
        let (mean, std) = mean_std(level);
        normalise(level, mean, std);
        (mean, std)
    }

    /// Inverse transform of `scratch.level` into `out`; columns inactive at level `k` are known to be zero.
    fn inverse_level(
        &self,
        out: &mut [f32],
        scratch: &mut CascadeScratch,
        level: Option<usize>,
        scale: f32,
    ) {
        let nh = self.nx / 2 + 1;
        let active = level.map(|k| &self.active_columns[k]);
        for (kx, column) in scratch.level.chunks_exact_mut(self.ny).enumerate() {
            if active.is_some_and(|a| !a[kx]) {
                column.fill(Complex32::default());
                continue;
            }
            self.column_inverse
                .process_with_scratch(column, &mut scratch.fft);
        }
        transpose(&scratch.level, &mut scratch.rows, nh, self.ny);
        for (row, out) in scratch
            .rows
            .chunks_exact(nh)
            .zip(out.chunks_exact_mut(self.nx))
        {
            scratch.row_complex.copy_from_slice(row);
            scratch.row_complex[0].im = 0.0;
            if self.nx % 2 == 0 {
                scratch.row_complex[nh - 1].im = 0.0;
            }
            let _ = self.row_inverse.process_with_scratch(
                &mut scratch.row_complex,
                out,
                &mut scratch.real_fft,
            );
            if scale != 1.0 {
                out.iter_mut().for_each(|v| *v *= scale);
            }
        }
    }

    fn check_field(&self, field: ArrayView2<f32>) -> Result<()> {
        if field.dim() != (self.ny, self.nx) {
            return Err(Error::Shape {
                what: "field to decompose".into(),
                expected: format!("({}, {})", self.ny, self.nx),
                found: format!("{:?}", field.dim()),
            });
        }
        if let Some(v) = field.iter().find(|v| !v.is_finite()) {
            return Err(Error::parameter(
                "field",
                v,
                "the cascade needs finite values (replace no data by the field minimum first)",
            ));
        }
        Ok(())
    }
}

/// Mean and population standard deviation, accumulated in f64.
pub(crate) fn mean_std(values: &[f32]) -> (f32, f32) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (mean as f32, var.sqrt() as f32)
}

/// `(v − mean) / std` in place; a constant level (std 0 or not finite) becomes 0.
pub(crate) fn normalise(values: &mut [f32], mean: f32, std: f32) {
    if std > 0.0 && std.is_finite() {
        let inv = 1.0 / std;
        values.iter_mut().for_each(|v| *v = (*v - mean) * inv);
    } else {
        values.fill(0.0);
    }
}

/// Blocked transpose of a row-major `(rows, cols)` matrix into `(cols, rows)`.
fn transpose(input: &[Complex32], output: &mut [Complex32], rows: usize, cols: usize) {
    const B: usize = 32;
    for r0 in (0..rows).step_by(B) {
        for c0 in (0..cols).step_by(B) {
            for r in r0..(r0 + B).min(rows) {
                for c in c0..(c0 + B).min(cols) {
                    output[c * rows + r] = input[r * cols + c];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(ny: usize, nx: usize) -> Array2<f32> {
        Array2::from_shape_fn((ny, nx), |(r, c)| {
            let (r, c) = (r as f32, c as f32);
            (0.3 * r).sin() * 4.0 + (0.11 * c + 0.05 * r).cos() * 2.0 + ((r * 7.0 + c * 13.0) % 5.0)
        })
    }

    #[test]
    fn weights_sum_to_one_and_mean_in_level_zero() {
        for (ny, nx, n) in [(64, 64, 6), (50, 77, 8), (33, 40, 3)] {
            let f = BandpassFilter::gaussian(ny, nx, n, 0.5).unwrap();
            let sum = f.weights.sum_axis(Axis(0));
            for &s in &sum {
                assert!((s - 1.0).abs() < 1e-6, "{s}");
            }
            assert_eq!(f.weights[[0, 0, 0]], 1.0);
            // Larger levels peak at larger wavenumbers.
            let peak = |k: usize| {
                let w = f.weights.index_axis(Axis(0), k);
                let mut best = (0.0, 0usize);
                for kx in 0..w.nrows() {
                    if w[[kx, 0]] > best.0 {
                        best = (w[[kx, 0]], kx);
                    }
                }
                best.1
            };
            for k in 1..n {
                assert!(peak(k) >= peak(k - 1));
            }
        }
    }

    #[test]
    fn central_wavenumbers_follow_q() {
        let f = BandpassFilter::gaussian(512, 512, 8, 0.5).unwrap();
        let q = 256f64.powf(1.0 / 8.0);
        assert!((f.central_wavenumbers[0] - 0.5 * (1.0 + q)).abs() < 1e-12);
        assert!((f.central_wavenumbers[7] - 0.5 * (q.powi(7) + 256.0)).abs() < 1e-9);
    }

    #[test]
    fn cascade_recomposes_to_the_input() {
        for (ny, nx) in [(64, 64), (45, 70), (71, 33)] {
            let input = field(ny, nx);
            let plan = CascadePlan::new(ny, nx, 6, 0.5).unwrap();
            let cascade = plan.decompose(input.view()).unwrap();
            let back = cascade.recompose();
            let worst = (&back - &input).iter().fold(0f32, |m, v| m.max(v.abs()));
            assert!(worst < 1e-4, "{ny}x{nx}: {worst}");
            for (k, level) in cascade.levels.outer_iter().enumerate() {
                let (m, s) = mean_std(level.as_slice().unwrap());
                assert!(
                    m.abs() < 1e-5 && (s - 1.0).abs() < 1e-4,
                    "level {k}: {m} {s}"
                );
            }
        }
    }

    #[test]
    fn fft_round_trip_and_single_wave_in_its_band() {
        let (ny, nx) = (64, 64);
        let plan = CascadePlan::new(ny, nx, 6, 0.5).unwrap();
        let input = field(ny, nx);
        let mut scratch = plan.scratch();
        plan.forward(input.as_slice().unwrap(), &mut scratch);
        let mut out = vec![0.0; ny * nx];
        plan.inverse(&mut out, &mut scratch);
        for (a, b) in out.iter().zip(input.iter()) {
            assert!((a - b).abs() < 1e-4);
        }
        // A pure wave of wavenumber 16 lands mostly in the level whose centre is nearest 16.
        let wave = Array2::from_shape_fn((ny, nx), |(_, c)| {
            (2.0 * std::f32::consts::PI * 16.0 * c as f32 / nx as f32).cos()
        });
        let cascade = plan.decompose(wave.view()).unwrap();
        let best = (0..6)
            .max_by(|&a, &b| cascade.stds[a].total_cmp(&cascade.stds[b]))
            .unwrap();
        let f = plan.filter();
        let nearest = (0..6)
            .min_by(|&a, &b| {
                ((f.central_wavenumbers[a] / 16.0).ln().abs())
                    .total_cmp(&(f.central_wavenumbers[b] / 16.0).ln().abs())
            })
            .unwrap();
        assert_eq!(best, nearest);
    }

    #[test]
    fn rejects_bad_input() {
        assert!(CascadePlan::new(64, 64, 2, 0.5).is_err());
        assert!(CascadePlan::new(2, 64, 6, 0.5).is_err());
        let plan = CascadePlan::new(16, 16, 3, 0.5).unwrap();
        assert!(plan.decompose(Array2::zeros((16, 15)).view()).is_err());
        let mut f = Array2::<f32>::zeros((16, 16));
        f[[3, 3]] = f32::NAN;
        assert!(plan.decompose(f.view()).is_err());
    }
}
