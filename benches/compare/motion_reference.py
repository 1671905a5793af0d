#!/usr/bin/env python3
"""Peer reference motion fields for Squall's Lucas-Kanade and constant motion (pysteps 1.21.5).

For each real sequence in ``shared/data/nowcast/`` (BoM Rainfields 3, RMI ODIM_H5, FMI PGM) and several
start times, the script

  1. reads the files with pysteps' own archive finder and importers (``pysteps.io.archive.find_by_date``,
     ``import_bom_rf3`` / ``import_odim_hdf5`` / ``import_fmi_pgm``, settings from pysteps' ``pystepsrc``),
     masked cells -> NaN;
  2. converts to rain rate in mm/h: BoM with ``pysteps.utils.conversion.to_rainrate`` (depth per 6 min
     x 60/6); RMI is already mm/h; FMI dBZ -> R = (10^(dBZ/10) / 200)^(1/1.6) (Marshall-Palmer, applied
     here explicitly so that the Rust side can do exactly the same);
  3. transforms to dB as pysteps' examples do:
     ``pysteps.utils.transformation.dB_transform(R, threshold=0.1, zerovalue=-15.0)``
     (R >= 0.1 mm/h -> 10 log10 R, below -> -15 dB, NaN stays NaN);
  4. runs, on the three frames ending at the case's index (oldest first),
       * ``pysteps.motion.get_method("LK")(frames)`` (= ``dense_lucaskanade`` with all defaults), and
       * ``pysteps.motion.get_method("constant")(frames)`` (uses the last two frames);
  5. writes ``testdata/reference/motion_<service>_pysteps.json`` (per case: frame files, the rain mask
     definition and count, the mean LK vector over rain pixels and over the whole grid, the constant
     vector, the wall time of each call) and ``motion_<service>_pysteps_lk.f32.gz``: the LK fields
     subsampled at rows/cols ``offset + stride*k`` as gzip-compressed little-endian float32 of shape
     (cases, 2, sub_rows, sub_cols).

"In rain" = pixels whose rain rate in the LAST frame of the case is >= 0.1 mm/h (finite).

The data files are read in place, never copied into the repo. Run from the repo root::

    /work/peers-venv/bin/python benches/compare/motion_reference.py \
        [--data-dir /work/shared/data/nowcast] [--out testdata/reference] [--only bom|rmi|fmi]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shlex
import sys
import time
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# service -> (pystepsrc data source, last time of the sequence, number of files, importer, case end indices)
SERVICES = {
    "bom": ("bom", dt.datetime(2018, 6, 16, 16, 0), 61, "import_bom_rf3", [20, 40, 60]),
    "rmi": ("rmi", dt.datetime(2021, 7, 4, 19, 0), 39, "import_odim_hdf5", [12, 25, 38]),
    "fmi": ("fmi", dt.datetime(2016, 9, 28, 18, 0), 40, "import_fmi_pgm", [12, 25, 39]),
}
N_FRAMES = 3
STRIDE = 16
OFFSET = 8
RAIN_THRESHOLD_MMH = 0.1


def load_rain_rate(service: str, data_dir: str):
    """All files of a sequence as rain rate (mm/h), NaN = no data, with their file names."""
    import pysteps
    from pysteps.io import archive, importers
    from pysteps.utils import conversion

    source, last, count, importer_name, _ = SERVICES[service]
    src = pysteps.rcparams.data_sources[source]
    root = os.path.join(data_dir, os.path.relpath(src["root_path"], "."))
    paths, _ = archive.find_by_date(last, root, src["path_fmt"], src["fn_pattern"], src["fn_ext"],
                                    src["timestep"], num_prev_files=count - 1)
    importer = getattr(importers, importer_name)
    fields = []
    for path in paths:
        field, _, meta = importer(path, **dict(src["importer_kwargs"]))
        field = np.asarray(np.ma.filled(field, np.nan), dtype=np.float64)
        if service == "bom":
            field, _ = conversion.to_rainrate(field, dict(meta))
        elif service == "fmi":
            field = (10.0 ** (field / 10.0) / 200.0) ** (1.0 / 1.6)
        fields.append(field)
    return np.stack(fields), [os.path.basename(p) for p in paths], importer_name


def run_service(service: str, data_dir: str, out_dir: str, command: str) -> str:
    import pysteps
    from pysteps.utils.transformation import dB_transform

    rain, names, importer_name = load_rain_rate(service, data_dir)
    lk = pysteps.motion.get_method("LK")
    constant = pysteps.motion.get_method("constant")
    cases, subs = [], []
    for end in SERVICES[service][4]:
        frames_mmh = rain[end - N_FRAMES + 1:end + 1]
        frames_db, _ = dB_transform(frames_mmh.copy(), threshold=0.1, zerovalue=-15.0)
        t0 = time.perf_counter()
        uv = np.asarray(lk(frames_db))
        t_lk = time.perf_counter() - t0
        t0 = time.perf_counter()
        cv = np.asarray(constant(frames_db))
        t_const = time.perf_counter() - t0
        last = frames_mmh[-1]
        mask = np.isfinite(last) & (last >= RAIN_THRESHOLD_MMH)
        cases.append({
            "end_index": end,
            "files": names[end - N_FRAMES + 1:end + 1],
            "rain_pixels": int(mask.sum()),
            "lk_mean_rain": [float(uv[0][mask].mean()), float(uv[1][mask].mean())],
            "lk_mean_all": [float(uv[0].mean()), float(uv[1].mean())],
            "lk_rms_rain": float(np.sqrt((uv[0][mask] ** 2 + uv[1][mask] ** 2).mean())),
            "constant": [float(cv[0, 0, 0]), float(cv[1, 0, 0])],
            "seconds_lk": t_lk,
            "seconds_constant": t_const,
        })
        subs.append(uv[:, OFFSET::STRIDE, OFFSET::STRIDE].astype("<f4"))
    sub = np.stack(subs)
    field_name = f"motion_{service}_pysteps_lk.f32.gz"
    with open(os.path.join(out_dir, field_name), "wb") as f:
        f.write(gzip.compress(sub.tobytes(), compresslevel=9, mtime=0))
    import cv2
    import scipy

    doc = {
        "service": service,
        "peer": f"pysteps {metadata.version('pysteps')}",
        "versions": {"pysteps": metadata.version("pysteps"), "opencv": cv2.__version__,
                     "numpy": np.__version__, "scipy": scipy.__version__},
        "importer": f"pysteps.io.importers.{importer_name}",
        "preprocessing": ("rain rate mm/h (BoM: to_rainrate; FMI: Marshall-Palmer a=200, b=1.6 from dBZ), "
                          "then dB_transform(threshold=0.1, zerovalue=-15.0); NaN kept"),
        "lk_call": "pysteps.motion.get_method('LK')(frames_db)  # dense_lucaskanade defaults",
        "constant_call": "pysteps.motion.get_method('constant')(frames_db)",
        "frames_per_case": N_FRAMES,
        "rain_definition": "rain rate of the last frame >= 0.1 mm/h",
        "field_file": field_name,
        "field_layout": {"dtype": "<f4", "shape": list(sub.shape), "order": "(case, component u/v, row, col)",
                         "rows_cols": f"{OFFSET} + {STRIDE} k"},
        "grid": list(rain.shape[1:]),
        "command": command,
        "cases": cases,
    }
    path = os.path.join(out_dir, f"motion_{service}_pysteps.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--only", choices=sorted(SERVICES))
    args = ap.parse_args()
    command = " ".join(shlex.quote(a) for a in ["python"] + sys.argv)
    for service in [args.only] if args.only else SERVICES:
        print(run_service(service, os.path.abspath(args.data_dir), args.out, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
