"""squall.extrapolation.semilagrangian: pysteps' fixture, shapes, dtypes and errors."""

import gzip
import json
import pathlib

import numpy as np
import pytest

import squall
from squall.extrapolation import semilagrangian

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "testdata" / "extrapolation"


def _load(name, shape):
    return np.frombuffer(gzip.decompress((FIXTURES / f"{name}.f32.gz").read_bytes()), "<f4").reshape(shape)


def test_matches_pysteps_fixture():
    meta = json.loads((FIXTURES / "pysteps_semilagrangian.json").read_text())
    field = _load("input", meta["input"]["shape"])
    n = field.shape[0]
    r, c = np.meshgrid(np.arange(n, dtype=np.float64), np.arange(n, dtype=np.float64), indexing="ij")
    velocity = np.stack([-0.03 * (r - 64.0) + 1.5, 0.02 * (c - 64.0) + 0.7 + 0.004 * (r - 64.0)]).astype(np.float32)
    case = meta["cases"]["steps_1_12"]
    ours, disp = semilagrangian.extrapolate_with_displacement(field.astype(np.float64), velocity, 12)
    assert ours.shape == (12, n, n) and ours.dtype == np.float32
    theirs = _load("steps_1_12_fields", case["fields"]["shape"])
    picked = ours[case["stored_lead_time_indices"]]
    assert np.array_equal(np.isnan(picked), np.isnan(theirs))
    assert np.nanmax(np.abs(picked - theirs)) <= 1e-4
    assert np.nanmax(np.abs(disp - _load("steps_1_12_displacement", case["displacement"]["shape"]))) <= 1e-4


def test_bad_input_raises_value_errors():
    field = np.zeros((8, 8), np.float32)
    with pytest.raises(squall.ShapeError):
        semilagrangian.extrapolate(field, np.zeros((2, 8, 9), np.float32), 3)
    with pytest.raises(squall.ParameterError):
        semilagrangian.extrapolate(field, np.full((2, 8, 8), np.nan, np.float32), 3)
    with pytest.raises(ValueError):
        semilagrangian.extrapolate(field, np.zeros((2, 8, 8), np.float32), [2.0, 1.0])
    with pytest.raises(ValueError):
        semilagrangian.extrapolate(field, np.zeros((2, 8, 8), np.float32), 3, interp_order=2)
