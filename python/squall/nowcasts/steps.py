"""STEPS ensemble nowcast (Bowler et al. 2006), shaped like ``pysteps.nowcasts.steps.forecast``.

The computation runs in Rust (float32, members in parallel, GIL released). Each member's random streams are
seeded from ``(seed, member)``, so results do not depend on the number of threads (they differ from pysteps'
numpy streams). Only the options listed are supported; there is no ``**kwargs`` sink.
"""

from __future__ import annotations

import numpy as np

from .._squall import steps_forecast

__all__ = ["forecast"]


def forecast(
    precip,
    velocity,
    timesteps,
    n_ens_members=24,
    n_cascade_levels=6,
    precip_thr=None,
    kmperpixel=None,
    timestep=None,
    noise_method="nonparametric",
    vel_pert_method="bps",
    mask_method="incremental",
    probmatching_method="cdf",
    ar_order=2,
    seed=None,
):
    """Ensemble of ``timesteps`` steps from transformed (dB) fields.

    ``precip``: (t, y, x) with t >= ar_order + 1 (NaN = no data); ``velocity``: (2, y, x) pixels per step;
    ``timesteps``: number of steps. Returns float32 (n_ens_members, timesteps, y, x) in the units of ``precip``.
    ``precip_thr`` is needed with a mask or probability matching, ``kmperpixel`` and ``timestep`` (minutes)
    with ``vel_pert_method="bps"`` or the incremental mask (as pysteps).
    """
    if not isinstance(timesteps, (int, np.integer)) or timesteps < 1:
        raise ValueError(f"timesteps={timesteps!r}: give a positive number of steps")
    if precip_thr is None and (mask_method is not None or probmatching_method is not None):
        raise ValueError("mask_method or probmatching_method is set but precip_thr is not specified")
    if vel_pert_method not in ("bps", None):
        raise ValueError(f"vel_pert_method={vel_pert_method!r}: valid values are 'bps' and None")
    needs_grid = vel_pert_method is not None or mask_method == "incremental"
    if needs_grid and (kmperpixel is None or timestep is None):
        raise ValueError("vel_pert_method or the incremental mask is set but kmperpixel or timestep is None")
    return steps_forecast(
        np.ascontiguousarray(precip, dtype=np.float32),
        np.ascontiguousarray(velocity, dtype=np.float32),
        int(timesteps),
        int(n_ens_members),
        int(n_cascade_levels),
        float(precip_thr if precip_thr is not None else -np.inf),
        float(kmperpixel if kmperpixel is not None else 1.0),
        float(timestep if timestep is not None else 1.0),
        noise_method,
        vel_pert_method is not None,
        mask_method,
        probmatching_method,
        int(seed if seed is not None else 0),
        int(ar_order),
    )
