//! Over a long run the Nowcaster forgets ended cell tracks (`history.ended_tracks_s`): its saved state stays
//! bounded while a Nowcaster that keeps everything grows, and the cells, forecasts and threats of every cycle are
//! the same with and without pruning.

use crate::common::nowcaster_toml::OneRadarToml;
use squall::geo::GridSpec;
use squall::pipeline::{Nowcaster, NowcasterConfig};
use squall::synth::{MotionField, RadarConfig, SceneConfig, polar_volume, random_cells, site_at};

const N: usize = 72;
const CYCLE_S: f64 = 300.0;
const CYCLES: usize = 50;
/// How long the pruning Nowcaster keeps ended tracks, s (three cycles).
const KEEP_S: f64 = 900.0;

fn config(keep_s: f64) -> NowcasterConfig {
    OneRadarToml {
        id: "X0",
        band: 'X',
        centre_deg: (23.0, 113.0),
        radar_offset_m: (0.0, 0.0),
        n: N,
        heights_m: &[1000.0, 2000.0, 3000.0, 5000.0, 7000.0, 9000.0],
        cycle_s: CYCLE_S,
        extra: &format!("[qc]\nenabled = false\n\n[history]\nended_tracks_s = {keep_s:?}\n"),
    }
    .config()
}

#[test]
fn ended_tracks_are_forgotten_and_active_ones_unchanged() {
    let dir = std::env::temp_dir().join(format!("squall_nowcaster_history_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = GridSpec::centred_on(23.0, 113.0, N, 1000.0).unwrap();
    let mut scene = SceneConfig::new(17, spec.clone());
    scene.n_frames = CYCLES;
    scene.timestep_s = CYCLE_S;
    scene.start_time = chrono::DateTime::from_timestamp(1_717_221_600, 0).unwrap();
    scene.motion = MotionField::Uniform { u: 4.0, v: 1.0 };
    scene.cells = random_cells(
        17,
        &spec,
        &scene.motion,
        24,
        (CYCLES - 1) as f64 * CYCLE_S,
        1,
    );
    let sequence = scene.generate().unwrap();
    let mut radar = RadarConfig::x_band(site_at(&spec, 0.0, 0.0, "X0").unwrap());
    radar.elevations_deg.truncate(4);
    radar.n_gates = 200;

    let mut pruned = Nowcaster::new(config(KEEP_S)).unwrap();
    let mut kept = Nowcaster::new(config(1e9)).unwrap();
    let state = dir.join("state.cbor");
    let mut sizes = Vec::new();
    let mut ended_seen = 0;
    for k in 0..CYCLES {
        let volume = polar_volume(&sequence.scene_3d(k).unwrap(), &radar)
            .unwrap()
            .volume;
        let a = pruned.ingest(volume.clone()).unwrap().updates;
        let b = kept.ingest(volume).unwrap().updates;
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 1);
        // the same cells, tracks, forecasts, threats and events (Debug: NaN compares equal)
        assert_eq!(
            format!("{:?}", a[0].cells),
            format!("{:?}", b[0].cells),
            "cycle {k}"
        );
        let time = a[0].time;
        for t in pruned.tracker().tracks() {
            if t.ended.is_some() {
                let last = t.last().time.unwrap();
                assert!(
                    (time - last).as_seconds_f64() <= KEEP_S,
                    "track {} kept",
                    t.id
                );
            }
        }
        ended_seen = kept
            .tracker()
            .tracks()
            .iter()
            .filter(|t| t.ended.is_some())
            .count();
        pruned.save(&state).unwrap();
        sizes.push(std::fs::metadata(&state).unwrap().len());
    }
    // many tracks ended over the run, and the pruning Nowcaster holds far fewer tracks
    let n_kept = kept.tracker().tracks().len();
    let n_pruned = pruned.tracker().tracks().len();
    assert!(ended_seen >= 15, "only {ended_seen} tracks ended");
    assert!(
        n_pruned * 2 < n_kept,
        "{n_pruned} tracks pruned vs {n_kept}"
    );
    // bounded: the state of the last 20 cycles is no larger than the largest of cycles 10–30 by more than a margin
    // for the number of cells alive (the frames and shares, the bulk, are the same size every cycle)
    let early = *sizes[10..30].iter().max().unwrap();
    let late = *sizes[30..].iter().max().unwrap();
    assert!(late as f64 <= early as f64 * 1.25, "state grew: {sizes:?}");
    kept.save(&state).unwrap();
    let kept_size = std::fs::metadata(&state).unwrap().len();
    assert!(
        kept_size > *sizes.last().unwrap(),
        "{kept_size} vs {sizes:?}"
    );
    eprintln!(
        "state sizes (bytes) every 10 cycles: {:?}; without pruning at the end: {kept_size}; tracks {n_pruned} vs {n_kept}",
        sizes.iter().step_by(10).collect::<Vec<_>>()
    );
    std::fs::remove_dir_all(&dir).ok();
}
