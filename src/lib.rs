//! # Squall
//!
//! Weather-radar volumes to short-term forecasts of convective storms: ingest dual-polarisation radar data,
//! process and grid it, find and track storm cells, nowcast rain with ensembles, and issue warnings.
//!
//! The pipeline and module layout are described in `ARCHITECTURE.md`. Start with [`io::open_volume`] to read a
//! radar file into a [`volume::PolarVolume`], or with [`synth`] for synthetic storms with known truth.

#![warn(missing_docs)]

pub mod cells;
pub mod dualpol;
pub mod error;
pub mod geo;
pub mod grid;
pub mod io;
pub mod motion;
pub mod nowcast;
pub mod pipeline;
pub mod products;
pub mod render;
pub mod synth;
pub mod verify;
pub mod view3d;
pub mod volume;
pub mod warn;

pub use error::{Error, Result};
pub use volume::{Band, GateStatus, Moment, PolarVolume, Site, Sweep, SweepMode};
