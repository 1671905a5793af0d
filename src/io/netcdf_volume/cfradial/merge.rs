//! Merging volumes of one scan written one moment per file (common for CfRadial archives) into one volume.

use crate::error::{Error, Result};
use crate::volume::PolarVolume;

/// Ray angles of the same scan in two files may differ by this much, degrees.
const ANGLE_TOLERANCE_DEG: f32 = 0.01;
/// Range geometry tolerance, metres.
const RANGE_TOLERANCE_M: f32 = 0.01;
/// Site position tolerance: degrees (≈ 11 m) and metres of altitude.
const POSITION_TOLERANCE_DEG: f64 = 1e-4;
const ALTITUDE_TOLERANCE_M: f64 = 1.0;

/// Merges volumes of the same site and scan geometry — the same sweeps, with the same rays (azimuth and
/// elevation within 0.01°) and range gates — into one volume holding every moment, in the order given.
///
/// The first volume supplies the metadata (site, beam width, sweep modes and angles, ray times); a frequency,
/// Nyquist velocity or site name it lacks is taken from the next volume that has it. The start time is the
/// earliest of the volumes, and the ray times are shifted to stay relative to it.
///
/// # Errors
/// [`Error::Parameter`] for an empty list or a moment name present in two volumes; [`Error::Shape`] when a
/// volume's site, sweep count, ray count, angles, gate count or range axis differ from the first volume's.
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use ndarray::Array2;
/// use squall::io::netcdf_volume::cfradial::merge_volumes;
/// use squall::volume::{Moment, PolarVolume, Site, Sweep, SweepMode};
///
/// // One file per moment, on the same 2-ray × 3-gate sweep.
/// let file = |name: &str, value: f32| PolarVolume {
///     site: Site {
///         id: "L".into(),
///         name: "Monte Lema".into(),
///         latitude_deg: 46.04,
///         longitude_deg: 8.83,
///         altitude_m: 1626.0,
///     },
///     frequency_mhz: Some(5450.0),
///     beam_width_deg: 1.0,
///     start_time: Utc.with_ymd_and_hms(2022, 6, 28, 7, 21, 36).unwrap(),
///     sweeps: vec![Sweep {
///         mode: SweepMode::Ppi,
///         fixed_angle_deg: 1.0,
///         azimuth_deg: vec![0.5, 1.5],
///         elevation_deg: vec![1.0; 2],
///         time_s: vec![0.0; 2],
///         first_gate_m: 250.0,
///         gate_spacing_m: 500.0,
///         nyquist_mps: None,
///         moments: vec![Moment::from_values(name, "dB", Array2::from_elem((2, 3), value))],
///     }],
/// };
/// let merged = merge_volumes(vec![file("DBZH", 30.0), file("ZDR", 0.5)])?;
/// assert_eq!(merged.sweeps[0].moments.len(), 2);
/// assert_eq!(merged.sweeps[0].moment("ZDR").unwrap().values[[1, 2]], 0.5);
/// # Ok::<(), squall::Error>(())
/// ```
pub fn merge_volumes(volumes: Vec<PolarVolume>) -> Result<PolarVolume> {
    let mut iter = volumes.into_iter();
    let Some(mut merged) = iter.next() else {
        return Err(Error::parameter(
            "volumes",
            "[]",
            "give at least one volume to merge",
        ));
    };
    let mut owners: Vec<(String, usize)> = merged
        .sweeps
        .first()
        .map(|s| s.moments.iter().map(|m| (m.name.clone(), 0)).collect())
        .unwrap_or_default();
    for (j, other) in iter.enumerate().map(|(j, v)| (j + 1, v)) {
        check_same_geometry(&merged, &other, j)?;
        if let Some(sweep) = other.sweeps.first() {
            for m in &sweep.moments {
                if let Some((_, first)) = owners.iter().find(|(name, _)| *name == m.name) {
                    return Err(Error::parameter(
                        "volumes",
                        format!("moment {} in volumes {first} and {j}", m.name),
                        "each moment may come from one volume only",
                    ));
                }
                owners.push((m.name.clone(), j));
            }
        }
        if other.start_time < merged.start_time {
            let shift = (merged.start_time - other.start_time).as_seconds_f64();
            for s in &mut merged.sweeps {
                s.time_s.iter_mut().for_each(|t| *t += shift);
            }
            merged.start_time = other.start_time;
        }
        merged.frequency_mhz = merged.frequency_mhz.or(other.frequency_mhz);
        if merged.site.id.is_empty() {
            merged.site.id = other.site.id;
        }
        if merged.site.name.is_empty() {
            merged.site.name = other.site.name;
        }
        for (target, source) in merged.sweeps.iter_mut().zip(other.sweeps) {
            target.nyquist_mps = target.nyquist_mps.or(source.nyquist_mps);
            target.moments.extend(source.moments);
        }
    }
    merged.validate()?;
    Ok(merged)
}

/// Checks that volume `j` has the site and scan geometry of `base`.
fn check_same_geometry(base: &PolarVolume, other: &PolarVolume, j: usize) -> Result<()> {
    let shape = |what: String, expected: String, found: String| Error::Shape {
        what: format!("volume {j} {what} (merging volumes)"),
        expected,
        found,
    };
    let (a, b) = (&base.site, &other.site);
    if (a.latitude_deg - b.latitude_deg).abs() > POSITION_TOLERANCE_DEG
        || (a.longitude_deg - b.longitude_deg).abs() > POSITION_TOLERANCE_DEG
        || (a.altitude_m - b.altitude_m).abs() > ALTITUDE_TOLERANCE_M
    {
        let at = |s: &crate::volume::Site| {
            format!(
                "{}°N {}°E {} m",
                s.latitude_deg, s.longitude_deg, s.altitude_m
            )
        };
        return Err(shape("site".into(), at(a), at(b)));
    }
    if base.sweeps.len() != other.sweeps.len() {
        return Err(shape(
            "sweep count".into(),
            base.sweeps.len().to_string(),
            other.sweeps.len().to_string(),
        ));
    }
    for (i, (s, o)) in base.sweeps.iter().zip(&other.sweeps).enumerate() {
        if s.n_rays() != o.n_rays() {
            return Err(shape(
                format!("sweep {i} rays"),
                s.n_rays().to_string(),
                o.n_rays().to_string(),
            ));
        }
        if !s.moments.is_empty() && !o.moments.is_empty() && s.n_gates() != o.n_gates() {
            return Err(shape(
                format!("sweep {i} gates"),
                s.n_gates().to_string(),
                o.n_gates().to_string(),
            ));
        }
        if (s.first_gate_m - o.first_gate_m).abs() > RANGE_TOLERANCE_M
            || (s.gate_spacing_m - o.gate_spacing_m).abs() > RANGE_TOLERANCE_M
        {
            return Err(shape(
                format!("sweep {i} range axis"),
                format!(
                    "first gate {} m every {} m",
                    s.first_gate_m, s.gate_spacing_m
                ),
                format!(
                    "first gate {} m every {} m",
                    o.first_gate_m, o.gate_spacing_m
                ),
            ));
        }
        for (what, x, y) in [
            ("azimuth", &s.azimuth_deg, &o.azimuth_deg),
            ("elevation", &s.elevation_deg, &o.elevation_deg),
        ] {
            let differs = |(p, q): (&f32, &f32)| {
                let d = (p - q).rem_euclid(360.0);
                d.min(360.0 - d) > ANGLE_TOLERANCE_DEG
            };
            if let Some(r) = x.iter().zip(y).position(differs) {
                return Err(shape(
                    format!("sweep {i} ray {r} {what}"),
                    format!("{}°", x[r]),
                    format!("{}°", y[r]),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use ndarray::Array2;

    use super::*;
    use crate::volume::{Moment, Site, Sweep, SweepMode};

    fn volume(names: &[&str], start_s: i64) -> PolarVolume {
        let sweep = |el: f32| Sweep {
            mode: SweepMode::Ppi,
            fixed_angle_deg: el,
            azimuth_deg: vec![0.5, 1.5, 2.5],
            elevation_deg: vec![el; 3],
            time_s: vec![0.0, 0.1, 0.2],
            first_gate_m: 250.0,
            gate_spacing_m: 500.0,
            nyquist_mps: None,
            moments: names
                .iter()
                .map(|n| Moment::from_values(n, "dB", Array2::from_elem((3, 4), 1.0)))
                .collect(),
        };
        PolarVolume {
            site: Site {
                id: String::new(),
                name: String::new(),
                latitude_deg: 46.04,
                longitude_deg: 8.83,
                altitude_m: 1626.0,
            },
            frequency_mhz: None,
            beam_width_deg: 1.0,
            start_time: Utc.timestamp_opt(1_656_400_000 + start_s, 0).unwrap(),
            sweeps: vec![sweep(0.5), sweep(1.5)],
        }
    }

    #[test]
    fn moments_from_each_volume_are_joined_and_times_rebased() {
        let mut b = volume(&["ZDR", "RHOHV"], -10);
        b.frequency_mhz = Some(5450.0);
        b.site.id = "L".into();
        b.sweeps[1].nyquist_mps = Some(8.25);
        let merged = merge_volumes(vec![volume(&["DBZH"], 0), b]).unwrap();
        let names: Vec<&str> = merged.sweeps[1]
            .moments
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        assert_eq!(names, ["DBZH", "ZDR", "RHOHV"]);
        assert_eq!(merged.frequency_mhz, Some(5450.0));
        assert_eq!(merged.site.id, "L");
        assert_eq!(merged.sweeps[1].nyquist_mps, Some(8.25));
        assert_eq!(merged.start_time.timestamp(), 1_656_400_000 - 10);
        assert_eq!(merged.sweeps[0].time_s, [10.0, 10.1, 10.2]);
    }

    #[test]
    fn mismatches_are_refused() {
        let err = merge_volumes(vec![]).unwrap_err();
        assert!(matches!(err, Error::Parameter { .. }), "{err}");
        let err = merge_volumes(vec![volume(&["DBZH"], 0), volume(&["DBZH"], 0)]).unwrap_err();
        assert!(
            err.to_string().contains("moment DBZH in volumes 0 and 1"),
            "{err}"
        );

        let mut other = volume(&["ZDR"], 0);
        other.sweeps.pop();
        let err = merge_volumes(vec![volume(&["DBZH"], 0), other]).unwrap_err();
        assert!(
            matches!(&err, Error::Shape { what, .. } if what.contains("sweep count")),
            "{err}"
        );

        let mut other = volume(&["ZDR"], 0);
        other.sweeps[1].azimuth_deg[2] = 3.0;
        let err = merge_volumes(vec![volume(&["DBZH"], 0), other]).unwrap_err();
        assert!(err.to_string().contains("sweep 1 ray 2 azimuth"), "{err}");

        let mut other = volume(&["ZDR"], 0);
        other.sweeps[0].moments[0] = Moment::from_values("ZDR", "dB", Array2::zeros((3, 5)));
        let err = merge_volumes(vec![volume(&["DBZH"], 0), other]).unwrap_err();
        assert!(err.to_string().contains("sweep 0 gates"), "{err}");

        let mut other = volume(&["ZDR"], 0);
        other.sweeps[0].gate_spacing_m = 250.0;
        assert!(merge_volumes(vec![volume(&["DBZH"], 0), other]).is_err());

        let mut other = volume(&["ZDR"], 0);
        other.site.latitude_deg += 0.01;
        let err = merge_volumes(vec![volume(&["DBZH"], 0), other]).unwrap_err();
        assert!(err.to_string().contains("site"), "{err}");

        // Azimuths 359.999° and 0.001° are the same direction.
        let mut a = volume(&["DBZH"], 0);
        let mut b = volume(&["ZDR"], 0);
        a.sweeps[0].azimuth_deg[0] = 359.999;
        b.sweeps[0].azimuth_deg[0] = 0.001;
        assert!(merge_volumes(vec![a, b]).is_ok());
    }
}
