//! Storm cells and their tracks as 3-D lines for the `.glb` scene: the outline of each cell at its echo top, a
//! vertical core axis from the ground to the top, the track so far and the forecast track along the ground.

use super::glb::Polyline;
use crate::error::{Error, Result};

/// Linear RGBA colours of the lines (glTF colour factors are linear).
const OUTLINE: [f32; 4] = [0.0, 0.0, 0.0, 1.0];
const AXIS: [f32; 4] = [0.2, 0.2, 0.2, 1.0];
const HISTORY: [f32; 4] = [0.0, 0.0, 0.25, 1.0];
const FORECAST: [f32; 4] = [0.58, 0.0, 0.58, 1.0];

/// One cell as the 3-D scene draws it; coordinates are projection metres of the scene's grid.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CellLines {
    /// Track id (names the lines), if tracked.
    pub track: Option<u64>,
    /// Centroid `(x, y)`, m.
    pub centre: [f64; 2],
    /// Closed outline `(x, y)`, m (may be empty).
    pub outline: Vec<[f64; 2]>,
    /// Echo top, m above mean sea level (the outline's height; without one the outline is drawn at `base_m`).
    pub top_m: Option<f64>,
    /// Past centroids of the track, oldest first, ending at this cell (may be empty).
    pub history: Vec<[f64; 2]>,
    /// Forecast centroids from now to the longest lead time (may be empty).
    pub forecast: Vec<[f64; 2]>,
}

/// The polylines of the cells: outline at the echo top, core axis from `base_m` to the top, history and forecast
/// tracks at `base_m` (m above mean sea level). Parts with fewer than two points are left out.
///
/// # Errors
/// [`Error::Parameter`] for a non-finite coordinate or height.
pub fn cell_polylines(cells: &[CellLines], base_m: f64) -> Result<Vec<Polyline>> {
    let mut out = Vec::new();
    for (i, c) in cells.iter().enumerate() {
        let finite = |p: &[f64; 2]| p[0].is_finite() && p[1].is_finite();
        if !(finite(&c.centre)
            && c.outline.iter().all(finite)
            && c.history.iter().all(finite)
            && c.forecast.iter().all(finite)
            && c.top_m.is_none_or(f64::is_finite)
            && base_m.is_finite())
        {
            return Err(Error::parameter(
                "cell",
                i,
                "cell lines need finite coordinates and heights",
            ));
        }
        let name = c
            .track
            .map_or_else(|| format!("cell {i}"), |t| format!("track {t}"));
        let top = c.top_m.unwrap_or(base_m);
        let mut push = |what: &str, points: Vec<[f64; 3]>, colour: [f32; 4]| {
            if points.len() >= 2 {
                out.push(Polyline {
                    name: format!("{name} {what}"),
                    points,
                    colour,
                });
            }
        };
        let at = |h: f64| move |p: &[f64; 2]| [p[0], p[1], h];
        push("outline", c.outline.iter().map(at(top)).collect(), OUTLINE);
        if top > base_m {
            push(
                "core axis",
                vec![at(base_m)(&c.centre), at(top)(&c.centre)],
                AXIS,
            );
        }
        push("track", c.history.iter().map(at(base_m)).collect(), HISTORY);
        push(
            "forecast",
            c.forecast.iter().map(at(base_m)).collect(),
            FORECAST,
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_a_tracked_cell() {
        let cell = CellLines {
            track: Some(7),
            centre: [0.0, 0.0],
            outline: vec![[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, -1.0]],
            top_m: Some(9000.0),
            history: vec![[-2.0, 0.0], [0.0, 0.0]],
            forecast: vec![[0.0, 0.0], [2.0, 0.0], [4.0, 0.0]],
        };
        let lines = cell_polylines(std::slice::from_ref(&cell), 500.0).unwrap();
        let names: Vec<_> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "track 7 outline",
                "track 7 core axis",
                "track 7 track",
                "track 7 forecast"
            ]
        );
        assert_eq!(lines[0].points[0], [-1.0, -1.0, 9000.0]);
        assert_eq!(lines[1].points, vec![[0.0, 0.0, 500.0], [0.0, 0.0, 9000.0]]);
        assert_eq!(lines[3].points.len(), 3);
        // An untracked cell without a top: its outline only, at the base.
        let lone = CellLines {
            track: None,
            top_m: None,
            history: vec![],
            forecast: vec![[1.0, 1.0]],
            ..cell.clone()
        };
        let lines = cell_polylines(&[lone], 500.0).unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].points[0][2], 500.0);
        let bad = CellLines {
            top_m: Some(f64::NAN),
            ..cell
        };
        assert!(cell_polylines(&[bad], 0.0).is_err());
    }
}
