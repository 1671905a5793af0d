#!/usr/bin/env python3
"""Side-by-side wall time of Py-ART's and Squall's gridding of the KLBB volume (41 x 201 x 201 at 1 km).

Py-ART (arm_pyart 2.3.0): ``pyart.map.grid_from_radars(radar, grid_shape=(41, 201, 201),
grid_limits=((0, 20000), (-100000, 100000), (-100000, 100000)), fields=["reflectivity"],
weighting_function="Barnes2")`` (Py-ART's defaults otherwise: dist_beam radius of influence), timed ``--runs``
times in-process after one warm-up, the volume read once beforehand.

Squall: ``target/release/examples/grid_timing FILE RUNS barnes2 [BIN_FRACTION]`` (build it first with
``cargo build --release --example grid_timing``), same grid, same weighting and radius of influence, the volume
read once beforehand; it reports the median of RUNS cold runs (mapping built, then applied) and of RUNS warm runs
(the mapping reused), RUNS = ``--squall-runs`` per call. Both are run in this one invocation, alternately, so that
the machine's load affects both. Prints the medians and the ratios Py-ART / Squall. With ``--baseline OTHER`` another
``grid_timing`` build (e.g. the main branch's, copied aside) is run alternately too, and its medians and the ratios
baseline / Squall are printed: that ratio depends little on the load.

Run from the repo root::

    /work/peers-venv/bin/python benches/compare/grid_speed.py [--runs 5] [--bin-fraction 0.7] [--baseline PATH]
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
    ap.add_argument("--squall-runs", type=int, default=3, help="cold and warm runs per grid_timing call (median)")
    ap.add_argument("--baseline", default=None, help="another grid_timing binary to time alternately")
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

    def squall_once(binary: str) -> dict:
        cmd = [binary, path, str(args.squall_runs), "barnes2"] + ([args.bin_fraction] if args.bin_fraction else [])
        return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())

    pyart_once()
    squall_once(args.squall)
    py, cold, warm, base_cold, base_warm, info = [], [], [], [], [], {}
    for _ in range(args.runs):
        py.append(pyart_once())
        info = squall_once(args.squall)
        cold.append(info["cold_median_s"])
        warm.append(info["warm_median_s"])
        if args.baseline:
            base = squall_once(args.baseline)
            base_cold.append(base["cold_median_s"])
            base_warm.append(base["warm_median_s"])
    py_m, cold_m, warm_m = statistics.median(py), statistics.median(cold), statistics.median(warm)
    print(f"KLBB -> 41 x 201 x 201 at 1 km, Barnes2, median of {args.runs} alternating runs "
          f"(Squall: {info.get('threads')} threads, {info.get('bins')} bins, {info.get('weights')} weights)")
    print(f"  Py-ART grid_from_radars        {py_m:8.3f} s")
    print(f"  Squall cold (build + apply)    {cold_m:8.3f} s   ratio {py_m / cold_m:6.1f}x")
    print(f"  Squall warm (mapping reused)   {warm_m:8.3f} s   ratio {py_m / warm_m:6.1f}x")
    if args.baseline:
        bc, bw = statistics.median(base_cold), statistics.median(base_warm)
        print(f"  baseline cold                  {bc:8.3f} s   baseline / Squall {bc / cold_m:5.2f}x")
        print(f"  baseline warm                  {bw:8.3f} s   baseline / Squall {bw / warm_m:5.2f}x")
    print(f"  load average {os.getloadavg()[0]:.1f} (1 min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
