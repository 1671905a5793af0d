//! Times a motion estimator on a real composite sequence, with the preprocessing of pysteps' examples.
//!
//! ```sh
//! cargo run --release --example motion_timing -- <lk|constant|trec|trec-no-cotrec> <sequence folder> \
//!     [end index (default: last)] [runs (default 5)] [frames (default 3)]
//! ```
//! The frames `end − frames + 1 ..= end` are converted to rain rate (dBZ via Marshall–Palmer, a = 200,
//! b = 1.6), then to dB (≥ 0.1 mm/h → 10 log10 R, else −15 dB, NaN kept) and passed to the method. Prints one
//! JSON line: the median wall time over the runs (after one warm-up), and the mean motion over the rain pixels
//! (≥ 0.1 mm/h in the last frame). `benches/compare/motion_speed.py` runs this next to pysteps.

use std::time::Instant;

use ndarray::{Array3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::constant::ConstantMotion;
use squall::motion::lucas_kanade::LucasKanade;
use squall::motion::trec::Trec;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: motion_timing <lk|constant|trec|trec-no-cotrec> <dir> [end] [runs] [frames]";
    let (method, dir) = match (args.first(), args.get(1)) {
        (Some(m), Some(d)) => (m.as_str(), d.as_str()),
        _ => return Err(usage.into()),
    };
    let estimator: Box<dyn MotionEstimator> = match method {
        "lk" => Box::new(LucasKanade::default()),
        "constant" => Box::new(ConstantMotion::default()),
        "trec" => Box::new(Trec::default()),
        "trec-no-cotrec" => Box::new(Trec {
            cotrec: false,
            ..Trec::default()
        }),
        other => return Err(format!("unknown method {other:?}; {usage}").into()),
    };
    let sequence = open_sequence_dir(dir)?;
    let nt = sequence.values.dim().0;
    let end: usize = args.get(2).map_or(Ok(nt - 1), |s| s.parse())?;
    let runs: usize = args.get(3).map_or(Ok(5), |s| s.parse())?;
    let n_frames: usize = args.get(4).map_or(Ok(3), |s| s.parse())?;
    if end >= nt || n_frames == 0 || n_frames > end + 1 {
        return Err(format!("end {end} / frames {n_frames} outside the {nt} frames").into());
    }
    let mut rain = sequence
        .values
        .slice(s![end + 1 - n_frames..=end, .., ..])
        .to_owned();
    if sequence.units == "dBZ" {
        rain.mapv_inplace(|z| (10f32.powf(z / 10.0) / 200.0).powf(1.0 / 1.6));
    }
    let frames: Array3<f32> = rain.mapv(|r| {
        if r.is_nan() {
            f32::NAN
        } else if r >= 0.1 {
            10.0 * r.log10()
        } else {
            -15.0
        }
    });
    let mut motion = estimator.estimate(frames.view())?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        motion = estimator.estimate(frames.view())?;
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(f64::NAN);
    let last = rain.index_axis(Axis(0), n_frames - 1);
    let (mut su, mut sv, mut n) = (0.0f64, 0.0f64, 0usize);
    for ((r, c), &v) in last.indexed_iter() {
        if v >= 0.1 {
            su += f64::from(motion[[0, r, c]]);
            sv += f64::from(motion[[1, r, c]]);
            n += 1;
        }
    }
    let (ny, nx) = last.dim();
    println!(
        "{{\"method\": \"{method}\", \"grid\": [{ny}, {nx}], \"end\": {end}, \"frames\": {n_frames}, \
         \"runs\": {runs}, \"median_s\": {median:.4}, \"rain_pixels\": {n}, \"mean_rain\": [{:.4}, {:.4}]}}",
        su / n.max(1) as f64,
        sv / n.max(1) as f64
    );
    Ok(())
}
