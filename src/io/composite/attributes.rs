//! Reading NetCDF/HDF5 attributes as numbers and text, whatever their stored type.

use netcdf::AttributeValue;

/// An attribute as it comes from `attribute_value` (absent, unreadable, or a value).
pub(super) type Attr = Option<netcdf::Result<AttributeValue>>;

/// All numbers of a numeric attribute (`None` if absent, unreadable or text).
pub(super) fn numbers(attr: Attr) -> Option<Vec<f64>> {
    fn all<T: Copy + Into<f64>>(v: &[T]) -> Vec<f64> {
        v.iter().map(|&x| x.into()).collect()
    }
    Some(match attr?.ok()? {
        AttributeValue::Uchar(x) => vec![x.into()],
        AttributeValue::Schar(x) => vec![x.into()],
        AttributeValue::Ushort(x) => vec![x.into()],
        AttributeValue::Short(x) => vec![x.into()],
        AttributeValue::Uint(x) => vec![x.into()],
        AttributeValue::Int(x) => vec![x.into()],
        AttributeValue::Ulonglong(x) => vec![x as f64],
        AttributeValue::Longlong(x) => vec![x as f64],
        AttributeValue::Float(x) => vec![x.into()],
        AttributeValue::Double(x) => vec![x],
        AttributeValue::Uchars(v) => all(&v),
        AttributeValue::Schars(v) => all(&v),
        AttributeValue::Ushorts(v) => all(&v),
        AttributeValue::Shorts(v) => all(&v),
        AttributeValue::Uints(v) => all(&v),
        AttributeValue::Ints(v) => all(&v),
        AttributeValue::Ulonglongs(v) => v.iter().map(|&x| x as f64).collect(),
        AttributeValue::Longlongs(v) => v.iter().map(|&x| x as f64).collect(),
        AttributeValue::Floats(v) => all(&v),
        AttributeValue::Doubles(v) => v,
        AttributeValue::Str(_) | AttributeValue::Strs(_) => return None,
    })
}

/// A numeric attribute holding exactly one value.
pub(super) fn number(attr: Attr) -> Option<f64> {
    match numbers(attr)?.as_slice() {
        [x] => Some(*x),
        _ => None,
    }
}

/// A text attribute, without trailing NULs and surrounding blanks (HDF5 fixed-length strings carry them).
pub(super) fn text(attr: Attr) -> Option<String> {
    let s = match attr?.ok()? {
        AttributeValue::Str(s) => s,
        AttributeValue::Strs(v) if v.len() == 1 => v.into_iter().next()?,
        _ => return None,
    };
    Some(s.trim_end_matches('\0').trim().to_owned())
}
