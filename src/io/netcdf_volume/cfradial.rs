//! CfRadial volumes (to be written: issue 3).

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Whether an open NetCDF/HDF5 file follows the CfRadial conventions.
pub fn is_cfradial(_file: &netcdf::File) -> bool {
    false
}

/// Decodes a CfRadial volume from an open file.
///
/// # Errors
/// [`Error::Unsupported`] until the reader exists.
pub fn decode(_file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    Err(Error::Unsupported(format!(
        "{source_name}: CfRadial is not read yet"
    )))
}
