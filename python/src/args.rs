//! Argument checks shared by the bindings.

use numpy::{PyArray2, PyArray3, PyArrayMethods, PyReadonlyArray2, PyReadonlyArray3};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::errors::to_py;

/// The value paired with `value` in `choices` (pysteps-style string options, `None` included), or a
/// `ParameterError` naming `name` and listing the valid values.
pub fn choice<T: Copy>(
    py: Python<'_>,
    name: &str,
    value: Option<&str>,
    choices: &[(Option<&str>, T)],
) -> PyResult<T> {
    if let Some((_, chosen)) = choices.iter().find(|(option, _)| *option == value) {
        return Ok(*chosen);
    }
    let valid: Vec<String> = choices
        .iter()
        .map(|(option, _)| option.map_or_else(|| "None".to_owned(), |o| format!("'{o}'")))
        .collect();
    Err(to_py(
        py,
        squall::Error::parameter(
            name,
            value.unwrap_or("None"),
            format!("valid values: {}", valid.join(", ")),
        ),
    ))
}

/// A 2-D float array from numpy, borrowed as it is: float32 (Squall's working precision) or float64 (pysteps'
/// and numpy's default), so that neither is copied before a score reads it.
pub enum Field2<'py> {
    F32(PyReadonlyArray2<'py, f32>),
    F64(PyReadonlyArray2<'py, f64>),
}

/// A 3-D float array from numpy (an ensemble `(members, y, x)`), borrowed as it is: float32 or float64.
pub enum Field3<'py> {
    F32(PyReadonlyArray3<'py, f32>),
    F64(PyReadonlyArray3<'py, f64>),
}

/// Reads `obj` as one of two numpy array types, by a type check of each (a failed extraction would build a
/// Python exception, which costs more than a small score); `TypeError` naming `name` otherwise.
macro_rules! float_array {
    ($field:ident, $array:ident, $dims:literal) => {
        impl<'py> $field<'py> {
            /// `obj` as a float32 or float64 array of this many dimensions, borrowed read-only.
            pub fn extract(name: &str, obj: &Bound<'py, PyAny>) -> PyResult<Self> {
                if let Ok(a) = obj.cast::<$array<f32>>() {
                    return Ok($field::F32(a.try_readonly()?));
                }
                if let Ok(a) = obj.cast::<$array<f64>>() {
                    return Ok($field::F64(a.try_readonly()?));
                }
                Err(PyTypeError::new_err(format!(
                    "{name}: expected a {}-D float32 or float64 numpy array",
                    $dims
                )))
            }
        }
    };
}
float_array!(Field2, PyArray2, 2);
float_array!(Field3, PyArray3, 3);

/// Evaluates `$body` with `$x` and `$y` bound to the `ndarray` views of two [`Field2`]/[`Field3`] arguments
/// (`with_views!(Field3: members, Field2: obs, |m, o| …)`), whichever of float32 and float64 each one is: the body
/// is compiled once per combination.
macro_rules! with_views {
    ($ta:ident: $a:expr, $tb:ident: $b:expr, |$x:ident, $y:ident| $body:expr) => {
        match ($a, $b) {
            ($crate::args::$ta::F32(a), $crate::args::$tb::F32(b)) => {
                let ($x, $y) = (a.as_array(), b.as_array());
                $body
            }
            ($crate::args::$ta::F32(a), $crate::args::$tb::F64(b)) => {
                let ($x, $y) = (a.as_array(), b.as_array());
                $body
            }
            ($crate::args::$ta::F64(a), $crate::args::$tb::F32(b)) => {
                let ($x, $y) = (a.as_array(), b.as_array());
                $body
            }
            ($crate::args::$ta::F64(a), $crate::args::$tb::F64(b)) => {
                let ($x, $y) = (a.as_array(), b.as_array());
                $body
            }
        }
    };
}
pub(crate) use with_views;
