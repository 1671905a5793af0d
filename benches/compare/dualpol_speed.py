#!/usr/bin/env python3
"""Side-by-side speed of the dual-polarisation chain on the X-band CINRAD volume (5 sweeps x 363 rays x 973 gates).

Peer chain, per sweep, in this process (wall clock, time.perf_counter; reading the file is NOT timed):
wradlib ``dp.phidp_kdp_vulpiani`` (ΦDP/KDP, winlen 27, niter 2) -> Py-ART ``calculate_attenuation_zphi`` (ZPHI on a
Radar object built from the arrays) -> CSU_RadarTools ``csu_fhc_summer`` (10-class HID, X band) ->
``csu_blended_rain.calc_blended_rain`` (blended rain rate).
Squall: ``dualpol::process`` (echo filter, ΦDP processing, adaptive least-squares KDP, ZPHI, 10-class HID, blended
rain rate on every sweep), timed inside the ``dualpol_timing`` example (reading not timed either).
Both: one warm-up, then the median of --runs runs; the ratio peer/Squall is printed.

    cargo build --release --example dualpol_timing
    /work/peers-venv/bin/python benches/compare/dualpol_speed.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(__file__))
import dualpol_reference as ref  # noqa: E402  (the same peer set-up as the reference fixtures)

REPO_ROOT = ref.REPO_ROOT
FILE = os.path.join(REPO_ROOT, "..", "shared", "data", "radar", ref.X_FILE)


def read_sweeps(path):
    import cinrad

    sd = cinrad.io.StandardData(path)
    sweeps = []
    for tilt in range(len(sd.el)):
        m = {}
        for key, name in [("REF", "DBZH"), ("ZDR", "ZDR"), ("RHO", "RHOHV"), ("PHI", "PHIDP")]:
            m[name] = np.ma.filled(sd.get_raw(tilt, (973 + 0.5) * 0.075, key).astype(np.float64), np.nan)
        sweeps.append((m, float(sd.el[tilt])))
    return sweeps


def peer_chain(sweeps):
    import pyart
    import wradlib
    from csu_radartools import csu_blended_rain, csu_fhc

    gate_m = 75.0
    ranges = gate_m * np.arange(1, 974)
    for m, elevation in sweeps:
        weather = np.isfinite(m["DBZH"]) & np.isfinite(m["PHIDP"]) & (np.nan_to_num(m["RHOHV"]) >= 0.8)
        phidp, kdp = wradlib.dp.phidp_kdp_vulpiani(np.where(weather, m["PHIDP"], np.nan), dr=0.075, winlen=27, niter=2)
        radar = ref.make_pyart_radar(m, ranges, elevation, 100.0, 9.464e9, np.where(weather, phidp, np.nan))
        gf = pyart.filters.GateFilter(radar)
        gf.exclude_invalid("reflectivity")
        gf.exclude_below("cross_correlation_ratio", 0.8)
        out = pyart.correct.calculate_attenuation_zphi(
            radar, fzl=4500.0, gatefilter=gf, temp_ref="fixed_fzl", refl_field="reflectivity",
            phidp_field="corrected_differential_phase", zdr_field="differential_reflectivity",
        )
        z = np.ma.filled(out[2]["data"].astype(np.float64), -32768.0)
        zdr = np.ma.filled(out[5]["data"].astype(np.float64), -32768.0)
        heights = ref.beam_height_m(ranges[None, :], elevation, 100.0) * np.ones((z.shape[0], 1))
        temperature = 0.0065 * (4500.0 - heights)
        csu_fhc.csu_fhc_summer(dz=z, zdr=zdr, kdp=np.nan_to_num(kdp, nan=-32768.0),
                               rho=np.nan_to_num(m["RHOHV"], nan=-32768.0), T=temperature, band="X")
        csu_blended_rain.calc_blended_rain(dz=z, zdr=zdr, kdp=np.nan_to_num(kdp, nan=-32768.0))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", default=FILE)
    parser.add_argument("--squall", default=os.path.join(REPO_ROOT, "target", "release", "examples", "dualpol_timing"))
    args = parser.parse_args()
    sweeps = read_sweeps(args.file)
    peer_chain(sweeps)  # warm-up
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        peer_chain(sweeps)
        times.append(time.perf_counter() - t0)
    peer = statistics.median(times)
    squall = json.loads(subprocess.run([args.squall, args.file, str(args.runs), "4500"], check=True,
                                       capture_output=True, text=True).stdout)
    ours = squall["median_s"]
    print(f"peer chain (wradlib Vulpiani + Py-ART ZPHI + CSU HID + CSU blended rain): median {peer:.3f} s "
          f"over {args.runs} runs {[round(t, 3) for t in times]}")
    print(f"squall dualpol::process: median {ours:.4f} s over {squall['runs']} runs {squall['times_s']}")
    print(f"ratio peer / squall: {peer / ours:.1f}x")


if __name__ == "__main__":
    main()
