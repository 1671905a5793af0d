//! `squall isosurface`: grid radar volumes and export reflectivity isosurfaces as binary glTF (`.glb`), with storm
//! cells and their tracks as lines.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::Value;
use squall::cells::{CellFields, CellPipeline, IdentifyConfig, TrackerConfig};
use squall::geo::{Grid3, Projection};
use squall::render::ColourScale;
use squall::view3d::{CellLines, LocalFrame, Scene3d, cell_polylines, isosurface, write_glb};
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
    /// Cells, tracks and forecast tracks to draw as lines: the JSON written by `squall cells --out FILE.json`
    /// (its last frame; placed through each cell's longitude/latitude).
    #[arg(long, conflicts_with = "cells_from_volume")]
    cells: Option<PathBuf>,
    /// Identify the cells in the gridded volume itself (3-D) and draw their outlines and core axes.
    #[arg(long)]
    cells_from_volume: bool,
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
    let cells = match (&args.cells, args.cells_from_volume) {
        (Some(path), _) => cells_from_json(path, &grid.spec.projection)?,
        (None, true) => cells_from_volume(&grid)?,
        (None, false) => Vec::new(),
    };
    let base_m = grid.heights_m.first().copied().unwrap_or(0.0);
    let lines3d = cell_polylines(&cells, base_m)?;
    if !cells.is_empty() || args.cells_from_volume {
        lines.push(format!(
            "  {} cells: {} lines (outlines at the echo top, tracks and forecasts at {base_m:.0} m)",
            cells.len(),
            lines3d.len()
        ));
    }
    let scene = Scene3d {
        frame: LocalFrame::centre_of(&grid),
        surfaces,
        lines: lines3d,
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

/// Cells identified in 3-D in the gridded volume (one time: no tracks).
fn cells_from_volume(grid: &Grid3) -> Result<Vec<CellLines>> {
    if grid.time.is_none() {
        return Err(Error::parameter(
            "--cells-from-volume",
            "no time",
            "the volume has no scan time to stamp the cells with",
        ));
    }
    let mut pipeline = CellPipeline::new(
        grid.spec.clone(),
        IdentifyConfig::default(),
        TrackerConfig::default(),
    )?;
    let frame = pipeline.process_volume(grid, &CellFields::default())?;
    Ok(frame
        .cells
        .iter()
        .map(|c| CellLines {
            track: None,
            centre: [c.x_m, c.y_m],
            outline: c.outline.clone(),
            top_m: c.echo_top_m,
            history: Vec::new(),
            forecast: Vec::new(),
        })
        .collect())
}

/// Cells of the last frame of a `squall cells` JSON file, with their track histories and forecasts, placed on this
/// grid: each centroid through its longitude/latitude; the outline and the forecast positions keep their offsets
/// from the centroid (the two grids' axes agree to well under a degree over a storm's extent).
fn cells_from_json(path: &Path, projection: &Projection) -> Result<Vec<CellLines>> {
    let bad = |reason: &str| Error::Decode {
        format: "squall cells JSON",
        source_name: path.display().to_string(),
        offset: 0,
        reason: reason.to_owned(),
    };
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let root: Value = serde_json::from_str(&text).map_err(|e| bad(&format!("not JSON: {e}")))?;
    let frames = root
        .get("frames")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("no \"frames\" array"))?;
    let last = frames.last().ok_or_else(|| bad("no frames"))?;
    let list = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let number = |v: &Value, key: &str| v.get(key).and_then(Value::as_f64);
    let point = |v: &Value| -> Option<[f64; 2]> {
        let p = v.as_array()?;
        Some([p.first()?.as_f64()?, p.get(1)?.as_f64()?])
    };
    // Position on this grid of a cell's centroid.
    let place = |cell: &Value| -> Result<[f64; 2]> {
        match (number(cell, "lon"), number(cell, "lat")) {
            (Some(lon), Some(lat)) => {
                let (x, y) = projection.forward(lon, lat)?;
                Ok([x, y])
            }
            _ => Err(bad("a cell has no longitude/latitude")),
        }
    };
    let cells = list(last, "cells");
    let forecasts = list(last, "forecasts");
    let mut out = Vec::with_capacity(cells.len());
    for (i, cell) in cells.iter().enumerate() {
        let (Some(x), Some(y)) = (number(cell, "x_m"), number(cell, "y_m")) else {
            return Err(bad("a cell has no x_m/y_m"));
        };
        let centre = place(cell)?;
        let shift = |p: [f64; 2]| [p[0] - x + centre[0], p[1] - y + centre[1]];
        let track = cell.get("track").and_then(Value::as_u64);
        let mut history = Vec::new();
        if let Some(t) = track {
            for f in frames {
                for c in list(f, "cells") {
                    if c.get("track").and_then(Value::as_u64) == Some(t) {
                        history.push(place(&c)?);
                    }
                }
            }
        }
        let forecast = forecasts
            .get(i)
            .map(|f| {
                list(f, "steps")
                    .iter()
                    .filter_map(|s| Some(shift([number(s, "x_m")?, number(s, "y_m")?])))
                    .collect()
            })
            .unwrap_or_default();
        out.push(CellLines {
            track,
            centre,
            outline: list(cell, "outline")
                .iter()
                .filter_map(point)
                .map(shift)
                .collect(),
            top_m: number(cell, "echo_top_m"),
            history,
            forecast,
        });
    }
    Ok(out)
}
