//! The dual-polarisation chain on bad input: missing moments, unknown band, NaN gates, empty and all-no-data
//! sweeps, mismatched shapes and invalid settings give a clear error or a clean result, never a panic.

use crate::common;

use ndarray::Array2;
use squall::dualpol::attenuation::{AttenuationCoefficients, AttenuationMethod, correct};
use squall::dualpol::filter::{EchoFilterConfig, FilterInputs, echo_mask};
use squall::dualpol::phidp::{LeastSquaresKdp, PhidpConfig, process_phidp};
use squall::dualpol::{Config, TemperatureProfile, process};
use squall::volume::{Moment, SweepMode};
use squall::{Band, Error, GateStatus, PolarVolume};

/// The shared small volume (DBZH and VRADH only) with the dual-pol moments added: DBZH, ZDR, RHOHV, PHIDP.
fn dual_pol_volume() -> PolarVolume {
    let mut volume = common::small_volume(2, SweepMode::Ppi);
    for sweep in &mut volume.sweeps {
        let (n_rays, n_gates) = (sweep.n_rays(), sweep.n_gates());
        sweep.moments.push(Moment::from_values(
            "ZDR",
            "dB",
            Array2::from_elem((n_rays, n_gates), 0.5),
        ));
        sweep.moments.push(Moment::from_values(
            "RHOHV",
            "unitless",
            Array2::from_elem((n_rays, n_gates), 0.99),
        ));
        sweep.moments.push(Moment::from_values(
            "PHIDP",
            "degrees",
            Array2::from_shape_fn((n_rays, n_gates), |(_, g)| 40.0 + 0.5 * g as f32),
        ));
    }
    volume
}

#[test]
fn a_missing_moment_is_named_with_those_present() {
    let mut volume = dual_pol_volume();
    volume.sweeps[1].moments.retain(|m| m.name != "PHIDP");
    let err = process(&volume, &Config::default()).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Parameter { .. }), "{err:?}");
    assert!(text.contains("sweep 1 has no PHIDP"), "{text}");
    assert!(text.contains("DBZH, VRADH, ZDR, RHOHV"), "{text}");
}

#[test]
fn unknown_band_needs_the_config_band() {
    let mut volume = dual_pol_volume();
    volume.frequency_mhz = None;
    let err = process(&volume, &Config::default()).unwrap_err();
    assert!(err.to_string().contains("Config::band"), "{err}");
    let config = Config {
        band: Some(Band::C),
        ..Config::default()
    };
    assert!(process(&volume, &config).is_ok());
    volume.frequency_mhz = Some(35_000.0); // Ka band
    assert!(matches!(
        process(&volume, &Config::default()).unwrap_err(),
        Error::Unsupported(_)
    ));
}

#[test]
fn nan_gates_and_the_input_are_left_alone() {
    let mut volume = dual_pol_volume();
    for m in &mut volume.sweeps[0].moments {
        m.set_status(3, 4, GateStatus::NoData);
        m.values[[5, 6]] = f32::NAN; // a NaN marked valid: treated as missing
    }
    let before = volume.clone();
    let out = process(&volume, &Config::default()).unwrap();
    // the input is unchanged, bit for bit (NaN != NaN, so compare bits)
    for (s0, s1) in volume.sweeps.iter().zip(&before.sweeps) {
        assert_eq!(s0.moments.len(), s1.moments.len());
        for (m0, m1) in s0.moments.iter().zip(&s1.moments) {
            assert_eq!(m0.status, m1.status);
            assert!(
                m0.values
                    .iter()
                    .zip(&m1.values)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
            );
        }
    }
    let sweep = &out.sweeps[0];
    for name in ["KDP", "DBZH_CORR", "ZDR_CORR", "HCLASS", "RATE", "PIA"] {
        let m = sweep.moment(name).unwrap();
        assert_eq!(m.status[[3, 4]], GateStatus::NoData, "{name}");
        assert!(m.values[[5, 6]].is_nan(), "{name}");
        assert!(
            m.values.iter().all(|v| v.is_nan() || v.is_finite()),
            "{name}"
        );
        for (v, s) in m.values.iter().zip(m.status.iter()) {
            assert_eq!(v.is_finite(), *s == GateStatus::Valid, "{name}");
        }
    }
}

#[test]
fn all_empty_and_zero_sized_sweeps() {
    let mut volume = dual_pol_volume();
    for m in &mut volume.sweeps[0].moments {
        let (r, g) = m.values.dim();
        *m = Moment::no_data(&m.name, &m.units, r, g);
    }
    let out = process(&volume, &Config::default()).unwrap();
    let hclass = out.sweeps[0].moment("HCLASS").unwrap();
    assert!(hclass.status.iter().all(|&s| s == GateStatus::NoData));
    // zero rays
    let mut volume = dual_pol_volume();
    let sweep = &mut volume.sweeps[1];
    sweep.azimuth_deg.clear();
    sweep.elevation_deg.clear();
    sweep.time_s.clear();
    for m in &mut sweep.moments {
        *m = Moment::no_data(&m.name, &m.units, 0, 7);
    }
    let out = process(&volume, &Config::default()).unwrap();
    assert_eq!(out.sweeps[1].moment("RATE").unwrap().values.dim(), (0, 7));
}

#[test]
fn inconsistent_shapes_and_settings_are_errors() {
    let a = Array2::from_elem((3, 10), 30.0f32);
    let b = Array2::from_elem((3, 9), 0.99f32);
    let inputs = FilterInputs {
        dbzh: a.view(),
        rhohv: Some(b.view()),
        snr_db: None,
        phidp_deg: None,
    };
    assert!(matches!(
        echo_mask(&inputs, &EchoFilterConfig::default(), true),
        Err(Error::Shape { .. })
    ));
    let mask = Array2::from_elem((3, 10), true);
    let even = PhidpConfig {
        median_gates: 4,
        ..PhidpConfig::default()
    };
    assert!(matches!(
        process_phidp(a.view(), mask.view(), None, &even),
        Err(Error::Parameter { .. })
    ));
    let k = AttenuationCoefficients::for_band(Band::X).unwrap();
    let err = correct(
        a.view(),
        None,
        a.view(),
        mask.view(),
        0.0,
        &k,
        AttenuationMethod::Zphi,
        2.0,
    );
    assert!(matches!(err, Err(Error::Parameter { .. })));
    let negative = LeastSquaresKdp::fixed(-1.0);
    assert!(negative.kdp(a.view(), None, 100.0).is_err());
    assert!(TemperatureProfile::sounding(vec![1.0, 0.5], vec![3.0, 4.0]).is_err());
    let mut volume = dual_pol_volume();
    volume.sweeps[0].moments[2].values = Array2::zeros((2, 2));
    assert!(matches!(
        process(&volume, &Config::default()),
        Err(Error::Shape { .. })
    ));
}
