"""``bin/sikemas holidays --year YYYY [--city CODE]``: a year's national non-working days.

Indonesia's national holidays (``public``) and the government's cuti bersama days
(``government``) come from the maintained ``holidays`` package and are written to
``cities/<city>/holidays/<year>.json``, with the package and its version noted. The Lambda layer
reads only these JSON files (``sikemas.city_calendar``): the package never ships in it and never
costs the API's cold start. ``tests/unit/test_holidays_data.py`` checks that every committed file
equals the package's answer, so upgrading the package without regenerating fails a test.

This module does not import ``sikemas_tools.cli`` (the CLI imports it to register the command).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

COUNTRY = "ID"
# The package's Indonesian categories: national holidays and the government's cuti bersama.
CATEGORIES = ("public", "government")
KIND = {"public": "national_holiday", "government": "cuti_bersama"}
FIRST_YEAR, LAST_YEAR = 2000, 2100
EXIT_BAD_INPUT = 2
EXIT_FAILED = 1
DEFAULT_CITIES_DIR = Path(__file__).resolve().parents[2] / "cities"


def national_days(year: int, city: str) -> dict[str, Any]:
    """The year's national non-working days as the JSON document the layer reads."""
    import holidays  # imported here: an operator tool's dependency, never the layer's

    def calendar(category: str, language: str) -> dict[Any, str]:
        return dict(
            holidays.country_holidays(
                COUNTRY, years=year, categories=(category,), language=language
            )
        )

    days: list[dict[str, Any]] = []
    for category in CATEGORIES:
        names_id, names_en = calendar(category, "id"), calendar(category, "en_US")
        for day in sorted(names_id):
            days.append(
                {
                    "date": day.isoformat(),
                    "name": names_id[day],
                    "name_en": names_en[day],
                    "kind": KIND[category],
                }
            )
    days.sort(key=lambda d: (d["date"], d["kind"]))
    return {
        "year": year,
        "country": COUNTRY,
        "source": {
            "package": "holidays",
            "version": metadata.version("holidays"),
            "categories": list(CATEGORIES),
        },
        "generated_by": f"bin/sikemas holidays --year {year} --city {city}",
        "note": (
            "Generated; do not edit. The city's own days go to city.json holidays.add/remove. "
            "Dates marked (perkiraan)/(estimated) follow the Islamic calendar and may move: "
            "regenerate after upgrading the package."
        ),
        "days": days,
    }


def register_holidays(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "holidays",
        help="write a year's national holidays and cuti bersama into a city folder",
        description=(
            "Generate Indonesia's national holidays and the government's cuti bersama days for "
            "YEAR from the `holidays` package into cities/<city>/holidays/<YEAR>.json, the "
            "calendar the deadlines count working days with (the city's own days stay in "
            "city.json)."
        ),
    )
    p.add_argument("--year", type=int, required=True, help="calendar year, e.g. 2027")
    p.add_argument(
        "--city", default="kotamobagu", help="city code (folder name); default %(default)s"
    )
    p.add_argument(
        "--cities-dir",
        type=Path,
        default=DEFAULT_CITIES_DIR,
        help="folder holding the city folders; default: the repository's cities/",
    )
    p.set_defaults(func=write_holidays)


def _fail(pesan: str, message: str, code: int = EXIT_BAD_INPUT) -> int:
    sys.stderr.write(f"sikemas: {pesan} / {message}\n")
    return code


def write_holidays(args: argparse.Namespace) -> int:
    year: int = args.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return _fail(
            f"tahun {year} di luar {FIRST_YEAR}-{LAST_YEAR}",
            f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}",
        )
    city_dir: Path = args.cities_dir / args.city
    if not (city_dir / "city.json").is_file():
        return _fail(
            f"kota {args.city!r} tidak ditemukan di {args.cities_dir}",
            f"no city {args.city!r} under {args.cities_dir} (no city.json)",
        )
    document = national_days(year, args.city)
    path = city_dir / "holidays" / f"{year}.json"
    try:
        path.parent.mkdir(exist_ok=True)
        _write_atomically(path, render(document))
    except OSError as exc:
        return _fail(f"tidak dapat menulis {path}", f"cannot write {path}: {exc}", EXIT_FAILED)
    kinds = [d["kind"] for d in document["days"]]
    summary = {
        "file": str(path),
        "year": year,
        "national_holiday": kinds.count("national_holiday"),
        "cuti_bersama": kinds.count("cuti_bersama"),
        "source": document["source"],
    }
    sys.stdout.write(json.dumps(summary, ensure_ascii=False) + "\n")
    return 0


def render(document: dict[str, Any]) -> str:
    """One day per line, so a regenerated year reads well in a diff."""
    head = {k: v for k, v in document.items() if k != "days"}
    lines = [json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ","]
    lines.append('  "days": [')
    rows = [json.dumps(d, ensure_ascii=False) for d in document["days"]]
    lines.extend(f"    {row}," for row in rows[:-1])
    lines.extend(f"    {row}" for row in rows[-1:])
    lines.append("  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
