#!/usr/bin/env python3
"""What calling Squall from Python costs over the Rust call, on 512 x 512 frames of a real sequence.

Runs ``examples/python_overhead`` (the Rust calls) and the same kernels through the ``squall`` package
(``squall.extrapolation.semilagrangian.extrapolate``, ``squall.verification.det_cat_fct``,
``squall.motion.dense_lucaskanade``, ``squall.verification.fss``, ``squall.verification.CRPS``,
``squall.nowcasts.steps.forecast``; the inputs as the example's docs say) alternately, ``--rounds`` times, each timing the median of ``--runs`` calls
after a warm-up; prints the median over rounds of each and the overhead (Python / Rust - 1), and checks the
results agree (checksums). Run from the repo root with the package built (``make python``)::

    cargo build --release --example python_overhead
    .venv/bin/python benches/compare/python_overhead.py [--dir ../shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time

import numpy as np

import squall


def median_s(runs, f):
    out = f()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return float(np.median(times)), out


def python_round(rate, runs):
    velocity = np.empty((2,) + rate.shape[1:], np.float32)
    velocity[0], velocity[1] = 2.5, -1.5
    last = rate[2]
    db = np.where(rate >= 0.1, 10.0 * np.log10(np.maximum(rate, 0.1)), -15.0).astype(np.float32)
    out = {}
    t, fields = median_s(runs, lambda: squall.extrapolation.semilagrangian.extrapolate(last, velocity, 12))
    out["extrapolate"] = (t, float(np.nansum(fields, dtype=np.float64)))
    t, table = median_s(runs, lambda: squall.verification.det_cat_fct(rate[1], last, 1.0))
    hits = squall._squall.verification_det_cat(rate[1].reshape(1, -1), last.reshape(1, -1), 1.0)["hits"]
    out["det_cat"] = (t, float(hits))
    t, motion = median_s(runs, lambda: squall.motion.dense_lucaskanade(db))
    out["lucas_kanade"] = (t, float(motion.sum(dtype=np.float64)))
    t, score = median_s(runs, lambda: squall.verification.fss(rate[1], last, 1.0, 9))
    out["fss"] = (t, float(score))
    members = np.empty((8,) + rate.shape[1:], np.float32)
    members[:3] = rate
    for k in range(3, 8):
        shift = k - 2
        members[k, :, shift:] = rate[1, :, :-shift]
        members[k, :, :shift] = rate[1, :, :1]
    t, crps = median_s(runs, lambda: squall.verification.CRPS(members, last))
    out["crps"] = (t, float(crps))
    t, ens = median_s(min(runs, 3), lambda: squall.nowcasts.steps.forecast(
        db, velocity, 3, n_ens_members=4, n_cascade_levels=6, precip_thr=-10.0, kmperpixel=1.0, timestep=5.0,
        seed=1))
    out["steps"] = (t, float(np.nansum(ens, dtype=np.float64)))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", default="../shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--example", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                          "release", "examples", "python_overhead"))
    args = parser.parse_args()
    values, _ = squall.io.open_sequence(args.dir)
    rate = np.nan_to_num(values[10:13], nan=0.0)
    assert rate.shape[1:] == (512, 512), rate.shape
    rust, python = {}, {}
    for _ in range(args.rounds):
        lines = subprocess.run([args.example, args.dir, str(args.runs)], check=True, capture_output=True, text=True)
        for line in lines.stdout.splitlines():
            row = json.loads(line)
            rust.setdefault(row["kernel"], []).append((row["median_s"], row["checksum"]))
        for kernel, result in python_round(rate, args.runs).items():
            python.setdefault(kernel, []).append(result)
    print(f"{'kernel':14} {'rust ms':>9} {'python ms':>10} {'overhead':>9}  checksums (rust / python)")
    for kernel in rust:
        r = np.median([t for t, _ in rust[kernel]])
        p = np.median([t for t, _ in python[kernel]])
        print(f"{kernel:14} {r * 1e3:9.3f} {p * 1e3:10.3f} {100 * (p / r - 1):8.1f}%  "
              f"{rust[kernel][0][1]:.6g} / {python[kernel][0][1]:.6g}")


if __name__ == "__main__":
    main()
