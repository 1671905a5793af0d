//! Times, on 512 × 512 frames of a real composite sequence, the Rust calls that `squall`'s Python functions wrap,
//! so `benches/compare/python_overhead.py` can measure what the Python layer adds. Prints one JSON line per
//! kernel: median wall time over `runs` calls after one warm-up, and a checksum of the result.
//!
//! ```sh
//! cargo run --release --example python_overhead -- <sequence folder> <runs>
//! ```
//! Kernels (frames 10, 11, 12 of the sequence, rain rate in mm/h, NaN → 0):
//! - `extrapolate`: frame 12 along a uniform motion (u, v) = (2.5, −1.5) pixels per step, 12 lead times, bilinear;
//! - `det_cat`: contingency table of frame 11 against frame 12 at 1 mm/h;
//! - `lucas_kanade`: dense Lucas–Kanade (pysteps' defaults) on frames 10–12 in dB (R ≥ 0.1 → 10 log10 R, else −15);
//! - `fss`: fractions skill score of frame 11 against frame 12 at 1 mm/h in 9 × 9 windows;
//! - `crps`: CRPS of an 8-member ensemble (frames 10–12 and 5 shifted copies of frame 11) against frame 12;
//! - `steps`: a STEPS ensemble (4 members, 3 lead times, 6 levels, nonparametric noise, BPS motion perturbation,
//!   incremental mask, CDF matching, seed 1) from frames 10–12 in dB with the uniform motion above, 1 km, 5 min.

use std::time::Instant;

use ndarray::{Array3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::Extrapolator;
use squall::nowcast::noise::BpsParameters;
use squall::nowcast::steps::{NowcastInput, Steps, StepsConfig};
use squall::verify::{ContingencyTable, Crps, fss};

fn median_s<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut out = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        out = f();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, runs] = args.as_slice() else {
        return Err("usage: python_overhead <sequence folder> <runs>".into());
    };
    let runs: usize = runs.parse()?;
    let sequence = open_sequence_dir(dir)?;
    let rate = sequence
        .values
        .slice(s![10..13, .., ..])
        .mapv(|v| if v.is_nan() { 0.0 } else { v });
    let (ny, nx) = (rate.shape()[1], rate.shape()[2]);
    let mut velocity = Array3::<f32>::zeros((2, ny, nx));
    velocity.index_axis_mut(Axis(0), 0).fill(2.5);
    velocity.index_axis_mut(Axis(0), 1).fill(-1.5);
    let leads: Vec<f64> = (1..=12).map(f64::from).collect();
    let extrapolator = Extrapolator::default();
    let last = rate.index_axis(Axis(0), 2);
    let (t, out) = median_s(runs, || {
        extrapolator.extrapolate(last, velocity.view(), &leads, None)
    });
    let sum: f64 = out?
        .fields
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| f64::from(v))
        .sum();
    println!("{{\"kernel\": \"extrapolate\", \"median_s\": {t}, \"checksum\": {sum}}}");

    let (t, table) = median_s(runs, || {
        ContingencyTable::from_fields(rate.index_axis(Axis(0), 1), last, 1.0)
    });
    let table = table?;
    println!(
        "{{\"kernel\": \"det_cat\", \"median_s\": {t}, \"checksum\": {}}}",
        table.hits
    );

    let db = rate.mapv(|r| if r >= 0.1 { 10.0 * r.log10() } else { -15.0 });
    let lk = LucasKanade::default();
    let (t, motion) = median_s(runs, || lk.estimate(db.view()));
    let sum: f64 = motion?.iter().map(|&v| f64::from(v)).sum();
    println!("{{\"kernel\": \"lucas_kanade\", \"median_s\": {t}, \"checksum\": {sum}}}");

    let (t, score) = median_s(runs, || fss(rate.index_axis(Axis(0), 1), last, 1.0, 9));
    println!(
        "{{\"kernel\": \"fss\", \"median_s\": {t}, \"checksum\": {}}}",
        score?
    );

    let mut members = Array3::<f32>::zeros((8, ny, nx));
    for k in 0..3 {
        members
            .index_axis_mut(Axis(0), k)
            .assign(&rate.index_axis(Axis(0), k));
    }
    let frame = rate.index_axis(Axis(0), 1);
    for k in 3..8 {
        // Frame 11 shifted by k − 2 pixels along x (edge column repeated).
        let shift = k - 2;
        let mut member = members.index_axis_mut(Axis(0), k);
        member
            .slice_mut(s![.., shift..])
            .assign(&frame.slice(s![.., ..nx - shift]));
        for c in 0..shift {
            member.column_mut(c).assign(&frame.column(0));
        }
    }
    let (t, crps) = median_s(runs, || {
        let mut crps = Crps::new();
        crps.accumulate(members.view(), last)
            .map(|_| crps.compute())
    });
    println!(
        "{{\"kernel\": \"crps\", \"median_s\": {t}, \"checksum\": {}}}",
        crps?
    );

    let steps = Steps::new(StepsConfig {
        members: 4,
        n_cascade_levels: 6,
        ar_order: 2,
        rain_threshold: -10.0,
        motion_perturbation: Some(BpsParameters::BOWLER_2006),
        seed: 1,
        ..StepsConfig::default()
    });
    let input = NowcastInput {
        fields: db.view(),
        velocity: velocity.view(),
        km_per_pixel: 1.0,
        timestep_minutes: 5.0,
    };
    let (t, out) = median_s(runs.min(3), || steps.forecast_db(&input, 3, &|_, _| ()));
    let sum: f64 = out?
        .iter()
        .filter(|v| v.is_finite())
        .map(|&v| f64::from(v))
        .sum();
    println!("{{\"kernel\": \"steps\", \"median_s\": {t}, \"checksum\": {sum}}}");
    Ok(())
}
