//! Per-cell properties: position, size, intensity, column products, rain, shape, outline and Doppler shear.
//!
//! Every property that needs a field the caller may not have (a volume, echo tops, VIL, hail indices, ZDR columns,
//! radial velocity) is an `Option`, filled when the field is given in [`CellFields`].
//!
//! # References
//! - Greene, D. R. and Clark, R. A., 1972: Vertically integrated liquid water — a new analysis tool. *Mon. Wea.
//!   Rev.*, **100**, 548–552, doi:10.1175/1520-0493(1972)100<0548:VILWNA>2.3.CO;2 (VIL = Σ 3.44·10⁻⁶ Z^{4/7} Δh).
//! - Amburn, S. A. and Wolf, P. L., 1997: VIL density as a hail indicator. *Wea. Forecasting*, **12**, 473–478,
//!   doi:10.1175/1520-0434(1997)012<0473:VDAAHI>2.0.CO;2.
//! - Marshall, J. S. and Palmer, W. McK., 1948 (Z = 200 R^1.6), see [`crate::synth::microphysics`].

use chrono::{DateTime, Utc};
use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::identify::{Identified, row_areas_km2};
use crate::error::{Error, Result};
use crate::geo::Grid3;
use crate::synth::microphysics::{MARSHALL_PALMER_A, MARSHALL_PALMER_B};

/// Rain rate at or above which rain is "heavy" (short-duration heavy rain), mm h⁻¹.
pub const HEAVY_RAIN_MM_H: f64 = 20.0;
/// Reflectivity of the echo top, dBZ.
pub const ECHO_TOP_DBZ: f32 = 18.0;
/// Reflectivity cap of the VIL sum (hail contamination), dBZ.
pub const VIL_CAP_DBZ: f32 = 56.0;

/// Optional fields on the grid of the reflectivity, all `(ny, nx)` unless stated; `NaN` = no data.
#[derive(Debug, Clone, Copy, Default)]
pub struct CellFields<'a> {
    /// Gridded reflectivity volume `(nz, ny, nx)` dBZ on the same horizontal grid: height of the maximum,
    /// volume, echo top and VIL when the 2-D products are not given.
    pub volume: Option<&'a Grid3>,
    /// Echo top (18 dBZ), m above mean sea level.
    pub echo_top_m: Option<ArrayView2<'a, f32>>,
    /// Vertically integrated liquid, kg m⁻².
    pub vil_kg_m2: Option<ArrayView2<'a, f32>>,
    /// Maximum expected size of hail, mm.
    pub mesh_mm: Option<ArrayView2<'a, f32>>,
    /// Probability of severe hail, % (0–100, as [`crate::products::posh`] gives it).
    pub posh: Option<ArrayView2<'a, f32>>,
    /// Hail differential reflectivity (Aydin et al. 1986), dB.
    pub hdr_db: Option<ArrayView2<'a, f32>>,
    /// Depth of the ZDR column above the freezing level, m.
    pub zdr_column_depth_m: Option<ArrayView2<'a, f32>>,
    /// Rain rate, mm h⁻¹ (else Marshall–Palmer from the reflectivity).
    pub rain_rate_mm_h: Option<ArrayView2<'a, f32>>,
    /// Low-level radial velocity, m s⁻¹ (positive away from the radar), with the radar position below.
    pub radial_velocity_mps: Option<ArrayView2<'a, f32>>,
    /// Projection coordinates of the radar, m (needed with `radial_velocity_mps`).
    pub radar_xy_m: Option<(f64, f64)>,
}

/// Ellipse with the second moments of the cell's footprint (the default: a point, all zero).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Ellipse {
    /// Major semi-axis, km (2σ along the major axis: the whole area of a uniform ellipse).
    pub major_km: f64,
    /// Minor semi-axis, km.
    pub minor_km: f64,
    /// Direction of the major axis, degrees counter-clockwise from east, in [0, 180).
    pub orientation_deg: f64,
}

/// Mean radial-velocity differences across a cell, m s⁻¹, from the velocity pixels inside it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VelocityDifference {
    /// Mean velocity of the far half (along the beam) minus the near half: > 0 divergence, < 0 convergence.
    pub divergence_mps: f64,
    /// Mean velocity of the right half (looking away from the radar) minus the left half: > 0 cyclonic rotation
    /// (counter-clockwise seen from above), < 0 anticyclonic.
    pub rotation_mps: f64,
    /// Number of velocity pixels used.
    pub pixels: usize,
}

/// A cell of one frame with its properties; the unit of tracking.
///
/// The default is an empty cell: zero position, area and values, no optional property, ellipse, outline or
/// footprint. Fill in what is known by struct update, e.g. `Cell { x_m, y_m, area_km2, ..Cell::default() }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Index of the cell in its frame (0-based, largest first).
    pub id: u32,
    /// Track it belongs to, once tracked.
    pub track: Option<u64>,
    /// Valid time.
    pub time: Option<DateTime<Utc>>,
    /// Projection x of the reflectivity-weighted centroid, m.
    pub x_m: f64,
    /// Projection y of the centroid, m.
    pub y_m: f64,
    /// Longitude of the centroid, degrees (None for a grid known only as a PROJ string).
    pub lon: Option<f64>,
    /// Latitude of the centroid, degrees.
    pub lat: Option<f64>,
    /// Fractional row of the centroid.
    pub row: f64,
    /// Fractional column of the centroid.
    pub col: f64,
    /// Area of the footprint, km².
    pub area_km2: f64,
    /// Volume at or above the envelope threshold, km³ (with a volume).
    pub volume_km3: Option<f64>,
    /// Maximum reflectivity, dBZ.
    pub max_dbz: f64,
    /// Mean reflectivity (mean of the linear Z), dBZ.
    pub mean_dbz: f64,
    /// Threshold of the core that defined the cell, dBZ.
    pub core_threshold_dbz: f64,
    /// Height of the maximum reflectivity, m (with a volume).
    pub height_of_max_m: Option<f64>,
    /// Highest echo top (18 dBZ) over the cell, m.
    pub echo_top_m: Option<f64>,
    /// Largest VIL over the cell, kg m⁻².
    pub vil_kg_m2: Option<f64>,
    /// VIL density = VIL / echo top, g m⁻³ (Amburn and Wolf 1997).
    pub vil_density_g_m3: Option<f64>,
    /// Largest MESH over the cell, mm.
    pub mesh_mm: Option<f64>,
    /// Largest POSH, %.
    pub posh: Option<f64>,
    /// Largest HDR, dB.
    pub hdr_db: Option<f64>,
    /// Deepest ZDR column, m.
    pub zdr_column_depth_m: Option<f64>,
    /// Largest rain rate, mm h⁻¹.
    pub max_rain_rate_mm_h: f64,
    /// Area with rain ≥ [`HEAVY_RAIN_MM_H`], km².
    pub heavy_rain_area_km2: f64,
    /// Fitted ellipse.
    pub ellipse: Ellipse,
    /// Outline: the boundary of the footprint along pixel edges, projection `(x, y)` m, counter-clockwise, closed
    /// (first vertex repeated last).
    pub outline: Vec<[f64; 2]>,
    /// Radial-velocity differences (with radial velocity).
    pub velocity_difference: Option<VelocityDifference>,
    /// Flat indices `row·nx + col` of the footprint (for overlap tracking; not serialised).
    #[serde(skip)]
    pub footprint: Vec<u32>,
}

/// Measures every cell of an identification.
///
/// # Shape
/// `reflectivity_dbz` `(ny, nx)` dBZ (for 3-D cells: the column maximum of the volume); every given field
/// `(ny, nx)`, the volume `(nz, ny, nx)` on the same horizontal grid.
///
/// # Errors
/// [`Error::Shape`] if a field does not match the grid; [`Error::Parameter`] for radial velocity without the
/// radar position.
pub fn measure(
    identified: &Identified,
    reflectivity_dbz: ArrayView2<'_, f32>,
    fields: &CellFields<'_>,
    time: Option<DateTime<Utc>>,
) -> Result<Vec<Cell>> {
    let spec = &identified.spec;
    spec.check_shape("reflectivity", reflectivity_dbz.dim())?;
    for (name, field) in [
        ("echo_top_m", fields.echo_top_m),
        ("vil_kg_m2", fields.vil_kg_m2),
        ("mesh_mm", fields.mesh_mm),
        ("posh", fields.posh),
        ("hdr_db", fields.hdr_db),
        ("zdr_column_depth_m", fields.zdr_column_depth_m),
        ("rain_rate_mm_h", fields.rain_rate_mm_h),
        ("radial_velocity_mps", fields.radial_velocity_mps),
    ] {
        if let Some(f) = field {
            spec.check_shape(name, f.dim())?;
        }
    }
    if let Some(volume) = fields.volume {
        let expected = (volume.heights_m.len(), spec.ny, spec.nx);
        if volume.values.dim() != expected || volume.spec.shape() != spec.shape() {
            return Err(Error::Shape {
                what: "volume".into(),
                expected: format!("{expected:?}"),
                found: format!("{:?}", volume.values.dim()),
            });
        }
    }
    if fields.radial_velocity_mps.is_some() && fields.radar_xy_m.is_none() {
        return Err(Error::parameter(
            "radar_xy_m",
            "None",
            "radial velocity needs the radar position",
        ));
    }
    let areas = row_areas_km2(spec)?;
    let nx = spec.nx;
    // Rain from reflectivity is monotone: heavy rain is reflectivity at or above this.
    let heavy_dbz = 10.0 * (MARSHALL_PALMER_A * HEAVY_RAIN_MM_H.powf(MARSHALL_PALMER_B)).log10();
    identified
        .cells
        .par_iter()
        .enumerate()
        .map(|(i, region)| {
            let fp = &region.footprint;
            // Intensity and centroid.
            let (mut w, mut wr, mut wc, mut area, mut z_area) = (0.0, 0.0, 0.0, 0.0, 0.0);
            let mut max_dbz = f64::NEG_INFINITY;
            let (mut max_rain, mut heavy_area) = (0.0f64, 0.0);
            for &p in fp {
                let (r, c) = (p as usize / nx, p as usize % nx);
                let a = areas[r];
                area += a;
                let dbz = f64::from(reflectivity_dbz[[r, c]]);
                if dbz.is_finite() {
                    let z = (std::f64::consts::LN_10 * 0.1 * dbz.min(70.0)).exp();
                    w += z * a;
                    wr += z * a * r as f64;
                    wc += z * a * c as f64;
                    z_area += a;
                    max_dbz = max_dbz.max(dbz);
                }
                match fields.rain_rate_mm_h {
                    Some(f) => {
                        let rain = f64::from(f[[r, c]]);
                        if rain.is_finite() {
                            max_rain = max_rain.max(rain);
                            if rain >= HEAVY_RAIN_MM_H {
                                heavy_area += a;
                            }
                        }
                    }
                    None if dbz >= heavy_dbz => heavy_area += a,
                    None => {}
                }
            }
            if fields.rain_rate_mm_h.is_none() && max_dbz.is_finite() {
                max_rain = rain_rate_marshall_palmer(max_dbz);
            }
            let (row, col) = if w > 0.0 {
                (wr / w, wc / w)
            } else {
                mean_position(fp, nx)
            };
            let x_m = spec.x0 + col * spec.dx;
            let y_m = spec.y0 + row * spec.dy;
            let lonlat = spec.projection.inverse(x_m, y_m).ok();
            let mean_dbz = if z_area > 0.0 {
                10.0 * (w / z_area).log10()
            } else {
                f64::NAN
            };
            let column = fields
                .volume
                .map(|v| column_properties(v, region, identified, &areas));
            let echo_top_m = max_in(fields.echo_top_m, fp, nx)
                .or_else(|| column.as_ref().and_then(|c| c.echo_top_m));
            let vil_kg_m2 =
                max_in(fields.vil_kg_m2, fp, nx).or_else(|| column.as_ref().map(|c| c.vil_kg_m2));
            let vil_density_g_m3 = match (vil_kg_m2, echo_top_m) {
                (Some(v), Some(t)) if t > 0.0 => Some(1000.0 * v / t),
                _ => None,
            };
            let velocity_difference = fields.radial_velocity_mps.and_then(|v| {
                fields
                    .radar_xy_m
                    .and_then(|radar| velocity_difference(v, fp, spec, (x_m, y_m), radar))
            });
            Ok(Cell {
                id: i as u32,
                track: None,
                time,
                x_m,
                y_m,
                lon: lonlat.map(|l| l.0),
                lat: lonlat.map(|l| l.1),
                row,
                col,
                area_km2: area,
                volume_km3: column.as_ref().map(|c| c.volume_km3),
                max_dbz,
                mean_dbz,
                core_threshold_dbz: f64::from(region.core_threshold_dbz),
                height_of_max_m: column.as_ref().and_then(|c| c.height_of_max_m),
                echo_top_m,
                vil_kg_m2,
                vil_density_g_m3,
                mesh_mm: max_in(fields.mesh_mm, fp, nx),
                posh: max_in(fields.posh, fp, nx),
                hdr_db: max_in(fields.hdr_db, fp, nx),
                zdr_column_depth_m: max_in(fields.zdr_column_depth_m, fp, nx),
                max_rain_rate_mm_h: max_rain,
                heavy_rain_area_km2: heavy_area,
                ellipse: ellipse(fp, spec),
                outline: outline(fp, spec),
                velocity_difference,
                footprint: fp.clone(),
            })
        })
        .collect()
}

/// Marshall–Palmer rain rate of a reflectivity, mm h⁻¹.
pub fn rain_rate_marshall_palmer(dbz: f64) -> f64 {
    (10f64.powf(0.1 * dbz) / MARSHALL_PALMER_A).powf(1.0 / MARSHALL_PALMER_B)
}

fn mean_position(fp: &[u32], nx: usize) -> (f64, f64) {
    let n = fp.len().max(1) as f64;
    let (r, c) = fp.iter().fold((0.0, 0.0), |(r, c), &p| {
        (r + (p as usize / nx) as f64, c + (p as usize % nx) as f64)
    });
    (r / n, c / n)
}

fn max_in(field: Option<ArrayView2<'_, f32>>, fp: &[u32], nx: usize) -> Option<f64> {
    let field = field?;
    fp.iter()
        .map(|&p| field[[p as usize / nx, p as usize % nx]])
        .filter(|v| v.is_finite())
        .fold(None, |m: Option<f32>, v| Some(m.map_or(v, |m| m.max(v))))
        .map(f64::from)
}

/// What the columns of a volume say about a cell.
struct ColumnProperties {
    volume_km3: f64,
    height_of_max_m: Option<f64>,
    echo_top_m: Option<f64>,
    vil_kg_m2: f64,
}

fn column_properties(
    volume: &Grid3,
    region: &super::identify::CellRegion,
    identified: &Identified,
    areas: &[f64],
) -> ColumnProperties {
    let nx = identified.spec.nx;
    let h = &volume.heights_m;
    let nz = h.len();
    let mut best = (f32::NEG_INFINITY, None);
    let mut top: Option<f64> = None;
    let mut vil = 0.0f64;
    let mut volume_km3 = 0.0;
    let threshold = f32::min(region.core_threshold_dbz, 30.0);
    for &p in &region.footprint {
        let (r, c) = (p as usize / nx, p as usize % nx);
        let mut column_vil = 0.0;
        for k in 0..nz {
            let v = volume.values[[k, r, c]];
            if v.is_nan() {
                continue;
            }
            if v > best.0 {
                best = (v, Some(h[k]));
            }
            if v >= ECHO_TOP_DBZ {
                top = Some(top.map_or(h[k], |t: f64| t.max(h[k])));
            }
            if v >= threshold {
                let dz = if nz > 1 {
                    let lo = if k == 0 {
                        h[0]
                    } else {
                        0.5 * (h[k - 1] + h[k])
                    };
                    let hi = if k + 1 == nz {
                        h[k]
                    } else {
                        0.5 * (h[k] + h[k + 1])
                    };
                    (hi - lo).max(0.0)
                } else {
                    1000.0
                };
                volume_km3 += areas[r] * dz / 1000.0;
            }
            if k + 1 < nz {
                let w = volume.values[[k + 1, r, c]];
                if !w.is_nan() {
                    let z = |d: f32| 10f64.powf(0.1 * f64::from(d.min(VIL_CAP_DBZ)));
                    column_vil +=
                        3.44e-6 * (0.5 * (z(v) + z(w))).powf(4.0 / 7.0) * (h[k + 1] - h[k]);
                }
            }
        }
        vil = vil.max(column_vil);
    }
    if identified.nz > 1 {
        volume_km3 = region.size;
    }
    ColumnProperties {
        volume_km3,
        height_of_max_m: best.1,
        echo_top_m: top,
        vil_kg_m2: vil,
    }
}

/// The ellipse of the footprint's second moments (area-weighted, in km).
fn ellipse(fp: &[u32], spec: &crate::geo::GridSpec) -> Ellipse {
    let nx = spec.nx;
    let n = fp.len().max(1) as f64;
    let (dx, dy) = (spec.dx / 1000.0, spec.dy / 1000.0);
    let pts = fp
        .iter()
        .map(|&p| ((p as usize % nx) as f64 * dx, (p as usize / nx) as f64 * dy));
    let (sx, sy) = pts
        .clone()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let (mut cxx, mut cyy, mut cxy) = (0.0, 0.0, 0.0);
    for (x, y) in pts {
        cxx += (x - mx) * (x - mx);
        cyy += (y - my) * (y - my);
        cxy += (x - mx) * (y - my);
    }
    // Add the variance of a pixel itself (uniform over its square).
    cxx = cxx / n + dx * dx / 12.0;
    cyy = cyy / n + dy * dy / 12.0;
    cxy /= n;
    let half_trace = 0.5 * (cxx + cyy);
    let root = (0.25 * (cxx - cyy).powi(2) + cxy * cxy).sqrt();
    let (l1, l2) = (half_trace + root, (half_trace - root).max(0.0));
    let angle = 0.5 * (2.0 * cxy).atan2(cxx - cyy);
    Ellipse {
        major_km: 2.0 * l1.sqrt(),
        minor_km: 2.0 * l2.sqrt(),
        orientation_deg: angle.to_degrees().rem_euclid(180.0),
    }
}

/// The longest closed boundary of the footprint along pixel edges, in projection coordinates, counter-clockwise.
fn outline(fp: &[u32], spec: &crate::geo::GridSpec) -> Vec<[f64; 2]> {
    let nx = spec.nx;
    let Some(&first) = fp.first() else {
        return Vec::new();
    };
    // The footprint as a bitmap over its bounding box (rows r0..=r1, columns c0..=c1).
    let (mut r0, mut r1, mut c0, mut c1) = (
        first as usize / nx,
        first as usize / nx,
        first as usize % nx,
        first as usize % nx,
    );
    for &p in fp {
        let (r, c) = (p as usize / nx, p as usize % nx);
        r0 = r0.min(r);
        r1 = r1.max(r);
        c0 = c0.min(c);
        c1 = c1.max(c);
    }
    let w = c1 - c0 + 1;
    let mut inside = vec![false; (r1 - r0 + 1) * w];
    for &p in fp {
        inside[(p as usize / nx - r0) * w + p as usize % nx - c0] = true;
    }
    let has = |r: i64, c: i64| {
        r >= r0 as i64
            && c >= c0 as i64
            && r <= r1 as i64
            && c <= c1 as i64
            && inside[(r as usize - r0) * w + c as usize - c0]
    };
    // Directed edges between pixel corners (corner (r, c) = top-left of pixel (r, c) in index space) with the
    // pixel on the left when walking in (col, row) coordinates; a corner has at most two edges leaving it.
    let cw = w + 1;
    let corner = |r: i64, c: i64| (r as usize - r0) * cw + (c as usize - c0);
    let mut next: Vec<([u32; 2], u8)> = vec![([0; 2], 0); (r1 - r0 + 2) * cw];
    let mut push = |from: usize, to: usize| {
        let slot = &mut next[from];
        slot.0[slot.1 as usize] = to as u32;
        slot.1 += 1;
    };
    for &p in fp {
        let (r, c) = ((p as usize / nx) as i64, (p as usize % nx) as i64);
        if !has(r - 1, c) {
            push(corner(r, c + 1), corner(r, c));
        }
        if !has(r + 1, c) {
            push(corner(r + 1, c), corner(r + 1, c + 1));
        }
        if !has(r, c - 1) {
            push(corner(r, c), corner(r + 1, c));
        }
        if !has(r, c + 1) {
            push(corner(r + 1, c + 1), corner(r, c + 1));
        }
    }
    let starts: Vec<usize> = (0..next.len()).filter(|&k| next[k].1 > 0).collect();
    let mut best: Vec<usize> = Vec::new();
    for start in starts {
        let mut ring = vec![start];
        let mut at = start;
        while next[at].1 > 0 {
            next[at].1 -= 1;
            at = next[at].0[next[at].1 as usize] as usize;
            ring.push(at);
            if at == start {
                break;
            }
        }
        if ring.len() > best.len() && ring.first() == ring.last() {
            best = ring;
        }
    }
    let best: Vec<(i64, i64)> = best
        .iter()
        .map(|&k| ((k / cw + r0) as i64, (k % cw + c0) as i64))
        .collect();
    // Drop collinear vertices.
    let mut simple: Vec<(i64, i64)> = Vec::with_capacity(best.len());
    for (k, &v) in best.iter().enumerate() {
        if k == 0 || k + 1 == best.len() {
            simple.push(v);
            continue;
        }
        let (a, b) = (best[k - 1], best[k + 1]);
        let cross = (v.0 - a.0) * (b.1 - v.1) - (v.1 - a.1) * (b.0 - v.0);
        if cross != 0 {
            simple.push(v);
        }
    }
    let mut out: Vec<[f64; 2]> = simple
        .iter()
        .map(|&(r, c)| {
            [
                spec.x0 + (c as f64 - 0.5) * spec.dx,
                spec.y0 + (r as f64 - 0.5) * spec.dy,
            ]
        })
        .collect();
    let signed: f64 = out
        .windows(2)
        .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
        .sum();
    if signed < 0.0 {
        out.reverse();
    }
    out
}

/// Radial-velocity differences across the cell (see [`VelocityDifference`]).
fn velocity_difference(
    velocity: ArrayView2<'_, f32>,
    fp: &[u32],
    spec: &crate::geo::GridSpec,
    centroid: (f64, f64),
    radar: (f64, f64),
) -> Option<VelocityDifference> {
    let (bx, by) = (centroid.0 - radar.0, centroid.1 - radar.1);
    let range = bx.hypot(by);
    if range == 0.0 {
        return None;
    }
    let (ux, uy) = (bx / range, by / range);
    let mut sums = [(0.0, 0usize); 4]; // far, near, right, left
    for &p in fp {
        let (r, c) = (p as usize / spec.nx, p as usize % spec.nx);
        let v = f64::from(velocity[[r, c]]);
        if !v.is_finite() {
            continue;
        }
        let (x, y) = spec.xy(r, c);
        let (dx, dy) = (x - centroid.0, y - centroid.1);
        let along = dx * ux + dy * uy;
        let left = -dx * uy + dy * ux;
        let idx_a = if along > 0.0 { 0 } else { 1 };
        let idx_c = if left < 0.0 { 2 } else { 3 };
        for i in [idx_a, idx_c] {
            sums[i].0 += v;
            sums[i].1 += 1;
        }
    }
    if sums.iter().any(|s| s.1 == 0) {
        return None;
    }
    let mean = |i: usize| sums[i].0 / sums[i].1 as f64;
    Some(VelocityDifference {
        divergence_mps: mean(0) - mean(1),
        rotation_mps: mean(2) - mean(3),
        pixels: sums[0].1 + sums[1].1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cells::identify::{IdentifyConfig, identify_2d};
    use crate::geo::GridSpec;
    use ndarray::Array2;

    fn disc(n: usize, r0: f64, c0: f64, radius: f64, dbz: f32) -> Array2<f32> {
        Array2::from_shape_fn((n, n), |(r, c)| {
            if (r as f64 - r0).hypot(c as f64 - c0) <= radius {
                dbz
            } else {
                -10.0
            }
        })
    }

    #[test]
    fn square_cell_has_exact_area_outline_and_centroid() {
        let spec = GridSpec::centred_on(45.0, 10.0, 40, 1000.0).unwrap();
        let mut field = Array2::from_elem((40, 40), -10.0f32);
        field.slice_mut(ndarray::s![10..20, 5..25]).fill(45.0);
        let id = identify_2d(field.view(), &spec, &IdentifyConfig::default()).unwrap();
        let cells = measure(&id, field.view(), &CellFields::default(), None).unwrap();
        let c = &cells[0];
        assert_eq!(c.area_km2, 200.0);
        assert!((c.row - 14.5).abs() < 1e-9 && (c.col - 14.5).abs() < 1e-9);
        assert_eq!(c.outline.len(), 5);
        let (x0, y0) = spec.xy(10, 5);
        assert!(
            c.outline
                .iter()
                .any(|v| (v[0] - (x0 - 500.0)).abs() < 1e-6 && (v[1] - (y0 - 500.0)).abs() < 1e-6)
        );
        // Shoelace area of the outline = footprint area.
        let a: f64 = c
            .outline
            .windows(2)
            .map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1])
            .sum::<f64>()
            / 2e6;
        assert!((a - 200.0).abs() < 1e-6, "{a}");
        // 20 × 10 km rectangle: the second-moment semi-axes are 2σ = 20/√3 and 10/√3 km, major axis east.
        assert!((c.ellipse.major_km - 20.0 / 3f64.sqrt()).abs() < 1e-9);
        assert!((c.ellipse.minor_km - 10.0 / 3f64.sqrt()).abs() < 1e-9);
        assert!(c.ellipse.orientation_deg.abs() < 1e-9);
        assert_eq!(c.max_dbz, 45.0);
        assert!((c.max_rain_rate_mm_h - rain_rate_marshall_palmer(45.0)).abs() < 1e-9);
        assert_eq!(c.heavy_rain_area_km2, 200.0);
        assert!(c.echo_top_m.is_none() && c.vil_kg_m2.is_none());
    }

    #[test]
    fn radial_velocity_differences_see_divergence_and_rotation() {
        let spec = GridSpec::centred_on(45.0, 10.0, 60, 1000.0).unwrap();
        let field = disc(60, 30.0, 30.0, 6.0, 50.0);
        let id = identify_2d(field.view(), &spec, &IdentifyConfig::default()).unwrap();
        // Radar 100 km south of the cell; the beam points north (+y, rows increase northwards).
        let (cx, cy) = spec.xy(30, 30);
        let radar = (cx, cy - 100_000.0);
        // Divergent outflow 1e-3 s⁻¹: radial (≈ northward) component v = 1e-3·(y − cy).
        let div = Array2::from_shape_fn((60, 60), |(r, c)| {
            let (_, y) = spec.xy(r, c);
            (1e-3 * (y - cy)) as f32
        });
        // Cyclonic rotation: v = ω·(x − cx) northward.
        let rot = Array2::from_shape_fn((60, 60), |(r, c)| {
            let (x, _) = spec.xy(r, c);
            (1e-3 * (x - cx)) as f32
        });
        for (v, expect_div) in [(div, true), (rot, false)] {
            let fields = CellFields {
                radial_velocity_mps: Some(v.view()),
                radar_xy_m: Some(radar),
                ..CellFields::default()
            };
            let c = &measure(&id, field.view(), &fields, None).unwrap()[0];
            let d = c.velocity_difference.unwrap();
            if expect_div {
                assert!(
                    d.divergence_mps > 5.0 && d.rotation_mps.abs() < 0.5,
                    "{d:?}"
                );
            } else {
                assert!(
                    d.rotation_mps > 5.0 && d.divergence_mps.abs() < 0.5,
                    "{d:?}"
                );
            }
        }
        let missing = CellFields {
            radial_velocity_mps: Some(field.view()),
            ..CellFields::default()
        };
        assert!(measure(&id, field.view(), &missing, None).is_err());
    }
}
