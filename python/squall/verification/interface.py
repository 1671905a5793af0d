"""``get_method`` of ``pysteps.verification.interface``: a score by name."""

from __future__ import annotations

from .detcatscores import _NAMES as _CATEGORICAL
from .detcatscores import det_cat_fct
from .detcontscores import _OFFLINE, _ONLINE, det_cont_fct
from .probscores import CRPS, ROC_curve, reldiag
from .spatialscores import fss

__all__ = ["get_method"]


def get_method(name, type="deterministic"):
    """The verification function for a score ``name`` (case-insensitive), as pysteps: a categorical name gives
    ``det_cat_fct(pred, obs, thr, scores=name)``, a continuous one ``det_cont_fct(pred, obs, scores=name)``,
    ``"FSS"`` gives ``fss``; with ``type="ensemble"`` or ``"probabilistic"``: ``"CRPS"``, ``"reldiag"``,
    ``"ROC"``."""
    key = name.lower()
    if type == "deterministic":
        if key in [n.lower() for n in _CATEGORICAL] + ["ets"]:
            return lambda pred, obs, thr, **kw: det_cat_fct(pred, obs, thr, scores=name, **kw)
        if key in [n.lower() for n in _ONLINE + _OFFLINE]:
            return lambda pred, obs, **kw: det_cont_fct(pred, obs, scores=name, **kw)
        if key == "fss":
            return fss
    elif type in ("ensemble", "probabilistic"):
        methods = {"crps": CRPS, "reldiag": reldiag, "roc": ROC_curve}
        if key in methods:
            return methods[key]
    else:
        raise ValueError(f"type {type!r}: give 'deterministic', 'ensemble' or 'probabilistic'")
    raise ValueError(f"unknown {type} verification method {name!r}")
