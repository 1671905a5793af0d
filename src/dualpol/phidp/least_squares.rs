use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Zip};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// KDP = ½ dΦDP/dr by a least-squares line over a window along the ray whose length shrinks with reflectivity:
/// `light_window_m` at or below `light_dbz`, `heavy_window_m` at or above `heavy_dbz`, linear in between. Short
/// windows resolve the steep phase gradients of heavy rain; long windows average out the noise of light rain.
/// A fixed window is `light_window_m == heavy_window_m`.
///
/// # References
/// Bringi, V. N. and Chandrasekar, V., 2001: *Polarimetric Doppler Weather Radar*, Cambridge University Press,
/// §7.2 (range derivative of the filtered ΦDP, adaptive path length).
/// Wang, Y. and Chandrasekar, V., 2009, doi:10.1175/2009JTECHA1358.1 (least-squares fit over a reflectivity-dependent
/// window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeastSquaresKdp {
    /// Window length in light rain, m (6 km by default).
    pub light_window_m: f32,
    /// Window length in heavy rain, m (2 km by default).
    pub heavy_window_m: f32,
    /// Reflectivity at and below which the light-rain window applies, dBZ (25 by default).
    pub light_dbz: f32,
    /// Reflectivity at and above which the heavy-rain window applies, dBZ (45 by default).
    pub heavy_dbz: f32,
}

impl Default for LeastSquaresKdp {
    fn default() -> Self {
        LeastSquaresKdp {
            light_window_m: 6_000.0,
            heavy_window_m: 2_000.0,
            light_dbz: 25.0,
            heavy_dbz: 45.0,
        }
    }
}

impl LeastSquaresKdp {
    /// A fixed window of `window_m` metres.
    pub fn fixed(window_m: f32) -> LeastSquaresKdp {
        LeastSquaresKdp {
            light_window_m: window_m,
            heavy_window_m: window_m,
            ..LeastSquaresKdp::default()
        }
    }

    /// KDP in ° km⁻¹ `(n_rays, n_gates)` from smoothed ΦDP (degrees, `NaN` outside weather): at each weather gate,
    /// half the slope of the least-squares line through the weather gates of the window centred on it (at least
    /// 3 of them and a quarter of the window, else `NaN`).
    ///
    /// # Errors
    /// [`Error::Parameter`] for non-positive windows or `heavy_dbz < light_dbz`.
    pub fn kdp(
        &self,
        phidp_deg: ArrayView2<f32>,
        dbzh: Option<ArrayView2<f32>>,
        gate_spacing_m: f32,
    ) -> Result<Array2<f32>> {
        let windows_ok = self.light_window_m > 0.0
            && self.heavy_window_m > 0.0
            && self.light_window_m.is_finite()
            && self.heavy_window_m.is_finite()
            && self.heavy_dbz >= self.light_dbz;
        if !windows_ok {
            return Err(Error::parameter(
                "least-squares KDP windows",
                format!("{self:?}"),
                "windows must be positive and heavy_dbz ≥ light_dbz",
            ));
        }
        let mut out = Array2::from_elem(phidp_deg.dim(), f32::NAN);
        match dbzh {
            Some(z) => Zip::from(phidp_deg.rows())
                .and(z.rows())
                .and(out.rows_mut())
                .par_for_each(|p, z, o| self.ray(p, Some(z), gate_spacing_m, o)),
            None => Zip::from(phidp_deg.rows())
                .and(out.rows_mut())
                .par_for_each(|p, o| self.ray(p, None, gate_spacing_m, o)),
        }
        Ok(out)
    }

    /// Half-window in gates for a reflectivity.
    fn half_window(&self, dbz: f32, gate_spacing_m: f32) -> usize {
        let t = if self.heavy_dbz > self.light_dbz && dbz.is_finite() {
            ((dbz - self.light_dbz) / (self.heavy_dbz - self.light_dbz)).clamp(0.0, 1.0)
        } else if dbz >= self.heavy_dbz {
            1.0
        } else {
            0.0
        };
        let window_m = self.light_window_m + t * (self.heavy_window_m - self.light_window_m);
        ((window_m / gate_spacing_m / 2.0).round() as usize).max(1)
    }

    fn ray(
        &self,
        phidp: ArrayView1<f32>,
        dbzh: Option<ArrayView1<f32>>,
        gate_spacing_m: f32,
        mut out: ArrayViewMut1<f32>,
    ) {
        let n = phidp.len();
        // prefix sums of count, x, y, x·y, x² over weather gates (x = gate index)
        let mut sums = vec![[0.0f64; 5]; n + 1];
        for g in 0..n {
            let mut s = sums[g];
            let y = phidp[g];
            if y.is_finite() {
                let (x, y) = (g as f64, f64::from(y));
                s[0] += 1.0;
                s[1] += x;
                s[2] += y;
                s[3] += x * y;
                s[4] += x * x;
            }
            sums[g + 1] = s;
        }
        let per_km = 1000.0 / f64::from(gate_spacing_m);
        for g in 0..n {
            if !phidp[g].is_finite() {
                continue;
            }
            let dbz = dbzh.map_or(f32::NAN, |z| z[g]);
            let half = self.half_window(dbz, gate_spacing_m);
            let lo = g.saturating_sub(half);
            let hi = (g + half).min(n - 1);
            let s: [f64; 5] = std::array::from_fn(|k| sums[hi + 1][k] - sums[lo][k]);
            let count = s[0];
            if count < 3.0 || count < (2 * half + 1) as f64 / 4.0 {
                continue;
            }
            let denominator = count * s[4] - s[1] * s[1];
            if denominator <= 0.0 {
                continue;
            }
            let slope = (count * s[3] - s[1] * s[2]) / denominator; // degrees per gate
            out[g] = (0.5 * slope * per_km) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_phase_gives_half_its_slope() {
        // 3° per km two-way at 250 m gates: 0.75° per gate → KDP 1.5 °/km
        let phidp = Array2::from_shape_fn((2, 100), |(_, g)| 0.75 * g as f32);
        let kdp = LeastSquaresKdp::default()
            .kdp(phidp.view(), None, 250.0)
            .unwrap();
        assert!((kdp[[0, 50]] - 1.5).abs() < 1e-4);
        assert!((kdp[[1, 0]] - 1.5).abs() < 1e-4);
    }

    #[test]
    fn window_shrinks_with_reflectivity() {
        let m = LeastSquaresKdp::default();
        assert_eq!(m.half_window(10.0, 100.0), 30);
        assert_eq!(m.half_window(50.0, 100.0), 10);
        assert_eq!(m.half_window(35.0, 100.0), 20);
    }
}
