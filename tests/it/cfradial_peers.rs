//! The CfRadial 1.x reader against Py-ART and xradar on the real files (numbers recorded in `testdata/reference/`,
//! produced by `benches/compare/cfradial_reference.py`), their metadata, and merging one-moment-per-file volumes.

use crate::common;

use std::collections::BTreeMap;

use serde_json::Value;
use squall::io::Format;
use squall::io::netcdf_volume::cfradial::merge_volumes;
use squall::io::summary::VolumeSummary;
use squall::volume::{Band, GateStatus, PolarVolume, SweepMode};

const MLL: &str = "MLL2217907250U.003.nc";
const COSMO: &str = "20220628072500_savevol_COSMO_LOOKUP_TEMP.nc";
const ARM: &str = "sgpxsaprcfrvptI4.a1.20200205.100827.nc";

/// Statistics within 1e-3 of the peer's (both accumulate in f64; Squall unpacks in f64, the peers in f32).
fn assert_stats(
    ctx: &str,
    valid: u64,
    mean: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    peer: &Value,
) {
    assert_eq!(valid, peer["valid"].as_u64().unwrap(), "{ctx}: valid gates");
    for (key, got) in [("mean", mean), ("min", min), ("max", max)] {
        match (got, peer[key].as_f64()) {
            (Some(got), Some(expected)) => assert!(
                (got - expected).abs() <= 1e-3,
                "{ctx} {key}: squall {got} peer {expected}"
            ),
            (None, None) => {}
            (got, expected) => panic!("{ctx} {key}: squall {got:?} peer {expected:?}"),
        }
    }
}

/// Compares Squall with a peer's fixture: sweep count and every sweep's geometry exactly, the statistics of the
/// fixture's sweeps and the per-moment totals over the volume to 1e-3, and the moment names. Moments listed in
/// `convention_differs` are only checked for presence (the test explains why).
fn check_against_peer(file: &str, fixture: &str, convention_differs: &[&str]) {
    let Some(path) = common::shared_radar_file(file) else {
        return;
    };
    let peer = common::reference_json(fixture);
    let (format, volume) = squall::io::open_volume_with_format(&path).unwrap();
    assert_eq!(format, Format::CfRadial);
    let ours = VolumeSummary::new(format, &volume);
    assert_eq!(
        ours.sweeps.len() as u64,
        peer["n_sweeps"].as_u64().unwrap(),
        "{fixture}: sweeps"
    );
    let geometry = &peer["sweep_geometry"];
    for (i, s) in ours.sweeps.iter().enumerate() {
        assert_eq!(
            s.n_rays as u64,
            geometry["n_rays"][i].as_u64().unwrap(),
            "{fixture} sweep {i} rays"
        );
        assert_eq!(
            s.n_gates as u64,
            geometry["n_gates"][i].as_u64().unwrap(),
            "{fixture} sweep {i} gates"
        );
        let elevation = geometry["elevation_deg"][i].as_f64().unwrap();
        assert!(
            (f64::from(s.elevation_deg) - elevation).abs() < 1e-3,
            "{fixture} sweep {i}"
        );
    }
    for p in peer["sweeps"].as_array().unwrap() {
        let i = p["index"].as_u64().unwrap() as usize;
        let o = &ours.sweeps[i];
        let ctx = format!("{fixture} sweep {i}");
        // The peers take range[1] − range[0]; Squall the mean spacing of the float32 coordinates.
        let spacing = p["gate_spacing_m"].as_f64().unwrap();
        assert!(
            (f64::from(o.gate_spacing_m) - spacing).abs() < 1e-3,
            "{ctx}: spacing {}",
            o.gate_spacing_m
        );
        let pm = p["moments"].as_object().unwrap();
        // serde_json sorts object keys: compare the sets here (the metadata tests check the file order).
        let mut names: Vec<&String> = o.moments.keys().collect();
        names.sort();
        let peer_names: Vec<&String> = pm.keys().collect();
        assert_eq!(names, peer_names, "{ctx}: moment names");
        for (name, stats) in pm {
            if convention_differs.contains(&name.as_str()) {
                continue;
            }
            let m = &o.moments[name];
            assert_stats(
                &format!("{ctx} {name}"),
                m.valid,
                m.mean,
                m.min,
                m.max,
                stats,
            );
        }
    }
    // Totals over every sweep (sums of valid × mean).
    let mut totals: BTreeMap<&str, (u64, f64, f64, f64)> = BTreeMap::new();
    for s in &ours.sweeps {
        for (name, m) in &s.moments {
            let t = totals
                .entry(name)
                .or_insert((0, 0.0, f64::INFINITY, f64::NEG_INFINITY));
            if let (Some(mean), Some(lo), Some(hi)) = (m.mean, m.min, m.max) {
                t.0 += m.valid;
                t.1 += mean * m.valid as f64;
                t.2 = t.2.min(lo);
                t.3 = t.3.max(hi);
            }
        }
    }
    let peer_totals = peer["totals"].as_object().unwrap();
    assert_eq!(totals.len(), peer_totals.len(), "{fixture}: moments");
    for (name, stats) in peer_totals {
        if convention_differs.contains(&name.as_str()) {
            continue;
        }
        let &(n, sum, lo, hi) = totals
            .get(name.as_str())
            .unwrap_or_else(|| panic!("{fixture}: no {name}"));
        let some = |x: f64| (n > 0).then_some(x);
        assert_stats(
            &format!("{fixture} total {name}"),
            n,
            some(sum / n as f64),
            some(lo),
            some(hi),
            stats,
        );
    }
}

#[test]
fn meteoswiss_c_band_matches_pyart() {
    check_against_peer(MLL, "cfradial_mll_c_pyart.json", &[]);
}

#[test]
fn meteoswiss_c_band_matches_xradar() {
    check_against_peer(MLL, "cfradial_mll_c_xradar.json", &[]);
}

#[test]
fn model_temperature_matches_pyart() {
    check_against_peer(COSMO, "cfradial_cosmo_temp_pyart.json", &[]);
}

#[test]
fn model_temperature_matches_xradar() {
    check_against_peer(COSMO, "cfradial_cosmo_temp_xradar.json", &[]);
}

#[test]
fn arm_vertically_pointing_matches_pyart() {
    check_against_peer(ARM, "cfradial_arm_xsapr_vpt_pyart.json", &[]);
}

/// xradar does not mask the NetCDF default fill value of a variable without `_FillValue`: it reports ARM's
/// `radar_echo_classification` (every value −2147483647, never written) as 72360 valid gates. Squall and Py-ART
/// (netCDF4) treat those gates as no data; the fixture's numbers are checked to be exactly that.
#[test]
fn arm_vertically_pointing_matches_xradar() {
    check_against_peer(ARM, "cfradial_arm_xsapr_vpt_xradar.json", &["HCLASS"]);
    let Some(path) = common::shared_radar_file(ARM) else {
        return;
    };
    let peer = common::reference_json("cfradial_arm_xsapr_vpt_xradar.json");
    let hclass = &peer["totals"]["HCLASS"];
    assert_eq!(hclass["valid"].as_u64(), Some(72_360));
    assert_eq!(hclass["min"].as_f64(), Some(-2_147_483_647.0));
    assert_eq!(hclass["max"].as_f64(), Some(-2_147_483_647.0));
    let volume = squall::io::open_volume(&path).unwrap();
    for s in &volume.sweeps {
        assert!(
            s.moment("HCLASS")
                .unwrap()
                .status
                .iter()
                .all(|&g| g == GateStatus::NoData)
        );
    }
}

#[test]
fn meteoswiss_metadata_and_names() {
    let Some(v) = common::shared_volume(MLL) else {
        return;
    };
    assert_eq!(v.site.id, "L");
    assert!(
        (v.site.latitude_deg - 46.04076).abs() < 1e-5
            && (v.site.longitude_deg - 8.833217).abs() < 1e-5
    );
    assert_eq!(v.site.altitude_m, 1626.0);
    assert_eq!(v.band(), Some(Band::C));
    assert!((v.frequency_mhz.unwrap() - 5450.772).abs() < 1e-3);
    assert_eq!(v.beam_width_deg, 1.0);
    assert_eq!(v.start_time.to_rfc3339(), "2022-06-28T07:21:36+00:00");
    let s = &v.sweeps[0];
    assert_eq!(s.mode, SweepMode::Ppi);
    assert_eq!(s.nyquist_mps, Some(8.25));
    assert!((s.first_gate_m - 249.999).abs() < 1e-3);
    assert!((s.azimuth_deg[0] - 0.530_098_4).abs() < 1e-6);
    assert!(s.time_s.iter().all(|&t| t == 0.0));
    let names: Vec<&str> = s.moments.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "DBZH",
            "SNRH",
            "DBZV",
            "ZDR",
            "URHOHV",
            "UPHIDP",
            "VRADH",
            "WRADH",
            "reflectivity_hh_clut"
        ]
    );
    let units: Vec<&str> = s.moments.iter().map(|m| m.units.as_str()).collect();
    assert_eq!(units[0], "dBZ");
    assert_eq!(units[6], "m/s");
    // Fill values (-9999) are no data; values are NaN exactly there.
    let dbzh = s.moment("DBZH").unwrap();
    for (value, status) in dbzh.values.iter().zip(&dbzh.status) {
        assert_eq!(value.is_nan(), *status == GateStatus::NoData);
        assert!(*status != GateStatus::NoEcho && *status != GateStatus::RangeFolded);
    }
}

#[test]
fn arm_metadata_and_sweeps() {
    let Some(v) = common::shared_volume(ARM) else {
        return;
    };
    assert_eq!(
        (v.site.id.as_str(), v.site.name.as_str()),
        ("XSAPR-1", "sgpI4")
    );
    assert_eq!(v.band(), Some(Band::X));
    assert_eq!(v.beam_width_deg, 1.0, "no radar_beam_width_h: the default");
    // Units "seconds since 2020-02-05 10:08:25 0:00", first ray at 2.453999 s.
    assert_eq!(
        v.start_time.to_rfc3339(),
        "2020-02-05T10:08:27.453999+00:00"
    );
    assert_eq!(v.sweeps.len(), 360);
    let mut last = -1.0;
    for s in &v.sweeps {
        // The file's sweep_mode strings are garbled after the first; the 90° elevations say what they are.
        assert_eq!(s.mode, SweepMode::VerticalPointing);
        assert_eq!((s.n_rays(), s.n_gates()), (1, 201));
        assert_eq!((s.first_gate_m, s.gate_spacing_m), (0.0, 100.0));
        assert_eq!(s.nyquist_mps, Some(10.695));
        assert!(s.time_s[0] > last);
        last = s.time_s[0];
    }
    assert!((last - (38.315999 - 2.453999)).abs() < 1e-6, "{last}");
    let names: Vec<&str> = v.sweeps[0]
        .moments
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "attenuation_corrected_differential_reflectivity",
            "attenuation_corrected_reflectivity_h",
            "RHOHV",
            "PHIDP",
            "ZDR",
            "VRADH",
            "SQIH",
            "HCLASS",
            "DBZH",
            "reflectivity_enhanced",
            "DBZV",
            "SNRH",
            "KDP",
            "WRADH",
            "DBTH",
            "total_power_enhanced",
            "DBTV"
        ]
    );
}

/// One file per moment: split the MeteoSwiss volume into single-moment volumes and merge them back.
#[test]
fn split_volume_merges_back() {
    let Some(whole) = common::shared_volume(MLL) else {
        return;
    };
    let parts: Vec<PolarVolume> = (0..whole.sweeps[0].moments.len())
        .map(|k| {
            let mut part = whole.clone();
            for s in &mut part.sweeps {
                s.moments = vec![s.moments[k].clone()];
            }
            part
        })
        .collect();
    assert_same(&merge_volumes(parts).unwrap(), &whole);
}

/// Volumes equal gate for gate (`NaN` values compared by bits, as `PartialEq` cannot).
fn assert_same(a: &PolarVolume, b: &PolarVolume) {
    assert_eq!(
        (&a.site, a.frequency_mhz, a.start_time),
        (&b.site, b.frequency_mhz, b.start_time)
    );
    assert_eq!(a.sweeps.len(), b.sweeps.len());
    for (x, y) in a.sweeps.iter().zip(&b.sweeps) {
        assert_eq!(
            (&x.azimuth_deg, &x.elevation_deg, &x.time_s),
            (&y.azimuth_deg, &y.elevation_deg, &y.time_s)
        );
        assert_eq!(
            (x.mode, x.fixed_angle_deg, x.nyquist_mps),
            (y.mode, y.fixed_angle_deg, y.nyquist_mps)
        );
        assert_eq!(x.moments.len(), y.moments.len());
        for (m, n) in x.moments.iter().zip(&y.moments) {
            assert_eq!(
                (&m.name, &m.units, &m.status),
                (&n.name, &n.units, &n.status)
            );
            assert_eq!(
                m.values.mapv(f32::to_bits),
                n.values.mapv(f32::to_bits),
                "{}",
                m.name
            );
        }
    }
}

/// The model temperature shares the radar's polar grid: merging adds it as a tenth moment.
#[test]
fn model_temperature_merges_onto_the_radar_volume() {
    let (Some(radar), Some(model)) = (
        common::shared_radar_file(MLL),
        common::shared_radar_file(COSMO),
    ) else {
        return;
    };
    let model = squall::io::open_volume(model).unwrap();
    let temperature = model.sweeps[0].moment("temperature").unwrap().clone();
    assert_eq!(temperature.units, "deg Celsius");
    let merged = merge_volumes(vec![squall::io::open_volume(radar).unwrap(), model]).unwrap();
    assert_eq!(merged.sweeps[0].moments.len(), 10);
    assert_eq!(
        merged.sweeps[0].moments[9], temperature,
        "every gate valid: no NaN"
    );
    // A different scan is refused.
    if let Some(arm) = common::shared_radar_file(ARM) {
        let err = merge_volumes(vec![merged, squall::io::open_volume(arm).unwrap()]).unwrap_err();
        assert!(matches!(err, squall::Error::Shape { .. }), "{err}");
    }
}
