//! Python bindings of Squall (`squall._squall`). Each binding extracts its arguments, runs the Rust call with the
//! GIL released and converts the result or error; no algorithm lives here.

use pyo3::prelude::*;

mod accumulators;
mod args;
mod cascade;
mod cells;
mod dualpol;
mod errors;
mod grid;
mod motion;
mod noise;
mod nowcast;
mod nowcasts;
mod sequence;
mod transformation;
mod verification;
mod volume;
mod warn;

/// The native module; its public names are re-exported by `squall/__init__.py`.
#[pymodule]
fn _squall(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    volume::register(m)?;
    nowcast::register(m)?;
    motion::register(m)?;
    verification::register(m)?;
    nowcasts::register(m)?;
    dualpol::register(m)?;
    sequence::register(m)?;
    accumulators::register(m)?;
    grid::register(m)?;
    cells::register(m)?;
    cascade::register(m)?;
    noise::register(m)?;
    transformation::register(m)?;
    warn::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
