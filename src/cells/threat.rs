//! Threat classes of a tracked cell, each with a score in [0, 1]: hail, damaging wind, short-duration heavy rain
//! and severe convection overall.
//!
//! Each indicator is a linear ramp from "no sign" (0) to "clear sign" (1) between two documented values; a class
//! combines the indicators it has (missing fields simply do not vote).
//!
//! - **Hail**: weighted mean of MESH (10 → 30 mm), POSH (30 → 70 %), HDR (10 → 30 dB; Aydin et al. 1986), ZDR
//!   column depth (0.5 → 2.5 km above the freezing level), VIL density (2.5 → 4 g m⁻³; Amburn and Wolf 1997) and
//!   maximum reflectivity (50 → 60 dBZ), raised to the strongest single indicator when that is above 0.8.
//! - **Damaging wind**: the strongest of VIL (or maximum reflectivity) collapse over the last two scans (20 → 50 %
//!   drop), a descending core (height of the maximum falling 1 → 3 km), low-level divergence across the cell from
//!   radial velocity (10 → 25 m s⁻¹), and a high echo top (8 → 12 km) moving fast (10 → 20 m s⁻¹).
//! - **Heavy rain**: the rain rate (20 → 50 mm h⁻¹) times a persistence factor `0.5 + 0.5·max(slow, training)`:
//!   slow motion (10 → 3 m s⁻¹) or training (0 → 2 other cells upstream within 40 km moving within 45° of the
//!   same direction).
//! - **Severe convection**: the highest of the three, at least the intensity ramp (45 → 60 dBZ) × 0.7.
//!
//! # References
//! - Aydin, K., Seliga, T. A. and Balaji, V., 1986: Remote sensing of hail with a dual linear polarization radar.
//!   *J. Climate Appl. Meteor.*, **25**, 1475–1484.
//! - Amburn and Wolf (1997), see [`crate::cells::properties`]. Witt, A. et al., 1998: An enhanced hail detection algorithm
//!   for the WSR-88D. *Wea. Forecasting*, **13**, 286–303 (MESH, POSH).
//! - Wilson, J. W. and Wakimoto, R. M., 2001: The discovery of the downburst (VIL collapse, descending cores,
//!   divergence). *Bull. Amer. Meteor. Soc.*, **82**, 49–62.

use serde::{Deserialize, Serialize};

use super::forecast::trend_of;
use super::properties::Cell;
use super::track::Track;

/// Level of a threat from its score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreatLevel {
    /// Score < 0.25.
    None,
    /// 0.25 ≤ score < 0.5.
    Low,
    /// 0.5 ≤ score < 0.75.
    Moderate,
    /// Score ≥ 0.75.
    High,
}

impl ThreatLevel {
    /// The level of a score.
    pub fn of(score: f64) -> ThreatLevel {
        match score {
            s if s >= 0.75 => ThreatLevel::High,
            s if s >= 0.5 => ThreatLevel::Moderate,
            s if s >= 0.25 => ThreatLevel::Low,
            _ => ThreatLevel::None,
        }
    }
}

/// One threat class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threat {
    /// Score in [0, 1].
    pub score: f64,
    /// Level of the score.
    pub level: ThreatLevel,
    /// The indicators that voted, with their ramp value.
    pub indicators: Vec<(&'static str, f64)>,
}

impl Threat {
    fn new(score: f64, indicators: Vec<(&'static str, f64)>) -> Threat {
        let score = score.clamp(0.0, 1.0);
        Threat {
            score,
            level: ThreatLevel::of(score),
            indicators,
        }
    }
}

/// All threats of a cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThreatAssessment {
    /// The track assessed.
    pub track: u64,
    /// Hail.
    pub hail: Threat,
    /// Damaging wind.
    pub wind: Threat,
    /// Short-duration heavy rain.
    pub heavy_rain: Threat,
    /// Severe convection overall.
    pub severe: Threat,
}

/// Settings of the assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThreatConfig {
    /// Radius searched upstream for training cells, m.
    pub training_radius_m: f64,
}

impl Default for ThreatConfig {
    fn default() -> Self {
        ThreatConfig {
            training_radius_m: 40_000.0,
        }
    }
}

/// `(x − lo)/(hi − lo)` clamped to [0, 1] (decreasing when `hi < lo`).
fn ramp(x: f64, lo: f64, hi: f64) -> f64 {
    ((x - lo) / (hi - lo)).clamp(0.0, 1.0)
}

/// Scores the threats of a track's last cell; `others` are the other active tracks of the same scan (for training).
pub fn assess(track: &Track, others: &[&Track], config: &ThreatConfig) -> ThreatAssessment {
    let cell = track.last();
    let hail = hail(cell);
    let wind = wind(track);
    let heavy_rain = heavy_rain(track, others, config);
    let intensity = 0.7 * ramp(cell.max_dbz, 45.0, 60.0);
    let top = hail.score.max(wind.score).max(heavy_rain.score);
    let severe = Threat::new(
        top.max(intensity),
        vec![
            ("hail", hail.score),
            ("wind", wind.score),
            ("heavy_rain", heavy_rain.score),
            ("intensity", intensity),
        ],
    );
    ThreatAssessment {
        track: track.id,
        hail,
        wind,
        heavy_rain,
        severe,
    }
}

fn hail(c: &Cell) -> Threat {
    let mut votes: Vec<(&'static str, f64, f64)> =
        vec![("max_dbz", ramp(c.max_dbz, 50.0, 60.0), 1.0)];
    let mut add = |name, value: Option<f64>, lo, hi, weight| {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            votes.push((name, ramp(v, lo, hi), weight));
        }
    };
    add("mesh_mm", c.mesh_mm, 10.0, 30.0, 2.0);
    add("posh", c.posh, 30.0, 70.0, 2.0);
    add("hdr_db", c.hdr_db, 10.0, 30.0, 1.5);
    add(
        "zdr_column_depth_m",
        c.zdr_column_depth_m,
        500.0,
        2_500.0,
        1.5,
    );
    add("vil_density_g_m3", c.vil_density_g_m3, 2.5, 4.0, 1.0);
    let wsum: f64 = votes.iter().map(|v| v.2).sum();
    let mean = votes.iter().map(|v| v.1 * v.2).sum::<f64>() / wsum;
    let strongest = votes.iter().map(|v| v.1).fold(0.0, f64::max);
    let score = if strongest > 0.8 {
        mean.max(strongest)
    } else {
        mean
    };
    Threat::new(score, votes.into_iter().map(|v| (v.0, v.1)).collect())
}

fn wind(track: &Track) -> Threat {
    let c = track.last();
    let h = &track.history;
    let mut indicators = Vec::new();
    if h.len() >= 3 {
        let before = &h[h.len() - 3];
        let collapse = match (before.vil_kg_m2, c.vil_kg_m2) {
            (Some(a), Some(b)) if a > 5.0 => ("vil_collapse", ramp((a - b) / a, 0.2, 0.5)),
            _ => {
                let drop_db = before.max_dbz - c.max_dbz;
                ("max_dbz_collapse", ramp(drop_db, 5.0, 12.0))
            }
        };
        indicators.push(collapse);
        if let (Some(a), Some(b)) = (before.height_of_max_m, c.height_of_max_m) {
            indicators.push(("descending_core", ramp(a - b, 1_000.0, 3_000.0)));
        }
    }
    if let Some(d) = c.velocity_difference {
        indicators.push(("divergence", ramp(d.divergence_mps, 10.0, 25.0)));
    }
    if let Some(top) = c.echo_top_m {
        let speed = track.velocity_mps.0.hypot(track.velocity_mps.1);
        indicators.push((
            "high_top_fast_motion",
            ramp(top, 8_000.0, 12_000.0) * ramp(speed, 10.0, 20.0),
        ));
    }
    let score = indicators.iter().map(|i| i.1).fold(0.0, f64::max);
    Threat::new(score, indicators)
}

fn heavy_rain(track: &Track, others: &[&Track], config: &ThreatConfig) -> Threat {
    let c = track.last();
    let (u, v) = track.velocity_mps;
    let speed = u.hypot(v);
    let rain = ramp(c.max_rain_rate_mm_h, 20.0, 50.0);
    let slow = ramp(speed, 10.0, 3.0);
    // Training: other cells upstream (behind along the motion) moving the same way.
    let upstream = others
        .iter()
        .filter(|o| o.id != track.id)
        .filter(|o| {
            let oc = o.last();
            let (dx, dy) = (oc.x_m - c.x_m, oc.y_m - c.y_m);
            let dist = dx.hypot(dy);
            let (ou, ov) = o.velocity_mps;
            let os = ou.hypot(ov);
            speed > 1.0
                && os > 1.0
                && dist > 0.0
                && dist <= config.training_radius_m
                && (dx * u + dy * v) / (dist * speed) < -0.7
                && (ou * u + ov * v) / (os * speed) > std::f64::consts::FRAC_1_SQRT_2
        })
        .count();
    let training = ramp(upstream as f64, 0.0, 2.0);
    let growth = trend_of(&track.history, 7, |c| c.heavy_rain_area_km2).unwrap_or(0.0);
    let score = rain * (0.5 + 0.5 * slow.max(training));
    Threat::new(
        score,
        vec![
            ("rain_rate", rain),
            ("slow_motion", slow),
            ("training", training),
            ("heavy_rain_area_growth", ramp(growth * 3600.0, 0.0, 50.0)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_and_levels() {
        assert_eq!(ramp(20.0, 10.0, 30.0), 0.5);
        assert_eq!(ramp(12.0, 10.0, 3.0), 0.0);
        assert_eq!(ramp(3.0, 10.0, 3.0), 1.0);
        assert_eq!(ThreatLevel::of(0.8), ThreatLevel::High);
        assert_eq!(ThreatLevel::of(0.3), ThreatLevel::Low);
        assert_eq!(ThreatLevel::of(0.1), ThreatLevel::None);
    }
}
