//! Backward semi-Lagrangian extrapolation of a 2-D field along a motion field.
//!
//! For every output pixel the departure point is traced backwards along the motion field, one lead-time interval
//! after another, and the analysis field is sampled **once** at the final departure point. The cumulative
//! displacement is kept, so a later call (or the next lead time) continues the trajectory instead of resampling
//! an already interpolated field: there is no per-step smoothing.
//!
//! # Conventions (as pysteps)
//! - Fields are `(y, x)` arrays; motion is `(2, y, x)` = (u, v) in pixels per time step, u along columns
//!   (increasing x), v along rows (increasing row index).
//! - Lead times are in time steps (floats allowed), strictly increasing and positive.
//! - The displacement `(2, y, x)` is the offset (columns, rows) from each output pixel to its departure point
//!   in the analysis field, i.e. minus the distance travelled.
//! - Departure points outside the domain — beyond the centres of the edge pixels — take `outval` (NaN by
//!   default), without blending, as scipy's `map_coordinates(mode="constant")` used by pysteps does. The motion
//!   field is sampled with its edge values continued outwards.
//!
//! # References
//! Germann, U. and I. Zawadzki, 2002: Scale-dependence of the predictability of precipitation from continental
//! radar images. Part I: Description of the methodology. *Mon. Wea. Rev.*, 130, 2859–2873,
//! doi:10.1175/1520-0493(2002)130<2859:SDOTPO>2.0.CO;2 (section 3b, backward scheme).
//! Keys, R., 1981: Cubic convolution interpolation for digital image processing. *IEEE Trans. Acoust. Speech
//! Signal Process.*, 29, 1153–1160, doi:10.1109/TASSP.1981.1163711 (the bicubic kernel, a = −0.5).

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, ArrayViewMut2, Axis, Zip};
use rayon::prelude::*;

use crate::error::{Error, Result};

/// Rows of output traced by one parallel task.
const ROWS_PER_TASK: usize = 8;

/// Largest grid side: pixel coordinates must keep sub-pixel precision in `f32` (2²³).
const MAX_SIDE: usize = 1 << 23;

/// How the analysis field is sampled at departure points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interpolation {
    /// Bilinear (pysteps' `interp_order=1`).
    #[default]
    Bilinear,
    /// Bicubic convolution (Keys 1981, a = −0.5); sharper than bilinear, may overshoot slightly. Not the
    /// B-spline of pysteps' `interp_order=3`.
    Bicubic,
}

/// Settings of the semi-Lagrangian scheme.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extrapolator {
    /// Sampling of the analysis field.
    pub interpolation: Interpolation,
    /// Value of departure points outside the domain (NaN = no data).
    pub outval: f32,
    /// Midpoint corrections per interval: 0 takes the velocity at the start of each interval (Euler); each
    /// iteration re-evaluates it at the midpoint of the last estimate (the midpoint rule of Germann and
    /// Zawadzki 2002). pysteps' default is 1.
    pub n_iter: usize,
}

impl Default for Extrapolator {
    fn default() -> Self {
        Extrapolator {
            interpolation: Interpolation::Bilinear,
            outval: f32::NAN,
            n_iter: 1,
        }
    }
}

/// The extrapolated fields and the displacement reached at the last lead time.
#[derive(Debug, Clone, PartialEq)]
pub struct Extrapolation {
    /// Extrapolated fields `(lead time, y, x)`, in the units of the input.
    pub fields: Array3<f32>,
    /// Displacement `(2, y, x)` in pixels at the last lead time (columns, rows), to continue from.
    pub displacement: Array3<f32>,
}

impl Extrapolator {
    /// Extrapolates `field` along `velocity` to each lead time.
    ///
    /// # Shape
    /// `field (y, x)`, `velocity (2, y, x)` pixels per step, optional `displacement_prev (2, y, x)` pixels →
    /// `fields (n_lead_times, y, x)`, `displacement (2, y, x)`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the arrays disagree; [`Error::Parameter`] if lead times are not positive and strictly
    /// increasing, or the velocity or previous displacement holds non-finite values. An empty
    /// field (no rain) or zero motion are valid.
    ///
    /// # Examples
    /// ```
    /// use ndarray::{Array2, Array3};
    /// use squall::nowcast::Extrapolator;
    /// let mut field = Array2::<f32>::zeros((8, 8));
    /// field[[2, 2]] = 10.0;
    /// let mut velocity = Array3::<f32>::zeros((2, 8, 8));
    /// velocity.index_axis_mut(ndarray::Axis(0), 0).fill(1.0); // one pixel east per step
    /// let out = Extrapolator::default().extrapolate(field.view(), velocity.view(), &[1.0, 3.0], None)?;
    /// assert_eq!(out.fields[[0, 2, 3]], 10.0);
    /// assert_eq!(out.fields[[1, 2, 5]], 10.0);
    /// assert_eq!(out.displacement[[0, 0, 7]], -3.0);
    /// # Ok::<(), squall::Error>(())
    /// ```
    pub fn extrapolate(
        &self,
        field: ArrayView2<f32>,
        velocity: ArrayView3<f32>,
        lead_times: &[f64],
        displacement_prev: Option<ArrayView3<f32>>,
    ) -> Result<Extrapolation> {
        let (ny, nx) = field.dim();
        check_motion("velocity", velocity, (ny, nx))?;
        if let Some(d) = displacement_prev {
            check_motion("displacement_prev", d, (ny, nx))?;
        }
        check_lead_times(lead_times)?;
        if ny.max(nx) > MAX_SIDE {
            return Err(Error::Shape {
                what: "field".to_owned(),
                expected: format!("at most {MAX_SIDE} pixels along each side"),
                found: format!("{:?}", (ny, nx)),
            });
        }
        let mut displacement = match displacement_prev {
            Some(d) => d.as_standard_layout().into_owned(),
            None => Array3::zeros((2, ny, nx)),
        };
        let field = field.as_standard_layout();
        let velocity = velocity.as_standard_layout();
        let field = Raster::new(field.as_slice().unwrap_or_default(), ny, nx);
        let (u, v) = velocity.as_slice().unwrap_or_default().split_at(ny * nx);
        let tracer = Tracer {
            motion: Padded::new(ny, nx, |i| [u[i], v[i]]),
            padded_field: Padded::new(ny, nx, |i| field.data[i]),
            field,
            intervals: std::iter::once(0.0)
                .chain(lead_times.iter().copied())
                .zip(lead_times)
                .map(|(previous, t)| (t - previous) as f32)
                .collect(),
            settings: *self,
        };
        let mut fields = Array3::<f32>::zeros((lead_times.len(), ny, nx));
        let (dx, dy) = displacement
            .as_slice_mut()
            .unwrap_or_default()
            .split_at_mut(ny * nx);
        let planes = fields
            .outer_iter_mut()
            .map(|plane| plane.into_slice().unwrap_or_default())
            .collect();
        tracer.trace_all(planes, dx, dy);
        Ok(Extrapolation {
            fields,
            displacement,
        })
    }

    /// One interval on: [`Self::extrapolate`] of `field` to the single lead time `interval` (in steps) from
    /// `displacement (2, y, x)`, which is updated in place, writing the field into `out (y, x)` (standard
    /// layout). `buffers` is working memory reused across calls, so a member advancing step by step allocates
    /// nothing after its first step. The results are those of [`Self::extrapolate`] bit for bit.
    ///
    /// # Errors
    /// As [`Self::extrapolate`]; [`Error::Shape`] if `out` is not `(y, x)` in standard layout.
    pub fn advance(
        &self,
        field: ArrayView2<f32>,
        velocity: ArrayView3<f32>,
        interval: f64,
        displacement: &mut Array3<f32>,
        mut out: ArrayViewMut2<f32>,
        buffers: &mut AdvectionBuffers,
    ) -> Result<()> {
        let (ny, nx) = field.dim();
        check_motion("velocity", velocity, (ny, nx))?;
        check_motion("displacement", displacement.view(), (ny, nx))?;
        check_lead_times(&[interval])?;
        if ny.max(nx) > MAX_SIDE || out.dim() != (ny, nx) || !out.is_standard_layout() {
            return Err(Error::Shape {
                what: "field and output".to_owned(),
                expected: format!("({ny}, {nx}) in standard layout, at most {MAX_SIDE} per side"),
                found: format!("{:?}", out.dim()),
            });
        }
        if !displacement.is_standard_layout() {
            *displacement = displacement.as_standard_layout().into_owned();
        }
        let field = field.as_standard_layout();
        let velocity = velocity.as_standard_layout();
        let field = Raster::new(field.as_slice().unwrap_or_default(), ny, nx);
        let (u, v) = velocity.as_slice().unwrap_or_default().split_at(ny * nx);
        buffers.motion.refill(ny, nx, |i| [u[i], v[i]]);
        buffers.field.refill(ny, nx, |i| field.data[i]);
        let tracer = Tracer {
            motion: std::mem::take(&mut buffers.motion),
            padded_field: std::mem::take(&mut buffers.field),
            field,
            intervals: vec![interval as f32],
            settings: *self,
        };
        let (dx, dy) = displacement
            .as_slice_mut()
            .unwrap_or_default()
            .split_at_mut(ny * nx);
        tracer.trace_all(vec![out.as_slice_mut().unwrap_or_default()], dx, dy);
        (buffers.motion, buffers.field) = (tracer.motion, tracer.padded_field);
        Ok(())
    }
}

/// Working memory of [`Extrapolator::advance`]: padded copies of the motion and the field.
#[derive(Default)]
pub struct AdvectionBuffers {
    motion: Padded<[f32; 2]>,
    field: Padded<f32>,
}

impl std::fmt::Debug for AdvectionBuffers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdvectionBuffers")
            .field("len", &self.field.data.len())
            .finish()
    }
}

/// Samples `field` at every pixel plus its displacement: `out[y, x] = field(x + d[0], y + d[1])`.
///
/// # Shape
/// `field (y, x)`, `displacement (2, y, x)` → `(y, x)`.
///
/// # Errors
/// [`Error::Shape`] if the shapes disagree.
pub fn warp(
    field: ArrayView2<f32>,
    displacement: ArrayView3<f32>,
    interpolation: Interpolation,
    outval: f32,
) -> Result<Array2<f32>> {
    let (ny, nx) = field.dim();
    check_motion("displacement", displacement, (ny, nx))?;
    let field = field.as_standard_layout();
    let field = Raster::new(field.as_slice().unwrap_or_default(), ny, nx);
    let displacement = displacement.as_standard_layout();
    let (dx, dy) = displacement
        .as_slice()
        .unwrap_or_default()
        .split_at(ny * nx);
    let mut out = Array2::zeros((ny, nx));
    out.as_slice_mut()
        .unwrap_or_default()
        .par_chunks_mut(nx)
        .enumerate()
        .for_each(|(row, out)| {
            for (col, o) in out.iter_mut().enumerate() {
                let i = row * nx + col;
                *o = field.sample(
                    col as f32 + dx[i],
                    row as f32 + dy[i],
                    interpolation,
                    outval,
                );
            }
        });
    Ok(out)
}

/// A row-major `(ny, nx)` field borrowed as a slice, for fast sampling.
#[derive(Debug, Clone, Copy)]
struct Raster<'a> {
    data: &'a [f32],
    ny: usize,
    nx: usize,
}

impl<'a> Raster<'a> {
    fn new(data: &'a [f32], ny: usize, nx: usize) -> Self {
        debug_assert_eq!(data.len(), ny * nx);
        Raster { data, ny, nx }
    }

    #[inline]
    fn at(&self, row: usize, col: usize) -> f32 {
        self.data[row * self.nx + col]
    }

    /// Whether `(x, y)` lies within the centres of the edge pixels.
    #[inline]
    fn inside(&self, x: f32, y: f32) -> bool {
        x >= 0.0 && y >= 0.0 && x <= (self.nx - 1) as f32 && y <= (self.ny - 1) as f32
    }

    #[inline(always)]
    fn sample(&self, x: f32, y: f32, interpolation: Interpolation, outval: f32) -> f32 {
        if !self.inside(x, y) {
            return outval;
        }
        match interpolation {
            Interpolation::Bilinear => self.bilinear(x, y),
            Interpolation::Bicubic => self.bicubic(x, y),
        }
    }

    /// Bilinear sample at a point inside the domain; a neighbour with weight exactly 0 is never read, so the
    /// last row and column need no padding.
    #[inline(always)]
    fn bilinear(&self, x: f32, y: f32) -> f32 {
        let (c, r) = (x as usize, y as usize);
        let (fx, fy) = (x - c as f32, y - r as f32);
        let (c1, r1) = ((c + 1).min(self.nx - 1), (r + 1).min(self.ny - 1));
        let lerp = |a: f32, b: f32, w: f32| if w == 0.0 { a } else { a + w * (b - a) };
        let top = lerp(self.at(r, c), self.at(r, c1), fx);
        if fy == 0.0 {
            return top;
        }
        lerp(top, lerp(self.at(r1, c), self.at(r1, c1), fx), fy)
    }

    /// Bicubic convolution at a point inside the domain; neighbours beyond the edge repeat the edge pixel.
    #[inline]
    fn bicubic(&self, x: f32, y: f32) -> f32 {
        let (c, r) = (x as usize, y as usize);
        let (fx, fy) = (x - c as f32, y - r as f32);
        if fx == 0.0 && fy == 0.0 {
            return self.at(r, c);
        }
        let (wx, wy) = (keys_weights(fx), keys_weights(fy));
        let clamp = |i: usize, d: usize, n: usize| (i + d).saturating_sub(1).min(n - 1);
        let mut sum = 0.0;
        for (i, wyi) in wy.iter().enumerate() {
            if *wyi == 0.0 {
                continue;
            }
            let rr = clamp(r, i, self.ny);
            let mut row_sum = 0.0;
            for (j, wxj) in wx.iter().enumerate() {
                if *wxj != 0.0 {
                    row_sum += wxj * self.at(rr, clamp(c, j, self.nx));
                }
            }
            sum += wyi * row_sum;
        }
        sum
    }
}

/// Keys (1981) cubic convolution weights for offsets −1, 0, 1, 2 at fraction `t`.
#[inline]
fn keys_weights(t: f32) -> [f32; 4] {
    const A: f32 = -0.5;
    let w = |d: f32| {
        let d = d.abs();
        if d <= 1.0 {
            (A + 2.0) * d * d * d - (A + 3.0) * d * d + 1.0
        } else if d < 2.0 {
            A * d * d * d - 5.0 * A * d * d + 8.0 * A * d - 4.0 * A
        } else {
            0.0
        }
    };
    [w(1.0 + t), w(t), w(1.0 - t), w(2.0 - t)]
}

/// Pixels traced together: enough independent trajectories to keep the processor busy while each waits for its
/// samples, few enough for the scratch arrays to stay in L1.
const LANES: usize = 32;

/// Everything one trajectory needs, shared by the parallel tasks.
struct Tracer<'a> {
    /// Motion `(u, v)` in pixels per step.
    motion: Padded<[f32; 2]>,
    /// The analysis field, padded for bilinear sampling.
    padded_field: Padded<f32>,
    /// The analysis field as given, for bicubic sampling.
    field: Raster<'a>,
    /// Length of each lead-time interval, in steps.
    intervals: Vec<f32>,
    settings: Extrapolator,
}

/// Scratch arrays for `LANES` trajectories: positions, increments and sample stencils.
#[derive(Default)]
struct Lanes {
    x: [f32; LANES],
    y: [f32; LANES],
    inc_x: [f32; LANES],
    inc_y: [f32; LANES],
    at_x: [f32; LANES],
    at_y: [f32; LANES],
    values: [f32; LANES],
    stencils: Stencils,
}

impl Tracer<'_> {
    /// Traces every pixel into `planes` (one `(y, x)` plane per lead time) from the displacement `dx`, `dy`, in
    /// parallel over blocks of rows.
    fn trace_all(&self, planes: Vec<&mut [f32]>, dx: &mut [f32], dy: &mut [f32]) {
        let (ny, nx) = (self.field.ny, self.field.nx);
        // Blocks of rows, each holding its rows of every lead time: a pixel's whole trajectory is traced in one
        // go, while the motion it samples is still in cache.
        let block_len = ROWS_PER_TASK.min(ny) * nx;
        let mut blocks: Vec<Vec<&mut [f32]>> = Vec::new();
        let n_planes = planes.len();
        for plane in planes {
            for (b, chunk) in plane.chunks_mut(block_len).enumerate() {
                if b == blocks.len() {
                    blocks.push(Vec::with_capacity(n_planes));
                }
                blocks[b].push(chunk);
            }
        }
        blocks
            .into_par_iter()
            .zip(dx.par_chunks_mut(block_len))
            .zip(dy.par_chunks_mut(block_len))
            .enumerate()
            .for_each(|(b, ((mut outs, dx), dy))| {
                self.trace_rows(b * ROWS_PER_TASK, &mut outs, dx, dy);
            });
    }

    /// Traces the rows from `first_row` whose displacement is `dx`, `dy` (whole rows) and whose output at lead time
    /// `k` is `outs[k]`, with AVX2 when the processor has it (the same operations, so the same results).
    fn trace_rows(
        &self,
        first_row: usize,
        outs: &mut [&mut [f32]],
        dx: &mut [f32],
        dy: &mut [f32],
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor supports AVX2, checked just above.
            unsafe { self.trace_rows_avx2(first_row, outs, dx, dy) };
            return;
        }
        self.trace_rows_portable(first_row, outs, dx, dy);
    }

    /// [`Self::trace_rows_portable`] compiled for AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn trace_rows_avx2(
        &self,
        first_row: usize,
        outs: &mut [&mut [f32]],
        dx: &mut [f32],
        dy: &mut [f32],
    ) {
        self.trace_rows_portable(first_row, outs, dx, dy);
    }

    /// See [`Self::trace_rows`].
    #[inline(always)]
    fn trace_rows_portable(
        &self,
        first_row: usize,
        outs: &mut [&mut [f32]],
        dx: &mut [f32],
        dy: &mut [f32],
    ) {
        let nx = self.field.nx;
        let mut lanes = Lanes::default();
        let rows = dx.chunks_mut(nx).zip(dy.chunks_mut(nx)).enumerate();
        for (r, (dx, dy)) in rows {
            for (l, (dx, dy)) in dx.chunks_mut(LANES).zip(dy.chunks_mut(LANES)).enumerate() {
                let (col, offset) = (l * LANES, r * nx + l * LANES);
                self.trace(first_row + r, col, dx, dy, outs, offset, &mut lanes);
            }
        }
    }

    /// Traces `dx.len() ≤ LANES` pixels of `row` from column `col` through every lead time: updates their
    /// displacement `dx`, `dy` and writes the sampled field to `outs[k][offset..]` for lead time `k`.
    ///
    /// Unused lanes (at the end of a row) repeat the last pixel and are not written back.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn trace(
        &self,
        row: usize,
        col: usize,
        dx: &mut [f32],
        dy: &mut [f32],
        outs: &mut [&mut [f32]],
        offset: usize,
        l: &mut Lanes,
    ) {
        let n = dx.len();
        let (mut disp_x, mut disp_y, mut col_f) =
            ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
        for j in 0..LANES {
            let i = j.min(n - 1);
            (disp_x[j], disp_y[j], col_f[j]) = (dx[i], dy[i], (col + i) as f32);
        }
        let row_f = row as f32;
        for (&dt, out) in self.intervals.iter().zip(outs.iter_mut()) {
            for j in 0..LANES {
                (l.x[j], l.y[j]) = (col_f[j] + disp_x[j], row_f + disp_y[j]);
            }
            // Predictor at the current departure point, then midpoint corrections.
            self.motion
                .bilinear_motion(&l.x, &l.y, &mut l.inc_x, &mut l.inc_y, &mut l.stencils);
            for _ in 0..self.settings.n_iter {
                for j in 0..LANES {
                    l.at_x[j] = l.x[j] - 0.5 * (dt * l.inc_x[j]);
                    l.at_y[j] = l.y[j] - 0.5 * (dt * l.inc_y[j]);
                }
                self.motion.bilinear_motion(
                    &l.at_x,
                    &l.at_y,
                    &mut l.inc_x,
                    &mut l.inc_y,
                    &mut l.stencils,
                );
            }
            for j in 0..LANES {
                let (inc_x, inc_y) = (dt * l.inc_x[j], dt * l.inc_y[j]);
                disp_x[j] -= inc_x;
                disp_y[j] -= inc_y;
                (l.at_x[j], l.at_y[j]) = (l.x[j] - inc_x, l.y[j] - inc_y);
            }
            let outval = self.settings.outval;
            match self.settings.interpolation {
                Interpolation::Bilinear => self.padded_field.bilinear_field(
                    &l.at_x,
                    &l.at_y,
                    outval,
                    &mut l.values,
                    &mut l.stencils,
                ),
                Interpolation::Bicubic => {
                    for j in 0..LANES {
                        l.values[j] =
                            self.field
                                .sample(l.at_x[j], l.at_y[j], Interpolation::Bicubic, outval);
                    }
                }
            }
            out[offset..offset + n].copy_from_slice(&l.values[..n]);
        }
        dx.copy_from_slice(&disp_x[..n]);
        dy.copy_from_slice(&disp_y[..n]);
    }
}

/// A row-major `(ny + 1, nx + 1)` copy of a `(ny, nx)` grid whose last row and column repeat the edge, so the
/// bilinear stencil of any point within the edge pixel centres lies inside.
#[derive(Default)]
struct Padded<T> {
    data: Vec<T>,
    stride: usize,
    x_max: f32,
    y_max: f32,
}

impl<T: Copy> Padded<T> {
    /// Pads the grid whose element at row-major index `i` is `at(i)`.
    fn new(ny: usize, nx: usize, at: impl Fn(usize) -> T) -> Self {
        let mut padded = Padded {
            data: Vec::with_capacity((ny + 1) * (nx + 1)),
            stride: 0,
            x_max: 0.0,
            y_max: 0.0,
        };
        padded.refill(ny, nx, at);
        padded
    }

    /// [`Self::new`] in place, reusing the allocation.
    fn refill(&mut self, ny: usize, nx: usize, at: impl Fn(usize) -> T) {
        let stride = nx + 1;
        self.data.clear();
        for row in (0..ny).chain(std::iter::once(ny - 1)) {
            self.data.extend(
                (0..nx)
                    .chain(std::iter::once(nx - 1))
                    .map(|col| at(row * nx + col)),
            );
        }
        self.stride = stride;
        self.x_max = (nx - 1) as f32;
        self.y_max = (ny - 1) as f32;
    }

    /// The four values `00, 01, 10, 11` around the point of lane `j` of `st`.
    #[inline(always)]
    fn corners(&self, st: &Stencils, j: usize) -> [T; 4] {
        let s = self.stride;
        let i = st.row[j] as usize * s + st.col[j] as usize;
        let window = &self.data[i..i + s + 2];
        [window[0], window[1], window[s], window[s + 1]]
    }
}

/// Bilinear stencils of `LANES` points: the upper-left pixel, the fractions and the four corner values (per
/// component).
#[derive(Default)]
struct Stencils {
    col: [u32; LANES],
    row: [u32; LANES],
    fx: [f32; LANES],
    fy: [f32; LANES],
    /// Corners 00, 01, 10, 11 of the first component, then of the second.
    corners: [[f32; LANES]; 8],
}

impl Stencils {
    /// Sets lane `j` to the point `(x, y)`, `0 ≤ x, y < 2²³` pixels: its upper-left pixel and fractions.
    #[inline(always)]
    fn locate(&mut self, j: usize, x: f32, y: f32) {
        let ((c, cf), (r, rf)) = (floor_small(x), floor_small(y));
        (self.col[j], self.row[j], self.fx[j], self.fy[j]) = (c, r, x - cf, y - rf);
    }
}

/// Floor of `0 ≤ x < 2²³` as integer and float, without a saturating conversion (so it vectorises): adding
/// 2²³ leaves the rounded integer in the low mantissa bits.
#[inline(always)]
fn floor_small(x: f32) -> (u32, f32) {
    const SHIFT: f32 = 8_388_608.0;
    let shifted = x + SHIFT;
    let rounded = shifted.to_bits().wrapping_sub(SHIFT.to_bits());
    let rounded_f = shifted - SHIFT;
    if rounded_f > x {
        (rounded.wrapping_sub(1), rounded_f - 1.0)
    } else {
        (rounded, rounded_f)
    }
}

impl Padded<[f32; 2]> {
    /// Both motion components at `LANES` points, bilinear with shared weights, edge values continued outwards.
    #[inline(always)]
    fn bilinear_motion(
        &self,
        xs: &[f32; LANES],
        ys: &[f32; LANES],
        us: &mut [f32; LANES],
        vs: &mut [f32; LANES],
        st: &mut Stencils,
    ) {
        for j in 0..LANES {
            st.locate(
                j,
                xs[j].clamp(0.0, self.x_max),
                ys[j].clamp(0.0, self.y_max),
            );
        }
        for j in 0..LANES {
            let [p00, p01, p10, p11] = self.corners(st, j);
            for k in 0..2 {
                st.corners[4 * k][j] = p00[k];
                st.corners[4 * k + 1][j] = p01[k];
                st.corners[4 * k + 2][j] = p10[k];
                st.corners[4 * k + 3][j] = p11[k];
            }
        }
        let c = &st.corners;
        for j in 0..LANES {
            let (fx, fy) = (st.fx[j], st.fy[j]);
            let blend = |k: usize| {
                let top = c[k][j] + fx * (c[k + 1][j] - c[k][j]);
                let bottom = c[k + 2][j] + fx * (c[k + 3][j] - c[k + 2][j]);
                top + fy * (bottom - top)
            };
            (us[j], vs[j]) = (blend(0), blend(4));
        }
    }
}

impl Padded<f32> {
    /// The field at `LANES` points, bilinear; `outval` beyond the edge pixel centres. A neighbour with weight
    /// exactly 0 does not enter the result (so a NaN there does not spread).
    #[inline(always)]
    fn bilinear_field(
        &self,
        xs: &[f32; LANES],
        ys: &[f32; LANES],
        outval: f32,
        out: &mut [f32; LANES],
        st: &mut Stencils,
    ) {
        let mut inside = [false; LANES];
        for j in 0..LANES {
            let (x, y) = (xs[j], ys[j]);
            inside[j] = x >= 0.0 && y >= 0.0 && x <= self.x_max && y <= self.y_max;
            let (x, y) = if inside[j] { (x, y) } else { (0.0, 0.0) };
            st.locate(j, x, y);
        }
        for j in 0..LANES {
            let [p00, p01, p10, p11] = self.corners(st, j);
            (st.corners[0][j], st.corners[1][j]) = (p00, p01);
            (st.corners[2][j], st.corners[3][j]) = (p10, p11);
        }
        let lerp = |a: f32, b: f32, w: f32| if w == 0.0 { a } else { a + w * (b - a) };
        let c = &st.corners;
        for j in 0..LANES {
            let (fx, fy) = (st.fx[j], st.fy[j]);
            let top = lerp(c[0][j], c[1][j], fx);
            let value = if fy == 0.0 {
                top
            } else {
                lerp(top, lerp(c[2][j], c[3][j], fx), fy)
            };
            out[j] = if inside[j] { value } else { outval };
        }
    }
}

fn check_motion(what: &str, motion: ArrayView3<f32>, shape: (usize, usize)) -> Result<()> {
    if motion.dim() != (2, shape.0, shape.1) || shape.0 == 0 || shape.1 == 0 {
        return Err(Error::Shape {
            what: what.to_owned(),
            expected: format!("(2, {}, {}) with a non-empty grid", shape.0, shape.1),
            found: format!("{:?}", motion.dim()),
        });
    }
    let bad = motion.iter().filter(|v| !v.is_finite()).count();
    if bad > 0 {
        return Err(Error::parameter(
            what,
            format!("{bad} non-finite values"),
            "motion must be finite everywhere",
        ));
    }
    Ok(())
}

fn check_lead_times(lead_times: &[f64]) -> Result<()> {
    let mut previous = 0.0;
    for &t in lead_times {
        if !(t.is_finite() && t > previous) {
            return Err(Error::parameter(
                "lead_times",
                format!("{lead_times:?}"),
                "must be positive, finite and strictly increasing (in time steps)",
            ));
        }
        previous = t;
    }
    Ok(())
}

/// The motion `(2, y, x)` of a uniform translation by `(u, v)` pixels per step.
pub fn uniform_motion(shape: (usize, usize), u: f32, v: f32) -> Array3<f32> {
    let mut m = Array3::zeros((2, shape.0, shape.1));
    Zip::from(m.index_axis_mut(Axis(0), 0)).for_each(|x| *x = u);
    Zip::from(m.index_axis_mut(Axis(0), 1)).for_each(|x| *x = v);
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn blob(ny: usize, nx: usize, cy: f32, cx: f32, s: f32) -> Array2<f32> {
        Array2::from_shape_fn((ny, nx), |(r, c)| {
            let d2 = (r as f32 - cy).powi(2) + (c as f32 - cx).powi(2);
            50.0 * (-d2 / (2.0 * s * s)).exp()
        })
    }

    #[test]
    fn integer_translation_is_exact() {
        let field = blob(40, 50, 15.0, 12.0, 3.0);
        let motion = uniform_motion((40, 50), 2.0, -1.0);
        for interpolation in [Interpolation::Bilinear, Interpolation::Bicubic] {
            let ex = Extrapolator {
                interpolation,
                ..Default::default()
            };
            let out = ex
                .extrapolate(field.view(), motion.view(), &[1.0, 2.0, 5.0], None)
                .unwrap();
            assert_eq!(out.fields[[2, 10, 22]], field[[15, 12]]);
            assert_eq!(out.fields[[0, 14, 14]], field[[15, 12]]);
            // Pixels whose departure point left the domain hold outval.
            assert!(out.fields[[2, 39, 0]].is_nan());
            assert_eq!(out.displacement[[0, 3, 3]], -10.0);
            assert_eq!(out.displacement[[1, 3, 3]], 5.0);
        }
    }

    #[test]
    fn no_smoothing_growth_with_lead_time() {
        // 12 steps of 0.5 px: sampled once at a 6-px displacement (integer) → exact, although every single step
        // lands between pixels.
        let field = blob(64, 64, 30.0, 20.0, 2.0);
        let motion = uniform_motion((64, 64), 0.5, 0.0);
        let times: Vec<f64> = (1..=12).map(f64::from).collect();
        let out = Extrapolator::default()
            .extrapolate(field.view(), motion.view(), &times, None)
            .unwrap();
        let last = out.fields.index_axis(Axis(0), 11);
        assert_relative_eq!(last[[30, 26]], field[[30, 20]], epsilon = 1e-5);
        // A half-pixel lead time is smoothed once, like a single interpolation.
        let peak_half = out.fields[[0, 30, 20]].max(out.fields[[0, 30, 21]]);
        assert!(peak_half < field[[30, 20]]);
    }

    #[test]
    fn continuing_from_a_displacement_equals_one_long_run() {
        let field = blob(48, 48, 20.0, 20.0, 4.0);
        let mut motion = Array3::zeros((2, 48, 48));
        for r in 0..48 {
            for c in 0..48 {
                // Solid rotation about the centre, 0.05 rad per step.
                motion[[0, r, c]] = -0.05 * (r as f32 - 24.0);
                motion[[1, r, c]] = 0.05 * (c as f32 - 24.0);
            }
        }
        let ex = Extrapolator::default();
        let all = ex
            .extrapolate(field.view(), motion.view(), &[1.0, 2.0, 3.0, 4.0], None)
            .unwrap();
        let first = ex
            .extrapolate(field.view(), motion.view(), &[1.0, 2.0], None)
            .unwrap();
        let second = ex
            .extrapolate(
                field.view(),
                motion.view(),
                &[1.0, 2.0],
                Some(first.displacement.view()),
            )
            .unwrap();
        let same = |a: f32, b: f32| (a.is_nan() && b.is_nan()) || a == b;
        let (a, b) = (
            all.fields.index_axis(Axis(0), 3),
            second.fields.index_axis(Axis(0), 1),
        );
        assert!(a.iter().zip(b.iter()).all(|(&x, &y)| same(x, y)));
        assert!(a.iter().filter(|v| v.is_finite()).count() > 1000);
        assert_eq!(all.displacement, second.displacement);
    }

    #[test]
    fn fractional_lead_times_follow_the_flow() {
        let field = blob(30, 30, 10.0, 10.0, 2.0);
        let motion = uniform_motion((30, 30), 4.0, 0.0);
        let out = Extrapolator::default()
            .extrapolate(field.view(), motion.view(), &[0.5, 1.25], None)
            .unwrap();
        assert_relative_eq!(out.fields[[0, 10, 12]], field[[10, 10]], epsilon = 1e-6);
        assert_relative_eq!(out.fields[[1, 10, 15]], field[[10, 10]], epsilon = 1e-6);
    }

    #[test]
    fn zero_motion_and_no_rain_are_valid() {
        let field = Array2::<f32>::zeros((16, 16));
        let motion = Array3::zeros((2, 16, 16));
        let out = Extrapolator::default()
            .extrapolate(field.view(), motion.view(), &[1.0, 2.0], None)
            .unwrap();
        assert!(out.fields.iter().all(|&v| v == 0.0));
    }

    #[test]
    fn outval_beyond_the_edge_pixel_centres_like_scipy_constant_mode() {
        let field = Array2::from_elem((4, 4), 10.0f32);
        let motion = uniform_motion((4, 4), 0.5, 0.0);
        let ex = Extrapolator {
            outval: -1.0,
            ..Default::default()
        };
        let out = ex
            .extrapolate(field.view(), motion.view(), &[1.0], None)
            .unwrap();
        // Column 0 samples x = −0.5: outside, no blending.
        assert_eq!(out.fields[[0, 2, 0]], -1.0);
        assert_eq!(out.fields[[0, 2, 3]], 10.0);
        let bicubic = Extrapolator {
            interpolation: Interpolation::Bicubic,
            ..ex
        };
        let out = bicubic
            .extrapolate(field.view(), motion.view(), &[1.0], None)
            .unwrap();
        assert_eq!(out.fields[[0, 2, 0]], -1.0);
        assert_relative_eq!(out.fields[[0, 2, 3]], 10.0);
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_and_portable_kernels_agree_bit_for_bit() {
        if !std::arch::is_x86_feature_detected!("avx2") {
            eprintln!("SKIP: no AVX2 on this processor");
            return;
        }
        // 45 columns: one full batch of lanes and a partial one; rotation with shear, two unequal intervals.
        let (ny, nx) = (20, 45);
        let field = blob(ny, nx, 9.0, 20.0, 5.0);
        let motion = Array3::from_shape_fn((2, ny, nx), |(k, r, c)| {
            if k == 0 {
                -0.2 * (r as f32 - 10.0) + 0.3
            } else {
                0.15 * (c as f32 - 22.0)
            }
        });
        let (u, v) = motion.as_slice().unwrap().split_at(ny * nx);
        let tracer = Tracer {
            motion: Padded::new(ny, nx, |i| [u[i], v[i]]),
            padded_field: Padded::new(ny, nx, |i| field.as_slice().unwrap()[i]),
            field: Raster::new(field.as_slice().unwrap(), ny, nx),
            intervals: vec![1.0, 2.5],
            settings: Extrapolator::default(),
        };
        let run = |avx2: bool| {
            let mut fields = vec![0.0f32; 2 * ny * nx];
            let (mut dx, mut dy) = (vec![0.25f32; ny * nx], vec![-0.5f32; ny * nx]);
            let (first, second) = fields.split_at_mut(ny * nx);
            let mut outs = [first, second];
            if avx2 {
                // SAFETY: AVX2 was detected above.
                unsafe { tracer.trace_rows_avx2(0, &mut outs, &mut dx, &mut dy) };
            } else {
                tracer.trace_rows_portable(0, &mut outs, &mut dx, &mut dy);
            }
            (fields, dx, dy)
        };
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let (a, b) = (run(true), run(false));
        assert_eq!(bits(&a.0), bits(&b.0));
        assert_eq!((bits(&a.1), bits(&a.2)), (bits(&b.1), bits(&b.2)));
        assert!(a.0.iter().filter(|v| v.is_nan()).count() > 10);
        assert!(a.0.iter().filter(|v| **v > 1.0).count() > 100);
    }

    #[test]
    fn bad_input_is_refused() {
        let field = Array2::<f32>::zeros((8, 8));
        let ex = Extrapolator::default();
        let wrong = Array3::zeros((2, 8, 9));
        assert!(matches!(
            ex.extrapolate(field.view(), wrong.view(), &[1.0], None),
            Err(Error::Shape { .. })
        ));
        let mut nan = Array3::zeros((2, 8, 8));
        nan[[0, 1, 1]] = f32::NAN;
        assert!(matches!(
            ex.extrapolate(field.view(), nan.view(), &[1.0], None),
            Err(Error::Parameter { .. })
        ));
        let ok = Array3::zeros((2, 8, 8));
        for times in [&[0.0][..], &[2.0, 1.0], &[f64::NAN]] {
            assert!(
                ex.extrapolate(field.view(), ok.view(), times, None)
                    .is_err(),
                "{times:?}"
            );
        }
        let empty = Array2::<f32>::zeros((0, 0));
        assert!(
            ex.extrapolate(empty.view(), Array3::zeros((2, 0, 0)).view(), &[1.0], None)
                .is_err()
        );
    }
}
