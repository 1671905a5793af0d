//! Argument checks shared by the bindings.

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
