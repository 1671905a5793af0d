"""pysteps' VET and DARTS motion on the three real composite sequences, as reference fixtures.

For each service (``bom``, ``rmi``, ``fmi``) and each start index of ``STARTS``, the frames ``start ..
start + 9`` of the sequence (ordered by time, as ``pysteps.io.archive.find_by_date`` lists them) are read
with pysteps' importer, converted to rain rate and transformed to dB exactly as the Rust test does:

  * rain rate R (mm/h): BoM via ``pysteps.utils.conversion.to_rainrate`` (mm per 6 min x 10); RMI as read;
    FMI from dBZ by Marshall-Palmer with FMI's coefficients, R = (10^(dBZ/10) / 223)^(1 / 1.53);
  * dB: 10 log10(R) where R >= 0.1 mm/h, -15 dB elsewhere and where there is no data (NaN), as pysteps'
    ``dB_transform(threshold=0.1, zerovalue=-15)`` followed by ``R[~np.isfinite(R)] = -15`` in its examples;
  * VET: ``pysteps.motion.vet.vet(db[-3:], verbose=False)`` (defaults: sectors (32, 16, 4, 2), smooth_gain
    1e6, CG with gtol 0.1 and maxiter 100 per scale), i.e. the last three of the nine frames;
  * DARTS: ``pysteps.motion.darts.DARTS(db, verbose=False)`` on all nine frames (defaults: N_x = N_y = 50,
    N_t = 4, M_x = M_y = 2, lsq_method 2, numpy FFT).

Recorded per case: the mean u and v (pixels per step) over the pixels "in rain" (R >= 0.1 mm/h in the last
frame), their count, the wall time of the call, the residual of the last three frames advected by the field
(``residual``: sum over both pairs of (I_{k+1}(x) - I_k(x - V))^2, bilinear, departure points outside the grid
left out; ``residual_zero_motion`` for V = 0), and the field subsampled every ``STRIDE`` pixels (rows and
columns ``STRIDE // 2 + k * STRIDE``) with the rain flag of each sample, from which the Rust test computes the
vector correlation with Squall's field.

Usage (from the repository root)::

    /work/peers-venv/bin/python benches/compare/motion_vet_darts_reference.py \
        [--data-dir ../shared/data/nowcast] [--out testdata/reference] [--only bom|rmi|fmi]
"""

import argparse
import datetime as dt
import json
import os
import shlex
import sys
import time
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# service -> (pystepsrc data source, last time of the sequence, number of files, importer name)
SERVICES = {
    "bom": ("bom", dt.datetime(2018, 6, 16, 16, 0), 61, "import_bom_rf3"),
    "rmi": ("rmi", dt.datetime(2021, 7, 4, 19, 0), 39, "import_odim_hdf5"),
    "fmi": ("fmi", dt.datetime(2016, 9, 28, 18, 0), 40, "import_fmi_pgm"),
}
# Index of the first of the nine frames of each case, per service.
STARTS = {"bom": [10, 45], "rmi": [2, 26], "fmi": [4, 28]}
N_FRAMES = 9
STRIDE = 16
RAIN_THRESHOLD = 0.1  # mm/h
ZERO_DB = -15.0


def load(service: str, data_dir: str):
    """The sequence as rain rate (t, y, x) float64 with NaN = no data, and the file names and times."""
    import pysteps
    from pysteps.io import archive, importers
    from pysteps.utils import conversion

    source, last, count, importer_name = SERVICES[service]
    src = pysteps.rcparams.data_sources[source]
    root = os.path.join(data_dir, os.path.relpath(src["root_path"], "."))
    paths, stamps = archive.find_by_date(last, root, src["path_fmt"], src["fn_pattern"],
                                         src["fn_ext"], src["timestep"], num_prev_files=count - 1)
    importer = getattr(importers, importer_name)
    frames = []
    for path in paths:
        field, _, meta = importer(path, **src["importer_kwargs"])
        field = np.asarray(np.ma.filled(field, np.nan), dtype=np.float64)
        if service == "bom":
            field, _ = conversion.to_rainrate(field, dict(meta))
        elif service == "fmi":
            field = (10.0 ** (field / 10.0) / 223.0) ** (1.0 / 1.53)
        frames.append(field)
    names = [os.path.basename(p) for p in paths]
    times = [s.strftime("%Y-%m-%dT%H:%M:%SZ") for s in stamps]
    return np.stack(frames), names, times, os.path.relpath(os.path.dirname(paths[0]), data_dir)


def to_db(rain: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        db = np.where(rain >= RAIN_THRESHOLD, 10.0 * np.log10(rain), ZERO_DB)
    db[~np.isfinite(db)] = ZERO_DB
    return db


def residual(motion: np.ndarray, db3: np.ndarray) -> float:
    """Sum over both pairs of the last three frames of (I_{k+1}(x) - I_k(x - V(x)))^2, I_k sampled bilinearly
    (``map_coordinates(order=1, mode="constant", cval=nan)``), over the finite terms."""
    from scipy.ndimage import map_coordinates

    ny, nx = db3.shape[1:]
    rows, cols = np.mgrid[0:ny, 0:nx].astype(np.float64)
    coords = [rows - motion[1], cols - motion[0]]
    total = 0.0
    for k in range(2):
        moved = map_coordinates(db3[k], coords, order=1, mode="constant", cval=np.nan)
        r = db3[k + 1] - moved
        total += float(np.nansum(r * r))
    return total


def summarise(motion: np.ndarray, rain: np.ndarray, seconds: float, db3: np.ndarray) -> dict:
    u, v = motion[0], motion[1]
    rows = np.arange(STRIDE // 2, u.shape[0], STRIDE)
    cols = np.arange(STRIDE // 2, u.shape[1], STRIDE)
    sub = np.ix_(rows, cols)
    r3 = lambda a: np.round(a.astype(np.float64), 3).tolist()  # noqa: E731
    return {
        "mean_u": float(u[rain].mean()),
        "mean_v": float(v[rain].mean()),
        "rain_pixels": int(rain.sum()),
        "residual": residual(motion, db3),
        "seconds": round(seconds, 3),
        "coarse_u": r3(u[sub]),
        "coarse_v": r3(v[sub]),
        "coarse_rain": rain[sub].astype(int).tolist(),
    }


def run_service(service: str, data_dir: str, out_dir: str, command: str) -> str:
    from pysteps.motion.darts import DARTS
    from pysteps.motion.vet import vet

    rain, names, times, folder = load(service, data_dir)
    cases = []
    for start in STARTS[service]:
        window = slice(start, start + N_FRAMES)
        db = to_db(rain[window])
        in_rain = np.nan_to_num(rain[start + N_FRAMES - 1], nan=0.0) >= RAIN_THRESHOLD
        t0 = time.perf_counter()
        motion_vet = vet(db[-3:], verbose=False)
        t_vet = time.perf_counter() - t0
        t0 = time.perf_counter()
        motion_darts = DARTS(db, verbose=False)
        t_darts = time.perf_counter() - t0
        cases.append({
            "start": start,
            "files": names[window],
            "times": times[window],
            "residual_zero_motion": residual(np.zeros((2,) + db.shape[1:]), db[-3:]),
            "vet": summarise(np.asarray(motion_vet), in_rain, t_vet, db[-3:]),
            "darts": summarise(np.asarray(motion_darts), in_rain, t_darts, db[-3:]),
        })
        print(f"{service} start {start}: vet ({cases[-1]['vet']['mean_u']:.3f}, "
              f"{cases[-1]['vet']['mean_v']:.3f}) {t_vet:.1f} s, darts "
              f"({cases[-1]['darts']['mean_u']:.3f}, {cases[-1]['darts']['mean_v']:.3f}) "
              f"{t_darts:.1f} s", file=sys.stderr)
    doc = {
        "service": service,
        "peer": f"pysteps {metadata.version('pysteps')}",
        "folder": folder,
        "command": command,
        "versions": {p: metadata.version(p) for p in ("pysteps", "numpy", "scipy")},
        "preprocessing": ("rain rate (mm/h; FMI: (10^(dBZ/10)/223)^(1/1.53)) -> 10 log10 R where "
                          "R >= 0.1, -15 dB elsewhere and for no data"),
        "rain": "R >= 0.1 mm/h in the last of the nine frames",
        "vet_call": "pysteps.motion.vet.vet(db[-3:], verbose=False)",
        "darts_call": "pysteps.motion.darts.DARTS(db, verbose=False)",
        "n_frames": N_FRAMES,
        "stride": STRIDE,
        "cases": cases,
    }
    path = os.path.join(out_dir, f"motion_vet_darts_{service}_pysteps.json")
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--only", choices=sorted(SERVICES), action="append")
    args = ap.parse_args(argv)
    command = "python " + " ".join(shlex.quote(a) for a in
                                   [os.path.relpath(__file__, REPO_ROOT)] + (argv or sys.argv[1:]))
    for service in args.only or list(SERVICES):
        print(run_service(service, os.path.abspath(args.data_dir), args.out, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
