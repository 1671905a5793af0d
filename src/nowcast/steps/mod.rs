//! STEPS: the Short-Term Ensemble Prediction System (Bowler et al. 2006) as pysteps runs it, and the shared
//! analysis of cascade-based nowcasts.
//!
//! 1. The last `ar_order + 1` fields (dB) are aligned on the newest by extrapolation, decomposed into an FFT
//!    cascade ([`crate::nowcast::cascade`]) and an AR(p) model is fitted per level
//!    ([`crate::nowcast::autoregression`]).
//! 2. Each member evolves its own copy of the newest levels in the Lagrangian frame:
//!    `x_k(t) = φ1 x_k(t−1) + φ2 x_k(t−2) + φ0 ε_k(t)`, with `ε` spatially correlated noise decomposed by the
//!    same cascade ([`crate::nowcast::noise`]).
//! 3. Every step the levels are recomposed `Σ x_k σ_k + μ_k`, masked by the member's incremental rain mask,
//!    probability-matched to the observed distribution ([`crate::nowcast::probmatch`]) and advected from the
//!    analysis time with the member's perturbed motion (Bowler et al. 2006), continuing its cumulative
//!    displacement.
//!
//! The AR step, the noise levels and the recomposition are linear, so the members run them on the levels'
//! spectra and recover the field with one inverse FFT per step ([`crate::nowcast::spectral_ar`]); the result
//! equals the level-by-level computation up to rounding.
//!
//! Members run in parallel (rayon), each with random streams seeded from `(seed, member)`: the result is
//! bit-identical for any thread count. Only the members in flight keep a state (`ar_order × levels` fields),
//! so the peak memory is the output plus a few fields per thread.
//!
//! # References
//! Bowler, N. E., C. E. Pierce and A. W. Seed, 2006: STEPS: A probabilistic precipitation forecasting scheme
//! which merges an extrapolation nowcast with downscaled NWP. *Q. J. R. Meteorol. Soc.*, 132, 2127–2155,
//! doi:10.1256/qj.04.100.
//! Seed, A. W., C. E. Pierce and K. Norman, 2013, *Water Resour. Res.*, 49, 6624–6641, doi:10.1002/wrcr.20536.
//! Pulkkinen, S., et al., 2019, *Geosci. Model Dev.*, 12, 4185–4219, doi:10.5194/gmd-12-4185-2019.

mod setup;

use ndarray::{Array3, Array4, ArrayView2, ArrayView3, ArrayViewMut3, Axis};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use setup::{Analysis, NowcastInput};

use crate::error::{Error, Result};
use crate::nowcast::extrapolate::{AdvectionBuffers, Extrapolator};
use crate::nowcast::noise::{BpsParameters, FlowFrame, MotionPerturbation, NoiseFilter};
use crate::nowcast::probmatch::{IncrementalMask, apply_mask_weights, mean_shift, wet_mean};
use crate::nowcast::spectral_ar::SpectralAr;

/// Spatially correlated noise of the members.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum NoiseMethod {
    /// The observed amplitude spectrum of the input fields (pysteps' default).
    #[default]
    Nonparametric,
    /// An isotropic power law with power-spectrum exponent `beta`.
    PowerLaw {
        /// Exponent β of the power spectrum `|κ|^−β`.
        beta: f64,
    },
    /// No noise: every member is the deterministic cascade forecast (S-PROG without its mask).
    None,
}

/// How the forecast's distribution is kept equal to the observed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ProbMatching {
    /// Empirical-CDF matching to the newest field (pysteps' default).
    #[default]
    Cdf,
    /// Shift the wet pixels to the observed wet mean.
    Mean,
    /// None.
    None,
}

/// Rain mask of the members.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum MaskMethod {
    /// The wet area of the previous step dilated by `mask_f · timestep / km_per_pixel` pixels plus a grey rim
    /// of `rim` pixels (pysteps' default: `mask_f` 1, `rim` 10).
    Incremental {
        /// Growth factor of the structuring element.
        mask_f: f64,
        /// Width of the grey rim, pixels.
        rim: u32,
    },
    /// No mask.
    None,
}

impl Default for MaskMethod {
    fn default() -> Self {
        MaskMethod::Incremental {
            mask_f: 1.0,
            rim: 10,
        }
    }
}

/// Settings of a STEPS ensemble. The defaults are pysteps' `steps.forecast` defaults, except the number of
/// members (20 here, 24 in pysteps).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepsConfig {
    /// Number of members.
    pub members: usize,
    /// Number of cascade levels (pysteps' default 6; 8 is common for 1-km grids of 512² and more).
    pub n_cascade_levels: usize,
    /// Width of the Gaussian band-pass filters in log-wavenumber.
    pub gauss_scale: f64,
    /// Order of the AR model, 1 or 2.
    pub ar_order: usize,
    /// Rain threshold in the transformed units (−10 dB = 0.1 mm h⁻¹).
    pub rain_threshold: f32,
    /// Noise generator.
    pub noise: NoiseMethod,
    /// Motion perturbations (Bowler et al. 2006), `None` to switch them off.
    pub motion_perturbation: Option<BpsParameters>,
    /// Probability matching.
    pub prob_matching: ProbMatching,
    /// Rain mask.
    pub mask: MaskMethod,
    /// Seed of the random streams; member `m` uses streams `(seed, 2m)` and `(seed, 2m + 1)`.
    pub seed: u64,
}

impl Default for StepsConfig {
    fn default() -> Self {
        StepsConfig {
            members: 20,
            n_cascade_levels: 6,
            gauss_scale: 0.5,
            ar_order: 2,
            rain_threshold: -10.0,
            noise: NoiseMethod::Nonparametric,
            motion_perturbation: Some(BpsParameters::BOWLER_2006),
            prob_matching: ProbMatching::Cdf,
            mask: MaskMethod::default(),
            seed: 0,
        }
    }
}

/// One member's white noise given from outside: called once per lead time with the `(ny·nx)` row-major buffer
/// to fill with standard normal values.
pub type WhiteNoiseSource<'a> = Box<dyn FnMut(&mut [f32]) + Send + 'a>;

/// Random draws given from outside in place of the members' own streams ([`Steps::forecast_db_with_draws`]),
/// e.g. pysteps' for a draw-for-draw comparison. `None` keeps the member's own draws.
#[derive(Clone, Copy, Default)]
pub struct GivenDraws<'a> {
    /// Bowler deviates `(ε_∥, ε_⊥)`, one pair per member (see [`MotionPerturbation::from_deviates`]).
    pub deviates: Option<&'a [(f64, f64)]>,
    /// `white_noise(m)` is member `m`'s white-noise source for its lead times in order, filtered by the
    /// configured noise method (unused with [`NoiseMethod::None`]).
    pub white_noise: Option<&'a (dyn Fn(usize) -> WhiteNoiseSource<'a> + Sync)>,
}

/// A nowcasting method producing an ensemble `(members, lead times, y, x)` in the units of its input.
///
/// Extrapolation, S-PROG and STEPS implement it; the CLI and the Python layer call methods through it, so a new
/// method (e.g. a locally adaptive ensemble reusing the cascade, AR, noise and probability-matching blocks)
/// plugs in by implementing it.
pub trait Nowcaster: Sync {
    /// Short name (as the CLI's `--method`).
    fn name(&self) -> &'static str;

    /// Number of members the forecast will have.
    fn members(&self) -> usize;

    /// Forecast of `n_lead_times` steps of `input.timestep_minutes`, calling `progress(done, total)` after each
    /// member (or lead time) completes. NaN marks no data.
    ///
    /// # Errors
    /// Bad input ([`Error::Shape`], [`Error::Parameter`]).
    fn forecast(
        &self,
        input: &NowcastInput,
        n_lead_times: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Array4<f32>>;
}

/// The STEPS ensemble nowcast.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Steps {
    /// Settings.
    pub config: StepsConfig,
    /// Semi-Lagrangian scheme of the member advection (no data outside the domain).
    pub extrapolator: Extrapolator,
}

impl Steps {
    /// STEPS with the given settings and the default (pysteps) extrapolation.
    pub fn new(config: StepsConfig) -> Self {
        Steps {
            config,
            extrapolator: Extrapolator::default(),
        }
    }

    /// The ensemble `(members, lead times, y, x)` in dB (the units of `input.fields`).
    ///
    /// # Errors
    /// As [`Analysis::new`]; [`Error::Parameter`] if `members` or `n_lead_times` is 0.
    ///
    /// # Examples
    /// ```
    /// use ndarray::{Array3, Axis};
    /// use squall::nowcast::steps::{NowcastInput, Steps, StepsConfig};
    /// let fields = Array3::from_shape_fn((3, 64, 64), |(t, r, c)| {
    ///     let d = ((r as f32 - 30.0).powi(2) + (c as f32 - 20.0 - t as f32).powi(2)).sqrt();
    ///     if d < 12.0 { 10.0 - d } else { -15.0 }
    /// });
    /// let mut velocity = Array3::<f32>::zeros((2, 64, 64));
    /// velocity.index_axis_mut(Axis(0), 0).fill(1.0);
    /// let input = NowcastInput { fields: fields.view(), velocity: velocity.view(), km_per_pixel: 1.0, timestep_minutes: 5.0 };
    /// let config = StepsConfig { members: 4, n_cascade_levels: 4, seed: 1, ..Default::default() };
    /// let ensemble = Steps::new(config).forecast_db(&input, 3, &|_, _| ())?;
    /// assert_eq!(ensemble.dim(), (4, 3, 64, 64));
    /// # Ok::<(), squall::Error>(())
    /// ```
    pub fn forecast_db(
        &self,
        input: &NowcastInput,
        n_lead_times: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Array4<f32>> {
        self.run(input, n_lead_times, &GivenDraws::default(), progress)
    }

    /// [`Self::forecast_db`] with random draws given from outside (another implementation's, e.g. pysteps')
    /// in place of the members' own, so that two implementations can be compared member by member: with the
    /// Bowler deviates and the white noise both given, no random draw of Squall's is left. A diagnostic hook;
    /// [`Self::forecast_db`] is the forecast.
    ///
    /// # Errors
    /// As [`Self::forecast_db`]; [`Error::Parameter`] if `draws.deviates` does not hold one pair per member or
    /// is given with motion perturbations off.
    pub fn forecast_db_with_draws(
        &self,
        input: &NowcastInput,
        n_lead_times: usize,
        draws: &GivenDraws,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Array4<f32>> {
        if let Some(d) = draws.deviates
            && (d.len() != self.config.members || self.config.motion_perturbation.is_none())
        {
            return Err(Error::parameter(
                "deviates",
                d.len(),
                "one pair per member, with motion perturbations on",
            ));
        }
        self.run(input, n_lead_times, draws, progress)
    }

    fn run(
        &self,
        input: &NowcastInput,
        n_lead_times: usize,
        draws: &GivenDraws,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Array4<f32>> {
        let c = &self.config;
        check_counts(c.members, n_lead_times)?;
        let mut analysis = Analysis::new(
            input,
            c.ar_order,
            c.n_cascade_levels,
            c.gauss_scale,
            c.rain_threshold,
        )?;
        if !analysis.has_rain {
            progress(c.members, c.members);
            return Ok(analysis.dry_forecast(c.members, n_lead_times));
        }
        let noise = match c.noise {
            NoiseMethod::Nonparametric => Some(NoiseFilter::nonparametric(
                &analysis.plan,
                analysis.aligned.view(),
            )?),
            NoiseMethod::PowerLaw { beta } => Some(NoiseFilter::power_law(&analysis.plan, beta)?),
            NoiseMethod::None => None,
        };
        // The members evolve the levels' spectra; the spatial state is not needed any more.
        let spectral = SpectralAr::new(
            &analysis.plan,
            analysis.state.view(),
            &analysis.ar,
            &analysis.means,
            &analysis.stds,
        )?;
        analysis.state = ndarray::Array4::zeros((0, 0, 0, 0));
        let shared = Shared {
            analysis: &analysis,
            spectral: &spectral,
            noise: noise.as_ref(),
            flow: c
                .motion_perturbation
                .map(|_| FlowFrame::new(input.velocity)),
            draws: *draws,
            velocity: input.velocity,
            km_per_pixel: input.km_per_pixel,
            timestep_minutes: input.timestep_minutes,
            config: c,
            extrapolator: &self.extrapolator,
            mask_radius: match c.mask {
                MaskMethod::Incremental { mask_f, .. } => {
                    IncrementalMask::radius_for(mask_f, input.timestep_minutes, input.km_per_pixel)
                }
                MaskMethod::None => 0,
            },
            observed_wet_mean: wet_mean(
                analysis.newest().as_slice().unwrap_or_default(),
                c.rain_threshold,
            ),
        };
        run_members(
            (c.members, n_lead_times),
            analysis.plan.shape(),
            progress,
            |m, view| shared.run_member(m, view),
        )
    }
}

impl Nowcaster for Steps {
    fn name(&self) -> &'static str {
        "steps"
    }

    fn members(&self) -> usize {
        self.config.members
    }

    fn forecast(
        &self,
        input: &NowcastInput,
        n_lead_times: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Array4<f32>> {
        self.forecast_db(input, n_lead_times, progress)
    }
}

/// Read-only data shared by the members.
struct Shared<'a, 'd> {
    analysis: &'a Analysis,
    spectral: &'a SpectralAr,
    noise: Option<&'a NoiseFilter>,
    flow: Option<FlowFrame>,
    /// Draws given from outside, instead of the member's own.
    draws: GivenDraws<'d>,
    velocity: ndarray::ArrayView3<'a, f32>,
    km_per_pixel: f64,
    timestep_minutes: f64,
    config: &'a StepsConfig,
    extrapolator: &'a Extrapolator,
    mask_radius: u32,
    observed_wet_mean: Option<f32>,
}

impl Shared<'_, '_> {
    /// Runs member `m` for every lead time into `out (lead times, y, x)`.
    fn run_member(&self, m: usize, out: &mut ArrayViewMut3<f32>) -> Result<()> {
        let a = self.analysis;
        let c = self.config;
        let plan = &a.plan;
        let (ny, nx) = plan.shape();
        let n = ny * nx;
        let n_levels = plan.n_levels();
        let mut noise_rng = member_rng(c.seed, 2 * m as u64);
        let mut motion_rng = member_rng(c.seed, 2 * m as u64 + 1);
        let perturbation = match (c.motion_perturbation, &self.flow, self.draws.deviates) {
            (Some(p), Some(_), Some(d)) => Some(MotionPerturbation::from_deviates(
                d[m],
                self.km_per_pixel,
                self.timestep_minutes,
                p,
            )?),
            (Some(p), Some(_), None) => Some(MotionPerturbation::new(
                &mut motion_rng,
                self.km_per_pixel,
                self.timestep_minutes,
                p,
            )?),
            _ => None,
        };
        // AR state: the spectra of the levels at the last two times.
        let mut state = self.spectral.member_state();
        let mut recomposed = vec![rustfft::num_complex::Complex32::default(); plan.spectrum_len()];
        let mut gains = vec![0.0f32; n_levels];
        let mut scratch = plan.scratch();
        let mut white = vec![0.0f32; n];
        let mut field = vec![0.0f32; n];
        let mut keys = Vec::new();
        let mut weights = vec![1.0f32; n];
        let mut mask = match c.mask {
            MaskMethod::Incremental { rim, .. } => {
                let mut mask = IncrementalMask::new(ny, nx, self.mask_radius, rim);
                let newest = a.newest();
                let newest = newest.as_slice().unwrap_or_default();
                mask.weights_into(|i| newest[i] >= c.rain_threshold, &mut weights);
                Some(mask)
            }
            MaskMethod::None => None,
        };
        let mut advection = MemberAdvection::new(
            self.extrapolator,
            self.flow.as_ref(),
            self.velocity,
            perturbation,
        );
        let mut given_noise = self.draws.white_noise.map(|source| source(m));
        for t in 0..out.dim().0 {
            if let Some(noise) = self.noise {
                match given_noise.as_mut() {
                    Some(fill) => {
                        fill(&mut white);
                        noise.filter_white(plan, &white, &mut scratch);
                    }
                    None => noise.generate_spectrum(plan, &mut noise_rng, &mut white, &mut scratch),
                }
                self.spectral
                    .noise_gains(scratch.spectrum(), &mut gains, plan);
            }
            let noise = self.noise.map(|_| (scratch.spectrum(), gains.as_slice()));
            self.spectral.step(&mut state, noise, plan, &mut recomposed);
            plan.inverse_spectrum(&recomposed, &mut field, &mut scratch);
            if mask.is_some() {
                apply_mask_weights(&mut field, &weights);
            }
            match c.prob_matching {
                ProbMatching::Cdf => a.matcher.match_in_place(&mut field, &mut keys)?,
                ProbMatching::Mean => {
                    if let Some(mu) = self.observed_wet_mean {
                        mean_shift(&mut field, c.rain_threshold, mu);
                    }
                }
                ProbMatching::None => {}
            }
            if let Some(mask) = mask.as_mut() {
                mask.weights_into(|i| field[i] >= c.rain_threshold, &mut weights);
            }
            advection.step(
                t,
                &mut field,
                &a.domain_mask,
                out.index_axis_mut(Axis(0), t),
            )?;
        }
        Ok(())
    }
}

/// One member's Lagrangian step between lead times, shared by the ensemble methods: the field is set to `NaN`
/// outside the radar domain, the velocity is perturbed for the lead time (Bowler et al. 2006) when perturbations
/// are on, and the field is advected one time step on from the member's cumulative displacement.
pub(crate) struct MemberAdvection<'a> {
    extrapolator: &'a Extrapolator,
    flow: Option<&'a FlowFrame>,
    base_velocity: ArrayView3<'a, f32>,
    perturbation: Option<MotionPerturbation>,
    /// Velocity of the current step `(2, y, x)`, px per time step.
    velocity: Array3<f32>,
    /// Cumulative displacement `(2, y, x)`, px.
    displacement: Array3<f32>,
    buffers: AdvectionBuffers,
}

impl<'a> MemberAdvection<'a> {
    /// Starts at zero displacement with the unperturbed `base_velocity (2, y, x)`.
    pub(crate) fn new(
        extrapolator: &'a Extrapolator,
        flow: Option<&'a FlowFrame>,
        base_velocity: ArrayView3<'a, f32>,
        perturbation: Option<MotionPerturbation>,
    ) -> Self {
        Self {
            extrapolator,
            flow,
            base_velocity,
            perturbation,
            velocity: base_velocity.to_owned(),
            displacement: Array3::zeros(base_velocity.raw_dim()),
            buffers: AdvectionBuffers::default(),
        }
    }

    /// Replaces the member's motion perturbation from the next step on (a lead-dependent perturbation).
    pub(crate) fn set_perturbation(&mut self, perturbation: Option<MotionPerturbation>) {
        self.perturbation = perturbation;
    }

    /// Masks `field (y·x, row-major)` with `domain_mask (y, x)` (true = outside), advects it to lead time `t + 1`
    /// and writes the result into `out (y, x)`.
    pub(crate) fn step(
        &mut self,
        t: usize,
        field: &mut [f32],
        domain_mask: &ndarray::Array2<bool>,
        out: ndarray::ArrayViewMut2<f32>,
    ) -> Result<()> {
        let (ny, nx) = domain_mask.dim();
        for (v, &masked) in field.iter_mut().zip(domain_mask.iter()) {
            if masked {
                *v = f32::NAN;
            }
        }
        if let (Some(p), Some(flow)) = (&self.perturbation, self.flow) {
            p.perturbed_velocity_into(flow, self.base_velocity, (t + 1) as f64, &mut self.velocity);
        }
        let field_view =
            ArrayView2::from_shape((ny, nx), &field[..]).map_err(|e| Error::Shape {
                what: "member field".into(),
                expected: format!("({ny}, {nx})"),
                found: e.to_string(),
            })?;
        self.extrapolator.advance(
            field_view,
            self.velocity.view(),
            1.0,
            &mut self.displacement,
            out,
            &mut self.buffers,
        )
    }
}

/// The ensemble `(members, lead times, y, x)` with member `m` written by `run_member(m, out[m])`, shared by the
/// ensemble methods. Members run in parallel in batches of the thread count: at most that many member states
/// exist at once, even when a thread waiting inside a nested parallel loop steals work. `progress(done, members)`
/// is called as each member finishes.
///
/// # Errors
/// The first error of `run_member`.
pub(crate) fn run_members(
    (members, n_lead_times): (usize, usize),
    (ny, nx): (usize, usize),
    progress: &(dyn Fn(usize, usize) + Sync),
    run_member: impl Fn(usize, &mut ArrayViewMut3<f32>) -> Result<()> + Sync,
) -> Result<Array4<f32>> {
    let mut out = Array4::<f32>::zeros((members, n_lead_times, ny, nx));
    let done = std::sync::atomic::AtomicUsize::new(0);
    let batch = rayon::current_num_threads().max(1);
    let mut views: Vec<(usize, ArrayViewMut3<f32>)> = out.outer_iter_mut().enumerate().collect();
    for chunk in views.chunks_mut(batch) {
        chunk
            .par_iter_mut()
            .map(|(m, view)| {
                run_member(*m, view)?;
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                progress(n, members);
                Ok(())
            })
            .collect::<Result<Vec<()>>>()?;
    }
    drop(views);
    Ok(out)
}

/// [`Error::Parameter`] unless an ensemble has at least one member and one lead time.
pub(crate) fn check_counts(members: usize, n_lead_times: usize) -> Result<()> {
    if members == 0 || n_lead_times == 0 {
        return Err(Error::parameter(
            "members × lead times",
            format!("{members} × {n_lead_times}"),
            "both must be at least 1",
        ));
    }
    Ok(())
}

/// The random stream `stream` of `seed` (ChaCha8: independent streams, identical on every platform).
pub fn member_rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nowcast::noise::BpsParameters;

    /// A member's perturbed advection against pysteps' STEPS main loop on the analytic scene of
    /// `benches/compare/steps_bps_reference.py` (`testdata/reference/steps_bps_pysteps.json`): same Bowler
    /// deviates, so the same velocity per lead time (`V + g(t · timestep) ε / s`, t in minutes) and the same
    /// cumulative displacement; the NaN area per lead time must be equal to a few pixels, the sampled field and
    /// displacement equal to float rounding.
    #[test]
    fn perturbed_advection_matches_pysteps_main_loop() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/reference/steps_bps_pysteps.json"
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let n = doc["grid"].as_u64().unwrap() as usize;
        let km = doc["km_per_pixel"].as_f64().unwrap();
        let minutes = doc["timestep_minutes"].as_f64().unwrap();
        let n_lead = doc["n_lead"].as_u64().unwrap() as usize;
        let tau = std::f64::consts::TAU;
        let nf = n as f64;
        let velocity = Array3::from_shape_fn((2, n, n), |(k, r, c)| {
            let (r, c) = (r as f64, c as f64);
            (if k == 0 {
                3.0 + 2.0 * (tau * r / nf).sin()
            } else {
                -2.0 + 1.5 * (tau * c / nf).cos()
            }) as f32
        });
        let field = ndarray::Array2::from_shape_fn((n, n), |(r, c)| {
            let (rf, cf) = (r as f64, c as f64);
            if r + c < 20 {
                f32::NAN
            } else {
                (10.0 * (tau * cf / 37.0).sin() * (tau * rf / 23.0).cos() + 0.05 * cf) as f32
            }
        });
        let domain_mask = field.mapv(f32::is_nan);
        let flow = FlowFrame::new(velocity.view());
        let extrapolator = Extrapolator::default();
        let samples: Vec<usize> = (4..n).step_by(12).collect();
        for run in doc["runs"].as_array().unwrap() {
            let d = &run["deviates"];
            let deviates = (d[0].as_f64().unwrap(), d[1].as_f64().unwrap());
            let perturbation = MotionPerturbation::from_deviates(
                deviates,
                km,
                minutes,
                BpsParameters::BOWLER_2006,
            )
            .unwrap();
            let mut advection = MemberAdvection::new(
                &extrapolator,
                Some(&flow),
                velocity.view(),
                Some(perturbation),
            );
            let mut out = ndarray::Array2::<f32>::zeros((n, n));
            for t in 0..n_lead {
                let mut values = field.as_slice().unwrap().to_vec();
                advection
                    .step(t, &mut values, &domain_mask, out.view_mut())
                    .unwrap();
                let nan = out.iter().filter(|v| v.is_nan()).count() as i64;
                let theirs = run["nan_pixels"][t].as_i64().unwrap();
                assert!(
                    (nan - theirs).abs() <= 3,
                    "{deviates:?} lead {t}: NaN {nan} vs {theirs}"
                );
                let expected = run["field_samples"][t].as_array().unwrap();
                let mut k = 0;
                for &r in &samples {
                    for &c in &samples {
                        let ours = out[[r, c]];
                        match expected[k].as_f64() {
                            None => {
                                assert!(ours.is_nan(), "{deviates:?} lead {t} ({r}, {c}): {ours}")
                            }
                            Some(v) if ours.is_finite() => assert!(
                                (f64::from(ours) - v).abs() < 2e-3,
                                "{deviates:?} lead {t} ({r}, {c}): {ours} vs {v}"
                            ),
                            // A departure point on the edge of the NaN area may fall either side.
                            Some(_) => {}
                        }
                        k += 1;
                    }
                }
            }
            let expected = &run["displacement_samples"];
            for axis in 0..2 {
                let mut k = 0;
                for &r in &samples {
                    for &c in &samples {
                        let v = expected[axis][k].as_f64().unwrap();
                        let ours = f64::from(advection.displacement[[axis, r, c]]);
                        assert!(
                            (ours - v).abs() < 1e-3,
                            "{deviates:?} displacement {axis} ({r}, {c}): {ours} vs {v}"
                        );
                        k += 1;
                    }
                }
            }
        }
    }
}
