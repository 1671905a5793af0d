//! The warning server (`examples/warning_server.rs`) end to end on a synthetic storm day.
//!
//! One S-band and two X-band radars scan a scene every 6 min for 72 min; each volume is written as a CINRAD file.
//! Two steady cells in a light stratiform shield move east at 15 m/s: a heavy-rain cell (50 dBZ) towards the "west district" and a hail cell
//! (66 dBZ, 15 km tops) towards the "south district"; the "north-east district" stays dry. One X-band file is
//! corrupt (truncated) and one is missing (listed, never written). The server reads the paths on standard input.
//!
//! Checked: the server keeps running (both bad files logged as skipped, every cycle computed), the inputs are not
//! modified, every CAP message is a CAP 1.2 alert, a heavy-rain Alert for the west district and a hail Alert for the
//! south district are sent before the true event reaches them (truth: the scene's ≥ 43.8 dBZ = 20 mm/h, resp.
//! ≥ 55 dBZ, echo over the district). Alerts for districts the hazard never reaches are counted and printed
//! (false alarms; the Nowcaster's rules still give some here).
//! Hail is warned over a 30-min window: with 60 min, the cone of a track seen once (3 km of assumed error per scan)
//! reaches 40 km and the first update warns the neighbouring district too (cancelled two updates later).
//! The example is built with `cargo build --release --example warning_server` (Cargo cannot hand tests the path of
//! an example).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use squall::geo::GridSpec;
use squall::io::cinrad;
use squall::io::compression::Compression;
use squall::synth::{
    CellId, CellSpec, MotionField, RadarConfig, SceneConfig, StormSequence, StratiformConfig,
    polar_volume, site_at,
};

/// Grid: 120 km × 120 km, 1 km, centred on (30° N, 114° E).
const N: usize = 120;
const CYCLES: usize = 12;
const CYCLE_S: i64 = 360;
/// Heavy rain: 20 mm/h by Marshall–Palmer (Z = 200 R^1.6), dBZ.
const HEAVY_DBZ: f32 = 43.8;
/// Hail at the ground, dBZ.
const HAIL_DBZ: f32 = 55.0;

/// Districts as rectangles in km of the grid's azimuthal equidistant projection: id, name, x range, y range.
const DISTRICTS: [(u32, &str, [f64; 2], [f64; 2]); 3] = [
    (1, "west district", [-8.0, 12.0], [12.0, 28.0]),
    (2, "south district", [-8.0, 12.0], [-30.0, -14.0]),
    (3, "north-east district", [30.0, 50.0], [38.0, 55.0]),
];

fn spec() -> GridSpec {
    GridSpec::centred_on(30.0, 114.0, N, 1000.0).unwrap()
}

fn scene() -> StormSequence {
    let mut config = SceneConfig::new(17, spec());
    config.n_frames = CYCLES;
    config.timestep_s = CYCLE_S as f64;
    config.motion = MotionField::Uniform { u: 15.0, v: 0.0 };
    // A 15–30 dBZ shield over most of the grid, moving with the flow: texture for the motion estimate (two cells
    // alone leave Lucas–Kanade almost nothing to track), never heavy rain by itself.
    config.stratiform = Some(StratiformConfig {
        centre_x_m: 0.0,
        centre_y_m: 0.0,
        semi_major_m: 70_000.0,
        semi_minor_m: 60_000.0,
        ..StratiformConfig::covering(&spec())
    });
    config
        .cells
        .push(CellSpec::new(CellId(1), -45_000.0, 20_000.0, 50.0, 9_000.0));
    let mut hail = CellSpec::new(CellId(2), -45_000.0, -22_000.0, 66.0, 7_000.0);
    hail.top_m = 15_000.0;
    config.cells.push(hail);
    config.generate().unwrap()
}

/// First frame time at which the truth reaches `dbz` over a district, if ever.
fn event_onset(sequence: &StormSequence, district: usize, dbz: f32) -> Option<DateTime<Utc>> {
    let spec = spec();
    let (_, _, xr, yr) = DISTRICTS[district];
    let stack = sequence.reflectivity_stack();
    (0..CYCLES).find_map(|k| {
        let hit = (0..N).any(|r| {
            (0..N).any(|c| {
                let (x, y) = spec.xy(r, c);
                let (x, y) = (x / 1000.0, y / 1000.0);
                x >= xr[0] && x <= xr[1] && y >= yr[0] && y <= yr[1] && stack[[k, r, c]] >= dbz
            })
        });
        hit.then(|| sequence.config().frame_time(k))
    })
}

struct Day {
    dir: PathBuf,
    /// Paths in arrival order (including the corrupt and the missing one).
    paths: Vec<PathBuf>,
    corrupt: PathBuf,
    missing: PathBuf,
    config: PathBuf,
    sequence: StormSequence,
}

fn write_day(dir: &Path) -> Day {
    let sequence = scene();
    let spec = spec();
    let radars = [
        (
            "S0",
            RadarConfig::s_band_vcp21(site_at(&spec, 0.0, 0.0, "S0").unwrap()),
            10,
        ),
        (
            "X1",
            RadarConfig::x_band(site_at(&spec, -25_000.0, 15_000.0, "X1").unwrap()),
            70,
        ),
        (
            "X2",
            RadarConfig::x_band(site_at(&spec, 5_000.0, -25_000.0, "X2").unwrap()),
            130,
        ),
    ];
    let input = dir.join("incoming");
    std::fs::create_dir_all(&input).unwrap();
    let mut paths = Vec::new();
    let (mut corrupt, mut missing) = (PathBuf::new(), PathBuf::new());
    for k in 0..CYCLES {
        let scene = sequence.scene_3d(k).unwrap();
        for (id, radar, offset_s) in &radars {
            let mut volume = polar_volume(&scene, radar).unwrap().volume;
            volume.start_time = scene.time + Duration::seconds(*offset_s);
            let name = format!(
                "Z_RADR_I_{id}_{}_O_DOR.bin.bz2",
                volume.start_time.format("%Y%m%d%H%M%S")
            );
            let path = input.join(name);
            match (k, *id) {
                (4, "X1") => {
                    // Truncated in transfer: the first 40 % of the compressed file.
                    cinrad::write(&volume, &path, Compression::Bzip2).unwrap();
                    let bytes = std::fs::read(&path).unwrap();
                    std::fs::write(&path, &bytes[..bytes.len() * 2 / 5]).unwrap();
                    corrupt = path.clone();
                }
                (6, "X2") => missing = path.clone(),
                _ => cinrad::write(&volume, &path, Compression::Bzip2).unwrap(),
            }
            paths.push(path);
        }
    }
    let lonlat = |x: f64, y: f64| spec.projection.inverse(x * 1000.0, y * 1000.0).unwrap();
    let features: Vec<Value> = DISTRICTS
        .iter()
        .map(|(id, name, xr, yr)| {
            let ring: Vec<[f64; 2]> = [
                (xr[0], yr[0]),
                (xr[1], yr[0]),
                (xr[1], yr[1]),
                (xr[0], yr[1]),
                (xr[0], yr[0]),
            ]
            .iter()
            .map(|&(x, y)| {
                let (lon, lat) = lonlat(x, y);
                [lon, lat]
            })
            .collect();
            serde_json::json!({"type": "Feature", "properties": {"id": id, "name": name},
                               "geometry": {"type": "Polygon", "coordinates": [ring]}})
        })
        .collect();
    std::fs::write(
        dir.join("regions.geojson"),
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    let radar_toml: String = radars
        .iter()
        .map(|(id, r, _)| {
            format!(
                "[[radar]]\nid = \"{id}\"\nlatitude_deg = {}\nlongitude_deg = {}\naltitude_m = {}\nband = \"{}\"\n\n",
                r.site.latitude_deg,
                r.site.longitude_deg,
                r.site.altitude_m,
                if *id == "S0" { "S" } else { "X" }
            )
        })
        .collect();
    let config = format!(
        r#"{radar_toml}
[grid]
centre_latitude_deg = 30.0
centre_longitude_deg = 114.0
nx = {N}
ny = {N}
spacing_m = 1000.0
heights_m = [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0, 8000.0, 10000.0, 12000.0, 14000.0]

[cycle]
length_s = {CYCLE_S}.0
wait_s = 60.0
tolerance_s = 300.0

[nowcast]
method = "steps"
members = 8
lead_time_min = 60.0
cascade_levels = 5
seed = 1

[warnings]
regions = "regions.geojson"
sender = "test@example.org"
status = "Test"

[warnings.heavy_rain]
levels = [{{ level = "warning", p_on = 0.3, p_off = 0.1 }}]
max_lead_s = 3600.0
cancel_after = 2
valid_for_s = 3600.0

[warnings.hail]
levels = [{{ level = "warning", p_on = 0.5, p_off = 0.3 }}]
max_lead_s = 1800.0
cancel_after = 2
valid_for_s = 3600.0
"#
    );
    let config_path = dir.join("nowcaster.toml");
    std::fs::write(&config_path, config).unwrap();
    Day {
        dir: dir.to_owned(),
        paths,
        corrupt,
        missing,
        config: config_path,
        sequence,
    }
}

/// Builds the example (a no-op when `cargo test` already built it) and returns its path.
fn server_binary() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--example", "warning_server"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building the example failed");
    // This test runs from <target>/release/deps/; examples are in <target>/release/examples/.
    let exe = std::env::current_exe().unwrap();
    let release = exe.parent().and_then(Path::parent).unwrap();
    release
        .join("examples")
        .join(format!("warning_server{}", std::env::consts::EXE_SUFFIX))
}

/// Text of the first `<tag>…</tag>` in a CAP message.
fn element<'a>(xml: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = xml[start..]
        .find(&format!("</{tag}>"))
        .map_or(start, |i| start + i);
    &xml[start..end]
}

#[derive(Debug)]
struct Cap {
    msg_type: String,
    event: String,
    area_id: u32,
    sent: DateTime<Utc>,
}

fn read_caps(dir: &Path) -> Vec<Cap> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let xml = std::fs::read_to_string(&path).unwrap();
        assert!(
            xml.contains("<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">"),
            "{xml}"
        );
        let identifier = element(&xml, "identifier");
        assert!(path.file_stem().unwrap().to_string_lossy().len() >= identifier.len() / 2);
        let value = element(&xml, "geocode");
        out.push(Cap {
            msg_type: element(&xml, "msgType").to_owned(),
            event: element(&xml, "event").to_owned(),
            area_id: element(value, "value").trim().parse().unwrap(),
            sent: element(&xml, "sent").parse().unwrap(),
        });
    }
    out.sort_by_key(|c| c.sent);
    out
}

fn fingerprint(paths: &[PathBuf]) -> BTreeMap<PathBuf, (u64, u64)> {
    paths
        .iter()
        .filter(|p| p.exists())
        .map(|p| {
            let bytes = std::fs::read(p).unwrap();
            // FNV-1a: a change of any byte changes it.
            let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            (p.clone(), (bytes.len() as u64, hash))
        })
        .collect()
}

#[test]
fn storm_day_gives_timely_warnings_and_survives_bad_files() {
    let dir = std::env::temp_dir().join(format!("squall-warning-server-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let server = server_binary();
    let day = write_day(&dir);
    let before = fingerprint(&day.paths);
    let out = day.dir.join("out");
    let mut child = Command::new(&server)
        .arg("--config")
        .arg(&day.config)
        .arg("--out")
        .arg(&out)
        .args(["--stdin", "--png"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut stdin = child.stdin.take().unwrap();
        for p in &day.paths {
            writeln!(stdin, "{}", p.display()).unwrap();
        }
    }
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(before, fingerprint(&day.paths), "an input file changed");

    // The log: both bad files skipped, every other volume taken, every cycle computed.
    let log: Vec<Value> = std::fs::read_to_string(out.join("log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &str| -> Vec<&Value> { log.iter().filter(|e| e["event"] == kind).collect() };
    let skipped: Vec<String> = of("skipped")
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        skipped,
        [
            day.corrupt.display().to_string(),
            day.missing.display().to_string()
        ]
    );
    assert_eq!(of("volume").len(), day.paths.len() - 2);
    let updates = of("update");
    let fresh: Vec<_> = updates
        .iter()
        .filter(|u| u["recomputed"] == false)
        .collect();
    assert_eq!(fresh.len(), CYCLES, "{stderr}");
    let dropped_out: Vec<_> = fresh
        .iter()
        .filter(|u| !u["radars_missing"].as_array().unwrap().is_empty())
        .map(|u| u["time"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        dropped_out.len(),
        2,
        "cycles without a radar: {dropped_out:?}"
    );
    let mut totals: Vec<f64> = fresh
        .iter()
        .map(|u| u["total_s"].as_f64().unwrap())
        .collect();
    totals.sort_by(f64::total_cmp);
    eprintln!(
        "update times: median {:.2} s, max {:.2} s over {} updates",
        totals[totals.len() / 2],
        totals[totals.len() - 1],
        totals.len()
    );
    assert!(
        fresh
            .iter()
            .all(|u| u["stages_s"]["ensemble"].as_f64().is_some())
    );

    // Products of the last cycle.
    let last = updates.last().unwrap()["time"].as_str().unwrap();
    let stamp = last
        .parse::<DateTime<Utc>>()
        .unwrap()
        .format("%Y%m%dT%H%M%SZ");
    for name in [
        format!("products_{stamp}.nc"),
        format!("nowcast_{stamp}.nc"),
        format!("composite_{stamp}.png"),
        format!("heavy_rain_{stamp}.png"),
    ] {
        assert!(out.join("products").join(&name).exists(), "{name}");
    }

    // The warnings against the known events.
    let caps = read_caps(&out.join("cap"));
    let first_alert = |event: &str, area: u32| {
        caps.iter()
            .find(|c| c.msg_type == "Alert" && c.event == event && c.area_id == area)
    };
    let rain_onset =
        event_onset(&day.sequence, 0, HEAVY_DBZ).expect("the rain reaches the west district");
    let hail_onset =
        event_onset(&day.sequence, 1, HAIL_DBZ).expect("the hail reaches the south district");
    let rain =
        first_alert("Heavy rain", 1).unwrap_or_else(|| panic!("no heavy-rain alert: {caps:?}"));
    let hail = first_alert("Hail", 2).unwrap_or_else(|| panic!("no hail alert: {caps:?}"));
    eprintln!(
        "heavy rain: alert {} for an event at {} (lead {} min); hail: alert {} for {} (lead {} min)",
        rain.sent,
        rain_onset,
        (rain_onset - rain.sent).num_minutes(),
        hail.sent,
        hail_onset,
        (hail_onset - hail.sent).num_minutes()
    );
    assert!(rain.sent < rain_onset);
    assert!(hail.sent < hail_onset);
    // False alarms (alerts of a hazard for a district whose truth never reaches that hazard) are reported, not
    // asserted: in this scene the Nowcaster's rules still give some.
    let false_alarms: Vec<_> = caps
        .iter()
        .filter(|c| c.msg_type == "Alert")
        .filter(|c| {
            let district = DISTRICTS.iter().position(|d| d.0 == c.area_id).unwrap();
            let dbz = if c.event == "Hail" {
                HAIL_DBZ
            } else {
                HEAVY_DBZ
            };
            event_onset(&day.sequence, district, dbz).is_none()
        })
        .collect();
    eprintln!(
        "{} alerts, {} false alarms: {false_alarms:?}",
        caps.iter().filter(|c| c.msg_type == "Alert").count(),
        false_alarms.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
