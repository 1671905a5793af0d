//! ZDR columns: positive differential reflectivity lofted above the freezing level by an updraft.

use ndarray::{Array2, ArrayView3, Axis};

use super::column::{check_column, per_column, top_crossing};
use crate::error::{Error, Result};

/// Settings of the ZDR-column depth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ZdrColumn {
    /// Height of the 0 °C level, m above mean sea level.
    pub freezing_level_m: f64,
    /// ZDR threshold, dB (1 dB).
    pub zdr_threshold_db: f32,
    /// Columns count only where the column's maximum reflectivity reaches this, dBZ (40 dBZ).
    pub min_reflectivity_dbz: f32,
}

impl ZdrColumn {
    /// Snyder et al.'s settings (1 dB, 40 dBZ) with the given freezing level.
    pub fn new(freezing_level_m: f64) -> ZdrColumn {
        ZdrColumn {
            freezing_level_m,
            zdr_threshold_db: 1.0,
            min_reflectivity_dbz: 40.0,
        }
    }

    /// Depth of the ZDR column, m: from the freezing level up to where ZDR last stays at or above the threshold in
    /// the contiguous run of levels starting at the first level at or above the freezing level (the top
    /// interpolated as for echo tops). 0 where that first level is below the threshold or the column's maximum
    /// reflectivity is below `min_reflectivity_dbz`; `NaN` where the ZDR column has no value.
    ///
    /// # Shape
    /// reflectivity and zdr `(nz, ny, nx)` (dBZ, dB) on `heights_m (nz,)` → `(ny, nx)` m.
    ///
    /// # Errors
    /// [`Error::Shape`] if the fields differ in shape or do not match the heights; [`Error::Parameter`] for a
    /// non-finite freezing level.
    ///
    /// # References
    /// Snyder, J. C., Ryzhkov, A. V., Kumjian, M. R., Khain, A. P. and Picca, J., 2015: A ZDR column detection
    /// algorithm to examine convective storm updrafts. *Wea. Forecasting* 30, 1819–1844,
    /// doi:10.1175/WAF-D-15-00068.1.
    pub fn depth(
        &self,
        reflectivity: ArrayView3<f32>,
        zdr: ArrayView3<f32>,
        heights_m: &[f64],
    ) -> Result<Array2<f32>> {
        check_column("zdr", &zdr, heights_m)?;
        if reflectivity.dim() != zdr.dim() {
            return Err(Error::Shape {
                what: "reflectivity".to_owned(),
                expected: format!("{:?}", zdr.dim()),
                found: format!("{:?}", reflectivity.dim()),
            });
        }
        if !self.freezing_level_m.is_finite() {
            return Err(Error::parameter(
                "freezing_level_m",
                self.freezing_level_m,
                "must be finite",
            ));
        }
        let h0 = self.freezing_level_m;
        let start = heights_m.partition_point(|&h| h < h0);
        let column_max =
            reflectivity.fold_axis(
                Axis(0),
                f32::NEG_INFINITY,
                |&a, &v| {
                    if v > a { v } else { a }
                },
            );
        Ok(per_column(&zdr, |column, cell| {
            if column_max[cell] < self.min_reflectivity_dbz || start >= column.len() {
                return 0.0;
            }
            top_crossing(column, heights_m, self.zdr_threshold_db, start, true)
                .map_or(0.0, |top| (top - h0).max(0.0) as f32)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn contiguous_run_above_the_freezing_level() {
        let heights: Vec<f64> = (0..8).map(|k| 1000.0 * k as f64).collect();
        // Freezing level 3 km: ZDR 2 dB at 3, 4, 5 km, 0 dB at 6 km, 3 dB again at 7 km (not contiguous).
        let zdr_col = [3.0, 3.0, 2.0, 2.0, 2.0, 2.0, 0.0, 3.0];
        let zdr = Array3::from_shape_vec((8, 1, 1), zdr_col.to_vec()).unwrap();
        let z = Array3::from_elem((8, 1, 1), 45.0f32);
        let depth = ZdrColumn::new(3000.0)
            .depth(z.view(), zdr.view(), &heights)
            .unwrap();
        // Top: 5 km + (2 − 1)/(2 − 0) km = 5.5 km → depth 2.5 km.
        assert!((depth[[0, 0]] - 2500.0).abs() < 1e-3);
        let weak = Array3::from_elem((8, 1, 1), 30.0f32);
        assert_eq!(
            ZdrColumn::new(3000.0)
                .depth(weak.view(), zdr.view(), &heights)
                .unwrap()[[0, 0]],
            0.0
        );
        assert!(
            ZdrColumn::new(3000.0)
                .depth(z.view(), zdr.view(), &heights[..7])
                .is_err()
        );
    }
}
