//! Binary glTF 2.0 (Khronos, <https://registry.khronos.org/glTF/specs/2.0/glTF-2.0.html>): a 12-byte header
//! (`glTF`, version 2, total length), a JSON chunk describing the scene and a BIN chunk with the vertex data.
//! Written directly with `serde_json`: the subset needed (buffer views, accessors, materials, meshes, nodes) is
//! small and a full glTF crate would add far more than it saves.
//!
//! Coordinates are metres in a local frame: glTF's `+X` = east, `+Y` = up, `+Z` = south (glTF is right-handed and
//! `+Y` up, so east-north-up `(e, n, u)` becomes `(e, u, −n)`).

use std::path::Path;

use serde_json::{Value, json};

use super::isosurface::TriangleMesh;
use crate::error::{Error, Result};
use crate::geo::Grid3;

/// Origin of the local frame: projection coordinates and height above mean sea level, metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    /// Projection x of the origin.
    pub x0: f64,
    /// Projection y of the origin.
    pub y0: f64,
    /// Height of the origin above mean sea level, m.
    pub z0: f64,
}

impl LocalFrame {
    /// The frame centred on a grid's horizontal centre, at mean sea level.
    pub fn centre_of(grid: &Grid3) -> LocalFrame {
        let [x_min, y_min, x_max, y_max] = grid.spec.extent();
        LocalFrame {
            x0: (x_min + x_max) / 2.0,
            y0: (y_min + y_max) / 2.0,
            z0: 0.0,
        }
    }

    /// glTF coordinates `[east, up, −north]` of projection `(x, y)` at height `z`.
    pub fn to_gltf(&self, [x, y, z]: [f64; 3]) -> [f32; 3] {
        [
            (x - self.x0) as f32,
            (z - self.z0) as f32,
            -(y - self.y0) as f32,
        ]
    }

    /// A direction (e.g. a normal) in glTF axes.
    fn direction(&self, [x, y, z]: [f64; 3]) -> [f32; 3] {
        [x as f32, z as f32, -y as f32]
    }
}

/// A coloured polyline: a cell's outline or track, a forecast track.
#[derive(Debug, Clone, PartialEq)]
pub struct Polyline {
    /// Name shown by viewers.
    pub name: String,
    /// Points `[x, y, z]`: projection coordinates and height above mean sea level, metres, `(n ≥ 2,)`.
    pub points: Vec<[f64; 3]>,
    /// Linear RGBA colour in \[0, 1\].
    pub colour: [f32; 4],
}

/// What goes into a `.glb`: surfaces (name, mesh, RGBA colour) and lines, in one local frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Scene3d {
    /// The frame the coordinates are given relative to.
    pub frame: LocalFrame,
    /// Surfaces: name (e.g. `"45 dBZ"`), mesh, linear RGBA colour in \[0, 1\] (alpha < 1 is blended).
    pub surfaces: Vec<(String, TriangleMesh, [f32; 4])>,
    /// Lines, drawn as `LINE_STRIP` primitives.
    pub lines: Vec<Polyline>,
}

/// Accumulates the BIN chunk and the JSON arrays that point into it.
#[derive(Default)]
struct Builder {
    bin: Vec<u8>,
    views: Vec<Value>,
    accessors: Vec<Value>,
    materials: Vec<Value>,
    meshes: Vec<Value>,
    nodes: Vec<Value>,
}

/// `ARRAY_BUFFER` and `ELEMENT_ARRAY_BUFFER` buffer-view targets; `FLOAT` and `UNSIGNED_INT` component types.
const ARRAY_BUFFER: u32 = 34962;
const ELEMENT_ARRAY_BUFFER: u32 = 34963;
const FLOAT: u32 = 5126;
const UNSIGNED_INT: u32 = 5125;
/// Primitive modes.
const LINE_STRIP: u32 = 3;
const TRIANGLES: u32 = 4;

impl Builder {
    /// Appends bytes as a new buffer view (4-byte aligned) and returns its index.
    fn view(&mut self, bytes: &[u8], target: u32) -> usize {
        while self.bin.len() % 4 != 0 {
            self.bin.push(0);
        }
        self.views.push(json!({
            "buffer": 0, "byteOffset": self.bin.len(), "byteLength": bytes.len(), "target": target
        }));
        self.bin.extend_from_slice(bytes);
        self.views.len() - 1
    }

    /// A VEC3 float accessor with min/max; returns its index.
    fn vec3(&mut self, data: &[[f32; 3]]) -> usize {
        let bytes: Vec<u8> = data
            .iter()
            .flatten()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let view = self.view(&bytes, ARRAY_BUFFER);
        let mut min = [f32::INFINITY; 3];
        let mut max = [f32::NEG_INFINITY; 3];
        for p in data {
            for a in 0..3 {
                min[a] = min[a].min(p[a]);
                max[a] = max[a].max(p[a]);
            }
        }
        self.accessors.push(json!({
            "bufferView": view, "componentType": FLOAT, "count": data.len(), "type": "VEC3",
            "min": min, "max": max
        }));
        self.accessors.len() - 1
    }

    /// A SCALAR unsigned-int index accessor; returns its index.
    fn indices(&mut self, data: &[u32], n_vertices: usize) -> usize {
        let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = self.view(&bytes, ELEMENT_ARRAY_BUFFER);
        self.accessors.push(json!({
            "bufferView": view, "componentType": UNSIGNED_INT, "count": data.len(), "type": "SCALAR",
            "min": [data.iter().min().copied().unwrap_or(0)],
            "max": [data.iter().max().copied().unwrap_or(n_vertices.saturating_sub(1) as u32)]
        }));
        self.accessors.len() - 1
    }

    fn material(&mut self, name: &str, colour: [f32; 4]) -> usize {
        let blend = if colour[3] < 1.0 { "BLEND" } else { "OPAQUE" };
        self.materials.push(json!({
            "name": name,
            "pbrMetallicRoughness": {"baseColorFactor": colour, "metallicFactor": 0.0, "roughnessFactor": 1.0},
            "alphaMode": blend,
            "doubleSided": true
        }));
        self.materials.len() - 1
    }

    fn mesh(&mut self, name: &str, primitive: Value) {
        self.meshes
            .push(json!({"name": name, "primitives": [primitive]}));
        self.nodes
            .push(json!({"name": name, "mesh": self.meshes.len() - 1}));
    }
}

/// Encodes a scene as binary glTF 2.0. Empty surfaces are left out (glTF accessors cannot be empty).
///
/// # Errors
/// [`Error::Parameter`] for a line with fewer than two points, non-finite coordinates or colours outside
/// \[0, 1\], or more than 2³² − 1 vertices in one surface.
pub fn encode_glb(scene: &Scene3d) -> Result<Vec<u8>> {
    let mut b = Builder::default();
    let frame = scene.frame;
    let colour_ok = |c: &[f32; 4]| c.iter().all(|v| (0.0..=1.0).contains(v));
    for (name, mesh, colour) in &scene.surfaces {
        if mesh.triangles.is_empty() {
            continue;
        }
        if !colour_ok(colour) || mesh.positions.len() >= u32::MAX as usize {
            return Err(Error::parameter(
                "surface",
                name,
                "colour outside [0, 1] or too many vertices",
            ));
        }
        let positions: Vec<[f32; 3]> = mesh.positions.iter().map(|&p| frame.to_gltf(p)).collect();
        if positions.iter().flatten().any(|v| !v.is_finite()) {
            return Err(Error::parameter("surface", name, "non-finite vertex"));
        }
        let normals: Vec<[f32; 3]> = mesh.normals.iter().map(|&n| frame.direction(n)).collect();
        let indices: Vec<u32> = mesh.triangles.iter().flatten().copied().collect();
        let position = b.vec3(&positions);
        let normal = b.vec3(&normals);
        let index = b.indices(&indices, positions.len());
        let material = b.material(name, *colour);
        b.mesh(
            name,
            json!({"attributes": {"POSITION": position, "NORMAL": normal}, "indices": index,
                   "material": material, "mode": TRIANGLES}),
        );
    }
    for line in &scene.lines {
        let points: Vec<[f32; 3]> = line.points.iter().map(|&p| frame.to_gltf(p)).collect();
        if points.len() < 2
            || points.iter().flatten().any(|v| !v.is_finite())
            || !colour_ok(&line.colour)
        {
            return Err(Error::parameter(
                "line",
                &line.name,
                "needs at least two finite points and a colour in [0, 1]",
            ));
        }
        let position = b.vec3(&points);
        let material = b.material(&line.name, line.colour);
        b.mesh(
            &line.name,
            json!({"attributes": {"POSITION": position}, "material": material, "mode": LINE_STRIP}),
        );
    }
    while b.bin.len() % 4 != 0 {
        b.bin.push(0);
    }
    let mut root = json!({
        "asset": {"version": "2.0", "generator": concat!("squall ", env!("CARGO_PKG_VERSION"))},
        "scene": 0,
        "scenes": [{"nodes": (0..b.nodes.len()).collect::<Vec<_>>()}],
        "nodes": b.nodes,
    });
    if !b.meshes.is_empty() {
        root["meshes"] = Value::from(b.meshes);
        root["materials"] = Value::from(b.materials);
        root["accessors"] = Value::from(b.accessors);
        root["bufferViews"] = Value::from(b.views);
        root["buffers"] = json!([{"byteLength": b.bin.len()}]);
    }
    let mut text = root.to_string().into_bytes();
    while text.len() % 4 != 0 {
        text.push(b' ');
    }
    let has_bin = !b.bin.is_empty();
    let total = 12 + 8 + text.len() + if has_bin { 8 + b.bin.len() } else { 0 };
    let total = u32::try_from(total)
        .map_err(|_| Error::parameter("scene", total, "larger than the 4 GiB a .glb can hold"))?;
    let mut out = Vec::with_capacity(total as usize);
    out.extend_from_slice(b"glTF");
    out.extend_from_slice(&2u32.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(b"JSON");
    out.extend_from_slice(&text);
    if has_bin {
        out.extend_from_slice(&(b.bin.len() as u32).to_le_bytes());
        out.extend_from_slice(b"BIN\0");
        out.extend_from_slice(&b.bin);
    }
    Ok(out)
}

/// Writes a scene as a `.glb` file.
///
/// # Errors
/// As [`encode_glb`]; [`Error::Io`] if the file cannot be written.
pub fn write_glb(scene: &Scene3d, path: impl AsRef<Path>) -> Result<()> {
    let path = path.as_ref();
    let bytes = encode_glb(scene)?;
    std::fs::write(path, bytes).map_err(|e| Error::io(path, e))
}
