//! Reader of the raw dumps the `benches/compare/` scripts write for the examples.

use std::path::Path;

use ndarray::Array3;

/// A little-endian `f32` array of `shape` (C order) from a raw file, e.g. `frames_db.f32` (3, ny, nx).
///
/// # Errors
/// The file cannot be read, or its length is not `4 × shape` bytes.
pub fn read_f32(
    path: &Path,
    shape: (usize, usize, usize),
) -> Result<Array3<f32>, Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok(Array3::from_shape_vec(shape, values)?)
}
