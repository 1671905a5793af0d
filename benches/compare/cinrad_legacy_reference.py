#!/usr/bin/env python3
"""Peer reference numbers for Squall's legacy CINRAD SA/SB reader and writer.

No original legacy SA file is available, so Squall writes a deterministic synthetic
one (``squall::io::cinrad_legacy::reference_volume(42)`` encoded with ``to_bytes``,
11 cuts: two split low tilts + 7 batch tilts, 360 radials, 2432-byte records)::

    cargo run --release --example cinrad_legacy_synthetic -- /tmp/squall_legacy_synthetic_SA.bin 42

and this script reads that file with the two Python peers

  * PyCINRAD (pip ``cinrad``): ``cinrad.io.CinradReader(path, radar_type="SA")`` + ``get_raw``
  * pycwr    (pip ``pycwr``):  ``pycwr.io.read_auto`` (-> SABFile.SAB2NRadar -> PRD)

writing ``testdata/reference/cinrad_legacy_synthetic_<peer>.json`` with per-sweep
geometry and per-moment statistics (valid gate count, float64 mean/min/max) of what
the peer hands back, plus the file's length and CRC-32 so that the Rust test can
check it regenerates exactly the bytes the peers read. If the peers understand the
file as Squall wrote it, the writer produces what the established readers expect.

An independent walk of the raw records (``walk_raw``: header fields at the spec's
offsets, blocks at 28 + pointer) is recorded under ``notes.raw_file`` and used to
cross-check both peers (``notes.crosscheck``).

The peers are not a dependency of Squall; install them outside the repo (see
``cinrad_reference.py``), then run from the repo root::

    /work/peers-venv/bin/python benches/compare/cinrad_legacy_reference.py \
        [--file /tmp/squall_legacy_synthetic_SA.bin] [--out testdata/reference] [--peer all]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import traceback
import warnings
import zlib
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_FILE = "/tmp/squall_legacy_synthetic_SA.bin"
GENERATOR = "cargo run --release --example cinrad_legacy_synthetic -- {file} 42"
RECORD = 2432

PYCINRAD_TO_FM301 = {"REF": "DBZH", "VEL": "VRADH", "SW": "WRADH"}
PYCWR_TO_FM301 = {"dBZ": "DBZH", "V": "VRADH", "W": "WRADH"}
ORDER = ["DBZH", "VRADH", "WRADH"]


def pkg_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def stats(values, valid) -> dict:
    v = np.asarray(values, dtype=np.float64)[valid]
    n = int(v.size)
    if n == 0:
        return {"valid": 0, "mean": None, "min": None, "max": None}
    return {"valid": n, "mean": float(np.sum(v, dtype=np.float64) / n), "min": float(v.min()), "max": float(v.max())}


def ordered(moments: dict) -> dict:
    return {k: moments[k] for k in sorted(moments, key=lambda k: ORDER.index(k) if k in ORDER else 99)}


# ---------------------------------------------------------------------------
# Independent raw walk
# ---------------------------------------------------------------------------

HEADER = np.dtype([
    ("reserved0", "<u2", 7), ("flag", "<u2"), ("reserved1", "<u2", 6),
    ("time_ms", "<u4"), ("day", "<u2"), ("unambiguous_range", "<u2"), ("azimuth", "<u2"),
    ("radial_number", "<u2"), ("radial_status", "<u2"), ("elevation", "<u2"), ("elevation_number", "<u2"),
    ("first_gate_z", "<i2"), ("first_gate_d", "<i2"), ("gate_size_z", "<u2"), ("gate_size_d", "<u2"),
    ("gates_z", "<u2"), ("gates_d", "<u2"), ("sector", "<u2"), ("calibration", "<u4"),
    ("pointer_z", "<u2"), ("pointer_v", "<u2"), ("pointer_w", "<u2"), ("velocity_resolution", "<u2"),
    ("vcp", "<u2"), ("reserved2", "<u2", 4), ("playback", "<u2", 3), ("nyquist", "<u2"), ("reserved3", "<u2", 19),
])
assert HEADER.itemsize == 128


def walk_raw(buf: bytes) -> dict:
    """Per cut (split where the elevation number changes): header geometry and code counts."""
    n = len(buf) // RECORD
    h = np.frombuffer(buf, np.uint8, n * RECORD).reshape(n, RECORD)[:, :128].copy().view(HEADER).ravel()
    cuts = []
    start = 0
    for i in range(1, n + 1):
        if i == n or h["elevation_number"][i] != h["elevation_number"][i - 1]:
            cuts.append(range(start, i))
            start = i
    out = []
    for cut in cuts:
        first = h[cut.start]
        moments = {}
        for name, count, pointer in (("DBZH", "gates_z", "pointer_z"), ("VRADH", "gates_d", "pointer_v"),
                                     ("WRADH", "gates_d", "pointer_w")):
            codes = [np.frombuffer(buf, np.uint8, int(h[count][i]), i * RECORD + 28 + int(h[pointer][i]))
                     for i in cut if h[count][i] > 0]
            if not codes:
                continue
            c = np.concatenate(codes).astype(np.int64)
            if name == "DBZH":
                val = (c - 2) / 2 - 32
            elif name == "VRADH" and first["velocity_resolution"] == 4:
                val = (c - 2) - 127.0
            else:
                val = (c - 2) / 2 - 63.5
            moments[name] = dict(stats(val, c >= 2), gates=sorted({len(x) for x in codes}),
                                 no_echo=int(np.count_nonzero(c == 0)), range_folded=int(np.count_nonzero(c == 1)),
                                 pointers=sorted({int(h[pointer][i]) for i in cut if h[count][i] > 0}))
        out.append({
            "elevation_number": int(first["elevation_number"]),
            "n_rays": len(cut),
            "first_ray_elevation_deg": float(first["elevation"]) / 8 * 180 / 4096,
            "statuses": sorted({int(s) for s in h["radial_status"][cut.start:cut.stop]}),
            "first_gate_z_m": int(first["first_gate_z"]), "gate_size_z_m": int(first["gate_size_z"]),
            "first_gate_d_m": int(first["first_gate_d"]), "gate_size_d_m": int(first["gate_size_d"]),
            "velocity_resolution": int(first["velocity_resolution"]), "nyquist_mps": int(first["nyquist"]) / 100,
            "moments": ordered(moments),
        })
    return {"records": n, "flags": sorted({int(f) for f in h["flag"]}), "sweeps": out}


# ---------------------------------------------------------------------------
# PyCINRAD
# ---------------------------------------------------------------------------

def run_pycinrad(path: str) -> dict:
    import cinrad

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = cinrad.io.CinradReader(path, radar_type="SA")
    sweeps = []
    for tilt in sorted(f.data):
        moments, gates, spacing = {}, {}, {}
        for dtype in ("REF", "VEL", "SW"):
            n_raw = f.data[tilt][dtype].shape[1]
            if n_raw == 0:
                continue
            reso = f.Rreso if dtype == "REF" else f.Vreso
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ret = f.get_raw(tilt, (n_raw + 0.5) * reso, dtype)
            arr = ret[0] if isinstance(ret, tuple) else ret
            data = np.ma.getdata(arr).astype(np.float64)
            name = PYCINRAD_TO_FM301[dtype]
            moments[name] = stats(data, ~np.ma.getmaskarray(arr) & np.isfinite(data))
            gates[name] = int(arr.shape[1])
            spacing[name] = float(reso * 1000)
        sweeps.append({
            "elevation_deg": float(f.el[tilt]),
            "n_rays": int(len(f.data[tilt]["azimuth"])),
            "n_gates": gates,
            "gate_spacing_m": spacing,
            "nyquist_mps": float(f.nyquist_v[tilt]),
            "moments": ordered(moments),
        })
    return {"sweeps": sweeps, "scan_time": str(f.scantime), "task": f.task_name}


PYCINRAD_NOTES = [
    "API: f = cinrad.io.CinradReader(path, radar_type='SA') (the file name carries no type); for every tilt and every "
    "dtype with gates, get_raw(tilt, (n_raw + 0.5) * reso, dtype) -> exactly the file's gates (VEL/SW return "
    "(values, range_folded); only values are used).",
    "Sweeps: split where radial_num == 1, so the surveillance and Doppler cuts of a split tilt are separate sweeps, as "
    "in Squall. elevation_deg is the elevation of the cut's first radial.",
    "Gates: each moment keeps its own gates: REF on the 1000 m reflectivity gates, VEL/SW on the 250 m Doppler gates "
    "(n_gates and gate_spacing_m are per moment). Squall puts REF on the Doppler axis in a batch cut (each "
    "reflectivity gate repeated), so the test compares PyCINRAD's REF with Squall's DBZH at every 4th gate (the gate "
    "at each reflectivity gate's centre), which are exactly the file's reflectivity gates.",
    "Blocks: PyCINRAD ignores the data pointers and reads the blocks packed behind the header (reflectivity, then "
    "velocity after the reflectivity gates present, then width), using the gate counts of the cut's first radial.",
    "Masking: REF masks code 0 only (code 1, range folded, would decode to -32.5 dBZ and count as valid; the synthetic "
    "file has no range-folded reflectivity); VEL and SW mask codes 0 and 1. Decoding: (code-2)/2-32 dBZ; velocity "
    "(code-2)/2-63.5 at resolution 2; PyCINRAD also applies the resolution to SW (the file uses resolution 2).",
    "Time: 1970-01-01 + (day - 1) days + ms, as in Squall.",
]


# ---------------------------------------------------------------------------
# pycwr
# ---------------------------------------------------------------------------

def run_pycwr(path: str) -> dict:
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
        sweeps.append({
            "elevation_deg": float(fixed[i]),
            "mean_ray_elevation_deg": float(np.mean(np.asarray(ds["elevation"].values, dtype=np.float64))),
            "n_rays": int(ds.sizes["time"]),
            "n_gates": int(ds.sizes["range"]),
            "gate_spacing_m": float(rng[1] - rng[0]),
            "first_gate_range_m": float(rng[0]),
            "moments": ordered(moments),
        })
    return {"sweeps": sweeps, "detected_format": fmt}


PYCWR_NOTES = [
    "API: prd = pycwr.io.read_auto(path) (radar_format() sees bytes 14-15 = 01 00 and a size multiple of 2432 -> 'SAB' "
    "-> SABFile.SABBaseData -> SAB2NRadar -> PRD); numbers are over prd.fields[sweep][var], valid = isfinite.",
    "Sweeps: split on radial status (0/3 start, 2/4 end). A reflectivity-only cut followed by a Doppler-only cut is "
    "MERGED: the reflectivity radials are copied by nearest azimuth onto the Doppler cut and the reflectivity-only cut "
    "is dropped, so the 11 cuts become 9 sweeps: pycwr sweep 0 = Squall sweeps 0 (DBZH) + 1 (VRADH, WRADH), pycwr 1 = "
    "Squall 2 + 3, pycwr i >= 2 = Squall i + 2. The azimuths of the split cuts are identical, so the copy is ray for "
    "ray.",
    "Elevation: with 9 sweeps pycwr takes fixed_angle from a hard-coded VCP table (0.5, 1.45, 2.4, 3.35, 4.3, 6.0, 9.0, "
    "14.6, 19.5), not from the file (the synthetic 7th tilt is 9.9 deg); mean_ray_elevation_deg (radial headers) is "
    "what the test compares.",
    "Blocks: read at 28 + pointer with the radial's own gate counts, as Squall does. Decoding: (code-2)/2 + base in "
    "float32, base -32 for dBZ and -63.5 for V and W, codes 0 and 1 -> NaN; the velocity resolution field is ignored "
    "(0.5 m/s assumed; the file uses 0.5 m/s).",
    "Gates: one Doppler range axis linspace(250, 250 * 920, 920) (GateSizeOfDoppler of the first radial; the header's "
    "first-gate ranges are ignored); V and W are the file's gates. dBZ is resampled onto that axis by nearest "
    "reflectivity gate, the reflectivity gates assumed at 250 + 1000 k m (ties to the nearer gate), and only where the "
    "Doppler gate is not beyond the last reflectivity gate centre: Doppler gate j takes reflectivity gate "
    "round-half-down(j / 4) for j <= 4 (n_z - 1). Squall's mapping is the same (both first gates are 125 m in the "
    "file) but also fills the Doppler gates in the outer half of the last reflectivity gate (j = 4 n_z - 3, "
    "4 n_z - 2); the test restricts Squall's DBZH to j <= 4 (n_z - 1) for this comparison.",
]


# ---------------------------------------------------------------------------

def crosscheck_pycinrad(result: dict, raw: dict) -> dict:
    rows, equal = [], True
    for i, (sw, rsw) in enumerate(zip(result["sweeps"], raw["sweeps"])):
        for name, st in sw["moments"].items():
            rm = rsw["moments"].get(name)
            same = rm is not None and rm["valid"] == st["valid"] and abs(rm["mean"] - st["mean"]) < 1e-9
            equal &= same
            if not same:
                rows.append({"sweep": i, "moment": name, "peer": st, "raw": rm})
    return {"valid_and_mean_equal_raw_walk": equal and len(result["sweeps"]) == len(raw["sweeps"]),
            "differences": rows}


def crosscheck_pycwr(result: dict, raw: dict) -> dict:
    """V/W of each pycwr sweep against the raw cut it comes from."""
    doppler_cuts = [s for s in raw["sweeps"] if "VRADH" in s["moments"]]
    rows, equal = [], len(doppler_cuts) == len(result["sweeps"])
    for i, (sw, rsw) in enumerate(zip(result["sweeps"], doppler_cuts)):
        for name in ("VRADH", "WRADH"):
            st, rm = sw["moments"][name], rsw["moments"][name]
            same = rm["valid"] == st["valid"] and abs(rm["mean"] - st["mean"]) < 1e-6
            equal &= same
            if not same:
                rows.append({"sweep": i, "moment": name, "peer": st, "raw": rm})
    return {"velocity_and_width_equal_raw_walk": equal, "differences": rows}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--peer", choices=["all", "pycinrad", "pycwr"], default="all")
    args = ap.parse_args(argv)
    command = shlex.join([sys.executable] + sys.argv)
    with open(args.file, "rb") as fh:
        buf = fh.read()
    raw = walk_raw(buf)
    peers = {
        "pycinrad": ("pycinrad " + pkg_version("cinrad"), run_pycinrad, PYCINRAD_NOTES, crosscheck_pycinrad),
        "pycwr": ("pycwr " + pkg_version("pycwr"), run_pycwr, PYCWR_NOTES, crosscheck_pycwr),
    }
    os.makedirs(args.out, exist_ok=True)
    for key, (label, fn, notes, check) in peers.items():
        if args.peer not in ("all", key):
            continue
        doc = {
            "peer": label,
            "file": {"generator": GENERATOR.format(file=args.file), "bytes": len(buf),
                     "crc32": "%08x" % (zlib.crc32(buf) & 0xFFFFFFFF), "records": len(buf) // RECORD},
            "command": command,
            "environment": {"python": sys.version.split()[0], "numpy": pkg_version("numpy"), "venv": sys.prefix},
        }
        try:
            res = fn(args.file)
            doc["sweeps"] = res.pop("sweeps")
            doc["notes"] = {"semantics": notes}
            doc["notes"].update(res)
            doc["notes"]["crosscheck"] = check({"sweeps": doc["sweeps"]}, raw)
        except Exception as exc:  # record the failure instead of numbers
            doc["error"] = "%s: %s" % (type(exc).__name__, exc)
            doc["traceback"] = traceback.format_exc().splitlines()[-6:]
            doc["notes"] = {"semantics": notes}
        doc["notes"]["raw_file"] = raw
        out = os.path.join(args.out, "cinrad_legacy_synthetic_%s.json" % key)
        with open(out, "w") as fh:
            json.dump(doc, fh, indent=1, allow_nan=False)
            fh.write("\n")
        print("wrote", os.path.relpath(out, REPO_ROOT), "(error: %s)" % doc["error"] if "error" in doc else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
