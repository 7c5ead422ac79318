"""The follow-up's queries on DynamoDB: the review queue by status (index ByStatus) and an
agency's open reports (index ByAgency, sparse: a closed report leaves it), paged by cursor, and
the follow-up's fields read back as written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.domain.photos import Findings, Photo, PhotoOutcome
from sikemas.domain.report import Actor, AgencyOutcome, Report, Status, transition
from sikemas.errors import InvalidCursor
from tests.unit.domain.test_report_states import a_report, received

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
S = Status


@pytest.fixture
def repo(stack, dynamodb) -> DynamoReportRepository:
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    return DynamoReportRepository(dynamodb, table, ZoneInfo("Asia/Makassar"), sleep=lambda _: None)


def filed(repo: DynamoReportRepository, n: int, **changes: object) -> Report:
    report = a_report(
        S.VERIFYING,
        id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n:02d}",
        tracking_code=f"KTG-7K3M{n:02d}",
        version=1,
        **changes,
    )
    repo.create([received(report)], daily_limit=100, idempotency=None)
    return report


def moved(repo: DynamoReportRepository, report: Report, target: Status, at: datetime) -> Report:
    t = transition(report, target, at=at, actor=Actor.ADMIN, duplicate_of="x")
    repo.apply(t)
    return t.after


def test_reports_by_status_longest_there_first_paged(repo):
    reports = [filed(repo, n) for n in range(3)]
    # Into review in the order 2, 0, 1 (oldest first is what the queue shows).
    for n, minutes in ((2, 1), (0, 2), (1, 3)):
        moved(repo, reports[n], S.NEEDS_REVIEW, NOW + timedelta(minutes=minutes))
    filed(repo, 9)  # still verifying: not in the queue

    first = repo.list_by_status(S.NEEDS_REVIEW, 2, None)
    second = repo.list_by_status(S.NEEDS_REVIEW, 2, first.cursor)

    assert [r.id for r in first.reports] == [reports[2].id, reports[0].id]
    assert [r.id for r in second.reports] == [reports[1].id]
    assert [r.id for r in repo.list_by_status(S.VERIFYING, 10, None).reports] == [
        a_report(id="01JD2Y6X3B6Q3W9Y5K8R7T4V09").id
    ]


def test_an_agencys_open_reports_and_a_closed_one_leaves_the_index(repo):
    a = moved(repo, filed(repo, 1), S.ASSIGNED, NOW)
    b = moved(repo, filed(repo, 2), S.ASSIGNED, NOW + timedelta(minutes=1))
    c = moved(repo, filed(repo, 3, agency="PUPR"), S.ASSIGNED, NOW)
    b = moved(repo, b, S.IN_PROGRESS, NOW + timedelta(minutes=2))

    open_dlh = repo.list_open_by_agency("DLH", 10, None)
    assert [r.id for r in open_dlh.reports] == [a.id, b.id]  # assigned before in_progress
    assert [r.id for r in repo.list_open_by_agency("PUPR", 10, None).reports] == [c.id]

    b = moved(repo, b, S.RESOLVED, NOW + timedelta(minutes=3))
    assert [r.id for r in repo.list_open_by_agency("DLH", 10, None).reports] == [a.id]
    assert [r.id for r in repo.list_by_status(S.RESOLVED, 10, None).reports] == [b.id]


def test_a_cursor_of_one_list_is_refused_by_another(repo):
    for n in range(3):
        moved(repo, filed(repo, n), S.ASSIGNED, NOW + timedelta(minutes=n))
    by_status = repo.list_by_status(S.ASSIGNED, 1, None)
    by_agency = repo.list_open_by_agency("DLH", 1, None)
    assert by_status.cursor
    assert by_agency.cursor

    with pytest.raises(InvalidCursor):
        repo.list_open_by_agency("DLH", 1, by_status.cursor)
    with pytest.raises(InvalidCursor):
        repo.list_by_status(S.NEEDS_REVIEW, 1, by_status.cursor)
    with pytest.raises(InvalidCursor):
        repo.list_open_by_agency("PUPR", 1, by_agency.cursor)


def test_the_follow_up_fields_read_back_as_written(repo):
    report = moved(repo, filed(repo, 1), S.ASSIGNED, NOW)
    after_photo = Photo(
        1,
        "v1",
        "01",
        5000,
        NOW,
        findings=Findings(None, None, None, None, (), PhotoOutcome.ACCEPTED),
    )
    t = transition(
        report,
        S.RESOLVED,
        at=NOW,
        actor=Actor.AGENCY,
        actor_name="Budi",
        outcome=AgencyOutcome.NOT_FIXABLE,
        outcome_reason="lahan pribadi",
        outcome_reference="REF-1",
        outcome_by="Budi",
        resolved_at=NOW,
        reopened=2,
        confirmed_by_citizen=True,
        after_photos=(after_photo,),
    )
    repo.apply(t)

    assert repo.get(report.id) == t.after
    assert replace(t.after, after_photos=()) != t.after  # the photo is part of what was compared


def test_reports_by_status_since_an_instant_leave_the_earlier_ones_unread(repo):
    reports = [filed(repo, n) for n in range(3)]
    for n, minutes in ((0, 1), (1, 30), (2, 90)):
        moved(repo, reports[n], S.NEEDS_REVIEW, NOW + timedelta(minutes=minutes))

    since = repo.list_by_status(S.NEEDS_REVIEW, 10, None, since=NOW + timedelta(minutes=30))
    at_once = repo.list_by_status(
        S.NEEDS_REVIEW, 10, None, since=NOW + timedelta(minutes=30, seconds=1)
    )

    assert [r.id for r in since.reports] == [reports[1].id, reports[2].id]  # from the instant on
    assert [r.id for r in at_once.reports] == [reports[2].id]
    assert [r.id for r in repo.list_by_status(S.NEEDS_REVIEW, 10, None).reports] == [
        r.id for r in reports
    ]
