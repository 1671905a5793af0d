//! The CINRAD standard-format reader against PyCINRAD and pycwr on the real files (numbers recorded in
//! `testdata/reference/`, produced by `benches/compare/cinrad_reference.py`).

use crate::common;
use common::peer_summary::{assert_elevation, assert_moments, assert_sweep_size};

use squall::io::summary::VolumeSummary;

/// Compares Squall's summary of `file` with a peer's fixture: geometry exactly, statistics to 1e-3.
fn check_against_peer(file: &str, fixture: &str) {
    let Some(path) = common::shared_radar_file(file) else {
        return;
    };
    let peer = common::reference_json(fixture);
    let (format, volume) = squall::io::open_volume_with_format(&path).unwrap();
    let ours = VolumeSummary::new(format, &volume);
    let sweeps = peer["sweeps"].as_array().unwrap();
    assert_eq!(ours.sweeps.len(), sweeps.len(), "{fixture}: sweep count");
    for (i, (o, p)) in ours.sweeps.iter().zip(sweeps).enumerate() {
        let ctx = format!("{fixture} sweep {i}");
        assert_sweep_size(&ctx, o, p);
        assert_elevation(&ctx, o, p, 1e-3);
        assert_moments(&ctx, o, p, &[]);
    }
}

const X_BAND: &str = "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2";
const S_BAND: &str = "Z_RADR_I_KLBB0_20160601150025_O_DOR_SAD_CAP_FMT_fromNEXRAD.bin.bz2";

#[test]
fn x_band_matches_pycinrad() {
    check_against_peer(X_BAND, "cinrad_zg170_x_pycinrad.json");
}

#[test]
fn x_band_matches_pycwr() {
    check_against_peer(X_BAND, "cinrad_zg170_x_pycwr.json");
}

#[test]
fn derived_s_band_matches_pycinrad() {
    check_against_peer(S_BAND, "cinrad_klbb_s_pycinrad.json");
}

#[test]
fn derived_s_band_matches_pycwr() {
    check_against_peer(S_BAND, "cinrad_klbb_s_pycwr.json");
}

#[test]
fn x_band_metadata() {
    let Some(v) = common::shared_volume(X_BAND) else {
        return;
    };
    assert_eq!(v.site.id, "ZG170");
    assert!(
        (v.site.latitude_deg - 23.1447).abs() < 1e-3
            && (v.site.longitude_deg - 113.0106).abs() < 1e-3
    );
    assert_eq!(v.band(), Some(squall::Band::X));
    assert_eq!(v.frequency_mhz, Some(9464.0));
    assert_eq!(v.start_time.to_rfc3339(), "2026-03-29T06:48:00+00:00");
    // Rays are timed after the volume start and within a few minutes of it.
    let last = v.sweeps.last().unwrap();
    assert!(
        last.time_s.iter().all(|&t| (0.0..600.0).contains(&t)),
        "{:?}",
        &last.time_s[..3]
    );
}

#[test]
fn real_file_round_trips_through_the_writer() {
    let Some(v) = common::shared_volume(X_BAND) else {
        return;
    };
    let bytes = squall::io::cinrad::to_bytes(&v).unwrap();
    let back = squall::io::cinrad::from_bytes(&bytes, "round trip").unwrap();
    assert_eq!(back.sweeps.len(), v.sweeps.len());
    for (a, b) in v.sweeps.iter().zip(&back.sweeps) {
        assert_eq!(a.azimuth_deg, b.azimuth_deg);
        assert_eq!(a.moments.len(), b.moments.len());
        for (ma, mb) in a.moments.iter().zip(&b.moments) {
            assert_eq!(ma.name, mb.name);
            assert_eq!(ma.status, mb.status, "{}", ma.name);
            let worst = ma
                .values
                .iter()
                .zip(mb.values.iter())
                .filter(|(x, _)| x.is_finite())
                .map(|(x, y)| (x - y).abs())
                .fold(0.0f32, f32::max);
            assert!(
                worst <= 0.005 + 1e-5,
                "{}: worst round-trip error {worst}",
                ma.name
            );
        }
    }
}
