#!/usr/bin/env python3
"""Peer reference numbers for Squall's CfRadial 1.x reader.

Reads each CfRadial file with the two Python peers

  * Py-ART  (pip ``arm-pyart``): ``pyart.io.read_cfradial``
  * xradar  (pip ``xradar``):    ``xradar.io.open_cfradial1_datatree`` (values loaded)

and writes, for each file and peer, ``testdata/reference/cfradial_<short>_<peer>.json``
holding per-sweep geometry and per-moment statistics (valid gate count, float64
mean/min/max in physical units) of exactly what the peer hands back to its user.

Moments are keyed by the FM 301 name Squall gives the file's variable (the
``FM301_BY_NAME`` / ``FM301_BY_STANDARD_NAME`` tables and the three-pass rule below
mirror ``src/io/netcdf_volume/cfradial/names.rs``; each entry also records the
file's own ``variable`` name), so the Rust test checks the naming as well.

Files with many sweeps (the ARM vertically pointing file: 360 one-ray sweeps)
keep the geometry of every sweep (``sweep_geometry``), full statistics for a
sample of sweeps (``sweeps``, each with its ``index``) and per-moment totals over
the whole volume (``totals``).

The peers are NOT a dependency of Squall. Install them outside the repo::

    /work/peers-venv/bin/pip install arm-pyart==2.3.0 xradar==0.12.0 netCDF4

Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/cfradial_reference.py \
        [--data-dir /work/shared/data/radar] [--out testdata/reference] [--peer all]

The data files are read in place; they are never copied into the repo.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import warnings
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

FILES = {
    "mll_c": "MLL2217907250U.003.nc",
    "cosmo_temp": "20220628072500_savevol_COSMO_LOOKUP_TEMP.nc",
    "arm_xsapr_vpt": "sgpxsaprcfrvptI4.a1.20200205.100827.nc",
}
# Sweeps with full statistics when a file has more than MAX_FULL_SWEEPS sweeps.
MAX_FULL_SWEEPS = 20
SAMPLE_SWEEPS = [0, 1, 2, 100, 179, 180, 358, 359]

# --- FM 301 naming (mirror of names.rs) ------------------------------------------
FM301_NAMES = [
    "DBZH", "DBZV", "DBTH", "DBTV", "ZDR", "RHOHV", "URHOHV", "PHIDP", "UPHIDP", "KDP",
    "VRADH", "VRADV", "WRADH", "WRADV", "SNRH", "SNRV", "LDR", "SQIH", "HCLASS",
]
FM301_BY_NAME = {
    "dbz": "DBZH", "z": "DBZH", "zh": "DBZH", "ref": "DBZH", "reflectivity": "DBZH",
    "reflectivity_h": "DBZH", "reflectivity_horizontal": "DBZH", "corrected_reflectivity": "DBZH",
    "dbzv": "DBZV", "zv": "DBZV", "zvv": "DBZV", "reflectivity_v": "DBZV", "reflectivity_vv": "DBZV",
    "reflectivity_vertical": "DBZV",
    "dbt": "DBTH", "th": "DBTH", "total_power": "DBTH", "total_power_h": "DBTH",
    "unfiltered_reflectivity": "DBTH", "tv": "DBTV", "total_power_v": "DBTV",
    "unfiltered_reflectivity_vv": "DBTV",
    "differential_reflectivity": "ZDR",
    "rho": "RHOHV", "rhohv": "RHOHV", "cross_correlation_ratio": "RHOHV",
    "cross_correlation_ratio_hv": "RHOHV", "correlation_coefficient": "RHOHV",
    "urhohv": "URHOHV", "uncorrected_cross_correlation_ratio": "URHOHV",
    "phi": "PHIDP", "phidp": "PHIDP", "differential_phase": "PHIDP", "corrected_differential_phase": "PHIDP",
    "uphidp": "UPHIDP", "uncorrected_differential_phase": "UPHIDP",
    "specific_differential_phase": "KDP", "corrected_specific_differential_phase": "KDP",
    "v": "VRADH", "vel": "VRADH", "vr": "VRADH", "vrad": "VRADH", "velocity": "VRADH",
    "mean_doppler_velocity": "VRADH", "radial_velocity": "VRADH",
    "velocity_v": "VRADV",
    "w": "WRADH", "sw": "WRADH", "width": "WRADH", "wrad": "WRADH", "spectrum_width": "WRADH",
    "spectral_width": "WRADH",
    "snr": "SNRH", "signal_to_noise_ratio": "SNRH", "signal_to_noise_ratio_hh": "SNRH",
    "signal_to_noise_ratio_vv": "SNRV",
    "linear_depolarization_ratio": "LDR",
    "ncp": "SQIH", "sqi": "SQIH", "normalized_coherent_power": "SQIH",
    "radar_echo_classification": "HCLASS",
}
FM301_BY_STANDARD_NAME = {
    "equivalent_reflectivity_factor": "DBZH",
    "radar_equivalent_reflectivity_factor_h": "DBZH",
    "radar_equivalent_reflectivity_factor_v": "DBZV",
    "log_differential_reflectivity_hv": "ZDR",
    "radar_differential_reflectivity_hv": "ZDR",
    "cross_correlation_ratio_hv": "RHOHV",
    "radar_correlation_coefficient_hv": "RHOHV",
    "differential_phase_hv": "PHIDP",
    "radar_differential_phase_hv": "PHIDP",
    "specific_differential_phase_hv": "KDP",
    "radar_specific_differential_phase_hv": "KDP",
    "radial_velocity_of_scatterers_away_from_instrument": "VRADH",
    "radial_velocity_of_scatterers_away_from_instrument_h": "VRADH",
    "radial_velocity_of_scatterers_away_from_instrument_v": "VRADV",
    "doppler_spectrum_width": "WRADH",
    "radar_doppler_spectrum_width": "WRADH",
    "doppler_spectrum_width_h": "WRADH",
    "doppler_spectrum_width_v": "WRADV",
    "signal_to_noise_ratio": "SNRH",
    "radar_signal_to_noise_ratio": "SNRH",
    "radar_signal_to_noise_ratio_copolar_h": "SNRH",
    "radar_signal_to_noise_ratio_copolar_v": "SNRV",
    "log_linear_depolarization_ratio_hv": "LDR",
    "radar_linear_depolarization_ratio": "LDR",
    "normalized_coherent_power": "SQIH",
    "radar_normalized_coherent_power": "SQIH",
    "radar_echo_classification": "HCLASS",
}


def fm301_names(variables: list[tuple[str, str | None]]) -> dict[str, str]:
    """variable -> FM 301 name: (1) exact FM 301 names, (2) known variable names
    (case-insensitive), (3) standard_name; first in file order wins; else own name."""
    out: dict[str, str] = {}
    taken: set[str] = set()

    def claim(var: str, name: str | None) -> None:
        if var not in out and name is not None and name not in taken:
            out[var] = name
            taken.add(name)

    for var, _ in variables:
        claim(var, var if var in FM301_NAMES else None)
    for var, _ in variables:
        claim(var, FM301_BY_NAME.get(var.lower()))
    for var, std in variables:
        claim(var, FM301_BY_STANDARD_NAME.get(std or ""))
    for var, _ in variables:
        out.setdefault(var, var)
    return out


# --- statistics -------------------------------------------------------------------

def pkg_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def stats(values, valid) -> dict:
    v = np.asarray(values, dtype=np.float64)[valid]
    n = int(v.size)
    if n == 0:
        return {"valid": 0, "mean": None, "min": None, "max": None}
    return {"valid": n, "mean": float(np.sum(v, dtype=np.float64) / n),
            "min": float(v.min()), "max": float(v.max())}


def totals(per_sweep: list[dict]) -> dict:
    """Per-moment totals over all sweeps from per-sweep stats (sum = mean * valid)."""
    out: dict[str, dict] = {}
    for sw in per_sweep:
        for name, st in sw["moments"].items():
            t = out.setdefault(name, {"valid": 0, "sum": 0.0, "min": None, "max": None})
            if st["valid"]:
                t["valid"] += st["valid"]
                t["sum"] += st["mean"] * st["valid"]
                t["min"] = st["min"] if t["min"] is None else min(t["min"], st["min"])
                t["max"] = st["max"] if t["max"] is None else max(t["max"], st["max"])
    return {k: {"valid": t["valid"], "mean": t["sum"] / t["valid"] if t["valid"] else None,
                "min": t["min"], "max": t["max"]} for k, t in out.items()}


# --- peers -------------------------------------------------------------------------

def run_pyart(path: str) -> tuple[list[dict], dict]:
    import pyart

    radar = pyart.io.read_cfradial(path)
    names = fm301_names([(f, radar.fields[f].get("standard_name")) for f in radar.fields])
    rng = np.asarray(radar.range["data"], dtype=np.float64)
    sweeps = []
    for i in range(radar.nsweeps):
        sl = radar.get_slice(i)
        moments = {}
        for f, field in radar.fields.items():
            data = np.ma.asarray(field["data"][sl])
            valid = ~np.ma.getmaskarray(data) & np.isfinite(np.ma.getdata(data))
            moments[names[f]] = {"variable": f, **stats(np.ma.getdata(data), valid)}
        sweeps.append({
            "index": i,
            "elevation_deg": float(radar.fixed_angle["data"][i]),
            "n_rays": int(sl.stop - sl.start),
            "n_gates": int(radar.ngates),
            "gate_spacing_m": float(rng[1] - rng[0]),
            "moments": moments,
        })
    extra = {
        "scan_type": radar.scan_type,
        "latitude": float(radar.latitude["data"][0]),
        "longitude": float(radar.longitude["data"][0]),
        "altitude": float(radar.altitude["data"][0]),
        "time_units": radar.time["units"],
        "first_ray_time_s": float(radar.time["data"][0]),
        "first_gate_m": float(rng[0]),
    }
    freq = (radar.instrument_parameters or {}).get("frequency")
    if freq is not None:
        extra["frequency_hz"] = float(np.asarray(freq["data"]).ravel()[0])
    return sweeps, extra


def run_xradar(path: str) -> tuple[list[dict], dict]:
    import xradar as xd

    tree = xd.io.open_cfradial1_datatree(path)
    groups = sorted((k for k in tree.children if k.startswith("sweep_")), key=lambda k: int(k.split("_")[1]))
    sweeps = []
    names = None
    for i, key in enumerate(groups):
        ds = tree[key].to_dataset().load()
        first = "azimuth" if "azimuth" in ds.dims else "time"
        fields = [v for v in ds.data_vars if ds[v].dims == (first, "range")]
        if names is None:
            names = fm301_names([(f, ds[f].attrs.get("standard_name")) for f in fields])
        moments = {}
        for f in fields:
            data = np.asarray(ds[f].values, dtype=np.float64)
            moments[names[f]] = {"variable": f, **stats(data, np.isfinite(data))}
        rng = np.asarray(ds["range"].values, dtype=np.float64)
        sweeps.append({
            "index": i,
            "elevation_deg": float(ds["sweep_fixed_angle"].values),
            "n_rays": int(ds.sizes[first]),
            "n_gates": int(ds.sizes["range"]),
            "gate_spacing_m": float(rng[1] - rng[0]),
            "moments": moments,
        })
    return sweeps, {"sweep_groups": len(groups)}


PYART_NOTES = [
    "pyart.io.read_cfradial(path) with default arguments (fields loaded, netCDF4 auto mask and scale).",
    "valid = not masked and finite. netCDF4 masks _FillValue and missing_value and, for variables without a "
    "_FillValue attribute, the netCDF default fill value of the type (so the ARM radar_echo_classification, all "
    "default fill -2147483647, has 0 valid gates); values outside valid_min/valid_max would be masked in packed units.",
    "Values are what netCDF4 returns: int16 * float32 scale_factor + float32 add_offset in float32.",
    "elevation_deg is fixed_angle; n_gates is the range dimension (the same for every sweep); "
    "gate_spacing_m is range[1] - range[0] (float32 coordinates widened to float64).",
    "Moments keyed by Squall's FM 301 name for the field (see the script's tables); 'variable' is the file's name.",
]
XRADAR_NOTES = [
    "xradar.io.open_cfradial1_datatree(path), each sweep group's dataset loaded (.to_dataset().load()).",
    "valid = finite. xarray's CF decoding masks _FillValue and missing_value only: it does not mask the netCDF "
    "default fill value of variables without a _FillValue attribute (the ARM radar_echo_classification keeps its "
    "72360 gates of -2147483647 as valid values), and does not apply valid_min/valid_max.",
    "Integer moments with float32 scale_factor/add_offset decode to float32 (as Py-ART); float64 stays float64.",
    "elevation_deg is sweep_fixed_angle; n_rays the sweep's first dimension (rays kept in file order).",
    "Moments keyed by Squall's FM 301 name for the field (see the script's tables); 'variable' is the file's name.",
]


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError("not JSON serializable: %r" % (o,))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data-dir", default="/work/shared/data/radar")
    ap.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    ap.add_argument("--peer", choices=["all", "pyart", "xradar"], default="all")
    ap.add_argument("--only", choices=sorted(FILES), action="append", help="restrict to these short names")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    command = shlex.join([sys.executable] + sys.argv)
    peers = {
        "pyart": ("arm-pyart " + pkg_version("arm-pyart"), run_pyart, PYART_NOTES),
        "xradar": ("xradar " + pkg_version("xradar"), run_xradar, XRADAR_NOTES),
    }
    os.makedirs(args.out, exist_ok=True)
    for short, base in FILES.items():
        if args.only and short not in args.only:
            continue
        path = os.path.join(args.data_dir, base)
        for key, (label, fn, notes) in peers.items():
            if args.peer not in ("all", key):
                continue
            sweeps, extra = fn(path)
            doc = {
                "peer": label,
                "file": base,
                "command": command,
                "environment": {"python": sys.version.split()[0], "numpy": pkg_version("numpy"),
                                "netCDF4": pkg_version("netCDF4"), "xarray": pkg_version("xarray")},
                "n_sweeps": len(sweeps),
                "sweep_geometry": {
                    "elevation_deg": [s["elevation_deg"] for s in sweeps],
                    "n_rays": [s["n_rays"] for s in sweeps],
                    "n_gates": [s["n_gates"] for s in sweeps],
                },
                "totals": totals(sweeps),
                "sweeps": sweeps if len(sweeps) <= MAX_FULL_SWEEPS
                else [sweeps[i] for i in SAMPLE_SWEEPS if i < len(sweeps)],
                "notes": {"semantics": notes, **extra},
            }
            out = os.path.join(args.out, "cfradial_%s_%s.json" % (short, key))
            with open(out, "w") as fh:
                json.dump(doc, fh, indent=1, allow_nan=False, default=_json_default)
                fh.write("\n")
            print("wrote", os.path.relpath(out, REPO_ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
