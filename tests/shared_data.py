"""Paths to the read-only reference data in ``../shared`` (next to the repository).

Tests that need it skip when it is absent (a fresh clone elsewhere), except on CI
(``CI=true``), where a missing ``../shared`` is a broken setup and fails the test.
"""

from __future__ import annotations

import itertools
import math
import os
from pathlib import Path

import pytest
import shapely
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

from sikemas.geo import CityArea
from sikemas.geodesy import haversine_m

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"
MANADO = (1.4748, 124.8421)


def shared_path(*parts: str) -> Path:
    """``../shared/data/<parts>``; skip (or fail on CI) when it does not exist."""
    path = SHARED_DIR.joinpath("data", *parts)
    if not path.exists():
        reason = f"../shared is absent: {path} not found"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


# Test-point construction over any boundary (used by the geo and CLI tests).


def boundary_distance_haversine(geom: BaseGeometry, lat: float, lon: float) -> float:
    """Independent check: min haversine distance to the boundary densified to ~5 m steps."""
    dense = shapely.segmentize(geom.boundary, 0.00005)
    coords = shapely.get_coordinates(dense)
    return min(haversine_m(lat, lon, y, x) for x, y in coords)


def offset_from_edge(
    area: CityArea, geom: BaseGeometry, distance_m: float, *, outward: bool
) -> tuple[float, float]:
    """A (lat, lon) ``distance_m`` from the boundary, along an edge's normal.

    Walks the longest edges first and keeps the first point whose distance to the boundary (in
    the local plane) is the requested one: a concave neighbourhood would make it closer.
    """
    geom_m = area.projection.to_metres(geom)
    coords = shapely.get_coordinates(geom_m.exterior if isinstance(geom_m, Polygon) else geom_m)
    edges = sorted(
        itertools.pairwise(coords),
        key=lambda e: -math.dist(e[0], e[1]),
    )
    for (x1, y1), (x2, y2) in edges:
        length = math.dist((x1, y1), (x2, y2))
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        nx, ny = (y2 - y1) / length, -(x2 - x1) / length
        if geom_m.covers(Point(mx + nx, my + ny)):
            nx, ny = -nx, -ny  # now pointing out of the polygon
        sign = 1.0 if outward else -1.0
        p = Point(mx + sign * nx * distance_m, my + sign * ny * distance_m)
        if abs(geom_m.boundary.distance(p) - distance_m) < 0.01 and geom_m.covers(p) != outward:
            return area.projection.lat_lon(p.x, p.y)
    raise AssertionError(f"no edge allows a point {distance_m} m away")
