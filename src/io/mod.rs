//! Reading and writing radar files.
//!
//! [`open_volume`] detects the format from the content (never the file name) and the compression from magic
//! bytes, and returns a [`PolarVolume`]. [`summary::VolumeSummary`] is the quick look `squall info` prints.

pub mod bytes;
pub mod cf_netcdf;
pub mod cinrad;
pub mod compression;
pub mod summary;

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// A radar file format Squall reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// CINRAD standard base data (CMA 2016+), see [`cinrad`].
    CinradStandard,
}

impl Format {
    /// Short stable identifier, as in `squall info --json`.
    pub fn id(self) -> &'static str {
        match self {
            Format::CinradStandard => "cinrad_standard",
        }
    }

    /// Detects the format of decompressed content from its signature.
    pub fn detect(data: &[u8]) -> Option<Format> {
        if data.len() >= 4
            && i32::from_le_bytes([data[0], data[1], data[2], data[3]]) == cinrad::MAGIC
        {
            return Some(Format::CinradStandard);
        }
        None
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::CinradStandard => cinrad::FORMAT_NAME,
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
    let source_name = path.display().to_string();
    let raw = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let data = compression::decompress(&raw, &source_name)?;
    let format = Format::detect(&data).ok_or_else(|| Error::UnknownFormat {
        source_name: source_name.clone(),
        reason: format!("first bytes {:02x?}", &data[..data.len().min(8)]),
    })?;
    let volume = match format {
        Format::CinradStandard => cinrad::decode::decode(&data, &source_name)?,
    };
    Ok((format, volume))
}
