//! Moment variables: raw values read whole, then unpacked (scale, offset, fill values, valid range) per sweep.

use std::ops::RangeInclusive;

use ndarray::Array2;
use netcdf::Variable;
use netcdf::types::{FloatType, IntType, NcVariableType};

use super::names::normalise_units;
use super::nc::{Source, attribute_f64, attribute_numbers, attribute_string};
use super::range_axis::RangeAxis;
use crate::error::{Error, Result};
use crate::volume::{GateStatus, Moment};

/// Where each ray's gates lie in a moment's flattened values.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum RayLayout {
    /// Dimensions `(time, range)`: ray `r` starts at `r · n_range` and has `n_range` gates.
    Grid {
        /// Length of the `range` dimension.
        n_range: usize,
    },
    /// Dimension `(n_points)`: ray `r` starts at `start[r]` and has `n_gates[r]` gates (checked against
    /// `n_points` when built).
    Ragged {
        /// `ray_start_index`.
        start: Vec<usize>,
        /// `ray_n_gates`.
        n_gates: Vec<usize>,
    },
}

impl RayLayout {
    /// Offset and gate count of ray `r`.
    fn ray(&self, r: usize) -> (usize, usize) {
        match self {
            RayLayout::Grid { n_range } => (r * n_range, *n_range),
            RayLayout::Ragged { start, n_gates } => (start[r], n_gates[r]),
        }
    }
}

/// How raw values become physical ones, and which raw values mean "no data" (CF conventions §2.5.1, §8.1).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Packing {
    scale: f64,
    offset: f64,
    /// `_FillValue` (or the type's default fill value) and `missing_value`s, as raw values.
    no_data: Vec<f64>,
    /// Valid range in raw values (from attributes stored in the variable's type).
    raw_valid: (f64, f64),
    /// Valid range in physical values (from attributes stored in another type, e.g. that of `scale_factor`).
    physical_valid: (f64, f64),
}

impl Packing {
    /// The physical value of one raw value, or `None` for a gate without data.
    #[inline]
    fn unpack(&self, raw: f64) -> Option<f32> {
        if raw.is_nan()
            || raw < self.raw_valid.0
            || raw > self.raw_valid.1
            || self.no_data.contains(&raw)
        {
            return None;
        }
        let value = raw * self.scale + self.offset;
        if value < self.physical_valid.0 || value > self.physical_valid.1 {
            return None;
        }
        let value = value as f32;
        value.is_finite().then_some(value)
    }
}

/// A moment variable read whole: its name, units, packing and raw values.
pub(super) struct MomentData {
    /// FM 301 (or the variable's own) name.
    pub name: String,
    units: String,
    packing: Packing,
    raw: RawValues,
}

/// Raw values of each NetCDF numeric type.
enum RawValues {
    I8(Vec<i8>),
    U8(Vec<u8>),
    I16(Vec<i16>),
    U16(Vec<u16>),
    I32(Vec<i32>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// A raw value type that widens to `f64` (exactly, up to 2⁵³ for the 64-bit integers).
trait RawValue: Copy + Send + Sync {
    fn widen(self) -> f64;
}

macro_rules! raw_value {
    ($($t:ty),*) => {$(
        impl RawValue for $t {
            #[inline]
            fn widen(self) -> f64 {
                self as f64
            }
        }
    )*};
}
raw_value!(i8, u8, i16, u16, i32, u32, i64, u64, f32, f64);

impl MomentData {
    /// Reads a moment variable whole (the caller has checked its size) and its packing attributes.
    ///
    /// # Errors
    /// [`Error::Netcdf`] if the library cannot read the values.
    pub fn read(src: &Source<'_>, var: &Variable<'_>, name: String) -> Result<MomentData> {
        let vartype = var.vartype();
        let what = || format!("moment variable `{}`", var.name());
        let lib = |e| src.library_error(&what(), e);
        let has_fill_attribute = var.attribute("_FillValue").is_some();
        // Without a _FillValue attribute, unwritten values read as the type's default fill value (unless the
        // variable is in no-fill mode); bytes are exempt, as in netCDF4-python.
        macro_rules! read {
            ($variant:ident, $t:ty, $default_fill:expr) => {{
                let values = var.get_values::<$t, _>(..).map_err(lib)?;
                let default_fill = if has_fill_attribute || !$default_fill {
                    None
                } else {
                    var.fill_value::<$t>().map_err(lib)?.map(|f| f as f64)
                };
                (RawValues::$variant(values), default_fill)
            }};
        }
        let (raw, default_fill) = match vartype {
            NcVariableType::Int(IntType::I8) => read!(I8, i8, false),
            NcVariableType::Int(IntType::U8) => read!(U8, u8, false),
            NcVariableType::Int(IntType::I16) => read!(I16, i16, true),
            NcVariableType::Int(IntType::U16) => read!(U16, u16, true),
            NcVariableType::Int(IntType::I32) => read!(I32, i32, true),
            NcVariableType::Int(IntType::U32) => read!(U32, u32, true),
            NcVariableType::Int(IntType::I64) => read!(I64, i64, true),
            NcVariableType::Int(IntType::U64) => read!(U64, u64, true),
            NcVariableType::Float(FloatType::F32) => read!(F32, f32, true),
            NcVariableType::Float(FloatType::F64) => read!(F64, f64, true),
            _ => return Err(src.error(format!("{} is not numeric", what()))),
        };
        Ok(MomentData {
            name,
            units: normalise_units(&attribute_string(var, "units").unwrap_or_default()),
            packing: packing(var, &vartype, default_fill),
            raw,
        })
    }

    /// The moment over rays `rays` of one sweep, on the output range axis.
    pub fn sweep(
        &self,
        layout: &RayLayout,
        axis: &RangeAxis,
        rays: RangeInclusive<usize>,
    ) -> Result<Moment> {
        let (values, status) = match &self.raw {
            RawValues::I8(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::U8(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::I16(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::U16(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::I32(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::U32(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::I64(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::U64(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::F32(v) => unpack_rays(v, &self.packing, layout, axis, rays),
            RawValues::F64(v) => unpack_rays(v, &self.packing, layout, axis, rays),
        }?;
        Ok(Moment {
            name: self.name.clone(),
            units: self.units.clone(),
            values,
            status,
        })
    }
}

/// The packing attributes of a variable of type `vartype`.
fn packing(var: &Variable<'_>, vartype: &NcVariableType, default_fill: Option<f64>) -> Packing {
    let mut no_data: Vec<f64> = default_fill.into_iter().collect();
    no_data.extend(attribute_f64(var, "_FillValue"));
    if let Some((_, missing)) = attribute_numbers(var, "missing_value") {
        no_data.extend(missing);
    }
    let mut raw_valid = (f64::NEG_INFINITY, f64::INFINITY);
    let mut physical_valid = raw_valid;
    let mut limit = |name: &str, index: usize, lower: bool| {
        if let Some((t, v)) = attribute_numbers(var, name) {
            if let Some(&x) = v.get(index) {
                let target = if &t == vartype {
                    &mut raw_valid
                } else {
                    &mut physical_valid
                };
                if lower {
                    target.0 = x;
                } else {
                    target.1 = x;
                }
            }
        }
    };
    limit("valid_range", 0, true);
    limit("valid_range", 1, false);
    limit("valid_min", 0, true);
    limit("valid_max", 0, false);
    Packing {
        scale: attribute_f64(var, "scale_factor").unwrap_or(1.0),
        offset: attribute_f64(var, "add_offset").unwrap_or(0.0),
        no_data,
        raw_valid,
        physical_valid,
    }
}

/// Unpacks the rays `rays` onto the output axis: gates past a ray's end (ragged rays, or a resampled axis) and
/// gates without data are [`GateStatus::NoData`] with value `NaN`.
fn unpack_rays<T: RawValue>(
    data: &[T],
    packing: &Packing,
    layout: &RayLayout,
    axis: &RangeAxis,
    rays: RangeInclusive<usize>,
) -> Result<(Array2<f32>, Array2<GateStatus>)> {
    let n_rays = rays.clone().count();
    let n_gates = axis.n_gates;
    let unpack = |raw: T| packing.unpack(raw.widen()).unwrap_or(f32::NAN);
    let mut values = Vec::with_capacity(n_rays * n_gates);
    for r in rays {
        let (offset, len) = layout.ray(r);
        let ray = &data[offset..offset + len];
        match &axis.source_gate {
            None => {
                let kept = len.min(n_gates);
                values.extend(ray[..kept].iter().map(|&raw| unpack(raw)));
                values.extend(std::iter::repeat_n(f32::NAN, n_gates - kept));
            }
            Some(source) => values.extend(
                source
                    .iter()
                    .map(|&s| ray.get(s).map_or(f32::NAN, |&raw| unpack(raw))),
            ),
        }
    }
    // Unpacked values are finite: NaN marks exactly the gates without data.
    let status: Vec<GateStatus> = values
        .iter()
        .map(|v| {
            if v.is_nan() {
                GateStatus::NoData
            } else {
                GateStatus::Valid
            }
        })
        .collect();
    let shape_error = |e: ndarray::ShapeError| Error::Shape {
        what: "unpacked CfRadial moment".into(),
        expected: format!("({n_rays}, {n_gates})"),
        found: e.to_string(),
    };
    Ok((
        Array2::from_shape_vec((n_rays, n_gates), values).map_err(shape_error)?,
        Array2::from_shape_vec((n_rays, n_gates), status).map_err(shape_error)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Packing {
        Packing {
            scale: 0.5,
            offset: -32.0,
            no_data: vec![-32767.0, 0.0],
            raw_valid: (f64::NEG_INFINITY, 200.0),
            physical_valid: (-30.0, f64::INFINITY),
        }
    }

    #[test]
    fn unpacking_masks_fill_range_and_nan() {
        let p = plain();
        assert_eq!(p.unpack(100.0), Some(18.0));
        assert_eq!(p.unpack(0.0), None, "fill");
        assert_eq!(p.unpack(-32767.0), None, "missing_value");
        assert_eq!(p.unpack(201.0), None, "above raw valid_max");
        assert_eq!(p.unpack(3.0), None, "below physical valid_min: -30.5");
        assert_eq!(p.unpack(f64::NAN), None);
    }

    #[test]
    fn ragged_rays_and_resampled_axes_pad_with_no_data() {
        let p = Packing {
            scale: 1.0,
            offset: 0.0,
            no_data: vec![-1.0],
            raw_valid: (f64::NEG_INFINITY, f64::INFINITY),
            physical_valid: (f64::NEG_INFINITY, f64::INFINITY),
        };
        // Ray 0 has 3 gates, ray 1 has 1 gate (whose value is the fill value), ray 2 has 2 gates.
        let data = [1i16, 2, 3, -1, 7, 8];
        let layout = RayLayout::Ragged {
            start: vec![0, 3, 4],
            n_gates: vec![3, 1, 2],
        };
        let axis = RangeAxis {
            first_m: 0.0,
            spacing_m: 100.0,
            n_gates: 3,
            source_gate: None,
        };
        let (v, s) = unpack_rays(&data, &p, &layout, &axis, 0..=2).unwrap();
        assert_eq!(v.row(0).to_vec(), [1.0, 2.0, 3.0]);
        assert_eq!(s.row(1).to_vec(), [GateStatus::NoData; 3]);
        assert_eq!(v[[2, 1]], 8.0);
        assert_eq!(s[[2, 2]], GateStatus::NoData);
        let resampled = RangeAxis {
            source_gate: Some(vec![0, 0, 1, 2, 2]),
            n_gates: 5,
            ..axis
        };
        let (v, s) = unpack_rays(&data, &p, &layout, &resampled, 2..=2).unwrap();
        assert_eq!(
            v.row(0).iter().take(3).copied().collect::<Vec<_>>(),
            [7.0, 7.0, 8.0]
        );
        assert_eq!(s.row(0).to_vec()[3..], [GateStatus::NoData; 2]);
    }
}
