"""The clocks on the report: stored when it is routed (at filing or by its photo), moved by
its transitions, kept by the table's item, and shown in the owner's and the public view."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sikemas.adapters.dynamo import item_to_report, report_to_item
from sikemas.api import views
from sikemas.city import load_city
from sikemas.city_calendar import load_working_calendar
from sikemas.domain.calendar import ClockRules, Clocks, Deadlines
from sikemas.domain.report import Actor, Kind, Report, Status, transition
from sikemas.usecases.intake import Citizen
from tests.unit import test_intake_usecase as intake_world
from tests.unit import test_photo_checks_usecase as photo_world
from tests.unit.domain.test_report_states import a_report

KOTAMOBAGU = Path(__file__).resolve().parents[2] / "cities" / "kotamobagu"
CITY = load_city(KOTAMOBAGU)
CALENDAR = load_working_calendar(CITY, KOTAMOBAGU)
CLOCKS = Clocks(CITY.categories, lambda: CALENDAR)
RULES = {code: ClockRules.of(c) for code, c in CITY.categories.items()}

WITA = ZoneInfo("Asia/Makassar")
FRIDAY_EVENING = datetime(2026, 8, 14, 9, 0, tzinfo=UTC)  # 17:00 WITA
ALICE = Citizen("sub-alice", "+6281234500001")
EXPECTED = {
    "respond_by": "2026-08-16T17:00:00+08:00",
    "resolve_by": "2026-08-24T16:00:00+08:00",  # 17 August is Independence Day
    "responded_at": None,
    "resolved_at": None,
    "overdue": False,
}


def wita(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WITA)


def filed(category: str) -> tuple[intake_world.World, Report]:
    world = intake_world.World()
    world.now = FRIDAY_EVENING
    new = intake_world.new(category, kind=Kind.SUGGESTION, photo_count=0)
    return world, world.intake.submit(ALICE, new).report


def test_a_report_routed_at_filing_carries_its_deadlines_in_both_views() -> None:
    world, report = filed("perizinan")  # 48 h, 5 working days, no photo needed
    stored = world.repo.get(report.id)
    assert stored.status is Status.ASSIGNED
    assert stored.deadlines == Deadlines(
        respond_by=wita(2026, 8, 16, 17), resolve_by=wita(2026, 8, 24, 16)
    )
    now = wita(2026, 8, 15, 12)
    assert views.owner_view(world.city, stored, now=now)["deadlines"] == EXPECTED
    assert views.public_view(world.city, stored, now=now)["deadlines"] == EXPECTED
    late = views.public_view(world.city, stored, now=wita(2026, 8, 16, 17, 1))
    assert late["deadlines"]["overdue"] is True


def test_a_forwarded_report_has_no_city_deadline() -> None:
    world, report = filed("air_bersih")  # PDAM: a vertical agency
    stored = world.repo.get(report.id)
    assert stored.status is Status.FORWARDED
    assert stored.deadlines is None
    assert views.owner_view(world.city, stored)["deadlines"] is None


def test_a_report_waiting_for_its_photo_has_no_deadline_yet() -> None:
    world = intake_world.World()
    report = world.intake.submit(ALICE, intake_world.new("sampah")).report
    assert report.status is Status.RECEIVED
    assert report.deadlines is None


def test_the_photo_that_routes_a_report_starts_its_clocks() -> None:
    world = photo_world.World()
    report = world.report(photo_count=1, category="sampah")  # 48 h, 3 working days
    world.land(world.upload(report, 1, photo_world.GOOD))
    routed = world.get(report)
    assert routed.status is Status.ASSIGNED
    assert routed.routed_at is not None
    assert routed.deadlines == Deadlines.start(RULES["sampah"], routed.routed_at, CALENDAR)
    # 28 November 2026 is a Saturday: three working days are 30 Nov, 1 and 2 December.
    assert routed.deadlines.resolve_by == wita(2026, 12, 2, 16)


def test_transitions_move_the_clocks() -> None:
    report = a_report(Status.VERIFYING, category="pencemaran", agency="DLH")
    routed = transition(
        report, Status.ASSIGNED, at=wita(2026, 8, 14, 17), actor=Actor.PHOTO_CHECKS, clocks=CLOCKS
    ).after
    assert routed.deadlines == Deadlines(wita(2026, 8, 16, 17), wita(2026, 8, 24, 16))
    handed_back = transition(
        routed, Status.NEEDS_REVIEW, at=wita(2026, 8, 15, 9), actor=Actor.AGENCY, clocks=CLOCKS
    ).after
    assert handed_back.deadlines.paused_at == wita(2026, 8, 15, 9)
    # The admin re-categorises it to another agency's category: a full response clock.
    again = transition(
        handed_back,
        Status.ASSIGNED,
        at=wita(2026, 8, 18, 9),
        actor=Actor.ADMIN,
        clocks=CLOCKS,
        category="jalan",
        agency="PUPR",
    ).after
    assert again.deadlines.respond_by == wita(2026, 8, 20, 9)
    # Ten working days after Tuesday 18 August (25 August is Maulid Nabi): 2 September.
    assert again.deadlines.resolve_by == wita(2026, 9, 2, 16)
    assert again.deadlines.paused_at is None
    acknowledged = transition(
        again, Status.IN_PROGRESS, at=wita(2026, 8, 18, 10), actor=Actor.AGENCY, clocks=CLOCKS
    ).after
    assert acknowledged.deadlines.responded_at == wita(2026, 8, 18, 10)
    # Without clocks (code that does not count), the deadlines are left as they were.
    untouched = transition(
        acknowledged, Status.RESOLVED, at=wita(2026, 8, 19), actor=Actor.AGENCY
    ).after
    assert untouched.deadlines == acknowledged.deadlines


def test_an_emergency_routed_at_night_counts_on_the_wall_clock() -> None:
    report = a_report(Status.RECEIVED, category="kebakaran", agency="SATPOLPP")
    at = wita(2026, 8, 15, 22)  # Saturday night
    routed = transition(report, Status.ASSIGNED, at=at, actor=Actor.SYSTEM, clocks=CLOCKS).after
    assert routed.deadlines == Deadlines(wita(2026, 8, 15, 23), wita(2026, 8, 16, 22))


def test_the_table_item_keeps_the_deadlines_flat() -> None:
    clocks = Deadlines(
        respond_by=wita(2026, 8, 16, 17),
        resolve_by=wita(2026, 8, 24, 16),
        responded_at=datetime(2026, 8, 15, 1, 30, tzinfo=UTC),
        paused_at=wita(2026, 8, 17, 9),
    )
    report = a_report(Status.NEEDS_REVIEW, deadlines=clocks)
    item = report_to_item(report)
    assert item["respond_by"] == {"S": "2026-08-16T17:00:00+08:00"}
    assert item["resolve_by"] == {"S": "2026-08-24T16:00:00+08:00"}
    assert "resolved_at" not in item
    back = item_to_report(item)
    assert back.deadlines == clocks
    assert back == report
    assert item_to_report(report_to_item(replace(report, deadlines=None))).deadlines is None


def test_a_year_without_data_is_warned_about() -> None:
    heard: list[str] = []
    clocks = Clocks(CITY.categories, lambda: CALENDAR, warn=heard.append)
    report = a_report(Status.RECEIVED, category="perizinan", agency="DPMPTSP")
    transition(report, Status.ASSIGNED, at=wita(2026, 8, 14, 17), actor=Actor.SYSTEM, clocks=clocks)
    assert heard == []
    transition(report, Status.ASSIGNED, at=wita(2027, 12, 28, 9), actor=Actor.SYSTEM, clocks=clocks)
    assert len(heard) == 1
    assert "2028" in heard[0]


def test_a_category_the_city_no_longer_has_leaves_the_clocks_alone() -> None:
    clocks = Deadlines(wita(2026, 8, 16, 17), wita(2026, 8, 24, 16))
    report = a_report(Status.ASSIGNED, category="retired", deadlines=clocks)
    moved = transition(
        report, Status.IN_PROGRESS, at=wita(2026, 8, 15), actor=Actor.AGENCY, clocks=CLOCKS
    )
    assert moved.after.deadlines == clocks
