"""The watcher function through the template's table in moto: it finds a late report through
the index ByDue, flags and escalates it once (two runs in the same minute), and a report not
due stays out of its reads; the schedule and least privilege as the template declares them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sikemas import composition
from sikemas.adapters import keys
from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.domain.report import Actor, EventType, Report, Status, transition
from sikemas_local.template import function_specs
from tests.integration.conftest import load_function
from tests.unit.domain.test_report_states import a_report, received
from tests.unit.test_watcher_usecase import CLOCKS, RESPOND_BY, ROUTED

WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture
def repo(stack, dynamodb) -> DynamoReportRepository:
    table = stack.function_environment("WatcherFunction")["TABLE_NAME"]
    return DynamoReportRepository(dynamodb, table, WITA, sleep=lambda _: None)


def routed(repo: DynamoReportRepository, n: int, at: datetime) -> Report:
    report = a_report(
        Status.VERIFYING,
        id=f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n:02d}",
        tracking_code=f"KTG-7K3M{n:02d}",
        version=1,
        created_at=at,
        updated_at=at,
        status_since=at,
    )
    repo.create([received(report)], daily_limit=100, idempotency=None)
    t = transition(report, Status.ASSIGNED, at=at, actor=Actor.PHOTO_CHECKS, clocks=CLOCKS)
    repo.apply(t)
    return t.after


def at_time(monkeypatch: pytest.MonkeyPatch, when: datetime) -> None:
    """The functions' clock moved as the local stack moves it."""
    monkeypatch.setattr(composition, "_clock_offset", when - datetime.now(UTC))


def test_a_late_report_is_escalated_once_through_the_index(stack, repo, monkeypatch) -> None:
    late = routed(repo, 1, ROUTED)
    later = routed(repo, 2, ROUTED + timedelta(days=1))  # its reminder is not due yet
    function = load_function(stack, "WatcherFunction", monkeypatch)

    at_time(monkeypatch, RESPOND_BY + timedelta(minutes=1))
    first = function.invoke({"source": "aws.scheduler"})
    second = function.invoke({"source": "aws.scheduler"})  # the same minute

    assert first["escalated"] == [f"{late.id}:response"]
    assert first["read"] == 1  # only the late one came out of the index
    assert second["escalated"] == []
    assert second["read"] == 0
    overdue = [e for e in repo.timeline(late.id) if e.type is EventType.OVERDUE]
    assert len(overdue) == 1
    assert overdue[0].data["due"] == RESPOND_BY.isoformat()
    stored = repo.get(late.id)
    assert stored.status is Status.ASSIGNED
    assert stored.overdue_response_for == RESPOND_BY
    assert repo.timeline(later.id)[-1].type is EventType.STATUS
    # The late report's next due instant is now its resolution deadline.
    page = repo.list_due(stored.deadlines.resolve_by + timedelta(seconds=1), 10, None)
    assert late.id in [r.id for r in page.reports]


def test_the_schedule_and_least_privilege(stack) -> None:
    spec = function_specs(stack.template)["WatcherFunction"]
    (schedule,) = spec.schedules
    assert stack.resolve(schedule.expression) == "rate(15 minutes)"
    props = stack.template["Resources"]["WatcherFunction"]["Properties"]
    statements = props["Policies"][0]["Statement"]
    actions = {
        a
        for s in statements
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert actions == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
    }
    (query,) = [s for s in statements if s["Action"] == "dynamodb:Query"]
    assert [stack.resolve(r).rsplit("/", 1)[-1] for r in query["Resource"]] == [
        keys.BY_DUE_INDEX,
        keys.BY_STATUS_INDEX,
    ]
