//! Squall's side of `benches/compare/sprog_motion_swap.py`: S-PROG on exactly pysteps' input frames, once with
//! Squall's LK motion and once with pysteps' LK motion, against pysteps' own S-PROG forecast (issue 6: on RMI 12
//! Squall's S-PROG FSS at 5 mm/h is 2–3 % below pysteps'; is that the motion field?).
//!
//! ```sh
//! /work/peers-venv/bin/python benches/compare/sprog_motion_swap.py --service rmi --end 12 --dump /tmp/swap_rmi12
//! cargo run --release --example sprog_motion_swap -- /tmp/swap_rmi12
//! ```
//! Reads `frames_db.f32` (3, ny, nx), `velocity.f32` (2, ny, nx), `observed.f32` and `sprog_db.f32`
//! (lead, ny, nx) and `case.json` from the folder. Prints the largest and mean difference of the two LK fields,
//! the lead-time means of MAE and FSS (1 and 5 mm/h, 4 and 16 px) of the three forecasts (scored the same way,
//! mm/h), and per lead time the difference of each Squall forecast from pysteps' (mean |Δ| in dB, pixels more
//! than 0.5 dB apart and how many of those lie at the rain edge, one side ≤ −10 dB).

use std::path::Path;

use ndarray::{Array3, ArrayView3, Axis};
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::sprog::Sprog;
use squall::nowcast::steps::NowcastInput;
use squall::nowcast::transform::DbTransform;
use squall::verify::FssAccumulator;

type Failure = Box<dyn std::error::Error>;

#[path = "support/raw_f32.rs"]
mod raw_f32;
use raw_f32::read_f32;

/// Lead-time means of the MAE (pixels finite in both) and of the FSS at (1, 5 mm/h) × (4, 16 px) of
/// `forecast_db (lead, y, x)` against `observed (lead, y, x)` mm/h.
fn scores(forecast_db: ArrayView3<f32>, observed: &Array3<f32>) -> Result<Vec<f64>, Failure> {
    let transform = DbTransform::default();
    let n_lead = observed.dim().0;
    let mut out = vec![0.0; 5];
    for k in 0..n_lead {
        let fc = forecast_db
            .index_axis(Axis(0), k)
            .mapv(|v| transform.inverse(v));
        let obs = observed.index_axis(Axis(0), k);
        let (mut sum, mut n) = (0.0, 0usize);
        for (f, o) in fc.iter().zip(obs.iter()) {
            if f.is_finite() && o.is_finite() {
                sum += f64::from((f - o).abs());
                n += 1;
            }
        }
        out[0] += sum / n.max(1) as f64;
        for (i, (t, s)) in [(1.0, 4), (1.0, 16), (5.0, 4), (5.0, 16)]
            .into_iter()
            .enumerate()
        {
            let mut acc = FssAccumulator::new(t, &[s])?;
            acc.accumulate(fc.view(), obs)?;
            out[i + 1] += acc.compute()[0];
        }
    }
    Ok(out.into_iter().map(|v| v / n_lead as f64).collect())
}

fn main() -> Result<(), Failure> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: sprog_motion_swap DIR (made by benches/compare/sprog_motion_swap.py)")?;
    let dir = Path::new(&dir);
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("case.json"))?)?;
    let count = |key: &str| case[key].as_u64().ok_or(format!("case.json: no {key}"));
    let shape = case["shape"].as_array().ok_or("case.json: no shape")?;
    let dim = |i: usize| {
        shape[i]
            .as_u64()
            .map(|v| v as usize)
            .ok_or("case.json: bad shape")
    };
    let (ny, nx, n_lead) = (dim(0)?, dim(1)?, count("n_lead")? as usize);
    let frames_db = read_f32(&dir.join("frames_db.f32"), (3, ny, nx))?;
    let theirs_v = read_f32(&dir.join("velocity.f32"), (2, ny, nx))?;
    let observed = read_f32(&dir.join("observed.f32"), (n_lead, ny, nx))?;
    let theirs = read_f32(&dir.join("sprog_db.f32"), (n_lead, ny, nx))?;
    let ours_v = LucasKanade::default().estimate(frames_db.view())?;
    let d: Vec<f32> = ours_v
        .iter()
        .zip(theirs_v.iter())
        .map(|(a, b)| (a - b).abs())
        .collect();
    println!(
        "LK fields, Squall − pysteps: largest |Δ| {:.4} px, mean |Δ| {:.6} px",
        d.iter().copied().fold(0.0, f32::max),
        d.iter().map(|&v| f64::from(v)).sum::<f64>() / d.len() as f64
    );
    let sprog = Sprog {
        n_cascade_levels: count("n_levels")? as usize,
        ..Sprog::default()
    };
    let labels = "MAE, FSS 1 mm/h 4 px, 16 px, FSS 5 mm/h 4 px, 16 px";
    let theirs_scores = scores(theirs.view(), &observed)?;
    println!("pysteps S-PROG:             {labels}: {theirs_scores:.4?}");
    for (name, velocity) in [("Squall's LK", &ours_v), ("pysteps' LK", &theirs_v)] {
        let input = NowcastInput {
            fields: frames_db.view(),
            velocity: velocity.view(),
            km_per_pixel: case["km_per_pixel"]
                .as_f64()
                .ok_or("case.json: km_per_pixel")?,
            timestep_minutes: case["timestep_minutes"]
                .as_f64()
                .ok_or("case.json: timestep_minutes")?,
        };
        let ours = sprog.forecast_db(&input, n_lead)?;
        let s = scores(ours.view(), &observed)?;
        let rel: Vec<String> = s
            .iter()
            .zip(&theirs_scores)
            .map(|(o, t)| format!("{:+.2} %", 100.0 * (o - t) / t))
            .collect();
        println!(
            "Squall S-PROG, {name}: {labels}: {s:.4?} ({})",
            rel.join(", ")
        );
        for k in 0..n_lead {
            let (a, b) = (ours.index_axis(Axis(0), k), theirs.index_axis(Axis(0), k));
            let (mut sum, mut n, mut apart, mut edge) = (0.0, 0usize, 0usize, 0usize);
            for (x, y) in a.iter().zip(b.iter()) {
                if x.is_finite() && y.is_finite() {
                    sum += f64::from((x - y).abs());
                    n += 1;
                    if (x - y).abs() > 0.5 {
                        apart += 1;
                        if x.min(*y) <= sprog.rain_threshold {
                            edge += 1;
                        }
                    }
                }
            }
            println!(
                "    lead {:>2}: mean |Δ| {:.4} dB, {apart} pixels > 0.5 dB apart ({edge} at the rain edge)",
                k + 1,
                sum / n.max(1) as f64
            );
        }
    }
    Ok(())
}
