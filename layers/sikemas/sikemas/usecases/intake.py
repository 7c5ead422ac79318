"""Citizen intake: file a report, get upload slots, read one's own and public reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sikemas.city import City
from sikemas.domain.report import (
    PUBLIC_STATES,
    UPLOAD_STATES,
    Actor,
    Kind,
    Location,
    Privacy,
    Report,
    Status,
    TimelineEvent,
    receive,
    route,
    transition,
)
from sikemas.errors import (
    IdempotencyMismatch,
    InvalidSlot,
    LocationRequired,
    PhotoRequired,
    ReportNotFound,
    UnknownCategory,
    UploadNotAllowed,
)
from sikemas.ids import is_report_id, is_tracking_code, new_tracking_code, new_ulid
from sikemas.ports import (
    IdempotencyKeyUsed,
    IdempotencyRecord,
    Page,
    PhotoStore,
    ReportRepository,
    TrackingCodeTaken,
    Upload,
)


@dataclass(frozen=True)
class Citizen:
    subject: str  # the token's ``sub``; never stored on reports
    phone: str | None


@dataclass(frozen=True)
class NewReport:
    kind: Kind
    category: str
    description: str
    location: Location | None
    address: str | None
    privacy: Privacy
    photo_count: int
    notify_sms: bool


@dataclass(frozen=True)
class Submitted:
    report: Report
    uploads: list[Upload]
    replayed: bool


class Intake:
    def __init__(
        self,
        repo: ReportRepository,
        photos: PhotoStore,
        city: City,
        *,
        daily_limit: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._repo = repo
        self._photos = photos
        self._city = city
        self._daily_limit = daily_limit
        self._clock = clock

    def submit(
        self,
        citizen: Citizen,
        new: NewReport,
        *,
        idempotency_key: str | None = None,
        request_hash: str = "",
    ) -> Submitted:
        now = self._clock()
        reporter_id = self._repo.reporter_id_for(citizen.subject, citizen.phone, now)
        if idempotency_key:
            replay = self._replay(reporter_id, idempotency_key, request_hash, now)
            if replay:
                return replay
        category = self._city.category(new.category)
        if category is None:
            raise UnknownCategory(details=[{"field": "category", "value": new.category[:64]}])
        if category.requires_location and new.location is None:
            raise LocationRequired(details=[{"field": "location"}])
        needs_photo = new.kind is Kind.COMPLAINT and category.requires_photo
        if needs_photo and new.photo_count < 1:
            raise PhotoRequired(details=[{"field": "photo_count", "minimum": 1}])
        for _ in range(3):
            report = Report(
                id=new_ulid(now),
                tracking_code=new_tracking_code(self._city.tracking_prefix),
                reporter_id=reporter_id,
                kind=new.kind,
                category=category.code,
                agency=category.agency.code,
                description=new.description,
                location=new.location,
                address=new.address,
                privacy=new.privacy,
                photo_count=new.photo_count,
                notify_sms=new.notify_sms,
                status=Status.RECEIVED,
                version=1,
                created_at=now,
                updated_at=now,
            )
            steps = [receive(report)]
            if not needs_photo:
                # Nothing to verify first: routed at once (photos sent along are still checked).
                steps.append(transition(report, route(category), at=now, actor=Actor.SYSTEM))
            record = (
                IdempotencyRecord(idempotency_key, request_hash, report.id)
                if idempotency_key
                else None
            )
            try:
                self._repo.create(steps, daily_limit=self._daily_limit, idempotency=record)
            except TrackingCodeTaken:
                continue
            except IdempotencyKeyUsed as conflict:
                # A concurrent retry with the same key won the race: answer as a replay.
                if not idempotency_key:
                    raise RuntimeError("key conflict on a request without a key") from conflict
                replay = self._replay(reporter_id, idempotency_key, request_hash, now)
                if replay is None:
                    raise RuntimeError("key taken, but its record cannot be read") from conflict
                return replay
            created = steps[-1].after
            return Submitted(created, self._uploads_for(created, now), replayed=False)
        raise RuntimeError("could not allocate a unique tracking code")

    def _replay(
        self, reporter_id: str, key: str, request_hash: str, now: datetime
    ) -> Submitted | None:
        record = self._repo.get_idempotency(reporter_id, key)
        if record is None:
            return None
        if record.request_hash != request_hash:
            raise IdempotencyMismatch
        report = self._repo.get(record.report_id)
        if report is None:  # pragma: no cover - the record and report are written together
            return None
        return Submitted(report, self._uploads_for(report, now), replayed=True)

    def _uploads_for(self, report: Report, now: datetime) -> list[Upload]:
        """Fresh presigned POSTs for every slot still waiting for its photo."""
        return [
            self._photos.presigned_upload(report.id, slot, now)
            for slot in range(1, report.photo_count + 1)
            if slot not in report.photos
        ]

    def request_upload(self, citizen: Citizen, ref: str, slot: int) -> Upload:
        report = self.my_report(citizen, ref)
        if not 1 <= slot <= report.photo_count:
            raise InvalidSlot(details=[{"field": "slot", "maximum": report.photo_count}])
        if report.status not in UPLOAD_STATES or (
            report.status is Status.REJECTED and report.rejected_by is not Actor.PHOTO_CHECKS
        ):
            raise UploadNotAllowed(details=[{"status": report.status.value}])
        return self._photos.presigned_upload(report.id, slot, self._clock())

    def _find(self, ref: str) -> Report | None:
        if is_report_id(ref):
            return self._repo.get(ref)
        if is_tracking_code(ref.upper()):
            return self._repo.get_by_tracking_code(ref.upper())
        return None

    def public_report(self, ref: str) -> Report:
        report = self._find(ref)
        if (
            report is None
            or report.status not in PUBLIC_STATES
            or report.privacy is Privacy.CONFIDENTIAL
        ):
            raise ReportNotFound
        return report

    def my_report(self, citizen: Citizen, ref: str) -> Report:
        report = self._find(ref)
        if report is None or report.reporter_id != self._reporter_id(citizen):
            raise ReportNotFound  # someone else's report looks exactly like a missing one
        return report

    def my_timeline(self, report: Report) -> list[TimelineEvent]:
        return self._repo.timeline(report.id)

    def my_reports(self, citizen: Citizen, limit: int, cursor: str | None) -> Page:
        return self._repo.list_by_reporter(self._reporter_id(citizen), limit, cursor)

    def _reporter_id(self, citizen: Citizen) -> str:
        return self._repo.reporter_id_for(citizen.subject, citizen.phone, self._clock())
