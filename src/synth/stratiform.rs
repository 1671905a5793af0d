//! The stratiform background: a spatially correlated 15–30 dBZ field over a region, carried by the flow.
//!
//! The field is built from Gaussian blobs whose centres are Lagrangian particles (advected like the cells), so the
//! background is transported, and deformed, by any [`MotionField`](crate::synth::MotionField):
//! - texture blobs with random signed amplitudes and log-uniform scales give a correlated field `F` (a sum of
//!   Gaussians of several scales, whose spectrum falls off with wavenumber);
//! - envelope blobs spread uniformly over an ellipse give a smooth coverage `E ∈ [0, 1]` that falls to 0 outside
//!   it.
//!
//! The reflectivity factor is `Z = E·10^{(m + h·tanh(F/σ_F))/10}` with `m ± h` the configured dBZ range and `σ_F`
//! the expected standard deviation of `F`, so inside the region the field stays within the range and it fades out
//! (in dBZ) towards the edge.

use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

use super::cells::smoothstep;
use crate::geo::GridSpec;

/// Where and how strong the stratiform background is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StratiformConfig {
    /// Projection x of the centre of the region at the scene start, m.
    pub centre_x_m: f64,
    /// Projection y of the centre of the region, m.
    pub centre_y_m: f64,
    /// Semi-major axis of the elliptical region, m.
    pub semi_major_m: f64,
    /// Semi-minor axis, m.
    pub semi_minor_m: f64,
    /// Direction of the major axis, radians counter-clockwise from +x.
    pub orientation_rad: f64,
    /// Lower end of the reflectivity range inside the region, dBZ.
    pub min_dbz: f64,
    /// Upper end of the reflectivity range, dBZ.
    pub max_dbz: f64,
    /// Number of texture blobs.
    pub n_blobs: usize,
    /// Smallest texture scale (Gaussian σ), m.
    pub min_scale_m: f64,
    /// Largest texture scale, m.
    pub max_scale_m: f64,
    /// Height of the top of the stratiform echo above the freezing level, m.
    pub depth_above_freezing_m: f64,
}

impl StratiformConfig {
    /// A 15–30 dBZ shield over part of a grid: centred 30 % of the half-width west and 10 % south of the grid
    /// centre, semi-axes 45 % and 25 % of the half-width, major axis 30° north of east; 400 blobs of σ 2–20 km.
    pub fn covering(spec: &GridSpec) -> StratiformConfig {
        let (xa, ya) = spec.xy(0, 0);
        let (xb, yb) = spec.xy(spec.ny.saturating_sub(1), spec.nx.saturating_sub(1));
        let (xc, yc) = (0.5 * (xa + xb), 0.5 * (ya + yb));
        let half = 0.5 * (xb - xa).abs().max((yb - ya).abs()).max(spec.dx.abs());
        StratiformConfig {
            centre_x_m: xc - 0.3 * half,
            centre_y_m: yc - 0.1 * half,
            semi_major_m: 0.45 * half,
            semi_minor_m: 0.25 * half,
            orientation_rad: 30f64.to_radians(),
            min_dbz: 15.0,
            max_dbz: 30.0,
            n_blobs: 400,
            min_scale_m: 2_000.0,
            max_scale_m: 20_000.0,
            depth_above_freezing_m: 3_000.0,
        }
    }
}

/// One Gaussian blob: `amplitude·exp(−d²/(2σ²))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Blob {
    pub sigma_m: f64,
    pub amplitude: f64,
}

/// The random (but fixed) part of the background; the positions live in the simulation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StratiformField {
    config: StratiformConfig,
    /// Texture blobs, then envelope blobs.
    blobs: Vec<Blob>,
    n_texture: usize,
    /// Initial positions of all blobs, m.
    pub initial: Vec<(f64, f64)>,
    /// Expected standard deviation of the texture sum.
    sigma_f: f64,
    /// Expected envelope sum deep inside the region.
    envelope_reference: f64,
}

/// Number of envelope blobs.
const N_ENVELOPE: usize = 48;

impl StratiformField {
    /// Draws the blobs from a random stream.
    pub fn new(config: &StratiformConfig, rng: &mut ChaCha8Rng) -> StratiformField {
        let (a, b) = (config.semi_major_m.abs(), config.semi_minor_m.abs());
        let (s_min, s_max) = (
            config.min_scale_m.abs().max(1.0),
            config
                .max_scale_m
                .abs()
                .max(config.min_scale_m.abs().max(1.0)),
        );
        let mut blobs = Vec::with_capacity(config.n_blobs + N_ENVELOPE);
        let mut initial = Vec::with_capacity(config.n_blobs + N_ENVELOPE);
        // Texture: spread over the ellipse grown by 2 σ_max so that the region's edge is textured too.
        let (ta, tb) = (a + 2.0 * s_max, b + 2.0 * s_max);
        let mut sum_area = 0.0;
        for _ in 0..config.n_blobs {
            initial.push(point_in_ellipse(rng, config, ta, tb));
            let sigma_m = s_min * (s_max / s_min).powf(rng.random::<f64>());
            let amplitude: f64 = rng.sample(StandardNormal);
            sum_area += std::f64::consts::PI * sigma_m * sigma_m;
            blobs.push(Blob { sigma_m, amplitude });
        }
        let texture_area = std::f64::consts::PI * ta * tb;
        // Var F = λ·E[a²]·E[π σ²] for Poisson centres of density λ.
        let sigma_f = (sum_area / texture_area).sqrt().max(1e-12);
        let envelope_sigma = 0.3 * b.max(1.0);
        for _ in 0..N_ENVELOPE {
            initial.push(point_in_ellipse(rng, config, a, b));
            blobs.push(Blob {
                sigma_m: envelope_sigma,
                amplitude: 1.0,
            });
        }
        let density = N_ENVELOPE as f64 / (std::f64::consts::PI * a.max(1.0) * b.max(1.0));
        let envelope_reference = density * 2.0 * std::f64::consts::PI * envelope_sigma.powi(2);
        StratiformField {
            config: config.clone(),
            blobs,
            n_texture: config.n_blobs,
            initial,
            sigma_f,
            envelope_reference,
        }
    }

    /// Height of the echo top above the freezing level, m.
    pub fn depth_above_freezing_m(&self) -> f64 {
        self.config.depth_above_freezing_m
    }

    /// The reflectivity factor (mm⁶ m⁻³) of the background on a grid, given the current blob positions,
    /// `(ny, nx)`.
    pub fn render(&self, positions: &[(f64, f64)], spec: &GridSpec) -> Array2<f32> {
        let mut texture = Array2::<f64>::zeros((spec.ny, spec.nx));
        let mut envelope = Array2::<f64>::zeros((spec.ny, spec.nx));
        for (k, (blob, &(bx, by))) in self.blobs.iter().zip(positions).enumerate() {
            let target = if k < self.n_texture {
                &mut texture
            } else {
                &mut envelope
            };
            splat(target, spec, bx, by, blob);
        }
        let mid = 0.5 * (self.config.min_dbz + self.config.max_dbz);
        let half = 0.5 * (self.config.max_dbz - self.config.min_dbz);
        let mut out = Array2::<f32>::zeros((spec.ny, spec.nx));
        ndarray::Zip::from(&mut out)
            .and(&texture)
            .and(&envelope)
            .for_each(|o, &f, &e| {
                let coverage = smoothstep((e / self.envelope_reference - 0.15) / 0.5);
                if coverage > 0.0 {
                    let dbz = mid + half * (f / self.sigma_f).tanh();
                    *o = (coverage * 10f64.powf(0.1 * dbz)) as f32;
                }
            });
        out
    }
}

/// Adds a separable Gaussian blob centred at `(bx, by)` to a grid, within ±3 σ.
fn splat(target: &mut Array2<f64>, spec: &GridSpec, bx: f64, by: f64, blob: &Blob) {
    let reach = 3.0 * blob.sigma_m;
    let Some(cols) = index_range(bx - reach, bx + reach, spec.x0, spec.dx, spec.nx) else {
        return;
    };
    let Some(rows) = index_range(by - reach, by + reach, spec.y0, spec.dy, spec.ny) else {
        return;
    };
    let inv = -0.5 / (blob.sigma_m * blob.sigma_m);
    let ex: Vec<f64> = cols
        .clone()
        .map(|c| {
            let d = spec.x0 + c as f64 * spec.dx - bx;
            (inv * d * d).exp()
        })
        .collect();
    for r in rows {
        let d = spec.y0 + r as f64 * spec.dy - by;
        let ey = blob.amplitude * (inv * d * d).exp();
        let mut row = target.row_mut(r);
        for (c, e) in cols.clone().zip(&ex) {
            row[c] += ey * e;
        }
    }
}

/// The index range `[lo, hi]` of grid points whose coordinate `origin + i·step` lies within `[a, b]`.
pub(crate) fn index_range(
    a: f64,
    b: f64,
    origin: f64,
    step: f64,
    n: usize,
) -> Option<std::ops::Range<usize>> {
    let (i, j) = ((a - origin) / step, (b - origin) / step);
    let (lo, hi) = (i.min(j).ceil(), i.max(j).floor());
    if n == 0 || hi < 0.0 || lo > (n - 1) as f64 || !lo.is_finite() || !hi.is_finite() {
        return None;
    }
    let lo = lo.max(0.0) as usize;
    let hi = (hi as usize).min(n - 1);
    (lo <= hi).then_some(lo..hi + 1)
}

/// A point uniformly distributed in the configured ellipse with semi-axes `(a, b)`.
fn point_in_ellipse(rng: &mut ChaCha8Rng, config: &StratiformConfig, a: f64, b: f64) -> (f64, f64) {
    let (u, v) = loop {
        let u = 2.0 * rng.random::<f64>() - 1.0;
        let v = 2.0 * rng.random::<f64>() - 1.0;
        if u * u + v * v <= 1.0 {
            break (u, v);
        }
    };
    let (s, c) = config.orientation_rad.sin_cos();
    let (p, q) = (u * a, v * b);
    (
        config.centre_x_m + p * c - q * s,
        config.centre_y_m + p * s + q * c,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn background_is_in_range_inside_and_absent_far_outside() {
        let spec = GridSpec::centred_on(23.0, 113.0, 200, 1000.0).unwrap();
        let config = StratiformConfig::covering(&spec);
        let field = StratiformField::new(&config, &mut ChaCha8Rng::seed_from_u64(3));
        let z = field.render(&field.initial, &spec);
        let (row, col) = spec.index_of(config.centre_x_m, config.centre_y_m);
        let centre = z[[row.round() as usize, col.round() as usize]];
        let dbz = 10.0 * f64::from(centre).log10();
        assert!((15.0..=30.0).contains(&dbz), "{dbz}");
        // The north-east corner is far from the shield.
        assert_eq!(z[[199, 199]], 0.0);
        let max = z.iter().fold(0.0f32, |m, &v| m.max(v));
        assert!(10.0 * f64::from(max).log10() <= 30.0 + 1e-6);
        // Correlated: neighbouring pixels differ much less than the range.
        let (r, c) = (row.round() as usize, col.round() as usize);
        let step = (10.0 * f64::from(z[[r, c + 1]]).log10() - dbz).abs();
        assert!(step < 3.0, "{step}");
    }

    #[test]
    fn index_range_handles_both_row_directions() {
        assert_eq!(index_range(1.5, 4.2, 0.0, 1.0, 10), Some(2..5));
        assert_eq!(index_range(1.5, 4.2, 9.0, -1.0, 10), Some(5..8));
        assert_eq!(index_range(-5.0, -1.0, 0.0, 1.0, 10), None);
        assert_eq!(index_range(3.0, 30.0, 0.0, 1.0, 10), Some(3..10));
    }
}
