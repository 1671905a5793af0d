//! Times `dualpol::process` (the whole dual-polarisation chain) on a radar file, in process, and prints JSON:
//! `{"runs": N, "median_s": …, "times_s": […]}`. Used by `benches/compare/dualpol_speed.py`.
//!
//! ```sh
//! cargo run --release --example dualpol_timing -- FILE [RUNS] [FREEZING_LEVEL_M]
//! ```

use std::time::Instant;

use squall::dualpol::{Config, TemperatureProfile, process};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: dualpol_timing FILE [RUNS] [FREEZING_LEVEL_M]")?;
    let runs: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let freezing: f64 = args.next().map_or(Ok(4_500.0), |s| s.parse())?;
    let volume = squall::io::open_volume(&path)?;
    let config = Config {
        temperature: TemperatureProfile::standard(freezing)?,
        ..Config::default()
    };
    process(&volume, &config)?; // warm-up
    let mut times: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            let out = process(&volume, &config);
            let elapsed = start.elapsed().as_secs_f64();
            out.map(|_| elapsed)
        })
        .collect::<Result<_, _>>()?;
    let list = times.iter().map(|t| format!("{t:.6}")).collect::<Vec<_>>();
    times.sort_by(f64::total_cmp);
    println!(
        "{{\"runs\": {}, \"median_s\": {:.6}, \"times_s\": [{}]}}",
        times.len(),
        times[times.len() / 2],
        list.join(", ")
    );
    Ok(())
}
