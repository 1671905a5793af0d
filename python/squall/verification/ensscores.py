"""Ensemble skill and spread, shaped like ``pysteps.verification.ensscores``."""

from __future__ import annotations

import itertools

import numpy as np

from .._arrays import as_float32
from .interface import get_method

__all__ = ["ensemble_skill", "ensemble_spread"]


def _score(metric, forecast, other, kwargs):
    method = get_method(metric)
    value = method(forecast, other, **kwargs)
    return value[metric.upper() if metric.upper() in value else metric] if isinstance(value, dict) else value


def ensemble_skill(X_f, X_o, metric, **kwargs):
    """Mean over the members of a deterministic score against the observation (pysteps ``ensemble_skill``;
    Zacharov and Rezacova 2009 with the FSS). ``X_f`` (members, y, x), ``X_o`` (y, x); ``metric`` a name that
    :func:`squall.verification.get_method` knows (e.g. ``"FSS"`` with ``thr`` and ``scale``, ``"RMSE"``,
    ``"CSI"`` with ``thr``)."""
    X_f = as_float32("X_f", X_f, 3, "(members, y, x)")
    X_o = as_float32("X_o", X_o, 2, "(y, x)")
    return float(np.mean([_score(metric, member, X_o, kwargs) for member in X_f]))


def ensemble_spread(X_f, metric, **kwargs):
    """Mean of a deterministic score over all pairs of distinct members (pysteps ``ensemble_spread``)."""
    X_f = as_float32("X_f", X_f, 3, "(members, y, x)")
    if X_f.shape[0] < 2:
        raise ValueError(f"X_f needs at least 2 members, got shape {X_f.shape}")
    pairs = itertools.combinations(range(X_f.shape[0]), 2)
    return float(np.mean([_score(metric, X_f[i], X_f[j], kwargs) for i, j in pairs]))
