//! Checked access to the groups and attributes of an HDF5 file read through netcdf-c. Shared by the ODIM_H5 and
//! GAMIC readers; datasets and their codes are in [`super::dataset`].
//!
//! netcdf-c maps an HDF5 file it did not write onto the NetCDF-4 model: groups keep their names (listed in
//! alphabetical order, so `dataset10` before `dataset2`), datasets become variables with `phony_dim_N` dimensions,
//! fixed- and variable-length string attributes come back as text, numeric attributes keep their HDF5 type and
//! compound datasets keep their field layout. Every accessor names the HDF5 path in its error, so that the
//! offending object can be found with `h5dump`. HDF5 content has no byte offset that netcdf-c exposes: the
//! [`Error::Decode`] offset is 0 and the reason starts with the HDF5 path instead.

use std::fmt::Display;

use netcdf::{AttributeValue, File, Group};

use super::dataset::Dataset;
use crate::error::{Error, Result};

/// The format and file name that errors report.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source<'s> {
    /// Format name, e.g. `"ODIM_H5"`.
    pub format: &'static str,
    /// File name (or `"<memory>"`).
    pub name: &'s str,
}

impl Source<'_> {
    /// A decode error about the HDF5 object at `path`.
    pub fn error(&self, path: &str, reason: impl Display) -> Error {
        Error::Decode {
            format: self.format,
            source_name: self.name.to_owned(),
            offset: 0,
            reason: format!("{path}: {reason}"),
        }
    }

    /// A NetCDF/HDF5 library error while reading the object at `path`.
    pub fn library_error(&self, path: &str, error: netcdf::Error) -> Error {
        self.error(path, format!("the NetCDF/HDF5 library failed: {error}"))
    }
}

/// One HDF5 group, with its path from the root (`""` for the root, `"dataset1/what"` below it).
#[derive(Clone)]
pub(crate) struct Node<'f> {
    file: &'f File,
    group: Group<'f>,
    path: String,
    source: Source<'f>,
}

impl<'f> Node<'f> {
    /// The root group.
    pub fn root(file: &'f File, source: Source<'f>) -> Result<Node<'f>> {
        let group = file
            .root()
            .ok_or_else(|| source.error("/", "not an HDF5 (NetCDF-4) file"))?;
        Ok(Node {
            file,
            group,
            path: String::new(),
            source,
        })
    }

    /// The path of this group from the root, starting with `/`.
    pub fn path(&self) -> String {
        format!("/{}", self.path)
    }

    /// A subgroup, if present.
    pub fn opt_child(&self, name: &str) -> Result<Option<Node<'f>>> {
        let path = if self.path.is_empty() {
            name.to_owned()
        } else {
            format!("{}/{name}", self.path)
        };
        let group = self
            .file
            .group(&path)
            .map_err(|e| self.source.library_error(&self.member_path(name), e))?;
        Ok(group.map(|group| Node {
            file: self.file,
            group,
            path,
            source: self.source,
        }))
    }

    /// A subgroup that must be present.
    pub fn child(&self, name: &str) -> Result<Node<'f>> {
        self.opt_child(name)?.ok_or_else(|| {
            self.source
                .error(&self.member_path(name), "group is missing")
        })
    }

    /// The subgroups named `prefix` followed by a decimal number, sorted by that number (netcdf-c lists groups
    /// alphabetically: `dataset1, dataset10, dataset2`).
    pub fn numbered_children(&self, prefix: &str) -> Result<Vec<Node<'f>>> {
        let mut numbered: Vec<(u32, String)> = self
            .group
            .groups()
            .filter_map(|g| {
                let name = g.name();
                let n = numbered_suffix(&name, prefix)?;
                Some((n, name))
            })
            .collect();
        numbered.sort_unstable();
        numbered
            .into_iter()
            .map(|(_, name)| self.child(&name))
            .collect()
    }

    /// The names of the datasets named `prefix` followed by a decimal number, sorted by that number.
    pub fn numbered_datasets(&self, prefix: &str) -> Vec<String> {
        let mut numbered: Vec<(u32, String)> = self
            .group
            .variables()
            .filter_map(|v| {
                let name = v.name();
                Some((numbered_suffix(&name, prefix)?, name))
            })
            .collect();
        numbered.sort_unstable();
        numbered.into_iter().map(|(_, name)| name).collect()
    }

    /// Whether the group has an attribute of this name.
    pub fn has_attribute(&self, name: &str) -> bool {
        self.group.attribute(name).is_some()
    }

    /// A dataset of this group that must be present.
    pub fn dataset(&self, name: &str) -> Result<Dataset<'_>> {
        let path = self.member_path(name);
        let var = self
            .group
            .variable(name)
            .ok_or_else(|| self.source.error(&path, "dataset is missing"))?;
        Ok(Dataset::new(var, path, self.source))
    }
}

/// Typed access to the attributes of a group or dataset, with errors naming the attribute's HDF5 path.
pub(crate) trait Attributes {
    /// The raw attribute, if present.
    fn attribute_value(&self, name: &str) -> Option<netcdf::Result<AttributeValue>>;

    /// The HDF5 path of an attribute.
    fn member_path(&self, name: &str) -> String;

    /// The error source.
    fn source(&self) -> Source<'_>;

    /// The value of an attribute, if present.
    fn opt_value(&self, name: &str) -> Result<Option<AttributeValue>> {
        self.attribute_value(name)
            .transpose()
            .map_err(|e| self.source().library_error(&self.member_path(name), e))
    }

    fn required<T>(&self, name: &str, value: Option<T>) -> Result<T> {
        value.ok_or_else(|| {
            self.source()
                .error(&self.member_path(name), "required attribute is missing")
        })
    }

    /// A text attribute, if present (trailing NUL padding and white space removed).
    fn opt_string(&self, name: &str) -> Result<Option<String>> {
        match self.opt_value(name)? {
            None => Ok(None),
            Some(AttributeValue::Str(s)) => Ok(Some(clean_text(&s))),
            Some(AttributeValue::Strs(v)) if v.len() == 1 => Ok(Some(clean_text(&v[0]))),
            Some(other) => Err(self.source().error(
                &self.member_path(name),
                format!("expected text, found {other:?}"),
            )),
        }
    }

    /// A text attribute that must be present.
    fn string(&self, name: &str) -> Result<String> {
        let value = self.opt_string(name)?;
        self.required(name, value)
    }

    /// A numeric scalar attribute, if present.
    fn opt_f64(&self, name: &str) -> Result<Option<f64>> {
        match self.opt_value(name)? {
            None => Ok(None),
            Some(value) => match numbers(&value).as_deref() {
                Some([x]) => Ok(Some(*x)),
                _ => Err(self.source().error(
                    &self.member_path(name),
                    format!("expected one number, found {value:?}"),
                )),
            },
        }
    }

    /// A numeric scalar attribute that must be present.
    fn f64(&self, name: &str) -> Result<f64> {
        let value = self.opt_f64(name)?;
        self.required(name, value)
    }

    /// A finite numeric attribute that must be present.
    fn finite(&self, name: &str) -> Result<f64> {
        let x = self.f64(name)?;
        if x.is_finite() {
            Ok(x)
        } else {
            Err(self
                .source()
                .error(&self.member_path(name), format!("{x} is not finite")))
        }
    }

    /// A whole-number attribute in `0..=max`, if present.
    fn opt_count(&self, name: &str, max: usize) -> Result<Option<usize>> {
        match self.opt_f64(name)? {
            None => Ok(None),
            Some(x) if x.fract() == 0.0 && (0.0..=max as f64).contains(&x) => Ok(Some(x as usize)),
            Some(x) => Err(self.source().error(
                &self.member_path(name),
                format!("{x} is not a whole number in 0..={max}"),
            )),
        }
    }

    /// A whole-number attribute in `0..=max` that must be present.
    fn count(&self, name: &str, max: usize) -> Result<usize> {
        let value = self.opt_count(name, max)?;
        self.required(name, value)
    }

    /// A numeric array attribute, if present.
    fn opt_f64s(&self, name: &str) -> Result<Option<Vec<f64>>> {
        match self.opt_value(name)? {
            None => Ok(None),
            Some(value) => numbers(&value).map(Some).ok_or_else(|| {
                self.source().error(
                    &self.member_path(name),
                    format!("expected numbers, found {value:?}"),
                )
            }),
        }
    }
}

impl Attributes for Node<'_> {
    fn attribute_value(&self, name: &str) -> Option<netcdf::Result<AttributeValue>> {
        self.group.attribute_value(name)
    }

    /// The path of a member (attribute, dataset or group) of this group.
    fn member_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            format!("/{name}")
        } else {
            format!("/{}/{name}", self.path)
        }
    }

    fn source(&self) -> Source<'_> {
        self.source
    }
}

/// `n` if `name` is `prefix` followed by the decimal number `n` (digits only).
pub(crate) fn numbered_suffix(name: &str, prefix: &str) -> Option<u32> {
    let digits = name.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// Text without NUL padding and surrounding white space (fixed-length HDF5 strings are often NUL-padded).
fn clean_text(s: &str) -> String {
    s.trim_end_matches('\0').trim().to_owned()
}

/// The numbers of a numeric attribute as `f64`; `None` for text.
fn numbers(value: &AttributeValue) -> Option<Vec<f64>> {
    use AttributeValue as V;
    Some(match value {
        V::Uchar(x) => vec![f64::from(*x)],
        V::Schar(x) => vec![f64::from(*x)],
        V::Ushort(x) => vec![f64::from(*x)],
        V::Short(x) => vec![f64::from(*x)],
        V::Uint(x) => vec![f64::from(*x)],
        V::Int(x) => vec![f64::from(*x)],
        V::Ulonglong(x) => vec![*x as f64],
        V::Longlong(x) => vec![*x as f64],
        V::Float(x) => vec![f64::from(*x)],
        V::Double(x) => vec![*x],
        V::Uchars(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Schars(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Ushorts(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Shorts(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Uints(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Ints(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Ulonglongs(v) => v.iter().map(|&x| x as f64).collect(),
        V::Longlongs(v) => v.iter().map(|&x| x as f64).collect(),
        V::Floats(v) => v.iter().map(|&x| f64::from(x)).collect(),
        V::Doubles(v) => v.clone(),
        V::Str(_) | V::Strs(_) => return None,
    })
}

/// Runs a reader, turning a panic inside the `netcdf` crate (which unwraps some library results internally, e.g.
/// in `Group::attribute`) into a decode error instead of unwinding through the caller.
///
/// A fault inside the C libraries cannot be caught: on corrupt attribute metadata (`NC_EATTMETA`, −107) netcdf-c
/// 4.10.1 later frees an invalid pointer when the file is closed (`nc4_rec_grp_del_att_data` →
/// `NC_reclaim_data`), which aborts the process. Truncated files are refused by HDF5 when opening and are safe.
///
/// The reader gets the [`Source`] of format `format` and file `name` that its errors report.
pub(crate) fn guard<'s, T>(
    format: &'static str,
    name: &'s str,
    f: impl FnOnce(Source<'s>) -> Result<T>,
) -> Result<T> {
    let source = Source { format, name };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(source))).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(source.error(
            "/",
            format!("the NetCDF/HDF5 wrapper failed on corrupt content: {message}"),
        ))
    })
}

/// Whether an open file's root group passes `test`, as format `format` reads it: false on any error (or panic of
/// the wrapper) instead of a message.
pub(crate) fn detect(
    file: &File,
    format: &'static str,
    test: impl FnOnce(&Node<'_>) -> Result<bool>,
) -> bool {
    guard(format, "<detect>", |source| {
        test(&Node::root(file, source)?)
    })
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_groups() {
        assert_eq!(numbered_suffix("dataset10", "dataset"), Some(10));
        assert_eq!(numbered_suffix("dataset", "dataset"), None);
        assert_eq!(numbered_suffix("dataset1a", "dataset"), None);
        assert_eq!(numbered_suffix("data2", "dataset"), None);
        assert_eq!(numbered_suffix("scan0", "scan"), Some(0));
    }

    #[test]
    fn text_is_cleaned() {
        assert_eq!(clean_text("PVOL\0\0"), "PVOL");
        assert_eq!(clean_text(" SCAN "), "SCAN");
    }
}
