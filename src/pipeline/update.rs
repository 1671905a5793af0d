//! What one scan cycle produces ([`Update`]) and how: mosaic → products → motion → cells → ensemble →
//! probabilities → warnings.

use chrono::{DateTime, TimeDelta, Utc};
use ndarray::{Array2, Array3, Array4, Axis, Zip, s};
use serde::Serialize;

use super::NO_ECHO_DBZ;
use super::config::{Method, NowcasterConfig};
use super::motion::{block_mean, coarse_motion, upsample};
use super::state::{Core, Frame};
use super::stopwatch::Stopwatch;
use crate::cells::{CellFields, FrameCells, Tracker, assess, forecast, identify_2d, measure};
use crate::error::{Error, Result};
use crate::geo::{Grid2, Grid3};
use crate::grid::{ColumnContribution, Contribution, Mosaic, composite};
use crate::nowcast::adaptive::{Adaptive, AdaptiveConfig};
use crate::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use crate::nowcast::probability::{ensemble_mean, exceedance_probability};
use crate::nowcast::steps::{NowcastInput, Nowcaster as _, Steps, StepsConfig};
use crate::nowcast::transform::DbTransform;
use crate::products::{
    HailHeights, echo_top, hdr, mesh, posh, rain_rate_from_reflectivity, severe_hail_index, vil,
};
use crate::warn::{CellThreat, ProbabilityForecast, WarningInputs, WarningMessage};

/// Reflectivity cap of the rain-rate estimate (hail contamination), dBZ.
const RAIN_CAP_DBZ: f32 = 55.0;

/// Seconds spent in each stage of one update. QC and gridding run when each volume arrives; their figures are
/// the sums over the cycle's volumes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Dual-polarisation QC of the cycle's volumes (sum).
    pub qc_s: f64,
    /// Gridding of the cycle's volumes onto the mosaic grid (sum; includes building a mapping for a new scan
    /// geometry).
    pub grid_s: f64,
    /// Merging the radars into the mosaic.
    pub mosaic_s: f64,
    /// Composite, echo top, VIL, hail indices, rain rate.
    pub products_s: f64,
    /// Motion estimation.
    pub motion_s: f64,
    /// Cell identification, tracking, forecasts and threats.
    pub cells_s: f64,
    /// The ensemble nowcast.
    pub ensemble_s: f64,
    /// Exceedance probabilities, accumulation and ensemble mean.
    pub probability_s: f64,
    /// Warning update.
    pub warnings_s: f64,
    /// CPU time of each stage (user + system, all threads of the process), in the order of [`Timings::stages`], s.
    /// Independent of the machine's load, unlike the wall-clock figures: on an idle machine with `n` cores a stage
    /// takes between `cpu / n` and `cpu` seconds. `NaN` where the platform does not report it.
    pub cpu_s: [f64; 9],
}

impl Timings {
    /// Sum of all stages, s: the time to turn the cycle's volumes into the update on one machine.
    pub fn total_s(&self) -> f64 {
        self.qc_s
            + self.grid_s
            + self.mosaic_s
            + self.products_s
            + self.motion_s
            + self.cells_s
            + self.ensemble_s
            + self.probability_s
            + self.warnings_s
    }

    /// `(name, seconds)` of every stage, in pipeline order.
    pub fn stages(&self) -> [(&'static str, f64); 9] {
        [
            ("qc", self.qc_s),
            ("grid", self.grid_s),
            ("mosaic", self.mosaic_s),
            ("products", self.products_s),
            ("motion", self.motion_s),
            ("cells", self.cells_s),
            ("ensemble", self.ensemble_s),
            ("probability", self.probability_s),
            ("warnings", self.warnings_s),
        ]
    }

    /// `(name, CPU seconds)` of every stage, in pipeline order (see [`Timings::cpu_s`]).
    pub fn cpu_stages(&self) -> [(&'static str, f64); 9] {
        let mut out = self.stages();
        for (o, &c) in out.iter_mut().zip(&self.cpu_s) {
            o.1 = c;
        }
        out
    }
}

/// The gridded products of one cycle, all on the Nowcaster's grid, `NaN` where no radar sees (the reflectivity is
/// [`super::NO_ECHO_DBZ`] where the radars measured no echo).
#[derive(Debug, Clone, PartialEq)]
pub struct Products {
    /// Mosaic reflectivity `(nz, ny, nx)`, dBZ (attenuation-corrected when QC is on).
    pub reflectivity: Grid3,
    /// Composite (column-maximum) reflectivity, dBZ.
    pub composite: Grid2,
    /// Echo top at the configured threshold, m above mean sea level.
    pub echo_top_m: Grid2,
    /// Vertically integrated liquid, kg m⁻².
    pub vil_kg_m2: Grid2,
    /// Maximum expected size of hail, mm.
    pub mesh_mm: Grid2,
    /// Probability of severe hail, %.
    pub posh_percent: Grid2,
    /// Rain rate from the lowest level with data (Marshall–Palmer, reflectivity capped at 55 dBZ; 0 where the
    /// radars saw no echo), mm h⁻¹.
    pub rain_rate_mm_h: Grid2,
    /// ZDR-column depth above the freezing level, m, from each radar's tilts
    /// ([`crate::products::ZdrColumn::depth_from_tilts`]: 1 dB, 40 dBZ), the radars merged by distance weight;
    /// with `products.zdr_column`.
    pub zdr_column_m: Option<Grid2>,
    /// Hail differential reflectivity `(nz, ny, nx)` ([`crate::products::hdr()`]), dB; with `products.hdr`.
    pub hdr_db: Option<Grid3>,
}

/// The ensemble nowcast of one cycle and its probabilities.
#[derive(Debug, Clone, PartialEq)]
pub struct NowcastProducts {
    /// Method name (`"steps"`, `"adaptive"`, `"extrapolation"`).
    pub method: &'static str,
    /// Lead time of each step, s (one cycle apart).
    pub lead_times_s: Vec<f64>,
    /// Motion `(2, ny, nx)` = (u, v), pixels per cycle (columns, rows).
    pub motion: Array3<f32>,
    /// Ensemble mean rain rate `(lead, ny, nx)`, mm h⁻¹.
    pub mean_mm_h: Array3<f32>,
    /// Rain-rate thresholds of `probability`, mm h⁻¹.
    pub thresholds_mm_h: Vec<f32>,
    /// P(rain rate ≥ threshold) `(threshold, lead, ny, nx)`.
    pub probability: Array4<f32>,
    /// P(rain rate ≥ heavy-rain threshold) per lead time: the heavy-rain warning input.
    pub heavy_rain: ProbabilityForecast,
    /// P(accumulation over the first hour ≥ threshold), one slice at the end of the hour.
    pub accumulation: ProbabilityForecast,
    /// The whole ensemble `(member, lead, ny, nx)`, mm h⁻¹, when `nowcast.keep_ensemble` is set.
    pub ensemble: Option<Array4<f32>>,
}

/// Everything one scan cycle produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// Valid time: the start of the cycle.
    pub time: DateTime<Utc>,
    /// Radars in the mosaic, in configuration order.
    pub radars_used: Vec<String>,
    /// Configured radars without a volume in this cycle.
    pub radars_missing: Vec<String>,
    /// This update replaces an earlier one of the same cycle (a late volume arrived within the tolerance).
    pub recomputed: bool,
    /// Gridded products.
    pub products: Products,
    /// Cells with their tracks, forecasts and threats.
    pub cells: FrameCells,
    /// The nowcast (`None` until three consecutive cycles are available; see `nowcast_note`).
    pub nowcast: Option<NowcastProducts>,
    /// Why there is no nowcast this cycle.
    pub nowcast_note: Option<String>,
    /// Warning messages issued by this cycle.
    pub warnings: Vec<WarningMessage>,
    /// Time of each stage.
    pub timings: Timings,
}

/// One radar's processed volume in a cycle.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Share {
    /// Scan start time of the volume.
    pub scan_time: DateTime<Utc>,
    /// QC time, s.
    pub qc_s: f64,
    /// Gridding time, s.
    pub grid_s: f64,
    /// CPU time of the QC, s.
    pub qc_cpu_s: f64,
    /// CPU time of the gridding, s.
    pub grid_cpu_s: f64,
    /// The radar's share of the mosaic.
    pub contribution: Contribution,
    /// Its share of the ZDR mosaic (attenuation-corrected ZDR), for HDR.
    pub zdr: Option<Contribution>,
    /// Its share of the ZDR-column depth (from its tilts), when asked for.
    pub zdr_column: Option<ColumnContribution>,
}

/// Computes one cycle from its radars' shares (in configuration order) and advances `core`.
pub(crate) fn compute_cycle(
    config: &NowcasterConfig,
    mosaic: &Mosaic,
    core: &mut Core,
    time: DateTime<Utc>,
    shares: &[(&str, &Share)],
    recomputed: bool,
) -> Result<Update> {
    let mut timings = Timings {
        qc_s: shares.iter().map(|(_, s)| s.qc_s).sum(),
        grid_s: shares.iter().map(|(_, s)| s.grid_s).sum(),
        ..Timings::default()
    };
    timings.cpu_s[0] = shares.iter().map(|(_, s)| s.qc_cpu_s).sum();
    timings.cpu_s[1] = shares.iter().map(|(_, s)| s.grid_cpu_s).sum();
    let clock = Stopwatch::start();
    let parts: Vec<&Contribution> = shares.iter().map(|(_, s)| &s.contribution).collect();
    let mut reflectivity = mosaic.merge(&parts)?;
    reflectivity.time = Some(time);
    let zdr_parts: Vec<&Contribution> = shares.iter().filter_map(|(_, s)| s.zdr.as_ref()).collect();
    let zdr = if config.products.hdr && !zdr_parts.is_empty() {
        let mut zdr = mosaic.merge(&zdr_parts)?;
        zdr.time = Some(time);
        Some(zdr)
    } else {
        None
    };
    let column_parts: Vec<&ColumnContribution> = shares
        .iter()
        .filter_map(|(_, s)| s.zdr_column.as_ref())
        .collect();
    let zdr_column = if config.products.zdr_column && !column_parts.is_empty() {
        Some(mosaic.merge_columns(&column_parts)?)
    } else {
        None
    };
    (timings.mosaic_s, timings.cpu_s[2]) = clock.lap();

    let clock = Stopwatch::start();
    let products = products_of(config, reflectivity, zdr.as_ref(), zdr_column)?;
    (timings.products_s, timings.cpu_s[3]) = clock.lap();

    let clock = Stopwatch::start();
    let length_s = config.cycle.length_s;
    core.push_frame(
        Frame {
            time,
            rain_mm_h: products.rain_rate_mm_h.values.clone(),
        },
        length_s,
    );
    let transform = DbTransform::default();
    let frames_db = core.recent_frames_db(&transform);
    let motion = match &frames_db {
        Some(f) if f.dim().0 >= 2 => {
            Some(coarse_motion(f.view(), config.nowcast.motion_coarsening)?)
        }
        _ => None,
    };
    (timings.motion_s, timings.cpu_s[4]) = clock.lap();

    let clock = Stopwatch::start();
    let cells = track_cells(config, &mut core.tracker, &products, time, motion.as_ref())?;
    (timings.cells_s, timings.cpu_s[5]) = clock.lap();

    let mut nowcast = None;
    let mut nowcast_note = None;
    match (&frames_db, &motion) {
        (Some(frames), Some(velocity)) if frames.dim().0 >= 3 => {
            let clock = Stopwatch::start();
            let ensemble = run_ensemble(config, frames, velocity, &transform)?;
            (timings.ensemble_s, timings.cpu_s[6]) = clock.lap();
            let clock = Stopwatch::start();
            nowcast = Some(probabilities(config, ensemble, velocity.clone())?);
            (timings.probability_s, timings.cpu_s[7]) = clock.lap();
        }
        _ => {
            nowcast_note = Some(format!(
                "{} consecutive cycle(s) available; the nowcast needs 3",
                frames_db.as_ref().map_or(1, |f| f.dim().0)
            ));
        }
    }

    let clock = Stopwatch::start();
    let mut warnings = Vec::new();
    if let Some(state) = &mut core.warnings {
        let threats = cells
            .forecasts
            .iter()
            .zip(&cells.threats)
            .map(|(f, t)| CellThreat::from_cells(f, t))
            .collect::<Result<Vec<_>>>()?;
        let inputs = WarningInputs {
            rain_rate: nowcast.as_ref().map(|n| n.heavy_rain.clone()),
            rain_accumulation: nowcast.as_ref().map(|n| n.accumulation.clone()),
            cells: Some(threats),
        };
        warnings = state.update(time, &inputs)?;
    }
    (timings.warnings_s, timings.cpu_s[8]) = clock.lap();

    let radars_used: Vec<String> = shares.iter().map(|(id, _)| (*id).to_owned()).collect();
    let radars_missing = config
        .radars
        .iter()
        .filter(|r| !radars_used.contains(&r.id))
        .map(|r| r.id.clone())
        .collect();
    Ok(Update {
        time,
        radars_used,
        radars_missing,
        recomputed,
        products,
        cells,
        nowcast,
        nowcast_note,
        warnings,
        timings,
    })
}

/// Composite, echo top, VIL, hail indices and rain rate of the mosaic, and the ZDR products the configuration asks
/// for (HDR from the ZDR mosaic; the merged ZDR-column depth as given).
fn products_of(
    config: &NowcasterConfig,
    reflectivity: Grid3,
    zdr: Option<&Grid3>,
    zdr_column: Option<Array2<f32>>,
) -> Result<Products> {
    let heights = &reflectivity.heights_m;
    let values = reflectivity.values.view();
    let field = |name: &str, units: &str, values: Array2<f32>| {
        Grid2::new(
            reflectivity.spec.clone(),
            name,
            units,
            reflectivity.time,
            values,
        )
    };
    let freezing = config.qc.freezing_level_m;
    let levels = HailHeights {
        freezing_level_m: freezing,
        minus20_level_m: config
            .qc
            .minus20_level_m
            .unwrap_or(freezing + 20.0 / crate::dualpol::temperature::STANDARD_LAPSE_RATE_K_PER_M),
    };
    let shi = severe_hail_index(values, heights, levels)?;
    let no_data = values.index_axis(Axis(0), 0).mapv(|_| true);
    let mut covered = no_data;
    Zip::from(&mut covered)
        .and(values.lanes(Axis(0)))
        .for_each(|c, column| *c = column.iter().all(|v| v.is_nan()));
    let mut mesh_mm = mesh(shi.view());
    let mut posh_percent = posh(shi.view(), freezing);
    for field in [&mut mesh_mm, &mut posh_percent] {
        Zip::from(field).and(&covered).for_each(|v, &none| {
            if none {
                *v = f32::NAN;
            }
        });
    }
    // Rain rate from the lowest level with data in each column (a hybrid scan on the grid levels).
    let mut rain = Array2::<f32>::from_elem((reflectivity.spec.ny, reflectivity.spec.nx), f32::NAN);
    Zip::from(&mut rain)
        .and(values.lanes(Axis(0)))
        .par_for_each(|r, column| {
            if let Some(&dbz) = column.iter().find(|v| !v.is_nan()) {
                *r = if dbz <= NO_ECHO_DBZ {
                    0.0
                } else {
                    rain_rate_from_reflectivity(dbz.min(RAIN_CAP_DBZ), 200.0, 1.6)
                };
            }
        });
    let zdr_column_m = zdr_column
        .map(|depth| field("zdr_column_depth", "m", depth))
        .transpose()?;
    let hdr_db = match zdr {
        Some(zdr) if config.products.hdr => Some(Grid3 {
            spec: zdr.spec.clone(),
            heights_m: zdr.heights_m.clone(),
            name: "hdr".to_owned(),
            units: "dB".to_owned(),
            time: zdr.time,
            values: hdr(values, zdr.values.view())?,
        }),
        _ => None,
    };
    Ok(Products {
        composite: composite(&reflectivity),
        echo_top_m: field(
            "echo_top",
            "m",
            echo_top(values, heights, config.thresholds.echo_top_dbz)?,
        )?,
        vil_kg_m2: field("vil", "kg m-2", vil(values, heights)?)?,
        mesh_mm: field("mesh", "mm", mesh_mm)?,
        posh_percent: field("posh", "%", posh_percent)?,
        rain_rate_mm_h: field("rainfall_rate", "mm/h", rain)?,
        zdr_column_m,
        hdr_db,
        reflectivity,
    })
}

/// Identification, measurement, tracking, forecasts and threats of the composite's cells.
fn track_cells(
    config: &NowcasterConfig,
    tracker: &mut Tracker,
    products: &Products,
    time: DateTime<Utc>,
    motion: Option<&Array3<f32>>,
) -> Result<FrameCells> {
    let composite = products.composite.values.view();
    let identified = identify_2d(composite, &products.composite.spec, &config.cells)?;
    let fields = CellFields {
        volume: Some(&products.reflectivity),
        echo_top_m: Some(products.echo_top_m.values.view()),
        vil_kg_m2: Some(products.vil_kg_m2.values.view()),
        mesh_mm: Some(products.mesh_mm.values.view()),
        posh: None,
        rain_rate_mm_h: Some(products.rain_rate_mm_h.values.view()),
        ..CellFields::default()
    };
    let mut cells = measure(&identified, composite, &fields, Some(time))?;
    let n_events = tracker.events().len();
    let ids = tracker.update_with_motion(
        &mut cells,
        time,
        motion.map(|m| (m.view(), config.cycle.length_s)),
    )?;
    let tracks: Vec<_> = ids.iter().filter_map(|&id| tracker.track(id)).collect();
    let forecast_config = crate::cells::ForecastConfig::default();
    let threat_config = crate::cells::ThreatConfig::default();
    let forecasts = tracks
        .iter()
        .map(|t| forecast(t, &forecast_config))
        .collect::<Result<Vec<_>>>()?;
    let threats = tracks
        .iter()
        .map(|t| assess(t, &tracks, &threat_config))
        .collect();
    let events = tracker.events()[n_events..].to_vec();
    let keep = TimeDelta::milliseconds((config.history.ended_tracks_s * 1000.0).round() as i64);
    tracker.prune_ended(time - keep);
    Ok(FrameCells {
        time,
        cells,
        forecasts,
        threats,
        events,
    })
}

/// The ensemble `(member, lead, ny, nx)` in mm h⁻¹ from the recent frames (dB) and motion.
fn run_ensemble(
    config: &NowcasterConfig,
    frames_db: &Array3<f32>,
    velocity: &Array3<f32>,
    transform: &DbTransform,
) -> Result<Array4<f32>> {
    let n = &config.nowcast;
    let factor = n.ensemble_coarsening;
    let (_, ny, nx) = frames_db.dim();
    let (frames_db, velocity) = if factor > 1 {
        let mut v = block_mean(velocity.view(), factor);
        v.mapv_inplace(|x| x / factor as f32);
        (block_mean(frames_db.view(), factor), v)
    } else {
        (frames_db.clone(), velocity.clone())
    };
    let input = NowcastInput {
        fields: frames_db.view(),
        velocity: velocity.view(),
        km_per_pixel: config.grid.spacing_m / 1000.0 * factor as f64,
        timestep_minutes: config.cycle.length_s / 60.0,
    };
    let leads = config.n_lead_times();
    let quiet = |_: usize, _: usize| ();
    let mut ensemble = match n.method {
        Method::Steps => Steps::new(StepsConfig {
            members: n.members,
            n_cascade_levels: n.cascade_levels,
            seed: n.seed,
            ..StepsConfig::default()
        })
        .forecast_db(&input, leads, &quiet)?,
        Method::Adaptive => Adaptive::new(AdaptiveConfig {
            members: n.members,
            n_cascade_levels: n.cascade_levels,
            seed: n.seed,
            ..AdaptiveConfig::default()
        })
        .forecast_db(&input, leads, &quiet)?,
        Method::Extrapolation => ExtrapolationNowcast::default().forecast(&input, leads, &quiet)?,
    };
    ensemble.par_mapv_inplace(|v| transform.inverse(v));
    if factor > 1 {
        let (members, leads, _, _) = ensemble.dim();
        let mut fine = Array4::<f32>::zeros((members, leads, ny, nx));
        for (mut f, c) in fine.outer_iter_mut().zip(ensemble.outer_iter()) {
            for (mut f, c) in f.outer_iter_mut().zip(c.outer_iter()) {
                f.assign(&upsample(c, factor, ny, nx));
            }
        }
        ensemble = fine;
    }
    Ok(ensemble)
}

/// Probabilities, accumulation probability and mean of an ensemble in mm h⁻¹.
fn probabilities(
    config: &NowcasterConfig,
    ensemble: Array4<f32>,
    motion: Array3<f32>,
) -> Result<NowcastProducts> {
    let (members, leads, ny, nx) = ensemble.dim();
    let step_s = config.cycle.length_s;
    let lead_times_s: Vec<f64> = (1..=leads).map(|k| k as f64 * step_s).collect();
    let t = &config.thresholds;
    let probability = exceedance_probability(ensemble.view(), &t.rain_rate_mm_h)?;
    let heavy =
        exceedance_probability(ensemble.view(), &[t.heavy_rain_mm_h])?.index_axis_move(Axis(0), 0);
    // Accumulation over the first hour (or the whole forecast if shorter): Σ rate · step.
    let hour = lead_times_s
        .iter()
        .take_while(|&&l| l <= 3600.0 + 1e-6)
        .count()
        .max(1);
    let mut accumulation = Array4::<f32>::zeros((members, 1, ny, nx));
    Zip::from(accumulation.index_axis_mut(Axis(1), 0))
        .and(ensemble.slice(s![.., ..hour, .., ..]).lanes(Axis(1)))
        .par_for_each(|a, lane| {
            // NaN (no data) propagates.
            *a = lane.iter().map(|&r| r * (step_s / 3600.0) as f32).sum();
        });
    let accumulation_p = exceedance_probability(accumulation.view(), &[t.accumulation_mm])?
        .index_axis_move(Axis(0), 0);
    let mean_mm_h = ensemble_mean(ensemble.view());
    let method = match config.nowcast.method {
        Method::Steps => "steps",
        Method::Adaptive => "adaptive",
        Method::Extrapolation => "extrapolation",
    };
    if heavy.dim() != (leads, ny, nx) {
        return Err(Error::Shape {
            what: "heavy-rain probability".into(),
            expected: format!("({leads}, {ny}, {nx})"),
            found: format!("{:?}", heavy.dim()),
        });
    }
    Ok(NowcastProducts {
        method,
        motion,
        mean_mm_h,
        thresholds_mm_h: t.rain_rate_mm_h.clone(),
        probability,
        heavy_rain: ProbabilityForecast {
            lead_times_s: lead_times_s.clone(),
            probability: heavy,
        },
        accumulation: ProbabilityForecast {
            lead_times_s: vec![lead_times_s[hour - 1]],
            probability: accumulation_p,
        },
        ensemble: config.nowcast.keep_ensemble.then_some(ensemble),
        lead_times_s,
    })
}
