//! Times a STEPS ensemble on three files of a real composite sequence and reports the peak memory.
//!
//! ```sh
//! cargo run --release --example steps_timing -- <three files, oldest first> --members 20 --leadtimes 12 \
//!     --levels 8 --km 0.5 --minutes 6 [--motion uv.f32] [--runs 1]
//! ```
//! Files are read with `squall::io::composite`, converted to rain rate (dBZ via Marshall–Palmer a = 200,
//! b = 1.6) and dB (−15 dB below 0.1 mm/h). The motion is read from `--motion` (raw little-endian f32
//! `(2, y, x)`, e.g. pysteps' LK field written by `benches/compare/steps_speed.py`) or estimated with Squall's
//! LK. Prints one JSON line: the median forecast time (analysis + members, excluding file reading and motion)
//! and the CPU time it used, the output size and the process' peak resident memory (`VmHWM`). `SQUALL_NUM_THREADS` or
//! `RAYON_NUM_THREADS` set the thread count.

use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array3;
use squall::io::composite::open_sequence;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::steps::{NowcastInput, Steps, StepsConfig};
use squall::nowcast::transform::DbTransform;
use squall::products::rain_rate_from_reflectivity;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    let (mut members, mut lead, mut levels, mut km, mut minutes, mut runs) =
        (20, 12, 8, 1.0, 5.0, 1);
    let mut motion: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--members" => members = value()?.parse()?,
            "--leadtimes" => lead = value()?.parse()?,
            "--levels" => levels = value()?.parse()?,
            "--km" => km = value()?.parse()?,
            "--minutes" => minutes = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            "--motion" => motion = Some(PathBuf::from(value()?)),
            _ => files.push(PathBuf::from(a)),
        }
    }
    if let Ok(n) = std::env::var("SQUALL_NUM_THREADS") {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.parse()?)
            .build_global()?;
    }
    let sequence = open_sequence(&files)?;
    let mut rain = sequence.values;
    if sequence.units == "dBZ" {
        rain.mapv_inplace(|z| rain_rate_from_reflectivity(z, 200.0, 1.6));
    }
    let transform = DbTransform::default();
    let frames = rain.mapv(|r| transform.forward(r));
    drop(rain);
    let (_, ny, nx) = frames.dim();
    let velocity = match motion {
        Some(path) => {
            let raw = std::fs::read(&path)?;
            let values: Vec<f32> = raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            Array3::from_shape_vec((2, ny, nx), values)?
        }
        None => LucasKanade::default().estimate(frames.view())?,
    };
    let input = NowcastInput {
        fields: frames.view(),
        velocity: velocity.view(),
        km_per_pixel: km,
        timestep_minutes: minutes,
    };
    let steps = Steps::new(StepsConfig {
        members,
        n_cascade_levels: levels,
        seed: 24,
        ..StepsConfig::default()
    });
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut output_bytes = 0;
    let mut wet = 0.0;
    for _ in 0..runs {
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let out = steps.forecast_db(&input, lead, &|_, _| ())?;
        times.push(t0.elapsed().as_secs_f64());
        cpu.push(cpu_seconds() - c0);
        output_bytes = out.len() * 4;
        wet = out.iter().filter(|&&v| v >= -10.0).count() as f64 / out.len() as f64;
    }
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    let peak_kib: u64 = std::fs::read_to_string("/proc/self/status")?
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!(
        "{{\"seconds\": {:.4}, \"cpu_seconds\": {:.4}, \"runs\": {runs}, \"threads\": {}, \"members\": {members}, \"lead_times\": {lead}, \
         \"shape\": [{ny}, {nx}], \"output_bytes\": {output_bytes}, \"peak_rss_bytes\": {}, \"wet_fraction\": {wet:.4}}}",
        times[times.len() / 2],
        cpu[cpu.len() / 2],
        rayon::current_num_threads(),
        peak_kib * 1024
    );
    Ok(())
}

/// User + system CPU time of the process so far, seconds (`/proc/self/stat`, clock ticks of 10 ms; 0 if
/// unavailable).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
