//! The NEXRAD Level II reader on small synthetic files written here (message 31 and message 1, uncompressed and
//! in bzip2 LDM records): decoded values, and clear errors — never a panic or a huge allocation — for truncated,
//! corrupt and hostile input.

use std::io::Write;

use squall::Error;
use squall::io::nexrad;
use squall::volume::GateStatus;

const FRAME_LEN: usize = 2432;

/// One moment data block of a message 31 radial.
struct Gates {
    name: &'static [u8; 3],
    first_gate_m: i16,
    spacing_m: i16,
    word_bits: u8,
    scale: f32,
    offset: f32,
    codes: Vec<u16>,
}

/// One message 31 radial.
struct Ray {
    elevation_number: u8,
    azimuth_deg: f32,
    elevation_deg: f32,
    /// ms after midnight of 2016-06-01 (NEXRAD date 16954).
    ms: u32,
    nyquist_cms: i16,
    gates: Vec<Gates>,
}

fn reflectivity(codes: &[u16]) -> Gates {
    Gates {
        name: b"REF",
        first_gate_m: 2125,
        spacing_m: 250,
        word_bits: 8,
        scale: 2.0,
        offset: 66.0,
        codes: codes.to_vec(),
    }
}

fn phase(codes: &[u16]) -> Gates {
    Gates {
        name: b"PHI",
        first_gate_m: 2125,
        spacing_m: 250,
        word_bits: 16,
        scale: 2.836_1,
        offset: 2.0,
        codes: codes.to_vec(),
    }
}

fn velocity(codes: &[u16]) -> Gates {
    Gates {
        name: b"VEL",
        first_gate_m: 2125,
        spacing_m: 250,
        word_bits: 8,
        scale: 2.0,
        offset: 129.0,
        codes: codes.to_vec(),
    }
}

/// CTM header and message header of a message of `kind` whose header and body are `len` bytes.
fn message_prefix(kind: u8, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; 12];
    out.extend_from_slice(&((len / 2) as u16).to_be_bytes());
    out.extend_from_slice(&[0, kind, 0, 1]);
    out.extend_from_slice(&16954u16.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, 1]);
    out
}

/// A 2432-byte framed message.
fn framed(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = message_prefix(kind, 16 + body.len());
    out.extend_from_slice(body);
    out.resize(FRAME_LEN, 0);
    out
}

/// Message 5 with the given cut elevation codes (degrees · 65536 / 360).
fn vcp(codes: &[u16]) -> Vec<u8> {
    let mut body = vec![0u8; 22 + 46 * codes.len()];
    body[4..6].copy_from_slice(&21u16.to_be_bytes());
    body[6..8].copy_from_slice(&(codes.len() as u16).to_be_bytes());
    for (i, code) in codes.iter().enumerate() {
        body[22 + 46 * i..24 + 46 * i].copy_from_slice(&code.to_be_bytes());
    }
    framed(5, &body)
}

/// A message 31 (CTM header included): VOL, ELV, RAD and the moment blocks.
fn message31(ray: &Ray) -> Vec<u8> {
    let n_blocks = 3 + ray.gates.len();
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut vol = b"RVOL".to_vec();
    vol.extend_from_slice(&44u16.to_be_bytes());
    vol.extend_from_slice(&[2, 0]);
    vol.extend_from_slice(&33.654_14_f32.to_be_bytes());
    vol.extend_from_slice(&(-101.814_16_f32).to_be_bytes());
    vol.extend_from_slice(&1005i16.to_be_bytes());
    vol.extend_from_slice(&24u16.to_be_bytes());
    vol.resize(44, 0);
    blocks.push(vol);
    let mut elv = b"RELV".to_vec();
    elv.resize(12, 0);
    blocks.push(elv);
    let mut rad = b"RRAD".to_vec();
    rad.extend_from_slice(&28u16.to_be_bytes());
    rad.extend_from_slice(&1000i16.to_be_bytes());
    rad.extend_from_slice(&[0; 8]);
    rad.extend_from_slice(&ray.nyquist_cms.to_be_bytes());
    rad.resize(28, 0);
    blocks.push(rad);
    for g in &ray.gates {
        let mut b = vec![b'D'];
        b.extend_from_slice(g.name);
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&(g.codes.len() as u16).to_be_bytes());
        b.extend_from_slice(&g.first_gate_m.to_be_bytes());
        b.extend_from_slice(&g.spacing_m.to_be_bytes());
        b.extend_from_slice(&[0; 5]);
        b.push(g.word_bits);
        b.extend_from_slice(&g.scale.to_be_bytes());
        b.extend_from_slice(&g.offset.to_be_bytes());
        for &code in &g.codes {
            if g.word_bits == 16 {
                b.extend_from_slice(&code.to_be_bytes());
            } else {
                b.push(code as u8);
            }
        }
        blocks.push(b);
    }
    let mut body = b"KTST".to_vec();
    body.extend_from_slice(&ray.ms.to_be_bytes());
    body.extend_from_slice(&16954u16.to_be_bytes());
    body.extend_from_slice(&1u16.to_be_bytes());
    body.extend_from_slice(&ray.azimuth_deg.to_be_bytes());
    body.extend_from_slice(&[0, 0, 0, 0, 1, 1, ray.elevation_number, 1]);
    body.extend_from_slice(&ray.elevation_deg.to_be_bytes());
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&(n_blocks as u16).to_be_bytes());
    let mut pointer = 32 + 4 * n_blocks;
    for b in &blocks {
        body.extend_from_slice(&(pointer as u32).to_be_bytes());
        pointer += b.len();
    }
    for b in &blocks {
        body.extend_from_slice(b);
    }
    if body.len() % 2 == 1 {
        body.push(0);
    }
    let mut out = message_prefix(31, 16 + body.len());
    out.extend_from_slice(&body);
    out
}

fn volume_header() -> Vec<u8> {
    let mut h = b"AR2V0006.001".to_vec();
    h.extend_from_slice(&16954u32.to_be_bytes());
    h.extend_from_slice(&54_026_000u32.to_be_bytes());
    h.extend_from_slice(b"KTST");
    h
}

/// Two sweeps: elevation 1 (3 rays: REF 8-bit with 5 gates, PHI 16-bit with 4) and elevation 2 (2 rays: REF and
/// VEL with 3 gates each, VEL starting 250 m farther out).
fn rays() -> Vec<Ray> {
    let low = |i: u32| Ray {
        elevation_number: 1,
        azimuth_deg: 120.0 * i as f32,
        elevation_deg: 0.5 + 0.01 * i as f32,
        ms: 54_025_232 + 40 * i,
        nyquist_cms: 847,
        gates: vec![
            reflectivity(&[0, 1, 2, 66 + i as u16, 200]),
            phase(&[1, 2, 1022, 500 + i as u16]),
        ],
    };
    let high = |i: u32| Ray {
        elevation_number: 2,
        azimuth_deg: 180.0 * i as f32,
        elevation_deg: 1.45,
        ms: 54_040_000 + 50 * i,
        nyquist_cms: 2256,
        gates: vec![
            reflectivity(&[100, 101, 102]),
            Gates {
                first_gate_m: 2375,
                ..velocity(&[129, 1, 131 + i as u16])
            },
        ],
    };
    vec![low(0), low(1), low(2), high(0), high(1)]
}

/// The messages of the synthetic volume: metadata frames, then one message 31 per ray.
fn messages() -> Vec<Vec<u8>> {
    let mut out = vec![framed(2, b"status"), vcp(&[88, 264]), framed(18, &[7; 100])];
    out.extend(rays().iter().map(message31));
    out
}

/// An uncompressed file and the byte offsets where its messages end.
fn uncompressed(messages: &[Vec<u8>]) -> (Vec<u8>, Vec<usize>) {
    let mut out = volume_header();
    let mut ends = Vec::new();
    for m in messages {
        out.extend_from_slice(m);
        ends.push(out.len());
    }
    (out, ends)
}

fn bz2(data: &[u8]) -> Vec<u8> {
    let mut encoder = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A compressed file: the metadata messages in one LDM record, then the radials two per record.
fn compressed(messages: &[Vec<u8>]) -> Vec<u8> {
    let mut records: Vec<Vec<u8>> = vec![messages[..3].concat()];
    records.extend(messages[3..].chunks(2).map(|c| c.concat()));
    let mut out = volume_header();
    for (i, record) in records.iter().enumerate() {
        let data = bz2(record);
        let size = data.len() as i32;
        let size = if i + 1 == records.len() { -size } else { size };
        out.extend_from_slice(&size.to_be_bytes());
        out.extend_from_slice(&data);
    }
    out
}

#[track_caller]
fn decode_error(data: &[u8]) -> String {
    match nexrad::decode(data, "synthetic") {
        Ok(_) => panic!("decoded without an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn synthetic_volume_decodes_to_known_values() {
    let (plain, _) = uncompressed(&messages());
    let packed = compressed(&messages());
    let v = nexrad::decode(&plain, "plain").unwrap();
    // Debug output prints NaN gates alike, which `==` would not compare equal.
    let same = |other: &squall::PolarVolume| format!("{v:?}") == format!("{other:?}");
    assert!(same(&nexrad::decode(&packed, "packed").unwrap()));
    let (format, dispatched) = squall::io::volume_from_bytes(&packed, "packed").unwrap();
    assert_eq!(format, squall::io::Format::NexradLevel2);
    assert!(same(&dispatched));
    v.validate().unwrap();
    assert_eq!(v.site.id, "KTST");
    assert!((v.site.latitude_deg - 33.654_14).abs() < 1e-5);
    assert!((v.site.longitude_deg + 101.814_16).abs() < 1e-5);
    assert_eq!(v.site.altitude_m, 1029.0);
    assert_eq!((v.frequency_mhz, v.beam_width_deg), (Some(2800.0), 0.95));
    assert_eq!(v.start_time.to_rfc3339(), "2016-06-01T15:00:25.232+00:00");
    assert_eq!(v.sweeps.len(), 2);

    let low = &v.sweeps[0];
    assert_eq!(low.fixed_angle_deg, 88.0 * 360.0 / 65536.0);
    assert_eq!((low.n_rays(), low.n_gates()), (3, 5));
    assert_eq!((low.first_gate_m, low.gate_spacing_m), (2125.0, 250.0));
    assert_eq!(low.nyquist_mps, Some(8.47));
    assert_eq!(low.azimuth_deg, [0.0, 120.0, 240.0]);
    assert_eq!(low.time_s, [0.0, 0.04, 0.08]);
    let dbzh = low.moment("DBZH").unwrap();
    assert_eq!(
        dbzh.status.row(1).to_vec(),
        [
            GateStatus::NoEcho,
            GateStatus::RangeFolded,
            GateStatus::Valid,
            GateStatus::Valid,
            GateStatus::Valid
        ]
    );
    assert_eq!(dbzh.values.row(1).to_vec()[2..], [-32.0, 0.5, 67.0]);
    let phidp = low.moment("PHIDP").unwrap();
    assert_eq!(phidp.values[[2, 2]], (1022.0f32 - 2.0) / 2.836_1);
    assert_eq!(phidp.values[[2, 3]], (502.0f32 - 2.0) / 2.836_1);
    assert_eq!(phidp.status[[0, 4]], GateStatus::NoData);
    assert_eq!(phidp.summary().valid, 9);

    // Velocity starts one gate farther out: the shared axis starts at 2125 m and runs to the end of VEL.
    let high = &v.sweeps[1];
    assert_eq!(high.fixed_angle_deg, 264.0 * 360.0 / 65536.0);
    assert_eq!((high.n_gates(), high.first_gate_m), (4, 2125.0));
    assert_eq!(high.time_s, [14.768, 14.818]);
    let vradh = high.moment("VRADH").unwrap();
    assert_eq!(vradh.status[[0, 0]], GateStatus::NoData);
    assert_eq!(vradh.values[[1, 1]], 0.0);
    assert_eq!(vradh.status[[1, 2]], GateStatus::RangeFolded);
    assert_eq!(vradh.values[[1, 3]], 1.5);
    assert_eq!(
        high.moment("DBZH").unwrap().status[[0, 3]],
        GateStatus::NoData
    );
}

#[test]
fn without_message_5_the_fixed_angle_is_the_median_elevation() {
    let mut m = messages();
    m.remove(1);
    let v = nexrad::decode(&uncompressed(&m).0, "no vcp").unwrap();
    assert_eq!(v.sweeps[0].fixed_angle_deg, 0.51);
    assert_eq!(v.sweeps[1].fixed_angle_deg, 1.45);
}

/// Message 1 with reflectivity at 1 km gates and velocity/width at 250 m.
fn message1(
    elevation_number: u16,
    azimuth_code: u16,
    reflectivity: &[u8],
    doppler: &[u8],
) -> Vec<u8> {
    let mut body = vec![0u8; 100];
    let mut put = |at: usize, v: u16| body[at..at + 2].copy_from_slice(&v.to_be_bytes());
    put(4, 16954);
    put(8, azimuth_code);
    put(14, 91); // 0.5 degrees
    put(16, elevation_number);
    put(18, 500); // reflectivity gate centres at 500, 1500, … m
    put(20, 375); // Doppler gate centres at 375, 625, … m
    put(22, 1000);
    put(24, 250);
    put(26, reflectivity.len() as u16);
    put(28, doppler.len() as u16);
    put(36, 100);
    put(38, 100 + reflectivity.len() as u16);
    put(40, 100 + (reflectivity.len() + doppler.len()) as u16);
    put(42, 4); // 1 m/s velocity resolution
    put(60, 2650);
    body.extend_from_slice(reflectivity);
    body.extend_from_slice(doppler);
    body.extend_from_slice(doppler);
    framed(1, &body)
}

#[test]
fn legacy_message_1_is_resampled_to_the_doppler_gates() {
    let m = vec![
        vcp(&[91]),
        message1(1, 0, &[100, 0], &[129, 139, 1, 2, 200, 129, 130]),
        message1(1, 16384, &[110, 120], &[129; 7]),
    ];
    let v = nexrad::decode(&uncompressed(&m).0, "legacy").unwrap();
    v.validate().unwrap();
    assert_eq!((v.site.latitude_deg, v.site.altitude_m), (0.0, 0.0));
    let s = &v.sweeps[0];
    assert_eq!(
        (s.first_gate_m, s.gate_spacing_m, s.n_gates()),
        (375.0, 250.0, 7)
    );
    assert_eq!(s.azimuth_deg, [0.0, 90.0]);
    assert_eq!(s.nyquist_mps, Some(26.5));
    let dbzh = s.moment("DBZH").unwrap();
    // Gates at 375–875 m take the first 1 km gate, 1125–1875 m the second.
    assert_eq!(
        dbzh.values.row(1).to_vec(),
        [22.0, 22.0, 22.0, 27.0, 27.0, 27.0, 27.0]
    );
    assert_eq!(dbzh.status[[0, 3]], GateStatus::NoEcho);
    let vradh = s.moment("VRADH").unwrap();
    assert_eq!(vradh.values[[0, 1]], 10.0);
    assert_eq!(vradh.status[[0, 2]], GateStatus::RangeFolded);
    assert_eq!(vradh.values[[0, 3]], -127.0);
    assert_eq!(s.moment("WRADH").unwrap().values[[0, 1]], 5.0);
}

#[test]
fn every_truncation_is_an_error_or_a_shorter_file() {
    let all = messages();
    let (plain, ends) = uncompressed(&all);
    for len in 0..plain.len() {
        match nexrad::decode(&plain[..len], "cut") {
            Err(Error::Decode { offset, .. }) => {
                assert!(offset <= len as u64, "len {len}: offset {offset}")
            }
            Err(e) => panic!("len {len}: unexpected error {e}"),
            // Only a cut between two messages leaves a valid (shorter) file.
            Ok(v) => {
                let whole = ends.iter().position(|&end| end == len);
                assert!(whole.is_some_and(|i| i >= 3), "len {len} decoded");
                assert_eq!(
                    v.sweeps.iter().map(|s| s.n_rays()).sum::<usize>(),
                    whole.unwrap() - 2
                );
            }
        }
    }
    let packed = compressed(&all);
    for len in (0..packed.len()).step_by(7).chain([packed.len() - 1]) {
        assert!(nexrad::decode(&packed[..len], "cut").is_err(), "len {len}");
    }
}

#[test]
fn corrupt_record_sizes_are_errors() {
    let good = compressed(&messages());
    let patched = |value: i32| {
        let mut b = good.clone();
        b[24..28].copy_from_slice(&value.to_be_bytes());
        decode_error(&b)
    };
    let first = i32::from_be_bytes(good[24..28].try_into().unwrap());
    assert!(patched(i32::MAX).contains("LDM record needs 2147483647 bytes"));
    assert!(patched(i32::MIN).contains("LDM record needs 2147483648 bytes"));
    assert!(patched(0).contains("LDM record of size 0"));
    // Too short or too long: the next record size is read from inside bzip2 data.
    for size in [first - 10, first - 1, first + 1, first + 3, 1, -1] {
        let mut b = good.clone();
        b[24..28].copy_from_slice(&size.to_be_bytes());
        assert!(
            matches!(nexrad::decode(&b, "sizes"), Err(Error::Decode { .. })),
            "size {size}"
        );
    }
    // Marked as the last record: the others follow it.
    assert!(patched(-first).contains("bytes follow the last LDM record"));
}

/// Decodes the synthetic file with the first message 31 changed by `patch` (given the message from its CTM
/// header on).
fn patched_radial(patch: impl Fn(&mut Vec<u8>)) -> Result<squall::PolarVolume, Error> {
    let mut m = messages();
    patch(&mut m[3]);
    nexrad::decode(&uncompressed(&m).0, "patched")
}

/// Offset of the message 31 body in a message from its CTM header on.
const BODY: usize = 28;

#[test]
fn absurd_message_31_fields_are_errors() {
    let error = |patch: &dyn Fn(&mut Vec<u8>)| patched_radial(patch).unwrap_err().to_string();
    let put16 =
        |m: &mut Vec<u8>, at: usize, v: u16| m[at..at + 2].copy_from_slice(&v.to_be_bytes());
    let put32 =
        |m: &mut Vec<u8>, at: usize, v: u32| m[at..at + 4].copy_from_slice(&v.to_be_bytes());
    // Pointers of the first message: VOL, ELV, RAD, REF, PHI.
    let pointer = |m: &Vec<u8>, i: usize| {
        u32::from_be_bytes(m[BODY + 32 + 4 * i..BODY + 36 + 4 * i].try_into().unwrap()) as usize
    };
    let reference = BODY + pointer(&messages()[3], 3);
    assert!(
        error(&|m| put16(m, reference + 8, 65_535)).contains("moment gate data needs 65535 bytes")
    );
    assert!(
        error(&|m| put32(m, BODY + 32 + 12, u32::MAX)).contains("data block pointer 4294967295")
    );
    assert!(error(&|m| put32(m, BODY + 32, 4)).contains("data block pointer 4 outside"));
    assert!(error(&|m| put16(m, BODY + 30, 1000)).contains("data block count 1000"));
    assert!(error(&|m| m[reference + 19] = 12).contains("word size 12"));
    assert!(error(&|m| put16(m, reference + 12, 0)).contains("gate spacing 0 m"));
    assert!(error(&|m| put32(m, reference + 20, 0)).contains("scale 0"));
    assert!(error(&|m| put32(m, reference + 24, f32::NAN.to_bits())).contains("offset NaN"));
    assert!(error(&|m| put32(m, BODY + 12, f32::INFINITY.to_bits())).contains("not finite"));
    // The PHI pointer aimed at the REF block: the moment appears twice.
    assert!(
        error(&|m| {
            let p = pointer(m, 3) as u32;
            put32(m, BODY + 32 + 16, p)
        })
        .contains("appears twice")
    );
    // Message sizes shorter than the header or far past the end of the file.
    assert!(error(&|m| put16(m, 12, 4)).contains("shorter than its message header"));
    assert!(error(&|m| put16(m, 12, 60_000)).contains("message 31 needs"));
    assert!(matches!(
        patched_radial(|m| m[BODY + 16] = 1),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn gate_counts_beyond_the_limit_are_refused() {
    // A 1 m spacing next to a 30 km spacing asks for 1000 · 30 000 gates per ray.
    let ray = |elevation_number| Ray {
        elevation_number,
        azimuth_deg: 0.0,
        elevation_deg: 0.5,
        ms: 0,
        nyquist_cms: 0,
        gates: vec![
            Gates {
                spacing_m: 30_000,
                ..reflectivity(&[2; 1000])
            },
            Gates {
                spacing_m: 1,
                ..velocity(&[2; 10])
            },
        ],
    };
    let m: Vec<Vec<u8>> = (1..=4).map(|e| message31(&ray(e))).collect();
    let error = decode_error(&uncompressed(&m).0);
    assert!(
        error.contains("limit exceeded") && error.contains("decoded gates"),
        "{error}"
    );
}

#[test]
fn garbage_and_empty_input() {
    for data in [
        &b""[..],
        b"AR2V",
        b"ARCHIVE2",
        &volume_header(),
        b"XXXX0006.001",
    ] {
        assert!(nexrad::decode(data, "g").is_err());
    }
    let error = decode_error(&volume_header());
    assert!(error.contains("no radial"), "{error}");
    let mut zeros = volume_header();
    zeros.extend([0u8; 2 * FRAME_LEN]);
    assert!(decode_error(&zeros).contains("no radial"));
    let mut junk = volume_header();
    junk.extend([0xa5u8; 5000]);
    assert!(nexrad::decode(&junk, "junk").is_err());
}
