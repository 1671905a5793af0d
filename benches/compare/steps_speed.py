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

With ``--runs N`` the three runs are repeated N times in turn. Prints each run and the load average, then the
medians: wall times, CPU times (user + system), the ratios, both peaks and Squall's peak relative to the size of
its output (20 x 12 x 512 x 512 float32 = 252 MB). Build first with ``cargo build --release --example steps_timing``.
Run from the repo root::

    /work/peers-venv/bin/python benches/compare/steps_speed.py [--end 40] [--members 20] [--leadtimes 12] [--runs 3]
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
t0, c0 = time.perf_counter(), time.process_time()
fc = steps.forecast(frames, uv, lead, n_ens_members=members, n_cascade_levels=8, precip_thr=-10.0,
                    kmperpixel=0.5, timestep=6, noise_method="nonparametric", vel_pert_method="bps",
                    mask_method="incremental", probmatching_method="cdf", seed=24, num_workers=1)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "wet_fraction": float(np.nanmean(fc >= -10.0))}))
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--end", type=int, default=40)
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--leadtimes", type=int, default=12)
    ap.add_argument("--runs", type=int, default=1, help="repeat pysteps and Squall in turn; medians are printed")
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
    print(f"load average before: {os.getloadavg()}", flush=True)
    runs = {"pysteps": [], 2: [], 1: []}
    with tempfile.TemporaryDirectory() as tmp:
        np.save(os.path.join(tmp, "frames.npy"), frames)
        np.save(os.path.join(tmp, "uv.npy"), uv)
        uv.astype("<f4").tofile(os.path.join(tmp, "uv.f32"))
        for run in range(args.runs):
            py = json.loads(subprocess.run(
                [sys.executable, "-c", PYSTEPS_CHILD, os.path.join(tmp, "frames.npy"), os.path.join(tmp, "uv.npy"),
                 str(args.members), str(args.leadtimes)], check=True, capture_output=True, text=True).stdout
                .strip().splitlines()[-1])
            runs["pysteps"].append(py)
            line = f"  run {run + 1}: pysteps {py['seconds']:.2f} s ({py['cpu_seconds']:.2f} s CPU)"
            for threads in [2, 1]:
                env = dict(os.environ, SQUALL_NUM_THREADS=str(threads))
                out = subprocess.run(
                    [args.squall, *files, "--members", str(args.members), "--leadtimes", str(args.leadtimes),
                     "--levels", "8", "--km", "0.5", "--minutes", "6", "--motion", os.path.join(tmp, "uv.f32")],
                    check=True, capture_output=True, text=True, env=env).stdout
                sq = json.loads(out.strip().splitlines()[-1])
                runs[threads].append(sq)
                line += (f", squall {threads}T {sq['seconds']:.2f} s ({sq['cpu_seconds']:.2f} s CPU) "
                         f"ratio {py['seconds'] / sq['seconds']:.1f}x")
            print(line, f"load {os.getloadavg()[0]:.1f}", flush=True)
    print(f"load average after: {os.getloadavg()}")

    def median(key, rows):
        return float(np.median([r[key] for r in rows]))

    gib = 1024.0 ** 3
    py_s, py_cpu = median("seconds", runs["pysteps"]), median("cpu_seconds", runs["pysteps"])
    print(f"medians of {args.runs} run(s):")
    print(f"  pysteps (1 worker)   {py_s:8.2f} s   CPU {py_cpu:7.2f} s   peak RSS "
          f"{median('peak_rss_bytes', runs['pysteps']) / gib:6.2f} GiB   "
          f"wet fraction {runs['pysteps'][0]['wet_fraction']:.3f}")
    for threads in [2, 1]:
        rows = runs[threads]
        sq_s, sq_cpu, peak = median("seconds", rows), median("cpu_seconds", rows), median("peak_rss_bytes", rows)
        ratios = [p["seconds"] / q["seconds"] for p, q in zip(runs["pysteps"], rows)]
        print(f"  squall ({threads} thread{'s' if threads > 1 else ''})    {sq_s:8.2f} s   CPU {sq_cpu:7.2f} s   "
              f"peak RSS {peak / gib:6.2f} GiB = {peak / rows[0]['output_bytes']:.2f} x output   "
              f"wet fraction {rows[0]['wet_fraction']:.3f}   ratio of medians {py_s / sq_s:6.1f}x   "
              f"median of ratios {float(np.median(ratios)):6.1f}x   CPU ratio {py_cpu / sq_cpu:6.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
