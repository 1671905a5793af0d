//! [`GridSequence`]: a time-ordered stack of 2-D fields on one grid, the input of nowcasting.

use chrono::{DateTime, Utc};
use ndarray::{Array3, ArrayView2, Axis};

use super::{Grid2, GridSpec};
use crate::error::{Error, Result};

/// Equally spaced frames of one variable on one grid, oldest first: a radar composite sequence.
///
/// # Shape
/// `values` is `(t, y, x)` = `(times.len(), spec.ny, spec.nx)`; row 0 of each frame is the first row of the grid
/// (`spec.y0`; the northern edge for north-up composites, where `spec.dy < 0`).
///
/// # Units
/// - `name = "rainfall_rate"`, `units = "mm/h"`: rain rate in mm h⁻¹; `0` = no rain (also where the radar saw
///   no echo); `NaN` = no data (outside coverage, blocked or missing).
/// - `name = "DBZH"`, `units = "dBZ"`: equivalent reflectivity factor; the lowest value a product can code means
///   no echo (−32 dBZ for the FMI composite, see [`crate::io::composite`]); `NaN` = no data.
///
/// Times are the valid times in UTC; [`GridSequence::timestep_s`] is the constant step between them.
#[derive(Debug, Clone, PartialEq)]
pub struct GridSequence {
    /// Where the cells are (the same for every frame).
    pub spec: GridSpec,
    /// Variable name: `"rainfall_rate"` or `"DBZH"`.
    pub name: String,
    /// Units: `"mm/h"` or `"dBZ"`.
    pub units: String,
    /// Valid time of each frame (UTC), strictly increasing by `timestep_s`.
    pub times: Vec<DateTime<Utc>>,
    /// Values `(t, y, x)`; `NaN` = no data.
    pub values: Array3<f32>,
    /// Step between consecutive frames, seconds (0 for a single frame).
    pub timestep_s: i64,
}

impl GridSequence {
    /// A sequence, checking the shape and that the times are strictly increasing with one constant step.
    ///
    /// # Errors
    /// [`Error::Shape`] if `values` is not `(times.len(), spec.ny, spec.nx)`; [`Error::Parameter`] for no
    /// frames, or times that are not strictly increasing at a constant step.
    ///
    /// # Examples
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use ndarray::Array3;
    /// use squall::geo::{GridSequence, GridSpec};
    ///
    /// let spec = GridSpec::centred_on(50.0, 5.0, 4, 1000.0).unwrap();
    /// let t0 = Utc.with_ymd_and_hms(2021, 7, 4, 15, 50, 0).unwrap();
    /// let times = vec![t0, t0 + chrono::Duration::minutes(5)];
    /// let seq = GridSequence::new(spec, "rainfall_rate", "mm/h", times, Array3::zeros((2, 4, 4))).unwrap();
    /// assert_eq!((seq.len(), seq.timestep_s), (2, 300));
    /// assert_eq!(seq.frame(1).dim(), (4, 4));
    /// ```
    pub fn new(
        spec: GridSpec,
        name: &str,
        units: &str,
        times: Vec<DateTime<Utc>>,
        values: Array3<f32>,
    ) -> Result<GridSequence> {
        let expected = (times.len(), spec.ny, spec.nx);
        if values.dim() != expected {
            return Err(Error::Shape {
                what: format!("{name} sequence"),
                expected: format!("{expected:?}"),
                found: format!("{:?}", values.dim()),
            });
        }
        let timestep_s = constant_step_s(&times)?;
        Ok(GridSequence {
            spec,
            name: name.to_owned(),
            units: units.to_owned(),
            times,
            values,
            timestep_s,
        })
    }

    /// Stacks single fields into a sequence (they must share grid, name and units, and be evenly spaced in time).
    ///
    /// # Errors
    /// [`Error::Parameter`] for no frames, a frame without a time, or times that are not strictly increasing at
    /// a constant step; [`Error::Shape`] when a frame's grid, name or units differ from the first one's.
    pub fn from_frames(frames: &[Grid2]) -> Result<GridSequence> {
        let first = frames
            .first()
            .ok_or_else(|| Error::parameter("frames", 0, "a sequence needs at least one frame"))?;
        let mut times = Vec::with_capacity(frames.len());
        for (k, f) in frames.iter().enumerate() {
            if (&f.spec, &f.name, &f.units) != (&first.spec, &first.name, &first.units) {
                return Err(Error::Shape {
                    what: format!("frame {k} of {}", first.name),
                    expected: format!("{} [{}] on {:?}", first.name, first.units, first.spec),
                    found: format!("{} [{}] on {:?}", f.name, f.units, f.spec),
                });
            }
            times.push(f.time.ok_or_else(|| {
                Error::parameter("frames", k, "every frame of a sequence needs a valid time")
            })?);
        }
        let views: Vec<_> = frames.iter().map(|f| f.values.view()).collect();
        let values = ndarray::stack(Axis(0), &views).map_err(|e| Error::Shape {
            what: "frames".into(),
            expected: format!("{:?}", first.spec.shape()),
            found: e.to_string(),
        })?;
        GridSequence::new(first.spec.clone(), &first.name, &first.units, times, values)
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// Whether there are no frames (never true for a sequence made by [`GridSequence::new`]).
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Frame `k`, `(y, x)`.
    ///
    /// # Panics
    /// If `k >= self.len()`, like slice indexing.
    pub fn frame(&self, k: usize) -> ArrayView2<'_, f32> {
        self.values.index_axis(Axis(0), k)
    }

    /// The frames as separate [`Grid2`] fields (copies the values).
    pub fn to_frames(&self) -> Vec<Grid2> {
        self.times
            .iter()
            .enumerate()
            .map(|(k, &t)| Grid2 {
                spec: self.spec.clone(),
                name: self.name.clone(),
                units: self.units.clone(),
                time: Some(t),
                values: self.frame(k).to_owned(),
            })
            .collect()
    }
}

/// The constant step between strictly increasing times, seconds (0 for one time).
fn constant_step_s(times: &[DateTime<Utc>]) -> Result<i64> {
    if times.is_empty() {
        return Err(Error::parameter(
            "times",
            0,
            "a sequence needs at least one frame",
        ));
    }
    let step = times
        .get(1)
        .map_or(0, |t| (*t - times[0]).num_milliseconds());
    for (k, pair) in times.windows(2).enumerate() {
        let dt = (pair[1] - pair[0]).num_milliseconds();
        if dt <= 0 || dt != step {
            return Err(Error::parameter(
                "times",
                format!("{} → {}", pair[0], pair[1]),
                format!(
                    "frames {k} and {} are {} s apart; a sequence needs strictly increasing times {} s apart",
                    k + 1,
                    dt as f64 / 1000.0,
                    step as f64 / 1000.0
                ),
            ));
        }
    }
    Ok(step / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use ndarray::Array2;

    fn frame(spec: &GridSpec, minutes: i64, fill: f32) -> Grid2 {
        let t0 = Utc.with_ymd_and_hms(2018, 6, 16, 10, 0, 0).unwrap();
        Grid2::new(
            spec.clone(),
            "rainfall_rate",
            "mm/h",
            Some(t0 + Duration::minutes(minutes)),
            Array2::from_elem(spec.shape(), fill),
        )
        .unwrap()
    }

    #[test]
    fn frames_round_trip() {
        let spec = GridSpec::centred_on(-37.85, 144.75, 3, 500.0).unwrap();
        let frames: Vec<_> = (0..4).map(|k| frame(&spec, 6 * k, k as f32)).collect();
        let seq = GridSequence::from_frames(&frames).unwrap();
        assert_eq!(
            (seq.len(), seq.timestep_s, seq.values.dim()),
            (4, 360, (4, 3, 3))
        );
        assert!(!seq.is_empty());
        assert_eq!(seq.frame(2)[[1, 1]], 2.0);
        assert_eq!(seq.to_frames(), frames);
        let single = GridSequence::from_frames(&frames[..1]).unwrap();
        assert_eq!(single.timestep_s, 0);
    }

    #[test]
    fn uneven_or_unordered_times_are_refused() {
        let spec = GridSpec::centred_on(0.0, 0.0, 2, 1000.0).unwrap();
        for minutes in [[0, 5, 15], [0, 5, 5], [10, 5, 0]] {
            let frames: Vec<_> = minutes.iter().map(|&m| frame(&spec, m, 0.0)).collect();
            let err = GridSequence::from_frames(&frames).unwrap_err();
            assert!(matches!(err, Error::Parameter { .. }), "{err}");
        }
        assert!(GridSequence::from_frames(&[]).is_err());
        let mut other = frame(&spec, 5, 0.0);
        other.units = "dBZ".into();
        let err = GridSequence::from_frames(&[frame(&spec, 0, 0.0), other]).unwrap_err();
        assert!(err.to_string().contains("frame 1"), "{err}");
        let err =
            GridSequence::new(spec, "DBZH", "dBZ", vec![], Array3::zeros((1, 2, 2))).unwrap_err();
        assert!(err.to_string().contains("expected (0, 2, 2)"), "{err}");
    }
}
