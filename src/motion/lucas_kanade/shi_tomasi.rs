//! Shi–Tomasi "good features to track": corners where the smaller eigenvalue of the gradient structure matrix
//! is large.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// Settings of the Shi and Tomasi (1994) corner detector (pysteps' `shitomasi` defaults, OpenCV's
/// `goodFeaturesToTrack` semantics).
///
/// The score of a pixel is the smaller eigenvalue of `Σ ∇I ∇Iᵀ` summed over a `block_size × block_size`
/// neighbourhood, with 3 × 3 Sobel gradients (mirror borders without repeating the edge pixel). Corners are the
/// pixels, away from the outermost row and column, whose score exceeds `quality_level` times the best score,
/// equals the maximum of its 3 × 3 neighbourhood and lies in the allowed mask; taken by decreasing score, a
/// corner closer than `min_distance` to an accepted one is dropped, up to `max_corners`.
///
/// # References
/// Shi, J. and C. Tomasi, 1994: Good features to track. *Proc. IEEE Conf. Computer Vision and Pattern
/// Recognition (CVPR'94)*, 593–600, doi:10.1109/CVPR.1994.323794 (eq. 9–10: the minimum-eigenvalue criterion).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShiTomasi {
    /// Most corners kept per frame (0: no limit).
    pub max_corners: usize,
    /// Fraction of the best score below which pixels are not corners, in (0, 1).
    pub quality_level: f32,
    /// Smallest distance between two corners, pixels.
    pub min_distance: f32,
    /// Side of the neighbourhood summed into the structure matrix, pixels (odd).
    pub block_size: usize,
    /// Width of the band around no-data pixels where no corner is taken, pixels (pysteps' `buffer_mask`:
    /// a `buffer_mask × buffer_mask` square dilation of the no-data mask; 0: none).
    pub buffer_mask: usize,
}

impl Default for ShiTomasi {
    /// pysteps 1.21.5: 1000 corners, quality 0.01, 10 px apart, 5 × 5 blocks, 5 px buffer.
    fn default() -> Self {
        ShiTomasi {
            max_corners: 1000,
            quality_level: 0.01,
            min_distance: 10.0,
            block_size: 5,
            buffer_mask: 5,
        }
    }
}

impl ShiTomasi {
    /// The corners of `image`, as `[x, y]` = `[column, row]` pixel positions, best first.
    ///
    /// # Shape
    /// `image (y, x)` (any units, typically 8-bit grey levels), `valid (y, x)`: `false` = no data.
    pub fn detect(&self, image: ArrayView2<f32>, valid: ArrayView2<bool>) -> Vec<[f32; 2]> {
        let (ny, nx) = image.dim();
        if ny < 3 || nx < 3 {
            return Vec::new();
        }
        let allowed = buffered(valid, self.buffer_mask);
        let score = min_eigenvalue(image, self.block_size.max(1));
        let best = score
            .iter()
            .zip(allowed.iter())
            .filter(|(_, a)| **a)
            .fold(0.0f32, |m, (s, _)| m.max(*s));
        if best <= 0.0 {
            return Vec::new();
        }
        let threshold = self.quality_level * best;
        let mut candidates: Vec<(f32, usize)> = Vec::new();
        for r in 1..ny - 1 {
            for c in 1..nx - 1 {
                let s = score[[r, c]];
                if s > threshold && allowed[[r, c]] && is_local_max(&score, r, c, threshold) {
                    candidates.push((s, r * nx + c));
                }
            }
        }
        // Decreasing score; equal scores by decreasing position (deterministic).
        candidates.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        let limit = if self.max_corners == 0 {
            usize::MAX
        } else {
            self.max_corners
        };
        select_spread(&candidates, nx, self.min_distance, limit)
    }
}

/// Whether `score[r, c]` is the maximum of its 3 × 3 neighbourhood once scores ≤ `threshold` are zeroed.
fn is_local_max(score: &Array2<f32>, r: usize, c: usize, threshold: f32) -> bool {
    let s = score[[r, c]];
    (r - 1..=r + 1).all(|rr| {
        (c - 1..=c + 1).all(|cc| {
            let v = score[[rr, cc]];
            v <= threshold || v <= s
        })
    })
}

/// Greedy selection of candidates (best first) at least `min_distance` apart, with a bucket grid.
fn select_spread(
    candidates: &[(f32, usize)],
    nx: usize,
    min_distance: f32,
    limit: usize,
) -> Vec<[f32; 2]> {
    let mut corners = Vec::new();
    if min_distance <= 0.0 {
        corners.extend(
            candidates
                .iter()
                .take(limit)
                .map(|&(_, i)| [(i % nx) as f32, (i / nx) as f32]),
        );
        return corners;
    }
    let cell = min_distance.ceil().max(1.0);
    let ny = candidates
        .iter()
        .map(|&(_, i)| i / nx + 1)
        .max()
        .unwrap_or(0);
    let (gx, gy) = (
        (nx as f32 / cell).ceil() as usize + 1,
        (ny as f32 / cell).ceil() as usize + 1,
    );
    let mut grid: Vec<Vec<[f32; 2]>> = vec![Vec::new(); gx * gy];
    let d2 = min_distance * min_distance;
    for &(_, i) in candidates {
        if corners.len() >= limit {
            break;
        }
        let (x, y) = ((i % nx) as f32, (i / nx) as f32);
        let (cx, cy) = ((x / cell) as usize, (y / cell) as usize);
        let close = (cy.saturating_sub(1)..=(cy + 1).min(gy - 1)).any(|by| {
            (cx.saturating_sub(1)..=(cx + 1).min(gx - 1)).any(|bx| {
                grid[by * gx + bx]
                    .iter()
                    .any(|p| (p[0] - x).powi(2) + (p[1] - y).powi(2) < d2)
            })
        });
        if !close {
            grid[cy * gx + cx].push([x, y]);
            corners.push([x, y]);
        }
    }
    corners
}

/// Pixels farther than the buffer from any no-data pixel (square dilation of side `buffer`).
fn buffered(valid: ArrayView2<bool>, buffer: usize) -> Array2<bool> {
    if buffer == 0 || valid.iter().all(|&v| v) {
        return valid.to_owned();
    }
    let (ny, nx) = valid.dim();
    let before = (buffer / 2) as isize;
    let after = (buffer - 1 - buffer / 2) as isize;
    // The dilation of the invalid set by the kernel [−before, after] reaches pixel p from invalid q if
    // q − p ∈ [−after, before] (the kernel is reflected).
    Array2::from_shape_fn((ny, nx), |(r, c)| {
        (-after..=before).all(|dr| {
            (-after..=before).all(|dc| {
                let (rr, cc) = (r as isize + dr, c as isize + dc);
                rr < 0
                    || cc < 0
                    || rr >= ny as isize
                    || cc >= nx as isize
                    || valid[[rr as usize, cc as usize]]
            })
        })
    })
}

/// Smaller eigenvalue of the structure matrix summed over `block × block` windows (Sobel 3 × 3 gradients).
pub(super) fn min_eigenvalue(image: ArrayView2<f32>, block: usize) -> Array2<f32> {
    let (ny, nx) = image.dim();
    // The image mirrored by one pixel, row-major.
    let (py, px) = (ny + 2, nx + 2);
    let mut padded = vec![0.0f32; py * px];
    for (r, line) in padded.chunks_exact_mut(px).enumerate() {
        let src = image.row(reflect101(r as isize - 1, ny));
        for (c, v) in line.iter_mut().enumerate() {
            *v = src[reflect101(c as isize - 1, nx)];
        }
    }
    let mut products = [
        vec![0.0f32; ny * nx],
        vec![0.0f32; ny * nx],
        vec![0.0f32; ny * nx],
    ];
    let [xx, xy, yy] = &mut products;
    for r in 0..ny {
        let (up, mid, down) = (
            &padded[r * px..(r + 1) * px],
            &padded[(r + 1) * px..(r + 2) * px],
            &padded[(r + 2) * px..(r + 3) * px],
        );
        for c in 0..nx {
            let gx =
                (up[c + 2] + 2.0 * mid[c + 2] + down[c + 2]) - (up[c] + 2.0 * mid[c] + down[c]);
            let gy =
                (down[c] + 2.0 * down[c + 1] + down[c + 2]) - (up[c] + 2.0 * up[c + 1] + up[c + 2]);
            let i = r * nx + c;
            xx[i] = gx * gx;
            xy[i] = gx * gy;
            yy[i] = gy * gy;
        }
    }
    let [a, b, c] = products.map(|p| box_sum(&p, ny, nx, block));
    Array2::from_shape_fn((ny, nx), |(r, col)| {
        let i = r * nx + col;
        let (a, b, c) = (a[i], b[i], c[i]);
        let half = 0.5 * (a - c);
        0.5 * (a + c) - (half * half + b * b).sqrt()
    })
}

/// Sum over a centred `block × block` window with mirrored borders, of a row-major `ny × nx` field.
fn box_sum(field: &[f32], ny: usize, nx: usize, block: usize) -> Vec<f32> {
    let lo = (block / 2) as isize;
    let hi = (block - 1 - block / 2) as isize;
    let columns: Vec<Vec<usize>> = (0..nx)
        .map(|c| (-lo..=hi).map(|d| reflect101(c as isize + d, nx)).collect())
        .collect();
    let mut rows = vec![0.0f32; ny * nx];
    for (src, dst) in field.chunks_exact(nx).zip(rows.chunks_exact_mut(nx)) {
        for (d, cols) in dst.iter_mut().zip(&columns) {
            *d = cols.iter().map(|&c| src[c]).sum();
        }
    }
    let mut out = vec![0.0f32; ny * nx];
    for (r, dst) in out.chunks_exact_mut(nx).enumerate() {
        for d in -lo..=hi {
            let src = &rows[reflect101(r as isize + d, ny) * nx..][..nx];
            for (o, s) in dst.iter_mut().zip(src) {
                *o += s;
            }
        }
    }
    out
}

/// Index `i` mirrored into `0..n` without repeating the edge (`−1 → 1`, `n → n − 2`), as often as needed.
pub(super) fn reflect101(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let m = i.rem_euclid(period);
    (if m < n as isize { m } else { period - m }) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect101_mirrors_without_the_edge() {
        let got: Vec<usize> = (-3..8).map(|i| reflect101(i, 5)).collect();
        assert_eq!(got, vec![3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1]);
        assert_eq!(reflect101(-5, 1), 0);
    }

    #[test]
    fn corners_of_a_square_are_found_and_spread() {
        // A bright square: its four corners are the only strong minimum-eigenvalue maxima.
        let mut image = Array2::<f32>::zeros((60, 60));
        for r in 20..40 {
            for c in 15..45 {
                image[[r, c]] = 200.0;
            }
        }
        let valid = Array2::from_elem((60, 60), true);
        let corners = ShiTomasi::default().detect(image.view(), valid.view());
        assert_eq!(corners.len(), 4, "{corners:?}");
        for target in [[15.0, 20.0], [44.0, 20.0], [15.0, 39.0], [44.0, 39.0]] {
            assert!(
                corners
                    .iter()
                    .any(|p| (p[0] - target[0]).abs() <= 1.5 && (p[1] - target[1]).abs() <= 1.5),
                "{target:?} not in {corners:?}"
            );
        }
        // Edges without a corner score 0: a straight ramp has none.
        let ramp = Array2::from_shape_fn((30, 30), |(_, c)| c as f32);
        let none =
            ShiTomasi::default().detect(ramp.view(), Array2::from_elem((30, 30), true).view());
        assert!(none.is_empty());
    }

    #[test]
    fn no_corner_next_to_no_data_and_limits_hold() {
        let image = Array2::from_shape_fn((80, 80), |(r, c)| {
            (((r / 7) + (c / 7)) % 2) as f32 * 100.0 + (r * c % 13) as f32
        });
        let mut valid = Array2::from_elem((80, 80), true);
        for r in 0..80 {
            for c in 40..80 {
                valid[[r, c]] = false;
            }
        }
        let detector = ShiTomasi {
            max_corners: 10,
            ..Default::default()
        };
        let corners = detector.detect(image.view(), valid.view());
        assert_eq!(corners.len(), 10);
        assert!(corners.iter().all(|p| p[0] <= 37.0), "{corners:?}");
        for (i, p) in corners.iter().enumerate() {
            for q in &corners[..i] {
                assert!((p[0] - q[0]).hypot(p[1] - q[1]) >= 10.0);
            }
        }
    }
}
