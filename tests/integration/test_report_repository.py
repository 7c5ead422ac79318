"""The DynamoDB adapter: one transaction per change, conditional on the report it was computed
from; conflicts retried; conditional failures surfaced as ``ConcurrentUpdate``; idempotent
resends; no hot item; reads that write nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from sikemas.adapters import keys
from sikemas.adapters.dynamo import DynamoReportRepository, client_request_token
from sikemas.domain.photos import (
    CheckResult,
    Copies,
    Findings,
    GpsPoint,
    Photo,
    PhotoOutcome,
    PhotoState,
)
from sikemas.domain.reasons import CheckName, Reason
from sikemas.domain.report import Actor, EventType, Location, Status, amend, transition
from sikemas.errors import ConcurrentUpdate
from sikemas.ports import IdempotencyKeyUsed, IdempotencyRecord
from tests.unit.domain.test_report_states import a_report, received

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def repo(stack, dynamodb) -> DynamoReportRepository:
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    return DynamoReportRepository(dynamodb, table, WITA, sleep=lambda _: None)


@pytest.fixture
def stored(repo):
    report = a_report(Status.RECEIVED, version=1)
    repo.create([received(report)], daily_limit=10, idempotency=None)
    return report


def test_a_transition_computed_from_a_stale_report_is_refused(repo, stored):
    first = transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS)
    repo.apply(first)
    stale = transition(stored, Status.ABANDONED, at=NOW, actor=Actor.SYSTEM)

    with pytest.raises(ConcurrentUpdate) as refused:
        repo.apply(stale)

    assert refused.value.code == "concurrent_update"
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
    repo.apply(verifying, assigned)

    row = dynamodb.get_item(
        TableName=table, Key=keys.counter(date(2026, 11, 28), "category", "sampah")
    )["Item"]
    assert (
        row["entered_received"]["N"],
        row["entered_verifying"]["N"],
        row["entered_assigned"]["N"],
    ) == ("1", "1", "1")
    month = dynamodb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "STATS#2026-11"}},
    )["Items"]
    # no row that every transition in the city writes: one per agency, one per category
    assert sorted(i["SK"]["S"] for i in month) == [
        "2026-11-28#AGENCY#DLH",
        "2026-11-28#CATEGORY#sampah",
    ]


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


class _Recording:
    """A DynamoDB client that remembers every transaction it was asked to write."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.transactions: list[dict[str, Any]] = []
        self.exceptions = real.exceptions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.transactions.append(kwargs)
        return self._real.transact_write_items(**kwargs)

    def keys_written(self) -> set[tuple[str, str]]:
        written = set()
        for t in self.transactions:
            for item in t["TransactItems"]:
                (op,) = item.values()
                key = op.get("Key") or {"PK": op["Item"]["PK"], "SK": op["Item"]["SK"]}
                written.add((key["PK"]["S"], key["SK"]["S"]))
        return written


def test_two_agencies_transitions_write_no_item_in_common(stack, dynamodb):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    # Filed (by one reporter) and routed in the same kelurahan, the same day: every counter
    # row they write, the kelurahan's too, is apart per agency.
    biga = {"desa": "Biga", "desa_code": "71.74.01.1005", "kecamatan": "Kotamobagu Utara"}
    dlh = a_report(Status.VERIFYING, version=1, id="01JD2Y6X3B6Q3W9Y5K8R7T4V2A", subdistrict=biga)
    pupr = a_report(
        Status.VERIFYING,
        version=1,
        id="01JD2Y6X3B6Q3W9Y5K8R7T4V2B",
        tracking_code="KTG-7K3M9R",
        agency="PUPR",
        category="jalan",
        subdistrict=biga,
    )
    writes = {}
    for r in (dlh, pupr):
        client = _Recording(dynamodb)
        repo = DynamoReportRepository(client, table, WITA)
        repo.create([received(r)], daily_limit=10, idempotency=None)
        repo.apply(transition(r, Status.ASSIGNED, at=NOW, actor=Actor.PHOTO_CHECKS))
        writes[r.agency] = {k for k in client.keys_written() if k[0].startswith("STATS#")}

    assert writes["DLH"]
    assert writes["PUPR"]
    assert writes["DLH"].isdisjoint(writes["PUPR"])
    # ... and each counts the kelurahan on its own agency's row, where its filing counted it.
    from sikemas.adapters import keys

    day = dlh.created_at.astimezone(WITA).date()
    for agency in ("DLH", "PUPR"):
        row = dynamodb.get_item(TableName=table, Key=keys.counter(day, "agency", agency))["Item"]
        assert row["desa_71.74.01.1005"] == {"N": "1"}, agency


def test_an_expired_idempotency_record_may_be_written_again(repo):
    first = a_report(Status.RECEIVED, version=1, created_at=NOW)
    repo.create(
        [received(first)], daily_limit=10, idempotency=IdempotencyRecord("k", "h1", first.id)
    )
    later = NOW + timedelta(hours=25)  # TTL may take days to delete the item: it is still there
    second = a_report(
        Status.RECEIVED,
        version=1,
        id="01JD2Y6X3B6Q3W9Y5K8R7T4V2Z",
        tracking_code="KTG-7K3M9Z",
        created_at=later,
    )
    assert repo.get_idempotency(first.reporter_id, "k", later) is None

    repo.create(
        [received(second)], daily_limit=10, idempotency=IdempotencyRecord("k", "h2", second.id)
    )

    record = repo.get_idempotency(first.reporter_id, "k", later)
    assert record is not None
    assert (record.request_hash, record.report_id) == ("h2", second.id)


def test_a_live_idempotency_record_is_a_race_lost(repo):
    first = a_report(Status.RECEIVED, version=1, created_at=NOW)
    repo.create(
        [received(first)], daily_limit=10, idempotency=IdempotencyRecord("k", "h", first.id)
    )
    second = a_report(
        Status.RECEIVED, version=1, id="01JD2Y6X3B6Q3W9Y5K8R7T4V2Z", tracking_code="KTG-7K3M9Z"
    )

    with pytest.raises(IdempotencyKeyUsed):
        repo.create(
            [received(second)], daily_limit=10, idempotency=IdempotencyRecord("k", "h", second.id)
        )
    assert repo.get(second.id) is None


def test_every_transaction_carries_a_token_derived_from_the_operation(stack, dynamodb, stored):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    client = _Recording(dynamodb)
    repo = DynamoReportRepository(client, table, WITA)
    t = transition(stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS)

    repo.apply(t)

    (sent,) = client.transactions
    token = sent["ClientRequestToken"]
    assert 1 <= len(token) <= 36
    assert token == client_request_token(sent["TransactItems"])  # the same operation, same token
    other = transition(stored, Status.ABANDONED, at=NOW, actor=Actor.SYSTEM)
    with pytest.raises(ConcurrentUpdate):
        repo.apply(other)
    assert client.transactions[1]["ClientRequestToken"] != token


def test_a_report_and_its_events_round_trip_with_every_field(repo, stored):
    found = Findings(
        type="jpeg",
        gps=GpsPoint(0.72, 124.31, 250.5),
        taken_at=NOW,
        taken_at_source="exif_offset",
        checks=(
            CheckResult(CheckName.IMAGE, True, None),
            CheckResult(CheckName.GPS, False, Reason.NO_GPS),
        ),
        outcome=PhotoOutcome.NEEDS_REVIEW,
        distance_outside_m=0.0,
    )
    photo = Photo(
        1, "v1", "0A", 5000, NOW, PhotoState.LATE, found, Copies("a.jpg", "a-t.jpg", True)
    )
    verifying = transition(
        stored, Status.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS, photos=(photo,)
    )
    assigned = transition(
        verifying.after,
        Status.ASSIGNED,
        at=NOW,
        actor=Actor.PHOTO_CHECKS,
        subdistrict={"village_name": "Gogagoman"},
        location=Location(0.72, 124.31, 12.5),
    )
    flagged = amend(
        assigned.after,
        EventType.FLAGGED,
        at=NOW,
        actor=Actor.PHOTO_CHECKS,
        reason="outside_city",
        data={"slots": [1]},
        suspicious=True,
    )

    repo.apply(verifying, assigned, flagged)

    assert repo.get(stored.id) == flagged.after
    assert repo.timeline(stored.id)[-3:] == [verifying.event, assigned.event, flagged.event]


def test_finding_a_reporter_writes_nothing(repo, dynamodb, stack):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    before = dynamodb.scan(TableName=table)["Count"]

    assert repo.find_reporter("sub-never-seen") is None

    assert dynamodb.scan(TableName=table)["Count"] == before
    created = repo.reporter_id_for("sub-never-seen", "+6281234500001", NOW)
    assert repo.find_reporter("sub-never-seen") == created
    assert repo.reporter_id_for("sub-never-seen", None, NOW) == created


class _AlwaysCancelled:
    """A client whose reporter transactions are always cancelled, and whose reads find nothing:
    the create path must give up after a few turns, not recurse for ever."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.attempts = 0
        self.exceptions = real.exceptions

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def get_item(self, **kwargs: Any) -> Any:
        return {}

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.attempts += 1
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                "CancellationReasons": [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}],
            },
            "TransactWriteItems",
        )


def test_creating_a_reporter_retries_a_bounded_number_of_times(stack, dynamodb):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    client = _AlwaysCancelled(dynamodb)
    repo = DynamoReportRepository(client, table, WITA, sleep=lambda _: None)

    with pytest.raises(ConcurrentUpdate):
        repo.reporter_id_for("sub", None, NOW)

    assert client.attempts == 3


def test_an_item_in_the_former_shape_still_reads(repo, dynamodb, stack, stored):
    """A local stack keeps its data across restarts: items written before the photo records
    and ``status_since`` existed must still read."""
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    legacy = {
        "1": {
            "version": "v1",
            "size": 5000,
            "received_at": NOW.isoformat(),
            "type": "jpeg",
            "gps": None,
            "taken_at": None,
            "taken_at_source": None,
            "checks": [{"name": "gps", "passed": False, "reason": "no_gps"}],
            "outcome": "needs_review",
            "public_key": "public/x/1-a.jpg",
            "thumbnail_key": "public/x/1-a-thumb.jpg",
        }
    }
    from sikemas.adapters.dynamo import _av

    dynamodb.update_item(
        TableName=table,
        Key={"PK": {"S": f"REPORT#{stored.id}"}, "SK": {"S": "META"}},
        UpdateExpression="SET photos = :p, #s = :s REMOVE status_since, status_by",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": _av(legacy), ":s": {"S": "needs_review"}},
    )

    report = repo.get(stored.id)

    assert report is not None
    assert (report.status_by, report.status_since) == (Actor.PHOTO_CHECKS, stored.updated_at)
    (photo,) = report.photos
    assert (photo.slot, photo.version, photo.outcome) == (1, "v1", PhotoOutcome.NEEDS_REVIEW)
    assert photo.copies == Copies("public/x/1-a.jpg", "public/x/1-a-thumb.jpg", private=False)
