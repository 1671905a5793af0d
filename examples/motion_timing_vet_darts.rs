//! Times Squall's VET or DARTS on nine frames of a composite sequence, prepared as the pysteps comparison does,
//! and prints one JSON line (median seconds, mean motion in rain).
//!
//! ```sh
//! cargo run --release --example motion_timing_vet_darts -- DIR vet|darts START [RUNS [OUT]]
//! ```
//! With `OUT`, the motion `(2, y, x)` is also written there as raw little-endian `f32`.
//! Frames `START .. START + 9` of the sequence in `DIR` (any format `open_sequence_dir` reads) → rain rate (FMI
//! dBZ by R = (Z/223)^(1/1.53)) → dB (10·log₁₀ R from 0.1 mm/h, −15 dB below and for no data). VET takes the last
//! three frames, DARTS all nine. "In rain": R ≥ 0.1 mm/h in the last frame. `benches/compare/
//! motion_speed_vet_darts.py` runs this next to pysteps.

use std::time::Instant;

use ndarray::{Array3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::darts::Darts;
use squall::motion::vet::Vet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [dir, method, start, rest @ ..] = args.as_slice() else {
        return Err("usage: motion_timing_vet_darts DIR vet|darts START [RUNS [OUT]]".into());
    };
    let start: usize = start.parse()?;
    let runs: usize = rest.first().map_or(Ok(3), |r| r.parse())?;
    let sequence = open_sequence_dir(dir)?;
    let window = sequence.values.slice(s![start..start + 9, .., ..]);
    let rain = if sequence.units == "dBZ" {
        window.mapv(|dbz| (10f32.powf(dbz / 10.0) / 223.0).powf(1.0 / 1.53))
    } else {
        window.to_owned()
    };
    let db = rain.mapv(|r| if r >= 0.1 { 10.0 * r.log10() } else { -15.0 });
    let (estimator, frames): (Box<dyn MotionEstimator>, _) = match method.as_str() {
        "vet" => (Box::new(Vet::default()), db.slice(s![6.., .., ..])),
        "darts" => (Box::new(Darts::default()), db.slice(s![.., .., ..])),
        other => return Err(format!("unknown method {other:?}: vet or darts").into()),
    };
    let mut seconds = Vec::with_capacity(runs);
    let mut motion = Array3::zeros((2, 0, 0));
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        motion = estimator.estimate(frames)?;
        seconds.push(t.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    if let Some(out) = rest.get(1) {
        let bytes: Vec<u8> = motion.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(out, bytes)?;
    }
    let last = rain.index_axis(Axis(0), 8);
    let (mut su, mut sv, mut n) = (0.0f64, 0.0f64, 0usize);
    for ((&r, &u), &v) in last
        .iter()
        .zip(motion.index_axis(Axis(0), 0))
        .zip(motion.index_axis(Axis(0), 1))
    {
        if r >= 0.1 {
            su += f64::from(u);
            sv += f64::from(v);
            n += 1;
        }
    }
    let n = n.max(1) as f64;
    let line = serde_json::json!({
        "method": method,
        "start": start,
        "median_s": seconds[seconds.len() / 2],
        "runs": seconds.len(),
        "mean_u": su / n,
        "mean_v": sv / n,
        "threads": rayon::current_num_threads(),
    });
    println!("{line}");
    Ok(())
}
