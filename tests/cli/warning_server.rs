//! The warning server (`examples/warning_server.rs`) end to end on a synthetic storm day.
//!
//! One S-band and two X-band radars scan a scene every 6 min for 72 min; each volume is written as a CINRAD file
//! (S band gzip, X band bzip2). Two steady cells in a light stratiform shield move east at 15 m/s: a heavy-rain
//! cell (50 dBZ) towards the "west district" and a hail cell (66 dBZ, 15 km tops) towards the "south district"; the
//! "north-east district" stays dry. One X-band file is corrupt (truncated) and one is missing (listed, never
//! written).
//!
//! - `storm_day_gives_timely_warnings_and_survives_bad_files`: the server reads the paths on standard input. The
//!   server keeps running (both bad files logged as skipped, every cycle computed), the inputs are not modified,
//!   every CAP message is a CAP 1.2 alert, and the warnings verified against the known events (truth: the scene's
//!   ≥ 43.8 dBZ = 20 mm/h, resp. ≥ 55 dBZ, echo over the district at each scan time) give the POD, FAR, CSI and
//!   lead times asserted below.
//! - `watched_folder_takes_each_settled_volume_once`: the first cycles arrive one by one in a watched folder while
//!   the server runs: S-band files written in small chunks under their final name, X1 files written as `.part` and
//!   renamed, X2 files copied at once, a temporary file that is never finished, and the corrupt file. Each volume is
//!   taken once and only when complete, the bad file is logged and skipped, and the server stops by itself after
//!   `--idle-exit-s` seconds without a new file.
//!
//! Hail is warned over a 30-min window: with 60 min, the cone of a track seen once (3 km of assumed error per scan)
//! reaches 40 km and the first update warns the neighbouring district too (cancelled two updates later).
//! Heavy rain is warned over a 40-min window: with 60 min, the 8-member STEPS ensemble's motion perturbations
//! (Bowler et al. 2006: about 14 km across the flow, 1 σ, at 50 min) carry the heavy-rain core of the cell that
//! passes 18 km south of the north-east district into it in 3 of 8 members at 48–54 min (P = 0.375 ≥ p_on = 0.3),
//! and the dry district is warned (all hazards: POD 1, FAR 0.25, CSI 0.75).
//! The server is the example binary `cargo test` builds next to the tests (`<target>/release/examples/`); it is
//! built here only when missing or older than a source it was built from (a targeted `cargo test --test`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration as StdDuration, SystemTime};

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use squall::geo::GridSpec;
use squall::io::cinrad;
use squall::io::compression::Compression;
use squall::synth::{
    CellId, CellSpec, MotionField, RadarConfig, SceneConfig, StormSequence, StratiformConfig,
    polar_volume, site_at,
};
use squall::verify::{ObservedEvent, RegionId, Warning, WarningVerification, verify_warnings};

use crate::common;
use common::nowcaster_toml::{NowcasterToml, RuleToml};

use crate::SpawnLocked;

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

/// Scan times at which the truth reaches `dbz` over a district.
fn event_times(sequence: &StormSequence, district: usize, dbz: f32) -> Vec<DateTime<Utc>> {
    let spec = spec();
    let (_, _, xr, yr) = DISTRICTS[district];
    let stack = sequence.reflectivity_stack();
    (0..CYCLES)
        .filter(|&k| {
            (0..N).any(|r| {
                (0..N).any(|c| {
                    let (x, y) = spec.xy(r, c);
                    let (x, y) = (x / 1000.0, y / 1000.0);
                    x >= xr[0] && x <= xr[1] && y >= yr[0] && y <= yr[1] && stack[[k, r, c]] >= dbz
                })
            })
        })
        .map(|k| sequence.config().frame_time(k))
        .collect()
}

/// The known events of a hazard (CAP event name): one per district and scan time with the truth over it.
fn events(sequence: &StormSequence, event: &str) -> Vec<ObservedEvent> {
    let dbz = if event == "Hail" { HAIL_DBZ } else { HEAVY_DBZ };
    (0..DISTRICTS.len())
        .flat_map(|d| {
            event_times(sequence, d, dbz)
                .into_iter()
                .map(move |time| ObservedEvent {
                    region: RegionId(DISTRICTS[d].0),
                    time,
                })
        })
        .collect()
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

/// The day, written once for both tests.
fn day() -> &'static Day {
    static DAY: OnceLock<Day> = OnceLock::new();
    DAY.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("squall-warning-server-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        write_day(&dir)
    })
}

/// Removes the day's folder after the last of the two tests (a failed test leaves it for inspection).
fn done_with_day() {
    static DONE: AtomicUsize = AtomicUsize::new(0);
    if DONE.fetch_add(1, Ordering::SeqCst) == 1 {
        let _ = std::fs::remove_dir_all(&day().dir);
    }
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
            // S band gzip (large, fast to read), X band bzip2.
            let (compression, suffix) = match *id {
                "S0" => (Compression::Gzip, "gz"),
                _ => (Compression::Bzip2, "bz2"),
            };
            let name = format!(
                "Z_RADR_I_{id}_{}_O_DOR.bin.{suffix}",
                volume.start_time.format("%Y%m%d%H%M%S")
            );
            let path = input.join(name);
            match (k, *id) {
                (4, "X1") => {
                    // Truncated in transfer: the first 40 % of the compressed file.
                    cinrad::write(&volume, &path, compression).unwrap();
                    let bytes = std::fs::read(&path).unwrap();
                    std::fs::write(&path, &bytes[..bytes.len() * 2 / 5]).unwrap();
                    corrupt = path.clone();
                }
                (6, "X2") => missing = path.clone(),
                _ => cinrad::write(&volume, &path, compression).unwrap(),
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
    let rule = |p_on, p_off, max_lead_s| RuleToml {
        p_on,
        p_off,
        max_lead_s,
        valid_for_s: 3600.0,
    };
    let config = NowcasterToml {
        radars: radars
            .iter()
            .map(|(id, r, _)| (*id, r.site.clone(), if *id == "S0" { 'S' } else { 'X' }))
            .collect(),
        centre_deg: (30.0, 114.0),
        n: N,
        heights_m: &[
            1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0, 8000.0, 10000.0, 12000.0,
            14000.0,
        ],
        cycle_s: CYCLE_S as f64,
        tolerance_s: 300.0,
        nowcast: "method = \"steps\"\nmembers = 8\nlead_time_min = 60.0\ncascade_levels = 5\nseed = 1",
        regions: "regions.geojson",
        heavy_rain: rule(0.3, 0.1, 2400.0),
        hail: rule(0.5, 0.3, 1800.0),
        extra: "",
    };
    let config_path = dir.join("nowcaster.toml");
    std::fs::write(&config_path, config.render()).unwrap();
    Day {
        dir: dir.to_owned(),
        paths,
        corrupt,
        missing,
        config: config_path,
        sequence,
    }
}

/// The example binary that `cargo test` built next to this test (`<target>/release/examples/`). It is built here
/// only when it is missing or older than a source file it was built from (listed in its dep-info file), i.e. when
/// only this test was built (`cargo test --test warning_server`); `cargo test --workspace` builds it with the
/// workspace's features and running `cargo build` here would rebuild the crate with other ones.
fn server_binary() -> PathBuf {
    // The target folder cargo uses (relative to the package when relative), else the one this test runs from
    // (<target>/release/deps/).
    let release = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(dir)
            .join("release"),
        None => {
            let exe = std::env::current_exe().unwrap();
            exe.parent().and_then(Path::parent).unwrap().to_owned()
        }
    };
    let examples = release.join("examples");
    let binary = examples.join(format!("warning_server{}", std::env::consts::EXE_SUFFIX));
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let stale = match (
        modified(&binary),
        std::fs::read_to_string(examples.join("warning_server.d")),
    ) {
        (Some(built), Ok(depinfo)) => depinfo.split_once(": ").is_none_or(|(_, sources)| {
            sources
                .split_whitespace()
                .filter(|s| !s.ends_with('\\'))
                .any(|s| modified(Path::new(s)).is_none_or(|m| m > built))
        }),
        _ => true,
    };
    if stale {
        eprintln!("building the warning_server example (missing or out of date)");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--release", "--example", "warning_server"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .spawn_locked()
            .and_then(|mut child| child.wait())
            .unwrap();
        assert!(status.success(), "building the example failed");
    }
    binary
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
    expires: DateTime<Utc>,
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
            expires: element(&xml, "expires").parse().unwrap(),
        });
    }
    out.sort_by_key(|c| c.sent);
    out
}

/// The warnings of one hazard: an Alert opens one for its district, Updates extend it to their expiry, a Cancel
/// ends it (one incident per hazard and district at a time).
fn warnings_of(caps: &[Cap], event: &str) -> Vec<Warning> {
    let mut open: BTreeMap<u32, Warning> = BTreeMap::new();
    let mut out = Vec::new();
    for c in caps.iter().filter(|c| c.event == event) {
        match c.msg_type.as_str() {
            "Alert" => {
                let w = Warning {
                    region: RegionId(c.area_id),
                    issued: c.sent,
                    valid_from: c.sent,
                    valid_until: c.expires,
                };
                if let Some(earlier) = open.insert(c.area_id, w) {
                    out.push(earlier);
                }
            }
            "Update" => {
                if let Some(w) = open.get_mut(&c.area_id) {
                    w.valid_until = c.expires;
                }
            }
            _ => {
                if let Some(mut w) = open.remove(&c.area_id) {
                    w.valid_until = c.sent;
                    out.push(w);
                }
            }
        }
    }
    out.extend(open.into_values());
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

/// The server's JSON-lines log.
fn read_log(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out.join("log.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn of<'a>(log: &'a [Value], kind: &str) -> Vec<&'a Value> {
    log.iter().filter(|e| e["event"] == kind).collect()
}

fn paths_of(events: &[&Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn storm_day_gives_timely_warnings_and_survives_bad_files() {
    let server = server_binary();
    let day = day();
    let before = fingerprint(&day.paths);
    let out = day.dir.join("out-stdin");
    let mut child = Command::new(&server)
        .arg("--config")
        .arg(&day.config)
        .arg("--out")
        .arg(&out)
        .args(["--stdin", "--png"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn_locked()
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
    let log = read_log(&out);
    assert_eq!(
        paths_of(&of(&log, "skipped")),
        [
            day.corrupt.display().to_string(),
            day.missing.display().to_string()
        ]
    );
    assert_eq!(of(&log, "volume").len(), day.paths.len() - 2);
    let updates = of(&log, "update");
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
    let mut all = WarningVerification::default();
    for event in ["Heavy rain", "Hail"] {
        let truth = events(&day.sequence, event);
        let warnings = warnings_of(&caps, event);
        let v = verify_warnings(&warnings, &truth).unwrap();
        // Lead time of the first event of each warned district.
        let first: Vec<String> = DISTRICTS
            .iter()
            .filter_map(|d| {
                let onset = truth
                    .iter()
                    .filter(|e| e.region.0 == d.0)
                    .map(|e| e.time)
                    .min()?;
                let w = warnings
                    .iter()
                    .find(|w| w.region.0 == d.0 && w.issued <= onset)?;
                Some(format!("{}: {} min", d.1, (onset - w.issued).num_minutes()))
            })
            .collect();
        eprintln!(
            "{event}: {}; lead time of the first event per district {first:?}",
            common::verification_line(&v)
        );
        all.events += v.events;
        all.warned_events += v.warned_events;
        all.warnings += v.warnings;
        all.verified_warnings += v.verified_warnings;
        all.lead_times_s.extend(v.lead_times_s);
    }
    all.lead_times_s.sort_unstable();
    eprintln!("all hazards: {}", common::verification_line(&all));
    let leads: Vec<i64> = all.lead_times_s.iter().map(|s| s / 60).collect();
    // Every event warned, and warned ahead: the first events of the two districts 24 and 30 min ahead.
    assert_eq!(all.pod(), 1.0, "{caps:?}");
    assert!(*leads.first().unwrap() >= 24, "{leads:?}");
    assert!(all.median_lead_time_s() >= 30.0 * 60.0, "{leads:?}");
    // No false alarm: nothing for the north-east district, no hail for the west district.
    assert_eq!(all.far(), 0.0, "{caps:?}");
    assert_eq!(all.csi(), 1.0);
    done_with_day();
}

/// Cycles delivered to the watched folder (the corrupt file is in the last one).
const WATCHED_CYCLES: usize = 5;

/// Writes `bytes` to `path` in small pieces, so that the file is seen growing.
fn write_slowly(path: &Path, bytes: &[u8]) {
    let mut file = std::fs::File::create(path).unwrap();
    for chunk in bytes.chunks(bytes.len().div_ceil(20)) {
        file.write_all(chunk).unwrap();
        file.flush().unwrap();
        std::thread::sleep(StdDuration::from_millis(30));
    }
}

#[test]
fn watched_folder_takes_each_settled_volume_once() {
    let server = server_binary();
    let day = day();
    let watched = day.dir.join("watched");
    std::fs::create_dir_all(&watched).unwrap();
    let out = day.dir.join("out-watch");
    let child = Command::new(&server)
        .arg("--config")
        .arg(&day.config)
        .arg("--out")
        .arg(&out)
        .arg("--watch")
        .arg(&watched)
        .args([
            "--poll-ms",
            "100",
            "--settle-ms",
            "800",
            "--idle-exit-s",
            "6",
        ])
        .stderr(Stdio::piped())
        .spawn_locked()
        .unwrap();
    // A temporary file that is never finished, and a file in a sub-folder: neither is taken.
    std::fs::write(watched.join(".incoming.tmp"), b"half").unwrap();
    std::fs::create_dir_all(watched.join("archive")).unwrap();
    let mut delivered = Vec::new();
    let started = SystemTime::now();
    for source in day.paths.iter().take(3 * WATCHED_CYCLES) {
        let Ok(bytes) = std::fs::read(source) else {
            continue; // the missing file
        };
        let target = watched.join(source.file_name().unwrap());
        let name = target.file_name().unwrap().to_string_lossy().into_owned();
        if name.contains("_S0_") {
            write_slowly(&target, &bytes);
        } else if name.contains("_X1_") {
            let part = watched.join(format!("{name}.part"));
            write_slowly(&part, &bytes);
            std::fs::rename(&part, &target).unwrap();
        } else {
            std::fs::write(&target, &bytes).unwrap();
        }
        delivered.push(target);
        std::thread::sleep(StdDuration::from_millis(200));
    }
    let corrupt = watched.join(day.corrupt.file_name().unwrap());
    assert!(delivered.contains(&corrupt));
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    eprintln!(
        "watch mode: {} files delivered, server done after {:.0} s",
        delivered.len(),
        started.elapsed().unwrap().as_secs_f64()
    );

    let log = read_log(&out);
    // Every complete file taken exactly once, the corrupt one skipped once, nothing else looked at.
    let mut taken = paths_of(&of(&log, "volume"));
    taken.sort();
    let mut expected: Vec<String> = delivered
        .iter()
        .filter(|p| **p != corrupt)
        .map(|p| p.display().to_string())
        .collect();
    expected.sort();
    assert_eq!(taken, expected, "{stderr}");
    assert_eq!(
        paths_of(&of(&log, "skipped")),
        [corrupt.display().to_string()],
        "{stderr}"
    );
    // The server went on after the corrupt file (cycle 4's other volumes come after it) and computed every cycle.
    let fresh: Vec<_> = of(&log, "update")
        .into_iter()
        .filter(|u| u["recomputed"] == false)
        .collect();
    assert_eq!(fresh.len(), WATCHED_CYCLES, "{stderr}");
    assert!(
        fresh
            .iter()
            .skip(2)
            .all(|u| u["nowcast"] == true && u["stages_s"]["ensemble"].as_f64().is_some())
    );
    let summary = of(&log, "summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["volumes"], expected.len());
    // The same warnings as the standard-input run over these cycles: the first hail and heavy-rain alerts.
    let caps = read_caps(&out.join("cap"));
    assert!(
        caps.iter()
            .any(|c| c.msg_type == "Alert" && c.event == "Hail" && c.area_id == 2),
        "{caps:?}"
    );
    assert!(
        caps.iter()
            .any(|c| c.msg_type == "Alert" && c.event == "Heavy rain" && c.area_id == 1),
        "{caps:?}"
    );
    // The unfinished temporary file is still there, untouched.
    assert_eq!(
        std::fs::read(watched.join(".incoming.tmp")).unwrap(),
        b"half"
    );
    done_with_day();
}
