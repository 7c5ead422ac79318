"""The watcher's decisions through the fakes (issue 9 §2): each rule, the 75 % reminder, the
flag held per deadline, and idempotence (two runs in the same minute escalate once, and two
watchers at once as well)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sikemas.adapters import keys
from sikemas.adapters.dynamo import item_to_report, report_to_item
from sikemas.city import load_city
from sikemas.city_calendar import load_working_calendar
from sikemas.domain.calendar import Clocks
from sikemas.domain.report import Actor, EventType, Report, Status, transition
from sikemas.domain.watch import next_due
from sikemas.usecases.watcher import Watcher
from tests.fakes import FakeReportRepository
from tests.unit.domain.test_report_states import a_report

KOTAMOBAGU = Path(__file__).resolve().parents[2] / "cities" / "kotamobagu"
CITY = load_city(KOTAMOBAGU)
CALENDAR = load_working_calendar(CITY, KOTAMOBAGU)
CLOCKS = Clocks(CITY.categories, lambda: CALENDAR)
WITA = ZoneInfo("Asia/Makassar")


def wita(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WITA)


# Friday 14 August 2026, 17:00 WITA; "sampah": 48 hours to respond, 3 working days to resolve
# (17 August is Independence Day: 18, 19, 20 August -> due Thursday 20 August 16:00).
ROUTED = wita(2026, 8, 14, 17)
RESPOND_BY = wita(2026, 8, 16, 17)
RESOLVE_BY = wita(2026, 8, 20, 16)


class Clock:
    def __init__(self) -> None:
        self.now = ROUTED.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, when: datetime) -> None:
        self.now = when.astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo() -> FakeReportRepository:
    return FakeReportRepository()


@pytest.fixture
def watcher(repo, clock) -> Watcher:
    return Watcher(repo, CITY, clock, clocks=CLOCKS)


def routed(repo: FakeReportRepository, **changes: object) -> Report:
    base = a_report(Status.VERIFYING, status_since=ROUTED, **changes)
    report = transition(
        base, Status.ASSIGNED, at=ROUTED, actor=Actor.PHOTO_CHECKS, clocks=CLOCKS
    ).after
    repo.put(report)
    return report


def act(repo: FakeReportRepository, report_id: str, target: Status, at: datetime) -> Report:
    current = repo.get(report_id)
    t = transition(current, target, at=at, actor=Actor.AGENCY, clocks=CLOCKS)
    repo.apply(t)
    return t.after


def events(repo: FakeReportRepository, report_id: str, type: EventType) -> list:
    return [e for e in repo.timeline(report_id) if e.type is type]


def test_the_clocks_are_the_calendars(repo) -> None:
    report = routed(repo)
    assert report.deadlines.respond_by == RESPOND_BY
    assert report.deadlines.resolve_by == RESOLVE_BY


def test_the_agency_is_reminded_once_at_75_percent_of_the_response_clock(
    repo, watcher, clock
) -> None:
    report = routed(repo)
    clock.at(ROUTED + timedelta(hours=36) - timedelta(minutes=1))  # 74.9 %
    assert watcher.run().reminded == []
    clock.at(ROUTED + timedelta(hours=36))  # 36 of 48 hours
    assert watcher.run().reminded == [report.id]
    clock.at(ROUTED + timedelta(hours=40))
    assert watcher.run().reminded == []
    reminders = events(repo, report.id, EventType.REMINDER)
    assert len(reminders) == 1
    assert reminders[0].actor is Actor.SYSTEM
    assert reminders[0].data["agency"] == "DLH"
    assert repo.get(report.id).status is Status.ASSIGNED  # a flag, not a state
    assert repo.get(report.id).reminded_for == RESPOND_BY


def test_an_acknowledged_report_is_not_reminded(repo, watcher, clock) -> None:
    report = routed(repo)
    act(repo, report.id, Status.IN_PROGRESS, ROUTED + timedelta(hours=2))
    clock.at(ROUTED + timedelta(hours=40))
    assert watcher.run().reminded == []


def test_response_overdue_is_flagged_and_escalated_once(repo, watcher, clock) -> None:
    report = routed(repo)
    clock.at(RESPOND_BY)  # due, not yet passed: overdue is strictly after the deadline
    first = watcher.run()
    assert (first.escalated, first.reminded) == ([], [report.id])
    clock.at(RESPOND_BY + timedelta(minutes=1))
    assert watcher.run().escalated == [f"{report.id}:response"]
    # the same minute again, and a later run: nothing more
    assert watcher.run().escalated == []
    clock.at(RESPOND_BY + timedelta(hours=5))
    assert watcher.run().escalated == []
    overdue = events(repo, report.id, EventType.OVERDUE)
    assert len(overdue) == 1
    assert overdue[0].data == {
        "agency": "DLH",
        "clock": "response",
        "due": RESPOND_BY.isoformat(),
    }
    after = repo.get(report.id)
    assert after.status is Status.ASSIGNED
    assert after.overdue_response_for == RESPOND_BY


def test_a_reminder_not_sent_before_the_clock_passed_is_dropped(repo, watcher, clock) -> None:
    report = routed(repo)
    clock.at(RESPOND_BY + timedelta(minutes=1))  # the watcher was down since before 75 %
    summary = watcher.run()
    assert (summary.escalated, summary.reminded) == ([f"{report.id}:response"], [])
    assert events(repo, report.id, EventType.REMINDER) == []


def test_two_watchers_at_once_escalate_once(repo, clock) -> None:
    report = routed(repo)
    clock.at(RESPOND_BY + timedelta(minutes=1))
    first, second = Watcher(repo, CITY, clock, clocks=CLOCKS), Watcher(repo, CITY, clock)

    def race(_transitions: object) -> None:
        repo.before_apply.clear()
        second.run()  # the other run writes first; ours must find the flag set

    repo.before_apply.append(race)
    summary = first.run()
    assert summary.escalated == []
    assert len(events(repo, report.id, EventType.OVERDUE)) == 1


def test_an_acknowledged_report_is_escalated_only_when_its_resolution_day_passes(
    repo, watcher, clock
) -> None:
    report = routed(repo)
    act(repo, report.id, Status.IN_PROGRESS, ROUTED + timedelta(hours=20))
    clock.at(RESPOND_BY + timedelta(hours=1))
    assert watcher.run().escalated == []
    clock.at(RESOLVE_BY)
    assert watcher.run().escalated == []
    clock.at(RESOLVE_BY + timedelta(minutes=15))
    assert watcher.run().escalated == [f"{report.id}:resolution"]
    assert watcher.run().escalated == []
    assert repo.get(report.id).overdue_resolution_for == RESOLVE_BY


def test_a_moved_clock_may_be_flagged_again_the_same_never_twice(repo, watcher, clock) -> None:
    report = routed(repo)
    act(repo, report.id, Status.IN_PROGRESS, ROUTED + timedelta(hours=1))
    clock.at(RESOLVE_BY + timedelta(minutes=1))
    assert watcher.run().escalated == [f"{report.id}:resolution"]
    act(repo, report.id, Status.RESOLVED, RESOLVE_BY + timedelta(hours=1))
    # The owner reopens: a new resolution clock, 3 working days after Friday 21 August
    # (24, 26 and 27 August: the 25th is Maulid Nabi).
    reopened = act(repo, report.id, Status.ASSIGNED, wita(2026, 8, 21, 10))
    new_due = reopened.deadlines.resolve_by
    assert new_due == wita(2026, 8, 27, 16)
    clock.at(new_due - timedelta(minutes=1))
    assert watcher.run().escalated == []
    clock.at(new_due + timedelta(minutes=1))
    assert watcher.run().escalated == [f"{report.id}:resolution"]
    assert len(events(repo, report.id, EventType.OVERDUE)) == 2


def test_a_paused_or_forwarded_report_runs_no_clock(repo, watcher, clock) -> None:
    paused = routed(repo)
    act(repo, paused.id, Status.NEEDS_REVIEW, ROUTED + timedelta(hours=1))
    forwarded = a_report(
        Status.FORWARDED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3F", tracking_code="KTG-FWD001"
    )
    repo.put(forwarded)
    clock.at(RESOLVE_BY + timedelta(days=30))
    summary = watcher.run()
    assert summary.escalated == []
    assert summary.reminded == []


def test_a_resolved_report_closes_itself_after_the_reopen_window(repo, watcher, clock) -> None:
    report = routed(repo)
    resolved_at = ROUTED + timedelta(days=1)
    act(repo, report.id, Status.RESOLVED, resolved_at)
    repo.put(replace(repo.get(report.id), resolved_at=resolved_at))
    clock.at(resolved_at + CITY.reopen_window)  # the owner may still reopen at this instant
    assert watcher.run().closed == []
    clock.at(resolved_at + CITY.reopen_window + timedelta(minutes=1))
    assert watcher.run().closed == [report.id]
    closed = repo.get(report.id)
    assert closed.status is Status.CLOSED
    last = repo.timeline(report.id)[-1]
    assert (last.to_status, last.actor, last.reason) == (
        Status.CLOSED,
        Actor.SYSTEM,
        "reopen_window_passed",
    )
    assert watcher.run().closed == []


def test_a_report_that_never_got_its_photo_is_abandoned_after_48_hours(
    repo, watcher, clock
) -> None:
    filed = wita(2026, 8, 14, 9)
    waiting = a_report(Status.RECEIVED, status_since=filed, created_at=filed)
    repo.put(waiting)
    clock.at(filed + timedelta(hours=47, minutes=59))
    assert watcher.run().abandoned == []
    clock.at(filed + timedelta(hours=48))
    assert watcher.run().abandoned == [waiting.id]
    last = repo.timeline(waiting.id)[-1]
    assert (last.to_status, last.actor, last.reason) == (Status.ABANDONED, Actor.SYSTEM, "no_photo")
    assert watcher.run().abandoned == []


def test_the_watcher_reads_only_what_is_due(repo, clock, monkeypatch) -> None:
    """Through the indexes: the ByDue query and the oldest of each status until one is not due;
    reports not due are never acted on, and the status lists stop at the first not due."""
    watcher = Watcher(repo, CITY, clock, clocks=CLOCKS, page_size=1)
    pages: list[Status] = []
    listed = repo.list_by_status

    def counted(status, limit, cursor):
        pages.append(status)
        return listed(status, limit, cursor)

    monkeypatch.setattr(repo, "list_by_status", counted)
    for n in range(5):  # five routed reports, none due yet
        routed(repo, id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n}A", tracking_code=f"KTG-AAAA{n}0")
    for n in range(3):  # three waiting for their photo, filed just now
        repo.put(
            a_report(
                Status.RECEIVED,
                id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n}B",
                tracking_code=f"KTG-BBBB{n}0",
                status_since=ROUTED,
            )
        )
    clock.at(ROUTED + timedelta(hours=1))
    summary = watcher.run()
    assert summary.read == 0
    assert repo.due_reads == 1
    # one page (one report) of received: the oldest is not due, so none after it is
    assert pages == [Status.RECEIVED, Status.RESOLVED]


def test_the_item_carries_the_next_due_instant_and_drops_it_when_nothing_is_owed(repo) -> None:
    report = routed(repo)
    assert next_due(report) == ROUTED + timedelta(hours=36)
    item = report_to_item(report)
    assert item["GSI4PK"] == {"S": keys.DUE_PARTITION}
    assert item["GSI4SK"]["S"] == f"2026-08-15T21:00:00Z#{report.id}"  # Sunday 05:00 WITA
    reminded = replace(report, reminded_for=RESPOND_BY)
    assert report_to_item(reminded)["GSI4SK"]["S"].startswith("2026-08-16T09:00:00Z#")
    assert item_to_report(report_to_item(reminded)).reminded_for == RESPOND_BY
    done = act(repo, report.id, Status.RESOLVED, ROUTED + timedelta(hours=3))
    assert next_due(done) is None
    assert "GSI4PK" not in report_to_item(done)
