//! Stochastic perturbations of STEPS: spatially correlated noise fields and motion perturbations.
//!
//! Noise is white Gaussian noise filtered in the Fourier domain by an amplitude spectrum:
//! - [`NoiseFilter::nonparametric`](crate::nowcast::noise::NoiseFilter::nonparametric): the observed amplitude spectrum `|mean_t FFT(w · (R_t − min))|` of the
//!   input fields, tapered by a radial Tukey window `w` (α = 0.2) after removing the rain/no-rain step
//!   (pysteps' `nonparametric`, Seed et al. 2013);
//! - [`NoiseFilter::power_law`](crate::nowcast::noise::NoiseFilter::power_law): a parametric isotropic spectrum `|κ|^(−β/2)` (power spectrum `|κ|^−β`), with
//!   [`fit_power_law_exponent`](crate::nowcast::noise::fit_power_law_exponent) to estimate β from observed fields;
//! - [`LocalNoise`](crate::nowcast::noise::LocalNoise): a short-space (windowed) variant whose spectrum varies across the domain (Nerini et al.
//!   2017): one nonparametric filter per overlapping window, blended with the windows' tapers.
//!
//! Motion perturbations follow Bowler et al. (2006): per member, one Laplace draw along and one across the flow,
//! scaled by `g(t) = p0 t^p1 + p2` (t in minutes, km h⁻¹), see [`MotionPerturbation`](crate::nowcast::noise::MotionPerturbation).
//!
//! # References
//! Bowler, N. E., C. E. Pierce and A. W. Seed, 2006, *Q. J. R. Meteorol. Soc.*, 132, 2127–2155,
//! doi:10.1256/qj.04.100 (section 3e, motion perturbations).
//! Seed, A. W., C. E. Pierce and K. Norman, 2013: Formulation and evaluation of a scale decomposition-based
//! stochastic precipitation nowcast scheme. *Water Resour. Res.*, 49, 6624–6641, doi:10.1002/wrcr.20536.
//! Nerini, D., N. Besic, I. Sideris, U. Germann and L. Foresti, 2017: A non-stationary stochastic ensemble
//! generator for radar rainfall fields based on the short-space Fourier transform. *Hydrol. Earth Syst. Sci.*,
//! 21, 2777–2797, doi:10.5194/hess-21-2777-2017.

use ndarray::{Array2, ArrayView2, ArrayView3, Axis};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::cascade::{CascadePlan, CascadeScratch, mean_std};
use crate::error::{Error, Result};

/// A real amplitude filter on the half spectrum of a [`CascadePlan`] (transposed layout `(nx/2+1, ny)`).
#[derive(Debug, Clone, PartialEq)]
pub struct NoiseFilter {
    amplitude: Vec<f32>,
}

impl NoiseFilter {
    /// The observed amplitude spectrum of `fields (t, y, x)` (finite values, e.g. dB rain), as pysteps'
    /// `initialize_nonparam_2d_fft_filter` with its defaults: the rain/no-rain discontinuity removed (values
    /// above the minimum lowered by the gap between the minimum and the smallest value above it), each field
    /// minus its own minimum, times a radial Tukey window (α = 0.2), FFT, mean over the fields, modulus.
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields are not `(t, ny, nx)` of the plan; [`Error::Parameter`] for non-finite
    /// values or no field.
    pub fn nonparametric(plan: &CascadePlan, fields: ArrayView3<f32>) -> Result<Self> {
        let (ny, nx) = plan.shape();
        if fields.dim().1 != ny || fields.dim().2 != nx || fields.dim().0 == 0 {
            return Err(Error::Shape {
                what: "fields of the noise filter".into(),
                expected: format!("(t >= 1, {ny}, {nx})"),
                found: format!("{:?}", fields.dim()),
            });
        }
        if let Some(v) = fields.iter().find(|v| !v.is_finite()) {
            return Err(Error::parameter(
                "fields",
                v,
                "the noise filter needs finite values",
            ));
        }
        let global_min = fields.iter().copied().fold(f32::INFINITY, f32::min);
        let above_min = fields
            .iter()
            .copied()
            .filter(|&v| v > global_min)
            .fold(f32::INFINITY, f32::min);
        let gap = if above_min.is_finite() {
            above_min - global_min
        } else {
            0.0
        };
        let window = tukey_window(ny, nx, 0.2);
        let mut scratch = plan.scratch();
        let mut sum = vec![rustfft::num_complex::Complex32::default(); plan.spectrum_len()];
        let mut buffer = vec![0.0f32; ny * nx];
        for field in fields.outer_iter() {
            for (b, &v) in buffer.iter_mut().zip(field.iter()) {
                *b = if v > global_min { v - gap } else { v };
            }
            let field_min = buffer.iter().copied().fold(f32::INFINITY, f32::min);
            for (b, &w) in buffer.iter_mut().zip(window.iter()) {
                *b = (*b - field_min) * w;
            }
            plan.forward(&buffer, &mut scratch);
            for (s, &f) in sum.iter_mut().zip(spectrum(&scratch)) {
                *s += f;
            }
        }
        let n = fields.dim().0 as f32;
        Ok(NoiseFilter {
            amplitude: sum.iter().map(|c| c.norm() / n).collect(),
        })
    }

    /// An isotropic power-law filter, amplitude `|κ|^(−β/2)` for wavenumber `|κ| ≥ 1` (cycles per domain), 0 at
    /// κ = 0. `beta` is the exponent of the power spectrum (≈ 2–3.5 for rain in dB).
    ///
    /// # Errors
    /// [`Error::Parameter`] if `beta` is not finite.
    pub fn power_law(plan: &CascadePlan, beta: f64) -> Result<Self> {
        if !beta.is_finite() {
            return Err(Error::parameter("beta", beta, "must be finite"));
        }
        let (ny, nx) = plan.shape();
        let nh = nx / 2 + 1;
        let mut amplitude = vec![0.0f32; nh * ny];
        for kx in 0..nh {
            for row in 0..ny {
                let ky = row.min(ny - row);
                let r = radial_wavenumber(kx, ky, ny, nx);
                if r > 0.0 {
                    amplitude[kx * ny + row] = r.powf(-beta / 2.0) as f32;
                }
            }
        }
        Ok(NoiseFilter { amplitude })
    }

    /// A filter from a given amplitude `(nx/2+1, ny)` in the plan's transposed half-spectrum layout (e.g. one made
    /// elsewhere and passed in from Python).
    ///
    /// # Errors
    /// [`Error::Shape`] if the length is not the plan's half spectrum; [`Error::Parameter`] for a negative or
    /// non-finite amplitude, or an amplitude that is zero everywhere but at κ = 0 (no noise to make).
    pub fn from_amplitude(plan: &CascadePlan, amplitude: Vec<f32>) -> Result<Self> {
        if amplitude.len() != plan.spectrum_len() {
            let (ny, nx) = plan.shape();
            return Err(Error::Shape {
                what: "noise filter".into(),
                expected: format!("({ny}, {}) half spectrum", nx / 2 + 1),
                found: format!("{} values", amplitude.len()),
            });
        }
        if let Some(a) = amplitude.iter().find(|a| !(a.is_finite() && **a >= 0.0)) {
            return Err(Error::parameter(
                "filter",
                a,
                "amplitudes must be finite and non-negative",
            ));
        }
        if amplitude.iter().skip(1).all(|&a| a == 0.0) {
            return Err(Error::parameter(
                "filter",
                "all zero",
                "the filter passes no wavenumber but the mean: no noise can be made",
            ));
        }
        Ok(NoiseFilter { amplitude })
    }

    /// The amplitude in the plan's transposed half-spectrum layout.
    pub fn amplitude(&self) -> &[f32] {
        &self.amplitude
    }

    /// Draws white Gaussian noise `(ny, nx)` from `rng` into `white` and leaves its filtered spectrum in
    /// `scratch` (ready for [`CascadePlan::levels_from_spectrum`] or [`CascadePlan::inverse`]).
    pub fn generate_spectrum<R: Rng>(
        &self,
        plan: &CascadePlan,
        rng: &mut R,
        white: &mut [f32],
        scratch: &mut CascadeScratch,
    ) {
        for w in white.iter_mut() {
            *w = StandardNormal.sample(rng);
        }
        self.filter_white(plan, white, scratch);
    }

    /// Leaves the filtered spectrum of given white noise `white (ny·nx, row-major)` in `scratch`, as
    /// [`Self::generate_spectrum`] does with its own draws (e.g. to replay another implementation's draws).
    pub fn filter_white(&self, plan: &CascadePlan, white: &[f32], scratch: &mut CascadeScratch) {
        plan.forward(white, scratch);
        plan.apply_spectral_filter(&self.amplitude, scratch);
    }

    /// A noise field `(y, x)` with zero mean and unit standard deviation.
    pub fn generate<R: Rng>(&self, plan: &CascadePlan, rng: &mut R) -> Array2<f32> {
        let (ny, nx) = plan.shape();
        let mut scratch = plan.scratch();
        let mut white = vec![0.0; ny * nx];
        self.generate_spectrum(plan, rng, &mut white, &mut scratch);
        let mut out = vec![0.0; ny * nx];
        plan.inverse(&mut out, &mut scratch);
        let (m, s) = mean_std(&out);
        super::cascade::normalise(&mut out, m, s);
        Array2::from_shape_vec((ny, nx), out).unwrap_or_else(|_| Array2::zeros((ny, nx)))
    }
}

/// Short-space nonparametric noise: one observed spectrum per overlapping square window, so the texture of the
/// noise follows the local rain (Nerini et al. 2017).
#[derive(Debug, Clone)]
pub struct LocalNoise {
    filters: Vec<NoiseFilter>,
    /// Taper of each window on the grid `(y, x)`.
    tapers: Vec<Array2<f32>>,
    weight_sum: Array2<f32>,
}

impl LocalNoise {
    /// Windows of `window` pixels with fractional `overlap` (pysteps' `ssft` uses 128 and 0.3), each with the
    /// nonparametric spectrum of `field` tapered by a Hann window over the window.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `window` is smaller than 8 or larger than the grid, or `overlap` is outside
    /// [0, 0.9]; as [`NoiseFilter::nonparametric`] for the field.
    pub fn new(
        plan: &CascadePlan,
        field: ArrayView2<f32>,
        window: usize,
        overlap: f64,
    ) -> Result<Self> {
        let (ny, nx) = plan.shape();
        if window < 8 || window > ny.min(nx) {
            return Err(Error::parameter(
                "window",
                window,
                format!("must be within 8..={}", ny.min(nx)),
            ));
        }
        if !(0.0..=0.9).contains(&overlap) {
            return Err(Error::parameter(
                "overlap",
                overlap,
                "must be within [0, 0.9]",
            ));
        }
        let step = ((window as f64 * (1.0 - overlap)).round() as usize).max(1);
        let starts = |n: usize| {
            let mut v: Vec<usize> = (0..=n - window).step_by(step).collect();
            if v.last() != Some(&(n - window)) {
                v.push(n - window);
            }
            v
        };
        let field = field.as_standard_layout();
        let min = field.iter().copied().fold(f32::INFINITY, f32::min);
        let hann = |i: usize| {
            0.5 - 0.5 * (2.0 * std::f32::consts::PI * (i as f32 + 0.5) / window as f32).cos()
        };
        let (mut filters, mut tapers) = (Vec::new(), Vec::new());
        let mut weight_sum = Array2::<f32>::zeros((ny, nx));
        for &r0 in &starts(ny) {
            for &c0 in &starts(nx) {
                let taper = Array2::from_shape_fn((ny, nx), |(r, c)| {
                    if (r0..r0 + window).contains(&r) && (c0..c0 + window).contains(&c) {
                        hann(r - r0) * hann(c - c0)
                    } else {
                        0.0
                    }
                });
                let local =
                    Array2::from_shape_fn((ny, nx), |(r, c)| (field[[r, c]] - min) * taper[[r, c]]);
                let mut scratch = plan.scratch();
                plan.forward(local.as_slice().unwrap_or_default(), &mut scratch);
                filters.push(NoiseFilter {
                    amplitude: spectrum(&scratch).iter().map(|c| c.norm()).collect(),
                });
                weight_sum += &taper;
                tapers.push(taper);
            }
        }
        Ok(LocalNoise {
            filters,
            tapers,
            weight_sum,
        })
    }

    /// A noise field `(y, x)`, zero mean and unit standard deviation: the same white noise filtered by each
    /// window's spectrum, each normalised, blended by the window tapers.
    pub fn generate<R: Rng>(&self, plan: &CascadePlan, rng: &mut R) -> Array2<f32> {
        let (ny, nx) = plan.shape();
        let mut scratch = plan.scratch();
        let mut white = vec![0.0f32; ny * nx];
        for w in white.iter_mut() {
            *w = StandardNormal.sample(rng);
        }
        plan.forward(&white, &mut scratch);
        let base: Vec<_> = spectrum(&scratch).to_vec();
        let mut out = Array2::<f32>::zeros((ny, nx));
        let mut local = vec![0.0f32; ny * nx];
        for (filter, taper) in self.filters.iter().zip(&self.tapers) {
            set_spectrum(&mut scratch, &base);
            plan.apply_spectral_filter(&filter.amplitude, &mut scratch);
            plan.inverse(&mut local, &mut scratch);
            let (m, s) = mean_std(&local);
            super::cascade::normalise(&mut local, m, s);
            for ((o, &l), &t) in out.iter_mut().zip(&local).zip(taper.iter()) {
                *o += l * t;
            }
        }
        ndarray::Zip::from(&mut out)
            .and(&self.weight_sum)
            .for_each(|o, &w| *o = if w > 0.0 { *o / w } else { 0.0 });
        let slice = out.as_slice_mut().unwrap_or_default();
        let (m, s) = mean_std(slice);
        super::cascade::normalise(slice, m, s);
        out
    }
}

/// Least-squares slope β of the log radially averaged power spectrum of `field (y, x)` against log wavenumber
/// between wavenumbers `k_min` and `k_max` (cycles per domain): power ∝ |κ|^−β.
///
/// # Errors
/// [`Error::Parameter`] if the range holds fewer than 3 wavenumbers or the field is not finite.
pub fn fit_power_law_exponent(
    plan: &CascadePlan,
    field: ArrayView2<f32>,
    k_min: f64,
    k_max: f64,
) -> Result<f64> {
    let (ny, nx) = plan.shape();
    if field.dim() != (ny, nx) || field.iter().any(|v| !v.is_finite()) {
        return Err(Error::parameter(
            "field",
            format!("{:?}", field.dim()),
            "a finite field of the plan's shape is needed",
        ));
    }
    let field = field.as_standard_layout();
    let mut scratch = plan.scratch();
    plan.forward(field.as_slice().unwrap_or_default(), &mut scratch);
    let nh = nx / 2 + 1;
    let n_bins = (k_max.ceil() as usize) + 1;
    let (mut power, mut count) = (vec![0.0f64; n_bins], vec![0usize; n_bins]);
    for (kx, column) in spectrum(&scratch).chunks_exact(ny).enumerate().take(nh) {
        for (row, c) in column.iter().enumerate() {
            let r = radial_wavenumber(kx, row.min(ny - row), ny, nx);
            let bin = r.round() as usize;
            if r >= k_min && r <= k_max && bin < n_bins {
                power[bin] += f64::from(c.norm_sqr());
                count[bin] += 1;
            }
        }
    }
    let points: Vec<(f64, f64)> = (0..n_bins)
        .filter(|&b| count[b] > 0 && power[b] > 0.0 && b > 0)
        .map(|b| ((b as f64).ln(), (power[b] / count[b] as f64).ln()))
        .collect();
    if points.len() < 3 {
        return Err(Error::parameter(
            "wavenumber range",
            format!("{k_min}..{k_max}"),
            "fewer than 3 wavenumbers to fit",
        ));
    }
    let n = points.len() as f64;
    let (mx, my) = (
        points.iter().map(|p| p.0).sum::<f64>() / n,
        points.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    Ok(-sxy / sxx)
}

/// Radial Tukey window `(ny, nx)` as pysteps' `compute_window_function(…, "tukey", alpha)`: with
/// `R = sqrt((x/nx − ½)² + (y/ny − ½)²)`, 1 for `R ≤ ½(1−α)`, a raised cosine to 0 at `R = ½`, 0 beyond.
pub fn tukey_window(ny: usize, nx: usize, alpha: f64) -> Array2<f32> {
    Array2::from_shape_fn((ny, nx), |(r, c)| {
        let radius =
            ((c as f64 / nx as f64 - 0.5).powi(2) + (r as f64 / ny as f64 - 0.5).powi(2)).sqrt();
        if radius >= 0.5 {
            0.0
        } else if radius > 0.5 * (1.0 - alpha) {
            (0.5 * (1.0
                + (std::f64::consts::PI * (radius / (alpha * 0.5) - 1.0 / alpha + 1.0)).cos()))
                as f32
        } else {
            1.0
        }
    })
}

/// Parameters `(p0, p1, p2)` of Bowler et al. (2006) motion perturbations, `g(t) = p0 t^p1 + p2` in km h⁻¹ with
/// t in minutes.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BpsParameters {
    /// Along the flow.
    pub parallel: [f64; 3],
    /// Across the flow.
    pub perpendicular: [f64; 3],
}

impl BpsParameters {
    /// The published values (Bowler et al. 2006, as fitted in pysteps): along (10.88, 0.23, −7.68), across
    /// (5.76, 0.31, −2.72).
    pub const BOWLER_2006: BpsParameters = BpsParameters {
        parallel: [10.88, 0.23, -7.68],
        perpendicular: [5.76, 0.31, -2.72],
    };
}

impl Default for BpsParameters {
    fn default() -> Self {
        BpsParameters::BOWLER_2006
    }
}

/// The unit vectors along and across the flow of a motion field, computed once and shared by the members.
#[derive(Debug, Clone)]
pub struct FlowFrame {
    /// Unit vector along the flow `(2, y, x)` (0 where the motion is 0).
    along: ndarray::Array3<f32>,
}

impl FlowFrame {
    /// From a motion field `(2, y, x)` (pixels per step).
    pub fn new(velocity: ArrayView3<f32>) -> Self {
        let (_, ny, nx) = velocity.dim();
        let mut along = ndarray::Array3::<f32>::zeros((2, ny, nx));
        for r in 0..ny {
            for c in 0..nx {
                let (u, v) = (velocity[[0, r, c]], velocity[[1, r, c]]);
                let n = u.hypot(v);
                if n > 1e-12 {
                    along[[0, r, c]] = u / n;
                    along[[1, r, c]] = v / n;
                }
            }
        }
        FlowFrame { along }
    }
}

/// One member's motion perturbation (Bowler et al. 2006): `V′(t) = (g_∥(t) ε_∥ e_∥ + g_⊥(t) ε_⊥ e_⊥) / s`, with
/// `ε ~ Laplace(0, 1/√2)` (unit variance) drawn once per member, `e_⊥ = (−e_∥,v, e_∥,u)` and
/// `s = 60 · km per pixel / timestep` the speed in km h⁻¹ of one pixel per step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MotionPerturbation {
    eps_parallel: f64,
    eps_perpendicular: f64,
    parameters: BpsParameters,
    /// km h⁻¹ per (pixel per step).
    speed_scale: f64,
    timestep_minutes: f64,
}

impl MotionPerturbation {
    /// Draws the member's two Laplace deviates from `rng`.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `km_per_pixel` or `timestep_minutes` is not positive.
    pub fn new<R: Rng>(
        rng: &mut R,
        km_per_pixel: f64,
        timestep_minutes: f64,
        parameters: BpsParameters,
    ) -> Result<Self> {
        let mut laplace = || {
            let u: f64 = rng.random::<f64>() - 0.5;
            -u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
                / std::f64::consts::SQRT_2
        };
        let (eps_parallel, eps_perpendicular) = (laplace(), laplace());
        Self::from_deviates(
            (eps_parallel, eps_perpendicular),
            km_per_pixel,
            timestep_minutes,
            parameters,
        )
    }

    /// A perturbation with given unit-variance deviates `(ε_∥, ε_⊥)`, e.g. to replay another implementation's
    /// draws.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `km_per_pixel` or `timestep_minutes` is not positive or a deviate is not finite.
    pub fn from_deviates(
        (eps_parallel, eps_perpendicular): (f64, f64),
        km_per_pixel: f64,
        timestep_minutes: f64,
        parameters: BpsParameters,
    ) -> Result<Self> {
        for (name, v) in [
            ("km_per_pixel", km_per_pixel),
            ("timestep_minutes", timestep_minutes),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::parameter(name, v, "must be positive"));
            }
        }
        for v in [eps_parallel, eps_perpendicular] {
            if !v.is_finite() {
                return Err(Error::parameter("deviate", v, "must be finite"));
            }
        }
        Ok(MotionPerturbation {
            eps_parallel,
            eps_perpendicular,
            parameters,
            speed_scale: 60.0 * km_per_pixel / timestep_minutes,
            timestep_minutes,
        })
    }

    /// Writes `velocity + V′(t)` into `out (2, y, x)` for `steps` time steps after the analysis.
    pub fn perturbed_velocity_into(
        &self,
        frame: &FlowFrame,
        velocity: ArrayView3<f32>,
        steps: f64,
        out: &mut ndarray::Array3<f32>,
    ) {
        let t = steps * self.timestep_minutes;
        let g = |p: [f64; 3]| p[0] * t.powf(p[1]) + p[2];
        let a = (g(self.parameters.parallel) * self.eps_parallel / self.speed_scale) as f32;
        let b =
            (g(self.parameters.perpendicular) * self.eps_perpendicular / self.speed_scale) as f32;
        let (eu, ev) = (
            frame.along.index_axis(Axis(0), 0),
            frame.along.index_axis(Axis(0), 1),
        );
        ndarray::Zip::from(out.index_axis_mut(Axis(0), 0))
            .and(velocity.index_axis(Axis(0), 0))
            .and(&eu)
            .and(&ev)
            .for_each(|o, &v, &eu, &ev| *o = v + a * eu - b * ev);
        ndarray::Zip::from(out.index_axis_mut(Axis(0), 1))
            .and(velocity.index_axis(Axis(0), 1))
            .and(&eu)
            .and(&ev)
            .for_each(|o, &v, &eu, &ev| *o = v + a * ev + b * eu);
    }

    /// The member's deviates `(ε_∥, ε_⊥)`.
    pub fn deviates(&self) -> (f64, f64) {
        (self.eps_parallel, self.eps_perpendicular)
    }
}

fn radial_wavenumber(kx: usize, ky: usize, ny: usize, nx: usize) -> f64 {
    // Wavenumbers in cycles per domain of the longer side, as the band-pass filters.
    let length = ny.max(nx) as f64;
    (kx as f64 * length / nx as f64).hypot(ky as f64 * length / ny as f64)
}

fn spectrum(scratch: &CascadeScratch) -> &[rustfft::num_complex::Complex32] {
    scratch.spectrum()
}

fn set_spectrum(scratch: &mut CascadeScratch, values: &[rustfft::num_complex::Complex32]) {
    scratch.spectrum_mut().copy_from_slice(values);
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn power_law_noise_has_the_requested_slope() {
        let plan = CascadePlan::new(256, 256, 6, 0.5).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for beta in [2.0, 3.0] {
            let filter = NoiseFilter::power_law(&plan, beta).unwrap();
            let mut fitted = 0.0;
            for _ in 0..4 {
                let noise = filter.generate(&plan, &mut rng);
                let (m, s) = mean_std(noise.as_slice().unwrap());
                assert!(m.abs() < 1e-5 && (s - 1.0).abs() < 1e-4);
                fitted += fit_power_law_exponent(&plan, noise.view(), 4.0, 100.0).unwrap() / 4.0;
            }
            assert!((fitted - beta).abs() < 0.1, "beta {beta}: fitted {fitted}");
        }
    }

    #[test]
    fn nonparametric_noise_reproduces_the_observed_slope() {
        let plan = CascadePlan::new(128, 128, 6, 0.5).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let truth = NoiseFilter::power_law(&plan, 2.5).unwrap();
        let fields = ndarray::Array3::from_shape_fn((2, 128, 128), |_| 0.0f32);
        let mut fields = fields;
        for mut f in fields.outer_iter_mut() {
            f.assign(&truth.generate(&plan, &mut rng));
        }
        let observed = NoiseFilter::nonparametric(&plan, fields.view()).unwrap();
        // Below ≈ 10 cycles the spectrum of the tapered field mean (the window's own transform) dominates, as in
        // pysteps; the slope is checked above it.
        let mut fitted = 0.0;
        for _ in 0..4 {
            let noise = observed.generate(&plan, &mut rng);
            fitted += fit_power_law_exponent(&plan, noise.view(), 10.0, 60.0).unwrap() / 4.0;
        }
        assert!((fitted - 2.5).abs() < 0.25, "fitted {fitted}");
    }

    #[test]
    fn local_noise_is_normalised_and_follows_local_texture() {
        let plan = CascadePlan::new(128, 128, 6, 0.5).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        // Smooth on the left, rough on the right.
        let smooth = NoiseFilter::power_law(&plan, 4.0)
            .unwrap()
            .generate(&plan, &mut rng);
        let rough = NoiseFilter::power_law(&plan, 1.0)
            .unwrap()
            .generate(&plan, &mut rng);
        let field = Array2::from_shape_fn((128, 128), |(r, c)| {
            if c < 64 {
                smooth[[r, c]]
            } else {
                rough[[r, c]]
            }
        });
        let local = LocalNoise::new(&plan, field.view(), 64, 0.5).unwrap();
        let noise = local.generate(&plan, &mut rng);
        let (m, s) = mean_std(noise.as_slice().unwrap());
        assert!(m.abs() < 1e-4 && (s - 1.0).abs() < 1e-3);
        // Mean absolute lag-1 difference (roughness) is larger on the rough side.
        let rough_of = |cols: std::ops::Range<usize>| {
            let mut sum = 0.0;
            for r in 0..128 {
                for c in cols.clone() {
                    sum += (noise[[r, c + 1]] - noise[[r, c]]).abs();
                }
            }
            sum
        };
        assert!(rough_of(80..120) > 1.5 * rough_of(8..48));
        assert!(LocalNoise::new(&plan, field.view(), 4, 0.5).is_err());
    }

    #[test]
    fn tukey_window_matches_its_definition() {
        let w = tukey_window(64, 64, 0.2);
        assert_eq!(w[[32, 32]], 1.0);
        assert_eq!(w[[0, 0]], 0.0);
        // R = 0.45 is the edge of the flat part: 1; R between: in (0, 1).
        assert!(w[[32, 4]] > 0.0 && w[[32, 4]] < 1.0);
    }

    #[test]
    fn motion_perturbation_follows_bowler() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut draws = Vec::new();
        for _ in 0..20000 {
            let p =
                MotionPerturbation::new(&mut rng, 1.0, 5.0, BpsParameters::BOWLER_2006).unwrap();
            draws.push(p.deviates().0);
        }
        let var = draws.iter().map(|d| d * d).sum::<f64>() / draws.len() as f64;
        assert!((var - 1.0).abs() < 0.05, "Laplace variance {var}");
        // Eastward flow: the along-flow perturbation changes u only, across-flow changes v only.
        let velocity = ndarray::Array3::from_shape_fn(
            (2, 4, 4),
            |(k, _, _)| if k == 0 { 2.0f32 } else { 0.0 },
        );
        let frame = FlowFrame::new(velocity.view());
        let p = MotionPerturbation::new(&mut rng, 1.0, 5.0, BpsParameters::BOWLER_2006).unwrap();
        let mut out = ndarray::Array3::zeros((2, 4, 4));
        p.perturbed_velocity_into(&frame, velocity.view(), 6.0, &mut out);
        let t: f64 = 30.0;
        let g_par = 10.88 * t.powf(0.23) - 7.68;
        let g_perp = 5.76 * t.powf(0.31) - 2.72;
        let (e1, e2) = p.deviates();
        let scale = 60.0 / 5.0;
        assert!((f64::from(out[[0, 1, 1]]) - (2.0 + g_par * e1 / scale)).abs() < 1e-5);
        assert!((f64::from(out[[1, 1, 1]]) - g_perp * e2 / scale).abs() < 1e-5);
        assert!(MotionPerturbation::new(&mut rng, 0.0, 5.0, BpsParameters::BOWLER_2006).is_err());
    }
}
