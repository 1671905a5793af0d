"""Categorical scores of deterministic forecasts, shaped like ``pysteps.verification.detcatscores``."""

from __future__ import annotations

import numpy as np

from .. import _squall
from .._arrays import as_float

__all__ = ["det_cat_fct"]

_NAMES = ["POD", "FAR", "FA", "ACC", "CSI", "BIAS", "HSS", "HK", "GSS", "SEDI", "MCC", "F1"]


def _pairs(pred, obs):
    """Forecast and observation flattened to (1, n), float32 or float64 as given (the scores do not depend on the
    shape)."""
    pred = as_float("pred", pred)
    obs = as_float("obs", obs)
    if pred.shape != obs.shape:
        raise ValueError(f"pred and obs must have the same shape, got {pred.shape} and {obs.shape}")
    return pred.reshape(1, -1), obs.reshape(1, -1)


def _names(scores) -> list[str]:
    if scores is None or isinstance(scores, str):
        return [scores]
    return list(scores)


def det_cat_fct(pred, obs, thr, scores="", axis=None):
    """Categorical scores of ``pred`` against ``obs`` for the event value > ``thr`` (pysteps ``det_cat_fct``).

    ``scores``: a name or list of names among POD, FAR, FA, ACC, CSI, BIAS, HSS, HK, GSS, ETS (= GSS), SEDI,
    MCC, F1 (case-insensitive); ``""`` gives all. Returns a dict keyed by the upper-case names. Pairs where either
    value is NaN are skipped (pysteps counts them as "no"). Only ``axis=None`` (integrate everything) is
    supported. A score with a zero denominator is NaN (except GSS, which is 0 where pysteps gives NaN when only
    false alarms occurred).
    """
    if axis is not None:
        raise ValueError("axis: only None (integrate all elements) is supported")
    pred, obs = _pairs(pred, obs)
    table = _squall.verification_det_cat(pred, obs, float(thr), False)
    if scores == "":
        return table  # every score, in _NAMES order, made in Rust
    result = {}
    for name in _names(scores):
        if name is None:
            continue
        key = name.upper()
        if key == "":
            result.update({k: table[k] for k in _NAMES})
        elif key == "ETS":
            result["ETS"] = table["GSS"]
        elif key in _NAMES:
            result[key] = table[key]
        else:
            raise ValueError(f"unknown categorical score {name!r}; available: {', '.join(_NAMES + ['ETS'])}")
    return result
