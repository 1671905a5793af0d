//! Storm-scale products from gridded volumes: echo tops, VIL and VIL density, hail indices (SHI, MESH, POSH, POH,
//! HDR), ZDR columns and heavy-rain area.
//!
//! Inputs are `(nz, ny, nx)` grids on heights above mean sea level (as made by [`crate::grid`]), `NaN` = no data;
//! outputs are `(ny, nx)` fields, `NaN` where the column has no data at all.

mod column;
/// Echo tops.
pub mod echo_top;
/// Witt et al. (1998) hail indices and Waldvogel's POH.
pub mod hail;
/// Hail differential reflectivity (Aydin et al. 1986).
pub mod hdr;
/// Rain rate and heavy-rain area.
pub mod heavy_rain;
/// VIL (Greene & Clark 1972) and VIL density (Amburn & Wolf 1997).
pub mod vil;
/// ZDR-column depth (Snyder et al. 2015).
pub mod zdr_column;

pub use echo_top::{ECHO_TOP_THRESHOLDS_DBZ, echo_top};
pub use hail::{
    HailHeights, hail_kinetic_energy, mesh, posh, probability_of_hail, severe_hail_index,
};
pub use hdr::{hail_differential_reflectivity, hdr};
pub use heavy_rain::{HEAVY_RAIN_MM_H, HeavyRain, heavy_rain, rain_rate_from_reflectivity};
pub use vil::{VIL_CAP_DBZ, vil, vil_density};
pub use zdr_column::ZdrColumn;
