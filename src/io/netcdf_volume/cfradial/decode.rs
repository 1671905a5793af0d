//! The structure of a CfRadial 1.x file: rays, range axis, sweeps, site and moments → [`PolarVolume`].

use std::ops::RangeInclusive;

use netcdf::Variable;
use rayon::prelude::*;

use super::moments::{MomentData, RayLayout};
use super::names::fm301_names;
use super::nc::{Source, attribute_f64, attribute_string, global_string, is_numeric};
use super::range_axis::RangeAxis;
use super::time_units::TimeUnits;
use super::{DEFAULT_BEAM_WIDTH_DEG, MAX_RANGE_GATES, MAX_RAYS, MAX_SWEEPS, MAX_TOTAL_GATES};
use crate::error::{Error, Result};
use crate::volume::{Moment, PolarVolume, Site, Sweep, SweepMode};

/// Decodes an open CfRadial 1.x file.
pub(super) fn decode_file(file: &netcdf::File, source_name: &str) -> Result<PolarVolume> {
    let src = Source {
        file,
        name: source_name,
    };
    reject_cfradial2(&src)?;
    let n_rays = bounded(&src, "time", src.dimension("time")?, MAX_RAYS)?;
    let n_range = bounded(&src, "range", src.dimension("range")?, MAX_RANGE_GATES)?;
    let n_sweeps = bounded(&src, "sweep", src.dimension("sweep")?, MAX_SWEEPS)?;

    let (units, time) = ray_times(&src)?;
    let azimuth = per_ray(&src, "azimuth")?;
    let elevation = per_ray(&src, "elevation")?;
    let range_var = src.required("range")?;
    src.with_dims(&range_var, &["range"])?;
    let axis = RangeAxis::from_coordinates(
        &src.read_f64(&range_var)?,
        attribute_f64(&range_var, "meters_between_gates"),
    )
    .map_err(|e| src.error(format!("variable `range`: {e}")))?;
    let sweep_rays = sweep_rays(&src, n_sweeps, n_rays)?;

    let grid = RayLayout::Grid { n_range };
    let ragged = ragged_layout(&src, n_rays, n_range)?;
    let moment_vars = moment_variables(&src, ragged.is_some());
    let rays_out: u64 = sweep_rays.iter().map(|r| r.clone().count() as u64).sum();
    let requested = (moment_vars.len() as u64)
        .saturating_mul(rays_out.max(n_rays as u64))
        .saturating_mul(axis.n_gates.max(n_range) as u64);
    if requested > MAX_TOTAL_GATES {
        return Err(Error::Limits {
            what: format!("{source_name}: gates of {} moments", moment_vars.len()),
            requested,
            limit: MAX_TOTAL_GATES,
        });
    }
    let standard: Vec<Option<String>> = moment_vars
        .iter()
        .map(|v| attribute_string(v, "standard_name"))
        .collect();
    let var_names: Vec<String> = moment_vars.iter().map(Variable::name).collect();
    let keys: Vec<(&str, Option<&str>)> = var_names
        .iter()
        .map(String::as_str)
        .zip(standard.iter().map(Option::as_deref))
        .collect();
    let layouts: Vec<&RayLayout> = moment_vars
        .iter()
        .map(|v| match (&ragged, v.dimensions().len()) {
            (Some(layout), 1) => layout,
            _ => &grid,
        })
        .collect();
    let fixed_angle = optional_values(&src, "fixed_angle")?;
    let modes = match file.variable("sweep_mode") {
        Some(v) => src.read_strings(&v)?,
        None => Vec::new(),
    };
    let nyquist = optional_values(&src, "nyquist_velocity")?;

    // NetCDF reads are serialised by the library's lock: this thread reads the moments one after the other while
    // the thread pool unpacks (sweeps in parallel) those already read.
    let (sender, receiver) = std::sync::mpsc::channel();
    rayon::in_place_scope(|scope| -> Result<()> {
        for (k, (var, name)) in moment_vars.iter().zip(fm301_names(&keys)).enumerate() {
            src.check_size(var)?;
            let data = MomentData::read(&src, var, name)?;
            let (sender, layout, axis, sweep_rays) =
                (sender.clone(), layouts[k], &axis, &sweep_rays);
            scope.spawn(move |_| {
                let unpacked: Result<Vec<Moment>> = sweep_rays
                    .par_iter()
                    .map(|rays| data.sweep(layout, axis, rays.clone()))
                    .collect();
                // The receiver outlives the scope, so sending cannot fail.
                let _ = sender.send((k, unpacked));
            });
        }
        Ok(())
    })?;
    drop(sender);
    let mut unpacked: Vec<(usize, Result<Vec<Moment>>)> = receiver.into_iter().collect();
    unpacked.sort_by_key(|(k, _)| *k);
    let mut sweep_moments: Vec<Vec<Moment>> = vec![Vec::with_capacity(unpacked.len()); n_sweeps];
    for (_, per_sweep) in unpacked {
        for (target, moment) in sweep_moments.iter_mut().zip(per_sweep?) {
            target.push(moment);
        }
    }

    let t0 = time
        .iter()
        .copied()
        .filter(|t| t.is_finite())
        .fold(f64::INFINITY, f64::min);
    let start_time = units
        .instant(t0)
        .ok_or_else(|| src.error("variable `time` holds no valid ray time"))?;
    let sweeps = sweep_rays
        .iter()
        .zip(sweep_moments)
        .enumerate()
        .map(|(i, (rays, moments))| {
            let rays = rays.clone();
            let azimuth_deg = azimuth[rays.clone()].to_vec();
            let elevation_deg = elevation[rays.clone()].to_vec();
            let mode = sweep_mode(modes.get(i).map(String::as_str), &elevation_deg);
            let nominal = fixed_angle
                .get(i)
                .copied()
                .filter(|a| a.is_finite() && a.abs() <= 360.0)
                .map_or_else(
                    || mean_angle(mode, &azimuth_deg, &elevation_deg),
                    |a| a as f32,
                );
            let nyquist_mps = match nyquist.len() {
                1 => nyquist.first().copied(),
                n if n == n_rays => nyquist[rays.clone()]
                    .iter()
                    .copied()
                    .find(|v| v.is_finite() && *v > 0.0),
                _ => None,
            }
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(|v| v as f32);
            Sweep {
                mode,
                fixed_angle_deg: nominal,
                time_s: time[rays]
                    .iter()
                    .map(|t| (t - t0) * units.seconds_per_unit)
                    .collect(),
                azimuth_deg,
                elevation_deg,
                first_gate_m: axis.first_m,
                gate_spacing_m: axis.spacing_m,
                nyquist_mps,
                moments,
            }
        })
        .collect();

    let volume = PolarVolume {
        site: site(&src)?,
        frequency_mhz: frequency_mhz(&src)?,
        beam_width_deg: match file.variable("radar_beam_width_h") {
            Some(v) => src
                .first_f64(&v)?
                .filter(|w| *w > 0.0 && *w < 90.0)
                .map_or(DEFAULT_BEAM_WIDTH_DEG, |w| w as f32),
            None => DEFAULT_BEAM_WIDTH_DEG,
        },
        start_time,
        sweeps,
    };
    volume.validate()?;
    Ok(volume)
}

/// CfRadial 2 / FM 301 files keep each sweep in a group; say so instead of "missing sweep_start_ray_index".
fn reject_cfradial2(src: &Source<'_>) -> Result<()> {
    let version_2 = [
        global_string(src.file, "Conventions"),
        global_string(src.file, "version"),
    ]
    .into_iter()
    .flatten()
    .any(|s| {
        let s = s.to_lowercase();
        s.contains("radial-2") || s.contains("fm301") || s.contains("fm 301") || s.starts_with('2')
    });
    if src.file.variable("sweep_start_ray_index").is_none()
        && (version_2 || src.file.variable("sweep_group_name").is_some())
    {
        return Err(Error::Unsupported(format!(
            "{}: CfRadial 2 / FM 301 (one group per sweep) is not read yet",
            src.name
        )));
    }
    Ok(())
}

/// A dimension length in `1..=max`.
fn bounded(src: &Source<'_>, name: &str, len: usize, max: usize) -> Result<usize> {
    if len == 0 {
        return Err(src.error(format!("dimension `{name}` is empty")));
    }
    if len > max {
        return Err(Error::Limits {
            what: format!("{}: length of dimension `{name}`", src.name),
            requested: len as u64,
            limit: max as u64,
        });
    }
    Ok(len)
}

/// The `time(time)` variable's units and values (`NaN` for fill values).
fn ray_times(src: &Source<'_>) -> Result<(TimeUnits, Vec<f64>)> {
    let var = src.required("time")?;
    src.with_dims(&var, &["time"])?;
    let text = attribute_string(&var, "units").ok_or_else(|| {
        src.error("variable `time` has no units (expected \"seconds since <date time>\")")
    })?;
    let units = TimeUnits::parse(&text).ok_or_else(|| {
        src.error(format!(
            "variable `time` has units \"{text}\", not \"<unit> since <date time>\""
        ))
    })?;
    Ok((units, src.read_f64(&var)?))
}

/// A required `(time)` variable as `f32` (azimuth, elevation).
fn per_ray(src: &Source<'_>, name: &str) -> Result<Vec<f32>> {
    let var = src.required(name)?;
    src.with_dims(&var, &["time"])?;
    Ok(src.read_f64(&var)?.into_iter().map(|v| v as f32).collect())
}

/// All values of an optional variable (`NaN` for fill values); empty when absent.
fn optional_values(src: &Source<'_>, name: &str) -> Result<Vec<f64>> {
    match src.file.variable(name) {
        Some(var) => src.read_f64(&var),
        None => Ok(Vec::new()),
    }
}

/// The ray index range of each sweep, checked: `0 ≤ start ≤ end < n_rays`.
fn sweep_rays(
    src: &Source<'_>,
    n_sweeps: usize,
    n_rays: usize,
) -> Result<Vec<RangeInclusive<usize>>> {
    let index = |name: &str| -> Result<Vec<f64>> {
        let var = src.required(name)?;
        src.with_dims(&var, &["sweep"])?;
        src.read_f64(&var)
    };
    let starts = index("sweep_start_ray_index")?;
    let ends = index("sweep_end_ray_index")?;
    (0..n_sweeps)
        .map(|i| {
            let (s, e) = (starts[i], ends[i]);
            let in_rays = |x: f64| x.is_finite() && x >= 0.0 && x < n_rays as f64 && x.fract() == 0.0;
            if !in_rays(s) || !in_rays(e) || s > e {
                return Err(src.error(format!(
                    "sweep {i}: sweep_start_ray_index {s} and sweep_end_ray_index {e} do not give rays within \
                     0..{n_rays} (start ≤ end)"
                )));
            }
            Ok(s as usize..=e as usize)
        })
        .collect()
}

/// The ragged layout, if the file has an `n_points` dimension with `ray_n_gates` and `ray_start_index`.
fn ragged_layout(src: &Source<'_>, n_rays: usize, n_range: usize) -> Result<Option<RayLayout>> {
    let Some(n_points) = src.file.dimension("n_points").map(|d| d.len()) else {
        return Ok(None);
    };
    let index = |name: &str| -> Result<Vec<f64>> {
        let var = src.required(name)?;
        src.with_dims(&var, &["time"])?;
        src.read_f64(&var)
    };
    let n_gates = index("ray_n_gates")?;
    let start = index("ray_start_index")?;
    let mut layout = (Vec::with_capacity(n_rays), Vec::with_capacity(n_rays));
    for r in 0..n_rays {
        let (s, n) = (start[r], n_gates[r]);
        let whole = |x: f64| x.is_finite() && x >= 0.0 && x.fract() == 0.0;
        if !whole(s) || !whole(n) || n > n_range as f64 || s + n > n_points as f64 {
            return Err(src.error(format!(
                "ray {r}: ray_start_index {s} and ray_n_gates {n} do not fit {n_points} points of at most \
                 {n_range} gates a ray"
            )));
        }
        layout.0.push(s as usize);
        layout.1.push(n as usize);
    }
    Ok(Some(RayLayout::Ragged {
        start: layout.0,
        n_gates: layout.1,
    }))
}

/// Moment variables in file order: numeric, dimensions `(time, range)` (or `(n_points)` in ragged files).
fn moment_variables<'f>(src: &Source<'f>, ragged: bool) -> Vec<Variable<'f>> {
    src.file
        .variables()
        .filter(|v| {
            let dims: Vec<String> = v.dimensions().iter().map(|d| d.name()).collect();
            let shaped = match dims.as_slice() {
                [t, r] => t == "time" && r == "range",
                [p] => ragged && p == "n_points",
                _ => false,
            };
            shaped && is_numeric(&v.vartype())
        })
        .collect()
}

/// The scan mode named by `sweep_mode`; unknown or garbled names are inferred from the elevations (vertically
/// pointing when every ray is above 80°, else PPI).
fn sweep_mode(name: Option<&str>, elevation_deg: &[f32]) -> SweepMode {
    match name.map(str::to_ascii_lowercase).as_deref() {
        Some("azimuth_surveillance" | "manual_ppi" | "ppi") => SweepMode::Ppi,
        Some("sector") => SweepMode::Sector,
        Some("rhi" | "manual_rhi" | "elevation_surveillance") => SweepMode::Rhi,
        Some("vertical_pointing") => SweepMode::VerticalPointing,
        _ if !elevation_deg.is_empty() && elevation_deg.iter().all(|e| *e > 80.0) => {
            SweepMode::VerticalPointing
        }
        _ => SweepMode::Ppi,
    }
}

/// The mean ray angle standing in for a missing fixed angle: azimuth for RHI, elevation otherwise.
fn mean_angle(mode: SweepMode, azimuth_deg: &[f32], elevation_deg: &[f32]) -> f32 {
    let angles = if mode == SweepMode::Rhi {
        azimuth_deg
    } else {
        elevation_deg
    };
    let finite: Vec<f64> = angles
        .iter()
        .filter(|a| a.is_finite())
        .map(|&a| f64::from(a))
        .collect();
    (finite.iter().sum::<f64>() / finite.len().max(1) as f64) as f32
}

/// The site from `latitude`, `longitude`, `altitude` (scalars, or the first ray's position) and the global
/// `instrument_name` / `site_name` attributes.
fn site(src: &Source<'_>) -> Result<Site> {
    let position = |name: &str, limit: f64| -> Result<f64> {
        let var = src.required(name)?;
        src.first_f64(&var)?
            .filter(|v| v.abs() <= limit)
            .ok_or_else(|| {
                src.error(format!(
                    "variable `{name}` holds no valid value (|{name}| ≤ {limit})"
                ))
            })
    };
    let latitude_deg = position("latitude", 90.0)?;
    let longitude_deg = position("longitude", 360.0)?;
    let altitude_m = position("altitude", 20_000.0)?;
    let instrument = global_string(src.file, "instrument_name");
    let site_name = global_string(src.file, "site_name");
    Ok(Site {
        id: instrument
            .clone()
            .or_else(|| site_name.clone())
            .unwrap_or_default(),
        name: site_name.or(instrument).unwrap_or_default(),
        latitude_deg,
        longitude_deg,
        altitude_m,
    })
}

/// The transmit frequency from the `frequency` variable (Hz unless its units say GHz or MHz).
fn frequency_mhz(src: &Source<'_>) -> Result<Option<f64>> {
    let Some(var) = src.file.variable("frequency") else {
        return Ok(None);
    };
    let per_mhz = match attribute_string(&var, "units")
        .map(|u| u.to_ascii_lowercase())
        .as_deref()
    {
        Some("ghz") => 1e-3,
        Some("mhz") => 1.0,
        _ => 1e6,
    };
    Ok(src
        .first_f64(&var)?
        .filter(|f| *f > 0.0)
        .map(|f| f / per_mhz))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweep_modes() {
        assert_eq!(
            sweep_mode(Some("azimuth_surveillance"), &[0.5]),
            SweepMode::Ppi
        );
        assert_eq!(sweep_mode(Some("RHI"), &[0.5]), SweepMode::Rhi);
        assert_eq!(
            sweep_mode(Some("vertical_poi"), &[90.0, 89.9]),
            SweepMode::VerticalPointing
        );
        assert_eq!(sweep_mode(None, &[1.0, 90.0]), SweepMode::Ppi);
    }
}
