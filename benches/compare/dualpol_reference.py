#!/usr/bin/env python3
"""Peer reference numbers for Squall's dual-polarisation chain (src/dualpol/).

Runs the peers on the lowest sweep of two real volumes and records, per file, summary statistics and a seeded
random subsample of gates (ray, gate, the peer's values) in ``testdata/reference/dualpol_<short>_peers.json``:

  * KDP: wradlib ``dp.phidp_kdp_vulpiani`` (Vulpiani et al. 2012; Squall is configured to the same method, window
    and iteration count in the test) and CSU_RadarTools ``csu_kdp.calc_kdp_bringi`` (adaptive FIR filter of
    Hubbert and Bringi 1995, compared with Squall's adaptive least squares: a different estimator by design).
  * Attenuation-corrected reflectivity: Py-ART ``correct.calculate_attenuation_zphi`` (ZPHI) and
    ``calculate_attenuation_philinear`` with Py-ART's own band coefficients, fed the wradlib-reconstructed
    (unfolded, offset-free) ΦDP, a gate filter (ρhv >= 0.8, finite Z and ΦDP) and the freezing level.
    The wradlib ΦDP given to Py-ART is also written in full, ``testdata/reference/dualpol_<short>_wradlib_phidp.i16.gz``
    (gzip of little-endian int16, row-major ``(rays, gates)`` of sweep 0, degrees × 100, -32768 where Py-ART's gate
    filter excludes the gate), so that the test can run Squall's ZPHI with Py-ART's conventions on the very same
    phase and gates and separate the attenuation formula from the ΦDP processing.
  * Hydrometeor class: CSU_RadarTools ``csu_fhc.csu_fhc_summer`` (Dolan and Rutledge 2009, 10 classes, hybrid
    method, the file's band) on Py-ART's ZPHI-corrected Z and ZDR, CSU's KDP, ρhv and the gate temperature.

Temperature: X band (ZG170, Guangdong) a standard atmosphere, 6.5 K/km through 0 °C at FREEZING_LEVEL_M["zg170_x"]
(a stated assumption: no sounding is available); C band (MeteoSwiss MLL) the COSMO temperature of each gate from
``20220628072500_savevol_COSMO_LOOKUP_TEMP.nc``, and as freezing level the median height of the gates between
-0.5 and +0.5 °C.

The peers are NOT a dependency of Squall. Install them outside the repo::

    /work/peers-venv/bin/pip install arm-pyart wradlib cinrad csu_radartools

Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/dualpol_reference.py [--data-dir ../shared/data/radar]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shlex
import sys
import warnings
from importlib import metadata

import numpy as np

warnings.filterwarnings("ignore")

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
X_FILE = "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2"
C_FILE = "MLL2217907250U.003.nc"
C_TEMP = "20220628072500_savevol_COSMO_LOOKUP_TEMP.nc"
FREEZING_LEVEL_M = {"zg170_x": 4500.0}
N_SAMPLE = 3000
SEED = 20260329
# wradlib Vulpiani window (gates, odd) and iterations per file: about 2 km either band
VULPIANI = {"zg170_x": (27, 2), "mll_c": (5, 2)}
EFFECTIVE_RADIUS_M = 4.0 / 3.0 * 6371000.0  # Squall's FourThirdsEarth (geo::EARTH_RADIUS_M = 6371 km)


def beam_height_m(range_m, elevation_deg, altitude_m):
    ka = EFFECTIVE_RADIUS_M
    s = np.sin(np.deg2rad(elevation_deg))
    return np.sqrt(range_m**2 + ka**2 + 2 * range_m * ka * s) - ka + altitude_m


def read_x(path):
    import cinrad

    sd = cinrad.io.StandardData(path)
    n_gates = None
    out = {}
    for key, name in [("REF", "DBZH"), ("ZDR", "ZDR"), ("RHO", "RHOHV"), ("PHI", "PHIDP")]:
        raw = sd.get_raw(0, (973 + 0.5) * 0.075, key)
        out[name] = np.ma.filled(raw.astype(np.float64), np.nan)
        n_gates = raw.shape[1]
    gate_m = 75.0
    ranges = gate_m * np.arange(1, n_gates + 1)  # PyCINRAD's gate centres; only the spacing matters here
    elevation = float(sd.el[0])
    heights = beam_height_m(ranges[None, :], elevation, 100.0) * np.ones((out["DBZH"].shape[0], 1))
    temperature = 0.0065 * (FREEZING_LEVEL_M["zg170_x"] - heights)
    return out, gate_m, ranges, elevation, 100.0, 9.464e9, "X", temperature, FREEZING_LEVEL_M["zg170_x"]


def read_c(path, temp_path):
    import pyart

    radar = pyart.io.read_cfradial(path)
    f = radar.fields
    out = {
        "DBZH": np.ma.filled(f["reflectivity"]["data"].astype(np.float64), np.nan),
        "ZDR": np.ma.filled(f["differential_reflectivity"]["data"].astype(np.float64), np.nan),
        "RHOHV": np.ma.filled(f["uncorrected_cross_correlation_ratio"]["data"].astype(np.float64), np.nan),
        "PHIDP": np.ma.filled(f["uncorrected_differential_phase"]["data"].astype(np.float64), np.nan),
    }
    temperature = np.ma.filled(
        pyart.io.read_cfradial(temp_path).fields["temperature"]["data"].astype(np.float64), np.nan
    )
    ranges = radar.range["data"].astype(np.float64)
    gate_m = float(ranges[1] - ranges[0])
    elevation = float(radar.fixed_angle["data"][0])
    altitude = float(radar.altitude["data"][0])
    heights = beam_height_m(ranges[None, :], radar.elevation["data"][:, None].astype(np.float64), altitude)
    near_zero = np.abs(temperature) <= 0.5
    freezing = float(np.median(heights[near_zero]))
    return out, gate_m, ranges, elevation, altitude, 5.450772e9, "C", temperature, freezing


def make_pyart_radar(m, ranges, elevation, altitude, frequency_hz, phidp):
    import pyart

    n_rays, n_gates = m["DBZH"].shape
    radar = pyart.testing.make_empty_ppi_radar(n_gates, n_rays, 1)
    radar.range["data"] = ranges.astype(np.float32)
    radar.elevation["data"] = np.full(n_rays, elevation, dtype=np.float32)
    radar.fixed_angle["data"] = np.array([elevation], dtype=np.float32)
    radar.altitude["data"] = np.array([altitude])
    radar.instrument_parameters = {"frequency": {"data": np.array([frequency_hz])}}
    radar.init_gate_altitude()
    for name, values in [("reflectivity", m["DBZH"]), ("differential_reflectivity", m["ZDR"]),
                         ("cross_correlation_ratio", m["RHOHV"]), ("corrected_differential_phase", phidp)]:
        radar.add_field(name, {"data": np.ma.masked_invalid(values.astype(np.float32))}, replace_existing=True)
    return radar


def run(short, m, gate_m, ranges, elevation, altitude, frequency_hz, band, temperature, freezing_m):
    import pyart
    import wradlib
    from csu_radartools import csu_fhc, csu_kdp

    weather = np.isfinite(m["DBZH"]) & np.isfinite(m["PHIDP"]) & (np.nan_to_num(m["RHOHV"]) >= 0.8)
    phidp_in = np.where(weather, m["PHIDP"], np.nan)

    # KDP 1: wradlib Vulpiani
    winlen, niter = VULPIANI[short]
    phidp_vulpiani, kdp_vulpiani = wradlib.dp.phidp_kdp_vulpiani(
        phidp_in.copy(), dr=gate_m / 1000.0, winlen=winlen, niter=niter
    )
    phidp_vulpiani = np.asarray(phidp_vulpiani, dtype=np.float64)
    kdp_vulpiani = np.where(weather, np.asarray(kdp_vulpiani, dtype=np.float64), np.nan)

    # KDP 2: CSU Bringi FIR (ray by ray; bad = -32768)
    kdp_bringi = np.full(m["DBZH"].shape, np.nan)
    dp = np.where(np.isfinite(phidp_in), phidp_in, -32768.0)
    dz = np.where(np.isfinite(m["DBZH"]), m["DBZH"], -32768.0)
    rng_km = ranges / 1000.0
    for r in range(dp.shape[0]):
        kd, _, _ = csu_kdp.calc_kdp_bringi(dp=dp[r], dz=dz[r], rng=rng_km, thsd=12, gs=gate_m, window=3)
        kdp_bringi[r] = np.where(kd < -1000, np.nan, kd)
    kdp_bringi = np.where(weather, kdp_bringi, np.nan)

    # attenuation: Py-ART ZPHI and linear on the wradlib ΦDP
    radar = make_pyart_radar(m, ranges, elevation, altitude, frequency_hz, np.where(weather, phidp_vulpiani, np.nan))
    gatefilter = pyart.filters.GateFilter(radar)
    gatefilter.exclude_invalid("reflectivity")
    gatefilter.exclude_invalid("corrected_differential_phase")
    gatefilter.exclude_below("cross_correlation_ratio", 0.8)
    zphi = pyart.correct.calculate_attenuation_zphi(
        radar, fzl=freezing_m, gatefilter=gatefilter, temp_ref="fixed_fzl",
        refl_field="reflectivity", phidp_field="corrected_differential_phase",
        zdr_field="differential_reflectivity",
    )
    z_zphi = np.ma.filled(zphi[2]["data"].astype(np.float64), np.nan)
    phidp_used = np.where(gatefilter.gate_excluded, np.nan, phidp_vulpiani)
    _, end_gates = pyart.correct.attenuation.get_mask_fzl(radar, fzl=freezing_m, temp_ref="fixed_fzl")
    zdr_zphi = np.ma.filled(zphi[5]["data"].astype(np.float64), np.nan)
    lin = pyart.correct.calculate_attenuation_philinear(
        radar, fzl=freezing_m, gatefilter=gatefilter, temp_ref="fixed_fzl",
        refl_field="reflectivity", phidp_field="corrected_differential_phase",
        zdr_field="differential_reflectivity",
    )
    z_linear = np.ma.filled(lin[2]["data"].astype(np.float64), np.nan)
    a_coef, beta, _, _ = pyart.correct.attenuation._get_param_attzphi(frequency_hz)

    # Py-ART's own ΦDP processing: the variational method of Maesaka et al. (2012) on the measured ΦDP of the same
    # gates (monotonic ΦDP, forward integration from the fitted near-range phase of each ray), then ZPHI on it
    radar_m = make_pyart_radar(m, ranges, elevation, altitude, frequency_hz, phidp_in)
    kdp_m, phif_m, _ = pyart.retrieve.kdp_maesaka(
        radar_m, gatefilter=gatefilter, psidp_field="corrected_differential_phase"
    )
    phif_m = np.ma.filled(phif_m["data"].astype(np.float64), np.nan)
    kept = ~gatefilter.gate_excluded
    first = np.where(kept.any(axis=1), kept.argmax(axis=1), 0)
    phidp_maesaka = phif_m - phif_m[np.arange(phif_m.shape[0]), first][:, None]  # offset-free, per ray
    kdp_maesaka = np.where(kept, np.ma.filled(kdp_m["data"].astype(np.float64), np.nan), np.nan)
    radar_m.add_field(
        "corrected_differential_phase",
        {"data": np.ma.masked_invalid(np.where(kept, phidp_maesaka, np.nan).astype(np.float32))},
        replace_existing=True,
    )
    zphi_m = pyart.correct.calculate_attenuation_zphi(
        radar_m, fzl=freezing_m, gatefilter=gatefilter, temp_ref="fixed_fzl",
        refl_field="reflectivity", phidp_field="corrected_differential_phase",
        zdr_field="differential_reflectivity",
    )
    z_zphi_maesaka = np.ma.filled(zphi_m[2]["data"].astype(np.float64), np.nan)
    # the wradlib reconstruction is physically plausible where it stays within 10° of Py-ART's monotonic fit to the
    # measured phase at every gate of the ray up to this one that both keep
    gap = np.where(kept, np.abs(phidp_used - phidp_maesaka), 0.0)
    wradlib_consistent = np.maximum.accumulate(np.nan_to_num(gap, nan=0.0), axis=1) <= 10.0
    pia_coef, pida_coef = pyart.correct.attenuation._get_param_attphilinear(frequency_hz)

    # classification: CSU summer HID
    ok = weather & np.isfinite(z_zphi)
    hid = csu_fhc.csu_fhc_summer(
        dz=np.where(ok, z_zphi, -32768.0), zdr=np.where(ok, np.nan_to_num(zdr_zphi, nan=-32768.0), -32768.0),
        kdp=np.nan_to_num(kdp_bringi, nan=-32768.0), rho=np.nan_to_num(m["RHOHV"], nan=-32768.0),
        T=temperature, band=band, use_temp=True, method="hybrid",
    )
    hid = np.where(ok, hid, 0).astype(int)

    # subsample: gates where the ZPHI-corrected reflectivity is valid and >= 10 dBZ
    candidates = np.argwhere(ok & (z_zphi >= 10.0))
    rng = np.random.default_rng(SEED)
    pick = candidates[rng.choice(len(candidates), size=min(N_SAMPLE, len(candidates)), replace=False)]
    pick = pick[np.lexsort((pick[:, 1], pick[:, 0]))]

    def col(a, digits):
        return [None if not np.isfinite(v) else round(float(v), digits) for v in a[pick[:, 0], pick[:, 1]]]

    def stats(a):
        v = a[np.isfinite(a)]
        return {"valid": int(v.size), "mean": float(v.mean()) if v.size else None,
                "min": float(v.min()) if v.size else None, "max": float(v.max()) if v.size else None}

    pia_zphi = z_zphi - m["DBZH"]
    result = {
        "file": short,
        "sweep": 0,
        "band": band,
        "frequency_hz": frequency_hz,
        "gate_spacing_m": gate_m,
        "freezing_level_m": freezing_m,
        "temperature": "standard atmosphere 6.5 K/km" if short == "zg170_x" else "COSMO gate temperature",
        "settings": {
            "weather_gates": "finite DBZH and PHIDP, RHOHV >= 0.8",
            "wradlib_vulpiani": {"winlen_gates": winlen, "niter": niter, "window_m": winlen * gate_m},
            "csu_bringi": {"thsd": 12, "window_km": 3},
            "pyart_zphi": {"a_coef": a_coef, "beta": beta, "phidp": "wradlib Vulpiani reconstruction",
                           "end_gate": int(np.median(end_gates)), "smooth_window_len": 5,
                           "phidp_file": f"dualpol_{short}_wradlib_phidp.i16.gz"},
            "pyart_philinear": {"pia_coef": pia_coef, "pida_coef": pida_coef},
            "pyart_maesaka": {"call": "retrieve.kdp_maesaka(radar, gatefilter) defaults",
                              "phidp": "phidp_f minus its value at the ray's first kept gate",
                              "zphi": "calculate_attenuation_zphi as above on that phase",
                              "wradlib_consistent": "max |wradlib ΦDP - Maesaka ΦDP| over the kept gates of the "
                                                    "ray up to the gate <= 10 deg"},
            "csu_fhc_summer": {"method": "hybrid", "band": band, "inputs": "pyart ZPHI Z and ZDR, CSU KDP, RHOHV, T"},
        },
        "summary": {
            "kdp_wradlib_vulpiani": stats(kdp_vulpiani),
            "kdp_csu_bringi": stats(kdp_bringi),
            "dbzh_pyart_zphi": stats(z_zphi),
            "pia_pyart_zphi": stats(pia_zphi),
            "dbzh_pyart_philinear": stats(z_linear),
            "kdp_pyart_maesaka": stats(kdp_maesaka),
            "dbzh_pyart_zphi_maesaka": stats(z_zphi_maesaka),
            "wradlib_consistent_share_of_kept": float(wradlib_consistent[kept].mean()),
            "hid_counts": {str(c): int((hid == c).sum()) for c in range(0, 11)},
        },
        "sample": {
            "ray": pick[:, 0].tolist(),
            "gate": pick[:, 1].tolist(),
            "dbzh_raw": col(m["DBZH"], 2),
            "temperature_c": col(temperature, 2),
            "kdp_wradlib_vulpiani": col(kdp_vulpiani, 3),
            "kdp_csu_bringi": col(kdp_bringi, 3),
            "dbzh_pyart_zphi": col(z_zphi, 2),
            "dbzh_pyart_philinear": col(z_linear, 2),
            "hid_csu": hid[pick[:, 0], pick[:, 1]].tolist(),
            "kdp_pyart_maesaka": col(kdp_maesaka, 3),
            "phidp_pyart_maesaka": col(np.where(kept, phidp_maesaka, np.nan), 2),
            "phidp_wradlib": col(phidp_used, 2),
            "dbzh_pyart_zphi_maesaka": col(z_zphi_maesaka, 2),
            "wradlib_consistent": wradlib_consistent[pick[:, 0], pick[:, 1]].astype(int).tolist(),
        },
    }
    return result, phidp_used


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.path.join(REPO_ROOT, "..", "shared", "data", "radar"))
    parser.add_argument("--out", default=os.path.join(REPO_ROOT, "testdata", "reference"))
    args = parser.parse_args()
    versions = {p: metadata.version(p) for p in ("arm_pyart", "wradlib", "csu_radartools", "cinrad", "numpy")}
    jobs = {
        "zg170_x": lambda: read_x(os.path.join(args.data_dir, X_FILE)),
        "mll_c": lambda: read_c(os.path.join(args.data_dir, C_FILE), os.path.join(args.data_dir, C_TEMP)),
    }
    for short, reader in jobs.items():
        result, phidp_used = run(short, *reader())
        packed = np.where(np.isfinite(phidp_used), np.round(phidp_used * 100.0), -32768).astype("<i2")
        phidp_path = os.path.join(args.out, result["settings"]["pyart_zphi"]["phidp_file"])
        with gzip.GzipFile(phidp_path, "wb", compresslevel=9, mtime=0) as f:
            f.write(packed.tobytes())
        result["versions"] = versions
        result["command"] = " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv])
        path = os.path.join(args.out, f"dualpol_{short}_peers.json")
        with open(path, "w") as f:
            json.dump(result, f, separators=(",", ":"))
        print(f"{path}: {os.path.getsize(path)} bytes; summary {json.dumps(result['summary'])}")


if __name__ == "__main__":
    main()
