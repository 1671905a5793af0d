//! TREC (tracking radar echoes by correlation) with the COTREC continuity correction.
//!
//! # Steps
//! 1. No data (`NaN`) takes the smallest finite value of the frames (no rain); "rain" is anything above it.
//! 2. Boxes of `box_size` pixels every `spacing` pixels: each box of the earlier frame is compared with the
//!    later frame shifted by every integer (u, v) up to `max_speed` pixels; the shift with the highest Pearson
//!    correlation (averaged over all consecutive pairs) is the box's vector, refined to sub-pixel by a parabola
//!    through the neighbouring correlations (Rinehart and Garvey 1978; Tuttle and Foote 1990).
//! 3. Quality control: no vector for boxes with too little rain, flat boxes, a peak correlation below
//!    `min_correlation`, a peak on the edge of the search square; then the normalised median test
//!    (Westerweel and Scarano 2005) removes vectors that disagree with their 8 neighbours.
//! 4. Missing vectors of the box grid are filled by inverse-distance weighting of the valid ones (8 nearest,
//!    power 2).
//! 5. COTREC (if enabled): the closest non-divergent field on the box grid (Li, Schmid and Joss 1995), see
//!    [`Trec::cotrec`](crate::motion::trec::Trec::cotrec).
//! 6. Bilinear interpolation from the box centres to every pixel (edge values continued outwards).
//!
//! No valid vector (no rain, flat frames) gives zero motion.
//!
//! # References
//! Rinehart, R. E. and E. T. Garvey, 1978: Three-dimensional storm motion detection by conventional weather
//! radar. *Nature*, 273, 287–289, doi:10.1038/273287a0.
//! Tuttle, J. D. and G. B. Foote, 1990: Determination of the boundary layer airflow from a single Doppler
//! radar. *J. Atmos. Oceanic Technol.*, 7, 218–232, doi:10.1175/1520-0426(1990)007<0218:DOTBLA>2.0.CO;2.
//! Li, L., W. Schmid and J. Joss, 1995: Nowcasting of motion and growth of precipitation with radar over a
//! complex orography. *J. Appl. Meteor.*, 34, 1286–1300, doi:10.1175/1520-0450(1995)034<1286:NOMAGO>2.0.CO;2.

mod correlation;
mod cotrec;

use ndarray::{Array2, Array3, ArrayView3, Axis};
use serde::{Deserialize, Serialize};

use self::correlation::{Frame, Matching, box_vectors, median_test};
use super::MotionEstimator;
use super::common::{InverseDistance, check_frames, filled, finite_range, idw_to_grid};
use crate::error::{Error, Result};

/// TREC block-correlation motion, optionally COTREC-corrected.
///
/// # Shape
/// `frames (t ≥ 2, y ≥ box_size, x ≥ box_size)`, oldest first, `NaN` = no data, larger = more rain (e.g. dB
/// or dBZ) → `(2, y, x)` pixels per step.
///
/// # Errors
/// [`Error::Shape`] for fewer than two frames or a grid smaller than one box; [`Error::Parameter`] for a box
/// smaller than 4 pixels, a zero spacing, a `max_speed` below 1 or non-finite, thresholds out of range.
///
/// # Examples
/// ```
/// use ndarray::Array3;
/// use squall::motion::{MotionEstimator, trec::Trec};
/// let frames = Array3::from_shape_fn((3, 120, 120), |(t, r, c)| {
///     let (x, y) = (c as f32 - 2.5 * t as f32, r as f32 + 1.5 * t as f32);
///     20.0 + 10.0 * ((x * 0.21).sin() * (y * 0.16).cos() + 0.5 * ((x + 0.7 * y) * 0.09).sin())
/// });
/// let motion = Trec::default().estimate(frames.view())?;
/// assert!((motion[[0, 60, 60]] - 2.5).abs() < 0.2 && (motion[[1, 60, 60]] + 1.5).abs() < 0.2);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Trec {
    /// Side of the correlation boxes, pixels.
    pub box_size: usize,
    /// Distance between the corners (and centres) of neighbouring boxes, pixels.
    pub spacing: usize,
    /// Largest |u| and |v| searched, pixels per step (the search radius is its ceiling; a peak on the radius is
    /// rejected).
    pub max_speed: f32,
    /// Smallest accepted peak correlation, in (−1, 1].
    pub min_correlation: f32,
    /// Smallest fraction of rain pixels (above the frames' minimum) in a box of the earlier frames, in [0, 1].
    pub min_rain_fraction: f32,
    /// Threshold of the normalised median test (Westerweel and Scarano 2005 recommend 2; `f32::INFINITY`
    /// disables it).
    pub median_threshold: f32,
    /// Apply the COTREC correction: replace the TREC field by the non-divergent field closest to it in the
    /// least-squares sense (Li, Schmid and Joss 1995). It removes noise that shows up as spurious convergence
    /// and divergence, and also any real divergence.
    pub cotrec: bool,
}

impl Default for Trec {
    /// 24-pixel boxes every 12 pixels, ±16 px per step, correlation ≥ 0.5, ≥ 10 % rain, median test 2, COTREC.
    fn default() -> Self {
        Trec {
            box_size: 24,
            spacing: 12,
            max_speed: 16.0,
            min_correlation: 0.5,
            min_rain_fraction: 0.1,
            median_threshold: 2.0,
            cotrec: true,
        }
    }
}

/// Expected noise of a TREC vector in the median test (ε of Westerweel and Scarano 2005), pixels.
const MEDIAN_TEST_NOISE: f64 = 0.1;

/// Filling of missing box vectors, in box-grid units.
const FILL: InverseDistance = InverseDistance {
    neighbours: 8,
    power: 2.0,
    offset: 0.5,
};

impl MotionEstimator for Trec {
    fn estimate(&self, frames: ArrayView3<f32>) -> Result<Array3<f32>> {
        check_frames("TREC", frames, 2)?;
        self.validate()?;
        let (_, ny, nx) = frames.dim();
        if ny < self.box_size || nx < self.box_size {
            return Err(Error::Shape {
                what: "frames of TREC motion".to_owned(),
                expected: format!("a grid of at least {0} × {0} (one box)", self.box_size),
                found: format!("{ny} × {nx}"),
            });
        }
        let Some(vectors) = self.box_grid(frames) else {
            return Ok(Array3::zeros((2, ny, nx)));
        };
        Ok(self.interpolate_to_pixels(vectors, (ny, nx)))
    }
}

impl Trec {
    fn validate(&self) -> Result<()> {
        if self.box_size < 4 {
            return Err(Error::parameter(
                "box_size",
                self.box_size,
                "at least 4 pixels",
            ));
        }
        if self.spacing == 0 {
            return Err(Error::parameter("spacing", 0, "at least 1 pixel"));
        }
        if !(self.max_speed.is_finite() && self.max_speed >= 1.0) {
            return Err(Error::parameter(
                "max_speed",
                self.max_speed,
                "must be finite and ≥ 1 pixel per step",
            ));
        }
        if !(self.min_correlation > -1.0 && self.min_correlation <= 1.0) {
            return Err(Error::parameter(
                "min_correlation",
                self.min_correlation,
                "must be in (−1, 1]",
            ));
        }
        if !(0.0..=1.0).contains(&self.min_rain_fraction) {
            return Err(Error::parameter(
                "min_rain_fraction",
                self.min_rain_fraction,
                "must be in [0, 1]",
            ));
        }
        if self.median_threshold.is_nan() || self.median_threshold <= 0.0 {
            return Err(Error::parameter(
                "median_threshold",
                self.median_threshold,
                "must be > 0",
            ));
        }
        Ok(())
    }

    /// Box-centre vectors `(u, v)` on the box grid, after quality control, filling and COTREC; `None` if no box
    /// has a vector.
    fn box_grid(&self, frames: ArrayView3<f32>) -> Option<(Array2<f64>, Array2<f64>)> {
        let (_, ny, nx) = frames.dim();
        let low = frames
            .axis_iter(Axis(0))
            .filter_map(finite_range)
            .map(|(lo, _)| lo)
            .reduce(f32::min)?;
        let prepared: Vec<Frame> = frames
            .axis_iter(Axis(0))
            .map(|f| Frame::new(filled(f, low)))
            .collect();
        let origins = |n: usize| {
            (0..=n - self.box_size)
                .step_by(self.spacing)
                .collect::<Vec<usize>>()
        };
        let (rows, cols) = (origins(ny), origins(nx));
        let matching = Matching {
            box_size: self.box_size,
            radius: self.max_speed.ceil() as i64,
            min_correlation: self.min_correlation,
            min_rain_fraction: self.min_rain_fraction,
            rain_above: low + 1e-6 * (1.0 + low.abs()),
        };
        let raw = box_vectors(&prepared, &rows, &cols, &matching).mapv(|b| b.map(|(v, _)| v));
        let checked = if self.median_threshold.is_finite() {
            median_test(&raw, f64::from(self.median_threshold), MEDIAN_TEST_NOISE)
        } else {
            raw
        };
        let (gy, gx) = checked.dim();
        let mut points = Vec::new();
        let mut values = Vec::new();
        for ((r, c), v) in checked.indexed_iter() {
            if let Some(v) = v {
                points.push([c as f32, r as f32]);
                values.push([v[0] as f32, v[1] as f32]);
            }
        }
        if points.is_empty() {
            return None;
        }
        let fill = idw_to_grid(&points, &values, (gy, gx), FILL);
        let pick = |k: usize| {
            Array2::from_shape_fn((gy, gx), |(r, c)| {
                checked[[r, c]].map_or(f64::from(fill[[k, r, c]]), |v| v[k])
            })
        };
        let (u, v) = (pick(0), pick(1));
        Some(if self.cotrec {
            cotrec::cotrec(u.view(), v.view())
        } else {
            (u, v)
        })
    }

    /// Bilinear interpolation from the box centres (`(box_size − 1)/2 + k·spacing`) to every pixel.
    fn interpolate_to_pixels(
        &self,
        (u, v): (Array2<f64>, Array2<f64>),
        (ny, nx): (usize, usize),
    ) -> Array3<f32> {
        let (gy, gx) = u.dim();
        let first = (self.box_size as f64 - 1.0) / 2.0;
        let spacing = self.spacing as f64;
        let axis = |n: usize, g: usize| -> Vec<(usize, usize, f64)> {
            (0..n)
                .map(|i| {
                    let t = ((i as f64 - first) / spacing).clamp(0.0, (g - 1) as f64);
                    let i0 = (t.floor() as usize).min(g - 1);
                    let i1 = (i0 + 1).min(g - 1);
                    (i0, i1, t - i0 as f64)
                })
                .collect()
        };
        let (ys, xs) = (axis(ny, gy), axis(nx, gx));
        let mut out = Array3::<f32>::zeros((2, ny, nx));
        for (k, field) in [u, v].iter().enumerate() {
            for (r, &(r0, r1, fy)) in ys.iter().enumerate() {
                for (c, &(c0, c1, fx)) in xs.iter().enumerate() {
                    let top = field[[r0, c0]] + fx * (field[[r0, c1]] - field[[r0, c0]]);
                    let bottom = field[[r1, c0]] + fx * (field[[r1, c1]] - field[[r1, c0]]);
                    out[[k, r, c]] = (top + fy * (bottom - top)) as f32;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texture(
        t: usize,
        ny: usize,
        nx: usize,
        motion: impl Fn(f32, f32) -> (f32, f32),
    ) -> Array3<f32> {
        Array3::from_shape_fn((t, ny, nx), |(k, r, c)| {
            // Advect backwards along a steady field (one explicit step is enough for these small motions).
            let (mut x, mut y) = (c as f32, r as f32);
            for _ in 0..k {
                let (u, v) = motion(x, y);
                (x, y) = (x - u, y - v);
            }
            20.0 + 10.0 * ((x * 0.21).sin() * (y * 0.16).cos() + 0.5 * ((x + 0.7 * y) * 0.09).sin())
        })
    }

    #[test]
    fn uniform_motion_with_and_without_cotrec() {
        let frames = texture(3, 100, 130, |_, _| (-3.3, 2.1));
        for cotrec in [false, true] {
            let trec = Trec {
                cotrec,
                ..Default::default()
            };
            let m = trec.estimate(frames.view()).unwrap();
            for (r, c) in [(10, 10), (50, 65), (90, 120)] {
                assert!(
                    (m[[0, r, c]] + 3.3).abs() < 0.15,
                    "{cotrec} {}",
                    m[[0, r, c]]
                );
                assert!(
                    (m[[1, r, c]] - 2.1).abs() < 0.15,
                    "{cotrec} {}",
                    m[[1, r, c]]
                );
            }
        }
    }

    #[test]
    fn no_rain_and_missing_data_give_zero_or_finite_motion() {
        for value in [0.0, -15.0, f32::NAN] {
            let frames = Array3::from_elem((2, 40, 40), value);
            let m = Trec::default().estimate(frames.view()).unwrap();
            assert!(m.iter().all(|&x| x == 0.0));
        }
        let mut frames = texture(2, 60, 60, |_, _| (1.0, 0.0));
        frames.slice_mut(ndarray::s![.., 0..30, ..]).fill(f32::NAN);
        let m = Trec::default().estimate(frames.view()).unwrap();
        assert!(m.iter().all(|x| x.is_finite()));
    }

    #[test]
    fn bad_input_is_refused() {
        let small = Array3::<f32>::zeros((2, 10, 40));
        assert!(matches!(
            Trec::default().estimate(small.view()),
            Err(Error::Shape { .. })
        ));
        let one = Array3::<f32>::zeros((1, 40, 40));
        assert!(matches!(
            Trec::default().estimate(one.view()),
            Err(Error::Shape { .. })
        ));
        let frames = Array3::<f32>::zeros((2, 40, 40));
        for bad in [
            Trec {
                box_size: 2,
                ..Default::default()
            },
            Trec {
                spacing: 0,
                ..Default::default()
            },
            Trec {
                max_speed: f32::NAN,
                ..Default::default()
            },
            Trec {
                min_correlation: 2.0,
                ..Default::default()
            },
            Trec {
                min_rain_fraction: -0.1,
                ..Default::default()
            },
            Trec {
                median_threshold: 0.0,
                ..Default::default()
            },
        ] {
            assert!(
                matches!(bad.estimate(frames.view()), Err(Error::Parameter { .. })),
                "{bad:?}"
            );
        }
    }
}
