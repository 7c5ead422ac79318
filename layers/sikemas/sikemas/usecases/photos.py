"""A photo landed in ``originals/``: record it on its report and start verification."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from sikemas.domain.report import Actor, Report, Status, Transition, transition
from sikemas.errors import ConcurrentUpdate


class PhotoReports(Protocol):
    def get(self, report_id: str) -> Report | None: ...
    def apply(self, t: Transition) -> None: ...
    def save_photos(self, before: Report, after: Report) -> None: ...


@dataclass(frozen=True)
class PhotoLanded:
    report_id: str
    slot: int
    etag: str
    size: int
    event_time: datetime


class Outcome(StrEnum):
    VERIFYING = "verifying"  # the report moved to verifying
    KEPT = "kept"  # recorded on a report past that point
    DUPLICATE = "duplicate"  # the same object was already processed: nothing changes
    UNKNOWN_REPORT = "unknown_report"
    UNKNOWN_SLOT = "unknown_slot"


class PhotoIntake:
    def __init__(self, reports: PhotoReports) -> None:
        self._reports = reports

    def on_photo_landed(self, photo: PhotoLanded) -> Outcome:
        for _ in range(3):  # a concurrent change of the report: reload and decide again
            try:
                return self._handle(photo)
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate

    def _handle(self, photo: PhotoLanded) -> Outcome:
        report = self._reports.get(photo.report_id)
        if report is None:
            return Outcome.UNKNOWN_REPORT
        if not 1 <= photo.slot <= report.photo_count:
            return Outcome.UNKNOWN_SLOT
        current = report.photos.get(photo.slot)
        if current is not None and current.get("etag") == photo.etag:
            return Outcome.DUPLICATE  # at-least-once delivery: same object, same verdict
        photos = {
            **report.photos,
            photo.slot: {
                "etag": photo.etag,
                "size": photo.size,
                "received_at": photo.event_time.isoformat(),
            },
        }
        rejected_by_checks = (
            report.status is Status.REJECTED and report.rejected_by is Actor.PHOTO_CHECKS
        )
        if report.status is Status.RECEIVED or rejected_by_checks:
            self._reports.apply(
                transition(
                    report,
                    Status.VERIFYING,
                    at=photo.event_time,
                    actor=Actor.PHOTO_CHECKS,
                    note=f"photo {photo.slot} received",
                    photos=photos,
                )
            )
            return Outcome.VERIFYING
        self._reports.save_photos(
            report,
            replace(report, photos=photos, version=report.version + 1, updated_at=photo.event_time),
        )
        return Outcome.KEPT
