//! `squall nowcast`: read a composite sequence, estimate the motion (Lucas–Kanade), run a nowcast method and
//! write the ensemble, exceedance probabilities and ensemble mean as CF-NetCDF (and PNG maps, an animated GIF or
//! APNG loop).

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Axis, s};
use squall::geo::Grid2;
use squall::io::composite::{open_sequence, open_sequence_dir};
use squall::io::nowcast_netcdf::{NowcastFields, write_nowcast};
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::adaptive::{Adaptive, AdaptiveConfig};
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::probability::{ensemble_mean, exceedance_probability};
use squall::nowcast::sprog::Sprog;
use squall::nowcast::steps::{NowcastInput, Nowcaster, Steps, StepsConfig};
use squall::nowcast::transform::DbTransform;
use squall::products::rain_rate_from_reflectivity;
use squall::render::{ColourScale, Image, write_apng, write_gif};
use squall::{Error, Result};

/// Nowcasting method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Lagrangian persistence of the newest field (one member).
    Extrapolation,
    /// S-PROG: cascade AR(2) without noise (one member).
    Sprog,
    /// STEPS ensemble (nonparametric noise, Bowler motion perturbations, CDF matching, incremental mask).
    Steps,
    /// Adaptive convective ensemble: STEPS with local AR, noise and growth/decay (issue 6).
    Adaptive,
}

/// Settings of `squall nowcast`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Method.
    pub method: Method,
    /// Ensemble members (STEPS).
    pub members: usize,
    /// Number of lead times (one per input time step).
    pub lead_times: usize,
    /// Cascade levels (S-PROG and STEPS).
    pub levels: usize,
    /// Probability thresholds, mm/h.
    pub thresholds: Vec<f32>,
    /// Random seed (STEPS).
    pub seed: u64,
}

impl Options {
    pub(crate) fn nowcaster(&self) -> Box<dyn Nowcaster> {
        match self.method {
            Method::Extrapolation => Box::new(ExtrapolationNowcast::default()),
            Method::Sprog => Box::new(Sprog {
                n_cascade_levels: self.levels,
                ..Sprog::default()
            }),
            Method::Steps => Box::new(Steps::new(StepsConfig {
                members: self.members,
                n_cascade_levels: self.levels,
                seed: self.seed,
                ..StepsConfig::default()
            })),
            Method::Adaptive => Box::new(Adaptive::new(AdaptiveConfig {
                members: self.members,
                n_cascade_levels: self.levels,
                seed: self.seed,
                ..AdaptiveConfig::default()
            })),
        }
    }
}

/// Map outputs of `squall nowcast`.
#[derive(Debug, Clone, Default)]
pub struct Maps {
    /// Folder for PNG maps of the ensemble mean and the probabilities.
    pub png: Option<PathBuf>,
    /// Animated GIF of the ensemble mean, the last observation then one frame per lead time.
    pub gif: Option<PathBuf>,
    /// The same loop as an animated PNG.
    pub apng: Option<PathBuf>,
    /// GeoJSON file of coastlines/boundaries drawn over the maps.
    pub boundaries: Option<PathBuf>,
}

/// Shown for each frame of the GIF and APNG loops, hundredths of a second.
const GIF_DELAY_CS: u16 = 60;

/// Runs the command; returns the summary printed on stdout.
pub fn run(
    files: &[PathBuf],
    options: &Options,
    out: &Path,
    maps: &Maps,
    force: bool,
) -> Result<String> {
    let png = maps.png.as_deref();
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    crate::check_output(out, &inputs, force)?;
    for animation in maps.gif.iter().chain(&maps.apng) {
        crate::check_output(animation, &inputs, force)?;
    }
    let boundaries = crate::maps::boundaries(maps.boundaries.as_deref())?;
    if options.thresholds.iter().any(|t| !t.is_finite()) || options.lead_times == 0 {
        return Err(Error::parameter(
            "--thresholds / --leadtimes",
            format!("{:?} / {}", options.thresholds, options.lead_times),
            "thresholds must be numbers and at least one lead time is needed",
        ));
    }
    let sequence = match files {
        [dir] if dir.is_dir() => open_sequence_dir(dir)?,
        _ => open_sequence(files)?,
    };
    if sequence.len() < 3 {
        return Err(Error::parameter(
            "FILES",
            sequence.len(),
            "a nowcast needs at least three frames",
        ));
    }
    let started = Instant::now();
    // Rain rate (reflectivity by Marshall–Palmer), then dB as pysteps' examples.
    let frames = sequence.values.slice(s![sequence.len() - 3.., .., ..]);
    let marshall_palmer = |z: f32| rain_rate_from_reflectivity(z, 200.0, 1.6);
    let transform = DbTransform::default();
    let frames_db = frames.mapv(|v| {
        let rain = if sequence.units == "dBZ" {
            marshall_palmer(v)
        } else {
            v
        };
        transform.forward(rain)
    });
    let velocity = LucasKanade::default().estimate(frames_db.view())?;
    let km_per_pixel = sequence.spec.dx.abs() / 1000.0;
    let input = NowcastInput {
        fields: frames_db.view(),
        velocity: velocity.view(),
        km_per_pixel,
        timestep_minutes: sequence.timestep_s as f64 / 60.0,
    };
    let method = options.nowcaster();
    let bar = ProgressBar::new(method.members() as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} members, {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(format!("{} nowcast", method.name()));
    let mut ensemble = method.forecast(&input, options.lead_times, &|done, _| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    ensemble.mapv_inplace(|v| transform.inverse(v));
    let probabilities = exceedance_probability(ensemble.view(), &options.thresholds)?;
    let mean = ensemble_mean(ensemble.view());
    let reference_time = sequence
        .times
        .last()
        .copied()
        .ok_or_else(|| Error::parameter("FILES", 0, "the sequence has no time"))?;
    let times: Vec<_> = (1..=options.lead_times)
        .map(|k| reference_time + chrono::Duration::seconds(sequence.timestep_s * k as i64))
        .collect();
    write_nowcast(
        out,
        &sequence.spec,
        &NowcastFields {
            method: method.name(),
            reference_time,
            times: &times,
            ensemble: ensemble.view(),
            thresholds: &options.thresholds,
            probabilities: probabilities.view(),
            mean: mean.view(),
        },
    )?;
    let mut written = 0;
    let minutes = |k: usize| sequence.timestep_s * (k as i64 + 1) / 60;
    let label = |k: usize, time: chrono::DateTime<chrono::Utc>| {
        format!("{} +{} min", time.format("%Y-%m-%d %H:%MZ"), minutes(k))
    };
    let mean_map = |k: usize, time| -> Result<Image> {
        let grid = Grid2::new(
            sequence.spec.clone(),
            "rainfall_rate",
            "mm/h",
            Some(time),
            mean.index_axis(Axis(0), k).to_owned(),
        )?;
        crate::maps::map(
            &grid,
            &ColourScale::rain_rate(),
            "mean mm/h",
            boundaries.as_ref(),
            Some(&label(k, time)),
        )
    };
    if let Some(dir) = png {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (k, &time) in times.iter().enumerate() {
            let path = dir.join(format!("mean_{:03}min.png", minutes(k)));
            png_out(&path, force)?;
            mean_map(k, time)?.write_png(&path)?;
            written += 1;
            for (j, thr) in options.thresholds.iter().enumerate() {
                let grid = Grid2::new(
                    sequence.spec.clone(),
                    "probability",
                    "1",
                    Some(time),
                    probabilities
                        .index_axis(Axis(0), j)
                        .index_axis(Axis(0), k)
                        .to_owned(),
                )?;
                let path = dir.join(format!("prob_ge_{thr}mmh_{:03}min.png", minutes(k)));
                png_out(&path, force)?;
                crate::maps::map(
                    &grid,
                    &ColourScale::probability(),
                    &format!("P(R>={thr} mm/h)"),
                    boundaries.as_ref(),
                    Some(&label(k, time)),
                )?
                .write_png(&path)?;
                written += 1;
            }
        }
    }
    if maps.gif.is_some() || maps.apng.is_some() {
        // The last observation (rain rate) first, then the ensemble mean at each lead time.
        let observed = sequence.frame(sequence.len() - 1).mapv(|v| {
            if sequence.units == "dBZ" {
                marshall_palmer(v)
            } else {
                v
            }
        });
        let grid = Grid2::new(
            sequence.spec.clone(),
            "rainfall_rate",
            "mm/h",
            Some(reference_time),
            observed,
        )?;
        let mut frames = vec![crate::maps::map(
            &grid,
            &ColourScale::rain_rate(),
            "mean mm/h",
            boundaries.as_ref(),
            Some(&format!(
                "{} observed",
                reference_time.format("%Y-%m-%d %H:%MZ")
            )),
        )?];
        for (k, &time) in times.iter().enumerate() {
            frames.push(mean_map(k, time)?);
        }
        if let Some(path) = &maps.gif {
            write_gif(&frames, GIF_DELAY_CS, path)?;
        }
        if let Some(path) = &maps.apng {
            write_apng(&frames, GIF_DELAY_CS, path)?;
        }
    }
    let wet = |k: usize| {
        let f = mean.index_axis(Axis(0), k);
        f.iter().filter(|&&v| v >= 0.1).count() as f64 / f.len() as f64
    };
    Ok(format!(
        "{} nowcast, {} member(s) × {} lead times of {} s from {} ({} × {} px, {:.2} km) in {:.1} s → {}{}\n\
         ensemble-mean wet fraction (≥ 0.1 mm/h): first {:.3}, last {:.3}",
        method.name(),
        method.members(),
        options.lead_times,
        sequence.timestep_s,
        reference_time.to_rfc3339(),
        sequence.spec.ny,
        sequence.spec.nx,
        km_per_pixel,
        started.elapsed().as_secs_f64(),
        out.display(),
        png.map_or(String::new(), |d| format!(
            ", {written} PNG maps in {}",
            d.display()
        )) + &maps
            .gif
            .iter()
            .chain(&maps.apng)
            .map(|g| format!(
                ", a {}-frame loop in {}",
                options.lead_times + 1,
                g.display()
            ))
            .collect::<String>(),
        wet(0),
        wet(options.lead_times - 1),
    ))
}

fn png_out(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(Error::parameter(
            "--png",
            path.display(),
            "exists; use --force to overwrite",
        ));
    }
    Ok(())
}
