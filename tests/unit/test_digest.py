"""The admins' daily digest (issue 10 §5): yesterday's figures from the counters, the overdue
list per agency through the ByStatus index, the week's trend; Indonesian, one alert."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sikemas.city import load_city
from sikemas.city_calendar import load_working_calendar
from sikemas.domain.calendar import Clocks
from sikemas.domain.report import Actor, Report, Status, transition
from sikemas.usecases.digest import LISTED_PER_AGENCY, Digest, Overdue, build_message
from sikemas.usecases.stats import Period, summarise
from tests.fakes import FakeReportRepository
from tests.unit.domain.test_report_states import a_report

KOTAMOBAGU = Path(__file__).resolve().parents[2] / "cities" / "kotamobagu"
CITY = load_city(KOTAMOBAGU)
CALENDAR = load_working_calendar(CITY, KOTAMOBAGU)
CLOCKS = Clocks(CITY.categories, lambda: CALENDAR)
WITA = ZoneInfo("Asia/Makassar")
ROUTED = datetime(2026, 8, 14, 17, tzinfo=WITA)  # respond by 16 Aug 17:00 WITA


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def alert(self, subject: str, message: str) -> None:
        self.sent.append((subject, message))


def route(repo: FakeReportRepository, n: int, agency: str = "DLH") -> Report:
    base = a_report(
        Status.VERIFYING,
        id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n:02d}",
        tracking_code=f"KTG-AAAA{n:02d}",
        agency=agency,
        created_at=ROUTED,
        status_since=ROUTED,
    )
    repo.put(base)
    t = transition(base, Status.ASSIGNED, at=ROUTED, actor=Actor.PHOTO_CHECKS, clocks=CLOCKS)
    repo.apply(t)
    return t.after


def digest_at(repo: FakeReportRepository, when: datetime, alerts: Alerts) -> Digest:
    return Digest(repo, CITY, lambda: when.astimezone(UTC), alerts, page=1)


def test_overdue_reports_are_listed_per_agency_and_the_others_are_not() -> None:
    repo = FakeReportRepository()
    late = route(repo, 1)
    route(repo, 2)
    acknowledged = repo.get("01JD2Y6X3B6Q3W9Y5K8R7T4V02")
    repo.apply(
        transition(
            acknowledged,
            Status.IN_PROGRESS,
            at=ROUTED + timedelta(hours=1),
            actor=Actor.AGENCY,
            clocks=CLOCKS,
        )
    )
    alerts = Alerts()
    # 07:00 WITA on 17 August: the first report's response clock has passed, the second
    # responded in time and its resolution clock (20 August) still runs.
    result = digest_at(repo, datetime(2026, 8, 17, 7, tzinfo=WITA), alerts).run()
    assert result["overdue"] == 1
    assert result["day"] == "2026-08-16"
    [(subject, body)] = alerts.sent
    assert late.tracking_code in body
    assert "KTG-AAAA02" not in body
    assert "Laporan terlambat per instansi (1):" in body
    assert "batas respon 2026-08-16 17:00" in body
    assert "1 terlambat" in subject
    assert len(subject) <= 100


def test_yesterdays_figures_and_the_weeks_trend_come_from_the_counters() -> None:
    repo = FakeReportRepository()
    route(repo, 1)
    route(repo, 2)
    alerts = Alerts()
    digest_at(repo, datetime(2026, 8, 15, 7, tzinfo=WITA), alerts).run()
    [(_subject, body)] = alerts.sent
    day = date(2026, 8, 14)
    expected = summarise(CITY, Period(day, day), repo.counter_rows(day, day))["totals"]
    assert f"- Diteruskan ke instansi: {expected['routed']}" in body
    assert expected["routed"] == 2
    assert "08-14: " in body
    assert "Tidak ada laporan yang terlambat." in body


def _figures(received: int, day: date) -> dict:
    return summarise(CITY, Period(day, day), []) | {
        "totals": {
            **summarise(CITY, Period(day, day), [])["totals"],
            "received": received,
        }
    }


def test_the_message_is_indonesian_bounded_and_shows_the_trend() -> None:
    day = date(2026, 8, 16)
    due = datetime(2026, 8, 10, tzinfo=UTC)
    many = [Overdue(f"KTG-{i:06d}", "sampah", "penyelesaian", due) for i in range(12)]
    subject, body = build_message(
        CITY, day, _figures(5, day), _figures(30, day), _figures(20, day), {"DLH": many}
    )
    assert body.startswith(f"Ringkasan harian SIKeMas {CITY.name} — 2026-08-16")
    assert "(minggu sebelumnya 20; naik 50 %)" in body
    assert body.count("batas penyelesaian") == LISTED_PER_AGENCY
    assert f"… dan {12 - LISTED_PER_AGENCY} lainnya" in body
    assert CITY.agencies["DLH"].name in body
    assert subject.startswith("SIKeMas")
    assert "12 terlambat" in subject


def test_paused_reports_are_not_overdue() -> None:
    from sikemas.usecases.digest import overdue_clock

    repo = FakeReportRepository()
    report = route(repo, 1)
    assert report.deadlines is not None
    later = datetime(2026, 9, 1, tzinfo=UTC)
    assert overdue_clock(report, later) == ("respon", report.deadlines.respond_by)
    paused = replace(report, deadlines=replace(report.deadlines, paused_at=later))
    assert overdue_clock(paused, later) is None
