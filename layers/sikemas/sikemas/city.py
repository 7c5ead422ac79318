"""A city is data, not code: ``cities/<code>/city.json`` plus its boundary GeoJSON.

Pure: reads files, imports no AWS or Powertools, and never reads the environment (the settings
module says where the city lives).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

Jurisdiction = Literal["city", "vertical"]
NoGpsPolicy = Literal["needs_review", "rejected"]
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CityConfigError(ValueError):
    """The city's files are missing or malformed: fail fast at cold start."""


@dataclass(frozen=True)
class Name:
    id: str
    en: str


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    jurisdiction: Jurisdiction


@dataclass(frozen=True)
class Category:
    code: str
    name: Name
    agency: Agency
    requires_photo: bool
    requires_location: bool
    no_gps_policy: NoGpsPolicy
    response_hours: int
    resolution_working_days: int
    emergency: bool = False
    emergency_number: str | None = None


@dataclass(frozen=True)
class PhotoCheckSettings:
    gps_tolerance_m: float = 50.0
    near_claim_radius_m: float = 250.0
    near_claim_max_m: float = 1000.0
    max_age_days: int = 7
    max_clock_skew_minutes: int = 10


@dataclass(frozen=True)
class City:
    code: str
    name: str
    timezone: ZoneInfo
    tracking_prefix: str
    working_hours: dict[int, tuple[time, time]]  # ISO weekday index (0 = Monday) -> (start, end)
    holidays_added: dict[date, str]
    holidays_removed: frozenset[date]
    boundary_path: Path
    subdistricts_path: Path | None
    photo_checks: PhotoCheckSettings
    agencies: dict[str, Agency]
    categories: dict[str, Category] = field(repr=False)
    reopen_days: int = 7  # a resolved report may be reopened by its owner this many days

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.reopen_days)

    def category(self, code: str) -> Category | None:
        return self.categories.get(code)


def load_city(city_dir: Path, boundary_override: Path | None = None) -> City:
    """Load and validate ``city_dir/city.json``; ``boundary_override`` replaces its boundary."""
    path = city_dir / "city.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CityConfigError(f"cannot read {path}: {exc}") from exc
    try:
        return _parse(raw, city_dir, boundary_override)
    except (KeyError, TypeError, ValueError) as exc:
        raise CityConfigError(f"{path}: {exc!r}") from exc


def _parse(raw: dict[str, Any], city_dir: Path, boundary_override: Path | None) -> City:
    agencies: dict[str, Agency] = {}
    for a in raw["agencies"]:
        if a["jurisdiction"] not in ("city", "vertical"):
            raise ValueError(f"agency {a['code']}: jurisdiction must be city or vertical")
        agencies[a["code"]] = Agency(code=a["code"], name=a["name"], jurisdiction=a["jurisdiction"])
    categories: dict[str, Category] = {}
    for c in raw["categories"]:
        if c["agency"] not in agencies:
            raise ValueError(f"category {c['code']}: unknown agency {c['agency']}")
        if c["no_gps_policy"] not in ("needs_review", "rejected"):
            raise ValueError(
                f"category {c['code']}: no_gps_policy must be needs_review or rejected"
            )
        if c["code"] in categories:
            raise ValueError(f"category {c['code']} is defined twice")
        categories[c["code"]] = Category(
            code=c["code"],
            name=Name(id=c["name"]["id"], en=c["name"]["en"]),
            agency=agencies[c["agency"]],
            requires_photo=bool(c["requires_photo"]),
            requires_location=bool(c["requires_location"]),
            no_gps_policy=c["no_gps_policy"],
            response_hours=int(c["response_hours"]),
            resolution_working_days=int(c["resolution_working_days"]),
            emergency=bool(c.get("emergency", False)),
            emergency_number=c.get("emergency_number"),
        )
    hours: dict[int, tuple[time, time]] = {}
    for i, day in enumerate(_WEEKDAYS):
        if day in raw["working_hours"]:
            start, end = raw["working_hours"][day]
            hours[i] = (time.fromisoformat(start), time.fromisoformat(end))
    holidays = raw.get("holidays", {})
    subdistricts = raw.get("subdistricts")
    return City(
        code=raw["code"],
        name=raw["name"],
        timezone=ZoneInfo(raw["timezone"]),
        tracking_prefix=raw["tracking_prefix"],
        working_hours=hours,
        holidays_added={date.fromisoformat(h["date"]): h["name"] for h in holidays.get("add", [])},
        holidays_removed=frozenset(date.fromisoformat(d) for d in holidays.get("remove", [])),
        boundary_path=boundary_override or city_dir / raw["boundary"],
        subdistricts_path=city_dir / subdistricts if subdistricts else None,
        photo_checks=PhotoCheckSettings(**raw.get("photo_checks", {})),
        agencies=agencies,
        categories=categories,
        reopen_days=int(raw.get("reopen_days", 7)),
    )
