#!/usr/bin/env python3
"""Side-by-side wall time of pysteps' and Squall's motion estimators on the same real input.

For each sequence (default: the 512 x 512 BoM one) the three frames ending at ``--end`` are read with
pysteps' importer, converted to rain rate (FMI: Marshall-Palmer from dBZ) and to dB
(``dB_transform(threshold=0.1, zerovalue=-15.0)``), then each pysteps method is timed ``--runs`` times
in-process after one warm-up call:

  * ``lk``: ``pysteps.motion.get_method("LK")`` (``dense_lucaskanade`` defaults);
  * ``constant``: ``pysteps.motion.get_method("constant")``.

Squall is timed by ``target/release/examples/motion_timing`` (same frames, same preprocessing, median of
the same number of runs after a warm-up; build it first with
``cargo build --release --example motion_timing``). Squall's TREC/COTREC have no pysteps counterpart and
are timed alone. Prints one line per method with both medians and the ratio pysteps / Squall.

Run from the repo root::

    /work/peers-venv/bin/python benches/compare/motion_speed.py [--only bom|rmi|fmi] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from motion_reference import REPO_ROOT, SERVICES, load_rain_rate  # noqa: E402

FOLDERS = {
    "bom": "radar/bom/prcp-cscn/2/2018/06/16",
    "rmi": "radar/rmi/radqpe/20210704",
    "fmi": "radar/fmi/pgm/20160928",
}


def squall_median(binary: str, method: str, folder: str, end: int, runs: int) -> dict:
    out = subprocess.run([binary, method, folder, str(end), str(runs), "3"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--only", choices=sorted(SERVICES), default="bom")
    ap.add_argument("--end", type=int, default=None, help="index of the last frame (default: the last)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--squall", default=os.path.join(REPO_ROOT, "..", "main", "target", "release", "examples",
                                                      "motion_timing"))
    args = ap.parse_args()
    if not os.path.exists(args.squall):
        args.squall = os.path.join(REPO_ROOT, "target", "release", "examples", "motion_timing")
    import pysteps
    from pysteps.utils.transformation import dB_transform

    data_dir = os.path.abspath(args.data_dir)
    rain, _, _ = load_rain_rate(args.only, data_dir)
    end = rain.shape[0] - 1 if args.end is None else args.end
    frames, _ = dB_transform(rain[end - 2:end + 1].copy(), threshold=0.1, zerovalue=-15.0)
    folder = os.path.join(data_dir, FOLDERS[args.only])
    print(f"{args.only}: grid {frames.shape[1]} x {frames.shape[2]}, frames {end - 2}..{end}, "
          f"median of {args.runs} runs after a warm-up")
    for method, name in [("lk", "LK"), ("constant", "constant")]:
        fn = pysteps.motion.get_method(name)
        fn(frames)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            fn(frames)
            times.append(time.perf_counter() - t0)
        py = statistics.median(times)
        sq = squall_median(args.squall, method, folder, end, args.runs)["median_s"]
        print(f"  {method:<15} pysteps {py:8.3f} s   squall {sq:8.3f} s   ratio {py / sq:6.1f}x")
    for method in ["trec-no-cotrec", "trec"]:
        sq = squall_median(args.squall, method, folder, end, args.runs)["median_s"]
        print(f"  {method:<15} pysteps      n/a     squall {sq:8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
