//! The streaming Nowcaster on synthetic multi-radar cycles with a known storm: products, nowcasts and warnings
//! appear where the storm is; out-of-order arrival, a radar dropping out, late volumes and a save/restore give the
//! results they must; bad configurations are refused with clear errors.

use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::TimeDelta;
use ndarray::{ArrayBase, Axis, Data, Dimension};
use squall::PolarVolume;
use squall::pipeline::{Dropped, Nowcaster, NowcasterConfig, Update};
use squall::synth::{
    CellId, CellSpec, MotionField, RadarConfig, SceneConfig, polar_volume, site_at,
};
use squall::warn::{Hazard, MsgType};

use crate::common;
use common::nowcaster_toml::{NowcasterToml, RuleToml};

/// Cycle length of the scenario, s (= the scene's frame step).
const CYCLE_S: f64 = 300.0;
/// Cycles in the scenario.
const N_CYCLES: usize = 6;
/// Storm motion, m s⁻¹ (east).
const STORM_U: f64 = 10.0;
/// Storm start position, m (projection of the scene grid).
const STORM_X0: f64 = -30_000.0;
const STORM_Y0: f64 = 5_000.0;
/// Radars: id, position (m), band, scan-time offset within the cycle (s).
const RADARS: [(&str, f64, f64, char, i64); 3] = [
    ("S0", 0.0, 0.0, 'S', 0),
    ("X1", -25_000.0, 20_000.0, 'X', 70),
    ("X2", 25_000.0, -15_000.0, 'X', 140),
];

struct Scenario {
    dir: PathBuf,
    /// Volumes per cycle, in radar order.
    volumes: Vec<Vec<PolarVolume>>,
}

fn scene_config() -> SceneConfig {
    let spec = squall::geo::GridSpec::centred_on(23.0, 113.0, 120, 1000.0).unwrap();
    let mut scene = SceneConfig::new(11, spec);
    scene.n_frames = N_CYCLES;
    scene.timestep_s = CYCLE_S;
    scene.motion = MotionField::Uniform { u: STORM_U, v: 0.0 };
    scene.cells = vec![
        CellSpec::new(CellId(1), STORM_X0, STORM_Y0, 60.0, 7_000.0),
        CellSpec::new(CellId(2), 10_000.0, -35_000.0, 45.0, 4_000.0),
    ];
    scene
}

fn scenario() -> &'static Scenario {
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    SCENARIO.get_or_init(|| {
        let sequence = scene_config().generate().unwrap();
        let volumes = (0..N_CYCLES)
            .map(|k| {
                let scene = sequence.scene_3d(k).unwrap();
                RADARS
                    .iter()
                    .map(|&(id, x, y, band, offset)| {
                        let site = site_at(&scene.spec, x, y, id).unwrap();
                        let mut radar = match band {
                            'S' => RadarConfig::s_band_vcp21(site),
                            _ => RadarConfig::x_band(site),
                        };
                        if band == 'S' {
                            radar.n_gates = 360; // 90 km: the whole scene
                        }
                        let mut volume = polar_volume(&scene, &radar).unwrap().volume;
                        volume.start_time += TimeDelta::seconds(offset);
                        volume
                    })
                    .collect()
            })
            .collect();
        let dir = std::env::temp_dir().join(format!("squall_nowcaster_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        // The warning region: a district the storm crosses in the second half of the scenario, and a point far
        // from any storm.
        let spec = &sequence.config().spec;
        let corner = |x: f64, y: f64| {
            let (lon, lat) = spec.projection.inverse(x, y).unwrap();
            format!("[{lon}, {lat}]")
        };
        let (lon_far, lat_far) = spec.projection.inverse(-40_000.0, -45_000.0).unwrap();
        let regions = format!(
            r#"{{"type": "FeatureCollection", "features": [
                {{"type": "Feature", "properties": {{"id": 1, "name": "storm district"}},
                  "geometry": {{"type": "Polygon", "coordinates": [[{}, {}, {}, {}, {}]]}}}},
                {{"type": "Feature", "properties": {{"id": 2, "name": "quiet gauge", "radius_m": 3000}},
                  "geometry": {{"type": "Point", "coordinates": [{lon_far}, {lat_far}]}}}}]}}"#,
            corner(-5_000.0, -5_000.0),
            corner(15_000.0, -5_000.0),
            corner(15_000.0, 15_000.0),
            corner(-5_000.0, 15_000.0),
            corner(-5_000.0, -5_000.0),
        );
        std::fs::write(dir.join("regions.geojson"), regions).unwrap();
        Scenario { dir, volumes }
    })
}

/// The scenario's configuration.
fn config_text() -> String {
    let s = scenario();
    let spec = squall::geo::GridSpec::centred_on(23.0, 113.0, 120, 1000.0).unwrap();
    let rule = RuleToml {
        p_on: 0.3,
        p_off: 0.1,
        max_lead_s: 1800.0,
        valid_for_s: 1800.0,
    };
    let regions = s.dir.join("regions.geojson");
    NowcasterToml {
        radars: RADARS
            .iter()
            .map(|&(id, x, y, band, _)| (id, site_at(&spec, x, y, id).unwrap(), band))
            .collect(),
        centre_deg: (23.0, 113.0),
        n: 120,
        heights_m: &[
            1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0, 8000.0, 10000.0, 12000.0,
        ],
        cycle_s: CYCLE_S,
        tolerance_s: 400.0,
        nowcast: "members = 8\nlead_time_min = 30.0\ncascade_levels = 4\nseed = 3",
        regions: &regions.display().to_string(),
        heavy_rain: rule,
        hail: rule,
        extra: "[qc]\nfreezing_level_m = 4500.0\n",
    }
    .render()
}

fn config() -> NowcasterConfig {
    NowcasterConfig::from_toml(&config_text(), "test", &scenario().dir).unwrap()
}

/// Feeds volumes in the given order (cycle, radar) and collects every update; then flushes.
fn run(order: &[(usize, usize)]) -> Vec<Update> {
    let mut nowcaster = Nowcaster::new(config()).unwrap();
    let mut updates = Vec::new();
    for &(k, r) in order {
        let ingested = nowcaster.ingest(scenario().volumes[k][r].clone()).unwrap();
        assert_eq!(ingested.dropped, None);
        updates.extend(ingested.updates);
    }
    updates.extend(nowcaster.flush().unwrap());
    updates
}

fn in_order() -> Vec<(usize, usize)> {
    (0..N_CYCLES)
        .flat_map(|k| (0..RADARS.len()).map(move |r| (k, r)))
        .collect()
}

fn in_order_updates() -> &'static [Update] {
    static UPDATES: OnceLock<Vec<Update>> = OnceLock::new();
    UPDATES.get_or_init(|| run(&in_order()))
}

fn bits<S: Data<Elem = f32>, D: Dimension>(a: &ArrayBase<S, D>) -> Vec<u32> {
    a.iter().map(|v| v.to_bits()).collect()
}

/// Two updates are the same (bit for bit; timings aside).
fn assert_same(a: &Update, b: &Update) {
    assert_eq!(a.time, b.time);
    assert_eq!(a.radars_used, b.radars_used, "{}", a.time);
    assert_eq!(a.radars_missing, b.radars_missing);
    assert!(
        bits(&a.products.reflectivity.values) == bits(&b.products.reflectivity.values),
        "mosaic differs at {}",
        a.time
    );
    assert!(bits(&a.products.rain_rate_mm_h.values) == bits(&b.products.rain_rate_mm_h.values));
    let json = |v: &dyn erased::Json| v.json();
    assert_eq!(json(&a.cells), json(&b.cells), "cells differ at {}", a.time);
    assert_eq!(
        json(&a.warnings),
        json(&b.warnings),
        "warnings differ at {}",
        a.time
    );
    assert_eq!(a.nowcast.is_some(), b.nowcast.is_some());
    if let (Some(x), Some(y)) = (&a.nowcast, &b.nowcast) {
        assert!(
            bits(&x.motion) == bits(&y.motion),
            "motion differs at {}",
            a.time
        );
        assert!(
            bits(&x.probability) == bits(&y.probability),
            "probabilities differ at {}",
            a.time
        );
        assert!(bits(&x.mean_mm_h) == bits(&y.mean_mm_h));
    }
}

mod erased {
    /// JSON text of a serialisable value (NaN → null), for comparisons.
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

/// Projection coordinates of the storm centre at cycle `k`.
fn storm_at(k: usize) -> (f64, f64) {
    (STORM_X0 + STORM_U * CYCLE_S * k as f64, STORM_Y0)
}

#[test]
fn products_nowcasts_and_warnings_follow_the_known_storm() {
    let updates = in_order_updates();
    assert_eq!(updates.len(), N_CYCLES, "one update per cycle");
    for (k, u) in updates.iter().enumerate() {
        assert_eq!(u.radars_used, ["S0", "X1", "X2"]);
        assert!(u.radars_missing.is_empty() && !u.recomputed);
        // The strongest cell is the storm, where the scene put it.
        let storm = u
            .cells
            .cells
            .iter()
            .max_by(|a, b| a.max_dbz.total_cmp(&b.max_dbz))
            .expect("cells found");
        let (x, y) = storm_at(k);
        let miss = (storm.x_m - x).hypot(storm.y_m - y);
        println!(
            "cycle {k}: storm max {:.1} dBZ at ({:.1}, {:.1}) km, {:.1} km from truth; MESH {:?}; {} cells; \
             total {:.2} s",
            storm.max_dbz,
            storm.x_m / 1e3,
            storm.y_m / 1e3,
            miss / 1e3,
            storm.mesh_mm,
            u.cells.cells.len(),
            u.timings.total_s()
        );
        for c in &u.cells.cells {
            println!(
                "    cell at ({:.1}, {:.1}) km, {:.0} km², max {:.1} dBZ, track {:?}",
                c.x_m / 1e3,
                c.y_m / 1e3,
                c.area_km2,
                c.max_dbz,
                c.track
            );
        }
        assert!(storm.max_dbz > 52.0, "cycle {k}: {}", storm.max_dbz);
        assert!(
            miss < 2_500.0,
            "cycle {k}: centroid {miss:.0} m from the truth"
        );
        let vil = u
            .products
            .vil_kg_m2
            .values
            .iter()
            .fold(0.0f32, |m, &v| m.max(v));
        let top = u
            .products
            .echo_top_m
            .values
            .iter()
            .fold(0.0f32, |m, &v| m.max(v));
        assert!(vil > 10.0 && top > 9_000.0, "VIL {vil}, echo top {top}");
        assert_eq!(
            u.nowcast.is_some(),
            k >= 2,
            "nowcast from the third cycle on"
        );
    }
    // One track follows the storm at its speed.
    let last = &updates[N_CYCLES - 1];
    let strongest = last
        .cells
        .cells
        .iter()
        .max_by(|a, b| a.max_dbz.total_cmp(&b.max_dbz))
        .unwrap();
    let forecast = last
        .cells
        .forecasts
        .iter()
        .find(|f| Some(f.track) == strongest.track)
        .unwrap();
    println!("storm track velocity {:?} m/s", forecast.velocity_mps);
    assert!((forecast.velocity_mps.0 - STORM_U).abs() < 2.0 && forecast.velocity_mps.1.abs() < 2.0);
    // The motion field at the storm is eastward, ≈ 10 m/s · 300 s / 1 km = 3 px per cycle.
    let nowcast = last.nowcast.as_ref().unwrap();
    let (x, y) = storm_at(N_CYCLES - 1);
    let (row, col) = last.products.composite.spec.index_of(x, y);
    let (row, col) = (row.round() as usize, col.round() as usize);
    let (u, v) = (nowcast.motion[[0, row, col]], nowcast.motion[[1, row, col]]);
    println!("motion at the storm: u {u:.2}, v {v:.2} px/cycle");
    assert!((u - 3.0).abs() < 0.6 && v.abs() < 0.6, "u {u}, v {v}");
    // Heavy rain is likely ahead of the storm in the first lead time, not far from it.
    let p20 = nowcast.heavy_rain.probability.index_axis(Axis(0), 0);
    let ahead = p20[[row, (col + 3).min(119)]];
    let (far_row, far_col) = last.products.composite.spec.index_of(x, y + 40_000.0);
    let far = p20[[far_row.round() as usize, far_col.round() as usize]];
    println!("P(≥ 20 mm/h) at +5 min: ahead of the storm {ahead:.2}, far away {far:.2}");
    assert!(ahead >= 0.5 && far == 0.0, "{ahead} {far}");
    // The district on the storm's path is warned, the quiet gauge is not.
    let messages: Vec<_> = updates.iter().flat_map(|u| &u.warnings).collect();
    for m in &messages {
        println!(
            "{} {:?} {:?} {:?} area {} p {:.2}",
            m.sent, m.msg_type, m.hazard, m.level, m.area_id.0, m.probability
        );
    }
    assert!(
        messages.iter().any(|m| m.msg_type == MsgType::Alert
            && m.hazard == Hazard::HeavyRain
            && m.area_id.0 == 1),
        "heavy-rain alert for the storm district"
    );
    assert!(
        messages.iter().all(|m| m.area_id.0 == 1),
        "nothing for the quiet gauge"
    );
}

#[test]
fn out_of_order_arrival_gives_the_in_order_result() {
    // Radars shuffled within each cycle, and the S-band volume of the next cycle ahead of the last X-band volume
    // of the current one (its scan time is before the end of the cycle's wait).
    let mut order = Vec::new();
    for k in 0..N_CYCLES {
        order.extend([(k, 2), (k, 0)]);
        if k + 1 < N_CYCLES {
            order.push((k + 1, 0));
        }
        order.push((k, 1));
    }
    order.dedup();
    let mut seen = std::collections::HashSet::new();
    order.retain(|p| seen.insert(*p));
    assert_eq!(order.len(), N_CYCLES * RADARS.len());
    let shuffled = run(&order);
    let reference = in_order_updates();
    assert_eq!(shuffled.len(), reference.len());
    for (a, b) in shuffled.iter().zip(reference) {
        assert_same(a, b);
    }
}

#[test]
fn a_radar_dropping_out_still_gives_a_mosaic_and_a_late_volume_recomputes_its_cycle() {
    let volumes = &scenario().volumes;
    let mut nowcaster = Nowcaster::new(config()).unwrap();
    let mut updates = Vec::new();
    for cycle in &volumes[..3] {
        for volume in cycle {
            updates.extend(nowcaster.ingest(volume.clone()).unwrap().updates);
        }
    }
    assert_eq!(updates.len(), 3);
    // Cycle 3 without X2: computed once a scan 60 s past the cycle's end arrives (X1 of cycle 4, +70 s).
    for volume in &volumes[3][..2] {
        assert!(nowcaster.ingest(volume.clone()).unwrap().updates.is_empty());
    }
    assert!(
        nowcaster
            .ingest(volumes[4][0].clone())
            .unwrap()
            .updates
            .is_empty()
    );
    let ingested = nowcaster.ingest(volumes[4][1].clone()).unwrap();
    assert_eq!(ingested.updates.len(), 1);
    let partial = &ingested.updates[0];
    assert_eq!(partial.radars_used, ["S0", "X1"]);
    assert_eq!(partial.radars_missing, ["X2"]);
    let full = &in_order_updates()[3];
    let finite = |u: &Update| {
        u.products
            .composite
            .values
            .iter()
            .filter(|v| v.is_finite())
            .count()
    };
    println!(
        "finite composite cells: without X2 {}, with {}",
        finite(partial),
        finite(full)
    );
    assert!(finite(partial) as f64 > 0.9 * finite(full) as f64);
    let max = |u: &Update| {
        u.products
            .composite
            .values
            .iter()
            .fold(f32::MIN, |m, &v| m.max(v))
    };
    assert!(
        (max(partial) - max(full)).abs() < 3.0,
        "{} {}",
        max(partial),
        max(full)
    );
    assert!(partial.nowcast.is_some(), "the nowcast carries on");
    // X2's volume of cycle 3 arrives late, within the tolerance: cycle 3 is recomputed and equals the on-time
    // result.
    let late = nowcaster.ingest(volumes[3][2].clone()).unwrap();
    assert_eq!(late.dropped, None);
    assert_eq!(late.updates.len(), 1);
    assert!(late.updates[0].recomputed);
    assert_same(&late.updates[0], full);
    // The rest of cycle 4 completes it, equal to the in-order run.
    let done = nowcaster.ingest(volumes[4][2].clone()).unwrap();
    assert_eq!(done.updates.len(), 1);
    assert_same(&done.updates[0], &in_order_updates()[4]);
    // A volume of cycle 3 now is too old: dropped, with the reason.
    let again = nowcaster.ingest(volumes[3][1].clone()).unwrap();
    let reason = again.dropped.expect("dropped");
    assert!(matches!(reason, Dropped::Superseded { .. }), "{reason}");
    assert!(
        reason
            .to_string()
            .contains("older than the latest computed cycle"),
        "{reason}"
    );
    // A duplicate of a pending volume is dropped too.
    nowcaster.ingest(volumes[5][0].clone()).unwrap();
    let duplicate = nowcaster.ingest(volumes[5][0].clone()).unwrap();
    assert!(matches!(duplicate.dropped, Some(Dropped::Duplicate { .. })));
    // So is a volume of an unknown radar.
    let mut stranger = volumes[5][1].clone();
    stranger.site.id = "Z9999".into();
    let unknown = nowcaster.ingest(stranger).unwrap();
    assert!(unknown.dropped.unwrap().to_string().contains("Z9999"));
}

#[test]
fn a_volume_past_the_tolerance_is_dropped() {
    let volumes = &scenario().volumes;
    let mut nowcaster = Nowcaster::new(config()).unwrap();
    for volume in &volumes[0][..2] {
        nowcaster.ingest(volume.clone()).unwrap();
    }
    let flushed = nowcaster.flush().unwrap();
    assert_eq!(flushed[0].radars_missing, ["X2"]);
    // Scans of cycle 2 (≥ 300 s past the end of cycle 0) move the clock; with no cycle 1 the latest computed
    // cycle is still 0.
    nowcaster.ingest(volumes[2][2].clone()).unwrap();
    let late = nowcaster.ingest(volumes[0][2].clone()).unwrap();
    match late.dropped {
        Some(Dropped::TooLate {
            late_s,
            tolerance_s,
            ..
        }) => {
            assert!(late_s > tolerance_s, "{late_s} {tolerance_s}");
        }
        other => panic!("expected TooLate, got {other:?}"),
    }
}

#[test]
fn save_and_restore_continue_as_if_never_stopped() {
    let volumes = &scenario().volumes;
    let path = scenario().dir.join("state.cbor");
    let mut first = Nowcaster::new(config()).unwrap();
    // Stop in the middle of cycle 3 (two volumes pending).
    for (k, r) in in_order().into_iter().take(3 * 3 + 2) {
        first.ingest(volumes[k][r].clone()).unwrap();
    }
    first.save(&path).unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    println!("state file {size} bytes");
    drop(first);
    let mut restored = Nowcaster::restore(config(), &path).unwrap();
    assert_eq!(restored.pending_cycles().len(), 1);
    let mut updates = Vec::new();
    for (k, r) in in_order().into_iter().skip(3 * 3 + 2) {
        updates.extend(restored.ingest(volumes[k][r].clone()).unwrap().updates);
    }
    updates.extend(restored.flush().unwrap());
    let reference = &in_order_updates()[3..];
    assert_eq!(updates.len(), reference.len());
    for (a, b) in updates.iter().zip(reference) {
        assert_same(a, b);
    }
    // Another configuration cannot take this state.
    let other = NowcasterConfig::from_toml(
        &config_text().replace("members = 8", "members = 9"),
        "other",
        &scenario().dir,
    )
    .unwrap();
    let err = Nowcaster::restore(other, &path).unwrap_err();
    assert!(err.to_string().contains("different configuration"), "{err}");
    // A damaged file is a decode error.
    let bytes = std::fs::read(&path).unwrap();
    let damaged = scenario().dir.join("damaged.cbor");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let err = Nowcaster::restore(config(), &damaged).unwrap_err();
    assert!(err.to_string().contains("Nowcaster state"), "{err}");
}

#[test]
fn bad_configurations_are_refused_with_clear_errors() {
    let dir = &scenario().dir;
    let good = config_text();
    let parse = |text: &str| NowcasterConfig::from_toml(text, "bad.toml", dir).map(|_| ());
    assert!(parse(&good).is_ok());
    let cases: [(String, &str); 8] = [
        (good.replace("spacing_m = 1000.0", "spacing = 1000.0"), "spacing"),
        (good.replace("band = \"X\"", "band = \"Q\""), "Q"),
        (good.replace("length_s = 300", "length_s = -300"), "cycle.length_s"),
        (good.replace("id = \"X2\"", "id = \"X1\""), "radar[2].id"),
        (good.replace("members = 8", "members = 0"), "nowcast.members"),
        (good.replace("nx = 120", "nx = \"many\""), "nx"),
        (good.replace("p_on = 0.3, p_off = 0.1 }]\nmax_lead_s = 1800.0\ncancel_after = 2\nvalid_for_s = 1800.0\n\n[warnings.hail]", "p_on = 0.3, p_off = 0.5 }]\nmax_lead_s = 1800.0\ncancel_after = 2\nvalid_for_s = 1800.0\n\n[warnings.hail]"), "heavy_rain"),
        (good.replace("[grid]", "[grids]"), "grid"),
    ];
    for (text, needle) in &cases {
        let err = parse(text).expect_err(needle).to_string();
        println!("{err}");
        assert!(err.contains(needle), "{needle}: {err}");
    }
    // The TOML error points at the line.
    let err = parse(&good.replace("spacing_m = 1000.0", "spacing = 1000.0"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("line"), "{err}");
    // A missing regions file fails when the Nowcaster starts, naming the file.
    let missing = NowcasterConfig::from_toml(
        &good.replace("regions.geojson", "nowhere.geojson"),
        "x",
        dir,
    )
    .unwrap();
    let err = Nowcaster::new(missing).unwrap_err().to_string();
    assert!(err.contains("nowhere.geojson"), "{err}");
    // A volume from the right id at the wrong place is an error, and the Nowcaster goes on.
    let mut nowcaster = Nowcaster::new(config()).unwrap();
    let mut moved = scenario().volumes[0][0].clone();
    moved.site.latitude_deg += 0.1;
    let err = nowcaster.ingest(moved).unwrap_err().to_string();
    assert!(err.contains("from the configured position"), "{err}");
    assert!(nowcaster.ingest(scenario().volumes[0][0].clone()).is_ok());
    // The example configuration in the repository parses (its regions file exists).
    let example = NowcasterConfig::load("examples/nowcaster.toml").unwrap();
    assert_eq!(example.radars.len(), 8);
    assert!(Nowcaster::new(example).is_ok());
}
