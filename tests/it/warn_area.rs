//! Warning areas: GeoJSON reading, point-in-polygon on known shapes (holes, multipolygons), points with radii, and
//! clear errors for bad GeoJSON.

use crate::warn_scene;

use serde_json::json;
use squall::Error;
use squall::warn::{AreaGeometry, areas_from_geojson, map_areas, point_in_rings};
use warn_scene::*;

#[test]
fn even_odd_rule_on_a_square_with_a_hole() {
    let outer = vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
    let hole = vec![(4.0, 4.0), (6.0, 4.0), (6.0, 6.0), (4.0, 6.0)];
    let rings = vec![outer.clone(), hole];
    assert!(point_in_rings(1.0, 1.0, &rings));
    assert!(!point_in_rings(5.0, 5.0, &rings), "inside the hole");
    assert!(point_in_rings(5.0, 5.0, &[outer]));
    assert!(!point_in_rings(11.0, 5.0, &rings));
    assert!(!point_in_rings(-0.1, 5.0, &rings));
    // A concave L shape: the notch is outside.
    let l = vec![vec![
        (0.0, 0.0),
        (4.0, 0.0),
        (4.0, 1.0),
        (1.0, 1.0),
        (1.0, 4.0),
        (0.0, 4.0),
    ]];
    assert!(point_in_rings(0.5, 3.5, &l) && point_in_rings(3.5, 0.5, &l));
    assert!(!point_in_rings(2.0, 2.0, &l));
}

#[test]
fn cells_of_known_shapes() {
    let spec = grid();
    // Cell centres are on whole km. A 10 × 10 km square from 10.5 to 20.5 km holds 10 × 10 centres; a 4 × 4 hole
    // (13.5–17.5) removes 16; a right triangle with legs to 10.7 km holds the centres i, j ≥ 1 with i + j ≤ 11 (55).
    let square = json!({"type": "Polygon", "coordinates": [rect(&spec, 10.5, 10.5, 20.5, 20.5)]});
    let holed = json!({"type": "Polygon", "coordinates": [
        rect(&spec, 10.5, 10.5, 20.5, 20.5), rect(&spec, 13.5, 13.5, 17.5, 17.5)]});
    let triangle = json!({"type": "Polygon", "coordinates": [
        ring(&spec, &[(0.5, 0.5), (10.7, 0.5), (0.5, 10.7)])]});
    let multi = json!({"type": "MultiPolygon", "coordinates": [
        [rect(&spec, -30.5, -30.5, -20.5, -25.5)], [rect(&spec, 30.5, -10.5, 32.5, 40.5)]]});
    let text = collection(vec![
        feature(1, "square", square),
        feature(2, "holed", holed),
        feature(3, "triangle", triangle),
        feature(4, "two parts", multi),
    ]);
    let areas = areas_from_geojson(&text).unwrap();
    assert_eq!(areas[1].name, "holed");
    let mapped = map_areas(&areas, &spec).unwrap();
    let counts: Vec<usize> = mapped.iter().map(|m| m.cells.len()).collect();
    assert_eq!(counts, vec![100, 84, 55, 10 * 5 + 2 * 51]);
    // The hole's cells are excluded, the ring around it kept.
    let centre = spec.index_of(15_000.0, 15_000.0);
    let centre = (centre.0 as usize, centre.1 as usize);
    assert!(mapped[0].cells.contains(&centre) && !mapped[1].cells.contains(&centre));
    // Every listed cell centre is inside the projected square.
    for &(x, y) in &mapped[0].centres {
        assert!((10_500.0..20_500.0).contains(&x) && (10_500.0..20_500.0).contains(&y));
    }
}

#[test]
fn points_with_and_without_radius() {
    let spec = grid();
    let text = collection(vec![
        json!({"type": "Feature", "properties": {"id": 7, "name": "gauge", "radius_m": 2500.0},
               "geometry": {"type": "Point", "coordinates": lonlat(&spec, 0.0, 0.0)}}),
        json!({"type": "Feature", "properties": {"name": "underpass"},
               "geometry": {"type": "Point", "coordinates": lonlat(&spec, 3.3, -7.8)}}),
    ]);
    let areas = areas_from_geojson(&text).unwrap();
    assert_eq!(
        areas[1].id.0, 2,
        "id defaults to the 1-based feature position"
    );
    assert!(
        matches!(areas[0].geometry, AreaGeometry::Point { radius_m, .. } if radius_m == 2500.0)
    );
    let mapped = map_areas(&areas, &spec).unwrap();
    // Centres with i² + j² ≤ 6.25 km²: the 5 × 5 block less its 4 corners.
    assert_eq!(mapped[0].cells.len(), 21);
    // Radius 0: the single cell holding the point (x = 3 km, y = −8 km).
    assert_eq!(mapped[1].cells.len(), 1);
    let (x, y) = mapped[1].centres[0];
    assert!((x - 3000.0).abs() < 1e-6 && (y + 8000.0).abs() < 1e-6);
}

fn decode_error(text: &str) -> String {
    match areas_from_geojson(text) {
        Err(e @ Error::Decode { .. }) => e.to_string(),
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[test]
fn bad_geojson_gives_clear_errors() {
    assert!(decode_error("{not json").contains("not valid JSON"));
    assert!(decode_error(r#"{"type": "Feature"}"#).contains("FeatureCollection"));
    assert!(
        decode_error(r#"{"type": "FeatureCollection", "features": []}"#).contains("no features")
    );
    let two_vertices = collection(vec![feature(
        1,
        "sliver",
        json!({"type": "Polygon", "coordinates": [[[10.0, 50.0], [10.1, 50.0], [10.0, 50.0]]]}),
    )]);
    let e = decode_error(&two_vertices);
    assert!(
        e.contains("feature 0 (id 1)") && e.contains("at least 3 distinct vertices"),
        "{e}"
    );
    let line = collection(vec![feature(
        1,
        "road",
        json!({"type": "LineString", "coordinates": [[10.0, 50.0], [10.1, 50.1]]}),
    )]);
    assert!(decode_error(&line).contains("\"LineString\" is not Polygon, MultiPolygon or Point"));
    let off_earth = collection(vec![feature(
        1,
        "x",
        json!({"type": "Point", "coordinates": [10.0, 95.0]}),
    )]);
    assert!(decode_error(&off_earth).contains("latitude in [-90, 90]"));
    let strings = collection(vec![feature(
        1,
        "x",
        json!({"type": "Point", "coordinates": ["10", "50"]}),
    )]);
    assert!(decode_error(&strings).contains("position"));
    let twice = collection(vec![
        feature(
            3,
            "a",
            json!({"type": "Point", "coordinates": [10.0, 50.0]}),
        ),
        feature(
            3,
            "b",
            json!({"type": "Point", "coordinates": [10.0, 50.0]}),
        ),
    ]);
    assert!(decode_error(&twice).contains("id 3 is used twice"));
    let no_geometry = r#"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": null}]}"#;
    assert!(decode_error(no_geometry).contains("no geometry"));
    let negative_radius = r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"radius_m": -5}, "geometry": {"type": "Point", "coordinates": [10, 50]}}]}"#;
    assert!(decode_error(negative_radius).contains("radius_m"));
}

#[test]
fn an_area_outside_the_grid_is_an_error() {
    let spec = grid();
    let far = collection(vec![feature(
        9,
        "far away",
        json!({"type": "Polygon", "coordinates": [rect(&spec, 200.0, 200.0, 210.0, 210.0)]}),
    )]);
    let areas = areas_from_geojson(&far).unwrap();
    match map_areas(&areas, &spec) {
        Err(e @ Error::Parameter { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("far away") && text.contains("covers no cell"),
                "{text}"
            );
        }
        other => panic!("expected a parameter error, got {other:?}"),
    }
}
