//! The radius of influence of a gate: constant, or growing with the beam's footprint (Py-ART's `dist_beam`).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How far from a gate (or a bin of gates) grid points receive its value.
///
/// # References
/// Helmus, J. J. and Collis, S. M., 2016: The Python ARM Radar Toolkit (Py-ART). *J. Open Res. Softw.* 4, e25,
/// doi:10.5334/jors.119 — the `dist_beam` radius of `pyart.map.grid_from_radars`:
/// ROI = max(min_radius, d · tan(nb · bsp)) with `d` the 3-D distance from the antenna.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RadiusOfInfluence {
    /// The same radius everywhere, metres.
    Constant {
        /// Radius, m (> 0).
        radius_m: f64,
    },
    /// A radius that grows with the distance `d` from the antenna as the beam widens:
    /// `max(min_radius_m, d · tan(beam_width_deg))`.
    Beam {
        /// Angular width covered, degrees (Py-ART's `nb · bsp`: beam width × beam spacing, 1° by default).
        beam_width_deg: f64,
        /// Smallest radius, m (Py-ART: 250 m).
        min_radius_m: f64,
    },
}

impl Default for RadiusOfInfluence {
    /// Py-ART's default: [`RadiusOfInfluence::Beam`] with 1° and 250 m.
    fn default() -> Self {
        RadiusOfInfluence::Beam {
            beam_width_deg: 1.0,
            min_radius_m: 250.0,
        }
    }
}

impl RadiusOfInfluence {
    /// The radius in metres at `distance_m` (3-D) from the antenna.
    ///
    /// ```
    /// use squall::grid::RadiusOfInfluence;
    /// let roi = RadiusOfInfluence::default();
    /// assert_eq!(roi.radius_m(1_000.0), 250.0);
    /// assert!((roi.radius_m(100_000.0) - 1_745.5).abs() < 0.1);
    /// ```
    pub fn radius_m(&self, distance_m: f64) -> f64 {
        match *self {
            RadiusOfInfluence::Constant { radius_m } => radius_m,
            RadiusOfInfluence::Beam {
                beam_width_deg,
                min_radius_m,
            } => (distance_m * beam_width_deg.to_radians().tan()).max(min_radius_m),
        }
    }

    /// Checks the parameters.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a non-positive or non-finite radius or a beam width outside (0°, 45°].
    pub fn validate(&self) -> Result<()> {
        match *self {
            RadiusOfInfluence::Constant { radius_m }
                if !(radius_m > 0.0 && radius_m.is_finite()) =>
            {
                Err(Error::parameter(
                    "radius_m",
                    radius_m,
                    "must be positive and finite",
                ))
            }
            RadiusOfInfluence::Beam {
                beam_width_deg,
                min_radius_m,
            } if !(beam_width_deg > 0.0
                && beam_width_deg <= 45.0
                && min_radius_m > 0.0
                && min_radius_m.is_finite()) =>
            {
                Err(Error::parameter(
                    "beam_width_deg / min_radius_m",
                    format!("{beam_width_deg} / {min_radius_m}"),
                    "the width must be in (0, 45] degrees and the minimum radius positive",
                ))
            }
            _ => Ok(()),
        }
    }
}
