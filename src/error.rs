//! The one error type of the crate.
//!
//! Every fallible public function returns [`Result<T>`]. Messages print the offending values so that a user can
//! act on them without a debugger; decoders name the file (or stream) and the byte offset where they gave up.

use std::path::PathBuf;

/// Everything that can go wrong in Squall. Bad input is always reported through this type, never by a panic.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed at the operating-system level.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file or byte stream does not follow its format.
    #[error("{source_name}: invalid {format} data at byte offset {offset}: {reason}")]
    Decode {
        /// Format that was being decoded, e.g. `"CINRAD standard base data"`.
        format: &'static str,
        /// File name (or `"<memory>"`) of the stream.
        source_name: String,
        /// Byte offset in the (decompressed) stream where decoding stopped.
        offset: u64,
        /// What was wrong.
        reason: String,
    },
    /// No reader recognises the content.
    #[error("{source_name}: unrecognised format ({reason})")]
    UnknownFormat {
        /// File name (or `"<memory>"`).
        source_name: String,
        /// What was seen instead of a known signature.
        reason: String,
    },
    /// Arrays do not have the shapes an operation needs.
    #[error("shape mismatch in {what}: expected {expected}, found {found}")]
    Shape {
        /// The argument or field concerned.
        what: String,
        /// The shape that was required.
        expected: String,
        /// The shape that was given.
        found: String,
    },
    /// A parameter is out of its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    Parameter {
        /// Parameter name as the user wrote it.
        name: String,
        /// Its value, printed.
        value: String,
        /// Why it is invalid and what would be valid.
        reason: String,
    },
    /// A request would exceed a safety limit (allocation size, element count).
    #[error("limit exceeded: {what} needs {requested}, limit is {limit}")]
    Limits {
        /// What was being allocated or counted.
        what: String,
        /// The amount requested.
        requested: u64,
        /// The limit in force.
        limit: u64,
    },
    /// A valid request that this version does not handle.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The NetCDF/HDF5 library reported an error.
    #[error("{path}: NetCDF: {message}")]
    Netcdf {
        /// The file concerned.
        path: PathBuf,
        /// The library's message.
        message: String,
    },
}

/// Result type of the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A parameter error.
    pub fn parameter(name: &str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::Parameter {
            name: name.to_owned(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// A NetCDF error for a file.
    pub fn netcdf(path: impl Into<PathBuf>, error: netcdf::Error) -> Self {
        Error::Netcdf {
            path: path.into(),
            message: error.to_string(),
        }
    }
}
