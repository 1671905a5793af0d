//! Gridding on a realistic size: a synthetic S-band VCP 21 volume (9 sweeps × 360 rays × 920 gates) to
//! 41 × 201 × 201 cells at 1 km — building the mapping (cold) and applying it (mapping reused) — and the column
//! products on that grid; and the same for the real KLBB S-band volume (skipped, with a message, where
//! `../shared/data/radar/` is absent). Py-ART's time for the KLBB volume on the same grid:
//! `benches/compare/grid_speed.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use squall::geo::GridSpec;
use squall::grid::{GridConfig, GridMapping};
use squall::products::{HailHeights, echo_top, severe_hail_index, vil};
use squall::synth::{RadarConfig, SceneConfig, polar_volume, site_at};
use std::hint::black_box;

fn bench_grid(c: &mut Criterion) {
    let scene = SceneConfig::convective(5, 201)
        .unwrap()
        .generate()
        .unwrap()
        .scene_3d(3)
        .unwrap();
    let radar = RadarConfig::s_band_vcp21(site_at(&scene.spec, 0.0, 0.0, "SSYN").unwrap());
    let volume = polar_volume(&scene, &radar).unwrap().volume;
    let site = &volume.site;
    let spec = GridSpec::centred_on(site.latitude_deg, site.longitude_deg, 201, 1000.0).unwrap();
    let heights: Vec<f64> = (0..41).map(|k| 500.0 * k as f64).collect();
    let config = GridConfig::default();

    let mut group = c.benchmark_group("grid");
    group.sample_size(10);
    group.bench_function("mapping_build_vcp21_41x201x201", |b| {
        b.iter(|| GridMapping::new(black_box(&volume), &spec, &heights, config).unwrap())
    });
    let mapping = GridMapping::new(&volume, &spec, &heights, config).unwrap();
    group.bench_function("mapping_apply_vcp21_41x201x201", |b| {
        b.iter(|| {
            mapping
                .grid(black_box(&volume), "DBZH", Some(-32.0))
                .unwrap()
        })
    });
    let grid = mapping.grid(&volume, "DBZH", Some(-32.0)).unwrap();
    group.bench_function("products_echo_top_vil_shi_41x201x201", |b| {
        b.iter(|| {
            let z = black_box(grid.values.view());
            (
                echo_top(z, &heights, 18.0).unwrap(),
                vil(z, &heights).unwrap(),
                severe_hail_index(z, &heights, HailHeights::standard_atmosphere()).unwrap(),
            )
        })
    });
    group.finish();
}

const KLBB: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/radar/KLBB20160601_150025_V06"
);

/// The KLBB volume (1.36 M bins, 10.2 M weights) on the grid of `benches/compare/grid_speed.py`.
fn bench_grid_klbb(c: &mut Criterion) {
    let volume = match squall::io::open_volume(KLBB) {
        Ok(volume) => volume,
        Err(e) => {
            eprintln!("skipping the KLBB grid bench: {KLBB}: {e}");
            return;
        }
    };
    let site = &volume.site;
    let spec = GridSpec::centred_on(site.latitude_deg, site.longitude_deg, 201, 1000.0).unwrap();
    let heights: Vec<f64> = (0..41)
        .map(|k| site.altitude_m + 500.0 * k as f64)
        .collect();
    let config = GridConfig::default();
    let mut group = c.benchmark_group("grid_klbb");
    group.sample_size(10);
    group.bench_function("mapping_build_41x201x201", |b| {
        b.iter(|| GridMapping::new(black_box(&volume), &spec, &heights, config).unwrap())
    });
    let mapping = GridMapping::new(&volume, &spec, &heights, config).unwrap();
    group.bench_function("mapping_apply_41x201x201", |b| {
        b.iter(|| mapping.grid(black_box(&volume), "DBZH", None).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_grid, bench_grid_klbb);
criterion_main!(benches);
