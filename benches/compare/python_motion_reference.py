#!/usr/bin/env python3
"""pysteps' motion fields on a small synthetic sequence, the fixture of ``python/tests/test_motion.py``.

Makes nine 128 x 128 frames (seeded): a power-law Gaussian random field mapped to rain rate (about 40 % wet),
advected by a smooth, known, non-uniform motion (u = 2 + sin(2 pi y / 128), v = -1 + 0.8 cos(2 pi x / 128)
pixels per step, periodic: frame k is frame 0 sampled at x - k u, y - k v with cubic splines), converted to
dB (10 log10 R from 0.1 mm/h, -15 dB below) and quantised to 0.25 dB. The frames are stored as
``testdata/reference/python_motion_frames.u8.gz`` (uint8, raw = 4 (dB + 15), shape (9, 128, 128), C order);
pysteps 1.21.5 then runs on the float64 frames decoded from them:

  * ``dense_lucaskanade(frames[-3:])`` (``get_method("LK")``, defaults),
  * ``vet(frames[-3:], verbose=False)``,
  * ``DARTS(frames, verbose=False)``,
  * ``constant(frames[-3:])``,

and the motion (2, y, x) of each is stored every 8 pixels (rows and columns 4, 12, ..., 124) with its mean over
the rain pixels (dB > -15 in the last frame) in ``testdata/reference/python_motion_pysteps.json``.

The peers are NOT a dependency of Squall. Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/python_motion_reference.py
"""

from __future__ import annotations

import gzip
import json
import os
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(REPO_ROOT, "testdata", "reference")
SEED = 20261129
N = 128
FRAMES = 9
STEP = 8
OFFSET = 4


def truth() -> np.ndarray:
    """The motion (2, y, x) that moves the scene, pixels per step."""
    y, x = np.mgrid[0:N, 0:N].astype(np.float64)
    return np.stack([2.0 + np.sin(2 * np.pi * y / N), -1.0 + 0.8 * np.cos(2 * np.pi * x / N)])


def make_frames() -> np.ndarray:
    from scipy.ndimage import map_coordinates

    rng = np.random.default_rng(SEED)
    ky = np.fft.fftfreq(N)[:, None]
    kx = np.fft.fftfreq(N)[None, :]
    k = np.hypot(kx, ky)
    k[0, 0] = 1.0
    g = np.fft.ifft2(np.fft.fft2(rng.standard_normal((N, N))) * k**-1.6).real
    g = (g - g.mean()) / g.std()
    t = np.quantile(g, 0.6)
    rain = np.where(g > t, 8.0 * (np.exp(1.2 * (g - t)) - 1.0), 0.0)
    u, v = truth()
    y, x = np.mgrid[0:N, 0:N].astype(np.float64)
    frames = []
    for step in range(FRAMES):
        moved = map_coordinates(rain, [y - step * v, x - step * u], order=3, mode="grid-wrap")
        with np.errstate(divide="ignore", invalid="ignore"):
            db = np.where(moved >= 0.1, 10.0 * np.log10(moved), -15.0)
        frames.append(db)
    raw = np.clip(np.round((np.stack(frames) + 15.0) * 4.0), 0, 255).astype(np.uint8)
    return raw


def decode(raw: np.ndarray) -> np.ndarray:
    return raw.astype(np.float64) / 4.0 - 15.0


def summary(motion: np.ndarray, rain: np.ndarray) -> dict:
    return {
        "mean_rain": [float(motion[0][rain].mean()), float(motion[1][rain].mean())],
        "sampled": np.round(motion[:, OFFSET::STEP, OFFSET::STEP], 5).tolist(),
    }


def main() -> None:
    import pysteps
    from pysteps.motion.darts import DARTS
    from pysteps.motion.vet import vet

    raw = make_frames()
    with open(os.path.join(OUT, "python_motion_frames.u8.gz"), "wb") as f:
        f.write(gzip.compress(raw.tobytes(), mtime=0))
    frames = decode(raw)
    rain = frames[-1] > -15.0
    results = {
        "lk": pysteps.motion.get_method("LK")(frames[-3:]),
        "vet": vet(frames[-3:], verbose=False),
        "darts": DARTS(frames, verbose=False),
        "constant": pysteps.motion.get_method("constant")(frames[-3:]),
    }
    fixture = {
        "generator": "benches/compare/python_motion_reference.py",
        "command": "python benches/compare/python_motion_reference.py",
        "versions": {p: metadata.version(p) for p in ["pysteps", "numpy", "scipy", "opencv-python"]
                     if _installed(p)},
        "frames": {
            "file": "python_motion_frames.u8.gz",
            "dtype": "uint8, dB = raw / 4 - 15",
            "shape": [FRAMES, N, N],
            "seed": SEED,
        },
        "truth": "u = 2 + sin(2 pi y / 128), v = -1 + 0.8 cos(2 pi x / 128) px/step",
        "truth_sampled": np.round(truth()[:, OFFSET::STEP, OFFSET::STEP], 5).tolist(),
        "rain": "dB > -15 in the last frame",
        "rain_pixels": int(rain.sum()),
        "sampling": f"rows and columns {OFFSET}, {OFFSET + STEP}, ... (every {STEP} px)",
        "calls": {
            "lk": "pysteps.motion.get_method('LK')(frames[-3:])",
            "vet": "pysteps.motion.vet.vet(frames[-3:], verbose=False)",
            "darts": "pysteps.motion.darts.DARTS(frames, verbose=False)",
            "constant": "pysteps.motion.get_method('constant')(frames[-3:])",
        },
        "methods": {name: summary(np.asarray(m), rain) for name, m in results.items()},
    }
    with open(os.path.join(OUT, "python_motion_pysteps.json"), "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    for name, m in fixture["methods"].items():
        print(name, m["mean_rain"])


def _installed(name: str) -> bool:
    try:
        metadata.version(name)
        return True
    except metadata.PackageNotFoundError:
        return False


if __name__ == "__main__":
    main()
