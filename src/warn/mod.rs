//! Warnings for regions and points from nowcast probabilities and cell threats.
//!
//! 1. Read the areas ([`areas_from_geojson`]: districts and catchments as polygons, stations and hazard sites as
//!    points with a radius) and map them once onto the nowcast grid ([`map_areas`]).
//! 2. Configure a rule per hazard ([`WarningConfig`], serde: heavy rain from the probability of ≥ 20 mm/h or of
//!    ≥ 20 mm in an hour, hail and thunderstorm gale from the threat scores of forecast cells), with levels, issue and
//!    cancel thresholds (hysteresis), a lead-time window and a persistence count.
//! 3. Call [`WarningState::update`] on every new nowcast; it returns Alert / Update / Cancel messages whose
//!    identifiers and references chain each warning, and the state serialises for restarts.
//! 4. Write the messages as CAP 1.2 XML ([`to_cap_xml`]) or GeoJSON ([`to_geojson`]); replay a sequence with
//!    known events and score it ([`replay()`]).
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use squall::geo::GridSpec;
//! use squall::warn::*;
//! let spec = GridSpec::centred_on(50.0, 10.0, 41, 1000.0)?;
//! let station = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
//!     "properties": {"id": 1, "name": "gauge", "radius_m": 3000},
//!     "geometry": {"type": "Point", "coordinates": [10.0, 50.0]}}]}"#;
//! let areas = map_areas(&areas_from_geojson(station)?, &spec)?;
//! let config = WarningConfig {
//!     sender: "nowcast@example.org".into(), status: "Test".into(),
//!     heavy_rain: Some(HazardRule::three_levels([0.3, 0.6, 0.85])), hail: None, gale: None,
//! };
//! let mut state = WarningState::new(config, areas, spec.shape())?;
//! let inputs = WarningInputs {
//!     rain_rate: Some(ProbabilityForecast {
//!         lead_times_s: vec![0.0, 1800.0],
//!         probability: ndarray::Array3::from_elem((2, 41, 41), 0.7),
//!     }),
//!     ..Default::default()
//! };
//! let messages = state.update(Utc.with_ymd_and_hms(2024, 6, 5, 14, 0, 0).unwrap(), &inputs)?;
//! assert_eq!((messages[0].msg_type, messages[0].level), (MsgType::Alert, Level::Warning));
//! assert!(to_cap_xml(&messages[0]).contains("<msgType>Alert</msgType>"));
//! # Ok::<(), squall::Error>(())
//! ```

/// Regions and points from GeoJSON, mapped onto the grid.
pub mod area;
/// CAP 1.2 XML and GeoJSON output.
pub mod cap;
/// Probability grids and cell threats reduced to one signal per area.
pub mod inputs;
/// Warning messages.
pub mod message;
/// Replay of a sequence with verification.
pub mod replay;
/// Per-hazard rules (serde configuration).
pub mod rules;
/// Replay over a recorded radar sequence: tiled regions, nowcast probabilities, events from later frames.
pub mod sequence_replay;
/// The streaming warning state machine.
pub mod state;

pub use area::{Area, AreaGeometry, MappedArea, areas_from_geojson, map_areas, point_in_rings};
pub use cap::{CAP_NAMESPACE, to_cap_xml, to_geojson};
pub use inputs::{
    AreaSignal, CellStep, CellThreat, ProbabilityForecast, WarningInputs, cell_signal,
};
pub use message::{Change, MsgType, Reference, WarningMessage};
pub use replay::{ReplayFrame, ReplayReport, replay, warnings_of};
pub use rules::{Hazard, HazardRule, Level, LevelRule, WarningConfig};
pub use sequence_replay::{
    crop, nowcast_frames, persistence_frames, rain_events, tile_areas, to_rain_rate,
};
pub use state::{ActiveWarning, WarningState};
