#!/usr/bin/env python3
"""Step-by-step comparison of pysteps' STEPS with Squall's on one identical input (issue 6).

For one case (service, end index) the script

  1. reads the sequence as ``steps_reference.py`` does, transforms the three input frames with
     ``dB_transform(threshold=0.1, zerovalue=-15.0)`` and estimates pysteps' LK motion;
  2. writes the input (``frames_db.f32`` (3, ny, nx), ``velocity.f32`` (2, ny, nx), ``observed.f32``
     (lead, ny, nx) mm/h; raw little-endian float32, NaN = no data) and ``case.json`` into ``--dump DIR``, so that
     ``cargo run --release --example steps_diagnostics -- DIR`` runs Squall on exactly the same numbers;
  3. records pysteps' intermediate quantities: per cascade level the lag-1/2 correlations, the AR parameters
     (φ1, φ2, φ0), the mean and standard deviation of the newest field's levels, and the standard deviation of one
     nonparametric noise field per level before normalisation;
  4. runs ``steps.forecast`` in the variants given by ``--variants`` (``full``: nonparametric noise + bps motion
     perturbations; ``noise``: noise only; variants without noise are not offered: ``noise_method=None`` raises an
     IndexError in pysteps 1.21.5's deterministic branch, ``__update_deterministic_ar_model``), with
     ``--members`` members and ``--seeds`` seeds, and records per lead time the CRPS (mm/h), the wet fraction
     (≥ 0.1 mm/h) of the members, the mean ensemble spread (standard deviation over members, mm/h) and the MAE of
     the ensemble mean;
  5. writes everything to ``DIR/pysteps.json``.

    /work/peers-venv/bin/python benches/compare/steps_diagnostics.py --service bom --end 20 --dump /tmp/sd_bom20 \
        [--members 20] [--seeds 24 25] [--variants full noise]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from motion_reference import load_rain_rate  # noqa: E402
from steps_inputs import aligned_frames, case_input  # noqa: E402
from steps_reference import AR_ORDER, GRID, N_LEAD, N_LEVELS, cascade_statistics  # noqa: E402

VARIANTS = {
    "full": {"noise_method": "nonparametric", "vel_pert_method": "bps"},
    "noise": {"noise_method": "nonparametric", "vel_pert_method": None},
}


def per_lead(fc_mmh, observed):
    """fc (members, lead, y, x) mm/h, observed (lead, y, x)."""
    from pysteps.verification import probscores

    out = {"crps": [], "wet_fraction": [], "spread": [], "mean_mae": [], "mean_rain": []}
    for k in range(fc_mmh.shape[1]):
        f = fc_mmh[:, k]
        o = observed[k]
        out["crps"].append(float(probscores.CRPS(f, o)))
        out["wet_fraction"].append(float(np.sum(f >= 0.1) / np.sum(np.isfinite(f))))
        ok = np.all(np.isfinite(f), axis=0) & np.isfinite(o)
        out["spread"].append(float(np.mean(np.std(f[:, ok], axis=0))))
        out["mean_mae"].append(float(np.mean(np.abs(np.mean(f[:, ok], axis=0) - o[ok]))))
        out["mean_rain"].append(float(np.mean(f[:, ok])))
    return out


def noise_level_stds(frames_db, uv):
    """Standard deviation of each level of one nonparametric noise field before normalisation (seed 0)."""
    from pysteps import cascade, noise

    precip = aligned_frames(frames_db, uv, AR_ORDER)
    init, generate = noise.get_method("nonparametric")
    pert = init(precip)
    bp = cascade.bandpass_filters.filter_gaussian(precip.shape[1:], N_LEVELS)
    stds = []
    for seed in range(4):
        eps = generate(pert, randstate=np.random.RandomState(seed))
        dec = cascade.decomposition.decomposition_fft(eps, bp, normalize=True, compute_stats=True)
        stds.append([float(s) for s in dec["stds"]])
    return {"noise_field_std_after_generation": 1.0, "noise_level_stds": np.mean(stds, axis=0).tolist()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--service", required=True, choices=sorted(GRID))
    ap.add_argument("--end", type=int, required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared",
                                                      "data", "nowcast"))
    ap.add_argument("--members", type=int, default=20)
    ap.add_argument("--seeds", type=int, nargs="+", default=[24])
    ap.add_argument("--variants", nargs="+", default=["full"], choices=sorted(VARIANTS))
    args = ap.parse_args()

    from pysteps.nowcasts import steps
    from pysteps.utils.transformation import dB_transform

    os.makedirs(args.dump, exist_ok=True)
    rain, names, _ = load_rain_rate(args.service, args.data_dir)
    end = args.end
    frames_db, observed, uv = case_input(rain, end, AR_ORDER, N_LEAD)
    km, minutes = GRID[args.service]
    frames_db.astype("<f4").tofile(os.path.join(args.dump, "frames_db.f32"))
    uv.astype("<f4").tofile(os.path.join(args.dump, "velocity.f32"))
    observed.astype("<f4").tofile(os.path.join(args.dump, "observed.f32"))
    case = {"service": args.service, "end_index": end, "shape": list(frames_db.shape[1:]), "n_lead": N_LEAD,
            "km_per_pixel": km, "timestep_minutes": minutes, "files": names[end - AR_ORDER:end + 1]}
    with open(os.path.join(args.dump, "case.json"), "w") as f:
        json.dump(case, f, indent=1)

    # pysteps' own inputs as float32 -> float64 so both sides see identical numbers.
    frames_db = frames_db.astype(np.float32).astype(np.float64)
    uv = uv.astype(np.float32).astype(np.float64)
    doc = {"case": case, "cascade": cascade_statistics(frames_db, uv), **noise_level_stds(frames_db, uv),
           "members": args.members, "runs": []}
    for variant in args.variants:
        for seed in args.seeds:
            t0 = time.perf_counter()
            fc = steps.forecast(frames_db.copy(), uv, N_LEAD, n_ens_members=args.members,
                                n_cascade_levels=N_LEVELS, precip_thr=-10.0, kmperpixel=km, timestep=minutes,
                                mask_method="incremental", probmatching_method="cdf", ar_order=AR_ORDER,
                                seed=seed, num_workers=1, **VARIANTS[variant])
            seconds = time.perf_counter() - t0
            fc = dB_transform(fc, threshold=-10.0, inverse=True)[0]
            run = {"variant": variant, "seed": seed, "seconds": seconds, **per_lead(fc, observed)}
            doc["runs"].append(run)
            print(variant, seed, f"crps mean {np.mean(run['crps']):.4f}", f"{seconds:.0f} s", flush=True)
            with open(os.path.join(args.dump, "pysteps.json"), "w") as f:
                json.dump(doc, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
