//! Legacy CINRAD: a record built by hand from the spec's offsets equals the writer's; small SA and CA volumes
//! round-trip every gate status and re-encode byte for byte; the writer refuses what the format cannot hold; and
//! corrupt, truncated and hostile input gives clear errors, never a panic or a huge allocation.

use chrono::{DateTime, TimeZone, Utc};
use ndarray::Array2;
use squall::Error;
use squall::io::cinrad_legacy::{
    self, LegacyVariant, decode, is_cinrad_legacy, reflectivity_gate, to_bytes, to_legacy_geometry,
};
use squall::io::{Format, compression, volume_from_bytes};
use squall::volume::{GateStatus, Moment, PolarVolume, Site, Sweep, SweepMode};

// ---------------------------------------------------------------------------------------------------------------
// Helpers

fn put(record: &mut [u8], at: usize, bytes: &[u8]) {
    record[at..at + bytes.len()].copy_from_slice(bytes);
}

fn u16_at(record: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([record[at], record[at + 1]])
}

/// Status and value of a gate code by the spec's formulas, `(code − 2)/2 + base`.
fn spec_gate(code: u8, base: f32) -> (GateStatus, f32) {
    match code {
        0 => (GateStatus::NoEcho, f32::NAN),
        1 => (GateStatus::RangeFolded, f32::NAN),
        c => (GateStatus::Valid, (f32::from(c) - 2.0) / 2.0 + base),
    }
}

fn set(m: &mut Moment, ray: usize, gate: usize, (status, value): (GateStatus, f32)) {
    m.status[[ray, gate]] = status;
    m.values[[ray, gate]] = value;
}

fn site() -> Site {
    Site {
        id: "Z9999".into(),
        name: "test".into(),
        latitude_deg: 31.0,
        longitude_deg: 121.0,
        altitude_m: 20.0,
    }
}

fn volume(start: DateTime<Utc>, sweeps: Vec<Sweep>) -> PolarVolume {
    PolarVolume {
        site: site(),
        frequency_mhz: Some(2_800.0),
        beam_width_deg: 1.0,
        start_time: start,
        sweeps,
    }
}

fn sweep(elevation: f32, n_rays: usize, first: f32, spacing: f32, moments: Vec<Moment>) -> Sweep {
    Sweep {
        mode: SweepMode::Ppi,
        fixed_angle_deg: elevation,
        azimuth_deg: (0..n_rays).map(|r| r as f32 * 45.0).collect(),
        elevation_deg: vec![elevation; n_rays],
        time_s: (0..n_rays).map(|r| r as f64 * 0.125).collect(),
        first_gate_m: first,
        gate_spacing_m: spacing,
        nyquist_mps: Some(8.5),
        moments,
    }
}

/// Statuses equal, values equal (NaN-aware).
fn assert_same_moments(a: &Sweep, b: &Sweep, ctx: &str) {
    assert_eq!(a.moments.len(), b.moments.len(), "{ctx}");
    for (ma, mb) in a.moments.iter().zip(&b.moments) {
        assert_eq!(ma.name, mb.name, "{ctx}");
        assert_eq!(ma.status, mb.status, "{ctx} {}", ma.name);
        for (x, y) in ma.values.iter().zip(mb.values.iter()) {
            assert!(
                x == y || (x.is_nan() && y.is_nan()),
                "{ctx} {}: {x} vs {y}",
                ma.name
            );
        }
    }
}

fn decode_error(data: &[u8]) -> String {
    match decode(data, "bad.bin") {
        Err(e @ (Error::Decode { .. } | Error::Limits { .. })) => e.to_string(),
        other => panic!("expected a decode or limits error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------------------
// (3) One record, byte for byte

/// 0.5° as the format stores it: code 91 = 91 / 8 · 180 / 4096 = 4095/8192 degrees.
const EL_05: f32 = 4095.0 / 8192.0;

/// 2024-06-01T06:30:15.250Z in ms since 1970.
const T0_MS: i64 = 1_717_223_415_250;

#[test]
fn one_record_by_hand_equals_the_writer() {
    // Gate codes covering 0 (no echo), 1 (range folded) and 2..=255.
    let z_codes: Vec<u8> = (0..460).map(|k| (k * 3 % 256) as u8).collect();
    let v_codes: Vec<u8> = (0..920).map(|j| (j % 256) as u8).collect();
    let w_codes: Vec<u8> = (0..920).map(|j| ((j * 5 + 7) % 256) as u8).collect();
    let (day, ms) = (T0_MS / 86_400_000 + 1, T0_MS % 86_400_000);
    let unambiguous = (299_792_458f64.powi(2) / (8.0 * 2.8e9 * 26.5) / 100.0).round() as u16;
    assert_eq!(unambiguous, 1514); // 151.4 km for 26.5 m/s at 2800 MHz

    // The record, from the spec table (0-based offset = spec byte − 1).
    let mut rec = vec![0u8; 2432];
    put(&mut rec, 14, &1u16.to_le_bytes()); // 15–16: 1 = radar data
    put(&mut rec, 28, &(ms as u32).to_le_bytes()); // 29–32: ms since midnight
    put(&mut rec, 32, &(day as u16).to_le_bytes()); // 33–34: day, 1 = 1970-01-01
    put(&mut rec, 34, &unambiguous.to_le_bytes()); // 35–36: unambiguous range / 0.1 km
    put(&mut rec, 36, &22_528u16.to_le_bytes()); // 37–38: azimuth 123.75° = 22528 / 8 · 180 / 4096
    put(&mut rec, 38, &1u16.to_le_bytes()); // 39–40: radial number
    put(&mut rec, 40, &3u16.to_le_bytes()); // 41–42: 3 = first radial of the volume
    put(&mut rec, 42, &91u16.to_le_bytes()); // 43–44: elevation 0.5° → code 91
    put(&mut rec, 44, &1u16.to_le_bytes()); // 45–46: elevation number
    put(&mut rec, 46, &125i16.to_le_bytes()); // 47–48: first reflectivity gate, m
    put(&mut rec, 48, &125i16.to_le_bytes()); // 49–50: first Doppler gate, m
    put(&mut rec, 50, &1000u16.to_le_bytes()); // 51–52: reflectivity gate length
    put(&mut rec, 52, &250u16.to_le_bytes()); // 53–54: Doppler gate length
    put(&mut rec, 54, &460u16.to_le_bytes()); // 55–56: reflectivity gates
    put(&mut rec, 56, &920u16.to_le_bytes()); // 57–58: Doppler gates
    for (at, pointer) in [
        (64, 100u16),
        (66, 560),
        (68, 1480),
        (82, 100),
        (84, 560),
        (86, 1480),
    ] {
        put(&mut rec, at, &pointer.to_le_bytes()); // 65–70 pointers, 83–88 playback pointers "同 33–35"
    }
    put(&mut rec, 70, &2u16.to_le_bytes()); // 71–72: 2 = 0.5 m/s
    put(&mut rec, 88, &2650u16.to_le_bytes()); // 89–90: Nyquist 26.50 m/s
    put(&mut rec, 128, &z_codes); // 129–588
    put(&mut rec, 588, &v_codes); // 589–1508
    put(&mut rec, 1508, &w_codes); // 1509–2428

    // The same radial as a volume: all moments on the 250 m axis, each reflectivity gate k on Doppler gates
    // 4k − 1 ..= 4k + 2 (k = (j + 1) / 4), 4·460 − 1 gates.
    let n = 4 * 460 - 1;
    let mut dbzh = Moment::no_data("DBZH", "dBZ", 1, n);
    let mut vradh = Moment::no_data("VRADH", "m/s", 1, n);
    let mut wradh = Moment::no_data("WRADH", "m/s", 1, n);
    for j in 0..n {
        set(&mut dbzh, 0, j, spec_gate(z_codes[(j + 1) / 4], -32.0));
    }
    for j in 0..920 {
        set(&mut vradh, 0, j, spec_gate(v_codes[j], -63.5));
        set(&mut wradh, 0, j, spec_gate(w_codes[j], -63.5));
    }
    let mut s = sweep(0.5, 1, 125.0, 250.0, vec![dbzh, vradh, wradh]);
    s.azimuth_deg = vec![123.75];
    s.elevation_deg = vec![EL_05];
    s.nyquist_mps = Some(26.5);
    let v = volume(Utc.timestamp_millis_opt(T0_MS).unwrap(), vec![s]);

    let written = to_bytes(&v, LegacyVariant::SaSb).unwrap();
    assert_eq!(written.len(), rec.len());
    for (i, (a, b)) in written.iter().zip(&rec).enumerate() {
        assert_eq!(a, b, "byte {i} (spec byte {})", i + 1);
    }

    let back = decode(&rec, "hand-made").unwrap();
    assert_eq!(back.start_time, v.start_time);
    assert_eq!(back.frequency_mhz, Some(2_800.0));
    assert!(back.site.latitude_deg.is_nan() && back.site.id.is_empty());
    let b = &back.sweeps[0];
    assert_eq!(
        (b.first_gate_m, b.gate_spacing_m, b.n_gates()),
        (125.0, 250.0, n)
    );
    assert_eq!(b.azimuth_deg, [123.75]);
    assert_eq!(b.fixed_angle_deg, EL_05);
    assert_eq!(b.nyquist_mps, Some(26.5));
    assert_eq!(
        b.moment("DBZH").unwrap().values[[0, 5]],
        (3.0 - 2.0) / 2.0 - 32.0
    ); // j = 5 → k = 1, code 3
    assert_same_moments(&v.sweeps[0], b, "hand-made record");
}

#[test]
fn ca_surveillance_record_by_hand() {
    let z_codes: Vec<u8> = (0..800).map(|k| (k % 256) as u8).collect();
    let mut rec = vec![0u8; 4132];
    put(&mut rec, 14, &[1, 0]);
    put(&mut rec, 32, &1u16.to_le_bytes()); // 1970-01-01
    put(&mut rec, 38, &1u16.to_le_bytes());
    put(&mut rec, 40, &3u16.to_le_bytes());
    put(&mut rec, 44, &1u16.to_le_bytes());
    put(&mut rec, 46, &500i16.to_le_bytes());
    put(&mut rec, 48, &500i16.to_le_bytes());
    put(&mut rec, 50, &1000u16.to_le_bytes());
    put(&mut rec, 52, &250u16.to_le_bytes()); // a quarter of the reflectivity gate
    put(&mut rec, 54, &800u16.to_le_bytes());
    put(&mut rec, 64, &100u16.to_le_bytes());
    put(&mut rec, 82, &100u16.to_le_bytes());
    put(&mut rec, 70, &2u16.to_le_bytes());
    put(&mut rec, 128, &z_codes);
    let mut dbzh = Moment::no_data("DBZH", "dBZ", 1, 800);
    for (k, &c) in z_codes.iter().enumerate() {
        set(&mut dbzh, 0, k, spec_gate(c, -32.0));
    }
    let mut s = sweep(0.0, 1, 500.0, 1000.0, vec![dbzh]);
    s.nyquist_mps = None;
    let v = volume(Utc.timestamp_millis_opt(0).unwrap(), vec![s]);
    assert_eq!(to_bytes(&v, LegacyVariant::CaCb).unwrap(), rec);
    assert_eq!(LegacyVariant::detect(&rec), Some(LegacyVariant::CaCb));
    let back = decode(&rec, "ca").unwrap();
    assert_eq!(back.frequency_mhz, Some(5_400.0));
    assert_eq!(back.sweeps[0].nyquist_mps, None);
    assert_same_moments(&v.sweeps[0], &back.sweeps[0], "CA record");
}

// ---------------------------------------------------------------------------------------------------------------
// Round trips of small volumes

/// Three cuts: surveillance (1000 m), Doppler at 1 m/s (|v| up to 90 m/s), batch with a negative elevation;
/// rays of different lengths, every status.
fn small_volume(variant: LegacyVariant) -> PolarVolume {
    let max_z = variant.max_reflectivity_gates();
    let n_rays = 6;
    // Surveillance cut: ray r has max_z − r gates with data.
    let mut z = Moment::no_data("DBZH", "dBZ", n_rays, max_z);
    for r in 0..n_rays {
        for g in 0..max_z - r {
            let status = match (r + g) % 17 {
                0 => (GateStatus::NoEcho, f32::NAN),
                1 => (GateStatus::RangeFolded, f32::NAN),
                k => (GateStatus::Valid, -32.0 + 0.5 * (k * 13 % 250) as f32),
            };
            set(&mut z, r, g, status);
        }
    }
    // Doppler cut: 30 gates, ray r has 30 − 2r with data.
    let (mut v, mut w) = (
        Moment::no_data("VRADH", "m/s", n_rays, 30),
        Moment::no_data("WRADH", "m/s", n_rays, 30),
    );
    for r in 0..n_rays {
        for g in 0..30 - 2 * r {
            let folded = (r * 30 + g) % 11 == 0;
            if folded {
                set(&mut v, r, g, (GateStatus::RangeFolded, f32::NAN));
                set(&mut w, r, g, (GateStatus::RangeFolded, f32::NAN));
            } else {
                set(&mut v, r, g, (GateStatus::Valid, (g as f32 * 6.0) - 90.0));
                let width = if g == 3 {
                    (GateStatus::NoEcho, f32::NAN)
                } else {
                    (GateStatus::Valid, 0.5 * (g % 9) as f32)
                };
                set(&mut w, r, g, width);
            }
        }
    }
    let mut doppler = sweep(0.5, n_rays, 500.0, 250.0, vec![v, w]);
    doppler.nyquist_mps = None;
    // Batch cut: 5 reflectivity gates (ray 3: 3) repeated on the Doppler axis, 25 Doppler gates.
    let n = 25;
    let mut bz = Moment::no_data("DBZH", "dBZ", n_rays, n);
    let (mut bv, mut bw) = (
        Moment::no_data("VRADH", "m/s", n_rays, n),
        Moment::no_data("WRADH", "m/s", n_rays, n),
    );
    for r in 0..n_rays {
        let n_z = if r == 3 { 3 } else { 5 };
        for j in 0..n {
            if let Some(k) = reflectivity_gate(j, 500, 250, 500, 1000).filter(|&k| k < n_z) {
                let value = if k == 1 {
                    (GateStatus::NoEcho, f32::NAN)
                } else {
                    (GateStatus::Valid, 10.0 + k as f32 + 0.5 * r as f32)
                };
                set(&mut bz, r, j, value);
            }
            set(&mut bv, r, j, (GateStatus::Valid, -20.0 + 0.5 * j as f32));
            set(&mut bw, r, j, (GateStatus::Valid, 1.5));
        }
    }
    let mut batch = sweep(-0.5, n_rays, 500.0, 250.0, vec![bz, bv, bw]);
    batch.elevation_deg = vec![-EL_05; n_rays];
    batch.fixed_angle_deg = -EL_05;
    let mut surveillance = sweep(0.5, n_rays, 500.0, 1000.0, vec![z]);
    for s in [&mut surveillance, &mut doppler] {
        s.elevation_deg = vec![EL_05; n_rays];
        s.fixed_angle_deg = EL_05;
    }
    volume(
        Utc.with_ymd_and_hms(2009, 7, 22, 1, 30, 0).unwrap(),
        vec![surveillance, doppler, batch],
    )
}

#[test]
fn small_volumes_round_trip_every_status_and_every_byte() {
    for variant in LegacyVariant::ALL {
        let v = small_volume(variant);
        let bytes = to_bytes(&v, variant).unwrap();
        assert_eq!(bytes.len(), 18 * variant.record_len());
        assert_eq!(LegacyVariant::detect(&bytes), Some(variant));
        // The Doppler cut needs 1 m/s codes (±90 m/s), the batch cut fits 0.5 m/s.
        let rec = variant.record_len();
        assert_eq!(u16_at(&bytes, 6 * rec + 70), 4);
        assert_eq!(u16_at(&bytes, 12 * rec + 70), 2);
        // Statuses: first radial of the volume 3, of a cut 0, last of a cut 2, last of the volume 4.
        let states: Vec<u16> = (0..18).map(|i| u16_at(&bytes, i * rec + 40)).collect();
        assert_eq!(states[..7], [3, 1, 1, 1, 1, 2, 0]);
        assert_eq!(states[17], 4);
        let back = decode(&bytes, "small").unwrap();
        assert_eq!(back.start_time, v.start_time);
        assert_eq!(back.sweeps.len(), 3);
        for (i, (a, b)) in v.sweeps.iter().zip(&back.sweeps).enumerate() {
            let ctx = format!("{variant} sweep {i}");
            assert_eq!(
                (a.first_gate_m, a.gate_spacing_m),
                (b.first_gate_m, b.gate_spacing_m),
                "{ctx}"
            );
            assert_eq!(
                (a.fixed_angle_deg, a.nyquist_mps),
                (b.fixed_angle_deg, b.nyquist_mps),
                "{ctx}"
            );
            assert_eq!(a.elevation_deg, b.elevation_deg, "{ctx}");
            assert_eq!(a.azimuth_deg, b.azimuth_deg, "{ctx}");
            assert_eq!(a.time_s, b.time_s, "{ctx}");
            assert_same_moments(a, b, &ctx);
        }
        assert_eq!(
            to_bytes(&back, variant).unwrap(),
            bytes,
            "{variant}: re-encoding"
        );
        // Compressed on disk, read back through format detection.
        let path = std::env::temp_dir().join(format!("squall_legacy_{variant:?}.bin.gz"));
        cinrad_legacy::write(&v, &path, variant, compression::Compression::Gzip).unwrap();
        let (format, read) = squall::io::open_volume_with_format(&path).unwrap();
        std::fs::remove_file(&path).ok();
        assert_eq!(format, Format::CinradLegacy);
        assert_eq!(to_bytes(&read, variant).unwrap(), bytes);
    }
}

#[test]
fn legacy_geometry_prepares_any_volume() {
    // 3 rays × 16 gates of 250 m from 125 m, gates 12.. without data, one hole, one weak echo, and a ZDR.
    let (n_rays, n) = (3, 16);
    let mut dbzh = Moment::from_values(
        "DBZH",
        "dBZ",
        Array2::from_shape_fn((n_rays, n), |(r, g)| 20.0 + r as f32 + 0.1 * g as f32),
    );
    dbzh.set_status(0, 4, GateStatus::NoData);
    dbzh.values[[1, 0]] = -40.0;
    let mut vradh = Moment::from_values("VRADH", "m/s", Array2::from_elem((n_rays, n), 3.2));
    let mut wradh = Moment::from_values("WRADH", "m/s", Array2::from_elem((n_rays, n), 1.1));
    for r in 0..n_rays {
        for g in 12..n {
            vradh.set_status(r, g, GateStatus::NoData);
            wradh.set_status(r, g, GateStatus::NoData);
        }
    }
    wradh.set_status(2, 5, GateStatus::NoData);
    let zdr = Moment::from_values("ZDR", "dB", Array2::zeros((n_rays, n)));
    let input = volume(
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        vec![
            sweep(
                0.5,
                n_rays,
                125.0,
                250.0,
                vec![dbzh.clone(), zdr.clone(), vradh.clone(), wradh.clone()],
            ),
            sweep(2.4, n_rays, 125.0, 250.0, vec![dbzh, zdr, vradh, wradh]),
        ],
    );
    let legacy = to_legacy_geometry(&input, LegacyVariant::SaSb, 1).unwrap();
    let shapes: Vec<(f32, f32, usize, Vec<&str>)> = legacy
        .sweeps
        .iter()
        .map(|s| {
            (
                s.first_gate_m,
                s.gate_spacing_m,
                s.n_gates(),
                s.moments.iter().map(|m| m.name.as_str()).collect(),
            )
        })
        .collect();
    // Reflectivity gate centres 125, 1125, 2125, 3125 m lie within the input's 0–4000 m; Doppler gates trimmed
    // to the 12 with data; the batch cut covers 4 reflectivity gates = 15 Doppler gates.
    assert_eq!(
        shapes,
        [
            (125.0, 1000.0, 4, vec!["DBZH"]),
            (125.0, 250.0, 12, vec!["VRADH", "WRADH"]),
            (125.0, 250.0, 15, vec!["DBZH", "VRADH", "WRADH"]),
        ]
    );
    let z = legacy.sweeps[0].moment("DBZH").unwrap();
    assert_eq!(z.values[[2, 3]], 20.0 + 2.0 + 0.1 * 12.0); // 3125 m = input gate 12
    assert_eq!(z.status[[1, 0]], GateStatus::NoEcho); // −40 dBZ is below the −32 dBZ floor
    let batch_z = legacy.sweeps[2].moment("DBZH").unwrap();
    assert_eq!(batch_z.status[[0, 1]], GateStatus::Valid);
    assert_eq!(batch_z.values[[0, 14]], z.values[[0, 3]]);
    let w = legacy.sweeps[1].moment("WRADH").unwrap();
    assert_eq!(w.status[[2, 5]], GateStatus::NoEcho); // a hole inside the ray
    let bv = legacy.sweeps[2].moment("VRADH").unwrap();
    assert_eq!(bv.status[[0, 12]], GateStatus::NoData); // beyond the Doppler gates
    // The prepared volume goes through the writer; statuses survive, values within half a code.
    let back = decode(&to_bytes(&legacy, LegacyVariant::SaSb).unwrap(), "prepared").unwrap();
    for (a, b) in legacy.sweeps.iter().zip(&back.sweeps) {
        for (ma, mb) in a.moments.iter().zip(&b.moments) {
            assert_eq!(ma.status, mb.status, "{}", ma.name);
            for (x, y) in ma.values.iter().zip(mb.values.iter()) {
                assert!(
                    (x.is_nan() && y.is_nan()) || (x - y).abs() <= 0.25,
                    "{x} vs {y}"
                );
            }
        }
    }
    let only_zdr = volume(
        Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap(),
        vec![sweep(
            0.5,
            1,
            0.0,
            250.0,
            vec![Moment::no_data("ZDR", "dB", 1, 2)],
        )],
    );
    assert!(matches!(
        to_legacy_geometry(&only_zdr, LegacyVariant::SaSb, 0),
        Err(Error::Parameter { .. })
    ));
}

// ---------------------------------------------------------------------------------------------------------------
// The writer refuses what the format cannot hold

#[test]
fn writer_refuses_unrepresentable_volumes() {
    let base = small_volume(LegacyVariant::SaSb);
    let refuse = |change: &dyn Fn(&mut PolarVolume), fragment: &str| {
        let mut v = base.clone();
        change(&mut v);
        let err = to_bytes(&v, LegacyVariant::SaSb).unwrap_err();
        assert!(
            matches!(err, Error::Parameter { .. } | Error::Unsupported(_)),
            "{err:?}"
        );
        assert!(
            err.to_string().contains(fragment),
            "{err} lacks {fragment:?}"
        );
    };
    refuse(&|v| v.sweeps.clear(), "1 to 65535 cuts");
    refuse(
        &|v| {
            v.sweeps[0]
                .moments
                .push(Moment::no_data("ZDR", "dB", 6, 460))
        },
        "moment ZDR has no block",
    );
    refuse(
        &|v| {
            v.sweeps[1].moments.pop();
        },
        "give both or neither",
    );
    refuse(&|v| v.sweeps[1].gate_spacing_m = 62.5, "whole metres");
    refuse(&|v| v.sweeps[2].gate_spacing_m = 20_000.0, "16-bit");
    refuse(&|v| v.sweeps[0].first_gate_m = 40_000.0, "16-bit signed");
    refuse(&|v| v.sweeps[0].mode = SweepMode::Rhi, "PPI cuts only");
    refuse(
        &|v| v.sweeps[0].moments[0].set_status(0, 3, GateStatus::NoData),
        "no code for a gate without data",
    );
    refuse(
        &|v| v.sweeps[0].moments[0].set_valid(0, 2, 120.0),
        "outside the codes' -32..=94.5",
    );
    refuse(
        &|v| v.sweeps[1].moments[0].set_valid(0, 0, 200.0),
        "outside −127..126 m/s",
    );
    refuse(
        &|v| v.sweeps[1].moments[1].set_valid(0, 1, 70.0),
        "gate 1: outside the codes' -63.5..=63",
    );
    refuse(
        &|v| v.sweeps[2].nyquist_mps = Some(700.0),
        "0 to 655.35 m/s",
    );
    refuse(&|v| v.sweeps[0].time_s[5] = -3.0e9, "16 bits (to 2149)");
    refuse(
        &|v| v.sweeps[0].azimuth_deg[1] = f32::NAN,
        "angles must be finite",
    );
    refuse(
        &|v| {
            let s = &mut v.sweeps[0];
            s.moments[0] = Moment::from_values("DBZH", "dBZ", Array2::from_elem((6, 461), 10.0));
        },
        "holds 460 reflectivity gates",
    );
    refuse(
        &|v| {
            let s = &mut v.sweeps[1];
            s.moments = vec![
                Moment::from_values("VRADH", "m/s", Array2::from_elem((6, 921), 1.0)),
                Moment::from_values("WRADH", "m/s", Array2::from_elem((6, 921), 1.0)),
            ];
        },
        "holds 920 Doppler gates",
    );
    refuse(
        &|v| {
            let s = &mut v.sweeps[0];
            s.azimuth_deg.clear();
            s.elevation_deg.clear();
            s.time_s.clear();
            s.moments.clear();
        },
        "1 to 65535 radials",
    );
}

// ---------------------------------------------------------------------------------------------------------------
// Corrupt input

fn good_file() -> Vec<u8> {
    to_bytes(&small_volume(LegacyVariant::SaSb), LegacyVariant::SaSb).unwrap()
}

#[test]
fn truncated_files_name_the_offset() {
    let data = good_file();
    assert!(decode_error(&[]).contains("byte offset 0"));
    let err = decode_error(&data[..data.len() - 1]);
    assert!(
        err.contains("truncated") && err.contains(&format!("byte offset {}", 17 * 2432)),
        "{err}"
    );
    let err = decode_error(&data[..2432 + 100]);
    assert!(
        err.contains("byte offset 2432") && err.contains("length 2532"),
        "{err}"
    );
    assert!(!is_cinrad_legacy(&data[..data.len() - 1]));
}

#[test]
fn corrupt_headers_name_record_and_field() {
    let data = good_file();
    let corrupt = |record: usize, at: usize, value: u16, fragment: &str| {
        let mut d = data.clone();
        put(&mut d, record * 2432 + at, &value.to_le_bytes());
        let err = decode_error(&d);
        let offset = format!("byte offset {}", record * 2432 + at);
        assert!(
            err.contains(&offset) && err.contains(fragment),
            "{err} lacks {offset:?} / {fragment:?}"
        );
        // Detection looks at the first, second and last records only.
        assert_eq!(is_cinrad_legacy(&d), !matches!(record, 0 | 1 | 17));
    };
    corrupt(2, 14, 2, "record 2 (SA/SB): message type 2 is not 1");
    corrupt(0, 40, 9, "radial status 9");
    corrupt(
        1,
        54,
        5000,
        "5000 reflectivity gates, a SA/SB record holds at most 460",
    );
    corrupt(17, 56, 921, "921 Doppler gates");
    corrupt(6, 66, 2400, "velocity pointer 2400");
    corrupt(3, 64, 50, "reflectivity pointer 50 puts");
    corrupt(7, 70, 3, "velocity resolution code 3");
    corrupt(4, 50, 0, "reflectivity gate length 0 m");
    // Records of one cut that disagree on their gates.
    corrupt(8, 52, 300, "Doppler gates from 500 m every 300 m differ");
}

#[test]
fn hostile_geometry_is_refused_before_allocating() {
    // A 1 m Doppler gate under 65535 m reflectivity gates would repeat 460 gates over 30 million Doppler gates a ray.
    let mut d = good_file();
    for record in 12..18 {
        put(&mut d, record * 2432 + 54, &460u16.to_le_bytes());
        put(&mut d, record * 2432 + 50, &65_535u16.to_le_bytes());
        put(&mut d, record * 2432 + 52, &1u16.to_le_bytes());
    }
    let err = decode_error(&d);
    assert!(
        err.contains("limit exceeded: bad.bin: decoded gates"),
        "{err}"
    );
}

#[test]
fn other_content_is_not_taken_for_legacy_data() {
    let data = good_file();
    assert!(is_cinrad_legacy(&data));
    for magic in [b"AR2V", b"RSTM"] {
        let mut d = data.clone();
        put(&mut d, 0, magic);
        assert!(!is_cinrad_legacy(&d));
    }
    // Garbage of a record-multiple length (a fixed LCG, no flag at bytes 14–15).
    let mut x = 12_345u32;
    let garbage: Vec<u8> = (0..3 * 2432)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect();
    assert!(!is_cinrad_legacy(&garbage));
    assert!(decode_error(&garbage).contains("message type"));
    assert!(matches!(
        volume_from_bytes(&garbage, "garbage"),
        Err(Error::UnknownFormat { .. })
    ));
    assert!(!is_cinrad_legacy(&[0u8; 2432]));
    assert!(!is_cinrad_legacy(&[]));
}

#[test]
fn a_length_fitting_both_record_sizes_is_told_apart() {
    // 608 CA records = 1033 SA records = 2 512 256 bytes.
    let mut v = small_volume(LegacyVariant::CaCb);
    v.sweeps.truncate(1);
    let one = &v.sweeps[0];
    let mut s = one.clone();
    let n_rays = 608;
    s.azimuth_deg = (0..n_rays).map(|r| (r % 360) as f32).collect();
    s.elevation_deg = vec![one.elevation_deg[0]; n_rays];
    s.time_s = (0..n_rays).map(|r| r as f64 * 0.1).collect();
    for m in &mut s.moments {
        let row = m.values.row(0).to_owned();
        let status = m.status.row(0).to_owned();
        m.values = Array2::from_shape_fn((n_rays, row.len()), |(_, g)| row[g]);
        m.status = Array2::from_shape_fn((n_rays, row.len()), |(_, g)| status[g]);
    }
    v.sweeps = vec![s];
    let bytes = to_bytes(&v, LegacyVariant::CaCb).unwrap();
    assert_eq!(bytes.len(), 2_512_256);
    assert_eq!(bytes.len() % 2432, 0);
    assert_eq!(LegacyVariant::detect(&bytes), Some(LegacyVariant::CaCb));
    let back = decode(&bytes, "both").unwrap();
    assert_eq!(back.frequency_mhz, Some(5_400.0));
    assert_eq!(back.sweeps[0].n_rays(), 608);
}
