"""FFT cascade decomposition and recomposition (``pysteps.cascade.decomposition``)."""

from __future__ import annotations

import numpy as np

from .. import _squall
from .._arrays import as_float32

__all__ = ["decomposition_fft", "recompose_fft"]


def decomposition_fft(field, bp_filter, **kwargs):
    """Splits a 2-D ``field`` into the spatial-scale levels of ``bp_filter`` (FFT, weights, inverse FFT).

    Parameters
    ----------
    field : array (height, width)
        Finite values (float32 or float64; computed in float32).
    bp_filter : dict
        From :func:`squall.cascade.bandpass_filters.filter_gaussian` or pysteps (its ``weights_2d``
        (levels, height, width//2 + 1) are used).
    normalize : bool, default False
        Normalise each level to zero mean and unit standard deviation.
    mask : bool array (height, width), optional
        Statistics only over the pixels where it is True.
    compute_stats : bool, default True
        Put ``means`` and ``stds`` in the output.
    subtract_mean : bool, default False
        Remove the field mean first and store it as ``field_mean``.
    input_domain, output_domain : {"spatial"}
        Only the spatial domain is supported (``ValueError`` otherwise).
    fft_method, compact_output
        Accepted and ignored (Squall uses its own FFT; spatial output is never compact).

    Returns
    -------
    dict
        ``cascade_levels`` (levels, height, width) float32, ``domain``, ``normalized``, ``compact_output``, and
        ``means``/``stds`` (lists) when computed, as pysteps.
    """
    for key in ("input_domain", "output_domain"):
        if kwargs.get(key, "spatial") != "spatial":
            raise ValueError(f"decomposition_fft: {key}={kwargs[key]!r} is not supported; only 'spatial'")
    normalize = bool(kwargs.get("normalize", False))
    compute_stats = bool(kwargs.get("compute_stats", True)) or normalize
    subtract_mean = bool(kwargs.get("subtract_mean", False))
    field = as_float32("field", field, 2, "(height, width)")
    if not np.all(np.isfinite(field)):
        raise ValueError("field contains non-finite values")
    weights = as_float32("bp_filter['weights_2d']", bp_filter["weights_2d"], 3, "(levels, height, width//2+1)")
    if weights.shape[1:] != (field.shape[0], field.shape[1] // 2 + 1):
        raise ValueError(
            f"dimension mismatch between field {field.shape} and bp_filter['weights_2d'] {weights.shape}: "
            f"expected (levels, {field.shape[0]}, {field.shape[1] // 2 + 1})"
        )
    mask = kwargs.get("mask")
    if mask is not None:
        mask = np.ascontiguousarray(mask, dtype=bool)
        if mask.shape != field.shape:
            raise ValueError(f"dimension mismatch between field {field.shape} and mask {mask.shape}")
    result = {}
    if subtract_mean:
        field_mean = float(np.mean(field, dtype=np.float64))
        field = field - np.float32(field_mean)
        result["field_mean"] = field_mean
    levels, means, stds = _squall.cascade_decompose(field, weights, mask, normalize)
    result.update(domain="spatial", normalized=normalize, compact_output=False, cascade_levels=levels)
    if compute_stats:
        result["means"] = means
        result["stds"] = stds
    return result


def recompose_fft(decomp, **kwargs):
    """Sums the levels of a cascade from :func:`decomposition_fft` (undoing the normalisation) → (height, width)."""
    if decomp.get("domain", "spatial") != "spatial":
        raise ValueError("recompose_fft: only spatial-domain cascades are supported")
    levels = as_float32("cascade_levels", decomp["cascade_levels"], 3, "(levels, height, width)")
    n = levels.shape[0]
    if decomp.get("normalized", False):
        means = [float(m) for m in decomp["means"]]
        stds = [float(s) for s in decomp["stds"]]
    else:
        means, stds = [0.0] * n, [1.0] * n
    result = _squall.cascade_recompose(levels, means, stds)
    if "field_mean" in decomp:
        result = result + np.float32(decomp["field_mean"])
    return result
