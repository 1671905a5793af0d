//! Ready-made scenes: random convective cell populations and the standard convective scene.

use rand::Rng;

use super::cells::{CellEvent, CellId, CellSpec, LifeCycle, typical_top_m};
use super::motion::MotionField;
use super::scene::SceneConfig;
use super::stratiform::StratiformConfig;
use super::{Stream, stream_rng};
use crate::error::Result;
use crate::geo::GridSpec;

impl SceneConfig {
    /// A convective scene on an `n × n` grid of 1 km centred on 23° N, 113° E: uniform motion (8, 4) m s⁻¹, 12
    /// frames 5 min apart, [`random_cells`] (about one per 2500 km², at least 3), the
    /// [`StratiformConfig::covering`] background, and — when the grid is at least 64 km wide — one scripted merge
    /// and one scripted split of long-lived cells in the middle of the sequence.
    ///
    /// # Errors
    /// [`Error::Parameter`](crate::Error::Parameter) for `n == 0`.
    ///
    /// # Examples
    /// ```
    /// use squall::synth::SceneConfig;
    /// let sequence = SceneConfig::convective(7, 128).unwrap().generate().unwrap();
    /// assert_eq!(sequence.frames.len(), 12);
    /// assert_eq!(sequence.frames[0].values.dim(), (128, 128));
    /// assert_eq!(sequence.events.len(), 2);
    /// ```
    pub fn convective(seed: u64, n: usize) -> Result<SceneConfig> {
        let spec = GridSpec::centred_on(23.0, 113.0, n, 1_000.0)?;
        let mut config = SceneConfig::new(seed, spec);
        config.motion = MotionField::Uniform { u: 8.0, v: 4.0 };
        let duration = (config.n_frames - 1) as f64 * config.timestep_s;
        let count = (n * n / 2_500).clamp(3, 200);
        config.cells = random_cells(seed, &config.spec, &config.motion, count, duration, 1);
        config.stratiform = Some(StratiformConfig::covering(&config.spec));
        if n >= 64 {
            config.add_scripted_events(count as u32 + 1, duration);
        }
        Ok(config)
    }

    /// Adds a merge of two mature cells north of the centre and a split of one south of it, with ids from
    /// `first_id` to `first_id + 5`.
    fn add_scripted_events(&mut self, first_id: u32, duration: f64) {
        let (xa, ya) = self.spec.xy(0, 0);
        let (xb, yb) = self.spec.xy(self.spec.ny - 1, self.spec.nx - 1);
        let (xc, yc) = (0.5 * (xa + xb), 0.5 * (ya + yb));
        let half = 0.5 * (xb - xa).abs();
        let north = (yb - ya).signum();
        let life = LifeCycle {
            growth_s: 600.0,
            mature_s: 4.0 * duration + 3_600.0,
            decay_s: 900.0,
        };
        let birth_s = -900.0;
        // Positions at birth such that the cells are around their targets in mid-sequence.
        let place = |x: f64, y: f64, t: f64| self.motion.displace(x, y, birth_s - t, 20);
        let merge_time = 0.6 * duration;
        let ids = first_id;
        let spec = |id: u32, (x, y): (f64, f64), peak: f64, radius: f64| CellSpec {
            id: CellId(id),
            birth_s,
            x_m: x,
            y_m: y,
            peak_dbz: peak,
            radius_m: radius,
            aspect_ratio: 1.2,
            orientation_rad: 0.3,
            top_m: typical_top_m(peak),
            propagation_mps: (0.0, 0.0),
            life,
        };
        let target_y = yc + north * 0.45 * half;
        self.cells.push(spec(
            ids,
            place(xc - 8_000.0, target_y, merge_time),
            52.0,
            4_000.0,
        ));
        self.cells.push(spec(
            ids + 1,
            place(xc + 8_000.0, target_y + 1_000.0, merge_time),
            48.0,
            3_500.0,
        ));
        self.events.push(CellEvent::Merge {
            parents: [CellId(ids), CellId(ids + 1)],
            child: CellId(ids + 2),
            time_s: merge_time,
            approach_s: 0.5 * duration,
        });
        let split_time = 0.4 * duration;
        self.cells.push(spec(
            ids + 3,
            place(xc, yc - north * 0.45 * half, split_time),
            56.0,
            5_500.0,
        ));
        self.events.push(CellEvent::Split {
            parent: CellId(ids + 3),
            children: [CellId(ids + 4), CellId(ids + 5)],
            time_s: split_time,
            separation_m: 14_000.0,
            duration_s: 0.3 * duration,
            direction_rad: 60f64.to_radians(),
        });
    }
}

/// A population of random convective cells over a grid, reproducible from the seed.
///
/// Peaks 40–62 dBZ (weak cells more frequent: 40 + 22·u^1.5), radii 2–8 km, 60 % nearly circular (aspect 1–1.3)
/// and 40 % elliptical (1.3–2.5), random orientation, echo tops [`typical_top_m`] ± 0.5 km, life cycles of
/// 10–20 min growth, 20–50 min maturity and 10–20 min decay, births spread from before the start to 70 % of
/// `duration_s`. Each cell is placed so that the middle of its life falls at a uniformly drawn point of the inner
/// 80 % of the grid (moving back along `motion`). Cells are carried by the flow (no propagation). Ids run from
/// `first_id`.
pub fn random_cells(
    seed: u64,
    spec: &GridSpec,
    motion: &MotionField,
    count: usize,
    duration_s: f64,
    first_id: u32,
) -> Vec<CellSpec> {
    let mut rng = stream_rng(seed, &[Stream::Cells as u64]);
    let (xa, ya) = spec.xy(0, 0);
    let (xb, yb) = spec.xy(spec.ny.saturating_sub(1), spec.nx.saturating_sub(1));
    (0..count)
        .map(|i| {
            let peak_dbz = 40.0 + 22.0 * rng.random::<f64>().powf(1.5);
            let radius_m = rng.random_range(2_000.0..8_000.0);
            let aspect_ratio = if rng.random::<f64>() < 0.6 {
                rng.random_range(1.0..1.3)
            } else {
                rng.random_range(1.3..2.5)
            };
            let orientation_rad = rng.random_range(0.0..std::f64::consts::PI);
            let top_m = typical_top_m(peak_dbz) + rng.random_range(-500.0..500.0);
            let life = LifeCycle {
                growth_s: rng.random_range(600.0..1_200.0),
                mature_s: rng.random_range(1_200.0..3_000.0),
                decay_s: rng.random_range(600.0..1_200.0),
            };
            let total = life.duration_s();
            let birth_s =
                rng.random_range(-0.7 * total..(0.7 * duration_s.max(0.0)).max(-0.7 * total + 1.0));
            let fx = rng.random_range(0.1..0.9);
            let fy = rng.random_range(0.1..0.9);
            let (tx, ty) = (xa + fx * (xb - xa), ya + fy * (yb - ya));
            let (x_m, y_m) = motion.displace(tx, ty, -0.5 * total, 20);
            CellSpec {
                id: CellId(first_id + i as u32),
                birth_s,
                x_m,
                y_m,
                peak_dbz,
                radius_m,
                aspect_ratio,
                orientation_rad,
                top_m,
                propagation_mps: (0.0, 0.0),
                life,
            }
        })
        .collect()
}
