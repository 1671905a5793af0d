//! Synthetic storms with known truth, for tests, benches and demonstrations.
//!
//! A [`SceneConfig`] describes a scene — a grid, a [`MotionField`], convective cells ([`CellSpec`]) with life
//! cycles, scripted merges and splits ([`CellEvent`]) and a stratiform background ([`StratiformConfig`]) — and
//! [`SceneConfig::generate`] turns it into a [`StormSequence`]: reflectivity frames (dBZ) and, for each frame, the
//! truth of every cell ([`CellTruth`]: centroid, velocity, peak, area above 35 dBZ, parents). Any frame can be viewed
//! as a three-dimensional [`Scene3d`] and scanned by a dual-polarisation radar ([`RadarConfig`]) into a
//! [`PolarVolume`](crate::PolarVolume) with attenuation, differential phase, Doppler folding and noise, together
//! with the true value of every gate ([`SyntheticVolume`]).
//!
//! Everything is deterministic: each random stream is seeded from the scene seed and the stream's coordinates
//! (frame, sweep, ray), so results do not depend on the number of threads.
//!
//! ```
//! use squall::synth::{polar_volume, site_at, RadarConfig, SceneConfig};
//! let sequence = SceneConfig::convective(42, 128)?.generate()?;
//! let truth = &sequence.truth[6];
//! assert!(!truth.cells.is_empty());
//! let scene = sequence.scene_3d(6)?;
//! let mut radar = RadarConfig::s_band_vcp21(site_at(&scene.spec, 0.0, 0.0, "SYNS")?);
//! radar.elevations_deg.truncate(1);
//! let volume = polar_volume(&scene, &radar)?.volume;
//! assert_eq!(volume.sweeps[0].moments.len(), 9);
//! # Ok::<(), squall::Error>(())
//! ```

/// Convective cells: description, life cycle, merge/split events, truth.
pub mod cells;
/// Empirical rain and polarimetric relations (Marshall–Palmer, R(KDP), ZDR(Z), attenuation per band).
pub mod microphysics;
/// Analytic motion fields and their pixel-per-step form.
pub mod motion;
/// Random cell populations and the standard convective scene.
pub mod population;
/// Scene configuration, generation of reflectivity frames, frame truth.
pub mod scene;
/// The three-dimensional storm model behind a frame.
pub mod scene3d;
mod simulate;
/// The advected stratiform background.
pub mod stratiform;
/// A dual-polarisation radar scanning a scene: polar volumes with known truth.
pub mod volume;

pub use cells::{CellEvent, CellId, CellSpec, CellTruth, LifeCycle, typical_top_m};
pub use microphysics::{
    attenuation_coefficients, dbz_from_rain_rate, kdp_from_rain_rate, r_kdp_coefficients,
    rain_rate, rain_zdr_db,
};
pub use motion::MotionField;
pub use population::random_cells;
pub use scene::{
    ECHO_THRESHOLD_DBZ, EventKind, EventTruth, FrameTruth, NO_ECHO_DBZ, SceneConfig, StormSequence,
    to_rain_rate,
};
pub use scene3d::{Hydrometeor, PointSample, Scene3d};
pub use stratiform::StratiformConfig;
pub use volume::{MomentNoise, RadarConfig, SweepTruth, SyntheticVolume, polar_volume, site_at};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The independent random streams of a scene.
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Stream {
    Cells = 1,
    Stratiform = 2,
    Pixels = 3,
    Radar = 4,
}

/// SplitMix64 finaliser (Steele, Lea and Flood 2014): a bijective 64-bit mixer.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit seed derived from a seed and the coordinates of a stream.
pub(crate) fn mix(seed: u64, parts: &[u64]) -> u64 {
    parts
        .iter()
        .fold(splitmix64(seed), |h, &p| splitmix64(h ^ splitmix64(p)))
}

/// The random stream of a seed and stream coordinates.
pub(crate) fn stream_rng(seed: u64, parts: &[u64]) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed, parts))
}
