//! The whole dual-polarisation chain on a volume: filter → ΦDP/KDP → attenuation → classification → rain rate.

use ndarray::{Array2, Zip};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::attenuation::{self, AttenuationCoefficients, AttenuationMethod};
use super::filter::{self, EchoFilterConfig, FilterInputs};
use super::hydroclass::{self, ClassifyInputs, HydroclassWeights};
use super::phidp::{self, KdpMethod, PathPhase, PhidpConfig};
use super::rainrate::{self, RainCoefficients, RainEstimator, RainInputs};
use super::temperature::TemperatureProfile;
use crate::error::{Error, Result};
use crate::volume::{Band, GateStatus, Moment, PolarVolume, Sweep, SweepMode};

/// Names of the moments [`process`] reads (FM 301 by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MomentNames {
    /// Reflectivity, dBZ (`DBZH`).
    pub dbzh: String,
    /// Differential reflectivity, dB (`ZDR`).
    pub zdr: String,
    /// Co-polar correlation coefficient (`RHOHV`).
    pub rhohv: String,
    /// Differential phase, degrees (`PHIDP`).
    pub phidp: String,
    /// Signal-to-noise ratio, dB (`SNRH`); optional in the data.
    pub snr: String,
}

impl Default for MomentNames {
    fn default() -> Self {
        MomentNames {
            dbzh: "DBZH".into(),
            zdr: "ZDR".into(),
            rhohv: "RHOHV".into(),
            phidp: "PHIDP".into(),
            snr: "SNRH".into(),
        }
    }
}

/// Names of the moments [`process`] adds.
pub mod names {
    /// Attenuation-corrected reflectivity, dBZ.
    pub const DBZH_CORRECTED: &str = "DBZH_CORR";
    /// Attenuation-corrected differential reflectivity, dB.
    pub const ZDR_CORRECTED: &str = "ZDR_CORR";
    /// Unfolded, offset-free, smoothed differential phase, degrees.
    pub const PHIDP_CORRECTED: &str = "PHIDP_CORR";
    /// Specific differential phase, ° km⁻¹ (replaces any `KDP` of the input in the returned copy).
    pub const KDP: &str = "KDP";
    /// Two-way path-integrated attenuation, dB.
    pub const PIA: &str = "PIA";
    /// Hydrometeor class code 1–10 ([`HydroClass`](crate::dualpol::hydroclass::HydroClass)).
    pub const HCLASS: &str = "HCLASS";
    /// Rain rate, mm h⁻¹.
    pub const RATE: &str = "RATE";
}

/// Settings of the whole chain. The default reads FM 301 names, takes the band from the volume's frequency,
/// uses the least-squares adaptive KDP, ZPHI, and a standard atmosphere with the freezing level at 4000 m above
/// mean sea level (set [`Config::temperature`] to a sounding or the day's freezing level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The band, overriding the one derived from the volume's frequency (needed when the file gives none).
    pub band: Option<Band>,
    /// Names of the input moments.
    pub names: MomentNames,
    /// Echo filter.
    pub filter: EchoFilterConfig,
    /// ΦDP processing.
    pub phidp: PhidpConfig,
    /// KDP estimator.
    pub kdp: KdpMethod,
    /// Attenuation correction.
    pub attenuation: AttenuationMethod,
    /// The phase the attenuation correction integrates (the median-filtered measured phase by default).
    pub path_phase: PathPhase,
    /// Rays whose rain path changes ΦDP by less than this are not corrected by ZPHI, degrees (2° by default).
    pub min_delta_phidp_deg: f32,
    /// Temperature profile (gate temperature from the beam height).
    pub temperature: TemperatureProfile,
    /// Weights of the classification.
    pub weights: HydroclassWeights,
    /// Rain-rate estimator.
    pub rain: RainEstimator,
    /// Which of the optional moments to derive (all by default); leaving out the ones a caller does not read
    /// saves their computation (the classification and the rain rate are most of the chain's cost).
    pub outputs: Outputs,
}

/// The optional moments of [`process`]: `PIA` and `DBZH_CORR` are always derived; each flag adds one more.
/// KDP is estimated when any of `kdp`, `classification` or `rain_rate` is set. The moments derived are the same
/// whichever others are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Outputs {
    /// `PHIDP_CORR`.
    pub phidp: bool,
    /// `KDP`.
    pub kdp: bool,
    /// `ZDR_CORR`.
    pub zdr: bool,
    /// `HCLASS`.
    pub classification: bool,
    /// `RATE`.
    pub rain_rate: bool,
}

impl Outputs {
    /// Every optional moment.
    pub const ALL: Outputs = Outputs {
        phidp: true,
        kdp: true,
        zdr: true,
        classification: true,
        rain_rate: true,
    };

    /// Only the attenuation-corrected reflectivity and the path-integrated attenuation.
    pub const REFLECTIVITY: Outputs = Outputs {
        phidp: false,
        kdp: false,
        zdr: false,
        classification: false,
        rain_rate: false,
    };
}

impl Default for Outputs {
    fn default() -> Self {
        Outputs::ALL
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            band: None,
            names: MomentNames::default(),
            filter: EchoFilterConfig::default(),
            phidp: PhidpConfig::default(),
            kdp: KdpMethod::default(),
            attenuation: AttenuationMethod::Zphi,
            path_phase: PathPhase::Median,
            min_delta_phidp_deg: 2.0,
            temperature: TemperatureProfile::StandardAtmosphere {
                freezing_level_m: 4_000.0,
            },
            weights: HydroclassWeights::default(),
            rain: RainEstimator::Blended,
            outputs: Outputs::ALL,
        }
    }
}

/// Runs the dual-polarisation chain on every sweep and returns a copy of the volume with the derived moments added
/// ([`names`]): `PHIDP_CORR`, `KDP`, `PIA`, `DBZH_CORR`, `ZDR_CORR`, `HCLASS`, `RATE` (those of
/// [`Config::outputs`]). The input is not modified ([`process_in_place`] adds them to a volume the caller owns).
///
/// Per sweep: the echo mask ([`filter::echo_mask`]); ΦDP unfolding, offset and smoothing
/// ([`phidp::process_phidp`]); KDP ([`phidp::kdp`]) with negative values removed in rain
/// ([`phidp::nonnegative_in_rain`]); attenuation correction over the rain path (weather gates warmer than 0 °C,
/// [`attenuation::correct`]; [`attenuation::correct_as_pyart`] for `ZphiPyArt`); classification ([`hydroclass::classify`]); rain rate ([`rainrate::rain_rate`]).
/// Derived moments are [`GateStatus::Valid`] at weather gates, [`GateStatus::NoEcho`] at other measured gates and
/// [`GateStatus::NoData`] where the reflectivity has no data. Sweeps run in parallel.
///
/// # Errors
/// [`Error::Shape`] for an inconsistent volume; [`Error::Parameter`] when a sweep lacks DBZH, ZDR, RHOHV or ΦDP (the
/// message lists the moments present) or the band is unknown; [`Error::Unsupported`] for a band other than S, C, X.
///
/// # Examples
/// ```
/// use squall::dualpol::{process, Config};
/// use squall::synth::{polar_volume, site_at, RadarConfig, SceneConfig};
/// let scene = SceneConfig::convective(3, 96)?.generate()?.scene_3d(0)?;
/// let mut radar = RadarConfig::x_band(site_at(&scene.spec, 0.0, 0.0, "XSYN")?);
/// radar.elevations_deg.truncate(1);
/// let volume = polar_volume(&scene, &radar)?.volume;
/// let processed = process(&volume, &Config::default())?;
/// assert!(processed.sweeps[0].moment("HCLASS").is_some());
/// assert!(volume.sweeps[0].moment("HCLASS").is_none()); // the input is untouched
/// # Ok::<(), squall::Error>(())
/// ```
pub fn process(volume: &PolarVolume, config: &Config) -> Result<PolarVolume> {
    let mut out = volume.clone();
    process_in_place(&mut out, config)?;
    Ok(out)
}

/// [`process`] on a volume the caller owns: the derived moments ([`Config::outputs`]) are added to `volume`
/// (replacing moments of the same names), saving the copy of the volume. On error the volume is unchanged.
///
/// # Errors
/// As [`process`].
pub fn process_in_place(volume: &mut PolarVolume, config: &Config) -> Result<()> {
    volume.validate()?;
    config.temperature.validate()?;
    let band = match config.band.or(volume.band()) {
        Some(b) => b,
        None => {
            return Err(Error::parameter(
                "band",
                "unknown",
                "the volume has no frequency: set Config::band to S, C or X",
            ));
        }
    };
    // fail early on an unsupported band
    AttenuationCoefficients::for_band(band)?;
    let altitude_m = volume.site.altitude_m;
    let derived = volume
        .sweeps
        .par_iter()
        .enumerate()
        .map(|(i, s)| process_sweep(s, i, band, altitude_m, config))
        .collect::<Result<Vec<Vec<Moment>>>>()?;
    for (sweep, moments) in volume.sweeps.iter_mut().zip(derived) {
        for m in moments {
            sweep.moments.retain(|old| old.name != m.name);
            sweep.moments.push(m);
        }
    }
    Ok(())
}

/// The derived moments of one sweep.
fn process_sweep(
    sweep: &Sweep,
    index: usize,
    band: Band,
    altitude_m: f64,
    config: &Config,
) -> Result<Vec<Moment>> {
    let names = &config.names;
    let get = |name: &str| -> Result<&Moment> {
        sweep.moment(name).ok_or_else(|| {
            let present: Vec<&str> = sweep.moments.iter().map(|m| m.name.as_str()).collect();
            Error::parameter(
                "moment",
                name,
                format!(
                    "sweep {index} has no {name} moment (it has: {}); set Config::names to read another name",
                    present.join(", ")
                ),
            )
        })
    };
    let dbzh = get(&names.dbzh)?;
    let zdr = get(&names.zdr)?;
    let rhohv = get(&names.rhohv)?;
    let phidp_in = get(&names.phidp)?;
    let snr = sweep.moment(&names.snr);
    let wrap = matches!(sweep.mode, SweepMode::Ppi) && sweep.n_rays() > 2;
    let mask = filter::echo_mask(
        &FilterInputs {
            dbzh: dbzh.values.view(),
            rhohv: Some(rhohv.values.view()),
            snr_db: snr.map(|m| m.values.view()),
            phidp_deg: Some(phidp_in.values.view()),
        },
        &config.filter,
        wrap,
    )?;
    let temperature = config.temperature.sweep_temperature_c(sweep, altitude_m);
    let processed = phidp::process_phidp(
        phidp_in.values.view(),
        mask.view(),
        Some(rhohv.values.view()),
        &config.phidp,
    )?;
    let rain = Zip::from(&mask)
        .and(&temperature)
        .map_collect(|&m, &t| m && t > 0.0);
    let coefficients = AttenuationCoefficients::for_band(band)?;
    let path_phase = config.path_phase.filled_deg(&processed);
    let correction = if config.attenuation == AttenuationMethod::ZphiPyArt {
        let warm = temperature.mapv(|t| t > 0.0);
        attenuation::correct_as_pyart(
            dbzh.values.view(),
            Some(zdr.values.view()),
            path_phase.view(),
            mask.view(),
            warm.view(),
            sweep.gate_spacing_m,
            &coefficients,
        )?
    } else {
        attenuation::correct(
            dbzh.values.view(),
            Some(zdr.values.view()),
            path_phase.view(),
            rain.view(),
            sweep.gate_spacing_m,
            &coefficients,
            config.attenuation,
            config.min_delta_phidp_deg,
        )?
    };
    let outputs = config.outputs;
    let dbzh_corrected = masked(&correction.dbzh, &mask);
    let zdr_corrected = (outputs.zdr || outputs.classification || outputs.rain_rate)
        .then(|| masked(correction.zdr.as_ref().unwrap_or(&zdr.values), &mask));
    let kdp = if outputs.kdp || outputs.classification || outputs.rain_rate {
        let kdp_raw = phidp::kdp(
            &processed,
            Some(dbzh.values.view()),
            sweep.gate_spacing_m,
            &config.kdp,
        )?;
        Some(phidp::nonnegative_in_rain(
            kdp_raw.view(),
            temperature.view(),
        )?)
    } else {
        None
    };
    let classes = match (&zdr_corrected, &kdp) {
        (Some(zdr_corrected), Some(kdp)) if outputs.classification => Some(hydroclass::classify(
            &ClassifyInputs {
                dbzh: dbzh_corrected.view(),
                zdr: zdr_corrected.view(),
                kdp: kdp.view(),
                rhohv: rhohv.values.view(),
                temperature_c: Some(temperature.view()),
            },
            band,
            &config.weights,
        )?),
        _ => None,
    };
    let rate = match (&zdr_corrected, &kdp) {
        (Some(zdr_corrected), Some(kdp)) if outputs.rain_rate => Some(rainrate::rain_rate(
            &RainInputs {
                dbzh: dbzh_corrected.view(),
                zdr: Some(zdr_corrected.view()),
                kdp: Some(kdp.view()),
                specific_attenuation_db_per_km: Some(correction.specific_db_per_km.view()),
            },
            config.rain,
            &RainCoefficients::for_band(band)?,
        )?),
        _ => None,
    };
    let moment = |name: &str, units: &str, values: Array2<f32>| {
        derived(name, units, values, &mask, &dbzh.status)
    };
    let mut moments = Vec::with_capacity(7);
    if outputs.phidp {
        moments.push(moment(
            names::PHIDP_CORRECTED,
            "degrees",
            processed.phidp_deg,
        ));
    }
    if let Some(kdp) = kdp.filter(|_| outputs.kdp) {
        moments.push(moment(names::KDP, "degrees/km", kdp));
    }
    moments.push(moment(names::PIA, "dB", correction.pia_db));
    moments.push(moment(names::DBZH_CORRECTED, "dBZ", dbzh_corrected));
    if let Some(zdr_corrected) = zdr_corrected.filter(|_| outputs.zdr) {
        moments.push(moment(names::ZDR_CORRECTED, "dB", zdr_corrected));
    }
    if let Some(classes) = classes {
        moments.push(moment(names::HCLASS, "unitless", classes.mapv(f32::from)));
    }
    if let Some(rate) = rate {
        moments.push(moment(names::RATE, "mm/h", rate));
    }
    Ok(moments)
}

/// Values at weather gates, `NaN` elsewhere.
fn masked(values: &Array2<f32>, mask: &Array2<bool>) -> Array2<f32> {
    Zip::from(values)
        .and(mask)
        .map_collect(|&v, &m| if m { v } else { f32::NAN })
}

/// A derived moment: valid at weather gates with a finite value, no echo at other measured gates, no data where
/// the reflectivity had none.
fn derived(
    name: &str,
    units: &str,
    values: Array2<f32>,
    mask: &Array2<bool>,
    reflectivity_status: &Array2<GateStatus>,
) -> Moment {
    let mut status = Array2::from_elem(values.dim(), GateStatus::NoData);
    let mut values = values;
    Zip::from(&mut values)
        .and(&mut status)
        .and(mask)
        .and(reflectivity_status)
        .for_each(|v, s, &m, &zs| {
            *s = if m && v.is_finite() {
                GateStatus::Valid
            } else if zs == GateStatus::NoData {
                GateStatus::NoData
            } else {
                GateStatus::NoEcho
            };
            if *s != GateStatus::Valid {
                *v = f32::NAN;
            }
        });
    Moment {
        name: name.to_owned(),
        units: units.to_owned(),
        values,
        status,
    }
}
