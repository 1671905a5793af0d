"""Global Fourier-filtered noise (``pysteps.noise.fftgenerators``).

Squall's random streams are ChaCha8 (identical on every platform), not numpy's: for the same seed the noise
differs from pysteps' but has the same statistics (spectrum, zero mean, unit variance).
"""

from __future__ import annotations

import numpy as np

from .. import _squall
from .._arrays import as_float32

__all__ = ["initialize_nonparam_2d_fft_filter", "initialize_param_2d_fft_filter", "generate_noise_2d_fft_filter"]


def _fields(field):
    field = as_float32("field", field)
    if field.ndim == 2:
        field = field[None]
    if field.ndim != 3:
        raise ValueError(f"field must be (y, x) or (t, y, x), got shape {field.shape}")
    if not np.all(np.isfinite(field)):
        raise ValueError("field contains non-finite values: give finite (e.g. dB with a floor) fields")
    return field


def initialize_nonparam_2d_fft_filter(field, **kwargs):
    """The observed, anisotropic amplitude spectrum of one or more fields (Seed et al. 2013).

    As pysteps with its defaults: the rain/no-rain discontinuity removed, each field minus its minimum, tapered
    by a radial Tukey window (α = 0.2), real FFT, mean over the fields, modulus.

    Parameters
    ----------
    field : array (y, x) or (t, y, x)
        Finite values (float32 or float64).
    win_fun, donorm, rm_rdisc, use_full_fft
        Only pysteps' defaults (``"tukey"``, ``False``, ``True``, ``False``) are supported (``ValueError``).
    fft_method
        Accepted and ignored.

    Returns
    -------
    dict
        ``field`` (y, x//2 + 1) float64 amplitude, ``input_shape`` (y, x), ``use_full_fft`` False.
    """
    defaults = {"win_fun": "tukey", "donorm": False, "rm_rdisc": True, "use_full_fft": False}
    for key, value in defaults.items():
        if key in kwargs and kwargs[key] != value:
            raise ValueError(f"initialize_nonparam_2d_fft_filter: only {key}={value!r} is supported")
    fields = _fields(field)
    amplitude = _squall.noise_nonparam_filter(fields)
    return {"field": amplitude.astype(np.float64), "input_shape": fields.shape[1:], "use_full_fft": False}


def initialize_param_2d_fft_filter(field, **kwargs):
    """An isotropic power-law filter ``|κ|^(−β/2)`` with β fitted to the fields' mean radial power spectrum.

    Unlike pysteps (two slopes joined at a fitted break, by ``scipy.optimize.curve_fit``), Squall fits one slope
    by least squares of log power against log wavenumber over ``k_min`` … ``k_max`` (cycles per domain;
    defaults 1 … L/2), β is the mean of the fields' fitted exponents.

    Parameters
    ----------
    field : array (y, x) or (t, y, x)
        Finite values.
    model : {"power-law"}
        The only model.
    k_min, k_max : float, optional
        Wavenumber range of the fit.

    Returns
    -------
    dict
        ``field`` (y, x//2 + 1) float64, ``input_shape``, ``use_full_fft`` False, ``model`` "power-law",
        ``pars`` array([β]).
    """
    if kwargs.get("model", "power-law") != "power-law":
        raise ValueError(f"initialize_param_2d_fft_filter: unknown model {kwargs['model']!r}; only 'power-law'")
    fields = _fields(field)
    length = max(fields.shape[1:])
    k_min = float(kwargs.get("k_min", 1.0))
    k_max = float(kwargs.get("k_max", length / 2))
    amplitude, beta = _squall.noise_param_filter(fields, k_min, k_max)
    return {
        "field": amplitude.astype(np.float64),
        "input_shape": fields.shape[1:],
        "use_full_fft": False,
        "model": "power-law",
        "pars": np.array([beta]),
    }


def generate_noise_2d_fft_filter(F, randstate=None, seed=None, fft_method=None, domain="spatial"):
    """A field of correlated noise: white Gaussian noise filtered by ``F["field"]``, normalised to zero mean and
    unit variance.

    Parameters
    ----------
    F : dict
        From :func:`initialize_nonparam_2d_fft_filter` / :func:`initialize_param_2d_fft_filter` (or pysteps' with
        ``use_full_fft=False``).
    randstate : numpy.random.RandomState or Generator, optional
        Draws the seed of Squall's stream when ``seed`` is None.
    seed : int, optional
        Seed of the stream; without it and ``randstate``, one is drawn from ``numpy.random``.
    domain : {"spatial"}
        Only the spatial domain is supported.

    Returns
    -------
    array (y, x) float32
    """
    if domain != "spatial":
        raise ValueError("generate_noise_2d_fft_filter: only domain='spatial' is supported")
    if F.get("use_full_fft", False):
        raise ValueError("generate_noise_2d_fft_filter: filters with use_full_fft=True are not supported")
    amplitude = as_float32("F['field']", F["field"], 2, "(y, x//2+1)")
    if not np.all(np.isfinite(amplitude)):
        raise ValueError("F['field'] contains non-finite values")
    ny, nx = F["input_shape"]
    if seed is None:
        source = randstate if randstate is not None else np.random
        seed = int(source.randint(0, 2**31 - 1)) if hasattr(source, "randint") else int(source.integers(2**31 - 1))
    return _squall.noise_generate(amplitude, int(nx), int(seed))
