//! The streaming [`Nowcaster`]: one object that owns the state between scans and turns each new radar volume into
//! products, nowcasts and warnings.
//!
//! Volumes of several radars arrive asynchronously. The Nowcaster groups them into scan cycles by their scan time
//! ([`CycleSection`]); each volume is quality-controlled ([`crate::dualpol::process()`]) and gridded onto the mosaic
//! grid as it arrives (the mapping of each radar's scan geometry is built once and cached; C- and X-band gates
//! lose mosaic weight with their path-integrated attenuation), and when a cycle is
//! complete — every configured radar in, or the newest scan time seen has passed the cycle's end by
//! `cycle.wait_s` — it is computed:
//!
//! mosaic ([`crate::grid::Mosaic::merge`]) → products (composite, echo top, VIL, MESH/POSH, rain rate) → motion
//! (Lucas–Kanade) → cells (identify, track, forecast, threats) → ensemble (STEPS, adaptive or extrapolation) →
//! probabilities → warnings ([`crate::warn::WarningState`]).
//!
//! - **Out of order**: a cycle is computed only when complete, and cycles strictly in time order, so volumes
//!   arriving in any order within that window give the same updates as in order.
//! - **Late**: a volume of the latest computed cycle arriving within `cycle.tolerance_s` of its end recomputes
//!   that cycle from the state before it ([`Update::recomputed`]); a later one, or one of an older cycle, is
//!   dropped and [`Ingested::dropped`] says why.
//! - **Radar drop-out**: a cycle computed without some radars mosaics the others and lists the missing ones in
//!   [`Update::radars_missing`].
//! - **Restarts**: [`Nowcaster::save`] writes the state to a file and [`Nowcaster::restore`] continues from it as
//!   if the process had never stopped.
//!
//! ```no_run
//! use squall::pipeline::{Nowcaster, NowcasterConfig};
//! let config = NowcasterConfig::load("examples/nowcaster.toml")?;
//! let mut nowcaster = Nowcaster::new(config)?;
//! let volume = squall::io::open_volume("Z9200.bin")?;
//! let ingested = nowcaster.ingest(volume)?;
//! if let Some(reason) = &ingested.dropped {
//!     eprintln!("dropped: {reason}");
//! }
//! for update in &ingested.updates {
//!     println!("{}: {} warnings in {:.1} s", update.time, update.warnings.len(), update.timings.total_s());
//! }
//! # Ok::<(), squall::Error>(())
//! ```

/// The TOML configuration.
pub mod config;
mod motion;
mod quality;
mod state;
mod stopwatch;
/// What a cycle produces and how.
pub mod update;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};

pub use config::{
    CycleSection, GridSection, HistorySection, Method, NowcastSection, NowcasterConfig,
    ProductSection, QcSection, RadarEntry, ThresholdSection, WarningSection,
};
pub use update::{NowcastProducts, Products, Timings, Update};

use crate::cells::Tracker;
use crate::dualpol::process::names::{DBZH_CORRECTED, ZDR_CORRECTED};
use crate::dualpol::{self, TemperatureProfile};
use crate::error::{Error, Result};
use crate::geo::GridSpec;
use crate::grid::{GridConfig, Mosaic, MosaicConfig};
use crate::products::ZdrColumn;
use crate::volume::{Band, PolarVolume};
use crate::warn::WarningState;
use quality::add_attenuation_quality;
use state::{Core, LastCycle, Snapshot};
use stopwatch::Stopwatch;
use update::{Share, compute_cycle};

/// Reflectivity of the mosaic cells where the radars measured no echo, dBZ (no rain, but seen).
pub const NO_ECHO_DBZ: f32 = -32.0;

/// Why a volume was not used.
#[derive(Debug, Clone, PartialEq)]
pub enum Dropped {
    /// The volume's site id is not a configured radar.
    UnknownRadar {
        /// The volume's site id.
        radar: String,
    },
    /// The volume belongs to a cycle older than the latest computed one, which cannot be recomputed any more.
    Superseded {
        /// The radar.
        radar: String,
        /// Scan time of the volume.
        scan_time: DateTime<Utc>,
        /// Its cycle.
        cycle: DateTime<Utc>,
        /// The latest computed cycle.
        latest: DateTime<Utc>,
    },
    /// The volume belongs to the latest computed cycle but arrived after its tolerance.
    TooLate {
        /// The radar.
        radar: String,
        /// Scan time of the volume.
        scan_time: DateTime<Utc>,
        /// Its cycle.
        cycle: DateTime<Utc>,
        /// How far the newest scan time seen was past the cycle's end, s.
        late_s: f64,
        /// The tolerance, s.
        tolerance_s: f64,
    },
    /// The cycle already holds a volume of this radar with the same scan time.
    Duplicate {
        /// The radar.
        radar: String,
        /// Scan time of the volume.
        scan_time: DateTime<Utc>,
    },
}

impl fmt::Display for Dropped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dropped::UnknownRadar { radar } => {
                write!(f, "radar {radar:?} is not in the configuration")
            }
            Dropped::Superseded {
                radar,
                scan_time,
                cycle,
                latest,
            } => write!(
                f,
                "volume of {radar} at {scan_time} belongs to cycle {cycle}, older than the latest computed \
                 cycle {latest}"
            ),
            Dropped::TooLate {
                radar,
                scan_time,
                cycle,
                late_s,
                tolerance_s,
            } => write!(
                f,
                "volume of {radar} at {scan_time} arrived {late_s:.0} s after the end of its cycle {cycle} \
                 (tolerance {tolerance_s:.0} s)"
            ),
            Dropped::Duplicate { radar, scan_time } => {
                write!(f, "volume of {radar} at {scan_time} was already received")
            }
        }
    }
}

/// What [`Nowcaster::ingest`] did with a volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Ingested {
    /// Valid time of the cycle the volume was put in (None when dropped).
    pub cycle: Option<DateTime<Utc>>,
    /// Why the volume was not used, if it was not.
    pub dropped: Option<Dropped>,
    /// Updates computed because of this volume, oldest first (a recomputed cycle has
    /// [`Update::recomputed`] set).
    pub updates: Vec<Update>,
}

/// The streaming nowcaster (see the [module documentation](self)).
#[derive(Debug)]
pub struct Nowcaster {
    config: NowcasterConfig,
    spec: GridSpec,
    mosaic: Mosaic,
    snapshot: Snapshot,
}

impl Nowcaster {
    /// A nowcaster with no history.
    ///
    /// # Errors
    /// [`Error::Parameter`] for an invalid configuration; the errors of reading and mapping the warning regions
    /// ([`NowcasterConfig::warning_areas`]).
    pub fn new(config: NowcasterConfig) -> Result<Nowcaster> {
        config.validate()?;
        let spec = config.grid_spec();
        let mosaic = Mosaic::new(
            &spec,
            &config.grid.heights_m,
            GridConfig::default(),
            MosaicConfig::default(),
        )?;
        let warnings = match config.warning_areas()? {
            Some(areas) => {
                let rules = config
                    .warnings
                    .as_ref()
                    .map(|w| w.rules.clone())
                    .ok_or_else(|| Error::parameter("warnings", "none", "no warning rules"))?;
                Some(WarningState::new(rules, areas, spec.shape())?)
            }
            None => None,
        };
        let core = Core {
            frames: VecDeque::new(),
            tracker: Tracker::new(spec.clone(), config.tracker.clone())?,
            warnings,
        };
        Ok(Nowcaster {
            config,
            spec,
            mosaic,
            snapshot: Snapshot {
                clock: None,
                pending: BTreeMap::new(),
                last: None,
                core,
            },
        })
    }

    /// A nowcaster continuing from a state file written by [`Nowcaster::save`] with the same configuration: fed
    /// the same volumes afterwards, it gives the same updates as the nowcaster that saved it.
    ///
    /// # Errors
    /// As [`Nowcaster::new`]; [`Error::Io`] when the file cannot be read; [`Error::Decode`] for a damaged file;
    /// [`Error::Parameter`] when it was saved with a different configuration.
    pub fn restore(config: NowcasterConfig, path: impl AsRef<Path>) -> Result<Nowcaster> {
        let mut nowcaster = Nowcaster::new(config)?;
        nowcaster.snapshot = state::load(path.as_ref(), &nowcaster.config, &nowcaster.spec)?;
        Ok(nowcaster)
    }

    /// Writes the state (everything but the cached grid mappings) to `path`, replacing the file atomically.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be written.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        state::save(path.as_ref(), &self.config, &self.snapshot)
    }

    /// The configuration.
    pub fn config(&self) -> &NowcasterConfig {
        &self.config
    }

    /// The mosaic grid.
    pub fn spec(&self) -> &GridSpec {
        &self.spec
    }

    /// The cell tracker: the active tracks and those ended within `history.ended_tracks_s`.
    pub fn tracker(&self) -> &Tracker {
        &self.snapshot.core.tracker
    }

    /// The warning state (None without warnings configured).
    pub fn warnings(&self) -> Option<&WarningState> {
        self.snapshot.core.warnings.as_ref()
    }

    /// Valid times of the cycles that hold volumes but are not computed yet, oldest first.
    pub fn pending_cycles(&self) -> Vec<DateTime<Utc>> {
        self.snapshot
            .pending
            .keys()
            .map(|&k| self.cycle_time(k))
            .collect()
    }

    /// Takes one volume: QC and gridding now, then every cycle that became ready is computed.
    ///
    /// # Errors
    /// [`Error::Parameter`] for a volume whose site lies further from the configured radar than its
    /// `position_tolerance_m`, or that lacks the reflectivity moment (or, with QC on, a dual-polarisation
    /// moment); [`Error::Shape`] for an inconsistent volume; the errors of the stages. On error the state is
    /// unchanged, so the caller can log it and go on with the next volume.
    pub fn ingest(&mut self, volume: PolarVolume) -> Result<Ingested> {
        let radar_id = volume.site.id.clone();
        let Some(radar) = self.config.radar(&radar_id).cloned() else {
            return Ok(dropped(Dropped::UnknownRadar { radar: radar_id }));
        };
        let distance = great_circle_m(
            (radar.latitude_deg, radar.longitude_deg),
            (volume.site.latitude_deg, volume.site.longitude_deg),
        );
        if distance > radar.position_tolerance_m || distance.is_nan() {
            return Err(Error::parameter(
                &format!("volume of {radar_id}: site"),
                format!(
                    "{:.5} {:.5}",
                    volume.site.latitude_deg, volume.site.longitude_deg
                ),
                format!(
                    "is {distance:.0} m from the configured position (tolerance {} m)",
                    radar.position_tolerance_m
                ),
            ));
        }
        let scan_time = volume.start_time;
        let index = self.cycle_index(scan_time);
        let clock = self.snapshot.clock.map_or(scan_time, |c| c.max(scan_time));
        let cycle = self.cycle_time(index);
        let late = if let Some(last) = &self.snapshot.last {
            if index < last.index {
                return Ok(dropped(Dropped::Superseded {
                    radar: radar_id,
                    scan_time,
                    cycle,
                    latest: self.cycle_time(last.index),
                }));
            }
            if index == last.index {
                let late_s = (clock - self.cycle_time(index + 1)).as_seconds_f64();
                if late_s > self.config.cycle.tolerance_s {
                    self.snapshot.clock = Some(clock);
                    return Ok(dropped(Dropped::TooLate {
                        radar: radar_id,
                        scan_time,
                        cycle,
                        late_s,
                        tolerance_s: self.config.cycle.tolerance_s,
                    }));
                }
                if last
                    .shares
                    .get(&radar_id)
                    .is_some_and(|s| s.scan_time == scan_time)
                {
                    return Ok(dropped(Dropped::Duplicate {
                        radar: radar_id,
                        scan_time,
                    }));
                }
            }
            index == last.index
        } else {
            false
        };
        if !late
            && self
                .snapshot
                .pending
                .get(&index)
                .and_then(|p| p.get(&radar_id))
                .is_some_and(|s| s.scan_time == scan_time)
        {
            return Ok(dropped(Dropped::Duplicate {
                radar: radar_id,
                scan_time,
            }));
        }
        let share = self.process_volume(volume, &radar)?;
        self.snapshot.clock = Some(clock);
        let mut updates = Vec::new();
        if late {
            if let Some(last) = &mut self.snapshot.last {
                last.shares.insert(radar_id, share);
                let shares = last.shares.clone();
                self.snapshot.core = last.before.clone();
                updates.push(self.compute(index, &shares, true)?);
            }
        } else {
            self.snapshot
                .pending
                .entry(index)
                .or_default()
                .insert(radar_id, share);
        }
        updates.extend(self.advance(false)?);
        Ok(Ingested {
            cycle: Some(cycle),
            dropped: None,
            updates,
        })
    }

    /// Computes every pending cycle now, with the radars it has (end of a stream, or a wall-clock timeout in a
    /// server).
    ///
    /// # Errors
    /// The errors of the stages.
    pub fn flush(&mut self) -> Result<Vec<Update>> {
        self.advance(true)
    }

    /// Computes the pending cycles that are ready, oldest first, stopping at the first that is not.
    fn advance(&mut self, force: bool) -> Result<Vec<Update>> {
        let mut updates = Vec::new();
        while let Some((&index, shares)) = self.snapshot.pending.first_key_value() {
            let complete = shares.len() == self.config.radars.len();
            let waited = self.snapshot.clock.is_some_and(|c| {
                (c - self.cycle_time(index + 1)).as_seconds_f64() >= self.config.cycle.wait_s
            });
            if !(force || complete || waited) {
                break;
            }
            let Some((index, shares)) = self.snapshot.pending.pop_first() else {
                break;
            };
            let before = self.snapshot.core.clone();
            let update = self.compute(index, &shares, false);
            match update {
                Ok(update) => {
                    self.snapshot.last = Some(LastCycle {
                        index,
                        shares,
                        before,
                    });
                    updates.push(update);
                }
                Err(e) => {
                    // Leave the state as it was: the cycle's volumes are lost, the history is not.
                    self.snapshot.core = before;
                    return Err(e);
                }
            }
        }
        Ok(updates)
    }

    /// Computes cycle `index` from its shares, advancing the core state.
    fn compute(
        &mut self,
        index: i64,
        shares: &BTreeMap<String, Share>,
        recomputed: bool,
    ) -> Result<Update> {
        let ordered: Vec<(&str, &Share)> = self
            .config
            .radars
            .iter()
            .filter_map(|r| shares.get(&r.id).map(|s| (r.id.as_str(), s)))
            .collect();
        let time = self.cycle_time(index);
        compute_cycle(
            &self.config,
            &self.mosaic,
            &mut self.snapshot.core,
            time,
            &ordered,
            recomputed,
        )
    }

    /// QC and gridding of one volume.
    fn process_volume(&mut self, mut volume: PolarVolume, radar: &RadarEntry) -> Result<Share> {
        let clock = Stopwatch::start();
        let qc = &self.config.qc;
        let moment = if qc.enabled {
            let config = dualpol::Config {
                band: Some(radar.band),
                temperature: TemperatureProfile::StandardAtmosphere {
                    freezing_level_m: qc.freezing_level_m,
                },
                names: dualpol::MomentNames {
                    dbzh: qc.reflectivity.clone(),
                    ..dualpol::MomentNames::default()
                },
                // the mosaic reads the corrected reflectivity and the PIA (its quality), the ZDR products the ZDR
                outputs: dualpol::Outputs {
                    zdr: self.config.products.need_zdr(),
                    ..dualpol::Outputs::REFLECTIVITY
                },
                ..dualpol::Config::default()
            };
            dualpol::process_in_place(&mut volume, &config)?;
            if radar.band != Band::S {
                add_attenuation_quality(&mut volume, qc.pia_full_weight_db, qc.pia_zero_weight_db);
            }
            DBZH_CORRECTED
        } else {
            volume.validate()?;
            qc.reflectivity.as_str()
        };
        let (qc_s, qc_cpu_s) = clock.lap();
        let clock = Stopwatch::start();
        let contribution = self
            .mosaic
            .contribution(&volume, moment, Some(NO_ECHO_DBZ))?;
        let zdr = if qc.enabled && self.config.products.hdr {
            Some(self.mosaic.contribution(&volume, ZDR_CORRECTED, None)?)
        } else {
            None
        };
        // The ZDR column from the radar's own tilts: gridded volumes leave gaps between distant tilts.
        let zdr_column = if qc.enabled && self.config.products.zdr_column {
            Some(ZdrColumn::new(qc.freezing_level_m).contribution(
                &mut self.mosaic,
                &volume,
                moment,
                ZDR_CORRECTED,
            )?)
        } else {
            None
        };
        let (grid_s, grid_cpu_s) = clock.lap();
        Ok(Share {
            scan_time: volume.start_time,
            qc_s,
            grid_s,
            qc_cpu_s,
            grid_cpu_s,
            contribution,
            zdr,
            zdr_column,
        })
    }

    /// Index of the cycle holding a scan time.
    fn cycle_index(&self, time: DateTime<Utc>) -> i64 {
        let c = &self.config.cycle;
        let t = time.timestamp_millis() as f64 / 1000.0 - c.offset_s;
        (t / c.length_s).floor() as i64
    }

    /// Valid time (start) of cycle `index`.
    fn cycle_time(&self, index: i64) -> DateTime<Utc> {
        let c = &self.config.cycle;
        let ms = ((index as f64 * c.length_s + c.offset_s) * 1000.0).round() as i64;
        DateTime::UNIX_EPOCH + TimeDelta::milliseconds(ms)
    }
}

fn dropped(reason: Dropped) -> Ingested {
    Ingested {
        cycle: None,
        dropped: Some(reason),
        updates: Vec::new(),
    }
}

/// Great-circle distance between two (latitude, longitude) points in degrees, m (sphere of
/// [`crate::geo::EARTH_RADIUS_M`]).
fn great_circle_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = p2 - p1;
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * crate::geo::EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}
