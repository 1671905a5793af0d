//! Gates grouped into small polar bins (a few neighbouring rays × a few gates) no larger than a set fraction of
//! the radius of influence, so that the grid mapping weighs bins rather than every single gate.

use std::borrow::Cow;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::geo::FourThirdsEarth;
use crate::volume::{GateStatus, PolarVolume, Sweep, SweepMode};

use super::RadiusOfInfluence;

/// One run of gates along the rays of a sweep, cut into blocks of `rays_per_bin` neighbouring rays.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RangeBin {
    /// First gate (inclusive).
    pub gate_start: u32,
    /// Last gate (exclusive).
    pub gate_end: u32,
    /// Rays (in azimuth order) per bin.
    pub rays_per_bin: u32,
    /// Index of the first bin of this run (bins of a sweep are numbered from 0).
    pub first_bin: u32,
    /// Index of the run's blocks in [`SweepBins::blocks`].
    pub blocks: u32,
    /// Slant range of the run's middle, m.
    pub mid_range_m: f64,
    /// Ground range of the run's middle at the sweep's mean elevation, m.
    pub ground_range_m: f64,
    /// Beam height of the run's middle at the sweep's mean elevation, m above the antenna.
    pub beam_height_m: f64,
    /// Radius of influence of the run's bins, m.
    pub roi_m: f64,
}

/// A block of neighbouring rays: the direction and elevation of its bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RayBlock {
    /// Sine of the mean azimuth of the block's rays (clockwise from north).
    pub sin_azimuth: f64,
    /// Cosine of the mean azimuth.
    pub cos_azimuth: f64,
    /// Mean elevation of the block's rays minus the sweep's mean elevation, radians.
    pub d_elevation_rad: f64,
}

/// The bins of one sweep.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SweepBins {
    /// Index of the sweep in the volume.
    pub sweep: usize,
    /// Global index of the sweep's first bin.
    pub first_bin: usize,
    /// Number of bins of the sweep.
    pub n_bins: usize,
    /// Runs along the rays, in range order.
    pub runs: Vec<RangeBin>,
    /// The ray blocks, one list per block size used by a run (all runs of a sweep share them).
    pub blocks: Vec<Vec<RayBlock>>,
    /// Sine and cosine of the sweep's mean elevation.
    pub sin_cos_elevation: (f64, f64),
    /// Antenna altitude, m above mean sea level.
    pub altitude_m: f64,
}

/// The centre of a bin in grid coordinates and its radius of influence (metres).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BinCentre {
    /// Sine of the mean azimuth of the bin's rays (clockwise from north).
    pub sin_azimuth: f64,
    /// Cosine of the mean azimuth.
    pub cos_azimuth: f64,
    /// Ground range from the radar, m.
    pub ground_range_m: f64,
    /// Height above mean sea level, m.
    pub height_m: f64,
    /// Radius of influence, m.
    pub roi_m: f64,
}

impl SweepBins {
    /// The centre of the bin of `run` at `block`: the run's beam height and ground range at the sweep's mean
    /// elevation, corrected to first order for the block's own mean elevation (rays deviate by a few tenths of
    /// a degree at most).
    pub fn centre(&self, run: &RangeBin, block: &RayBlock) -> BinCentre {
        let (sin_el, cos_el) = self.sin_cos_elevation;
        BinCentre {
            sin_azimuth: block.sin_azimuth,
            cos_azimuth: block.cos_azimuth,
            ground_range_m: run.ground_range_m - run.mid_range_m * sin_el * block.d_elevation_rad,
            height_m: run.beam_height_m
                + run.mid_range_m * cos_el * block.d_elevation_rad
                + self.altitude_m,
            roi_m: run.roi_m,
        }
    }
}

/// Per bin: the sum of the valid values, the number of valid gates and the number of no-echo gates.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct BinSum {
    pub sum: f32,
    pub valid: f32,
    pub no_echo: f32,
}

/// Whether a sweep can be gridded: a PPI or sector sweep with rays and gates.
pub(crate) fn usable(sweep: &Sweep) -> bool {
    matches!(sweep.mode, SweepMode::Ppi | SweepMode::Sector)
        && sweep.n_rays() > 0
        && sweep.n_gates() > 0
        && sweep.gate_spacing_m > 0.0
        && sweep.gate_spacing_m.is_finite()
        && sweep.first_gate_m.is_finite()
}

/// The rays of a sweep sorted by azimuth (NaN azimuths last).
pub(crate) fn ray_order(sweep: &Sweep) -> Vec<u32> {
    let mut order: Vec<u32> = (0..sweep.n_rays() as u32).collect();
    order.sort_by(|&a, &b| sweep.azimuth_deg[a as usize].total_cmp(&sweep.azimuth_deg[b as usize]));
    order
}

/// Median spacing of sorted azimuths, radians (the nominal 360°/n for a full circle).
fn azimuth_spacing_rad(sweep: &Sweep, order: &[u32]) -> f64 {
    if sweep.mode == SweepMode::Ppi || order.len() < 3 {
        return (360.0 / order.len().max(1) as f64).to_radians();
    }
    let mut gaps: Vec<f32> = order
        .windows(2)
        .map(|w| sweep.azimuth_deg[w[1] as usize] - sweep.azimuth_deg[w[0] as usize])
        .filter(|d| d.is_finite() && *d > 0.0)
        .collect();
    gaps.sort_by(f32::total_cmp);
    gaps.get(gaps.len() / 2)
        .map_or(1.0f64.to_radians(), |&g| f64::from(g).to_radians())
}

/// What limits the gates that can reach the grid.
pub(crate) struct Reach {
    /// Largest ground distance from the radar to a grid cell, m.
    pub max_ground_range_m: f64,
    /// Top grid level, m above mean sea level.
    pub top_m: f64,
}

/// Lays out the bins of every usable sweep and returns them with the total number of bins.
///
/// `bin_fraction` is the largest bin size as a fraction of the local radius of influence (0: one gate per bin).
pub(crate) fn layout(
    volume: &PolarVolume,
    roi: &RadiusOfInfluence,
    bin_fraction: f64,
    reach: &Reach,
) -> Result<(Vec<SweepBins>, usize)> {
    let earth = FourThirdsEarth::default();
    let altitude = volume.site.altitude_m;
    let mut sweeps = Vec::new();
    let mut n_bins = 0usize;
    for (index, sweep) in volume.sweeps.iter().enumerate() {
        if !usable(sweep) {
            continue;
        }
        let order = ray_order(sweep);
        let n_rays = order.len();
        let spacing = f64::from(sweep.gate_spacing_m);
        let first = f64::from(sweep.first_gate_m);
        let d_az = azimuth_spacing_rad(sweep, &order);
        let elevation = f64::from(sweep.mean_elevation_deg());
        if !elevation.is_finite() {
            return Err(Error::parameter(
                "elevation_deg",
                elevation,
                format!("sweep {index} has no finite ray elevation"),
            ));
        }
        // Sine, cosine and elevation of each ray in azimuth order, once per sweep.
        let rays: Vec<(f64, f64, f64)> = order
            .iter()
            .map(|&ray| {
                let (sin, cos) = f64::from(sweep.azimuth_deg[ray as usize])
                    .to_radians()
                    .sin_cos();
                let e = f64::from(sweep.elevation_deg[ray as usize]);
                (sin, cos, if e.is_finite() { e } else { elevation })
            })
            .collect();
        let mut bins = SweepBins {
            sweep: index,
            first_bin: n_bins,
            n_bins: 0,
            runs: Vec::new(),
            blocks: Vec::new(),
            sin_cos_elevation: elevation.to_radians().sin_cos(),
            altitude_m: altitude,
        };
        // Block size of each entry of `bins.blocks`.
        let mut block_sizes: Vec<usize> = Vec::new();
        let mut gate = 0usize;
        let n_gates = sweep.n_gates();
        while gate < n_gates {
            let range = first + gate as f64 * spacing;
            let h = earth.beam_height_m(range, elevation);
            let s = earth.ground_range_m(range, elevation);
            let r = roi.radius_m(s.hypot(h));
            if s > reach.max_ground_range_m + r || h + altitude > reach.top_m + r {
                break;
            }
            let target = bin_fraction * r;
            let gates_per_bin = ((target / spacing).floor() as usize).clamp(1, n_gates - gate);
            let rays_per_bin = ((target / (s * d_az).max(1e-3)).floor() as usize).clamp(1, n_rays);
            let blocks = match block_sizes.iter().position(|&n| n == rays_per_bin) {
                Some(k) => k,
                None => {
                    block_sizes.push(rays_per_bin);
                    bins.blocks.push(ray_blocks(&rays, rays_per_bin, elevation));
                    bins.blocks.len() - 1
                }
            };
            let mid_range = first + (gate as f64 + (gates_per_bin as f64 - 1.0) / 2.0) * spacing;
            let beam_height = earth.beam_height_m(mid_range, elevation);
            let ground_range = earth.ground_range_m(mid_range, elevation);
            bins.runs.push(RangeBin {
                gate_start: gate as u32,
                gate_end: (gate + gates_per_bin) as u32,
                rays_per_bin: rays_per_bin as u32,
                first_bin: bins.n_bins as u32,
                blocks: blocks as u32,
                mid_range_m: mid_range,
                ground_range_m: ground_range,
                beam_height_m: beam_height,
                roi_m: roi.radius_m(ground_range.hypot(beam_height)),
            });
            bins.n_bins += bins.blocks[blocks].len();
            gate += gates_per_bin;
        }
        n_bins += bins.n_bins;
        if n_bins > u32::MAX as usize {
            return Err(Error::Limits {
                what: "polar bins".to_owned(),
                requested: n_bins as u64,
                limit: u64::from(u32::MAX),
            });
        }
        sweeps.push(bins);
    }
    Ok((sweeps, n_bins))
}

/// The rays `(sin azimuth, cos azimuth, elevation °)` of a sweep cut into blocks of `rays_per_bin` neighbours
/// (the last block may be smaller), with the blocks' mean directions and elevation offsets from `elevation_deg`.
fn ray_blocks(rays: &[(f64, f64, f64)], rays_per_bin: usize, elevation_deg: f64) -> Vec<RayBlock> {
    rays.chunks(rays_per_bin)
        .map(|block| {
            let (mut sin, mut cos, mut el) = (0.0f64, 0.0f64, 0.0f64);
            for &(s, c, e) in block {
                sin += s;
                cos += c;
                el += e;
            }
            let norm = sin.hypot(cos);
            let (sin, cos) = if norm > 0.0 {
                (sin / norm, cos / norm)
            } else {
                (0.0, 1.0)
            };
            RayBlock {
                sin_azimuth: sin,
                cos_azimuth: cos,
                d_elevation_rad: (el / block.len() as f64 - elevation_deg).to_radians(),
            }
        })
        .collect()
}

/// Sums the valid values and counts the valid and no-echo gates of moment `name` in every bin; `orders[k]` is
/// the azimuth order of the rays of `sweeps[k]` in this volume. Sweeps without the moment leave empty bins.
pub(crate) fn aggregate(
    volume: &PolarVolume,
    name: &str,
    sweeps: &[SweepBins],
    orders: &[Vec<u32>],
    n_bins: usize,
) -> Vec<BinSum> {
    let mut sums = vec![BinSum::default(); n_bins];
    let mut jobs = Vec::with_capacity(sweeps.len());
    let mut rest: &mut [BinSum] = &mut sums;
    let mut offset = 0;
    for (bins, order) in sweeps.iter().zip(orders) {
        let (_, tail) = rest.split_at_mut(bins.first_bin - offset);
        let (mine, tail) = tail.split_at_mut(bins.n_bins);
        offset = bins.first_bin + bins.n_bins;
        rest = tail;
        jobs.push((bins, order, mine));
    }
    jobs.into_par_iter().for_each(|(bins, order, out)| {
        let Some(moment) = volume.sweeps[bins.sweep].moment(name) else {
            return;
        };
        for (position, &ray) in order.iter().enumerate() {
            let values = moment.values.row(ray as usize);
            let status = moment.status.row(ray as usize);
            let values = values
                .as_slice()
                .map_or_else(|| Cow::Owned(values.to_vec()), Cow::Borrowed);
            let status = status
                .as_slice()
                .map_or_else(|| Cow::Owned(status.to_vec()), Cow::Borrowed);
            for run in &bins.runs {
                let bin = &mut out[(run.first_bin + position as u32 / run.rays_per_bin) as usize];
                let gates = run.gate_start as usize..run.gate_end as usize;
                // Without branches: the other gates add +0, which leaves the sums (never −0) unchanged.
                let BinSum {
                    mut sum,
                    mut valid,
                    mut no_echo,
                } = *bin;
                for (&value, &status) in values[gates.clone()].iter().zip(&status[gates]) {
                    let ok = status == GateStatus::Valid && value.is_finite();
                    sum += if ok { value } else { 0.0 };
                    valid += if ok { 1.0 } else { 0.0 };
                    no_echo += if status == GateStatus::NoEcho {
                        1.0
                    } else {
                        0.0
                    };
                }
                *bin = BinSum {
                    sum,
                    valid,
                    no_echo,
                };
            }
        }
    });
    sums
}
