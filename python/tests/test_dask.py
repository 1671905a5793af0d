"""squall.dask: an archive run on a LocalCluster of worker processes equals the serial run, and the merged
scores equal the scores of all forecasts pooled."""

import pathlib

import numpy as np
import pytest

import squall

xr = pytest.importorskip("xarray")
distributed = pytest.importorskip("dask.distributed")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BOM = ROOT.parent / "shared" / "data" / "nowcast" / "radar" / "bom" / "prcp-cscn" / "2" / "2018" / "06" / "16"
needs_bom = pytest.mark.skipif(not BOM.is_dir(), reason=f"shared nowcast data absent ({BOM})")
CROP = (slice(160, 352), slice(160, 352))  # 192 x 192 cells around the radar, to keep the test fast
THRESHOLDS = (0.1, 1.0, 5.0)


@needs_bom
def test_local_cluster_equals_serial(tmp_path):
    serial_dir, dask_dir = tmp_path / "serial", tmp_path / "dask"
    serial_dir.mkdir()
    dask_dir.mkdir()
    options = dict(n_starts=20, n_past=3, n_lead=6, crop=CROP, thresholds=THRESHOLDS)
    serial, serial_results = squall.dask.run_archive(BOM, serial_dir, **options)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
            scores, results = squall.dask.run_archive(BOM, dask_dir, client=client, **options)
    assert scores.attrs["n_forecasts"] == 20 and len(results) == 20
    xr.testing.assert_identical(scores, serial)
    assert [r["start_time"] for r in results] == [r["start_time"] for r in serial_results]
    for a, b in zip(results, serial_results):
        np.testing.assert_array_equal(a["counts"], b["counts"])
        with xr.open_dataset(a["path"]) as da, xr.open_dataset(b["path"]) as db:
            assert pathlib.Path(a["path"]).parent == dask_dir
            xr.testing.assert_identical(da.load(), db.load())
    # the scores are not trivial: rain was forecast and observed at every lead time at 0.1 mm/h
    assert (scores["counts"].sel(threshold=0.1, outcome="hits") > 0).all()
    assert 0.3 < float(scores["CSI"].sel(threshold=0.1).isel(lead_time=0)) < 1.0

    # merged accumulators = one pass over every forecast/observation pair, pooled
    files = squall.dask.list_files(BOM)
    observed, _ = squall.io.open_sequence(files)
    observed = observed[:, CROP[0], CROP[1]]
    for lead in (0, 5):
        pred, obs = [], []
        for start, r in zip(range(2, 22), results):
            with xr.open_dataset(r["path"]) as ds:
                pred.append(ds["precipitation"].values[lead])
            obs.append(observed[start + lead + 1])
        pred, obs = np.stack(pred), np.stack(obs)
        pooled = squall.verification.det_cat_fct(pred, obs, 1.0)
        merged = scores.isel(lead_time=lead).sel(threshold=1.0)
        for name in ("POD", "FAR", "CSI", "GSS"):
            np.testing.assert_allclose(float(merged[name]), pooled[name], rtol=1e-12)
        both = np.isfinite(pred) & np.isfinite(obs)
        err = pred[both].astype(np.float64) - obs[both]
        assert int(merged["n"]) == both.sum()
        np.testing.assert_allclose(float(merged["MAE"]), np.abs(err).mean(), rtol=1e-5)
        np.testing.assert_allclose(float(merged["RMSE"]), np.sqrt((err**2).mean()), rtol=1e-5)


@needs_bom
def test_steps_ensemble_task_writes_realizations(tmp_path):
    files = squall.dask.list_files(BOM)
    result = squall.dask.nowcast_start(
        files, 10, n_lead=3, method="steps", n_ens_members=2, crop=CROP, out_dir=str(tmp_path), thresholds=(1.0,)
    )
    again = squall.dask.nowcast_start(files, 10, n_lead=3, method="steps", n_ens_members=2, crop=CROP, thresholds=(1.0,))
    np.testing.assert_array_equal(result["counts"], again["counts"])  # seeded by the start index
    with xr.open_dataset(result["path"]) as ds:
        assert ds["precipitation"].dims == ("realization", "time", "y", "x")
        assert ds.sizes["realization"] == 2 and ds.sizes["time"] == 3
        assert ds["precipitation"].attrs["standard_name"] == "rainfall_rate"
        assert str(ds["forecast_reference_time"].values)[:16] == result["start_time"][:16]


@needs_bom
def test_existing_output_is_not_overwritten(tmp_path):
    files = squall.dask.list_files(BOM)
    squall.dask.nowcast_start(files, 5, n_lead=2, crop=CROP, out_dir=str(tmp_path))
    with pytest.raises(FileExistsError):
        squall.dask.nowcast_start(files, 5, n_lead=2, crop=CROP, out_dir=str(tmp_path))


def test_too_few_files():
    with pytest.raises(ValueError):
        squall.dask.start_indices(5, 3, 6)
    assert squall.dask.start_indices(10, 3, 6) == [2, 3]


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        squall.dask.run_archive(tmp_path / "nope")


@needs_bom
def test_steps_ensemble_zarr_local_cluster_equals_serial(tmp_path):
    """A STEPS ensemble over 20 start times written as Zarr by 3 worker processes: the stores and the merged
    ensemble scores equal the serial run, and the merged scores equal the scores of all forecasts pooled."""
    serial_dir, dask_dir = tmp_path / "serial", tmp_path / "dask"
    serial_dir.mkdir()
    dask_dir.mkdir()
    options = dict(n_starts=20, n_past=3, n_lead=3, crop=CROP, thresholds=(0.5, 2.0),
                   method="steps", n_ens_members=3, out_format="zarr")
    serial, serial_results = squall.dask.run_archive(BOM, serial_dir, **options)
    with distributed.LocalCluster(n_workers=3, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 3
            scores, results = squall.dask.run_archive(BOM, dask_dir, client=client, **options)
    xr.testing.assert_identical(scores, serial)
    assert scores.attrs["n_forecasts"] == 20
    for a, b in zip(results, serial_results):
        assert a["path"].endswith(".zarr") and pathlib.Path(a["path"]).parent == dask_dir
        xr.testing.assert_identical(xr.open_zarr(a["path"]).load(), xr.open_zarr(b["path"]).load())
    # Pooled: every forecast and observation of a lead time at once.
    files = squall.dask.list_files(BOM)
    observed, _ = squall.io.open_sequence(files)
    observed = observed[:, CROP[0], CROP[1]]
    for lead in range(3):
        fc = np.concatenate([xr.open_zarr(r["path"])["precipitation"].values[:, lead] for r in results], axis=1)
        ob = np.concatenate([observed[s + lead + 1] for s in range(2, 22)], axis=0)
        merged = scores.isel(lead_time=lead)
        np.testing.assert_allclose(float(merged["CRPS"]), squall.verification.CRPS(fc, ob), rtol=1e-9)
        for thr in (0.5, 2.0):
            prob = (fc >= thr).mean(axis=0)
            pod, pofd, area = squall.verification.ROC_curve(prob, ob, thr, compute_area=True)
            at = merged.sel(threshold=thr)
            np.testing.assert_allclose(at["ROC_POD"].values, pod, rtol=1e-12)
            np.testing.assert_allclose(at["ROC_POFD"].values, pofd, rtol=1e-12)
            np.testing.assert_allclose(float(at["ROC_area"]), area, rtol=1e-12)
            r, f = squall.verification.reldiag(prob, ob, thr)
            np.testing.assert_allclose(at["reliability_forecast"].values, r, rtol=1e-9)
            np.testing.assert_allclose(at["reliability_observed"].values, f, rtol=1e-9)
        np.testing.assert_allclose(merged["rank_histogram"].values.sum(), 1.0, rtol=1e-12)
        assert merged["rank_histogram"].sizes["rank"] == 4
    # Skill is not trivial: discrimination better than chance at 0.5 mm/h in the first lead time.
    assert float(scores["ROC_area"].isel(lead_time=0).sel(threshold=0.5)) > 0.6
