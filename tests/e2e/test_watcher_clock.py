"""On the local stack with /_local/clock (issue 9 §2): a report routed Friday evening is reminded
on Sunday morning, overdue for response on Sunday evening and escalated once (agency and admins
in the outbox); an acknowledged one is escalated only when its resolution day passes; a resolved
one closes itself after the reopen window.

The clock is moved into August 2026 (the README's worked example), before the reports of the
other tests, and set back to the real time at the end. The agency's acknowledge and resolve run
through the follow-up use case on the stack's table, as the agency's page does.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.city import load_city
from sikemas.city_calendar import LazyCalendar
from sikemas.domain.calendar import Clocks
from sikemas.usecases.followup import FollowUp
from tests.fakes import FakePhotoStore

ROOT = Path(__file__).resolve().parents[2]
CITY_DIR = ROOT / "cities" / "kotamobagu"
CITY = load_city(CITY_DIR)
WITA = ZoneInfo("Asia/Makassar")
PHONE = "+6281234500099"
AGENCY_EMAIL = "dpmptsp@kotamobagu.local"
ADMINS = "admin@kotamobagu.local"


def permit(text: str) -> dict[str, Any]:
    # perizinan: 48 hours to respond, 5 working days to resolve, no photo needed (routed at once)
    return {"kind": "complaint", "category": "perizinan", "description": text, "notify_sms": True}


def set_clock(url: str, **body: Any) -> dict[str, Any]:
    response = requests.post(f"{url}/_local/clock", json=body, timeout=60)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def watched(answer: dict[str, Any]) -> dict[str, Any]:
    (run,) = [r for r in answer["ran"] if r["function"] == "WatcherFunction"]
    result: dict[str, Any] = run["result"]
    return result


def outbox(url: str, code: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/_local/outbox", timeout=10)
    response.raise_for_status()
    return [
        m
        for m in response.json()["messages"]
        if code in (m["body"] or "") or code in (m["subject"] or "")
    ]


def wait_for(url: str, code: str, ok: Any, timeout_s: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        found = outbox(url, code)
        if ok(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def late(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in messages if "terlambat" in ((m["subject"] or "") + m["body"]).lower()]


@pytest.fixture
def clock(local_stack) -> Iterator[str]:
    yield local_stack.url
    set_clock(local_stack.url, reset=True)


@pytest.fixture
def followup(local_stack) -> FollowUp:
    repo = DynamoReportRepository(
        local_stack.client("dynamodb"), local_stack.resources["Table"], WITA
    )
    clocks = Clocks(CITY.categories, LazyCalendar(CITY, CITY_DIR))

    def now() -> datetime:
        got = requests.get(f"{local_stack.url}/_local/clock", timeout=10).json()["now"]
        return datetime.fromisoformat(got)

    return FollowUp(repo, CITY, now, FakePhotoStore(), clocks=clocks)


def file(local_stack, text: str) -> dict[str, Any]:
    response = requests.post(
        f"{local_stack.url}/v1/reports",
        json=permit(text),
        headers=local_stack.auth(PHONE),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()["report"]
    return report


def test_routed_friday_evening_overdue_sunday_evening_escalated_once(local_stack, clock):
    friday = set_clock(clock, now="2026-08-14T18:00:00+08:00")
    assert friday["now"].startswith("2026-08-14T10:00")  # UTC
    report = file(local_stack, "Izin usaha belum diproses (e2e watcher, tanggapan).")
    code = report["tracking_code"]
    assert report["deadlines"]["respond_by"].startswith("2026-08-16T18:00:0")  # + 48 h
    assert report["deadlines"]["overdue"] is False
    wait_for(clock, code, lambda found: len(found) >= 2)  # the agency's e-mail and SMS

    sunday_morning = watched(set_clock(clock, now="2026-08-16T06:30:00+08:00"))  # 75 % of 48 h
    assert report["id"] in sunday_morning["reminded"]
    assert sunday_morning["escalated"] == []

    sunday_evening = watched(set_clock(clock, now="2026-08-16T19:00:00+08:00"))
    assert sunday_evening["escalated"] == [f"{report['id']}:response"]
    again = watched(set_clock(clock, advance_hours=0))  # the same minute
    assert again["escalated"] == []

    found = wait_for(clock, code, lambda m: {x["to"] for x in late(m)} >= {AGENCY_EMAIL, ADMINS})
    escalations = late(found)
    to = sorted(m["to"] for m in escalations)
    assert to.count(AGENCY_EMAIL) == 1
    assert to.count(ADMINS) == 1
    agency_sms = [m for m in escalations if m["channel"] == "sms"]
    assert len(agency_sms) == 1
    assert len(agency_sms[0]["body"]) <= 160
    for message in escalations:
        assert code in message["body"]
    admin = next(m for m in escalations if m["to"] == ADMINS)
    assert admin["topic"].endswith("AlertsTopic")
    assert f"{local_stack.url}/agency/r/" in admin["body"]  # the signed link
    agency = next(m for m in escalations if m["to"] == AGENCY_EMAIL)
    assert agency["attributes"]["agency"] == "DPMPTSP"
    assert f"{local_stack.url}/agency/r/" in agency["body"]
    reminders = [m for m in found if m["to"] == AGENCY_EMAIL and "Pengingat" in m["subject"]]
    assert len(reminders) == 1
    # the owner's view shows the flag
    mine = requests.get(
        f"{local_stack.url}/v1/me/reports/{report['id']}",
        headers=local_stack.auth(PHONE),
        timeout=10,
    ).json()["report"]
    assert mine["deadlines"]["overdue"] is True
    assert mine["status"] == "assigned"  # a flag, not a state


def test_an_acknowledged_report_is_escalated_only_when_its_resolution_day_passes(
    local_stack, clock, followup
):
    set_clock(clock, now="2026-08-14T17:00:00+08:00")
    report = file(local_stack, "Izin reklame belum diproses (e2e watcher, diterima).")
    # Routed Friday 17:00 WITA; 17 August is Independence Day: due Monday 24 August 16:00.
    assert report["deadlines"]["resolve_by"] == "2026-08-24T16:00:00+08:00"
    set_clock(clock, now="2026-08-15T09:00:00+08:00")
    followup.acknowledge(report["id"], "DPMPTSP", "Budi")

    for moment in ("2026-08-17T09:00:00+08:00", "2026-08-24T15:59:00+08:00"):
        result = watched(set_clock(clock, now=moment))
        assert not [e for e in result["escalated"] if e.startswith(report["id"])], moment
    result = watched(set_clock(clock, now="2026-08-24T16:15:00+08:00"))
    mine = [e for e in result["escalated"] if e.startswith(report["id"])]
    assert mine == [f"{report['id']}:resolution"]
    assert watched(set_clock(clock, advance_hours=0))["escalated"] == []
    found = wait_for(clock, report["tracking_code"], lambda m: len(late(m)) >= 3)
    assert len([m for m in late(found) if m["to"] == AGENCY_EMAIL]) == 1
    assert len([m for m in late(found) if m["to"] == ADMINS]) == 1


def test_a_resolved_report_closes_itself_after_the_reopen_window(local_stack, clock, followup):
    set_clock(clock, now="2026-08-03T10:00:00+08:00")
    report = file(local_stack, "Izin usaha belum diproses (e2e watcher, selesai).")
    followup.acknowledge(report["id"], "DPMPTSP", "Sari")
    set_clock(clock, now="2026-08-04T10:00:00+08:00")
    followup.resolve(report["id"], "DPMPTSP", "Sari", "fixed", None)

    assert watched(set_clock(clock, advance_hours=7 * 24 - 1))["closed"] == []
    closed = watched(set_clock(clock, advance_hours=2))
    assert closed["closed"] == [report["id"]]
    mine = requests.get(
        f"{local_stack.url}/v1/me/reports/{report['id']}",
        headers=local_stack.auth(PHONE),
        timeout=10,
    ).json()["report"]
    assert mine["status"] == "closed"
    last = mine["timeline"][-1]
    assert last["to"] == "closed"
    assert last["by"] == "system"
