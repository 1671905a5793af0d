//! TREC with and without the COTREC correction on a 512 × 512 synthetic convective scene (the last 3 of its 12 frames, dBZ).
//! pysteps on the real 512² BoM sequence, next to Squall, is timed by `benches/compare/motion_speed.py`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use squall::motion::MotionEstimator;
use squall::motion::trec::Trec;

#[path = "support/motion_frames.rs"]
mod motion_frames;
use motion_frames::convective_frames;

fn bench(c: &mut Criterion) {
    let frames = convective_frames();
    let mut group = c.benchmark_group("motion_trec");
    group.sample_size(10);
    for cotrec in [false, true] {
        let estimator = Trec {
            cotrec,
            ..Trec::default()
        };
        let name = if cotrec {
            "cotrec_512x512_3_frames"
        } else {
            "trec_512x512_3_frames"
        };
        group.bench_function(name, |b| {
            b.iter(|| estimator.estimate(black_box(frames.view())).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
