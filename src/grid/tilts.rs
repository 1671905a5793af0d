//! A volume's tilts gridded in the horizontal only ([`TiltPlanes`]) and the levels between them filled by linear
//! interpolation in height along each column ([`Vertical::Interpolate`]).

use ndarray::{Array2, Array3, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::geo::FourThirdsEarth;

/// Sweeps whose mean elevations differ by less than this are one tilt (the split cuts of a NEXRAD VCP), degrees.
pub(crate) const SAME_TILT_DEG: f64 = 0.25;

/// How a [`GridMapping`](super::GridMapping) fills the levels of a column.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vertical {
    /// Every bin reaches the cells within its 3-D radius of influence (as `pyart.map.grid_from_radars`): levels
    /// between beams farther apart than two radii stay `NaN` (at 40 km from a VCP 21 radar its 6.0° and 9.9°
    /// beams are 2.8 km apart, with a radius of 0.7 km).
    #[default]
    Radius,
    /// Every tilt is gridded in the horizontal only (its bins' radius of influence in the plane), then each level
    /// takes the linear interpolation in height between the two tilts whose beam axes bracket it over the column
    /// ([`TiltPlanes::interpolate`]): a CAPPI without gaps between tilts.
    ///
    /// # References
    /// Zhang, J., Howard, K. and Gourley, J. J., 2005: Constructing three-dimensional multiple-radar reflectivity
    /// mosaics: examples of convective storms and stratiform rain echoes. *J. Atmos. Oceanic Technol.* 22,
    /// 30–42, doi:10.1175/JTECH-1689.1 (horizontal analysis on each tilt, linear interpolation between tilts in
    /// the vertical).
    Interpolate,
}

/// Each tilt of a volume on the grid's columns: the tilt's value (its gates weighted in the horizontal only) and
/// the height of its beam axis over every column.
///
/// Sweeps whose elevations are within 0.25° of each other (split cuts) form one tilt; sweeps at 60° or more
/// (birdbath scans) are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct TiltPlanes {
    /// Mean elevation of each tilt, degrees, increasing.
    pub elevations_deg: Vec<f64>,
    /// The volume's beam width, degrees.
    pub beam_width_deg: f64,
    /// Ground distance of each column from the radar `(ny, nx)`, m.
    pub ground_range_m: Array2<f32>,
    /// Height of each tilt's beam axis over each column `(n_tilts, ny, nx)` (4/3-earth model), m above mean sea
    /// level.
    pub beam_height_m: Array3<f32>,
    /// Each tilt's value over each column `(n_tilts, ny, nx)`, in the moment's units: the weighted mean (or
    /// nearest value) of its valid gates within reach; `−∞` where only no-echo gates reach the column, `NaN`
    /// where no gate does.
    pub values: Array3<f32>,
}

impl TiltPlanes {
    /// Number of tilts.
    pub fn n_tilts(&self) -> usize {
        self.elevations_deg.len()
    }

    /// Half the beam width of tilt `k` over a column at ground range `ground_range_m`, m.
    pub fn half_beam_m(&self, k: usize, ground_range_m: f64) -> f64 {
        ground_range_m / self.elevations_deg[k].to_radians().cos()
            * (self.beam_width_deg / 2.0).to_radians().tan()
    }

    /// The `(beam height, value)` of every tilt over column `(row, col)`, lowest tilt first.
    pub fn column(&self, row: usize, col: usize) -> impl Iterator<Item = (f64, f32)> + '_ {
        (0..self.n_tilts()).map(move |k| {
            (
                f64::from(self.beam_height_m[[k, row, col]]),
                self.values[[k, row, col]],
            )
        })
    }

    /// Values on the levels `heights_m` (m above mean sea level) `(nz, ny, nx)`: between the two tilts whose beam
    /// axes bracket a level over its column, the linear interpolation in height of their values; where one of
    /// them has no value (`NaN`) or no echo (`−∞`), the other's value within half a beam width of its axis, else
    /// no echo if either saw none, else `NaN`. Below the lowest and above the highest tilt, that tilt's value
    /// within half a beam width of its axis, else `NaN`.
    pub fn interpolate(&self, heights_m: &[f64]) -> Array3<f32> {
        let (_, ny, nx) = self.values.dim();
        let mut out = Array3::from_elem((heights_m.len(), ny, nx), f32::NAN);
        let n = self.n_tilts();
        if n == 0 {
            return out;
        }
        out.axis_iter_mut(Axis(1))
            .into_par_iter()
            .enumerate()
            .for_each_init(
                || (Vec::with_capacity(n), Vec::with_capacity(n)),
                |(hs, halves), (row, mut plane)| {
                    for col in 0..nx {
                        let s = f64::from(self.ground_range_m[[row, col]]);
                        hs.clear();
                        hs.extend((0..n).map(|k| f64::from(self.beam_height_m[[k, row, col]])));
                        halves.clear();
                        halves.extend((0..n).map(|k| self.half_beam_m(k, s)));
                        let value = |k: usize| self.values[[k, row, col]];
                        for (iz, &z) in heights_m.iter().enumerate() {
                            plane[[iz, col]] = between_tilts(z, hs, halves, value);
                        }
                    }
                },
            );
        out
    }
}

/// The value at height `z` of a column whose tilts have beam heights `hs` (increasing), half beam widths
/// `halves` and values `value(k)` (see [`TiltPlanes::interpolate`]).
fn between_tilts(z: f64, hs: &[f64], halves: &[f64], value: impl Fn(usize) -> f32) -> f32 {
    let n = hs.len();
    let above = hs.partition_point(|&h| h <= z);
    let within = |k: usize| (z - hs[k]).abs() <= halves[k];
    if above == 0 || above == n {
        let k = if above == 0 { 0 } else { n - 1 };
        return if within(k) { value(k) } else { f32::NAN };
    }
    let (lo, hi) = (above - 1, above);
    let (a, b) = (value(lo), value(hi));
    if a.is_finite() && b.is_finite() {
        let t = ((z - hs[lo]) / (hs[hi] - hs[lo])) as f32;
        return a + t * (b - a);
    }
    if a.is_finite() && within(lo) {
        a
    } else if b.is_finite() && within(hi) {
        b
    } else if a == f32::NEG_INFINITY || b == f32::NEG_INFINITY {
        f32::NEG_INFINITY
    } else {
        f32::NAN
    }
}

/// Sweeps at or above this elevation (birdbath scans) are not tilts, degrees.
pub(crate) const MAX_TILT_DEG: f64 = 60.0;

/// Tilts of a volume: per tilt, its mean elevation and the indices (into the mapping's gridded sweeps) of its
/// sweeps, by increasing elevation (sweeps at or above [`MAX_TILT_DEG`] left out).
pub(crate) fn group_tilts(elevations_deg: &[f64]) -> Vec<(f64, Vec<usize>)> {
    let mut order: Vec<usize> = (0..elevations_deg.len())
        .filter(|&i| elevations_deg[i] < MAX_TILT_DEG)
        .collect();
    order.sort_by(|&a, &b| elevations_deg[a].total_cmp(&elevations_deg[b]));
    let mut tilts: Vec<(f64, Vec<usize>)> = Vec::new();
    for i in order {
        let e = elevations_deg[i];
        match tilts.last_mut() {
            Some((mean, members)) if (e - *mean).abs() < SAME_TILT_DEG => {
                members.push(i);
                *mean =
                    members.iter().map(|&m| elevations_deg[m]).sum::<f64>() / members.len() as f64;
            }
            _ => tilts.push((e, vec![i])),
        }
    }
    tilts
}

/// Height above mean sea level of the beam axis of elevation `elevation_deg` over a point `ground_range_m` from
/// a radar at `altitude_m` (4/3-earth model: the beam and the point's vertical meet where
/// (ka + h) cos(θ + s/ka) = ka cos θ); `NaN` beyond the beam's reach.
pub(crate) fn beam_height_over_m(ground_range_m: f64, elevation_deg: f64, altitude_m: f64) -> f64 {
    let ka = FourThirdsEarth::default().effective_radius_m;
    let theta = elevation_deg.to_radians();
    let angle = theta + ground_range_m / ka;
    if angle >= std::f64::consts::FRAC_PI_2 {
        return f64::NAN;
    }
    ka * theta.cos() / angle.cos() - ka + altitude_m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beam_height_over_a_point_matches_the_beam_geometry() {
        let earth = FourThirdsEarth::default();
        for (r, e) in [(40_000.0, 9.9), (90_000.0, 3.35), (5_000.0, 19.5)] {
            let s = earth.ground_range_m(r, e);
            let h = beam_height_over_m(s, e, 100.0);
            assert!(
                (h - 100.0 - earth.beam_height_m(r, e)).abs() < 0.01,
                "{r} {e}"
            );
        }
    }

    #[test]
    fn split_cuts_are_one_tilt() {
        let tilts = group_tilts(&[0.5, 0.48, 1.45, 1.5, 2.4, 19.5, 9.9, 90.0]);
        let elevations: Vec<f64> = tilts.iter().map(|t| t.0).collect();
        assert_eq!(tilts.len(), 5);
        assert!((elevations[0] - 0.49).abs() < 1e-9 && (elevations[1] - 1.475).abs() < 1e-9);
        assert_eq!(tilts[0].1, vec![1, 0]);
        assert_eq!(tilts[4].1, vec![5]);
    }

    #[test]
    fn values_between_tilts() {
        let hs = [1_000.0, 3_000.0, 6_000.0];
        let halves = [200.0; 3];
        let v = [10.0f32, 30.0, f32::NEG_INFINITY];
        let at = |z| between_tilts(z, &hs, &halves, |k| v[k]);
        assert_eq!(at(2_000.0), 20.0);
        assert_eq!(at(1_000.0), 10.0);
        // below the lowest tilt: within half a beam only
        assert_eq!(at(850.0), 10.0);
        assert!(at(700.0).is_nan());
        // towards a tilt without echo: the echo's value within half a beam, then no echo
        assert_eq!(at(3_150.0), 30.0);
        assert_eq!(at(4_000.0), f32::NEG_INFINITY);
        assert_eq!(at(6_100.0), f32::NEG_INFINITY);
        assert!(at(6_300.0).is_nan());
        let w = [10.0f32, f32::NAN, 20.0];
        assert!(between_tilts(2_000.0, &hs, &halves, |k| w[k]).is_nan());
    }
}
