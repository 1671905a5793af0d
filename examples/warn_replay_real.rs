//! Heavy-rain warnings replayed over a real composite sequence of `../shared/data/nowcast/`, scored with the NWS
//! storm-based scores: STEPS ensemble probabilities, the extrapolation nowcast (0/1 probabilities) and
//! persistence, on square tiles of the domain.
//!
//! ```text
//! cargo run --release --example warn_replay_real -- [bom|rmi|fmi] [threshold mm/h] [tile km] [members] [stride]
//! ```
//! Prints, per threshold, how many tile-frames reach it (to choose a threshold the data allows), then one line
//! per method: events, warnings, POD, FAR, CSI, lead times of the hits (min / median / max) and the run time.

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use squall::geo::GridSequence;
use squall::io::composite::open_sequence_dir;
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::steps::{Nowcaster, Steps, StepsConfig};
use squall::verify::{ObservedEvent, WarningVerification};
use squall::warn::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize, default: &str| args.get(k).cloned().unwrap_or(default.to_owned());
    let service = arg(0, "bom");
    let threshold: f32 = arg(1, "10").parse()?;
    let tile_km: f64 = arg(2, "20").parse()?;
    let members: usize = arg(3, "8").parse()?;
    let stride: usize = arg(4, "2").parse()?;
    let folder = match service.as_str() {
        "bom" => "radar/bom/prcp-cscn/2/2018/06/16",
        "rmi" => "radar/rmi/radqpe/20210704",
        "fmi" => "radar/fmi/pgm/20160928",
        other => return Err(format!("unknown service {other}: bom, rmi or fmi").into()),
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/nowcast")
        .join(folder);
    let rain = rain_rate(open_sequence_dir(&dir)?)?;
    let tile_px = (tile_km * 1000.0 / rain.spec.dx.abs()).round().max(1.0) as usize;
    let areas = tile_areas(&rain.spec, tile_px)?;
    println!(
        "{service}: {} frames of {} × {} cells, {:.1} km, {} s; {} tiles of {tile_px} × {tile_px} cells",
        rain.len(),
        rain.spec.ny,
        rain.spec.nx,
        rain.spec.dx.abs() / 1000.0,
        rain.timestep_s,
        areas.len()
    );
    for r in [5.0f32, 10.0, 20.0, 30.0] {
        let max = rain_events(&rain, &areas, r, 1.0, 0)?.len();
        let p90 = rain_events(&rain, &areas, r, 0.9, 0)?.len();
        println!("tile-frames with rain ≥ {r} mm/h: max {max}, 90th percentile {p90}");
    }
    let n_lead = 12;
    let starts: Vec<usize> = (2..rain.len()).step_by(stride).collect();
    let events = rain_events(&rain, &areas, threshold, 1.0, 3)?;
    let mut rule = HazardRule::three_levels([0.3, 0.6, 0.85]);
    rule.levels.truncate(1);
    rule.max_lead_s = (n_lead as i64 * rain.timestep_s) as f64;
    rule.valid_for_s = rule.max_lead_s;
    rule.cancel_after = 2;
    let config = WarningConfig {
        sender: "replay@example.org".into(),
        status: "Exercise".into(),
        heavy_rain: Some(rule),
        hail: None,
        gale: None,
    };
    println!(
        "threshold {threshold} mm/h, events (tile max ≥ threshold, frames 3..) {}, starts {}",
        events.len(),
        starts.len()
    );
    let steps = Steps::new(StepsConfig {
        members,
        seed: 42,
        ..StepsConfig::default()
    });
    let methods: [(&str, Option<&dyn Nowcaster>); 3] = [
        ("STEPS", Some(&steps)),
        ("extrapolation", Some(&ExtrapolationNowcast::default())),
        ("persistence", None),
    ];
    for (name, method) in methods {
        let started = Instant::now();
        let frames = match method {
            Some(m) => nowcast_frames(&rain, m, &starts, n_lead, threshold)?,
            None => persistence_frames(&rain, &starts, n_lead, threshold)?,
        };
        let mut state = WarningState::new(config.clone(), areas.clone(), rain.spec.shape())?;
        let report = replay(&mut state, &frames, Hazard::HeavyRain, &events, 1800)?;
        println!(
            "{name:<14} {} reissues {}, {:.1} s",
            line(&report.verification, rain.timestep_s * stride as i64),
            report.reissues,
            started.elapsed().as_secs_f64()
        );
    }
    print_first_events(&events);
    Ok(())
}

/// Rain rate from a sequence (Marshall–Palmer for reflectivity).
fn rain_rate(seq: GridSequence) -> squall::Result<GridSequence> {
    if seq.units == "dBZ" {
        let values = seq
            .values
            .mapv(|z| (10f32.powf(z / 10.0) / 200.0).powf(1.0 / 1.6));
        GridSequence::new(seq.spec, "rainfall_rate", "mm/h", seq.times, values)
    } else {
        Ok(seq)
    }
}

fn line(v: &WarningVerification, update_s: i64) -> String {
    let min = |s: Option<&i64>| s.map_or("-".into(), |s| format!("{}", s / 60));
    format!(
        "events {:>4} warned {:>4} warnings {:>3} verified {:>3}  POD {:.3} (≥ 1 update ahead {:.3}) FAR {:.3} CSI {:.3}  lead min/median/max \
         {}/{:.0}/{} min",
        v.events,
        v.warned_events,
        v.warnings,
        v.verified_warnings,
        v.pod(),
        v.pod_with_lead(update_s),
        v.far(),
        v.csi(),
        min(v.lead_times_s.first()),
        v.median_lead_time_s() / 60.0,
        min(v.lead_times_s.last()),
    )
}

fn print_first_events(events: &[ObservedEvent]) {
    let mut regions: Vec<(u32, DateTime<Utc>)> = Vec::new();
    for e in events {
        if !regions.iter().any(|(r, _)| *r == e.region.0) {
            regions.push((e.region.0, e.time));
        }
    }
    println!("{} tiles with an event", regions.len());
}
