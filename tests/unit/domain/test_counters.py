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

    incs = _net(counter_increments(t, WITA))

    flows = {k: n for k, n in incs.items() if not k[3].startswith("state_")}
    assert flows == {
        (date(2026, 11, 29), "agency", "DLH", "entered_assigned"): 1,
        (date(2026, 11, 29), "agency", "DLH", "complaint_entered_assigned"): 1,
        (date(2026, 11, 29), "category", "sampah", "entered_assigned"): 1,
        (date(2026, 11, 29), "agency", "DLH", "routed"): 1,
        (date(2026, 11, 29), "category", "sampah", "routed"): 1,
    }
    # The state moves sit on the day it was received (its created_at, in city time).
    created = t.after.created_at.astimezone(WITA).date()
    assert {k: n for k, n in incs.items() if k[3].startswith("state_")} == {
        (created, "agency", "DLH", "state_verifying"): -1,
        (created, "agency", "DLH", "state_assigned"): 1,
        (created, "category", "sampah", "state_verifying"): -1,
        (created, "category", "sampah", "state_assigned"): 1,
    }


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
    assert _net(counter_increments(flagged, WITA)) == {}


def test_an_overdue_event_counts_once_on_its_agency_and_category():
    at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    overdue = amend(a_report(Status.ASSIGNED), EventType.OVERDUE, at=at, actor=Actor.SYSTEM)
    assert _net(counter_increments(overdue, WITA)) == {
        (date(2026, 11, 28), "agency", "DLH", "overdue"): 1,
        (date(2026, 11, 28), "category", "sampah", "overdue"): 1,
    }


def _net(incs):
    """The increments as the adapter writes them: summed per row and field, zeros dropped."""
    net: dict[tuple, int] = {}
    for i in incs:
        key = (i.day, i.dimension.value, i.value, i.field)
        net[key] = net.get(key, 0) + i.amount
    return {k: n for k, n in net.items() if n}
