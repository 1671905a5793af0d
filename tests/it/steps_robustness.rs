//! STEPS, S-PROG and the extrapolation nowcast on the inputs pysteps' users trip over: no rain, nearly no rain,
//! NaN borders and zero motion; reproducibility for any thread count; clear errors for bad input.

use ndarray::{Array3, Array4, Axis};
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::sprog::Sprog;
use squall::nowcast::steps::{
    GivenDraws, NowcastInput, Nowcaster, Steps, StepsConfig, WhiteNoiseSource, member_rng,
};

const N: usize = 96;

/// Three dB frames of a rain blob moving one pixel east per step, −15 dB elsewhere.
fn moving_blob(radius: f32) -> Array3<f32> {
    Array3::from_shape_fn((3, N, N), |(t, r, c)| {
        let d = ((r as f32 - 48.0).powi(2) + (c as f32 - 30.0 - t as f32).powi(2)).sqrt();
        let texture = ((r * 7 + c * 3) % 11) as f32 * 0.3;
        if d < radius {
            15.0 - d + texture
        } else {
            -15.0
        }
    })
}

fn eastward(speed: f32) -> Array3<f32> {
    let mut v = Array3::<f32>::zeros((2, N, N));
    v.index_axis_mut(Axis(0), 0).fill(speed);
    v
}

fn config(members: usize) -> StepsConfig {
    StepsConfig {
        members,
        n_cascade_levels: 5,
        seed: 7,
        ..StepsConfig::default()
    }
}

/// 4-km pixels: the members' motion perturbations (≈ 16 km/h at 30 min for a unit deviate) stay near one
/// pixel per step, so that no data enters only near the edges of this small grid.
fn input<'a>(fields: &'a Array3<f32>, velocity: &'a Array3<f32>) -> NowcastInput<'a> {
    NowcastInput {
        fields: fields.view(),
        velocity: velocity.view(),
        km_per_pixel: 4.0,
        timestep_minutes: 5.0,
    }
}

/// Pixels within `margin` of an edge, where advection (and motion perturbations) bring in no data.
fn near_edge(margin: usize) -> impl Fn(usize, usize) -> bool {
    move |r, c| r < margin || c < margin || r + margin >= N || c + margin >= N
}

fn methods(members: usize) -> Vec<Box<dyn Nowcaster>> {
    vec![
        Box::new(Steps::new(config(members))),
        Box::new(Sprog {
            n_cascade_levels: 5,
            ..Sprog::default()
        }),
        Box::new(ExtrapolationNowcast::default()),
    ]
}

/// Every value finite or NaN only where allowed, and within the input's range (probability matching keeps the
/// observed distribution).
fn assert_valid(
    out: &Array4<f32>,
    lo: f32,
    hi: f32,
    nan_allowed: impl Fn(usize, usize) -> bool,
    what: &str,
) {
    for ((_, _, r, c), &v) in out.indexed_iter() {
        if v.is_nan() {
            assert!(nan_allowed(r, c), "{what}: unexpected NaN at ({r}, {c})");
        } else {
            assert!(
                v >= lo - 1e-4 && v <= hi + 1e-4,
                "{what}: {v} outside [{lo}, {hi}]"
            );
        }
    }
}

/// Runs `forecast` in a 1-thread and a 2-thread pool, asserts the results are bit-identical, and returns one.
fn assert_same_on_one_and_two_threads(forecast: impl Fn() -> Array4<f32> + Sync) -> Array4<f32> {
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(&forecast)
    };
    let (one, two) = (run(1), run(2));
    assert!(
        one.iter()
            .zip(two.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits()),
        "results differ between 1 and 2 threads"
    );
    one
}

#[test]
fn rain_moves_with_the_motion_and_stays_in_range() {
    let fields = moving_blob(14.0);
    let velocity = eastward(1.0);
    let hi = fields.iter().copied().fold(f32::MIN, f32::max);
    let out = Steps::new(config(6))
        .forecast_db(&input(&fields, &velocity), 6, &|_, _| ())
        .unwrap();
    assert_eq!(out.dim(), (6, 6, N, N));
    // Pixels enter from the edges with no data (west: the flow; any edge: the members' motion perturbations);
    // everything else is valid.
    assert_valid(&out, -15.0, hi, near_edge(12), "steps");
    // The ensemble-mean rain centroid moves east by about 6 pixels in 6 steps.
    let centroid = |f: ndarray::ArrayView2<f32>| {
        let (mut s, mut w) = (0.0f64, 0.0f64);
        for ((_, c), &v) in f.indexed_iter() {
            if v > -10.0 {
                s += c as f64;
                w += 1.0;
            }
        }
        s / w
    };
    let start = centroid(fields.index_axis(Axis(0), 2));
    let mut shift = 0.0;
    for m in 0..6 {
        shift += (centroid(out.index_axis(Axis(0), m).index_axis(Axis(0), 5)) - start) / 6.0;
    }
    assert!((shift - 6.0).abs() < 1.5, "mean shift {shift}");
    // Members differ (noise), but share the same rain fraction after probability matching (±25 %).
    let wet = |m: usize| {
        out.index_axis(Axis(0), m)
            .index_axis(Axis(0), 0)
            .iter()
            .filter(|&&v| v > -10.0)
            .count()
    };
    assert_ne!(out.index_axis(Axis(0), 0), out.index_axis(Axis(0), 1));
    let observed = fields
        .index_axis(Axis(0), 2)
        .iter()
        .filter(|&&v| v > -10.0)
        .count();
    for m in 0..6 {
        let ratio = wet(m) as f64 / observed as f64;
        assert!(
            (0.75..=1.25).contains(&ratio),
            "member {m}: wet ratio {ratio}"
        );
    }
}

/// Draws given from outside (`Steps::forecast_db_with_draws`, the hook that replays pysteps' draws): the same
/// result for 1 and 2 threads to the bit, a different result from the members' own draws, and a clear error for
/// deviates that do not hold one pair per member.
#[test]
fn given_draws_are_bit_identical_for_one_and_two_threads() {
    use rand_distr::{Distribution, StandardNormal};
    let fields = moving_blob(20.0);
    let velocity = eastward(1.5);
    let deviates: Vec<(f64, f64)> = (0..5)
        .map(|m| (0.3 * m as f64 - 0.6, 0.1 * m as f64))
        .collect();
    let white_noise = |m: usize| -> WhiteNoiseSource {
        let mut rng = member_rng(99, m as u64);
        Box::new(move |white: &mut [f32]| {
            for w in white.iter_mut() {
                *w = StandardNormal.sample(&mut rng);
            }
        })
    };
    let draws = GivenDraws {
        deviates: Some(&deviates),
        white_noise: Some(&white_noise),
    };
    let one = assert_same_on_one_and_two_threads(|| {
        Steps::new(config(5))
            .forecast_db_with_draws(&input(&fields, &velocity), 4, &draws, &|_, _| ())
            .unwrap()
    });
    let own = Steps::new(config(5))
        .forecast_db(&input(&fields, &velocity), 4, &|_, _| ())
        .unwrap();
    assert!(
        one.iter()
            .zip(own.iter())
            .any(|(a, b)| a.to_bits() != b.to_bits())
    );
    let short = GivenDraws {
        deviates: Some(&deviates[..4]),
        white_noise: None,
    };
    assert!(matches!(
        Steps::new(config(5)).forecast_db_with_draws(
            &input(&fields, &velocity),
            4,
            &short,
            &|_, _| ()
        ),
        Err(squall::Error::Parameter { .. })
    ));
}

#[test]
fn bit_identical_for_one_and_two_threads() {
    let fields = moving_blob(20.0);
    let velocity = eastward(1.5);
    let one = assert_same_on_one_and_two_threads(|| {
        Steps::new(config(5))
            .forecast_db(&input(&fields, &velocity), 4, &|_, _| ())
            .unwrap()
    });
    // A different seed gives a different ensemble; the same seed the same.
    let other = Steps::new(StepsConfig {
        seed: 8,
        ..config(5)
    })
    .forecast_db(&input(&fields, &velocity), 4, &|_, _| ())
    .unwrap();
    assert!(
        one.iter()
            .zip(other.iter())
            .any(|(a, b)| a.to_bits() != b.to_bits())
    );
}

#[test]
fn no_rain_gives_a_dry_forecast() {
    let fields = Array3::from_elem((3, N, N), -15.0f32);
    let velocity = eastward(1.0);
    for method in methods(3) {
        let out = method
            .forecast(&input(&fields, &velocity), 3, &|_, _| ())
            .unwrap();
        assert_eq!(out.dim().0, method.members());
        assert_valid(&out, -15.0, -15.0, near_edge(8), method.name());
    }
}

#[test]
fn nearly_no_rain_gives_a_valid_forecast() {
    let mut fields = Array3::from_elem((3, N, N), -15.0f32);
    fields[[0, 40, 40]] = 2.0;
    fields[[1, 40, 41]] = 3.0;
    fields[[2, 40, 42]] = 1.0;
    fields[[2, 41, 42]] = -5.0;
    let velocity = eastward(1.0);
    for method in methods(3) {
        let out = method
            .forecast(&input(&fields, &velocity), 4, &|_, _| ())
            .unwrap();
        assert_valid(&out, -15.0, 3.0, near_edge(8), method.name());
        // Rain survives somewhere in the first step.
        let first = out.index_axis(Axis(1), 0);
        assert!(
            first.iter().any(|&v| v > -10.0),
            "{}: rain vanished",
            method.name()
        );
    }
}

#[test]
fn nan_borders_stay_no_data_and_do_not_spread() {
    let mut fields = moving_blob(16.0);
    for mut f in fields.outer_iter_mut() {
        for r in 0..N {
            for c in 0..N {
                let d = ((r as f32 - 48.0).powi(2) + (c as f32 - 48.0).powi(2)).sqrt();
                if d > 44.0 {
                    f[[r, c]] = f32::NAN;
                }
            }
        }
    }
    let velocity = eastward(1.0);
    let hi = fields
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f32::MIN, f32::max);
    for method in methods(3) {
        let out = method
            .forecast(&input(&fields, &velocity), 4, &|_, _| ())
            .unwrap();
        // NaN only outside the radar disc (grown by the advection: 1 px per step, the perturbations and the interpolation).
        assert_valid(
            &out,
            -15.0,
            hi,
            |r, c| ((r as f32 - 48.0).powi(2) + (c as f32 - 48.0).powi(2)).sqrt() > 44.0 - 10.0,
            method.name(),
        );
        // Inside the disc, well away from the edge, everything is valid.
        assert!(out.index_axis(Axis(1), 3)[[0, 48, 48]].is_finite());
    }
}

#[test]
fn zero_motion_gives_a_valid_stationary_forecast() {
    let fields = Array3::from_shape_fn((3, N, N), |(_, r, c)| {
        let d = ((r as f32 - 48.0).powi(2) + (c as f32 - 48.0).powi(2)).sqrt();
        if d < 15.0 { 12.0 - d * 0.5 } else { -15.0 }
    });
    let velocity = Array3::<f32>::zeros((2, N, N));
    for method in methods(3) {
        let out = method
            .forecast(&input(&fields, &velocity), 3, &|_, _| ())
            .unwrap();
        assert_valid(&out, -15.0, 12.0, |_, _| false, method.name());
        // Rain stays centred on the blob (the Bowler perturbation is zero without a flow direction).
        let last = out.index_axis(Axis(1), 2);
        for m in 0..method.members() {
            assert!(
                last[[m, 48, 48]] > 0.0,
                "{}: member {m} lost the centre",
                method.name()
            );
            assert!(
                last[[m, 48, 90]] <= -10.0,
                "{}: rain far away",
                method.name()
            );
        }
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let fields = moving_blob(10.0);
    let velocity = eastward(1.0);
    let steps = Steps::new(config(2));
    let wrong = Array3::<f32>::zeros((2, N, N - 1));
    let mut err_input = input(&fields, &wrong);
    assert!(
        steps
            .forecast_db(&err_input, 2, &|_, _| ())
            .unwrap_err()
            .to_string()
            .contains("velocity")
    );
    let mut nan_velocity = velocity.clone();
    nan_velocity[[0, 3, 3]] = f32::NAN;
    err_input = input(&fields, &nan_velocity);
    assert!(steps.forecast_db(&err_input, 2, &|_, _| ()).is_err());
    let two = fields.slice(ndarray::s![..2, .., ..]).to_owned();
    assert!(
        steps
            .forecast_db(&input(&two, &velocity), 2, &|_, _| ())
            .is_err()
    );
    let mut bad = input(&fields, &velocity);
    bad.km_per_pixel = 0.0;
    assert!(steps.forecast_db(&bad, 2, &|_, _| ()).is_err());
    assert!(
        steps
            .forecast_db(&input(&fields, &velocity), 0, &|_, _| ())
            .is_err()
    );
    let all_nan = Array3::from_elem((3, N, N), f32::NAN);
    assert!(
        steps
            .forecast_db(&input(&all_nan, &velocity), 2, &|_, _| ())
            .is_err()
    );
}
