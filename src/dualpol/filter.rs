//! Echo filter: which gates hold weather, from ρhv, SNR, the texture of ΦDP and Z, and despeckling.
//!
//! Non-meteorological echoes (clutter, insects, noise, second trip) have a low co-polar correlation, a noisy
//! differential phase and a rough reflectivity field; isolated speckles left over are removed by size.

use ndarray::{Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Thresholds of the echo filter. Defaults follow the usual operational values (`docs/algorithms.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EchoFilterConfig {
    /// Minimum ρhv of weather (unitless); 0.8 by default.
    pub min_rhohv: f32,
    /// Minimum signal-to-noise ratio, dB, applied when an SNR moment is present; 3 dB by default.
    pub min_snr_db: f32,
    /// Maximum texture of ΦDP, degrees (see [`texture`]); 20° by default.
    pub max_phidp_texture_deg: f32,
    /// Maximum texture of reflectivity, dB; 15 dB by default (clutter is rougher than rain).
    pub max_dbzh_texture_db: f32,
    /// Length of the texture window along the ray, gates (odd); 7 by default.
    pub texture_gates: usize,
    /// Connected regions of weather smaller than this many gates are removed; 10 by default.
    pub min_region_gates: usize,
}

impl Default for EchoFilterConfig {
    fn default() -> Self {
        EchoFilterConfig {
            min_rhohv: 0.8,
            min_snr_db: 3.0,
            max_phidp_texture_deg: 20.0,
            max_dbzh_texture_db: 15.0,
            texture_gates: 7,
            min_region_gates: 10,
        }
    }
}

/// The moments the echo filter reads, all `(n_rays, n_gates)`; `NaN` marks a gate without a value.
#[derive(Debug, Clone, Copy)]
pub struct FilterInputs<'a> {
    /// Reflectivity, dBZ (required: a gate without reflectivity is never weather).
    pub dbzh: ArrayView2<'a, f32>,
    /// Co-polar correlation coefficient; when given, a gate without ρhv is not weather.
    pub rhohv: Option<ArrayView2<'a, f32>>,
    /// Signal-to-noise ratio, dB.
    pub snr_db: Option<ArrayView2<'a, f32>>,
    /// Differential phase, degrees (wrapped or not).
    pub phidp_deg: Option<ArrayView2<'a, f32>>,
}

/// The weather mask of a sweep: `true` where a gate holds a meteorological echo.
///
/// A gate is weather when its reflectivity is finite, ρhv ≥ `min_rhohv` (if ρhv is given), SNR ≥ `min_snr_db`
/// (if given), the ΦDP texture ≤ `max_phidp_texture_deg` and the reflectivity texture ≤ `max_dbzh_texture_db`
/// (where a texture can be computed), and its connected region (4-neighbours, rays wrapping round when
/// `wrap_rays`) holds at least `min_region_gates` gates. The inputs are not modified.
///
/// # Shape
/// Every input `(n_rays, n_gates)` → mask `(n_rays, n_gates)`.
///
/// # Errors
/// [`Error::Shape`] if the inputs differ in shape; [`Error::Parameter`] for an even or zero texture window.
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::dualpol::filter::{echo_mask, EchoFilterConfig, FilterInputs};
/// let dbzh = Array2::from_elem((4, 30), 30.0f32);
/// let mut rhohv = Array2::from_elem((4, 30), 0.99f32);
/// rhohv[[1, 5]] = 0.5; // clutter
/// let inputs = FilterInputs { dbzh: dbzh.view(), rhohv: Some(rhohv.view()), snr_db: None, phidp_deg: None };
/// let mask = echo_mask(&inputs, &EchoFilterConfig::default(), true)?;
/// assert!(mask[[0, 0]] && !mask[[1, 5]]);
/// # Ok::<(), squall::Error>(())
/// ```
///
/// # References
/// Gourley, J. J., Tabary, P. and Parent du Châtelet, J., 2007: A fuzzy logic algorithm for the separation of
/// precipitating from nonprecipitating echoes using polarimetric radar observations. *J. Atmos. Oceanic Technol.*,
/// **24**, 1439–1451, doi:10.1175/JTECH2035.1 (texture of ΦDP and Z, ρhv of weather).
pub fn echo_mask(
    inputs: &FilterInputs<'_>,
    config: &EchoFilterConfig,
    wrap_rays: bool,
) -> Result<Array2<bool>> {
    let dim = inputs.dbzh.dim();
    for (name, view) in [
        ("RHOHV", inputs.rhohv),
        ("SNR", inputs.snr_db),
        ("PHIDP", inputs.phidp_deg),
    ] {
        if let Some(v) = view {
            check_shape(name, dim, v.dim())?;
        }
    }
    let dbzh_texture = texture(inputs.dbzh, config.texture_gates, None)?;
    let phidp_texture = inputs
        .phidp_deg
        .map(|p| texture(p, config.texture_gates, Some(360.0)))
        .transpose()?;
    let mut mask = Array2::from_elem(dim, false);
    Zip::indexed(&mut mask).for_each(|(r, g), m| {
        let ok_above =
            |v: Option<ArrayView2<'_, f32>>, min: f32| v.is_none_or(|v| v[[r, g]] >= min);
        let ok_texture = |t: Option<&Array2<f32>>, max: f32| {
            // NaN (too few neighbours to tell): no evidence against weather
            t.is_none_or(|t| t[[r, g]].is_nan() || t[[r, g]] <= max)
        };
        *m = inputs.dbzh[[r, g]].is_finite()
            && ok_above(inputs.rhohv, config.min_rhohv)
            && ok_above(inputs.snr_db, config.min_snr_db)
            && ok_texture(phidp_texture.as_ref(), config.max_phidp_texture_deg)
            && ok_texture(Some(&dbzh_texture), config.max_dbzh_texture_db);
    });
    Ok(despeckle(mask.view(), config.min_region_gates, wrap_rays))
}

/// Texture along the ray: the root-mean-square difference between adjacent valid gates in a window of `window`
/// gates centred on each gate (Gourley et al. 2007). With `period` (e.g. 360° for ΦDP) differences are wrapped
/// into \[−period/2, period/2). `NaN` where fewer than two differences fall in the window.
///
/// # Shape
/// `(n_rays, n_gates)` → `(n_rays, n_gates)`, in the units of `values`.
///
/// # Errors
/// [`Error::Parameter`] if `window` is even or below 3.
pub fn texture(values: ArrayView2<f32>, window: usize, period: Option<f32>) -> Result<Array2<f32>> {
    if window < 3 || window % 2 == 0 {
        return Err(Error::parameter(
            "texture_gates",
            window,
            "the texture window must be an odd number of gates ≥ 3",
        ));
    }
    let (n_rays, n_gates) = values.dim();
    let half = window / 2;
    let mut out = Array2::from_elem((n_rays, n_gates), f32::NAN);
    let mut sq = vec![0.0f64; n_gates + 1];
    let mut count = vec![0u32; n_gates + 1];
    for (ray, mut out_ray) in values.rows().into_iter().zip(out.rows_mut()) {
        // prefix sums over the difference between gate g and g + 1, stored at index g + 1
        for g in 0..n_gates {
            let (mut s, mut c) = (sq[g], count[g]);
            if g + 1 < n_gates {
                let (a, b) = (ray[g], ray[g + 1]);
                if a.is_finite() && b.is_finite() {
                    let mut d = b - a;
                    if let Some(p) = period {
                        d = (d + 0.5 * p).rem_euclid(p) - 0.5 * p;
                    }
                    s += f64::from(d) * f64::from(d);
                    c += 1;
                }
            }
            sq[g + 1] = s;
            count[g + 1] = c;
        }
        for g in 0..n_gates {
            let lo = g.saturating_sub(half);
            let hi = (g + half).min(n_gates - 1); // differences lo..hi-1
            let (s, c) = (sq[hi] - sq[lo], count[hi] - count[lo]);
            if c >= 2 {
                out_ray[g] = (s / f64::from(c)).sqrt() as f32;
            }
        }
    }
    Ok(out)
}

/// Removes connected regions of `true` gates smaller than `min_gates` (4-neighbourhood in ray × gate; the first and
/// last rays are neighbours when `wrap_rays`, as in a full PPI). Returns a new mask.
///
/// ```
/// use ndarray::Array2;
/// use squall::dualpol::filter::despeckle;
/// let mut mask = Array2::from_elem((3, 20), false);
/// for g in 0..12 { mask[[0, g]] = true; }
/// mask[[2, 15]] = true; // a lone speckle
/// let cleaned = despeckle(mask.view(), 10, false);
/// assert!(cleaned[[0, 5]] && !cleaned[[2, 15]]);
/// ```
pub fn despeckle(mask: ArrayView2<bool>, min_gates: usize, wrap_rays: bool) -> Array2<bool> {
    let (n_rays, n_gates) = mask.dim();
    let mut out = mask.to_owned();
    if min_gates <= 1 {
        return out;
    }
    let mut seen = Array2::from_elem((n_rays, n_gates), false);
    let mut stack = Vec::new();
    let mut region = Vec::new();
    for r0 in 0..n_rays {
        for g0 in 0..n_gates {
            if !mask[[r0, g0]] || seen[[r0, g0]] {
                continue;
            }
            region.clear();
            stack.push((r0, g0));
            seen[[r0, g0]] = true;
            while let Some((r, g)) = stack.pop() {
                region.push((r, g));
                let up = if r + 1 < n_rays {
                    Some(r + 1)
                } else {
                    (wrap_rays && n_rays > 2).then_some(0)
                };
                let down = if r > 0 {
                    Some(r - 1)
                } else {
                    (wrap_rays && n_rays > 2).then(|| n_rays - 1)
                };
                let neighbours = [
                    up.map(|r| (r, g)),
                    down.map(|r| (r, g)),
                    (g + 1 < n_gates).then_some((r, g + 1)),
                    (g > 0).then(|| (r, g - 1)),
                ];
                for (nr, ng) in neighbours.into_iter().flatten() {
                    if mask[[nr, ng]] && !seen[[nr, ng]] {
                        seen[[nr, ng]] = true;
                        stack.push((nr, ng));
                    }
                }
            }
            if region.len() < min_gates {
                for &(r, g) in &region {
                    out[[r, g]] = false;
                }
            }
        }
    }
    out
}

pub(crate) fn check_shape(
    name: &str,
    expected: (usize, usize),
    found: (usize, usize),
) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::Shape {
            what: name.to_owned(),
            expected: format!("{expected:?}"),
            found: format!("{found:?}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texture_of_noise_is_large_and_of_smooth_field_small() {
        let smooth = Array2::from_shape_fn((1, 50), |(_, g)| g as f32 * 0.5);
        let t = texture(smooth.view(), 7, None).unwrap();
        assert!((t[[0, 25]] - 0.5).abs() < 1e-6);
        // wrapped phase: 359 → 1 is a 2° step
        let wrapped = Array2::from_shape_fn((1, 10), |(_, g)| if g % 2 == 0 { 359.0 } else { 1.0 });
        let t = texture(wrapped.view(), 5, Some(360.0)).unwrap();
        assert!((t[[0, 5]] - 2.0).abs() < 1e-4, "{}", t[[0, 5]]);
        assert!(texture(smooth.view(), 4, None).is_err());
    }

    #[test]
    fn despeckle_wraps_rays() {
        let mut mask = Array2::from_elem((10, 4), false);
        for g in 0..3 {
            mask[[0, g]] = true;
            mask[[9, g]] = true;
        }
        assert!(despeckle(mask.view(), 6, true)[[0, 0]]);
        assert!(!despeckle(mask.view(), 6, false)[[0, 0]]);
    }
}
