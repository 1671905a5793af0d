//! Times Squall's cell pipeline (identify, measure, track, forecast, classify) per frame on a sequence written by
//! `cells_export`, for `benches/compare/cells_speed.py`. Prints one JSON line: the median over `REPEATS` runs of
//! the mean time per frame, seconds, for the whole chain and for its first stages alone (identification;
//! identification and properties), the median and fastest single frame of the whole chain, and the CPU time of
//! the process per frame of the whole chain (all threads, from `/proc/self/task/*/schedstat`; less sensitive to
//! other jobs on a loaded machine than the wall clock).
//!
//! `cargo run --release --example cells_timing -- DIR REPEATS`

use std::time::Instant;

use ndarray::Array2;
use squall::cells::{
    CellFields, CellPipeline, IdentifyConfig, TrackerConfig, identify_2d, measure,
};
use squall::geo::{Grid2, GridSpec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, repeats] = args.as_slice() else {
        return Err("usage: cells_timing DIR REPEATS".into());
    };
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/meta.json"))?)?;
    let shape: Vec<usize> = meta["shape"]
        .as_array()
        .ok_or("shape")?
        .iter()
        .filter_map(|v| v.as_u64())
        .map(|v| v as usize)
        .collect();
    let (nt, ny, nx) = (shape[0], shape[1], shape[2]);
    let raw = std::fs::read(format!("{dir}/frames.f32"))?;
    let values: Vec<f32> = raw
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let spec = GridSpec::centred_on(23.0, 113.0, ny.max(nx), meta["dx_m"].as_f64().ok_or("dx")?)?;
    let t0 = chrono::DateTime::from_timestamp(1_717_221_600, 0).ok_or("time")?;
    let step = meta["timestep_s"].as_f64().ok_or("step")? as i64;
    let frames: Vec<Grid2> = (0..nt)
        .map(|k| {
            let v =
                Array2::from_shape_vec((ny, nx), values[k * ny * nx..(k + 1) * ny * nx].to_vec())?;
            Ok(Grid2::new(
                spec.clone(),
                "DBZH",
                "dBZ",
                Some(t0 + chrono::Duration::seconds(step * k as i64)),
                v,
            )?)
        })
        .collect::<Result<_, Box<dyn std::error::Error>>>()?;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let config = IdentifyConfig::default();
    let (mut chain, mut identify, mut identify_measure, mut single) =
        (vec![], vec![], vec![], vec![]);
    let mut chain_cpu = vec![];
    for _ in 0..repeats.parse::<usize>()? {
        let mut pipeline =
            CellPipeline::new(spec.clone(), config.clone(), TrackerConfig::default())?;
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let mut cells = 0;
        for f in &frames {
            let t = Instant::now();
            cells += pipeline.process(f, &CellFields::default())?.cells.len();
            single.push(t.elapsed().as_secs_f64());
        }
        chain.push(start.elapsed().as_secs_f64() / nt as f64);
        if let (Some(a), Some(b)) = (cpu_start, cpu_seconds()) {
            chain_cpu.push((b - a) / nt as f64);
        }
        let start = Instant::now();
        for f in &frames {
            cells += identify_2d(f.values.view(), &spec, &config)?.cells.len();
        }
        identify.push(start.elapsed().as_secs_f64() / nt as f64);
        let start = Instant::now();
        for f in &frames {
            let id = identify_2d(f.values.view(), &spec, &config)?;
            cells += measure(&id, f.values.view(), &CellFields::default(), f.time)?.len();
        }
        identify_measure.push(start.elapsed().as_secs_f64() / nt as f64);
        std::hint::black_box(cells);
    }
    let fastest = single.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{}",
        serde_json::json!({
            "median_s_per_frame": median(chain),
            "identify_s_per_frame": median(identify),
            "identify_measure_s_per_frame": median(identify_measure),
            "median_single_frame_s": median(single),
            "fastest_single_frame_s": fastest,
            "cpu_s_per_frame": (!chain_cpu.is_empty()).then(|| median(chain_cpu)),
            "frames": nt,
        })
    );
    Ok(())
}

/// CPU time of the process so far, s: the sum over its threads of the time on a CPU (Linux; `None` elsewhere).
fn cpu_seconds() -> Option<f64> {
    let mut total_ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let stat = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        total_ns += stat.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total_ns as f64 * 1e-9)
}
