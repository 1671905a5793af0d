//! `squall dualpol` on the real X-band CINRAD volume: the CfRadial file it writes reads back through Squall's
//! CfRadial reader with the values of the library call `dualpol::process`, the maps are PNGs with a legend, and
//! nothing is overwritten without --force.

use crate::common;
use crate::{assert_fails_with, assert_success, squall};

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};

use squall::dualpol::attenuation::AttenuationMethod;
use squall::dualpol::phidp::PathPhase;
use squall::dualpol::{Config, Outputs, TemperatureProfile, process};
use squall::render::ColourScale;
use squall::volume::GateStatus;

const X_FILE: &str = "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2";
const WRITTEN: [&str; 7] = [
    "DBZH_CORR",
    "ZDR_CORR",
    "KDP",
    "PHIDP_CORR",
    "PIA",
    "HCLASS",
    "RATE",
];

/// `squall dualpol INPUT --out OUT`, to which a test adds its options.
fn dualpol(input: impl AsRef<OsStr>, out: impl AsRef<OsStr>) -> Command {
    let mut command = squall();
    command.arg("dualpol").arg(input).arg("--out").arg(out);
    command
}

/// Runs a command; the caller holds [`crate::netcdf_lock`] for the whole test.
fn run(command: &mut Command) -> Output {
    command.output().unwrap()
}

fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let reader = decoder.read_info().unwrap();
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn writes_cfradial_with_the_library_values_and_maps() {
    let Some(input) = common::shared_radar_file(X_FILE) else {
        return;
    };
    let _lock = crate::netcdf_lock();
    let dir = common::scratch_dir("cli-dualpol-run");
    let out = dir.join("zg170.nc");
    let maps = dir.join("maps");
    let done = run(dualpol(&input, &out).arg("--png").arg(&maps).args([
        "--band",
        "X",
        "--freezing-level-m",
        "4500",
    ]));
    assert_success(&done);
    let stdout = String::from_utf8_lossy(&done.stdout);
    assert!(stdout.contains("5 sweeps, band X"), "{stdout}");

    // the library call with the same settings
    let volume = squall::io::open_volume(&input).unwrap();
    let config = Config {
        band: Some(squall::Band::X),
        temperature: TemperatureProfile::standard(4500.0).unwrap(),
        ..Config::default()
    };
    let expected = process(&volume, &config).unwrap();
    let back = squall::io::open_volume(&out).unwrap();
    assert_eq!(back.sweeps.len(), expected.sweeps.len());
    assert_eq!(back.site.id, volume.site.id);
    assert_eq!(back.band(), Some(squall::Band::X));
    let mut compared = 0usize;
    for (b, e) in back.sweeps.iter().zip(&expected.sweeps) {
        assert_eq!(b.azimuth_deg, e.azimuth_deg);
        assert!((b.fixed_angle_deg - e.fixed_angle_deg).abs() < 1e-4);
        assert!((b.gate_spacing_m - e.gate_spacing_m).abs() < 1e-3);
        for name in WRITTEN {
            let (mb, me) = (b.moment(name).unwrap(), e.moment(name).unwrap());
            assert_eq!(mb.units, me.units, "{name}");
            for ((vb, sb), (ve, se)) in mb
                .values
                .iter()
                .zip(&mb.status)
                .zip(me.values.iter().zip(&me.status))
            {
                if *se == GateStatus::Valid {
                    assert_eq!(*sb, GateStatus::Valid, "{name}");
                    assert_eq!(vb, ve, "{name}");
                    compared += 1;
                } else {
                    assert_eq!(*sb, GateStatus::NoData, "{name}");
                }
            }
        }
        // the gate mask: 1 at the weather gates (valid corrected Z), 0 at the other measured gates
        let mask = b.moment("ECHO_MASK").unwrap();
        let z = e.moment("DBZH_CORR").unwrap();
        for ((&m, &ms), &zs) in mask.values.iter().zip(&mask.status).zip(&z.status) {
            match zs {
                GateStatus::Valid => assert_eq!(m, 1.0),
                GateStatus::NoData => assert_eq!(ms, GateStatus::NoData),
                _ => assert_eq!(m, 0.0),
            }
        }
    }
    assert!(compared > 500_000, "{compared}");

    // maps of the lowest sweep, 800 px plus a legend panel
    let classes = ColourScale::hydrometeor_classes();
    for moment in [
        "dbzh_corr",
        "zdr_corr",
        "kdp",
        "phidp_corr",
        "rate",
        "hclass",
    ] {
        let file = maps.join(format!("zg170_{moment}.png"));
        let (w, h) = png_size(&file);
        assert!(w > 800 && h == 800, "{moment}: {w}×{h}");
    }
    let (_, _, pixels) = crate::read_png(&maps.join("zg170_hclass.png"));
    let rain_pixels = pixels
        .chunks(3)
        .filter(|p| p == &classes.colours[1].as_slice())
        .count();
    assert!(rain_pixels > 10_000, "{rain_pixels}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn refuses_to_overwrite_without_force() {
    let Some(input) = common::shared_radar_file(X_FILE) else {
        return;
    };
    let _lock = crate::netcdf_lock();
    let dir = common::scratch_dir("cli-dualpol-force");
    let out = dir.join("existing.nc");
    std::fs::write(&out, b"keep me").unwrap();
    let refused = run(&mut dualpol(&input, &out));
    assert_fails_with(&refused, "--force");
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");

    // an existing map stops the run before anything is written
    let fresh = dir.join("fresh.nc");
    let maps = dir.join("maps");
    std::fs::create_dir_all(&maps).unwrap();
    std::fs::write(maps.join("fresh_kdp.png"), b"old map").unwrap();
    assert!(
        !run(dualpol(&input, &fresh).arg("--png").arg(&maps))
            .status
            .success()
    );
    assert!(!fresh.exists());
    assert_eq!(
        std::fs::read(maps.join("fresh_kdp.png")).unwrap(),
        b"old map"
    );

    // the input itself is never an output, even with --force
    assert!(!run(dualpol(&input, &input).arg("--force")).status.success());

    // with --force it is replaced; the options reach the library (Py-ART's ZPHI on the monotone path phase)
    assert_success(&run(dualpol(&input, &out).args([
        "--attenuation",
        "zphi-pyart",
        "--path-phase",
        "monotone",
        "--force",
    ])));
    let back = squall::io::open_volume(&out).unwrap();
    let volume = squall::io::open_volume(&input).unwrap();
    let config = Config {
        attenuation: AttenuationMethod::ZphiPyArt,
        path_phase: PathPhase::Monotone,
        outputs: Outputs::REFLECTIVITY,
        ..Config::default()
    };
    let expected = process(&volume, &config).unwrap();
    let default = process(
        &volume,
        &Config {
            outputs: Outputs::REFLECTIVITY,
            ..Config::default()
        },
    )
    .unwrap();
    let pia = |v: &squall::PolarVolume| v.sweeps[0].moment("PIA").unwrap().values.clone();
    let written = pia(&back);
    let differ = written
        .iter()
        .zip(&pia(&default))
        .filter(|(a, b)| a.is_finite() && (*a - *b).abs() > 0.1)
        .count();
    assert!(differ > 1000, "{differ}");
    for (a, b) in written.iter().zip(&pia(&expected)) {
        assert!(a == b || (a.is_nan() && b.is_nan()), "{a} {b}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_are_clear_errors() {
    let Some(input) = common::shared_radar_file(X_FILE) else {
        return;
    };
    let _lock = crate::netcdf_lock();
    let dir = common::scratch_dir("cli-dualpol-bad");
    let nan = run(dualpol(&input, dir.join("x.nc")).args(["--freezing-level-m", "NaN"]));
    assert_fails_with(&nan, "--freezing-level-m");
    let missing = run(&mut dualpol(dir.join("missing.nc"), dir.join("y.nc")));
    assert!(!missing.status.success());
    assert!(!dir.join("y.nc").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
