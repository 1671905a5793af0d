//! Reading and writing radar files.
//!
//! [`open_volume`] detects the format from the content (never the file name) and the compression from magic
//! bytes, and returns a [`PolarVolume`]. [`summary::VolumeSummary`] is the quick look `squall info` prints.
//! Gridded composite sequences (for nowcasting) are read by [`composite::open_sequence`].

pub mod bytes;
mod cf_attributes;
pub mod cf_netcdf;
pub mod cfradial_writer;
pub mod cinrad;
pub mod cinrad_legacy;
pub mod composite;
pub mod compression;
pub mod netcdf_volume;
pub mod nexrad;
pub mod nowcast_netcdf;
pub mod summary;

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::geo::Grid2;
use crate::volume::PolarVolume;

pub use composite::CompositeFormat;
pub use netcdf_volume::cfradial::merge_volumes;

/// What a radar file holds: a polar volume or a georeferenced grid.
#[derive(Debug, Clone, PartialEq)]
pub enum Dataset {
    /// A polar volume and the format it came in.
    Volume(Format, PolarVolume),
    /// A gridded composite and the format it came in.
    Grid(CompositeFormat, Grid2),
}

/// Reads any supported radar file — polar volume or gridded composite — detecting compression and format from
/// the content, never the file name.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::UnknownFormat`] if no reader recognises it, and the
/// reader's own errors for corrupt content.
pub fn open(path: impl AsRef<Path>) -> Result<Dataset> {
    let path = path.as_ref();
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let source_name = path.display().to_string();
    match volume_from_bytes(&raw, &source_name) {
        Ok((format, volume)) => Ok(Dataset::Volume(format, volume)),
        // Not a volume (an ODIM "COMP" object is refused as unsupported by the volume reader): try the grids.
        Err(Error::UnknownFormat { .. } | Error::Unsupported(_)) => {
            let (format, grid) = composite::grid_from_bytes(&raw, &source_name)?;
            Ok(Dataset::Grid(format, grid))
        }
        Err(e) => Err(e),
    }
}

/// A radar file format Squall reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// CINRAD standard base data (CMA 2016+), see [`cinrad`].
    CinradStandard,
    /// Legacy CINRAD SA/SB (2432-byte records) and CA/CB (4132-byte records), see [`cinrad_legacy`].
    CinradLegacy,
    /// NEXRAD Level II (Archive II), see [`nexrad`].
    NexradLevel2,
    /// CfRadial 1.x in NetCDF, see [`netcdf_volume`].
    CfRadial,
    /// ODIM_H5 polar volume or scan, see [`netcdf_volume`].
    OdimH5,
    /// GAMIC HDF5, see [`netcdf_volume`].
    Gamic,
}

impl Format {
    /// Short stable identifier, as in `squall info --json`.
    pub fn id(self) -> &'static str {
        match self {
            Format::CinradStandard => "cinrad_standard",
            Format::CinradLegacy => "cinrad_legacy",
            Format::NexradLevel2 => "nexrad_level2",
            Format::CfRadial => "cfradial",
            Format::OdimH5 => "odim_h5",
            Format::Gamic => "gamic_hdf5",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::CinradStandard => cinrad::FORMAT_NAME,
            Format::CinradLegacy => cinrad_legacy::FORMAT_NAME,
            Format::NexradLevel2 => "NEXRAD Level II",
            Format::CfRadial => "CfRadial",
            Format::OdimH5 => "ODIM_H5",
            Format::Gamic => "GAMIC HDF5",
        })
    }
}

/// Reads a polar radar volume, detecting compression and format from the content.
///
/// # Errors
/// [`Error::Io`] if the file cannot be read, [`Error::UnknownFormat`] if no reader recognises it, and the
/// reader's own errors for corrupt content.
pub fn open_volume(path: impl AsRef<Path>) -> Result<PolarVolume> {
    open_volume_with_format(path).map(|(_, v)| v)
}

/// As [`open_volume`], also returning the detected format.
///
/// # Errors
/// As [`open_volume`].
pub fn open_volume_with_format(path: impl AsRef<Path>) -> Result<(Format, PolarVolume)> {
    let path = path.as_ref();
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    volume_from_bytes(&raw, &path.display().to_string())
}

/// Decodes a polar volume held in memory (any supported format, compressed or not). `source_name` appears in
/// errors.
///
/// # Errors
/// [`Error::UnknownFormat`] if no reader recognises the content, and the reader's own errors.
pub fn volume_from_bytes(raw: &[u8], source_name: &str) -> Result<(Format, PolarVolume)> {
    let data = compression::decompress(raw, source_name)?;
    let data: &[u8] = &data;
    if cinrad::is_cinrad_standard(data) {
        return Ok((Format::CinradStandard, cinrad::decode(data, source_name)?));
    }
    if nexrad::is_nexrad_level2(data) {
        return Ok((Format::NexradLevel2, nexrad::decode(data, source_name)?));
    }
    if netcdf_volume::is_netcdf_or_hdf5(data) {
        return netcdf_volume::decode(data, source_name);
    }
    if cinrad_legacy::is_cinrad_legacy(data) {
        return Ok((
            Format::CinradLegacy,
            cinrad_legacy::decode(data, source_name)?,
        ));
    }
    Err(Error::UnknownFormat {
        source_name: source_name.to_owned(),
        reason: format!("first bytes {:02x?}", &data[..data.len().min(8)]),
    })
}
