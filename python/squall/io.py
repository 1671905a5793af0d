"""Reading radar volumes and composite sequences: numpy objects, or xarray shaped like xradar (FM 301).

:func:`read_volume` returns Squall's own :class:`squall.Volume` (numpy arrays); :func:`open_volume` returns an
``xarray.DataTree`` with the names xradar and the WMO FM 301 (CfRadial 2) standard use, so code written for
``xradar.io.open_*_datatree`` works on it; :func:`open_sequence` reads a composite sequence (t, y, x).
xarray is imported only when :func:`open_volume` is called.
"""

from __future__ import annotations

import os

import numpy as np

from ._squall import open_sequence as _open_sequence
from ._squall import read_volume

__all__ = ["open_sequence", "open_volume", "read_volume"]

# CF standard names of the FM 301 moments Squall reads (others get only units and long_name).
_STANDARD_NAMES = {
    "DBZH": "equivalent_reflectivity_factor",
    "DBZV": "equivalent_reflectivity_factor",
    "DBTH": "equivalent_reflectivity_factor",
    "VRADH": "radial_velocity_of_scatterers_away_from_instrument",
    "VRADV": "radial_velocity_of_scatterers_away_from_instrument",
    "WRADH": "doppler_spectrum_width",
    "ZDR": "log_differential_reflectivity_hv",
    "RHOHV": "cross_correlation_ratio_hv",
    "PHIDP": "differential_phase_hv",
    "KDP": "specific_differential_phase_hv",
}


def open_sequence(files_or_dir):
    """Read a composite sequence: a folder, or a list of files (any order; sorted by the time each file states).

    Returns ``(values, metadata)``: ``values`` float32 (t, y, x), NaN = no data; ``metadata`` a dict with
    ``name``, ``units``, ``timestep`` (s), ``times`` (ISO 8601 UTC), ``projection`` (PROJ string), ``nx``, ``ny``,
    ``x0``, ``y0`` (centre of the first cell, m), ``dx``, ``dy`` (m). Raises ``FileNotFoundError`` for a missing
    path, :class:`squall.ParameterError` for gaps, duplicate times or mixed grids.
    """
    if isinstance(files_or_dir, (str, os.PathLike)):
        if os.path.isdir(files_or_dir):
            return _open_sequence(directory=files_or_dir)
        return _open_sequence(paths=[files_or_dir])
    return _open_sequence(paths=list(files_or_dir))


def _sweep_dataset(xr, volume, index, sweep, start):
    ray_times = start + np.round(sweep.time * 1e9).astype("timedelta64[ns]")
    coords = {
        "azimuth": ("azimuth", sweep.azimuth, {"standard_name": "ray_azimuth_angle", "units": "degrees"}),
        "elevation": ("azimuth", sweep.elevation, {"standard_name": "ray_elevation_angle", "units": "degrees"}),
        "range": (
            "range",
            sweep.range,
            {"standard_name": "projection_range_coordinate", "units": "meters", "meters_between_gates": sweep.gate_spacing},
        ),
        "time": ("azimuth", ray_times, {"standard_name": "time"}),
        "latitude": ((), volume.latitude, {"standard_name": "latitude", "units": "degrees_north"}),
        "longitude": ((), volume.longitude, {"standard_name": "longitude", "units": "degrees_east"}),
        "altitude": ((), volume.altitude, {"standard_name": "altitude", "units": "meters"}),
    }
    data_vars = {}
    for name, values in sweep.moments.items():
        attrs = {"units": sweep.units[name], "long_name": name}
        if name in _STANDARD_NAMES:
            attrs["standard_name"] = _STANDARD_NAMES[name]
        data_vars[name] = (("azimuth", "range"), values, attrs)
    data_vars["sweep_number"] = ((), np.int32(index))
    data_vars["sweep_mode"] = ((), {"ppi": "azimuth_surveillance", "sector": "sector", "rhi": "rhi"}.get(sweep.mode, sweep.mode))
    data_vars["sweep_fixed_angle"] = ((), np.float32(sweep.fixed_angle), {"units": "degrees"})
    if sweep.nyquist_velocity is not None:
        data_vars["nyquist_velocity"] = ((), np.float32(sweep.nyquist_velocity), {"units": "m/s"})
    return xr.Dataset(data_vars, coords)


def open_volume(path):
    """Read a radar volume (any format Squall reads) as an ``xarray.DataTree`` named as xradar and FM 301 do.

    The root holds the site (``latitude``, ``longitude``, ``altitude`` coordinates, ``time_coverage_start`` /
    ``time_coverage_end`` variables, ``instrument_name`` and ``source_format`` attributes); children
    ``sweep_0``, ``sweep_1`` … (scan order) are Datasets with dims ``(azimuth, range)``, coordinates
    ``azimuth``, ``elevation``, ``time`` (per ray), ``range`` (m), one float32 variable per moment (NaN = no
    valid value; FM 301 names such as ``DBZH``, ``VRADH``), and ``sweep_mode``, ``sweep_fixed_angle``,
    ``sweep_number``. Rays are in the file's order (xradar sorts by azimuth; use ``ds.sortby("azimuth")``).
    """
    import xarray as xr

    volume = read_volume(path)
    start = np.datetime64(volume.time.rstrip("Z"), "ns")
    sweeps = {
        f"sweep_{i}": _sweep_dataset(xr, volume, i, sweep, start) for i, sweep in enumerate(volume.sweeps)
    }
    end = max((ds["time"].values.max() for ds in sweeps.values()), default=start)
    root = xr.Dataset(
        {
            "time_coverage_start": ((), str(np.datetime_as_string(start, "s")) + "Z"),
            "time_coverage_end": ((), str(np.datetime_as_string(end, "s")) + "Z"),
            "sweep_group_name": (("sweep",), np.array(list(sweeps), dtype=object)),
            "sweep_fixed_angle": (("sweep",), np.array([s.fixed_angle for s in volume.sweeps], np.float32)),
        },
        {
            "latitude": ((), volume.latitude, {"standard_name": "latitude", "units": "degrees_north"}),
            "longitude": ((), volume.longitude, {"standard_name": "longitude", "units": "degrees_east"}),
            "altitude": ((), volume.altitude, {"standard_name": "altitude", "units": "meters"}),
        },
        attrs={
            "Conventions": "Cf/Radial",
            "version": "2.0",
            "instrument_name": volume.site_id,
            "site_name": volume.site_name,
            "source_format": volume.format,
            "frequency_band": volume.band or "unknown",
            "beam_width_h": float(volume.beam_width),
        },
    )
    if volume.frequency_mhz is not None:
        root.attrs["frequency"] = float(volume.frequency_mhz) * 1e6
    return xr.DataTree.from_dict({"/": root, **sweeps})
