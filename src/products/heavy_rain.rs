//! Heavy rain: rain rate from reflectivity and the area above a rain-rate threshold.

use ndarray::Array2;

use crate::error::{Error, Result};
use crate::geo::{Grid2, Projection};

/// Short-duration heavy rain threshold, mm h⁻¹.
pub const HEAVY_RAIN_MM_H: f32 = 20.0;

/// Rain rate in mm h⁻¹ from reflectivity in dBZ with Z = a Rᵇ (Marshall–Palmer: a = 200, b = 1.6); `NaN` stays
/// `NaN`.
///
/// ```
/// use squall::products::rain_rate_from_reflectivity;
/// // 200 · 10^1.6 = 7962 mm⁶ m⁻³ = 39.01 dBZ ↔ 10 mm/h.
/// let r = rain_rate_from_reflectivity(10.0 * (200.0f32 * 10f32.powf(1.6)).log10(), 200.0, 1.6);
/// assert!((r - 10.0).abs() < 1e-3);
/// ```
///
/// # References
/// Marshall, J. S. and Palmer, W. M., 1948: The distribution of raindrops with size. *J. Meteor.* 5, 165–166.
pub fn rain_rate_from_reflectivity(dbz: f32, a: f32, b: f32) -> f32 {
    (10f32.powf(dbz / 10.0) / a).powf(1.0 / b)
}

/// Where it rains heavily.
#[derive(Debug, Clone, PartialEq)]
pub struct HeavyRain {
    /// 1 where the rain rate is at or above the threshold, 0 below, `NaN` where there is no data; `(ny, nx)`.
    pub mask: Array2<f32>,
    /// Area at or above the threshold, km².
    pub area_km2: f64,
}

/// The cells of a rain-rate grid (mm h⁻¹) at or above `threshold_mm_h` and their area.
///
/// # Errors
/// [`Error::Parameter`] for a non-finite threshold; [`Error::Unsupported`] for a longitude/latitude grid (cells
/// of unequal area).
pub fn heavy_rain(rain_rate: &Grid2, threshold_mm_h: f32) -> Result<HeavyRain> {
    if !threshold_mm_h.is_finite() {
        return Err(Error::parameter(
            "threshold_mm_h",
            threshold_mm_h,
            "must be finite",
        ));
    }
    if matches!(
        rain_rate.spec.projection,
        Projection::LonLat | Projection::Proj(_)
    ) {
        return Err(Error::Unsupported(
            "heavy-rain area on a grid without metric cells".to_owned(),
        ));
    }
    let mask = rain_rate.values.mapv(|r| {
        if r.is_nan() {
            f32::NAN
        } else if r >= threshold_mm_h {
            1.0
        } else {
            0.0
        }
    });
    let cells = mask.iter().filter(|&&m| m == 1.0).count();
    let cell_km2 = (rain_rate.spec.dx * rain_rate.spec.dy).abs() / 1e6;
    Ok(HeavyRain {
        mask,
        area_km2: cells as f64 * cell_km2,
    })
}
