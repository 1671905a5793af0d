//! Lucas–Kanade, constant and TREC motion on the real sequences against pysteps 1.21.5
//! (`testdata/reference/motion_*_pysteps.json`, made by `benches/compare/motion_reference.py`).
//!
//! Preprocessing as the script: rain rate (FMI dBZ by Marshall–Palmer a = 200, b = 1.6), then dB with
//! −15 dB below 0.1 mm/h, NaN kept; three frames ending at each case's index. "In rain" = rain rate of the last
//! frame ≥ 0.1 mm/h. Skips (with a message) when `../shared/data/nowcast` is absent.
//!
//! Measures:
//! - mean vector in rain: `|mean_squall − mean_pysteps| ≤ 0.1 |mean_pysteps|`;
//! - vector correlation in rain at the fixture's subsampled pixels: uncentred
//!   `Σ a·b / sqrt(Σ|a|² Σ|b|²)` and centred (the same after removing each field's mean vector).

use crate::common;

use std::path::PathBuf;

use ndarray::{Array3, Array4, ArrayView2, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::constant::ConstantMotion;
use squall::motion::lucas_kanade::LucasKanade;
use squall::motion::trec::Trec;
use squall::nowcast::transform::DbTransform;
use squall::products::rain_rate_from_reflectivity;

const SERVICES: [(&str, &str); 3] = [
    ("bom", "radar/bom/prcp-cscn/2/2018/06/16"),
    ("rmi", "radar/rmi/radqpe/20210704"),
    ("fmi", "radar/fmi/pgm/20160928"),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Case {
    end: usize,
    rain_mmh: Array3<f32>,
    frames_db: Array3<f32>,
    lk_mean_rain: [f64; 2],
    constant: [f64; 2],
    /// pysteps' LK `(2, sub_rows, sub_cols)` at rows/cols `offset + stride k`.
    lk_sub: Array3<f32>,
}

/// The cases of one service, or `None` (message printed) without the shared data.
fn cases(service: &str, folder: &str) -> Option<(Vec<Case>, usize, usize)> {
    let dir = common::nowcast_dir(folder)?;
    let reference = repo().join("testdata/reference");
    let json = common::reference_json(&format!("motion_{service}_pysteps.json"));
    let layout = &json["field_layout"];
    let shape: Vec<usize> = layout["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as usize)
        .collect();
    let values = common::read_f32_gz(&reference.join(json["field_file"].as_str().unwrap()));
    let sub = Array4::from_shape_vec((shape[0], shape[1], shape[2], shape[3]), values).unwrap();
    let rows_cols = layout["rows_cols"].as_str().unwrap();
    let (offset, stride) = rows_cols.split_once(" + ").unwrap();
    let offset: usize = offset.parse().unwrap();
    let stride: usize = stride.trim_end_matches(" k").parse().unwrap();

    let sequence = open_sequence_dir(&dir).unwrap();
    let n = json["frames_per_case"].as_u64().unwrap() as usize;
    let pair = |v: &serde_json::Value| [v[0].as_f64().unwrap(), v[1].as_f64().unwrap()];
    let cases = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(k, c)| {
            let end = c["end_index"].as_u64().unwrap() as usize;
            let mut rain = sequence
                .values
                .slice(s![end + 1 - n..=end, .., ..])
                .to_owned();
            if sequence.units == "dBZ" {
                rain.mapv_inplace(|z| rain_rate_from_reflectivity(z, 200.0, 1.6));
            }
            let frames_db = rain.mapv(|r| DbTransform::default().forward(r));
            Case {
                end,
                rain_mmh: rain,
                frames_db,
                lk_mean_rain: pair(&c["lk_mean_rain"]),
                constant: pair(&c["constant"]),
                lk_sub: sub.index_axis(Axis(0), k).to_owned(),
            }
        })
        .collect();
    Some((cases, offset, stride))
}

fn is_rain(last: ArrayView2<f32>, r: usize, c: usize) -> bool {
    last[[r, c]] >= 0.1
}

/// Mean motion over the rain pixels of the last frame.
fn mean_in_rain(case: &Case, motion: &Array3<f32>) -> [f64; 2] {
    let last = case.rain_mmh.index_axis(Axis(0), case.rain_mmh.dim().0 - 1);
    let (mut su, mut sv, mut n) = (0.0f64, 0.0f64, 0usize);
    for ((r, c), _) in last.indexed_iter() {
        if is_rain(last, r, c) {
            su += f64::from(motion[[0, r, c]]);
            sv += f64::from(motion[[1, r, c]]);
            n += 1;
        }
    }
    [su / n as f64, sv / n as f64]
}

/// (uncentred, centred) vector correlation with pysteps' LK at the subsampled rain pixels.
fn correlations(case: &Case, motion: &Array3<f32>, offset: usize, stride: usize) -> (f64, f64) {
    let last = case.rain_mmh.index_axis(Axis(0), case.rain_mmh.dim().0 - 1);
    let mut pairs = Vec::new();
    let (_, sr, sc) = case.lk_sub.dim();
    for i in 0..sr {
        for j in 0..sc {
            let (r, c) = (offset + stride * i, offset + stride * j);
            if is_rain(last, r, c) {
                let a = [f64::from(motion[[0, r, c]]), f64::from(motion[[1, r, c]])];
                let b = [
                    f64::from(case.lk_sub[[0, i, j]]),
                    f64::from(case.lk_sub[[1, i, j]]),
                ];
                pairs.push((a, b));
            }
        }
    }
    assert!(
        pairs.len() >= 20,
        "too few subsampled rain pixels: {}",
        pairs.len()
    );
    let corr = |centre: bool| {
        let n = pairs.len() as f64;
        let mean = |f: fn(&([f64; 2], [f64; 2])) -> f64| pairs.iter().map(f).sum::<f64>() / n;
        let (ma, mb) = if centre {
            (
                [mean(|p| p.0[0]), mean(|p| p.0[1])],
                [mean(|p| p.1[0]), mean(|p| p.1[1])],
            )
        } else {
            ([0.0; 2], [0.0; 2])
        };
        let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
        for (a, b) in &pairs {
            for k in 0..2 {
                let (x, y) = (a[k] - ma[k], b[k] - mb[k]);
                sab += x * y;
                saa += x * x;
                sbb += y * y;
            }
        }
        sab / (saa * sbb).sqrt()
    };
    (corr(false), corr(true))
}

fn relative_difference(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1]) / b[0].hypot(b[1])
}

#[test]
fn lucas_kanade_agrees_with_pysteps() {
    for (service, folder) in SERVICES {
        let Some((cases, offset, stride)) = cases(service, folder) else {
            continue;
        };
        for case in &cases {
            let motion = LucasKanade::default()
                .estimate(case.frames_db.view())
                .unwrap();
            let mean = mean_in_rain(case, &motion);
            let rel = relative_difference(mean, case.lk_mean_rain);
            let (r, rc) = correlations(case, &motion, offset, stride);
            eprintln!(
                "LK {service} end {}: mean in rain squall ({:.3}, {:.3}) pysteps ({:.3}, {:.3}), rel. diff {rel:.4}, \
                 vector correlation {r:.4} (centred {rc:.4})",
                case.end, mean[0], mean[1], case.lk_mean_rain[0], case.lk_mean_rain[1]
            );
            assert!(
                rel <= 0.1,
                "{service} {}: mean vector differs by {rel}",
                case.end
            );
            assert!(
                r >= 0.8 && rc >= 0.8,
                "{service} {}: correlation {r} / {rc}",
                case.end
            );
        }
    }
}

/// Pearson correlation of the last frame with the previous one shifted by the integer motion `(u, v)`
/// (pysteps' objective, nearest-neighbour shifts), over pixels finite in both.
fn shifted_correlation(frames: &Array3<f32>, u: i64, v: i64) -> f64 {
    let nt = frames.dim().0;
    let (prev, next) = (
        frames.index_axis(Axis(0), nt - 2),
        frames.index_axis(Axis(0), nt - 1),
    );
    let (ny, nx) = next.dim();
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0f64, 0.0, 0.0, 0.0, 0.0, 0.0);
    for r in 0..ny as i64 {
        for c in 0..nx as i64 {
            let (rr, cc) = (r - v, c - u);
            if rr < 0 || cc < 0 || rr >= ny as i64 || cc >= nx as i64 {
                continue;
            }
            let (a, b) = (
                prev[[rr as usize, cc as usize]],
                next[[r as usize, c as usize]],
            );
            if a.is_finite() && b.is_finite() {
                let (a, b) = (f64::from(a), f64::from(b));
                n += 1.0;
                sa += a;
                sb += b;
                saa += a * a;
                sbb += b * b;
                sab += a * b;
            }
        }
    }
    (sab - sa * sb / n) / ((saa - sa * sa / n) * (sbb - sb * sb / n)).sqrt()
}

#[test]
fn constant_motion_reaches_at_least_pysteps_correlation() {
    // pysteps' Nelder–Mead on nearest-neighbour shifts stops on a plateau near its start (1, 1); Squall's
    // search is global, so by pysteps' own objective its answer must be at least as good.
    for (service, folder) in SERVICES {
        let Some((cases, _, _)) = cases(service, folder) else {
            continue;
        };
        for case in &cases {
            let motion = ConstantMotion::default()
                .estimate(case.frames_db.view())
                .unwrap();
            let ours = [f64::from(motion[[0, 0, 0]]), f64::from(motion[[1, 0, 0]])];
            let c_ours = shifted_correlation(
                &case.frames_db,
                ours[0].round() as i64,
                ours[1].round() as i64,
            );
            let theirs = case.constant;
            let c_theirs = shifted_correlation(
                &case.frames_db,
                theirs[0].round() as i64,
                theirs[1].round() as i64,
            );
            let rel = relative_difference(ours, theirs);
            eprintln!(
                "constant {service} end {}: squall ({:.3}, {:.3}) corr {c_ours:.5}; pysteps ({:.3}, {:.3}) corr \
                 {c_theirs:.5}; rel. diff {rel:.3}",
                case.end, ours[0], ours[1], theirs[0], theirs[1]
            );
            assert!(
                c_ours >= c_theirs - 1e-9,
                "{service} {}: {c_ours} < {c_theirs}",
                case.end
            );
            assert!((ours[0] - theirs[0]).abs() <= 1.0 && (ours[1] - theirs[1]).abs() <= 1.0);
        }
    }
}

#[test]
fn trec_and_cotrec_agree_with_pysteps_lucas_kanade() {
    for (service, folder) in SERVICES {
        let Some((cases, offset, stride)) = cases(service, folder) else {
            continue;
        };
        for case in &cases {
            for cotrec in [false, true] {
                let trec = Trec {
                    cotrec,
                    ..Trec::default()
                };
                let motion = trec.estimate(case.frames_db.view()).unwrap();
                let mean = mean_in_rain(case, &motion);
                let rel = relative_difference(mean, case.lk_mean_rain);
                let (r, rc) = correlations(case, &motion, offset, stride);
                let name = if cotrec { "COTREC" } else { "TREC" };
                eprintln!(
                    "{name} {service} end {}: mean in rain ({:.3}, {:.3}) vs pysteps LK ({:.3}, {:.3}), rel. diff \
                     {rel:.3}, vector correlation {r:.3} (centred {rc:.3})",
                    case.end, mean[0], mean[1], case.lk_mean_rain[0], case.lk_mean_rain[1]
                );
                assert!(
                    rel <= 0.25,
                    "{name} {service} {}: mean differs by {rel}",
                    case.end
                );
                assert!(r >= 0.8, "{name} {service} {}: correlation {r}", case.end);
            }
        }
    }
}
