//! Writes the deterministic synthetic CINRAD/SA file that the peer comparison reads, and times the writer and
//! the reader on it.
//!
//! ```sh
//! cargo run --release --example cinrad_legacy_synthetic -- /tmp/squall_legacy_synthetic_SA.bin [seed]
//! ```
//! (`benches/compare/cinrad_legacy_reference.py` reads the file with PyCINRAD and pycwr.)

use std::time::Instant;

use squall::io::cinrad_legacy::{self, LegacyVariant};
use squall::io::compression::Compression;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "/tmp/squall_legacy_synthetic_SA.bin".to_owned());
    let seed: u64 = args.next().map_or(Ok(42), |s| s.parse())?;

    let t = Instant::now();
    let volume = cinrad_legacy::reference_volume(seed)?;
    let synth_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let bytes = cinrad_legacy::to_bytes(&volume, LegacyVariant::SaSb)?;
    let encode_s = t.elapsed().as_secs_f64();
    cinrad_legacy::write(&volume, &path, LegacyVariant::SaSb, Compression::None)?;

    let runs = 10;
    let t = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(cinrad_legacy::decode(&bytes, &path)?);
    }
    let decode_s = t.elapsed().as_secs_f64() / f64::from(runs);

    let mut crc = flate2::Crc::new();
    crc.update(&bytes);
    println!(
        "{path}: {} bytes, {} records, crc32 {:08x}, seed {seed}",
        bytes.len(),
        bytes.len() / LegacyVariant::SaSb.record_len(),
        crc.sum()
    );
    println!(
        "synthetic volume {synth_s:.2} s, encode {:.1} ms, decode {:.1} ms (mean of {runs})",
        encode_s * 1e3,
        decode_s * 1e3
    );
    Ok(())
}
