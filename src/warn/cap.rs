//! Output of warning messages as CAP 1.2 XML (OASIS Common Alerting Protocol, namespace
//! `urn:oasis:names:tc:emergency:cap:1.2`) and as a GeoJSON FeatureCollection.
//!
//! One `<alert>` per message with one `<info>` (category `Met`) and one `<area>`: a region becomes one `<polygon>`
//! per part (its outer ring, as `lat,lon` pairs, closed; CAP has no holes), a point a `<circle>` (`lat,lon
//! radius_km`). Times are written with an explicit `+00:00` offset, as CAP requires.
//!
//! # References
//! OASIS (2010). *Common Alerting Protocol Version 1.2*, OASIS Standard, 1 July 2010.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::area::AreaGeometry;
use super::message::{Change, MsgType, WarningMessage};

/// CAP 1.2 XML namespace.
pub const CAP_NAMESPACE: &str = "urn:oasis:names:tc:emergency:cap:1.2";

fn cap_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn urgency(m: &WarningMessage) -> &'static str {
    if m.msg_type == MsgType::Cancel {
        "Past"
    } else if m.onset <= m.sent + chrono::TimeDelta::minutes(15) {
        "Immediate"
    } else {
        "Expected"
    }
}

fn headline(m: &WarningMessage) -> String {
    let what = match m.change {
        Change::New => "issued",
        Change::Upgrade => "raised",
        Change::Downgrade => "lowered",
        Change::Extend => "extended",
        Change::Cancel => "cancelled",
    };
    format!(
        "{} {:?} {what} for {}",
        m.hazard.event(),
        m.level,
        m.area_name
    )
}

/// The message as a CAP 1.2 `<alert>` document (UTF-8 XML).
pub fn to_cap_xml(m: &WarningMessage) -> String {
    let mut x = String::with_capacity(2048);
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(x, "<alert xmlns=\"{CAP_NAMESPACE}\">");
    let _ = writeln!(x, "  <identifier>{}</identifier>", escape(&m.identifier));
    let _ = writeln!(x, "  <sender>{}</sender>", escape(&m.sender));
    let _ = writeln!(x, "  <sent>{}</sent>", cap_time(m.sent));
    let _ = writeln!(x, "  <status>{}</status>", escape(&m.status));
    let _ = writeln!(x, "  <msgType>{}</msgType>", m.msg_type.as_str());
    x.push_str("  <scope>Public</scope>\n");
    if !m.references.is_empty() {
        let refs: Vec<String> = m
            .references
            .iter()
            .map(|r| {
                format!(
                    "{},{},{}",
                    escape(&r.sender),
                    escape(&r.identifier),
                    cap_time(r.sent)
                )
            })
            .collect();
        let _ = writeln!(x, "  <references>{}</references>", refs.join(" "));
    }
    let _ = writeln!(x, "  <incidents>{}</incidents>", escape(&m.incident));
    x.push_str("  <info>\n    <language>en</language>\n    <category>Met</category>\n");
    let _ = writeln!(x, "    <event>{}</event>", m.hazard.event());
    let _ = writeln!(
        x,
        "    <responseType>{}</responseType>",
        if m.msg_type == MsgType::Cancel {
            "AllClear"
        } else {
            "Prepare"
        }
    );
    let _ = writeln!(x, "    <urgency>{}</urgency>", urgency(m));
    let _ = writeln!(x, "    <severity>{}</severity>", m.level.cap_severity());
    let certainty = if m.probability.is_nan() || m.probability <= 0.5 {
        "Possible"
    } else {
        "Likely"
    };
    let _ = writeln!(x, "    <certainty>{certainty}</certainty>");
    let _ = writeln!(x, "    <onset>{}</onset>", cap_time(m.onset));
    let _ = writeln!(x, "    <expires>{}</expires>", cap_time(m.expires));
    x.push_str("    <senderName>Squall nowcast</senderName>\n");
    let _ = writeln!(x, "    <headline>{}</headline>", escape(&headline(m)));
    let _ = writeln!(
        x,
        "    <parameter>\n      <valueName>level</valueName>\n      <value>{:?}</value>\n    </parameter>",
        m.level
    );
    if !m.probability.is_nan() {
        let _ = writeln!(
            x,
            "    <parameter>\n      <valueName>probability</valueName>\n      <value>{:.2}</value>\n    </parameter>",
            m.probability
        );
    }
    x.push_str("    <area>\n");
    let _ = writeln!(x, "      <areaDesc>{}</areaDesc>", escape(&m.area_name));
    match &m.geometry {
        AreaGeometry::Polygons(polygons) => {
            for rings in polygons {
                let outer = &rings[0];
                let mut pairs: Vec<String> = outer
                    .iter()
                    .map(|&(lon, lat)| format!("{lat:.5},{lon:.5}"))
                    .collect();
                if outer.first() != outer.last() {
                    pairs.push(pairs[0].clone());
                }
                let _ = writeln!(x, "      <polygon>{}</polygon>", pairs.join(" "));
            }
        }
        AreaGeometry::Point { lon, lat, radius_m } => {
            let _ = writeln!(
                x,
                "      <circle>{lat:.5},{lon:.5} {:.3}</circle>",
                radius_m / 1000.0
            );
        }
    }
    let _ = writeln!(
        x,
        "      <geocode>\n        <valueName>squall_area_id</valueName>\n        <value>{}</value>\n      </geocode>",
        m.area_id.0
    );
    x.push_str("    </area>\n  </info>\n</alert>\n");
    x
}

/// The messages as a GeoJSON FeatureCollection: one feature per message with the area's geometry (regions as
/// `MultiPolygon` with their holes, points as `Point` with `radius_m`) and the message fields as properties.
pub fn to_geojson(messages: &[WarningMessage]) -> Value {
    let features: Vec<Value> = messages
        .iter()
        .map(|m| {
            let (geometry, radius_m) = match &m.geometry {
                AreaGeometry::Polygons(polygons) => {
                    let coords: Vec<Vec<Vec<[f64; 2]>>> = polygons
                        .iter()
                        .map(|rings| {
                            rings
                                .iter()
                                .map(|ring| {
                                    let mut r: Vec<[f64; 2]> = ring.iter().map(|&(lon, lat)| [lon, lat]).collect();
                                    if ring.first() != ring.last() {
                                        r.push(r[0]);
                                    }
                                    r
                                })
                                .collect()
                        })
                        .collect();
                    (json!({"type": "MultiPolygon", "coordinates": coords}), None)
                }
                AreaGeometry::Point { lon, lat, radius_m } => {
                    (json!({"type": "Point", "coordinates": [lon, lat]}), Some(*radius_m))
                }
            };
            let probability = (!m.probability.is_nan()).then_some(f64::from(m.probability));
            json!({
                "type": "Feature",
                "id": m.identifier,
                "geometry": geometry,
                "properties": {
                    "identifier": m.identifier,
                    "sender": m.sender,
                    "sent": m.sent.to_rfc3339(),
                    "msg_type": m.msg_type.as_str(),
                    "change": m.change,
                    "references": m.references.iter().map(|r| r.identifier.clone()).collect::<Vec<_>>(),
                    "incident": m.incident,
                    "hazard": m.hazard,
                    "level": m.level,
                    "area_id": m.area_id.0,
                    "area_name": m.area_name,
                    "probability": probability,
                    "onset": m.onset.to_rfc3339(),
                    "expires": m.expires.to_rfc3339(),
                    "radius_m": radius_m,
                }
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}
