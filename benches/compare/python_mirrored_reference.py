#!/usr/bin/env python3
"""pysteps' deterministic cascade, noise-filter and transformation functions on the recorded synthetic frames,
the fixture of ``python/tests/test_mirrored.py`` (``testdata/reference/python_mirrored_pysteps.json``).

Input: the nine 128 x 128 dB frames of ``testdata/reference/python_motion_frames.u8.gz`` (see
``python_motion_reference.py``; dB = raw / 4 - 15), decoded to float64, and a 96 x 128 crop of the last frame
(rows 16..112) for a non-square grid. pysteps 1.21.5 runs:

  * ``cascade.bandpass_filters.filter_gaussian`` for (128, 128), n = 6 and (96, 128), n = 5 (weights_1d,
    central_wavenumbers/freqs in full; weights_2d every 4th row and column);
  * ``cascade.decomposition.decomposition_fft(field, bp, normalize=True, compute_stats=True)`` of the last frame
    (128 x 128, n = 6) and of the crop (n = 5) with and without ``mask = field > -10``: means, stds, and the
    levels every 8 px (rows/columns 4, 12, ...); ``recompose_fft`` of them (every 8 px);
  * ``noise.fftgenerators.initialize_nonparam_2d_fft_filter(frames[-3:])`` (defaults): the filter every 4th row
    and column, and its total;
  * ``noise.fftgenerators.generate_noise_2d_fft_filter`` of that filter, 200 seeds: the mean radially averaged
    power spectrum (``utils.spectral.rapsd``) of the noise, for a statistical comparison;
  * ``utils.transformation``: dB, Box-Cox (lambda 0 and 0.5), sqrt and NQ transforms (forward and inverse) of the
    rain rate 10^(dB/10) (0 below 0.1 mm/h) of the last frame, every 8 px, plus the metadata numbers.

The peers are NOT a dependency of Squall. Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/python_mirrored_reference.py
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REFERENCE = os.path.join(REPO_ROOT, "testdata", "reference")
OUT = os.path.join(REFERENCE, "python_mirrored_pysteps.json")
S8 = np.s_[4::8, 4::8]
S4 = np.s_[:, ::4, ::4]


def frames() -> np.ndarray:
    meta = json.load(open(os.path.join(REFERENCE, "python_motion_pysteps.json")))["frames"]
    raw = np.frombuffer(gzip.decompress(open(os.path.join(REFERENCE, meta["file"]), "rb").read()), np.uint8)
    return raw.reshape(meta["shape"]).astype(np.float64) / 4.0 - 15.0


def lst(a, digits=7):
    return np.round(np.asarray(a, np.float64), digits).tolist()


def main() -> None:
    from pysteps.cascade.bandpass_filters import filter_gaussian
    from pysteps.cascade.decomposition import decomposition_fft, recompose_fft
    from pysteps.noise.fftgenerators import generate_noise_2d_fft_filter, initialize_nonparam_2d_fft_filter
    from pysteps.utils import spectral, transformation

    f = frames()
    last = f[-1]
    crop = last[16:112]
    out = {
        "peer": f"pysteps {metadata.version('pysteps')}",
        "numpy": np.__version__,
        "command": " ".join([os.path.basename(sys.executable)] + sys.argv),
        "input": "testdata/reference/python_motion_frames.u8.gz (dB = raw/4 - 15); crop = last frame rows 16:112",
        "filters": {},
        "decompositions": {},
    }
    for name, shape, n in (("square", (128, 128), 6), ("crop", (96, 128), 5)):
        bp = filter_gaussian(shape, n)
        out["filters"][name] = {
            "shape": list(shape), "n": n,
            "weights_1d": lst(bp["weights_1d"]),
            "weights_2d_every4": lst(bp["weights_2d"][S4]),
            "central_wavenumbers": lst(bp["central_wavenumbers"], 12),
            "central_freqs": lst(bp["central_freqs"], 12),
        }
        field = last if name == "square" else crop
        for masked in (False, True):
            kwargs = {"normalize": True, "compute_stats": True}
            if masked:
                kwargs["mask"] = field > -10.0
            d = decomposition_fft(field, bp, **kwargs)
            key = f"{name}{'_masked' if masked else ''}"
            out["decompositions"][key] = {
                "filter": name,
                "means": lst(d["means"]), "stds": lst(d["stds"]),
                "levels_every8": lst(d["cascade_levels"][(slice(None),) + S8]),
                "recomposed_every8": lst(recompose_fft(d)[S8]),
            }
    F = initialize_nonparam_2d_fft_filter(f[-3:])
    noise_psd = np.mean([spectral.rapsd(generate_noise_2d_fft_filter(F, seed=s), fft_method=np.fft)
                         for s in range(200)], axis=0)
    out["noise"] = {
        "nonparam_every4": lst(F["field"][::4, ::4], 5),
        "nonparam_sum": float(F["field"].sum()),
        "generated_rapsd_mean200": lst(noise_psd, 9),
    }
    rain = np.where(last > -10.0, 10.0 ** (last / 10.0), 0.0)
    t = {"rain_every8": lst(rain[S8])}
    db, m = transformation.dB_transform(rain, threshold=0.1, zerovalue=-15.0)
    back, mb = transformation.dB_transform(db, m, inverse=True)
    t["dB"] = {"forward": lst(db[S8]), "inverse": lst(back[S8]), "threshold": m["threshold"],
               "zerovalue": m["zerovalue"], "inverse_threshold": mb["threshold"]}
    for lam in (0.0, 0.5):
        bc, m = transformation.boxcox_transform(rain, Lambda=lam)
        back, mb = transformation.boxcox_transform(bc, m, inverse=True)
        t[f"boxcox_{lam}"] = {"forward": lst(bc[S8]), "inverse": lst(back[S8]), "threshold": m["threshold"],
                              "zerovalue": m["zerovalue"], "inverse_threshold": float(mb["threshold"])}
    sq, m = transformation.sqrt_transform(rain)
    back, _ = transformation.sqrt_transform(sq, m, inverse=True)
    t["sqrt"] = {"forward": lst(sq[S8]), "inverse": lst(back[S8])}
    nq, m = transformation.NQ_transform(rain)
    back, mb = transformation.NQ_transform(nq, m, inverse=True)
    t["NQ"] = {"forward": lst(nq[S8]), "inverse": lst(back[S8]), "threshold": float(m["threshold"]),
               "inverse_zerovalue": float(mb["zerovalue"]), "inverse_threshold": float(mb["threshold"])}
    out["transformation"] = t
    with open(OUT, "w") as fh:
        json.dump(out, fh)
    print(f"wrote {OUT} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
