//! The analysis shared by S-PROG and STEPS (and any cascade-based method): inputs checked, older frames
//! advected onto the newest, cascades, AR models, probability-matching target and masks.

use ndarray::{Array2, Array3, ArrayView3, Axis, s};

use crate::error::{Error, Result};
use crate::nowcast::autoregression::{ArModel, correlation};
use crate::nowcast::cascade::{Cascade, CascadePlan};
use crate::nowcast::extrapolate::Extrapolator;
use crate::nowcast::probmatch::CdfMatcher;

/// The input of a nowcast: recent fields and their motion.
#[derive(Debug, Clone, Copy)]
pub struct NowcastInput<'a> {
    /// Fields `(time, y, x)`, oldest first, in the transformed units the method works in (dB for S-PROG and
    /// STEPS); NaN = no data. Cascade methods use the last `ar_order + 1`.
    pub fields: ArrayView3<'a, f32>,
    /// Motion `(2, y, x)` = (u, v) in pixels per time step.
    pub velocity: ArrayView3<'a, f32>,
    /// Grid spacing, km.
    pub km_per_pixel: f64,
    /// Time between fields (and lead times), minutes.
    pub timestep_minutes: f64,
}

impl NowcastInput<'_> {
    /// Checks shapes, motion and grid parameters; returns `(ny, nx)`.
    ///
    /// # Errors
    /// [`Error::Shape`] if the velocity is not `(2, y, x)` of the fields or fewer than `min_frames` fields are
    /// given; [`Error::Parameter`] for a non-finite velocity or a non-positive grid spacing or time step.
    pub fn check(&self, min_frames: usize) -> Result<(usize, usize)> {
        let (nt, ny, nx) = self.fields.dim();
        if nt < min_frames {
            return Err(Error::Shape {
                what: "input fields".into(),
                expected: format!("at least {min_frames} frames"),
                found: format!("{nt} frames"),
            });
        }
        if self.velocity.dim() != (2, ny, nx) {
            return Err(Error::Shape {
                what: "velocity".into(),
                expected: format!("(2, {ny}, {nx})"),
                found: format!("{:?}", self.velocity.dim()),
            });
        }
        if let Some(v) = self.velocity.iter().find(|v| !v.is_finite()) {
            return Err(Error::parameter(
                "velocity",
                v,
                "the motion field must be finite everywhere",
            ));
        }
        for (name, v) in [
            ("km_per_pixel", self.km_per_pixel),
            ("timestep_minutes", self.timestep_minutes),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::parameter(name, v, "must be positive"));
            }
        }
        Ok((ny, nx))
    }
}

/// Everything computed once from the input before members are run.
#[derive(Debug)]
pub struct Analysis {
    /// FFT and band-pass plan of the grid.
    pub plan: CascadePlan,
    /// The last `ar_order + 1` fields aligned on the newest (older ones advected), no data → field minimum.
    pub aligned: Array3<f32>,
    /// Pixels with no data in any input frame.
    pub domain_mask: Array2<bool>,
    /// Smallest finite input value (the "zero" of the transformed field).
    pub zero_value: f32,
    /// AR model of each level.
    pub ar: Vec<ArModel>,
    /// Lag-1..p temporal correlations of each level (before the lag-2 adjustment).
    pub gamma: Vec<Vec<f64>>,
    /// Normalised levels of the last `ar_order` fields `(ar_order, levels, y, x)`, oldest first: the AR state.
    pub state: ndarray::Array4<f32>,
    /// Mean and standard deviation of the levels of the newest field (used to recompose).
    pub means: Vec<f32>,
    /// See [`Analysis::means`].
    pub stds: Vec<f32>,
    /// Probability-matching target (the newest field).
    pub matcher: CdfMatcher,
    /// Whether any pixel of the input is at or above the rain threshold.
    pub has_rain: bool,
}

impl Analysis {
    /// Aligns the last `ar_order + 1` frames, decomposes them into `n_levels` levels and fits the AR models.
    ///
    /// # Errors
    /// As [`NowcastInput::check`]; [`Error::Parameter`] if `ar_order` is not 1 or 2 or a frame has no finite
    /// value.
    pub fn new(
        input: &NowcastInput,
        ar_order: usize,
        n_levels: usize,
        gauss_scale: f64,
        rain_threshold: f32,
    ) -> Result<Self> {
        if !(1..=2).contains(&ar_order) {
            return Err(Error::parameter("ar_order", ar_order, "must be 1 or 2"));
        }
        let (ny, nx) = input.check(ar_order + 1)?;
        let plan = CascadePlan::new(ny, nx, n_levels, gauss_scale)?;
        let nt = input.fields.dim().0;
        let frames = input.fields.slice(s![nt - ar_order - 1.., .., ..]);
        let zero_value = finite_min(frames.iter().copied()).ok_or_else(|| {
            Error::parameter("fields", "all NaN", "the input holds no finite value")
        })?;
        let mut domain_mask = Array2::from_elem((ny, nx), false);
        for frame in frames.outer_iter() {
            ndarray::Zip::from(&mut domain_mask)
                .and(&frame)
                .for_each(|m, v| *m |= !v.is_finite());
        }
        let has_rain = frames.iter().any(|&v| v >= rain_threshold);
        // Older frames advected onto the newest (outside values: the frame's minimum), then no data → minimum.
        let mut aligned = frames.to_owned();
        for i in 0..ar_order {
            let extrapolator = Extrapolator {
                outval: finite_min(frames.index_axis(Axis(0), i).iter().copied())
                    .unwrap_or(zero_value),
                ..Extrapolator::default()
            };
            let steps: Vec<f64> = (1..=ar_order - i).map(|k| k as f64).collect();
            let moved = extrapolator.extrapolate(
                frames.index_axis(Axis(0), i),
                input.velocity,
                &steps,
                None,
            )?;
            aligned
                .index_axis_mut(Axis(0), i)
                .assign(&moved.fields.index_axis(Axis(0), steps.len() - 1));
        }
        for mut frame in aligned.outer_iter_mut() {
            let min = finite_min(frame.iter().copied()).unwrap_or(zero_value);
            frame.mapv_inplace(|v| if v.is_finite() { v } else { min });
        }
        let cascades: Vec<Cascade> = aligned
            .outer_iter()
            .map(|f| plan.decompose(f))
            .collect::<Result<_>>()?;
        let newest = &cascades[ar_order];
        let mut gamma = Vec::with_capacity(n_levels);
        let mut ar = Vec::with_capacity(n_levels);
        for k in 0..n_levels {
            let last = newest.levels.index_axis(Axis(0), k);
            let last = last.as_slice().unwrap_or_default();
            let g: Vec<f64> = (1..=ar_order)
                .map(|lag| {
                    let older = cascades[ar_order - lag].levels.index_axis(Axis(0), k);
                    correlation(last, older.as_slice().unwrap_or_default())
                })
                .collect();
            ar.push(ArModel::from_correlations_or_fallback(&g)?);
            gamma.push(g);
        }
        let mut state = ndarray::Array4::zeros((ar_order, n_levels, ny, nx));
        for (i, mut s) in state.outer_iter_mut().enumerate() {
            s.assign(&cascades[i + 1].levels);
        }
        let matcher = CdfMatcher::new(
            aligned
                .index_axis(Axis(0), ar_order)
                .as_slice()
                .unwrap_or_default(),
        )?;
        Ok(Analysis {
            means: newest.means.clone(),
            stds: newest.stds.clone(),
            plan,
            aligned,
            domain_mask,
            zero_value,
            ar,
            gamma,
            state,
            matcher,
            has_rain,
        })
    }

    /// The newest aligned field `(y, x)`.
    pub fn newest(&self) -> ndarray::ArrayView2<'_, f32> {
        self.aligned.index_axis(Axis(0), self.aligned.dim().0 - 1)
    }

    /// A forecast for a dry input: every member and lead time at the zero value, NaN where no data.
    pub fn dry_forecast(&self, members: usize, lead_times: usize) -> ndarray::Array4<f32> {
        let (_, ny, nx) = self.aligned.dim();
        let mut out = ndarray::Array4::from_elem((members, lead_times, ny, nx), self.zero_value);
        for mut m in out.outer_iter_mut() {
            for mut f in m.outer_iter_mut() {
                ndarray::Zip::from(&mut f)
                    .and(&self.domain_mask)
                    .for_each(|v, &masked| {
                        if masked {
                            *v = f32::NAN
                        }
                    });
            }
        }
        out
    }
}

fn finite_min(values: impl Iterator<Item = f32>) -> Option<f32> {
    let m = values
        .filter(|v| v.is_finite())
        .fold(f32::INFINITY, f32::min);
    m.is_finite().then_some(m)
}
