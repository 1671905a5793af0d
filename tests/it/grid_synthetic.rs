//! Gridding and mosaics of synthetic volumes with known truth; mapping reuse; bad input.

use crate::common;

use ndarray::{Array2, Array3, Zip};
use squall::geo::{Grid3, GridSpec};
use squall::grid::{
    GridConfig, GridMapping, Mosaic, MosaicConfig, RadiusOfInfluence, Vertical, Weighting, cappi,
    composite,
};
use squall::synth::{RadarConfig, Scene3d, SceneConfig, SyntheticVolume, polar_volume, site_at};
use squall::volume::{Moment, PolarVolume};
use squall::{Error, SweepMode};

const HEIGHTS: [f64; 6] = [1000.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0];

struct Case {
    s_band: SyntheticVolume,
    x_band: SyntheticVolume,
    truth: Grid3,
    spec: GridSpec,
}

/// Frame 6 of a convective scene 120 km wide.
fn convective_scene() -> Scene3d {
    SceneConfig::convective(11, 120)
        .unwrap()
        .generate()
        .unwrap()
        .scene_3d(6)
        .unwrap()
}

/// The scene of [`convective_scene`], an S-band radar west of the centre and an X-band radar east of it.
fn case() -> Case {
    let scene = convective_scene();
    let spec = scene.spec.clone();
    let s = RadarConfig::s_band_vcp21(site_at(&spec, -30_000.0, 0.0, "SSYN").unwrap());
    let x = RadarConfig::x_band(site_at(&spec, 10_000.0, 5_000.0, "XSYN").unwrap());
    Case {
        s_band: polar_volume(&scene, &s).unwrap(),
        x_band: polar_volume(&scene, &x).unwrap(),
        truth: scene.to_grid3(&HEIGHTS),
        spec,
    }
}

/// Mean absolute error against the truth over cells where the truth has an echo (≥ 20 dBZ) and `mask` holds.
fn mae(grid: &Array3<f32>, truth: &Grid3, mask: impl Fn(usize, usize) -> bool) -> (f64, usize) {
    let (mut sum, mut n) = (0.0, 0);
    for ((z, r, c), &t) in truth.values.indexed_iter() {
        let g = grid[[z, r, c]];
        if t >= 20.0 && g.is_finite() && mask(r, c) {
            sum += f64::from((g - t).abs());
            n += 1;
        }
    }
    (sum / n.max(1) as f64, n)
}

/// Adds a QUALITY moment 1 − PIA/10 dB (clamped) from the synthetic truth: attenuated gates count less.
fn with_quality(v: &SyntheticVolume) -> PolarVolume {
    let mut volume = v.volume.clone();
    for (sweep, truth) in volume.sweeps.iter_mut().zip(&v.truth) {
        let q = truth.pia_h_db.mapv(|p| (1.0 - p / 10.0).clamp(0.0, 1.0));
        sweep
            .moments
            .push(Moment::from_values("QUALITY", "unitless", q));
    }
    volume
}

#[test]
fn single_radar_grid_recovers_the_scene() {
    let c = case();
    let mapping =
        GridMapping::new(&c.s_band.volume, &c.spec, &HEIGHTS, GridConfig::default()).unwrap();
    let grid = mapping.grid(&c.s_band.volume, "DBZH", Some(-10.0)).unwrap();
    let (err, n) = mae(&grid.values, &c.truth, |_, _| true);
    eprintln!("S band alone: MAE {err:.2} dB over {n} echo cells");
    assert!(n > 5_000, "{n}");
    assert!(err < 2.5, "{err}");
    // Composite and CAPPI are consistent with the grid.
    let comp = composite(&grid);
    let low = cappi(&grid, 1500.0).unwrap();
    Zip::from(&comp.values).and(&low.values).for_each(|&m, &l| {
        if m.is_finite() && l.is_finite() {
            assert!(m + 1e-4 >= l.min(m));
        }
    });
}

#[test]
fn reused_mapping_gives_identical_grids_and_every_weighting_works() {
    let c = case();
    let volume = &c.x_band.volume;
    for weighting in [
        Weighting::Nearest,
        Weighting::Cressman,
        Weighting::Barnes,
        Weighting::Barnes2,
    ] {
        let config = GridConfig {
            weighting,
            ..GridConfig::default()
        };
        let a = GridMapping::new(volume, &c.spec, &HEIGHTS, config).unwrap();
        let first = a.grid(volume, "DBZH", None).unwrap();
        let again = a.grid(volume, "DBZH", None).unwrap();
        assert!(
            first
                .values
                .iter()
                .zip(again.values.iter())
                .all(|(x, y)| x.to_bits() == y.to_bits())
        );
        let (err, n) = mae(&first.values, &c.truth, |_, _| true);
        eprintln!("{weighting:?}: MAE {err:.2} dB over {n} cells");
        assert!(n > 1_000 && err < 6.0, "{weighting:?}: {err} over {n}");
    }
    // A per-gate mapping (bin_fraction 0) and the default binned one agree closely.
    let exact = GridConfig {
        bin_fraction: 0.0,
        roi: RadiusOfInfluence::Constant { radius_m: 1500.0 },
        ..GridConfig::default()
    };
    let binned = GridConfig {
        roi: exact.roi,
        ..GridConfig::default()
    };
    let e = GridMapping::new(volume, &c.spec, &HEIGHTS, exact)
        .unwrap()
        .grid(volume, "DBZH", None)
        .unwrap();
    let b = GridMapping::new(volume, &c.spec, &HEIGHTS, binned)
        .unwrap()
        .grid(volume, "DBZH", None)
        .unwrap();
    let (mut diff, mut n) = (0.0f64, 0);
    Zip::from(&e.values).and(&b.values).for_each(|&x, &y| {
        if x.is_finite() && y.is_finite() {
            diff += f64::from((x - y).abs());
            n += 1;
        }
    });
    eprintln!(
        "binned vs per gate: mean |diff| {:.3} dB over {n} cells",
        diff / n as f64
    );
    assert!(n > 10_000 && diff / (n as f64) < 0.5);
}

#[test]
fn mosaic_of_s_and_x_is_seamless_and_uses_quality() {
    let c = case();
    let x_quality = with_quality(&c.x_band);
    let mut mosaic = Mosaic::new(
        &c.spec,
        &HEIGHTS,
        GridConfig::default(),
        MosaicConfig::default(),
    )
    .unwrap();
    let both = mosaic
        .grid(&[&c.s_band.volume, &x_quality], "DBZH", Some(-10.0))
        .unwrap();
    let s_alone = mosaic
        .grid(&[&c.s_band.volume], "DBZH", Some(-10.0))
        .unwrap();
    let x_alone = mosaic.grid(&[&x_quality], "DBZH", Some(-10.0)).unwrap();
    assert_eq!(mosaic.n_mappings(), 2);
    // Overlap: cells within 50 km of the X-band radar (which stands at x = 10 km, y = 5 km).
    let x_site = c
        .spec
        .projection
        .forward(x_quality.site.longitude_deg, x_quality.site.latitude_deg)
        .unwrap();
    let near_x = |r: usize, col: usize| {
        let (x, y) = c.spec.xy(r, col);
        (x - x_site.0).hypot(y - x_site.1) < 50_000.0
    };
    let (e_both, n) = mae(&both.values, &c.truth, near_x);
    let (e_s, _) = mae(&s_alone.values, &c.truth, near_x);
    let (e_x, _) = mae(&x_alone.values, &c.truth, near_x);
    eprintln!("overlap: mosaic {e_both:.2}, S alone {e_s:.2}, X alone {e_x:.2} dB over {n} cells");
    assert!(
        e_both <= e_s.max(e_x) + 0.05 && e_both <= e_x,
        "{e_both} {e_s} {e_x}"
    );
    // Without the quality moment the attenuated X-band gates pull the mosaic down more.
    let mut plain = Mosaic::new(
        &c.spec,
        &HEIGHTS,
        GridConfig::default(),
        MosaicConfig::default(),
    )
    .unwrap();
    let no_quality = plain
        .grid(&[&c.s_band.volume, &c.x_band.volume], "DBZH", Some(-10.0))
        .unwrap();
    let (e_plain, _) = mae(&no_quality.values, &c.truth, near_x);
    eprintln!("overlap without quality: {e_plain:.2} dB");
    assert!(e_both < e_plain, "{e_both} {e_plain}");
    // Seamless: at the edge of the X-band coverage (60 km) the mosaic does not jump. Compare the mean absolute
    // difference between horizontal neighbours across the edge ring with the mean over the whole field.
    let level = 1; // 2 km
    let field = both.values.index_axis(ndarray::Axis(0), level).to_owned();
    let jump = |select: &dyn Fn(usize, usize) -> bool| {
        let (mut s, mut n) = (0.0f64, 0usize);
        for r in 0..c.spec.ny {
            for col in 1..c.spec.nx {
                let (a, b) = (field[[r, col - 1]], field[[r, col]]);
                if a.is_finite() && b.is_finite() && select(r, col) {
                    s += f64::from((a - b).abs());
                    n += 1;
                }
            }
        }
        (s / n.max(1) as f64, n)
    };
    let ring = |r: usize, col: usize| {
        let (x, y) = c.spec.xy(r, col);
        ((x - x_site.0).hypot(y - x_site.1) - 60_000.0).abs() < 2_000.0
    };
    let ((edge, n_edge), (all, _)) = (jump(&ring), jump(&|_, _| true));
    eprintln!(
        "neighbour differences: X coverage edge {edge:.2} dB ({n_edge} pairs), everywhere {all:.2} dB"
    );
    assert!(n_edge > 300, "{n_edge}");
    assert!(edge < 1.5 * all + 0.5, "{edge} {all}");
}

#[test]
fn bad_input_gives_errors_or_nan_never_panics() {
    let c = case();
    let volume = &c.x_band.volume;
    let spec = &c.spec;
    // Heights.
    for bad in [&[][..], &[2000.0, 1000.0][..], &[f64::NAN][..]] {
        assert!(matches!(
            GridMapping::new(volume, spec, bad, GridConfig::default()),
            Err(Error::Parameter { .. })
        ));
    }
    // Configuration.
    let bad = GridConfig {
        bin_fraction: 2.0,
        ..GridConfig::default()
    };
    assert!(GridMapping::new(volume, spec, &HEIGHTS, bad).is_err());
    let bad = GridConfig {
        roi: RadiusOfInfluence::Constant { radius_m: -1.0 },
        ..GridConfig::default()
    };
    assert!(GridMapping::new(volume, spec, &HEIGHTS, bad).is_err());
    // An empty volume, and one with only RHI sweeps.
    let mut empty = volume.clone();
    empty.sweeps.clear();
    assert!(matches!(
        GridMapping::new(&empty, spec, &HEIGHTS, GridConfig::default()),
        Err(Error::Parameter { .. })
    ));
    let rhi = common::small_volume(1, SweepMode::Rhi);
    assert!(GridMapping::new(&rhi, spec, &HEIGHTS, GridConfig::default()).is_err());
    // A radar 2000 km away: an all-NaN grid, and a mosaic of it with a covering radar is the covering radar's.
    let mut far = volume.clone();
    far.site.latitude_deg += 18.0;
    let mapping = GridMapping::new(&far, spec, &HEIGHTS, GridConfig::default()).unwrap();
    assert_eq!(mapping.n_weights(), 0);
    assert!(
        mapping
            .grid(&far, "DBZH", None)
            .unwrap()
            .values
            .iter()
            .all(|v| v.is_nan())
    );
    let mut mosaic = Mosaic::new(
        spec,
        &HEIGHTS,
        GridConfig::default(),
        MosaicConfig::default(),
    )
    .unwrap();
    let alone = mosaic.grid(&[volume], "DBZH", None).unwrap();
    let with_far = mosaic.grid(&[volume, &far], "DBZH", None).unwrap();
    assert!(
        alone
            .values
            .iter()
            .zip(with_far.values.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits())
    );
    assert!(mosaic.grid(&[], "DBZH", None).is_err());
    // NaN-only moment: all-NaN grid; an unknown moment: an error naming the moments.
    let mut nan_only = volume.clone();
    for sweep in &mut nan_only.sweeps {
        let m = sweep.moment_mut("DBZH").unwrap();
        *m = Moment::from_values("DBZH", "dBZ", Array2::from_elem(m.values.dim(), f32::NAN));
    }
    let m = GridMapping::new(volume, spec, &HEIGHTS, GridConfig::default()).unwrap();
    assert!(
        m.grid(&nan_only, "DBZH", None)
            .unwrap()
            .values
            .iter()
            .all(|v| v.is_nan())
    );
    let err = m.grid(volume, "NOPE", None).unwrap_err();
    assert!(err.to_string().contains("DBZH"), "{err}");
    // Another geometry is refused by a mapping.
    assert!(m.grid(&c.s_band.volume, "DBZH", None).is_err());
    assert!(!m.fits(&c.s_band.volume));
    // Rays that moved (here: the azimuths of one sweep squeezed into half the circle) are refused too; a rotation
    // by a fraction of a ray spacing is not.
    let mut moved = volume.clone();
    for az in &mut moved.sweeps[0].azimuth_deg {
        *az *= 0.5;
    }
    assert!(!m.fits(&moved));
    let mut rotated = volume.clone();
    for sweep in &mut rotated.sweeps {
        for az in &mut sweep.azimuth_deg {
            *az = (*az + 0.3).rem_euclid(360.0);
        }
    }
    assert!(m.fits(&rotated));
}

/// Interpolating between tilts ([`Vertical::Interpolate`]) fills the levels the VCP 21 tilts leave empty with
/// 3-D radii of influence, with errors against the scene close to those where beams pass, and marks the levels
/// above the echo as no echo.
#[test]
fn interpolating_between_tilts_fills_the_gaps() {
    let scene = convective_scene();
    let spec = scene.spec.clone();
    let radar = RadarConfig::s_band_vcp21(site_at(&spec, -30_000.0, 0.0, "SSYN").unwrap());
    let volume = polar_volume(&scene, &radar).unwrap().volume;
    let heights: Vec<f64> = (2..=20).map(|k| 500.0 * k as f64).collect();
    let truth = scene.to_grid3(&heights);
    let radius = GridMapping::new(&volume, &spec, &heights, GridConfig::default())
        .unwrap()
        .grid(&volume, "DBZH", Some(-10.0))
        .unwrap();
    let config = GridConfig {
        vertical: Vertical::Interpolate,
        ..GridConfig::default()
    };
    let mapping = GridMapping::new(&volume, &spec, &heights, config).unwrap();
    let interpolated = mapping.grid(&volume, "DBZH", Some(-10.0)).unwrap();
    let tilts = mapping.tilt_planes(&volume, "DBZH").unwrap();
    assert_eq!(tilts.n_tilts(), radar.elevations_deg.len());
    // echo cells (truth ≥ 20 dBZ) between the lowest and the highest beam over their column
    let inside = |z: usize, r: usize, c: usize| {
        let n = tilts.n_tilts();
        let h = heights[z] as f32;
        tilts.beam_height_m[[0, r, c]] <= h && h <= tilts.beam_height_m[[n - 1, r, c]]
    };
    let (mut echo, mut radius_has, mut interpolated_has) = (0usize, 0usize, 0usize);
    let (mut gap_error, mut gap_n) = (0.0f64, 0usize);
    for ((z, r, c), &t) in truth.values.indexed_iter() {
        if t < 20.0 || !inside(z, r, c) {
            continue;
        }
        echo += 1;
        let (a, b) = (radius.values[[z, r, c]], interpolated.values[[z, r, c]]);
        radius_has += usize::from(a.is_finite());
        interpolated_has += usize::from(b.is_finite());
        if a.is_nan() && b.is_finite() {
            gap_error += f64::from((b - t).abs());
            gap_n += 1;
        }
    }
    let gap_mae = gap_error / gap_n.max(1) as f64;
    let (radius_mae, _) = mae(&radius.values, &truth, |_, _| true);
    let (interpolated_mae, _) = mae(&interpolated.values, &truth, |_, _| true);
    eprintln!(
        "{echo} echo cells within the tilts: the 3-D radius grid has {radius_has} (MAE {radius_mae:.2} dB), \
         the interpolated one {interpolated_has} (MAE {interpolated_mae:.2} dB; {gap_n} in the gaps, MAE \
         {gap_mae:.2} dB)"
    );
    assert!(echo > 10_000, "{echo}");
    assert!(
        interpolated_has as f64 >= 0.999 * echo as f64,
        "{interpolated_has} of {echo}"
    );
    assert!(
        (radius_has as f64) < 0.95 * echo as f64,
        "{radius_has} of {echo}: no gaps to fill"
    );
    assert!(gap_n > 500 && gap_mae < 6.0, "{gap_n} cells, MAE {gap_mae}");
    assert!(
        interpolated_mae < radius_mae + 1.0,
        "{interpolated_mae} vs {radius_mae}"
    );
    // above the highest echo of a column and within the tilts: no echo, not NaN
    let top = heights.len() - 1;
    let no_echo = (0..spec.ny)
        .flat_map(|r| (0..spec.nx).map(move |c| (r, c)))
        .filter(|&(r, c)| inside(top, r, c) && truth.values[[top, r, c]] < 0.0)
        .filter(|&(r, c)| interpolated.values[[top, r, c]] == -10.0)
        .count();
    assert!(
        no_echo > 1_000,
        "{no_echo} no-echo columns at the top level"
    );
}
