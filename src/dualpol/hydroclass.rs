//! Hydrometeor classification by fuzzy logic: ten classes from drizzle to hail (Dolan and Rutledge 2009; Dolan et
//! al. 2013), with beta-shaped membership functions per band (S, C, X) over reflectivity, ZDR, KDP, ρhv and the
//! temperature of the gate.

use ndarray::{Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};

use super::filter::check_shape;
use crate::error::{Error, Result};
use crate::volume::Band;

/// A hydrometeor class. Codes 1–10 follow Dolan and Rutledge (2009) and CSU_RadarTools; 0 is "not classified"
/// (no reflectivity, or no class with a positive score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum HydroClass {
    /// No echo or no evidence.
    Unclassified = 0,
    /// Drizzle.
    Drizzle = 1,
    /// Rain.
    Rain = 2,
    /// Ice crystals.
    IceCrystals = 3,
    /// Dry aggregates (snow).
    Aggregates = 4,
    /// Wet (melting) snow.
    WetSnow = 5,
    /// Vertically aligned ice.
    VerticalIce = 6,
    /// Low-density graupel.
    LowDensityGraupel = 7,
    /// High-density graupel.
    HighDensityGraupel = 8,
    /// Hail (possibly mixed with rain).
    Hail = 9,
    /// Big drops.
    BigDrops = 10,
}

impl HydroClass {
    /// The ten classes in code order (1–10).
    pub const ALL: [HydroClass; 10] = [
        HydroClass::Drizzle,
        HydroClass::Rain,
        HydroClass::IceCrystals,
        HydroClass::Aggregates,
        HydroClass::WetSnow,
        HydroClass::VerticalIce,
        HydroClass::LowDensityGraupel,
        HydroClass::HighDensityGraupel,
        HydroClass::Hail,
        HydroClass::BigDrops,
    ];

    /// The class of a code 0–10.
    pub fn from_code(code: u8) -> Option<HydroClass> {
        match code {
            0 => Some(HydroClass::Unclassified),
            1..=10 => Some(HydroClass::ALL[usize::from(code) - 1]),
            _ => None,
        }
    }

    /// Whether the class is liquid (drizzle, rain, big drops).
    pub fn is_liquid(self) -> bool {
        matches!(
            self,
            HydroClass::Drizzle | HydroClass::Rain | HydroClass::BigDrops
        )
    }
}

/// Weights of the polarimetric variables in the fuzzy-logic score; Dolan and Rutledge (2009): ZDR 0.8, KDP 1.0,
/// ρhv 0.8 (reflectivity and temperature multiply the score in the hybrid method, so they carry no weight).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HydroclassWeights {
    /// Differential reflectivity.
    pub zdr: f32,
    /// Specific differential phase.
    pub kdp: f32,
    /// Co-polar correlation coefficient.
    pub rhohv: f32,
}

impl Default for HydroclassWeights {
    fn default() -> Self {
        HydroclassWeights {
            zdr: 0.8,
            kdp: 1.0,
            rhohv: 0.8,
        }
    }
}

/// The moments the classification reads, all `(n_rays, n_gates)`, `NaN` where missing at a gate.
#[derive(Debug, Clone, Copy)]
pub struct ClassifyInputs<'a> {
    /// Reflectivity (attenuation-corrected at C and X band), dBZ.
    pub dbzh: ArrayView2<'a, f32>,
    /// Differential reflectivity (corrected), dB.
    pub zdr: ArrayView2<'a, f32>,
    /// Specific differential phase, ° km⁻¹.
    pub kdp: ArrayView2<'a, f32>,
    /// Co-polar correlation coefficient.
    pub rhohv: ArrayView2<'a, f32>,
    /// Temperature of each gate, °C (from a sounding or a standard atmosphere); `None` classifies without it.
    pub temperature_c: Option<ArrayView2<'a, f32>>,
}

/// Classifies every gate: the class codes (see [`HydroClass`]) `(n_rays, n_gates)`.
///
/// Each class j scores S_j = μ_Z,j · μ_T,j · Σ_i w_i μ_ij / Σ_i w_i over the polarimetric variables i (ZDR, KDP,
/// ρhv) present at the gate (the "hybrid" method of Dolan and Rutledge 2009: reflectivity and temperature
/// multiply, so that a class impossible at the gate's reflectivity or temperature cannot win), with beta
/// membership functions μ(x) = 1 / (1 + ((x − m)/a)^{2b}) ([`membership`]);
/// the class of the largest score wins. Gates without reflectivity are [`HydroClass::Unclassified`].
///
/// # Errors
/// [`Error::Shape`] if the inputs differ in shape; [`Error::Unsupported`] for [`Band::Other`].
///
/// # Examples
/// ```
/// use squall::dualpol::hydroclass::{classify_gate, HydroClass, HydroclassWeights};
/// use squall::Band;
/// let w = HydroclassWeights::default();
/// // moderate rain below the melting layer
/// assert_eq!(classify_gate(40.0, 1.5, 1.0, 0.99, 15.0, Band::S, &w)?, HydroClass::Rain);
/// // 60 dBZ, ZDR ≈ 0, low ρhv, above the freezing level: hail
/// assert_eq!(classify_gate(62.0, 0.1, 0.5, 0.93, -5.0, Band::S, &w)?, HydroClass::Hail);
/// // weak, round, cold: dry aggregates
/// assert_eq!(classify_gate(20.0, 0.4, 0.05, 0.99, -12.0, Band::S, &w)?, HydroClass::Aggregates);
/// # Ok::<(), squall::Error>(())
/// ```
///
/// # References
/// Dolan, B. and Rutledge, S. A., 2009: A theory-based hydrometeor identification algorithm for X-band polarimetric
/// radars. *J. Atmos. Oceanic Technol.*, **26**, 2071–2088, doi:10.1175/2009JTECHA1208.1 (X band, hybrid method).
/// Dolan, B., Rutledge, S. A., Lim, S., Chandrasekar, V. and Thurai, M., 2013: A robust C-band hydrometeor
/// identification algorithm and application to a long-term polarimetric radar dataset. *J. Appl. Meteor.
/// Climatol.*, **52**, 2162–2186, doi:10.1175/JAMC-D-12-0275.1 (S- and C-band membership functions).
/// Park, H. S., Ryzhkov, A. V., Zrnić, D. S. and Kim, K.-E., 2009: The hydrometeor classification algorithm for the
/// polarimetric WSR-88D. *Wea. Forecasting*, **24**, 730–748, doi:10.1175/2008WAF2222205.1 (fuzzy-logic framework).
/// The membership parameters are the published tables (as also distributed with CSU_RadarTools).
pub fn classify(
    inputs: &ClassifyInputs<'_>,
    band: Band,
    weights: &HydroclassWeights,
) -> Result<Array2<u8>> {
    let table = table(band)?;
    let dim = inputs.dbzh.dim();
    check_shape("ZDR", dim, inputs.zdr.dim())?;
    check_shape("KDP", dim, inputs.kdp.dim())?;
    check_shape("RHOHV", dim, inputs.rhohv.dim())?;
    if let Some(t) = inputs.temperature_c {
        check_shape("temperature", dim, t.dim())?;
    }
    let mut out = Array2::zeros(dim);
    let nan_row = ndarray::Array1::from_elem(dim.1, f32::NAN);
    Zip::indexed(out.rows_mut()).par_for_each(|r, mut codes| {
        let t = match &inputs.temperature_c {
            Some(t) => t.row(r),
            None => nan_row.view(),
        };
        let (z, d, k, rho) = (
            inputs.dbzh.row(r),
            inputs.zdr.row(r),
            inputs.kdp.row(r),
            inputs.rhohv.row(r),
        );
        for (g, c) in codes.iter_mut().enumerate() {
            *c = score_gate([z[g], d[g], k[g], rho[g]], t[g], table, weights) as u8;
        }
    });
    Ok(out)
}

/// The class of one gate (see [`classify`]); pass `NaN` for a variable that is missing (temperature included).
///
/// # Errors
/// [`Error::Unsupported`] for [`Band::Other`].
pub fn classify_gate(
    dbzh: f32,
    zdr: f32,
    kdp: f32,
    rhohv: f32,
    temperature_c: f32,
    band: Band,
    weights: &HydroclassWeights,
) -> Result<HydroClass> {
    Ok(score_gate(
        [dbzh, zdr, kdp, rhohv],
        temperature_c,
        table(band)?,
        weights,
    ))
}

/// Beta membership function μ(x) = 1 / (1 + ((x − m)/a)^{2b}): 1 at the centre m, 0.5 at m ± a, steeper for
/// larger b.
///
/// ```
/// use squall::dualpol::hydroclass::membership;
/// assert_eq!(membership(3.0, 3.0, 1.0, 5.0), 1.0);
/// assert!((membership(4.0, 3.0, 1.0, 5.0) - 0.5).abs() < 1e-6);
/// ```
pub fn membership(x: f32, m: f32, a: f32, b: f32) -> f32 {
    let u = ((x - m) / a).abs();
    let exponent = 2.0 * b;
    // the published shapes b are whole numbers: an integer power is exact and several times faster
    let power = if exponent.fract() == 0.0 && exponent.abs() <= 256.0 {
        u.powi(exponent as i32)
    } else {
        u.powf(exponent)
    };
    1.0 / (1.0 + power)
}

fn score_gate(
    values: [f32; 4],
    temperature_c: f32,
    table: &Table,
    weights: &HydroclassWeights,
) -> HydroClass {
    if !values[0].is_finite() {
        return HydroClass::Unclassified;
    }
    let w = [0.0, weights.zdr, weights.kdp, weights.rhohv];
    let weight_sum: f32 = (1..4)
        .filter(|&i| values[i].is_finite())
        .map(|i| w[i])
        .sum();
    let mut best = (HydroClass::Unclassified, 0.0f32);
    for (j, class) in HydroClass::ALL.iter().enumerate() {
        let mut s = 0.0;
        for i in 1..4 {
            if values[i].is_finite() {
                let [m, a, b] = table[i][j];
                s += w[i] * membership(values[i], m, a, b);
            }
        }
        let [m, a, b] = table[0][j];
        let mut score = membership(values[0], m, a, b);
        if weight_sum > 0.0 {
            score *= s / weight_sum;
        }
        if temperature_c.is_finite() {
            let [m, a, b] = TEMPERATURE[j];
            score *= membership(temperature_c, m, a, b);
        }
        if score > best.1 {
            best = (*class, score);
        }
    }
    best.0
}

fn table(band: Band) -> Result<&'static Table> {
    match band {
        Band::S => Ok(&S_BAND),
        Band::C => Ok(&C_BAND),
        Band::X => Ok(&X_BAND),
        Band::Other => Err(Error::Unsupported(
            "hydrometeor classification has membership functions for S, C and X band only"
                .to_owned(),
        )),
    }
}

/// Per variable (Z, ZDR, KDP, ρhv), per class in code order, the beta parameters (m, a, b).
type Table = [[[f32; 3]; 10]; 4];

/// Membership functions at S band: per variable (Z, ZDR, KDP, ρhv), per class (m, a, b).
const S_BAND: Table = [
    // reflectivity, dBZ
    [
        [2.0, 29.0, 10.0],
        [41.5, 15.5, 10.0],
        [-3.0, 22.0, 20.0],
        [17.0, 17.0, 15.0],
        [21.0, 22.0, 10.0],
        [-3.0, 22.0, 20.0],
        [37.0, 8.0, 8.0],
        [49.0, 9.0, 6.0],
        [58.0, 12.0, 10.0],
        [57.0, 9.0, 10.0],
    ],
    // ZDR, dB
    [
        [0.35, 0.35, 5.0],
        [2.6, 2.8, 9.0],
        [3.2, 2.8, 10.0],
        [0.6, 0.6, 7.0],
        [1.3, 1.3, 10.0],
        [-0.9, 0.9, 10.0],
        [0.3, 0.8, 6.0],
        [1.0, 1.9, 8.0],
        [0.14, 0.55, 8.0],
        [4.0, 1.7, 8.0],
    ],
    // KDP, ° km⁻¹
    [
        [0.01, 0.01, 2.0],
        [3.7, 4.0, 10.0],
        [0.043, 0.043, 6.0],
        [0.04, 0.05, 1.0],
        [0.13, 0.5, 6.0],
        [-0.23, 0.23, 3.0],
        [0.2, 0.56, 3.0],
        [0.55, 1.155, 3.0],
        [0.2, 0.8, 6.0],
        [1.6, 1.5, 6.0],
    ],
    // ρhv
    [
        [1.0, 0.015, 3.0],
        [1.0, 0.02, 2.0],
        [1.0, 0.02, 3.0],
        [0.998, 0.02, 3.0],
        [0.78, 0.2, 10.0],
        [0.97, 0.04, 3.0],
        [1.0, 0.01, 1.0],
        [1.0, 0.04, 4.0],
        [0.96, 0.1, 3.0],
        [0.98, 0.04, 3.0],
    ],
];

/// Membership functions at C band: per variable (Z, ZDR, KDP, ρhv), per class (m, a, b).
const C_BAND: Table = [
    // reflectivity, dBZ
    [
        [1.75, 29.0, 10.0],
        [39.0, 19.0, 10.0],
        [-3.0, 22.0, 20.0],
        [17.0, 18.1, 10.0],
        [24.0, 21.3, 10.0],
        [-3.0, 22.0, 20.0],
        [37.0, 9.2, 8.0],
        [44.3, 10.2, 6.0],
        [62.3, 14.3, 10.0],
        [57.8, 8.5, 10.0],
    ],
    // ZDR, dB
    [
        [0.46, 0.46, 5.0],
        [2.3, 2.2, 9.0],
        [2.9, 2.7, 10.0],
        [1.0, 1.1, 7.0],
        [1.3, 0.9, 10.0],
        [-0.9, 0.9, 10.0],
        [0.9, 0.9, 6.0],
        [1.6, 1.2, 3.0],
        [0.14, 0.56, 8.0],
        [4.4, 1.9, 8.0],
    ],
    // KDP, ° km⁻¹
    [
        [0.03, 0.03, 2.0],
        [5.5, 5.5, 10.0],
        [0.08, 0.08, 6.0],
        [-0.008, 0.3, 1.0],
        [0.25, 0.43, 6.0],
        [-0.75, 0.75, 30.0],
        [0.1, 0.08, 3.0],
        [1.9, 1.9, 3.0],
        [0.6, 3.5, 6.0],
        [3.4, 3.3, 6.0],
    ],
    // ρhv
    [
        [1.0, 0.018, 3.0],
        [1.0, 0.025, 3.0],
        [0.98, 0.025, 3.0],
        [0.93, 0.07, 3.0],
        [0.74, 0.25, 10.0],
        [0.975, 0.022, 3.0],
        [1.0, 0.025, 1.0],
        [1.0, 0.04, 2.0],
        [0.97, 0.1, 3.0],
        [0.99, 0.03, 3.0],
    ],
];

/// Membership functions at X band: per variable (Z, ZDR, KDP, ρhv), per class (m, a, b).
const X_BAND: Table = [
    // reflectivity, dBZ
    [
        [2.0, 29.0, 10.0],
        [42.0, 17.0, 10.0],
        [-3.0, 22.0, 20.0],
        [16.0, 17.0, 15.0],
        [28.0, 29.0, 10.0],
        [-3.0, 22.0, 20.0],
        [36.0, 9.0, 8.0],
        [43.0, 9.0, 5.0],
        [59.0, 10.3, 6.0],
        [56.0, 9.0, 10.0],
    ],
    // ZDR, dB
    [
        [0.45, 0.45, 5.0],
        [2.85, 3.02, 9.0],
        [3.2, 2.6, 10.0],
        [0.7, 0.7, 7.0],
        [1.6, 1.2, 10.0],
        [-0.9, 1.0, 10.0],
        [0.3, 1.0, 6.0],
        [0.6, 1.5, 2.0],
        [0.12, 0.5, 8.0],
        [4.3, 2.0, 8.0],
    ],
    // KDP, ° km⁻¹
    [
        [0.03, 0.03, 2.0],
        [12.75, 13.0, 60.0],
        [0.15, 0.15, 6.0],
        [0.2, 0.2, 1.0],
        [-7.0, 8.1, 6.0],
        [-0.79, 0.79, 3.0],
        [0.7, 2.1, 3.0],
        [1.55, 3.05, 3.0],
        [0.5, 1.5, 6.0],
        [3.6, 3.3, 6.0],
    ],
    // ρhv
    [
        [1.0, 0.015, 2.0],
        [1.0, 0.04, 2.0],
        [1.0, 0.03, 3.0],
        [0.998, 0.02, 3.0],
        [0.7, 0.26, 10.0],
        [0.98, 0.02, 3.0],
        [1.0, 0.015, 1.0],
        [1.0, 0.035, 1.0],
        [0.97, 0.15, 3.0],
        [0.98, 0.03, 3.0],
    ],
];

/// Temperature membership functions (the same at every band), per class (m, a, b), °C.
const TEMPERATURE: [[f32; 3]; 10] = [
    [40.0, 41.0, 50.0],
    [48.0, 51.0, 30.0],
    [-50.0, 50.0, 25.0],
    [-25.0, 26.0, 15.0],
    [1.0, 3.5, 5.0],
    [-50.0, 50.0, 25.0],
    [-50.0, 50.0, 25.0],
    [-2.5, 20.0, 2.0],
    [0.0, 100.0, 5.0],
    [48.0, 51.0, 30.0],
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_reflectivity_is_unclassified_and_shapes_are_checked() {
        let w = HydroclassWeights::default();
        assert_eq!(
            classify_gate(f32::NAN, 1.0, 1.0, 0.99, 10.0, Band::X, &w).unwrap(),
            HydroClass::Unclassified
        );
        assert!(classify_gate(30.0, 1.0, 1.0, 0.99, 10.0, Band::Other, &w).is_err());
        let a = Array2::from_elem((2, 3), 30.0f32);
        let b = Array2::from_elem((2, 4), 1.0f32);
        let inputs = ClassifyInputs {
            dbzh: a.view(),
            zdr: b.view(),
            kdp: a.view(),
            rhohv: a.view(),
            temperature_c: None,
        };
        assert!(classify(&inputs, Band::C, &w).is_err());
    }

    #[test]
    fn codes_round_trip() {
        for c in HydroClass::ALL {
            assert_eq!(HydroClass::from_code(c as u8), Some(c));
        }
        assert_eq!(HydroClass::from_code(11), None);
    }
}
