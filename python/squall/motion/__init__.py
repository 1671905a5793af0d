"""Motion estimation, shaped like ``pysteps.motion``.

Every method takes ``input_images`` (t, y, x) — oldest first, float32 or float64, NaN or masked values = no data,
usually rain rate in dB or reflectivity in dBZ — and returns the motion (2, y, x) float32: u (along columns,
``x``) and v (along rows, ``y``) in pixels per time step, pysteps' convention. The computation runs in Rust with
the GIL released; a field without rain gives zero motion.

>>> import squall.motion
>>> oflow = squall.motion.get_method("LK")
>>> V = oflow(R[-3:])                     # doctest: +SKIP
"""

from __future__ import annotations

import numpy as np

from .. import _squall
from .._arrays import as_float32

__all__ = ["constant", "darts", "DARTS", "dense_lucaskanade", "get_method", "trec", "vet"]

_FRAMES = "(t, y, x)"


def _frames(input_images) -> np.ndarray:
    return as_float32("input_images", input_images, 3, _FRAMES)


def dense_lucaskanade(
    input_images,
    nr_std_outlier=3,
    k_outlier=30,
    size_opening=3,
    decl_scale=20,
    dense=True,
    verbose=False,
    **kwargs,
):
    """Dense Lucas–Kanade optical flow (pysteps ``dense_lucaskanade``, its defaults).

    Shi–Tomasi corners are tracked between consecutive frames by pyramidal Lucas–Kanade, outliers beyond
    ``nr_std_outlier`` standard deviations among ``k_outlier`` neighbours are removed, the vectors declustered on
    ``decl_scale``-pixel cells and interpolated to the grid by inverse distance. With ``dense=False`` returns the
    sparse ``(xy, uv)``, each (n, 2) float32. pysteps' OpenCV-specific ``lk_kwargs``, ``fd_kwargs``,
    ``interp_kwargs`` are not accepted.
    """
    if kwargs:
        raise TypeError(f"dense_lucaskanade: unsupported arguments {sorted(kwargs)}")
    frames = _frames(input_images)
    return _squall.motion_lucaskanade(
        frames, float(nr_std_outlier), int(k_outlier), int(size_opening), int(decl_scale), bool(dense))


def vet(input_images, sectors=((32, 16, 4, 2), (32, 16, 4, 2)), smooth_gain=1e6, verbose=False, **kwargs):
    """Variational echo tracking (Laroche and Zawadzki 1995; pysteps ``vet``), multiscale.

    ``sectors``: sectors per axis at each scale, one sequence (both axes) or pysteps' pair of equal sequences.
    ``max_iterations`` (default 100) and ``tolerance`` (1e-4) may be given as keywords. Returns (2, y, x).
    """
    sectors = np.asarray(sectors)
    if sectors.ndim == 2:
        if sectors.shape[0] != 2 or not np.array_equal(sectors[0], sectors[1]):
            raise ValueError(f"sectors: give one sequence for both axes (got {sectors.tolist()})")
        sectors = sectors[0]
    if sectors.ndim != 1 or sectors.size == 0:
        raise ValueError(f"sectors: give a sequence of sector counts (got {sectors.tolist()})")
    unknown = set(kwargs) - {"max_iterations", "tolerance"}
    if unknown:
        raise TypeError(f"vet: unsupported arguments {sorted(unknown)}")
    return _squall.motion_vet(
        _frames(input_images),
        [int(s) for s in sectors],
        float(smooth_gain),
        int(kwargs.get("max_iterations", 100)),
        float(kwargs.get("tolerance", 1e-4)),
    )


def darts(input_images, N_x=50, N_y=50, N_t=4, M_x=2, M_y=2, verbose=False, rcond=0.01, **kwargs):
    """DARTS (Ruzanski, Chandrasekar and Wang 2011; pysteps ``DARTS``): needs at least ``N_t + 2`` frames.

    Returns (2, y, x). pysteps' ``fft_method``, ``output_type`` and ``n_threads`` are not accepted.
    """
    if kwargs:
        raise TypeError(f"darts: unsupported arguments {sorted(kwargs)}")
    return _squall.motion_darts(
        _frames(input_images), int(N_x), int(N_y), int(N_t), int(M_x), int(M_y), float(rcond)
    )


DARTS = darts


def trec(
    input_images,
    box_size=24,
    spacing=12,
    max_speed=16.0,
    min_correlation=0.5,
    min_rain_fraction=0.1,
    median_threshold=2.0,
    cotrec=True,
):
    """TREC block correlation (Rinehart and Garvey 1978) with the COTREC continuity correction (Li, Schmid and
    Joss 1995) unless ``cotrec=False``. Not in pysteps. Returns (2, y, x)."""
    return _squall.motion_trec(
        _frames(input_images),
        int(box_size),
        int(spacing),
        float(max_speed),
        float(min_correlation),
        float(min_rain_fraction),
        float(median_threshold),
        bool(cotrec),
    )


def constant(input_images, max_speed=30.0, all_pairs=False, **kwargs):
    """One global displacement (pysteps ``constant``): the shift maximising the correlation of the last two
    frames (all consecutive pairs with ``all_pairs=True``), searched within ``max_speed`` px/step."""
    if kwargs:
        raise TypeError(f"constant: unsupported arguments {sorted(kwargs)}")
    return _squall.motion_constant(_frames(input_images), float(max_speed), bool(all_pairs))


def _zero(input_images, *args, **kwargs):
    frames = _frames(input_images)
    return np.zeros((2,) + frames.shape[1:], np.float32)


_METHODS = {
    None: _zero,
    "none": _zero,
    "constant": constant,
    "lk": dense_lucaskanade,
    "lucaskanade": dense_lucaskanade,
    "vet": vet,
    "darts": darts,
    "trec": trec,
    "cotrec": trec,
}


def get_method(name):
    """The motion method called ``name`` (case-insensitive): ``"lk"``/``"lucaskanade"``, ``"vet"``,
    ``"darts"``, ``"constant"``, ``"trec"``/``"cotrec"``, or ``None`` (zero motion), as pysteps'
    ``motion.get_method``."""
    key = name.lower() if isinstance(name, str) else name
    try:
        return _METHODS[key]
    except KeyError:
        names = ", ".join(repr(k) for k in _METHODS if k is not None)
        raise ValueError(f"unknown motion method {name!r}; the available methods are {names}, None") from None
