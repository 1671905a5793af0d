"""CAP 1.2 output of the warning module validated against the CAP 1.2 XML schema (``testdata/cap/``, see its
README for the source). The messages come from ``cargo run --release --example warn_cap``: a synthetic storm
crossing two districts and a station, giving Alert, Update (upgrade, downgrade, extend) and Cancel messages."""

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest
import xmlschema

REPO = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = xmlschema.XMLSchema(str(REPO / "testdata" / "cap" / "CAP-v1.2-extended.xsd"))


@pytest.fixture(scope="module")
def messages(tmp_path_factory):
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.fail("cargo is needed to build the warn_cap example")
    out = tmp_path_factory.mktemp("cap") / "messages"
    subprocess.run(
        [cargo, "run", "--release", "--quiet", "--example", "warn_cap", "--", str(out)],
        cwd=REPO,
        check=True,
        env=os.environ.copy(),
    )
    files = sorted(out.glob("*.xml"), key=lambda p: int(p.stem.rsplit(".", 1)[1]))
    return out, files


def test_every_message_is_valid_cap_1_2(messages):
    _, files = messages
    assert len(files) >= 10
    for f in files:
        SCHEMA.validate(str(f))


def test_chains_reference_their_predecessors(messages):
    _, files = messages
    docs = [SCHEMA.to_dict(str(f)) for f in files]
    kinds = {d["msgType"] for d in docs}
    assert kinds == {"Alert", "Update", "Cancel"}
    by_incident = {}
    for d in docs:
        by_incident.setdefault(d["incidents"], []).append(d)
    for incident, chain in by_incident.items():
        assert chain[0]["msgType"] == "Alert" and chain[0]["identifier"] == incident
        assert "references" not in chain[0]
        for k, d in enumerate(chain[1:], start=1):
            refs = d["references"].split()
            assert [r.split(",")[1] for r in refs] == [c["identifier"] for c in chain[:k]]
            assert d["msgType"] in ("Update", "Cancel")
        info = chain[-1]["info"][0]
        assert info["category"] == ["Met"] and info["event"] == "Heavy rain"


def test_areas_are_polygons_and_circles_in_lat_lon(messages):
    out, files = messages
    polygons, circles = 0, 0
    for f in files:
        area = SCHEMA.to_dict(str(f))["info"][0]["area"][0]
        for polygon in area.get("polygon", []):
            pairs = [tuple(map(float, p.split(","))) for p in polygon.split()]
            assert pairs[0] == pairs[-1] and len(pairs) >= 4
            assert all(49.5 < lat < 50.5 and 9.3 < lon < 10.7 for lat, lon in pairs)
            polygons += 1
        for circle in area.get("circle", []):
            centre, radius = circle.split()
            assert float(radius) == pytest.approx(1.5)
            circles += 1
    assert polygons > 0 and circles > 0
    geojson = json.loads((out / "warnings.geojson").read_text())
    assert len(geojson["features"]) == len(files)
    assert {f["geometry"]["type"] for f in geojson["features"]} == {"MultiPolygon", "Point"}


def test_the_schema_rejects_a_broken_message(messages):
    _, files = messages
    text = files[0].read_text(encoding="utf-8")
    for broken in (
        text.replace("<msgType>Alert</msgType>", "<msgType>Warning</msgType>"),
        re.sub(r"<sent>[^<]*</sent>", "<sent>yesterday</sent>", text),
        text.replace("<scope>Public</scope>\n", ""),
    ):
        assert not SCHEMA.is_valid(broken)
