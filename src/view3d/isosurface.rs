//! Isosurfaces by marching tetrahedra (Doi & Koide 1991, "An efficient method of triangulating equi-valued
//! surfaces by using tetrahedral cells", IEICE Trans. E74(1)), the ambiguity-free variant of marching cubes
//! (Lorensen & Cline 1987, SIGGRAPH 21(4)): every grid cube is split into the six tetrahedra of Freudenthal's
//! (Kuhn's) triangulation — the monotone paths from one corner to the opposite one — whose faces match between
//! neighbouring cubes, and each tetrahedron crossing the level contributes one or two triangles with vertices
//! linearly interpolated along its edges. Vertices are shared through the grid edge they lie on, so the mesh is
//! welded; the volume is padded with one layer of "no echo" so that surfaces touching the grid edges or the
//! lowest level are closed too.

use std::collections::HashMap;

use crate::error::{Error, Result};
use crate::geo::Grid3;

/// Value given to missing cells and to the padding layer around the grid (below any level of interest).
const OUTSIDE: f32 = -1000.0;
/// Nudge of values equal to the level, in the field's units.
const TIE: f32 = 1e-3;

/// A triangle mesh in projection coordinates (x, y) and height above mean sea level (z), metres.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriangleMesh {
    /// Vertex positions `[x, y, z]`, `(nv,)`.
    pub positions: Vec<[f64; 3]>,
    /// Unit vertex normals pointing towards lower values (out of the storm core), `(nv,)`.
    pub normals: Vec<[f64; 3]>,
    /// Triangles as vertex indices, counter-clockwise seen from the side the normals point to, `(nt,)`.
    pub triangles: Vec<[u32; 3]>,
}

/// The surface where `grid` equals `level` (e.g. 45 dBZ), enclosing the cells with values ≥ `level`.
///
/// Missing cells (`NaN`) count as below every level. Returns an empty mesh when nothing reaches the level.
///
/// # Errors
/// [`Error::Parameter`] for a non-finite level or heights that are not strictly increasing; [`Error::Shape`]
/// if the grid's values do not match its spec and heights.
pub fn isosurface(grid: &Grid3, level: f32) -> Result<TriangleMesh> {
    grid.check_shape()?;
    let (nz, ny, nx) = grid.values.dim();
    if !level.is_finite() || level <= OUTSIDE {
        return Err(Error::parameter(
            "level",
            level,
            "must be finite and above -1000",
        ));
    }
    if grid.heights_m.windows(2).any(|w| w[1] <= w[0])
        || grid.heights_m.iter().any(|h| !h.is_finite())
    {
        return Err(Error::parameter(
            "heights_m",
            format!("{:?}", grid.heights_m),
            "must be finite and strictly increasing",
        ));
    }
    // Padded index p ∈ [0, n + 1] ↔ grid index p − 1; pads are OUTSIDE and placed one spacing beyond.
    let value = |k: usize, j: usize, i: usize| -> f32 {
        if k == 0 || j == 0 || i == 0 || k > nz || j > ny || i > nx {
            return OUTSIDE;
        }
        match grid.values[[k - 1, j - 1, i - 1]] {
            v if v.is_nan() => OUTSIDE,
            // A value exactly at the level (common with quantised data) would put several vertices on the same
            // node and make zero-area triangles; nudge it inside by a negligible amount.
            v if v == level => level + TIE,
            v => v,
        }
    };
    let heights = &grid.heights_m;
    let dz_low = if nz > 1 {
        heights[1] - heights[0]
    } else {
        grid.spec.dx.abs()
    };
    let dz_high = if nz > 1 {
        heights[nz - 1] - heights[nz - 2]
    } else {
        grid.spec.dx.abs()
    };
    let z_of = |k: usize| -> f64 {
        match k {
            0 => heights[0] - dz_low,
            k if k > nz => heights[nz - 1] + dz_high,
            k => heights[k - 1],
        }
    };
    let position = |k: usize, j: usize, i: usize| -> [f64; 3] {
        let (x, y) = grid.spec.xy(0, 0);
        [
            x + (i as f64 - 1.0) * grid.spec.dx,
            y + (j as f64 - 1.0) * grid.spec.dy,
            z_of(k),
        ]
    };
    let (pz, py, px) = (nz + 2, ny + 2, nx + 2);
    let node = |k: usize, j: usize, i: usize| -> usize { (k * py + j) * px + i };

    let mut mesh = TriangleMesh::default();
    let mut on_edge: HashMap<(usize, usize), u32> = HashMap::new();
    // Freudenthal's six tetrahedra: for each order of the axes (z, y, x), step along them one after the other.
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    for k in 0..pz - 1 {
        for j in 0..py - 1 {
            for i in 0..px - 1 {
                let corner = [k, j, i];
                let cube: Vec<f32> = (0..8)
                    .map(|b| value(k + (b >> 2 & 1), j + (b >> 1 & 1), i + (b & 1)))
                    .collect();
                let above = cube.iter().filter(|&&v| v >= level).count();
                if above == 0 || above == 8 {
                    continue;
                }
                for order in ORDERS {
                    let mut tet = [corner; 4];
                    for (step, &axis) in order.iter().enumerate() {
                        tet[step + 1] = tet[step];
                        tet[step + 1][axis] += 1;
                    }
                    let vals = tet.map(|[a, b, c]| value(a, b, c));
                    let inside: Vec<usize> = (0..4).filter(|&t| vals[t] >= level).collect();
                    let outside: Vec<usize> = (0..4).filter(|&t| vals[t] < level).collect();
                    let mut vertex = |a: usize, b: usize| -> u32 {
                        let (ta, tb) = (tet[a], tet[b]);
                        let (na, nb) = (node(ta[0], ta[1], ta[2]), node(tb[0], tb[1], tb[2]));
                        let key = (na.min(nb), na.max(nb));
                        *on_edge.entry(key).or_insert_with(|| {
                            let (pa, pb) =
                                (position(ta[0], ta[1], ta[2]), position(tb[0], tb[1], tb[2]));
                            let t = f64::from(level - vals[a]) / f64::from(vals[b] - vals[a]);
                            mesh.positions.push([
                                pa[0] + t * (pb[0] - pa[0]),
                                pa[1] + t * (pb[1] - pa[1]),
                                pa[2] + t * (pb[2] - pa[2]),
                            ]);
                            (mesh.positions.len() - 1) as u32
                        })
                    };
                    let triangles: Vec<[u32; 3]> = match (inside.len(), outside.len()) {
                        (1, 3) => {
                            let a = inside[0];
                            vec![[
                                vertex(a, outside[0]),
                                vertex(a, outside[1]),
                                vertex(a, outside[2]),
                            ]]
                        }
                        (3, 1) => {
                            let b = outside[0];
                            vec![[
                                vertex(inside[0], b),
                                vertex(inside[1], b),
                                vertex(inside[2], b),
                            ]]
                        }
                        (2, 2) => {
                            let (a0, a1, b0, b1) = (inside[0], inside[1], outside[0], outside[1]);
                            // The quad a0b0 – a0b1 – a1b1 – a1b0, split along a0b0–a1b1.
                            let q = [
                                vertex(a0, b0),
                                vertex(a0, b1),
                                vertex(a1, b1),
                                vertex(a1, b0),
                            ];
                            vec![[q[0], q[1], q[2]], [q[0], q[2], q[3]]]
                        }
                        _ => Vec::new(),
                    };
                    // Orient each triangle so that its normal points away from the inside corners.
                    let centre_in = mean(
                        inside
                            .iter()
                            .map(|&t| position(tet[t][0], tet[t][1], tet[t][2])),
                    );
                    for mut tri in triangles {
                        let p = tri.map(|v| mesh.positions[v as usize]);
                        let n = cross(sub(p[1], p[0]), sub(p[2], p[0]));
                        let c = mean(p.into_iter());
                        if dot(n, sub(centre_in, c)) > 0.0 {
                            tri.swap(1, 2);
                        }
                        mesh.triangles.push(tri);
                    }
                }
            }
        }
    }
    // Area-weighted vertex normals.
    let mut normals = vec![[0.0; 3]; mesh.positions.len()];
    for tri in &mesh.triangles {
        let p = tri.map(|v| mesh.positions[v as usize]);
        let n = cross(sub(p[1], p[0]), sub(p[2], p[0]));
        for &v in tri {
            let acc: &mut [f64; 3] = &mut normals[v as usize];
            for a in 0..3 {
                acc[a] += n[a];
            }
        }
    }
    mesh.normals = normals
        .into_iter()
        .map(|n| {
            let len = dot(n, n).sqrt();
            if len > 0.0 {
                [n[0] / len, n[1] / len, n[2] / len]
            } else {
                [0.0, 0.0, 1.0]
            }
        })
        .collect();
    Ok(mesh)
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn mean(points: impl Iterator<Item = [f64; 3]>) -> [f64; 3] {
    let (mut s, mut n) = ([0.0; 3], 0.0);
    for p in points {
        for a in 0..3 {
            s[a] += p[a];
        }
        n += 1.0;
    }
    [s[0] / n, s[1] / n, s[2] / n]
}
