//! Reading and writing radar files.
//!
//! [`open_volume`] detects the format from the content (never the file name) and the compression from magic
//! bytes, and returns a [`PolarVolume`](crate::volume::PolarVolume).

pub mod cinrad;
pub mod compression;
pub mod summary;
