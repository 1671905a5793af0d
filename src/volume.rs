//! The polar data model: a [`PolarVolume`] of [`Sweep`]s, each holding named [`Moment`]s.
//!
//! Moments are `f32` arrays of shape `(n_rays, n_gates)` in physical units, named as WMO FM 301 / CfRadial 2
//! (`DBZH`, `ZDR`, `RHOHV`, …). Every gate also carries a [`GateStatus`], so that "not scanned / no data",
//! "below detection / no echo" and "range folded" stay distinct; the value of a gate that is not
//! [`GateStatus::Valid`] is `NaN`.

use std::fmt;

use chrono::{DateTime, Utc};
use ndarray::{Array2, ArrayView1, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Radar frequency band, derived from the transmit frequency (IEEE 521 letter bands).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Band {
    /// 2–4 GHz (≈ 10 cm), e.g. CINRAD/SA, WSR-88D.
    S,
    /// 4–8 GHz (≈ 5 cm).
    C,
    /// 8–12 GHz (≈ 3 cm): strong attenuation in rain.
    X,
    /// Outside S, C and X (L, Ku, Ka, W …).
    Other,
}

impl Band {
    /// The band of a transmit frequency in MHz: S for \[2000, 4000), C for \[4000, 8000), X for \[8000, 12000).
    ///
    /// ```
    /// use squall::volume::Band;
    /// assert_eq!(Band::from_frequency_mhz(9464.0), Band::X);
    /// assert_eq!(Band::from_frequency_mhz(2800.0), Band::S);
    /// assert_eq!(Band::from_frequency_mhz(5450.0), Band::C);
    /// ```
    pub fn from_frequency_mhz(frequency_mhz: f64) -> Band {
        match frequency_mhz {
            f if (2000.0..4000.0).contains(&f) => Band::S,
            f if (4000.0..8000.0).contains(&f) => Band::C,
            f if (8000.0..12000.0).contains(&f) => Band::X,
            _ => Band::Other,
        }
    }

    /// A representative frequency in MHz, used when a file does not give one.
    pub fn nominal_frequency_mhz(self) -> Option<f64> {
        match self {
            Band::S => Some(2800.0),
            Band::C => Some(5600.0),
            Band::X => Some(9400.0),
            Band::Other => None,
        }
    }
}

impl fmt::Display for Band {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Band::S => "S",
            Band::C => "C",
            Band::X => "X",
            Band::Other => "other",
        };
        f.write_str(name)
    }
}

/// Where the radar stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// Station identifier, e.g. `"Z9200"` or `"KLBB"`.
    pub id: String,
    /// Human-readable name.
    pub name: String,
    /// Latitude in degrees north (WGS 84).
    pub latitude_deg: f64,
    /// Longitude in degrees east (WGS 84).
    pub longitude_deg: f64,
    /// Height of the antenna above mean sea level in metres.
    pub altitude_m: f64,
}

/// What a gate holds. Stored as one byte per gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum GateStatus {
    /// A measured value.
    Valid = 0,
    /// Measured, but below the detection threshold: no echo. For reflectivity this means "no rain".
    NoEcho = 1,
    /// Doppler moment folded in range: the true value is unknown.
    RangeFolded = 2,
    /// Not scanned, beyond the end of the ray, or missing.
    #[default]
    NoData = 3,
}

impl GateStatus {
    /// The status for a byte code (`0..=3`, as in [`GateStatus as u8`]); other codes are `None`.
    pub fn from_code(code: u8) -> Option<GateStatus> {
        match code {
            0 => Some(GateStatus::Valid),
            1 => Some(GateStatus::NoEcho),
            2 => Some(GateStatus::RangeFolded),
            3 => Some(GateStatus::NoData),
            _ => None,
        }
    }
}

/// One radar variable over one sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct Moment {
    /// FM 301 name, e.g. `"DBZH"`.
    pub name: String,
    /// Physical units, e.g. `"dBZ"`, `"m/s"`, `"degrees"`, `"unitless"`.
    pub units: String,
    /// Values `(n_rays, n_gates)` in `units`; `NaN` wherever `status` is not [`GateStatus::Valid`].
    pub values: Array2<f32>,
    /// Status of each gate `(n_rays, n_gates)`.
    pub status: Array2<GateStatus>,
}

/// Summary statistics of a moment over its valid gates (as printed by `squall info`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MomentSummary {
    /// Number of gates holding a measured value.
    pub valid: u64,
    /// Mean over the valid gates (physical units); `None` if there are none.
    pub mean: Option<f64>,
    /// Minimum over the valid gates.
    pub min: Option<f64>,
    /// Maximum over the valid gates.
    pub max: Option<f64>,
}

impl Moment {
    /// A moment with every gate [`GateStatus::NoData`].
    pub fn no_data(name: &str, units: &str, n_rays: usize, n_gates: usize) -> Moment {
        Moment {
            name: name.to_owned(),
            units: units.to_owned(),
            values: Array2::from_elem((n_rays, n_gates), f32::NAN),
            status: Array2::from_elem((n_rays, n_gates), GateStatus::NoData),
        }
    }

    /// A moment from values alone: finite values are valid, `NaN` gates are [`GateStatus::NoData`].
    pub fn from_values(name: &str, units: &str, values: Array2<f32>) -> Moment {
        let status = values.mapv(|v| {
            if v.is_finite() {
                GateStatus::Valid
            } else {
                GateStatus::NoData
            }
        });
        let values = values.mapv(|v| if v.is_finite() { v } else { f32::NAN });
        Moment {
            name: name.to_owned(),
            units: units.to_owned(),
            values,
            status,
        }
    }

    /// Sets one gate to a valid value.
    pub fn set_valid(&mut self, ray: usize, gate: usize, value: f32) {
        self.values[[ray, gate]] = value;
        self.status[[ray, gate]] = GateStatus::Valid;
    }

    /// Sets one gate to a non-valid status (its value becomes `NaN`).
    pub fn set_status(&mut self, ray: usize, gate: usize, status: GateStatus) {
        self.values[[ray, gate]] = if status == GateStatus::Valid {
            self.values[[ray, gate]]
        } else {
            f32::NAN
        };
        self.status[[ray, gate]] = status;
    }

    /// Count, mean, min and max over the valid gates (sums in `f64`).
    pub fn summary(&self) -> MomentSummary {
        MomentSummary::of_gates(self.values.iter().zip(self.status.iter()))
    }
}

impl MomentSummary {
    /// Count, mean, min and max over the valid gates of `(value, status)` pairs (sums in `f64`).
    pub fn of_gates<'a>(
        gates: impl IntoIterator<Item = (&'a f32, &'a GateStatus)>,
    ) -> MomentSummary {
        let (mut n, mut sum) = (0u64, 0.0f64);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (&v, &s) in gates {
            if s == GateStatus::Valid {
                let v = f64::from(v);
                n += 1;
                sum += v;
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if n == 0 {
            MomentSummary {
                valid: 0,
                mean: None,
                min: None,
                max: None,
            }
        } else {
            MomentSummary {
                valid: n,
                mean: Some(sum / n as f64),
                min: Some(lo),
                max: Some(hi),
            }
        }
    }
}

/// How the antenna moved during a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SweepMode {
    /// Full azimuth circle at a fixed elevation.
    Ppi,
    /// Part of the azimuth circle at a fixed elevation.
    Sector,
    /// Elevation scan at a fixed azimuth.
    Rhi,
    /// Antenna pointing to the zenith.
    VerticalPointing,
}

/// One antenna sweep: rays × gates, several moments on the same geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    /// Scan mode.
    pub mode: SweepMode,
    /// Fixed (target) angle in degrees: elevation for PPI/sector, azimuth for RHI.
    pub fixed_angle_deg: f32,
    /// Azimuth of each ray in degrees clockwise from north, `(n_rays,)`.
    pub azimuth_deg: Vec<f32>,
    /// Elevation of each ray in degrees above the horizon, `(n_rays,)`.
    pub elevation_deg: Vec<f32>,
    /// Time of each ray in seconds since the volume's `start_time`, `(n_rays,)`.
    pub time_s: Vec<f64>,
    /// Range from the antenna to the centre of the first gate, metres.
    pub first_gate_m: f32,
    /// Distance between gate centres, metres.
    pub gate_spacing_m: f32,
    /// Nyquist velocity in m/s, where known.
    pub nyquist_mps: Option<f32>,
    /// Moments in file order, all of shape `(n_rays, n_gates)`.
    pub moments: Vec<Moment>,
}

impl Sweep {
    /// Number of rays.
    pub fn n_rays(&self) -> usize {
        self.azimuth_deg.len()
    }

    /// Number of gates along each ray (the same for every moment).
    pub fn n_gates(&self) -> usize {
        self.moments.first().map_or(0, |m| m.values.len_of(Axis(1)))
    }

    /// Range of the centre of each gate in metres, `(n_gates,)`.
    pub fn ranges_m(&self) -> Vec<f32> {
        (0..self.n_gates())
            .map(|g| self.first_gate_m + g as f32 * self.gate_spacing_m)
            .collect()
    }

    /// The moment with this FM 301 name.
    pub fn moment(&self, name: &str) -> Option<&Moment> {
        self.moments.iter().find(|m| m.name == name)
    }

    /// The moment with this FM 301 name, mutable.
    pub fn moment_mut(&mut self, name: &str) -> Option<&mut Moment> {
        self.moments.iter_mut().find(|m| m.name == name)
    }

    /// Checks that every per-ray vector and every moment agree in shape.
    pub fn validate(&self) -> Result<()> {
        let n_rays = self.n_rays();
        for (what, len) in [
            ("elevation_deg", self.elevation_deg.len()),
            ("time_s", self.time_s.len()),
        ] {
            if len != n_rays {
                return Err(Error::Shape {
                    what: format!("sweep {what}"),
                    expected: format!("({n_rays},)"),
                    found: format!("({len},)"),
                });
            }
        }
        let n_gates = self.n_gates();
        for m in &self.moments {
            for (what, dim) in [("values", m.values.dim()), ("status", m.status.dim())] {
                if dim != (n_rays, n_gates) {
                    return Err(Error::Shape {
                        what: format!("moment {} {what}", m.name),
                        expected: format!("({n_rays}, {n_gates})"),
                        found: format!("{dim:?}"),
                    });
                }
            }
        }
        Ok(())
    }

    /// The mean of the ray elevations in degrees (the fixed angle when there are no rays).
    pub fn mean_elevation_deg(&self) -> f32 {
        ArrayView1::from(&self.elevation_deg)
            .mean()
            .unwrap_or(self.fixed_angle_deg)
    }
}

/// A radar volume: the site, the instrument and its sweeps in scan order.
#[derive(Debug, Clone, PartialEq)]
pub struct PolarVolume {
    /// Radar site.
    pub site: Site,
    /// Transmit frequency in MHz, where known.
    pub frequency_mhz: Option<f64>,
    /// Horizontal 3-dB beam width in degrees.
    pub beam_width_deg: f32,
    /// Scan start time (UTC).
    pub start_time: DateTime<Utc>,
    /// Sweeps in the order they were scanned.
    pub sweeps: Vec<Sweep>,
}

impl PolarVolume {
    /// The frequency band, from the frequency where known.
    pub fn band(&self) -> Option<Band> {
        self.frequency_mhz.map(Band::from_frequency_mhz)
    }

    /// Checks every sweep's shapes (see [`Sweep::validate`]).
    pub fn validate(&self) -> Result<()> {
        self.sweeps.iter().try_for_each(Sweep::validate)
    }
}
