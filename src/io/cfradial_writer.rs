//! CfRadial 1.4 output of polar volumes: rays × gates moments of every sweep on one range axis, as the CfRadial
//! reader ([`crate::io::netcdf_volume`]) and other radar tools (Py-ART, xradar, wradlib) read them.
//!
//! # Layout written
//! NetCDF-4 (deflate level 4). Dimensions `time` (all rays, sweep after sweep), `range` (gates) and `sweep`.
//! Coordinates `time(time)` (seconds since the volume's start), `range(range)` (metres to the gate centres, with
//! `meters_to_center_of_first_gate` and `meters_between_gates`), `azimuth(time)`, `elevation(time)`; per sweep
//! `sweep_number`, `sweep_mode` (NetCDF-4 strings), `fixed_angle`, `sweep_start_ray_index`, `sweep_end_ray_index`
//! (inclusive); scalars `latitude`, `longitude`, `altitude`; instrument parameters `frequency` (Hz, when known),
//! `radar_beam_width_h`, `nyquist_velocity(time)` (when known). Each moment is an `f32` variable
//! `(time, range)` with `units`, `long_name` and, for FM 301 names, a `standard_name`; gates that are not
//! [`GateStatus::Valid`] are written as `NaN` (the `_FillValue`), because CfRadial 1 has no "no echo" code.
//!
//! # References
//! Dixon, M., et al., 2016: *CfRadial data file format*, version 1.4, NCAR/EOL.
//! WMO, 2019: *FM 301-20 — CF-Radial*, Manual on Codes, WMO-No. 306, Vol. I.3 (moment names).

use std::path::Path;

use ndarray::{Array1, Array2, s};

use crate::error::{Error, Result};
use crate::volume::{GateStatus, PolarVolume, SweepMode};

/// Long name and CF/FM 301 standard name of the moments Squall knows.
fn describe(name: &str) -> (Option<&'static str>, Option<&'static str>) {
    match name {
        "DBZH" => (
            Some("equivalent reflectivity factor, horizontal"),
            Some("equivalent_reflectivity_factor"),
        ),
        "DBTH" => (Some("total power reflectivity, horizontal"), None),
        "ZDR" => (
            Some("differential reflectivity"),
            Some("log_differential_reflectivity_hv"),
        ),
        "RHOHV" => (
            Some("co-polar correlation coefficient"),
            Some("cross_correlation_ratio_hv"),
        ),
        "PHIDP" => (Some("differential phase"), Some("differential_phase_hv")),
        "KDP" => (
            Some("specific differential phase"),
            Some("specific_differential_phase_hv"),
        ),
        "VRADH" => (
            Some("radial velocity"),
            Some("radial_velocity_of_scatterers_away_from_instrument"),
        ),
        "HCLASS" => (
            Some("hydrometeor class (Squall codes 1-10, Dolan et al. 2013)"),
            Some("radar_echo_classification"),
        ),
        "DBZH_CORR" => (
            Some("equivalent reflectivity factor corrected for attenuation"),
            None,
        ),
        "ZDR_CORR" => (
            Some("differential reflectivity corrected for differential attenuation"),
            None,
        ),
        "PHIDP_CORR" => (
            Some("unfolded, offset-free, smoothed differential phase"),
            None,
        ),
        "PIA" => (Some("two-way path-integrated attenuation"), None),
        "RATE" => (Some("rain rate"), None),
        _ => (None, None),
    }
}

fn mode_name(mode: SweepMode) -> &'static str {
    match mode {
        SweepMode::Ppi => "azimuth_surveillance",
        SweepMode::Rhi => "rhi",
        SweepMode::Sector => "sector",
        SweepMode::VerticalPointing => "vertical_pointing",
    }
}

/// Writes `moments` of every sweep of `volume` to a new CfRadial 1.4 NetCDF-4 file (see the
/// [module documentation](self)). `attributes` are added as global text attributes (e.g. `history`, `comment`).
///
/// # Errors
/// [`Error::Parameter`] for no moments, a volume without sweeps, or a moment missing from a sweep;
/// [`Error::Unsupported`] when the sweeps have different range axes (first gate or gate spacing: CfRadial 1 has
/// one `range` coordinate); [`Error::Netcdf`] if the file cannot be created or written.
///
/// # Examples
/// ```no_run
/// let volume = squall::io::open_volume("volume.nc")?;
/// squall::io::cfradial_writer::write_cfradial("copy.nc", &volume, &["DBZH"], &[])?;
/// # Ok::<(), squall::Error>(())
/// ```
pub fn write_cfradial(
    path: impl AsRef<Path>,
    volume: &PolarVolume,
    moments: &[&str],
    attributes: &[(&str, String)],
) -> Result<()> {
    let path = path.as_ref();
    volume.validate()?;
    let Some(first) = volume.sweeps.first() else {
        return Err(Error::parameter("volume", "0 sweeps", "nothing to write"));
    };
    if moments.is_empty() {
        return Err(Error::parameter("moments", 0, "need at least one moment"));
    }
    for (i, sweep) in volume.sweeps.iter().enumerate() {
        let same = |a: f32, b: f32| (a - b).abs() <= 1e-3 * b.abs().max(1.0);
        if !same(sweep.first_gate_m, first.first_gate_m)
            || !same(sweep.gate_spacing_m, first.gate_spacing_m)
        {
            return Err(Error::Unsupported(format!(
                "CfRadial 1 has one range axis: sweep {i} starts at {} m with {} m gates, sweep 0 at {} m with {} m",
                sweep.first_gate_m, sweep.gate_spacing_m, first.first_gate_m, first.gate_spacing_m
            )));
        }
        for name in moments {
            if sweep.moment(name).is_none() {
                let present: Vec<&str> = sweep.moments.iter().map(|m| m.name.as_str()).collect();
                return Err(Error::parameter(
                    "moment",
                    name,
                    format!("not in sweep {i} (it has: {})", present.join(", ")),
                ));
            }
        }
    }
    let n_rays: usize = volume.sweeps.iter().map(|s| s.n_rays()).sum();
    let n_range = volume.sweeps.iter().map(|s| s.n_gates()).max().unwrap_or(0);
    let n_sweeps = volume.sweeps.len();

    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let mut file = netcdf::create(path).map_err(nc)?;
    // whole seconds in the time unit; the fraction goes into the ray times
    let start = volume.start_time;
    let start_s = start.timestamp();
    let fraction = start.timestamp_subsec_nanos() as f64 * 1e-9;
    let start_text = chrono::DateTime::from_timestamp(start_s, 0)
        .unwrap_or(start)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let end_s = volume
        .sweeps
        .iter()
        .flat_map(|s| s.time_s.iter().copied())
        .fold(0.0f64, f64::max);
    let end_text = (start + chrono::Duration::milliseconds((end_s * 1000.0).round() as i64))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    for (name, value) in [
        ("Conventions", "CF/Radial instrument_parameters".to_owned()),
        ("version", "1.4".to_owned()),
        ("title", "polar radar volume".to_owned()),
        ("source", format!("squall {}", env!("CARGO_PKG_VERSION"))),
        ("instrument_name", volume.site.id.clone()),
        ("site_name", volume.site.name.clone()),
        ("platform_is_mobile", "false".to_owned()),
        ("time_coverage_start", start_text.clone()),
        ("time_coverage_end", end_text),
    ] {
        file.add_attribute(name, value.as_str()).map_err(nc)?;
    }
    for (name, value) in attributes {
        file.add_attribute(name, value.as_str()).map_err(nc)?;
    }
    file.add_dimension("time", n_rays).map_err(nc)?;
    file.add_dimension("range", n_range).map_err(nc)?;
    file.add_dimension("sweep", n_sweeps).map_err(nc)?;

    let concat = |f: &dyn Fn(&crate::volume::Sweep) -> Vec<f32>| -> Array1<f32> {
        volume.sweeps.iter().flat_map(f).collect()
    };
    let times: Array1<f64> = volume
        .sweeps
        .iter()
        .flat_map(|s| s.time_s.iter().map(|t| t + fraction))
        .collect();
    let mut var = file.add_variable::<f64>("time", &["time"]).map_err(nc)?;
    var.put_attribute("standard_name", "time").map_err(nc)?;
    var.put_attribute("long_name", "time of each ray")
        .map_err(nc)?;
    var.put_attribute("units", format!("seconds since {start_text}"))
        .map_err(nc)?;
    var.put(times.view(), ..).map_err(nc)?;

    let ranges: Array1<f32> = (0..n_range)
        .map(|g| first.first_gate_m + g as f32 * first.gate_spacing_m)
        .collect();
    let mut var = file.add_variable::<f32>("range", &["range"]).map_err(nc)?;
    var.put_attribute("standard_name", "projection_range_coordinate")
        .map_err(nc)?;
    var.put_attribute("long_name", "range to the centre of each gate")
        .map_err(nc)?;
    var.put_attribute("units", "meters").map_err(nc)?;
    var.put_attribute("axis", "radial_range_coordinate")
        .map_err(nc)?;
    var.put_attribute("meters_to_center_of_first_gate", first.first_gate_m)
        .map_err(nc)?;
    var.put_attribute("meters_between_gates", first.gate_spacing_m)
        .map_err(nc)?;
    var.put(ranges.view(), ..).map_err(nc)?;

    for (name, standard, units, values) in [
        (
            "azimuth",
            "ray_azimuth_angle",
            "degrees",
            concat(&|s| s.azimuth_deg.clone()),
        ),
        (
            "elevation",
            "ray_elevation_angle",
            "degrees",
            concat(&|s| s.elevation_deg.clone()),
        ),
    ] {
        let mut var = file.add_variable::<f32>(name, &["time"]).map_err(nc)?;
        var.put_attribute("standard_name", standard).map_err(nc)?;
        var.put_attribute("units", units).map_err(nc)?;
        var.put(values.view(), ..).map_err(nc)?;
    }
    if volume.sweeps.iter().any(|s| s.nyquist_mps.is_some()) {
        let values = concat(&|s| vec![s.nyquist_mps.unwrap_or(f32::NAN); s.n_rays()]);
        let mut var = file
            .add_variable::<f32>("nyquist_velocity", &["time"])
            .map_err(nc)?;
        var.set_fill_value(f32::NAN).map_err(nc)?;
        var.put_attribute("long_name", "unambiguous Doppler velocity")
            .map_err(nc)?;
        var.put_attribute("units", "meters_per_second")
            .map_err(nc)?;
        var.put_attribute("meta_group", "instrument_parameters")
            .map_err(nc)?;
        var.put(values.view(), ..).map_err(nc)?;
    }

    // per sweep
    let mut starts = Vec::with_capacity(n_sweeps);
    let mut ends = Vec::with_capacity(n_sweeps);
    let mut next = 0i32;
    for s in &volume.sweeps {
        starts.push(next);
        next += s.n_rays() as i32;
        ends.push(next - 1);
    }
    let numbers: Vec<i32> = (0..n_sweeps as i32).collect();
    for (name, long_name, values) in [
        ("sweep_number", "sweep index in the volume", &numbers),
        (
            "sweep_start_ray_index",
            "index of the first ray of the sweep",
            &starts,
        ),
        (
            "sweep_end_ray_index",
            "index of the last ray of the sweep (inclusive)",
            &ends,
        ),
    ] {
        let mut var = file.add_variable::<i32>(name, &["sweep"]).map_err(nc)?;
        var.put_attribute("long_name", long_name).map_err(nc)?;
        var.put_values(values, ..).map_err(nc)?;
    }
    let fixed: Vec<f32> = volume.sweeps.iter().map(|s| s.fixed_angle_deg).collect();
    let mut var = file
        .add_variable::<f32>("fixed_angle", &["sweep"])
        .map_err(nc)?;
    var.put_attribute("long_name", "target angle of the sweep")
        .map_err(nc)?;
    var.put_attribute("units", "degrees").map_err(nc)?;
    var.put_values(&fixed, ..).map_err(nc)?;
    let mut var = file
        .add_string_variable("sweep_mode", &["sweep"])
        .map_err(nc)?;
    for (i, s) in volume.sweeps.iter().enumerate() {
        var.put_string(mode_name(s.mode), i).map_err(nc)?;
    }

    for (name, standard, units, value) in [
        (
            "latitude",
            "latitude",
            "degrees_north",
            volume.site.latitude_deg,
        ),
        (
            "longitude",
            "longitude",
            "degrees_east",
            volume.site.longitude_deg,
        ),
        ("altitude", "altitude", "meters", volume.site.altitude_m),
    ] {
        let mut var = file.add_variable::<f64>(name, &[]).map_err(nc)?;
        var.put_attribute("standard_name", standard).map_err(nc)?;
        var.put_attribute("units", units).map_err(nc)?;
        var.put_value(value, ..).map_err(nc)?;
    }
    if let Some(mhz) = volume.frequency_mhz {
        file.add_dimension("frequency", 1).map_err(nc)?;
        let mut var = file
            .add_variable::<f32>("frequency", &["frequency"])
            .map_err(nc)?;
        var.put_attribute("long_name", "transmit frequency")
            .map_err(nc)?;
        var.put_attribute("units", "s-1").map_err(nc)?;
        var.put_attribute("meta_group", "instrument_parameters")
            .map_err(nc)?;
        var.put_values(&[(mhz * 1e6) as f32], ..).map_err(nc)?;
    }
    let mut var = file
        .add_variable::<f32>("radar_beam_width_h", &[])
        .map_err(nc)?;
    var.put_attribute("long_name", "half-power beam width, horizontal")
        .map_err(nc)?;
    var.put_attribute("units", "degrees").map_err(nc)?;
    var.put_attribute("meta_group", "radar_parameters")
        .map_err(nc)?;
    var.put_value(volume.beam_width_deg, ..).map_err(nc)?;

    for name in moments {
        let mut values = Array2::from_elem((n_rays, n_range), f32::NAN);
        let mut units = String::new();
        let mut row = 0;
        for s in &volume.sweeps {
            // checked above
            let Some(m) = s.moment(name) else { continue };
            units.clone_from(&m.units);
            let mut block = values.slice_mut(s![row..row + s.n_rays(), ..s.n_gates()]);
            ndarray::Zip::from(&mut block)
                .and(&m.values)
                .and(&m.status)
                .for_each(|out, &v, &st| {
                    if st == GateStatus::Valid {
                        *out = v;
                    }
                });
            row += s.n_rays();
        }
        let mut var = file
            .add_variable::<f32>(name, &["time", "range"])
            .map_err(nc)?;
        var.set_compression(4, true).map_err(nc)?;
        var.set_fill_value(f32::NAN).map_err(nc)?;
        var.put_attribute("units", units.as_str()).map_err(nc)?;
        let (long_name, standard) = describe(name);
        if let Some(long_name) = long_name {
            var.put_attribute("long_name", long_name).map_err(nc)?;
        }
        if let Some(standard) = standard {
            var.put_attribute("standard_name", standard).map_err(nc)?;
        }
        var.put_attribute("coordinates", "elevation azimuth range")
            .map_err(nc)?;
        var.put(values.view(), ..).map_err(nc)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::{Moment, Site, Sweep};
    use chrono::{TimeZone, Utc};

    fn volume() -> PolarVolume {
        let sweep = |angle: f32, n_rays: usize, n_gates: usize| {
            let mut m = Moment::from_values(
                "DBZH",
                "dBZ",
                Array2::from_shape_fn((n_rays, n_gates), |(r, g)| (r * 10 + g) as f32),
            );
            m.set_status(1, 2, GateStatus::NoEcho);
            Sweep {
                mode: SweepMode::Ppi,
                fixed_angle_deg: angle,
                azimuth_deg: (0..n_rays)
                    .map(|r| r as f32 * 360.0 / n_rays as f32)
                    .collect(),
                elevation_deg: vec![angle; n_rays],
                time_s: (0..n_rays).map(|r| r as f64 * 0.1).collect(),
                first_gate_m: 125.0,
                gate_spacing_m: 250.0,
                nyquist_mps: Some(16.5),
                moments: vec![m],
            }
        };
        PolarVolume {
            site: Site {
                id: "TEST".into(),
                name: "test site".into(),
                latitude_deg: 46.0,
                longitude_deg: 8.8,
                altitude_m: 1600.0,
            },
            frequency_mhz: Some(5450.0),
            beam_width_deg: 1.0,
            start_time: Utc.with_ymd_and_hms(2022, 6, 28, 7, 25, 0).unwrap(),
            sweeps: vec![sweep(0.5, 8, 6), sweep(1.5, 6, 4)],
        }
    }

    #[test]
    fn round_trips_through_the_cfradial_reader() {
        let v = volume();
        let path = std::env::temp_dir().join(format!("squall-cfr-{}.nc", std::process::id()));
        write_cfradial(&path, &v, &["DBZH"], &[("history", "test".into())]).unwrap();
        let back = crate::io::open_volume(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(back.sweeps.len(), 2);
        assert_eq!(back.site.id, "TEST");
        assert_eq!(back.frequency_mhz.map(|f| f.round()), Some(5450.0));
        assert_eq!(back.start_time, v.start_time);
        let (a, b) = (&v.sweeps[1], &back.sweeps[1]);
        assert_eq!(b.fixed_angle_deg, 1.5);
        assert_eq!(b.mode, SweepMode::Ppi);
        assert_eq!(b.azimuth_deg, a.azimuth_deg);
        assert!((b.first_gate_m - 125.0).abs() < 1e-3 && (b.gate_spacing_m - 250.0).abs() < 1e-3);
        let m = b.moment("DBZH").unwrap();
        // the shorter sweep is padded with no data
        assert_eq!(m.values.dim(), (6, 6));
        assert_eq!(m.values[[5, 3]], 53.0);
        assert_eq!(m.status[[5, 4]], GateStatus::NoData);
        // "no echo" has no CfRadial code: it reads back as no data
        assert_eq!(m.status[[1, 2]], GateStatus::NoData);
        assert_eq!(b.nyquist_mps, Some(16.5));
    }

    #[test]
    fn refuses_what_it_cannot_write() {
        let mut v = volume();
        let path = std::env::temp_dir().join(format!("squall-cfr-bad-{}.nc", std::process::id()));
        assert!(matches!(
            write_cfradial(&path, &v, &["KDP"], &[]),
            Err(Error::Parameter { .. })
        ));
        assert!(write_cfradial(&path, &v, &[], &[]).is_err());
        v.sweeps[1].gate_spacing_m = 500.0;
        assert!(matches!(
            write_cfradial(&path, &v, &["DBZH"], &[]),
            Err(Error::Unsupported(_))
        ));
        assert!(!path.exists());
    }
}
