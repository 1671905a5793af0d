//! `dualpol::Config::outputs`: leaving out optional moments does not change the ones derived, and
//! `process_in_place` derives exactly what `process` does.

use squall::dualpol::process::names;
use squall::dualpol::{Config, Outputs, process, process_in_place};
use squall::synth::{RadarConfig, SceneConfig, polar_volume, site_at};
use squall::volume::{Moment, PolarVolume};

fn volume() -> PolarVolume {
    let scene = SceneConfig::convective(7, 96)
        .unwrap()
        .generate()
        .unwrap()
        .scene_3d(0)
        .unwrap();
    let mut radar = RadarConfig::x_band(site_at(&scene.spec, -20_000.0, 5_000.0, "XSYN").unwrap());
    radar.elevations_deg.truncate(3);
    polar_volume(&scene, &radar).unwrap().volume
}

fn bits(v: &PolarVolume, sweep: usize, name: &str) -> Vec<u32> {
    let m = v.sweeps[sweep].moment(name).unwrap();
    m.values.iter().map(|x| x.to_bits()).collect()
}

/// Bitwise equality of two optional moments (`NaN` equals `NaN`).
fn same(a: Option<&Moment>, b: Option<&Moment>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.name == b.name
                && a.status == b.status
                && a.values.dim() == b.values.dim()
                && a.values
                    .iter()
                    .zip(&b.values)
                    .all(|(x, y)| x.to_bits() == y.to_bits())
        }
        _ => false,
    }
}

#[test]
fn reflectivity_only_gives_the_same_corrected_reflectivity_and_attenuation() {
    let volume = volume();
    let all = process(&volume, &Config::default()).unwrap();
    let light = process(
        &volume,
        &Config {
            outputs: Outputs::REFLECTIVITY,
            ..Config::default()
        },
    )
    .unwrap();
    let mut some_attenuation = false;
    for s in 0..volume.sweeps.len() {
        for name in [names::DBZH_CORRECTED, names::PIA] {
            assert_eq!(
                bits(&all, s, name),
                bits(&light, s, name),
                "sweep {s} {name}"
            );
            assert_eq!(
                all.sweeps[s].moment(name).unwrap().status,
                light.sweeps[s].moment(name).unwrap().status
            );
        }
        some_attenuation |= all.sweeps[s]
            .moment(names::PIA)
            .unwrap()
            .values
            .iter()
            .any(|&p| p > 1.0);
        for name in [
            names::PHIDP_CORRECTED,
            names::KDP,
            names::ZDR_CORRECTED,
            names::HCLASS,
            names::RATE,
        ] {
            assert!(all.sweeps[s].moment(name).is_some(), "{name}");
            // left as in the input (the synthetic volume has a KDP moment of its own)
            assert!(
                same(light.sweeps[s].moment(name), volume.sweeps[s].moment(name)),
                "{name}"
            );
        }
    }
    // the scene is attenuating, so the comparison is not between two empty fields
    assert!(some_attenuation);
}

#[test]
fn classification_alone_matches_the_full_chain() {
    let volume = volume();
    let all = process(&volume, &Config::default()).unwrap();
    let config = Config {
        outputs: Outputs {
            classification: true,
            ..Outputs::REFLECTIVITY
        },
        ..Config::default()
    };
    let mut in_place = volume.clone();
    process_in_place(&mut in_place, &config).unwrap();
    for s in 0..volume.sweeps.len() {
        assert_eq!(
            bits(&all, s, names::HCLASS),
            bits(&in_place, s, names::HCLASS)
        );
        assert!(same(
            in_place.sweeps[s].moment(names::KDP),
            volume.sweeps[s].moment(names::KDP)
        ));
        assert!(in_place.sweeps[s].moment(names::RATE).is_none());
    }
    // in place with every output: the same volume as the copy
    let mut everything = volume.clone();
    process_in_place(&mut everything, &Config::default()).unwrap();
    for (a, b) in everything.sweeps.iter().zip(&all.sweeps) {
        assert_eq!(a.moments.len(), b.moments.len());
        for (x, y) in a.moments.iter().zip(&b.moments) {
            assert!(same(Some(x), Some(y)), "{}", x.name);
        }
    }
}
