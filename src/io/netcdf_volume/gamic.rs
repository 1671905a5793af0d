//! GAMIC HDF5 volumes (to be written: issue 3).

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Whether an open NetCDF/HDF5 file follows the GAMIC HDF5 conventions.
pub fn is_gamic(_file: &netcdf::File) -> bool {
    false
}

/// Decodes a GAMIC HDF5 volume from an open file.
///
/// # Errors
/// [`Error::Unsupported`] until the reader exists.
pub fn decode(_file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    Err(Error::Unsupported(format!(
        "{source_name}: GAMIC HDF5 is not read yet"
    )))
}
