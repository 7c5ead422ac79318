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
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sikemas.city import CityConfigError, load_city
from sikemas.domain.photo_verdict import Claim, findings, judge
from sikemas.domain.reasons import Reason
from sikemas.geo import CityArea, GeometryError
from sikemas.geodesy import check_lat_lon
from sikemas.photo.reading import DEFAULT_MAX_BYTES, read_photo, refused
from sikemas_tools.boundary_import import MAX_SHIFT_M, ImportOptions, ImportRefused
from sikemas_tools.boundary_import import import_boundary as run_import
from sikemas_tools.national_holidays import register_holidays

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

Command = Callable[[argparse.Namespace], int]
Registrar = Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]

EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
# tools/sikemas_tools/cli.py -> the repository root; the CLI runs from a checkout.
DEFAULT_CITIES_DIR = Path(__file__).resolve().parents[2] / "cities"


class CliError(Exception):
    """An expected failure: printed as ``sikemas: <Indonesian> / <English>``."""

    def __init__(self, pesan: str, message: str, exit_code: int = EXIT_BAD_INPUT) -> None:
        super().__init__(f"{pesan} / {message}")
        self.exit_code = exit_code


# --------------------------------------------------------------------------- import-boundary


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
            "polygons to cities/<city>/subdistricts.geojson (and set it in city.json); "
            "--districts also writes the kecamatan polygons to districts.geojson. Each feature "
            "keeps its input properties (provenance: source, licence)."
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
        help=(
            "with --subdistricts: kecamatan GeoJSON whose features give the district names; "
            "written to districts.geojson"
        ),
    )
    p.add_argument(
        "--force",
        action="store_true",
        help=f"accept a boundary more than {MAX_SHIFT_M / 1000:.0f} km from the current one",
    )
    p.set_defaults(func=import_boundary)


def import_boundary(args: argparse.Namespace) -> int:
    options = ImportOptions(
        file=args.file,
        city_dir=args.cities_dir / args.city,
        tolerance_m=args.tolerance_m,
        min_area_m2=args.min_area_m2,
        subdistricts=args.subdistricts,
        districts=args.districts,
        force=args.force,
    )
    try:
        summary = run_import(options)
    except ImportRefused as exc:
        code = EXIT_FAILED if exc.failed else EXIT_BAD_INPUT
        raise CliError(exc.pesan, exc.message, code) from exc
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0


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
            facts = refused(Reason.FILE_UNREADABLE)
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
        line: dict[str, Any] = {"file": str(path), **findings(facts, verdict).to_dict()}
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


MAX_DEMO_REPORTS = 2000  # about an hour of seeding on a laptop


def _bounded_int(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not within {low}-{high}")
        return value

    return parse


def _seed_demo(args: argparse.Namespace) -> int:
    from sikemas_tools.seed_demo import SeedError, seed

    def say(line: str) -> None:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    try:
        summary = seed(
            api=args.api,
            city_dir=args.cities_dir / args.city,
            announcement=args.announcement,
            reports=args.reports,
            seed=args.seed,
            say=say,
        )
    except SeedError as exc:
        raise CliError("pengisian data demo gagal", str(exc), EXIT_FAILED) from None
    sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    return 0


def _register_seed_demo(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "seed-demo",
        help="fill the running local stack with a living demo, through its own API",
        description=(
            "File reports on the running local stack (make run) as citizens, officers and "
            "admins would, moving its clock: a few hundred reports over the last 60 days with "
            "realistic lives (fixed, not fixable, reopened, overdue, forwarded to PDAM, PLN or "
            "the police, pranks refused). --announcement instead reproduces the city's own "
            "first weeks on an empty stack: 93 reports, 53 followed up and closed, 40 about "
            "vertical agencies, all within the last 30 days."
        ),
    )
    p.add_argument(
        "--api",
        default="http://127.0.0.1:3000",
        help="the local stack's URL (its /_local/ helpers are used); default %(default)s",
    )
    p.add_argument(
        "--announcement",
        action="store_true",
        help="reproduce the city's announcement (93 / 53 / 40) on an empty stack",
    )
    p.add_argument(
        "--reports",
        type=_bounded_int(1, MAX_DEMO_REPORTS),
        default=300,
        help=f"how many reports (demo), 1-{MAX_DEMO_REPORTS}; default %(default)s",
    )
    p.add_argument("--seed", type=int, default=93, help="random seed; default %(default)s")
    _add_city_arguments(p)
    p.set_defaults(func=_seed_demo)


COMMANDS: list[Registrar] = [
    _register_import_boundary,
    _register_inspect_photo,
    _register_openapi,
    register_holidays,
    _register_seed_demo,
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
