//! The range axis of a CfRadial file: the `range` coordinate when regular, else a nearest-gate resampling.

use super::MAX_RANGE_GATES;

/// Largest deviation of a gate from a regular axis, as a fraction of the spacing, still called regular.
const REGULAR_TOLERANCE: f64 = 0.01;
/// A resampled range axis may have at most this many times the file's gates.
const MAX_RESAMPLING_FACTOR: usize = 16;

/// The output range axis: regular, `n_gates` gates from `first_m` every `spacing_m`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RangeAxis {
    pub first_m: f32,
    pub spacing_m: f32,
    pub n_gates: usize,
    /// For a resampled axis, the file's gate nearest to each output gate; `None` when the file's axis is regular.
    pub source_gate: Option<Vec<usize>>,
}

impl RangeAxis {
    /// The axis of a range coordinate in metres: the coordinate itself when regular (every gate within 1 % of
    /// the mean spacing from `first + k · spacing`), else the nearest-gate resampling onto the smallest spacing.
    /// A single gate takes `spacing_hint` (the `meters_between_gates` attribute) or 0.
    ///
    /// # Errors
    /// A message when the coordinate is not finite or not increasing, or when resampling would exceed
    /// [`MAX_RESAMPLING_FACTOR`] times its gates.
    pub fn from_coordinates(
        range: &[f64],
        spacing_hint: Option<f64>,
    ) -> std::result::Result<RangeAxis, String> {
        if let Some(k) = range.iter().position(|r| !r.is_finite()) {
            return Err(format!("range of gate {k} is missing or not finite"));
        }
        let (first, last, n) = match range {
            [] => return Err("the range axis has no gates".into()),
            [only] => {
                return Ok(RangeAxis {
                    first_m: *only as f32,
                    spacing_m: spacing_hint
                        .filter(|s| s.is_finite() && *s > 0.0)
                        .unwrap_or(0.0) as f32,
                    n_gates: 1,
                    source_gate: None,
                });
            }
            [first, .., last] => (*first, *last, range.len()),
        };
        if let Some(k) = range.windows(2).position(|w| w[1] <= w[0]) {
            return Err(format!(
                "range is not increasing at gate {}: {} m then {} m",
                k + 1,
                range[k],
                range[k + 1]
            ));
        }
        let spacing = (last - first) / (n - 1) as f64;
        let regular = range
            .iter()
            .enumerate()
            .all(|(k, r)| (r - (first + k as f64 * spacing)).abs() <= REGULAR_TOLERANCE * spacing);
        if regular {
            return Ok(RangeAxis {
                first_m: first as f32,
                spacing_m: spacing as f32,
                n_gates: n,
                source_gate: None,
            });
        }
        let step = range
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        let n_out = ((last - first) / step).round() + 1.0;
        if n_out > (MAX_RESAMPLING_FACTOR * n).min(MAX_RANGE_GATES) as f64 {
            return Err(format!(
                "irregular range axis ({n} gates, {first} to {last} m, smallest step {step} m) would need \
                 {n_out} gates on a regular axis"
            ));
        }
        let mut source = Vec::with_capacity(n_out as usize);
        let mut k = 0;
        for g in 0..n_out as usize {
            let r = first + g as f64 * step;
            while k + 1 < n && (range[k + 1] - r).abs() < (range[k] - r).abs() {
                k += 1;
            }
            source.push(k);
        }
        Ok(RangeAxis {
            first_m: first as f32,
            spacing_m: step as f32,
            n_gates: source.len(),
            source_gate: Some(source),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_axis_keeps_float32_coordinates() {
        let range: Vec<f64> = (0..492)
            .map(|k| f64::from(249.999_f32 + k as f32 * 499.998))
            .collect();
        let axis = RangeAxis::from_coordinates(&range, None).unwrap();
        assert_eq!(axis.n_gates, 492);
        assert!(axis.source_gate.is_none());
        assert!(
            (axis.spacing_m - 499.998).abs() < 1e-3,
            "{}",
            axis.spacing_m
        );
        assert!((axis.first_m - 249.999).abs() < 1e-3);
    }

    #[test]
    fn irregular_axis_is_resampled_by_nearest_gate() {
        // 250 m gates for 4 gates, then 500 m gates.
        let range = [0.0, 250.0, 500.0, 750.0, 1250.0, 1750.0];
        let axis = RangeAxis::from_coordinates(&range, None).unwrap();
        assert_eq!(axis.spacing_m, 250.0);
        assert_eq!(axis.n_gates, 8);
        assert_eq!(axis.source_gate.unwrap(), [0, 1, 2, 3, 3, 4, 4, 5]);
    }

    #[test]
    fn bad_axes() {
        assert!(RangeAxis::from_coordinates(&[], None).is_err());
        assert!(
            RangeAxis::from_coordinates(&[0.0, 100.0, 100.0], None)
                .unwrap_err()
                .contains("not increasing at gate 2")
        );
        assert!(
            RangeAxis::from_coordinates(&[0.0, f64::NAN], None)
                .unwrap_err()
                .contains("gate 1")
        );
        // A 1 cm step among 1 km gates would need 10⁵ gates.
        let err = RangeAxis::from_coordinates(&[0.0, 0.01, 1000.0], None).unwrap_err();
        assert!(err.contains("irregular"), "{err}");
        let single = RangeAxis::from_coordinates(&[125.0], Some(250.0)).unwrap();
        assert_eq!(
            (single.first_m, single.spacing_m, single.n_gates),
            (125.0, 250.0, 1)
        );
    }
}
