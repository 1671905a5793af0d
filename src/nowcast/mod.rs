//! Nowcasting: extrapolation of the latest field along the estimated motion, and (later) cascade models,
//! noise, ensembles and probabilities.

/// Backward semi-Lagrangian extrapolation (Germann and Zawadzki 2002).
pub mod extrapolate;

pub use extrapolate::{Extrapolation, Extrapolator, Interpolation, warp};
