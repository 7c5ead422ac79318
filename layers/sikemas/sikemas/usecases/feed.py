"""The public map feed (``GET /v1/reports``): public reports in a bbox, newest first, a page at a
time, read through the index of geohash cells (``ByCell``), never by a scan.

Only what ``Report.is_public`` admits is ever in the index; the bbox is matched against the
location the public sees (an anonymous report's rounded one), so a shrinking bbox cannot
locate an anonymous reporter more closely than its public view does.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sikemas.city import City
from sikemas.domain.report import PUBLIC_STATES, Privacy, Report, Status
from sikemas.errors import InvalidCursor, InvalidRequest, UnknownCategory, UnknownParameter
from sikemas.geohash import cells_covering
from sikemas.ports import ReportRepository

PARAMETERS = frozenset({"bbox", "status", "category", "since", "limit", "cursor"})
LIMIT_DEFAULT = 50
LIMIT_MAX = 100
MAX_CELLS = 64  # about 40 km square: a city and its surroundings, never a province
_MAX_CURSOR_CHARS = 512
_SORT_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T[0-9:.+\-Z]{8,32}#[0-9A-Z]{26}$")
_PUBLIC_STATUSES = sorted(s.value for s in PUBLIC_STATES)


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    def contains(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon


@dataclass(frozen=True)
class FeedQuery:
    bbox: BBox
    cells: tuple[str, ...]
    status: Status | None
    category: str | None
    since: datetime | None
    limit: int
    before: str | None


@dataclass(frozen=True)
class FeedPage:
    reports: list[Report]
    cursor: str | None


def public_point(r: Report) -> tuple[float, float] | None:
    """The (lat, lon) anyone may see: rounded to about 100 m for an anonymous report (as
    ``views.public_view``)."""
    if r.location is None:
        return None
    digits = 3 if r.privacy is Privacy.ANONYMOUS else 5
    return round(r.location.lat, digits), round(r.location.lon, digits)


def _bad(field: str, issue: str, **values: object) -> InvalidRequest:
    return InvalidRequest(
        message_id=f"Parameter '{field}' tidak valid.",
        message_en=f"The query parameter '{field}' is not valid.",
        details=[{"field": field, "issue": issue, **values}],
    )


def _bbox(raw: str | None) -> BBox:
    if raw is None:
        raise _bad("bbox", "missing", format="minLon,minLat,maxLon,maxLat")
    parts = raw.split(",")
    try:
        if len(parts) != 4:
            raise ValueError(raw)
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise _bad("bbox", "format", format="minLon,minLat,maxLon,maxLat") from None
    values = (min_lon, min_lat, max_lon, max_lat)
    if not all(math.isfinite(v) for v in values):
        raise _bad("bbox", "format", format="minLon,minLat,maxLon,maxLat")
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise _bad("bbox", "out_of_range")
    return BBox(*values)


def _since(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        if len(raw) > 40:
            raise ValueError(raw)
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise _bad("since", "not_a_date", format="ISO 8601") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _limit(raw: str | None) -> int:
    if raw is None:
        return LIMIT_DEFAULT
    if not re.fullmatch(r"\d{1,4}", raw) or not 1 <= int(raw) <= LIMIT_MAX:
        raise _bad("limit", "out_of_range", min=1, max=LIMIT_MAX)
    return int(raw)


def encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"before": sort_key}).encode()).decode()


def decode_cursor(cursor: str) -> str:
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise InvalidCursor
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidCursor from None
    before = plain.get("before") if isinstance(plain, dict) else None
    if set(plain) != {"before"} or not isinstance(before, str) or not _SORT_KEY.match(before):
        raise InvalidCursor
    return before


def parse_query(params: Mapping[str, str], city: City) -> FeedQuery:
    unknown = sorted(set(params) - PARAMETERS)
    if unknown:
        raise UnknownParameter(
            details=[{"field": name[:64], "issue": "unknown_parameter"} for name in unknown]
        )
    bbox = _bbox(params.get("bbox"))
    cells = cells_covering(bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat, limit=MAX_CELLS)
    if cells is None:
        raise _bad("bbox", "too_large", max_cells=MAX_CELLS)
    status: Status | None = None
    raw_status = params.get("status")
    if raw_status is not None:
        if raw_status not in _PUBLIC_STATUSES:
            raise _bad("status", "enum", allowed=_PUBLIC_STATUSES)
        status = Status(raw_status)
    category = params.get("category")
    if category is not None and category not in city.categories:
        raise UnknownCategory(details=[{"field": "category", "issue": "unknown"}])
    cursor = params.get("cursor")
    return FeedQuery(
        bbox=bbox,
        cells=tuple(cells),
        status=status,
        category=category,
        since=_since(params.get("since")),
        limit=_limit(params.get("limit")),
        before=decode_cursor(cursor) if cursor else None,
    )


class Feed:
    def __init__(self, repo: ReportRepository, city: City) -> None:
        self._repo = repo
        self._city = city

    def page(self, params: Mapping[str, str]) -> FeedPage:
        q = parse_query(params, self._city)

        def keep(r: Report) -> bool:
            point = public_point(r)
            return (
                r.is_public  # the index holds public reports only; checked again all the same
                and point is not None
                and q.bbox.contains(*point)
                and (q.status is None or r.status is q.status)
                and (q.category is None or r.category == q.category)
            )

        found = self._repo.list_public_in_cells(
            q.cells, q.limit, before=q.before, since=q.since, keep=keep
        )
        cursor = encode_cursor(found[-1][0]) if len(found) == q.limit else None
        return FeedPage(reports=[r for _, r in found], cursor=cursor)
