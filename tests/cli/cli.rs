//! The `squall` command line: `info`, `motion` and `plot` on real files, and its refusal to overwrite inputs.

use crate::common;

use std::path::Path;

use crate::{SpawnLocked, assert_fails_with, assert_success, squall};

#[test]
fn info_json_has_the_documented_layout() {
    let Some(file) = common::shared_radar_file("T_PAZA63_C_LFPW_20230420065041.h5") else {
        return;
    };
    let out = squall()
        .args(["info", "--json"])
        .arg(&file)
        .output_locked()
        .unwrap();
    assert_success(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["format"], "odim_h5");
    assert_eq!(json["band"], "C");
    for key in ["id", "name", "lat", "lon", "altitude_m"] {
        assert!(json["site"].get(key).is_some(), "site.{key}");
    }
    let sweep = &json["sweeps"][0];
    assert!(
        sweep["n_rays"].as_u64().unwrap() > 0
            && sweep["moments"]["DBZH"]["valid"].as_u64().unwrap() > 0
    );
}

#[test]
fn motion_writes_netcdf_and_never_overwrites_inputs() {
    let Some(dir) = common::nowcast_dir("radar/bom/prcp-cscn/2/2018/06/16") else {
        return;
    };
    let files: Vec<_> = ["100000", "100600", "101200"]
        .iter()
        .map(|t| dir.join(format!("2_20180616_{t}.prcp-cscn.nc")))
        .collect();
    let out_path = std::env::temp_dir().join(format!("squall-motion-{}.nc", std::process::id()));
    let motion = |output: &Path, extra: &[&str]| {
        squall()
            .arg("motion")
            .args(&files)
            .arg("-o")
            .arg(output)
            .args(extra)
            .output_locked()
            .unwrap()
    };
    assert_success(&motion(&out_path, &[]));
    let nc = netcdf::open(&out_path).unwrap();
    let u = nc.variable("u").unwrap().get::<f32, _>(..).unwrap();
    assert_eq!(u.shape(), &[1, 512, 512]);
    // The rain moves north-east at ~10 m/s in this case (pysteps' LK agrees, tests/motion_peers.rs).
    let mean_u = u.iter().map(|&x| f64::from(x)).sum::<f64>() / u.len() as f64;
    assert!((5.0..15.0).contains(&mean_u), "{mean_u}");
    // A second run refuses to replace the output, and an input is never a valid output.
    let again = motion(&out_path, &[]);
    assert_fails_with(&again, "--force");
    let onto_input = motion(&files[0], &["--force"]);
    assert_fails_with(&onto_input, "input");
    std::fs::remove_file(&out_path).unwrap();
}

#[test]
fn bad_files_give_a_clear_error_and_exit_code() {
    let junk = std::env::temp_dir().join(format!("squall-cli-junk-{}.bin", std::process::id()));
    std::fs::write(&junk, b"not a radar file").unwrap();
    let out = squall().arg("info").arg(&junk).output_locked().unwrap();
    std::fs::remove_file(&junk).unwrap();
    let stderr = assert_fails_with(&out, "unrecognised format");
    assert!(stderr.starts_with("squall: "), "{stderr}");
}

#[test]
fn grid_writes_products_and_refuses_to_overwrite() {
    let Some(file) = common::shared_radar_file("KLBB20160601_150025_V06") else {
        return;
    };
    let dir = common::scratch_dir("grid-cli");
    let out = dir.join("klbb.nc");
    let png = dir.join("png");
    let run = |extra: &[&str]| {
        squall()
            .args([
                "grid",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .args([
                "--size",
                "101",
                "--levels",
                "21",
                "--freezing-level-m",
                "4300",
                "--minus20-m",
                "7300",
            ])
            .args(extra)
            .output_locked()
            .unwrap()
    };
    let first = run(&["--png", png.to_str().unwrap()]);
    assert_success(&first);
    let nc = netcdf::open(&out).unwrap();
    let dbzh = nc.variable("DBZH").unwrap().get::<f32, _>(..).unwrap();
    assert_eq!(dbzh.shape(), &[1, 21, 101, 101]);
    for name in [
        "composite_reflectivity",
        "echo_top_18dBZ",
        "vil",
        "mesh",
        "posh",
        "poh",
        "zdr_column_depth",
        "heavy_rain",
    ] {
        let v = nc.variable(name).unwrap().get::<f32, _>(..).unwrap();
        assert_eq!(v.shape(), &[1, 101, 101], "{name}");
    }
    assert!(nc.variable("lat").is_some() && nc.variable("crs").is_some());
    // The composite is the column maximum of the written grid.
    let comp = nc
        .variable("composite_reflectivity")
        .unwrap()
        .get::<f32, _>(..)
        .unwrap();
    let col_max = (0..21)
        .map(|k| dbzh[[0, k, 50, 30]])
        .filter(|v| v.is_finite())
        .fold(f32::NAN, f32::max);
    assert!(comp[[0, 50, 30]] == col_max || (comp[[0, 50, 30]].is_nan() && col_max.is_nan()));
    drop(nc); // HDF5 locks the open file
    assert!(png.join("composite_reflectivity.png").exists() && png.join("mesh.png").exists());
    // Existing outputs are kept unless --force.
    let again = run(&[]);
    assert_fails_with(&again, "--force");
    assert!(run(&["--force"]).status.success());
    // A bad centre is a clear error.
    let bad = run(&["--force", "--centre", "north"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("LAT,LON"));
    std::fs::remove_dir_all(&dir).unwrap();
}
