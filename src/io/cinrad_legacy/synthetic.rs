//! A deterministic synthetic SA volume: the file the peer comparison (`benches/compare/cinrad_legacy_reference.py`)
//! and the tests are made from, as no original legacy file was available.

use super::{LegacyVariant, to_legacy_geometry};
use crate::error::Result;
use crate::synth::{RadarConfig, SceneConfig, polar_volume, site_at};
use crate::volume::{GateStatus, PolarVolume};

/// Frame of the convective scene that is scanned.
const FRAME: usize = 6;
/// Rays and gates of the first Doppler cut marked range folded (there is no range folding in the synthetic
/// radar), so that every gate code occurs in the file.
const FOLDED_RAYS: std::ops::Range<usize> = 0..20;
const FOLDED_GATES: std::ops::Range<usize> = 600..680;

/// A deterministic volume in the legacy SA geometry: frame 6 of [`SceneConfig::convective`]`(seed, 128)`
/// scanned by [`RadarConfig::s_band_vcp21`] from the grid centre (9 tilts, 360 rays, 920 gates of 250 m), passed
/// through [`to_legacy_geometry`] with the two lowest tilts split into surveillance and Doppler cuts (11 cuts,
/// as an SA scans VCP 21), and with gates 600–679 of rays 0–19 of the first Doppler cut (sweep 1) set range
/// folded in `VRADH` and `WRADH`.
///
/// `to_bytes(&reference_volume(seed)?, LegacyVariant::SaSb)` is the synthetic SA file; the same seed always gives
/// the same bytes.
///
/// # Errors
/// Those of the scene generation and [`to_legacy_geometry`] (none for a valid seed).
pub fn reference_volume(seed: u64) -> Result<PolarVolume> {
    let scene = SceneConfig::convective(seed, 128)?
        .generate()?
        .scene_3d(FRAME)?;
    let radar = RadarConfig::s_band_vcp21(site_at(&scene.spec, 0.0, 0.0, "SYNS")?);
    let volume = polar_volume(&scene, &radar)?.volume;
    let mut legacy = to_legacy_geometry(&volume, LegacyVariant::SaSb, 2)?;
    let doppler = &mut legacy.sweeps[1];
    for m in &mut doppler.moments {
        for ray in FOLDED_RAYS {
            for g in FOLDED_GATES {
                m.set_status(ray, g, GateStatus::RangeFolded);
            }
        }
    }
    Ok(legacy)
}
