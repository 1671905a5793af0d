//! `squall motion --png`: arrows over the last frame of a synthetic FMI PGM sequence, and no overwriting.

use crate::common;

use std::path::{Path, PathBuf};

use crate::{SpawnLocked, assert_fails_with, assert_success, squall};

const N: usize = 128;

/// Frame `k` of blobs moving 3 px east per 5-minute step, as an FMI PGM (raw = 2 (dBZ + 32)).
fn write_frame(dir: &Path, k: usize) -> PathBuf {
    let mut bytes = format!(
        "P5\n# obstime 2016092816{:02}\n# type stereographic\n# centrallongitude 25\n# centrallatitude 90\n\
         # truelatitude 60\n# bottomleft 24.000000 60.000000\n# topright 26.400000 61.160000\n{N} {N}\n255\n",
        5 * k
    )
    .into_bytes();
    for r in 0..N {
        for c in 0..N {
            let x = c as f32 - 3.0 * k as f32;
            let dbz: f32 = [(40.0, 40.0), (70.0, 80.0), (45.0, 95.0), (90.0, 35.0)]
                .iter()
                .map(|&(cx, cy): &(f32, f32)| {
                    45.0 * (-((x - cx).powi(2) + (r as f32 - cy).powi(2)) / 60.0).exp()
                })
                .sum();
            bytes.push((2.0 * dbz).round().min(254.0) as u8);
        }
    }
    let path = dir.join(format!("2016092816{:02}_fmi.pgm", 5 * k));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn motion_png_draws_arrows_and_is_never_overwritten() {
    let dir = common::scratch_dir("motion-png");
    let frames: Vec<PathBuf> = (0..3).map(|k| write_frame(&dir, k)).collect();
    let (nc, png) = (dir.join("motion.nc"), dir.join("motion.png"));
    let motion = |extra: &[&str], png: &Path| {
        squall()
            .arg("motion")
            .args(&frames)
            .args(extra)
            .arg("-o")
            .arg(&nc)
            .arg("--png")
            .arg(png)
            .output_locked()
            .unwrap()
    };
    let run = |extra: &[&str]| motion(&[&["--method", "lk"], extra].concat(), &png);
    let out = run(&[]);
    assert_success(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("one arrow every 24 cells"), "{stdout}");

    let (width, height, pixels) = crate::read_png(&png);
    assert_eq!((width, height), (N as u32, N as u32));
    let black = pixels.chunks(3).filter(|p| p == &[0, 0, 0]).count();
    // 25 arrows of ≈ 0.9 · 24 px with barbs, drawn eastward from (12, 12), (36, 12), …
    assert!(black > 25 * 15, "{black} arrow pixels");
    let row = 12 * N * 3;
    assert_eq!(&pixels[row + 12 * 3..row + 12 * 3 + 3], &[0, 0, 0]);
    assert_eq!(
        &pixels[row + 20 * 3..row + 20 * 3 + 3],
        &[0, 0, 0],
        "arrow along +x"
    );

    // A second run refuses to replace either output; --force replaces them.
    let before = std::fs::metadata(&png).unwrap().modified().unwrap();
    let out = run(&[]);
    assert_fails_with(&out, "exists; pass --force");
    std::fs::remove_file(&nc).unwrap();
    let out = run(&[]);
    let err = assert_fails_with(&out, "--png = ");
    assert!(err.contains("exists; pass --force"), "{err}");
    assert!(!nc.exists(), "nothing is written when an output is refused");
    assert_eq!(std::fs::metadata(&png).unwrap().modified().unwrap(), before);
    assert!(run(&["--force"]).status.success());
    let out = motion(&["--force"], &nc);
    assert_fails_with(&out, "is also the --out file");
    std::fs::remove_dir_all(&dir).unwrap();
}
