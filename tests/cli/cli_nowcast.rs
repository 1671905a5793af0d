//! `squall nowcast` end to end on three real BoM frames: NetCDF with the ensemble, probabilities and mean, PNG
//! maps, the animated loop as GIF and APNG (the APNG's forecast frames are the PNG maps, pixel for pixel), refusal
//! to overwrite without `--force`, a clear error for a bad threshold list.

use crate::common;

use crate::{SpawnLocked, assert_fails_with, assert_success, squall};

#[test]
fn nowcast_writes_netcdf_and_pngs_and_refuses_to_overwrite() {
    let Some(dir) = common::nowcast_dir("radar/bom/prcp-cscn/2/2018/06/16") else {
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let files = &files[38..41];
    let out_dir = common::scratch_dir("cli-nowcast");
    let out = out_dir.join("nowcast.nc");
    let run = |method: &str, force: bool, thresholds: &str| {
        let mut cmd = squall();
        cmd.arg("nowcast").args(files).args([
            "--method",
            method,
            "--members",
            "3",
            "--leadtimes",
            "2",
            "--thresholds",
            thresholds,
            "--seed",
            "1",
        ]);
        cmd.arg("--out")
            .arg(&out)
            .arg("--png")
            .arg(out_dir.join("png"))
            .arg("--gif")
            .arg(out_dir.join("loop.gif"))
            .arg("--apng")
            .arg(out_dir.join("loop.png"));
        if force {
            cmd.arg("--force");
        }
        cmd.output_locked().unwrap()
    };
    let first = run("steps", false, "1,5");
    assert_success(&first);
    let file = netcdf::open(&out).unwrap();
    let ensemble = file
        .variable("rainfall_rate")
        .unwrap()
        .get::<f32, _>(..)
        .unwrap();
    assert_eq!(ensemble.shape(), &[3, 2, 512, 512]);
    let p = file
        .variable("probability_of_rainfall_rate_above_threshold")
        .unwrap()
        .get::<f32, _>(..)
        .unwrap();
    assert_eq!(p.shape(), &[2, 2, 512, 512]);
    // P(≥ 1) ≥ P(≥ 5) everywhere, both in [0, 1].
    for r in (0..512).step_by(7) {
        for c in (0..512).step_by(7) {
            let (a, b) = (p[[0, 1, r, c]], p[[1, 1, r, c]]);
            if a.is_finite() {
                assert!((0.0..=1.0).contains(&a) && b <= a);
            }
        }
    }
    assert!(file.variable("realization").is_some() && file.variable("lat").is_some());
    drop(file);
    assert!(out_dir.join("png/prob_ge_5mmh_012min.png").exists());
    assert!(out_dir.join("png/mean_012min.png").exists());
    assert!(out_dir.join("loop.gif").exists());
    // The loop: the last observation, then the mean at +6 and +12 min, 0.6 s each, looping forever.
    let (width, height, plays, frames) = common::decode_apng(&out_dir.join("loop.png"));
    assert_eq!((frames.len(), plays), (3, 0));
    assert!(frames.iter().all(|f| f.delay == (60, 100)));
    for (k, minutes) in [(1, 6), (2, 12)] {
        let map = out_dir.join(format!("png/mean_{minutes:03}min.png"));
        let (map_width, map_height, pixels) = crate::read_png(&map);
        assert_eq!((map_width, map_height), (width, height));
        assert!(
            frames[k].pixels == pixels,
            "APNG frame {k} differs from {}",
            map.display()
        );
    }
    assert!(frames[0].pixels != frames[1].pixels);
    let again = run("extrapolation", false, "1,5");
    assert_fails_with(&again, "--force");
    let forced = run("extrapolation", true, "1,5");
    assert_success(&forced);
    let bad = run("sprog", true, "1,x");
    assert!(!bad.status.success());
    std::fs::remove_dir_all(&out_dir).unwrap();
}
