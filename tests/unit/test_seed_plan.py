"""The demo's plans (``bin/sikemas seed-demo``): what they make happen, before any stack runs
them (tests/e2e/test_seed_demo.py carries them out on the local stack)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sikemas.photo.reading import read_photo
from sikemas_tools.seed_demo import camera_photo, city_data
from sikemas_tools.seed_plan import (
    ANNOUNCEMENT_CITY,
    ANNOUNCEMENT_VERTICAL,
    CONTACTS,
    Do,
    Life,
    PhotoKind,
    Planner,
    announcement_plan,
    demo_plan,
    vertical,
    working_time,
)

CITY = Path(__file__).resolve().parents[2] / "cities" / "kotamobagu"
WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 12, 6, 7, 30, tzinfo=UTC)


def planner(seed: int = 93, now: datetime = NOW) -> Planner:
    tz, categories, desa = city_data(CITY)
    return Planner(now=now, tz=tz, categories=categories, desa=desa, seed=seed)


def dos(life: Life) -> list[Do]:
    return [step.do for step in life.steps]


def agency_of(p: Planner, life: Life) -> str:
    return p.categories[life.category].agency.code


def test_the_announcement_is_93_reports_53_to_the_city_and_40_to_vertical_agencies() -> None:
    p = planner()
    lives = announcement_plan(p)

    assert len(lives) == 93
    city = [x for x in lives if not vertical(p.categories[x.category])]
    forwarded = [x for x in lives if vertical(p.categories[x.category])]
    assert len(city) == 53
    assert len(forwarded) == 40
    by_agency = Counter(agency_of(p, x) for x in city)
    assert [code for code, _ in by_agency.most_common(3)] == ["DLH", "SATPOLPP", "DISHUB"]
    assert by_agency.most_common(3)[2][1] > by_agency.most_common(4)[3][1]  # no tie for third
    assert Counter(agency_of(p, x) for x in forwarded) == {"PDAM": 19, "PLN": 15, "POLRES": 6}
    assert Counter(x.category for x in city) == ANNOUNCEMENT_CITY
    assert Counter(x.category for x in forwarded) == ANNOUNCEMENT_VERTICAL
    assert {x.kind for x in lives} == {"complaint"}
    assert {x.privacy for x in lives} == {"public"}  # all of them on the map and the page
    # Some citizens wrote their phone number: the public must see [telepon], no digit of it.
    assert any(contact in x.description for x in lives for contact in CONTACTS)
    # Everything was filed inside the default statistics period (the last 30 city days)...
    today = NOW.astimezone(WITA).date()
    assert all(1 <= (today - x.filed_at.astimezone(WITA).date()).days <= 29 for x in lives)
    # ... and happened before now, each life in order.
    assert all(s.at < NOW for x in lives for s in x.steps)
    assert all(dos(x)[0] is Do.FILE for x in lives)
    assert all([s.at for s in x.steps] == sorted(s.at for s in x.steps) for x in lives)


def test_every_city_report_of_the_announcement_is_followed_up_to_its_close() -> None:
    p = planner()
    lives = announcement_plan(p)
    closes_by_itself = timedelta(days=7)  # the reopen window: the watcher closes it then
    for life in (x for x in lives if not vertical(p.categories[x.category])):
        steps = dos(life)
        assert steps[1] is Do.ACKNOWLEDGE
        assert steps[-1] in (Do.CONFIRM, Do.FIX, Do.NOT_FIXABLE)
        if steps[-1] is not Do.CONFIRM:
            assert life.steps[-1].at + closes_by_itself < NOW - timedelta(hours=1)
        if p.categories[life.category].requires_photo:  # fixed needs an accepted after photo
            for i, do in enumerate(steps):
                if do is Do.FIX:
                    assert steps[i - 1] is Do.AFTER_PHOTO
        assert life.photo in (None, PhotoKind.INSIDE)
    assert sum(Do.REOPEN in dos(x) for x in lives) == 2
    assert sum(Do.NOT_FIXABLE in dos(x) for x in lives) == 3
    recorded = [x for x in lives if Do.RECORD in dos(x)]
    assert len(recorded) == 28  # the other 12 still wait for PDAM, PLN or the police


def test_the_same_seed_makes_the_same_plan_and_another_seed_another() -> None:
    def shape(lives: list[Life]) -> list[tuple[object, ...]]:
        return [(x.category, x.point, x.description, x.filed_at, dos(x)) for x in lives]

    assert shape(demo_plan(planner(7), 120)) == shape(demo_plan(planner(7), 120))
    assert shape(demo_plan(planner(7), 120)) != shape(demo_plan(planner(8), 120))


def test_the_demo_gives_every_life_a_city_sees() -> None:
    p = planner()
    lives = demo_plan(p, 300)

    assert 250 < len(lives) <= 300  # lives wholly in the future are left out
    kinds = Counter(x.photo for x in lives)
    assert kinds[PhotoKind.OUTSIDE] >= 3  # pranks from Manado
    assert kinds[PhotoKind.NO_GPS] >= 3  # reviewed by an admin
    assert all(Do.ADMIN_ASSIGN in dos(x) for x in lives if x.photo is PhotoKind.NO_GPS)
    assert all(dos(x) == [Do.FILE] for x in lives if x.photo is PhotoKind.OUTSIDE)
    assert sum(Do.REOPEN in dos(x) for x in lives) >= 10
    assert sum(Do.NOT_FIXABLE in dos(x) for x in lives) >= 10
    outcomes = Counter(s.outcome for x in lives for s in x.steps if s.do is Do.RECORD)
    assert outcomes["handled"] >= 10
    assert set(outcomes) <= {"handled", "not_theirs", "not_fixable"}
    forwarded_to = {agency_of(p, x) for x in lives if vertical(p.categories[x.category])}
    assert forwarded_to == {"PDAM", "PLN", "POLRES"}
    city_agencies = {agency_of(p, x) for x in lives if not vertical(p.categories[x.category])}
    assert len(city_agencies) == 10  # every agency of the city
    assert {x.kind for x in lives} == {"complaint", "suggestion", "feedback"}
    assert Counter(x.privacy for x in lives).keys() == {"public", "anonymous", "confidential"}
    never_acknowledged = [
        x for x in lives if dos(x) == [Do.FILE] and not vertical(p.categories[x.category])
    ]
    assert len(never_acknowledged) >= 5  # the watcher flags them overdue
    filed = [x.filed_at for x in lives]
    assert NOW - timedelta(days=61) < min(filed)
    assert max(filed) < NOW
    desa = Counter(x.address for x in lives if x.address)
    assert len(desa) >= 25  # spread over most of the 33 kelurahan and desa
    assert any("[" not in x.description and "0812" in x.description for x in lives)


def test_every_located_report_lies_in_the_desa_its_address_names() -> None:
    from shapely.geometry import Point

    p = planner()
    names = {d.name: d.polygon for d in p.desa}
    for life in demo_plan(p, 150):
        if life.point is None:
            assert life.address is None
            continue
        assert life.address is not None
        polygon = names[life.address.removeprefix("Kel./Desa ")]
        assert polygon.contains(Point(life.point[1], life.point[0]))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2026-12-04T10:00", "2026-12-04T10:00"),  # Friday in working hours: as it is
        ("2026-12-04T17:30", "2026-12-07T08:00"),  # Friday evening: Monday morning
        ("2026-12-05T09:00", "2026-12-07T08:00"),  # Saturday: Monday morning
        ("2026-12-07T06:15", "2026-12-07T08:00"),  # Monday before work: at 08:00
    ],
)
def test_officers_act_in_working_hours(local: str, expected: str) -> None:
    at = datetime.fromisoformat(local).replace(tzinfo=WITA)
    assert working_time(at, WITA).astimezone(WITA).replace(tzinfo=None) == datetime.fromisoformat(
        expected
    )


def test_the_demo_photo_carries_the_fix_and_time_the_photo_checks_read() -> None:
    taken = datetime(2026, 11, 20, 1, 15, 42, tzinfo=UTC)

    facts = read_photo(camera_photo((0.7243, 124.3187), taken, seed=1), city_tz=WITA)
    no_gps = read_photo(camera_photo(None, taken, seed=2), city_tz=WITA)

    assert facts.gps is not None
    assert abs(facts.gps.lat - 0.7243) < 1e-5
    assert abs(facts.gps.lon - 124.3187) < 1e-5
    assert facts.taken_at == taken
    assert no_gps.gps is None
    assert no_gps.taken_at == taken


def test_the_command_says_when_no_local_stack_answers(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from sikemas_tools.cli import main

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    code = main(["seed-demo", "--api", f"http://127.0.0.1:{port}"])

    assert code == 1
    err = capsys.readouterr().err
    assert "make run" in err
    assert "pengisian data demo gagal" in err  # Indonesian and English, one line
    assert "Traceback" not in err


@pytest.mark.parametrize("reports", ["0", "-5", "2001", "many"])
def test_the_number_of_demo_reports_is_bounded(reports: str) -> None:
    from sikemas_tools.cli import main

    with pytest.raises(SystemExit) as refused:
        main(["seed-demo", "--reports", reports])
    assert refused.value.code == 2
