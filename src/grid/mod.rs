//! Polar → Cartesian gridding (nearest, Cressman, Barnes), CAPPI, composite reflectivity and multi-radar mosaics.
//!
//! Build a [`GridMapping`] once per scan geometry (or let a [`Mosaic`] cache one per radar), then grid every
//! moment of every later volume with it. Grids are `(nz, ny, nx)` `f32` in the moment's units on a
//! [`GridSpec`](crate::geo::GridSpec) × heights above mean sea level; `NaN` = no data.

/// CAPPI and column maximum.
pub mod column;
/// The gate → grid mapping, cached per scan geometry.
pub mod mapping;
/// Several radars on one grid, weighted by distance, beam height and quality.
pub mod mosaic;
mod polar_bins;
/// Radius of influence, constant or growing with the beam.
pub mod roi;
/// Each tilt on the grid's columns, and interpolation between tilts.
pub mod tilts;
/// Distance weights: nearest, Cressman, Barnes.
pub mod weighting;

pub use column::{cappi, composite};
pub use mapping::{GridConfig, GridMapping, ScanGeometry};
pub use mosaic::{ColumnContribution, Contribution, Mosaic, MosaicConfig};
pub use roi::RadiusOfInfluence;
pub use tilts::{TiltPlanes, Vertical};
pub use weighting::Weighting;
