//! The COTREC continuity correction: the non-divergent field closest to the TREC vectors.

use ndarray::{Array2, ArrayView2, Zip};

/// Corrects `(u, v)` on a regular grid (spacing 1) to the closest non-divergent field.
///
/// Minimising `Σ (u − u₀)² + (v − v₀)²` under `∂u/∂x + ∂v/∂y = 0` with a Lagrange multiplier λ gives
/// `u = u₀ − ∂λ/∂x`, `v = v₀ − ∂λ/∂y` and the Poisson equation `∇²λ = ∇·(u₀, v₀)`, with `λ = 0` on the boundary
/// (the natural condition of the free boundary values; Li, Schmid and Waldvogel 1995, eq. 3–6). The 5-point
/// Laplacian with λ = 0 one node outside the grid is diagonal in the type-I discrete sine basis, so the
/// equation is solved exactly by two sine transforms (matrix products, O(n³) on the coarse vector grid) and a
/// division by the eigenvalues. Divergence and gradient are central differences (one-sided divergence at the
/// edges).
///
/// # Shape
/// `u (y, x)`, `v (y, x)` → corrected `(u, v)` of the same shape.
///
/// # References
/// Li, L., W. Schmid and J. Joss, 1995: Nowcasting of motion and growth of precipitation with radar over a
/// complex orography. *J. Appl. Meteor.*, 34, 1286–1300,
/// doi:10.1175/1520-0450(1995)034<1286:NOMAGO>2.0.CO;2 (section 2b: COTREC).
/// Press, W. H., S. A. Teukolsky, W. T. Vetterling and B. P. Flannery, 2007: *Numerical Recipes*, 3rd ed.,
/// section 20.4 (Fourier methods for the Poisson equation with Dirichlet boundaries).
pub(super) fn cotrec(u: ArrayView2<f64>, v: ArrayView2<f64>) -> (Array2<f64>, Array2<f64>) {
    let (ny, nx) = u.dim();
    if ny == 0 || nx == 0 {
        return (u.to_owned(), v.to_owned());
    }
    let div = divergence(u, v);
    let lambda = solve_poisson_dirichlet(div.view());
    let at = |r: isize, c: isize| {
        if r < 0 || c < 0 || r >= ny as isize || c >= nx as isize {
            0.0
        } else {
            lambda[[r as usize, c as usize]]
        }
    };
    let mut uc = u.to_owned();
    let mut vc = v.to_owned();
    Zip::indexed(&mut uc)
        .and(&mut vc)
        .for_each(|(r, c), uu, vv| {
            let (r, c) = (r as isize, c as isize);
            *uu -= 0.5 * (at(r, c + 1) - at(r, c - 1));
            *vv -= 0.5 * (at(r + 1, c) - at(r - 1, c));
        });
    (uc, vc)
}

/// `∂u/∂x + ∂v/∂y` by central differences inside and one-sided differences on the edges (0 along an axis of
/// length 1).
pub(super) fn divergence(u: ArrayView2<f64>, v: ArrayView2<f64>) -> Array2<f64> {
    let (ny, nx) = u.dim();
    let diff = |n: usize, i: usize, f: &dyn Fn(usize) -> f64| -> f64 {
        if n < 2 {
            0.0
        } else if i == 0 {
            f(1) - f(0)
        } else if i == n - 1 {
            f(n - 1) - f(n - 2)
        } else {
            0.5 * (f(i + 1) - f(i - 1))
        }
    };
    Array2::from_shape_fn((ny, nx), |(r, c)| {
        diff(nx, c, &|j| u[[r, j]]) + diff(ny, r, &|i| v[[i, c]])
    })
}

/// Solves the 5-point `∇²λ = f` with λ = 0 outside the grid, by type-I discrete sine transforms.
fn solve_poisson_dirichlet(f: ArrayView2<f64>) -> Array2<f64> {
    let (ny, nx) = f.dim();
    let (sy, sx) = (sine_basis(ny), sine_basis(nx));
    let mut spectral = sy.dot(&f).dot(&sx);
    let eig = |k: usize, n: usize| {
        2.0 * (std::f64::consts::PI * (k + 1) as f64 / (n + 1) as f64).cos() - 2.0
    };
    let norm = 4.0 / ((ny + 1) * (nx + 1)) as f64;
    Zip::indexed(&mut spectral).for_each(|(l, k), s| *s *= norm / (eig(l, ny) + eig(k, nx)));
    sy.dot(&spectral).dot(&sx)
}

/// The symmetric DST-I matrix `S[j, k] = sin(π (j + 1)(k + 1) / (n + 1))`, with `S² = (n + 1)/2 · I`.
fn sine_basis(n: usize) -> Array2<f64> {
    Array2::from_shape_fn((n, n), |(j, k)| {
        (std::f64::consts::PI * ((j + 1) * (k + 1)) as f64 / (n + 1) as f64).sin()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn poisson_solution_satisfies_the_stencil() {
        let f = Array2::from_shape_fn((7, 11), |(r, c)| ((r * 3 + c * 5) % 7) as f64 - 3.0);
        let l = solve_poisson_dirichlet(f.view());
        let at = |r: isize, c: isize| {
            if r < 0 || c < 0 || r >= 7 || c >= 11 {
                0.0
            } else {
                l[[r as usize, c as usize]]
            }
        };
        for r in 0..7isize {
            for c in 0..11isize {
                let lap =
                    at(r + 1, c) + at(r - 1, c) + at(r, c + 1) + at(r, c - 1) - 4.0 * at(r, c);
                assert_relative_eq!(lap, f[[r as usize, c as usize]], epsilon = 1e-9);
            }
        }
    }

    #[test]
    fn rotation_is_kept_and_divergence_removed() {
        let (ny, nx) = (31, 41);
        let (cy, cx) = (15.0, 20.0);
        let rot_u = Array2::from_shape_fn((ny, nx), |(r, _)| -0.1 * (r as f64 - cy));
        let rot_v = Array2::from_shape_fn((ny, nx), |(_, c)| 0.1 * (c as f64 - cx));
        let (u, v) = cotrec(rot_u.view(), rot_v.view());
        for (a, b) in u.iter().zip(rot_u.iter()).chain(v.iter().zip(rot_v.iter())) {
            assert_relative_eq!(a, b, epsilon = 1e-9);
        }
        // Pure outflow: most of it is removed away from the boundary.
        let div_u = Array2::from_shape_fn((ny, nx), |(_, c)| 0.05 * (c as f64 - cx));
        let div_v = Array2::from_shape_fn((ny, nx), |(r, _)| 0.05 * (r as f64 - cy));
        let before = divergence(div_u.view(), div_v.view());
        let (u, v) = cotrec(div_u.view(), div_v.view());
        let after = divergence(u.view(), v.view());
        let inner = |d: &Array2<f64>| {
            let mut s = 0.0;
            for r in 2..ny - 2 {
                for c in 2..nx - 2 {
                    s += d[[r, c]].abs();
                }
            }
            s
        };
        assert!(
            inner(&after) < 0.05 * inner(&before),
            "{} {}",
            inner(&after),
            inner(&before)
        );
    }
}
