"""squall.io: the xarray DataTree of a volume against squall.read_volume, and composite sequences."""

import pathlib

import numpy as np
import pytest

import squall

xr = pytest.importorskip("xarray")

ROOT = pathlib.Path(__file__).resolve().parents[2]
RADAR = ROOT.parent / "shared" / "data" / "radar"
X_BAND = RADAR / "Z_RADR_I_ZG170_20260329064800_O_DOR_YTD2_CAP_FMT.bin.bz2"
BOM = ROOT.parent / "shared" / "data" / "nowcast" / "radar" / "bom" / "prcp-cscn" / "2" / "2018" / "06" / "16"
needs_radar = pytest.mark.skipif(not X_BAND.exists(), reason=f"shared radar data absent ({RADAR})")
needs_bom = pytest.mark.skipif(not BOM.is_dir(), reason=f"shared nowcast data absent ({BOM})")


@needs_radar
def test_datatree_structure_and_values_match_read_volume():
    tree = squall.io.open_volume(X_BAND)
    volume = squall.io.read_volume(X_BAND)
    root = tree.ds
    assert float(root["latitude"]) == volume.latitude and float(root["longitude"]) == volume.longitude
    assert float(root["altitude"]) == volume.altitude
    assert str(root["time_coverage_start"].values) == volume.time
    assert root.attrs["instrument_name"] == "ZG170" and root.attrs["frequency_band"] == "X"
    assert list(tree.children) == [f"sweep_{i}" for i in range(len(volume))]
    for i, sweep in enumerate(volume.sweeps):
        ds = tree[f"sweep_{i}"].ds
        assert ds.sizes == {"azimuth": sweep.azimuth.shape[0], "range": sweep.range.shape[0]}
        np.testing.assert_array_equal(ds["azimuth"].values, sweep.azimuth)
        np.testing.assert_array_equal(ds["elevation"].values, sweep.elevation)
        np.testing.assert_array_equal(ds["range"].values, sweep.range)
        assert ds["time"].dims == ("azimuth",) and ds["time"].dtype == "datetime64[ns]"
        seconds = (ds["time"].values - np.datetime64(volume.time.rstrip("Z"), "ns")) / np.timedelta64(1, "s")
        np.testing.assert_allclose(seconds, sweep.time, atol=1e-6)
        assert str(ds["sweep_mode"].values) == "azimuth_surveillance"
        assert float(ds["sweep_fixed_angle"]) == pytest.approx(sweep.fixed_angle)
        assert set(sweep.moments) <= set(ds.data_vars)
        for name, values in sweep.moments.items():
            var = ds[name]
            assert var.dims == ("azimuth", "range") and var.dtype == np.float32
            np.testing.assert_array_equal(var.values, values)  # NaN where read_volume has no valid value
            assert var.attrs["units"] == sweep.units[name]
        assert ds["DBZH"].attrs["standard_name"] == "equivalent_reflectivity_factor"
        assert int(np.isfinite(ds["DBZH"].values).sum()) == int((sweep.status["DBZH"] == 0).sum())
    # time coverage ends at the last ray
    last = max(tree[f"sweep_{i}"].ds["time"].values.max() for i in range(len(volume)))
    assert str(root["time_coverage_end"].values) == np.datetime_as_string(last, "s") + "Z"


def test_open_volume_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        squall.io.open_volume(tmp_path / "nope.h5")


@needs_bom
def test_open_sequence_folder_and_files_agree():
    values, meta = squall.io.open_sequence(BOM)
    assert values.dtype == np.float32 and values.shape == (61, 512, 512)
    assert meta["units"] == "mm/h" and meta["timestep"] == 360 and len(meta["times"]) == 61
    assert (meta["nx"], meta["ny"], meta["dx"]) == (512, 512, 500.0)
    files = sorted(p for p in BOM.iterdir() if p.is_file())[::-1][:5]
    some, meta5 = squall.io.open_sequence(files)
    assert meta5["times"] == meta["times"][-5:]
    np.testing.assert_array_equal(some, values[-5:])


def test_open_sequence_empty_list_is_value_error():
    with pytest.raises(ValueError):
        squall.io.open_sequence([])


CAPFLAT = RADAR / "40_20181220_060630.pvol.h5"


@pytest.mark.skipif(not CAPFLAT.exists(), reason=f"shared radar data absent ({RADAR})")
def test_datatree_matches_xradar_fixture():
    """xradar's DataTree of the same ODIM file (benches/compare/datatree_xradar_reference.py)."""
    import json

    peer = json.loads((ROOT / "testdata/reference/datatree_capflat_xradar.json").read_text())
    tree = squall.io.open_volume(CAPFLAT)
    root = tree.ds
    assert set(peer["root_coords"]) <= set(root.coords)
    for name in ("latitude", "longitude", "altitude"):
        assert float(root[name]) == pytest.approx(peer[name], abs=1e-6)
    assert str(root["time_coverage_start"].values) == peer["time_coverage_start"]
    assert [f"sweep_{i}" for i in range(len(peer["sweeps"]))] == list(tree.children)
    for ref in peer["sweeps"]:
        ds = tree[ref["name"]].ds.sortby("azimuth")  # xradar sorts the rays by azimuth
        assert dict(ds.sizes) == ref["dims"]
        assert set(ref["coords"]) <= set(ds.coords)
        assert str(ds["sweep_mode"].values) == ref["sweep_mode"]
        assert float(ds["sweep_fixed_angle"]) == pytest.approx(ref["sweep_fixed_angle"], abs=1e-5)
        np.testing.assert_allclose(ds["elevation"].values, ref["elevation"], atol=1e-5)
        # Squall's ODIM reader gives each ray's start azimuth, xradar the centre of start and stop: half a ray
        np.testing.assert_allclose(ds["azimuth"].values + 0.5, ref["azimuth"], atol=1e-4)
        assert float(ds["range"][0]) == ref["range_first"] and float(ds["range"][-1]) == ref["range_last"]
        for moment, stats in ref["moments"].items():
            values = ds[moment].values.astype(np.float64)
            valid = np.isfinite(values)
            assert int(valid.sum()) == stats["valid"]
            assert values[valid].mean() == pytest.approx(stats["mean"], rel=1e-7, abs=1e-7)
