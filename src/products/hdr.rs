//! Hail differential reflectivity (HDR).

use ndarray::{Array3, ArrayView3, Zip};

use crate::error::{Error, Result};

/// HDR = Z − f(ZDR), dB, with f = 27 for ZDR ≤ 0 dB, 19·ZDR + 27 for 0 < ZDR ≤ 1.74 dB and 60 above: rain cannot
/// have a high Z with a small ZDR, so HDR > 0 flags hail. `NaN` if either input is `NaN`.
///
/// ```
/// use squall::products::hail_differential_reflectivity;
/// assert_eq!(hail_differential_reflectivity(55.0, -0.5), 28.0);
/// assert!((hail_differential_reflectivity(55.0, 1.0) - 9.0).abs() < 1e-6);
/// assert_eq!(hail_differential_reflectivity(55.0, 3.0), -5.0);
/// ```
///
/// # References
/// Aydin, K., Seliga, T. A. and Balaji, V., 1986: Remote sensing of hail with a dual linear polarization radar.
/// *J. Climate Appl. Meteor.* 25, 1475–1484, doi:10.1175/1520-0450(1986)025<1475:RSOHWA>2.0.CO;2.
pub fn hail_differential_reflectivity(dbz: f32, zdr_db: f32) -> f32 {
    let f = if zdr_db <= 0.0 {
        27.0
    } else if zdr_db <= 1.74 {
        19.0 * zdr_db + 27.0
    } else {
        60.0
    };
    if zdr_db.is_nan() { f32::NAN } else { dbz - f }
}

/// [`hail_differential_reflectivity`] cell by cell.
///
/// # Errors
/// [`Error::Shape`] if the fields differ in shape.
pub fn hdr(reflectivity: ArrayView3<f32>, zdr: ArrayView3<f32>) -> Result<Array3<f32>> {
    if reflectivity.dim() != zdr.dim() {
        return Err(Error::Shape {
            what: "zdr".to_owned(),
            expected: format!("{:?}", reflectivity.dim()),
            found: format!("{:?}", zdr.dim()),
        });
    }
    Ok(Zip::from(&reflectivity)
        .and(&zdr)
        .map_collect(|&z, &d| hail_differential_reflectivity(z, d)))
}
