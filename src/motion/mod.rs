//! Motion estimation from a sequence of precipitation or reflectivity fields.
//!
//! Every method returns the motion `(2, y, x)` = (u, v) in **pixels per time step** of the input sequence, u
//! along columns and v along rows (pysteps' convention). Inputs are `(t, y, x)` stacks, oldest first; `NaN`
//! marks no data and is ignored; a field with no rain gives zero motion, never an error or NaN.

mod common;
/// A constant (global) shift between consecutive frames.
pub mod constant;
/// Ruzanski, Chandrasekar and Wang (2011): DARTS, least squares in the 3-D Fourier domain.
pub mod darts;
/// Dense Lucas–Kanade: sparse corner tracking, outlier rejection and interpolation to the grid.
pub mod lucas_kanade;
/// Tracking radar echoes by cross-correlation (Rinehart and Garvey 1978) with the COTREC continuity correction.
pub mod trec;
/// Laroche and Zawadzki (1995): variational echo tracking.
pub mod vet;

use ndarray::{Array3, ArrayView3};

use crate::error::Result;

/// A motion estimation method.
pub trait MotionEstimator {
    /// Estimates the motion `(2, y, x)` in pixels per time step from `frames (t, y, x)`, oldest first.
    ///
    /// # Errors
    /// [`crate::Error::Shape`] if there are too few frames for the method or the grid is too small;
    /// [`crate::Error::Parameter`] for invalid settings.
    fn estimate(&self, frames: ArrayView3<f32>) -> Result<Array3<f32>>;
}
