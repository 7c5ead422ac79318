"""``CityPlaces``: the claimed pin against the shipped (official) boundary and desa/kelurahan.

Test points are picked with shapely from the published polygons in ../shared (the city, its
33 desa, 4 kecamatan and its neighbours), so that each test says which real place it stands in;
``CityPlaces`` itself is pure Python and is held to shapely's answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from sikemas.city import load_city
from sikemas.geo import CityArea, LocalProjection
from sikemas.places import CityPlaces, PlacesError, Subdistrict
from tests.shared_data import MANADO, shared_path

REPO = Path(__file__).resolve().parents[2]
CITY_DIR = REPO / "cities" / "kotamobagu"
# The hand-drawn octagon shipped before the official outline (issue 6): 22.5 km² of it was not
# the city and it left out 21 km² that is.
OCTAGON = Polygon(
    [
        (124.302, 0.65),
        (124.332, 0.65),
        (124.367, 0.687),
        (124.367, 0.731),
        (124.337, 0.767),
        (124.303, 0.767),
        (124.27, 0.733),
        (124.27, 0.689),
    ]
)
NEIGHBOURS = {"71.01": "Bolaang Mongondow", "71.10": "Bolaang Mongondow Timur"}


def features(name: str) -> list[dict[str, Any]]:
    data = json.loads(shared_path("boundaries", name).read_text(encoding="utf-8"))
    result: list[dict[str, Any]] = data["features"]
    return result


@pytest.fixture(scope="module")
def places() -> CityPlaces:
    return CityPlaces.for_city(load_city(CITY_DIR))


@pytest.fixture(scope="module")
def official() -> BaseGeometry:
    return shapely.union_all([shape(f["geometry"]) for f in features("kotamobagu.geojson")])


@pytest.fixture(scope="module")
def projection(official: BaseGeometry) -> LocalProjection:
    return LocalProjection.around(official)


def lat_lon(p: Point) -> tuple[float, float]:
    return p.y, p.x


# ----------------------------------------------------------------------------- the shipped city


def test_the_city_ships_with_its_official_boundary_and_33_desa() -> None:
    city = load_city(CITY_DIR)
    assert city.boundary_path == CITY_DIR / "boundary.geojson"
    assert city.subdistricts_path == CITY_DIR / "subdistricts.geojson"
    desa = json.loads(city.subdistricts_path.read_text(encoding="utf-8"))["features"]
    assert len(desa) == 33
    kecamatan = json.loads((CITY_DIR / "districts.geojson").read_text(encoding="utf-8"))
    assert len(kecamatan["features"]) == 4
    for f in [*desa, *kecamatan["features"]]:
        source = f["properties"]["source"]
        assert source["repo"] == "cahyadsn/wilayah_boundaries"
        assert source["snapshot_commit"] == "3c5a7960f4d227a38489094d84252bdbb3f978a5"
        assert 'MIT (LICENSE: "Copyright (c) 2024 Cahya DSN")' in source["license"]
        assert "Kepmendagri No 300.2.2-2430 Tahun 2025" in source["license"]
    readme = (CITY_DIR / "README.md").read_text(encoding="utf-8")
    assert "Copyright (c) 2024 Cahya DSN" in readme
    assert "Permission is hereby granted, free of charge" in readme  # the MIT notice itself
    assert "3c5a7960f4d227a38489094d84252bdbb3f978a5" in readme


def test_each_of_the_33_desa_gets_a_point_tagged_with_it(places: CityPlaces) -> None:
    kecamatan = {
        f["properties"]["kode_kemendagri"]: f["properties"]["nama"]
        for f in features("kotamobagu_kecamatan.geojson")
    }
    desa = features("kotamobagu_desa.geojson")
    assert len(desa) == 33
    for f in desa:
        props = f["properties"]
        fix = places.locate(*lat_lon(shape(f["geometry"]).representative_point()))
        assert fix.within_city
        assert fix.distance_outside_m == 0.0
        assert fix.subdistrict == {
            "desa": props["nama"],
            "desa_code": props["kode_kemendagri"],
            "kecamatan": kecamatan[props["kecamatan_kode"]],
            "kecamatan_code": props["kecamatan_kode"],
        }


def test_points_inside_the_city_that_the_octagon_missed_are_accepted(
    places: CityPlaces, official: BaseGeometry, projection: LocalProjection
) -> None:
    missed = official.difference(OCTAGON)
    parts = [g for g in getattr(missed, "geoms", [missed]) if g.area > 1e-6]  # > ~1.2 ha
    assert len(parts) >= 3
    for part in parts:
        p = part.representative_point()
        assert not OCTAGON.covers(p)  # the octagon refused a photo taken here
        assert official.covers(p)
        fix = places.locate(*lat_lon(p))
        assert fix.within_city, lat_lon(p)
        assert fix.distance_outside_m == 0.0
        assert fix.subdistrict is not None


def _outward_points(
    official: BaseGeometry, projection: LocalProjection, distance_m: float
) -> list[Point]:
    """A point ``distance_m`` outside every edge's midpoint (lon/lat)."""
    shell_m = Polygon(projection.to_metres(official).exterior)
    ring_m = shell_m.exterior
    points = []
    for (x1, y1), (x2, y2) in zip(ring_m.coords, list(ring_m.coords)[1:], strict=False):
        length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        if length < 1:
            continue
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        nx, ny = (y2 - y1) / length, -(x2 - x1) / length
        if shell_m.covers(Point(mx + nx, my + ny)):
            nx, ny = -nx, -ny  # pointing out of the city
        p = Point(mx + nx * distance_m, my + ny * distance_m)
        if abs(ring_m.distance(p) - distance_m) < 0.01 and not shell_m.covers(p):
            points.append(projection.to_degrees(p))
    return points


@pytest.mark.parametrize("kode", sorted(NEIGHBOURS))
def test_points_in_the_neighbouring_regencies_near_the_border_are_refused(
    places: CityPlaces, official: BaseGeometry, projection: LocalProjection, kode: str
) -> None:
    (neighbour,) = [
        shape(f["geometry"])
        for f in features("neighbours.geojson")
        if f["properties"]["kode_kemendagri"] == kode
    ]
    # 60 m and 500 m outside the city, along its edges, where the neighbour's polygon is.
    for distance in (60.0, 500.0):
        near = [p for p in _outward_points(official, projection, distance) if neighbour.covers(p)]
        assert len(near) >= 3, (kode, distance)
        for p in near:
            fix = places.locate(*lat_lon(p))
            assert not fix.within_city, (NEIGHBOURS[kode], lat_lon(p))
            assert fix.distance_outside_m == pytest.approx(distance, abs=0.01)
            assert fix.subdistrict is None
    # And the neighbour's land the octagon took in (more than 200 m from the city).
    taken = OCTAGON.intersection(neighbour).difference(
        projection.to_degrees(projection.to_metres(official).buffer(200))
    )
    assert taken.area > 1e-4  # > ~1.2 km²
    for part in getattr(taken, "geoms", [taken]):
        if part.area > 1e-6:
            p = part.representative_point()
            fix = places.locate(*lat_lon(p))
            assert not fix.within_city
            assert fix.distance_outside_m > 200


def test_manado_is_refused_with_its_distance(places: CityPlaces) -> None:
    fix = places.locate(*MANADO)
    assert not fix.within_city
    assert 90_000 < fix.distance_outside_m < 100_000
    assert fix.subdistrict is None


def test_within_the_gps_tolerance_outside_the_boundary_counts_as_the_city(
    places: CityPlaces, official: BaseGeometry, projection: LocalProjection
) -> None:
    for p in _outward_points(official, projection, 30.0)[:20]:
        fix = places.locate(*lat_lon(p))
        assert fix.within_city
        assert fix.distance_outside_m == pytest.approx(30.0, abs=0.01)
        assert fix.subdistrict is not None  # the nearest desa, 30 m away


def test_a_sliver_between_desa_gets_the_nearest_desa(
    places: CityPlaces, official: BaseGeometry, projection: LocalProjection
) -> None:
    desa = features("kotamobagu_desa.geojson")
    shapes = [shape(f["geometry"]) for f in desa]
    gaps = official.difference(shapely.union_all(shapes))
    gap = max(getattr(gaps, "geoms", [gaps]), key=lambda g: g.area)
    p = gap.representative_point()
    assert not any(s.covers(p) for s in shapes)  # in no desa polygon
    p_m = projection.to_metres(p)
    distances = [projection.to_metres(s).distance(p_m) for s in shapes]
    nearest = min(range(len(desa)), key=distances.__getitem__)
    assert 0 < distances[nearest] < 50
    fix = places.locate(*lat_lon(p))
    assert fix.within_city
    assert fix.subdistrict is not None
    assert fix.subdistrict["desa_code"] == desa[nearest]["properties"]["kode_kemendagri"]


def test_a_point_in_no_desa_and_beyond_the_tolerance_gets_none(tmp_path: Path) -> None:
    """City = two squares; desa only on the left one: the right square's middle is > 50 m from
    any desa."""
    left = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    both = [[124.30, 0.70], [124.32, 0.70], [124.32, 0.71], [124.30, 0.71], [124.30, 0.70]]
    boundary = tmp_path / "b.geojson"
    boundary.write_text(json.dumps({"type": "Polygon", "coordinates": [both]}))
    villages = tmp_path / "v.geojson"
    villages.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"kode_kemendagri": "71.74.03.2001", "nama": "Desa Contoh"},
                "geometry": {"type": "Polygon", "coordinates": [left]},
            }
        )
    )
    places = CityPlaces.from_files(boundary, villages, tolerance_m=50)
    assert places.locate(0.705, 124.305).subdistrict == {
        "desa": "Desa Contoh",
        "desa_code": "71.74.03.2001",
        "kecamatan_code": "71.74.03",  # from the desa code; no kecamatan name is known
    }
    assert places.locate(0.705, 124.31 + 40 / 111_320).subdistrict is not None
    fix = places.locate(0.705, 124.315)
    assert fix.within_city
    assert fix.subdistrict is None


def test_no_subdistricts_configured_gives_none(tmp_path: Path) -> None:
    places = CityPlaces.from_files(CITY_DIR / "boundary.geojson")
    fix = places.locate(0.7337, 124.3124)
    assert fix.within_city
    assert fix.subdistrict is None


@pytest.mark.parametrize(
    "content",
    ["not json", '{"type": "LineString", "coordinates": []}', '{"type": "Polygon"}'],
)
def test_a_broken_file_fails_at_load(tmp_path: Path, content: str) -> None:
    path = tmp_path / "b.geojson"
    path.write_text(content)
    with pytest.raises(PlacesError):
        CityPlaces.from_files(path)


def test_subdistrict_as_mapping_leaves_out_unknown_names() -> None:
    info = Subdistrict("71.74.01.1005", "Biga", "71.74.01", None)
    assert info.as_mapping() == {
        "desa": "Biga",
        "desa_code": "71.74.01.1005",
        "kecamatan_code": "71.74.01",
    }


# ----------------------------------------------------------------------------- one geometry


@pytest.fixture(scope="module")
def shapely_area() -> CityArea:
    city = load_city(CITY_DIR)
    return CityArea.from_geojson(city.boundary_path, city.subdistricts_path)


def assert_same_place(
    found: Mapping[str, str] | None, area: CityArea, lat: float, lon: float, tolerance_m: float
) -> None:
    """The same desa as shapely's, or one exactly as near (a vertex two desa share)."""
    within = area.contains(lat, lon, tolerance_m)
    expected = area.subdistrict(lat, lon, tolerance_m) if within else None
    if found == (expected.as_mapping() if expected else None):
        return
    assert found is not None
    assert expected is not None
    p = Point(area.projection.xy(lat, lon))
    distance = {info.village_code: geom.distance(p) for geom, info in area._subdistricts}
    assert distance[found["desa_code"]] == pytest.approx(distance[expected.village_code], abs=1e-3)


@settings(max_examples=400, deadline=None)
@given(
    lat=st.floats(min_value=0.62, max_value=0.80),
    lon=st.floats(min_value=124.22, max_value=124.41),
)
def test_the_pure_python_geometry_gives_shapelys_answers(
    places: CityPlaces, shapely_area: CityArea, lat: float, lon: float
) -> None:
    """The pin (pure Python, API) and the photo (shapely, photo function) are judged alike."""
    fix = places.locate(lat, lon)
    assert fix.distance_outside_m == pytest.approx(
        shapely_area.distance_outside_m(lat, lon), abs=1e-6
    )
    assert fix.within_city == shapely_area.contains(lat, lon, places.tolerance_m)
    assert_same_place(fix.subdistrict, shapely_area, lat, lon, places.tolerance_m)


@settings(max_examples=400, deadline=None)
@given(
    edge=st.integers(min_value=0, max_value=198),
    t=st.floats(min_value=0, max_value=1),
    offset_m=st.floats(min_value=-80, max_value=80),
)
def test_near_the_border_the_two_geometries_agree(
    places: CityPlaces, shapely_area: CityArea, edge: int, t: float, offset_m: float
) -> None:
    """Where it matters: within 80 m of the outline, across the 50 m tolerance."""
    data = json.loads((CITY_DIR / "boundary.geojson").read_text(encoding="utf-8"))
    ring = data["features"][0]["geometry"]["coordinates"][0]
    (lon1, lat1), (lon2, lat2) = ring[edge], ring[edge + 1]
    (x1, y1), (x2, y2) = places.plane.xy(lat1, lon1), places.plane.xy(lat2, lon2)
    length = max(((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5, 1e-9)
    x = x1 + t * (x2 - x1) + offset_m * (y2 - y1) / length
    y = y1 + t * (y2 - y1) - offset_m * (x2 - x1) / length
    lat, lon = places.plane.lat_lon(x, y)
    fix = places.locate(lat, lon)
    assert fix.distance_outside_m == pytest.approx(
        shapely_area.distance_outside_m(lat, lon), abs=1e-6
    )
    assert fix.within_city == shapely_area.contains(lat, lon, places.tolerance_m)
    assert_same_place(fix.subdistrict, shapely_area, lat, lon, places.tolerance_m)


def test_a_boundary_vertex_is_inside(places: CityPlaces) -> None:
    data = json.loads((CITY_DIR / "boundary.geojson").read_text(encoding="utf-8"))
    for lon, lat in data["features"][0]["geometry"]["coordinates"][0][::25]:
        assert places.distance_outside_m(lat, lon) == 0.0


def test_locating_a_pin_loads_no_shapely_or_numpy() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from sikemas.city import load_city\n"
        "from sikemas.places import CityPlaces\n"
        f"p = CityPlaces.for_city(load_city(Path({str(CITY_DIR)!r})))\n"
        "assert p.locate(0.7337, 124.3124).subdistrict\n"
        "assert not p.locate(1.4748, 124.8421).within_city\n"
        "print(','.join(m for m in ('shapely', 'numpy') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers" / "sikemas")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""


# ----------------------------------------------------------------------------- photos alike


@pytest.mark.parametrize(
    ("where", "lat", "lon", "reasons"),
    [
        ("Mongkonai Barat, missed by the octagon", 0.73267, 124.26217, []),
        ("Bolaang Mongondow, taken in by the octagon", 0.68679, 124.27952, ["outside_city"]),
        ("Boltim, taken in by the octagon", 0.71849, 124.36197, ["outside_city"]),
    ],
)
def test_a_photo_is_judged_against_the_shipped_boundary(
    where: str, lat: float, lon: float, reasons: list[str]
) -> None:
    """The photo function's geometry, built as its composition builds it, on the same points
    the API tests use for pins."""
    from datetime import UTC, datetime, timedelta

    from sikemas.domain.photo_verdict import judge
    from sikemas.photo.reading import read_photo
    from tests.unit.photo_factory import gps_photo

    city = load_city(CITY_DIR)
    area = CityArea.from_geojson(city.boundary_path, city.subdistricts_path)
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    facts = read_photo(gps_photo(lat, lon, taken_at=now - timedelta(hours=1)), city.timezone)
    verdict = judge(
        facts,
        area=area,
        settings=city.photo_checks,
        no_gps_policy="needs_review",
        claimed=None,
        uploaded_at=now,
    )
    assert verdict.reasons == reasons, where
