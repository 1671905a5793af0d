//! Probability grids and ensemble statistics of a nowcast.
//!
//! - [`exceedance_probability`](crate::nowcast::probability::exceedance_probability): P(x ≥ thr) per pixel and lead time, the fraction of members at or above each
//!   threshold (members with no data left out).
//! - [`ensemble_mean`](crate::nowcast::probability::ensemble_mean) and [`ensemble_quantiles`](crate::nowcast::probability::ensemble_quantiles) over the members.
//! - [`lagrangian_probability`](crate::nowcast::probability::lagrangian_probability): a probability from one deterministic extrapolation — the fraction of valid
//!   pixels ≥ thr within a disc whose diameter grows by `slope` pixels per step (Germann and Zawadzki 2004;
//!   pysteps' `lagrangian_probability`, slope 5).
//! - [`neighbourhood_probability`](crate::nowcast::probability::neighbourhood_probability): the neighbourhood
//!   ensemble probability (Theis et al. 2005; Schwartz et al. 2010), the mean of P(x ≥ thr) over a disc around
//!   each pixel, i.e. the fraction of (member, neighbour) pairs at or above the threshold: a forecast whose
//!   cores are right in kind but not in place (the rule at small scales and long leads) is credited nearby.
//! - [`coverage_matched_probability`](crate::nowcast::probability::coverage_matched_probability): the decision
//!   threshold p* whose forecast event fraction {P ≥ p*} matches the event fraction observed at the start time
//!   (frequency bias 1 under persistence of coverage; the percentile thresholds of Roberts and Lean 2008 and
//!   Zhu et al. 2015): a yes/no rule that needs no calibration on other events.
//!
//! # References
//! Germann, U. and I. Zawadzki, 2004: Scale dependence of the predictability of precipitation from continental
//! radar images. Part II: Probability forecasts. *J. Appl. Meteor.*, 43, 74–89,
//! doi:10.1175/1520-0450(2004)043<0074:SDOTPO>2.0.CO;2.
//! Roberts, N. M. and H. W. Lean, 2008: Scale-selective verification of rainfall accumulations from
//! high-resolution forecasts of convective events. *Mon. Wea. Rev.*, 136, 78–97, doi:10.1175/2007MWR2123.1.
//! Schwartz, C. S., J. S. Kain, S. J. Weiss, et al., 2010: Toward improved convection-allowing ensembles: model
//! physics sensitivities and optimizing probabilistic guidance with small ensemble membership. *Wea.
//! Forecasting*, 25, 263–280, doi:10.1175/2009WAF2222267.1.
//! Theis, S. E., A. Hense and U. Damrath, 2005: Probabilistic precipitation forecasts from a deterministic
//! model: a pragmatic approach. *Meteorol. Appl.*, 12, 257–268, doi:10.1017/S1350482705001763.
//! Zhu, K., Y. Yang and M. Xue, 2015: Percentile-based neighborhood precipitation verification and its
//! application to a landfalling tropical storm case with radar data assimilation. *Adv. Atmos. Sci.*, 32,
//! 1449–1459, doi:10.1007/s00376-015-5023-9.

use ndarray::{Array3, Array4, ArrayView2, ArrayView3, ArrayView4, Axis, Zip};
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::nowcast::extrapolate::Extrapolator;

/// P(x ≥ threshold) `(thresholds, lead times, y, x)` from an ensemble `(members, lead times, y, x)`; NaN where
/// every member has no data.
///
/// # Errors
/// [`Error::Parameter`] if there are no members, no threshold or a threshold is NaN.
///
/// # Examples
/// ```
/// use ndarray::Array4;
/// use squall::nowcast::probability::exceedance_probability;
/// let ensemble = Array4::from_shape_vec((4, 1, 1, 1), vec![0.0f32, 2.0, 6.0, f32::NAN]).unwrap();
/// let p = exceedance_probability(ensemble.view(), &[1.0, 5.0])?;
/// assert!((p[[0, 0, 0, 0]] - 2.0 / 3.0).abs() < 1e-6);
/// assert!((p[[1, 0, 0, 0]] - 1.0 / 3.0).abs() < 1e-6);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn exceedance_probability(
    ensemble: ArrayView4<f32>,
    thresholds: &[f32],
) -> Result<Array4<f32>> {
    let (m, nt, ny, nx) = ensemble.dim();
    if m == 0 || thresholds.is_empty() || thresholds.iter().any(|t| t.is_nan()) {
        return Err(Error::parameter(
            "ensemble / thresholds",
            format!("{m} members, thresholds {thresholds:?}"),
            "at least one member and one non-NaN threshold are needed",
        ));
    }
    let mut out = Array4::<f32>::zeros((thresholds.len(), nt, ny, nx));
    for (k, &thr) in thresholds.iter().enumerate() {
        for t in 0..nt {
            let members = ensemble.index_axis(Axis(1), t);
            let mut p = out.index_axis_mut(Axis(0), k);
            let mut p = p.index_axis_mut(Axis(0), t);
            Zip::indexed(&mut p).par_for_each(|(r, c), p| {
                let (mut above, mut valid) = (0u32, 0u32);
                for j in 0..m {
                    let v = members[[j, r, c]];
                    if v.is_finite() {
                        valid += 1;
                        above += u32::from(v >= thr);
                    }
                }
                *p = if valid == 0 {
                    f32::NAN
                } else {
                    above as f32 / valid as f32
                };
            });
        }
    }
    Ok(out)
}

/// Mean over the members with data `(lead times, y, x)`; NaN where none has data.
pub fn ensemble_mean(ensemble: ArrayView4<f32>) -> Array3<f32> {
    let (m, nt, ny, nx) = ensemble.dim();
    let mut out = Array3::<f32>::zeros((nt, ny, nx));
    Zip::indexed(&mut out).par_for_each(|(t, r, c), o| {
        let (mut sum, mut n) = (0.0f64, 0u32);
        for j in 0..m {
            let v = ensemble[[j, t, r, c]];
            if v.is_finite() {
                sum += f64::from(v);
                n += 1;
            }
        }
        *o = if n == 0 {
            f32::NAN
        } else {
            (sum / f64::from(n)) as f32
        };
    });
    out
}

/// Quantiles `(quantiles, lead times, y, x)` over the members with data (linear interpolation between order
/// statistics, numpy's default); NaN where none has data.
///
/// # Errors
/// [`Error::Parameter`] if a quantile is outside [0, 1].
pub fn ensemble_quantiles(ensemble: ArrayView4<f32>, quantiles: &[f64]) -> Result<Array4<f32>> {
    if let Some(q) = quantiles.iter().find(|q| !(0.0..=1.0).contains(*q)) {
        return Err(Error::parameter("quantile", q, "must be within [0, 1]"));
    }
    let (m, nt, ny, nx) = ensemble.dim();
    let mut out = Array4::<f32>::zeros((quantiles.len(), nt, ny, nx));
    let values: Vec<Vec<f32>> = (0..nt * ny * nx)
        .into_par_iter()
        .map_init(Vec::new, |buf: &mut Vec<f32>, i| {
            let (t, r, c) = (i / (ny * nx), (i / nx) % ny, i % nx);
            buf.clear();
            buf.extend(
                (0..m)
                    .map(|j| ensemble[[j, t, r, c]])
                    .filter(|v| v.is_finite()),
            );
            buf.sort_unstable_by(f32::total_cmp);
            quantiles
                .iter()
                .map(|&q| {
                    if buf.is_empty() {
                        return f32::NAN;
                    }
                    let pos = q * (buf.len() - 1) as f64;
                    let lo = pos.floor() as usize;
                    let hi = (lo + 1).min(buf.len() - 1);
                    buf[lo] + (pos - lo as f64) as f32 * (buf[hi] - buf[lo])
                })
                .collect()
        })
        .collect();
    for (i, qs) in values.iter().enumerate() {
        let (t, r, c) = (i / (ny * nx), (i / nx) % ny, i % nx);
        for (k, &v) in qs.iter().enumerate() {
            out[[k, t, r, c]] = v;
        }
    }
    Ok(out)
}

/// Lagrangian probability `(lead times, y, x)` of `field ≥ threshold`: the field is extrapolated along
/// `velocity` (pixels per step) for steps `1..=n_lead_times`, and at step `t` the probability is the fraction
/// of valid pixels at or above the threshold within a disc of diameter `⌊slope · t⌋` pixels (radius half of
/// it; pysteps uses the same sizes). NaN where the extrapolation has no data.
///
/// # Errors
/// As [`Extrapolator::extrapolate`]; [`Error::Parameter`] if `slope` is negative or not finite.
pub fn lagrangian_probability(
    field: ArrayView2<f32>,
    velocity: ArrayView3<f32>,
    n_lead_times: usize,
    threshold: f32,
    slope: f64,
) -> Result<Array3<f32>> {
    if !(slope.is_finite() && slope >= 0.0) {
        return Err(Error::parameter(
            "slope",
            slope,
            "must be a non-negative number",
        ));
    }
    let lead_times: Vec<f64> = (1..=n_lead_times).map(|t| t as f64).collect();
    let moved = Extrapolator::default().extrapolate(field, velocity, &lead_times, None)?;
    let mut out = moved.fields;
    for (t, mut f) in out.outer_iter_mut().enumerate() {
        let size = ((t + 1) as f64 * slope) as usize;
        let radius = size / 2;
        let event = f.mapv(|v| {
            if v.is_finite() && v >= threshold {
                1.0f32
            } else {
                0.0
            }
        });
        let valid = f.mapv(|v| if v.is_finite() { 1.0f32 } else { 0.0 });
        let events = disc_sum(event.view(), radius);
        let valids = disc_sum(valid.view(), radius);
        Zip::from(&mut f)
            .and(&events)
            .and(&valids)
            .for_each(|o, &e, &v| {
                *o = if o.is_nan() || v == 0.0 {
                    f32::NAN
                } else {
                    (e / v).clamp(0.0, 1.0)
                };
            });
    }
    Ok(out)
}

/// Neighbourhood probability `(y, x)`: the mean of the probability field `p` (0–1) over the valid pixels of a
/// disc of `radius` pixels around each pixel (Theis et al. 2005; the neighbourhood ensemble probability of
/// Schwartz et al. 2010 when `p` is an ensemble's exceedance probability). NaN pixels of `p` stay NaN and are
/// left out of their neighbours' means; radius 0 returns `p`.
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::nowcast::probability::neighbourhood_probability;
/// let mut p = Array2::<f32>::zeros((11, 11));
/// p[[5, 5]] = 1.0;
/// let n = neighbourhood_probability(p.view(), 1);
/// // The disc of radius 1 holds 5 pixels.
/// assert!((n[[5, 5]] - 0.2).abs() < 1e-6 && (n[[5, 6]] - 0.2).abs() < 1e-6 && n[[6, 6]] == 0.0);
/// ```
pub fn neighbourhood_probability(p: ArrayView2<f32>, radius: usize) -> ndarray::Array2<f32> {
    if radius == 0 {
        return p.to_owned();
    }
    let valid = p.mapv(|v| f32::from(u8::from(v.is_finite())));
    let values = p.mapv(|v| if v.is_finite() { v } else { 0.0 });
    let sums = disc_sum(values.view(), radius);
    let counts = disc_sum(valid.view(), radius);
    let mut out = p.to_owned();
    Zip::from(&mut out)
        .and(&sums)
        .and(&counts)
        .for_each(|o, &s, &n| {
            if o.is_finite() && n > 0.0 {
                *o = (s / n).clamp(0.0, 1.0);
            }
        });
    out
}

/// The coverage-matched decision threshold p* for the exceedance probability `p` `(y, x)` (0–1) of the event
/// x ≥ `threshold`: the p* among the positive values of `p` whose forecast event fraction #{P ≥ p*} / #{P
/// finite} is nearest the event fraction #{`observed` ≥ `threshold`} / #{`observed` finite} of the field
/// `observed` `(y', x')` (same units as `threshold`, e.g. mm/h; NaN pixels of either field are left out of its
/// fraction, so the two fields may differ in shape and data mask); ties go to the larger p* (the smaller
/// area). With `observed` the analysis at the forecast's start time on the forecast's domain, the rule "event
/// where P ≥ p*" has frequency bias 1 under persistence of coverage and uses no data later than the start
/// time: the frequency-matched (percentile) thresholds of Roberts and Lean (2008) and Zhu et al. (2015),
/// applied to a probability field. With an `m`-member ensemble p* is a multiple of 1/m, so the match is only
/// as close as the levels allow.
///
/// Returns `None` — no event forecast anywhere — if no pixel of `observed` reaches `threshold` or no pixel of
/// `p` is positive.
///
/// # Errors
/// [`Error::Parameter`] if `threshold` is NaN or `observed` has no finite pixel.
///
/// # Examples
/// ```
/// use ndarray::array;
/// use squall::nowcast::probability::coverage_matched_probability;
/// let p = array![[1.0f32, 0.5], [0.25, 0.0]];
/// let observed = array![[12.0f32, 11.0], [f32::NAN, 0.0]]; // 2 of 3 valid pixels ≥ 10 → 8 / 3 of 4
/// assert_eq!(coverage_matched_probability(p.view(), observed.view(), 10.0)?, Some(0.25));
/// # Ok::<(), squall::Error>(())
/// ```
pub fn coverage_matched_probability(
    p: ArrayView2<f32>,
    observed: ArrayView2<f32>,
    threshold: f64,
) -> Result<Option<f32>> {
    if threshold.is_nan() {
        return Err(Error::parameter("threshold", threshold, "must not be NaN"));
    }
    let valid = observed.iter().filter(|v| v.is_finite()).count();
    if valid == 0 {
        return Err(Error::parameter(
            "observed",
            format!("{:?} all NaN", observed.dim()),
            "needs at least one pixel with data",
        ));
    }
    let events = observed
        .iter()
        .filter(|&&v| v.is_finite() && f64::from(v) >= threshold)
        .count();
    let forecast_valid = p.iter().filter(|v| v.is_finite()).count();
    let mut positive: Vec<f32> = p.iter().copied().filter(|&v| v > 0.0).collect();
    if events == 0 || positive.is_empty() {
        return Ok(None);
    }
    // The target area on the forecast's valid pixels.
    let target = events as f64 / valid as f64 * forecast_valid as f64;
    positive.sort_unstable_by(|a, b| b.total_cmp(a));
    // Walk the distinct values from the largest down: the area of P ≥ v is the index past the last v.
    let mut best: Option<(f64, f32)> = None;
    let mut i = 0;
    while i < positive.len() {
        let v = positive[i];
        while i < positive.len() && positive[i] == v {
            i += 1;
        }
        let miss = (i as f64 - target).abs();
        if best.is_none_or(|(m, _)| miss < m) {
            best = Some((miss, v));
        }
        if i as f64 >= target {
            break;
        }
    }
    Ok(best.map(|(_, v)| v))
}

/// Sum of `values` over a disc of `radius` pixels around every pixel (zero outside the grid), from row prefix
/// sums: O(pixels × (2 radius + 1)).
fn disc_sum(values: ArrayView2<f32>, radius: usize) -> ndarray::Array2<f32> {
    let (ny, nx) = values.dim();
    let mut prefix = ndarray::Array2::<f64>::zeros((ny, nx + 1));
    for r in 0..ny {
        for c in 0..nx {
            prefix[[r, c + 1]] = prefix[[r, c]] + f64::from(values[[r, c]]);
        }
    }
    let half_widths: Vec<usize> = (0..=radius)
        .map(|dy| (((radius * radius - dy * dy) as f64).sqrt()).floor() as usize)
        .collect();
    let mut out = ndarray::Array2::<f32>::zeros((ny, nx));
    out.axis_iter_mut(Axis(0))
        .into_par_iter()
        .enumerate()
        .for_each(|(r, mut row)| {
            for c in 0..nx {
                let mut sum = 0.0f64;
                let lo = r.saturating_sub(radius);
                let hi = (r + radius).min(ny - 1);
                for rr in lo..=hi {
                    let w = half_widths[rr.abs_diff(r)];
                    let (a, b) = (c.saturating_sub(w), (c + w + 1).min(nx));
                    sum += prefix[[rr, b]] - prefix[[rr, a]];
                }
                row[c] = sum as f32;
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn mean_and_quantiles() {
        let e = Array4::from_shape_vec(
            (5, 1, 1, 2),
            vec![1.0f32, 0.0, 2.0, 0.0, 3.0, f32::NAN, 4.0, 0.0, 5.0, 0.0],
        )
        .unwrap();
        let m = ensemble_mean(e.view());
        assert_eq!(m[[0, 0, 0]], 3.0);
        assert_eq!(m[[0, 0, 1]], 0.0);
        let q = ensemble_quantiles(e.view(), &[0.0, 0.5, 0.9]).unwrap();
        assert_eq!(q[[1, 0, 0, 0]], 3.0);
        assert!((q[[2, 0, 0, 0]] - 4.6).abs() < 1e-6);
        assert!(ensemble_quantiles(e.view(), &[1.5]).is_err());
    }

    #[test]
    fn neighbourhood_probability_averages_valid_pixels_only() {
        let mut p = Array2::<f32>::zeros((9, 9));
        p[[4, 4]] = 1.0;
        p[[4, 5]] = f32::NAN;
        let n = neighbourhood_probability(p.view(), 1);
        // Around (4, 4): 5 pixels in the disc, one without data → 1/4; the NaN pixel stays NaN.
        assert!((n[[4, 4]] - 0.25).abs() < 1e-6);
        assert!(n[[4, 5]].is_nan());
        // (3, 4) sees (4, 4) among its 5 valid neighbours.
        assert!((n[[3, 4]] - 0.2).abs() < 1e-6);
        // The mean over a constant field is the constant, also at the border.
        let c = Array2::<f32>::from_elem((6, 6), 0.3);
        assert!(
            neighbourhood_probability(c.view(), 2)
                .iter()
                .all(|&v| (v - 0.3).abs() < 1e-6)
        );
    }

    #[test]
    fn disc_sums_count_the_disc() {
        let ones = Array2::<f32>::ones((41, 41));
        let s = disc_sum(ones.view(), 5);
        let expected = (-5i32..=5)
            .flat_map(|dy| (-5i32..=5).map(move |dx| (dx, dy)))
            .filter(|(dx, dy)| dx * dx + dy * dy <= 25)
            .count();
        assert_eq!(s[[20, 20]] as usize, expected);
        assert!(s[[0, 0]] < s[[20, 20]]);
    }

    #[test]
    fn lagrangian_probability_spreads_with_lead_time() {
        let mut field = Array2::<f32>::zeros((64, 64));
        field[[32, 20]] = 10.0;
        let mut velocity = ndarray::Array3::<f32>::zeros((2, 64, 64));
        velocity.index_axis_mut(Axis(0), 0).fill(2.0);
        let p = lagrangian_probability(field.view(), velocity.view(), 3, 5.0, 5.0).unwrap();
        // Step 1: diameter 5, radius 2: 13 pixels → 1/13 around the advected cell (column 22).
        assert!((p[[0, 32, 22]] - 1.0 / 13.0).abs() < 1e-6);
        assert_eq!(p[[0, 32, 30]], 0.0);
        // Later steps: lower peak, wider support, centred on the advected position.
        assert!(p[[2, 32, 26]] < p[[0, 32, 22]] && p[[2, 32, 26]] > 0.0);
        assert!(p[[2, 32, 32]] > 0.0);
        assert!(lagrangian_probability(field.view(), velocity.view(), 3, 5.0, -1.0).is_err());
    }

    #[test]
    fn coverage_matched_probability_matches_the_observed_fraction() {
        // 10 × 10 field, P = row / 10 (rows 1..9 positive); 25 of 100 observed pixels ≥ 5 mm/h.
        let p = Array2::from_shape_fn((10, 10), |(r, _)| r as f32 / 10.0);
        let mut obs = Array2::<f32>::zeros((10, 10));
        obs.iter_mut().take(25).for_each(|v| *v = 6.0);
        // Areas: P ≥ 0.9 → 10, ≥ 0.8 → 20, ≥ 0.7 → 30: 20 and 30 are both 5 away → the larger p*, 0.8.
        let pstar = coverage_matched_probability(p.view(), obs.view(), 5.0).unwrap();
        assert_eq!(pstar, Some(0.8));
        // 28 observed → area 30 (P ≥ 0.7) is nearest.
        obs.iter_mut().take(28).for_each(|v| *v = 6.0);
        assert_eq!(
            coverage_matched_probability(p.view(), obs.view(), 5.0).unwrap(),
            Some(0.7)
        );
        // NaN pixels are left out of the fractions. Forecast row 9 without data: target 28 % of 90 = 25.2
        // pixels; P ≥ 0.8 covers 10, ≥ 0.7 covers 20 (5.2 off), ≥ 0.6 covers 30 (4.8 off) → 0.6.
        let mut p_nan = p.clone();
        p_nan.row_mut(9).fill(f32::NAN);
        assert_eq!(
            coverage_matched_probability(p_nan.view(), obs.view(), 5.0).unwrap(),
            Some(0.6)
        );
        // Observed rows 5–9 without data: 28 of 50 → 56 of 100 forecast pixels; P ≥ 0.5 covers 50 (6 off),
        // ≥ 0.4 covers 60 (4 off) → 0.4.
        let mut obs_nan = obs.clone();
        obs_nan.slice_mut(ndarray::s![5.., ..]).fill(f32::NAN);
        assert_eq!(
            coverage_matched_probability(p.view(), obs_nan.view(), 5.0).unwrap(),
            Some(0.4)
        );
        // More observed than forecast area: the smallest positive P.
        obs.fill(6.0);
        assert_eq!(
            coverage_matched_probability(p.view(), obs.view(), 5.0).unwrap(),
            Some(0.1)
        );
        // No observed event, or no positive probability → no event forecast.
        obs.fill(1.0);
        assert_eq!(
            coverage_matched_probability(p.view(), obs.view(), 5.0).unwrap(),
            None
        );
        obs.fill(6.0);
        let zero = Array2::<f32>::zeros((10, 10));
        assert_eq!(
            coverage_matched_probability(zero.view(), obs.view(), 5.0).unwrap(),
            None
        );
        // No observed data, or a NaN threshold → error.
        let empty = Array2::<f32>::from_elem((3, 3), f32::NAN);
        assert!(coverage_matched_probability(p.view(), empty.view(), 5.0).is_err());
        assert!(coverage_matched_probability(p.view(), obs.view(), f64::NAN).is_err());
    }
}
