#!/usr/bin/env python3
"""pysteps' scores of a persistence forecast on the real BoM sequence: the fixture of ``tests/it/cli_verify.rs``
(``squall verify`` end to end on real composites).

The forecast is the 12:00 UTC frame of ``radar/bom/prcp-cscn/2/2018/06/16`` (rain rate, pysteps' importer and
``to_rainrate``) kept for the three following valid times, 12:06, 12:12 and 12:18; each is scored against the
observed frame at its valid time with pysteps 1.21.5 at the thresholds 0.1, 1, 5, 10 mm/h and the FSS scales
1, 5, 20 px: ``det_cat_fct`` on the pixels where both fields are finite (pysteps counts NaN as "no"),
``det_cont_fct`` (ME, MAE, RMSE, corr_p) and ``fss``. Writes ``testdata/reference/verify_cli_bom_pysteps.json``.

The peers are NOT a dependency of Squall. Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/verify_cli_reference.py
"""

from __future__ import annotations

import json
import os
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FOLDER = "radar/bom/prcp-cscn/2/2018/06/16"
ISSUE = "120000"
VALID = ["120600", "121200", "121800"]
THRESHOLDS = [0.1, 1.0, 5.0, 10.0]
SCALES = [1, 5, 20]


def rain(path: str) -> np.ndarray:
    from pysteps.io import importers
    from pysteps.utils import conversion

    field, _, meta = importers.import_bom_rf3(path)
    field, _ = conversion.to_rainrate(np.ma.filled(field, np.nan).astype(np.float64), dict(meta))
    return field


def clean(x):
    x = float(x)
    return x if np.isfinite(x) else None


def main() -> None:
    from pysteps.verification import det_cat_fct, det_cont_fct, fss

    folder = os.path.join(REPO_ROOT, "..", "shared", "data", "nowcast", FOLDER)
    forecast = rain(os.path.join(folder, f"2_20180616_{ISSUE}.prcp-cscn.nc"))
    leads = []
    for valid in VALID:
        obs = rain(os.path.join(folder, f"2_20180616_{valid}.prcp-cscn.nc"))
        ok = np.isfinite(forecast) & np.isfinite(obs)
        cont = det_cont_fct(forecast, obs, scores=["ME", "MAE", "RMSE", "corr_p"])
        leads.append({
            "observation": f"2_20180616_{valid}.prcp-cscn.nc",
            "categorical": [
                {k: clean(v) for k, v in det_cat_fct(forecast[ok], obs[ok], thr, ["POD", "FAR", "CSI", "BIAS",
                                                                                   "ETS", "HSS"]).items()}
                for thr in THRESHOLDS
            ],
            "continuous": {k: clean(v) for k, v in cont.items()},
            "fss": [[clean(fss(forecast, obs, thr, s)) for s in SCALES] for thr in THRESHOLDS],
        })
    fixture = {
        "generator": "benches/compare/verify_cli_reference.py",
        "command": "python benches/compare/verify_cli_reference.py",
        "versions": {p: metadata.version(p) for p in ["pysteps", "numpy", "scipy"]},
        "folder": FOLDER,
        "forecast": f"persistence of 2_20180616_{ISSUE}.prcp-cscn.nc (rain rate, mm/h)",
        "thresholds": THRESHOLDS,
        "scales": SCALES,
        "calls": {
            "categorical": "det_cat_fct(forecast[ok], obs[ok], thr, ['POD','FAR','CSI','BIAS','ETS','HSS']), "
                           "ok = both finite",
            "continuous": "det_cont_fct(forecast, obs, scores=['ME','MAE','RMSE','corr_p'])",
            "fss": "fss(forecast, obs, thr, scale)",
        },
        "leads": leads,
    }
    out = os.path.join(REPO_ROOT, "testdata", "reference", "verify_cli_bom_pysteps.json")
    with open(out, "w") as f:
        json.dump(fixture, f, indent=1)
        f.write("\n")
    print(out)


if __name__ == "__main__":
    main()
