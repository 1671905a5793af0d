//! Skill of the adaptive convective ensemble against STEPS and plain extrapolation on the real sequences of
//! `../shared/data/nowcast/` (issue 6).
//!
//! ```sh
//! cargo run --release --example adaptive_skill -- [--members 12] [--crop 256] [--seed 24] \
//!     [--cell-lifetime 120] [--trend-efolding 20] [--window 64] [--core-noise 1] [--motion-scale 0.5] \
//!     [--training-only]
//! ```
//! For every service (BoM 0.5 km / 6 min, RMI and FMI 1 km / 5 min) three TRAINING start times (used to choose
//! the adaptive defaults and the decision rule) and three HELD-OUT ones (reported; their lead-time windows
//! overlap the training ones in the same three events, so they are not independent weather): rain rate (FMI
//! dBZ by Marshall–Palmer a = 200, b = 1.6), dB with −15 dB below 0.1 mm/h, the three frames ending at the start
//! time, Squall's Lucas–Kanade motion, then a `crop × crop` window centred on the centroid of the ≥ 5 mm/h
//! pixels of the newest frame (the whole domain if smaller). STEPS uses the pysteps settings of
//! `tests/it/steps_pysteps.rs` (8 levels, AR(2), nonparametric noise, Bowler perturbations, CDF matching,
//! incremental mask); the adaptive ensemble uses [`AdaptiveConfig::default`] (or the options' ablations) with
//! the same members and seed. Every method is scored on the same pixels (where no member of any method has
//! no data).
//!
//! Scores pooled over the cases of each set, at 30 and 60 minutes: CRPS (mm/h; for the one-member
//! extrapolation it is the MAE); CSI at ≥ 5 and ≥ 10 mm/h of the forecast event P(R ≥ thr) ≥ 0.5 and
//! P(R ≥ thr) ≥ p*, where p* is the probability of the largest CSI on the training cases (both leads pooled)
//! for that method and threshold (for the one-member extrapolation both are R ≥ thr); the mean CSI of the
//! members; and the reliability diagram and Brier skill score (against the sample climatology) of P(R ≥ 5) and
//! P(R ≥ 10) over both lead times.

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

/// (service, folder, end indices of the training cases, end indices of the held-out cases).
const CASES: [(&str, &str, [usize; 3], [usize; 3]); 3] = [
    (
        "bom",
        "radar/bom/prcp-cscn/2/2018/06/16",
        [20, 30, 40],
        [25, 35, 45],
    ),
    (
        "rmi",
        "radar/rmi/radqpe/20210704",
        [12, 19, 25],
        [9, 16, 22],
    ),
    ("fmi", "radar/fmi/pgm/20160928", [12, 19, 25], [9, 16, 22]),
];
const SETS: [&str; 2] = ["training", "held-out"];
const METHODS: [&str; 3] = ["extrapolation", "steps", "adaptive"];
const LEADS_MIN: [f64; 2] = [30.0, 60.0];
const THRESHOLDS: [f64; 2] = [5.0, 10.0];

/// Pixel counts of observed events and non-events by forecast probability `k / members`, `k = 0..=members`:
/// the contingency table of every decision rule "P ≥ k / members".
#[derive(Clone)]
struct ProbabilityCounts {
    events: Vec<u64>,
    non_events: Vec<u64>,
}

impl ProbabilityCounts {
    fn new(members: usize) -> Self {
        ProbabilityCounts {
            events: vec![0; members + 1],
            non_events: vec![0; members + 1],
        }
    }

    fn members(&self) -> usize {
        self.events.len() - 1
    }

    /// Adds the probability field `p` against the observation `obs` (mm/h) for `threshold`.
    fn accumulate(
        &mut self,
        p: ndarray::ArrayView2<f32>,
        obs: ndarray::ArrayView2<f32>,
        threshold: f64,
    ) {
        let m = self.members() as f32;
        for (&p, &o) in p.iter().zip(obs.iter()) {
            if p.is_finite() && o.is_finite() {
                let k = (p * m).round() as usize;
                if f64::from(o) >= threshold {
                    self.events[k] += 1;
                } else {
                    self.non_events[k] += 1;
                }
            }
        }
    }

    fn merge(&mut self, other: &ProbabilityCounts) {
        for (a, b) in self.events.iter_mut().zip(&other.events) {
            *a += b;
        }
        for (a, b) in self.non_events.iter_mut().zip(&other.non_events) {
            *a += b;
        }
    }

    /// CSI of the forecast event `P ≥ k / members`.
    fn csi(&self, k: usize) -> f64 {
        let hits: u64 = self.events[k..].iter().sum();
        let false_alarms: u64 = self.non_events[k..].iter().sum();
        let misses: u64 = self.events[..k].iter().sum();
        let d = hits + false_alarms + misses;
        if d == 0 {
            f64::NAN
        } else {
            hits as f64 / d as f64
        }
    }

    /// The smallest `k ≥ 1` with `k / members ≥ p`.
    fn level(&self, p: f64) -> usize {
        ((p * self.members() as f64).ceil() as usize).clamp(1, self.members())
    }

    /// The level `k ≥ 1` of the largest CSI.
    fn best_level(&self) -> usize {
        (1..=self.members())
            .max_by(|&a, &b| self.csi(a).total_cmp(&self.csi(b)))
            .unwrap_or(1)
    }
}

/// Pooled scores of one method at one lead time.
struct Pooled {
    crps: Crps,
    /// Per threshold.
    probabilities: Vec<ProbabilityCounts>,
    /// Every member against the observation (the mean member CSI), per threshold.
    member_tables: Vec<ContingencyTable>,
}

impl Pooled {
    fn new(members: usize) -> Self {
        Pooled {
            crps: Crps::new(),
            probabilities: vec![ProbabilityCounts::new(members); THRESHOLDS.len()],
            member_tables: vec![ContingencyTable::new(); THRESHOLDS.len()],
        }
    }
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

/// The rain sequence of a folder in mm/h, its time step (minutes) and grid spacing (km).
fn rain_sequence(
    dir: &std::path::Path,
) -> Result<(Array3<f32>, f64, f64), Box<dyn std::error::Error>> {
    let sequence = open_sequence_dir(dir)?;
    let mut rain = sequence.values.clone();
    if sequence.units == "dBZ" {
        rain.mapv_inplace(|z| (10f32.powf(z / 10.0) / 200.0).powf(1.0 / 1.6));
    }
    Ok((
        rain,
        sequence.timestep_s as f64 / 60.0,
        sequence.spec.dx.abs() / 1000.0,
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut members, mut crop, mut seed) = (12usize, 256usize, 24u64);
    let mut adaptive = AdaptiveConfig::default();
    let mut sets = vec![0, 1];
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
            "--core-noise" => adaptive.core_noise = value()?.parse()?,
            "--motion-scale" => adaptive.motion_perturbation_scale = value()?.parse()?,
            "--training-only" => sets = vec![0],
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/nowcast");
    let method_members = [1, members, members];
    // pooled[set][method][lead]
    let mut pooled: Vec<Vec<Vec<Pooled>>> = SETS
        .iter()
        .map(|_| {
            method_members
                .iter()
                .map(|&m| LEADS_MIN.iter().map(|_| Pooled::new(m)).collect())
                .collect()
        })
        .collect();
    // reliability[set][method][threshold], both lead times.
    let mut reliability: Vec<Vec<Vec<ReliabilityDiagram>>> = SETS
        .iter()
        .map(|_| {
            METHODS
                .iter()
                .map(|_| {
                    THRESHOLDS
                        .iter()
                        .map(|&t| ReliabilityDiagram::new(t, 10, 10))
                        .collect::<Result<_, _>>()
                })
                .collect::<Result<_, _>>()
        })
        .collect::<Result<_, _>>()?;
    println!("per case CRPS (mm/h) at 30 / 60 min: extrapolation | steps | adaptive");
    let transform = DbTransform::default();
    for &set in &sets {
        for (service, folder, training, held_out) in CASES {
            let dir = root.join(folder);
            if !dir.is_dir() {
                eprintln!("SKIP {service}: {} absent", dir.display());
                continue;
            }
            let (rain, minutes, km) = rain_sequence(&dir)?;
            let n_lead = (60.0 / minutes).round() as usize;
            let lead_index: Vec<usize> = LEADS_MIN
                .iter()
                .map(|l| (l / minutes).round() as usize - 1)
                .collect();
            for end in if set == 0 { training } else { held_out } {
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
                let heavy = rain
                    .slice(s![end, y0..y0 + h, x0..x0 + w])
                    .iter()
                    .filter(|&&v| v >= 5.0)
                    .count();
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
                let mut line = format!(
                    "{} {service} end {end:>2} ({h}×{w}, {heavy} px ≥ 5 mm/h):",
                    SETS[set]
                );
                let mut ensembles = Vec::with_capacity(methods.len());
                for method in &methods {
                    let started = std::time::Instant::now();
                    let mut ensemble: Array4<f32> = method.forecast(&input, n_lead, &|_, _| ())?;
                    let seconds = started.elapsed().as_secs_f64();
                    ensemble.mapv_inplace(|v| transform.inverse(v));
                    ensembles.push((ensemble, seconds));
                }
                // Every method is scored on the same pixels: the observation is set to NaN wherever a member
                // of any method has no data (rain advected in from outside the window).
                let mut observed = observed;
                for (ensemble, _) in &ensembles {
                    for member in ensemble.outer_iter() {
                        ndarray::Zip::from(&mut observed)
                            .and(&member)
                            .for_each(|o, &f| {
                                if !f.is_finite() {
                                    *o = f32::NAN;
                                }
                            });
                    }
                }
                for (mi, (ensemble, seconds)) in ensembles.iter().enumerate() {
                    line += &format!(" {}", methods[mi].name());
                    for (li, &k) in lead_index.iter().enumerate() {
                        let fc = ensemble.index_axis(Axis(1), k);
                        let obs = observed.index_axis(Axis(0), k);
                        let mut crps = Crps::new();
                        crps.accumulate(fc, obs)?;
                        line += &format!(" {:.3}", crps.compute());
                        let p = &mut pooled[set][mi][li];
                        p.crps.merge(&crps);
                        for (ti, &thr) in THRESHOLDS.iter().enumerate() {
                            let prob = exceedance_probability(fc, thr)?;
                            p.probabilities[ti].accumulate(prob.view(), obs, thr);
                            let observed_event = indicator(obs, thr);
                            for member in fc.outer_iter() {
                                p.member_tables[ti].accumulate(
                                    indicator(member, thr).view(),
                                    observed_event.view(),
                                    0.5,
                                )?;
                            }
                            reliability[set][mi][ti].accumulate(prob.view(), obs)?;
                        }
                    }
                    line += &format!(" ({seconds:.1} s)");
                }
                println!("{line}");
            }
        }
    }
    // The decision rule of each method and threshold: the probability level of the largest CSI on the
    // training cases (both lead times pooled), applied unchanged to the held-out cases.
    let rule: Vec<Vec<usize>> = (0..METHODS.len())
        .map(|mi| {
            (0..THRESHOLDS.len())
                .map(|ti| {
                    let mut counts = ProbabilityCounts::new(method_members[mi]);
                    for p in &pooled[0][mi] {
                        counts.merge(&p.probabilities[ti]);
                    }
                    counts.best_level()
                })
                .collect()
        })
        .collect();
    println!(
        "\nDecision rule (P ≥ p*, p* of the largest training CSI; 1 for the one-member extrapolation):"
    );
    for (mi, name) in METHODS.iter().enumerate() {
        let m = method_members[mi] as f64;
        println!(
            "  {name}: p*(≥ 5) = {:.3}, p*(≥ 10) = {:.3}",
            rule[mi][0] as f64 / m,
            rule[mi][1] as f64 / m
        );
    }
    for &set in &sets {
        println!("\n{} cases:", SETS[set]);
        println!(
            "| method | lead | CRPS (mm/h) | CSI ≥ 5 (P ≥ 0.5) | CSI ≥ 5 (P ≥ p*) | CSI ≥ 10 (P ≥ 0.5) | CSI ≥ 10 (P ≥ p*) | CSI ≥ 5 (members) | CSI ≥ 10 (members) |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for (li, lead) in LEADS_MIN.iter().enumerate() {
            for (mi, name) in METHODS.iter().enumerate() {
                let p = &pooled[set][mi][li];
                let (c5, c10) = (&p.probabilities[0], &p.probabilities[1]);
                println!(
                    "| {name} | {lead} min | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
                    p.crps.compute(),
                    c5.csi(c5.level(0.5)),
                    c5.csi(rule[mi][0]),
                    c10.csi(c10.level(0.5)),
                    c10.csi(rule[mi][1]),
                    p.member_tables[0].csi(),
                    p.member_tables[1].csi(),
                );
            }
        }
        println!("\n| method | event | BSS | reliability | resolution | uncertainty | n |");
        println!("|---|---|---|---|---|---|---|");
        for (mi, name) in METHODS.iter().enumerate() {
            for (ti, thr) in THRESHOLDS.iter().enumerate() {
                let b = reliability[set][mi][ti].brier();
                println!(
                    "| {name} | R ≥ {thr} mm/h | {:.4} | {:.5} | {:.5} | {:.5} | {} |",
                    b.brier_skill_score, b.reliability, b.resolution, b.uncertainty, b.n
                );
            }
        }
    }
    let set = *sets.last().unwrap_or(&0);
    for (mi, name) in METHODS.iter().enumerate().skip(1) {
        for (ti, thr) in THRESHOLDS.iter().enumerate() {
            let curve = reliability[set][mi][ti].curve();
            println!(
                "\nreliability diagram ({} cases), {name}, R ≥ {thr} mm/h (forecast p → observed frequency, n)",
                SETS[set]
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
