"""Record what tobac and pysteps' tstorm/tdating find on the synthetic cell sequences and on a real sequence.

Synthetic: `cargo run --release --example cells_export -- DIR SEED 256` for seeds 1-4 (the scenes of
tests/it/cells_synthetic.rs), 12 frames of 256 x 256 km at 1 km, 5 min apart, with truth.
Real: the first 12 frames of the BoM sequence (rain depth per 6 min -> mm/h -> dBZ by Marshall-Palmer
Z = 200 R^1.6, as tstorm users do), cells only (no truth).

For each peer and frame: the cell centroids (row, col) and, from the peers' own merge/split output, the
merges they report. For the synthetic scenes the script also scores the peers against the truth with the same
rules as tests/it/cells_truth/mod.rs (one-to-one matching within 5 km, truth cells >= 10 km2 of >= 35 dBZ that show
as their own maximum) and records how many truth merges each peer reports.

Writes testdata/reference/cells_synthetic_peers.json and cells_bom_peers.json.

    /work/peers-venv/bin/python benches/compare/cells_reference.py
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import xarray as xr

warnings.filterwarnings("ignore")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "..", "shared", "data", "nowcast")
MATCH_KM = 5.0


def export(seed, size, tmp):
    out = os.path.join(tmp, f"s{seed}")
    exe = os.path.join(REPO, "target", "release", "examples", "cells_export")
    if not os.path.exists(exe):
        subprocess.run(["cargo", "build", "--release", "--example", "cells_export"], cwd=REPO, check=True)
    subprocess.run([exe, out, str(seed), str(size)], check=True)
    meta = json.load(open(os.path.join(out, "meta.json")))
    frames = np.fromfile(os.path.join(out, "frames.f32"), dtype="<f4").reshape(meta["shape"])
    return frames, meta


def run_tstorm(frames, step_min):
    from pysteps.tracking import tdating

    times = [np.datetime64("2024-06-01T06:00") + np.timedelta64(int(step_min * k), "m") for k in range(len(frames))]
    times = [pd.Timestamp(t).to_pydatetime() for t in times]
    _, cell_list, _ = tdating.dating(
        frames.astype(float), times, mintrack=1, output_splits_merges=True
    )
    centroids, merges = [], []
    for k, cells in enumerate(cell_list):
        centroids.append([[float(r.cen_y), float(r.cen_x)] for r in cells.itertuples()])
        if "merged" in cells:
            for r in cells.itertuples():
                if bool(r.merged):
                    merges.append({"frame": k, "row": float(r.cen_y), "col": float(r.cen_x)})
    return centroids, merges


def run_tobac(frames, dx_m, step_s):
    import tobac

    t = pd.date_range("2024-06-01T06:00", periods=len(frames), freq=f"{int(step_s)}s")
    da = xr.DataArray(
        frames, dims=("time", "y", "x"),
        coords={"time": t, "y": np.arange(frames.shape[1]) * dx_m, "x": np.arange(frames.shape[2]) * dx_m},
        name="reflectivity",
    )
    features = tobac.feature_detection_multithreshold(
        da, dxy=dx_m, threshold=[30, 35, 40, 45, 50, 55, 60], target="maximum",
        position_threshold="weighted_diff", n_min_threshold=10, min_distance=0,
    )
    centroids = [[] for _ in frames]
    merges = []
    if features is None or len(features) == 0:
        return centroids, merges
    for r in features.itertuples():
        centroids[int(r.frame)].append([float(r.hdim_1), float(r.hdim_2)])
    try:
        tracks = tobac.linking_trackpy(features, da, dt=step_s, dxy=dx_m, v_max=30, stubs=1, method_linking="predict")
        ms = tobac.merge_split.merge_split_MEST(tracks, dxy=dx_m, distance=25_000)
        track_of_cell = ms["feature_parent_track_id"].values if "feature_parent_track_id" in ms else None
        # A track that gathers several cells is a merge or split in tobac's MEST output.
        cell_parent = ms["cell_parent_track_id"].to_series() if "cell_parent_track_id" in ms else None
        if cell_parent is not None:
            counts = cell_parent.value_counts()
            for track_id, n in counts.items():
                if n > 1:
                    cells = cell_parent[cell_parent == track_id].index.values
                    first = tracks[tracks.cell.isin(cells)].groupby("cell").frame.min()
                    later = int(first.max())
                    row = tracks[(tracks.frame == later) & tracks.cell.isin(cells)]
                    for r in row.itertuples():
                        merges.append({"frame": later, "row": float(r.hdim_1), "col": float(r.hdim_2)})
        del track_of_cell
    except Exception as e:  # tobac's optional merge/split step; record why it gave nothing
        merges.append({"error": repr(e)})
    return centroids, merges


def resolvable(frame, truth):
    ids = set()
    ny, nx = frame.shape
    pad = np.pad(frame, 1, constant_values=-np.inf)
    neigh = np.max(np.stack([pad[1 + dr:ny + 1 + dr, 1 + dc:nx + 1 + dc]
                             for dr in (-1, 0, 1) for dc in (-1, 0, 1)]), axis=0)
    peaks = np.argwhere((frame >= neigh) & (frame >= 35.0))
    for r, c in peaks:
        if r == 0 or c == 0 or r == ny - 1 or c == nx - 1 or not truth:
            continue
        d = [np.hypot(t["row"] - r, t["col"] - c) for t in truth]
        i = int(np.argmin(d))
        if d[i] <= 3.0:
            ids.add(truth[i]["id"])
    return ids


def score(frames, meta, centroids, merges):
    """Truth cells found (one-to-one within 5 km) and truth merges reported: a merge flagged within 15 km of the
    parents' midpoint (or the child) from 4 frames before the truth merge (envelopes touch early) to 3 after."""
    n = meta["shape"][1]
    found = total = 0
    for k, truth in enumerate(meta["truth"]):
        vis = resolvable(frames[k], truth)
        pairs = sorted(
            (np.hypot(t["row"] - p[0], t["col"] - p[1]), j, t["id"])
            for j, p in enumerate(centroids[k]) for t in truth
            if np.hypot(t["row"] - p[0], t["col"] - p[1]) <= MATCH_KM
        )
        used_d, used_t = set(), set()
        for _, j, tid in pairs:
            if j not in used_d and tid not in used_t:
                used_d.add(j)
                used_t.add(tid)
        for t in truth:
            inside = 3 <= t["row"] <= n - 4 and 3 <= t["col"] <= n - 4
            if t["area35_km2"] >= 10 and inside and t["id"] in vis:
                total += 1
                found += int(t["id"] in used_t)
    reported = 0
    truth_merges = [e for e in meta["events"] if e["kind"] == "Merge" and e["first_frame"] is not None]
    for e in truth_merges:
        f = e["first_frame"]

        def where(k):
            # The merge location at frame k: the parents' midpoint while they live, else the child.
            cells = {t["id"]: t for t in meta["truth"][k]}
            ps = [cells[p] for p in e["parents"] if p in cells]
            if len(ps) == 2:
                return (ps[0]["row"] + ps[1]["row"]) / 2, (ps[0]["col"] + ps[1]["col"]) / 2
            c = cells.get(e["children"][0])
            return (c["row"], c["col"]) if c else None

        ok = False
        for m in merges:
            if "frame" not in m or not (f - 4 <= m["frame"] <= min(f + 3, len(meta["truth"]) - 1)):
                continue
            at = where(m["frame"])
            ok |= at is not None and np.hypot(m["row"] - at[0], m["col"] - at[1]) <= 15.0
        reported += int(bool(ok))
    return {"truth_cells": total, "found": found, "truth_merges": len(truth_merges), "merges_reported": reported}


def bom_frames():
    import netCDF4

    files = sorted(glob.glob(os.path.join(DATA, "radar/bom/prcp-cscn/2/2018/06/16/*.nc")))[:12]
    out = []
    for f in files:
        with netCDF4.Dataset(f) as ds:
            v = ds.variables["precipitation"]
            depth = np.ma.filled(v[:].astype(float), np.nan).squeeze()
            rate = depth * 10.0  # mm per 6 min -> mm/h
            with np.errstate(divide="ignore", invalid="ignore"):
                dbz = np.where(rate > 0, 10 * np.log10(200 * rate ** 1.6), -10.0)
            out.append(np.where(np.isnan(depth), np.nan, dbz))
    return np.array(out), files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tmp", default="/tmp/cells_reference")
    ap.add_argument("--out-dir", default=os.path.join(REPO, "testdata", "reference"))
    args = ap.parse_args()
    import pysteps
    import tobac

    from importlib.metadata import version
    versions = {"pysteps": version("pysteps"), "scikit-image": version("scikit-image"), "tobac": tobac.__version__, "python": sys.version.split()[0]}
    command = "/work/peers-venv/bin/python benches/compare/cells_reference.py"
    scenes = []
    for seed in (1, 2, 3, 4):
        frames, meta = export(seed, 256, args.tmp)
        step_s = meta["timestep_s"]
        ts_c, ts_m = run_tstorm(frames, step_s / 60)
        tb_c, tb_m = run_tobac(frames, meta["dx_m"], step_s)
        scenes.append({
            "seed": seed, "size": 256,
            "tstorm": {"centroids": ts_c, "merges": ts_m, "score": score(frames, meta, ts_c, ts_m)},
            "tobac": {"centroids": tb_c, "merges": tb_m, "score": score(frames, meta, tb_c, tb_m)},
        })
        print(seed, scenes[-1]["tstorm"]["score"], scenes[-1]["tobac"]["score"])
    json.dump({"command": command, "versions": versions, "scenes": scenes},
              open(os.path.join(args.out_dir, "cells_synthetic_peers.json"), "w"))
    frames, files = bom_frames()
    if len(frames):
        ts_c, ts_m = run_tstorm(np.nan_to_num(frames, nan=-10.0), 6)
        tb_c, tb_m = run_tobac(np.nan_to_num(frames, nan=-10.0), 500.0, 360)
        json.dump({
            "command": command, "versions": versions,
            "files": [os.path.basename(f) for f in files],
            "conversion": "mm per 6 min x 10 -> mm/h -> dBZ = 10 log10(200 R^1.6); no rain -> -10 dBZ",
            "tstorm": {"centroids": ts_c, "merges": ts_m},
            "tobac": {"centroids": tb_c, "merges": tb_m},
        }, open(os.path.join(args.out_dir, "cells_bom_peers.json"), "w"))
        print("bom", [len(c) for c in ts_c], [len(c) for c in tb_c])


if __name__ == "__main__":
    main()
