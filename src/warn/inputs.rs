//! What one warning update looks at: exceedance-probability grids per lead time (heavy rain) and cell forecasts
//! with threat scores (hail, gale), reduced to one probability (or score) and an onset lead time per area.

use ndarray::Array3;
use serde::{Deserialize, Serialize};

use super::area::MappedArea;
use super::rules::HazardRule;
use crate::cells::{CellForecast, ThreatAssessment};
use crate::error::{Error, Result};

/// Probability of exceeding a threshold (e.g. 20 mm/h, or 20 mm in one hour) at a set of lead times.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbabilityForecast {
    /// Lead time of each slice, s, ascending.
    pub lead_times_s: Vec<f64>,
    /// Probability in [0, 1], shape `(lead, y, x)` on the grid the areas were mapped to; NaN = no data.
    pub probability: Array3<f32>,
}

/// One forecast position of a cell.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CellStep {
    /// Lead time, s.
    pub lead_s: f64,
    /// Projected position of the centre, grid projection units (m).
    pub x: f64,
    /// Projected position of the centre, grid projection units (m).
    pub y: f64,
    /// Radius of the cell plus its position uncertainty, m: the disc that may be hit. An area is hit when a
    /// cell centre of it lies inside the disc, so a disc should be at least half a grid cell diagonal wide.
    pub radius_m: f64,
}

/// A forecast convective cell with its threat scores, as the warnings need it (decoupled from the cell tracker).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellThreat {
    /// Track identifier.
    pub track: u64,
    /// Hail threat score in [0, 1].
    pub hail: f64,
    /// Damaging-wind (gale) threat score in [0, 1].
    pub gale: f64,
    /// Positions at increasing lead times (lead 0 = now).
    pub steps: Vec<CellStep>,
}

impl CellThreat {
    /// From the cell tracker's forecast and threat assessment of the same track: the disc of each step has the
    /// radius of a circle of the cell's forecast area plus the step's position uncertainty.
    ///
    /// # Errors
    /// [`Error::Parameter`] when the two belong to different tracks.
    pub fn from_cells(forecast: &CellForecast, threat: &ThreatAssessment) -> Result<CellThreat> {
        if forecast.track != threat.track {
            return Err(Error::parameter(
                "threat.track",
                threat.track,
                format!("the forecast is of track {}", forecast.track),
            ));
        }
        Ok(CellThreat {
            track: forecast.track,
            hail: threat.hail.score,
            gale: threat.wind.score,
            steps: forecast
                .steps
                .iter()
                .map(|s| CellStep {
                    lead_s: s.lead_s,
                    x: s.x_m,
                    y: s.y_m,
                    radius_m: (s.area_km2.max(0.0) / std::f64::consts::PI).sqrt() * 1000.0
                        + s.uncertainty_m,
                })
                .collect(),
        })
    }
}

/// Everything one warning update looks at. Missing inputs mean "no data" for their hazards (warnings are neither
/// issued nor lowered on them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WarningInputs {
    /// Probability of rain rate ≥ 20 mm/h (or the user's threshold).
    pub rain_rate: Option<ProbabilityForecast>,
    /// Probability of ≥ 20 mm accumulated in one hour (or the user's threshold).
    pub rain_accumulation: Option<ProbabilityForecast>,
    /// Cell forecasts with threats; `None` = no cell analysis this update, `Some(empty)` = no cells.
    pub cells: Option<Vec<CellThreat>>,
}

/// An area's hazard probability (or score) this update and the lead time at which it first reaches the lowest
/// issue threshold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AreaSignal {
    /// Maximum probability over the area and the lead window.
    pub probability: f32,
    /// First lead time with the probability at or above the rule's lowest `p_on`, s.
    pub onset_lead_s: Option<f64>,
}

impl ProbabilityForecast {
    /// Checks the shape against the grid and the lead times.
    ///
    /// # Errors
    /// [`Error::Shape`] when the slices do not match the grid or the lead times; [`Error::Parameter`] for lead
    /// times not ascending or probabilities outside [0, 1].
    pub fn validate(&self, what: &str, grid: (usize, usize)) -> Result<()> {
        let (n, ny, nx) = self.probability.dim();
        if (ny, nx) != grid || n != self.lead_times_s.len() {
            return Err(Error::Shape {
                what: what.to_owned(),
                expected: format!("({}, {}, {})", self.lead_times_s.len(), grid.0, grid.1),
                found: format!("({n}, {ny}, {nx})"),
            });
        }
        if self.lead_times_s.windows(2).any(|w| w[1] <= w[0])
            || self.lead_times_s.iter().any(|t| !t.is_finite())
        {
            return Err(Error::parameter(
                &format!("{what}.lead_times_s"),
                format!("{:?}", self.lead_times_s),
                "lead times must be finite and strictly ascending",
            ));
        }
        if let Some(p) = self
            .probability
            .iter()
            .find(|p| !p.is_nan() && !(0.0..=1.0).contains(*p))
        {
            return Err(Error::parameter(
                what,
                p,
                "probabilities must lie in [0, 1] (NaN = no data)",
            ));
        }
        Ok(())
    }

    /// The area's maximum probability within the rule's lead window; `None` when every value there is NaN.
    pub fn signal(&self, area: &MappedArea, rule: &HazardRule) -> Option<AreaSignal> {
        let threshold = rule.lowest_p_on();
        let mut best: Option<f32> = None;
        let mut onset = None;
        for (k, &lead) in self.lead_times_s.iter().enumerate() {
            if lead < rule.min_lead_s || lead > rule.max_lead_s {
                continue;
            }
            let slice = self.probability.index_axis(ndarray::Axis(0), k);
            let max = area
                .cells
                .iter()
                .map(|&rc| slice[rc])
                .filter(|p| !p.is_nan())
                .fold(None, |m: Option<f32>, p| Some(m.map_or(p, |m| m.max(p))));
            if let Some(max) = max {
                best = Some(best.map_or(max, |b| b.max(max)));
                if onset.is_none() && max >= threshold {
                    onset = Some(lead);
                }
            }
        }
        best.map(|probability| AreaSignal {
            probability,
            onset_lead_s: onset,
        })
    }
}

/// The highest of two optional signals, keeping the earlier onset.
pub(crate) fn combine(a: Option<AreaSignal>, b: Option<AreaSignal>) -> Option<AreaSignal> {
    match (a, b) {
        (Some(a), Some(b)) => Some(AreaSignal {
            probability: a.probability.max(b.probability),
            onset_lead_s: match (a.onset_lead_s, b.onset_lead_s) {
                (Some(x), Some(y)) => Some(x.min(y)),
                (x, y) => x.or(y),
            },
        }),
        (a, b) => a.or(b),
    }
}

/// The highest threat score among the cells whose disc reaches a cell centre of the area within the rule's lead
/// window (0 when none does); `score` picks the threat of a cell.
pub fn cell_signal(
    cells: &[CellThreat],
    area: &MappedArea,
    rule: &HazardRule,
    score: impl Fn(&CellThreat) -> f64,
) -> AreaSignal {
    let threshold = f64::from(rule.lowest_p_on());
    let (x_lo, x_hi, y_lo, y_hi) = area.centres.iter().fold(
        (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ),
        |(a, b, c, d), &(x, y)| (a.min(x), b.max(x), c.min(y), d.max(y)),
    );
    let mut best = 0.0_f64;
    let mut onset: Option<f64> = None;
    for cell in cells {
        let s = score(cell).clamp(0.0, 1.0);
        if s.is_nan() {
            continue;
        }
        let first_hit = cell
            .steps
            .iter()
            .filter(|st| st.lead_s >= rule.min_lead_s && st.lead_s <= rule.max_lead_s)
            .find(|st| {
                let r = st.radius_m;
                // Discs clear of the area's bounding box cannot reach a cell centre.
                if st.x + r < x_lo || st.x - r > x_hi || st.y + r < y_lo || st.y - r > y_hi {
                    return false;
                }
                area.centres
                    .iter()
                    .any(|&(x, y)| (x - st.x).powi(2) + (y - st.y).powi(2) <= r * r)
            });
        if let Some(step) = first_hit {
            best = best.max(s);
            if s >= threshold {
                onset = Some(onset.map_or(step.lead_s, |o| o.min(step.lead_s)));
            }
        }
    }
    AreaSignal {
        probability: best as f32,
        onset_lead_s: onset,
    }
}
