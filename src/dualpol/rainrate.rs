//! Rain rate from polarimetric variables: R(Z), R(KDP), R(Z, ZDR), R(KDP, ZDR), R(A) and a blended estimator,
//! with per-band coefficients.

use ndarray::{Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};

use super::filter::check_shape;
use crate::error::{Error, Result};
use crate::volume::Band;

/// Coefficients of the rain-rate relations at one band (R in mm h⁻¹).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RainCoefficients {
    /// Z = a·R^b: `(a, b)`, Z in mm⁶ m⁻³ (Marshall–Palmer 200, 1.6).
    pub z: (f64, f64),
    /// R = a·KDP^b, KDP in ° km⁻¹.
    pub kdp: (f64, f64),
    /// R = a·A^b, A the one-way specific attenuation in dB km⁻¹.
    pub attenuation: (f64, f64),
    /// R = c·Z^a·ζdr^b with Z in mm⁶ m⁻³ and ζdr = 10^{ZDR/10} linear: `(c, a, b)`.
    pub z_zdr: (f64, f64, f64),
    /// R = c·KDP^a·ζdr^b: `(c, a, b)`; `None` where no band-specific law is set (the blend then uses R(KDP)).
    pub kdp_zdr: Option<(f64, f64, f64)>,
    /// Blend thresholds: reflectivity (dBZ), ZDR (dB), KDP (° km⁻¹).
    pub thresholds: (f64, f64, f64),
}

impl RainCoefficients {
    /// The coefficients of `docs/algorithms.md`. R(KDP): S (50.70, 0.85), C (29.70, 0.85), X (15.81, 0.7992);
    /// R(A): S (3100, 1.03), C (250, 0.91), X (45.5, 0.83); R(Z) Marshall–Palmer. R(Z, ZDR) = 0.0067 Z^0.927
    /// ζdr^−0.343 (Rayleigh scattering: used at every band) and R(KDP, ZDR) = 90.8 KDP^0.93 ζdr^−0.169 (S band
    /// only). Blend thresholds 38 dBZ, 0.5 dB and, for KDP, 0.3 ° km⁻¹ at S band and at C and X band the KDP that
    /// gives the same R(KDP) rate (18.2 mm h⁻¹): 0.56 (C) and 1.20 ° km⁻¹ (X).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for [`Band::Other`].
    ///
    /// # References
    /// Bringi, V. N. and Chandrasekar, V., 2001: *Polarimetric Doppler Weather Radar*, ch. 8.
    /// Cifelli, R., Chandrasekar, V., Lim, S., Kennedy, P. C., Wang, Y. and Rutledge, S. A., 2011: A new dual-polarization
    /// radar rainfall algorithm: application in Colorado precipitation events. *J. Atmos. Oceanic Technol.*, **28**,
    /// 352–364, doi:10.1175/2010JTECHA1488.1 (CSU blend, S band).
    /// Ryzhkov, A., Diederich, M., Zhang, P. and Simmer, C., 2014: Potential utilization of specific attenuation for
    /// rainfall estimation, mitigation of partial beam blockage, and radar networking. *J. Atmos. Oceanic Technol.*,
    /// **31**, 599–619, doi:10.1175/JTECH-D-13-00038.1 (R(A)).
    pub fn for_band(band: Band) -> Result<RainCoefficients> {
        let (kdp, attenuation, kdp_zdr) = match band {
            Band::S => ((50.70, 0.85), (3100.0, 1.03), Some((90.8, 0.93, -0.169))),
            Band::C => ((29.70, 0.85), (250.0, 0.91), None),
            Band::X => ((15.81, 0.7992), (45.5, 0.83), None),
            Band::Other => {
                return Err(Error::Unsupported(
                    "rain-rate coefficients are known for S, C and X band only".to_owned(),
                ));
            }
        };
        let s_band_rate = rate_kdp(S_BAND_KDP_THRESHOLD, 50.70, 0.85);
        let kdp_threshold = (f64::from(s_band_rate) / kdp.0).powf(1.0 / kdp.1);
        Ok(RainCoefficients {
            z: (200.0, 1.6),
            kdp,
            attenuation,
            z_zdr: (0.0067, 0.927, -0.343),
            kdp_zdr,
            thresholds: (38.0, 0.5, kdp_threshold),
        })
    }
}

/// KDP threshold of the S-band blend, ° km⁻¹ (Cifelli et al. 2011).
const S_BAND_KDP_THRESHOLD: f32 = 0.3;

/// R(Z): rain rate in mm h⁻¹ from reflectivity in dBZ, R = (Z/a)^{1/b}; `NaN` for `NaN`.
///
/// ```
/// use squall::dualpol::rainrate::rate_z;
/// // Marshall–Palmer: 200 · 10^1.6 mm⁶ m⁻³ = 39.01 dBZ is 10 mm/h
/// assert!((rate_z(39.0103, 200.0, 1.6) - 10.0).abs() < 1e-3);
/// ```
pub fn rate_z(dbz: f32, a: f64, b: f64) -> f32 {
    (10f64.powf(0.1 * f64::from(dbz)) / a).powf(1.0 / b) as f32
}

/// R(KDP) = a·KDP^b in mm h⁻¹ (KDP in ° km⁻¹); 0 for KDP ≤ 0.
pub fn rate_kdp(kdp: f32, a: f64, b: f64) -> f32 {
    if kdp.is_nan() {
        f32::NAN
    } else if kdp <= 0.0 {
        0.0
    } else {
        (a * f64::from(kdp).powf(b)) as f32
    }
}

/// R(Z, ZDR) = c·Z^a·ζdr^b in mm h⁻¹, Z = 10^{dBZ/10} mm⁶ m⁻³, ζdr = 10^{ZDR/10}.
pub fn rate_z_zdr(dbz: f32, zdr_db: f32, (c, a, b): (f64, f64, f64)) -> f32 {
    let z = 10f64.powf(0.1 * f64::from(dbz));
    let zeta = 10f64.powf(0.1 * f64::from(zdr_db));
    (c * z.powf(a) * zeta.powf(b)) as f32
}

/// R(KDP, ZDR) = c·KDP^a·ζdr^b in mm h⁻¹; 0 for KDP ≤ 0.
pub fn rate_kdp_zdr(kdp: f32, zdr_db: f32, (c, a, b): (f64, f64, f64)) -> f32 {
    if kdp.is_nan() || zdr_db.is_nan() {
        return f32::NAN;
    }
    if kdp <= 0.0 {
        return 0.0;
    }
    let zeta = 10f64.powf(0.1 * f64::from(zdr_db));
    (c * f64::from(kdp).powf(a) * zeta.powf(b)) as f32
}

/// R(A) = a·A^b in mm h⁻¹ from the one-way specific attenuation A in dB km⁻¹; 0 for A ≤ 0.
pub fn rate_attenuation(specific_attenuation_db_per_km: f32, a: f64, b: f64) -> f32 {
    rate_kdp(specific_attenuation_db_per_km, a, b)
}

/// The blended estimator of one gate (CSU blend of Cifelli et al. 2011, without the classification step):
/// KDP ≥ KDP_t and Z ≥ Z_t → R(KDP, ZDR) if ZDR ≥ ZDR_t (R(KDP) where the band has no R(KDP, ZDR)) else
/// R(KDP); otherwise R(Z, ZDR) if ZDR ≥ ZDR_t else R(Z). Missing ZDR or KDP fall back on R(Z).
///
/// ```
/// use squall::dualpol::rainrate::{blended, rate_z, RainCoefficients};
/// use squall::Band;
/// let k = RainCoefficients::for_band(Band::S)?;
/// assert_eq!(blended(25.0, 0.2, 0.0, &k), rate_z(25.0, 200.0, 1.6));
/// let heavy = blended(50.0, 2.0, 2.0, &k);
/// assert!((heavy - 90.8 * 2f32.powf(0.93) * 10f32.powf(0.2).powf(-0.169)).abs() < 1e-3);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn blended(dbz: f32, zdr_db: f32, kdp: f32, k: &RainCoefficients) -> f32 {
    if dbz.is_nan() {
        return f32::NAN;
    }
    let (z_t, zdr_t, kdp_t) = k.thresholds;
    let zdr_big = zdr_db.is_finite() && f64::from(zdr_db) >= zdr_t;
    if kdp.is_finite() && f64::from(kdp) >= kdp_t && f64::from(dbz) >= z_t {
        match k.kdp_zdr {
            Some(c) if zdr_big => rate_kdp_zdr(kdp, zdr_db, c),
            _ => rate_kdp(kdp, k.kdp.0, k.kdp.1),
        }
    } else if zdr_big {
        rate_z_zdr(dbz, zdr_db, k.z_zdr)
    } else {
        rate_z(dbz, k.z.0, k.z.1)
    }
}

/// A rain-rate estimator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RainEstimator {
    /// R(Z), Marshall–Palmer.
    Z,
    /// R(KDP).
    Kdp,
    /// R(Z, ZDR).
    ZZdr,
    /// R(A) from the specific attenuation.
    Attenuation,
    /// [`blended`].
    #[default]
    Blended,
}

/// The moments a rain-rate estimator reads, all `(n_rays, n_gates)`.
#[derive(Debug, Clone, Copy)]
pub struct RainInputs<'a> {
    /// Reflectivity (attenuation-corrected), dBZ.
    pub dbzh: ArrayView2<'a, f32>,
    /// Differential reflectivity (corrected), dB.
    pub zdr: Option<ArrayView2<'a, f32>>,
    /// Specific differential phase, ° km⁻¹.
    pub kdp: Option<ArrayView2<'a, f32>>,
    /// One-way specific attenuation, dB km⁻¹.
    pub specific_attenuation_db_per_km: Option<ArrayView2<'a, f32>>,
}

/// Rain rate in mm h⁻¹ `(n_rays, n_gates)` by an estimator; `NaN` where the estimator's inputs are missing.
///
/// # Errors
/// [`Error::Shape`] for mismatched shapes; [`Error::Parameter`] if the estimator needs an input that is `None`.
pub fn rain_rate(
    inputs: &RainInputs<'_>,
    estimator: RainEstimator,
    k: &RainCoefficients,
) -> Result<Array2<f32>> {
    let dim = inputs.dbzh.dim();
    let nan = Array2::from_elem(dim, f32::NAN);
    let need = |v: Option<ArrayView2<'_, f32>>, name: &str| -> Result<()> {
        match v {
            Some(v) => check_shape(name, dim, v.dim()),
            None => Err(Error::parameter(
                "rain estimator",
                format!("{estimator:?}"),
                format!("needs {name}"),
            )),
        }
    };
    let zdr = inputs.zdr.unwrap_or(nan.view());
    let kdp = inputs.kdp.unwrap_or(nan.view());
    Ok(match estimator {
        RainEstimator::Z => inputs.dbzh.mapv(|z| rate_z(z, k.z.0, k.z.1)),
        RainEstimator::Kdp => {
            need(inputs.kdp, "KDP")?;
            kdp.mapv(|v| rate_kdp(v, k.kdp.0, k.kdp.1))
        }
        RainEstimator::ZZdr => {
            need(inputs.zdr, "ZDR")?;
            Zip::from(inputs.dbzh)
                .and(zdr)
                .map_collect(|&z, &d| rate_z_zdr(z, d, k.z_zdr))
        }
        RainEstimator::Attenuation => {
            need(
                inputs.specific_attenuation_db_per_km,
                "specific attenuation",
            )?;
            let a = inputs.specific_attenuation_db_per_km.unwrap_or(nan.view());
            a.mapv(|v| rate_attenuation(v, k.attenuation.0, k.attenuation.1))
        }
        RainEstimator::Blended => {
            if let Some(v) = inputs.zdr {
                check_shape("ZDR", dim, v.dim())?;
            }
            if let Some(v) = inputs.kdp {
                check_shape("KDP", dim, v.dim())?;
            }
            Zip::from(inputs.dbzh)
                .and(zdr)
                .and(kdp)
                .map_collect(|&z, &d, &p| blended(z, d, p, k))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_band_kdp_threshold_matches_the_s_band_rate() {
        let x = RainCoefficients::for_band(Band::X).unwrap();
        let t = x.thresholds.2;
        assert!((t - 1.195).abs() < 0.005, "{t}");
        let s = rate_kdp(0.3, 50.7, 0.85);
        assert!((rate_kdp(t as f32, 15.81, 0.7992) - s).abs() < 1e-3);
    }

    #[test]
    fn estimator_without_its_input_is_an_error() {
        let k = RainCoefficients::for_band(Band::C).unwrap();
        let z = Array2::from_elem((2, 2), 30.0f32);
        let inputs = RainInputs {
            dbzh: z.view(),
            zdr: None,
            kdp: None,
            specific_attenuation_db_per_km: None,
        };
        assert!(rain_rate(&inputs, RainEstimator::Kdp, &k).is_err());
        assert!(rain_rate(&inputs, RainEstimator::Blended, &k).is_ok());
    }
}
