//! Squall's grid of the KLBB NEXRAD volume against Py-ART's `grid_from_radars` on the same grid with the same
//! weighting (fixtures made by `benches/compare/grid_reference.py`, see `testdata/reference/README.md`).

use crate::common;

use std::io::Read;
use std::path::PathBuf;

use squall::geo::GridSpec;
use squall::grid::{GridConfig, GridMapping, Weighting};

fn pyart_grid(weighting: &str) -> Vec<f32> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/reference")
        .join(format!("grid_klbb_pyart_{weighting}.i16.gz"));
    let mut bytes = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
        .chunks_exact(2)
        .map(|b| match i16::from_le_bytes([b[0], b[1]]) {
            -32768 => f32::NAN,
            v => f32::from(v) / 10.0,
        })
        .collect()
}

fn pearson(pairs: &[(f64, f64)]) -> f64 {
    let n = pairs.len() as f64;
    let (ma, mb) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0 / n, b + p.1 / n));
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for &(a, b) in pairs {
        sab += (a - ma) * (b - mb);
        saa += (a - ma).powi(2);
        sbb += (b - mb).powi(2);
    }
    sab / (saa * sbb).sqrt()
}

#[test]
fn klbb_grid_matches_pyart() {
    let Some(file) = common::shared_radar_file("KLBB20160601_150025_V06") else {
        return;
    };
    let meta = common::reference_json("grid_klbb_pyart.json");
    let volume = squall::io::open_volume(&file).unwrap();
    let site = &volume.site;
    let spec = GridSpec::centred_on(site.latitude_deg, site.longitude_deg, 201, 1000.0).unwrap();
    let heights: Vec<f64> = (0..41)
        .map(|k| site.altitude_m + 500.0 * k as f64)
        .collect();
    let stride = meta["subsample"]["stride"].as_u64().unwrap() as usize;
    for (key, weighting) in [
        ("barnes2", Weighting::Barnes2),
        ("cressman", Weighting::Cressman),
    ] {
        let reference = pyart_grid(key);
        let config = GridConfig {
            weighting,
            ..GridConfig::default()
        };
        let grid = GridMapping::new(&volume, &spec, &heights, config)
            .unwrap()
            .grid(&volume, "DBZH", None)
            .unwrap();
        let sub = grid.values.slice(ndarray::s![.., ..;stride, ..;stride]);
        assert_eq!(sub.len(), reference.len());
        let (mut pairs, mut only_pyart, mut only_squall) = (Vec::new(), 0usize, 0usize);
        for (&s, &p) in sub.iter().zip(&reference) {
            match (s.is_finite(), p.is_finite()) {
                (true, true) => pairs.push((f64::from(s), f64::from(p))),
                (false, true) => only_pyart += 1,
                (true, false) => only_squall += 1,
                _ => {}
            }
        }
        let r = pearson(&pairs);
        let mad = pairs.iter().map(|(a, b)| (a - b).abs()).sum::<f64>() / pairs.len() as f64;
        let bias = pairs.iter().map(|(a, b)| a - b).sum::<f64>() / pairs.len() as f64;
        eprintln!(
            "{key}: r = {r:.5} over {} cells, mean |diff| {mad:.3} dB, bias {bias:+.3} dB; only Py-ART {only_pyart}, only Squall {only_squall}",
            pairs.len()
        );
        assert!(pairs.len() > 60_000, "{}", pairs.len());
        assert!(r >= 0.99, "{key}: r = {r}");
        assert!(mad < 0.5 && bias.abs() < 0.1, "{key}: {mad} {bias}");
        // Coverage agrees: cells valid in only one grid (at the edges of the radii of influence, which the bins
        // move slightly) are under 5 % of the cells valid in both.
        assert!(((only_pyart + only_squall) as f64) < 0.05 * pairs.len() as f64);
    }
}
