//! Corrupt, truncated and hostile CINRAD input gives clear errors, never a panic or a huge allocation; the
//! writer and reader round-trip every gate status.

use crate::common;

use squall::Error;
use squall::io::compression::Compression;
use squall::io::{cinrad, compression};
use squall::volume::{PolarVolume, SweepMode};

fn small_volume() -> PolarVolume {
    common::small_volume(2, SweepMode::Ppi)
}

#[test]
fn writer_and_reader_round_trip_every_status() {
    let v = small_volume();
    let back = cinrad::from_bytes(&cinrad::to_bytes(&v).unwrap(), "mem").unwrap();
    assert_eq!(back.site.id, v.site.id);
    assert_eq!(back.site.name, v.site.name);
    assert_eq!(back.start_time, v.start_time);
    assert_eq!(back.sweeps.len(), 2);
    for (a, b) in v.sweeps.iter().zip(&back.sweeps) {
        assert_eq!(a.gate_spacing_m, b.gate_spacing_m);
        assert_eq!(a.first_gate_m, b.first_gate_m);
        assert_eq!(a.nyquist_mps, b.nyquist_mps);
        for (ta, tb) in a.time_s.iter().zip(&b.time_s) {
            assert!((ta - tb).abs() < 2e-6);
        }
        for (ma, mb) in a.moments.iter().zip(&b.moments) {
            assert_eq!(ma.status, mb.status);
            for (x, y) in ma.values.iter().zip(mb.values.iter()) {
                assert!(
                    (x.is_nan() && y.is_nan()) || (x - y).abs() <= 0.005,
                    "{x} vs {y}"
                );
            }
        }
    }
}

#[test]
fn compressed_files_round_trip() {
    let dir = std::env::temp_dir().join(format!("squall-cinrad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let v = small_volume();
    for (c, name) in [
        (Compression::None, "a.bin"),
        (Compression::Bzip2, "a.bin.bz2"),
        (Compression::Gzip, "a.bin.gz"),
    ] {
        let path = dir.join(name);
        cinrad::write(&v, &path, c).unwrap();
        assert_eq!(compression::detect(&std::fs::read(&path).unwrap()), c);
        let (format, back) = squall::io::open_volume_with_format(&path).unwrap();
        assert_eq!(format, squall::io::Format::CinradStandard);
        assert_eq!(
            back.sweeps[1].moments[0].status,
            v.sweeps[1].moments[0].status
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_truncation_is_a_clear_error() {
    let bytes = cinrad::to_bytes(&small_volume()).unwrap();
    for len in 0..bytes.len() {
        match cinrad::from_bytes(&bytes[..len], "cut.bin") {
            Err(Error::Decode {
                source_name,
                offset,
                ..
            }) => {
                assert_eq!(source_name, "cut.bin");
                assert!(
                    offset <= len as u64,
                    "offset {offset} beyond the {len} bytes"
                );
            }
            // Cutting exactly between radials leaves a shorter but valid file.
            Ok(v) => assert!(
                v.sweeps.iter().map(|s| s.n_rays()).sum::<usize>() < 22,
                "len {len}"
            ),
            Err(e) => panic!("len {len}: unexpected error {e}"),
        }
    }
}

#[test]
fn wrong_magic_and_generic_type() {
    let mut bytes = cinrad::to_bytes(&small_volume()).unwrap();
    bytes[0] = b'X';
    let err = cinrad::from_bytes(&bytes, "bad.bin")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.bin") && err.contains("offset 0") && err.contains("RSTM"),
        "{err}"
    );
    bytes[0] = b'R';
    bytes[8] = 16;
    assert!(matches!(
        cinrad::from_bytes(&bytes, "pa.bin"),
        Err(Error::Unsupported(_))
    ));
    bytes[8] = 7;
    let err = cinrad::from_bytes(&bytes, "t.bin").unwrap_err().to_string();
    assert!(err.contains("generic type 7"), "{err}");
}

/// Offsets in a file written by `small_volume`: 416 bytes of headers, 2 cuts, then radials.
const FIRST_RADIAL: usize = 416 + 2 * 256;

#[test]
fn absurd_counts_and_lengths_are_refused() {
    let good = cinrad::to_bytes(&small_volume()).unwrap();
    let patch = |at: usize, v: i32| {
        let mut b = good.clone();
        b[at..at + 4].copy_from_slice(&v.to_le_bytes());
        cinrad::from_bytes(&b, "p.bin").unwrap_err().to_string()
    };
    assert!(patch(160 + 176, 1_000_000).contains("cut count 1000000"));
    assert!(patch(160 + 176, 0).contains("cut count 0"));
    assert!(patch(FIRST_RADIAL + 16, 9).contains("elevation number 9"));
    assert!(patch(FIRST_RADIAL + 40, 100_000).contains("moment count 100000"));
    // The first moment block claims to run far past the end of the file.
    let err = patch(FIRST_RADIAL + 64 + 16, 2_000_000_000);
    assert!(err.contains("needs 2000000000 bytes"), "{err}");
    assert!(patch(FIRST_RADIAL + 64 + 16, -4).contains("block length -4"));
    let mut b = good.clone();
    b[FIRST_RADIAL + 64 + 12] = 3;
    assert!(
        cinrad::from_bytes(&b, "p.bin")
            .unwrap_err()
            .to_string()
            .contains("bin length 3")
    );
    assert!(patch(FIRST_RADIAL + 64 + 4, 0).contains("scale 0"));
}

#[test]
fn garbage_and_empty_input() {
    for data in [
        &b""[..],
        b"BZh9",
        b"\x1f\x8b\x08\x00",
        b"RSTM",
        &[0u8; 1000][..],
    ] {
        assert!(cinrad::from_bytes(data, "g.bin").is_err());
    }
    let dir = std::env::temp_dir();
    let missing = dir.join("squall-does-not-exist.bin");
    assert!(matches!(
        squall::io::open_volume(&missing),
        Err(Error::Io { .. })
    ));
    let junk = dir.join(format!("squall-junk-{}.bin", std::process::id()));
    std::fs::write(&junk, b"hello radar").unwrap();
    let err = squall::io::open_volume(&junk).unwrap_err();
    std::fs::remove_file(&junk).unwrap();
    assert!(matches!(err, Error::UnknownFormat { .. }), "{err}");
}

#[test]
fn unknown_moments_are_refused_by_the_writer() {
    let mut v = small_volume();
    v.sweeps[0].moments[0].name = "FOO".into();
    assert!(matches!(cinrad::to_bytes(&v), Err(Error::Unsupported(_))));
    let mut v = small_volume();
    v.sweeps[0].moments[0].set_valid(0, 0, 1e6);
    assert!(matches!(cinrad::to_bytes(&v), Err(Error::Parameter { .. })));
}
