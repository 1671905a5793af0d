//! Horizontal fields from a gridded volume: the constant-altitude PPI (CAPPI) and the composite (column maximum).

use ndarray::{Array2, Axis, Zip};

use crate::error::{Error, Result};
use crate::geo::{Grid2, Grid3};

/// The column maximum of a gridded volume (composite reflectivity for `DBZH`), ignoring `NaN`; `NaN` where the
/// whole column is `NaN`.
///
/// # Shape
/// `(nz, ny, nx)` → `(ny, nx)`, same units.
pub fn composite(grid: &Grid3) -> Grid2 {
    let values = grid.values.fold_axis(Axis(0), f32::NAN, |&acc, &v| {
        if v.is_nan() || acc >= v { acc } else { v }
    });
    Grid2 {
        spec: grid.spec.clone(),
        name: grid.name.clone(),
        units: grid.units.clone(),
        time: grid.time,
        values,
    }
}

/// The constant-altitude PPI at `height_m` (m above mean sea level): linear interpolation between the two levels
/// around it; where one of them is `NaN`, the nearer level's value if it has one, else `NaN`.
///
/// # Errors
/// [`Error::Parameter`] if `height_m` is outside the grid's levels.
pub fn cappi(grid: &Grid3, height_m: f64) -> Result<Grid2> {
    let h = &grid.heights_m;
    let (first, last) = (h[0], h[h.len() - 1]);
    if !(height_m >= first && height_m <= last) {
        return Err(Error::parameter(
            "height_m",
            height_m,
            format!("must be within the grid's levels [{first}, {last}] m"),
        ));
    }
    let upper = h.partition_point(|&z| z < height_m).min(h.len() - 1);
    let lower = upper.saturating_sub(1);
    let t = if upper == lower {
        0.0
    } else {
        ((height_m - h[lower]) / (h[upper] - h[lower])) as f32
    };
    let (a, b) = (
        grid.values.index_axis(Axis(0), lower),
        grid.values.index_axis(Axis(0), upper),
    );
    let mut values = Array2::from_elem(grid.spec.shape(), f32::NAN);
    Zip::from(&mut values)
        .and(&a)
        .and(&b)
        .for_each(|out, &a, &b| {
            *out = match (a.is_nan(), b.is_nan()) {
                (false, false) => a + t * (b - a),
                (false, true) if t <= 0.5 => a,
                (true, false) if t >= 0.5 => b,
                _ => f32::NAN,
            };
        });
    Ok(Grid2 {
        spec: grid.spec.clone(),
        name: grid.name.clone(),
        units: grid.units.clone(),
        time: grid.time,
        values,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GridSpec;
    use ndarray::Array3;

    fn column(values: &[f32]) -> Grid3 {
        let spec = GridSpec::centred_on(0.0, 0.0, 1, 1000.0).unwrap();
        Grid3 {
            spec,
            heights_m: (0..values.len()).map(|k| 1000.0 * k as f64).collect(),
            name: "DBZH".into(),
            units: "dBZ".into(),
            time: None,
            values: Array3::from_shape_vec((values.len(), 1, 1), values.to_vec()).unwrap(),
        }
    }

    #[test]
    fn composite_is_the_column_maximum_ignoring_nan() {
        assert_eq!(
            composite(&column(&[10.0, f32::NAN, 42.0, 5.0])).values[[0, 0]],
            42.0
        );
        assert!(composite(&column(&[f32::NAN, f32::NAN])).values[[0, 0]].is_nan());
    }

    #[test]
    fn cappi_interpolates_between_levels() {
        let g = column(&[10.0, 30.0, f32::NAN]);
        assert_eq!(cappi(&g, 250.0).unwrap().values[[0, 0]], 15.0);
        assert_eq!(cappi(&g, 1000.0).unwrap().values[[0, 0]], 30.0);
        assert_eq!(cappi(&g, 1400.0).unwrap().values[[0, 0]], 30.0);
        assert!(cappi(&g, 1600.0).unwrap().values[[0, 0]].is_nan());
        assert!(cappi(&g, 2500.0).is_err());
        assert!(cappi(&g, f64::NAN).is_err());
    }
}
