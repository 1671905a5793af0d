"""squall.cells on synthetic fields whose cells are known exactly: discs and ellipses of uniform reflectivity
(areas = pixel counts, centroids = their centres), moved, split and merged scan by scan."""

import datetime as dt

import numpy as np
import pytest

import squall
import squall.cells

N = 200
SPACING = 1000.0


def disc(field, row, col, radius, dbz):
    yy, xx = np.mgrid[0:N, 0:N]
    inside = (yy - row) ** 2 + (xx - col) ** 2 <= radius**2
    field[inside] = dbz
    return int(inside.sum())


def scene(shift=0):
    field = np.zeros((N, N), np.float32)
    big = disc(field, 60, 50 + shift, 9, 52.0)
    small = disc(field, 140, 150 + shift, 5, 44.0)
    return field, big, small


def test_identify_gives_the_known_areas_and_centroids():
    field, big, small = scene()
    cells = squall.cells.identify(field, spacing_m=SPACING)
    assert len(cells) == 2
    a, b = cells  # largest first
    assert a["area_km2"] == pytest.approx(big) and b["area_km2"] == pytest.approx(small)
    # Pixel counts of discs of radius 9 and 5 (Gauss circle problem) and the analytic areas.
    assert (big, small) == (253, 81)
    assert a["area_km2"] == pytest.approx(np.pi * 81, rel=0.01)
    assert (a["row"], a["col"]) == pytest.approx((60.0, 50.0), abs=1e-9)
    assert (b["row"], b["col"]) == pytest.approx((140.0, 150.0), abs=1e-9)
    # x, y are metres from the middle of the grid, rows northwards.
    assert (a["x_m"], a["y_m"]) == pytest.approx(((50 - 99.5) * SPACING, (60 - 99.5) * SPACING))
    assert a["max_dbz"] == pytest.approx(52.0) and a["mean_dbz"] == pytest.approx(52.0, abs=1e-6)
    assert a["lon"] is None and a["ellipse"]["major_km"] == pytest.approx(a["ellipse"]["minor_km"], rel=0.02)
    assert a["footprint"].dtype == np.uint32 and len(a["footprint"]) == big
    # The outline is closed and its shoelace area is the footprint's.
    ring = np.asarray(a["outline"])
    assert (ring[0] == ring[-1]).all()
    area = 0.5 * abs(np.sum(ring[:-1, 0] * ring[1:, 1] - ring[1:, 0] * ring[:-1, 1])) / 1e6
    assert area == pytest.approx(big)
    located = squall.cells.identify(field, spacing_m=SPACING, centre=(45.0, 10.0))
    assert located[0]["lat"] < 45.0 and located[0]["lon"] < 10.0


def test_columns_are_ready_for_pandas():
    field, big, small = scene()
    cols = squall.cells.to_columns(squall.cells.identify(field, spacing_m=SPACING))
    assert set(cols) >= {"area_km2", "row", "col", "max_dbz", "ellipse_major_km", "track"}
    assert all(len(v) == 2 for v in cols.values())
    assert list(cols["area_km2"]) == [big, small] and np.isnan(cols["track"]).all()
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(cols)
    assert frame.shape[0] == 2 and frame["area_km2"].sum() == big + small


def test_two_close_cores_are_split_and_small_cells_dropped():
    field = np.zeros((N, N), np.float32)
    yy, xx = np.mgrid[0:N, 0:N]
    d = lambda c: np.hypot(yy - 100, xx - c)  # noqa: E731
    field[:] = np.maximum(56 - 2.5 * np.minimum(d(90), d(106)), 0)
    cells = squall.cells.identify(field, spacing_m=SPACING)
    assert len(cells) == 2
    # Each takes its half of the shared envelope: centroids near the peaks, the same area by symmetry.
    cols = sorted(c["col"] for c in cells)
    assert cols == pytest.approx([90.0, 106.0], abs=1.5)
    assert all(c["row"] == pytest.approx(100.0, abs=1e-6) for c in cells)
    assert cells[0]["area_km2"] + cells[1]["area_km2"] == (field >= 30).sum()
    # The same envelope with one threshold is one cell; a 3-km disc (29 km²) is below min_area_km2=40.
    assert len(squall.cells.identify(field, SPACING, thresholds_dbz=[30.0], split_step_db=None)) == 1
    small = np.zeros((N, N), np.float32)
    disc(small, 50, 50, 3, 50.0)
    assert squall.cells.identify(small, SPACING, min_area_km2=40.0) == []


def test_tracker_follows_moving_cells_scan_by_scan():
    tracker = squall.cells.Tracker((N, N), SPACING)
    t0 = dt.datetime(2024, 6, 1, 6, 0)
    ids = None
    for k in range(5):
        field, _, _ = scene(shift=2 * k)
        cells = squall.cells.identify(field, SPACING)
        out = tracker.update(cells, t0 + dt.timedelta(minutes=5 * k))
        assert out["merges"] == [] and out["splits"] == []
        if ids is None:
            ids = out["tracks"]
        assert out["tracks"] == ids and [c["track"] for c in cells] == ids
    tracks = {t["id"]: t for t in tracker.tracks}
    assert len(tracks) == 2
    for i in ids:
        # 2 km east per 5 minutes.
        u, v = tracks[i]["velocity_mps"]
        assert u == pytest.approx(2000 / 300, rel=0.01) and abs(v) < 1e-6
        assert tracks[i]["length"] == 5 and tracks[i]["active"]


def ellipse(field, row, col, a, b, dbz):
    yy, xx = np.mgrid[0:N, 0:N]
    field[((xx - col) / a) ** 2 + ((yy - row) / b) ** 2 <= 1] = dbz


def test_split_then_merge_are_reported():
    whole = np.zeros((N, N), np.float32)
    ellipse(whole, 100, 100, 16, 5, 45.0)
    halves = np.zeros((N, N), np.float32)
    disc(halves, 100, 90, 5, 45.0)
    disc(halves, 100, 110, 5, 45.0)
    times = [np.datetime64("2024-06-01T06:00") + np.timedelta64(300 * k, "s") for k in range(3)]

    tracker = squall.cells.Tracker((N, N), SPACING)
    for t in times[:2]:
        (parent,) = tracker.update(squall.cells.identify(whole, SPACING), t)["tracks"]
    split = tracker.update(squall.cells.identify(halves, SPACING), times[2])
    assert len(split["splits"]) == 1 and split["merges"] == []
    event = split["splits"][0]
    assert event["parents"] == [parent] and event["children"][0] == parent
    assert sorted(event["children"]) == sorted(split["tracks"])

    tracker = squall.cells.Tracker((N, N), SPACING)
    for t in times[:2]:
        pair = tracker.update(squall.cells.identify(halves, SPACING), t)["tracks"]
    merge = tracker.update(squall.cells.identify(whole, SPACING), times[2])
    assert len(merge["merges"]) == 1 and merge["splits"] == []
    event = merge["merges"][0]
    assert sorted(event["parents"]) == sorted(pair) and event["children"] == merge["tracks"]
    ended = [t["id"] for t in tracker.tracks if t["ended"] == "merged"]
    assert len(ended) == 1 and ended[0] in pair and ended[0] not in merge["tracks"]


def test_bad_input_is_refused_clearly():
    field, _, _ = scene()
    with pytest.raises(TypeError):
        squall.cells.identify(field.astype(np.int16), SPACING)
    with pytest.raises(ValueError, match="2 dimensions"):
        squall.cells.identify(field[None], SPACING)
    with pytest.raises(ValueError, match="nan_policy"):
        squall.cells.identify(field, SPACING, nan_policy="propagate")
    holed = field.copy()
    holed[60, 50] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        squall.cells.identify(holed, SPACING, nan_policy="raise")
    # NaN is no data by default: the disc loses that one pixel.
    assert squall.cells.identify(holed, SPACING)[0]["area_km2"] == 252
    with pytest.raises(squall.ParameterError):
        squall.cells.identify(field, SPACING, thresholds_dbz=[40.0, 30.0])
    with pytest.raises(ValueError):
        squall.cells.identify(field, -1.0)
    tracker = squall.cells.Tracker((N, N), SPACING)
    cells = squall.cells.identify(field, SPACING)
    tracker.update(cells, 1000.0)
    with pytest.raises(ValueError, match="after the previous scan"):
        tracker.update(cells, 900.0)
    with pytest.raises(ValueError, match="footprint"):
        tracker.update([{k: v for k, v in cells[0].items() if k != "footprint"}], 2000.0)
    with pytest.raises(TypeError):
        tracker.update([cells[0]], "noon")
    small = squall.cells.Tracker((10, 10), SPACING)
    with pytest.raises(ValueError, match="outside"):
        small.update(cells, 1000.0)
