//! Dual-polarisation processing, band-aware (S, C, X): echo filtering, ΦDP/KDP, attenuation correction,
//! hydrometeor classification and rain rate.
//!
//! Each stage is a function on `(n_rays, n_gates)` arrays that returns new arrays (the inputs are never modified);
//! [`process()`] runs the whole chain on a [`PolarVolume`](crate::PolarVolume) and returns a copy with the derived
//! moments added. Band coefficients are in `docs/algorithms.md` and in each stage's `for_band`.

/// Attenuation correction of Z and ZDR: ZPHI (Testud et al. 2000) and the linear ΦDP method.
pub mod attenuation;
/// Echo filter: ρhv, SNR, ΦDP and Z texture, despeckling.
pub mod filter;
/// Fuzzy-logic hydrometeor classification, 10 classes (Dolan and Rutledge 2009; Dolan et al. 2013).
pub mod hydroclass;
/// ΦDP unfolding, system offset and smoothing; KDP by adaptive least squares or Vulpiani et al. (2012).
pub mod phidp;
/// The whole chain on a volume.
pub mod process;
/// Rain rate: R(Z), R(KDP), R(Z, ZDR), R(A), blended.
pub mod rainrate;
/// Gate temperature from a sounding or a standard atmosphere.
pub mod temperature;

pub use process::{Config, MomentNames, Outputs, process, process_in_place};
pub use temperature::TemperatureProfile;
