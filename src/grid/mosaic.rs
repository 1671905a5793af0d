//! Several radars on one grid: each radar is gridded with its own cached [`GridMapping`], then the grids are
//! averaged cell by cell with weights for the distance from the radar, the distance to the nearest beam and the
//! gates' quality.

use std::collections::HashMap;
use std::sync::Arc;

use ndarray::{Array2, Array3, Axis, Zip};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::geo::{FourThirdsEarth, Grid3, GridSpec};
use crate::volume::PolarVolume;

use super::mapping::check_heights;
use super::{GridConfig, GridMapping, ScanGeometry};

/// Settings of the multi-radar weighting.
///
/// A radar's weight in a cell is `exp(−ρ²/L²) · exp(−Δh²/H²) · taper · Q`, with ρ the ground distance from the
/// radar, Δh the vertical distance from the cell to the nearest beam axis, H half the beam width at ρ (at least
/// `min_beam_half_width_m`), `taper` falling linearly from 1 to 0 over the outer `edge_taper` fraction of the
/// radar's range (so that a radar's coverage edge leaves no seam), and Q the mean of the quality moment over the
/// gates that reach the cell (1 when the volume has no such moment).
///
/// # References
/// Zhang, J., Howard, K. and Gourley, J. J., 2005: Constructing three-dimensional multiple-radar reflectivity
/// mosaics: examples of convective storms and stratiform rain echoes. *J. Atmos. Oceanic Technol.* 22, 30–42,
/// doi:10.1175/JTECH-1689.1 (distance weight exp(−r²/L²), L = 50 km; vertical weighting by the beam geometry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MosaicConfig {
    /// Horizontal distance scale L, m (50 km).
    pub distance_scale_m: f64,
    /// Smallest half beam width H used in the vertical weight, m (250 m).
    pub min_beam_half_width_m: f64,
    /// Fraction of the radar's range over which its weight tapers to 0 at the edge (0.1).
    pub edge_taper: f64,
    /// Name of a per-gate quality moment in \[0, 1\] (e.g. from attenuation correction), `"QUALITY"`.
    pub quality_moment: String,
}

impl Default for MosaicConfig {
    fn default() -> Self {
        MosaicConfig {
            distance_scale_m: 50_000.0,
            min_beam_half_width_m: 250.0,
            edge_taper: 0.1,
            quality_moment: "QUALITY".to_owned(),
        }
    }
}

/// One radar's share of a [`Mosaic`] ([`Mosaic::contribution`]), on the mosaic's grid `(nz, ny, nx)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// Name of the gridded moment.
    pub name: String,
    /// Its units.
    pub units: String,
    /// Scan time of the volume.
    pub time: Option<chrono::DateTime<chrono::Utc>>,
    /// The value of cells that only no-echo gates reach, as given to [`Mosaic::contribution`].
    pub no_echo_value: Option<f32>,
    /// Weight × value where the radar has a value, 0 elsewhere.
    pub weighted_sum: Array3<f32>,
    /// Weight (> 0) where the radar has a value, −1 where it saw no echo (with a no-echo value), 0 elsewhere.
    pub weight: Array3<f32>,
}

/// One radar's share of a 2-D field made from its volume on the mosaic's grid (e.g. a ZDR-column depth from its
/// tilts, [`crate::products::ZdrColumn::depth_from_tilts`]), from [`Mosaic::column_contribution`].
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnContribution {
    /// Weight × value where the radar has a value, 0 elsewhere, `(ny, nx)`.
    pub weighted_sum: Array2<f32>,
    /// The radar's horizontal weight (distance and edge taper, [`MosaicConfig`]; > 0) where it has a value, 0
    /// elsewhere, `(ny, nx)`.
    pub weight: Array2<f32>,
}

/// [`Contribution::weight`] of a cell where the radar saw no echo.
const NO_ECHO_WEIGHT: f32 = -1.0;

/// One radar's mapping and its geometric weights `(nz, ny, nx)`.
#[derive(Debug)]
struct RadarPlan {
    mapping: Arc<GridMapping>,
    weights: Array3<f32>,
}

/// A multi-radar mosaic on a fixed grid, holding one [`GridMapping`] per scan geometry seen so far.
///
/// # Examples
/// ```
/// use squall::geo::GridSpec;
/// use squall::grid::{GridConfig, Mosaic, MosaicConfig};
/// use squall::synth::{RadarConfig, SceneConfig, polar_volume, site_at};
/// let scene = SceneConfig::convective(3, 64).unwrap().generate().unwrap().scene_3d(0).unwrap();
/// let mut s = RadarConfig::x_band(site_at(&scene.spec, -10_000.0, 0.0, "A").unwrap());
/// let mut x = RadarConfig::x_band(site_at(&scene.spec, 10_000.0, 0.0, "B").unwrap());
/// s.elevations_deg.truncate(2);
/// x.elevations_deg.truncate(2);
/// let a = polar_volume(&scene, &s).unwrap().volume;
/// let b = polar_volume(&scene, &x).unwrap().volume;
/// let spec = GridSpec::centred_on(scene.spec.lonlat(32, 32).unwrap().1, scene.spec.lonlat(32, 32).unwrap().0, 41, 1000.0).unwrap();
/// let mut mosaic = Mosaic::new(&spec, &[1000.0, 2000.0], GridConfig::default(), MosaicConfig::default()).unwrap();
/// let both = mosaic.grid(&[&a, &b], "DBZH", None).unwrap();
/// let one = mosaic.grid(&[&a], "DBZH", None).unwrap(); // radar B missing: A alone
/// assert_eq!(both.values.dim(), one.values.dim());
/// assert_eq!(mosaic.n_mappings(), 2);
/// ```
#[derive(Debug)]
pub struct Mosaic {
    spec: GridSpec,
    heights_m: Vec<f64>,
    grid_config: GridConfig,
    config: MosaicConfig,
    plans: HashMap<ScanGeometry, Arc<RadarPlan>>,
}

impl Mosaic {
    /// A mosaic on `spec` × `heights_m` (m above mean sea level).
    ///
    /// # Errors
    /// [`Error::Parameter`] for invalid heights or settings.
    pub fn new(
        spec: &GridSpec,
        heights_m: &[f64],
        grid_config: GridConfig,
        config: MosaicConfig,
    ) -> Result<Mosaic> {
        check_heights(heights_m)?;
        grid_config.validate()?;
        let positive = |v: f64| v > 0.0 && v.is_finite();
        if !positive(config.distance_scale_m)
            || !positive(config.min_beam_half_width_m)
            || !(0.0..=1.0).contains(&config.edge_taper)
        {
            return Err(Error::parameter(
                "mosaic config",
                format!("{config:?}"),
                "scales must be positive and the edge taper within [0, 1]",
            ));
        }
        Ok(Mosaic {
            spec: spec.clone(),
            heights_m: heights_m.to_vec(),
            grid_config,
            config,
            plans: HashMap::new(),
        })
    }

    /// Number of cached mappings.
    pub fn n_mappings(&self) -> usize {
        self.plans.len()
    }

    /// The mapping for a volume's geometry: the cached one when it fits, else a new one (cached).
    ///
    /// # Errors
    /// As [`GridMapping::new`].
    pub fn mapping(&mut self, volume: &PolarVolume) -> Result<Arc<GridMapping>> {
        Ok(Arc::clone(&self.plan(volume)?.mapping))
    }

    fn plan(&mut self, volume: &PolarVolume) -> Result<Arc<RadarPlan>> {
        let key = ScanGeometry::of(volume);
        if let Some(plan) = self.plans.get(&key).filter(|p| p.mapping.fits(volume)) {
            return Ok(Arc::clone(plan));
        }
        let mapping = GridMapping::new(volume, &self.spec, &self.heights_m, self.grid_config)?;
        let weights = geometric_weights(&mapping, &self.config);
        let plan = Arc::new(RadarPlan {
            mapping: Arc::new(mapping),
            weights,
        });
        self.plans.insert(key, Arc::clone(&plan));
        Ok(plan)
    }

    /// Grids `moment` of every volume and merges them: per cell, the weighted mean of the radars that have a
    /// value there (see [`MosaicConfig`]). A radar absent from `volumes` simply does not contribute; a radar far
    /// from the grid contributes nothing; cells no radar reaches are `NaN`. With `no_echo_value`, cells where
    /// radars saw no echo get that value — unless another radar measured a value there, which then stands alone
    /// (an attenuated or overshooting beam does not dilute an echo). The same as [`Mosaic::contribution`] of each volume followed by [`Mosaic::merge`].
    ///
    /// # Errors
    /// [`Error::Parameter`] for no volumes or a volume without the moment; the errors of [`GridMapping::new`].
    pub fn grid(
        &mut self,
        volumes: &[&PolarVolume],
        moment: &str,
        no_echo_value: Option<f32>,
    ) -> Result<Grid3> {
        if volumes.is_empty() {
            return Err(Error::parameter("volumes", 0, "need at least one volume"));
        }
        let parts = volumes
            .iter()
            .map(|v| self.contribution(v, moment, no_echo_value))
            .collect::<Result<Vec<_>>>()?;
        self.merge(&parts.iter().collect::<Vec<_>>())
    }

    /// One radar's share of the mosaic: its gridded `moment` times its weight, and the weight, per cell. A
    /// streaming mosaic grids each volume as it arrives and merges the shares of a scan cycle with
    /// [`Mosaic::merge`] once the cycle is complete.
    ///
    /// # Errors
    /// As [`Mosaic::grid`].
    pub fn contribution(
        &mut self,
        volume: &PolarVolume,
        moment: &str,
        no_echo_value: Option<f32>,
    ) -> Result<Contribution> {
        let plan = self.plan(volume)?;
        // −∞ marks the cells only no-echo gates reach.
        let grid = plan
            .mapping
            .grid(volume, moment, no_echo_value.map(|_| f32::NEG_INFINITY))?;
        let quality = self.quality(&plan.mapping, volume)?;
        let mut weighted_sum = Array3::<f32>::zeros(grid.values.dim());
        let mut weight = weighted_sum.clone();
        Zip::from(&mut weighted_sum)
            .and(&mut weight)
            .and(&grid.values)
            .and(&plan.weights)
            .and(&quality)
            .par_for_each(|n, d, &v, &w, &q| {
                if v.is_finite() {
                    // Every radar with a value counts a little, even at zero quality or weight.
                    let w = (w * q).max(1e-6);
                    *n = w * v;
                    *d = w;
                } else if v == f32::NEG_INFINITY {
                    *d = NO_ECHO_WEIGHT;
                }
            });
        Ok(Contribution {
            name: grid.name,
            units: grid.units,
            time: grid.time,
            no_echo_value,
            weighted_sum,
            weight,
        })
    }

    /// One radar's share of a 2-D field `values` `(ny, nx)` made from `volume` on the mosaic's grid (`NaN` = no
    /// value): each value weighted by the radar's distance weight and edge taper (see [`MosaicConfig`]; the
    /// beam-gap weight has no meaning for a column). Merge the shares with [`Mosaic::merge_columns`].
    ///
    /// # Errors
    /// [`Error::Shape`] if `values` is not on the grid; the errors of [`GridMapping::new`].
    pub fn column_contribution(
        &mut self,
        volume: &PolarVolume,
        values: &Array2<f32>,
    ) -> Result<ColumnContribution> {
        if values.dim() != self.spec.shape() {
            return Err(Error::Shape {
                what: "column field".into(),
                expected: format!("{:?}", self.spec.shape()),
                found: format!("{:?}", values.dim()),
            });
        }
        let plan = self.plan(volume)?;
        let horizontal = horizontal_weights(&plan.mapping, &self.config);
        let mut weighted_sum = Array2::<f32>::zeros(values.dim());
        let mut weight = weighted_sum.clone();
        Zip::from(&mut weighted_sum)
            .and(&mut weight)
            .and(values)
            .and(&horizontal)
            .for_each(|n, d, &v, &w| {
                if v.is_finite() {
                    let w = (w as f32).max(1e-6);
                    *n = w * v;
                    *d = w;
                }
            });
        Ok(ColumnContribution {
            weighted_sum,
            weight,
        })
    }

    /// Merges radars' 2-D shares ([`Mosaic::column_contribution`]): Σ w·v / Σ w per column, `NaN` where no radar
    /// has a value.
    ///
    /// # Errors
    /// [`Error::Shape`] for a share not on this mosaic's grid.
    pub fn merge_columns(&self, contributions: &[&ColumnContribution]) -> Result<Array2<f32>> {
        let dim = self.spec.shape();
        let mut numerator = Array2::<f32>::zeros(dim);
        let mut denominator = numerator.clone();
        for part in contributions {
            if part.weighted_sum.dim() != dim || part.weight.dim() != dim {
                return Err(Error::Shape {
                    what: "column contribution".into(),
                    expected: format!("{dim:?}"),
                    found: format!("{:?}", part.weight.dim()),
                });
            }
            numerator += &part.weighted_sum;
            denominator += &part.weight;
        }
        Zip::from(&mut numerator)
            .and(&denominator)
            .for_each(|n, &d| *n = if d > 0.0 { *n / d } else { f32::NAN });
        Ok(numerator)
    }

    /// Merges radars' shares ([`Mosaic::contribution`]) into the mosaic: Σ w·v / Σ w per cell, summed in the
    /// order given (give them in a fixed radar order for results independent of the arrival order); the no-echo
    /// value where radars saw only no echo; `NaN` where no radar has a value. Name, units and time are those of the first share.
    ///
    /// # Errors
    /// [`Error::Parameter`] for no shares; [`Error::Shape`] for a share not on this mosaic's grid.
    pub fn merge(&self, contributions: &[&Contribution]) -> Result<Grid3> {
        let first = contributions
            .first()
            .ok_or_else(|| Error::parameter("contributions", 0, "need at least one radar"))?;
        let dim = (self.heights_m.len(), self.spec.ny, self.spec.nx);
        let mut numerator = Array3::<f32>::zeros(dim);
        let mut denominator = numerator.clone();
        for part in contributions {
            if part.weighted_sum.dim() != dim || part.weight.dim() != dim {
                return Err(Error::Shape {
                    what: "mosaic contribution".into(),
                    expected: format!("{dim:?}"),
                    found: format!("{:?}", part.weight.dim()),
                });
            }
            Zip::from(&mut numerator)
                .and(&mut denominator)
                .and(&part.weighted_sum)
                .and(&part.weight)
                .par_for_each(|n, d, &v, &w| {
                    if w > 0.0 {
                        // A no-echo mark (d < 0) gives way to the first value.
                        *n += v;
                        *d = d.max(0.0) + w;
                    } else if w == NO_ECHO_WEIGHT && *d == 0.0 {
                        *d = NO_ECHO_WEIGHT;
                    }
                });
        }
        let no_echo = contributions
            .iter()
            .find_map(|c| c.no_echo_value)
            .unwrap_or(f32::NAN);
        let mut values = numerator;
        Zip::from(&mut values)
            .and(&denominator)
            .par_for_each(|out, &d| {
                *out = if d > 0.0 {
                    *out / d
                } else if d == NO_ECHO_WEIGHT {
                    no_echo
                } else {
                    f32::NAN
                }
            });
        Ok(Grid3 {
            spec: self.spec.clone(),
            heights_m: self.heights_m.clone(),
            name: first.name.clone(),
            units: first.units.clone(),
            time: first.time,
            values,
        })
    }

    /// Mean quality per cell in \[0, 1\] (1 where the volume has no quality moment or no gate reaches the cell).
    fn quality(&self, mapping: &GridMapping, volume: &PolarVolume) -> Result<Array3<f32>> {
        let name = &self.config.quality_moment;
        let has = volume.sweeps.iter().any(|s| s.moment(name).is_some());
        if !has {
            return Ok(Array3::from_elem(
                (self.heights_m.len(), self.spec.ny, self.spec.nx),
                1.0,
            ));
        }
        let mut q = mapping.grid(volume, name, None)?.values;
        q.par_mapv_inplace(|v| if v.is_nan() { 1.0 } else { v.clamp(0.0, 1.0) });
        Ok(q)
    }
}

/// Distance and edge weights of one radar on the mapping's grid, `(ny, nx)`.
fn horizontal_weights(mapping: &GridMapping, config: &MosaicConfig) -> Array2<f64> {
    let spec = mapping.spec();
    let (xr, yr) = mapping.radar_xy_m();
    let edge = mapping.max_ground_range_m();
    let taper_width = (config.edge_taper * edge).max(1.0);
    let l2 = config.distance_scale_m.powi(2);
    Array2::from_shape_fn(spec.shape(), |(row, col)| {
        let (x, y) = spec.xy(row, col);
        let rho = (x - xr).hypot(y - yr);
        (-rho * rho / l2).exp() * ((edge - rho) / taper_width).clamp(0.0, 1.0)
    })
}

/// Distance, beam-gap and edge weights of one radar on the mapping's grid, `(nz, ny, nx)`.
fn geometric_weights(mapping: &GridMapping, config: &MosaicConfig) -> Array3<f32> {
    let spec = mapping.spec();
    let heights = mapping.heights_m();
    let (xr, yr) = mapping.radar_xy_m();
    let altitude = mapping.radar_altitude_m();
    let ka = FourThirdsEarth::default().effective_radius_m;
    let tans: Vec<f64> = mapping
        .elevations_deg()
        .iter()
        .map(|e| e.to_radians().tan())
        .collect();
    let half_beam = (mapping.beam_width_deg().max(0.1) / 2.0).to_radians().tan();
    let horizontal = horizontal_weights(mapping, config);
    let mut weights = Array3::<f32>::zeros((heights.len(), spec.ny, spec.nx));
    weights
        .axis_iter_mut(Axis(1))
        .into_par_iter()
        .enumerate()
        .for_each(|(row, mut plane)| {
            for col in 0..spec.nx {
                let (x, y) = spec.xy(row, col);
                let rho = (x - xr).hypot(y - yr);
                let horizontal = horizontal[[row, col]];
                let h_width = (rho * half_beam).max(config.min_beam_half_width_m);
                // Beam axis heights at this ground range (small-angle 4/3-earth approximation).
                let curvature = rho * rho / (2.0 * ka);
                for (iz, &z) in heights.iter().enumerate() {
                    let gap = tans
                        .iter()
                        .map(|t| (z - altitude - rho * t - curvature).abs())
                        .fold(f64::INFINITY, f64::min);
                    plane[[iz, col]] = (horizontal * (-(gap / h_width).powi(2)).exp()) as f32;
                }
            }
        });
    weights
}
