"""The DynamoDB adapter: one transaction per transition, conditional on the state it was
computed from; conflicts retried; conditional failures surfaced as 409s."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.domain.report import Actor, Status, receive, transition
from sikemas.errors import ConcurrentUpdate
from tests.unit.domain.test_report_states import a_report

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def repo(stack, dynamodb) -> DynamoReportRepository:
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    return DynamoReportRepository(dynamodb, table, WITA, sleep=lambda _: None)


@pytest.fixture
def stored(repo):
    report = a_report(Status.RECEIVED, version=1)
    repo.create([receive(report)], daily_limit=10, idempotency=None)
    return report


def test_a_transition_computed_from_a_stale_report_is_refused_as_a_409(repo, stored):
    first = transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS)
    repo.apply(first)
    stale = transition(stored, Status.ABANDONED, at=NOW, actor=Actor.SYSTEM)

    with pytest.raises(ConcurrentUpdate) as refused:
        repo.apply(stale)

    assert refused.value.status == 409
    assert repo.get(stored.id).status is Status.VERIFYING
    assert [e.to_status for e in repo.timeline(stored.id)] == [Status.RECEIVED, Status.VERIFYING]


def test_a_redelivered_transition_writes_nothing_twice(repo, stored):
    t = transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS)
    repo.apply(t)

    with pytest.raises(ConcurrentUpdate):
        repo.apply(t)

    assert len(repo.timeline(stored.id)) == 2


def test_counters_count_each_transition_once_per_city_day(repo, stored, dynamodb, stack):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    verifying = transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS)
    assigned = transition(
        verifying.after, Status.ASSIGNED, at=NOW + timedelta(hours=1), actor=Actor.PHOTO_CHECKS
    )
    repo.apply_many([verifying, assigned])

    row = dynamodb.get_item(
        TableName=table, Key={"PK": {"S": "STATS#2026-11-28"}, "SK": {"S": "CATEGORY#sampah"}}
    )["Item"]
    assert (
        row["entered_received"]["N"],
        row["entered_verifying"]["N"],
        row["entered_assigned"]["N"],
    ) == ("1", "1", "1")


class _Conflicting:
    """A DynamoDB client whose first transactions collide with another writer."""

    def __init__(self, real: Any, conflicts: int) -> None:
        self._real = real
        self.conflicts = conflicts
        self.calls = 0
        self.exceptions = real.exceptions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.calls <= self.conflicts:
            items = kwargs["TransactItems"]
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}]
                    + [{"Code": "None"}] * (len(items) - 1),
                },
                "TransactWriteItems",
            )
        return self._real.transact_write_items(**kwargs)


def test_a_transaction_conflict_is_retried(stack, dynamodb, stored):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    client = _Conflicting(dynamodb, conflicts=2)
    repo = DynamoReportRepository(client, table, WITA, sleep=lambda _: None)

    repo.apply(transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS))

    assert client.calls == 3
    assert repo.get(stored.id).status is Status.VERIFYING


def test_endless_conflicts_give_up_with_the_error(stack, dynamodb, stored):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    repo = DynamoReportRepository(
        _Conflicting(dynamodb, conflicts=99), table, WITA, sleep=lambda _: None
    )

    with pytest.raises(ClientError):
        repo.apply(transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS))

    assert repo.get(stored.id).status is Status.RECEIVED
