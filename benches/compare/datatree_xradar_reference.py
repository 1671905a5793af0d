#!/usr/bin/env python3
"""xradar's DataTree of one ODIM volume, recorded for ``python/tests/test_io.py`` (squall.io.open_volume).

Opens ``40_20181220_060630.pvol.h5`` with ``xradar.io.open_odim_datatree`` and writes
``testdata/reference/datatree_capflat_xradar.json``: the root's coordinate names and values (latitude, longitude,
altitude), ``time_coverage_start``, and per sweep the dims, coordinate names, sweep_mode, sweep_fixed_angle, the
azimuth and elevation vectors (after xradar's sort by azimuth), range first/last/step, and for DBZH and VRADH
the valid gate count and float64 mean. xradar is not a dependency of Squall; run from the repo root with the
peers' venv::

    /work/peers-venv/bin/python benches/compare/datatree_xradar_reference.py [--data-dir /work/shared/data/radar]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import warnings

import numpy as np
import xradar

FILE = "40_20181220_060630.pvol.h5"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="../shared/data/radar")
    parser.add_argument("--out", default="testdata/reference/datatree_capflat_xradar.json")
    args = parser.parse_args()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # xradar warns that this file's ODIM start and end times are equal
        tree = xradar.io.open_odim_datatree(str(pathlib.Path(args.data_dir) / FILE))
    root = tree.ds
    out = {
        "file": FILE,
        "peer": f"xradar {xradar.__version__}",
        "root_coords": sorted(str(c) for c in root.coords),
        "latitude": float(root["latitude"]),
        "longitude": float(root["longitude"]),
        "altitude": float(root["altitude"]),
        "time_coverage_start": str(root["time_coverage_start"].values),
        "sweeps": [],
    }
    for name in sorted((n for n in tree.children if n.startswith("sweep_")), key=lambda n: int(n.split("_")[1])):
        ds = tree[name].ds
        sweep = {
            "name": name,
            "dims": {str(k): int(v) for k, v in ds.sizes.items()},
            "coords": sorted(str(c) for c in ds.coords),
            "sweep_mode": str(ds["sweep_mode"].values),
            "sweep_fixed_angle": float(ds["sweep_fixed_angle"]),
            "azimuth": [float(a) for a in ds["azimuth"].values],
            "elevation": [float(e) for e in ds["elevation"].values],
            "range_first": float(ds["range"].values[0]),
            "range_last": float(ds["range"].values[-1]),
            "moments": {},
        }
        for moment in ("DBZH", "VRADH"):
            values = ds[moment].values.astype(np.float64)
            valid = np.isfinite(values)
            sweep["moments"][moment] = {"valid": int(valid.sum()), "mean": float(values[valid].mean())}
        out["sweeps"].append(sweep)
    pathlib.Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {args.out}: {len(out['sweeps'])} sweeps")


if __name__ == "__main__":
    main()
