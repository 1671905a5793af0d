//! Synthetic storm scenes: configuration, generation of reflectivity frames, and the truth behind them.

use chrono::{DateTime, TimeDelta, Utc};
use ndarray::{Array2, Array3, Axis};
use rand::Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use serde::Serialize;

use super::cells::{CellEvent, CellId, CellSpec, CellTruth};
use super::microphysics::{decibel, linear, rain_rate};
use super::motion::{MotionField, check_metric};
use super::scene3d::Scene3d;
use super::simulate::simulate;
use super::stratiform::{StratiformConfig, StratiformField, index_range};
use super::{Stream, stream_rng};
use crate::error::{Error, Result};
use crate::geo::{Grid2, GridSpec};

/// Value of "no echo" pixels in the frames, dBZ: every reflectivity below [`ECHO_THRESHOLD_DBZ`] is set to this.
pub const NO_ECHO_DBZ: f32 = -10.0;

/// Reflectivities below this (dBZ) are "no echo" in the frames.
pub const ECHO_THRESHOLD_DBZ: f32 = 0.0;

/// At most this many pixels over all frames of a sequence.
pub const MAX_SEQUENCE_PIXELS: u64 = 1 << 31;

/// Everything that defines a synthetic scene. The same configuration always gives the same [`StormSequence`].
#[derive(Debug, Clone, PartialEq)]
pub struct SceneConfig {
    /// Seed of every random stream of the scene (stratiform texture, pixel noise, radar noise).
    pub seed: u64,
    /// The grid of the frames; cell positions and motion are in its projection coordinates (m).
    pub spec: GridSpec,
    /// Valid time of frame 0.
    pub start_time: DateTime<Utc>,
    /// Number of frames (≥ 1).
    pub n_frames: usize,
    /// Time between frames, s.
    pub timestep_s: f64,
    /// Runge–Kutta sub-steps per time step for the trajectories (≥ 1).
    pub substeps: usize,
    /// The flow that carries cells and stratiform background.
    pub motion: MotionField,
    /// The convective cells.
    pub cells: Vec<CellSpec>,
    /// Scripted merges and splits.
    pub events: Vec<CellEvent>,
    /// The stratiform background, if any.
    pub stratiform: Option<StratiformConfig>,
    /// Height of the 0 °C level above mean sea level, m (rain below, ice above; the bright band just below it).
    pub freezing_level_m: f64,
    /// Standard deviation of Gaussian noise added to every echo pixel of the frames, dB (0: none).
    pub pixel_noise_db: f64,
}

/// Valid time of frame 0 unless configured: 2024-06-01 06:00 UTC.
pub fn default_start_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_717_221_600, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

impl SceneConfig {
    /// An empty scene on a grid: no cells, no background, no motion; 12 frames 5 min apart, 10 sub-steps, freezing
    /// level 4.5 km, no pixel noise.
    pub fn new(seed: u64, spec: GridSpec) -> SceneConfig {
        SceneConfig {
            seed,
            spec,
            start_time: default_start_time(),
            n_frames: 12,
            timestep_s: 300.0,
            substeps: 10,
            motion: MotionField::default(),
            cells: Vec::new(),
            events: Vec::new(),
            stratiform: None,
            freezing_level_m: 4_500.0,
            pixel_noise_db: 0.0,
        }
    }

    /// Runs the scene: trajectories, life cycles and events, then the reflectivity frames (in parallel over frames).
    ///
    /// # Errors
    /// [`Error::Unsupported`] for a longitude/latitude grid; [`Error::Parameter`] for an invalid time step, cell
    /// (non-finite value, radius ≤ 0, aspect < 1, duplicate id) or event (a parent not alive at the time,
    /// or already merging or splitting); [`Error::Limits`] beyond [`MAX_SEQUENCE_PIXELS`].
    pub fn generate(&self) -> Result<StormSequence> {
        self.validate()?;
        let stratiform = self.stratiform.as_ref().map(|s| {
            StratiformField::new(s, &mut stream_rng(self.seed, &[Stream::Stratiform as u64]))
        });
        let blobs0 = stratiform
            .as_ref()
            .map_or_else(Vec::new, |s| s.initial.clone());
        let trajectories = simulate(self, blobs0)?;
        let frames = (0..self.n_frames)
            .into_par_iter()
            .map(|k| {
                let strat = stratiform
                    .as_ref()
                    .map(|s| s.render(&trajectories.blobs[k], &self.spec));
                self.render(k, &trajectories.cells[k], strat.as_ref())
            })
            .collect::<Result<Vec<Grid2>>>()?;
        let truth = trajectories
            .cells
            .into_iter()
            .enumerate()
            .map(|(k, cells)| FrameTruth {
                time: self.frame_time(k),
                time_s: k as f64 * self.timestep_s,
                cells,
            })
            .collect();
        Ok(StormSequence {
            frames,
            truth,
            events: trajectories.events,
            config: self.clone(),
            stratiform,
            blob_positions: trajectories.blobs,
        })
    }

    /// Valid time of frame `k`.
    pub fn frame_time(&self, k: usize) -> DateTime<Utc> {
        let ms = (k as f64 * self.timestep_s * 1_000.0).round() as i64;
        self.start_time + TimeDelta::milliseconds(ms)
    }

    fn validate(&self) -> Result<()> {
        check_metric(&self.spec)?;
        if self.n_frames == 0 {
            return Err(Error::parameter("n_frames", 0, "need at least one frame"));
        }
        if !(self.timestep_s > 0.0 && self.timestep_s.is_finite()) {
            return Err(Error::parameter(
                "timestep_s",
                self.timestep_s,
                "must be positive and finite",
            ));
        }
        let physics_ok = self.freezing_level_m.is_finite()
            && self.pixel_noise_db >= 0.0
            && self.pixel_noise_db.is_finite();
        if !physics_ok {
            return Err(Error::parameter(
                "freezing_level_m / pixel_noise_db",
                format!("{} / {}", self.freezing_level_m, self.pixel_noise_db),
                "must be finite (and the noise non-negative)",
            ));
        }
        let pixels = (self.spec.ny as u64)
            .saturating_mul(self.spec.nx as u64)
            .saturating_mul(self.n_frames as u64);
        if pixels > MAX_SEQUENCE_PIXELS {
            return Err(Error::Limits {
                what: "synthetic sequence pixels".to_owned(),
                requested: pixels,
                limit: MAX_SEQUENCE_PIXELS,
            });
        }
        let mut ids: Vec<CellId> = self.cells.iter().map(|c| c.id).collect();
        for cell in &self.cells {
            let finite = [
                cell.birth_s,
                cell.x_m,
                cell.y_m,
                cell.peak_dbz,
                cell.orientation_rad,
                cell.top_m,
                cell.propagation_mps.0,
                cell.propagation_mps.1,
                cell.life.growth_s,
                cell.life.decay_s,
            ]
            .iter()
            .all(|v| v.is_finite());
            let life_ok =
                cell.life.growth_s >= 0.0 && cell.life.mature_s >= 0.0 && cell.life.decay_s >= 0.0;
            let shape_ok = cell.radius_m > 0.0
                && cell.radius_m.is_finite()
                && cell.aspect_ratio >= 1.0
                && cell.aspect_ratio.is_finite();
            if !(finite && life_ok && shape_ok) {
                return Err(Error::parameter(
                    "cells",
                    format!("{:?}", cell),
                    "values must be finite, radius > 0, aspect ratio ≥ 1, durations ≥ 0",
                ));
            }
        }
        for event in &self.events {
            match *event {
                CellEvent::Merge {
                    parents,
                    child,
                    time_s,
                    approach_s,
                } => {
                    let ok = parents[0] != parents[1]
                        && approach_s >= 0.0
                        && approach_s.is_finite()
                        && time_s.is_finite();
                    if !ok {
                        return Err(Error::parameter(
                            "events",
                            format!("{event:?}"),
                            "a merge needs two different parents, a finite time and approach_s ≥ 0",
                        ));
                    }
                    ids.push(child);
                }
                CellEvent::Split {
                    children,
                    time_s,
                    separation_m,
                    duration_s,
                    direction_rad,
                    ..
                } => {
                    let ok = time_s.is_finite()
                        && separation_m >= 0.0
                        && separation_m.is_finite()
                        && duration_s > 0.0
                        && duration_s.is_finite()
                        && direction_rad.is_finite();
                    if !ok {
                        return Err(Error::parameter(
                            "events",
                            format!("{event:?}"),
                            "a split needs a finite time and direction, separation_m ≥ 0 and duration_s > 0",
                        ));
                    }
                    ids.extend(children);
                }
            }
        }
        ids.sort();
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::parameter(
                "cells",
                w[0],
                "cell ids (including the children of events) must be unique",
            ));
        }
        Ok(())
    }

    /// The reflectivity frame `k` from its cells and background (linear Z of the background, if any).
    fn render(
        &self,
        k: usize,
        cells: &[CellTruth],
        stratiform: Option<&Array2<f32>>,
    ) -> Result<Grid2> {
        let spec = &self.spec;
        let mut z =
            stratiform.map_or_else(|| Array2::<f64>::zeros(spec.shape()), |s| s.mapv(f64::from));
        for cell in cells {
            let reach = cell.reach_m();
            let (cx, cy) = (cell.centroid_x_m, cell.centroid_y_m);
            let Some(cols) = index_range(cx - reach, cx + reach, spec.x0, spec.dx, spec.nx) else {
                continue;
            };
            let Some(rows) = index_range(cy - reach, cy + reach, spec.y0, spec.dy, spec.ny) else {
                continue;
            };
            for r in rows {
                for c in cols.clone() {
                    let (x, y) = spec.xy(r, c);
                    if let Some(dbz) = cell.dbz_at(x, y) {
                        z[[r, c]] += linear(dbz);
                    }
                }
            }
        }
        let mut rng = stream_rng(self.seed, &[Stream::Pixels as u64, k as u64]);
        let noise = self.pixel_noise_db;
        let values = z.mapv(|z| {
            let mut dbz = decibel(z);
            if noise > 0.0 && dbz >= f64::from(ECHO_THRESHOLD_DBZ) {
                dbz += noise * rng.sample::<f64, _>(StandardNormal);
            }
            if dbz >= f64::from(ECHO_THRESHOLD_DBZ) {
                dbz as f32
            } else {
                NO_ECHO_DBZ
            }
        });
        Grid2::new(
            spec.clone(),
            "DBZH",
            "dBZ",
            Some(self.frame_time(k)),
            values,
        )
    }
}

/// The known state of a scene at one frame.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrameTruth {
    /// Valid time.
    pub time: DateTime<Utc>,
    /// Seconds since frame 0.
    pub time_s: f64,
    /// The cells alive at this time, sorted by id.
    pub cells: Vec<CellTruth>,
}

impl FrameTruth {
    /// The cell with this id, if alive.
    pub fn cell(&self, id: CellId) -> Option<&CellTruth> {
        self.cells.iter().find(|c| c.id == id)
    }
}

/// Kind of a change of cell identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum EventKind {
    /// Two cells became one.
    Merge,
    /// One cell became two.
    Split,
}

/// A merge or split that happened in a sequence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventTruth {
    /// Merge or split.
    pub kind: EventKind,
    /// Time of the event, s after frame 0.
    pub time_s: f64,
    /// The cells that ended: two for a merge, one for a split.
    pub parents: Vec<CellId>,
    /// The cells that began: one for a merge, two for a split.
    pub children: Vec<CellId>,
    /// The first frame showing the children (`None` if the event is after the last frame).
    pub first_frame: Option<usize>,
}

/// A generated scene: reflectivity frames and their truth.
#[derive(Debug, Clone)]
pub struct StormSequence {
    /// Reflectivity frames `(ny, nx)`, name `DBZH`, dBZ, one per time step; no `NaN`: pixels below
    /// [`ECHO_THRESHOLD_DBZ`] hold [`NO_ECHO_DBZ`]. Cells and background add in linear reflectivity (mm⁶ m⁻³).
    pub frames: Vec<Grid2>,
    /// The truth of each frame.
    pub truth: Vec<FrameTruth>,
    /// Merges and splits in time order.
    pub events: Vec<EventTruth>,
    config: SceneConfig,
    stratiform: Option<StratiformField>,
    blob_positions: Vec<Vec<(f64, f64)>>,
}

impl StormSequence {
    /// The configuration that made this sequence.
    pub fn config(&self) -> &SceneConfig {
        &self.config
    }

    /// The frames stacked as `(t, ny, nx)`, dBZ.
    pub fn reflectivity_stack(&self) -> Array3<f32> {
        let views: Vec<_> = self.frames.iter().map(|g| g.values.view()).collect();
        ndarray::stack(Axis(0), &views).unwrap_or_else(|_| Array3::zeros((0, 0, 0)))
    }

    /// The true motion on the grid, `(2, ny, nx)` in pixels per time step (see
    /// [`MotionField::pixels_per_step`]).
    ///
    /// # Errors
    /// As [`MotionField::pixels_per_step`] (not for a sequence that was generated).
    pub fn motion_pixels(&self) -> Result<Array3<f32>> {
        self.config
            .motion
            .pixels_per_step(&self.config.spec, self.config.timestep_s)
    }

    /// The three-dimensional scene at frame `k`, to be sampled by a radar ([`polar_volume`](super::polar_volume))
    /// or on height levels.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `k` is not a frame index.
    pub fn scene_3d(&self, k: usize) -> Result<Scene3d> {
        if k >= self.frames.len() {
            return Err(Error::parameter(
                "frame",
                k,
                format!("the sequence has {} frames", self.frames.len()),
            ));
        }
        let stratiform = self
            .stratiform
            .as_ref()
            .map(|s| s.render(&self.blob_positions[k], &self.config.spec));
        Ok(Scene3d {
            spec: self.config.spec.clone(),
            time: self.truth[k].time,
            motion: self.config.motion,
            freezing_level_m: self.config.freezing_level_m,
            cells: self.truth[k].cells.clone(),
            stratiform_z: stratiform,
            stratiform_top_m: self.config.freezing_level_m
                + self
                    .stratiform
                    .as_ref()
                    .map_or(0.0, |s| s.depth_above_freezing_m()),
            noise_seed: super::mix(self.config.seed, &[Stream::Radar as u64, k as u64]),
        })
    }
}

/// Rain-rate frames (mm h⁻¹, name `rainfall_rate`) from a sequence by Marshall–Palmer ([`rain_rate`]); 0 where
/// there is no echo.
///
/// # Shape
/// One `(ny, nx)` grid per frame, same grid and times as the reflectivity.
pub fn to_rain_rate(sequence: &StormSequence) -> Vec<Grid2> {
    sequence
        .frames
        .iter()
        .map(|g| Grid2 {
            spec: g.spec.clone(),
            name: "rainfall_rate".to_owned(),
            units: "mm/h".to_owned(),
            time: g.time,
            values: g.values.mapv(|dbz| {
                if dbz >= ECHO_THRESHOLD_DBZ {
                    rain_rate(f64::from(dbz)) as f32
                } else {
                    0.0
                }
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::LifeCycle;

    fn one_cell_scene(motion: MotionField, x: f64, y: f64) -> SceneConfig {
        let spec = GridSpec::centred_on(23.0, 113.0, 160, 1_000.0).unwrap();
        let mut config = SceneConfig::new(11, spec);
        config.motion = motion;
        config
            .cells
            .push(CellSpec::new(CellId(1), x, y, 50.0, 4_000.0));
        config
    }

    /// Reflectivity-weighted centroid of the pixels above 30 dBZ, in fractional (row, col).
    fn frame_centroid(frame: &Grid2) -> (f64, f64) {
        let (mut w, mut r, mut c) = (0.0, 0.0, 0.0);
        for ((row, col), &v) in frame.values.indexed_iter() {
            if v >= 30.0 {
                let z = linear(f64::from(v));
                w += z;
                r += z * row as f64;
                c += z * col as f64;
            }
        }
        (r / w, c / w)
    }

    #[test]
    fn same_seed_same_sequence_and_different_seed_differs() {
        let a = SceneConfig::convective(5, 96).unwrap().generate().unwrap();
        let b = SceneConfig::convective(5, 96).unwrap().generate().unwrap();
        let c = SceneConfig::convective(6, 96).unwrap().generate().unwrap();
        assert_eq!(a.frames, b.frames);
        assert_eq!(a.truth, b.truth);
        assert_ne!(a.frames[3].values, c.frames[3].values);
        assert!(
            a.frames
                .iter()
                .all(|f| f.values.iter().all(|v| v.is_finite()))
        );
        assert!(a.frames.iter().all(|f| {
            f.values
                .iter()
                .all(|&v| v == NO_ECHO_DBZ || v >= ECHO_THRESHOLD_DBZ)
        }));
    }

    #[test]
    fn same_output_for_any_thread_count() {
        let config = SceneConfig::convective(9, 80).unwrap();
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| config.generate().unwrap());
        let many = config.generate().unwrap();
        assert_eq!(single.frames, many.frames);
    }

    #[test]
    fn uniform_motion_moves_the_rendered_cell_by_the_integral_of_the_flow() {
        let config = one_cell_scene(
            MotionField::Uniform { u: 12.0, v: -7.0 },
            -30_000.0,
            20_000.0,
        );
        let sequence = config.generate().unwrap();
        let (r0, c0) = frame_centroid(&sequence.frames[0]);
        for (k, frame) in sequence.frames.iter().enumerate() {
            let t = k as f64 * config.timestep_s;
            let (r, c) = frame_centroid(frame);
            // 1 km pixels, rows running north.
            assert!(
                (c - (c0 + 12.0 * t / 1_000.0)).abs() < 0.5,
                "frame {k}: col {c}"
            );
            assert!(
                (r - (r0 - 7.0 * t / 1_000.0)).abs() < 0.5,
                "frame {k}: row {r}"
            );
            let cell = &sequence.truth[k].cells[0];
            assert!((cell.centroid_x_m - (-30_000.0 + 12.0 * t)).abs() < 1e-6);
            assert!((cell.centroid_col - c).abs() < 0.5 && (cell.centroid_row - r).abs() < 0.5);
            assert_eq!(cell.velocity_mps, (12.0, -7.0));
        }
    }

    #[test]
    fn rotating_cell_keeps_its_distance_to_the_centre() {
        let (cx, cy) = (5_000.0, -5_000.0);
        let motion = MotionField::Rotation {
            centre_x: cx,
            centre_y: cy,
            angular_velocity_rad_s: 4e-4,
        };
        let mut config = one_cell_scene(motion, cx + 40_000.0, cy);
        config.substeps = 2;
        let sequence = config.generate().unwrap();
        // 11 steps of 300 s at 4e-4 rad/s: 1.32 rad.
        for frame in &sequence.truth {
            let c = &frame.cells[0];
            let r = (c.centroid_x_m - cx).hypot(c.centroid_y_m - cy);
            assert!((r / 40_000.0 - 1.0).abs() < 0.01, "{r}");
        }
        let last = &sequence.truth[11].cells[0];
        let angle = (last.centroid_y_m - cy).atan2(last.centroid_x_m - cx);
        assert!((angle - 1.32).abs() < 1e-3, "{angle}");
        // The rendered field follows too.
        let (row, col) = frame_centroid(&sequence.frames[11]);
        assert!((row - last.centroid_row).abs() < 0.5 && (col - last.centroid_col).abs() < 0.5);
    }

    #[test]
    fn shear_and_divergence_follow_their_analytic_trajectories() {
        let shear = MotionField::Shear {
            u0: 3.0,
            v0: 2.0,
            du_dy: 2e-4,
        };
        let sequence = one_cell_scene(shear, 0.0, 10_000.0).generate().unwrap();
        let c = &sequence.truth[10].cells[0];
        let t = 3_000.0;
        assert!((c.centroid_y_m - (10_000.0 + 2.0 * t)).abs() < 1e-6);
        let x = (3.0 + 2e-4 * 10_000.0) * t + 2e-4 * 2.0 * t * t / 2.0;
        assert!((c.centroid_x_m - x).abs() < 1e-6, "{}", c.centroid_x_m);

        let divergent = MotionField::Divergent {
            centre_x: 0.0,
            centre_y: 0.0,
            rate: 1e-4,
        };
        let sequence = one_cell_scene(divergent, 10_000.0, 0.0).generate().unwrap();
        let c = &sequence.truth[10].cells[0];
        assert!((c.centroid_x_m / (10_000.0 * 0.3f64.exp()) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn merge_records_both_parents_and_split_records_the_children() {
        let sequence = SceneConfig::convective(21, 128)
            .unwrap()
            .generate()
            .unwrap();
        let merge = sequence
            .events
            .iter()
            .find(|e| e.kind == EventKind::Merge)
            .unwrap();
        let split = sequence
            .events
            .iter()
            .find(|e| e.kind == EventKind::Split)
            .unwrap();
        assert_eq!(merge.parents.len(), 2);
        assert_eq!(split.children.len(), 2);

        let k = merge.first_frame.unwrap();
        let child = sequence.truth[k].cell(merge.children[0]).unwrap();
        assert_eq!(child.parents, merge.parents);
        for parent in &merge.parents {
            assert!(sequence.truth[k].cell(*parent).is_none());
            assert!(sequence.truth[k - 1].cell(*parent).is_some());
        }
        // The parents converge: closer in the frame before the merge than at the start.
        let gap = |f: &FrameTruth| {
            let (a, b) = (
                f.cell(merge.parents[0]).unwrap(),
                f.cell(merge.parents[1]).unwrap(),
            );
            (a.centroid_x_m - b.centroid_x_m).hypot(a.centroid_y_m - b.centroid_y_m)
        };
        assert!(gap(&sequence.truth[k - 1]) < 0.5 * gap(&sequence.truth[0]));
        // The child starts where its parents met.
        let before = &sequence.truth[k - 1];
        let mid_x = 0.5
            * (before.cell(merge.parents[0]).unwrap().centroid_x_m
                + before.cell(merge.parents[1]).unwrap().centroid_x_m);
        assert!((child.centroid_x_m - mid_x).abs() < 10_000.0);

        let k = split.first_frame.unwrap();
        assert!(sequence.truth[k].cell(split.parents[0]).is_none());
        assert!(sequence.truth[k - 1].cell(split.parents[0]).is_some());
        for id in &split.children {
            assert_eq!(sequence.truth[k].cell(*id).unwrap().parents, split.parents);
        }
        // The children move apart by the scripted separation (14 km over 990 s), relative to the uniform flow.
        let last = sequence.truth.last().unwrap();
        let (a, b) = (
            last.cell(split.children[0]).unwrap(),
            last.cell(split.children[1]).unwrap(),
        );
        let d = (a.centroid_x_m - b.centroid_x_m).hypot(a.centroid_y_m - b.centroid_y_m);
        assert!((d - 14_000.0).abs() < 1.0, "{d}");
    }

    #[test]
    fn merging_parents_meet_exactly_even_in_a_rotating_flow() {
        let spec = GridSpec::centred_on(23.0, 113.0, 120, 1_000.0).unwrap();
        let mut config = SceneConfig::new(1, spec);
        config.motion = MotionField::Rotation {
            centre_x: 0.0,
            centre_y: 0.0,
            angular_velocity_rad_s: 3e-4,
        };
        config
            .cells
            .push(CellSpec::new(CellId(1), 20_000.0, 0.0, 50.0, 3_000.0));
        config
            .cells
            .push(CellSpec::new(CellId(2), 35_000.0, 5_000.0, 45.0, 3_000.0));
        config.events.push(CellEvent::Merge {
            parents: [CellId(1), CellId(2)],
            child: CellId(3),
            time_s: 1_500.0,
            approach_s: 1_200.0,
        });
        let sequence = config.generate().unwrap();
        // Frame 4 (1200 s): still two cells, 300 s before the merge; frame 5: the child alone.
        assert_eq!(sequence.truth[4].cells.len(), 2);
        assert_eq!(sequence.truth[5].cells.len(), 1);
        assert_eq!(
            sequence.truth[5].cells[0].parents,
            vec![CellId(1), CellId(2)]
        );
        // Closing velocity: at frame 4 each parent moves towards the other.
        let (a, b) = (&sequence.truth[4].cells[0], &sequence.truth[4].cells[1]);
        let (ua, va) = a.velocity_mps;
        let (ub, vb) = b.velocity_mps;
        let rel = ((ub - ua) * (b.centroid_x_m - a.centroid_x_m)
            + (vb - va) * (b.centroid_y_m - a.centroid_y_m))
            .signum();
        assert_eq!(rel, -1.0);
    }

    #[test]
    fn events_with_missing_parents_and_duplicate_ids_are_refused() {
        let mut config = one_cell_scene(MotionField::default(), 0.0, 0.0);
        config.events.push(CellEvent::Split {
            parent: CellId(9),
            children: [CellId(2), CellId(3)],
            time_s: 600.0,
            separation_m: 5_000.0,
            duration_s: 600.0,
            direction_rad: 0.0,
        });
        let err = config.generate().unwrap_err();
        assert!(err.to_string().contains("cell 9 is not alive"), "{err}");
        config.events[0] = CellEvent::Split {
            parent: CellId(1),
            children: [CellId(1), CellId(3)],
            time_s: 600.0,
            separation_m: 5_000.0,
            duration_s: 600.0,
            direction_rad: 0.0,
        };
        assert!(
            config
                .generate()
                .unwrap_err()
                .to_string()
                .contains("unique")
        );
    }

    #[test]
    fn life_cycle_shapes_the_peak_and_area() {
        let mut config = one_cell_scene(MotionField::default(), 0.0, 0.0);
        config.cells[0].life = LifeCycle {
            growth_s: 900.0,
            mature_s: 900.0,
            decay_s: 900.0,
        };
        config.cells[0].birth_s = 0.0;
        let sequence = config.generate().unwrap();
        let peaks: Vec<f64> = sequence
            .truth
            .iter()
            .map(|f| f.cells.first().map_or(f64::NAN, |c| c.peak_dbz))
            .collect();
        assert!((peaks[0] - 25.0).abs() < 1e-9);
        assert!((peaks[3] - 50.0).abs() < 1e-9 && (peaks[5] - 50.0).abs() < 1e-9);
        assert!(peaks[7] < peaks[6]);
        // Dead after 2700 s (frame 9).
        assert!(sequence.truth[9].cells.is_empty());
        let mature = &sequence.truth[4].cells[0];
        let expected = std::f64::consts::PI * 16.0 * 1.5;
        assert!((mature.area_km2_above_35dbz - expected).abs() < 1e-9);
        // The rendered area agrees with the analytic one (1 km² pixels).
        let pixels = sequence.frames[4]
            .values
            .iter()
            .filter(|&&v| v >= 35.0)
            .count() as f64;
        assert!(
            (pixels - expected).abs() < 0.1 * expected,
            "{pixels} vs {expected}"
        );
    }

    #[test]
    fn marshall_palmer_rain_rates() {
        let spec = GridSpec::centred_on(23.0, 113.0, 160, 1_000.0).unwrap();
        let (x, y) = spec.xy(80, 80);
        let mut config = one_cell_scene(MotionField::default(), x, y);
        config.cells[0].peak_dbz = 39.010_3;
        config.n_frames = 1;
        let sequence = config.generate().unwrap();
        let rain = to_rain_rate(&sequence);
        assert_eq!(rain[0].units, "mm/h");
        let centre = rain[0].values[[80, 80]];
        assert!((centre - 10.0).abs() < 1e-3, "{centre}");
        assert_eq!(rain[0].values[[0, 0]], 0.0);
        let mp = 10.0 * (200.0 * 10f64.powf(1.6)).log10();
        assert!((mp - 39.01).abs() < 0.005);
    }

    #[test]
    fn motion_pixels_match_the_truth_velocity() {
        let sequence = one_cell_scene(MotionField::Uniform { u: 10.0, v: 5.0 }, 0.0, 0.0)
            .generate()
            .unwrap();
        let field = sequence.motion_pixels().unwrap();
        assert_eq!(field.dim(), (2, 160, 160));
        assert_eq!((field[[0, 5, 5]], field[[1, 5, 5]]), (3.0, 1.5));
        assert_eq!(sequence.reflectivity_stack().dim(), (12, 160, 160));
    }
}
