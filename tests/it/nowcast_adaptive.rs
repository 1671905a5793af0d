//! The adaptive convective ensemble (`squall::nowcast::adaptive`): determinism, no-rain safety, and skill on
//! real sequences against STEPS and plain extrapolation (the full comparison is `examples/adaptive_skill.rs`).
//!
//! The skill test runs three of the example's HELD-OUT start times (BoM 35, RMI 22, FMI 16: not used to choose
//! the adaptive defaults or the decision rule), kept small (192 × 192 window on the heavy rain, 8 members, lead
//! times 30 and 60 min; every method scored on the same pixels). The forecast event of an ensemble is
//! P(R ≥ thr) ≥ 0.25, the probability of the largest CSI on the example's training cases for both STEPS and the
//! adaptive ensemble at ≥ 5 mm/h (plain extrapolation: R ≥ thr). It asserts that the adaptive ensemble's CSI of
//! R ≥ 5 mm/h beats both STEPS' and extrapolation's at 30 and at 60 min, that its pooled CRPS is below STEPS',
//! and that its probabilities of R ≥ 5 mm/h have a Brier skill score above 0.1 against the sample climatology
//! and above STEPS'. Skips (with a message) when `../shared/data/nowcast` is absent.

use crate::common;

use ndarray::{Array3, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::adaptive::{Adaptive, AdaptiveConfig};
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::steps::Nowcaster;
use squall::nowcast::steps::{NowcastInput, Steps, StepsConfig};
use squall::nowcast::transform::DbTransform;
use squall::verify::ensemble::exceedance_probability;
use squall::verify::{ContingencyTable, Crps, ReliabilityDiagram};

fn blob_input(t_shift: f32, amplitude: f32) -> (Array3<f32>, Array3<f32>) {
    let fields = Array3::from_shape_fn((3, 64, 64), |(t, r, c)| {
        let d = ((r as f32 - 30.0).powi(2) + (c as f32 - 20.0 - t as f32 * t_shift).powi(2)).sqrt();
        if d < 12.0 && amplitude > 0.0 {
            amplitude * (1.0 + 0.2 * t as f32) - d
        } else {
            -15.0
        }
    });
    let mut velocity = Array3::<f32>::zeros((2, 64, 64));
    velocity.index_axis_mut(Axis(0), 0).fill(t_shift);
    (fields, velocity)
}

#[test]
fn adaptive_is_seeded_per_member_and_no_rain_safe() {
    let (fields, velocity) = blob_input(1.0, 12.0);
    let input = NowcastInput {
        fields: fields.view(),
        velocity: velocity.view(),
        km_per_pixel: 1.0,
        timestep_minutes: 5.0,
    };
    let config = AdaptiveConfig {
        members: 3,
        n_cascade_levels: 4,
        window_px: 16,
        seed: 7,
        ..AdaptiveConfig::default()
    };
    let a = Adaptive::new(config)
        .forecast_db(&input, 3, &|_, _| ())
        .unwrap();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let b = one_thread
        .install(|| Adaptive::new(config).forecast_db(&input, 3, &|_, _| ()))
        .unwrap();
    assert_eq!(a.dim(), (3, 3, 64, 64));
    assert!(
        a.iter()
            .zip(b.iter())
            .all(|(x, y)| x.to_bits() == y.to_bits())
    );
    // Members differ (noise), and rain remains near the advected blob.
    let m0 = a.index_axis(Axis(0), 0);
    let m1 = a.index_axis(Axis(0), 1);
    assert!(m0.iter().zip(m1.iter()).any(|(x, y)| x != y));
    assert!(m0.iter().any(|&v| v > 0.0));
    // No rain: dry forecast, no panic.
    let (dry, velocity) = blob_input(0.0, 0.0);
    let input = NowcastInput {
        fields: dry.view(),
        velocity: velocity.view(),
        km_per_pixel: 1.0,
        timestep_minutes: 5.0,
    };
    let out = Adaptive::new(config)
        .forecast_db(&input, 2, &|_, _| ())
        .unwrap();
    assert!(out.iter().all(|&v| v == -15.0));
    // Bad settings are errors.
    let bad = Adaptive::new(AdaptiveConfig {
        window_px: 0,
        ..config
    });
    assert!(bad.forecast_db(&input, 2, &|_, _| ()).is_err());
    for bad in [
        AdaptiveConfig {
            core_noise: 1.5,
            ..config
        },
        AdaptiveConfig {
            motion_perturbation_scale: f64::NAN,
            ..config
        },
        AdaptiveConfig {
            members: 0,
            ..config
        },
    ] {
        assert!(
            Adaptive::new(bad)
                .forecast_db(&input, 2, &|_, _| ())
                .is_err()
        );
    }
}

/// 1 where `v ≥ thr`, NaN kept.
fn indicator(f: ndarray::ArrayView2<f32>, thr: f32) -> ndarray::Array2<f32> {
    f.mapv(|v| {
        if v.is_finite() {
            f32::from(u8::from(v >= thr))
        } else {
            f32::NAN
        }
    })
}

#[test]
fn adaptive_beats_steps_and_extrapolation_on_held_out_cases() {
    let cases = [
        ("radar/bom/prcp-cscn/2/2018/06/16", 35usize),
        ("radar/rmi/radqpe/20210704", 22),
        ("radar/fmi/pgm/20160928", 16),
    ];
    let transform = DbTransform::default();
    let (members, crop, seed) = (8usize, 192usize, 24u64);
    // The decision rule chosen on the training cases of `examples/adaptive_skill.rs`.
    let p_star = 0.25;
    let mut crps = [Crps::new(), Crps::new()];
    let mut reliability = [
        ReliabilityDiagram::new(5.0, 10, 10).unwrap(),
        ReliabilityDiagram::new(5.0, 10, 10).unwrap(),
    ];
    // csi[threshold][method][lead], methods: extrapolation, STEPS, adaptive.
    let mut csi = [[[ContingencyTable::new(); 2]; 3]; 2];
    for (folder, end) in cases {
        let Some(dir) = common::nowcast_dir(folder) else {
            return;
        };
        let sequence = open_sequence_dir(&dir).unwrap();
        let mut rain = sequence.values.clone();
        if sequence.units == "dBZ" {
            rain.mapv_inplace(|z| (10f32.powf(z / 10.0) / 200.0).powf(1.0 / 1.6));
        }
        // Window on the centroid of the ≥ 5 mm/h pixels of the newest frame.
        let newest = rain.index_axis(Axis(0), end);
        let (ny, nx) = newest.dim();
        let (mut sy, mut sx, mut n) = (0.0, 0.0, 0.0);
        for ((i, j), &v) in newest.indexed_iter() {
            if v >= 5.0 {
                (sy, sx, n) = (sy + i as f64, sx + j as f64, n + 1.0);
            }
        }
        assert!(n > 0.0, "{folder} {end}: no heavy rain");
        let y0 = (sy / n - crop as f64 / 2.0).clamp(0.0, (ny - crop) as f64) as usize;
        let x0 = (sx / n - crop as f64 / 2.0).clamp(0.0, (nx - crop) as f64) as usize;
        let window = s![.., y0..y0 + crop, x0..x0 + crop];
        let frames_db = rain
            .slice(s![end - 2..=end, .., ..])
            .mapv(|r| transform.forward(r));
        let velocity = LucasKanade::default().estimate(frames_db.view()).unwrap();
        let frames_db = frames_db.slice(window).to_owned();
        let velocity = velocity.slice(window).to_owned();
        let minutes = sequence.timestep_s as f64 / 60.0;
        let input = NowcastInput {
            fields: frames_db.view(),
            velocity: velocity.view(),
            km_per_pixel: sequence.spec.dx.abs() / 1000.0,
            timestep_minutes: minutes,
        };
        let n_lead = (60.0 / minutes).round() as usize;
        let leads = [(30.0 / minutes).round() as usize - 1, n_lead - 1];
        let extrapolation = ExtrapolationNowcast::default()
            .forecast(&input, n_lead, &|_, _| ())
            .unwrap();
        let steps = Steps::new(StepsConfig {
            members,
            n_cascade_levels: 8,
            seed,
            ..StepsConfig::default()
        })
        .forecast_db(&input, n_lead, &|_, _| ())
        .unwrap();
        let adaptive = Adaptive::new(AdaptiveConfig {
            members,
            seed,
            ..AdaptiveConfig::default()
        })
        .forecast_db(&input, n_lead, &|_, _| ())
        .unwrap();
        let ensembles = [extrapolation, steps, adaptive].map(|e| e.mapv(|v| transform.inverse(v)));
        for (li, k) in leads.into_iter().enumerate() {
            // The same pixels for every method: no data in any member of any method → not scored.
            let mut obs = rain
                .index_axis(Axis(0), end + 1 + k)
                .slice(s![y0..y0 + crop, x0..x0 + crop])
                .to_owned();
            for e in &ensembles {
                for member in e.index_axis(Axis(1), k).outer_iter() {
                    ndarray::Zip::from(&mut obs).and(&member).for_each(|o, &f| {
                        if !f.is_finite() {
                            *o = f32::NAN;
                        }
                    });
                }
            }
            for (ti, thr) in [5.0f32, 10.0].into_iter().enumerate() {
                let observed_event = indicator(obs.view(), thr);
                for (mi, ensemble) in ensembles.iter().enumerate() {
                    let p = exceedance_probability(ensemble.index_axis(Axis(1), k), f64::from(thr))
                        .unwrap();
                    csi[ti][mi][li]
                        .accumulate(
                            indicator(p.view(), p_star).view(),
                            observed_event.view(),
                            0.5,
                        )
                        .unwrap();
                }
            }
            for (ei, ensemble) in ensembles[1..].iter().enumerate() {
                let fc = ensemble.index_axis(Axis(1), k);
                crps[ei].accumulate(fc, obs.view()).unwrap();
                let p = exceedance_probability(fc, 5.0).unwrap();
                reliability[ei].accumulate(p.view(), obs.view()).unwrap();
            }
        }
    }
    let [bss_steps, bss_adaptive] = reliability.map(|r| r.brier().brier_skill_score);
    let [crps_steps, crps_adaptive] = crps.map(|c| c.compute());
    println!(
        "held-out: CRPS adaptive {crps_adaptive:.4} vs STEPS {crps_steps:.4} mm/h; BSS(R ≥ 5) adaptive \
         {bss_adaptive:.4} vs STEPS {bss_steps:.4}"
    );
    for (ti, thr) in [5, 10].into_iter().enumerate() {
        for (li, lead) in ["30 min", "60 min"].iter().enumerate() {
            println!(
                "held-out CSI(R ≥ {thr} mm/h, P ≥ {p_star}) at {lead}: extrapolation {:.4}, STEPS {:.4}, \
                 adaptive {:.4}",
                csi[ti][0][li].csi(),
                csi[ti][1][li].csi(),
                csi[ti][2][li].csi()
            );
        }
    }
    assert!(
        bss_adaptive > 0.1 && bss_adaptive > bss_steps,
        "BSS adaptive {bss_adaptive} vs STEPS {bss_steps}"
    );
    assert!(
        crps_adaptive < crps_steps,
        "CRPS adaptive {crps_adaptive} >= STEPS {crps_steps}"
    );
    let [extrapolation, steps, adaptive] = &csi[0];
    for (li, ((e, s), a)) in extrapolation.iter().zip(steps).zip(adaptive).enumerate() {
        let [extrapolation, steps, adaptive] = [e, s, a].map(ContingencyTable::csi);
        assert!(
            adaptive > steps && adaptive > extrapolation,
            "CSI(≥ 5) at lead {li}: adaptive {adaptive} vs STEPS {steps}, extrapolation {extrapolation}"
        );
    }
}
