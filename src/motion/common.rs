//! Helpers shared by the motion estimators: input checks, no-data handling and sparse-to-dense interpolation.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Checks that `frames (t, y, x)` holds at least `min_frames` frames of a non-empty grid.
pub(crate) fn check_frames(method: &str, frames: ArrayView3<f32>, min_frames: usize) -> Result<()> {
    let (nt, ny, nx) = frames.dim();
    if nt < min_frames || ny == 0 || nx == 0 {
        return Err(Error::Shape {
            what: format!("frames of {method} motion"),
            expected: format!("(t ≥ {min_frames}, y ≥ 1, x ≥ 1)"),
            found: format!("({nt}, {ny}, {nx})"),
        });
    }
    Ok(())
}

/// Smallest and largest finite value of a field, or `None` if it has none.
pub(crate) fn finite_range(field: ArrayView2<f32>) -> Option<(f32, f32)> {
    field
        .iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, &v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A copy of `field` with no-data (`NaN`, ±∞) replaced by `fill`.
pub(crate) fn filled(field: ArrayView2<f32>, fill: f32) -> Array2<f32> {
    field.mapv(|v| if v.is_finite() { v } else { fill })
}

/// Inverse-distance weighting ([`InverseDistance`]) of sparse vectors onto the pixel grid, coordinates
/// x = column, y = row. The nearest
/// neighbours are found exactly, tile by tile: for a 16 × 16 tile with centre `c` and half-diagonal `r`, every
/// pixel's `k` nearest points lie within `d_k(c) + 2r` of `c` (triangle inequality), so only those candidates are
/// searched.
///
/// # Shape
/// `points[i] = [x, y]`, `values[i] = [u, v]` → `(2, ny, nx)`; no point gives zeros.
pub(crate) fn idw_to_grid(
    points: &[[f32; 2]],
    values: &[[f32; 2]],
    shape: (usize, usize),
    idw: InverseDistance,
) -> Array3<f32> {
    let (ny, nx) = shape;
    let mut out = Array3::<f32>::zeros((2, ny, nx));
    if points.is_empty() || ny == 0 || nx == 0 {
        return out;
    }
    let k = idw.neighbours.clamp(1, points.len());
    let rows: Vec<Vec<[f32; 2]>> = (0..ny.div_ceil(TILE))
        .into_par_iter()
        .map(|tile_row| {
            let r0 = tile_row * TILE;
            let r1 = (r0 + TILE).min(ny);
            let mut band = vec![[0.0f32; 2]; (r1 - r0) * nx];
            let mut dist_c = Vec::with_capacity(points.len());
            let mut candidates = Vec::new();
            let mut near: Vec<(f32, u32)> = Vec::with_capacity(k + 1);
            for c0 in (0..nx).step_by(TILE) {
                let c1 = (c0 + TILE).min(nx);
                let (cx, cy) = (0.5 * (c0 + c1 - 1) as f32, 0.5 * (r0 + r1 - 1) as f32);
                let half_diag = 0.5 * (((c1 - c0 - 1).pow(2) + (r1 - r0 - 1).pow(2)) as f32).sqrt();
                dist_c.clear();
                dist_c.extend(points.iter().map(|p| (p[0] - cx).hypot(p[1] - cy)));
                let mut sorted = dist_c.clone();
                let (_, kth, _) = sorted.select_nth_unstable_by(k - 1, f32::total_cmp);
                let reach = *kth + 2.0 * half_diag + 1e-3;
                candidates.clear();
                candidates.extend(
                    dist_c
                        .iter()
                        .enumerate()
                        .filter(|(_, d)| **d <= reach)
                        .map(|(i, d)| (*d, i as u32)),
                );
                candidates.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for row in r0..r1 {
                    for col in c0..c1 {
                        let (x, y) = (col as f32, row as f32);
                        let from_centre = (x - cx).hypot(y - cy) + 1e-3;
                        // The k nearest, sorted by distance then index. Candidates come by distance from the
                        // tile centre: once that exceeds the current k-th distance plus this pixel's offset
                        // from the centre, no later candidate can be nearer (triangle inequality).
                        near.clear();
                        for &(dc, i) in candidates.iter() {
                            if near.len() == k && dc - from_centre > near[k - 1].0.sqrt() {
                                break;
                            }
                            let p = points[i as usize];
                            let d2 = (p[0] - x).powi(2) + (p[1] - y).powi(2);
                            if near.len() == k
                                && (d2, i).partial_cmp(&near[k - 1])
                                    != Some(std::cmp::Ordering::Less)
                            {
                                continue;
                            }
                            let at = near.partition_point(|e| (e.0, e.1) < (d2, i));
                            near.insert(at, (d2, i));
                            near.truncate(k);
                        }
                        let (mut su, mut sv, mut sw) = (0.0f64, 0.0f64, 0.0f64);
                        for &(d2, i) in &near {
                            let w = f64::from(inverse_power(d2.sqrt() + idw.offset, idw.power));
                            let val = values[i as usize];
                            su += w * f64::from(val[0]);
                            sv += w * f64::from(val[1]);
                            sw += w;
                        }
                        band[(row - r0) * nx + col] = [(su / sw) as f32, (sv / sw) as f32];
                    }
                }
            }
            band
        })
        .collect();
    let (mut u, mut v) = out.view_mut().split_at(Axis(0), 1);
    for (tile_row, band) in rows.into_iter().enumerate() {
        for (j, uv) in band.into_iter().enumerate() {
            let (row, col) = (tile_row * TILE + j / nx, j % nx);
            u[[0, row, col]] = uv[0];
            v[[0, row, col]] = uv[1];
        }
    }
    out
}

/// `d^−power`, with fast paths for the common powers.
fn inverse_power(d: f32, power: f32) -> f32 {
    if power == 0.5 {
        d.sqrt().recip()
    } else if power == 1.0 {
        d.recip()
    } else if power == 2.0 {
        (d * d).recip()
    } else {
        d.powf(-power)
    }
}

/// Side of the tiles over which [`idw_to_grid`] shares its neighbour candidates, pixels.
const TILE: usize = 16;

/// Inverse-distance weighting of sparse vectors onto the grid (pysteps' `idwinterp2d`).
///
/// Each pixel takes the weighted mean of its `neighbours` nearest vectors, with weights
/// `1 / (d + offset)^power` and `d` the distance in pixels (Shepard 1968).
///
/// # References
/// Shepard, D., 1968: A two-dimensional interpolation function for irregularly-spaced data. *Proc. 23rd ACM
/// National Conference*, 517–524, doi:10.1145/800186.810616.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InverseDistance {
    /// Number of nearest vectors averaged (≥ 1).
    pub neighbours: usize,
    /// Exponent of the inverse distance (≥ 0).
    pub power: f32,
    /// Added to every distance, pixels (> 0 keeps the weights finite at the data points).
    pub offset: f32,
}

impl Default for InverseDistance {
    /// pysteps 1.21.5: 20 neighbours, power 0.5, offset 0.5 px.
    fn default() -> Self {
        InverseDistance {
            neighbours: 20,
            power: 0.5,
            offset: 0.5,
        }
    }
}

impl InverseDistance {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`Error::Parameter`] for zero neighbours, a negative or non-finite power, or an offset that is not
    /// positive and finite.
    pub fn validate(&self) -> Result<()> {
        if self.neighbours == 0 {
            return Err(Error::parameter(
                "interpolation.neighbours",
                0,
                "at least one neighbour is needed",
            ));
        }
        if !(self.power.is_finite() && self.power >= 0.0) {
            return Err(Error::parameter(
                "interpolation.power",
                self.power,
                "must be finite and ≥ 0",
            ));
        }
        if !(self.offset.is_finite() && self.offset > 0.0) {
            return Err(Error::parameter(
                "interpolation.offset",
                self.offset,
                "must be finite and > 0",
            ));
        }
        Ok(())
    }
}

/// Indices of the `k` nearest other points of every point (excluding itself), nearest first; ties by index.
///
/// # Shape
/// `points[i] = [x, y]` → one list of at most `k` indices per point.
pub(crate) fn nearest_others(points: &[[f32; 2]], k: usize) -> Vec<Vec<usize>> {
    points
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut d: Vec<(f32, usize)> = points
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(j, q)| ((q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2), j))
                .collect();
            let order =
                |a: &(f32, usize), b: &(f32, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
            if d.len() > k {
                d.select_nth_unstable_by(k, order);
                d.truncate(k);
            }
            d.sort_unstable_by(order);
            d.into_iter().map(|(_, j)| j).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    /// Brute-force IDW of one pixel, for checking the tiled search.
    fn idw_brute(
        points: &[[f32; 2]],
        values: &[[f32; 2]],
        x: f32,
        y: f32,
        idw: InverseDistance,
    ) -> [f32; 2] {
        let mut d: Vec<(f32, usize)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| ((p[0] - x).hypot(p[1] - y), i))
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        d.truncate(idw.neighbours);
        let (mut su, mut sv, mut sw) = (0.0, 0.0, 0.0);
        for (dist, i) in d {
            let w = f64::from(dist + idw.offset).powf(-f64::from(idw.power));
            su += w * f64::from(values[i][0]);
            sv += w * f64::from(values[i][1]);
            sw += w;
        }
        [(su / sw) as f32, (sv / sw) as f32]
    }

    #[test]
    fn tiled_idw_equals_brute_force() {
        // Points clustered in one corner and a few far away: far pixels need wide candidate sets.
        let mut points = Vec::new();
        let mut values = Vec::new();
        for i in 0..60u32 {
            let a = (i as f32 * 2.399).sin();
            let b = (i as f32 * 1.731).cos();
            points.push([10.0 + 15.0 * (a + 1.0), 5.0 + 12.0 * (b + 1.0)]);
            values.push([a, b * 3.0]);
        }
        points.push([90.0, 70.0]);
        values.push([5.0, -5.0]);
        let idw = InverseDistance {
            neighbours: 20,
            power: 0.5,
            offset: 0.5,
        };
        let out = idw_to_grid(&points, &values, (75, 97), idw);
        for (row, col) in [(0, 0), (74, 96), (30, 50), (70, 90), (17, 33), (5, 96)] {
            let b = idw_brute(&points, &values, col as f32, row as f32, idw);
            assert_relative_eq!(out[[0, row, col]], b[0], epsilon = 1e-5);
            assert_relative_eq!(out[[1, row, col]], b[1], epsilon = 1e-5);
        }
    }

    #[test]
    fn idw_of_one_point_is_uniform_and_no_point_is_zero() {
        let idw = InverseDistance {
            neighbours: 20,
            power: 0.5,
            offset: 0.5,
        };
        let out = idw_to_grid(&[[3.0, 4.0]], &[[1.5, -2.0]], (20, 30), idw);
        assert!(out.index_axis(Axis(0), 0).iter().all(|&u| u == 1.5));
        assert!(out.index_axis(Axis(0), 1).iter().all(|&v| v == -2.0));
        let none = idw_to_grid(&[], &[], (4, 5), idw);
        assert!(none.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn nearest_others_skip_self() {
        let points = [[0.0, 0.0], [1.0, 0.0], [5.0, 0.0], [1.0, 1.0]];
        let n = nearest_others(&points, 2);
        assert_eq!(n[0], vec![1, 3]);
        assert_eq!(n[2], vec![1, 3]);
        assert_eq!(nearest_others(&points[..1], 3), vec![Vec::<usize>::new()]);
    }

    #[test]
    fn frames_are_checked() {
        let frames = Array3::<f32>::zeros((1, 4, 4));
        assert!(matches!(
            check_frames("test", frames.view(), 2),
            Err(Error::Shape { .. })
        ));
        let empty = Array3::<f32>::zeros((3, 0, 4));
        assert!(check_frames("test", empty.view(), 2).is_err());
        assert_eq!(
            finite_range(ndarray::arr2(&[[f32::NAN, 2.0], [-1.0, 7.0]]).view()),
            Some((-1.0, 7.0))
        );
        assert_eq!(
            finite_range(Array2::from_elem((2, 2), f32::NAN).view()),
            None
        );
    }
}
