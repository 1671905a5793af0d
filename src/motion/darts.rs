//! DARTS (Dynamic and Adaptive Radar Tracking of Storms): the motion field as a truncated Fourier series, fitted
//! by least squares to the advection equation written in the three-dimensional Fourier domain.
//!
//! For a field `F(x, y, t)` carried by a steady flow, `∂F/∂t + u ∂F/∂x + v ∂F/∂y = 0`. With the discrete Fourier
//! transform over the `T_x × T_y` grid and the `T_t` frames,
//! `F̂(k) = Σ F e^{−2πi(k_x x/T_x + k_y y/T_y + k_t t/T_t)}`, derivatives become multiplications by `2πi k/T`
//! and the products `u ∂F/∂x` become convolutions of the spectra.
//! Keeping the `(2M_x + 1)(2M_y + 1)` lowest harmonics `Û(p), V̂(p)` of the motion, every wavenumber
//! `k = (k_x, k_y, k_t)` with `|k_x| ≤ N_x`, `|k_y| ≤ N_y`, `|k_t| ≤ N_t` gives one linear equation
//! (Ruzanski et al. 2011, section 2):
//!
//! `k_t F̂(k) = −T_t/(T_x T_y) Σ_p [ (k_x − p_x)/T_x · Û(p) + (k_y − p_y)/T_y · V̂(p) ] F̂(k − p)`
//!
//! — `(2N_x + 1)(2N_y + 1)(2N_t + 1)` equations for `2(2M_x + 1)(2M_y + 1)` complex unknowns, solved in the least
//! squares sense through the singular value decomposition of the normal matrix (pseudo-inverse discarding the
//! singular values below [`Darts::rcond`](crate::motion::darts::Darts::rcond) of the largest). The motion in
//! pixels per frame is the real part of the inverse transform of the harmonics.
//!
//! Only the `F̂` that the equations use are computed: real FFTs along the rows, complex FFTs along the columns of
//! the retained `k_x`, a direct DFT over the few frames. The normal matrix is assembled from moments of the
//! products `F̂*(k − p) F̂(k − q)` over the wavenumbers, using the conjugate symmetry of the spectrum of real
//! data to visit half of them.
//!
//! # References
//! Ruzanski, E., V. Chandrasekar and Y. Wang, 2011: The CASA nowcasting system. *J. Atmos. Oceanic Technol.*,
//! 28, 640–655, doi:10.1175/2011JTECHA1496.1 (section 2: DARTS).

use std::f64::consts::TAU;

use nalgebra::{DMatrix, DVector};
use ndarray::{Array3, ArrayView3, Axis};
use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex64;
use serde::{Deserialize, Serialize};

use super::MotionEstimator;
use crate::error::{Error, Result};

/// DARTS motion estimation (Ruzanski, Chandrasekar and Wang 2011), with pysteps' default truncation.
///
/// # Shape
/// `frames (t, y, x)` oldest first, `t ≥ n_t + 2` (6 with the defaults, pysteps' condition `N_t < T − 1`), at
/// least `2(n_y + m_y) + 1` rows and `2(n_x + m_x) + 1` columns (105 with the defaults) → `(2, y, x)` = (u, v)
/// in pixels per time step, a smooth field with `m_x`, `m_y` harmonics.
///
/// # Input
/// Usually rain rate in dB or reflectivity in dBZ. The spectrum needs a value everywhere: non-finite values (no
/// data) are replaced by the smallest finite value of the frames (the "no rain" level). pysteps refuses them.
///
/// # Errors
/// [`Error::Shape`] for too few frames or a grid too small for the truncation; [`Error::Parameter`] for a zero
/// `n_x`, `n_y` or `n_t`, or `rcond` outside `(0, 1)`; [`Error::Unsupported`] if the singular value decomposition
/// does not converge. Frames without contrast (constant, no rain, all no data) give zero motion.
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::motion::{MotionEstimator, darts::Darts};
/// // A periodic pattern moving by one image width (64 px) right and half a height down over the 8 frames:
/// // periodic in time too, as the transform assumes, so the fit is exact.
/// let frames = Array3::from_shape_fn((8, 64, 64), |(k, r, c)| {
///     let (x, y) = (c as f64 - 8.0 * k as f64, r as f64 - 4.0 * k as f64);
///     let tau = std::f64::consts::TAU;
///     ((tau * x / 32.0).sin() + (tau * (2.0 * y + x) / 64.0).cos()) as f32
/// });
/// let darts = Darts { n_x: 10, n_y: 10, n_t: 3, ..Darts::default() };
/// let motion = darts.estimate(frames.view())?;
/// assert!((motion[[0, 20, 30]] - 8.0).abs() < 1e-3 && (motion[[1, 20, 30]] - 4.0).abs() < 1e-3);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Darts {
    /// Largest |k_x| of the equations (pysteps' `N_x`).
    pub n_x: usize,
    /// Largest |k_y| of the equations (`N_y`).
    pub n_y: usize,
    /// Largest |k_t| of the equations (`N_t`); needs at least `n_t + 2` frames.
    pub n_t: usize,
    /// Largest |p_x| of the motion harmonics (`M_x`).
    pub m_x: usize,
    /// Largest |p_y| of the motion harmonics (`M_y`).
    pub m_y: usize,
    /// Singular values of the normal matrix below this fraction of the largest are discarded (pysteps: 0.01).
    pub rcond: f64,
}

impl Default for Darts {
    fn default() -> Self {
        Darts {
            n_x: 50,
            n_y: 50,
            n_t: 4,
            m_x: 2,
            m_y: 2,
            rcond: 0.01,
        }
    }
}

impl MotionEstimator for Darts {
    fn estimate(&self, frames: ArrayView3<f32>) -> Result<Array3<f32>> {
        let (t, ny, nx) = frames.dim();
        self.check(t, ny, nx)?;
        let Some(data) = filled(frames) else {
            return Ok(Array3::zeros((2, ny, nx)));
        };
        let (kx_half, ky_half) = (self.n_x + self.m_x, self.n_y + self.m_y);
        let spectrum = Spectrum::new(&data, (t, ny, nx), ky_half, kx_half);
        let (normal, rhs) = self.normal_equations(&spectrum, (t, ny, nx));
        let Some(svd) = normal.try_svd(true, true, f64::EPSILON, 10_000) else {
            return Err(Error::Unsupported(
                "DARTS: the singular value decomposition of the normal matrix did not converge"
                    .into(),
            ));
        };
        let largest = svd.singular_values.max();
        if !(largest > 0.0 && largest.is_finite()) {
            return Ok(Array3::zeros((2, ny, nx)));
        }
        let solution = svd
            .solve(&rhs, self.rcond * largest)
            .map_err(|e| Error::Unsupported(format!("DARTS: {e}")))?;
        let n_p = self.n_harmonics();
        let v_hat: Vec<Complex64> = solution.iter().take(n_p).copied().collect();
        let u_hat: Vec<Complex64> = solution.iter().skip(n_p).copied().collect();
        let mut motion = Array3::<f32>::zeros((2, ny, nx));
        self.synthesise(&u_hat, motion.index_axis_mut(Axis(0), 0));
        self.synthesise(&v_hat, motion.index_axis_mut(Axis(0), 1));
        Ok(motion)
    }
}

impl Darts {
    fn check(&self, t: usize, ny: usize, nx: usize) -> Result<()> {
        if self.n_x == 0 || self.n_y == 0 || self.n_t == 0 {
            return Err(Error::parameter(
                "n_x, n_y, n_t",
                format!("{}, {}, {}", self.n_x, self.n_y, self.n_t),
                "need at least one wavenumber along each axis",
            ));
        }
        if !(self.rcond > 0.0 && self.rcond < 1.0) {
            return Err(Error::parameter("rcond", self.rcond, "must lie in (0, 1)"));
        }
        let (min_y, min_x) = (2 * (self.n_y + self.m_y) + 1, 2 * (self.n_x + self.m_x) + 1);
        if t < self.n_t + 2 || ny < min_y || nx < min_x {
            return Err(Error::Shape {
                what: "frames".into(),
                expected: format!(
                    "(t ≥ {}, y ≥ {min_y}, x ≥ {min_x}) for n_t = {}, n_y + m_y = {}, n_x + m_x = {}",
                    self.n_t + 2,
                    self.n_t,
                    self.n_y + self.m_y,
                    self.n_x + self.m_x
                ),
                found: format!("({t}, {ny}, {nx})"),
            });
        }
        Ok(())
    }

    /// Number of motion harmonics per component.
    fn n_harmonics(&self) -> usize {
        (2 * self.m_y + 1) * (2 * self.m_x + 1)
    }

    /// The harmonic `(p_y, p_x)` of index `i` (row-major over `−m_y..=m_y × −m_x..=m_x`).
    fn harmonic(&self, i: usize) -> (i64, i64) {
        let w = 2 * self.m_x + 1;
        (
            (i / w) as i64 - self.m_y as i64,
            (i % w) as i64 - self.m_x as i64,
        )
    }

    /// The normal matrix `AᴴA` and right-hand side `Aᴴb` of the equations, unknowns ordered `V̂` then `Û`.
    fn normal_equations(
        &self,
        spectrum: &Spectrum,
        (t, ny, nx): (usize, usize, usize),
    ) -> (DMatrix<Complex64>, DVector<Complex64>) {
        let n_p = self.n_harmonics();
        let (alpha, beta) = {
            let c1 = -(t as f64) / (nx as f64 * ny as f64);
            (c1 / ny as f64, c1 / nx as f64)
        };
        let moments = self.moments(spectrum);
        let m = |w: usize, i: usize, j: usize| -> Complex64 {
            if i <= j {
                moments.get(w, i, j)
            } else {
                moments.get(w, j, i).conj()
            }
        };
        let mut normal = DMatrix::<Complex64>::zeros(2 * n_p, 2 * n_p);
        for i in 0..n_p {
            let (py, px) = self.harmonic(i);
            let (py, px) = (py as f64, px as f64);
            for j in 0..n_p {
                let (qy, qx) = self.harmonic(j);
                let (qy, qx) = (qy as f64, qx as f64);
                let (s1, sx, sy) = (m(S1, i, j), m(SX, i, j), m(SY, i, j));
                let (sxx, sxy, syy) = (m(SXX, i, j), m(SXY, i, j), m(SYY, i, j));
                // Σ (k_y − p_y)(k_y − q_y) C, Σ (k_y − p_y)(k_x − q_x) C, Σ (k_x − p_x)(k_x − q_x) C.
                let vv = syy - sy * (py + qy) + s1 * (py * qy);
                let vu = sxy - sy * qx - sx * py + s1 * (py * qx);
                let uu = sxx - sx * (px + qx) + s1 * (px * qx);
                normal[(i, j)] = vv * (alpha * alpha);
                normal[(i, n_p + j)] = vu * (alpha * beta);
                normal[(n_p + i, n_p + j)] = uu * (beta * beta);
            }
        }
        for i in 0..n_p {
            for j in 0..n_p {
                normal[(n_p + j, i)] = normal[(i, n_p + j)].conj();
            }
        }
        let rhs = self.right_hand_side(spectrum, alpha, beta);
        (normal, rhs)
    }

    /// `Aᴴb`: `Σ_k conj(a_p(k)) k_t F̂(k)` for every unknown.
    fn right_hand_side(&self, spectrum: &Spectrum, alpha: f64, beta: f64) -> DVector<Complex64> {
        let n_p = self.n_harmonics();
        let (nt, ny, nx) = (self.n_t as i64, self.n_y as i64, self.n_x as i64);
        let mut rhs = DVector::<Complex64>::zeros(2 * n_p);
        for kt in -nt..=nt {
            if kt == 0 {
                continue;
            }
            for ky in -ny..=ny {
                for kx in -nx..=nx {
                    let b = spectrum.get(kt, ky, kx) * kt as f64;
                    for i in 0..n_p {
                        let (py, px) = self.harmonic(i);
                        let r = spectrum.get(kt, ky - py, kx - px).conj() * b;
                        rhs[i] += r * (alpha * (ky - py) as f64);
                        rhs[n_p + i] += r * (beta * (kx - px) as f64);
                    }
                }
            }
        }
        rhs
    }

    /// Moments `Σ_k w(k) F̂*(k − p_i) F̂(k − p_j)` for `i ≤ j` and the weights `w ∈ {1, k_x, k_y, k_x², k_x k_y,
    /// k_y²}` over every wavenumber of the equations.
    ///
    /// Computed over `k_t ≥ 0` only (the `k_t = 0` plane weighted ½): with `F̂(−k) = F̂*(k)` the sum over the
    /// mirrored half is the same sum for the mirrored pair `(−p_j, −p_i)`, with the sign of odd weights flipped.
    fn moments(&self, spectrum: &Spectrum) -> Moments {
        let n_p = self.n_harmonics();
        let pairs: Vec<(usize, usize)> = (0..n_p)
            .flat_map(|i| (i..n_p).map(move |j| (i, j)))
            .collect();
        let n_y = self.n_y as i64;
        let partial: Vec<Moments> = (-n_y..=n_y)
            .into_par_iter()
            .map(|ky| self.moments_of_row(spectrum, ky, &pairs))
            .collect();
        let mut half = Moments::zeros(n_p);
        for p in &partial {
            half.add(p);
        }
        // Full sums: S_w(p_i, p_j) = H_w(p_i, p_j) ± H_w(−p_j, −p_i), index of −p = n_p − 1 − index of p.
        let mut full = Moments::zeros(n_p);
        for &(i, j) in &pairs {
            let (mi, mj) = (n_p - 1 - j, n_p - 1 - i);
            for w in 0..N_WEIGHTS {
                let sign = if w == SX || w == SY { -1.0 } else { 1.0 };
                *full.at(w, i, j) = half.get(w, i, j) + half.get(w, mi, mj) * sign;
            }
        }
        full
    }

    /// The half-space moments of one `k_y` (all `0 ≤ k_t ≤ n_t`, all `k_x`).
    fn moments_of_row(&self, spectrum: &Spectrum, ky: i64, pairs: &[(usize, usize)]) -> Moments {
        let n_p = self.n_harmonics();
        let (n_x, kx_half) = (self.n_x as i64, spectrum.kx_half as i64);
        let width = (2 * kx_half + 1) as usize;
        let n_lines = 2 * self.m_y + 1;
        let mut out = Moments::zeros(n_p);
        let (mut re, mut im) = (vec![0.0; n_lines * width], vec![0.0; n_lines * width]);
        let kxs: Vec<f64> = (-n_x..=n_x).map(|k| k as f64).collect();
        for kt in 0..=self.n_t as i64 {
            // Line l holds F̂(k_t, k_y − p_y, j) for p_y = l − m_y and j = −kx_half ..= kx_half.
            for l in 0..n_lines {
                let py = l as i64 - self.m_y as i64;
                for (o, j) in (-kx_half..=kx_half).enumerate() {
                    let z = spectrum.get(kt, ky - py, j);
                    re[l * width + o] = z.re;
                    im[l * width + o] = z.im;
                }
            }
            let weight = if kt == 0 { 0.5 } else { 1.0 };
            let kyf = ky as f64;
            for (pair, &(i, j)) in pairs.iter().enumerate() {
                let (py_i, px_i) = self.harmonic(i);
                let (py_j, px_j) = self.harmonic(j);
                // F̂(k − p) at k_x = kx sits at offset kx − px + kx_half of line py + m_y.
                let a0 =
                    (py_i + self.m_y as i64) as usize * width + (kx_half - n_x - px_i) as usize;
                let b0 =
                    (py_j + self.m_y as i64) as usize * width + (kx_half - n_x - px_j) as usize;
                let n = kxs.len();
                let (ar, ai) = (&re[a0..a0 + n], &im[a0..a0 + n]);
                let (br, bi) = (&re[b0..b0 + n], &im[b0..b0 + n]);
                let (mut s1, mut sx, mut sxx) = ([0.0f64; 2], [0.0f64; 2], [0.0f64; 2]);
                for o in 0..n {
                    // conj(a)·b
                    let cr = ar[o] * br[o] + ai[o] * bi[o];
                    let ci = ar[o] * bi[o] - ai[o] * br[o];
                    let k = kxs[o];
                    s1[0] += cr;
                    s1[1] += ci;
                    sx[0] += k * cr;
                    sx[1] += k * ci;
                    sxx[0] += k * k * cr;
                    sxx[1] += k * k * ci;
                }
                let c = |v: [f64; 2]| Complex64::new(v[0], v[1]) * weight;
                let (s1, sx, sxx) = (c(s1), c(sx), c(sxx));
                let base = pair * N_WEIGHTS;
                out.values[base + S1] += s1;
                out.values[base + SX] += sx;
                out.values[base + SY] += s1 * kyf;
                out.values[base + SXX] += sxx;
                out.values[base + SXY] += sx * kyf;
                out.values[base + SYY] += s1 * (kyf * kyf);
            }
        }
        out
    }

    /// `field(y, x) = Re (1/(T_x T_y)) Σ_p X̂(p) e^{2πi(p_x x/T_x + p_y y/T_y)}`.
    fn synthesise(&self, harmonics: &[Complex64], mut out: ndarray::ArrayViewMut2<f32>) {
        let (ny, nx) = out.dim();
        let (wy, wx) = (2 * self.m_y + 1, 2 * self.m_x + 1);
        let norm = 1.0 / (nx as f64 * ny as f64);
        let phase_x: Vec<Complex64> = (0..nx)
            .flat_map(|x| {
                (0..wx).map(move |b| {
                    let px = b as f64 - self.m_x as f64;
                    Complex64::from_polar(1.0, TAU * px * x as f64 / nx as f64)
                })
            })
            .collect();
        out.axis_iter_mut(Axis(0))
            .into_par_iter()
            .enumerate()
            .for_each(|(y, mut row)| {
                let mut line = vec![Complex64::new(0.0, 0.0); wx];
                for a in 0..wy {
                    let py = a as f64 - self.m_y as f64;
                    let e = Complex64::from_polar(norm, TAU * py * y as f64 / ny as f64);
                    for (b, l) in line.iter_mut().enumerate() {
                        *l += harmonics[a * wx + b] * e;
                    }
                }
                for (x, o) in row.iter_mut().enumerate() {
                    let phases = &phase_x[x * wx..(x + 1) * wx];
                    *o = line
                        .iter()
                        .zip(phases)
                        .map(|(l, p)| (l * p).re)
                        .sum::<f64>() as f32;
                }
            });
    }
}

/// Indices of the moment weights.
const S1: usize = 0;
const SX: usize = 1;
const SY: usize = 2;
const SXX: usize = 3;
const SXY: usize = 4;
const SYY: usize = 5;
const N_WEIGHTS: usize = 6;

/// Moments per pair `i ≤ j` of harmonics, `N_WEIGHTS` values each, pairs in row-major upper-triangle order.
struct Moments {
    n_p: usize,
    values: Vec<Complex64>,
}

impl Moments {
    fn zeros(n_p: usize) -> Moments {
        Moments {
            n_p,
            values: vec![Complex64::new(0.0, 0.0); n_p * (n_p + 1) / 2 * N_WEIGHTS],
        }
    }

    fn index(&self, w: usize, i: usize, j: usize) -> usize {
        // Pairs before row i: Σ_{r<i} (n_p − r) = i(2n_p − i + 1)/2.
        let pair = i * (2 * self.n_p + 1 - i) / 2 + (j - i);
        pair * N_WEIGHTS + w
    }

    fn get(&self, w: usize, i: usize, j: usize) -> Complex64 {
        self.values[self.index(w, i, j)]
    }

    fn at(&mut self, w: usize, i: usize, j: usize) -> &mut Complex64 {
        let k = self.index(w, i, j);
        &mut self.values[k]
    }

    fn add(&mut self, other: &Moments) {
        self.values
            .iter_mut()
            .zip(&other.values)
            .for_each(|(a, b)| *a += b);
    }
}

/// The spectrum `F̂(k_t, k_y, k_x)` for `0 ≤ k_x ≤ kx_half`, `|k_y| ≤ ky_half` and every `k_t`; other `k_x` by
/// conjugate symmetry.
struct Spectrum {
    t: usize,
    ky_half: usize,
    kx_half: usize,
    /// `(t, 2·ky_half + 1, kx_half + 1)`, `k_y` offset by `ky_half`.
    values: Vec<Complex64>,
}

impl Spectrum {
    /// Transforms `data (t, ny, nx)` (row-major, finite).
    fn new(
        data: &[f64],
        (t, ny, nx): (usize, usize, usize),
        ky_half: usize,
        kx_half: usize,
    ) -> Spectrum {
        let (wy, wx) = (2 * ky_half + 1, kx_half + 1);
        let r2c = RealFftPlanner::<f64>::new().plan_fft_forward(nx);
        let column_fft = FftPlanner::<f64>::new().plan_fft_forward(ny);
        // Spatial spectrum of each frame, (2·ky_half + 1, kx_half + 1).
        let planes: Vec<Vec<Complex64>> = data
            .par_chunks(ny * nx)
            .map(|frame| {
                let mut input = r2c.make_input_vec();
                let mut output = r2c.make_output_vec();
                let mut scratch = r2c.make_scratch_vec();
                // Column-major: column k_x holds the ny row transforms.
                let mut columns = vec![Complex64::new(0.0, 0.0); wx * ny];
                for (r, row) in frame.chunks_exact(nx).enumerate() {
                    input.copy_from_slice(row);
                    // Lengths match the plan, so the transform cannot fail.
                    let _ = r2c.process_with_scratch(&mut input, &mut output, &mut scratch);
                    for (kx, z) in output.iter().take(wx).enumerate() {
                        columns[kx * ny + r] = *z;
                    }
                }
                let mut col_scratch =
                    vec![Complex64::new(0.0, 0.0); column_fft.get_inplace_scratch_len()];
                let mut plane = vec![Complex64::new(0.0, 0.0); wy * wx];
                for (kx, column) in columns.chunks_exact_mut(ny).enumerate() {
                    column_fft.process_with_scratch(column, &mut col_scratch);
                    for (o, ky) in (-(ky_half as i64)..=ky_half as i64).enumerate() {
                        plane[o * wx + kx] = column[ky.rem_euclid(ny as i64) as usize];
                    }
                }
                plane
            })
            .collect();
        // Direct DFT over the frames.
        let mut values = vec![Complex64::new(0.0, 0.0); t * wy * wx];
        for kt in 0..t {
            let out = &mut values[kt * wy * wx..(kt + 1) * wy * wx];
            for (n, plane) in planes.iter().enumerate() {
                let e = Complex64::from_polar(1.0, -TAU * ((kt * n) % t) as f64 / t as f64);
                out.iter_mut().zip(plane).for_each(|(o, p)| *o += p * e);
            }
        }
        Spectrum {
            t,
            ky_half,
            kx_half,
            values,
        }
    }

    /// `F̂(k_t, k_y, k_x)` for `|k_y| ≤ ky_half`, `|k_x| ≤ kx_half`, any `k_t` (periodic).
    fn get(&self, kt: i64, ky: i64, kx: i64) -> Complex64 {
        let (wy, wx) = (2 * self.ky_half + 1, self.kx_half + 1);
        let t = self.t as i64;
        let at = |kt: i64, ky: i64, kx: i64| {
            let i = kt.rem_euclid(t) as usize * wy * wx
                + (ky + self.ky_half as i64) as usize * wx
                + kx as usize;
            self.values[i]
        };
        if kx >= 0 {
            at(kt, ky, kx)
        } else {
            at(-kt, -ky, -kx).conj()
        }
    }
}

/// The frames as `f64` with non-finite values replaced by the smallest finite value, or `None` if there is no
/// contrast (no finite value, or all equal).
fn filled(frames: ArrayView3<f32>) -> Option<Vec<f64>> {
    let (lo, hi) = frames
        .iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    // lo ≥ hi, or both infinite when no value is finite.
    if lo >= hi || !lo.is_finite() {
        return None;
    }
    Some(
        frames
            .iter()
            .map(|&v| f64::from(if v.is_finite() { v } else { lo }))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth periodic pattern translated by (u, v) px per frame.
    fn periodic(t: usize, ny: usize, nx: usize, u: f64, v: f64) -> Array3<f32> {
        Array3::from_shape_fn((t, ny, nx), |(k, r, c)| {
            let (x, y) = (c as f64 - u * k as f64, r as f64 - v * k as f64);
            let (fx, fy) = (TAU * x / nx as f64, TAU * y / ny as f64);
            (10.0 * (2.0 * fx).sin() + 7.0 * (3.0 * fy + fx).cos() + 5.0 * (fx - 2.0 * fy).sin())
                as f32
        })
    }

    #[test]
    fn spectrum_matches_a_direct_dft() {
        let (t, ny, nx) = (3, 8, 10);
        let frames = periodic(t, ny, nx, 0.3, 0.1);
        let data: Vec<f64> = frames.iter().map(|&v| f64::from(v) + 0.1).collect();
        let s = Spectrum::new(&data, (t, ny, nx), 3, 4);
        for (kt, ky, kx) in [(0, 0, 0), (1, -2, 3), (2, 3, -4), (-1, 1, -1)] {
            let mut direct = Complex64::new(0.0, 0.0);
            for n in 0..t {
                for r in 0..ny {
                    for c in 0..nx {
                        let phase = -TAU
                            * (kt as f64 * n as f64 / t as f64
                                + ky as f64 * r as f64 / ny as f64
                                + kx as f64 * c as f64 / nx as f64);
                        direct += Complex64::from_polar(data[(n * ny + r) * nx + c], phase);
                    }
                }
            }
            let got = s.get(kt, ky, kx);
            assert!(
                (got - direct).norm() < 1e-9 * direct.norm().max(1.0),
                "{kt} {ky} {kx}"
            );
        }
    }

    #[test]
    fn half_space_moments_equal_the_full_sums() {
        let darts = Darts {
            n_x: 3,
            n_y: 2,
            n_t: 2,
            m_x: 1,
            m_y: 1,
            rcond: 0.01,
        };
        let frames = periodic(5, 12, 14, 0.7, -0.4);
        let data: Vec<f64> = frames
            .iter()
            .map(|&v| f64::from(v) * (1.0 + 0.01 * v as f64))
            .collect();
        let s = Spectrum::new(&data, (5, 12, 14), 3, 4);
        let m = darts.moments(&s);
        let n_p = darts.n_harmonics();
        for i in 0..n_p {
            for j in i..n_p {
                let (pi, pj) = (darts.harmonic(i), darts.harmonic(j));
                let mut direct = [Complex64::new(0.0, 0.0); N_WEIGHTS];
                for kt in -2i64..=2 {
                    for ky in -2i64..=2 {
                        for kx in -3i64..=3 {
                            let c = s.get(kt, ky - pi.0, kx - pi.1).conj()
                                * s.get(kt, ky - pj.0, kx - pj.1);
                            let (x, y) = (kx as f64, ky as f64);
                            for (w, weight) in
                                [1.0, x, y, x * x, x * y, y * y].into_iter().enumerate()
                            {
                                direct[w] += c * weight;
                            }
                        }
                    }
                }
                for (w, d) in direct.iter().enumerate() {
                    let got = m.get(w, i, j);
                    assert!(
                        (got - d).norm() < 1e-8 * d.norm().max(1.0),
                        "{w} {i} {j}: {got} {d}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_translation_periodic_in_time_is_recovered_exactly() {
        // Shifting by a whole period over the T frames makes the sequence periodic in time as the DFT assumes.
        let (t, ny, nx) = (9, 117, 126);
        let (u, v) = (nx as f64 / t as f64, -(ny as f64) / t as f64);
        let frames = periodic(t, ny, nx, u, v);
        let darts = Darts {
            n_x: 20,
            n_y: 20,
            ..Darts::default()
        };
        let motion = darts.estimate(frames.view()).unwrap();
        for &(r, c) in &[(0, 0), (64, 60), (116, 125)] {
            assert!(
                (f64::from(motion[[0, r, c]]) - u).abs() < 1e-3,
                "{}",
                motion[[0, r, c]]
            );
            assert!(
                (f64::from(motion[[1, r, c]]) - v).abs() < 1e-3,
                "{}",
                motion[[1, r, c]]
            );
        }
    }

    #[test]
    fn constant_or_empty_frames_give_zero_motion() {
        for value in [0.0, -15.0, f32::NAN] {
            let frames = Array3::from_elem((6, 110, 110), value);
            let motion = Darts::default().estimate(frames.view()).unwrap();
            assert!(motion.iter().all(|&m| m == 0.0));
        }
    }

    #[test]
    fn bad_settings_and_shapes_are_refused() {
        let frames = periodic(6, 110, 110, 1.0, 0.0);
        let few = frames.slice(ndarray::s![..5, .., ..]);
        assert!(matches!(
            Darts::default().estimate(few),
            Err(Error::Shape { .. })
        ));
        let small = frames.slice(ndarray::s![.., ..100, ..]);
        assert!(matches!(
            Darts::default().estimate(small),
            Err(Error::Shape { .. })
        ));
        for bad in [
            Darts {
                n_t: 0,
                ..Darts::default()
            },
            Darts {
                rcond: 0.0,
                ..Darts::default()
            },
            Darts {
                rcond: f64::NAN,
                ..Darts::default()
            },
        ] {
            assert!(
                matches!(bad.estimate(frames.view()), Err(Error::Parameter { .. })),
                "{bad:?}"
            );
        }
    }
}
