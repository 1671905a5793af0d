#!/usr/bin/env python3
"""Side-by-side wall time of every motion estimator, pysteps and Squall, on the same real input in one run.

The nine frames ``--start .. --start + 8`` of a sequence (default: the 512 x 512 BoM one) are read with
pysteps' importer, converted to rain rate (FMI: Marshall-Palmer, a = 200, b = 1.6) and to dB (10 log10 R from
0.1 mm/h, -15 dB below). Lucas-Kanade, constant and VET take the last three frames, DARTS all nine. No data
stays NaN for LK and constant (pysteps ``dB_transform``) and becomes -15 dB for VET and DARTS (pysteps' DARTS
refuses NaN). Each pysteps method is timed ``--runs`` times in-process after one warm-up call:

  * ``lk``: ``pysteps.motion.get_method("LK")`` (``dense_lucaskanade`` defaults);
  * ``constant``: ``pysteps.motion.get_method("constant")``;
  * ``vet``: ``pysteps.motion.vet.vet(frames, verbose=False)``;
  * ``darts``: ``pysteps.motion.darts.DARTS(frames, verbose=False)``.

Squall is timed by ``target/release/examples/motion_timing`` on the same frames with the same preprocessing
(median of the same number of runs after a warm-up, file reading excluded); build it first::

    cargo build --release --example motion_timing

Squall's TREC/COTREC have no pysteps counterpart and are timed alone. Prints one line per method with both
medians and the ratio pysteps / Squall. Run from the repo root::

    /work/peers-venv/bin/python benches/compare/motion_speed.py [--service bom|rmi|fmi] [--start 10] [--runs 3]

``CARGO_TARGET_DIR`` is honoured for the default binary path.
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
WINDOW = 9
PEER_METHODS = ["lk", "constant", "vet", "darts"]
SQUALL_ONLY = ["trec-no-cotrec", "trec"]


def median_seconds(call, runs: int) -> float:
    call()
    seconds = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--service", choices=sorted(SERVICES), default="bom")
    ap.add_argument("--start", type=int, default=10, help="index of the first of the nine frames")
    ap.add_argument("--runs", type=int, default=3)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO_ROOT, "target"))
    ap.add_argument("--squall-bin", default=os.path.join(target, "release", "examples", "motion_timing"))
    args = ap.parse_args()

    import pysteps
    from pysteps.motion.darts import DARTS
    from pysteps.motion.vet import vet
    from pysteps.utils.transformation import dB_transform

    data_dir = os.path.abspath(args.data_dir)
    rain, names, _ = load_rain_rate(args.service, data_dir)
    window = rain[args.start:args.start + WINDOW].copy()
    if window.shape[0] != WINDOW:
        ap.error(f"--start {args.start}: the sequence has {rain.shape[0]} frames")
    db_nan, _ = dB_transform(window.copy(), threshold=0.1, zerovalue=-15.0)
    db_filled = np.where(np.isfinite(db_nan), db_nan, -15.0)
    calls = {
        "lk": lambda: pysteps.motion.get_method("LK")(db_nan[-3:]),
        "constant": lambda: pysteps.motion.get_method("constant")(db_nan[-3:]),
        "vet": lambda: vet(db_filled[-3:], verbose=False),
        "darts": lambda: DARTS(db_filled, verbose=False),
    }

    out = subprocess.run(
        [args.squall_bin, os.path.join(data_dir, FOLDERS[args.service]), str(args.start), str(args.runs)]
        + PEER_METHODS + SQUALL_ONLY,
        check=True, capture_output=True, text=True).stdout
    squall = {line["method"]: line for line in map(json.loads, out.strip().splitlines())}
    threads = next(iter(squall.values()))["threads"]
    print(f"{args.service}: {window.shape[1]} x {window.shape[2]}, frames {names[args.start]} .. "
          f"{names[args.start + WINDOW - 1]} (LK, constant, VET, TREC: last 3; DARTS: 9), "
          f"median of {args.runs} runs after a warm-up; Squall on {threads} threads")
    print(f"  {'method':<15} {'pysteps':>10} {'squall':>10} {'ratio':>8}")
    for method in PEER_METHODS:
        peer = median_seconds(calls[method], args.runs)
        ours = squall[method]["median_s"]
        print(f"  {method:<15} {peer:9.3f}s {ours:9.3f}s {peer / ours:7.1f}x")
    for method in SQUALL_ONLY:
        print(f"  {method:<15} {'n/a':>10} {squall[method]['median_s']:9.3f}s {'':>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
