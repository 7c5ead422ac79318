"""The boundary-import use case behind ``bin/sikemas import-boundary``: validate, repair and
simplify official GeoJSON polygons and write them into a city folder.

An operator tool, not part of the Lambda layer: it needs shapely and writes files, and no
function ever imports it. ``cli.py`` parses arguments and prints; this module decides.

What it writes (``cities/<city>/``):

- ``boundary.geojson``: the city outline, one feature (the input features unioned);
- ``subdistricts.geojson`` (``subdistricts=True``): one feature per kelurahan/desa, merged by
  code, with ``village_code``, ``village_name``, ``district_code`` and ``district_name`` (from
  ``districts`` when given), and sets ``"subdistricts"`` in ``city.json``;
- ``districts.geojson`` (with ``districts``): the kecamatan polygons, for reference and names,
  and sets ``"districts"`` in ``city.json``. Lookups take the kecamatan from the desa's code, never
  from these (coarser) polygons, so a desa and its kecamatan cannot disagree.

Every written feature keeps its input properties — the provenance (``source``: repository,
commit, licence, decree) travels with the coordinates — and adds what the import did
(``source_file``, ``imported_at``, ``simplify_tolerance_m``, ``area_km2``).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from sikemas.geo import (
    CityArea,
    GeometryError,
    LocalProjection,
    PolygonFeature,
    SwappedCoordinatesError,
    polygon_features,
    polygonal_part,
    repair,
)
from sikemas.places import DISTRICT_NAME_KEYS, VILLAGE_NAME_KEYS, subdistrict_from_properties

# A new boundary this far from the current one is probably another place (or swapped lat/lon).
MAX_SHIFT_M = 50_000.0
# Written files are data for everyone to read (mkstemp would leave them 0600).
FILE_MODE = 0o644


class ImportRefused(Exception):
    """An expected failure, in Indonesian and English; ``failed`` marks a failure to write
    (not bad input)."""

    def __init__(self, pesan: str, message: str, *, failed: bool = False) -> None:
        super().__init__(f"{pesan} / {message}")
        self.pesan, self.message, self.failed = pesan, message, failed


@dataclass(frozen=True)
class ImportOptions:
    file: Path
    city_dir: Path
    tolerance_m: float = 10.0
    min_area_m2: float = 2500.0
    subdistricts: bool = False
    districts: Path | None = None
    force: bool = False


@dataclass(frozen=True)
class _Cleaned:
    geometry: BaseGeometry  # local metres
    vertices_before: int
    repaired: bool
    slivers_dropped: int


def import_boundary(options: ImportOptions) -> dict[str, Any]:
    """Import ``options.file`` into ``options.city_dir``; returns a JSON-able summary."""
    city_json = options.city_dir / "city.json"
    if not city_json.is_file():
        city = options.city_dir.name
        raise ImportRefused(
            f"kota {city!r} tidak ditemukan ({city_json} tidak ada)",
            f"city {city!r} not found ({city_json} does not exist)",
        )
    if not math.isfinite(options.tolerance_m) or options.tolerance_m < 0:
        raise ImportRefused("--tolerance-m harus >= 0", "--tolerance-m must be >= 0")
    if not math.isfinite(options.min_area_m2) or options.min_area_m2 < 0:
        raise ImportRefused("--min-area-m2 harus >= 0", "--min-area-m2 must be >= 0")
    if options.districts is not None and not options.subdistricts:
        raise ImportRefused(
            "--districts hanya berlaku bersama --subdistricts",
            "--districts only applies with --subdistricts",
        )
    features = read_features(options.file)
    union = polygonal_part(shapely.union_all([repair(f.geometry)[0] for f in features]))
    if union.is_empty or union.area == 0:
        raise ImportRefused(
            "tidak ada poligon yang memiliki luas", "no polygon with a non-zero area in the file"
        )
    if not options.force:
        _check_near_current(union, options.city_dir, city_json)
    if options.subdistricts:
        return _import_subdistricts(features, options, city_json)
    return _import_city_boundary(features, options)


def read_features(path: Path) -> list[PolygonFeature]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportRefused(
            f"berkas {path} tidak dapat dibaca", f"cannot read {path}: {exc.__class__.__name__}"
        ) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ImportRefused(
            f"berkas {path} bukan JSON yang sah", f"{path} is not valid JSON ({exc})"
        ) from exc
    try:
        return polygon_features(data)
    except SwappedCoordinatesError as exc:
        raise ImportRefused(
            "urutan koordinat tertukar: GeoJSON memakai [bujur, lintang]", str(exc)
        ) from exc
    except GeometryError as exc:
        raise ImportRefused(
            f"berkas {path} bukan batas wilayah GeoJSON yang sah", str(exc)
        ) from exc


def _check_near_current(new: BaseGeometry, city_dir: Path, city_json: Path) -> None:
    """Refuse a boundary far from the city's current one; say so when lat/lon look swapped."""
    try:
        current_name = json.loads(city_json.read_text(encoding="utf-8")).get("boundary")
        current = CityArea.from_geojson(city_dir / current_name)
    except (OSError, ValueError, TypeError, AttributeError):
        return  # no usable current boundary (a new city): nothing to compare with
    c = new.centroid
    if current.distance_outside_m(c.y, c.x) <= MAX_SHIFT_M:
        return
    swapped = shapely.transform(new, lambda xy: xy[:, ::-1])
    s = swapped.centroid
    if -90 <= s.y <= 90 and current.distance_outside_m(s.y, s.x) <= MAX_SHIFT_M:
        raise ImportRefused(
            "urutan koordinat tampaknya tertukar (lintang/bujur): GeoJSON memakai [bujur, lintang]",
            "coordinates look swapped: GeoJSON positions are [lon, lat], this file has [lat, lon]",
        )
    km = current.distance_outside_m(c.y, c.x) / 1000
    raise ImportRefused(
        f"batas baru berjarak {km:.0f} km dari batas kota saat ini (pakai --force bila benar)",
        f"the new boundary is {km:.0f} km from the city's current one (use --force if intended)",
    )


# ------------------------------------------------------------------------------ geometry


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if not p.is_empty]
    return [p for g in getattr(geometry, "geoms", []) for p in _polygons(g)]


def vertex_count(geometry: BaseGeometry) -> int:
    """Vertices of the polygons' rings, the closing vertex not counted twice."""
    total = 0
    for p in _polygons(geometry):
        for ring in (p.exterior, *p.interiors):
            total += max(len(ring.coords) - 1, 0)
    return total


def drop_slivers(geometry_m: BaseGeometry, min_area_m2: float) -> tuple[BaseGeometry, int]:
    """Remove polygon parts and holes smaller than ``min_area_m2`` (geometry in metres).

    Returns the cleaned geometry and how many parts and holes were dropped.
    """
    kept: list[Polygon] = []
    dropped = 0
    for p in _polygons(geometry_m):
        if p.area < min_area_m2:
            dropped += 1
            continue
        holes = [r for r in p.interiors if Polygon(r).area >= min_area_m2]
        dropped += len(p.interiors) - len(holes)
        kept.append(Polygon(p.exterior, holes))
    if not kept:
        return Polygon(), dropped
    return (kept[0] if len(kept) == 1 else MultiPolygon(kept)), dropped


def _clean(
    geometries: Sequence[BaseGeometry], projection: LocalProjection, min_area_m2: float
) -> _Cleaned:
    """Repair, union and drop slivers of some lon/lat geometries."""
    repaired = False
    parts = []
    for g in geometries:
        fixed, was_repaired = repair(g)
        repaired = repaired or was_repaired
        parts.append(fixed)
    union_m = projection.to_metres(polygonal_part(shapely.union_all(parts)))
    cleaned_m, dropped = drop_slivers(union_m, min_area_m2)
    return _Cleaned(
        geometry=cleaned_m,
        vertices_before=sum(vertex_count(g) for g in geometries),
        repaired=repaired,
        slivers_dropped=dropped,
    )


def _finish(geometry_m: BaseGeometry, projection: LocalProjection) -> BaseGeometry:
    """Metres back to lon/lat: valid, counter-clockwise shells (RFC 7946), 1e-7° (~1 cm) grid."""
    degrees = projection.to_degrees(geometry_m)
    snapped = polygonal_part(shapely.set_precision(degrees, 1e-7))
    if not snapped.is_valid:
        snapped = repair(snapped)[0]
    oriented: BaseGeometry = shapely.orient_polygons(snapped)
    return oriented


def _simplify(geometry_m: BaseGeometry, tolerance_m: float) -> BaseGeometry:
    if tolerance_m == 0:
        return geometry_m
    simplified = geometry_m.simplify(tolerance_m, preserve_topology=True)
    return simplified if simplified.is_valid else repair(simplified)[0]


def _projection_for(features: Sequence[PolygonFeature]) -> LocalProjection:
    return LocalProjection.around(
        polygonal_part(shapely.union_all([repair(f.geometry)[0] for f in features]))
    )


def _import_info(options: ImportOptions, area_m2: float) -> dict[str, Any]:
    return {
        "source_file": options.file.name,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "simplify_tolerance_m": options.tolerance_m,
        "area_km2": round(area_m2 / 1e6, 3),
        "note": "imported with bin/sikemas import-boundary",
    }


# ------------------------------------------------------------------------------ the city outline


def _import_city_boundary(features: list[PolygonFeature], options: ImportOptions) -> dict[str, Any]:
    geometries = [f.geometry for f in features]
    projection = _projection_for(features)
    cleaned = _clean(geometries, projection, options.min_area_m2)
    if cleaned.geometry.is_empty:
        raise ImportRefused(
            "tidak ada poligon tersisa setelah perbaikan", "no polygon left after repair"
        )
    result = _finish(_simplify(cleaned.geometry, options.tolerance_m), projection)
    if result.is_empty:
        raise ImportRefused(
            "poligon hilang saat disederhanakan", "the polygon vanished when simplified"
        )
    area_km2 = CityArea(result).area_km2
    out = options.city_dir / "boundary.geojson"
    properties = {
        **_common_properties([f.properties for f in features]),
        "approximate": False,
        **_import_info(options, area_km2 * 1e6),
    }
    write_json(out, _feature_collection([(result, properties)]))
    return {
        "written": str(out),
        "kind": "boundary",
        "features_in": len(features),
        "vertices_before": cleaned.vertices_before,
        "vertices_after": vertex_count(result),
        "area_km2": round(area_km2, 3),
        "repaired": cleaned.repaired,
        "slivers_dropped": cleaned.slivers_dropped,
        "tolerance_m": options.tolerance_m,
    }


def _common_properties(all_props: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The properties every input feature shares (all of them for a single feature): the
    outline's name, codes and provenance survive the union of its parts."""
    first, *rest = all_props
    return {k: v for k, v in first.items() if all(p.get(k) == v for p in rest)}


# ------------------------------------------------------------------------------ sub-districts


def _first_value(props: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    return next((str(props[k]) for k in keys if props.get(k)), None)


def _district_features(path: Path) -> list[PolygonFeature]:
    features = read_features(path)
    if not any(_district_code(f.properties) for f in features):
        raise ImportRefused(
            f"{path}: tidak ada kode dan nama kecamatan", f"{path}: no district codes and names"
        )
    return features


def _district_code(props: Mapping[str, Any]) -> str | None:
    return _first_value(props, ("district_code", "kode_kemendagri", "kode"))


def _district_name(props: Mapping[str, Any]) -> str | None:
    return _first_value(props, (*DISTRICT_NAME_KEYS, *VILLAGE_NAME_KEYS))


def _import_subdistricts(
    features: list[PolygonFeature], options: ImportOptions, city_json: Path
) -> dict[str, Any]:
    districts = _district_features(options.districts) if options.districts else []
    district_names = {
        code: name
        for f in districts
        if (code := _district_code(f.properties)) and (name := _district_name(f.properties))
    }
    # One village may come as several features (parts): merge them by code.
    by_code: dict[str, tuple[dict[str, Any], list[BaseGeometry]]] = {}
    for i, f in enumerate(features):
        info = subdistrict_from_properties(f.properties)
        if info is None:
            raise ImportRefused(
                f"fitur #{i} tidak punya kode desa/kelurahan",
                f"feature #{i} has no village code (village_code or kode_kemendagri)",
            )
        props = {
            **f.properties,
            "village_code": info.village_code,
            "village_name": info.village_name,
            "district_code": info.district_code,
            "district_name": district_names.get(info.district_code, info.district_name),
        }
        by_code.setdefault(info.village_code, (props, []))[1].append(f.geometry)
    projection = _projection_for(features)
    cleaned = {
        code: _clean(geoms, projection, options.min_area_m2) for code, (_, geoms) in by_code.items()
    }
    empty = [code for code, c in cleaned.items() if c.geometry.is_empty]
    if empty:
        raise ImportRefused(
            f"poligon desa/kelurahan kosong setelah perbaikan: {', '.join(empty)}",
            f"village polygons empty after repair: {', '.join(empty)}",
        )
    codes = list(cleaned)
    metres = [cleaned[c].geometry for c in codes]
    coverage = bool(shapely.coverage_is_valid(metres))
    if options.tolerance_m == 0:
        simplified = metres
    elif coverage:  # shared edges stay shared: no new gaps or overlaps between villages
        simplified = list(shapely.coverage_simplify(metres, options.tolerance_m))
    else:
        simplified = [_simplify(g, options.tolerance_m) for g in metres]
    results = [_finish(g, projection) for g in simplified]
    out = options.city_dir / "subdistricts.geojson"
    write_json(
        out,
        _feature_collection(
            [
                (g, {**by_code[c][0], **_import_info(options, float(m.area))})
                for g, m, c in zip(results, simplified, codes, strict=True)
            ]
        ),
    )
    summary: dict[str, Any] = {
        "written": str(out),
        "kind": "subdistricts",
        "features_in": len(features),
        "villages": len(codes),
        "districts": len({by_code[c][0]["district_code"] for c in codes}),
        "coverage_preserved": coverage,
        "vertices_before": sum(c.vertices_before for c in cleaned.values()),
        "vertices_after": sum(vertex_count(g) for g in results),
        "area_km2": round(sum(float(g.area) for g in simplified) / 1e6, 3),
        "repaired": any(c.repaired for c in cleaned.values()),
        "slivers_dropped": sum(c.slivers_dropped for c in cleaned.values()),
        "tolerance_m": options.tolerance_m,
    }
    if options.districts is not None:
        summary["districts_written"] = str(
            _write_districts(districts, options, projection, options.districts)
        )
        set_city_key(city_json, "districts", "districts.geojson")
    set_city_key(city_json, "subdistricts", out.name)
    return summary


def _write_districts(
    districts: list[PolygonFeature],
    options: ImportOptions,
    projection: LocalProjection,
    source: Path,
) -> Path:
    """The kecamatan polygons, each cleaned and simplified on its own, provenance kept."""
    items: list[tuple[BaseGeometry, dict[str, Any]]] = []
    for f in districts:
        cleaned = _clean([f.geometry], projection, options.min_area_m2)
        if cleaned.geometry.is_empty:
            continue
        simplified = _simplify(cleaned.geometry, options.tolerance_m)
        info = {**_import_info(options, float(simplified.area)), "source_file": source.name}
        props = {
            **f.properties,
            "district_code": _district_code(f.properties),
            "district_name": _district_name(f.properties),
            **info,
        }
        items.append((_finish(simplified, projection), props))
    out = options.city_dir / "districts.geojson"
    write_json(out, _feature_collection(items))
    return out


# ------------------------------------------------------------------------------ files


def _feature_collection(items: Sequence[tuple[BaseGeometry, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for geom, props in items
        ],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """A FeatureCollection with one feature per two lines: its properties, then its geometry
    with compact coordinates (small files, diffs that name the feature that changed)."""
    features = data["features"]
    lines = ['{"type": "FeatureCollection", "features": [']
    for i, f in enumerate(features):
        end = "," if i < len(features) - 1 else ""
        props = json.dumps(f["properties"], ensure_ascii=False)
        geometry = json.dumps(f["geometry"], separators=(",", ":"))
        lines.append(f' {{"type": "Feature", "properties": {props},')
        lines.append(f'  "geometry": {geometry}}}{end}')
    lines.append("]}")
    _write_text(path, "\n".join(lines) + "\n")


def _write_text(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a file."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, FILE_MODE)
        Path(tmp).replace(path)
    except OSError as exc:
        raise ImportRefused(
            f"tidak dapat menulis {path}", f"cannot write {path}: {exc}", failed=True
        ) from exc


def set_city_key(city_json: Path, key: str, value: str) -> None:
    """Set a top-level string key in city.json, keeping the file's own layout: the value is
    replaced in place, or a missing key is added on its own line after ``"boundary"``."""
    text = city_json.read_text(encoding="utf-8")
    pattern = re.compile(rf'^(\s*"{re.escape(key)}"\s*:\s*)(null|"[^"\n]*")', re.MULTILINE)
    new_text, n = pattern.subn(lambda m: m.group(1) + json.dumps(value), text, count=1)
    if n == 0:
        anchor = re.compile(r'^(\s*)"boundary"\s*:\s*"[^"\n]*",[ \t]*\n', re.MULTILINE)
        new_text, n = anchor.subn(
            lambda m: f"{m.group(0)}{m.group(1)}{json.dumps(key)}: {json.dumps(value)},\n",
            text,
            count=1,
        )
    try:
        ok = n == 1 and json.loads(new_text) == {**json.loads(text), key: value}
    except ValueError:
        ok = False
    if not ok:
        raw = json.loads(text)
        raw[key] = value  # keeps key order; a new key goes last
        new_text = json.dumps(raw, ensure_ascii=False, indent=2) + "\n"
    _write_text(city_json, new_text)
