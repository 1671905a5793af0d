//! Cell identification with nested reflectivity thresholds: envelopes at the lowest threshold, cores at the higher
//! ones, and a split of an envelope wherever it holds two or more cores, the envelope then shared among the cores
//! by a watershed (priority flood from the cores, highest reflectivity first).
//!
//! The same code serves composite reflectivity `(ny, nx)` and gridded volumes `(nz, ny, nx)`: voxels are
//! connected to their 8 horizontal neighbours and to the voxels directly above and below.
//!
//! All levels come from one pass: the component tree of the field over the levels (see `component_tree`) gives
//! every level's components and how they nest, and the search for cores walks that tree instead of labelling the
//! field again at each level. The cost is one sort of the echo voxels into level buckets and one union–find flood,
//! whatever the number of levels.
//!
//! # References
//! - Dixon, M. and Wiener, G., 1993: TITAN: Thunderstorm Identification, Tracking, Analysis, and Nowcasting — a
//!   radar-based methodology. *J. Atmos. Oceanic Technol.*, **10**, 785–797,
//!   doi:10.1175/1520-0426(1993)010<0785:TTITAA>2.0.CO;2 (3-D storms above a threshold, dual-threshold cores).
//! - Johnson, J. T. et al., 1998: The Storm Cell Identification and Tracking algorithm: an enhanced WSR-88D
//!   algorithm. *Wea. Forecasting*, **13**, 263–276, doi:10.1175/1520-0434(1998)013<0263:TSCIAT>2.0.CO;2 (seven
//!   nested thresholds 30–60 dBZ, components of at least about 10 km²).

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use ndarray::{Array2, ArrayView2, ArrayView3};
use serde::{Deserialize, Serialize};

use super::component_tree::{ComponentTree, MAX_VOXELS, NONE, Node};
use crate::error::{Error, Result};
use crate::geo::{Grid3, GridSpec, Projection};

/// Length of one degree of latitude on the sphere of [`crate::geo::EARTH_RADIUS_M`], km.
const KM_PER_DEGREE: f64 = crate::geo::EARTH_RADIUS_M * std::f64::consts::PI / 180.0 / 1000.0;

/// Settings of the identification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentifyConfig {
    /// Reflectivity thresholds, dBZ, strictly ascending: the first outlines the cells' envelopes, the higher ones
    /// look for cores to split them (SCIT: 30 to 60 dBZ in 5 dB steps).
    pub thresholds_dbz: Vec<f32>,
    /// Smallest cell kept, km² (2-D) — also the smallest envelope considered.
    pub min_area_km2: f64,
    /// Smallest core that can split an envelope, km² (2-D).
    pub min_core_area_km2: f64,
    /// Smallest cell kept in 3-D identification, km³.
    pub min_volume_km3: f64,
    /// Smallest core that can split a 3-D envelope, km³.
    pub min_core_volume_km3: f64,
    /// Finer levels inserted between (and above) the thresholds for the core search, dB (`None`: the thresholds
    /// only). With the prominence below this is an h-maxima watershed: weak cells beside strong ones are found.
    pub split_step_db: Option<f32>,
    /// A core splits its envelope only if its maximum rises at least this far above the level where it
    /// separates, dB.
    pub min_prominence_db: f32,
}

impl Default for IdentifyConfig {
    /// Thresholds 30, 35, …, 60 dBZ with 1-dB split levels and 3 dB prominence; cells ≥ 10 km² (≥ 30 km³ in
    /// 3-D, TITAN's minimum); cores ≥ 4 km² (≥ 8 km³).
    fn default() -> Self {
        IdentifyConfig {
            thresholds_dbz: (0..7).map(|i| 30.0 + 5.0 * i as f32).collect(),
            min_area_km2: 10.0,
            min_core_area_km2: 4.0,
            min_volume_km3: 30.0,
            min_core_volume_km3: 8.0,
            split_step_db: Some(1.0),
            min_prominence_db: 1.5,
        }
    }
}

impl IdentifyConfig {
    /// The levels of the core search: the thresholds, with the split step inserted from the first threshold up
    /// to 20 dB above the last.
    fn levels(&self) -> Vec<f32> {
        let mut levels = self.thresholds_dbz.clone();
        if let Some(step) = self.split_step_db {
            let (first, last) = (levels[0], levels[levels.len() - 1] + 20.0);
            let n = ((last - first) / step) as usize;
            levels.extend((1..=n).map(|k| first + k as f32 * step));
            levels.sort_by(f32::total_cmp);
            levels.dedup_by(|a, b| (*a - *b).abs() < 1e-3);
        }
        levels
    }

    fn validate(&self) -> Result<()> {
        let t = &self.thresholds_dbz;
        if t.is_empty() || t.iter().any(|v| !v.is_finite()) || t.windows(2).any(|w| w[1] <= w[0]) {
            return Err(Error::parameter(
                "thresholds_dbz",
                format!("{t:?}"),
                "need at least one finite threshold, strictly ascending",
            ));
        }
        if let Some(step) = self.split_step_db {
            if !(step >= 0.1 && step.is_finite()) {
                return Err(Error::parameter(
                    "split_step_db",
                    step,
                    "must be at least 0.1 dB",
                ));
            }
        }
        if !(self.min_prominence_db >= 0.0 && self.min_prominence_db.is_finite()) {
            return Err(Error::parameter(
                "min_prominence_db",
                self.min_prominence_db,
                "must be finite and ≥ 0",
            ));
        }
        for (name, v) in [
            ("min_area_km2", self.min_area_km2),
            ("min_core_area_km2", self.min_core_area_km2),
            ("min_volume_km3", self.min_volume_km3),
            ("min_core_volume_km3", self.min_core_volume_km3),
        ] {
            if !(v >= 0.0 && v.is_finite()) {
                return Err(Error::parameter(name, v, "must be finite and ≥ 0"));
            }
        }
        Ok(())
    }
}

/// The cells of one field: a label map and, per cell, its voxels and horizontal footprint.
#[derive(Debug, Clone, PartialEq)]
pub struct Identified {
    /// The horizontal grid.
    pub spec: GridSpec,
    /// Number of levels (1 for composite reflectivity).
    pub nz: usize,
    /// Footprint label of every column, `(ny, nx)`: 0 outside every cell, else the index in `cells` + 1. Where two
    /// 3-D cells stack over one column, the higher label wins.
    pub labels: Array2<u32>,
    /// The cells, largest first.
    pub cells: Vec<CellRegion>,
}

/// One identified cell.
#[derive(Debug, Clone, PartialEq)]
pub struct CellRegion {
    /// Flat indices `level·ny·nx + row·nx + col` of its voxels (pixels in 2-D), ascending.
    pub voxels: Vec<u32>,
    /// Flat indices `row·nx + col` of its columns, ascending and unique.
    pub footprint: Vec<u32>,
    /// The threshold of the core that defined it, dBZ (the envelope threshold when it was not split).
    pub core_threshold_dbz: f32,
    /// Its size: area in km² (2-D) or volume in km³ (3-D).
    pub size: f64,
}

/// Identifies cells in a composite reflectivity field.
///
/// # Shape
/// `reflectivity_dbz` is `(spec.ny, spec.nx)`, dBZ; `NaN` (no data) never belongs to a cell.
///
/// # Errors
/// [`Error::Shape`] if the field does not match the grid; [`Error::Parameter`] for an invalid configuration.
///
/// # Examples
/// Two 55-dBZ cores 14 km apart inside one 30-dBZ envelope come out as two cells:
/// ```
/// use ndarray::Array2;
/// use squall::cells::{IdentifyConfig, identify_2d};
/// use squall::geo::GridSpec;
/// let spec = GridSpec::centred_on(50.0, 5.0, 60, 1000.0).unwrap();
/// let field = Array2::from_shape_fn((60, 60), |(r, c)| {
///     let d = |c0: f32| ((r as f32 - 30.0).powi(2) + (c as f32 - c0).powi(2)).sqrt();
///     55.0 - 2.5 * d(23.0).min(d(37.0))
/// });
/// let cells = identify_2d(field.view(), &spec, &IdentifyConfig::default()).unwrap();
/// assert_eq!(cells.cells.len(), 2);
/// assert!(cells.cells.iter().all(|c| c.size > 50.0));
/// ```
pub fn identify_2d(
    reflectivity_dbz: ArrayView2<'_, f32>,
    spec: &GridSpec,
    config: &IdentifyConfig,
) -> Result<Identified> {
    config.validate()?;
    spec.check_shape("reflectivity", reflectivity_dbz.dim())?;
    let values: Cow<'_, [f32]> = match reflectivity_dbz.as_slice() {
        Some(v) => Cow::Borrowed(v),
        None => Cow::Owned(reflectivity_dbz.iter().copied().collect()),
    };
    let lattice = Lattice::new(1, spec.ny, spec.nx, vec![1.0], row_areas_km2(spec)?);
    let cells = lattice.identify(
        &values[..],
        &config.levels(),
        (config.min_area_km2, config.min_core_area_km2),
        config.min_prominence_db,
    )?;
    Ok(finish(spec, 1, cells))
}

/// Identifies three-dimensional cells in a gridded reflectivity volume (TITAN storms): the same nested thresholds
/// as [`identify_2d`], with voxels joined across levels, and sizes in km³ (each level standing for the layer
/// between the midpoints to its neighbours).
///
/// # Errors
/// [`Error::Shape`] if the values are not `(heights.len(), ny, nx)`; [`Error::Parameter`] for heights that are not
/// finite and strictly ascending, or an invalid configuration.
pub fn identify_3d(volume: &Grid3, config: &IdentifyConfig) -> Result<Identified> {
    config.validate()?;
    let spec = &volume.spec;
    let nz = volume.heights_m.len();
    let expected = (nz, spec.ny, spec.nx);
    if volume.values.dim() != expected || nz == 0 {
        return Err(Error::Shape {
            what: format!("{} volume", volume.name),
            expected: format!("{expected:?} with at least one level"),
            found: format!("{:?}", volume.values.dim()),
        });
    }
    let thickness_km = layer_thickness_km(&volume.heights_m)?;
    let values: Cow<'_, [f32]> = match volume.values.as_slice() {
        Some(v) => Cow::Borrowed(v),
        None => Cow::Owned(volume.values.iter().copied().collect()),
    };
    let lattice = Lattice::new(nz, spec.ny, spec.nx, thickness_km, row_areas_km2(spec)?);
    let cells = lattice.identify(
        &values[..],
        &config.levels(),
        (config.min_volume_km3, config.min_core_volume_km3),
        config.min_prominence_db,
    )?;
    Ok(finish(spec, nz, cells))
}

/// Area of one grid cell in each row, km²: `|dx·dy|` for projected grids (metres), the spherical cell area for
/// longitude/latitude grids.
///
/// # Errors
/// [`Error::Parameter`] for a zero or non-finite spacing.
pub fn row_areas_km2(spec: &GridSpec) -> Result<Vec<f64>> {
    if !(spec.dx.is_finite() && spec.dy.is_finite() && spec.dx != 0.0 && spec.dy != 0.0) {
        return Err(Error::parameter(
            "grid spacing",
            format!("{} × {}", spec.dx, spec.dy),
            "must be finite and non-zero",
        ));
    }
    Ok(match spec.projection {
        Projection::LonLat => (0..spec.ny)
            .map(|r| {
                let lat = (spec.y0 + r as f64 * spec.dy).to_radians();
                (spec.dx * spec.dy).abs() * KM_PER_DEGREE * KM_PER_DEGREE * lat.cos().abs()
            })
            .collect(),
        _ => vec![(spec.dx * spec.dy).abs() / 1e6; spec.ny],
    })
}

/// Thickness of the layer each level stands for, km: between the midpoints to its neighbours (the outer levels
/// extend half a spacing beyond themselves).
fn layer_thickness_km(heights_m: &[f64]) -> Result<Vec<f64>> {
    let ok = heights_m.iter().all(|h| h.is_finite()) && heights_m.windows(2).all(|w| w[1] > w[0]);
    if !ok {
        return Err(Error::parameter(
            "heights_m",
            format!("{heights_m:?}"),
            "must be finite and strictly ascending",
        ));
    }
    let n = heights_m.len();
    if n == 1 {
        return Ok(vec![1.0]);
    }
    Ok((0..n)
        .map(|k| {
            let lo = if k == 0 {
                heights_m[0] - 0.5 * (heights_m[1] - heights_m[0])
            } else {
                0.5 * (heights_m[k - 1] + heights_m[k])
            };
            let hi = if k + 1 == n {
                heights_m[n - 1] + 0.5 * (heights_m[n - 1] - heights_m[n - 2])
            } else {
                0.5 * (heights_m[k] + heights_m[k + 1])
            };
            (hi - lo) / 1000.0
        })
        .collect())
}

/// Sorts cells largest first, builds the footprints and the label map.
fn finish(spec: &GridSpec, nz: usize, mut cells: Vec<CellRegion>) -> Identified {
    cells.sort_by(|a, b| {
        b.size
            .total_cmp(&a.size)
            .then(a.voxels[0].cmp(&b.voxels[0]))
    });
    let plane = spec.ny * spec.nx;
    let mut labels = Array2::<u32>::zeros(spec.shape());
    if let Some(flat) = labels.as_slice_mut() {
        for (i, cell) in cells.iter_mut().enumerate() {
            let mut footprint: Vec<u32> = cell.voxels.iter().map(|&v| v % plane as u32).collect();
            if nz > 1 {
                footprint.sort_unstable();
                footprint.dedup();
            }
            for &p in &footprint {
                flat[p as usize] = flat[p as usize].max(i as u32 + 1);
            }
            cell.footprint = footprint;
        }
    }
    Identified {
        spec: spec.clone(),
        nz,
        labels,
        cells,
    }
}

/// Geometry of the voxel lattice and the size of each voxel.
pub(super) struct Lattice {
    nz: usize,
    ny: usize,
    nx: usize,
    /// Thickness per level (km; 1 in 2-D).
    level_weight: Vec<f64>,
    /// Area per row, km².
    row_weight: Vec<f64>,
}

/// What makes a core count: its size and its rise above the level where it separates.
struct Significance<'a> {
    levels: &'a [f32],
    min_size: f64,
    prominence: f32,
}

impl Significance<'_> {
    /// Whether `node` counts as a core inside its parent at level index `parent_level`.
    fn counts(&self, node: &Node, parent_level: u32) -> bool {
        node.peak - self.levels[parent_level as usize] >= self.prominence
            && node.size >= self.min_size
    }

    /// Whether a node seen from a level below its own `hi` stays significant at every level up to `hi` (the
    /// voxels do not change over `lo..=hi`, so the strictest test is the one just below `hi`).
    fn holds_up_to_hi(&self, node: &Node, from: u32) -> bool {
        from == node.hi || self.counts(node, node.hi - 1)
    }

    /// Appends to `out` the cores that split `node` at its level `hi` — its significant children, each recursively
    /// split in turn — and returns true, or returns false (appending nothing) when fewer than two cores are found.
    fn split(&self, nodes: &[Node], id: u32, out: &mut Vec<(u32, f32)>) -> bool {
        let node = &nodes[id as usize];
        let mut significant = Vec::new();
        let mut child = node.first_child;
        while child != NONE {
            if self.counts(&nodes[child as usize], node.hi) {
                significant.push(child);
            }
            child = nodes[child as usize].next_sibling;
        }
        match significant.as_slice() {
            [] => false,
            &[only] => {
                let c = &nodes[only as usize];
                self.holds_up_to_hi(c, c.lo) && self.split(nodes, only, out)
            }
            several => {
                for &c in several {
                    let n = &nodes[c as usize];
                    if !(self.holds_up_to_hi(n, n.lo) && self.split(nodes, c, out)) {
                        out.push((c, self.levels[n.lo as usize]));
                    }
                }
                true
            }
        }
    }
}

/// Label of a node or voxel during identification: a cell index + 1, or one of these.
const NO_CELL: u32 = 0;
/// Inside a split envelope but outside its cores: shared out by the watershed.
const FLOODED: u32 = u32::MAX;

thread_local! {
    /// One zero per voxel, kept between calls on a thread: identification only writes where there are echoes and
    /// clears them again, so a frame costs no large allocation.
    static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// This thread's scratch, all zeros, at least `len` long (cut to `len`).
fn take_scratch(len: usize) -> Vec<u32> {
    let mut v = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    if v.len() < len {
        v.resize(len, 0);
    }
    v.truncate(len);
    v
}

/// Gives the (all zero again) scratch back to the thread.
fn return_scratch(v: Vec<u32>) {
    debug_assert!(v.iter().all(|&x| x == 0));
    SCRATCH.with(|s| {
        let mut s = s.borrow_mut();
        if s.capacity() < v.capacity() {
            *s = v;
        }
    });
}

impl Lattice {
    fn new(
        nz: usize,
        ny: usize,
        nx: usize,
        level_weight: Vec<f64>,
        row_weight: Vec<f64>,
    ) -> Lattice {
        Lattice {
            nz,
            ny,
            nx,
            level_weight,
            row_weight,
        }
    }

    /// Number of voxels.
    pub(super) fn len(&self) -> usize {
        self.nz * self.ny * self.nx
    }

    /// Size of a voxel: km² (2-D) or km³ (3-D).
    #[inline]
    pub(super) fn size_of(&self, v: u32) -> f64 {
        let v = v as usize;
        let plane = self.ny * self.nx;
        self.level_weight[v / plane] * self.row_weight[(v % plane) / self.nx]
    }

    /// Calls `f` for each neighbour: 8 in the plane, 1 above, 1 below.
    #[inline]
    pub(super) fn for_neighbours(&self, v: u32, mut f: impl FnMut(u32)) {
        let v = v as usize;
        let plane = self.ny * self.nx;
        let (z, rem) = (v / plane, v % plane);
        let (r, c) = (rem / self.nx, rem % self.nx);
        let r_lo = r.saturating_sub(1);
        let r_hi = (r + 1).min(self.ny - 1);
        let c_lo = c.saturating_sub(1);
        let c_hi = (c + 1).min(self.nx - 1);
        for rr in r_lo..=r_hi {
            let base = z * plane + rr * self.nx;
            for cc in c_lo..=c_hi {
                if rr != r || cc != c {
                    f((base + cc) as u32);
                }
            }
        }
        if z > 0 {
            f((v - plane) as u32);
        }
        if z + 1 < self.nz {
            f((v + plane) as u32);
        }
    }

    /// The whole algorithm: envelopes (components at the lowest level), their cores (significant components at
    /// the higher levels, found on the component tree), the watershed of split envelopes, the size filter.
    fn identify(
        &self,
        values: &[f32],
        levels: &[f32],
        (min_size, min_core_size): (f64, f64),
        prominence: f32,
    ) -> Result<Vec<CellRegion>> {
        if self.len() > MAX_VOXELS {
            return Err(Error::parameter(
                "grid size",
                self.len(),
                format!("at most {MAX_VOXELS} voxels per field"),
            ));
        }
        let mut label = take_scratch(self.len());
        let tree = ComponentTree::build(self, values, levels, &mut label);
        let nodes = &tree.nodes;
        let significance = Significance {
            levels,
            min_size: min_core_size,
            prominence,
        };
        // Label the nodes: envelopes (roots) too small are dropped, unsplit ones are a cell, split ones flood
        // from their cores.
        let mut node_label = vec![NO_CELL; nodes.len()];
        let mut fixed = vec![false; nodes.len()];
        let mut thresholds: Vec<f32> = Vec::new();
        let mut split_cell = Vec::new();
        let mut cores = Vec::new();
        for (id, node) in nodes.iter().enumerate() {
            if node.parent != NONE {
                continue;
            }
            fixed[id] = true;
            if node.size < min_size {
                continue;
            }
            cores.clear();
            if significance.holds_up_to_hi(node, 0)
                && significance.split(nodes, id as u32, &mut cores)
            {
                node_label[id] = FLOODED;
                for &(core, threshold) in &cores {
                    thresholds.push(threshold);
                    split_cell.push(true);
                    node_label[core as usize] = thresholds.len() as u32;
                    fixed[core as usize] = true;
                }
            } else {
                thresholds.push(levels[0]);
                split_cell.push(false);
                node_label[id] = thresholds.len() as u32;
            }
        }
        // Parents come after their children: label top-down.
        for id in (0..nodes.len()).rev() {
            let p = nodes[id].parent;
            if !fixed[id] && p != NONE {
                node_label[id] = node_label[p as usize];
            }
        }
        // Voxel labels (the scratch now holds the forest at these voxels, zero elsewhere); cores of split
        // envelopes seed the watershed.
        let mut heap = BinaryHeap::new();
        let key = |v: u32| (values[v as usize] * 64.0) as i32;
        for (&v, &leaf) in tree.voxels.iter().zip(&tree.leaf) {
            let l = node_label[leaf as usize];
            label[v as usize] = l;
            if l != NO_CELL && l != FLOODED && split_cell[l as usize - 1] {
                heap.push((key(v), Reverse(v)));
            }
        }
        // Priority flood from the cores, highest reflectivity first (Beucher and Meyer's watershed by flooding).
        while let Some((_, Reverse(v))) = heap.pop() {
            let owner = label[v as usize];
            self.for_neighbours(v, |n| {
                if label[n as usize] == FLOODED {
                    label[n as usize] = owner;
                    heap.push((key(n), Reverse(n)));
                }
            });
        }
        // Sizes, then the voxels of the cells large enough (ascending: the voxels are).
        let mut sizes = vec![0.0; thresholds.len() + 1];
        let mut counts = vec![0usize; thresholds.len() + 1];
        for &v in &tree.voxels {
            let l = label[v as usize];
            if l != FLOODED {
                sizes[l as usize] += self.size_of(v);
                counts[l as usize] += 1;
            }
        }
        let mut cells: Vec<CellRegion> = thresholds
            .iter()
            .zip(&sizes[1..])
            .zip(&counts[1..])
            .map(|((&core_threshold_dbz, &size), &count)| CellRegion {
                voxels: Vec::with_capacity(if size >= min_size { count } else { 0 }),
                footprint: Vec::new(),
                core_threshold_dbz,
                size,
            })
            .collect();
        for &v in &tree.voxels {
            let l = label[v as usize];
            if l != NO_CELL && l != FLOODED && sizes[l as usize] >= min_size {
                cells[l as usize - 1].voxels.push(v);
            }
            label[v as usize] = 0;
        }
        return_scratch(label);
        cells.retain(|c| c.size >= min_size);
        Ok(cells)
    }
}

/// Composite (column maximum) of a volume, `(ny, nx)`; `NaN` where a column has no data at all.
pub fn column_maximum(values: ArrayView3<'_, f32>) -> Array2<f32> {
    let (_, ny, nx) = values.dim();
    let mut out = Array2::from_elem((ny, nx), f32::NAN);
    for level in values.outer_iter() {
        ndarray::Zip::from(&mut out).and(&level).for_each(|o, &v| {
            if !v.is_nan() && (o.is_nan() || *o < v) {
                *o = v;
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    fn spec(n: usize) -> GridSpec {
        GridSpec::centred_on(45.0, 10.0, n, 1000.0).unwrap()
    }

    fn cone(r: usize, c: usize, r0: f32, c0: f32, peak: f32, slope: f32) -> f32 {
        peak - slope * ((r as f32 - r0).powi(2) + (c as f32 - c0).powi(2)).sqrt()
    }

    #[test]
    fn a_single_cone_is_one_cell_with_its_area() {
        let s = spec(80);
        let field = Array2::from_shape_fn((80, 80), |(r, c)| cone(r, c, 40.0, 40.0, 50.0, 2.0));
        let out = identify_2d(field.view(), &s, &IdentifyConfig::default()).unwrap();
        assert_eq!(out.cells.len(), 1);
        // Radius 10 km at 30 dBZ: π·100 ≈ 314 km².
        let area = out.cells[0].size;
        assert!((area - 314.0).abs() < 15.0, "{area}");
        assert_eq!(out.labels[[40, 40]], 1);
        assert_eq!(out.labels[[0, 0]], 0);
    }

    #[test]
    fn close_cores_split_and_the_envelope_is_shared() {
        let s = spec(80);
        let field = Array2::from_shape_fn((80, 80), |(r, c)| {
            cone(r, c, 40.0, 32.0, 56.0, 3.0).max(cone(r, c, 40.0, 48.0, 52.0, 3.0))
        });
        let out = identify_2d(field.view(), &s, &IdentifyConfig::default()).unwrap();
        assert_eq!(out.cells.len(), 2);
        let total: f64 = out.cells.iter().map(|c| c.size).sum();
        let envelope = field.iter().filter(|&&v| v >= 30.0).count() as f64;
        assert_eq!(total, envelope);
        // The saddle at column 40 goes to one side or the other; each peak keeps its own label.
        assert_ne!(out.labels[[40, 32]], out.labels[[40, 48]]);
        // A single threshold glues them.
        let config = IdentifyConfig {
            thresholds_dbz: vec![30.0],
            split_step_db: None,
            ..IdentifyConfig::default()
        };
        assert_eq!(
            identify_2d(field.view(), &s, &config).unwrap().cells.len(),
            1
        );
    }

    #[test]
    fn small_cells_and_nan_are_dropped() {
        let s = spec(40);
        let mut field = Array2::from_shape_fn((40, 40), |(r, c)| cone(r, c, 20.0, 20.0, 34.0, 2.0));
        // 34 dBZ at the centre, above 30 within 2 km: ≈ 13 pixels > 10 km².
        let out = identify_2d(field.view(), &s, &IdentifyConfig::default()).unwrap();
        assert_eq!(out.cells.len(), 1);
        let config = IdentifyConfig {
            min_area_km2: 20.0,
            ..IdentifyConfig::default()
        };
        assert!(
            identify_2d(field.view(), &s, &config)
                .unwrap()
                .cells
                .is_empty()
        );
        field.fill(f32::NAN);
        assert!(
            identify_2d(field.view(), &s, &IdentifyConfig::default())
                .unwrap()
                .cells
                .is_empty()
        );
    }

    #[test]
    fn three_d_cells_have_volumes_in_cubic_km() {
        let s = spec(40);
        let heights: Vec<f64> = (0..10).map(|k| 500.0 + 1000.0 * k as f64).collect();
        // A 10 × 10 km column of 45 dBZ from level 0 to 5 (6 km deep): 600 km³.
        let values = Array3::from_shape_fn((10, 40, 40), |(z, r, c)| {
            if z <= 5 && (10..20).contains(&r) && (10..20).contains(&c) {
                45.0
            } else {
                -10.0
            }
        });
        let volume = Grid3 {
            spec: s.clone(),
            heights_m: heights,
            name: "DBZH".into(),
            units: "dBZ".into(),
            time: None,
            values,
        };
        let out = identify_3d(&volume, &IdentifyConfig::default()).unwrap();
        assert_eq!(out.cells.len(), 1);
        assert!(
            (out.cells[0].size - 600.0).abs() < 1e-6,
            "{}",
            out.cells[0].size
        );
        assert_eq!(out.cells[0].footprint.len(), 100);
        let mut bad = volume.clone();
        bad.heights_m.reverse();
        assert!(identify_3d(&bad, &IdentifyConfig::default()).is_err());
    }

    #[test]
    fn bad_configurations_are_refused() {
        let s = spec(10);
        let field = Array2::zeros((10, 10));
        for thresholds in [vec![], vec![40.0, 30.0], vec![f32::NAN]] {
            let config = IdentifyConfig {
                thresholds_dbz: thresholds,
                ..IdentifyConfig::default()
            };
            assert!(identify_2d(field.view(), &s, &config).is_err());
        }
        assert!(
            identify_2d(
                Array2::zeros((9, 10)).view(),
                &s,
                &IdentifyConfig::default()
            )
            .is_err()
        );
    }
}
