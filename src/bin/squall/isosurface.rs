//! `squall isosurface`: grid radar volumes and export reflectivity isosurfaces as binary glTF (`.glb`).

use std::path::{Path, PathBuf};

use clap::Args;
use squall::render::ColourScale;
use squall::view3d::{LocalFrame, Scene3d, isosurface, write_glb};
use squall::{Error, Result};

use crate::grid::GridGeometry;
use crate::xsection::grid_moment;

/// Arguments of `squall isosurface`.
#[derive(Debug, Args)]
pub struct IsosurfaceArgs {
    /// Radar volumes (any supported format); several are merged into one mosaic.
    #[arg(required = true)]
    volumes: Vec<PathBuf>,
    /// Reflectivity levels of the surfaces, dBZ, comma-separated (`--levels` is the number of grid levels).
    #[arg(long, value_delimiter = ',', default_value = "30,45,55")]
    dbz: Vec<f32>,
    /// Output .glb file (must not exist, unless --force).
    #[arg(short, long)]
    out: PathBuf,
    /// Overwrite an existing output.
    #[arg(long)]
    force: bool,
    /// Grid geometry.
    #[command(flatten)]
    geometry: GridGeometry,
}

/// Runs the command; returns the summary printed on stdout.
pub fn run(args: IsosurfaceArgs) -> Result<String> {
    let inputs: Vec<&Path> = args.volumes.iter().map(PathBuf::as_path).collect();
    crate::check_output(&args.out, &inputs, args.force)?;
    if args.dbz.is_empty() || args.dbz.iter().any(|l| !l.is_finite()) {
        return Err(Error::parameter(
            "--dbz",
            format!("{:?}", args.dbz),
            "need finite levels",
        ));
    }
    let grid = grid_moment(&args.volumes, &args.geometry, "DBZH")?;
    let scale = ColourScale::reflectivity();
    let mut levels = args.dbz.clone();
    levels.sort_by(f32::total_cmp);
    let n = levels.len();
    let mut lines = Vec::new();
    let mut surfaces = Vec::new();
    for (i, &level) in levels.iter().enumerate() {
        let mesh = isosurface(&grid, level)?;
        lines.push(format!(
            "  {level} dBZ: {} vertices, {} triangles",
            mesh.positions.len(),
            mesh.triangles.len()
        ));
        let c = scale.colour(level);
        // Outer (weaker) surfaces more transparent so the cores show through.
        let alpha = 0.25 + 0.65 * (i + 1) as f32 / n as f32;
        let colour = [c[0], c[1], c[2]].map(|v| srgb_to_linear(f32::from(v) / 255.0));
        surfaces.push((
            format!("{level} dBZ"),
            mesh,
            [colour[0], colour[1], colour[2], alpha],
        ));
    }
    let scene = Scene3d {
        frame: LocalFrame::centre_of(&grid),
        surfaces,
        lines: Vec::new(),
    };
    write_glb(&scene, &args.out)?;
    lines.insert(
        0,
        format!(
            "isosurfaces of a {} × {} × {} reflectivity grid → {} (metres; x east, y up, z south of the grid centre)",
            grid.heights_m.len(),
            grid.spec.ny,
            grid.spec.nx,
            args.out.display()
        ),
    );
    Ok(lines.join("\n"))
}

/// glTF colour factors are linear; the scale's colours are sRGB (IEC 61966-2-1 transfer function).
fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}
