"""Per-frame time of cell identification + tracking: tobac and pysteps' tstorm/tdating next to Squall, in one run.

A synthetic 400 x 400 km convective sequence (1 km, 12 frames, `cells_export` seed 7) is processed by
- tobac: feature_detection_multithreshold (30-60 dBZ in 5 dB) + linking_trackpy, whole sequence / frames;
- pysteps tdating (tstorm detection + LK advection + matching), whole sequence / frames;
- Squall: `cells_timing` (identify, properties, track, forecast, threats), whole sequence / frames.
Each is run REPEATS times; the medians (wall clock, and CPU time of the process, which other jobs on a loaded
machine disturb less), the ratios and the machine load (`uptime`) are printed. With --size 1000 Squall's
whole-chain time per frame is the "1000 x 1000 identification plus tracking" figure.

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

    load_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    res, cpu = {}, {}
    for name, fn in (("tobac", run_tobac), ("tstorm", run_tstorm)):
        fn()  # warm-up
        runs, cpu_runs = [], []
        for _ in range(args.repeats):
            s, c = time.perf_counter(), time.process_time()
            fn()
            runs.append((time.perf_counter() - s) / n)
            cpu_runs.append((time.process_time() - c) / n)
        res[name], cpu[name] = statistics.median(runs), statistics.median(cpu_runs)
    out = subprocess.run([exe("cells_timing"), args.tmp, str(args.repeats)], check=True, capture_output=True, text=True)
    timing = json.loads(out.stdout)
    res["squall"], cpu["squall"] = timing["median_s_per_frame"], timing["cpu_s_per_frame"]
    load_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"{args.size}x{args.size}, {n} frames, median seconds per frame over {args.repeats} runs:")
    print(f"  {'':7s} {'wall':>9s}    {'CPU':>9s}")
    for k in ("tobac", "tstorm", "squall"):
        print(f"  {k:7s} {res[k] * 1000:9.2f} ms {cpu[k] * 1000:9.2f} ms")
    print(f"  squall stages (wall): identification {timing['identify_s_per_frame'] * 1000:.2f} ms, + properties "
          f"{timing['identify_measure_s_per_frame'] * 1000:.2f} ms; single frames: median "
          f"{timing['median_single_frame_s'] * 1000:.2f} ms, fastest {timing['fastest_single_frame_s'] * 1000:.2f} ms")
    for label, r in (("wall", res), ("CPU", cpu)):
        print(f"  ratio ({label}) tobac/squall {r['tobac'] / r['squall']:.1f}x, "
              f"tstorm/squall {r['tstorm'] / r['squall']:.1f}x")
    print(f"  load before: {load_before}\n  load after:  {load_after}")


if __name__ == "__main__":
    main()
