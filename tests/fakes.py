"""In-memory fakes of the ports, with the same contracts as the adapters (conditional writes,
tracking-code and idempotency races, daily quota), and hooks to make each failure happen.

The use-case tests run through these: fast, and every retry branch reachable.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count, pairwise
from zoneinfo import ZoneInfo

from sikemas.domain.counters import CounterRow, counter_increments
from sikemas.domain.photos import Copies
from sikemas.domain.report import OPEN_STATES, Report, Status, TimelineEvent, Transition
from sikemas.errors import ConcurrentUpdate, DailyLimitExceeded
from sikemas.ports import (
    IdempotencyKeyUsed,
    IdempotencyRecord,
    Page,
    TrackingCodeTaken,
    Upload,
)

IDEMPOTENCY_TTL = timedelta(hours=24)


@dataclass
class _Idempotency:
    record: IdempotencyRecord
    reporter_id: str
    expires_at: datetime


class FakeReportRepository:
    def __init__(self) -> None:
        self.reports: dict[str, Report] = {}
        self.events: dict[str, list[TimelineEvent]] = {}
        self.tracking: dict[str, str] = {}
        self.identities: dict[str, str] = {}
        self.profiles: dict[str, str | None] = {}
        self.idempotency: dict[tuple[str, str], _Idempotency] = {}
        self.quota: dict[tuple[str, str], int] = {}
        self.writes = 0  # every successful write of any item
        self.due_reads = 0  # queries of the watcher's index
        # Counter rows as the adapter keeps them: (day, dimension, value) -> field -> n.
        self.tz = ZoneInfo("Asia/Makassar")
        self.counters: dict[tuple[date, str, str], dict[str, int]] = {}
        self._ids = count(1)
        # Hooks: called before a write, to make a race happen (they may write themselves).
        self.before_create: list[Callable[[Sequence[Transition]], None]] = []
        self.before_apply: list[Callable[[Sequence[Transition]], None]] = []

    # -- reporters
    def find_reporter(self, subject: str) -> str | None:
        return self.identities.get(subject)

    def reporter_id_for(self, subject: str, phone: str | None, now: datetime) -> str:
        found = self.identities.get(subject)
        if found:
            return found
        reporter_id = f"R{next(self._ids):05d}"
        self.identities[subject] = reporter_id
        self.profiles[reporter_id] = phone
        self.writes += 2
        return reporter_id

    # -- reads
    def get(self, report_id: str) -> Report | None:
        return self.reports.get(report_id)

    def get_by_tracking_code(self, code: str) -> Report | None:
        report_id = self.tracking.get(code)
        return self.reports.get(report_id) if report_id else None

    def timeline(self, report_id: str) -> list[TimelineEvent]:
        return sorted(self.events.get(report_id, []), key=lambda e: e.seq)

    def list_by_reporter(self, reporter_id: str, limit: int, cursor: str | None) -> Page:
        mine = sorted(
            (r for r in self.reports.values() if r.reporter_id == reporter_id),
            key=lambda r: (r.created_at, r.id),
            reverse=True,
        )
        return Page(reports=mine[:limit], cursor=None)

    def list_by_status(
        self, status: Status, limit: int, cursor: str | None, *, since: datetime | None = None
    ) -> Page:
        return self._page(
            sorted(
                (
                    r
                    for r in self.reports.values()
                    if r.status is status and (since is None or r.status_since >= since)
                ),
                key=lambda r: (r.status_since, r.id),
            ),
            limit,
            cursor,
        )

    def list_due(self, now: datetime, limit: int, cursor: str | None) -> Page:
        from sikemas.domain.watch import next_due

        self.due_reads += 1
        due = [(d, r.id, r) for r in self.reports.values() if (d := next_due(r)) and d <= now]
        return self._page([r for _, _, r in sorted(due, key=lambda x: (x[0], x[1]))], limit, cursor)

    def list_open_by_agency(self, agency: str, limit: int, cursor: str | None) -> Page:
        return self._page(
            sorted(
                (
                    r
                    for r in self.reports.values()
                    if r.agency == agency and r.status in OPEN_STATES
                ),
                key=lambda r: (r.status.value, r.status_since, r.id),
            ),
            limit,
            cursor,
        )

    @staticmethod
    def _page(found: list[Report], limit: int, cursor: str | None) -> Page:
        """The cursor is the offset, as text (opaque to callers, as the adapter's is)."""
        start = int(cursor) if cursor else 0
        end = start + limit
        return Page(reports=found[start:end], cursor=str(end) if end < len(found) else None)

    def get_idempotency(
        self, reporter_id: str, key: str, now: datetime
    ) -> IdempotencyRecord | None:
        found = self.idempotency.get((reporter_id, key))
        if found is None or found.expires_at < now:
            return None
        return found.record

    # -- writes
    def create(
        self,
        transitions: Sequence[Transition],
        *,
        daily_limit: int,
        idempotency: IdempotencyRecord | None,
    ) -> None:
        for hook in list(self.before_create):
            hook(transitions)
        report = transitions[-1].after
        now = transitions[0].event.at
        if report.id in self.reports:
            raise ConcurrentUpdate
        if report.tracking_code in self.tracking:
            raise TrackingCodeTaken
        day = (report.reporter_id, now.date().isoformat())
        if self.quota.get(day, 0) >= daily_limit:
            raise DailyLimitExceeded(details=[{"limit": daily_limit}])
        if idempotency is not None:
            found = self.idempotency.get((report.reporter_id, idempotency.key))
            if found is not None and found.expires_at >= now:
                raise IdempotencyKeyUsed
            self.idempotency[(report.reporter_id, idempotency.key)] = _Idempotency(
                idempotency, report.reporter_id, now + IDEMPOTENCY_TTL
            )
        self.quota[day] = self.quota.get(day, 0) + 1
        self.reports[report.id] = report
        self.tracking[report.tracking_code] = report.id
        self.events.setdefault(report.id, []).extend(t.event for t in transitions)
        self.writes += 3 + len(transitions)
        self._count(transitions)

    def apply(self, *transitions: Transition) -> None:
        for hook in list(self.before_apply):
            hook(transitions)
        first = transitions[0].before
        assert first is not None
        stored = self.reports.get(first.id)
        if stored is None or (stored.version, stored.status) != (first.version, first.status):
            raise ConcurrentUpdate
        for earlier, later in pairwise(transitions):
            assert later.before == earlier.after, "changes of one report, in a row"
        seqs = {e.seq for e in self.events.get(first.id, [])}
        if any(t.event.seq in seqs for t in transitions):
            raise ConcurrentUpdate
        self.reports[first.id] = transitions[-1].after
        self.events.setdefault(first.id, []).extend(t.event for t in transitions)
        self.writes += 1 + len(transitions)
        self._count(transitions)

    def _count(self, transitions: Sequence[Transition]) -> None:
        for t in transitions:
            for inc in counter_increments(t, self.tz):
                row = self.counters.setdefault((inc.day, inc.dimension.value, inc.value), {})
                row[inc.field] = row.get(inc.field, 0) + inc.amount

    def counter_rows(self, first: date, last: date) -> list[CounterRow]:
        from sikemas.domain.counters import Dimension

        return [
            CounterRow(day, Dimension(dim), value, {f: n for f, n in fields.items() if n})
            for (day, dim, value), fields in sorted(self.counters.items())
            if first <= day <= last
        ]

    def put(self, report: Report) -> None:
        """Test setup: store a report as it is."""
        self.reports[report.id] = report
        self.tracking[report.tracking_code] = report.id


@dataclass
class FakePhotoStore:
    originals: dict[tuple[str, int, str | None], bytes] = field(default_factory=dict)
    after_originals: dict[tuple[str, int, str | None], bytes] = field(default_factory=dict)
    objects: dict[str, bytes] = field(default_factory=dict)  # copies, by key
    deleted: list[str] = field(default_factory=list)
    reads: int = 0

    def presigned_upload(self, report_id: str, slot: int, now: datetime) -> Upload:
        return Upload(
            slot=slot,
            url="https://photos.example/upload",
            fields={"key": f"originals/{report_id}/{slot}"},
            expires_at=now + timedelta(minutes=15),
        )

    def presigned_after_upload(
        self, report_id: str, slot: int, now: datetime, *, redirect: str | None = None
    ) -> Upload:
        redirected = {"success_action_redirect": redirect} if redirect else {}
        return Upload(
            slot=slot,
            url="https://photos.example/upload",
            fields={"key": f"after/{report_id}/{slot}", **redirected},
            expires_at=now + timedelta(minutes=15),
        )

    def get_original(
        self, report_id: str, slot: int, version_id: str | None, *, after: bool = False
    ) -> bytes:
        self.reads += 1
        if after:
            return self.after_originals[(report_id, slot, version_id)]
        return self.originals[(report_id, slot, version_id)]

    def put_copies(
        self,
        report_id: str,
        slot: int,
        version: str,
        image: bytes,
        thumbnail: bytes,
        *,
        private: bool,
        after: bool = False,
    ) -> Copies:
        prefix = "private" if private else "public"
        name = f"after-{slot}" if after else str(slot)
        base = f"{prefix}/{report_id}/{name}-{version}"
        copies = Copies(f"{base}.jpg", f"{base}-thumb.jpg", private)
        self.objects[copies.image_key] = image
        self.objects[copies.thumbnail_key] = thumbnail
        return copies

    def make_private(self, copies: Copies) -> Copies:
        moved = Copies(
            "private/" + copies.image_key.removeprefix("public/"),
            "private/" + copies.thumbnail_key.removeprefix("public/"),
            private=True,
        )
        for source, target in (
            (copies.image_key, moved.image_key),
            (copies.thumbnail_key, moved.thumbnail_key),
        ):
            if source in self.objects:
                self.objects[target] = self.objects[source]
            elif target not in self.objects:  # moved by an earlier attempt, else lost
                raise KeyError(source)
        self.delete_copies(copies)
        return moved

    def delete_copies(self, copies: Copies) -> None:
        for key in (copies.image_key, copies.thumbnail_key):
            self.objects.pop(key, None)
            self.deleted.append(key)

    def presigned_view(self, key: str, now: datetime) -> str:
        return f"https://photos.example/{key}?expires={int(now.timestamp()) + 600}"

    @property
    def public_keys(self) -> set[str]:
        return {k for k in self.objects if k.startswith("public/")}


@dataclass
class FakeAlerts:
    sent: list[tuple[str, str]] = field(default_factory=list)

    def alert(self, subject: str, message: str) -> None:
        self.sent.append((subject, message))
