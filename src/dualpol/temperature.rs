//! Air temperature at each gate: from a user sounding or a standard atmosphere with a stated freezing level.
//!
//! The classification and the "KDP ≥ 0 in rain" rule need to know where the beam is above or below the 0 °C level.

use ndarray::{Array2, Zip};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::geo::FourThirdsEarth;
use crate::volume::Sweep;

/// Temperature lapse rate of the ICAO standard atmosphere in the troposphere, K m⁻¹.
///
/// # References
/// ICAO, 1993: *Manual of the ICAO Standard Atmosphere*, Doc 7488/3.
pub const STANDARD_LAPSE_RATE_K_PER_M: f64 = 0.0065;

/// A vertical temperature profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TemperatureProfile {
    /// The standard-atmosphere lapse rate ([`STANDARD_LAPSE_RATE_K_PER_M`]) through 0 °C at `freezing_level_m`
    /// (metres above mean sea level): T(h) = 6.5 K km⁻¹ · (freezing level − h).
    StandardAtmosphere {
        /// Height of the 0 °C level above mean sea level, m.
        freezing_level_m: f64,
    },
    /// A sounding: temperatures in °C at strictly increasing heights above mean sea level (m), interpolated
    /// linearly and held constant beyond the first and last levels.
    Sounding {
        /// Heights above mean sea level, m, strictly increasing.
        heights_m: Vec<f64>,
        /// Temperature at each height, °C.
        temperatures_c: Vec<f64>,
    },
}

impl TemperatureProfile {
    /// A standard atmosphere through 0 °C at `freezing_level_m` (m above mean sea level).
    ///
    /// # Errors
    /// [`Error::Parameter`] if the height is not finite.
    pub fn standard(freezing_level_m: f64) -> Result<TemperatureProfile> {
        let profile = TemperatureProfile::StandardAtmosphere { freezing_level_m };
        profile.validate()?;
        Ok(profile)
    }

    /// A sounding from heights (m above mean sea level, strictly increasing) and temperatures (°C).
    ///
    /// # Errors
    /// [`Error::Shape`] if the lengths differ or are zero; [`Error::Parameter`] for non-finite values or heights
    /// that do not increase.
    pub fn sounding(heights_m: Vec<f64>, temperatures_c: Vec<f64>) -> Result<TemperatureProfile> {
        let profile = TemperatureProfile::Sounding {
            heights_m,
            temperatures_c,
        };
        profile.validate()?;
        Ok(profile)
    }

    /// Checks the profile (the checks of [`standard`](Self::standard) and [`sounding`](Self::sounding)).
    ///
    /// # Errors
    /// As for the constructors.
    pub fn validate(&self) -> Result<()> {
        match self {
            TemperatureProfile::StandardAtmosphere { freezing_level_m } => {
                if !freezing_level_m.is_finite() {
                    return Err(Error::parameter(
                        "freezing_level_m",
                        freezing_level_m,
                        "must be a finite height in metres above mean sea level",
                    ));
                }
            }
            TemperatureProfile::Sounding {
                heights_m,
                temperatures_c,
            } => {
                if heights_m.is_empty() || heights_m.len() != temperatures_c.len() {
                    return Err(Error::Shape {
                        what: "temperature sounding (heights_m, temperatures_c)".to_owned(),
                        expected: "two equal non-zero lengths".to_owned(),
                        found: format!("({}, {})", heights_m.len(), temperatures_c.len()),
                    });
                }
                if let Some(v) = heights_m
                    .iter()
                    .chain(temperatures_c)
                    .find(|v| !v.is_finite())
                {
                    return Err(Error::parameter(
                        "temperature sounding",
                        v,
                        "every height and temperature must be finite",
                    ));
                }
                if let Some(w) = heights_m.windows(2).find(|w| w[1] <= w[0]) {
                    return Err(Error::parameter(
                        "heights_m",
                        format!("{} then {}", w[0], w[1]),
                        "heights must increase strictly",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Temperature in °C at `height_m` above mean sea level.
    ///
    /// ```
    /// use squall::dualpol::TemperatureProfile;
    /// let standard = TemperatureProfile::standard(4_000.0)?;
    /// assert!((standard.temperature_c(3_000.0) - 6.5).abs() < 1e-12);
    /// let sounding = TemperatureProfile::sounding(vec![0.0, 1_000.0], vec![20.0, 10.0])?;
    /// assert!((sounding.temperature_c(500.0) - 15.0).abs() < 1e-12);
    /// assert_eq!(sounding.temperature_c(5_000.0), 10.0);
    /// # Ok::<(), squall::Error>(())
    /// ```
    pub fn temperature_c(&self, height_m: f64) -> f64 {
        match self {
            TemperatureProfile::StandardAtmosphere { freezing_level_m } => {
                STANDARD_LAPSE_RATE_K_PER_M * (freezing_level_m - height_m)
            }
            TemperatureProfile::Sounding {
                heights_m,
                temperatures_c,
            } => {
                let i = heights_m.partition_point(|&h| h <= height_m);
                if i == 0 {
                    temperatures_c[0]
                } else if i == heights_m.len() {
                    temperatures_c[i - 1]
                } else {
                    let (h0, h1) = (heights_m[i - 1], heights_m[i]);
                    let (t0, t1) = (temperatures_c[i - 1], temperatures_c[i]);
                    t0 + (t1 - t0) * (height_m - h0) / (h1 - h0)
                }
            }
        }
    }

    /// Temperature in °C of every gate of a sweep `(n_rays, n_gates)`, from the beam-centre height of each gate
    /// (4/3-earth model, each ray's own elevation) plus the antenna altitude `altitude_m`.
    pub fn sweep_temperature_c(&self, sweep: &Sweep, altitude_m: f64) -> Array2<f32> {
        let earth = FourThirdsEarth::default();
        let ranges = sweep.ranges_m();
        let mut out = Array2::zeros((sweep.n_rays(), ranges.len()));
        Zip::from(out.rows_mut())
            .and(&ndarray::ArrayView1::from(&sweep.elevation_deg))
            .par_for_each(|mut row, &elevation| {
                for (t, &range) in row.iter_mut().zip(&ranges) {
                    let height =
                        altitude_m + earth.beam_height_m(f64::from(range), f64::from(elevation));
                    *t = self.temperature_c(height) as f32;
                }
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_profiles_are_rejected() {
        assert!(TemperatureProfile::standard(f64::NAN).is_err());
        assert!(TemperatureProfile::sounding(vec![], vec![]).is_err());
        assert!(TemperatureProfile::sounding(vec![0.0, 0.0], vec![1.0, 2.0]).is_err());
        assert!(TemperatureProfile::sounding(vec![0.0], vec![1.0, 2.0]).is_err());
    }

    #[test]
    fn standard_atmosphere_is_zero_at_the_freezing_level() {
        let p = TemperatureProfile::standard(4_500.0).unwrap();
        assert_eq!(p.temperature_c(4_500.0), 0.0);
        assert!(p.temperature_c(0.0) > 29.0);
    }
}
