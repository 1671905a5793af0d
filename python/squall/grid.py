"""Polar → Cartesian gridding of radar volumes (``squall::grid``), shaped after Py-ART's ``grid_from_radars``.

The gate → grid mapping (Barnes2 / Cressman / Barnes / nearest weights, Py-ART's beam-width radius of influence
``max(250 m, d · tan 1°)``) is built and applied in Rust with the GIL released.
"""

from __future__ import annotations

import os

import numpy as np

from ._squall import grid_volume as _grid_volume

__all__ = ["column_max", "grid_volume"]


def grid_volume(path, fields=("DBZH",), n=201, spacing_m=1000.0, heights_m=None, weighting="barnes2",
                bin_fraction=0.7, no_echo_value=None):
    """Grid moments of the volume file ``path`` on an ``n × n`` grid of ``spacing_m`` metres centred on the radar
    (azimuthal equidistant), at ``heights_m`` above mean sea level (default: the antenna altitude + 0, 500 …
    20 000 m, Py-ART's ``grid_limits[0] = (0, 20000)`` with 41 levels).

    Returns ``(grids, metadata)``: ``grids`` maps each field (FM 301 name) to float32 (nz, ny, nx), NaN where no
    valid gate is within reach; ``metadata`` has ``projection`` (PROJ string), ``x0``, ``y0`` (centre of the first
    cell, m), ``dx``, ``dy``, ``heights_m`` and ``units``. ``weighting``: ``"barnes2"`` (default), ``"barnes"``,
    ``"cressman"`` or ``"nearest"``; ``bin_fraction`` 0 weighs every gate on its own (Py-ART), 0.7 (default)
    groups gates into bins up to 0.7 of the radius of influence.
    """
    if heights_m is None:
        from .io import read_volume

        altitude = read_volume(path).altitude
        heights_m = [altitude + 500.0 * k for k in range(41)]
    if isinstance(fields, str):
        fields = [fields]
    return _grid_volume(os.fspath(path), list(fields), int(n), float(spacing_m),
                        [float(h) for h in heights_m], weighting, float(bin_fraction), no_echo_value)


def column_max(grid):
    """Composite (column-maximum) of a (nz, ny, nx) grid → (ny, nx); NaN where the whole column is NaN."""
    grid = np.asarray(grid)
    if grid.ndim != 3:
        raise ValueError(f"grid must be (nz, ny, nx), got shape {grid.shape}")
    valid = np.isfinite(grid).any(axis=0)
    out = np.full(grid.shape[1:], np.nan, grid.dtype)
    out[valid] = np.nanmax(grid[:, valid], axis=0)
    return out
