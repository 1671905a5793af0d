//! Warnings replayed over a recorded radar sequence: the domain tiled into square regions, a nowcast run at each
//! start time and turned into exceedance probabilities, and the events read from the later frames of the same
//! sequence (a region has an event at a frame when a quantile of its rain rate reaches the warning threshold).
//! [`replay`](fn@crate::warn::replay) then scores the warnings with the NWS storm-based scores (POD, FAR, CSI, lead
//! times). Under the NWS rule persistence verifies itself (it warns a region once it rains hard there, and that
//! rain is a hit); score the report's warnings by [`HitRule::Onset`](crate::verify::HitRule) against the events of
//! every frame (so that each rain episode's onset is known) to compare forecasts.

use ndarray::{Array3, Axis, s};

use super::area::{Area, AreaGeometry, MappedArea};
use super::inputs::{ProbabilityForecast, WarningInputs};
use super::replay::ReplayFrame;
use crate::error::{Error, Result};
use crate::geo::{GridSequence, GridSpec};
use crate::motion::MotionEstimator;
use crate::motion::lucas_kanade::LucasKanade;
use crate::nowcast::probability::exceedance_probability;
use crate::nowcast::steps::{NowcastInput, Nowcaster};
use crate::nowcast::transform::DbTransform;
use crate::products::rain_rate_from_reflectivity;
use crate::verify::{ObservedEvent, RegionId};

/// Square regions of `tile_px × tile_px` cells covering the grid row by row from its first cell (the last row
/// and column of tiles may be smaller), numbered from 1; each polygon joins the outer cell centres of its tile.
///
/// # Errors
/// [`Error::Parameter`] for `tile_px` = 0; [`Error::Unsupported`] when the projection cannot be inverted.
pub fn tile_areas(spec: &GridSpec, tile_px: usize) -> Result<Vec<MappedArea>> {
    if tile_px == 0 {
        return Err(Error::parameter(
            "tile_px",
            0,
            "a tile needs at least one cell",
        ));
    }
    let mut out = Vec::new();
    for r0 in (0..spec.ny).step_by(tile_px) {
        for c0 in (0..spec.nx).step_by(tile_px) {
            let (r1, c1) = (
                (r0 + tile_px).min(spec.ny) - 1,
                (c0 + tile_px).min(spec.nx) - 1,
            );
            let ring = [(r0, c0), (r0, c1), (r1, c1), (r1, c0), (r0, c0)]
                .iter()
                .map(|&(r, c)| spec.lonlat(r, c))
                .collect::<Result<Vec<_>>>()?;
            let cells: Vec<(usize, usize)> = (r0..=r1)
                .flat_map(|r| (c0..=c1).map(move |c| (r, c)))
                .collect();
            let id = out.len() as u32 + 1;
            out.push(MappedArea {
                area: Area {
                    id: RegionId(id),
                    name: format!("tile {id} (rows {r0}–{r1}, columns {c0}–{c1})"),
                    geometry: AreaGeometry::Polygons(vec![vec![ring]]),
                },
                centres: cells.iter().map(|&(r, c)| spec.xy(r, c)).collect(),
                cells,
            });
        }
    }
    Ok(out)
}

/// The `quantile` (in [0, 1], 1 = maximum) of the finite values of `field` over an area's cells; `None` when it
/// has none. The nearest-rank quantile: the smallest value with at least that fraction of the values at or below.
fn area_quantile(field: ndarray::ArrayView2<f32>, area: &MappedArea, quantile: f64) -> Option<f32> {
    let mut values: Vec<f32> = area
        .cells
        .iter()
        .map(|&rc| field[rc])
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() {
        return None;
    }
    values.sort_by(f32::total_cmp);
    let rank = ((quantile * values.len() as f64).ceil() as usize).clamp(1, values.len());
    Some(values[rank - 1])
}

/// Observed events: one per area and frame `k ≥ first_frame` of `rain` (rain rate, mm/h) where the `quantile` of
/// the area's rain rate reaches `threshold_mmh`.
///
/// # Errors
/// [`Error::Parameter`] for a quantile outside [0, 1], a NaN threshold or a sequence that is not rain rate.
pub fn rain_events(
    rain: &GridSequence,
    areas: &[MappedArea],
    threshold_mmh: f32,
    quantile: f64,
    first_frame: usize,
) -> Result<Vec<ObservedEvent>> {
    check_rain(rain)?;
    if !(0.0..=1.0).contains(&quantile) || threshold_mmh.is_nan() {
        return Err(Error::parameter(
            "quantile / threshold_mmh",
            format!("{quantile} / {threshold_mmh}"),
            "the quantile must lie in [0, 1] and the threshold be a number",
        ));
    }
    let mut out = Vec::new();
    for (k, &time) in rain.times.iter().enumerate().skip(first_frame) {
        let frame = rain.frame(k);
        for a in areas {
            if area_quantile(frame, a, quantile).is_some_and(|v| v >= threshold_mmh) {
                out.push(ObservedEvent {
                    region: a.area.id,
                    time,
                });
            }
        }
    }
    Ok(out)
}

/// The sequence as rain rate (mm/h): reflectivity (dBZ) converted by Marshall–Palmer, Z = 200 R^1.6 (Marshall &
/// Palmer 1948), rain rate passed through.
///
/// # Errors
/// [`Error::Parameter`] for units other than dBZ and mm/h.
pub fn to_rain_rate(seq: GridSequence) -> Result<GridSequence> {
    match seq.units.as_str() {
        "mm/h" => Ok(seq),
        "dBZ" => {
            let values = seq
                .values
                .mapv(|z| rain_rate_from_reflectivity(z, 200.0, 1.6));
            GridSequence::new(seq.spec, "rainfall_rate", "mm/h", seq.times, values)
        }
        other => Err(Error::parameter(
            "sequence units",
            other,
            "expected reflectivity (dBZ) or rain rate (mm/h)",
        )),
    }
}

fn check_rain(rain: &GridSequence) -> Result<()> {
    if rain.units != "mm/h" {
        return Err(Error::parameter(
            "sequence units",
            &rain.units,
            "the replay needs rain rate in mm/h (convert reflectivity first)",
        ));
    }
    Ok(())
}

/// One replay frame per start index in `starts`: motion by Lucas–Kanade from frames `start − 2 ..= start` (in
/// dB, as pysteps' examples), an `n_lead_times`-step nowcast by `nowcaster`, and the probability of rain rate ≥
/// `threshold_mmh` over its members at lead times `timestep · (1 ..= n_lead_times)`; the frame's time is the
/// start frame's time. A deterministic nowcaster gives 0/1 probabilities.
///
/// # Errors
/// [`Error::Parameter`] for a start before index 2 or past the sequence, or a sequence that is not rain rate;
/// whatever the motion estimator or the nowcaster reports.
pub fn nowcast_frames(
    rain: &GridSequence,
    nowcaster: &dyn Nowcaster,
    starts: &[usize],
    n_lead_times: usize,
    threshold_mmh: f32,
) -> Result<Vec<ReplayFrame>> {
    check_rain(rain)?;
    let transform = DbTransform::default();
    let lead_times_s: Vec<f64> = (1..=n_lead_times)
        .map(|k| (k as i64 * rain.timestep_s) as f64)
        .collect();
    starts
        .iter()
        .map(|&start| {
            if start < 2 || start >= rain.len() {
                return Err(Error::parameter(
                    "start",
                    start,
                    format!(
                        "a start needs two earlier frames and must lie in the sequence of {} frames",
                        rain.len()
                    ),
                ));
            }
            let frames_db = rain
                .values
                .slice(s![start - 2..=start, .., ..])
                .mapv(|r| transform.forward(r));
            let velocity = LucasKanade::default().estimate(frames_db.view())?;
            let input = NowcastInput {
                fields: frames_db.view(),
                velocity: velocity.view(),
                km_per_pixel: rain.spec.dx.abs() / 1000.0,
                timestep_minutes: rain.timestep_s as f64 / 60.0,
            };
            let mut ensemble = nowcaster.forecast(&input, n_lead_times, &|_, _| ())?;
            ensemble.mapv_inplace(|v| transform.inverse(v));
            let probability: Array3<f32> = exceedance_probability(ensemble.view(), &[threshold_mmh])?
                .index_axis_move(Axis(0), 0);
            Ok(ReplayFrame {
                time: rain.times[start],
                inputs: WarningInputs {
                    rain_rate: Some(ProbabilityForecast {
                        lead_times_s: lead_times_s.clone(),
                        probability,
                    }),
                    ..Default::default()
                },
            })
        })
        .collect()
}

/// Persistence as a warning input: the probability is 1 wherever the start frame's rain rate reaches
/// `threshold_mmh` (0 elsewhere, NaN without data), the same at every lead time — the no-skill baseline that
/// warns an area only once it is raining hard there.
///
/// # Errors
/// As [`nowcast_frames`] for bad starts or units.
pub fn persistence_frames(
    rain: &GridSequence,
    starts: &[usize],
    n_lead_times: usize,
    threshold_mmh: f32,
) -> Result<Vec<ReplayFrame>> {
    check_rain(rain)?;
    starts
        .iter()
        .map(|&start| {
            if start >= rain.len() {
                return Err(Error::parameter(
                    "start",
                    start,
                    format!("past the sequence of {} frames", rain.len()),
                ));
            }
            let p = rain.frame(start).mapv(|r| {
                if r.is_nan() {
                    f32::NAN
                } else {
                    f32::from(u8::from(r >= threshold_mmh))
                }
            });
            let probability = p
                .broadcast((n_lead_times, rain.spec.ny, rain.spec.nx))
                .map(|b| b.to_owned())
                .ok_or_else(|| {
                    Error::parameter("n_lead_times", n_lead_times, "cannot broadcast")
                })?;
            Ok(ReplayFrame {
                time: rain.times[start],
                inputs: WarningInputs {
                    rain_rate: Some(ProbabilityForecast {
                        lead_times_s: (1..=n_lead_times)
                            .map(|k| (k as i64 * rain.timestep_s) as f64)
                            .collect(),
                        probability,
                    }),
                    ..Default::default()
                },
            })
        })
        .collect()
}

/// The part `rows × cols` (start, length) of a sequence, with the grid moved accordingly.
///
/// # Errors
/// [`Error::Parameter`] when the window does not fit the grid or is empty.
pub fn crop(
    rain: &GridSequence,
    rows: (usize, usize),
    cols: (usize, usize),
) -> Result<GridSequence> {
    let (ny, nx) = (rain.spec.ny, rain.spec.nx);
    if rows.1 == 0 || cols.1 == 0 || rows.0 + rows.1 > ny || cols.0 + cols.1 > nx {
        return Err(Error::parameter(
            "crop window",
            format!("rows {rows:?} cols {cols:?}"),
            format!("must be non-empty and fit the {ny} × {nx} grid"),
        ));
    }
    let (x0, y0) = rain.spec.xy(rows.0, cols.0);
    let spec = GridSpec {
        ny: rows.1,
        nx: cols.1,
        x0,
        y0,
        ..rain.spec.clone()
    };
    let values = rain
        .values
        .slice(s![.., rows.0..rows.0 + rows.1, cols.0..cols.0 + cols.1])
        .to_owned();
    GridSequence::new(spec, &rain.name, &rain.units, rain.times.clone(), values)
}
