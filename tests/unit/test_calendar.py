"""Two clocks per report, counted on Kotamobagu's working calendar (and a test city's)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sikemas.city import City, CityConfigError, load_city
from sikemas.city_calendar import LazyCalendar, load_working_calendar
from sikemas.domain.calendar import (
    CalendarError,
    ClockRules,
    Deadlines,
    WorkingCalendar,
    on_transition,
)

REPO = Path(__file__).resolve().parents[2]
KOTAMOBAGU = REPO / "cities" / "kotamobagu"
WITA = ZoneInfo("Asia/Makassar")


def wita(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=WITA)


@pytest.fixture(scope="module")
def city() -> City:
    return load_city(KOTAMOBAGU)


@pytest.fixture(scope="module")
def calendar(city: City) -> WorkingCalendar:
    return load_working_calendar(city, KOTAMOBAGU)


def make_city(tmp_path: Path, holidays: dict[str, Any], years: tuple[int, ...]) -> Path:
    """A copy of Kotamobagu with other overrides and only some generated years."""
    raw = json.loads((KOTAMOBAGU / "city.json").read_text())
    raw["holidays"] = holidays
    city_dir = tmp_path / "uji"
    (city_dir / "holidays").mkdir(parents=True)
    (city_dir / "city.json").write_text(json.dumps(raw))
    shutil.copy(KOTAMOBAGU / "boundary.geojson", city_dir)
    for year in years:
        shutil.copy(KOTAMOBAGU / "holidays" / f"{year}.json", city_dir / "holidays")
    return city_dir


@pytest.fixture
def test_city(tmp_path: Path) -> WorkingCalendar:
    """Adds a Thursday of its own, works the Christmas Eve cuti bersama, knows only 2026."""
    city_dir = make_city(
        tmp_path,
        {
            "add": [
                {"date": "2026-08-20", "name": "Hari Jadi Kota Uji"},
                {"date": "2026-05-23", "name": "HUT Kota Kotamobagu"},
            ],
            "remove": ["2026-12-24"],
        },
        years=(2026,),
    )
    return load_working_calendar(load_city(city_dir), city_dir)


# --------------------------------------------------------------------------- resolution clock


def test_the_worked_example_independence_day(calendar: WorkingCalendar) -> None:
    """Routed Fri 14 Aug 2026 17:00 WITA, 5 working days: 17 Aug is Independence Day, so the
    days are 18, 19, 20, 21 and 24 August: due Monday 24 August 2026 16:00 WITA."""
    due = calendar.resolution_due(wita(2026, 8, 14, 17), 5)
    assert due == wita(2026, 8, 24, 16)
    assert due.isoformat() == "2026-08-24T16:00:00+08:00"


def test_weekends_are_skipped_and_friday_closes_at_half_past_four(
    calendar: WorkingCalendar,
) -> None:
    assert calendar.resolution_due(wita(2026, 9, 7, 10), 5) == wita(2026, 9, 14, 16)
    assert calendar.resolution_due(wita(2026, 9, 10, 9), 1) == wita(2026, 9, 11, 16, 30)
    assert calendar.resolution_due(wita(2026, 9, 11, 9), 1) == wita(2026, 9, 14, 16)


def test_cuti_bersama_days_are_not_worked(calendar: WorkingCalendar) -> None:
    # 24 Dec cuti bersama, 25 Christmas, 26-27 weekend.
    assert calendar.resolution_due(wita(2026, 12, 22, 10), 2) == wita(2026, 12, 28, 16)
    # Lebaran 2026: 18 cuti (Nyepi), 19 Nyepi, 20 cuti, 21-22 Idul Fitri/weekend, 23-24 cuti.
    assert calendar.resolution_due(wita(2026, 3, 17, 10), 1) == wita(2026, 3, 25, 16)
    assert not calendar.is_working_day(date(2026, 3, 23))
    assert calendar.holiday_name(date(2026, 3, 23)) == "Cuti Bersama Hari Raya Idul Fitri"


def test_the_citys_own_day_is_not_worked(
    calendar: WorkingCalendar, test_city: WorkingCalendar
) -> None:
    # Kotamobagu's anniversary falls on a Saturday in 2026, but it is on the calendar.
    assert calendar.holiday_name(date(2026, 5, 23)) == "HUT Kota Kotamobagu"
    assert not calendar.is_working_day(date(2026, 5, 23))
    # The test city's own Thursday: Wed 19 Aug + 1 working day skips Thu 20 to Fri 21.
    assert test_city.resolution_due(wita(2026, 8, 19, 10), 1) == wita(2026, 8, 21, 16, 30)
    assert calendar.resolution_due(wita(2026, 8, 19, 10), 1) == wita(2026, 8, 20, 16)


def test_a_removed_national_day_is_worked(
    calendar: WorkingCalendar, test_city: WorkingCalendar
) -> None:
    assert test_city.is_working_day(date(2026, 12, 24))
    assert test_city.resolution_due(wita(2026, 12, 23, 10), 1) == wita(2026, 12, 24, 16)
    assert calendar.resolution_due(wita(2026, 12, 23, 10), 1) == wita(2026, 12, 28, 16)


@pytest.mark.parametrize(
    ("routed_at", "due"),
    [
        (wita(2026, 9, 7, 20), wita(2026, 9, 8, 16)),  # Monday evening, after hours
        (wita(2026, 9, 7, 6), wita(2026, 9, 8, 16)),  # Monday before opening: still Monday
        (datetime(2026, 9, 6, 23, 30, tzinfo=UTC), wita(2026, 9, 8, 16)),  # Mon 07:30 WITA
        (datetime(2026, 9, 6, 15, 59, tzinfo=UTC), wita(2026, 9, 7, 16)),  # Sun 23:59 WITA
        (wita(2026, 8, 17, 10), wita(2026, 8, 18, 16)),  # on Independence Day
        (wita(2026, 8, 15, 10), wita(2026, 8, 18, 16)),  # Saturday, then the holiday
    ],
)
def test_the_routing_day_never_counts(
    calendar: WorkingCalendar, routed_at: datetime, due: datetime
) -> None:
    assert calendar.resolution_due(routed_at, 1) == due


# --------------------------------------------------------------------------- response clock


def test_the_response_clock_runs_through_the_weekend(calendar: WorkingCalendar) -> None:
    routed = datetime(2026, 8, 14, 9, tzinfo=UTC)  # Friday 17:00 WITA
    due = calendar.response_due(routed, 48)
    assert due.isoformat() == "2026-08-16T17:00:00+08:00"  # Sunday evening


def test_a_category_gets_both_clocks(city: City, calendar: WorkingCalendar) -> None:
    rules = ClockRules.of(city.categories["pencemaran"])
    d = Deadlines.start(rules, wita(2026, 8, 14, 17), calendar)
    assert (d.respond_by, d.resolve_by) == (wita(2026, 8, 16, 17), wita(2026, 8, 24, 16))
    assert (d.responded_at, d.resolved_at, d.paused_at) == (None, None, None)


def test_emergency_counts_both_clocks_24_7(city: City, calendar: WorkingCalendar) -> None:
    fire = city.categories["kebakaran"]
    assert fire.emergency
    d = Deadlines.start(ClockRules.of(fire), wita(2026, 8, 15, 22), calendar)  # Saturday night
    assert d.respond_by == wita(2026, 8, 15, 23)
    assert d.resolve_by == wita(2026, 8, 16, 22)  # Sunday night, not Tuesday afternoon
    rules = ClockRules(response_hours=2, resolution_working_days=3, emergency=True)
    assert Deadlines.start(rules, wita(2026, 8, 14, 17), calendar).resolve_by == wita(
        2026, 8, 17, 17
    )


# --------------------------------------------------------------------------- overdue


def test_overdue_only_after_a_clock_passes_unmet(calendar: WorkingCalendar) -> None:
    d = Deadlines.start(ClockRules(48, 5), wita(2026, 8, 14, 17), calendar)
    assert not d.overdue(wita(2026, 8, 16, 17))  # exactly at the deadline
    assert d.overdue(wita(2026, 8, 16, 17) + timedelta(seconds=1))
    met = d.respond(wita(2026, 8, 15, 8))
    assert not met.overdue(wita(2026, 8, 20, 12))
    assert met.overdue(wita(2026, 8, 24, 16, 1))
    assert not met.resolve(wita(2026, 8, 24, 15)).overdue(wita(2026, 12, 1))


def test_the_first_answer_counts_and_resolving_answers(calendar: WorkingCalendar) -> None:
    d = Deadlines.start(ClockRules(48, 5), wita(2026, 8, 14, 17), calendar)
    answered = d.respond(wita(2026, 8, 15, 8)).respond(wita(2026, 8, 16, 8))
    assert answered.responded_at == wita(2026, 8, 15, 8)
    resolved = d.resolve(wita(2026, 8, 18, 9))
    assert resolved.responded_at == resolved.resolved_at == wita(2026, 8, 18, 9)


def test_the_view_is_iso_8601_with_the_citys_offset(calendar: WorkingCalendar) -> None:
    d = Deadlines.start(ClockRules(48, 5), datetime(2026, 8, 14, 9, tzinfo=UTC), calendar)
    d = d.respond(datetime(2026, 8, 15, 1, 30, tzinfo=UTC))
    assert d.view(wita(2026, 8, 25), WITA) == {
        "respond_by": "2026-08-16T17:00:00+08:00",
        "resolve_by": "2026-08-24T16:00:00+08:00",
        "responded_at": "2026-08-15T09:30:00+08:00",
        "resolved_at": None,
        "overdue": True,
    }


# --------------------------------------------------------------------------- pauses, reopen

ROUTED = wita(2026, 8, 14, 17)  # Friday evening; respond by Sun 16 17:00, resolve by Mon 24
PAUSED = wita(2026, 8, 15, 9)  # Saturday morning: needs_review
RESUMED = wita(2026, 8, 18, 9)  # Tuesday morning: assigned again (72 h later)


def test_a_pause_gives_back_the_response_hours_and_restarts_the_working_days(
    calendar: WorkingCalendar,
) -> None:
    rules = ClockRules(48, 5)
    paused = Deadlines.start(rules, ROUTED, calendar).pause(PAUSED)
    assert not paused.overdue(wita(2026, 8, 17, 20))  # past respond_by, but paused
    resumed = paused.resume(RESUMED, rules, calendar)
    assert resumed.paused_at is None
    assert resumed.respond_by == wita(2026, 8, 19, 17)  # Sunday 17:00 + 72 h
    # 19, 20, 21, 24 and (25 is Maulid Nabi Muhammad) 26 August
    assert resumed.resolve_by == wita(2026, 8, 26, 16)
    assert resumed.respond_by.utcoffset() == timedelta(hours=8)
    assert not resumed.overdue(wita(2026, 8, 19, 17))
    assert resumed.overdue(wita(2026, 8, 19, 17, 1))


def test_a_hand_back_to_another_agency_restarts_the_response_clock(
    calendar: WorkingCalendar,
) -> None:
    rules = ClockRules(24, 2)
    d = Deadlines.start(ClockRules(48, 5), ROUTED, calendar).pause(PAUSED)
    resumed = d.resume(RESUMED, rules, calendar, restart_response=True)
    assert resumed.respond_by == wita(2026, 8, 19, 9)
    assert resumed.resolve_by == wita(2026, 8, 20, 16)


def test_a_pause_keeps_its_first_moment_and_resume_without_pause_changes_nothing(
    calendar: WorkingCalendar,
) -> None:
    rules = ClockRules(48, 5)
    d = Deadlines.start(rules, ROUTED, calendar)
    assert d.resume(RESUMED, rules, calendar) == d
    twice = d.pause(PAUSED).pause(wita(2026, 8, 17, 9))
    assert twice.paused_at == PAUSED


def test_met_clocks_stay_met_across_a_pause(calendar: WorkingCalendar) -> None:
    rules = ClockRules(48, 5)
    d = Deadlines.start(rules, ROUTED, calendar).respond(wita(2026, 8, 15, 8)).pause(PAUSED)
    resumed = d.resume(RESUMED, rules, calendar)
    assert resumed.respond_by == wita(2026, 8, 16, 17)
    assert resumed.responded_at == wita(2026, 8, 15, 8)
    assert resumed.resolve_by == wita(2026, 8, 26, 16)


def test_a_report_paused_after_its_deadline_stays_overdue(calendar: WorkingCalendar) -> None:
    d = Deadlines.start(ClockRules(48, 5), ROUTED, calendar).pause(wita(2026, 8, 17, 9))
    assert d.overdue(wita(2026, 8, 17, 10))


def test_an_emergency_resumes_on_the_wall_clock(calendar: WorkingCalendar) -> None:
    rules = ClockRules(1, 1, emergency=True)
    d = Deadlines.start(rules, ROUTED, calendar).pause(wita(2026, 8, 14, 17, 30))
    resumed = d.resume(wita(2026, 8, 15, 3), rules, calendar)
    assert resumed.respond_by == wita(2026, 8, 15, 3, 30)
    assert resumed.resolve_by == wita(2026, 8, 16, 3)


def test_a_reopen_starts_a_new_resolution_clock(calendar: WorkingCalendar) -> None:
    rules = ClockRules(48, 5)
    d = (
        Deadlines.start(rules, ROUTED, calendar)
        .respond(wita(2026, 8, 15, 8))
        .resolve(wita(2026, 8, 24, 10))
    )
    reopened = d.reopen(wita(2026, 8, 26, 11), rules, calendar)
    assert reopened.resolved_at is None
    assert reopened.resolve_by == wita(2026, 9, 2, 16)  # 27, 28, 31 Aug, 1, 2 Sep
    assert reopened.responded_at == wita(2026, 8, 15, 8)
    assert reopened.respond_by == d.respond_by
    assert not reopened.overdue(wita(2026, 9, 2, 16))
    assert reopened.overdue(wita(2026, 9, 3, 8))


# --------------------------------------------------------------------------- the data


def test_a_year_without_data_counts_weekends_only_and_says_so(
    calendar: WorkingCalendar, test_city: WorkingCalendar
) -> None:
    routed = wita(2026, 12, 31, 10)
    # Only 2026 is known: New Year's Day 2027 (a Friday) counts as a working day.
    assert test_city.resolution_due(routed, 1) == wita(2027, 1, 1, 16, 30)
    assert test_city.uncovered_years(routed, wita(2027, 1, 1, 16, 30)) == (2027,)
    # Kotamobagu's data has 2027: the deadline moves to Monday 4 January.
    assert calendar.resolution_due(routed, 1) == wita(2027, 1, 4, 16)
    assert calendar.uncovered_years(routed, wita(2027, 1, 4, 16)) == ()
    assert calendar.covers(2026)
    assert calendar.covers(2027)
    assert not calendar.covers(2028)


def test_naive_datetimes_are_refused(calendar: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.resolution_due(datetime(2026, 8, 14, 17), 5)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"):
        calendar.response_due(datetime(2026, 8, 14, 17), 48)  # noqa: DTZ001


def test_a_calendar_needs_hours_and_consistent_overrides() -> None:
    with pytest.raises(CalendarError):
        WorkingCalendar(timezone=WITA, working_hours={})
    with pytest.raises(CalendarError):
        WorkingCalendar(timezone=WITA, working_hours={0: (time(16), time(8))})
    with pytest.raises(CalendarError):
        ClockRules(response_hours=0, resolution_working_days=1)
    day = date(2026, 8, 20)
    with pytest.raises(CalendarError):
        WorkingCalendar(
            timezone=WITA,
            working_hours={0: (time(8), time(16))},
            added={day: "x"},
            removed=frozenset({day}),
        )


def test_a_day_both_added_and_removed_is_a_city_config_error(tmp_path: Path) -> None:
    city_dir = make_city(
        tmp_path, {"add": [{"date": "2026-08-20", "name": "x"}], "remove": ["2026-08-20"]}, ()
    )
    with pytest.raises(CityConfigError, match="both added and removed"):
        load_working_calendar(load_city(city_dir), city_dir)


@pytest.mark.parametrize(
    "content",
    ["not json", '{"year": 2027, "days": []}', '{"year": 2026, "days": [{"date": "2027-01-01"}]}'],
)
def test_a_broken_year_file_is_a_city_config_error(tmp_path: Path, content: str) -> None:
    city_dir = make_city(tmp_path, {}, ())
    (city_dir / "holidays" / "2026.json").write_text(content)
    with pytest.raises(CityConfigError, match=r"2026\.json"):
        load_working_calendar(load_city(city_dir), city_dir)


def test_the_calendar_is_read_on_first_use_only(tmp_path: Path) -> None:
    city_dir = make_city(tmp_path, {}, ())
    lazy = LazyCalendar(load_city(city_dir), city_dir)
    # Written after the lazy calendar was built, before its first use: it is read.
    shutil.copy(KOTAMOBAGU / "holidays" / "2026.json", city_dir / "holidays")
    first = lazy()
    assert first.covers(2026)
    assert lazy() is first


def test_computing_deadlines_never_imports_the_holidays_package() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from datetime import datetime, timezone\n"
        "from sikemas.city import load_city\n"
        "from sikemas.city_calendar import load_working_calendar\n"
        f"d = Path({str(KOTAMOBAGU)!r})\n"
        "cal = load_working_calendar(load_city(d), d)\n"
        "print(cal.resolution_due(datetime(2026, 8, 14, 9, tzinfo=timezone.utc), 5).isoformat())\n"
        "print('holidays' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(REPO / "layers" / "sikemas")},
    ).stdout.split()
    assert out == ["2026-08-24T16:00:00+08:00", "False"]


# --------------------------------------------------------------------------- the report's graph


def test_the_clocks_follow_the_reports_life(calendar: WorkingCalendar) -> None:
    rules = ClockRules(48, 5)

    def step(d: Deadlines | None, frm: str | None, to: str, at: datetime, **kw: Any) -> Any:
        return on_transition(d, frm, to, at, rules, calendar, **kw)

    routed = step(None, "verifying", "assigned", ROUTED)
    assert routed == Deadlines.start(rules, ROUTED, calendar)
    handed_back = step(routed, "assigned", "needs_review", PAUSED)
    assert handed_back.paused_at == PAUSED
    reassigned = step(handed_back, "needs_review", "assigned", RESUMED)
    assert reassigned == handed_back.resume(RESUMED, rules, calendar)
    elsewhere = step(handed_back, "needs_review", "assigned", RESUMED, agency_changed=True)
    assert elsewhere.respond_by == wita(2026, 8, 20, 9)  # a full 48 h for the new agency
    acknowledged = step(reassigned, "assigned", "in_progress", wita(2026, 8, 18, 10))
    assert acknowledged.responded_at == wita(2026, 8, 18, 10)
    resolved = step(acknowledged, "in_progress", "resolved", wita(2026, 8, 21, 10))
    assert resolved.resolved_at == wita(2026, 8, 21, 10)
    reopened = step(resolved, "resolved", "assigned", wita(2026, 8, 26, 11))
    assert reopened == resolved.reopen(wita(2026, 8, 26, 11), rules, calendar)
    assert step(reopened, "resolved", "closed", wita(2026, 9, 9)) == reopened


def test_forwarded_reports_have_no_city_deadline(calendar: WorkingCalendar) -> None:
    rules = ClockRules(48, 5)
    assert on_transition(None, "received", "forwarded", ROUTED, rules, calendar) is None
    assert on_transition(None, "forwarded", "closed", ROUTED, rules, calendar) is None
    # Waiting for review before any routing: no clock yet; the first assignment starts them.
    assert on_transition(None, "verifying", "needs_review", ROUTED, rules, calendar) is None
    started = on_transition(None, "needs_review", "assigned", RESUMED, rules, calendar)
    assert started == Deadlines.start(rules, RESUMED, calendar)


def test_a_duplicate_stops_the_clocks_where_they_were(calendar: WorkingCalendar) -> None:
    rules = ClockRules(48, 5)
    d = Deadlines.start(rules, ROUTED, calendar)
    linked = on_transition(d, "assigned", "duplicate", PAUSED, rules, calendar)
    assert not linked.overdue(wita(2026, 12, 1))
    late = on_transition(d, "assigned", "duplicate", wita(2026, 8, 17, 9), rules, calendar)
    assert late.overdue(wita(2026, 12, 1))  # it was overdue when it was linked


def test_the_calendar_loader_is_pure_like_the_domain() -> None:
    from tests.unit.test_architecture import FORBIDDEN_IN_PURE, _imports

    package = REPO / "layers" / "sikemas" / "sikemas"
    for path in (package / "city_calendar.py", package / "domain" / "calendar.py"):
        names = _imports(path)
        bad = {n for n in names if n.split(".")[0] in FORBIDDEN_IN_PURE or n in FORBIDDEN_IN_PURE}
        assert not bad, f"{path.name} imports {sorted(bad)}"
        assert "holidays" not in names
