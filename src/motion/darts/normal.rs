//! The normal equations of DARTS, assembled from moments of products of the spectrum.

use nalgebra::{DMatrix, DVector};
use rayon::prelude::*;
use rustfft::num_complex::Complex64;

use super::Darts;
use super::spectrum::Spectrum;

impl Darts {
    /// The normal matrix `AᴴA` and right-hand side `Aᴴb` of the equations, unknowns ordered `V̂` then `Û`.
    pub(super) fn normal_equations(
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

#[cfg(test)]
mod tests {
    use super::super::tests::periodic;
    use super::*;

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
}
