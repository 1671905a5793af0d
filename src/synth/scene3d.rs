//! The three-dimensional storm model behind a frame: reflectivity and polarimetric variables at any point.
//!
//! # Model
//! Heights are metres above mean sea level; the ground is at 0 m.
//! - **Convective cells**: the horizontal profile of [`CellTruth::dbz_at`] plus a vertical offset: 0 dB up to 55 %
//!   of the echo top, then a linear decrease to [`ECHO_TOP_DBZ`](crate::synth::cells::ECHO_TOP_DBZ) at the top on the axis, then −30 dB km⁻¹. Below the
//!   freezing level the cell is rain; above it ice (graupel and snow). In cells with [`CellTruth::hail`], the
//!   reflectivity above [`HAIL_CORE_DBZ`](crate::synth::cells::HAIL_CORE_DBZ) is hail (at every height), the rest rain or ice. Cells with a ZDR column
//!   hold supercooled rain (no hail) from the freezing level up to [`CellTruth::zdr_column_depth_m`] above it, in a
//!   column of 0.35 radius centred half a radius off the axis (across the major axis, on the left of it).
//! - **Stratiform background**: rain of the frame's background reflectivity below the melting layer (the 500 m
//!   below the freezing level); in the melting layer a bright band (wet snow) with up to +8 dB, +1.5 dB ZDR and
//!   ρhv down to 0.905; above, dry snow losing 6 dB km⁻¹, and −30 dB km⁻¹ more above the stratiform top.
//! - **Species** (ZDR dB, ρhv, KDP ° km⁻¹, fall speed m s⁻¹): rain ([`rain_zdr_db`](crate::synth::rain_zdr_db), [`rain_rhohv`](crate::synth::microphysics::rain_rhohv), KDP from the
//!   Marshall–Palmer rain rate through [`kdp_from_rain_rate`](crate::synth::kdp_from_rain_rate), [`rain_fall_speed_mps`](crate::synth::microphysics::rain_fall_speed_mps)); hail (0.2, 0.90, 0, 12);
//!   ice (0.3, 0.99, ≤ 0.05 × f/2.8 GHz, 2); snow (0.2, 0.99, 0.01 × f/2.8 GHz, 1); wet snow (rain + 1.5 s dB,
//!   0.985 − 0.08 s, blend, blend) with `s` the bright-band shape.
//! - **Mixtures** add horizontal reflectivity and KDP; vertical reflectivities add too (ZDR = ΣZ_h / Σ(Z_h/ζ_dr));
//!   ρhv and fall speed are reflectivity-weighted means; the class is the species with the largest reflectivity.

use chrono::{DateTime, Utc};
use ndarray::{Array2, Array3, Axis};
use rayon::prelude::*;

use super::cells::{CellTruth, ECHO_TOP_DBZ, HAIL_CORE_DBZ};
use super::microphysics::{
    decibel, frequency_scale, linear, rain_kdp_and_fall_speed, rain_rhohv, rain_zdr_db,
};
use super::motion::MotionField;
use super::scene::{ECHO_THRESHOLD_DBZ, NO_ECHO_DBZ};
use crate::geo::{Grid3, GridSpec};
use crate::volume::Band;

/// Depth of the melting layer below the freezing level, m.
pub const MELTING_LAYER_DEPTH_M: f64 = 500.0;

/// The dominant hydrometeor at a point (truth for hydrometeor classification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Hydrometeor {
    /// Nothing there.
    #[default]
    None = 0,
    /// Liquid drops (including supercooled drops in a ZDR column).
    Rain = 1,
    /// Hail, possibly mixed with rain.
    Hail = 2,
    /// Dry ice: graupel and snow of convective cells, snow above the stratiform melting layer.
    Ice = 3,
    /// Melting snow of the bright band.
    WetSnow = 4,
}

/// The radar variables of the model at one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointSample {
    /// Horizontal reflectivity factor, mm⁶ m⁻³ (0: nothing there).
    pub reflectivity_mm6_m3: f64,
    /// Differential reflectivity, dB (0 where there is nothing).
    pub zdr_db: f64,
    /// Co-polar correlation coefficient (1 where there is nothing).
    pub rhohv: f64,
    /// Specific differential phase, ° km⁻¹ (one-way).
    pub kdp_deg_per_km: f64,
    /// Reflectivity-weighted fall speed, m s⁻¹ (positive downwards).
    pub fall_speed_mps: f64,
    /// Dominant species.
    pub class: Hydrometeor,
}

impl PointSample {
    /// Reflectivity in dBZ (`-inf` where there is nothing).
    pub fn dbz(&self) -> f64 {
        decibel(self.reflectivity_mm6_m3)
    }
}

/// The three-dimensional scene at one time, as sampled by [`polar_volume`](super::polar_volume).
///
/// Made by [`StormSequence::scene_3d`](super::StormSequence::scene_3d); the fields are public so that a test can
/// move or edit cells.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene3d {
    /// The scene grid (cell positions are in its projection, m).
    pub spec: GridSpec,
    /// Valid time.
    pub time: DateTime<Utc>,
    /// The flow, used as the horizontal wind for Doppler velocities.
    pub motion: MotionField,
    /// Height of the 0 °C level above mean sea level, m.
    pub freezing_level_m: f64,
    /// The convective cells.
    pub cells: Vec<CellTruth>,
    /// Reflectivity factor of the stratiform rain near the ground, mm⁶ m⁻³, `(ny, nx)` on `spec` (interpolated
    /// bilinearly; nothing outside the grid).
    pub stratiform_z: Option<Array2<f32>>,
    /// Top of the stratiform echo, m above mean sea level.
    pub stratiform_top_m: f64,
    /// Seed of the radar noise streams for this scene.
    pub noise_seed: u64,
}

impl Scene3d {
    /// The radar variables at projection coordinates `(x, y)` (m) and `height_m` above mean sea level, for a radar
    /// at `frequency_mhz` (KDP depends on the band).
    ///
    /// # Examples
    /// ```
    /// use squall::synth::{CellId, CellSpec, Hydrometeor, SceneConfig};
    /// use squall::geo::GridSpec;
    /// let mut config = SceneConfig::new(1, GridSpec::centred_on(23.0, 113.0, 51, 1000.0).unwrap());
    /// config.cells.push(CellSpec::new(CellId(1), 0.0, 0.0, 58.0, 4_000.0));
    /// let scene = config.generate().unwrap().scene_3d(0).unwrap();
    /// let low = scene.sample(0.0, 0.0, 1_000.0, 2800.0);
    /// assert!((low.dbz() - 58.0).abs() < 1e-9);
    /// assert_eq!(low.class, Hydrometeor::Hail);
    /// assert_eq!(scene.sample(0.0, 0.0, 20_000.0, 2800.0).class, Hydrometeor::None);
    /// ```
    pub fn sample(&self, x_m: f64, y_m: f64, height_m: f64, frequency_mhz: f64) -> PointSample {
        let cells = self.prepare();
        let all: Vec<usize> = (0..cells.len()).collect();
        self.sample_prepared(
            &cells,
            &all,
            x_m,
            y_m,
            height_m,
            &BandPhysics::new(frequency_mhz),
        )
    }

    /// Reflectivity (dBZ, name `DBZH`) of the model on height levels above mean sea level, `(nz, ny, nx)`, with
    /// [`NO_ECHO_DBZ`] below [`ECHO_THRESHOLD_DBZ`]: the truth for gridding (CAPPI) and column products.
    pub fn to_grid3(&self, heights_m: &[f64]) -> Grid3 {
        let cells = self.prepare();
        let physics = BandPhysics::new(2800.0);
        let mut values = Array3::<f32>::zeros((heights_m.len(), self.spec.ny, self.spec.nx));
        values
            .axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(heights_m.par_iter())
            .for_each(|(mut level, &h)| {
                // Cells that reach this height at all.
                let reaching: Vec<usize> = (0..cells.len())
                    .filter(|&i| h <= cells[i].max_height_m())
                    .collect();
                let mut candidates = Vec::with_capacity(reaching.len());
                for (row, mut line) in level.axis_iter_mut(Axis(0)).enumerate() {
                    let y = self.spec.y0 + row as f64 * self.spec.dy;
                    candidates.clear();
                    candidates.extend(
                        reaching
                            .iter()
                            .copied()
                            .filter(|&i| (y - cells[i].y).abs() <= cells[i].reach_m),
                    );
                    for (col, v) in line.iter_mut().enumerate() {
                        let x = self.spec.x0 + col as f64 * self.spec.dx;
                        let dbz = self
                            .sample_prepared(&cells, &candidates, x, y, h, &physics)
                            .dbz();
                        *v = if dbz >= f64::from(ECHO_THRESHOLD_DBZ) {
                            dbz as f32
                        } else {
                            NO_ECHO_DBZ
                        };
                    }
                }
            });
        Grid3 {
            spec: self.spec.clone(),
            heights_m: heights_m.to_vec(),
            name: "DBZH".to_owned(),
            units: "dBZ".to_owned(),
            time: Some(self.time),
            values,
        }
    }

    /// Highest point of any echo of the model, m above mean sea level.
    pub(crate) fn max_echo_height_m(&self) -> f64 {
        let cells = self
            .prepare()
            .iter()
            .map(PreparedCell::max_height_m)
            .fold(f64::NEG_INFINITY, f64::max);
        let strat = if self.stratiform_z.is_some() {
            self.stratiform_top_m + 2_000.0
        } else {
            f64::NEG_INFINITY
        };
        cells.max(strat)
    }

    /// Per-cell constants of the model.
    pub(crate) fn prepare(&self) -> Vec<PreparedCell> {
        self.cells
            .iter()
            .map(|c| {
                let (sin, cos) = c.orientation_rad.sin_cos();
                let r2 = c.radius_m * c.radius_m;
                let column_offset = 0.5 * c.radius_m;
                PreparedCell {
                    x: c.centroid_x_m,
                    y: c.centroid_y_m,
                    cos,
                    sin,
                    inv_a2: 1.0 / (r2 * c.aspect_ratio),
                    inv_b2: c.aspect_ratio / r2,
                    peak_dbz: c.peak_dbz,
                    top_m: c.top_m,
                    hail: c.hail,
                    column_x: c.centroid_x_m - column_offset * sin,
                    column_y: c.centroid_y_m + column_offset * cos,
                    column_r2: (0.35 * c.radius_m).powi(2),
                    column_depth_m: c.zdr_column_depth_m,
                    reach_m: c.reach_m(),
                }
            })
            .collect()
    }

    /// The model at a point from the prepared cells listed in `candidates`.
    pub(crate) fn sample_prepared(
        &self,
        cells: &[PreparedCell],
        candidates: &[usize],
        x: f64,
        y: f64,
        h: f64,
        physics: &BandPhysics,
    ) -> PointSample {
        let mut mix = Mix::default();
        let h0 = self.freezing_level_m;
        for &i in candidates {
            let c = &cells[i];
            let (dx, dy) = (x - c.x, y - c.y);
            let along = dx * c.cos + dy * c.sin;
            let across = -dx * c.sin + dy * c.cos;
            let q = along * along * c.inv_a2 + across * across * c.inv_b2;
            let dbz = c.peak_dbz - 10.0 * q + vertical_offset_db(h, c.top_m, c.peak_dbz);
            if dbz < super::cells::CELL_CUTOFF_DBZ {
                continue;
            }
            let total = linear(dbz);
            let in_column = h >= h0
                && h < h0 + c.column_depth_m
                && (x - c.column_x).powi(2) + (y - c.column_y).powi(2) < c.column_r2;
            let hail = if c.hail && !in_column && dbz > HAIL_CORE_DBZ {
                total - linear(HAIL_CORE_DBZ)
            } else {
                0.0
            };
            let rest = total - hail;
            if h < h0 {
                mix.add_rain(rest, physics, 0.0);
            } else if in_column {
                mix.add_rain(rest, physics, 1.5);
            } else {
                let kdp = 0.05 * physics.ice_scale * (rest / linear(35.0)).min(1.0);
                mix.add(rest, 0.3, 0.99, kdp, 2.0, Hydrometeor::Ice);
            }
            if hail > 0.0 {
                mix.add(hail, 0.2, 0.90, 0.0, 12.0, Hydrometeor::Hail);
            }
        }
        if let Some(z_ground) = self.stratiform_at(x, y).filter(|&z| z > 0.0) {
            let ml_bottom = h0 - MELTING_LAYER_DEPTH_M;
            if h < ml_bottom {
                mix.add_rain(z_ground, physics, 0.0);
            } else if h < h0 {
                let f = (h - ml_bottom) / MELTING_LAYER_DEPTH_M;
                let s = (std::f64::consts::PI * f).sin();
                let dbz_ground = decibel(z_ground);
                let (kdp_rain, fall_rain) = rain_kdp_and_fall_speed(dbz_ground, physics.band);
                let kdp = (1.0 - f) * kdp_rain + f * 0.01 * physics.ice_scale;
                let fall = (1.0 - f) * fall_rain + f;
                mix.add(
                    z_ground * linear(8.0 * s),
                    rain_zdr_db(dbz_ground) + 1.5 * s,
                    0.985 - 0.08 * s,
                    kdp,
                    fall,
                    Hydrometeor::WetSnow,
                );
            } else {
                let above_top = (h - self.stratiform_top_m).max(0.0);
                let z = z_ground * linear(-6.0 * (h - h0) / 1_000.0 - 30.0 * above_top / 1_000.0);
                if decibel(z) >= super::cells::CELL_CUTOFF_DBZ {
                    mix.add(
                        z,
                        0.2,
                        0.99,
                        0.01 * physics.ice_scale,
                        1.0,
                        Hydrometeor::Ice,
                    );
                }
            }
        }
        mix.finish()
    }

    /// Bilinear interpolation of the stratiform reflectivity factor; `None` outside the grid or without background.
    fn stratiform_at(&self, x: f64, y: f64) -> Option<f64> {
        let z = self.stratiform_z.as_ref()?;
        let (r, c) = self.spec.index_of(x, y);
        let (ny, nx) = z.dim();
        if !(r >= 0.0 && c >= 0.0 && r <= (ny - 1) as f64 && c <= (nx - 1) as f64) {
            return None;
        }
        let (r0, c0) = (r.floor() as usize, c.floor() as usize);
        let (r1, c1) = ((r0 + 1).min(ny - 1), (c0 + 1).min(nx - 1));
        let (fr, fc) = (r - r0 as f64, c - c0 as f64);
        let v = |i: usize, j: usize| f64::from(z[[i, j]]);
        Some(
            (1.0 - fr) * ((1.0 - fc) * v(r0, c0) + fc * v(r0, c1))
                + fr * ((1.0 - fc) * v(r1, c0) + fc * v(r1, c1)),
        )
    }
}

/// Vertical offset (dB) of a convective cell's profile at height `h`: 0 up to 55 % of the top, then down to
/// [`ECHO_TOP_DBZ`](crate::synth::cells::ECHO_TOP_DBZ) at the top (on the axis), then −30 dB km⁻¹.
fn vertical_offset_db(h: f64, top: f64, peak: f64) -> f64 {
    let core = 0.55 * top;
    let drop = (peak - ECHO_TOP_DBZ).max(0.0);
    if h <= core {
        0.0
    } else if h <= top {
        -drop * (h - core) / (top - core)
    } else {
        -drop - 30.0 * (h - top) / 1_000.0
    }
}

/// Band-dependent constants.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BandPhysics {
    pub band: Band,
    pub ice_scale: f64,
}

impl BandPhysics {
    pub fn new(frequency_mhz: f64) -> BandPhysics {
        BandPhysics {
            band: Band::from_frequency_mhz(frequency_mhz),
            ice_scale: frequency_scale(frequency_mhz),
        }
    }
}

/// Per-cell constants used at every sample.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PreparedCell {
    pub x: f64,
    pub y: f64,
    cos: f64,
    sin: f64,
    inv_a2: f64,
    inv_b2: f64,
    peak_dbz: f64,
    top_m: f64,
    hail: bool,
    column_x: f64,
    column_y: f64,
    column_r2: f64,
    column_depth_m: f64,
    pub reach_m: f64,
}

impl PreparedCell {
    /// Height above which the cell contributes nothing (its axis falls below the cut-off), m.
    pub fn max_height_m(&self) -> f64 {
        let at_top = self.peak_dbz.min(ECHO_TOP_DBZ);
        self.top_m + 1_000.0 * ((at_top - super::cells::CELL_CUTOFF_DBZ) / 30.0).max(0.0)
    }
}

/// Accumulates species.
#[derive(Debug, Default)]
struct Mix {
    zh: f64,
    zv: f64,
    rho: f64,
    kdp: f64,
    fall: f64,
    best: (f64, Hydrometeor),
}

impl Mix {
    fn add(&mut self, z: f64, zdr_db: f64, rho: f64, kdp: f64, fall: f64, class: Hydrometeor) {
        if z <= 0.0 {
            return;
        }
        self.zh += z;
        self.zv += z * linear(-zdr_db);
        self.rho += z * rho;
        self.kdp += kdp;
        self.fall += z * fall;
        if z > self.best.0 {
            self.best = (z, class);
        }
    }

    /// Rain of reflectivity factor `z`, with ZDR at least `min_zdr_db`.
    fn add_rain(&mut self, z: f64, physics: &BandPhysics, min_zdr_db: f64) {
        if z <= 0.0 {
            return;
        }
        let dbz = decibel(z);
        let (kdp, fall) = rain_kdp_and_fall_speed(dbz, physics.band);
        self.add(
            z,
            rain_zdr_db(dbz).max(min_zdr_db),
            rain_rhohv(dbz),
            kdp,
            fall,
            Hydrometeor::Rain,
        );
    }

    fn finish(self) -> PointSample {
        if self.zh <= 0.0 {
            return PointSample {
                reflectivity_mm6_m3: 0.0,
                zdr_db: 0.0,
                rhohv: 1.0,
                kdp_deg_per_km: 0.0,
                fall_speed_mps: 0.0,
                class: Hydrometeor::None,
            };
        }
        PointSample {
            reflectivity_mm6_m3: self.zh,
            zdr_db: decibel(self.zh / self.zv),
            rhohv: self.rho / self.zh,
            kdp_deg_per_km: self.kdp,
            fall_speed_mps: self.fall / self.zh,
            class: self.best.1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{CellId, CellSpec, SceneConfig, StratiformConfig};

    fn scene(peak: f64, stratiform: bool) -> Scene3d {
        let spec = GridSpec::centred_on(23.0, 113.0, 101, 1000.0).unwrap();
        let mut config = SceneConfig::new(4, spec.clone());
        config.n_frames = 1;
        config
            .cells
            .push(CellSpec::new(CellId(1), 0.0, 0.0, peak, 5_000.0));
        if stratiform {
            let mut s = StratiformConfig::covering(&spec);
            s.centre_x_m = -30_000.0;
            s.centre_y_m = 0.0;
            config.stratiform = Some(s);
        }
        config.generate().unwrap().scene_3d(0).unwrap()
    }

    #[test]
    fn hail_core_has_low_zdr_and_rhohv() {
        let s = scene(60.0, false).sample(0.0, 0.0, 1_000.0, 2800.0);
        assert_eq!(s.class, Hydrometeor::Hail);
        assert!((0.0..=1.0).contains(&s.zdr_db), "{}", s.zdr_db);
        assert!((0.90..=0.94).contains(&s.rhohv), "{}", s.rhohv);
        // Rain of a 50-dBZ cell: ZDR ≈ 2.4 dB, ρhv ≈ 0.983.
        let r = scene(50.0, false).sample(0.0, 0.0, 1_000.0, 2800.0);
        assert_eq!(r.class, Hydrometeor::Rain);
        assert!((r.zdr_db - rain_zdr_db(50.0)).abs() < 1e-9);
        assert!(r.kdp_deg_per_km > 0.5);
    }

    #[test]
    fn ice_aloft_has_small_zdr_and_kdp_and_the_top_is_at_18_dbz() {
        let sc = scene(50.0, false);
        let top = sc.cells[0].top_m;
        let aloft = sc.sample(0.0, 0.0, 7_000.0, 9_400.0);
        assert_eq!(aloft.class, Hydrometeor::Ice);
        assert!(aloft.zdr_db < 0.5 && aloft.kdp_deg_per_km < 0.2);
        assert!((sc.sample(0.0, 0.0, top, 2800.0).dbz() - ECHO_TOP_DBZ).abs() < 1e-9);
        assert!(sc.sample(0.0, 0.0, top + 1_500.0, 2800.0).dbz() < -20.0);
    }

    #[test]
    fn stratiform_has_a_bright_band() {
        let sc = scene(45.0, true);
        let (x, y) = (-30_000.0, 0.0);
        let rain = sc.sample(x, y, 2_000.0, 2800.0);
        assert_eq!(rain.class, Hydrometeor::Rain);
        let band = sc.sample(x, y, 4_250.0, 2800.0);
        assert_eq!(band.class, Hydrometeor::WetSnow);
        assert!((band.dbz() - rain.dbz() - 8.0).abs() < 1e-6);
        assert!(band.rhohv < 0.92 && band.zdr_db > rain.zdr_db + 1.0);
        let snow = sc.sample(x, y, 6_000.0, 2800.0);
        assert_eq!(snow.class, Hydrometeor::Ice);
        assert!(snow.dbz() < rain.dbz());
    }

    #[test]
    fn zdr_column_lifts_drops_above_the_freezing_level() {
        let sc = scene(58.0, false);
        let c = &sc.cells[0];
        assert!(c.zdr_column_depth_m > 2_000.0);
        // Orientation 0: the column is half a radius north of the centre.
        let inside = sc.sample(0.0, 2_500.0, 5_500.0, 2800.0);
        assert_eq!(inside.class, Hydrometeor::Rain);
        assert!(inside.zdr_db >= 1.5);
        let outside = sc.sample(0.0, -2_500.0, 5_500.0, 2800.0);
        assert!(outside.zdr_db < 1.0);
    }

    #[test]
    fn grid3_matches_the_frame_near_the_ground() {
        let spec = GridSpec::centred_on(23.0, 113.0, 41, 1000.0).unwrap();
        let mut config = SceneConfig::new(4, spec);
        config.n_frames = 1;
        config
            .cells
            .push(CellSpec::new(CellId(1), 3_000.0, -2_000.0, 52.0, 4_000.0));
        let sequence = config.generate().unwrap();
        let grid = sequence.scene_3d(0).unwrap().to_grid3(&[500.0, 16_000.0]);
        assert_eq!(grid.values.dim(), (2, 41, 41));
        let diff = (&grid.values.index_axis(Axis(0), 0) - &sequence.frames[0].values)
            .iter()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(diff < 1e-4, "{diff}");
        assert!(
            grid.values
                .index_axis(Axis(0), 1)
                .iter()
                .all(|&v| v == NO_ECHO_DBZ)
        );
    }
}
