"""DynamoDB adapter: reports, their timelines, counters, reporters, quotas and idempotency
records in one table. Every state change is one transaction: the report's conditional write
(expected version and status), its timeline event, and the day's counters.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast
from zoneinfo import ZoneInfo

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from sikemas.adapters import keys
from sikemas.domain.counters import counter_increments
from sikemas.domain.report import (
    Actor,
    Kind,
    Location,
    Privacy,
    Report,
    Status,
    TimelineEvent,
    Transition,
)
from sikemas.errors import ConcurrentUpdate, DailyLimitExceeded, InvalidCursor
from sikemas.ids import new_ulid
from sikemas.ports import IdempotencyKeyUsed, IdempotencyRecord, Page, TrackingCodeTaken

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_ser = TypeSerializer()
_deser = TypeDeserializer()
_MAX_CONFLICT_RETRIES = 4
_MAX_CURSOR_CHARS = 1024
IDEMPOTENCY_TTL = timedelta(hours=24)


def _av(value: Any) -> Any:
    """A Python value as a DynamoDB attribute value (floats go through Decimal)."""
    return _ser.serialize(_decimals(value))


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """Decimals back to int/float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def report_to_item(r: Report) -> dict[str, dict[str, Any]]:
    item: dict[str, dict[str, Any]] = {
        **keys.report(r.id),
        **keys.by_reporter(r.reporter_id, r.created_at, r.id),
        "type": {"S": "report"},
        "id": {"S": r.id},
        "tracking_code": {"S": r.tracking_code},
        "reporter_id": {"S": r.reporter_id},
        "kind": {"S": r.kind.value},
        "category": {"S": r.category},
        "agency": {"S": r.agency},
        "description": {"S": r.description},
        "privacy": {"S": r.privacy.value},
        "photo_count": {"N": str(r.photo_count)},
        "notify_sms": {"BOOL": r.notify_sms},
        "status": {"S": r.status.value},
        "version": {"N": str(r.version)},
        "created_at": {"S": r.created_at.isoformat()},
        "updated_at": {"S": r.updated_at.isoformat()},
        "photos": _av({str(slot): p for slot, p in r.photos.items()}),
    }
    if r.location is not None:
        loc: dict[str, Any] = {"lat": r.location.lat, "lon": r.location.lon}
        if r.location.accuracy_m is not None:
            loc["accuracy_m"] = r.location.accuracy_m
        item["location"] = _av(loc)
    if r.address is not None:
        item["address"] = {"S": r.address}
    if r.rejected_by is not None:
        item["rejected_by"] = {"S": r.rejected_by.value}
    if r.duplicate_of is not None:
        item["duplicate_of"] = {"S": r.duplicate_of}
    if r.suspicious:
        item["suspicious"] = {"BOOL": True}
    if r.subdistrict is not None:
        item["subdistrict"] = _av(r.subdistrict)
    return item


def item_to_report(item: Mapping[str, Any]) -> Report:
    d = {k: _plain(_deser.deserialize(v)) for k, v in item.items()}
    loc = d.get("location")
    return Report(
        id=d["id"],
        tracking_code=d["tracking_code"],
        reporter_id=d["reporter_id"],
        kind=Kind(d["kind"]),
        category=d["category"],
        agency=d["agency"],
        description=d["description"],
        location=(
            Location(lat=float(loc["lat"]), lon=float(loc["lon"]), accuracy_m=loc.get("accuracy_m"))
            if loc
            else None
        ),
        address=d.get("address"),
        privacy=Privacy(d["privacy"]),
        photo_count=d["photo_count"],
        notify_sms=d["notify_sms"],
        status=Status(d["status"]),
        version=d["version"],
        created_at=datetime.fromisoformat(d["created_at"]),
        updated_at=datetime.fromisoformat(d["updated_at"]),
        rejected_by=Actor(d["rejected_by"]) if d.get("rejected_by") else None,
        duplicate_of=d.get("duplicate_of"),
        photos={int(slot): p for slot, p in d.get("photos", {}).items()},
        suspicious=bool(d.get("suspicious", False)),
        subdistrict=d.get("subdistrict"),
    )


def _event_item(e: TimelineEvent) -> dict[str, dict[str, Any]]:
    item: dict[str, dict[str, Any]] = {
        **keys.event(e.report_id, e.at, e.seq),
        "type": {"S": "event"},
        "seq": {"N": str(e.seq)},
        "at": {"S": e.at.isoformat()},
        "actor": {"S": e.actor.value},
        "to_status": {"S": e.to_status.value},
    }
    if e.from_status is not None:
        item["from_status"] = {"S": e.from_status.value}
    if e.note is not None:
        item["note"] = {"S": e.note}
    if e.reason is not None:
        item["reason"] = {"S": e.reason}
    return item


def _item_to_event(report_id: str, item: Mapping[str, Any]) -> TimelineEvent:
    return TimelineEvent(
        report_id=report_id,
        seq=int(item["seq"]["N"]),
        at=datetime.fromisoformat(item["at"]["S"]),
        actor=Actor(item["actor"]["S"]),
        from_status=Status(item["from_status"]["S"]) if "from_status" in item else None,
        to_status=Status(item["to_status"]["S"]),
        note=item.get("note", {}).get("S"),
        reason=item.get("reason", {}).get("S"),
    )


class DynamoReportRepository:
    """Reports, timelines, counters, reporters: the ``ReportRepository`` port on DynamoDB."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        tz: ZoneInfo,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._db = client
        self._table = table_name
        self._tz = tz
        self._sleep = sleep

    # -- reporters --------------------------------------------------------------------------

    def reporter_id_for(self, subject: str, phone: str | None, now: datetime) -> str:
        """The opaque reporter id behind a token's ``sub``, created on first sight. The phone
        lives only on the reporter's profile, apart from reports."""
        found = self._db.get_item(
            TableName=self._table, Key=keys.identity(subject), ConsistentRead=True
        ).get("Item")
        if found:
            return str(found["reporter_id"]["S"])
        reporter_id = new_ulid(now)
        profile: dict[str, dict[str, Any]] = {
            **keys.reporter_profile(reporter_id),
            "type": {"S": "reporter"},
            "created_at": {"S": now.isoformat()},
        }
        if phone:
            profile["phone"] = {"S": phone}
        try:
            self._db.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": {
                                **keys.identity(subject),
                                "type": {"S": "identity"},
                                "reporter_id": {"S": reporter_id},
                            },
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {"Put": {"TableName": self._table, "Item": profile}},
                ]
            )
        except self._db.exceptions.TransactionCanceledException:
            # Another request created it first: use theirs.
            return self.reporter_id_for(subject, phone, now)
        return reporter_id

    # -- reads ------------------------------------------------------------------------------

    def get(self, report_id: str) -> Report | None:
        item = self._db.get_item(
            TableName=self._table, Key=keys.report(report_id), ConsistentRead=True
        ).get("Item")
        return item_to_report(item) if item else None

    def get_by_tracking_code(self, code: str) -> Report | None:
        alias = self._db.get_item(TableName=self._table, Key=keys.tracking(code)).get("Item")
        return self.get(alias["report_id"]["S"]) if alias else None

    def timeline(self, report_id: str) -> list[TimelineEvent]:
        events: list[TimelineEvent] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :ev)",
            "ExpressionAttributeValues": {
                ":pk": {"S": keys.report_partition(report_id)},
                ":ev": {"S": keys.EVENT_PREFIX},
            },
        }
        while True:
            page = self._db.query(**kwargs)
            events.extend(_item_to_event(report_id, i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return sorted(events, key=lambda e: e.seq)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def list_by_reporter(self, reporter_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.by_reporter_partition(reporter_id)
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.BY_REPORTER_INDEX,
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": partition}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, partition)
        page = self._db.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return Page(
            reports=[item_to_report(i) for i in page.get("Items", [])],
            cursor=_encode_cursor(last) if last else None,
        )

    def get_idempotency(self, reporter_id: str, key: str) -> IdempotencyRecord | None:
        item = self._db.get_item(
            TableName=self._table, Key=keys.idempotency(reporter_id, key), ConsistentRead=True
        ).get("Item")
        if not item or int(item["expires_at"]["N"]) < time.time():
            return None
        return IdempotencyRecord(
            key=key, request_hash=item["request_hash"]["S"], report_id=item["report_id"]["S"]
        )

    # -- writes -----------------------------------------------------------------------------

    def create(
        self,
        transitions: Sequence[Transition],
        *,
        daily_limit: int,
        idempotency: IdempotencyRecord | None,
    ) -> None:
        """Write a new report with its first transitions, its tracking alias, the reporter's
        daily quota (refused past ``daily_limit``) and the idempotency record, atomically."""
        report = transitions[-1].after
        now = transitions[0].event.at
        day = now.astimezone(self._tz).date()
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": report_to_item(report),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Put": {
                    "TableName": self._table,
                    "Item": {
                        **keys.tracking(report.tracking_code),
                        "type": {"S": "tracking"},
                        "report_id": {"S": report.id},
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.quota(report.reporter_id, day),
                    "UpdateExpression": "ADD #n :one SET expires_at = :exp",
                    "ConditionExpression": "attribute_not_exists(#n) OR #n < :limit",
                    "ExpressionAttributeNames": {"#n": "count"},
                    "ExpressionAttributeValues": {
                        ":one": {"N": "1"},
                        ":limit": {"N": str(daily_limit)},
                        ":exp": {"N": str(int((now + timedelta(days=2)).timestamp()))},
                    },
                }
            },
        ]
        reasons = {0: "report", 1: "tracking", 2: "quota"}
        if idempotency is not None:
            reasons[len(items)] = "idempotency"
            items.append(
                {
                    "Put": {
                        "TableName": self._table,
                        "Item": {
                            **keys.idempotency(report.reporter_id, idempotency.key),
                            "type": {"S": "idempotency"},
                            "request_hash": {"S": idempotency.request_hash},
                            "report_id": {"S": report.id},
                            "expires_at": {"N": str(int((now + IDEMPOTENCY_TTL).timestamp()))},
                        },
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        items += [self._put_event(t) for t in transitions]
        items += self._counter_updates(transitions)
        failed = self._transact(items)
        if failed is not None:
            what = reasons.get(failed)
            if what == "quota":
                raise DailyLimitExceeded(details=[{"limit": daily_limit}])
            if what == "idempotency":
                raise IdempotencyKeyUsed
            if what == "tracking":
                raise TrackingCodeTaken
            raise ConcurrentUpdate

    def apply(self, t: Transition) -> None:
        """Persist one transition; ``ConcurrentUpdate`` when the report is no longer in the
        state (or version) the transition was computed from."""
        self.apply_many([t])

    def apply_many(self, transitions: Sequence[Transition]) -> None:
        """Several transitions of one report in a row (e.g. verifying → assigned → …)."""
        first = transitions[0].before
        if first is None:
            raise ValueError("apply_many continues a stored report: create() makes a new one")
        items: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": report_to_item(transitions[-1].after),
                    "ConditionExpression": "#v = :v AND #s = :s",
                    "ExpressionAttributeNames": {"#v": "version", "#s": "status"},
                    "ExpressionAttributeValues": {
                        ":v": {"N": str(first.version)},
                        ":s": {"S": first.status.value},
                    },
                }
            }
        ]
        items += [self._put_event(t) for t in transitions]
        items += self._counter_updates(transitions)
        if self._transact(items) is not None:
            raise ConcurrentUpdate

    def save_photos(self, before: Report, after: Report) -> None:
        """Record what landed in the photo slots without a change of state (conditional on
        the version, so a concurrent transition is not overwritten)."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=keys.report(before.id),
                UpdateExpression="SET photos = :p, suspicious = :s, updated_at = :u, #v = :nv",
                ConditionExpression="#v = :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={
                    ":p": _av({str(s): p for s, p in after.photos.items()}),
                    ":s": {"BOOL": after.suspicious},
                    ":u": {"S": after.updated_at.isoformat()},
                    ":v": {"N": str(before.version)},
                    ":nv": {"N": str(after.version)},
                },
            )
        except self._db.exceptions.ConditionalCheckFailedException as exc:
            raise ConcurrentUpdate from exc

    # -- helpers ----------------------------------------------------------------------------

    def _put_event(self, t: Transition) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": _event_item(t.event),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def _counter_updates(self, transitions: Sequence[Transition]) -> list[dict[str, Any]]:
        # One item may be touched once per transaction: merge the increments per counter row.
        rows: dict[tuple[date, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for t in transitions:
            for inc in counter_increments(t, self._tz):
                rows[(inc.day, inc.dimension, inc.value)][inc.field] += inc.amount
        updates = []
        for (day, dimension, value), fields in rows.items():
            names = {f"#f{i}": f for i, f in enumerate(sorted(fields))}
            values = {f":a{i}": {"N": str(fields[f])} for i, f in enumerate(sorted(fields))}
            adds = ", ".join(f"#f{i} :a{i}" for i in range(len(names)))
            updates.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": keys.counter(day, dimension, value),
                        "UpdateExpression": f"ADD {adds} SET #t = :t",
                        "ExpressionAttributeNames": {**names, "#t": "type"},
                        "ExpressionAttributeValues": {**values, ":t": {"S": "counter"}},
                    }
                }
            )
        return updates

    def _transact(self, items: list[dict[str, Any]]) -> int | None:
        """Run the transaction, retrying conflicts with jittered backoff. Returns the index of
        the item whose condition failed, or None on success."""
        for attempt in range(_MAX_CONFLICT_RETRIES + 1):
            try:
                self._db.transact_write_items(TransactItems=cast(Any, items))
                return None
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in codes:
                    return codes.index("ConditionalCheckFailed")
                if attempt == _MAX_CONFLICT_RETRIES:
                    raise
                self._sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not crypto  # nosec B311
        raise AssertionError("unreachable")


def _encode_cursor(last_key: dict[str, Any]) -> str:
    plain = {k: v["S"] for k, v in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str, partition: str) -> dict[str, Any]:
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise InvalidCursor
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor from exc
    wanted = {"PK", "SK", "GSI1PK", "GSI1SK"}
    if (
        not isinstance(plain, dict)
        or set(plain) != wanted
        or not all(isinstance(v, str) for v in plain.values())
        or plain["GSI1PK"] != partition
    ):
        raise InvalidCursor
    return {k: {"S": v} for k, v in plain.items()}
