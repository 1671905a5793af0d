#!/usr/bin/env python3
"""pysteps' semi-Lagrangian extrapolation on a fixed input, recorded for Squall's conformance test.

Input: a 128 x 128 crop (rows 288:416, cols 16:144) of the BoM frame 2_20180616_120000 in mm/h as
pysteps' import_bom_rf3 returns it, and an analytic motion field (rotation + shear + drift, computed in float64 and
cast to float32, which Rust reproduces bit for bit). Output: pysteps.extrapolation.semilagrangian.extrapolate
with its defaults (n_iter=1, interp_order=1, outval=nan) at lead times 1..12 (1, 6 and 12 stored), and at fractional lead times
[0.5, 2.25, 7.75]; also n_iter=0 and outval=0. Everything is written as gzip-compressed little-endian float32
under testdata/extrapolation/ with a JSON sidecar.

    /work/peers-venv/bin/python benches/compare/extrapolation_reference.py
"""

import gzip
import json
import pathlib

import numpy as np
from pysteps.extrapolation.semilagrangian import extrapolate
from pysteps.io.importers import import_bom_rf3

ROOT = pathlib.Path(__file__).resolve().parents[2]
SRC = ROOT.parent / "shared/data/nowcast/radar/bom/prcp-cscn/2/2018/06/16/2_20180616_120000.prcp-cscn.nc"
OUT = ROOT / "testdata/extrapolation"
N = 128


def motion():
    r, c = np.meshgrid(np.arange(N, dtype=np.float64), np.arange(N, dtype=np.float64), indexing="ij")
    u = -0.03 * (r - 64.0) + 1.5
    v = 0.02 * (c - 64.0) + 0.7 + 0.004 * (r - 64.0)
    return np.stack([u, v]).astype(np.float32)


def save(name, array):
    array = np.ascontiguousarray(array, dtype="<f4")
    (OUT / f"{name}.f32.gz").write_bytes(gzip.compress(array.tobytes(), mtime=0))
    return {"shape": list(array.shape)}


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    precip, _, meta = import_bom_rf3(str(SRC))
    field = np.asarray(precip, dtype=np.float32)[288:416, 16:144]
    vel = motion()
    cases = {
        "steps_1_12": dict(timesteps=12),
        "fractional": dict(timesteps=[0.5, 2.25, 7.75]),
        "euler_outval0": dict(timesteps=[1.0, 3.0], n_iter=0, outval=0.0),
    }
    sidecar = {
        "input": save("input", field),
        "source": SRC.name,
        "crop": "rows 288:416, cols 16:144",
        "unit": meta["unit"],
        "motion": "u = -0.03 (row - 64) + 1.5, v = 0.02 (col - 64) + 0.7 + 0.004 (row - 64), float64 -> float32",
        "cases": {},
    }
    for name, kw in cases.items():
        out, disp = extrapolate(field.astype(np.float64), vel.astype(np.float64), return_displacement=True, **kw)
        sidecar["cases"][name] = {
            "call": f"extrapolate(field, velocity, return_displacement=True, **{kw})",
            # Of the 12-step run, lead times 1, 6 and 12 are kept (fixture size).
            "fields": save(f"{name}_fields", out[[0, 5, 11]] if name == "steps_1_12" else out),
            "stored_lead_time_indices": [0, 5, 11] if name == "steps_1_12" else list(range(len(out))),
            # The displacement is stored for one case only (it is large and smooth).
            "displacement": save(f"{name}_displacement", disp) if name == "steps_1_12" else None,
        }
    import pysteps

    sidecar["pysteps"] = pysteps.__version__ if hasattr(pysteps, "__version__") else "1.21.5"
    (OUT / "pysteps_semilagrangian.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
