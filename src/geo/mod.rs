//! Georeferencing: the earth model and beam geometry, map projections, the description of raster grids, and
//! time sequences of grids.

pub mod beam;
pub mod grid;
pub mod projection;
pub mod sequence;

pub use beam::FourThirdsEarth;
pub use grid::{Grid2, Grid3, GridSpec};
pub use projection::Projection;
pub use sequence::GridSequence;

/// Mean earth radius in metres (IUGG mean radius R1).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
