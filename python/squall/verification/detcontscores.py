"""Continuous scores of deterministic forecasts, shaped like ``pysteps.verification.detcontscores``."""

from __future__ import annotations

from .. import _squall
from .detcatscores import _names, _pairs

__all__ = ["det_cont_fct"]

_ONLINE = ["ME", "MAE", "MSE", "NMSE", "RMSE", "corr_p", "beta1", "beta2", "DRMSE", "RV"]
_OFFLINE = ["corr_s", "scatter"]
_ALIASES = {"pearsonr": "corr_p", "spearmanr": "corr_s"}


def det_cont_fct(pred, obs, scores="", axis=None, conditioning=None, thr=0.0):
    """Continuous scores of ``pred`` against ``obs`` (pysteps ``det_cont_fct``).

    ``scores``: a name or list among ME, MAE, MSE, NMSE, RMSE, corr_p, beta1, beta2, DRMSE, RV, corr_s, scatter
    (case-insensitive); ``""`` gives all. ``conditioning`` None, ``"single"`` (pairs where either value > thr) or
    ``"double"`` (both > thr). Pairs with a NaN are skipped. Only ``axis=None`` is supported. Returns a dict.
    """
    if axis is not None:
        raise ValueError("axis: only None (integrate all elements) is supported")
    pred, obs = _pairs(pred, obs)
    lookup = {n.lower(): n for n in _ONLINE + _OFFLINE}
    wanted = []
    for name in _names(scores):
        if name is None:
            continue
        key = _ALIASES.get(name.lower(), name.lower())
        if key == "":
            wanted.extend(_ONLINE + _OFFLINE)
        elif key in lookup:
            wanted.append(lookup[key])
        else:
            raise ValueError(f"unknown continuous score {name!r}; available: {', '.join(_ONLINE + _OFFLINE)}")
    offline = any(n in _OFFLINE for n in wanted)
    values = _squall.verification_det_cont(pred, obs, conditioning, float(thr), offline)
    return {n: values[n] for n in wanted}
