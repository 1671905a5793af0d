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

mod normal;
mod spectrum;

use std::f64::consts::TAU;

use ndarray::{Array3, ArrayView3, Axis};
use rayon::prelude::*;
use rustfft::num_complex::Complex64;
use serde::{Deserialize, Serialize};

use super::MotionEstimator;
use crate::error::{Error, Result};
use spectrum::Spectrum;

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
    pub(super) fn periodic(t: usize, ny: usize, nx: usize, u: f64, v: f64) -> Array3<f32> {
        Array3::from_shape_fn((t, ny, nx), |(k, r, c)| {
            let (x, y) = (c as f64 - u * k as f64, r as f64 - v * k as f64);
            let (fx, fy) = (TAU * x / nx as f64, TAU * y / ny as f64);
            (10.0 * (2.0 * fx).sin() + 7.0 * (3.0 * fy + fx).cos() + 5.0 * (fx - 2.0 * fy).sin())
                as f32
        })
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
