//! [`CellPipeline`]: identification, properties, tracking, forecasts and threats, one frame at a time.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::forecast::{CellForecast, ForecastConfig, forecast};
use super::identify::{IdentifyConfig, column_maximum, identify_2d, identify_3d};
use super::properties::{Cell, CellFields, measure};
use super::threat::{ThreatAssessment, ThreatConfig, assess};
use super::track::{TrackEvent, Tracker, TrackerConfig};
use crate::error::{Error, Result};
use crate::geo::{Grid2, Grid3, GridSpec};

/// The result of one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameCells {
    /// Valid time.
    pub time: DateTime<Utc>,
    /// The cells, with their track ids.
    pub cells: Vec<Cell>,
    /// The forecast of each cell's track (same order as `cells`).
    pub forecasts: Vec<CellForecast>,
    /// The threats of each cell (same order).
    pub threats: Vec<ThreatAssessment>,
    /// Merges and splits seen in this frame.
    pub events: Vec<TrackEvent>,
}

/// The whole cell chain with its state between frames.
#[derive(Debug, Clone)]
pub struct CellPipeline {
    /// Identification settings.
    pub identify: IdentifyConfig,
    /// Forecast settings.
    pub forecast: ForecastConfig,
    /// Threat settings.
    pub threat: ThreatConfig,
    tracker: Tracker,
}

impl CellPipeline {
    /// A pipeline for frames on one grid.
    ///
    /// # Errors
    /// As [`Tracker::new`].
    pub fn new(spec: GridSpec, identify: IdentifyConfig, tracker: TrackerConfig) -> Result<Self> {
        Ok(CellPipeline {
            identify,
            forecast: ForecastConfig::default(),
            threat: ThreatConfig::default(),
            tracker: Tracker::new(spec, tracker)?,
        })
    }

    /// The tracker (tracks, events).
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// Processes a composite reflectivity frame (dBZ) with optional extra fields.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a frame without time or on another grid, and the errors of the stages.
    pub fn process(&mut self, reflectivity: &Grid2, fields: &CellFields<'_>) -> Result<FrameCells> {
        self.check(reflectivity.spec.clone(), reflectivity.time)?;
        let identified = identify_2d(
            reflectivity.values.view(),
            &reflectivity.spec,
            &self.identify,
        )?;
        let cells = measure(
            &identified,
            reflectivity.values.view(),
            fields,
            reflectivity.time,
        )?;
        self.link(cells, reflectivity.time)
    }

    /// Processes a gridded reflectivity volume (dBZ) with 3-D identification; the volume also feeds the column
    /// properties.
    ///
    /// # Errors
    /// As [`CellPipeline::process`] and [`identify_3d`].
    pub fn process_volume(
        &mut self,
        volume: &Grid3,
        fields: &CellFields<'_>,
    ) -> Result<FrameCells> {
        self.check(volume.spec.clone(), volume.time)?;
        let identified = identify_3d(volume, &self.identify)?;
        let composite = column_maximum(volume.values.view());
        let fields = CellFields {
            volume: Some(volume),
            ..*fields
        };
        let cells = measure(&identified, composite.view(), &fields, volume.time)?;
        self.link(cells, volume.time)
    }

    fn check(&self, spec: GridSpec, time: Option<DateTime<Utc>>) -> Result<()> {
        if &spec != self.tracker.spec() {
            return Err(Error::Shape {
                what: "frame grid".into(),
                expected: format!("{:?}", self.tracker.spec()),
                found: format!("{spec:?}"),
            });
        }
        if time.is_none() {
            return Err(Error::parameter(
                "time",
                "None",
                "tracking needs the valid time of each frame",
            ));
        }
        Ok(())
    }

    fn link(&mut self, mut cells: Vec<Cell>, time: Option<DateTime<Utc>>) -> Result<FrameCells> {
        let time =
            time.ok_or_else(|| Error::parameter("time", "None", "tracking needs valid times"))?;
        let n_events = self.tracker.events().len();
        let ids = self.tracker.update(&mut cells, time)?;
        let tracks: Vec<_> = ids
            .iter()
            .filter_map(|&id| self.tracker.track(id))
            .collect();
        let forecasts = tracks
            .iter()
            .map(|t| forecast(t, &self.forecast))
            .collect::<Result<Vec<_>>>()?;
        let threats = tracks
            .iter()
            .map(|t| assess(t, &tracks, &self.threat))
            .collect();
        Ok(FrameCells {
            time,
            cells,
            forecasts,
            threats,
            events: self.tracker.events()[n_events..].to_vec(),
        })
    }
}
