//! Shared synthetic scene of the warning tests: a 101 × 101 km, 1 km grid centred on 50° N 10° E (azimuthal
//! equidistant, cell centres on whole kilometres), areas drawn in projected kilometres and written as GeoJSON in
//! longitude/latitude, and uniform or moving probability grids.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use ndarray::Array3;
use serde_json::{Value, json};
use squall::geo::GridSpec;
use squall::warn::{HazardRule, Level, LevelRule, ProbabilityForecast, WarningConfig};

pub fn grid() -> GridSpec {
    GridSpec::centred_on(50.0, 10.0, 101, 1000.0).unwrap()
}

/// Longitude/latitude of a projected point given in km.
pub fn lonlat(spec: &GridSpec, x_km: f64, y_km: f64) -> [f64; 2] {
    let (lon, lat) = spec
        .projection
        .inverse(x_km * 1000.0, y_km * 1000.0)
        .unwrap();
    [lon, lat]
}

/// A ring (closed) from projected km vertices.
pub fn ring(spec: &GridSpec, vertices: &[(f64, f64)]) -> Vec<[f64; 2]> {
    let mut r: Vec<[f64; 2]> = vertices.iter().map(|&(x, y)| lonlat(spec, x, y)).collect();
    r.push(r[0]);
    r
}

/// An axis-aligned rectangle ring, km.
pub fn rect(spec: &GridSpec, x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    ring(spec, &[(x0, y0), (x1, y0), (x1, y1), (x0, y1)])
}

pub fn feature(id: u32, name: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"id": id, "name": name}, "geometry": geometry})
}

pub fn collection(features: Vec<Value>) -> String {
    json!({"type": "FeatureCollection", "features": features}).to_string()
}

pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 6, 5, 14, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

/// Lead times 0, 10, …, 60 min, s.
pub fn leads() -> Vec<f64> {
    (0..=6).map(|k| k as f64 * 600.0).collect()
}

/// The same probability everywhere at every lead time.
pub fn uniform(p: f32) -> ProbabilityForecast {
    ProbabilityForecast {
        lead_times_s: leads(),
        probability: Array3::from_elem((7, 101, 101), p),
    }
}

pub fn config(rule: HazardRule) -> WarningConfig {
    WarningConfig {
        sender: "squall@example.org".to_owned(),
        status: "Test".to_owned(),
        heavy_rain: Some(rule),
        hail: None,
        gale: None,
    }
}

pub fn one_level(p_on: f32, p_off: f32, cancel_after: u32) -> HazardRule {
    HazardRule {
        levels: vec![LevelRule {
            level: Level::Warning,
            p_on,
            p_off,
        }],
        min_lead_s: 0.0,
        max_lead_s: 3600.0,
        cancel_after,
        valid_for_s: 7200.0,
        renew_before_s: 600.0,
    }
}
