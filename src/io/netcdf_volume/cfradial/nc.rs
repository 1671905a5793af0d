//! Checked access to the variables and attributes of an open NetCDF file: every read names the variable in its
//! error and checks the declared size against the limits before allocating.

use netcdf::types::{FloatType, IntType, NcVariableType};
use netcdf::{AttributeValue, Variable};

use super::{FORMAT_NAME, MAX_VALUES_PER_VARIABLE};
use crate::error::{Error, Result};

/// An open file and the name it is reported under.
pub(super) struct Source<'f> {
    pub file: &'f netcdf::File,
    pub name: &'f str,
}

impl<'f> Source<'f> {
    /// An error about the file's content.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::Netcdf {
            path: self.name.into(),
            message: format!("{FORMAT_NAME}: {message}"),
        }
    }

    /// An error reported by the NetCDF library while reading `what`.
    pub fn library_error(&self, what: &str, error: netcdf::Error) -> Error {
        self.error(format!("reading {what}: {error}"))
    }

    /// Length of a dimension, or an error naming it.
    pub fn dimension(&self, name: &str) -> Result<usize> {
        self.file
            .dimension(name)
            .map(|d| d.len())
            .ok_or_else(|| self.error(format!("missing required dimension `{name}`")))
    }

    /// A variable, or an error naming it.
    pub fn required(&self, name: &str) -> Result<Variable<'f>> {
        self.file
            .variable(name)
            .ok_or_else(|| self.error(format!("missing required variable `{name}`")))
    }

    /// A variable whose dimensions must be exactly `dims` (e.g. `["time"]`); `[]` means a scalar.
    pub fn with_dims(&self, var: &Variable<'f>, dims: &[&str]) -> Result<()> {
        let found: Vec<String> = var.dimensions().iter().map(|d| d.name()).collect();
        if found.iter().map(String::as_str).eq(dims.iter().copied()) {
            Ok(())
        } else {
            Err(self.error(format!(
                "variable `{}` has dimensions ({}), expected ({})",
                var.name(),
                found.join(", "),
                dims.join(", ")
            )))
        }
    }

    /// Checks a variable's declared size against [`MAX_VALUES_PER_VARIABLE`].
    pub fn check_size(&self, var: &Variable<'f>) -> Result<usize> {
        let n = var.len();
        if n > MAX_VALUES_PER_VARIABLE {
            return Err(Error::Limits {
                what: format!("{}: values of variable `{}`", self.name, var.name()),
                requested: n as u64,
                limit: MAX_VALUES_PER_VARIABLE as u64,
            });
        }
        Ok(n)
    }

    /// All values of a numeric variable, converted to `f64` by the library; its `_FillValue` (if any) becomes `NaN`.
    pub fn read_f64(&self, var: &Variable<'f>) -> Result<Vec<f64>> {
        self.check_size(var)?;
        if !is_numeric(&var.vartype()) {
            return Err(self.error(format!("variable `{}` is not numeric", var.name())));
        }
        let mut values = var
            .get_values::<f64, _>(..)
            .map_err(|e| self.library_error(&format!("variable `{}`", var.name()), e))?;
        if let Some(fill) = attribute_f64(var, "_FillValue") {
            values
                .iter_mut()
                .filter(|v| **v == fill)
                .for_each(|v| *v = f64::NAN);
        }
        Ok(values)
    }

    /// The first value of a numeric variable that is finite (not `_FillValue`), if any.
    pub fn first_f64(&self, var: &Variable<'f>) -> Result<Option<f64>> {
        Ok(self.read_f64(var)?.into_iter().find(|v| v.is_finite()))
    }

    /// The strings of a character variable `(n, string_length)` (NUL padding removed, trimmed), or of a
    /// NetCDF-4 string variable `(n)`.
    pub fn read_strings(&self, var: &Variable<'f>) -> Result<Vec<String>> {
        self.check_size(var)?;
        let what = || format!("variable `{}`", var.name());
        match var.vartype() {
            NcVariableType::Char => {
                let width = var.dimensions().last().map_or(1, |d| d.len()).max(1);
                let bytes = var
                    .get_raw_values(..)
                    .map_err(|e| self.library_error(&what(), e))?;
                Ok(bytes.chunks(width).map(clean_text).collect())
            }
            NcVariableType::String => (0..var.len())
                .map(|i| {
                    var.get_string(i)
                        .map(|s| clean_text(s.as_bytes()))
                        .map_err(|e| self.library_error(&what(), e))
                })
                .collect(),
            _ => Err(self.error(format!("{} is not text", what()))),
        }
    }
}

/// Whether a variable type is one of the ten numeric NetCDF types.
pub(super) fn is_numeric(t: &NcVariableType) -> bool {
    matches!(t, NcVariableType::Int(_) | NcVariableType::Float(_))
}

/// Text with NUL bytes removed and surrounding white space trimmed.
fn clean_text(bytes: &[u8]) -> String {
    let kept: Vec<u8> = bytes.iter().copied().filter(|&b| b != 0).collect();
    String::from_utf8_lossy(&kept).trim().to_owned()
}

/// A global text attribute, trimmed; `None` when absent, empty or not text.
pub(super) fn global_string(file: &netcdf::File, name: &str) -> Option<String> {
    let value = file.attribute(name)?.value().ok()?;
    text(value)
}

/// A text attribute of a variable, trimmed; `None` when absent, empty or not text.
pub(super) fn attribute_string(var: &Variable<'_>, name: &str) -> Option<String> {
    text(var.attribute_value(name)?.ok()?)
}

fn text(value: AttributeValue) -> Option<String> {
    let s = match value {
        AttributeValue::Str(s) => s,
        AttributeValue::Strs(v) => v.join(" "),
        _ => return None,
    };
    let s = clean_text(s.as_bytes());
    (!s.is_empty()).then_some(s)
}

/// The numbers of a numeric attribute, with the NetCDF type they were stored in.
pub(super) fn attribute_numbers(
    var: &Variable<'_>,
    name: &str,
) -> Option<(NcVariableType, Vec<f64>)> {
    use AttributeValue as A;
    use NcVariableType::{Float, Int};
    macro_rules! all {
        ($t:expr, $v:expr) => {
            ($t, $v.into_iter().map(|x| x as f64).collect())
        };
    }
    Some(match var.attribute_value(name)?.ok()? {
        A::Schar(x) => all!(Int(IntType::I8), [x]),
        A::Schars(v) => all!(Int(IntType::I8), v),
        A::Uchar(x) => all!(Int(IntType::U8), [x]),
        A::Uchars(v) => all!(Int(IntType::U8), v),
        A::Short(x) => all!(Int(IntType::I16), [x]),
        A::Shorts(v) => all!(Int(IntType::I16), v),
        A::Ushort(x) => all!(Int(IntType::U16), [x]),
        A::Ushorts(v) => all!(Int(IntType::U16), v),
        A::Int(x) => all!(Int(IntType::I32), [x]),
        A::Ints(v) => all!(Int(IntType::I32), v),
        A::Uint(x) => all!(Int(IntType::U32), [x]),
        A::Uints(v) => all!(Int(IntType::U32), v),
        A::Longlong(x) => all!(Int(IntType::I64), [x]),
        A::Longlongs(v) => all!(Int(IntType::I64), v),
        A::Ulonglong(x) => all!(Int(IntType::U64), [x]),
        A::Ulonglongs(v) => all!(Int(IntType::U64), v),
        A::Float(x) => all!(Float(FloatType::F32), [x]),
        A::Floats(v) => all!(Float(FloatType::F32), v),
        A::Double(x) => all!(Float(FloatType::F64), [x]),
        A::Doubles(v) => all!(Float(FloatType::F64), v),
        A::Str(_) | A::Strs(_) => return None,
    })
}

/// The first number of a numeric attribute.
pub(super) fn attribute_f64(var: &Variable<'_>, name: &str) -> Option<f64> {
    attribute_numbers(var, name).and_then(|(_, v)| v.first().copied())
}
