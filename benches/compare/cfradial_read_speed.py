#!/usr/bin/env python3
"""Time the full read of CfRadial 1.x files by Py-ART and xradar, and optionally by Squall.

"Full read" = every moment's values decoded into memory:

  * Py-ART: ``pyart.io.read_cfradial(path)`` (default arguments: fields are read, masked and scaled);
  * xradar: ``xradar.io.open_cfradial1_datatree(path).load()`` (``load`` forces xarray to read and decode
    every variable of every sweep group).

Each run is wall clock (``time.perf_counter``) inside this process, so Python start-up and imports are NOT
counted for the peers; after one warm-up run each, the readers run in turn ``--runs`` times (interleaved, so that
all see the same machine load) and the medians are printed. With ``--squall CMD``
the shell command (``{file}`` replaced by the file's path, e.g.
``"target/release/squall info --json {file}"``) is timed the same way (wall clock around ``subprocess.run``,
so its process start-up, library initialisation, the JSON summary and printing ARE counted) and the ratios
peer/squall are printed. With ``--squall-python`` the repository's built Python package (``python/squall``, made
by ``make python``; only its ``_squall`` extension is needed) is imported and ``squall.read_volume(path)`` (the
whole decode into float32 arrays) is timed in this process the same way as the peers: the like-for-like
comparison.

    /work/peers-venv/bin/python benches/compare/cfradial_read_speed.py \\
        [--file PATH ...] [--runs 5] [--peer pyart --peer xradar] [--squall "CMD {file}"] [--squall-python]
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

DATA = "/work/shared/data/radar"
DEFAULT_FILES = [
    os.path.join(DATA, "MLL2217907250U.003.nc"),
    os.path.join(DATA, "20220628072500_savevol_COSMO_LOOKUP_TEMP.nc"),
    os.path.join(DATA, "sgpxsaprcfrvptI4.a1.20200205.100827.nc"),
]


def read_pyart(path: str) -> int:
    import pyart

    radar = pyart.io.read_cfradial(path)
    return sum(int(f["data"].size) for f in radar.fields.values())


def read_xradar(path: str) -> int:
    import xradar as xd

    tree = xd.io.open_cfradial1_datatree(path).load()
    return sum(int(v.size) for node in tree.subtree for v in node.ds.data_vars.values())


PEERS = {
    "pyart": ("arm-pyart", read_pyart),
    "xradar": ("xradar", read_xradar),
}


def time_interleaved(fns: dict, runs: int) -> dict:
    """Wall-clock times of each function, run in turn (one warm-up each, not counted), so that every reader
    sees the same machine load."""
    for fn in fns.values():
        fn()
    times = {key: [] for key in fns}
    for _ in range(runs):
        for key, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - t0)
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", action="append", help="CfRadial file (repeatable); default: the three samples")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--peer", action="append", choices=sorted(PEERS), help="default: both")
    ap.add_argument("--squall", metavar="CMD", help="shell command reading {file} with Squall")
    ap.add_argument("--squall-python", action="store_true", help="time squall.read_volume in this process")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    os.environ.setdefault("PYART_QUIET", "1")
    import pyart  # noqa: F401  (imports outside the timed region)
    import xradar  # noqa: F401

    squall = None
    if args.squall_python:
        import pathlib

        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python"))
        import squall

    for path in args.file or DEFAULT_FILES:
        print("file: %s" % path)
        fns = {}
        for key in args.peer or sorted(PEERS):
            fns[key] = (lambda fn: lambda: fn(path))(PEERS[key][1])
        if squall is not None:
            fns["squall.read_volume"] = lambda: squall.read_volume(path)
        if args.squall:
            cmd = args.squall.replace("{file}", path)
            fns["squall CLI"] = lambda: subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL)
        times = time_interleaved(fns, args.runs)
        medians = {key: statistics.median(t) for key, t in times.items()}
        for key, t in times.items():
            version = " " + metadata.version(PEERS[key][0]) if key in PEERS else ""
            print("  %-20s median %.4f s over %d runs (min %.4f, max %.4f)"
                  % (key + version, medians[key], args.runs, min(t), max(t)))
        for mine in ("squall.read_volume", "squall CLI"):
            for key in PEERS:
                if mine in medians and key in medians:
                    print("  ratio %s / %s: %.2fx" % (key, mine, medians[key] / medians[mine]))
        if args.squall:
            print("  (squall CLI: %s)" % args.squall)
    return 0


if __name__ == "__main__":
    sys.exit(main())
