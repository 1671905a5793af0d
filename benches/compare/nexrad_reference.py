#!/usr/bin/env python3
"""Peer reference numbers for Squall's NEXRAD Level II (Archive II) reader.

Reads the KLBB WSR-88D volume with two Python peers

  * Py-ART (pip ``arm_pyart``): ``pyart.io.read_nexrad_archive`` (primary fixture)
  * xradar (pip ``xradar``):    ``xradar.io.open_nexradlevel2_datatree`` (second fixture)

and writes ``testdata/reference/nexrad_klbb_pyart.json`` and ``nexrad_klbb_xradar.json``
with, per sweep: the fixed angle, ray count, the gate count actually present in the
sweep's rays, gate spacing, first gate, mean ray elevation, Nyquist velocity, and per
moment (FM 301 name) the valid gate count and float64 mean/min/max in physical units.

Conventions of the peers (recorded under ``notes`` in each JSON):

  * Py-ART pads every sweep to the volume-wide maximum gate count (1832 gates here)
    with raw code 1 and masks raw codes 0 (below threshold) and 1 (range folded) as
    well as the padding; values are ``(raw - offset) / scale`` in float32 with the
    scale/offset of the first scan carrying the moment.  ``n_gates`` is therefore
    taken from the message-31 data blocks Py-ART parsed (the longest ray of any
    moment in the sweep), and ``pyart_padded_n_gates`` records the padded width.
  * xradar pads each sweep to its own longest moment with raw 0 and, with the default
    ``mask_and_scale=True``, does NOT mask raw 0/1 (they decode to e.g. -33 dBZ and
    -64.5 m/s).  Its statistics here are therefore computed from the same decoded
    values with raw <= 1 masked (read once more with ``mask_and_scale=False`` for the
    raw codes), which is comparable to Py-ART and Squall; ``xradar_unmasked_valid``
    records what xradar itself leaves unmasked.  xradar reorders rays by azimuth,
    which does not change counts or statistics.

The data file is read in place, never copied into the repository::

    /work/peers-venv/bin/python benches/compare/nexrad_reference.py \
        [--file /work/shared/data/radar/KLBB20160601_150025_V06] [--out testdata/reference]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import traceback
import warnings
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_FILE = "/work/shared/data/radar/KLBB20160601_150025_V06"

# NEXRAD data-block name -> FM 301 / ODIM name (CFP: clutter filter power removed -> CCORH, as xradar).
NEXRAD_TO_FM301 = {
    "REF": "DBZH", "VEL": "VRADH", "SW": "WRADH", "ZDR": "ZDR",
    "PHI": "PHIDP", "RHO": "RHOHV", "CFP": "CCORH",
}
PYART_TO_FM301 = {
    "reflectivity": "DBZH", "velocity": "VRADH", "spectrum_width": "WRADH",
    "differential_reflectivity": "ZDR", "differential_phase": "PHIDP",
    "cross_correlation_ratio": "RHOHV", "clutter_filter_power_removed": "CCORH",
}
ORDER = list(NEXRAD_TO_FM301.values())


def pkg_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def stats(values: np.ndarray, valid: np.ndarray) -> dict:
    v = np.asarray(values, dtype=np.float64)[valid]
    n = int(v.size)
    if n == 0:
        return {"valid": 0, "mean": None, "min": None, "max": None}
    return {"valid": n, "mean": float(np.sum(v, dtype=np.float64) / n),
            "min": float(v.min()), "max": float(v.max())}


def ordered(moments: dict) -> dict:
    return {k: moments[k] for k in sorted(moments, key=lambda k: ORDER.index(k) if k in ORDER else 99)}


def run_pyart(path: str) -> dict:
    import pyart
    from pyart.io.nexrad_level2 import NEXRADLevel2File

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        radar = pyart.io.read_nexrad_archive(path)
        nfile = NEXRADLevel2File(path)
    sweeps = []
    for s in range(radar.nsweeps):
        start = int(radar.sweep_start_ray_index["data"][s])
        end = int(radar.sweep_end_ray_index["data"][s]) + 1
        records = [nfile.radial_records[i] for i in nfile.scan_msgs[s]]
        present = [rec[m] for rec in records for m in NEXRAD_TO_FM301 if m in rec]
        n_gates = max(int(b["ngates"]) for b in present)
        spacing = sorted({int(b["gate_spacing"]) for b in present})
        first = sorted({int(b["first_gate"]) for b in present})
        moments = {}
        for field, data in radar.fields.items():
            name = PYART_TO_FM301.get(field, field)
            arr = data["data"][start:end]
            values = np.ma.getdata(arr)
            valid = ~np.ma.getmaskarray(arr) & np.isfinite(values)
            st = stats(values, valid)
            present_in_sweep = any(m in rec for rec in records for m, n in NEXRAD_TO_FM301.items() if n == name)
            if present_in_sweep:
                moments[name] = st
            elif st["valid"]:
                raise AssertionError("Py-ART has valid %s gates in sweep %d without a data block" % (name, s))
        elevation = np.asarray(radar.elevation["data"][start:end], dtype=np.float64)
        sweeps.append({
            "elevation_deg": float(radar.fixed_angle["data"][s]),
            "n_rays": end - start,
            "n_gates": n_gates,
            "pyart_padded_n_gates": int(radar.ngates),
            "gate_spacing_m": float(spacing[0]) if len(spacing) == 1 else spacing,
            "first_gate_m": float(first[0]) if len(first) == 1 else first,
            "mean_ray_elevation_deg": float(elevation.mean()),
            "median_ray_elevation_deg": float(np.median(elevation)),
            "nyquist_mps": float(radar.instrument_parameters["nyquist_velocity"]["data"][start]),
            "moments": ordered(moments),
        })
    units = radar.time["units"]
    return {
        "sweeps": sweeps,
        "volume": {
            "site_id": radar.metadata.get("instrument_name"),
            "latitude_deg": float(radar.latitude["data"][0]),
            "longitude_deg": float(radar.longitude["data"][0]),
            "altitude_m": float(radar.altitude["data"][0]),
            "time_units": units,
            "first_ray_time_s": float(radar.time["data"][0]),
            "vcp": radar.metadata.get("vcp_pattern"),
            "n_rays": int(radar.nrays),
        },
    }


PYART_NOTES = [
    "API: radar = pyart.io.read_nexrad_archive(path) (deprecated in favour of xradar but still the reference reader); "
    "per-sweep rays from sweep_start_ray_index/sweep_end_ray_index, in file order.",
    "Sweeps: one per elevation number (1..max) of the message-31 radial headers, i.e. split cuts (surveillance + Doppler "
    "at the same angle) are separate sweeps: 11 here.",
    "Gates: every sweep is padded to the volume-wide maximum (pyart_padded_n_gates = 1832) with raw code 1 (masked). "
    "n_gates here is the longest data block of any moment in the sweep's rays, from Py-ART's parsed message-31 records "
    "(NEXRADLevel2File.radial_records[m]['ngates']): the gates really present.",
    "Masking: raw codes 0 (below threshold) and 1 (range folded / padding) are masked for every moment; raw >= 2 valid.",
    "Decoding: (raw - offset) / scale in float32 with scale/offset from the first scan that carries the moment "
    "(constant over this file: REF 2/66 u8, VEL 2/129 u8, SW 2/129 u8, ZDR 16/128 u8, PHI 2.8361/2 u16, RHO 300/-60.5 u8).",
    "Fixed angle: message 5 (VCP) cut elevation code * 360/65536, float32 (values > 180 minus 360).",
    "Statistics: float64 sum/min/max over the unmasked float32 values.",
]


def run_xradar(path: str) -> dict:
    import xradar as xd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = xd.io.open_nexradlevel2_datatree(path)
        raw_tree = xd.io.open_nexradlevel2_datatree(path, mask_and_scale=False)
    names = sorted((k for k in tree.children if k.startswith("sweep_")), key=lambda k: int(k[6:]))
    sweeps = []
    unmasked = []
    for key in names:
        ds = tree[key].ds
        raw_ds = raw_tree[key].ds
        moments = {}
        own = {}
        for name in ds.data_vars:
            if ds[name].dims != ("azimuth", "range"):
                continue
            values = ds[name].values.astype(np.float64)
            raw = raw_ds[name].values
            moments[name] = stats(values, (raw > 1) & np.isfinite(values))
            own[name] = int(np.count_nonzero(np.isfinite(values)))
        elevation = ds["elevation"].values.astype(np.float64)
        rng = ds["range"].values
        sweeps.append({
            "elevation_deg": float(ds["sweep_fixed_angle"].values),
            "n_rays": int(ds.sizes["azimuth"]),
            "n_gates": int(ds.sizes["range"]),
            "gate_spacing_m": float(rng[1] - rng[0]),
            "first_gate_m": float(rng[0]),
            "mean_ray_elevation_deg": float(elevation.mean()),
            "moments": ordered(moments),
        })
        unmasked.append(ordered(own))
    return {"sweeps": sweeps, "xradar_unmasked_valid": unmasked}


XRADAR_NOTES = [
    "API: xradar.io.open_nexradlevel2_datatree(path); one group sweep_N per elevation cut (11 here), "
    "rays sorted by azimuth (counts and statistics do not depend on the order).",
    "Gates: each sweep is padded to its own longest moment (n_gates) with raw 0.",
    "Masking: xradar does NOT mask raw 0/1 (with mask_and_scale=True they decode to -33 dBZ, -64.5 m/s ...; "
    "xradar_unmasked_valid counts what xradar leaves finite). The 'valid'/'mean'/'min'/'max' here mask raw <= 1 "
    "(raw codes read with mask_and_scale=False), the convention of Py-ART and Squall.",
    "Decoding: raw * scale_factor + add_offset with scale_factor = 1/scale, add_offset = -offset/scale, in float64.",
    "Fixed angle: message 5 elevation code * 360/65536 (float64 here, float32 in Py-ART).",
]


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError("not JSON serializable: %r" % (o,))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    args = ap.parse_args(argv)
    command = shlex.join([sys.executable] + sys.argv)
    peers = {
        "pyart": ("arm_pyart " + pkg_version("arm_pyart"), run_pyart, PYART_NOTES),
        "xradar": ("xradar " + pkg_version("xradar"), run_xradar, XRADAR_NOTES),
    }
    os.makedirs(args.out, exist_ok=True)
    for key, (label, fn, notes) in peers.items():
        doc = {"peer": label, "file": os.path.basename(args.file), "command": command,
               "environment": {"python": sys.version.split()[0], "numpy": pkg_version("numpy"),
                               "xarray": pkg_version("xarray"), "venv": sys.prefix}}
        try:
            res = fn(args.file)
            doc["sweeps"] = res.pop("sweeps")
            doc["notes"] = {"semantics": notes}
            doc["notes"].update(res)
        except Exception as exc:  # record the failure instead of numbers
            doc["error"] = "%s: %s" % (type(exc).__name__, exc)
            doc["traceback"] = traceback.format_exc().splitlines()[-6:]
            doc["notes"] = {"semantics": notes}
        out = os.path.join(args.out, "nexrad_klbb_%s.json" % key)
        with open(out, "w") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False, default=_json_default)
            fh.write("\n")
        print("wrote", os.path.relpath(out, REPO_ROOT), "(error: %s)" % doc["error"] if "error" in doc else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
