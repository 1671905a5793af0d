//! Dual-polarisation bindings: KDP from ΦDP, attenuation correction, rain rates and hydrometeor classification on
//! `(rays, gates)` float32 arrays.

use ndarray::Zip;
use numpy::{IntoPyArray, PyArray2, PyReadonlyArray2};
use pyo3::prelude::*;
use squall::Band;
use squall::dualpol::attenuation::{self, AttenuationCoefficients, AttenuationMethod};
use squall::dualpol::hydroclass::{ClassifyInputs, HydroclassWeights, classify};
use squall::dualpol::phidp::{self, KdpMethod, LeastSquaresKdp, PhidpConfig, VulpianiKdp};
use squall::dualpol::rainrate::{self, RainCoefficients, RainEstimator, RainInputs};

use crate::errors::to_py;

fn parse_band(py: Python<'_>, band: &str) -> PyResult<Band> {
    match band.to_ascii_uppercase().as_str() {
        "S" => Ok(Band::S),
        "C" => Ok(Band::C),
        "X" => Ok(Band::X),
        _ => Err(to_py(
            py,
            squall::Error::parameter("band", band, "valid bands: \"S\", \"C\", \"X\""),
        )),
    }
}

fn parameter(py: Python<'_>, name: &str, value: &str, valid: &str) -> PyErr {
    to_py(
        py,
        squall::Error::parameter(name, value, format!("valid values: {valid}")),
    )
}

/// KDP (° km⁻¹) and processed ΦDP (unfolded, offset-free, median-smoothed, degrees) from measured ΦDP.
///
/// Weather gates are those with a finite ΦDP (and a finite `dbzh` when given). `method` is "least_squares"
/// (window 6 km in light, 2 km in heavy rain, or fixed `window_m`) or "vulpiani" (`window_m`, default 2 km, and
/// `iterations`). Returns (kdp, phidp), both (rays, gates) float32, NaN outside the weather gates.
#[pyfunction]
#[pyo3(signature = (phidp, gate_spacing_m, dbzh=None, method="least_squares", window_m=None, iterations=10))]
#[allow(clippy::type_complexity)]
fn kdp_from_phidp<'py>(
    py: Python<'py>,
    phidp: PyReadonlyArray2<'py, f32>,
    gate_spacing_m: f32,
    dbzh: Option<PyReadonlyArray2<'py, f32>>,
    method: &str,
    window_m: Option<f32>,
    iterations: usize,
) -> PyResult<(Bound<'py, PyArray2<f32>>, Bound<'py, PyArray2<f32>>)> {
    let method = match method {
        "least_squares" => KdpMethod::LeastSquares(
            window_m.map_or_else(LeastSquaresKdp::default, LeastSquaresKdp::fixed),
        ),
        "vulpiani" => KdpMethod::Vulpiani(VulpianiKdp {
            window_m: window_m.unwrap_or(2_000.0),
            iterations,
            ..VulpianiKdp::default()
        }),
        other => {
            return Err(parameter(
                py,
                "method",
                other,
                "\"least_squares\", \"vulpiani\"",
            ));
        }
    };
    let phidp = phidp.as_array();
    let dbzh = dbzh.as_ref().map(|z| z.as_array());
    let (kdp, processed) = py
        .detach(|| {
            let mask = match dbzh {
                Some(z) if z.dim() == phidp.dim() => Zip::from(phidp)
                    .and(z)
                    .map_collect(|p, z| p.is_finite() && z.is_finite()),
                _ => phidp.mapv(f32::is_finite),
            };
            let processed =
                phidp::process_phidp(phidp, mask.view(), None, &PhidpConfig::default())?;
            let kdp = phidp::kdp(&processed, dbzh, gate_spacing_m, &method)?;
            Ok::<_, squall::Error>((kdp, processed.phidp_deg))
        })
        .map_err(|e| to_py(py, e))?;
    Ok((kdp.into_pyarray(py), processed.into_pyarray(py)))
}

/// Attenuation correction: returns (dbzh, zdr or None, pia) (rays, gates) float32.
///
/// `phidp` is the processed, offset-free ΦDP (degrees; e.g. the second output of `kdp_from_phidp`); rain gates are
/// those with a finite reflectivity and ΦDP (pass NaN above the melting layer). `method` is "zphi" (Testud et al.
/// 2000) or "linear"; coefficients are the band's.
#[pyfunction]
#[pyo3(signature = (dbzh, phidp, gate_spacing_m, band, zdr=None, method="zphi"))]
#[allow(clippy::type_complexity)]
fn zphi<'py>(
    py: Python<'py>,
    dbzh: PyReadonlyArray2<'py, f32>,
    phidp: PyReadonlyArray2<'py, f32>,
    gate_spacing_m: f32,
    band: &str,
    zdr: Option<PyReadonlyArray2<'py, f32>>,
    method: &str,
) -> PyResult<(
    Bound<'py, PyArray2<f32>>,
    Option<Bound<'py, PyArray2<f32>>>,
    Bound<'py, PyArray2<f32>>,
)> {
    let band = parse_band(py, band)?;
    let method = match method {
        "zphi" => AttenuationMethod::Zphi,
        "linear" => AttenuationMethod::Linear,
        other => return Err(parameter(py, "method", other, "\"zphi\", \"linear\"")),
    };
    let (dbzh, phidp) = (dbzh.as_array(), phidp.as_array());
    let zdr = zdr.as_ref().map(|z| z.as_array());
    let correction = py
        .detach(|| {
            let k = AttenuationCoefficients::for_band(band)?;
            let rain = if dbzh.dim() == phidp.dim() {
                Zip::from(dbzh)
                    .and(phidp)
                    .map_collect(|z, p| z.is_finite() && p.is_finite())
            } else {
                dbzh.mapv(f32::is_finite)
            };
            let filled = phidp.mapv(|p| if p.is_finite() { p } else { 0.0 });
            attenuation::correct(
                dbzh,
                zdr,
                filled.view(),
                rain.view(),
                gate_spacing_m,
                &k,
                method,
                2.0,
            )
        })
        .map_err(|e| to_py(py, e))?;
    Ok((
        correction.dbzh.into_pyarray(py),
        correction.zdr.map(|z| z.into_pyarray(py)),
        correction.pia_db.into_pyarray(py),
    ))
}

/// Rain rate in mm/h, (rays, gates) float32. `estimator`: "z", "kdp", "z_zdr", "attenuation", "blended".
#[pyfunction]
#[pyo3(signature = (dbzh, band, zdr=None, kdp=None, specific_attenuation=None, estimator="blended"))]
fn rain_rate<'py>(
    py: Python<'py>,
    dbzh: PyReadonlyArray2<'py, f32>,
    band: &str,
    zdr: Option<PyReadonlyArray2<'py, f32>>,
    kdp: Option<PyReadonlyArray2<'py, f32>>,
    specific_attenuation: Option<PyReadonlyArray2<'py, f32>>,
    estimator: &str,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let band = parse_band(py, band)?;
    let estimator = match estimator {
        "z" => RainEstimator::Z,
        "kdp" => RainEstimator::Kdp,
        "z_zdr" => RainEstimator::ZZdr,
        "attenuation" => RainEstimator::Attenuation,
        "blended" => RainEstimator::Blended,
        other => {
            return Err(parameter(
                py,
                "estimator",
                other,
                "\"z\", \"kdp\", \"z_zdr\", \"attenuation\", \"blended\"",
            ));
        }
    };
    let inputs = RainInputs {
        dbzh: dbzh.as_array(),
        zdr: zdr.as_ref().map(|a| a.as_array()),
        kdp: kdp.as_ref().map(|a| a.as_array()),
        specific_attenuation_db_per_km: specific_attenuation.as_ref().map(|a| a.as_array()),
    };
    let rate = py
        .detach(|| {
            let k = RainCoefficients::for_band(band)?;
            rainrate::rain_rate(&inputs, estimator, &k)
        })
        .map_err(|e| to_py(py, e))?;
    Ok(rate.into_pyarray(py))
}

/// Hydrometeor class codes 0–10 (Dolan and Rutledge 2009; 0 = unclassified), (rays, gates) uint8.
#[pyfunction]
#[pyo3(signature = (dbzh, zdr, kdp, rhohv, band, temperature=None))]
fn hydroclass<'py>(
    py: Python<'py>,
    dbzh: PyReadonlyArray2<'py, f32>,
    zdr: PyReadonlyArray2<'py, f32>,
    kdp: PyReadonlyArray2<'py, f32>,
    rhohv: PyReadonlyArray2<'py, f32>,
    band: &str,
    temperature: Option<PyReadonlyArray2<'py, f32>>,
) -> PyResult<Bound<'py, PyArray2<u8>>> {
    let band = parse_band(py, band)?;
    let inputs = ClassifyInputs {
        dbzh: dbzh.as_array(),
        zdr: zdr.as_array(),
        kdp: kdp.as_array(),
        rhohv: rhohv.as_array(),
        temperature_c: temperature.as_ref().map(|t| t.as_array()),
    };
    let classes = py
        .detach(|| classify(&inputs, band, &HydroclassWeights::default()))
        .map_err(|e| to_py(py, e))?;
    Ok(classes.into_pyarray(py))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(kdp_from_phidp, m)?)?;
    m.add_function(wrap_pyfunction!(zphi, m)?)?;
    m.add_function(wrap_pyfunction!(rain_rate, m)?)?;
    m.add_function(wrap_pyfunction!(hydroclass, m)?)?;
    Ok(())
}
