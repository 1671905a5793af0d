//! Semi-Lagrangian extrapolation: 12 lead times on 512² and 1024² with a rotating, sheared motion field.

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Array3};
use squall::nowcast::{Extrapolator, Interpolation};
use std::hint::black_box;

fn inputs(n: usize) -> (Array2<f32>, Array3<f32>) {
    let field = Array2::from_shape_fn((n, n), |(r, c)| {
        let (x, y) = (c as f32 / n as f32, r as f32 / n as f32);
        (10.0 * (x * 17.0).sin() * (y * 11.0).cos()).max(0.0)
    });
    let h = n as f32 / 2.0;
    let motion = Array3::from_shape_fn((2, n, n), |(k, r, c)| {
        if k == 0 {
            -0.006 * (r as f32 - h) + 1.5
        } else {
            0.004 * (c as f32 - h) + 0.7
        }
    });
    (field, motion)
}

fn bench_extrapolate(c: &mut Criterion) {
    let lead_times: Vec<f64> = (1..=12).map(f64::from).collect();
    let mut group = c.benchmark_group("extrapolate_12_steps");
    group.sample_size(20);
    for n in [512usize, 1024] {
        let (field, motion) = inputs(n);
        for (name, interpolation) in [
            ("bilinear", Interpolation::Bilinear),
            ("bicubic", Interpolation::Bicubic),
        ] {
            let ex = Extrapolator {
                interpolation,
                ..Default::default()
            };
            group.bench_function(format!("{name}_{n}"), |b| {
                b.iter(|| {
                    ex.extrapolate(black_box(field.view()), motion.view(), &lead_times, None)
                        .unwrap()
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_extrapolate);
criterion_main!(benches);
