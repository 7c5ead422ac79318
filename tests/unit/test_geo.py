"""The city's geometry against the published Kotamobagu boundaries in ../shared (MIT data).

Test points are constructed from the reference polygon itself, and every constructed distance is
checked independently: the minimum great-circle (haversine) distance to a densified boundary.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from sikemas.geo import (
    CityArea,
    GeometryError,
    SwappedCoordinatesError,
    polygon_features,
)
from sikemas.geodesy import haversine_m
from sikemas.places import Subdistrict
from tests import shared_data
from tests.shared_data import (
    MANADO,
    boundary_distance_haversine,
    offset_from_edge,
    shared_path,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED_BOUNDARY = REPO / "cities" / "kotamobagu" / "boundary.geojson"
CITY_CENTRE = (0.71, 124.32)
PUBLIC_CITY_POINT = (0.7429829, 124.3126466)  # a published "Kotamobagu 71.74" coordinate
# The spherical haversine differs from ellipsoidal distances by up to ~0.56 % at this latitude.
HAVERSINE_REL = 0.007


# ----------------------------------------------------------------------------- helpers


def load_shape(path: Path) -> BaseGeometry:
    data = json.loads(path.read_text(encoding="utf-8"))
    return shapely.union_all([shape(f["geometry"]) for f in data["features"]])


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def reference_path() -> Path:
    return shared_path("boundaries", "kotamobagu.geojson")


@pytest.fixture(scope="module")
def reference(reference_path: Path) -> BaseGeometry:
    return load_shape(reference_path)


@pytest.fixture(scope="module")
def area(reference_path: Path) -> CityArea:
    return CityArea.from_geojson(reference_path)


@pytest.fixture(scope="module")
def shipped() -> CityArea:
    return CityArea.from_geojson(SHIPPED_BOUNDARY)


# ----------------------------------------------------------------------------- haversine


def test_haversine_one_degree_of_longitude_at_the_equator() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195.08, abs=0.05)


def test_haversine_quarter_meridian_and_symmetry() -> None:
    assert haversine_m(0.0, 10.0, 90.0, 10.0) == pytest.approx(math.pi / 2 * 6_371_008.8)
    assert haversine_m(*MANADO, *CITY_CENTRE) == haversine_m(*CITY_CENTRE, *MANADO)
    assert haversine_m(*MANADO, *MANADO) == 0.0


def test_haversine_antipodes_do_not_overflow() -> None:
    assert haversine_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * 6_371_008.8)


# ----------------------------------------------------------------------------- the reference city


def test_area_matches_the_published_geodesic_area(area: CityArea) -> None:
    # README of the data: geodesic 108.909 km2 (pyproj); the local plane agrees to 0.1 %.
    assert area.area_km2 == pytest.approx(108.909, rel=1e-3)


def test_a_point_well_inside_is_inside(area: CityArea, reference: BaseGeometry) -> None:
    p = reference.representative_point()
    assert area.distance_outside_m(p.y, p.x) == 0.0
    assert area.contains(p.y, p.x, tolerance_m=0)


def test_published_reference_points_are_inside(area: CityArea) -> None:
    assert area.contains(*PUBLIC_CITY_POINT, tolerance_m=0)
    assert area.contains(0.7337, 124.3124, tolerance_m=0)


def test_a_boundary_vertex_counts_as_inside(area: CityArea, reference: BaseGeometry) -> None:
    lon, lat = shapely.get_coordinates(reference)[0]
    assert area.distance_outside_m(lat, lon) == pytest.approx(0.0, abs=1e-6)
    assert area.contains(lat, lon, tolerance_m=0)


def test_200_m_inside_the_edge_is_inside(area: CityArea, reference: BaseGeometry) -> None:
    lat, lon = offset_from_edge(area, reference, 200, outward=False)
    assert boundary_distance_haversine(reference, lat, lon) == pytest.approx(200, rel=HAVERSINE_REL)
    assert area.distance_outside_m(lat, lon) == 0.0
    assert area.contains(lat, lon, tolerance_m=0)


def test_300_m_outside_the_edge_is_outside(area: CityArea, reference: BaseGeometry) -> None:
    lat, lon = offset_from_edge(area, reference, 300, outward=True)
    assert boundary_distance_haversine(reference, lat, lon) == pytest.approx(300, rel=HAVERSINE_REL)
    assert area.distance_outside_m(lat, lon) == pytest.approx(300, abs=0.5)
    assert not area.contains(lat, lon, tolerance_m=50)


@pytest.mark.parametrize(("tolerance_m", "expected"), [(50, True), (30.5, True), (10, False)])
def test_30_m_outside_depends_on_the_tolerance(
    area: CityArea, reference: BaseGeometry, tolerance_m: float, expected: bool
) -> None:
    lat, lon = offset_from_edge(area, reference, 30, outward=True)
    assert boundary_distance_haversine(reference, lat, lon) == pytest.approx(30, rel=HAVERSINE_REL)
    assert area.contains(lat, lon, tolerance_m=tolerance_m) is expected


@pytest.mark.parametrize("kode", ["71.01", "71.10", "71.11", "71.08", "71.71"])
def test_a_point_in_a_neighbouring_regency_is_outside(area: CityArea, kode: str) -> None:
    data = json.loads(shared_path("boundaries", "neighbours.geojson").read_text(encoding="utf-8"))
    (feature,) = [f for f in data["features"] if f["properties"]["kode_kemendagri"] == kode]
    p = shape(feature["geometry"]).representative_point()
    assert not area.contains(p.y, p.x, tolerance_m=50)
    assert area.distance_outside_m(p.y, p.x) > 1000


def test_manado_is_tens_of_km_outside(area: CityArea, reference: BaseGeometry) -> None:
    d = area.distance_outside_m(*MANADO)
    assert 80_000 < d < 110_000
    assert d == pytest.approx(boundary_distance_haversine(reference, *MANADO), rel=HAVERSINE_REL)
    assert not area.contains(*MANADO, tolerance_m=50)


def test_distance_agrees_with_haversine_around_the_city(
    area: CityArea, reference: BaseGeometry
) -> None:
    # Points 1-5 km out in eight directions from the centroid's bounding circle.
    c = reference.centroid
    for bearing in range(0, 360, 45):
        for reach_deg in (0.08, 0.1, 0.12):
            lat = c.y + reach_deg * math.cos(math.radians(bearing))
            lon = c.x + reach_deg * math.sin(math.radians(bearing))
            expected = boundary_distance_haversine(reference, lat, lon)
            assert area.distance_outside_m(lat, lon) == pytest.approx(expected, rel=HAVERSINE_REL)


@pytest.mark.parametrize(
    ("lat", "lon"), [(91.0, 124.0), (0.7, 181.0), (math.nan, 124.0), (0.7, math.inf)]
)
def test_bad_coordinates_raise(area: CityArea, lat: float, lon: float) -> None:
    with pytest.raises(ValueError, match="coordinates"):
        area.distance_outside_m(lat, lon)


def test_negative_tolerance_raises(area: CityArea) -> None:
    with pytest.raises(ValueError, match="tolerance_m"):
        area.contains(*CITY_CENTRE, tolerance_m=-1)


# ----------------------------------------------------------------------------- the shipped outline


def test_the_shipped_boundary_is_the_official_outline(
    shipped: CityArea, area: CityArea, reference: BaseGeometry
) -> None:
    """Imported with tolerance 0: the same polygon as the published one, vertex for vertex (to
    the 1e-7 degree grid the import writes), with its provenance."""
    data = json.loads(SHIPPED_BOUNDARY.read_text(encoding="utf-8"))
    (feature,) = data["features"]
    props = feature["properties"]
    assert props["approximate"] is False
    assert props["kode_kemendagri"] == "71.74"
    assert props["source"]["repo"] == "cahyadsn/wilayah_boundaries"
    assert props["source"]["snapshot_commit"] == "3c5a7960f4d227a38489094d84252bdbb3f978a5"
    assert "MIT" in props["source"]["license"]
    assert "Kepmendagri No 300.2.2-2430 Tahun 2025" in props["source"]["license"]
    outline = shape(feature["geometry"])
    assert (
        shipped.projection.to_metres(outline).hausdorff_distance(
            shipped.projection.to_metres(reference)
        )
        < 0.05
    )
    assert shipped.area_km2 == pytest.approx(area.area_km2, rel=1e-6)
    assert shipped.contains(*CITY_CENTRE, tolerance_m=0)
    assert shipped.contains(*PUBLIC_CITY_POINT, tolerance_m=0)
    assert not shipped.contains(*MANADO, tolerance_m=50)


# ----------------------------------------------------------------------------- sub-districts


@pytest.fixture(scope="module")
def with_villages(reference_path: Path) -> CityArea:
    return CityArea.from_geojson(
        reference_path, shared_path("boundaries", "kotamobagu_desa.geojson")
    )


def test_every_village_is_found_from_its_representative_point(with_villages: CityArea) -> None:
    data = json.loads(
        shared_path("boundaries", "kotamobagu_desa.geojson").read_text(encoding="utf-8")
    )
    assert len(data["features"]) == 33
    for feature in data["features"]:
        props = feature["properties"]
        p = shape(feature["geometry"]).representative_point()
        assert with_villages.subdistrict(p.y, p.x) == Subdistrict(
            village_code=props["kode_kemendagri"],
            village_name=props["nama"],
            district_code=props["kecamatan_kode"],
            district_name=None,
        )


def test_no_subdistrict_outside_the_city_or_without_villages(
    with_villages: CityArea, area: CityArea
) -> None:
    assert with_villages.subdistrict(*MANADO) is None
    assert area.subdistrict(*CITY_CENTRE) is None
    assert not area.has_subdistricts


def test_district_code_falls_back_to_the_village_code_prefix(tmp_path: Path) -> None:
    square = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    villages = tmp_path / "v.geojson"
    villages.write_text(
        json.dumps(
            {
                "type": "Feature",
                "properties": {"kode_kemendagri": "71.74.03.2001", "nama": "Desa Contoh"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ),
        encoding="utf-8",
    )
    a = CityArea.from_geojson(villages, villages)
    assert a.subdistrict(0.705, 124.305) == Subdistrict(
        "71.74.03.2001", "Desa Contoh", "71.74.03", None
    )
    # A point 20 m outside the only village still gets it (gaps between simplified villages).
    assert a.subdistrict(0.705, 124.31 + 20 / 111_320) is not None
    assert a.subdistrict(0.705, 124.31 + 60 / 111_320) is None


# ----------------------------------------------------------------------------- GeoJSON input


def _write(tmp_path: Path, obj: object) -> Path:
    path = tmp_path / "in.geojson"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def test_a_bare_polygon_and_a_multipolygon_are_accepted(tmp_path: Path) -> None:
    a = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    b = [[124.32, 0.70], [124.33, 0.70], [124.33, 0.71], [124.32, 0.71], [124.32, 0.70]]
    poly = CityArea.from_geojson(_write(tmp_path, {"type": "Polygon", "coordinates": [a]}))
    assert poly.contains(0.705, 124.305, 0)
    multi = CityArea.from_geojson(
        _write(tmp_path, {"type": "MultiPolygon", "coordinates": [[a], [b]]})
    )
    assert multi.contains(0.705, 124.325, 0)
    assert not multi.contains(0.705, 124.315, 0)
    assert multi.area_km2 == pytest.approx(2 * poly.area_km2)


def test_features_are_unioned(tmp_path: Path) -> None:
    left = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    right = [[124.31, 0.70], [124.32, 0.70], [124.32, 0.71], [124.31, 0.71], [124.31, 0.70]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [r]},
            }
            for r in (left, right)
        ],
    }
    a = CityArea.from_geojson(_write(tmp_path, fc))
    assert a.distance_outside_m(0.705, 124.31) == 0.0
    assert a.distance_outside_m(0.705, 124.3 - 0.001) == pytest.approx(111.3, rel=0.01)


def test_non_polygon_geometry_is_refused() -> None:
    with pytest.raises(GeometryError, match="LineString"):
        polygon_features({"type": "LineString", "coordinates": [[124.3, 0.7], [124.4, 0.8]]})


def test_swapped_coordinates_are_detected() -> None:
    ring = [[0.70, 124.30], [0.70, 124.31], [0.71, 124.31], [0.70, 124.30]]
    with pytest.raises(SwappedCoordinatesError, match=r"\[lat, lon\]"):
        polygon_features({"type": "Polygon", "coordinates": [ring]})


def test_not_json_is_a_geometry_error(tmp_path: Path) -> None:
    path = tmp_path / "x.geojson"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(GeometryError, match="not valid JSON"):
        CityArea.from_geojson(path)


def test_a_malformed_ring_is_a_geometry_error() -> None:
    ring = [[124.30, 0.70], [124.31, 0.70]]
    with pytest.raises(GeometryError, match="malformed Polygon"):
        polygon_features({"type": "Polygon", "coordinates": [ring]})


def test_a_zero_area_boundary_is_refused(tmp_path: Path) -> None:
    ring = [[124.30, 0.70], [124.31, 0.70], [124.30, 0.70]]  # shapely pads it; area 0
    path = _write(tmp_path, {"type": "Polygon", "coordinates": [ring]})
    with pytest.raises(GeometryError, match="non-empty"):
        CityArea.from_geojson(path)


def test_an_invalid_boundary_is_repaired_on_load(tmp_path: Path) -> None:
    bowtie = [[124.30, 0.70], [124.33, 0.73], [124.33, 0.70], [124.30, 0.73], [124.30, 0.70]]
    a = CityArea.from_geojson(_write(tmp_path, {"type": "Polygon", "coordinates": [bowtie]}))
    assert a.contains(0.715, 124.305, 0)  # left triangle
    assert a.contains(0.715, 124.325, 0)  # right triangle
    assert not a.contains(0.728, 124.315, 0)  # above the crossing: in neither


# ----------------------------------------------------------------------------- tests/shared_data.py


def test_shared_path_skips_when_absent_and_fails_on_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shared_data, "SHARED_DIR", tmp_path / "nowhere")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared is absent"):
        shared_data.shared_path("boundaries", "kotamobagu.geojson")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"\.\./shared is absent"):
        shared_data.shared_path("boundaries", "kotamobagu.geojson")
