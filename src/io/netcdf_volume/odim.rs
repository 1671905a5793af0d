//! ODIM_H5 volumes (to be written: issue 3).

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Whether an open NetCDF/HDF5 file follows the ODIM_H5 conventions.
pub fn is_odim(_file: &netcdf::File) -> bool {
    false
}

/// Decodes a ODIM_H5 volume from an open file.
///
/// # Errors
/// [`Error::Unsupported`] until the reader exists.
pub fn decode(_file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    Err(Error::Unsupported(format!(
        "{source_name}: ODIM_H5 is not read yet"
    )))
}
