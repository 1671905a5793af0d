//! Nowcasting: extrapolation of the latest field along the estimated motion, cascade models (S-PROG), the STEPS
//! ensemble, and probability grids.
//!
//! The building blocks — [`cascade`], [`autoregression`], [`noise`], [`probmatch`], [`transform`] — are public
//! so that further methods (e.g. a locally adaptive ensemble) reuse them; every method implements
//! [`steps::Nowcaster`].

/// Backward semi-Lagrangian extrapolation (Germann and Zawadzki 2002).
pub mod extrapolate;

pub use extrapolate::{AdvectionBuffers, Extrapolation, Extrapolator, Interpolation, warp};

/// Adaptive convective ensemble: local AR, noise and growth/decay (Nerini et al. 2017; Seed et al. 2013).
pub mod adaptive;
/// Autoregressive AR(1)/AR(2) models of cascade levels (Bowler et al. 2006).
pub mod autoregression;
/// Decision rules and isotonic reliability recalibration of exceedance probabilities (Dimitriadis et al. 2021).
pub mod calibration;
/// FFT cascade decomposition with Gaussian band-pass filters in log-wavenumber (Seed 2003).
pub mod cascade;
/// The extrapolation nowcast as a one-member method (Germann and Zawadzki 2002).
pub mod extrapolation_nowcast;
/// Noise generators (nonparametric, power-law, short-space) and motion perturbations (Bowler et al. 2006).
pub mod noise;
/// Exceedance probabilities, ensemble mean and quantiles, Lagrangian probability (Germann and Zawadzki 2004).
pub mod probability;
/// Probability matching (empirical CDF, mean) and rain masks (Ebert 2001; Seed 2003).
pub mod probmatch;
/// AR update and recomposition of cascade levels on their spectra (Pulkkinen et al. 2019b).
pub mod spectral_ar;
/// S-PROG deterministic cascade nowcast (Seed 2003).
pub mod sprog;
/// STEPS ensemble nowcast (Bowler et al. 2006) and the analysis shared by cascade methods.
pub mod steps;
/// dB transform of rain rate (pysteps conventions).
pub mod transform;
