//! Dense Lucas–Kanade (pysteps defaults) on a 512 × 512 synthetic convective scene (the last 3 of its 12 frames, dBZ).
//! pysteps on the real 512² BoM sequence, next to Squall, is timed by `benches/compare/motion_speed.py`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::s;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::synth::SceneConfig;

fn bench(c: &mut Criterion) {
    let stack = SceneConfig::convective(42, 512)
        .and_then(|config| config.generate())
        .expect("synthetic scene")
        .reflectivity_stack();
    let frames = stack.slice(s![9..12, .., ..]).to_owned();
    let mut group = c.benchmark_group("motion_lucas_kanade");
    group.sample_size(10);
    let estimator = LucasKanade::default();
    group.bench_function("512x512_3_frames", |b| {
        b.iter(|| estimator.estimate(black_box(frames.view())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
