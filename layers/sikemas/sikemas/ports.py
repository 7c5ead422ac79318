"""Ports: what the use cases need from the outside world, named for the need. The adapters
(``sikemas.adapters``) implement them; tests hand in the fakes of ``tests/fakes.py``. Pure: no
AWS here."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from sikemas.domain.counters import CounterRow
from sikemas.domain.photos import Copies
from sikemas.domain.report import Report, Status, TimelineEvent, Transition


class TrackingCodeTaken(Exception):
    """The random tracking code already exists (one in a billion): pick another."""


class IdempotencyKeyUsed(Exception):
    """A live idempotency record for this reporter and key already exists."""


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    request_hash: str
    report_id: str


@dataclass(frozen=True)
class Page:
    reports: list[Report]
    cursor: str | None


def every(fetch: Callable[[str | None], Page]) -> Iterator[Report]:
    """Every report of a paged list (``fetch(cursor)``, e.g. ``list_by_status``), page after
    page; a page is read only when the caller gets that far."""
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from page.reports
        cursor = page.cursor
        if cursor is None:
            return


@dataclass(frozen=True)
class Upload:
    """A presigned POST for one photo slot."""

    slot: int
    url: str
    fields: dict[str, str]
    expires_at: datetime


class ReportRepository(Protocol):
    def find_reporter(self, subject: str) -> str | None:
        """The reporter id behind a token's ``sub``, or None: a read, it writes nothing."""
        ...

    def reporter_id_for(self, subject: str, phone: str | None, now: datetime) -> str:
        """The reporter id behind ``sub``, created (with its profile) on first sight."""
        ...

    def get(self, report_id: str) -> Report | None: ...
    def get_by_tracking_code(self, code: str) -> Report | None: ...
    def timeline(self, report_id: str) -> list[TimelineEvent]: ...
    def list_by_reporter(self, reporter_id: str, limit: int, cursor: str | None) -> Page: ...
    def list_by_status(
        self, status: Status, limit: int, cursor: str | None, *, since: datetime | None = None
    ) -> Page:
        """Reports in ``status``, longest there first (index ByStatus; no scan); with ``since``
        only those in it since that instant or later (read from there: the rest is not read)."""
        ...

    def list_due(self, now: datetime, limit: int, cursor: str | None) -> Page:
        """Reports the watcher owes something at ``now`` (``sikemas.domain.watch.next_due``
        passed), earliest first (index ByDue; no scan)."""
        ...

    def list_open_by_agency(self, agency: str, limit: int, cursor: str | None) -> Page:
        """The agency's open reports (assigned, in progress, forwarded, for review), grouped
        by status, longest there first within each (index ByAgency; no scan)."""
        ...

    def list_public_in_cells(
        self,
        cells: Sequence[str],
        limit: int,
        *,
        before: str | None = None,
        since: datetime | None = None,
        keep: Callable[[Report], bool] | None = None,
    ) -> list[tuple[str, Report]]:
        """Up to ``limit`` public reports located in the geohash cells, newest first, each with
        its sort key (``<created iso>#<id>``); only those ``keep`` accepts, older than the sort
        key ``before``, created at or after ``since``. An index query per cell: no scan."""
        ...

    def counter_rows(self, first: date, last: date) -> list[CounterRow]:
        """The counter rows of the city-local days ``first``..``last`` (statistics): a bounded
        number of reads whatever the number of reports (``sikemas.domain.counters``)."""
        ...

    def get_idempotency(
        self, reporter_id: str, key: str, now: datetime
    ) -> IdempotencyRecord | None: ...

    def create(
        self,
        transitions: Sequence[Transition],
        *,
        daily_limit: int,
        idempotency: IdempotencyRecord | None,
    ) -> None:
        """Raises ``TrackingCodeTaken``, ``IdempotencyKeyUsed`` or ``DailyLimitExceeded``."""
        ...

    def apply(self, *transitions: Transition) -> None:
        """Changes of one report in a row, atomically; ``ConcurrentUpdate`` when the report is
        no longer the one the first was computed from."""
        ...


class PhotoStore(Protocol):
    def presigned_upload(self, report_id: str, slot: int, now: datetime) -> Upload: ...
    def presigned_after_upload(
        self, report_id: str, slot: int, now: datetime, *, redirect: str | None = None
    ) -> Upload:
        """A presigned POST for an agency's "after" photo: ``after/<report id>/<slot>``;
        ``redirect`` is where S3 sends the browser after the upload (a form on a page)."""
        ...

    def get_original(
        self, report_id: str, slot: int, version_id: str | None, *, after: bool = False
    ) -> bytes:
        """The uploaded bytes (``originals/``, or ``after/`` for an agency's after photo)."""
        ...

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
        """Store the derived copies: public (served by the CDN) or private; an after photo's
        copies are named apart from the citizen's (``after-<slot>``)."""
        ...

    def make_private(self, copies: Copies) -> Copies:
        """Move public copies under ``private/`` (the public ones are deleted)."""
        ...

    def delete_copies(self, copies: Copies) -> None: ...
    def presigned_view(self, key: str, now: datetime) -> str:
        """A short-lived GET link to a private copy (its owner's view)."""
        ...


class Alerts(Protocol):
    def alert(self, subject: str, message: str) -> None:
        """Tell the city's admins (the alerts topic)."""
        ...


@dataclass(frozen=True)
class PlaceFix:
    """Where a point lies: metres outside the city boundary (0 inside), whether that is within
    the GPS tolerance, and its kelurahan/desa and kecamatan (``desa``, ``desa_code``,
    ``kecamatan``, ``kecamatan_code``) when known."""

    distance_outside_m: float
    within_city: bool
    subdistrict: Mapping[str, str] | None


class Places(Protocol):
    """The city's geometry (``sikemas.places.CityPlaces``)."""

    def locate(self, lat: float, lon: float) -> PlaceFix: ...
