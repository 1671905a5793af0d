//! `squall xsection`: grid radar volumes and draw a vertical cross-section of one moment between two points.

use std::path::{Path, PathBuf};

use clap::Args;
use squall::geo::Grid3;
use squall::grid::{GridConfig, Mosaic, MosaicConfig};
use squall::render::ColourScale;
use squall::view3d::{Sampling, cross_section, render_cross_section};
use squall::volume::PolarVolume;
use squall::{Error, Result};

use crate::grid::{GridGeometry, NO_ECHO_DBZ, grid_of};

/// Arguments of `squall xsection`.
#[derive(Debug, Args)]
pub struct XsectionArgs {
    /// Radar volumes (any supported format); several are merged into one mosaic.
    #[arg(required = true)]
    volumes: Vec<PathBuf>,
    /// Start of the section, "LON,LAT" in degrees.
    #[arg(long, allow_hyphen_values = true)]
    from: String,
    /// End of the section, "LON,LAT" in degrees.
    #[arg(long, allow_hyphen_values = true)]
    to: String,
    /// Moment to show: DBZH, ZDR, KDP, RHOHV, … (categorical moments such as hydrometeor classes are sampled
    /// from the nearest cell when their name contains "class").
    #[arg(long, default_value = "DBZH")]
    moment: String,
    /// Distance between samples along the section, m.
    #[arg(long, default_value_t = 250.0)]
    step_m: f64,
    /// Output PNG (must not exist, unless --force).
    #[arg(short, long)]
    out: PathBuf,
    /// Overwrite an existing output.
    #[arg(long)]
    force: bool,
    /// Grid geometry.
    #[command(flatten)]
    geometry: GridGeometry,
}

/// Parses "LON,LAT" in degrees.
pub(crate) fn lon_lat(option: &str, text: &str) -> Result<(f64, f64)> {
    let parts: Vec<f64> = text
        .split(',')
        .map(|s| s.trim().parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| Error::parameter(option, text, "expected LON,LAT in degrees"))?;
    match parts.as_slice() {
        [lon, lat] if lat.abs() <= 90.0 && lon.abs() <= 360.0 => Ok((*lon, *lat)),
        _ => Err(Error::parameter(
            option,
            text,
            "expected LON,LAT in degrees",
        )),
    }
}

/// Reads the volumes and grids one moment onto the geometry (a mosaic when several), with the defaults of
/// `squall grid` (Barnes2 weighting, Py-ART's radius of influence; reflectivity cells reached only by no-echo gates
/// get [`NO_ECHO_DBZ`]).
pub(crate) fn grid_moment(
    paths: &[PathBuf],
    geometry: &GridGeometry,
    moment: &str,
) -> Result<Grid3> {
    let volumes = paths
        .iter()
        .map(squall::io::open_volume)
        .collect::<Result<Vec<PolarVolume>>>()?;
    let (spec, heights) = grid_of(geometry, &volumes)?;
    let mut mosaic = Mosaic::new(
        &spec,
        &heights,
        GridConfig::default(),
        MosaicConfig::default(),
    )?;
    let refs: Vec<&PolarVolume> = volumes.iter().collect();
    let no_echo = matches!(moment, "DBZH" | "DBTH" | "DBZH_CORR").then_some(NO_ECHO_DBZ);
    mosaic.grid(&refs, moment, no_echo)
}

/// Runs the command; returns the summary printed on stdout.
pub fn run(args: XsectionArgs) -> Result<String> {
    let inputs: Vec<&Path> = args.volumes.iter().map(PathBuf::as_path).collect();
    crate::check_output(&args.out, &inputs, args.force)?;
    let (from, to) = (lon_lat("--from", &args.from)?, lon_lat("--to", &args.to)?);
    let grid = grid_moment(&args.volumes, &args.geometry, &args.moment)?;
    let project = |(lon, lat): (f64, f64)| grid.spec.projection.forward(lon, lat);
    let sampling = if args.moment.to_lowercase().contains("class") {
        Sampling::Nearest
    } else {
        Sampling::Bilinear
    };
    let section = cross_section(&grid, project(from)?, project(to)?, args.step_m, sampling)?;
    let finite = || section.values.iter().copied().filter(|v| v.is_finite());
    if finite().next().is_none() {
        return Err(Error::parameter(
            "--from/--to",
            format!("{} → {}", args.from, args.to),
            "the section has no data (outside the grid or the radar coverage)",
        ));
    }
    let (lo, hi) = (
        finite().fold(f32::INFINITY, f32::min),
        finite().fold(f32::NEG_INFINITY, f32::max),
    );
    let scale = match args.moment.as_str() {
        "ZDR" => ColourScale::ramp(-1.0, 5.0),
        "KDP" => ColourScale::ramp(-0.5, 4.5),
        "RHOHV" => ColourScale::ramp(0.7, 1.0),
        name => ColourScale::for_moment(name, lo, hi),
    };
    let ns = section.distance_m.len();
    // About 1000 pixels wide and 400 high.
    let px_per_sample = (1000 / ns).max(1);
    let px_per_level = (400 / section.heights_m.len()).max(1);
    render_cross_section(&section, &scale, px_per_sample, px_per_level, 10.0)?
        .write_png(&args.out)?;
    Ok(format!(
        "{} section {:.1} km long, {} samples × {} levels ({:.0}–{:.0} m), {} from {lo:.2} to {hi:.2} {} → {}\n  \
         ticks: every 10 km along the section (long every 50 km), every 1 km of height (long every 5 km)",
        section.name,
        section.distance_m[ns - 1] / 1000.0,
        ns,
        section.heights_m.len(),
        section.heights_m[0],
        section.heights_m[section.heights_m.len() - 1],
        section.name,
        section.units,
        args.out.display()
    ))
}
