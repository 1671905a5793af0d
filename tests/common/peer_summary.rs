//! Squall's summary of a volume against a peer's fixture (`testdata/reference/`): the checks that the readers'
//! peer tests share.

use serde_json::Value;
use squall::io::summary::SweepSummary;
use squall::volume::MomentSummary;

/// Rays and gates of a sweep exactly, its gate spacing to 1e-6 m; `ctx` names the sweep in failures.
pub fn assert_sweep_size(ctx: &str, ours: &SweepSummary, peer: &Value) {
    assert_eq!(
        ours.n_rays as u64,
        peer["n_rays"].as_u64().unwrap(),
        "{ctx}: rays"
    );
    assert_eq!(
        ours.n_gates as u64,
        peer["n_gates"].as_u64().unwrap(),
        "{ctx}: gates"
    );
    let spacing = peer["gate_spacing_m"].as_f64().unwrap();
    assert!(
        (f64::from(ours.gate_spacing_m) - spacing).abs() <= 1e-6,
        "{ctx}: gate spacing {} vs {spacing}",
        ours.gate_spacing_m
    );
}

/// The sweep's elevation within `tolerance` degrees of the peer's `elevation_deg`.
pub fn assert_elevation(ctx: &str, ours: &SweepSummary, peer: &Value, tolerance: f64) {
    let expected = peer["elevation_deg"].as_f64().unwrap();
    assert!(
        (f64::from(ours.elevation_deg) - expected).abs() < tolerance,
        "{ctx}: elevation {} vs {expected}",
        ours.elevation_deg
    );
}

/// Mean, minimum and maximum of a moment to 1e-3; `ctx` names the sweep and moment in failures.
pub fn assert_moment_stats(ctx: &str, ours: &MomentSummary, peer: &Value) {
    for (key, value) in [("mean", ours.mean), ("min", ours.min), ("max", ours.max)] {
        let expected = peer[key].as_f64().unwrap();
        let got = value.unwrap();
        assert!(
            (got - expected).abs() <= 1e-3,
            "{ctx} {key}: squall {got} peer {expected}"
        );
    }
}

/// Every moment of a peer's sweep (`peer["moments"]`) against Squall's: valid gates exactly and the statistics by
/// [`assert_moment_stats`]; a moment in which the peer has no valid gate may be absent in Squall or empty too
/// (peers report all-reserved moments). Every moment Squall read is in the peer's sweep or in `extra` (moments the
/// peer does not read). `ctx` names the sweep in failures.
pub fn assert_moments(ctx: &str, ours: &SweepSummary, peer: &Value, extra: &[&str]) {
    let pm = peer["moments"].as_object().unwrap();
    for (name, stats) in pm {
        let valid = stats["valid"].as_u64().unwrap();
        let mine = ours.moments.get(name);
        if valid == 0 {
            assert!(
                mine.is_none_or(|m| m.valid == 0),
                "{ctx} {name}: peer has no valid gates"
            );
            continue;
        }
        let m = mine.unwrap_or_else(|| panic!("{ctx}: moment {name} missing"));
        assert_eq!(m.valid, valid, "{ctx} {name}: valid gates");
        assert_moment_stats(&format!("{ctx} {name}"), m, stats);
    }
    for name in ours.moments.keys() {
        assert!(
            pm.contains_key(name) || extra.contains(&name.as_str()),
            "{ctx}: squall has {name}, the peer does not"
        );
    }
}
