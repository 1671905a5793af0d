//! Radials grouped into sweeps, each on one range axis shared by its moments, decoded in parallel.

use chrono::{DateTime, Utc};
use ndarray::Array2;
use rayon::prelude::*;

use super::messages::Messages;
use super::radial::{GateBlock, Location, Radial};
use super::{BEAM_WIDTH_DEG, FORMAT_NAME, MOMENT_TYPES, NOMINAL_FREQUENCY_MHZ};
use crate::error::{Error, Result};
use crate::io::bytes::check_gate_count;
use crate::volume::{GateStatus, Moment, PolarVolume, Site, Sweep, SweepMode};

/// Gate spacing given to a sweep whose moments hold no gates at all (the WSR-88D super-resolution spacing), m.
const EMPTY_SWEEP_SPACING_M: f64 = 250.0;

/// Builds the volume from the radials (those of message 31, or of message 1 when there are none): one sweep per
/// elevation number in the order of first appearance.
///
/// # Errors
/// [`Error::Decode`] when there is no radial or the first radial's time is out of range; [`Error::Limits`] when the
/// sweeps would hold more than `8 · stream_len + 2²⁴` gates (`stream_len`: bytes of all message segments).
pub fn assemble(
    icao: &str,
    messages: Messages,
    stream_len: usize,
    source_name: &str,
) -> Result<PolarVolume> {
    let decode_error = |reason: String| Error::Decode {
        format: FORMAT_NAME,
        source_name: source_name.to_owned(),
        offset: stream_len as u64,
        reason,
    };
    let Messages {
        generic,
        legacy,
        radial_icao,
        cut_elevations_deg,
    } = messages;
    let radials = if generic.is_empty() { legacy } else { generic };
    let Some(first) = radials.first() else {
        return Err(decode_error(
            "the file holds no radial (message 31 or 1)".to_owned(),
        ));
    };
    let start_time: DateTime<Utc> = DateTime::from_timestamp_millis(first.time_ms)
        .ok_or_else(|| decode_error(format!("radial time {} ms is out of range", first.time_ms)))?;

    let mut numbers: Vec<u16> = Vec::new();
    let mut groups: Vec<Vec<&Radial>> = Vec::new();
    for radial in &radials {
        match numbers.iter().position(|&n| n == radial.elevation_number) {
            Some(i) => groups[i].push(radial),
            None => {
                numbers.push(radial.elevation_number);
                groups.push(vec![radial]);
            }
        }
    }
    let axes: Vec<RangeAxis> = groups.iter().map(|g| RangeAxis::new(g)).collect();
    let requested = axes
        .iter()
        .zip(&groups)
        .map(|(axis, rays)| {
            (rays.len() as u64)
                .saturating_mul(axis.n_gates as u64)
                .saturating_mul(axis.moments.len() as u64)
        })
        .fold(0u64, u64::saturating_add);
    check_gate_count(requested, stream_len, source_name)?;

    let sweeps = groups
        .par_iter()
        .zip(&axes)
        .zip(&numbers)
        .map(|((rays, axis), &number)| {
            let fixed = usize::from(number)
                .checked_sub(1)
                .and_then(|cut| cut_elevations_deg.as_ref()?.get(cut).copied());
            build_sweep(rays, axis, fixed, first.time_ms)
        })
        .collect::<Result<Vec<_>>>()?;

    let location = radials.iter().find_map(|r| r.location).unwrap_or(Location {
        latitude_deg: 0.0,
        longitude_deg: 0.0,
        altitude_m: 0.0,
    });
    let id = if icao.is_empty() {
        radial_icao.unwrap_or_default()
    } else {
        icao.to_owned()
    };
    Ok(PolarVolume {
        site: Site {
            id,
            name: String::new(),
            latitude_deg: location.latitude_deg,
            longitude_deg: location.longitude_deg,
            altitude_m: location.altitude_m,
        },
        frequency_mhz: Some(NOMINAL_FREQUENCY_MHZ),
        beam_width_deg: BEAM_WIDTH_DEG,
        start_time,
        sweeps,
    })
}

/// The range axis of a sweep and the moments on it.
#[derive(Debug, Clone, PartialEq)]
struct RangeAxis {
    /// Indices in [`MOMENT_TYPES`], in order of first appearance.
    moments: Vec<usize>,
    /// Smallest first-gate range of the sweep's moments, m.
    first_gate_m: f64,
    /// Smallest gate spacing of the sweep's moments, m.
    gate_spacing_m: f64,
    /// Gates needed to reach the far edge of the longest ray of any moment.
    n_gates: usize,
}

impl RangeAxis {
    fn new(rays: &[&Radial]) -> RangeAxis {
        let mut moments = Vec::new();
        let (mut first, mut spacing) = (f64::INFINITY, f64::INFINITY);
        for block in rays.iter().flat_map(|r| &r.gates) {
            if !moments.contains(&block.moment) {
                moments.push(block.moment);
            }
            if block.n_gates() > 0 {
                first = first.min(f64::from(block.first_gate_m));
                spacing = spacing.min(f64::from(block.gate_spacing_m));
            }
        }
        if !first.is_finite() {
            return RangeAxis {
                moments,
                first_gate_m: 0.0,
                gate_spacing_m: EMPTY_SWEEP_SPACING_M,
                n_gates: 0,
            };
        }
        let mut axis = RangeAxis {
            moments,
            first_gate_m: first,
            gate_spacing_m: spacing,
            n_gates: 0,
        };
        axis.n_gates = rays
            .iter()
            .flat_map(|r| &r.gates)
            .filter(|b| b.n_gates() > 0)
            .map(|b| axis.gates_to_reach(b))
            .max()
            .unwrap_or(0);
        axis
    }

    /// Number of axis gates whose centres lie before the far edge of the block's last gate (saturating).
    fn gates_to_reach(&self, block: &GateBlock) -> usize {
        let edge = f64::from(block.first_gate_m)
            + (block.n_gates() as f64 - 0.5) * f64::from(block.gate_spacing_m);
        ((edge - self.first_gate_m) / self.gate_spacing_m).ceil() as usize
    }

    /// Whether the block's gates are the axis gates.
    fn is_aligned(&self, block: &GateBlock) -> bool {
        f64::from(block.first_gate_m) == self.first_gate_m
            && f64::from(block.gate_spacing_m) == self.gate_spacing_m
    }

    /// Appends the block's ray on this axis to `values` and `status`: gate by gate when aligned, otherwise the
    /// nearest block gate for each axis gate (ties to the farther gate) and no data outside the block's ray. Appends
    /// at most `n_gates` gates; the caller pads.
    fn decode_into(&self, block: &GateBlock, values: &mut Vec<f32>, status: &mut Vec<GateStatus>) {
        let (scale, offset) = (block.scale, block.offset);
        if self.is_aligned(block) {
            let n = block.n_gates().min(self.n_gates);
            if block.wide {
                let codes = block.data[..2 * n]
                    .chunks_exact(2)
                    .map(|pair| u16::from_be_bytes([pair[0], pair[1]]));
                values.extend(codes.clone().map(|raw| value(raw, scale, offset)));
                status.extend(codes.map(gate_status));
            } else {
                let codes = block.data[..n].iter().map(|&raw| u16::from(raw));
                values.extend(codes.clone().map(|raw| value(raw, scale, offset)));
                status.extend(codes.map(gate_status));
            }
            return;
        }
        let (first, spacing) = (
            f64::from(block.first_gate_m),
            f64::from(block.gate_spacing_m),
        );
        for g in 0..self.n_gates {
            let range = self.first_gate_m + g as f64 * self.gate_spacing_m;
            let nearest = ((range - first) / spacing + 0.5).floor();
            if nearest >= 0.0 && (nearest as usize) < block.n_gates() {
                let raw = block.raw(nearest as usize);
                values.push(value(raw, scale, offset));
                status.push(gate_status(raw));
            } else {
                values.push(f32::NAN);
                status.push(GateStatus::NoData);
            }
        }
    }
}

/// Physical value of a gate code: `(raw − offset) / scale` in `f32`, `NaN` for the reserved codes 0 and 1.
fn value(raw: u16, scale: f32, offset: f32) -> f32 {
    if raw > 1 {
        (f32::from(raw) - offset) / scale
    } else {
        f32::NAN
    }
}

/// Status of a gate code: 0 below threshold, 1 range folded (RDA/RPG ICD Table XVII-I), otherwise valid.
fn gate_status(raw: u16) -> GateStatus {
    match raw {
        0 => GateStatus::NoEcho,
        1 => GateStatus::RangeFolded,
        _ => GateStatus::Valid,
    }
}

fn build_sweep(
    rays: &[&Radial],
    axis: &RangeAxis,
    fixed_angle_deg: Option<f32>,
    start_ms: i64,
) -> Result<Sweep> {
    let moments = axis
        .moments
        .par_iter()
        .map(|&moment| decode_moment(rays, moment, axis))
        .collect::<Result<Vec<_>>>()?;
    let elevation_deg: Vec<f32> = rays.iter().map(|r| r.elevation_deg).collect();
    Ok(Sweep {
        mode: SweepMode::Ppi,
        fixed_angle_deg: fixed_angle_deg.unwrap_or_else(|| median(&elevation_deg)),
        azimuth_deg: rays.iter().map(|r| r.azimuth_deg).collect(),
        elevation_deg,
        time_s: rays
            .iter()
            .map(|r| (r.time_ms - start_ms) as f64 / 1000.0)
            .collect(),
        first_gate_m: axis.first_gate_m as f32,
        gate_spacing_m: axis.gate_spacing_m as f32,
        nyquist_mps: rays.iter().find_map(|r| r.nyquist_mps),
        moments,
    })
}

/// One moment over all rays of a sweep; rays without it are no data.
fn decode_moment(rays: &[&Radial], moment: usize, axis: &RangeAxis) -> Result<Moment> {
    let n_gates = axis.n_gates;
    let mut values = Vec::with_capacity(rays.len() * n_gates);
    let mut status = Vec::with_capacity(rays.len() * n_gates);
    for (ray, radial) in rays.iter().enumerate() {
        if let Some(block) = radial.gates.iter().find(|b| b.moment == moment) {
            axis.decode_into(block, &mut values, &mut status);
        }
        values.resize((ray + 1) * n_gates, f32::NAN);
        status.resize((ray + 1) * n_gates, GateStatus::NoData);
    }
    let kind = &MOMENT_TYPES[moment];
    let shape = (rays.len(), n_gates);
    let shape_error = |what: &str| Error::Shape {
        what: format!("{} {what}", kind.name),
        expected: format!("{shape:?}"),
        found: format!("{} gates", rays.len() * n_gates),
    };
    Ok(Moment {
        name: kind.name.to_owned(),
        units: kind.units.to_owned(),
        values: Array2::from_shape_vec(shape, values).map_err(|_| shape_error("values"))?,
        status: Array2::from_shape_vec(shape, status).map_err(|_| shape_error("status"))?,
    })
}

/// Median of the ray elevations (mean of the middle two for an even count), degrees.
fn median(elevations: &[f32]) -> f32 {
    let mut sorted = elevations.to_vec();
    sorted.sort_by(f32::total_cmp);
    match sorted.len() {
        0 => f32::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(moment: usize, first: f32, spacing: f32, data: &[u8]) -> GateBlock<'_> {
        GateBlock {
            moment,
            first_gate_m: first,
            gate_spacing_m: spacing,
            scale: 2.0,
            offset: 66.0,
            wide: false,
            data,
        }
    }

    fn radial<'a>(elevation_deg: f32, gates: Vec<GateBlock<'a>>) -> Radial<'a> {
        Radial {
            elevation_number: 1,
            azimuth_deg: 0.0,
            elevation_deg,
            time_ms: 0,
            nyquist_mps: None,
            location: None,
            gates,
        }
    }

    #[test]
    fn legacy_reflectivity_fills_the_nearest_fine_gates() {
        // Message 1 style: reflectivity 1 km gates centred at 0.5, 1.5 km; velocity 250 m gates from 375 m.
        let reflectivity = [100u8, 0];
        let velocity = [129u8, 131, 1, 140, 150, 160, 170];
        let ray = radial(
            0.5,
            vec![
                block(0, 500.0, 1000.0, &reflectivity),
                GateBlock {
                    scale: 2.0,
                    offset: 129.0,
                    ..block(1, 375.0, 250.0, &velocity)
                },
            ],
        );
        let axis = RangeAxis::new(&[&ray]);
        assert_eq!((axis.first_gate_m, axis.gate_spacing_m), (375.0, 250.0));
        // The reflectivity ray ends at 2000 m: gates at 375 … 1875 m.
        assert_eq!(axis.n_gates, 7);
        let (mut values, mut status) = (Vec::new(), Vec::new());
        axis.decode_into(&ray.gates[0], &mut values, &mut status);
        // (range − 500) / 1000 rounds to gate 0 for 375–875 m and to gate 1 for 1125–1875 m.
        assert_eq!(values[..3], [17.0, 17.0, 17.0]);
        assert_eq!(status[3..], [GateStatus::NoEcho; 4]);
        let (mut values, mut status) = (Vec::new(), Vec::new());
        axis.decode_into(&ray.gates[1], &mut values, &mut status);
        assert_eq!(values[..2], [0.0, 1.0]);
        assert_eq!(status[2], GateStatus::RangeFolded);
        assert!(values[2].is_nan());
    }

    #[test]
    fn gates_before_a_later_first_gate_are_no_data() {
        let (near, far) = ([10u8; 4], [20u8; 2]);
        let ray = radial(
            1.0,
            vec![block(0, 0.0, 250.0, &near), block(1, 500.0, 250.0, &far)],
        );
        let axis = RangeAxis::new(&[&ray]);
        assert_eq!(axis.n_gates, 4);
        let moment = decode_moment(&[&ray], 1, &axis).unwrap();
        assert_eq!(
            moment.status.row(0).to_vec(),
            [
                GateStatus::NoData,
                GateStatus::NoData,
                GateStatus::Valid,
                GateStatus::Valid
            ]
        );
        assert_eq!(moment.values[[0, 2]], -23.0);
    }

    #[test]
    fn rays_are_padded_and_moments_missing_from_a_ray_are_no_data() {
        let (long, short) = ([70u8; 5], [2u8; 2]);
        let wide = [0x01u8, 0x02, 0x00, 0x00];
        let a = radial(0.4, vec![block(0, 2125.0, 250.0, &long)]);
        let b = radial(
            0.6,
            vec![
                block(0, 2125.0, 250.0, &short),
                GateBlock {
                    wide: true,
                    scale: 100.0,
                    offset: 2.0,
                    ..block(4, 2125.0, 250.0, &wide)
                },
            ],
        );
        let axis = RangeAxis::new(&[&a, &b]);
        assert_eq!((axis.moments.clone(), axis.n_gates), (vec![0, 4], 5));
        let reflectivity = decode_moment(&[&a, &b], 0, &axis).unwrap();
        assert_eq!(reflectivity.values[[0, 4]], 2.0);
        assert_eq!(reflectivity.values[[1, 1]], -32.0);
        assert_eq!(reflectivity.status[[1, 2]], GateStatus::NoData);
        let phase = decode_moment(&[&a, &b], 4, &axis).unwrap();
        assert_eq!(phase.status.row(0).to_vec(), [GateStatus::NoData; 5]);
        assert_eq!(phase.values[[1, 0]], 2.56);
        assert_eq!(phase.status[[1, 1]], GateStatus::NoEcho);
        let sweep = build_sweep(&[&a, &b], &axis, None, 0).unwrap();
        assert_eq!(sweep.fixed_angle_deg, 0.5);
        assert_eq!(sweep.n_gates(), 5);
        sweep.validate().unwrap();
    }

    #[test]
    fn median_of_elevations() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[0.5, 1.5, 0.25, 9.0]), 1.0);
        assert!(median(&[]).is_nan());
    }
}
