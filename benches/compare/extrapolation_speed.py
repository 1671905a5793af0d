#!/usr/bin/env python3
"""Side by side: 12 lead times of semi-Lagrangian extrapolation on the 512 x 512 BoM frame, pysteps versus Squall,
in one process, same input (float64 for pysteps as its users pass it, float32 for Squall), median of N runs.

    make python   # builds python/squall/_squall*.so
    /work/peers-venv/bin/python benches/compare/extrapolation_speed.py [--runs 7]
"""

import argparse
import pathlib
import statistics
import sys
import time

import numpy as np
from pysteps.extrapolation.semilagrangian import extrapolate as pysteps_extrapolate
from pysteps.io.importers import import_bom_rf3

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "python"))
from squall.extrapolation import semilagrangian  # noqa: E402

SRC = ROOT.parent / "shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16/2_20180616_120000.prcp-cscn.nc"


def median_time(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    precip, _, _ = import_bom_rf3(str(SRC))
    precip = np.nan_to_num(np.asarray(precip, dtype=np.float64))
    n = precip.shape[0]
    r, c = np.meshgrid(np.arange(n, dtype=np.float64), np.arange(n, dtype=np.float64), indexing="ij")
    velocity = np.stack([-0.006 * (r - n / 2) + 1.5, 0.004 * (c - n / 2) + 0.7])
    v32, p32 = velocity.astype(np.float32), precip.astype(np.float32)
    peer, _ = median_time(lambda: pysteps_extrapolate(precip, velocity, 12), args.runs)
    ours, _ = median_time(lambda: semilagrangian.extrapolate(p32, v32, 12), args.runs)
    diff = np.nanmax(np.abs(pysteps_extrapolate(precip, velocity, 12) - semilagrangian.extrapolate(p32, v32, 12)))
    print(f"input {n}x{n}, 12 lead times, median of {args.runs}")
    print(f"pysteps semilagrangian.extrapolate: {peer:.4f} s")
    print(f"squall  semilagrangian.extrapolate: {ours:.4f} s")
    print(f"ratio pysteps/squall: {peer / ours:.1f}x   (largest difference {diff:.2e} mm/h)")


if __name__ == "__main__":
    main()
