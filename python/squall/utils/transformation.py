"""Transformations of precipitation fields with pysteps' metadata conventions (``pysteps.utils.transformation``).

Each function returns ``(R, metadata)``; ``metadata["transform"]`` names the transform in force and
``threshold``/``zerovalue`` are in the current units. Arrays of any shape, float32 or float64 (the output has the
input's float dtype); the work is done in float64 in Rust.
"""

from __future__ import annotations

import numpy as np

from .. import _squall

__all__ = ["boxcox_transform", "dB_transform", "NQ_transform", "sqrt_transform"]


def _array(R):
    R = np.asarray(R)
    if R.dtype not in (np.float32, np.float64):
        raise TypeError(f"R: dtype {R.dtype} is not supported; give float32 or float64")
    return R


def _power(R, kind, lam, threshold, zerovalue, inverse):
    out = _squall.transform_power(np.ascontiguousarray(R, dtype=np.float64), kind, float(lam), float(threshold),
                                  float(zerovalue), bool(inverse))
    return out.astype(R.dtype, copy=False)


def dB_transform(R, metadata=None, threshold=None, zerovalue=None, inverse=False):
    """Rain rate ↔ dB, ``10 log10 R``.

    Forward: values below ``threshold`` (default ``metadata["threshold"]`` or 0.1) → ``zerovalue`` (default the
    threshold in dB − 5). Inverse: ``10^(R/10)``, results below the threshold → ``zerovalue`` (default 0).
    """
    R = _array(R)
    metadata = dict(metadata) if metadata is not None else {"transform": "dB" if inverse else None}
    if not inverse:
        if metadata.get("transform") == "dB":
            return R.copy(), metadata
        threshold = metadata.get("threshold", 0.1) if threshold is None else threshold
        threshold_db = 10.0 * np.log10(threshold)
        zerovalue = threshold_db - 5.0 if zerovalue is None else zerovalue
        out = _power(R, "dB", 0.0, threshold, zerovalue, False)
        metadata.update(transform="dB", zerovalue=zerovalue, threshold=threshold_db)
        return out, metadata
    if metadata.get("transform") != "dB":
        return R.copy(), metadata
    threshold = metadata.get("threshold", -10.0) if threshold is None else threshold
    zerovalue = 0.0 if zerovalue is None else zerovalue
    out = _power(R, "dB", 0.0, threshold, zerovalue, True)
    metadata.update(transform=None, threshold=10.0 ** (threshold / 10.0), zerovalue=zerovalue)
    return out, metadata


def boxcox_transform(R, metadata=None, Lambda=None, threshold=None, zerovalue=None, inverse=False):
    """One-parameter Box–Cox transform (Box and Cox 1964): ``(R^λ − 1)/λ``, ``ln R`` for λ = 0 (the default).

    Forward: values below ``threshold`` (default 0.1) → ``zerovalue`` (default the transformed threshold − 1).
    Inverse: results below the back-transformed threshold → ``zerovalue`` (default 0).
    """
    R = _array(R)
    metadata = dict(metadata) if metadata is not None else {"transform": "BoxCox" if inverse else None}
    if not inverse:
        if metadata.get("transform") == "BoxCox":
            return R.copy(), metadata
        lam = metadata.get("BoxCox_lambda", 0.0) if Lambda is None else Lambda
        threshold = metadata.get("threshold", 0.1) if threshold is None else threshold
        threshold_t = np.log(threshold) if lam == 0.0 else (threshold**lam - 1) / lam
        zerovalue = threshold_t - 1 if zerovalue is None else zerovalue
        out = _power(R, "BoxCox", lam, threshold, zerovalue, False)
        metadata.update(transform="BoxCox", BoxCox_lambda=lam, zerovalue=zerovalue, threshold=threshold_t)
        return out, metadata
    if metadata.get("transform") not in ("BoxCox", "log"):
        return R.copy(), metadata
    lam = metadata.pop("BoxCox_lambda", 0.0) if Lambda is None else Lambda
    threshold = metadata.get("threshold", -10.0) if threshold is None else threshold
    zerovalue = 0.0 if zerovalue is None else zerovalue
    out = _power(R, "BoxCox", lam, threshold, zerovalue, True)
    back = np.exp(threshold) if lam == 0.0 else np.exp(np.log(lam * threshold + 1) / lam)
    metadata.update(transform=None, zerovalue=zerovalue, threshold=back)
    return out, metadata


def NQ_transform(R, metadata=None, inverse=False, **kwargs):
    """Normal quantile transform (Bogner et al. 2012); the sample minimum (no rain) maps to 0.

    Forward: plotting positions ``(i + 1 − a)/(n + 1 − 2a)`` (``a`` keyword, default 0) → standard-normal
    quantiles; ``metadata["inqt"]`` holds the inverse. Inverse: that interpolation back, clamped to the fitted
    range. NaN stays NaN; the output is float64 as pysteps'.
    """
    R = _array(R)
    a = float(kwargs.get("a", 0.0))
    shape = R.shape
    flat = R.ravel().astype(np.float64)
    finite = ~np.isnan(flat)
    if metadata is None:
        metadata = {"transform": "NQT" if inverse else None, "zerovalue": float(np.nanmin(flat))}
    else:
        metadata = dict(metadata)
    if not inverse:
        out, inqt = _squall.transform_nq(flat, a)
        metadata.update(inqt=inqt, transform="NQT", zerovalue=0)
        positive = out[finite & (out > 0)]
        metadata["threshold"] = float(positive.min()) if positive.size else np.nan
    else:
        if "inqt" not in metadata:
            raise ValueError("NQ_transform(inverse=True) needs metadata['inqt'] from the forward transform")
        inqt = metadata.pop("inqt")
        out = flat.copy()
        out[finite] = inqt(np.ascontiguousarray(flat[finite]))
        values = out[finite]
        metadata.update(transform=None, zerovalue=float(values.min()))
        above = values[values > values.min()]
        metadata["threshold"] = float(above.min()) if above.size else np.nan
    return out.reshape(shape), metadata


def sqrt_transform(R, metadata=None, inverse=False, **kwargs):
    """Square-root transform and its inverse (the square); ``threshold``/``zerovalue`` follow."""
    R = _array(R)
    if metadata is None:
        metadata = {"transform": "sqrt" if inverse else None, "zerovalue": np.nan, "threshold": np.nan}
    else:
        metadata = dict(metadata)
    if not inverse:
        out = np.sqrt(R)
        metadata.update(transform="sqrt", zerovalue=np.sqrt(metadata["zerovalue"]),
                        threshold=np.sqrt(metadata["threshold"]))
    else:
        out = R**2
        metadata.update(transform=None, zerovalue=metadata["zerovalue"] ** 2,
                        threshold=metadata["threshold"] ** 2)
    return out, metadata
