//! The 3-D view of strong convection: vertical cross-sections through a gridded volume, reflectivity
//! isosurfaces, and their export as binary glTF 2.0 (`.glb`) with cells and tracks as lines.
//!
//! All functions take a [`Grid3`](crate::geo::Grid3) (for example the output of [`crate::grid::Mosaic`]), whose
//! values are `(nz, ny, nx)` on a [`GridSpec`](crate::geo::GridSpec) × heights above mean sea level.

/// Cells and tracks as 3-D lines.
pub mod cell_lines;
/// Binary glTF 2.0 writer: meshes and polylines in a local east-north-up frame.
pub mod glb;
/// Isosurfaces of a gridded volume by marching tetrahedra.
pub mod isosurface;
/// Vertical cross-sections between two points, and their rendering to PNG.
pub mod xsection;

pub use cell_lines::{CellLines, cell_polylines};
pub use glb::{LocalFrame, Polyline, Scene3d, encode_glb, write_glb};
pub use isosurface::{TriangleMesh, isosurface};
pub use xsection::{CrossSection, Sampling, cross_section, render_cross_section};
