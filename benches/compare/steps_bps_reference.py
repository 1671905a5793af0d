#!/usr/bin/env python3
"""pysteps' Bowler motion perturbations applied as its STEPS main loop applies them (issue 6).

On an analytic scene (no data file needed, so both sides build identical inputs) the script perturbs the motion with
fixed Laplace deviates and advects a field for 12 lead times exactly as ``pysteps.nowcasts.utils.nowcast_main_loop``
does for a STEPS member: ``initialize_bps(V, 1 / kmperpixel, timestep)`` with the deviates injected in place of the
member's ``laplace`` draws, then per lead time ``t = 1..12`` (time steps) the velocity
``V + generate_bps(perturbator, t * timestep)`` and ``semilagrangian.extrapolate(field, velocity, [1.0],
displacement_prev=...)`` continuing the member's displacement (NaN outside the domain, ``allow_nonfinite_values``).

Scene (``N`` × ``N`` pixels, row ``r``, column ``c``): motion ``u = 3 + 2 sin(2π r / N)``,
``v = −2 + 1.5 cos(2π c / N)`` px per step; field ``10 sin(2π c / 37) cos(2π r / 23) + 0.05 c`` dB, NaN where
``r + c < 20`` (no data); ``kmperpixel`` 0.5, ``timestep`` 6 min (BoM's grid).

Recorded per deviate pair: the number of NaN pixels per lead time, the field at every 12th pixel (rows and columns
``4 + 12 k``) per lead time, and the displacement at those pixels after the last lead time. Writes
``testdata/reference/steps_bps_pysteps.json``; checked by ``src/nowcast/steps/mod.rs``'s unit tests::

    /work/peers-venv/bin/python benches/compare/steps_bps_reference.py
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata

import numpy as np

N = 128
KM, MINUTES = 0.5, 6.0
N_LEAD = 12
DEVIATES = [(0.8, -1.1), (-1.2, -0.45), (0.3, 0.9)]
SAMPLE = slice(4, None, 12)


class Injected:
    """Stands in for the member's RandomState: returns the given deviates from ``laplace``."""

    def __init__(self, deviates):
        self.deviates = list(deviates)

    def laplace(self, scale):
        assert abs(scale - 1.0 / np.sqrt(2.0)) < 1e-12
        return self.deviates.pop(0)


def scene():
    r, c = np.mgrid[0:N, 0:N].astype(float)
    uv = np.stack([3.0 + 2.0 * np.sin(2 * np.pi * r / N), -2.0 + 1.5 * np.cos(2 * np.pi * c / N)])
    field = 10.0 * np.sin(2 * np.pi * c / 37.0) * np.cos(2 * np.pi * r / 23.0) + 0.05 * c
    field[r + c < 20] = np.nan
    # The inputs as float32, as Squall holds them.
    return uv.astype(np.float32).astype(np.float64), field.astype(np.float32).astype(np.float64)


def main() -> int:
    from pysteps.extrapolation.semilagrangian import extrapolate
    from pysteps.noise.motion import generate_bps, initialize_bps

    uv, field = scene()
    xy = np.stack(np.meshgrid(np.arange(N), np.arange(N)))
    runs = []
    for deviates in DEVIATES:
        perturbator = initialize_bps(uv, 1.0 / KM, MINUTES, randstate=Injected(deviates))
        displacement, nan_pixels, samples = None, [], []
        for t in range(1, N_LEAD + 1):
            velocity = uv + generate_bps(perturbator, t * MINUTES)
            out, displacement = extrapolate(field, velocity, [1.0], displacement_prev=displacement, xy_coords=xy,
                                            return_displacement=True, allow_nonfinite_values=True)
            nan_pixels.append(int(np.isnan(out[0]).sum()))
            samples.append([None if np.isnan(v) else round(float(v), 5) for v in out[0][SAMPLE, SAMPLE].ravel()])
        runs.append({"deviates": list(deviates), "nan_pixels": nan_pixels, "field_samples": samples,
                     "displacement_samples": np.round(displacement[:, SAMPLE, SAMPLE].reshape(2, -1), 5).tolist()})
    doc = {"peer": f"pysteps {metadata.version('pysteps')}", "grid": N, "km_per_pixel": KM,
           "timestep_minutes": MINUTES, "n_lead": N_LEAD, "samples": "rows and columns 4 + 12 k, row-major",
           "command": "python benches/compare/steps_bps_reference.py", "runs": runs}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "testdata", "reference", "steps_bps_pysteps.json")
    with open(path, "w") as f:
        json.dump(doc, f)
        f.write("\n")
    print("wrote", os.path.normpath(path))
    return 0


if __name__ == "__main__":
    sys.exit(main())
