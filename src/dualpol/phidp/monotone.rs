//! The non-decreasing least-squares fit of the differential phase along a ray.

use ndarray::{Array2, ArrayView1, ArrayViewMut1, Zip};

/// The non-decreasing sequence closest in least squares to the finite values of `phase_deg` along each ray
/// (isotonic regression by pooling adjacent violators, Barlow et al. 1972), filled as
/// [`ProcessedPhidp::filled_deg`](super::ProcessedPhidp): 0 before the first finite gate, linear between finite
/// gates, held after the last. Degrees, `(n_rays, n_gates)` → `(n_rays, n_gates)`.
///
/// Propagation phase does not decrease in rain (KDP ≥ 0); a fit under that constraint, as Maesaka et al. (2012)
/// and Giangrande et al. (2013) impose, puts the path-end phase at the level of the measured phase there rather
/// than at the highest excursion of its noise (which a running maximum keeps).
///
/// # References
/// Barlow, R. E., Bartholomew, D. J., Bremner, J. M. and Brunk, H. D., 1972: *Statistical Inference under Order
/// Restrictions*. Wiley (the pool-adjacent-violators algorithm). Maesaka, T., Iwanami, K. and Maki, M., 2012:
/// Non-negative KDP estimation by monotone increasing ΦDP assumption below melting layer. *Proc. ERAD 2012*.
/// Giangrande, S. E., McGraw, R. and Lei, L., 2013: An application of linear programming to polarimetric radar
/// differential phase processing. *J. Atmos. Oceanic Technol.*, **30**, 1716–1729, doi:10.1175/JTECH-D-12-00147.1.
pub(super) fn monotone_filled(phase_deg: &Array2<f32>) -> Array2<f32> {
    let mut out = Array2::zeros(phase_deg.dim());
    Zip::from(phase_deg.rows())
        .and(out.rows_mut())
        .par_for_each(|p, o| ray(p, o));
    out
}

fn ray(phase: ArrayView1<f32>, mut out: ArrayViewMut1<f32>) {
    let gates: Vec<usize> = (0..phase.len()).filter(|&g| phase[g].is_finite()).collect();
    let values: Vec<f64> = gates.iter().map(|&g| f64::from(phase[g])).collect();
    let fitted = isotonic(&values);
    let mut sparse = ndarray::Array1::from_elem(phase.len(), f32::NAN);
    for (&g, v) in gates.iter().zip(fitted) {
        sparse[g] = v as f32;
    }
    super::fill(sparse.view(), out.view_mut());
}

/// The non-decreasing least-squares fit of `values` (pool adjacent violators).
fn isotonic(values: &[f64]) -> Vec<f64> {
    // blocks of (mean, count), means non-decreasing
    let mut blocks: Vec<(f64, usize)> = Vec::with_capacity(values.len());
    for &v in values {
        let (mut mean, mut count) = (v, 1usize);
        while let Some(&(m, c)) = blocks.last() {
            if m <= mean {
                break;
            }
            blocks.pop();
            mean = (m * c as f64 + mean * count as f64) / (c + count) as f64;
            count += c;
        }
        blocks.push((mean, count));
    }
    blocks
        .into_iter()
        .flat_map(|(m, c)| std::iter::repeat_n(m, c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_violators_into_their_mean() {
        assert_eq!(isotonic(&[1.0, 3.0, 2.0, 4.0]), vec![1.0, 2.5, 2.5, 4.0]);
        assert_eq!(isotonic(&[5.0, 1.0, 0.0]), vec![2.0, 2.0, 2.0]);
        assert_eq!(isotonic(&[]), Vec::<f64>::new());
    }

    #[test]
    fn a_noise_excursion_no_longer_sets_the_path_end() {
        // 0.2°/gate of propagation phase, +6° of noise on three gates near the end, then 5 gates at the truth
        let truth = |g: usize| 0.2 * g as f32;
        let mut phase = Array2::from_shape_fn((1, 60), |(_, g)| truth(g));
        for g in 50..53 {
            phase[[0, g]] += 6.0;
        }
        phase[[0, 10]] = f32::NAN; // a gap is filled linearly
        let fit = monotone_filled(&phase);
        // the running maximum of the raw phase would hold 16.4° to the end; the fit ends within 1.5° of 11.8°
        assert!((fit[[0, 59]] - truth(59)).abs() < 1.5, "{}", fit[[0, 59]]);
        assert!(fit.row(0).windows(2).into_iter().all(|w| w[1] >= w[0]));
        assert!((fit[[0, 10]] - truth(10)).abs() < 1e-5);
    }
}
