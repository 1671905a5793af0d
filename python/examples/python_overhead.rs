//! The Rust calls that `squall`'s Python functions wrap, built as a C library so that
//! `benches/compare/python_overhead.py` can load it with `ctypes` and time each Rust call and the same call
//! through the Python package alternately in ONE process, on the SAME input arrays (the script's numpy arrays,
//! seen here as views): same allocator, same memory placement, same moment of the machine's load. What the
//! Python layer adds is then the difference of two interleaved samples, not of two processes.
//!
//! ```sh
//! cargo build --release -p squall-python --example python_overhead   # → target/release/examples/libpython_overhead.so
//! ```
//! `overhead_read(dir, &checksum)` reads the sequence as the Python side does (so that this library's thread pool
//! and allocator arenas have the same history as the package's: what ran before in a pool changes how many fresh
//! pages a later call touches) and returns the sum of frames 10–12 (NaN → 0) for the script to compare.
//! `overhead_run(kernel, rate, db, velocity, members, ny, nx, &seconds, &checksum)` runs one kernel once and
//! reports its wall time (the Rust call only; the checksum, when asked for, and freeing the result come after the
//! clock stops). Inputs, float32 C-contiguous: `rate` (3, y, x) frames in mm/h, `db` (3, y, x) the same in dB,
//! `velocity` (2, y, x) pixels per step, `members` (8, y, x). Kernels, with the last frame as observation:
//! - `extrapolate`: the last frame along `velocity`, 12 lead times, bilinear;
//! - `det_cat`: contingency table of frame 2 against frame 3 at 1 mm/h;
//! - `lucas_kanade`: dense Lucas–Kanade (pysteps' defaults) on `db`;
//! - `fss`: fractions skill score of frame 2 against frame 3 at 1 mm/h in 9 × 9 windows;
//! - `crps`: CRPS of the ensemble `members` against frame 3;
//! - `steps`: a STEPS ensemble (4 members, 3 lead times, 6 levels, nonparametric noise, BPS motion perturbation,
//!   incremental mask, CDF matching, seed 1) from `db` with `velocity`, 1 km, 5 min, rain threshold −10 dB.
//!
//! `overhead_run_f64(kernel, rate, members, ny, nx, &seconds, &checksum)` runs `det_cat`, `fss` or `crps` on
//! float64 `rate` and `members` (pysteps' dtype; these scores read float64 as it is, and so do their bindings).

use std::ffi::{CStr, c_char, c_int};
use std::time::Instant;

use ndarray::{ArrayView3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::Extrapolator;
use squall::nowcast::noise::BpsParameters;
use squall::nowcast::steps::{NowcastInput, Steps, StepsConfig};
use squall::verify::{ContingencyTable, Crps, FssAccumulator, Sample, fss};

/// The kernels' inputs (views of the caller's arrays).
struct Inputs<'a> {
    rate: ArrayView3<'a, f32>,
    db: ArrayView3<'a, f32>,
    velocity: ArrayView3<'a, f32>,
    members: ArrayView3<'a, f32>,
}

impl Inputs<'_> {
    /// Runs `kernel` once: (wall time of the Rust call in s, checksum of its result if `checksum`, else 0).
    fn run(&self, kernel: &str, checksum: bool) -> squall::Result<(f64, f64)> {
        let last = self.rate.index_axis(Axis(0), 2);
        let previous = self.rate.index_axis(Axis(0), 1);
        let finite_sum = |values: &mut dyn Iterator<Item = &f32>| -> f64 {
            if !checksum {
                return 0.0;
            }
            values
                .filter(|v| v.is_finite())
                .map(|&v| f64::from(v))
                .sum()
        };
        let t = Instant::now();
        match kernel {
            "extrapolate" => {
                let leads: Vec<f64> = (1..=12).map(f64::from).collect();
                let out = Extrapolator::default().extrapolate(last, self.velocity, &leads, None)?;
                let seconds = t.elapsed().as_secs_f64();
                Ok((seconds, finite_sum(&mut out.fields.iter())))
            }
            "det_cat" => {
                let table = ContingencyTable::from_fields(previous, last, 1.0)?;
                Ok((t.elapsed().as_secs_f64(), table.hits as f64))
            }
            "lucas_kanade" => {
                let motion = LucasKanade::default().estimate(self.db)?;
                let seconds = t.elapsed().as_secs_f64();
                Ok((seconds, finite_sum(&mut motion.iter())))
            }
            "fss" => {
                let score = fss(previous, last, 1.0, 9)?;
                Ok((t.elapsed().as_secs_f64(), score))
            }
            "crps" => {
                let mut crps = Crps::new();
                crps.accumulate(self.members, last)?;
                let score = crps.compute();
                Ok((t.elapsed().as_secs_f64(), score))
            }
            "steps" => {
                let steps = Steps::new(StepsConfig {
                    members: 4,
                    n_cascade_levels: 6,
                    ar_order: 2,
                    rain_threshold: -10.0,
                    motion_perturbation: Some(BpsParameters::BOWLER_2006),
                    seed: 1,
                    ..StepsConfig::default()
                });
                let input = NowcastInput {
                    fields: self.db,
                    velocity: self.velocity,
                    km_per_pixel: 1.0,
                    timestep_minutes: 5.0,
                };
                let out = steps.forecast_db(&input, 3, &|_, _| ())?;
                let seconds = t.elapsed().as_secs_f64();
                Ok((seconds, finite_sum(&mut out.iter())))
            }
            other => Err(squall::Error::parameter(
                "kernel",
                other,
                "extrapolate, det_cat, lucas_kanade, fss, crps or steps",
            )),
        }
    }
}

/// Runs the score `kernel` (`det_cat`, `fss` or `crps`, as [`Inputs::run`]) once on `rate` (3, y, x) and
/// `members` (8, y, x) of any float type: (wall time of the Rust call in s, checksum).
fn run_scores<T: Sample>(
    kernel: &str,
    rate: ArrayView3<T>,
    members: ArrayView3<T>,
) -> squall::Result<(f64, f64)> {
    let (previous, last) = (rate.index_axis(Axis(0), 1), rate.index_axis(Axis(0), 2));
    let t = Instant::now();
    let score = match kernel {
        "det_cat" => ContingencyTable::from_fields(previous, last, 1.0)?.hits as f64,
        "fss" => {
            let mut accumulator = FssAccumulator::new(1.0, &[9])?;
            accumulator.accumulate(previous, last)?;
            accumulator.compute()[0]
        }
        "crps" => {
            let mut crps = Crps::new();
            crps.accumulate(members, last)?;
            crps.compute()
        }
        other => {
            return Err(squall::Error::parameter(
                "kernel",
                other,
                "det_cat, fss or crps (float64 inputs)",
            ));
        }
    };
    Ok((t.elapsed().as_secs_f64(), score))
}

/// Reads the sequence folder `dir` (a NUL-terminated UTF-8 path) and writes the sum of its frames 10–12, NaN
/// counted as 0, to `checksum`; 0 on success, −1 on error (printed to stderr).
///
/// # Safety
/// `dir` must point to a NUL-terminated string, `checksum` to a writable `f64`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn overhead_read(dir: *const c_char, checksum: *mut f64) -> c_int {
    // SAFETY: the caller passes a NUL-terminated string.
    let dir = unsafe { CStr::from_ptr(dir) }.to_string_lossy();
    match open_sequence_dir(dir.as_ref()) {
        Ok(sequence) => {
            let frames = sequence.values.slice(s![10..13, .., ..]);
            let sum = frames
                .iter()
                .filter(|v| !v.is_nan())
                .map(|&v| f64::from(v))
                .sum();
            // SAFETY: the caller passes a writable f64.
            unsafe { *checksum = sum };
            0
        }
        Err(e) => {
            eprintln!("python_overhead: {e}");
            -1
        }
    }
}

/// Runs the kernel named `kernel` once on the arrays given (shapes in the module docs, `ny` × `nx` frames);
/// writes the wall time of the Rust call (s) to `seconds` and, unless `checksum` is null, the result's checksum
/// to `checksum`; 0 on success, −1 on error (printed to stderr).
///
/// # Safety
/// `kernel` must point to a NUL-terminated string; `rate`, `db`, `velocity`, `members` to C-contiguous float32
/// arrays of the shapes in the module docs, alive and unchanged during the call; `seconds` to a writable `f64`;
/// `checksum` to a writable `f64` or be null.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn overhead_run(
    kernel: *const c_char,
    rate: *const f32,
    db: *const f32,
    velocity: *const f32,
    members: *const f32,
    ny: usize,
    nx: usize,
    seconds: *mut f64,
    checksum: *mut f64,
) -> c_int {
    // SAFETY: the caller passes a NUL-terminated string and arrays of these shapes (see # Safety).
    let (kernel, inputs) = unsafe {
        (
            CStr::from_ptr(kernel).to_string_lossy(),
            Inputs {
                rate: ArrayView3::from_shape_ptr((3, ny, nx), rate),
                db: ArrayView3::from_shape_ptr((3, ny, nx), db),
                velocity: ArrayView3::from_shape_ptr((2, ny, nx), velocity),
                members: ArrayView3::from_shape_ptr((8, ny, nx), members),
            },
        )
    };
    match inputs.run(&kernel, !checksum.is_null()) {
        Ok((t, sum)) => {
            // SAFETY: the caller passes a writable f64 and a writable f64 or null (ctypes `byref(c_double)`, None).
            unsafe {
                *seconds = t;
                if let Some(checksum) = checksum.as_mut() {
                    *checksum = sum;
                }
            }
            0
        }
        Err(e) => {
            eprintln!("python_overhead: {e}");
            -1
        }
    }
}

/// [`overhead_run`] for the scores that read float64: `kernel` is `det_cat`, `fss` or `crps`; `rate` (3, y, x)
/// and `members` (8, y, x) are float64. Writes the wall time and the checksum as [`overhead_run`] does.
///
/// # Safety
/// `kernel` must point to a NUL-terminated string; `rate` and `members` to C-contiguous float64 arrays of those
/// shapes, alive and unchanged during the call; `seconds` and `checksum` to writable `f64`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn overhead_run_f64(
    kernel: *const c_char,
    rate: *const f64,
    members: *const f64,
    ny: usize,
    nx: usize,
    seconds: *mut f64,
    checksum: *mut f64,
) -> c_int {
    // SAFETY: the caller passes a NUL-terminated string and arrays of these shapes (see # Safety).
    let (kernel, rate, members) = unsafe {
        (
            CStr::from_ptr(kernel).to_string_lossy(),
            ArrayView3::from_shape_ptr((3, ny, nx), rate),
            ArrayView3::from_shape_ptr((8, ny, nx), members),
        )
    };
    match run_scores(&kernel, rate, members) {
        Ok((t, sum)) => {
            // SAFETY: the caller passes two writable f64s.
            unsafe {
                *seconds = t;
                *checksum = sum;
            }
            0
        }
        Err(e) => {
            eprintln!("python_overhead: {e}");
            -1
        }
    }
}
