"""What a transition adds to the per-day counters that statistics read. Pure.

One counter row per city-local day and dimension value (agency, category, kind, and the
city as a whole); each transition adds 1 to ``entered_<status>`` on each row. Outcomes
and durations get their own fields later (``resolved_fixed``, ``response_seconds_sum`` …),
on the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sikemas.domain.report import Transition


@dataclass(frozen=True)
class CounterIncrement:
    day: date  # city-local day of the transition
    dimension: str  # "city", "agency", "category" or "kind"
    value: str
    field: str
    amount: int = 1


def counter_increments(t: Transition, tz: ZoneInfo) -> list[CounterIncrement]:
    day = t.event.at.astimezone(tz).date()
    name = f"entered_{t.event.to_status.value}"
    report = t.after
    dims = (
        ("city", "all"),
        ("agency", report.agency),
        ("category", report.category),
        ("kind", report.kind.value),
    )
    return [CounterIncrement(day=day, dimension=d, value=v, field=name) for d, v in dims]
