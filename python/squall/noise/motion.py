"""Motion perturbations of STEPS members (Bowler et al. 2006), shaped like ``pysteps.noise.motion``.

Each member draws two Laplace deviates (unit variance) once, along and across the flow; at lead time ``t``
(minutes) the perturbation is ``(g_par(t) ε_par e_par + g_perp(t) ε_perp e_perp)`` km/h converted to pixels per
step, ``g(t) = p0 t^p1 + p2``. Streams are Squall's (ChaCha8), not numpy's.
"""

from __future__ import annotations

import numpy as np

from .. import _squall
from .._arrays import as_float32

__all__ = ["get_default_params_bps_par", "get_default_params_bps_perp", "initialize_bps", "generate_bps"]


def get_default_params_bps_par():
    """Bowler et al. (2006) parameters along the flow, (10.88, 0.23, -7.68)."""
    return (10.88, 0.23, -7.68)


def get_default_params_bps_perp():
    """Bowler et al. (2006) parameters across the flow, (5.76, 0.31, -2.72)."""
    return (5.76, 0.31, -2.72)


def initialize_bps(V, pixelsperkm, timestep, p_par=None, p_perp=None, randstate=None, seed=None, **kwargs):
    """One member's perturbator for the motion ``V`` (2, y, x) in pixels per step.

    ``pixelsperkm`` is the grid resolution in pixels per km (pysteps' STEPS passes ``1 / kmperpixel``),
    ``timestep`` the minutes per step. Returns a dict for :func:`generate_bps`.
    """
    V = as_float32("V", V, 3, "(2, y, x)")
    if V.shape[0] != 2:
        raise ValueError(f"V must be (2, y, x), got shape {V.shape}")
    if not np.all(np.isfinite(V)):
        raise ValueError("V contains non-finite values")
    if not (np.isfinite(pixelsperkm) and pixelsperkm > 0):
        raise ValueError(f"pixelsperkm must be positive, got {pixelsperkm}")
    p_par = tuple(float(p) for p in (p_par if p_par is not None else get_default_params_bps_par()))
    p_perp = tuple(float(p) for p in (p_perp if p_perp is not None else get_default_params_bps_perp()))
    if len(p_par) != 3 or len(p_perp) != 3:
        raise ValueError("p_par and p_perp need three parameters each")
    if seed is None:
        source = randstate if randstate is not None else np.random
        seed = int(source.randint(0, 2**31 - 1)) if hasattr(source, "randint") else int(source.integers(2**31 - 1))
    # Draw the deviates now (a zero lead-time call) so that the perturbator holds them.
    _, deviates = _squall.noise_motion_perturbation(V, 1.0 / pixelsperkm, float(timestep), p_par, p_perp,
                                                    int(seed), [])
    return {"V": V, "km_per_pixel": 1.0 / pixelsperkm, "timestep": float(timestep), "p_par": p_par,
            "p_perp": p_perp, "seed": int(seed), "deviates": deviates}


def generate_bps(perturbator, t):
    """The perturbation (2, y, x) float32 (pixels per step) of a perturbator at lead time ``t`` minutes."""
    p = perturbator
    out, _ = _squall.noise_motion_perturbation(p["V"], p["km_per_pixel"], p["timestep"], p["p_par"], p["p_perp"],
                                               p["seed"], [float(t)])
    return out[0]
