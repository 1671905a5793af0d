#!/usr/bin/env python3
"""Side-by-side wall time and peak memory of pysteps' and Squall's STEPS on the same real input.

The three BoM frames (512 x 512) ending at ``--end`` are read with pysteps' importer, converted to rain rate and
dB (``dB_transform(threshold=0.1, zerovalue=-15.0)``) and pysteps' LK motion is computed once and written to a
temporary raw float32 file, so that both sides get the same frames and the same motion. Then, each in its own
process (so that peak memory is per run):

  * pysteps: ``steps.forecast(frames, V, 12, n_ens_members=20, n_cascade_levels=8, precip_thr=-10,
    kmperpixel=0.5, timestep=6, noise_method="nonparametric", vel_pert_method="bps", mask_method="incremental",
    probmatching_method="cdf", seed=24, num_workers=1)``; wall time of the call, peak RSS (``ru_maxrss``);
  * Squall: ``target/release/examples/steps_timing`` with the same settings on both cores (forecast time,
    ``VmHWM``); also with one thread.

Prints both times, the ratio, both peaks and Squall's peak relative to the size of its output
(20 x 12 x 512 x 512 float32 = 252 MB). Build first with ``cargo build --release --example steps_timing``.
Run from the repo root::

    /work/peers-venv/bin/python benches/compare/steps_speed.py [--end 40] [--members 20] [--leadtimes 12]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from motion_reference import REPO_ROOT, load_rain_rate  # noqa: E402

FOLDER = "radar/bom/prcp-cscn/2/2018/06/16"

PYSTEPS_CHILD = r"""
import json, resource, sys, time
import numpy as np
from pysteps.nowcasts import steps
frames = np.load(sys.argv[1]); uv = np.load(sys.argv[2])
members, lead = int(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
fc = steps.forecast(frames, uv, lead, n_ens_members=members, n_cascade_levels=8, precip_thr=-10.0,
                    kmperpixel=0.5, timestep=6, noise_method="nonparametric", vel_pert_method="bps",
                    mask_method="incremental", probmatching_method="cdf", seed=24, num_workers=1)
seconds = time.perf_counter() - t0
print(json.dumps({"seconds": seconds, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "wet_fraction": float(np.nanmean(fc >= -10.0))}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--end", type=int, default=40)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--leadtimes", type=int, default=12)
    ap.add_argument("--squall", default=os.path.join(REPO_ROOT, "target", "release", "examples", "steps_timing"))
    args = ap.parse_args()
    import numpy as np
    import pysteps
    from pysteps.utils.transformation import dB_transform

    data_dir = os.path.abspath(args.data_dir)
    rain, names, _ = load_rain_rate("bom", data_dir)
    frames, _ = dB_transform(rain[args.end - 2:args.end + 1].copy(), threshold=0.1, zerovalue=-15.0)
    uv = np.asarray(pysteps.motion.get_method("LK")(frames))
    files = [os.path.join(data_dir, FOLDER, n) for n in names[args.end - 2:args.end + 1]]
    print(f"bom: frames {args.end - 2}..{args.end}, {args.members} members x {args.leadtimes} lead times, "
          f"8 levels, grid {frames.shape[1]} x {frames.shape[2]}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "frames.npy"), frames)
        np.save(os.path.join(tmp, "uv.npy"), uv)
        uv.astype("<f4").tofile(os.path.join(tmp, "uv.f32"))
        py = json.loads(subprocess.run(
            [sys.executable, "-c", PYSTEPS_CHILD, os.path.join(tmp, "frames.npy"), os.path.join(tmp, "uv.npy"),
             str(args.members), str(args.leadtimes)], check=True, capture_output=True, text=True).stdout
            .strip().splitlines()[-1])
        results = {}
        for threads in [2, 1]:
            env = dict(os.environ, SQUALL_NUM_THREADS=str(threads))
            out = subprocess.run(
                [args.squall, *files, "--members", str(args.members), "--leadtimes", str(args.leadtimes),
                 "--levels", "8", "--km", "0.5", "--minutes", "6", "--motion", os.path.join(tmp, "uv.f32")],
                check=True, capture_output=True, text=True, env=env).stdout
            results[threads] = json.loads(out.strip().splitlines()[-1])
    gib = 1024.0 ** 3
    print(f"  pysteps (1 worker)   {py['seconds']:8.2f} s   peak RSS {py['peak_rss_bytes'] / gib:6.2f} GiB   "
          f"wet fraction {py['wet_fraction']:.3f}")
    for threads, sq in results.items():
        print(f"  squall ({threads} thread{'s' if threads > 1 else ''})    {sq['seconds']:8.2f} s   "
              f"peak RSS {sq['peak_rss_bytes'] / gib:6.2f} GiB = {sq['peak_rss_bytes'] / sq['output_bytes']:.2f} x "
              f"output   wet fraction {sq['wet_fraction']:.3f}   ratio {py['seconds'] / sq['seconds']:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
