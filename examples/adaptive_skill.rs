//! Skill of the adaptive convective ensemble against STEPS and plain extrapolation on the real sequences of
//! `../shared/data/nowcast/` (issue 6).
//!
//! ```sh
//! cargo run --release --example adaptive_skill -- [--members 12] [--crop 256] [--seed 24] \
//!     [--cell-lifetime 120] [--trend-efolding 20] [--window 64]
//! ```
//! For every service (BoM 0.5 km / 6 min, RMI and FMI 1 km / 5 min) and three start times each: rain rate
//! (FMI dBZ by Marshall–Palmer a = 200, b = 1.6), dB with −15 dB below 0.1 mm/h, the three frames ending at the
//! start time, Squall's Lucas–Kanade motion, then a `crop × crop` window centred on the centroid of the
//! ≥ 5 mm/h pixels of the newest frame (the whole domain if smaller). STEPS uses the pysteps settings of
//! `tests/steps_pysteps.rs` (8 levels, AR(2), nonparametric noise, Bowler perturbations, CDF matching,
//! incremental mask); the adaptive ensemble uses [`AdaptiveConfig::default`] (or the options' ablations) with
//! the same members and seed.
//! Scores pooled over all cases and pixels, at 30 and 60 minutes: CRPS (mm/h; for the one-member extrapolation
//! it is the MAE), CSI at ≥ 5 and ≥ 10 mm/h of the
//! ensemble's P(R ≥ thr) ≥ 0.5 (for the one-member extrapolation: R ≥ thr) and of all members pooled, and the reliability diagram and Brier
//! skill score (against the sample climatology) of P(R ≥ 5) and P(R ≥ 10) over both lead times.

use ndarray::{Array2, Array3, Array4, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::adaptive::{Adaptive, AdaptiveConfig};
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::steps::{NowcastInput, Nowcaster, Steps, StepsConfig};
use squall::nowcast::transform::DbTransform;
use squall::verify::ensemble::exceedance_probability;
use squall::verify::{ContingencyTable, Crps, ReliabilityDiagram};

/// (service, folder, end indices of the cases).
const CASES: [(&str, &str, [usize; 3]); 3] = [
    ("bom", "radar/bom/prcp-cscn/2/2018/06/16", [20, 30, 40]),
    ("rmi", "radar/rmi/radqpe/20210704", [12, 19, 25]),
    ("fmi", "radar/fmi/pgm/20160928", [12, 19, 25]),
];
const METHODS: [&str; 3] = ["extrapolation", "steps", "adaptive"];
const LEADS_MIN: [f64; 2] = [30.0, 60.0];
const THRESHOLDS: [f64; 2] = [5.0, 10.0];

/// Pooled scores of one method at one lead time.
struct Pooled {
    crps: Crps,
    tables: Vec<ContingencyTable>,
    /// Every member against the observation (the mean member CSI).
    member_tables: Vec<ContingencyTable>,
    /// The ensemble mean (mm/h) against the observation.
    mean_tables: Vec<ContingencyTable>,
}

/// 1 where `values ≥ threshold`, else 0; NaN kept.
fn indicator(values: ndarray::ArrayView2<f32>, threshold: f64) -> Array2<f32> {
    values.mapv(|v| {
        if v.is_finite() {
            f32::from(u8::from(f64::from(v) >= threshold))
        } else {
            f32::NAN
        }
    })
}

/// The `crop × crop` window (row, column offsets) centred on the heavy-rain centroid of `field` (mm/h).
fn window(field: ndarray::ArrayView2<f32>, crop: usize) -> (usize, usize, usize, usize) {
    let (ny, nx) = field.dim();
    let (mut sy, mut sx, mut n) = (0.0, 0.0, 0.0);
    for ((i, j), &v) in field.indexed_iter() {
        if v >= 5.0 {
            sy += i as f64;
            sx += j as f64;
            n += 1.0;
        }
    }
    let (cy, cx) = if n > 0.0 {
        (sy / n, sx / n)
    } else {
        (ny as f64 / 2.0, nx as f64 / 2.0)
    };
    let h = crop.min(ny);
    let w = crop.min(nx);
    let y0 = (cy - h as f64 / 2.0).round().clamp(0.0, (ny - h) as f64) as usize;
    let x0 = (cx - w as f64 / 2.0).round().clamp(0.0, (nx - w) as f64) as usize;
    (y0, x0, h, w)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut members, mut crop, mut seed) = (12usize, 256usize, 24u64);
    let mut adaptive = AdaptiveConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--members" => members = value()?.parse()?,
            "--crop" => crop = value()?.parse()?,
            "--seed" => seed = value()?.parse()?,
            "--cell-lifetime" => adaptive.cell_lifetime_minutes = value()?.parse()?,
            "--trend-efolding" => adaptive.trend_efolding_minutes = value()?.parse()?,
            "--window" => adaptive.window_px = value()?.parse()?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/nowcast");
    let mut pooled: Vec<Vec<Pooled>> = (0..METHODS.len())
        .map(|_| {
            (0..LEADS_MIN.len())
                .map(|_| Pooled {
                    crps: Crps::new(),
                    tables: vec![ContingencyTable::new(); THRESHOLDS.len()],
                    member_tables: vec![ContingencyTable::new(); THRESHOLDS.len()],
                    mean_tables: vec![ContingencyTable::new(); THRESHOLDS.len()],
                })
                .collect()
        })
        .collect();
    let mut reliability: Vec<Vec<ReliabilityDiagram>> = (0..2)
        .map(|_| {
            THRESHOLDS
                .iter()
                .map(|&t| ReliabilityDiagram::new(t, 10, 10))
                .collect::<Result<_, _>>()
        })
        .collect::<Result<_, _>>()?;
    println!("per case CRPS (mm/h) at 30 / 60 min: extrapolation | steps | adaptive");
    let transform = DbTransform::default();
    for (service, folder, ends) in CASES {
        let dir = root.join(folder);
        if !dir.is_dir() {
            eprintln!("SKIP {service}: {} absent", dir.display());
            continue;
        }
        let sequence = open_sequence_dir(&dir)?;
        let mut rain = sequence.values.clone();
        if sequence.units == "dBZ" {
            rain.mapv_inplace(|z| (10f32.powf(z / 10.0) / 200.0).powf(1.0 / 1.6));
        }
        let minutes = sequence.timestep_s as f64 / 60.0;
        let km = sequence.spec.dx.abs() / 1000.0;
        let n_lead = (60.0 / minutes).round() as usize;
        let lead_index: Vec<usize> = LEADS_MIN
            .iter()
            .map(|l| (l / minutes).round() as usize - 1)
            .collect();
        for end in ends {
            let frames_db = rain
                .slice(s![end - 2..=end, .., ..])
                .mapv(|r| transform.forward(r));
            let velocity = LucasKanade::default().estimate(frames_db.view())?;
            let (y0, x0, h, w) = window(rain.index_axis(Axis(0), end), crop);
            let frames_db = frames_db.slice(s![.., y0..y0 + h, x0..x0 + w]).to_owned();
            let velocity = velocity.slice(s![.., y0..y0 + h, x0..x0 + w]).to_owned();
            let observed: Array3<f32> = rain
                .slice(s![end + 1..=end + n_lead, y0..y0 + h, x0..x0 + w])
                .to_owned();
            let input = NowcastInput {
                fields: frames_db.view(),
                velocity: velocity.view(),
                km_per_pixel: km,
                timestep_minutes: minutes,
            };
            let methods: [Box<dyn Nowcaster>; 3] = [
                Box::new(ExtrapolationNowcast::default()),
                Box::new(Steps::new(StepsConfig {
                    members,
                    n_cascade_levels: 8,
                    seed,
                    ..StepsConfig::default()
                })),
                Box::new(Adaptive::new(AdaptiveConfig {
                    members,
                    seed,
                    ..adaptive
                })),
            ];
            let mut line = format!("{service} end {end:>2} ({h}×{w}):");
            for (mi, method) in methods.iter().enumerate() {
                let started = std::time::Instant::now();
                let mut ensemble: Array4<f32> = method.forecast(&input, n_lead, &|_, _| ())?;
                let seconds = started.elapsed().as_secs_f64();
                ensemble.mapv_inplace(|v| transform.inverse(v));
                line += &format!(" {}", method.name());
                for (li, &k) in lead_index.iter().enumerate() {
                    let fc = ensemble.index_axis(Axis(1), k);
                    let obs = observed.index_axis(Axis(0), k);
                    let mut crps = Crps::new();
                    crps.accumulate(fc, obs)?;
                    line += &format!(" {:.3}", crps.compute());
                    let p = &mut pooled[mi][li];
                    p.crps.merge(&crps);
                    let ensemble_mean = fc.mean_axis(Axis(0)).ok_or("no member")?;
                    for (ti, &thr) in THRESHOLDS.iter().enumerate() {
                        p.mean_tables[ti].accumulate(
                            indicator(ensemble_mean.view(), thr).view(),
                            indicator(obs, thr).view(),
                            0.5,
                        )?;
                        // Events: forecast P(R ≥ thr) ≥ 0.5 (for one member: R ≥ thr) and observed R ≥ thr, as
                        // indicator fields counted by the table's "> 0.5".
                        let prob = exceedance_probability(fc, thr)?;
                        let observed_event = indicator(obs, thr);
                        p.tables[ti].accumulate(
                            indicator(prob.view(), 0.5).view(),
                            observed_event.view(),
                            0.5,
                        )?;
                        for member in fc.outer_iter() {
                            p.member_tables[ti].accumulate(
                                indicator(member, thr).view(),
                                observed_event.view(),
                                0.5,
                            )?;
                        }
                        if mi > 0 {
                            reliability[mi - 1][ti].accumulate(prob.view(), obs)?;
                        }
                    }
                }
                line += &format!(" ({seconds:.1} s)");
            }
            println!("{line}");
        }
    }
    println!();
    println!(
        "| method | lead | CRPS (mm/h) | CSI ≥ 5 (P ≥ 0.5) | CSI ≥ 10 (P ≥ 0.5) | CSI ≥ 5 (members) | CSI ≥ 10 (members) | CSI ≥ 5 (mean) | CSI ≥ 10 (mean) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (li, lead) in LEADS_MIN.iter().enumerate() {
        for (mi, name) in METHODS.iter().enumerate() {
            let p = &pooled[mi][li];
            println!(
                "| {name} | {lead} min | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
                p.crps.compute(),
                p.tables[0].csi(),
                p.tables[1].csi(),
                p.member_tables[0].csi(),
                p.member_tables[1].csi(),
                p.mean_tables[0].csi(),
                p.mean_tables[1].csi()
            );
        }
    }
    println!();
    println!("| ensemble | event | BSS | reliability | resolution | uncertainty | n |");
    println!("|---|---|---|---|---|---|---|");
    for (ei, name) in ["steps", "adaptive"].iter().enumerate() {
        for (ti, thr) in THRESHOLDS.iter().enumerate() {
            let b = reliability[ei][ti].brier();
            println!(
                "| {name} | R ≥ {thr} mm/h | {:.4} | {:.5} | {:.5} | {:.5} | {} |",
                b.brier_skill_score, b.reliability, b.resolution, b.uncertainty, b.n
            );
        }
    }
    for (ei, name) in ["steps", "adaptive"].iter().enumerate() {
        for (ti, thr) in THRESHOLDS.iter().enumerate() {
            let curve = reliability[ei][ti].curve();
            println!(
                "\nreliability diagram, {name}, R ≥ {thr} mm/h (forecast p → observed frequency, n)"
            );
            for ((p, o), n) in curve
                .forecast_probability
                .iter()
                .zip(&curve.observed_frequency)
                .zip(&curve.sample_size)
            {
                println!("  {p:.3} → {o:.3}  ({n})");
            }
        }
    }
    Ok(())
}
