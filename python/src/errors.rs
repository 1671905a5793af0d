//! Python exceptions mirroring `squall::Error`.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;

create_exception!(
    squall,
    SquallError,
    PyException,
    "Base class of Squall's errors."
);
create_exception!(
    squall,
    DecodeError,
    SquallError,
    "A file does not follow its format (corrupt or truncated)."
);
create_exception!(
    squall,
    UnsupportedError,
    SquallError,
    "A valid request that Squall does not handle."
);
create_exception!(
    squall,
    LimitsError,
    SquallError,
    "A request would exceed a safety limit."
);

/// `ShapeError` and `ParameterError` are also `ValueError`s, so they are made in Python (multiple inheritance).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SquallError", py.get_type::<SquallError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("UnsupportedError", py.get_type::<UnsupportedError>())?;
    m.add("LimitsError", py.get_type::<LimitsError>())?;
    Ok(())
}

/// Converts a Rust error into the matching Python exception.
pub fn to_py(error: squall::Error) -> PyErr {
    use squall::Error as E;
    let message = error.to_string();
    match &error {
        E::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(message)
        }
        E::Io { .. } => PyOSError::new_err(message),
        E::Decode { .. } | E::UnknownFormat { .. } | E::Netcdf { .. } => {
            DecodeError::new_err(message)
        }
        E::Shape { .. } | E::Parameter { .. } => PyValueError::new_err(message),
        E::Limits { .. } => LimitsError::new_err(message),
        _ => UnsupportedError::new_err(message),
    }
}
