//! Georeferenced raster grids: [`GridSpec`] and the 2-D / 3-D fields that carry one.

use chrono::{DateTime, Utc};
use ndarray::{Array2, Array3};
use serde::Serialize;

use super::Projection;
use crate::error::{Error, Result};

/// Description of a regular raster in a map projection.
///
/// Cell `(row, col)` has its centre at `x = x0 + col·dx`, `y = y0 + row·dy` in projection coordinates (metres,
/// or degrees for lon/lat). `dy` is negative for north-up images whose first row is the northern edge.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridSpec {
    /// The map projection.
    pub projection: Projection,
    /// Number of rows (y).
    pub ny: usize,
    /// Number of columns (x).
    pub nx: usize,
    /// Projection x of the centre of column 0.
    pub x0: f64,
    /// Projection y of the centre of row 0.
    pub y0: f64,
    /// Column spacing (projection units, > 0).
    pub dx: f64,
    /// Row spacing (projection units, ≠ 0; negative when rows run southward).
    pub dy: f64,
}

impl GridSpec {
    /// A square grid of `n × n` cells of `spacing_m` metres centred on a point, in an azimuthal equidistant
    /// projection about that point (the usual single-radar grid), rows running north.
    ///
    /// # Errors
    /// [`Error::Parameter`] for zero size or a non-positive spacing.
    pub fn centred_on(
        latitude_deg: f64,
        longitude_deg: f64,
        n: usize,
        spacing_m: f64,
    ) -> Result<GridSpec> {
        if n == 0 {
            return Err(Error::parameter("n", n, "a grid needs at least one cell"));
        }
        if !(spacing_m > 0.0 && spacing_m.is_finite()) {
            return Err(Error::parameter(
                "spacing_m",
                spacing_m,
                "must be positive and finite",
            ));
        }
        let half = (n as f64 - 1.0) / 2.0 * spacing_m;
        Ok(GridSpec {
            projection: Projection::AzimuthalEquidistant {
                latitude_deg,
                longitude_deg,
            },
            ny: n,
            nx: n,
            x0: -half,
            y0: -half,
            dx: spacing_m,
            dy: spacing_m,
        })
    }

    /// `(ny, nx)`.
    pub fn shape(&self) -> (usize, usize) {
        (self.ny, self.nx)
    }

    /// Projection coordinates of the centre of cell `(row, col)`.
    pub fn xy(&self, row: usize, col: usize) -> (f64, f64) {
        (
            self.x0 + col as f64 * self.dx,
            self.y0 + row as f64 * self.dy,
        )
    }

    /// Longitude and latitude in degrees of the centre of cell `(row, col)`.
    ///
    /// # Errors
    /// [`Error::Unsupported`] where the projection is only known as a PROJ string.
    pub fn lonlat(&self, row: usize, col: usize) -> Result<(f64, f64)> {
        let (x, y) = self.xy(row, col);
        self.projection.inverse(x, y)
    }

    /// The outer edges of the grid, `[x_min, y_min, x_max, y_max]` in projection units: pysteps' `x1, y1, x2, y2`
    /// (the lower-left and upper-right corners of the domain, half a cell beyond the outer cell centres).
    ///
    /// ```
    /// use squall::geo::GridSpec;
    /// let spec = GridSpec::centred_on(0.0, 0.0, 4, 1000.0).unwrap();
    /// assert_eq!(spec.extent(), [-2000.0, -2000.0, 2000.0, 2000.0]);
    /// ```
    pub fn extent(&self) -> [f64; 4] {
        let (x_first, y_first) = self.xy(0, 0);
        let (x_last, y_last) = self.xy(self.ny.saturating_sub(1), self.nx.saturating_sub(1));
        let (hx, hy) = (self.dx.abs() / 2.0, self.dy.abs() / 2.0);
        [
            x_first.min(x_last) - hx,
            y_first.min(y_last) - hy,
            x_first.max(x_last) + hx,
            y_first.max(y_last) + hy,
        ]
    }

    /// The (fractional) `(row, col)` of projection coordinates; integer values are cell centres.
    pub fn index_of(&self, x: f64, y: f64) -> (f64, f64) {
        ((y - self.y0) / self.dy, (x - self.x0) / self.dx)
    }

    /// Checks that an array shape matches the grid.
    pub fn check_shape(&self, what: &str, shape: (usize, usize)) -> Result<()> {
        if shape == self.shape() {
            Ok(())
        } else {
            Err(Error::Shape {
                what: what.to_owned(),
                expected: format!("{:?}", self.shape()),
                found: format!("{shape:?}"),
            })
        }
    }
}

/// A 2-D field on a grid, e.g. composite reflectivity or rain rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid2 {
    /// Where the cells are.
    pub spec: GridSpec,
    /// Variable name (FM 301 / CF style), e.g. `"DBZH"` or `"rainfall_rate"`.
    pub name: String,
    /// Units, e.g. `"dBZ"` or `"mm/h"`.
    pub units: String,
    /// Valid time (UTC), where known.
    pub time: Option<DateTime<Utc>>,
    /// Values `(ny, nx)`; `NaN` = no data.
    pub values: Array2<f32>,
}

impl Grid2 {
    /// A field, checking that the array matches the grid.
    ///
    /// # Errors
    /// [`Error::Shape`] if `values` is not `(spec.ny, spec.nx)`.
    pub fn new(
        spec: GridSpec,
        name: &str,
        units: &str,
        time: Option<DateTime<Utc>>,
        values: Array2<f32>,
    ) -> Result<Grid2> {
        spec.check_shape(name, values.dim())?;
        Ok(Grid2 {
            spec,
            name: name.to_owned(),
            units: units.to_owned(),
            time,
            values,
        })
    }
}

/// A 3-D field: horizontal grid × heights, e.g. a gridded reflectivity volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid3 {
    /// Horizontal grid.
    pub spec: GridSpec,
    /// Height of each level above mean sea level, metres, `(nz,)`.
    pub heights_m: Vec<f64>,
    /// Variable name.
    pub name: String,
    /// Units.
    pub units: String,
    /// Valid time (UTC), where known.
    pub time: Option<DateTime<Utc>>,
    /// Values `(nz, ny, nx)`; `NaN` = no data.
    pub values: Array3<f32>,
}

impl Grid3 {
    /// A field without valid time filled by `f(x, y, z)`: `x`, `y` the cell centre in the grid's projection, m
    /// ([`GridSpec::xy`]), `z` the level's height, m; values `(heights_m.len(), spec.ny, spec.nx)`.
    pub fn from_fn(
        spec: GridSpec,
        heights_m: Vec<f64>,
        name: &str,
        units: &str,
        f: impl Fn(f64, f64, f64) -> f32,
    ) -> Grid3 {
        let values = Array3::from_shape_fn((heights_m.len(), spec.ny, spec.nx), |(k, j, i)| {
            let (x, y) = spec.xy(j, i);
            f(x, y, heights_m[k])
        });
        Grid3 {
            spec,
            heights_m,
            name: name.to_owned(),
            units: units.to_owned(),
            time: None,
            values,
        }
    }

    /// Checks that the values are `(heights, ny, nx)` of the heights and the horizontal grid.
    ///
    /// # Errors
    /// [`Error::Shape`] naming the variable otherwise.
    pub fn check_shape(&self) -> Result<()> {
        let expected = (self.heights_m.len(), self.spec.ny, self.spec.nx);
        if self.values.dim() != expected {
            return Err(Error::Shape {
                what: self.name.clone(),
                expected: format!("{expected:?}"),
                found: format!("{:?}", self.values.dim()),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn centred_grid_has_its_centre_at_the_point() {
        let spec = GridSpec::centred_on(23.0, 113.0, 201, 1000.0).unwrap();
        let (lon, lat) = spec.lonlat(100, 100).unwrap();
        assert_relative_eq!(lon, 113.0, epsilon = 1e-9);
        assert_relative_eq!(lat, 23.0, epsilon = 1e-9);
        let (x, y) = spec.xy(0, 200);
        assert_relative_eq!(x, 100_000.0);
        assert_relative_eq!(y, -100_000.0);
        assert_eq!(spec.index_of(x, y), (0.0, 200.0));
    }

    #[test]
    fn bad_grids_are_refused() {
        assert!(GridSpec::centred_on(0.0, 0.0, 0, 1000.0).is_err());
        assert!(GridSpec::centred_on(0.0, 0.0, 10, f64::NAN).is_err());
        let spec = GridSpec::centred_on(0.0, 0.0, 4, 1000.0).unwrap();
        let err = Grid2::new(spec, "DBZH", "dBZ", None, Array2::zeros((3, 4))).unwrap_err();
        assert!(
            err.to_string().contains("expected (4, 4), found (3, 4)"),
            "{err}"
        );
    }
}
