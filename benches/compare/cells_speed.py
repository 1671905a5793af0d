"""Per-frame time of cell identification + tracking: tobac and pysteps' tstorm/tdating next to Squall, in one run.

A synthetic 400 x 400 km convective sequence (1 km, 12 frames, `cells_export` seed 7) is processed by
- tobac: feature_detection_multithreshold (30-60 dBZ in 5 dB) + linking_trackpy, whole sequence / frames;
- pysteps tdating (tstorm detection + LK advection + matching), whole sequence / frames;
- Squall: `cells_timing` (identify, properties, track, forecast, threats), whole sequence / frames.
Each is run REPEATS times; medians and the ratios are printed.

    /work/peers-venv/bin/python benches/compare/cells_speed.py [--repeats 5] [--size 400]
"""
import argparse
import json
import logging
import os
import statistics
import subprocess
import time
import warnings

import numpy as np
import pandas as pd
import xarray as xr

warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--size", type=int, default=400)
    ap.add_argument("--tmp", default="/tmp/cells_speed")
    args = ap.parse_args()
    for ex in ("cells_export", "cells_timing"):
        subprocess.run(["cargo", "build", "--release", "--example", ex], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    exe = lambda n: os.path.join(REPO, "target", "release", "examples", n)
    subprocess.run([exe("cells_export"), args.tmp, "7", str(args.size)], check=True)
    meta = json.load(open(os.path.join(args.tmp, "meta.json")))
    frames = np.fromfile(os.path.join(args.tmp, "frames.f32"), dtype="<f4").reshape(meta["shape"])
    n = len(frames)

    import tobac
    import trackpy
    from pysteps.tracking import tdating

    trackpy.quiet()
    t = pd.date_range("2024-06-01T06:00", periods=n, freq="300s")
    da = xr.DataArray(frames, dims=("time", "y", "x"),
                      coords={"time": t, "y": np.arange(frames.shape[1]) * 1000.0,
                              "x": np.arange(frames.shape[2]) * 1000.0}, name="reflectivity")

    def run_tobac():
        f = tobac.feature_detection_multithreshold(da, dxy=1000.0, threshold=[30, 35, 40, 45, 50, 55, 60],
                                                   target="maximum", position_threshold="weighted_diff",
                                                   n_min_threshold=10)
        tobac.linking_trackpy(f, da, dt=300, dxy=1000.0, v_max=30, stubs=1, method_linking="predict")

    times = [tt.to_pydatetime() for tt in t]

    def run_tstorm():
        tdating.dating(frames.astype(float), times, mintrack=1)

    res = {}
    for name, fn in (("tobac", run_tobac), ("tstorm", run_tstorm)):
        fn()  # warm-up
        runs = []
        for _ in range(args.repeats):
            s = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - s) / n)
        res[name] = statistics.median(runs)
    out = subprocess.run([exe("cells_timing"), args.tmp, str(args.repeats)], check=True, capture_output=True, text=True)
    res["squall"] = json.loads(out.stdout)["median_s_per_frame"]
    print(f"{args.size}x{args.size}, {n} frames, median seconds per frame over {args.repeats} runs:")
    for k in ("tobac", "tstorm", "squall"):
        print(f"  {k:7s} {res[k] * 1000:9.2f} ms")
    print(f"  ratio tobac/squall {res['tobac'] / res['squall']:.1f}x, tstorm/squall {res['tstorm'] / res['squall']:.1f}x")


if __name__ == "__main__":
    main()
