"""The admin function's handler with in-memory fakes: the queue reads the ByStatus index only
(no scan) and stops where it can; resend_link goes to the agency through the link service;
redact leaves no trace of the former text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from functions.admin import app
from sikemas.city import load_city
from sikemas.domain.report import Status
from sikemas.ports import Page
from sikemas.usecases.followup import FollowUp
from sikemas.usecases.moderation import Moderation
from tests.fakes import FakePhotoStore, FakeReportRepository
from tests.unit.domain.test_report_states import a_report

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
CITY = load_city(Path(__file__).resolve().parents[2] / "cities" / "kotamobagu")
ADMIN = "Rina (Diskominfo)"


class IndexOnly(FakeReportRepository):
    """Counts what the queue reads; any other list of reports fails the test."""

    def __init__(self) -> None:
        super().__init__()
        self.read: list[tuple[Status, int]] = []

    def list_by_status(
        self, status: Status, limit: int, cursor: str | None, *, since: datetime | None = None
    ) -> Page:
        page = super().list_by_status(status, limit, cursor, since=since)
        self.read.append((status, len(page.reports)))
        return page

    def list_open_by_agency(self, agency: str, limit: int, cursor: str | None) -> Page:
        raise AssertionError("the queue reads ByStatus only")

    def list_by_reporter(self, reporter_id: str, limit: int, cursor: str | None) -> Page:
        raise AssertionError("the queue reads ByStatus only")


class FakeLinks:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def resend(self, report_id: str, agency: str) -> tuple[str, str]:
        self.sent.append((report_id, agency))
        return "https://x/agency/r/t", "https://x/s/abcdefgh"


@pytest.fixture
def repo() -> IndexOnly:
    return IndexOnly()


@pytest.fixture
def links() -> FakeLinks:
    return FakeLinks()


@pytest.fixture
def admin(repo: IndexOnly, links: FakeLinks) -> app.Admin:
    files = FakePhotoStore()
    return app.Admin(
        repo=repo,
        city=CITY,
        followup=FollowUp(repo, CITY, lambda: NOW, files),
        moderation=Moderation(repo, files, clock=lambda: NOW),
        clock=lambda: NOW,
        links_factory=lambda: links,
        sns_factory=lambda: None,
        topic_arn=None,
    )


def put(repo: FakeReportRepository, n: int, status: Status, **changes: Any):
    report = a_report(
        status,
        id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n:02d}",
        tracking_code=f"KTG-7K3M{n:02d}",
        **changes,
    )
    repo.put(report)
    return report


def test_stuck_reads_the_oldest_verifying_reports_and_stops_at_the_first_recent_one(repo, admin):
    for n in range(1, 4):
        put(repo, n, Status.VERIFYING, status_since=NOW - timedelta(hours=5 - n))
    for n in range(4, 250):
        put(repo, n, Status.VERIFYING, status_since=NOW - timedelta(minutes=1))

    result = app.handle({"action": "queue", "admin": ADMIN, "stuck_after_minutes": 60}, admin)

    assert [r["tracking_code"] for r in result["stuck"]["reports"]] == [
        "KTG-7K3M01",
        "KTG-7K3M02",
        "KTG-7K3M03",
    ]
    assert result["stuck"]["complete"] is True
    # one page of verifying reports was enough: the rest are recent
    assert [n for status, n in repo.read if status is Status.VERIFYING] == [app._PAGE]


def test_the_queue_reads_at_most_its_bound_per_status(repo, admin):
    for n in range(1, 99):
        put(repo, n, Status.ASSIGNED)
    for n in range(99, 100):
        put(repo, n, Status.ASSIGNED, suspicious=True)

    result = app.handle({"action": "queue", "admin": ADMIN}, admin)

    assert [r["tracking_code"] for r in result["suspicious"]["reports"]] == ["KTG-7K3M99"]
    assert sum(n for status, n in repo.read if status is Status.ASSIGNED) <= app.QUEUE_READ_MAX


def test_resend_link_sends_to_the_reports_agency_by_default(repo, admin, links):
    report = put(repo, 1, Status.ASSIGNED, agency="DLH")

    result = app.handle({"action": "resend_link", "admin": ADMIN, "report": report.id}, admin)

    assert result["ok"] is True
    assert result["sent_to"] == {"agency": "DLH"}
    assert links.sent == [(report.id, "DLH")]


def test_resend_link_to_another_agency_named_in_the_event(repo, admin, links):
    report = put(repo, 1, Status.FORWARDED, agency="PDAM", category="air_bersih")

    app.handle(
        {"action": "resend_link", "admin": ADMIN, "report": report.tracking_code, "agency": "pln"},
        admin,
    )

    assert links.sent == [(report.id, "PLN")]


def test_redact_changes_only_what_is_given_and_records_which_fields(repo, admin):
    report = put(repo, 1, Status.ASSIGNED, address="Jl. Ahmad Yani 5, rumah Bu Sari")

    result = app.handle(
        {"action": "redact", "admin": ADMIN, "report": report.id, "address": "Jl. Ahmad Yani"},
        admin,
    )

    assert result["ok"] is True
    stored = repo.get(report.id)
    assert (stored.address, stored.description) == ("Jl. Ahmad Yani", report.description)
    event = repo.timeline(report.id)[-1]
    assert event.data == {"fields": ["address"]}
    assert event.actor_name == ADMIN
    assert "Sari" not in repr(repo.timeline(report.id))


def test_redact_with_the_same_text_writes_nothing(repo, admin):
    report = put(repo, 1, Status.ASSIGNED)

    app.handle(
        {
            "action": "redact",
            "admin": ADMIN,
            "report": report.id,
            "description": report.description,
        },
        admin,
    )

    assert repo.get(report.id) == report
