//! Fractions skill score (Roberts & Lean 2008) over square windows, computed with summed-area tables in O(N) per
//! scale whatever the window size.
//!
//! For a threshold t and a window of `scale` × `scale` pixels, the event fractions P_f and P_o are the shares of
//! pixels ≥ t in the window around each pixel, and
//!
//! FSS = 1 − Σ (P_f − P_o)² / (Σ P_f² + Σ P_o²)                (Roberts & Lean 2008, eqs. 5–7)
//!
//! with the sums over every pixel of every accumulated field.
//!
//! Conventions (pysteps `fss`, i.e. scipy `uniform_filter(size=scale, mode="constant")`): an event is a value
//! ≥ the threshold; a non-finite value is no event; the window of pixel i covers i − ⌊scale/2⌋ ..
//! i − ⌊scale/2⌋ + scale − 1 in each direction (centred for odd scales, one pixel more before than after for even
//! ones); pixels outside the field count as no event but the fraction is still divided by scale², so fractions
//! fall off towards the borders. The 1/scale² factors cancel in the ratio, so the sums are kept as exact integer
//! window counts.
//!
//! # References
//! - Roberts, N. M. & Lean, H. W. (2008). Scale-selective verification of rainfall accumulations from
//!   high-resolution forecasts of convective events. *Monthly Weather Review* 136, 78–97.
//!   doi:10.1175/2007MWR2123.1
//! - Crow, F. C. (1984). Summed-area tables for texture mapping. *SIGGRAPH Computer Graphics* 18(3), 207–212.
//!   doi:10.1145/964965.808600

use ndarray::ArrayView2;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::verify::input::{Sample, at_least, same_shape, threshold as check_threshold};

/// FSS of one forecast/observation pair at one threshold (≥, unit of the fields) and one window size in pixels.
///
/// NaN when neither field has an event (0/0). See [`FssAccumulator`] for several scales or fields.
///
/// # Errors
/// [`Error::Shape`] if the fields differ in shape; [`Error::Parameter`] if `threshold` is NaN or `scale` is 0.
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::verify::fss;
/// // A rain cell displaced by 4 pixels: no skill at the pixel scale, skilful at 9 pixels.
/// let mut observation = Array2::<f32>::zeros((32, 32));
/// let mut forecast = observation.clone();
/// observation.slice_mut(ndarray::s![10..14, 10..14]).fill(5.0);
/// forecast.slice_mut(ndarray::s![10..14, 14..18]).fill(5.0);
/// assert_eq!(fss(forecast.view(), observation.view(), 1.0, 1)?, 0.0);
/// assert!(fss(forecast.view(), observation.view(), 1.0, 9)? > 0.5);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn fss(
    forecast: ArrayView2<f32>,
    observation: ArrayView2<f32>,
    threshold: f64,
    scale: usize,
) -> Result<f64> {
    let mut accumulator = FssAccumulator::new(threshold, &[scale])?;
    accumulator.accumulate(forecast, observation)?;
    Ok(accumulator.compute()[0])
}

/// Sums behind the FSS at one threshold and several scales, accumulated over fields and mergeable (pysteps
/// `fss_init` / `fss_accum` / `fss_merge` / `fss_compute`).
///
/// # Examples
/// ```
/// use ndarray::Array2;
/// use squall::verify::FssAccumulator;
/// let observation = Array2::from_shape_fn((16, 16), |(i, j)| ((i + j) % 5) as f32);
/// let mut accumulator = FssAccumulator::new(2.0, &[1, 3, 16])?;
/// accumulator.accumulate(observation.view(), observation.view())?;
/// assert_eq!(accumulator.compute(), vec![1.0, 1.0, 1.0]);
/// # Ok::<(), squall::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FssAccumulator {
    threshold: f64,
    scales: Vec<usize>,
    sums: Vec<WindowSums>,
}

/// Σ c_f², Σ c_f c_o, Σ c_o² and Σ (c_f − c_o)² of the window event counts c (= scale² · fraction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct WindowSums {
    forecast_sq: u128,
    observation_sq: u128,
    difference_sq: u128,
}

impl FssAccumulator {
    /// An empty accumulator for events ≥ `threshold` and the given window sizes (pixels), reported in this order.
    ///
    /// # Errors
    /// [`Error::Parameter`] if `threshold` is NaN, `scales` is empty or a scale is 0.
    pub fn new(threshold: f64, scales: &[usize]) -> Result<Self> {
        check_threshold("threshold", threshold)?;
        at_least("number of scales", scales.len(), 1)?;
        for &scale in scales {
            at_least("scale", scale, 1)?;
        }
        Ok(FssAccumulator {
            threshold,
            scales: scales.to_vec(),
            sums: vec![WindowSums::default(); scales.len()],
        })
    }

    /// The event threshold.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The window sizes, pixels.
    pub fn scales(&self) -> &[usize] {
        &self.scales
    }

    /// Adds one forecast/observation pair (any 2-D shape; fields need not share a shape across calls).
    ///
    /// # Errors
    /// [`Error::Shape`] if the two fields differ in shape; [`Error::Limits`] for a field of 2³² pixels or more.
    pub fn accumulate<F: Sample, O: Sample>(
        &mut self,
        forecast: ArrayView2<F>,
        observation: ArrayView2<O>,
    ) -> Result<()> {
        same_shape("fractions skill score", &forecast, &observation)?;
        if forecast.len() as u64 >= 1 << 32 {
            return Err(Error::Limits {
                what: "fractions skill score field (pixels)".into(),
                requested: forecast.len() as u64,
                limit: (1 << 32) - 1,
            });
        }
        let (table_f, table_o) = rayon::join(
            || SummedAreaTable::new(&forecast, self.threshold),
            || SummedAreaTable::new(&observation, self.threshold),
        );
        for (sums, &scale) in self.sums.iter_mut().zip(&self.scales) {
            let field = window_sums(&table_f, &table_o, scale);
            sums.add(&field);
        }
        Ok(())
    }

    /// Adds another accumulator's sums.
    ///
    /// # Errors
    /// [`Error::Parameter`] if the thresholds or scales differ.
    pub fn merge(&mut self, other: &FssAccumulator) -> Result<()> {
        if self.threshold != other.threshold || self.scales != other.scales {
            return Err(Error::parameter(
                "FSS accumulator",
                format!("threshold {}, scales {:?}", other.threshold, other.scales),
                format!(
                    "cannot merge with threshold {}, scales {:?}",
                    self.threshold, self.scales
                ),
            ));
        }
        for (sums, other) in self.sums.iter_mut().zip(&other.sums) {
            sums.add(other);
        }
        Ok(())
    }

    /// The FSS at each scale, in the order of [`scales`](FssAccumulator::scales); NaN at a scale where no
    /// accumulated field had an event.
    pub fn compute(&self) -> Vec<f64> {
        self.sums
            .iter()
            .map(|s| {
                let denominator = (s.forecast_sq + s.observation_sq) as f64;
                if denominator == 0.0 {
                    f64::NAN
                } else {
                    1.0 - s.difference_sq as f64 / denominator
                }
            })
            .collect()
    }
}

impl WindowSums {
    fn add(&mut self, other: &WindowSums) {
        self.forecast_sq += other.forecast_sq;
        self.observation_sq += other.observation_sq;
        self.difference_sq += other.difference_sq;
    }
}

/// Summed-area table of the event indicator (value ≥ threshold, non-finite = no event): (ny + 1) rows of
/// nx + 1 counts with a zero first row and column; entry (i, j) = events in rows < i and columns < j.
struct SummedAreaTable {
    width: usize,
    counts: Vec<u64>,
}

impl SummedAreaTable {
    fn new<T: Sample>(field: &ArrayView2<T>, threshold: f64) -> SummedAreaTable {
        let (ny, nx) = field.dim();
        let width = nx + 1;
        let mut counts = vec![0_u64; (ny + 1) * width];
        for (i, values) in field.outer_iter().enumerate() {
            let (above, row) = counts[i * width..(i + 2) * width].split_at_mut(width);
            let mut row_sum = 0_u64;
            for (j, &v) in values.iter().enumerate() {
                let v: f64 = v.into();
                row_sum += u64::from(v.is_finite() && v >= threshold);
                row[j + 1] = above[j + 1] + row_sum;
            }
        }
        SummedAreaTable { width, counts }
    }

    fn rows(&self) -> usize {
        self.counts.len() / self.width
    }

    fn row(&self, i: usize) -> &[u64] {
        &self.counts[i * self.width..(i + 1) * self.width]
    }
}

/// Window sums of one field pair at one scale, rows in parallel (integer sums: independent of the thread count).
///
/// A window count c is at most `largest` = min(scale, ny) · min(scale, nx) < 2³², so c² fits in u64; squares are
/// summed in u64 over runs of columns short enough not to overflow, then added in u128.
fn window_sums(table_f: &SummedAreaTable, table_o: &SummedAreaTable, scale: usize) -> WindowSums {
    let (ny, nx) = (table_f.rows() - 1, table_f.width - 1);
    let half = scale / 2;
    // Clipped window [start, end) of index k along an axis of length n.
    let window = move |k: usize, n: usize| {
        (
            k.saturating_sub(half),
            k.saturating_add(scale - half).min(n),
        )
    };
    let columns: Vec<(usize, usize)> = (0..nx).map(|j| window(j, nx)).collect();
    let largest = (scale.min(ny) * scale.min(nx)) as u64;
    let run = usize::try_from(u64::MAX / largest.saturating_mul(largest).max(1))
        .unwrap_or(usize::MAX)
        .max(1);
    (0..ny)
        .into_par_iter()
        .map(|i| {
            let (r0, r1) = window(i, ny);
            let (f0, f1) = (table_f.row(r0), table_f.row(r1));
            let (o0, o1) = (table_o.row(r0), table_o.row(r1));
            let mut sums = WindowSums::default();
            for chunk in columns.chunks(run) {
                let (mut ff, mut oo, mut dd) = (0_u64, 0_u64, 0_u64);
                for &(c0, c1) in chunk {
                    let cf = f1[c1] + f0[c0] - f1[c0] - f0[c1];
                    let co = o1[c1] + o0[c0] - o1[c0] - o0[c1];
                    let d = cf.abs_diff(co);
                    ff += cf * cf;
                    oo += co * co;
                    dd += d * d;
                }
                sums.forecast_sq += u128::from(ff);
                sums.observation_sq += u128::from(oo);
                sums.difference_sq += u128::from(dd);
            }
            sums
        })
        .reduce(WindowSums::default, |mut a, b| {
            a.add(&b);
            a
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, s};

    /// Event indicator of a field as 0/1.
    fn indicator(field: &Array2<f32>, threshold: f64) -> Array2<u64> {
        field.mapv(|v| u64::from(v.is_finite() && f64::from(v) >= threshold))
    }

    fn field(seed: usize, shape: (usize, usize)) -> Array2<f32> {
        Array2::from_shape_fn(shape, |(i, j)| {
            let k = (i * 37 + j * 11 + seed * 101) as f32;
            if (i + seed) % 7 == 3 {
                f32::NAN
            } else {
                ((k * 0.37).sin() + (k * 0.011).cos()) * 3.0
            }
        })
    }

    /// FSS by direct summation over every window, in f64 fractions (Roberts & Lean 2008, eqs. 5–7).
    fn brute_force(
        forecast: &Array2<f32>,
        observation: &Array2<f32>,
        threshold: f64,
        scale: usize,
    ) -> f64 {
        let (i_f, i_o) = (
            indicator(forecast, threshold),
            indicator(observation, threshold),
        );
        let (ny, nx) = forecast.dim();
        let (mut num, mut den) = (0.0, 0.0);
        for i in 0..ny {
            for j in 0..nx {
                let (mut cf, mut co) = (0.0, 0.0);
                for di in 0..scale {
                    for dj in 0..scale {
                        let (y, x) = (
                            i as isize + di as isize - (scale / 2) as isize,
                            j as isize + dj as isize - (scale / 2) as isize,
                        );
                        if y >= 0 && x >= 0 && (y as usize) < ny && (x as usize) < nx {
                            cf += i_f[[y as usize, x as usize]] as f64;
                            co += i_o[[y as usize, x as usize]] as f64;
                        }
                    }
                }
                let (pf, po) = (cf / (scale * scale) as f64, co / (scale * scale) as f64);
                num += (pf - po) * (pf - po);
                den += pf * pf + po * po;
            }
        }
        1.0 - num / den
    }

    #[test]
    fn summed_area_tables_match_brute_force_windows() {
        let (f, o) = (field(1, (23, 31)), field(2, (23, 31)));
        let scales = [1, 2, 3, 4, 7, 10, 23, 40];
        let mut acc = FssAccumulator::new(0.5, &scales).unwrap();
        acc.accumulate(f.view(), o.view()).unwrap();
        for (&scale, value) in scales.iter().zip(acc.compute()) {
            let expected = brute_force(&f, &o, 0.5, scale);
            assert!(
                (value - expected).abs() < 1e-12,
                "scale {scale}: {value} vs {expected}"
            );
        }
    }

    #[test]
    fn accumulate_and_merge_agree() {
        let fields: Vec<_> = (0..4)
            .map(|k| (field(k, (12, 9)), field(k + 10, (12, 9))))
            .collect();
        let mut all = FssAccumulator::new(0.0, &[1, 5]).unwrap();
        let mut first = all.clone();
        let mut second = all.clone();
        for (k, (f, o)) in fields.iter().enumerate() {
            all.accumulate(f.view(), o.view()).unwrap();
            let part = if k < 2 { &mut first } else { &mut second };
            part.accumulate(f.view(), o.view()).unwrap();
        }
        first.merge(&second).unwrap();
        assert_eq!(first, all);
        assert!(
            first
                .merge(&FssAccumulator::new(0.0, &[1]).unwrap())
                .is_err()
        );
    }

    #[test]
    fn window_of_even_scale_reaches_one_more_pixel_back() {
        // A single event at column 0 is counted by the windows of columns 0..=2 for scale 4 (scipy: [j − 2, j + 1]).
        let mut o = Array2::<f32>::zeros((1, 6));
        o[[0, 0]] = 1.0;
        let t = SummedAreaTable::new(&o.view(), 1.0);
        let sums = window_sums(&t, &t, 4);
        assert_eq!(sums.forecast_sq, 3);
    }

    #[test]
    fn no_events_and_bad_parameters() {
        let dry = Array2::<f32>::zeros((8, 8));
        assert!(fss(dry.view(), dry.view(), 0.1, 3).unwrap().is_nan());
        let nan = Array2::from_elem((4, 4), f32::NAN);
        assert!(fss(nan.view(), nan.view(), 0.1, 3).unwrap().is_nan());
        assert!(fss(dry.view(), dry.view(), 0.1, 0).is_err());
        assert!(
            fss(dry.view(), dry.view(), 0.1, usize::MAX)
                .unwrap()
                .is_nan()
        );
        let wet = Array2::<f32>::ones((8, 8));
        assert_eq!(fss(wet.view(), wet.view(), 0.1, usize::MAX).unwrap(), 1.0);
        assert!(fss(dry.view(), dry.view(), f64::NAN, 1).is_err());
        assert!(FssAccumulator::new(0.1, &[]).is_err());
        assert!(matches!(
            fss(dry.view(), dry.slice(s![1.., ..]), 0.1, 1),
            Err(Error::Shape { .. })
        ));
        let empty = Array2::<f32>::zeros((0, 5));
        assert!(fss(empty.view(), empty.view(), 0.1, 3).unwrap().is_nan());
    }

    #[test]
    fn missing_forecast_everywhere_scores_zero() {
        let (o, none) = (field(3, (10, 10)), Array2::from_elem((10, 10), f32::NAN));
        assert_eq!(fss(none.view(), o.view(), 0.0, 3).unwrap(), 0.0);
    }
}
