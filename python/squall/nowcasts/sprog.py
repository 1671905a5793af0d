"""S-PROG deterministic cascade nowcast (Seed 2003), shaped like ``pysteps.nowcasts.sprog.forecast``."""

from __future__ import annotations

import numpy as np

from .._squall import sprog_forecast

__all__ = ["forecast"]


def forecast(precip, velocity, timesteps, precip_thr=None, n_cascade_levels=6, ar_order=2, probmatching_method="cdf"):
    """Forecast of ``timesteps`` steps from transformed (dB) fields ``precip`` (t, y, x), ``velocity`` (2, y, x)
    in pixels per step. Returns float32 (timesteps, y, x). Only ``probmatching_method="cdf"`` is supported."""
    if not isinstance(timesteps, (int, np.integer)) or timesteps < 1:
        raise ValueError(f"timesteps={timesteps!r}: give a positive number of steps")
    if precip_thr is None:
        raise ValueError("precip_thr is not specified")
    if probmatching_method != "cdf":
        raise ValueError(f"probmatching_method={probmatching_method!r}: only 'cdf' is supported")
    return sprog_forecast(
        np.ascontiguousarray(precip, dtype=np.float32),
        np.ascontiguousarray(velocity, dtype=np.float32),
        int(timesteps),
        float(precip_thr),
        int(n_cascade_levels),
        int(ar_order),
    )
