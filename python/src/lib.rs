use pyo3::prelude::*;

#[pymodule]
fn _squall(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
