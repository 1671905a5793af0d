#!/usr/bin/env python3
"""Time PyCINRAD's full read + decode of a CINRAD standard-format file.

"Full read + decode" = cinrad.io.StandardData(path) (bz2 decompression and
header/radial parsing) followed by get_raw() for every tilt and every moment over
all of the file's gates (masking raw < 5 and applying (raw - offset) / scale).
Each run is wall clock (time.perf_counter) inside this process, so Python start-up
and imports are NOT counted for the peer; the median of --runs runs is printed.

With --squall-python the repository's built Python package (python/squall, made by
`make python`) is imported and squall.read_volume(path) (decompression, parsing and
decoding of every moment to float32) is timed in the same process, the same way: the
fairest comparison. With --squall CMD the shell command (e.g. "target/release/squall info --json FILE")
is timed the same way (wall clock around subprocess.run, so its process start-up
IS counted) and the ratio peer/squall is printed.

    /work/peers-venv/bin/python benches/compare/cinrad_read_speed.py \
        [--file PATH] [--runs 5] [--squall "target/release/squall info --json PATH"]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
import warnings
from importlib import metadata

DEFAULT_FILE = "/work/shared/data/radar/Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2"


def pycinrad_read_decode(path: str) -> int:
    import cinrad

    sd = cinrad.io.StandardData(path)
    gates = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for tilt in sorted(sd.data):
            cfg = sd.scan_config[tilt]
            for dtype in sd.data[tilt]:
                reso = (cfg.dop_reso if dtype in ("VEL", "SW", "VELSZ") else cfg.log_reso) / 1000
                n = max(len(r) for r in sd.data[tilt][dtype])
                ret = sd.get_raw(tilt, (n + 0.5) * reso, dtype)  # all gates, no cut/pad
                arr = ret[0] if isinstance(ret, tuple) else ret
                gates += arr.size
    return gates


def time_it(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--squall", metavar="CMD", help="shell command running Squall's read of the same file")
    ap.add_argument("--squall-python", action="store_true", help="time squall.read_volume in this process")
    args = ap.parse_args(argv)

    import cinrad  # noqa: F401  (import outside the timed region)

    gates = pycinrad_read_decode(args.file)  # warm-up (page cache, lazy imports); not counted
    peer = time_it(lambda: pycinrad_read_decode(args.file), args.runs)
    peer_med = statistics.median(peer)
    print("file: %s" % args.file)
    print("pycinrad %s read+decode: median %.4f s over %d runs (min %.4f, max %.4f), %d gates decoded"
          % (metadata.version("cinrad"), peer_med, args.runs, min(peer), max(peer), gates))
    if args.squall_python:
        import pathlib

        sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python"))
        import squall

        squall.read_volume(args.file)  # warm-up
        sq = time_it(lambda: squall.read_volume(args.file), args.runs)
        sq_med = statistics.median(sq)
        print("squall.read_volume (in process): median %.4f s over %d runs (min %.4f, max %.4f)"
              % (sq_med, args.runs, min(sq), max(sq)))
        print("ratio pycinrad/squall: %.2fx" % (peer_med / sq_med))
    if args.squall:
        def run_squall():
            subprocess.run(args.squall, shell=True, check=True, stdout=subprocess.DEVNULL)
        run_squall()  # warm-up
        sq = time_it(run_squall, args.runs)
        sq_med = statistics.median(sq)
        print("squall (%s): median %.4f s over %d runs (min %.4f, max %.4f)"
              % (args.squall, sq_med, args.runs, min(sq), max(sq)))
        print("ratio pycinrad/squall: %.2fx" % (peer_med / sq_med))
    return 0


if __name__ == "__main__":
    sys.exit(main())
