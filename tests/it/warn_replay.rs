//! Replay of a synthetic storm day with known events: a heavy-rain core crossing a district and a station, with
//! forecast probabilities that fade with lead time and jitter between updates. The warnings must come before the
//! events, not flap, be cancelled after the storm has passed, and leave the untouched district alone; POD, FAR,
//! CSI and the lead times come from `squall::verify::warning`.

use crate::common;
use crate::warn_scene;

use chrono::{DateTime, Utc};
use ndarray::Array3;
use serde_json::json;
use squall::verify::ObservedEvent;
use squall::warn::{
    Hazard, MappedArea, MsgType, ProbabilityForecast, ReplayFrame, WarningInputs, WarningState,
    areas_from_geojson, map_areas, replay,
};
use warn_scene::*;

/// Storm centre x (km) at minute `m`: starts at −40 km, moves east at 0.5 km/min along y = 0.
fn storm_x(m: f64) -> f64 {
    -40.0 + 0.5 * m
}

/// Radius of the observed ≥ 20 mm/h core, km.
const CORE_KM: f64 = 6.0;

fn forecast(spec: &squall::geo::GridSpec, minute: f64, jitter: f32) -> ProbabilityForecast {
    let leads = leads();
    let mut p = Array3::zeros((leads.len(), spec.ny, spec.nx));
    for (k, lead) in leads.iter().enumerate() {
        let lead_min = lead / 60.0;
        let centre = storm_x(minute + lead_min);
        let amplitude = 0.9 - 0.4 * lead_min / 60.0;
        let sigma = 4.0 + 0.1 * lead_min;
        for row in 0..spec.ny {
            for col in 0..spec.nx {
                let (x, y) = spec.xy(row, col);
                let d2 = (x / 1000.0 - centre).powi(2) + (y / 1000.0).powi(2);
                p[[k, row, col]] = ((amplitude * (-d2 / (2.0 * sigma * sigma)).exp()) as f32
                    + jitter)
                    .clamp(0.0, 1.0);
            }
        }
    }
    ProbabilityForecast {
        lead_times_s: leads,
        probability: p,
    }
}

/// Events: every update at which the observed core covers a cell centre of the area.
fn events(areas: &[MappedArea], times: &[(f64, DateTime<Utc>)]) -> Vec<ObservedEvent> {
    let mut out = Vec::new();
    for &(minute, time) in times {
        let cx = storm_x(minute) * 1000.0;
        for a in areas {
            if a.centres
                .iter()
                .any(|&(x, y)| (x - cx).hypot(y) <= CORE_KM * 1000.0)
            {
                out.push(ObservedEvent {
                    region: a.area.id,
                    time,
                });
            }
        }
    }
    out
}

#[test]
fn storm_crossing_a_district_is_warned_ahead_without_flapping() {
    let spec = grid();
    let text = collection(vec![
        feature(
            1,
            "Kreuzberg",
            json!({"type": "Polygon", "coordinates": [rect(&spec, 10.5, -5.5, 20.5, 5.5)]}),
        ),
        feature(
            2,
            "Bergdorf",
            json!({"type": "Polygon", "coordinates": [rect(&spec, -40.5, 30.5, -30.5, 40.5)]}),
        ),
        json!({"type": "Feature", "properties": {"id": 3, "name": "gauge 3", "radius_m": 2000.0},
               "geometry": {"type": "Point", "coordinates": lonlat(&spec, 35.0, 0.0)}}),
    ]);
    let mapped = map_areas(&areas_from_geojson(&text).unwrap(), &spec).unwrap();
    let mut rule = one_level(0.5, 0.3, 2);
    rule.valid_for_s = 3600.0;
    let mut state = WarningState::new(config(rule), mapped.clone(), spec.shape()).unwrap();

    let times: Vec<(f64, DateTime<Utc>)> = (0..=40).map(|k| (5.0 * k as f64, t(5 * k))).collect();
    let frames: Vec<ReplayFrame> = times
        .iter()
        .enumerate()
        .map(|(k, &(minute, time))| ReplayFrame {
            time,
            inputs: WarningInputs {
                // ±0.08 alternating between updates: the probability in the district crosses p_on repeatedly.
                rain_rate: Some(forecast(
                    &spec,
                    minute,
                    if k % 2 == 0 { 0.08 } else { -0.08 },
                )),
                ..Default::default()
            },
        })
        .collect();
    let observed = events(&mapped, &times);
    let first_event = |id: u32| {
        observed
            .iter()
            .filter(|e| e.region.0 == id)
            .map(|e| e.time)
            .min()
            .unwrap()
    };
    let last_event = |id: u32| {
        observed
            .iter()
            .filter(|e| e.region.0 == id)
            .map(|e| e.time)
            .max()
            .unwrap()
    };
    // The core reaches the district (cell centres from x = 11 km) when its centre passes x = 5 km: minute 90.
    assert_eq!(first_event(1), t(90));
    assert_eq!(last_event(1), t(130));
    assert!(observed.iter().all(|e| e.region.0 != 2));

    let report = replay(&mut state, &frames, Hazard::HeavyRain, &observed, 1800).unwrap();
    let v = &report.verification;
    let leads_min: Vec<i64> = v.lead_times_s.iter().map(|s| s / 60).collect();
    println!(
        "{}, reissues {}",
        common::verification_line(v),
        report.reissues
    );
    for m in &report.messages {
        println!(
            "{} {:?} {:?} area {} p {:.2}",
            m.sent, m.msg_type, m.change, m.area_id.0, m.probability
        );
    }
    assert_eq!((v.pod(), v.far(), v.csi()), (1.0, 0.0, 1.0));
    assert_eq!(report.reissues, 0, "no flapping");
    // One warning per touched area, none for the untouched district.
    let alerts: Vec<u32> = report
        .messages
        .iter()
        .filter(|m| m.msg_type == MsgType::Alert)
        .map(|m| m.area_id.0)
        .collect();
    assert_eq!(alerts, vec![1, 3]);
    for id in [1, 3] {
        let alert = report
            .messages
            .iter()
            .find(|m| m.area_id.0 == id && m.msg_type == MsgType::Alert)
            .unwrap();
        let cancel = report
            .messages
            .iter()
            .find(|m| m.area_id.0 == id && m.msg_type == MsgType::Cancel)
            .unwrap();
        let lead = (first_event(id) - alert.sent).num_minutes();
        assert!(lead >= 30, "area {id}: warned only {lead} min ahead");
        let after = (cancel.sent - last_event(id)).num_minutes();
        assert!(
            (1..=30).contains(&after),
            "area {id}: cancelled {after} min after the last event"
        );
        assert_eq!(
            cancel.references.last().unwrap().identifier,
            report
                .messages
                .iter()
                .rfind(|m| m.area_id.0 == id && m.msg_type != MsgType::Cancel)
                .unwrap()
                .identifier
        );
    }
    assert!(state.active().is_empty(), "everything cancelled at the end");
    assert!(*leads_min.first().unwrap() >= 30);
}

/// Probability 0.9 at every lead time over the cells of the areas in `on`, 0 elsewhere.
fn probability_over(
    spec: &squall::geo::GridSpec,
    areas: &[MappedArea],
    on: &[u32],
) -> ProbabilityForecast {
    let mut probability = Array3::zeros((leads().len(), spec.ny, spec.nx));
    for a in areas.iter().filter(|a| on.contains(&a.area.id.0)) {
        for &(r, c) in &a.cells {
            probability.slice_mut(ndarray::s![.., r, c]).fill(0.9);
        }
    }
    ProbabilityForecast {
        lead_times_s: leads(),
        probability,
    }
}

/// Two districts with rain from minute 30 to 50 (an event every 5 min): "Vorn" is warned at minute 20 (10 min
/// ahead), "Spät" only at minute 40, while it already rains. The NWS rule credits both; the onset rule only Vorn,
/// with a lead of 10 min, and counts Spät as in progress at issue.
#[test]
fn onset_rule_credits_only_warnings_issued_before_the_rain() {
    use squall::verify::{HitRule, WarningVerifyConfig, verify_warnings_with};
    let spec = grid();
    let text = collection(vec![
        feature(
            1,
            "Vorn",
            json!({"type": "Polygon", "coordinates": [rect(&spec, -30.5, -10.5, -10.5, 10.5)]}),
        ),
        feature(
            2,
            "Spät",
            json!({"type": "Polygon", "coordinates": [rect(&spec, 10.5, -10.5, 30.5, 10.5)]}),
        ),
    ]);
    let mapped = map_areas(&areas_from_geojson(&text).unwrap(), &spec).unwrap();
    let mut state =
        WarningState::new(config(one_level(0.5, 0.3, 2)), mapped.clone(), spec.shape()).unwrap();
    let frames: Vec<ReplayFrame> = (0..=18)
        .map(|k| {
            let minute = 5 * k;
            let mut on = Vec::new();
            if (20..=55).contains(&minute) {
                on.push(1);
            }
            if (40..=55).contains(&minute) {
                on.push(2);
            }
            ReplayFrame {
                time: t(minute),
                inputs: WarningInputs {
                    rain_rate: Some(probability_over(&spec, &mapped, &on)),
                    ..Default::default()
                },
            }
        })
        .collect();
    let observed: Vec<ObservedEvent> = [1, 2]
        .into_iter()
        .flat_map(|id| {
            (30..=50).step_by(5).map(move |m| ObservedEvent {
                region: squall::verify::RegionId(id),
                time: t(m),
            })
        })
        .collect();
    let report = replay(&mut state, &frames, Hazard::HeavyRain, &observed, 1800).unwrap();
    let issued: Vec<(u32, DateTime<Utc>)> = report
        .warnings
        .iter()
        .map(|w| (w.region.0, w.issued))
        .collect();
    assert_eq!(issued, vec![(1, t(20)), (2, t(40))]);

    // NWS: Vorn's five events warned 10–30 min ahead, Spät's last three at 0, 5 and 10 min.
    let nws = &report.verification;
    println!("NWS:   {}", common::verification_line(nws));
    let leads_min: Vec<i64> = nws.lead_times_s.iter().map(|s| s / 60).collect();
    assert_eq!(leads_min, vec![0, 5, 10, 10, 15, 20, 25, 30]);
    assert_eq!(
        (
            nws.events,
            nws.warned_events,
            nws.warnings,
            nws.verified_warnings
        ),
        (10, 8, 2, 2)
    );
    assert_eq!((nws.far(), nws.in_progress_events), (0.0, 0));

    // Onset rule: one episode per district; Vorn a hit 10 min ahead, Spät (and its warning) in progress at issue.
    let onset = WarningVerifyConfig {
        hit_rule: HitRule::Onset {
            min_lead_s: 0,
            episode_gap_s: 300,
        },
    };
    let v = verify_warnings_with(&report.warnings, &observed, &onset).unwrap();
    println!(
        "onset: {}, in progress: {} events, {} warnings",
        common::verification_line(&v),
        v.in_progress_events,
        v.in_progress_warnings
    );
    assert_eq!((v.events, v.warned_events, v.in_progress_events), (1, 1, 1));
    assert_eq!(
        (v.warnings, v.verified_warnings, v.in_progress_warnings),
        (1, 1, 1)
    );
    assert_eq!(v.lead_times_s, vec![600]);
    assert_eq!((v.pod(), v.far(), v.csi()), (1.0, 0.0, 1.0));
    // A minimum lead of 15 min turns Vorn into a miss and its warning into a false alarm.
    let strict = WarningVerifyConfig {
        hit_rule: HitRule::Onset {
            min_lead_s: 900,
            episode_gap_s: 300,
        },
    };
    let v = verify_warnings_with(&report.warnings, &observed, &strict).unwrap();
    assert_eq!((v.pod(), v.far(), v.in_progress_events), (0.0, 1.0, 1));
    assert!(v.lead_times_s.is_empty());
}
