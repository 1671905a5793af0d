//! `squall warn-replay` on the real RMI sequence of 4 July 2021 (the 260 × 260 km window of the replay test):
//! persistence warnings scored by the NWS rule and by the onset rule, checked against the same replay run in
//! process through the library; a clear error for a bad crop window.

use crate::common;

use squall::io::composite::open_sequence_dir;
use squall::verify::{HitRule, WarningVerifyConfig, verify_warnings_with};
use squall::warn::*;

use crate::{SpawnLocked, assert_fails_with, assert_success, squall};

const RMI: &str = "radar/rmi/radqpe/20210704";

fn warn_replay(args: &[&str]) -> std::process::Output {
    squall()
        .arg("warn-replay")
        .args(args)
        .output_locked()
        .unwrap()
}

#[test]
fn warn_replay_scores_persistence_by_both_rules() {
    let Some(dir) = common::nowcast_dir(RMI) else {
        return;
    };
    let dir_text = dir.to_str().unwrap();
    let run = |rule: &str| {
        let out = warn_replay(&[
            dir_text,
            "--forecast",
            "persistence",
            "--crop",
            "280,260,150,260",
            "--hit-rule",
            rule,
            "--json",
        ]);
        assert_success(&out);
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (nws, onset) = (run("nws"), run("onset"));
    println!("{nws}\n{onset}");

    // The same replay in process.
    let rain = {
        let _lock = crate::netcdf_lock();
        crop(&open_sequence_dir(&dir).unwrap(), (280, 260), (150, 260)).unwrap()
    };
    let areas = tile_areas(&rain.spec, 20).unwrap();
    let starts: Vec<usize> = (2..rain.len()).step_by(3).collect();
    let frames = persistence_frames(&rain, &starts, 12, 10.0).unwrap();
    let config = WarningConfig::heavy_rain_exercise("replay@example.org", 0.3, 3600.0);
    let mut state = WarningState::new(config, areas.clone(), rain.spec.shape()).unwrap();
    let events = rain_events(&rain, &areas, 10.0, 1.0, 3).unwrap();
    let report = replay(&mut state, &frames, Hazard::HeavyRain, &events, 1800).unwrap();
    let all_events = rain_events(&rain, &areas, 10.0, 1.0, 0).unwrap();
    let by_onset = verify_warnings_with(
        &report.warnings,
        &all_events,
        &WarningVerifyConfig {
            hit_rule: HitRule::Onset {
                min_lead_s: 0,
                episode_gap_s: 300,
            },
        },
    )
    .unwrap();
    for (json, v) in [(&nws, &report.verification), (&onset, &by_onset)] {
        assert_eq!(json["tiles"], 169);
        assert_eq!(json["verification"], serde_json::to_value(v).unwrap());
        assert!((json["csi"].as_f64().unwrap() - v.csi()).abs() < 1e-12);
    }
    assert_eq!(onset["verification"]["hit_rule"]["rule"], "onset");
    assert!(by_onset.in_progress_events > 0 && by_onset.in_progress_warnings > 0);
    // Under the onset rule persistence loses the hits it had on rain already falling.
    assert!(by_onset.pod() < report.verification.pod());

    let bad = warn_replay(&[dir_text, "--forecast", "persistence", "--crop", "1,2,3"]);
    assert_fails_with(&bad, "--crop");
}
