#!/usr/bin/env python3
"""Time xradar's and Py-ART's full read of ODIM_H5 (and GAMIC) files, beside Squall's.

"Full read" = open the file and load every moment of every sweep into memory as physical values:

  * xradar: ``xradar.io.open_odim_datatree(path)`` (``open_gamic_datatree`` for GAMIC), then ``.load()`` on every
    sweep dataset (xradar is lazy: without the load nothing is decoded);
  * Py-ART: ``pyart.aux_io.read_odim_h5(path, file_field_names=True)`` (``read_gamic`` for GAMIC), which
    reads and scales every field eagerly.

Each run is wall clock (time.perf_counter) inside this process after one warm-up run, so Python start-up and
imports are NOT counted for the peers; the median of --runs runs is printed. With ``--squall CMD`` the shell
command (e.g. "target/release/squall info --json {file}", ``{file}`` replaced by the file) is timed the same way —
wall clock around subprocess.run, so its process start-up IS counted against Squall — and the ratios
peer/squall are printed. With ``--squall-python`` the built Python package (python/squall, from ``make python``)
is imported and ``squall.read_volume(path)`` is timed in this process, the fairest comparison.

    /work/peers-venv/bin/python benches/compare/odim_read_speed.py [--file PATH ...] [--runs 5] \\
        [--squall "$CARGO_TARGET_DIR/release/squall info --json {file}"] [--squall-python]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import warnings
from importlib import metadata

DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "radar")
DEFAULT_FILES = [
    "40_20181220_060630.pvol.h5",
    "IDR66_20141206_094829.vol.h5",
    "T_PAZA63_C_LFPW_20230420065041.h5",
]


def is_gamic(path: str) -> bool:
    return path.endswith(".mvol")


def xradar_read(path: str) -> int:
    import xradar as xd

    dt = (xd.io.open_gamic_datatree if is_gamic(path) else xd.io.open_odim_datatree)(path)
    gates = 0
    for name, node in dt.children.items():
        if name.startswith("sweep_"):
            ds = node.ds.load()
            gates += sum(v.size for v in ds.data_vars.values() if v.ndim == 2)
    return gates


def pyart_read(path: str) -> int:
    import pyart

    if is_gamic(path):
        radar = pyart.aux_io.read_gamic(path, file_field_names=True, pulse_width=[0.0] * 16)
    else:
        radar = pyart.aux_io.read_odim_h5(path, file_field_names=True)
    return sum(f["data"].size for f in radar.fields.values())


PEERS = {"xradar": (xradar_read, "xradar"), "pyart": (pyart_read, "arm_pyart")}


def time_it(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", action="append", help="file to read (repeatable); default: the three ODIM files")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--squall", metavar="CMD", help="shell command running Squall's read; {file} is replaced")
    ap.add_argument("--squall-python", action="store_true", help="time squall.read_volume in this process")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    files = args.file or [os.path.normpath(os.path.join(DATA, f)) for f in DEFAULT_FILES]
    read_volume = None
    if args.squall_python:
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
        from squall import read_volume  # noqa: E402
    for path in files:
        print(f"file: {path}")
        medians = {}
        for peer, (fn, dist) in PEERS.items():
            try:
                gates = fn(path)  # warm-up (page cache, lazy imports); not counted
            except Exception as e:  # a peer that cannot read the file is reported, not fatal
                print(f"  {peer} {metadata.version(dist)}: cannot read the file ({type(e).__name__}: {e})")
                continue
            t = time_it(lambda: fn(path), args.runs)
            medians[peer] = statistics.median(t)
            print(f"  {peer} {metadata.version(dist)}: median {medians[peer]:.4f} s over {args.runs} runs "
                  f"(min {min(t):.4f}, max {max(t):.4f}), {gates} gates")
        timed = []
        if read_volume is not None:
            read_volume(path)
            timed.append(("squall.read_volume (in process)", time_it(lambda: read_volume(path), args.runs)))
        if args.squall:
            cmd = args.squall.replace("{file}", path)

            def run():
                subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)

            run()
            timed.append((f"squall ({cmd}, process start-up included)", time_it(run, args.runs)))
        for label, t in timed:
            med = statistics.median(t)
            print(f"  {label}: median {med:.4f} s (min {min(t):.4f}, max {max(t):.4f})")
            for peer, pm in medians.items():
                print(f"    ratio {peer}/squall: {pm / med:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
