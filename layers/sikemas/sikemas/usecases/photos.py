"""A photo landed in ``originals/``: check where and when it was taken, keep the verdict on the
report, make the public copy, and move the report on.

The first photo to land decides a report waiting for one; a new upload to a slot replaces that
slot's verdict (so a report rejected by the checks can succeed with another photo); photos that
land after the report was routed are checked and kept, and one from outside the city flags the
report as suspicious for the admins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sikemas.city import City
from sikemas.domain.photo_verdict import OUTSIDE_CITY, Claim, Verdict, describe, judge
from sikemas.domain.photo_verdict import Outcome as Verdicts
from sikemas.domain.report import Actor, Report, Status, route, transition
from sikemas.errors import ConcurrentUpdate
from sikemas.photo.reading import CORRUPT_IMAGE, TOO_LARGE, PhotoFacts, refused
from sikemas.ports import PhotoStore, ReportRepository

if TYPE_CHECKING:
    from sikemas.geo import CityArea
    from sikemas.photo.derive import DerivedImages

MAX_PHOTO_BYTES = 15 * 1024 * 1024


@dataclass(frozen=True)
class PhotoLanded:
    report_id: str
    slot: int
    version: str  # the object's version id, else its ETag: what makes a delivery a duplicate
    version_id: str | None
    size: int
    event_time: datetime


class Outcome(StrEnum):
    """What the function did with one photo (a metric and a log field)."""

    ASSIGNED = "assigned"
    FORWARDED = "forwarded"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    KEPT = "kept"  # checked and kept on a report that had already moved on
    DUPLICATE = "duplicate"  # the same object version was already checked: nothing changes
    UNKNOWN_REPORT = "unknown_report"
    UNKNOWN_SLOT = "unknown_slot"


@dataclass(frozen=True)
class ImagingTools:
    """The heavy, pure functions (Pillow, shapely), injected so tests and benchmarks can
    measure or replace them."""

    read: Callable[[bytes], PhotoFacts]
    derive: Callable[[bytes], DerivedImages]


class PhotoChecks:
    def __init__(
        self,
        reports: ReportRepository,
        files: PhotoStore,
        city: City,
        area: CityArea,
        tools: ImagingTools,
    ) -> None:
        self._reports = reports
        self._files = files
        self._city = city
        self._area = area
        self._tools = tools

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
        current = report.photos.get(photo.slot) or {}
        if current.get("version") == photo.version and "outcome" in current:
            return Outcome.DUPLICATE  # at-least-once delivery: same object, same verdict

        received = {
            "version": photo.version,
            "size": photo.size,
            "received_at": photo.event_time.isoformat(),
        }
        if report.status is Status.RECEIVED or _appealable(report):
            t = transition(
                report,
                Status.VERIFYING,
                at=photo.event_time,
                actor=Actor.PHOTO_CHECKS,
                note=f"photo {photo.slot}",
                photos={**report.photos, photo.slot: received},
            )
            self._reports.apply(t)
            report = t.after

        data = (
            b""
            if photo.size > MAX_PHOTO_BYTES  # S3 enforces the POST policy; never download more
            else self._files.get_original(photo.report_id, photo.slot, photo.version_id)
        )
        facts = self._tools.read(data) if data else refused(TOO_LARGE)
        verdict = self._judge(report, facts, photo.event_time)
        copies: dict[str, str] = {}
        if verdict.outcome is not Verdicts.REJECTED:
            # Only photos that may be shown get a public copy; rejected ones stay private.
            try:
                derived = self._tools.derive(data)
            except ValueError as exc:  # PhotoDeriveError: the pixels did not decode after all
                facts = replace(facts, image_error=getattr(exc, "reason", CORRUPT_IMAGE))
                verdict = self._judge(report, facts, photo.event_time)
            else:
                copies = self._files.put_public_copies(
                    photo.report_id, photo.slot, photo.version, derived.public, derived.thumbnail
                )
        record: dict[str, Any] = {**received, **describe(facts, verdict), **copies}
        photos = {**report.photos, photo.slot: record}

        if report.status is Status.VERIFYING:
            return self._decide(report, photo, verdict, photos)
        outside = OUTSIDE_CITY in verdict.reasons
        self._reports.save_photos(
            report,
            replace(
                report,
                photos=photos,
                suspicious=report.suspicious or outside,
                version=report.version + 1,
                updated_at=photo.event_time,
            ),
        )
        return Outcome.KEPT

    def _judge(self, report: Report, facts: PhotoFacts, uploaded_at: datetime) -> Verdict:
        category = self._city.categories[report.category]
        claim = (
            Claim(report.location.lat, report.location.lon, report.location.accuracy_m)
            if report.location
            else None
        )
        return judge(
            facts,
            area=self._area,
            settings=self._city.photo_checks,
            no_gps_policy=category.no_gps_policy,
            claimed=claim,
            uploaded_at=uploaded_at,
        )

    def _decide(
        self, report: Report, photo: PhotoLanded, verdict: Verdict, photos: dict[int, Any]
    ) -> Outcome:
        category = self._city.categories[report.category]
        changes: dict[str, Any] = {"photos": photos}
        if verdict.outcome is Verdicts.ACCEPTED:
            target = route(category)
            record = photos[photo.slot]
            gps = record.get("gps")
            if gps and report.subdistrict is None and self._area.has_subdistricts:
                # The claimed pin gave the place at intake; a report without one takes the
                # accepted photo's.
                tolerance = self._city.photo_checks.gps_tolerance_m
                place = self._area.subdistrict(gps["lat"], gps["lon"], tolerance)
                if place is not None:
                    changes["subdistrict"] = place.as_mapping()
        else:
            target = Status(verdict.outcome.value)
        self._reports.apply(
            transition(
                report,
                target,
                at=photo.event_time,
                actor=Actor.PHOTO_CHECKS,
                note=f"photo {photo.slot}",
                reason=",".join(verdict.reasons) or None,
                **changes,
            )
        )
        return Outcome(target.value)


def _appealable(report: Report) -> bool:
    return report.status is Status.REJECTED and report.rejected_by is Actor.PHOTO_CHECKS
