//! Cell identification + properties + tracking of one 1000 × 1000 synthetic convective frame (1 km, ≈ 200 cells
//! over the sequence), the tracker holding the previous 5 frames. tobac and pysteps' tstorm next to Squall, per
//! frame, are timed by `benches/compare/cells_speed.py`.

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use squall::cells::{CellFields, CellPipeline, IdentifyConfig, TrackerConfig, identify_2d};
use squall::synth::SceneConfig;

fn bench(c: &mut Criterion) {
    let sequence = SceneConfig::convective(42, 1000)
        .and_then(|config| config.generate())
        .expect("synthetic scene");
    let spec = sequence.frames[0].spec.clone();
    let mut pipeline = CellPipeline::new(
        spec.clone(),
        IdentifyConfig::default(),
        TrackerConfig::default(),
    )
    .expect("pipeline");
    for frame in &sequence.frames[..6] {
        pipeline
            .process(frame, &CellFields::default())
            .expect("frame");
    }
    let next = &sequence.frames[6];
    let mut group = c.benchmark_group("cells");
    group.sample_size(20);
    group.bench_function("1000x1000_identify", |b| {
        b.iter(|| {
            identify_2d(
                black_box(next.values.view()),
                &spec,
                &IdentifyConfig::default(),
            )
            .unwrap()
        })
    });
    group.bench_function("1000x1000_identify_measure_track_forecast", |b| {
        b.iter_batched(
            || pipeline.clone(),
            |mut p| p.process(black_box(next), &CellFields::default()).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
