"""Nowcasts and their verification over an archive of composites, one task per start time, on a Dask cluster.

Each task reads its own frames (``n_past`` before and including the start time, ``n_lead`` after), estimates
the motion (Lucas–Kanade on dB rain rate), runs the nowcast (``"extrapolation"``, or a ``"steps"`` ensemble),
writes it to ``<out_dir>/nowcast_<YYYYmmddTHHMM>.nc`` (NetCDF) or ``.zarr`` (a Zarr store; both through
:func:`squall.nowcasts.to_dataset`) and returns the accumulator state of its scores against the observed frames:
contingency-table counts per lead time and threshold, count / sums of the errors per lead time and, for an
ensemble, the CRPS sum, rank-histogram counts, reliability bins and ROC tables. :func:`merge_scores` adds those
states and computes the scores once, so the merged scores equal those of one pass over every forecast.

>>> from dask.distributed import Client                                   # doctest: +SKIP
>>> client = Client("tcp://scheduler:8786")    # or LocalCluster(), dask-jobqueue, dask-kubernetes  # doctest: +SKIP
>>> scores, per_start = squall.dask.run_archive("radar/bom/…/16", "out", n_starts=20, client=client)  # doctest: +SKIP

Without a ``client`` the same tasks run one after another in this process (the serial reference).
"""

from __future__ import annotations

import os
import pathlib

import numpy as np

from . import _squall, extrapolation, motion, nowcasts
from .io import open_sequence
from .verification import det_cont_fct

__all__ = ["list_files", "merge_scores", "nowcast_start", "run_archive", "start_indices"]

# Rain rates below this (mm/h) are "no rain" for the dB transform (pysteps' dB transform: 10 log10 R, zero-value
# -15 dB for R < 0.1 mm/h).
_RAIN_MIN = 0.1
_DB_ZERO = -15.0


def list_files(files_or_dir):
    """The composite files of a folder (not hidden, sorted by name — names must sort in time order), or the given
    list sorted by name."""
    if isinstance(files_or_dir, (str, os.PathLike)):
        folder = pathlib.Path(files_or_dir)
        if not folder.is_dir():
            raise FileNotFoundError(f"no such folder: {folder}")
        return sorted(str(p) for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return sorted(str(p) for p in files_or_dir)


def start_indices(n_files, n_past, n_lead, n_starts=None):
    """Indices of the start frames that have ``n_past`` frames up to them and ``n_lead`` after, the first
    ``n_starts`` of them (all when None)."""
    first, last = n_past - 1, n_files - n_lead - 1
    if last < first:
        raise ValueError(f"{n_files} files cannot give {n_past} past and {n_lead} lead frames")
    indices = list(range(first, last + 1))
    return indices if n_starts is None else indices[:n_starts]


def _to_db(rate):
    return np.where(rate >= _RAIN_MIN, 10.0 * np.log10(np.maximum(rate, _RAIN_MIN)), _DB_ZERO).astype(np.float32)


def _from_db(db):
    rate = np.power(10.0, db / 10.0, dtype=np.float32)
    return np.where(rate >= _RAIN_MIN, rate, 0.0).astype(np.float32)


# Reliability bins and ROC probability thresholds of the ensemble scores (pysteps' defaults).
_N_BINS = 10
_N_PROB_THRS = 10
_MIN_COUNT = 10
_FORMATS = {"netcdf": ".nc", "zarr": ".zarr"}


def _write(dataset, path, out_format):
    if out_format == "netcdf":
        dataset.to_netcdf(path)
    else:
        dataset.to_zarr(path, mode="w-")


def nowcast_start(files, start, *, n_past=3, n_lead=6, method="extrapolation", crop=None, thresholds=(0.1, 1.0, 5.0),
                  out_dir=None, n_ens_members=4, seed=0, out_format="netcdf"):
    """One task: the nowcast from frame ``files[start]`` and the accumulator state of its scores.

    ``files``: every file of the archive, in time order; ``crop``: ``(y_slice, x_slice)`` or None;
    ``method``: ``"extrapolation"`` (deterministic) or ``"steps"`` (``n_ens_members`` members, seeded by
    ``seed + start``; the deterministic scores use the ensemble mean); ``out_format``: ``"netcdf"`` or
    ``"zarr"``. Rain rate in mm/h. Returns a dict with ``start_time``, ``path`` (the file or store written, or None
    without ``out_dir``), ``counts`` int64 (n_lead, n_thresholds, 4) = hits, misses, false alarms, correct
    negatives, ``n`` (n_lead,) and ``sum_error``, ``sum_abs_error``, ``sum_sq_error`` (n_lead,) float64
    (forecast − observation over pairs where both are finite); for ``"steps"`` also ``ensemble``: per lead time
    the CRPS sum and pixel count, rank-histogram counts (n_lead, members + 1; ties spread evenly), reliability
    bins ``rel_count``/``rel_events``/``rel_sum_p`` (n_lead, n_thresholds, 10) and ROC tables ``roc_counts``
    (n_lead, n_thresholds, 10, 4) for the events "rain ≥ threshold" with the fraction of members as probability.
    """
    if out_format not in _FORMATS:
        raise ValueError(f"out_format={out_format!r}: valid values are {sorted(_FORMATS)}")
    chosen = files[start - n_past + 1 : start + n_lead + 1]
    values, meta = open_sequence(chosen)
    if meta["units"] != "mm/h":
        raise ValueError(f"{files[start]}: units {meta['units']!r}, the archive run expects rain rate in mm/h")
    if crop is not None:
        values = np.ascontiguousarray(values[:, crop[0], crop[1]])
        y_slice, x_slice = crop
        meta = dict(meta)
        meta["x0"] += (x_slice.start or 0) * meta["dx"]
        meta["y0"] += (y_slice.start or 0) * meta["dy"]
    past, observed = values[:n_past], values[n_past:]
    timestep_min = meta["timestep"] / 60.0
    db = _to_db(np.nan_to_num(past, nan=0.0))
    velocity = motion.dense_lucaskanade(db)
    if method == "extrapolation":
        forecast = extrapolation.semilagrangian.extrapolate(past[-1], velocity, n_lead)
        deterministic = forecast
    elif method == "steps":
        members = nowcasts.steps.forecast(
            db, velocity, n_lead, n_ens_members=n_ens_members, n_cascade_levels=6, precip_thr=10 * np.log10(_RAIN_MIN),
            kmperpixel=abs(meta["dx"]) / 1000.0, timestep=timestep_min, seed=seed + start,
        )
        forecast = _from_db(members)
        deterministic = np.nanmean(forecast, axis=0)
    else:
        raise ValueError(f"method={method!r}: valid values are 'extrapolation' and 'steps'")
    start_time = meta["times"][n_past - 1]
    path = None
    if out_dir is not None:
        stamp = start_time[:16].replace("-", "").replace(":", "")
        path = os.path.join(out_dir, f"nowcast_{stamp}{_FORMATS[out_format]}")
        if os.path.exists(path):
            raise FileExistsError(f"{path} exists; give an empty out_dir")
        _write(nowcasts.to_dataset(forecast, timestep_min, start_time, metadata=meta), path, out_format)
    counts = np.zeros((n_lead, len(thresholds), 4), np.int64)
    n = np.zeros(n_lead, np.int64)
    sums = np.zeros((3, n_lead))
    for k in range(n_lead):
        pred = deterministic[k].reshape(1, -1)
        obs = np.ascontiguousarray(observed[k], dtype=np.float32).reshape(1, -1)
        for j, thr in enumerate(thresholds):
            t = _squall.verification_det_cat(pred, obs, float(thr))
            counts[k, j] = [t["hits"], t["misses"], t["false_alarms"], t["correct_negatives"]]
        both = np.isfinite(pred) & np.isfinite(obs)
        n[k] = int(both.sum())
        if n[k]:
            cont = det_cont_fct(pred, obs, scores=["ME", "MAE", "MSE"])
            sums[:, k] = [cont["ME"] * n[k], cont["MAE"] * n[k], cont["MSE"] * n[k]]
    result = {"start_time": start_time, "path": path, "counts": counts, "n": n,
              "sum_error": sums[0], "sum_abs_error": sums[1], "sum_sq_error": sums[2]}
    if method == "steps":
        states = [
            _squall.ensemble_accumulate(np.ascontiguousarray(forecast[:, k]),
                                        np.ascontiguousarray(observed[k], dtype=np.float32),
                                        [float(t) for t in thresholds], _N_BINS, _N_PROB_THRS)
            for k in range(n_lead)
        ]
        result["ensemble"] = {key: np.stack([np.asarray(st[key]) for st in states]) for key in states[0]}
    return result


def merge_scores(results, thresholds, timestep_min):
    """Adds the accumulator states of many tasks and computes the scores: an ``xarray.Dataset`` with the
    categorical scores (``POD``, ``FAR``, ``CSI``, ``GSS`` … dims ``lead_time, threshold``), the summed counts,
    and ``ME``, ``MAE``, ``RMSE``, ``n`` (dim ``lead_time``)."""
    import xarray as xr

    if not results:
        raise ValueError("no results to merge")
    counts = np.sum([r["counts"] for r in results], axis=0)
    n = np.sum([r["n"] for r in results], axis=0)
    sums = {key: np.sum([r[key] for r in results], axis=0) for key in ("sum_error", "sum_abs_error", "sum_sq_error")}
    n_lead, n_thr, _ = counts.shape
    tables = [[_squall.contingency_scores(*map(int, counts[k, j])) for j in range(n_thr)] for k in range(n_lead)]
    with np.errstate(invalid="ignore", divide="ignore"):
        data = {
            name: (("lead_time", "threshold"), np.array([[t[name] for t in row] for row in tables]))
            for name in tables[0][0]
        }
        data["counts"] = (("lead_time", "threshold", "outcome"), counts)
        data["n"] = (("lead_time",), n)
        data["ME"] = (("lead_time",), sums["sum_error"] / n)
        data["MAE"] = (("lead_time",), sums["sum_abs_error"] / n)
        data["RMSE"] = (("lead_time",), np.sqrt(sums["sum_sq_error"] / n))
    coords = {
        "lead_time": ("lead_time", np.arange(1, n_lead + 1) * float(timestep_min), {"units": "minutes"}),
        "threshold": ("threshold", np.asarray(thresholds, float), {"units": "mm h-1"}),
        "outcome": ("outcome", ["hits", "misses", "false_alarms", "correct_negatives"]),
    }
    ensembles = [r["ensemble"] for r in results if "ensemble" in r]
    if ensembles:
        if len(ensembles) != len(results):
            raise ValueError("cannot merge ensemble and deterministic results")
        data.update(_ensemble_scores(ensembles))
        coords["rank"] = ("rank", np.arange(data["rank_histogram"][1].shape[1]))
        coords["probability_bin"] = ("probability_bin", np.arange(_N_BINS))
        coords["probability_threshold"] = ("probability_threshold", np.linspace(0.0, 1.0, _N_PROB_THRS))
    return xr.Dataset(data, coords, {"n_forecasts": len(results)})


def _ensemble_scores(ensembles):
    """Ensemble scores from summed accumulator states: CRPS, rank histogram, reliability diagram, ROC curve and
    area (trapezoids from (1, 1) through the points to (0, 0), as ``squall.verification.ROC_curve``)."""
    total = {key: np.sum([e[key] for e in ensembles], axis=0) for key in ensembles[0]}
    count, events, sum_p = total["rel_count"], total["rel_events"], total["rel_sum_p"]
    shown = (count > 0) & (count >= _MIN_COUNT)
    roc = total["roc_counts"].astype(np.float64)
    hits, misses, false_alarms, negatives = (roc[..., i] for i in range(4))
    with np.errstate(invalid="ignore", divide="ignore"):
        pod = hits / (hits + misses)
        pofd = false_alarms / (false_alarms + negatives)
        rank = total["rank_counts"] / total["rank_counts"].sum(axis=1, keepdims=True)
        area = (1.0 - pofd[..., 0]) * (1.0 + pod[..., 0]) / 2.0
        area += np.sum((pofd[..., :-1] - pofd[..., 1:]) * (pod[..., 1:] + pod[..., :-1]) / 2.0, axis=-1)
        area += pofd[..., -1] * pod[..., -1] / 2.0
        return {
            "CRPS": (("lead_time",), total["crps_sum"] / total["crps_pixels"]),
            "rank_histogram": (("lead_time", "rank"), rank),
            "reliability_forecast": (("lead_time", "threshold", "probability_bin"),
                                     np.where(shown, sum_p / count, np.nan)),
            "reliability_observed": (("lead_time", "threshold", "probability_bin"),
                                     np.where(shown, events / count, np.nan)),
            "reliability_count": (("lead_time", "threshold", "probability_bin"), count.astype(np.int64)),
            "ROC_POD": (("lead_time", "threshold", "probability_threshold"), pod),
            "ROC_POFD": (("lead_time", "threshold", "probability_threshold"), pofd),
            "ROC_area": (("lead_time", "threshold"), area),
        }


def run_archive(files_or_dir, out_dir=None, *, n_starts=None, n_past=3, n_lead=6, method="extrapolation", crop=None,
                thresholds=(0.1, 1.0, 5.0), n_ens_members=4, seed=0, client=None, out_format="netcdf"):
    """Nowcasts from every start time of an archive (the first ``n_starts``), one task each, and the merged scores.

    ``files_or_dir``: a folder of composites or a list of files (rain rate, names sorting in time order);
    ``out_dir``: an existing folder for one NetCDF file or Zarr store (``out_format``) per start time (None:
    write nothing); ``client``: a
    ``dask.distributed.Client`` (a ``LocalCluster``, ``Client("tcp://scheduler:8786")`` of a multi-node
    cluster, dask-jobqueue or dask-kubernetes) — None runs the tasks serially here. Other arguments as
    :func:`nowcast_start`. Returns ``(scores, results)``: :func:`merge_scores` of all tasks and the per-task
    results ordered by start time. The output folder must be readable by every worker (a shared filesystem).
    """
    files = list_files(files_or_dir)
    indices = start_indices(len(files), n_past, n_lead, n_starts)
    options = dict(n_past=n_past, n_lead=n_lead, method=method, crop=crop, thresholds=tuple(thresholds),
                   out_dir=None if out_dir is None else os.fspath(out_dir), n_ens_members=n_ens_members, seed=seed,
                   out_format=out_format)
    if client is None:
        results = [nowcast_start(files, i, **options) for i in indices]
    else:
        futures = [client.submit(nowcast_start, files, i, pure=False, **options) for i in indices]
        results = client.gather(futures)
    _, meta = open_sequence(files[:2])
    return merge_scores(results, thresholds, meta["timestep"] / 60.0), results
