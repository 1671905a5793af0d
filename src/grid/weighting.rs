//! Distance weighting of gates around a grid point: nearest gate, Cressman, Barnes.

use serde::{Deserialize, Serialize};

/// How the gates within the radius of influence `R` of a grid point are weighted by their distance `d`.
///
/// The weights are those of `pyart.map.grid_from_radars` (without its constant 10⁻⁵ added to the Barnes
/// weights), so that the two grids can be compared.
///
/// # References
/// Cressman, G. P., 1959: An operational objective analysis system. *Mon. Wea. Rev.* 87, 367–374,
/// doi:10.1175/1520-0493(1959)087<0367:AOOAS>2.0.CO;2.
/// Barnes, S. L., 1964: A technique for maximizing details in numerical weather map analysis. *J. Appl. Meteor.*
/// 3, 396–409, doi:10.1175/1520-0450(1964)003<0396:ATFMDI>2.0.CO;2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// The value of the nearest gate (with a valid value) within `R`.
    Nearest,
    /// Cressman: w = (R² − d²) / (R² + d²).
    Cressman,
    /// Barnes: w = exp(−d² / (2R²)).
    Barnes,
    /// Py-ART's "Barnes2", a narrower Gaussian: w = exp(−4 d² / R²). The default.
    #[default]
    Barnes2,
}

impl Weighting {
    /// The weight of a gate at squared distance `d2` (m²) for a squared radius `r2`; 0 beyond the radius. For
    /// [`Weighting::Nearest`] every gate within the radius weighs 1 (the nearest is chosen by distance).
    ///
    /// ```
    /// use squall::grid::Weighting;
    /// assert_eq!(Weighting::Cressman.weight(0.0, 4.0), 1.0);
    /// assert_eq!(Weighting::Cressman.weight(4.0, 4.0), 0.0);
    /// assert!((Weighting::Barnes2.weight(1.0, 4.0) - (-1.0f64).exp()).abs() < 1e-12);
    /// ```
    pub fn weight(self, d2: f64, r2: f64) -> f64 {
        if d2 > r2 {
            return 0.0;
        }
        match self {
            Weighting::Nearest => 1.0,
            Weighting::Cressman => (r2 - d2) / (r2 + d2),
            Weighting::Barnes => (-d2 / (2.0 * r2)).exp(),
            Weighting::Barnes2 => (-4.0 * d2 / r2).exp(),
        }
    }
}
