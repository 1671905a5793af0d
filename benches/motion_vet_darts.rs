//! VET on three frames and DARTS on nine frames of 512²: a synthetic convective scene (`SceneConfig::convective`, always available) and the BoM
//! Rainfields sequence of `../shared/data/nowcast/` from 11:00, frames 10–18 (skipped, with a message, where it is
//! absent), both as rain rate in dB (10·log₁₀ R from 0.1 mm/h, −15 dB below). pysteps on the same BoM frames:
//! `benches/compare/motion_speed.py` (all methods in one run).

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::darts::Darts;
use squall::motion::vet::Vet;
use squall::synth::{SceneConfig, to_rain_rate};

fn to_db(rain: Array3<f32>) -> Array3<f32> {
    rain.mapv(|r| if r >= 0.1 { 10.0 * r.log10() } else { -15.0 })
}

fn synthetic() -> Array3<f32> {
    let sequence = SceneConfig::convective(7, 512).unwrap().generate().unwrap();
    let rain = to_rain_rate(&sequence);
    let views: Vec<_> = rain.iter().map(|g| g.values.view()).collect();
    to_db(ndarray::stack(Axis(0), &views).unwrap())
}

fn bom() -> Option<Array3<f32>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16");
    if !dir.is_dir() {
        eprintln!("skipping bom: {} is absent", dir.display());
        return None;
    }
    let sequence = open_sequence_dir(&dir).ok()?;
    Some(to_db(sequence.values.slice(s![10..19, .., ..]).to_owned()))
}

/// Times `method` on frames `first_frame..9` of each input.
fn bench_method(c: &mut Criterion, group: &str, method: &dyn MotionEstimator, first_frame: usize) {
    let mut group = c.benchmark_group(group);
    group.sample_size(10);
    for (name, frames) in [("synthetic", Some(synthetic())), ("bom_1100", bom())] {
        let Some(frames) = frames else { continue };
        let input = frames.slice(s![first_frame..9, .., ..]);
        group.bench_function(name, |b| {
            b.iter(|| method.estimate(black_box(input)).unwrap())
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    bench_method(c, "vet_512", &Vet::default(), 6);
    bench_method(c, "darts_512", &Darts::default(), 0);
}

criterion_group!(benches, bench);
criterion_main!(benches);
