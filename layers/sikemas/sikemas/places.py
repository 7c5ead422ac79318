"""Where a point is: inside the city or how far outside, and in which kelurahan/desa.

The ``Places`` port (``sikemas.ports``) implemented in **pure Python**: the API function checks
every claimed pin, and it must not load shapely (the API function has no imaging layer, and
shapely would cost its cold start). The geometry is small — the city outline has ~200 vertices,
its 33 desa/kelurahan ~2,300 — so an even-odd ray test and point-to-segment distances in the
local tangent plane (``sikemas.geodesy.TangentPlane``, centred on the boundary's area centroid,
exactly as ``sikemas.geo.CityArea`` does) answer in tens of microseconds. A test holds both
implementations to the same answers.

Rules:

- ``distance_outside_m`` is 0 inside or on the boundary, else the distance to it in metres;
  ``within_city`` is ``distance_outside_m <= tolerance_m`` (the city's ``gps_tolerance_m``).
- The sub-district is the desa/kelurahan polygon holding the point (the first in file order
  where two published polygons overlap); a point in none of them (the slivers that independent
  simplification leaves between neighbours) gets the nearest one within ``tolerance_m``, else
  ``None``. Only a point within the city gets a sub-district.
- The kecamatan comes from the desa's own feature (its code, and the name the import wrote), so
  a desa and its kecamatan never disagree.

Files are read once, at construction (``CityPlaces.for_city`` at cold start): a broken file
fails the cold start, not a citizen's request.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sikemas.geodesy import TangentPlane, check_lat_lon
from sikemas.ports import PlaceFix

if TYPE_CHECKING:
    from sikemas.city import City

# Property names understood for sub-district features, canonical name first.
VILLAGE_CODE_KEYS = ("village_code", "kode_kemendagri", "kode", "kode_desa", "KDEPUM")
VILLAGE_NAME_KEYS = ("village_name", "nama", "name", "NAMOBJ", "WADMKD")
DISTRICT_CODE_KEYS = ("district_code", "kecamatan_kode", "kode_kecamatan", "KDCPUM")
DISTRICT_NAME_KEYS = ("district_name", "kecamatan_nama", "nama_kecamatan", "kecamatan", "WADMKC")

Point = tuple[float, float]  # local metres
_TIE_M = 0.001
Ring = Sequence[Sequence[float]]  # GeoJSON positions, [lon, lat, ...]


class PlacesError(ValueError):
    """A boundary or sub-district file is unreadable or holds no usable polygon."""


@dataclass(frozen=True)
class Subdistrict:
    """A kelurahan/desa and the kecamatan it belongs to (``district_name`` may be unknown)."""

    village_code: str
    village_name: str
    district_code: str
    district_name: str | None = None

    def as_mapping(self) -> dict[str, str]:
        """What a report stores: ``desa``, ``desa_code``, ``kecamatan``, ``kecamatan_code``
        (a key whose value is unknown is left out)."""
        values = {
            "desa": self.village_name,
            "desa_code": self.village_code,
            "kecamatan": self.district_name,
            "kecamatan_code": self.district_code,
        }
        return {k: v for k, v in values.items() if v}


def _first(props: Mapping[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = props.get(key)
        if value is not None and str(value).strip():
            return str(value).strip()
    return None


def subdistrict_from_properties(props: Mapping[str, Any]) -> Subdistrict | None:
    """A ``Subdistrict`` from a feature's properties, or ``None`` without a village code. The
    kecamatan code, when absent, is the village code's first three parts
    (``71.74.01.1005`` → ``71.74.01``)."""
    village_code = _first(props, VILLAGE_CODE_KEYS)
    if village_code is None:
        return None
    district_code = _first(props, DISTRICT_CODE_KEYS)
    if district_code is None:
        parts = village_code.split(".")
        district_code = ".".join(parts[:3]) if len(parts) == 4 else ""
    return Subdistrict(
        village_code=village_code,
        village_name=_first(props, VILLAGE_NAME_KEYS) or village_code,
        district_code=district_code,
        district_name=_first(props, DISTRICT_NAME_KEYS),
    )


def subdistrict_names(path: Path | None) -> dict[str, dict[str, str]]:
    """Desa code -> what a report stores of it (``Subdistrict.as_mapping``: ``desa``,
    ``kecamatan`` …), from a desa/kelurahan GeoJSON's properties; empty without a file. The
    statistics name the codes their counter rows hold with it."""
    if path is None:
        return {}
    names: dict[str, dict[str, str]] = {}
    for _, props in _features(_read(path), path):
        info = subdistrict_from_properties(props)
        if info is not None:
            names.setdefault(info.village_code, info.as_mapping())
    return names


# ------------------------------------------------------------------------------ reading files


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise PlacesError(f"cannot read {path}: {exc}") from exc


def _features(data: Any, path: Path) -> Iterator[tuple[list[list[Ring]], Mapping[str, Any]]]:
    """(polygons, properties) per feature; a polygon is its rings in lon/lat, exterior first."""
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "FeatureCollection":
        features = data.get("features") or []
    elif kind == "Feature":
        features = [data]
    elif kind in ("Polygon", "MultiPolygon"):
        features = [{"geometry": data, "properties": {}}]
    else:
        raise PlacesError(f"{path}: not a GeoJSON FeatureCollection, Feature or polygon")
    for i, feature in enumerate(features):
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if geometry is None:
            continue
        try:
            if geometry["type"] == "Polygon":
                polygons = [geometry["coordinates"]]
            elif geometry["type"] == "MultiPolygon":
                polygons = geometry["coordinates"]
            else:
                raise PlacesError(f"{path}: feature #{i} is a {geometry['type']}, not a polygon")
            # Kept as parsed ([lon, lat] lists): checked, not copied (this runs at cold start).
            rings = [list(polygon) for polygon in polygons]
            for polygon in rings:
                for ring in polygon:
                    if len(ring) < 4 or not all(len(p) >= 2 for p in ring):
                        raise ValueError("a ring needs at least 4 positions")
                    lo, hi = min(map(min, ring)), max(map(max, ring))
                    if not (lo >= -180.0 and hi <= 180.0):
                        raise ValueError("a position is out of range")
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise PlacesError(f"{path}: feature #{i} has malformed coordinates") from exc
        yield rings, feature.get("properties") or {}


def _ring_area_centroid(ring: Ring) -> tuple[float, float, float]:
    """Signed shoelace area and area-weighted centroid sums of one ring (lon/lat degrees)."""
    a = cx = cy = 0.0
    x0, y0 = ring[0][0], ring[0][1]
    for (x1, y1, *_), (x2, y2, *_) in zip(ring, [*ring[1:], ring[0]], strict=True):
        # Relative to the first vertex: the same result, with far less cancellation.
        x1, y1, x2, y2 = x1 - x0, y1 - y0, x2 - x0, y2 - y0
        cross = x1 * y2 - x2 * y1
        a += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return a / 2, cx / 6 + x0 * a / 2, cy / 6 + y0 * a / 2


def area_centroid(polygons: Sequence[Sequence[Ring]]) -> tuple[float, float]:
    """The area centroid (lat, lon) of polygons in lon/lat, holes subtracted: what shapely's
    ``centroid`` gives, so both geometries centre their plane on the same point."""
    total = sx = sy = 0.0
    for polygon in polygons:
        for i, ring in enumerate(polygon):
            a, cx, cy = _ring_area_centroid(ring)
            sign = 1.0 if (a >= 0) == (i == 0) else -1.0  # exterior adds, holes subtract
            total += sign * a
            sx += sign * cx
            sy += sign * cy
    if total == 0:
        raise PlacesError("the boundary has no area")
    return sy / total, sx / total


# ------------------------------------------------------------------------------ geometry


class _Shape:
    """Polygons in local metres: an even-odd point test and the distance to the rings."""

    __slots__ = ("bbox", "rings")

    def __init__(self, rings: list[list[Point]]) -> None:
        self.rings = rings
        xs = [x for ring in rings for x, _ in ring]
        ys = [y for ring in rings for _, y in ring]
        self.bbox = (min(xs), min(ys), max(xs), max(ys))

    def inside(self, x: float, y: float) -> bool:
        """The even-odd ray test (points exactly on an edge may go either way)."""
        x0, y0, x1, y1 = self.bbox
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            return False
        inside = False
        for ring in self.rings:
            ax, ay = ring[-1]
            for bx, by in ring:
                if (by > y) != (ay > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                    inside = not inside
                ax, ay = bx, by
        return inside

    def bbox_distance(self, x: float, y: float) -> float:
        x0, y0, x1, y1 = self.bbox
        return math.hypot(max(x0 - x, 0.0, x - x1), max(y0 - y, 0.0, y - y1))

    def distance(self, x: float, y: float) -> float:
        """Distance from (x, y) to the nearest ring edge."""
        best = math.inf  # squared
        for ring in self.rings:
            ax, ay = ring[-1]
            for bx, by in ring:
                dx, dy = bx - ax, by - ay
                length2 = dx * dx + dy * dy
                t = 0.0 if length2 == 0 else ((x - ax) * dx + (y - ay) * dy) / length2
                t = 0.0 if t < 0 else 1.0 if t > 1 else t
                ex, ey = x - (ax + t * dx), y - (ay + t * dy)
                d2 = ex * ex + ey * ey
                if d2 < best:
                    best = d2
                ax, ay = bx, by
        return math.sqrt(best)

    def distance_outside(self, x: float, y: float) -> float:
        return 0.0 if self.inside(x, y) else self.distance(x, y)  # 0 on the boundary too


class CityPlaces:
    """A city's boundary and its desa/kelurahan, for ``locate`` (see the module docstring)."""

    def __init__(
        self,
        boundary: Sequence[Sequence[Ring]],
        subdistricts: Iterable[tuple[Sequence[Sequence[Ring]], Subdistrict]] = (),
        *,
        tolerance_m: float = 50.0,
    ) -> None:
        if not (math.isfinite(tolerance_m) and tolerance_m >= 0):
            raise ValueError(f"tolerance_m must be a finite number >= 0, got {tolerance_m!r}")
        if not boundary:
            raise PlacesError("the city boundary holds no polygon")
        self.tolerance_m = float(tolerance_m)
        self.plane = TangentPlane(*area_centroid(boundary))
        self._boundary = self._shape(boundary)
        self._subdistricts = [(self._shape(polys), info) for polys, info in subdistricts]

    def _shape(self, polygons: Sequence[Sequence[Ring]]) -> _Shape:
        lat0, lon0 = self.plane.lat0, self.plane.lon0
        sx, sy = self.plane.m_per_deg_lon, self.plane.m_per_deg_lat
        return _Shape(
            [
                [((p[0] - lon0) * sx, (p[1] - lat0) * sy) for p in ring]
                for poly in polygons
                for ring in poly
            ]
        )

    @classmethod
    def from_files(
        cls, boundary: Path, subdistricts: Path | None = None, *, tolerance_m: float = 50.0
    ) -> CityPlaces:
        """Load a boundary GeoJSON (its polygons together) and optional desa/kelurahan GeoJSON
        (features without a village code are ignored)."""
        outline = [p for polys, _ in _features(_read(boundary), boundary) for p in polys]
        subs: list[tuple[list[list[Ring]], Subdistrict]] = []
        if subdistricts is not None:
            for polys, props in _features(_read(subdistricts), subdistricts):
                info = subdistrict_from_properties(props)
                if info is not None:
                    subs.append((polys, info))
            if not subs:
                raise PlacesError(f"{subdistricts}: no feature carries a village code")
        return cls(outline, subs, tolerance_m=tolerance_m)

    @classmethod
    def for_city(cls, city: City) -> CityPlaces:
        """The city's own boundary and sub-districts, with its GPS tolerance."""
        return cls.from_files(
            city.boundary_path,
            city.subdistricts_path,
            tolerance_m=city.photo_checks.gps_tolerance_m,
        )

    @property
    def has_subdistricts(self) -> bool:
        return bool(self._subdistricts)

    def subdistrict_names(self) -> dict[str, dict[str, str]]:
        """Desa code -> its names (as ``subdistrict_names`` reads them from the file)."""
        names: dict[str, dict[str, str]] = {}
        for _, info in self._subdistricts:
            names.setdefault(info.village_code, info.as_mapping())
        return names

    def distance_outside_m(self, lat: float, lon: float) -> float:
        """0.0 inside (or on) the boundary; else metres to the boundary."""
        check_lat_lon(lat, lon)
        return self._boundary.distance_outside(*self.plane.xy(lat, lon))

    def subdistrict(self, lat: float, lon: float) -> Subdistrict | None:
        """The desa/kelurahan holding the point, else the nearest within the tolerance."""
        check_lat_lon(lat, lon)
        x, y = self.plane.xy(lat, lon)
        for shape, info in self._subdistricts:
            if shape.inside(x, y):
                return info
        # On an edge, or in no desa: the nearest; between desa equally near (within 1 mm: a
        # shared vertex or edge), the first in file order.
        best, best_d = None, self.tolerance_m + _TIE_M
        for shape, info in self._subdistricts:
            if shape.bbox_distance(x, y) < best_d - _TIE_M:
                d = shape.distance(x, y)
                if d < best_d - _TIE_M:
                    best, best_d = info, d
        return best

    def locate(self, lat: float, lon: float) -> PlaceFix:
        distance = self.distance_outside_m(lat, lon)
        within = distance <= self.tolerance_m
        place = self.subdistrict(lat, lon) if within and self._subdistricts else None
        return PlaceFix(
            distance_outside_m=distance,
            within_city=within,
            subdistrict=place.as_mapping() if place else None,
        )
