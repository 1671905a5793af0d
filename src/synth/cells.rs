//! Convective cells: their description, life cycle, scripted merges and splits, and what the truth records.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Reflectivity deficit in dB of a cell at birth and death relative to its mature peak (see [`LifeCycle`]).
pub const LIFE_CYCLE_DEFICIT_DB: f64 = 25.0;

/// A cell's horizontal profile is dropped below this reflectivity (dBZ): it contributes exactly nothing there.
pub const CELL_CUTOFF_DBZ: f64 = -20.0;

/// Cells whose current peak is at least this (dBZ) carry hail in their core (see [`CellTruth::hail`]).
pub const HAIL_PEAK_DBZ: f64 = 55.0;

/// In a hail-bearing cell, the reflectivity above this value (dBZ) is attributed to hail, the rest to rain.
pub const HAIL_CORE_DBZ: f64 = 50.0;

/// Reflectivity (dBZ) of a cell on its axis at its echo top: the usual 18-dBZ echo-top threshold.
pub const ECHO_TOP_DBZ: f64 = 18.0;

/// Identifier of a synthetic cell, unique within a scene.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub struct CellId(pub u32);

impl fmt::Display for CellId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cell {}", self.0)
    }
}

/// Growth, mature and decay durations of a cell, in seconds.
///
/// With `a(age)` the amplitude of [`amplitude`](Self::amplitude) (0 at birth, 1 when mature, 0 at death), the
/// cell's peak is `peak − LIFE_CYCLE_DEFICIT_DB·(1 − a)`, its radius `radius·(0.6 + 0.4a)` and its echo top
/// `top·(0.6 + 0.4a)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LifeCycle {
    /// Duration of the growth phase, s (0: born mature).
    pub growth_s: f64,
    /// Duration of the mature phase, s (may be infinite).
    pub mature_s: f64,
    /// Duration of the decay phase, s.
    pub decay_s: f64,
}

impl LifeCycle {
    /// Born mature and never decaying.
    pub const STEADY: LifeCycle = LifeCycle {
        growth_s: 0.0,
        mature_s: f64::INFINITY,
        decay_s: 0.0,
    };

    /// An ordinary convective cell: 15 min growth, 30 min mature, 15 min decay.
    pub const TYPICAL: LifeCycle = LifeCycle {
        growth_s: 900.0,
        mature_s: 1800.0,
        decay_s: 900.0,
    };

    /// Total lifetime in seconds.
    pub fn duration_s(&self) -> f64 {
        self.growth_s + self.mature_s + self.decay_s
    }

    /// Whether a cell of this age (s) exists: `0 ≤ age < duration`.
    pub fn is_alive(&self, age_s: f64) -> bool {
        age_s >= 0.0 && age_s < self.duration_s()
    }

    /// Intensity amplitude in `[0, 1]` at an age in seconds: a smoothstep from 0 to 1 over the growth phase, 1 while
    /// mature, a smoothstep back to 0 over the decay phase; 0 outside the life.
    ///
    /// ```
    /// use squall::synth::LifeCycle;
    /// let life = LifeCycle { growth_s: 600.0, mature_s: 1200.0, decay_s: 600.0 };
    /// assert_eq!(life.amplitude(0.0), 0.0);
    /// assert_eq!(life.amplitude(300.0), 0.5);
    /// assert_eq!(life.amplitude(1000.0), 1.0);
    /// assert_eq!(life.amplitude(2100.0), 0.5);
    /// ```
    pub fn amplitude(&self, age_s: f64) -> f64 {
        if !self.is_alive(age_s) {
            return 0.0;
        }
        if age_s < self.growth_s {
            smoothstep(age_s / self.growth_s)
        } else if age_s < self.growth_s + self.mature_s {
            1.0
        } else {
            smoothstep((self.duration_s() - age_s) / self.decay_s)
        }
    }
}

/// The echo top (18 dBZ, metres) of a mature cell of a given peak reflectivity: 8 km at 40 dBZ rising linearly to
/// 14 km at 62 dBZ (clamped to that range).
pub fn typical_top_m(peak_dbz: f64) -> f64 {
    8_000.0 + 6_000.0 * ((peak_dbz - 40.0) / 22.0).clamp(0.0, 1.0)
}

/// A convective cell as the scene author describes it.
///
/// The horizontal profile is a Gaussian in linear reflectivity, i.e. a paraboloid in dBZ:
/// `dBZ = peak − 10·q` with `q = (ξ/a)² + (η/b)²`, where `(ξ, η)` are coordinates along and across the major axis,
/// `a = radius·√aspect` and `b = radius/√aspect` (so the ellipse has the area of a circle of `radius`). The
/// reflectivity is therefore 10 dB below the peak at the `radius` ellipse; the area above a threshold `T` is
/// `π·radius²·(peak − T)/10`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellSpec {
    /// Identifier, unique in the scene (including the children of merge and split events).
    pub id: CellId,
    /// Birth time in seconds after the scene start (negative: born earlier, already evolving at the start).
    pub birth_s: f64,
    /// Projection x of the centroid at birth, m.
    pub x_m: f64,
    /// Projection y of the centroid at birth, m.
    pub y_m: f64,
    /// Peak reflectivity of the mature cell, dBZ (convective cells: 40–62).
    pub peak_dbz: f64,
    /// Equivalent radius of the mature cell, m (where the reflectivity is 10 dB below the peak; typically 2–8 km).
    pub radius_m: f64,
    /// Ratio of the major to the minor axis, ≥ 1.
    pub aspect_ratio: f64,
    /// Direction of the major axis, radians counter-clockwise from +x (east).
    pub orientation_rad: f64,
    /// Echo top (18 dBZ on the axis) of the mature cell, metres above mean sea level.
    pub top_m: f64,
    /// Propagation relative to the motion field `(u, v)`, m s⁻¹ (0 for cells carried by the flow).
    pub propagation_mps: (f64, f64),
    /// Growth, mature and decay durations.
    pub life: LifeCycle,
}

impl CellSpec {
    /// A steady, circular cell born at the scene start, carried by the flow, with the [`typical_top_m`] echo top.
    ///
    /// ```
    /// use squall::synth::{CellId, CellSpec};
    /// let cell = CellSpec::new(CellId(1), 0.0, 0.0, 55.0, 5_000.0);
    /// assert_eq!(cell.aspect_ratio, 1.0);
    /// assert!((cell.top_m - 12_090.9).abs() < 0.1);
    /// ```
    pub fn new(id: CellId, x_m: f64, y_m: f64, peak_dbz: f64, radius_m: f64) -> CellSpec {
        CellSpec {
            id,
            birth_s: 0.0,
            x_m,
            y_m,
            peak_dbz,
            radius_m,
            aspect_ratio: 1.0,
            orientation_rad: 0.0,
            top_m: typical_top_m(peak_dbz),
            propagation_mps: (0.0, 0.0),
            life: LifeCycle::STEADY,
        }
    }
}

/// A scripted change of cell identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CellEvent {
    /// Two cells converge over `approach_s` seconds before `time_s` (each moves towards their common midpoint on top
    /// of the flow, closing the remaining gap linearly in the remaining time) and become `child` at `time_s`.
    ///
    /// The child, centred where the parents met, has the peak of the stronger parent + 2 dB (at most 65 dBZ),
    /// the area of both (radius √(r₁² + r₂²)), aspect 1.4 with its major axis along the line that joined the
    /// parents, the higher top + 1 km (at most 16 km), the mean propagation, and the life cycle and age of the
    /// parent with the longer remaining life.
    Merge {
        /// The two merging cells; both must be alive from `time_s − approach_s` to `time_s`.
        parents: [CellId; 2],
        /// Identifier of the merged cell.
        child: CellId,
        /// Time of the merge, s after the scene start.
        time_s: f64,
        /// Duration of the convergence, s (≥ 0).
        approach_s: f64,
    },
    /// One cell becomes two at `time_s`; the children start at the parent's centroid and move apart along
    /// `direction_rad` (± half of `separation_m` each) at a constant relative speed over `duration_s`, then follow
    /// the flow.
    ///
    /// Each child has the parent's peak − 2 dB, half its area (radius r/√2), aspect 1.2 with the major axis
    /// across the split direction, its top − 0.5 km, and the parent's propagation, life cycle and age.
    Split {
        /// The splitting cell; it must be alive at `time_s`.
        parent: CellId,
        /// Identifiers of the two new cells; the first moves towards `+direction`.
        children: [CellId; 2],
        /// Time of the split, s after the scene start.
        time_s: f64,
        /// Final distance between the children's centroids relative to the flow, m.
        separation_m: f64,
        /// Duration of the separation, s (> 0).
        duration_s: f64,
        /// Direction of separation, radians counter-clockwise from +x (east).
        direction_rad: f64,
    },
}

/// The known state of one cell at one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellTruth {
    /// Identifier.
    pub id: CellId,
    /// The cells this one came from: both parents for the child of a merge, the parent for the children of a
    /// split, empty otherwise. Recorded in every frame of the cell's life.
    pub parents: Vec<CellId>,
    /// Projection x of the centroid, m.
    pub centroid_x_m: f64,
    /// Projection y of the centroid, m.
    pub centroid_y_m: f64,
    /// Fractional row of the centroid in the scene grid ([`GridSpec::index_of`](crate::geo::GridSpec::index_of)).
    pub centroid_row: f64,
    /// Fractional column of the centroid in the scene grid.
    pub centroid_col: f64,
    /// Velocity of the centroid `(u, v)` (east, north), m s⁻¹: the flow at the centroid + propagation + any
    /// merge/split drift.
    pub velocity_mps: (f64, f64),
    /// Current peak reflectivity, dBZ (life cycle applied).
    pub peak_dbz: f64,
    /// Current equivalent radius, m (10 dB below the peak).
    pub radius_m: f64,
    /// Ratio of major to minor axis.
    pub aspect_ratio: f64,
    /// Direction of the major axis, radians counter-clockwise from +x.
    pub orientation_rad: f64,
    /// Current echo top (18 dBZ on the axis), m above mean sea level.
    pub top_m: f64,
    /// Age in seconds since birth (children inherit the age of their parent, see [`CellEvent`]).
    pub age_s: f64,
    /// Area of the cell's own reflectivity at or above 35 dBZ, km²: `π·radius²·(peak − 35)/10` (0 below 35 dBZ).
    /// Overlap with other cells and the stratiform background is not included.
    pub area_km2_above_35dbz: f64,
    /// Whether the core holds hail: current peak ≥ [`HAIL_PEAK_DBZ`].
    pub hail: bool,
    /// Depth above the freezing level of the cell's ZDR column (supercooled drops lifted by the updraft), m:
    /// `3 km·clamp((peak − 45)/15, 0, 1)`.
    pub zdr_column_depth_m: f64,
}

impl CellTruth {
    /// Reflectivity of the cell alone at ground level at `(x, y)` (m), dBZ; `None` where it is below
    /// [`CELL_CUTOFF_DBZ`].
    pub fn dbz_at(&self, x_m: f64, y_m: f64) -> Option<f64> {
        let (along, across) = self.local(x_m, y_m);
        let dbz = self.peak_dbz - 10.0 * self.normalised_distance_sq(along, across);
        (dbz >= CELL_CUTOFF_DBZ).then_some(dbz)
    }

    /// Coordinates `(along, across)` the major axis relative to the centroid, m.
    pub(crate) fn local(&self, x_m: f64, y_m: f64) -> (f64, f64) {
        let (dx, dy) = (x_m - self.centroid_x_m, y_m - self.centroid_y_m);
        let (s, c) = self.orientation_rad.sin_cos();
        (dx * c + dy * s, -dx * s + dy * c)
    }

    /// `q = (ξ/a)² + (η/b)²` of the profile.
    pub(crate) fn normalised_distance_sq(&self, along: f64, across: f64) -> f64 {
        let a2 = self.radius_m * self.radius_m * self.aspect_ratio;
        let b2 = self.radius_m * self.radius_m / self.aspect_ratio;
        along * along / a2 + across * across / b2
    }

    /// Distance from the centroid beyond which the cell contributes nothing, m.
    pub fn reach_m(&self) -> f64 {
        let q_max = ((self.peak_dbz - CELL_CUTOFF_DBZ) / 10.0).max(0.0);
        self.radius_m * self.aspect_ratio.sqrt() * q_max.sqrt()
    }
}

/// 3x² − 2x³ on [0, 1], clamped outside.
pub(crate) fn smoothstep(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn truth(peak: f64, radius: f64, aspect: f64, orientation: f64) -> CellTruth {
        CellTruth {
            id: CellId(1),
            parents: vec![],
            centroid_x_m: 1_000.0,
            centroid_y_m: -2_000.0,
            centroid_row: 0.0,
            centroid_col: 0.0,
            velocity_mps: (0.0, 0.0),
            peak_dbz: peak,
            radius_m: radius,
            aspect_ratio: aspect,
            orientation_rad: orientation,
            top_m: 10_000.0,
            age_s: 0.0,
            area_km2_above_35dbz: 0.0,
            hail: false,
            zdr_column_depth_m: 0.0,
        }
    }

    #[test]
    fn profile_is_ten_db_down_at_the_radius() {
        let cell = truth(50.0, 4_000.0, 1.0, 0.0);
        assert_eq!(cell.dbz_at(1_000.0, -2_000.0), Some(50.0));
        let at_radius = cell.dbz_at(1_000.0, 2_000.0).unwrap();
        assert!((at_radius - 40.0).abs() < 1e-9);
        assert!(
            cell.dbz_at(1_000.0 + cell.reach_m() + 1.0, -2_000.0)
                .is_none()
        );
    }

    #[test]
    fn elliptical_profile_is_longer_along_its_axis() {
        // Major axis pointing north.
        let cell = truth(50.0, 4_000.0, 4.0, std::f64::consts::FRAC_PI_2);
        let north = cell.dbz_at(1_000.0, 6_000.0).unwrap(); // 8 km along = 1 major semi-axis
        let east = cell.dbz_at(3_000.0, -2_000.0).unwrap(); // 2 km across = 1 minor semi-axis
        assert!((north - 40.0).abs() < 1e-9 && (east - 40.0).abs() < 1e-9);
    }

    #[test]
    fn life_cycle_is_continuous_and_bounded() {
        let life = LifeCycle::TYPICAL;
        assert!(!life.is_alive(-1.0) && !life.is_alive(3600.0) && life.is_alive(3599.0));
        let mut last = 0.0;
        for age in (0..3600).step_by(10).map(f64::from) {
            let a = life.amplitude(age);
            assert!((0.0..=1.0).contains(&a));
            assert!((a - last).abs() < 0.03, "jump at {age}");
            last = a;
        }
        assert_eq!(LifeCycle::STEADY.amplitude(1e9), 1.0);
        assert_eq!(LifeCycle::STEADY.amplitude(0.0), 1.0);
    }
}
