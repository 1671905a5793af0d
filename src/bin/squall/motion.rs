//! `squall motion`: estimate the motion of a composite sequence and write it as CF-NetCDF.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum;
use ndarray::{Array3, Axis};
use squall::geo::Grid2;
use squall::io::cf_netcdf::{Field, write_fields};
use squall::io::composite::{open_sequence, open_sequence_dir};
use squall::motion::MotionEstimator;
use squall::motion::constant::ConstantMotion;
use squall::motion::darts::Darts;
use squall::motion::lucas_kanade::LucasKanade;
use squall::motion::trec::Trec;
use squall::motion::vet::Vet;
use squall::render::{ARROW, ColourScale, draw_motion_arrows, render_grid};
use squall::{Error, Result};

/// Motion estimation method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Dense Lucas–Kanade (pysteps' default).
    Lk,
    /// Variational echo tracking.
    Vet,
    /// DARTS (needs at least 6 frames).
    Darts,
    /// TREC with the COTREC continuity correction.
    Trec,
    /// One global shift.
    Constant,
}

/// Rain rate below this (mm/h) counts as no rain.
const RAIN_THRESHOLD_MM_H: f32 = 0.1;
/// The dB value given to no rain (pysteps' `zerovalue`).
const NO_RAIN_DB: f32 = -15.0;

/// Rain rates in mm/h → 10·log10(R), with [`NO_RAIN_DB`] below [`RAIN_THRESHOLD_MM_H`] (as pysteps users
/// transform before motion estimation); reflectivity in dBZ is used as it is.
fn to_decibels(values: &Array3<f32>, units: &str) -> Array3<f32> {
    if units == "dBZ" {
        return values.clone();
    }
    values.mapv(|r| {
        if r.is_nan() {
            r
        } else if r >= RAIN_THRESHOLD_MM_H {
            10.0 * r.log10()
        } else {
            NO_RAIN_DB
        }
    })
}

/// Cells between arrows in the PNG.
const ARROW_SPACING: usize = 24;

/// Runs the command; returns the summary printed on stdout.
pub fn run(
    files: &[PathBuf],
    method: Method,
    out: &Path,
    png: Option<&Path>,
    force: bool,
) -> Result<String> {
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    crate::check_output(out, &inputs, force)?;
    if let Some(png) = png {
        if png == out {
            return Err(Error::parameter(
                "--png",
                png.display(),
                "is also the --out file; give two different names",
            ));
        }
        crate::check_output(png, &inputs, force).map_err(|e| match e {
            Error::Parameter { value, reason, .. } => Error::Parameter {
                name: "--png".into(),
                value,
                reason,
            },
            other => other,
        })?;
    }
    let sequence = match files {
        [dir] if dir.is_dir() => open_sequence_dir(dir)?,
        _ => open_sequence(files)?,
    };
    if sequence.len() < 2 {
        return Err(Error::parameter(
            "FILES",
            sequence.len(),
            "motion needs at least two frames",
        ));
    }
    let frames = to_decibels(&sequence.values, &sequence.units);
    let started = Instant::now();
    let motion = match method {
        Method::Lk => LucasKanade::default().estimate(frames.view()),
        Method::Vet => Vet::default().estimate(frames.view()),
        Method::Darts => Darts::default().estimate(frames.view()),
        Method::Trec => Trec::default().estimate(frames.view()),
        Method::Constant => ConstantMotion::default().estimate(frames.view()),
    }?;
    let elapsed = started.elapsed().as_secs_f64();
    let (dx, dy, step) = (
        sequence.spec.dx as f32,
        sequence.spec.dy as f32,
        sequence.timestep_s as f32,
    );
    // Pixels per step → m/s eastward and northward (rows run north when dy > 0).
    let u_px = motion.index_axis(Axis(0), 0).insert_axis(Axis(0));
    let v_px = motion.index_axis(Axis(0), 1).insert_axis(Axis(0));
    let u_ms = u_px.mapv(|u| u * dx / step);
    let v_ms = v_px.mapv(|v| v * dy / step);
    let fields = [
        Field {
            name: "u",
            units: "m s-1",
            values: u_ms.view(),
        },
        Field {
            name: "v",
            units: "m s-1",
            values: v_ms.view(),
        },
        Field {
            name: "u_pixels",
            units: "1",
            values: u_px,
        },
        Field {
            name: "v_pixels",
            units: "1",
            values: v_px,
        },
    ];
    let last_time = sequence.times.last().copied();
    write_fields(out, &sequence.spec, &[last_time], &fields)?;
    let mean = |a: &Array3<f32>| a.iter().map(|&x| f64::from(x)).sum::<f64>() / a.len() as f64;
    let picture = match png {
        Some(png) => {
            let last = sequence.frame(sequence.len() - 1);
            let grid = Grid2::new(
                sequence.spec.clone(),
                &sequence.name,
                &sequence.units,
                last_time,
                last.to_owned(),
            )?;
            let scale = ColourScale::for_moment(&sequence.name, 0.0, 1.0);
            let mut image = render_grid(&grid, &scale);
            let gain = draw_motion_arrows(
                &mut image,
                &sequence.spec,
                motion.view(),
                ARROW_SPACING,
                ARROW,
            )?;
            image.write_png(png)?;
            format!(
                "\n{} over the last frame → {} (one arrow every {ARROW_SPACING} cells; 1 px/step = {gain:.1} px \
                 of arrow)",
                sequence.name,
                png.display()
            )
        }
        None => String::new(),
    };
    Ok(format!(
        "{} frames of {} [{}] every {} s, {:?} motion in {elapsed:.2} s: mean u {:.2} m/s, v {:.2} m/s (northward) → {}\n\
         (u_pixels, v_pixels: pixels per time step along columns and rows, as pysteps){picture}",
        sequence.len(),
        sequence.name,
        sequence.units,
        sequence.timestep_s,
        method,
        mean(&u_ms),
        mean(&v_ms),
        out.display()
    ))
}
