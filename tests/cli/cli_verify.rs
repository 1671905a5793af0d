//! `squall verify` end to end: a forecast file built from a synthetic scene with known scores, verified against
//! observed composites written as FMI PGM files; a persistence forecast on the real BoM sequence against pysteps'
//! scores (`testdata/reference/verify_cli_bom_pysteps.json`); and the errors for a missing time and a mismatched
//! grid.

use crate::common;
use crate::{assert_fails_with, squall};

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ndarray::{Array2, Array3, Array4, Axis, s};
use serde_json::Value;
use squall::io::cf_netcdf::{EnsembleField, Field, write_forecast};
use squall::io::composite::open_grid;

/// Image side, pixels.
const N: usize = 64;
/// Raw PGM value of the rain cell: 0.5 · 144 − 32 = 40 dBZ.
const CELL_RAW: u8 = 144;
/// Raw PGM value of the background: −32 dBZ (no echo).
const BACKGROUND_RAW: u8 = 0;
/// Shift of the forecast cell at lead 2, pixels east.
const SHIFT: usize = 4;

/// Runs a command with [`crate::netcdf_lock`] held.
fn output(command: &mut Command) -> Output {
    let _lock = crate::netcdf_lock();
    command.output().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    common::scratch_dir(&format!("cli-verify-{name}"))
}

/// The observed scene: a 16 × 16 cell of 40 dBZ at rows 20..36, columns 20..36.
fn scene(width: usize) -> Array2<u8> {
    let mut raw = Array2::from_elem((N, width), BACKGROUND_RAW);
    raw.slice_mut(s![20..36, 20..36]).fill(CELL_RAW);
    raw
}

/// Writes an FMI PGM composite (polar stereographic, FMI's header comments) valid at 2016-09-28 16:MM UTC.
fn write_pgm(dir: &Path, minute: u32, raw: &Array2<u8>) -> PathBuf {
    let (ny, nx) = raw.dim();
    let mut bytes = format!(
        "P5\n# obstime 2016092816{minute:02}\n# projection radar {{\n# type stereographic\n\
         # centrallongitude 25\n# centrallatitude 90\n# truelatitude 60\n\
         # bottomleft 24.000000 60.000000\n# topright 25.200000 60.580000\n# }}\n{nx} {ny}\n255\n"
    )
    .into_bytes();
    bytes.extend(raw.iter());
    let path = dir.join(format!(
        "2016092816{minute:02}_fmi.radar.composite.lowest_FIN_SUOMI1.pgm"
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Observations at 16:05, 16:10, 16:15 in `dir`; returns their paths.
fn observations(dir: &Path) -> Vec<PathBuf> {
    [5, 10, 15]
        .iter()
        .map(|&m| write_pgm(dir, m, &scene(N)))
        .collect()
}

/// A scratch folder `name` with the observations and a forecast file of them ([`write_forecast_file`]):
/// `(folder, observation paths, forecast path)`.
fn observed_and_forecast(name: &str, with_ensemble: bool) -> (PathBuf, Vec<PathBuf>, PathBuf) {
    let dir = scratch(name);
    let obs = observations(&dir);
    let forecast = write_forecast_file(&dir, &obs[0], with_ensemble);
    (dir, obs, forecast)
}

/// Valid times 0, 5 and 10 min after `t0`.
fn three_times(t0: chrono::DateTime<chrono::Utc>) -> Vec<Option<chrono::DateTime<chrono::Utc>>> {
    [0, 5, 10]
        .iter()
        .map(|&m| Some(t0 + chrono::Duration::minutes(m)))
        .collect()
}

/// A forecast of the three observation times: lead 1 and 3 equal to the observation, lead 2 shifted SHIFT
/// pixels east; with `members`, a 2-member ensemble of (observation, shifted observation) at every lead.
fn write_forecast_file(dir: &Path, obs: &Path, with_ensemble: bool) -> PathBuf {
    let grid = open_grid(obs).unwrap();
    let observed = grid.values.clone();
    let mut shifted = Array2::from_elem((N, N), -32.0_f32);
    shifted
        .slice_mut(s![.., SHIFT..])
        .assign(&observed.slice(s![.., ..N - SHIFT]));
    let deterministic =
        ndarray::stack(Axis(0), &[observed.view(), shifted.view(), observed.view()]).unwrap();
    let members = Array4::from_shape_fn((3, 2, N, N), |(_, m, r, c)| {
        if m == 0 {
            observed[[r, c]]
        } else {
            shifted[[r, c]]
        }
    });
    let times = three_times(grid.time.unwrap());
    let path = dir.join("forecast.nc");
    let fields = [Field {
        name: "DBZH",
        units: "dBZ",
        values: deterministic.view(),
    }];
    let ensembles = [EnsembleField {
        name: "DBZH_ensemble",
        units: "dBZ",
        values: members.view(),
    }];
    let ensembles: &[EnsembleField] = if with_ensemble { &ensembles } else { &[] };
    let _lock = crate::netcdf_lock();
    write_forecast(&path, &grid.spec, &times, &fields, ensembles).unwrap();
    path
}

/// `squall verify --forecast FORECAST --obs OBS…`, to which a test adds its options.
fn verify<O: AsRef<OsStr>>(forecast: &Path, obs: impl IntoIterator<Item = O>) -> Command {
    let mut command = squall();
    command
        .arg("verify")
        .arg("--forecast")
        .arg(forecast)
        .arg("--obs")
        .args(obs);
    command
}

fn run(forecast: &Path, obs: &[PathBuf], extra: &[&str]) -> Output {
    output(
        verify(forecast, obs)
            .args(["--thresholds", "10,30", "--scales", "1,9"])
            .args(extra),
    )
}

fn json_of(out: &Output) -> Value {
    crate::assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap()
}

fn close(value: &Value, expected: f64, what: &str) {
    let v = value.as_f64().unwrap_or_else(|| panic!("{what}: {value}"));
    assert!(
        (v - expected).abs() < 1e-9,
        "{what}: {v}, expected {expected}"
    );
}

#[test]
fn identical_and_shifted_forecasts_have_their_known_scores() {
    let (dir, _, forecast) = observed_and_forecast("known", true);
    // The folder form: the forecast file in it is not a composite and is skipped.
    let report = json_of(&run(&forecast, std::slice::from_ref(&dir), &["--json"]));
    assert_eq!(report["deterministic"], "DBZH");
    assert_eq!(report["ensemble"]["members"], 2);
    let leads = report["leads"].as_array().unwrap();
    assert_eq!(leads.len(), 3);
    assert_eq!(leads[1]["valid_time"], "2016-09-28T16:10:00Z");
    assert!(
        leads[1]["observation"]
            .as_str()
            .unwrap()
            .contains("201609281610")
    );

    // Lead 1: the forecast is the observation.
    let lead = &leads[0];
    for row in lead["categorical"].as_array().unwrap() {
        for score in ["pod", "csi", "bias"] {
            close(&row[score], 1.0, score);
        }
        close(&row["far"], 0.0, "far");
        close(&row["hss"], 1.0, "hss");
    }
    close(&lead["continuous"]["rmse"], 0.0, "rmse");
    close(&lead["continuous"]["mae"], 0.0, "mae");
    close(&lead["continuous"]["corr"], 1.0, "corr");
    for row in lead["fss"].as_array().unwrap() {
        for v in row["fss"].as_array().unwrap() {
            close(v, 1.0, "fss");
        }
    }

    // Lead 2: the 16 × 16 cell shifted 4 px: 192 hits, 64 misses, 64 false alarms among 4096 pixels.
    let lead = &leads[1];
    let row = &lead["categorical"][1];
    assert_eq!(row["threshold"], 30.0);
    assert_eq!(
        (&row["hits"], &row["misses"], &row["false_alarms"]),
        (&Value::from(192), &Value::from(64), &Value::from(64))
    );
    close(&row["pod"], 0.75, "pod");
    close(&row["far"], 0.25, "far");
    close(&row["csi"], 0.6, "csi");
    close(&row["bias"], 1.0, "bias");
    // ETS: random hits 256 · 256 / 4096 = 16 → (192 − 16) / (320 − 16).
    close(&row["ets"], 176.0 / 304.0, "ets");
    // 128 pixels wrong by 72 dBZ.
    let c = &lead["continuous"];
    close(&c["me"], 0.0, "me");
    close(&c["mae"], 128.0 * 72.0 / 4096.0, "mae");
    close(&c["rmse"], 72.0 * (128.0_f64 / 4096.0).sqrt(), "rmse");
    // FSS at one pixel: 1 − 128 / (256 + 256); a 9-pixel window forgives much of the 4-pixel shift (pysteps'
    // `fss` on the same 0/1 fields gives 0.8825757575757573).
    let fss = lead["fss"][1]["fss"].as_array().unwrap();
    close(&fss[0], 0.75, "fss 1 px");
    close(&fss[1], 0.882_575_757_575_757_6, "fss 9 px");

    // Ensemble of {observation, shifted}: CRPS = |a − b| / 4 on the 128 differing pixels.
    let e = &lead["ensemble"];
    close(&e["crps"], 128.0 * 72.0 / 4.0 / 4096.0, "crps");
    // Probability 1 on 192 event pixels, 0.5 on 64 events and 64 non-events: Brier = 128 · 0.25 / 4096.
    let p = &e["probabilistic"][1];
    close(&p["brier_score"], 128.0 * 0.25 / 4096.0, "brier");
    assert!(p["roc_area"].as_f64().unwrap() > 0.9);

    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_table_names_every_score_and_lead() {
    let (dir, obs, forecast) = observed_and_forecast("table", false);
    let out = run(&forecast, &obs, &[]);
    crate::assert_success(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    for word in [
        "POD", "FAR", "CSI", "BIAS", "ETS", "HSS", "RMSE", "FSS", "lead 3",
    ] {
        assert!(text.contains(word), "{word} missing from\n{text}");
    }
    assert!(!text.contains("CRPS"), "no ensemble, no CRPS\n{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_time_is_named() {
    let (dir, obs, forecast) = observed_and_forecast("missing", false);
    let out = run(&forecast, &obs[..2], &["--json"]);
    assert_fails_with(
        &out,
        "no observation at valid time 2016-09-28T16:15:00Z (forecast lead 3)",
    );
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_grid_mismatch_is_refused() {
    let (dir, obs, forecast) = observed_and_forecast("grid", false);
    // The 16:10 observation on a narrower image (60 columns, same corners: other cells).
    let other = scratch("grid-other");
    let narrow = write_pgm(&other, 10, &scene(60));
    let out = run(&forecast, &[obs[0].clone(), narrow, obs[2].clone()], &[]);
    let err = assert_fails_with(&out, "grid of observation");
    assert!(err.contains("64 × 60 cells"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&other).unwrap();
}

#[test]
fn bad_arguments_are_refused() {
    let (dir, obs, forecast) = observed_and_forecast("args", false);
    let out = run(&forecast, &obs, &["--variable", "rain"]);
    assert_fails_with(&out, "it has DBZH");
    let out = output(verify(&forecast, &obs).args(["--scales", "0"]));
    assert_fails_with(&out, "--scales");
    // The observations are rain rate elsewhere; here a forecast in other units is refused.
    let grid = open_grid(&obs[0]).unwrap();
    let rain = Array3::<f32>::zeros((3, N, N));
    let path = dir.join("rain.nc");
    {
        let _lock = crate::netcdf_lock();
        let times = three_times(grid.time.unwrap());
        write_forecast(
            &path,
            &grid.spec,
            &times,
            &[Field {
                name: "rainfall_rate",
                units: "mm/h",
                values: rain.view(),
            }],
            &[],
        )
        .unwrap();
    }
    let out = run(&path, &obs, &[]);
    assert_fails_with(&out, "holds DBZH in dBZ");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn persistence_on_the_bom_sequence_scores_as_pysteps() {
    let Some(dir) = common::nowcast_dir("radar/bom/prcp-cscn/2/2018/06/16") else {
        return;
    };
    let reference = common::reference_json("verify_cli_bom_pysteps.json");
    let issued = open_grid(dir.join("2_20180616_120000.prcp-cscn.nc")).unwrap();
    let t0 = issued.time.unwrap();
    let times: Vec<_> = (1..=3)
        .map(|k| Some(t0 + chrono::Duration::minutes(6 * k)))
        .collect();
    let persistence = ndarray::stack(Axis(0), &[issued.values.view(); 3]).unwrap();
    let scratch = scratch("bom");
    let forecast = scratch.join("persistence.nc");
    {
        let _lock = crate::netcdf_lock();
        let field = Field {
            name: "rainfall_rate",
            units: "mm/h",
            values: persistence.view(),
        };
        write_forecast(&forecast, &issued.spec, &times, &[field], &[]).unwrap();
    }
    let out = output(verify(&forecast, [&dir]).args([
        "--thresholds",
        "0.1,1,5,10",
        "--scales",
        "1,5,20",
        "--json",
    ]));
    let report = json_of(&out);
    let close_rel = |ours: &Value, theirs: &Value, what: &str| match theirs.as_f64() {
        None => assert!(ours.is_null(), "{what}: {ours}, pysteps NaN"),
        Some(t) => {
            let o = ours.as_f64().unwrap_or_else(|| panic!("{what}: {ours}"));
            assert!(
                (o - t).abs() <= 1e-9 * t.abs().max(1e-3),
                "{what}: {o}, pysteps {t}"
            );
        }
    };
    for (lead, peer) in report["leads"]
        .as_array()
        .unwrap()
        .iter()
        .zip(reference["leads"].as_array().unwrap())
    {
        let file = peer["observation"].as_str().unwrap();
        assert!(lead["observation"].as_str().unwrap().ends_with(file));
        for (ours, theirs) in lead["categorical"]
            .as_array()
            .unwrap()
            .iter()
            .zip(peer["categorical"].as_array().unwrap())
        {
            for (name, key) in [
                ("POD", "pod"),
                ("FAR", "far"),
                ("CSI", "csi"),
                ("BIAS", "bias"),
                ("ETS", "ets"),
                ("HSS", "hss"),
            ] {
                close_rel(
                    &ours[key],
                    &theirs[name],
                    &format!("{file} {name} at {}", ours["threshold"]),
                );
            }
        }
        for (key, name) in [
            ("me", "ME"),
            ("mae", "MAE"),
            ("rmse", "RMSE"),
            ("corr", "corr_p"),
        ] {
            close_rel(
                &lead["continuous"][key],
                &peer["continuous"][name],
                &format!("{file} {name}"),
            );
        }
        for (ours, theirs) in lead["fss"]
            .as_array()
            .unwrap()
            .iter()
            .zip(peer["fss"].as_array().unwrap())
        {
            for (o, t) in ours["fss"]
                .as_array()
                .unwrap()
                .iter()
                .zip(theirs.as_array().unwrap())
            {
                close_rel(o, t, &format!("{file} FSS at {}", ours["threshold"]));
            }
        }
    }
    std::fs::remove_dir_all(&scratch).unwrap();
}
