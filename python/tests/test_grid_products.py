"""squall.grid against Py-ART's grid fixture (benches/compare/grid_reference.py), squall.products against
analytic columns."""

import gzip
import json
import pathlib

import numpy as np
import pytest

import squall

ROOT = pathlib.Path(__file__).resolve().parents[2]
KLBB = ROOT.parent / "shared" / "data" / "radar" / "KLBB20160601_150025_V06"
REF = ROOT / "testdata" / "reference"


@pytest.mark.skipif(not KLBB.exists(), reason=f"shared radar data absent ({KLBB})")
@pytest.mark.parametrize("weighting", ["barnes2", "cressman"])
def test_grid_matches_pyart(weighting):
    meta = json.loads((REF / "grid_klbb_pyart.json").read_text())["subsample"]
    raw = np.frombuffer(gzip.decompress((REF / f"grid_klbb_pyart_{weighting}.i16.gz").read_bytes()), "<i2")
    pyart = np.where(raw == meta["missing"], np.nan, raw * meta["scale"]).reshape(meta["shape"])
    grids, info = squall.grid.grid_volume(KLBB, "DBZH", n=201, spacing_m=1000.0, weighting=weighting)
    ours = grids["DBZH"][:, :: meta["stride"], :: meta["stride"]]
    assert ours.shape == pyart.shape and info["units"]["DBZH"] == "dBZ" and info["dx"] == 1000.0
    both = np.isfinite(ours) & np.isfinite(pyart)
    a, b = ours[both].astype(np.float64), pyart[both]
    assert both.sum() > 60_000
    assert np.corrcoef(a, b)[0, 1] >= 0.99
    assert np.abs(a - b).mean() < 0.5 and abs((a - b).mean()) < 0.1


def test_column_max():
    g = np.array([[[1.0, np.nan]], [[3.0, np.nan]]])
    out = squall.grid.column_max(g)
    assert out[0, 0] == 3.0 and np.isnan(out[0, 1])


def test_vil_and_echo_top_analytic():
    heights = [1000.0 * k for k in range(11)]
    z = np.full((11, 2, 2), 40.0)  # float64 accepted
    np.testing.assert_allclose(squall.products.vil(z, heights), 3.44e-6 * 1e4 ** (4 / 7) * 10_000, rtol=1e-5)
    col = np.array([40.0, 20.0, 10.0], np.float32).reshape(3, 1, 1)
    assert squall.products.echo_top(col, [1000.0, 2000.0, 3000.0], 18.0)[0, 0] == pytest.approx(2200.0, abs=1e-3)


def test_hail_indices():
    heights = [1000.0 * k for k in range(16)]
    no_hail = squall.products.severe_hail_index(np.full((16, 1, 1), 30.0), heights)
    assert no_hail[0, 0] == 0.0  # below 40 dBZ the hail kinetic energy is zero
    shi = squall.products.severe_hail_index(np.full((16, 1, 1), 60.0), heights)
    assert shi[0, 0] > 0
    np.testing.assert_allclose(squall.products.mesh(shi), 2.54 * np.sqrt(shi), rtol=1e-6)
    p = squall.products.posh(shi)
    assert 0.0 <= p[0, 0] <= 100.0


def test_bad_input():
    with pytest.raises(ValueError):
        squall.products.vil(np.zeros((2, 2)), [0.0, 1.0])
    with pytest.raises(TypeError):
        squall.products.vil(np.zeros((2, 1, 1), np.int32), [0.0, 1.0])
    with pytest.raises(ValueError):  # heights do not match nz
        squall.products.vil(np.zeros((3, 1, 1)), [0.0, 1.0])
    with pytest.raises(ValueError):  # −20 °C below 0 °C
        squall.products.severe_hail_index(np.zeros((2, 1, 1)), [0.0, 1.0], 5000.0, 2000.0)
    if KLBB.exists():  # the bad-weighting check needs a real volume
        with pytest.raises(ValueError):
            squall.grid.grid_volume(KLBB, "DBZH", weighting="bogus")
