"""Counters are per city-local day, per agency, category, kind and for the whole city."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sikemas.domain.counters import counter_increments
from sikemas.domain.report import Actor, Status, transition
from tests.unit.domain.test_report_states import a_report

WITA = ZoneInfo("Asia/Makassar")


def test_a_transition_late_in_the_utc_day_counts_on_the_next_city_day():
    # 17:30 UTC is 01:30 the next day in Kotamobagu (UTC+8).
    at = datetime(2026, 11, 28, 17, 30, tzinfo=UTC)
    t = transition(a_report(Status.VERIFYING), Status.ASSIGNED, at=at, actor=Actor.PHOTO_CHECKS)

    incs = counter_increments(t, WITA)

    assert {i.day for i in incs} == {date(2026, 11, 29)}
    assert {(i.dimension, i.value) for i in incs} == {
        ("city", "all"),
        ("agency", "DLH"),
        ("category", "sampah"),
        ("kind", "complaint"),
    }
    assert {i.field for i in incs} == {"entered_assigned"}
    assert all(i.amount == 1 for i in incs)
