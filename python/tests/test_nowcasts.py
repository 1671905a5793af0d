"""squall.nowcasts.steps / sprog: shapes, ranges, reproducibility and errors (no pysteps needed)."""

import numpy as np
import pytest

import squall
from squall.nowcasts import sprog, steps


def _blob(n=64):
    r, c = np.mgrid[:n, :n]
    frames = []
    for t in range(3):
        d = np.hypot(r - 32, c - 20 - t)
        frames.append(np.where(d < 12, 10 - d * 0.5 + (r * 7 + c * 3) % 5 * 0.3, -15.0))
    velocity = np.zeros((2, n, n), np.float32)
    velocity[0] = 1.0
    return np.array(frames, np.float32), velocity


def test_steps_shape_range_and_seed():
    precip, velocity = _blob()
    kw = dict(n_ens_members=4, n_cascade_levels=4, precip_thr=-10.0, kmperpixel=1.0, timestep=5, seed=3)
    out = steps.forecast(precip, velocity, 3, **kw)
    assert out.shape == (4, 3, 64, 64) and out.dtype == np.float32
    finite = out[np.isfinite(out)]
    assert finite.min() >= -15.0 - 1e-4 and finite.max() <= precip.max() + 1e-4
    assert np.array_equal(out, steps.forecast(precip, velocity, 3, **kw), equal_nan=True)
    assert not np.array_equal(out[0], out[1], equal_nan=True)


def test_sprog_moves_the_rain_east():
    precip, velocity = _blob()
    out = sprog.forecast(precip, velocity, 4, precip_thr=-10.0, n_cascade_levels=4)
    assert out.shape == (4, 64, 64)
    wet = np.nan_to_num(out[3], nan=-15.0) > -10
    assert abs(np.nonzero(wet)[1].mean() - (22 + 4)) < 2


def test_errors_are_clear():
    precip, velocity = _blob()
    with pytest.raises(ValueError, match="precip_thr"):
        steps.forecast(precip, velocity, 2, kmperpixel=1.0, timestep=5)
    with pytest.raises(ValueError, match="kmperpixel"):
        steps.forecast(precip, velocity, 2, precip_thr=-10.0)
    with pytest.raises(squall.ShapeError):
        steps.forecast(precip, velocity[:, :10], 2, precip_thr=-10.0, kmperpixel=1.0, timestep=5)
    with pytest.raises(squall.ParameterError, match="noise_method"):
        steps.forecast(precip, velocity, 2, precip_thr=-10.0, kmperpixel=1.0, timestep=5, noise_method="ssft")
