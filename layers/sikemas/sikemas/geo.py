"""The city's geometry with shapely: is a photo's point inside the city, how far outside, and in
which kelurahan/desa. The photo function and the operator tools use it; the API checks claimed
pins with ``sikemas.places`` (pure Python, same plane, same answers — a test holds them alike).
The boundary import itself (repair, simplify, write) is an operator tool:
``tools/sikemas_tools/boundary_import.py``.

Pure: coordinates and files in, values out. Imports shapely only: no AWS, no environment.

Metric distances use a **local tangent-plane (equirectangular) projection on the WGS84
ellipsoid** (``sikemas.geodesy.TangentPlane``), centred on the city's centroid ``(lat0, lon0)``::

    x = (lon - lon0) * N(lat0) * cos(lat0)        y = (lat - lat0) * M(lat0)

with ``M`` and ``N`` the ellipsoid's meridional and prime-vertical radii of curvature (in metres
per radian). A city spans a few tens of kilometres; near the equator (Kotamobagu is at 0.7° N)
the scale error of this plane grows with ``tan(lat0)·Δlat`` and ``Δlat²``: about 1e-5 relative
over the city, so a distance of 300 m is right to a few millimetres and any distance within the
city to well under 1 m. Far from the city (a photo taken in Manado, ~95 km away) it is still
within about 0.1 %, which is all a "how far outside" answer needs. pyproj is not a dependency.

``haversine_m`` is the great-circle distance on the sphere of the WGS84 mean radius
(6,371,008.8 m); it differs from the ellipsoidal distance by up to ~0.5 %, so it is meant for
"near the claimed location" checks, not for comparing against the boundary.

Sub-districts (``sikemas.places.Subdistrict``): the village (kelurahan/desa) polygons carry
their code and name; the district (kecamatan) code is read from the feature or, failing that,
taken from the village's Kemendagri code (``71.74.01.1005`` → ``71.74.01``). The district
*name* is present when the sub-district file carries it (``bin/sikemas import-boundary
--subdistricts --districts KECAMATAN.geojson`` writes it) and ``None`` otherwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import Point, Polygon, shape
from shapely.geometry.base import BaseGeometry

from sikemas.geodesy import TangentPlane, check_lat_lon
from sikemas.places import Subdistrict, subdistrict_from_properties

POLYGONAL_TYPES = frozenset({"Polygon", "MultiPolygon"})
_GEOJSON_TYPES = POLYGONAL_TYPES | {"Feature", "FeatureCollection", "GeometryCollection"}


class GeometryError(ValueError):
    """A GeoJSON file is unreadable or holds no usable polygon; the message says why."""


class SwappedCoordinatesError(GeometryError):
    """Positions look like ``[lat, lon]``; GeoJSON wants ``[lon, lat]``."""


@dataclass(frozen=True)
class PolygonFeature:
    """One polygonal GeoJSON feature: its geometry (lon/lat) and its properties."""

    geometry: BaseGeometry
    properties: Mapping[str, Any]


class LocalProjection(TangentPlane):
    """Local tangent-plane metres (``sikemas.geodesy.TangentPlane``) for shapely geometries."""

    @classmethod
    def around(cls, geometry: BaseGeometry) -> LocalProjection:
        """A projection centred on ``geometry``'s centroid (lon/lat)."""
        c = geometry.centroid
        return cls(lat0=c.y, lon0=c.x)

    def to_metres(self, geometry: BaseGeometry) -> BaseGeometry:
        """Project a lon/lat geometry to local metres."""
        sx, sy, x0, y0 = self.m_per_deg_lon, self.m_per_deg_lat, self.lon0, self.lat0
        return shapely.transform(geometry, lambda c: (c - (x0, y0)) * (sx, sy))

    def to_degrees(self, geometry: BaseGeometry) -> BaseGeometry:
        """Back from local metres to lon/lat."""
        sx, sy, x0, y0 = self.m_per_deg_lon, self.m_per_deg_lat, self.lon0, self.lat0
        return shapely.transform(geometry, lambda c: c / (sx, sy) + (x0, y0))


def read_geojson(path: Path) -> Any:
    """Parse a GeoJSON file, turning I/O and syntax errors into ``GeometryError``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GeometryError(f"cannot read {path}: {exc}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise GeometryError(f"{path} is not valid JSON: {exc}") from exc


def polygon_features(data: Any) -> list[PolygonFeature]:
    """The polygonal features of a GeoJSON object (FeatureCollection, Feature or geometry).

    Features without a geometry are skipped; any non-polygonal geometry is an error, as is a
    coordinate outside WGS84 ranges (with a hint when latitude and longitude look swapped).
    Geometries are returned as parsed: not repaired (see ``repair``).
    """
    if not isinstance(data, dict) or data.get("type") not in _GEOJSON_TYPES:
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise GeometryError(
            f"expected a GeoJSON FeatureCollection, Feature, Polygon or MultiPolygon, got {kind!r}"
        )
    if data["type"] == "FeatureCollection":
        raw_features = data.get("features")
        if not isinstance(raw_features, list):
            raise GeometryError("FeatureCollection has no 'features' list")
    elif data["type"] == "Feature":
        raw_features = [data]
    else:
        raw_features = [{"type": "Feature", "geometry": data, "properties": {}}]
    out: list[PolygonFeature] = []
    for i, feature in enumerate(raw_features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise GeometryError(f"feature #{i} is not a GeoJSON Feature")
        geometry = feature.get("geometry")
        if geometry is None:
            continue
        props = feature.get("properties") or {}
        for geom in _polygonal_geometries(geometry, i):
            out.append(PolygonFeature(geometry=geom, properties=props))
    if not out:
        raise GeometryError("no Polygon or MultiPolygon geometry found")
    return out


def _polygonal_geometries(geometry: Any, index: int) -> Iterable[BaseGeometry]:
    if not isinstance(geometry, dict):
        raise GeometryError(f"feature #{index}: geometry is not an object")
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        for part in geometry.get("geometries") or []:
            yield from _polygonal_geometries(part, index)
        return
    if kind not in POLYGONAL_TYPES:
        raise GeometryError(f"feature #{index}: {kind!r} is not a Polygon or MultiPolygon")
    _check_coordinates(geometry.get("coordinates"), index)
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, IndexError, AttributeError, shapely.errors.ShapelyError) as exc:
        raise GeometryError(f"feature #{index}: malformed {kind}: {exc}") from exc
    if not geom.is_empty:
        yield geom


def _check_coordinates(coordinates: Any, index: int) -> None:
    positions = list(_positions(coordinates, index))
    if not positions:
        return
    bad = [(x, y) for x, y in positions if not (-180 <= x <= 180 and -90 <= y <= 90)]
    if not bad:
        return
    x, y = bad[0]
    if all(-90 <= a <= 90 and -180 <= b <= 180 for a, b in positions):
        raise SwappedCoordinatesError(
            f"feature #{index}: coordinates look like [lat, lon] (e.g. [{x}, {y}]); "
            "GeoJSON positions are [lon, lat]"
        )
    raise GeometryError(f"feature #{index}: coordinate [{x}, {y}] is outside WGS84 lon/lat ranges")


def _positions(coordinates: Any, index: int) -> Iterable[tuple[float, float]]:
    if not isinstance(coordinates, list):
        raise GeometryError(f"feature #{index}: coordinates must be arrays")
    if coordinates and not isinstance(coordinates[0], list):
        if len(coordinates) < 2 or not all(_is_number(c) for c in coordinates):
            raise GeometryError(f"feature #{index}: bad position {coordinates!r}")
        x, y = float(coordinates[0]), float(coordinates[1])
        if not (math.isfinite(x) and math.isfinite(y)):
            raise GeometryError(f"feature #{index}: non-finite position {coordinates!r}")
        yield x, y
        return
    for part in coordinates:
        yield from _positions(part, index)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def polygonal_part(geometry: BaseGeometry) -> BaseGeometry:
    """Only the polygons of ``geometry`` (``make_valid`` may add lines and points)."""
    if geometry.geom_type in POLYGONAL_TYPES:
        return geometry
    parts = [g for g in getattr(geometry, "geoms", []) if g.geom_type in POLYGONAL_TYPES]
    return shapely.union_all(parts) if parts else Polygon()


def repair(geometry: BaseGeometry) -> tuple[BaseGeometry, bool]:
    """``make_valid`` when needed, keeping only polygons; returns (geometry, was_repaired)."""
    if geometry.is_valid:
        return geometry, False
    return polygonal_part(shapely.make_valid(geometry)), True


class CityArea:
    """A city's boundary (and optionally its sub-districts), ready for fast point queries.

    Geometry is held in local metres (see the module docstring) and prepared, so a query is a
    projection of one point plus a prepared ``covers`` test; points on the boundary are inside.
    """

    def __init__(
        self,
        boundary: BaseGeometry,
        subdistricts: Iterable[tuple[BaseGeometry, Subdistrict]] = (),
    ) -> None:
        if boundary.is_empty or boundary.geom_type not in POLYGONAL_TYPES:
            raise GeometryError("the city boundary must be a non-empty Polygon or MultiPolygon")
        self.projection = LocalProjection.around(boundary)
        self._boundary_m = self.projection.to_metres(boundary)
        shapely.prepare(self._boundary_m)
        self._subdistricts: list[tuple[BaseGeometry, Subdistrict]] = []
        for geom, info in subdistricts:
            geom_m = self.projection.to_metres(geom)
            shapely.prepare(geom_m)
            self._subdistricts.append((geom_m, info))

    @classmethod
    def from_geojson(cls, path: Path, subdistricts: Path | None = None) -> CityArea:
        """Load a boundary file (features are unioned, invalid ones repaired) and sub-districts.

        Sub-district features need a village code property (see ``VILLAGE_CODE_KEYS``); those
        without one are ignored.
        """
        features = polygon_features(read_geojson(path))
        boundary = polygonal_part(shapely.union_all([repair(f.geometry)[0] for f in features]))
        subs: list[tuple[BaseGeometry, Subdistrict]] = []
        if subdistricts is not None:
            for f in polygon_features(read_geojson(subdistricts)):
                info = subdistrict_from_properties(f.properties)
                if info is not None:
                    subs.append((repair(f.geometry)[0], info))
            if not subs:
                raise GeometryError(f"{subdistricts}: no feature carries a village code")
        return cls(boundary, subs)

    @property
    def area_km2(self) -> float:
        return float(self._boundary_m.area) / 1e6

    @property
    def has_subdistricts(self) -> bool:
        return bool(self._subdistricts)

    def _point(self, lat: float, lon: float) -> Point:
        check_lat_lon(lat, lon)
        return Point(self.projection.xy(lat, lon))

    def distance_outside_m(self, lat: float, lon: float) -> float:
        """0.0 when the point is inside (or on) the boundary; else metres to the boundary."""
        p = self._point(lat, lon)
        if self._boundary_m.covers(p):
            return 0.0
        return float(self._boundary_m.distance(p))

    def contains(self, lat: float, lon: float, tolerance_m: float) -> bool:
        """Inside, or outside by at most ``tolerance_m`` metres (GPS error)."""
        if tolerance_m < 0 or not math.isfinite(tolerance_m):
            raise ValueError(f"tolerance_m must be a finite number >= 0, got {tolerance_m!r}")
        p = self._point(lat, lon)
        return bool(self._boundary_m.covers(p) or self._boundary_m.dwithin(p, tolerance_m))

    def subdistrict(self, lat: float, lon: float, tolerance_m: float = 25.0) -> Subdistrict | None:
        """The kelurahan/desa holding the point; ``None`` when none is configured or near.

        Published village polygons are simplified one by one, so they leave thin gaps: a point
        in no polygon gets the nearest one within ``tolerance_m`` metres.
        """
        if not self._subdistricts:
            return None
        p = self._point(lat, lon)
        for geom, info in self._subdistricts:
            if geom.covers(p):
                return info
        best = min(self._subdistricts, key=lambda item: float(item[0].distance(p)))
        return best[1] if float(best[0].distance(p)) <= tolerance_m else None
