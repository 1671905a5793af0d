//! CF-NetCDF output of a nowcast: the ensemble `(realization, time, y, x)`, exceedance probabilities
//! `(threshold, time, y, x)` and the ensemble mean `(time, y, x)`, with time, realization and threshold
//! coordinates, projection coordinates, the grid mapping and 2-D latitude/longitude.
//!
//! The grid, time axis, grid mapping and latitude/longitude are written by [`write_fields`] (with the
//! ensemble mean); the realization and threshold axes and the 4-D variables are then appended.
//!
//! # References
//! Eaton, B. et al., 2020: *NetCDF Climate and Forecast (CF) Metadata Conventions*, version 1.8, sections 4,
//! 5.6 and appendix A (`realization`); the probability variable follows the CF practice of a threshold
//! coordinate with `standard_name` of the thresholded quantity.

use std::path::Path;

use chrono::{DateTime, Utc};
use ndarray::{Array1, ArrayView3, ArrayView4};

use crate::error::{Error, Result};
use crate::geo::GridSpec;
use crate::io::cf_netcdf::{Field, write_fields};

/// What [`write_nowcast`] writes.
#[derive(Debug, Clone, Copy)]
pub struct NowcastFields<'a> {
    /// Method name, stored as a global attribute.
    pub method: &'a str,
    /// Analysis time (the newest input frame).
    pub reference_time: DateTime<Utc>,
    /// Valid time of each lead time.
    pub times: &'a [DateTime<Utc>],
    /// Members `(realization, time, y, x)`, mm h⁻¹; NaN = no data.
    pub ensemble: ArrayView4<'a, f32>,
    /// Thresholds of the probabilities, mm h⁻¹.
    pub thresholds: &'a [f32],
    /// P(rain rate ≥ threshold) `(threshold, time, y, x)`, 0–1.
    pub probabilities: ArrayView4<'a, f32>,
    /// Ensemble mean `(time, y, x)`, mm h⁻¹.
    pub mean: ArrayView3<'a, f32>,
}

/// Writes a nowcast to a new CF-1.8 NetCDF-4 file (deflate level 4, NaN fill value).
///
/// # Errors
/// [`Error::Shape`] if the arrays disagree with the grid, the times or the thresholds; [`Error::Netcdf`] if the
/// file cannot be written.
pub fn write_nowcast(
    path: impl AsRef<Path>,
    spec: &GridSpec,
    fields: &NowcastFields,
) -> Result<()> {
    let path = path.as_ref();
    let (ny, nx) = spec.shape();
    let nt = fields.times.len();
    let members = fields.ensemble.dim().0;
    let expect = |what: &str, found: Vec<usize>, expected: Vec<usize>| {
        if found == expected {
            Ok(())
        } else {
            Err(Error::Shape {
                what: what.into(),
                expected: format!("{expected:?}"),
                found: format!("{found:?}"),
            })
        }
    };
    expect(
        "ensemble",
        fields.ensemble.shape().to_vec(),
        vec![members, nt, ny, nx],
    )?;
    expect(
        "probabilities",
        fields.probabilities.shape().to_vec(),
        vec![fields.thresholds.len(), nt, ny, nx],
    )?;
    let times: Vec<Option<DateTime<Utc>>> = fields.times.iter().copied().map(Some).collect();
    write_fields(
        path,
        spec,
        &times,
        &[Field {
            name: "rainfall_rate_mean",
            units: "mm h-1",
            values: fields.mean,
        }],
    )?;
    let nc = |e: netcdf::Error| Error::netcdf(path, e);
    let mut file = netcdf::append(path).map_err(nc)?;
    file.add_attribute("title", format!("{} nowcast", fields.method))
        .map_err(nc)?;
    file.add_attribute("nowcast_method", fields.method)
        .map_err(nc)?;
    file.add_attribute(
        "forecast_reference_time",
        fields.reference_time.to_rfc3339(),
    )
    .map_err(nc)?;
    file.add_dimension("realization", members).map_err(nc)?;
    file.add_dimension("threshold", fields.thresholds.len())
        .map_err(nc)?;
    let has_lonlat = file.variable("lat").is_some();
    let mut realization = file
        .add_variable::<i32>("realization", &["realization"])
        .map_err(nc)?;
    realization
        .put_attribute("standard_name", "realization")
        .map_err(nc)?;
    realization.put_attribute("units", "1").map_err(nc)?;
    realization
        .put_attribute("long_name", "ensemble member")
        .map_err(nc)?;
    let ids: Array1<i32> = (0..members as i32).collect();
    realization.put(ids.view(), ..).map_err(nc)?;
    let mut threshold = file
        .add_variable::<f32>("threshold", &["threshold"])
        .map_err(nc)?;
    threshold
        .put_attribute("standard_name", "rainfall_rate")
        .map_err(nc)?;
    threshold.put_attribute("units", "mm h-1").map_err(nc)?;
    threshold
        .put_attribute("long_name", "rain-rate threshold of the probabilities")
        .map_err(nc)?;
    threshold
        .put(Array1::from(fields.thresholds.to_vec()).view(), ..)
        .map_err(nc)?;
    for (name, dims, units, standard, long_name) in [
        (
            "rainfall_rate",
            ["realization", "time", "y", "x"],
            "mm h-1",
            Some("rainfall_rate"),
            "ensemble member rain rate",
        ),
        (
            "probability_of_rainfall_rate_above_threshold",
            ["threshold", "time", "y", "x"],
            "1",
            None,
            "probability that the rain rate is at or above the threshold",
        ),
    ] {
        let mut var = file.add_variable::<f32>(name, &dims).map_err(nc)?;
        var.set_compression(4, true).map_err(nc)?;
        var.set_chunking(&[1, 1, ny, nx]).map_err(nc)?;
        var.set_fill_value(f32::NAN).map_err(nc)?;
        var.put_attribute("units", units).map_err(nc)?;
        var.put_attribute("long_name", long_name).map_err(nc)?;
        if let Some(s) = standard {
            var.put_attribute("standard_name", s).map_err(nc)?;
        }
        var.put_attribute("grid_mapping", "crs").map_err(nc)?;
        if has_lonlat {
            var.put_attribute("coordinates", "lat lon").map_err(nc)?;
        }
        let values = if name == "rainfall_rate" {
            fields.ensemble
        } else {
            fields.probabilities
        };
        var.put(values.as_standard_layout().view(), ..)
            .map_err(nc)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use ndarray::{Array3, Array4};

    #[test]
    fn nowcast_round_trips() {
        let spec = GridSpec::centred_on(50.0, 4.0, 6, 1000.0).unwrap();
        let t0 = Utc.with_ymd_and_hms(2021, 7, 4, 16, 0, 0).unwrap();
        let times: Vec<_> = (1..=2)
            .map(|k| t0 + chrono::Duration::minutes(5 * k))
            .collect();
        let ensemble = Array4::from_shape_fn((3, 2, 6, 6), |(m, t, r, c)| {
            (m * 100 + t * 10 + r + c) as f32
        });
        let probabilities = Array4::from_elem((2, 2, 6, 6), 0.5f32);
        let mean = Array3::from_elem((2, 6, 6), 1.5f32);
        let path = std::env::temp_dir().join(format!("squall-nowcast-{}.nc", std::process::id()));
        let fields = NowcastFields {
            method: "steps",
            reference_time: t0,
            times: &times,
            ensemble: ensemble.view(),
            thresholds: &[1.0, 5.0],
            probabilities: probabilities.view(),
            mean: mean.view(),
        };
        write_nowcast(&path, &spec, &fields).unwrap();
        let file = netcdf::open(&path).unwrap();
        let e = file
            .variable("rainfall_rate")
            .unwrap()
            .get::<f32, _>(..)
            .unwrap();
        assert_eq!(e.shape(), &[3, 2, 6, 6]);
        assert_eq!(e[[2, 1, 3, 4]], 217.0);
        let thr = file
            .variable("threshold")
            .unwrap()
            .get::<f32, _>(..)
            .unwrap();
        assert_eq!(thr[[1]], 5.0);
        assert!(file.variable("lat").is_some() && file.variable("realization").is_some());
        std::fs::remove_file(&path).unwrap();
        let bad = NowcastFields {
            thresholds: &[1.0],
            ..fields
        };
        assert!(write_nowcast(&path, &spec, &bad).is_err());
    }
}
