//! Warning kernels on the Nowcaster's grid (400 × 400 km, 1 km): mapping 100 districts (10 × 10 km squares, one
//! with a hole per ten) onto the grid once, and one warning update with 13 lead times of heavy-rain probability and
//! 50 cell forecasts for all three hazards.

use std::hint::black_box;

use chrono::{TimeDelta, TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ndarray::Array3;
use serde_json::json;
use squall::geo::GridSpec;
use squall::warn::{
    CellStep, CellThreat, HazardRule, ProbabilityForecast, WarningConfig, WarningInputs,
    WarningState, areas_from_geojson, map_areas,
};

fn bench(c: &mut Criterion) {
    let spec = GridSpec::centred_on(50.0, 10.0, 400, 1000.0).expect("grid");
    let ll = |x: f64, y: f64| {
        let (lon, lat) = spec
            .projection
            .inverse(x * 1000.0, y * 1000.0)
            .expect("inverse");
        [lon, lat]
    };
    let square = |x: f64, y: f64, half: f64| {
        vec![
            ll(x - half, y - half),
            ll(x + half, y - half),
            ll(x + half, y + half),
            ll(x - half, y + half),
            ll(x - half, y - half),
        ]
    };
    let features: Vec<_> = (0..100)
        .map(|k| {
            let (x, y) = (
                -180.0 + 36.0 * f64::from(k % 10),
                -180.0 + 36.0 * f64::from(k / 10),
            );
            let rings = if k % 10 == 0 {
                vec![square(x, y, 5.0), square(x, y, 2.0)]
            } else {
                vec![square(x, y, 5.0)]
            };
            json!({"type": "Feature", "properties": {"id": k, "name": format!("district {k}")},
                   "geometry": {"type": "Polygon", "coordinates": rings}})
        })
        .collect();
    let areas =
        areas_from_geojson(&json!({"type": "FeatureCollection", "features": features}).to_string())
            .expect("areas");
    let mut group = c.benchmark_group("warn");
    group.sample_size(20);
    group.bench_function("map_100_districts_400x400", |b| {
        b.iter(|| map_areas(black_box(&areas), &spec))
    });
    let mapped = map_areas(&areas, &spec).expect("mapped");
    let leads: Vec<f64> = (0..13).map(|k| f64::from(k) * 300.0).collect();
    let probability = Array3::from_shape_fn((13, 400, 400), |(k, r, c)| {
        ((r + c + 7 * k) % 100) as f32 / 100.0
    });
    let cells: Vec<CellThreat> = (0..50)
        .map(|k| CellThreat {
            track: k,
            hail: (k % 10) as f64 / 10.0,
            gale: (k % 7) as f64 / 7.0,
            steps: (0..13)
                .map(|s| CellStep {
                    lead_s: f64::from(s) * 300.0,
                    x: -150_000.0 + 6000.0 * k as f64 + 3000.0 * f64::from(s),
                    y: -100_000.0 + 4000.0 * k as f64,
                    radius_m: 5000.0,
                })
                .collect(),
        })
        .collect();
    let inputs = WarningInputs {
        rain_rate: Some(ProbabilityForecast {
            lead_times_s: leads,
            probability,
        }),
        rain_accumulation: None,
        cells: Some(cells),
    };
    let rule = HazardRule::three_levels([0.3, 0.6, 0.85]);
    let config = WarningConfig {
        sender: "squall@example.org".to_owned(),
        status: "Test".to_owned(),
        heavy_rain: Some(rule.clone()),
        hail: Some(rule.clone()),
        gale: Some(rule),
    };
    let state = WarningState::new(config, mapped, spec.shape()).expect("state");
    let time = Utc
        .with_ymd_and_hms(2024, 6, 5, 14, 0, 0)
        .single()
        .expect("time")
        + TimeDelta::minutes(5);
    group.bench_function("update_100_districts_3_hazards", |b| {
        b.iter_batched(
            || state.clone(),
            |mut s| s.update(time, black_box(&inputs)),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
