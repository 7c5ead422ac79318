"""Citizen intake: file a report, get upload slots, read one's own and public reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sikemas.city import City
from sikemas.domain.calendar import Clocks
from sikemas.domain.photos import current
from sikemas.domain.report import (
    Kind,
    Location,
    Privacy,
    Report,
    TimelineEvent,
    file_report,
    may_take_photo,
    needs_photo,
)
from sikemas.errors import (
    ConcurrentUpdate,
    IdempotencyMismatch,
    InvalidCursor,
    InvalidSlot,
    LocationOutsideCity,
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
    Places,
    ReportRepository,
    TrackingCodeTaken,
    Upload,
)

_ATTEMPTS = 3  # tracking codes to try (a collision is one in a billion)


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
        places: Places,
        clocks: Clocks | None = None,
    ) -> None:
        self._repo = repo
        self._places = places
        self._photos = photos
        self._city = city
        self._daily_limit = daily_limit
        self._clock = clock
        self._clocks = clocks  # deadlines start when a report is routed at once

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
        if needs_photo(new.kind, category) and new.photo_count < 1:
            raise PhotoRequired(details=[{"field": "photo_count", "minimum": 1}])
        subdistrict = self._place_of(new.location, must_be_in_city=category.requires_location)
        for _ in range(_ATTEMPTS):
            steps = file_report(
                report_id=new_ulid(now),
                tracking_code=new_tracking_code(self._city.tracking_prefix),
                reporter_id=reporter_id,
                kind=new.kind,
                category=category,
                description=new.description,
                location=new.location,
                address=new.address,
                privacy=new.privacy,
                photo_count=new.photo_count,
                notify_sms=new.notify_sms,
                subdistrict=subdistrict,
                at=now,
                clocks=self._clocks,
            )
            report = steps[-1].after
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
                if replay is None:  # pragma: no cover - the winner's record is live
                    raise ConcurrentUpdate from None
                return replay
            return Submitted(report, self._uploads_for(report, now), replayed=False)
        raise RuntimeError("could not allocate a unique tracking code")

    def _place_of(
        self, location: Location | None, *, must_be_in_city: bool
    ) -> dict[str, str] | None:
        """The pin's kelurahan/desa and kecamatan. Only reports located in the city are
        followed up: a pin farther outside than the GPS tolerance is refused when the category
        needs a location (a category that needs none keeps its pin, without a place)."""
        if location is None:
            return None
        fix = self._places.locate(float(location.lat), float(location.lon))
        if not fix.within_city and must_be_in_city:
            raise LocationOutsideCity(
                details=[{"field": "location", "distance_outside_m": round(fix.distance_outside_m)}]
            )
        return dict(fix.subdistrict) if fix.subdistrict else None

    def _replay(
        self, reporter_id: str, key: str, request_hash: str, now: datetime
    ) -> Submitted | None:
        record = self._repo.get_idempotency(reporter_id, key, now)
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
            if not current(report.photos, slot)
        ]

    def request_upload(self, citizen: Citizen, ref: str, slot: int) -> Upload:
        report = self.my_report(citizen, ref)
        if not 1 <= slot <= report.photo_count:
            raise InvalidSlot(details=[{"field": "slot", "maximum": report.photo_count}])
        if not may_take_photo(report):
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
        if report is None or not report.is_public:
            raise ReportNotFound
        return report

    def my_report(self, citizen: Citizen, ref: str) -> Report:
        report = self._find(ref)
        if report is None or report.reporter_id != self._repo.find_reporter(citizen.subject):
            raise ReportNotFound  # someone else's report looks exactly like a missing one
        return report

    def my_timeline(self, report: Report) -> list[TimelineEvent]:
        return self._repo.timeline(report.id)

    def my_reports(self, citizen: Citizen, limit: int, cursor: str | None) -> Page:
        """A read: a first-time caller has no reports, and gets no identity created either."""
        reporter_id = self._repo.find_reporter(citizen.subject)
        if reporter_id is None:
            if cursor:  # no cursor was ever issued to this caller
                raise InvalidCursor
            return Page(reports=[], cursor=None)
        return self._repo.list_by_reporter(reporter_id, limit, cursor)

    def private_link(self, key: str) -> str:
        """A short-lived link to a private photo copy, for its owner's view only."""
        return self._photos.presigned_view(key, self._clock())
