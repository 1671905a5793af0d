//! Azimuthal equidistant projection on a sphere of radius [`EARTH_RADIUS_M`].
//!
//! # References
//! Snyder, J. P., 1987: *Map Projections — A Working Manual*, USGS Professional Paper 1395, ch. 25,
//! eqs. 25-2, 25-3, 4-4 (forward) and 20-14, 20-15, 25-15 (inverse). doi:10.3133/pp1395.

use crate::geo::EARTH_RADIUS_M;

/// Forward projection about `(lat0, lon0)` (degrees) of `(lon, lat)` (degrees) to `(x, y)` metres.
pub(super) fn forward(lat0: f64, lon0: f64, lon: f64, lat: f64) -> (f64, f64) {
    let (phi0, phi, dlam) = (
        lat0.to_radians(),
        lat.to_radians(),
        (lon - lon0).to_radians(),
    );
    let cos_c = (phi0.sin() * phi.sin() + phi0.cos() * phi.cos() * dlam.cos()).clamp(-1.0, 1.0);
    let c = cos_c.acos();
    let k = if c.abs() < 1e-12 { 1.0 } else { c / c.sin() };
    let x = EARTH_RADIUS_M * k * phi.cos() * dlam.sin();
    let y = EARTH_RADIUS_M * k * (phi0.cos() * phi.sin() - phi0.sin() * phi.cos() * dlam.cos());
    (x, y)
}

/// Inverse projection about `(lat0, lon0)` (degrees) of `(x, y)` metres to `(lon, lat)` degrees.
pub(super) fn inverse(lat0: f64, lon0: f64, x: f64, y: f64) -> (f64, f64) {
    let rho = x.hypot(y);
    if rho < 1e-9 {
        return (lon0, lat0);
    }
    let c = rho / EARTH_RADIUS_M;
    let phi0 = lat0.to_radians();
    let lat = (c.cos() * phi0.sin() + y * c.sin() * phi0.cos() / rho)
        .clamp(-1.0, 1.0)
        .asin();
    let lon = lon0.to_radians()
        + (x * c.sin()).atan2(rho * phi0.cos() * c.cos() - y * phi0.sin() * c.sin());
    (super::wrap_degrees(lon.to_degrees()), lat.to_degrees())
}
