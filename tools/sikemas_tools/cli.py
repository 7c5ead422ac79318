"""The operator command line, ``bin/sikemas <command> ...``.

Commands register themselves in ``COMMANDS``: each is a function that adds one argparse
sub-parser and sets ``func`` (a ``Command``) as its default (``import-boundary``,
``inspect-photo``); a new command writes its ``_register_...`` and appends it to ``COMMANDS``.

A command returns the process exit code. Expected failures raise ``CliError`` and are printed as
one line, in Indonesian and English, with exit code 2 (bad input); nothing prints a traceback.
Output for the operator (a JSON summary) goes to stdout, messages to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from sikemas.city import CityConfigError, load_city
from sikemas.domain.photo_verdict import FILE_UNREADABLE, Claim, describe, judge
from sikemas.geo import (
    DISTRICT_NAME_KEYS,
    VILLAGE_NAME_KEYS,
    CityArea,
    GeometryError,
    LocalProjection,
    PolygonFeature,
    SwappedCoordinatesError,
    drop_slivers,
    polygon_features,
    polygonal_part,
    repair,
    subdistrict_from_properties,
    vertex_count,
)
from sikemas.geodesy import check_lat_lon
from sikemas.photo.reading import DEFAULT_MAX_BYTES, read_photo, refused
from sikemas_tools.national_holidays import register_holidays

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

Command = Callable[[argparse.Namespace], int]
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
# tools/sikemas_tools/cli.py -> the repository root; the CLI runs from a checkout.
DEFAULT_CITIES_DIR = Path(__file__).resolve().parents[2] / "cities"
# A new boundary this far from the current one is probably another place (or swapped lat/lon).
MAX_SHIFT_M = 50_000.0


class CliError(Exception):
    """An expected failure: printed as ``sikemas: <Indonesian> / <English>``."""

    def __init__(self, pesan: str, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(f"{pesan} / {message}")
        self.exit_code = exit_code


# --------------------------------------------------------------------------- import-boundary


@dataclass(frozen=True)
class _Cleaned:
    geometry: BaseGeometry  # lon/lat
    vertices_before: int
    repaired: bool
    slivers_dropped: int


def _add_city_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--city", default="kotamobagu", help="city code (folder name); default %(default)s"
    )
    p.add_argument(
        "--cities-dir",
        type=Path,
        default=DEFAULT_CITIES_DIR,
        help="folder holding the city folders; default: the repository's cities/",
    )


def _register_import_boundary(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    p = subparsers.add_parser(
        "import-boundary",
        help="load an official GeoJSON boundary into a city folder",
        description=(
            "Validate, repair and simplify a GeoJSON boundary (WGS84, [lon, lat]) and write it "
            "to cities/<city>/boundary.geojson, or with --subdistricts the kelurahan/desa "
            "polygons to cities/<city>/subdistricts.geojson (and set it in city.json)."
        ),
    )
    p.add_argument("file", type=Path, help="GeoJSON FeatureCollection, Feature or (Multi)Polygon")
    _add_city_arguments(p)
    p.add_argument(
        "--tolerance-m",
        type=float,
        default=10.0,
        help="simplification tolerance in metres (0 keeps every vertex); default %(default)s",
    )
    p.add_argument(
        "--min-area-m2",
        type=float,
        default=2500.0,
        help="drop polygon parts and holes smaller than this (slivers); default %(default)s",
    )
    p.add_argument(
        "--subdistricts",
        action="store_true",
        help="FILE holds kelurahan/desa polygons with codes and names, not the city boundary",
    )
    p.add_argument(
        "--districts",
        type=Path,
        help="with --subdistricts: kecamatan GeoJSON whose features give the district names",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=f"accept a boundary more than {MAX_SHIFT_M / 1000:.0f} km from the current one",
    )
    p.set_defaults(func=import_boundary)


def import_boundary(args: argparse.Namespace) -> int:
    city_dir: Path = args.cities_dir / args.city
    city_json = city_dir / "city.json"
    if not city_json.is_file():
        raise CliError(
            f"kota {args.city!r} tidak ditemukan ({city_json} tidak ada)",
            f"city {args.city!r} not found ({city_json} does not exist)",
        )
    if not math.isfinite(args.tolerance_m) or args.tolerance_m < 0:
        raise CliError("--tolerance-m harus >= 0", "--tolerance-m must be >= 0")
    if not math.isfinite(args.min_area_m2) or args.min_area_m2 < 0:
        raise CliError("--min-area-m2 harus >= 0", "--min-area-m2 must be >= 0")
    if args.districts is not None and not args.subdistricts:
        raise CliError(
            "--districts hanya berlaku bersama --subdistricts",
            "--districts only applies with --subdistricts",
        )
    features = _read_features(args.file)
    union = polygonal_part(shapely.union_all([repair(f.geometry)[0] for f in features]))
    if union.is_empty or union.area == 0:
        raise CliError(
            "tidak ada poligon yang memiliki luas", "no polygon with a non-zero area in the file"
        )
    if not args.force:
        _check_near_current(union, city_dir, city_json)
    if args.subdistricts:
        summary = _import_subdistricts(features, args, city_dir, city_json)
    else:
        summary = _import_city_boundary(features, args, city_dir)
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0


def _read_features(path: Path) -> list[PolygonFeature]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(
            f"berkas {path} tidak dapat dibaca", f"cannot read {path}: {exc.__class__.__name__}"
        ) from exc
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CliError(
            f"berkas {path} bukan JSON yang sah", f"{path} is not valid JSON ({exc})"
        ) from exc
    try:
        return polygon_features(data)
    except SwappedCoordinatesError as exc:
        raise CliError(
            "urutan koordinat tertukar: GeoJSON memakai [bujur, lintang]", str(exc)
        ) from exc
    except GeometryError as exc:
        raise CliError(f"berkas {path} bukan batas wilayah GeoJSON yang sah", str(exc)) from exc


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
        raise CliError(
            "urutan koordinat tampaknya tertukar (lintang/bujur): GeoJSON memakai [bujur, lintang]",
            "coordinates look swapped: GeoJSON positions are [lon, lat], this file has [lat, lon]",
        )
    km = current.distance_outside_m(c.y, c.x) / 1000
    raise CliError(
        f"batas baru berjarak {km:.0f} km dari batas kota saat ini (pakai --force bila benar)",
        f"the new boundary is {km:.0f} km from the city's current one (use --force if intended)",
    )


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


def _import_city_boundary(
    features: list[PolygonFeature], args: argparse.Namespace, city_dir: Path
) -> dict[str, Any]:
    geometries = [f.geometry for f in features]
    projection = LocalProjection.around(
        polygonal_part(shapely.union_all([repair(g)[0] for g in geometries]))
    )
    cleaned = _clean(geometries, projection, args.min_area_m2)
    if cleaned.geometry.is_empty:
        raise CliError(
            "tidak ada poligon tersisa setelah perbaikan", "no polygon left after repair"
        )
    result = _finish(_simplify(cleaned.geometry, args.tolerance_m), projection)
    if result.is_empty:
        raise CliError("poligon hilang saat disederhanakan", "the polygon vanished when simplified")
    area_km2 = CityArea(result).area_km2
    out = city_dir / "boundary.geojson"
    properties = {
        "approximate": False,
        "source_file": args.file.name,
        "imported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "simplify_tolerance_m": args.tolerance_m,
        "area_km2": round(area_km2, 3),
        "note": "imported with bin/sikemas import-boundary",
    }
    _write_json(out, _feature_collection([(result, properties)]))
    return {
        "written": str(out),
        "kind": "boundary",
        "features_in": len(features),
        "vertices_before": cleaned.vertices_before,
        "vertices_after": vertex_count(result),
        "area_km2": round(area_km2, 3),
        "repaired": cleaned.repaired,
        "slivers_dropped": cleaned.slivers_dropped,
        "tolerance_m": args.tolerance_m,
    }


def _first_value(props: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    return next((str(props[k]) for k in keys if props.get(k)), None)


def _district_names(path: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for f in _read_features(path):
        code = _first_value(f.properties, ("district_code", "kode_kemendagri", "kode"))
        name = _first_value(f.properties, (*DISTRICT_NAME_KEYS, *VILLAGE_NAME_KEYS))
        if code and name:
            names[code] = name
    if not names:
        raise CliError(
            f"{path}: tidak ada kode dan nama kecamatan", f"{path}: no district codes and names"
        )
    return names


def _import_subdistricts(
    features: list[PolygonFeature], args: argparse.Namespace, city_dir: Path, city_json: Path
) -> dict[str, Any]:
    district_names = _district_names(args.districts) if args.districts else {}
    # One village may come as several features (parts): merge them by code.
    by_code: dict[str, tuple[dict[str, Any], list[BaseGeometry]]] = {}
    for i, f in enumerate(features):
        info = subdistrict_from_properties(f.properties)
        if info is None:
            raise CliError(
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
    projection = LocalProjection.around(
        polygonal_part(shapely.union_all([repair(f.geometry)[0] for f in features]))
    )
    cleaned = {
        code: _clean(geoms, projection, args.min_area_m2) for code, (_, geoms) in by_code.items()
    }
    empty = [code for code, c in cleaned.items() if c.geometry.is_empty]
    if empty:
        raise CliError(
            f"poligon desa/kelurahan kosong setelah perbaikan: {', '.join(empty)}",
            f"village polygons empty after repair: {', '.join(empty)}",
        )
    codes = list(cleaned)
    metres = [cleaned[c].geometry for c in codes]
    coverage = bool(shapely.coverage_is_valid(metres))
    if args.tolerance_m == 0:
        simplified = metres
    elif coverage:  # shared edges stay shared: no new gaps or overlaps between villages
        simplified = list(shapely.coverage_simplify(metres, args.tolerance_m))
    else:
        simplified = [_simplify(g, args.tolerance_m) for g in metres]
    results = [_finish(g, projection) for g in simplified]
    out = city_dir / "subdistricts.geojson"
    _write_json(
        out, _feature_collection([(g, by_code[c][0]) for g, c in zip(results, codes, strict=True)])
    )
    _set_city_key(city_json, "subdistricts", out.name)
    area_km2 = sum(float(g.area) for g in simplified) / 1e6
    return {
        "written": str(out),
        "kind": "subdistricts",
        "features_in": len(features),
        "villages": len(codes),
        "districts": len({by_code[c][0]["district_code"] for c in codes}),
        "coverage_preserved": coverage,
        "vertices_before": sum(c.vertices_before for c in cleaned.values()),
        "vertices_after": sum(vertex_count(g) for g in results),
        "area_km2": round(area_km2, 3),
        "repaired": any(c.repaired for c in cleaned.values()),
        "slivers_dropped": sum(c.slivers_dropped for c in cleaned.values()),
        "tolerance_m": args.tolerance_m,
    }


def _feature_collection(items: Sequence[tuple[BaseGeometry, dict[str, Any]]]) -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": mapping(geom)}
            for geom, props in items
        ],
    }


def _write_json(path: Path, data: Any) -> None:
    _write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _write_text(path: Path, text: str) -> None:
    """Write atomically: a reader never sees half a file."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except OSError as exc:
        raise CliError(
            f"tidak dapat menulis {path}", f"cannot write {path}: {exc}", EXIT_FAILED
        ) from exc


def _set_city_key(city_json: Path, key: str, value: str) -> None:
    """Set a top-level string key in city.json, keeping the file's own layout when possible."""
    text = city_json.read_text(encoding="utf-8")
    pattern = re.compile(rf'^(\s*"{re.escape(key)}"\s*:\s*)(null|"[^"\n]*")', re.MULTILINE)
    new_text, n = pattern.subn(lambda m: m.group(1) + json.dumps(value), text, count=1)
    if n != 1 or json.loads(new_text).get(key) != value:
        raw = json.loads(text)
        raw[key] = value  # keeps key order; a new key goes last
        new_text = json.dumps(raw, ensure_ascii=False, indent=2) + "\n"
    _write_text(city_json, new_text)


# --------------------------------------------------------------------------- inspect-photo

EXIT_SOME_UNREADABLE = 1


def _register_inspect_photo(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    p = subparsers.add_parser(
        "inspect-photo",
        help="run the photo checks on photo files and print one JSON line per file",
        description=(
            "Read each photo's type, EXIF GPS and time taken, and run the same checks as the "
            "photo function (image, gps, inside_city, near_claim, recent). Prints one JSON "
            "object per line per file, whatever the file holds. Exit codes: 0 every file was "
            "read, 1 some file could not be read (it still gets a line), 2 bad arguments. "
            "See docs/photo-checks.md."
        ),
    )
    p.add_argument("files", type=Path, nargs="+", metavar="FILE", help="photo files")
    p.add_argument(
        "--boundary",
        type=Path,
        help="city boundary GeoJSON; default: the city's own (cities/<city>/city.json)",
    )
    p.add_argument(
        "--claimed",
        metavar="LAT,LON[,ACCURACY_M]",
        help="the location the citizen claimed (adds the near_claim check)",
    )
    p.add_argument(
        "--now",
        metavar="ISO-TIME",
        help=(
            "upload time the recent check compares against; default: the present. "
            "A time without an offset is read in the city's timezone"
        ),
    )
    p.add_argument(
        "--no-gps-policy",
        choices=("needs_review", "rejected"),
        default="needs_review",
        help="outcome for a photo without GPS or time (the category's policy); default %(default)s",
    )
    _add_city_arguments(p)
    p.set_defaults(func=_inspect_photo)


def _parse_claimed(text: str) -> Claim:
    parts = text.split(",")
    try:
        if len(parts) not in (2, 3):
            raise ValueError(text)
        numbers = [float(part) for part in parts]
        check_lat_lon(numbers[0], numbers[1])
        if len(numbers) == 3 and not (math.isfinite(numbers[2]) and numbers[2] >= 0):
            raise ValueError(text)
    except ValueError as exc:
        raise CliError(
            f"--claimed harus LINTANG,BUJUR[,AKURASI_M] dalam derajat, bukan {text!r}",
            f"--claimed must be LAT,LON[,ACCURACY_M] in degrees, not {text!r}",
        ) from exc
    return Claim(numbers[0], numbers[1], numbers[2] if len(numbers) == 3 else None)


def _parse_now(text: str | None, city_tz: ZoneInfo) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        now = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise CliError(
            f"--now harus waktu ISO 8601 (mis. 2026-03-02T10:00+08:00), bukan {text!r}",
            f"--now must be an ISO 8601 time (e.g. 2026-03-02T10:00+08:00), not {text!r}",
        ) from exc
    return now if now.tzinfo is not None else now.replace(tzinfo=city_tz)


def _inspect_photo(args: argparse.Namespace) -> int:
    claimed = _parse_claimed(args.claimed) if args.claimed is not None else None
    try:
        city = load_city(args.cities_dir / args.city, boundary_override=args.boundary)
    except CityConfigError as exc:
        raise CliError(f"kota {args.city!r} tidak dapat dimuat", str(exc)) from exc
    now = _parse_now(args.now, city.timezone)
    try:
        area = CityArea.from_geojson(city.boundary_path)
    except GeometryError as exc:
        raise CliError(f"batas kota {city.boundary_path} tidak dapat dipakai", str(exc)) from exc

    unreadable = 0
    for path in args.files:
        try:
            with path.open("rb") as fh:
                data = fh.read(DEFAULT_MAX_BYTES + 1)  # enough to say "too_large"
        except OSError as exc:
            unreadable += 1
            facts = refused(FILE_UNREADABLE)
            error: str | None = exc.__class__.__name__
        else:
            facts = read_photo(data, city.timezone)
            error = None
        verdict = judge(
            facts,
            area=area,
            settings=city.photo_checks,
            no_gps_policy=args.no_gps_policy,
            claimed=claimed,
            uploaded_at=now,
        )
        line: dict[str, Any] = {"file": str(path), **describe(facts, verdict)}
        if error is not None:
            line["error"] = error
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    return EXIT_SOME_UNREADABLE if unreadable else 0


# --------------------------------------------------------------------------- entry point


def _openapi(args: argparse.Namespace) -> int:
    from sikemas_tools import openapi  # pydantic: only for this command

    if args.check:
        if openapi.DOCUMENT.read_text(encoding="utf-8") != openapi.render():
            raise CliError(
                "openapi.json usang: jalankan bin/sikemas openapi",
                "openapi.json is stale: run bin/sikemas openapi",
                EXIT_FAILED,
            )
        sys.stdout.write(f"{openapi.DOCUMENT.relative_to(openapi.ROOT)} is up to date\n")
        return 0
    sys.stdout.write(f"{openapi.write().relative_to(openapi.ROOT)}\n")
    return 0


def _register_openapi(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "openapi",
        help="write the API's OpenAPI document (docs/openapi.json)",
        description="Build the citizen API's OpenAPI 3.1 document from its documentation "
        "models and write it where the API serves it from (docs/openapi.json links there).",
    )
    p.add_argument("--check", action="store_true", help="fail if the committed file is stale")
    p.set_defaults(func=_openapi)


COMMANDS: list[Registrar] = [
    _register_import_boundary,
    _register_inspect_photo,
    _register_openapi,
    register_holidays,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sikemas", description="SIKeMas operator tools (alat operator SIKeMas)"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except CliError as exc:
        sys.stderr.write(f"sikemas: {exc}\n")
        return exc.exit_code
    except Exception as exc:  # an operator tool prints one line, never a traceback
        sys.stderr.write(
            f"sikemas: galat tak terduga / unexpected error: {exc.__class__.__name__}: {exc}\n"
        )
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
