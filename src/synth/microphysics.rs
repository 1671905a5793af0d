//! Empirical relations between rain and the polarimetric radar variables, as used by the synthetic scenes.
//!
//! All the relations here are deliberately simple, monotone and documented, so that tests of the processing
//! chain can invert them exactly: rain rate from reflectivity by Marshall–Palmer, specific differential phase from
//! rain rate by the per-band R(KDP) power laws, attenuation proportional to KDP with the per-band linear
//! coefficients, and a smooth ZDR(Z) curve for rain.

use crate::volume::Band;

/// Marshall–Palmer coefficient `a` of Z = a·R^b (Z in mm⁶ m⁻³, R in mm h⁻¹).
///
/// # References
/// Marshall, J. S. and Palmer, W. McK., 1948: The distribution of raindrops with size. *J. Meteor.*, **5**, 165–166,
/// doi:10.1175/1520-0469(1948)005<0165:TDORWS>2.0.CO;2.
pub const MARSHALL_PALMER_A: f64 = 200.0;

/// Marshall–Palmer exponent `b` of Z = a·R^b.
pub const MARSHALL_PALMER_B: f64 = 1.6;

/// Rain rate in mm h⁻¹ from reflectivity in dBZ by Marshall–Palmer, Z = 200 R^1.6.
///
/// # Units
/// dBZ → mm h⁻¹. Any finite reflectivity gives a positive rate; callers decide what counts as "no rain".
///
/// # Examples
/// ```
/// use squall::synth::{dbz_from_rain_rate, rain_rate};
/// // 200 · 10^1.6 = 7962 mm⁶ m⁻³, i.e. 39.01 dBZ, is 10 mm/h.
/// assert!((dbz_from_rain_rate(10.0) - 39.01).abs() < 0.005);
/// assert!((rain_rate(39.010_3) - 10.0).abs() < 1e-3);
/// ```
///
/// # References
/// Marshall and Palmer (1948), see [`MARSHALL_PALMER_A`].
pub fn rain_rate(dbz: f64) -> f64 {
    (10f64.powf(0.1 * dbz) / MARSHALL_PALMER_A).powf(1.0 / MARSHALL_PALMER_B)
}

/// Reflectivity in dBZ of a rain rate in mm h⁻¹ by Marshall–Palmer (the inverse of [`rain_rate`]);
/// `-inf` for a zero rate.
pub fn dbz_from_rain_rate(rate_mm_h: f64) -> f64 {
    10.0 * (MARSHALL_PALMER_A * rate_mm_h.powf(MARSHALL_PALMER_B)).log10()
}

/// Coefficients `(a, b)` of R = a·KDP^b (R in mm h⁻¹, KDP in ° km⁻¹) for a band: S (50.70, 0.85),
/// C (29.70, 0.85), X (15.81, 0.7992). [`Band::Other`] uses the S-band law.
///
/// The coefficients are those of the project's reference table (`docs/algorithms.md`, "QPE").
///
/// # References
/// Bringi, V. N. and Chandrasekar, V., 2001: *Polarimetric Doppler Weather Radar*, Cambridge University Press,
/// ch. 8 (rainfall estimation from KDP).
pub fn r_kdp_coefficients(band: Band) -> (f64, f64) {
    match band {
        Band::S | Band::Other => (50.70, 0.85),
        Band::C => (29.70, 0.85),
        Band::X => (15.81, 0.7992),
    }
}

/// Specific differential phase in ° km⁻¹ of rain falling at `rate_mm_h`, inverting R = a·KDP^b of
/// [`r_kdp_coefficients`], so that an R(KDP) estimator applied to the synthetic KDP returns the rain rate exactly.
///
/// ```
/// use squall::synth::{kdp_from_rain_rate, r_kdp_coefficients};
/// use squall::Band;
/// let kdp = kdp_from_rain_rate(50.7, Band::S);
/// assert!((kdp - 1.0).abs() < 1e-12);
/// // X band sees about 3–4 times more differential phase than S band for the same rain.
/// let ratio = kdp_from_rain_rate(30.0, Band::X) / kdp_from_rain_rate(30.0, Band::S);
/// assert!(ratio > 3.0 && ratio < 5.0, "{ratio}");
/// ```
pub fn kdp_from_rain_rate(rate_mm_h: f64, band: Band) -> f64 {
    let (a, b) = r_kdp_coefficients(band);
    (rate_mm_h.max(0.0) / a).powf(1.0 / b)
}

/// Linear attenuation coefficients `(α, β)` in dB per degree of differential phase:
/// A_H = α·KDP and A_DP = β·KDP (one-way, dB km⁻¹). S (0.04, 0.004), C (0.08, 0.03), X (0.28, 0.04);
/// [`Band::Other`] uses the S-band values.
///
/// # References
/// Bringi, V. N., Chandrasekar, V., Balakrishnan, N. and Zrnić, D. S., 1990: An examination of propagation effects
/// in rainfall on radar measurements at microwave frequencies. *J. Atmos. Oceanic Technol.*, **7**, 829–840,
/// doi:10.1175/1520-0426(1990)007<0829:AEOPEI>2.0.CO;2.
pub fn attenuation_coefficients(band: Band) -> (f64, f64) {
    match band {
        Band::S | Band::Other => (0.04, 0.004),
        Band::C => (0.08, 0.03),
        Band::X => (0.28, 0.04),
    }
}

/// Differential reflectivity of rain in dB as a function of reflectivity in dBZ:
/// ZDR = 0.2 + 2.8·((Z − 20)/35)^1.5 for Z ≥ 20 dBZ (0.2 dB below), capped at 4 dB.
///
/// A smooth curve through the typical values of the median ZDR–Z relation of rain: 0.2 dB at 20 dBZ, ≈ 1 dB at
/// 35 dBZ, ≈ 1.9 dB at 45 dBZ and 3 dB at 55 dBZ (cf. Bringi and Chandrasekar 2001, ch. 7). The same curve is
/// used for every band (resonance effects at C band are ignored).
///
/// ```
/// use squall::synth::rain_zdr_db;
/// assert!((rain_zdr_db(20.0) - 0.2).abs() < 1e-12);
/// assert!((rain_zdr_db(55.0) - 3.0).abs() < 1e-12);
/// ```
pub fn rain_zdr_db(dbz: f64) -> f64 {
    let x = ((dbz - 20.0) / 35.0).max(0.0);
    (0.2 + 2.8 * x * x.sqrt()).min(4.0)
}

/// Co-polar correlation coefficient of rain: 0.99 up to 35 dBZ, falling linearly to 0.98 at 55 dBZ (larger,
/// more oblate and oscillating drops).
pub fn rain_rhohv(dbz: f64) -> f64 {
    0.99 - 0.01 * ((dbz - 35.0) / 20.0).clamp(0.0, 1.0)
}

/// Reflectivity-weighted terminal fall speed of rain in m s⁻¹: V = 2.65·Z^0.114 (Z in mm⁶ m⁻³), capped at 9.6.
///
/// # References
/// Atlas, D., Srivastava, R. C. and Sekhon, R. S., 1973: Doppler radar characteristics of precipitation at vertical
/// incidence. *Rev. Geophys.*, **11**, 1–35, doi:10.1029/RG011i001p00001.
pub fn rain_fall_speed_mps(z_mm6_m3: f64) -> f64 {
    (2.65 * z_mm6_m3.max(0.0).powf(0.114)).min(9.6)
}

/// Reflectivity factor in mm⁶ m⁻³ of a value in dBZ.
#[inline]
pub(crate) fn linear(dbz: f64) -> f64 {
    (DB_TO_LN * dbz).exp()
}

/// ln(10)/10: multiplies decibels into natural-log units.
pub(crate) const DB_TO_LN: f64 = std::f64::consts::LN_10 / 10.0;

/// Rain rate (mm h⁻¹), KDP (° km⁻¹) and fall speed (m s⁻¹) of rain of reflectivity `dbz`, from the relations
/// above, evaluated in log space (one logarithm-free pass: three exponentials).
#[inline]
pub(crate) fn rain_kdp_and_fall_speed(dbz: f64, band: Band) -> (f64, f64) {
    let ln_z = DB_TO_LN * dbz;
    let ln_rate = (ln_z - MARSHALL_PALMER_A.ln()) / MARSHALL_PALMER_B;
    let (a, b) = r_kdp_coefficients(band);
    let kdp = ((ln_rate - a.ln()) / b).exp();
    let fall = (2.65 * (0.114 * ln_z).exp()).min(9.6);
    (kdp, fall)
}

/// Reflectivity in dBZ of a factor in mm⁶ m⁻³ (`-inf` for zero).
#[inline]
pub(crate) fn decibel(z: f64) -> f64 {
    10.0 * z.log10()
}

/// Scale factor of the specific differential phase of ice relative to S band: KDP grows about in proportion to
/// the frequency for particles small compared with the wavelength.
pub(crate) fn frequency_scale(frequency_mhz: f64) -> f64 {
    (frequency_mhz / 2800.0).clamp(0.1, 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn marshall_palmer_at_ten_mm_per_hour() {
        let expected = 10.0 * (200.0 * 10f64.powf(1.6)).log10();
        assert_relative_eq!(expected, 39.0103, epsilon = 1e-4);
        assert_relative_eq!(dbz_from_rain_rate(10.0), expected, epsilon = 1e-12);
        assert_relative_eq!(rain_rate(expected), 10.0, epsilon = 1e-10);
        assert_relative_eq!(rain_rate(dbz_from_rain_rate(73.0)), 73.0, epsilon = 1e-9);
    }

    #[test]
    fn kdp_inverts_r_kdp_for_every_band() {
        for band in [Band::S, Band::C, Band::X] {
            let (a, b) = r_kdp_coefficients(band);
            for rate in [1.0, 10.0, 100.0] {
                let kdp = kdp_from_rain_rate(rate, band);
                assert_relative_eq!(a * kdp.powf(b), rate, max_relative = 1e-12);
            }
        }
        assert!(kdp_from_rain_rate(20.0, Band::C) > kdp_from_rain_rate(20.0, Band::S));
        assert_eq!(kdp_from_rain_rate(0.0, Band::X), 0.0);
    }

    #[test]
    fn log_space_rain_relations_agree_with_the_direct_ones() {
        for band in [Band::S, Band::C, Band::X] {
            for dbz in [5.0, 25.0, 47.0, 60.0] {
                let (kdp, fall) = rain_kdp_and_fall_speed(dbz, band);
                assert_relative_eq!(
                    kdp,
                    kdp_from_rain_rate(rain_rate(dbz), band),
                    max_relative = 1e-12
                );
                assert_relative_eq!(fall, rain_fall_speed_mps(linear(dbz)), max_relative = 1e-12);
            }
        }
    }

    #[test]
    fn zdr_rises_with_reflectivity() {
        let mut last = 0.0;
        for dbz in (0..70).map(f64::from) {
            let zdr = rain_zdr_db(dbz);
            assert!(zdr >= last && zdr <= 4.0);
            last = zdr;
        }
        assert!((rain_zdr_db(35.0) - 1.0).abs() < 0.05);
        assert!(rain_fall_speed_mps(linear(40.0)) > 6.0 && rain_fall_speed_mps(linear(40.0)) < 9.0);
    }
}
