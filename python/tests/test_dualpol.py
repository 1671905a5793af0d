"""squall.dualpol on analytic inputs (the Rust tests cover real and synthetic volumes)."""

import numpy as np
import pytest

import squall
from squall import dualpol


def test_kdp_is_half_the_phase_slope_with_both_methods():
    # 3°/km two-way ΦDP over a 300° system offset that wraps through 360°, 100 m gates
    gates = np.arange(400, dtype=np.float32)
    phidp = np.tile((300.0 + 0.3 * gates) % 360.0, (3, 1)).astype(np.float32)
    for method in ("least_squares", "vulpiani"):
        kdp, processed = dualpol.kdp_from_phidp(phidp, 100.0, method=method)
        assert kdp.shape == (3, 400) and kdp.dtype == np.float32
        assert abs(kdp[1, 200] - 1.5) < 1e-3, method
        assert abs(processed[0, 300] - (0.3 * 300 - 0.3 * 4.5)) < 1e-2


def test_linear_correction_adds_alpha_phidp():
    dbzh = np.full((1, 101), 40.0, dtype=np.float32)
    phidp = (0.2 * np.arange(101, dtype=np.float32))[None, :]
    zdr = np.full((1, 101), 1.0, dtype=np.float32)
    corrected, zdr_corrected, pia = dualpol.zphi(dbzh, phidp, 100.0, "X", zdr=zdr, method="linear")
    assert abs(pia[0, 100] - 0.28 * 20.0) < 1e-4
    assert abs(corrected[0, 100] - (40.0 + 5.6)) < 1e-4
    assert abs(zdr_corrected[0, 100] - (1.0 + 0.04 * 20.0)) < 1e-4
    z, _, pia = dualpol.zphi(dbzh, phidp, 100.0, "X")
    assert abs(pia[0, 100] - 0.31916 * 20.0) < 0.05


def test_rain_rates_follow_the_formulas():
    dbzh = np.array([[39.0103]], dtype=np.float32)
    assert abs(dualpol.rain_rate(dbzh, "S", estimator="z")[0, 0] - 10.0) < 1e-3
    kdp = np.array([[2.0]], dtype=np.float32)
    r = dualpol.rain_rate(dbzh, "X", kdp=kdp, estimator="kdp")[0, 0]
    assert abs(r - 15.81 * 2.0**0.7992) < 1e-3


def test_hydroclass_rain_and_errors():
    one = lambda v: np.array([[v]], dtype=np.float32)  # noqa: E731
    c = dualpol.hydroclass(one(40.0), one(1.5), one(1.0), one(0.99), "S", temperature=one(15.0))
    assert c.dtype == np.uint8 and c[0, 0] == 2
    with pytest.raises(squall.ParameterError, match="valid bands"):
        dualpol.hydroclass(one(40.0), one(1.5), one(1.0), one(0.99), "K")
    with pytest.raises(squall.ShapeError):
        dualpol.hydroclass(one(40.0), np.zeros((2, 2), np.float32), one(1.0), one(0.99), "C")
    with pytest.raises(squall.ParameterError, match="least_squares"):
        dualpol.kdp_from_phidp(one(1.0), 100.0, method="magic")
