//! Writes the CAP 1.2 messages and the GeoJSON of a synthetic storm crossing two districts (one with a hole, one in
//! two parts) and a station: heavy rain with three levels, so the messages include Alert, upgrades, a downgrade and
//! a Cancel. Used by `python/tests/test_warn_cap.py` to validate the CAP output against the schema.
//!
//! `cargo run --release --example warn_cap -- OUT_DIR` (OUT_DIR must not exist yet, or be empty).

use std::path::PathBuf;

use chrono::{TimeDelta, TimeZone, Utc};
use ndarray::Array3;
use serde_json::json;
use squall::geo::GridSpec;
use squall::warn::{
    HazardRule, ProbabilityForecast, WarningConfig, WarningInputs, WarningState,
    areas_from_geojson, map_areas, to_cap_xml, to_geojson,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: warn_cap OUT_DIR")?);
    if out.exists() && std::fs::read_dir(&out)?.next().is_some() {
        return Err(format!("{} exists and is not empty", out.display()).into());
    }
    std::fs::create_dir_all(&out)?;
    let spec = GridSpec::centred_on(50.0, 10.0, 101, 1000.0)?;
    let ll = |x: f64, y: f64| -> Result<[f64; 2], squall::Error> {
        let (lon, lat) = spec.projection.inverse(x * 1000.0, y * 1000.0)?;
        Ok([lon, lat])
    };
    let rect = |x0: f64, y0: f64, x1: f64, y1: f64| -> Result<Vec<[f64; 2]>, squall::Error> {
        Ok(vec![
            ll(x0, y0)?,
            ll(x1, y0)?,
            ll(x1, y1)?,
            ll(x0, y1)?,
            ll(x0, y0)?,
        ])
    };
    let geojson = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": 11, "name": "Mitte & Süd <district>"},
         "geometry": {"type": "Polygon", "coordinates": [rect(-5.5, -8.5, 8.5, 8.5)?, rect(-1.5, -1.5, 1.5, 1.5)?]}},
        {"type": "Feature", "properties": {"id": 12, "name": "Riverside"},
         "geometry": {"type": "MultiPolygon", "coordinates": [[rect(20.5, -3.5, 25.5, 3.5)?], [rect(27.5, -3.5, 30.5, 3.5)?]]}},
        {"type": "Feature", "properties": {"id": 13, "name": "Underpass B96", "radius_m": 1500.0},
         "geometry": {"type": "Point", "coordinates": ll(40.0, 0.0)?}}
    ]});
    let mapped = map_areas(&areas_from_geojson(&geojson.to_string())?, &spec)?;
    let config = WarningConfig {
        sender: "squall@example.org".to_owned(),
        status: "Test".to_owned(),
        heavy_rain: Some(HazardRule::three_levels([0.3, 0.6, 0.85])),
        hail: None,
        gale: None,
    };
    let mut state = WarningState::new(config, mapped, spec.shape())?;
    let start = Utc
        .with_ymd_and_hms(2024, 6, 5, 14, 0, 0)
        .single()
        .ok_or("bad start time")?;
    let leads: Vec<f64> = (0..=6).map(|k| f64::from(k) * 600.0).collect();
    let mut messages = Vec::new();
    for step in 0..=36 {
        let minute = 5.0 * f64::from(step);
        // Core moving east at 0.5 km/min from x = −40 km; it peaks in intensity around minute 100.
        let peak = (0.95 - ((minute - 100.0) / 90.0).powi(2)).max(0.0);
        let mut p = Array3::<f32>::zeros((leads.len(), spec.ny, spec.nx));
        for (k, lead) in leads.iter().enumerate() {
            let centre = -40.0 + 0.5 * (minute + lead / 60.0);
            for row in 0..spec.ny {
                for col in 0..spec.nx {
                    let (x, y) = spec.xy(row, col);
                    let d2 = (x / 1000.0 - centre).powi(2) + (y / 1000.0).powi(2);
                    p[[k, row, col]] = (peak * (1.0 - lead / 7200.0) * (-d2 / 50.0).exp()) as f32;
                }
            }
        }
        let inputs = WarningInputs {
            rain_rate: Some(ProbabilityForecast {
                lead_times_s: leads.clone(),
                probability: p,
            }),
            ..Default::default()
        };
        messages.extend(state.update(start + TimeDelta::minutes(5 * i64::from(step)), &inputs)?);
    }
    for m in &messages {
        std::fs::write(out.join(format!("{}.xml", m.identifier)), to_cap_xml(m))?;
        println!(
            "{} {} {:?} {:?}",
            m.identifier,
            m.msg_type.as_str(),
            m.change,
            m.level
        );
    }
    std::fs::write(
        out.join("warnings.geojson"),
        serde_json::to_string_pretty(&to_geojson(&messages))?,
    )?;
    Ok(())
}
