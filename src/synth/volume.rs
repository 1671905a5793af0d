//! Synthetic polar volumes: a dual-polarisation radar scanning a [`Scene3d`], with propagation effects.
//!
//! Each gate samples the model at the centre of the beam (no beam-pattern averaging): the height from the 4/3-earth
//! model ([`FourThirdsEarth`](crate::geo::FourThirdsEarth)), the position from the ground range along the great circle of the ray's azimuth,
//! projected into the scene grid's projection (so the radar need not stand at the grid centre). Along each ray:
//! - ΦDP = system offset + 2∫KDP dr (+ noise), wrapped to \[0°, 360°);
//! - measured DBZH = true Z − 2∫A_H dr and ZDR = true ZDR − 2∫A_DP dr, with A_H = α·KDP, A_DP = β·KDP and the
//!   band's linear coefficients ([`attenuation_coefficients`]); the integrals run to the gate centre;
//! - SNR = measured Z − (noise level at 1 km + 20 log₁₀ r_km); gates with SNR < 0 dB (or no hydrometeors) are
//!   [`GateStatus::NoEcho`](crate::GateStatus::NoEcho) in every moment;
//! - VRADH = radial projection of the scene flow at the gate, cos(el)·(u, v)·ê − fall speed·sin(el), plus noise,
//!   folded into \[−V_N, V_N);
//! - DBTH = DBZH + 0.2 dB + 0.3|n| dB; WRADH = 1 + 2·clamp((Z − 30)/25, 0, 1) + 0.3|n| m s⁻¹; RHOHV is biased low
//!   by noise, ρ·SNR/(1 + SNR); KDP is the true value (what an ideal processor would retrieve); SNRH is the SNR.
//!   Here `n` is a standard normal draw; the other moments get the [`MomentNoise`] standard deviations.
//!
//! The scene is frozen during the volume (the ray times only describe a plausible scan).

use ndarray::Array2;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rayon::prelude::*;

use super::microphysics::{attenuation_coefficients, linear};
use super::scene3d::{BandPhysics, Hydrometeor, PreparedCell, Scene3d};
use super::stream_rng;
use crate::error::{Error, Result};
use crate::geo::{EARTH_RADIUS_M, FourThirdsEarth, GridSpec};
use crate::volume::{Band, GateStatus, Moment, PolarVolume, Site, Sweep, SweepMode};

/// At most this many gates in one synthetic volume.
pub const MAX_VOLUME_GATES: u64 = 100_000_000;

/// Spacing of the precomputed ground track of each ray, m.
const TRACK_STEP_M: f64 = 500.0;

/// Standard deviations of the measurement noise added to each moment (scaled by √(1 + 1/SNR) with SNR linear).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MomentNoise {
    /// DBZH, dB (0 by default, so that measured ≤ true reflectivity holds exactly).
    pub dbzh_db: f64,
    /// ZDR, dB.
    pub zdr_db: f64,
    /// ΦDP, degrees.
    pub phidp_deg: f64,
    /// ρhv (unitless).
    pub rhohv: f64,
    /// VRADH, m s⁻¹.
    pub vradh_mps: f64,
}

impl Default for MomentNoise {
    /// DBZH 0 dB, ZDR 0.2 dB, ΦDP 2°, ρhv 0.005, VRADH 0.5 m s⁻¹.
    fn default() -> Self {
        MomentNoise {
            dbzh_db: 0.0,
            zdr_db: 0.2,
            phidp_deg: 2.0,
            rhohv: 0.005,
            vradh_mps: 0.5,
        }
    }
}

/// The instrument and its scan strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct RadarConfig {
    /// Where the radar stands.
    pub site: Site,
    /// Transmit frequency, MHz (sets the [`Band`]).
    pub frequency_mhz: f64,
    /// 3-dB beam width, degrees.
    pub beam_width_deg: f32,
    /// Elevation of each sweep in scan order, degrees.
    pub elevations_deg: Vec<f32>,
    /// Rays per sweep; ray `i` points at azimuth `(i + 0.5)·360/n_rays` degrees.
    pub n_rays: usize,
    /// Range of the centre of the first gate, m.
    pub first_gate_m: f32,
    /// Gate spacing, m.
    pub gate_spacing_m: f32,
    /// Gates per ray.
    pub n_gates: usize,
    /// Nyquist velocity, m s⁻¹.
    pub nyquist_mps: f32,
    /// Reflectivity of the noise power at 1 km, dBZ (the sensitivity: 0 dB SNR at r km is this + 20 log₁₀ r).
    pub noise_dbz_at_1km: f64,
    /// System differential phase offset, degrees.
    pub system_phidp_deg: f64,
    /// Duration of one sweep, s (for the ray times).
    pub sweep_duration_s: f64,
    /// Measurement noise.
    pub noise: MomentNoise,
    /// Beam propagation model.
    pub earth: FourThirdsEarth,
}

impl RadarConfig {
    /// An S-band radar (2800 MHz, 0.95° beam) with the 9 tilts of the WSR-88D VCP 21 (0.5–19.5°), 360 rays,
    /// 920 gates of 250 m (230 km), Nyquist 26 m s⁻¹, sensitivity −41.5 dBZ at 1 km, ΦDP offset 30°.
    pub fn s_band_vcp21(site: Site) -> RadarConfig {
        RadarConfig {
            site,
            frequency_mhz: 2_800.0,
            beam_width_deg: 0.95,
            elevations_deg: vec![0.5, 1.45, 2.4, 3.35, 4.3, 6.0, 9.9, 14.6, 19.5],
            n_rays: 360,
            first_gate_m: 125.0,
            gate_spacing_m: 250.0,
            n_gates: 920,
            nyquist_mps: 26.0,
            noise_dbz_at_1km: -41.5,
            system_phidp_deg: 30.0,
            sweep_duration_s: 35.0,
            noise: MomentNoise::default(),
            earth: FourThirdsEarth::default(),
        }
    }

    /// A C-band radar (5600 MHz, 1° beam), 9 tilts 0.5–19.5°, 360 rays, 600 gates of 250 m (150 km), Nyquist
    /// 20 m s⁻¹, sensitivity −36 dBZ at 1 km, ΦDP offset 30°.
    pub fn c_band(site: Site) -> RadarConfig {
        RadarConfig {
            frequency_mhz: 5_600.0,
            beam_width_deg: 1.0,
            elevations_deg: vec![0.5, 1.5, 2.4, 3.4, 4.3, 6.0, 9.9, 14.6, 19.5],
            n_gates: 600,
            nyquist_mps: 20.0,
            noise_dbz_at_1km: -36.0,
            sweep_duration_s: 25.0,
            ..RadarConfig::s_band_vcp21(site)
        }
    }

    /// An X-band radar (9400 MHz, 1° beam), 9 tilts 1.8–19.5°, 360 rays, 400 gates of 150 m (60 km), Nyquist
    /// 16 m s⁻¹, sensitivity −30 dBZ at 1 km, ΦDP offset 30°.
    pub fn x_band(site: Site) -> RadarConfig {
        RadarConfig {
            frequency_mhz: 9_400.0,
            beam_width_deg: 1.0,
            elevations_deg: vec![1.8, 2.7, 3.6, 4.5, 6.0, 8.0, 10.5, 14.5, 19.5],
            first_gate_m: 75.0,
            gate_spacing_m: 150.0,
            n_gates: 400,
            nyquist_mps: 16.0,
            noise_dbz_at_1km: -30.0,
            sweep_duration_s: 15.0,
            ..RadarConfig::s_band_vcp21(site)
        }
    }

    /// The frequency band.
    pub fn band(&self) -> Band {
        Band::from_frequency_mhz(self.frequency_mhz)
    }

    fn validate(&self) -> Result<()> {
        let bad =
            |name: &str, value: String, reason: &str| Err(Error::parameter(name, value, reason));
        if !(self.frequency_mhz > 0.0 && self.frequency_mhz.is_finite()) {
            return bad(
                "frequency_mhz",
                self.frequency_mhz.to_string(),
                "must be positive",
            );
        }
        if self.n_rays == 0 || self.n_gates == 0 || self.elevations_deg.is_empty() {
            return bad(
                "n_rays / n_gates / elevations_deg",
                format!(
                    "{} / {} / {:?}",
                    self.n_rays, self.n_gates, self.elevations_deg
                ),
                "need at least one ray, one gate and one sweep",
            );
        }
        let gates_ok = self.gate_spacing_m > 0.0
            && self.gate_spacing_m.is_finite()
            && self.first_gate_m >= 0.0
            && self.first_gate_m.is_finite();
        if !gates_ok {
            return bad(
                "gate_spacing_m / first_gate_m",
                format!("{} / {}", self.gate_spacing_m, self.first_gate_m),
                "spacing must be positive and the first gate at a non-negative range",
            );
        }
        if let Some(e) = self
            .elevations_deg
            .iter()
            .find(|e| !(-2.0..=90.0).contains(*e))
        {
            return bad(
                "elevations_deg",
                e.to_string(),
                "must be within [-2, 90] degrees",
            );
        }
        let finite_ok = self.nyquist_mps > 0.0
            && self.nyquist_mps.is_finite()
            && self.noise_dbz_at_1km.is_finite()
            && self.system_phidp_deg.is_finite();
        if !finite_ok {
            return bad(
                "nyquist_mps / noise_dbz_at_1km / system_phidp_deg",
                format!(
                    "{} / {} / {}",
                    self.nyquist_mps, self.noise_dbz_at_1km, self.system_phidp_deg
                ),
                "must be finite (and the Nyquist velocity positive)",
            );
        }
        let gates = (self.n_rays as u64)
            .saturating_mul(self.n_gates as u64)
            .saturating_mul(self.elevations_deg.len() as u64);
        if gates > MAX_VOLUME_GATES {
            return Err(Error::Limits {
                what: "synthetic volume gates".to_owned(),
                requested: gates,
                limit: MAX_VOLUME_GATES,
            });
        }
        Ok(())
    }
}

/// A radar site at projection coordinates `(x, y)` (m) of a grid, at sea level.
///
/// # Errors
/// [`Error::Unsupported`] if the grid's projection cannot be inverted.
pub fn site_at(spec: &GridSpec, x_m: f64, y_m: f64, id: &str) -> Result<Site> {
    let (longitude_deg, latitude_deg) = spec.projection.inverse(x_m, y_m)?;
    Ok(Site {
        id: id.to_owned(),
        name: "synthetic".to_owned(),
        latitude_deg,
        longitude_deg,
        altitude_m: 0.0,
    })
}

/// The truth behind one sweep, all `(n_rays, n_gates)` unless noted.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepTruth {
    /// True (unattenuated) reflectivity, dBZ; `NaN` where the model holds no hydrometeors.
    pub dbzh: Array2<f32>,
    /// True differential reflectivity, dB; `NaN` where there are no hydrometeors.
    pub zdr_db: Array2<f32>,
    /// True specific differential phase, ° km⁻¹ (0 where there are no hydrometeors).
    pub kdp_deg_per_km: Array2<f32>,
    /// Propagation differential phase 2∫KDP dr from the radar to the gate centre, degrees (no offset, no noise).
    pub phidp_path_deg: Array2<f32>,
    /// Two-way path-integrated attenuation of horizontal reflectivity to the gate centre, dB (α·ΦDP path).
    pub pia_h_db: Array2<f32>,
    /// Two-way path-integrated differential attenuation, dB (β·ΦDP path).
    pub pia_dp_db: Array2<f32>,
    /// Dominant hydrometeor.
    pub hydrometeor: Array2<Hydrometeor>,
    /// Height of each gate's beam centre above mean sea level, m, `(n_gates,)`.
    pub beam_height_m: Vec<f32>,
}

/// A synthetic volume and the truth behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticVolume {
    /// The measured volume: moments `DBZH`, `DBTH`, `ZDR`, `RHOHV`, `PHIDP`, `KDP`, `VRADH`, `WRADH`, `SNRH`
    /// (FM 301 names), in that order in every sweep.
    pub volume: PolarVolume,
    /// Per sweep, in scan order.
    pub truth: Vec<SweepTruth>,
}

/// Names and units of the measured moments, in sweep order.
const MOMENTS: [(&str, &str); 9] = [
    ("DBZH", "dBZ"),
    ("DBTH", "dBZ"),
    ("ZDR", "dB"),
    ("RHOHV", "unitless"),
    ("PHIDP", "degrees"),
    ("KDP", "degrees/km"),
    ("VRADH", "m/s"),
    ("WRADH", "m/s"),
    ("SNRH", "dB"),
];

/// Scans a scene with a radar: a polar volume with the known truth of every gate.
///
/// Random noise comes from one stream per (scene, sweep, ray), so the result is identical for any number of
/// threads. Rays run in parallel (rayon), sweeps one after the other.
///
/// # Shape
/// One sweep per elevation, every moment `(n_rays, n_gates)`.
///
/// # Errors
/// [`Error::Parameter`] for an invalid radar configuration, [`Error::Limits`] beyond [`MAX_VOLUME_GATES`],
/// [`Error::Unsupported`] if the scene's projection cannot be evaluated.
///
/// # Examples
/// ```
/// use squall::synth::{polar_volume, site_at, RadarConfig, SceneConfig};
/// let sequence = SceneConfig::convective(3, 96).unwrap().generate().unwrap();
/// let scene = sequence.scene_3d(0).unwrap();
/// let mut radar = RadarConfig::x_band(site_at(&scene.spec, 0.0, 0.0, "XSYN").unwrap());
/// radar.elevations_deg.truncate(2);
/// let synthetic = polar_volume(&scene, &radar).unwrap();
/// assert_eq!(synthetic.volume.sweeps.len(), 2);
/// assert_eq!(synthetic.volume.sweeps[0].moment("PHIDP").unwrap().values.dim(), (360, 400));
/// synthetic.volume.validate().unwrap();
/// ```
pub fn polar_volume(scene: &Scene3d, radar: &RadarConfig) -> Result<SyntheticVolume> {
    radar.validate()?;
    let physics = BandPhysics::new(radar.frequency_mhz);
    let cells = scene.prepare();
    let ranges: Vec<f64> = (0..radar.n_gates)
        .map(|g| f64::from(radar.first_gate_m) + g as f64 * f64::from(radar.gate_spacing_m))
        .collect();
    let last_range = ranges.last().copied().unwrap_or(0.0);
    let s_max = radar
        .elevations_deg
        .iter()
        .map(|&e| radar.earth.ground_range_m(last_range, f64::from(e)))
        .fold(0.0, f64::max);
    let n_points = (s_max / TRACK_STEP_M).ceil() as usize + 2;
    let tracks = (0..radar.n_rays)
        .into_par_iter()
        .map(|i| Track::new(scene, radar, azimuth_deg(i, radar.n_rays), n_points))
        .collect::<Result<Vec<Track>>>()?;
    let candidates: Vec<Vec<usize>> = tracks.par_iter().map(|t| t.candidates(&cells)).collect();
    let context = Context {
        scene,
        radar,
        physics,
        cells: &cells,
        ranges: &ranges,
        max_height_m: scene.max_echo_height_m(),
        attenuation: attenuation_coefficients(radar.band()),
    };
    let mut sweeps = Vec::with_capacity(radar.elevations_deg.len());
    let mut truth = Vec::with_capacity(radar.elevations_deg.len());
    for (j, &elevation) in radar.elevations_deg.iter().enumerate() {
        let el = f64::from(elevation);
        let heights: Vec<f64> = ranges
            .iter()
            .map(|&r| radar.earth.beam_height_m(r, el) + radar.site.altitude_m)
            .collect();
        let ground: Vec<f64> = ranges
            .iter()
            .map(|&r| radar.earth.ground_range_m(r, el))
            .collect();
        let n = radar.n_rays * radar.n_gates;
        // Buffers in RayOutput order: the measured moments (NaN = no echo), then the truth.
        let mut buffers: Vec<Vec<f32>> = (0..MOMENTS.len() + TRUTH_FIELDS)
            .map(|k| vec![if k < MOMENTS.len() + 2 { f32::NAN } else { 0.0 }; n])
            .collect();
        let mut classes = vec![Hydrometeor::None; n];
        let mut rays: Vec<RayOutput<'_>> = classes
            .chunks_mut(radar.n_gates)
            .map(|class| RayOutput {
                fields: Vec::with_capacity(MOMENTS.len() + TRUTH_FIELDS),
                class,
            })
            .collect();
        for buffer in buffers.iter_mut() {
            for (ray, chunk) in rays.iter_mut().zip(buffer.chunks_mut(radar.n_gates)) {
                ray.fields.push(chunk);
            }
        }
        rays.par_iter_mut().enumerate().for_each(|(i, out)| {
            let mut rng = stream_rng(scene.noise_seed, &[j as u64, i as u64]);
            let ray = Ray {
                track: &tracks[i],
                candidates: &candidates[i],
                elevation_deg: el,
                heights: &heights,
                ground: &ground,
            };
            context.ray(&ray, &mut rng, out);
        });
        drop(rays);
        let (sweep, sweep_truth) = assemble(radar, j, elevation, buffers, classes, &heights)?;
        sweeps.push(sweep);
        truth.push(sweep_truth);
    }
    Ok(SyntheticVolume {
        volume: PolarVolume {
            site: radar.site.clone(),
            frequency_mhz: Some(radar.frequency_mhz),
            beam_width_deg: radar.beam_width_deg,
            start_time: scene.time,
            sweeps,
        },
        truth,
    })
}

fn azimuth_deg(i: usize, n: usize) -> f64 {
    (i as f64 + 0.5) * 360.0 / n as f64
}

/// The ground track of one azimuth in the scene projection, every [`TRACK_STEP_M`] of ground range.
struct Track {
    xy: Vec<(f64, f64)>,
    /// Unit direction of each segment `k → k + 1`.
    direction: Vec<(f64, f64)>,
}

impl Track {
    fn new(
        scene: &Scene3d,
        radar: &RadarConfig,
        azimuth_deg: f64,
        n_points: usize,
    ) -> Result<Track> {
        let xy = (0..n_points)
            .map(|k| {
                let (lon, lat) = destination(
                    radar.site.latitude_deg,
                    radar.site.longitude_deg,
                    azimuth_deg,
                    k as f64 * TRACK_STEP_M,
                );
                scene.spec.projection.forward(lon, lat)
            })
            .collect::<Result<Vec<(f64, f64)>>>()?;
        let direction = xy
            .windows(2)
            .map(|w| {
                let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
                let norm = dx.hypot(dy).max(1e-12);
                (dx / norm, dy / norm)
            })
            .collect();
        Ok(Track { xy, direction })
    }

    /// Position `(x, y)` and unit direction `(e_x, e_y)` of the ray at ground range `s` (m).
    fn at(&self, s: f64) -> (f64, f64, f64, f64) {
        let k = (s / TRACK_STEP_M).max(0.0);
        let i = (k.floor() as usize).min(self.xy.len() - 2);
        let f = k - i as f64;
        let (a, b) = (self.xy[i], self.xy[i + 1]);
        let (ex, ey) = self.direction[i];
        (a.0 + f * (b.0 - a.0), a.1 + f * (b.1 - a.1), ex, ey)
    }

    /// The cells that can contribute somewhere along this track.
    fn candidates(&self, cells: &[PreparedCell]) -> Vec<usize> {
        cells
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let limit = (c.reach_m + TRACK_STEP_M).powi(2);
                self.xy
                    .iter()
                    .any(|&(x, y)| (x - c.x).powi(2) + (y - c.y).powi(2) <= limit)
            })
            .map(|(i, _)| i)
            .collect()
    }
}

/// Longitude and latitude (degrees) at `distance_m` along the great circle leaving `(lat, lon)` at `bearing_deg`
/// (clockwise from north), on a sphere of [`EARTH_RADIUS_M`].
fn destination(lat_deg: f64, lon_deg: f64, bearing_deg: f64, distance_m: f64) -> (f64, f64) {
    let (phi1, lambda1, theta) = (
        lat_deg.to_radians(),
        lon_deg.to_radians(),
        bearing_deg.to_radians(),
    );
    let delta = distance_m / EARTH_RADIUS_M;
    let sin_phi2 = phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * theta.cos();
    let phi2 = sin_phi2.clamp(-1.0, 1.0).asin();
    let lambda2 = lambda1
        + (theta.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * sin_phi2);
    (lambda2.to_degrees(), phi2.to_degrees())
}

/// What every ray needs.
struct Context<'a> {
    scene: &'a Scene3d,
    radar: &'a RadarConfig,
    physics: BandPhysics,
    cells: &'a [PreparedCell],
    ranges: &'a [f64],
    max_height_m: f64,
    attenuation: (f64, f64),
}

/// The geometry of one ray of one sweep.
#[derive(Clone, Copy)]
struct Ray<'a> {
    track: &'a Track,
    /// Cells that can contribute along the track.
    candidates: &'a [usize],
    elevation_deg: f64,
    /// Beam-centre height above mean sea level of each gate, m.
    heights: &'a [f64],
    /// Ground range of each gate, m.
    ground: &'a [f64],
}

/// Number of per-gate truth fields written by a ray: DBZH, ZDR, KDP, ΦDP path, PIA_H, PIA_DP.
const TRUTH_FIELDS: usize = 6;

/// Where one ray writes: `fields` are the [`MOMENTS`] then the [`TRUTH_FIELDS`], each `(n_gates,)`.
struct RayOutput<'a> {
    fields: Vec<&'a mut [f32]>,
    class: &'a mut [Hydrometeor],
}

impl Context<'_> {
    fn ray(&self, ray: &Ray<'_>, rng: &mut ChaCha8Rng, out: &mut RayOutput<'_>) {
        let Ray {
            track,
            candidates,
            elevation_deg,
            heights,
            ground,
        } = *ray;
        let n = self.ranges.len();
        let (moments, truth) = out.fields.split_at_mut(MOMENTS.len());
        let radar = self.radar;
        let noise = radar.noise;
        let (alpha, beta) = self.attenuation;
        let dr_km = f64::from(radar.gate_spacing_m) / 1_000.0;
        let (sin_el, cos_el) = elevation_deg.to_radians().sin_cos();
        let vn = f64::from(radar.nyquist_mps);
        let mut kdp_sum = 0.0;
        for g in 0..n {
            let h = heights[g];
            if h > self.max_height_m {
                // Above every echo: nothing more to add to the path integrals here.
                let phi = 2.0 * dr_km * kdp_sum;
                truth[3][g] = phi as f32;
                truth[4][g] = (alpha * phi) as f32;
                truth[5][g] = (beta * phi) as f32;
                continue;
            }
            let (x, y, ex, ey) = track.at(ground[g]);
            let p = self
                .scene
                .sample_prepared(self.cells, candidates, x, y, h, &self.physics);
            let kdp = p.kdp_deg_per_km;
            let phi_path = 2.0 * dr_km * (kdp_sum + 0.5 * kdp);
            kdp_sum += kdp;
            let (pia_h, pia_dp) = (alpha * phi_path, beta * phi_path);
            truth[2][g] = kdp as f32;
            truth[3][g] = phi_path as f32;
            truth[4][g] = pia_h as f32;
            truth[5][g] = pia_dp as f32;
            out.class[g] = p.class;
            if p.reflectivity_mm6_m3 <= 0.0 {
                continue;
            }
            let dbz_true = p.dbz();
            truth[0][g] = dbz_true as f32;
            truth[1][g] = p.zdr_db as f32;
            let mut normal = || rng.sample::<f64, _>(StandardNormal);
            let dbz = dbz_true - pia_h + noise.dbzh_db * normal();
            let range_km = (self.ranges[g] / 1_000.0).max(1e-3);
            let snr = dbz - radar.noise_dbz_at_1km - 20.0 * range_km.log10();
            if snr < 0.0 {
                continue;
            }
            let snr_linear = linear(snr);
            let degrade = (1.0 + 1.0 / snr_linear).sqrt();
            let zdr = p.zdr_db - pia_dp + noise.zdr_db * degrade * normal();
            let rhohv = (p.rhohv * snr_linear / (1.0 + snr_linear)
                + noise.rhohv * degrade * normal())
            .min(1.0);
            let phidp = (radar.system_phidp_deg + phi_path + noise.phidp_deg * degrade * normal())
                .rem_euclid(360.0);
            let (u, v) = self.scene.motion.velocity(x, y);
            let radial = (u * ex + v * ey) * cos_el - p.fall_speed_mps * sin_el
                + noise.vradh_mps * degrade * normal();
            let folded = (radial + vn).rem_euclid(2.0 * vn) - vn;
            let width =
                1.0 + 2.0 * ((dbz_true - 30.0) / 25.0).clamp(0.0, 1.0) + 0.3 * normal().abs();
            let dbth = dbz + 0.2 + 0.3 * normal().abs();
            let values = [dbz, dbth, zdr, rhohv, phidp, kdp, folded, width, snr];
            for (m, v) in moments.iter_mut().zip(values) {
                m[g] = v as f32;
            }
        }
    }
}

/// Builds a sweep and its truth from the filled buffers (`(n_rays·n_gates)` each, in [`RayOutput`] order).
fn assemble(
    radar: &RadarConfig,
    j: usize,
    elevation: f32,
    buffers: Vec<Vec<f32>>,
    classes: Vec<Hydrometeor>,
    heights: &[f64],
) -> Result<(Sweep, SweepTruth)> {
    let shape = (radar.n_rays, radar.n_gates);
    let to_array = |v: Vec<f32>| {
        let found = v.len();
        Array2::from_shape_vec(shape, v).map_err(|_| Error::Shape {
            what: "synthetic sweep buffer".to_owned(),
            expected: format!("{shape:?}"),
            found: format!("({found},)"),
        })
    };
    let mut arrays = buffers
        .into_iter()
        .map(to_array)
        .collect::<Result<Vec<Array2<f32>>>>()?
        .into_iter();
    let moments = MOMENTS
        .iter()
        .zip(arrays.by_ref())
        .map(|(&(name, units), values)| Moment {
            name: name.to_owned(),
            units: units.to_owned(),
            status: values.mapv(|v| {
                if v.is_finite() {
                    GateStatus::Valid
                } else {
                    GateStatus::NoEcho
                }
            }),
            values,
        })
        .collect();
    let start = j as f64 * radar.sweep_duration_s;
    let n_rays = radar.n_rays;
    let sweep = Sweep {
        mode: SweepMode::Ppi,
        fixed_angle_deg: elevation,
        azimuth_deg: (0..n_rays).map(|i| azimuth_deg(i, n_rays) as f32).collect(),
        elevation_deg: vec![elevation; n_rays],
        time_s: (0..n_rays)
            .map(|i| start + radar.sweep_duration_s * i as f64 / n_rays as f64)
            .collect(),
        first_gate_m: radar.first_gate_m,
        gate_spacing_m: radar.gate_spacing_m,
        nyquist_mps: Some(radar.nyquist_mps),
        moments,
    };
    let mut next = || arrays.next().unwrap_or_else(|| Array2::zeros(shape));
    let truth = SweepTruth {
        dbzh: next(),
        zdr_db: next(),
        kdp_deg_per_km: next(),
        phidp_path_deg: next(),
        pia_h_db: next(),
        pia_dp_db: next(),
        hydrometeor: Array2::from_shape_vec(shape, classes).map_err(|_| Error::Shape {
            what: "synthetic hydrometeor buffer".to_owned(),
            expected: format!("{shape:?}"),
            found: "other".to_owned(),
        })?,
        beam_height_m: heights.iter().map(|&h| h as f32).collect(),
    };
    Ok((sweep, truth))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{CellId, CellSpec, MotionField, SceneConfig};

    /// One steady cell at `(x, y)` on a 201-km grid centred on the radar.
    fn cell_scene(x: f64, y: f64, peak: f64, radius: f64, motion: MotionField) -> Scene3d {
        let spec = GridSpec::centred_on(23.0, 113.0, 201, 1_000.0).unwrap();
        let mut config = SceneConfig::new(17, spec);
        config.n_frames = 1;
        config.motion = motion;
        config
            .cells
            .push(CellSpec::new(CellId(1), x, y, peak, radius));
        config.generate().unwrap().scene_3d(0).unwrap()
    }

    fn radar(scene: &Scene3d, x: f64, y: f64, make: fn(Site) -> RadarConfig) -> RadarConfig {
        make(site_at(&scene.spec, x, y, "TEST").unwrap())
    }

    /// Bitwise equality of every moment and truth array (`NaN` equals `NaN`).
    fn identical(a: &SyntheticVolume, b: &SyntheticVolume) -> bool {
        let bits = |x: &Array2<f32>| x.mapv(f32::to_bits);
        let sweeps = a.volume.sweeps.iter().zip(&b.volume.sweeps).all(|(s, t)| {
            s.moments.iter().zip(&t.moments).all(|(m, n)| {
                m.name == n.name && m.status == n.status && bits(&m.values) == bits(&n.values)
            })
        });
        let truth = a.truth.iter().zip(&b.truth).all(|(s, t)| {
            bits(&s.dbzh) == bits(&t.dbzh)
                && bits(&s.zdr_db) == bits(&t.zdr_db)
                && s.phidp_path_deg == t.phidp_path_deg
                && s.hydrometeor == t.hydrometeor
        });
        sweeps && truth && a.volume.sweeps.len() == b.volume.sweeps.len()
    }

    /// The ray closest to an azimuth.
    fn ray_at(radar: &RadarConfig, azimuth: f64) -> usize {
        (azimuth / 360.0 * radar.n_rays as f64).floor() as usize % radar.n_rays
    }

    #[test]
    fn s_band_volume_has_the_configured_shape_and_is_reproducible() {
        let sequence = SceneConfig::convective(8, 256).unwrap().generate().unwrap();
        let scene = sequence.scene_3d(4).unwrap();
        let radar = radar(&scene, 0.0, 0.0, RadarConfig::s_band_vcp21);
        let start = std::time::Instant::now();
        let a = polar_volume(&scene, &radar).unwrap();
        let elapsed = start.elapsed();
        eprintln!("S-band VCP 21 volume: {elapsed:?}");
        assert_eq!(a.volume.sweeps.len(), 9);
        assert_eq!(a.truth.len(), 9);
        for (sweep, &el) in a.volume.sweeps.iter().zip(&radar.elevations_deg) {
            assert_eq!(sweep.fixed_angle_deg, el);
            assert_eq!(sweep.n_rays(), 360);
            assert_eq!(sweep.n_gates(), 920);
            let names: Vec<&str> = sweep.moments.iter().map(|m| m.name.as_str()).collect();
            assert_eq!(
                names,
                [
                    "DBZH", "DBTH", "ZDR", "RHOHV", "PHIDP", "KDP", "VRADH", "WRADH", "SNRH"
                ]
            );
        }
        a.volume.validate().unwrap();
        let valid = a.volume.sweeps[0].moment("DBZH").unwrap().summary().valid;
        assert!(valid > 1_000, "{valid}");
        let b = polar_volume(&scene, &radar).unwrap();
        assert!(identical(&a, &b));
        let single = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| polar_volume(&scene, &radar).unwrap());
        assert!(identical(&a, &single));
        // Another seed changes the noise.
        let mut other = scene.clone();
        other.noise_seed ^= 1;
        let c = polar_volume(&other, &radar).unwrap();
        assert_ne!(
            a.volume.sweeps[0].moment("ZDR").unwrap().values,
            c.volume.sweeps[0].moment("ZDR").unwrap().values
        );
    }

    #[test]
    fn gates_above_the_storm_top_have_no_echo() {
        let scene = cell_scene(60_000.0, 0.0, 55.0, 6_000.0, MotionField::default());
        let top = scene.cells[0].top_m;
        let radar = radar(&scene, 0.0, 0.0, RadarConfig::s_band_vcp21);
        let v = polar_volume(&scene, &radar).unwrap();
        let (mut above, mut echoes) = (0, 0);
        for (sweep, truth) in v.volume.sweeps.iter().zip(&v.truth) {
            let dbzh = sweep.moment("DBZH").unwrap();
            for ((_, g), status) in dbzh.status.indexed_iter() {
                if f64::from(truth.beam_height_m[g]) > top + 1_500.0 {
                    above += 1;
                    assert_eq!(*status, GateStatus::NoEcho);
                } else if *status == GateStatus::Valid {
                    echoes += 1;
                }
            }
        }
        assert!(above > 100_000 && echoes > 500, "{above} {echoes}");
        // The lowest tilt sees the core (at 60 km the 0.5° beam is ≈ 0.7 km high).
        let ray = ray_at(&radar, 90.0);
        let gate = 240; // 60.1 km
        let dbz = v.volume.sweeps[0].moment("DBZH").unwrap().values[[ray, gate]];
        assert!((f64::from(dbz) - 55.0).abs() < 1.0, "{dbz}");
        // At 19.5° the beam crosses 60 km at ≈ 21 km height: above the top.
        assert_eq!(
            v.volume.sweeps[8].moment("DBZH").unwrap().status[[ray, 240]],
            GateStatus::NoEcho
        );
    }

    #[test]
    fn x_band_reflectivity_is_attenuated_behind_a_heavy_core() {
        let scene = cell_scene(20_000.0, 0.0, 58.0, 4_000.0, MotionField::default());
        let radar = radar(&scene, 0.0, 0.0, RadarConfig::x_band);
        let v = polar_volume(&scene, &radar).unwrap();
        for (sweep, truth) in v.volume.sweeps.iter().zip(&v.truth) {
            let dbzh = sweep.moment("DBZH").unwrap();
            for (m, t) in dbzh.values.iter().zip(truth.dbzh.iter()) {
                if m.is_finite() {
                    assert!(m <= t, "measured {m} > true {t}");
                }
            }
        }
        // Lowest tilt, the ray through the core: 8 km behind it the echo is > 3 dB weaker than the truth.
        let ray = ray_at(&radar, 90.0);
        let (measured, truth) = (
            &v.volume.sweeps[0].moment("DBZH").unwrap().values,
            &v.truth[0],
        );
        let gate = ((28_000.0 - 75.0) / 150.0) as usize;
        assert!(
            truth.pia_h_db[[ray, gate]] > 3.0,
            "{}",
            truth.pia_h_db[[ray, gate]]
        );
        let (m, t) = (measured[[ray, gate]], truth.dbzh[[ray, gate]]);
        assert!(!m.is_finite() || m < t - 3.0, "{m} vs {t}");
        // ZDR is attenuated too.
        assert!(truth.pia_dp_db[[ray, gate]] > 0.4);
    }

    #[test]
    fn phidp_increases_along_a_ray_through_rain_and_kdp_vanishes_outside() {
        let scene = cell_scene(25_000.0, 0.0, 52.0, 5_000.0, MotionField::default());
        let radar = radar(&scene, 0.0, 0.0, RadarConfig::x_band);
        let v = polar_volume(&scene, &radar).unwrap();
        let ray = ray_at(&radar, 90.0);
        let sweep = &v.volume.sweeps[0];
        let truth = &v.truth[0];
        let phidp = sweep.moment("PHIDP").unwrap();
        let path = truth.phidp_path_deg.row(ray);
        assert!(path.windows(2).into_iter().all(|w| w[1] >= w[0]));
        assert!(path[path.len() - 1] > 20.0, "{}", path[path.len() - 1]);
        let snr = sweep.moment("SNRH").unwrap();
        let mut previous: Option<f32> = None;
        for g in 0..radar.n_gates {
            let value = phidp.values[[ray, g]];
            if !value.is_finite() {
                continue;
            }
            let snr_linear = 10f64.powf(0.1 * f64::from(snr.values[[ray, g]]));
            let sigma = radar.noise.phidp_deg * (1.0 + 1.0 / snr_linear).sqrt();
            let expected = radar.system_phidp_deg + f64::from(path[g]);
            assert!(
                (f64::from(value) - expected).abs() < 5.0 * sigma,
                "gate {g}: {value} vs {expected}"
            );
            if let Some(p) = previous {
                assert!(value > p - 15.0, "gate {g}: {value} after {p}");
            }
            previous = Some(value);
        }
        // No rain, no KDP: ice aloft and empty gates.
        for (sweep, truth) in v.volume.sweeps.iter().zip(&v.truth) {
            let kdp = sweep.moment("KDP").unwrap();
            for ((k, t), class) in kdp
                .values
                .iter()
                .zip(truth.kdp_deg_per_km.iter())
                .zip(truth.hydrometeor.iter())
            {
                match class {
                    Hydrometeor::None => assert_eq!(*t, 0.0),
                    Hydrometeor::Ice => assert!(*t < 0.2 && (!k.is_finite() || *k < 0.2)),
                    _ => {}
                }
            }
        }
    }

    #[test]
    fn s_band_attenuation_is_negligible_for_a_typical_path() {
        let scene = cell_scene(50_000.0, 0.0, 45.0, 6_000.0, MotionField::default());
        let radar = radar(&scene, 0.0, 0.0, RadarConfig::s_band_vcp21);
        let v = polar_volume(&scene, &radar).unwrap();
        let max = v.truth[0].pia_h_db.iter().fold(0.0f32, |m, &x| m.max(x));
        assert!(max > 0.05 && max < 0.5, "{max}");
        let x = polar_volume(&scene, &radar_x(&scene)).unwrap();
        let max_x = x.truth[0].pia_h_db.iter().fold(0.0f32, |m, &x| m.max(x));
        assert!(max_x > 5.0 * max, "{max_x} vs {max}");
    }

    fn radar_x(scene: &Scene3d) -> RadarConfig {
        let mut r = radar(scene, 0.0, 0.0, RadarConfig::x_band);
        r.n_gates = 600;
        r
    }

    #[test]
    fn doppler_velocity_projects_the_flow_and_folds() {
        let east = MotionField::Uniform { u: 10.0, v: 0.0 };
        let scene = cell_scene(30_000.0, 0.0, 50.0, 8_000.0, east);
        let mut r = radar(&scene, 0.0, 0.0, RadarConfig::x_band);
        r.noise.vradh_mps = 0.0;
        let v = polar_volume(&scene, &r).unwrap();
        let ray = ray_at(&r, 90.0);
        let gate = ((30_000.0 - 75.0) / 150.0) as usize;
        let el = f64::from(r.elevations_deg[0]).to_radians();
        let fall = crate::synth::microphysics::rain_fall_speed_mps(10f64.powf(5.0));
        let expected = 10.0 * el.cos() - fall * el.sin();
        let got = f64::from(v.volume.sweeps[0].moment("VRADH").unwrap().values[[ray, gate]]);
        assert!((got - expected).abs() < 0.1, "{got} vs {expected}");
        // Towards the radar on the other side of the cell? The cell is east only; check folding instead.
        let fast = cell_scene(
            30_000.0,
            0.0,
            50.0,
            8_000.0,
            MotionField::Uniform { u: 30.0, v: 0.0 },
        );
        let w = polar_volume(&fast, &r).unwrap();
        let folded = f64::from(w.volume.sweeps[0].moment("VRADH").unwrap().values[[ray, gate]]);
        let unfolded = 30.0 * el.cos() - fall * el.sin();
        assert!((folded - (unfolded - 32.0)).abs() < 0.1, "{folded}");
    }

    #[test]
    fn off_centre_radar_sees_the_cell_at_the_right_range() {
        let scene = cell_scene(20_000.0, 0.0, 50.0, 3_000.0, MotionField::default());
        // Radar 40 km west of the grid centre: the cell is 60 km due east (nearly: the projection is about the
        // grid centre, not the radar).
        let r = radar(&scene, -40_000.0, 0.0, RadarConfig::s_band_vcp21);
        let v = polar_volume(&scene, &r).unwrap();
        let truth = &v.truth[0].dbzh;
        let (mut best, mut at) = (f32::NEG_INFINITY, (0, 0));
        for ((i, g), &d) in truth.indexed_iter() {
            if d > best {
                best = d;
                at = (i, g);
            }
        }
        let range = f64::from(r.first_gate_m) + at.1 as f64 * f64::from(r.gate_spacing_m);
        let azimuth = azimuth_deg(at.0, r.n_rays);
        assert!((range - 60_000.0).abs() < 500.0, "{range}");
        assert!((azimuth - 90.0).abs() < 1.0, "{azimuth}");
        assert!(best > 49.0);
    }

    #[test]
    fn bad_radar_configurations_are_refused() {
        let scene = cell_scene(0.0, 0.0, 40.0, 2_000.0, MotionField::default());
        let mut r = radar(&scene, 0.0, 0.0, RadarConfig::s_band_vcp21);
        r.n_gates = 0;
        assert!(matches!(
            polar_volume(&scene, &r),
            Err(Error::Parameter { .. })
        ));
        r.n_gates = 100_000;
        r.n_rays = 3_600;
        assert!(matches!(
            polar_volume(&scene, &r),
            Err(Error::Limits { .. })
        ));
    }
}
