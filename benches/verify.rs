//! Verification scores on realistic sizes: the FSS at 5 scales on a 1024 × 1024 field pair and the CRPS of a
//! 20-member ensemble on 512 × 512 (pysteps' timings for the same sizes: `benches/compare/verify_reference.py
//! --timing`).

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Array3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

/// A rain-like field (mm/h, about half the pixels dry): smooth cells plus seeded noise.
fn rain(shape: (usize, usize), seed: u64) -> Array2<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (a, b) = (rng.random_range(0.01..0.03), rng.random_range(0.01..0.03));
    Array2::from_shape_fn(shape, |(i, j)| {
        let cells = (i as f32 * a).sin() * (j as f32 * b).cos() * 8.0;
        (cells + rng.random_range(-2.0..2.0)).max(0.0)
    })
}

fn bench_verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);

    let (forecast, observation) = (rain((1024, 1024), 1), rain((1024, 1024), 2));
    let scales = [1, 3, 9, 27, 81];
    group.bench_function("fss_1024x1024_5_scales", |b| {
        b.iter(|| {
            let mut fss = squall::verify::FssAccumulator::new(1.0, &scales).unwrap();
            fss.accumulate(black_box(forecast.view()), black_box(observation.view()))
                .unwrap();
            fss.compute()
        })
    });

    let observation = rain((512, 512), 3);
    let fields: Vec<Array2<f32>> = (0..20).map(|k| rain((512, 512), 10 + k)).collect();
    let members = Array3::from_shape_fn((20, 512, 512), |(k, i, j)| fields[k][[i, j]]);
    group.bench_function("crps_20_members_512x512", |b| {
        b.iter(|| {
            let mut crps = squall::verify::Crps::new();
            crps.accumulate(black_box(members.view()), black_box(observation.view()))
                .unwrap();
            crps.compute()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
