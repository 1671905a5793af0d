"""Argument checks shared by the pysteps-shaped wrappers: dtype, shape and masked arrays."""

from __future__ import annotations

import numpy as np

__all__ = ["as_float", "as_float32"]

_FLOAT32 = np.dtype(np.float32)
_FLOAT64 = np.dtype(np.float64)


def as_float32(name: str, array, ndim: int | None = None, shape: str = "") -> np.ndarray:
    """``array`` as a C-contiguous float32 array (a masked array's masked values become NaN).

    float32 and float64 are accepted (float64 is rounded to float32, Squall's working precision); another dtype
    raises ``TypeError``, another number of dimensions than ``ndim`` raises ``ValueError`` naming ``shape``.
    """
    # The common case first, in a few cheap tests: an array the Rust side borrows as it is (a fixed cost on every
    # call, which counts against a kernel of a fraction of a millisecond).
    if (type(array) is np.ndarray and array.dtype is _FLOAT32 and array.flags["C_CONTIGUOUS"]
            and (ndim is None or array.ndim == ndim)):
        return array
    if isinstance(array, np.ma.MaskedArray):
        if array.dtype.kind != "f":
            raise TypeError(f"{name}: dtype {array.dtype} is not supported; give float32 or float64")
        array = array.astype(np.float64).filled(np.nan)
    array = np.asarray(array)
    if array.dtype not in (np.float32, np.float64):
        raise TypeError(f"{name}: dtype {array.dtype} is not supported; give float32 or float64")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions {shape}, got shape {array.shape}")
    return np.ascontiguousarray(array, dtype=np.float32)


def as_float(name: str, array, ndim: int | None = None, shape: str = "") -> np.ndarray:
    """``array`` as a C-contiguous float32 or float64 array, keeping its precision: for the scores that read
    either without a converted copy (pysteps' callers pass float64). Otherwise as :func:`as_float32`."""
    if (type(array) is np.ndarray and (array.dtype is _FLOAT32 or array.dtype is _FLOAT64)
            and array.flags["C_CONTIGUOUS"] and (ndim is None or array.ndim == ndim)):
        return array
    if isinstance(array, np.ndarray) and array.dtype == _FLOAT64 and not isinstance(array, np.ma.MaskedArray):
        if ndim is not None and array.ndim != ndim:
            raise ValueError(f"{name} must have {ndim} dimensions {shape}, got shape {array.shape}")
        return np.ascontiguousarray(array)
    return as_float32(name, array, ndim, shape)
