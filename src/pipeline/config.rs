//! The Nowcaster's configuration: one TOML file with the radars, the grid, the scan cycle, the QC, the nowcast,
//! the thresholds, the cell identification and the warning regions and rules. See `examples/nowcaster.toml`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cells::{IdentifyConfig, TrackerConfig};
use crate::error::{Error, Result};
use crate::geo::{GridSpec, Projection};
use crate::volume::Band;
use crate::warn::{MappedArea, WarningConfig, areas_from_geojson, map_areas};

/// Everything the [`Nowcaster`](super::Nowcaster) needs, as read from one TOML file.
///
/// Unknown keys are refused (a misspelt key is an error, not a silent default); every section but `[[radar]]` and
/// `[grid]` has defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NowcasterConfig {
    /// The radars (`[[radar]]` tables), at least one; volumes of other radars are dropped.
    #[serde(rename = "radar")]
    pub radars: Vec<RadarEntry>,
    /// The mosaic grid.
    pub grid: GridSection,
    /// How volumes are grouped into scan cycles.
    #[serde(default)]
    pub cycle: CycleSection,
    /// Dual-polarisation quality control.
    #[serde(default)]
    pub qc: QcSection,
    /// Motion and ensemble nowcast.
    #[serde(default)]
    pub nowcast: NowcastSection,
    /// Thresholds of the probability products.
    #[serde(default)]
    pub thresholds: ThresholdSection,
    /// Cell identification (`[cells]`: as [`IdentifyConfig`], every key required when the table is given).
    #[serde(default)]
    pub cells: IdentifyConfig,
    /// Cell tracking (`[tracker]`, as [`TrackerConfig`]).
    #[serde(default)]
    pub tracker: TrackerConfig,
    /// Optional polarimetric products.
    #[serde(default)]
    pub products: ProductSection,
    /// How long the state remembers the past.
    #[serde(default)]
    pub history: HistorySection,
    /// Warning regions and rules (absent: no warnings).
    #[serde(default)]
    pub warnings: Option<WarningSection>,
}

/// One radar of the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RadarEntry {
    /// Station identifier; volumes are matched on their site id.
    pub id: String,
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Antenna height above mean sea level, m.
    #[serde(default)]
    pub altitude_m: f64,
    /// Frequency band (`"S"`, `"C"` or `"X"`): sets the QC coefficients when the file gives no frequency.
    pub band: Band,
    /// Largest distance between the configured position and the position in a volume, m (1000): a volume
    /// further away is refused as belonging to another radar.
    #[serde(default = "default_position_tolerance_m")]
    pub position_tolerance_m: f64,
}

fn default_position_tolerance_m() -> f64 {
    1000.0
}

/// The mosaic grid: an azimuthal equidistant grid of `nx × ny` cells of `spacing_m` centred on a point, with
/// levels at `heights_m` above mean sea level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridSection {
    /// Latitude of the centre, degrees north.
    pub centre_latitude_deg: f64,
    /// Longitude of the centre, degrees east.
    pub centre_longitude_deg: f64,
    /// Columns.
    pub nx: usize,
    /// Rows.
    pub ny: usize,
    /// Cell size, m.
    pub spacing_m: f64,
    /// Levels above mean sea level, m, strictly increasing (default 1–15 km every km).
    #[serde(default = "default_heights_m")]
    pub heights_m: Vec<f64>,
}

fn default_heights_m() -> Vec<f64> {
    (1..=15).map(|k| 1000.0 * f64::from(k)).collect()
}

/// Scan cycles. Cycle `k` holds the volumes whose scan start time lies in `[k·length_s, (k+1)·length_s)` (seconds
/// since 1970, shifted by `offset_s`); its valid time is its start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CycleSection {
    /// Length of a cycle, s (360).
    pub length_s: f64,
    /// Offset of the cycle boundaries from whole multiples of `length_s`, s (0).
    pub offset_s: f64,
    /// A cycle with radars missing is computed with the radars present once a volume at least this long after
    /// the cycle's end has arrived, s (120); a complete cycle is computed at once.
    pub wait_s: f64,
    /// A volume of the latest computed cycle that arrives at most this long after the cycle's end (by the newest
    /// scan time seen) recomputes the cycle with it; later ones, and volumes of older cycles, are dropped, s (600).
    pub tolerance_s: f64,
}

impl Default for CycleSection {
    fn default() -> Self {
        CycleSection {
            length_s: 360.0,
            offset_s: 0.0,
            wait_s: 120.0,
            tolerance_s: 600.0,
        }
    }
}

/// Optional polarimetric products of each cycle (they need `qc.enabled`: they read the attenuation-corrected ZDR,
/// which adds a gridding per volume: tilt by tilt for the ZDR column, on the 3-D grid for HDR).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProductSection {
    /// ZDR-column depth from each radar's tilts ([`crate::products::ZdrColumn::depth_from_tilts`] at the QC
    /// freezing level) (false).
    pub zdr_column: bool,
    /// Hail differential reflectivity on the 3-D grid ([`crate::products::hdr()`]) (false).
    pub hdr: bool,
}

impl ProductSection {
    /// Whether a product needs the corrected ZDR.
    pub fn need_zdr(&self) -> bool {
        self.zdr_column || self.hdr
    }
}

/// How long the state keeps what it no longer needs for the next cycles.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HistorySection {
    /// Cell tracks that ended (last seen) more than this long before the current cycle are forgotten with their
    /// history, and so are merge and split events older than this, s (3600): the state stays bounded over a long
    /// run. Active tracks are kept whatever their age.
    pub ended_tracks_s: f64,
}

impl Default for HistorySection {
    fn default() -> Self {
        HistorySection {
            ended_tracks_s: 3600.0,
        }
    }
}

/// Dual-polarisation QC ([`crate::dualpol::process()`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QcSection {
    /// Run the dual-polarisation chain and mosaic the attenuation-corrected reflectivity (true); false mosaics
    /// the raw reflectivity.
    pub enabled: bool,
    /// Height of the 0 °C level above mean sea level, m (4000): QC temperature and the hail indices.
    pub freezing_level_m: f64,
    /// Height of the −20 °C level above mean sea level, m (freezing level + 3077 m of the standard atmosphere).
    pub minus20_level_m: Option<f64>,
    /// Name of the reflectivity moment in the volumes (`DBZH`).
    pub reflectivity: String,
    /// Two-way path-integrated attenuation up to which a C- or X-band gate keeps full weight in the mosaic, dB (1).
    pub pia_full_weight_db: f32,
    /// Path-integrated attenuation at which a C- or X-band gate's mosaic weight has fallen to (nearly) 0, dB (10).
    pub pia_zero_weight_db: f32,
}

impl Default for QcSection {
    fn default() -> Self {
        QcSection {
            enabled: true,
            freezing_level_m: 4000.0,
            minus20_level_m: None,
            reflectivity: "DBZH".to_owned(),
            pia_full_weight_db: 1.0,
            pia_zero_weight_db: 10.0,
        }
    }
}

/// The ensemble method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// STEPS (Bowler et al. 2006).
    Steps,
    /// The adaptive convective ensemble.
    Adaptive,
    /// Extrapolation of the newest field (one member).
    Extrapolation,
}

/// Motion and ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NowcastSection {
    /// Ensemble method (`"steps"`).
    pub method: Method,
    /// Members (20).
    pub members: usize,
    /// Longest lead time, min (60); the time step is the cycle length.
    pub lead_time_min: f64,
    /// Cascade levels (6).
    pub cascade_levels: usize,
    /// Seed of the random streams (0); every cycle uses this seed, so a cycle's ensemble depends only on its input.
    pub seed: u64,
    /// Motion is estimated on fields block-averaged by this factor and interpolated back (1 = full
    /// resolution; 2–4 speeds up Lucas–Kanade on large grids).
    pub motion_coarsening: usize,
    /// The ensemble runs on fields block-averaged by this factor (1 = the full grid; 2 on a 1-km grid runs it at
    /// 2 km, four times fewer pixels) and its members are interpolated back bilinearly before the probabilities.
    pub ensemble_coarsening: usize,
    /// Keep the whole ensemble in each [`Update`](super::Update) (false: only the mean and probabilities).
    pub keep_ensemble: bool,
}

impl Default for NowcastSection {
    fn default() -> Self {
        NowcastSection {
            method: Method::Steps,
            members: 20,
            lead_time_min: 60.0,
            cascade_levels: 6,
            seed: 0,
            motion_coarsening: 1,
            ensemble_coarsening: 1,
            keep_ensemble: false,
        }
    }
}

/// Thresholds of the products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ThresholdSection {
    /// Rain rates whose exceedance probability is computed, mm h⁻¹ (1, 5, 20).
    pub rain_rate_mm_h: Vec<f32>,
    /// Rain rate of the heavy-rain warning probability, mm h⁻¹ (20).
    pub heavy_rain_mm_h: f32,
    /// One-hour accumulation of the heavy-rain warning probability, mm (20).
    pub accumulation_mm: f32,
    /// Echo-top reflectivity, dBZ (18).
    pub echo_top_dbz: f32,
}

impl Default for ThresholdSection {
    fn default() -> Self {
        ThresholdSection {
            rain_rate_mm_h: vec![1.0, 5.0, 20.0],
            heavy_rain_mm_h: 20.0,
            accumulation_mm: 20.0,
            echo_top_dbz: 18.0,
        }
    }
}

/// Warning regions and rules: the keys of [`WarningConfig`] (`sender`, `status`, `[warnings.heavy_rain]`,
/// `[warnings.hail]`, `[warnings.gale]`) plus the GeoJSON file of the regions and points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningSection {
    /// GeoJSON FeatureCollection of the warning areas; a relative path is taken from the configuration file's
    /// folder.
    pub regions: PathBuf,
    /// Sender, status and hazard rules.
    #[serde(flatten)]
    pub rules: WarningConfig,
}

impl NowcasterConfig {
    /// Reads and checks a TOML configuration file; relative paths in it are resolved against its folder.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; [`Error::Decode`] for TOML that does not parse or does not fit
    /// the schema (the message names the key and line); [`Error::Parameter`] for values out of range
    /// ([`NowcasterConfig::validate`]).
    pub fn load(path: impl AsRef<Path>) -> Result<NowcasterConfig> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        NowcasterConfig::from_toml(&text, &path.display().to_string(), base)
    }

    /// Parses and checks a configuration given as TOML text; `source_name` names it in errors and relative paths
    /// are resolved against `base_dir`.
    ///
    /// # Errors
    /// As [`NowcasterConfig::load`], without the I/O.
    ///
    /// # Examples
    /// ```
    /// use squall::pipeline::NowcasterConfig;
    /// let text = r#"
    ///     [[radar]]
    ///     id = "Z9200"
    ///     latitude_deg = 23.0
    ///     longitude_deg = 113.0
    ///     band = "S"
    ///     [grid]
    ///     centre_latitude_deg = 23.0
    ///     centre_longitude_deg = 113.0
    ///     nx = 100
    ///     ny = 100
    ///     spacing_m = 1000.0
    /// "#;
    /// let config = NowcasterConfig::from_toml(text, "inline", ".".as_ref())?;
    /// assert_eq!(config.nowcast.members, 20);
    /// let typo = text.replace("spacing_m", "spacing");
    /// let err = NowcasterConfig::from_toml(&typo, "inline", ".".as_ref()).unwrap_err();
    /// assert!(err.to_string().contains("spacing"), "{err}");
    /// # Ok::<(), squall::Error>(())
    /// ```
    pub fn from_toml(text: &str, source_name: &str, base_dir: &Path) -> Result<NowcasterConfig> {
        let mut config: NowcasterConfig = toml::from_str(text).map_err(|e| Error::Decode {
            format: "Nowcaster TOML configuration",
            source_name: source_name.to_owned(),
            offset: e.span().map_or(0, |s| s.start as u64),
            reason: e.message().trim().to_owned() + &line_of(text, e.span()),
        })?;
        if let Some(w) = &mut config.warnings {
            if w.regions.is_relative() {
                w.regions = base_dir.join(&w.regions);
            }
        }
        config.validate()?;
        Ok(config)
    }

    /// Checks every value.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the key (`radar[1].id`, `cycle.wait_s`, …) and saying what would be valid.
    pub fn validate(&self) -> Result<()> {
        let positive = |name: &str, v: f64| {
            if v > 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(Error::parameter(name, v, "must be positive and finite"))
            }
        };
        let non_negative = |name: &str, v: f64| {
            if v >= 0.0 && v.is_finite() {
                Ok(())
            } else {
                Err(Error::parameter(name, v, "must be zero or positive"))
            }
        };
        if self.radars.is_empty() {
            return Err(Error::parameter(
                "radar",
                "[]",
                "at least one [[radar]] table is needed",
            ));
        }
        for (k, r) in self.radars.iter().enumerate() {
            let name = |field: &str| format!("radar[{k}].{field}");
            if r.id.trim().is_empty() {
                return Err(Error::parameter(&name("id"), "\"\"", "must not be empty"));
            }
            if self.radars[..k].iter().any(|o| o.id == r.id) {
                return Err(Error::parameter(
                    &name("id"),
                    &r.id,
                    "is given twice: radar ids must be unique",
                ));
            }
            if !(-90.0..=90.0).contains(&r.latitude_deg) {
                return Err(Error::parameter(
                    &name("latitude_deg"),
                    r.latitude_deg,
                    "must be within [-90, 90]",
                ));
            }
            if !(-180.0..=360.0).contains(&r.longitude_deg) {
                return Err(Error::parameter(
                    &name("longitude_deg"),
                    r.longitude_deg,
                    "must be within [-180, 360]",
                ));
            }
            if !r.altitude_m.is_finite() {
                return Err(Error::parameter(
                    &name("altitude_m"),
                    r.altitude_m,
                    "must be finite",
                ));
            }
            positive(&name("position_tolerance_m"), r.position_tolerance_m)?;
        }
        let g = &self.grid;
        if !(-90.0..=90.0).contains(&g.centre_latitude_deg)
            || !(-180.0..=360.0).contains(&g.centre_longitude_deg)
        {
            return Err(Error::parameter(
                "grid.centre",
                format!("{} {}", g.centre_latitude_deg, g.centre_longitude_deg),
                "latitude within [-90, 90] and longitude within [-180, 360]",
            ));
        }
        positive("grid.spacing_m", g.spacing_m)?;
        for (name, n) in [("grid.nx", g.nx), ("grid.ny", g.ny)] {
            if !(8..=8192).contains(&n) {
                return Err(Error::parameter(name, n, "must be within [8, 8192] cells"));
            }
        }
        if g.heights_m.is_empty()
            || g.heights_m.iter().any(|h| !h.is_finite())
            || g.heights_m.windows(2).any(|w| w[1] <= w[0])
        {
            return Err(Error::parameter(
                "grid.heights_m",
                format!("{:?}", g.heights_m),
                "at least one finite height, strictly increasing",
            ));
        }
        let c = &self.cycle;
        positive("cycle.length_s", c.length_s)?;
        non_negative("cycle.wait_s", c.wait_s)?;
        non_negative("cycle.tolerance_s", c.tolerance_s)?;
        non_negative("history.ended_tracks_s", self.history.ended_tracks_s)?;
        if self.products.need_zdr() && !self.qc.enabled {
            return Err(Error::parameter(
                "products",
                format!("{:?}", self.products),
                "the ZDR column and HDR need qc.enabled = true (they read the attenuation-corrected ZDR)",
            ));
        }
        if !c.offset_s.is_finite() {
            return Err(Error::parameter(
                "cycle.offset_s",
                c.offset_s,
                "must be finite",
            ));
        }
        let q = &self.qc;
        if !q.freezing_level_m.is_finite() {
            return Err(Error::parameter(
                "qc.freezing_level_m",
                q.freezing_level_m,
                "must be finite",
            ));
        }
        if let Some(m20) = q
            .minus20_level_m
            .filter(|&m| m <= q.freezing_level_m || m.is_nan())
        {
            return Err(Error::parameter(
                "qc.minus20_level_m",
                m20,
                "must be above the freezing level",
            ));
        }
        if !(q.pia_full_weight_db >= 0.0
            && q.pia_zero_weight_db > q.pia_full_weight_db
            && q.pia_zero_weight_db.is_finite())
        {
            return Err(Error::parameter(
                "qc.pia_zero_weight_db",
                q.pia_zero_weight_db,
                format!(
                    "must be finite and above qc.pia_full_weight_db ({}), itself ≥ 0",
                    q.pia_full_weight_db
                ),
            ));
        }
        let n = &self.nowcast;
        if !(1..=1000).contains(&n.members) {
            return Err(Error::parameter(
                "nowcast.members",
                n.members,
                "must be within [1, 1000]",
            ));
        }
        positive("nowcast.lead_time_min", n.lead_time_min)?;
        if n.lead_time_min * 60.0 < c.length_s {
            return Err(Error::parameter(
                "nowcast.lead_time_min",
                n.lead_time_min,
                format!("must be at least one cycle ({} s)", c.length_s),
            ));
        }
        if !(2..=12).contains(&n.cascade_levels) {
            return Err(Error::parameter(
                "nowcast.cascade_levels",
                n.cascade_levels,
                "must be within [2, 12]",
            ));
        }
        if !(1..=8).contains(&n.ensemble_coarsening) || g.nx.min(g.ny) / n.ensemble_coarsening < 32
        {
            return Err(Error::parameter(
                "nowcast.ensemble_coarsening",
                n.ensemble_coarsening,
                "must be within [1, 8] and leave at least 32 × 32 cells",
            ));
        }
        if !(1..=16).contains(&n.motion_coarsening) {
            return Err(Error::parameter(
                "nowcast.motion_coarsening",
                n.motion_coarsening,
                "must be within [1, 16]",
            ));
        }
        let t = &self.thresholds;
        if t.rain_rate_mm_h.is_empty()
            || t.rain_rate_mm_h
                .iter()
                .any(|v| !(v.is_finite() && *v > 0.0))
        {
            return Err(Error::parameter(
                "thresholds.rain_rate_mm_h",
                format!("{:?}", t.rain_rate_mm_h),
                "at least one positive rain rate",
            ));
        }
        for (name, v) in [
            ("thresholds.heavy_rain_mm_h", t.heavy_rain_mm_h),
            ("thresholds.accumulation_mm", t.accumulation_mm),
        ] {
            positive(name, f64::from(v))?;
        }
        if !t.echo_top_dbz.is_finite() {
            return Err(Error::parameter(
                "thresholds.echo_top_dbz",
                t.echo_top_dbz,
                "must be finite",
            ));
        }
        if let Some(w) = &self.warnings {
            w.rules.validate().map_err(|e| prefixed("warnings", e))?;
        }
        Ok(())
    }

    /// The mosaic grid: azimuthal equidistant about the configured centre, rows running south (north up).
    pub fn grid_spec(&self) -> GridSpec {
        let g = &self.grid;
        let half_x = (g.nx as f64 - 1.0) / 2.0 * g.spacing_m;
        let half_y = (g.ny as f64 - 1.0) / 2.0 * g.spacing_m;
        GridSpec {
            projection: Projection::AzimuthalEquidistant {
                latitude_deg: g.centre_latitude_deg,
                longitude_deg: g.centre_longitude_deg,
            },
            ny: g.ny,
            nx: g.nx,
            x0: -half_x,
            y0: half_y,
            dx: g.spacing_m,
            dy: -g.spacing_m,
        }
    }

    /// Number of lead times: the longest lead time in whole cycles.
    pub fn n_lead_times(&self) -> usize {
        ((self.nowcast.lead_time_min * 60.0 / self.cycle.length_s).round() as usize).max(1)
    }

    /// The warning areas read from the regions file and mapped onto the grid (`None` without `[warnings]`).
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; the errors of [`areas_from_geojson`] (naming the file) and
    /// [`map_areas`].
    pub fn warning_areas(&self) -> Result<Option<Vec<MappedArea>>> {
        let Some(w) = &self.warnings else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(&w.regions).map_err(|e| Error::io(&w.regions, e))?;
        let areas = areas_from_geojson(&text).map_err(|e| match e {
            Error::Decode {
                format,
                offset,
                reason,
                ..
            } => Error::Decode {
                format,
                source_name: w.regions.display().to_string(),
                offset,
                reason,
            },
            other => other,
        })?;
        Ok(Some(map_areas(&areas, &self.grid_spec())?))
    }

    /// The configured radar with this id.
    pub fn radar(&self, id: &str) -> Option<&RadarEntry> {
        self.radars.iter().find(|r| r.id == id)
    }
}

/// " (line L, column C)" of a TOML error span.
fn line_of(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    span.map_or_else(String::new, |s| {
        let before = &text[..s.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        let text_of_line = text.lines().nth(line - 1).unwrap_or("").trim();
        format!(" (line {line}, column {column}: `{text_of_line}`)")
    })
}

/// A parameter error with its name put under a section.
fn prefixed(section: &str, error: Error) -> Error {
    match error {
        Error::Parameter {
            name,
            value,
            reason,
        } => Error::Parameter {
            name: format!("{section}.{name}"),
            value,
            reason,
        },
        other => other,
    }
}
