"""What a transition adds to the per-day counters that statistics read. Pure.

One counter row per city-local day and agency, and per day and category; each transition adds
1 to ``entered_<status>`` on both rows, and to ``<kind>_entered_<status>`` on the agency's row
(the split by kind). There is no row for the whole city or for a kind: every transition in the
city would write it, and concurrent transactions on one item conflict (DynamoDB cancels them).
The city's totals are the sum of its agencies' rows for the day (a few dozen items, one query
on ``STATS#<day>``); two reports of different agencies never write an item in common.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from zoneinfo import ZoneInfo

from sikemas.domain.report import EventType, Transition


class Dimension(StrEnum):
    AGENCY = "agency"
    CATEGORY = "category"


@dataclass(frozen=True)
class CounterIncrement:
    day: date  # city-local day of the transition
    dimension: Dimension
    value: str
    field: str
    amount: int = 1


def counter_increments(t: Transition, tz: ZoneInfo) -> list[CounterIncrement]:
    """Only moves between states count; changes of a report's facts (photo kept, flag) do not."""
    if t.event.type is not EventType.STATUS:
        return []
    day = t.event.at.astimezone(tz).date()
    name = f"entered_{t.event.to_status.value}"
    report = t.after
    return [
        CounterIncrement(day, Dimension.AGENCY, report.agency, name),
        CounterIncrement(day, Dimension.AGENCY, report.agency, f"{report.kind.value}_{name}"),
        CounterIncrement(day, Dimension.CATEGORY, report.category, name),
    ]
