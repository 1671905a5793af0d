#!/usr/bin/env python3
"""Peer reference numbers for Squall's CINRAD standard-format base-data reader.

Reads each CINRAD standard-format file with the two Python peers

  * PyCINRAD (pip ``cinrad``):  ``cinrad.io.StandardData`` + ``get_raw``
  * pycwr    (pip ``pycwr``):   ``pycwr.io.read_auto`` (-> WSR98D reader -> PRD)

and writes, for each file and peer, ``testdata/reference/cinrad_<short>_<peer>.json``
holding per-sweep geometry and per-moment statistics (valid gate count, mean,
min, max in physical units, float64 accumulation) of exactly what the peer hands
back to its user.

Alongside the peer numbers, the script walks the raw file itself (a small
independent numpy decoder, ``walk_raw``) and records under ``notes.crosscheck``
whether the peer's counts equal "gates with raw >= 5" and how the peer's arrays
relate to the raw gates (truncation / padding / elevation source).  That is what
a Rust reader author needs to reproduce the peer numbers from the raw file.

The peers are NOT a dependency of Squall. Install them outside the repo::

    python3 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install numpy cython setuptools wheel
    /work/peers-venv/bin/pip install --no-build-isolation cinrad==1.9.3 pycwr==1.0.9

Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/cinrad_reference.py \
        [--data-dir /work/shared/data/radar] [--out testdata/reference] [--peer all]

The data files are read in place; they are never copied into the repo.
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import json
import math
import os
import shlex
import struct
import sys
import traceback
import warnings
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

FILES = {
    "zg170_x": "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2",
    "klbb_s": "Z_RADR_I_KLBB0_20160601150025_O_DOR_SAD_CAP_FMT_fromNEXRAD.bin.bz2",
}

# CINRAD standard-format data-type code -> FM301 / CfRadial2 name.
CODE_TO_FM301 = {
    1: "DBTH", 2: "DBZH", 3: "VRADH", 4: "WRADH", 5: "SQIH", 6: "CPA", 7: "ZDR",
    8: "LDR", 9: "RHOHV", 10: "PHIDP", 11: "KDP", 12: "CP", 13: "FLAG", 14: "HCLASS",
    15: "CF", 16: "SNRH", 17: "SNRV", 19: "POTS", 21: "COP", 26: "VELSZ", 27: "DR",
    32: "DBZH_CORR", 33: "VRADH_CORR", 34: "WRADH_CORR", 35: "ZDR_CORR",
}
# PyCINRAD's own names (StandardData.dtype_corr) -> FM301.
PYCINRAD_TO_FM301 = {
    "TREF": "DBTH", "REF": "DBZH", "VEL": "VRADH", "SW": "WRADH", "SQI": "SQIH",
    "CPA": "CPA", "ZDR": "ZDR", "LDR": "LDR", "RHO": "RHOHV", "PHI": "PHIDP",
    "KDP": "KDP", "CP": "CP", "HCL": "HCLASS", "CF": "CF", "SNRH": "SNRH",
    "SNRV": "SNRV", "POTS": "POTS", "COP": "COP", "VELSZ": "VELSZ", "DR": "DR",
    "Zc": "DBZH_CORR", "Vc": "VRADH_CORR", "Wc": "WRADH_CORR", "ZDRc": "ZDR_CORR",
}
# pycwr's names (WSR98DProtocol.flag2Product) -> FM301.
PYCWR_TO_FM301 = {
    "dBT": "DBTH", "dBZ": "DBZH", "V": "VRADH", "W": "WRADH", "SQI": "SQIH",
    "CPA": "CPA", "ZDR": "ZDR", "LDR": "LDR", "CC": "RHOHV", "PhiDP": "PHIDP",
    "KDP": "KDP", "CP": "CP", "HCL": "HCLASS", "CF": "CF", "SNRH": "SNRH",
    "SNRV": "SNRV", "Zc": "DBZH_CORR", "Vc": "VRADH_CORR", "Wc": "WRADH_CORR",
    "ZDRc": "ZDR_CORR", "FLAG": "FLAG", "Flag": "FLAG",
}
FM301_ORDER = list(dict.fromkeys(CODE_TO_FM301.values()))


def pkg_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def stats(values: np.ndarray, valid: np.ndarray) -> dict:
    """valid count and float64 mean/min/max over the valid gates."""
    v = np.asarray(values, dtype=np.float64)[valid]
    n = int(v.size)
    if n == 0:
        return {"valid": 0, "mean": None, "min": None, "max": None}
    return {
        "valid": n,
        "mean": float(np.sum(v, dtype=np.float64) / n),
        "min": float(v.min()),
        "max": float(v.max()),
    }


def order_moments(moments: dict) -> dict:
    return {k: moments[k] for k in sorted(moments, key=lambda k: (FM301_ORDER.index(k) if k in FM301_ORDER else 99, k))}


# ---------------------------------------------------------------------------
# Independent raw walk (ground truth for the notes / crosscheck)
# ---------------------------------------------------------------------------

def read_decompressed(path: str) -> bytes:
    with open(path, "rb") as fh:
        magic = fh.read(3)
    if magic.startswith(b"BZh"):
        with bz2.open(path, "rb") as fh:
            return fh.read()
    if magic.startswith(b"\x1f\x8b"):
        with gzip.open(path, "rb") as fh:
            return fh.read()
    with open(path, "rb") as fh:
        return fh.read()


def walk_raw(path: str) -> dict:
    """Walk the standard-format file; per sweep and moment, count raw codes
    and decode with each radial's own scale/offset (value = (raw-offset)/scale)."""
    buf = read_decompressed(path)
    magic, major, minor, generic_type = struct.unpack_from("<iHHi", buf, 0)
    if magic != 0x4D545352 or generic_type != 1:
        raise ValueError("not a CINRAD standard base-data file (magic/generic_type)")
    # task config at 160: task_name 32, task_desc 128, polar_type, scan_type, pulse_width, scan_start_time, cut_number
    cut_number, = struct.unpack_from("<i", buf, 160 + 32 + 128 + 16)
    cuts = []
    for i in range(cut_number):
        o = 416 + 256 * i
        cuts.append({
            "elevation": float(np.frombuffer(buf, "<f4", 1, o + 24)[0]),
            "log_reso": int(np.frombuffer(buf, "<i4", 1, o + 44)[0]),
            "dop_reso": int(np.frombuffer(buf, "<i4", 1, o + 48)[0]),
            "max_range1": int(np.frombuffer(buf, "<i4", 1, o + 52)[0]),
            "start_range": int(np.frombuffer(buf, "<i4", 1, o + 60)[0]),
        })
    pos = 416 + 256 * cut_number
    sweeps = {}   # elevation_number -> dict
    order = []
    n = len(buf)
    while pos + 64 <= n:
        state, = np.frombuffer(buf, "<i4", 1, pos)
        el_num = int(np.frombuffer(buf, "<i4", 1, pos + 16)[0])
        elev = float(np.frombuffer(buf, "<f4", 1, pos + 24)[0])
        moment_number = int(np.frombuffer(buf, "<i4", 1, pos + 40)[0])
        pos += 64
        sw = sweeps.get(el_num)
        if sw is None:
            sw = sweeps[el_num] = {"elev": [], "moments": {}}
            order.append(el_num)
        sw["elev"].append(elev)
        for _ in range(moment_number):
            dtype_code, scale, offset = (int(x) for x in np.frombuffer(buf, "<i4", 3, pos))
            bin_len = int(np.frombuffer(buf, "<i2", 1, pos + 12)[0])
            blen = int(np.frombuffer(buf, "<i4", 1, pos + 16)[0])
            pos += 32
            raw = np.frombuffer(buf, "<u1" if bin_len == 1 else "<u2", blen // bin_len, pos).astype(np.int64)
            pos += blen
            m = sw["moments"].setdefault(dtype_code, {"rays": 0, "gates": set(), "so": set(), "codes": np.zeros(5, np.int64),
                                                      "valid": 0, "sum": 0.0, "min": math.inf, "max": -math.inf, "eq5": 0})
            m["rays"] += 1
            m["gates"].add(raw.size)
            m["so"].add((scale, offset, bin_len))
            low = raw[raw < 5]
            m["codes"] += np.bincount(low, minlength=5)[:5]
            good = raw[raw >= 5]
            m["eq5"] += int(np.count_nonzero(good == 5))
            if good.size:
                val = (good.astype(np.float64) - offset) / scale
                m["valid"] += int(good.size)
                m["sum"] += float(np.sum(val, dtype=np.float64))
                m["min"] = min(m["min"], float(val.min()))
                m["max"] = max(m["max"], float(val.max()))
        if state in (4, 6):
            break
    out = []
    for idx, el_num in enumerate(order):
        sw = sweeps[el_num]
        cut = cuts[el_num - 1] if 0 < el_num <= len(cuts) else {}
        moms = {}
        for code, m in sw["moments"].items():
            name = CODE_TO_FM301.get(code, "CODE%d" % code)
            moms[name] = {
                "n_rays": m["rays"],
                "n_gates": sorted(m["gates"]),
                "scale_offset_binlen": sorted(m["so"]),
                "raw_lt5_counts": [int(c) for c in m["codes"]],
                "raw_eq5": m["eq5"],
                "valid": m["valid"],
                "mean": (m["sum"] / m["valid"]) if m["valid"] else None,
                "min": m["min"] if m["valid"] else None,
                "max": m["max"] if m["valid"] else None,
            }
        out.append({
            "elevation_number": el_num,
            "nominal_elevation_deg": cut.get("elevation"),
            "mean_ray_elevation_deg": float(np.mean(np.asarray(sw["elev"], dtype=np.float64))),
            "n_rays": len(sw["elev"]),
            "cut": cut,
            "moments": order_moments(moms),
        })
    return {"version": "%d.%d" % (major, minor), "bytes_left": n - pos, "sweeps": out}


# ---------------------------------------------------------------------------
# PyCINRAD
# ---------------------------------------------------------------------------

def run_pycinrad(path: str, raw: dict) -> dict:
    import cinrad

    sd = cinrad.io.StandardData(path)
    sweeps = []
    drange_info = []
    for tilt in sorted(sd.data):
        cfg = sd.scan_config[tilt]
        moments = {}
        spacing = {}
        n_gates = {}
        for dtype in sd.data[tilt]:
            doppler = dtype in ("VEL", "SW", "VELSZ")
            reso_km = (cfg.dop_reso if doppler else cfg.log_reso) / 1000
            n_raw = max(len(r) for r in sd.data[tilt][dtype])
            # get_raw keeps int(drange // reso) gates (cut or padded with masked).
            # drange = n_raw*reso suffers float floor (973*0.075//0.075 == 972), so
            # ask for half a gate more: exactly the file's gates, no cut, no pad.
            drange = (n_raw + 0.5) * reso_km
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ret = sd.get_raw(tilt, drange, dtype)
            arr = ret[0] if isinstance(ret, tuple) else ret
            data = np.ma.getdata(arr).astype(np.float64)
            valid = ~np.ma.getmaskarray(arr) & np.isfinite(data)
            name = PYCINRAD_TO_FM301.get(dtype, dtype)
            moments[name] = stats(data, valid)
            spacing[name] = reso_km * 1000
            n_gates[name] = int(arr.shape[1])
            drange_info.append({
                "sweep": tilt, "moment": name, "raw_gates": n_raw,
                "gates_if_drange_eq_n_times_reso": int((n_raw * reso_km) // reso_km),
                "gates_if_drange_eq_max_range1_km": int((cfg.max_range1 / 1000) // reso_km),
                "gates_if_drange_230km": int(230 // reso_km),
            })
        ng = sorted(set(n_gates.values()))
        sp = sorted(set(spacing.values()))
        sweeps.append({
            "elevation_deg": float(sd.el[tilt]),
            "mean_ray_elevation_deg": float(np.mean(np.asarray(sd.aux[tilt]["elevation"], dtype=np.float64))),
            "n_rays": len(sd.aux[tilt]["azimuth"]),
            "n_gates": ng[0] if len(ng) == 1 else n_gates,
            "gate_spacing_m": sp[0] if len(sp) == 1 else spacing,
            "moments": order_moments(moments),
        })
    return {"sweeps": sweeps, "drange_info": drange_info}


PYCINRAD_NOTES = [
    "API: sd = cinrad.io.StandardData(path); arr = sd.get_raw(tilt, drange_km, dtype) for every tilt in sd.data and every dtype in sd.data[tilt] "
    "(for VEL/SW/VELSZ get_raw returns (values, range_folded) and only values is used). get_data() returns the same values wrapped in xarray.",
    "Masking: np.ma.masked_less(raw, 5) on the raw integer codes, i.e. raw codes 0..4 are masked and raw == 5 is a VALID gate "
    "(e.g. RHOHV raw 5 -> 0.0). Range-folded (raw 1) in VEL/SW is masked in the values and returned separately as the RF array.",
    "Decoding: (raw - offset) / scale in float64, with scale/offset taken from the FIRST radial of the tilt that carries the moment "
    "(aux[tilt][dtype]); later radials' moment headers are ignored.",
    "Gates: get_raw keeps ngates = int(drange_km // reso_km) columns (reso = log_reso for everything except VEL/SW/VELSZ which use dop_reso): "
    "columns beyond are CUT, and if ngates exceeds the radial length the array is PADDED with masked gates (padding never counts as valid). "
    "These numbers use drange = (raw_gates + 0.5) * reso, i.e. exactly the file's gates, no cut, no pad. Beware: drange = raw_gates*reso "
    "loses one gate to float floor division on the X-band file (973*0.075 // 0.075 == 972); drange = max_range1/1000 gives 973 on X-band "
    "but 1840 (8 masked pad gates) on KLBB; the common drange=230 km cuts KLBB to 920 gates. See drange_info.",
    "Ranges: gate centres are reso, 2*reso, ... (np.arange(reso, drange+reso, reso)); the cut's start_range is ignored.",
    "Elevation: elevation_deg is sd.el[tilt] = the cut-config NOMINAL elevation (the value get_data puts in attrs['elevation'] and uses for "
    "geolocation); mean_ray_elevation_deg is the mean of the radial-header elevations, given for information.",
    "Sweeps are keyed by radial-header elevation_number - 1 (sorted), n_rays = radials of that elevation_number. Radials are stacked with "
    "np.array(list), which assumes every radial of a tilt has the same gate count. Moments with block_length 0 and unknown data types are "
    "skipped; zip_type 1 (LZO) raises NotImplementedError.",
]


# ---------------------------------------------------------------------------
# pycwr
# ---------------------------------------------------------------------------

def run_pycwr(path: str, raw: dict) -> dict:
    from pycwr.io import read_auto
    from pycwr.io.util import radar_format

    fmt = radar_format(path)
    prd = read_auto(path)
    fixed = np.asarray(prd.scan_info["fixed_angle"].values, dtype=np.float64)
    sweeps = []
    for i, ds in enumerate(prd.fields):
        rng = np.asarray(ds["range"].values, dtype=np.float64)
        moments = {}
        for var in ds.data_vars:
            data = np.asarray(ds[var].values, dtype=np.float64)
            moments[PYCWR_TO_FM301.get(var, var)] = stats(data, np.isfinite(data))
        entry = {
            "elevation_deg": float(fixed[i]),
            "mean_ray_elevation_deg": float(np.mean(np.asarray(ds["elevation"].values, dtype=np.float64))),
            "n_rays": int(ds.sizes["time"]),
            "n_gates": int(ds.sizes["range"]),
            "gate_spacing_m": float(rng[1] - rng[0]) if rng.size > 1 else None,
            "first_gate_range_m": float(rng[0]) if rng.size else None,
            "moments": order_moments(moments),
        }
        native = {}
        for field, per_sweep in prd.extended_fields.items():
            if i in per_sweep:
                d = np.asarray(per_sweep[i]["data"], dtype=np.float64)
                native[PYCWR_TO_FM301.get(field, field)] = dict(stats(d, np.isfinite(d)), n_gates=int(d.shape[1]))
        if native:
            entry["native_range_moments"] = native
        sweeps.append(entry)
    return {"sweeps": sweeps, "detected_format": fmt}


PYCWR_NOTES = [
    "API: prd = pycwr.io.read_auto(path) (radar_format() detects the 'RSTM' magic as 'WSR98D' -> WSR98DFile.WSR98DBaseData -> "
    "WSR98D2NRadar -> PRD); numbers are over prd.fields[sweep][var] (the default 'aligned' range mode). Fields are float64 arrays with NaN "
    "for missing; valid = isfinite.",
    "Masking: per radial, raw codes < 5 become NaN (raw == 5 is valid); decoding is (float32(raw) - offset) / scale in FLOAT32, with the "
    "scale/offset of EACH radial's own moment header. Values are float32-rounded, so means differ from a float64 decode in ~1e-7 relative.",
    "Gates: the volume is one dense (nrays, max_bins) grid padded with NaN; each sweep is then sliced to bins_per_sweep[sweep] = gate count "
    "of the first of V, Vc, W, Wc, dBZ, Zc, dBT present in the sweep's first radial, so a moment longer than that reference is TRUNCATED "
    "and a shorter one is NaN-padded (padding never counts as valid). If log_reso != dop_reso in any cut, dBZ is nearest-neighbour "
    "resampled onto the Doppler range grid and its native-range copy is kept in prd.extended_fields (reported as native_range_moments).",
    "Ranges: one range vector for the whole volume, linspace(res, res*max_bins, max_bins) with res = DopplerResolution of CUT 0 "
    "(decoding 'value >= 32768 -> (value-32768)/100 m'); the cut's start_range is ignored.",
    "Elevation: elevation_deg is scan_info.fixed_angle = the cut-config NOMINAL elevation; per-ray elevations are the radial-header "
    "values (values > 180 mapped to value - 360), their mean given as mean_ray_elevation_deg.",
    "Sweeps are split on radial_state (0/3 start, 2/4 end), not on elevation_number. A reflectivity-only sweep followed by a Doppler-only "
    "sweep within 0.5 deg is merged (dBZ copied by nearest azimuth onto the Doppler sweep) and the reflectivity-only sweep is dropped. "
    "Data types > 35 are dropped; codes 0, 13, 18-31 all land in one 'Flag' field (last one wins).",
]


# ---------------------------------------------------------------------------

def crosscheck(peer: str, result: dict, raw: dict) -> dict:
    """Compare the peer's per-sweep valid counts/stats with the raw walk."""
    rows = []
    all_valid_equal = True
    max_mean_rel = 0.0
    for i, sw in enumerate(result.get("sweeps", [])):
        if i >= len(raw["sweeps"]):
            rows.append({"sweep": i, "raw": "no matching raw sweep"})
            all_valid_equal = False
            continue
        rsw = raw["sweeps"][i]
        for name, st in sw["moments"].items():
            rm = rsw["moments"].get(name)
            if rm is None:
                rows.append({"sweep": i, "moment": name, "raw": "absent"})
                all_valid_equal = False
                continue
            if st["valid"] != rm["valid"]:
                all_valid_equal = False
                rows.append({"sweep": i, "moment": name, "peer_valid": st["valid"], "raw_valid_ge5": rm["valid"]})
            if st["valid"] and rm["valid"]:
                rel = abs(st["mean"] - rm["mean"]) / max(abs(rm["mean"]), 1e-12)
                max_mean_rel = max(max_mean_rel, rel)
        missing = sorted(set(rsw["moments"]) - set(sw["moments"]))
        if missing:
            rows.append({"sweep": i, "moments_in_file_not_in_peer": missing})
    return {
        "valid_equals_raw_ge5_count_over_all_file_gates": all_valid_equal,
        "max_relative_mean_difference_vs_float64_raw_decode": max_mean_rel,
        "differences": rows,
    }


def raw_summary(raw: dict) -> dict:
    rows = []
    for sw in raw["sweeps"]:
        rows.append({
            "elevation_number": sw["elevation_number"],
            "nominal_elevation_deg": sw["nominal_elevation_deg"],
            "mean_ray_elevation_deg": sw["mean_ray_elevation_deg"],
            "n_rays": sw["n_rays"],
            "cut": sw["cut"],
            "moments": {k: {"n_gates": v["n_gates"], "scale_offset_binlen": v["scale_offset_binlen"],
                            "raw_lt5_counts[0..4]": v["raw_lt5_counts"], "raw_eq5": v["raw_eq5"]}
                        for k, v in sw["moments"].items()},
        })
    return {"format_version": raw["version"], "bytes_left_after_walk": raw["bytes_left"], "sweeps": rows}


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError("not JSON serializable: %r" % (o,))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default="/work/shared/data/radar")
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--peer", choices=["all", "pycinrad", "pycwr"], default="all")
    ap.add_argument("--only", choices=sorted(FILES), action="append", help="restrict to these short names")
    args = ap.parse_args(argv)
    command = shlex.join([sys.executable] + sys.argv)
    peers = {
        "pycinrad": ("pycinrad " + pkg_version("cinrad"), run_pycinrad, PYCINRAD_NOTES),
        "pycwr": ("pycwr " + pkg_version("pycwr"), run_pycwr, PYCWR_NOTES),
    }
    os.makedirs(args.out, exist_ok=True)
    for short, base in FILES.items():
        if args.only and short not in args.only:
            continue
        path = os.path.join(args.data_dir, base)
        raw = walk_raw(path)
        for key, (label, fn, notes) in peers.items():
            if args.peer not in ("all", key):
                continue
            doc = {"peer": label, "file": base, "command": command,
                   "environment": {"python": sys.version.split()[0], "numpy": pkg_version("numpy"),
                                   "venv": sys.prefix}}
            try:
                res = fn(path, raw)
                doc["sweeps"] = res.pop("sweeps")
                doc["notes"] = {"semantics": notes}
                doc["notes"].update(res)
                doc["notes"]["crosscheck"] = crosscheck(key, {"sweeps": doc["sweeps"]}, raw)
            except Exception as exc:  # record the failure instead of numbers
                doc["error"] = "%s: %s" % (type(exc).__name__, exc)
                doc["traceback"] = traceback.format_exc().splitlines()[-6:]
                doc["notes"] = {"semantics": notes}
            doc["notes"]["raw_file"] = raw_summary(raw)
            out = os.path.join(args.out, "cinrad_%s_%s.json" % (short, key))
            with open(out, "w") as fh:
                json.dump(doc, fh, indent=1, allow_nan=False, default=_json_default)
                fh.write("\n")
            print("wrote", os.path.relpath(out, REPO_ROOT), "(error: %s)" % doc["error"] if "error" in doc else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
