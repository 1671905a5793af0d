//! Verification: the scores every nowcast is measured with, equal to pysteps' (1.21.5) on the same inputs.
//!
//! Every score family follows the same pattern: an accumulator (`new` with the parameters, `accumulate` one field
//! pair at a time, `merge` partial accumulators, then `compute`/`scores`), so a season of nowcasts can be scored
//! field by field, in parallel, and combined. Fields are `f32` [`ndarray`] views; scores are `f64`; a value that is
//! not finite (NaN, ±∞) is missing. Shape mismatches give [`Error::Shape`](crate::Error::Shape), bad parameters
//! [`Error::Parameter`](crate::Error::Parameter); a score with a zero denominator (no events, no pairs) is NaN.
//!
//! Where pysteps' conventions differ from a definition or from each other (event = value > threshold in the
//! categorical scores but ≥ elsewhere, window placement of the FSS, bins of the reliability diagram), Squall
//! follows pysteps and says so in the docs; where pysteps has a defect (CRPS when the observation equals a member,
//! NaN counted as "no" in the contingency table), Squall follows the definition and the docs explain the
//! difference. `testdata/reference/verify_pysteps.json` holds the comparison.

/// Contingency table and categorical scores (POD, FAR, CSI, ETS/GSS, HSS, SEDI, …).
pub mod categorical;
/// Continuous scores (ME, MAE, RMSE, correlation, regression slopes, RV) and the offline Spearman and scatter.
pub mod continuous;
/// Ensemble CRPS, rank histogram, exceedance probabilities, and mean member skill and spread.
pub mod ensemble;
/// Fractions skill score over square windows (Roberts & Lean 2008) via summed-area tables.
pub mod fss;
mod input;
/// Intensity-scale skill score from the Haar decomposition of the binary error (Casati et al. 2004).
pub mod intensity_scale;
/// Reliability diagram, Brier score and its decomposition, ROC curve and area.
pub mod probabilistic;
/// Verification of warnings against observed events (POD, FAR, CSI, lead times; NWS practice).
pub mod warning;

pub use categorical::{CategoricalScores, ContingencyTable};
pub use continuous::{
    Conditioning, ContinuousAccumulator, ContinuousScores, scatter, spearman_correlation,
};
pub use ensemble::{
    Crps, RankHistogram, TieBreaking, ensemble_skill, ensemble_spread, exceedance_probability,
};
pub use fss::{FssAccumulator, fss};
pub use input::Sample;
pub use intensity_scale::{IntensityScale, IntensityScaleSkill};
pub use probabilistic::{BrierScore, ReliabilityCurve, ReliabilityDiagram, RocCurve, RocPoints};
pub use warning::{
    HitRule, ObservedEvent, RegionId, Warning, WarningVerification, WarningVerifyConfig,
    verify_warnings, verify_warnings_with,
};
