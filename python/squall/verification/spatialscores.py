"""Spatial scores, shaped like ``pysteps.verification.spatialscores``."""

from __future__ import annotations

from .. import _squall
from .._arrays import as_float

__all__ = ["fss"]


def fss(X_f, X_o, thr, scale):
    """Fractions skill score (Roberts and Lean 2008; pysteps ``fss``) of the (y, x) fields ``X_f`` and ``X_o``
    for the event value ≥ ``thr`` in windows of ``scale`` × ``scale`` pixels (an int, or a list of ints for
    several scales at once, which returns a list). NaN where neither field has an event."""
    X_f = as_float("X_f", X_f, 2, "(y, x)")
    X_o = as_float("X_o", X_o, 2, "(y, x)")
    several = not isinstance(scale, (int,)) and hasattr(scale, "__len__")
    scales = [int(s) for s in scale] if several else [int(scale)]
    if any(s < 1 for s in scales):
        raise ValueError(f"scale: window sizes are at least 1 pixel, got {scale!r}")
    values = _squall.verification_fss(X_f, X_o, float(thr), scales)
    return values if several else values[0]
