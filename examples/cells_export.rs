//! Writes a synthetic convective sequence with its truth for the side-by-side peer scripts
//! (`benches/compare/cells_reference.py`, `cells_speed.py`):
//! `OUT/frames.f32` (little-endian f32, `(t, ny, nx)`, dBZ, row 0 = southern edge) and `OUT/meta.json`
//! (shape, spacing, step, and per frame the truth cells: id, row, col, area ≥ 35 dBZ, parents; the events).
//!
//! `cargo run --release --example cells_export -- OUT SEED SIZE`

use std::io::Write;

use squall::synth::SceneConfig;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, out, seed, size] = args.as_slice() else {
        return Err("usage: cells_export OUT SEED SIZE".into());
    };
    let sequence = SceneConfig::convective(seed.parse()?, size.parse()?)?.generate()?;
    std::fs::create_dir_all(out)?;
    let mut file = std::io::BufWriter::new(std::fs::File::create(format!("{out}/frames.f32"))?);
    for frame in &sequence.frames {
        for v in frame.values.iter() {
            file.write_all(&v.to_le_bytes())?;
        }
    }
    file.flush()?;
    let spec = &sequence.frames[0].spec;
    let meta = serde_json::json!({
        "seed": seed.parse::<u64>()?,
        "shape": [sequence.frames.len(), spec.ny, spec.nx],
        "dx_m": spec.dx,
        "timestep_s": sequence.config().timestep_s,
        "truth": sequence.truth.iter().map(|f| f.cells.iter().map(|c| serde_json::json!({
            "id": c.id.0, "row": c.centroid_row, "col": c.centroid_col,
            "area35_km2": c.area_km2_above_35dbz, "parents": c.parents.iter().map(|p| p.0).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "events": sequence.events,
    });
    std::fs::write(format!("{out}/meta.json"), serde_json::to_string(&meta)?)?;
    Ok(())
}
