"""squall.read_volume against the peers' numbers on the real CINRAD files, and its error handling."""

import json
import pathlib

import numpy as np
import pytest

import squall

ROOT = pathlib.Path(__file__).resolve().parents[2]
RADAR = ROOT.parent / "shared" / "data" / "radar"
X_BAND = RADAR / "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2"
needs_shared = pytest.mark.skipif(not X_BAND.exists(), reason=f"shared radar data absent ({RADAR})")


@needs_shared
def test_x_band_matches_pycinrad_numbers():
    peer = json.loads((ROOT / "testdata/reference/cinrad_zg170_x_pycinrad.json").read_text())
    v = squall.read_volume(X_BAND)
    assert v.format == "cinrad_standard"
    assert v.band == "X" and v.site_id == "ZG170"
    assert len(v) == len(peer["sweeps"])
    for sweep, ref in zip(v.sweeps, peer["sweeps"]):
        assert sweep.azimuth.shape == (ref["n_rays"],)
        assert sweep.range.shape == (ref["n_gates"],)
        assert sweep.fixed_angle == pytest.approx(ref["elevation_deg"], abs=1e-4)
        for name, stats in ref["moments"].items():
            values = sweep.moments[name]
            assert values.dtype == np.float32 and values.shape == (ref["n_rays"], ref["n_gates"])
            valid = sweep.status[name] == 0
            assert int(valid.sum()) == stats["valid"]
            assert np.isfinite(values[valid]).all() and np.isnan(values[~valid]).all()
            assert float(np.mean(values[valid], dtype=np.float64)) == pytest.approx(stats["mean"], abs=1e-3)


@needs_shared
def test_ranges_and_units():
    sweep = squall.read_volume(X_BAND).sweeps[0]
    assert sweep.range[0] == pytest.approx(75.0) and np.allclose(np.diff(sweep.range), 75.0)
    assert sweep.units["DBZH"] == "dBZ" and sweep.units["VRADH"] == "m/s"
    assert sweep.mode == "ppi"


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        squall.read_volume(tmp_path / "nope.bin")


def test_junk_is_a_decode_error(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"RSTM" + bytes(40))
    with pytest.raises(squall.DecodeError, match="junk.bin"):
        squall.read_volume(junk)
    with pytest.raises(squall.SquallError):
        squall.read_volume(junk)


def test_error_hierarchy():
    assert issubclass(squall.ShapeError, squall.SquallError)
    assert issubclass(squall.ShapeError, ValueError)
    assert issubclass(squall.ParameterError, ValueError)
    assert issubclass(squall.DecodeError, squall.SquallError)
    assert not issubclass(squall.DecodeError, ValueError)
