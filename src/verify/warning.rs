//! Verification of warnings against observed events, as the US National Weather Service verifies storm-based
//! warnings: an event is *warned* if it happens inside a warning's region during its valid period, a warning is
//! *verified* if at least one event happens inside its region during its valid period.
//!
//! POD = warned events / events, FAR = unverified warnings / warnings, CSI = 1 / (1/POD + 1/(1 − FAR) − 1) (the
//! NWS form, since events and warnings are counted separately), and the lead time of a warned event is the event
//! time minus the issue time of the earliest-issued warning that covers it. Missed events have no lead time (the
//! NWS counts them with zero lead time in its average over all events; [`WarningVerification::mean_lead_time_all_events_s`]
//! gives that figure).
//!
//! The NWS rule credits a warning with an event that was already under way when the warning was issued (lead
//! time 0 or more), so a warning that merely reports what is happening (persistence) scores as well as one that
//! forecast it. [`HitRule::Onset`] (set in [`WarningVerifyConfig`]) scores forecasts instead: the events of a
//! region are grouped into episodes (event times no more than `episode_gap_s` apart), an episode is a hit only when
//! a warning was in force at its onset and issued more than 0 s and at least `min_lead_s` before it, and an
//! episode already under way when the only warnings covering it were issued is counted apart as *in progress at
//! issue* — neither a hit nor a miss — as are the warnings issued on such episodes only (neither verified nor false
//! alarms). POD, FAR, CSI and the lead times then use the remaining episodes and warnings.
//!
//! pysteps has no equivalent; the tests are hand-made cases with known answers.
//!
//! # References
//! - National Weather Service. *Verification Procedures*, NWS Instruction 10-1601 (storm-based warning
//!   verification: POD, FAR, CSI, lead time).
//! - Schaefer, J. T. (1990). The critical success index as an indicator of warning skill. *Weather and
//!   Forecasting* 5, 570–575. doi:10.1175/1520-0434(1990)005<0570:TCSIAA>2.0.CO;2

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::verify::input::ratio;

/// Identifier of a warning region (a county, district or warning polygon, numbered by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RegionId(pub u32);

/// A warning for one region: issued at `issued`, valid from `valid_from` to `valid_until` inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The warned region.
    pub region: RegionId,
    /// When the warning was issued.
    pub issued: DateTime<Utc>,
    /// Start of the valid period (at or after `issued`; usually equal).
    pub valid_from: DateTime<Utc>,
    /// End of the valid period (inclusive).
    pub valid_until: DateTime<Utc>,
}

/// An observed hazardous event (a storm report, a radar-detected hail core, a rain rate above the warning
/// criterion) in one region at one time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservedEvent {
    /// Where it happened.
    pub region: RegionId,
    /// When it happened.
    pub time: DateTime<Utc>,
}

/// Which events count as warned (the hits) and which warnings as verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum HitRule {
    /// NWS Instruction 10-1601: every event inside a warning's region and valid period is warned, with lead time
    /// event time − issue time (0 or more), and a warning with such an event is verified. Events are counted one by
    /// one.
    #[default]
    Nws,
    /// Only events that start after the warning was issued are hits. The events of a region are grouped into
    /// episodes: sorted event times, a new episode whenever the gap to the previous one exceeds `episode_gap_s`
    /// (use at least the observation interval, or every observation becomes an episode of its own). An episode is
    /// a *hit* when a warning of its region is valid at its onset (first event time) and was issued `lead` = onset −
    /// issue time before it, with `lead` > 0 and `lead` ≥ `min_lead_s`; its lead time is that of the
    /// earliest-issued such warning. An episode that is not a hit but has an event inside a warning issued at or
    /// after its onset was *in progress at issue*: it is counted in
    /// [`WarningVerification::in_progress_events`], not in `events`. Every other episode is a miss (including those
    /// warned less than `min_lead_s` ahead). A warning is verified when an episode of its region starts inside its
    /// valid period at least that far after its issue; a warning that is not verified but covers an event of an
    /// episode that had started by its issue time goes to [`WarningVerification::in_progress_warnings`]; the rest
    /// are false alarms.
    Onset {
        /// Shortest lead time of a hit, seconds (≥ 0; a hit always needs a lead above 0 s).
        min_lead_s: i64,
        /// Longest gap between two event times of one episode, seconds (≥ 0).
        episode_gap_s: i64,
    },
}

/// Options of [`verify_warnings_with`]; the default is the NWS rule of [`verify_warnings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct WarningVerifyConfig {
    /// Which events count as hits (default [`HitRule::Nws`]).
    #[serde(default)]
    pub hit_rule: HitRule,
}

/// Counts and lead times of a set of warnings verified against a set of events.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct WarningVerification {
    /// The rule the counts follow.
    pub hit_rule: HitRule,
    /// Number of observed events scored (POD's denominator): under [`HitRule::Onset`] the episodes, less those in
    /// progress at issue.
    pub events: u64,
    /// Events inside a warning's region and valid period (under [`HitRule::Onset`]: episodes warned ahead).
    pub warned_events: u64,
    /// Number of warnings scored (FAR's denominator): under [`HitRule::Onset`] less those issued on events in
    /// progress only.
    pub warnings: u64,
    /// Warnings with at least one event in their region and valid period (under [`HitRule::Onset`]: with an
    /// episode starting inside it, after its issue).
    pub verified_warnings: u64,
    /// Lead time of each warned event, seconds, sorted ascending (under [`HitRule::Onset`]: onset − issue time of
    /// each episode warned ahead).
    pub lead_times_s: Vec<i64>,
    /// Episodes already under way when the warnings covering them were issued ([`HitRule::Onset`] only; 0 under
    /// the NWS rule): neither hits nor misses.
    pub in_progress_events: u64,
    /// Warnings that cover only episodes in progress at their issue ([`HitRule::Onset`] only; 0 under the NWS
    /// rule): neither verified nor false alarms.
    pub in_progress_warnings: u64,
}

/// Verifies `warnings` against `events` (both in any order) by the NWS rule ([`HitRule::Nws`]).
///
/// # Errors
/// [`Error::Parameter`] if a warning ends before it starts or starts before it is issued.
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use squall::verify::{verify_warnings, ObservedEvent, RegionId, Warning};
/// let at = |minute| Utc.with_ymd_and_hms(2024, 6, 5, 14, minute, 0).unwrap();
/// let warnings = [
///     Warning { region: RegionId(1), issued: at(0), valid_from: at(0), valid_until: at(45) },
///     Warning { region: RegionId(2), issued: at(10), valid_from: at(10), valid_until: at(40) },
/// ];
/// let events = [
///     ObservedEvent { region: RegionId(1), time: at(20) },
///     ObservedEvent { region: RegionId(3), time: at(25) },
/// ];
/// let result = verify_warnings(&warnings, &events)?;
/// assert_eq!((result.pod(), result.far()), (0.5, 0.5));
/// assert_eq!(result.lead_times_s, vec![20 * 60]);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn verify_warnings(
    warnings: &[Warning],
    events: &[ObservedEvent],
) -> Result<WarningVerification> {
    verify_warnings_with(warnings, events, &WarningVerifyConfig::default())
}

/// Verifies `warnings` against `events` (both in any order) by the rule of `config`.
///
/// # Errors
/// [`Error::Parameter`] if a warning ends before it starts or starts before it is issued, or for a negative
/// `min_lead_s` or `episode_gap_s`.
///
/// # Examples
/// A warning issued at 14:10 on rain that started at 14:00 and one issued at 14:00 for rain from 14:10:
/// ```
/// use chrono::{TimeZone, Utc};
/// use squall::verify::*;
/// let at = |minute| Utc.with_ymd_and_hms(2024, 6, 5, 14, minute, 0).unwrap();
/// let warning = |region, minute| Warning {
///     region: RegionId(region), issued: at(minute), valid_from: at(minute), valid_until: at(minute + 30),
/// };
/// let event = |region, minute| ObservedEvent { region: RegionId(region), time: at(minute) };
/// let warnings = [warning(1, 10), warning(2, 0)];
/// let events = [event(1, 0), event(1, 5), event(1, 10), event(1, 15), event(2, 10), event(2, 15)];
/// let nws = verify_warnings(&warnings, &events)?;
/// assert_eq!((nws.pod(), nws.far(), nws.warned_events), (4.0 / 6.0, 0.0, 4));
/// let onset = HitRule::Onset { min_lead_s: 0, episode_gap_s: 300 };
/// let ahead = verify_warnings_with(&warnings, &events, &WarningVerifyConfig { hit_rule: onset })?;
/// assert_eq!((ahead.events, ahead.in_progress_events, ahead.warnings, ahead.in_progress_warnings), (1, 1, 1, 1));
/// assert_eq!((ahead.pod(), ahead.far(), ahead.lead_times_s.clone()), (1.0, 0.0, vec![600]));
/// # Ok::<(), squall::Error>(())
/// ```
pub fn verify_warnings_with(
    warnings: &[Warning],
    events: &[ObservedEvent],
    config: &WarningVerifyConfig,
) -> Result<WarningVerification> {
    for w in warnings {
        if w.valid_until < w.valid_from || w.valid_from < w.issued {
            return Err(Error::parameter(
                "warning",
                format!(
                    "region {} issued {}, valid {} to {}",
                    w.region.0, w.issued, w.valid_from, w.valid_until
                ),
                "a warning must satisfy issued ≤ valid_from ≤ valid_until",
            ));
        }
    }
    let mut event_times: BTreeMap<RegionId, Vec<DateTime<Utc>>> = BTreeMap::new();
    for e in events {
        event_times.entry(e.region).or_default().push(e.time);
    }
    for times in event_times.values_mut() {
        times.sort_unstable();
    }
    let mut by_region: BTreeMap<RegionId, Vec<&Warning>> = BTreeMap::new();
    for w in warnings {
        by_region.entry(w.region).or_default().push(w);
    }
    match config.hit_rule {
        HitRule::Nws => Ok(nws(warnings, events, &event_times, &by_region)),
        HitRule::Onset {
            min_lead_s,
            episode_gap_s,
        } => {
            if min_lead_s < 0 || episode_gap_s < 0 {
                return Err(Error::parameter(
                    "min_lead_s / episode_gap_s",
                    format!("{min_lead_s} / {episode_gap_s}"),
                    "lead and gap are durations ≥ 0 s",
                ));
            }
            Ok(onset(
                warnings,
                &event_times,
                &by_region,
                min_lead_s.max(1),
                episode_gap_s,
                config.hit_rule,
            ))
        }
    }
}

/// Whether `w` is valid at `t`.
fn covers(w: &Warning, t: DateTime<Utc>) -> bool {
    w.valid_from <= t && t <= w.valid_until
}

/// The NWS counts: every event, every warning.
fn nws(
    warnings: &[Warning],
    events: &[ObservedEvent],
    event_times: &BTreeMap<RegionId, Vec<DateTime<Utc>>>,
    by_region: &BTreeMap<RegionId, Vec<&Warning>>,
) -> WarningVerification {
    let verified_warnings = warnings
        .iter()
        .filter(|w| {
            event_times.get(&w.region).is_some_and(|times| {
                let first = times.partition_point(|&t| t < w.valid_from);
                times.get(first).is_some_and(|&t| t <= w.valid_until)
            })
        })
        .count() as u64;

    let mut lead_times_s: Vec<i64> = events
        .iter()
        .filter_map(|e| {
            by_region
                .get(&e.region)?
                .iter()
                .filter(|w| covers(w, e.time))
                .map(|w| w.issued)
                .min()
                .map(|issued| (e.time - issued).num_seconds())
        })
        .collect();
    lead_times_s.sort_unstable();

    WarningVerification {
        hit_rule: HitRule::Nws,
        events: events.len() as u64,
        warned_events: lead_times_s.len() as u64,
        warnings: warnings.len() as u64,
        verified_warnings,
        lead_times_s,
        in_progress_events: 0,
        in_progress_warnings: 0,
    }
}

/// The sorted event times of one region split into episodes (slices) wherever the gap exceeds `gap_s`.
fn episodes(times: &[DateTime<Utc>], gap_s: i64) -> Vec<&[DateTime<Utc>]> {
    let mut out = Vec::new();
    let mut start = 0;
    for k in 1..=times.len() {
        if k == times.len() || (times[k] - times[k - 1]).num_seconds() > gap_s {
            out.push(&times[start..k]);
            start = k;
        }
    }
    out
}

/// The counts of [`HitRule::Onset`]; `need_s` is the shortest lead of a hit (≥ 1 s).
fn onset(
    warnings: &[Warning],
    event_times: &BTreeMap<RegionId, Vec<DateTime<Utc>>>,
    by_region: &BTreeMap<RegionId, Vec<&Warning>>,
    need_s: i64,
    gap_s: i64,
    hit_rule: HitRule,
) -> WarningVerification {
    let episodes: BTreeMap<RegionId, Vec<&[DateTime<Utc>]>> = event_times
        .iter()
        .map(|(&region, times)| (region, episodes(times, gap_s)))
        .collect();
    // Warned ahead: valid at the onset, issued at least `need_s` before it.
    let ahead = |w: &Warning, onset: DateTime<Utc>| {
        covers(w, onset) && (onset - w.issued).num_seconds() >= need_s
    };
    // In progress at issue: an event of the episode inside the warning, which was issued at or after the onset.
    let late = |w: &Warning, episode: &[DateTime<Utc>]| {
        w.issued >= episode[0] && episode.iter().any(|&t| covers(w, t))
    };

    let (mut lead_times_s, mut in_progress_events, mut missed) = (Vec::new(), 0, 0);
    for (region, list) in &episodes {
        let region_warnings = by_region.get(region).map_or(&[][..], Vec::as_slice);
        for episode in list {
            let onset = episode[0];
            let lead = region_warnings
                .iter()
                .filter(|w| ahead(w, onset))
                .map(|w| (onset - w.issued).num_seconds())
                .max();
            match lead {
                Some(lead) => lead_times_s.push(lead),
                None if region_warnings.iter().any(|w| late(w, episode)) => in_progress_events += 1,
                None => missed += 1,
            }
        }
    }
    lead_times_s.sort_unstable();

    let (mut verified_warnings, mut in_progress_warnings) = (0, 0);
    for w in warnings {
        let list = episodes.get(&w.region).map_or(&[][..], Vec::as_slice);
        if list.iter().any(|e| ahead(w, e[0])) {
            verified_warnings += 1;
        } else if list.iter().any(|e| late(w, e)) {
            in_progress_warnings += 1;
        }
    }

    WarningVerification {
        hit_rule,
        events: lead_times_s.len() as u64 + missed,
        warned_events: lead_times_s.len() as u64,
        warnings: warnings.len() as u64 - in_progress_warnings,
        verified_warnings,
        lead_times_s,
        in_progress_events,
        in_progress_warnings,
    }
}

impl WarningVerification {
    /// Events outside every warning.
    pub fn missed_events(&self) -> u64 {
        self.events - self.warned_events
    }

    /// Warnings without an event.
    pub fn false_alarms(&self) -> u64 {
        self.warnings - self.verified_warnings
    }

    /// Probability of detection: warned events / events; NaN without events.
    pub fn pod(&self) -> f64 {
        ratio(self.warned_events as f64, self.events as f64)
    }

    /// Warned events / all events, those in progress at issue counted as not warned ahead (equal to
    /// [`pod`](Self::pod) under the NWS rule); NaN without events. Under [`HitRule::Onset`] this is the share of all
    /// episodes warned ahead, whatever the warnings issued once they had begun.
    pub fn pod_including_in_progress(&self) -> f64 {
        ratio(
            self.warned_events as f64,
            (self.events + self.in_progress_events) as f64,
        )
    }

    /// False alarm ratio: unverified warnings / warnings; NaN without warnings.
    pub fn far(&self) -> f64 {
        ratio(self.false_alarms() as f64, self.warnings as f64)
    }

    /// Critical success index 1 / (1/POD + 1/(1 − FAR) − 1); 0 when POD = 0 or FAR = 1; NaN when POD or FAR is
    /// undefined.
    pub fn csi(&self) -> f64 {
        let (pod, success_ratio) = (self.pod(), 1.0 - self.far());
        if pod.is_nan() || success_ratio.is_nan() {
            f64::NAN
        } else if pod == 0.0 || success_ratio == 0.0 {
            0.0
        } else {
            1.0 / (1.0 / pod + 1.0 / success_ratio - 1.0)
        }
    }

    /// Fraction of the events warned at least `lead_s` seconds ahead; NaN without events. With `lead_s` = one
    /// update interval it leaves out the events a warning only caught as they happened (the hits of persistence).
    pub fn pod_with_lead(&self, lead_s: i64) -> f64 {
        let ahead = self.lead_times_s.iter().filter(|&&l| l >= lead_s).count();
        ratio(ahead as f64, self.events as f64)
    }

    /// Mean lead time of the warned events, seconds; NaN without warned events.
    pub fn mean_lead_time_s(&self) -> f64 {
        ratio(
            self.lead_times_s.iter().sum::<i64>() as f64,
            self.lead_times_s.len() as f64,
        )
    }

    /// Mean lead time over all events with missed events counted as 0 s (the NWS average), seconds; NaN without
    /// events.
    pub fn mean_lead_time_all_events_s(&self) -> f64 {
        ratio(
            self.lead_times_s.iter().sum::<i64>() as f64,
            self.events as f64,
        )
    }

    /// Median lead time of the warned events (mean of the two middle values for an even count), seconds; NaN
    /// without warned events.
    pub fn median_lead_time_s(&self) -> f64 {
        let n = self.lead_times_s.len();
        match n {
            0 => f64::NAN,
            _ if n % 2 == 1 => self.lead_times_s[n / 2] as f64,
            _ => (self.lead_times_s[n / 2 - 1] + self.lead_times_s[n / 2]) as f64 / 2.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 6, 5, 14, 0, 0).unwrap()
            + chrono::TimeDelta::minutes(i64::from(minute))
    }

    fn warning(region: u32, issued: u32, until: u32) -> Warning {
        Warning {
            region: RegionId(region),
            issued: at(issued),
            valid_from: at(issued),
            valid_until: at(until),
        }
    }

    fn event(region: u32, minute: u32) -> ObservedEvent {
        ObservedEvent {
            region: RegionId(region),
            time: at(minute),
        }
    }

    #[test]
    fn a_small_afternoon() {
        // Region 1: two overlapping warnings, three events (one after both expire).
        // Region 2: a warning with no event (false alarm). Region 3: an unwarned event.
        let warnings = [
            warning(1, 0, 30),
            warning(1, 20, 60),
            warning(2, 5, 50),
            warning(1, 100, 130),
        ];
        let events = [event(1, 25), event(1, 55), event(1, 70), event(3, 10)];
        let r = verify_warnings(&warnings, &events).unwrap();
        assert_eq!((r.events, r.warned_events, r.missed_events()), (4, 2, 2));
        assert_eq!(
            (r.warnings, r.verified_warnings, r.false_alarms()),
            (4, 2, 2)
        );
        // Event at 25 is covered by both region-1 warnings: lead from the earliest issue (0) = 25 min;
        // event at 55 only by the second (issued 20): 35 min.
        assert_eq!(r.lead_times_s, vec![25 * 60, 35 * 60]);
        assert_eq!((r.pod(), r.far()), (0.5, 0.5));
        assert!((r.csi() - 1.0 / 3.0).abs() < 1e-15);
        assert_eq!(r.mean_lead_time_s(), 1800.0);
        assert_eq!(r.median_lead_time_s(), 1800.0);
        assert_eq!(r.mean_lead_time_all_events_s(), 900.0);
        // Leads 25 and 35 min of 4 events.
        assert_eq!(
            (
                r.pod_with_lead(0),
                r.pod_with_lead(30 * 60),
                r.pod_with_lead(36 * 60)
            ),
            (0.5, 0.25, 0.0)
        );
    }

    #[test]
    fn valid_period_is_inclusive_and_region_specific() {
        let warnings = [warning(1, 0, 30)];
        let r = verify_warnings(
            &warnings,
            &[event(1, 0), event(1, 30), event(1, 31), event(2, 15)],
        )
        .unwrap();
        assert_eq!(r.warned_events, 2);
        assert_eq!(r.lead_times_s, vec![0, 30 * 60]);
        assert_eq!(r.verified_warnings, 1);
        assert!((r.pod() - 0.5).abs() < 1e-15);
        assert_eq!(r.far(), 0.0);
    }

    #[test]
    fn lead_time_counts_from_issue_not_from_valid_start() {
        let delayed = Warning {
            region: RegionId(4),
            issued: at(0),
            valid_from: at(10),
            valid_until: at(40),
        };
        let r = verify_warnings(&[delayed], &[event(4, 5), event(4, 12)]).unwrap();
        assert_eq!(r.lead_times_s, vec![12 * 60]);
        assert_eq!(r.warned_events, 1);
    }

    #[test]
    fn empty_inputs_and_extremes() {
        let r = verify_warnings(&[], &[]).unwrap();
        assert!(
            r.pod().is_nan()
                && r.far().is_nan()
                && r.csi().is_nan()
                && r.mean_lead_time_s().is_nan()
        );
        let only_false_alarms = verify_warnings(&[warning(1, 0, 10)], &[event(2, 5)]).unwrap();
        assert_eq!(
            (
                only_false_alarms.pod(),
                only_false_alarms.far(),
                only_false_alarms.csi()
            ),
            (0.0, 1.0, 0.0)
        );
        let perfect = verify_warnings(&[warning(1, 0, 10)], &[event(1, 5), event(1, 6)]).unwrap();
        assert_eq!(
            (perfect.pod(), perfect.far(), perfect.csi()),
            (1.0, 0.0, 1.0)
        );
        assert_eq!(perfect.median_lead_time_s(), 330.0);
    }

    fn onset_rule(min_lead_min: i64, gap_min: i64) -> WarningVerifyConfig {
        WarningVerifyConfig {
            hit_rule: HitRule::Onset {
                min_lead_s: min_lead_min * 60,
                episode_gap_s: gap_min * 60,
            },
        }
    }

    #[test]
    fn onset_rule_credits_only_events_warned_before_they_start() {
        // Region 1: rain 0–20 (5-min events), warned at 10 (in progress); then rain again 50–55, inside the same
        // warning (valid to 60), which starts after its issue: a hit with lead 40 and the warning verified.
        // Region 2: rain 30–40 warned at 20 (lead 10). Region 3: rain 10–15 warned at 7 (lead 3, under the 5-min
        // minimum: a miss, the warning a false alarm). Region 4: rain at 25, never warned (a miss). Region 5: a
        // warning without rain (false alarm).
        let warnings = [
            warning(1, 10, 60),
            warning(2, 20, 50),
            warning(3, 7, 30),
            warning(5, 0, 30),
        ];
        let mut events: Vec<ObservedEvent> = (0..=4).map(|k| event(1, 5 * k)).collect();
        events.extend([event(1, 50), event(1, 55)]);
        events.extend([event(2, 30), event(2, 35), event(2, 40)]);
        events.extend([event(3, 10), event(3, 15), event(4, 25)]);

        let nws = verify_warnings(&warnings, &events).unwrap();
        assert_eq!((nws.events, nws.warned_events), (13, 10));
        assert_eq!((nws.warnings, nws.verified_warnings), (4, 3));
        assert_eq!((nws.in_progress_events, nws.in_progress_warnings), (0, 0));

        let r = verify_warnings_with(&warnings, &events, &onset_rule(5, 5)).unwrap();
        // Episodes: region 1 ×2, region 2, region 3, region 4 = 5; one in progress.
        assert_eq!((r.events, r.in_progress_events, r.warned_events), (4, 1, 2));
        assert_eq!(r.lead_times_s, vec![10 * 60, 40 * 60]);
        // Region 1's warning verifies by its second episode, so no warning is left "in progress".
        assert_eq!(
            (r.warnings, r.verified_warnings, r.in_progress_warnings),
            (4, 2, 0)
        );
        assert_eq!((r.pod(), r.far()), (0.5, 0.5));
        assert_eq!(r.pod_including_in_progress(), 0.4);
        assert_eq!(nws.pod_including_in_progress(), nws.pod());

        // With a 30-min gap region 1 has one episode, under way at issue: in progress, and so is its warning.
        let r = verify_warnings_with(&warnings, &events, &onset_rule(5, 30)).unwrap();
        assert_eq!((r.events, r.in_progress_events, r.warned_events), (3, 1, 1));
        assert_eq!(
            (r.warnings, r.verified_warnings, r.in_progress_warnings),
            (3, 1, 1)
        );
        assert_eq!(r.lead_times_s, vec![10 * 60]);
        // Without a minimum lead, region 3 is warned 3 min ahead.
        let r = verify_warnings_with(&warnings, &events, &onset_rule(0, 30)).unwrap();
        assert_eq!(r.lead_times_s, vec![3 * 60, 10 * 60]);
        assert_eq!((r.pod(), r.far()), (2.0 / 3.0, 1.0 / 3.0));
    }

    #[test]
    fn onset_rule_event_at_issue_time_is_in_progress() {
        let r = verify_warnings_with(&[warning(1, 10, 40)], &[event(1, 10)], &onset_rule(0, 5))
            .unwrap();
        assert_eq!(
            (
                r.events,
                r.in_progress_events,
                r.warnings,
                r.in_progress_warnings
            ),
            (0, 1, 0, 1)
        );
        assert!(r.pod().is_nan() && r.far().is_nan());
        let nws = verify_warnings(&[warning(1, 10, 40)], &[event(1, 10)]).unwrap();
        assert_eq!((nws.pod(), nws.lead_times_s.clone()), (1.0, vec![0]));
    }

    #[test]
    fn onset_rule_rejects_negative_durations() {
        for (lead, gap) in [(-1, 5), (0, -5)] {
            assert!(matches!(
                verify_warnings_with(&[], &[], &onset_rule(lead, gap)),
                Err(Error::Parameter { .. })
            ));
        }
    }

    #[test]
    fn inconsistent_warnings_are_rejected() {
        let backwards = Warning {
            region: RegionId(1),
            issued: at(0),
            valid_from: at(30),
            valid_until: at(10),
        };
        assert!(matches!(
            verify_warnings(&[backwards], &[]),
            Err(Error::Parameter { .. })
        ));
        let backdated = Warning {
            region: RegionId(1),
            issued: at(10),
            valid_from: at(0),
            valid_until: at(30),
        };
        assert!(verify_warnings(&[backdated], &[]).is_err());
    }
}
