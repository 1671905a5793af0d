//! Times Squall's motion estimators on one window of a real composite sequence, with the preprocessing of the
//! pysteps comparison, and prints one JSON line per method.
//!
//! ```sh
//! cargo run --release --example motion_timing -- <sequence folder> <start> <runs> <method>...
//! ```
//! Methods: `lk`, `constant`, `vet`, `trec`, `trec-no-cotrec` (on the last three of the nine frames
//! `start .. start + 9`) and `darts` (on all nine). Frames → rain rate (dBZ via Marshall–Palmer, a = 200,
//! b = 1.6) → dB (≥ 0.1 mm/h → 10 log10 R, else −15 dB). No data stays NaN for LK, constant and TREC, and becomes
//! −15 dB for VET and DARTS (as pysteps needs). Each line gives the median wall time over `runs` calls after one
//! warm-up (file reading excluded) and the mean motion over the rain pixels (≥ 0.1 mm/h in the last frame).
//! `benches/compare/motion_speed.py` runs this next to pysteps.

use std::time::Instant;

use ndarray::{Array3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::constant::ConstantMotion;
use squall::motion::darts::Darts;
use squall::motion::lucas_kanade::LucasKanade;
use squall::motion::trec::Trec;
use squall::motion::vet::Vet;
use squall::nowcast::transform::DbTransform;
use squall::products::rain_rate_from_reflectivity;

/// Frames in the window (DARTS uses all of them, the other methods the last three).
const WINDOW: usize = 9;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: motion_timing <dir> <start> <runs> <lk|constant|vet|darts|trec|trec-no-cotrec>...";
    let [dir, start, runs, methods @ ..] = args.as_slice() else {
        return Err(usage.into());
    };
    let (start, runs): (usize, usize) = (start.parse()?, runs.parse()?);
    let sequence = open_sequence_dir(dir)?;
    let nt = sequence.len();
    if start + WINDOW > nt {
        return Err(format!("start {start} + {WINDOW} frames is beyond the {nt} frames").into());
    }
    let mut rain = sequence
        .values
        .slice(s![start..start + WINDOW, .., ..])
        .to_owned();
    if sequence.units == "dBZ" {
        rain.mapv_inplace(|z| rain_rate_from_reflectivity(z, 200.0, 1.6));
    }
    let db_nan: Array3<f32> = rain.mapv(|r| DbTransform::default().forward(r));
    let db_filled = db_nan.mapv(|v| if v.is_nan() { -15.0 } else { v });
    let last3 = s![WINDOW - 3.., .., ..];
    for method in methods {
        let (estimator, frames): (Box<dyn MotionEstimator>, _) = match method.as_str() {
            "lk" => (Box::new(LucasKanade::default()), db_nan.slice(last3)),
            "constant" => (Box::new(ConstantMotion::default()), db_nan.slice(last3)),
            "trec" => (Box::new(Trec::default()), db_nan.slice(last3)),
            "trec-no-cotrec" => (
                Box::new(Trec {
                    cotrec: false,
                    ..Trec::default()
                }),
                db_nan.slice(last3),
            ),
            "vet" => (Box::new(Vet::default()), db_filled.slice(last3)),
            "darts" => (Box::new(Darts::default()), db_filled.view()),
            other => return Err(format!("unknown method {other:?}; {usage}").into()),
        };
        let mut motion = estimator.estimate(frames)?;
        let mut seconds = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            motion = estimator.estimate(frames)?;
            seconds.push(t.elapsed().as_secs_f64());
        }
        seconds.sort_by(f64::total_cmp);
        let last = rain.index_axis(Axis(0), WINDOW - 1);
        let (mut su, mut sv, mut n) = (0.0f64, 0.0f64, 0usize);
        for ((r, c), &v) in last.indexed_iter() {
            if v >= 0.1 {
                su += f64::from(motion[[0, r, c]]);
                sv += f64::from(motion[[1, r, c]]);
                n += 1;
            }
        }
        let n_f = n.max(1) as f64;
        let line = serde_json::json!({
            "method": method,
            "grid": [last.nrows(), last.ncols()],
            "start": start,
            "frames": frames.len_of(Axis(0)),
            "runs": runs,
            "median_s": seconds.get(seconds.len() / 2).copied().unwrap_or(f64::NAN),
            "rain_pixels": n,
            "mean_rain": [su / n_f, sv / n_f],
            "threads": rayon::current_num_threads(),
        });
        println!("{line}");
    }
    Ok(())
}
