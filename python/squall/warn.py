"""Warnings for regions and points from probability nowcasts, written as CAP 1.2 XML or GeoJSON.

Areas come from a GeoJSON FeatureCollection (polygons and multipolygons; points with a ``radius_m`` property),
mapped once onto the nowcast grid (``n × n`` cells of ``spacing_m`` centred on a site, as :mod:`squall.grid`).
The rules (one per hazard: levels with issue/cancel probabilities, a lead-time window, persistence) are the JSON
form of Squall's ``WarningConfig``; see :func:`three_level_rule`. Cell threats (hail, gale) are not taken from
Python yet: heavy rain from probability grids only.

>>> import squall.warn as w
>>> config = {"sender": "nowcast@example.org", "status": "Test", "heavy_rain": w.three_level_rule((0.3, 0.6, 0.85))}
>>> state = w.WarningState(config, geojson, latitude=50.0, longitude=10.0, n=41, spacing_m=1000.0)  # doctest: +SKIP
>>> msgs = state.update("2024-06-05T14:00:00Z", rain_rate=([0.0, 1800.0], prob))                     # doctest: +SKIP
>>> msgs[0]["msg_type"], msgs[0]["cap_xml"][:5]                                                      # doctest: +SKIP
('Alert', '<?xml')
"""

from __future__ import annotations

import json
import os

import numpy as np

from . import _squall
from ._arrays import as_float32

__all__ = ["WarningState", "read_areas", "three_level_rule", "to_geojson"]


def _text(geojson) -> str:
    """GeoJSON given as a dict, JSON text or a path to a file."""
    if isinstance(geojson, dict):
        return json.dumps(geojson)
    if isinstance(geojson, (str, os.PathLike)) and os.path.exists(geojson):
        with open(geojson, encoding="utf-8") as f:
            return f.read()
    if isinstance(geojson, str):
        return geojson
    raise TypeError(f"geojson: give a dict, JSON text or a path, not {type(geojson).__name__}")


def read_areas(geojson, latitude, longitude, n, spacing_m):
    """The areas of ``geojson`` on the grid: a list of ``{"id", "name", "cells"}`` (cells = grid cells covered)."""
    rows = _squall.warn_areas(_text(geojson), float(latitude), float(longitude), int(n), float(spacing_m))
    return [{"id": i, "name": name, "cells": cells} for i, name, cells in rows]


def three_level_rule(p_on, max_lead_s=3600.0, cancel_after=2, valid_for_s=3600.0):
    """A rule with three levels (advisory, warning, severe) issued at probabilities ``p_on`` and cancelled 0.2
    below them, over lead times 0 … ``max_lead_s``."""
    if len(p_on) != 3:
        raise ValueError("p_on needs three probabilities (advisory, warning, severe)")
    names = ("advisory", "warning", "severe")
    levels = [{"level": name, "p_on": float(p), "p_off": max(float(p) - 0.2, 0.0)} for name, p in zip(names, p_on)]
    return {"levels": levels, "min_lead_s": 0.0, "max_lead_s": float(max_lead_s), "cancel_after": int(cancel_after),
            "valid_for_s": float(valid_for_s)}


def _message(cap_xml: str, geojson: str) -> dict:
    feature = json.loads(geojson)["features"][0]
    out = dict(feature["properties"])
    out["cap_xml"] = cap_xml
    out["feature"] = feature
    return out


def to_geojson(messages) -> dict:
    """Messages from :meth:`WarningState.update` as one GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": [m["feature"] for m in messages]}


def _forecast(name, value):
    if value is None:
        return None
    lead_times_s, probability = value
    probability = as_float32(name, probability, 3, "(lead times, y, x)")
    return [float(t) for t in lead_times_s], probability


class WarningState:
    """The warnings in force between nowcasts; :meth:`update` returns the messages each nowcast causes.

    Parameters
    ----------
    config : dict or str
        The rules (JSON form of Squall's ``WarningConfig``: ``sender``, ``status``, ``heavy_rain``, ``hail``,
        ``gale``).
    geojson : dict, str or path
        The warning areas.
    latitude, longitude, n, spacing_m
        The grid of the probability fields: ``n × n`` cells of ``spacing_m`` metres centred on the site.
    """

    def __init__(self, config, geojson, latitude, longitude, n, spacing_m):
        config = json.dumps(config) if isinstance(config, dict) else str(config)
        self._core = _squall.WarningStateCore(config, _text(geojson), float(latitude), float(longitude), int(n),
                                              float(spacing_m))

    def update(self, time, rain_rate=None, rain_accumulation=None):
        """Processes the nowcast issued at ``time`` (ISO 8601 text or timezone-aware ``datetime``).

        ``rain_rate`` / ``rain_accumulation``: ``(lead times in s, probability (t, y, x) in [0, 1])`` of exceeding
        the rule's thresholds. Returns a list of messages (dicts with the message fields, ``cap_xml`` and
        ``feature``); raises ``ValueError`` for a time not after the previous update or bad grids.
        """
        if hasattr(time, "isoformat"):
            if getattr(time, "tzinfo", None) is None:
                raise ValueError("time: give a timezone-aware datetime (UTC)")
            time = time.isoformat()
        pairs = self._core.update(str(time), _forecast("rain_rate", rain_rate),
                                  _forecast("rain_accumulation", rain_accumulation))
        return [_message(x, g) for x, g in pairs]

    @property
    def n_active(self) -> int:
        """Number of warnings in force."""
        return self._core.n_active()

    def to_json(self) -> str:
        """The state as JSON text, to continue after a restart with :meth:`from_json`."""
        return self._core.to_json()

    @classmethod
    def from_json(cls, text: str) -> "WarningState":
        """A state saved by :meth:`to_json`."""
        obj = cls.__new__(cls)
        obj._core = _squall.WarningStateCore.from_json(text)
        return obj
