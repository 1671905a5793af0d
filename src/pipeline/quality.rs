//! A per-gate quality index from the path-integrated attenuation, so that the mosaic trusts a radar less behind
//! strong attenuation (where the corrected reflectivity is least certain) and leans on the others there.
//!
//! `Q = 1` up to `pia_full_db`, falling linearly to `0` at `pia_zero_db` (two-way PIA in dB), as the attenuation
//! quality index of the RADVOL-QC chain.
//!
//! # References
//! Ośródka, K., J. Szturc and A. Jurczyk, 2014: Chain of data quality algorithms for 3-D single-polarization
//! radar reflectivity (RADVOL-QC system). *Meteorol. Appl.*, 21, 256–270, doi:10.1002/met.1323.

use ndarray::Zip;

use crate::dualpol::process::names::PIA;
use crate::volume::{Moment, PolarVolume};

/// Name of the quality moment the mosaic reads ([`crate::grid::MosaicConfig::quality_moment`]).
pub(crate) const QUALITY: &str = "QUALITY";

/// Adds a `QUALITY` moment in \[0, 1\] from the `PIA` moment of every sweep that has one (gates without PIA get
/// no quality value, which the mosaic counts as 1).
pub(crate) fn add_attenuation_quality(
    volume: &mut PolarVolume,
    pia_full_db: f32,
    pia_zero_db: f32,
) {
    let span = (pia_zero_db - pia_full_db).max(f32::EPSILON);
    for sweep in &mut volume.sweeps {
        let Some(pia) = sweep.moment(PIA) else {
            continue;
        };
        let mut values = pia.values.clone();
        Zip::from(&mut values).for_each(|v| {
            if v.is_finite() {
                *v = (1.0 - (*v - pia_full_db) / span).clamp(0.0, 1.0);
            }
        });
        sweep.moments.retain(|m| m.name != QUALITY);
        sweep
            .moments
            .push(Moment::from_values(QUALITY, "unitless", values));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{RadarConfig, SceneConfig, polar_volume, site_at};

    #[test]
    fn quality_falls_linearly_with_the_attenuation() {
        let scene = SceneConfig::convective(3, 32)
            .unwrap()
            .generate()
            .unwrap()
            .scene_3d(0)
            .unwrap();
        let mut radar = RadarConfig::x_band(site_at(&scene.spec, 0.0, 0.0, "X").unwrap());
        radar.elevations_deg.truncate(1);
        radar.n_gates = 8;
        let mut volume = polar_volume(&scene, &radar).unwrap().volume;
        let n_rays = volume.sweeps[0].n_rays();
        let pia = ndarray::Array2::from_shape_fn((n_rays, 8), |(_, g)| {
            if g == 7 { f32::NAN } else { 2.0 * g as f32 }
        });
        volume.sweeps[0]
            .moments
            .push(Moment::from_values(PIA, "dB", pia));
        add_attenuation_quality(&mut volume, 1.0, 10.0);
        let q = &volume.sweeps[0].moment(QUALITY).unwrap().values;
        let expected = [
            1.0,
            1.0,
            1.0 - 3.0 / 9.0,
            1.0 - 5.0 / 9.0,
            1.0 - 7.0 / 9.0,
            0.0,
            0.0,
        ];
        for (g, e) in expected.iter().enumerate() {
            assert!((q[[5, g]] - e).abs() < 1e-6, "gate {g}: {}", q[[5, g]]);
        }
        assert!(q[[5, 7]].is_nan());
    }
}
