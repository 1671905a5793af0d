//! The input of the motion benches.

use ndarray::{Array3, s};
use squall::synth::SceneConfig;

/// The last 3 of the 12 reflectivity frames (dBZ) of the 512 × 512 synthetic convective scene of seed 42.
pub fn convective_frames() -> Array3<f32> {
    let stack = SceneConfig::convective(42, 512)
        .and_then(|config| config.generate())
        .expect("synthetic scene")
        .reflectivity_stack();
    stack.slice(s![9..12, .., ..]).to_owned()
}
