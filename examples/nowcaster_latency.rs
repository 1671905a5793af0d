//! Latency of the streaming Nowcaster: one S-band and seven X-band volumes per cycle on a 400 × 400 km, 1 km grid
//! with a 20-member, 60-minute ensemble (the radars, grid and nowcast of `examples/nowcaster.toml`).
//!
//! ```sh
//! cargo run --release --example nowcaster_latency -- [CONFIG.toml] [CYCLES]
//! ```
//! A synthetic convective scene (cells over stratiform rain) on the configured grid is scanned by every configured
//! radar at every cycle (S band: the 9 VCP 21 tilts to 230 km; X band: 9 tilts to 60 km), and each volume is
//! encoded as a CINRAD standard-format file in memory (not timed). Then, cycle by cycle, the files are decoded
//! and fed to the Nowcaster. Printed per cycle: the time of each stage, the decoding, and the wall-clock time of
//! the whole cycle (all volumes ingested one after another, as if they all arrived at once); then the medians over
//! the cycles with an ensemble (cycle 3 on; cycle 1 also builds the grid mappings), and the latency: the time from the
//! last volume's arrival to the update. The medians give each stage's wall-clock time and its CPU time (all
//! threads, user + system): on a shared machine the wall-clock figures grow with the load, the CPU figures much
//! less, and the time on an idle machine lies between CPU / cores and CPU.

use std::time::Instant;

use squall::geo::GridSpec;
use squall::pipeline::{Nowcaster, NowcasterConfig, Timings};
use squall::synth::{
    MotionField, RadarConfig, SceneConfig, StratiformConfig, polar_volume, random_cells,
};
use squall::volume::{Band, Site};

/// Per cycle: stage timings, decoding (s), wall-clock of the cycle (s), time of the last volume's ingest (s).
type Row = (Timings, f64, f64, f64);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        f64::NAN
    } else {
        v[v.len() / 2]
    }
}

/// The load averages of `/proc/loadavg` (1, 5, 15 min), or "unknown".
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or("unknown".to_owned(), |s| {
        s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    })
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = args
        .get(1)
        .map_or("examples/nowcaster.toml", String::as_str);
    let cycles: usize = args.get(2).map_or(Ok(6), |s| s.parse())?;
    let config = NowcasterConfig::load(path)?;
    let spec = config.grid_spec();
    let length_s = config.cycle.length_s;

    // The scene: on a square grid covering the configured one (the synthetic scenes are square).
    let started = Instant::now();
    let n = spec.nx.max(spec.ny);
    let scene_spec = GridSpec::centred_on(
        config.grid.centre_latitude_deg,
        config.grid.centre_longitude_deg,
        n,
        config.grid.spacing_m,
    )?;
    let mut scene = SceneConfig::new(5, scene_spec.clone());
    scene.n_frames = cycles;
    scene.timestep_s = length_s;
    scene.start_time = chrono::DateTime::from_timestamp(1_717_221_600, 0).ok_or("time")?;
    scene.motion = MotionField::Uniform { u: 9.0, v: 3.0 };
    let duration = (cycles.max(2) - 1) as f64 * length_s;
    scene.cells = random_cells(5, &scene_spec, &scene.motion, n * n / 2500, duration, 1);
    scene.stratiform = Some(StratiformConfig::covering(&scene_spec));
    let sequence = scene.generate()?;
    let mut files: Vec<Vec<Vec<u8>>> = Vec::new();
    for k in 0..cycles {
        let scene3d = sequence.scene_3d(k)?;
        let mut cycle = Vec::new();
        for (i, radar) in config.radars.iter().enumerate() {
            let site = Site {
                id: radar.id.clone(),
                name: "synthetic".into(),
                latitude_deg: radar.latitude_deg,
                longitude_deg: radar.longitude_deg,
                altitude_m: radar.altitude_m,
            };
            let instrument = match radar.band {
                Band::S => RadarConfig::s_band_vcp21(site),
                Band::C => RadarConfig::c_band(site),
                _ => RadarConfig::x_band(site),
            };
            let mut volume = polar_volume(&scene3d, &instrument)?.volume;
            volume.start_time += chrono::TimeDelta::seconds(5 * i as i64);
            cycle.push(squall::io::cinrad::to_bytes(&volume)?);
        }
        files.push(cycle);
    }
    eprintln!(
        "{} cycles × {} radars synthesised and encoded in {:.0} s ({:.1} MB per cycle)",
        cycles,
        config.radars.len(),
        started.elapsed().as_secs_f64(),
        files[0].iter().map(Vec::len).sum::<usize>() as f64 / 1e6
    );

    let mut nowcaster = Nowcaster::new(config.clone())?;
    let mut rows: Vec<Row> = Vec::new();
    println!(
        "{:>5} {:>7} {:>7} {:>7} {:>7} {:>8} {:>7} {:>7} {:>8} {:>7} {:>7} {:>8} {:>8}  members × leads, cells, warnings",
        "cycle",
        "decode",
        "qc",
        "grid",
        "mosaic",
        "products",
        "motion",
        "cells",
        "ensemble",
        "prob",
        "warn",
        "stages",
        "wall"
    );
    for (k, cycle) in files.iter().enumerate() {
        let wall = Instant::now();
        let mut decode_s = 0.0;
        let mut updates = Vec::new();
        let mut last_s = 0.0;
        for bytes in cycle {
            let t = Instant::now();
            let volume = squall::io::cinrad::from_bytes(bytes, "synthetic")?;
            decode_s += t.elapsed().as_secs_f64();
            let ingested = nowcaster.ingest(volume)?;
            if let Some(reason) = ingested.dropped {
                eprintln!("dropped: {reason}");
            }
            updates.extend(ingested.updates);
            last_s = t.elapsed().as_secs_f64();
        }
        let wall_s = wall.elapsed().as_secs_f64();
        let update = updates.pop().ok_or("the cycle gave no update")?;
        let t = update.timings;
        let shape = update
            .nowcast
            .as_ref()
            .map_or("no nowcast".to_owned(), |n| {
                format!("{} × {}", config.nowcast.members, n.lead_times_s.len())
            });
        println!(
            "{:>5} {:>7.2} {:>7.2} {:>7.2} {:>7.2} {:>8.2} {:>7.2} {:>7.2} {:>8.2} {:>7.2} {:>7.2} {:>8.2} {:>8.2}  {shape}, {} cells, {} warnings",
            k + 1,
            decode_s,
            t.qc_s,
            t.grid_s,
            t.mosaic_s,
            t.products_s,
            t.motion_s,
            t.cells_s,
            t.ensemble_s,
            t.probability_s,
            t.warnings_s,
            t.total_s(),
            wall_s,
            update.cells.cells.len(),
            update.warnings.len(),
        );
        if update.nowcast.is_some() {
            rows.push((t, decode_s, wall_s, last_s));
        }
    }
    if rows.is_empty() {
        return Err("no cycle with a nowcast: give at least 3 cycles".into());
    }
    let med = |f: &dyn Fn(&Row) -> f64| median(rows.iter().map(f).collect());
    println!(
        "\nmedian over {} cycles with an ensemble (load average {}):",
        rows.len(),
        load_average()
    );
    println!("  {:<11} {:>7} {:>7}", "stage", "wall s", "CPU s");
    println!("  {:<11} {:7.2}", "decode", med(&|r| r.1));
    for (i, (name, _)) in rows[0].0.stages().iter().enumerate() {
        println!(
            "  {name:<11} {:7.2} {:7.2}",
            med(&|r| r.0.stages()[i].1),
            med(&|r| r.0.cpu_s[i])
        );
    }
    let cpu_total = med(&|r| r.0.cpu_s.iter().sum());
    println!(
        "  {:<11} {:7.2} {:7.2} (sum of the stages; on an idle {}-core machine between {:.2} and {:.2} s)",
        "stages",
        med(&|r| r.0.total_s()),
        cpu_total,
        cores(),
        cpu_total / cores() as f64,
        cpu_total
    );
    println!(
        "  wall     {:6.2} s (decode + ingest of all volumes of a cycle)",
        med(&|r| r.2)
    );
    println!(
        "  latency  {:6.2} s (from the last volume's arrival to the update: its decode, QC, gridding and the cycle)",
        med(&|r| r.3)
    );
    let n_radars = config.radars.len() as f64;
    println!(
        "  latency CPU ≈ {:.2} s (the cycle's stages after gridding + one volume's mean QC and gridding; decode not \
         included)",
        med(&|r| r.0.cpu_s[2..].iter().sum::<f64>() + (r.0.cpu_s[0] + r.0.cpu_s[1]) / n_radars)
    );
    Ok(())
}
