//! Warning areas: regions (polygons and multipolygons: districts, catchments) and points (stations, underpasses,
//! hazard sites, with a radius), read from a GeoJSON FeatureCollection in longitude/latitude (RFC 7946) and mapped
//! once onto the cells of a [`GridSpec`](crate::geo::GridSpec).
//!
//! A grid cell belongs to a region when its centre is inside the region by the even–odd rule over all rings of a
//! polygon (so holes are excluded), tested on projected coordinates; it belongs to a point area when its centre is
//! within the radius of the projected point, or, for a radius smaller than the cell, when it is the cell holding the
//! point.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::geo::GridSpec;
use crate::verify::RegionId;

/// A closed ring of `(longitude, latitude)` vertices in degrees (the closing vertex may be repeated or not).
pub type Ring = Vec<(f64, f64)>;

/// The shape of a warning area, in longitude/latitude degrees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaGeometry {
    /// One or more polygons, each an outer ring followed by its holes (GeoJSON order).
    Polygons(Vec<Vec<Ring>>),
    /// A point with a radius in metres (0 = the grid cell holding the point).
    Point {
        /// Longitude, degrees east.
        lon: f64,
        /// Latitude, degrees north.
        lat: f64,
        /// Radius of the area around the point, m.
        radius_m: f64,
    },
}

/// A named warning area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    /// Identifier used in warnings and verification (GeoJSON property `id`, or the feature's 1-based position).
    pub id: RegionId,
    /// Name shown in messages (property `name`, or `"area <id>"`).
    pub name: String,
    /// Shape in longitude/latitude.
    pub geometry: AreaGeometry,
}

/// An area with the grid cells it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MappedArea {
    /// The area.
    pub area: Area,
    /// `(row, col)` of the covered cells, in row-major order.
    pub cells: Vec<(usize, usize)>,
    /// Projected `(x, y)` of the covered cell centres (same order), projection units.
    pub centres: Vec<(f64, f64)>,
}

fn bad(reason: impl Into<String>) -> Error {
    Error::Decode {
        format: "GeoJSON warning areas",
        source_name: "<memory>".to_owned(),
        offset: 0,
        reason: reason.into(),
    }
}

fn position(value: &Value, what: &str) -> Result<(f64, f64)> {
    let pair = value.as_array().filter(|p| p.len() >= 2).ok_or_else(|| {
        bad(format!(
            "{what}: a position must be [lon, lat], found {value}"
        ))
    })?;
    let (lon, lat) = (pair[0].as_f64(), pair[1].as_f64());
    match (lon, lat) {
        (Some(lon), Some(lat))
            if (-180.0..=360.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Ok((lon, lat))
        }
        _ => Err(bad(format!(
            "{what}: position {value} is not a longitude in [-180, 360] and latitude in [-90, 90]"
        ))),
    }
}

fn polygon(value: &Value, what: &str) -> Result<Vec<Ring>> {
    let rings = value.as_array().filter(|r| !r.is_empty()).ok_or_else(|| {
        bad(format!(
            "{what}: a polygon must be a non-empty array of rings"
        ))
    })?;
    rings
        .iter()
        .enumerate()
        .map(|(k, ring)| {
            let ring_what = format!("{what} ring {k}");
            let points = ring
                .as_array()
                .ok_or_else(|| bad(format!("{ring_what}: not an array of positions")))?
                .iter()
                .map(|p| position(p, &ring_what))
                .collect::<Result<Ring>>()?;
            let distinct = points.len() - usize::from(points.first() == points.last());
            if distinct < 3 {
                return Err(bad(format!(
                    "{ring_what}: a ring needs at least 3 distinct vertices, found {distinct}"
                )));
            }
            Ok(points)
        })
        .collect()
}

fn geometry(value: &Value, radius_m: f64, what: &str) -> Result<AreaGeometry> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let coordinates = value
        .get("coordinates")
        .ok_or_else(|| bad(format!("{what}: geometry has no coordinates")))?;
    match kind {
        "Polygon" => Ok(AreaGeometry::Polygons(vec![polygon(coordinates, what)?])),
        "MultiPolygon" => {
            let parts = coordinates
                .as_array()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| bad(format!("{what}: a MultiPolygon needs at least one polygon")))?;
            Ok(AreaGeometry::Polygons(
                parts
                    .iter()
                    .enumerate()
                    .map(|(k, p)| polygon(p, &format!("{what} polygon {k}")))
                    .collect::<Result<_>>()?,
            ))
        }
        "Point" => {
            let (lon, lat) = position(coordinates, what)?;
            Ok(AreaGeometry::Point { lon, lat, radius_m })
        }
        other => Err(bad(format!(
            "{what}: geometry type {other:?} is not Polygon, MultiPolygon or Point"
        ))),
    }
}

/// Reads warning areas from a GeoJSON FeatureCollection (RFC 7946, longitude/latitude).
///
/// Each feature needs a `Polygon`, `MultiPolygon` or `Point` geometry; optional properties are `id` (a
/// non-negative integer, unique), `name` and, for points, `radius_m` (metres, ≥ 0, default 0).
///
/// # Errors
/// [`Error::Decode`] naming the feature for invalid JSON, a missing or unsupported geometry, rings with fewer than
/// three vertices, coordinates outside the longitude/latitude ranges, a negative radius or duplicate ids.
pub fn areas_from_geojson(text: &str) -> Result<Vec<Area>> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
    if root.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(bad("the top level must be a FeatureCollection"));
    }
    let features = root
        .get("features")
        .and_then(Value::as_array)
        .filter(|f| !f.is_empty())
        .ok_or_else(|| bad("the FeatureCollection has no features"))?;
    let mut areas = Vec::with_capacity(features.len());
    for (k, feature) in features.iter().enumerate() {
        let properties = feature.get("properties").cloned().unwrap_or(Value::Null);
        let id = match properties.get("id") {
            None | Some(Value::Null) => k as u32 + 1,
            Some(v) => v
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .ok_or_else(|| {
                    bad(format!(
                        "feature {k}: property id {v} is not an integer in [0, 2^32)"
                    ))
                })?,
        };
        let what = format!("feature {k} (id {id})");
        let radius_m = match properties.get("radius_m") {
            None | Some(Value::Null) => 0.0,
            Some(v) => v
                .as_f64()
                .filter(|r| *r >= 0.0 && r.is_finite())
                .ok_or_else(|| bad(format!("{what}: radius_m {v} must be a finite number ≥ 0")))?,
        };
        let geom = feature
            .get("geometry")
            .filter(|g| !g.is_null())
            .ok_or_else(|| bad(format!("{what}: no geometry")))?;
        let name = properties
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("area {id}"), str::to_owned);
        if areas.iter().any(|a: &Area| a.id.0 == id) {
            return Err(bad(format!("{what}: id {id} is used twice")));
        }
        areas.push(Area {
            id: RegionId(id),
            name,
            geometry: geometry(geom, radius_m, &what)?,
        });
    }
    Ok(areas)
}

/// Whether `(x, y)` is inside the polygon made of `rings` by the even–odd (crossing-number) rule: inside the outer
/// ring and outside every hole. Points exactly on an edge may fall either side.
pub fn point_in_rings(x: f64, y: f64, rings: &[Vec<(f64, f64)>]) -> bool {
    let mut inside = false;
    for ring in rings {
        let n = ring.len();
        for i in 0..n {
            let (xi, yi) = ring[i];
            let (xj, yj) = ring[(i + n - 1) % n];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
        }
    }
    inside
}

fn project_rings(rings: &[Ring], spec: &GridSpec) -> Result<Vec<Vec<(f64, f64)>>> {
    rings
        .iter()
        .map(|ring| {
            ring.iter()
                .map(|&(lon, lat)| spec.projection.forward(lon, lat))
                .collect()
        })
        .collect()
}

/// Index range of cells whose centres lie within `[lo, hi]` along one axis (`origin + i·step`), clamped to `n`.
fn index_range(lo: f64, hi: f64, origin: f64, step: f64, n: usize) -> std::ops::Range<usize> {
    let (a, b) = ((lo - origin) / step, (hi - origin) / step);
    let (a, b) = (a.min(b).ceil().max(0.0), a.max(b).floor());
    if b < 0.0 || a >= n as f64 {
        return 0..0;
    }
    a as usize..(b as usize + 1).min(n)
}

/// Maps each area onto the grid cells it covers.
///
/// # Errors
/// [`Error::Unsupported`] when the grid's projection cannot transform coordinates; [`Error::Parameter`] naming the
/// area when it covers no cell of the grid (it lies outside the domain).
pub fn map_areas(areas: &[Area], spec: &GridSpec) -> Result<Vec<MappedArea>> {
    areas.iter().map(|area| map_area(area, spec)).collect()
}

fn map_area(area: &Area, spec: &GridSpec) -> Result<MappedArea> {
    let mut cells = Vec::new();
    match &area.geometry {
        AreaGeometry::Polygons(polygons) => {
            let mut inside = std::collections::BTreeSet::new();
            for rings in polygons {
                let projected = project_rings(rings, spec)?;
                let outer = &projected[0];
                let (x_lo, x_hi) = outer
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                        (lo.min(p.0), hi.max(p.0))
                    });
                let (y_lo, y_hi) = outer
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                        (lo.min(p.1), hi.max(p.1))
                    });
                for row in index_range(y_lo, y_hi, spec.y0, spec.dy, spec.ny) {
                    for col in index_range(x_lo, x_hi, spec.x0, spec.dx, spec.nx) {
                        let (x, y) = spec.xy(row, col);
                        if point_in_rings(x, y, &projected) {
                            inside.insert((row, col));
                        }
                    }
                }
            }
            cells.extend(inside);
        }
        AreaGeometry::Point { lon, lat, radius_m } => {
            let (px, py) = spec.projection.forward(*lon, *lat)?;
            for row in index_range(py - radius_m, py + radius_m, spec.y0, spec.dy, spec.ny) {
                for col in index_range(px - radius_m, px + radius_m, spec.x0, spec.dx, spec.nx) {
                    let (x, y) = spec.xy(row, col);
                    if (x - px).hypot(y - py) <= *radius_m {
                        cells.push((row, col));
                    }
                }
            }
            if cells.is_empty() {
                let (row, col) = spec.index_of(px, py);
                let (row, col) = (row.round(), col.round());
                if row >= 0.0 && col >= 0.0 && (row as usize) < spec.ny && (col as usize) < spec.nx
                {
                    cells.push((row as usize, col as usize));
                }
            }
        }
    }
    if cells.is_empty() {
        return Err(Error::parameter(
            "area",
            format!("{} ({})", area.id.0, area.name),
            "covers no cell of the grid: it lies outside the domain or is smaller than a cell",
        ));
    }
    let centres = cells.iter().map(|&(r, c)| spec.xy(r, c)).collect();
    Ok(MappedArea {
        area: area.clone(),
        cells,
        centres,
    })
}
