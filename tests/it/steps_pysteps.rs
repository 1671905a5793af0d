//! S-PROG and STEPS on the real sequences against pysteps 1.21.5 (`testdata/reference/steps_*_pysteps.json`,
//! made by `benches/compare/steps_reference.py`).
//!
//! Same preprocessing and settings as the script: rain rate (FMI dBZ by Marshall–Palmer a = 200, b = 1.6),
//! dB with −15 dB below 0.1 mm/h, the three frames ending at each case's index, motion by Squall's LK (equal
//! to pysteps' LK within 0.03 %), 8 cascade levels, AR(2), STEPS with 12 members, nonparametric noise,
//! Bowler motion perturbations, CDF probability matching and the incremental mask. Forecasts are
//! back-transformed to mm/h and verified against the following observed frames: CRPS (as pysteps computes it,
//! see `crps_pysteps_convention`) and FSS (1 and 5 mm/h, 4- and 16-pixel windows, members pooled).
//!
//! Asserted: the lag-1/lag-2 correlations of every level within 0.01 of pysteps'; per case, S-PROG's MAE and
//! FSS averaged over the 12 lead times within ±3 % of pysteps'; STEPS' CRPS and FSS (lead-time means, averaged
//! over `SEEDS` seeds) within 3 % of pysteps' mean over its recorded seeds plus twice the standard error of the
//! difference of the two means (a single 12-member run varies by more than 3 % with its random draws); with
//! pysteps' own Bowler deviates (cases that record them), the mean paired difference within 3 % plus twice its
//! standard error. Skips (with a message) when `../shared/data/nowcast` is absent.

use crate::common;

use ndarray::{Array3, Array4, Axis, s};
use squall::io::composite::open_sequence_dir;
use squall::motion::MotionEstimator;
use squall::motion::lucas_kanade::LucasKanade;
use squall::nowcast::noise::NoiseFilter;
use squall::nowcast::sprog::Sprog;
use squall::nowcast::steps::{
    Analysis, GivenDraws, NowcastInput, Steps, StepsConfig, WhiteNoiseSource,
};
use squall::nowcast::transform::DbTransform;
use squall::verify::{Crps, FssAccumulator};

const SERVICES: [(&str, &str); 3] = [
    ("bom", "radar/bom/prcp-cscn/2/2018/06/16"),
    ("rmi", "radar/rmi/radqpe/20210704"),
    ("fmi", "radar/fmi/pgm/20160928"),
];

struct Scores {
    /// CRPS per lead time as pysteps scores it ([`crps_pysteps_convention`]), the number the fixtures record.
    crps: Vec<f64>,
    /// CRPS per lead time ([`Crps`]).
    crps_exact: Vec<f64>,
    /// (threshold, scale) → per lead time.
    fss: Vec<((f64, usize), Vec<f64>)>,
}

/// Mean CRPS of `members (m, y, x)` against `observation (y, x)` as pysteps 1.21.5's `probscores.CRPS` computes
/// it, over the pixels where the observation and every member are finite: Hersbach's (2000) decomposition
/// `Σ α_i p_i² + β_i (1 − p_i)²` over the intervals between the sorted members (`p_i = i/m`), with α and β set
/// by strict comparisons of the observation with the interval's ends, so an interval one of whose ends equals
/// the observation adds nothing. That is Hersbach's CRPS without ties, and less than it with ties: members
/// (0, 1) against an observation of 0 score 0 instead of 0.25. Dry pixels (0 mm/h observed, some members 0)
/// are such ties; on BoM 20 this CRPS is below [`Crps`]'s by 2 % at the first lead time to 24 % at the twelfth
/// (pysteps' own forecast, seed 24: 0.2793 against 0.3022), growing as the motion perturbations spread the
/// members, which was the whole "CRPS gap" of issue 6. Compared with the fixtures, Squall's forecasts are
/// scored this way; [`Crps`] is printed alongside.
///
/// Hersbach, H., 2000: Decomposition of the continuous ranked probability score for ensemble prediction
/// systems. *Wea. Forecasting*, 15, 559–570, doi:10.1175/1520-0434(2000)015<0559:DOTCRP>2.0.CO;2.
fn crps_pysteps_convention(
    members: ndarray::ArrayView3<f32>,
    observation: ndarray::ArrayView2<f32>,
) -> f64 {
    let m = members.dim().0;
    let p = |i: usize| i as f64 / m as f64;
    let (mut sum, mut pixels) = (0.0, 0usize);
    let mut x = Vec::with_capacity(m);
    for ((r, c), &y) in observation.indexed_iter() {
        x.clear();
        x.extend((0..m).map(|j| f64::from(members[[j, r, c]])));
        let y = f64::from(y);
        if !y.is_finite() || x.iter().any(|v| !v.is_finite()) {
            continue;
        }
        x.sort_unstable_by(f64::total_cmp);
        let mut score = 0.0;
        if y < x[0] {
            score += x[0] - y; // β_0 (1 − p_0)²
        }
        if y > x[m - 1] {
            score += y - x[m - 1]; // α_m p_m²
        }
        for i in 1..m {
            let (lo, hi) = (x[i - 1], x[i]);
            let (alpha, beta) = if y > hi {
                (hi - lo, 0.0)
            } else if lo < y && y < hi {
                (y - lo, hi - y)
            } else if y < lo {
                (0.0, hi - lo)
            } else {
                (0.0, 0.0)
            };
            score += alpha * p(i).powi(2) + beta * (1.0 - p(i)).powi(2);
        }
        sum += score;
        pixels += 1;
    }
    sum / pixels as f64
}

/// The helper above against pysteps 1.21.5 on ties (`probscores.CRPS` of members (0, 1): 0.0 against an
/// observation of 0, 0.25 against 1e-9) and against [`Crps`] without ties (equal).
#[test]
fn crps_pysteps_convention_matches_pysteps_on_ties() {
    let members = Array3::from_shape_vec((2, 1, 2), vec![0.0f32, 0.0, 1.0, 1.0]).unwrap();
    let observation = ndarray::Array2::from_shape_vec((1, 2), vec![0.0f32, 1e-9]).unwrap();
    let tie = crps_pysteps_convention(
        members.slice(s![.., .., ..1]),
        observation.slice(s![.., ..1]),
    );
    assert_eq!(tie, 0.0);
    let no_tie = crps_pysteps_convention(
        members.slice(s![.., .., 1..]),
        observation.slice(s![.., 1..]),
    );
    assert!((no_tie - 0.25).abs() < 1e-8, "{no_tie}");
    let members = Array3::from_shape_fn((7, 9, 11), |(m, r, c)| {
        ((m * 37 + r * 11 + c * 5) % 23) as f32 * 0.37 + m as f32 * 0.011
    });
    let observation = ndarray::Array2::from_shape_fn((9, 11), |(r, c)| {
        ((r * 7 + c * 3) % 13) as f32 * 0.61 + 0.005
    });
    let mut exact = Crps::new();
    exact
        .accumulate(members.view(), observation.view())
        .unwrap();
    let ours = crps_pysteps_convention(members.view(), observation.view());
    assert!(
        (ours - exact.compute()).abs() < 1e-9,
        "{ours} vs {}",
        exact.compute()
    );
}

/// numpy's legacy `RandomState` (numpy 2.4, as pysteps 1.21.5 uses it), enough to replay pysteps' STEPS noise:
/// the Mersenne Twister MT19937 (Matsumoto & Nishimura 1998) seeded by its `init_genrand` recurrence,
/// doubles of 53 bits from two outputs (`(a >> 5) · 2²⁶ + (b >> 6)) / 2⁵³`), `randint(0, 10⁹)` by masked
/// rejection (30 low bits until ≤ 999 999 999) and `randn` by Marsaglia's polar method, returning the second
/// value of a pair first and keeping the first for the next call. `numpy_random_state_replays_pysteps_noise`
/// checks it against numpy's values recorded in `testdata/reference/steps_noise_pysteps.json`.
///
/// Matsumoto, M. and T. Nishimura, 1998: Mersenne twister: a 623-dimensionally equidistributed uniform
/// pseudo-random number generator. *ACM Trans. Model. Comput. Simul.*, 8, 3–30, doi:10.1145/272991.272995.
/// Marsaglia, G. and T. A. Bray, 1964: A convenient method for generating normal variables. *SIAM Rev.*, 6,
/// 260–264, doi:10.1137/1006063.
#[derive(Clone)]
struct NumpyRandomState {
    mt: [u32; 624],
    index: usize,
    gauss: Option<f64>,
}

impl NumpyRandomState {
    fn new(seed: u32) -> Self {
        let mut mt = [0u32; 624];
        mt[0] = seed;
        for i in 1..624 {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        NumpyRandomState {
            mt,
            index: 624,
            gauss: None,
        }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= 624 {
            for k in 0..624 {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % 624] & 0x7fff_ffff);
                let twisted = (y >> 1) ^ if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + 397) % 624] ^ twisted;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn next_f64(&mut self) -> f64 {
        let a = f64::from(self.next_u32() >> 5);
        let b = f64::from(self.next_u32() >> 6);
        (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `randint(0, high=10⁹)`.
    fn randint_1e9(&mut self) -> u32 {
        loop {
            let v = self.next_u32() & ((1 << 30) - 1);
            if v <= 999_999_999 {
                return v;
            }
        }
    }

    /// One value of `randn`.
    fn gauss(&mut self) -> f64 {
        if let Some(g) = self.gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.next_f64() - 1.0;
            let x2 = 2.0 * self.next_f64() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.gauss = Some(f * x1);
                return f * x2;
            }
        }
    }
}

/// The members' noise streams of pysteps' `steps.forecast(seed)`, each positioned where its first `randn` starts,
/// with their seeds: member j's noise `RandomState(s_j)` draws `randint(0, 10⁹)`, the seed of its motion
/// `RandomState`, whose own `randint(0, 10⁹)` is `s_{j+1}` (`s_0 = seed`).
fn pysteps_noise_streams(seed: u32, members: usize) -> Vec<(u32, NumpyRandomState)> {
    let mut s = seed;
    (0..members)
        .map(|_| {
            let mut noise = NumpyRandomState::new(s);
            let motion_seed = noise.randint_1e9();
            let noise_seed = s;
            s = NumpyRandomState::new(motion_seed).randint_1e9();
            (noise_seed, noise)
        })
        .collect()
}

/// The generator above against numpy (`steps_noise_pysteps.json`, `benches/compare/steps_noise_reference.py`):
/// every member's stream seed, and the first `randn` values of its first two lead times on a 512² grid equal to
/// 1e-14 (one value of 96 differs in its last bit, `ln`/`sqrt` rounding); and, on BoM 20, the noise Squall's nonparametric filter makes from member 0's first white
/// noise field equal pysteps' `generate_noise_2d_fft_filter` output at every 32nd pixel (to 0.02 standard
/// deviations; Squall's LK motion aligns the frames that make the filter, pysteps' LK differs by 0.03 %).
#[test]
fn numpy_random_state_replays_pysteps_noise() {
    let reference = common::reference_json("steps_noise_pysteps.json");
    let shape = list(&reference["shape"]);
    let n = (shape[0] * shape[1]) as usize;
    let members = reference["members"].as_array().unwrap();
    let streams = pysteps_noise_streams(reference["seed"].as_u64().unwrap() as u32, members.len());
    for ((noise_seed, stream), member) in streams.into_iter().zip(members) {
        assert_eq!(
            u64::from(noise_seed),
            member["noise_seed"].as_u64().unwrap()
        );
        let mut stream = stream;
        for key in ["normals_step0", "normals_step1"] {
            let values: Vec<f64> = (0..n).map(|_| stream.gauss()).collect();
            for (ours, theirs) in values.iter().zip(list(&member[key])) {
                // Equal up to the last bit or two of `ln`/`sqrt` (libm versions).
                assert!(
                    (ours - theirs).abs() <= 1e-14 * theirs.abs(),
                    "seed {noise_seed} {key}: {ours} vs {theirs}"
                );
            }
        }
    }

    let filtered = &reference["filtered"];
    let Some(dir) = common::nowcast_dir("radar/bom/prcp-cscn/2/2018/06/16") else {
        return;
    };
    let rain = rain_mmh(&dir);
    let end = filtered["end_index"].as_u64().unwrap() as usize;
    let (frames_db, _, velocity) = case_input(&rain, end, 1);
    let input = NowcastInput {
        fields: frames_db.view(),
        velocity: velocity.view(),
        km_per_pixel: 0.5,
        timestep_minutes: 6.0,
    };
    let analysis = Analysis::new(&input, 2, 8, 0.5, -10.0).unwrap();
    let filter = NoiseFilter::nonparametric(&analysis.plan, analysis.aligned.view()).unwrap();
    let (ny, nx) = analysis.plan.shape();
    let (_, mut stream) = pysteps_noise_streams(reference["seed"].as_u64().unwrap() as u32, 1)
        .pop()
        .unwrap();
    let white: Vec<f32> = (0..ny * nx).map(|_| stream.gauss() as f32).collect();
    let mut scratch = analysis.plan.scratch();
    filter.filter_white(&analysis.plan, &white, &mut scratch);
    let mut noise = vec![0.0f32; ny * nx];
    analysis.plan.inverse(&mut noise, &mut scratch);
    let mu = noise.iter().map(|&v| f64::from(v)).sum::<f64>() / noise.len() as f64;
    let sd = (noise
        .iter()
        .map(|&v| (f64::from(v) - mu).powi(2))
        .sum::<f64>()
        / noise.len() as f64)
        .sqrt();
    let stride = filtered["stride"].as_u64().unwrap() as usize;
    let mut worst = 0.0f64;
    for (i, row) in filtered["samples"].as_array().unwrap().iter().enumerate() {
        for (j, v) in list(row).iter().enumerate() {
            let ours = (f64::from(noise[i * stride * nx + j * stride]) - mu) / sd;
            worst = worst.max((ours - v).abs());
        }
    }
    println!(
        "BoM 20 member 0 lead 1: largest |Δ| of the normalised noise over the samples {worst:.5}"
    );
    assert!(
        worst < 0.02,
        "filtered noise differs from pysteps' by {worst}"
    );
}

fn scores(
    forecast_mmh: &Array4<f32>,
    observed: &Array3<f32>,
    thresholds: &[f64],
    scales: &[usize],
) -> Scores {
    let n_lead = observed.dim().0;
    let (mut crps, mut crps_exact) = (Vec::new(), Vec::new());
    let mut fss: Vec<((f64, usize), Vec<f64>)> = thresholds
        .iter()
        .flat_map(|&t| scales.iter().map(move |&s| ((t, s), Vec::new())))
        .collect();
    for k in 0..n_lead {
        let members = forecast_mmh.index_axis(Axis(1), k);
        let obs = observed.index_axis(Axis(0), k);
        let mut c = Crps::new();
        c.accumulate(members, obs).unwrap();
        crps_exact.push(c.compute());
        crps.push(crps_pysteps_convention(members, obs));
        for ((t, s), values) in fss.iter_mut() {
            let mut acc = FssAccumulator::new(*t, &[*s]).unwrap();
            for m in members.outer_iter() {
                acc.accumulate(m, obs).unwrap();
            }
            values.push(acc.compute()[0]);
        }
    }
    Scores {
        crps,
        crps_exact,
        fss,
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn list(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Relative difference of the lead-time means; prints both.
fn check(label: &str, ours: &[f64], theirs: &[f64], tolerance: f64, failures: &mut Vec<String>) {
    let (a, b) = (mean(ours), mean(theirs));
    let rel = (a - b) / b;
    println!(
        "{label:<40} squall {a:.4}  pysteps {b:.4}  {:+.2} %",
        100.0 * rel
    );
    if rel.abs() > tolerance {
        failures.push(format!("{label}: {a:.4} vs {b:.4} ({:+.2} %)", 100.0 * rel));
    }
}

/// Largest relative difference of one seed's CRPS with pysteps' Bowler deviates: 3 % plus twice the standard
/// deviation of one run's CRPS over noise streams with the motion draws fixed (3.1 %: Squall 0.2916 ± 0.009
/// over 5 noise seeds with pysteps' seed-24 draws, 20 members, `examples/steps_diagnostics.rs`), since Squall's
/// noise stream is not pysteps'.
const PER_SEED: f64 = 0.09;

/// Seeds of Squall's STEPS per case.
const SEEDS: u64 = 3;

/// Sum of squared deviations from the mean.
fn squares(v: &[f64]) -> f64 {
    let m = mean(v);
    v.iter().map(|x| (x - m).powi(2)).sum()
}

/// Squall's lead-time means over its seeds against pysteps' over its recorded seeds: the means must agree within
/// 3 % plus the sampling allowance, twice the standard error of the difference of the two means,
/// `2 s √(1/n_squall + 1/n_pysteps)` with `s` the seed-to-seed standard deviation of one run pooled over both
/// sides (each side about its own mean; with one pysteps seed, Squall's alone).
fn check_spread(label: &str, ours: &[f64], theirs: &[f64], failures: &mut Vec<String>) {
    let (m, t) = (mean(ours), mean(theirs));
    let (n_s, n_p) = (ours.len() as f64, theirs.len() as f64);
    let spread = ((squares(ours) + squares(theirs)) / (n_s + n_p - 2.0)).sqrt();
    let sampling = 2.0 * spread * (1.0 / n_s + 1.0 / n_p).sqrt();
    let allowed = 0.03 * t.abs() + sampling;
    println!(
        "{label:<40} squall {m:.4} ({} seeds)  pysteps {t:.4} ({} seeds)  sd {spread:.4}  {:+.2} %  (allowed ±3 % + {:.2} %)",
        ours.len(),
        theirs.len(),
        100.0 * (m - t) / t,
        100.0 * sampling / t
    );
    if (m - t).abs() > allowed {
        failures.push(format!("{label}: {m:.4} vs {t:.4} (sd {spread:.4})"));
    }
}

/// Rain rate (mm/h) of a sequence folder; FMI's dBZ by Marshall–Palmer a = 200, b = 1.6.
fn rain_mmh(dir: &std::path::Path) -> Array3<f32> {
    let sequence = open_sequence_dir(dir).unwrap();
    let mut rain = sequence.values;
    if sequence.units == "dBZ" {
        rain.mapv_inplace(|z| (10f32.powf(z / 10.0) / 200.0).powf(1.0 / 1.6));
    }
    rain
}

/// The three dB frames ending at `end`, the `n_lead` observed frames that follow (mm/h) and Squall's LK motion.
fn case_input(
    rain: &Array3<f32>,
    end: usize,
    n_lead: usize,
) -> (Array3<f32>, Array3<f32>, Array3<f32>) {
    let transform = DbTransform::default();
    let frames_db = rain
        .slice(s![end - 2..=end, .., ..])
        .mapv(|r| transform.forward(r));
    let observed = rain.slice(s![end + 1..end + 1 + n_lead, .., ..]).to_owned();
    let velocity = LucasKanade::default().estimate(frames_db.view()).unwrap();
    (frames_db, observed, velocity)
}

/// One service's fixture (`steps_<service>_pysteps.json`) with its settings and verification parameters, and
/// the sequence it was made from (rain rate, mm/h).
struct Case {
    reference: serde_json::Value,
    n_levels: usize,
    members: usize,
    n_lead: usize,
    seed: u64,
    thresholds: Vec<f64>,
    scales: Vec<usize>,
    km_per_pixel: f64,
    timestep_minutes: f64,
    rain: Array3<f32>,
}

impl Case {
    /// The fixture and sequence of `service`; `None` (the test skips) when the sequence folder is absent.
    fn load(service: &str, folder: &str) -> Option<Case> {
        let dir = common::nowcast_dir(folder)?;
        let reference = common::reference_json(&format!("steps_{service}_pysteps.json"));
        let settings = &reference["settings"];
        let count = |key: &str| settings[key].as_u64().unwrap() as usize;
        Some(Case {
            n_levels: count("n_cascade_levels"),
            members: count("n_ens_members"),
            n_lead: count("lead_times"),
            seed: settings["seed"].as_u64().unwrap(),
            thresholds: list(&reference["thresholds_mmh"]),
            scales: list(&reference["scales_px"])
                .iter()
                .map(|&s| s as usize)
                .collect(),
            km_per_pixel: reference["km_per_pixel"].as_f64().unwrap(),
            timestep_minutes: reference["timestep_minutes"].as_f64().unwrap(),
            rain: rain_mmh(&dir),
            reference,
        })
    }

    /// The fixture's start times (`cases`: end index, pysteps' runs).
    fn starts(&self) -> &[serde_json::Value] {
        self.reference["cases"].as_array().unwrap()
    }

    /// The nowcast input of `frames_db` and `velocity` (from [`case_input`]) on this grid.
    fn input<'a>(&self, frames_db: &'a Array3<f32>, velocity: &'a Array3<f32>) -> NowcastInput<'a> {
        NowcastInput {
            fields: frames_db.view(),
            velocity: velocity.view(),
            km_per_pixel: self.km_per_pixel,
            timestep_minutes: self.timestep_minutes,
        }
    }

    /// STEPS settings of the fixture with `seed`.
    fn steps_config(&self, seed: u64) -> StepsConfig {
        StepsConfig {
            members: self.members,
            n_cascade_levels: self.n_levels,
            seed,
            ..StepsConfig::default()
        }
    }

    /// CRPS and FSS of `forecast_mmh` against `observed` at the fixture's thresholds and scales.
    fn scores(&self, forecast_mmh: &Array4<f32>, observed: &Array3<f32>) -> Scores {
        scores(forecast_mmh, observed, &self.thresholds, &self.scales)
    }
}

/// The lead-time means of CRPS and of each FSS (threshold, scale) of one run, in the fixture's order.
fn run_means(run: &Scores) -> Vec<f64> {
    std::iter::once(mean(&run.crps))
        .chain(run.fss.iter().map(|(_, v)| mean(v)))
        .collect()
}

/// Largest relative difference of one run's lead-time-mean CRPS and FSS from pysteps' when Squall replays all of
/// pysteps' random draws (Bowler deviates and white noise), so the two forecasts differ only by their
/// arithmetic.
const DRAW_FOR_DRAW: f64 = 0.03;

/// STEPS with pysteps' own random draws, member by member, on every case and seed the fixtures record
/// (`bps_deviates` of each run; the white noise regenerated from the seed by [`pysteps_noise_streams`]).
///
/// `noise_too`: with both the Bowler deviates and the white noise replayed, no random draw of Squall's is left,
/// and each run's CRPS and FSS (lead-time means) must be within [`DRAW_FOR_DRAW`] of pysteps'. With the
/// deviates only, the noise streams differ (same distribution), so the rule is statistical: each seed's CRPS
/// within `PER_SEED`, and over the seeds of a case the mean paired difference within 3 % plus twice its
/// standard error (`2 sd(d) / √n`).
///
/// The CRPS is pysteps' ([`crps_pysteps_convention`]): scored with [`Crps`], Squall's CRPS was +7.5 % above
/// the fixture's on BoM 20 for every seed (issue 6), the gap growing with lead time because pysteps' CRPS drops
/// the intervals that tie with a dry observation.
fn compare_with_pysteps_draws(noise_too: bool) {
    let mut failures = Vec::new();
    let mut compared = 0;
    let variant = if noise_too {
        "motion + noise draws"
    } else {
        "motion draws"
    };
    for (service, folder) in SERVICES {
        let Some(fixture) = Case::load(service, folder) else {
            return;
        };
        let transform = DbTransform::default();
        for case in fixture.starts() {
            let mut pysteps_runs = vec![&case["steps"]];
            if let Some(extra) = case["steps_extra_seeds"].as_array() {
                pysteps_runs.extend(extra.iter());
            }
            pysteps_runs.retain(|r| r["bps_deviates"].is_array());
            if pysteps_runs.is_empty() {
                continue;
            }
            let end = case["end_index"].as_u64().unwrap() as usize;
            let (frames_db, observed, velocity) = case_input(&fixture.rain, end, fixture.n_lead);
            let input = fixture.input(&frames_db, &velocity);
            // Per pysteps run: (Squall's means, pysteps' means), CRPS first, then each FSS.
            let mut pairs: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
            let mut labels = vec!["CRPS".to_string()];
            for run in &pysteps_runs {
                let seed = run["seed"].as_u64().unwrap_or(fixture.seed);
                let deviates: Vec<(f64, f64)> = run["bps_deviates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| (d[0].as_f64().unwrap(), d[1].as_f64().unwrap()))
                    .collect();
                let streams = pysteps_noise_streams(seed as u32, fixture.members);
                let white_noise = |m: usize| -> WhiteNoiseSource {
                    let mut stream = streams[m].1.clone();
                    Box::new(move |white: &mut [f32]| {
                        for w in white.iter_mut() {
                            *w = stream.gauss() as f32;
                        }
                    })
                };
                let draws = GivenDraws {
                    deviates: Some(&deviates),
                    white_noise: noise_too.then_some(&white_noise as _),
                };
                let mut fc = Steps::new(fixture.steps_config(seed))
                    .forecast_db_with_draws(&input, fixture.n_lead, &draws, &|_, _| ())
                    .unwrap();
                fc.mapv_inplace(|v| transform.inverse(v));
                let ours = fixture.scores(&fc, &observed);
                let mut theirs = vec![mean(&list(&run["crps"]))];
                let mut per_lead = vec![format!(
                    "CRPS {}",
                    relative_per_lead(&ours.crps, &list(&run["crps"]))
                )];
                labels.truncate(1);
                for ((t, sc), values) in &ours.fss {
                    let fss = list(&run["fss"][format!("{t}")][format!("{sc}")]);
                    theirs.push(mean(&fss));
                    labels.push(format!("FSS {t} mm/h {sc} px"));
                    per_lead.push(format!("FSS {t}/{sc} {}", relative_per_lead(values, &fss)));
                }
                let means = run_means(&ours);
                let summary: Vec<String> = labels
                    .iter()
                    .zip(means.iter().zip(&theirs))
                    .map(|(l, (o, t))| format!("{l} {o:.4}/{t:.4} {:+.2} %", 100.0 * (o - t) / t))
                    .collect();
                println!(
                    "{service} {end} seed {seed} ({variant}), squall/pysteps: {} (Squall's CRPS {:.4})",
                    summary.join(", "),
                    mean(&ours.crps_exact),
                );
                println!("    per lead time (%): {}", per_lead.join(" | "));
                for (label, (o, t)) in labels.iter().zip(means.iter().zip(&theirs)) {
                    let rel = (o - t) / t;
                    let bound = match (noise_too, label.as_str()) {
                        (true, _) => DRAW_FOR_DRAW,
                        (false, "CRPS") => PER_SEED,
                        (false, _) => continue,
                    };
                    if rel.abs() > bound {
                        failures.push(format!(
                            "{service} {end} seed {seed} {label}: {:+.2} % (allowed ±{:.0} %)",
                            100.0 * rel,
                            100.0 * bound
                        ));
                    }
                }
                pairs.push((means, theirs));
            }
            // The mean rule needs two seeds or more (a standard error).
            for (i, label) in labels.iter().enumerate().filter(|_| pairs.len() > 1) {
                let d: Vec<f64> = pairs.iter().map(|(o, t)| o[i] - t[i]).collect();
                let t = mean(&pairs.iter().map(|(_, t)| t[i]).collect::<Vec<_>>());
                let n = d.len() as f64;
                let sampling = 2.0 * (squares(&d) / (n - 1.0)).sqrt() / n.sqrt();
                println!(
                    "{service} {end} STEPS, pysteps' {variant}, {label:<22} mean difference {:+.2} %  (2 SE {:.2} %, {} seeds)",
                    100.0 * mean(&d) / t,
                    100.0 * sampling / t,
                    d.len()
                );
                if !noise_too && mean(&d).abs() > 0.03 * t.abs() + sampling {
                    failures.push(format!(
                        "{service} {end} {label}: mean difference {:+.4} vs {t:.4}",
                        mean(&d)
                    ));
                }
            }
            compared += 1;
        }
    }
    assert!(compared > 0, "no fixture records pysteps' Bowler deviates");
    assert!(
        failures.is_empty(),
        "outside the allowance:\n{}",
        failures.join("\n")
    );
}

/// Per lead time, `100 (ours − theirs) / theirs` rounded, space-separated.
fn relative_per_lead(ours: &[f64], theirs: &[f64]) -> String {
    ours.iter()
        .zip(theirs)
        .map(|(o, t)| format!("{:+.0}", 100.0 * (o - t) / t))
        .collect::<Vec<_>>()
        .join(" ")
}

/// All of pysteps' draws replayed: every case and seed within ±3 % in CRPS and each FSS.
#[test]
fn steps_with_pysteps_draws_matches_pysteps() {
    compare_with_pysteps_draws(true);
}

/// pysteps' Bowler deviates only (Squall's own noise).
#[test]
fn steps_with_pysteps_motion_draws_matches_pysteps() {
    compare_with_pysteps_draws(false);
}

#[test]
fn sprog_and_steps_match_pysteps_scores() {
    let mut failures = Vec::new();
    for (service, folder) in SERVICES {
        let Some(fixture) = Case::load(service, folder) else {
            return;
        };
        let (n_levels, n_lead) = (fixture.n_levels, fixture.n_lead);
        let transform = DbTransform::default();
        for case in fixture.starts() {
            let end = case["end_index"].as_u64().unwrap() as usize;
            let (frames_db, observed, velocity) = case_input(&fixture.rain, end, n_lead);
            let input = fixture.input(&frames_db, &velocity);
            // The cascade statistics STEPS starts from.
            let analysis = Analysis::new(&input, 2, n_levels, 0.5, -10.0).unwrap();
            let gamma = case["cascade"]["gamma"].as_array().unwrap();
            let mut worst_gamma = 0.0f64;
            for (k, g) in gamma.iter().enumerate() {
                for (lag, v) in list(g).iter().enumerate() {
                    worst_gamma = worst_gamma.max((analysis.gamma[k][lag] - v).abs());
                }
            }
            println!("{service} {end}: largest |Δγ| over levels and lags {worst_gamma:.5}");
            if worst_gamma > 0.01 {
                failures.push(format!(
                    "{service} {end}: correlations differ by {worst_gamma}"
                ));
            }

            let sprog = Sprog {
                n_cascade_levels: n_levels,
                ..Sprog::default()
            };
            let mut fc = sprog
                .forecast_db(&input, n_lead)
                .unwrap()
                .insert_axis(Axis(0));
            fc.mapv_inplace(|v| transform.inverse(v));
            let ours = fixture.scores(&fc, &observed);
            let theirs = &case["sprog"];
            let label = format!("{service} {end} S-PROG");
            check(
                &format!("{label} MAE"),
                &ours.crps,
                &list(&theirs["crps"]),
                0.03,
                &mut failures,
            );
            for ((t, sc), values) in &ours.fss {
                let theirs = list(&theirs["fss"][format!("{t}")][format!("{sc}")]);
                check(
                    &format!("{label} FSS {t} mm/h {sc} px"),
                    values,
                    &theirs,
                    0.03,
                    &mut failures,
                );
            }

            // STEPS: the scores of one 12-member ensemble vary with the random draws (the Bowler motion
            // perturbation of each member above all), by ≈ 12 % (sd) in CRPS between seeds on BoM 20. Squall is
            // run with SEEDS seeds; its mean must be within 3 % of pysteps' mean over its seeds plus the sampling
            // allowance of `check_spread`. CRPS in pysteps' convention, as the fixture's.
            let runs: Vec<Scores> = (0..SEEDS)
                .map(|k| {
                    let mut fc = Steps::new(fixture.steps_config(fixture.seed + k))
                        .forecast_db(&input, n_lead, &|_, _| ())
                        .unwrap();
                    fc.mapv_inplace(|v| transform.inverse(v));
                    fixture.scores(&fc, &observed)
                })
                .collect();
            // pysteps' runs: seed 24 and, where recorded, further seeds.
            let mut pysteps_runs = vec![&case["steps"]];
            if let Some(extra) = case["steps_extra_seeds"].as_array() {
                pysteps_runs.extend(extra.iter());
            }
            let label = format!("{service} {end} STEPS");
            let crps: Vec<f64> = runs.iter().map(|r| mean(&r.crps)).collect();
            let theirs: Vec<f64> = pysteps_runs
                .iter()
                .map(|r| mean(&list(&r["crps"])))
                .collect();
            check_spread(&format!("{label} CRPS"), &crps, &theirs, &mut failures);
            for (i, ((t, sc), _)) in runs[0].fss.iter().enumerate() {
                let ours: Vec<f64> = runs.iter().map(|r| mean(&r.fss[i].1)).collect();
                let theirs: Vec<f64> = pysteps_runs
                    .iter()
                    .map(|r| mean(&list(&r["fss"][format!("{t}")][format!("{sc}")])))
                    .collect();
                check_spread(
                    &format!("{label} FSS {t} mm/h {sc} px"),
                    &ours,
                    &theirs,
                    &mut failures,
                );
            }
        }
    }
    assert!(
        failures.is_empty(),
        "outside ±3 %:\n{}",
        failures.join("\n")
    );
}

/// Lead-time means of the wet fraction (≥ 0.1 mm/h over finite pixels) and of the ensemble spread (standard
/// deviation over the members, mean over the pixels where every member and the observation are finite).
fn wet_and_spread(forecast_mmh: &Array4<f32>, observed: &Array3<f32>) -> (f64, f64) {
    let (m, n_lead, _, _) = forecast_mmh.dim();
    let (mut wet_sum, mut spread_sum) = (0.0, 0.0);
    for k in 0..n_lead {
        let members = forecast_mmh.index_axis(Axis(1), k);
        let finite = members.iter().filter(|v| v.is_finite()).count();
        let wet = members.iter().filter(|&&v| v >= 0.1).count();
        wet_sum += wet as f64 / finite.max(1) as f64;
        let (mut s, mut n) = (0.0, 0usize);
        for ((r, c), o) in observed.index_axis(Axis(0), k).indexed_iter() {
            let col: Vec<f64> = (0..m).map(|j| f64::from(members[[j, r, c]])).collect();
            if !o.is_finite() || col.iter().any(|v| !v.is_finite()) {
                continue;
            }
            let mu = col.iter().sum::<f64>() / m as f64;
            s += (col.iter().map(|v| (v - mu).powi(2)).sum::<f64>() / m as f64).sqrt();
            n += 1;
        }
        spread_sum += s / n.max(1) as f64;
    }
    (wet_sum / n_lead as f64, spread_sum / n_lead as f64)
}

/// STEPS without motion perturbations (nonparametric noise only), 20 members, on BoM 20, against pysteps' two
/// 20-member runs of `testdata/reference/steps_diagnostics_bom20_pysteps.json` (`benches/compare/steps_diagnostics.py`).
///
/// Without the Bowler motion perturbations one 20-member run's CRPS varies by ≈ 1–2 % between seeds (pysteps
/// 0.4594 / 0.4469), so the noise, AR, mask, probability-matching and advection steps can be compared to ±3 %:
/// CRPS (pysteps' convention, [`crps_pysteps_convention`]), wet fraction and ensemble spread (lead-time means,
/// Squall over 3 seeds, pysteps over its 2) must agree within 3 % (observed −2.0 %, −0.3 %, +0.3 %). With the motion perturbations a single member's Laplace draw moves the whole member, and the
/// CRPS of one 20-member run varies by ≈ 11 % between seeds on this case (see the README of the fixtures).
#[test]
fn steps_noise_only_matches_pysteps_on_bom_20() {
    let Some(dir) = common::nowcast_dir("radar/bom/prcp-cscn/2/2018/06/16") else {
        return;
    };
    let reference = common::reference_json("steps_diagnostics_bom20_pysteps.json");
    let case = &reference["case"];
    let end = case["end_index"].as_u64().unwrap() as usize;
    let n_lead = case["n_lead"].as_u64().unwrap() as usize;
    let members = reference["members"].as_u64().unwrap() as usize;
    let rain = rain_mmh(&dir);
    let transform = DbTransform::default();
    let (frames_db, observed, velocity) = case_input(&rain, end, n_lead);
    let input = NowcastInput {
        fields: frames_db.view(),
        velocity: velocity.view(),
        km_per_pixel: case["km_per_pixel"].as_f64().unwrap(),
        timestep_minutes: case["timestep_minutes"].as_f64().unwrap(),
    };
    let (mut crps, mut wet, mut spread) = (Vec::new(), Vec::new(), Vec::new());
    for seed in 24..27 {
        let config = StepsConfig {
            members,
            n_cascade_levels: 8,
            motion_perturbation: None,
            seed,
            ..StepsConfig::default()
        };
        let mut fc = Steps::new(config)
            .forecast_db(&input, n_lead, &|_, _| ())
            .unwrap();
        fc.mapv_inplace(|v| transform.inverse(v));
        crps.push(mean(&scores(&fc, &observed, &[], &[]).crps));
        let (w, s) = wet_and_spread(&fc, &observed);
        wet.push(w);
        spread.push(s);
    }
    let runs: Vec<&serde_json::Value> = reference["runs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["variant"] == "noise")
        .collect();
    assert!(!runs.is_empty());
    let theirs = |key: &str| {
        mean(
            &runs
                .iter()
                .map(|r| mean(&list(&r[key])))
                .collect::<Vec<_>>(),
        )
    };
    let mut failures = Vec::new();
    for (name, ours) in [("CRPS", &crps), ("wet fraction", &wet), ("spread", &spread)] {
        let key = match name {
            "CRPS" => "crps",
            "wet fraction" => "wet_fraction",
            _ => "spread",
        };
        check(
            &format!("bom 20 STEPS noise only {name}"),
            &[mean(ours)],
            &[theirs(key)],
            0.03,
            &mut failures,
        );
    }
    assert!(
        failures.is_empty(),
        "outside ±3 %:\n{}",
        failures.join("\n")
    );
}
