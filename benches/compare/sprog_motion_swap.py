#!/usr/bin/env python3
"""pysteps' S-PROG input, motion and forecast of one case, for ``examples/sprog_motion_swap.rs`` (pysteps 1.21.5).

Reads the sequence as ``steps_reference.py`` does, takes the three dB frames ending at ``--end``, estimates pysteps'
LK motion (``dense_lucaskanade`` defaults) and runs ``sprog.forecast`` with the settings of ``steps_reference.py``
(8 levels, AR(2), precip_thr -10 dB, cdf probability matching, 12 lead times). Writes raw little-endian float32
into ``--dump DIR`` (NaN = no data): ``frames_db.f32`` (3, ny, nx), ``velocity.f32`` (2, ny, nx) px per step,
``observed.f32`` (lead, ny, nx) mm/h, ``sprog_db.f32`` (lead, ny, nx) dB, and ``case.json`` (shape, lead times).
The Squall side runs S-PROG on the same frames with Squall's LK and with pysteps' LK and compares (issue 6: is the
RMI 12 S-PROG difference the motion field?)::

    /work/peers-venv/bin/python benches/compare/sprog_motion_swap.py --service rmi --end 12 --dump /tmp/swap_rmi12
    cargo run --release --example sprog_motion_swap -- /tmp/swap_rmi12
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from motion_reference import REPO_ROOT, load_rain_rate  # noqa: E402
from steps_inputs import case_input  # noqa: E402
from steps_reference import AR_ORDER, GRID, N_LEAD, N_LEVELS  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--service", required=True, choices=sorted(GRID))
    ap.add_argument("--end", type=int, required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    args = ap.parse_args()
    from pysteps.nowcasts import sprog

    rain, names, _ = load_rain_rate(args.service, args.data_dir)
    frames_db, observed, uv = case_input(rain, args.end, AR_ORDER, N_LEAD)
    fc = sprog.forecast(frames_db.copy(), uv, N_LEAD, precip_thr=-10.0, n_cascade_levels=N_LEVELS,
                        ar_order=AR_ORDER, probmatching_method="cdf")
    os.makedirs(args.dump, exist_ok=True)
    for name, array in [("frames_db", frames_db), ("velocity", uv), ("observed", observed), ("sprog_db", fc)]:
        np.asarray(array, "<f4").tofile(os.path.join(args.dump, f"{name}.f32"))
    km, minutes = GRID[args.service]
    with open(os.path.join(args.dump, "case.json"), "w") as f:
        json.dump({"service": args.service, "end_index": args.end, "files": names[args.end - AR_ORDER:args.end + 1],
                   "shape": list(frames_db.shape[1:]), "n_lead": N_LEAD, "n_levels": N_LEVELS,
                   "km_per_pixel": km, "timestep_minutes": minutes}, f, indent=1)
    print("wrote", args.dump)
    return 0


if __name__ == "__main__":
    sys.exit(main())
