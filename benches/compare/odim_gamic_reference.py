#!/usr/bin/env python3
"""Peer reference numbers for Squall's ODIM_H5 and GAMIC HDF5 readers.

Reads each file with two Python peers

  * xradar 0.12: ``xradar.io.open_odim_datatree`` / ``xradar.io.open_gamic_datatree``
  * Py-ART 2.3:  ``pyart.aux_io.read_odim_h5`` / ``pyart.aux_io.read_gamic`` (``file_field_names=True``)

and writes ``testdata/reference/<odim|gamic>_<short>_<peer>.json`` with, per sweep, the geometry
(elevation_deg = fixed angle, n_rays, n_gates, gate_spacing_m) and per moment (FM 301 name) the valid
gate count and the float64 mean/min/max of the valid gates:

  * ``moments``: the peer's numbers made comparable with Squall's conventions (see ``notes.comparable``):
    xradar's ODIM gates equal to ``undetect`` are masked (xradar masks ``nodata`` only); Py-ART's GAMIC values
    are mapped through the exact affine map from its coding (min + c*(max-min)/(2^n-1)) to xradar's and
    wradlib's (min + (c-1)*(max-min)/(2^n-2)). Otherwise the peer's numbers as returned.
  * ``moments_as_returned``: the peer's numbers exactly as it hands them to its user.

An independent walk of the raw HDF5 file with h5py (``notes.raw_file``) counts, per sweep and moment, the
reserved codes, so that the peer counts can be checked against the file itself.

The peers are NOT a dependency of Squall; they live in a venv outside the repo::

    /work/peers-venv/bin/pip install xradar==0.12 arm-pyart==2.3.0 h5py

Run from the repo root::

    /work/peers-venv/bin/python benches/compare/odim_gamic_reference.py \
        [--data-dir /work/shared/data/radar] [--out testdata/reference] [--peer all|xradar|pyart] [--only SHORT]

The data files are read in place; they are never copied into the repo.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import traceback
import warnings
from importlib import metadata

import h5py
import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# short name -> (kind, file)
FILES = {
    "capflat": ("odim", "40_20181220_060630.pvol.h5"),
    "idr66": ("odim", "IDR66_20141206_094829.vol.h5"),
    "avesnes": ("odim", "T_PAZA63_C_LFPW_20230420065041.h5"),
    "boxpol": ("gamic", "2014-08-10--182000.ppi.mvol"),
}

# GAMIC moment names (lower case) -> FM 301 (xradar's table, as Squall uses it)
GAMIC_TO_FM301 = {
    "zh": "DBZH", "zv": "DBZV", "uh": "DBTH", "uzh": "DBTH", "uv": "DBTV", "uzv": "DBTV",
    "vh": "VRADH", "vv": "VRADV", "wh": "WRADH", "uwh": "UWRADH", "wv": "WRADV", "uwv": "UWRADV",
    "zdr": "ZDR", "uzdr": "UZDR", "ldr": "LDR", "phidp": "PHIDP", "uphidp": "UPHIDP", "kdp": "KDP",
    "rhohv": "RHOHV", "urhohv": "URHOHV", "cmap": "CMAP",
}


def odim_fm301(quantity: str) -> str:
    return {"TH": "DBTH", "TV": "DBTV"}.get(quantity, quantity)


def gamic_fm301(name: str) -> str:
    return GAMIC_TO_FM301.get(name.lower(), name.upper())


def _s(x) -> str:
    return x.decode() if isinstance(x, bytes) else str(x)


def stats(values) -> dict:
    """valid / mean / min / max (float64) over the unmasked, finite gates of a (masked) array."""
    a = np.ma.filled(np.ma.asarray(values, dtype="float64"), np.nan)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return {"valid": 0, "mean": None, "min": None, "max": None}
    return {"valid": int(a.size), "mean": float(a.mean(dtype="float64")),
            "min": float(a.min()), "max": float(a.max())}


def numbered(names, prefix):
    out = [n for n in names if n.startswith(prefix) and n[len(prefix):].isdigit()]
    return sorted(out, key=lambda n: int(n[len(prefix):]))


# ---------------------------------------------------------------- raw walk (h5py, independent of the peers)

def walk_odim(path):
    """Per dataset: geometry and, per moment, counts of nodata/undetect codes and Squall-valid gates."""
    out = []
    with h5py.File(path, "r") as f:
        for ds in numbered(list(f), "dataset"):
            where = f[ds]["where"].attrs
            sweep = {"group": ds, "elangle": float(where["elangle"]), "nrays": int(where["nrays"]),
                     "nbins": int(where["nbins"]), "rstart": float(where["rstart"]),
                     "rscale": float(where["rscale"]), "a1gate": int(where.get("a1gate", 0)), "moments": {}}
            for grp in numbered(list(f[ds]), "data") + numbered(list(f[ds]), "quality"):
                what = f[ds][grp]["what"].attrs
                raw = f[ds][grp]["data"][...]
                nodata, undetect = what.get("nodata"), what.get("undetect")
                is_nodata = raw == nodata if nodata is not None else np.zeros(raw.shape, bool)
                is_undetect = raw == undetect if undetect is not None else np.zeros(raw.shape, bool)
                valid = ~(is_nodata | is_undetect)
                phys = raw.astype("float64") * float(what["gain"]) + float(what["offset"])
                sweep["moments"][odim_fm301(_s(what["quantity"]))] = {
                    "group": grp, "dtype": str(raw.dtype), "gain": float(what["gain"]),
                    "offset": float(what["offset"]),
                    "nodata": None if nodata is None else float(nodata),
                    "undetect": None if undetect is None else float(undetect),
                    "n_nodata": int(is_nodata.sum()), "n_undetect": int(is_undetect.sum()),
                    "squall_convention": stats(np.where(valid, phys, np.nan)),
                }
            out.append(sweep)
    return out


def walk_gamic(path):
    """Per scan: geometry and, per moment, the count of code 0 and the stats under the (c-1)/(2^n-2) coding."""
    out = []
    with h5py.File(path, "r") as f:
        for scan in numbered(list(f), "scan"):
            how = f[scan]["how"].attrs
            sweep = {"group": scan, "elevation": float(how["elevation"]), "ray_count": int(how["ray_count"]),
                     "bin_count": int(how["bin_count"]), "range_start": float(how.get("range_start", 0.0)),
                     "range_step": float(how["range_step"]), "range_samples": int(how.get("range_samples", 1)),
                     "first_ray_azimuth_start": float(f[scan]["ray_header"]["azimuth_start"][0]),
                     "moments": {}}
            for m in numbered(list(f[scan]), "moment_"):
                d = f[scan][m]
                raw = d[...]
                lo, hi = float(d.attrs["dyn_range_min"]), float(d.attrs["dyn_range_max"])
                bits = 8 * raw.dtype.itemsize
                phys = lo + (raw.astype("float64") - 1) * (hi - lo) / (2 ** bits - 2)
                sweep["moments"][gamic_fm301(_s(d.attrs["moment"]))] = {
                    "dataset": m, "format": _s(d.attrs["format"]), "dyn_range": [lo, hi],
                    "n_code0": int((raw == 0).sum()),
                    "squall_convention": stats(np.where(raw != 0, phys, np.nan)),
                }
            out.append(sweep)
    return out


# ---------------------------------------------------------------- peers

def _spacing(r):
    r = np.asarray(r, dtype="float64")
    return float(np.median(np.diff(r))) if r.size > 1 else None


def xradar_odim(path, raw):
    import xradar as xd

    dt = xd.io.open_odim_datatree(path)
    sweeps = []
    for i, node in enumerate(numbered(list(dt.children), "sweep_")):
        ds = dt[node].ds.load()
        rw = raw[i]
        moments, returned = {}, {}
        for name in rw["moments"]:
            # xradar keeps ODIM quantity names; Squall renames TH -> DBTH
            src = {"DBTH": "TH", "DBTV": "TV"}.get(name, name)
            if src not in ds:
                continue
            vals = np.asarray(ds[src].values, dtype="float64")
            returned[name] = stats(vals)
            m = rw["moments"][name]
            if m["undetect"] is not None and m["undetect"] != m["nodata"]:
                # comparable: mask the undetect code's value, as Squall (and Py-ART) do
                u = m["offset"] + m["undetect"] * m["gain"]
                vals = np.where(np.isclose(vals, u, rtol=0, atol=abs(m["gain"]) / 4), np.nan, vals)
            moments[name] = stats(vals)
        sweeps.append({
            "elevation_deg": float(ds["sweep_fixed_angle"].values),
            "n_rays": int(ds.sizes["azimuth"]), "n_gates": int(ds.sizes["range"]),
            "gate_spacing_m": _spacing(ds["range"].values),
            "first_gate_m": float(ds["range"].values[0]),
            "first_azimuth_deg": float(ds["azimuth"].values[0]),
            "moments": moments, "moments_as_returned": returned,
        })
    return sweeps


def xradar_gamic(path, raw):
    import xradar as xd

    dt = xd.io.open_gamic_datatree(path)
    sweeps = []
    for node in numbered(list(dt.children), "sweep_"):
        ds = dt[node].ds.load()
        moments = {}
        for v in ds.data_vars:
            if ds[v].dims == ("azimuth", "range"):
                moments[v] = stats(ds[v].values)
        sweeps.append({
            "elevation_deg": float(ds["sweep_fixed_angle"].values),
            "n_rays": int(ds.sizes["azimuth"]), "n_gates": int(ds.sizes["range"]),
            "gate_spacing_m": _spacing(ds["range"].values),
            "first_gate_m": float(ds["range"].values[0]),
            "first_azimuth_deg": float(ds["azimuth"].values[0]),
            "moments": moments, "moments_as_returned": moments,
        })
    return sweeps


def _pyart_sweeps(radar, field_to_fm301, comparable=None):
    sweeps = []
    rng = radar.range["data"]
    for i in range(radar.nsweeps):
        s, e = int(radar.sweep_start_ray_index["data"][i]), int(radar.sweep_end_ray_index["data"][i])
        moments, returned = {}, {}
        for field, d in radar.fields.items():
            name = field_to_fm301(field)
            data = d["data"][s:e + 1]
            returned[name] = stats(data)
            moments[name] = stats(comparable(field, data) if comparable else data)
        sweeps.append({
            "elevation_deg": float(radar.fixed_angle["data"][i]),
            "n_rays": e - s + 1, "n_gates": int(radar.ngates),
            "gate_spacing_m": _spacing(rng), "first_gate_m": float(rng[0]),
            "first_azimuth_deg": float(radar.azimuth["data"][s]),
            "moments": moments, "moments_as_returned": returned,
        })
    return sweeps


def pyart_odim(path, raw):
    import pyart

    radar = pyart.aux_io.read_odim_h5(path, file_field_names=True)
    return _pyart_sweeps(radar, odim_fm301)


def pyart_gamic(path, raw):
    import pyart

    # read_gamic indexes a caller-supplied table of pulse widths by how/pulse_width and fails without one; the
    # table only feeds instrument_parameters, never the moments compared here.
    radar = pyart.aux_io.read_gamic(path, file_field_names=True, pulse_width=[0.0] * 16)
    with h5py.File(path, "r") as f:
        coding = {}
        for m in numbered(list(f["scan0"]), "moment_"):
            d = f["scan0"][m]
            bits = 8 * d.dtype.itemsize
            coding[_s(d.attrs["moment"])] = (float(d.attrs["dyn_range_min"]), float(d.attrs["dyn_range_max"]), bits)

    def comparable(field, data):
        lo, hi, bits = coding[field]
        # Py-ART: v = lo + c*(hi-lo)/(2^n-1); xradar/wradlib/Squall: lo + (c-1)*(hi-lo)/(2^n-2)
        code = (np.ma.asarray(data, dtype="float64") - lo) * (2 ** bits - 1) / (hi - lo)
        return lo + (code - 1) * (hi - lo) / (2 ** bits - 2)

    return _pyart_sweeps(radar, gamic_fm301, comparable)


PEERS = {
    ("odim", "xradar"): xradar_odim,
    ("odim", "pyart"): pyart_odim,
    ("gamic", "xradar"): xradar_gamic,
    ("gamic", "pyart"): pyart_gamic,
}

NOTES = {
    ("odim", "xradar"): {
        "call": "xradar.io.open_odim_datatree(path); dt['sweep_i'].ds.load()",
        "semantics": "masks nodata only (_FillValue = nodata); undetect gates come back as offset + undetect*gain; "
                     "keeps ODIM quantity names (TH stays TH) and reads dataset-level qualityN groups (CLASS); "
                     "rays sorted by azimuth (= ODIM file order); azimuths (i+0.5)*360/nrays ignoring how/astart, "
                     "or the centre of startazA/stopazA; range = rstart*1000 + rscale/2 + k*rscale (km before V2_4); "
                     "ray times rolled by a1gate; fixed angle = where/elangle",
        "comparable": "moments: gates equal to the undetect value masked (where undetect != nodata), as Squall "
                      "reads them as NoEcho; moments_as_returned: xradar's own numbers",
    },
    ("odim", "pyart"): {
        "call": "pyart.aux_io.read_odim_h5(path, file_field_names=True)",
        "semantics": "masks nodata and undetect; only dataN groups (no qualityN, so no CLASS); keeps file ray order; "
                     "azimuths astart + (i+0.5)*360/nrays; range array rstart*1000 + rscale/2 + k*rscale but "
                     "meters_to_center_of_first_gate = rstart*1000; ray times spread linearly from start to end "
                     "ignoring a1gate; pads every sweep to the volume's largest nbins (all equal here); requires the "
                     "root Conventions attribute (absent from IDR66: Py-ART fails on that file)",
        "comparable": "moments = moments_as_returned",
    },
    ("gamic", "xradar"): {
        "call": "xradar.io.open_gamic_datatree(path); dt['sweep_i'].ds.load()",
        "semantics": "value = min + (c-1)*(max-min)/(2^n-2), code 0 masked (_FillValue = _Undetect = 0); names "
                     "through xradar's gamic_mapping (ZH->DBZH, UH->DBTH, VH->VRADH ...); rays sorted by azimuth; "
                     "range = range_step*range_samples*(k+0.5) (range_start ignored, 0 here); fixed angle = "
                     "how/elevation rounded to 0.1 deg",
        "comparable": "moments = moments_as_returned",
    },
    ("gamic", "pyart"): {
        "call": "pyart.aux_io.read_gamic(path, file_field_names=True, pulse_width=[0.0] * 16) (the pulse-width "
                "table is required by read_gamic and feeds only instrument_parameters)",
        "semantics": "value = min + c*(max-min)/(2^n-1), code 0 masked; file moment names (ZH, UH ...); rays in "
                     "time order (first ray at the scan's start azimuth); range = range_start + "
                     "range_step*range_samples*k (no half gate); fixed angle = how/elevation as written",
        "comparable": "moments: Py-ART's values mapped through the exact affine map from its coding to "
                      "min + (c-1)*(max-min)/(2^n-2) (so valid counts are Py-ART's own, means/min/max are in "
                      "Squall's coding); moments_as_returned: Py-ART's own numbers",
    },
}


def peer_version(peer):
    return metadata.version({"xradar": "xradar", "pyart": "arm_pyart"}[peer])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "radar"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--peer", default="all", choices=["all", "xradar", "pyart"])
    ap.add_argument("--only", choices=sorted(FILES))
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    peers = ["xradar", "pyart"] if args.peer == "all" else [args.peer]
    command = "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(__file__, REPO_ROOT)] + sys.argv[1:])
    status = 0
    for short, (kind, name) in FILES.items():
        if args.only and short != args.only:
            continue
        path = os.path.join(args.data_dir, name)
        if not os.path.exists(path):
            print(f"SKIP {short}: {path} not found")
            continue
        raw = walk_odim(path) if kind == "odim" else walk_gamic(path)
        for peer in peers:
            out = {
                "file": name, "format": kind, "peer": peer, "peer_version": peer_version(peer),
                "h5py_version": h5py.__version__, "numpy_version": np.__version__, "command": command,
                "notes": {**NOTES[(kind, peer)], "raw_file": raw},
            }
            try:
                out["sweeps"] = PEERS[(kind, peer)](path, raw)
            except Exception as e:  # a peer that cannot read the file is recorded, not fatal
                out["sweeps"] = None
                out["error"] = f"{type(e).__name__}: {e}"
                traceback.print_exc()
            target = os.path.join(args.out, f"{kind}_{short}_{peer}.json")
            with open(target, "w") as fh:
                json.dump(out, fh, indent=1, allow_nan=False,
                          default=lambda o: None if isinstance(o, float) and math.isnan(o) else o)
                fh.write("\n")
            n = len(out["sweeps"]) if out["sweeps"] else 0
            print(f"{target}: {n} sweeps" + (f" (peer failed: {out['error']})" if out.get("error") else ""))
    return status


if __name__ == "__main__":
    sys.exit(main())
