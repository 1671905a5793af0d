//! The 3-D view on a 41 × 301 × 301 (500 m × 1 km × 1 km) volume with nine Gaussian storm cores: isosurfaces at
//! 30/45/55 dBZ (marching tetrahedra), their `.glb` encoding, and a 300 km cross-section every 250 m.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use squall::geo::{Grid3, GridSpec};
use squall::view3d::{LocalFrame, Sampling, Scene3d, cross_section, encode_glb, isosurface};

fn volume() -> Grid3 {
    let spec = GridSpec::centred_on(35.0, -100.0, 301, 1000.0).expect("grid");
    let heights: Vec<f64> = (0..41).map(|k| 1000.0 + 500.0 * k as f64).collect();
    let cores: Vec<(f64, f64)> = (0..9)
        .map(|i| {
            (
                -100_000.0 + 100_000.0 * (i % 3) as f64,
                -100_000.0 + 100_000.0 * (i / 3) as f64,
            )
        })
        .collect();
    Grid3::from_fn(spec, heights, "DBZH", "dBZ", |x, y, z| {
        let peak = cores
            .iter()
            .map(|&(cx, cy)| {
                let r2 = (x - cx - 0.3 * z).powi(2) + (y - cy).powi(2);
                60.0 * (-r2 / (2.0 * 8000.0f64.powi(2))
                    - (z - 4000.0).powi(2) / (2.0 * 4000.0f64.powi(2)))
                .exp()
            })
            .fold(0.0, f64::max);
        peak as f32
    })
}

fn bench(c: &mut Criterion) {
    let grid = volume();
    let mut group = c.benchmark_group("view3d");
    group.sample_size(10);
    group.bench_function("41x301x301_isosurfaces_30_45_55", |b| {
        b.iter(|| {
            for level in [30.0, 45.0, 55.0] {
                black_box(isosurface(&grid, level).expect("mesh"));
            }
        })
    });
    let surfaces = [30.0f32, 45.0, 55.0]
        .iter()
        .map(|&l| {
            (
                format!("{l}"),
                isosurface(&grid, l).expect("mesh"),
                [1.0, 0.0, 0.0, 0.5],
            )
        })
        .collect();
    let scene = Scene3d {
        frame: LocalFrame::centre_of(&grid),
        surfaces,
        lines: Vec::new(),
    };
    group.bench_function("encode_glb", |b| {
        b.iter(|| black_box(encode_glb(&scene).expect("glb")))
    });
    group.bench_function("cross_section_300km_250m", |b| {
        b.iter(|| {
            black_box(
                cross_section(
                    &grid,
                    (-150_000.0, -150_000.0),
                    (150_000.0, 150_000.0),
                    250.0,
                    Sampling::Bilinear,
                )
                .expect("section"),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
