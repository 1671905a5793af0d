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
