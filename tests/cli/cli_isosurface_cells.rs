//! `squall isosurface` with cells: a synthetic storm scanned by an S-band radar and written as a CINRAD file; the
//! `.glb` must parse back (header, JSON and BIN chunks, every accessor inside its buffer view) and hold the cell
//! lines where the storm is: identified from the volume (`--cells-from-volume`) or read from a `squall cells`
//! JSON whose cells are placed through their longitude/latitude (`--cells`).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use squall::geo::GridSpec;
use squall::io::cinrad;
use squall::io::compression::Compression;
use squall::synth::{CellId, CellSpec, RadarConfig, SceneConfig, polar_volume, site_at};

use crate::common;
use crate::{SpawnLocked, assert_fails_with, assert_success, squall};

/// Storm centre on the grid, m east and north of the grid centre (30° N, 114° E).
const STORM: (f64, f64) = (12_000.0, 6_000.0);

fn spec() -> GridSpec {
    GridSpec::centred_on(30.0, 114.0, 81, 1000.0).unwrap()
}

/// One 58 dBZ cell, 6 km radius, scanned by an S-band radar 30 km west of the grid centre.
fn write_volume(dir: &Path) -> PathBuf {
    let mut config = SceneConfig::new(5, spec());
    config.n_frames = 1;
    config
        .cells
        .push(CellSpec::new(CellId(1), STORM.0, STORM.1, 58.0, 6_000.0));
    let scene = config.generate().unwrap().scene_3d(0).unwrap();
    let radar = RadarConfig::s_band_vcp21(site_at(&spec(), -30_000.0, 0.0, "SSYN").unwrap());
    let volume = polar_volume(&scene, &radar).unwrap().volume;
    let path = dir.join("Z_SSYN.bin");
    cinrad::write(&volume, &path, Compression::None).unwrap();
    path
}

fn run(volume: &Path, out: &Path, extra: &[&str]) -> String {
    let output = squall()
        .arg("isosurface")
        .arg(volume)
        .arg("--out")
        .arg(out)
        .args([
            "--dbz",
            "30,45",
            "--centre",
            "30,114",
            "--size",
            "81",
            "--spacing-km",
            "1",
            "--levels",
            "25",
            "--level-spacing-m",
            "500",
            "--bottom-m",
            "500",
        ])
        .args(extra)
        .output_locked()
        .unwrap();
    assert_success(&output);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) as usize
}

/// Parses a .glb: checks the header and chunks and that every accessor fits its buffer view; returns the JSON
/// and the points of every line mesh by name.
/// Line meshes: name and points (glTF axes).
type Lines = Vec<(String, Vec<[f32; 3]>)>;

fn parse_glb(path: &Path) -> (Value, Lines) {
    let glb = std::fs::read(path).unwrap();
    assert_eq!(&glb[0..4], b"glTF");
    assert_eq!(u32_at(&glb, 4), 2);
    assert_eq!(u32_at(&glb, 8), glb.len());
    let json_len = u32_at(&glb, 12);
    assert_eq!(&glb[16..20], b"JSON");
    assert_eq!(json_len % 4, 0);
    let doc: Value = serde_json::from_slice(&glb[20..20 + json_len]).unwrap();
    let at = 20 + json_len;
    let bin_len = u32_at(&glb, at);
    assert_eq!(&glb[at + 4..at + 8], b"BIN\0");
    assert_eq!(at + 8 + bin_len, glb.len());
    assert_eq!(
        doc["buffers"][0]["byteLength"].as_u64().unwrap() as usize,
        bin_len
    );
    let bin = &glb[at + 8..];
    let views = doc["bufferViews"].as_array().unwrap();
    let accessors = doc["accessors"].as_array().unwrap();
    for a in accessors {
        let view = &views[a["bufferView"].as_u64().unwrap() as usize];
        let size = match (
            a["type"].as_str().unwrap(),
            a["componentType"].as_u64().unwrap(),
        ) {
            ("VEC3", 5126) => 12,
            ("SCALAR", 5125) => 4,
            other => panic!("unexpected accessor {other:?}"),
        };
        assert_eq!(
            a["count"].as_u64().unwrap() as usize * size,
            view["byteLength"].as_u64().unwrap() as usize
        );
        assert!(
            view["byteOffset"].as_u64().unwrap() as usize
                + view["byteLength"].as_u64().unwrap() as usize
                <= bin_len
        );
    }
    let mut lines = Vec::new();
    for mesh in doc["meshes"].as_array().unwrap() {
        let prim = &mesh["primitives"][0];
        if prim["mode"].as_u64() != Some(3) {
            continue;
        }
        let a = &accessors[prim["attributes"]["POSITION"].as_u64().unwrap() as usize];
        let view = &views[a["bufferView"].as_u64().unwrap() as usize];
        let offset = view["byteOffset"].as_u64().unwrap() as usize;
        let points: Vec<[f32; 3]> = (0..a["count"].as_u64().unwrap() as usize)
            .map(|k| {
                let f = |c: usize| {
                    let i = offset + 12 * k + 4 * c;
                    f32::from_le_bytes(bin[i..i + 4].try_into().unwrap())
                };
                [f(0), f(1), f(2)]
            })
            .collect();
        lines.push((mesh["name"].as_str().unwrap().to_owned(), points));
    }
    (doc, lines)
}

#[test]
fn cells_from_the_volume_sit_on_the_storm() {
    let dir = common::scratch_dir("iso-volume");
    let volume = write_volume(&dir);
    let out = dir.join("storm.glb");
    let summary = run(&volume, &out, &["--cells-from-volume"]);
    assert!(summary.contains("cells"), "{summary}");
    let (doc, lines) = parse_glb(&out);
    // Two surfaces plus the cell lines.
    assert!(doc["meshes"].as_array().unwrap().len() > 2);
    let axis = lines
        .iter()
        .find(|(n, _)| n.ends_with("core axis"))
        .unwrap_or_else(|| {
            panic!(
                "no core axis among {:?}",
                lines.iter().map(|l| &l.0).collect::<Vec<_>>()
            )
        });
    // glTF x = east, z = −north, relative to the grid centre: the axis stands on the storm centre within 2 km,
    // from the lowest level (500 m) up to an echo top of a 58 dBZ cell (well above the freezing level).
    let [x, y0, z] = axis.1[0];
    let top = axis.1[1][1];
    assert!((f64::from(x) - STORM.0).abs() < 2_000.0, "x {x}");
    assert!((f64::from(-z) - STORM.1).abs() < 2_000.0, "y {}", -z);
    assert_eq!(y0, 500.0);
    assert!(top > 6_000.0 && top < 18_000.0, "top {top}");
    let outline = lines.iter().find(|(n, _)| n.ends_with("outline")).unwrap();
    assert!(outline.1.len() >= 4);
    assert!(outline.1.iter().all(|p| p[1] == top));
    // Every outline vertex is within the cell's reach of its centre.
    assert!(
        outline
            .1
            .iter()
            .all(|p| (f64::from(p[0]) - STORM.0).hypot(f64::from(-p[2]) - STORM.1) < 15_000.0)
    );
    // Refuses to overwrite.
    let again = squall()
        .args(["isosurface"])
        .arg(&volume)
        .arg("--out")
        .arg(&out)
        .output_locked()
        .unwrap();
    assert!(!again.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn tracks_and_forecasts_from_cells_json_are_placed_by_lonlat() {
    let dir = common::scratch_dir("iso-json");
    let volume = write_volume(&dir);
    let spec = spec();
    let lonlat = |x: f64, y: f64| spec.projection.inverse(x, y).unwrap();
    // The cells file's own grid is shifted by (100 km, −50 km): only lon/lat tie its cells to this grid.
    let (sx, sy) = (100_000.0, -50_000.0);
    let cell = |x: f64, y: f64, track: u64| {
        let (lon, lat) = lonlat(x, y);
        json!({"track": track, "x_m": x + sx, "y_m": y + sy, "lon": lon, "lat": lat, "echo_top_m": 11000.0,
               "outline": [[x + sx - 3000.0, y + sy - 3000.0], [x + sx + 3000.0, y + sy - 3000.0],
                           [x + sx + 3000.0, y + sy + 3000.0], [x + sx - 3000.0, y + sy - 3000.0]]})
    };
    let (x1, y1) = STORM;
    let doc = json!({"frames": [
        {"cells": [cell(x1 - 8000.0, y1, 4)], "forecasts": []},
        {"cells": [cell(x1, y1, 4)], "forecasts": [{"track": 4, "steps": [
            {"x_m": x1 + sx, "y_m": y1 + sy}, {"x_m": x1 + sx + 8000.0, "y_m": y1 + sy},
            {"x_m": x1 + sx + 16000.0, "y_m": y1 + sy}]}]}
    ], "tracks": [], "events": []});
    let cells = dir.join("cells.json");
    std::fs::write(&cells, doc.to_string()).unwrap();
    let out = dir.join("tracks.glb");
    run(&volume, &out, &["--cells", cells.to_str().unwrap()]);
    let (_, lines) = parse_glb(&out);
    let get = |suffix: &str| {
        lines
            .iter()
            .find(|(n, _)| n == &format!("track 4 {suffix}"))
            .unwrap_or_else(|| panic!("no track 4 {suffix}"))
            .1
            .clone()
    };
    let near = |p: [f32; 3], x: f64, h: f64, y: f64| {
        (f64::from(p[0]) - x).abs() < 1.0
            && (f64::from(p[1]) - h).abs() < 1e-3
            && (f64::from(-p[2]) - y).abs() < 1.0
    };
    let track = get("track");
    assert_eq!(track.len(), 2);
    assert!(near(track[0], x1 - 8000.0, 500.0, y1), "{:?}", track[0]);
    assert!(near(track[1], x1, 500.0, y1), "{:?}", track[1]);
    let forecast = get("forecast");
    assert_eq!(forecast.len(), 3);
    assert!(
        near(forecast[2], x1 + 16_000.0, 500.0, y1),
        "{:?}",
        forecast[2]
    );
    let outline = get("outline");
    assert!(
        near(outline[0], x1 - 3000.0, 11_000.0, y1 - 3000.0),
        "{:?}",
        outline[0]
    );
    assert_eq!(get("core axis").len(), 2);
    // A cells file without lon/lat is refused with a message.
    std::fs::write(&cells, r#"{"frames": [{"cells": [{"x_m": 0, "y_m": 0}]}]}"#).unwrap();
    let bad = squall()
        .arg("isosurface")
        .arg(&volume)
        .arg("--out")
        .arg(dir.join("bad.glb"))
        .args(["--cells", cells.to_str().unwrap(), "--size", "41"])
        .output_locked()
        .unwrap();
    assert_fails_with(&bad, "longitude");
    let _ = std::fs::remove_dir_all(&dir);
}
