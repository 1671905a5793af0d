"""squall.warn: areas from GeoJSON mapped onto a grid, the warning state driven by probability grids through
Alert, Update and Cancel, CAP 1.2 output valid against the schema, GeoJSON output, restarts, and errors."""

import json
import pathlib

import numpy as np
import pytest
import xmlschema

import squall
import squall.warn as w

REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = xmlschema.XMLSchema(str(REPO / "testdata" / "cap" / "CAP-v1.2-extended.xsd"))
GRID = {"latitude": 50.0, "longitude": 10.0, "n": 41, "spacing_m": 1000.0}
AREAS = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"id": 7, "name": "West district"},
         "geometry": {"type": "Polygon",
                      "coordinates": [[[9.75, 49.9], [9.97, 49.9], [9.97, 50.1], [9.75, 50.1], [9.75, 49.9]]]}},
        {"type": "Feature", "properties": {"id": 9, "name": "East gauge", "radius_m": 3000},
         "geometry": {"type": "Point", "coordinates": [10.12, 50.0]}},
    ],
}
CONFIG = {"sender": "nowcast@example.org", "status": "Test", "heavy_rain": w.three_level_rule((0.3, 0.6, 0.85))}
LEADS = [0.0, 1800.0]


def _probability(west, east):
    p = np.zeros((2, 41, 41), np.float32)
    p[:, :, :20] = west
    p[:, :, 21:] = east
    return LEADS, p


def test_areas_are_mapped_onto_the_grid():
    areas = w.read_areas(AREAS, **GRID)
    assert [(a["id"], a["name"]) for a in areas] == [(7, "West district"), (9, "East gauge")]
    # The district covers about 20 x 22 km of the 41 km grid west of 9.97 E; the 3 km gauge circle ~28 cells.
    assert 250 < areas[0]["cells"] < 460
    assert 20 < areas[1]["cells"] < 40
    with pytest.raises(squall.DecodeError, match="FeatureCollection"):
        w.read_areas('{"type": "Feature"}', **GRID)


def test_alert_update_cancel_chain_and_valid_cap():
    state = w.WarningState(CONFIG, AREAS, **GRID)
    first = state.update("2024-06-05T14:00:00Z", rain_rate=_probability(0.7, 0.0))
    assert [(m["msg_type"], m["level"], m["area_id"]) for m in first] == [("Alert", "warning", 7)]
    second = state.update("2024-06-05T14:10:00Z", rain_rate=_probability(0.9, 0.9))
    kinds = {m["area_id"]: (m["msg_type"], m["level"]) for m in second}
    assert kinds == {7: ("Update", "severe"), 9: ("Alert", "severe")}
    assert state.n_active == 2
    # Two updates below the cancel probability end both warnings.
    assert state.update("2024-06-05T14:20:00Z", rain_rate=_probability(0.0, 0.0)) == []
    third = state.update("2024-06-05T14:30:00Z", rain_rate=_probability(0.0, 0.0))
    assert sorted((m["msg_type"], m["area_id"]) for m in third) == [("Cancel", 7), ("Cancel", 9)]
    assert state.n_active == 0
    for m in first + second + third:
        SCHEMA.validate(m["cap_xml"])
        doc = SCHEMA.to_dict(m["cap_xml"])
        assert doc["msgType"] == m["msg_type"] and doc["status"] == "Test"
    # The district's chain references its predecessors.
    update = SCHEMA.to_dict(next(m for m in second if m["area_id"] == 7)["cap_xml"])
    assert first[0]["identifier"] in update["references"]
    gj = w.to_geojson(first + second)
    assert gj["type"] == "FeatureCollection" and len(gj["features"]) == 3
    assert {f["geometry"]["type"] for f in gj["features"]} == {"MultiPolygon", "Point"}


def test_state_restarts_from_json_and_rejects_bad_updates():
    state = w.WarningState(json.dumps(CONFIG), json.dumps(AREAS), **GRID)
    state.update("2024-06-05T14:00:00Z", rain_rate=_probability(0.7, 0.0))
    restored = w.WarningState.from_json(state.to_json())
    assert restored.n_active == 1
    msgs = restored.update("2024-06-05T14:10:00Z", rain_rate=_probability(0.95, 0.0))
    assert [(m["msg_type"], m["level"]) for m in msgs] == [("Update", "severe")]
    with pytest.raises(ValueError, match="time"):
        restored.update("2024-06-05T14:05:00Z", rain_rate=_probability(0.0, 0.0))
    with pytest.raises(ValueError):
        restored.update("2024-06-05T14:40:00Z", rain_rate=(LEADS, np.zeros((2, 40, 41), np.float32)))
    with pytest.raises(ValueError):
        restored.update("2024-06-05T14:50:00Z", rain_rate=(LEADS, np.full((2, 41, 41), 1.5, np.float32)))
    with pytest.raises(ValueError):
        w.WarningState({"sender": "a b"}, AREAS, **GRID)
