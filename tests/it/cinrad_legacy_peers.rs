//! The legacy CINRAD writer and reader against PyCINRAD and pycwr: the deterministic synthetic SA file
//! (`cinrad_legacy::reference_volume(42)`) is regenerated here, checked to be the very bytes the peers read
//! (length and CRC-32 recorded in the fixtures by `benches/compare/cinrad_legacy_reference.py`), decoded, and
//! compared with the peers' per-sweep numbers. No shared data is needed.

use crate::common;
use common::peer_summary::assert_moment_stats;

use std::sync::OnceLock;

use ndarray::Array2;
use serde_json::Value;
use squall::io::cinrad_legacy::{self, LegacyVariant, reflectivity_gate};
use squall::volume::{GateStatus, Moment, MomentSummary, PolarVolume, Sweep};

const SEED: u64 = 42;

/// The synthetic volume, its bytes and their decoding, built once for all tests of this file.
fn reference() -> &'static (PolarVolume, Vec<u8>, PolarVolume) {
    static CELL: OnceLock<(PolarVolume, Vec<u8>, PolarVolume)> = OnceLock::new();
    CELL.get_or_init(|| {
        let volume = cinrad_legacy::reference_volume(SEED).unwrap();
        let bytes = cinrad_legacy::to_bytes(&volume, LegacyVariant::SaSb).unwrap();
        let decoded = cinrad_legacy::decode(&bytes, "synthetic SA").unwrap();
        (volume, bytes, decoded)
    })
}

/// Valid gates exactly, mean, minimum and maximum to 1e-3.
fn assert_stats(ctx: &str, ours: MomentSummary, peer: &Value) {
    assert_eq!(
        ours.valid,
        peer["valid"].as_u64().unwrap(),
        "{ctx}: valid gates"
    );
    assert_moment_stats(ctx, &ours, peer);
}

/// The columns `0, step, 2·step, …` (`n` of them) of a moment: the file's reflectivity gates when `step` is the
/// number of Doppler gates per reflectivity gate.
fn columns(m: &Moment, step: usize, n: usize) -> (Array2<f32>, Array2<GateStatus>) {
    let idx: Vec<usize> = (0..n).map(|k| k * step).collect();
    (
        m.values.select(ndarray::Axis(1), &idx),
        m.status.select(ndarray::Axis(1), &idx),
    )
}

#[test]
fn regenerated_file_is_the_one_the_peers_read() {
    let (_, bytes, _) = reference();
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    for fixture in [
        "cinrad_legacy_synthetic_pycinrad.json",
        "cinrad_legacy_synthetic_pycwr.json",
    ] {
        let peer = common::reference_json(fixture);
        assert!(peer.get("error").is_none(), "{fixture}: {}", peer["error"]);
        assert_eq!(bytes.len() as u64, peer["file"]["bytes"].as_u64().unwrap());
        assert_eq!(
            format!("{:08x}", crc.sum()),
            peer["file"]["crc32"].as_str().unwrap(),
            "{fixture}: the writer's output changed; regenerate the fixtures (see testdata/reference/README.md)"
        );
    }
}

#[test]
fn matches_pycinrad() {
    let (_, _, volume) = reference();
    let peer = common::reference_json("cinrad_legacy_synthetic_pycinrad.json");
    let sweeps = peer["sweeps"].as_array().unwrap();
    // PyCINRAD splits cuts where the radial number restarts: the same 11 sweeps as Squall.
    assert_eq!(volume.sweeps.len(), 11);
    assert_eq!(volume.sweeps.len(), sweeps.len());
    for (i, (ours, p)) in volume.sweeps.iter().zip(sweeps).enumerate() {
        let ctx = format!("pycinrad sweep {i}");
        assert_eq!(ours.n_rays() as u64, p["n_rays"].as_u64().unwrap(), "{ctx}");
        let elevation = p["elevation_deg"].as_f64().unwrap();
        assert!(
            (f64::from(ours.fixed_angle_deg) - elevation).abs() < 1e-3,
            "{ctx}: elevation {} vs {elevation}",
            ours.fixed_angle_deg
        );
        let moments = p["moments"].as_object().unwrap();
        let names: Vec<&str> = ours.moments.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            moments.keys().map(String::as_str).collect::<Vec<_>>(),
            "{ctx}"
        );
        for (name, stats_peer) in moments {
            let m = ours.moment(name).unwrap();
            let spacing = p["gate_spacing_m"][name].as_f64().unwrap();
            let gates = p["n_gates"][name].as_u64().unwrap() as usize;
            let ctx = format!("{ctx} {name}");
            if spacing == f64::from(ours.gate_spacing_m) {
                assert_eq!(ours.n_gates(), gates, "{ctx}: gates");
                assert_stats(&ctx, m.summary(), stats_peer);
            } else {
                // PyCINRAD keeps reflectivity on its 1000 m gates; Squall repeats each on the 250 m Doppler
                // gates of the batch cut. The gate at each reflectivity gate's centre (every 4th) is the file's.
                let step = (spacing / f64::from(ours.gate_spacing_m)) as usize;
                assert_eq!((name.as_str(), step), ("DBZH", 4), "{ctx}");
                let (values, status) = columns(m, step, gates);
                assert_stats(
                    &ctx,
                    MomentSummary::of_gates(values.iter().zip(status.iter())),
                    stats_peer,
                );
            }
        }
    }
}

/// The reflectivity gates of the file behind a Doppler sweep (at index `i` of Squall's sweeps): its own
/// `DBZH` at every 4th gate in a batch cut, or the `DBZH` of the surveillance cut just before it.
fn native_reflectivity(sweeps: &[Sweep], i: usize) -> (Array2<f32>, Array2<GateStatus>) {
    let sweep = &sweeps[i];
    match sweep.moment("DBZH") {
        Some(m) => {
            // Reflectivity gates k sit at sweep gates 4k; the last one with data in any ray ends the record's.
            let n_z = (0..sweep.n_gates())
                .step_by(4)
                .rposition(|g| m.status.column(g).iter().any(|&s| s != GateStatus::NoData))
                .map_or(0, |k| k + 1);
            columns(m, 4, n_z)
        }
        None => {
            let m = sweeps[i - 1].moment("DBZH").unwrap();
            assert_eq!(sweeps[i - 1].gate_spacing_m, 1000.0);
            (m.values.clone(), m.status.clone())
        }
    }
}

#[test]
fn matches_pycwr() {
    let (_, _, volume) = reference();
    let peer = common::reference_json("cinrad_legacy_synthetic_pycwr.json");
    let sweeps = peer["sweeps"].as_array().unwrap();
    // pycwr merges each surveillance cut into the Doppler cut after it: Squall's Doppler sweeps are its sweeps.
    let doppler: Vec<usize> = (0..volume.sweeps.len())
        .filter(|&i| volume.sweeps[i].moment("VRADH").is_some())
        .collect();
    assert_eq!(doppler, [1, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert_eq!(doppler.len(), sweeps.len());
    for (&i, p) in doppler.iter().zip(sweeps) {
        let ours = &volume.sweeps[i];
        let ctx = format!("pycwr sweep for squall sweep {i}");
        assert_eq!(ours.n_rays() as u64, p["n_rays"].as_u64().unwrap(), "{ctx}");
        assert_eq!(
            ours.n_gates() as u64,
            p["n_gates"].as_u64().unwrap(),
            "{ctx}"
        );
        assert_eq!(
            f64::from(ours.gate_spacing_m),
            p["gate_spacing_m"].as_f64().unwrap()
        );
        // pycwr's fixed angle comes from a VCP table; the radial elevations are the file's.
        let mean_elevation = p["mean_ray_elevation_deg"].as_f64().unwrap();
        assert!(
            (f64::from(ours.mean_elevation_deg()) - mean_elevation).abs() < 1e-3,
            "{ctx}"
        );
        for name in ["VRADH", "WRADH"] {
            let m = ours.moment(name).unwrap();
            assert_stats(&format!("{ctx} {name}"), m.summary(), &p["moments"][name]);
        }
        // pycwr's dBZ: Doppler gate j takes reflectivity gate round-half-down(j/4) — Squall's mapping — but only
        // up to the last reflectivity gate centre, j ≤ 4 (n_z − 1); Squall also fills the outer half of the last
        // gate. Compare over pycwr's gates.
        let (values, status) = native_reflectivity(&volume.sweeps, i);
        let n_z = values.ncols();
        let n = ours.n_gates().min(4 * (n_z - 1) + 1);
        let mut on_axis = Vec::with_capacity(ours.n_rays() * n);
        for ray in 0..ours.n_rays() {
            for j in 0..n {
                let k = reflectivity_gate(j, 0, 250, 0, 1000).unwrap();
                on_axis.push((&values[[ray, k]], &status[[ray, k]]));
            }
        }
        assert_stats(
            &format!("{ctx} DBZH"),
            MomentSummary::of_gates(on_axis),
            &p["moments"]["DBZH"],
        );
        if let Some(m) = ours.moment("DBZH") {
            // In a batch cut Squall's own DBZH holds exactly these values on those gates.
            let sub = m.status.slice(ndarray::s![.., ..n]);
            let direct = MomentSummary::of_gates(
                m.values.slice(ndarray::s![.., ..n]).iter().zip(sub.iter()),
            );
            assert_stats(&format!("{ctx} DBZH direct"), direct, &p["moments"]["DBZH"]);
        }
    }
}

#[test]
fn synthetic_volume_round_trips() {
    let (volume, bytes, decoded) = reference();
    // (2) bytes → decode → bytes: identical.
    let again = cinrad_legacy::to_bytes(decoded, LegacyVariant::SaSb).unwrap();
    assert!(again == *bytes, "re-encoded bytes differ");
    // (1) volume → bytes → decode: same geometry and statuses, values within the codes' half step.
    assert_eq!(decoded.start_time, volume.start_time);
    assert_eq!(decoded.sweeps.len(), volume.sweeps.len());
    for (s, (a, b)) in volume.sweeps.iter().zip(&decoded.sweeps).enumerate() {
        assert_eq!(
            (a.first_gate_m, a.gate_spacing_m, a.n_gates(), a.nyquist_mps),
            (b.first_gate_m, b.gate_spacing_m, b.n_gates(), b.nyquist_mps),
            "sweep {s}"
        );
        for r in 0..a.n_rays() {
            assert!((a.azimuth_deg[r] - b.azimuth_deg[r]).abs() <= 0.0028);
            assert!((a.elevation_deg[r] - b.elevation_deg[r]).abs() <= 0.0028);
            assert!((a.time_s[r] - b.time_s[r]).abs() <= 0.0005);
        }
        for (ma, mb) in a.moments.iter().zip(&b.moments) {
            assert_eq!(ma.name, mb.name);
            assert!(ma.status == mb.status, "sweep {s} {}: statuses", ma.name);
            for (x, y) in ma.values.iter().zip(mb.values.iter()) {
                assert!(
                    (x.is_nan() && y.is_nan()) || (x - y).abs() <= 0.25,
                    "sweep {s} {}: {x} vs {y}",
                    ma.name
                );
            }
        }
    }
    let folded = decoded.sweeps[1].moment("VRADH").unwrap().status[[5, 650]];
    assert_eq!(folded, GateStatus::RangeFolded);
}
