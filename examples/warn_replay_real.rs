//! Heavy-rain warnings replayed over a real composite sequence of `../shared/data/nowcast/`, scored with the NWS
//! storm-based scores: STEPS ensemble probabilities, the extrapolation nowcast (0/1 probabilities) and
//! persistence, on square tiles of the domain.
//!
//! ```text
//! cargo run --release --example warn_replay_real -- [bom|rmi|fmi] [threshold mm/h] [tile km] [members] [stride] \
//!     [episode gap min] [min lead min]
//! ```
//! Prints, per threshold, how many tile-frames reach it (to choose a threshold the data allows), then two lines
//! per method: events, warnings, POD, FAR, CSI, lead times of the hits (min / median / max) and the run time by the
//! NWS rule, and the same warnings scored by the onset rule ([`HitRule::Onset`], rain episodes split at gaps over
//! `episode gap` (default 5 min), hits warned more than 0 and at least `min lead` (default 0) minutes before the
//! onset; episodes in progress at issue counted apart).

use std::path::PathBuf;
use std::time::Instant;

use chrono::{DateTime, Utc};
use squall::io::composite::open_sequence_dir;
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::steps::{Nowcaster, Steps, StepsConfig};
use squall::verify::{
    HitRule, ObservedEvent, WarningVerification, WarningVerifyConfig, verify_warnings_with,
};
use squall::warn::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize, default: &str| args.get(k).cloned().unwrap_or(default.to_owned());
    let service = arg(0, "bom");
    let threshold: f32 = arg(1, "10").parse()?;
    let tile_km: f64 = arg(2, "20").parse()?;
    let members: usize = arg(3, "8").parse()?;
    let stride: usize = arg(4, "2").parse()?;
    let onset = WarningVerifyConfig {
        hit_rule: HitRule::Onset {
            episode_gap_s: arg(5, "5").parse::<i64>()? * 60,
            min_lead_s: arg(6, "0").parse::<i64>()? * 60,
        },
    };
    let folder = match service.as_str() {
        "bom" => "radar/bom/prcp-cscn/2/2018/06/16",
        "rmi" => "radar/rmi/radqpe/20210704",
        "fmi" => "radar/fmi/pgm/20160928",
        other => return Err(format!("unknown service {other}: bom, rmi or fmi").into()),
    };
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/nowcast")
        .join(folder);
    let rain = to_rain_rate(open_sequence_dir(&dir)?)?;
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
    let all_events = rain_events(&rain, &areas, threshold, 1.0, 0)?;
    let config = WarningConfig::heavy_rain_exercise(
        "replay@example.org",
        0.3,
        (n_lead as i64 * rain.timestep_s) as f64,
    );
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
        let v = verify_warnings_with(&report.warnings, &all_events, &onset)?;
        println!(
            "{:<14} onset rule: {}; in progress at issue: {} episodes, {} warnings; warned ahead of all episodes {:.3}",
            "",
            line(&v, rain.timestep_s * stride as i64),
            v.in_progress_events,
            v.in_progress_warnings,
            v.pod_including_in_progress()
        );
    }
    print_first_events(&events);
    Ok(())
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
