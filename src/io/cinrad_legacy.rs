//! legacy CINRAD SA/SB reader (to be written: issue 3).

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Whether decompressed content is legacy CINRAD SA/SB.
pub fn is_cinrad_legacy(_data: &[u8]) -> bool {
    false
}

/// Decodes legacy CINRAD SA/SB.
///
/// # Errors
/// [`Error::Unsupported`] until the reader exists.
pub fn decode(_data: &[u8], source_name: &str) -> Result<PolarVolume> {
    Err(Error::Unsupported(format!(
        "{source_name}: legacy CINRAD SA/SB is not read yet"
    )))
}
