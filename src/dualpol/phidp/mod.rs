//! Differential phase: unfolding, system-phase offset, smoothing, and the specific differential phase KDP.
//!
//! [`process_phidp`](crate::dualpol::phidp::process_phidp) turns the measured ΦDP (wrapped, offset by the
//! system phase, noisy) into a propagation phase that starts near 0° at the radar and grows along each ray;
//! [`kdp`](crate::dualpol::phidp::kdp) differentiates it with one of two estimators
//! ([`KdpMethod`](crate::dualpol::phidp::KdpMethod)): an intensity-adaptive least-squares slope, or the iterative
//! method of Vulpiani et al. (2012). [`nonnegative_in_rain`](crate::dualpol::phidp::nonnegative_in_rain) sets
//! negative KDP to 0 where the gate is warmer than 0 °C.

/// KDP as half the least-squares slope of ΦDP over a window that shrinks with intensity.
pub mod least_squares;
/// The non-decreasing least-squares fit of ΦDP along a ray.
mod monotone;
/// Vulpiani et al. (2012): KDP and ΦDP by iterated finite differences and integration.
pub mod vulpiani;

use std::borrow::Cow;

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Zip};
use serde::{Deserialize, Serialize};

pub use least_squares::LeastSquaresKdp;
pub use vulpiani::VulpianiKdp;

use super::filter::check_shape;
use crate::error::{Error, Result};

/// Settings of the ΦDP processing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhidpConfig {
    /// Length of the median filter along the ray, gates (odd); 5 by default. The window stays within a run of
    /// consecutive path gates, shifted inward at the run's ends.
    pub median_gates: usize,
    /// Number of consecutive weather gates at the start of a ray whose phase estimates the system offset; 10.
    pub offset_gates: usize,
    /// Number of preceding unfolded gates whose median is the reference for unfolding the next gate; 5.
    pub reference_gates: usize,
    /// Runs of fewer consecutive weather gates along a ray than this are left out of the phase (isolated gates of
    /// noise or clutter that pass the echo filter would otherwise pull the filled phase); 5 by default, 1 keeps
    /// every weather gate.
    pub min_run_gates: usize,
    /// Half-width of the azimuthal window, rays, over which the system offset of each ray is estimated (see
    /// [`ray_offsets_deg`]); 5 by default, 0 for one offset for the whole sweep.
    pub offset_rays: usize,
    /// Minimum ρhv of rain, unitless; 0.9 by default. When ρhv is given, runs of consecutive weather gates whose
    /// median ρhv is below this are left out of the phase, and the system offset is estimated from runs of gates
    /// each at least this: weak non-rain echoes (insects, clear air, clutter residue) pass the echo filter's
    /// ρhv ≥ 0.8 but carry a backscatter differential phase of tens of degrees, not propagation phase.
    pub min_rain_rhohv: f32,
}

impl Default for PhidpConfig {
    fn default() -> Self {
        PhidpConfig {
            median_gates: 5,
            offset_gates: 10,
            reference_gates: 5,
            min_run_gates: 5,
            offset_rays: 5,
            min_rain_rhohv: 0.9,
        }
    }
}

/// Processed differential phase of a sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessedPhidp {
    /// Unfolded, offset-corrected and median-smoothed ΦDP, degrees, `(n_rays, n_gates)`; `NaN` outside the mask.
    pub phidp_deg: Array2<f32>,
    /// The same, filled along each ray: linear between weather gates, 0 before the first, the last value after
    /// the last; `(n_rays, n_gates)`, degrees (the path phase used by the attenuation correction).
    pub filled_deg: Array2<f32>,
    /// The unfolded, offset-corrected phase before the median filter, filled in the same way, `(n_rays, n_gates)`,
    /// degrees: the input of Vulpiani's KDP, whose iterations are its own filter (a median before them, 5 gates =
    /// 2.5 km at 500 m gates, would flatten the phase on the scale of its 2 km window).
    pub unsmoothed_filled_deg: Array2<f32>,
    /// The system differential phase of the sweep, degrees in \[0, 360); `None` when no ray has enough weather
    /// gates.
    pub system_offset_deg: Option<f32>,
    /// The offset removed from each ray, degrees in \[0, 360), `n_rays` ([`ray_offsets_deg`]); empty when
    /// `system_offset_deg` is `None`.
    pub ray_offsets_deg: Vec<f32>,
}

/// Unfolds, offsets and smooths ΦDP over the weather gates of `mask`.
///
/// Rain gates are the weather gates with ρhv ≥ `config.min_rain_rhohv` (every weather gate when `rhohv` is
/// `None`).
///
/// 1. The system offset of the sweep is the circular median over rays of the circular mean of the first
///    `offset_gates` consecutive rain gates of each ray ([`system_offset_deg`]); each ray's offset is the
///    lower of that and the circular median of the same estimates over the `offset_rays` rays either side
///    ([`ray_offsets_deg`]).
/// 2. Along each ray, each weather gate's phase minus the ray's offset is shifted by the multiple of 360° that
///    brings it closest to the median of the `reference_gates` previous unfolded gates (0° at the start of the
///    ray). Runs of fewer than `min_run_gates` consecutive weather gates are left out, and so are runs whose median
///    ρhv is below `min_rain_rhohv`: non-rain echoes carry a backscatter phase, not propagation phase.
/// 3. A median filter of `median_gates` gates smooths the result, each window within one run of consecutive path
///    gates and shifted inward at the run's ends rather than truncated there (`median_over_run`).
///
/// # Shape
/// `phidp (n_rays, n_gates)` degrees, `mask (n_rays, n_gates)`, `rhohv (n_rays, n_gates)` → [`ProcessedPhidp`].
///
/// # Errors
/// [`Error::Shape`] if the shapes differ; [`Error::Parameter`] for an even or zero median window, zero gate
/// counts, or a `min_rain_rhohv` outside \[0, 1\].
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::dualpol::phidp::{process_phidp, PhidpConfig};
/// // a ray whose phase rises 1° per gate from a 300° system offset, wrapping through 360°
/// let raw = Array2::from_shape_fn((3, 200), |(_, g)| (300.0 + g as f32).rem_euclid(360.0));
/// let mask = Array2::from_elem((3, 200), true);
/// let out = process_phidp(raw.view(), mask.view(), None, &PhidpConfig::default())?;
/// assert!((out.system_offset_deg.unwrap() - 304.5).abs() < 0.01);
/// assert!((out.phidp_deg[[0, 150]] - 145.5).abs() < 0.01);
/// # Ok::<(), squall::Error>(())
/// ```
///
/// # References
/// Wang, Y. and Chandrasekar, V., 2009: Algorithm for estimation of the specific differential phase.
/// *J. Atmos. Oceanic Technol.*, **26**, 2565–2578, doi:10.1175/2009JTECHA1358.1 (unfolding against a running
/// reference, system phase from the first gates of rain).
/// Hubbert, J. and Bringi, V. N., 1995: An iterative filtering technique for the analysis of copolar differential
/// phase and dual-frequency radar measurements. *J. Atmos. Oceanic Technol.*, **12**, 643–648,
/// doi:10.1175/1520-0426(1995)012<0643:AIFTFT>2.0.CO;2 (ΦDP rises monotonically from the system phase along a rain
/// path: a first-gates estimate is an upper bound of the system phase).
/// Bringi, V. N. and Chandrasekar, V., 2001: *Polarimetric Doppler Weather Radar*, Cambridge University Press
/// (the measured phase is ΦDP plus the backscatter differential phase δ; ρhv of rain is above about 0.9,
/// lower for clutter, biological and mixed-phase echoes).
pub fn process_phidp(
    phidp: ArrayView2<f32>,
    mask: ArrayView2<bool>,
    rhohv: Option<ArrayView2<f32>>,
    config: &PhidpConfig,
) -> Result<ProcessedPhidp> {
    check_shape("echo mask", phidp.dim(), mask.dim())?;
    if let Some(r) = rhohv {
        check_shape("RHOHV", phidp.dim(), r.dim())?;
    }
    if !(0.0..=1.0).contains(&config.min_rain_rhohv) {
        return Err(Error::parameter(
            "min_rain_rhohv",
            config.min_rain_rhohv,
            "must be a correlation between 0 and 1",
        ));
    }
    if config.median_gates == 0 || config.median_gates % 2 == 0 {
        return Err(Error::parameter(
            "median_gates",
            config.median_gates,
            "the median window must be an odd number of gates",
        ));
    }
    if config.offset_gates == 0 || config.reference_gates == 0 || config.min_run_gates == 0 {
        return Err(Error::parameter(
            "offset_gates / reference_gates / min_run_gates",
            format!(
                "{} / {} / {}",
                config.offset_gates, config.reference_gates, config.min_run_gates
            ),
            "must be at least 1",
        ));
    }
    let rain = rain_gates(mask, rhohv, config.min_rain_rhohv);
    let per_ray = first_run_means(phidp, rain.view(), config.offset_gates);
    let offset = sweep_offset(&per_ray);
    let ray_offsets =
        offset.map_or_else(Vec::new, |o| ray_offsets(&per_ray, o, config.offset_rays));
    let mut out = Array2::from_elem(phidp.dim(), f32::NAN);
    let mut filled = Array2::zeros(phidp.dim());
    let mut unsmoothed = Array2::zeros(phidp.dim());
    if offset.is_some() {
        let mut path = Array2::from_elem(phidp.dim(), false);
        Zip::from(path.rows_mut())
            .and(phidp.rows())
            .and(mask.rows())
            .for_each(|mut u, p, m| {
                u.assign(&ArrayView1::from(&long_runs(p, m, config.min_run_gates)))
            });
        if let Some(r) = rhohv {
            Zip::from(path.rows_mut())
                .and(r.rows())
                .for_each(|u, r| keep_rain_runs(u, r, config.min_rain_rhohv));
        }
        Zip::from(phidp.rows())
            .and(path.rows())
            .and(out.rows_mut())
            .and(filled.rows_mut())
            .and(unsmoothed.rows_mut())
            .and(ndarray::ArrayView1::from(&ray_offsets))
            .par_for_each(|p, u, o, f, v, &offset| process_ray(p, u, offset, config, o, f, v));
    }
    Ok(ProcessedPhidp {
        phidp_deg: out,
        filled_deg: filled,
        unsmoothed_filled_deg: unsmoothed,
        system_offset_deg: offset,
        ray_offsets_deg: ray_offsets,
    })
}

/// System differential phase in degrees \[0, 360): the circular median over rays of the circular mean of the first
/// `run_gates` consecutive weather gates of each ray; `None` if no ray has such a run.
pub fn system_offset_deg(
    phidp: ArrayView2<f32>,
    mask: ArrayView2<bool>,
    run_gates: usize,
) -> Option<f32> {
    sweep_offset(&first_run_means(phidp, mask, run_gates))
}

/// The system offset of each ray, degrees \[0, 360), `n_rays`: the lower (circularly) of the sweep's offset
/// [`system_offset_deg`] and the circular median of the per-ray estimates (circular mean of the first `run_gates`
/// consecutive weather gates) of the rays within `half_window` rays either side (clipped at the first and last
/// ray); the sweep's offset where none of those rays has an estimate. `None` when no ray has an estimate.
///
/// The system phase of a radar can vary by a few degrees with azimuth (rotary joint, radome), smoothly from ray to
/// ray; a single value for the sweep then leaves rays with a propagation phase below 0° from their first gate. A
/// first-gates estimate is an upper bound of the system phase (ΦDP only grows along a rain path, and the rain within
/// or before the first run adds to it), so the neighbourhood median can only lower the ray's offset below the
/// sweep's robust median, never raise it.
pub fn ray_offsets_deg(
    phidp: ArrayView2<f32>,
    mask: ArrayView2<bool>,
    run_gates: usize,
    half_window: usize,
) -> Option<Vec<f32>> {
    let per_ray = first_run_means(phidp, mask, run_gates);
    sweep_offset(&per_ray).map(|o| ray_offsets(&per_ray, o, half_window))
}

/// Per ray: the circular mean of its first run of `run_gates` consecutive weather gates, if any.
fn first_run_means(
    phidp: ArrayView2<f32>,
    mask: ArrayView2<bool>,
    run_gates: usize,
) -> Vec<Option<f64>> {
    phidp
        .rows()
        .into_iter()
        .zip(mask.rows())
        .map(|(p, m)| first_run_mean(p, m, run_gates))
        .collect()
}

/// Circular median of the per-ray estimates, degrees \[0, 360); `None` without any.
fn sweep_offset(per_ray: &[Option<f64>]) -> Option<f32> {
    let values: Vec<f64> = per_ray.iter().flatten().copied().collect();
    circular_median(&values).map(|m| m as f32)
}

fn ray_offsets(per_ray: &[Option<f64>], sweep: f32, half_window: usize) -> Vec<f32> {
    let n = per_ray.len();
    (0..n)
        .map(|r| {
            let lo = r.saturating_sub(half_window);
            let hi = (r + half_window).min(n - 1);
            let near: Vec<f64> = per_ray[lo..=hi].iter().flatten().copied().collect();
            match circular_median(&near) {
                Some(m) => {
                    let below = wrap180(m - f64::from(sweep)).min(0.0);
                    (f64::from(sweep) + below).rem_euclid(360.0) as f32
                }
                None => sweep,
            }
        })
        .collect()
}

/// Circular median of angles in degrees, \[0, 360): the median of the values unwrapped around their circular
/// mean; `None` for an empty slice.
fn circular_median(degrees: &[f64]) -> Option<f64> {
    if degrees.is_empty() {
        return None;
    }
    let centre = circular_mean(degrees);
    let mut unwrapped: Vec<f64> = degrees
        .iter()
        .map(|v| centre + wrap180(v - centre))
        .collect();
    unwrapped.sort_by(f64::total_cmp);
    let n = unwrapped.len();
    let median = if n % 2 == 1 {
        unwrapped[n / 2]
    } else {
        0.5 * (unwrapped[n / 2 - 1] + unwrapped[n / 2])
    };
    Some(median.rem_euclid(360.0))
}

/// The differential phase the attenuation correction integrates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathPhase {
    /// The median-filtered measured phase, [`ProcessedPhidp::filled_deg`] (the default).
    #[default]
    Median,
    /// The non-decreasing least-squares fit of the median-filtered phase along each ray, filled in the same way:
    /// the phase at the end of the path is the level of the measured phase there, not the highest excursion of
    /// its noise. The input Py-ART's ZPHI expects (its own phase processings are monotone), so
    /// [`AttenuationMethod::ZphiPyArt`](super::attenuation::AttenuationMethod::ZphiPyArt) run on it agrees better
    /// with Py-ART's whole chain (`tests/it/dualpol_peers.rs`).
    Monotone,
}

impl PathPhase {
    /// The filled path phase of a processed sweep, degrees `(n_rays, n_gates)`.
    pub fn filled_deg<'a>(&self, processed: &'a ProcessedPhidp) -> Cow<'a, Array2<f32>> {
        match self {
            PathPhase::Median => Cow::Borrowed(&processed.filled_deg),
            PathPhase::Monotone => Cow::Owned(monotone::monotone_filled(&processed.phidp_deg)),
        }
    }
}

/// A KDP estimator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum KdpMethod {
    /// Least-squares slope over an intensity-adaptive window ([`LeastSquaresKdp`]).
    LeastSquares(LeastSquaresKdp),
    /// Vulpiani et al. (2012) iterative finite differences ([`VulpianiKdp`]).
    Vulpiani(VulpianiKdp),
}

impl Default for KdpMethod {
    fn default() -> Self {
        KdpMethod::LeastSquares(LeastSquaresKdp::default())
    }
}

/// Specific differential phase KDP in ° km⁻¹ from processed ΦDP.
///
/// `processed` is the output of [`process_phidp`]; `dbzh` (dBZ) sets the adaptive window of the least-squares
/// method (ignored by Vulpiani's); `gate_spacing_m` is the gate spacing in metres.
///
/// # Shape
/// `(n_rays, n_gates)` → `(n_rays, n_gates)` ° km⁻¹, `NaN` outside the weather mask (the finite gates of
/// `processed.phidp_deg`).
///
/// # Errors
/// [`Error::Shape`] if `dbzh` differs in shape; [`Error::Parameter`] for a non-positive gate spacing or invalid
/// method settings.
pub fn kdp(
    processed: &ProcessedPhidp,
    dbzh: Option<ArrayView2<f32>>,
    gate_spacing_m: f32,
    method: &KdpMethod,
) -> Result<Array2<f32>> {
    if !(gate_spacing_m > 0.0 && gate_spacing_m.is_finite()) {
        return Err(Error::parameter(
            "gate_spacing_m",
            gate_spacing_m,
            "must be a positive number of metres",
        ));
    }
    if let Some(z) = dbzh {
        check_shape("DBZH", processed.phidp_deg.dim(), z.dim())?;
    }
    match method {
        KdpMethod::LeastSquares(m) => m.kdp(processed.phidp_deg.view(), dbzh, gate_spacing_m),
        KdpMethod::Vulpiani(m) => m.kdp(
            processed.phidp_deg.view(),
            processed.unsmoothed_filled_deg.view(),
            gate_spacing_m,
        ),
    }
}

/// KDP with negative values set to 0 where the gate is warmer than 0 °C (rain, where a negative KDP is noise);
/// colder gates keep their sign (vertically aligned ice gives a genuinely negative KDP).
///
/// # Shape
/// `kdp (n_rays, n_gates)` ° km⁻¹, `temperature_c (n_rays, n_gates)` → `(n_rays, n_gates)`.
///
/// # Errors
/// [`Error::Shape`] if the shapes differ.
pub fn nonnegative_in_rain(
    kdp: ArrayView2<f32>,
    temperature_c: ArrayView2<f32>,
) -> Result<Array2<f32>> {
    check_shape("temperature", kdp.dim(), temperature_c.dim())?;
    Ok(Zip::from(kdp)
        .and(temperature_c)
        .map_collect(|&k, &t| if t > 0.0 && k < 0.0 { 0.0 } else { k }))
}

/// Weather gates of `mask` with ρhv ≥ `min_rhohv` (all weather gates without ρhv).
fn rain_gates(
    mask: ArrayView2<bool>,
    rhohv: Option<ArrayView2<f32>>,
    min_rhohv: f32,
) -> Array2<bool> {
    match rhohv {
        Some(r) => Zip::from(mask)
            .and(r)
            .map_collect(|&m, &r| m && r >= min_rhohv),
        None => mask.to_owned(),
    }
}

/// Unfolds, smooths and fills one ray's phase over its path gates `usable` (runs of weather gates kept by
/// [`long_runs`] and [`keep_rain_runs`]).
fn process_ray(
    phidp: ArrayView1<f32>,
    usable: ArrayView1<bool>,
    offset: f32,
    config: &PhidpConfig,
    mut out: ArrayViewMut1<f32>,
    filled: ArrayViewMut1<f32>,
    unsmoothed: ArrayViewMut1<f32>,
) {
    let n = phidp.len();
    let mut unfolded = vec![f32::NAN; n];
    let mut recent: Vec<f32> = Vec::with_capacity(config.reference_gates);
    let mut scratch = Vec::with_capacity(config.reference_gates.max(config.median_gates));
    for g in 0..n {
        let v = phidp[g];
        if !usable[g] {
            continue;
        }
        let reference = if recent.is_empty() {
            0.0
        } else {
            scratch.clear();
            scratch.extend_from_slice(&recent);
            median(&mut scratch)
        };
        let d = v - offset;
        let u = d + 360.0 * ((reference - d) / 360.0).round();
        unfolded[g] = u;
        if recent.len() == config.reference_gates {
            recent.remove(0);
        }
        recent.push(u);
    }
    let mut start = 0;
    while start < n {
        if unfolded[start].is_nan() {
            start += 1;
            continue;
        }
        let end = (start..n).find(|&g| unfolded[g].is_nan()).unwrap_or(n);
        median_over_run(
            &unfolded[start..end],
            config.median_gates,
            &mut scratch,
            |k, m| out[start + k] = m,
        );
        start = end;
    }
    fill(out.view(), filled);
    fill(ArrayView1::from(&unfolded), unsmoothed);
}

/// Median filter of `window` gates (odd) over one run of consecutive path gates, calling `set(k, median)` for each
/// gate `k` of the run. Each gate takes the median of `window` gates of its own run, the window centred on it and
/// shifted inward at the ends of the run (never truncated there); a run shorter than the window takes the
/// median of the centred window clipped to the run.
///
/// A window truncated to the 3 gates at a run's end (the former behaviour at 5 gates) leaves the noise of a
/// 3-gate median in the phase exactly where it bounds a stretch of path: at the start and end of the echo and
/// around each gap. Light far rain and the edges of echoes have the noisiest phase (the standard deviation of
/// the ΦDP estimate grows as ρhv and the signal-to-noise ratio fall; Bringi and Chandrasekar 2001, §6.5), and the
/// phase there sets the path's total ΔΦ that ZPHI distributes (Testud et al. 2000): ΔΦ from the phase at the path
/// ends, or from its running maximum as in Py-ART's convention, which turns any upward excursion along the path
/// into extra ΔΦ. Wang and Chandrasekar (2009) likewise estimate the phase at a segment's ends from gates of the
/// segment only.
fn median_over_run(
    run: &[f32],
    window: usize,
    scratch: &mut Vec<f32>,
    mut set: impl FnMut(usize, f32),
) {
    let len = run.len();
    let half = window / 2;
    for k in 0..len {
        let (lo, hi) = if len >= window {
            let lo = k.saturating_sub(half).min(len - window);
            (lo, lo + window)
        } else {
            (k.saturating_sub(half), (k + half + 1).min(len))
        };
        scratch.clear();
        scratch.extend_from_slice(&run[lo..hi]);
        set(k, median(scratch));
    }
}

/// Fills a ray's phase: 0 before the first finite gate, linear between finite gates, held after the last.
fn fill(values: ArrayView1<f32>, mut filled: ArrayViewMut1<f32>) {
    let n = values.len();
    let mut last: Option<(usize, f32)> = None;
    for g in 0..n {
        let v = values[g];
        if v.is_finite() {
            match last {
                Some((lg, lv)) if g > lg + 1 => {
                    for k in lg + 1..g {
                        let w = (k - lg) as f32 / (g - lg) as f32;
                        filled[k] = lv + w * (v - lv);
                    }
                }
                None => filled.slice_mut(ndarray::s![..g]).fill(0.0),
                _ => {}
            }
            filled[g] = v;
            last = Some((g, v));
        }
    }
    match last {
        Some((lg, lv)) => filled.slice_mut(ndarray::s![lg + 1..]).fill(lv),
        None => filled.fill(0.0),
    }
}

/// Leaves out of `usable` each run of consecutive usable gates whose median ρhv is below `min_rhohv` (or has no
/// ρhv): a segment of non-rain echo (clutter residue, insects, clear air) whose measured phase is a backscatter
/// phase rather than propagation phase; single gates of rain below it (heavy rain, hail) leave a rain run's median
/// above it.
fn keep_rain_runs(mut usable: ArrayViewMut1<bool>, rhohv: ArrayView1<f32>, min_rhohv: f32) {
    let n = usable.len();
    let mut start = 0;
    let mut values = Vec::new();
    while start < n {
        if !usable[start] {
            start += 1;
            continue;
        }
        let end = (start..n).find(|&g| !usable[g]).unwrap_or(n);
        values.clear();
        values.extend((start..end).map(|g| rhohv[g]).filter(|r| r.is_finite()));
        if values.is_empty() || median(&mut values) < min_rhohv {
            usable.slice_mut(ndarray::s![start..end]).fill(false);
        }
        start = end;
    }
}

/// Weather gates with a finite phase that belong to a run of at least `min_run` consecutive such gates.
fn long_runs(phidp: ArrayView1<f32>, mask: ArrayView1<bool>, min_run: usize) -> Vec<bool> {
    let n = phidp.len();
    let mut usable: Vec<bool> = (0..n).map(|g| mask[g] && phidp[g].is_finite()).collect();
    let mut start = 0;
    while start < n {
        if !usable[start] {
            start += 1;
            continue;
        }
        let end = (start..n).find(|&g| !usable[g]).unwrap_or(n);
        if end - start < min_run {
            usable[start..end].fill(false);
        }
        start = end;
    }
    usable
}

/// Circular mean of the first run of `run` consecutive gates of `mask` with finite phase, degrees.
fn first_run_mean(phidp: ArrayView1<f32>, mask: ArrayView1<bool>, run: usize) -> Option<f64> {
    let start = first_run_start(phidp, mask, run)?;
    let values: Vec<f64> = (start..start + run).map(|k| f64::from(phidp[k])).collect();
    Some(circular_mean(&values))
}

/// First gate of the first run of `run` consecutive gates of `mask` with finite phase.
fn first_run_start(phidp: ArrayView1<f32>, mask: ArrayView1<bool>, run: usize) -> Option<usize> {
    let mut start = 0;
    for g in 0..phidp.len() {
        if !(mask[g] && phidp[g].is_finite()) {
            start = g + 1;
            continue;
        }
        if g + 1 - start == run {
            return Some(start);
        }
    }
    None
}

fn circular_mean(degrees: &[f64]) -> f64 {
    let (s, c) = degrees.iter().fold((0.0, 0.0), |(s, c), d| {
        let r = d.to_radians();
        (s + r.sin(), c + r.cos())
    });
    s.atan2(c).to_degrees().rem_euclid(360.0)
}

fn wrap180(d: f64) -> f64 {
    (d + 180.0).rem_euclid(360.0) - 180.0
}

/// Median of a non-empty slice (reorders it).
pub(crate) fn median(values: &mut [f32]) -> f32 {
    let n = values.len();
    values.sort_unstable_by(f32::total_cmp);
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_circular() {
        let raw = Array2::from_shape_fn((4, 20), |(r, _)| if r % 2 == 0 { 359.0 } else { 1.0 });
        let mask = Array2::from_elem((4, 20), true);
        let o = system_offset_deg(raw.view(), mask.view(), 10).unwrap();
        assert!(!(0.01..=359.99).contains(&o), "{o}");
    }

    #[test]
    fn ray_offsets_follow_a_lower_sector_but_never_rise_above_the_sweep() {
        // rays 0-9 read 40°, rays 10-29 read 50° (the sweep median), rays 30-39 read 70° (rain before the first run)
        let raw = Array2::from_shape_fn((40, 20), |(r, _)| match r {
            0..=9 => 40.0f32,
            10..=29 => 50.0,
            _ => 70.0,
        });
        let mask = Array2::from_elem((40, 20), true);
        let offsets = ray_offsets_deg(raw.view(), mask.view(), 10, 2).unwrap();
        assert!((offsets[0] - 40.0).abs() < 1e-3, "{}", offsets[0]);
        assert!((offsets[20] - 50.0).abs() < 1e-3, "{}", offsets[20]);
        assert!((offsets[39] - 50.0).abs() < 1e-3, "{}", offsets[39]);
        let sweep = ray_offsets_deg(raw.view(), mask.view(), 10, 0).unwrap();
        assert!((sweep[5] - 40.0).abs() < 1e-3 && (sweep[35] - 50.0).abs() < 1e-3);
    }

    #[test]
    fn short_runs_are_left_out() {
        let raw = Array2::from_shape_fn((1, 30), |(_, g)| if g == 3 { 90.0f32 } else { 10.0 });
        let mut mask = Array2::from_elem((1, 30), true);
        for g in [2, 4] {
            mask[[0, g]] = false; // gate 3 is a lone weather gate
        }
        let out = process_phidp(raw.view(), mask.view(), None, &PhidpConfig::default()).unwrap();
        assert!(out.phidp_deg[[0, 3]].is_nan() && out.phidp_deg[[0, 10]].is_finite());
        assert!(
            out.filled_deg[[0, 3]].abs() < 1e-3,
            "{}",
            out.filled_deg[[0, 3]]
        );
    }

    #[test]
    fn the_unsmoothed_phase_keeps_what_the_median_removes() {
        // a one-gate bump of 30° on a flat phase: gone after the 5-gate median, kept before it (Vulpiani's input)
        let raw = Array2::from_shape_fn((1, 40), |(_, g)| if g == 20 { 40.0f32 } else { 10.0 });
        let mask = Array2::from_elem((1, 40), true);
        let out = process_phidp(raw.view(), mask.view(), None, &PhidpConfig::default()).unwrap();
        assert!(
            out.filled_deg[[0, 20]].abs() < 1e-3,
            "{}",
            out.filled_deg[[0, 20]]
        );
        assert!((out.unsmoothed_filled_deg[[0, 20]] - 30.0).abs() < 1e-3);
        assert!(out.unsmoothed_filled_deg[[0, 30]].abs() < 1e-3);
    }

    #[test]
    fn weak_echoes_with_a_backscatter_phase_are_left_out_of_the_path() {
        // as on MeteoSwiss Monte Lema (C band) rays 41 and 53-54: weak echoes (ρhv 0.8-0.87) before and after a rain
        // segment read 18° above the system phase of 359°, the rain (ρhv 0.98, one gate at 0.88) reads the system
        // phase: with ρhv they are left out and the path stays near 0°; without it their 18° is taken for
        // propagation phase
        let raw = Array2::from_shape_fn((12, 80), |(_, g)| match g {
            0..=19 | 60..=79 => 17.0f32,
            20..=29 | 50..=59 => f32::NAN,
            _ => 359.0 + 0.1 * (g - 30) as f32,
        });
        let mask = raw.mapv(f32::is_finite);
        let rhohv = Array2::from_shape_fn((12, 80), |(_, g)| match g {
            45 => 0.88f32,
            30..=49 => 0.98,
            _ => 0.84,
        });
        let config = PhidpConfig::default();
        let out = process_phidp(raw.view(), mask.view(), Some(rhohv.view()), &config).unwrap();
        // the system phase comes from the rain, not from the weak echo
        let offset = out.system_offset_deg.unwrap();
        assert!(wrap180(f64::from(offset) - 359.45).abs() < 0.01, "{offset}");
        assert!(out.phidp_deg[[3, 10]].is_nan() && out.phidp_deg[[3, 70]].is_nan());
        assert!(out.filled_deg[[3, 10]].abs() < 1e-3);
        // the rain gate at ρhv 0.88 stays in its segment
        assert!(
            (out.phidp_deg[[3, 45]] - 1.05).abs() < 0.01,
            "{}",
            out.phidp_deg[[3, 45]]
        );
        assert!(
            (out.filled_deg[[3, 45]] - 1.05).abs() < 0.01,
            "{}",
            out.filled_deg[[3, 45]]
        );
        // held after the last rain gate (median of gates 45-49: the window is shifted inward at the end of the run)
        assert!(
            (out.filled_deg[[3, 75]] - 1.25).abs() < 0.01,
            "{}",
            out.filled_deg[[3, 75]]
        );
        // a ray with weak echo only has no phase
        let weak_only = rhohv.mapv(|_| 0.84f32);
        let out = process_phidp(raw.view(), mask.view(), Some(weak_only.view()), &config).unwrap();
        assert!(out.system_offset_deg.is_none() && out.filled_deg.iter().all(|&v| v == 0.0));
        // without ρhv every weather gate counts, as before: the weak echo sets the offset (17°)
        let out = process_phidp(raw.view(), mask.view(), None, &config).unwrap();
        assert!(
            out.filled_deg[[3, 45]] < -5.0,
            "{}",
            out.filled_deg[[3, 45]]
        );
    }

    #[test]
    fn noise_at_the_ends_of_a_run_no_longer_raises_the_path_phase() {
        // X band, 75 m gates: the phase rises 0.2° per gate from a 30° system phase through rain at gates 0-59, an
        // echo-free gap at 60-69 and a last stretch of light rain at 70-79 whose first two and last two gates read
        // 10° of noise above the propagation phase. The 5-gate median, truncated to 3 gates at the ends of a run,
        // kept that noise (23.1° at gate 70 and 24.7° at gate 79 against 14.9° of propagation phase at the end) and Py-ART's running maximum turned it
        // into ΔΦ; a window shifted inward keeps the 5 gates and the path phase stays the propagation phase.
        let truth = |g: usize| 0.2 * g as f32;
        let measured = |noisy: bool| {
            Array2::from_shape_fn((3, 90), |(_, g)| match g {
                60..=69 | 80.. => f32::NAN,
                70 | 71 | 78 | 79 if noisy => 30.0 + truth(g) + 10.0,
                _ => 30.0 + truth(g),
            })
        };
        let config = PhidpConfig::default();
        let mask = measured(false).mapv(f32::is_finite);
        let noisy = process_phidp(measured(true).view(), mask.view(), None, &config).unwrap();
        let clean = process_phidp(measured(false).view(), mask.view(), None, &config).unwrap();
        // the offset is the mean of the first 10 gates (0.9° of rain phase in them)
        let end = truth(79) - 0.9;
        let top = noisy.filled_deg.row(1).fold(f32::MIN, |m, &v| m.max(v));
        assert!(
            top <= end + 1e-3,
            "path phase up to {top}°, {end}° at the end"
        );
        for (gate, median_at) in [(70, 74), (79, 77)] {
            let v = noisy.phidp_deg[[1, gate]];
            assert!(
                (v - (truth(median_at) - 0.9)).abs() < 0.01,
                "gate {gate}: {v}"
            );
        }
        // Py-ART's ZPHI (ΔΦ from the running maximum of the phase): the same PIA as without the noise
        let dbzh = Array2::from_elem((3, 90), 30.0f32);
        let coefficients =
            crate::dualpol::attenuation::AttenuationCoefficients::for_band(crate::Band::X).unwrap();
        let pia = |phase: &Array2<f32>| {
            crate::dualpol::attenuation::correct_as_pyart(
                dbzh.view(),
                None,
                phase.view(),
                mask.view(),
                Array2::from_elem((3, 90), true).view(),
                75.0,
                &coefficients,
            )
            .unwrap()
            .pia_db[[1, 85]]
        };
        let (with_noise, without) = (pia(&noisy.filled_deg), pia(&clean.filled_deg));
        assert!(without > 4.0, "{without}");
        assert!(
            (with_noise - without).abs() < 0.05,
            "{with_noise} vs {without} dB"
        );
    }

    #[test]
    fn a_rain_correlation_outside_0_1_is_refused() {
        let raw = Array2::from_elem((2, 20), 10.0f32);
        let mask = Array2::from_elem((2, 20), true);
        let config = PhidpConfig {
            min_rain_rhohv: f32::NAN,
            ..PhidpConfig::default()
        };
        assert!(matches!(
            process_phidp(raw.view(), mask.view(), None, &config),
            Err(Error::Parameter { .. })
        ));
    }

    #[test]
    fn empty_mask_gives_no_offset_and_nan_phase() {
        let raw = Array2::from_elem((2, 20), 10.0f32);
        let mask = Array2::from_elem((2, 20), false);
        let out = process_phidp(raw.view(), mask.view(), None, &PhidpConfig::default()).unwrap();
        assert!(out.system_offset_deg.is_none());
        assert!(out.ray_offsets_deg.is_empty());
        assert!(out.phidp_deg.iter().all(|v| v.is_nan()));
        assert!(out.filled_deg.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn negative_kdp_kept_in_ice_only() {
        let k = Array2::from_elem((1, 2), -0.5f32);
        let t = ndarray::array![[5.0f32, -10.0]];
        let out = nonnegative_in_rain(k.view(), t.view()).unwrap();
        assert_eq!(out[[0, 0]], 0.0);
        assert_eq!(out[[0, 1]], -0.5);
    }
}
