//! `squall warn-replay`: heavy-rain warnings replayed over a composite sequence and scored. The domain is tiled into
//! square regions; every `stride` frames a nowcast (or persistence) gives the probability of rain ≥ the threshold
//! over the next lead times, the warning state machine issues and cancels warnings from it, and the events are read
//! from the sequence itself (a tile-frame whose largest rain rate reaches the threshold). The warnings are scored
//! by the NWS rule or by the onset rule, which credits only rain that starts after a warning's issue
//! ([`HitRule`]).

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, ValueEnum};
use serde::Serialize;
use squall::io::composite::{open_sequence, open_sequence_dir};
use squall::verify::{HitRule, WarningVerification, WarningVerifyConfig, verify_warnings_with};
use squall::warn::{
    Hazard, WarningConfig, WarningState, crop, nowcast_frames, persistence_frames, rain_events,
    replay, tile_areas, to_rain_rate,
};
use squall::{Error, Result};

use crate::nowcast::{Method, Options};

/// What gives the warning probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Forecast {
    /// Lagrangian persistence of the newest field (0/1 probabilities).
    Extrapolation,
    /// S-PROG (0/1 probabilities).
    Sprog,
    /// STEPS ensemble.
    Steps,
    /// Adaptive convective ensemble.
    Adaptive,
    /// Persistence: probability 1 where it rains at or above the threshold now, at every lead time.
    Persistence,
}

/// Scoring rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rule {
    /// NWS: every event inside a warning's region and valid period is a hit, also one already under way at issue.
    Nws,
    /// Only rain episodes that start after a warning's issue are hits; episodes in progress at issue are counted
    /// apart (neither hits nor misses).
    Onset,
}

/// Arguments of `squall warn-replay`.
#[derive(Debug, Args)]
pub struct WarnReplayArgs {
    /// Composite files of one sequence (rain rate, or reflectivity converted by Marshall–Palmer), or one folder.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// What gives the probabilities.
    #[arg(long, value_enum, default_value = "steps")]
    forecast: Forecast,
    /// Ensemble members (steps, adaptive).
    #[arg(long, default_value_t = 8)]
    members: usize,
    /// Cascade levels (sprog, steps, adaptive).
    #[arg(long, default_value_t = 8)]
    levels: usize,
    /// Random seed (steps, adaptive).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Heavy-rain threshold, mm/h: warned probability and observed events.
    #[arg(long, default_value_t = 10.0)]
    threshold: f32,
    /// Probability at which a tile is warned (cancelled 0.2 lower).
    #[arg(long, default_value_t = 0.3)]
    p_on: f32,
    /// Side of the square warning tiles, km.
    #[arg(long, default_value_t = 20.0)]
    tile_km: f64,
    /// Frames between two nowcasts.
    #[arg(long, default_value_t = 3)]
    stride: usize,
    /// Lead times per nowcast (one per frame interval); also the warnings' validity.
    #[arg(long, default_value_t = 12)]
    leadtimes: usize,
    /// Only this window of the grid: "ROW0,ROWS,COL0,COLS" in cells.
    #[arg(long)]
    crop: Option<String>,
    /// Scoring rule.
    #[arg(long, value_enum, default_value = "nws")]
    hit_rule: Rule,
    /// Onset rule: longest gap between two event frames of one rain episode, minutes.
    #[arg(long, default_value_t = 5)]
    episode_gap_min: i64,
    /// Onset rule: shortest lead time of a hit, minutes (a hit always needs a lead above 0).
    #[arg(long, default_value_t = 0)]
    min_lead_min: i64,
    /// Print JSON instead of a line of text.
    #[arg(long)]
    json: bool,
}

/// The JSON output.
#[derive(Serialize)]
struct Summary<'a> {
    forecast: String,
    tiles: usize,
    starts: usize,
    verification: &'a WarningVerification,
    pod: f64,
    pod_including_in_progress: f64,
    far: f64,
    csi: f64,
    mean_lead_time_s: f64,
    median_lead_time_s: f64,
    reissues: usize,
    seconds: f64,
}

/// Parses "ROW0,ROWS,COL0,COLS".
fn window(text: &str) -> Result<((usize, usize), (usize, usize))> {
    let parts: Vec<usize> = text
        .split(',')
        .map(|s| s.trim().parse::<usize>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::parameter("--crop", text, "expected ROW0,ROWS,COL0,COLS in cells"))?;
    match parts.as_slice() {
        &[r0, nr, c0, nc] => Ok(((r0, nr), (c0, nc))),
        _ => Err(Error::parameter(
            "--crop",
            text,
            "expected ROW0,ROWS,COL0,COLS in cells",
        )),
    }
}

/// Runs the command; returns the text printed on stdout.
pub fn run(a: WarnReplayArgs) -> Result<String> {
    if a.stride == 0
        || a.leadtimes == 0
        || a.tile_km.is_nan()
        || a.tile_km <= 0.0
        || !(0.2..=1.0).contains(&a.p_on)
    {
        return Err(Error::parameter(
            "--stride / --leadtimes / --tile-km / --p-on",
            format!(
                "{} / {} / {} / {}",
                a.stride, a.leadtimes, a.tile_km, a.p_on
            ),
            "stride, lead times and tile size must be positive, p-on in [0.2, 1]",
        ));
    }
    let hit_rule = match a.hit_rule {
        Rule::Nws => HitRule::Nws,
        Rule::Onset => HitRule::Onset {
            min_lead_s: a.min_lead_min.saturating_mul(60),
            episode_gap_s: a.episode_gap_min.saturating_mul(60),
        },
    };
    let started = Instant::now();
    let sequence = match a.files.as_slice() {
        [dir] if dir.is_dir() => open_sequence_dir(dir)?,
        files => open_sequence(files)?,
    };
    let mut rain = to_rain_rate(sequence)?;
    if let Some(text) = &a.crop {
        let (rows, cols) = window(text)?;
        rain = crop(&rain, rows, cols)?;
    }
    if rain.len() < 4 {
        return Err(Error::parameter(
            "FILES",
            rain.len(),
            "a replay needs at least four frames (three for the motion, one to verify)",
        ));
    }
    let tile_px = (a.tile_km * 1000.0 / rain.spec.dx.abs()).round().max(1.0) as usize;
    let areas = tile_areas(&rain.spec, tile_px)?;
    let starts: Vec<usize> = (2..rain.len()).step_by(a.stride).collect();
    let frames = match a.forecast {
        Forecast::Persistence => persistence_frames(&rain, &starts, a.leadtimes, a.threshold)?,
        other => {
            let method = match other {
                Forecast::Extrapolation => Method::Extrapolation,
                Forecast::Sprog => Method::Sprog,
                Forecast::Adaptive => Method::Adaptive,
                _ => Method::Steps,
            };
            let options = Options {
                method,
                members: a.members,
                lead_times: a.leadtimes,
                levels: a.levels,
                thresholds: vec![a.threshold],
                seed: a.seed,
            };
            nowcast_frames(
                &rain,
                options.nowcaster().as_ref(),
                &starts,
                a.leadtimes,
                a.threshold,
            )?
        }
    };
    let config = WarningConfig::heavy_rain_exercise(
        "squall-warn-replay@localhost",
        a.p_on,
        (a.leadtimes as i64 * rain.timestep_s) as f64,
    );
    let mut state = WarningState::new(config, areas.clone(), rain.spec.shape())?;
    // NWS: the events after the first issue; onset: every frame, so that each episode's onset is known.
    let first_event_frame = match hit_rule {
        HitRule::Nws => 3,
        HitRule::Onset { .. } => 0,
    };
    let events = rain_events(&rain, &areas, a.threshold, 1.0, first_event_frame)?;
    let report = replay(&mut state, &frames, Hazard::HeavyRain, &events, 1800)?;
    let v = verify_warnings_with(&report.warnings, &events, &WarningVerifyConfig { hit_rule })?;
    let summary = Summary {
        forecast: format!("{:?}", a.forecast).to_lowercase(),
        tiles: areas.len(),
        starts: starts.len(),
        verification: &v,
        pod: v.pod(),
        pod_including_in_progress: v.pod_including_in_progress(),
        far: v.far(),
        csi: v.csi(),
        mean_lead_time_s: v.mean_lead_time_s(),
        median_lead_time_s: v.median_lead_time_s(),
        reissues: report.reissues,
        seconds: started.elapsed().as_secs_f64(),
    };
    if a.json {
        return serde_json::to_string_pretty(&summary)
            .map_err(|e| Error::parameter("--json", e, "could not encode the summary"));
    }
    let unit = match hit_rule {
        HitRule::Nws => "events",
        HitRule::Onset { .. } => "episodes",
    };
    Ok(format!(
        "{} over {} tiles, {} nowcasts, {:?}: {unit} {} warned {} warnings {} verified {}{}: POD {:.3} FAR {:.3} \
         CSI {:.3}, lead mean {:.1} min median {:.1} min, reissues {}, {:.1} s",
        summary.forecast,
        summary.tiles,
        summary.starts,
        v.hit_rule,
        v.events,
        v.warned_events,
        v.warnings,
        v.verified_warnings,
        match hit_rule {
            HitRule::Nws => String::new(),
            HitRule::Onset { .. } => format!(
                ", in progress at issue: {} episodes, {} warnings (warned ahead of all episodes: {:.3})",
                v.in_progress_events,
                v.in_progress_warnings,
                v.pod_including_in_progress()
            ),
        },
        summary.pod,
        summary.far,
        summary.csi,
        summary.mean_lead_time_s / 60.0,
        summary.median_lead_time_s / 60.0,
        report.reissues,
        summary.seconds,
    ))
}
