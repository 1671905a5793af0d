//! Polar volumes in NetCDF and HDF5 containers: CfRadial, ODIM_H5 and GAMIC.
//!
//! The bundled netcdf-c library opens all three (HDF5 files it did not write included). The content is opened
//! from memory once, classified by its conventions, and handed to the matching reader.

pub mod cfradial;
pub mod gamic;
pub mod odim;

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
/// [`Error::Netcdf`] if the container cannot be opened, [`Error::UnknownFormat`] if it follows none of the three
/// conventions, and the reader's own errors.
pub fn decode(data: &[u8], source_name: &str) -> Result<(Format, PolarVolume)> {
    let file = netcdf::open_mem(None, data).map_err(|e| Error::netcdf(source_name, e))?;
    if odim::is_odim(&file) {
        return Ok((Format::OdimH5, odim::decode(&file, source_name)?));
    }
    if gamic::is_gamic(&file) {
        return Ok((Format::Gamic, gamic::decode(&file, source_name)?));
    }
    if cfradial::is_cfradial(&file) {
        return Ok((Format::CfRadial, cfradial::decode(&file, source_name)?));
    }
    Err(Error::UnknownFormat {
        source_name: source_name.to_owned(),
        reason: "a NetCDF/HDF5 file that is neither CfRadial, ODIM_H5 nor GAMIC".into(),
    })
}
