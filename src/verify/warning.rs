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

/// Counts and lead times of a set of warnings verified against a set of events.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarningVerification {
    /// Number of observed events.
    pub events: u64,
    /// Events inside a warning's region and valid period.
    pub warned_events: u64,
    /// Number of warnings.
    pub warnings: u64,
    /// Warnings with at least one event in their region and valid period.
    pub verified_warnings: u64,
    /// Lead time of each warned event, seconds, sorted ascending.
    pub lead_times_s: Vec<i64>,
}

/// Verifies `warnings` against `events` (both in any order).
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
                .filter(|w| w.valid_from <= e.time && e.time <= w.valid_until)
                .map(|w| w.issued)
                .min()
                .map(|issued| (e.time - issued).num_seconds())
        })
        .collect();
    lead_times_s.sort_unstable();

    Ok(WarningVerification {
        events: events.len() as u64,
        warned_events: lead_times_s.len() as u64,
        warnings: warnings.len() as u64,
        verified_warnings,
        lead_times_s,
    })
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
