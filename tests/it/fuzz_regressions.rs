//! Inputs found by the fuzz targets of `fuzz/` (`testdata/fuzz/`): the CINRAD reader and the decompressor give a
//! result or an error for each, never a panic, and a volume that decodes re-encodes to the same gate statuses.
//!
//! `cargo test --release --test fuzz_regressions -- --ignored` also writes the seed corpora of the fuzz targets to
//! `fuzz/corpus/` (see `fuzz/README.md`).

use crate::common;

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use squall::io::{cinrad, compression};
use squall::volume::SweepMode;

/// What a function must give for a stored input.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    /// A result.
    Ok,
    /// An error whose message contains this.
    Err(&'static str),
    /// Anything but a panic.
    Any,
}

/// The expected outcomes of every stored input: (file, `cinrad::from_bytes`, `compression::decompress`).
const EXPECTED: &[(&str, Outcome, Outcome)] = &[
    // Found by fuzzing (both crashed before the fix in `src/io/cinrad/decode.rs`). 292 bytes of bzip2 → 2 MB
    // declaring 2¹⁴ rays × 64 moments × 2⁴⁴ gates (Doppler gates 2²⁴ times the reflectivity spacing): the gate
    // count wrapped to 0 past the limit check and the reader aborted on a 1 EiB allocation.
    (
        "cinrad-gate-count-overflow.bin.bz2",
        Outcome::Err("limit exceeded: fuzz: decoded gates needs 18446744073709551615"),
        Outcome::Ok,
    ),
    // A radial timed 3.56·10⁹ s before the scan start: the i32 difference overflowed (a wrong time in release).
    ("cinrad-radial-time-overflow.bin", Outcome::Ok, Outcome::Ok),
    // From the corpus: an RHI with 572 km reflectivity and 17 752 km Doppler gate spacings; a Doppler
    // spacing field of −39 016 m (replaced by the reflectivity spacing). Both decode and round-trip.
    (
        "cinrad-rhi-mixed-huge-resolutions.bin",
        Outcome::Ok,
        Outcome::Ok,
    ),
    (
        "cinrad-negative-doppler-resolution.bin",
        Outcome::Ok,
        Outcome::Ok,
    ),
    // From the corpus: a 36-byte bzip2 stream; an archive whose directory lists no file.
    (
        "decompress-bzip2-tiny-stream.bz2",
        Outcome::Err("magic number"),
        Outcome::Ok,
    ),
    (
        "decompress-zip-without-files.zip",
        Outcome::Err("the archive contains no file"),
        Outcome::Err("the archive contains no file"),
    ),
    // Three bzip2 blocks, one bit of the second block's data flipped: the parallel decoder gives up and the
    // sequential one reports the damage.
    (
        "decompress-bzip2-three-blocks-damaged.bz2",
        Outcome::Err("invalid bzip2 data"),
        Outcome::Err("invalid bzip2 data"),
    ),
];

/// Panics unless `result` matches `expected`.
fn check<T>(name: &str, what: &str, expected: Outcome, result: Result<T, squall::Error>) {
    match (expected, result) {
        (Outcome::Ok, Err(error)) => panic!("{name}: {what}: {error}"),
        (Outcome::Err(fragment), Ok(_)) => panic!("{name}: {what} succeeded, expected {fragment}"),
        (Outcome::Err(fragment), Err(error)) => {
            assert!(
                error.to_string().contains(fragment),
                "{name}: {what}: {error}"
            );
        }
        _ => {}
    }
}

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata/fuzz")
}

/// Every file of `testdata/fuzz/`, sorted by name.
fn regression_inputs() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(fuzz_dir())
        .expect("testdata/fuzz exists")
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// The property checked by `fuzz/fuzz_targets/cinrad.rs`: the input decodes or gives an error, and a volume that
/// decodes and re-encodes decodes again with the same gate statuses. Returns the decoding error, if any.
fn cinrad_round_trip(data: &[u8]) -> Result<(), squall::Error> {
    let volume = cinrad::from_bytes(data, "fuzz")?;
    if let Ok(bytes) = cinrad::to_bytes(&volume) {
        let again =
            cinrad::from_bytes(&bytes, "fuzz re-encoded").expect("re-encoded volume decodes");
        assert_eq!(again.sweeps.len(), volume.sweeps.len());
        for (a, b) in volume.sweeps.iter().zip(&again.sweeps) {
            assert_eq!(a.moments.len(), b.moments.len());
            for (ma, mb) in a.moments.iter().zip(&b.moments) {
                assert_eq!(ma.name, mb.name);
                assert_eq!(ma.status, mb.status, "statuses of {}", ma.name);
            }
        }
    }
    Ok(())
}

#[test]
fn stored_fuzz_inputs_never_panic() {
    let inputs = regression_inputs();
    assert!(!inputs.is_empty(), "no files in testdata/fuzz");
    for (name, data) in &inputs {
        let decoded = catch_unwind(AssertUnwindSafe(|| cinrad_round_trip(data)))
            .unwrap_or_else(|_| panic!("{name}: the CINRAD reader panicked"));
        let decompressed =
            catch_unwind(|| compression::decompress(data, name).map(|out| out.len()))
                .unwrap_or_else(|_| panic!("{name}: decompress panicked"));
        let (cinrad_expected, decompress_expected) = EXPECTED
            .iter()
            .find(|(n, ..)| n == name)
            .map_or((Outcome::Any, Outcome::Any), |&(_, c, d)| (c, d));
        check(name, "cinrad::from_bytes", cinrad_expected, decoded);
        check(name, "decompress", decompress_expected, decompressed);
    }
}

#[test]
fn radial_times_far_from_the_scan_start_do_not_wrap() {
    let data = std::fs::read(fuzz_dir().join("cinrad-radial-time-overflow.bin")).unwrap();
    let volume = cinrad::from_bytes(&data, "fuzz").unwrap();
    // Radial at −1 780 299 264 s − 0.200001 s, scan start 1 780 300 800 s.
    let time_s = volume.sweeps[0].time_s[0];
    assert!((time_s - (-3_560_600_064.200_001)).abs() < 1e-5, "{time_s}");
}

fn bz2(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::new(level));
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A zip archive holding `data` stored (method 0) under `name` (APPNOTE 4.3.7, 4.3.12, 4.3.16).
fn stored_zip(name: &str, data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    let (crc, size, name_len) = (crc.sum(), data.len() as u32, name.len() as u16);
    let mut out = Vec::new();
    out.extend_from_slice(&0x0403_4b50_u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for v in [crc, size, size] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    let directory = out.len() as u32;
    out.extend_from_slice(&0x0201_4b50_u32.to_le_bytes());
    out.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    for v in [crc, size, size] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    let directory_len = out.len() as u32 - directory;
    out.extend_from_slice(&0x0605_4b50_u32.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&directory_len.to_le_bytes());
    out.extend_from_slice(&directory.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

fn write_seed(dir: &Path, name: &str, data: &[u8]) {
    assert!(data.len() <= 70_000, "seed {name} has {} bytes", data.len());
    std::fs::write(dir.join(name), data).unwrap();
}

#[test]
#[ignore = "writes the seed corpora of the fuzz targets to fuzz/corpus/; run by hand"]
fn write_fuzz_seed_corpora() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let (cinrad_dir, decompress_dir) = (root.join("cinrad"), root.join("decompress"));
    for dir in [&cinrad_dir, &decompress_dir] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut plain = Vec::new();
    for (name, volume) in [
        ("ppi2", common::small_volume(2, SweepMode::Ppi)),
        ("ppi1", common::small_volume(1, SweepMode::Ppi)),
        ("rhi1", common::small_volume(1, SweepMode::Rhi)),
    ] {
        let bytes = cinrad::to_bytes(&volume).unwrap();
        write_seed(&cinrad_dir, &format!("{name}.bin"), &bytes);
        write_seed(&cinrad_dir, &format!("{name}.bin.bz2"), &bz2(&bytes, 9));
        write_seed(&cinrad_dir, &format!("{name}.bin.gz"), &gz(&bytes));
        plain.push((name, bytes));
    }
    let (name, bytes) = &plain[0];
    write_seed(
        &cinrad_dir,
        &format!("{name}.zip"),
        &stored_zip("a.bin", bytes),
    );
    for (name, bytes) in &plain[..1] {
        write_seed(&decompress_dir, &format!("{name}.bin.bz2"), &bz2(bytes, 1));
        write_seed(&decompress_dir, &format!("{name}.bin.gz"), &gz(bytes));
        write_seed(
            &decompress_dir,
            &format!("{name}.zip"),
            &stored_zip("a.bin", bytes),
        );
    }
    // The start of a real X-band volume (header, cuts and the first radials), plain and compressed; its first
    // 250 kB at level 1 make a three-block bzip2 stream for the parallel decoder.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/radar/Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2");
    let Ok(compressed) = std::fs::read(&path) else {
        eprintln!("SKIP the real-file seeds: {} not found", path.display());
        return;
    };
    let real = compression::decompress(&compressed, "real")
        .unwrap()
        .into_owned();
    let head = &real[..65_536];
    write_seed(&cinrad_dir, "zg170_head.bin", head);
    write_seed(&cinrad_dir, "zg170_head.bin.bz2", &bz2(head, 9));
    write_seed(&decompress_dir, "zg170_head.bin.bz2", &bz2(head, 9));
    write_seed(&decompress_dir, "zg170_head.bin.gz", &gz(head));
    write_seed(
        &decompress_dir,
        "zg170_250k.bin.bz2",
        &bz2(&real[..250_000], 1),
    );
}
