"""Convective cells (``squall::cells``): identification with nested thresholds and watershed splitting, cell
properties, and a streaming tracker with merges and splits. Computed in Rust with the GIL released.

>>> import numpy as np, squall.cells
>>> yy, xx = np.mgrid[0:100, 0:100]
>>> field = np.where((yy - 50) ** 2 + (xx - 30) ** 2 <= 36, 50.0, 0.0).astype(np.float32)
>>> cells = squall.cells.identify(field, spacing_m=1000.0)
>>> len(cells), cells[0]["area_km2"], round(cells[0]["row"], 6), round(cells[0]["col"], 6)
(1, 113.0, 50.0, 30.0)
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from . import _squall
from ._arrays import as_float32

__all__ = ["Tracker", "identify", "to_columns"]

_NAN_POLICIES = ("omit", "raise")


def identify(field, spacing_m=1000.0, *, centre=None, thresholds_dbz=None, min_area_km2=10.0,
             min_core_area_km2=4.0, split_step_db=1.0, min_prominence_db=1.5, nan_policy="omit"):
    """Cells of a composite reflectivity field ``(ny, nx)`` dBZ on a grid of ``spacing_m`` pixels, largest first.

    Each cell is a dict: ``id``, ``row``/``col`` (reflectivity-weighted centroid, fractional pixel indices),
    ``x_m``/``y_m`` (metres from the middle of the grid), ``lon``/``lat`` (with ``centre=(lat, lon)`` of the grid's
    middle, else None), ``area_km2``, ``max_dbz``, ``mean_dbz``, ``core_threshold_dbz``, ``max_rain_rate_mm_h``,
    ``heavy_rain_area_km2``, ``ellipse`` (``major_km``, ``minor_km``, ``orientation_deg``), ``outline`` (closed
    polygon, [x, y] m) and ``footprint`` (flat pixel indices, uint32; what :class:`Tracker` overlaps).

    Thresholds default to 30, 35, …, 60 dBZ with 1-dB split levels (``split_step_db=None``: thresholds only).
    ``nan_policy``: ``"omit"`` (NaN is no data and never part of a cell) or ``"raise"`` (NaN raises ValueError).
    float32/float64 only (TypeError otherwise); not 2-D raises ValueError.
    """
    if nan_policy not in _NAN_POLICIES:
        raise ValueError(f"nan_policy must be one of {_NAN_POLICIES}, got {nan_policy!r}")
    z = as_float32("field", field, 2, "(ny, nx)")
    if nan_policy == "raise" and np.isnan(z).any():
        raise ValueError("field holds NaN (no data); clean it or pass nan_policy='omit'")
    thresholds = None if thresholds_dbz is None else [float(t) for t in thresholds_dbz]
    centre = None if centre is None else (float(centre[0]), float(centre[1]))
    step = None if split_step_db is None else float(split_step_db)
    return _squall.cells_identify(z, float(spacing_m), centre, thresholds, float(min_area_km2),
                                  float(min_core_area_km2), step, float(min_prominence_db))


_SCALARS = ("id", "track", "time", "row", "col", "x_m", "y_m", "lon", "lat", "area_km2", "max_dbz", "mean_dbz",
            "core_threshold_dbz", "max_rain_rate_mm_h", "heavy_rain_area_km2")


def to_columns(cells):
    """The cells as a dict of equally long numpy columns (``pandas.DataFrame(to_columns(cells))``); the ellipse
    becomes ``ellipse_major_km``, ``ellipse_minor_km``, ``ellipse_orientation_deg``; ``outline`` and
    ``footprint`` are left out. Missing values (``track`` before tracking, ``lon``/``lat`` without a centre)
    are NaN."""
    out = {}
    for key in _SCALARS:
        values = [c.get(key) for c in cells]
        out[key] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    out["id"] = np.array([c["id"] for c in cells], dtype=np.int64)
    for key in ("major_km", "minor_km", "orientation_deg"):
        out[f"ellipse_{key}"] = np.array([c["ellipse"][key] for c in cells], dtype=np.float64)
    return out


def _seconds(time):
    """POSIX seconds of a number, a ``datetime`` (naive = UTC; pandas Timestamps too) or ``numpy.datetime64``."""
    if isinstance(time, (bool, np.bool_)):
        raise TypeError("time must be POSIX seconds, a datetime or a numpy.datetime64, not a bool")
    if isinstance(time, (int, float, np.integer, np.floating)):
        return float(time)
    if isinstance(time, _dt.datetime):
        if time.tzinfo is None:
            time = time.replace(tzinfo=_dt.timezone.utc)
        return time.timestamp()
    if isinstance(time, np.datetime64):
        return float((time - np.datetime64(0, "s")) / np.timedelta64(1, "ns")) * 1e-9
    raise TypeError(f"time must be POSIX seconds, a datetime or a numpy.datetime64, got {type(time).__name__}")


class Tracker:
    """Links the cells of each new scan to the tracks of the previous ones (TITAN-style overlap and optimal
    assignment, merges and splits), one ``update`` per scan, on a grid of ``shape`` (ny, nx) and ``spacing_m``."""

    def __init__(self, shape, spacing_m=1000.0, *, max_speed_mps=100.0 / 3.6, max_gap_scans=2,
                 event_overlap=0.2):
        if len(shape) != 2:
            raise ValueError(f"shape must be (ny, nx), got {shape!r}")
        self._inner = _squall.Tracker((int(shape[0]), int(shape[1])), float(spacing_m), float(max_speed_mps),
                                      int(max_gap_scans), float(event_overlap))

    def update(self, cells, time):
        """Links ``cells`` (dicts of :func:`identify` on this grid) seen at ``time``; sets each cell's
        ``track`` and returns ``{"tracks": [track id per cell], "merges": [...], "splits": [...]}``, each event
        ``{"parents": [track ids], "children": [track ids]}`` (the track going on is in both)."""
        prepared = []
        for c in cells:
            if not isinstance(c, dict):
                raise TypeError(f"cells must be dicts made by squall.cells.identify, got {type(c).__name__}")
            c = dict(c)
            if "footprint" in c:
                c["footprint"] = np.ascontiguousarray(c["footprint"], dtype=np.uint32)
            prepared.append(c)
        out = self._inner.update(prepared, _seconds(time))
        for c, track in zip(cells, out["tracks"]):
            c["track"] = track
        return out

    @property
    def tracks(self):
        """Every track so far (dicts: ``id``, ``parents``, ``children``, ``length``, ``velocity_mps``, ``active``,
        ``ended``, ``x_m``, ``y_m``)."""
        return self._inner.tracks()
