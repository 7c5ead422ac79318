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


BIGA = {"desa": "Biga", "desa_code": "71.74.01.1005", "kecamatan": "Kotamobagu Utara"}


def test_two_agencies_transitions_touch_no_counter_row_in_common():
    at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    # Both in the same kelurahan, received the same day: its rows are apart per agency.
    dlh = transition(
        a_report(Status.VERIFYING, subdistrict=BIGA), Status.ASSIGNED, at=at, actor=Actor.SYSTEM
    )
    pupr = transition(
        a_report(Status.VERIFYING, agency="PUPR", category="jalan", subdistrict=BIGA),
        Status.ASSIGNED,
        at=at,
        actor=Actor.SYSTEM,
    )

    def rows(t):
        return {(i.day, i.dimension, i.value) for i in counter_increments(t, WITA)}

    assert rows(dlh)
    assert rows(pupr)
    assert rows(dlh).isdisjoint(rows(pupr))


def test_a_located_report_counts_received_in_its_kelurahan_under_its_agency_and_moves():
    at = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
    report = a_report(Status.NEEDS_REVIEW, subdistrict=BIGA)
    created = report.created_at.astimezone(WITA).date()

    def desa(t):
        net = _net(counter_increments(t, WITA))
        return {
            (day, value, f): n
            for (day, dim, value, f), n in net.items()
            if dim == "agency" and f.startswith("desa_")
        }

    forwarded = transition(report, Status.FORWARDED, at=at, actor=Actor.ADMIN, agency="PDAM")
    assert desa(forwarded) == {
        (created, "DLH", "desa_71.74.01.1005"): -1,
        (created, "PDAM", "desa_71.74.01.1005"): 1,
    }
    duplicate = transition(
        report,
        Status.DUPLICATE,
        at=at,
        actor=Actor.ADMIN,
        duplicate_of="01JD2Y6X3B6Q3W9Y5K8R7T4V2Z",
    )
    assert desa(duplicate) == {(created, "DLH", "desa_71.74.01.1005"): -1}
    # Located later (the photo's place): it enters its kelurahan's row.
    unlocated = a_report(Status.VERIFYING)
    located = transition(
        unlocated, Status.ASSIGNED, at=at, actor=Actor.PHOTO_CHECKS, subdistrict=BIGA
    )
    assert desa(located) == {(created, "DLH", "desa_71.74.01.1005"): 1}
    # No subdistrict, no desa row.
    assert desa(transition(unlocated, Status.NEEDS_REVIEW, at=at, actor=Actor.SYSTEM)) == {}


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
