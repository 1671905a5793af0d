//! The extrapolation nowcast: the newest field advected along the motion (Lagrangian persistence), as a
//! one-member [`Nowcaster`](crate::nowcast::steps::Nowcaster).
//!
//! # References
//! Germann, U. and I. Zawadzki, 2002, *Mon. Wea. Rev.*, 130, 2859–2873,
//! doi:10.1175/1520-0493(2002)130<2859:SDOTPO>2.0.CO;2.

use ndarray::{Array4, Axis};

use crate::error::Result;
use crate::nowcast::extrapolate::Extrapolator;
use crate::nowcast::steps::{NowcastInput, Nowcaster};

/// Lagrangian persistence of the newest field.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ExtrapolationNowcast {
    /// Semi-Lagrangian scheme (no data outside the domain by default).
    pub extrapolator: Extrapolator,
}

impl Nowcaster for ExtrapolationNowcast {
    fn name(&self) -> &'static str {
        "extrapolation"
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
        input.check(1)?;
        let lead_times: Vec<f64> = (1..=n_lead_times).map(|t| t as f64).collect();
        let newest = input.fields.index_axis(Axis(0), input.fields.dim().0 - 1);
        let out = self
            .extrapolator
            .extrapolate(newest, input.velocity, &lead_times, None)?;
        progress(1, 1);
        Ok(out.fields.insert_axis(Axis(0)))
    }
}
