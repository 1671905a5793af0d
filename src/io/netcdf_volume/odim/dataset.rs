//! HDF5 datasets read through netcdf-c: numeric 2-D arrays of gate codes (decoded in parallel by the callers) and
//! 1-D compound tables (GAMIC ray headers). Shared by the ODIM_H5 and GAMIC readers.
//!
//! Arrays are read whole in the machine's native byte order, after the caller has checked their declared shape
//! against the metadata and its gate limit: the shape comes from the HDF5 header, the allocation from the shape.

use ndarray::Array2;
use netcdf::types::{FloatType, IntType, NcVariableType};
use netcdf::{AttributeValue, Variable};

use super::hdf::{Attributes, Source};
use crate::error::{Error, Result};
use crate::volume::GateStatus;

/// The element type of a numeric dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawKind {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
}

impl RawKind {
    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            RawKind::U8 | RawKind::I8 => 1,
            RawKind::U16 | RawKind::I16 => 2,
            RawKind::U32 | RawKind::I32 | RawKind::F32 => 4,
            RawKind::U64 | RawKind::I64 | RawKind::F64 => 8,
        }
    }

    fn of(t: &NcVariableType) -> Option<RawKind> {
        Some(match t {
            NcVariableType::Int(IntType::U8) => RawKind::U8,
            NcVariableType::Int(IntType::I8) => RawKind::I8,
            NcVariableType::Int(IntType::U16) => RawKind::U16,
            NcVariableType::Int(IntType::I16) => RawKind::I16,
            NcVariableType::Int(IntType::U32) => RawKind::U32,
            NcVariableType::Int(IntType::I32) => RawKind::I32,
            NcVariableType::Int(IntType::U64) => RawKind::U64,
            NcVariableType::Int(IntType::I64) => RawKind::I64,
            NcVariableType::Float(FloatType::F32) => RawKind::F32,
            NcVariableType::Float(FloatType::F64) => RawKind::F64,
            _ => return None,
        })
    }
}

/// A dataset (NetCDF variable) and its shape, not yet read.
pub(crate) struct Dataset<'g> {
    var: Variable<'g>,
    /// HDF5 path, for errors.
    pub path: String,
    /// Length of each dimension.
    pub shape: Vec<usize>,
    source: Source<'g>,
}

impl<'g> Dataset<'g> {
    /// A dataset handle, its shape taken from its dimensions (nothing is read).
    pub fn new(var: Variable<'g>, path: String, source: Source<'g>) -> Dataset<'g> {
        let shape = var.dimensions().iter().map(|d| d.len()).collect();
        Dataset {
            var,
            path,
            shape,
            source,
        }
    }

    /// The element type of a numeric dataset.
    pub fn kind(&self) -> Result<RawKind> {
        let t = self.var.vartype();
        RawKind::of(&t).ok_or_else(|| {
            self.source
                .error(&self.path, format!("element type {t:?} is not numeric"))
        })
    }

    /// A 2-D dataset's `(rows, columns)`, checked against the shape the metadata declares.
    pub fn check_shape(&self, rows: usize, columns: usize) -> Result<()> {
        if self.shape != [rows, columns] {
            return Err(Error::Shape {
                what: format!("{}: {}", self.source.name, self.path),
                expected: format!("({rows}, {columns}) from the metadata"),
                found: format!("{:?} in the dataset", self.shape),
            });
        }
        Ok(())
    }

    /// Reads a numeric 2-D dataset whole (the caller has checked its shape against its limits).
    pub fn read_numeric(&self) -> Result<RawArray> {
        let kind = self.kind()?;
        let &[rows, columns] = self.shape.as_slice() else {
            return Err(self.source.error(
                &self.path,
                format!("expected 2 dimensions, found {:?}", self.shape),
            ));
        };
        let bytes = self.read_bytes()?;
        Ok(RawArray {
            kind,
            rows,
            columns,
            bytes,
        })
    }

    /// Reads the dataset whole as bytes in the machine's native layout (for compound types: the field offsets
    /// of the library's in-memory type).
    pub fn read_bytes(&self) -> Result<Vec<u8>> {
        self.var
            .get_raw_values(..)
            .map_err(|e| self.source.library_error(&self.path, e))
    }

    /// Reads a 1-D compound dataset of `len` records whole.
    ///
    /// # Errors
    /// [`Error::Shape`] if the dataset does not hold `len` records; [`Error::Decode`] if it is not compound.
    pub fn read_records(&self, len: usize) -> Result<Records> {
        let NcVariableType::Compound(t) = self.var.vartype() else {
            return Err(self.source.error(&self.path, "expected a compound dataset"));
        };
        if self.shape != [len] {
            return Err(Error::Shape {
                what: format!("{}: {}", self.source.name, self.path),
                expected: format!("({len},) from the metadata"),
                found: format!("{:?} in the dataset", self.shape),
            });
        }
        let fields = t
            .fields
            .iter()
            .filter(|f| f.arraydims.is_none())
            .filter_map(|f| {
                let kind = RawKind::of(&f.basetype)?;
                (f.offset + kind.size() <= t.size).then(|| (f.name.clone(), kind, f.offset))
            })
            .collect();
        Ok(Records {
            fields,
            size: t.size,
            bytes: self.read_bytes()?,
        })
    }
}

/// A 1-D compound dataset read whole: records of `size` bytes, each holding the numeric scalar `fields`
/// (name, type, byte offset in the record).
pub(crate) struct Records {
    fields: Vec<(String, RawKind, usize)>,
    size: usize,
    bytes: Vec<u8>,
}

impl Records {
    /// One numeric field of every record as `f64`, or `None` if the records have no such scalar field.
    pub fn field(&self, name: &str) -> Option<Vec<f64>> {
        let &(_, kind, offset) = self.fields.iter().find(|f| f.0 == name)?;
        let end = offset + kind.size();
        Some(
            self.bytes
                .chunks_exact(self.size.max(1))
                .map(|record| code(kind, &record[offset..end]))
                .collect(),
        )
    }
}

/// A numeric 2-D dataset read whole: `rows × columns` elements of `kind`, native byte order, row-major.
pub(crate) struct RawArray {
    /// Element type.
    pub kind: RawKind,
    /// Number of rows (rays).
    pub rows: usize,
    /// Number of columns (gates).
    pub columns: usize,
    /// The elements.
    pub bytes: Vec<u8>,
}

/// What one gate code decodes to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Gate {
    /// A measured value in physical units.
    Value(f32),
    /// A gate that holds no value, with the reason.
    Status(GateStatus),
}

impl RawArray {
    /// Decodes every element with `classify` (codes as `f64`, exact for all integer types up to 2^53), rows
    /// taken in the order `row_order` gives (all rows in file order when `None`). 8- and 16-bit codes go through
    /// a look-up table built once per array.
    ///
    /// # Shape
    /// `(rows, columns)` codes → `(rows, columns)` values and statuses; a value is `NaN` where its status is not
    /// [`GateStatus::Valid`].
    pub fn decode(
        &self,
        row_order: Option<&[usize]>,
        classify: impl Fn(f64) -> Gate,
    ) -> (Array2<f32>, Array2<GateStatus>) {
        let n = self.rows * self.columns;
        let mut values = Vec::with_capacity(n);
        let mut status = Vec::with_capacity(n);
        let mut push = |g: Gate| match g {
            Gate::Value(v) if v.is_finite() => {
                values.push(v);
                status.push(GateStatus::Valid);
            }
            Gate::Value(_) => {
                values.push(f32::NAN);
                status.push(GateStatus::NoData);
            }
            Gate::Status(s) => {
                values.push(f32::NAN);
                status.push(s);
            }
        };
        let size = self.kind.size();
        let row_bytes = self.columns * size;
        let rows: Box<dyn Iterator<Item = &[u8]>> = match row_order {
            Some(order) => Box::new(
                order
                    .iter()
                    .map(|&r| &self.bytes[r * row_bytes..(r + 1) * row_bytes]),
            ),
            None => Box::new(self.bytes.chunks_exact(row_bytes.max(1))),
        };
        match self.kind {
            RawKind::U8 | RawKind::I8 => {
                let signed = self.kind == RawKind::I8;
                let table: Vec<Gate> = (0..=255u8)
                    .map(|b| {
                        classify(if signed {
                            f64::from(b as i8)
                        } else {
                            f64::from(b)
                        })
                    })
                    .collect();
                for row in rows {
                    row.iter().for_each(|&b| push(table[usize::from(b)]));
                }
            }
            RawKind::U16 | RawKind::I16 => {
                let signed = self.kind == RawKind::I16;
                let table: Vec<Gate> = (0..=u16::MAX)
                    .map(|c| {
                        classify(if signed {
                            f64::from(c as i16)
                        } else {
                            f64::from(c)
                        })
                    })
                    .collect();
                for row in rows {
                    for c in row.chunks_exact(2) {
                        push(table[usize::from(u16::from_ne_bytes([c[0], c[1]]))]);
                    }
                }
            }
            kind => {
                for row in rows {
                    for c in row.chunks_exact(size) {
                        push(classify(code(kind, c)));
                    }
                }
            }
        }
        let shape = (row_order.map_or(self.rows, <[usize]>::len), self.columns);
        // The vectors hold exactly rows × columns elements by construction.
        (
            Array2::from_shape_vec(shape, values).unwrap_or_default(),
            Array2::from_shape_vec(shape, status).unwrap_or_default(),
        )
    }
}

/// One element as `f64` (`c` holds exactly `kind.size()` bytes, native byte order).
fn code(kind: RawKind, c: &[u8]) -> f64 {
    let b2 = || [c[0], c[1]];
    let b4 = || [c[0], c[1], c[2], c[3]];
    let b8 = || [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
    match kind {
        RawKind::U8 => f64::from(c[0]),
        RawKind::I8 => f64::from(c[0] as i8),
        RawKind::U16 => f64::from(u16::from_ne_bytes(b2())),
        RawKind::I16 => f64::from(i16::from_ne_bytes(b2())),
        RawKind::U32 => f64::from(u32::from_ne_bytes(b4())),
        RawKind::I32 => f64::from(i32::from_ne_bytes(b4())),
        RawKind::F32 => f64::from(f32::from_ne_bytes(b4())),
        RawKind::U64 => u64::from_ne_bytes(b8()) as f64,
        RawKind::I64 => i64::from_ne_bytes(b8()) as f64,
        RawKind::F64 => f64::from_ne_bytes(b8()),
    }
}

impl Attributes for Dataset<'_> {
    fn attribute_value(&self, name: &str) -> Option<netcdf::Result<AttributeValue>> {
        self.var.attribute_value(name)
    }

    fn member_path(&self, name: &str) -> String {
        format!("{}/{name}", self.path)
    }

    fn source(&self) -> Source<'_> {
        self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array(kind: RawKind, bytes: Vec<u8>, rows: usize, columns: usize) -> RawArray {
        RawArray {
            kind,
            rows,
            columns,
            bytes,
        }
    }

    fn odim_like(code: f64) -> Gate {
        match code {
            0.0 => Gate::Status(GateStatus::NoEcho),
            255.0 => Gate::Status(GateStatus::NoData),
            c => Gate::Value((c * 0.5 - 32.0) as f32),
        }
    }

    #[test]
    fn u8_codes_decode_through_the_table() {
        let raw = array(RawKind::U8, vec![0, 64, 255, 100, 1, 2], 2, 3);
        let (values, status) = raw.decode(None, odim_like);
        assert_eq!(status[[0, 0]], GateStatus::NoEcho);
        assert_eq!(values[[0, 1]], 0.0);
        assert_eq!(status[[0, 2]], GateStatus::NoData);
        assert!(values[[0, 2]].is_nan());
        assert_eq!(values[[1, 0]], 18.0);
        // Rows reordered.
        let (values, _) = raw.decode(Some(&[1, 0]), odim_like);
        assert_eq!(values[[0, 0]], 18.0);
        assert_eq!(values[[1, 1]], 0.0);
    }

    #[test]
    fn signed_and_wide_codes() {
        let raw = array(RawKind::I8, vec![0xff, 3], 1, 2);
        let (values, _) = raw.decode(None, |c| Gate::Value(c as f32));
        assert_eq!(values.as_slice().unwrap(), &[-1.0, 3.0]);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&1.5f32.to_ne_bytes());
        bytes.extend_from_slice(&f32::NAN.to_ne_bytes());
        let raw = array(RawKind::F32, bytes, 1, 2);
        let (values, status) = raw.decode(None, |c| Gate::Value(c as f32));
        assert_eq!(values[[0, 0]], 1.5);
        assert_eq!(status[[0, 1]], GateStatus::NoData);
        let raw = array(RawKind::U16, 700u16.to_ne_bytes().to_vec(), 1, 1);
        let (values, _) = raw.decode(None, |c| Gate::Value(c as f32 * 0.1));
        assert!((values[[0, 0]] - 70.0).abs() < 1e-4);
    }
}
