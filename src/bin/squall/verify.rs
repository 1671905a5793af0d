//! `squall verify`: score a forecast CF-NetCDF file against observed composites, lead time by lead time.
//!
//! Every number comes from the accumulators of [`squall::verify`]; this module only pairs files, checks that
//! they fit together, and formats the results.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, Axis};
use rayon::prelude::*;
use serde::Serialize;
use squall::geo::{Grid2, GridSpec};
use squall::io::cf_netcdf::{CfFields, read_fields};
use squall::io::composite::{open_grid, open_grid_if_composite, visible_files};
use squall::verify::{
    Conditioning, ContingencyTable, ContinuousAccumulator, Crps, FssAccumulator,
    ReliabilityDiagram, RocCurve, exceedance_probability,
};
use squall::{Error, Result};

/// Probability bins of the Brier score (pysteps' reliability-diagram default).
const BRIER_BINS: usize = 10;
/// Probability thresholds of the ROC curve (pysteps' default).
const ROC_THRESHOLDS: usize = 10;

/// What the user asked for.
pub struct VerifyArgs {
    /// Forecast CF-NetCDF file.
    pub forecast: PathBuf,
    /// Observation files or folders.
    pub obs: Vec<PathBuf>,
    /// Event thresholds, unit of the fields.
    pub thresholds: Vec<f64>,
    /// FSS window sizes, pixels.
    pub scales: Vec<usize>,
    /// Deterministic variable to verify (default: the one in the observations' units).
    pub variable: Option<String>,
    /// Print JSON instead of tables.
    pub json: bool,
}

/// The whole report, printed as tables or JSON.
#[derive(Serialize)]
struct Report {
    forecast: String,
    /// The verified deterministic variable, or "ensemble mean of NAME".
    deterministic: String,
    ensemble: Option<EnsembleInfo>,
    units: String,
    thresholds: Vec<f64>,
    scales: Vec<usize>,
    conventions: &'static str,
    leads: Vec<LeadScores>,
}

#[derive(Serialize)]
struct EnsembleInfo {
    variable: String,
    members: usize,
}

#[derive(Serialize)]
struct LeadScores {
    /// 1-based position on the forecast's time axis.
    lead: usize,
    valid_time: String,
    /// Valid time minus the file's `forecast_reference_time`; absent when the file has none.
    lead_time_s: Option<i64>,
    observation: String,
    #[serde(flatten)]
    scores: Scores,
}

/// The scores of one lead time.
#[derive(Serialize)]
struct Scores {
    categorical: Vec<CategoricalRow>,
    continuous: ContinuousRow,
    fss: Vec<FssRow>,
    ensemble: Option<EnsembleScores>,
}

#[derive(Serialize)]
struct CategoricalRow {
    threshold: f64,
    hits: u64,
    misses: u64,
    false_alarms: u64,
    correct_negatives: u64,
    pod: f64,
    far: f64,
    csi: f64,
    bias: f64,
    ets: f64,
    hss: f64,
}

#[derive(Serialize)]
struct ContinuousRow {
    n: u64,
    me: f64,
    mae: f64,
    rmse: f64,
    corr: f64,
}

#[derive(Serialize)]
struct FssRow {
    threshold: f64,
    /// One value per scale, in the order of the report's `scales`.
    fss: Vec<f64>,
}

#[derive(Serialize)]
struct EnsembleScores {
    crps: f64,
    probabilistic: Vec<ProbabilisticRow>,
}

#[derive(Serialize)]
struct ProbabilisticRow {
    threshold: f64,
    brier_score: f64,
    roc_area: f64,
}

/// Runs the command; returns the text printed on stdout.
pub fn run(args: &VerifyArgs) -> Result<String> {
    check_parameters(args)?;
    let forecast = read_fields(&args.forecast)?;
    let observations = read_observations(&args.obs)?;
    let obs_units = observations
        .values()
        .next()
        .map(|(_, g)| g.units.clone())
        .unwrap_or_default();
    let (deterministic_name, deterministic, units) =
        deterministic_fields(&forecast, args.variable.as_deref(), &obs_units)?;
    let ensemble = forecast
        .ensembles
        .iter()
        .find(|e| same_units(&e.units, &units));

    let mut leads = Vec::with_capacity(forecast.times.len());
    for (k, time) in forecast.times.iter().enumerate() {
        let time = time.ok_or_else(|| {
            Error::parameter(
                "--forecast",
                args.forecast.display(),
                format!("time step {} has no valid time", k + 1),
            )
        })?;
        let (path, obs) = observations
            .get(&time)
            .ok_or_else(|| missing_time(time, k, &observations))?;
        check_grid(&forecast.spec, path, obs)?;
        if !same_units(&obs.units, &units) {
            return Err(Error::parameter(
                "--obs",
                path.display(),
                format!(
                    "holds {} in {}, but the forecast {deterministic_name} is in {units}",
                    obs.name, obs.units
                ),
            ));
        }
        let members = ensemble.map(|e| e.values.index_axis(Axis(0), k));
        leads.push(LeadScores {
            lead: k + 1,
            valid_time: iso(time),
            lead_time_s: forecast.reference_time.map(|t0| (time - t0).num_seconds()),
            observation: path.display().to_string(),
            scores: score_lead(
                deterministic.index_axis(Axis(0), k),
                members,
                obs.values.view(),
                args,
            )?,
        });
    }
    let report = Report {
        forecast: args.forecast.display().to_string(),
        deterministic: deterministic_name,
        ensemble: ensemble.map(|e| EnsembleInfo {
            variable: e.name.clone(),
            members: e.values.len_of(Axis(1)),
        }),
        units,
        thresholds: args.thresholds.clone(),
        scales: args.scales.clone(),
        conventions: "categorical events: value > threshold (pysteps det_cat_fct); FSS, Brier and ROC events: \
                      value >= threshold; ETS = Gilbert skill score; ensemble probability = fraction of members \
                      >= threshold; NaN (null) where a score is undefined",
        leads,
    };
    Ok(if args.json {
        serde_json::to_string_pretty(&report).unwrap_or_default()
    } else {
        table(&report)
    })
}

/// Thresholds must be numbers and scales positive.
fn check_parameters(args: &VerifyArgs) -> Result<()> {
    if let Some(t) = args.thresholds.iter().find(|t| !t.is_finite()) {
        return Err(Error::parameter(
            "--thresholds",
            t,
            "thresholds must be finite numbers",
        ));
    }
    if args.scales.contains(&0) {
        return Err(Error::parameter(
            "--scales",
            0,
            "FSS window sizes are at least 1 pixel",
        ));
    }
    if args.thresholds.is_empty() || args.scales.is_empty() {
        return Err(Error::parameter(
            "--thresholds/--scales",
            "[]",
            "give at least one threshold and one scale",
        ));
    }
    Ok(())
}

/// Every composite among the paths (folders are listed, their non-composite files skipped), by valid time.
fn read_observations(paths: &[PathBuf]) -> Result<BTreeMap<DateTime<Utc>, (PathBuf, Grid2)>> {
    let mut files = Vec::new();
    let mut listed = Vec::new();
    for path in paths {
        if path.is_dir() {
            listed.extend(visible_files(path)?);
        } else {
            files.push(path.clone());
        }
    }
    listed.sort();
    let read: Vec<(PathBuf, Grid2)> = files
        .into_par_iter()
        .map(|p| open_grid(&p).map(|g| Some((p, g))))
        .chain(
            listed
                .into_par_iter()
                .map(|p| open_grid_if_composite(&p).map(|g| g.map(|g| (p, g)))),
        )
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    let mut by_time = BTreeMap::new();
    for (path, grid) in read {
        let time = grid.time.ok_or_else(|| {
            Error::parameter("--obs", path.display(), "the composite has no valid time")
        })?;
        if let Some((other, _)) = by_time.get(&time) {
            let other: &PathBuf = other;
            return Err(Error::parameter(
                "--obs",
                path.display(),
                format!(
                    "has the same valid time {} as {}",
                    iso(time),
                    other.display()
                ),
            ));
        }
        by_time.insert(time, (path, grid));
    }
    if by_time.is_empty() {
        return Err(Error::parameter(
            "--obs",
            format!("{paths:?}"),
            "no composite file Squall reads was found",
        ));
    }
    Ok(by_time)
}

/// The deterministic `(time, y, x)` forecast to verify: the named variable, else the one in the observations'
/// units, else the only one, else the mean of the ensemble in those units.
fn deterministic_fields(
    forecast: &CfFields,
    requested: Option<&str>,
    obs_units: &str,
) -> Result<(String, Array3<f32>, String)> {
    let names = || {
        forecast
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .chain(forecast.ensembles.iter().map(|e| e.name.as_str()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(name) = requested {
        if let Some(f) = forecast.fields.iter().find(|f| f.name == name) {
            return Ok((f.name.clone(), f.values.clone(), f.units.clone()));
        }
        if let Some(e) = forecast.ensembles.iter().find(|e| e.name == name) {
            return Ok((
                format!("ensemble mean of {}", e.name),
                ensemble_mean(e.values.view()),
                e.units.clone(),
            ));
        }
        return Err(Error::parameter(
            "--variable",
            name,
            format!("not in the forecast file (it has {})", names()),
        ));
    }
    let matching: Vec<_> = forecast
        .fields
        .iter()
        .filter(|f| same_units(&f.units, obs_units))
        .collect();
    let chosen = match (matching.as_slice(), forecast.fields.as_slice()) {
        ([one], _) => Some(*one),
        ([], [one]) => Some(one),
        _ => None,
    };
    if let Some(f) = chosen {
        return Ok((f.name.clone(), f.values.clone(), f.units.clone()));
    }
    if matching.is_empty()
        && let Some(e) = forecast
            .ensembles
            .iter()
            .find(|e| same_units(&e.units, obs_units))
    {
        return Ok((
            format!("ensemble mean of {}", e.name),
            ensemble_mean(e.values.view()),
            e.units.clone(),
        ));
    }
    Err(Error::parameter(
        "--variable",
        "(none)",
        format!(
            "the forecast file has several candidate variables ({}); name one (observations are in {obs_units})",
            names()
        ),
    ))
}

/// Mean over the members of a `(time, member, y, x)` ensemble (NaN where a member is NaN).
fn ensemble_mean(values: ndarray::ArrayView4<f32>) -> Array3<f32> {
    let members = values.len_of(Axis(1)) as f32;
    values.sum_axis(Axis(1)).mapv(|s| s / members)
}

/// Unit spellings that mean the same thing compare equal (`mm/h`, `mm h-1`, `mm hr-1`).
fn same_units(a: &str, b: &str) -> bool {
    fn canonical(u: &str) -> String {
        let u = u.trim().to_ascii_lowercase();
        match u.as_str() {
            "mm h-1" | "mm hr-1" | "mm/hr" | "mm h^-1" | "mm.h-1" => "mm/h".into(),
            "dbz" => "dbz".into(),
            _ => u,
        }
    }
    canonical(a) == canonical(b)
}

/// The observation's grid must be the forecast's (same projection, shape and cell positions to 0.1 % of a cell).
fn check_grid(forecast: &GridSpec, path: &Path, obs: &Grid2) -> Result<()> {
    let o = &obs.spec;
    let close = |a: f64, b: f64, cell: f64| (a - b).abs() <= 1e-3 * cell.abs();
    let same = o.shape() == forecast.shape()
        && o.projection == forecast.projection
        && close(o.x0, forecast.x0, forecast.dx)
        && close(o.y0, forecast.y0, forecast.dy)
        && close(o.dx, forecast.dx, forecast.dx)
        && close(o.dy, forecast.dy, forecast.dy);
    if same {
        return Ok(());
    }
    let describe = |s: &GridSpec| {
        format!(
            "{} × {} cells, first centre ({}, {}), spacing ({}, {}), {}",
            s.ny,
            s.nx,
            s.x0,
            s.y0,
            s.dx,
            s.dy,
            s.projection.proj_string()
        )
    };
    Err(Error::Shape {
        what: format!("grid of observation {}", path.display()),
        expected: format!("the forecast's grid: {}", describe(forecast)),
        found: describe(o),
    })
}

/// The error for a forecast time without an observation, saying which times there are.
fn missing_time(
    time: DateTime<Utc>,
    k: usize,
    observations: &BTreeMap<DateTime<Utc>, (PathBuf, Grid2)>,
) -> Error {
    let first = observations
        .keys()
        .next()
        .copied()
        .map(iso)
        .unwrap_or_default();
    let last = observations
        .keys()
        .last()
        .copied()
        .map(iso)
        .unwrap_or_default();
    Error::parameter(
        "--obs",
        format!("{} files", observations.len()),
        format!(
            "no observation at valid time {} (forecast lead {}); the observations cover {first} … {last}",
            iso(time),
            k + 1
        ),
    )
}

/// Every score of one lead time.
fn score_lead(
    forecast: ArrayView2<f32>,
    members: Option<ArrayView3<f32>>,
    obs: ArrayView2<f32>,
    args: &VerifyArgs,
) -> Result<Scores> {
    let mut categorical = Vec::with_capacity(args.thresholds.len());
    let mut fss = Vec::with_capacity(args.thresholds.len());
    for &threshold in &args.thresholds {
        let table = ContingencyTable::from_fields(forecast, obs, threshold)?;
        let s = table.scores();
        categorical.push(CategoricalRow {
            threshold,
            hits: table.hits,
            misses: table.misses,
            false_alarms: table.false_alarms,
            correct_negatives: table.correct_negatives,
            pod: s.pod,
            far: s.far,
            csi: s.csi,
            bias: s.bias,
            ets: s.gss,
            hss: s.hss,
        });
        let mut accumulator = FssAccumulator::new(threshold, &args.scales)?;
        accumulator.accumulate(forecast, obs)?;
        fss.push(FssRow {
            threshold,
            fss: accumulator.compute(),
        });
    }
    let mut continuous = ContinuousAccumulator::new(Conditioning::None)?;
    continuous.accumulate(forecast, obs)?;
    let c = continuous.scores();
    let ensemble = members
        .map(|m| ensemble_scores(m, obs, &args.thresholds))
        .transpose()?;
    Ok(Scores {
        categorical,
        continuous: ContinuousRow {
            n: c.n,
            me: c.me,
            mae: c.mae,
            rmse: c.rmse,
            corr: c.corr_p,
        },
        fss,
        ensemble,
    })
}

/// CRPS of the members, and Brier score and ROC area of their exceedance probability at each threshold.
fn ensemble_scores(
    members: ArrayView3<f32>,
    obs: ArrayView2<f32>,
    thresholds: &[f64],
) -> Result<EnsembleScores> {
    let mut crps = Crps::new();
    crps.accumulate(members, obs)?;
    let probabilistic = thresholds
        .iter()
        .map(|&threshold| {
            let probability: Array2<f32> = exceedance_probability(members, threshold)?;
            let mut brier = ReliabilityDiagram::new(threshold, BRIER_BINS, 0)?;
            brier.accumulate(probability.view(), obs)?;
            let mut roc = RocCurve::new(threshold, ROC_THRESHOLDS)?;
            roc.accumulate(probability.view(), obs)?;
            Ok(ProbabilisticRow {
                threshold,
                brier_score: brier.brier().brier_score,
                roc_area: roc.area(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(EnsembleScores {
        crps: crps.compute(),
        probabilistic,
    })
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A score with 3 decimals, or "—" where undefined.
fn number(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.3}")
    } else {
        "—".into()
    }
}

/// The report as plain-text tables, one block per lead time.
fn table(r: &Report) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "forecast {} — {} [{}]{}",
        r.forecast,
        r.deterministic,
        r.units,
        r.ensemble
            .as_ref()
            .map(|e| format!("; ensemble {} ({} members)", e.variable, e.members))
            .unwrap_or_default()
    );
    let _ = writeln!(out, "({})", r.conventions);
    for lead in &r.leads {
        let when = lead
            .lead_time_s
            .map(|s| format!(" (+{} min)", s / 60))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "\nlead {}: valid {}{when} vs {}",
            lead.lead, lead.valid_time, lead.observation
        );
        let _ = writeln!(
            out,
            "  {:>10} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
            "threshold", "POD", "FAR", "CSI", "BIAS", "ETS", "HSS"
        );
        for c in &lead.scores.categorical {
            let _ = writeln!(
                out,
                "  {:>10} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
                c.threshold,
                number(c.pod),
                number(c.far),
                number(c.csi),
                number(c.bias),
                number(c.ets),
                number(c.hss)
            );
        }
        let c = &lead.scores.continuous;
        let _ = writeln!(
            out,
            "  ME {}  MAE {}  RMSE {}  corr {}  ({} pixels)",
            number(c.me),
            number(c.mae),
            number(c.rmse),
            number(c.corr),
            c.n
        );
        let _ = write!(out, "  {:>10}", "FSS");
        for s in &r.scales {
            let _ = write!(out, " {:>7}", format!("{s} px"));
        }
        out.push('\n');
        for f in &lead.scores.fss {
            let _ = write!(out, "  {:>10}", f.threshold);
            for v in &f.fss {
                let _ = write!(out, " {:>7}", number(*v));
            }
            out.push('\n');
        }
        if let Some(e) = &lead.scores.ensemble {
            let _ = writeln!(out, "  CRPS {}", number(e.crps));
            let _ = writeln!(out, "  {:>10} {:>7} {:>7}", "threshold", "Brier", "ROC AUC");
            for p in &e.probabilistic {
                let _ = writeln!(
                    out,
                    "  {:>10} {:>7} {:>7}",
                    p.threshold,
                    number(p.brier_score),
                    number(p.roc_area)
                );
            }
        }
    }
    out.trim_end().to_owned()
}
