//! Block cross-correlation (TREC) and the normalised median test of the resulting vectors.

use ndarray::Array2;
use rayon::prelude::*;

/// A frame prepared for block matching: values and their summed-area tables.
pub(super) struct Frame {
    /// Values in row-major order.
    data: Vec<f32>,
    ny: usize,
    nx: usize,
    /// Summed-area tables of the values and their squares, `(ny + 1, nx + 1)`.
    sum: Array2<f64>,
    sum_sq: Array2<f64>,
}

impl Frame {
    /// Prepares a frame whose no-data pixels were already filled.
    pub(super) fn new(values: Array2<f32>) -> Self {
        let (ny, nx) = values.dim();
        let mut sum = Array2::<f64>::zeros((ny + 1, nx + 1));
        let mut sum_sq = Array2::<f64>::zeros((ny + 1, nx + 1));
        for r in 0..ny {
            let (mut row, mut row_sq) = (0.0f64, 0.0f64);
            for c in 0..nx {
                let v = f64::from(values[[r, c]]);
                row += v;
                row_sq += v * v;
                sum[[r + 1, c + 1]] = sum[[r, c + 1]] + row;
                sum_sq[[r + 1, c + 1]] = sum_sq[[r, c + 1]] + row_sq;
            }
        }
        Frame {
            data: values.iter().copied().collect(),
            ny,
            nx,
            sum,
            sum_sq,
        }
    }

    fn window_sums(&self, r0: usize, c0: usize, size: usize) -> (f64, f64) {
        let (r1, c1) = (r0 + size, c0 + size);
        let rect = |t: &Array2<f64>| t[[r1, c1]] - t[[r0, c1]] - t[[r1, c0]] + t[[r0, c0]];
        (rect(&self.sum), rect(&self.sum_sq))
    }
}

/// Block-matching settings as used by [`box_vectors`].
pub(super) struct Matching {
    pub box_size: usize,
    pub radius: i64,
    pub min_correlation: f32,
    pub min_rain_fraction: f32,
    /// Values above this are rain.
    pub rain_above: f32,
}

/// One box's result: the vector (pixels per step) and its correlation, or `None`.
pub(super) type BoxVector = Option<([f64; 2], f64)>;

/// The TREC vector of every box whose top-left corners are `origins` (rows × columns): the displacement of
/// the box of the earlier frame that maximises the correlation with the later frame, averaged over the pairs
/// `(frames[k], frames[k + 1])`, with a parabolic sub-pixel fit along each axis.
///
/// A box gets no vector if fewer than `min_rain_fraction` of its pixels are rain in the earlier frame of any
/// pair, if it is flat, if the best mean correlation is below `min_correlation`, or if the best shift lies on the edge of
/// the search square (the true one may be outside). Shifts that take the box outside the grid are not tried.
pub(super) fn box_vectors(
    frames: &[Frame],
    row_origins: &[usize],
    col_origins: &[usize],
    m: &Matching,
) -> Array2<Option<([f64; 2], f64)>> {
    let boxes: Vec<(usize, usize)> = row_origins
        .iter()
        .flat_map(|&r| col_origins.iter().map(move |&c| (r, c)))
        .collect();
    let results: Vec<BoxVector> = boxes
        .par_iter()
        .map_init(Vec::new, |template, &(r0, c0)| {
            one_box(frames, r0, c0, m, template)
        })
        .collect();
    Array2::from_shape_vec((row_origins.len(), col_origins.len()), results)
        .unwrap_or_else(|_| Array2::from_elem((0, 0), None))
}

fn one_box(
    frames: &[Frame],
    r0: usize,
    c0: usize,
    m: &Matching,
    template: &mut Vec<f32>,
) -> BoxVector {
    let b = m.box_size;
    let (ny, nx) = (frames[0].ny, frames[0].nx);
    let side = (2 * m.radius + 1) as usize;
    let mut surface = vec![0.0f64; side * side];
    let mut valid = vec![true; side * side];
    let n = (b * b) as f64;
    for pair in frames.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        let block =
            || (r0..r0 + b).flat_map(|r| prev.data[r * nx + c0..r * nx + c0 + b].iter().copied());
        let rain = block().filter(|&v| v > m.rain_above).count() as f32;
        if rain < m.min_rain_fraction * n as f32 {
            return None;
        }
        let (s, s2) = prev.window_sums(r0, c0, b);
        let mean = s / n;
        let var_a = s2 - s * mean;
        if var_a <= 1e-9 * s2.abs().max(1.0) {
            return None;
        }
        template.clear();
        template.extend(block().map(|v| (f64::from(v) - mean) as f32));
        for dv in -m.radius..=m.radius {
            for du in -m.radius..=m.radius {
                let k = ((dv + m.radius) as usize) * side + (du + m.radius) as usize;
                let (r, c) = (r0 as i64 + dv, c0 as i64 + du);
                if !valid[k] || r < 0 || c < 0 || r as usize + b > ny || c as usize + b > nx {
                    valid[k] = false;
                    continue;
                }
                let (r, c) = (r as usize, c as usize);
                let (sb, sb2) = next.window_sums(r, c, b);
                let var_b = sb2 - sb * sb / n;
                if var_b <= 1e-9 * sb2.abs().max(1.0) {
                    valid[k] = false;
                    continue;
                }
                let cov = cross(template, next, r, c, b);
                surface[k] += cov / (var_a * var_b).sqrt();
            }
        }
    }
    let pairs = (frames.len() - 1) as f64;
    let (best, peak) = surface
        .iter()
        .zip(&valid)
        .enumerate()
        .filter(|(_, (_, ok))| **ok)
        .fold(None, |acc: Option<(usize, f64)>, (k, (&s, _))| match acc {
            Some((_, p)) if p >= s => acc,
            _ => Some((k, s)),
        })?;
    let peak = peak / pairs;
    let (iv, iu) = (
        (best / side) as i64 - m.radius,
        (best % side) as i64 - m.radius,
    );
    if peak < f64::from(m.min_correlation) || iu.abs() == m.radius || iv.abs() == m.radius {
        return None;
    }
    let at = |du: i64, dv: i64| {
        let k = ((iv + dv + m.radius) as usize) * side + (iu + du + m.radius) as usize;
        valid[k].then(|| surface[k] / pairs)
    };
    let fit = |minus: Option<f64>, plus: Option<f64>| match (minus, plus) {
        (Some(lo), Some(hi)) if lo - 2.0 * peak + hi < 0.0 => {
            (0.5 * (lo - hi) / (lo - 2.0 * peak + hi)).clamp(-0.5, 0.5)
        }
        _ => 0.0,
    };
    let u = iu as f64 + fit(at(-1, 0), at(1, 0));
    let v = iv as f64 + fit(at(0, -1), at(0, 1));
    Some(([u, v], peak))
}

/// `Σ template · next[r.., c..]` over a `b × b` window.
fn cross(template: &[f32], next: &Frame, r: usize, c: usize, b: usize) -> f64 {
    let mut total = 0.0f64;
    for (i, t_row) in template.chunks_exact(b).enumerate() {
        let start = (r + i) * next.nx + c;
        total += f64::from(dot(t_row, &next.data[start..start + b]));
    }
    total
}

/// `Σ a·b` with eight independent partial sums (lets the compiler vectorise; fixed order, so deterministic).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a8, b8) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a8
        .remainder()
        .iter()
        .zip(b8.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a8.zip(b8) {
        for k in 0..8 {
            lanes[k] += x[k] * y[k];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

/// Westerweel and Scarano (2005) normalised median test on a grid of vectors: a vector is removed when
/// `sqrt(r_u² + r_v²) > threshold`, `r = |x − median of the 8 neighbours| / (median of the neighbours'
/// absolute deviations from that median + ε)`, ε = `noise` pixels. Vectors with fewer than three neighbours
/// are kept.
///
/// # References
/// Westerweel, J. and F. Scarano, 2005: Universal outlier detection for PIV data. *Exp. Fluids*, 39, 1096–1100,
/// doi:10.1007/s00348-005-0016-6 (eq. 2).
pub(super) fn median_test(
    vectors: &Array2<Option<[f64; 2]>>,
    threshold: f64,
    noise: f64,
) -> Array2<Option<[f64; 2]>> {
    let (gy, gx) = vectors.dim();
    Array2::from_shape_fn((gy, gx), |(r, c)| {
        let x = vectors[[r, c]]?;
        let mut neighbours = Vec::with_capacity(8);
        for rr in r.saturating_sub(1)..=(r + 1).min(gy - 1) {
            for cc in c.saturating_sub(1)..=(c + 1).min(gx - 1) {
                if (rr, cc) != (r, c) {
                    if let Some(n) = vectors[[rr, cc]] {
                        neighbours.push(n);
                    }
                }
            }
        }
        if neighbours.len() < 3 {
            return Some(x);
        }
        let residual = |k: usize| {
            let mut values: Vec<f64> = neighbours.iter().map(|n| n[k]).collect();
            let med = median(&mut values);
            let mut dev: Vec<f64> = values.iter().map(|v| (v - med).abs()).collect();
            (x[k] - med).abs() / (median(&mut dev) + noise)
        };
        (residual(0).hypot(residual(1)) <= threshold).then_some(x)
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        0.5 * (values[n / 2 - 1] + values[n / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_test_removes_the_odd_vector() {
        let mut grid = Array2::from_shape_fn((5, 5), |(r, c)| {
            Some([1.0 + 0.05 * r as f64, -2.0 + 0.03 * c as f64])
        });
        grid[[2, 2]] = Some([4.0, 1.0]);
        grid[[0, 4]] = None;
        let out = median_test(&grid, 2.0, 0.1);
        assert!(out[[2, 2]].is_none());
        assert_eq!(out.iter().filter(|v| v.is_some()).count(), 23);
    }

    #[test]
    fn block_matching_finds_a_fractional_shift() {
        let make = |dx: f32, dy: f32| {
            Frame::new(Array2::from_shape_fn((80, 80), |(r, c)| {
                let (x, y) = (c as f32 - dx, r as f32 - dy);
                ((x * 0.3).sin() + (y * 0.23).cos()) * 10.0 + 20.0 + ((x * y) * 0.01).sin()
            }))
        };
        let frames = [make(0.0, 0.0), make(3.4, -2.2)];
        let m = Matching {
            box_size: 20,
            radius: 6,
            min_correlation: 0.5,
            min_rain_fraction: 0.1,
            rain_above: 0.0,
        };
        let out = box_vectors(&frames, &[30], &[30], &m);
        let ([u, v], corr) = out[[0, 0]].expect("vector");
        assert!((u - 3.4).abs() < 0.15 && (v + 2.2).abs() < 0.15, "{u} {v}");
        assert!(corr > 0.95);
        // Out of reach: the peak sits on the edge of the search square.
        let far = [make(0.0, 0.0), make(9.0, 0.0)];
        assert!(box_vectors(&far, &[30], &[30], &m)[[0, 0]].is_none());
    }
}
