//! Storm products on synthetic columns with values computed by hand, and the ZDR-column depth of a synthetic
//! storm scanned with the VCP 21 tilts.

use ndarray::Array3;
use squall::geo::GridSpec;
use squall::grid::{GridConfig, GridMapping, Vertical};
use squall::products::{
    HailHeights, ZdrColumn, echo_top, mesh, posh, probability_of_hail, severe_hail_index, vil,
    vil_density,
};
use squall::synth::{CellId, CellSpec, RadarConfig, SceneConfig, polar_volume, site_at};

/// Levels every 1 km from 0 to 12 km.
fn heights() -> Vec<f64> {
    (0..=12).map(|k| 1000.0 * k as f64).collect()
}

fn column(profile: impl Fn(f64) -> f32) -> Array3<f32> {
    let h = heights();
    Array3::from_shape_fn((h.len(), 1, 1), |(k, _, _)| profile(h[k]))
}

#[test]
fn uniform_55_dbz_column_to_12_km() {
    // Z = 55 dBZ at every level 0–12 km, H0 = 4 km, H−20 = 7 km.
    let z = column(|_| 55.0);
    let h = heights();
    let levels = HailHeights {
        freezing_level_m: 4000.0,
        minus20_level_m: 7000.0,
    };
    // VIL: Z capped at 56 dBZ, so 55 dBZ is used as it is: 3.44e-6 · (10^5.5)^(4/7) · 12 000 m.
    let expected_vil = 3.44e-6 * 10f64.powf(5.5 * 4.0 / 7.0) * 12_000.0;
    let v = vil(z.view(), &h).unwrap();
    assert!(
        (f64::from(v[[0, 0]]) - expected_vil).abs() < 1e-3 * expected_vil,
        "{} {expected_vil}",
        v[[0, 0]]
    );
    // Echo top: every level is above 45 dBZ, so the top level.
    let top18 = echo_top(z.view(), &h, 18.0).unwrap();
    assert_eq!(top18[[0, 0]], 12_000.0);
    // VIL density = 1000 · VIL / 12 000 m.
    let density = vil_density(v.view(), top18.view()).unwrap();
    assert!((f64::from(density[[0, 0]]) - 1000.0 * expected_vil / 12_000.0).abs() < 1e-3);
    // SHI: Ė(55) = 5e-6 · 10^(0.084·55) (W(Z) = 1); ∫W_T dH = 1.5 km (ramp 4→7 km) + 5 km (7→12 km) = 6500 m;
    // the trapezoidal rule is exact here because W_T is linear between levels.
    let e = 5e-6 * 10f64.powf(0.084 * 55.0);
    let expected_shi = 0.1 * e * 6500.0;
    let shi = severe_hail_index(z.view(), &h, levels).unwrap();
    assert!(
        (f64::from(shi[[0, 0]]) - expected_shi).abs() < 1e-3 * expected_shi,
        "{} {expected_shi}",
        shi[[0, 0]]
    );
    // MESH = 2.54 √SHI ≈ 29.6 mm.
    let m = mesh(shi.view());
    let expected_mesh = 2.54 * expected_shi.sqrt();
    assert!(
        (f64::from(m[[0, 0]]) - expected_mesh).abs() < 1e-2,
        "{} {expected_mesh}",
        m[[0, 0]]
    );
    assert!((expected_mesh - 29.56).abs() < 0.05);
    // POSH: WT = 57.5 · 4 − 121 = 109 → 29 ln(SHI / 109) + 50.
    let p = posh(shi.view(), 4000.0);
    let expected_posh = 29.0 * (expected_shi / 109.0).ln() + 50.0;
    assert!(
        (f64::from(p[[0, 0]]) - expected_posh).abs() < 0.05,
        "{} {expected_posh}",
        p[[0, 0]]
    );
    // POH: the 45-dBZ top is 8 km above H0 → 100 %.
    let top45 = echo_top(z.view(), &h, 45.0).unwrap();
    assert_eq!(
        probability_of_hail(top45.view(), 4000.0).unwrap()[[0, 0]],
        100.0
    );
}

#[test]
fn decreasing_profile_tops_and_hail_indices() {
    // Z falls linearly with height from 60 dBZ at the ground by 5 dB per km: 45 dBZ at 3 km, 30 at 6, 18 at 8.4 km.
    let z = column(|h| (60.0 - 5.0 * h / 1000.0) as f32);
    let h = heights();
    let top = |t| echo_top(z.view(), &h, t).unwrap()[[0, 0]];
    assert!((top(18.0) - 8400.0).abs() < 1e-2);
    assert!((top(30.0) - 6000.0).abs() < 1e-2);
    assert!((top(45.0) - 3000.0).abs() < 1e-2);
    // POH: 45-dBZ top 3 km above a 0.5-km freezing level = 2.5 km → 0.4 + (2.5 − 2.4)/(2.7 − 2.4) · 0.1 = 43.3 %.
    let top45 = echo_top(z.view(), &h, 45.0).unwrap();
    let poh = probability_of_hail(top45.view(), 500.0).unwrap()[[0, 0]];
    assert!((poh - (40.0 + 10.0 / 3.0)).abs() < 1e-3, "{poh}");
    // VIL: trapezoid layers of linear Z: Σ_k 3.44e-6 ((Z_k + Z_k+1)/2)^(4/7) · 1000, Z capped at 56 dBZ.
    let lin = |d: f64| 10f64.powf(d.min(56.0) / 10.0);
    let expected: f64 = (0..12)
        .map(|k| {
            let (a, b) = (60.0 - 5.0 * k as f64, 60.0 - 5.0 * (k + 1) as f64);
            3.44e-6 * (0.5 * (lin(a) + lin(b))).powf(4.0 / 7.0) * 1000.0
        })
        .sum();
    let v = f64::from(vil(z.view(), &h).unwrap()[[0, 0]]);
    assert!((v - expected).abs() < 1e-3 * expected, "{v} {expected}");
    // SHI with H0 = 2 km, H−20 = 4 km: integrand W_T(h) Ė(Z(h)) at levels 2..=12 km by hand.
    let levels = HailHeights {
        freezing_level_m: 2000.0,
        minus20_level_m: 4000.0,
    };
    let f = |k: usize| {
        let hk = 1000.0 * k as f64;
        let zk = 60.0 - 5.0 * k as f64;
        let wt = ((hk - 2000.0) / 2000.0).clamp(0.0, 1.0);
        let w = ((zk - 40.0) / 10.0).clamp(0.0, 1.0);
        wt * 5e-6 * 10f64.powf(0.084 * zk) * w
    };
    let expected_shi: f64 = 0.1
        * (0..12)
            .map(|k| 0.5 * (f(k) + f(k + 1)) * 1000.0)
            .sum::<f64>();
    let shi = f64::from(severe_hail_index(z.view(), &h, levels).unwrap()[[0, 0]]);
    assert!(
        (shi - expected_shi).abs() < 1e-3 * expected_shi,
        "{shi} {expected_shi}"
    );
    // Only 3 km (55 dBZ, W_T 0.5) and 4 km (40 dBZ… W = 0) contribute: f(3) = 0.5·Ė(55)·0.5?  Check the total.
    assert!(expected_shi > 0.0 && expected_shi < 20.0);
}

#[test]
fn zdr_column_depth_by_hand() {
    let h = heights();
    // ZDR 2.5 dB from the ground to 6 km, then 0.5 dB: the 1-dB crossing between 6 and 7 km is at
    // 6 km + (2.5 − 1)/(2.5 − 0.5) km = 6.75 km; with H0 = 4 km the depth is 2.75 km.
    let zdr = column(|hh| if hh <= 6000.0 { 2.5 } else { 0.5 });
    let z = column(|_| 50.0);
    let depth = ZdrColumn::new(4000.0)
        .depth(z.view(), zdr.view(), &h)
        .unwrap();
    assert!((depth[[0, 0]] - 2750.0).abs() < 1e-2, "{}", depth[[0, 0]]);
    // No positive ZDR at the freezing level: no column.
    let zdr = column(|hh| if hh < 4000.0 { 2.5 } else { 0.2 });
    assert_eq!(
        ZdrColumn::new(4000.0)
            .depth(z.view(), zdr.view(), &h)
            .unwrap()[[0, 0]],
        0.0
    );
}

#[test]
fn nan_columns_stay_nan_and_empty_columns_are_zero() {
    let h = heights();
    let nan = column(|_| f32::NAN);
    assert!(echo_top(nan.view(), &h, 18.0).unwrap()[[0, 0]].is_nan());
    assert!(vil(nan.view(), &h).unwrap()[[0, 0]].is_nan());
    let clear = column(|_| 5.0);
    assert_eq!(echo_top(clear.view(), &h, 18.0).unwrap()[[0, 0]], 0.0);
    let shi = severe_hail_index(clear.view(), &h, HailHeights::standard_atmosphere()).unwrap();
    assert_eq!(shi[[0, 0]], 0.0);
    assert_eq!(posh(shi.view(), 4000.0)[[0, 0]], 0.0);
    assert_eq!(mesh(shi.view())[[0, 0]], 0.0);
}

/// A synthetic volume scanned with the VCP 21 tilts and its truth (see [`vcp21_scene`]).
struct Vcp21Scene {
    /// Mapping onto a 61 km grid round both cells with 3-D radii of influence (the default)…
    mapping: GridMapping,
    /// … and one interpolating between tilts.
    interpolating: GridMapping,
    volume: squall::volume::PolarVolume,
    truth_m: f64,
    column: (f64, f64, f64),
    rain: (f64, f64),
}

const FREEZING_LEVEL_M: f64 = 4_500.0;

/// A hail storm (58 dBZ, radius 5 km, with a ZDR column) whose column is `range_m` north of an S-band radar
/// scanning the VCP 21 tilts (0.5–19.5°), and a rain cell (45 dBZ, no column) at the same range 25° east of it;
/// the true column depth (m), the column's centre and radius and the rain cell's centre (m, grid coordinates).
fn vcp21_scene(range_m: f64) -> Vcp21Scene {
    let scene_spec = GridSpec::centred_on(23.0, 113.0, 240, 1000.0).unwrap();
    let mut scene = SceneConfig::new(5, scene_spec.clone());
    scene.n_frames = 1;
    scene.freezing_level_m = FREEZING_LEVEL_M;
    let bearing = 25f64.to_radians();
    let (rain_x, rain_y) = (range_m * bearing.sin(), range_m * bearing.cos());
    scene.cells = vec![
        // the column lies half a radius north of the centre (orientation 0)
        CellSpec::new(CellId(1), 0.0, range_m - 2_500.0, 58.0, 5_000.0),
        CellSpec::new(CellId(2), rain_x, rain_y, 45.0, 4_000.0),
    ];
    let sequence = scene.generate().unwrap();
    let storm = sequence.truth[0]
        .cells
        .iter()
        .find(|c| c.id == CellId(1))
        .unwrap();
    assert!(storm.hail && storm.zdr_column_depth_m > 2_000.0);
    let column_xy = (
        storm.centroid_x_m,
        storm.centroid_y_m + 0.5 * storm.radius_m,
    );
    let column_radius = 0.35 * storm.radius_m;
    let mut radar = RadarConfig::s_band_vcp21(site_at(&scene_spec, 0.0, 0.0, "S0").unwrap());
    radar.n_gates = 480; // 120 km
    let volume = polar_volume(&sequence.scene_3d(0).unwrap(), &radar)
        .unwrap()
        .volume;
    // a 61 km grid centred between the two cells, in its own projection
    let (mid_x, mid_y) = (0.5 * rain_x, 0.5 * (range_m + rain_y));
    let (lon, lat) = scene_spec.projection.inverse(mid_x, mid_y).unwrap();
    let spec = GridSpec::centred_on(lat, lon, 61, 1000.0).unwrap();
    let to_grid = |(x, y): (f64, f64)| {
        let (lon, lat) = scene_spec.projection.inverse(x, y).unwrap();
        spec.projection.forward(lon, lat).unwrap()
    };
    let heights: Vec<f64> = (1..=24).map(|k| 500.0 * k as f64).collect();
    let mapping = GridMapping::new(&volume, &spec, &heights, GridConfig::default()).unwrap();
    let interpolate = GridConfig {
        vertical: Vertical::Interpolate,
        ..GridConfig::default()
    };
    let interpolating = GridMapping::new(&volume, &spec, &heights, interpolate).unwrap();
    let (cx, cy) = to_grid(column_xy);
    Vcp21Scene {
        mapping,
        interpolating,
        volume,
        truth_m: storm.zdr_column_depth_m,
        column: (cx, cy, column_radius),
        rain: to_grid((rain_x, rain_y)),
    }
}

/// Largest value of `depth` within `radius_m` of (x, y).
fn max_within(
    spec: &GridSpec,
    depth: &ndarray::Array2<f32>,
    (x, y): (f64, f64),
    radius_m: f64,
) -> f32 {
    depth
        .indexed_iter()
        .filter(|&((r, c), _)| {
            let (cx, cy) = spec.xy(r, c);
            (cx - x).hypot(cy - y) <= radius_m
        })
        .map(|(_, &v)| v)
        .fold(f32::NEG_INFINITY, f32::max)
}

/// ZDR columns with the real VCP 21 tilt spacing. Gridded with 3-D radii of influence, the levels between the
/// distant upper tilts stay empty at 40 km and the column's run breaks at the first gap; interpolated between
/// tilts on the grid, rain below the freezing level and ice above make a column of every rain cell. From the
/// tilts ([`ZdrColumn::depth_from_tilts`]) a column is found only where a beam above the freezing level measured
/// it, and its top lies between the last beam inside and the first beam above it: that spacing is the
/// tolerance the scan allows (40 km: 6.0° at 4.3 km, 9.9° at 7.0 km, 14.6° at 10.4 km; 90 km: 3.35° at 5.7 km,
/// 4.3° at 7.2 km). Ranges 30 to 90 km every 10 km, with the faults of the gridded columns checked at 40 km.
#[test]
fn zdr_column_depth_with_vcp21_tilts_from_30_to_90_km() {
    let zdr_column = ZdrColumn::new(FREEZING_LEVEL_M);
    let mut all_checked = 0;
    for range_m in [
        30_000.0, 40_000.0, 50_000.0, 60_000.0, 70_000.0, 80_000.0, 90_000.0,
    ] {
        let s = vcp21_scene(range_m);
        let spec = s.mapping.spec().clone();
        let (cx, cy, radius) = s.column;
        let z_tilts = s.mapping.tilt_planes(&s.volume, "DBZH").unwrap();
        let zdr_tilts = s.mapping.tilt_planes(&s.volume, "ZDR").unwrap();
        let tilts = zdr_column.depth_from_tilts(&z_tilts, &zdr_tilts).unwrap();
        let gridded = |mapping: &GridMapping| {
            let z = mapping.grid(&s.volume, "DBZH", Some(-32.0)).unwrap();
            let zdr = mapping.grid(&s.volume, "ZDR", None).unwrap();
            zdr_column
                .depth(z.values.view(), zdr.values.view(), &z.heights_m)
                .unwrap()
        };
        let radius_grid = gridded(&s.mapping);
        let interpolated_grid = gridded(&s.interpolating);
        let at = |depth: &ndarray::Array2<f32>| {
            (
                max_within(&spec, depth, (cx, cy), radius),
                max_within(&spec, depth, s.rain, 5_000.0),
            )
        };
        let (new, new_rain) = at(&tilts);
        let (old, old_rain) = at(&radius_grid);
        let (interpolated, interpolated_rain) = at(&interpolated_grid);
        // Cells whose gates all lie in the true column (the radius of influence is 1° of range): the top from the
        // tilts lies between the highest beam inside the column and the next one up (beam heights over the
        // cell's centre, ± radius · tan(elevation) for the spread of its gates), or the depth is 0 where no beam
        // above the freezing level passes inside the column.
        let top = FREEZING_LEVEL_M + s.truth_m;
        let roi = range_m * 1f64.to_radians().tan();
        let spread: Vec<f64> = zdr_tilts
            .elevations_deg
            .iter()
            .map(|e| roi * e.to_radians().tan() + 10.0)
            .collect();
        let core = (radius - roi).max(500.0);
        let (mut checked, mut error_sum) = (0usize, 0.0f64);
        for ((r, c), &d) in tilts.indexed_iter() {
            let (x, y) = spec.xy(r, c);
            if (x - cx).hypot(y - cy) > core {
                continue;
            }
            let beams: Vec<f64> = zdr_tilts.column(r, c).map(|(h, _)| h).collect();
            let straddles = |level: f64| {
                beams
                    .iter()
                    .zip(&spread)
                    .any(|(&h, &d)| (h - level).abs() < d)
            };
            if straddles(top) || straddles(FREEZING_LEVEL_M) {
                continue; // a beam on the column's edge: either answer is right
            }
            let first_aloft = beams.partition_point(|&h| h < FREEZING_LEVEL_M);
            let above_top = beams.partition_point(|&h| h < top);
            let measured_top = FREEZING_LEVEL_M + f64::from(d);
            if above_top == first_aloft {
                assert_eq!(
                    d, 0.0,
                    "{range_m} m: no beam in the column at ({x}, {y}) but {d} m"
                );
            } else {
                let (inside, next) = (beams[above_top - 1], beams[above_top]);
                assert!(
                    measured_top >= inside - spread[above_top - 1]
                        && measured_top <= next + spread[above_top],
                    "{range_m} m: top {measured_top} m outside the beams {inside}–{next} m at ({x}, {y})"
                );
            }
            checked += 1;
            error_sum += (f64::from(d) - s.truth_m).abs();
        }
        let centre = {
            let (r, c) = spec.index_of(cx, cy);
            tilts[[r.round() as usize, c.round() as usize]]
        };
        let (r, c) = spec.index_of(cx, cy);
        let beams: Vec<f64> = zdr_tilts
            .column(r.round() as usize, c.round() as usize)
            .map(|(h, _)| h)
            .filter(|&h| h > 3_000.0 && h < 11_000.0)
            .collect();
        eprintln!(
            "{} km: truth {:.0} m, beams over the column's centre at {beams:.0?} m; from the tilts: deepest \
             {new:.0} m, at the centre {centre:.0} m, mean error {:.0} m over {checked} cells (rain cell \
             {new_rain:.0} m); 3-D radius grid {old:.0} m (rain cell {old_rain:.0} m); grid interpolated \
             between tilts {interpolated:.0} m (rain cell {interpolated_rain:.0} m)",
            range_m / 1000.0,
            s.truth_m,
            error_sum / checked.max(1) as f64,
        );
        all_checked += checked;
        assert!(new > 0.0, "{range_m} m: no column found");
        // at most a beam crossing the freezing level in the rain cell (its gates mix rain and ice): 239 m at 70 km
        assert!(
            new_rain < 500.0,
            "{range_m} m: a {new_rain} m column in rain"
        );
        // the faults this fixes: at 40 km the gridded column stops at the first empty level (farther out the
        // radius of influence, 1° of range, bridges the tilts' spacing), and interpolating the grid between tilts
        // makes a column of a rain cell
        if range_m == 40_000.0 {
            assert!(
                f64::from(old) < s.truth_m - 1_000.0,
                "{range_m} m: 3-D radius grid gives {old} m"
            );
            assert!(
                interpolated_rain > 500.0,
                "{range_m} m: interpolated grid gives {interpolated_rain} m in rain"
            );
        }
    }
    assert!(all_checked >= 5, "{all_checked} cells checked");
}
