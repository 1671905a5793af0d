"""squall.nowcasts.to_dataset: coordinates, CF attributes, NetCDF round trip and bad input."""

import numpy as np
import pytest

import squall

xr = pytest.importorskip("xarray")


def test_ensemble_coordinates_and_attributes(tmp_path):
    rng = np.random.default_rng(1)
    fc = rng.random((3, 4, 5, 6), dtype=np.float32)
    meta = {"x0": 250.0, "y0": 1000.0, "dx": 500.0, "dy": -500.0, "projection": "+proj=aeqd"}
    ds = squall.nowcasts.to_dataset(fc, 6, "2018-06-16T10:00:00Z", metadata=meta)
    var = ds["precipitation"]
    assert var.dims == ("realization", "time", "y", "x")
    np.testing.assert_array_equal(var.values, fc)
    assert var.attrs["units"] == "mm h-1" and var.attrs["standard_name"] == "rainfall_rate"
    assert list(ds["realization"].values) == [0, 1, 2]
    expected = np.datetime64("2018-06-16T10:00") + np.arange(1, 5) * np.timedelta64(6, "m")
    np.testing.assert_array_equal(ds["time"].values, expected.astype("datetime64[ns]"))
    np.testing.assert_array_equal(ds["lead_time"].values, [6.0, 12.0, 18.0, 24.0])
    np.testing.assert_array_equal(ds["x"].values, 250.0 + 500.0 * np.arange(6))
    np.testing.assert_array_equal(ds["y"].values, 1000.0 - 500.0 * np.arange(5))
    path = tmp_path / "nowcast.nc"
    ds.to_netcdf(path)
    back = xr.open_dataset(path)
    xr.testing.assert_identical(back.load(), ds)


def test_deterministic_dbz():
    fc = np.zeros((2, 3, 3))
    ds = squall.nowcasts.to_dataset(fc, 5, np.datetime64("2021-07-04T16:00"), units="dBZ", name="DBZH")
    assert ds["DBZH"].dims == ("time", "y", "x") and "realization" not in ds.coords
    assert ds["DBZH"].attrs["standard_name"] == "equivalent_reflectivity_factor"
    assert str(ds["time"].values[-1]) == "2021-07-04T16:10:00.000000000"


@pytest.mark.parametrize(
    "fc, kwargs, error",
    [
        (np.zeros((3, 3)), {}, ValueError),
        (np.zeros((2, 3, 3), np.int32), {}, TypeError),
        (np.zeros((2, 3, 3)), {"units": "furlongs"}, ValueError),
    ],
)
def test_bad_input(fc, kwargs, error):
    with pytest.raises(error):
        squall.nowcasts.to_dataset(fc, 5, "2021-07-04T16:00:00Z", **kwargs)


def test_zero_timestep():
    with pytest.raises(ValueError):
        squall.nowcasts.to_dataset(np.zeros((1, 2, 2)), 0, "2021-07-04T16:00:00Z")
