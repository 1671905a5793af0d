"""Nowcasts as ``xarray.Dataset``: ``time`` / ``realization`` coordinates and CF attributes."""

from __future__ import annotations

import numpy as np

__all__ = ["to_dataset"]

# CF standard names for the units a nowcast comes in.
_CF = {
    "mm/h": ("rainfall_rate", "mm h-1"),
    "mm h-1": ("rainfall_rate", "mm h-1"),
    "mm": ("thickness_of_rainfall_amount", "mm"),
    "dBZ": ("equivalent_reflectivity_factor", "dBZ"),
}


def to_dataset(forecast, timestep_min, start_time, *, units="mm/h", name="precipitation", metadata=None):
    """Wrap a nowcast array as an ``xarray.Dataset``.

    ``forecast``: (t, y, x) deterministic or (realization, t, y, x) ensemble; ``timestep_min``: minutes between
    lead times; ``start_time``: the analysis time (``numpy.datetime64``, ``datetime`` or ISO string, UTC) — lead
    ``k`` (1-based) is valid at ``start_time + k * timestep``. ``metadata``: optional grid description as
    returned by :func:`squall.io.open_sequence` (``x0``, ``y0``, ``dx``, ``dy``, ``projection``) for ``x``/``y``
    coordinates in metres. Returns a Dataset with variable ``name`` (dims ``[realization,] time, y, x``, CF
    ``units``/``standard_name``), coordinates ``time`` (valid times), ``lead_time`` (minutes),
    ``forecast_reference_time`` and, for an ensemble, ``realization`` (0 …).
    """
    import xarray as xr

    values = np.asarray(forecast)
    if values.ndim not in (3, 4):
        raise ValueError(f"forecast has shape {values.shape}: expected (t, y, x) or (realization, t, y, x)")
    if not np.issubdtype(values.dtype, np.floating):
        raise TypeError(f"forecast has dtype {values.dtype}: expected float32 or float64")
    if not timestep_min > 0:
        raise ValueError(f"timestep_min={timestep_min!r}: must be positive")
    if units not in _CF:
        raise ValueError(f"units={units!r}: expected one of {sorted(_CF)}")
    standard_name, cf_units = _CF[units]
    start = np.datetime64(str(start_time).rstrip("Z").replace("+00:00", ""), "ns")
    n_t, n_y, n_x = values.shape[-3:]
    lead = np.arange(1, n_t + 1) * float(timestep_min)
    coords = {
        "time": ("time", start + (lead * 60e9).astype("timedelta64[ns]"), {"standard_name": "time"}),
        "lead_time": ("time", lead, {"units": "minutes", "long_name": "forecast lead time"}),
        "forecast_reference_time": ((), start, {"standard_name": "forecast_reference_time"}),
    }
    dims = ("time", "y", "x")
    if values.ndim == 4:
        dims = ("realization",) + dims
        coords["realization"] = ("realization", np.arange(values.shape[0]), {"standard_name": "realization"})
    attrs = {"Conventions": "CF-1.8", "source": "squall nowcast"}
    if metadata is not None:
        x = metadata["x0"] + np.arange(n_x) * metadata["dx"]
        y = metadata["y0"] + np.arange(n_y) * metadata["dy"]
        coords["x"] = ("x", x, {"standard_name": "projection_x_coordinate", "units": "m"})
        coords["y"] = ("y", y, {"standard_name": "projection_y_coordinate", "units": "m"})
        if "projection" in metadata:
            attrs["proj4"] = metadata["projection"]
    var = (dims, values, {"units": cf_units, "standard_name": standard_name})
    return xr.Dataset({name: var}, coords, attrs)
