//! Cross-sections, isosurfaces and `.glb` export on analytic volumes with known answers.

use std::collections::HashMap;

use squall::geo::{Grid3, GridSpec};
use squall::render::ColourScale;
use squall::view3d::{
    LocalFrame, Polyline, Sampling, Scene3d, cross_section, encode_glb, isosurface,
    render_cross_section,
};

/// A `n × n` grid of 1 km cells centred on the origin with `nz` levels every 1 km from 0 m, filled by `f(x, y, z)`.
fn volume(n: usize, nz: usize, f: impl Fn(f64, f64, f64) -> f64) -> Grid3 {
    let spec = GridSpec::centred_on(35.0, -100.0, n, 1000.0).unwrap();
    let heights: Vec<f64> = (0..nz).map(|k| k as f64 * 1000.0).collect();
    Grid3::from_fn(spec, heights, "DBZH", "dBZ", |x, y, z| f(x, y, z) as f32)
}

/// Tilted Gaussian core: 55 dBZ peak, σ = 6 km, centre moving 0.5 km east per km of height.
fn tilted(x: f64, y: f64, z: f64) -> f64 {
    let xc = 0.5 * z;
    55.0 * (-((x - xc).powi(2) + y.powi(2)) / (2.0 * 6000.0f64.powi(2))).exp()
}

#[test]
fn a_section_reproduces_a_field_that_is_bilinear_exactly() {
    // Linear in x and y on each level: bilinear interpolation is exact anywhere.
    let f = |x: f64, y: f64, z: f64| 10.0 + 0.3e-3 * x - 0.2e-3 * y + 1e-3 * z;
    let grid = volume(41, 5, f);
    let (from, to) = ((-13_300.0, -7_100.0), (17_900.0, 11_300.0));
    let xs = cross_section(&grid, from, to, 250.0, Sampling::Bilinear).unwrap();
    assert_eq!(xs.values.dim(), (5, xs.distance_m.len()));
    let length = (31_200.0f64).hypot(18_400.0);
    assert!((xs.distance_m.last().unwrap() - length).abs() < 1e-6);
    let mut worst = 0.0f64;
    for (s, &(x, y)) in xs.xy.iter().enumerate() {
        for (k, &z) in xs.heights_m.iter().enumerate() {
            worst = worst.max((f64::from(xs.values[[k, s]]) - f(x, y, z)).abs());
        }
    }
    assert!(worst < 1e-4, "worst error {worst}");
}

#[test]
fn a_section_through_a_tilted_core_follows_the_tilt() {
    let grid = volume(61, 13, tilted);
    // West → east along y = 0.4 km (between rows), every 200 m.
    let xs = cross_section(
        &grid,
        (-25_000.0, 400.0),
        (25_000.0, 400.0),
        200.0,
        Sampling::Bilinear,
    )
    .unwrap();
    let mut worst = 0.0f64;
    for (k, &z) in xs.heights_m.iter().enumerate() {
        let row = xs.values.row(k);
        for (s, &(x, y)) in xs.xy.iter().enumerate() {
            worst = worst.max((f64::from(row[s]) - tilted(x, y, z)).abs());
        }
        // The maximum of each level is where the core is (x = 0.5 z), within half a cell and one sample (bilinear
        // interpolation of a concave peak is largest at a cell centre).
        let best = (0..row.len())
            .max_by(|&a, &b| row[a].total_cmp(&row[b]))
            .unwrap();
        assert!(
            (xs.xy[best].0 - 0.5 * z).abs() <= 500.0 + 200.0 + 1e-9,
            "level {z}: max at {}",
            xs.xy[best].0
        );
    }
    // Bilinear error ≤ h²/8 · max|f''| = 1e6/8 · 55/σ² ≈ 0.19 dBZ per axis.
    println!("tilted core: worst bilinear error {worst:.3} dBZ");
    assert!(worst < 0.4, "worst error {worst} dBZ");
    // Outside the grid: NaN.
    let out = cross_section(
        &grid,
        (0.0, 0.0),
        (60_000.0, 0.0),
        1000.0,
        Sampling::Bilinear,
    )
    .unwrap();
    assert!(out.values[[0, 10]].is_finite() && out.values[[0, 40]].is_nan());
}

#[test]
fn nearest_sampling_keeps_classes() {
    // Classes 1..=4 by quadrant, with a missing cell.
    let mut grid = volume(
        20,
        2,
        |x, y, _| if x < 0.0 { 1.0 } else { 2.0 } + if y < 0.0 { 0.0 } else { 2.0 },
    );
    grid.values[[0, 5, 5]] = f32::NAN;
    let xs = cross_section(
        &grid,
        (-9_500.0, -9_500.0),
        (9_500.0, 9_500.0),
        100.0,
        Sampling::Nearest,
    )
    .unwrap();
    let allowed = [1.0, 2.0, 3.0, 4.0];
    for v in xs.values.row(1) {
        assert!(allowed.contains(v), "{v}");
    }
    assert_eq!(xs.values[[1, 0]], 1.0);
    assert_eq!(*xs.values.row(1).last().unwrap(), 4.0);
    assert!(
        xs.values.row(0).iter().any(|v| v.is_nan()),
        "the missing cell is kept missing"
    );
}

#[test]
fn bad_sections_are_refused() {
    let grid = volume(10, 2, tilted);
    assert!(cross_section(&grid, (0.0, 0.0), (0.0, 0.0), 100.0, Sampling::Bilinear).is_err());
    assert!(cross_section(&grid, (0.0, 0.0), (1.0, 0.0), 0.0, Sampling::Bilinear).is_err());
    assert!(cross_section(&grid, (f64::NAN, 0.0), (1.0, 0.0), 1.0, Sampling::Bilinear).is_err());
    let mut bad = grid.clone();
    bad.heights_m.pop();
    assert!(cross_section(&bad, (0.0, 0.0), (1.0, 0.0), 1.0, Sampling::Bilinear).is_err());
    assert!(isosurface(&bad, 30.0).is_err());
    assert!(isosurface(&grid, f32::NAN).is_err());
}

#[test]
fn rendered_section_has_the_core_colour_at_the_core() {
    let grid = volume(61, 13, tilted);
    let xs = cross_section(
        &grid,
        (-25_000.0, 0.0),
        (25_000.0, 0.0),
        500.0,
        Sampling::Bilinear,
    )
    .unwrap();
    let scale = ColourScale::reflectivity();
    let img = render_cross_section(&xs, &scale, 4, 20, 5.0).unwrap();
    let (nz, ns) = xs.values.dim();
    assert_eq!((img.width, img.height), (ns * 4 + 24, nz * 20 + 24));
    // Level 0 (bottom row band), sample at x = 0 (the peak): 55 dBZ colour.
    let s = ns / 2;
    assert_eq!(
        img.pixel(12 + (nz - 1) * 20 + 10, 12 + s * 4 + 2),
        scale.colour(xs.values[[0, s]])
    );
    assert_eq!(scale.colour(xs.values[[0, s]]), scale.colour(55.0));
}

/// Sphere-like field: 60 dBZ at (0, 0, 15 km) falling 1 dBZ per km.
fn sphere(x: f64, y: f64, z: f64) -> f64 {
    60.0 - (x.powi(2) + y.powi(2) + (z - 15_000.0).powi(2)).sqrt() / 1000.0
}

#[test]
fn isosurface_of_a_sphere_has_its_radius_and_is_closed() {
    let grid = volume(41, 31, sphere);
    for level in [46.0f32, 50.0, 55.5] {
        let radius = 60_000.0 - f64::from(level) * 1000.0;
        let mesh = isosurface(&grid, level).unwrap();
        assert!(
            mesh.triangles.len() > 100,
            "{level}: {} triangles",
            mesh.triangles.len()
        );
        let mut worst = 0.0f64;
        for (p, n) in mesh.positions.iter().zip(&mesh.normals) {
            let d = [p[0], p[1], p[2] - 15_000.0];
            let r = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
            worst = worst.max((r - radius).abs());
            // Normals point outwards (towards lower reflectivity).
            assert!(n[0] * d[0] + n[1] * d[1] + n[2] * d[2] > 0.0);
        }
        println!(
            "{level} dBZ: {} vertices, {} triangles, max distance from the sphere {worst:.1} m",
            mesh.positions.len(),
            mesh.triangles.len()
        );
        assert!(
            worst < 500.0,
            "{level} dBZ: vertex off the sphere by {worst} m"
        );
        // Closed: every edge belongs to exactly two triangles, once in each direction (consistent orientation).
        let mut edges: HashMap<(u32, u32), i32> = HashMap::new();
        for t in &mesh.triangles {
            for e in 0..3 {
                let (a, b) = (t[e], t[(e + 1) % 3]);
                *edges.entry((a.min(b), a.max(b))).or_default() += if a < b { 1 } else { 100 };
            }
        }
        assert!(
            edges.values().all(|&c| c == 101),
            "{level} dBZ: open or inconsistently oriented edges"
        );
        // Euler characteristic of a sphere: V − E + F = 2.
        let euler = mesh.positions.len() as i64 - edges.len() as i64 + mesh.triangles.len() as i64;
        assert_eq!(euler, 2, "{level} dBZ");
    }
    assert!(isosurface(&grid, 61.0).unwrap().triangles.is_empty());
}

#[test]
fn a_core_cut_by_the_grid_is_still_closed() {
    // Core centred on the ground at the edge of the grid: the padding closes it.
    let grid = volume(21, 8, |x, y, z| {
        60.0 - ((x - 10_000.0).powi(2) + y.powi(2) + z.powi(2)).sqrt() / 1000.0
    });
    let mesh = isosurface(&grid, 55.0).unwrap();
    let mut edges: HashMap<(u32, u32), u32> = HashMap::new();
    for t in &mesh.triangles {
        for e in 0..3 {
            let (a, b) = (t[e], t[(e + 1) % 3]);
            *edges.entry((a.min(b), a.max(b))).or_default() += 1;
        }
    }
    assert!(!edges.is_empty() && edges.values().all(|&c| c == 2));
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

#[test]
fn glb_parses_back_with_matching_accessors() {
    let grid = volume(41, 31, sphere);
    let frame = LocalFrame::centre_of(&grid);
    let surfaces = [30.0f32, 45.0, 55.0]
        .iter()
        .map(|&l| {
            let c = ColourScale::reflectivity().colour(l);
            (
                format!("{l} dBZ"),
                isosurface(&grid, l).unwrap(),
                [
                    c[0] as f32 / 255.0,
                    c[1] as f32 / 255.0,
                    c[2] as f32 / 255.0,
                    0.4,
                ],
            )
        })
        .collect();
    let lines = vec![Polyline {
        name: "track".into(),
        points: vec![
            [-10_000.0, -5_000.0, 2_000.0],
            [0.0, 0.0, 2_000.0],
            [12_000.0, 3_000.0, 2_000.0],
        ],
        colour: [0.0, 0.0, 0.0, 1.0],
    }];
    let scene = Scene3d {
        frame,
        surfaces,
        lines,
    };
    let glb = encode_glb(&scene).unwrap();
    assert_eq!(&glb[0..4], b"glTF");
    assert_eq!(u32_at(&glb, 4), 2);
    assert_eq!(u32_at(&glb, 8) as usize, glb.len());
    let json_len = u32_at(&glb, 12) as usize;
    assert_eq!(&glb[16..20], b"JSON");
    assert_eq!(json_len % 4, 0);
    let doc: serde_json::Value = serde_json::from_slice(&glb[20..20 + json_len]).unwrap();
    let at = 20 + json_len;
    let bin_len = u32_at(&glb, at) as usize;
    assert_eq!(&glb[at + 4..at + 8], b"BIN\0");
    assert_eq!(at + 8 + bin_len, glb.len());
    let bin = &glb[at + 8..];
    assert_eq!(
        doc["buffers"][0]["byteLength"].as_u64().unwrap() as usize,
        bin_len
    );
    assert_eq!(doc["meshes"].as_array().unwrap().len(), 4);
    assert_eq!(doc["meshes"][3]["primitives"][0]["mode"], 3);
    // Every float VEC3 accessor: min/max equal to the data in the BIN chunk.
    for acc in doc["accessors"].as_array().unwrap() {
        let view = &doc["bufferViews"][acc["bufferView"].as_u64().unwrap() as usize];
        let (off, len) = (
            view["byteOffset"].as_u64().unwrap() as usize,
            view["byteLength"].as_u64().unwrap() as usize,
        );
        let count = acc["count"].as_u64().unwrap() as usize;
        if acc["type"] == "VEC3" {
            assert_eq!(len, count * 12);
            let vals: Vec<f32> = bin[off..off + len]
                .chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            for a in 0..3 {
                let min = vals
                    .iter()
                    .skip(a)
                    .step_by(3)
                    .copied()
                    .fold(f32::INFINITY, f32::min);
                let max = vals
                    .iter()
                    .skip(a)
                    .step_by(3)
                    .copied()
                    .fold(f32::NEG_INFINITY, f32::max);
                assert_eq!(acc["min"][a].as_f64().unwrap() as f32, min);
                assert_eq!(acc["max"][a].as_f64().unwrap() as f32, max);
            }
        } else {
            assert_eq!(len, count * 4);
            let n = count / 3;
            assert!(n > 0);
        }
    }
    // The 45 dBZ sphere (radius 15 km, centre 15 km up): glTF y (up) spans 0–30 km, x ±15 km.
    let pos = &doc["accessors"][doc["meshes"][1]["primitives"][0]["attributes"]["POSITION"]
        .as_u64()
        .unwrap() as usize];
    assert!((pos["max"][1].as_f64().unwrap() - 30_000.0).abs() < 500.0);
    assert!((pos["min"][0].as_f64().unwrap() + 15_000.0).abs() < 500.0);
    // Bad lines are refused.
    let mut bad = scene.clone();
    bad.lines[0].points.truncate(1);
    assert!(encode_glb(&bad).is_err());
}
