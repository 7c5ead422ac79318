"""A photo landed in ``originals/``: check where and when it was taken, keep the verdict on the
report, make its copies, and move the report on.

Three steps, each safe to repeat (SQS delivers at least once and in no order):

1. **receive** — record the upload on the report (committed before the bytes are read, so a
   check that crashes every time still leaves a trace the dead-letter consumer finds). An
   upload older (by S3's per-key ``sequencer``) than one already recorded for its slot is
   recorded as ``superseded`` and goes no further. A report that may take a photo moves to
   ``verifying`` and the upload becomes its slot's current photo; any other report keeps it as
   a ``late`` photo beside its current ones.
2. **check** — read the bytes, judge them, derive the copies (public, or private for a
   confidential or hidden report; none for a rejected photo).
3. **settle** — keep the findings; once no current photo waits for its verdict, decide the
   report from the set of verdicts (``domain.photos.decide``), whatever order they came in.
   A late photo never moves the report; one taken outside the city flags it.

A photo whose check crashed every time reaches the dead-letter queue; ``on_check_failed``
settles it with the ``check_failed`` finding (the report goes to ``needs_review``) and alerts
the admins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sikemas.city import City
from sikemas.domain.calendar import Clocks
from sikemas.domain.photo_verdict import Claim, Outcome, findings, judge
from sikemas.domain.photos import (
    Copies,
    Decision,
    Findings,
    Photo,
    PhotoOutcome,
    PhotoState,
    check_failed_findings,
    current,
    decide,
    dropped,
    is_newer,
    keep,
)
from sikemas.domain.reasons import MAX_PHOTO_BYTES, Reason
from sikemas.domain.report import (
    Actor,
    EventType,
    Report,
    Status,
    Transition,
    amend,
    decided_status,
    may_take_photo,
    transition,
)
from sikemas.errors import ConcurrentUpdate
from sikemas.ports import Alerts, PhotoStore, ReportRepository
from sikemas.usecases.followup import MAX_AFTER_PHOTOS

if TYPE_CHECKING:
    from sikemas.geo import CityArea
    from sikemas.photo.derive import DerivedImages
    from sikemas.photo.reading import PhotoFacts

_ATTEMPTS = 3  # a concurrent change of the report: reload and decide again


@dataclass(frozen=True)
class PhotoLanded:
    report_id: str
    slot: int
    version: str  # the object's version id, else its ETag: what makes a delivery a duplicate
    version_id: str | None
    order: str  # S3's sequencer (hex), else the event time in hex microseconds
    size: int
    event_time: datetime
    after: bool = False  # an agency's "after" photo (``after/<report id>/<n>``)


class Result(StrEnum):
    """What the function did with one photo: the ``outcome`` dimension of its one metric
    (bounded: these values only)."""

    ASSIGNED = "assigned"
    FORWARDED = "forwarded"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    PENDING = "pending"  # checked; another current photo of the report is still being checked
    KEPT = "kept"  # checked and kept on a report that had already moved on (a late photo)
    SUPERSEDED = "superseded"  # older than an upload already recorded for its slot
    DUPLICATE = "duplicate"  # the same object version was already checked: nothing changes
    CHECK_FAILED = "check_failed"  # the check crashed every time (dead-letter queue)
    UNKNOWN_REPORT = "unknown_report"
    UNKNOWN_SLOT = "unknown_slot"
    AFTER_ACCEPTED = "after_accepted"  # an agency's after photo, near the report's place
    AFTER_NOT_ACCEPTED = "after_not_accepted"  # far from it, outside the city, no GPS, old …


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
        alerts: Alerts | None = None,
        clocks: Clocks | None = None,
    ) -> None:
        self._reports = reports
        self._files = files
        self._city = city
        self._area = area
        self._tools = tools
        self._alerts = alerts
        self._clocks = clocks  # deadlines start when a photo routes its report

    # -- the two entry points -------------------------------------------------------------

    def on_photo_landed(self, landed: PhotoLanded) -> Result:
        if landed.after:
            return self._after_photo(landed, failed=False)
        received = self._retrying(lambda: self._receive(landed))
        if isinstance(received, Result):
            return received
        report, photo = received
        found, copies = self._check(report, landed, photo)
        result: Result = self._retrying(lambda: self._settle(landed, found, copies))
        return result

    def on_check_failed(self, landed: PhotoLanded) -> Result:
        """The photo's message reached the dead-letter queue: its check crashed every time.
        The photo gets the ``check_failed`` finding, the report a way out (``needs_review``
        unless another photo was accepted), and the admins an alert. An after photo gets the
        finding and the report stays as it is (the agency may upload another)."""
        if landed.after:
            result = self._after_photo(landed, failed=True)
        else:
            received = self._retrying(lambda: self._receive(landed))
            if isinstance(received, Result):
                return received
            result = self._retrying(lambda: self._settle(landed, check_failed_findings(), None))
        if result is not Result.DUPLICATE and self._alerts is not None:
            self._alerts.alert(
                f"Photo check failed: report {landed.report_id}",
                f"The check of photo {landed.slot} (version {landed.version}) of report "
                f"{landed.report_id} crashed on every attempt; the report waits for an admin "
                f"({result.value}).",
            )
        return Result.CHECK_FAILED if result is not Result.DUPLICATE else result

    # -- the steps --------------------------------------------------------------------------

    def _apply(self, *steps: Transition) -> None:
        """Write the changes; then delete the copies of records they dropped (past the cap)."""
        self._reports.apply(*steps)
        before, after = steps[0].before, steps[-1].after
        if before is None:
            raise ValueError("photo checks change stored reports only")
        for gone in dropped(before.photos, after.photos):
            if gone.copies is not None:
                self._files.delete_copies(gone.copies)

    def _retrying(self, step: Callable[[], Any]) -> Any:
        for _ in range(_ATTEMPTS):
            try:
                return step()
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate

    def _receive(self, landed: PhotoLanded) -> tuple[Report, Photo] | Result:
        report = self._reports.get(landed.report_id)
        if report is None:
            return Result.UNKNOWN_REPORT
        if not 1 <= landed.slot <= report.photo_count:
            return Result.UNKNOWN_SLOT
        in_slot = [p for p in report.photos if p.slot == landed.slot]
        same = next((p for p in in_slot if p.version == landed.version), None)
        if same is not None:
            if same.findings is not None or same.state is PhotoState.SUPERSEDED:
                return Result.DUPLICATE  # at-least-once delivery: same object, same verdict
            return report, same  # recorded by an attempt that did not finish: check it now
        at = landed.event_time
        record = Photo(
            slot=landed.slot,
            version=landed.version,
            order=landed.order,
            size=landed.size,
            received_at=at,
        )
        if any(is_newer(p.order, landed.order) for p in in_slot):
            superseded = replace(record, state=PhotoState.SUPERSEDED)
            self._apply(
                amend(
                    report,
                    EventType.PHOTO_SUPERSEDED,
                    at=at,
                    actor=Actor.PHOTO_CHECKS,
                    note=f"photo {landed.slot}",
                    data={"slot": landed.slot, "version": landed.version},
                    photos=keep(report.photos, superseded),
                )
            )
            return Result.SUPERSEDED
        if _awaits_verdict(report) or may_take_photo(report):
            photos = keep(report.photos, record)
            replaced = [p for p in current(report.photos, landed.slot) if p.copies is not None]
            if _awaits_verdict(report):
                # Checks under way (verifying), or held for review by the checks: the report
                # stays where it is until this photo's verdict is in.
                t = amend(
                    report,
                    EventType.PHOTO,
                    at=at,
                    actor=Actor.PHOTO_CHECKS,
                    note=f"photo {landed.slot}",
                    photos=photos,
                )
            else:
                t = transition(
                    report,
                    Status.VERIFYING,
                    at=at,
                    actor=Actor.PHOTO_CHECKS,
                    note=f"photo {landed.slot}",
                    clocks=self._clocks,
                    photos=photos,
                )
            self._apply(t)
            for old in replaced:  # a replaced photo is no longer shown anywhere
                if old.copies is not None:
                    self._files.delete_copies(old.copies)
            return t.after, record
        late = replace(record, state=PhotoState.LATE)
        t = amend(
            report,
            EventType.PHOTO,
            at=at,
            actor=Actor.PHOTO_CHECKS,
            note=f"late photo {landed.slot}",
            photos=keep(report.photos, late),
        )
        self._apply(t)
        return t.after, late

    def _check(
        self, report: Report, landed: PhotoLanded, photo: Photo
    ) -> tuple[Findings, Copies | None]:
        from sikemas.photo.reading import refused

        if landed.size > MAX_PHOTO_BYTES:  # S3 enforces the POST policy; never download more
            facts = refused(Reason.TOO_LARGE)
            data = b""
        elif landed.size == 0:
            facts = refused(Reason.EMPTY_FILE)
            data = b""
        else:
            data = self._files.get_original(
                landed.report_id, landed.slot, landed.version_id, after=landed.after
            )
            facts = self._tools.read(data)
        verdict = self._judge(report, facts, landed.event_time, after=landed.after)
        copies: Copies | None = None
        if verdict.outcome is not Outcome.REJECTED:
            # Only photos that may be shown get copies; rejected ones stay private originals.
            try:
                derived = self._tools.derive(data)
            except ValueError as exc:  # PhotoDeriveError: the pixels did not decode after all
                reason = Reason(getattr(exc, "reason", Reason.CORRUPT_IMAGE))
                facts = replace(facts, image_error=reason)
                verdict = self._judge(report, facts, landed.event_time, after=landed.after)
            else:
                copies = self._files.put_copies(
                    landed.report_id,
                    landed.slot,
                    landed.version,
                    derived.public,
                    derived.thumbnail,
                    private=not report.public_copies_allowed,
                    after=landed.after,
                )
        return findings(facts, verdict), copies

    def _judge(
        self, report: Report, facts: PhotoFacts, uploaded_at: datetime, *, after: bool = False
    ) -> Any:
        category = self._city.categories[report.category]
        claim = (
            Claim(report.location.lat, report.location.lon, report.location.accuracy_m)
            if report.location
            else None
        )
        if after:
            # An agency's after photo proves the fix on the spot: taken inside the city, within
            # 250 m + the pin's accuracy of the report's place, recently. Without GPS it proves
            # nothing: rejected (the agency takes another), whatever the category's policy.
            return judge(
                facts,
                area=self._area,
                settings=self._city.photo_checks,
                no_gps_policy="rejected",
                claimed=claim,
                uploaded_at=uploaded_at,
                far=(Reason.FAR_FROM_REPORT, Outcome.REJECTED),
            )
        return judge(
            facts,
            area=self._area,
            settings=self._city.photo_checks,
            no_gps_policy=category.no_gps_policy,
            claimed=claim,
            uploaded_at=uploaded_at,
        )

    # -- an agency's after photo ------------------------------------------------------------

    def _after_photo(self, landed: PhotoLanded, *, failed: bool) -> Result:
        """Check an agency's after photo and keep it on the report (``after_photos``), its
        copies public when the report's are. The report's state never changes: the agency
        resolves it, naming an accepted after photo. Idempotent per object version; an older
        upload to a slot that already holds a newer one is ignored."""
        report = self._reports.get(landed.report_id)
        if report is None:
            return Result.UNKNOWN_REPORT
        if not 1 <= landed.slot <= MAX_AFTER_PHOTOS:
            return Result.UNKNOWN_SLOT
        in_slot = [p for p in report.after_photos if p.slot == landed.slot]
        if any(p.version == landed.version for p in in_slot):
            return Result.DUPLICATE
        if any(is_newer(p.order, landed.order) for p in in_slot):
            return Result.SUPERSEDED
        if failed:
            found, copies = check_failed_findings(), None
        else:
            record = Photo(
                landed.slot, landed.version, landed.order, landed.size, landed.event_time
            )
            found, copies = self._check(report, landed, record)
        result: Result = self._retrying(lambda: self._keep_after(landed, found, copies))
        return result

    def _keep_after(self, landed: PhotoLanded, found: Findings, copies: Copies | None) -> Result:
        report = self._reports.get(landed.report_id)
        if report is None:  # pragma: no cover - reports are never deleted
            return Result.UNKNOWN_REPORT
        in_slot = [p for p in report.after_photos if p.slot == landed.slot]
        if any(p.version == landed.version for p in in_slot) or any(
            is_newer(p.order, landed.order) for p in in_slot
        ):
            if copies is not None and all(p.copies != copies for p in in_slot):
                self._files.delete_copies(copies)  # a concurrent delivery kept its own
            return Result.DUPLICATE
        photo = Photo(
            slot=landed.slot,
            version=landed.version,
            order=landed.order,
            size=landed.size,
            received_at=landed.event_time,
            findings=found,
            copies=copies,
        )
        kept = (*(p for p in report.after_photos if p.slot != landed.slot), photo)
        accepted = found.outcome is PhotoOutcome.ACCEPTED
        self._reports.apply(
            amend(
                report,
                EventType.AFTER_PHOTO,
                at=landed.event_time,
                actor=Actor.PHOTO_CHECKS,
                note=f"after photo {landed.slot}",
                reason=_reasons(found),
                data={"slot": landed.slot, "outcome": found.outcome.value},
                after_photos=tuple(sorted(kept, key=lambda p: p.slot)),
            )
        )
        for old in in_slot:  # the slot's earlier upload is no longer shown
            if old.copies is not None:
                self._files.delete_copies(old.copies)
        return Result.AFTER_ACCEPTED if accepted else Result.AFTER_NOT_ACCEPTED

    def _settle(self, landed: PhotoLanded, found: Findings, copies: Copies | None) -> Result:
        report = self._reports.get(landed.report_id)
        if report is None:  # pragma: no cover - reports are never deleted
            return Result.UNKNOWN_REPORT
        photo = next(
            (p for p in report.photos if p.slot == landed.slot and p.version == landed.version),
            None,
        )
        if photo is None or photo.findings is not None or photo.state is PhotoState.SUPERSEDED:
            if copies is not None and (photo is None or photo.copies != copies):
                self._files.delete_copies(copies)  # made for a record that is gone
            return Result.DUPLICATE
        if photo.state is PhotoState.REPLACED:
            # A newer upload replaced it while it was checked: kept for the record, never shown.
            if copies is not None:
                self._files.delete_copies(copies)
            copies = None
        checked = replace(photo, findings=found, copies=copies)
        photos = tuple(checked if p is photo else p for p in report.photos)
        at = landed.event_time
        note = f"photo {landed.slot}"
        data = {"slot": landed.slot, "outcome": found.outcome.value}
        deciding = (
            checked.state is PhotoState.CURRENT
            and (_awaits_verdict(report) or report.status is Status.REJECTED)
            and report.status_by is Actor.PHOTO_CHECKS
            and all(p.findings is not None for p in current(photos))
        )
        if not deciding:
            kept = amend(
                report,
                EventType.PHOTO,
                at=at,
                actor=Actor.PHOTO_CHECKS,
                note=note,
                reason=_reasons(found),
                data=data,
                photos=photos,
            )
            steps = [kept]
            if not _awaits_verdict(report):  # a late photo: the report has moved on
                steps += self._flag_if_outside(kept.after, [checked], at)
            self._apply(*steps)
            if checked.state is PhotoState.CURRENT and _awaits_verdict(report):
                return Result.PENDING
            return Result.KEPT
        decision = decide(photos)
        if decision is None:  # every current photo has its verdict: cannot happen
            raise RuntimeError(f"no decision for report {report.id}")
        target = decided_status(decision, self._city.categories[report.category])
        changes: dict[str, Any] = {"photos": photos}
        if decision is Decision.ROUTE and report.subdistrict is None:
            changes["subdistrict"] = self._subdistrict(photos)
        reasons = sorted(
            {str(r) for p in current(photos) if p.findings for r in p.findings.reasons}
        )
        if target is report.status:  # e.g. still for review: the facts change, not the state
            moved = amend(
                report,
                EventType.PHOTO,
                at=at,
                actor=Actor.PHOTO_CHECKS,
                note=note,
                reason=",".join(reasons) or None,
                data=data,
                **changes,
            )
        else:
            moved = transition(
                report,
                target,
                at=at,
                actor=Actor.PHOTO_CHECKS,
                note=note,
                reason=",".join(reasons) or None,
                data=data,
                clocks=self._clocks,
                **changes,
            )
        steps = [moved]
        if decision is Decision.ROUTE:
            steps += self._flag_if_outside(moved.after, current(photos), at)
        self._apply(*steps)
        return _RESULT[target]

    def _flag_if_outside(
        self, report: Report, photos: list[Photo], at: datetime
    ) -> list[Transition]:
        """A routed report with a photo taken outside the city is flagged for its admins (and
        its owner sees the flag): one timeline event records it."""
        outside = [p for p in photos if p.taken_outside_city]
        if report.suspicious or not outside or report.status not in _FLAGGABLE:
            return []
        return [
            amend(
                report,
                EventType.FLAGGED,
                at=at,
                actor=Actor.PHOTO_CHECKS,
                reason=Reason.OUTSIDE_CITY.value,
                data={"slots": [p.slot for p in outside]},
                suspicious=True,
            )
        ]

    def _subdistrict(self, photos: tuple[Photo, ...]) -> dict[str, str] | None:
        """The claimed pin gave the place at intake; a report without one takes its accepted
        photo's (when the city has subdistrict outlines)."""
        if not self._area.has_subdistricts:
            return None
        tolerance = self._city.photo_checks.gps_tolerance_m
        for p in current(photos):
            if p.outcome is PhotoOutcome.ACCEPTED and p.findings and p.findings.gps:
                gps = p.findings.gps
                place = self._area.subdistrict(gps.lat, gps.lon, tolerance)
                if place is not None:
                    return dict(place.as_mapping())
        return None
        for p in current(photos):
            if p.outcome is PhotoOutcome.ACCEPTED and p.findings and p.findings.gps:
                place = self._area.subdistrict(p.findings.gps.lat, p.findings.gps.lon)
                if place is not None:
                    return {
                        k: v
                        for k, v in {
                            "village_code": place.village_code,
                            "village_name": place.village_name,
                            "district_code": place.district_code,
                            "district_name": place.district_name,
                        }.items()
                        if v
                    }
        return None


_RESULT = {
    Status.ASSIGNED: Result.ASSIGNED,
    Status.FORWARDED: Result.FORWARDED,
    Status.NEEDS_REVIEW: Result.NEEDS_REVIEW,
    Status.REJECTED: Result.REJECTED,
}

# A report is flagged when it has been (or is being) routed: a photo from outside the city on
# a report still waiting for its verdict decides nothing on its own.
_FLAGGABLE = frozenset(
    {
        Status.ASSIGNED,
        Status.FORWARDED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.CLOSED,
        Status.NEEDS_REVIEW,
        Status.DUPLICATE,
    }
)


def _awaits_verdict(report: Report) -> bool:
    """The photo checks hold the report: verifying, or for review by the checks (a new photo
    may still route it; ``needs_review → verifying`` is no edge of the graph)."""
    return report.status is Status.VERIFYING or (
        report.status is Status.NEEDS_REVIEW and report.status_by is Actor.PHOTO_CHECKS
    )


def _reasons(found: Findings) -> str | None:
    return ",".join(str(r) for r in found.reasons) or None
