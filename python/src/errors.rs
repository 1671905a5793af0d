//! Python exceptions mirroring `squall::Error`.
//!
//! `SquallError` is the base of all. `ShapeError` and `ParameterError` also subclass `ValueError`, so that code
//! written for numpy-style errors catches them; Python classes with two bases are made at import with `type()`.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

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

/// Exception classes that subclass both `SquallError` and `ValueError`.
const VALUE_ERRORS: [(&str, &str); 2] = [
    (
        "ShapeError",
        "Arrays do not have the shapes an operation needs.",
    ),
    ("ParameterError", "A parameter is out of its valid range."),
];

/// Adds the exception classes to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SquallError", py.get_type::<SquallError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    m.add("UnsupportedError", py.get_type::<UnsupportedError>())?;
    m.add("LimitsError", py.get_type::<LimitsError>())?;
    let type_ = py.import("builtins")?.getattr("type")?;
    for (name, doc) in VALUE_ERRORS {
        let bases = PyTuple::new(
            py,
            [
                py.get_type::<SquallError>().into_any(),
                py.get_type::<PyValueError>().into_any(),
            ],
        )?;
        let namespace = PyDict::new(py);
        namespace.set_item("__doc__", doc)?;
        namespace.set_item("__module__", "squall")?;
        m.add(name, type_.call1((name, bases, namespace))?)?;
    }
    Ok(())
}

/// An instance of one of the module's `ValueError` subclasses (falls back to `ValueError`).
fn value_error(py: Python<'_>, name: &str, message: String) -> PyErr {
    let class = py
        .import("squall._squall")
        .and_then(|m| m.getattr(name))
        .and_then(|c| c.cast_into::<PyType>().map_err(PyErr::from));
    match class {
        Ok(class) => PyErr::from_type(class, message),
        Err(_) => PyValueError::new_err(message),
    }
}

/// Converts a Rust error into the matching Python exception.
pub fn to_py(py: Python<'_>, error: squall::Error) -> PyErr {
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
        E::Shape { .. } => value_error(py, "ShapeError", message),
        E::Parameter { .. } => value_error(py, "ParameterError", message),
        E::Limits { .. } => LimitsError::new_err(message),
        _ => UnsupportedError::new_err(message),
    }
}
