"""Counters are per city-local day, per agency (split by kind) and per category; there is no
row every transition in the city writes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sikemas.domain.counters import counter_increments
from sikemas.domain.report import Actor, EventType, Status, amend, transition
from tests.unit.domain.test_report_states import a_report

WITA = ZoneInfo("Asia/Makassar")


def test_a_transition_late_in_the_utc_day_counts_on_the_next_city_day():
    # 17:30 UTC is 01:30 the next day in Kotamobagu (UTC+8).
    at = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)
    t = transition(a_report(Status.VERIFYING), Status.ASSIGNED, at=at, actor=Actor.PHOTO_CHECKS)

    incs = counter_increments(t, WITA)

    assert {i.day for i in incs} == {date(2026, 11, 29)}
    assert {(i.dimension.value, i.value, i.field) for i in incs} == {
        ("agency", "DLH", "entered_assigned"),
        ("agency", "DLH", "complaint_entered_assigned"),
        ("category", "sampah", "entered_assigned"),
    }
    assert all(i.amount == 1 for i in incs)


def test_two_agencies_transitions_touch_no_counter_row_in_common():
    at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    dlh = transition(a_report(Status.VERIFYING), Status.ASSIGNED, at=at, actor=Actor.SYSTEM)
    pupr = transition(
        a_report(Status.VERIFYING, agency="PUPR", category="jalan"),
        Status.ASSIGNED,
        at=at,
        actor=Actor.SYSTEM,
    )

    def rows(t):
        return {(i.day, i.dimension, i.value) for i in counter_increments(t, WITA)}

    assert rows(dlh)
    assert rows(pupr)
    assert rows(dlh).isdisjoint(rows(pupr))


def test_a_change_of_facts_counts_nothing():
    at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    flagged = amend(
        a_report(Status.ASSIGNED), EventType.FLAGGED, at=at, actor=Actor.SYSTEM, suspicious=True
    )
    assert counter_increments(flagged, WITA) == []
