#!/usr/bin/env python3
"""Side-by-side wall time of Py-ART's and Squall's gridding of the KLBB volume (41 x 201 x 201 at 1 km).

Py-ART (arm_pyart 2.3.0): ``pyart.map.grid_from_radars(radar, grid_shape=(41, 201, 201),
grid_limits=((0, 20000), (-100000, 100000), (-100000, 100000)), fields=["reflectivity"],
weighting_function="Barnes2")`` (Py-ART's defaults otherwise: dist_beam radius of influence), timed ``--runs``
times in-process after one warm-up, the volume read once beforehand.

Squall: ``target/release/examples/grid_timing FILE RUNS barnes2 [BIN_FRACTION]`` (build it first with
``cargo build --release --example grid_timing``), same grid, same weighting and radius of influence, the volume
read once beforehand; it reports the median of RUNS cold runs (mapping built, then applied) and of RUNS warm runs
(the mapping reused). Both are run in this one invocation, alternately, so that the machine's load affects both.
Prints the medians and the ratios Py-ART / Squall.

Run from the repo root::

    /work/peers-venv/bin/python benches/compare/grid_speed.py [--runs 5] [--bin-fraction 0.7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
FILE = "KLBB20160601_150025_V06"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "radar"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--bin-fraction", default=None, help="Squall's GridConfig::bin_fraction (default: its default)")
    ap.add_argument("--squall", default=os.path.join(REPO_ROOT, "target", "release", "examples", "grid_timing"))
    args = ap.parse_args()
    import pyart

    path = os.path.join(os.path.abspath(args.data_dir), FILE)
    radar = pyart.io.read_nexrad_archive(path)

    def pyart_once() -> float:
        t0 = time.perf_counter()
        pyart.map.grid_from_radars(
            radar,
            grid_shape=(41, 201, 201),
            grid_limits=((0.0, 20000.0), (-100000.0, 100000.0), (-100000.0, 100000.0)),
            fields=["reflectivity"],
            weighting_function="Barnes2",
        )
        return time.perf_counter() - t0

    def squall_once() -> dict:
        cmd = [args.squall, path, "1", "barnes2"] + ([args.bin_fraction] if args.bin_fraction else [])
        return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())

    pyart_once()
    squall_once()
    py, cold, warm, info = [], [], [], {}
    for _ in range(args.runs):
        py.append(pyart_once())
        info = squall_once()
        cold.append(info["cold_median_s"])
        warm.append(info["warm_median_s"])
    py_m, cold_m, warm_m = statistics.median(py), statistics.median(cold), statistics.median(warm)
    print(f"KLBB -> 41 x 201 x 201 at 1 km, Barnes2, median of {args.runs} alternating runs "
          f"(Squall: {info.get('threads')} threads, {info.get('bins')} bins, {info.get('weights')} weights)")
    print(f"  Py-ART grid_from_radars        {py_m:8.3f} s")
    print(f"  Squall cold (build + apply)    {cold_m:8.3f} s   ratio {py_m / cold_m:6.1f}x")
    print(f"  Squall warm (mapping reused)   {warm_m:8.3f} s   ratio {py_m / warm_m:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
