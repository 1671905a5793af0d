//! Autoregressive models AR(1) and AR(2) of the cascade levels, from lag-1 and lag-2 temporal correlations.
//!
//! Each level `x_k` evolves as `x(t) = φ1 x(t−1) + φ2 x(t−2) + φ0 ε(t)` with unit-variance noise `ε`. The
//! parameters follow from the Yule–Walker equations; the lag-2 correlation is first adjusted so that the
//! AR(2) process is stationary and its autocorrelation positive-definite (pysteps' `adjust_lag2_corrcoef2`):
//! `γ2 ← max(γ2, 2γ1γ2 − 1, (3γ1² − 2 + 2(1 − γ1²)^1.5)/γ1²)`. The noise weight is
//! `φ0 = sqrt(1 − Σ γ_i φ_i)` (0 if that is negative) so that a normalised level keeps unit variance.
//!
//! # References
//! Bowler, N. E., C. E. Pierce and A. W. Seed, 2006: STEPS: A probabilistic precipitation forecasting scheme
//! which merges an extrapolation nowcast with downscaled NWP. *Q. J. R. Meteorol. Soc.*, 132, 2127–2155,
//! doi:10.1256/qj.04.100 (section 3c, eqs. 9–11).
//! Pulkkinen, S., et al., 2019, *Geosci. Model Dev.*, 12, 4185–4219, doi:10.5194/gmd-12-4185-2019 (eq. 6).

use crate::error::{Error, Result};

/// Parameters of an AR(p) model of one level, p = 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArModel {
    /// `φ1, φ2` (φ2 = 0 for AR(1)).
    pub phi: [f32; 2],
    /// Weight of the unit-variance noise, `φ0`.
    pub noise_weight: f32,
    /// Order, 1 or 2.
    pub order: usize,
}

impl ArModel {
    /// Yule–Walker estimate from the correlations `γ = [γ1]` (AR(1)) or `[γ1, γ2]` (AR(2); adjust γ2 first
    /// with [`adjust_lag2`]).
    ///
    /// # Errors
    /// [`Error::Parameter`] for another order, correlations outside (−1, 1) or not finite, or a non-stationary
    /// model (a root of `1 − φ1 z − φ2 z²` on or inside the unit circle).
    ///
    /// # Examples
    /// ```
    /// use squall::nowcast::autoregression::ArModel;
    /// let ar = ArModel::from_correlations(&[0.9, 0.8])?;
    /// // φ1 = γ1 (1 − γ2) / (1 − γ1²), φ2 = (γ2 − γ1²) / (1 − γ1²)
    /// assert!((ar.phi[0] - 0.9 * 0.2 / 0.19).abs() < 1e-6);
    /// assert!((ar.phi[1] - (0.8 - 0.81) / 0.19).abs() < 1e-6);
    /// # Ok::<(), squall::Error>(())
    /// ```
    pub fn from_correlations(gamma: &[f64]) -> Result<Self> {
        if let Some(g) = gamma.iter().find(|g| !(g.is_finite() && g.abs() < 1.0)) {
            return Err(Error::parameter(
                "autocorrelation",
                g,
                "temporal correlations must be finite and within (-1, 1)",
            ));
        }
        let (phi1, phi2) = match gamma {
            [g1] => (*g1, 0.0),
            [g1, g2] => {
                let d = 1.0 - g1 * g1;
                (g1 * (1.0 - g2) / d, (g2 - g1 * g1) / d)
            }
            _ => {
                return Err(Error::parameter(
                    "ar_order",
                    gamma.len(),
                    "only AR(1) and AR(2) are supported",
                ));
            }
        };
        if !is_stationary(phi1, phi2) {
            return Err(Error::parameter(
                "AR parameters",
                format!("phi1 = {phi1:.4}, phi2 = {phi2:.4}"),
                "the AR model is not stationary",
            ));
        }
        let c = 1.0
            - gamma
                .iter()
                .zip([phi1, phi2])
                .map(|(g, p)| g * p)
                .sum::<f64>();
        Ok(ArModel {
            phi: [phi1 as f32, phi2 as f32],
            noise_weight: c.max(0.0).sqrt() as f32,
            order: gamma.len(),
        })
    }

    /// [`Self::from_correlations`] with fallbacks for degenerate input (nearly no rain, constant levels): a
    /// correlation that is not finite counts as 0, correlations are clipped to ±0.999, and a non-stationary
    /// AR(2) falls back to AR(1) with `φ1 = γ1`.
    pub fn from_correlations_or_fallback(gamma: &[f64]) -> Result<Self> {
        let clipped: Vec<f64> = gamma
            .iter()
            .map(|&g| {
                if g.is_finite() {
                    g.clamp(-0.999, 0.999)
                } else {
                    0.0
                }
            })
            .collect();
        let adjusted = match clipped.as_slice() {
            [g1, g2] => vec![*g1, adjust_lag2(*g1, *g2).clamp(-0.999, 0.999)],
            other => other.to_vec(),
        };
        ArModel::from_correlations(&adjusted)
            .or_else(|_| ArModel::from_correlations(&adjusted[..1]))
    }

    /// One step in place: `newest ← φ1 x(t−1) + φ2 x(t−2) + φ0 noise`, where `older` holds x(t−2) on entry and
    /// receives the new value (the caller then swaps the roles of the two buffers). For AR(1) `older` is only
    /// overwritten.
    pub fn step_into(&self, previous: &[f32], older: &mut [f32], noise: Option<&[f32]>) {
        let [p1, p2] = self.phi;
        let p0 = self.noise_weight;
        match noise {
            Some(noise) => {
                for ((o, &x1), &e) in older.iter_mut().zip(previous).zip(noise) {
                    *o = p1 * x1 + p2 * *o + p0 * e;
                }
            }
            None => {
                for (o, &x1) in older.iter_mut().zip(previous) {
                    *o = p1 * x1 + p2 * *o;
                }
            }
        }
    }
}

/// The lag-2 correlation adjusted for a stationary, positive-definite AR(2) (pysteps' `adjust_lag2_corrcoef2`).
pub fn adjust_lag2(gamma1: f64, gamma2: f64) -> f64 {
    let g = gamma2.max(2.0 * gamma1 * gamma2 - 1.0);
    let g1sq = gamma1 * gamma1;
    if g1sq == 0.0 {
        return g;
    }
    g.max((3.0 * g1sq - 2.0 + 2.0 * (1.0 - g1sq).powf(1.5)) / g1sq)
}

/// Whether AR(2) with `φ1, φ2` is stationary (the triangle `|φ2| < 1, φ1 + φ2 < 1, φ2 − φ1 < 1`).
pub fn is_stationary(phi1: f64, phi2: f64) -> bool {
    phi2.abs() < 1.0 && phi1 + phi2 < 1.0 && phi2 - phi1 < 1.0
}

/// Pearson correlation of two equally long series, in f64; NaN when either is constant.
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len()).max(1) as f64;
    let ma = a.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let mb = b.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x) - ma, f64::from(y) - mb);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    sab / (saa * sbb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn recovers_a_simulated_ar2() {
        let (phi1, phi2) = (1.2f64, -0.35f64);
        let sigma = 1.0;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let mut x = vec![0.0f64; n];
        for t in 2..n {
            let e: f64 = StandardNormal.sample(&mut rng);
            x[t] = phi1 * x[t - 1] + phi2 * x[t - 2] + sigma * e;
        }
        let x: Vec<f32> = x[1000..].iter().map(|&v| v as f32).collect();
        let g1 = correlation(&x[1..], &x[..x.len() - 1]);
        let g2 = correlation(&x[2..], &x[..x.len() - 2]);
        let ar = ArModel::from_correlations(&[g1, adjust_lag2(g1, g2)]).unwrap();
        assert!((f64::from(ar.phi[0]) - phi1).abs() < 0.01, "{:?}", ar);
        assert!((f64::from(ar.phi[1]) - phi2).abs() < 0.01, "{:?}", ar);
        // Unit-variance process: φ0² = 1 − γ1φ1 − γ2φ2 equals σ²/var(x).
        let var = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / x.len() as f64;
        assert!((f64::from(ar.noise_weight).powi(2) - sigma / var).abs() < 0.01);
    }

    #[test]
    fn ar1_and_lag2_adjustment() {
        let ar = ArModel::from_correlations(&[0.5]).unwrap();
        assert_eq!(ar.phi, [0.5, 0.0]);
        assert!((ar.noise_weight - 0.75f32.sqrt()).abs() < 1e-7);
        // γ2 too small for γ1 = 0.95 is raised to the positive-definite bound.
        let g2 = adjust_lag2(0.95, 0.0);
        let bound = (3.0 * 0.9025 - 2.0 + 2.0 * (1.0f64 - 0.9025).powf(1.5)) / 0.9025;
        assert!((g2 - bound).abs() < 1e-12);
        assert!(ArModel::from_correlations(&[0.95, g2]).is_ok());
        assert_eq!(adjust_lag2(0.5, 0.3), 0.3);
    }

    #[test]
    fn non_stationary_is_an_error_with_a_fallback() {
        // γ1 = 0.9, γ2 = −0.5 gives φ2 < −1.
        let err = ArModel::from_correlations(&[0.9, -0.5]).unwrap_err();
        assert!(err.to_string().contains("not stationary"), "{err}");
        let ar = ArModel::from_correlations_or_fallback(&[0.9, -0.5]).unwrap();
        assert!(is_stationary(f64::from(ar.phi[0]), f64::from(ar.phi[1])));
        assert!(ArModel::from_correlations(&[1.0]).is_err());
        assert!(ArModel::from_correlations(&[f64::NAN, 0.2]).is_err());
        let ar = ArModel::from_correlations_or_fallback(&[f64::NAN, f64::NAN]).unwrap();
        assert_eq!(ar.phi, [0.0, 0.0]);
        assert_eq!(ar.noise_weight, 1.0);
        assert!(ArModel::from_correlations(&[0.1, 0.1, 0.1]).is_err());
    }

    #[test]
    fn step_matches_the_recursion() {
        let ar = ArModel::from_correlations(&[0.9, 0.8]).unwrap();
        let prev = [1.0f32, 2.0];
        let mut older = [0.5f32, -1.0];
        ar.step_into(&prev, &mut older, Some(&[1.0, 0.0]));
        assert!((older[0] - (ar.phi[0] + ar.phi[1] * 0.5 + ar.noise_weight)).abs() < 1e-6);
        assert!((older[1] - (2.0 * ar.phi[0] - ar.phi[1])).abs() < 1e-6);
    }
}
