#!/usr/bin/env python3
"""Py-ART reference grids of the KLBB NEXRAD volume for Squall's gridding (arm_pyart 2.3.0).

Reads ``KLBB20160601_150025_V06`` with ``pyart.io.read_nexrad_archive`` and grids ``reflectivity`` with
``pyart.map.grid_from_radars`` on 41 x 201 x 201 cells: levels 0-20 km every 500 m above the antenna
(Py-ART's default ``grid_origin_alt`` = the radar altitude), x and y -100..100 km every 1 km, centred on the
radar, with Py-ART's defaults otherwise (``roi_func="dist_beam"``, ``nb=1``, ``bsp=1``, ``min_radius=250``,
all gates, masked gates skipped) for each weighting in ``WEIGHTINGS`` (Barnes2, Cressman).

Writes to ``testdata/reference/``:

  * ``grid_klbb_pyart.json``: the grid definition, per weighting the count/mean/min/max of the valid cells and
    the per-level valid counts, the wall time of the call, the command line;
  * ``grid_klbb_pyart_<weighting>.i16.gz``: the whole grid subsampled every 2nd cell in x and y (rows and
    columns 0, 2, ..., 200), shape (41, 101, 101), as gzip-compressed little-endian int16 of round(10 dBZ)
    (0.1 dB steps), masked cells = -32768.

With ``--squall BINARY`` (``target/release/examples/grid_timing``) the script also runs Squall on the same
volume and prints the correlation of the two grids over the cells valid in both.

Run from the repo root::

    /work/peers-venv/bin/python benches/compare/grid_reference.py \
        [--data-dir ../shared/data/radar] [--out testdata/reference] [--squall target/release/examples/grid_timing]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FILE = "KLBB20160601_150025_V06"
WEIGHTINGS = {"barnes2": "Barnes2", "cressman": "Cressman"}
SHAPE = (41, 201, 201)
LIMITS = ((0.0, 20000.0), (-100000.0, 100000.0), (-100000.0, 100000.0))
STRIDE = 2
MISSING = -32768


def pyart_grid(radar, weighting: str):
    import pyart

    t0 = time.perf_counter()
    grid = pyart.map.grid_from_radars(
        radar, grid_shape=SHAPE, grid_limits=LIMITS, fields=["reflectivity"], weighting_function=weighting
    )
    elapsed = time.perf_counter() - t0
    data = grid.fields["reflectivity"]["data"]
    return np.ma.filled(data.astype(np.float64), np.nan), elapsed


def squall_grid(binary: str, path: str, weighting: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "grid.f32")
        subprocess.run([binary, path, "1", weighting, "0.7", out], check=True, capture_output=True)
        return np.fromfile(out, dtype="<f4").reshape(SHAPE).astype(np.float64)


def stats(values: np.ndarray) -> dict:
    valid = np.isfinite(values)
    v = values[valid]
    return {
        "valid": int(valid.sum()),
        "mean": float(v.mean()) if v.size else None,
        "min": float(v.min()) if v.size else None,
        "max": float(v.max()) if v.size else None,
        "valid_per_level": [int(n) for n in valid.sum(axis=(1, 2))],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "radar"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--squall", default=None, help="path of the grid_timing example, to compare")
    args = ap.parse_args()
    import pyart

    path = os.path.join(os.path.abspath(args.data_dir), FILE)
    radar = pyart.io.read_nexrad_archive(path)
    record = {
        "peer": f"arm_pyart {pyart.__version__}",
        "file": FILE,
        "command": " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]),
        "call": "pyart.map.grid_from_radars(radar, grid_shape=(41, 201, 201), grid_limits=((0, 20000), "
        "(-100000, 100000), (-100000, 100000)), fields=['reflectivity'], weighting_function=W)",
        "grid": {
            "shape": list(SHAPE),
            "z_m_above_antenna": [LIMITS[0][0], LIMITS[0][1]],
            "xy_m": [LIMITS[1][0], LIMITS[1][1]],
            "radar_altitude_m": float(radar.altitude["data"][0]),
            "radar_latitude_deg": float(radar.latitude["data"][0]),
            "radar_longitude_deg": float(radar.longitude["data"][0]),
        },
        "subsample": {"stride": STRIDE, "shape": [SHAPE[0], 101, 101], "scale": 0.1, "missing": MISSING},
        "roi": {"roi_func": "dist_beam", "nb": 1.0, "bsp": 1.0, "min_radius": 250.0},
        "weightings": {},
    }
    for key, name in WEIGHTINGS.items():
        values, elapsed = pyart_grid(radar, name)
        record["weightings"][key] = {"pyart_name": name, "seconds": elapsed, **stats(values)}
        sub = values[:, ::STRIDE, ::STRIDE]
        q = np.where(np.isfinite(sub), np.round(sub * 10.0), MISSING).astype("<i2")
        with open(os.path.join(args.out, f"grid_klbb_pyart_{key}.i16.gz"), "wb") as f:
            f.write(gzip.compress(q.tobytes(), mtime=0))
        print(f"{name}: {record['weightings'][key]['valid']} valid cells, {elapsed:.2f} s")
        if args.squall:
            sq = squall_grid(args.squall, path, key)
            both = np.isfinite(sq) & np.isfinite(values)
            r = np.corrcoef(sq[both], values[both])[0, 1]
            only_py = int((np.isfinite(values) & ~np.isfinite(sq)).sum())
            only_sq = int((np.isfinite(sq) & ~np.isfinite(values)).sum())
            bias = float((sq[both] - values[both]).mean())
            mad = float(np.abs(sq[both] - values[both]).mean())
            print(f"  squall: r = {r:.4f} over {int(both.sum())} cells, bias {bias:+.3f} dB, mean |diff| "
                  f"{mad:.3f} dB; only Py-ART {only_py}, only Squall {only_sq}")
    with open(os.path.join(args.out, "grid_klbb_pyart.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
