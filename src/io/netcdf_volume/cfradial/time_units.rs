//! UDUNITS-style time units, `"<unit> since <date>[ T]<time>[ <zone>]"`, as CF and CfRadial use them.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

/// A parsed time unit: value `t` means `epoch + t · seconds_per_unit` seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeUnits {
    /// Length of one unit in seconds.
    pub seconds_per_unit: f64,
    /// The reference instant.
    pub epoch: DateTime<Utc>,
}

impl TimeUnits {
    /// Parses e.g. `"seconds since 2022-06-28T07:21:36Z"`, `"seconds since 2020-02-05 10:08:25 0:00"`,
    /// `"days since 1970-1-1"`, `"seconds since 2011-05-20 10:54:16.5 +05:30"`. `None` if it is not a time unit.
    ///
    /// # References
    /// CF conventions 1.8 §4.4 (time coordinate); UDUNITS-2 timestamp grammar.
    pub fn parse(units: &str) -> Option<TimeUnits> {
        let lower = units.trim().to_ascii_lowercase();
        let (unit, reference) = lower.split_once(" since ")?;
        let seconds_per_unit = match unit.trim() {
            "seconds" | "second" | "secs" | "sec" | "s" => 1.0,
            "milliseconds" | "millisecond" | "msec" | "ms" => 1e-3,
            "minutes" | "minute" | "mins" | "min" => 60.0,
            "hours" | "hour" | "hrs" | "hr" | "h" => 3600.0,
            "days" | "day" | "d" => 86_400.0,
            _ => return None,
        };
        Some(TimeUnits {
            seconds_per_unit,
            epoch: parse_timestamp(reference.trim())?,
        })
    }

    /// The instant of a time value, to the nanosecond; `None` when not finite or out of range.
    pub fn instant(&self, value: f64) -> Option<DateTime<Utc>> {
        let nanos = value * self.seconds_per_unit * 1e9;
        if !nanos.is_finite() || nanos.abs() > 9.0e18 {
            return None;
        }
        self.epoch
            .checked_add_signed(Duration::nanoseconds(nanos.round() as i64))
    }
}

/// `date[(T| )time][ zone]` with a 1- or 2-digit month, day, hour; fractional seconds; zone `Z`, `UTC`, `GMT`,
/// `±h[h][:mm]`, `±hhmm` or an unsigned `h:mm`.
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim_end_matches(['z', 'Z']).trim();
    let (date, rest) = match s.find(['t', ' ']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let mut ymd = date.splitn(3, '-');
    let year: i32 = ymd.next()?.parse().ok()?;
    let month: u32 = ymd.next()?.parse().ok()?;
    let day: u32 = ymd.next()?.parse().ok()?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;

    let (clock, zone) = match rest.find([' ', '+', '-']) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let time = if clock.is_empty() {
        NaiveTime::MIN
    } else {
        let mut hms = clock.splitn(3, ':');
        let hour: u32 = hms.next()?.parse().ok()?;
        let minute: u32 = hms.next().map_or(Some(0), |m| m.parse().ok())?;
        let second: f64 = hms.next().map_or(Some(0.0), |x| x.parse().ok())?;
        if !(0.0..61.0).contains(&second) {
            return None;
        }
        let nanos = ((second - second.floor()) * 1e9).round() as u32;
        NaiveTime::from_hms_nano_opt(hour, minute, second.floor() as u32, nanos.min(999_999_999))?
    };
    let offset_seconds = zone_offset_seconds(zone)?;
    let local = NaiveDateTime::new(date, time);
    Utc.from_utc_datetime(&local)
        .checked_sub_signed(Duration::seconds(offset_seconds))
}

/// Seconds east of UTC of a zone suffix.
fn zone_offset_seconds(zone: &str) -> Option<i64> {
    let zone = zone.trim();
    if zone.is_empty() || matches!(zone, "utc" | "gmt" | "z") {
        return Some(0);
    }
    let (sign, body) = match zone.as_bytes()[0] {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => (1, zone),
    };
    let (hours, minutes) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<i64>().ok()?, m.parse::<i64>().ok()?),
        None if body.len() == 4 => (body[..2].parse().ok()?, body[2..].parse().ok()?),
        None => (body.parse().ok()?, 0),
    };
    if hours > 14 || minutes >= 60 {
        return None;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (f64, String) {
        let u = TimeUnits::parse(s).unwrap_or_else(|| panic!("{s}"));
        (u.seconds_per_unit, u.epoch.to_rfc3339())
    }

    #[test]
    fn forms_seen_in_cfradial_files() {
        assert_eq!(
            parse("seconds since 2022-06-28T07:21:36Z"),
            (1.0, "2022-06-28T07:21:36+00:00".into())
        );
        assert_eq!(
            parse("seconds since 2020-02-05 10:08:25 0:00"),
            (1.0, "2020-02-05T10:08:25+00:00".into())
        );
        assert_eq!(
            parse("seconds since 1970-1-1 0:00:00 0:00"),
            (1.0, "1970-01-01T00:00:00+00:00".into())
        );
        assert_eq!(
            parse("days since 2000-01-01"),
            (86_400.0, "2000-01-01T00:00:00+00:00".into())
        );
        assert_eq!(
            parse("hours since 2011-05-20 10:54:16.5 +05:30"),
            (3600.0, "2011-05-20T05:24:16.500+00:00".into())
        );
        assert_eq!(
            parse("Seconds since 2011-05-20 10:54 UTC"),
            (1.0, "2011-05-20T10:54:00+00:00".into())
        );
        assert_eq!(
            parse("seconds since 2011-05-20T10:54:16-0500"),
            (1.0, "2011-05-20T15:54:16+00:00".into())
        );
    }

    #[test]
    fn not_time_units() {
        for s in [
            "meters",
            "seconds",
            "fortnights since 2000-01-01",
            "seconds since yesterday",
            "seconds since 2000-13-01",
            "seconds since 2000-01-01 25:00:00",
            "seconds since 2000-01-01 10:00:00 +99:00",
            "seconds since 2000-01-01 10:00:99",
        ] {
            assert!(TimeUnits::parse(s).is_none(), "{s}");
        }
    }

    #[test]
    fn instants() {
        let u = TimeUnits::parse("seconds since 2020-02-05 10:08:25 0:00").unwrap();
        assert_eq!(
            u.instant(2.453999).unwrap().to_rfc3339(),
            "2020-02-05T10:08:27.453999+00:00"
        );
        assert!(u.instant(f64::NAN).is_none());
        assert!(u.instant(1e300).is_none());
    }
}
