//! The NEXRAD Level II reader against Py-ART and xradar on the real KLBB volume (numbers recorded in
//! `testdata/reference/nexrad_klbb_*.json` by `benches/compare/nexrad_reference.py`), against the same volume
//! re-encoded to the CINRAD standard format, and on the volume rewritten as an uncompressed (legacy) file.
//!
//! Comparable quantities only: Py-ART pads every sweep to the volume-wide maximum of 1832 gates, so the fixtures
//! record the gates really present in each sweep (the longest data block of any moment); xradar does not mask raw
//! codes 0 and 1, so its fixture masks them as Py-ART and Squall do.

use crate::common;
use common::peer_summary::{assert_moments, assert_sweep_size};

use squall::io::compression;
use squall::io::summary::VolumeSummary;
use squall::{Band, GateStatus, PolarVolume};

const NEXRAD: &str = "KLBB20160601_150025_V06";
const DERIVED_CINRAD: &str = "Z_RADR_I_KLBB0_20160601150025_O_DOR_SAD_CAP_FMT_fromNEXRAD.bin.bz2";

#[track_caller]
fn close(got: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (got - expected).abs() <= tolerance,
        "{what}: squall {got}, expected {expected}"
    );
}

/// Compares Squall's reading of the KLBB volume with a peer fixture: geometry and valid counts exactly, angles
/// and statistics to 1e-3 or better.
fn check_against_peer(fixture: &str) {
    let Some(path) = common::shared_radar_file(NEXRAD) else {
        return;
    };
    let peer = common::reference_json(fixture);
    let (format, volume) = squall::io::open_volume_with_format(&path).unwrap();
    assert_eq!(format, squall::io::Format::NexradLevel2);
    volume.validate().unwrap();
    let ours = VolumeSummary::new(format, &volume);
    let sweeps = peer["sweeps"].as_array().unwrap();
    assert_eq!(ours.sweeps.len(), sweeps.len(), "{fixture}: sweep count");
    for (i, (o, p)) in ours.sweeps.iter().zip(sweeps).enumerate() {
        let ctx = format!("{fixture} sweep {i}");
        let sweep = &volume.sweeps[i];
        assert_sweep_size(&ctx, o, p);
        close(
            f64::from(sweep.first_gate_m),
            p["first_gate_m"].as_f64().unwrap(),
            1e-6,
            &ctx,
        );
        // Both peers take the fixed angle from message 5, as Squall does.
        close(
            f64::from(o.elevation_deg),
            p["elevation_deg"].as_f64().unwrap(),
            1e-6,
            &ctx,
        );
        close(
            f64::from(sweep.mean_elevation_deg()),
            p["mean_ray_elevation_deg"].as_f64().unwrap(),
            1e-4,
            &format!("{ctx} mean ray elevation"),
        );
        if let Some(nyquist) = p["nyquist_mps"].as_f64() {
            close(f64::from(sweep.nyquist_mps.unwrap()), nyquist, 1e-4, &ctx);
        }
        assert_moments(&ctx, o, p, &[]);
    }
}

#[test]
fn klbb_matches_pyart() {
    check_against_peer("nexrad_klbb_pyart.json");
}

#[test]
fn klbb_matches_xradar() {
    check_against_peer("nexrad_klbb_xradar.json");
}

#[test]
fn klbb_metadata_and_ray_times() {
    let Some(path) = common::shared_radar_file(NEXRAD) else {
        return;
    };
    let peer = common::reference_json("nexrad_klbb_pyart.json");
    let v = squall::io::open_volume(&path).unwrap();
    let site = &peer["notes"]["volume"];
    assert_eq!(v.site.id, "KLBB");
    assert_eq!(v.site.id, site["site_id"].as_str().unwrap());
    close(
        v.site.latitude_deg,
        site["latitude_deg"].as_f64().unwrap(),
        1e-9,
        "latitude",
    );
    close(
        v.site.longitude_deg,
        site["longitude_deg"].as_f64().unwrap(),
        1e-9,
        "longitude",
    );
    assert_eq!(v.site.altitude_m, site["altitude_m"].as_f64().unwrap());
    assert_eq!(v.site.altitude_m, 1029.0);
    assert_eq!(
        (v.band(), v.frequency_mhz, v.beam_width_deg),
        (Some(Band::S), Some(2800.0), 0.95)
    );
    // Py-ART: "seconds since 2016-06-01T15:00:25Z" with the first ray at 0.232 s; Squall starts at that ray.
    assert_eq!(site["time_units"], "seconds since 2016-06-01T15:00:25Z");
    close(
        site["first_ray_time_s"].as_f64().unwrap(),
        0.232,
        1e-9,
        "Py-ART first ray time",
    );
    assert_eq!(v.start_time.to_rfc3339(), "2016-06-01T15:00:25.232+00:00");
    assert_eq!(v.sweeps.iter().map(|s| s.n_rays()).sum::<usize>(), 5400);
    let mut previous = 0.0;
    for s in &v.sweeps {
        assert!(s.azimuth_deg.iter().all(|a| (0.0..360.0).contains(a)));
        assert!(s.time_s.iter().all(|&t| t >= previous && t < 400.0));
        previous = *s.time_s.last().unwrap();
    }
    // The last ray of the volume, about 5 min 41 s after the first (xradar's time_coverage_end is 15:06:06).
    close(previous, 340.8, 1.0, "last ray time");
}

#[test]
fn klbb_agrees_with_its_cinrad_re_encoding() {
    let (Some(nexrad), Some(cinrad)) = (
        common::shared_radar_file(NEXRAD),
        common::shared_radar_file(DERIVED_CINRAD),
    ) else {
        return;
    };
    let a = squall::io::open_volume(&nexrad).unwrap();
    let b = squall::io::open_volume(&cinrad).unwrap();
    assert_eq!(a.sweeps.len(), b.sweeps.len());
    for (i, (x, y)) in a.sweeps.iter().zip(&b.sweeps).enumerate() {
        assert_eq!(x.n_rays(), y.n_rays(), "sweep {i}");
        assert_eq!(x.fixed_angle_deg, y.fixed_angle_deg, "sweep {i}");
        assert_eq!(x.azimuth_deg, y.azimuth_deg, "sweep {i}");
        // The CINRAD file pads every cut to 1832 gates and carries every moment in every cut (empty ones as no
        // data); the values NEXRAD has agree gate for gate in count, exactly for the 8-bit moments (DBZH, VRADH,
        // WRADH, ZDR: the same 0.5 dB and 0.5 m/s steps) and within the CINRAD quantisation for ΦDP (0.01°)
        // and ρhv (0.001).
        assert_eq!(y.n_gates(), 1832);
        for m in &y.moments {
            let sm = m.summary();
            let Some(n) = x.moment(&m.name) else {
                assert_eq!(sm.valid, 0, "sweep {i} {}: only in CINRAD", m.name);
                continue;
            };
            let sn = n.summary();
            assert_eq!(sn.valid, sm.valid, "sweep {i} {}", m.name);
            let tolerance = match m.name.as_str() {
                "PHIDP" => 1e-4,
                "RHOHV" => 5e-4,
                _ => 1e-9,
            };
            close(
                sn.mean.unwrap(),
                sm.mean.unwrap(),
                tolerance,
                &format!("sweep {i} {} mean", m.name),
            );
        }
    }
}

/// The LDM records of a compressed file, decompressed, in order.
fn decompressed_records(file: &[u8]) -> Vec<Vec<u8>> {
    let mut records = Vec::new();
    let mut at = 24;
    while at < file.len() {
        let size = i32::from_be_bytes(file[at..at + 4].try_into().unwrap());
        let len = size.unsigned_abs() as usize;
        let record = &file[at + 4..at + 4 + len];
        records.push(
            compression::decompress(record, "record")
                .unwrap()
                .into_owned(),
        );
        at += 4 + len;
    }
    records
}

fn same(a: &PolarVolume, b: &PolarVolume) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

#[test]
fn klbb_rewritten_uncompressed_reads_the_same() {
    let Some(path) = common::shared_radar_file(NEXRAD) else {
        return;
    };
    let file = std::fs::read(&path).unwrap();
    let records = decompressed_records(&file);
    assert_eq!(records.len(), 46);
    // 134 metadata messages of 2432 bytes, then 120 radials per record.
    assert_eq!(records[0].len(), 134 * 2432);
    let plain = [&file[..24], &records.concat()].concat();
    let a = squall::io::nexrad::decode(&file, "compressed").unwrap();
    let b = squall::io::nexrad::decode(&plain, "uncompressed").unwrap();
    assert!(same(&a, &b));
    // Raw codes 0 and 1 counted in the file with Py-ART's parser (NEXRADLevel2File.radial_records).
    let count = |sweep: usize, name: &str, status: GateStatus| {
        let m = a.sweeps[sweep].moment(name).unwrap();
        m.status.iter().filter(|&&s| s == status).count()
    };
    assert_eq!(count(0, "DBZH", GateStatus::NoEcho), 1_105_572);
    assert_eq!(count(0, "DBZH", GateStatus::RangeFolded), 0);
    assert_eq!(count(1, "DBZH", GateStatus::NoEcho), 668_935);
    assert_eq!(count(1, "DBZH", GateStatus::RangeFolded), 20_205);
    assert_eq!(count(1, "VRADH", GateStatus::NoEcho), 668_937);
    assert_eq!(count(1, "VRADH", GateStatus::RangeFolded), 20_205);
    // ZDR has 1192 of the sweep's 1832 gates.
    let zdr = &a.sweeps[0].moment("ZDR").unwrap().status;
    assert!(zdr.column(1191).iter().any(|&s| s != GateStatus::NoData));
    assert!(zdr.column(1192).iter().all(|&s| s == GateStatus::NoData));
}

#[test]
fn corrupted_real_messages_never_panic() {
    let Some(path) = common::shared_radar_file(NEXRAD) else {
        return;
    };
    let file = std::fs::read(&path).unwrap();
    let records = decompressed_records(&file);
    // The metadata and the first 240 radials, uncompressed, with single bytes changed at pseudo-random places
    // in the first 220 bytes of the first radial messages (message header, radial header, pointers, VOL, ELV and
    // RAD blocks and the REF block header) and anywhere in the metadata.
    let plain = [&file[..24], &records[0], &records[1], &records[2]].concat();
    let first_radial = 24 + records[0].len();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..300 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let at = if state % 4 == 0 {
            24 + (state >> 8) as usize % records[0].len()
        } else {
            first_radial + (state >> 8) as usize % 10 * 6892 + (state >> 16) as usize % 220
        };
        let mut damaged = plain.clone();
        damaged[at] ^= (state >> 32) as u8 | 1;
        match squall::io::nexrad::decode(&damaged, "damaged") {
            Ok(v) => {
                v.validate().unwrap();
                ok += 1;
            }
            Err(_) => failed += 1,
        }
    }
    // Changes to sizes, pointers and block headers are refused; other fields (times, angles, spare bytes, the
    // site, most metadata) still decode.
    assert!(ok > 100 && failed > 10, "{ok} decoded, {failed} refused");
}
