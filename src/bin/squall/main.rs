//! The `squall` command-line tool: a thin layer over the library.

mod cells;
mod demo;
mod dualpol;
mod grid;
mod isosurface;
mod maps;
mod motion;
mod nowcast;
mod verify;
mod warn_replay;
mod xsection;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use squall::io::summary::VolumeSummary;
use squall::render::{ColourScale, render_ppi};
use squall::{Error, Result};

#[derive(Parser)]
#[command(
    name = "squall",
    version,
    about = "Weather-radar volumes to nowcasts of convective storms"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a summary of radar files: site, band, time, sweeps and per-moment statistics.
    Info {
        /// Print JSON instead of text (one object per file; an array when several files are given).
        #[arg(long)]
        json: bool,
        /// Radar files (any supported format, plain or gzip/bzip2/zip compressed).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Render one moment of one sweep of a radar file as a PNG map (north up, conventional colour scale).
    Plot {
        /// Radar file.
        file: PathBuf,
        /// Output PNG (must not exist, unless --force).
        #[arg(short, long)]
        out: PathBuf,
        /// Sweep index (0 = first in the file).
        #[arg(long, default_value_t = 0)]
        sweep: usize,
        /// FM 301 moment name.
        #[arg(long, default_value = "DBZH")]
        moment: String,
        /// Image width and height in pixels.
        #[arg(long, default_value_t = 800)]
        size: usize,
        /// Radius shown, km (default: the sweep's full range).
        #[arg(long)]
        range_km: Option<f32>,
        /// Overwrite the output if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Estimate the motion of a composite sequence (files or one folder) and write it as CF-NetCDF.
    Motion {
        /// Composite files of one sequence, or one folder holding them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Method.
        #[arg(long, value_enum, default_value = "lk")]
        method: motion::Method,
        /// Output NetCDF file (must not exist, unless --force).
        #[arg(short, long)]
        out: PathBuf,
        /// Also render the motion as arrows over the last frame to this PNG (must not exist, unless --force).
        #[arg(long)]
        png: Option<PathBuf>,
        /// Overwrite the outputs if they exist.
        #[arg(long)]
        force: bool,
    },
    /// Score a forecast CF-NetCDF file against observed composites, per lead time (tables, or JSON).
    Verify {
        /// Forecast file: (time, y, x) and/or (time, realization, y, x) variables, as Squall writes them.
        #[arg(long)]
        forecast: PathBuf,
        /// Observed composites (any format Squall reads) or folders of them, matched by valid time.
        #[arg(long, required = true, num_args = 1..)]
        obs: Vec<PathBuf>,
        /// Event thresholds, unit of the fields (comma-separated).
        #[arg(long, value_delimiter = ',', default_values_t = [0.1, 1.0, 5.0, 10.0])]
        thresholds: Vec<f64>,
        /// FSS window sizes in pixels (comma-separated).
        #[arg(long, value_delimiter = ',', default_values_t = [1, 5, 20])]
        scales: Vec<usize>,
        /// Deterministic variable to verify (default: the one in the observations' units).
        #[arg(long)]
        variable: Option<String>,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Grid radar volumes (a mosaic when several), derive storm products (echo tops, VIL, MESH, POSH, POH, ZDR
    /// columns, heavy rain) and write them as CF-NetCDF, with optional PNG maps.
    Grid(grid::GridArgs),
    /// Grid radar volumes and draw a vertical cross-section (distance × height) of one moment between two points.
    Xsection(xsection::XsectionArgs),
    /// Grid radar volumes and export reflectivity isosurfaces as binary glTF (.glb) for 3-D viewers.
    Isosurface(isosurface::IsosurfaceArgs),
    /// Dual-polarisation chain on a volume (echo filter, ΦDP/KDP, attenuation correction, hydrometeor classes, rain
    /// rate): processed polar fields as CfRadial NetCDF, optionally PPI maps of the lowest sweep.
    Dualpol(dualpol::DualpolArgs),
    /// Replay heavy-rain warnings over a composite sequence (tiles, a nowcast or persistence every few frames) and
    /// score them by the NWS rule or the onset rule (only rain that starts after issue is a hit).
    WarnReplay(warn_replay::WarnReplayArgs),
    /// Nowcast a composite sequence (files or one folder; the last three frames): ensemble, exceedance
    /// probabilities and ensemble mean as CF-NetCDF, optionally PNG maps.
    Nowcast {
        /// Composite files of one sequence, or one folder holding them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Method.
        #[arg(long, value_enum, default_value = "steps")]
        method: nowcast::Method,
        /// Ensemble members (steps).
        #[arg(long, default_value_t = 20)]
        members: usize,
        /// Number of lead times, one per input time step.
        #[arg(long, default_value_t = 12)]
        leadtimes: usize,
        /// Cascade levels (sprog, steps).
        #[arg(long, default_value_t = 6)]
        levels: usize,
        /// Probability thresholds, mm/h, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1,5,10")]
        thresholds: Vec<f32>,
        /// Output NetCDF file (must not exist, unless --force).
        #[arg(short, long)]
        out: PathBuf,
        /// Folder for PNG maps of the ensemble mean and the probabilities.
        #[arg(long)]
        png: Option<PathBuf>,
        /// Animated GIF loop of the ensemble mean (the last observation, then one frame per lead time).
        #[arg(long)]
        gif: Option<PathBuf>,
        /// The same loop as an animated PNG (APNG, full colour).
        #[arg(long)]
        apng: Option<PathBuf>,
        /// GeoJSON file of coastlines/boundaries (lon/lat) drawn over the maps.
        #[arg(long)]
        boundaries: Option<PathBuf>,
        /// Random seed (steps).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Overwrite existing outputs.
        #[arg(long)]
        force: bool,
    },
    /// Identify and track storm cells in a composite sequence (reflectivity, or rain rate → dBZ by Marshall–Palmer).
    Cells {
        /// Composite files of one sequence, or one folder holding them.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output: .json (frames, tracks, events), .csv (one row per cell) or .geojson (cell outlines).
        #[arg(short, long)]
        out: PathBuf,
        /// Folder for one PNG per frame: cells, tracks and 30-min forecast cones over the reflectivity.
        #[arg(long)]
        png: Option<PathBuf>,
        /// GeoJSON file of coastlines/boundaries (lon/lat) drawn over the maps.
        #[arg(long)]
        boundaries: Option<PathBuf>,
        /// Overwrite outputs that exist.
        #[arg(long)]
        force: bool,
    },
    /// Run the end-to-end demonstration on a synthetic storm and write its results under OUT.
    Demo {
        /// Output folder (created; existing files of the same names are replaced).
        #[arg(long, default_value = "out")]
        out: PathBuf,
        /// Random seed of the synthetic scene.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Grid size in 1-km pixels (square).
        #[arg(long, default_value_t = 256)]
        size: usize,
    },
}

fn info(json: bool, files: &[PathBuf]) -> Result<String> {
    let summaries = files
        .iter()
        .map(|f| {
            squall::io::open_volume_with_format(f).map(|(format, v)| VolumeSummary::new(format, &v))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(match (json, summaries.as_slice()) {
        (true, [one]) => one.to_json(),
        (true, many) => serde_json::to_string_pretty(many).unwrap_or_default(),
        (false, many) => many
            .iter()
            .zip(files)
            .map(|(s, f)| format!("{}\n{}", f.display(), s.to_text()))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// Refuses to write over an existing file (in particular the input) unless forced.
pub(crate) fn check_output(out: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if inputs.iter().any(|i| same(out, i)) {
        return Err(Error::parameter(
            "--out",
            out.display(),
            "is an input file; it is never overwritten",
        ));
    }
    if out.exists() && !force {
        return Err(Error::parameter(
            "--out",
            out.display(),
            "exists; pass --force to replace it",
        ));
    }
    Ok(())
}

struct PlotArgs {
    file: PathBuf,
    out: PathBuf,
    sweep: usize,
    moment: String,
    size: usize,
    range_km: Option<f32>,
    force: bool,
}

fn plot(a: PlotArgs) -> Result<String> {
    check_output(&a.out, &[&a.file], a.force)?;
    let volume = squall::io::open_volume(&a.file)?;
    let n = volume.sweeps.len();
    let sweep = volume.sweeps.get(a.sweep).ok_or_else(|| {
        Error::parameter("--sweep", a.sweep, format!("the file has sweeps 0..{n}"))
    })?;
    let max_range_m = match a.range_km {
        Some(km) => km * 1000.0,
        None => sweep.first_gate_m + sweep.n_gates() as f32 * sweep.gate_spacing_m,
    };
    let stats = sweep.moment(&a.moment).map(|m| m.summary());
    let (lo, hi) = stats.map_or((0.0, 1.0), |s| {
        (s.min.unwrap_or(0.0) as f32, s.max.unwrap_or(1.0) as f32)
    });
    let scale = ColourScale::for_moment(&a.moment, lo, hi);
    render_ppi(sweep, &a.moment, &scale, a.size, max_range_m)?.write_png(&a.out)?;
    Ok(format!(
        "{}: {} of sweep {} ({:.2}°) within {:.0} km → {}",
        a.file.display(),
        a.moment,
        a.sweep,
        sweep.fixed_angle_deg,
        max_range_m / 1000.0,
        a.out.display()
    ))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info { json, files } => info(json, &files),
        Command::Plot {
            file,
            out,
            sweep,
            moment,
            size,
            range_km,
            force,
        } => plot(PlotArgs {
            file,
            out,
            sweep,
            moment,
            size,
            range_km,
            force,
        }),
        Command::Motion {
            files,
            method,
            out,
            png,
            force,
        } => motion::run(&files, method, &out, png.as_deref(), force),
        Command::Verify {
            forecast,
            obs,
            thresholds,
            scales,
            variable,
            json,
        } => verify::run(&verify::VerifyArgs {
            forecast,
            obs,
            thresholds,
            scales,
            variable,
            json,
        }),
        Command::Nowcast {
            files,
            method,
            members,
            leadtimes,
            levels,
            thresholds,
            out,
            png,
            gif,
            apng,
            boundaries,
            seed,
            force,
        } => nowcast::run(
            &files,
            &nowcast::Options {
                method,
                members,
                lead_times: leadtimes,
                levels,
                thresholds,
                seed,
            },
            &out,
            &nowcast::Maps {
                png,
                gif,
                apng,
                boundaries,
            },
            force,
        ),
        Command::Cells {
            files,
            out,
            png,
            boundaries,
            force,
        } => cells::run(&files, &out, png.as_deref(), boundaries.as_deref(), force),
        Command::Demo { out, seed, size } => demo::run(&out, seed, size),
        Command::Grid(args) => grid::run(args),
        Command::Xsection(args) => xsection::run(args),
        Command::Isosurface(args) => isosurface::run(args),
        Command::Dualpol(args) => dualpol::run(args),
        Command::WarnReplay(args) => warn_replay::run(args),
    };
    match result {
        Ok(text) => {
            // A closed pipe (`squall info … | head`) is not an error of ours.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("squall: {e}");
            ExitCode::FAILURE
        }
    }
}
