//! The streaming warning state: one call per update turns the inputs into Alert / Update / Cancel messages, with
//! hysteresis so that a probability oscillating around a threshold does not make warnings flap.
//!
//! Per area and hazard the state is a small machine. Without a warning, a level is issued when the area's
//! probability reaches its `p_on`. With a warning at level L: a higher level whose `p_on` is reached upgrades at
//! once; a probability at or above L's `p_off` holds L (and extends it shortly before it expires); `cancel_after`
//! consecutive updates below L's `p_off` lower the warning to the highest level whose `p_off` is still reached, or
//! cancel it when none is. An update without data for a hazard changes nothing, except that a warning past its
//! expiry is then cancelled. The pair of issue and hold thresholds is a Schmitt trigger; the persistence count
//! adds a minimum dwell time before a warning is lowered, so that only a sustained decrease ends it.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::area::MappedArea;
use super::inputs::{AreaSignal, WarningInputs, cell_signal, combine};
use super::message::{Change, MsgType, Reference, WarningMessage};
use super::rules::{Hazard, HazardRule, Level, WarningConfig};
use crate::error::{Error, Result};
use crate::verify::RegionId;

/// A warning in force for one area and hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveWarning {
    /// The area.
    pub area_id: RegionId,
    /// The hazard.
    pub hazard: Hazard,
    /// Level in force.
    pub level: Level,
    /// Identifier of the first message.
    pub incident: String,
    /// Every message sent so far, oldest first.
    pub chain: Vec<Reference>,
    /// Expected onset.
    pub onset: DateTime<Utc>,
    /// Expiry of the last message.
    pub expires: DateTime<Utc>,
    /// Consecutive updates below the level's `p_off`.
    pub below: u32,
}

/// The warning state between updates; serialisable (serde) so a restarted process continues the same warnings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningState {
    config: WarningConfig,
    areas: Vec<MappedArea>,
    grid_shape: (usize, usize),
    active: Vec<ActiveWarning>,
    last_update: Option<DateTime<Utc>>,
    serial: u64,
}

fn seconds(s: f64) -> TimeDelta {
    TimeDelta::milliseconds((s * 1000.0).round() as i64)
}

impl WarningState {
    /// A state with no warning in force, for areas mapped (by [`super::map_areas`]) onto a grid of `grid_shape`
    /// `(ny, nx)`.
    ///
    /// # Errors
    /// [`Error::Parameter`] for an invalid configuration, no areas, or an area cell outside the grid.
    pub fn new(
        config: WarningConfig,
        areas: Vec<MappedArea>,
        grid_shape: (usize, usize),
    ) -> Result<WarningState> {
        config.validate()?;
        if areas.is_empty() {
            return Err(Error::parameter(
                "areas",
                0,
                "at least one warning area is needed",
            ));
        }
        for a in &areas {
            if a.cells
                .iter()
                .any(|&(r, c)| r >= grid_shape.0 || c >= grid_shape.1)
            {
                return Err(Error::parameter(
                    "areas",
                    a.area.id.0,
                    format!("has cells outside the {grid_shape:?} grid: map it onto this grid"),
                ));
            }
        }
        Ok(WarningState {
            config,
            areas,
            grid_shape,
            active: Vec::new(),
            last_update: None,
            serial: 0,
        })
    }

    /// The warnings in force.
    pub fn active(&self) -> &[ActiveWarning] {
        &self.active
    }

    /// The configuration.
    pub fn config(&self) -> &WarningConfig {
        &self.config
    }

    /// The mapped areas.
    pub fn areas(&self) -> &[MappedArea] {
        &self.areas
    }

    /// Processes one update at `time` and returns the messages it causes (possibly none), areas in the order
    /// given, hazards in the order heavy rain, hail, gale.
    ///
    /// # Errors
    /// [`Error::Parameter`] when `time` is not after the previous update; [`Error::Shape`] / [`Error::Parameter`]
    /// for probability grids that do not match the grid or hold values outside [0, 1]. On error the state is
    /// unchanged.
    pub fn update(
        &mut self,
        time: DateTime<Utc>,
        inputs: &WarningInputs,
    ) -> Result<Vec<WarningMessage>> {
        if let Some(last) = self.last_update.filter(|&last| time <= last) {
            return Err(Error::parameter(
                "time",
                time.to_rfc3339(),
                format!(
                    "updates must be in time order; the previous one was at {}",
                    last.to_rfc3339()
                ),
            ));
        }
        if let Some(p) = &inputs.rain_rate {
            p.validate("rain_rate", self.grid_shape)?;
        }
        if let Some(p) = &inputs.rain_accumulation {
            p.validate("rain_accumulation", self.grid_shape)?;
        }
        self.last_update = Some(time);
        let mut messages = Vec::new();
        for k in 0..self.areas.len() {
            for hazard in Hazard::ALL {
                let Some(rule) = self.config.rule(hazard).cloned() else {
                    continue;
                };
                let signal = self.signal(k, hazard, &rule, inputs);
                if let Some(m) = self.step(k, hazard, &rule, time, signal) {
                    messages.push(m);
                }
            }
        }
        Ok(messages)
    }

    fn signal(
        &self,
        k: usize,
        hazard: Hazard,
        rule: &HazardRule,
        inputs: &WarningInputs,
    ) -> Option<AreaSignal> {
        let area = &self.areas[k];
        match hazard {
            Hazard::HeavyRain => combine(
                inputs.rain_rate.as_ref().and_then(|p| p.signal(area, rule)),
                inputs
                    .rain_accumulation
                    .as_ref()
                    .and_then(|p| p.signal(area, rule)),
            ),
            Hazard::Hail => inputs
                .cells
                .as_ref()
                .map(|c| cell_signal(c, area, rule, |t| t.hail)),
            Hazard::Gale => inputs
                .cells
                .as_ref()
                .map(|c| cell_signal(c, area, rule, |t| t.gale)),
        }
    }

    fn step(
        &mut self,
        k: usize,
        hazard: Hazard,
        rule: &HazardRule,
        time: DateTime<Utc>,
        signal: Option<AreaSignal>,
    ) -> Option<WarningMessage> {
        let area_id = self.areas[k].area.id;
        let slot = self
            .active
            .iter()
            .position(|a| a.area_id == area_id && a.hazard == hazard);
        let onset_of = |s: &AreaSignal| time + seconds(s.onset_lead_s.unwrap_or(0.0));
        let Some(index) = slot else {
            let s = signal?;
            let level = rule.level_on(s.probability)?;
            let onset = onset_of(&s);
            return Some(self.emit(
                k,
                hazard,
                time,
                level,
                onset,
                rule,
                MsgType::Alert,
                Change::New,
                s.probability,
            ));
        };
        let active = self.active[index].clone();
        let Some(s) = signal else {
            return (time >= active.expires).then(|| {
                self.emit(
                    k,
                    hazard,
                    time,
                    active.level,
                    active.onset,
                    rule,
                    MsgType::Cancel,
                    Change::Cancel,
                    f32::NAN,
                )
            });
        };
        let p = s.probability;
        if let Some(up) = rule.level_on(p).filter(|&l| l > active.level) {
            let onset = active.onset.min(onset_of(&s)).max(time);
            return Some(self.emit(
                k,
                hazard,
                time,
                up,
                onset,
                rule,
                MsgType::Update,
                Change::Upgrade,
                p,
            ));
        }
        let p_off = rule.rule_of(active.level).map_or(0.0, |l| l.p_off);
        if p >= p_off {
            self.active[index].below = 0;
            return (time + seconds(rule.renew_before_s) >= active.expires).then(|| {
                self.emit(
                    k,
                    hazard,
                    time,
                    active.level,
                    active.onset.max(time),
                    rule,
                    MsgType::Update,
                    Change::Extend,
                    p,
                )
            });
        }
        self.active[index].below += 1;
        if self.active[index].below < rule.cancel_after {
            return None;
        }
        match rule.level_held(p).filter(|&l| l < active.level) {
            Some(lower) => Some(self.emit(
                k,
                hazard,
                time,
                lower,
                active.onset.max(time),
                rule,
                MsgType::Update,
                Change::Downgrade,
                p,
            )),
            None => Some(self.emit(
                k,
                hazard,
                time,
                active.level,
                active.onset,
                rule,
                MsgType::Cancel,
                Change::Cancel,
                p,
            )),
        }
    }

    /// Builds a message and records it in the active warning (created on Alert, removed on Cancel).
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        k: usize,
        hazard: Hazard,
        time: DateTime<Utc>,
        level: Level,
        onset: DateTime<Utc>,
        rule: &HazardRule,
        msg_type: MsgType,
        change: Change,
        probability: f32,
    ) -> WarningMessage {
        let area = &self.areas[k].area;
        self.serial += 1;
        let identifier = format!(
            "{}.{}.{}.{}",
            hazard.code(),
            area.id.0,
            time.format("%Y%m%d%H%M%S"),
            self.serial
        );
        let slot = self
            .active
            .iter()
            .position(|a| a.area_id == area.id && a.hazard == hazard);
        let (references, incident) = match slot {
            Some(i) => (
                self.active[i].chain.clone(),
                self.active[i].incident.clone(),
            ),
            None => (Vec::new(), identifier.clone()),
        };
        let expires = if msg_type == MsgType::Cancel {
            time
        } else {
            time + seconds(rule.valid_for_s)
        };
        let message = WarningMessage {
            identifier,
            sender: self.config.sender.clone(),
            status: self.config.status.clone(),
            sent: time,
            msg_type,
            change,
            references,
            incident,
            hazard,
            level,
            area_id: area.id,
            area_name: area.name.clone(),
            geometry: area.geometry.clone(),
            probability,
            onset,
            expires,
        };
        match (slot, msg_type) {
            (Some(i), MsgType::Cancel) => {
                self.active.remove(i);
            }
            (Some(i), _) => {
                let a = &mut self.active[i];
                a.level = level;
                a.onset = onset;
                a.expires = expires;
                a.below = 0;
                a.chain.push(message.reference());
            }
            (None, _) => self.active.push(ActiveWarning {
                area_id: area.id,
                hazard,
                level,
                incident: message.incident.clone(),
                chain: vec![message.reference()],
                onset,
                expires,
                below: 0,
            }),
        }
        message
    }
}
