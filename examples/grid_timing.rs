//! Times Squall's gridding of one radar volume, for `benches/compare/grid_speed.py` and
//! `benches/compare/grid_reference.py`.
//!
//! ```sh
//! cargo run --release --example grid_timing -- FILE RUNS [WEIGHTING] [BIN_FRACTION] [OUT.f32]
//! ```
//! Grids `DBZH` to 41 × 201 × 201 cells at 1 km (levels 0–20 km above the antenna every 500 m, an azimuthal
//! equidistant grid centred on the radar, Py-ART's beam-width radius of influence). Prints one JSON line with the
//! medians (seconds) of `RUNS` cold runs (mapping built, then applied) and `RUNS` warm runs (mapping reused), and
//! the mapping's size. With `OUT.f32` the grid is also written as raw little-endian `f32` `(41, 201, 201)`.

use std::time::Instant;

use squall::geo::GridSpec;
use squall::grid::{GridConfig, GridMapping, Weighting};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let file = args
        .get(1)
        .ok_or("usage: grid_timing FILE RUNS [WEIGHTING] [BIN_FRACTION] [OUT.f32]")?;
    let runs: usize = args.get(2).map_or(Ok(5), |s| s.parse())?;
    let weighting = match args.get(3).map_or("barnes2", String::as_str) {
        "nearest" => Weighting::Nearest,
        "cressman" => Weighting::Cressman,
        "barnes" => Weighting::Barnes,
        _ => Weighting::Barnes2,
    };
    let bin_fraction: f64 = args
        .get(4)
        .map_or(Ok(GridConfig::default().bin_fraction), |s| s.parse())?;
    let volume = squall::io::open_volume(file)?;
    let site = &volume.site;
    let spec = GridSpec::centred_on(site.latitude_deg, site.longitude_deg, 201, 1000.0)?;
    let heights: Vec<f64> = (0..41)
        .map(|k| site.altitude_m + 500.0 * k as f64)
        .collect();
    let config = GridConfig {
        weighting,
        bin_fraction,
        ..GridConfig::default()
    };
    let mut cold = Vec::new();
    let mut build = Vec::new();
    let mut mapping = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let m = GridMapping::new(&volume, &spec, &heights, config)?;
        build.push(t.elapsed().as_secs_f64());
        let grid = m.grid(&volume, "DBZH", None)?;
        cold.push(t.elapsed().as_secs_f64());
        std::hint::black_box(grid);
        mapping = Some(m);
    }
    let mapping = mapping.ok_or("no run")?;
    let mut warm = Vec::new();
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let grid = mapping.grid(&volume, "DBZH", None)?;
        warm.push(t.elapsed().as_secs_f64());
        last = Some(grid);
    }
    if let (Some(out), Some(grid)) = (args.get(5), last) {
        let bytes: Vec<u8> = grid.values.iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(out, bytes)?;
    }
    println!(
        "{{\"cold_median_s\": {:.6}, \"build_median_s\": {:.6}, \"warm_median_s\": {:.6}, \"runs\": {}, \"bins\": {}, \"weights\": {}, \"threads\": {}}}",
        median(cold),
        median(build),
        median(warm),
        runs,
        mapping.n_bins(),
        mapping.n_weights(),
        rayon::current_num_threads()
    );
    Ok(())
}
