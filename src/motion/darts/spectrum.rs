//! The part of the three-dimensional spectrum of the frames that DARTS uses.

use std::f64::consts::TAU;

use rayon::prelude::*;
use realfft::RealFftPlanner;
use rustfft::FftPlanner;
use rustfft::num_complex::Complex64;

/// The spectrum `F̂(k_t, k_y, k_x)` for `0 ≤ k_x ≤ kx_half`, `|k_y| ≤ ky_half` and every `k_t`; other `k_x` by
/// conjugate symmetry.
pub(super) struct Spectrum {
    /// Number of frames (the period along `k_t`).
    t: usize,
    /// Largest |k_y| held.
    ky_half: usize,
    /// Largest |k_x| held.
    pub(super) kx_half: usize,
    /// `(t, 2·ky_half + 1, kx_half + 1)`, `k_y` offset by `ky_half`.
    values: Vec<Complex64>,
}

impl Spectrum {
    /// Transforms `data (t, ny, nx)` (row-major, finite).
    pub(super) fn new(
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
    pub(super) fn get(&self, kt: i64, ky: i64, kx: i64) -> Complex64 {
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

#[cfg(test)]
mod tests {
    use super::super::tests::periodic;
    use super::*;

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
}
