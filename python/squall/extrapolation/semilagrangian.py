"""Backward semi-Lagrangian extrapolation (Germann and Zawadzki 2002), shaped like
``pysteps.extrapolation.semilagrangian``.

The computation runs in Rust (float32) with the GIL released. Unlike pysteps, the return type never depends on a
flag: :func:`extrapolate` returns the fields, :func:`extrapolate_with_displacement` returns fields and
displacement.
"""

from __future__ import annotations

import numpy as np

from .._squall import semilagrangian_extrapolate

__all__ = ["extrapolate", "extrapolate_with_displacement"]


def _lead_times(timesteps) -> list[float]:
    if np.isscalar(timesteps):
        n = int(timesteps)
        if n != timesteps or n < 1:
            raise ValueError(f"timesteps={timesteps!r}: give a positive integer or a list of lead times")
        return [float(k) for k in range(1, n + 1)]
    return [float(t) for t in timesteps]


def extrapolate_with_displacement(
    precip, velocity, timesteps, outval=np.nan, *, n_iter=1, interp_order=1, displacement_prev=None
):
    """Extrapolate ``precip`` (y, x) along ``velocity`` (2, y, x) [pixels per step].

    ``timesteps``: a number of steps, or a list of (possibly fractional) lead times in steps.
    Returns ``(fields (t, y, x), displacement (2, y, x))`` as float32 arrays; the displacement continues a later
    call through ``displacement_prev``.
    """
    precip = np.ascontiguousarray(precip, dtype=np.float32)
    velocity = np.ascontiguousarray(velocity, dtype=np.float32)
    if displacement_prev is not None:
        displacement_prev = np.ascontiguousarray(displacement_prev, dtype=np.float32)
    return semilagrangian_extrapolate(
        precip, velocity, _lead_times(timesteps), float(outval), int(n_iter), int(interp_order), displacement_prev
    )


def extrapolate(precip, velocity, timesteps, outval=np.nan, *, n_iter=1, interp_order=1, displacement_prev=None):
    """As :func:`extrapolate_with_displacement`, returning the fields (t, y, x) only."""
    fields, _ = extrapolate_with_displacement(
        precip,
        velocity,
        timesteps,
        outval,
        n_iter=n_iter,
        interp_order=interp_order,
        displacement_prev=displacement_prev,
    )
    return fields
