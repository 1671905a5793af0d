"""Gaussian band-pass filters in log-wavenumber (``pysteps.cascade.bandpass_filters.filter_gaussian``)."""

from __future__ import annotations

import numpy as np

from .. import _squall

__all__ = ["filter_gaussian"]


def filter_gaussian(shape, n, gauss_scale=0.5, d=1.0, normalize=True, return_weight_funcs=False,
                    include_mean=True):
    """Gaussian band-pass filters of ``n`` spatial-scale levels for a field of ``shape`` (height, width).

    Same conventions and output as pysteps: with ``L = max(height, width)`` and ``q = (L/2)^(1/n)``, level ``k``
    is centred on wavenumber ``(q^(k-1) + q^k)/2`` (cycles per ``L``), its weight is a Gaussian of width
    ``gauss_scale`` in ``log_q`` wavenumber, the weights sum to one at every wavenumber and the mean (κ = 0)
    belongs to level 0 (Pulkkinen et al. 2019, GMD 12, section 2.2; Seed 2003).

    Parameters
    ----------
    shape : int or (int, int)
        Field shape (height, width); an int is a square.
    n : int
        Number of levels (≥ 3).
    gauss_scale : float
        Width of the Gaussians (pysteps' default 0.5).
    d : float
        Sample spacing, scales ``central_freqs``.
    normalize, include_mean : bool
        Only ``True`` (pysteps' defaults) is supported; ``False`` raises ``ValueError``.
    return_weight_funcs : bool
        Not supported (``ValueError``): the weights are computed in Rust.

    Returns
    -------
    dict
        ``weights_1d`` (n, L//2 + 1), ``weights_2d`` (n, height, width//2 + 1) on the ``numpy.fft.rfft2`` grid,
        ``shape``, ``central_wavenumbers`` (n,) and ``central_freqs`` (n,), all float64 arrays.
    """
    if not normalize or not include_mean:
        raise ValueError("filter_gaussian: only normalize=True and include_mean=True are supported")
    if return_weight_funcs:
        raise ValueError("filter_gaussian: return_weight_funcs is not supported (weights are computed in Rust)")
    try:
        height, width = shape
    except TypeError:
        height, width = shape, shape
    height, width, n = int(height), int(width), int(n)
    weights, central = _squall.cascade_filter_gaussian(height, width, n, float(gauss_scale))
    weights_2d = weights.astype(np.float64)
    length = max(height, width)
    r_max = length // 2 + 1
    # The 1-D weights at integer wavenumbers 0 … L/2 lie along the longer axis of the 2-D grid.
    weights_1d = weights_2d[:, 0, :r_max] if width >= height else weights_2d[:, :r_max, 0]
    central_wavenumbers = np.asarray(central, dtype=np.float64)
    central_freqs = central_wavenumbers / length
    central_freqs[0] = 1.0 / length
    central_freqs[-1] = 0.5
    return {
        "weights_1d": np.ascontiguousarray(weights_1d),
        "weights_2d": weights_2d,
        "shape": shape,
        "central_wavenumbers": central_wavenumbers,
        "central_freqs": central_freqs * d,
    }
