"""What a transition adds to the counters that statistics read. Pure.

Counter rows: one per city-local day and agency, and per day and category (keys in
``adapters/keys.py``: the month's partition ``STATS#<yyyy-mm>``, sort key
``<yyyy-mm-dd>#AGENCY#<code>``). There is no row for the whole city, for a kind or for a
kelurahan: every transition there would write it, and concurrent transactions on one item
conflict (DynamoDB cancels them). The city's totals are the sum of its agencies' rows, a
kelurahan's the sum of its field over the agencies' rows; two reports of different agencies
never write an item in common.

Two families of fields, both exact (written in the transition's own transaction):

- **State counters** (``state_<status>``, ``received``, ``received_<kind>``) sit on the row of
  the day the report was *created*, under its *current* agency and category: every transition
  takes the report's contribution away from where it was and adds it where it is now. So the
  row answers "of the reports received that day, how many are now in each state", duplicates
  never count as received, and a report moved to another agency or category moves with it.
- **Flow counters** sit on the row of the day the event happened, under the report's agency and
  category after it: ``routed``, ``forwarded`` (on the vertical agency's row),
  ``resolved_fixed``, ``resolved_not_fixable`` (never counted as fixed), ``closed``,
  ``rejected`` and ``rejected_<reason>``, ``vertical_<outcome>``, ``reopened``, ``overdue``
  (the watcher's ``overdue`` timeline event), ``responded_timed`` / ``responded_on_time``,
  ``resolved_timed`` / ``resolved_on_time``, and the durations to first response and to
  resolution in hour buckets ``response_h_<edge>`` / ``resolution_h_<edge>`` (``BUCKET_HOURS``;
  ``inf`` beyond the last), so medians and 90th percentiles are exact to the bucket.

The kelurahan/desa a report was located in is a state counter on its agency's row,
``desa_<desa code>`` (received, duplicates apart: the ranking of the kelurahan with the most
reports). It moves with the agency and with the report's ``subdistrict``; a report without one
(no location, or one outside every desa) counts in no kelurahan. A field, not a row of its own:
the rows a period reads stay one per day and agency or category however many reports there
are (a row gains at most one field per desa of the city), and a transition writes no extra
item.

The former ``entered_<status>`` and ``<kind>_entered_<status>`` fields stay as they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sikemas.domain.reasons import Reason
from sikemas.domain.report import Actor, EventType, Report, Status, Transition

# Upper edges of the duration buckets, in hours; a duration d falls in the first edge >= d.
BUCKET_HOURS: tuple[float, ...] = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336, 720, math.inf)
OVERDUE_EVENT = "overdue"  # the watcher's timeline event type (by name)
_ROUTED = frozenset({Status.ASSIGNED, Status.FORWARDED})
_REASONS = frozenset(r.value for r in Reason)


class Dimension(StrEnum):
    AGENCY = "agency"
    CATEGORY = "category"


@dataclass(frozen=True)
class CounterIncrement:
    day: date  # city-local day the figure belongs to
    dimension: Dimension
    value: str
    field: str
    amount: int = 1


@dataclass(frozen=True)
class CounterRow:
    """One stored counter row as read back: its day, dimension, value and fields."""

    day: date
    dimension: Dimension
    value: str
    fields: dict[str, int]


DESA_FIELD = "desa_"  # + the desa code: an agency row's count of a kelurahan's reports


def desa_code(report: Report) -> str | None:
    """The desa/kelurahan code the report was located in, if any."""
    code = (report.subdistrict or {}).get("desa_code")
    return str(code) if code else None


def bucket_name(hours: float) -> str:
    """The bucket a duration falls in: its upper edge (``inf`` past the last finite one)."""
    for edge in BUCKET_HOURS:
        if hours <= edge:
            return "inf" if math.isinf(edge) else f"{edge:g}"
    return "inf"  # pragma: no cover - the last edge is infinite


def bucket_names() -> list[str]:
    return ["inf" if math.isinf(e) else f"{e:g}" for e in BUCKET_HOURS]


def rejection_reasons(reason: str | None, actor: Actor) -> list[str]:
    """A bounded set of reason codes: the photo checks' own codes, ``admin`` for an admin's
    free-text reason, ``other`` otherwise."""
    found = sorted({r for r in (reason or "").split(",") if r in _REASONS})
    if found:
        return found
    return ["admin"] if actor is Actor.ADMIN else ["other"]


def counter_increments(t: Transition, tz: ZoneInfo) -> list[CounterIncrement]:
    """Every counter a transition moves (merged per row by the adapter)."""
    incs = _state_moves(t.before, t.after, tz)
    event = t.event
    day = event.at.astimezone(tz).date()
    report = t.after

    def both(name: str, amount: int = 1) -> None:
        incs.append(CounterIncrement(day, Dimension.AGENCY, report.agency, name, amount))
        incs.append(CounterIncrement(day, Dimension.CATEGORY, report.category, name, amount))

    if event.type.value == OVERDUE_EVENT:
        both("overdue")
        return incs
    if event.type is not EventType.STATUS:
        return incs
    target = event.to_status
    name = f"entered_{target.value}"
    incs.append(CounterIncrement(day, Dimension.AGENCY, report.agency, name))
    incs.append(
        CounterIncrement(day, Dimension.AGENCY, report.agency, f"{report.kind.value}_{name}")
    )
    incs.append(CounterIncrement(day, Dimension.CATEGORY, report.category, name))
    source = event.from_status
    if target in _ROUTED and source is not Status.RESOLVED:
        both("routed")
        if target is Status.FORWARDED:
            both("forwarded")
    if target is Status.RESOLVED and report.outcome is not None:
        both(f"resolved_{report.outcome.value}")
    if target is Status.CLOSED:
        both("closed")
        if source is Status.FORWARDED and report.outcome is not None:
            both(f"vertical_{report.outcome.value}")
    if target is Status.REJECTED:
        both("rejected")
        for code in rejection_reasons(event.reason, event.actor):
            both(f"rejected_{code}")
    if target is Status.ASSIGNED and source is Status.RESOLVED:
        both("reopened")
    before = t.before
    if before is not None:
        _clocks(before, target, event.at, both)
    return incs


def _clocks(before: Report, target: Status, at: datetime, both: Callable[..., None]) -> None:
    """First response (leaving ``assigned`` for work or resolution, its clock not yet met) and
    resolution: on time against the deadlines the report carried, and how long it took since it
    was (last) routed."""
    clocks = before.deadlines
    since = before.routed_at
    first_response = before.status is Status.ASSIGNED and target in {
        Status.IN_PROGRESS,
        Status.RESOLVED,
    }
    if first_response and (clocks is None or clocks.responded_at is None):
        if clocks is not None:
            both("responded_timed")
            if at <= clocks.respond_by:
                both("responded_on_time")
        if since is not None:
            both(f"response_h_{bucket_name(_hours(since, at))}")
    if target is Status.RESOLVED:
        if clocks is not None:
            both("resolved_timed")
            if at <= clocks.resolve_by:
                both("resolved_on_time")
        if since is not None:
            both(f"resolution_h_{bucket_name(_hours(since, at))}")


def _hours(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds(), 0.0) / 3600


def _state_moves(before: Report | None, after: Report, tz: ZoneInfo) -> list[CounterIncrement]:
    """Take the report's state contribution from where it was, add it where it is now."""
    incs: list[CounterIncrement] = []
    for report, sign in ((before, -1), (after, 1)):
        if report is None:
            continue
        day = report.created_at.astimezone(tz).date()
        fields = [f"state_{report.status.value}"]
        if report.status is not Status.DUPLICATE:
            fields += ["received", f"received_{report.kind.value}"]
        for f in fields:
            incs.append(CounterIncrement(day, Dimension.AGENCY, report.agency, f, sign))
            if not f.startswith("received_"):
                incs.append(CounterIncrement(day, Dimension.CATEGORY, report.category, f, sign))
        desa = desa_code(report)
        if desa is not None and report.status is not Status.DUPLICATE:
            field = DESA_FIELD + desa
            incs.append(CounterIncrement(day, Dimension.AGENCY, report.agency, field, sign))
    return incs
