//! Convective cells: identification in 2-D and 3-D, tracking with merges and splits, cell forecasts and threat
//! classification.
//!
//! The pipeline of one scan: [`identify_2d`] (or [`identify_3d`]) finds the cells with nested thresholds,
//! [`measure`] gives each its properties, [`Tracker::update`] links them to the tracks of the previous scans
//! (recording merges and splits), [`forecast()`] extrapolates each track to 60 min with an uncertainty cone and
//! [`assess`] scores its threats (hail, damaging wind, heavy rain, severe convection). [`CellPipeline`] does all of
//! it, one composite frame at a time.

/// Weighted least-squares trend forecasts with an uncertainty cone.
pub mod forecast;
/// Nested-threshold identification with watershed splitting of clustered cores.
pub mod identify;
/// One call per frame: identify, measure, track, forecast and classify.
pub mod pipeline;
/// Per-cell properties (centroid, size, intensity, column products, outline, Doppler shear).
pub mod properties;
/// Threat classes with scores.
pub mod threat;
/// Streaming tracker: overlap and optimal assignment, merges, splits and gaps.
pub mod track;

pub use forecast::{CellForecast, ForecastConfig, ForecastStep, forecast};
pub use identify::{
    CellRegion, Identified, IdentifyConfig, column_maximum, identify_2d, identify_3d,
};
pub use pipeline::{CellPipeline, FrameCells};
pub use properties::{Cell, CellFields, Ellipse, VelocityDifference, measure};
pub use threat::{Threat, ThreatAssessment, ThreatConfig, ThreatLevel, assess};
pub use track::{
    Track, TrackEnd, TrackEvent, TrackEventKind, Tracker, TrackerConfig, TrackerState,
};
