#!/usr/bin/env python3
"""Peer reference numbers for Squall's verification scores (``squall::verify``).

Makes deterministic inputs with numpy (seeded), writes them as raw little-endian
float32 files under ``testdata/verify/`` (with ``inputs.json`` giving names and
shapes), runs pysteps' verification functions on them and writes every number,
with the exact call that produced it, to
``testdata/reference/verify_pysteps.json``.

Inputs (all 64 x 64 pixels, rain rates in mm/h, NaN outside a 34-pixel radius
"radar range" circle, at the same pixels in every field):

  * ``observation.f32``  (3, 64, 64): three observed rain fields, correlated
    power-law Gaussian random fields mapped to rain with ~45 % wet pixels;
  * ``forecast.f32``     (3, 64, 64): forecasts of them (shifted by 2 pixels and
    partly decorrelated);
  * ``ensemble.f32``     (10, 64, 64): a 10-member ensemble for observation 0,
    with exact zeros (ties with dry observations);
  * ``probability.f32``  (2, 64, 64): [0] the ensemble's exceedance probability
    of 1 mm/h (multiples of 0.1), [1] the same smoothed by a 5 x 5 mean.

pysteps is always called with the float32 data cast to float64 (the values are
identical; the cast only keeps numpy from computing in float32), so Squall,
which computes in f64, must agree to rounding.

Where pysteps has no equivalent (Brier score and its decomposition) or where
pysteps' result depends on its global random state (rank-histogram ties) or on
a defect (CRPS when the observation equals a member), the script also records
an independent numpy computation from the definition, named ``*_numpy``.

The peers are NOT a dependency of Squall. Install them outside the repo::

    python3 -m venv /work/peers-venv
    /work/peers-venv/bin/pip install pysteps==1.21.5 PyWavelets

Run (from the repo root)::

    /work/peers-venv/bin/python benches/compare/verify_reference.py [--timing]

``--timing`` also prints pysteps' wall-clock time for the sizes of
``benches/verify.rs`` (FSS at 5 scales on 1024 x 1024; CRPS of 20 members on
512 x 512); the timings are printed, not stored.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import warnings
from importlib import metadata

import numpy as np

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SEED = 20240605
SHAPE = (64, 64)
RADIUS_PX = 34.0
CAT_THRESHOLDS = [0.1, 1.0, 5.0]
FSS_THRESHOLDS = [0.1, 1.0, 5.0]
FSS_SCALES = [1, 2, 3, 4, 5, 8, 16, 33, 64, 100]
RELDIAG_X_MIN = 1.0
ROC_X_MIN = 1.0
RANK_X_MIN = 0.1


# ----------------------------------------------------------------------------- inputs


def gaussian_field(rng: np.random.Generator, shape, beta: float = 3.0) -> np.ndarray:
    """Standardised Gaussian random field with a power-law spectrum |k|^-beta."""
    ny, nx = shape
    noise = rng.standard_normal(shape)
    ky = np.fft.fftfreq(ny)[:, None]
    kx = np.fft.fftfreq(nx)[None, :]
    k = np.sqrt(kx**2 + ky**2)
    k[0, 0] = 1.0
    field = np.fft.ifft2(np.fft.fft2(noise) * k ** (-beta / 2.0)).real
    return (field - field.mean()) / field.std()


def rain(g: np.ndarray, wet_fraction: float = 0.45) -> np.ndarray:
    """Maps a Gaussian field to rain rates (mm/h): 0 below the (1 - wet) quantile."""
    t = np.quantile(g, 1.0 - wet_fraction)
    return np.where(g > t, 10.0 * (np.exp(0.8 * (g - t)) - 1.0), 0.0)


def make_inputs():
    rng = np.random.default_rng(SEED)
    yy, xx = np.mgrid[0 : SHAPE[0], 0 : SHAPE[1]]
    outside = np.hypot(yy - (SHAPE[0] - 1) / 2, xx - (SHAPE[1] - 1) / 2) > RADIUS_PX

    observation = np.empty((3,) + SHAPE, np.float32)
    forecast = np.empty((3,) + SHAPE, np.float32)
    for t in range(3):
        g_obs = gaussian_field(rng, SHAPE)
        g_err = gaussian_field(rng, SHAPE, beta=2.0)
        g_fct = 0.8 * np.roll(g_obs, (2, 1), axis=(0, 1)) + 0.6 * g_err
        g_fct /= g_fct.std()
        observation[t] = rain(g_obs)
        forecast[t] = rain(g_fct, wet_fraction=0.5)

    # ensemble for observation 0: shifted/decorrelated members
    g_obs0 = np.log1p(observation[0].astype(np.float64))
    base = gaussian_field(rng, SHAPE)
    ensemble = np.empty((10,) + SHAPE, np.float32)
    for k in range(10):
        g_k = gaussian_field(rng, SHAPE, beta=2.5)
        shift = (int(rng.integers(-2, 3)), int(rng.integers(-2, 3)))
        g = 0.7 * np.roll(g_obs0 / max(g_obs0.std(), 1e-9), shift, axis=(0, 1)) + 0.3 * base + 0.5 * g_k
        ensemble[k] = rain((g - g.mean()) / g.std(), wet_fraction=0.4 + 0.02 * k)

    observation[:, outside] = np.nan
    forecast[:, outside] = np.nan
    ensemble[:, outside] = np.nan

    from scipy.ndimage import uniform_filter

    p_ens = (ensemble >= 1.0).sum(axis=0) / np.float32(10.0)
    p_smooth = uniform_filter(p_ens.astype(np.float64), size=5, mode="nearest")
    probability = np.stack([p_ens, np.clip(p_smooth, 0.0, 1.0)]).astype(np.float32)
    probability[:, outside] = np.nan
    return {
        "observation": observation,
        "forecast": forecast,
        "ensemble": ensemble,
        "probability": probability,
    }


DESCRIPTIONS = {
    "observation": "three observed rain fields, mm/h; NaN outside a 34-pixel radius",
    "forecast": "forecasts of the three observations, mm/h; NaN at the same pixels",
    "ensemble": "10-member ensemble forecast of observation[0], mm/h, with exact zeros",
    "probability": "[0] ensemble exceedance probability of 1 mm/h (k/10), [1] its 5x5 mean",
}


def write_inputs(inputs, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    sidecar = {
        "generator": "benches/compare/verify_reference.py",
        "seed": SEED,
        "dtype": "float32 little-endian, C order (row-major), no header",
        "arrays": {},
    }
    for name, array in inputs.items():
        path = os.path.join(out_dir, name + ".f32")
        array.astype("<f4").tofile(path)
        sidecar["arrays"][name] = {
            "file": name + ".f32",
            "shape": list(array.shape),
            "description": DESCRIPTIONS[name],
        }
    with open(os.path.join(out_dir, "inputs.json"), "w") as f:
        json.dump(sidecar, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------- helpers


def clean(value):
    """JSON-safe: numpy scalars/arrays to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return clean(value.tolist())
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return v if np.isfinite(v) else None
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    return value


def crps_kernel_numpy(members, obs):
    """CRPS of the empirical ensemble CDF, E|X - y| - E|X - X'| / 2 (Gneiting & Raftery 2007, eq. 20)."""
    x = members.reshape(members.shape[0], -1).T
    y = obs.reshape(-1)
    keep = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    x, y = x[keep], y[keep]
    term1 = np.mean(np.abs(x - y[:, None]), axis=1)
    term2 = np.mean(np.abs(x[:, :, None] - x[:, None, :]), axis=(1, 2))
    return float(np.mean(term1 - 0.5 * term2)), int(keep.sum())


def rank_spread_numpy(members, obs, x_min):
    """Rank histogram with every tie spread evenly over the ranks it could take (the expectation of random
    tie-breaking, Hamill 2001)."""
    m = members.shape[0]
    x = members.reshape(m, -1).T.copy()
    y = obs.reshape(-1).copy()
    keep = np.isfinite(y) & np.all(np.isfinite(x), axis=1)
    if x_min is not None:
        keep &= (y >= x_min) | np.any(x >= x_min, axis=1)
    x, y = x[keep], y[keep]
    if x_min is not None:
        x[x < x_min] = x_min - 1
        y[y < x_min] = x_min - 1
    below = np.sum(x < y[:, None], axis=1)
    ties = np.sum(x == y[:, None], axis=1)
    counts = np.zeros(m + 1)
    for b, t in zip(below, ties):
        counts[b : b + t + 1] += 1.0 / (t + 1)
    return counts


def brier_numpy(p, o, x_min, n_bins):
    """Brier score and its Murphy (1973) decomposition over pysteps' reliability bins, plus the within-bin
    terms of Stephenson et al. (2008) so that BS = REL - RES + UNC + WBV - 2 WBC."""
    keep = np.isfinite(p) & np.isfinite(o)
    p = p[keep].astype(np.float64)
    e = (o[keep] >= x_min).astype(np.float64)
    edges = np.linspace(-1e-6, 1 + 1e-6, n_bins + 1)
    idx = np.digitize(p, edges, right=True)
    inside = (idx >= 1) & (idx <= n_bins)
    p, e, idx = p[inside], e[inside], idx[inside]
    n = p.size
    bs = np.mean((p - e) ** 2)
    obar = e.mean()
    rel = res = wbv = wbc = 0.0
    for k in range(1, n_bins + 1):
        sel = idx == k
        nk = sel.sum()
        if nk == 0:
            continue
        pk, ok = p[sel].mean(), e[sel].mean()
        rel += nk * (pk - ok) ** 2
        res += nk * (ok - obar) ** 2
        wbv += np.sum((p[sel] - pk) ** 2)
        wbc += np.sum((p[sel] - pk) * (e[sel] - ok))
    return {
        "n": int(n),
        "brier_score": bs,
        "reliability": rel / n,
        "resolution": res / n,
        "uncertainty": obar * (1 - obar),
        "within_bin_variance": wbv / n,
        "within_bin_covariance": wbc / n,
    }


# ----------------------------------------------------------------------------- pysteps


def reference(inputs):
    from pysteps.verification import detcatscores, detcontscores, ensscores, probscores, spatialscores

    obs = inputs["observation"].astype(np.float64)
    fct = inputs["forecast"].astype(np.float64)
    ens = inputs["ensemble"].astype(np.float64)
    prob = inputs["probability"].astype(np.float64)
    out = {}

    # --- categorical -------------------------------------------------------------------
    cat = []
    for t in range(3):
        valid = np.isfinite(fct[t]) & np.isfinite(obs[t])
        for thr in CAT_THRESHOLDS:
            scores = detcatscores.det_cat_fct(fct[t][valid], obs[t][valid], thr)
            table = detcatscores.det_cat_fct_init(thr)
            detcatscores.det_cat_fct_accum(table, fct[t][valid], obs[t][valid])
            cat.append(
                {
                    "field": t,
                    "threshold": thr,
                    "call": "det_cat_fct(forecast[t][valid], observation[t][valid], threshold)",
                    "table": {k: table[k] for k in ("hits", "misses", "false_alarms", "correct_negatives")},
                    "scores": scores,
                }
            )
    out["categorical"] = cat
    valid_all = np.isfinite(fct) & np.isfinite(obs)
    table = detcatscores.det_cat_fct_init(1.0)
    for t in range(3):
        v = valid_all[t]
        detcatscores.det_cat_fct_accum(table, fct[t][v], obs[t][v])
    out["categorical_accumulated"] = {
        "threshold": 1.0,
        "call": "det_cat_fct_init(1.0); det_cat_fct_accum(table, forecast[t][valid], observation[t][valid]) "
        "for t in 0..3; det_cat_fct_compute(table)",
        "scores": detcatscores.det_cat_fct_compute(table),
    }
    out["categorical_nan_as_no_event"] = {
        "threshold": 1.0,
        "call": "det_cat_fct(forecast[0], observation[0], 1.0)  # NaN pixels included",
        "scores": detcatscores.det_cat_fct(fct[0], obs[0], 1.0),
    }

    # --- continuous --------------------------------------------------------------------
    cont = []
    for t in range(3):
        cont.append(
            {
                "field": t,
                "conditioning": None,
                "call": "det_cont_fct(forecast[t], observation[t])",
                "scores": detcontscores.det_cont_fct(fct[t], obs[t]),
            }
        )
    for cond in ("single", "double"):
        cont.append(
            {
                "field": 0,
                "conditioning": cond,
                "threshold": 1.0,
                "call": f"det_cont_fct(forecast[0], observation[0], conditioning='{cond}', thr=1.0)",
                "scores": detcontscores.det_cont_fct(fct[0], obs[0], conditioning=cond, thr=1.0),
            }
        )
    out["continuous"] = cont
    err = detcontscores.det_cont_fct_init()
    for t in range(3):
        detcontscores.det_cont_fct_accum(err, fct[t], obs[t])
    err_a = detcontscores.det_cont_fct_init()
    detcontscores.det_cont_fct_accum(err_a, fct[0], obs[0])
    err_b = detcontscores.det_cont_fct_init()
    detcontscores.det_cont_fct_accum(err_b, fct[1], obs[1])
    detcontscores.det_cont_fct_accum(err_b, fct[2], obs[2])
    out["continuous_accumulated"] = {
        "call": "det_cont_fct_accum over t in 0..3, det_cont_fct_compute",
        "scores": detcontscores.det_cont_fct_compute(err),
        "merged_call": "det_cont_fct_merge(accum(t=0), accum(t=1, 2)), det_cont_fct_compute",
        "merged_scores": detcontscores.det_cont_fct_compute(detcontscores.det_cont_fct_merge(err_a, err_b)),
    }

    # --- FSS ---------------------------------------------------------------------------
    fss = []
    for thr in FSS_THRESHOLDS:
        for scale in FSS_SCALES:
            per_field = [spatialscores.fss(fct[t], obs[t], thr, scale) for t in range(3)]
            acc = spatialscores.fss_init(thr, scale)
            for t in range(3):
                spatialscores.fss_accum(acc, fct[t], obs[t])
            fss.append(
                {
                    "threshold": thr,
                    "scale": scale,
                    "per_field_call": "fss(forecast[t], observation[t], threshold, scale)",
                    "per_field": per_field,
                    "accumulated_call": "fss_init; fss_accum for t in 0..3; fss_compute",
                    "accumulated": spatialscores.fss_compute(acc),
                }
            )
    out["fss"] = fss

    # --- intensity-scale (Casati et al. 2004) -----------------------------------------------
    iss = spatialscores.intensity_scale_init("BMSE", FSS_THRESHOLDS)
    for t in range(3):
        spatialscores.intensity_scale_accum(iss, fct[t], obs[t])
    scales = [int(s) for s in iss["scales"]]
    out["intensity_scale"] = {
        "thresholds": FSS_THRESHOLDS,
        "scales": scales,
        "layout": "skill[scale][threshold]; scales coarsest first",
        "per_field_call": "intensity_scale(forecast[t], observation[t], 'BMSE', thresholds)",
        "per_field": [spatialscores.intensity_scale(fct[t], obs[t], "BMSE", FSS_THRESHOLDS) for t in range(3)],
        "accumulated_call": "intensity_scale_init('BMSE', thresholds); intensity_scale_accum for t in 0..3; "
        "intensity_scale_compute",
        "accumulated": spatialscores.intensity_scale_compute(iss),
        "fss_call": "intensity_scale(forecast[0], observation[0], 'FSS', thresholds, scales=[1, 4, 16])",
        "fss_scales": [16, 4, 1],
        "fss": spatialscores.intensity_scale(fct[0], obs[0], "FSS", FSS_THRESHOLDS, scales=[1, 4, 16]),
    }

    # --- CRPS ----------------------------------------------------------------------------
    no_tie = np.isfinite(obs[0]) & ~np.any(ens == obs[0][None], axis=0)
    kernel_all, n_all = crps_kernel_numpy(ens, obs[0])
    out["crps"] = {
        "no_tie_pixels": int(no_tie.sum()),
        "no_tie_call": "CRPS(ensemble[:, no_tie], observation[0][no_tie]); no_tie = pixels where the "
        "observation equals no member",
        "no_tie": probscores.CRPS(ens[:, no_tie], obs[0][no_tie]),
        "all_call": "CRPS(ensemble, observation[0])",
        "all": probscores.CRPS(ens, obs[0]),
        "all_numpy": kernel_all,
        "all_numpy_pixels": n_all,
        "all_numpy_method": "mean over pixels of E|X - y| - E|X - X'|/2 over the members (crps_kernel_numpy)",
        "two_member_example": {
            "members": [0.0, 1.0],
            "observation": 0.0,
            "pysteps": probscores.CRPS(np.array([[0.0], [1.0]]), np.array([0.0])),
            "definition": 0.25,
        },
        "accumulated_call": "CRPS_init; CRPS_accum(ensemble[:, rows], observation[0][rows]) for rows "
        "0..32 and 32..64 of the no-tie pixels; CRPS_compute",
    }
    acc = probscores.CRPS_init()
    half = np.zeros_like(no_tie)
    half[:32] = True
    probscores.CRPS_accum(acc, ens[:, no_tie & half], obs[0][no_tie & half])
    probscores.CRPS_accum(acc, ens[:, no_tie & ~half], obs[0][no_tie & ~half])
    out["crps"]["accumulated"] = probscores.CRPS_compute(acc)

    # --- rank histogram ------------------------------------------------------------------
    np.random.seed(SEED)
    out["rank_histogram"] = {
        "no_tie_call": "rankhist(ensemble[:, no_tie], observation[0][no_tie], X_min=None, normalize=False)",
        "no_tie": ensscores.rankhist(ens[:, no_tie], obs[0][no_tie], X_min=None, normalize=False),
        "x_min": RANK_X_MIN,
        "random_call": f"np.random.seed({SEED}); rankhist(ensemble, observation[0], X_min={RANK_X_MIN}, "
        "normalize=False)  # ties broken at random",
        "random": ensscores.rankhist(ens, obs[0], X_min=RANK_X_MIN, normalize=False),
        "spread_numpy": rank_spread_numpy(ens, obs[0], RANK_X_MIN),
        "spread_numpy_method": "each tie spread evenly over the ranks it could take (rank_spread_numpy)",
    }

    # --- ensemble skill and spread -------------------------------------------------------
    out["ensemble_skill"] = {
        "fss_call": "ensemble_skill(ensemble, observation[0], 'FSS', thr=1.0, scale=5)",
        "fss": ensscores.ensemble_skill(ens, obs[0], "FSS", thr=1.0, scale=5),
        "rmse_call": "ensemble_skill(ensemble, observation[0], 'RMSE')",
        "rmse": ensscores.ensemble_skill(ens, obs[0], "RMSE"),
        "spread_fss_call": "ensemble_spread(ensemble, 'FSS', thr=1.0, scale=5)",
        "spread_fss": ensscores.ensemble_spread(ens, "FSS", thr=1.0, scale=5),
    }

    # --- reliability, Brier, ROC ---------------------------------------------------------
    rel = []
    roc = []
    brier = []
    for i in range(2):
        r, f = probscores.reldiag(prob[i], obs[0], RELDIAG_X_MIN, n_bins=10, min_count=10)
        rd = probscores.reldiag_init(RELDIAG_X_MIN, n_bins=10, min_count=10)
        probscores.reldiag_accum(rd, prob[i], obs[0])
        rel.append(
            {
                "probability": i,
                "call": f"reldiag(probability[{i}], observation[0], {RELDIAG_X_MIN}, n_bins=10, min_count=10)",
                "forecast_probability": r,
                "observed_frequency": f,
                "sample_size": rd["sample_size"],
            }
        )
        for n_thr in (10, 11):
            pofd, pod, area = probscores.ROC_curve(
                prob[i], obs[0], ROC_X_MIN, n_prob_thrs=n_thr, compute_area=True
            )
            roc.append(
                {
                    "probability": i,
                    "n_prob_thrs": n_thr,
                    "call": f"ROC_curve(probability[{i}], observation[0], {ROC_X_MIN}, n_prob_thrs={n_thr}, "
                    "compute_area=True)",
                    "pofd": pofd,
                    "pod": pod,
                    "area": area,
                }
            )
        b = brier_numpy(prob[i], obs[0], RELDIAG_X_MIN, 10)
        b["probability"] = i
        b["call"] = f"brier_numpy(probability[{i}], observation[0], {RELDIAG_X_MIN}, n_bins=10)"
        brier.append(b)
    out["reliability"] = rel
    out["roc"] = roc
    out["brier_numpy"] = brier
    return out


NOTES = {
    "inputs": "testdata/verify/*.f32 described by testdata/verify/inputs.json; pysteps is called with the "
    "float32 arrays cast to float64. NaN scores are stored as null.",
    "categorical": "pysteps det_cat_fct: event = value > threshold (strict). Its docstring says NaNs are "
    "ignored, but NaN > thr is False, so NaN pixels count as 'no' (see categorical_nan_as_no_event). "
    "Squall skips pairs with a non-finite member, so the comparable pysteps call is on the valid pixels.",
    "continuous": "pysteps det_cont_fct; population (co)variances; NMSE = E[(f-o)^2]/E[(f+o)^2]; "
    "DRMSE = sqrt(MSE - ME^2); RV = 1 - MSE/var(o); beta1 = cov/var(f); beta2 = cov/var(o). NaNs are at "
    "the same pixels in both fields, where pysteps' nan-means are pairwise.",
    "fss": "pysteps fss: event = value >= threshold; non-finite -> no event; scipy uniform_filter with "
    "size=scale, mode='constant' (zeros outside, divided by scale^2); even windows span "
    "[i - scale/2, i + scale/2 - 1]; scale 1 = no smoothing.",
    "intensity_scale": "pysteps intensity_scale 'BMSE' (Casati et al. 2004): event >= threshold, Haar "
    "wavedec2 at full depth, skill = 1 - MSE_l / (2 eps (1 - eps) / L), eps and MSE_l averaged over fields.",
    "crps": "pysteps CRPS drops the interval above a member equal to the observation (its strict "
    "inequalities), so with ties (dry pixels) it is too low: two_member_example gives 0 instead of 0.25. "
    "Squall follows the definition; compare it with pysteps on no_tie pixels and with all_numpy on all.",
    "rank_histogram": "pysteps breaks ties with np.random (global state): 'random' is one draw; "
    "'spread_numpy' is its expectation.",
    "reliability": "pysteps reldiag: bins np.linspace(-1e-6, 1+1e-6, n_bins+1), np.digitize(right=True), "
    "event = obs >= X_min; pysteps applies min_count to each accumulate call (here one call).",
    "roc": "pysteps ROC_curve: probability thresholds np.linspace(0, 1, n); yes = p >= p_thr; event = "
    "obs >= X_min; area by trapezoids from (1, 1) through the points to (0, 0).",
    "brier": "pysteps has no Brier score: brier_numpy is computed from the definition over pysteps' "
    "reliability bins; BS = REL - RES + UNC + WBV - 2 WBC.",
}


# ----------------------------------------------------------------------------- timing


def timing():
    from pysteps.verification import probscores, spatialscores

    rng = np.random.default_rng(SEED)
    big_o = rain(gaussian_field(rng, (1024, 1024)))
    big_f = rain(gaussian_field(rng, (1024, 1024)))

    def best(fn, repeat=3):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return min(times)

    scales = [1, 3, 9, 27, 81]

    def fss5():
        for s in scales:
            spatialscores.fss(big_f, big_o, 1.0, s)

    print(f"pysteps fss 1024x1024, threshold 1 mm/h, scales {scales}: {best(fss5) * 1e3:.1f} ms")
    o512 = rain(gaussian_field(rng, (512, 512)))
    members = np.stack([rain(gaussian_field(rng, (512, 512))) for _ in range(20)])
    t = best(lambda: probscores.CRPS(members, o512))
    print(f"pysteps CRPS 20 members x 512x512: {t * 1e3:.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs-dir", default=os.path.join(REPO_ROOT, "testdata", "verify"))
    parser.add_argument(
        "--out", default=os.path.join(REPO_ROOT, "testdata", "reference", "verify_pysteps.json")
    )
    parser.add_argument("--timing", action="store_true", help="also time pysteps on the bench sizes")
    args = parser.parse_args()
    warnings.simplefilter("ignore")

    inputs = make_inputs()
    write_inputs(inputs, args.inputs_dir)
    # Read back what was written, so the numbers are for exactly the stored bytes.
    stored = {
        name: np.fromfile(os.path.join(args.inputs_dir, name + ".f32"), dtype="<f4").reshape(a.shape)
        for name, a in inputs.items()
    }
    result = {
        "generator": "benches/compare/verify_reference.py",
        "command": "python " + " ".join(shlex.quote(a) for a in ["benches/compare/verify_reference.py"] + sys.argv[1:]),
        "versions": {
            "python": sys.version.split()[0],
            "pysteps": metadata.version("pysteps"),
            "numpy": metadata.version("numpy"),
            "scipy": metadata.version("scipy"),
            "PyWavelets": metadata.version("PyWavelets"),
        },
        "notes": NOTES,
    }
    result.update(reference(stored))
    with open(args.out, "w") as f:
        json.dump(clean(result), f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {args.out}")
    if args.timing:
        timing()


if __name__ == "__main__":
    main()
