//! Helpers shared by the integration tests.

pub mod nowcaster_toml;
pub mod peer_summary;

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use ndarray::Array2;
use squall::volume::{GateStatus, Moment, PolarVolume, Site, Sweep, SweepMode};

/// Path of a file in `../shared/data/radar/`, or `None` (with a message on stderr) when the shared data folder
/// is absent, so that the calling test can skip.
pub fn shared_radar_file(name: &str) -> Option<PathBuf> {
    shared("radar", name, Path::exists)
}

/// The volume in a file of `../shared/data/radar/`, read with [`squall::io::open_volume`], or `None` (with a
/// message) when the shared data folder is absent.
pub fn shared_volume(name: &str) -> Option<PolarVolume> {
    let path = shared_radar_file(name)?;
    Some(squall::io::open_volume(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A folder of `../shared/data/nowcast/`, or `None` (with a message) when the shared data is absent.
pub fn nowcast_dir(relative: &str) -> Option<PathBuf> {
    shared("nowcast", relative, Path::is_dir)
}

/// `../shared/data/<folder>/<relative>` if `present` says it is there, else `None` with a message.
fn shared(folder: &str, relative: &str, present: fn(&Path) -> bool) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(folder)
        .join(relative);
    if present(&path) {
        Some(path)
    } else {
        eprintln!(
            "SKIP: {} not found (the shared data folder is absent)",
            path.display()
        );
        None
    }
}

/// Counts, POD, FAR, CSI and lead times of a warning verification, on one line.
pub fn verification_line(v: &squall::verify::WarningVerification) -> String {
    let leads: Vec<i64> = v.lead_times_s.iter().map(|s| s / 60).collect();
    format!(
        "events {} warned {} warnings {} verified {}: POD {:.3} FAR {:.3} CSI {:.3}, lead times (min) {leads:?}, \
         median {:.1} min",
        v.events,
        v.warned_events,
        v.warnings,
        v.verified_warnings,
        v.pod(),
        v.far(),
        v.csi(),
        v.median_lead_time_s() / 60.0
    )
}

/// A reference fixture from `testdata/reference/`, parsed as JSON.
pub fn reference_json(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/reference")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A new empty folder `squall-<name>-<process id>` in the system temporary directory (outside the repository),
/// emptied first if an earlier run left it behind.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("squall-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The little-endian `f32` values of a gzip file, as the scripts in `benches/compare/` record fields.
pub fn read_f32_gz(path: &Path) -> Vec<f32> {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut raw)
        .unwrap();
    raw.chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Pearson correlation of two equally long samples.
pub fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

/// A small volume with every gate status, in one or two sweeps.
pub fn small_volume(n_sweeps: usize, mode: SweepMode) -> PolarVolume {
    let sweep = |angle: f32, n_rays: usize, n_gates: usize| {
        let mut dbzh = Moment::from_values(
            "DBZH",
            "dBZ",
            Array2::from_shape_fn((n_rays, n_gates), |(r, g)| -10.0 + (r * 7 + g) as f32 * 0.5),
        );
        dbzh.set_status(0, 0, GateStatus::NoEcho);
        dbzh.set_status(1, 2, GateStatus::NoData);
        let mut vradh = Moment::from_values(
            "VRADH",
            "m/s",
            Array2::from_shape_fn((n_rays, n_gates), |(r, g)| (r as f32 - g as f32) * 0.25),
        );
        vradh.set_status(2, 3, GateStatus::RangeFolded);
        Sweep {
            mode,
            fixed_angle_deg: angle,
            azimuth_deg: (0..n_rays)
                .map(|r| r as f32 * 360.0 / n_rays as f32)
                .collect(),
            elevation_deg: vec![angle; n_rays],
            time_s: (0..n_rays).map(|r| r as f64 * 0.05).collect(),
            first_gate_m: 62.5,
            gate_spacing_m: 62.5,
            nyquist_mps: Some(16.0),
            moments: vec![dbzh, vradh],
        }
    };
    PolarVolume {
        site: Site {
            id: "Z9999".into(),
            name: "测试站".into(),
            latitude_deg: 22.5,
            longitude_deg: 114.0,
            altitude_m: 120.0,
        },
        frequency_mhz: Some(9400.0),
        beam_width_deg: 1.0,
        start_time: Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap(),
        sweeps: (0..n_sweeps)
            .map(|s| sweep(0.5 + s as f32, 12 - 2 * s, 20 - 4 * s))
            .collect(),
    }
}

/// One frame of a decoded animated PNG: RGB pixels (`width · height · 3` bytes) and its delay as a fraction of a
/// second (numerator, denominator).
pub struct ApngFrame {
    pub pixels: Vec<u8>,
    pub delay: (u16, u16),
}

/// Decodes an 8-bit RGB APNG with the `png` crate: `(width, height, number of plays, frames)`; panics when the file
/// is not an animated PNG or a frame is not the full image.
pub fn decode_apng(path: &std::path::Path) -> (u32, u32, u32, Vec<ApngFrame>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap();
    let info = reader.info();
    let (width, height) = (info.width, info.height);
    assert_eq!(
        (info.color_type, info.bit_depth),
        (png::ColorType::Rgb, png::BitDepth::Eight)
    );
    let actl = info
        .animation_control
        .expect("an animated PNG (acTL chunk)");
    let mut frames = Vec::new();
    for _ in 0..actl.num_frames {
        let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut pixels).unwrap();
        let fctl = reader
            .info()
            .frame_control
            .expect("an fcTL chunk per frame");
        assert_eq!(
            (fctl.width, fctl.height, fctl.x_offset, fctl.y_offset),
            (width, height, 0, 0)
        );
        frames.push(ApngFrame {
            pixels,
            delay: (fctl.delay_num, fctl.delay_den),
        });
    }
    (width, height, actl.num_plays, frames)
}
