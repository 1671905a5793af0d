#!/usr/bin/env python3
"""Peer reference scores of pysteps' S-PROG and STEPS on the real sequences (pysteps 1.21.5).

For each real sequence in ``shared/data/nowcast/`` (BoM, RMI, FMI) and two start times each, the script

  1. reads the files as ``motion_reference.py`` does (pysteps' archive finder and importers; rain rate in mm/h:
     BoM ``to_rainrate``, RMI as stored, FMI Marshall-Palmer a = 200, b = 1.6 from dBZ; NaN = no data);
  2. takes the three frames ending at the case's index, transforms them with
     ``dB_transform(threshold=0.1, zerovalue=-15.0)`` (NaN kept) and estimates the motion with pysteps' LK
     (``dense_lucaskanade`` defaults) on them;
  3. records the cascade statistics pysteps' STEPS starts from (older frames extrapolated onto the newest with
     ``semilagrangian.extrapolate(..., outval="min")``, NaN -> field minimum, ``filter_gaussian`` with 8 levels,
     ``decomposition_fft(normalize=True)``, ``temporal_autocorrelation``, ``adjust_lag2_corrcoef2``,
     ``estimate_ar_params_yw``);
  4. runs ``pysteps.nowcasts.sprog.forecast`` and ``pysteps.nowcasts.steps.forecast`` with the settings below
     (8 cascade levels, AR(2), precip_thr -10 dB, kmperpixel and timestep of the grid, STEPS: nonparametric noise,
     bps motion perturbations, cdf probability matching, incremental mask, 12 members, seed 24, one worker);
  5. back-transforms with ``dB_transform(inverse=True, threshold=-10.0)`` (mm/h) and verifies every lead time
     against the observed frames that follow: CRPS (``probscores.CRPS``; S-PROG as a one-member ensemble = MAE)
     and FSS at 1 and 5 mm/h over 4- and 16-pixel windows (``spatialscores.fss_init/accum/compute``, STEPS members
     pooled in one accumulator);
  6. writes ``testdata/reference/steps_<service>_pysteps.json``.

The data files are read in place, never copied. Run from the repo root (≈ 10 min on 2 shared cores)::

    /work/peers-venv/bin/python benches/compare/steps_reference.py [--only bom|rmi|fmi] [--data-dir DIR] [--out DIR]
    # then, to estimate the seed-to-seed spread of pysteps' scores (adds ``steps_extra_seeds`` to each case):
    /work/peers-venv/bin/python benches/compare/steps_reference.py --only bom --extra-seeds 2 [--cases 20]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from importlib import metadata

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from motion_reference import REPO_ROOT, load_rain_rate  # noqa: E402
from steps_inputs import aligned_frames, case_input  # noqa: E402

CASES = {"bom": [20, 40], "rmi": [12, 25], "fmi": [12, 25]}
GRID = {"bom": (0.5, 6.0), "rmi": (1.0, 5.0), "fmi": (1.0, 5.0)}  # km per pixel, minutes per step
N_LEVELS = 8
AR_ORDER = 2
N_LEAD = 12
N_MEMBERS = 12
SEED = 24
THRESHOLDS = [1.0, 5.0]
SCALES = [4, 16]
SETTINGS = {
    "n_cascade_levels": N_LEVELS, "ar_order": AR_ORDER, "precip_thr": -10.0, "lead_times": N_LEAD,
    "n_ens_members": N_MEMBERS, "seed": SEED, "noise_method": "nonparametric", "vel_pert_method": "bps",
    "probmatching_method": "cdf", "mask_method": "incremental", "sprog_probmatching": "cdf",
    "num_workers": 1, "transform": "dB_transform(threshold=0.1, zerovalue=-15.0)",
}


def cascade_statistics(frames_db, uv):
    from pysteps import cascade
    from pysteps.timeseries import autoregression, correlation

    precip = aligned_frames(frames_db, uv, AR_ORDER)
    bp = cascade.bandpass_filters.filter_gaussian(precip.shape[1:], N_LEVELS)
    decs = [cascade.decomposition.decomposition_fft(p, bp, normalize=True, compute_stats=True) for p in precip]
    gamma, gamma_adj, phi = [], [], []
    for k in range(N_LEVELS):
        series = np.stack([d["cascade_levels"][k] for d in decs])
        g = correlation.temporal_autocorrelation(series)
        g2 = autoregression.adjust_lag2_corrcoef2(g[0], g[1])
        gamma.append([float(v) for v in g])
        gamma_adj.append(float(g2))
        phi.append([float(v) for v in autoregression.estimate_ar_params_yw([g[0], g2])])
    return {
        "gamma": gamma, "gamma2_adjusted": gamma_adj, "phi": phi,
        "means": [float(v) for v in decs[-1]["means"]], "stds": [float(v) for v in decs[-1]["stds"]],
        "central_wavenumbers": [float(v) for v in bp["central_wavenumbers"]],
    }


def scores(forecast_mmh, observed_mmh):
    """forecast (members, lead, y, x) mm/h, observed (lead, y, x)."""
    from pysteps.verification import probscores, spatialscores

    crps, fss = [], {f"{t:g}": {str(s): [] for s in SCALES} for t in THRESHOLDS}
    for k in range(forecast_mmh.shape[1]):
        crps.append(float(probscores.CRPS(forecast_mmh[:, k], observed_mmh[k])))
        for t in THRESHOLDS:
            for s in SCALES:
                acc = spatialscores.fss_init(t, s)
                for m in range(forecast_mmh.shape[0]):
                    spatialscores.fss_accum(acc, forecast_mmh[m, k], observed_mmh[k])
                fss[f"{t:g}"][str(s)].append(float(spatialscores.fss_compute(acc)))
    return {"crps": crps, "fss": fss}


def bps_deviates(seed, members):
    """pysteps' per-member Bowler deviates ``(eps_par, eps_perp)`` of ``steps.forecast(seed=seed)``, from its seed
    chain: member j's noise RandomState(s_j) draws ``randint(0, 1e9)``, which seeds the member's motion
    RandomState; that draws ``randint(0, 1e9)`` (s_{j+1}) and later, in ``initialize_bps``, two
    ``laplace(scale=1/sqrt(2))``."""
    out = []
    for _ in range(members):
        rs = np.random.RandomState(seed)
        rs_motion = np.random.RandomState(rs.randint(0, high=int(1e9)))
        seed = rs_motion.randint(0, high=int(1e9))
        out.append([float(rs_motion.laplace(scale=1.0 / np.sqrt(2))), float(rs_motion.laplace(scale=1.0 / np.sqrt(2)))])
    return out


def extra_seeds(service, data_dir, out_dir, n_extra, command, only_cases=None):
    """Adds STEPS runs with seeds SEED+1..SEED+n_extra to an existing fixture (``steps_extra_seeds`` per case,
    keeping the seeds already recorded; every run gets its members' Bowler deviates ``bps_deviates``; only the cases whose end index is in ``only_cases`` when given). The
    fixture is rewritten after every run, so an interrupted run keeps what it finished."""
    from pysteps.nowcasts import steps
    from pysteps.utils.transformation import dB_transform

    path = os.path.join(out_dir, f"steps_{service}_pysteps.json")
    with open(path) as f:
        doc = json.load(f)
    rain, _, _ = load_rain_rate(service, data_dir)
    km, minutes = GRID[service]
    doc["extra_seeds_command"] = command
    for case in doc["cases"]:
        end = case["end_index"]
        if only_cases and end not in only_cases:
            continue
        frames_db, observed, uv = case_input(rain, end, AR_ORDER, N_LEAD)
        runs = case.setdefault("steps_extra_seeds", [])
        case["steps"]["bps_deviates"] = bps_deviates(SEED, N_MEMBERS)
        for r in runs:
            r["bps_deviates"] = bps_deviates(r["seed"], N_MEMBERS)
        done = {r["seed"] for r in runs}
        for seed in range(SEED + 1, SEED + 1 + n_extra):
            if seed in done:
                continue
            t0 = time.perf_counter()
            fc = steps.forecast(frames_db.copy(), uv, N_LEAD, n_ens_members=N_MEMBERS, n_cascade_levels=N_LEVELS,
                                precip_thr=-10.0, kmperpixel=km, timestep=minutes, noise_method="nonparametric",
                                vel_pert_method="bps", mask_method="incremental", probmatching_method="cdf",
                                ar_order=AR_ORDER, seed=seed, num_workers=1)
            seconds = time.perf_counter() - t0
            fc = dB_transform(fc, threshold=-10.0, inverse=True)[0]
            runs.append({"seed": seed, "seconds": seconds, "bps_deviates": bps_deviates(seed, N_MEMBERS),
                         **scores(fc, observed)})
            runs.sort(key=lambda r: r["seed"])
            print(service, end, "seed", seed, "crps mean", np.mean(runs[-1]["crps"]), f"{seconds:.0f} s", flush=True)
            with open(path, "w") as f:
                json.dump(doc, f, indent=1)
                f.write("\n")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return path


def run_service(service, data_dir, out_dir, command):
    from pysteps.nowcasts import sprog, steps
    from pysteps.utils.transformation import dB_transform

    rain, names, importer_name = load_rain_rate(service, data_dir)
    km, minutes = GRID[service]
    cases = []
    for end in CASES[service]:
        frames_mmh = rain[end - AR_ORDER:end + 1]
        frames_db, observed, uv = case_input(rain, end, AR_ORDER, N_LEAD)
        case = {"end_index": end, "files": names[end - AR_ORDER:end + 1],
                "observed_files": names[end + 1:end + 1 + N_LEAD],
                "lk_mean_all": [float(uv[0].mean()), float(uv[1].mean())]}
        case["cascade"] = cascade_statistics(frames_db, uv)
        t0 = time.perf_counter()
        fc = sprog.forecast(frames_db.copy(), uv, N_LEAD, precip_thr=-10.0, n_cascade_levels=N_LEVELS,
                            ar_order=AR_ORDER, probmatching_method="cdf")
        case["sprog_seconds"] = time.perf_counter() - t0
        fc = dB_transform(fc, threshold=-10.0, inverse=True)[0]
        case["sprog"] = scores(fc[None], observed)
        case["sprog"]["wet_fraction"] = [float(np.nanmean(f >= 0.1)) for f in fc]
        t0 = time.perf_counter()
        fc = steps.forecast(frames_db.copy(), uv, N_LEAD, n_ens_members=N_MEMBERS, n_cascade_levels=N_LEVELS,
                            precip_thr=-10.0, kmperpixel=km, timestep=minutes, noise_method="nonparametric",
                            vel_pert_method="bps", mask_method="incremental", probmatching_method="cdf",
                            ar_order=AR_ORDER, seed=SEED, num_workers=1)
        case["steps_seconds"] = time.perf_counter() - t0
        fc = dB_transform(fc, threshold=-10.0, inverse=True)[0]
        case["steps"] = scores(fc, observed)
        case["steps"]["bps_deviates"] = bps_deviates(SEED, N_MEMBERS)
        case["steps"]["wet_fraction"] = [float(np.nanmean(fc[:, k] >= 0.1)) for k in range(N_LEAD)]
        case["persistence"] = scores(np.repeat(frames_mmh[-1][None, None], N_LEAD, axis=1), observed)
        cases.append(case)
        print(service, end, "sprog crps", case["sprog"]["crps"][-1], "steps crps", case["steps"]["crps"][-1],
              f"{case['steps_seconds']:.1f} s", flush=True)
    doc = {
        "service": service, "peer": f"pysteps {metadata.version('pysteps')}",
        "versions": {"pysteps": metadata.version("pysteps"), "numpy": np.__version__},
        "importer": f"pysteps.io.importers.{importer_name}", "km_per_pixel": km, "timestep_minutes": minutes,
        "settings": SETTINGS, "thresholds_mmh": THRESHOLDS, "scales_px": SCALES,
        "motion": "pysteps LK (dense_lucaskanade defaults) on the three dB frames",
        "verification": "mm/h after dB_transform(inverse=True, threshold=-10); CRPS over pixels where the "
                        "observation and all members are finite; FSS with NaN -> below threshold, members pooled",
        "command": command, "cases": cases,
    }
    path = os.path.join(out_dir, f"steps_{service}_pysteps.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--only", choices=sorted(CASES))
    ap.add_argument("--extra-seeds", type=int, default=0,
                    help="add STEPS runs with this many further seeds to the existing fixtures")
    ap.add_argument("--cases", type=int, nargs="+", help="with --extra-seeds: only these end indices")
    args = ap.parse_args()
    command = " ".join(shlex.quote(a) for a in ["python", *sys.argv])
    for service in ([args.only] if args.only else list(CASES)):
        if args.extra_seeds:
            print("wrote", extra_seeds(service, args.data_dir, args.out, args.extra_seeds, command, args.cases), flush=True)
            continue
        print("wrote", run_service(service, args.data_dir, args.out, command), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
