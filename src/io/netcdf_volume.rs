//! Polar volumes in NetCDF and HDF5 containers: CfRadial, ODIM_H5 and GAMIC (to be written: issue 3).

use super::Format;
use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Whether content starts with the HDF5 or classic NetCDF signature.
pub fn is_netcdf_or_hdf5(data: &[u8]) -> bool {
    data.starts_with(b"\x89HDF\r\n\x1a\n")
        || data.starts_with(b"CDF\x01")
        || data.starts_with(b"CDF\x02")
}

/// Decodes a CfRadial, ODIM_H5 or GAMIC volume, telling which it was.
///
/// # Errors
/// [`Error::Unsupported`] until the readers exist.
pub fn decode(_data: &[u8], source_name: &str) -> Result<(Format, PolarVolume)> {
    Err(Error::Unsupported(format!(
        "{source_name}: NetCDF/HDF5 radar volumes are not read yet"
    )))
}
