//! Vet motion (to be written: issue 5).

use ndarray::{Array3, ArrayView3};

use super::MotionEstimator;
use crate::error::{Error, Result};

/// Vet motion estimation (placeholder).
#[derive(Debug, Clone, Default)]
pub struct Vet;

impl MotionEstimator for Vet {
    fn estimate(&self, _frames: ArrayView3<f32>) -> Result<Array3<f32>> {
        Err(Error::Unsupported("Vet motion is not written yet".into()))
    }
}
