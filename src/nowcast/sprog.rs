//! S-PROG: Spectral Prognosis (Seed 2003), a deterministic cascade nowcast that smooths the scales as their
//! predictability is lost.
//!
//! The analysis is STEPS' ([`Analysis`](crate::nowcast::steps::Analysis)): aligned fields, cascade, AR(p) per level. Each step the levels evolve
//! without noise, `x_k(t) = φ1 x_k(t−1) + φ2 x_k(t−2)`, are recomposed, masked to the observed wet-area ratio
//! (pixels below the (1 − war) quantile set to the input minimum), probability-matched to the newest field and
//! advected from the analysis time (pysteps' `sprog.forecast` with `probmatching_method="cdf"`).
//!
//! # References
//! Seed, A. W., 2003: A dynamic and spatial scaling approach to advection forecasting. *J. Appl. Meteor.*, 42,
//! 381–388, doi:10.1175/1520-0450(2003)042<0381:ADASSA>2.0.CO;2.

use ndarray::{Array3, Array4, ArrayView2, Axis};

use crate::error::{Error, Result};
use crate::nowcast::cascade::recompose_into;
use crate::nowcast::extrapolate::Extrapolator;
use crate::nowcast::probmatch::percentile_mask;
use crate::nowcast::steps::{Analysis, NowcastInput, Nowcaster};

/// The S-PROG nowcast (one member).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sprog {
    /// Number of cascade levels (pysteps' default 6).
    pub n_cascade_levels: usize,
    /// Width of the band-pass filters in log-wavenumber.
    pub gauss_scale: f64,
    /// AR order, 1 or 2.
    pub ar_order: usize,
    /// Rain threshold in the transformed units (−10 dB).
    pub rain_threshold: f32,
    /// Semi-Lagrangian scheme.
    pub extrapolator: Extrapolator,
}

impl Default for Sprog {
    fn default() -> Self {
        Sprog {
            n_cascade_levels: 6,
            gauss_scale: 0.5,
            ar_order: 2,
            rain_threshold: -10.0,
            extrapolator: Extrapolator::default(),
        }
    }
}

impl Sprog {
    /// The forecast `(lead times, y, x)` in the units of `input.fields` (dB).
    ///
    /// # Errors
    /// As [`Analysis::new`]; [`Error::Parameter`] if `n_lead_times` is 0.
    pub fn forecast_db(&self, input: &NowcastInput, n_lead_times: usize) -> Result<Array3<f32>> {
        if n_lead_times == 0 {
            return Err(Error::parameter("lead times", 0, "at least 1 is needed"));
        }
        let a = Analysis::new(
            input,
            self.ar_order,
            self.n_cascade_levels,
            self.gauss_scale,
            self.rain_threshold,
        )?;
        if !a.has_rain {
            return Ok(a.dry_forecast(1, n_lead_times).index_axis_move(Axis(0), 0));
        }
        let (ny, nx) = a.plan.shape();
        let n = ny * nx;
        let newest = a.newest();
        let war = newest.iter().filter(|&&v| v >= self.rain_threshold).count() as f64 / n as f64;
        let last = a.state.dim().0 - 1;
        let mut current = a.state.index_axis(Axis(0), last).to_owned();
        let mut older = a.state.index_axis(Axis(0), 0).to_owned();
        let (mut field, mut mask, mut sorted, mut keys) =
            (vec![0.0f32; n], vec![false; n], Vec::new(), Vec::new());
        let mut displacement = Array3::<f32>::zeros((2, ny, nx));
        let mut out = Array3::<f32>::zeros((n_lead_times, ny, nx));
        for t in 0..n_lead_times {
            for (k, ar) in a.ar.iter().enumerate() {
                let prev = current.index_axis(Axis(0), k);
                let mut old = older.index_axis_mut(Axis(0), k);
                ar.step_into(
                    prev.as_slice().unwrap_or_default(),
                    old.as_slice_mut().unwrap_or_default(),
                    None,
                );
            }
            std::mem::swap(&mut current, &mut older);
            recompose_into(current.view(), &a.means, &a.stds, &mut field);
            percentile_mask(&field, war, &mut mask, &mut sorted);
            for (v, &m) in field.iter_mut().zip(&mask) {
                if !m {
                    *v = a.zero_value;
                }
            }
            a.matcher.match_in_place(&mut field, &mut keys)?;
            for (v, &masked) in field.iter_mut().zip(a.domain_mask.iter()) {
                if masked {
                    *v = f32::NAN;
                }
            }
            let view = ArrayView2::from_shape((ny, nx), &field[..]).map_err(|e| Error::Shape {
                what: "S-PROG field".into(),
                expected: format!("({ny}, {nx})"),
                found: e.to_string(),
            })?;
            let moved = self.extrapolator.extrapolate(
                view,
                input.velocity,
                &[1.0],
                Some(displacement.view()),
            )?;
            displacement = moved.displacement;
            out.index_axis_mut(Axis(0), t)
                .assign(&moved.fields.index_axis(Axis(0), 0));
        }
        Ok(out)
    }
}

impl Nowcaster for Sprog {
    fn name(&self) -> &'static str {
        "sprog"
    }

    fn members(&self) -> usize {
        1
    }

    fn forecast(
        &self,
        input: &NowcastInput,
        n_lead_times: usize,
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> Result<Array4<f32>> {
        let out = self.forecast_db(input, n_lead_times)?;
        progress(1, 1);
        Ok(out.insert_axis(Axis(0)))
    }
}
