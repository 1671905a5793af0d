//! Cell forecasts: weighted least-squares trends of position, size and intensity, with an uncertainty cone.
//!
//! Over the last `history_scans` cells of a track, each quantity is fitted by a straight line in time with weights
//! falling linearly from 1.0 (newest) to 0.4 (oldest), as TITAN does; the forecast moves the last observed value
//! along the fitted slope. The uncertainty radius of the position grows with lead time: a base radius, plus a
//! spread per hour, plus the track's past one-scan forecast error (root mean square) per scan interval.
//!
//! # References
//! Dixon, M. and Wiener, G., 1993: TITAN, *J. Atmos. Oceanic Technol.*, **10**, 785–797,
//! doi:10.1175/1520-0426(1993)010<0785:TTITAA>2.0.CO;2, section 5 (weighted linear trend forecasts).
//! Johnson et al., 1998 (SCIT: least-squares forecasts to 60 min).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::properties::Cell;
use super::track::Track;
use crate::error::{Error, Result};

/// Settings of the forecasts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastConfig {
    /// Longest lead time, s.
    pub max_lead_s: f64,
    /// Step between lead times, s.
    pub step_s: f64,
    /// Scans of history in the fit (TITAN: up to 7).
    pub history_scans: usize,
    /// Uncertainty radius at lead 0, m.
    pub base_radius_m: f64,
    /// Growth of the radius per hour of lead time for every track, m.
    pub spread_m_per_hour: f64,
    /// Past error assumed for a track with no continuation yet, m per scan.
    pub default_error_m: f64,
}

impl Default for ForecastConfig {
    /// 60 min every 6 min, 7 scans, radius 2 km + 10 km h⁻¹ + the track's error (3 km per scan when unknown).
    fn default() -> Self {
        ForecastConfig {
            max_lead_s: 3600.0,
            step_s: 360.0,
            history_scans: 7,
            base_radius_m: 2_000.0,
            spread_m_per_hour: 10_000.0,
            default_error_m: 3_000.0,
        }
    }
}

/// One lead time of a cell forecast.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ForecastStep {
    /// Lead time, s.
    pub lead_s: f64,
    /// Valid time.
    pub time: DateTime<Utc>,
    /// Projection x of the centroid, m.
    pub x_m: f64,
    /// Projection y, m.
    pub y_m: f64,
    /// Forecast area, km² (≥ 0).
    pub area_km2: f64,
    /// Forecast maximum reflectivity, dBZ.
    pub max_dbz: f64,
    /// Radius of the uncertainty cone, m.
    pub uncertainty_m: f64,
}

/// The forecast of one track.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellForecast {
    /// The track.
    pub track: u64,
    /// Velocity `(u, v)`, m s⁻¹.
    pub velocity_mps: (f64, f64),
    /// Trend of the area, km² h⁻¹.
    pub area_trend_km2_per_hour: f64,
    /// Trend of the maximum reflectivity, dB h⁻¹.
    pub max_dbz_trend_db_per_hour: f64,
    /// Lead times from 0 (the last observation) to the longest.
    pub steps: Vec<ForecastStep>,
}

/// Forecasts a track from its last cell.
///
/// # Errors
/// [`Error::Parameter`] for a non-positive step or lead, or cells without a time.
///
/// # Examples
/// ```
/// # use squall::cells::*;
/// # fn demo(track: &Track) -> squall::Result<()> {
/// let f = forecast(track, &ForecastConfig::default())?;
/// assert_eq!(f.steps.len(), 11); // 0, 6, …, 60 min
/// # Ok(()) }
/// ```
pub fn forecast(track: &Track, config: &ForecastConfig) -> Result<CellForecast> {
    if !(config.step_s > 0.0
        && config.max_lead_s >= 0.0
        && config.step_s.is_finite()
        && config.max_lead_s.is_finite())
    {
        return Err(Error::parameter(
            "step_s / max_lead_s",
            format!("{} / {}", config.step_s, config.max_lead_s),
            "need step_s > 0 and max_lead_s ≥ 0",
        ));
    }
    let last = track.last();
    let t0 = last
        .time
        .ok_or_else(|| Error::parameter("cells", track.id, "a forecast needs cells with times"))?;
    let recent = recent(&track.history, config.history_scans);
    let slope = |f: &dyn Fn(&Cell) -> f64| weighted_slope(recent, f);
    let (u, v) = track.velocity_mps;
    let area_rate = slope(&|c| c.area_km2).unwrap_or(0.0);
    let dbz_rate = slope(&|c| c.max_dbz).unwrap_or(0.0);
    let scan_s = scan_interval_s(&track.history).unwrap_or(config.step_s);
    let error = track.rms_error_m().unwrap_or(config.default_error_m);
    let n = (config.max_lead_s / config.step_s + 1e-9).floor() as usize;
    let steps = (0..=n)
        .map(|k| {
            let lead = k as f64 * config.step_s;
            ForecastStep {
                lead_s: lead,
                time: t0 + TimeDelta::milliseconds((lead * 1000.0).round() as i64),
                x_m: last.x_m + u * lead,
                y_m: last.y_m + v * lead,
                area_km2: (last.area_km2 + area_rate * lead).max(0.0),
                max_dbz: last.max_dbz + dbz_rate * lead,
                uncertainty_m: config.base_radius_m
                    + config.spread_m_per_hour * lead / 3600.0
                    + error * lead / scan_s,
            }
        })
        .collect();
    Ok(CellForecast {
        track: track.id,
        velocity_mps: (u, v),
        area_trend_km2_per_hour: area_rate * 3600.0,
        max_dbz_trend_db_per_hour: dbz_rate * 3600.0,
        steps,
    })
}

/// Velocity `(u, v)` in m s⁻¹ of the last `history` cells by weighted least squares; `None` for fewer than two
/// cells with times.
pub fn velocity_of(history: &[Cell], scans: usize) -> Option<(f64, f64)> {
    let recent = recent(history, scans);
    Some((
        weighted_slope(recent, |c| c.x_m)?,
        weighted_slope(recent, |c| c.y_m)?,
    ))
}

/// Trend of any property in units per second over the last `scans` cells (weighted least squares).
pub fn trend_of(history: &[Cell], scans: usize, property: impl Fn(&Cell) -> f64) -> Option<f64> {
    weighted_slope(recent(history, scans), property)
}

fn recent(history: &[Cell], scans: usize) -> &[Cell] {
    &history[history.len().saturating_sub(scans.max(2))..]
}

/// Median interval between the cells, s.
fn scan_interval_s(history: &[Cell]) -> Option<f64> {
    let mut dts: Vec<f64> = history
        .windows(2)
        .filter_map(|w| Some((w[1].time? - w[0].time?).num_milliseconds() as f64 / 1000.0))
        .filter(|&d| d > 0.0)
        .collect();
    dts.sort_by(f64::total_cmp);
    dts.get(dts.len() / 2).copied()
}

/// Slope of the weighted least-squares line of `f` against time (s), weights 1.0 (newest) → 0.4 (oldest).
fn weighted_slope(cells: &[Cell], f: impl Fn(&Cell) -> f64) -> Option<f64> {
    let t_last = cells.last()?.time?;
    let n = cells.len();
    if n < 2 {
        return None;
    }
    let (mut sw, mut st, mut sy, mut stt, mut sty) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, c) in cells.iter().enumerate() {
        let y = f(c);
        let Some(t) = c.time else { continue };
        if !y.is_finite() {
            continue;
        }
        let age = (n - 1 - i) as f64 / (n - 1) as f64;
        let w = 1.0 - 0.6 * age;
        let t = (t - t_last).num_milliseconds() as f64 / 1000.0;
        sw += w;
        st += w * t;
        sy += w * y;
        stt += w * t * t;
        sty += w * t * y;
    }
    let det = sw * stt - st * st;
    (det.abs() > 1e-9 && sw > 0.0).then(|| (sw * sty - st * sy) / det)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(minutes: i64, x: f64, y: f64, area: f64, dbz: f64) -> Cell {
        let t = DateTime::from_timestamp(1_700_000_000 + minutes * 60, 0).unwrap();
        Cell {
            track: Some(1),
            time: Some(t),
            x_m: x,
            y_m: y,
            area_km2: area,
            max_dbz: dbz,
            mean_dbz: dbz - 5.0,
            core_threshold_dbz: 30.0,
            max_rain_rate_mm_h: 10.0,
            ellipse: super::super::Ellipse {
                major_km: 1.0,
                minor_km: 1.0,
                orientation_deg: 0.0,
            },
            ..Cell::default()
        }
    }

    #[test]
    fn linear_motion_and_growth_are_extrapolated_exactly() {
        // 10 m/s east, 5 m/s north, +1 km² and +0.5 dB per 6-min scan.
        let history: Vec<Cell> = (0..6)
            .map(|k| {
                cell(
                    6 * k,
                    3600.0 * k as f64,
                    1800.0 * k as f64,
                    50.0 + k as f64,
                    45.0 + 0.5 * k as f64,
                )
            })
            .collect();
        let (u, v) = velocity_of(&history, 7).unwrap();
        assert!((u - 10.0).abs() < 1e-9 && (v - 5.0).abs() < 1e-9);
        let track = Track {
            id: 1,
            parents: vec![],
            children: vec![],
            history,
            velocity_mps: (u, v),
            missed_scans: 0,
            position_errors_m: vec![1000.0, 1000.0],
            ended: None,
            gaps_bridged: 0,
        };
        let f = forecast(&track, &ForecastConfig::default()).unwrap();
        assert_eq!(f.steps.len(), 11);
        let last = f.steps.last().unwrap();
        assert!((last.x_m - (18_000.0 + 36_000.0)).abs() < 1e-6);
        assert!((last.area_km2 - 65.0).abs() < 1e-9);
        assert!((last.max_dbz - 52.5).abs() < 1e-9);
        assert!((f.area_trend_km2_per_hour - 10.0).abs() < 1e-9);
        // Radius: 2 km + 10 km + 1 km × 10 scans.
        assert!((last.uncertainty_m - 22_000.0).abs() < 1e-6);
        assert!(
            f.steps
                .windows(2)
                .all(|w| w[1].uncertainty_m > w[0].uncertainty_m)
        );
        let bad = ForecastConfig {
            step_s: 0.0,
            ..ForecastConfig::default()
        };
        assert!(forecast(&track, &bad).is_err());
    }
}
