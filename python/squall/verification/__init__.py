"""Forecast verification, shaped like ``pysteps.verification``: the same function names, arguments and return
types; every score is computed in Rust (``squall::verify``) with the GIL released, from float32 or float64
arrays, NaN = missing.

>>> from squall import verification
>>> verification.det_cat_fct(forecast, observation, 1.0)["CSI"]     # doctest: +SKIP
"""

from . import detcatscores, detcontscores, ensscores, probscores, spatialscores
from .detcatscores import det_cat_fct
from .detcontscores import det_cont_fct
from .ensscores import ensemble_skill, ensemble_spread
from .interface import get_method
from .probscores import CRPS, ROC_curve, brier_score, reldiag
from .spatialscores import fss

__all__ = [
    "CRPS",
    "ROC_curve",
    "brier_score",
    "det_cat_fct",
    "det_cont_fct",
    "detcatscores",
    "detcontscores",
    "ensemble_skill",
    "ensemble_spread",
    "ensscores",
    "fss",
    "get_method",
    "probscores",
    "reldiag",
    "spatialscores",
]
