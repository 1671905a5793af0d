#!/usr/bin/env python3
"""pysteps' STEPS noise draws, for replaying them in Squall (pysteps 1.21.5, numpy's legacy ``RandomState``).

``steps.forecast(seed=s)`` gives member j a noise ``RandomState(s_j)`` (``s_0 = s``), which first draws
``randint(0, 1e9)`` (the seed of the member's motion ``RandomState``, which draws ``s_{j+1}``), and then, at every
lead time, ``randn(ny, nx)``: the white noise that ``generate_noise_2d_fft_filter`` filters with the
nonparametric filter (``initialize_nonparam_2d_fft_filter`` of the aligned input frames) and normalises. The
draws follow from the seed alone, so the fixture holds no noise field, only what checks that Squall's test
regenerates them (``tests/it/steps_pysteps.rs``, numpy's MT19937 and legacy polar Gaussian):

  * per member of seed 24, the stream seed ``s_j`` and the first values of the first two ``randn`` calls on a
    512 × 512 grid (``normals_step0``, ``normals_step1``);
  * on BoM 20 (the case of ``steps_reference.py``), the filtered and normalised noise of member 0 at lead time 1
    (``generate_noise_2d_fft_filter`` with that member's stream positioned as in ``steps.forecast``) at every
    32nd pixel, and its mean and standard deviation.

Writes ``testdata/reference/steps_noise_pysteps.json`` (≈ 10 kB). Run from the repo root (≈ 10 s)::

    /work/peers-venv/bin/python benches/compare/steps_noise_reference.py [--data-dir DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from importlib import metadata

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from motion_reference import REPO_ROOT, load_rain_rate  # noqa: E402
from steps_inputs import aligned_frames, case_input  # noqa: E402

SEED = 24
MEMBERS = 12
SHAPE = (512, 512)
HEAD = 4
CASE = ("bom", 20)
STRIDE = 32


def noise_streams(seed, members):
    """The members' noise ``RandomState``s of ``steps.forecast(seed=seed)``, each after its ``randint``, with the
    stream seeds."""
    streams = []
    for _ in range(members):
        rs = np.random.RandomState(seed)
        noise_seed = seed
        seed = rs.randint(0, high=int(1e9))
        rs_motion = np.random.RandomState(seed)
        seed = rs_motion.randint(0, high=int(1e9))
        streams.append((noise_seed, rs))
    return streams


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    args = ap.parse_args()
    from pysteps import noise

    members = []
    for noise_seed, rs in noise_streams(SEED, MEMBERS):
        step0 = rs.randn(*SHAPE).ravel()[:HEAD]
        step1 = rs.randn(*SHAPE).ravel()[:HEAD]
        members.append({"noise_seed": int(noise_seed), "normals_step0": [float(v) for v in step0],
                        "normals_step1": [float(v) for v in step1]})

    service, end = CASE
    rain, _, _ = load_rain_rate(service, args.data_dir)
    frames_db, _, uv = case_input(rain, end, 2, 12)
    precip = aligned_frames(frames_db, uv, 2)
    init_noise, generate_noise = noise.get_method("nonparametric")
    pert = init_noise(precip)
    _, rs = noise_streams(SEED, 1)[0]
    eps = generate_noise(pert, randstate=rs, domain="spatial")
    samples = eps[::STRIDE, ::STRIDE]
    doc = {
        "peer": f"pysteps {metadata.version('pysteps')}",
        "versions": {"pysteps": metadata.version("pysteps"), "numpy": np.__version__},
        "command": " ".join(shlex.quote(a) for a in ["python", *sys.argv]),
        "seed": SEED, "shape": list(SHAPE), "members": members,
        "filtered": {"service": service, "end_index": end, "member": 0, "lead_index": 0, "stride": STRIDE,
                     "shape": list(eps.shape), "mean": float(eps.mean()), "std": float(eps.std()),
                     "samples": [[float(v) for v in row] for row in samples]},
    }
    path = os.path.join(args.out, "steps_noise_pysteps.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
