//! Attenuation correction of reflectivity and differential reflectivity by the differential phase: ZPHI
//! (Testud et al. 2000) and the linear ΦDP method, with per-band coefficients. Decisive at X band, where heavy rain
//! can remove 10–20 dB along a ray.

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut1, Zip};
use serde::{Deserialize, Serialize};

use super::filter::check_shape;
use crate::error::{Error, Result};
use crate::volume::Band;

/// Attenuation coefficients of a band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AttenuationCoefficients {
    /// ZPHI: ratio α = A_H / KDP, dB per degree.
    pub zphi_alpha: f64,
    /// ZPHI: exponent b of A_H = a·Z^b.
    pub zphi_b: f64,
    /// Linear method: A_H = α·KDP, dB per degree (PIA_H = α·ΦDP).
    pub linear_alpha: f64,
    /// Linear method: A_DP = β·KDP, dB per degree (PIA_DP = β·ΦDP).
    pub linear_beta: f64,
}

impl AttenuationCoefficients {
    /// The coefficients of `docs/algorithms.md`: ZPHI (α, b) S (0.02, 0.649), C (0.08, 0.649), X (0.31916, 0.649);
    /// linear (α, β) S (0.04, 0.004), C (0.08, 0.03), X (0.28, 0.04). [`Band::Other`] is refused.
    ///
    /// # Errors
    /// [`Error::Unsupported`] for [`Band::Other`].
    ///
    /// # References
    /// Testud, J., Le Bouar, E., Obligis, E. and Ali-Mehenni, M., 2000: The rain profiling algorithm applied to
    /// polarimetric weather radar. *J. Atmos. Oceanic Technol.*, **17**, 332–356,
    /// doi:10.1175/1520-0426(2000)017<0332:TRPAAT>2.0.CO;2.
    /// Bringi, V. N., Chandrasekar, V., Balakrishnan, N. and Zrnić, D. S., 1990, *J. Atmos. Oceanic Technol.*, **7**,
    /// 829–840, doi:10.1175/1520-0426(1990)007<0829:AEOPEI>2.0.CO;2 (linear α, β).
    pub fn for_band(band: Band) -> Result<AttenuationCoefficients> {
        let (zphi_alpha, linear_alpha, linear_beta) = match band {
            Band::S => (0.02, 0.04, 0.004),
            Band::C => (0.08, 0.08, 0.03),
            Band::X => (0.31916, 0.28, 0.04),
            Band::Other => {
                return Err(Error::Unsupported(
                    "attenuation coefficients are known for S, C and X band only".to_owned(),
                ));
            }
        };
        Ok(AttenuationCoefficients {
            zphi_alpha,
            zphi_b: 0.649,
            linear_alpha,
            linear_beta,
        })
    }

    /// Differential-to-horizontal attenuation ratio γ = β/α of the linear method, used to correct ZDR.
    pub fn differential_ratio(&self) -> f64 {
        self.linear_beta / self.linear_alpha
    }
}

/// How to correct attenuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttenuationMethod {
    /// ZPHI (Testud et al. 2000), constrained by the total ΦDP change along the rain path.
    #[default]
    Zphi,
    /// ZPHI with the conventions of Py-ART's `calculate_attenuation_zphi` (arm-pyart 2.3), to compare with it or
    /// reproduce its output ([`correct_as_pyart`]): the path runs from the first gate of the ray to the last gate
    /// warmer than 0 °C; ΦDP is the weather gates' phase with negative values dropped, 0 elsewhere, made
    /// non-decreasing (running maximum); ΔΦ is the median of that phase at the last six weather gates of the path;
    /// the weighting uses every gate of the path with a finite reflectivity (weather or not), linearly pre-corrected
    /// (Z_a + α·ΦDP, dB) and averaged over 5 gates (0 where one of them has none); integrals are trapezoidal, the
    /// PIA of a gate reaching the next.
    /// Not Testud's formulation (which is exact for the attenuated reflectivity): the pre-correction moves
    /// attenuation towards the far end of the path, and echoes that are not rain (clutter, noise) take a share of it.
    ZphiPyArt,
    /// PIA proportional to ΦDP (Bringi et al. 1990).
    Linear,
    /// No correction.
    None,
}

/// The attenuation of a sweep and the corrected moments.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// Two-way path-integrated attenuation of horizontal reflectivity to each gate, dB, `(n_rays, n_gates)`.
    pub pia_db: Array2<f32>,
    /// Two-way path-integrated differential attenuation, dB, `(n_rays, n_gates)`.
    pub pida_db: Array2<f32>,
    /// One-way specific attenuation A_H, dB km⁻¹, `(n_rays, n_gates)`: half the PIA gradient between each gate
    /// and the previous one (0 at the first gate).
    pub specific_db_per_km: Array2<f32>,
    /// Corrected reflectivity, dBZ: DBZH + PIA where DBZH is finite, else `NaN`.
    pub dbzh: Array2<f32>,
    /// Corrected differential reflectivity, dB: ZDR + PIDA (when ZDR was given).
    pub zdr: Option<Array2<f32>>,
}

/// Corrects reflectivity (and ZDR) for attenuation along each ray.
///
/// `rain` marks the gates where rain attenuates (weather gates below the melting layer); the path of a ray runs
/// from its first to its last rain gate, and gates beyond keep the path's total attenuation. `phidp_deg` is the
/// filled, offset-free propagation phase ([`ProcessedPhidp::filled_deg`](super::phidp::ProcessedPhidp)).
/// - [`AttenuationMethod::Zphi`]: A(r) = Z_a(r)^b·C / [I(r0, r1) + C·I(r, r1)], C = 10^{0.1 b α ΔΦ} − 1,
///   I(r, r1) = 0.46 b ∫_r^{r1} Z_a^b ds (Z_a linear, mm⁶ m⁻³; s in km; A one-way dB km⁻¹), ΔΦ = ΦDP(r1) − ΦDP(r0);
///   PIA(r) = 2∫_{r0}^{r} A ds, which reaches α·ΔΦ at r1. Rays with ΔΦ below `min_delta_phidp_deg` are not
///   corrected.
/// - [`AttenuationMethod::ZphiPyArt`]: Py-ART's conventions ([`correct_as_pyart`]), with the rain mask standing
///   for both the weather gates and the warm part of the ray (the path ends at the last rain gate).
/// - [`AttenuationMethod::Linear`]: PIA(r) = α·max_{r0 ≤ s ≤ r} [ΦDP(s) − ΦDP(r0)] (non-decreasing, ≥ 0).
///
/// In both, PIDA = γ·PIA with γ = β/α of the linear method.
///
/// # Shape
/// All inputs `(n_rays, n_gates)`: DBZH dBZ, ZDR dB, ΦDP degrees, rain mask → [`Correction`].
///
/// # Errors
/// [`Error::Shape`] for mismatched shapes; [`Error::Parameter`] for a non-positive gate spacing.
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::dualpol::attenuation::{correct, AttenuationCoefficients, AttenuationMethod};
/// use squall::Band;
/// // 40 dBZ of rain observed through a path whose ΦDP grows to 20°: X band loses 0.28 dB per degree (linear)
/// let dbzh = Array2::from_elem((1, 101), 40.0f32);
/// let phidp = Array2::from_shape_fn((1, 101), |(_, g)| 0.2 * g as f32);
/// let rain = Array2::from_elem((1, 101), true);
/// let k = AttenuationCoefficients::for_band(Band::X)?;
/// let c = correct(dbzh.view(), None, phidp.view(), rain.view(), 100.0, &k, AttenuationMethod::Linear, 2.0)?;
/// assert!((c.pia_db[[0, 100]] - 5.6).abs() < 1e-4);
/// // ZPHI reaches α·ΔΦ with its own α at the end of the rain path
/// let c = correct(dbzh.view(), None, phidp.view(), rain.view(), 100.0, &k, AttenuationMethod::Zphi, 2.0)?;
/// assert!((c.pia_db[[0, 100]] - 0.31916 * 20.0).abs() < 0.05);
/// # Ok::<(), squall::Error>(())
/// ```
///
/// # References
/// Testud et al. (2000), eq. 24 (see [`AttenuationCoefficients::for_band`]); Bringi et al. (1990).
#[allow(clippy::too_many_arguments)]
pub fn correct(
    dbzh: ArrayView2<f32>,
    zdr: Option<ArrayView2<f32>>,
    phidp_deg: ArrayView2<f32>,
    rain: ArrayView2<bool>,
    gate_spacing_m: f32,
    coefficients: &AttenuationCoefficients,
    method: AttenuationMethod,
    min_delta_phidp_deg: f32,
) -> Result<Correction> {
    let dr_km = check_inputs(dbzh, zdr, phidp_deg, &[("rain mask", rain)], gate_spacing_m)?;
    let mut pia = Array2::zeros(dbzh.dim());
    if method != AttenuationMethod::None {
        Zip::from(dbzh.rows())
            .and(phidp_deg.rows())
            .and(rain.rows())
            .and(pia.rows_mut())
            .par_for_each(|z, p, m, out| match method {
                AttenuationMethod::Zphi => {
                    zphi_ray(z, p, m, dr_km, coefficients, min_delta_phidp_deg, out)
                }
                AttenuationMethod::ZphiPyArt => pyart_ray(z, p, m, m, dr_km, coefficients, out),
                AttenuationMethod::Linear => linear_ray(p, m, coefficients, out),
                AttenuationMethod::None => {}
            });
    }
    Ok(finish(dbzh, zdr, pia, dr_km, coefficients))
}

/// The corrected moments from the path-integrated attenuation (PIDA = γ·PIA, γ = β/α of the linear method).
fn finish(
    dbzh: ArrayView2<f32>,
    zdr: Option<ArrayView2<f32>>,
    pia: Array2<f32>,
    dr_km: f64,
    coefficients: &AttenuationCoefficients,
) -> Correction {
    let gamma = coefficients.differential_ratio() as f32;
    let pida = pia.mapv(|a: f32| gamma * a);
    let mut specific = Array2::zeros(pia.dim());
    let per_km = (0.5 / dr_km) as f32;
    Zip::from(specific.rows_mut())
        .and(pia.rows())
        .for_each(|mut a, p| {
            for g in 1..p.len() {
                a[g] = per_km * (p[g] - p[g - 1]);
            }
        });
    let corrected = Zip::from(dbzh).and(&pia).map_collect(|&z, &a| z + a);
    let zdr = zdr.map(|z| Zip::from(z).and(&pida).map_collect(|&z, &a| z + a));
    Correction {
        pia_db: pia,
        pida_db: pida,
        specific_db_per_km: specific,
        dbzh: corrected,
        zdr,
    }
}

/// ZPHI with the conventions of Py-ART's `calculate_attenuation_zphi`
/// ([`AttenuationMethod::ZphiPyArt`]), to compare Squall with Py-ART on the same input or to reproduce Py-ART's
/// corrected reflectivity.
///
/// `weather` marks the echo gates whose ΦDP is used (Py-ART's gate filter) and `warm` the gates below the melting
/// layer (warmer than 0 °C); the path of a ray runs from its first gate to the gate before its last warm gate (Py-ART
/// slices up to its end gate, the last gate below the freezing level, exclusive). Along the path:
/// Φ(r) = running maximum of the weather gates' ΦDP (negative values and other gates count as 0);
/// ΔΦ = median of Φ at the last six weather gates (rays with fewer, or a path of 5 gates or less, are not
/// corrected); the weight of each gate is Z'^b with Z' = DBZH + α·Φ averaged over the 5 gates centred on it, 0
/// when any of them has no reflectivity or the window leaves the ray (Py-ART's `smooth_masked` strides over the data
/// under the mask, so a masked gate makes the window's mean undefined); A(r) = Z'^b·C / [I(r0, r1) + C·I(r', r1)]
/// with C = 10^{0.1 b α ΔΦ} − 1, trapezoidal integrals and r' the gate before r (Py-ART's reversed cumulative
/// trapezoid is one gate behind; r' = r0 at the first gate); PIA(r) = 2∫ A ds (trapezoidal) from r0 to the gate
/// after r, as Py-ART's cumulative trapezoid, held beyond the path. Py-ART's ZDR correction
/// (A_DP = c·A_H^d) is not reproduced: PIDA = γ·PIA as for the other methods.
///
/// # Shape
/// All inputs `(n_rays, n_gates)`: DBZH dBZ, ZDR dB, ΦDP degrees (offset-free), masks → [`Correction`].
///
/// # Errors
/// [`Error::Shape`] for mismatched shapes; [`Error::Parameter`] for a non-positive gate spacing.
///
/// # References
/// Testud et al. (2000), eq. 24; Gu, J.-Y., Ryzhkov, A., Zhang, P., Neilley, P., Knight, M., Wolf, B. and Lee,
/// D.-I., 2011: Polarimetric attenuation correction in heavy rain at C band. *J. Appl. Meteor. Climatol.*, **50**,
/// 39–58, doi:10.1175/2010JAMC2258.1 (the base-10 form with the pre-corrected reflectivity); the Py-ART 2.3
/// documentation of `pyart.correct.calculate_attenuation_zphi` (default `smooth_window_len` 5).
#[allow(clippy::too_many_arguments)]
pub fn correct_as_pyart(
    dbzh: ArrayView2<f32>,
    zdr: Option<ArrayView2<f32>>,
    phidp_deg: ArrayView2<f32>,
    weather: ArrayView2<bool>,
    warm: ArrayView2<bool>,
    gate_spacing_m: f32,
    coefficients: &AttenuationCoefficients,
) -> Result<Correction> {
    let dr_km = check_inputs(
        dbzh,
        zdr,
        phidp_deg,
        &[("weather mask", weather), ("warm mask", warm)],
        gate_spacing_m,
    )?;
    let mut pia = Array2::zeros(dbzh.dim());
    Zip::from(dbzh.rows())
        .and(phidp_deg.rows())
        .and(weather.rows())
        .and(warm.rows())
        .and(pia.rows_mut())
        .par_for_each(|z, p, w, t, out| pyart_ray(z, p, w, t, dr_km, coefficients, out));
    Ok(finish(dbzh, zdr, pia, dr_km, coefficients))
}

/// Checks that ZDR, ΦDP and the named masks have the shape of DBZH and that the gate spacing is a positive number
/// of metres; returns the gate spacing in km.
fn check_inputs(
    dbzh: ArrayView2<f32>,
    zdr: Option<ArrayView2<f32>>,
    phidp_deg: ArrayView2<f32>,
    masks: &[(&str, ArrayView2<bool>)],
    gate_spacing_m: f32,
) -> Result<f64> {
    let dim = dbzh.dim();
    check_shape("PHIDP", dim, phidp_deg.dim())?;
    for (name, mask) in masks {
        check_shape(name, dim, mask.dim())?;
    }
    if let Some(z) = zdr {
        check_shape("ZDR", dim, z.dim())?;
    }
    if !(gate_spacing_m > 0.0 && gate_spacing_m.is_finite()) {
        return Err(Error::parameter(
            "gate_spacing_m",
            gate_spacing_m,
            "must be a positive number of metres",
        ));
    }
    Ok(f64::from(gate_spacing_m) / 1000.0)
}

/// First and last rain gate of a ray.
fn rain_path(rain: ArrayView1<bool>) -> Option<(usize, usize)> {
    let first = rain.iter().position(|&m| m)?;
    let last = rain.iter().rposition(|&m| m)?;
    Some((first, last))
}

#[allow(clippy::too_many_arguments)]
fn zphi_ray(
    dbzh: ArrayView1<f32>,
    phidp: ArrayView1<f32>,
    rain: ArrayView1<bool>,
    dr_km: f64,
    k: &AttenuationCoefficients,
    min_delta_phidp_deg: f32,
    mut pia: ArrayViewMut1<f32>,
) {
    let Some((r0, r1)) = rain_path(rain) else {
        return;
    };
    let delta = f64::from(phidp[r1] - phidp[r0]);
    if delta.is_nan() || delta < f64::from(min_delta_phidp_deg) {
        return;
    }
    let b = k.zphi_b;
    // Z_a^b at rain gates (0 elsewhere on the path)
    let zb: Vec<f64> = (r0..=r1)
        .map(|g| {
            let z = dbzh[g];
            if rain[g] && z.is_finite() {
                10f64.powf(0.1 * b * f64::from(z))
            } else {
                0.0
            }
        })
        .collect();
    // I(r, r1) at gate centres: half the own gate plus everything beyond
    let n = zb.len();
    let mut tail = vec![0.0; n]; // Σ_{k > i} zb_k
    for i in (0..n.saturating_sub(1)).rev() {
        tail[i] = tail[i + 1] + zb[i + 1];
    }
    let scale = 0.46 * b * dr_km;
    let i_total = scale * zb.iter().sum::<f64>();
    if i_total <= 0.0 {
        return;
    }
    let c = 10f64.powf(0.1 * b * k.zphi_alpha * delta) - 1.0;
    let mut sum = 0.0; // Σ A_k for k < i
    for i in 0..n {
        let i_r = scale * (tail[i] + 0.5 * zb[i]);
        let a = zb[i] * c / (i_total + c * i_r);
        pia[r0 + i] = (2.0 * dr_km * (sum + 0.5 * a)) as f32;
        sum += a;
    }
    let total = (2.0 * dr_km * sum) as f32;
    pia.slice_mut(ndarray::s![r1 + 1..]).fill(total);
}

/// Gates of the running mean of the weighting in [`correct_as_pyart`] (Py-ART's `smooth_window_len`).
const PYART_SMOOTH_GATES: usize = 5;
/// Weather gates at the end of the path whose median phase is ΔΦ in [`correct_as_pyart`].
const PYART_END_GATES: usize = 6;

fn pyart_ray(
    dbzh: ArrayView1<f32>,
    phidp: ArrayView1<f32>,
    weather: ArrayView1<bool>,
    warm: ArrayView1<bool>,
    dr_km: f64,
    k: &AttenuationCoefficients,
    mut pia: ArrayViewMut1<f32>,
) {
    let n = dbzh.len();
    // Py-ART's path: the gates before the last warm one (its end gate is the last gate below the freezing level,
    // and the path is the slice up to it, exclusive)
    let Some(end) = warm.iter().rposition(|&w| w) else {
        return;
    };
    if end <= PYART_SMOOTH_GATES {
        return;
    }
    // non-decreasing phase from the usable gates (0 elsewhere)
    let mut running = 0.0f64;
    let phase: Vec<f64> = (0..n)
        .map(|g| {
            let p = phidp[g];
            if weather[g] && warm[g] && g <= end && p.is_finite() && p >= 0.0 {
                running = running.max(f64::from(p));
            }
            running
        })
        .collect();
    let mut last: Vec<f64> = (0..end)
        .rev()
        .filter(|&g| weather[g])
        .take(PYART_END_GATES)
        .map(|g| phase[g])
        .collect();
    if last.len() < PYART_END_GATES {
        return;
    }
    last.sort_by(f64::total_cmp);
    let delta = 0.5 * (last[PYART_END_GATES / 2 - 1] + last[PYART_END_GATES / 2]);
    let b = k.zphi_b;
    let c = 10f64.powf(0.1 * b * k.zphi_alpha * delta) - 1.0;
    if c <= 0.0 {
        return;
    }
    // pre-corrected reflectivity averaged over a centred window whose gates all have a finite reflectivity and
    // lie within the ray (0 elsewhere): Py-ART's `smooth_masked` strides over the data under the mask, so one
    // gate without reflectivity in the window leaves the mean undefined and the weight 0
    let precorrected: Vec<f64> = (0..n)
        .map(|g| f64::from(dbzh[g]) + k.zphi_alpha * phase[g])
        .collect();
    let half = PYART_SMOOTH_GATES / 2;
    let weight: Vec<f64> = (0..end)
        .map(|g| {
            if g < half || g + half >= n {
                return 0.0;
            }
            let window = &precorrected[g - half..=g + half];
            if window.iter().all(|v| v.is_finite()) {
                let mean = window.iter().sum::<f64>() / window.len() as f64;
                10f64.powf(0.1 * b * mean)
            } else {
                0.0
            }
        })
        .collect();
    // ∫ from gate g to the end of the path by the trapezoidal rule
    let scale = 0.46 * b * dr_km;
    let mut tail = vec![0.0; end];
    for g in (0..end - 1).rev() {
        tail[g] = tail[g + 1] + 0.5 * scale * (weight[g] + weight[g + 1]);
    }
    let total = tail[0];
    if total <= 0.0 {
        return;
    }
    // Py-ART's reversed cumulative trapezoid assigns gate g the integral from gate g - 1 (gate 0 the whole path),
    // and its cumulative trapezoid of the PIA runs one gate ahead: the PIA of gate g integrates A up to gate
    // g + 1 (A = 0 beyond the path)
    let specific: Vec<f64> = (0..n)
        .map(|g| {
            if g < end {
                weight[g] * c / (total + c * tail[g.saturating_sub(1)])
            } else {
                0.0
            }
        })
        .collect();
    let mut integral = 0.0;
    for g in 0..n {
        if g + 1 < n {
            integral += dr_km * (specific[g] + specific[g + 1]);
        }
        pia[g] = integral as f32;
    }
}

fn linear_ray(
    phidp: ArrayView1<f32>,
    rain: ArrayView1<bool>,
    k: &AttenuationCoefficients,
    mut pia: ArrayViewMut1<f32>,
) {
    let Some((r0, r1)) = rain_path(rain) else {
        return;
    };
    let base = phidp[r0]; // no attenuation before the first rain gate
    let mut running = 0.0f32;
    for g in r0..pia.len() {
        if g <= r1 {
            running = running.max(phidp[g] - base);
        }
        pia[g] = k.linear_alpha as f32 * running;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zphi_recovers_a_power_law_attenuation() {
        // Rain with A = a·Z^b exactly and KDP = A/α: the observed Z is attenuated; ZPHI must recover the truth.
        let k = AttenuationCoefficients::for_band(Band::X).unwrap();
        let n = 400;
        let dr_km = 0.15;
        let true_dbz: Vec<f64> = (0..n)
            .map(|g| 25.0 + 25.0 * (-((g as f64 - 200.0) / 60.0).powi(2)).exp())
            .collect();
        let a_coef = 3e-4;
        let specific: Vec<f64> = true_dbz
            .iter()
            .map(|z| a_coef * 10f64.powf(0.1 * k.zphi_b * z))
            .collect();
        let mut pia_true = vec![0.0; n];
        let mut phi = vec![0.0; n];
        let mut s = 0.0;
        for g in 0..n {
            pia_true[g] = 2.0 * dr_km * (s + 0.5 * specific[g]);
            phi[g] = pia_true[g] / k.zphi_alpha;
            s += specific[g];
        }
        let observed = Array2::from_shape_fn((1, n), |(_, g)| (true_dbz[g] - pia_true[g]) as f32);
        let phidp = Array2::from_shape_fn((1, n), |(_, g)| phi[g] as f32);
        let rain = Array2::from_elem((1, n), true);
        let c = correct(
            observed.view(),
            None,
            phidp.view(),
            rain.view(),
            150.0,
            &k,
            AttenuationMethod::Zphi,
            1.0,
        )
        .unwrap();
        assert!(pia_true[n - 1] > 10.0, "{}", pia_true[n - 1]);
        for (g, truth) in true_dbz.iter().enumerate() {
            let err = f64::from(c.dbzh[[0, g]]) - truth;
            assert!(err.abs() < 0.05, "gate {g}: error {err}");
        }
    }

    /// [`correct_as_pyart`] without ZDR.
    fn pyart(
        dbzh: &Array2<f32>,
        phidp: &Array2<f32>,
        weather: &Array2<bool>,
        warm: &Array2<bool>,
        gate_spacing_m: f32,
        k: &AttenuationCoefficients,
    ) -> Correction {
        let (z, p) = (dbzh.view(), phidp.view());
        correct_as_pyart(z, None, p, weather.view(), warm.view(), gate_spacing_m, k).unwrap()
    }

    #[test]
    fn pyart_conventions_reach_alpha_delta_phi_at_the_end_of_the_warm_path() {
        let k = AttenuationCoefficients::for_band(Band::C).unwrap();
        let n = 200;
        let dbzh = Array2::from_shape_fn((3, n), |(_, g)| {
            35.0 + 10.0 * (-((g as f32 - 80.0) / 30.0).powi(2)).exp()
        });
        // negative phase counts as 0; a spike at gate 60 is kept by the running maximum (as in Py-ART)
        let phidp = Array2::from_shape_fn((3, n), |(_, g)| match g {
            0..=9 => -1.0,
            60 => 50.0,
            _ => 0.25 * (g.min(150) as f32 - 10.0),
        });
        let mut weather = Array2::from_elem((3, n), true);
        // ray 2: only five weather gates, not corrected
        weather.row_mut(2).fill(false);
        weather.row_mut(2).slice_mut(ndarray::s![20..25]).fill(true);
        let warm = Array2::from_shape_fn((3, n), |(_, g)| g < 160);
        let c = pyart(&dbzh, &phidp, &weather, &warm, 250.0, &k);
        // ΔΦ = 50°: the median of the last six warm weather gates of the running maximum of the phase
        let expected = 0.08 * 50.0;
        assert!(
            (c.pia_db[[0, 159]] - expected).abs() < 0.02 * expected,
            "{}",
            c.pia_db[[0, 159]]
        );
        assert_eq!(c.pia_db[[0, 199]], c.pia_db[[0, 159]]);
        assert!(c.pia_db.row(0).windows(2).into_iter().all(|w| w[1] >= w[0]));
        assert_eq!(c.pia_db.row(0), c.pia_db.row(1));
        assert!(c.pia_db.row(2).iter().all(|&a| a == 0.0));
        // without the spike: ΔΦ = 35°
        let mut smooth = phidp.clone();
        smooth.column_mut(60).fill(0.25 * 50.0);
        let c = pyart(&dbzh, &smooth, &weather, &warm, 250.0, &k);
        let expected = 0.08 * 35.0;
        assert!(
            (c.pia_db[[0, 199]] - expected).abs() < 0.02 * expected,
            "{}",
            c.pia_db[[0, 199]]
        );
    }

    #[test]
    fn pyart_weights_vanish_around_a_gate_without_reflectivity() {
        // Py-ART's 5-gate mean is undefined where one gate of the window has no Z: the weight there is 0, so a ray
        // with a gap takes less of the attenuation up to the gap than one without
        let k = AttenuationCoefficients::for_band(Band::X).unwrap();
        let n = 100;
        let mut dbzh = Array2::from_elem((2, n), 40.0f32);
        dbzh[[1, 30]] = f32::NAN;
        let phidp = Array2::from_shape_fn((2, n), |(_, g)| 0.2 * g as f32);
        let weather = Array2::from_elem((2, n), true);
        let warm = Array2::from_elem((2, n), true);
        let c = pyart(&dbzh, &phidp, &weather, &warm, 100.0, &k);
        // about the same total (the same ΔΦ) at the end of the path (gate 98, the last before the end gate 99)
        let total = c.pia_db[[0, 98]];
        assert!((total - c.pia_db[[1, 98]]).abs() < 0.02 * total, "{total}");
        // gates 28-32 carry no weight on ray 1: no attenuation accrues between them
        let across = |r: usize| c.pia_db[[r, 31]] - c.pia_db[[r, 27]];
        assert!(
            across(1).abs() < 1e-5 && across(0) > 0.1,
            "{} {}",
            across(1),
            across(0)
        );
        // no weight at the first two gates (the window leaves the ray)
        assert_eq!(c.pia_db[[0, 0]], 0.0);
    }

    #[test]
    fn nothing_to_correct_without_rain() {
        let k = AttenuationCoefficients::for_band(Band::C).unwrap();
        let z = Array2::from_elem((2, 10), 30.0f32);
        let p = Array2::from_elem((2, 10), 5.0f32);
        let rain = Array2::from_elem((2, 10), false);
        let c = correct(
            z.view(),
            None,
            p.view(),
            rain.view(),
            250.0,
            &k,
            AttenuationMethod::Zphi,
            2.0,
        )
        .unwrap();
        assert!(c.pia_db.iter().all(|&a| a == 0.0));
        assert!(AttenuationCoefficients::for_band(Band::Other).is_err());
    }
}
