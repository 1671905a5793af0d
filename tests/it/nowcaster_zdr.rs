//! The Nowcaster's optional polarimetric products: a synthetic hail storm with a ZDR column of known depth and
//! position, scanned by an S-band radar, gives a ZDR-column depth at the column and none at a weak cell without
//! one, and HDR flags the hail core but not the rain cell.

use crate::common::nowcaster_toml::OneRadarToml;
use squall::geo::GridSpec;
use squall::pipeline::{Nowcaster, NowcasterConfig, Update};
use squall::synth::cells::HAIL_PEAK_DBZ;
use squall::synth::{CellId, CellSpec, RadarConfig, SceneConfig, polar_volume, site_at};

const CENTRE: (f64, f64) = (23.0, 113.0);
const N: usize = 80;
/// The hail storm (with a ZDR column) and the weak rain cell: x, y (m), peak dBZ, radius (m).
const STORM: (f64, f64, f64, f64) = (28_000.0, 0.0, 58.0, 5_000.0);
const WEAK: (f64, f64, f64, f64) = (-20_000.0, -15_000.0, 45.0, 4_000.0);

fn spec() -> GridSpec {
    GridSpec::centred_on(CENTRE.0, CENTRE.1, N, 1000.0).unwrap()
}

fn config(products: &str, radar_x_m: f64) -> NowcasterConfig {
    let heights: Vec<f64> = (2..=24).map(|k| 500.0 * k as f64).collect();
    OneRadarToml {
        id: "S0",
        band: 'S',
        centre_deg: CENTRE,
        radar_offset_m: (radar_x_m, 0.0),
        n: N,
        heights_m: &heights,
        cycle_s: 300.0,
        extra: &format!("[qc]\nfreezing_level_m = 4500.0\n\n{products}"),
    }
    .config()
}

/// One update of the scene seen by an S-band radar at (`radar_x_m`, 0) scanning `elevations_deg`, and the truth
/// of the storm (ZDR-column depth, m; column position, m).
fn update_with(
    products: &str,
    radar_x_m: f64,
    elevations_deg: Vec<f32>,
) -> (Update, f64, (f64, f64)) {
    let mut scene = SceneConfig::new(3, spec());
    scene.n_frames = 1;
    scene.timestep_s = 300.0;
    scene.start_time = chrono::DateTime::from_timestamp(1_717_221_600, 0).unwrap();
    scene.cells = [STORM, WEAK]
        .iter()
        .enumerate()
        .map(|(i, &(x, y, dbz, r))| CellSpec::new(CellId(i as u32 + 1), x, y, dbz, r))
        .collect();
    let sequence = scene.generate().unwrap();
    let truth = &sequence.truth[0];
    let storm = truth.cells.iter().find(|c| c.id == CellId(1)).unwrap();
    assert!(storm.hail && STORM.2 >= HAIL_PEAK_DBZ);
    // the column is half a radius north of the centre (orientation 0)
    let column = (
        storm.centroid_x_m,
        storm.centroid_y_m + 0.5 * storm.radius_m,
    );
    let scene3d = sequence.scene_3d(0).unwrap();
    let mut radar = RadarConfig::s_band_vcp21(site_at(&spec(), radar_x_m, 0.0, "S0").unwrap());
    radar.n_gates = 400; // 100 km
    radar.elevations_deg = elevations_deg;
    let volume = polar_volume(&scene3d, &radar).unwrap().volume;
    let mut nowcaster = Nowcaster::new(config(products, radar_x_m)).unwrap();
    let mut updates = nowcaster.ingest(volume).unwrap().updates;
    assert_eq!(updates.len(), 1, "one radar: the cycle is complete at once");
    (updates.remove(0), storm.zdr_column_depth_m, column)
}

/// [`update_with`] a radar at the centre scanning tilts 1° apart (a dense RHI-like volume): at the storm's range
/// the beams overlap in height.
fn update(products: &str) -> (Update, f64, (f64, f64)) {
    update_with(products, 0.0, (0..20).map(|k| 0.5 + k as f32).collect())
}

/// Largest value within `radius_m` of (x, y), and its distance from (x, y), m.
fn max_near(
    spec: &GridSpec,
    values: &ndarray::Array2<f32>,
    (x, y): (f64, f64),
    radius_m: f64,
) -> (f32, f64) {
    let mut best = (f32::NEG_INFINITY, f64::NAN);
    for ((r, c), &v) in values.indexed_iter() {
        let (cx, cy) = spec.xy(r, c);
        let d = (cx - x).hypot(cy - y);
        if d <= radius_m && v > best.0 {
            best = (v, d);
        }
    }
    best
}

#[test]
fn zdr_column_depth_at_the_storm_and_hdr_at_its_hail_core() {
    let (update, truth_m, column) = update("[products]\nzdr_column = true\nhdr = true\n");
    assert!(truth_m > 2_000.0, "the scene's column is {truth_m} m deep");
    let field = update.products.zdr_column_m.as_ref().unwrap();
    // the Nowcaster's grid (rows north to south), not the scene's
    let (spec, depth) = (&field.spec, &field.values);
    let (at_column, distance) = max_near(spec, depth, column, 6_000.0);
    eprintln!("depth {at_column} m at {distance} m from the column (truth {truth_m} m)");
    assert!(
        at_column > 1_000.0 && (at_column as f64) < truth_m + 1_500.0,
        "ZDR-column depth {at_column} m at the storm (truth {truth_m} m)"
    );
    // the centre of the deep part (≥ 1 km; beam-edge effects at the freezing level add a few shallow ones round
    // the storm) lies within the true column (radius 0.35 × the cell's)
    let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
    for ((r, c), &v) in depth.indexed_iter() {
        if v >= 1_000.0 {
            let (x, y) = spec.xy(r, c);
            sx += x * v as f64;
            sy += y * v as f64;
            sw += v as f64;
        }
    }
    let centre_error = (sx / sw - column.0).hypot(sy / sw - column.1);
    eprintln!("deepest {distance:.0} m, centre {centre_error:.0} m from the true column");
    assert!(
        centre_error <= 0.35 * STORM.3,
        "ZDR column centred {centre_error} m from the true one"
    );
    // nowhere else: no deep column at the weak cell (at most a beam-edge effect of a few hundred metres) nor
    // anywhere but at the storm
    let (weak, _) = max_near(spec, depth, (WEAK.0, WEAK.1), 8_000.0);
    assert!(weak < 500.0, "ZDR column of {weak} m at the weak cell");
    for ((r, c), &v) in depth.indexed_iter() {
        let (x, y) = spec.xy(r, c);
        if v >= 500.0 {
            assert!(
                (x - column.0).hypot(y - column.1) < 10_000.0,
                "ZDR column of {v} m at ({x}, {y})"
            );
        }
    }
    // HDR: positive in the storm's hail core near the ground, negative in the rain cell
    let hdr = update.products.hdr_db.as_ref().unwrap();
    let low = hdr.values.index_axis(ndarray::Axis(0), 0).to_owned();
    let (storm_hdr, _) = max_near(spec, &low, (STORM.0, STORM.1), 3_000.0);
    let (weak_hdr, _) = max_near(spec, &low, (WEAK.0, WEAK.1), 3_000.0);
    assert!(storm_hdr > 5.0, "HDR {storm_hdr} dB in the hail core");
    assert!(weak_hdr < 0.0, "HDR {weak_hdr} dB in the rain cell");
}

#[test]
fn the_zdr_products_only_when_asked_for() {
    let (update, _, _) = update("");
    assert!(update.products.zdr_column_m.is_none());
    assert!(update.products.hdr_db.is_none());
    // without QC there is no corrected ZDR: a clear error
    let mut bad = config("[products]\nzdr_column = true\n", 0.0);
    bad.qc.enabled = false;
    let err = Nowcaster::new(bad).unwrap_err().to_string();
    assert!(err.contains("qc.enabled"), "{err}");
}

/// The real VCP 21 tilts, with the storm's column 70 km from the radar: the 4.3° beam passes through the column
/// (5.5 km high, 1 km above the freezing level) and the 6.0° beam above it (7.6 km; the true top is at 7.1 km),
/// so the top is known to within those 2.1 km; the gridded column of earlier versions stopped at the first
/// empty level between them (≈ 0.5 km deep). The weak cell (27 km from the radar) has its first beam above the
/// freezing level (9.9°, 4.8 km) in ice: no column.
#[test]
fn zdr_column_with_vcp21_tilts() {
    let vcp21 = vec![0.5, 1.45, 2.4, 3.35, 4.3, 6.0, 9.9, 14.6, 19.5];
    let (update, truth_m, column) = update_with(
        "[products]\nzdr_column = true\nhdr = true\n",
        -42_000.0,
        vcp21,
    );
    let field = update.products.zdr_column_m.as_ref().unwrap();
    let (spec, depth) = (&field.spec, &field.values);
    let (at_column, distance) = max_near(spec, depth, column, 6_000.0);
    eprintln!(
        "VCP 21 at 70 km: depth {at_column} m at {distance:.0} m from the column (truth {truth_m} m)"
    );
    assert!(
        (f64::from(at_column) - truth_m).abs() <= 1_050.0,
        "ZDR-column depth {at_column} m at the storm (truth {truth_m} m)"
    );
    let (weak, _) = max_near(spec, depth, (WEAK.0, WEAK.1), 8_000.0);
    assert!(weak < 250.0, "ZDR column of {weak} m at the weak cell");
    // HDR as with dense tilts: hail near the ground in the storm, rain in the weak cell
    let hdr = update.products.hdr_db.as_ref().unwrap();
    let low = hdr.values.index_axis(ndarray::Axis(0), 0).to_owned();
    let (storm_hdr, _) = max_near(spec, &low, (STORM.0, STORM.1), 3_000.0);
    let (weak_hdr, _) = max_near(spec, &low, (WEAK.0, WEAK.1), 3_000.0);
    eprintln!("HDR {storm_hdr} dB in the hail core, {weak_hdr} dB in the rain cell");
    assert!(storm_hdr > 5.0, "HDR {storm_hdr} dB in the hail core");
    assert!(weak_hdr < 0.0, "HDR {weak_hdr} dB in the rain cell");
}
