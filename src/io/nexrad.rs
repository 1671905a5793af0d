//! NEXRAD Level II reader (to be written: issue 3).

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Whether decompressed content is NEXRAD Level II.
pub fn is_nexrad_level2(_data: &[u8]) -> bool {
    false
}

/// Decodes NEXRAD Level II.
///
/// # Errors
/// [`Error::Unsupported`] until the reader exists.
pub fn decode(_data: &[u8], source_name: &str) -> Result<PolarVolume> {
    Err(Error::Unsupported(format!(
        "{source_name}: NEXRAD Level II is not read yet"
    )))
}
