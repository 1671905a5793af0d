#!/usr/bin/env python3
"""Time Py-ART's full read of a NEXRAD Level II file against Squall.

"Full read" = pyart.io.read_nexrad_archive(path) with its defaults (bzip2 decompression of
every LDM record, message parsing, and every moment decoded to masked float32 arrays).
Each run is wall clock (time.perf_counter) inside this process, so Python start-up and
imports are NOT counted for the peer; the median of --runs runs is printed after one
warm-up run.

With --squall CMD the shell command (e.g. "$CARGO_TARGET_DIR/release/squall info --json FILE",
which reads, decodes every moment to float32 and computes per-moment statistics) is
timed the same way (wall clock around subprocess.run, so its process start-up IS counted)
and the ratio Py-ART / Squall of the medians is printed.  --interleave alternates the
peer and Squall runs, so that both see the same load on a shared machine.

    /work/peers-venv/bin/python benches/compare/nexrad_read_speed.py \\
        [--file PATH] [--runs 5] [--interleave] \\
        [--squall "$CARGO_TARGET_DIR/release/squall info --json PATH"]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import warnings
from importlib import metadata

DEFAULT_FILE = "/work/shared/data/radar/KLBB20160601_150025_V06"


def pyart_read(path: str) -> int:
    import pyart

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        radar = pyart.io.read_nexrad_archive(path)
    return sum(f["data"].size for f in radar.fields.values())


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def report(label: str, runs: list[float]) -> float:
    med = statistics.median(runs)
    print("%s: median %.4f s over %d runs (min %.4f, max %.4f)" % (label, med, len(runs), min(runs), max(runs)))
    return med


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--squall", metavar="CMD", help="shell command running Squall's read of the same file")
    ap.add_argument("--interleave", action="store_true", help="alternate peer and Squall runs")
    ap.add_argument(
        "--squall-python",
        action="store_true",
        help="time squall.read_volume in this process (the package built by `make python` in python/)",
    )
    args = ap.parse_args(argv)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyart  # noqa: F401  (import outside the timed region)

    def run_squall():
        subprocess.run(args.squall, shell=True, check=True, stdout=subprocess.DEVNULL)

    gates = pyart_read(args.file)  # warm-up (page cache, lazy imports); not counted
    if args.squall:
        run_squall()  # warm-up
    peer, ours = [], []
    for _ in range(args.runs):
        peer.append(timed(lambda: pyart_read(args.file)))
        if args.squall and args.interleave:
            ours.append(timed(run_squall))
    if args.squall and not args.interleave:
        ours = [timed(run_squall) for _ in range(args.runs)]

    print("file: %s" % args.file)
    peer_med = report("arm_pyart %s read_nexrad_archive (%d gates incl. padding)"
                      % (metadata.version("arm_pyart"), gates), peer)
    if args.squall:
        ours_med = report("squall (%s)" % args.squall, ours)
        print("ratio pyart/squall: %.2fx" % (peer_med / ours_med))
    if args.squall_python:
        import pathlib

        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python"))
        import squall

        squall.read_volume(args.file)  # warm-up
        inproc = []
        for _ in range(args.runs):
            peer.append(timed(lambda: pyart_read(args.file)))
            inproc.append(timed(lambda: squall.read_volume(args.file)))
        peer_med = report("arm_pyart (again, interleaved with the in-process runs)", peer)
        inproc_med = report("squall.read_volume (in process)", inproc)
        print("ratio pyart/squall (in process): %.2fx" % (peer_med / inproc_med))
    return 0


if __name__ == "__main__":
    sys.exit(main())
