"""Statistics from the counters: the period's rules, the city's sentence, the buckets' median
and 90th percentile, and the counters a report's life writes (duplicates are no new case,
not_fixable is never fixed, vertical agencies counted apart)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sikemas.city import load_city
from sikemas.domain.counters import bucket_name
from sikemas.domain.report import Actor, Kind, Privacy, file_report, transition
from sikemas.domain.report import Status as S
from sikemas.errors import InvalidPeriod, PeriodTooLong, UnknownParameter
from sikemas.usecases.followup import FollowUp
from sikemas.usecases.stats import Period, Stats, durations, parse_period, sentence
from tests.fakes import FakePhotoStore, FakeReportRepository

CITY = load_city(Path(__file__).resolve().parents[2] / "cities" / "kotamobagu")
TODAY = date(2026, 12, 6)
NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)  # 09:00 in Kotamobagu


# -- the period ---------------------------------------------------------------------------------


def test_the_default_period_is_the_last_30_city_days_up_to_today():
    assert parse_period({}, TODAY) == Period(date(2026, 11, 7), TODAY)
    assert parse_period({"to": "2026-01-31"}, TODAY) == Period(date(2026, 1, 2), date(2026, 1, 31))
    assert parse_period({"from": "2026-12-01"}, TODAY) == Period(date(2026, 12, 1), TODAY)


def test_366_days_are_allowed_and_367_are_too_long():
    assert parse_period({"from": "2024-01-01", "to": "2024-12-31"}, TODAY).days == 366
    with pytest.raises(PeriodTooLong) as refused:
        parse_period({"from": "2025-01-01", "to": "2026-01-02"}, TODAY)
    assert refused.value.code == "period_too_long"
    assert refused.value.details == [{"field": "to", "issue": "too_long", "max_days": 366}]


def test_a_reversed_period_is_refused():
    with pytest.raises(InvalidPeriod) as refused:
        parse_period({"from": "2026-11-02", "to": "2026-11-01"}, TODAY)
    assert refused.value.details == [{"field": "from", "issue": "after_to"}]


@pytest.mark.parametrize(
    "raw", ["2026-13-01", "2026-02-30", "20261101", "2026-1-1", "yesterday", "", "2026-11-01,x"]
)
def test_what_is_not_a_date_is_refused(raw):
    with pytest.raises(InvalidPeriod) as refused:
        parse_period({"from": raw}, TODAY)
    assert refused.value.code == "invalid_period"
    assert refused.value.details[0]["field"] == "from"


def test_an_unknown_parameter_is_refused_by_name():
    with pytest.raises(UnknownParameter) as refused:
        parse_period({"from": "2026-11-01", "agency": "DLH", "status": "x"}, TODAY)
    assert [d["field"] for d in refused.value.details] == ["agency", "status"]


# -- the sentence and the buckets ---------------------------------------------------------------


def test_the_sentence_in_the_citys_own_form():
    said = sentence(93, 53, 40, ["PDAM", "PLN"])
    assert said["id"] == (
        "Dari 93 laporan, 53 telah ditindaklanjuti dan selesai; "
        "40 menyangkut instansi vertikal (PDAM, PLN)."
    )
    assert said["en"] == (
        "Of 93 reports, 53 were followed up and closed; 40 concern vertical agencies (PDAM, PLN)."
    )
    assert sentence(10, 4, 0, [])["id"] == "Dari 10 laporan, 4 telah ditindaklanjuti dan selesai."
    assert sentence(0, 0, 0, [])["en"] == "No reports in this period."


@pytest.mark.parametrize(
    ("hours", "bucket"),
    [(0, "1"), (1, "1"), (1.01, "2"), (24, "24"), (25, "48"), (720, "720"), (721, "inf")],
)
def test_a_duration_falls_in_the_first_bucket_whose_edge_it_does_not_pass(hours, bucket):
    assert bucket_name(hours) == bucket


def test_median_and_p90_are_the_edges_of_the_buckets_they_fall_in():
    # 10 durations: 4 within 1 h, 3 within 24 h, 2 within 72 h, 1 beyond 720 h.
    found = durations({"1": 4, "24": 3, "72": 2, "inf": 1})
    assert (found["count"], found["median_hours"], found["p90_hours"]) == (10, 24, 72)
    assert durations({"inf": 3})["median_hours"] is None  # beyond the last edge
    assert durations({})["median_hours"] is None


# -- counters through the use cases -------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = NOW - timedelta(days=3)

    def __call__(self) -> datetime:
        return self.now


def _file(repo: FakeReportRepository, n: int, category: str, at: datetime, kind=Kind.FEEDBACK):
    transitions = file_report(
        report_id=f"R{n:04d}",
        tracking_code=f"KTG-{n:06d}",
        reporter_id=f"P{n}",
        kind=kind,
        category=CITY.categories[category],
        description="x",
        location=None,
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=0,
        notify_sms=False,
        at=at,
    )
    if transitions[-1].after.status is S.RECEIVED:  # a complaint waiting for its photo: route
        report = transitions[-1].after
        transitions.append(
            transition(report, S.ASSIGNED, at=at, actor=Actor.PHOTO_CHECKS)
            if CITY.categories[category].agency.jurisdiction == "city"
            else transition(report, S.FORWARDED, at=at, actor=Actor.PHOTO_CHECKS)
        )
    repo.create(transitions, daily_limit=100, idempotency=None)
    return transitions[-1].after


def test_duplicates_are_no_new_case_and_not_fixable_is_never_fixed():
    repo, clock = FakeReportRepository(), Clock()
    followup = FollowUp(repo, CITY, clock, FakePhotoStore())
    a = _file(repo, 1, "jalan", clock.now)
    b = _file(repo, 2, "jalan", clock.now)
    c = _file(repo, 3, "jalan", clock.now)
    clock.now += timedelta(hours=3)
    followup.acknowledge(a.id, "PUPR", "Budi")
    clock.now += timedelta(hours=20)
    followup.resolve(a.id, "PUPR", "Budi", "not_fixable", "Bukan jalan kota")
    followup.resolve(b.id, "PUPR", "Budi", "fixed", None)
    followup.mark_duplicate(c.id, "Admin", a.id)

    stats = Stats(repo, CITY, lambda: NOW).figures({})
    pupr = next(a for a in stats["agencies"] if a["code"] == "PUPR")

    assert (pupr["received"], pupr["duplicates"], pupr["routed"]) == (2, 1, 3)
    assert (pupr["resolved_fixed"], pupr["resolved_not_fixable"]) == (1, 1)
    assert pupr["now"] == {"resolved": 2, "duplicate": 1}
    assert pupr["followed_up_and_done"] == 2
    # a: responded after 3 h, resolved after 23 h; b: resolved (and so responded) after 23 h
    assert pupr["hours"]["response"]["count"] == 2
    assert pupr["hours"]["response"]["median_hours"] == 4
    assert pupr["hours"]["resolution"]["median_hours"] == 24
    assert stats["totals"]["received"] == 2
    assert stats["summary"]["id"] == "Dari 2 laporan, 2 telah ditindaklanjuti dan selesai."


def test_vertical_agencies_are_counted_apart_and_named_in_the_sentence():
    repo, clock = FakeReportRepository(), Clock()
    followup = FollowUp(repo, CITY, clock, FakePhotoStore())
    for n in range(3):
        _file(repo, n, "sampah", clock.now, kind=Kind.COMPLAINT)
    water = [_file(repo, 10 + n, "air_bersih", clock.now) for n in range(2)]
    _file(repo, 20, "listrik", clock.now)
    _file(repo, 30, "jalan", clock.now, kind=Kind.COMPLAINT)
    followup.record_vertical_outcome(water[0].id, "PDAM", "Sari", "handled", "PDAM-17")

    stats = Stats(repo, CITY, lambda: NOW).figures({"from": "2026-12-01", "to": "2026-12-06"})

    assert stats["summary"]["id"] == (
        "Dari 7 laporan, 0 telah ditindaklanjuti dan selesai; "
        "3 menyangkut instansi vertikal (PDAM, PLN)."
    )
    assert [(a["code"], a["complaints"]) for a in stats["top_agencies"]] == [
        ("DLH", 3),
        ("PUPR", 1),
    ]
    pdam = next(a for a in stats["agencies"] if a["code"] == "PDAM")
    assert (pdam["forwarded"], pdam["closed"]) == (2, 1)
    assert pdam["vertical_outcomes"] == {"handled": 1, "not_theirs": 0, "not_fixable": 0}
    assert stats["vertical"]["received"] == 3
    per_day = {d["date"]: d["received"] for d in stats["per_day"]}
    assert (len(per_day), per_day["2026-12-03"], per_day["2026-12-06"]) == (6, 7, 0)


def test_a_report_moved_to_another_agency_moves_its_received_count():
    repo, clock = FakeReportRepository(), Clock()
    followup = FollowUp(repo, CITY, clock, FakePhotoStore())
    a = _file(repo, 1, "jalan", clock.now)
    followup.hand_back(a.id, "PUPR", "Budi", "Bukan urusan kami")
    followup.recategorise(a.id, "Admin", "drainase")  # still PUPR, another category
    followup.hand_back(a.id, "PUPR", "Budi", "Saluran milik DLH")
    followup.forward(a.id, "Admin", "PDAM")

    stats = Stats(repo, CITY, lambda: NOW).figures({})
    received = {x["code"]: x["received"] for x in stats["agencies"]}
    by_category = {x["code"]: x["received"] for x in stats["categories"]}

    assert (received["PUPR"], received["PDAM"]) == (0, 1)
    assert (by_category["jalan"], by_category["drainase"]) == (0, 1)
    assert stats["totals"]["received"] == 1


# -- the kelurahan with the most reports --------------------------------------------------------

BIGA = {"desa": "Biga", "desa_code": "71.74.01.1005", "kecamatan": "Kotamobagu Utara"}
MOGOLAING = {"desa": "x", "desa_code": "71.74.04.1003", "kecamatan": "x"}  # names: the file


def _file_at(repo, n, category, at, subdistrict, kind=Kind.FEEDBACK):
    transitions = file_report(
        report_id=f"R{n:04d}",
        tracking_code=f"KTG-{n:06d}",
        reporter_id=f"P{n}",
        kind=kind,
        category=CITY.categories[category],
        description="x",
        location=None,
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=0,
        notify_sms=False,
        at=at,
        subdistrict=subdistrict,
    )
    repo.create(transitions, daily_limit=100, idempotency=None)
    return transitions[-1].after


def test_the_kelurahan_with_the_most_reports_summed_over_agencies_and_named_from_the_city():
    repo, clock = FakeReportRepository(), Clock()
    followup = FollowUp(repo, CITY, clock, FakePhotoStore())
    _file_at(repo, 1, "jalan", clock.now, BIGA)  # PUPR
    _file_at(repo, 2, "kesehatan", clock.now, BIGA)  # DINKES
    water = _file_at(repo, 3, "air_bersih", clock.now, BIGA)  # PDAM
    _file_at(repo, 4, "jalan", clock.now, MOGOLAING)
    copy = _file_at(repo, 5, "jalan", clock.now, MOGOLAING)
    _file_at(repo, 6, "jalan", clock.now, None)  # no location: in no kelurahan
    followup.mark_duplicate(copy.id, "Admin", "R0004")  # no new case
    followup.record_vertical_outcome(water.id, "PDAM", "Sari", "handled", "PDAM-1")

    stats = Stats(repo, CITY, lambda: NOW).figures({})

    # Names (and the kecamatan) from the city's subdistricts file, not from the reports.
    assert stats["subdistricts"] == [
        {"code": "71.74.01.1005", "name": "Biga", "kecamatan": "Kotamobagu Utara", "received": 3},
        {
            "code": "71.74.04.1003",
            "name": "Mogolaing",
            "kecamatan": "Kotamobagu Barat",
            "received": 1,
        },
    ]
    # The ranking's reports are among the period's received ones (the unlocated one apart).
    assert stats["totals"]["received"] == 5


def test_the_ranking_keeps_the_ten_with_the_most_reports_ties_by_code():
    from sikemas.domain.counters import CounterRow, Dimension
    from sikemas.usecases.stats import summarise

    day = date(2026, 12, 1)
    rows = [
        CounterRow(day, Dimension.AGENCY, "DLH", {f"desa_C{i:02d}": i % 4 for i in range(14)}),
        CounterRow(day, Dimension.AGENCY, "PUPR", {"desa_C01": 5, "received": 5}),
        CounterRow(date(2026, 11, 1), Dimension.AGENCY, "PUPR", {"desa_C00": 9}),
    ]

    ranked = summarise(CITY, Period(day, day), rows, {"C03": {"desa": "Tiga"}})["subdistricts"]

    assert [(d["code"], d["received"]) for d in ranked] == [
        ("C01", 6),
        ("C03", 3),
        ("C07", 3),
        ("C11", 3),
        ("C02", 2),
        ("C06", 2),
        ("C10", 2),
        ("C05", 1),
        ("C09", 1),
        ("C13", 1),
    ]
    assert ranked[1]["name"] == "Tiga"
    assert (ranked[0]["name"], ranked[0]["kecamatan"]) == ("C01", None)
