"""Side-by-side speed of pysteps' and Squall's VET and DARTS on the same real frames, in one run.

The frames and preprocessing are those of ``motion_vet_darts_reference.py`` (nine frames from START of a
sequence, rain rate -> dB with -15 dB below 0.1 mm/h; VET on the last three, DARTS on all nine). pysteps is timed
in-process (median of RUNS calls, after nothing else is run); Squall by its example binary
``motion_timing_vet_darts`` (median of RUNS calls inside one process, file reading excluded), which must be built
first::

    cargo build --release --example motion_timing_vet_darts
    /work/peers-venv/bin/python benches/compare/motion_speed_vet_darts.py \
        [--service bom] [--start 10] [--runs 3] [--squall-bin target/release/examples/motion_timing_vet_darts]

``CARGO_TARGET_DIR`` is honoured for the default binary path. Prints one line per method: both medians and the
ratio pysteps / Squall.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import motion_vet_darts_reference as ref  # noqa: E402

FOLDERS = {
    "bom": "radar/bom/prcp-cscn/2/2018/06/16",
    "rmi": "radar/rmi/radqpe/20210704",
    "fmi": "radar/fmi/pgm/20160928",
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--service", choices=sorted(FOLDERS), default="bom")
    ap.add_argument("--start", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data-dir", default=os.path.join(ref.REPO_ROOT, "..", "shared", "data", "nowcast"))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ref.REPO_ROOT, "target"))
    ap.add_argument("--squall-bin", default=os.path.join(target, "release", "examples",
                                                         "motion_timing_vet_darts"))
    args = ap.parse_args(argv)
    data_dir = os.path.abspath(args.data_dir)

    from pysteps.motion.darts import DARTS
    from pysteps.motion.vet import vet

    rain, _, times, _ = ref.load(args.service, data_dir)
    db = ref.to_db(rain[args.start:args.start + ref.N_FRAMES])
    ny, nx = db.shape[1:]
    print(f"{args.service}: frames {times[args.start]} .. {times[args.start + ref.N_FRAMES - 1]}, "
          f"{ny} x {nx}, {args.runs} runs each")
    calls = {
        "vet": lambda: vet(db[-3:], verbose=False),
        "darts": lambda: DARTS(db, verbose=False),
    }
    for method, call in calls.items():
        seconds = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            call()
            seconds.append(time.perf_counter() - t0)
        peer = statistics.median(seconds)
        out = subprocess.run(
            [args.squall_bin, os.path.join(data_dir, FOLDERS[args.service]), method, str(args.start),
             str(args.runs)],
            check=True, capture_output=True, text=True)
        squall = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{method:5}: pysteps {peer:8.3f} s   squall {squall['median_s']:8.3f} s "
              f"({squall['threads']} threads)   ratio {peer / squall['median_s']:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
