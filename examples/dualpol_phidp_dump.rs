//! Writes Squall's ΦDP processing of sweep 0 of a radar file as raw little-endian f32 arrays `(rays, gates)`, to
//! set beside the peers' ΦDP (`testdata/reference/dualpol_*_wradlib_phidp.i16.gz`, same layout): `<prefix>_mask.f32` (echo mask, 1/0), `<prefix>_phidp.f32`
//! (unfolded, offset-free, smoothed ΦDP at the weather gates, NaN elsewhere), `<prefix>_filled.f32` (the path phase
//! the attenuation correction uses), and prints the shape, gate spacing and system offset as JSON.
//!
//! ```sh
//! cargo run --release --example dualpol_phidp_dump -- FILE PREFIX [RHOHV_NAME] [PHIDP_NAME]
//! ```

use std::io::Write;

use ndarray::Array2;
use squall::dualpol::Config;
use squall::dualpol::filter::{self, FilterInputs};
use squall::dualpol::phidp;

fn write(path: String, values: &Array2<f32>) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for v in values.iter() {
        f.write_all(&v.to_le_bytes())?;
    }
    f.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: dualpol_phidp_dump FILE PREFIX [RHOHV_NAME] [PHIDP_NAME]";
    let path = args.next().ok_or(usage)?;
    let prefix = args.next().ok_or(usage)?;
    let config = Config::default();
    let rhohv_name = args.next().unwrap_or(config.names.rhohv.clone());
    let phidp_name = args.next().unwrap_or(config.names.phidp.clone());
    let volume = squall::io::open_volume(&path)?;
    let sweep = &volume.sweeps[0];
    let get = |name: &str| sweep.moment(name).ok_or(format!("no moment {name}"));
    let dbzh = get(&config.names.dbzh)?;
    let rhohv = get(&rhohv_name)?;
    let phidp_in = get(&phidp_name)?;
    let mask = filter::echo_mask(
        &FilterInputs {
            dbzh: dbzh.values.view(),
            rhohv: Some(rhohv.values.view()),
            snr_db: sweep.moment(&config.names.snr).map(|m| m.values.view()),
            phidp_deg: Some(phidp_in.values.view()),
        },
        &config.filter,
        true,
    )?;
    let processed = phidp::process_phidp(
        phidp_in.values.view(),
        mask.view(),
        Some(rhohv.values.view()),
        &config.phidp,
    )?;
    write(
        format!("{prefix}_mask.f32"),
        &mask.mapv(|m| f32::from(u8::from(m))),
    )?;
    write(format!("{prefix}_phidp.f32"), &processed.phidp_deg)?;
    write(format!("{prefix}_filled.f32"), &processed.filled_deg)?;
    let (rays, gates) = mask.dim();
    println!(
        "{{\"rays\": {rays}, \"gates\": {gates}, \"gate_spacing_m\": {}, \"system_offset_deg\": {:?}}}",
        sweep.gate_spacing_m, processed.system_offset_deg
    );
    Ok(())
}
