"""squall.verification: pysteps-shaped calls against pysteps' numbers on the recorded inputs
(``testdata/verify/``, ``testdata/reference/verify_pysteps.json``, made by
``benches/compare/verify_reference.py``), and argument errors. pysteps itself is not imported."""

import json
import pathlib

import numpy as np
import pytest

import squall
from squall import verification
from squall.verification import probscores, spatialscores

ROOT = pathlib.Path(__file__).resolve().parents[2] / "testdata"
REFERENCE = json.loads((ROOT / "reference" / "verify_pysteps.json").read_text())


def _inputs():
    sidecar = json.loads((ROOT / "verify" / "inputs.json").read_text())
    return {
        name: np.fromfile(ROOT / "verify" / meta["file"], "<f4").reshape(meta["shape"])
        for name, meta in sidecar["arrays"].items()
    }


INPUTS = _inputs()
FORECAST, OBSERVATION = INPUTS["forecast"], INPUTS["observation"]
ENSEMBLE, PROBABILITY = INPUTS["ensemble"], INPUTS["probability"]


def _close(ours, theirs, what, rtol=1e-6):
    if theirs is None:  # NaN in the fixture
        assert np.isnan(ours), what
    else:
        assert ours == pytest.approx(theirs, rel=rtol, abs=1e-9), what


def test_det_cat_fct_equals_pysteps():
    for case in REFERENCE["categorical"]:
        t, thr = case["field"], case["threshold"]
        valid = np.isfinite(FORECAST[t]) & np.isfinite(OBSERVATION[t])
        scores = verification.det_cat_fct(FORECAST[t][valid], OBSERVATION[t][valid], thr)
        assert set(scores) == set(case["scores"])
        for name, value in case["scores"].items():
            _close(scores[name], value, (t, thr, name), rtol=1e-12)


def test_det_cat_fct_score_selection():
    f64 = FORECAST[0].astype(np.float64)
    scores = verification.det_cat_fct(f64, OBSERVATION[0], 1.0, scores=["csi", "ETS"])
    assert sorted(scores) == ["CSI", "ETS"]
    full = verification.det_cat_fct(f64, OBSERVATION[0], 1.0)
    assert scores["ETS"] == full["GSS"]
    with pytest.raises(ValueError, match="unknown categorical score 'XYZ'"):
        verification.det_cat_fct(f64, OBSERVATION[0], 1.0, scores="XYZ")


def test_det_cont_fct_equals_pysteps():
    for case in REFERENCE["continuous"]:
        t = case["field"]
        cond = case["conditioning"]
        kwargs = {} if cond is None else {"conditioning": cond, "thr": 1.0}
        scores = verification.det_cont_fct(FORECAST[t], OBSERVATION[t], **kwargs)
        assert set(scores) == set(case["scores"])
        for name, value in case["scores"].items():
            _close(scores[name], value, (t, cond, name), rtol=1e-9)


def test_fss_equals_pysteps():
    for case in REFERENCE["fss"]:
        for t, value in enumerate(case["per_field"]):
            ours = verification.fss(FORECAST[t], OBSERVATION[t], case["threshold"], case["scale"])
            _close(ours, value, (t, case["threshold"], case["scale"]), rtol=1e-12)
    scales = sorted({c["scale"] for c in REFERENCE["fss"]})
    several = spatialscores.fss(FORECAST[0], OBSERVATION[0], 1.0, scales)
    assert several == [verification.fss(FORECAST[0], OBSERVATION[0], 1.0, s) for s in scales]


def test_crps_equals_pysteps_without_ties_and_the_definition_with_them():
    crps = REFERENCE["crps"]
    observation = OBSERVATION[0]
    no_tie = np.all(ENSEMBLE != observation, axis=0) & np.isfinite(observation)
    assert int(no_tie.sum()) == crps["no_tie_pixels"]
    _close(probscores.CRPS(ENSEMBLE[:, no_tie], observation[no_tie]), crps["no_tie"], "no ties", rtol=1e-9)
    _close(verification.CRPS(ENSEMBLE, observation), crps["all_numpy"], "definition", rtol=1e-9)
    example = crps["two_member_example"]
    two = np.array(example["members"], np.float32).reshape(2, 1, 1)
    assert verification.CRPS(two, np.full((1, 1), example["observation"])) == example["definition"]


def test_float64_fields_are_scored_in_float64():
    """det_cat_fct, fss and CRPS read float64 as given (no float32 copy): equal to the float32 path where the
    values are float32 numbers, and compared in float64 near the threshold, as pysteps does."""
    f64, o64 = FORECAST[0].astype(np.float64), OBSERVATION[0].astype(np.float64)
    assert verification.det_cat_fct(f64, o64, 1.0) == verification.det_cat_fct(FORECAST[0], OBSERVATION[0], 1.0)
    assert verification.fss(f64, o64, 1.0, 5) == verification.fss(FORECAST[0], OBSERVATION[0], 1.0, 5)
    assert verification.CRPS(ENSEMBLE.astype(np.float64), o64) == verification.CRPS(ENSEMBLE, OBSERVATION[0])
    # Just below the threshold: no event in float64, while rounding to float32 (0.1f) would make each an event.
    below = np.full((4, 4), 0.1 - 1e-12)
    assert verification.det_cat_fct(below, np.zeros((4, 4)), 0.1, "FA")["FA"] == 0.0
    assert verification.det_cat_fct(below.astype(np.float32), np.zeros((4, 4)), 0.1, "FA")["FA"] == 1.0
    assert np.isnan(verification.fss(below, np.zeros((4, 4)), 0.1, 1))
    assert verification.fss(below.astype(np.float32), np.zeros((4, 4)), 0.1, 1) == 0.0
    assert verification.CRPS(np.full((3, 2, 2), 1.0 + 1e-12), np.ones((2, 2))) == pytest.approx(1e-12, rel=1e-3)


def test_reldiag_and_brier_equal_pysteps_and_the_definition():
    for case in REFERENCE["reliability"]:
        r, f = verification.reldiag(PROBABILITY[case["probability"]], OBSERVATION[0], 1.0, n_bins=10, min_count=10)
        for ours, theirs in zip(r, case["forecast_probability"]):
            _close(ours, theirs, "forecast probability", rtol=1e-7)
        for ours, theirs in zip(f, case["observed_frequency"]):
            _close(ours, theirs, "observed frequency", rtol=1e-12)
    for case in REFERENCE["brier_numpy"]:
        ours = verification.brier_score(PROBABILITY[case["probability"]], OBSERVATION[0], 1.0)
        _close(ours, case["brier_score"], "brier", rtol=1e-6)


def test_roc_curve_equals_pysteps():
    for case in REFERENCE["roc"]:
        pod, pofd, area = verification.ROC_curve(
            PROBABILITY[case["probability"]], OBSERVATION[0], 1.0, n_prob_thrs=case["n_prob_thrs"], compute_area=True
        )
        assert pod == pytest.approx(case["pod"], rel=1e-12)
        assert pofd == pytest.approx(case["pofd"], rel=1e-12)
        _close(area, case["area"], "area", rtol=1e-12)
    assert len(verification.ROC_curve(PROBABILITY[0], OBSERVATION[0], 1.0)) == 2


def test_ensemble_skill_and_spread_equal_pysteps():
    skill = REFERENCE["ensemble_skill"]
    ours = verification.ensemble_skill(ENSEMBLE, OBSERVATION[0], "FSS", thr=1.0, scale=5)
    _close(ours, skill["fss"], "ensemble fss", rtol=1e-12)
    _close(verification.ensemble_skill(ENSEMBLE, OBSERVATION[0], "RMSE"), skill["rmse"], "ensemble rmse", rtol=1e-9)
    ours = verification.ensemble_spread(ENSEMBLE, "FSS", thr=1.0, scale=5)
    _close(ours, skill["spread_fss"], "spread fss", rtol=1e-12)


def test_get_method_returns_the_scores():
    csi = verification.get_method("CSI")(FORECAST[0], OBSERVATION[0], 1.0)
    assert csi == {"CSI": verification.det_cat_fct(FORECAST[0], OBSERVATION[0], 1.0)["CSI"]}
    assert verification.get_method("fss") is verification.fss
    assert verification.get_method("CRPS", type="ensemble") is verification.CRPS
    with pytest.raises(ValueError, match="unknown deterministic verification method"):
        verification.get_method("nope")


def test_bad_input_is_refused_clearly():
    with pytest.raises(ValueError, match="same shape"):
        verification.det_cat_fct(FORECAST[0], OBSERVATION[0][:10], 1.0)
    with pytest.raises(TypeError, match="dtype int32 is not supported"):
        verification.det_cont_fct(np.zeros((4, 4), np.int32), np.zeros((4, 4)))
    with pytest.raises(ValueError, match=r"X_f must have 2 dimensions \(y, x\)"):
        verification.fss(FORECAST, OBSERVATION, 1.0, 3)
    with pytest.raises(ValueError, match="at least 1 pixel"):
        verification.fss(FORECAST[0], OBSERVATION[0], 1.0, 0)
    with pytest.raises(squall.ParameterError):
        verification.det_cat_fct(FORECAST[0], OBSERVATION[0], float("nan"))
    with pytest.raises(squall.ParameterError, match="conditioning"):
        verification.det_cont_fct(FORECAST[0], OBSERVATION[0], conditioning="triple")
    with pytest.raises(ValueError, match=r"X_f must be \(members, \*X_o.shape\)"):
        verification.CRPS(ENSEMBLE[:, :10], OBSERVATION[0])
    with pytest.raises(ValueError, match="axis"):
        verification.det_cat_fct(FORECAST[0], OBSERVATION[0], 1.0, axis=0)
