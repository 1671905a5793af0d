//! Warning rules: for each hazard, the levels with their issue and cancel probabilities, the lead-time window looked
//! at, the number of consecutive updates below the cancel threshold before a warning is lowered or cancelled, and the
//! validity of a message. All are plain serde structures so that a TOML or JSON configuration file deserialises into
//! [`WarningConfig`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The hazards warned for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hazard {
    /// Heavy rain: probability of ≥ 20 mm/h (or ≥ 20 mm in an hour) from the probability grids.
    HeavyRain,
    /// Hail: the hail threat score of the cells forecast to cross the area.
    Hail,
    /// Thunderstorm gale: the damaging-wind threat score of the cells forecast to cross the area.
    Gale,
}

impl Hazard {
    /// The three hazards in a fixed order.
    pub const ALL: [Hazard; 3] = [Hazard::HeavyRain, Hazard::Hail, Hazard::Gale];

    /// Short name used in identifiers (`heavy_rain`, `hail`, `gale`).
    pub fn code(self) -> &'static str {
        match self {
            Hazard::HeavyRain => "heavy_rain",
            Hazard::Hail => "hail",
            Hazard::Gale => "gale",
        }
    }

    /// Human-readable event name (CAP `event`).
    pub fn event(self) -> &'static str {
        match self {
            Hazard::HeavyRain => "Heavy rain",
            Hazard::Hail => "Hail",
            Hazard::Gale => "Thunderstorm gale",
        }
    }
}

/// Warning levels, in increasing severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Be aware (CAP severity Minor).
    Advisory,
    /// Be prepared (CAP severity Moderate).
    Warning,
    /// Take action (CAP severity Severe).
    Severe,
}

impl Level {
    /// CAP 1.2 `severity` of the level.
    pub fn cap_severity(self) -> &'static str {
        match self {
            Level::Advisory => "Minor",
            Level::Warning => "Moderate",
            Level::Severe => "Severe",
        }
    }
}

/// Thresholds of one level: issued (or raised to) when the area's probability (or threat score) reaches `p_on`,
/// held while it stays at or above `p_off`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LevelRule {
    /// The level.
    pub level: Level,
    /// Probability (or score) in [0, 1] that issues the level.
    pub p_on: f32,
    /// Probability (or score) below which the level is dropped (after `cancel_after` updates), ≤ `p_on`.
    pub p_off: f32,
}

/// The rule of one hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardRule {
    /// Levels, any order; at most one per [`Level`].
    pub levels: Vec<LevelRule>,
    /// Shortest lead time considered, s (0 includes the analysis).
    #[serde(default)]
    pub min_lead_s: f64,
    /// Longest lead time considered, s.
    pub max_lead_s: f64,
    /// Consecutive updates below `p_off` before a level is lowered or the warning cancelled (≥ 1).
    pub cancel_after: u32,
    /// How long a message is valid after it is sent, s (CAP `expires`); a held warning is re-sent as an update
    /// when it would expire within `renew_before_s`.
    pub valid_for_s: f64,
    /// Margin before expiry at which a held warning is extended, s.
    #[serde(default = "default_renew_before_s")]
    pub renew_before_s: f64,
}

fn default_renew_before_s() -> f64 {
    600.0
}

impl HazardRule {
    /// A three-level rule with the given issue probabilities and cancel probabilities 0.2 lower (at least 0),
    /// lead window 0–60 min, `cancel_after` = 2 updates, messages valid 60 min.
    pub fn three_levels(p_on: [f32; 3]) -> HazardRule {
        let levels = [Level::Advisory, Level::Warning, Level::Severe]
            .into_iter()
            .zip(p_on)
            .map(|(level, p_on)| LevelRule {
                level,
                p_on,
                p_off: (p_on - 0.2).max(0.0),
            })
            .collect();
        HazardRule {
            levels,
            min_lead_s: 0.0,
            max_lead_s: 3600.0,
            cancel_after: 2,
            valid_for_s: 3600.0,
            renew_before_s: default_renew_before_s(),
        }
    }

    /// Checks the thresholds and times.
    ///
    /// # Errors
    /// [`Error::Parameter`] naming the hazard and the offending value.
    pub fn validate(&self, hazard: Hazard) -> Result<()> {
        let name = |field: &str| format!("{}.{field}", hazard.code());
        if self.levels.is_empty() {
            return Err(Error::parameter(
                &name("levels"),
                "[]",
                "at least one level is needed",
            ));
        }
        for (k, l) in self.levels.iter().enumerate() {
            if !((0.0..=1.0).contains(&l.p_on) && (0.0..=l.p_on).contains(&l.p_off)) {
                return Err(Error::parameter(
                    &name("levels"),
                    format!("{:?} p_on {} p_off {}", l.level, l.p_on, l.p_off),
                    "need 0 ≤ p_off ≤ p_on ≤ 1",
                ));
            }
            if self.levels[..k].iter().any(|m| m.level == l.level) {
                return Err(Error::parameter(
                    &name("levels"),
                    format!("{:?}", l.level),
                    "each level may appear once",
                ));
            }
        }
        if !(self.min_lead_s >= 0.0
            && self.max_lead_s >= self.min_lead_s
            && self.max_lead_s.is_finite())
        {
            return Err(Error::parameter(
                &name("max_lead_s"),
                format!("{}..{}", self.min_lead_s, self.max_lead_s),
                "need 0 ≤ min_lead_s ≤ max_lead_s < ∞",
            ));
        }
        if self.cancel_after == 0 {
            return Err(Error::parameter(
                &name("cancel_after"),
                0,
                "must be at least 1",
            ));
        }
        if !(self.valid_for_s > 0.0 && self.valid_for_s.is_finite() && self.renew_before_s >= 0.0) {
            return Err(Error::parameter(
                &name("valid_for_s"),
                self.valid_for_s,
                "must be positive and finite, with renew_before_s ≥ 0",
            ));
        }
        Ok(())
    }

    /// The highest level whose issue threshold `p` reaches.
    pub fn level_on(&self, p: f32) -> Option<Level> {
        self.levels
            .iter()
            .filter(|l| p >= l.p_on)
            .map(|l| l.level)
            .max()
    }

    /// The highest level whose cancel threshold `p` still reaches.
    pub fn level_held(&self, p: f32) -> Option<Level> {
        self.levels
            .iter()
            .filter(|l| p >= l.p_off)
            .map(|l| l.level)
            .max()
    }

    /// The thresholds of `level`, if configured.
    pub fn rule_of(&self, level: Level) -> Option<&LevelRule> {
        self.levels.iter().find(|l| l.level == level)
    }

    /// The lowest issue threshold of all levels.
    pub fn lowest_p_on(&self) -> f32 {
        self.levels
            .iter()
            .map(|l| l.p_on)
            .fold(f32::INFINITY, f32::min)
    }
}

/// The whole warning configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WarningConfig {
    /// CAP `sender` (no spaces, commas, `<` or `&`), e.g. `squall@example.org`.
    pub sender: String,
    /// CAP `status`: `Actual`, `Exercise`, `System`, `Test` or `Draft`.
    #[serde(default = "default_status")]
    pub status: String,
    /// Heavy-rain rule (absent: not warned).
    #[serde(default)]
    pub heavy_rain: Option<HazardRule>,
    /// Hail rule (absent: not warned).
    #[serde(default)]
    pub hail: Option<HazardRule>,
    /// Thunderstorm-gale rule (absent: not warned).
    #[serde(default)]
    pub gale: Option<HazardRule>,
}

fn default_status() -> String {
    "Actual".to_owned()
}

impl WarningConfig {
    /// Heavy rain only, at one level (advisory), as warning replays over a recorded sequence use it: issued when the
    /// exceedance probability reaches `p_on` (cancelled below `p_on` − 0.2), for rain up to `max_lead_s` seconds
    /// ahead and valid as long; CAP status `Exercise`.
    pub fn heavy_rain_exercise(sender: &str, p_on: f32, max_lead_s: f64) -> WarningConfig {
        let mut rule = HazardRule::three_levels([p_on, 0.6, 0.85]);
        rule.levels.truncate(1);
        rule.max_lead_s = max_lead_s;
        rule.valid_for_s = max_lead_s;
        WarningConfig {
            sender: sender.to_owned(),
            status: "Exercise".into(),
            heavy_rain: Some(rule),
            hail: None,
            gale: None,
        }
    }

    /// The rule of a hazard, if it is warned for.
    pub fn rule(&self, hazard: Hazard) -> Option<&HazardRule> {
        match hazard {
            Hazard::HeavyRain => self.heavy_rain.as_ref(),
            Hazard::Hail => self.hail.as_ref(),
            Hazard::Gale => self.gale.as_ref(),
        }
    }

    /// Checks the sender, status and every rule.
    ///
    /// # Errors
    /// [`Error::Parameter`] for an invalid sender or status or any invalid rule.
    pub fn validate(&self) -> Result<()> {
        if self.sender.is_empty()
            || self
                .sender
                .chars()
                .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '&')
        {
            return Err(Error::parameter(
                "sender",
                &self.sender,
                "CAP senders are non-empty and contain no spaces, commas, '<' or '&'",
            ));
        }
        if !["Actual", "Exercise", "System", "Test", "Draft"].contains(&self.status.as_str()) {
            return Err(Error::parameter(
                "status",
                &self.status,
                "one of Actual, Exercise, System, Test, Draft",
            ));
        }
        for hazard in Hazard::ALL {
            if let Some(rule) = self.rule(hazard) {
                rule.validate(hazard)?;
            }
        }
        Ok(())
    }
}
