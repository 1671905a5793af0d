//! ZDR columns: positive differential reflectivity lofted above the freezing level by an updraft.

use ndarray::{Array2, ArrayView3, Axis};

use super::column::{check_column, per_column, top_crossing};
use crate::error::{Error, Result};
use crate::grid::{ColumnContribution, Mosaic, TiltPlanes};
use crate::volume::PolarVolume;

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
        let h0 = self.check_freezing_level()?;
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

impl ZdrColumn {
    /// Depth of the ZDR column from the radar's own tilts, m: over each column, the tilts whose beam axes lie at
    /// or above the freezing level are taken upwards from the lowest while their ZDR stays at or above the
    /// threshold; the top is interpolated linearly in height between the last of them and the next tilt up (the
    /// last one's beam height when there is no next tilt or it has no ZDR value), and the depth is top − freezing
    /// level. 0 where the
    /// lowest tilt above the freezing level is below the threshold (or has no value) or the column's maximum
    /// reflectivity over all tilts is below `min_reflectivity_dbz`; `NaN` where no tilt has a ZDR value.
    ///
    /// Working on the tilts rather than on a gridded volume keeps the column's vertical continuity across the
    /// gaps a scan strategy leaves between distant tilts (VCP 21: 2.8 km between the 6.0° and 9.9° beams at
    /// 40 km), and a column counts only where a beam above the freezing level measured it: ZDR interpolated
    /// between rain below the freezing level and ice above would make a column out of every rain cell. The top
    /// is then known to within the spacing of the two tilts bracketing it.
    ///
    /// # Shape
    /// Both `(n_tilts, ny, nx)` from the same [`crate::grid::GridMapping::tilt_planes`] (dBZ, dB) → `(ny, nx)` m.
    ///
    /// # Errors
    /// [`Error::Shape`] if the planes differ in shape or tilts; [`Error::Parameter`] for a non-finite freezing
    /// level.
    ///
    /// # References
    /// Snyder et al. (2015), as [`ZdrColumn::depth`]; the tilts are gridded in the horizontal and interpolated
    /// in the vertical as by Zhang, J., Howard, K. and Gourley, J. J., 2005: *J. Atmos. Oceanic Technol.* 22,
    /// 30–42, doi:10.1175/JTECH-1689.1.
    pub fn depth_from_tilts(
        &self,
        reflectivity: &TiltPlanes,
        zdr: &TiltPlanes,
    ) -> Result<Array2<f32>> {
        if reflectivity.values.dim() != zdr.values.dim()
            || reflectivity.beam_height_m != zdr.beam_height_m
        {
            return Err(Error::Shape {
                what: "reflectivity tilts".to_owned(),
                expected: format!("{:?} on the ZDR's tilts", zdr.values.dim()),
                found: format!("{:?}", reflectivity.values.dim()),
            });
        }
        let h0 = self.check_freezing_level()?;
        let (_, ny, nx) = zdr.values.dim();
        let threshold = self.zdr_threshold_db;
        Ok(Array2::from_shape_fn((ny, nx), |(row, col)| {
            if !zdr.column(row, col).any(|(_, v)| v.is_finite()) {
                return f32::NAN;
            }
            let strongest = reflectivity
                .column(row, col)
                .map(|(_, z)| z)
                .fold(f32::NEG_INFINITY, f32::max);
            if strongest < self.min_reflectivity_dbz {
                return 0.0;
            }
            let mut aloft = zdr.column(row, col).skip_while(|&(h, _)| h < h0);
            let Some(mut last) = aloft.next().filter(|&(_, v)| v >= threshold) else {
                return 0.0;
            };
            let mut top = last.0;
            for (h, v) in aloft {
                if v >= threshold {
                    last = (h, v);
                    top = h;
                    continue;
                }
                if v.is_finite() {
                    let (h_a, v_a) = (last.0, f64::from(last.1));
                    top = h_a + (v_a - f64::from(threshold)) / (v_a - f64::from(v)) * (h - h_a);
                }
                break;
            }
            (top - h0).max(0.0) as f32
        }))
    }

    /// One radar's share of a ZDR-column mosaic: [`ZdrColumn::depth_from_tilts`] of the moments `reflectivity`
    /// and `zdr` of `volume` on the mosaic's grid (with the mosaic's cached mapping), weighted by the radar's
    /// distance. Merge the radars' shares with [`Mosaic::merge_columns`].
    ///
    /// # Errors
    /// As [`crate::grid::GridMapping::tilt_planes`], [`ZdrColumn::depth_from_tilts`] and
    /// [`Mosaic::column_contribution`].
    pub fn contribution(
        &self,
        mosaic: &mut Mosaic,
        volume: &PolarVolume,
        reflectivity: &str,
        zdr: &str,
    ) -> Result<ColumnContribution> {
        let mapping = mosaic.mapping(volume)?;
        let depth = self.depth_from_tilts(
            &mapping.tilt_planes(volume, reflectivity)?,
            &mapping.tilt_planes(volume, zdr)?,
        )?;
        mosaic.column_contribution(volume, &depth)
    }

    fn check_freezing_level(&self) -> Result<f64> {
        if self.freezing_level_m.is_finite() {
            Ok(self.freezing_level_m)
        } else {
            Err(Error::parameter(
                "freezing_level_m",
                self.freezing_level_m,
                "must be finite",
            ))
        }
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

    /// Tilt planes of three tilts over one row of columns, with the values `[column][tilt]`.
    fn planes(values: &[[f32; 3]]) -> TiltPlanes {
        let n = values.len();
        let heights = [4_300.0f32, 7_070.0, 10_400.0];
        TiltPlanes {
            elevations_deg: vec![6.0, 9.9, 14.6],
            beam_width_deg: 0.95,
            ground_range_m: ndarray::Array2::from_elem((1, n), 40_000.0),
            beam_height_m: Array3::from_shape_fn((3, 1, n), |(k, _, _)| heights[k]),
            values: Array3::from_shape_fn((3, 1, n), |(k, _, c)| values[c][k]),
        }
    }

    #[test]
    fn columns_from_tilts_need_a_beam_above_the_freezing_level() {
        let zdr = planes(&[
            // a column reaching the 9.9° beam; ice at 14.6°
            [2.5, 2.0, 0.3],
            // rain below the freezing level, ice above: no column
            [1.9, 0.3, 0.3],
            // a column up to the highest tilt
            [2.5, 2.0, 1.5],
            // no value above the 9.9° tilt
            [2.5, 2.0, f32::NAN],
            // no ZDR at all
            [f32::NAN, f32::NAN, f32::NAN],
        ]);
        let z = planes(&[[50.0; 3]; 5]);
        let depth = ZdrColumn::new(4_500.0).depth_from_tilts(&z, &zdr).unwrap();
        let expected = 7_070.0 + (2.0 - 1.0) / (2.0 - 0.3) * 3_330.0 - 4_500.0;
        assert!((depth[[0, 0]] - expected).abs() < 0.1, "{}", depth[[0, 0]]);
        assert_eq!(depth[[0, 1]], 0.0);
        assert_eq!(depth[[0, 2]], 10_400.0 - 4_500.0);
        assert_eq!(depth[[0, 3]], 7_070.0 - 4_500.0);
        assert!(depth[[0, 4]].is_nan());
        // weak echo: no column
        let weak = planes(&[[35.0, 30.0, f32::NEG_INFINITY]; 5]);
        let depth = ZdrColumn::new(4_500.0)
            .depth_from_tilts(&weak, &zdr)
            .unwrap();
        assert_eq!(depth[[0, 0]], 0.0);
        // planes of other shapes
        let other = planes(&[[50.0; 3]; 4]);
        assert!(
            ZdrColumn::new(4_500.0)
                .depth_from_tilts(&other, &zdr)
                .is_err()
        );
        assert!(ZdrColumn::new(f64::NAN).depth_from_tilts(&z, &zdr).is_err());
    }
}
