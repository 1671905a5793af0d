"""Scores of probabilistic and ensemble forecasts, shaped like ``pysteps.verification.probscores``."""

from __future__ import annotations

from .. import _squall
from .._arrays import as_float, as_float32

__all__ = ["CRPS", "ROC_curve", "brier_score", "reldiag"]


def _probabilities(P_f, X_o):
    P_f = as_float32("P_f", P_f)
    X_o = as_float32("X_o", X_o)
    if P_f.shape != X_o.shape:
        raise ValueError(f"P_f and X_o must have the same shape, got {P_f.shape} and {X_o.shape}")
    return P_f.reshape(1, -1), X_o.reshape(1, -1)


def CRPS(X_f, X_o):
    """Mean continuous ranked probability score of an ensemble ``X_f`` (k, m, n, ...) against ``X_o``
    (m, n, ...) (Hersbach 2000; pysteps ``CRPS``). Pixels with a NaN are skipped.

    Where a member equals the observation (e.g. dry pixels), Squall integrates the definition; pysteps drops an
    interval there and reports less.
    """
    X_f = as_float("X_f", X_f)
    X_o = as_float("X_o", X_o)
    if X_f.ndim < 2 or X_f.shape[1:] != X_o.shape:
        raise ValueError(f"X_f must be (members, *X_o.shape); got {X_f.shape} for X_o {X_o.shape}")
    # Rows are the unit of parallel work in Rust: keep the first grid axis as rows rather than one long row.
    rows = X_o.shape[0] if X_o.ndim >= 2 else 1
    return _squall.verification_crps(X_f.reshape(X_f.shape[0], rows, -1), X_o.reshape(rows, -1))


def reldiag(P_f, X_o, X_min, n_bins=10, min_count=10):
    """Reliability diagram (pysteps ``reldiag``) of exceedance probabilities ``P_f`` for observations
    ``X_o`` ≥ ``X_min``: returns ``(r, f)``, the mean forecast probability and the observed frequency in each of
    ``n_bins`` bins (NaN for bins with fewer than ``min_count`` pairs)."""
    p, o = _probabilities(P_f, X_o)
    r, f, _, _ = _squall.verification_reldiag(p, o, float(X_min), int(n_bins), int(min_count))
    return r, f


def brier_score(P_f, X_o, X_min):
    """Brier score of exceedance probabilities ``P_f`` for observations ``X_o`` ≥ ``X_min`` (not in pysteps)."""
    p, o = _probabilities(P_f, X_o)
    return _squall.verification_reldiag(p, o, float(X_min), 10, 0)[3]


def ROC_curve(P_f, X_o, X_min, n_prob_thrs=10, compute_area=False):
    """ROC curve (pysteps ``ROC_curve``): ``(POD, POFD)`` lists at ``n_prob_thrs`` probability thresholds evenly
    spaced in [0, 1], and the area under the curve as a third element with ``compute_area=True``."""
    p, o = _probabilities(P_f, X_o)
    pod, pofd, area = _squall.verification_roc(p, o, float(X_min), int(n_prob_thrs))
    return (pod, pofd, area) if compute_area else (pod, pofd)
