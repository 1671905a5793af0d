//! Dense Lucas–Kanade (pysteps defaults) on a 512 × 512 synthetic convective scene (the last 3 of its 12 frames, dBZ).
//! pysteps on the real 512² BoM sequence, next to Squall, is timed by `benches/compare/motion_speed.py`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;

#[path = "support/motion_frames.rs"]
mod motion_frames;
use motion_frames::convective_frames;

fn bench(c: &mut Criterion) {
    let frames = convective_frames();
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
