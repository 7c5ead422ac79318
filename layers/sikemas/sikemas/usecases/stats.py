"""The city's figures for a period of city-local days, read from the counter rows only.

One read of the counters (``ReportRepository.counter_rows``: a Query per month the period
touches), never a report: the number of requests does not grow with the number of reports.
What each field means is written in ``sikemas.domain.counters``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sikemas.city import City
from sikemas.domain.counters import BUCKET_HOURS, DESA_FIELD, CounterRow, Dimension, bucket_names
from sikemas.domain.report import AgencyOutcome, Kind, Status
from sikemas.errors import InvalidPeriod, PeriodTooLong, UnknownParameter
from sikemas.ports import ReportRepository

MAX_DAYS = 366
DEFAULT_DAYS = 30
PARAMETERS = frozenset({"from", "to"})
TOP_AGENCIES = 5
TOP_SUBDISTRICTS = 10
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DONE = (Status.RESOLVED, Status.CLOSED)
_VERTICAL_OUTCOMES = (AgencyOutcome.HANDLED, AgencyOutcome.NOT_THEIRS, AgencyOutcome.NOT_FIXABLE)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_period(params: Mapping[str, str], today: date) -> Period:
    """``from`` and ``to`` (``YYYY-MM-DD``, city-local, both included); by default the last 30
    days up to today. A reversed range, one longer than 366 days, a date that is not one, or a
    parameter other than these two is refused."""
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise UnknownParameter(
            details=[{"field": name[:64], "issue": "unknown_parameter"} for name in unknown]
        )
    last = _date(params, "to") or today
    first = _date(params, "from") or (last - timedelta(days=DEFAULT_DAYS - 1))
    if first > last:
        raise InvalidPeriod(
            message_id="Tanggal 'from' setelah tanggal 'to'.",
            message_en="'from' is after 'to'.",
            details=[{"field": "from", "issue": "after_to"}],
        )
    period = Period(first, last)
    if period.days > MAX_DAYS:
        raise PeriodTooLong(details=[{"field": "to", "issue": "too_long", "max_days": MAX_DAYS}])
    return period


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = params.get(name)
    if raw is None:
        return None
    try:
        if not _DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidPeriod(
            details=[{"field": name, "issue": "not_a_date", "format": "YYYY-MM-DD"}]
        ) from None


class Stats:
    def __init__(
        self,
        repo: ReportRepository,
        city: City,
        clock: Callable[[], datetime],
        subdistricts: Mapping[str, Mapping[str, str]] | None = None,
    ):
        """``subdistricts``: desa code -> its ``desa`` and ``kecamatan`` names (the city's
        subdistricts file, as ``sikemas.places.subdistrict_names`` reads it); read from the
        city's file at the first call when not given."""
        self._repo = repo
        self._city = city
        self._clock = clock
        self._subdistricts = subdistricts

    def today(self) -> date:
        return self._clock().astimezone(self._city.timezone).date()

    def figures(self, params: Mapping[str, str]) -> dict[str, Any]:
        period = parse_period(params, self.today())
        rows = self._repo.counter_rows(period.first, period.last)
        if self._subdistricts is None:
            from sikemas.places import subdistrict_names

            self._subdistricts = subdistrict_names(self._city.subdistricts_path)
        return summarise(self._city, period, rows, self._subdistricts)


def summarise(
    city: City,
    period: Period,
    rows: Iterable[CounterRow],
    subdistricts: Mapping[str, Mapping[str, str]] | None = None,
) -> dict[str, Any]:
    """The figures of ``rows`` (the period's counter rows): pure. ``subdistricts`` names the
    desa codes (desa code -> ``desa``, ``kecamatan``); an unknown code is named by itself."""
    by_agency: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_category: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_desa: dict[str, int] = defaultdict(int)
    per_day: dict[date, int] = defaultdict(int)
    for row in rows:
        if not period.first <= row.day <= period.last:
            continue
        target = by_agency if row.dimension is Dimension.AGENCY else by_category
        for name, n in row.fields.items():
            if name.startswith(DESA_FIELD):  # a kelurahan's reports: summed over the agencies
                by_desa[name.removeprefix(DESA_FIELD)] += n
                continue
            target[row.value][name] += n
        if row.dimension is Dimension.AGENCY:
            per_day[row.day] += row.fields.get("received", 0)
    totals: dict[str, int] = defaultdict(int)
    for fields in by_agency.values():
        for name, n in fields.items():
            totals[name] += n

    def jurisdiction(code: str) -> str:
        agency = city.agencies.get(code)
        return agency.jurisdiction if agency else "city"

    agencies = [
        {
            "code": code,
            "name": city.agencies[code].name if code in city.agencies else code,
            "jurisdiction": jurisdiction(code),
            **figures(fields),
        }
        for code, fields in by_agency.items()
    ]
    agencies.sort(key=lambda a: (-a["received"], a["code"]))
    categories = []
    for code, fields in by_category.items():
        category = city.category(code)
        categories.append(
            {
                "code": code,
                "name": {"id": category.name.id, "en": category.name.en} if category else None,
                "agency": category.agency.code if category else None,
                **figures(fields),
            }
        )
    categories.sort(key=lambda c: (-c["received"], c["code"]))
    top = sorted(
        (a for a in agencies if a["jurisdiction"] == "city" and a["complaints"] > 0),
        key=lambda a: (-a["complaints"], a["code"]),
    )[:TOP_AGENCIES]
    vertical = [a for a in agencies if a["jurisdiction"] != "city" and a["received"] > 0]
    done = sum(a["followed_up_and_done"] for a in agencies if a["jurisdiction"] == "city")
    received = totals.get("received", 0)
    vertical_received = sum(a["received"] for a in vertical)
    return {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "days": period.days,
        "timezone": str(city.timezone),
        "summary": sentence(received, done, vertical_received, [a["code"] for a in vertical]),
        "totals": {**figures(totals), "followed_up_and_done": done},
        "top_agencies": [
            {"code": a["code"], "name": a["name"], "complaints": a["complaints"]} for a in top
        ],
        "vertical": {
            "received": vertical_received,
            "agencies": [{"code": a["code"], "received": a["received"]} for a in vertical],
        },
        "per_day": [
            {"date": d.isoformat(), "received": per_day[d]}
            for d in (period.first + timedelta(days=i) for i in range(period.days))
        ],
        "agencies": agencies,
        "categories": categories,
        "subdistricts": ranking(by_desa, subdistricts or {}),
    }


def ranking(
    received: Mapping[str, int], names: Mapping[str, Mapping[str, str]]
) -> list[dict[str, Any]]:
    """The kelurahan/desa with the most reports received in the period, most first (ties by
    code), at most ``TOP_SUBDISTRICTS``."""
    top = sorted(((-n, code) for code, n in received.items() if n > 0))[:TOP_SUBDISTRICTS]
    return [
        {
            "code": code,
            "name": names.get(code, {}).get("desa") or code,
            "kecamatan": names.get(code, {}).get("kecamatan"),
            "received": -negative,
        }
        for negative, code in top
    ]


def figures(f: Mapping[str, int]) -> dict[str, Any]:
    """One row's (or a sum's) figures, by name; what is not counted is 0."""

    def g(name: str) -> int:
        return int(f.get(name, 0))

    rejected_by = {
        name.removeprefix("rejected_"): n
        for name, n in sorted(f.items())
        if name.startswith("rejected_") and n
    }
    return {
        "received": g("received"),
        "complaints": g(f"received_{Kind.COMPLAINT.value}"),
        # Of the reports received in the period, where they are now (duplicates apart).
        "now": {s.value: g(f"state_{s.value}") for s in Status if g(f"state_{s.value}")},
        "followed_up_and_done": sum(g(f"state_{s.value}") for s in _DONE),
        "duplicates": g(f"state_{Status.DUPLICATE.value}"),
        # What happened during the period.
        "routed": g("routed"),
        "forwarded": g("forwarded"),
        "resolved_fixed": g("resolved_fixed"),
        "resolved_not_fixable": g("resolved_not_fixable"),
        "closed": g("closed"),
        "rejected": g("rejected"),
        "rejected_by_reason": rejected_by,
        "vertical_outcomes": {o.value: g(f"vertical_{o.value}") for o in _VERTICAL_OUTCOMES},
        "reopened": g("reopened"),
        "overdue": g("overdue"),
        "on_time": {
            "response": _rate(g("responded_on_time"), g("responded_timed")),
            "resolution": _rate(g("resolved_on_time"), g("resolved_timed")),
        },
        "hours": {
            "response": durations({b: g(f"response_h_{b}") for b in bucket_names()}),
            "resolution": durations({b: g(f"resolution_h_{b}") for b in bucket_names()}),
        },
    }


def _rate(on_time: int, timed: int) -> dict[str, Any]:
    return {
        "on_time": on_time,
        "counted": timed,
        "rate": round(on_time / timed, 4) if timed else None,
    }


def durations(buckets: Mapping[str, int]) -> dict[str, Any]:
    """Median and 90th percentile, exact to the bucket: each is the upper edge (hours) of the
    bucket the middle (the 90th percent) duration falls in; null with no durations, or when
    it lies beyond the last finite edge (``over_hours`` then says which)."""
    names = bucket_names()
    counts = [int(buckets.get(n, 0)) for n in names]
    total = sum(counts)

    def at(share: float) -> float | None:
        if total == 0:
            return None
        rank = max(1, math.ceil(share * total))
        seen = 0
        for edge, n in zip(BUCKET_HOURS, counts, strict=True):
            seen += n
            if seen >= rank:
                return None if math.isinf(edge) else edge
        return None  # pragma: no cover - the counts sum to total

    return {
        "count": total,
        "median_hours": at(0.5),
        "p90_hours": at(0.9),
        "over_hours": BUCKET_HOURS[-2],
        "buckets": [
            {"le_hours": None if math.isinf(e) else e, "count": n}
            for e, n in zip(BUCKET_HOURS, counts, strict=True)
        ],
    }


def sentence(received: int, done: int, vertical: int, codes: list[str]) -> dict[str, str]:
    """The city's own form: "Dari 93 laporan, 53 telah ditindaklanjuti dan selesai; 40
    menyangkut instansi vertikal (PDAM, PLN)." (vertical agencies by their reports, most
    first)."""
    if received == 0:
        return {
            "id": "Belum ada laporan pada periode ini.",
            "en": "No reports in this period.",
        }
    text_id = f"Dari {received} laporan, {done} telah ditindaklanjuti dan selesai"
    text_en = f"Of {received} reports, {done} were followed up and closed"
    if vertical:
        names = ", ".join(codes)
        text_id += f"; {vertical} menyangkut instansi vertikal ({names})"
        text_en += f"; {vertical} concern vertical agencies ({names})"
    return {"id": text_id + ".", "en": text_en + "."}
