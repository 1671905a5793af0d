#!/usr/bin/env python3
"""Peer reference numbers for Squall's gridded composite readers (nowcasting sequences).

For each of the three services in ``shared/data/nowcast/`` the script lists the sequence with
pysteps' archive finder (``pysteps.io.archive.find_by_date`` with the data-source entries of pysteps'
own ``pystepsrc``), reads every file with the pysteps importer of that source

  * ``bom``: ``pysteps.io.importers.import_bom_rf3``   (Bureau of Meteorology Rainfields 3 NetCDF)
  * ``rmi``: ``pysteps.io.importers.import_odim_hdf5`` (RMI ODIM_H5 COMP, quantity RATE)
  * ``fmi``: ``pysteps.io.importers.import_fmi_pgm``   (FMI gzip-compressed 8-bit PGM)

converts the field to the units Squall returns (BoM: pysteps gives rain depth in mm per ``accutime``
minutes; ``pysteps.utils.conversion.to_rainrate`` turns it into mm/h, i.e. value * 60 / accutime; RMI is
already mm/h; FMI is already dBZ) and writes ``testdata/reference/composite_<service>_pysteps.json``:

  * ``metadata``: pysteps' georeferencing and unit metadata (identical for every file of the sequence,
    checked), before conversion;
  * ``files``: per file, the time pysteps' archive finder gives (from the file name), the count of finite
    cells (``valid``), float64 mean / min / max of the finite cells, pysteps' ``zerovalue`` and
    ``threshold`` (converted), the row/column of the first maximum (``np.nanargmax``, row-major) and a few
    pixels (seeded random finite cells above the minimum, the maximum, the first non-finite cell);
  * ``georeference``: longitude/latitude of the centres of the four corner cells and the centre cell,
    computed by pyproj from the file's own projection parameters and the cell-centre coordinates
    implied by the file (see ``notes``), to check Squall's projections to < 1 m.

The data files are read in place; they are never copied into the repo. Run from the repo root::

    /work/peers-venv/bin/python benches/compare/composite_reference.py \
        [--data-dir /work/shared/data/nowcast] [--out testdata/reference] [--only bom|rmi|fmi]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shlex
import sys
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# service -> (pystepsrc data source, last time of the sequence, number of files, importer name)
SERVICES = {
    "bom": ("bom", dt.datetime(2018, 6, 16, 16, 0), 61, "import_bom_rf3"),
    "rmi": ("rmi", dt.datetime(2021, 7, 4, 19, 0), 39, "import_odim_hdf5"),
    "fmi": ("fmi", dt.datetime(2016, 9, 28, 18, 0), 40, "import_fmi_pgm"),
}

META_KEYS = ["projection", "x1", "y1", "x2", "y2", "xpixelsize", "ypixelsize", "yorigin",
             "cartesian_unit", "unit", "transform", "accutime"]


def _plain(v):
    """numpy scalars -> Python scalars (JSON)."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def _finite_or_none(v):
    v = float(v)
    return v if np.isfinite(v) else None


def field_stats(field: np.ndarray, rng: np.random.Generator) -> dict:
    finite = np.isfinite(field)
    vals = field[finite]
    out = {"valid": int(finite.sum())}
    if vals.size == 0:
        out.update(mean=None, min=None, max=None, argmax=None, pixels=[])
        return out
    out["mean"] = float(vals.astype(np.float64).mean())
    out["min"] = float(vals.min())
    out["max"] = float(vals.max())
    flat = int(np.nanargmax(np.where(finite, field, -np.inf)))
    r, c = divmod(flat, field.shape[1])
    out["argmax"] = [r, c]
    pixels = [[r, c, float(field[r, c])]]
    above = np.argwhere(finite & (field > vals.min()))
    if len(above):
        for k in rng.choice(len(above), size=min(3, len(above)), replace=False):
            rr, cc = (int(x) for x in above[k])
            pixels.append([rr, cc, float(field[rr, cc])])
    missing = np.argwhere(~finite)
    if len(missing):
        rr, cc = (int(x) for x in missing[0])
        pixels.append([rr, cc, None])
    out["pixels"] = pixels
    return out


def georeference(service: str, path: str, meta: dict, shape) -> dict:
    """pyproj lon/lat of the centres of the corner cells and the centre cell."""
    import pyproj

    ny, nx = shape
    cells = [(0, 0), (0, nx - 1), (ny - 1, 0), (ny - 1, nx - 1), (ny // 2, nx // 2)]
    if service == "bom":
        import netCDF4

        with netCDF4.Dataset(path) as ds:
            p = ds.variables["proj"]
            sp = np.atleast_1d(p.standard_parallel)
            proj = (f"+proj=aea +lat_0={float(p.latitude_of_projection_origin)!r} "
                    f"+lon_0={float(p.longitude_of_central_meridian)!r} +lat_1={float(sp[0])!r} "
                    f"+lat_2={float(sp[-1])!r} +x_0={float(p.false_easting)!r} +y_0={float(p.false_northing)!r} "
                    f"+a={float(p.semi_major_axis)!r} +rf={float(p.inverse_flattening)!r} +units=m +no_defs")
            scale = 1000.0 if ds.variables["x"].units == "km" else 1.0
            xs = np.asarray(ds.variables["x"][:], dtype=np.float64) * scale
            ys = np.asarray(ds.variables["y"][:], dtype=np.float64) * scale
        how = ("CF: the x(x), y(y) coordinate values (km -> m) are the cell centres; projection built from the "
               "file's 'proj' grid-mapping variable (full ellipsoid a, rf)")
        xy = [(xs[c], ys[r]) for r, c in cells]
    else:
        proj = meta["projection"]
        dx = (meta["x2"] - meta["x1"]) / nx
        dy = (meta["y2"] - meta["y1"]) / ny
        how = ("pysteps' extent (x1, y1, x2, y2) = outer edges of the grid, yorigin upper: cell (r, c) centre = "
               "(x1 + (c + 0.5)(x2 - x1)/nx, y2 - (r + 0.5)(y2 - y1)/ny); projection = pysteps' string")
        xy = [(meta["x1"] + (c + 0.5) * dx, meta["y2"] - (r + 0.5) * dy) for r, c in cells]
    crs = pyproj.CRS(proj)
    tr = pyproj.Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
    out = []
    for (r, c), (x, y) in zip(cells, xy):
        lon, lat = tr.transform(float(x), float(y))
        out.append({"row": r, "col": c, "x": float(x), "y": float(y), "lon": lon, "lat": lat})
    return {"proj": proj, "how": how, "cells": out}


NOTES = {
    "bom": [
        "pysteps returns rain depth in mm per accutime (= valid_time - start_time = 6 min) with the int16 "
        "_FillValue masked -> NaN; converted to mm/h with pysteps.utils.conversion.to_rainrate (x 60/6).",
        "pysteps takes x1, x2, y1, y2 as the extreme x/y coordinate values (x valid_min/valid_max), i.e. the "
        "centres of the outer cells under CF's reading of coordinate variables (x2 - x1 = 511 cells); Squall "
        "follows CF (x(x), y(y) = cell centres), so pysteps' x1 = Squall's x0 and y2 = Squall's y0.",
        "pysteps' projection string rounds lon_0/lat_0 to 3 decimals and omits the ellipsoid (PROJ then uses "
        "WGS 84, rf 298.257223563, instead of the file's GRS 80, a = 6378137, rf = 298.257222101: < 0.01 mm at the grid corners); "
        "the georeference cells below use the file's own parameters.",
    ],
    "rmi": [
        "quantity RATE (mm/h), float32 without gain/offset/nodata/undetect attributes: pysteps' defaults "
        "(gain 1, offset 0, undetect 0 -> offset = 0, nodata NaN) leave the values as stored; NaN = no data.",
        "x1, y1, x2, y2: pysteps projects the four ODIM corner lon/lat (outer corners of the corner cells) "
        "with pyproj and takes min/max.",
        "accutime comes from pystepsrc's importer_kwargs (5.0); the file has no accumulation period (RATE).",
    ],
    "fmi": [
        "dBZ = (raw - 64)/2 = raw * 0.5 - 32; raw == missingval (the PGM maxval line, 255) -> NaN; "
        "raw 0 -> -32 dBZ (no echo).",
        "pysteps hard-codes the FMI earth radius (+a=6371288) and a false origin (+x_0=380886.310 "
        "+y_0=3395677.920) that the file does not carry; Squall uses the same sphere and no false origin, so "
        "Squall's x = pysteps' x - 380886.310 and y = pysteps' y - 3395677.920.",
        "x1, y1 / x2, y2: pyproj of the header's bottomleft / topright lon/lat (outer corners); "
        "xpixelsize/ypixelsize = the header's metersperpixel_x/_y.",
    ],
}


def run_service(service: str, data_dir: str, out_dir: str, command: str) -> str:
    import pysteps
    from pysteps.io import archive, importers
    from pysteps.utils import conversion

    source, last, count, importer_name = SERVICES[service]
    src = pysteps.rcparams.data_sources[source]
    root = os.path.join(data_dir, os.path.relpath(src["root_path"], "."))
    fns = archive.find_by_date(last, root, src["path_fmt"], src["fn_pattern"], src["fn_ext"],
                               src["timestep"], num_prev_files=count - 1)
    paths, stamps = fns
    assert all(p is not None for p in paths), f"{service}: missing files in the archive"
    importer = getattr(importers, importer_name)
    kwargs = dict(src["importer_kwargs"])
    rng = np.random.default_rng(20240601)
    files, meta0, shape = [], None, None
    for path, stamp in zip(paths, stamps):
        field, _, meta = importer(path, **kwargs)
        field = np.asarray(np.ma.filled(field, np.nan), dtype=np.float64)
        raw_meta = {k: _plain(meta.get(k)) for k in META_KEYS}
        if meta0 is None:
            meta0, shape = raw_meta, field.shape
        assert raw_meta == meta0, f"{path}: metadata differs from the first file"
        if service == "bom":
            field, meta = conversion.to_rainrate(field, dict(meta))
        entry = {"file": os.path.basename(path), "time": stamp.strftime("%Y-%m-%dT%H:%M:%SZ")}
        entry.update(field_stats(field, rng))
        entry["zerovalue"] = _finite_or_none(meta["zerovalue"])
        entry["threshold"] = _finite_or_none(meta["threshold"])
        files.append(entry)
    doc = {
        "service": service,
        "peer": f"pysteps {metadata.version('pysteps')}",
        "importer": f"pysteps.io.importers.{importer_name}",
        "importer_kwargs": kwargs,
        "folder": os.path.relpath(os.path.dirname(paths[0]), data_dir),
        "command": command,
        "versions": {m: metadata.version(m) for m in ("pysteps", "numpy", "netCDF4", "h5py", "pyproj")},
        "notes": NOTES[service],
        "units_compared": {"bom": "mm/h", "rmi": "mm/h", "fmi": "dBZ"}[service],
        "shape": list(shape),
        "metadata": meta0,
        "georeference": georeference(service, paths[0], meta0, shape),
        "files": files,
    }
    import pyproj

    doc["versions"]["PROJ"] = pyproj.proj_version_str
    os.makedirs(out_dir, exist_ok=True)
    out = os.path.join(out_dir, f"composite_{service}_pysteps.json")
    with open(out, "w") as fh:
        json.dump(doc, fh, indent=1, allow_nan=False)
        fh.write("\n")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast"))
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--only", choices=sorted(SERVICES), action="append")
    args = ap.parse_args(argv)
    command = shlex.join(["python", "benches/compare/composite_reference.py"] + (argv or sys.argv[1:]))
    data_dir = os.path.abspath(args.data_dir)
    for service in args.only or sorted(SERVICES):
        print(run_service(service, data_dir, args.out, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
