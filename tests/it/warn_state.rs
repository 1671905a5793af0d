//! The streaming warning state: hysteresis (no flapping), the Alert → Update (upgrade, downgrade, extend) → Cancel
//! sequence with references, hail from cell threats, restarts from serialised state, and bad input.

use crate::warn_scene;

use serde_json::json;
use squall::Error;
use squall::warn::{
    CellStep, CellThreat, Change, Hazard, HazardRule, Level, MsgType, WarningConfig, WarningInputs,
    WarningMessage, WarningState, areas_from_geojson, map_areas,
};
use warn_scene::*;

fn district_state(rule: HazardRule) -> WarningState {
    let spec = grid();
    let text = collection(vec![feature(
        1,
        "Altstadt",
        json!({"type": "Polygon", "coordinates": [rect(&spec, -5.5, -5.5, 5.5, 5.5)]}),
    )]);
    let mapped = map_areas(&areas_from_geojson(&text).unwrap(), &spec).unwrap();
    WarningState::new(config(rule), mapped, spec.shape()).unwrap()
}

fn rain(p: f32) -> WarningInputs {
    WarningInputs {
        rain_rate: Some(uniform(p)),
        ..Default::default()
    }
}

/// Runs the probabilities at 5-min updates from minute 5 and returns (minute, message) pairs.
fn run(state: &mut WarningState, ps: &[f32]) -> Vec<(i64, WarningMessage)> {
    let mut out = Vec::new();
    for (k, &p) in ps.iter().enumerate() {
        let minute = 5 * (k as i64 + 1);
        for m in state.update(t(minute), &rain(p)).unwrap() {
            out.push((minute, m));
        }
    }
    out
}

#[test]
fn oscillating_probability_does_not_flap() {
    // Issue at 0.5, hold down to 0.3, cancel after 3 consecutive updates below 0.3.
    let mut state = district_state(one_level(0.5, 0.3, 3));
    let ps = [
        0.2, 0.55, 0.45, 0.52, 0.48, 0.35, 0.51, 0.4, // around p_on: one Alert, nothing else
        0.25, 0.25, 0.35, // two updates below p_off, then back up: still no cancel
        0.2, 0.1, 0.29, // three below: cancelled on the third (minute 70)
        0.45, 0.49, // below p_on: no new warning
    ];
    let messages = run(&mut state, &ps);
    let kinds: Vec<(i64, MsgType)> = messages.iter().map(|(m, x)| (*m, x.msg_type)).collect();
    assert_eq!(kinds, vec![(10, MsgType::Alert), (70, MsgType::Cancel)]);
    assert!(state.active().is_empty());
    // Without hysteresis (p_off = p_on, cancel at once) the same sequence would flap: count what it gives.
    let mut naive = district_state(one_level(0.5, 0.5, 1));
    let flapping = run(&mut naive, &ps);
    let alerts = flapping
        .iter()
        .filter(|(_, m)| m.msg_type == MsgType::Alert)
        .count();
    assert_eq!(alerts, 3, "the naive rule re-issues at 0.55, 0.52 and 0.51");
}

#[test]
fn alert_upgrade_downgrade_cancel_chain() {
    let mut rule = HazardRule::three_levels([0.3, 0.6, 0.85]);
    rule.valid_for_s = 7200.0;
    let mut state = district_state(rule);
    let messages = run(&mut state, &[0.35, 0.65, 0.9, 0.88, 0.5, 0.5, 0.05, 0.05]);
    let summary: Vec<(i64, MsgType, Change, Level)> = messages
        .iter()
        .map(|(minute, m)| (*minute, m.msg_type, m.change, m.level))
        .collect();
    assert_eq!(
        summary,
        vec![
            (5, MsgType::Alert, Change::New, Level::Advisory),
            (10, MsgType::Update, Change::Upgrade, Level::Warning),
            (15, MsgType::Update, Change::Upgrade, Level::Severe),
            // 0.5 is below severe's p_off (0.65) twice, and above warning's (0.4): lowered to Warning.
            (30, MsgType::Update, Change::Downgrade, Level::Warning),
            (40, MsgType::Cancel, Change::Cancel, Level::Warning),
        ]
    );
    let first = &messages[0].1;
    for (k, (_, m)) in messages.iter().enumerate() {
        assert_eq!(
            m.incident, first.identifier,
            "one incident for the whole warning"
        );
        assert_eq!(
            m.references.len(),
            k,
            "each message references all earlier ones"
        );
        if k > 0 {
            assert_eq!(m.references[k - 1], messages[k - 1].1.reference());
        }
        assert_eq!(m.area_id.0, 1);
        assert_eq!(m.hazard, Hazard::HeavyRain);
    }
    let mut ids: Vec<&str> = messages
        .iter()
        .map(|(_, m)| m.identifier.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), messages.len(), "identifiers are unique");
    assert_eq!(first.identifier, "heavy_rain.1.20240605140500.1");
    assert_eq!(messages[4].1.expires, t(40), "a cancel expires when sent");
}

#[test]
fn held_warning_is_extended_before_expiry() {
    let mut rule = one_level(0.5, 0.3, 2);
    rule.valid_for_s = 1800.0;
    let mut state = district_state(rule);
    let messages = run(&mut state, &[0.6; 10]);
    // Alert at 5 expires at 35; renewed when within 10 min of expiry: at 25 (→ 55), then at 45 (→ 75).
    let summary: Vec<(i64, Change)> = messages.iter().map(|(m, x)| (*m, x.change)).collect();
    assert_eq!(
        summary,
        vec![(5, Change::New), (25, Change::Extend), (45, Change::Extend)]
    );
    assert_eq!(messages[2].1.expires, t(75));
}

#[test]
fn onset_is_the_first_lead_time_reaching_the_threshold() {
    let mut state = district_state(one_level(0.5, 0.3, 2));
    let mut forecast = uniform(0.0);
    // Probability 0.7 in the district only from lead 30 min (slices 3..).
    for k in 3..7 {
        forecast.probability[[k, 50, 50]] = 0.7;
    }
    let inputs = WarningInputs {
        rain_rate: Some(forecast),
        ..Default::default()
    };
    let messages = state.update(t(0), &inputs).unwrap();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].onset, t(30));
    assert!((messages[0].probability - 0.7).abs() < 1e-6);
}

#[test]
fn missing_data_holds_and_expiry_cancels() {
    let mut rule = one_level(0.5, 0.3, 1);
    rule.valid_for_s = 1800.0;
    rule.renew_before_s = 0.0;
    let mut state = district_state(rule);
    assert_eq!(state.update(t(0), &rain(0.8)).unwrap().len(), 1);
    // NaN everywhere and no input at all: no data, nothing happens until the warning expires.
    assert!(state.update(t(5), &rain(f32::NAN)).unwrap().is_empty());
    assert!(
        state
            .update(t(10), &WarningInputs::default())
            .unwrap()
            .is_empty()
    );
    let at_expiry = state.update(t(30), &WarningInputs::default()).unwrap();
    assert_eq!(at_expiry.len(), 1);
    assert_eq!(at_expiry[0].msg_type, MsgType::Cancel);
    assert!(at_expiry[0].probability.is_nan());
}

#[test]
fn hail_from_cell_threats() {
    let spec = grid();
    let text = collection(vec![json!({"type": "Feature",
        "properties": {"id": 4, "name": "school", "radius_m": 1000.0},
        "geometry": {"type": "Point", "coordinates": lonlat(&spec, 20.0, 0.0)}})]);
    let mapped = map_areas(&areas_from_geojson(&text).unwrap(), &spec).unwrap();
    let config = WarningConfig {
        sender: "squall@example.org".to_owned(),
        status: "Test".to_owned(),
        heavy_rain: None,
        hail: Some(HazardRule::three_levels([0.3, 0.6, 0.85])),
        gale: Some(HazardRule::three_levels([0.3, 0.6, 0.85])),
    };
    let mut state = WarningState::new(config, mapped, spec.shape()).unwrap();
    // A cell at x = −10 km moving east 10 km per 5-min step, disc radius 3 km; the school covers the cell
    // centres within 1 km of x = 20 km.
    let steps = (0..=12)
        .map(|k| CellStep {
            lead_s: k as f64 * 300.0,
            x: -10_000.0 + k as f64 * 10_000.0,
            y: 0.0,
            radius_m: 3000.0,
        })
        .collect();
    let cell = CellThreat {
        track: 17,
        hail: 0.7,
        gale: 0.1,
        steps,
    };
    let inputs = WarningInputs {
        cells: Some(vec![cell]),
        ..Default::default()
    };
    let messages = state.update(t(0), &inputs).unwrap();
    assert_eq!(
        messages.len(),
        1,
        "hail warned, gale (score 0.1) not: {messages:?}"
    );
    let m = &messages[0];
    assert_eq!(
        (m.hazard, m.level, m.msg_type),
        (Hazard::Hail, Level::Warning, MsgType::Alert)
    );
    // The step at 10 min (x = 10 km) is 9 km from the nearest school cell centre; the one at 15 min is on it.
    assert_eq!(m.onset, t(15));
    // Next update: no cells at all → the hail score is 0, cancelled after cancel_after = 2 updates.
    let none = WarningInputs {
        cells: Some(Vec::new()),
        ..Default::default()
    };
    assert!(state.update(t(5), &none).unwrap().is_empty());
    let cancel = state.update(t(10), &none).unwrap();
    assert_eq!(cancel.len(), 1);
    assert_eq!(cancel[0].msg_type, MsgType::Cancel);
}

#[test]
fn restart_from_serialised_state_continues_the_same_warnings() {
    let rule = HazardRule::three_levels([0.3, 0.6, 0.85]);
    let ps = [0.35, 0.65, 0.9, 0.88, 0.5, 0.5, 0.05, 0.05];
    let mut uninterrupted = district_state(rule.clone());
    let all = run(&mut uninterrupted, &ps);

    let mut first = district_state(rule);
    let mut resumed_messages = run(&mut first, &ps[..3]);
    let saved = serde_json::to_string(&first).unwrap();
    let mut resumed: WarningState = serde_json::from_str(&saved).unwrap();
    for (k, &p) in ps.iter().enumerate().skip(3) {
        let minute = 5 * (k as i64 + 1);
        for m in resumed.update(t(minute), &rain(p)).unwrap() {
            resumed_messages.push((minute, m));
        }
    }
    assert_eq!(resumed_messages, all);
    assert_eq!(resumed, uninterrupted);
}

#[test]
fn configuration_deserialises() {
    let config: WarningConfig = serde_json::from_str(
        r#"{"sender": "nowcast@met.example", "hail": {"levels": [
            {"level": "warning", "p_on": 0.6, "p_off": 0.4}, {"level": "severe", "p_on": 0.85, "p_off": 0.7}],
            "max_lead_s": 3600, "cancel_after": 2, "valid_for_s": 3600}}"#,
    )
    .unwrap();
    assert_eq!(config.status, "Actual");
    assert!(config.heavy_rain.is_none());
    let hail = config.hail.as_ref().unwrap();
    assert_eq!((hail.min_lead_s, hail.renew_before_s), (0.0, 600.0));
    assert_eq!(hail.level_on(0.9), Some(Level::Severe));
    assert_eq!(hail.level_held(0.5), Some(Level::Warning));
    config.validate().unwrap();
}

#[test]
fn bad_input_is_rejected_and_leaves_the_state_unchanged() {
    let mut state = district_state(one_level(0.5, 0.3, 2));
    state.update(t(10), &rain(0.6)).unwrap();
    let before = state.clone();
    assert!(matches!(
        state.update(t(10), &rain(0.6)),
        Err(Error::Parameter { .. })
    ));
    assert!(matches!(
        state.update(t(5), &rain(0.6)),
        Err(Error::Parameter { .. })
    ));
    let mut wrong = uniform(0.6);
    wrong.probability = ndarray::Array3::zeros((7, 50, 101));
    let bad_shape = WarningInputs {
        rain_rate: Some(wrong),
        ..Default::default()
    };
    assert!(matches!(
        state.update(t(15), &bad_shape),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        state.update(t(15), &rain(1.5)),
        Err(Error::Parameter { .. })
    ));
    let mut descending = uniform(0.6);
    descending.lead_times_s.reverse();
    let bad_leads = WarningInputs {
        rain_rate: Some(descending),
        ..Default::default()
    };
    assert!(matches!(
        state.update(t(15), &bad_leads),
        Err(Error::Parameter { .. })
    ));
    assert_eq!(state, before);

    let mut bad = one_level(0.5, 0.6, 2);
    assert!(WarningState::new(config(bad.clone()), Vec::new(), (101, 101)).is_err());
    bad.levels[0].p_off = 0.3;
    bad.cancel_after = 0;
    let spec = grid();
    let text = collection(vec![feature(
        1,
        "a",
        json!({"type": "Point", "coordinates": [10.0, 50.0]}),
    )]);
    let mapped = map_areas(&areas_from_geojson(&text).unwrap(), &spec).unwrap();
    assert!(matches!(
        WarningState::new(config(bad), mapped.clone(), spec.shape()),
        Err(Error::Parameter { .. })
    ));
    let mut spaced = config(one_level(0.5, 0.3, 2));
    spaced.sender = "two words".to_owned();
    assert!(WarningState::new(spaced, mapped, spec.shape()).is_err());
}

#[test]
fn cell_threats_from_the_cell_tracker() {
    use squall::cells::{CellForecast, ForecastStep, Threat, ThreatAssessment, ThreatLevel};
    let threat = |score: f64| Threat {
        score,
        level: ThreatLevel::of(score),
        indicators: Vec::new(),
    };
    let forecast = CellForecast {
        track: 8,
        velocity_mps: (10.0, 0.0),
        area_trend_km2_per_hour: 0.0,
        max_dbz_trend_db_per_hour: 0.0,
        steps: vec![ForecastStep {
            lead_s: 600.0,
            time: t(10),
            x_m: 6000.0,
            y_m: -1000.0,
            area_km2: std::f64::consts::PI * 4.0,
            max_dbz: 58.0,
            uncertainty_m: 1500.0,
        }],
    };
    let assessment = ThreatAssessment {
        track: 8,
        hail: threat(0.8),
        wind: threat(0.4),
        heavy_rain: threat(0.9),
        severe: threat(0.8),
    };
    let cell = CellThreat::from_cells(&forecast, &assessment).unwrap();
    assert_eq!((cell.track, cell.hail, cell.gale), (8, 0.8, 0.4));
    // Radius of a 4π km² circle (2 km) plus 1.5 km of uncertainty.
    assert_eq!(
        cell.steps[0],
        CellStep {
            lead_s: 600.0,
            x: 6000.0,
            y: -1000.0,
            radius_m: 3500.0
        }
    );
    let other = ThreatAssessment {
        track: 9,
        ..assessment
    };
    assert!(matches!(
        CellThreat::from_cells(&forecast, &other),
        Err(Error::Parameter { .. })
    ));
}
