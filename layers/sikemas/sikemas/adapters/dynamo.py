"""DynamoDB adapter: reports, their timelines, counters, reporters, quotas and idempotency
records in one table. Every state change is one transaction: the report's conditional write
(expected version and status), its timeline event, and the day's counters.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
from sikemas.domain.calendar import Deadlines
from sikemas.domain.counters import CounterRow, Dimension, counter_increments
from sikemas.domain.photos import Copies, Findings, Photo
from sikemas.domain.report import (
    OPEN_STATES,
    Actor,
    AgencyOutcome,
    EventType,
    Kind,
    Location,
    Privacy,
    Report,
    Status,
    TimelineEvent,
    Transition,
)
from sikemas.domain.watch import next_due
from sikemas.errors import ConcurrentUpdate, DailyLimitExceeded, InvalidCursor
from sikemas.geohash import geohash
from sikemas.ids import new_ulid
from sikemas.ports import IdempotencyKeyUsed, IdempotencyRecord, Page, TrackingCodeTaken

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_ser = TypeSerializer()
_deser = TypeDeserializer()
_MAX_CONFLICT_RETRIES = 4
_MAX_REPORTER_ATTEMPTS = 3
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
    """The one serialisation of a report (``item_to_report`` reads it back)."""
    item: dict[str, dict[str, Any]] = {
        **keys.report(r.id),
        **keys.by_reporter(r.reporter_id, r.created_at, r.id),
        **keys.by_status(r.status.value, r.status_since, r.id),
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
        "status_since": {"S": r.status_since.isoformat()},
        "status_by": {"S": r.status_by.value},
        "version": {"N": str(r.version)},
        "created_at": {"S": r.created_at.isoformat()},
        "updated_at": {"S": r.updated_at.isoformat()},
        "photos": _av([p.to_dict() for p in r.photos]),
    }
    if r.location is not None:
        loc: dict[str, Any] = {"lat": r.location.lat, "lon": r.location.lon}
        if r.location.accuracy_m is not None:
            loc["accuracy_m"] = r.location.accuracy_m
        item["location"] = _av(loc)
    if r.address is not None:
        item["address"] = {"S": r.address}
    if r.duplicate_of is not None:
        item["duplicate_of"] = {"S": r.duplicate_of}
    if r.suspicious:
        item["suspicious"] = {"BOOL": True}
    if r.hidden:
        item["hidden"] = {"BOOL": True}
    if r.subdistrict is not None:
        item["subdistrict"] = _av(dict(r.subdistrict))
    if r.routed_at is not None:
        item["routed_at"] = {"S": r.routed_at.isoformat()}
    if r.deadlines is not None:  # flat: the watcher's index reads respond_by and resolve_by
        clocks = r.deadlines
        for name, at in (
            ("respond_by", clocks.respond_by),
            ("resolve_by", clocks.resolve_by),
            ("responded_at", clocks.responded_at),
            ("resolved_at", clocks.resolved_at),
            ("clocks_paused_at", clocks.paused_at),
        ):
            if at is not None:
                item[name] = {"S": at.isoformat()}
    if r.status in OPEN_STATES:
        item.update(keys.by_agency(r.agency, r.status.value, r.status_since, r.id))
    if r.is_public and r.location is not None:  # the public map feed's index (sparse)
        digits = 3 if r.privacy is Privacy.ANONYMOUS else 6  # anonymous: as its public view
        cell = geohash(round(r.location.lat, digits), round(r.location.lon, digits))
        item.update(keys.by_cell(cell, r.created_at, r.id))
    due = next_due(r)
    if due is not None:  # the watcher's index: only reports that still owe something
        item.update(keys.by_due(due, r.id))
    for name, flag in (
        ("reminded_for", r.reminded_for),
        ("overdue_response_for", r.overdue_response_for),
        ("overdue_resolution_for", r.overdue_resolution_for),
    ):
        if flag is not None:
            item[name] = {"S": flag.isoformat()}
    if r.outcome is not None:
        item["outcome"] = {"S": r.outcome.value}
    for name, value in (
        ("outcome_reason", r.outcome_reason),
        ("outcome_reference", r.outcome_reference),
        ("outcome_by", r.outcome_by),
    ):
        if value is not None:
            item[name] = {"S": value}
    if r.resolved_at is not None:
        item["outcome_at"] = {"S": r.resolved_at.isoformat()}  # not resolved_at: the clocks'
    if r.reopened:
        item["reopened"] = {"N": str(r.reopened)}
    if r.confirmed_by_citizen:
        item["confirmed_by_citizen"] = {"BOOL": True}
    if r.after_photos:
        item["after_photos"] = _av([p.to_dict() for p in r.after_photos])
    return item


def _deadlines(d: Mapping[str, Any]) -> Deadlines | None:
    if not d.get("respond_by"):
        return None

    def at(name: str) -> datetime | None:
        return datetime.fromisoformat(d[name]) if d.get(name) else None

    return Deadlines(
        respond_by=datetime.fromisoformat(d["respond_by"]),
        resolve_by=datetime.fromisoformat(d["resolve_by"]),
        responded_at=at("responded_at"),
        resolved_at=at("resolved_at"),
        paused_at=at("clocks_paused_at"),
    )


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
        # Items written before these fields existed (a kept local stack) read with defaults.
        status_since=datetime.fromisoformat(d.get("status_since") or d["updated_at"]),
        status_by=Actor(d.get("status_by") or d.get("rejected_by") or _LEGACY_BY[d["status"]]),
        duplicate_of=d.get("duplicate_of"),
        photos=_photos(d.get("photos", [])),
        suspicious=bool(d.get("suspicious", False)),
        subdistrict=d.get("subdistrict"),
        routed_at=datetime.fromisoformat(d["routed_at"]) if d.get("routed_at") else None,
        hidden=bool(d.get("hidden", False)),
        deadlines=_deadlines(d),
        outcome=AgencyOutcome(d["outcome"]) if d.get("outcome") else None,
        outcome_reason=d.get("outcome_reason"),
        outcome_reference=d.get("outcome_reference"),
        outcome_by=d.get("outcome_by"),
        resolved_at=datetime.fromisoformat(d["outcome_at"]) if d.get("outcome_at") else None,
        reopened=int(d.get("reopened", 0)),
        confirmed_by_citizen=bool(d.get("confirmed_by_citizen", False)),
        after_photos=tuple(Photo.from_dict(p) for p in d.get("after_photos", [])),
        reminded_for=_instant(d.get("reminded_for")),
        overdue_response_for=_instant(d.get("overdue_response_for")),
        overdue_resolution_for=_instant(d.get("overdue_resolution_for")),
    )


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


_LEGACY_BY = {s.value: Actor.PHOTO_CHECKS for s in (Status.VERIFYING, Status.NEEDS_REVIEW)} | {
    s.value: Actor.SYSTEM for s in Status if s not in (Status.VERIFYING, Status.NEEDS_REVIEW)
}


def _photos(stored: Any) -> tuple[Photo, ...]:
    """The photo records; the former shape (a map of slot to one plain record) is read too."""
    if isinstance(stored, list):
        return tuple(Photo.from_dict(p) for p in stored)
    photos = []
    for slot, p in sorted(stored.items(), key=lambda kv: int(kv[0])):
        photos.append(
            Photo(
                slot=int(slot),
                version=str(p.get("version", "")),
                order="",
                size=int(p.get("size", 0)),
                received_at=datetime.fromisoformat(p["received_at"]),
                findings=Findings.from_dict(p) if p.get("outcome") else None,
                copies=(
                    Copies(p["public_key"], p["thumbnail_key"], private=False)
                    if p.get("public_key")
                    else None
                ),
            )
        )
    return tuple(photos)


def event_to_item(e: TimelineEvent) -> dict[str, dict[str, Any]]:
    """The one serialisation of a timeline event (``item_to_event`` reads it back)."""
    item: dict[str, dict[str, Any]] = {
        **keys.event(e.report_id, e.at, e.seq),
        "type": {"S": "event"},
        "event": {"S": e.type.value},
        "seq": {"N": str(e.seq)},
        "at": {"S": e.at.isoformat()},
        "actor": {"S": e.actor.value},
        "to_status": {"S": e.to_status.value},
    }
    if e.from_status is not None:
        item["from_status"] = {"S": e.from_status.value}
    for name, value in (("note", e.note), ("reason", e.reason), ("actor_name", e.actor_name)):
        if value is not None:
            item[name] = {"S": value}
    if e.data:
        item["data"] = _av(dict(e.data))
    return item


def item_to_event(report_id: str, item: Mapping[str, Any]) -> TimelineEvent:
    d = {k: _plain(_deser.deserialize(v)) for k, v in item.items()}
    return TimelineEvent(
        report_id=report_id,
        seq=int(d["seq"]),
        at=datetime.fromisoformat(d["at"]),
        type=EventType(d.get("event", EventType.STATUS.value)),
        actor=Actor(d["actor"]),
        from_status=Status(d["from_status"]) if d.get("from_status") else None,
        to_status=Status(d["to_status"]),
        note=d.get("note"),
        reason=d.get("reason"),
        actor_name=d.get("actor_name"),
        data=d.get("data", {}),
    )


# A transaction's items, each with the label its failure is known by.
Labelled = tuple[str, dict[str, Any]]


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

    def find_reporter(self, subject: str) -> str | None:
        """The opaque reporter id behind a token's ``sub``, or None. A read: writes nothing."""
        found = self._db.get_item(
            TableName=self._table, Key=keys.identity(subject), ConsistentRead=True
        ).get("Item")
        return str(found["reporter_id"]["S"]) if found else None

    def reporter_id_for(self, subject: str, phone: str | None, now: datetime) -> str:
        """The reporter id behind ``sub``, created on first sight (only when filing). The phone
        lives only on the reporter's profile, apart from reports. Bounded: a lost race reads the
        winner's id; anything else that cancels the write is an error, not a loop."""
        for _ in range(_MAX_REPORTER_ATTEMPTS):
            found = self.find_reporter(subject)
            if found:
                return found
            reporter_id = new_ulid(now)
            profile: dict[str, dict[str, Any]] = {
                **keys.reporter_profile(reporter_id),
                "type": {"S": "reporter"},
                "created_at": {"S": now.isoformat()},
            }
            if phone:
                profile["phone"] = {"S": phone}
            identity = {
                **keys.identity(subject),
                "type": {"S": "identity"},
                "reporter_id": {"S": reporter_id},
            }
            failed = self._transact(
                [
                    ("identity", self._put(identity, "attribute_not_exists(PK)")),
                    ("profile", self._put(profile, "attribute_not_exists(PK)")),
                ]
            )
            if failed is None:
                return reporter_id
            # Another request created the identity first: use theirs (read on the next turn).
        raise ConcurrentUpdate

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
            events.extend(item_to_event(report_id, i) for i in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                return sorted(events, key=lambda e: e.seq)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def list_by_reporter(self, reporter_id: str, limit: int, cursor: str | None) -> Page:
        partition = keys.by_reporter_partition(reporter_id)
        return self._query_index(
            keys.BY_REPORTER_INDEX, "GSI1", partition, limit, cursor, newest_first=True
        )

    def list_by_status(
        self, status: Status, limit: int, cursor: str | None, *, since: datetime | None = None
    ) -> Page:
        """Reports in ``status``, longest there first (index ByStatus); with ``since`` the
        Query starts at that instant, so the reports in the status before it are not read."""
        partition = keys.by_status_partition(status.value)
        start = keys.by_status_from(since) if since is not None else None
        return self._query_index(
            keys.BY_STATUS_INDEX, "GSI2", partition, limit, cursor, start=start
        )

    def list_open_by_agency(self, agency: str, limit: int, cursor: str | None) -> Page:
        """The agency's open reports by status, longest there first (index ByAgency)."""
        partition = keys.by_agency_partition(agency)
        return self._query_index(keys.BY_AGENCY_INDEX, "GSI3", partition, limit, cursor)

    def list_due(self, now: datetime, limit: int, cursor: str | None) -> Page:
        """Reports the watcher owes something at ``now``, earliest first (index ByDue)."""
        return self._query_index(
            keys.BY_DUE_INDEX, "GSI4", keys.DUE_PARTITION, limit, cursor, upto=keys.due_upto(now)
        )

    def list_public_in_cells(
        self,
        cells: Sequence[str],
        limit: int,
        *,
        before: str | None = None,
        since: datetime | None = None,
        keep: Callable[[Report], bool] | None = None,
    ) -> list[tuple[str, Report]]:
        """Up to ``limit`` public reports of the cells, newest first (index ByCell), each with
        its sort key: a Query per cell (paged until ``limit`` kept or the cell is done, or older
        than ``since``), merged. ``before`` is a sort key: only older ones."""
        found: list[tuple[str, Report]] = []
        for cell in cells:
            found.extend(self._cell_page(cell, limit, before, since, keep))
        found.sort(key=lambda pair: pair[0], reverse=True)
        return found[:limit]

    def _cell_page(
        self,
        cell: str,
        limit: int,
        before: str | None,
        since: datetime | None,
        keep: Callable[[Report], bool] | None,
    ) -> list[tuple[str, Report]]:
        values: dict[str, Any] = {":pk": {"S": keys.by_cell_partition(cell)}}
        condition = "GSI5PK = :pk"
        if before is not None:
            condition += " AND GSI5SK < :before"
            values[":before"] = {"S": before}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": keys.BY_CELL_INDEX,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        kept: list[tuple[str, Report]] = []
        while True:
            page = self._db.query(**kwargs)
            for item in page.get("Items", []):
                report = item_to_report(item)
                if since is not None and report.created_at < since:
                    return kept
                if keep is None or keep(report):
                    kept.append((item["GSI5SK"]["S"], report))
                    if len(kept) >= limit:
                        return kept
            if "LastEvaluatedKey" not in page:
                return kept
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _query_index(
        self,
        index: str,
        prefix: str,
        partition: str,
        limit: int,
        cursor: str | None,
        *,
        newest_first: bool = False,
        upto: str | None = None,
        start: str | None = None,
    ) -> Page:
        values: dict[str, Any] = {":pk": {"S": partition}}
        condition = f"{prefix}PK = :pk"
        if start is not None:
            condition += f" AND {prefix}SK >= :start"
            values[":start"] = {"S": start}
        if upto is not None:
            condition += f" AND {prefix}SK <= :upto"
            values[":upto"] = {"S": upto}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not newest_first,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor, partition, prefix)
        page = self._db.query(**kwargs)
        last = page.get("LastEvaluatedKey")
        return Page(
            reports=[item_to_report(i) for i in page.get("Items", [])],
            cursor=_encode_cursor(last) if last else None,
        )

    def get_idempotency(
        self, reporter_id: str, key: str, now: datetime
    ) -> IdempotencyRecord | None:
        """The live record for this key; an expired one (TTL deletes it days later) is absent."""
        item = self._db.get_item(
            TableName=self._table, Key=keys.idempotency(reporter_id, key), ConsistentRead=True
        ).get("Item")
        if not item or int(item["expires_at"]["N"]) < now.timestamp():
            return None
        return IdempotencyRecord(
            key=key, request_hash=item["request_hash"]["S"], report_id=item["report_id"]["S"]
        )

    # -- statistics -------------------------------------------------------------------------

    def counter_rows(self, first: date, last: date) -> list[CounterRow]:
        """Every counter row of the city-local days ``first``..``last``: one Query per month
        the range touches (and its pages), never a read of a report."""
        rows: list[CounterRow] = []
        month = date(first.year, first.month, 1)
        while month <= last:
            kwargs: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
                "ExpressionAttributeValues": {
                    ":pk": {"S": keys.counter_partition(month)},
                    ":lo": {"S": keys.counter_sort_key(max(first, month))},
                    ":hi": {"S": keys.counter_sort_key(last) + "\uffff"},
                },
            }
            while True:
                page = self._db.query(**kwargs)
                for item in page.get("Items", []):
                    rows.append(_counter_row(item))
                if "LastEvaluatedKey" not in page:
                    break
                kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        return rows

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
        alias = {
            **keys.tracking(report.tracking_code),
            "type": {"S": "tracking"},
            "report_id": {"S": report.id},
        }
        quota = {
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
        }
        items: list[Labelled] = [
            ("report", self._put(report_to_item(report), "attribute_not_exists(PK)")),
            ("tracking", self._put(alias, "attribute_not_exists(PK)")),
            ("quota", quota),
        ]
        if idempotency is not None:
            record = {
                **keys.idempotency(report.reporter_id, idempotency.key),
                "type": {"S": "idempotency"},
                "request_hash": {"S": idempotency.request_hash},
                "report_id": {"S": report.id},
                "expires_at": {"N": str(int((now + IDEMPOTENCY_TTL).timestamp()))},
            }
            # An expired record still stands until TTL deletes it (days later): it may be
            # overwritten, as the read already treats it as absent.
            put = self._put(record, "attribute_not_exists(PK) OR expires_at < :now")
            put["Put"]["ExpressionAttributeValues"] = {":now": {"N": str(int(now.timestamp()))}}
            items.append(("idempotency", put))
        items += [("event", self._put_event(t)) for t in transitions]
        items += [("counter", u) for u in self._counter_updates(transitions)]
        failed = self._transact(items)
        if failed == "quota":
            raise DailyLimitExceeded(details=[{"limit": daily_limit}])
        if failed == "idempotency":
            raise IdempotencyKeyUsed
        if failed == "tracking":
            raise TrackingCodeTaken
        if failed is not None:
            raise ConcurrentUpdate

    def apply(self, *transitions: Transition) -> None:
        """Persist changes of one report in a row (e.g. verifying → assigned, then flagged);
        ``ConcurrentUpdate`` when the report is no longer in the state (or version) the first
        was computed from."""
        first = transitions[0].before
        if first is None:
            raise ValueError("apply continues a stored report: create() makes a new one")
        report = self._put(report_to_item(transitions[-1].after), "#v = :v AND #s = :s")
        report["Put"]["ExpressionAttributeNames"] = {"#v": "version", "#s": "status"}
        report["Put"]["ExpressionAttributeValues"] = {
            ":v": {"N": str(first.version)},
            ":s": {"S": first.status.value},
        }
        items: list[Labelled] = [("report", report)]
        items += [("event", self._put_event(t)) for t in transitions]
        items += [("counter", u) for u in self._counter_updates(transitions)]
        if self._transact(items) is not None:
            raise ConcurrentUpdate

    # -- helpers ----------------------------------------------------------------------------

    def _put(self, item: dict[str, Any], condition: str) -> dict[str, Any]:
        return {"Put": {"TableName": self._table, "Item": item, "ConditionExpression": condition}}

    def _put_event(self, t: Transition) -> dict[str, Any]:
        return self._put(event_to_item(t.event), "attribute_not_exists(PK)")

    def _counter_updates(self, transitions: Sequence[Transition]) -> list[dict[str, Any]]:
        # One item may be touched once per transaction: merge the increments per counter row.
        rows: dict[tuple[date, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for t in transitions:
            for inc in counter_increments(t, self._tz):
                rows[(inc.day, inc.dimension, inc.value)][inc.field] += inc.amount
        updates = []
        for (day, dimension, value), all_fields in rows.items():
            fields = {f: n for f, n in all_fields.items() if n != 0}
            if not fields:  # e.g. a state contribution taken away and given back on one row
                continue
            names = {f"#f{i}": f for i, f in enumerate(sorted(fields))}
            values = {f":a{i}": {"N": str(fields[f])} for i, f in enumerate(sorted(fields))}
            adds = ", ".join(f"#f{i} :a{i}" for i in range(len(names)))
            updates.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": keys.counter(day, dimension, value),
                        "UpdateExpression": f"ADD {adds} SET #t = :t, #d = :d",
                        "ExpressionAttributeNames": {**names, "#t": "type", "#d": "day"},
                        "ExpressionAttributeValues": {
                            **values,
                            ":t": {"S": "counter"},
                            ":d": {"S": day.isoformat()},
                        },
                    }
                }
            )
        return updates

    def _transact(self, labelled: list[Labelled]) -> str | None:
        """Run the transaction, retrying conflicts with jittered backoff. Returns the label of
        the item whose condition failed, or None on success.

        The ``ClientRequestToken`` is derived from the items themselves: botocore resends a
        request whose answer was lost, and within ten minutes DynamoDB answers the resend of a
        committed transaction with success instead of failing its conditions; our own retries
        of a conflict reuse it too (the operation is the same)."""
        items = [item for _, item in labelled]
        token = client_request_token(items)
        for attempt in range(_MAX_CONFLICT_RETRIES + 1):
            try:
                self._db.transact_write_items(
                    TransactItems=cast(Any, items), ClientRequestToken=token
                )
                return None
            except ClientError as exc:
                code = exc.response["Error"]["Code"]
                if code == "IdempotentParameterMismatchException":  # pragma: no cover - AWS
                    return "report"
                if code != "TransactionCanceledException":
                    raise
                codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
                if "ConditionalCheckFailed" in codes:
                    return labelled[codes.index("ConditionalCheckFailed")][0]
                if attempt == _MAX_CONFLICT_RETRIES:
                    raise
                self._sleep(random.uniform(0, 0.05 * 2**attempt))  # noqa: S311 - jitter, not crypto  # nosec B311
        raise AssertionError("unreachable")


def _counter_row(item: Mapping[str, Any]) -> CounterRow:
    day, dimension, value = item["SK"]["S"].split("#", 2)
    skip = {"PK", "SK", "type", "day"}
    fields = {k: int(v["N"]) for k, v in item.items() if k not in skip and "N" in v}
    return CounterRow(date.fromisoformat(day), Dimension(dimension.lower()), value, fields)


def client_request_token(items: Sequence[Mapping[str, Any]]) -> str:
    """A transaction's idempotency token (at most 36 characters), derived from its items."""
    digest = hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()
    return digest[:36]


def _encode_cursor(last_key: dict[str, Any]) -> str:
    plain = {k: v["S"] for k, v in last_key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain, separators=(",", ":")).encode()).decode()


def _decode_cursor(cursor: str, partition: str, prefix: str = "GSI1") -> dict[str, Any]:
    if len(cursor) > _MAX_CURSOR_CHARS:
        raise InvalidCursor
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor from exc
    wanted = {"PK", "SK", f"{prefix}PK", f"{prefix}SK"}
    if (
        not isinstance(plain, dict)
        or set(plain) != wanted
        or not all(isinstance(v, str) for v in plain.values())
        or plain[f"{prefix}PK"] != partition
    ):
        raise InvalidCursor
    return {k: {"S": v} for k, v in plain.items()}
