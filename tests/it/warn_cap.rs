//! CAP 1.2 and GeoJSON output: the fields of a message written and read back (schema validation is in
//! `python/tests/test_warn_cap.py`).

use crate::warn_scene;

use serde_json::{Value, json};
use squall::warn::{
    AreaGeometry, CAP_NAMESPACE, HazardRule, MsgType, WarningInputs, WarningMessage, WarningState,
    areas_from_geojson, map_areas, to_cap_xml, to_geojson,
};
use warn_scene::*;

/// Texts of every `<tag>…</tag>` in document order.
fn all(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let end = after.find(&close).expect("closed element");
        out.push(after[..end].to_owned());
        rest = &after[end + close.len()..];
    }
    out
}

fn one(xml: &str, tag: &str) -> String {
    let v = all(xml, tag);
    assert_eq!(v.len(), 1, "<{tag}> occurs {} times", v.len());
    v[0].clone()
}

fn messages() -> Vec<WarningMessage> {
    let spec = grid();
    let text = collection(vec![
        feature(
            5,
            "Holes & <Parts>",
            json!({"type": "MultiPolygon", "coordinates": [
                [rect(&spec, -5.5, -5.5, 5.5, 5.5), rect(&spec, -1.5, -1.5, 1.5, 1.5)],
                [rect(&spec, 10.5, -5.5, 12.5, 5.5)]]}),
        ),
        json!({"type": "Feature", "properties": {"id": 6, "name": "station", "radius_m": 2500.0},
               "geometry": {"type": "Point", "coordinates": lonlat(&spec, -20.0, 0.0)}}),
    ]);
    let mapped = map_areas(&areas_from_geojson(&text).unwrap(), &spec).unwrap();
    let mut state = WarningState::new(
        config(HazardRule::three_levels([0.3, 0.6, 0.85])),
        mapped,
        spec.shape(),
    )
    .unwrap();
    let mut out = Vec::new();
    for (k, p) in [0.4_f32, 0.7, 0.05, 0.05].into_iter().enumerate() {
        let inputs = WarningInputs {
            rain_rate: Some(uniform(p)),
            ..Default::default()
        };
        out.extend(state.update(t(5 * k as i64), &inputs).unwrap());
    }
    out
}

#[test]
fn cap_fields_round_trip() {
    let messages = messages();
    let types: Vec<MsgType> = messages.iter().map(|m| m.msg_type).collect();
    use MsgType::*;
    assert_eq!(types, vec![Alert, Alert, Update, Update, Cancel, Cancel]);
    for m in &messages {
        let xml = to_cap_xml(m);
        assert!(xml.contains(&format!("<alert xmlns=\"{CAP_NAMESPACE}\">")));
        assert_eq!(one(&xml, "identifier"), m.identifier);
        assert_eq!(one(&xml, "sender"), "squall@example.org");
        assert_eq!(one(&xml, "status"), "Test");
        assert_eq!(one(&xml, "msgType"), m.msg_type.as_str());
        assert_eq!(
            one(&xml, "sent"),
            m.sent.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
        );
        assert_eq!(one(&xml, "incidents"), m.incident);
        assert_eq!(one(&xml, "severity"), m.level.cap_severity());
        let refs = all(&xml, "references");
        if m.references.is_empty() {
            assert!(refs.is_empty());
        } else {
            let entries: Vec<Vec<String>> = refs[0]
                .split(' ')
                .map(|e| e.split(',').map(str::to_owned).collect())
                .collect();
            assert_eq!(entries.len(), m.references.len());
            for (e, r) in entries.iter().zip(&m.references) {
                assert_eq!(e[0], r.sender);
                assert_eq!(e[1], r.identifier);
                assert_eq!(e[2], r.sent.format("%Y-%m-%dT%H:%M:%S+00:00").to_string());
            }
        }
        if m.msg_type == Cancel {
            assert_eq!(one(&xml, "urgency"), "Past");
            assert_eq!(one(&xml, "responseType"), "AllClear");
        }
        match &m.geometry {
            AreaGeometry::Polygons(parts) => {
                assert_eq!(one(&xml, "areaDesc"), "Holes &amp; &lt;Parts&gt;");
                let polygons = all(&xml, "polygon");
                assert_eq!(polygons.len(), 2, "one CAP polygon per part, holes dropped");
                for (text, rings) in polygons.iter().zip(parts) {
                    let pairs: Vec<(f64, f64)> = text
                        .split(' ')
                        .map(|p| {
                            let (lat, lon) = p.split_once(',').unwrap();
                            (lat.parse().unwrap(), lon.parse().unwrap())
                        })
                        .collect();
                    assert_eq!(pairs.first(), pairs.last(), "closed");
                    assert_eq!(pairs.len(), rings[0].len());
                    for (&(lat, lon), &(lon0, lat0)) in pairs.iter().zip(&rings[0]) {
                        assert!((lat - lat0).abs() <= 5e-6 && (lon - lon0).abs() <= 5e-6);
                    }
                }
            }
            AreaGeometry::Point { lon, lat, .. } => {
                let circle = one(&xml, "circle");
                let (centre, radius) = circle.split_once(' ').unwrap();
                let (clat, clon) = centre.split_once(',').unwrap();
                assert!((clat.parse::<f64>().unwrap() - lat).abs() <= 5e-6);
                assert!((clon.parse::<f64>().unwrap() - lon).abs() <= 5e-6);
                assert_eq!(radius, "2.500");
            }
        }
    }
}

#[test]
fn geojson_keeps_holes_and_message_fields() {
    let messages = messages();
    let fc = to_geojson(&messages);
    let features = fc["features"].as_array().unwrap();
    assert_eq!(features.len(), messages.len());
    let district = &features[0];
    assert_eq!(district["geometry"]["type"], "MultiPolygon");
    let parts = district["geometry"]["coordinates"].as_array().unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0].as_array().unwrap().len(), 2, "outer ring and hole");
    assert_eq!(district["properties"]["msg_type"], "Alert");
    assert_eq!(district["properties"]["level"], "advisory");
    assert_eq!(district["properties"]["hazard"], "heavy_rain");
    let station = &features[1];
    assert_eq!(station["geometry"]["type"], "Point");
    assert_eq!(station["properties"]["radius_m"], 2500.0);
    let upgrade = &features[2]["properties"];
    assert_eq!(upgrade["change"], "upgrade");
    assert_eq!(upgrade["references"], json!([messages[0].identifier]));
    assert!((upgrade["probability"].as_f64().unwrap() - 0.7).abs() < 1e-6);
    // The collection serialises to JSON text that parses back to the same value.
    let round: Value = serde_json::from_str(&fc.to_string()).unwrap();
    assert_eq!(round, fc);
}
