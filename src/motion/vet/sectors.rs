//! The sector grid of VET: motion defined at sector centres, interpolated linearly to pixels.

/// Linear interpolation weights from the sector centres of one axis to positions along it.
///
/// An axis of `n` pixels split into `s` sectors has sectors of `n / s` pixels (not necessarily an integer) whose
/// centres lie at pixel coordinates `c_k = (k + ½)·n/s − ½`. A position between two centres takes the linear blend
/// of their values; beyond the outer centres the outer pair is extrapolated linearly, so a sector field can hold a
/// uniform gradient (rotation, shear, divergence) right to the edge of the image.
#[derive(Debug, Clone)]
pub(super) struct AxisWeights {
    /// Number of sectors along the axis.
    pub sectors: usize,
    /// Sector length, pixels.
    pub pitch: f64,
    /// Per pixel: the lower sector of the interpolating pair.
    pub k0: Vec<usize>,
    /// Per pixel: the upper sector (equal to `k0` for a single sector).
    pub k1: Vec<usize>,
    /// Per pixel: weight of `k1`; `k0` weighs `1 − t`. Outside `[0, 1]` beyond the outer centres.
    pub t: Vec<f32>,
    /// The runs of consecutive pixels that share one sector pair, in order.
    pub spans: Vec<Span>,
}

/// Consecutive pixels interpolated between the same two sectors.
#[derive(Debug, Clone)]
pub(super) struct Span {
    /// Lower sector.
    pub k0: usize,
    /// Upper sector.
    pub k1: usize,
    /// The pixels.
    pub pixels: std::ops::Range<usize>,
}

impl AxisWeights {
    /// Weights for the `n` pixels of an axis split into `sectors` sectors (`1 ≤ sectors ≤ n`).
    pub fn new(n: usize, sectors: usize) -> AxisWeights {
        let pitch = n as f64 / sectors as f64;
        let (mut k0, mut k1, mut t) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for i in 0..n {
            let (a, b, w) = pair(sectors, pitch, i as f64);
            k0.push(a);
            k1.push(b);
            t.push(w as f32);
        }
        let mut spans: Vec<Span> = Vec::new();
        for (i, (&a, &b)) in k0.iter().zip(&k1).enumerate() {
            match spans.last_mut() {
                Some(span) if span.k0 == a => span.pixels.end = i + 1,
                _ => spans.push(Span {
                    k0: a,
                    k1: b,
                    pixels: i..i + 1,
                }),
            }
        }
        AxisWeights {
            sectors,
            pitch,
            k0,
            k1,
            t,
            spans,
        }
    }

    /// The interpolating pair and weight at pixel coordinate `position` (any real value).
    pub fn at(&self, position: f64) -> (usize, usize, f64) {
        pair(self.sectors, self.pitch, position)
    }

    /// Pixel coordinate of the centre of sector `k`.
    pub fn centre(&self, k: usize) -> f64 {
        (k as f64 + 0.5) * self.pitch - 0.5
    }
}

/// Lower sector, upper sector and weight of the upper one at a pixel coordinate.
fn pair(sectors: usize, pitch: f64, position: f64) -> (usize, usize, f64) {
    if sectors < 2 {
        return (0, 0, 0.0);
    }
    let along = (position + 0.5) / pitch - 0.5;
    let k0 = along.floor().clamp(0.0, (sectors - 2) as f64);
    (k0 as usize, k0 as usize + 1, along - k0)
}

/// Motion on a sector grid: `values = [u (sy × sx, row-major), v (sy × sx)]` in pixels per step.
#[derive(Debug, Clone)]
pub(super) struct SectorField {
    /// Row weights (sectors along y).
    pub rows: AxisWeights,
    /// Column weights (sectors along x).
    pub cols: AxisWeights,
    /// u then v, each `rows.sectors × cols.sectors`, row-major.
    pub values: Vec<f64>,
}

impl SectorField {
    /// Number of sector values of one component.
    pub fn len_component(&self) -> usize {
        self.rows.sectors * self.cols.sectors
    }

    /// The component `c` (0 = u, 1 = v) at pixel coordinates `(row, col)`, interpolated (or extrapolated)
    /// bilinearly between sector centres.
    pub fn at(&self, c: usize, row: f64, col: f64) -> f64 {
        let (r0, r1, ty) = self.rows.at(row);
        let (c0, c1, tx) = self.cols.at(col);
        let sx = self.cols.sectors;
        let base = c * self.len_component();
        let v = |r: usize, k: usize| self.values[base + r * sx + k];
        let top = v(r0, c0) + tx * (v(r0, c1) - v(r0, c0));
        let bottom = v(r1, c0) + tx * (v(r1, c1) - v(r1, c0));
        top + ty * (bottom - top)
    }

    /// The same motion sampled on a finer (or coarser) sector grid of `sy × sx` sectors: the first guess of the
    /// next scale.
    pub fn resampled(&self, ny: usize, nx: usize, sy: usize, sx: usize) -> SectorField {
        let rows = AxisWeights::new(ny, sy);
        let cols = AxisWeights::new(nx, sx);
        let mut values = Vec::with_capacity(2 * sy * sx);
        for c in 0..2 {
            for r in 0..sy {
                for k in 0..sx {
                    values.push(self.at(c, rows.centre(r), cols.centre(k)));
                }
            }
        }
        SectorField { rows, cols, values }
    }

    /// Row `row` of the pixel field of component `c`, written into `out` (length = pixels per row).
    pub fn pixel_row(&self, c: usize, row: usize, out: &mut [f32]) {
        let sx = self.cols.sectors;
        let base = c * self.len_component();
        let (r0, r1, ty) = (
            self.rows.k0[row],
            self.rows.k1[row],
            f64::from(self.rows.t[row]),
        );
        // The sector values interpolated to this row, at sector column k.
        let along = |k: usize| {
            let (a, b) = (
                self.values[base + r0 * sx + k],
                self.values[base + r1 * sx + k],
            );
            (a + ty * (b - a)) as f32
        };
        for span in &self.cols.spans {
            let (a, b) = (along(span.k0), along(span.k1));
            let pixels = span.pixels.clone();
            for (o, &t) in out[pixels.clone()].iter_mut().zip(&self.cols.t[pixels]) {
                *o = a + t * (b - a);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn centres_take_their_sector_value_and_edges_extrapolate() {
        let w = AxisWeights::new(512, 2);
        assert_eq!(w.centre(0), 127.5);
        assert_eq!(w.centre(1), 383.5);
        let (k0, k1, t) = w.at(127.5);
        assert_eq!((k0, k1, t), (0, 1, 0.0));
        let (_, _, t) = w.at(383.5);
        assert_eq!(t, 1.0);
        // Pixel 0 lies 127.5 px before the first centre: t = −127.5/256.
        let (_, _, t) = w.at(0.0);
        assert!((t + 127.5 / 256.0).abs() < 1e-12);
        let single = AxisWeights::new(10, 1);
        assert!(single.k0.iter().chain(&single.k1).all(|&k| k == 0));
    }

    #[test]
    fn a_linear_field_survives_resampling_and_interpolation() {
        // u = 0.01·col − 0.02·row + 1, v = 0.5 on a 4 × 3 sector grid of a 40 × 36 image.
        let (ny, nx) = (40, 36);
        let rows = AxisWeights::new(ny, 4);
        let cols = AxisWeights::new(nx, 3);
        let mut values = Vec::new();
        for c in 0..2 {
            for r in 0..4 {
                for k in 0..3 {
                    values.push(if c == 0 {
                        0.01 * cols.centre(k) - 0.02 * rows.centre(r) + 1.0
                    } else {
                        0.5
                    });
                }
            }
        }
        let field = SectorField { rows, cols, values };
        let fine = field.resampled(ny, nx, 10, 12);
        let mut row = vec![0.0f32; nx];
        for r in [0, 17, 39] {
            fine.pixel_row(0, r, &mut row);
            for (c, &u) in row.iter().enumerate() {
                let exact = 0.01 * c as f64 - 0.02 * r as f64 + 1.0;
                assert!((f64::from(u) - exact).abs() < 1e-5, "{r} {c}");
            }
            fine.pixel_row(1, r, &mut row);
            assert!(row.iter().all(|&v| (v - 0.5).abs() < 1e-6));
        }
    }
}
