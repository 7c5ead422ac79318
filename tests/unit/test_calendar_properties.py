"""Properties of the two clocks over 2026-2027 on Kotamobagu's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sikemas.city import load_city
from sikemas.city_calendar import load_working_calendar
from sikemas.domain.calendar import ClockRules, Deadlines

KOTAMOBAGU = Path(__file__).resolve().parents[2] / "cities" / "kotamobagu"
CALENDAR = load_working_calendar(load_city(KOTAMOBAGU), KOTAMOBAGU)
SETTINGS = settings(max_examples=300, deadline=None)

instants = st.datetimes(
    min_value=datetime(2025, 12, 31),  # noqa: DTZ001 (hypothesis bounds are naive)
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
working_days = st.integers(min_value=1, max_value=20)
hours = st.integers(min_value=1, max_value=24 * 7)
rules = st.builds(ClockRules, hours, working_days, st.booleans())


@SETTINGS
@given(instants, working_days)
def test_a_resolution_deadline_is_after_its_start_at_the_close_of_a_working_day(
    start: datetime, n: int
) -> None:
    due = CALENDAR.resolution_due(start, n)
    assert due > start
    assert due.utcoffset() == timedelta(hours=8)
    assert CALENDAR.is_working_day(due.date())
    assert due == CALENDAR.closing_time(due.date())
    # Exactly n working days lie after the routing day, up to and including the due day.
    day, counted = CALENDAR.local(start).date(), 0
    while day < due.date():
        day += timedelta(days=1)
        counted += CALENDAR.is_working_day(day)
    assert counted == n


@SETTINGS
@given(instants, instants, working_days)
def test_a_later_start_never_moves_the_resolution_deadline_earlier(
    a: datetime, b: datetime, n: int
) -> None:
    early, late = sorted((a, b))
    assert CALENDAR.resolution_due(early, n) <= CALENDAR.resolution_due(late, n)


@SETTINGS
@given(instants, instants, rules)
def test_a_later_start_never_moves_either_clock_earlier(
    a: datetime, b: datetime, r: ClockRules
) -> None:
    early, late = sorted((a, b))
    first, second = Deadlines.start(r, early, CALENDAR), Deadlines.start(r, late, CALENDAR)
    assert first.respond_by <= second.respond_by
    assert first.resolve_by <= second.resolve_by
    assert second.respond_by > late
    assert second.resolve_by > late


@SETTINGS
@given(instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30)), rules)
def test_resuming_never_moves_an_unmet_deadline_earlier(
    start: datetime, paused_for: timedelta, r: ClockRules
) -> None:
    d = Deadlines.start(r, start, CALENDAR)
    paused_at = start + timedelta(hours=1)
    resumed = d.pause(paused_at).resume(paused_at + paused_for, r, CALENDAR)
    assert resumed.respond_by >= d.respond_by
    assert resumed.resolve_by >= d.resolve_by
    assert resumed.resolve_by > paused_at + paused_for
    if not r.emergency:
        assert CALENDAR.is_working_day(resumed.resolve_by.date())
