//! Coastlines and administrative boundaries from a GeoJSON file the user gives (RFC 7946: longitude/latitude in
//! degrees, WGS 84), drawn over maps in the grid's own projection.

use std::path::Path;

use serde_json::Value;

use super::{Image, Rgb, pixel_of};
use crate::error::{Error, Result};
use crate::geo::GridSpec;

/// Default colour of boundary lines (dark grey).
pub const BOUNDARY: Rgb = [60, 60, 60];

/// Polylines of longitude/latitude points, degrees: every `LineString`, every ring of every `Polygon`, and their
/// `Multi…` forms, in features, feature collections and geometry collections. Points are ignored.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Boundaries {
    /// Each line as `[lon, lat]` points, degrees (≥ 2 points).
    pub lines: Vec<Vec<[f64; 2]>>,
}

fn bad(source: &str, reason: impl Into<String>) -> Error {
    Error::Decode {
        format: "GeoJSON boundaries",
        source_name: source.to_owned(),
        offset: 0,
        reason: reason.into(),
    }
}

impl Boundaries {
    /// Reads GeoJSON text.
    ///
    /// # Errors
    /// [`Error::Decode`] for invalid JSON, a coordinate that is not a finite `[lon, lat]` with |lat| ≤ 90°, or a
    /// document with no line at all.
    pub fn from_geojson(text: &str) -> Result<Boundaries> {
        Self::parse(text, "<memory>")
    }

    /// Reads a GeoJSON file.
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be read, then as [`Boundaries::from_geojson`].
    pub fn read(path: impl AsRef<Path>) -> Result<Boundaries> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, source: &str) -> Result<Boundaries> {
        let root: Value =
            serde_json::from_str(text).map_err(|e| bad(source, format!("not valid JSON: {e}")))?;
        let mut out = Boundaries::default();
        collect(&root, &mut out.lines).map_err(|reason| bad(source, reason))?;
        if out.lines.is_empty() {
            return Err(bad(
                source,
                "no LineString, Polygon or Multi… geometry with two or more points",
            ));
        }
        Ok(out)
    }
}

/// Adds the lines of one GeoJSON object.
fn collect(value: &Value, lines: &mut Vec<Vec<[f64; 2]>>) -> std::result::Result<(), String> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let coordinates = || {
        value
            .get("coordinates")
            .ok_or(format!("{kind} without coordinates"))
    };
    // How deep the arrays of positions are nested: 0 = a list of positions.
    let mut add = |coords: &Value, depth: usize| -> std::result::Result<(), String> {
        let mut stack = vec![(coords, depth)];
        while let Some((v, d)) = stack.pop() {
            let items = v
                .as_array()
                .ok_or(format!("{kind}: coordinates are not arrays"))?;
            if d == 0 {
                let line = items
                    .iter()
                    .map(position)
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                if line.len() >= 2 {
                    lines.push(line);
                }
            } else {
                stack.extend(items.iter().rev().map(|i| (i, d - 1)));
            }
        }
        Ok(())
    };
    match kind {
        "FeatureCollection" => {
            for f in value
                .get("features")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                collect(f, lines)?;
            }
        }
        "Feature" => {
            if let Some(g) = value.get("geometry").filter(|g| !g.is_null()) {
                collect(g, lines)?;
            }
        }
        "GeometryCollection" => {
            for g in value
                .get("geometries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                collect(g, lines)?;
            }
        }
        "LineString" => add(coordinates()?, 0)?,
        "MultiLineString" | "Polygon" => add(coordinates()?, 1)?,
        "MultiPolygon" => add(coordinates()?, 2)?,
        "Point" | "MultiPoint" => {}
        other => return Err(format!("unknown GeoJSON type {other:?}")),
    }
    Ok(())
}

fn position(v: &Value) -> std::result::Result<[f64; 2], String> {
    let p = v.as_array().filter(|p| p.len() >= 2);
    let lon = p.and_then(|p| p[0].as_f64());
    let lat = p.and_then(|p| p[1].as_f64());
    match (lon, lat) {
        (Some(lon), Some(lat)) if lon.is_finite() && lat.abs() <= 90.0 => Ok([lon, lat]),
        _ => Err(format!("{v} is not a [longitude, latitude] position")),
    }
}

/// Draws the boundaries over a map rendered by [`super::render_grid`] from a grid with this `spec`. Each segment
/// is cut into pieces of at most 0.05° so that lines curve as the projection bends them; pieces with an end
/// outside the projection's domain (non-finite) are skipped. Returns the number of pieces drawn at least partly
/// inside the image.
///
/// # Errors
/// [`Error::Shape`] if the image does not match the grid; [`Error::Unsupported`] for a grid whose projection Squall
/// cannot transform (a bare PROJ string).
pub fn draw_boundaries(
    image: &mut Image,
    spec: &GridSpec,
    boundaries: &Boundaries,
    colour: Rgb,
) -> Result<usize> {
    spec.check_shape("boundary map", (image.height, image.width))?;
    let project = |[lon, lat]: [f64; 2]| -> Result<Option<(f32, f32)>> {
        let (x, y) = spec.projection.forward(lon, lat)?;
        let (col, row) = pixel_of(spec, x, y);
        Ok((col.is_finite() && row.is_finite()).then_some((col, row)))
    };
    let (w, h) = (image.width as f32, image.height as f32);
    let inside = |(c, r): (f32, f32)| c >= -0.5 && r >= -0.5 && c < w - 0.5 && r < h - 0.5;
    let mut drawn = 0;
    for line in &boundaries.lines {
        for pair in line.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            // Shortest way round in longitude.
            let dlon = (b[0] - a[0] + 540.0).rem_euclid(360.0) - 180.0;
            let n = ((dlon.abs().max((b[1] - a[1]).abs()) / 0.05).ceil() as usize).clamp(1, 10_000);
            let mut previous = project(a)?;
            for k in 1..=n {
                let t = k as f64 / n as f64;
                let next = project([a[0] + t * dlon, a[1] + t * (b[1] - a[1])])?;
                if let (Some(p), Some(q)) = (previous, next) {
                    // Pieces far outside (a line across the globe) are not walked pixel by pixel.
                    let far = (p.0 - q.0).abs().max((p.1 - q.1).abs()) > 4.0 * (w + h);
                    if !far && (inside(p) || inside(q)) {
                        image.line(p.0, p.1, q.0, q.1, colour);
                        drawn += 1;
                    }
                }
                previous = next;
            }
        }
    }
    Ok(drawn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::BACKGROUND;

    #[test]
    fn reads_every_line_geometry() {
        let text = r#"{"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "MultiPolygon", "coordinates":
                [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[2, 2], [3, 2], [3, 3], [2, 2]], [[2.2, 2.2], [2.4, 2.2], [2.2, 2.4], [2.2, 2.2]]]]}},
            {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5, 5]}},
            {"type": "Feature", "properties": {}, "geometry": null}]}"#;
        let b = Boundaries::from_geojson(text).unwrap();
        assert_eq!(b.lines.len(), 4);
        assert_eq!(
            b.lines[1],
            vec![[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
        );
        assert!(Boundaries::from_geojson("{").is_err());
        assert!(Boundaries::from_geojson(r#"{"type": "Point", "coordinates": [1, 2]}"#).is_err());
        assert!(
            Boundaries::from_geojson(r#"{"type": "LineString", "coordinates": [[1, 95], [1, 2]]}"#)
                .is_err()
        );
        assert!(
            Boundaries::from_geojson(r#"{"type": "Circle", "coordinates": [[1, 5], [1, 2]]}"#)
                .is_err()
        );
    }

    #[test]
    fn a_meridian_is_drawn_on_its_column() {
        // 41 × 41 km grid on (50° N, 10° E): the meridian 10° E is the centre column, the parallel 50° N bends
        // (azimuthal equidistant) but crosses the centre pixel.
        let spec = GridSpec::centred_on(50.0, 10.0, 41, 1000.0).unwrap();
        let mut img = Image::blank(41, 41, BACKGROUND);
        let b = Boundaries::from_geojson(
            r#"{"type": "MultiLineString", "coordinates": [[[10, 49], [10, 51]], [[9, 50], [11, 50]]]}"#,
        )
        .unwrap();
        assert!(draw_boundaries(&mut img, &spec, &b, BOUNDARY).unwrap() > 0);
        for row in 0..41 {
            assert_eq!(img.pixel(row, 20), BOUNDARY, "row {row}");
        }
        assert_eq!(img.pixel(20, 0), BOUNDARY);
        assert_eq!(img.pixel(5, 5), BACKGROUND);
        assert!(
            draw_boundaries(&mut Image::blank(40, 41, BACKGROUND), &spec, &b, BOUNDARY).is_err()
        );
    }
}
