//! Kernels of STEPS on 512² (one member, one step unless stated), and a whole 20-member × 12-step ensemble.
//!
//! Run: `cargo bench --bench steps -- --warm-up-time 1 --measurement-time 5`. The work of each kernel and the
//! limit it runs against, with the medians measured on the 2-core development machine, are in
//! `benches/README.md`:
//!
//! - `fft_forward` / `fft_inverse`: one 2-D real FFT of 512², ≈ 2.5 · N log2 N ≈ 12 Mflop (N = 262 144).
//! - `decompose_8`: the analysis' decomposition, 1 forward + 8 inverse FFTs and the levels' statistics.
//! - `noise_8`: one member's noise per step: N Gaussian draws, 1 forward FFT, the amplitude filter and the
//!   8 levels' standard deviations from the spectrum (Parseval).
//! - `ar_step_8`: one member's AR(2) step of 8 levels on their spectra with the noise term, and the recomposed
//!   spectrum (memory-bound: ≈ 18 MB of traffic).
//! - `prob_matching`: empirical-CDF matching of one field (radix sort of the wet pixels).
//! - `incremental_mask`: the incremental rain mask (two sweeps of a city-block distance transform).
//! - `advect_step`: one semi-Lagrangian step (midpoint, bilinear) in place, as each member does it.
//! - `copy_64mib`: a 64 MiB copy, the machine's memory bandwidth to compare the kernels with.

use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::{Array2, Array3};
use rustfft::num_complex::Complex32;
use squall::nowcast::autoregression::ArModel;
use squall::nowcast::cascade::CascadePlan;
use squall::nowcast::noise::NoiseFilter;
use squall::nowcast::probmatch::{CdfMatcher, IncrementalMask};
use squall::nowcast::spectral_ar::SpectralAr;
use squall::nowcast::steps::{NowcastInput, Steps, StepsConfig, member_rng};
use squall::nowcast::{AdvectionBuffers, Extrapolator};
use std::hint::black_box;

const N: usize = 512;

/// A textured rain field in dB, −15 dB outside the rain.
fn field(phase: f32) -> Array2<f32> {
    Array2::from_shape_fn((N, N), |(r, c)| {
        let (x, y) = (c as f32 / N as f32, r as f32 / N as f32);
        let v =
            12.0 * (x * 17.0 + phase).sin() * (y * 11.0).cos() + 3.0 * (x * 83.0 + y * 57.0).sin();
        if v > 0.0 { v } else { -15.0 }
    })
}

fn motion() -> Array3<f32> {
    let h = N as f32 / 2.0;
    Array3::from_shape_fn((2, N, N), |(k, r, c)| {
        if k == 0 {
            -0.006 * (r as f32 - h) + 1.5
        } else {
            0.004 * (c as f32 - h) + 0.7
        }
    })
}

fn kernels(c: &mut Criterion) {
    let plan = CascadePlan::new(N, N, 8, 0.5).unwrap();
    let f = field(0.0);
    let mut scratch = plan.scratch();
    let mut group = c.benchmark_group("steps_kernels_512");
    group.sample_size(20);
    group.bench_function("fft_forward", |b| {
        b.iter(|| plan.forward(black_box(f.as_slice().unwrap()), &mut scratch))
    });
    group.bench_function("decompose_8", |b| {
        b.iter(|| plan.decompose(black_box(f.view())).unwrap())
    });
    let mut out = vec![0.0f32; N * N];
    group.bench_function("fft_inverse", |b| {
        b.iter(|| plan.inverse(black_box(&mut out), &mut scratch))
    });
    let frames = ndarray::stack![ndarray::Axis(0), field(0.0), field(0.1), field(0.2)];
    let noise = NoiseFilter::nonparametric(&plan, frames.view()).unwrap();
    let mut rng = member_rng(1, 0);
    let mut white = vec![0.0f32; N * N];
    let cascades: Vec<_> = [0.0, 0.1]
        .iter()
        .map(|&p| plan.decompose(field(p).view()).unwrap())
        .collect();
    let state = ndarray::stack![
        ndarray::Axis(0),
        cascades[0].levels.view(),
        cascades[1].levels.view()
    ];
    let ar: Vec<ArModel> = (0..8)
        .map(|k| {
            ArModel::from_correlations(&[0.95 - 0.05 * k as f64, 0.9 - 0.1 * k as f64]).unwrap()
        })
        .collect();
    let spectral = SpectralAr::new(
        &plan,
        state.view(),
        &ar,
        &cascades[1].means,
        &cascades[1].stds,
    )
    .unwrap();
    let mut gains = vec![0.0f32; 8];
    group.bench_function("noise_8", |b| {
        b.iter(|| {
            noise.generate_spectrum(&plan, &mut rng, &mut white, &mut scratch);
            spectral.noise_gains(scratch.spectrum(), &mut gains, &plan);
        })
    });
    let mut member = spectral.member_state();
    let mut recomposed = vec![Complex32::default(); plan.spectrum_len()];
    group.bench_function("ar_step_8", |b| {
        b.iter(|| {
            spectral.step(
                &mut member,
                Some((scratch.spectrum(), &gains)),
                &plan,
                &mut recomposed,
            )
        })
    });
    let matcher = CdfMatcher::new(field(0.3).as_slice().unwrap()).unwrap();
    let mut keys = Vec::new();
    group.bench_function("prob_matching", |b| {
        b.iter_batched_ref(
            || field(0.0).into_raw_vec_and_offset().0,
            |f| matcher.match_in_place(f, &mut keys).unwrap(),
            criterion::BatchSize::LargeInput,
        )
    });
    let mut mask = IncrementalMask::new(N, N, 5, 10);
    let mut weights = vec![0.0f32; N * N];
    let fs = f.as_slice().unwrap();
    group.bench_function("incremental_mask", |b| {
        b.iter(|| mask.weights_into(|i| fs[i] >= -10.0, &mut weights))
    });
    let velocity = motion();
    let mut displacement = Array3::<f32>::zeros((2, N, N));
    let mut buffers = AdvectionBuffers::default();
    let mut advected = Array2::<f32>::zeros((N, N));
    group.bench_function("advect_step", |b| {
        b.iter(|| {
            // Restart from the analysis every call, so every call traces the same trajectories.
            displacement.fill(0.0);
            Extrapolator::default()
                .advance(
                    f.view(),
                    velocity.view(),
                    1.0,
                    &mut displacement,
                    advected.view_mut(),
                    &mut buffers,
                )
                .unwrap()
        })
    });
    // Memory bandwidth of the machine: a 64 MiB copy (read 64 MiB, write 64 MiB).
    let source = vec![1.0f32; 16 << 20];
    let mut target = vec![0.0f32; 16 << 20];
    group.bench_function("copy_64mib", |b| {
        b.iter(|| target.copy_from_slice(black_box(&source)))
    });
    group.finish();
}

fn ensemble(c: &mut Criterion) {
    let frames = ndarray::stack![ndarray::Axis(0), field(0.0), field(0.05), field(0.1)];
    let velocity = motion();
    let input = NowcastInput {
        fields: frames.view(),
        velocity: velocity.view(),
        km_per_pixel: 1.0,
        timestep_minutes: 5.0,
    };
    let steps = Steps::new(StepsConfig {
        members: 20,
        n_cascade_levels: 8,
        seed: 1,
        ..StepsConfig::default()
    });
    let mut group = c.benchmark_group("steps_ensemble_512");
    group.sample_size(10);
    group.bench_function("20_members_12_steps", |b| {
        b.iter(|| steps.forecast_db(&input, 12, &|_, _| ()).unwrap())
    });
    group.finish();
}

criterion_group!(benches, kernels, ensemble);
criterion_main!(benches);
