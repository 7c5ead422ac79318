"""The city's working calendar from its files: ``city.json``'s working hours and overrides plus
the generated ``holidays/<year>.json`` (``bin/sikemas holidays --year YYYY``).

Pure (reads files, imports no AWS, no environment, and never the ``holidays`` package): a few
kilobytes of JSON, read on first use (``LazyCalendar``), so a cold start that computes no
deadline pays nothing.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import date
from pathlib import Path
from typing import Any

from sikemas.city import City, CityConfigError
from sikemas.domain.calendar import CalendarError, WorkingCalendar

HOLIDAYS_DIR = "holidays"
_YEAR_FILE = re.compile(r"^(\d{4})\.json$")


def load_working_calendar(city: City, city_dir: Path) -> WorkingCalendar:
    """Every generated year under ``city_dir/holidays`` plus the city's hours and overrides."""
    national: dict[date, str] = {}
    years: set[int] = set()
    folder = city_dir / HOLIDAYS_DIR
    paths = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in paths:
        match = _YEAR_FILE.match(path.name)
        if not match:
            continue
        year = int(match.group(1))
        for day, name in _read_year(path, year).items():
            national[day] = f"{national[day]}; {name}" if day in national else name
        years.add(year)
    try:
        return WorkingCalendar(
            timezone=city.timezone,
            working_hours=city.working_hours,
            national=national,
            years=frozenset(years),
            added=city.holidays_added,
            removed=city.holidays_removed,
        )
    except CalendarError as exc:
        raise CityConfigError(f"{city_dir / 'city.json'}: {exc}") from exc


def _read_year(path: Path, year: int) -> dict[date, str]:
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8"))
        if raw["year"] != year:
            raise ValueError(f"holds year {raw['year']}")
        days: dict[date, str] = {}
        for item in raw["days"]:
            day = date.fromisoformat(item["date"])
            if day.year != year:
                raise ValueError(f"day {day} is not in {year}")
            days[day] = f"{days[day]}; {item['name']}" if day in days else str(item["name"])
        return days
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CityConfigError(f"cannot read {path}: {exc!r}") from exc


class LazyCalendar:
    """Loads the calendar the first time a deadline is computed, once per environment."""

    def __init__(self, city: City, city_dir: Path) -> None:
        self._city, self._city_dir = city, city_dir
        self._calendar: WorkingCalendar | None = None
        self._lock = threading.Lock()

    def __call__(self) -> WorkingCalendar:
        if self._calendar is None:
            with self._lock:
                if self._calendar is None:
                    self._calendar = load_working_calendar(self._city, self._city_dir)
        return self._calendar
