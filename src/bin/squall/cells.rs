//! `squall cells`: identify and track storm cells in a composite sequence; write JSON, CSV or GeoJSON, and
//! optionally PNG maps with the cells, their tracks and forecasts over the reflectivity.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use squall::cells::{CellFields, CellPipeline, FrameCells, IdentifyConfig, TrackerConfig};
use squall::geo::{Grid2, GridSequence};
use squall::io::composite::{open_sequence, open_sequence_dir};
use squall::render::{
    BOUNDARY, Boundaries, CONE, ColourScale, Image, draw_boundaries, draw_forecast_cone_to,
    render_grid, with_legend,
};
use squall::{Error, Result};

/// Marshall–Palmer Z = 200 R^1.6 in dBZ of a rain rate (mm/h); as pysteps' tstorm users convert rain to dBZ.
fn dbz_of_rain(rate: f32) -> f32 {
    if rate.is_nan() {
        f32::NAN
    } else if rate > 0.0 {
        10.0 * (200.0 * rate.powf(1.6)).log10()
    } else {
        -10.0
    }
}

/// The frames as reflectivity in dBZ.
fn reflectivity_frames(sequence: &GridSequence) -> Result<Vec<Grid2>> {
    let convert = match sequence.units.as_str() {
        "dBZ" => false,
        "mm/h" => true,
        other => {
            return Err(Error::Unsupported(format!(
                "cells need reflectivity (dBZ) or rain rate (mm/h), not {other}"
            )));
        }
    };
    let mut frames = sequence.to_frames();
    if convert {
        for f in &mut frames {
            f.values.mapv_inplace(dbz_of_rain);
            f.name = "DBZH".into();
            f.units = "dBZ".into();
        }
    }
    Ok(frames)
}

/// Runs the command; returns the summary printed on stdout.
pub fn run(
    files: &[PathBuf],
    out: &Path,
    png: Option<&Path>,
    boundaries: Option<&Path>,
    force: bool,
) -> Result<String> {
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    crate::check_output(out, &inputs, force)?;
    let boundaries = crate::maps::boundaries(boundaries)?;
    let format = match out.extension().and_then(|e| e.to_str()) {
        Some("json") => "json",
        Some("csv") => "csv",
        Some("geojson") => "geojson",
        _ => {
            return Err(Error::parameter(
                "--out",
                out.display(),
                "must end in .json, .csv or .geojson",
            ));
        }
    };
    let sequence = match files {
        [dir] if dir.is_dir() => open_sequence_dir(dir)?,
        _ => open_sequence(files)?,
    };
    let frames = reflectivity_frames(&sequence)?;
    let mut pipeline = CellPipeline::new(
        sequence.spec.clone(),
        IdentifyConfig::default(),
        TrackerConfig::default(),
    )?;
    let results = frames
        .iter()
        .map(|f| pipeline.process(f, &CellFields::default()))
        .collect::<Result<Vec<FrameCells>>>()?;
    let text = match format {
        "json" => to_json(&results, &pipeline),
        "csv" => to_csv(&results),
        _ => to_geojson(&results),
    }?;
    std::fs::write(out, text).map_err(|e| Error::io(out, e))?;
    let mut pngs = 0;
    if let Some(dir) = png {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (frame, result) in frames.iter().zip(&results) {
            let name = frame.time.map_or_else(
                || format!("cells_{pngs:03}.png"),
                |t| t.format("cells_%Y%m%dT%H%M%SZ.png").to_string(),
            );
            let path = dir.join(name);
            crate::check_output(&path, &inputs, force)?;
            draw(frame, result, &pipeline, boundaries.as_ref())?.write_png(&path)?;
            pngs += 1;
        }
    }
    let n_cells: usize = results.iter().map(|r| r.cells.len()).sum();
    let events = pipeline.tracker().events();
    let merges = events
        .iter()
        .filter(|e| e.kind == squall::cells::TrackEventKind::Merge)
        .count();
    Ok(format!(
        "{} frames: {n_cells} cells in {} tracks, {merges} merges, {} splits → {}{}",
        results.len(),
        pipeline.tracker().tracks().len(),
        events.len() - merges,
        out.display(),
        png.map_or(String::new(), |d| format!(
            " and {pngs} PNGs in {}",
            d.display()
        ))
    ))
}

fn json_error(e: serde_json::Error) -> Error {
    Error::Unsupported(format!("JSON encoding: {e}"))
}

fn to_json(results: &[FrameCells], pipeline: &CellPipeline) -> Result<String> {
    let tracker = pipeline.tracker();
    let tracks: Vec<_> = tracker
        .tracks()
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id,
                "parents": t.parents,
                "children": t.children,
                "ended": t.ended,
                "velocity_mps": t.velocity_mps,
                "scans": t.history.len(),
                "rms_position_error_m": t.rms_error_m(),
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "frames": results,
        "tracks": tracks,
        "events": tracker.events(),
    }))
    .map_err(json_error)
}

fn to_csv(results: &[FrameCells]) -> Result<String> {
    let mut s = String::from(
        "time,track,x_m,y_m,lon,lat,area_km2,max_dbz,mean_dbz,max_rain_rate_mm_h,heavy_rain_area_km2,\
         u_mps,v_mps,hail_score,wind_score,heavy_rain_score,severe_score\n",
    );
    for r in results {
        for ((c, f), t) in r.cells.iter().zip(&r.forecasts).zip(&r.threats) {
            let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.5}"));
            let _ = writeln!(
                s,
                "{},{},{:.0},{:.0},{},{},{:.1},{:.1},{:.1},{:.1},{:.1},{:.2},{:.2},{:.2},{:.2},{:.2},{:.2}",
                r.time.to_rfc3339(),
                c.track.unwrap_or(0),
                c.x_m,
                c.y_m,
                opt(c.lon),
                opt(c.lat),
                c.area_km2,
                c.max_dbz,
                c.mean_dbz,
                c.max_rain_rate_mm_h,
                c.heavy_rain_area_km2,
                f.velocity_mps.0,
                f.velocity_mps.1,
                t.hail.score,
                t.wind.score,
                t.heavy_rain.score,
                t.severe.score
            );
        }
    }
    Ok(s)
}

fn to_geojson(results: &[FrameCells]) -> Result<String> {
    let mut features = Vec::new();
    for r in results {
        for ((c, f), t) in r.cells.iter().zip(&r.forecasts).zip(&r.threats) {
            let spec_outline: Vec<[f64; 2]> = c.outline.clone();
            let ring: Option<Vec<[f64; 2]>> = spec_outline
                .iter()
                .map(|&[x, y]| lonlat(r, c, x, y))
                .collect();
            let Some(ring) = ring else { continue };
            features.push(serde_json::json!({
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "time": r.time, "track": c.track, "area_km2": c.area_km2, "max_dbz": c.max_dbz,
                    "lon": c.lon, "lat": c.lat, "velocity_mps": f.velocity_mps,
                    "hail": t.hail.score, "wind": t.wind.score, "heavy_rain": t.heavy_rain.score,
                    "severe": t.severe.score,
                }
            }));
        }
    }
    serde_json::to_string(&serde_json::json!({"type": "FeatureCollection", "features": features}))
        .map_err(json_error)
}

/// Longitude/latitude of projection coordinates through the cell's own grid, via the centroid's lon/lat scale.
fn lonlat(_r: &FrameCells, c: &squall::cells::Cell, x: f64, y: f64) -> Option<[f64; 2]> {
    let (lon0, lat0) = (c.lon?, c.lat?);
    // Local tangent-plane approximation around the centroid (cells are tens of km wide).
    let k = 1.0 / (squall::geo::EARTH_RADIUS_M.to_radians());
    Some([
        lon0 + (x - c.x_m) * k / lat0.to_radians().cos(),
        lat0 + (y - c.y_m) * k,
    ])
}

/// Longest lead time of the forecast cones drawn, s.
const CONE_LEAD_S: f64 = 1800.0;

/// The reflectivity map with boundaries (grey), cell outlines (black), track histories (dark blue) and, for tracks
/// of 3 scans or more, the 30-min forecast track with its uncertainty cone (magenta); time label and legend.
fn draw(
    frame: &Grid2,
    result: &FrameCells,
    pipeline: &CellPipeline,
    boundaries: Option<&Boundaries>,
) -> Result<Image> {
    let mut image = render_grid(frame, &ColourScale::reflectivity());
    let spec = &frame.spec;
    if let Some(b) = boundaries {
        draw_boundaries(&mut image, spec, b, BOUNDARY)?;
    }
    let to_px = |x: f64, y: f64| {
        let (r, c) = spec.index_of(x, y);
        let row = if spec.dy > 0.0 {
            (spec.ny as f64 - 1.0) - r
        } else {
            r
        };
        (row, c)
    };
    for (cell, forecast) in result.cells.iter().zip(&result.forecasts) {
        for w in cell.outline.windows(2) {
            line(
                &mut image,
                to_px(w[0][0], w[0][1]),
                to_px(w[1][0], w[1][1]),
                [0, 0, 0],
            );
        }
        if let Some(track) = cell.track.and_then(|id| pipeline.tracker().track(id)) {
            for w in track.history.windows(2) {
                line(
                    &mut image,
                    to_px(w[0].x_m, w[0].y_m),
                    to_px(w[1].x_m, w[1].y_m),
                    [0, 0, 140],
                );
            }
        }
        let scans = cell
            .track
            .and_then(|id| pipeline.tracker().track(id))
            .map_or(0, |t| t.history.len());
        if scans >= 3 {
            // To 30 min: 60-min cones of every cell of a busy day cover the map.
            draw_forecast_cone_to(&mut image, spec, forecast, CONE_LEAD_S, CONE)?;
        }
    }
    image.draw_label(
        2,
        2,
        &format!(
            "{} {} cells",
            result.time.format("%Y-%m-%d %H:%MZ"),
            result.cells.len()
        ),
        [0, 0, 0],
        [255, 255, 255],
        1,
    );
    Ok(with_legend(
        &image,
        &ColourScale::reflectivity(),
        "dBZ",
        &crate::maps::legend_label("dBZ"),
    ))
}

/// Draws a line between fractional (row, col) pixel positions, clipped to the image.
fn line(image: &mut Image, a: (f64, f64), b: (f64, f64), colour: [u8; 3]) {
    let n = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as usize).clamp(1, 100_000);
    for i in 0..=n {
        let t = i as f64 / n as f64;
        let (r, c) = (
            (a.0 + t * (b.0 - a.0)).round(),
            (a.1 + t * (b.1 - a.1)).round(),
        );
        if r >= 0.0 && c >= 0.0 && (r as usize) < image.height && (c as usize) < image.width {
            let k = 3 * (r as usize * image.width + c as usize);
            image.pixels[k..k + 3].copy_from_slice(&colour);
        }
    }
}
