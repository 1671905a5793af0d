//! Leave-one-event-out skill of the adaptive convective ensemble against STEPS and plain extrapolation on the
//! real sequences of `../shared/data/nowcast/` (issue 6).
//!
//! ```sh
//! cargo run --release --example adaptive_skill -- [--members 12] [--crop 256] [--seed 24 | --seeds 24,25,26,27] \
//!     [--motion-scales 1,0.75,0.5,0.35,0.25] [--motion-scales-60min none,1] [--cell-lifetimes 30,120,0] \
//!     [--core-noise 1,0] [--trend-efoldings 20] [--core-noise-growths 0] [--local-relaxations 0] \
//!     [--radii-km 0,2,4,8,16] [--select brier|crps]
//! ```
//! The session-6 evaluation of the README: `--motion-scales 0.5,0.35 --cell-lifetimes 120,0 --core-noise 1
//! --trend-efoldings 20,10 --core-noise-growths 0,1.5,3` (24 candidates, ≈ 16 min on 2 busy cores).
//! The three sequences are three independent events (BoM 2018-06-16, RMI 2021-07-04, FMI 2016-09-28) with six
//! start times each. Every case: rain rate (FMI dBZ by Marshall–Palmer a = 200, b = 1.6), dB with −15 dB below
//! 0.1 mm/h, the three frames ending at the start time, Squall's Lucas–Kanade motion, then a `crop × crop`
//! window centred on the centroid of the ≥ 5 mm/h pixels of the newest frame (the whole domain if smaller).
//! STEPS uses the pysteps settings of `tests/it/steps_pysteps.rs` (8 levels, AR(2), nonparametric noise,
//! Bowler perturbations, CDF matching, incremental mask); the adaptive ensemble is run for every combination
//! of the candidate settings given by the options (the grid the defaults were chosen from) with the same
//! members and seed. Every method and every candidate is scored on the same pixels (where no member of any of
//! them has no data).
//!
//! Protocol, for each of the three folds (one event held out): on the cases of the two OTHER events choose
//! (1) the adaptive settings of the largest heavy-rain Brier skill, BSS of P(R ≥ 5) + BSS of P(R ≥ 10) (raw, 30
//! and 60 min pooled; `--select crps`: the smallest CRPS), then (2) for each ensemble and
//! threshold the decision rule P(R ≥ thr) ≥ p*, p* the probability of the largest CSI (both leads pooled; one
//! member: R ≥ thr), and (3) a reliability recalibration of P(R ≥ thr) per lead time (isotonic regression of
//! the observed frequency on the forecast probability, [`Recalibration`]); score the held-out event with them.
//! Reported per fold and pooled over the three held-out events: CRPS (mm/h; the MAE of the one-member
//! extrapolation), CSI at ≥ 5 and ≥ 10 mm/h at 30 and 60 min with each fold's p*, and the Brier skill score
//! (against the sample climatology of the scored set, both leads) of P(R ≥ 5) and P(R ≥ 10), raw and
//! recalibrated. Also reported: the equal-weight means of the folds' CSI, and a second decision rule offered
//! to every method alike, per lead time the neighbourhood probability
//! ([`squall::nowcast::probability::neighbourhood_probability`], Theis et al. 2005) with the radius among
//! `--radii-km` and the p* of the largest training CSI, and a third that needs no training at all, the
//! coverage-matched threshold: per case, lead time and threshold the p* whose forecast event fraction
//! {P ≥ p*} (over the forecast's pixels with data) matches the fraction ≥ thr observed at the start time
//! ([`squall::nowcast::probability::coverage_matched_probability`], Roberts and Lean 2008, Zhu et al. 2015).
//! Session 7 diagnostics: `--motion-scales-60min` ramps the motion-perturbation factor to the given value at 60
//! min (`none` = constant), `--local-relaxations` relaxes the local dynamics to the global ones over the given
//! minutes (0 = off); printed per fold and per event, the CSI and frequency bias of P(R ≥ 10) ≥ k/m at 60 min.
//! Session 7b: `--seeds` runs the whole protocol once per seed (STEPS and every adaptive candidate draw with
//! that seed) and then prints, per method and held-out pooled cell (CRPS, CSI, raw BSS), the per-seed values,
//! their mean ± standard error across seeds, and the paired differences adaptive − STEPS and adaptive −
//! extrapolation (mean ± SE). Extrapolation draws nothing, but its figures still move a little between seeds:
//! the scored pixels (no member of any forecast without data) depend on the ensembles' draws.

use ndarray::{Array3, Array4, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::adaptive::{Adaptive, AdaptiveConfig};
use squall::nowcast::calibration::{ExceedanceCounts, Recalibration};
use squall::nowcast::extrapolation_nowcast::ExtrapolationNowcast;
use squall::nowcast::probability::{coverage_matched_probability, neighbourhood_probability};
use squall::nowcast::steps::{NowcastInput, Nowcaster, Steps, StepsConfig};
use squall::nowcast::transform::DbTransform;
use squall::verify::ensemble::exceedance_probability;
use squall::verify::{ContingencyTable, Crps};

/// (event, folder, end indices of the start times).
const EVENTS: [(&str, &str, [usize; 6]); 3] = [
    (
        "bom",
        "radar/bom/prcp-cscn/2/2018/06/16",
        [20, 25, 30, 35, 40, 45],
    ),
    ("rmi", "radar/rmi/radqpe/20210704", [9, 12, 16, 19, 22, 25]),
    ("fmi", "radar/fmi/pgm/20160928", [9, 12, 16, 19, 22, 25]),
];
const LEADS_MIN: [f64; 2] = [30.0, 60.0];
const THRESHOLDS: [f64; 2] = [5.0, 10.0];
/// Levels of the neighbourhood probabilities (a multiple of 8 and 12 members: radius 0 is exact).
const NEIGHBOURHOOD_LEVELS: usize = 120;

/// Scores of one forecast (one method or adaptive candidate) on one case: everything the folds need.
#[derive(Clone)]
struct Scores {
    /// Per lead time.
    crps: Vec<Crps>,
    /// Per lead time, per threshold: observed events and non-events by forecast probability.
    counts: Vec<Vec<ExceedanceCounts>>,
    /// Per lead time, per threshold, per neighbourhood radius: the same for the neighbourhood probability.
    neighbourhood: Vec<Vec<Vec<ExceedanceCounts>>>,
    /// Per lead time, per threshold: the coverage-matched rule's hits, false alarms and misses.
    coverage: Vec<Vec<ContingencyTable>>,
}

impl Scores {
    fn new(members: usize, radii: usize) -> Self {
        Scores {
            crps: vec![Crps::new(); LEADS_MIN.len()],
            counts: vec![vec![ExceedanceCounts::new(members); THRESHOLDS.len()]; LEADS_MIN.len()],
            neighbourhood: vec![
                vec![
                    vec![ExceedanceCounts::new(NEIGHBOURHOOD_LEVELS); radii];
                    THRESHOLDS.len()
                ];
                LEADS_MIN.len()
            ],
            coverage: vec![vec![ContingencyTable::default(); THRESHOLDS.len()]; LEADS_MIN.len()],
        }
    }

    fn merge(&mut self, other: &Scores) -> Result<(), squall::Error> {
        for (a, b) in self.crps.iter_mut().zip(&other.crps) {
            a.merge(b);
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            for (a, b) in a.iter_mut().zip(b) {
                a.merge(b)?;
            }
        }
        for (a, b) in self.coverage.iter_mut().zip(&other.coverage) {
            for (a, b) in a.iter_mut().zip(b) {
                a.merge(b);
            }
        }
        for (a, b) in self.neighbourhood.iter_mut().zip(&other.neighbourhood) {
            for (a, b) in a.iter_mut().zip(b) {
                for (a, b) in a.iter_mut().zip(b) {
                    a.merge(b)?;
                }
            }
        }
        Ok(())
    }

    /// CRPS over both lead times.
    fn crps_both(&self) -> f64 {
        let mut c = Crps::new();
        for l in &self.crps {
            c.merge(l);
        }
        c.compute()
    }

    /// The counts of threshold `ti` over both lead times.
    fn counts_both(&self, ti: usize) -> Result<ExceedanceCounts, squall::Error> {
        let mut c = self.counts[0][ti].clone();
        for l in &self.counts[1..] {
            c.merge(&l[ti])?;
        }
        Ok(c)
    }
}

/// Adds the rule "event where P ≥ level / m" to `table`, or, with no level, the rule "no event anywhere" (every
/// observed event a miss).
fn add_rule(table: &mut ContingencyTable, counts: &ExceedanceCounts, level: Option<usize>) {
    match level {
        Some(level) => table.merge(&counts.contingency(level)),
        None => table.misses += counts.events().iter().sum::<u64>(),
    }
}

/// The largest CSI over the neighbourhood radii and levels of `counts` (in-sample: the ablation's figure).
fn best_csi(counts: &[ExceedanceCounts]) -> f64 {
    counts
        .iter()
        .map(|c| c.contingency(c.best_level()).csi())
        .fold(0.0, f64::max)
}

/// One method's pooled table cells "CSI ≥ 5 30 / 60 | CSI ≥ 10 30 / 60 | BSS ≥ 5 (recal.) | BSS ≥ 10 (recal.)"
/// from its tallies `[lead][threshold]` and Brier sums `[threshold][raw, recalibrated]`.
fn csi_bss_cells(tally: &[Vec<ContingencyTable>], brier: &[[BrierSums; 2]]) -> String {
    format!(
        "{:.3} / {:.3} | {:.3} / {:.3} | {:.3} ({:.3}) | {:.3} ({:.3})",
        tally[0][0].csi(),
        tally[1][0].csi(),
        tally[0][1].csi(),
        tally[1][1].csi(),
        brier[0][0].skill(),
        brier[0][1].skill(),
        brier[1][0].skill(),
        brier[1][1].skill(),
    )
}

/// Brier score sums `(Σ (p − o)², N, Σ o)`.
#[derive(Clone, Copy, Default)]
struct BrierSums {
    squared_error: f64,
    n: f64,
    events: f64,
}

impl BrierSums {
    fn add(&mut self, counts: &ExceedanceCounts, probability: &[f64]) {
        let (se, n, e) = counts.brier_sums(probability);
        self.squared_error += se;
        self.n += n;
        self.events += e;
    }

    fn skill(&self) -> f64 {
        let base = self.events / self.n;
        1.0 - self.squared_error / self.n / (base * (1.0 - base))
    }
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

/// "p: observed frequency (n)" for every level with pixels.
fn reliability_line(c: &ExceedanceCounts) -> String {
    let m = c.members() as f64;
    c.events()
        .iter()
        .zip(c.non_events())
        .enumerate()
        .filter(|(_, (e, ne))| **e + **ne > 0)
        .map(|(k, (&e, &ne))| {
            format!(
                "{:.2}: {:.2} ({})",
                k as f64 / m,
                e as f64 / (e + ne) as f64,
                e + ne
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn list<T: std::str::FromStr>(s: &str) -> Result<Vec<T>, String> {
    s.split(',')
        .map(|v| v.trim().parse().map_err(|_| format!("bad value {v}")))
        .collect()
}

/// One adaptive candidate's label.
fn label(c: &AdaptiveConfig) -> String {
    format!(
        "motion ×{}{}, lifetime {} min, core noise {} (growth {}/h), trend e-folding {} min{}",
        c.motion_perturbation_scale,
        c.motion_perturbation_scale_60min
            .map(|s| format!(" → ×{s} at 60 min"))
            .unwrap_or_default(),
        c.cell_lifetime_minutes,
        c.core_noise,
        c.core_noise_growth,
        c.trend_efolding_minutes,
        if c.local_relaxation_minutes > 0.0 {
            format!(", local → global over {} min", c.local_relaxation_minutes)
        } else {
            String::new()
        }
    )
}

const NAMES: [&str; 3] = ["extrapolation", "STEPS", "adaptive"];

/// The command-line options (the candidate grid and the run's size).
#[derive(Clone)]
struct Options {
    members: usize,
    crop: usize,
    motion_scales: Vec<f64>,
    motion_scales_60: Vec<Option<f64>>,
    lifetimes: Vec<f64>,
    core_noise: Vec<f64>,
    trend_efoldings: Vec<f64>,
    noise_growths: Vec<f64>,
    relaxations: Vec<f64>,
    select_by_crps: bool,
    radii_km: Vec<f64>,
}

/// The held-out cells compared across seeds: CRPS 30 / 60, CSI ≥ 5 30 / 60, CSI ≥ 10 30 / 60, BSS ≥ 5 / ≥ 10 (raw).
const CELLS: [&str; 8] = [
    "CRPS 30",
    "CRPS 60",
    "CSI ≥ 5 30",
    "CSI ≥ 5 60",
    "CSI ≥ 10 30",
    "CSI ≥ 10 60",
    "BSS ≥ 5",
    "BSS ≥ 10",
];

/// Mean and standard error (sample standard deviation / √n; NaN for one value) of `v`.
fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let defaults = AdaptiveConfig::default();
    let mut seeds = vec![24u64];
    let mut o = Options {
        members: 12,
        crop: 256,
        motion_scales: vec![1.0, 0.75, 0.5, 0.35, 0.25],
        motion_scales_60: vec![defaults.motion_perturbation_scale_60min],
        lifetimes: vec![30.0, 120.0, 0.0],
        core_noise: vec![1.0, 0.0],
        trend_efoldings: vec![defaults.trend_efolding_minutes],
        noise_growths: vec![defaults.core_noise_growth],
        relaxations: vec![defaults.local_relaxation_minutes],
        select_by_crps: false,
        radii_km: vec![0.0, 2.0, 4.0, 8.0, 16.0],
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--members" => o.members = value()?.parse()?,
            "--crop" => o.crop = value()?.parse()?,
            "--seed" => seeds = vec![value()?.parse()?],
            "--seeds" => seeds = list(&value()?)?,
            "--motion-scales" => o.motion_scales = list(&value()?)?,
            "--motion-scales-60min" => {
                o.motion_scales_60 = value()?
                    .split(',')
                    .map(|v| match v.trim() {
                        "none" => Ok(None),
                        v => v.parse().map(Some).map_err(|_| format!("bad value {v}")),
                    })
                    .collect::<Result<_, _>>()?
            }
            "--cell-lifetimes" => o.lifetimes = list(&value()?)?,
            "--core-noise" => o.core_noise = list(&value()?)?,
            "--trend-efoldings" => o.trend_efoldings = list(&value()?)?,
            "--core-noise-growths" => o.noise_growths = list(&value()?)?,
            "--local-relaxations" => o.relaxations = list(&value()?)?,
            "--select" => o.select_by_crps = value()? == "crps",
            "--radii-km" => o.radii_km = list(&value()?)?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    // held[seed][method][cell]: the pooled held-out figures of every seed.
    let mut held = Vec::with_capacity(seeds.len());
    for &seed in &seeds {
        println!("\n=== seed {seed} ===");
        held.push(protocol(o.clone(), seed)?);
    }
    if seeds.len() < 2 {
        return Ok(());
    }
    println!(
        "\npooled held-out figures over seeds {seeds:?} (both ensembles draw with the same seed; extrapolation \
         has no random draws: its values vary only through the scored pixels, those where no member of any \
         forecast lacks data); mean ± SE across seeds"
    );
    println!("| cell | method | per seed | mean ± SE |");
    println!("|---|---|---|---|");
    for (ci, cell) in CELLS.iter().enumerate() {
        for (mi, name) in NAMES.iter().enumerate() {
            let v: Vec<f64> = held.iter().map(|h| h[mi][ci]).collect();
            let (m, se) = mean_se(&v);
            let per_seed: Vec<String> = v.iter().map(|x| format!("{x:.3}")).collect();
            println!(
                "| {cell} | {name} | {} | {m:.3} ± {se:.3} |",
                per_seed.join(" ")
            );
        }
    }
    println!("\npaired differences across seeds, mean ± SE (CRPS: negative = adaptive better)");
    println!("| cell | adaptive − STEPS | adaptive − extrapolation |");
    println!("|---|---|---|");
    for (ci, cell) in CELLS.iter().enumerate() {
        let diff = |other: usize| {
            let d: Vec<f64> = held.iter().map(|h| h[2][ci] - h[other][ci]).collect();
            let (m, se) = mean_se(&d);
            format!("{m:+.3} ± {se:.3}")
        };
        println!("| {cell} | {} | {} |", diff(1), diff(0));
    }
    Ok(())
}

/// The whole leave-one-event-out protocol with one seed (candidate selection, p*, recalibration, held-out
/// scoring; printed as it goes); returns the pooled held-out [`CELLS`] per method (extrapolation, STEPS,
/// adaptive).
fn protocol(o: Options, seed: u64) -> Result<[[f64; CELLS.len()]; 3], Box<dyn std::error::Error>> {
    let Options {
        members,
        crop,
        motion_scales,
        motion_scales_60,
        lifetimes,
        core_noise,
        trend_efoldings,
        noise_growths,
        relaxations,
        select_by_crps,
        radii_km,
    } = o;
    let defaults = AdaptiveConfig::default();
    let mut candidates = Vec::new();
    for &m in &motion_scales {
        for &m60 in &motion_scales_60 {
            for &l in &lifetimes {
                for &c in &core_noise {
                    for &e in &trend_efoldings {
                        for &g in &noise_growths {
                            for &r in &relaxations {
                                candidates.push(AdaptiveConfig {
                                    members,
                                    seed,
                                    motion_perturbation_scale: m,
                                    motion_perturbation_scale_60min: m60,
                                    cell_lifetime_minutes: l,
                                    core_noise: c,
                                    trend_efolding_minutes: e,
                                    core_noise_growth: g,
                                    local_relaxation_minutes: r,
                                    ..defaults
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/nowcast");
    let transform = DbTransform::default();
    // scores[event][case][variant], variants: extrapolation, STEPS, then the adaptive candidates.
    let mut scores: Vec<Vec<Vec<Scores>>> = Vec::new();
    println!(
        "{} adaptive candidates; per case CRPS (mm/h) at 30 / 60 min: extrapolation | STEPS | adaptive default",
        candidates.len()
    );
    let default_index = candidates.iter().position(|c| {
        c.motion_perturbation_scale == defaults.motion_perturbation_scale
            && c.motion_perturbation_scale_60min == defaults.motion_perturbation_scale_60min
            && c.cell_lifetime_minutes == defaults.cell_lifetime_minutes
            && c.core_noise == defaults.core_noise
            && c.trend_efolding_minutes == defaults.trend_efolding_minutes
            && c.core_noise_growth == defaults.core_noise_growth
            && c.local_relaxation_minutes == defaults.local_relaxation_minutes
    });
    for (event, folder, ends) in EVENTS {
        let dir = root.join(folder);
        if !dir.is_dir() {
            return Err(format!(
                "{} absent: the evaluation needs all three events",
                dir.display()
            )
            .into());
        }
        let (rain, minutes, km) = rain_sequence(&dir)?;
        let n_lead = (60.0 / minutes).round() as usize;
        let lead_index: Vec<usize> = LEADS_MIN
            .iter()
            .map(|l| (l / minutes).round() as usize - 1)
            .collect();
        let mut event_scores = Vec::new();
        for end in ends {
            let started = std::time::Instant::now();
            let frames_db = rain
                .slice(s![end - 2..=end, .., ..])
                .mapv(|r| transform.forward(r));
            let velocity = LucasKanade::default().estimate(frames_db.view())?;
            let (y0, x0, h, w) = window(rain.index_axis(Axis(0), end), crop);
            let frames_db = frames_db.slice(s![.., y0..y0 + h, x0..x0 + w]).to_owned();
            let velocity = velocity.slice(s![.., y0..y0 + h, x0..x0 + w]).to_owned();
            let input = NowcastInput {
                fields: frames_db.view(),
                velocity: velocity.view(),
                km_per_pixel: km,
                timestep_minutes: minutes,
            };
            let mut methods: Vec<Box<dyn Nowcaster>> = vec![
                Box::new(ExtrapolationNowcast::default()),
                Box::new(Steps::new(StepsConfig {
                    members,
                    n_cascade_levels: 8,
                    seed,
                    ..StepsConfig::default()
                })),
            ];
            methods.extend(
                candidates
                    .iter()
                    .map(|&c| Box::new(Adaptive::new(c)) as Box<dyn Nowcaster>),
            );
            // The scored lead times of every forecast (members, leads, y, x), mm/h.
            let mut forecasts: Vec<Array4<f32>> = Vec::with_capacity(methods.len());
            for method in &methods {
                let ensemble = method.forecast(&input, n_lead, &|_, _| ())?;
                let mut scored = ensemble.select(Axis(1), &lead_index);
                scored.mapv_inplace(|v| transform.inverse(v));
                forecasts.push(scored);
            }
            // The same pixels for every forecast: no data in any member of any of them → not scored.
            let mut observed: Array3<f32> = rain
                .slice(s![end + 1..=end + n_lead, y0..y0 + h, x0..x0 + w])
                .select(Axis(0), &lead_index);
            for f in &forecasts {
                for member in f.outer_iter() {
                    ndarray::Zip::from(&mut observed)
                        .and(&member)
                        .for_each(|o, &v| {
                            if !v.is_finite() {
                                *o = f32::NAN;
                            }
                        });
                }
            }
            let mut case_scores = Vec::with_capacity(forecasts.len());
            let radii_px: Vec<usize> = radii_km
                .iter()
                .map(|r| (r / km).round().max(0.0) as usize)
                .collect();
            // The analysis at the start time: the coverage the coverage-matched rule aims at.
            let start = rain.slice(s![end, y0..y0 + h, x0..x0 + w]);
            for (f, method) in forecasts.iter().zip(&methods) {
                let mut sc = Scores::new(method.members(), radii_px.len());
                let m = method.members() as f32;
                for li in 0..LEADS_MIN.len() {
                    let fc = f.index_axis(Axis(1), li);
                    let obs = observed.index_axis(Axis(0), li);
                    sc.crps[li].accumulate(fc, obs)?;
                    for (ti, &thr) in THRESHOLDS.iter().enumerate() {
                        let p = exceedance_probability(fc, thr)?;
                        sc.counts[li][ti].accumulate(p.view(), obs, thr)?;
                        let pstar = coverage_matched_probability(p.view(), start, thr)?;
                        add_rule(
                            &mut sc.coverage[li][ti],
                            &sc.counts[li][ti],
                            pstar.map(|v| (v * m).round() as usize),
                        );
                        for (ri, &r) in radii_px.iter().enumerate() {
                            let pn = neighbourhood_probability(p.view(), r);
                            sc.neighbourhood[li][ti][ri].accumulate(pn.view(), obs, thr)?;
                        }
                    }
                }
                case_scores.push(sc);
            }
            let heavy = rain
                .slice(s![end, y0..y0 + h, x0..x0 + w])
                .iter()
                .filter(|&&v| v >= 5.0)
                .count();
            let mut line = format!("{event} end {end:>2} ({h}×{w}, {heavy} px ≥ 5 mm/h):");
            let shown = [Some(0), Some(1), default_index.map(|i| i + 2)];
            for v in shown.into_iter().flatten() {
                let c = &case_scores[v].crps;
                line += &format!(" {:.3} / {:.3} |", c[0].compute(), c[1].compute());
            }
            line += &format!(" ({:.0} s)", started.elapsed().as_secs_f64());
            println!("{line}");
            event_scores.push(case_scores);
        }
        scores.push(event_scores);
    }

    let n_variants = 2 + candidates.len();
    let variant_members = |v: usize| if v == 0 { 1 } else { members };
    // Pooled scores of a set of events, per variant.
    let pool = |events: &[usize]| -> Result<Vec<Scores>, squall::Error> {
        (0..n_variants)
            .map(|v| {
                let mut total = Scores::new(variant_members(v), radii_km.len());
                for &e in events {
                    for case in &scores[e] {
                        total.merge(&case[v])?;
                    }
                }
                Ok(total)
            })
            .collect()
    };
    // Pooled over the folds' held-out events: [method] CRPS, [method][lead][threshold] tally,
    // [method][threshold] Brier sums raw and recalibrated.
    let mut pooled_crps = vec![vec![Crps::new(); LEADS_MIN.len()]; 3];
    let mut pooled_tally =
        vec![vec![vec![ContingencyTable::default(); THRESHOLDS.len()]; LEADS_MIN.len()]; 3];
    let mut pooled_brier = vec![vec![[BrierSums::default(); 2]; THRESHOLDS.len()]; 3];
    let mut rows = Vec::new();
    // The neighbourhood rule: per lead time, the radius and level of the largest training CSI.
    let mut pooled_nb_tally =
        vec![vec![vec![ContingencyTable::default(); THRESHOLDS.len()]; LEADS_MIN.len()]; 3];
    let mut pooled_nb_brier = vec![vec![[BrierSums::default(); 2]; THRESHOLDS.len()]; 3];
    // Equal-weight means over the folds of the CSI: [rule][method][lead][threshold].
    let mut mean_csi = vec![vec![vec![vec![0.0; THRESHOLDS.len()]; LEADS_MIN.len()]; 3]; 3];
    // The coverage-matched rule (no training): [method][lead][threshold] pooled tally, and per-fold rows.
    let mut pooled_cov_tally =
        vec![vec![vec![ContingencyTable::default(); THRESHOLDS.len()]; LEADS_MIN.len()]; 3];
    let mut cov_rows = Vec::new();
    let mut nb_rows = Vec::new();
    for (held, (held_name, _, _)) in EVENTS.iter().enumerate() {
        let training: Vec<usize> = (0..EVENTS.len()).filter(|&e| e != held).collect();
        let train = pool(&training)?;
        let test = pool(&[held])?;
        // (1) The adaptive candidate of the smallest training CRPS, or of the largest training heavy-rain Brier
        // skill (BSS of P(R ≥ 5) + BSS of P(R ≥ 10), raw, both leads).
        let by_crps = (2..n_variants)
            .min_by(|&a, &b| train[a].crps_both().total_cmp(&train[b].crps_both()))
            .ok_or("no adaptive candidate")?;
        let heavy_skill = |v: usize| {
            (0..THRESHOLDS.len())
                .map(|ti| {
                    let mut s = BrierSums::default();
                    for li in 0..LEADS_MIN.len() {
                        let c = &train[v].counts[li][ti];
                        s.add(c, &c.raw_probabilities());
                    }
                    s.skill()
                })
                .sum::<f64>()
        };
        let by_brier = (2..n_variants)
            .max_by(|&a, &b| heavy_skill(a).total_cmp(&heavy_skill(b)))
            .ok_or("no adaptive candidate")?;
        let best = if select_by_crps { by_crps } else { by_brier };
        println!(
            "\nfold: held-out {held_name}, training {}: adaptive {} (training CRPS {:.4}, BSS ≥ 5 + BSS ≥ 10 {:.4}; \
             by CRPS: {}; by heavy-rain BSS: {})",
            training
                .iter()
                .map(|&e| EVENTS[e].0)
                .collect::<Vec<_>>()
                .join(" + "),
            label(&candidates[best - 2]),
            train[best].crps_both(),
            heavy_skill(best),
            label(&candidates[by_crps - 2]),
            label(&candidates[by_brier - 2])
        );
        let variants = [0, 1, best];
        for (mi, &v) in variants.iter().enumerate() {
            let mut fold_tally =
                vec![vec![ContingencyTable::default(); THRESHOLDS.len()]; LEADS_MIN.len()];
            let mut fold_brier = vec![[BrierSums::default(); 2]; THRESHOLDS.len()];
            let mut rule = Vec::new();
            for ti in 0..THRESHOLDS.len() {
                // (2) p* of the largest training CSI, both leads pooled.
                let level = train[v].counts_both(ti)?.best_level();
                rule.push(level as f64 / variant_members(v) as f64);
                for li in 0..LEADS_MIN.len() {
                    let c = &test[v].counts[li][ti];
                    fold_tally[li][ti].merge(&c.contingency(level));
                    pooled_tally[mi][li][ti].merge(&c.contingency(level));
                    // (3) Recalibration learned on the training events at this lead time.
                    let recalibrated = Recalibration::fit(&train[v].counts[li][ti])?;
                    for (k, p) in [c.raw_probabilities(), recalibrated.probabilities().to_vec()]
                        .iter()
                        .enumerate()
                    {
                        fold_brier[ti][k].add(c, p);
                        pooled_brier[mi][ti][k].add(c, p);
                    }
                }
            }
            for (li, c) in test[v].crps.iter().enumerate() {
                pooled_crps[mi][li].merge(c);
            }
            let mut nb_tally =
                vec![vec![ContingencyTable::default(); THRESHOLDS.len()]; LEADS_MIN.len()];
            let mut nb_brier = vec![[BrierSums::default(); 2]; THRESHOLDS.len()];
            let mut nb_rule = Vec::new();
            for li in 0..LEADS_MIN.len() {
                for ti in 0..THRESHOLDS.len() {
                    let training = &train[v].neighbourhood[li][ti];
                    let (ri, level) = (0..radii_km.len())
                        .map(|ri| (ri, training[ri].best_level()))
                        .max_by(|&(ra, la), &(rb, lb)| {
                            let csi = |r: usize, l: usize| training[r].contingency(l).csi();
                            csi(ra, la).total_cmp(&csi(rb, lb))
                        })
                        .ok_or("no neighbourhood radius")?;
                    let c = &test[v].neighbourhood[li][ti][ri];
                    nb_tally[li][ti].merge(&c.contingency(level));
                    pooled_nb_tally[mi][li][ti].merge(&c.contingency(level));
                    let recalibrated = Recalibration::fit(&training[ri])?;
                    for (k, p) in [c.raw_probabilities(), recalibrated.probabilities().to_vec()]
                        .iter()
                        .enumerate()
                    {
                        nb_brier[ti][k].add(c, p);
                        pooled_nb_brier[mi][ti][k].add(c, p);
                    }
                    nb_rule.push(format!(
                        "{} km, {:.2}",
                        radii_km[ri],
                        level as f64 / NEIGHBOURHOOD_LEVELS as f64
                    ));
                    mean_csi[0][mi][li][ti] += fold_tally[li][ti].csi() / EVENTS.len() as f64;
                    mean_csi[1][mi][li][ti] += nb_tally[li][ti].csi() / EVENTS.len() as f64;
                    let cov = &test[v].coverage[li][ti];
                    pooled_cov_tally[mi][li][ti].merge(cov);
                    mean_csi[2][mi][li][ti] += cov.csi() / EVENTS.len() as f64;
                }
            }
            let cov = &test[v].coverage;
            cov_rows.push(format!(
                "| {held_name} | {} | {:.3} / {:.3} | {:.3} / {:.3} | {:.2} / {:.2}, {:.2} / {:.2} |",
                NAMES[mi],
                cov[0][0].csi(),
                cov[1][0].csi(),
                cov[0][1].csi(),
                cov[1][1].csi(),
                cov[0][0].bias(),
                cov[1][0].bias(),
                cov[0][1].bias(),
                cov[1][1].bias(),
            ));
            nb_rows.push(format!(
                "| {held_name} | {} | {} | {} |",
                NAMES[mi],
                csi_bss_cells(&nb_tally, &nb_brier),
                nb_rule.join("; "),
            ));
            rows.push(format!(
                "| {held_name} | {} | {:.3} / {:.3} | {} | {:.3} / {:.3} |",
                NAMES[mi],
                test[v].crps[0].compute(),
                test[v].crps[1].compute(),
                csi_bss_cells(&fold_tally, &fold_brier),
                rule[0],
                rule[1],
            ));
        }
        // The held-out CSI and frequency bias of P(R ≥ 10) ≥ k / m at 60 min, every level, per method.
        for (mi, &v) in variants.iter().enumerate().skip(1) {
            let c = &test[v].counts[1][1];
            let line: Vec<String> = (1..=c.members())
                .map(|k| {
                    let t = c.contingency(k);
                    format!("{k}: {:.3} ({:.2})", t.csi(), t.bias())
                })
                .collect();
            println!(
                "  held-out {} CSI (bias) of P(R ≥ 10) ≥ k/{} at 60 min: {}",
                NAMES[mi],
                c.members(),
                line.join(", ")
            );
        }
        // Reliability of the held-out P(R ≥ 10) (both leads), raw → observed, for the chosen adaptive.
        let c = test[best].counts_both(1)?;
        let recal: Vec<Recalibration> = (0..LEADS_MIN.len())
            .map(|li| Recalibration::fit(&train[best].counts[li][1]))
            .collect::<Result<_, _>>()?;
        println!(
            "  held-out reliability of adaptive P(R ≥ 10) (p: observed frequency, n): {}",
            reliability_line(&c)
        );
        let rounded = |r: &Recalibration| -> Vec<String> {
            r.probabilities()
                .iter()
                .map(|p| format!("{p:.2}"))
                .collect()
        };
        println!(
            "  recalibration of P(R ≥ 10) learned on the training events, 30 min: [{}], 60 min: [{}]",
            rounded(&recal[0]).join(", "),
            rounded(&recal[1]).join(", ")
        );
    }
    println!(
        "\n| held-out event | method | CRPS 30 / 60 min | CSI ≥ 5 30 / 60 | CSI ≥ 10 30 / 60 | BSS ≥ 5 (recal.) | BSS ≥ 10 (recal.) | p* ≥ 5 / ≥ 10 |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!("{r}");
    }
    for mi in 0..3 {
        println!(
            "| pooled | {} | {:.3} / {:.3} | {} | |",
            NAMES[mi],
            pooled_crps[mi][0].compute(),
            pooled_crps[mi][1].compute(),
            csi_bss_cells(&pooled_tally[mi], &pooled_brier[mi]),
        );
    }
    println!(
        "\nequal-weight mean over the three folds of the CSI ≥ 5 30 / 60, ≥ 10 30 / 60 (rule P ≥ p*, both leads | \
         neighbourhood rule | coverage-matched rule)"
    );
    for mi in 0..3 {
        let m = |r: usize| {
            format!(
                "{:.3} / {:.3}, {:.3} / {:.3}",
                mean_csi[r][mi][0][0],
                mean_csi[r][mi][1][0],
                mean_csi[r][mi][0][1],
                mean_csi[r][mi][1][1]
            )
        };
        println!("  {}: {} | {} | {}", NAMES[mi], m(0), m(1), m(2));
    }
    println!(
        "\nneighbourhood rule (per lead time: the radius among {radii_km:?} km and p* of the largest training CSI)\n\
         | held-out event | method | CSI ≥ 5 30 / 60 | CSI ≥ 10 30 / 60 | BSS ≥ 5 (recal.) | BSS ≥ 10 (recal.) | \
         radius, p* (≥ 5 30, ≥ 10 30, ≥ 5 60, ≥ 10 60) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for r in &nb_rows {
        println!("{r}");
    }
    for mi in 0..3 {
        println!(
            "| pooled | {} | {} | |",
            NAMES[mi],
            csi_bss_cells(&pooled_nb_tally[mi], &pooled_nb_brier[mi]),
        );
    }
    println!(
        "\ncoverage-matched rule (per case, lead time and threshold: p* of forecast fraction {{P ≥ p*}} = fraction \
         observed at the start time; no training)\n\
         | held-out event | method | CSI ≥ 5 30 / 60 | CSI ≥ 10 30 / 60 | frequency bias ≥ 5 30 / 60, ≥ 10 30 / 60 |"
    );
    println!("|---|---|---|---|---|");
    for r in &cov_rows {
        println!("{r}");
    }
    for mi in 0..3 {
        let t = &pooled_cov_tally[mi];
        println!(
            "| pooled | {} | {:.3} / {:.3} | {:.3} / {:.3} | {:.2} / {:.2}, {:.2} / {:.2} |",
            NAMES[mi],
            t[0][0].csi(),
            t[1][0].csi(),
            t[0][1].csi(),
            t[1][1].csi(),
            t[0][0].bias(),
            t[1][0].bias(),
            t[0][1].bias(),
            t[1][1].bias(),
        );
    }
    // Every method's and candidate's CSI (bias) of P(R ≥ 10) ≥ k/m at 60 min per event (in-sample diagnostic).
    println!(
        "\nper event, CSI (frequency bias) of P(R ≥ 10) ≥ k/m at 60 min, k = 1, 2, 3 (in-sample diagnostic)"
    );
    for v in 1..n_variants {
        let name = if v == 1 {
            "STEPS".to_string()
        } else {
            label(&candidates[v - 2])
        };
        let cells: Vec<String> = (0..EVENTS.len())
            .map(|e| -> Result<String, squall::Error> {
                let c = &pool(&[e])?[v].counts[1][1];
                Ok((1..=3)
                    .map(|k| {
                        let t = c.contingency(k);
                        format!("{:.3} ({:.2})", t.csi(), t.bias())
                    })
                    .collect::<Vec<_>>()
                    .join(" "))
            })
            .collect::<Result<_, _>>()?;
        println!("  {name}: {}", cells.join(" | "));
    }
    // Every candidate's scores pooled over all 18 cases (for the ablation, not for the choice).
    let all = pool(&[0, 1, 2])?;
    println!(
        "\nevery adaptive candidate, all events pooled (not a held-out score): CRPS, BSS ≥ 5 / ≥ 10 raw"
    );
    for (v, name) in [(0, "extrapolation"), (1, "STEPS")] {
        let csi10 = best_csi(&all[v].neighbourhood[1][1]);
        println!(
            "  {name}: CRPS {:.4}, best CSI ≥ 10 at 60 min {csi10:.4}",
            all[v].crps_both()
        );
    }
    for (i, c) in candidates.iter().enumerate() {
        let s = &all[i + 2];
        let bss = |ti: usize| -> Result<f64, squall::Error> {
            let c = s.counts_both(ti)?;
            let mut b = BrierSums::default();
            b.add(&c, &c.raw_probabilities());
            Ok(b.skill())
        };
        let csi10 = best_csi(&s.neighbourhood[1][1]);
        println!(
            "  {}: {:.4}, {:.4} / {:.4}, best CSI ≥ 10 at 60 min {:.4}",
            label(c),
            s.crps_both(),
            bss(0)?,
            bss(1)?,
            csi10
        );
    }
    Ok(std::array::from_fn(|mi| {
        [
            pooled_crps[mi][0].compute(),
            pooled_crps[mi][1].compute(),
            pooled_tally[mi][0][0].csi(),
            pooled_tally[mi][1][0].csi(),
            pooled_tally[mi][0][1].csi(),
            pooled_tally[mi][1][1].csi(),
            pooled_brier[mi][0][0].skill(),
            pooled_brier[mi][1][0].skill(),
        ]
    }))
}
