//! CfRadial 1.x: small synthetic files (NetCDF-4 and classic NetCDF-3) check the decoding rules — packing, fill
//! values, ragged rays, irregular range axes — and that truncated, corrupt or inconsistent files give clear errors,
//! never a crash, a panic or an allocation sized by an unchecked count.

use std::path::{Path, PathBuf};

use netcdf::{FileMut, Options};
use squall::Error;
use squall::io::Format;
use squall::volume::{Band, GateStatus, PolarVolume, SweepMode};

/// A fresh directory for one test's files.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("squall-cfradial-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const N_RAYS: usize = 6;
const N_GATES: usize = 5;

/// Raw reflectivity of ray `r`, gate `g` (packed 0.5 dB, offset −32 dB); gate (1, 2) is the fill value.
fn dbz_raw(r: usize, g: usize) -> i16 {
    if (r, g) == (1, 2) {
        -32768
    } else {
        (r * 10 + g * 2) as i16
    }
}

/// Writes a small valid CfRadial 1.4 volume — 2 PPI sweeps of 3 rays, 5 gates of 250 m from 125 m — leaving out
/// the variables in `skip`; `edit` may then add or overwrite variables (it runs in data mode). NetCDF-4 files also
/// get a string `sweep_mode` and byte/unsigned moments, which classic files cannot hold.
fn write_volume(path: &Path, classic: bool, skip: &[&str], edit: impl FnOnce(&mut FileMut)) {
    let options = if classic {
        Options::empty()
    } else {
        Options::NETCDF4
    };
    let mut f = netcdf::create_with(path, options).unwrap();
    let keep = |name: &str| !skip.contains(&name);
    f.add_attribute("Conventions", "CF/Radial instrument_parameters")
        .unwrap();
    f.add_attribute("instrument_name", "TEST").unwrap();
    f.add_dimension("time", N_RAYS).unwrap();
    f.add_dimension("range", N_GATES).unwrap();
    f.add_dimension("sweep", 2).unwrap();
    f.add_dimension("frequency", 1).unwrap();
    let time: Vec<f64> = (0..N_RAYS).map(|r| 0.5 + r as f64 * 0.5).collect();
    let range: Vec<f32> = (0..N_GATES).map(|g| 125.0 + g as f32 * 250.0).collect();
    let azimuth: Vec<f32> = (0..N_RAYS).map(|r| (r % 3) as f32 * 120.0).collect();
    let elevation: Vec<f32> = (0..N_RAYS).map(|r| if r < 3 { 0.5 } else { 1.5 }).collect();
    let dbz: Vec<i16> = (0..N_RAYS * N_GATES)
        .map(|i| dbz_raw(i / N_GATES, i % N_GATES))
        .collect();
    let mut vel: Vec<f32> = (0..N_RAYS * N_GATES)
        .map(|i| i as f32 * 0.25 - 3.0)
        .collect();
    vel[3] = -9999.0;
    vel[4] = f32::NAN;
    let zdr: Vec<i16> = (0..N_RAYS * N_GATES).map(|i| i as i16 * 40).collect();

    macro_rules! define {
        ($name:expr, $t:ty, $dims:expr, $attrs:expr) => {
            if keep($name) {
                let mut v = f.add_variable::<$t>($name, $dims).unwrap();
                let attrs: &[(&str, netcdf::AttributeValue)] = $attrs;
                for (key, value) in attrs {
                    v.put_attribute(key, value.clone()).unwrap();
                }
            }
        };
    }
    use netcdf::AttributeValue as A;
    define!(
        "time",
        f64,
        &["time"],
        &[("units", A::from("seconds since 2024-05-01T12:00:00Z"))]
    );
    define!("range", f32, &["range"], &[("units", A::from("meters"))]);
    define!("azimuth", f32, &["time"], &[]);
    define!("elevation", f32, &["time"], &[]);
    for name in ["latitude", "longitude", "altitude"] {
        define!(name, f64, &[], &[]);
    }
    define!("fixed_angle", f32, &["sweep"], &[]);
    define!("sweep_start_ray_index", i32, &["sweep"], &[]);
    define!("sweep_end_ray_index", i32, &["sweep"], &[]);
    define!(
        "frequency",
        f32,
        &["frequency"],
        &[("units", A::from("s-1"))]
    );
    define!("nyquist_velocity", f32, &["time"], &[]);
    define!(
        "DBZ",
        i16,
        &["time", "range"],
        &[
            ("_FillValue", A::from(-32768i16)),
            ("scale_factor", A::from(0.5f32)),
            ("add_offset", A::from(-32.0f32)),
            ("units", A::from("dBZ")),
        ]
    );
    define!(
        "VEL",
        f32,
        &["time", "range"],
        &[
            ("missing_value", A::from(-9999.0f32)),
            ("units", A::from("meters_per_second"))
        ]
    );
    // valid_max in the type of scale_factor: a physical limit (CF §2.5.1).
    define!(
        "ZDR",
        i16,
        &["time", "range"],
        &[
            ("scale_factor", A::from(0.01f32)),
            ("valid_max", A::from(5.0f32)),
            ("units", A::from("dB"))
        ]
    );
    // Never written: every value reads as the default fill value.
    define!("UNWRITTEN", f32, &["time", "range"], &[]);
    // Not a moment: wrong dimensions.
    define!("pulse_width", f32, &["time"], &[]);
    if !classic {
        define!(
            "WIDTH",
            u8,
            &["time", "range"],
            &[("units", A::from("m/s"))]
        );
        if keep("sweep_mode") {
            f.add_string_variable("sweep_mode", &["sweep"]).unwrap();
        }
    }
    if classic {
        f.enddef().unwrap();
    }
    macro_rules! put {
        ($name:expr, $values:expr) => {
            if keep($name) {
                f.variable_mut($name)
                    .unwrap()
                    .put_values($values, ..)
                    .unwrap();
            }
        };
    }
    put!("time", &time);
    put!("range", &range);
    put!("azimuth", &azimuth);
    put!("elevation", &elevation);
    put!("latitude", &[47.0f64]);
    put!("longitude", &[8.5f64]);
    put!("altitude", &[500.0f64]);
    put!("fixed_angle", &[0.5f32, 1.5]);
    put!("sweep_start_ray_index", &[0i32, 3]);
    put!("sweep_end_ray_index", &[2i32, 5]);
    put!("frequency", &[5.6e9f32]);
    put!("nyquist_velocity", &[16.0f32; N_RAYS]);
    put!("DBZ", &dbz);
    put!("VEL", &vel);
    put!("ZDR", &zdr);
    if !classic {
        put!("WIDTH", &[255u8; N_RAYS * N_GATES]);
        if keep("sweep_mode") {
            let mut v = f.variable_mut("sweep_mode").unwrap();
            v.put_string("azimuth_surveillance", 0).unwrap();
            v.put_string("manual_ppi", 1).unwrap();
        }
    }
    edit(&mut f);
    f.close().unwrap();
}

fn read(path: &Path) -> squall::Result<PolarVolume> {
    squall::io::open_volume_with_format(path).map(|(format, v)| {
        assert_eq!(format, Format::CfRadial);
        v
    })
}

#[test]
fn synthetic_netcdf4_volume_decodes_by_the_rules() {
    let dir = temp_dir("netcdf4");
    let path = dir.join("v.nc");
    write_volume(&path, false, &[], |_| {});
    let v = read(&path).unwrap();
    assert_eq!(v.site.id, "TEST");
    assert_eq!(
        (v.site.latitude_deg, v.site.longitude_deg, v.site.altitude_m),
        (47.0, 8.5, 500.0)
    );
    assert_eq!((v.band(), v.frequency_mhz), (Some(Band::C), Some(5600.0)));
    assert_eq!(v.start_time.to_rfc3339(), "2024-05-01T12:00:00.500+00:00");
    assert_eq!(v.sweeps.len(), 2);
    let s = &v.sweeps[1];
    assert_eq!(
        (s.mode, s.fixed_angle_deg, s.n_rays(), s.n_gates()),
        (SweepMode::Ppi, 1.5, 3, 5)
    );
    assert_eq!(
        (s.first_gate_m, s.gate_spacing_m, s.nyquist_mps),
        (125.0, 250.0, Some(16.0))
    );
    assert_eq!(s.time_s, [1.5, 2.0, 2.5]);
    assert_eq!(s.azimuth_deg, [0.0, 120.0, 240.0]);
    let names: Vec<&str> = s.moments.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["DBZH", "VRADH", "ZDR", "UNWRITTEN", "WRADH"]);

    let dbzh = v.sweeps[0].moment("DBZH").unwrap();
    assert_eq!(dbzh.units, "dBZ");
    assert_eq!(dbzh.values[[0, 0]], -32.0, "raw 0 is a value, not a fill");
    assert_eq!(dbzh.values[[2, 4]], (20.0 + 8.0) * 0.5 - 32.0);
    assert_eq!(
        (dbzh.status[[1, 2]], dbzh.values[[1, 2]].is_nan()),
        (GateStatus::NoData, true)
    );
    assert_eq!(dbzh.summary().valid, 14);

    let vradh = v.sweeps[0].moment("VRADH").unwrap();
    assert_eq!(vradh.units, "m/s");
    assert_eq!(vradh.status[[0, 3]], GateStatus::NoData, "missing_value");
    assert_eq!(vradh.status[[0, 4]], GateStatus::NoData, "NaN");
    assert_eq!(vradh.values[[1, 0]], 5.0 * 0.25 - 3.0);
    assert_eq!(vradh.summary().valid, 13);

    // ZDR = raw × 0.01 dB; above valid_max 5 dB (raw 500, i.e. gate index > 12) is no data.
    let zdr = &v.sweeps[0].moment("ZDR").unwrap();
    assert!((zdr.values[[2, 2]] - 4.8).abs() < 1e-5);
    assert_eq!(zdr.status[[2, 3]], GateStatus::NoData);
    assert!(
        v.sweeps[1]
            .moment("ZDR")
            .unwrap()
            .status
            .iter()
            .all(|&g| g == GateStatus::NoData)
    );

    // Unwritten float data is the default fill value: no data. Bytes are not masked by default (netCDF4-python).
    assert_eq!(v.sweeps[0].moment("UNWRITTEN").unwrap().summary().valid, 0);
    assert_eq!(
        v.sweeps[0].moment("WRADH").unwrap().summary().mean,
        Some(255.0)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn classic_netcdf3_file_decodes() {
    let dir = temp_dir("classic");
    let path = dir.join("v.nc");
    write_volume(&path, true, &[], |_| {});
    assert!(std::fs::read(&path).unwrap().starts_with(b"CDF\x01"));
    let v = read(&path).unwrap();
    assert_eq!(v.sweeps.len(), 2);
    // No sweep_mode: inferred from the elevations.
    assert_eq!(v.sweeps[0].mode, SweepMode::Ppi);
    let dbzh = v.sweeps[1].moment("DBZH").unwrap();
    assert_eq!(dbzh.values[[0, 1]], (30.0 + 2.0) * 0.5 - 32.0);
    assert_eq!(v.sweeps[0].moment("UNWRITTEN").unwrap().summary().valid, 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_required_variables_are_named() {
    let dir = temp_dir("missing");
    for name in [
        "time",
        "range",
        "azimuth",
        "elevation",
        "sweep_start_ray_index",
        "sweep_end_ray_index",
        "latitude",
        "longitude",
        "altitude",
    ] {
        let path = dir.join(format!("no_{name}.nc"));
        write_volume(&path, false, &[name], |_| {});
        let err = read(&path).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Netcdf { .. }), "{text}");
        assert!(
            text.contains(&format!("missing required variable `{name}`")) && text.contains("no_"),
            "{text}"
        );
    }
    // Optional metadata may be absent: defaults and inferences stand in.
    let path = dir.join("bare.nc");
    write_volume(
        &path,
        false,
        &["fixed_angle", "sweep_mode", "frequency", "nyquist_velocity"],
        |_| {},
    );
    let v = read(&path).unwrap();
    assert_eq!((v.frequency_mhz, v.beam_width_deg), (None, 1.0));
    assert_eq!(
        (v.sweeps[1].fixed_angle_deg, v.sweeps[1].nyquist_mps),
        (1.5, None)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inconsistent_sweep_indices_are_refused() {
    let dir = temp_dir("sweeps");
    for (k, (starts, ends, sweep)) in [
        ([0, 4], [2, 3], 1),     // start > end
        ([0, 3], [2, 6], 1),     // beyond the 6 rays
        ([-1, 3], [2, 5], 0),    // negative
        ([0, 3], [-9999, 5], 0), // fill value
    ]
    .into_iter()
    .enumerate()
    {
        let path = dir.join(format!("s{k}.nc"));
        write_volume(&path, false, &[], |f| {
            f.variable_mut("sweep_start_ray_index")
                .unwrap()
                .put_values(&starts, ..)
                .unwrap();
            f.variable_mut("sweep_end_ray_index")
                .unwrap()
                .put_values(&ends, ..)
                .unwrap();
        });
        let err = read(&path).unwrap_err().to_string();
        assert!(
            err.contains(&format!("sweep {sweep}: sweep_start_ray_index"))
                && err.contains("within 0..6"),
            "{err}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_time_units_are_refused() {
    let dir = temp_dir("time");
    let path = dir.join("t.nc");
    write_volume(&path, false, &[], |f| {
        f.variable_mut("time")
            .unwrap()
            .put_attribute("units", "meters")
            .unwrap();
    });
    let err = read(&path).unwrap_err().to_string();
    assert!(
        err.contains("variable `time` has units \"meters\""),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn declared_sizes_beyond_the_limits_are_refused_before_reading() {
    let dir = temp_dir("limits");
    // 8 M rays (never written: the file stays small).
    let path = dir.join("rays.nc");
    let mut f = netcdf::create(&path).unwrap();
    f.add_attribute("Conventions", "CF/Radial").unwrap();
    f.add_dimension("time", 1 << 23).unwrap();
    f.add_dimension("range", 10).unwrap();
    f.add_dimension("sweep", 1).unwrap();
    f.add_variable::<f32>("DBZ", &["time", "range"]).unwrap();
    f.close().unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 100_000);
    let err = read(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Limits { requested, .. } if *requested == 1 << 23),
        "{err}"
    );

    // 128 Ki sweeps.
    let path = dir.join("sweeps.nc");
    let mut f = netcdf::create(&path).unwrap();
    f.add_attribute("Conventions", "CF/Radial").unwrap();
    f.add_dimension("time", 10).unwrap();
    f.add_dimension("range", 10).unwrap();
    f.add_dimension("sweep", 1 << 17).unwrap();
    f.close().unwrap();
    let err = read(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Limits { what, requested, .. } if *requested == 1 << 17 && what.contains("`sweep`")),
        "{err}"
    );

    // 1 M rays × 1000 gates × 300 moments declared: refused before any moment is read.
    let path = dir.join("gates.nc");
    let mut f = netcdf::create(&path).unwrap();
    f.add_attribute("Conventions", "CF/Radial").unwrap();
    f.add_dimension("time", 1 << 20).unwrap();
    f.add_dimension("range", 1000).unwrap();
    f.add_dimension("sweep", 1).unwrap();
    f.add_variable::<f64>("time", &["time"])
        .unwrap()
        .put_attribute("units", "seconds since 2024-01-01")
        .unwrap();
    f.add_variable::<f32>("range", &["range"]).unwrap();
    f.add_variable::<f32>("azimuth", &["time"]).unwrap();
    f.add_variable::<f32>("elevation", &["time"]).unwrap();
    f.add_variable::<i32>("sweep_start_ray_index", &["sweep"])
        .unwrap();
    f.add_variable::<i32>("sweep_end_ray_index", &["sweep"])
        .unwrap();
    for k in 0..300 {
        f.add_variable::<i16>(&format!("M{k}"), &["time", "range"])
            .unwrap();
    }
    let range: Vec<f32> = (0..1000).map(|g| g as f32 * 100.0).collect();
    f.variable_mut("range")
        .unwrap()
        .put_values(&range, ..)
        .unwrap();
    f.variable_mut("sweep_start_ray_index")
        .unwrap()
        .put_values(&[0i32], ..)
        .unwrap();
    f.variable_mut("sweep_end_ray_index")
        .unwrap()
        .put_values(&[(1 << 20) - 1], ..)
        .unwrap();
    f.close().unwrap();
    let err = read(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Limits { what, .. } if what.contains("gates of 300 moments")),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ragged_rays_are_padded_with_no_data() {
    let dir = temp_dir("ragged");
    let path = dir.join("r.nc");
    // Rays of 5, 3, 4, 5, 1 and 2 gates in one n_points dimension.
    let n_gates = [5i32, 3, 4, 5, 1, 2];
    let starts: Vec<i32> = n_gates
        .iter()
        .scan(0, |s, &n| Some(std::mem::replace(s, *s + n)))
        .collect();
    let n_points = n_gates.iter().sum::<i32>() as usize;
    write_volume(
        &path,
        false,
        &["DBZ", "VEL", "ZDR", "UNWRITTEN", "WIDTH"],
        |f| {
            f.add_dimension("n_points", n_points).unwrap();
            for (name, values) in [
                ("ray_n_gates", &n_gates[..]),
                ("ray_start_index", &starts[..]),
            ] {
                f.add_variable::<i32>(name, &["time"])
                    .unwrap()
                    .put_values(values, ..)
                    .unwrap();
            }
            let values: Vec<f32> = (0..n_points).map(|p| p as f32).collect();
            let mut v = f.add_variable::<f32>("REF", &["n_points"]).unwrap();
            v.put_attribute("units", "dBZ").unwrap();
            v.put_values(&values, ..).unwrap();
        },
    );
    let v = read(&path).unwrap();
    let dbzh = v.sweeps[0].moment("DBZH").unwrap();
    assert_eq!(dbzh.values.dim(), (3, 5));
    assert_eq!(
        dbzh.values
            .row(1)
            .iter()
            .take(3)
            .copied()
            .collect::<Vec<_>>(),
        [5.0, 6.0, 7.0]
    );
    assert_eq!(dbzh.status.row(1).to_vec()[3..], [GateStatus::NoData; 2]);
    let second = v.sweeps[1].moment("DBZH").unwrap();
    assert_eq!(
        (second.values[[1, 0]], second.status[[1, 1]]),
        (17.0, GateStatus::NoData)
    );
    assert_eq!(second.summary().valid, 8);

    // A ray running past n_points is refused.
    let path = dir.join("bad.nc");
    write_volume(
        &path,
        false,
        &["DBZ", "VEL", "ZDR", "UNWRITTEN", "WIDTH"],
        |f| {
            f.add_dimension("n_points", 10).unwrap();
            f.add_variable::<i32>("ray_n_gates", &["time"])
                .unwrap()
                .put_values(&[5i32; 6], ..)
                .unwrap();
            f.add_variable::<i32>("ray_start_index", &["time"])
                .unwrap()
                .put_values(&[0i32, 5, 10, 0, 0, 0], ..)
                .unwrap();
        },
    );
    let err = read(&path).unwrap_err().to_string();
    assert!(
        err.contains("ray 2: ray_start_index 10 and ray_n_gates 5"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn irregular_range_is_resampled_by_nearest_gate() {
    let dir = temp_dir("irregular");
    let path = dir.join("i.nc");
    // Gates at 125, 375, 625, then 1125 and 1625 m: resampled every 250 m onto 7 gates.
    write_volume(&path, false, &[], |f| {
        f.variable_mut("range")
            .unwrap()
            .put_values(&[125.0f32, 375.0, 625.0, 1125.0, 1625.0], ..)
            .unwrap();
    });
    let v = read(&path).unwrap();
    let s = &v.sweeps[0];
    assert_eq!(
        (s.first_gate_m, s.gate_spacing_m, s.n_gates()),
        (125.0, 250.0, 7)
    );
    let dbzh = s.moment("DBZH").unwrap();
    // Output gates 3 (875 m) and 5 (1375 m) lie halfway: the nearer-in file gate is taken.
    let raw: Vec<f32> = [0, 1, 2, 2, 3, 3, 4]
        .iter()
        .map(|&g| dbz_raw(2, g) as f32 * 0.5 - 32.0)
        .collect();
    assert_eq!(dbzh.values.row(2).to_vec(), raw);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cfradial2_is_unsupported() {
    let dir = temp_dir("cfradial2");
    let path = dir.join("c2.nc");
    let mut f = netcdf::create(&path).unwrap();
    f.add_attribute("Conventions", "Cf/Radial-2.0").unwrap();
    f.add_dimension("sweep", 1).unwrap();
    f.add_string_variable("sweep_group_name", &["sweep"])
        .unwrap();
    f.add_group("sweep_0001").unwrap();
    f.close().unwrap();
    let err = read(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Unsupported(m) if m.contains("CfRadial 2")),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every prefix of a small classic file, and a spread of prefixes of a NetCDF-4 file, fails cleanly.
#[test]
fn truncated_synthetic_files_are_clear_errors() {
    let dir = temp_dir("truncated");
    for classic in [true, false] {
        let path = dir.join("whole.nc");
        write_volume(&path, classic, &[], |_| {});
        let bytes = std::fs::read(&path).unwrap();
        let step = if classic { 1 } else { 97 };
        for len in (0..bytes.len()).step_by(step) {
            let cut = dir.join("cut.nc");
            std::fs::write(&cut, &bytes[..len]).unwrap();
            match squall::io::open_volume(&cut) {
                Err(Error::Netcdf { .. } | Error::UnknownFormat { .. }) => {}
                Err(e) => panic!("classic {classic}, {len} bytes: unexpected error {e}"),
                // The last 24 bytes of the classic file hold `pulse_width`, which the reader does not use.
                Ok(_) => assert!(
                    classic && len >= bytes.len() - 24,
                    "classic {classic}, {len} of {} bytes decoded",
                    bytes.len()
                ),
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Truncated and overwritten copies of the real files (written to a temporary folder): an error or, for
/// damage the file does not notice (unused bytes), a consistent volume — never a crash.
#[test]
fn truncated_and_corrupt_real_files_fail_cleanly() {
    let dir = temp_dir("real");
    for name in [
        "MLL2217907250U.003.nc",
        "sgpxsaprcfrvptI4.a1.20200205.100827.nc",
    ] {
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/radar")
            .join(name);
        if !source.exists() {
            eprintln!(
                "SKIP: {} not found (the shared data folder is absent)",
                source.display()
            );
            return;
        }
        let bytes = std::fs::read(source).unwrap();
        let cut = dir.join(name);
        for k in 0..40 {
            let len = bytes.len() * k / 40 + k;
            std::fs::write(&cut, &bytes[..len.min(bytes.len() - 1)]).unwrap();
            let err = squall::io::open_volume(&cut).unwrap_err();
            assert!(err.to_string().contains(name), "{name} cut at {len}: {err}");
        }
        for k in 1..24 {
            let mut damaged = bytes.clone();
            let at = bytes.len() * k / 24;
            damaged[at..at + 256].iter_mut().for_each(|b| *b = !*b);
            std::fs::write(&cut, &damaged).unwrap();
            if let Ok(v) = squall::io::open_volume(&cut) {
                v.validate().unwrap();
            }
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
